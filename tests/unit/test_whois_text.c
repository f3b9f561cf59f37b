/* Tests for the byte handling and line splitting of whois_parse_text()
 * (whois/text.h) and for the privacy matchers (whois/privacy.h). Expected
 * values come from the responses themselves: the domain or name each one
 * states, its Latin-1 bytes written as UTF-8 (U+00E9 is C3 A9), and the
 * service names listed in data/privacy-services.txt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "whois/privacy.h"
#include "whois/record.h"
#include "whois/text.h"

static dn_status parse(const char *text, size_t len, struct arena *arena,
                       struct whois_record *rec)
{
	struct dn_error err = {0};
	arena_reset(arena);
	return whois_parse_text(text, len, NULL, arena, rec, &err);
}

/* A response of len bytes: "Domain Name: example.com" with a control byte
 * (0x01) every `every` bytes after it, so that control bytes fall both in
 * the eight-byte words and in the tail of the input check. */
static size_t build_with_controls(char *buf, size_t len, size_t every)
{
	static const char head[] = "Domain Name: example.com\n";
	memcpy(buf, head, sizeof(head) - 1);
	for (size_t i = sizeof(head) - 1; i < len; i++)
		buf[i] = (i % every == 0) ? '\x01' : 'x';
	return len;
}

static void test_few_control_bytes_parsed(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	char buf[203];
	/* 6 control bytes in 203: under one in ten. */
	size_t len = build_with_controls(buf, sizeof(buf), 29);
	assert_int_equal(parse(buf, len, arena, &rec), DN_OK);
	assert_string_equal(rec.domain, "example.com");
}

static void test_many_control_bytes_rejected(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	char buf[203];
	/* 59 control bytes in 203: over one in ten. */
	size_t len = build_with_controls(buf, sizeof(buf), 3);
	assert_int_equal(parse(buf, len, arena, &rec), DN_EFORMAT);
}

static void test_control_bytes_in_tail(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	/* 20 bytes: two eight-byte words and a four-byte tail. Two control
	 * bytes in the tail are one in ten, three are more. */
	char buf[20];
	memcpy(buf, "Domain: example.com\n", 20);
	memset(buf + 18, '\x02', 2);
	assert_int_equal(parse(buf, sizeof(buf), arena, &rec), DN_OK);
	memset(buf + 17, '\x02', 3);
	assert_int_equal(parse(buf, sizeof(buf), arena, &rec), DN_EFORMAT);
}

static void test_no_printable_rejected(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "  \n\t\n   \r\n        \n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_EFORMAT);
}

static void test_nul_read_as_space(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name:\0example.com\nRegistrar:\0Example Registrar\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.domain, "example.com");
	assert_string_equal(rec.registrar.name, "Example Registrar");
}

static void test_latin1_read_as_utf8(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name: example.com\n"
	                           "Creation Date: 2019-08-12T17:52:01Z\n"
	                           "Registrant Name: Jos\xe9 Garc\xed" "a\n"
	                           "Registrant City: M\xe1" "laga\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.contacts[WHOIS_REGISTRANT].name, "Jos\xc3\xa9 Garc\xc3\xad" "a");
	assert_string_equal(rec.contacts[WHOIS_REGISTRANT].city, "M\xc3\xa1" "laga");
}

static void test_key_split_at_tab(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name\texample.com\n"
	                           "Creation Date\t2019-08-12\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.domain, "example.com");
	/* date -u -d 2019-08-12 +%s */
	assert_int_equal(rec.created, 1565568000);
}

static void test_key_split_at_spaces(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name      example.com\n"
	                           "Expiration Date  2020-08-12\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.domain, "example.com");
	/* date -u -d 2020-08-12 +%s */
	assert_int_equal(rec.expires, 1597190400);
}

static void test_colon_in_brackets_skipped(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name: example.com\n"
	                           "Registrant Organization (legal name: in full): Example Ltd\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.contacts[WHOIS_REGISTRANT].org, "Example Ltd");
}

static void test_time_colon_not_key(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name: example.com\n"
	                           "Updated Date: 2019-08-12 17:52:01\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_int_equal(rec.updated, 1565632321);
}

static void test_url_colon_not_key(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	/* A prose line whose only colon is a URL's names no field, so the
	 * registrar URL stays the one its key gives. */
	static const char text[] = "Domain Name: example.com\n"
	                           "Registrar URL: http://registrar.example\n"
	                           "http://other.example is where to complain\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.registrar.url, "http://registrar.example");
}

static void test_bilingual_header(void **state)
{
	struct arena *arena = *state;
	struct whois_record rec;
	static const char text[] = "Domain Name: example.pt\n"
	                           "Titular / Registrant\n"
	                           "    Jane Doe\n"
	                           "\n";
	assert_int_equal(parse(text, sizeof(text) - 1, arena, &rec), DN_OK);
	assert_string_equal(rec.contacts[WHOIS_REGISTRANT].name, "Jane Doe");
}

