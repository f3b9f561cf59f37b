/* Tests for the RDAP parser: a domain object written here with documentation
 * data, and the corpus's RDAP responses, checked against openrdap's own
 * renderings of domain-example.cz.json, the values in the nicinfo demo
 * responses, 20c/rdap's expected emails, and openrdap's jCard samples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "whois/rdap.h"
#include "whois/rdap_jcard.h"

static char corpus_rdap[4096]; /* $DRAGNET_CORPUS/rdap */

struct fixture {
	struct arena arena;
	struct whois_record rec;
	struct dn_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	arena_init(&f->arena, 16384);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	arena_free(&f->arena);
	free(f);
	return 0;
}

static dn_status parse(struct fixture *f, const char *json)
{
	memset(&f->err, 0, sizeof(f->err));
	return whois_parse_rdap(json, strlen(json), &f->arena, &f->rec, &f->err);
}

/* "2004-08-30T22:55:00+00:00" or "...Z" as epoch seconds, read with the C
 * library rather than dragnet's time parser. A leap second (":60") counts
 * as the first second of the next minute, as timegm() does. */
static int64_t epoch(const char *iso)
{
	struct tm tm = {0};
	const char *end = strptime(iso, "%Y-%m-%dT%H:%M:%S", &tm);
	assert_non_null(end);
	assert_true(strcmp(end, "Z") == 0 || strcmp(end, "+00:00") == 0);
	return (int64_t)timegm(&tm);
}

static char *read_text(const char *folder, const char *name, size_t *len)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", folder, name);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	long size = ftell(fp);
	assert_true(size >= 0);
	rewind(fp);
	char *buf = malloc((size_t)size + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)size, fp), (size_t)size);
	buf[size] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)size;
	return buf;
}

static dn_status parse_file(struct fixture *f, const char *name)
{
	size_t len;
	char *json = read_text(corpus_rdap, name, &len);
	memset(&f->err, 0, sizeof(f->err));
	dn_status rc = whois_parse_rdap(json, len, &f->arena, &f->rec, &f->err);
	free(json);
	return rc;
}

static void skip_without_corpus(void)
{
	if (corpus_rdap[0] == '\0') {
		print_message("shared corpus folder rdap/ not found (set DRAGNET_CORPUS); "
		              "skipping\n");
		skip();
	}
}

/* ---- A domain object written here ---- */

