/* dragnet's JSON form of a WHOIS record, written and read with jansson. */
#include "whois/document.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

static const char *const role_keys[WHOIS_ROLE_COUNT] = {"registrant", "admin", "tech", "billing"};
static const char *const mask_names[] = {"", "redacted", "privacy"};

/* ---- writing ----
 *
 * Documents are written by hand rather than through a jansson tree: the
 * tree cost an eighth of an import's time (bench/whois.sh). The output is
 * compact JSON with keys in a fixed order, strings escaped as RFC 8259
 * requires, and bytes that are not UTF-8 replaced by U+FFFD, so that
 * jansson reads every document back. */

struct out {
	char *buf;
	size_t len, cap;
	bool failed;
	bool first; /* no member written yet in the current object */
};

static void reserve(struct out *o, size_t more)
{
	if (o->failed || o->len + more + 1 <= o->cap)
		return;
	size_t cap = o->cap ? o->cap : 1024;
	while (cap < o->len + more + 1)
		cap *= 2;
	char *grown = realloc(o->buf, cap);
	if (grown == NULL) {
		o->failed = true;
		return;
	}
	o->buf = grown;
	o->cap = cap;
}

static void raw(struct out *o, const char *s, size_t n)
{
	reserve(o, n);
	if (o->failed)
		return;
	memcpy(o->buf + o->len, s, n);
	o->len += n;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), or 0. */
static size_t utf8_length(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Bytes that a JSON string contains unescaped: printable ASCII but '"' and '\\'.
 * NUL is not one, so a scan for other bytes stops at the string's end. */
#define ROW(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
static const bool json_plain[256] = {
	ROW(0), ROW(0),
	1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x20: '"' */
	ROW(1), ROW(1),
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* 0x50: '\\' */
	ROW(1), ROW(1),
	ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0), ROW(0),
};
#undef ROW

static void string(struct out *o, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	raw(o, "\"", 1);
	size_t run = 0; /* bytes at p[i - run .. i) to copy as they are */
	for (size_t i = 0; i < n;) {
		/* Printable ASCII other than '"' and '\\' is copied as it is;
		 * skip it in one tight loop. */
		size_t plain = i;
		while (json_plain[p[plain]])
			plain++;
		run += plain - i;
		i = plain;
		if (i == n)
			break;
		unsigned char c = p[i];
		const char *esc = NULL;
		char hex[8];
		size_t step = 1;
		if (c == '"')
			esc = "\\\"";
		else if (c == '\\')
			esc = "\\\\";
		else if (c == '\n')
			esc = "\\n";
		else if (c == '\r')
			esc = "\\r";
		else if (c == '\t')
			esc = "\\t";
		else if (c == '\b')
			esc = "\\b";
		else if (c == '\f')
			esc = "\\f";
		else if (c < 0x20) {
			snprintf(hex, sizeof(hex), "\\u%04X", c);
			esc = hex;
		} else if (c >= 0x80) {
			step = utf8_length(p + i, n - i);
			if (step == 0) {
				esc = "\xef\xbf\xbd";
				step = 1;
			}
		}
		if (esc == NULL) {
			run += step;
			i += step;
			continue;
		}
		raw(o, (const char *)p + i - run, run);
		run = 0;
		raw(o, esc, strlen(esc));
		i += step;
	}
	raw(o, (const char *)p + n - run, run);
	raw(o, "\"", 1);
}

static void key(struct out *o, const char *k)
{
	if (!o->first)
		raw(o, ",", 1);
	o->first = false;
	string(o, k);
	raw(o, ":", 1);
}

static void open_obj(struct out *o)
{
	raw(o, "{", 1);
	o->first = true;
}

static void close_obj(struct out *o)
{
	raw(o, "}", 1);
	o->first = false;
}

static void put_str(struct out *o, const char *k, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return;
	key(o, k);
	string(o, value);
}

static void put_time(struct out *o, const char *k, int64_t t)
{
	if (t == WHOIS_TIME_UNSET)
		return;
	char buf[40];
	time_format_iso(t, buf, sizeof(buf));
	put_str(o, k, buf);
}

static void put_list(struct out *o, const char *k, const char *const *items, size_t n)
{
	bool any = false;
	for (size_t i = 0; i < n; i++) {
		if (items[i] == NULL || items[i][0] == '\0')
			continue;
		if (!any)
			key(o, k);
		raw(o, any ? "," : "[", 1);
		string(o, items[i]);
		any = true;
	}
	if (any)
		raw(o, "]", 1);
}

