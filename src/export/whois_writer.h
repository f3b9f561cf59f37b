/* Output of WHOIS records: a readable listing, the change between two
 * snapshots, and the removal of natural persons' details for sharing. */
#pragma once

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "store/store.h"
#include "whois/record.h"

/* One printed line of a record: label ("registrant email") and value. */
struct whois_line {
	char label[32];
	const char *value;
};

/* The lines of rec in a fixed order, at most max; returns how many there
 * would be. Times are written into the buffer times (at least 4 x 24 bytes). */
size_t whois_flatten(const struct whois_record *rec, struct whois_line *out, size_t max,
                     char times[][24]);

/* Print rec's document (whois/document.h) as one line of JSON, with the
 * members of extra (an object; may be NULL) added after its own. Returns
 * false when memory runs out. */
bool whois_print_json(FILE *out, const struct whois_record *rec, const json_t *extra);

/* Print rec, read from the stored document doc, as whois --json does: one
 * line of JSON with doc's sighting added as time_first and time_last (ISO
 * 8601), count and source (the name of doc->source_id). Returns false when
 * memory runs out. */
bool whois_print_stored_json(FILE *out, const struct whois_record *rec,
                             const struct store_whois *doc, const char *source);

/* Print rec as labelled lines, indented by indent spaces. */
void whois_print_record(FILE *out, const struct whois_record *rec, int indent);

/* Print what changed from old to cur as "- label  value" and "+ label  value"
 * lines, in the order of whois_flatten(); returns the number of lines. */
size_t whois_print_changes(FILE *out, const struct whois_record *old,
                           const struct whois_record *cur, int indent);

/* Replace, in place, the details of contacts that are natural persons with
 * WHOIS_REDACTED_TEXT, for reports shared under data-protection rules. A
 * contact is taken for a natural person when it names no organisation, or
 * when its organisation is its name. Such a contact loses its name, email,
 * phone, fax, street, city and postal code. A contact of an organisation keeps all but the person's
 * name. Privacy-service and already redacted contacts are left as they are:
 * they hold nobody's details. */
#define WHOIS_REDACTED_TEXT "[personal data removed]"
void whois_redact_personal(struct whois_record *rec);

/* Whether a contact would be treated as a natural person above. */
bool whois_contact_is_person(const struct whois_contact *c);
