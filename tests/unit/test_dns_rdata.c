/* Tests for presentation formats and index values in dns/rdata.h. Expected
 * strings follow RFC 1035 section 5.1 and the presentation format of each
 * type's RFC. */
#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include <libknot/libknot.h>

#include "dns/rdata.h"
#include "dns_wire_build.h"

/* The buffer dns_rdata_format() grows, shared by every call of one test. */
struct text {
	char *buf;
	size_t size;
};

static int setup(void **state)
{
	struct text *t = calloc(1, sizeof(*t));
	assert_non_null(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct text *t = *state;
	free(t->buf);
	free(t);
	return 0;
}

static const char *format(struct text *t, uint16_t type, const void *rdata, size_t rdlen)
{
	assert_true(rdlen <= 0xffff);
	long n = dns_rdata_format(type, rdata, (uint16_t)rdlen, &t->buf, &t->size);
	assert_true(n >= 0);
	assert_non_null(t->buf);
	assert_int_equal((size_t)n, strlen(t->buf));
	assert_true((size_t)n < t->size);
	return t->buf;
}

static const char *format_wire(struct text *t, uint16_t type, const struct wire *w)
{
	return format(t, type, w->buf, w->len);
}

static void test_address_types(void **state)
{
	struct text *t = *state;
	static const uint8_t a[4] = {192, 0, 2, 1};
	static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	/* 2001:db8:0:0:1:0:0:1: two runs of two zero fields, so the first is
	 * shortened (RFC 5952 section 4.2.3). */
	static const uint8_t aaaa_tie[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
	                                     0,    1,    0,    0,    0, 0, 0, 1};
	static const uint8_t zero[16] = {0};

	assert_string_equal(format(t, T_A, a, 4), "192.0.2.1");
	assert_string_equal(format(t, T_AAAA, aaaa, 16), "2001:db8::1");
	assert_string_equal(format(t, T_AAAA, aaaa_tie, 16), "2001:db8::1:0:0:1");
	assert_string_equal(format(t, T_AAAA, zero, 16), "::");
}

static void test_name_types(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_name(&w, "target.example.com");
	assert_string_equal(format_wire(t, T_CNAME, &w), "target.example.com.");
	assert_string_equal(format_wire(t, T_NS, &w), "target.example.com.");
	assert_string_equal(format_wire(t, T_PTR, &w), "target.example.com.");
	assert_string_equal(format_wire(t, T_DNAME, &w), "target.example.com.");

	w.len = 0;
	w_u16(&w, 10);
	w_name(&w, "mail.example.com");
	assert_string_equal(format_wire(t, T_MX, &w), "10 mail.example.com.");

	/* Null MX (RFC 7505): preference 0 and the root. */
	w.len = 0;
	w_u16(&w, 0);
	w_root(&w);
	assert_string_equal(format_wire(t, T_MX, &w), "0 .");
}

static void test_txt_escapes(void **state)
{
	struct text *t = *state;
	struct wire w;
	static const char *const strings[] = {"hello", "say \"hi\"", "C:\\dir", "\abell", ""};

	w.len = 0;
	for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		w_u8(&w, (uint8_t)strlen(strings[i]));
		w_bytes(&w, strings[i], strlen(strings[i]));
	}
	assert_string_equal(format_wire(t, T_TXT, &w),
	                    "\"hello\" \"say \\\"hi\\\"\" \"C:\\\\dir\" \"\\007bell\" \"\"");

	/* 255 control bytes: each becomes a four-character \DDD escape. */
	w.len = 0;
	w_u8(&w, 255);
	for (int i = 0; i < 255; i++)
		w_u8(&w, 0x01);
	char expected[2 + 255 * 4 + 1];
	size_t n = 0;
	expected[n++] = '"';
	for (int i = 0; i < 255; i++) {
		memcpy(expected + n, "\\001", 4);
		n += 4;
	}
	expected[n++] = '"';
	expected[n] = '\0';
	assert_string_equal(format_wire(t, T_TXT, &w), expected);
}