static void put_contact(struct out *o, const char *role, const struct whois_contact *c)
{
	key(o, role);
	open_obj(o);
	put_str(o, "id", c->id);
	put_str(o, "name", c->name);
	put_str(o, "org", c->org);
	put_str(o, "email", c->email);
	put_str(o, "phone", c->phone);
	put_str(o, "fax", c->fax);
	put_list(o, "street", c->street, WHOIS_STREET_MAX);
	put_str(o, "city", c->city);
	put_str(o, "state", c->state);
	put_str(o, "postal_code", c->postal_code);
	put_str(o, "country", c->country);
	if (c->mask != WHOIS_CLEAR)
		put_str(o, "masked", mask_names[c->mask]);
	close_obj(o);
}

static bool any_str(const char *const *items, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (items[i] != NULL && items[i][0] != '\0')
			return true;
	}
	return false;
}

char *whois_document_write(const struct whois_record *rec)
{
	struct out o = {0};
	open_obj(&o);
	put_str(&o, "status", whois_status_name(rec->status));
	put_str(&o, "domain", rec->domain);
	put_str(&o, "registry_id", rec->registry_id);
	const struct whois_registrar *r = &rec->registrar;
	const char *reg[] = {r->name, r->iana_id, r->whois_server, r->url, r->abuse_email,
	                     r->abuse_phone};
	if (any_str(reg, sizeof(reg) / sizeof(reg[0]))) {
		key(&o, "registrar");
		open_obj(&o);
		put_str(&o, "name", r->name);
		put_str(&o, "iana_id", r->iana_id);
		put_str(&o, "whois_server", r->whois_server);
		put_str(&o, "url", r->url);
		put_str(&o, "abuse_email", r->abuse_email);
		put_str(&o, "abuse_phone", r->abuse_phone);
		close_obj(&o);
	}
	put_time(&o, "created", rec->created);
	put_time(&o, "updated", rec->updated);
	put_time(&o, "expires", rec->expires);
	put_list(&o, "statuses", rec->statuses, rec->n_statuses);
	put_list(&o, "nameservers", rec->nameservers, rec->n_nameservers);
	put_str(&o, "dnssec", rec->dnssec);
	bool any_contact = false;
	for (int i = 0; i < WHOIS_ROLE_COUNT; i++)
		any_contact |= rec->contacts[i].present;
	if (any_contact) {
		key(&o, "contacts");
		open_obj(&o);
		for (int i = 0; i < WHOIS_ROLE_COUNT; i++) {
			if (rec->contacts[i].present)
				put_contact(&o, role_keys[i], &rec->contacts[i]);
		}
		close_obj(&o);
	}
	/* database_updated is left out: it moves with every response, and a
	 * response that changed nothing else must give the same document. The
	 * store keeps it as the observation time instead. */
	put_str(&o, "referral_server", rec->referral_server);
	put_str(&o, "reason", rec->reason);
	close_obj(&o);
	reserve(&o, 0);
	if (o.failed) {
		free(o.buf);
		return NULL;
	}
	o.buf[o.len] = '\0';
	return o.buf;
}

/* ---- reading ---- */

struct reader {
	struct arena *arena;
	struct dn_error *err;
	dn_status rc;
};

static const char *copy_str(struct reader *rd, json_t *v, const char *key)
{
	if (!json_is_string(v)) {
		rd->rc = dn_fail(rd->err, DN_EMALF, "WHOIS document: \"%s\" is not a string", key);
		return NULL;
	}
	size_t len = json_string_length(v);
	char *copy = arena_alloc(rd->arena, len + 1);
	if (copy == NULL) {
		rd->rc = dn_fail(rd->err, DN_ENOMEM, "WHOIS document: out of memory");
		return NULL;
	}
	memcpy(copy, json_string_value(v), len);
	copy[len] = '\0';
	return copy;
}

static const char *get_str(struct reader *rd, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v != NULL ? copy_str(rd, v, key) : NULL;
}

static int64_t get_time(struct reader *rd, json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	if (v == NULL)
		return WHOIS_TIME_UNSET;
	int64_t t;
	/* Years 0 to 9999, the ones an ISO 8601 time of four digits can hold. */
	if (!json_is_string(v) || !time_parse(json_string_value(v), 0, &t) ||
	    t < -62167219200 || t > 253402300799) {
		rd->rc = dn_fail(rd->err, DN_EMALF, "WHOIS document: \"%s\" is not a time", key);
		return WHOIS_TIME_UNSET;
	}
	return t;
}

