/* Parsing a ClickHouse store location. */
#include "store/clickhouse/ch_url.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scheme[] = "clickhouse://";

void ch_mask_password(const char *text, char *out, size_t size)
{
	/* The user information ends at the last '@': a password with an '@'
	 * or '/' that was not percent-encoded is still hidden whole. */
	const char *sep = strstr(text, "://");
	const char *start = sep != NULL ? sep + 3 : NULL;
	const char *at = start != NULL ? strrchr(start, '@') : NULL;
	const char *colon = at != NULL ? memchr(start, ':', (size_t)(at - start)) : NULL;
	if (colon == NULL) {
		snprintf(out, size, "%s", text);
		return;
	}
	snprintf(out, size, "%.*s:***%s", (int)(colon - text), text, at);
}

/* Decode percent escapes of [s, s + len) into out; false when an escape is
 * broken, decodes to NUL, or out is too small. */
static bool decode(const char *s, size_t len, char *out, size_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (c == '%') {
			if (i + 2 >= len || !isxdigit((unsigned char)s[i + 1]) ||
			    !isxdigit((unsigned char)s[i + 2]))
				return false;
			char hex[3] = {s[i + 1], s[i + 2], '\0'};
			c = (char)strtol(hex, NULL, 16);
			if (c == '\0')
				return false;
			i += 2;
		}
		if (n + 1 >= size)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return true;
}

static bool is_identifier(const char *s)
{
	if (!isalpha((unsigned char)s[0]) && s[0] != '_')
		return false;
	for (const char *p = s; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			return false;
	return true;
}

static dn_status parse_int(const char *value, int lo, int hi, const char *what, int *out,
                           const struct ch_location *loc, struct dn_error *err)
{
	char *end;
	long v = strtol(value, &end, 10);
	if (value[0] == '\0' || *end != '\0' || v < lo || v > hi)
		return dn_fail(err, DN_EINVAL, "%s: %s must be a number from %d to %d, not '%s'",
		               loc->safe, what, lo, hi, value);
	*out = (int)v;
	return DN_OK;
}

static dn_status parse_host(const char *s, size_t len, struct ch_location *loc,
                            struct dn_error *err)
{
	if (loc->nhosts == CH_MAX_HOSTS)
		return dn_fail(err, DN_EINVAL, "%s: more than %d servers", loc->safe, CH_MAX_HOSTS);
	struct ch_host *h = &loc->hosts[loc->nhosts];
	const char *end = s + len;
	const char *name = s;
	const char *name_end;
	const char *port = NULL;
	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return dn_fail(err, DN_EINVAL, "%s: '[' without ']' in a server address",
			               loc->safe);
		name = s + 1;
		name_end = close;
		if (close + 1 < end) {
			if (close[1] != ':')
				return dn_fail(err, DN_EINVAL, "%s: expected ':PORT' after ']'",
				               loc->safe);
			port = close + 2;
		}
	} else {
		const char *colon = memchr(s, ':', len);
		name_end = colon != NULL ? colon : end;
		if (colon != NULL)
			port = colon + 1;
	}
	size_t name_len = (size_t)(name_end - name);
	if (name_len == 0 || name_len >= sizeof(h->name))
		return dn_fail(err, DN_EINVAL, "%s: a server address is empty or too long",
		               loc->safe);
	memcpy(h->name, name, name_len);
	h->name[name_len] = '\0';
	for (const char *p = h->name; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr(".-_:", *p) == NULL)
			return dn_fail(err, DN_EINVAL, "%s: '%s' is not a host name or address",
			               loc->safe, h->name);
	h->port = 8123;
	if (port != NULL) {
		char text[8];
		size_t plen = (size_t)(end - port);
		if (plen == 0 || plen >= sizeof(text))
			return dn_fail(err, DN_EINVAL, "%s: bad port for server %s", loc->safe,
			               h->name);
		memcpy(text, port, plen);
		text[plen] = '\0';
		dn_status rc = parse_int(text, 1, 65535, "the port", &h->port, loc, err);
		if (rc != DN_OK)
			return rc;
	}
	loc->nhosts++;
	return DN_OK;
}

static dn_status parse_param(const char *s, size_t len, struct ch_location *loc,
                             struct dn_error *err)
{
	const char *eq = memchr(s, '=', len);
	if (eq == NULL)
		return dn_fail(err, DN_EINVAL, "%s: parameter '%.*s' has no value", loc->safe,
		               (int)len, s);
	size_t klen = (size_t)(eq - s);
	char value[1024];
	if (!decode(eq + 1, len - klen - 1, value, sizeof(value)))
		return dn_fail(err, DN_EINVAL, "%s: bad escape or overlong value in '%.*s'",
		               loc->safe, (int)klen, s);
#define KEY(k) (klen == sizeof(k) - 1 && memcmp(s, k, klen) == 0)
	if (KEY("cluster")) {
		if (!is_identifier(value) || strlen(value) >= sizeof(loc->cluster))
			return dn_fail(err, DN_EINVAL,
			               "%s: cluster '%s' is not a name of letters, digits and '_'",
			               loc->safe, value);
		snprintf(loc->cluster, sizeof(loc->cluster), "%s", value);
		return DN_OK;
	}
	if (KEY("spool")) {
		if (value[0] != '/')
			return dn_fail(err, DN_EINVAL, "%s: spool must be an absolute path",
			               loc->safe);
		snprintf(loc->spool, sizeof(loc->spool), "%s", value);
		return DN_OK;
	}
	if (KEY("replicated")) {
		if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0)
			return dn_fail(err, DN_EINVAL, "%s: replicated must be 0 or 1, not '%s'",
			               loc->safe, value);
		loc->replicated = value[0] == '1';
		return DN_OK;
	}
	if (KEY("timeout"))
		return parse_int(value, 1, 86400, "timeout", &loc->timeout_s, loc, err);
	if (KEY("connect_timeout"))
		return parse_int(value, 1, 3600, "connect_timeout", &loc->connect_timeout_s, loc,
		                 err);
	if (KEY("spool_wait"))
		return parse_int(value, 0, 86400, "spool_wait", &loc->spool_wait_s, loc, err);
