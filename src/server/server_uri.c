/* Splitting and percent-decoding of request targets, and the check of
 * query arguments against the parameters a route takes. */
#include "server/server_uri.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "util/hex.h"

/* Bytes of a path segment or name quoted in a message. */
#define SHOWN_MAX 80

enum decode_result {
	DECODE_OK,
	DECODE_BAD_ESCAPE, /* '%' not followed by two hex digits */
	DECODE_NUL,        /* %00 */
};

/* Decode the len bytes at raw into out, which has room for len + 1. On
 * failure *bad points at the '%' at fault. */
static enum decode_result percent_decode(const char *raw, size_t len, char *out,
                                         const char **bad)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (raw[i] != '%') {
			out[n++] = raw[i];
			continue;
		}
		int hi = i + 1 < len ? hex_digit_value(raw[i + 1]) : -1;
		int lo = hi >= 0 && i + 2 < len ? hex_digit_value(raw[i + 2]) : -1;
		if (hi < 0 || lo < 0) {
			*bad = raw + i;
			return DECODE_BAD_ESCAPE;
		}
		if (hi == 0 && lo == 0) {
			*bad = raw + i;
			return DECODE_NUL;
		}
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';
	return DECODE_OK;
}

/* Copy len bytes of text for a message: control bytes and non-ASCII
 * bytes become '?', and text past SHOWN_MAX bytes is cut with "...". */
