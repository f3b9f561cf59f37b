/* The streaming JSON writer of the graph writers (struct gw_json): values go
 * straight to a buffer in the layout that jansson's json_dumpf() gives a tree,
 * so a map of 10,000 nodes needs no tree of several hundred thousand JSON
 * values in memory. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>

#include "export/graph_writer_internal.h"

static void flush_buffer(struct gw_json *j)
{
	if (j->len > 0 && !j->failed && fwrite(j->buf, 1, j->len, j->c->out) != j->len) {
		j->failed = true;
		j->error = errno;
	}
	j->len = 0;
}

static void put(struct gw_json *j, const char *s, size_t len)
{
	if (len > sizeof(j->buf) - j->len) {
		flush_buffer(j);
		if (len > sizeof(j->buf)) {
			if (!j->failed && fwrite(s, 1, len, j->c->out) != len) {
				j->failed = true;
				j->error = errno;
			}
			return;
		}
	}
	memcpy(j->buf + j->len, s, len);
	j->len += len;
}

static void put_char(struct gw_json *j, char ch)
{
	if (j->len == sizeof(j->buf))
		flush_buffer(j);
	j->buf[j->len++] = ch;
}

/* A newline and depth spaces of indent. */
static void put_newline(struct gw_json *j, unsigned depth)
{
	static const char spaces[] = "                                ";
	put_char(j, '\n');
	while (depth > 0) {
		unsigned n = depth < sizeof(spaces) - 1 ? depth : (unsigned)sizeof(spaces) - 1;
		put(j, spaces, n);
		depth -= n;
	}
}

/* s as a JSON string: '"', '\\' and bytes below 0x20 escaped, with the short
 * escapes where JSON has them and \u00XX (upper-case hex) for the rest. */
static void put_string(struct gw_json *j, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	put_char(j, '"');
	const unsigned char *p = (const unsigned char *)s;
	for (;;) {
		size_t run = 0;
		while (p[run] >= 0x20 && p[run] != '"' && p[run] != '\\')
			run++;
		put(j, (const char *)p, run);
		p += run;
		if (*p == '\0')
			break;
		char esc[6] = {'\\', 0};
		size_t len = 2;
		switch (*p) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[*p >> 4];
			esc[5] = hex[*p & 0x0f];
			len = 6;
			break;
		}
		put(j, esc, len);
		p++;
	}
	put_char(j, '"');
}

/* Start a value: the separator and indent its place in the container
 * needs, then the key inside an object. */
static void begin_value(struct gw_json *j, const char *key)
{
	if (j->depth > 0) {
		if (!j->first)
			put_char(j, ',');
		put_newline(j, j->depth);
	}
	j->first = false;
	if (key != NULL) {
		put_string(j, key);
		put(j, ": ", 2);
	}
}

void gw_json_init(struct gw_json *j, struct gw_ctx *c)
{
	j->c = c;
	j->depth = 0;
	j->first = true;
	j->failed = false;
	j->error = 0;
	j->len = 0;
}

static void open_container(struct gw_json *j, const char *key, char bracket)
{
	begin_value(j, key);
	put_char(j, bracket);
	j->depth++;
	j->first = true;
}

static void close_container(struct gw_json *j, char bracket)
{
	j->depth--;
	if (!j->first)
		put_newline(j, j->depth);
	put_char(j, bracket);
	j->first = false;
}

void gw_json_object_begin(struct gw_json *j, const char *key)
{
	open_container(j, key, '{');
}

void gw_json_object_end(struct gw_json *j)
{
	close_container(j, '}');
}

void gw_json_array_begin(struct gw_json *j, const char *key)
{
	open_container(j, key, '[');
}

void gw_json_array_end(struct gw_json *j)
{
	close_container(j, ']');
}

void gw_json_string(struct gw_json *j, const char *key, const char *value)
{
	begin_value(j, key);
	if (value == NULL)
		put(j, "null", 4);
	else
		put_string(j, value);
}

void gw_json_null(struct gw_json *j, const char *key)
{
	begin_value(j, key);
	put(j, "null", 4);
}

void gw_json_bool(struct gw_json *j, const char *key, bool value)
{
	begin_value(j, key);
	if (value)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void gw_json_int(struct gw_json *j, const char *key, int64_t value)
{
	char buf[24];
	int len = snprintf(buf, sizeof(buf), "%" PRId64, value);
	begin_value(j, key);
	put(j, buf, (size_t)len);
}

/* value as jansson 2.14 writes a real: "%.17g", then ".0" when that has
 * neither a '.' nor an exponent, and the exponent without '+' or leading
 * zeros ("1e-05" becomes "1e-5"). dragnet never calls setlocale(), so the
 * decimal point is '.'. */
static size_t format_real(double value, char *buf, size_t size)
{
	int n = snprintf(buf, size, "%.17g", value);
	size_t len = n > 0 && (size_t)n < size ? (size_t)n : 0;
	if (memchr(buf, '.', len) == NULL && memchr(buf, 'e', len) == NULL && len + 2 < size) {
		memcpy(buf + len, ".0", 3);
		len += 2;
	}
	char *e = memchr(buf, 'e', len);
	if (e != NULL) {
		char *digits = e + 1;
		if (*digits == '-')
			digits++;
		char *from = e + 1;
		if (*from == '+' || *from == '-')
			from++;
		while (*from == '0' && from[1] != '\0')
			from++;
		size_t tail = (size_t)(buf + len - from);
		memmove(digits, from, tail + 1);
		len = (size_t)(digits - buf) + tail;
	}
	return len;
}

void gw_json_real(struct gw_json *j, const char *key, double value)
{
	if (!isfinite(value)) {
		gw_json_null(j, key);
		return;
	}
	char buf[64];
	size_t len = format_real(value, buf, sizeof(buf));
	begin_value(j, key);
	put(j, buf, len);
}

void gw_json_time(struct gw_json *j, const char *key, int64_t epoch)
{
	if (epoch == 0) {
		gw_json_null(j, key);
		return;
	}
	char buf[32];
	gw_json_string(j, key, gw_time(epoch, buf, sizeof(buf)));
}

dn_status gw_json_finish(struct gw_json *j, const char *format, struct dn_error *err)
{
	put_char(j, '\n');
	flush_buffer(j);
	if (j->failed)
		return dn_fail(err, DN_EIO, "writing the %s graph failed: %s", format,
		               j->error ? strerror(j->error) : "a write failed");
	return gw_finish(j->c, format, err);
}