static void test_soa_srv(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_name(&w, "ns1.example.com");
	w_name(&w, "hostmaster.example.com");
	w_u32(&w, 2024010101);
	w_u32(&w, 7200);
	w_u32(&w, 3600);
	w_u32(&w, 1209600);
	w_u32(&w, 300);
	assert_string_equal(format_wire(t, T_SOA, &w),
	                    "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 "
	                    "1209600 300");

	/* The same SOA cut after REFRESH is not a SOA any more. */
	w.len -= 12;
	char generic[600];
	int g = snprintf(generic, sizeof(generic), "\\# %zu ", w.len);
	for (size_t i = 0; i < w.len; i++)
		g += snprintf(generic + g, sizeof(generic) - (size_t)g, "%02x", w.buf[i]);
	assert_string_equal(format_wire(t, T_SOA, &w), generic);

	w.len = 0;
	w_u16(&w, 10);
	w_u16(&w, 60);
	w_u16(&w, 5060);
	w_name(&w, "sip.example.com");
	assert_string_equal(format_wire(t, T_SRV, &w), "10 60 5060 sip.example.com.");
}

/* RFC 8659 section 4.1.1: flags, the tag as is, the value as a quoted string. */
static void test_caa(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_u8(&w, 0);
	w_u8(&w, 5);
	w_bytes(&w, "issue", 5);
	w_bytes(&w, "letsencrypt.org", 15);
	assert_string_equal(format_wire(t, T_CAA, &w), "0 issue \"letsencrypt.org\"");
}

static void test_dnssec_types(void **state)
{
	struct text *t = *state;
	struct wire w;

	/* RFC 4509 section 2.3 example: key tag 60485, algorithm 5, SHA-256.
	 * Hex digits are case-insensitive (RFC 4034 section 5.3). */
	static const uint8_t digest[32] = {0xd4, 0xb7, 0xd5, 0x20, 0xe7, 0xbb, 0x5f, 0x0f,
	                                   0x67, 0x67, 0x4a, 0x0c, 0xce, 0xb1, 0xe3, 0xe0,
	                                   0x61, 0x4b, 0x93, 0xc4, 0xf9, 0xe9, 0x9b, 0x83,
	                                   0x83, 0xf6, 0xa1, 0xe4, 0x46, 0x9d, 0xa5, 0x0a};
	w.len = 0;
	w_u16(&w, 60485);
	w_u8(&w, 5);
	w_u8(&w, 2);
	w_bytes(&w, digest, sizeof(digest));
	const char *ds = format_wire(t, T_DS, &w);
	assert_int_equal(
		strcasecmp(ds, "60485 5 2 "
	                       "D4B7D520E7BB5F0F67674A0CCEB1E3E0614B93C4F9E99B8383F6A1E4469DA50A"),
		0);

	/* Base64 of "foobar" and "fo" are RFC 4648 section 10 test vectors. */
	w.len = 0;
	w_u16(&w, 257);
	w_u8(&w, 3);
	w_u8(&w, 8);
	w_bytes(&w, "foobar", 6);
	assert_string_equal(format_wire(t, T_DNSKEY, &w), "257 3 8 Zm9vYmFy");

	w.len = 0;
	w_u16(&w, 256);
	w_u8(&w, 3);
	w_u8(&w, 13);
	w_bytes(&w, "fo", 2);
	assert_string_equal(format_wire(t, T_DNSKEY, &w), "256 3 13 Zm8=");

	/* RRSIG (RFC 4034 section 3.2), times as YYYYMMDDHHmmSS in UTC:
	 * 1706745600 is 2024-02-01 00:00:00 and 1704067200 is 2024-01-01. */
	w.len = 0;
	w_u16(&w, T_A);
	w_u8(&w, 8);
	w_u8(&w, 3);
	w_u32(&w, 3600);
	w_u32(&w, 1706745600);
	w_u32(&w, 1704067200);
	w_u16(&w, 12345);
	w_name(&w, "example.com");
	w_bytes(&w, "foobar", 6);
	assert_string_equal(format_wire(t, T_RRSIG, &w),
	                    "A 8 3 3600 20240201000000 20240101000000 12345 example.com. Zm9vYmFy");
}