static void shown(const char *text, size_t len, char *out, size_t size)
{
	size_t n = 0;
	size_t max = len < SHOWN_MAX ? len : SHOWN_MAX;
	for (; n < max && n + 4 < size; n++) {
		unsigned char c = (unsigned char)text[n];
		out[n] = c < 0x20 || c >= 0x7f ? '?' : (char)c;
	}
	if (n < len && n + 3 < size) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

/* Decode the len bytes at raw into a new string of the arena. what names
 * the text in a message ("path segment 'a%zz'"). */
static dn_status decode_into(struct server_uri *uri, const char *raw, size_t len,
                             const char *what, char **out, struct dn_error *err)
{
	char *decoded = arena_alloc(&uri->arena, len + 1);
	if (decoded == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the request target");
	const char *bad = NULL;
	enum decode_result result = percent_decode(raw, len, decoded, &bad);
	if (result == DECODE_NUL)
		return dn_fail(err, DN_EINVAL, "%s: %%00 (a NUL byte) is not allowed", what);
	if (result == DECODE_BAD_ESCAPE) {
		size_t left = len - (size_t)(bad - raw);
		char escape[8];
		shown(bad, left < 3 ? left : 3, escape, sizeof(escape));
		return dn_fail(err, DN_EINVAL,
		               "%s: invalid percent-encoding '%s' (a '%%' must start two hex "
		               "digits; send '%%' itself as %%25)",
		               what, escape);
	}
	*out = decoded;
	return DN_OK;
}

/* Decode as decode_into() does, naming the text in a message as KIND
 * 'raw' ("path segment 'a%zz'"). */
static dn_status decode_named(struct server_uri *uri, const char *kind, const char *raw,
                              size_t len, char **out, struct dn_error *err)
{
	char text[SHOWN_MAX + 4];
	shown(raw, len, text, sizeof(text));
	char what[SHOWN_MAX + 32];
	snprintf(what, sizeof(what), "%s '%s'", kind, text);
	return decode_into(uri, raw, len, what, out, err);
}

void server_uri_init(struct server_uri *uri)
{
	memset(uri, 0, sizeof(*uri));
	arena_init(&uri->arena, 2048);
	uri->path = "";
	uri->rest = "";
}

void server_uri_free(struct server_uri *uri)
{
	arena_free(&uri->arena);
	free(uri->args);
	memset(uri, 0, sizeof(*uri));
}

/* Build uri->path from the decoded segments. */
static dn_status build_path(struct server_uri *uri, struct dn_error *err)
{
	size_t size = 1;
	for (size_t i = 0; i < uri->nsegments; i++) {
		size += 1;
		for (const char *p = uri->segments[i]; *p != '\0'; p++)
			size += *p == '%' || *p == '/' ? 3 : 1;
	}
	char *path = arena_alloc(&uri->arena, size);
	if (path == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the request target");
	size_t n = 0;
	for (size_t i = 0; i < uri->nsegments; i++) {
		path[n++] = '/';
		for (const char *p = uri->segments[i]; *p != '\0'; p++) {
			if (*p == '%' || *p == '/') {
				memcpy(path + n, *p == '%' ? "%25" : "%2F", 3);
				n += 3;
			} else {
				path[n++] = *p;
			}
		}
	}
	path[n] = '\0';
	uri->path = path;
	return DN_OK;
}

dn_status server_uri_set_path(struct server_uri *uri, const char *raw, struct dn_error *err)
{
	if (raw[0] != '/') {
		char text[SHOWN_MAX + 4];
		shown(raw, strlen(raw), text, sizeof(text));
		return dn_fail(err, DN_EINVAL, "path: '%s' does not start with '/'", text);
	}
	size_t count = 1;
	for (const char *p = raw + 1; *p != '\0'; p++)
		count += *p == '/';
	const char **segments = arena_alloc(&uri->arena, count * sizeof(*segments));
	if (segments == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the request target");

	const char *start = raw + 1;
	for (size_t i = 0; i < count; i++) {
		const char *end = strchr(start, '/');
		size_t len = end != NULL ? (size_t)(end - start) : strlen(start);
		char *decoded;
		dn_status rc = decode_named(uri, "path segment", start, len, &decoded, err);
		if (rc != DN_OK)
			return rc;
		segments[i] = decoded;
		start += len + 1;
	}
	uri->segments = segments;
	uri->nsegments = count;
	return build_path(uri, err);
}

dn_status server_uri_add_arg(struct server_uri *uri, const char *raw_name, const char *raw_value,
                             struct dn_error *err)
{
	size_t name_len = strlen(raw_name);
	/* "a=1&&b=2" has an empty argument between the separators. */
	if (name_len == 0 && raw_value == NULL)
		return DN_OK;
	if (name_len == 0) {
		char text[SHOWN_MAX + 4];
		shown(raw_value, strlen(raw_value), text, sizeof(text));
		return dn_fail(err, DN_EINVAL, "query argument '=%s' has no name", text);
	}

	char *name;
	dn_status rc = decode_named(uri, "parameter name", raw_name, name_len, &name, err);
	if (rc != DN_OK)
		return rc;
	const char *value = "";
	if (raw_value != NULL) {
		char what[SHOWN_MAX + 4];
		shown(name, strlen(name), what, sizeof(what));
		char *decoded;
		rc = decode_into(uri, raw_value, strlen(raw_value), what, &decoded, err);
		if (rc != DN_OK)
			return rc;
		value = decoded;
	}

	if (uri->nargs == uri->args_cap) {
		size_t cap = uri->args_cap ? 2 * uri->args_cap : 8;
		struct server_uri_arg *grown = realloc(uri->args, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory reading the query arguments");
		uri->args = grown;
		uri->args_cap = cap;
	}
	uri->args[uri->nargs++] = (struct server_uri_arg){.name = name, .value = value};
	return DN_OK;
}

const char *server_uri_arg(const struct server_uri *uri, const char *name, size_t index)
{
	for (size_t i = 0; i < uri->nargs; i++) {
		if (strcmp(uri->args[i].name, name) != 0)
			continue;
		if (index == 0)
			return uri->args[i].value;
		index--;
	}
	return NULL;
}

dn_status server_uri_route(struct server_uri *uri, const struct server_route *route,
                           struct dn_error *err)
{
	uri->rest = "";
	uri->rest_segments = NULL;
	uri->nrest = 0;
	if (route->exact)
		return DN_OK;

	/* The prefix ends with '/', so its separators after the leading one
	 * count the segments it covers: "/static/" covers one. */
	size_t first = 0;
	for (const char *p = route->prefix + 1; *p != '\0'; p++)
		first += *p == '/';
	if (first > uri->nsegments)
		first = uri->nsegments;
	uri->rest_segments = uri->segments + first;
	uri->nrest = uri->nsegments - first;

	size_t size = 1;
	for (size_t i = 0; i < uri->nrest; i++)
		size += strlen(uri->rest_segments[i]) + 1;
	char *rest = arena_alloc(&uri->arena, size);
	if (rest == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading the request target");
	size_t n = 0;
	for (size_t i = 0; i < uri->nrest; i++) {
		if (i > 0)
			rest[n++] = '/';
		size_t len = strlen(uri->rest_segments[i]);
		memcpy(rest + n, uri->rest_segments[i], len);
		n += len;
	}
	rest[n] = '\0';
	uri->rest = rest;
	return DN_OK;
}

/* Fail with the parameters route takes, for an unknown one. */
static dn_status unknown_param(const struct server_route *route, const char *name,
                               struct dn_error *err)
{
	char list[256] = "";
	size_t len = 0;
	for (const struct server_param *p = route->params; p->name != NULL; p++) {
		int n = snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", p->name);
		if (n < 0 || (size_t)n >= sizeof(list) - len)
			break;
		len += (size_t)n;
	}
	char text[SHOWN_MAX + 4];
	shown(name, strlen(name), text, sizeof(text));
	if (len == 0)
		return dn_fail(err, DN_EINVAL, "%s: unknown parameter; %s takes none", text,
		               route->prefix);
	return dn_fail(err, DN_EINVAL, "%s: unknown parameter; %s takes %s", text, route->prefix,
	               list);
}

dn_status server_uri_check_args(const struct server_uri *uri, const struct server_route *route,
                                struct dn_error *err)
{
	if (route->params == NULL)
		return DN_OK;
	for (size_t i = 0; i < uri->nargs; i++) {
		const char *name = uri->args[i].name;
		const struct server_param *param = route->params;
		while (param->name != NULL && strcmp(param->name, name) != 0)
			param++;
		if (param->name == NULL)
			return unknown_param(route, name, err);
		if (param->repeat)
			continue;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(uri->args[j].name, name) != 0)
				continue;
			char text[SHOWN_MAX + 4];
			shown(name, strlen(name), text, sizeof(text));
			return dn_fail(err, DN_EINVAL, "%s: given more than once; give it once", text);
		}
	}
	return DN_OK;
}

/* ---- libmicrohttpd ---- */

struct arg_reader {
	struct server_uri *uri;
	struct dn_error *err;
	dn_status rc;
};

static enum MHD_Result read_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
	(void)kind;
	struct arg_reader *reader = cls;
	reader->rc = server_uri_add_arg(reader->uri, key != NULL ? key : "", value, reader->err);
	return reader->rc == DN_OK ? MHD_YES : MHD_NO;
}

dn_status server_uri_read(struct server_uri *uri, struct MHD_Connection *conn, const char *url,
                          struct dn_error *err)
{
	dn_status rc = server_uri_set_path(uri, url, err);
	if (rc != DN_OK)
		return rc;
	struct arg_reader reader = {.uri = uri, .err = err, .rc = DN_OK};
	MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, read_arg, &reader);
	return reader.rc;
}

struct header_counter {
	const char *name;
	size_t count;
};

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value)
{
	(void)kind;
	(void)value;
	struct header_counter *counter = cls;
	if (key != NULL && strcasecmp(key, counter->name) == 0)
		counter->count++;
	return MHD_YES;
}

size_t server_header_count(struct MHD_Connection *conn, const char *name)
{
	struct header_counter counter = {.name = name};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &counter);
	return counter.count;
}

