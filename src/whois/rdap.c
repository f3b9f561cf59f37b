/* RDAP domain responses (RFC 9083) to struct whois_record.
 *
 * The parser reads ldhName (or unicodeName, converted to an A-label),
 * handle, status (RDAP words mapped back to EPP codes), events,
 * nameservers, secureDNS, port43 and a "related" RDAP link. It also reads
 * the entities with their roles, the abuse entity nested in the registrar,
 * and the "redacted" member of RFC 9537. Error responses give a status
 * without a record, and RDAP objects of other classes are rejected as not
 * supported. Other members (notices, remarks, variants, vendor extensions)
 * are ignored. */
#include "whois/rdap.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <idn2.h>
#include <jansson.h>

#include "util/timeutil.h"
#include "whois/privacy.h"
#include "whois/rdap_jcard.h"

/* Contact fields that a "redacted" entry can name, as bits. */
enum redacted_field {
	RF_ID = 1u << 0,
	RF_NAME = 1u << 1,
	RF_ORG = 1u << 2,
	RF_STREET = 1u << 3,
	RF_CITY = 1u << 4,
	RF_STATE = 1u << 5,
	RF_POSTAL_CODE = 1u << 6,
	RF_COUNTRY = 1u << 7,
	RF_PHONE = 1u << 8,
	RF_FAX = 1u << 9,
	RF_EMAIL = 1u << 10,
};

/* Maximum length of the reason kept from an error response, in bytes. */
#define REASON_MAX 400

struct rdap_reader {
	struct arena *arena;
	struct whois_record *rec;
	struct dn_error *err;
	bool nomem;
	unsigned redacted[WHOIS_ROLE_COUNT]; /* enum redacted_field bits per role */
	bool registry_id_redacted;
	bool have_registrar;
};

/* ---- Strings ---- */

static const char *keep(struct rdap_reader *r, const char *s, size_t len)
{
	return rdap_keep_trimmed(r->arena, s, len, &r->nomem);
}

static const char *member_string(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *keep_member(struct rdap_reader *r, const json_t *obj, const char *key)
{
	const char *s = member_string(obj, key);
	return s == NULL ? NULL : keep(r, s, strlen(s));
}

static bool is_ascii(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s >= 0x80)
			return false;
	}
	return true;
}

/* A host name as a lower-case A-label without trailing dots. Non-ASCII
 * names are converted with IDNA2008 (libidn2); NULL when the name is empty
 * or cannot be converted. */
static const char *keep_host(struct rdap_reader *r, const char *name)
{
	char *ascii = NULL;
	const char *s = name;
	if (!is_ascii(name)) {
		if (idn2_to_ascii_8z(name, &ascii, IDN2_NONTRANSITIONAL | IDN2_NFC_INPUT) !=
		    IDN2_OK)
			return NULL;
		s = ascii;
	}
	size_t len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	while (len > 0 && s[len - 1] == '.')
		len--;
	char *host = (char *)keep(r, s, len);
	idn2_free(ascii);
	if (host == NULL)
		return NULL;
	for (char *p = host; *p != '\0'; p++)
		*p = (char)tolower((unsigned char)*p);
	return host;
}

/* An object's name: ldhName, or else unicodeName. */
static const char *object_host(struct rdap_reader *r, const json_t *obj)
{
	const char *ldh = member_string(obj, "ldhName");
	const char *host = ldh != NULL ? keep_host(r, ldh) : NULL;
	if (host == NULL) {
		const char *unicode = member_string(obj, "unicodeName");
		if (unicode != NULL)
			host = keep_host(r, unicode);
	}
	return host;
}

/* ---- Error responses ---- */

static bool error_code_of(const json_t *root, long *code)
{
	const json_t *v = json_object_get(root, "errorCode");
	if (json_is_integer(v)) {
		*code = (long)json_integer_value(v);
		return true;
	}
	if (json_is_string(v)) {
		char *end;
		*code = strtol(json_string_value(v), &end, 10);
		return end != json_string_value(v) && *end == '\0';
	}
	return false;
}

