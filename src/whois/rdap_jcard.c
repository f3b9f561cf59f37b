/* jCard (RFC 7095) reader: checks a card's layout and picks out the
 * properties a WHOIS contact uses. */
#include "whois/rdap_jcard.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* A "pref" parameter is 1 (most preferred) to 100 (RFC 6350). A property
 * without one ranks after every property with one. */
#define PREF_NONE 101

/* adr components, in RFC 6350 order. */
enum adr_part {
	ADR_POBOX = 0,
	ADR_EXTENDED,
	ADR_STREET,
	ADR_LOCALITY,
	ADR_REGION,
	ADR_CODE,
	ADR_COUNTRY,
	ADR_PARTS
};

struct card_reader {
	struct arena *arena;
	struct rdap_vcard *out;
	bool nomem;
	int voice_pref;
	int fax_pref;
	int email_pref;
	bool have_adr;
};

/* ---- Layout check ---- */

static bool is_primitive(const json_t *v)
{
	return json_is_string(v) || json_is_number(v) || json_is_boolean(v) || json_is_null(v);
}

/* A value is a primitive, or an array of primitives and of arrays of
 * primitives (the components of a structured value). */
static bool value_is_valid(const json_t *v)
{
	if (is_primitive(v))
		return true;
	if (!json_is_array(v))
		return false;
	size_t i, j;
	const json_t *part, *item;
	json_array_foreach(v, i, part) {
		if (is_primitive(part))
			continue;
		if (!json_is_array(part))
			return false;
		json_array_foreach(part, j, item) {
			if (!is_primitive(item))
				return false;
		}
	}
	return true;
}

static dn_status check_property(const json_t *prop, size_t index, struct dn_error *err)
{
	if (!json_is_array(prop))
		return dn_fail(err, DN_EMALF, "invalid jCard: property %zu is not an array", index);
	size_t n = json_array_size(prop);
	const json_t *name = json_array_get(prop, 0);
	const char *property_name = json_is_string(name) ? json_string_value(name) : "?";
	if (n < 4)
		return dn_fail(err, DN_EMALF,
		               "invalid jCard: property %zu (\"%.40s\") has %zu members, but "
		               "RFC 7095 needs a name, parameters, a value type and a value",
		               index, property_name, n);
	if (!json_is_string(name))
		return dn_fail(err, DN_EMALF, "invalid jCard: the name of property %zu is not a string",
		               index);
	if (!json_is_object(json_array_get(prop, 1)))
		return dn_fail(err, DN_EMALF,
		               "invalid jCard: the parameters of property %zu (\"%.40s\") are not an "
		               "object",
		               index, property_name);
	if (!json_is_string(json_array_get(prop, 2)))
		return dn_fail(err, DN_EMALF,
		               "invalid jCard: the value type of property %zu (\"%.40s\") is not a "
		               "string",
		               index, property_name);
	for (size_t i = 3; i < n; i++) {
		if (!value_is_valid(json_array_get(prop, i)))
			return dn_fail(err, DN_EMALF,
			               "invalid jCard: value %zu of property %zu (\"%.40s\") is nested "
			               "deeper than a structured value",
			               i - 2, index, property_name);
	}
	return DN_OK;
}