/* RFC 4034 section 4.3: the NSEC example, wire bytes as the RFC lists them. */
static void test_nsec(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_name(&w, "host.example.com");
	static const uint8_t window0[] = {0x00, 0x06, 0x40, 0x01, 0x00, 0x00, 0x00, 0x03};
	w_bytes(&w, window0, sizeof(window0));
	w_u8(&w, 0x04);
	w_u8(&w, 0x1b);
	for (int i = 0; i < 26; i++)
		w_u8(&w, 0);
	w_u8(&w, 0x20);
	assert_string_equal(format_wire(t, T_NSEC, &w),
	                    "host.example.com. A MX RRSIG NSEC TYPE1234");
}

/* An NSEC whose bitmap lists types 1 to 127 needs far more text than five
 * characters per rdata byte. It must still come out in presentation form,
 * with each type as its mnemonic or as TYPEnnn (RFC 3597 section 5). */
static void test_nsec_long_bitmap(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_name(&w, "next.example");
	w_u8(&w, 0);
	w_u8(&w, 16);
	w_u8(&w, 0x7f);
	for (int i = 1; i < 16; i++)
		w_u8(&w, 0xff);
	const char *text = format_wire(t, T_NSEC, &w);

	char *copy = strdup(text);
	assert_non_null(copy);
	char *save = NULL;
	char *token = strtok_r(copy, " ", &save);
	assert_non_null(token);
	assert_string_equal(token, "next.example.");
	for (unsigned type = 1; type <= 127; type++) {
		token = strtok_r(NULL, " ", &save);
		assert_non_null(token);
		uint16_t parsed = 0;
		assert_true(dns_type_parse(token, &parsed));
		assert_int_equal(parsed, type);
	}
	assert_null(strtok_r(NULL, " ", &save));
	free(copy);
}

/* RFC 3403 section 6.2 example, and the alias form of SVCB and a
 * ServiceMode HTTPS record with alpn and port (RFC 9460 sections 2.1 and 7). */
static void test_naptr_svcb(void **state)
{
	struct text *t = *state;
	struct wire w;

	w.len = 0;
	w_u16(&w, 100);
	w_u16(&w, 10);
	w_u8(&w, 1);
	w_bytes(&w, "u", 1);
	w_u8(&w, 7);
	w_bytes(&w, "E2U+sip", 7);
	const char *regexp = "!^.*$!sip:info@example.com!";
	w_u8(&w, (uint8_t)strlen(regexp));
	w_bytes(&w, regexp, strlen(regexp));
	w_root(&w);
	assert_string_equal(format_wire(t, T_NAPTR, &w),
	                    "100 10 \"u\" \"E2U+sip\" \"!^.*$!sip:info@example.com!\" .");

	w.len = 0;
	w_u16(&w, 0);
	w_name(&w, "svc.example.net");
	assert_string_equal(format_wire(t, T_SVCB, &w), "0 svc.example.net.");

	w.len = 0;
	w_u16(&w, 1);
	w_root(&w);
	w_u16(&w, 1); /* alpn */
	w_u16(&w, 6);
	w_u8(&w, 2);
	w_bytes(&w, "h2", 2);
	w_u8(&w, 2);
	w_bytes(&w, "h3", 2);
	w_u16(&w, 3); /* port */
	w_u16(&w, 2);
	w_u16(&w, 8443);
	assert_string_equal(format_wire(t, T_HTTPS, &w), "1 . alpn=h2,h3 port=8443");
}

