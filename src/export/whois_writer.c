/* Readable WHOIS output, snapshot changes and personal-data removal. */
#include "export/whois_writer.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/timeutil.h"
#include "whois/document.h"

static const char *const role_labels[WHOIS_ROLE_COUNT] = {"registrant", "admin", "tech",
                                                          "billing"};

struct flat {
	struct whois_line *out;
	size_t max;
	size_t n;
};

static void line(struct flat *f, const char *label, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	if (f->n < f->max) {
		snprintf(f->out[f->n].label, sizeof(f->out[f->n].label), "%s", label);
		f->out[f->n].value = value;
	}
	f->n++;
}

static void contact_lines(struct flat *f, const char *role, const struct whois_contact *c)
{
	static const char *const masks[] = {NULL, "redacted", "privacy service"};
	char label[32];
#define FIELD(name, value)                                                                        \
	do {                                                                                       \
		snprintf(label, sizeof(label), "%s %s", role, name);                               \
		line(f, label, value);                                                             \
	} while (0)
	FIELD("masked", masks[c->mask]);
	FIELD("id", c->id);
	FIELD("name", c->name);
	FIELD("org", c->org);
	FIELD("email", c->email);
	FIELD("phone", c->phone);
	FIELD("fax", c->fax);
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
		FIELD("street", c->street[i]);
	FIELD("city", c->city);
	FIELD("state", c->state);
	FIELD("postal code", c->postal_code);
	FIELD("country", c->country);
#undef FIELD
}

size_t whois_flatten(const struct whois_record *rec, struct whois_line *out, size_t max,
                     char times[][24])
{
	struct flat f = {out, max, 0};
	line(&f, "status", rec->status != WHOIS_FOUND ? whois_status_name(rec->status) : NULL);
	line(&f, "reason", rec->reason);
	line(&f, "domain", rec->domain);
	line(&f, "registry id", rec->registry_id);
	line(&f, "registrar", rec->registrar.name);
	line(&f, "registrar iana id", rec->registrar.iana_id);
	line(&f, "registrar whois", rec->registrar.whois_server);
	line(&f, "registrar url", rec->registrar.url);
	line(&f, "abuse email", rec->registrar.abuse_email);
	line(&f, "abuse phone", rec->registrar.abuse_phone);
	const int64_t when[4] = {rec->created, rec->updated, rec->expires, rec->database_updated};
	static const char *const when_labels[4] = {"created", "updated", "expires",
	                                           "database updated"};
	for (int i = 0; i < 4; i++) {
		if (when[i] == WHOIS_TIME_UNSET)
			continue;
		time_format_iso(when[i], times[i], 24);
		line(&f, when_labels[i], times[i]);
	}
	for (size_t i = 0; i < rec->n_statuses; i++)
		line(&f, "domain status", rec->statuses[i]);
	for (size_t i = 0; i < rec->n_nameservers; i++)
		line(&f, "nameserver", rec->nameservers[i]);
	line(&f, "dnssec", rec->dnssec);
	for (int r = 0; r < WHOIS_ROLE_COUNT; r++) {
		if (rec->contacts[r].present)
			contact_lines(&f, role_labels[r], &rec->contacts[r]);
	}
	/* A registrar's own response names its server as the next hop too. */
	if (rec->referral_server == NULL || rec->registrar.whois_server == NULL ||
	    strcasecmp(rec->referral_server, rec->registrar.whois_server) != 0)
		line(&f, "referral", rec->referral_server);
	return f.n;
}

#define LINES_MAX 160

bool whois_print_json(FILE *out, const struct whois_record *rec, const json_t *extra)
{
	char *text = whois_document_write(rec);
	json_t *doc = text != NULL ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (doc == NULL)
		return false;
	char *line = NULL;
	if (extra == NULL || json_object_update(doc, (json_t *)extra) == 0)
		line = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(doc);
	if (line == NULL)
		return false;
	fprintf(out, "%s\n", line);
	free(line);
	return true;
}

