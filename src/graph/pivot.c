/* The pivot engine: seeds, the breadth-first loop, holds and time rules.
 * The queries of each node kind are in pivot_dns.c, pivot_whois.c and
 * pivot_cert.c. */
#include "graph/pivot.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cert_dn.h"
#include "export/cert_results.h"
#include "graph/pivot_internal.h"
#include "pdns/name.h"
#include "pdns/query.h"
#include "util/log.h"
#include "whois/normalize.h"

void pivot_options_init(struct pivot_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->depth = PIVOT_DEPTH_DEFAULT;
	opt->records_max = 1000;
	opt->forced_records_max = PIVOT_SHARE_MAX_HIGHEST;
	opt->certs_max = 50;
}

uint64_t pivot_share_limit(const struct pivot_options *opt, enum graph_kind kind)
{
	if (opt->share_max > 0)
		return opt->share_max;
	switch (kind) {
	case GRAPH_EMAIL:
	case GRAPH_PHONE:
	case GRAPH_NAME:
	case GRAPH_ORG:
	case GRAPH_ADDRESS:
	case GRAPH_REGISTRAR:
		return PIVOT_SHARE_WHOIS;
	case GRAPH_CERT:
		return PIVOT_SHARE_CERT_NAMES;
	case GRAPH_SPKI:
		return PIVOT_SHARE_KEY;
	case GRAPH_ISSUER:
		return PIVOT_SHARE_ISSUER;
	case GRAPH_ASN:
		return PIVOT_SHARE_PREFIXES;
	default:
		return PIVOT_SHARE_NAMES;
	}
}

/* ---- Seeds ---- */

void pivot_name_key(const char *name, char *out, size_t size)
{
	size_t n = 0;
	for (; name[n] != '\0' && n + 1 < size; n++)
		out[n] = (char)tolower((unsigned char)name[n]);
	while (n > 1 && out[n - 1] == '.')
		n--;
	out[n] = '\0';
}

