/* Tests for registrant correlation: the 47-domain fraud ring, masked and
 * over-shared values, email variants, similar names, bursts and scoring. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/registrants.h"
#include "whois/normalize.h"
#include "whois/record.h"

#define ROWS_MAX 512
#define DOMAINS_MAX 64

/* 2024-03-01T00:00:00Z */
#define T0 1709251200

/* Rows and domains of one case; the strings live in the struct. */
struct fixture {
	struct store_whois_value rows[ROWS_MAX];
	char values[ROWS_MAX][WHOIS_KEY_MAX];
	size_t n_rows;
	struct registrants_domain domains[DOMAINS_MAX];
	size_t n_domains;
};

static void add_row(struct fixture *f, const char *kind, const char *value, const char *domain,
                    const char *role, bool masked)
{
	assert_true(f->n_rows < ROWS_MAX);
	snprintf(f->values[f->n_rows], WHOIS_KEY_MAX, "%s", value);
	f->rows[f->n_rows] = (struct store_whois_value){
		.kind = kind,
		.value = f->values[f->n_rows],
		.shown = f->values[f->n_rows],
		.domain = domain,
		.role = role,
		.masked = masked,
		.time_first = T0,
		.time_last = T0,
	};
	f->n_rows++;
}

static void add_registrant(struct fixture *f, const char *kind, const char *value,
                           const char *domain)
{
	add_row(f, kind, value, domain, "registrant", false);
}

static void add_domain(struct fixture *f, const char *domain, const char *registrar,
                       int64_t created)
{
	assert_true(f->n_domains < DOMAINS_MAX);
	f->domains[f->n_domains++] = (struct registrants_domain){domain, registrar, created};
}

static void correlate(struct fixture *f, const struct registrants_options *opt,
                      struct registrants_result *res)
{
	struct dn_error err = {0};
	dn_status rc = registrants_correlate(f->rows, f->n_rows, f->domains, f->n_domains, opt, res,
	                                     &err);
	if (rc != DN_OK)
		print_error("registrants_correlate: %s\n", err.msg);
	assert_int_equal(rc, DN_OK);
}

static bool group_has(const struct registrants_group *g, const char *domain)
{
	for (size_t i = 0; i < g->n_domains; i++) {
		if (strcmp(g->domains[i], domain) == 0)
			return true;
	}
	return false;
}

static const struct registrants_evidence *find_evidence(const struct registrants_group *g,
                                                        enum registrants_evidence_kind kind)
{
	for (size_t i = 0; i < g->n_evidence; i++) {
		if (g->evidence[i].kind == kind)
			return &g->evidence[i];
	}
	return NULL;
}

/* The 47-domain fraud ring. */

static const char *const FIRST[47] = {
	"Alice",  "Brian",  "Chloe",  "Daniel", "Emma",   "Felix",  "Grace",  "Hugo",
	"Isla",   "Jacob",  "Karen",  "Liam",   "Maya",   "Noah",   "Olive",  "Peter",
	"Quinn",  "Rosa",   "Simon",  "Tara",   "Umar",   "Vera",   "Walter", "Xenia",
	"Yusuf",  "Zara",   "Aaron",  "Bella",  "Colin",  "Diana",  "Ethan",  "Fiona",
	"George", "Hannah", "Ivan",   "Julia",  "Kevin",  "Laura",  "Martin", "Nadia",
	"Oscar",  "Paula",  "Rupert", "Sofia",  "Thomas", "Ursula", "Victor",
};

static const char *const LAST[47] = {
	"Archer",   "Bowden",    "Carver",  "Dawson",   "Ellison",  "Fletcher", "Garner",
	"Hobbs",    "Ingram",    "Jarvis",  "Kendall",  "Lawson",   "Mercer",   "Norris",
	"Osborne",  "Pickett",   "Quayle",  "Rigby",    "Sutton",   "Tanner",   "Upton",
	"Vickers",  "Walsh",     "Yardley", "Ziegler",  "Ashby",    "Barlow",   "Crowther",
	"Denton",   "Eastwood",  "Fairbairn", "Gosling", "Hartley", "Irwin",    "Jessop",
	"Kirkby",   "Lomax",     "Marsden", "Nuttall",  "Oakes",    "Prescott", "Radcliffe",
	"Sheard",   "Thwaite",   "Underwood", "Varley", "Whitaker",
};