bool whois_print_stored_json(FILE *out, const struct whois_record *rec,
                             const struct store_whois *doc, const char *source)
{
	char first[24], last[24];
	time_format_iso(doc->time_first, first, sizeof(first));
	time_format_iso(doc->time_last, last, sizeof(last));
	json_t *extra = json_pack("{s:s, s:s, s:I, s:s}", "time_first", first, "time_last", last,
	                          "count", (json_int_t)doc->count, "source", source);
	bool ok = extra != NULL && whois_print_json(out, rec, extra);
	json_decref(extra);
	return ok;
}

void whois_print_record(FILE *out, const struct whois_record *rec, int indent)
{
	struct whois_line lines[LINES_MAX];
	char times[4][24];
	size_t n = whois_flatten(rec, lines, LINES_MAX, times);
	if (n > LINES_MAX)
		n = LINES_MAX;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%*s%-22s %s\n", indent, "", lines[i].label, lines[i].value);
}

static bool has_line(const struct whois_line *lines, size_t n, const struct whois_line *l)
{
	for (size_t i = 0; i < n; i++) {
		if (strcmp(lines[i].label, l->label) == 0 && strcmp(lines[i].value, l->value) == 0)
			return true;
	}
	return false;
}

size_t whois_print_changes(FILE *out, const struct whois_record *old,
                           const struct whois_record *cur, int indent)
{
	struct whois_line a[LINES_MAX], b[LINES_MAX];
	char ta[4][24], tb[4][24];
	size_t na = whois_flatten(old, a, LINES_MAX, ta);
	size_t nb = whois_flatten(cur, b, LINES_MAX, tb);
	if (na > LINES_MAX)
		na = LINES_MAX;
	if (nb > LINES_MAX)
		nb = LINES_MAX;
	size_t printed = 0;
	/* Walk the new record's lines in order. Before each, print the old
	 * lines with the same label that are gone, so that a changed value
	 * reads as its removal followed by its replacement. */
	bool shown_old[LINES_MAX] = {false};
	for (size_t j = 0; j < nb; j++) {
		for (size_t i = 0; i < na; i++) {
			if (!shown_old[i] && strcmp(a[i].label, b[j].label) == 0 &&
			    !has_line(b, nb, &a[i])) {
				fprintf(out, "%*s- %-22s %s\n", indent, "", a[i].label, a[i].value);
				shown_old[i] = true;
				printed++;
			}
		}
		if (!has_line(a, na, &b[j])) {
			fprintf(out, "%*s+ %-22s %s\n", indent, "", b[j].label, b[j].value);
			printed++;
		}
	}
	for (size_t i = 0; i < na; i++) {
		if (!shown_old[i] && !has_line(b, nb, &a[i])) {
			fprintf(out, "%*s- %-22s %s\n", indent, "", a[i].label, a[i].value);
			printed++;
		}
	}
	return printed;
}

bool whois_contact_is_person(const struct whois_contact *c)
{
	if (c->org == NULL || c->org[0] == '\0')
		return true;
	return c->name != NULL && strcasecmp(c->name, c->org) == 0;
}

static void scrub(const char **field)
{
	if (*field != NULL && (*field)[0] != '\0')
		*field = WHOIS_REDACTED_TEXT;
}

void whois_redact_personal(struct whois_record *rec)
{
	for (int r = 0; r < WHOIS_ROLE_COUNT; r++) {
		struct whois_contact *c = &rec->contacts[r];
		if (!c->present || c->mask != WHOIS_CLEAR)
			continue;
		bool person = whois_contact_is_person(c);
		if (person && c->org != NULL && c->name != NULL && strcasecmp(c->name, c->org) == 0)
			scrub(&c->org);
		scrub(&c->name);
		if (!person)
			continue;
		scrub(&c->email);
		scrub(&c->phone);
		scrub(&c->fax);
		for (size_t i = 0; i < WHOIS_STREET_MAX; i++)
			scrub(&c->street[i]);
		scrub(&c->city);
		scrub(&c->postal_code);
	}
}
