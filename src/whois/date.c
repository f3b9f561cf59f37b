/* Dates as WHOIS servers write them, to UTC epoch seconds.
 *
 * The text is read as a sequence of tokens (numbers, words, times, zone
 * offsets) and the date is recognised from the order of the first few:
 * year first, day first, month name first or compact YYYYMMDD. */
#include "whois/date.h"

#include "util/timeutil.h"

#include <stddef.h>
#include <string.h>
#include <time.h>

struct date_cursor {
	const char *p;
};

struct date_parts {
	int year, month, day;
	int hour, minute, second;
	long offset;       /* seconds east of UTC */
	bool have_time;
};

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Skip spaces and the punctuation that separates date fields. */
static void skip_separators(struct date_cursor *cur)
{
	while (*cur->p == ' ' || *cur->p == '\t' || *cur->p == '-' || *cur->p == '/' ||
	       *cur->p == '.' || *cur->p == ',')
		cur->p++;
}

static void skip_spaces(struct date_cursor *cur)
{
	while (*cur->p == ' ' || *cur->p == '\t')
		cur->p++;
}

/* Read up to max digits; *digits gets how many were read. */
static bool read_number(struct date_cursor *cur, int max, int *value, int *digits)
{
	int v = 0, n = 0;
	while (is_digit(cur->p[n]) && n < max) {
		v = v * 10 + (cur->p[n] - '0');
		n++;
	}
	if (n == 0 || is_digit(cur->p[n]))
		return false;
	cur->p += n;
	*value = v;
	*digits = n;
	return true;
}

/* Length of the word at p (letters only). */
static size_t word_length(const char *p)
{
	size_t n = 0;
	while (is_alpha(p[n]))
		n++;
	return n;
}

static bool word_is(const char *p, size_t len, const char *word)
{
	if (strlen(word) != len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (lower(p[i]) != word[i])
			return false;
	}
	return true;
}

/* English month names and their three-letter forms ("sept" too); 0 if none. */
static int month_number(const char *p, size_t len)
{
	static const char *const names[12] = {
		"january", "february", "march",     "april",   "may",      "june",
		"july",    "august",   "september", "october", "november", "december",
	};
	if (len < 3)
		return 0;
	for (int m = 0; m < 12; m++) {
		if (len > strlen(names[m]))
			continue;
		bool match = true;
		for (size_t i = 0; i < len && match; i++)
			match = lower(p[i]) == names[m][i];
		/* Abbreviations are the first three letters, or "sept". */
		if (match && (len == 3 || len == strlen(names[m]) || (m == 8 && len == 4)))
			return m + 1;
	}
	return 0;
}

static bool read_month_name(struct date_cursor *cur, int *month)
{
	size_t len = word_length(cur->p);
	int m = month_number(cur->p, len);
	if (m == 0)
		return false;
	cur->p += len;
	*month = m;
	return true;
}

static bool skip_weekday(struct date_cursor *cur)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun",
	                                   "monday", "tuesday", "wednesday", "thursday",
	                                   "friday", "saturday", "sunday"};
	size_t len = word_length(cur->p);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++) {
		if (word_is(cur->p, len, days[i])) {
			cur->p += len;
			if (*cur->p == ',')
				cur->p++;
			return true;
		}
	}
	return false;
}

/* "12nd", "1st", "3rd", "4th" after a day number. */
static void skip_ordinal(struct date_cursor *cur)
{
	size_t len = word_length(cur->p);
	if (len == 2 && (word_is(cur->p, 2, "st") || word_is(cur->p, 2, "nd") ||
	                 word_is(cur->p, 2, "rd") || word_is(cur->p, 2, "th")))
		cur->p += 2;
}

/* hh:mm[:ss[.fraction]] */
static bool read_time(struct date_cursor *cur, struct date_parts *d)
{
	struct date_cursor at = *cur;
	int digits;
	if (!read_number(&at, 2, &d->hour, &digits) || *at.p != ':')
		return false;
	at.p++;
	if (!read_number(&at, 2, &d->minute, &digits) || digits != 2)
		return false;
	if (*at.p == ':' && is_digit(at.p[1])) {
		at.p++;
		if (!read_number(&at, 2, &d->second, &digits) || digits != 2)
			return false;
		if ((*at.p == '.' || *at.p == ',') && is_digit(at.p[1])) {
			at.p++;
			while (is_digit(*at.p))
				at.p++;
		}
	}
	*cur = at;
	return true;
}

