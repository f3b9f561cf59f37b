/* Rendering pDNS results as a table, COF NDJSON or CSV. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "asn/table.h"
#include "pdns/record.h"

enum pdns_format {
	PDNS_FORMAT_TABLE,  /* aligned columns for people, times in ISO 8601 */
	PDNS_FORMAT_JSON,   /* one COF object per line, times as epoch seconds */
	PDNS_FORMAT_CSV,    /* RFC 4180 with a header line, times in ISO 8601 */
};

struct pdns_writer_options {
	enum pdns_format format;
	bool unicode;       /* show IDNs as U-labels (table and CSV only) */
	/* When set, A and AAAA records get the asn and as_org of their
	 * address; other records get empty cells (JSON: no keys). */
	const struct asn_table *asn;
};

struct pdns_writer;

/* Create a writer to out; NULL when out of memory. A table is buffered until
 * pdns_writer_finish() so its columns can be aligned; the other formats
 * stream. */
struct pdns_writer *pdns_writer_new(FILE *out, const struct pdns_writer_options *options);

/* Add one result; returns false when out of memory. */
bool pdns_writer_record(struct pdns_writer *w, const struct pdns_record *rec);
bool pdns_writer_negative(struct pdns_writer *w, const struct pdns_negative *neg);

/* Write what is buffered and free the writer. */
void pdns_writer_finish(struct pdns_writer *w);