static const char own_domain[] =
	"{\"objectClassName\":\"domain\",\"rdapConformance\":[\"rdap_level_0\","
	"\"redacted\"],\"ldhName\":\"EXAMPLE.com.\",\"unicodeName\":\"example.com\","
	"\"handle\":\"2138514_DOMAIN_COM-EXAMPLE\","
	"\"status\":[\"client transfer prohibited\",\"server hold\",\"active\",\"locked\"],"
	"\"events\":["
	"{\"eventAction\":\"registration\",\"eventDate\":\"1995-08-14T04:00:00Z\"},"
	"{\"eventAction\":\"expiration\",\"eventDate\":\"2030-08-13T04:00:00Z\"},"
	"{\"eventAction\":\"last changed\",\"eventDate\":\"2024-08-14T07:01:34Z\"},"
	"{\"eventAction\":\"registration\",\"eventDate\":\"2001-01-01T00:00:00Z\"},"
	"{\"eventAction\":\"last update of RDAP database\","
	"\"eventDate\":\"2025-03-01T12:30:00+01:00\"}],"
	"\"nameservers\":[{\"objectClassName\":\"nameserver\",\"ldhName\":\"NS1.EXAMPLE.NET.\"},"
	"{\"objectClassName\":\"nameserver\",\"ldhName\":\"ns2.example.net\"},"
	"{\"objectClassName\":\"nameserver\",\"ldhName\":\"ns1.example.net\"},"
	"{\"objectClassName\":\"nameserver\",\"unicodeName\":\"ns.b\xc3\xbc" "cher.example\"}],"
	"\"secureDNS\":{\"delegationSigned\":false},"
	"\"port43\":\"whois.example.net\","
	"\"links\":[{\"rel\":\"self\",\"href\":\"https://rdap.example.net/domain/example.com\","
	"\"type\":\"application/rdap+json\"},{\"rel\":\"related\","
	"\"href\":\"https://rdap.registrar.example/domain/example.com\","
	"\"type\":\"application/rdap+json\"}],"
	"\"nicInfo_demoHint\":\"ignored\","
	"\"entities\":["
	/* The registrar, with its abuse contact nested inside. */
	"{\"objectClassName\":\"entity\",\"handle\":\"9999\",\"roles\":[\"registrar\"],"
	"\"publicIds\":[{\"type\":\"IANA Registrar ID\",\"identifier\":\"9999\"}],"
	"\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],"
	"[\"fn\",{},\"text\",\"Example Registrar, Inc.\"]]],"
	"\"links\":[{\"rel\":\"about\",\"href\":\"https://registrar.example\"}],"
	"\"entities\":[{\"objectClassName\":\"entity\",\"roles\":[\"abuse\"],"
	"\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],"
	"[\"fn\",{},\"text\",\"Abuse Desk\"],"
	"[\"tel\",{\"type\":\"voice\"},\"uri\",\"tel:+1.5555550100\"],"
	"[\"email\",{},\"text\",\"abuse@registrar.example\"]]]}]},"
	/* Registrant: name, email and phone redacted (RFC 9537), org kept. */
	"{\"objectClassName\":\"entity\",\"handle\":\"C-1\",\"roles\":[\"registrant\"],"
	"\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],"
	"[\"fn\",{},\"text\",\"\"],[\"org\",{},\"text\",\"Example Org\"],"
	"[\"adr\",{\"cc\":\"US\"},\"text\",[\"\",\"\",\"\",\"\",\"VA\",\"\",\"\"]],"
	"[\"email\",{},\"text\",\"https://registrar.example/contact-form\"]]]},"
	/* Technical and administrative: one entity with both roles. */
	"{\"objectClassName\":\"entity\",\"handle\":\"C-2\","
	"\"roles\":[\"technical\",\"administrative\"],"
	"\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],"
	"[\"fn\",{},\"text\",\"  Jane Example \"],[\"org\",{},\"text\",[\"Example Org\","
	"\"Network Operations\"]],"
	"[\"adr\",{},\"text\",[\"PO Box 7\",\"Suite 100\",[\"100 Example Street\","
	"\"Building 2\"],\"Anytown\",\"VA\",\"22000\",\"United States\"]],"
	"[\"tel\",{\"type\":[\"work\",\"voice\"],\"pref\":\"2\"},\"uri\",\"tel:+1.5555550199\"],"
	"[\"tel\",{\"type\":[\"work\",\"voice\"],\"pref\":\"1\"},\"uri\","
	"\"tel:+1.5555550101;ext=42\"],"
	"[\"tel\",{\"type\":\"fax\"},\"uri\",\"tel:+1.5555550102\"],"
	"[\"email\",{\"pref\":\"2\"},\"text\",\"noc@example.com\"],"
	"[\"email\",{\"pref\":\"1\"},\"text\",\"jane@example.com\"],"
	"[\"url\",{},\"uri\",\"https://example.com\"]]]},"
	/* Billing: every identifying field redacted. */
	"{\"objectClassName\":\"entity\",\"roles\":[\"billing\"],"
	"\"vcardArray\":[\"vcard\",[[\"version\",{},\"text\",\"4.0\"],"
	"[\"fn\",{},\"text\",\"REDACTED FOR PRIVACY\"],"
	"[\"adr\",{\"label\":\"1 Example Way\\nSuite 9\\nAnytown\\nVA\\n22000\"},\"text\","
	"[\"\",\"\",\"\",\"\",\"\",\"\",\"\"]]]]}],"
	"\"redacted\":["
	"{\"name\":{\"type\":\"Registrant Name\"},\"prePath\":\"$.entities[1].vcardArray[1][1][3]\","
	"\"method\":\"emptyValue\"},"
	"{\"name\":{\"type\":\"Registrant Email\"},\"method\":\"replacementValue\"},"
	"{\"name\":{\"type\":\"Registrant Phone\"},\"method\":\"removal\"},"
	"{\"name\":{\"description\":\"Billing Name\"},\"method\":\"removal\"},"
	"{\"name\":{\"type\":\"Tech Fax\"},\"method\":\"removal\"}]}";