static void test_redacted_values(void **state)
{
	(void)state;
	assert_true(whois_is_redacted("  REDACTED  "));
	assert_true(whois_is_redacted("\tPrivate\t"));
	assert_true(whois_is_redacted("REDACTED FOR PRIVACY"));
	assert_true(whois_is_redacted("Please query the RDDS service of the Registrar of Record"));
	assert_false(whois_is_redacted("Protected Trust Inc."));
	assert_false(whois_is_redacted("Example Ltd"));
	assert_false(whois_is_redacted(""));
}

static void test_redacted_long_value(void **state)
{
	(void)state;
	/* Too long for the matchers: the plain search path. */
	char value[700];
	memset(value, 'x', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	assert_false(whois_is_redacted(value));
	memcpy(value + 600, "Data Protected", 14);
	assert_true(whois_is_redacted(value));
}

static void test_privacy_service_names(void **state)
{
	(void)state;
	const char *got = whois_privacy_service("Domains By Proxy, LLC");
	assert_non_null(got);
	assert_string_equal(got, "Domains By Proxy");
	/* Two services start with "p"; the one the value contains wins. */
	got = whois_privacy_service("Registered through PrivacyGuardian.org llc");
	assert_non_null(got);
	assert_string_equal(got, "PrivacyGuardian.org");
	got = whois_privacy_service("abc@WITHHELDFORPRIVACY.COM");
	assert_non_null(got);
	assert_string_equal(got, "withheldforprivacy.com");
	assert_null(whois_privacy_service("Example Ltd"));
	assert_null(whois_privacy_service(""));
}

/* Values too long for the matchers take the plain search of each phrase
 * and service name, which is the oracle here. Appended spaces change
 * neither check, because both ignore surrounding space and no phrase or
 * name ends in one. The values are pieces of phrases and
 * names in random case, so that near misses are common. */
static void test_matcher_agrees_with_plain_search(void **state)
{
	(void)state;
	static const char *const pieces[] = {
		"redact",  "ed",     "data ",  "protect", "priv",      "acy",      "njal",   "la",
		".",       "whois",  "guard",  "proxy",   "domains by ", "not ",   "disclosed", "(not shown)",
		"hidden",  "x",      " ",      "\t",      "gdpr",      " masked",  "withheld", "private",
		" person", "ion",    "ity",    "-",       "contact the", " registrar", " of record", "co",
	};
	uint32_t seed = 12345;
	size_t redacted = 0, services = 0;
	for (int round = 0; round < 20000; round++) {
		char value[160] = "";
		size_t len = 0;
		seed = seed * 1103515245u + 12345u;
		int n = 1 + (int)(seed >> 16) % 8;
		for (int i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			const char *piece = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
			for (const char *p = piece; *p != '\0' && len + 1 < sizeof(value); p++) {
				seed = seed * 1103515245u + 12345u;
				char c = *p;
				if ((seed >> 20) % 3 == 0 && c >= 'a' && c <= 'z')
					c = (char)(c - 'a' + 'A');
				value[len++] = c;
			}
		}
		value[len] = '\0';
		char padded[800];
		memset(padded, ' ', sizeof(padded) - 1);
		padded[sizeof(padded) - 1] = '\0';
		memcpy(padded, value, len);

		bool fast = whois_is_redacted(value);
		if (fast != whois_is_redacted(padded))
			fail_msg("whois_is_redacted(\"%s\") is %d alone, %d padded", value, fast, !fast);
		redacted += fast;
		bool service = whois_privacy_service(value) != NULL;
		if (service != (whois_privacy_service(padded) != NULL))
			fail_msg("whois_privacy_service(\"%s\") differs when padded", value);
		services += service;
	}
	/* The pieces make both outcomes common. */
	assert_true(redacted > 500 && redacted < 19500);
	assert_true(services > 50);
}

static int setup(void **state)
{
	static struct arena arena;
	arena_init(&arena, 64 * 1024);
	*state = &arena;
	return 0;
}

static int teardown(void **state)
{
	arena_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_few_control_bytes_parsed),
		cmocka_unit_test(test_many_control_bytes_rejected),
		cmocka_unit_test(test_control_bytes_in_tail),
		cmocka_unit_test(test_no_printable_rejected),
		cmocka_unit_test(test_nul_read_as_space),
		cmocka_unit_test(test_latin1_read_as_utf8),
		cmocka_unit_test(test_key_split_at_tab),
		cmocka_unit_test(test_key_split_at_spaces),
		cmocka_unit_test(test_colon_in_brackets_skipped),
		cmocka_unit_test(test_time_colon_not_key),
		cmocka_unit_test(test_url_colon_not_key),
		cmocka_unit_test(test_bilingual_header),
		cmocka_unit_test(test_redacted_values),
		cmocka_unit_test(test_redacted_long_value),
		cmocka_unit_test(test_privacy_service_names),
		cmocka_unit_test(test_matcher_agrees_with_plain_search),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