/* RFC 3597 section 5: "\#", the length, then the rdata in hex. */
static void test_generic_form(void **state)
{
	struct text *t = *state;
	static const uint8_t three[3] = {1, 2, 3};
	static const uint8_t a5[5] = {192, 0, 2, 1, 7};
	static const uint8_t a3[3] = {192, 0, 2};

	assert_string_equal(format(t, 65280, three, 3), "\\# 3 010203");
	assert_string_equal(format(t, T_A, a5, 5), "\\# 5 c000020107");
	assert_string_equal(format(t, T_A, a3, 3), "\\# 3 c00002");
	assert_string_equal(format(t, T_A, a5, 0), "\\# 0");
	assert_string_equal(format(t, 65280, NULL, 0), "\\# 0");

	/* The largest rdata needs the buffer to grow well past its start. */
	uint8_t *big = malloc(65535);
	assert_non_null(big);
	memset(big, 0xab, 65535);
	const char *text = format(t, 65280, big, 65535);
	assert_int_equal(strlen(text), strlen("\\# 65535 ") + 2 * 65535);
	assert_memory_equal(text, "\\# 65535 abababab", 17);
	assert_int_equal(text[strlen(text) - 1], 'b');
	free(big);

	/* The grown buffer is reused for a short record. */
	assert_string_equal(format(t, T_A, a5, 4), "192.0.2.1");
}

/* Undo RFC 1035 section 5.1 escapes (\X and \DDD) of one label. */
static size_t unescape_label(const char *text, size_t len, uint8_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\\') {
			out[n++] = (uint8_t)text[i];
			continue;
		}
		assert_true(i + 1 < len);
		if (isdigit((unsigned char)text[i + 1])) {
			assert_true(i + 3 < len);
			out[n++] = (uint8_t)((text[i + 1] - '0') * 100 + (text[i + 2] - '0') * 10 +
			                     (text[i + 3] - '0'));
			i += 3;
		} else {
			out[n++] = (uint8_t)text[i + 1];
			i += 1;
		}
	}
	return n;
}

static void test_name_format(void **state)
{
	(void)state;
	uint8_t wire[256];
	char buf[DNS_NAME_TEXT_MAX];

	name_wire("www.example.com", wire);
	assert_int_equal(dns_name_format(wire, buf, sizeof(buf)), strlen("www.example.com."));
	assert_string_equal(buf, "www.example.com.");

	wire[0] = 0;
	assert_int_equal(dns_name_format(wire, buf, sizeof(buf)), 1);
	assert_string_equal(buf, ".");

	/* "a.b." needs five bytes with the terminator. */
	name_wire("a.b", wire);
	assert_int_equal(dns_name_format(wire, buf, 5), 4);
	assert_string_equal(buf, "a.b.");
	assert_int_equal(dns_name_format(wire, buf, 4), 0);

	/* A label holding a dot, a backslash, a space and bytes 0 and 255:
	 * whatever escapes are chosen, undoing them gives the bytes back and
	 * only the label separators remain as plain dots. */
	static const uint8_t odd[] = {6, 'a', '.', '\\', ' ', 0, 255, 3, 'c', 'o', 'm', 0};
	size_t len = dns_name_format(odd, buf, sizeof(buf));
	assert_true(len > 0);
	assert_int_equal(len, strlen(buf));
	assert_string_equal(buf + len - 5, ".com.");
	uint8_t label[64];
	size_t label_len = unescape_label(buf, len - 5, label);
	assert_int_equal(label_len, 6);
	assert_memory_equal(label, odd + 1, 6);

	/* A name of the maximum 255 wire bytes, every byte escaped, fits the
	 * documented buffer size. */
	uint8_t longest[255];
	size_t pos = 0;
	static const uint8_t labels[4] = {63, 63, 63, 61};
	for (int l = 0; l < 4; l++) {
		longest[pos++] = labels[l];
		memset(longest + pos, 0x07, labels[l]);
		pos += labels[l];
	}
	longest[pos++] = 0;
	assert_int_equal(pos, 255);
	len = dns_name_format(longest, buf, sizeof(buf));
	assert_int_equal(len, (63 * 3 + 61) * 4 + 4);
}