static void test_own_domain(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, own_domain), DN_OK);
	const struct whois_record *rec = &f->rec;

	assert_int_equal(rec->status, WHOIS_FOUND);
	assert_string_equal(rec->domain, "example.com");
	assert_string_equal(rec->registry_id, "2138514_DOMAIN_COM-EXAMPLE");
	assert_null(rec->reason);

	/* RFC 8056 maps these RDAP words to EPP codes; "locked" has none. */
	assert_int_equal(rec->n_statuses, 4);
	assert_string_equal(rec->statuses[0], "clientTransferProhibited");
	assert_string_equal(rec->statuses[1], "serverHold");
	assert_string_equal(rec->statuses[2], "ok");
	assert_string_equal(rec->statuses[3], "locked");

	/* The first registration event counts, the second does not. */
	assert_int_equal(rec->created, epoch("1995-08-14T04:00:00Z"));
	assert_int_equal(rec->expires, epoch("2030-08-13T04:00:00Z"));
	assert_int_equal(rec->updated, epoch("2024-08-14T07:01:34Z"));
	assert_int_equal(rec->database_updated, epoch("2025-03-01T11:30:00Z"));

	/* Lower case, no trailing dot, duplicates dropped, IDN as A-label. */
	assert_int_equal(rec->n_nameservers, 3);
	assert_string_equal(rec->nameservers[0], "ns1.example.net");
	assert_string_equal(rec->nameservers[1], "ns2.example.net");
	assert_string_equal(rec->nameservers[2], "ns.xn--bcher-kva.example");
	assert_string_equal(rec->dnssec, "unsigned");

	assert_string_equal(rec->registrar.name, "Example Registrar, Inc.");
	assert_string_equal(rec->registrar.iana_id, "9999");
	assert_string_equal(rec->registrar.url, "https://registrar.example");
	assert_string_equal(rec->registrar.whois_server, "whois.example.net");
	assert_string_equal(rec->registrar.abuse_email, "abuse@registrar.example");
	assert_string_equal(rec->registrar.abuse_phone, "+1.5555550100");
	assert_string_equal(rec->referral_server, "https://rdap.registrar.example/domain/example.com");
}

static void test_own_domain_contacts(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, own_domain), DN_OK);

	const struct whois_contact *reg = &f->rec.contacts[WHOIS_REGISTRANT];
	assert_true(reg->present);
	assert_string_equal(reg->id, "C-1");
	assert_null(reg->name);
	assert_null(reg->email); /* a contact form replaces it */
	assert_null(reg->phone);
	assert_string_equal(reg->org, "Example Org");
	assert_string_equal(reg->state, "VA");
	assert_string_equal(reg->country, "US");
	assert_null(reg->street[0]);
	assert_null(reg->city);
	assert_int_equal(reg->mask, WHOIS_CLEAR);

	for (int role = WHOIS_ADMIN; role <= WHOIS_TECH; role++) {
		const struct whois_contact *c = &f->rec.contacts[role];
		assert_true(c->present);
		assert_string_equal(c->id, "C-2");
		assert_string_equal(c->name, "Jane Example");
		assert_string_equal(c->org, "Example Org, Network Operations");
		assert_string_equal(c->email, "jane@example.com");
		assert_string_equal(c->phone, "+1.5555550101 ext. 42");
		assert_string_equal(c->street[0], "100 Example Street");
		assert_string_equal(c->street[1], "Building 2");
		assert_string_equal(c->street[2], "Suite 100");
		assert_string_equal(c->street[3], "PO Box 7");
		assert_string_equal(c->city, "Anytown");
		assert_string_equal(c->state, "VA");
		assert_string_equal(c->postal_code, "22000");
		assert_string_equal(c->country, "United States");
		assert_int_equal(c->mask, WHOIS_CLEAR);
	}
	/* "Tech Fax" is redacted, and the same entity's admin role keeps it. */
	assert_null(f->rec.contacts[WHOIS_TECH].fax);
	assert_string_equal(f->rec.contacts[WHOIS_ADMIN].fax, "+1.5555550102");

	/* The billing name is a placeholder and is redacted: nothing identifies
	 * the contact, and the address is only a label. */
	const struct whois_contact *billing = &f->rec.contacts[WHOIS_BILLING];
	assert_true(billing->present);
	assert_null(billing->name);
	assert_null(billing->email);
	assert_int_equal(billing->mask, WHOIS_REDACTED);
	assert_string_equal(billing->street[0], "1 Example Way");
	assert_string_equal(billing->street[1], "Suite 9");
	assert_string_equal(billing->street[2], "Anytown");
	assert_string_equal(billing->street[3], "VA, 22000");
}

static void test_unicode_name_only(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"objectClassName\":\"domain\","
	                          "\"unicodeName\":\"B\xc3\xbc" "cher.example\"}"),
	                 DN_OK);
	assert_string_equal(f->rec.domain, "xn--bcher-kva.example");
	assert_null(f->rec.registry_id);
	assert_int_equal(f->rec.created, WHOIS_TIME_UNSET);
	assert_int_equal(f->rec.n_nameservers, 0);
	assert_null(f->rec.dnssec);
	assert_false(f->rec.contacts[WHOIS_REGISTRANT].present);
}

