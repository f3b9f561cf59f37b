/* Pivots over passive DNS and IP-to-ASN data: domains, addresses,
 * prefixes, ASNs, nameservers and mail exchangers. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "asn/asn.h"
#include "graph/pivot_internal.h"
#include "pdns/query.h"

/* DNS record types pivots follow. */
enum {
	TYPE_A = 1,
	TYPE_NS = 2,
	TYPE_CNAME = 5,
	TYPE_MX = 15,
	TYPE_AAAA = 28,
};

/* A pDNS record copied out of a query, strings in the scratch arena. */
struct rec_copy {
	const char *rrname;       /* graph key form */
	const char *stored_name;  /* rrname as the store returned it, for sorting */
	const char *rdata;
	const char *bailiwick;
	bool has_ip;              /* an A or AAAA record: ip is its address */
	ip_key ip;
	uint16_t rrtype;
	int64_t time_first, time_last;
	uint64_t count;
	uint32_t sources;
};

struct rec_list {
	struct pivot_run *r;
	struct rec_copy *items;
	size_t n, cap;
};

static dn_status collect_record(const struct pdns_record *rec, void *ctx)
{
	struct rec_list *l = ctx;
	if (l->n == l->cap) {
		size_t cap = l->cap > 0 ? l->cap * 2 : 64;
		struct rec_copy *grown = realloc(l->items, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading pDNS records");
		l->items = grown;
		l->cap = cap;
	}
	char key[1024];
	pivot_name_key(rec->rrname, key, sizeof(key));
	struct rec_copy *c = &l->items[l->n];
	c->rrname = pivot_scratch_dup(l->r, key);
	c->stored_name = pivot_scratch_dup(l->r, rec->rrname);
	c->rdata = pivot_scratch_dup(l->r, rec->rdata);
	c->bailiwick = pivot_scratch_dup(l->r, rec->bailiwick);
	if (c->rrname == NULL || c->stored_name == NULL || c->rdata == NULL ||
	    c->bailiwick == NULL)
		return dn_fail(l->r->err, DN_ENOMEM, "out of memory reading pDNS records");
	c->has_ip = (rec->rrtype == TYPE_A || rec->rrtype == TYPE_AAAA) &&
	            ip_key_parse(rec->rdata, &c->ip);
	c->rrtype = rec->rrtype;
	c->time_first = rec->time_first;
	c->time_last = rec->time_last;
	c->count = rec->count;
	c->sources = rec->source_count;
	l->n++;
	return DN_OK;
}

static int compare_text(const char *a, const char *b)
{
	int c = strcmp(a, b);
	return c < 0 ? -1 : c > 0;
}

/* The order of PDNS_SORT_NAME: owner name, type, address (by value, so .9
 * before .10), rdata, bailiwick, then first sighting. */
static int compare_records(const void *pa, const void *pb)
{
	const struct rec_copy *a = pa, *b = pb;
	int c = compare_text(a->stored_name, b->stored_name);
	if (c != 0)
		return c;
	if (a->rrtype != b->rrtype)
		return a->rrtype < b->rrtype ? -1 : 1;
	if (a->has_ip != b->has_ip)
		return a->has_ip ? 1 : -1; /* records without an address sort first */
	if (a->has_ip && (c = memcmp(a->ip.b, b->ip.b, sizeof(a->ip.b))) != 0)
		return c < 0 ? -1 : 1;
	if ((c = compare_text(a->rdata, b->rdata)) != 0)
		return c;
	if ((c = compare_text(a->bailiwick, b->bailiwick)) != 0)
		return c;
	return a->time_first < b->time_first ? -1 : a->time_first > b->time_first;
}

/* Run q with the time fence and collect its records into l, sorted as
 * PDNS_SORT_NAME would return them. The store is asked for no order, so
 * that it stops reading at the limit, because an order would make it sort
 * every match first (millions for a shared address). Where the limit cuts
 * the matches, the store picks which records come back. A reverse lookup
 * then holds its node as shared unless --expand forces it, and a forward
 * lookup keeps records_max of the name's records. */
static dn_status run_pdns(struct pivot_run *r, struct pdns_query *q, struct rec_list *l)
{
	if (r->opt->since != 0)
		q->last_after = r->opt->since;
	if (r->opt->until != 0)
		q->first_before = r->opt->until;
	q->sort = PDNS_SORT_NONE;
	l->r = r;
	r->stats->queries++;
	dn_status rc = store_query_rrsets(r->store, q, collect_record, l, r->err);
	if (rc == DN_OK && l->n > 1)
		qsort(l->items, l->n, sizeof(*l->items), compare_records);
	return rc;
}

/* Distinct owner names of l (sorted by run_pdns()). */
static uint64_t distinct_names(const struct rec_list *l)
{
	uint64_t n = 0;
	for (size_t i = 0; i < l->n; i++)
		if (i == 0 || strcmp(l->items[i].rrname, l->items[i - 1].rrname) != 0)
			n++;
	return n;
}

static void record_evidence(const struct rec_copy *c, const char *type, char *detail, size_t size,
                            struct graph_evidence *ev)
{
	if (c->sources > 1)
		snprintf(detail, size, "%s %s (%" PRIu32 " sources)", type, c->rdata, c->sources);
	else
		snprintf(detail, size, "%s %s", type, c->rdata);
	*ev = (struct graph_evidence){
	        .from = GRAPH_FROM_PDNS,
	        .source = "",
	        .detail = detail,
	        .time_first = c->time_first,
	        .time_last = c->time_last,
	        .count = c->count,
	        .sources = c->sources,
	};
}

/* The host an NS, CNAME or MX rdata names, in key form; false for others. */
static bool rdata_host(const struct rec_copy *c, char *out, size_t size)
{
	const char *host = c->rdata;
	if (c->rrtype == TYPE_MX) {
		host = strchr(c->rdata, ' ');
		if (host == NULL)
			return false;
		host++;
	}
	pivot_name_key(host, out, size);
	return out[0] != '\0' && strcmp(out, ".") != 0;
}

/* Add the edge that record c makes between its owner and its rdata. The
 * current node is the owner (forward) or the rdata (reverse). */
static dn_status add_record(struct pivot_run *r, const struct rec_copy *c, bool forward)
{
	char key[1024], detail[1200];
	const char *type;
	enum graph_kind kind;
	enum graph_relation rel;
	switch (c->rrtype) {
	case TYPE_A:
	case TYPE_AAAA: {
		ip_key ip;
		if (!ip_key_parse(c->rdata, &ip))
			return DN_OK;
		ip_key_format(&ip, key, sizeof(key));
		type = c->rrtype == TYPE_A ? "A" : "AAAA";
		kind = GRAPH_IP;
		rel = GRAPH_REL_RESOLVES;
		break;
	}
	case TYPE_CNAME:
		type = "CNAME", kind = GRAPH_DOMAIN, rel = GRAPH_REL_CNAME;
		if (!rdata_host(c, key, sizeof(key)))
			return DN_OK;
		break;
	case TYPE_NS:
		type = "NS", kind = GRAPH_NAMESERVER, rel = GRAPH_REL_NS;
		if (!rdata_host(c, key, sizeof(key)))
			return DN_OK;
		break;
	case TYPE_MX:
		type = "MX", kind = GRAPH_MX, rel = GRAPH_REL_MX;
		if (!rdata_host(c, key, sizeof(key)))
			return DN_OK;
		break;
	default:
		return DN_OK;
	}
	struct graph_evidence ev;
	record_evidence(c, type, detail, sizeof(detail), &ev);
	if (!pivot_follows(r, &ev))
		return DN_OK;
	uint32_t owner, target;
	dn_status rc;
	if (forward) {
		owner = r->current;
		rc = pivot_add_node(r, kind, key, NULL, r->depth, &target);
	} else {
		target = r->current;
		rc = pivot_add_node(r, GRAPH_DOMAIN, c->rrname, NULL, r->depth, &owner);
	}
	if (rc != DN_OK)
		return rc;
	return pivot_link(r, owner, target, rel, &ev, forward ? target : owner, NULL);
}

static dn_status add_records(struct pivot_run *r, const struct rec_list *l, bool forward)
{
	dn_status rc = DN_OK;
	for (size_t i = 0; i < l->n && rc == DN_OK; i++)
		rc = add_record(r, &l->items[i], forward);
	return rc;
}

/* The record limit of a lookup whose distinct owner names are its share:
 * room for several records per name (a name with A records in two
 * addresses of a prefix), so reaching it counts as over the share limit.
 * A node that --expand forces reads up to its records cap instead. */
static uint64_t names_query_limit(struct pivot_run *r, uint64_t share_limit)
{
	uint64_t limit = 4 * (share_limit + 1);
	if (pivot_forced(r, r->current) && pivot_records_cap(r) > limit)
		limit = pivot_records_cap(r);
	return limit;
}

/* Check the current node's share: the distinct names of l, read with a
 * record limit of query_limit. A forced node whose lookup stopped at the
 * limit is expanded with what was read and marked as cut. */
static dn_status check_names_share(struct pivot_run *r, const struct rec_list *l,
                                   uint64_t query_limit, bool *go)
{
	uint64_t names = distinct_names(l);
	bool capped = l->n >= query_limit;
	*go = pivot_check_share(r, names, capped, "names");
	if (*go && capped)
		return pivot_mark_cut(r, l->n);
	return DN_OK;
}

/* Run a reverse lookup of text (restricted to rrtype when not 0) with room
 * for limit + 1 names, and check the current node's share. *go is true
 * when the node may be expanded with the records in l. */
static dn_status reverse_lookup(struct pivot_run *r, const char *text, uint16_t rrtype,
                                struct rec_list *l, bool *go)
{
	const struct graph_node *n = &r->g->nodes[r->current];
	uint64_t limit = pivot_share_limit(r->opt, n->kind);
	struct pdns_query q;
	pdns_query_init(&q);
	dn_status rc = pdns_query_set_rdata(&q, text, r->err);
	if (rc != DN_OK)
		return rc;
	q.rrtype = rrtype;
	q.limit = names_query_limit(r, limit);
	rc = run_pdns(r, &q, l);
	if (rc != DN_OK)
		return rc;
	return check_names_share(r, l, q.limit, go);
}

static bool is_wildcard(const char *name)
{
	return strncmp(name, "*.", 2) == 0;
}

dn_status pivot_expand_domain(struct pivot_run *r)
{
	char key[1024];
	snprintf(key, sizeof(key), "%s", r->g->nodes[r->current].key);
	/* A wildcard name from a certificate has no records of its own. */
	if (is_wildcard(key))
		return pivot_domain_certs(r);

	/* Names whose CNAME points here: the share of a CDN edge name. */
	struct rec_list aliases = {0};
	bool go;
	dn_status rc = reverse_lookup(r, key, TYPE_CNAME, &aliases, &go);
	if (rc == DN_OK && go)
		rc = add_records(r, &aliases, false);
	free(aliases.items);
	if (rc != DN_OK || !go)
		return rc;

	struct pdns_query q;
	pdns_query_init(&q);
	rc = pdns_query_set_rrname(&q, key, r->err);
	if (rc != DN_OK)
		return rc;
	/* Reading one record past the cap separates a lookup that was cut
	 * from one that fits the cap exactly. */
	uint64_t cap = pivot_records_cap(r);
	q.limit = cap + 1;
	struct rec_list forward = {0};
	rc = run_pdns(r, &q, &forward);
	bool cut = rc == DN_OK && forward.n > cap;
	if (cut)
		forward.n = cap;
	if (rc == DN_OK)
		rc = add_records(r, &forward, true);
	if (rc == DN_OK && cut)
		rc = pivot_mark_cut(r, forward.n);
	free(forward.items);
	if (rc == DN_OK)
		rc = pivot_domain_certs(r);
	return rc;
}

dn_status pivot_regdomain_names(struct pivot_run *r, bool *go)
{
	char pattern[1030];
	snprintf(pattern, sizeof(pattern), "*.%s", r->g->nodes[r->current].key);
	uint64_t limit = pivot_share_limit(r->opt, GRAPH_REGDOMAIN);
	struct pdns_query q;
	pdns_query_init(&q);
	*go = false;
	dn_status rc = pdns_query_set_rrname(&q, pattern, r->err);
	if (rc != DN_OK)
		return rc;
	q.limit = names_query_limit(r, limit);
	struct rec_list below = {0};
	rc = run_pdns(r, &q, &below);
	if (rc == DN_OK)
		rc = check_names_share(r, &below, q.limit, go);
	for (size_t i = 0; rc == DN_OK && *go && i < below.n; i++) {
		const struct rec_copy *c = &below.items[i];
		if (i > 0 && strcmp(c->rrname, below.items[i - 1].rrname) == 0)
			continue;
		uint32_t id;
		rc = pivot_add_node(r, GRAPH_DOMAIN, c->rrname, NULL, r->depth, &id);
	}
	free(below.items);
	return rc;
}

/* ---- Addresses, prefixes and ASNs ---- */

/* The key of a range: one CIDR prefix when it is one, else "LO-HI". */
static void range_key(const ip_key *lo, const ip_key *hi, char *out, size_t size)
{
	char a[64], b[64];
	unsigned len;
	ip_key_format(lo, a, sizeof(a));
	if (asn_range_prefix_len(lo, hi, &len)) {
		snprintf(out, size, "%s/%u", a, len);
		return;
	}
	ip_key_format(hi, b, sizeof(b));
	snprintf(out, size, "%s-%s", a, b);
}

/* Add prefix -> asn for a range of the ASN data. */
static dn_status add_origin(struct pivot_run *r, uint32_t prefix, uint32_t asn,
                            const char *as_org, const char *source, uint32_t depth)
{
	if (asn == 0)
		return DN_OK;
	char key[16], detail[320];
	snprintf(key, sizeof(key), "AS%" PRIu32, asn);
	uint32_t id;
	dn_status rc = pivot_add_node(r, GRAPH_ASN, key, NULL, depth, &id);
	if (rc != DN_OK)
		return rc;
	if (as_org != NULL && r->g->nodes[id].label == r->g->nodes[id].key) {
		char label[300];
		snprintf(label, sizeof(label), "%s %s", key, as_org);
		const char *copy = arena_dup(&r->g->arena, label, strlen(label) + 1);
		if (copy != NULL)
			r->g->nodes[id].label = copy;
	}
	snprintf(detail, sizeof(detail), "%s %s", key, r->g->nodes[prefix].key);
	struct graph_evidence ev = {
	        .from = GRAPH_FROM_ASN, .source = source, .detail = detail, .count = 1};
	return pivot_link(r, prefix, id, GRAPH_REL_ORIGIN, &ev, r->current == prefix ? id : prefix,
	                  NULL);
}

/* The range that covers an address, with its source's name. */
struct prefix_hit {
	struct pivot_run *r;
	bool found;
	struct asn_range range; /* as_org in the scratch arena; other strings NULL */
	const char *source;
};

static dn_status take_hit(const struct asn_range *range, uint32_t source_id, int64_t load_id,
                          void *ctx)
{
	(void)load_id;
	struct prefix_hit *h = ctx;
	h->range = *range;
	h->range.origins = h->range.isp = h->range.organization = NULL;
	h->range.as_org = range->as_org != NULL ? pivot_scratch_dup(h->r, range->as_org) : NULL;
	h->source = pivot_source_name(h->r, source_id);
	if (range->as_org != NULL && h->range.as_org == NULL)
		return dn_fail(h->r->err, DN_ENOMEM, "out of memory reading an ASN range");
	h->found = true;
	return DN_OK;
}

/* Find the range that covers ip: in the caller's table when it gave one,
 * else by a store lookup. */
static dn_status find_prefix(struct pivot_run *r, const ip_key *ip, struct prefix_hit *h)
{
	if (r->opt->asn_table != NULL) {
		const struct asn_entry *e = asn_table_lookup(r->opt->asn_table, ip);
		if (e != NULL) {
			h->found = true;
			h->range = e->range;
			h->source = e->source;
		}
		return DN_OK;
	}
	r->stats->queries++;
	return store_query_asn_at(r->store, ip, take_hit, h, r->err);
}

/* Add ip -> prefix (and the prefix's ASN) from the IP-to-ASN data. */
static dn_status add_prefix_of(struct pivot_run *r, uint32_t ip_node, uint32_t depth)
{
	ip_key ip;
	if (!ip_key_parse(r->g->nodes[ip_node].key, &ip))
		return DN_OK;
	struct prefix_hit h = {.r = r};
	dn_status rc = find_prefix(r, &ip, &h);
	if (rc != DN_OK || !h.found)
		return rc;
	char key[128], detail[200];
	range_key(&h.range.lo, &h.range.hi, key, sizeof(key));
	uint32_t prefix;
	rc = pivot_add_node(r, GRAPH_PREFIX, key, NULL, depth, &prefix);
	if (rc != DN_OK)
		return rc;
	snprintf(detail, sizeof(detail), "AS%" PRIu32 " %s", h.range.asn, key);
	struct graph_evidence ev = {
	        .from = GRAPH_FROM_ASN, .source = h.source, .detail = detail, .count = 1};
	rc = pivot_link(r, ip_node, prefix, GRAPH_REL_IN_PREFIX, &ev,
	                r->current == ip_node ? prefix : ip_node, NULL);
	if (rc == DN_OK)
		rc = add_origin(r, prefix, h.range.asn, h.range.as_org, h.source, depth);
	return rc;
}

dn_status pivot_expand_ip(struct pivot_run *r)
{
	char key[64];
	snprintf(key, sizeof(key), "%s", r->g->nodes[r->current].key);
	ip_key ip;
	uint16_t rrtype = ip_key_parse(key, &ip) && ip_key_is_v4(&ip) ? TYPE_A : TYPE_AAAA;
	struct rec_list names = {0};
	bool go;
	dn_status rc = reverse_lookup(r, key, rrtype, &names, &go);
	if (rc == DN_OK && go)
		rc = add_records(r, &names, false);
	free(names.items);
	if (rc == DN_OK && go)
		rc = add_prefix_of(r, r->current, r->depth);
	return rc;
}

dn_status pivot_expand_prefix(struct pivot_run *r)
{
	char key[128];
	snprintf(key, sizeof(key), "%s", r->g->nodes[r->current].key);
	struct ip_range range;
	if (!ip_range_parse(key, &range))
		return DN_OK;
	struct rec_list names = {0};
	bool go;
	dn_status rc = reverse_lookup(r, key, range.family == 4 ? TYPE_A : TYPE_AAAA, &names, &go);
	uint32_t prefix = r->current;
	for (size_t i = 0; rc == DN_OK && go && i < names.n; i++) {
		const struct rec_copy *c = &names.items[i];
		ip_key ip;
		char ip_text[64];
		if (!ip_key_parse(c->rdata, &ip))
			continue;
		ip_key_format(&ip, ip_text, sizeof(ip_text));
		char detail[1200];
		struct graph_evidence ev;
		record_evidence(c, c->rrtype == TYPE_A ? "A" : "AAAA", detail, sizeof(detail), &ev);
		if (!pivot_follows(r, &ev))
			continue;
		uint32_t ip_node, domain;
		rc = pivot_add_node(r, GRAPH_IP, ip_text, NULL, r->depth, &ip_node);
		if (rc == DN_OK)
			rc = pivot_add_node(r, GRAPH_DOMAIN, c->rrname, NULL, r->depth, &domain);
		bool added = false;
		if (rc == DN_OK)
			rc = pivot_link(r, domain, ip_node, GRAPH_REL_RESOLVES, &ev, domain, &added);
		struct graph_evidence in = {.from = GRAPH_FROM_DERIVED,
		                            .source = "",
		                            .detail = "address in the prefix",
		                            .count = 1};
		if (rc == DN_OK && added)
			rc = pivot_link(r, ip_node, prefix, GRAPH_REL_IN_PREFIX, &in, ip_node, NULL);
	}
	free(names.items);
	return rc;
}

struct asn_collect {
	struct pivot_run *r;
	struct asn_range *ranges;
	uint32_t *sources;
	size_t n, cap, limit;
};

static dn_status collect_range(const struct asn_range *range, uint32_t source_id, void *ctx)
{
	struct asn_collect *c = ctx;
	if (c->n >= c->limit)
		return DN_ELIMIT;
	if (c->n == c->cap) {
		size_t cap = c->cap > 0 ? c->cap * 2 : 32;
		struct asn_range *grown = realloc(c->ranges, cap * sizeof(*grown));
		if (grown == NULL)
			return dn_fail(c->r->err, DN_ENOMEM, "out of memory reading ASN ranges");
		c->ranges = grown;
		uint32_t *ids = realloc(c->sources, cap * sizeof(*ids));
		if (ids == NULL)
			return dn_fail(c->r->err, DN_ENOMEM, "out of memory reading ASN ranges");
		c->sources = ids;
		c->cap = cap;
	}
	c->ranges[c->n] = *range;
	c->ranges[c->n].origins = NULL;
	c->ranges[c->n].isp = NULL;
	c->ranges[c->n].organization = NULL;
	c->ranges[c->n].as_org =
	        range->as_org != NULL ? pivot_scratch_dup(c->r, range->as_org) : NULL;
	c->sources[c->n] = source_id;
	c->n++;
	return DN_OK;
}

dn_status pivot_expand_asn(struct pivot_run *r)
{
	uint32_t asn;
	const char *key = r->g->nodes[r->current].key;
	if (sscanf(key, "AS%" SCNu32, &asn) != 1)
		return DN_OK;
	uint64_t limit = pivot_share_limit(r->opt, GRAPH_ASN);
	struct asn_collect c = {.r = r, .limit = limit + 1};
	struct store_asn_filter filter = {.by_asn = true, .asn = asn};
	r->stats->queries++;
	dn_status rc = store_query_asn_ranges(r->store, &filter, collect_range, &c, r->err);
	bool capped = rc == DN_ELIMIT;
	if (capped)
		rc = DN_OK;
	bool go = rc == DN_OK && pivot_check_share(r, c.n, capped, "prefixes");
	for (size_t i = 0; rc == DN_OK && go && i < c.n; i++) {
		char prefix_key[128];
		range_key(&c.ranges[i].lo, &c.ranges[i].hi, prefix_key, sizeof(prefix_key));
		uint32_t prefix;
		rc = pivot_add_node(r, GRAPH_PREFIX, prefix_key, NULL, r->depth, &prefix);
		const char *source = pivot_source_name(r, c.sources[i]);
		if (rc == DN_OK)
			rc = add_origin(r, prefix, asn, c.ranges[i].as_org, source, r->depth);
	}
	free(c.ranges);
	free(c.sources);
	return rc;
}

/* ---- Nameservers and mail exchangers ---- */

dn_status pivot_expand_host(struct pivot_run *r)
{
	char key[1024];
	enum graph_kind kind = r->g->nodes[r->current].kind;
	snprintf(key, sizeof(key), "%s", r->g->nodes[r->current].key);
	struct rec_list users = {0};
	bool go;
	dn_status rc = reverse_lookup(r, key, kind == GRAPH_MX ? TYPE_MX : TYPE_NS, &users, &go);
	if (rc == DN_OK && go)
		rc = add_records(r, &users, false);
	free(users.items);
	if (rc == DN_OK && go && kind == GRAPH_NAMESERVER)
		rc = pivot_whois_nameserver(r);
	return rc;
}
