/* Print what whois_parse_text() makes of WHOIS text files, one JSON object
 * per file and line, with every field of struct whois_record:
 *   {"file": ..., "status": "found", "domain": ..., "created": N, ...,
 *    "contacts": {"registrant": {...}, ...}}
 *   {"file": ..., "error": "EFORMAT", "message": ...}  the parser rejected it
 * Times are epoch seconds, or null when unset.
 * Usage: whois_dump [--repeat N] [--domain NAME] [--server HOST] FILE...
 * With --repeat, each file is parsed N times and the parse rate goes to
 * stderr. Exit status 0, or 2 for bad arguments or an unreadable file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "util/arena.h"
#include "whois/record.h"
#include "whois/text.h"

static json_t *string_or_null(const char *s)
{
	if (s == NULL)
		return json_null();
	json_t *value = json_string(s);
	return value != NULL ? value : json_null();
}

static json_t *time_or_null(int64_t t)
{
	return t == WHOIS_TIME_UNSET ? json_null() : json_integer((json_int_t)t);
}

static json_t *string_list(const char *const *items, size_t count)
{
	json_t *list = json_array();
	for (size_t i = 0; i < count; i++)
		json_array_append_new(list, string_or_null(items[i]));
	return list;
}

static const char *mask_name(enum whois_mask mask)
{
	switch (mask) {
	case WHOIS_CLEAR: return "clear";
	case WHOIS_REDACTED: return "redacted";
	case WHOIS_PRIVACY: return "privacy";
	}
	return "unknown";
}

static json_t *contact_json(const struct whois_contact *c)
{
	json_t *obj = json_object();
	size_t n_street = 0;
	while (n_street < WHOIS_STREET_MAX && c->street[n_street] != NULL)
		n_street++;
	json_object_set_new(obj, "present", json_boolean(c->present));
	json_object_set_new(obj, "mask", json_string(mask_name(c->mask)));
	json_object_set_new(obj, "id", string_or_null(c->id));
	json_object_set_new(obj, "name", string_or_null(c->name));
	json_object_set_new(obj, "org", string_or_null(c->org));
	json_object_set_new(obj, "email", string_or_null(c->email));
	json_object_set_new(obj, "phone", string_or_null(c->phone));
	json_object_set_new(obj, "fax", string_or_null(c->fax));
	json_object_set_new(obj, "street", string_list(c->street, n_street));
	json_object_set_new(obj, "city", string_or_null(c->city));
	json_object_set_new(obj, "state", string_or_null(c->state));
	json_object_set_new(obj, "postal_code", string_or_null(c->postal_code));
	json_object_set_new(obj, "country", string_or_null(c->country));
	return obj;
}

static json_t *record_json(const struct whois_record *rec)
{
	json_t *obj = json_object();
	json_object_set_new(obj, "status", json_string(whois_status_name(rec->status)));
	json_object_set_new(obj, "reason", string_or_null(rec->reason));
	json_object_set_new(obj, "domain", string_or_null(rec->domain));
	json_object_set_new(obj, "registry_id", string_or_null(rec->registry_id));
	json_t *registrar = json_object();
	json_object_set_new(registrar, "name", string_or_null(rec->registrar.name));
	json_object_set_new(registrar, "iana_id", string_or_null(rec->registrar.iana_id));
	json_object_set_new(registrar, "whois_server", string_or_null(rec->registrar.whois_server));
	json_object_set_new(registrar, "url", string_or_null(rec->registrar.url));
	json_object_set_new(registrar, "abuse_email", string_or_null(rec->registrar.abuse_email));
	json_object_set_new(registrar, "abuse_phone", string_or_null(rec->registrar.abuse_phone));
	json_object_set_new(obj, "registrar", registrar);
	json_object_set_new(obj, "created", time_or_null(rec->created));
	json_object_set_new(obj, "updated", time_or_null(rec->updated));
	json_object_set_new(obj, "expires", time_or_null(rec->expires));
	json_object_set_new(obj, "statuses", string_list(rec->statuses, rec->n_statuses));
	json_object_set_new(obj, "nameservers", string_list(rec->nameservers, rec->n_nameservers));
	json_object_set_new(obj, "dnssec", string_or_null(rec->dnssec));
	json_t *contacts = json_object();
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++)
		json_object_set_new(contacts, whois_role_name(role), contact_json(&rec->contacts[role]));
	json_object_set_new(obj, "contacts", contacts);
	json_object_set_new(obj, "referral_server", string_or_null(rec->referral_server));
	json_object_set_new(obj, "database_updated", time_or_null(rec->database_updated));
	return obj;
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap);
	while (buf != NULL) {
		n += fread(buf + n, 1, cap - n, f);
		if (n < cap)
			break;
		cap *= 2;
		char *bigger = realloc(buf, cap);
		if (bigger == NULL)
			free(buf);
		buf = bigger;
	}
	bool failed = ferror(f);
	fclose(f);
	if (failed) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

static void emit(json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
	if (text == NULL) {
		fprintf(stderr, "whois_dump: out of memory\n");
		exit(2);
	}
	puts(text);
	free(text);
	json_decref(obj);
}

static double seconds_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long repeat = 1;
	struct whois_text_hints hints = {0};
	int i = 1;
	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--repeat") == 0)
			repeat = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--domain") == 0)
			hints.domain = argv[++i];
		else if (strcmp(argv[i], "--server") == 0)
			hints.server = argv[++i];
		else
			break;
	}
	if (i >= argc || repeat < 1) {
		fprintf(stderr, "usage: whois_dump [--repeat N] [--domain NAME] [--server HOST] "
		                "FILE...\n");
		return 2;
	}

	struct arena arena;
	arena_init(&arena, 64 * 1024);
	size_t records = 0, bytes = 0;
	double parse_seconds = 0;
	for (; i < argc; i++) {
		size_t len = 0;
		char *text = read_file(argv[i], &len);
		if (text == NULL) {
			fprintf(stderr, "whois_dump: cannot read %s\n", argv[i]);
			return 2;
		}
		struct whois_record rec;
		struct dn_error err = {0};
		dn_status rc = DN_OK;
		double start = seconds_now();
		for (long r = 0; r < repeat; r++) {
			arena_reset(&arena);
			rc = whois_parse_text(text, len, &hints, &arena, &rec, &err);
		}
		parse_seconds += seconds_now() - start;
		records += (size_t)repeat;
		bytes += len * (size_t)repeat;

		json_t *obj = json_object();
		json_object_set_new(obj, "file", json_string(argv[i]));
		if (rc != DN_OK) {
			json_object_set_new(obj, "error", json_string(dn_strerror(rc)));
			json_object_set_new(obj, "message", json_string(err.msg));
		} else {
			json_t *fields = record_json(&rec);
			json_object_update(obj, fields);
			json_decref(fields);
		}
		emit(obj);
		free(text);
	}
	if (repeat > 1 && parse_seconds > 0)
		fprintf(stderr, "whois_dump: %zu parses of %zu bytes in %.3f s: %.0f records/s, "
		                "%.1f MB/s\n",
		        records, bytes, parse_seconds, (double)records / parse_seconds,
		        (double)bytes / parse_seconds / 1e6);
	arena_free(&arena);
	return 0;
}
