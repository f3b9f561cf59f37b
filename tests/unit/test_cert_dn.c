/* Tests for cert_dn_parse() (cli/cert_dn.h): the DN forms `dragnet cert
 * --issuer` accepts. Expected keys follow RFC 4514 section 2.4 escaping and
 * OpenSSL's short names (objects.txt: "O" for organizationName 2.5.4.10,
 * "serialNumber" for 2.5.4.5, "emailAddress" for 1.2.840.113549.1.9.1). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cert_dn.h"

struct dn_case {
	const char *text;
	enum cert_dn_form form;
	const char *attr; /* CERT_DN_ATTRIBUTE only */
	const char *value;
};

static void check_cases(const struct dn_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char attr[64] = "", value[1100] = "";
		enum cert_dn_form form = cert_dn_parse(cases[i].text, attr, sizeof(attr), value,
		                                       sizeof(value));
		if (form != cases[i].form)
			fail_msg("'%s': form %d, expected %d", cases[i].text, (int)form,
			         (int)cases[i].form);
		if (cases[i].attr != NULL && strcmp(attr, cases[i].attr) != 0)
			fail_msg("'%s': attribute '%s', expected '%s'", cases[i].text, attr,
			         cases[i].attr);
		if (cases[i].value != NULL && strcmp(value, cases[i].value) != 0)
			fail_msg("'%s': value '%s', expected '%s'", cases[i].text, value,
			         cases[i].value);
	}
}