struct length_reader {
	const char *first; /* the first Content-Length value, or NULL */
	bool conflict;
};

static enum MHD_Result read_length(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
	(void)kind;
	struct length_reader *reader = cls;
	if (key == NULL || strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH) != 0)
		return MHD_YES;
	if (value == NULL)
		value = "";
	if (reader->first == NULL) {
		reader->first = value;
		return MHD_YES;
	}
	char first_buf[32], value_buf[32];
	const char *first = server_header_trim(reader->first, first_buf, sizeof(first_buf));
	if (strcmp(first, server_header_trim(value, value_buf, sizeof(value_buf))) != 0) {
		reader->conflict = true;
		return MHD_NO;
	}
	return MHD_YES;
}

dn_status server_framing_check(struct MHD_Connection *conn, struct dn_error *err)
{
	struct length_reader reader = {0};
	MHD_get_connection_values(conn, MHD_HEADER_KIND, read_length, &reader);
	if (reader.conflict)
		return dn_fail(err, DN_EINVAL,
		               "Content-Length headers with different values; send one");
	if (reader.first != NULL &&
	    server_header_count(conn, MHD_HTTP_HEADER_TRANSFER_ENCODING) > 0)
		return dn_fail(err, DN_EINVAL,
		               "both Content-Length and Transfer-Encoding sent; send one of them");
	return DN_OK;
}

bool server_target_has_nul(const char *target, size_t target_len, const char *version)
{
	uintptr_t end = (uintptr_t)target + target_len;

	/* libmicrohttpd 0.9.75 ends the target by writing NUL over the space before the version,
	 * in the buffer that contains the request line. Any other gap means a NUL inside the target.
	 * A version elsewhere (another release, or no version) proves nothing. */
	if (target == NULL || version == NULL || (uintptr_t)version <= end)
		return false;
	return (uintptr_t)version != end + 1 && (uintptr_t)version - end <= SERVER_TARGET_MAX;
}

