/* dragnet's JSON form of a struct whois_record: what the store keeps, what
 * `whois --json` prints, and what history diffs compare. Keys are fixed and
 * absent fields are left out, so equal records give byte-equal documents.
 * database_updated is not written: it is an observation time, not data, and
 * two responses that differ only in it are one record. */
#pragma once

#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"

/* A malloc'd document for rec, or NULL when out of memory. */
char *whois_document_write(const struct whois_record *rec);

/* Read a document back into rec, strings from arena. DN_EMALF when it is not
 * one this version writes. */
dn_status whois_document_read(const char *doc, size_t len, struct arena *arena,
                              struct whois_record *rec, struct dn_error *err);