static void test_error_responses(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"errorCode\":404,\"title\":\"Not Found\","
	                          "\"description\":[\"The domain\\nis not registered.\"]}"),
	                 DN_OK);
	assert_int_equal(f->rec.status, WHOIS_NOT_FOUND);
	assert_string_equal(f->rec.reason, "Not Found: The domain is not registered.");
	assert_null(f->rec.domain);

	assert_int_equal(parse(f, "{\"errorCode\":429,\"title\":\"Too Many Requests\"}"), DN_OK);
	assert_int_equal(f->rec.status, WHOIS_THROTTLED);
	assert_string_equal(f->rec.reason, "Too Many Requests");

	assert_int_equal(parse(f, "{\"errorCode\":500}"), DN_OK);
	assert_int_equal(f->rec.status, WHOIS_ERROR);
	assert_string_equal(f->rec.reason, "RDAP error 500");
}

static void test_invalid_json(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"objectClassName\": \"domain\",\n  \"ldhName\": }"),
	                 DN_EMALF);
	assert_non_null(strstr(f->err.msg, "line 2"));
	assert_non_null(strstr(f->err.msg, "column"));

	assert_int_equal(parse(f, ""), DN_EMALF);
	assert_int_equal(parse(f, "[]"), DN_EMALF);
	assert_int_equal(parse(f, "{}"), DN_EMALF);
	assert_int_equal(parse(f, "{\"objectClassName\":7}"), DN_EMALF);
}

static void test_other_classes(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"objectClassName\":\"ip network\"}"), DN_ENOTSUP);
	assert_non_null(strstr(f->err.msg, "\"ip network\""));
	assert_int_equal(parse(f, "{\"domainSearchResults\":[]}"), DN_ENOTSUP);
	assert_non_null(strstr(f->err.msg, "domainSearchResults"));
}

/* Cards that break RFC 7095 fail the response and name the property. */
static void test_invalid_cards(void **state)
{
	struct fixture *f = *state;
	static const char *const cards[] = {
		"{}",
		"[\"vcard\"]",
		"[\"vcard\",[[\"fn\",{},\"text\"]]]",
		"[\"vcard\",[[\"fn\",[],\"text\",\"x\"]]]",
		"[\"vcard\",[[\"fn\",{},7,\"x\"]]]",
		"[\"vcard\",[[\"adr\",{},\"text\",[\"\",[\"\",[\"deep\"]]]]]]",
		"[\"vcard\",[[\"fn\",{},\"text\",{\"a\":1}]]]",
		"[\"card\",[]]",
	};
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		char json[512];
		snprintf(json, sizeof(json),
		         "{\"objectClassName\":\"domain\",\"ldhName\":\"example.com\","
		         "\"entities\":[{\"handle\":\"H-%zu\",\"roles\":[\"technical\"],"
		         "\"vcardArray\":%s}]}",
		         i, cards[i]);
		assert_int_equal(parse(f, json), DN_EMALF);
		assert_non_null(strstr(f->err.msg, "invalid jCard"));
		char handle[32];
		snprintf(handle, sizeof(handle), "\"H-%zu\"", i);
		assert_non_null(strstr(f->err.msg, handle));
		assert_false(f->rec.contacts[WHOIS_TECH].present);
	}
}

/* ---- The corpus ---- */

/* The values after "--- stdout ---" of an openrdap golden file, as
 * "key: value" lines with their indentation removed. */
struct golden {
	char keys[64][48];
	char values[64][256];
	size_t n;
};

