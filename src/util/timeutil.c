/* Parsing and formatting of times: UTC epoch seconds inside, ISO 8601 outside. */
#include "util/timeutil.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static bool read_digits(const char **p, int count, int *value)
{
	int v = 0;
	for (int i = 0; i < count; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += count;
	*value = v;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
	return month == 2 && leap ? 29 : days[month - 1];
}

static bool parse_iso(const char *s, int64_t *out)
{
	int year, month, day, hour = 0, minute = 0, second = 0;
	const char *p = s;

	if (!read_digits(&p, 4, &year) || *p++ != '-' || !read_digits(&p, 2, &month) ||
	    *p++ != '-' || !read_digits(&p, 2, &day))
		return false;
	/* timegm() would quietly turn 2024-02-30 into March 1. */
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;

	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!read_digits(&p, 2, &hour) || *p++ != ':' || !read_digits(&p, 2, &minute))
			return false;
		if (*p == ':') {
			p++;
			if (!read_digits(&p, 2, &second))
				return false;
			if (*p == '.' || *p == ',') {
				p++;
				if (!isdigit((unsigned char)*p))
					return false;
				while (isdigit((unsigned char)*p))
					p++;
			}
		}
		if (hour > 23 || minute > 59 || second > 60)
			return false;
	}

	int offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int sign = *p++ == '-' ? -1 : 1;
		int oh, om = 0;
		if (!read_digits(&p, 2, &oh))
			return false;
		/* "+hh", "+hhmm" or "+hh:mm" */
		bool colon = *p == ':';
		if (colon)
			p++;
		if ((colon || *p != '\0') && !read_digits(&p, 2, &om))
			return false;
		if (oh > 23 || om > 59)
			return false;
		offset = sign * (oh * 3600 + om * 60);
	}
	if (*p != '\0')
		return false;

	*out = time_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
	       offset;
	return true;
}

bool duration_parse(const char *text, int64_t *seconds)
{
	if (text == NULL || !isdigit((unsigned char)text[0]))
		return false;

	errno = 0;
	char *end;
	long long n = strtoll(text, &end, 10);
	if (errno != 0 || n < 0)
		return false;

	int64_t unit;
	switch (*end) {
	case '\0':
	case 's':
		unit = 1;
		break;
	case 'm':
		unit = 60;
		break;
	case 'h':
		unit = 3600;
		break;
	case 'd':
		unit = 86400;
		break;
	case 'w':
		unit = 7 * 86400;
		break;
	case 'y':
		unit = 365 * 86400;
		break;
	default:
		return false;
	}
	if (*end != '\0' && end[1] != '\0')
		return false;
	if (n > INT64_MAX / unit)
		return false;
	*seconds = n * unit;
	return true;
}

bool time_parse(const char *text, int64_t now, int64_t *out)
{
	if (text == NULL || *text == '\0')
		return false;
	if (strcmp(text, "now") == 0) {
		*out = now;
		return true;
	}

	/* All digits (with an optional sign): epoch seconds. */
	const char *p = text + (text[0] == '-');
	size_t digits = strspn(p, "0123456789");
	if (digits > 0 && p[digits] == '\0') {
		errno = 0;
		long long v = strtoll(text, NULL, 10);
		if (errno != 0)
			return false;
		*out = v;
		return true;
	}

	if (parse_iso(text, out))
		return true;

	int64_t age;
	if (duration_parse(p, &age) && strpbrk(p, "smhdwy") != NULL) {
		*out = now - age;
		return true;
	}
	return false;
}

int64_t time_days_from_civil(int64_t year, int month, int day)
{
	/* Years start in March, so that February's length does not matter. */
	int64_t y = month <= 2 ? year - 1 : year;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t year_of_era = y - era * 400;
	int64_t month_from_march = (month + 9) % 12;
	int64_t day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
	int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
	return era * 146097 + day_of_era - 719468;
}

void time_format_iso(int64_t epoch, char *buf, size_t size)
{
	time_t t = (time_t)epoch;
	struct tm tm;
	if (gmtime_r(&t, &tm) == NULL) {
		snprintf(buf, size, "%" PRId64, epoch);
		return;
	}
	/* Four-digit years for years below 1000 too, which strftime's %Y does
	 * not pad, so that time_parse() reads every time written here. */
	long long year = (long long)tm.tm_year + 1900;
	if (year < 0 || year > 9999 || size < sizeof("0000-00-00T00:00:00Z")) {
		snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", year, tm.tm_mon + 1,
		         tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
		return;
	}
	/* Digits by hand: snprintf() cost about 3,000 instructions a call, and
	 * a WHOIS import formats three dates a record (docs/benchmarks.md). */
	int y = (int)year;
	int parts[] = {tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
	static const char seps[] = "-T::Z";
	char *p = buf;
	*p++ = (char)('0' + y / 1000);
	*p++ = (char)('0' + y / 100 % 10);
	*p++ = (char)('0' + y / 10 % 10);
	*p++ = (char)('0' + y % 10);
	*p++ = '-';
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		*p++ = (char)('0' + parts[i] / 10 % 10);
		*p++ = (char)('0' + parts[i] % 10);
		*p++ = seps[i];
	}
	*p = '\0';
}

int64_t time_now(void)
{
	return (int64_t)time(NULL);
}

double time_monotonic(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