static char ring_domains[47][32];

/* 47 domains at one registrar, one every 12 hours, each with its own
 * registrant name and email. Domains 0-43 have the London number
 * +44 20 7946 012d with d = i mod 10, published in three styles; 44-46 have
 * unrelated numbers. */
static void build_ring(struct fixture *f)
{
	static const char *const others[3] = {"+44 161 496 0001", "+44.1174960555",
	                                      "+1.2025550143"};
	for (int i = 0; i < 47; i++) {
		snprintf(ring_domains[i], sizeof(ring_domains[i]), i < 44 ? "pay-%02d.test" : "zz-%02d.test",
		         i);
		const char *domain = ring_domains[i];
		add_domain(f, domain, "Example Registrar, Inc.", T0 + (int64_t)i * 12 * 3600);

		char published[64], key[WHOIS_KEY_MAX];
		if (i >= 44)
			snprintf(published, sizeof(published), "%s", others[i - 44]);
		else if (i % 3 == 0)
			snprintf(published, sizeof(published), "+44.207946012%d", i % 10);
		else if (i % 3 == 1)
			snprintf(published, sizeof(published), "+44 (0)20 7946 012%d", i % 10);
		else
			snprintf(published, sizeof(published), "020 7946 012%d", i % 10);
		assert_true(whois_norm_phone(published, "GB", key, sizeof(key)));
		add_registrant(f, "phone", key, domain);

		char name[64];
		snprintf(name, sizeof(name), "%s %s", FIRST[i], LAST[i]);
		assert_true(whois_norm_name(name, key, sizeof(key)));
		add_registrant(f, "name", key, domain);

		snprintf(name, sizeof(name), "%s.%s@mail.example", FIRST[i], LAST[i]);
		assert_true(whois_norm_email(name, key, sizeof(key)));
		add_registrant(f, "email", key, domain);

		add_row(f, "registrar", "example registrar", domain, "registrar", false);
	}
}

static void test_ring_one_group(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	build_ring(&f);
	struct registrants_result res;
	correlate(&f, NULL, &res);

	assert_int_equal(res.n_groups, 1);
	const struct registrants_group *g = &res.groups[0];
	assert_int_equal(g->n_domains, 44);
	for (int i = 0; i < 44; i++)
		assert_true(group_has(g, ring_domains[i]));
	for (int i = 44; i < 47; i++)
		assert_false(group_has(g, ring_domains[i]));
	for (size_t i = 1; i < g->n_domains; i++)
		assert_true(strcmp(g->domains[i - 1], g->domains[i]) < 0);
	assert_int_equal(res.n_unused, 0);

	const struct registrants_evidence *run = find_evidence(g, REGISTRANTS_PHONE_DIGITS);
	assert_non_null(run);
	assert_int_equal(run->n_domains, 44);
	assert_int_equal(run->n_values, 10);
	assert_true(run->sequential);
	assert_string_equal(run->field, "phone");
	assert_non_null(strstr(run->reason, "+44207946012X"));
	assert_non_null(strstr(run->reason, "differ only in the last digit"));
	assert_non_null(strstr(run->reason, "0-9, a sequential run"));
	assert_non_null(strstr(run->reason, "across 44 domains"));
	assert_string_equal(run->values[0], "+442079460120");
	assert_string_equal(run->values[9], "+442079460129");
	registrants_result_free(&res);
}

static void test_ring_burst_corroborates(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	build_ring(&f);
	struct registrants_result res;
	correlate(&f, NULL, &res);

	assert_int_equal(res.n_groups, 1);
	const struct registrants_group *g = &res.groups[0];
	const struct registrants_evidence *burst = find_evidence(g, REGISTRANTS_BURST);
	assert_non_null(burst);
	/* The burst covers all 47, but only the group's members are listed. */
	assert_int_equal(burst->n_domains, 44);
	assert_non_null(strstr(burst->reason, "a burst of 47"));
	assert_non_null(strstr(burst->reason, "Example Registrar, Inc."));

	/* Ten identical numbers (4 or 5 domains each) are items of their own. */
	size_t same = 0;
	for (size_t i = 0; i < g->n_evidence; i++)
		same += g->evidence[i].kind == REGISTRANTS_SAME_VALUE;
	assert_int_equal(same, 10);

	/* Phone 0.8 (identical numbers) and the burst 0.1, combined. */
	assert_true(g->confidence > 1.0 - 0.2 * 0.9 - 1e-9);
	assert_true(g->confidence < 1.0 - 0.2 * 0.9 + 1e-9);
	registrants_result_free(&res);
}

