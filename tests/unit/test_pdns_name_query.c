/* Tests for name normalisation and reversal (pdns/name.h) and the query model
 * (pdns/query.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pdns/name.h"
#include "pdns/query.h"
#include "pdns/record.h"

static void assert_normalizes(const char *input, const char *expected)
{
	char out[PDNS_NAME_BUF];
	struct dn_error err = {0};
	dn_status rc = pdns_name_normalize(input, out, sizeof(out), &err);
	if (rc != DN_OK)
		fail_msg("'%s' rejected: %s", input, err.msg);
	assert_string_equal(out, expected);
}

static void assert_name_rejected(const char *input)
{
	char out[PDNS_NAME_BUF];
	struct dn_error err = {0};
	dn_status rc = pdns_name_normalize(input, out, sizeof(out), &err);
	if (rc == DN_OK)
		fail_msg("'%.80s' accepted as '%.80s'", input, out);
	assert_int_equal(rc, DN_EINVAL);
	assert_int_equal(err.code, DN_EINVAL);
	assert_true(strlen(err.msg) > 0);
}

/* "a" * len, for label and name length limits. */
static void repeat(char *out, char c, size_t len)
{
	memset(out, c, len);
	out[len] = '\0';
}

static void test_normalize_ascii(void **state)
{
	(void)state;
	assert_normalizes("WWW.Example.COM", "www.example.com.");
	assert_normalizes("www.example.com.", "www.example.com.");
	assert_normalizes("com", "com.");
	assert_normalizes(".", ".");
	assert_normalizes("_dmarc.Example.ORG", "_dmarc.example.org.");
	/* An escaped dot stays inside its label (RFC 1035 section 5.1). */
	assert_normalizes("a\\.b.Example", "a\\.b.example.");
}

/* IDNA 2008 (RFC 5891): U-labels become A-labels (RFC 3492 Punycode). */
static void test_normalize_idn(void **state)
{
	(void)state;
	assert_normalizes("bücher.example", "xn--bcher-kva.example.");
	assert_normalizes("bücher.example.", "xn--bcher-kva.example.");
	assert_normalizes("BÜCHER.Example", "xn--bcher-kva.example.");
	assert_normalizes("www.münchen.de", "www.xn--mnchen-3ya.de.");
	assert_normalizes("xn--bcher-kva.example", "xn--bcher-kva.example.");
	assert_name_rejected("b\xfc"
	                     "cher.example"); /* Latin-1, not UTF-8 */
}

static void test_normalize_rejects(void **state)
{
	(void)state;
	char label[80];
	char name[400];

	assert_name_rejected("");
	assert_name_rejected("a..b");
	assert_name_rejected(".example");
	assert_name_rejected("example..");
	assert_name_rejected("..");

	/* 63 bytes is the longest label (RFC 1035 section 2.3.4). */
	char expected[sizeof(name) + 1];
	repeat(label, 'a', 63);
	snprintf(name, sizeof(name), "%s.example", label);
	snprintf(expected, sizeof(expected), "%s.", name);
	assert_normalizes(name, expected);
	repeat(label, 'a', 64);
	snprintf(name, sizeof(name), "%s.example", label);
	assert_name_rejected(name);
	/* \DDD needs three digits and a value up to 255 (RFC 1035 section 5.1).
	 * Escapes come out in the form stored names use: "\065" is 'A', so it
	 * becomes a plain lower-case 'a', while a byte that needs escaping keeps
	 * one, and an escaped '*' is a literal label. */
	assert_normalizes("a\\065b.Example", "aab.example.");
	assert_normalizes("\\101vil.test", "evil.test.");
	assert_normalizes("a\\032b.example", "a\\032b.example.");
	assert_normalizes("\\*.wild.test", "*.wild.test.");
	assert_name_rejected("a\\1.b");
	assert_name_rejected("a\\12.b");
	assert_name_rejected("a\\256.b");
	assert_name_rejected("a\\");
	/* An escaped dot counts as one byte of its label. */
	repeat(label, 'a', 62);
	snprintf(name, sizeof(name), "%s\\.b.example", label);
	assert_name_rejected(name);

	/* 253 characters without the final dot is the longest name: 255 wire
	 * bytes with the length octets and the root. */
	char l63[64];
	repeat(l63, 'a', 63);
	char l61[62];
	repeat(l61, 'b', 61);
	snprintf(name, sizeof(name), "%s.%s.%s.%s", l63, l63, l63, l61);
	assert_int_equal(strlen(name), 253);
	snprintf(expected, sizeof(expected), "%s.", name);
	assert_normalizes(name, expected);
	assert_normalizes(expected, expected);
	snprintf(name, sizeof(name), "%s.%s.%s.%sb", l63, l63, l63, l61);
	assert_int_equal(strlen(name), 254);
	assert_name_rejected(name);

	/* An output buffer that cannot hold the result. */
	char small[8];
	struct dn_error err = {0};
	assert_int_not_equal(pdns_name_normalize("www.example.com", small, sizeof(small), &err),
	                     DN_OK);
	assert_int_equal(pdns_name_normalize("a.b", small, sizeof(small), &err), DN_OK);
	assert_string_equal(small, "a.b.");
}