static void test_single_attribute(void **state)
{
	(void)state;
	static const struct dn_case cases[] = {
		{"O=Example Ltd", CERT_DN_ATTRIBUTE, "O", "Example Ltd"},
		{"o=Example Ltd", CERT_DN_ATTRIBUTE, "O", "Example Ltd"},
		{"organizationName=Example", CERT_DN_ATTRIBUTE, "O", "Example"},
		{"2.5.4.10=Example", CERT_DN_ATTRIBUTE, "O", "Example"},
		{"SERIALNUMBER=1234", CERT_DN_ATTRIBUTE, "serialNumber", "1234"},
		{"EMAILADDRESS=a@b.example", CERT_DN_ATTRIBUTE, "emailAddress", "a@b.example"},
		{"O = Shady Hosting", CERT_DN_ATTRIBUTE, "O", "Shady Hosting"},
		{"  O=Trailing  ", CERT_DN_ATTRIBUTE, "O", "Trailing"},
		/* As dragnet prints it, and with the comma left unescaped. */
		{"O=GeoTrust\\, Inc.", CERT_DN_ATTRIBUTE, "O", "GeoTrust, Inc."},
		{"O=GeoTrust, Inc.", CERT_DN_ATTRIBUTE, "O", "GeoTrust, Inc."},
		{"O=A\\+B\\\\C", CERT_DN_ATTRIBUTE, "O", "A+B\\C"},
		{"O=A+B", CERT_DN_ATTRIBUTE, "O", "A+B"},
		{"O=a=b", CERT_DN_ATTRIBUTE, "O", "a=b"},
		{"O = \"Pro Publica, Inc.\"", CERT_DN_ATTRIBUTE, "O", "Pro Publica, Inc."},
		/* \HH is a byte (RFC 4514); control bytes as the store writes them. */
		{"CN=caf\\C3\\A9", CERT_DN_ATTRIBUTE, "CN", "caf\xc3\xa9"},
		{"CN=a\\01b", CERT_DN_ATTRIBUTE, "CN", "a\\x01b"},
		{"CN=a\\x01b", CERT_DN_ATTRIBUTE, "CN", "a\\x01b"},
		{"CN=\\ x\\ ", CERT_DN_ATTRIBUTE, "CN", " x "},
		{"1.3.6.1.4.1.99999.1=v", CERT_DN_ATTRIBUTE, "1.3.6.1.4.1.99999.1", "v"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_whole_dn(void **state)
{
	(void)state;
	static const struct dn_case cases[] = {
		{"CN=a,O=b", CERT_DN_WHOLE, NULL, "CN=a,O=b"},
		{"CN=a, O=b, C=GB", CERT_DN_WHOLE, NULL, "CN=a,O=b,C=GB"},
		{"cn=a,o=b", CERT_DN_WHOLE, NULL, "CN=a,O=b"},
		{"CN=x,O=GeoTrust\\, Inc.,C=US", CERT_DN_WHOLE, NULL, "CN=x,O=GeoTrust\\, Inc.,C=US"},
		{"CN=x, O=GeoTrust, Inc., C=US", CERT_DN_WHOLE, NULL,
		 "CN=x,O=GeoTrust\\, Inc.,C=US"},
		/* openssl's default one-line form is in encoded order. */
		{"C = GB, ST = Wales, L = Erw Wen, O = Certificate Transparency CA", CERT_DN_WHOLE,
		 NULL, "O=Certificate Transparency CA,L=Erw Wen,ST=Wales,C=GB"},
		{"C = US, O = GeoTrust\\, Inc., CN = x", CERT_DN_WHOLE, NULL,
		 "CN=x,O=GeoTrust\\, Inc.,C=US"},
		/* It quotes a value with specials; \HH is a byte of UTF-8. */
		{"C = US, O = \"Pro Publica, Inc.\", CN = caf\\C3\\A9", CERT_DN_WHOLE, NULL,
		 "CN=caf\xc3\xa9,O=Pro Publica\\, Inc.,C=US"},
		{"C = US, O = \"a \\\"b\\\" c\"", CERT_DN_WHOLE, NULL, "O=a \\\"b\\\" c,C=US"},
		/* Multi-valued RDNs keep '+' between the same two attributes. */
		{"CN=upc.pirelli.com+CN=upc.pirelli.com", CERT_DN_WHOLE, NULL,
		 "CN=upc.pirelli.com+CN=upc.pirelli.com"},
		{"C = NL, O = x + OU = y, CN = z", CERT_DN_WHOLE, NULL, "CN=z,OU=y+O=x,C=NL"},
		/* Values are escaped again as RFC 4514 requires. */
		{"CN=#hash,O=a;b", CERT_DN_WHOLE, NULL, "CN=\\#hash,O=a\\;b"},
		{"CN=a\\01,O=b", CERT_DN_WHOLE, NULL, "CN=a\\01,O=b"},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_substring(void **state)
{
	(void)state;
	static const struct dn_case cases[] = {
		{"GeoTrust, Inc.", CERT_DN_SUBSTRING, NULL, NULL},
		{"blue lantern", CERT_DN_SUBSTRING, NULL, NULL},
		{"", CERT_DN_SUBSTRING, NULL, NULL},
		{"=x", CERT_DN_SUBSTRING, NULL, NULL},
		{"nosuchattribute=x", CERT_DN_SUBSTRING, NULL, NULL},
		{"http://a.example/?q=1", CERT_DN_SUBSTRING, NULL, NULL},
		{"/C=GB/O=x", CERT_DN_SUBSTRING, NULL, NULL},
	};
	check_cases(cases, sizeof(cases) / sizeof(cases[0]));

	/* A key that does not fit is a substring too, and nothing is written. */
	char attr[64] = "", value[8] = "";
	assert_int_equal(cert_dn_parse("O=longer than eight", attr, sizeof(attr), value,
	                               sizeof(value)),
	                 CERT_DN_SUBSTRING);
	assert_string_equal(attr, "");
}

static void test_dn_value(void **state)
{
	(void)state;
	static const char dn[] = "CN=a.example+CN=b.example,O=GeoTrust\\, Inc.,C=US";
	char out[64];
	assert_true(cert_dn_value(dn, "CN", 0, out, sizeof(out)));
	assert_string_equal(out, "a.example");
	assert_true(cert_dn_value(dn, "CN", 1, out, sizeof(out)));
	assert_string_equal(out, "b.example");
	assert_false(cert_dn_value(dn, "CN", 2, out, sizeof(out)));
	assert_true(cert_dn_value(dn, "O", 0, out, sizeof(out)));
	assert_string_equal(out, "GeoTrust, Inc.");
	assert_false(cert_dn_value(dn, "OU", 0, out, sizeof(out)));
	assert_false(cert_dn_value("", "CN", 0, out, sizeof(out)));
	char small[4];
	assert_false(cert_dn_value(dn, "CN", 0, small, sizeof(small)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_single_attribute),
		cmocka_unit_test(test_whole_dn),
		cmocka_unit_test(test_substring),
		cmocka_unit_test(test_dn_value),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
