/* Pivots over certificates: the certificates that cover a name, share a
 * key or an issuer, and the names, key and issuer each one brings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cert_dn.h"
#include "graph/pivot_internal.h"
#include "pdns/name.h"

/* A certificate copied out of a query, strings in the scratch arena. */
struct cert_copy {
	uint8_t sha256[32];
	uint8_t spki[32];
	bool partial;
	bool self_signed;
	const char *issuer;
	const char *subject;
	const char *sans;
	int64_t not_before, not_after;
	int64_t crtsh_id;
};

struct cert_rows {
	struct pivot_run *r;
	struct cert_copy *items;
	size_t n, cap;
};

static dn_status collect_cert(const struct store_cert *cert, void *ctx)
{
	struct cert_rows *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 32;
		struct cert_copy *grown = realloc(l->items, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading certificates");
		l->items = grown;
		l->cap = cap;
	}
	struct cert_copy *c = &l->items[l->n];
	memcpy(c->sha256, cert->sha256, sizeof(c->sha256));
	memcpy(c->spki, cert->spki_sha256, sizeof(c->spki));
	c->partial = cert->partial;
	c->self_signed = cert->self_signed;
	c->issuer = pivot_scratch_dup(l->r, cert->issuer);
	c->subject = pivot_scratch_dup(l->r, cert->subject);
	c->sans = pivot_scratch_dup(l->r, cert->sans);
	if (c->issuer == NULL || c->subject == NULL || c->sans == NULL)
		return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading certificates");
	c->not_before = cert->not_before;
	c->not_after = cert->not_after;
	c->crtsh_id = cert->crtsh_id;
	l->n++;
	return DN_OK;
}

/* Run a certificate search with the time fence: validity must reach since
 * (in the query) and start before until (checked when adding). */
static dn_status query_certs(struct pivot_run *r, const struct store_cert_match *matches,
                             size_t n_matches, size_t limit, struct cert_rows *rows)
{
	struct store_cert_query q = {.matches = matches, .n_matches = n_matches, .limit = limit};
	if (r->opt->since != 0)
		q.expires_after = r->opt->since - 1;
	rows->r = r;
	r->stats->queries++;
	return store_query_certs(r->store, &q, collect_cert, rows, r->err);
}

static void hex(const uint8_t *bytes, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[bytes[i] >> 4];
		out[2 * i + 1] = digits[bytes[i] & 15];
	}
	out[2 * n] = '\0';
}