/* Values that never link. */

static void test_privacy_email_no_group(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	static char names[10][32];
	for (int i = 0; i < 10; i++) {
		snprintf(names[i], sizeof(names[i]), "shop-%d.test", i);
		add_domain(&f, names[i], NULL, WHOIS_TIME_UNSET);
		add_row(&f, "email", "contact@privacy.example", names[i], "registrant", true);
		add_row(&f, "org", "example privacy service", names[i], "registrant", true);
		add_registrant(&f, "name", FIRST[i * 3], names[i]);
	}
	struct registrants_result res;
	correlate(&f, NULL, &res);

	assert_int_equal(res.n_groups, 0);
	assert_int_equal(res.n_unused, 2);
	assert_string_equal(res.unused[0].kind, "email");
	assert_string_equal(res.unused[0].value, "contact@privacy.example");
	assert_true(res.unused[0].masked);
	assert_int_equal(res.unused[0].n_domains, 10);
	assert_non_null(strstr(res.unused[0].reason, "not used: masked"));
	assert_string_equal(res.unused[1].kind, "org");
	registrants_result_free(&res);
}

static void test_share_limit_not_used(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	static char names[6][32];
	for (int i = 0; i < 6; i++) {
		snprintf(names[i], sizeof(names[i]), "reseller-%d.test", i);
		add_registrant(&f, "phone", "+442079460999", names[i]);
	}
	struct registrants_options opt;
	registrants_options_init(&opt);
	assert_int_equal(opt.share_max, REGISTRANTS_SHARE_MAX);
	opt.share_max = 5;
	struct registrants_result res;
	correlate(&f, &opt, &res);

	assert_int_equal(res.n_groups, 0);
	assert_int_equal(res.n_unused, 1);
	assert_string_equal(res.unused[0].kind, "phone");
	assert_string_equal(res.unused[0].value, "+442079460999");
	assert_false(res.unused[0].masked);
	assert_int_equal(res.unused[0].n_domains, 6);
	assert_string_equal(res.unused[0].reason, "not used: shared by 6 domains (limit 5)");
	registrants_result_free(&res);

	/* Under the default limit the same rows form one group. */
	correlate(&f, NULL, &res);
	assert_int_equal(res.n_groups, 1);
	assert_int_equal(res.groups[0].n_domains, 6);
	assert_int_equal(res.n_unused, 0);
	registrants_result_free(&res);
}

static void test_non_registrant_rows_ignored(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	static const char *const names[3] = {"a.test", "b.test", "c.test"};
	for (int i = 0; i < 3; i++) {
		add_row(&f, "nameserver", "ns1.example.net", names[i], "domain", false);
		add_row(&f, "registrar", "example registrar", names[i], "registrar", false);
		add_row(&f, "email", "ops@example.net", names[i], "registrar", false);
	}
	struct registrants_result res;
	correlate(&f, NULL, &res);
	assert_int_equal(res.n_groups, 0);
	assert_int_equal(res.n_unused, 0);
	registrants_result_free(&res);
}

static void test_burst_alone_no_group(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	static char names[5][32];
	for (int i = 0; i < 5; i++) {
		snprintf(names[i], sizeof(names[i]), "fast-%d.test", i);
		add_domain(&f, names[i], "Example Registrar", T0 + i * 600);
		char email[64];
		snprintf(email, sizeof(email), "%s@%s.example", LAST[i * 5], FIRST[i * 7]);
		add_registrant(&f, "email", email, names[i]);
	}
	struct registrants_result res;
	correlate(&f, NULL, &res);
	assert_int_equal(res.n_groups, 0);
	registrants_result_free(&res);
}

/* Email variants. */