static void append_reason(char *buf, size_t *used, const char *text)
{
	if (text == NULL)
		return;
	while (*text != '\0' && *used + 1 < REASON_MAX) {
		if (isspace((unsigned char)*text)) {
			/* Runs of white space, line ends included, become one space. */
			if (*used > 0 && buf[*used - 1] != ' ')
				buf[(*used)++] = ' ';
			text++;
			continue;
		}
		buf[(*used)++] = *text++;
	}
}

/* "title: description lines" on one line. */
static void read_error(struct rdap_reader *r, const json_t *root, long code)
{
	struct whois_record *rec = r->rec;
	switch (code) {
	case 404:
		rec->status = WHOIS_NOT_FOUND;
		break;
	case 429:
		rec->status = WHOIS_THROTTLED;
		break;
	default:
		rec->status = WHOIS_ERROR;
		break;
	}

	char buf[REASON_MAX];
	size_t used = 0;
	append_reason(buf, &used, member_string(root, "title"));
	const json_t *description = json_object_get(root, "description");
	size_t i;
	const json_t *line;
	json_array_foreach(description, i, line) {
		if (!json_is_string(line))
			continue;
		if (used > 0)
			append_reason(buf, &used, i == 0 ? ": " : " ");
		append_reason(buf, &used, json_string_value(line));
	}
	if (used == 0)
		used = (size_t)snprintf(buf, sizeof(buf), "RDAP error %ld", code);
	rec->reason = keep(r, buf, used);
}

/* ---- Object class ---- */

/* DN_OK when root is a domain object; otherwise the error that names what
 * it is. */
static dn_status check_domain_class(const json_t *root, struct dn_error *err)
{
	const json_t *cls = json_object_get(root, "objectClassName");
	if (json_is_string(cls)) {
		if (strcasecmp(json_string_value(cls), "domain") == 0)
			return DN_OK;
		return dn_fail(err, DN_ENOTSUP,
		               "RDAP object of class \"%.60s\" is not a domain; only domain "
		               "responses are read",
		               json_string_value(cls));
	}
	if (cls != NULL)
		return dn_fail(err, DN_EMALF, "RDAP objectClassName is not a string");

	static const char *const searches[] = {"domainSearchResults", "nameserverSearchResults",
	                                       "entitySearchResults", "ipSearchResults",
	                                       "autnumSearchResults"};
	for (size_t i = 0; i < sizeof(searches) / sizeof(searches[0]); i++) {
		if (json_object_get(root, searches[i]) != NULL)
			return dn_fail(err, DN_ENOTSUP,
			               "RDAP search results (%s) are not a domain; query the "
			               "domain itself",
			               searches[i]);
	}
	if (json_object_get(root, "rdapConformance") != NULL)
		return dn_fail(err, DN_ENOTSUP,
		               "RDAP response without objectClassName (help, history or another "
		               "non-object response) is not a domain");
	return dn_fail(err, DN_EMALF,
	               "JSON object has neither objectClassName nor errorCode, so it is not "
	               "an RDAP response");
}

/* ---- Domain members ---- */

/* RDAP status words for EPP domain status codes (RFC 8056). */
static const struct {
	const char *rdap;
	const char *epp;
} status_map[] = {
	{"add period", "addPeriod"},
	{"auto renew period", "autoRenewPeriod"},
	{"client delete prohibited", "clientDeleteProhibited"},
	{"client hold", "clientHold"},
	{"client renew prohibited", "clientRenewProhibited"},
	{"client transfer prohibited", "clientTransferProhibited"},
	{"client update prohibited", "clientUpdateProhibited"},
	{"inactive", "inactive"},
	{"active", "ok"},
	{"pending create", "pendingCreate"},
	{"pending delete", "pendingDelete"},
	{"pending renew", "pendingRenew"},
	{"pending restore", "pendingRestore"},
	{"pending transfer", "pendingTransfer"},
	{"pending update", "pendingUpdate"},
	{"redemption period", "redemptionPeriod"},
	{"renew period", "renewPeriod"},
	{"server delete prohibited", "serverDeleteProhibited"},
	{"server hold", "serverHold"},
	{"server renew prohibited", "serverRenewProhibited"},
	{"server transfer prohibited", "serverTransferProhibited"},
	{"server update prohibited", "serverUpdateProhibited"},
	{"transfer period", "transferPeriod"},
};

