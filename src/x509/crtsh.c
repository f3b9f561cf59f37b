/* crt.sh JSON exports to struct crtsh_entry. */
#include "x509/crtsh.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/arena.h"

/* Characters that RFC 4514 section 2.4 escapes anywhere in a value. */
static bool rfc4514_special(char c)
{
	return c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';';
}

/* One attribute parsed from crt.sh's text. */
struct dn_part {
	const char *key;
	size_t key_len;
	const char *value;
	size_t value_len;
	bool multi_next;  /* joined to the next attribute by " + " */
};

/* Split name into parts; false when it is not in the form the header
 * describes. */
static bool split_dn(const char *name, struct dn_part *parts, size_t max, size_t *count)
{
	size_t n = 0;
	const char *p = name;
	while (*p != '\0') {
		if (n == max)
			return false;
		struct dn_part *part = &parts[n++];
		part->key = p;
		while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		       (*p >= '0' && *p <= '9') || *p == '.' || *p == '-')
			p++;
		part->key_len = (size_t)(p - part->key);
		if (part->key_len == 0 || *p != '=')
			return false;
		p++;

		if (*p == '"') {
			part->value = ++p;
			const char *close = strchr(p, '"');
			if (close == NULL || memchr(p, '\\', (size_t)(close - p)) != NULL)
				return false;
			part->value_len = (size_t)(close - p);
			p = close + 1;
		} else {
			part->value = p;
			while (*p != '\0' && strncmp(p, ", ", 2) != 0 && strncmp(p, " + ", 3) != 0)
				p++;
			part->value_len = (size_t)(p - part->value);
			for (size_t i = 0; i < part->value_len; i++) {
				char c = part->value[i];
				if (rfc4514_special(c) || c == '=')
					return false;
			}
			if (part->value_len > 0 && part->value[0] == '#')
				return false;
		}
		for (size_t i = 0; i < part->value_len; i++) {
			if ((unsigned char)part->value[i] < 0x20 || part->value[i] == 0x7f)
				return false;
		}

		/* A separator must be followed by another attribute. */
		part->multi_next = false;
		if (strncmp(p, ", ", 2) == 0) {
			p += 2;
		} else if (strncmp(p, " + ", 3) == 0) {
			part->multi_next = true;
			p += 3;
		} else if (*p != '\0') {
			return false;
		} else {
			break;
		}
		if (*p == '\0')
			return false;
	}
	*count = n;
	return n > 0;
}

char *crtsh_dn_to_rfc4514(const char *name)
{
	enum { MAX_PARTS = 64 };
	struct dn_part parts[MAX_PARTS];
	size_t n;
	if (name == NULL || !split_dn(name, parts, MAX_PARTS, &n))
		return NULL;

	/* Every value byte may gain a backslash. */
	size_t len = strlen(name);
	char *out = malloc(2 * len + 2);
	if (out == NULL)
		return NULL;
	char *o = out;
	for (size_t k = n; k-- > 0;) {
		const struct dn_part *part = &parts[k];
		memcpy(o, part->key, part->key_len);
		o += part->key_len;
		*o++ = '=';
		for (size_t i = 0; i < part->value_len; i++) {
			char c = part->value[i];
			bool edge_space = c == ' ' && (i == 0 || i + 1 == part->value_len);
			if (rfc4514_special(c) || edge_space || (i == 0 && c == '#'))
				*o++ = '\\';
			*o++ = c;
		}
		/* The separator before the next part printed, which is the
		 * previous one in crt.sh's order. */
		if (k > 0)
			*o++ = parts[k - 1].multi_next ? '+' : ',';
	}
	*o = '\0';
	return out;
}

/* "2021-03-24T14:51:55" with an optional fraction, UTC. */
static bool parse_time(const char *s, int64_t *out)
{
	struct tm tm = {0};
	int consumed = 0;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
	    consumed != 19)
		return false;
	const char *rest = s + consumed;
	if (*rest == '.') {
		rest++;
		if (*rest < '0' || *rest > '9')
			return false;
		while (*rest >= '0' && *rest <= '9')
			rest++;
	}
	if (*rest == 'Z')
		rest++;
	if (*rest != '\0' || tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 ||
	    tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = (int64_t)timegm(&tm);
	return true;
}

/* Serial number to lower-case hex without leading zeros. */
static const char *normalize_serial(struct arena *arena, const char *s)
{
	size_t len = strlen(s);
	if (len == 0)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
			return NULL;
	}
	while (len > 1 && s[0] == '0')
		s++, len--;
	char *out = arena_alloc(arena, len + 1);
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < len; i++)
		out[i] = (s[i] >= 'A' && s[i] <= 'F') ? (char)(s[i] - 'A' + 'a') : s[i];
	out[len] = '\0';
	return out;
}

static dn_status get_string(const json_t *obj, const char *key, const char **out,
                            struct dn_error *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = NULL;
	if (v == NULL || json_is_null(v))
		return DN_OK;
	if (!json_is_string(v))
		return dn_fail(err, DN_EMALF, "\"%s\" is not a string", key);
	*out = json_string_value(v);
	return DN_OK;
}