static void test_email_variants(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	/* Digits and separators at one provider. */
	add_registrant(&f, "email", "jsmith1@example.net", "a1.test");
	add_registrant(&f, "email", "jsmith2@example.net", "a2.test");
	add_registrant(&f, "email", "j.smith@example.net", "a3.test");
	/* One local part at two providers. */
	add_registrant(&f, "email", "darkmatter@example.org", "b1.test");
	add_registrant(&f, "email", "darkmatter@example.com", "b2.test");
	/* One edit on a long local part. */
	add_registrant(&f, "email", "johnsmithers@example.org", "c1.test");
	add_registrant(&f, "email", "johnsmither@example.org", "c2.test");
	/* Generic and short local parts never link. */
	add_registrant(&f, "email", "info@one.example", "d1.test");
	add_registrant(&f, "email", "info@two.example", "d2.test");
	add_registrant(&f, "email", "js1@example.net", "e1.test");
	add_registrant(&f, "email", "js2@example.net", "e2.test");
	struct registrants_result res;
	correlate(&f, NULL, &res);

	assert_int_equal(res.n_groups, 3);
	/* Largest first, then by first domain. */
	assert_int_equal(res.groups[0].n_domains, 3);
	assert_string_equal(res.groups[0].domains[0], "a1.test");
	assert_string_equal(res.groups[0].domains[2], "a3.test");
	assert_int_equal(res.groups[1].n_domains, 2);
	assert_string_equal(res.groups[1].domains[0], "b1.test");
	assert_int_equal(res.groups[2].n_domains, 2);
	assert_string_equal(res.groups[2].domains[0], "c1.test");

	const struct registrants_evidence *ev = find_evidence(&res.groups[0],
	                                                      REGISTRANTS_EMAIL_VARIANT);
	assert_non_null(ev);
	assert_int_equal(ev->n_values, 3);
	assert_non_null(strstr(ev->reason, "differ only in digits or separators"));
	assert_true(ev->weight > 0.6 - 1e-9);
	assert_true(ev->weight < 0.6 + 1e-9);

	ev = find_evidence(&res.groups[1], REGISTRANTS_EMAIL_VARIANT);
	assert_non_null(ev);
	assert_non_null(strstr(ev->reason, "same email local part darkmatter"));

	ev = find_evidence(&res.groups[2], REGISTRANTS_EMAIL_VARIANT);
	assert_non_null(ev);
	assert_non_null(strstr(ev->reason, "one edit apart"));
	assert_int_equal(res.groups[2].n_evidence, 1);
	registrants_result_free(&res);
}

/* Similar names and addresses. */

static const struct registrants_group *group_of(const struct registrants_result *res,
                                                const char *domain)
{
	for (size_t i = 0; i < res->n_groups; i++) {
		if (group_has(&res->groups[i], domain))
			return &res->groups[i];
	}
	return NULL;
}


static void test_similar_names(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	add_registrant(&f, "name", "john smith", "n1.test");
	add_registrant(&f, "name", "smith john", "n2.test");
	add_registrant(&f, "name", "j smith", "n3.test");
	add_registrant(&f, "org", "smith trading", "n3.test");
	add_registrant(&f, "org", "smith trading", "n1.test");
	/* Neighbouring house numbers are different addresses. */
	add_registrant(&f, "address", "14 mill rd, leeds, ls12aa, gb", "t1.test");
	add_registrant(&f, "address", "15 mill rd, leeds, ls12aa, gb", "t2.test");
	/* Initials alone are too weak to link. */
	add_registrant(&f, "name", "l jones", "s1.test");
	add_registrant(&f, "name", "lucy jones", "s2.test");
	add_registrant(&f, "name", "alexandra petrova", "p1.test");
	add_registrant(&f, "name", "alexandra petrovna", "p2.test");
	add_registrant(&f, "address", "12 high st, london, sw1a2aa, gb", "q1.test");
	add_registrant(&f, "address", "12 high st, londn, sw1a2aa, gb", "q2.test");
	/* Two full names share the initials of "k brown": no link at all. */
	add_registrant(&f, "name", "kate brown", "r1.test");
	add_registrant(&f, "name", "kyle brown", "r2.test");
	add_registrant(&f, "name", "k brown", "r3.test");
	struct registrants_result res;
	correlate(&f, NULL, &res);

	assert_int_equal(res.n_groups, 3);
	const struct registrants_group *names = &res.groups[0];
	assert_int_equal(names->n_domains, 3);
	assert_string_equal(names->domains[0], "n1.test");
	const struct registrants_evidence *reorder = find_evidence(names, REGISTRANTS_SIMILAR);
	assert_non_null(reorder);
	assert_non_null(strstr(reorder->reason, "same words in another order"));
	const struct registrants_evidence *initials = find_evidence(names, REGISTRANTS_INITIALS);
	assert_non_null(initials);
	assert_true(initials->weight < 0.2);
	assert_int_equal(initials->n_domains, 2);
	assert_non_null(strstr(initials->reason, "name j smith matches john smith by initials"));
	assert_null(group_of(&res, "s1.test"));
	assert_null(group_of(&res, "s2.test"));
	assert_null(group_of(&res, "t1.test"));

	assert_string_equal(res.groups[1].domains[0], "p1.test");
	assert_non_null(strstr(res.groups[1].evidence[0].reason, "names one edit apart"));
	assert_string_equal(res.groups[2].domains[0], "q1.test");
	assert_string_equal(res.groups[2].evidence[0].field, "address");
	registrants_result_free(&res);
}