/* "+hh", "+hhmm", "+hh:mm", "+h:mm" after a time or zone name. */
static bool read_offset(struct date_cursor *cur, long *offset)
{
	const char *p = cur->p;
	if (*p != '+' && *p != '-')
		return false;
	int sign = *p == '-' ? -1 : 1;
	p++;
	int hours = 0, minutes = 0, n = 0;
	while (is_digit(p[n]) && n < 4)
		n++;
	if (n == 0 || is_digit(p[n]))
		return false;
	if (n <= 2) {
		for (int i = 0; i < n; i++)
			hours = hours * 10 + (p[i] - '0');
		p += n;
		if (*p == ':' && is_digit(p[1]) && is_digit(p[2])) {
			minutes = (p[1] - '0') * 10 + (p[2] - '0');
			p += 3;
		}
	} else if (n == 4) {
		hours = (p[0] - '0') * 10 + (p[1] - '0');
		minutes = (p[2] - '0') * 10 + (p[3] - '0');
		p += 4;
	} else {
		return false;
	}
	if (hours > 14 || minutes > 59)
		return false;
	*offset = sign * (hours * 3600L + minutes * 60L);
	cur->p = p;
	return true;
}

/* Zone abbreviations seen in WHOIS responses, with their offsets. Ambiguous
 * ones ("CST", "IST") are left out and so read as UTC. */
static bool zone_offset(const char *p, size_t len, long *offset)
{
	static const struct {
		const char *name;
		long hours_x4; /* offset in quarter hours */
	} zones[] = {
		{"utc", 0},   {"gmt", 0},   {"z", 0},     {"ut", 0},     {"wet", 0},
		{"bst", 4},   {"cet", 4},   {"met", 4},   {"cest", 8},   {"mest", 8},
		{"eet", 8},   {"eest", 12}, {"msk", 12},  {"jst", 36},   {"kst", 36},
		{"hkt", 32},  {"sgt", 32},  {"awst", 32}, {"aest", 40},  {"aedt", 44},
		{"nzst", 48}, {"nzdt", 52}, {"est", -20}, {"edt", -16},  {"cdt", -20},
		{"mst", -28}, {"mdt", -24}, {"pst", -32}, {"pdt", -28},  {"clt", -16},
		{"clst", -12}, {"brt", -12}, {"art", -12}, {"eat", 12},  {"cat", 8},
		{"wat", 4},
	};
	for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
		if (word_is(p, len, zones[i].name)) {
			*offset = zones[i].hours_x4 * 900L;
			return true;
		}
	}
	return false;
}

/* An optional zone after the time: "Z", "+0700", "UTC", "UTC+9", "(JST)",
 * "(GMT+8:00)". Unknown words leave the offset at zero. */
static void read_zone(struct date_cursor *cur, struct date_parts *d)
{
	skip_spaces(cur);
	if (read_offset(cur, &d->offset))
		return;
	bool paren = *cur->p == '(';
	struct date_cursor at = {cur->p + paren};
	size_t len = word_length(at.p);
	long offset = 0;
	if (len == 0 || !zone_offset(at.p, len, &offset))
		return;
	at.p += len;
	long extra = 0;
	if (read_offset(&at, &extra))
		offset += extra;
	if (paren && *at.p == ')')
		at.p++;
	d->offset = offset;
	*cur = at;
}

static bool read_clock(struct date_cursor *cur, struct date_parts *d)
{
	struct date_cursor at = *cur;
	if (*at.p == 'T' || *at.p == 't')
		at.p++;
	else
		skip_spaces(&at);
	if (!read_time(&at, d))
		return false;
	*cur = at;
	d->have_time = true;
	read_zone(cur, d);
	return true;
}

static int two_digit_year(int year)
{
	return year < 70 ? 2000 + year : 1900 + year;
}