static dn_status get_integer(const json_t *obj, const char *key, int64_t *out,
                             struct dn_error *err)
{
	const json_t *v = json_object_get(obj, key);
	*out = -1;
	if (v == NULL || json_is_null(v))
		return DN_OK;
	if (!json_is_integer(v))
		return dn_fail(err, DN_EMALF, "\"%s\" is not an integer", key);
	*out = (int64_t)json_integer_value(v);
	return DN_OK;
}

static dn_status get_time(const json_t *obj, const char *key, int64_t *out, struct dn_error *err)
{
	const char *s;
	*out = CRTSH_NO_TIME;
	dn_status rc = get_string(obj, key, &s, err);
	if (rc || s == NULL)
		return rc;
	if (!parse_time(s, out))
		return dn_fail(err, DN_EMALF, "\"%s\" is not a time: \"%.40s\"", key, s);
	return DN_OK;
}

static dn_status split_names(struct arena *arena, struct crtsh_entry *e)
{
	if (e->name_value == NULL)
		return DN_OK;
	size_t max = 1;
	for (const char *p = e->name_value; *p; p++)
		max += *p == '\n';
	const char **names = arena_alloc(arena, max * sizeof(*names));
	if (names == NULL)
		return DN_ENOMEM;
	size_t n = 0;
	for (const char *p = e->name_value; *p != '\0';) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		if (len > 0) {
			char *name = arena_alloc(arena, len + 1);
			if (name == NULL)
				return DN_ENOMEM;
			memcpy(name, p, len);
			name[len] = '\0';
			names[n++] = name;
		}
		p += len + (end != NULL);
	}
	e->names = names;
	e->n_names = n;
	return DN_OK;
}

static dn_status decode_entry(const json_t *obj, struct arena *arena, struct crtsh_entry *e,
                              struct dn_error *err)
{
	if (!json_is_object(obj))
		return dn_fail(err, DN_EMALF, "array element is not an object");
	const char *serial;
	dn_status rc;
	if ((rc = get_integer(obj, "id", &e->id, err)) ||
	    (rc = get_integer(obj, "issuer_ca_id", &e->issuer_ca_id, err)) ||
	    (rc = get_integer(obj, "result_count", &e->result_count, err)) ||
	    (rc = get_string(obj, "issuer_name", &e->issuer_name, err)) ||
	    (rc = get_string(obj, "common_name", &e->common_name, err)) ||
	    (rc = get_string(obj, "name_value", &e->name_value, err)) ||
	    (rc = get_string(obj, "serial_number", &serial, err)) ||
	    (rc = get_time(obj, "entry_timestamp", &e->entry_timestamp, err)) ||
	    (rc = get_time(obj, "not_before", &e->not_before, err)) ||
	    (rc = get_time(obj, "not_after", &e->not_after, err)))
		return rc;

	if (serial != NULL) {
		e->serial_number = normalize_serial(arena, serial);
		if (e->serial_number == NULL)
			return dn_fail(err, DN_EMALF, "\"serial_number\" is not hex: \"%.40s\"", serial);
	}
	if (e->issuer_name != NULL) {
		char *dn = crtsh_dn_to_rfc4514(e->issuer_name);
		if (dn != NULL) {
			e->issuer_dn = arena_dup(arena, dn, strlen(dn) + 1);
			free(dn);
			if (e->issuer_dn == NULL)
				return dn_fail(err, DN_ENOMEM, "out of memory for the issuer name");
		}
	}
	if (split_names(arena, e))
		return dn_fail(err, DN_ENOMEM, "out of memory for name_value");
	return DN_OK;
}

dn_status crtsh_parse_json(const char *json, size_t len, crtsh_entry_fn fn, void *ctx,
                           size_t *n_entries, size_t *n_bad, struct dn_error *err)
{
	size_t entries_count = 0, bad_count = 0;
	if (n_entries)
		*n_entries = 0;
	if (n_bad)
		*n_bad = 0;

	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (root == NULL)
		return dn_fail(err, DN_EMALF, "invalid JSON at line %d, column %d: %s", jerr.line,
		               jerr.column, jerr.text);
	if (!json_is_array(root)) {
		json_decref(root);
		return dn_fail(err, DN_EMALF, "crt.sh export is not a JSON array");
	}

	struct arena arena;
	arena_init(&arena, 4096);
	dn_status rc = DN_OK;
	for (size_t i = 0; rc == DN_OK && i < json_array_size(root); i++) {
		struct crtsh_entry entry = {.position = i};
		struct dn_error entry_err = {0};
		dn_status entry_rc = decode_entry(json_array_get(root, i), &arena, &entry, &entry_err);
		entries_count++;
		if (entry_rc == DN_ENOMEM) {
			rc = dn_fail(err, DN_ENOMEM, "%s", entry_err.msg);
		} else if (entry_rc) {
			struct crtsh_entry failed = {.position = i};
			bad_count++;
			rc = fn(&failed, &entry_err, ctx);
		} else {
			rc = fn(&entry, NULL, ctx);
		}
		arena_reset(&arena);
	}
	arena_free(&arena);
	json_decref(root);
	if (n_entries)
		*n_entries = entries_count;
	if (n_bad)
		*n_bad = bad_count;
	return rc;
}