#undef KEY
	return dn_fail(err, DN_EINVAL,
	               "%s: unknown parameter '%.*s' (known: cluster, replicated, spool, "
	               "timeout, connect_timeout, spool_wait)",
	               loc->safe, (int)klen, s);
}

dn_status ch_location_parse(const char *text, struct ch_location *loc, struct dn_error *err)
{
	memset(loc, 0, sizeof(*loc));
	ch_mask_password(text, loc->safe, sizeof(loc->safe));
	snprintf(loc->database, sizeof(loc->database), "dragnet");
	loc->timeout_s = 300;
	loc->connect_timeout_s = 5;
	loc->spool_wait_s = 30;
	if (strncmp(text, scheme, sizeof(scheme) - 1) != 0)
		return dn_fail(err, DN_EINVAL, "%s: does not start with %s", loc->safe, scheme);

	const char *p = text + sizeof(scheme) - 1;
	const char *authority_end = p + strcspn(p, "/?");
	const char *at = memchr(p, '@', (size_t)(authority_end - p));
	if (at != NULL) {
		const char *colon = memchr(p, ':', (size_t)(at - p));
		size_t ulen = colon != NULL ? (size_t)(colon - p) : (size_t)(at - p);
		if (ulen == 0 || !decode(p, ulen, loc->user, sizeof(loc->user)))
			return dn_fail(err, DN_EINVAL, "%s: bad user name", loc->safe);
		if (colon != NULL) {
			if (!decode(colon + 1, (size_t)(at - colon - 1), loc->password,
			            sizeof(loc->password)))
				return dn_fail(err, DN_EINVAL, "%s: bad password escape or length",
				               loc->safe);
			loc->has_password = true;
		}
		p = at + 1;
	}
	if (p == authority_end)
		return dn_fail(err, DN_EINVAL, "%s: no server named", loc->safe);
	while (p < authority_end) {
		const char *comma = memchr(p, ',', (size_t)(authority_end - p));
		const char *end = comma != NULL ? comma : authority_end;
		dn_status rc = parse_host(p, (size_t)(end - p), loc, err);
		if (rc != DN_OK) {
			/* An '@' further on means the password was cut short. */
			if (strchr(authority_end, '@') != NULL) {
				size_t len = strlen(err->msg);
				snprintf(err->msg + len, sizeof(err->msg) - len,
				         " (percent-encode '@', ':', '/' and '?' in a user name or "
				         "password, as %%40, %%3A, %%2F and %%3F)");
			}
			return rc;
		}
		p = comma != NULL ? comma + 1 : authority_end;
		if (comma != NULL && p == authority_end)
			return dn_fail(err, DN_EINVAL, "%s: empty server after ','", loc->safe);
	}

	if (*p == '/') {
		p++;
		size_t dlen = strcspn(p, "?");
		if (dlen > 0) {
			if (dlen >= sizeof(loc->database))
				return dn_fail(err, DN_EINVAL, "%s: database name too long",
				               loc->safe);
			memcpy(loc->database, p, dlen);
			loc->database[dlen] = '\0';
			if (!is_identifier(loc->database))
				return dn_fail(
				        err, DN_EINVAL,
				        "%s: database '%s' is not a name of letters, digits and "
				        "'_'",
				        loc->safe, loc->database);
			if (strcmp(loc->database, "system") == 0)
				return dn_fail(
				        err, DN_EINVAL,
				        "%s: 'system' is ClickHouse's own database; name another",
				        loc->safe);
		}
		p += dlen;
	}
	if (*p == '?') {
		p++;
		while (*p != '\0') {
			size_t plen = strcspn(p, "&");
			if (plen > 0) {
				dn_status rc = parse_param(p, plen, loc, err);
				if (rc != DN_OK)
					return rc;
			}
			p += plen;
			if (*p == '&')
				p++;
		}
	}
	return DN_OK;
}

void ch_host_format(const struct ch_host *host, char *out, size_t size)
{
	bool v6 = strchr(host->name, ':') != NULL;
	snprintf(out, size, "%s%s%s:%d", v6 ? "[" : "", host->name, v6 ? "]" : "", host->port);
}