static dn_status check_card(const json_t *card, struct dn_error *err)
{
	if (!json_is_array(card) || json_array_size(card) != 2)
		return dn_fail(err, DN_EMALF,
		               "invalid jCard: expected [\"vcard\", [properties]], got %s",
		               json_is_array(card) ? "an array of another size" : "no array");
	const json_t *tag = json_array_get(card, 0);
	if (!json_is_string(tag) || strcasecmp(json_string_value(tag), "vcard") != 0)
		return dn_fail(err, DN_EMALF, "invalid jCard: the first member is not \"vcard\"");
	const json_t *props = json_array_get(card, 1);
	if (!json_is_array(props))
		return dn_fail(err, DN_EMALF, "invalid jCard: the properties are not an array");

	size_t i;
	const json_t *prop;
	json_array_foreach(props, i, prop) {
		dn_status rc = check_property(prop, i, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

/* ---- Strings ---- */

const char *rdap_keep_trimmed(struct arena *arena, const char *s, size_t len, bool *nomem)
{
	while (len > 0 && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0)
		return NULL;
	char *copy = arena_alloc(arena, len + 1);
	if (copy == NULL) {
		*nomem = true;
		return NULL;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

static const char *keep(struct card_reader *r, const char *s, size_t len)
{
	return rdap_keep_trimmed(r->arena, s, len, &r->nomem);
}

static const char *keep_string(struct card_reader *r, const json_t *v)
{
	if (!json_is_string(v))
		return NULL;
	return keep(r, json_string_value(v), strlen(json_string_value(v)));
}

/* The strings of a value or of one structured component, joined by sep
 * and skipping empty ones; NULL when all are empty. */
static const char *keep_joined(struct card_reader *r, const json_t *v, const char *sep)
{
	if (!json_is_array(v))
		return keep_string(r, v);

	char buf[1024];
	size_t used = 0;
	size_t i;
	const json_t *part;
	json_array_foreach(v, i, part) {
		const char *s = json_is_string(part) ? json_string_value(part) : NULL;
		if (json_is_array(part)) {
			s = keep_joined(r, part, sep);
		}
		if (s == NULL)
			continue;
		while (isspace((unsigned char)*s))
			s++;
		size_t len = strlen(s);
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
		if (len == 0)
			continue;
		size_t sep_len = used > 0 ? strlen(sep) : 0;
		/* NOTE: a value longer than buf is cut at a component boundary. */
		if (used + sep_len + len >= sizeof(buf))
			break;
		memcpy(buf + used, sep, sep_len);
		memcpy(buf + used + sep_len, s, len);
		used += sep_len + len;
	}
	return keep(r, buf, used);
}

/* ---- Parameters ---- */

/* Whether the "type" parameter lists word. It may be a string, a
 * comma-separated string or an array of strings. */
static bool has_type(const json_t *params, const char *word)
{
	const json_t *type = json_object_get(params, "type");
	size_t word_len = strlen(word);
	const json_t *items[16];
	size_t n = 0;
	if (json_is_string(type)) {
		items[n++] = type;
	} else if (json_is_array(type)) {
		for (size_t i = 0; i < json_array_size(type) && n < 16; i++)
			items[n++] = json_array_get(type, i);
	}
	for (size_t i = 0; i < n; i++) {
		if (!json_is_string(items[i]))
			continue;
		const char *p = json_string_value(items[i]);
		while (*p != '\0') {
			size_t len = strcspn(p, ",");
			const char *start = p;
			size_t tlen = len;
			while (tlen > 0 && isspace((unsigned char)*start)) {
				start++;
				tlen--;
			}
			while (tlen > 0 && isspace((unsigned char)start[tlen - 1]))
				tlen--;
			if (tlen == word_len && strncasecmp(start, word, word_len) == 0)
				return true;
			p += len;
			if (*p == ',')
				p++;
		}
	}
	return false;
}

static bool has_any_type(const json_t *params)
{
	const json_t *type = json_object_get(params, "type");
	return json_is_string(type) || (json_is_array(type) && json_array_size(type) > 0);
}

static int pref_of(const json_t *params)
{
	const json_t *pref = json_object_get(params, "pref");
	long v = PREF_NONE;
	if (json_is_integer(pref)) {
		v = (long)json_integer_value(pref);
	} else if (json_is_string(pref)) {
		char *end;
		v = strtol(json_string_value(pref), &end, 10);
		if (*end != '\0' || end == json_string_value(pref))
			v = PREF_NONE;
	}
	return v >= 1 && v < PREF_NONE ? (int)v : PREF_NONE;
}

/* ---- Properties ---- */

/* "tel:+1-418-656-9254;ext=102" -> "+1-418-656-9254 ext. 102". Text
 * values are kept as written. */
static const char *keep_tel(struct card_reader *r, const json_t *value)
{
	if (!json_is_string(value))
		return NULL;
	const char *s = json_string_value(value);
	while (isspace((unsigned char)*s))
		s++;
	if (strncasecmp(s, "tel:", 4) != 0)
		return keep(r, s, strlen(s));

	s += 4;
	size_t number_len = strcspn(s, ";");
	const char *ext = NULL;
	size_t ext_len = 0;
	for (const char *p = s + number_len; *p == ';'; p += strcspn(p + 1, ";") + 1) {
		if (strncasecmp(p + 1, "ext=", 4) == 0) {
			ext = p + 5;
			ext_len = strcspn(ext, ";");
		}
	}
	if (ext == NULL || ext_len == 0)
		return keep(r, s, number_len);

	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%.*s ext. %.*s", (int)number_len, s, (int)ext_len, ext);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return keep(r, s, number_len);
	return keep(r, buf, (size_t)n);
}

static void read_tel(struct card_reader *r, const json_t *params, const json_t *value)
{
	int pref = pref_of(params);
	bool fax = has_type(params, "fax");
	bool voice = has_type(params, "voice") || !has_any_type(params);

	if (fax && pref < r->fax_pref) {
		const char *tel = keep_tel(r, value);
		if (tel != NULL) {
			r->out->fax = tel;
			r->fax_pref = pref;
		}
	}
	if (voice && pref < r->voice_pref) {
		const char *tel = keep_tel(r, value);
		if (tel != NULL) {
			r->out->voice = tel;
			r->voice_pref = pref;
		}
	}
}

static void read_email(struct card_reader *r, const json_t *params, const json_t *value)
{
	const char *email = keep_string(r, value);
	if (email == NULL)
		return;
	if (strncasecmp(email, "mailto:", 7) == 0) {
		email += 7;
		if (*email == '\0')
			return;
	}
	struct rdap_vcard *out = r->out;
	if (out->n_emails < RDAP_VCARD_EMAIL_MAX)
		out->emails[out->n_emails++] = email;
	int pref = pref_of(params);
	if (out->email == NULL || pref < r->email_pref) {
		out->email = email;
		r->email_pref = pref;
	}
}

/* Keep each non-empty line of label as a street line; lines past the
 * last street line are joined to it with ", ". */
static void read_label(struct card_reader *r, const char *label)
{
	char last[1024];
	size_t last_len = 0;
	size_t n = 0;
	const char *p = label;
	while (*p != '\0') {
		size_t len = strcspn(p, "\r\n");
		const char *line = keep(r, p, len);
		p += len;
		p += strspn(p, "\r\n");
		if (line == NULL)
			continue;
		if (n + 1 < WHOIS_STREET_MAX) {
			r->out->street[n++] = line;
			continue;
		}
		int wrote = snprintf(last + last_len, sizeof(last) - last_len, "%s%s",
		                     last_len > 0 ? ", " : "", line);
		if (wrote < 0 || (size_t)wrote >= sizeof(last) - last_len)
			break;
		last_len += (size_t)wrote;
	}
	if (last_len > 0)
		r->out->street[n] = keep(r, last, last_len);
}

static void add_street(struct card_reader *r, size_t *n, const json_t *component)
{
	const json_t *lines[16];
	size_t count = 0;
	if (json_is_array(component)) {
		for (size_t i = 0; i < json_array_size(component) && count < 16; i++)
			lines[count++] = json_array_get(component, i);
	} else {
		lines[count++] = component;
	}
	for (size_t i = 0; i < count && *n < WHOIS_STREET_MAX; i++) {
		const char *line = keep_string(r, lines[i]);
		if (line != NULL)
			r->out->street[(*n)++] = line;
	}
}

static void read_adr(struct card_reader *r, const json_t *params, const json_t *value)
{
	struct rdap_vcard *out = r->out;
	if (r->have_adr)
		return;
	r->have_adr = true;

	const json_t *parts[ADR_PARTS] = {NULL};
	if (json_is_array(value)) {
		for (size_t i = 0; i < ADR_PARTS; i++)
			parts[i] = json_array_get(value, i);
	}
	size_t n_street = 0;
	add_street(r, &n_street, parts[ADR_STREET]);
	add_street(r, &n_street, parts[ADR_EXTENDED]);
	add_street(r, &n_street, parts[ADR_POBOX]);
	out->city = keep_joined(r, parts[ADR_LOCALITY], ", ");
	out->state = keep_joined(r, parts[ADR_REGION], ", ");
	out->postal_code = keep_joined(r, parts[ADR_CODE], ", ");
	out->country = keep_string(r, json_object_get(params, "cc"));
	if (out->country == NULL)
		out->country = keep_joined(r, parts[ADR_COUNTRY], ", ");

	bool structured = n_street > 0 || out->city != NULL || out->state != NULL ||
	                  out->postal_code != NULL;
	const json_t *label = json_object_get(params, "label");
	if (!structured && json_is_string(label))
		read_label(r, json_string_value(label));
}

static void read_property(struct card_reader *r, const json_t *prop)
{
	struct rdap_vcard *out = r->out;
	const char *name = json_string_value(json_array_get(prop, 0));
	const json_t *params = json_array_get(prop, 1);
	const json_t *value = json_array_get(prop, 3);

	if (strcasecmp(name, "fn") == 0) {
		if (out->fn == NULL)
			out->fn = keep_joined(r, value, " ");
	} else if (strcasecmp(name, "org") == 0) {
		if (out->org == NULL)
			out->org = keep_joined(r, value, ", ");
	} else if (strcasecmp(name, "kind") == 0) {
		if (out->kind == NULL)
			out->kind = keep_string(r, value);
	} else if (strcasecmp(name, "email") == 0) {
		read_email(r, params, value);
	} else if (strcasecmp(name, "tel") == 0) {
		read_tel(r, params, value);
	} else if (strcasecmp(name, "url") == 0) {
		if (out->url == NULL)
			out->url = keep_string(r, value);
	} else if (strcasecmp(name, "adr") == 0) {
		read_adr(r, params, value);
	}
}

dn_status rdap_jcard_read(const json_t *card, struct arena *arena, struct rdap_vcard *out,
                          struct dn_error *err)
{
	memset(out, 0, sizeof(*out));
	dn_status rc = check_card(card, err);
	if (rc != DN_OK)
		return rc;

	struct card_reader r = {
		.arena = arena,
		.out = out,
		.voice_pref = PREF_NONE + 1,
		.fax_pref = PREF_NONE + 1,
		.email_pref = PREF_NONE + 1,
	};
	size_t i;
	const json_t *prop;
	json_array_foreach(json_array_get(card, 1), i, prop)
		read_property(&r, prop);
	if (r.nomem)
		return dn_fail(err, DN_ENOMEM, "out of memory reading a jCard");
	return DN_OK;
}
