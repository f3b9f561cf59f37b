/* What a WHOIS text answer is when it is not a record: not found,
 * throttled, reserved or an error, recognised from the wording of its
 * lines. */
#pragma once

#include <stddef.h>

#include "util/arena.h"
#include "whois/record.h"

enum text_status_kind {
	TEXT_STATUS_THROTTLED,
	TEXT_STATUS_RESERVED,
	TEXT_STATUS_NOT_FOUND,
	TEXT_STATUS_ERROR,
	TEXT_STATUS_KIND_COUNT
};

/* The first line of each kind seen so far. */
struct text_status_scan {
	const char *first[TEXT_STATUS_KIND_COUNT];
	size_t first_len[TEXT_STATUS_KIND_COUNT];
	const char *first_text;   /* first line that is no comment, for a reason */
	size_t first_text_len;
};

void text_status_scan_init(struct text_status_scan *scan);

/* Note line (len bytes, which must stay valid until the decision) if its
 * wording marks one of the kinds. */
void text_status_scan_line(struct text_status_scan *scan, const char *line, size_t len);

/* Set rec->status and rec->reason from the scan and from what the parser
 * found: a kind applies only when the answer holds no registration data,
 * so that a disclaimer that mentions "not found" or "try again later"
 * leaves a record alone. */
void text_status_decide(const struct text_status_scan *scan, struct whois_record *rec,
                        struct arena *arena);