static void test_type_mnemonics(void **state)
{
	(void)state;
	static const struct {
		uint16_t type;
		const char *name;
	} known[] = {
		{1, "A"},      {2, "NS"},     {5, "CNAME"},  {6, "SOA"},   {12, "PTR"},
		{15, "MX"},    {16, "TXT"},   {28, "AAAA"},  {33, "SRV"},  {35, "NAPTR"},
		{39, "DNAME"}, {43, "DS"},    {46, "RRSIG"}, {47, "NSEC"}, {48, "DNSKEY"},
		{64, "SVCB"},  {65, "HTTPS"}, {257, "CAA"},
	};
	char buf[32];
	uint16_t type;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		dns_type_format(known[i].type, buf, sizeof(buf));
		assert_string_equal(buf, known[i].name);
		type = 0;
		assert_true(dns_type_parse(known[i].name, &type));
		assert_int_equal(type, known[i].type);
	}

	dns_type_format(65280, buf, sizeof(buf));
	assert_string_equal(buf, "TYPE65280");
	dns_type_format(0, buf, sizeof(buf));
	assert_string_equal(buf, "TYPE0");

	assert_true(dns_type_parse("aaaa", &type));
	assert_int_equal(type, 28);
	assert_true(dns_type_parse("Https", &type));
	assert_int_equal(type, 65);
	assert_true(dns_type_parse("TYPE65280", &type));
	assert_int_equal(type, 65280);
	assert_true(dns_type_parse("type65280", &type));
	assert_int_equal(type, 65280);
	assert_true(dns_type_parse("TYPE1", &type));
	assert_int_equal(type, 1);

	/* RFC 3597 section 5: "TYPE" then the decimal number, nothing else. */
	type = 4242;
	assert_false(dns_type_parse("TYPE65536", &type));
	assert_false(dns_type_parse("TYPE", &type));
	assert_false(dns_type_parse("TYPE+5", &type));
	assert_false(dns_type_parse("TYPE 5", &type));
	assert_false(dns_type_parse("TYPE-1", &type));
	assert_false(dns_type_parse("TYPE5x", &type));
	assert_false(dns_type_parse("BOGUS", &type));
	assert_false(dns_type_parse("", &type));
	assert_false(dns_type_parse("A ", &type));
	assert_false(dns_type_parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &type));
	assert_int_equal(type, 4242);
}

static void test_rcode_mnemonics(void **state)
{
	(void)state;
	/* RFC 6895 section 2.3 registry. 16 is BADVERS in an OPT context. */
	static const struct {
		uint16_t rcode;
		const char *name;
	} known[] = {
		{0, "NOERROR"},    {1, "FORMERR"}, {2, "SERVFAIL"}, {3, "NXDOMAIN"},
		{4, "NOTIMPL"},    {5, "REFUSED"}, {6, "YXDOMAIN"}, {7, "YXRRSET"},
		{8, "NXRRSET"},    {9, "NOTAUTH"}, {10, "NOTZONE"}, {16, "BADVERS"},
		{23, "BADCOOKIE"},
	};
	char buf[32];
	uint16_t rcode;

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		dns_rcode_format(known[i].rcode, buf, sizeof(buf));
		assert_string_equal(buf, known[i].name);
		rcode = 0xffff;
		assert_true(dns_rcode_parse(known[i].name, &rcode));
		assert_int_equal(rcode, known[i].rcode);
	}

	/* 12 to 15 are unassigned, and 4095 is the maximum 12-bit rcode. */
	dns_rcode_format(12, buf, sizeof(buf));
	assert_string_equal(buf, "RCODE12");
	dns_rcode_format(4095, buf, sizeof(buf));
	assert_string_equal(buf, "RCODE4095");

	assert_true(dns_rcode_parse("nxdomain", &rcode));
	assert_int_equal(rcode, 3);
	assert_true(dns_rcode_parse("RCODE12", &rcode));
	assert_int_equal(rcode, 12);
	assert_true(dns_rcode_parse("rcode23", &rcode));
	assert_int_equal(rcode, 23);
	assert_true(dns_rcode_parse("RCODE4095", &rcode));
	assert_int_equal(rcode, 4095);

	rcode = 4242;
	assert_false(dns_rcode_parse("RCODE4096", &rcode));
	assert_false(dns_rcode_parse("RCODE", &rcode));
	assert_false(dns_rcode_parse("RCODE1x", &rcode));
	assert_false(dns_rcode_parse("RCODE-1", &rcode));
	assert_false(dns_rcode_parse("BOGUS", &rcode));
	assert_false(dns_rcode_parse("", &rcode));
	assert_int_equal(rcode, 4242);
}