static void assert_reverses(const char *name, const char *expected)
{
	char out[PDNS_NAME_BUF];
	pdns_name_reverse(name, out, sizeof(out));
	assert_string_equal(out, expected);
}

static void test_reverse(void **state)
{
	(void)state;
	assert_reverses("www.example.com.", "com.example.www.");
	assert_reverses("example.com.", "com.example.");
	assert_reverses("com.", "com.");
	assert_reverses(".", ".");
	assert_reverses("", "");
	assert_reverses("example.com", "com.example.");
	assert_reverses("a\\.b.example.", "example.a\\.b.");
	/* Names without escapes take a faster path; both must agree. */
	assert_reverses("a..b.", "b..a.");
	assert_reverses("x.y", "y.x.");
	assert_reverses("single", "single.");
	assert_reverses("a\\.b..c", "c..a\\.b.");
	assert_reverses("0/25.2.0.192.in-addr.arpa.", "arpa.in-addr.192.0.2.0/25.");
	/* An escaped backslash does not escape the dot after it. */
	assert_reverses("a\\\\.b.", "b.a\\\\.");
	assert_reverses("a\\046b.example.", "example.a\\046b.");

	/* Reversing twice gives the name back. */
	char once[PDNS_NAME_BUF], twice[PDNS_NAME_BUF];
	const char *name = "x.y\\.z.example.co.uk.";
	pdns_name_reverse(name, once, sizeof(once));
	assert_string_equal(once, "uk.co.example.y\\.z.x.");
	pdns_name_reverse(once, twice, sizeof(twice));
	assert_string_equal(twice, name);

	/* out needs strlen(name) + 2 bytes. */
	char exact[8];
	pdns_name_reverse("a.bc", exact, 6);
	assert_string_equal(exact, "bc.a.");
	memset(exact, 'x', sizeof(exact));
	pdns_name_reverse("a.bc", exact, 5);
	assert_string_equal(exact, "");

	/* The maximum number of labels: 127 one-byte labels. */
	char many[300], reversed[300], expected[300];
	size_t n = 0, m = 0;
	for (int i = 0; i < 127; i++) {
		many[n++] = (char)('a' + i % 26);
		many[n++] = '.';
		expected[m++] = (char)('a' + (126 - i) % 26);
		expected[m++] = '.';
	}
	many[n] = '\0';
	expected[m] = '\0';
	pdns_name_reverse(many, reversed, sizeof(reversed));
	assert_string_equal(reversed, expected);
}

static void test_to_unicode(void **state)
{
	(void)state;
	char out[PDNS_NAME_BUF];
	pdns_name_to_unicode("xn--bcher-kva.example.", out, sizeof(out));
	assert_string_equal(out, "bücher.example.");
	pdns_name_to_unicode("www.example.com.", out, sizeof(out));
	assert_string_equal(out, "www.example.com.");
	/* '_' is no Punycode digit (RFC 3492 section 5), so this label cannot
	 * be decoded and the name is copied as it is. */
	pdns_name_to_unicode("xn--ab_c.example.", out, sizeof(out));
	assert_string_equal(out, "xn--ab_c.example.");
	/* U+1F4A9 decodes, but IDNA 2008 disallows symbols (RFC 5892). */
	pdns_name_to_unicode("xn--ls8h.example.", out, sizeof(out));
	assert_string_equal(out, "xn--ls8h.example.");
	/* "xn--a" decodes to nothing. */
	pdns_name_to_unicode("xn--a.example.", out, sizeof(out));
	assert_string_equal(out, "xn--a.example.");
}