static size_t count_dns_sans(const char *sans)
{
	size_t n = 0;
	for (const char *p = sans; p != NULL && *p != '\0';) {
		if (strncmp(p, "DNS:", 4) == 0)
			n++;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return n;
}

static void cert_evidence(const struct cert_copy *c, const char *detail, struct graph_evidence *ev)
{
	*ev = (struct graph_evidence){
	        .from = GRAPH_FROM_CERT,
	        .source = "",
	        .detail = detail,
	        .time_first = c->not_before,
	        .time_last = c->not_after,
	        .count = 1,
	};
}

static dn_status add_san_names(struct pivot_run *r, uint32_t cert, const struct cert_copy *c,
                               uint32_t depth)
{
	dn_status rc = DN_OK;
	for (const char *p = c->sans; p != NULL && *p != '\0' && rc == DN_OK;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol != NULL ? (size_t)(eol - p) : strlen(p);
		if (len > 4 && len < 1000 && strncmp(p, "DNS:", 4) == 0) {
			char name[1024], key[1024], detail[1100];
			snprintf(name, sizeof(name), "%.*s", (int)(len - 4), p + 4);
			pivot_name_key(name, key, sizeof(key));
			snprintf(detail, sizeof(detail), "SAN DNS:%s", key);
			uint32_t domain;
			struct graph_evidence ev;
			cert_evidence(c, detail, &ev);
			rc = pivot_add_node(r, GRAPH_DOMAIN, key, NULL, depth, &domain);
			/* add_cert() linked the name that found the certificate. */
			if (rc == DN_OK && domain != r->current)
				rc = pivot_link(r, cert, domain, GRAPH_REL_CERT_NAME, &ev, domain, NULL);
		}
		p = eol != NULL ? eol + 1 : NULL;
	}
	return rc;
}

static dn_status add_issuer(struct pivot_run *r, uint32_t cert, const struct cert_copy *c,
                            uint32_t depth)
{
	char org[512], key[1100], label[1200];
	bool ss_org = c->self_signed && cert_dn_value(c->issuer, "O", 0, org, sizeof(org));
	if (ss_org) {
		snprintf(key, sizeof(key), "O=%s", org);
		snprintf(label, sizeof(label), "self-signed, O=%s", org);
	} else {
		if (c->issuer[0] == '\0')
			return DN_OK;
		snprintf(key, sizeof(key), "%s", c->issuer);
		snprintf(label, sizeof(label), "%s", c->issuer);
	}
	uint32_t issuer;
	dn_status rc = pivot_add_node(r, GRAPH_ISSUER, key, label, depth, &issuer);
	if (rc != DN_OK)
		return rc;
	if (ss_org)
		r->state[issuer].ss_org = true;
	if (issuer == r->current)
		return DN_OK;
	struct graph_evidence ev;
	cert_evidence(c, ss_org ? "self-signed issuer organisation" : "issuer", &ev);
	return pivot_link(r, cert, issuer, GRAPH_REL_CERT_ISSUER, &ev, issuer, NULL);
}

/* Add what a new certificate node brings: its names (unless more than the
 * limit), its key and its issuer, at depth. */
static dn_status add_attributes(struct pivot_run *r, uint32_t cert, const struct cert_copy *c,
                                uint32_t depth)
{
	struct graph_node *n = &r->g->nodes[cert];
	r->state[cert].processed = true;
	size_t names = count_dns_sans(c->sans);
	n->share = names;
	uint64_t limit = pivot_share_limit(r->opt, GRAPH_CERT);
	dn_status rc = DN_OK;
	if (names > limit && !pivot_forced(r, cert)) {
		char reason[120];
		snprintf(reason, sizeof(reason), "covers %zu names (limit %llu)", names,
		         (unsigned long long)limit);
		n->hold = GRAPH_HOLD_SHARED;
		n->hold_reason = arena_dup(&r->g->arena, reason, strlen(reason) + 1);
	} else {
		rc = add_san_names(r, cert, c, depth);
	}
	if (rc == DN_OK && !c->partial) {
		char key[65];
		hex(c->spki, sizeof(c->spki), key);
		uint32_t spki;
		struct graph_evidence ev;
		cert_evidence(c, "subject public key", &ev);
		rc = pivot_add_node(r, GRAPH_SPKI, key, NULL, depth, &spki);
		if (rc == DN_OK && spki != r->current)
			rc = pivot_link(r, cert, spki, GRAPH_REL_CERT_KEY, &ev, spki, NULL);
	}
	if (rc == DN_OK)
		rc = add_issuer(r, cert, c, depth);
	n = &r->g->nodes[cert];
	if (rc == DN_OK && n->hold == GRAPH_HOLD_NONE) {
		n->expanded = true;
		r->stats->expanded++;
	}
	return rc;
}

static void cert_label(const struct cert_copy *c, char *out, size_t size)
{
	char cn[512];
	if (cert_dn_value(c->subject, "CN", 0, cn, sizeof(cn)))
		snprintf(out, size, "CN=%s", cn);
	else
		snprintf(out, size, "%s", c->subject);
}

/* Add certificate c, the edge (cert, current) of rel with detail, and, when
 * the certificate is new, its attributes. */
static dn_status add_cert(struct pivot_run *r, const struct cert_copy *c, enum graph_relation rel,
                          const char *detail)
{
	if (r->opt->until != 0 && c->not_before >= r->opt->until)
		return DN_OK;
	struct graph_evidence ev;
	cert_evidence(c, detail, &ev);
	if (!pivot_follows(r, &ev))
		return DN_OK;
	char key[65], label[600];
	hex(c->sha256, sizeof(c->sha256), key);
	cert_label(c, label, sizeof(label));
	uint32_t cert;
	dn_status rc = pivot_add_node(r, GRAPH_CERT, key, label, r->depth, &cert);
	if (rc != DN_OK)
		return rc;
	bool added;
	rc = pivot_link(r, cert, r->current, rel, &ev, cert, &added);
	if (rc != DN_OK || !added || r->state[cert].processed)
		return rc;
	return add_attributes(r, cert, c, r->g->nodes[cert].depth);
}

/* The "dns" index form of a name: labels reversed, no trailing dot. */
static void reversed_key(const char *name, char *out, size_t size)
{
	char dotted[1100], rev[1100];
	snprintf(dotted, sizeof(dotted), "%s.", name);
	pdns_name_reverse(dotted, rev, sizeof(rev));
	size_t len = strlen(rev);
	if (len > 0 && rev[len - 1] == '.')
		rev[len - 1] = '\0';
	snprintf(out, size, "%s", rev);
}

dn_status pivot_domain_certs(struct pivot_run *r)
{
	char name[1024], value[1100], alt[1100];
	snprintf(name, sizeof(name), "%s", r->g->nodes[r->current].key);
	reversed_key(name, value, sizeof(value));
	struct store_cert_match m = {.kind = "dns", .value = value};
	/* A wildcard one label up covers the name too. */
	const char *dot = strchr(name, '.');
	if (strncmp(name, "*.", 2) != 0 && dot != NULL && strchr(dot + 1, '.') != NULL) {
		reversed_key(dot + 1, alt, sizeof(alt));
		strncat(alt, ".*", sizeof(alt) - strlen(alt) - 1);
		m.alt_value = alt;
	}
	struct cert_rows rows = {0};
	dn_status rc = query_certs(r, &m, 1, r->opt->certs_max, &rows);
	char detail[1100];
	snprintf(detail, sizeof(detail), "SAN DNS:%s", name);
	for (size_t i = 0; i < rows.n && rc == DN_OK; i++)
		rc = add_cert(r, &rows.items[i], GRAPH_REL_CERT_NAME, detail);
	free(rows.items);
	return rc;
}

dn_status pivot_expand_certs(struct pivot_run *r)
{
	const struct graph_node *n = &r->g->nodes[r->current];
	char key[1100];
	snprintf(key, sizeof(key), "%s", n->key);
	bool spki = n->kind == GRAPH_SPKI;
	struct store_cert_match m = {.kind = spki ? "spki" : "issuer", .value = key};
	if (!spki && r->state[r->current].ss_org) {
		m.kind = "ss-issuer.O";
		m.value = key + 2;
	}
	uint64_t limit = pivot_share_limit(r->opt, n->kind);
	struct cert_rows rows = {0};
	dn_status rc = query_certs(r, &m, 1, limit + 1, &rows);
	bool go = rc == DN_OK && pivot_check_share(r, rows.n, rows.n > limit, "certificates");
	enum graph_relation rel = spki ? GRAPH_REL_CERT_KEY : GRAPH_REL_CERT_ISSUER;
	const char *detail = spki ? "subject public key"
	                     : r->state[r->current].ss_org ? "self-signed issuer organisation"
	                                                   : "issuer";
	for (size_t i = 0; go && i < rows.n && rc == DN_OK; i++)
		rc = add_cert(r, &rows.items[i], rel, detail);
	free(rows.items);
	return rc;
}

dn_status pivot_expand_cert_seed(struct pivot_run *r, const struct pivot_seed *seed)
{
	struct store_cert_match m = {
	        .kind = seed->sha1 ? "sha1" : "sha256", .value = seed->key, .prefix = !seed->sha1};
	struct cert_rows rows = {0};
	arena_reset(&r->scratch);
	dn_status rc = query_certs(r, &m, 1, 2, &rows);
	if (rc == DN_OK && rows.n == 0)
		rc = dn_fail(r->err, DN_ENOENT, "certificate seed '%s' is not in the store", seed->key);
	if (rc != DN_OK) {
		free(rows.items);
		return rc;
	}
	const struct cert_copy *c = &rows.items[0];
	char key[65], label[600];
	hex(c->sha256, sizeof(c->sha256), key);
	cert_label(c, label, sizeof(label));
	uint32_t cert;
	rc = pivot_add_node(r, GRAPH_CERT, key, label, 0, &cert);
	if (rc == DN_OK) {
		r->g->nodes[cert].seed = true;
		r->current = cert;
		r->depth = 0;
		if (!r->state[cert].processed)
			rc = add_attributes(r, cert, c, 0);
	}
	free(rows.items);
	return rc;
}