static size_t get_list(struct reader *rd, json_t *obj, const char *key, const char **items,
                       size_t max)
{
	json_t *arr = json_object_get(obj, key);
	if (arr == NULL)
		return 0;
	if (!json_is_array(arr)) {
		rd->rc = dn_fail(rd->err, DN_EMALF, "WHOIS document: \"%s\" is not a list", key);
		return 0;
	}
	size_t n = 0;
	for (size_t i = 0; i < json_array_size(arr) && n < max; i++) {
		const char *s = copy_str(rd, json_array_get(arr, i), key);
		if (s != NULL)
			items[n++] = s;
	}
	return n;
}

static void read_contact(struct reader *rd, json_t *obj, struct whois_contact *c)
{
	if (!json_is_object(obj)) {
		rd->rc = dn_fail(rd->err, DN_EMALF, "WHOIS document: a contact is not an object");
		return;
	}
	c->present = true;
	c->id = get_str(rd, obj, "id");
	c->name = get_str(rd, obj, "name");
	c->org = get_str(rd, obj, "org");
	c->email = get_str(rd, obj, "email");
	c->phone = get_str(rd, obj, "phone");
	c->fax = get_str(rd, obj, "fax");
	get_list(rd, obj, "street", c->street, WHOIS_STREET_MAX);
	c->city = get_str(rd, obj, "city");
	c->state = get_str(rd, obj, "state");
	c->postal_code = get_str(rd, obj, "postal_code");
	c->country = get_str(rd, obj, "country");
	const char *mask = get_str(rd, obj, "masked");
	c->mask = WHOIS_CLEAR;
	if (mask != NULL && strcmp(mask, "redacted") == 0)
		c->mask = WHOIS_REDACTED;
	else if (mask != NULL && strcmp(mask, "privacy") == 0)
		c->mask = WHOIS_PRIVACY;
}

dn_status whois_document_read(const char *doc, size_t len, struct arena *arena,
                              struct whois_record *rec, struct dn_error *err)
{
	json_error_t jerr;
	json_t *root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return dn_fail(err, DN_EMALF, "WHOIS document: %s at line %d column %d", jerr.text,
		               jerr.line, jerr.column);
	whois_record_init(rec);
	struct reader rd = {arena, err, DN_OK};
	if (!json_is_object(root)) {
		json_decref(root);
		return dn_fail(err, DN_EMALF, "WHOIS document: not a JSON object");
	}
	const char *status = get_str(&rd, root, "status");
	int st = status != NULL ? whois_status_parse(status) : -1;
	if (st < 0 && rd.rc == DN_OK)
		rd.rc = dn_fail(err, DN_EMALF, "WHOIS document: unknown status \"%s\"",
		                status != NULL ? status : "");
	rec->status = st < 0 ? WHOIS_ERROR : (enum whois_status)st;
	rec->domain = get_str(&rd, root, "domain");
	rec->registry_id = get_str(&rd, root, "registry_id");
	json_t *reg = json_object_get(root, "registrar");
	if (reg != NULL) {
		struct whois_registrar *r = &rec->registrar;
		r->name = get_str(&rd, reg, "name");
		r->iana_id = get_str(&rd, reg, "iana_id");
		r->whois_server = get_str(&rd, reg, "whois_server");
		r->url = get_str(&rd, reg, "url");
		r->abuse_email = get_str(&rd, reg, "abuse_email");
		r->abuse_phone = get_str(&rd, reg, "abuse_phone");
	}
	rec->created = get_time(&rd, root, "created");
	rec->updated = get_time(&rd, root, "updated");
	rec->expires = get_time(&rd, root, "expires");
	rec->n_statuses = get_list(&rd, root, "statuses", rec->statuses, WHOIS_LIST_MAX);
	rec->n_nameservers = get_list(&rd, root, "nameservers", rec->nameservers, WHOIS_LIST_MAX);
	rec->dnssec = get_str(&rd, root, "dnssec");
	json_t *contacts = json_object_get(root, "contacts");
	for (int i = 0; contacts != NULL && i < WHOIS_ROLE_COUNT; i++) {
		json_t *c = json_object_get(contacts, role_keys[i]);
		if (c != NULL)
			read_contact(&rd, c, &rec->contacts[i]);
	}
	rec->referral_server = get_str(&rd, root, "referral_server");
	rec->reason = get_str(&rd, root, "reason");
	json_decref(root);
	return rd.rc;
}