static void test_meta_types(void **state)
{
	(void)state;
	/* OPT (RFC 6891), TKEY, TSIG, IXFR, AXFR, MAILB, MAILA, ANY: the meta
	 * and query types of RFC 6895 section 3.1. */
	static const uint16_t meta[] = {41, 249, 250, 251, 252, 253, 254, 255};
	/* Data types, including the obsolete SIG and the DNSSEC RRSIG, which
	 * sit in answer sections as data. */
	static const uint16_t data[] = {1, 2, 5, 6, 24, 28, 46, 47, 65, 257, 65280};

	for (size_t i = 0; i < sizeof(meta) / sizeof(meta[0]); i++) {
		if (!dns_type_is_meta(meta[i]))
			fail_msg("type %u must be a meta type", meta[i]);
	}
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		if (dns_type_is_meta(data[i]))
			fail_msg("type %u must not be a meta type", data[i]);
	}
}

static void test_rdata_ip(void **state)
{
	(void)state;
	static const uint8_t a[5] = {192, 0, 2, 1, 0};
	static const uint8_t aaaa[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	static const uint8_t mapped_a[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1};
	ip_key ip;

	memset(&ip, 0x55, sizeof(ip));
	assert_true(dns_rdata_ip(T_A, a, 4, &ip));
	assert_memory_equal(ip.b, mapped_a, 16);
	assert_true(ip_key_is_v4(&ip));

	assert_true(dns_rdata_ip(T_AAAA, aaaa, 16, &ip));
	assert_memory_equal(ip.b, aaaa, 16);
	assert_false(ip_key_is_v4(&ip));

	assert_false(dns_rdata_ip(T_A, a, 5, &ip));
	assert_false(dns_rdata_ip(T_A, a, 3, &ip));
	assert_false(dns_rdata_ip(T_AAAA, aaaa, 4, &ip));
	assert_false(dns_rdata_ip(T_AAAA, aaaa, 15, &ip));
	assert_false(dns_rdata_ip(T_CNAME, a, 4, &ip));
	assert_false(dns_rdata_ip(T_TXT, aaaa, 16, &ip));
}

static void assert_target(uint16_t type, const struct wire *w, size_t offset, const char *name)
{
	uint8_t want[256];
	size_t want_len = name_wire(name, want);
	size_t len = 0;
	const uint8_t *got = dns_rdata_target(type, w->buf, (uint16_t)w->len, &len);
	if (got == NULL)
		fail_msg("type %u: no target found, expected %s", type, name);
	assert_ptr_equal(got, w->buf + offset);
	assert_int_equal(len, want_len);
	assert_memory_equal(got, want, want_len);
}

static void assert_no_target(uint16_t type, const struct wire *w)
{
	size_t len = 12345;
	if (dns_rdata_target(type, w->buf, (uint16_t)w->len, &len) != NULL)
		fail_msg("type %u: a target was found where none exists", type);
}

static void test_rdata_target(void **state)
{
	(void)state;
	struct wire w;

	w.len = 0;
	w_name(&w, "alias.example.net");
	assert_target(T_CNAME, &w, 0, "alias.example.net");
	assert_target(T_DNAME, &w, 0, "alias.example.net");
	assert_target(T_NS, &w, 0, "alias.example.net");
	assert_target(T_PTR, &w, 0, "alias.example.net");

	/* Preference (MX, KX, RT), subtype (AFSDB) or priority (SVCB, HTTPS)
	 * before the name. */
	static const uint16_t after_two[] = {T_MX, T_KX, T_AFSDB, T_RT, T_SVCB, T_HTTPS};
	w.len = 0;
	w_u16(&w, 10);
	w_name(&w, "host.example.net");
	w_u16(&w, 3); /* an SVCB port parameter: bytes after the name do not matter */
	w_u16(&w, 2);
	w_u16(&w, 443);
	for (size_t i = 0; i < sizeof(after_two) / sizeof(after_two[0]); i++)
		assert_target(after_two[i], &w, 2, "host.example.net");

	w.len = 0;
	w_u16(&w, 1);
	w_u16(&w, 2);
	w_u16(&w, 5060);
	w_name(&w, "sip.example.net");
	assert_target(T_SRV, &w, 6, "sip.example.net");

	w.len = 0;
	w_u16(&w, 100);
	w_u16(&w, 10);
	w_u8(&w, 1);
	w_bytes(&w, "s", 1);
	w_u8(&w, 7);
	w_bytes(&w, "SIP+D2U", 7);
	w_u8(&w, 0);
	size_t replacement = w.len;
	w_name(&w, "_sip._udp.example.net");
	assert_target(T_NAPTR, &w, replacement, "_sip._udp.example.net");

	w.len = 0;
	w_name(&w, "ns1.example.net");
	w_name(&w, "hostmaster.example.net");
	for (int i = 0; i < 5; i++)
		w_u32(&w, 1);
	assert_target(T_SOA, &w, 0, "ns1.example.net");

	/* Types without a target. */
	assert_no_target(T_A, &w);
	assert_no_target(T_AAAA, &w);
	assert_no_target(T_TXT, &w);
	assert_no_target(T_CAA, &w);
	assert_no_target(T_DS, &w);
	assert_no_target(T_DNSKEY, &w);
	assert_no_target(65280, &w);
}

static void test_rdata_target_malformed(void **state)
{
	(void)state;
	struct wire w;

	/* An MX with only its preference. */
	w.len = 0;
	w_u16(&w, 10);
	assert_no_target(T_MX, &w);

	/* A CNAME whose name runs past the rdata. */
	w.len = 0;
	w_name(&w, "cut.example.net");
	w.len -= 3;
	assert_no_target(T_CNAME, &w);

	/* A compression pointer: parsed rdata never has one. */
	w.len = 0;
	w_labels(&w, "www");
	w_pointer(&w, 0);
	assert_no_target(T_CNAME, &w);

	/* A label over 63 bytes. */
	w.len = 0;
	w_u8(&w, 64);
	for (int i = 0; i < 64; i++)
		w_u8(&w, 'x');
	w_root(&w);
	assert_no_target(T_NS, &w);

	/* NAPTR strings that claim more bytes than there are. */
	w.len = 0;
	w_u16(&w, 100);
	w_u16(&w, 10);
	w_u8(&w, 1);
	w_bytes(&w, "s", 1);
	w_u8(&w, 200);
	w_bytes(&w, "SIP", 3);
	assert_no_target(T_NAPTR, &w);

	/* NAPTR that ends right after its strings. */
	w.len = 0;
	w_u16(&w, 100);
	w_u16(&w, 10);
	w_u8(&w, 0);
	w_u8(&w, 0);
	w_u8(&w, 0);
	assert_no_target(T_NAPTR, &w);

	/* Empty rdata. */
	w.len = 0;
	assert_no_target(T_CNAME, &w);
	assert_no_target(T_SRV, &w);
}

/* libknot's own rendering of one rdata, the reference for the types that
 * dns_rdata_format() writes without it. */
static void knot_text(uint16_t type, const uint8_t *rdata, uint16_t rdlen, char *out, size_t size)
{
	knot_rrset_t rrset;
	static const uint8_t root[] = {0};
	knot_rrset_init(&rrset, (knot_dname_t *)root, type, KNOT_CLASS_IN, 0);
	assert_int_equal(knot_rrset_add_rdata(&rrset, rdata, rdlen, NULL), KNOT_EOK);
	assert_true(knot_rrset_txt_dump_data(&rrset, 0, out, size, &KNOT_DUMP_STYLE_DEFAULT) > 0);
	knot_rdataset_clear(&rrset.rrs, NULL);
}

static void assert_same_as_knot(uint16_t type, const uint8_t *rdata, uint16_t rdlen)
{
	char want[2048];
	knot_text(type, rdata, rdlen, want, sizeof(want));
	char *text = NULL;
	size_t size = 0;
	assert_true(dns_rdata_format(type, rdata, rdlen, &text, &size) > 0);
	assert_string_equal(text, want);
	free(text);
}

static void assert_aaaa_text(const char *address, const char *want)
{
	uint8_t bytes[16];
	assert_int_equal(inet_pton(AF_INET6, address, bytes), 1);
	char *text = NULL;
	size_t size = 0;
	assert_true(dns_rdata_format(28, bytes, 16, &text, &size) > 0);
	assert_string_equal(text, want);
	free(text);
}

/* A and the single-name types are written without libknot and must read
 * exactly as libknot writes them, for random and edge values. AAAA follows
 * RFC 5952 instead, where libknot 3.2 does not. */
static void test_fast_paths_match_knot(void **state)
{
	(void)state;
	/* RFC 5952 section 4.2.3: the longest zero run is shortened, and the
	 * first of two equal runs. */
	assert_aaaa_text("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1");
	assert_aaaa_text("2001:0:0:1:0:0:0:1", "2001:0:0:1::1");
	assert_aaaa_text("0:0:5e:0:0:ab00:0:ee1f", "::5e:0:0:ab00:0:ee1f");
	/* Section 4.2.2: one zero field is not shortened. */
	assert_aaaa_text("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1");
	/* Section 5: IPv4-mapped addresses keep the dotted quad. */
	assert_aaaa_text("::ffff:192.0.2.1", "::ffff:192.0.2.1");
	assert_aaaa_text("::", "::");
	assert_aaaa_text("::1", "::1");

	srand(7);
	uint8_t bytes[4];
	for (int round = 0; round < 20000; round++) {
		for (int i = 0; i < 4; i++)
			bytes[i] = (uint8_t)rand();
		assert_same_as_knot(1, bytes, 4);
	}

	/* Random wire names, mostly of plain bytes, against knot_dname_to_str(). */
	for (int round = 0; round < 5000; round++) {
		uint8_t wire[256];
		size_t pos = 0;
		int labels = 1 + rand() % 5;
		for (int l = 0; l < labels; l++) {
			int len = 1 + rand() % 12;
			wire[pos++] = (uint8_t)len;
			for (int i = 0; i < len; i++) {
				static const char plain[] = "abcz019-_XY";
				wire[pos++] = rand() % 20 == 0 ? (uint8_t)rand()
				                                : (uint8_t)plain[rand() % 11];
			}
		}
		wire[pos] = 0;
		char want[1100], got[1100];
		assert_non_null(knot_dname_to_str(want, wire, sizeof(want)));
		assert_int_equal(dns_name_format(wire, got, sizeof(got)), strlen(want));
		assert_string_equal(got, want);
	}

	static const char *const names[] = {"", "example.com", "a\\.b.example", "x\\032y.example",
	                                    "-_~.example", "\\\"q\\;.example"};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		uint8_t wire[256];
		assert_non_null(knot_dname_from_str(wire, names[i][0] ? names[i] : ".", sizeof(wire)));
		uint16_t len = (uint16_t)knot_dname_size(wire);
		const uint16_t types[] = {2, 5, 12, 39};
		for (size_t t = 0; t < 4; t++)
			assert_same_as_knot(types[t], wire, len);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fast_paths_match_knot),
		cmocka_unit_test_setup_teardown(test_address_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txt_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_soa_srv, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caa, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dnssec_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsec, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nsec_long_bitmap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_naptr_svcb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_generic_form, setup, teardown),
		cmocka_unit_test(test_name_format),
		cmocka_unit_test(test_type_mnemonics),
		cmocka_unit_test(test_rcode_mnemonics),
		cmocka_unit_test(test_meta_types),
		cmocka_unit_test(test_rdata_ip),
		cmocka_unit_test(test_rdata_target),
		cmocka_unit_test(test_rdata_target_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
