/* The index values of a WHOIS record: contact values normalised into keys,
 * plus the registrar and the nameservers. */
#include "whois/index.h"

#include <string.h>

/* One object per kind, so that equal kinds compare as equal pointers. */
static const char kind_email[] = "email";
static const char kind_phone[] = "phone";
static const char kind_name[] = "name";
static const char kind_org[] = "org";
static const char kind_address[] = "address";
static const char kind_registrar[] = "registrar";
static const char kind_nameserver[] = "nameserver";

struct collector {
	struct whois_index_entry *out;
	size_t max;
	size_t n;
};

static void add(struct collector *c, const char *kind, const char *role, const char *key,
                const char *shown, bool masked)
{
	if (key[0] == '\0')
		return;
	size_t seen = c->n < c->max ? c->n : c->max;
	for (size_t i = 0; i < seen; i++) {
		const struct whois_index_entry *e = &c->out[i];
		/* A contact value is indexed once a record, under the first
		 * role that gives it (registrant, admin, tech, billing): most
		 * records copy one contact into several roles, and the first
		 * is the one that matters. */
		/* Kinds are the objects above, so equal kinds are one pointer. */
		if (e->kind == kind && strcmp(e->value, key) == 0) {
			/* One clear sighting of a value is enough to make it usable. */
			if (!masked)
				c->out[i].masked = false;
			return;
		}
	}
	if (c->n < c->max) {
		struct whois_index_entry *e = &c->out[c->n];
		e->kind = kind;
		e->role = role;
		strncpy(e->value, key, sizeof(e->value) - 1);
		e->value[sizeof(e->value) - 1] = '\0';
		e->shown = shown;
		e->masked = masked;
	}
	c->n++;
}

static void add_contact(struct collector *c, const struct whois_contact *ct, const char *role)
{
	char key[WHOIS_KEY_MAX];
	bool masked = ct->mask != WHOIS_CLEAR;
	if (ct->email != NULL && whois_norm_email(ct->email, key, sizeof(key)))
		add(c, kind_email, role, key, ct->email, masked);
	if (ct->phone != NULL && whois_norm_phone(ct->phone, ct->country, key, sizeof(key)))
		add(c, kind_phone, role, key, ct->phone, masked);
	if (ct->name != NULL && whois_norm_name(ct->name, key, sizeof(key)))
		add(c, kind_name, role, key, ct->name, masked);
	if (ct->org != NULL && whois_norm_org(ct->org, key, sizeof(key)))
		add(c, kind_org, role, key, ct->org, masked);
	if (whois_norm_address(ct, key, sizeof(key)))
		add(c, kind_address, role, key, ct->street[0] != NULL ? ct->street[0] : key, masked);
}

size_t whois_index(const struct whois_record *rec, struct whois_index_entry *out, size_t max)
{
	struct collector c = {out, max, 0};
	if (rec->status != WHOIS_FOUND)
		return 0;
	for (int role = 0; role < WHOIS_ROLE_COUNT; role++) {
		if (rec->contacts[role].present)
			add_contact(&c, &rec->contacts[role], whois_role_name((enum whois_role)role));
	}
	char key[WHOIS_KEY_MAX];
	if (rec->registrar.name != NULL && whois_norm_org(rec->registrar.name, key, sizeof(key)))
		add(&c, kind_registrar, "registrar", key, rec->registrar.name, false);
	for (size_t i = 0; i < rec->n_nameservers; i++) {
		/* Nameservers are lower case without the trailing dot already. */
		add(&c, kind_nameserver, "domain", rec->nameservers[i], rec->nameservers[i], false);
	}
	return c.n;
}
