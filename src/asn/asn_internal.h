/* Helpers shared by the ip2asn and pfx2as readers; not part of asn.h. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asn/asn.h"

/* Longest line the text readers accept, terminator excluded; a longer line
 * is reported as bad and skipped. Real ip2asn lines are under 200 bytes. */
#define ASN_LINE_MAX 4096

/* At most this many tab-separated fields are split out of one line. */
#define ASN_FIELDS_MAX 8

/* One line cut into fields: a NUL-terminated copy of the line with each
 * tab replaced by NUL. */
struct asn_line {
	char text[ASN_LINE_MAX + 1];
	char *fields[ASN_FIELDS_MAX];
	size_t nfields;  /* fields beyond ASN_FIELDS_MAX are counted, not split */
};

/* Parse one line of a text format into range; return NULL when it is a
 * record, else the reason it is bad. Strings of range point into line. */
typedef const char *(*asn_line_parse_fn)(struct asn_line *line, struct asn_range *range);

/* Run parse over every line of data that is neither blank nor a '#'
 * comment, and report records and bad lines to the callbacks. */
dn_status asn_parse_lines(const char *data, size_t len, asn_line_parse_fn parse,
                          asn_range_fn fn, asn_bad_line_fn bad, void *ctx,
                          struct asn_parse_counts *counts);

/* Parse a decimal AS number (1 to 10 digits, at most 4294967295) from
 * text[0..len); "AS" in front is allowed. */
bool asn_parse_number(const char *text, size_t len, uint32_t *asn);