/* Scoring. */

static void test_independent_kinds_score_higher(void **state)
{
	(void)state;
	static struct fixture f;
	memset(&f, 0, sizeof(f));
	/* Email alone. */
	add_registrant(&f, "email", "orion@example.net", "e1.test");
	add_registrant(&f, "email", "orion@example.net", "e2.test");
	/* Email and phone. */
	add_registrant(&f, "email", "vega@example.net", "ep1.test");
	add_registrant(&f, "email", "vega@example.net", "ep2.test");
	add_registrant(&f, "phone", "+33140000001", "ep1.test");
	add_registrant(&f, "phone", "+33140000001", "ep2.test");
	/* Two phone items: one number shared, a second off by the last digit. */
	add_registrant(&f, "phone", "+33140000500", "pp1.test");
	add_registrant(&f, "phone", "+33140000500", "pp2.test");
	add_registrant(&f, "phone", "+4930123456701", "pp1.test");
	add_registrant(&f, "phone", "+4930123456702", "pp2.test");
	/* The email alone, but as admin contact. */
	add_row(&f, "email", "lyra@example.net", "a1.test", "admin", false);
	add_row(&f, "email", "lyra@example.net", "a2.test", "admin", false);
	struct registrants_result res;
	correlate(&f, NULL, &res);
	assert_int_equal(res.n_groups, 4);

	const struct registrants_group *email = group_of(&res, "e1.test");
	const struct registrants_group *both = group_of(&res, "ep1.test");
	const struct registrants_group *phones = group_of(&res, "pp1.test");
	const struct registrants_group *admin = group_of(&res, "a1.test");
	assert_non_null(email);
	assert_non_null(both);
	assert_non_null(phones);
	assert_non_null(admin);
	assert_int_equal(phones->n_evidence, 2);
	assert_true(both->confidence > email->confidence);
	assert_true(both->confidence > phones->confidence);
	/* Two phone items count as their stronger one. */
	assert_true(phones->confidence < 0.8 + 1e-9);
	assert_true(phones->confidence > 0.8 - 1e-9);
	assert_true(admin->confidence < email->confidence);
	registrants_result_free(&res);
}

static void test_missing_fields_rejected(void **state)
{
	(void)state;
	struct store_whois_value row = {.kind = "email", .value = NULL, .domain = "x.test"};
	struct registrants_result res;
	struct dn_error err = {0};
	assert_int_equal(registrants_correlate(&row, 1, NULL, 0, NULL, &res, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "row 0"));
	assert_int_equal(res.n_groups, 0);

	/* No input at all is an empty result. */
	assert_int_equal(registrants_correlate(NULL, 0, NULL, 0, NULL, &res, &err), DN_OK);
	assert_int_equal(res.n_groups, 0);
	assert_int_equal(res.n_unused, 0);
	registrants_result_free(&res);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_one_group),
		cmocka_unit_test(test_ring_burst_corroborates),
		cmocka_unit_test(test_privacy_email_no_group),
		cmocka_unit_test(test_share_limit_not_used),
		cmocka_unit_test(test_non_registrant_rows_ignored),
		cmocka_unit_test(test_burst_alone_no_group),
		cmocka_unit_test(test_email_variants),
		cmocka_unit_test(test_similar_names),
		cmocka_unit_test(test_independent_kinds_score_higher),
		cmocka_unit_test(test_missing_fields_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
