/* One WHOIS or RDAP response of either kind: the format is detected from the content
 * (RDAP is a JSON object; anything else is WHOIS text). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/status.h"
#include "whois/record.h"
#include "whois/text.h"

enum whois_format {
	WHOIS_FORMAT_AUTO = 0,
	WHOIS_FORMAT_TEXT,
	WHOIS_FORMAT_RDAP,
};

/* "text", "rdap". */
const char *whois_format_name(enum whois_format format);

/* Parse buf as format, or as what its content looks like when format is
 * WHOIS_FORMAT_AUTO; *used is the format that was applied. A record that
 * gives no domain takes hints->domain. Returns what the parser returned. */
dn_status whois_parse_response(const char *buf, size_t len, enum whois_format format,
                               const struct whois_text_hints *hints, struct arena *arena,
                               struct whois_record *rec, enum whois_format *used,
                               struct dn_error *err);

/* Write the lower-case A-label of name, without a trailing dot, as records
 * store it: "Bücher.Example." -> "xn--bcher-kva.example". False when name
 * is not a domain name or does not fit in size bytes. */
bool whois_domain_key(const char *name, char *out, size_t size);