/* Words without an EPP code ("locked", "transfer prohibited") are kept as
 * published. NOTE: statuses past WHOIS_LIST_MAX are dropped. */
static void read_statuses(struct rdap_reader *r, const json_t *root)
{
	struct whois_record *rec = r->rec;
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(root, "status"), i, v) {
		if (!json_is_string(v) || rec->n_statuses == WHOIS_LIST_MAX)
			continue;
		const char *word = keep(r, json_string_value(v), json_string_length(v));
		if (word == NULL)
			continue;
		for (size_t m = 0; m < sizeof(status_map) / sizeof(status_map[0]); m++) {
			if (strcasecmp(word, status_map[m].rdap) == 0) {
				word = status_map[m].epp;
				break;
			}
		}
		rec->statuses[rec->n_statuses++] = word;
	}
}

/* eventDate is RFC 3339. Only dates that start as one ("YYYY-") are given
 * to time_parse, which also reads epoch seconds and relative ages. */
static bool event_time(const json_t *event, int64_t *t)
{
	const char *date = member_string(event, "eventDate");
	if (date == NULL || strlen(date) < 10 || date[4] != '-')
		return false;
	return time_parse(date, 0, t);
}

/* The first event of each action counts. NOTE: an eventDate that is not
 * RFC 3339 is skipped without an error. */
static void read_events(struct rdap_reader *r, const json_t *root)
{
	static const struct {
		const char *action;
		size_t offset;
	} actions[] = {
		{"registration", offsetof(struct whois_record, created)},
		{"last changed", offsetof(struct whois_record, updated)},
		{"expiration", offsetof(struct whois_record, expires)},
		{"last update of RDAP database", offsetof(struct whois_record, database_updated)},
	};
	size_t i;
	const json_t *event;
	json_array_foreach(json_object_get(root, "events"), i, event) {
		const char *action = member_string(event, "eventAction");
		if (action == NULL)
			continue;
		for (size_t a = 0; a < sizeof(actions) / sizeof(actions[0]); a++) {
			int64_t *field = (int64_t *)((char *)r->rec + actions[a].offset);
			int64_t t;
			if (strcasecmp(action, actions[a].action) == 0 && *field == WHOIS_TIME_UNSET &&
			    event_time(event, &t))
				*field = t;
		}
	}
}

static void read_nameservers(struct rdap_reader *r, const json_t *root)
{
	struct whois_record *rec = r->rec;
	size_t i;
	const json_t *ns;
	json_array_foreach(json_object_get(root, "nameservers"), i, ns) {
		if (rec->n_nameservers == WHOIS_LIST_MAX)
			break;
		const char *host = object_host(r, ns);
		if (host == NULL)
			continue;
		bool seen = false;
		for (size_t k = 0; k < rec->n_nameservers && !seen; k++)
			seen = strcmp(rec->nameservers[k], host) == 0;
		if (!seen)
			rec->nameservers[rec->n_nameservers++] = host;
	}
}

static void read_secure_dns(struct rdap_reader *r, const json_t *root)
{
	const json_t *signed_ = json_object_get(json_object_get(root, "secureDNS"),
	                                        "delegationSigned");
	if (json_is_boolean(signed_))
		r->rec->dnssec = json_is_true(signed_) ? "signedDelegation" : "unsigned";
}

