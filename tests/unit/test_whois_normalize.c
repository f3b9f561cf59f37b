/* Tests for the contact normalisers. Every expected key is written by hand
 * from the rules in whois/normalize.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "whois/normalize.h"

struct text_case {
	const char *in;
	const char *key; /* NULL: nothing to index */
};

struct phone_case {
	const char *in;
	const char *country;
	const char *key;
};

static void check_text(bool (*fn)(const char *, char *, size_t), const struct text_case *cases,
                       size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char out[WHOIS_KEY_MAX];
		memset(out, 'x', sizeof(out));
		bool ok = fn(cases[i].in, out, sizeof(out));
		if (cases[i].key == NULL) {
			if (ok)
				print_error("input '%s' gave '%s'\n", cases[i].in, out);
			assert_false(ok);
			assert_string_equal(out, "");
		} else {
			if (!ok)
				print_error("input '%s' gave nothing\n", cases[i].in);
			assert_true(ok);
			assert_string_equal(out, cases[i].key);
		}
	}
}

static void test_email_forms(void **state)
{
	(void)state;
	static const struct text_case cases[] = {
		{"John.Smith+shop@GMail.com", "johnsmith@gmail.com"},
		{"j.s.mith@googlemail.com", "jsmith@gmail.com"},
		{"  <J.Smith@Example.COM>  ", "j.smith@example.com"},
		{"John Smith <jsmith@example.org>", "jsmith@example.org"},
		{"mailto:Abuse@Example.NET.", "abuse@example.net"},
		{"MAILTO:<ops@example.net>", "ops@example.net"},
		{"jsmith+@example.com", "jsmith@example.com"},
		{"first.last@example.co.uk", "first.last@example.co.uk"},
	};
	check_text(whois_norm_email, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_email_invalid(void **state)
{
	(void)state;
	static const struct text_case cases[] = {
		{"", NULL},
		{"   ", NULL},
		{"no-at-sign.example.com", NULL},
		{"@example.com", NULL},
		{"+tag@example.com", NULL},
		{"root@localhost", NULL},
		{"a b@example.com", NULL},
		{"jsmith@.example.com", NULL},
		{"<jsmith@example.com", NULL},
		{"one@example.com, two@example.com", NULL},
	};
	check_text(whois_norm_email, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_email_small_buffer(void **state)
{
	(void)state;
	char out[8];
	assert_false(whois_norm_email("jsmith@example.com", out, sizeof(out)));
	assert_string_equal(out, "");
}

static void test_phone_forms(void **state)
{
	(void)state;
	static const struct phone_case cases[] = {
		{"+44.2079460123", NULL, "+442079460123"},
		{"+44 20 7946 0123", NULL, "+442079460123"},
		{"+44 (0)20 7946 0123", NULL, "+442079460123"},
		{"+44(0)2079460123", NULL, "+442079460123"},
		{"+44 020 7946 0123", NULL, "+442079460123"},
		{"+44.02079460123", NULL, "+442079460123"},
		{"0044 20 7946 0123", NULL, "+442079460123"},
		{"(020) 7946 0123", "GB", "+442079460123"},
		{"(020) 7946 0123", "gb", "+442079460123"},
		{"(020) 7946 0123", "United Kingdom", "+442079460123"},
		{"(020) 7946 0123", "UK", "+442079460123"},
		{"(020) 7946 0123", NULL, "02079460123"},
		{"(020) 7946 0123", "Atlantis", "02079460123"},
		{"+1.2025550143", NULL, "+12025550143"},
		{"+1 (202) 555-0143", NULL, "+12025550143"},
		{"(202) 555-0143", "US", "+12025550143"},
		{"1-202-555-0143", "US", "+12025550143"},
		{"011 44 20 7946 0123", "US", "+442079460123"},
		{"+39 06 1234 5678", NULL, "+390612345678"},
		{"06 1234 5678", "IT", "+390612345678"},
		{"030 1234567", "DE", "+49301234567"},
		{"030 1234567", "Deutschland", "+49301234567"},
		{"06 1 234 5678", "HU", "+3612345678"},
		{"8 495 123-45-67", "RU", "+74951234567"},
		{"tel:+1-202-555-0143", NULL, "+12025550143"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char out[WHOIS_KEY_MAX];
		bool ok = whois_norm_phone(cases[i].in, cases[i].country, out, sizeof(out));
		if (!ok || strcmp(out, cases[i].key) != 0)
			print_error("input '%s' (country %s) gave '%s'\n", cases[i].in,
			            cases[i].country ? cases[i].country : "none", out);
		assert_true(ok);
		assert_string_equal(out, cases[i].key);
	}
}

static void test_phone_extensions(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"+44.2079460123 ext. 12", "+44.2079460123x12",        "+44.2079460123 x 12",
		"+44.2079460123 Ext 12",  "+44.2079460123 extension 12", "+44.2079460123#12",
		"+44.2079460123;ext=12",  "tel:+44-20-7946-0123;ext=12",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char out[WHOIS_KEY_MAX];
		bool ok = whois_norm_phone(inputs[i], NULL, out, sizeof(out));
		if (!ok || strcmp(out, "+442079460123") != 0)
			print_error("input '%s' gave '%s'\n", inputs[i], out);
		assert_true(ok);
		assert_string_equal(out, "+442079460123");
	}
}

static void test_phone_garbage(void **state)
{
	(void)state;
	static const char *const inputs[] = {
		"", "   ", "n/a", "REDACTED FOR PRIVACY", "call me", "+", "12", "+44",
		"+44.1234", "+44.20794601234567890", "x123", "+44 20 7946 0123 ask for Bob",
		"20 7946 0123 !", "0",
	};
	for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		char out[WHOIS_KEY_MAX];
		bool ok = whois_norm_phone(inputs[i], "GB", out, sizeof(out));
		if (ok)
			print_error("input '%s' gave '%s'\n", inputs[i], out);
		assert_false(ok);
		assert_string_equal(out, "");
	}
}

static void test_name_accents(void **state)
{
	(void)state;
	static const struct text_case cases[] = {
		{"  José  O'Neil ", "jose oneil"},
		{"JOSÉ", "jose"},
		{"Ana-María Núñez", "ana maria nunez"},
		{"Antonín Dvořák", "antonin dvorak"},
		{"Strauß", "strauss"},
		/* Ł has no decomposition, so only its case is folded. */
		{"Zoë Łukasiewicz", "zoe \xc5\x82ukasiewicz"},
		/* Full case folding makes final sigma a plain sigma. */
		{"ΣΩΚΡΆΤΗΣ", "\xcf\x83\xcf\x89\xce\xba\xcf\x81\xce\xb1\xcf\x84\xce\xb7\xcf\x83"},
		{"\xef\xbc\xaa\xef\xbd\x8f\xef\xbd\x88\xef\xbd\x8e Smith", "john smith"},
		{"J. Smith", "j smith"},
		{"Smith, John", "smith john"},
		{"Müller & Söhne", "muller and sohne"},
		{"O\xe2\x80\x99" "Brien", "obrien"},
		{"bad \xff" " byte", "bad byte"},
	};
	check_text(whois_norm_name, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_name_placeholders(void **state)
{
	(void)state;
	static const struct text_case cases[] = {
		{"", NULL}, {"  ", NULL}, {"N/A", NULL}, {"-", NULL}, {"none", NULL},
		{"Unknown", NULL}, {"...", NULL},
	};
	check_text(whois_norm_name, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_org_legal_forms(void **state)
{
	(void)state;
	static const struct text_case cases[] = {
		{"Example Ltd.", "example"},
		{"Example Limited", "example"},
		{"Example GmbH & Co. KG", "example"},
		{"Société Générale S.A.", "societe generale"},
		{"Example Holdings, Inc.", "example holdings"},
		{"Example Co., Ltd.", "example"},
		{"Example L.L.C.", "example"},
		{"Example s.r.o.", "example"},
		{"Inc", "inc"},
		{"Limited Ltd", "limited"},
		{"Ltd Example", "ltd example"},
		{"Smith and Jones", "smith and jones"},
		{"N/A", NULL},
	};
	check_text(whois_norm_org, cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_address_forms(void **state)
{
	(void)state;
	struct whois_contact uk = {
		.street = {"10 Downing Street", "Flat 2"},
		.city = "London",
		.postal_code = "SW1A 2AA",
		.country = "United Kingdom",
	};
	struct whois_contact de = {
		.street = {"Hauptstraße 5"},
		.city = "Berlin",
		.postal_code = "10115",
		.country = "DE",
	};
	struct whois_contact us = {
		.street = {"1600 Pennsylvania Avenue NW", NULL, "Suite 100"},
		.city = "Washington",
		.state = "DC",
		.postal_code = "20500",
		.country = "usa",
	};
	struct whois_contact other = {
		.street = {"1 Rue de la Paix"},
		.city = "Atlantis City",
		.country = "Atlantis",
	};
	struct whois_contact no_street = {
		.city = "London",
		.postal_code = "SW1A 2AA",
		.country = "GB",
	};
	char out[WHOIS_KEY_MAX];

	assert_true(whois_norm_address(&uk, out, sizeof(out)));
	assert_string_equal(out, "10 downing st, flat 2, london, sw1a2aa, gb");
	assert_true(whois_norm_address(&de, out, sizeof(out)));
	assert_string_equal(out, "hauptstr 5, berlin, 10115, de");
	assert_true(whois_norm_address(&us, out, sizeof(out)));
	assert_string_equal(out, "1600 pennsylvania ave nw, ste 100, washington, 20500, us");
	assert_true(whois_norm_address(&other, out, sizeof(out)));
	assert_string_equal(out, "1 rue de la paix, atlantis city, atlantis");
	assert_false(whois_norm_address(&no_street, out, sizeof(out)));
	assert_string_equal(out, "");
}

static void test_keys_fit_limit(void **state)
{
	(void)state;
	char longname[3 * WHOIS_KEY_MAX];
	for (size_t i = 0; i < sizeof(longname) - 1; i++)
		longname[i] = (i % 7 == 6) ? ' ' : (char)('a' + i % 26);
	longname[sizeof(longname) - 1] = '\0';
	char out[WHOIS_KEY_MAX];
	assert_true(whois_norm_name(longname, out, sizeof(out)));
	assert_true(strlen(out) <= WHOIS_KEY_MAX - 1);
	assert_memory_equal(out, "abcdef hijklm", 13);

	/* Two-byte characters are never cut in half. */
	char accents[2 * WHOIS_KEY_MAX + 1];
	for (size_t i = 0; i + 1 < sizeof(accents); i += 2)
		memcpy(accents + i, "\xc5\x82", 2);
	accents[sizeof(accents) - 1] = '\0';
	assert_true(whois_norm_name(accents, out, sizeof(out)));
	assert_int_equal(strlen(out) % 2, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_email_forms),
		cmocka_unit_test(test_email_invalid),
		cmocka_unit_test(test_email_small_buffer),
		cmocka_unit_test(test_phone_forms),
		cmocka_unit_test(test_phone_extensions),
		cmocka_unit_test(test_phone_garbage),
		cmocka_unit_test(test_name_accents),
		cmocka_unit_test(test_name_placeholders),
		cmocka_unit_test(test_org_legal_forms),
		cmocka_unit_test(test_address_forms),
		cmocka_unit_test(test_keys_fit_limit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