static void read_golden(const char *name, struct golden *g)
{
	char *text = read_text(corpus_rdap, name, NULL);
	char *body = strstr(text, "--- stdout ---\n");
	assert_non_null(body);
	body += strlen("--- stdout ---\n");
	char *end = strstr(body, "--- stderr ---");
	if (end != NULL)
		*end = '\0';

	g->n = 0;
	for (char *line = strtok(body, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		line += strspn(line, " ");
		char *colon = strstr(line, ": ");
		if (colon == NULL || g->n == 64)
			continue;
		*colon = '\0';
		snprintf(g->keys[g->n], sizeof(g->keys[0]), "%s", line);
		snprintf(g->values[g->n], sizeof(g->values[0]), "%s", colon + 2);
		g->n++;
	}
	free(text);
}

/* The value of the nth line with key, or NULL. */
static const char *golden_value(const struct golden *g, const char *key, size_t nth)
{
	for (size_t i = 0; i < g->n; i++) {
		if (strcmp(g->keys[i], key) == 0 && nth-- == 0)
			return g->values[i];
	}
	return NULL;
}

static void test_openrdap_whois_golden(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	assert_int_equal(parse_file(f, "openrdap/domain-example.cz.json"), DN_OK);
	static struct golden g;
	read_golden("openrdap/domain-whois.golden", &g);
	const struct whois_record *rec = &f->rec;

	assert_int_equal(rec->status, WHOIS_FOUND);
	assert_string_equal(rec->domain, golden_value(&g, "Domain Name", 0));
	assert_string_equal(rec->registry_id, golden_value(&g, "Handle", 0));
	assert_string_equal(rec->registrar.whois_server, golden_value(&g, "WHOIS Server", 0));
	assert_int_equal(rec->created, epoch(golden_value(&g, "Creation Date", 0)));
	assert_int_equal(rec->expires, epoch(golden_value(&g, "Expiration Date", 0)));
	assert_int_equal(rec->updated, WHOIS_TIME_UNSET);

	/* openrdap prints RDAP's word; RFC 8056 maps "active" to EPP "ok". */
	assert_string_equal(golden_value(&g, "Domain Status", 0), "active");
	assert_null(golden_value(&g, "Domain Status", 1));
	assert_int_equal(rec->n_statuses, 1);
	assert_string_equal(rec->statuses[0], "ok");

	size_t n = 0;
	while (golden_value(&g, "Name Server", n) != NULL) {
		assert_true(n < rec->n_nameservers);
		assert_string_equal(rec->nameservers[n], golden_value(&g, "Name Server", n));
		n++;
	}
	assert_int_equal(n, 3);
	assert_int_equal(rec->n_nameservers, n);
}

/* The text rendering lists each entity as a "Handle" line, then maybe a
 * "Link" line, then its "Role" lines. */
static void test_openrdap_text_golden(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	assert_int_equal(parse_file(f, "openrdap/domain-example.cz.json"), DN_OK);
	static struct golden g;
	read_golden("openrdap/domain-text.golden", &g);
	const struct whois_record *rec = &f->rec;

	assert_string_equal(rec->domain, golden_value(&g, "Domain Name", 0));
	assert_string_equal(rec->registrar.whois_server, golden_value(&g, "Port43", 0));

	size_t entities = 0;
	const char *handle = NULL;
	for (size_t i = 0; i < g.n; i++) {
		if (strcmp(g.keys[i], "Handle") == 0)
			handle = g.values[i];
		if (strcmp(g.keys[i], "Role") != 0)
			continue;
		const char *role = g.values[i];
		assert_non_null(handle);
		entities++;
		if (strcmp(role, "registrant") == 0) {
			assert_true(rec->contacts[WHOIS_REGISTRANT].present);
			assert_string_equal(rec->contacts[WHOIS_REGISTRANT].id, handle);
		} else if (strcmp(role, "administrative") == 0) {
			assert_true(rec->contacts[WHOIS_ADMIN].present);
			assert_string_equal(rec->contacts[WHOIS_ADMIN].id, handle);
		} else {
			/* The registrar has a handle but no card, so no name. */
			assert_string_equal(role, "registrar");
			assert_null(rec->registrar.name);
		}
	}
	assert_int_equal(entities, 3);
	assert_false(rec->contacts[WHOIS_TECH].present);
	assert_false(rec->contacts[WHOIS_BILLING].present);

	size_t events = 0;
	for (size_t i = 0; i + 1 < g.n; i++) {
		if (strcmp(g.keys[i], "Action") != 0 || strcmp(g.keys[i + 1], "Date") != 0)
			continue;
		events++;
		if (strcmp(g.values[i], "registration") == 0)
			assert_int_equal(rec->created, epoch(g.values[i + 1]));
		else if (strcmp(g.values[i], "expiration") == 0)
			assert_int_equal(rec->expires, epoch(g.values[i + 1]));
	}
	assert_int_equal(events, 3);
}

/* Values read from the demo response itself. Its dates are leap seconds
 * ("1990-12-31T23:59:60Z"), read as the next second. */
static void test_nicinfo_domain_dnr(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	assert_int_equal(parse_file(f, "nicinfo-demo/domain-dnr.json"), DN_OK);
	const struct whois_record *rec = &f->rec;

	assert_string_equal(rec->domain, "xn--fo-5ja.example");
	assert_string_equal(rec->registry_id, "xn--fo-5ja.example-001");
	assert_int_equal(rec->n_statuses, 2);
	assert_string_equal(rec->statuses[0], "locked");
	assert_string_equal(rec->statuses[1], "transfer prohibited");
	assert_int_equal(rec->created, epoch("1991-01-01T00:00:00Z"));
	assert_int_equal(rec->expires, epoch("2017-01-01T00:00:00Z"));
	assert_int_equal(rec->updated, WHOIS_TIME_UNSET);
	assert_int_equal(rec->n_nameservers, 2);
	assert_string_equal(rec->nameservers[0], "ns1.example.com");
	assert_string_equal(rec->nameservers[1], "ns2.example.com");
	assert_string_equal(rec->dnssec, "signedDelegation");
	assert_string_equal(rec->registrar.whois_server, "whois.example.net");
	assert_null(rec->registrar.name);
	assert_null(rec->referral_server);
	assert_false(rec->contacts[WHOIS_REGISTRANT].present);

	const struct whois_contact *admin = &rec->contacts[WHOIS_ADMIN];
	assert_true(admin->present);
	assert_string_equal(admin->id, "MATTR-ARIN");
	assert_string_equal(admin->name, "Matt Rowley");
	assert_string_equal(admin->org, "American Registry for Internet Numbers");
	assert_string_equal(admin->email, "info@arin.net");
	assert_string_equal(admin->phone, "+1-703-227-9840");
	assert_string_equal(admin->street[0], "3635 Concorde Parkway");
	assert_string_equal(admin->street[1], "Suite 200");
	assert_null(admin->street[2]);
	assert_string_equal(admin->city, "Chantilly");
	assert_string_equal(admin->state, "VA");
	assert_string_equal(admin->postal_code, "20151");
	assert_string_equal(admin->country, "United States");

	/* The technical contact's address is only a label. */
	const struct whois_contact *tech = &rec->contacts[WHOIS_TECH];
	assert_string_equal(tech->name, "Mark Kosters");
	assert_string_equal(tech->street[0], "3635 Concorde Parkway");
	assert_string_equal(tech->street[1], "Suite200");
	assert_string_equal(tech->street[2], "Chantilly");
	assert_string_equal(tech->street[3], "VA, 20151");
	assert_null(tech->city);
	assert_null(tech->postal_code);
}

/* An RIR reverse domain: the contacts sit inside the registrant. */
static void test_nicinfo_domain_rir(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	assert_int_equal(parse_file(f, "nicinfo-demo/domain-rir.json"), DN_OK);
	const struct whois_record *rec = &f->rec;

	assert_string_equal(rec->domain, "192.in-addr.arpa");
	assert_string_equal(rec->registry_id, "192.in-addr.arpa-001");
	assert_int_equal(rec->n_nameservers, 2);
	assert_string_equal(rec->nameservers[0], "ns1.rir.example");
	assert_string_equal(rec->nameservers[1], "ns2.rir.example");
	assert_string_equal(rec->dnssec, "signedDelegation");
	assert_int_equal(rec->created, epoch("1991-01-01T00:00:00Z"));
	assert_int_equal(rec->updated, epoch("1992-01-01T00:00:00Z"));

	assert_string_equal(rec->contacts[WHOIS_REGISTRANT].id, "ARIN-OPS");
	assert_string_equal(rec->contacts[WHOIS_REGISTRANT].name, "ARIN Operations");
	assert_string_equal(rec->contacts[WHOIS_ADMIN].id, "MATTR-ARIN");
	assert_string_equal(rec->contacts[WHOIS_ADMIN].email, "info@arin.net");
	assert_string_equal(rec->contacts[WHOIS_TECH].id, "MAK21-ARIN");
}

static void test_nicinfo_error_code(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	assert_int_equal(parse_file(f, "nicinfo-demo/error-code.json"), DN_OK);
	/* errorCode 418: neither 404 nor 429. */
	assert_int_equal(f->rec.status, WHOIS_ERROR);
	assert_string_equal(f->rec.reason,
	                    "Your beverage choice is not available: I know coffee has more "
	                    "ummppphhh. But I cannot provide.");
	assert_null(f->rec.domain);
}

static void test_corpus_other_objects(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	static const struct {
		const char *file;
		dn_status rc;
		const char *named; /* in the error message */
	} cases[] = {
		{"nicinfo-demo/autnum.json", DN_ENOTSUP, "\"autnum\""},
		{"nicinfo-demo/entity-dnr.json", DN_ENOTSUP, "\"entity\""},
		{"nicinfo-demo/entity-rir.json", DN_ENOTSUP, "\"entity\""},
		{"nicinfo-demo/ip.json", DN_ENOTSUP, "\"ip network\""},
		{"nicinfo-demo/ns.json", DN_ENOTSUP, "\"nameserver\""},
		{"nicinfo-demo/ns-very-simple.json", DN_ENOTSUP, "\"nameserver\""},
		{"nicinfo-demo/domains.json", DN_ENOTSUP, "domainSearchResults"},
		{"nicinfo-demo/entities.json", DN_ENOTSUP, "entitySearchResults"},
		{"nicinfo-demo/nameservers.json", DN_ENOTSUP, "nameserverSearchResults"},
		{"nicinfo-demo/help.json", DN_ENOTSUP, "objectClassName"},
		{"openrdap/entity-1-VRSN.json", DN_ENOTSUP, "\"entity\""},
		{"openrdap/nameserver-ns2.pipni.cz.json", DN_ENOTSUP, "\"nameserver\""},
		{"20c-rdap/autnum/AS2914.json", DN_ENOTSUP, "\"autnum\""},
		{"20c-rdap/entity/CLUE1-RIPE.json", DN_ENOTSUP, "\"entity\""},
		{"20c-rdap/entity/PEERI-ARIN.json", DN_ENOTSUP, "\"entity\""},
		{"20c-rdap/ip/101.203.88.0_history.json", DN_ENOTSUP, "objectClassName"},
		/* "{}" and 20c's own summary of a domain are not RDAP at all. */
		{"20c-rdap/entity/BRI2.json", DN_EMALF, "not an RDAP response"},
		{"20c-rdap/domain/20c.com.json", DN_EMALF, "not an RDAP response"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dn_status rc = parse_file(f, cases[i].file);
		if (rc != cases[i].rc || strstr(f->err.msg, cases[i].named) == NULL)
			fail_msg("%s: got status %d, \"%s\"; expected %d naming %s", cases[i].file, rc,
			         f->err.msg, cases[i].rc, cases[i].named);
		assert_null(f->rec.domain);
	}
}

/* Each card of openrdap's jcard folder, as the card of a registrant. */
static dn_status parse_card_file(struct fixture *f, const char *name)
{
	char *card = read_text(corpus_rdap, name, NULL);
	size_t size = strlen(card) + 256;
	char *json = malloc(size);
	assert_non_null(json);
	snprintf(json, size,
	         "{\"objectClassName\":\"domain\",\"ldhName\":\"example.com\","
	         "\"entities\":[{\"handle\":\"CARD\",\"roles\":[\"registrant\"],"
	         "\"vcardArray\":%s}]}",
	         card);
	dn_status rc = parse(f, json);
	free(json);
	free(card);
	return rc;
}

static void test_openrdap_jcards(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	/* The nest-depth sample closes two brackets more than it opens, so it
	 * fails as JSON before its card is read. test_invalid_cards checks the
	 * same property in valid JSON. */
	static const struct {
		const char *file;
		const char *reason;
	} invalid[] = {
		{"openrdap/jcard/error_bad_property_nest_depth.json", "invalid JSON"},
		{"openrdap/jcard/error_bad_top_type.json", "invalid jCard"},
		{"openrdap/jcard/error_invalid_properties.json", "invalid jCard"},
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
		if (parse_card_file(f, invalid[i].file) != DN_EMALF ||
		    strstr(f->err.msg, invalid[i].reason) == NULL)
			fail_msg("%s: expected %s, got \"%s\"", invalid[i].file, invalid[i].reason,
			         f->err.msg);
	}

	assert_int_equal(parse_card_file(f, "openrdap/jcard/mixed.json"), DN_OK);
	assert_true(f->rec.contacts[WHOIS_REGISTRANT].present);
	assert_null(f->rec.contacts[WHOIS_REGISTRANT].name);

	/* The RFC 7095 example card. */
	assert_int_equal(parse_card_file(f, "openrdap/jcard/example.json"), DN_OK);
	const struct whois_contact *c = &f->rec.contacts[WHOIS_REGISTRANT];
	assert_string_equal(c->id, "CARD");
	assert_string_equal(c->name, "Simon Perreault");
	assert_string_equal(c->org, "Viagenie");
	assert_string_equal(c->email, "simon.perreault@viagenie.ca");
	assert_string_equal(c->phone, "+1-418-656-9254 ext. 102");
	assert_null(c->fax);
	assert_string_equal(c->street[0], "2875 Laurier");
	assert_string_equal(c->street[1], "Suite D2-630");
	assert_null(c->street[2]);
	assert_string_equal(c->city, "Quebec");
	assert_string_equal(c->state, "QC");
	assert_string_equal(c->postal_code, "G1V 2M2");
	assert_string_equal(c->country, "Canada");
}

static void collect_emails(struct fixture *f, const json_t *object, json_t *emails, int depth)
{
	size_t i;
	const json_t *entity;
	assert_true(depth < 8);
	json_array_foreach(json_object_get(object, "entities"), i, entity) {
		const json_t *card = json_object_get(entity, "vcardArray");
		if (card != NULL) {
			struct rdap_vcard vcard;
			assert_int_equal(rdap_jcard_read(card, &f->arena, &vcard, &f->err), DN_OK);
			for (size_t k = 0; k < vcard.n_emails; k++)
				json_object_set_new(emails, vcard.emails[k], json_true());
		}
		collect_emails(f, entity, emails, depth + 1);
	}
}

/* 20c/rdap's expected summaries list every vCard email of an autnum's
 * entities, nested ones included, sorted and unique. */
static void test_20c_autnum_emails(void **state)
{
	struct fixture *f = *state;
	skip_without_corpus();
	static const char *const asns[] = {"AS205726", "AS206050", "AS2515", "AS2914",
	                                   "AS37271",  "AS49037",  "AS53170", "AS61399",
	                                   "AS8283",   "AS9269"};
	for (size_t i = 0; i < sizeof(asns) / sizeof(asns[0]); i++) {
		char path[4200];
		json_error_t jerr;
		snprintf(path, sizeof(path), "%s/20c-rdap/autnum/%s.json", corpus_rdap, asns[i]);
		json_t *input = json_load_file(path, 0, &jerr);
		assert_non_null(input);
		snprintf(path, sizeof(path), "%s/20c-rdap/autnum/%s.expected.json", corpus_rdap,
		         asns[i]);
		json_t *expected = json_load_file(path, 0, &jerr);
		assert_non_null(expected);

		json_t *emails = json_object();
		collect_emails(f, input, emails, 0);
		const json_t *want = json_object_get(expected, "emails");
		if (json_object_size(emails) != json_array_size(want))
			fail_msg("%s: %zu emails read, %zu expected", asns[i],
			         json_object_size(emails), json_array_size(want));
		size_t k;
		const json_t *email;
		json_array_foreach(want, k, email) {
			if (json_object_get(emails, json_string_value(email)) == NULL)
				fail_msg("%s: email %s not read", asns[i], json_string_value(email));
		}
		json_decref(emails);
		json_decref(expected);
		json_decref(input);
	}
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test_setup_teardown(test_own_domain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_domain_contacts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unicode_name_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_responses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_classes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_cards, setup, teardown),
	};
	const struct CMUnitTest corpus[] = {
		cmocka_unit_test_setup_teardown(test_openrdap_whois_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openrdap_text_golden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nicinfo_domain_dnr, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nicinfo_domain_rir, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nicinfo_error_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corpus_other_objects, setup, teardown),
		cmocka_unit_test_setup_teardown(test_openrdap_jcards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_20c_autnum_emails, setup, teardown),
	};

	int failed = cmocka_run_group_tests_name("rdap_own", own, NULL, NULL);

	const char *root = getenv("DRAGNET_CORPUS");
	if (root != NULL && root[0] != '\0')
		snprintf(corpus_rdap, sizeof(corpus_rdap), "%s/rdap", root);
	FILE *probe = NULL;
	if (corpus_rdap[0] != '\0') {
		char path[4200];
		snprintf(path, sizeof(path), "%s/openrdap/domain-example.cz.json", corpus_rdap);
		probe = fopen(path, "rb");
	}
	if (probe == NULL) {
		fprintf(stderr, "test_whois_rdap: corpus tests skipped: %s; set DRAGNET_CORPUS to "
		                "the shared corpus folder\n",
		        corpus_rdap[0] == '\0' ? "DRAGNET_CORPUS is not set"
		                               : "rdap/openrdap/domain-example.cz.json is missing");
		return failed != 0 ? failed : 77;
	}
	fclose(probe);
	return failed + cmocka_run_group_tests_name("rdap_corpus", corpus, NULL, NULL);
}