/* href of the first link with relation rel (and media type, when given). */
static const char *link_href(struct rdap_reader *r, const json_t *obj, const char *rel,
                             const char *type)
{
	size_t i;
	const json_t *link;
	json_array_foreach(json_object_get(obj, "links"), i, link) {
		const char *link_rel = member_string(link, "rel");
		const char *link_type = member_string(link, "type");
		if (link_rel == NULL || strcasecmp(link_rel, rel) != 0)
			continue;
		if (type != NULL && (link_type == NULL || strcasecmp(link_type, type) != 0))
			continue;
		const char *href = keep_member(r, link, "href");
		if (href != NULL)
			return href;
	}
	return NULL;
}

/* ---- Redaction (RFC 9537) ---- */

/* Map a redacted field name such as "Registrant Email", "Tech Phone" or
 * "Registry Tech ID" to a role and field. Returns false for names of other
 * fields. */
static bool redacted_target(const char *name, int *role, unsigned *field)
{
	static const struct {
		const char *prefix;
		int role;
	} roles[] = {
		{"Registrant ", WHOIS_REGISTRANT}, {"Administrative ", WHOIS_ADMIN},
		{"Admin ", WHOIS_ADMIN},           {"Technical ", WHOIS_TECH},
		{"Tech ", WHOIS_TECH},             {"Billing ", WHOIS_BILLING},
	};
	static const struct {
		const char *suffix;
		unsigned field;
	} fields[] = {
		{"Name", RF_NAME},         {"Organization", RF_ORG},   {"Organisation", RF_ORG},
		{"Street", RF_STREET},     {"City", RF_CITY},          {"State/Province", RF_STATE},
		{"State", RF_STATE},       {"Province", RF_STATE},     {"Postal Code", RF_POSTAL_CODE},
		{"Country", RF_COUNTRY},   {"Phone", RF_PHONE},        {"Fax", RF_FAX},
		{"Email", RF_EMAIL},       {"ID", RF_ID},
	};

	const char *rest = name;
	if (strncasecmp(rest, "Registry ", 9) == 0)
		rest += 9;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		size_t len = strlen(roles[i].prefix);
		if (strncasecmp(rest, roles[i].prefix, len) != 0)
			continue;
		for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
			if (strcasecmp(rest + len, fields[f].suffix) == 0) {
				*role = roles[i].role;
				*field = fields[f].field;
				return true;
			}
		}
		return false;
	}
	return false;
}

static void read_redacted(struct rdap_reader *r, const json_t *root)
{
	size_t i;
	const json_t *entry;
	json_array_foreach(json_object_get(root, "redacted"), i, entry) {
		const json_t *name = json_object_get(entry, "name");
		const char *text = member_string(name, "type");
		if (text == NULL)
			text = member_string(name, "description");
		if (text == NULL)
			continue;
		int role;
		unsigned field;
		if (strcasecmp(text, "Registry Domain ID") == 0)
			r->registry_id_redacted = true;
		else if (redacted_target(text, &role, &field))
			r->redacted[role] |= field;
	}
}

/* Drop the values that the "redacted" member marks as not the real data.
 * Removed or emptied values are absent anyway, and partial or replacement
 * values (a web form instead of an email address) identify no one. */
static void apply_redacted(struct rdap_reader *r)
{
	struct whois_record *rec = r->rec;
	if (r->registry_id_redacted)
		rec->registry_id = NULL;
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++) {
		struct whois_contact *c = &rec->contacts[role];
		unsigned bits = r->redacted[role];
		if (bits & RF_ID)
			c->id = NULL;
		if (bits & RF_NAME)
			c->name = NULL;
		if (bits & RF_ORG)
			c->org = NULL;
		if (bits & RF_STREET)
			memset(c->street, 0, sizeof(c->street));
		if (bits & RF_CITY)
			c->city = NULL;
		if (bits & RF_STATE)
			c->state = NULL;
		if (bits & RF_POSTAL_CODE)
			c->postal_code = NULL;
		if (bits & RF_COUNTRY)
			c->country = NULL;
		if (bits & RF_PHONE)
			c->phone = NULL;
		if (bits & RF_FAX)
			c->fax = NULL;
		if (bits & RF_EMAIL)
			c->email = NULL;
	}
}

