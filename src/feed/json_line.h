/* Helpers shared by the JSON feed formats (eve, COF, SAF): loading one line
 * as a JSON object, and reading times and counts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/status.h"

/* Parse line as one JSON object into *obj, which the caller releases with
 * json_decref(). flags are jansson decoding flags (JSON_ALLOW_NUL,
 * JSON_REJECT_DUPLICATES). Returns DN_EMALF, with the parser's message and
 * column in err, when the line is not valid JSON or not an object. */
dn_status json_line_load(const char *line, size_t len, size_t flags, json_t **obj,
                         struct dn_error *err);

/* True when the line holds only spaces and tabs. */
bool json_line_is_blank(const char *line, size_t len);

/* Find the first line in buf that holds more than white space, after a
 * UTF-8 byte order mark. *line points at its first non-blank byte and
 * *line_len runs to the line end or, for a line cut off by the end of buf,
 * to the end of buf. Returns false when there is no such line. */
bool json_line_first(const char *buf, size_t len, const char **line, size_t *line_len);

/* True when the text of len bytes contains needle. */
bool json_line_has(const char *text, size_t len, const char *needle);

/* Parse an ISO 8601 / RFC 3339 time of len bytes into UTC epoch seconds:
 * "2024-05-01", "2024-05-01T12:00", "2024-05-01T12:00:00Z",
 * "2017-01-30T16:12:26.985026+0100", "2024-05-01 12:00:00+02:00". A time
 * without an offset is UTC; fractions of a second are dropped. Returns false
 * for anything else, including trailing text and impossible dates. */
bool json_time_parse_iso(const char *text, size_t len, int64_t *epoch);

/* Read a time given as epoch seconds (a JSON integer, a real number, or a
 * string of digits) or as an ISO 8601 string. Returns false when value has
 * none of these forms or is out of range. */
bool json_time_value(const json_t *value, int64_t *epoch);

/* Read a count given as a JSON integer, an integral real number or a string
 * of digits. Returns false for other forms, negative values and values
 * above UINT64_MAX. */
bool json_count_value(const json_t *value, uint64_t *count);