const char *server_target_control(const char *target)
{
	for (const char *p = target; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c == 0x7f)
			return p;
	}
	return NULL;
}

struct header_checker {
	const char *value_end; /* the NUL after the previous header's value, or NULL */
	const char *bad_name;
	const char *line_end;  /* the NUL after the HTTP version, or NULL */
	size_t eol;            /* NUL bytes that end a line: 1 (LF), 2 (CR LF) or 0 (unknown) */
	bool nul;
	bool space;
};

/* Widest gap, in bytes, between one header's value and the next header's
 * name that is read as a line end. A wider gap gets the one-byte check. */
#define HEADER_GAP_MAX 64

bool server_header_value_cut(const char *value_end, const char *next_name, size_t eol)
{
	if (next_name == NULL) {
		/* The last value is followed by its line end and the blank line. */
		size_t count = eol != 0 ? 2 * eol : 2;
		for (size_t i = 0; i < count; i++)
			if (value_end[i] != '\0')
				return true;
		return false;
	}
	if (next_name <= value_end || (size_t)(next_name - value_end) > HEADER_GAP_MAX)
		return value_end[1] != '\0' && value_end + 1 != next_name;
	size_t gap = (size_t)(next_name - value_end);
	for (size_t i = 0; i < gap; i++)
		if (value_end[i] != '\0')
			return true;
	return eol != 0 && gap > eol;
}

/* The number of NUL bytes between the end of the request line and the first
 * header's name: the request's line end, or 0 when they are not adjacent. */
static size_t line_end_size(const char *line_end, const char *first_name)
{
	if (line_end == NULL || first_name <= line_end || first_name - line_end > 2)
		return 0;
	for (const char *p = line_end; p < first_name; p++)
		if (*p != '\0')
			return 0;
	return (size_t)(first_name - line_end);
}

static enum MHD_Result check_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    size_t key_size, const char *value, size_t value_size)
{
	struct header_checker *checker = cls;

	if (kind != MHD_HEADER_KIND || key == NULL)
		return MHD_YES;
	if (checker->bad_name == NULL)
		checker->eol = line_end_size(checker->line_end, key);
	if (checker->value_end != NULL &&
	    server_header_value_cut(checker->value_end, key, checker->eol)) {
		checker->nul = true;
		return MHD_NO;
	}
	checker->bad_name = key;
	if (strcspn(key, " \t") != key_size) {
		checker->space = true;
		return MHD_NO;
	}
	/* An empty value may point at a string constant, so nothing after it can be read. */
	checker->value_end = value != NULL && value_size > 0 ? value + value_size : NULL;
	return MHD_YES;
}

dn_status server_headers_check(struct MHD_Connection *conn, const char *version,
                               struct dn_error *err)
{
	struct header_checker checker = {0};

	if (version != NULL)
		checker.line_end = version + strlen(version);
	MHD_get_connection_values_n(conn, MHD_HEADER_KIND, check_header, &checker);
	if (!checker.nul && !checker.space && checker.value_end != NULL &&
	    server_header_value_cut(checker.value_end, NULL, checker.eol))
		checker.nul = true;
	if (checker.nul)
		return dn_fail(err, DN_EINVAL, "a request header contains a NUL byte");
	if (checker.space) {
		char name[SHOWN_MAX + 8];
		shown(checker.bad_name, strlen(checker.bad_name), name, sizeof(name));
		return dn_fail(err, DN_EINVAL,
		               "invalid header name '%s': whitespace before the colon is not allowed",
		               name);
	}
	return DN_OK;
}

const char *server_header_trim(const char *value, char *out, size_t size)
{
	size_t len;

	if (value == NULL)
		return NULL;
	while (*value == ' ' || *value == '\t')
		value++;
	len = strlen(value);
	if (len == 0 || (value[len - 1] != ' ' && value[len - 1] != '\t'))
		return value;
	while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	if (len >= size)
		return value;
	memcpy(out, value, len);
	out[len] = '\0';
	return out;
}

size_t server_uri_keep_escapes(void *cls, struct MHD_Connection *conn, char *s)
{
	(void)cls;
	(void)conn;
	return strlen(s);
}

/* ---- handler access ---- */

const char *server_arg(const struct server_request *req, const char *name)
{
	return server_arg_at(req, name, 0);
}

const char *server_arg_at(const struct server_request *req, const char *name, size_t index)
{
	return req->uri != NULL ? server_uri_arg(req->uri, name, index) : NULL;
}