/* ---- Entities ---- */

/* Read the card of entity (when it has one) into card. An invalid card
 * fails the whole response, with the entity's handle in the message. */
static dn_status read_card(struct rdap_reader *r, const json_t *entity, struct rdap_vcard *card)
{
	memset(card, 0, sizeof(*card));
	const json_t *vcard = json_object_get(entity, "vcardArray");
	if (vcard == NULL)
		return DN_OK;

	struct dn_error inner;
	dn_status rc = rdap_jcard_read(vcard, r->arena, card, &inner);
	if (rc == DN_OK)
		return DN_OK;
	const char *handle = member_string(entity, "handle");
	return dn_fail(r->err, rc, "entity \"%.60s\": %s", handle != NULL ? handle : "",
	               inner.msg);
}

static bool has_role(const json_t *entity, const char *role)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(entity, "roles"), i, v) {
		if (json_is_string(v) && strcasecmp(json_string_value(v), role) == 0)
			return true;
	}
	return false;
}

static void fill_contact(struct rdap_reader *r, const json_t *entity,
                         const struct rdap_vcard *card, struct whois_contact *c)
{
	c->present = true;
	c->id = keep_member(r, entity, "handle");
	c->name = card->fn;
	c->org = card->org;
	c->email = card->email;
	c->phone = card->voice;
	c->fax = card->fax;
	memcpy(c->street, card->street, sizeof(c->street));
	c->city = card->city;
	c->state = card->state;
	c->postal_code = card->postal_code;
	c->country = card->country;
}

static const char *iana_registrar_id(struct rdap_reader *r, const json_t *entity)
{
	size_t i;
	const json_t *id;
	json_array_foreach(json_object_get(entity, "publicIds"), i, id) {
		const char *type = member_string(id, "type");
		if (type != NULL && strcasecmp(type, "IANA Registrar ID") == 0)
			return keep_member(r, id, "identifier");
	}
	return NULL;
}

static dn_status fill_registrar(struct rdap_reader *r, const json_t *entity,
                                const struct rdap_vcard *card)
{
	struct whois_registrar *reg = &r->rec->registrar;
	r->have_registrar = true;
	reg->name = card->fn != NULL ? card->fn : card->org;
	reg->iana_id = iana_registrar_id(r, entity);
	reg->whois_server = keep_member(r, entity, "port43");
	reg->url = card->url != NULL ? card->url : link_href(r, entity, "about", NULL);

	size_t i;
	const json_t *nested;
	json_array_foreach(json_object_get(entity, "entities"), i, nested) {
		struct rdap_vcard abuse;
		dn_status rc = read_card(r, nested, &abuse);
		if (rc != DN_OK)
			return rc;
		if (!has_role(nested, "abuse") || reg->abuse_email != NULL || reg->abuse_phone != NULL)
			continue;
		reg->abuse_email = abuse.email;
		reg->abuse_phone = abuse.voice;
	}
	return DN_OK;
}

/* Fill each still absent contact whose role entity has. */
static void fill_contacts(struct rdap_reader *r, const json_t *entity,
                          const struct rdap_vcard *card)
{
	static const struct {
		const char *role;
		enum whois_role contact;
	} contact_roles[] = {
		{"registrant", WHOIS_REGISTRANT},
		{"administrative", WHOIS_ADMIN},
		{"technical", WHOIS_TECH},
		{"billing", WHOIS_BILLING},
	};
	for (size_t k = 0; k < sizeof(contact_roles) / sizeof(contact_roles[0]); k++) {
		struct whois_contact *c = &r->rec->contacts[contact_roles[k].contact];
		if (!c->present && has_role(entity, contact_roles[k].role))
			fill_contact(r, entity, card, c);
	}
}

