/* Status of a WHOIS text response that is not a record (not found,
 * throttled, reserved or an error), recognised from the wording of its
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

/* Set rec->status and rec->reason from what the parser found and, when the
 * response contains no registration data, from the wording of its lines: text
 * (len bytes, lines ended by '\n' or NUL) is scanned only then, so that a
 * disclaimer that mentions "not found" or "try again later" leaves a
 * record alone and records cost no scan. */
void text_status_decide(const char *text, size_t len, struct whois_record *rec,
                        struct arena *arena);