static bool all_hex(const char *s, size_t len)
{
	if (strlen(s) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

static bool looks_like_phone(const char *s)
{
	if (s[0] != '+')
		return false;
	size_t digits = 0;
	for (const char *p = s + 1; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			digits++;
		else if (strchr(" .-()", *p) == NULL)
			return false;
	}
	return digits >= 6;
}

static bool parse_asn_text(const char *s, uint32_t *asn)
{
	if (strncasecmp(s, "AS", 2) == 0)
		s += 2;
	unsigned long long v;
	if (*s == '\0' || strspn(s, "0123456789") != strlen(s) || strlen(s) > 10)
		return false;
	v = strtoull(s, NULL, 10);
	if (v > UINT32_MAX)
		return false;
	*asn = (uint32_t)v;
	return true;
}

/* The kind named before the first ':' of text, with the seed aliases. */
static bool explicit_kind(const char *text, enum graph_kind *kind, bool *sha1, const char **value)
{
	const char *colon = strchr(text, ':');
	if (colon == NULL || colon == text || colon - text > 16)
		return false;
	char name[17];
	memcpy(name, text, (size_t)(colon - text));
	name[colon - text] = '\0';
	*sha1 = false;
	if (strcasecmp(name, "ns") == 0)
		*kind = GRAPH_NAMESERVER;
	else if (strcasecmp(name, "cidr") == 0)
		*kind = GRAPH_PREFIX;
	else if (strcasecmp(name, "cert") == 0 || strcasecmp(name, "sha256") == 0)
		*kind = GRAPH_CERT;
	else if (strcasecmp(name, "sha1") == 0) {
		*kind = GRAPH_CERT;
		*sha1 = true;
	} else {
		for (char *p = name; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		if (!graph_kind_parse(name, kind))
			return false;
	}
	*value = colon + 1;
	return true;
}

/* The kind of a seed given without one. */
static bool detect_kind(const char *text, enum graph_kind *kind, bool *sha1)
{
	uint32_t asn;
	*sha1 = false;
	if (pdns_text_looks_like_address(text))
		*kind = strchr(text, '/') != NULL || strchr(text, '-') != NULL ? GRAPH_PREFIX : GRAPH_IP;
	else if (parse_asn_text(text, &asn) && strncasecmp(text, "AS", 2) == 0)
		*kind = GRAPH_ASN;
	else if (strchr(text, '@') != NULL)
		*kind = GRAPH_EMAIL;
	else if (looks_like_phone(text))
		*kind = GRAPH_PHONE;
	else if (all_hex(text, 64))
		*kind = GRAPH_CERT;
	else if (all_hex(text, 40)) {
		*kind = GRAPH_CERT;
		*sha1 = true;
	} else if (strchr(text, '.') != NULL && strchr(text, ' ') == NULL)
		*kind = GRAPH_DOMAIN;
	else
		return false;
	return true;
}

static dn_status seed_key_range(const char *value, struct pivot_seed *seed, struct dn_error *err)
{
	struct ip_range range;
	if (!ip_range_parse(value, &range))
		return dn_fail(err, DN_EINVAL, "invalid address range");
	char lo[64], hi[64];
	ip_key_format(&range.lo, lo, sizeof(lo));
	const char *slash = strchr(value, '/');
	if (slash != NULL) {
		snprintf(seed->key, sizeof(seed->key), "%s%s", lo, slash);
		return DN_OK;
	}
	ip_key_format(&range.hi, hi, sizeof(hi));
	if (strcmp(lo, hi) == 0)
		snprintf(seed->key, sizeof(seed->key), "%s/%d", lo, range.family == 4 ? 32 : 128);
	else
		snprintf(seed->key, sizeof(seed->key), "%s-%s", lo, hi);
	return DN_OK;
}

static dn_status seed_key_name(const char *value, struct pivot_seed *seed, struct dn_error *err)
{
	char name[PDNS_NAME_BUF];
	dn_status rc = pdns_name_normalize(value, name, sizeof(name), err);
	if (rc != DN_OK)
		return rc;
	pivot_name_key(name, seed->key, sizeof(seed->key));
	return DN_OK;
}

/* Normalise value into seed->key as graph.h describes keys of its kind. */
static dn_status seed_key(const char *value, struct pivot_seed *seed, struct dn_error *err)
{
	ip_key ip;
	uint32_t asn;
	char *key = seed->key;
	size_t size = sizeof(seed->key);
	switch (seed->kind) {
	case GRAPH_DOMAIN:
	case GRAPH_REGDOMAIN:
	case GRAPH_NAMESERVER:
	case GRAPH_MX:
		return seed_key_name(value, seed, err);
	case GRAPH_IP:
		if (!ip_key_parse(value, &ip))
			return dn_fail(err, DN_EINVAL, "invalid IP address");
		ip_key_format(&ip, key, size);
		return DN_OK;
	case GRAPH_PREFIX:
		return seed_key_range(value, seed, err);
	case GRAPH_ASN:
		if (!parse_asn_text(value, &asn) || asn == 0)
			return dn_fail(err, DN_EINVAL, "invalid AS number (use AS64496)");
		snprintf(key, size, "AS%" PRIu32, asn);
		return DN_OK;
	case GRAPH_EMAIL:
		return whois_norm_email(value, key, size) && strchr(key, '@') != NULL
		               ? DN_OK
		               : dn_fail(err, DN_EINVAL, "invalid email address");
	case GRAPH_PHONE:
		return whois_norm_phone(value, NULL, key, size)
		               ? DN_OK
		               : dn_fail(err, DN_EINVAL, "invalid phone number (use +CC and digits)");
	case GRAPH_NAME:
		return whois_norm_name(value, key, size) ? DN_OK
		                                         : dn_fail(err, DN_EINVAL, "empty name");
	case GRAPH_ORG:
	case GRAPH_REGISTRAR:
		return whois_norm_org(value, key, size)
		               ? DN_OK
		               : dn_fail(err, DN_EINVAL, "empty organisation");
	case GRAPH_ADDRESS:
		/* NOTE: the WHOIS index builds address keys from separate
		 * fields (whois_norm_address()). A typed address is only
		 * folded to lower case, so it must be given in index form. */
		pivot_name_key(value, key, size);
		return key[0] != '\0' ? DN_OK : dn_fail(err, DN_EINVAL, "empty address");
	case GRAPH_CERT:
	case GRAPH_SPKI: {
		size_t want = seed->sha1 ? 40 : 64;
		if (!all_hex(value, want))
			return dn_fail(err, DN_EINVAL, "expected %zu hex digits", want);
		pivot_name_key(value, key, size);
		return DN_OK;
	}
	case GRAPH_ISSUER: {
		char attr[64], dn[1000];
		enum cert_dn_form form = cert_dn_parse(value, attr, sizeof(attr), dn, sizeof(dn));
		if (form == CERT_DN_WHOLE)
			snprintf(key, size, "%s", dn);
		else if (form == CERT_DN_ATTRIBUTE && strcmp(attr, "O") == 0)
			snprintf(key, size, "O=%s", dn);
		else
			return dn_fail(err, DN_EINVAL,
			               "expected a whole issuer DN or O=ORGANISATION");
		return DN_OK;
	}
	case GRAPH_KIND_COUNT:
		break;
	}
	return dn_fail(err, DN_EINVAL, "unknown kind");
}

dn_status pivot_seed_parse(const char *text, struct pivot_seed *seed, struct dn_error *err)
{
	memset(seed, 0, sizeof(*seed));
	const char *value = text;
	while (isspace((unsigned char)*value))
		value++;
	if (*value == '\0')
		return dn_fail(err, DN_EINVAL, "empty seed");
	if (!explicit_kind(value, &seed->kind, &seed->sha1, &value) &&
	    !detect_kind(value, &seed->kind, &seed->sha1))
		return dn_fail(err, DN_EINVAL,
		               "unknown seed kind for '%s': give a domain, IP, CIDR, AS number, "
		               "email, +phone, certificate SHA-256 or KIND:VALUE (name:, org:, ns:, "
		               "spki:, ...)",
		               text);
	if (*value == '\0')
		return dn_fail(err, DN_EINVAL, "seed '%s' has an empty value", text);
	bool host = seed->kind == GRAPH_DOMAIN || seed->kind == GRAPH_REGDOMAIN ||
	            seed->kind == GRAPH_NAMESERVER || seed->kind == GRAPH_MX;
	if (host && (strncmp(value, "*.", 2) == 0 || strstr(value, ".*") != NULL))
		return dn_fail(err, DN_EINVAL,
		               "wildcard seed '%s' is not supported: give the registrable domain "
		               "(%s), whose expansion brings the names seen below it",
		               text, strncmp(value, "*.", 2) == 0 ? value + 2 : value);
	dn_status rc = seed_key(value, seed, err);
	if (rc != DN_OK) {
		struct dn_error inner = *err;
		return dn_fail(err, rc, "invalid %s seed '%s': %s", graph_kind_name(seed->kind), text,
		               inner.msg);
	}
	return DN_OK;
}

/* ---- Nodes, edges and holds ---- */

static dn_status grow_state(struct pivot_run *r)
{
	size_t need = r->g->n_nodes;
	if (need <= r->cap_state)
		return DN_OK;
	size_t cap = r->cap_state > 0 ? r->cap_state : 256;
	while (cap < need)
		cap *= 2;
	struct pivot_node_state *grown = realloc(r->state, cap * sizeof(*grown));
	if (grown == NULL)
		return dn_fail(r->err, DN_ENOMEM, "out of memory mapping");
	memset(grown + r->cap_state, 0, (cap - r->cap_state) * sizeof(*grown));
	r->state = grown;
	r->cap_state = cap;
	return DN_OK;
}

static const char *graph_strdup(struct pivot_run *r, const char *s)
{
	return arena_dup(&r->g->arena, s, strlen(s) + 1);
}

static dn_status hold_listed(struct pivot_run *r, uint32_t id)
{
	struct graph_node *n = &r->g->nodes[id];
	const struct shared_entry *e = shared_list_match(r->opt->shared, n->kind, n->key);
	if (e == NULL || pivot_forced(r, id))
		return DN_OK;
	char reason[320];
	snprintf(reason, sizeof(reason), "listed: %s", e->label);
	const char *copy = graph_strdup(r, reason);
	if (copy == NULL)
		return dn_fail(r->err, DN_ENOMEM, "out of memory mapping");
	n->hold = GRAPH_HOLD_LISTED;
	n->hold_reason = copy;
	return DN_OK;
}

/* Add the registrable domain of a new domain node, or the domain node of a
 * new registrable domain, at the same depth. */
static dn_status add_companion(struct pivot_run *r, uint32_t id, uint32_t depth)
{
	const struct graph_node *n = &r->g->nodes[id];
	enum graph_kind kind = n->kind;
	char key[1024];
	if (kind == GRAPH_DOMAIN) {
		if (!cert_registrable_domain(n->key, key, sizeof(key)))
			return DN_OK;
	} else if (strncmp(n->key, "*.", 2) == 0) {
		return DN_OK;
	} else {
		snprintf(key, sizeof(key), "%s", n->key);
	}
	uint32_t other;
	enum graph_kind other_kind = kind == GRAPH_DOMAIN ? GRAPH_REGDOMAIN : GRAPH_DOMAIN;
	dn_status rc = pivot_add_node(r, other_kind, key, NULL, depth, &other);
	if (rc != DN_OK)
		return rc;
	struct graph_evidence ev = {
	        .from = GRAPH_FROM_DERIVED, .source = "", .detail = "registrable domain (libpsl)"};
	uint32_t domain = kind == GRAPH_DOMAIN ? id : other;
	uint32_t regdomain = kind == GRAPH_DOMAIN ? other : id;
	return graph_add_edge(r->g, domain, regdomain, GRAPH_REL_REGISTERED, &ev, NULL, r->err);
}

dn_status pivot_add_node(struct pivot_run *r, enum graph_kind kind, const char *key,
                         const char *label, uint32_t depth, uint32_t *id)
{
	bool is_new = graph_find(r->g, kind, key) == UINT32_MAX;
	dn_status rc = graph_add_node(r->g, kind, key, label, id, r->err);
	if (rc == DN_OK)
		rc = grow_state(r);
	if (rc != DN_OK)
		return rc;
	struct graph_node *n = &r->g->nodes[*id];
	if (depth < n->depth)
		n->depth = depth;
	if (!is_new)
		return DN_OK;
	rc = hold_listed(r, *id);
	if (rc == DN_OK && (kind == GRAPH_DOMAIN || kind == GRAPH_REGDOMAIN))
		rc = add_companion(r, *id, depth);
	return rc;
}

static bool spans_overlap(int64_t a_first, int64_t a_last, int64_t b_first, int64_t b_last)
{
	return a_first <= b_last && b_first <= a_last;
}

/* Only pDNS evidence has a span that says when a link held: a WHOIS or
 * certificate record's times say when it was observed, and an ASN range's
 * when it was loaded. So only pDNS spans set a node's reach and only pDNS
 * edges are subject to --overlap. */
static bool timed(const struct graph_evidence *ev)
{
	return ev->from == GRAPH_FROM_PDNS && (ev->time_first != 0 || ev->time_last != 0);
}

static void widen_reach(struct pivot_node_state *s, const struct graph_evidence *ev)
{
	if (!timed(ev))
		return;
	if (s->reach_first == 0 && s->reach_last == 0) {
		s->reach_first = ev->time_first;
		s->reach_last = ev->time_last;
		return;
	}
	if (ev->time_first < s->reach_first)
		s->reach_first = ev->time_first;
	if (ev->time_last > s->reach_last)
		s->reach_last = ev->time_last;
}

bool pivot_follows(struct pivot_run *r, const struct graph_evidence *ev)
{
	const struct pivot_node_state *cur = &r->state[r->current];
	bool cur_known = cur->reach_first != 0 || cur->reach_last != 0;
	bool ev_known = timed(ev);
	if (!r->opt->overlap_only || !cur_known || !ev_known ||
	    spans_overlap(cur->reach_first, cur->reach_last, ev->time_first, ev->time_last))
		return true;
	r->stats->skipped_time++;
	return false;
}

/* Whether edge id already carries ev: the same record read again from the
 * other end (a forward and a reverse lookup), which must not add to its
 * count. */
static bool seen_before(const struct graph *g, uint32_t id, const struct graph_evidence *ev)
{
	if (id == UINT32_MAX)
		return false;
	const struct graph_edge *e = &g->edges[id];
	for (size_t i = 0; i < e->n_evidence; i++) {
		const struct graph_evidence *old = &e->evidence[i];
		if (old->from == ev->from && strcmp(old->source, ev->source) == 0 &&
		    strcmp(old->detail, ev->detail) == 0 && old->time_first == ev->time_first &&
		    old->time_last == ev->time_last)
			return true;
	}
	return false;
}

dn_status pivot_link(struct pivot_run *r, uint32_t from, uint32_t to, enum graph_relation rel,
                     const struct graph_evidence *ev, uint32_t reached, bool *added)
{
	if (added != NULL)
		*added = false;
	if (!pivot_follows(r, ev))
		return DN_OK;
	uint32_t id = graph_find_edge(r->g, from, to, rel);
	if (!seen_before(r->g, id, ev)) {
		dn_status rc = graph_add_edge(r->g, from, to, rel, ev, NULL, r->err);
		if (rc != DN_OK)
			return rc;
	}
	const struct graph_node *n = &r->g->nodes[reached];
	if (reached != r->current && !n->seed && n->depth == r->depth)
		widen_reach(&r->state[reached], ev);
	if (added != NULL)
		*added = true;
	return DN_OK;
}

bool pivot_in_fence(const struct pivot_run *r, int64_t first, int64_t last)
{
	if (first == 0 && last == 0)
		return true;
	if (r->opt->since != 0 && last < r->opt->since)
		return false;
	if (r->opt->until != 0 && first >= r->opt->until)
		return false;
	return true;
}

bool pivot_value_matches(const char *value, const struct graph_node *n)
{
	if (strcasecmp(value, n->key) == 0 || (n->label != NULL && strcasecmp(value, n->label) == 0))
		return true;
	/* A value typed like a seed ("AS13335", "NS1.Example.") matches its
	 * normalised key. */
	struct pivot_seed seed;
	struct dn_error ignored;
	return pivot_seed_parse(value, &seed, &ignored) == DN_OK && strcmp(seed.key, n->key) == 0;
}

bool pivot_forced(const struct pivot_run *r, uint32_t node)
{
	const struct graph_node *n = &r->g->nodes[node];
	for (size_t i = 0; i < r->opt->n_expand; i++)
		if (pivot_value_matches(r->opt->expand[i], n))
			return true;
	return false;
}

/* Write n with thousands separators ("2,314"). */
static void format_count(uint64_t n, char *out, size_t size)
{
	char digits[32];
	int len = snprintf(digits, sizeof(digits), "%" PRIu64, n);
	size_t at = 0;
	for (int i = 0; i < len && at + 2 < size; i++) {
		if (i > 0 && (len - i) % 3 == 0)
			out[at++] = ',';
		out[at++] = digits[i];
	}
	out[at] = '\0';
}

bool pivot_check_share(struct pivot_run *r, uint64_t share, bool capped, const char *what)
{
	struct graph_node *n = &r->g->nodes[r->current];
	uint64_t limit = pivot_share_limit(r->opt, n->kind);
	n->share = share;
	n->share_capped = capped;
	if (share <= limit && !capped)
		return true;
	if (pivot_forced(r, r->current))
		return true;
	char count[40], max[40], reason[160];
	format_count(share, count, sizeof(count));
	format_count(limit, max, sizeof(max));
	snprintf(reason, sizeof(reason), "shared by %s%s %s (limit %s)", capped ? "more than " : "",
	         capped ? max : count, what, max);
	const char *copy = graph_strdup(r, reason);
	n->hold = GRAPH_HOLD_SHARED;
	n->hold_reason = copy != NULL ? copy : "shared";
	return false;
}

uint64_t pivot_records_cap(struct pivot_run *r)
{
	const struct pivot_options *opt = r->opt;
	uint64_t cap = opt->share_max > opt->records_max ? opt->share_max : opt->records_max;
	if (pivot_forced(r, r->current) && opt->forced_records_max > cap)
		cap = opt->forced_records_max;
	return cap;
}

dn_status pivot_mark_cut(struct pivot_run *r, uint64_t records)
{
	struct graph_node *n = &r->g->nodes[r->current];
	char count[40], reason[200];
	format_count(records, count, sizeof(count));
	snprintf(reason, sizeof(reason),
	         "lookup cut at %s records; raise --share-max or --expand to follow more", count);
	const char *copy = graph_strdup(r, reason);
	if (copy == NULL)
		return dn_fail(r->err, DN_ENOMEM, "out of memory mapping");
	if (records > n->share)
		n->share = records;
	n->share_capped = true;
	n->hold = GRAPH_HOLD_SHARED;
	n->hold_reason = copy;
	r->stats->cut++;
	return DN_OK;
}

char *pivot_scratch_dup(struct pivot_run *r, const char *s)
{
	return arena_dup(&r->scratch, s != NULL ? s : "", strlen(s != NULL ? s : "") + 1);
}

static dn_status add_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	(void)kind;
	struct pivot_run *r = ctx;
	struct pivot_source_name *grown =
	        realloc(r->sources, (r->n_sources + 1) * sizeof(*r->sources));
	const char *copy = graph_strdup(r, name);
	if (grown == NULL || copy == NULL) {
		if (grown != NULL)
			r->sources = grown;
		return dn_fail(r->err, DN_ENOMEM, "out of memory listing sources");
	}
	r->sources = grown;
	r->sources[r->n_sources++] = (struct pivot_source_name){id, copy};
	return DN_OK;
}

const char *pivot_source_name(struct pivot_run *r, uint32_t id)
{
	if (!r->sources_read) {
		r->sources_read = true;
		struct dn_error ignored;
		if (store_list_sources(r->store, add_source, r, &ignored) != DN_OK)
			log_debug("map: source names are not available: %s", ignored.msg);
	}
	for (size_t i = 0; i < r->n_sources; i++)
		if (r->sources[i].id == id)
			return r->sources[i].name;
	return "";
}

/* ---- The breadth-first loop ---- */

/* A domain or regdomain reached without a reach span of its own takes its
 * companion's: the two are one name. */
static void inherit_reach(struct pivot_run *r, uint32_t id)
{
	struct pivot_node_state *s = &r->state[id];
	const struct graph_node *n = &r->g->nodes[id];
	if (s->reach_first != 0 || s->reach_last != 0 || n->seed)
		return;
	enum graph_kind other = n->kind == GRAPH_DOMAIN ? GRAPH_REGDOMAIN : GRAPH_DOMAIN;
	uint32_t o = graph_find(r->g, other, n->key);
	if (o == UINT32_MAX && n->kind == GRAPH_DOMAIN) {
		char reg[1024];
		if (cert_registrable_domain(n->key, reg, sizeof(reg)))
			o = graph_find(r->g, GRAPH_REGDOMAIN, reg);
	}
	if (o != UINT32_MAX) {
		s->reach_first = r->state[o].reach_first;
		s->reach_last = r->state[o].reach_last;
	}
}

static dn_status expand_by_kind(struct pivot_run *r, enum graph_kind kind)
{
	switch (kind) {
	case GRAPH_DOMAIN:
		return pivot_expand_domain(r);
	case GRAPH_REGDOMAIN:
		return pivot_expand_regdomain(r);
	case GRAPH_IP:
		return pivot_expand_ip(r);
	case GRAPH_PREFIX:
		return pivot_expand_prefix(r);
	case GRAPH_ASN:
		return pivot_expand_asn(r);
	case GRAPH_NAMESERVER:
	case GRAPH_MX:
		return pivot_expand_host(r);
	case GRAPH_EMAIL:
	case GRAPH_PHONE:
	case GRAPH_NAME:
	case GRAPH_ORG:
	case GRAPH_ADDRESS:
	case GRAPH_REGISTRAR:
		return pivot_expand_value(r);
	case GRAPH_SPKI:
	case GRAPH_ISSUER:
		return pivot_expand_certs(r);
	case GRAPH_CERT:
	case GRAPH_KIND_COUNT:
		break;
	}
	return DN_OK;
}

static void count_hold(struct pivot_run *r, enum graph_hold hold)
{
	if (r->stats == NULL)
		return;
	if (hold == GRAPH_HOLD_SHARED)
		r->stats->held_shared++;
	else if (hold == GRAPH_HOLD_LISTED)
		r->stats->held_listed++;
	else if (hold == GRAPH_HOLD_MASKED)
		r->stats->held_masked++;
	else if (hold == GRAPH_HOLD_DEPTH)
		r->stats->held_depth++;
	else if (hold == GRAPH_HOLD_WEAK)
		r->stats->held_weak++;
}

static dn_status expand_node(struct pivot_run *r, uint32_t id)
{
	r->state[id].processed = true;
	struct graph_node *n = &r->g->nodes[id];
	if (n->expanded || n->hold == GRAPH_HOLD_MASKED)
		return DN_OK;
	if (n->hold == GRAPH_HOLD_LISTED) {
		if (!pivot_forced(r, id))
			return DN_OK;
		n->hold = GRAPH_HOLD_NONE;
		n->hold_reason = NULL;
	}
	/* A registrar serves thousands of unrelated customers: following it
	 * would pull in noise. It stays a node, so that clusters can count it
	 * as weak corroboration, and a seed or --expand still follows it. */
	if (n->kind == GRAPH_REGISTRAR && !n->seed && !pivot_forced(r, id)) {
		n->hold = GRAPH_HOLD_WEAK;
		n->hold_reason = "a registrar: corroborates links but is not followed "
		                 "(--expand to follow it)";
		return DN_OK;
	}
	if (n->kind == GRAPH_DOMAIN || n->kind == GRAPH_REGDOMAIN)
		inherit_reach(r, id);
	r->current = id;
	r->depth = n->depth + 1;
	arena_reset(&r->scratch);
	dn_status rc = expand_by_kind(r, n->kind);
	if (rc != DN_OK)
		return rc;
	n = &r->g->nodes[id];
	if (n->hold == GRAPH_HOLD_NONE) {
		n->expanded = true;
		if (r->stats != NULL)
			r->stats->expanded++;
	}
	return DN_OK;
}

static dn_status add_seed(struct pivot_run *r, const char *text)
{
	struct pivot_seed seed;
	dn_status rc = pivot_seed_parse(text, &seed, r->err);
	if (rc != DN_OK)
		return rc;
	if (seed.kind == GRAPH_CERT)
		return pivot_expand_cert_seed(r, &seed);
	uint32_t id;
	rc = pivot_add_node(r, seed.kind, seed.key, NULL, 0, &id);
	if (rc != DN_OK)
		return rc;
	r->g->nodes[id].seed = true;
	if (seed.kind == GRAPH_ISSUER && strncmp(seed.key, "O=", 2) == 0 &&
	    strchr(seed.key, ',') == NULL)
		r->state[id].ss_org = true;
	return DN_OK;
}

static void hold_at_depth(struct pivot_run *r)
{
	for (uint32_t i = 0; i < r->g->n_nodes; i++) {
		struct graph_node *n = &r->g->nodes[i];
		if (n->hold == GRAPH_HOLD_NONE && !n->expanded) {
			n->hold = GRAPH_HOLD_DEPTH;
			n->hold_reason = "at the last hop (--depth)";
		}
		count_hold(r, n->hold);
	}
}

dn_status pivot_map(struct store *store, const struct pivot_options *opt,
                    const char *const *seeds, size_t n_seeds, struct graph *g,
                    struct pivot_stats *stats, struct dn_error *err)
{
	struct pivot_stats ignored;
	struct pivot_run r = {
	        .store = store, .opt = opt, .g = g, .stats = stats != NULL ? stats : &ignored,
	        .err = err};
	memset(r.stats, 0, sizeof(*r.stats));
	arena_init(&r.scratch, 65536);

	dn_status rc = DN_OK;
	for (size_t i = 0; i < n_seeds && rc == DN_OK; i++)
		rc = add_seed(&r, seeds[i]);
	for (uint32_t d = 0; d < opt->depth && rc == DN_OK; d++) {
		for (uint32_t i = 0; i < g->n_nodes && rc == DN_OK; i++) {
			if (g->nodes[i].depth != d || r.state[i].processed)
				continue;
			if (opt->max_queries > 0 && r.stats->queries >= opt->max_queries)
				rc = dn_fail(err, DN_ELIMIT,
				             "map stopped at hop %u after %" PRIu64 " store queries, "
				             "the limit; lower the depth or give fewer seeds",
				             d + 1, r.stats->queries);
			else
				rc = expand_node(&r, i);
		}
		log_debug("map: hop %u done: %zu nodes, %zu edges, %" PRIu64 " queries", d + 1,
		          g->n_nodes, g->n_edges, r.stats->queries);
	}
	if (rc == DN_OK)
		hold_at_depth(&r);
	free(r.state);
	free(r.sources);
	arena_free(&r.scratch);
	return rc;
}
