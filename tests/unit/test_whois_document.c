/* Tests for dragnet's WHOIS document: every field survives a write and a
 * read, and the hand-written JSON is what jansson itself writes for the same
 * object (jansson is the oracle for escaping and layout). */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/arena.h"
#include "whois/document.h"

static void fill(struct whois_record *rec)
{
	whois_record_init(rec);
	rec->domain = "example.com";
	rec->registry_id = "D1-EXAMPLE";
	rec->registrar.name = "Example \"Quoted\" Registrar\\Inc";
	rec->registrar.iana_id = "9999";
	rec->registrar.abuse_email = "abuse@example.net";
	rec->created = 946684800;      /* 2000-01-01T00:00:00Z */
	rec->updated = 1700000000;     /* 2023-11-14T22:13:20Z */
	rec->expires = -86400;         /* 1969-12-31T00:00:00Z */
	rec->statuses[0] = "clientTransferProhibited";
	rec->statuses[1] = "serverHold";
	rec->n_statuses = 2;
	rec->nameservers[0] = "ns1.example.net";
	rec->n_nameservers = 1;
	rec->dnssec = "unsigned";
	struct whois_contact *c = &rec->contacts[WHOIS_REGISTRANT];
	c->present = true;
	c->name = "Zoë Ångström\ttab\nnewline";
	c->org = "\x01 control \x1f";
	c->email = "zoe@example.net";
	c->phone = "+44.2079460123";
	c->street[0] = "1 Sample Street";
	c->street[1] = "Flat 2 / rear";
	c->country = "GB";
	rec->contacts[WHOIS_TECH].present = true;
	rec->contacts[WHOIS_TECH].org = "Privacy Service";
	rec->contacts[WHOIS_TECH].mask = WHOIS_PRIVACY;
	rec->referral_server = "whois.example.net";
}

static void test_round_trip(void **state)
{
	(void)state;
	struct whois_record rec, back;
	fill(&rec);
	char *doc = whois_document_write(&rec);
	assert_non_null(doc);
	struct arena arena;
	arena_init(&arena, 4096);
	struct dn_error err;
	assert_int_equal(whois_document_read(doc, strlen(doc), &arena, &back, &err), DN_OK);
	assert_string_equal(back.domain, "example.com");
	assert_string_equal(back.registrar.name, rec.registrar.name);
	assert_int_equal(back.created, 946684800);
	assert_int_equal(back.updated, 1700000000);
	assert_int_equal(back.expires, -86400);
	assert_int_equal(back.n_statuses, 2);
	assert_string_equal(back.statuses[1], "serverHold");
	assert_string_equal(back.contacts[WHOIS_REGISTRANT].name, rec.contacts[0].name);
	assert_string_equal(back.contacts[WHOIS_REGISTRANT].org, rec.contacts[0].org);
	assert_string_equal(back.contacts[WHOIS_REGISTRANT].street[1], "Flat 2 / rear");
	assert_true(back.contacts[WHOIS_TECH].present);
	assert_int_equal(back.contacts[WHOIS_TECH].mask, WHOIS_PRIVACY);
	assert_false(back.contacts[WHOIS_ADMIN].present);
	assert_string_equal(back.referral_server, "whois.example.net");
	/* Writing what was read gives the same bytes: documents are stable. */
	char *again = whois_document_write(&back);
	assert_string_equal(again, doc);
	free(again);
	free(doc);
	arena_free(&arena);
}

/* jansson, loading the document and dumping it compactly in order, must
 * give the same bytes. */
static void test_jansson_agrees(void **state)
{
	(void)state;
	struct whois_record rec;
	fill(&rec);
	char *doc = whois_document_write(&rec);
	json_error_t jerr;
	json_t *root = json_loads(doc, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	char *theirs = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	assert_string_equal(theirs, doc);
	assert_string_equal(json_string_value(json_object_get(root, "created")),
	                    "2000-01-01T00:00:00Z");
	free(theirs);
	json_decref(root);
	free(doc);
}

static void test_invalid_utf8_replaced(void **state)
{
	(void)state;
	struct whois_record rec;
	whois_record_init(&rec);
	rec.domain = "example.org";
	rec.contacts[0].present = true;
	rec.contacts[0].name = "bad \xc3 byte \xed\xa0\x80 surrogate \xf5 end";
	char *doc = whois_document_write(&rec);
	json_error_t jerr;
	json_t *root = json_loads(doc, 0, &jerr);
	assert_non_null(root);
	const char *name = json_string_value(
	        json_object_get(json_object_get(json_object_get(root, "contacts"), "registrant"),
	                        "name"));
	assert_string_equal(name, "bad \xef\xbf\xbd byte \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
	                          "surrogate \xef\xbf\xbd end");
	json_decref(root);
	free(doc);
}

static void test_bad_documents(void **state)
{
	(void)state;
	struct arena arena;
	arena_init(&arena, 4096);
	struct whois_record rec;
	struct dn_error err;
	const char *bad[] = {
	        "",
	        "[]",
	        "{\"status\":\"nonsense\"}",
	        "{\"status\":\"found\",\"created\":\"x\"}",
	        "{\"status\":\"found\",\"statuses\":\"x\"}",
	        "{\"status\":\"found\",\"contacts\":{\"registrant\":5}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(whois_document_read(bad[i], strlen(bad[i]), &arena, &rec, &err),
		                 DN_EMALF);
	arena_free(&arena);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_round_trip),
	        cmocka_unit_test(test_jansson_agrees),
	        cmocka_unit_test(test_invalid_utf8_replaced),
	        cmocka_unit_test(test_bad_documents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