/* Contacts come from the domain's own entities first. RIR servers nest the
 * administrative and technical contacts inside the registrant, so a role
 * still absent afterwards is taken from the entities nested one level down
 * (except under the registrar, whose nested entities are its own). */
static dn_status read_entities(struct rdap_reader *r, const json_t *root)
{
	const json_t *entities = json_object_get(root, "entities");
	size_t i;
	const json_t *entity;
	json_array_foreach(entities, i, entity) {
		if (!json_is_object(entity))
			continue;
		struct rdap_vcard card;
		dn_status rc = read_card(r, entity, &card);
		if (rc != DN_OK)
			return rc;
		fill_contacts(r, entity, &card);
		if (!r->have_registrar && has_role(entity, "registrar")) {
			rc = fill_registrar(r, entity, &card);
			if (rc != DN_OK)
				return rc;
		}
	}

	json_array_foreach(entities, i, entity) {
		if (!json_is_object(entity) || has_role(entity, "registrar"))
			continue;
		size_t k;
		const json_t *nested;
		json_array_foreach(json_object_get(entity, "entities"), k, nested) {
			if (!json_is_object(nested))
				continue;
			struct rdap_vcard card;
			dn_status rc = read_card(r, nested, &card);
			if (rc != DN_OK)
				return rc;
			fill_contacts(r, nested, &card);
		}
	}
	return DN_OK;
}

/* ---- Domain ---- */

static dn_status read_domain(struct rdap_reader *r, const json_t *root)
{
	struct whois_record *rec = r->rec;
	rec->status = WHOIS_FOUND;

	const char *ldh = member_string(root, "ldhName");
	const char *unicode = member_string(root, "unicodeName");
	rec->domain = object_host(r, root);
	if (rec->domain == NULL && (ldh != NULL || unicode != NULL) && !r->nomem)
		return dn_fail(r->err, DN_EMALF,
		               "RDAP domain name \"%.100s\" is not a valid host name (IDNA2008)",
		               ldh != NULL ? ldh : unicode);

	rec->registry_id = keep_member(r, root, "handle");
	read_statuses(r, root);
	read_events(r, root);
	read_nameservers(r, root);
	read_secure_dns(r, root);
	read_redacted(r, root);

	dn_status rc = read_entities(r, root);
	if (rc != DN_OK)
		return rc;
	if (rec->registrar.whois_server == NULL)
		rec->registrar.whois_server = keep_member(r, root, "port43");
	rec->referral_server = link_href(r, root, "related", "application/rdap+json");
	apply_redacted(r);
	return DN_OK;
}

dn_status whois_parse_rdap(const char *json, size_t len, struct arena *arena,
                           struct whois_record *rec, struct dn_error *err)
{
	whois_record_init(rec);

	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	if (root == NULL)
		return dn_fail(err, DN_EMALF, "invalid JSON at line %d, column %d: %s", jerr.line,
		               jerr.column, jerr.text);
	if (!json_is_object(root)) {
		json_decref(root);
		return dn_fail(err, DN_EMALF, "RDAP response is a JSON array, not an object");
	}

	struct rdap_reader r = {.arena = arena, .rec = rec, .err = err};
	dn_status rc = DN_OK;
	long code;
	if (error_code_of(root, &code)) {
		read_error(&r, root, code);
	} else {
		rc = check_domain_class(root, err);
		if (rc == DN_OK)
			rc = read_domain(&r, root);
	}
	json_decref(root);

	if (rc == DN_OK && r.nomem)
		rc = dn_fail(err, DN_ENOMEM, "out of memory reading an RDAP response");
	if (rc != DN_OK) {
		/* Leave no half-read record behind. */
		whois_record_init(rec);
		return rc;
	}
	whois_mark_masked(rec);
	return DN_OK;
}
