/* Helpers shared by the JSON feed formats (eve, COF, SAF). */
#include "feed/json_line.h"

#include "util/timeutil.h"

#include <math.h>
#include <string.h>

dn_status json_line_load(const char *line, size_t len, size_t flags, json_t **obj,
                         struct dn_error *err)
{
	json_error_t jerr;
	*obj = json_loadb(line, len, flags, &jerr);
	if (*obj == NULL)
		return dn_fail(err, DN_EMALF, "invalid JSON at column %d: %s", jerr.column,
		               jerr.text);
	if (!json_is_object(*obj)) {
		json_decref(*obj);
		*obj = NULL;
		return dn_fail(err, DN_EMALF, "the line is JSON but not an object");
	}
	return DN_OK;
}

bool json_line_is_blank(const char *line, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			return false;
	return true;
}

bool json_line_first(const char *buf, size_t len, const char **line, size_t *line_len)
{
	static const char bom[] = "\xef\xbb\xbf";
	size_t i = 0;
	if (len >= 3 && memcmp(buf, bom, 3) == 0)
		i = 3;
	while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n'))
		i++;
	if (i == len)
		return false;
	const char *end = memchr(buf + i, '\n', len - i);
	*line = buf + i;
	*line_len = end != NULL ? (size_t)(end - (buf + i)) : len - i;
	return true;
}

bool json_line_has(const char *text, size_t len, const char *needle)
{
	return memmem(text, len, needle, strlen(needle)) != NULL;
}

/* ---- ISO 8601 ---- */

struct cursor {
	const char *p;
	const char *end;
};

static bool read_digits(struct cursor *c, int count, int *value)
{
	if (c->end - c->p < count)
		return false;
	int v = 0;
	for (int i = 0; i < count; i++) {
		char ch = c->p[i];
		if (ch < '0' || ch > '9')
			return false;
		v = v * 10 + (ch - '0');
	}
	c->p += count;
	*value = v;
	return true;
}

static bool take(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool is_leap(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

/* "Z", "+hh", "+hhmm" or "+hh:mm" (or '-'), in seconds east of UTC. */
static bool read_offset(struct cursor *c, int *offset)
{
	*offset = 0;
	if (take(c, 'Z') || take(c, 'z'))
		return true;
	int sign;
	if (take(c, '+'))
		sign = 1;
	else if (take(c, '-'))
		sign = -1;
	else
		return c->p == c->end; /* no offset: UTC */
	int hours, minutes = 0;
	if (!read_digits(c, 2, &hours))
		return false;
	if (take(c, ':')) {
		if (!read_digits(c, 2, &minutes))
			return false;
	} else if (c->p < c->end && !read_digits(c, 2, &minutes)) {
		return false;
	}
	if (hours > 23 || minutes > 59)
		return false;
	*offset = sign * (hours * 3600 + minutes * 60);
	return true;
}

bool json_time_parse_iso(const char *text, size_t len, int64_t *epoch)
{
	struct cursor c = {text, text + len};
	int year, month, day, hour = 0, minute = 0, second = 0;

	if (!read_digits(&c, 4, &year) || !take(&c, '-') || !read_digits(&c, 2, &month) ||
	    !take(&c, '-') || !read_digits(&c, 2, &day))
		return false;
	if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month))
		return false;

	if (take(&c, 'T') || take(&c, 't') || take(&c, ' ')) {
		if (!read_digits(&c, 2, &hour) || !take(&c, ':') || !read_digits(&c, 2, &minute))
			return false;
		if (take(&c, ':')) {
			if (!read_digits(&c, 2, &second))
				return false;
			if (take(&c, '.') || take(&c, ',')) {
				const char *digits = c.p;
				while (c.p < c.end && *c.p >= '0' && *c.p <= '9')
					c.p++;
				if (c.p == digits)
					return false;
			}
		}
		/* 60 is a leap second. */
		if (hour > 23 || minute > 59 || second > 60)
			return false;
	}

	int offset;
	if (!read_offset(&c, &offset) || c.p != c.end)
		return false;
	*epoch = time_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second -
	         offset;
	return true;
}

/* ---- Times and counts ---- */

/* Largest magnitude accepted from a real number: well inside int64_t, and
 * far beyond any date a passive-DNS record can carry. */
#define REAL_LIMIT 4.0e18

static bool parse_decimal(const char *text, size_t len, bool allow_sign, uint64_t *magnitude,
                          bool *negative)
{
	size_t i = 0;
	*negative = false;
	if (allow_sign && len > 0 && text[0] == '-') {
		*negative = true;
		i = 1;
	}
	if (i == len)
		return false;
	uint64_t v = 0;
	for (; i < len; i++) {
		if (text[i] < '0' || text[i] > '9')
			return false;
		unsigned digit = (unsigned)(text[i] - '0');
		if (v > (UINT64_MAX - digit) / 10)
			return false;
		v = v * 10 + digit;
	}
	*magnitude = v;
	return true;
}

bool json_time_value(const json_t *value, int64_t *epoch)
{
	if (json_is_integer(value)) {
		*epoch = json_integer_value(value);
		return true;
	}
	if (json_is_real(value)) {
		double v = json_real_value(value);
		if (!isfinite(v) || fabs(v) > REAL_LIMIT)
			return false;
		*epoch = (int64_t)floor(v);
		return true;
	}
	if (!json_is_string(value))
		return false;

	const char *text = json_string_value(value);
	size_t len = json_string_length(value);
	uint64_t magnitude;
	bool negative;
	if (parse_decimal(text, len, true, &magnitude, &negative)) {
		if (magnitude > (uint64_t)INT64_MAX)
			return false;
		*epoch = negative ? -(int64_t)magnitude : (int64_t)magnitude;
		return true;
	}
	return json_time_parse_iso(text, len, epoch);
}

bool json_count_value(const json_t *value, uint64_t *count)
{
	if (json_is_integer(value)) {
		json_int_t v = json_integer_value(value);
		if (v < 0)
			return false;
		*count = (uint64_t)v;
		return true;
	}
	if (json_is_real(value)) {
		double v = json_real_value(value);
		if (!isfinite(v) || v < 0 || v > REAL_LIMIT || v != floor(v))
			return false;
		*count = (uint64_t)v;
		return true;
	}
	if (!json_is_string(value))
		return false;
	bool negative;
	return parse_decimal(json_string_value(value), json_string_length(value), false, count,
	                     &negative);
}
