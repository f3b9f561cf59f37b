/* Dates as WHOIS servers write them, to UTC epoch seconds. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* Parse the date (and time and zone, when given) at the start of text and
 * store UTC epoch seconds in *out. Read forms include ISO 8601 with or
 * without zone ("2019-08-12T10:52:01-0700", "2019-08-12 17:52:01.5Z"),
 * "2019.08.12", "2019/08/12 01:05:09 (JST)", "2019. 08. 12.", "20190812",
 * "12-Aug-2019", "12 August 2019", "22nd August 2003", "Aug 12 2019",
 * "Mon Aug 12 17:52:01 PDT 2019", "12.08.2019", "12/08/2019",
 * "before Aug-1996" (the first of the month) and two-digit years
 * ("12-APR-99", read as 1970 to 2069). An all-numeric date that starts
 * with the day or month ("12/08/2019") is read day first unless month_first
 * is set, and either way a number above 12 is taken as the day. A time
 * without zone is UTC, and so is a zone abbreviation this function does not
 * know. Text after the date is
 * ignored. Returns false, leaving *out untouched, when text starts with no
 * valid date. Reads no locale and keeps no state. */
bool whois_date_parse(const char *text, bool month_first, int64_t *out);