static void test_query_defaults(void **state)
{
	(void)state;
	struct pdns_query q;
	memset(&q, 0x5a, sizeof(q));
	pdns_query_init(&q);
	assert_int_equal(q.kind, PDNS_QUERY_RRNAME);
	assert_int_equal(q.match, PDNS_MATCH_EXACT);
	assert_string_equal(q.name, "");
	assert_int_equal(q.rrtype, 0);
	assert_false(q.has_bailiwick);
	assert_true(q.first_after == PDNS_TIME_UNSET);
	assert_true(q.first_before == PDNS_TIME_UNSET);
	assert_true(q.last_after == PDNS_TIME_UNSET);
	assert_true(q.last_before == PDNS_TIME_UNSET);
	assert_int_equal(q.limit, 0);
	assert_int_equal(q.offset, 0);
	assert_int_equal(q.sort, PDNS_SORT_FIRST);
}

static void assert_rrname(const char *text, enum pdns_match match, const char *name)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	dn_status rc = pdns_query_set_rrname(&q, text, &err);
	if (rc != DN_OK)
		fail_msg("'%s' rejected: %s", text, err.msg);
	assert_int_equal(q.kind, PDNS_QUERY_RRNAME);
	assert_int_equal(q.match, match);
	assert_string_equal(q.name, name);
}

static void assert_rrname_rejected(const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	if (pdns_query_set_rrname(&q, text, &err) == DN_OK)
		fail_msg("'%s' accepted as name '%s'", text, q.name);
	assert_int_equal(err.code, DN_EINVAL);
	assert_true(strlen(err.msg) > 0);
}

static void test_rrname_patterns(void **state)
{
	(void)state;
	assert_rrname("WWW.Example.com", PDNS_MATCH_EXACT, "www.example.com.");
	assert_rrname("www.example.com.", PDNS_MATCH_EXACT, "www.example.com.");
	assert_rrname("*.Example.com", PDNS_MATCH_LEFT, "example.com.");
	assert_rrname("*.example.com.", PDNS_MATCH_LEFT, "example.com.");
	assert_rrname("*.com", PDNS_MATCH_LEFT, "com.");
	assert_rrname("www.Example.*", PDNS_MATCH_RIGHT, "www.example.");
	assert_rrname("www.example.*.", PDNS_MATCH_RIGHT, "www.example.");
	assert_rrname("www.*", PDNS_MATCH_RIGHT, "www.");
	assert_rrname("*.bücher.example", PDNS_MATCH_LEFT, "xn--bcher-kva.example.");

	/* A '*' anywhere but a whole first or last label. */
	assert_rrname_rejected("www.*.com");
	assert_rrname_rejected("*www.example.com");
	assert_rrname_rejected("w*w.example.com");
	assert_rrname_rejected("www.example*");
	assert_rrname_rejected("*.example.*");
	assert_rrname_rejected("*");
	assert_rrname_rejected("*.");
	assert_rrname_rejected(".*");
	assert_rrname_rejected("**.example.com");
	assert_rrname_rejected("");
	assert_rrname_rejected("*.a..b");

	/* Unescaped white space is a slip; \032 is a space in a label. */
	assert_rrname_rejected(" 203.0.113.10");
	assert_rrname_rejected("www.example.com\n");
	assert_rrname_rejected("a b.example");
	assert_rrname("a\\032b.example", PDNS_MATCH_EXACT, "a\\032b.example.");
	/* The root and RFC 2317 names with a '/'. */
	assert_rrname(".", PDNS_MATCH_EXACT, ".");
	assert_rrname("10.0/25.2.0.192.in-addr.arpa", PDNS_MATCH_EXACT,
	              "10.0/25.2.0.192.in-addr.arpa.");
}

static struct pdns_query rdata_query(const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	dn_status rc = pdns_query_set_rdata(&q, text, &err);
	if (rc != DN_OK)
		fail_msg("'%s' rejected: %s", text, err.msg);
	return q;
}

static void assert_range(const struct pdns_query *q, const char *lo, const char *hi)
{
	ip_key want_lo, want_hi;
	assert_true(ip_key_parse(lo, &want_lo));
	assert_true(ip_key_parse(hi, &want_hi));
	assert_int_equal(q->kind, PDNS_QUERY_RDATA_IP);
	assert_memory_equal(q->range.lo.b, want_lo.b, 16);
	assert_memory_equal(q->range.hi.b, want_hi.b, 16);
}

static void assert_rdata_rejected(const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	if (pdns_query_set_rdata(&q, text, &err) == DN_OK)
		fail_msg("'%s' accepted (kind %d, name '%s')", text, q.kind, q.name);
	assert_int_equal(err.code, DN_EINVAL);
	assert_true(strlen(err.msg) > 0);
}

