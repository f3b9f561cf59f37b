/* libFuzzer target: the WHOIS text parser, its date reader and the
 * redaction check. The input is the text of a WHOIS response. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "whois/date.h"
#include "whois/privacy.h"
#include "whois/record.h"
#include "whois/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s)
{
	if (s != NULL && strlen(s) == 0)
		abort();
}

static void check_contact(const struct whois_contact *c)
{
	const char *fields[] = {c->id,    c->name,  c->org,         c->email,  c->phone,
	                        c->fax,   c->city,  c->state,       c->postal_code,
	                        c->country};
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		check_string(fields[i]);
		/* Masking left no placeholder behind. */
		if (fields[i] != NULL && whois_is_redacted(fields[i]))
			abort();
	}
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
		check_string(c->street[i]);
	if (c->mask != WHOIS_CLEAR && !c->present)
		abort();
}

static void check_record(const struct whois_record *rec)
{
	if ((unsigned)rec->status >= WHOIS_STATUS_COUNT)
		abort();
	if (rec->n_statuses > WHOIS_LIST_MAX || rec->n_nameservers > WHOIS_LIST_MAX)
		abort();
	for (size_t i = 0; i < rec->n_statuses; i++)
		check_string(rec->statuses[i]);
	for (size_t i = 0; i < rec->n_nameservers; i++) {
		const char *ns = rec->nameservers[i];
		size_t len = strlen(ns);
		if (len == 0 || ns[len - 1] == '.')
			abort();
		for (size_t k = 0; k < len; k++) {
			if (ns[k] >= 'A' && ns[k] <= 'Z')
				abort();
		}
	}
	check_string(rec->domain);
	check_string(rec->registrar.name);
	check_string(rec->reason);
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++)
		check_contact(&rec->contacts[role]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct arena arena, again_arena;
	static bool ready;
	if (!ready) {
		arena_init(&arena, 64 * 1024);
		arena_init(&again_arena, 64 * 1024);
		ready = true;
	}
	arena_reset(&arena);
	arena_reset(&again_arena);

	struct whois_record rec, again;
	struct dn_error err = {0}, err_again = {0};
	dn_status rc = whois_parse_text((const char *)data, size, NULL, &arena, &rec, &err);
	if (rc != DN_OK && rc != DN_EFORMAT && rc != DN_ENOMEM)
		abort();
	if (rc != DN_OK && err.msg[0] == '\0')
		abort();
	if (rc == DN_OK)
		check_record(&rec);

	/* The parser keeps no state between calls. */
	dn_status rc_again = whois_parse_text((const char *)data, size, NULL, &again_arena, &again,
	                                      &err_again);
	if (rc != rc_again)
		abort();
	if (rc == DN_OK && (rec.status != again.status || rec.n_nameservers != again.n_nameservers ||
	                    rec.n_statuses != again.n_statuses || rec.created != again.created ||
	                    rec.expires != again.expires))
		abort();

	/* The date reader on the input as one string. */
	char *text = malloc(size + 1);
	if (text == NULL)
		abort();
	memcpy(text, data, size);
	text[size] = '\0';
	int64_t t = 0;
	whois_date_parse(text, size > 0 && (data[0] & 1), &t);
	whois_is_redacted(text);
	whois_privacy_service(text);
	free(text);
	return 0;
}