/* Year first: "2019-08-12", "2019.08.12", "2019/08/12", "2019. 08. 12.",
 * "2019-Aug-12", "2019-08" (first of the month). */
static bool read_year_first(struct date_cursor *cur, struct date_parts *d)
{
	int digits;
	skip_separators(cur);
	if (!read_number(cur, 2, &d->month, &digits) && !read_month_name(cur, &d->month))
		return false;
	struct date_cursor at = *cur;
	skip_separators(&at);
	if (read_number(&at, 2, &d->day, &digits))
		*cur = at;
	else
		d->day = 1;
	return true;
}

/* Day first: "12-Aug-2019", "12 August 2019", "12.08.2019", "12/08/19". */
static bool read_day_first(struct date_cursor *cur, int first, bool month_first,
                           struct date_parts *d)
{
	int second, digits;
	skip_ordinal(cur);
	skip_separators(cur);
	bool named = read_month_name(cur, &second);
	if (!named && !read_number(cur, 2, &second, &digits))
		return false;
	skip_separators(cur);
	if (!read_number(cur, 4, &d->year, &digits) || digits == 1 || digits == 3)
		return false;
	if (digits == 2)
		d->year = two_digit_year(d->year);
	if (named || (!month_first && first <= 31 && second <= 12) || first > 12) {
		d->day = first;
		d->month = second;
	} else {
		d->month = first;
		d->day = second;
	}
	return true;
}

/* Month name first: "Aug 12 2019", "August 12, 2019", "Aug-1996",
 * "Aug 12 17:52:01 PDT 2019" (the ctime order). */
static bool read_month_first(struct date_cursor *cur, struct date_parts *d)
{
	int number, digits;
	skip_separators(cur);
	if (!read_number(cur, 4, &number, &digits))
		return false;
	if (digits == 4) {
		d->year = number;
		d->day = 1;
		return true;
	}
	d->day = number;
	skip_ordinal(cur);
	skip_separators(cur);
	struct date_cursor at = *cur;
	if (read_clock(&at, d)) {
		skip_spaces(&at);
		if (!read_number(&at, 4, &d->year, &digits) || digits != 4)
			return false;
		*cur = at;
		return true;
	}
	if (!read_number(cur, 4, &d->year, &digits) || digits != 4)
		return false;
	return true;
}

static bool read_date(struct date_cursor *cur, bool month_first, struct date_parts *d)
{
	int number, digits;
	if (read_month_name(cur, &d->month))
		return read_month_first(cur, d);
	if (!read_number(cur, 8, &number, &digits))
		return false;
	if (digits == 8) {
		d->year = number / 10000;
		d->month = number / 100 % 100;
		d->day = number % 100;
		return true;
	}
	if (digits == 4) {
		d->year = number;
		return read_year_first(cur, d);
	}
	if (digits <= 2)
		return read_day_first(cur, number, month_first, d);
	return false;
}

static bool leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static bool valid_parts(const struct date_parts *d)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (d->year < 1000 || d->year > 9999 || d->month < 1 || d->month > 12 || d->day < 1)
		return false;
	if (d->day > days[d->month - 1] || (d->month == 2 && d->day == 29 && !leap_year(d->year)))
		return false;
	return d->hour < 24 && d->minute < 60 && d->second <= 60;
}

bool whois_date_parse(const char *text, bool month_first, int64_t *out)
{
	if (text == NULL)
		return false;
	struct date_cursor cur = {text};
	struct date_parts d = {0};

	skip_spaces(&cur);
	size_t len = word_length(cur.p);
	if (word_is(cur.p, len, "before")) {
		cur.p += len;
		skip_spaces(&cur);
	}
	if (skip_weekday(&cur))
		skip_spaces(&cur);
	if (!read_date(&cur, month_first, &d))
		return false;
	if (!d.have_time) {
		skip_separators(&cur);
		read_clock(&cur, &d);
	}
	if (!valid_parts(&d))
		return false;

	*out = time_days_from_civil(d.year, d.month, d.day) * 86400 + (int64_t)d.hour * 3600 +
	       (int64_t)d.minute * 60 + d.second - d.offset;
	return true;
}
