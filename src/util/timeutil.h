/* Parsing and formatting of times: UTC epoch seconds inside, ISO 8601 outside. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parse text as a point in time and store UTC epoch seconds in *out.
 * Accepted forms:
 *   - epoch seconds: "1700000000" (a leading '-' is allowed);
 *   - ISO 8601 / RFC 3339: "2024-05-01", "2024-05-01T12:00", "2024-05-01T12:00:00Z",
 *     "2024-05-01 12:00:00+02:00", fractional seconds ignored;
 *   - a relative age counted back from now: "30d", "12h", "90m", "45s", "2w", "1y"
 *     (a year is 365 days), optionally prefixed with '-';
 *   - "now" (lower case), which gives now itself.
 * Returns false, leaving *out untouched, when text matches none of them. */
bool time_parse(const char *text, int64_t now, int64_t *out);

/* Parse a duration such as "30s", "5m", "2h", "1d" (plain digits are seconds). */
bool duration_parse(const char *text, int64_t *seconds);

/* Days from 1970-01-01 to a date of the proleptic Gregorian calendar. A day
 * past the end of its month counts on into the next, as timegm() does, but
 * without timegm()'s time zone machinery (about 700 instructions a call). */
int64_t time_days_from_civil(int64_t year, int month, int day);

/* Write "2024-05-01T12:00:00Z" into buf (at least 21 bytes). */
void time_format_iso(int64_t epoch, char *buf, size_t size);

/* Wall-clock seconds since the epoch. */
int64_t time_now(void);

/* Monotonic clock in seconds, for rates and progress. */
double time_monotonic(void);
