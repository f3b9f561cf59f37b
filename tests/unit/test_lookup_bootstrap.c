/* Tests for the RDAP bootstrap parser and the choice of service
 * (lookup/bootstrap.h). The first file is the example of RFC 9224 section 4,
 * whose expected choices the RFC states: the longest matching suffix, and
 * HTTPS over HTTP. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "lookup/bootstrap.h"

static const char rfc_example[] =
	"{\n"
	"  \"version\": \"1.0\",\n"
	"  \"publication\": \"2024-01-07T10:11:12Z\",\n"
	"  \"description\": \"Some text\",\n"
	"  \"services\": [\n"
	"    [[\"net\", \"com\"], [\"https://registry.example.com/myrdap/\"]],\n"
	"    [[\"org\", \"mytld\"], [\"https://example.org/\"]],\n"
	"    [[\"xn--zckzah\"], [\"https://example.net/rdap/xn--zckzah/\",\n"
	"                      \"http://example.net/rdap/xn--zckzah/\"]]\n"
	"  ]\n"
	"}\n";

static void parse_ok(const char *json, struct rdap_bootstrap *b)
{
	struct dn_error err = {0};
	dn_status rc = rdap_bootstrap_parse(json, strlen(json), b, &err);
	if (rc != DN_OK)
		fail_msg("parse failed: %s", err.msg);
}

static void assert_base(const struct rdap_bootstrap *b, const char *domain, const char *expected)
{
	const char *got = rdap_bootstrap_find(b, domain);
	if (expected == NULL && got != NULL)
		fail_msg("%s: expected no service, got %s", domain, got);
	if (expected != NULL && (got == NULL || strcmp(got, expected) != 0))
		fail_msg("%s: expected %s, got %s", domain, expected, got ? got : "(none)");
}

static void test_rfc_example(void **state)
{
	(void)state;
	struct rdap_bootstrap b;
	parse_ok(rfc_example, &b);
	assert_int_equal(b.n_entries, 5);
	assert_base(&b, "example.com", "https://registry.example.com/myrdap/");
	assert_base(&b, "www.example.net", "https://registry.example.com/myrdap/");
	assert_base(&b, "example.mytld", "https://example.org/");
	assert_base(&b, "example.xn--zckzah", "https://example.net/rdap/xn--zckzah/");
	assert_base(&b, "example.info", NULL);
	rdap_bootstrap_free(&b);
}

static void test_longest_suffix(void **state)
{
	(void)state;
	struct rdap_bootstrap b;
	parse_ok("{\"services\": [[[\"co.uk\"], [\"https://b.example/\"]],"
	         "[[\"uk\"], [\"https://a.example/\"]]]}",
	         &b);
	assert_base(&b, "shop.co.uk", "https://b.example/");
	assert_base(&b, "co.uk", "https://b.example/");
	assert_base(&b, "a.b.shop.co.uk", "https://b.example/");
	assert_base(&b, "shopco.uk", "https://a.example/");
	assert_base(&b, "shop.uk", "https://a.example/");
	assert_base(&b, "uk", "https://a.example/");
	assert_base(&b, "SHOP.CO.UK.", "https://b.example/");
	assert_base(&b, "shop.co.ukx", NULL);
	assert_base(&b, "", NULL);
	assert_base(&b, ".", NULL);
	rdap_bootstrap_free(&b);
}

static void test_url_choice(void **state)
{
	(void)state;
	struct rdap_bootstrap b;
	parse_ok("{\"services\": ["
	         "[[\"one\"], [\"http://plain.example/rdap\", \"https://secure.example/rdap\"]],"
	         "[[\"two\"], [\"http://plain.example/only/\"]],"
	         "[[\"three\"], [\"ftp://files.example/\", \"mailto:x@example.com\"]],"
	         "[[\"four\"], [\"https://\", \"HTTPS://Upper.example/v1\"]]]}",
	         &b);
	assert_base(&b, "x.one", "https://secure.example/rdap/");
	assert_base(&b, "x.two", "http://plain.example/only/");
	assert_base(&b, "x.three", NULL);
	assert_base(&b, "x.four", "HTTPS://Upper.example/v1/");
	assert_int_equal(b.n_entries, 3);
	rdap_bootstrap_free(&b);
}

static void test_suffix_forms(void **state)
{
	(void)state;
	struct rdap_bootstrap b;
	parse_ok("{\"services\": [[[\"\", \".\", \"Example.\", \".Test\"], [\"https://r.example/\"]]]}",
	         &b);
	assert_int_equal(b.n_entries, 2);
	assert_string_equal(b.entries[0].suffix, "example");
	assert_string_equal(b.entries[1].suffix, "test");
	assert_base(&b, "a.test", "https://r.example/");
	assert_base(&b, "a.EXAMPLE", "https://r.example/");
	rdap_bootstrap_free(&b);
}

static void assert_rejected(const char *json, const char *words)
{
	struct rdap_bootstrap b;
	struct dn_error err = {0};
	dn_status rc = rdap_bootstrap_parse(json, strlen(json), &b, &err);
	if (rc != DN_EMALF)
		fail_msg("%s: expected DN_EMALF, got %d", json, rc);
	if (strstr(err.msg, words) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", json, err.msg, words);
	assert_int_equal(b.n_entries, 0);
	assert_null(b.entries);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_rejected("", "invalid JSON");
	assert_rejected("{\"services\": [", "invalid JSON at line 1");
	assert_rejected("[]", "no \"services\" array");
	assert_rejected("{\"services\": {}}", "no \"services\" array");
	assert_rejected("{\"services\": [[[\"a\"], [\"https://a.example/\"]], 5]}", "service 1");
	assert_rejected("{\"services\": [[[\"a\"]]]}", "service 0");
	assert_rejected("{\"services\": [[\"a\", [\"https://a.example/\"]]]}", "service 0");
	assert_rejected("{\"services\": [[[\"a\", 7], [\"https://a.example/\"]]]}",
	                "service 0: suffix 1");
}

static void test_no_services(void **state)
{
	(void)state;
	struct rdap_bootstrap b;
	parse_ok("{\"version\": \"1.0\", \"services\": []}", &b);
	assert_int_equal(b.n_entries, 0);
	assert_base(&b, "example.com", NULL);
	rdap_bootstrap_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc_example),  cmocka_unit_test(test_longest_suffix),
		cmocka_unit_test(test_url_choice),   cmocka_unit_test(test_suffix_forms),
		cmocka_unit_test(test_malformed),    cmocka_unit_test(test_no_services),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
