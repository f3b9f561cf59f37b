/* dragnet's JSON form of a WHOIS record, written and read with jansson. */
#include "whois/document.h"

#include <jansson.h>
#include <string.h>

#include "util/timeutil.h"

static const char *const role_keys[WHOIS_ROLE_COUNT] = {"registrant", "admin", "tech", "billing"};
static const char *const mask_names[] = {"", "redacted", "privacy"};

static int put_str(json_t *obj, const char *key, const char *value)
{
	if (value == NULL || value[0] == '\0')
		return 0;
	return json_object_set_new(obj, key, json_string(value));
}

static int put_time(json_t *obj, const char *key, int64_t t)
{
	if (t == WHOIS_TIME_UNSET)
		return 0;
	char buf[40];
	time_format_iso(t, buf, sizeof(buf));
	return json_object_set_new(obj, key, json_string(buf));
}

static int put_list(json_t *obj, const char *key, const char *const *items, size_t n)
{
	if (n == 0)
		return 0;
	json_t *arr = json_array();
	if (arr == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (items[i] != NULL && json_array_append_new(arr, json_string(items[i])) != 0) {
			json_decref(arr);
			return -1;
		}
	}
	return json_object_set_new(obj, key, arr);
}

static json_t *contact_json(const struct whois_contact *c)
{
	json_t *obj = json_object();
	if (obj == NULL)
		return NULL;
	const char *streets[WHOIS_STREET_MAX];
	size_t n_street = 0;
	for (size_t i = 0; i < WHOIS_STREET_MAX; i++) {
		if (c->street[i] != NULL && c->street[i][0] != '\0')
			streets[n_street++] = c->street[i];
	}
	int rc = put_str(obj, "id", c->id) | put_str(obj, "name", c->name) |
	         put_str(obj, "org", c->org) | put_str(obj, "email", c->email) |
	         put_str(obj, "phone", c->phone) | put_str(obj, "fax", c->fax) |
	         put_list(obj, "street", streets, n_street) | put_str(obj, "city", c->city) |
	         put_str(obj, "state", c->state) | put_str(obj, "postal_code", c->postal_code) |
	         put_str(obj, "country", c->country);
	if (c->mask != WHOIS_CLEAR)
		rc |= put_str(obj, "masked", mask_names[c->mask]);
	if (rc != 0) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}

char *whois_document_write(const struct whois_record *rec)
{
	json_t *doc = json_object();
	if (doc == NULL)
		return NULL;
	int rc = put_str(doc, "status", whois_status_name(rec->status)) |
	         put_str(doc, "domain", rec->domain) | put_str(doc, "registry_id", rec->registry_id);

	json_t *reg = json_object();
	const struct whois_registrar *r = &rec->registrar;
	rc |= reg == NULL;
	if (reg != NULL) {
		rc |= put_str(reg, "name", r->name) | put_str(reg, "iana_id", r->iana_id) |
		      put_str(reg, "whois_server", r->whois_server) | put_str(reg, "url", r->url) |
		      put_str(reg, "abuse_email", r->abuse_email) |
		      put_str(reg, "abuse_phone", r->abuse_phone);
		if (json_object_size(reg) > 0)
			rc |= json_object_set(doc, "registrar", reg);
		json_decref(reg);
	}
	rc |= put_time(doc, "created", rec->created) | put_time(doc, "updated", rec->updated) |
	      put_time(doc, "expires", rec->expires) |
	      put_list(doc, "statuses", rec->statuses, rec->n_statuses) |
	      put_list(doc, "nameservers", rec->nameservers, rec->n_nameservers) |
	      put_str(doc, "dnssec", rec->dnssec);

	json_t *contacts = json_object();
	rc |= contacts == NULL;
	for (int i = 0; contacts != NULL && i < WHOIS_ROLE_COUNT; i++) {
		if (!rec->contacts[i].present)
			continue;
		json_t *c = contact_json(&rec->contacts[i]);
		rc |= c == NULL || json_object_set_new(contacts, role_keys[i], c) != 0;
	}
	if (contacts != NULL) {
		if (json_object_size(contacts) > 0)
			rc |= json_object_set(doc, "contacts", contacts);
		json_decref(contacts);
	}
	/* database_updated is left out: it moves with every answer, and an
	 * answer that changed nothing else must give the same document. The
	 * store keeps it as the observation time instead. */
	rc |= put_str(doc, "referral_server", rec->referral_server) |
	      put_str(doc, "reason", rec->reason);

	char *out = rc == 0 ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(doc);
	return out;
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
	if (!json_is_string(v) || !time_parse(json_string_value(v), 0, &t)) {
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