static void test_rdata_kinds(void **state)
{
	(void)state;
	struct pdns_query q;

	q = rdata_query("192.0.2.1");
	assert_range(&q, "192.0.2.1", "192.0.2.1");
	q = rdata_query("192.0.2.0/24");
	assert_range(&q, "192.0.2.0", "192.0.2.255");
	q = rdata_query("2001:db8::/32");
	assert_range(&q, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	q = rdata_query("192.0.2.10-192.0.2.20");
	assert_range(&q, "192.0.2.10", "192.0.2.20");
	q = rdata_query("::1");
	assert_range(&q, "::1", "::1");

	q = rdata_query("Mail.Example.com");
	assert_int_equal(q.kind, PDNS_QUERY_RDATA_NAME);
	assert_int_equal(q.match, PDNS_MATCH_EXACT);
	assert_string_equal(q.name, "mail.example.com.");
	/* A hyphen in a host name is no address range. */
	q = rdata_query("my-host.example.com");
	assert_int_equal(q.kind, PDNS_QUERY_RDATA_NAME);
	assert_string_equal(q.name, "my-host.example.com.");
	q = rdata_query("*.example.com");
	assert_int_equal(q.kind, PDNS_QUERY_RDATA_NAME);
	assert_int_equal(q.match, PDNS_MATCH_LEFT);
	assert_string_equal(q.name, "example.com.");
	q = rdata_query("ns1.example.*");
	assert_int_equal(q.kind, PDNS_QUERY_RDATA_NAME);
	assert_int_equal(q.match, PDNS_MATCH_RIGHT);
	assert_string_equal(q.name, "ns1.example.");

	/* Address-like text that is not a valid address, prefix or range. */
	assert_rdata_rejected("192.0.2.0/33");
	assert_rdata_rejected("2001:db8::/129");
	assert_rdata_rejected("2001:db8::zz");
	assert_rdata_rejected("192.0.2.1-2001:db8::1");
	assert_rdata_rejected("192.0.2.20-192.0.2.10");
	assert_rdata_rejected("2001:db8::ff-2001:db8::1");
	assert_rdata_rejected("www.*.com");
}

static void test_text_looks_like_address(void **state)
{
	(void)state;
	assert_true(pdns_text_looks_like_address("192.0.2.99-192.0.2.10"));
	assert_true(pdns_text_looks_like_address("192.0.2.0/33"));
	assert_true(pdns_text_looks_like_address("2001:db8::/129"));
	assert_true(pdns_text_looks_like_address("1.2.3"));
	assert_false(pdns_text_looks_like_address("example.com"));
	assert_false(pdns_text_looks_like_address("1-2.example"));
	assert_false(pdns_text_looks_like_address("12345"));
	assert_false(pdns_text_looks_like_address("3com.example"));
	assert_true(pdns_text_looks_like_address("::ffff:192.0.2.1/96"));
	assert_true(pdns_text_looks_like_address("192.0.2.5-"));
	assert_false(pdns_text_looks_like_address("0/25.2.0.192.in-addr.arpa"));
	assert_false(pdns_text_looks_like_address("."));
	assert_false(pdns_text_looks_like_address("192.0.2.1."));
	assert_true(pdns_text_looks_like_address("a:b.example"));
	assert_false(pdns_text_looks_like_address(""));
}

static void test_text_is_ip_range(void **state)
{
	(void)state;
	assert_true(pdns_text_is_ip_range("192.0.2.1"));
	assert_true(pdns_text_is_ip_range("10.0.0.0/8"));
	assert_true(pdns_text_is_ip_range("::1"));
	assert_true(pdns_text_is_ip_range("2001:db8::/48"));
	assert_true(pdns_text_is_ip_range("192.0.2.1-192.0.2.9"));
	assert_false(pdns_text_is_ip_range("example.com"));
	assert_false(pdns_text_is_ip_range("my-host.example.com"));
	assert_false(pdns_text_is_ip_range("1-2"));
	assert_false(pdns_text_is_ip_range(""));
	assert_false(pdns_text_is_ip_range("192.0.2.9-192.0.2.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_normalize_ascii),   cmocka_unit_test(test_normalize_idn),
		cmocka_unit_test(test_normalize_rejects), cmocka_unit_test(test_reverse),
		cmocka_unit_test(test_to_unicode),        cmocka_unit_test(test_query_defaults),
		cmocka_unit_test(test_rrname_patterns),   cmocka_unit_test(test_rdata_kinds),
		cmocka_unit_test(test_text_is_ip_range),
		cmocka_unit_test(test_text_looks_like_address),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
