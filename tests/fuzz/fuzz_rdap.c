/* libFuzzer target: the RDAP parser (whois_parse_rdap) and, for inputs that
 * are a JSON array, the jCard reader on its own. The input is the body of
 * an RDAP response. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "whois/rdap.h"
#include "whois/rdap_jcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s)
{
	if (s != NULL && (s[0] == '\0' || strlen(s) > 1u << 24))
		abort();
}

static void check_contact(const struct whois_contact *c)
{
	const char *fields[] = {c->id,    c->name,  c->org,         c->email,  c->phone,
	                        c->fax,   c->city,  c->state,       c->postal_code, c->country};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		check_string(fields[i]);
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
		check_string(c->street[i]);
	if (!c->present && (c->name != NULL || c->id != NULL || c->email != NULL))
		abort();
}

static void check_record(const struct whois_record *rec)
{
	if ((unsigned)rec->status >= WHOIS_STATUS_COUNT)
		abort();
	if (rec->n_statuses > WHOIS_LIST_MAX || rec->n_nameservers > WHOIS_LIST_MAX)
		abort();
	for (size_t i = 0; i < rec->n_statuses; i++) {
		if (rec->statuses[i] == NULL)
			abort();
		check_string(rec->statuses[i]);
	}
	for (size_t i = 0; i < rec->n_nameservers; i++) {
		const char *ns = rec->nameservers[i];
		if (ns == NULL)
			abort();
		check_string(ns);
		/* Lower case and without the trailing dot. */
		for (const char *p = ns; *p != '\0'; p++) {
			if (*p >= 'A' && *p <= 'Z')
				abort();
		}
		if (ns[strlen(ns) - 1] == '.' && strlen(ns) > 1)
			abort();
	}
	check_string(rec->domain);
	check_string(rec->registry_id);
	check_string(rec->reason);
	check_string(rec->registrar.name);
	check_string(rec->registrar.abuse_email);
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++)
		check_contact(&rec->contacts[role]);
	if (rec->status != WHOIS_FOUND && (rec->domain != NULL || rec->reason == NULL))
		abort();
}

static void check_rdap(const char *json, size_t len)
{
	static struct whois_record rec, again;
	struct arena arena;
	struct dn_error err = {0}, err_again = {0};
	arena_init(&arena, 8192);

	dn_status rc = whois_parse_rdap(json, len, &arena, &rec, &err);
	if (rc != DN_OK) {
		if ((rc != DN_EMALF && rc != DN_ENOTSUP) || err.msg[0] == '\0')
			abort();
		if (rec.domain != NULL || rec.n_statuses != 0 || rec.contacts[0].present)
			abort();
	} else {
		check_record(&rec);
	}

	/* The parser keeps no state between calls. */
	dn_status rc_again = whois_parse_rdap(json, len, &arena, &again, &err_again);
	if (rc != rc_again || rec.status != again.status ||
	    rec.n_nameservers != again.n_nameservers || rec.n_statuses != again.n_statuses ||
	    (rec.domain == NULL) != (again.domain == NULL) ||
	    (rec.domain != NULL && strcmp(rec.domain, again.domain) != 0) ||
	    strcmp(err.msg, err_again.msg) != 0)
		abort();
	arena_free(&arena);
}

static void check_jcard(const char *json, size_t len)
{
	json_t *card = json_loadb(json, len, 0, NULL);
	if (!json_is_array(card)) {
		json_decref(card);
		return;
	}
	struct arena arena;
	struct rdap_vcard vcard;
	struct dn_error err = {0};
	arena_init(&arena, 4096);
	dn_status rc = rdap_jcard_read(card, &arena, &vcard, &err);
	if (rc != DN_OK && (rc != DN_EMALF || err.msg[0] == '\0'))
		abort();
	if (rc == DN_OK) {
		if (vcard.n_emails > RDAP_VCARD_EMAIL_MAX || (vcard.n_emails > 0) != (vcard.email != NULL))
			abort();
		check_string(vcard.fn);
		check_string(vcard.voice);
		check_string(vcard.fax);
		for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
			check_string(vcard.street[i]);
	}
	arena_free(&arena);
	json_decref(card);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_rdap((const char *)data, size);
	if (size > 0 && data[0] == '[')
		check_jcard((const char *)data, size);
	return 0;
}
