/* The infrastructure graph: node and edge tables with hashed lookup, and
 * evidence merged per source. */
#include "graph/graph.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define NO_ID UINT32_MAX

static const char *const kind_names[GRAPH_KIND_COUNT] = {
	[GRAPH_DOMAIN] = "domain",       [GRAPH_REGDOMAIN] = "regdomain",
	[GRAPH_IP] = "ip",               [GRAPH_PREFIX] = "prefix",
	[GRAPH_ASN] = "asn",             [GRAPH_NAMESERVER] = "nameserver",
	[GRAPH_MX] = "mx",               [GRAPH_EMAIL] = "email",
	[GRAPH_PHONE] = "phone",         [GRAPH_NAME] = "name",
	[GRAPH_ORG] = "org",             [GRAPH_ADDRESS] = "address",
	[GRAPH_REGISTRAR] = "registrar", [GRAPH_CERT] = "cert",
	[GRAPH_SPKI] = "spki",           [GRAPH_ISSUER] = "issuer",
};

static const char *const relation_names[GRAPH_RELATION_COUNT] = {
	[GRAPH_REL_RESOLVES] = "resolves",       [GRAPH_REL_CNAME] = "cname",
	[GRAPH_REL_NS] = "ns",                   [GRAPH_REL_MX] = "mx",
	[GRAPH_REL_REGISTERED] = "registered",   [GRAPH_REL_REGISTRANT] = "registrant",
	[GRAPH_REL_REGISTRAR] = "registrar",     [GRAPH_REL_CERT_NAME] = "cert-name",
	[GRAPH_REL_CERT_KEY] = "cert-key",       [GRAPH_REL_CERT_ISSUER] = "cert-issuer",
	[GRAPH_REL_IN_PREFIX] = "in-prefix",     [GRAPH_REL_ORIGIN] = "origin",
};

static const enum graph_family relation_families[GRAPH_RELATION_COUNT] = {
	[GRAPH_REL_RESOLVES] = GRAPH_FAM_IP_SPACE,
	[GRAPH_REL_CNAME] = GRAPH_FAM_NAMING,
	[GRAPH_REL_NS] = GRAPH_FAM_DNS_HOSTING,
	[GRAPH_REL_MX] = GRAPH_FAM_DNS_HOSTING,
	[GRAPH_REL_REGISTERED] = GRAPH_FAM_NAMING,
	[GRAPH_REL_REGISTRANT] = GRAPH_FAM_REGISTRATION,
	[GRAPH_REL_REGISTRAR] = GRAPH_FAM_REGISTRATION,
	[GRAPH_REL_CERT_NAME] = GRAPH_FAM_CERTIFICATE,
	[GRAPH_REL_CERT_KEY] = GRAPH_FAM_CERTIFICATE,
	[GRAPH_REL_CERT_ISSUER] = GRAPH_FAM_CERTIFICATE,
	[GRAPH_REL_IN_PREFIX] = GRAPH_FAM_IP_SPACE,
	[GRAPH_REL_ORIGIN] = GRAPH_FAM_IP_SPACE,
};

static const char *const family_names[GRAPH_FAMILY_COUNT] = {
	[GRAPH_FAM_NAMING] = "naming",
	[GRAPH_FAM_REGISTRATION] = "registration",
	[GRAPH_FAM_DNS_HOSTING] = "dns-hosting",
	[GRAPH_FAM_CERTIFICATE] = "certificate",
	[GRAPH_FAM_IP_SPACE] = "ip-space",
};

const char *graph_kind_name(enum graph_kind kind)
{
	return (unsigned)kind < GRAPH_KIND_COUNT ? kind_names[kind] : "?";
}

const char *graph_relation_name(enum graph_relation rel)
{
	return (unsigned)rel < GRAPH_RELATION_COUNT ? relation_names[rel] : "?";
}

const char *graph_family_name(enum graph_family fam)
{
	return (unsigned)fam < GRAPH_FAMILY_COUNT ? family_names[fam] : "?";
}

enum graph_family graph_relation_family(enum graph_relation rel)
{
	return (unsigned)rel < GRAPH_RELATION_COUNT ? relation_families[rel] : GRAPH_FAM_NAMING;
}

const char *graph_store_kind_name(enum graph_store_kind from)
{
	switch (from) {
	case GRAPH_FROM_PDNS: return "pdns";
	case GRAPH_FROM_WHOIS: return "whois";
	case GRAPH_FROM_CERT: return "cert";
	case GRAPH_FROM_ASN: return "asn";
	case GRAPH_FROM_DERIVED: return "derived";
	}
	return "?";
}

const char *graph_hold_name(enum graph_hold hold)
{
	switch (hold) {
	case GRAPH_HOLD_NONE: return "none";
	case GRAPH_HOLD_DEPTH: return "depth";
	case GRAPH_HOLD_SHARED: return "shared";
	case GRAPH_HOLD_LISTED: return "listed";
	case GRAPH_HOLD_MASKED: return "masked";
	case GRAPH_HOLD_WEAK: return "weak";
	}
	return "?";
}

bool graph_kind_parse(const char *name, enum graph_kind *kind)
{
	for (int k = 0; k < GRAPH_KIND_COUNT; k++) {
		if (strcmp(name, kind_names[k]) == 0) {
			*kind = (enum graph_kind)k;
			return true;
		}
	}
	return false;
}

void graph_init(struct graph *g)
{
	memset(g, 0, sizeof(*g));
	arena_init(&g->arena, 64 * 1024);
}

void graph_free(struct graph *g)
{
	for (size_t i = 0; i < g->n_edges; i++)
		free(g->edges[i].evidence);
	free(g->nodes);
	free(g->edges);
	free(g->node_slots);
	free(g->edge_slots);
	free(g->adj);
	free(g->adj_start);
	free(g->adj_count);
	arena_free(&g->arena);
	memset(g, 0, sizeof(*g));
}

static uint64_t node_hash(enum graph_kind kind, const char *key)
{
	return XXH3_64bits_withSeed(key, strlen(key), (uint64_t)kind + 1);
}

static uint64_t edge_hash(uint32_t from, uint32_t to, enum graph_relation rel)
{
	uint32_t k[3] = {from, to, (uint32_t)rel};
	return XXH3_64bits(k, sizeof(k));
}

/* Grow a table of ids to twice its size and put every id back, keyed by
 * hash_of(id). */
static dn_status rehash(uint32_t **slots, size_t *count, size_t n,
                        uint64_t (*hash_of)(const struct graph *, uint32_t),
                        const struct graph *g, struct dn_error *err)
{
	size_t size = *count ? *count * 2 : 1024;
	uint32_t *t = malloc(size * sizeof(*t));
	if (t == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a graph of %zu entries", n);
	memset(t, 0xff, size * sizeof(*t));
	for (uint32_t id = 0; id < n; id++) {
		size_t i = hash_of(g, id) & (size - 1);
		while (t[i] != NO_ID)
			i = (i + 1) & (size - 1);
		t[i] = id;
	}
	free(*slots);
	*slots = t;
	*count = size;
	return DN_OK;
}

static uint64_t node_hash_of(const struct graph *g, uint32_t id)
{
	return node_hash(g->nodes[id].kind, g->nodes[id].key);
}

static uint64_t edge_hash_of(const struct graph *g, uint32_t id)
{
	const struct graph_edge *e = &g->edges[id];
	return edge_hash(e->from, e->to, e->relation);
}

uint32_t graph_find(const struct graph *g, enum graph_kind kind, const char *key)
{
	if (g->node_slot_count == 0)
		return NO_ID;
	size_t mask = g->node_slot_count - 1;
	for (size_t i = node_hash(kind, key) & mask;; i = (i + 1) & mask) {
		uint32_t id = g->node_slots[i];
		if (id == NO_ID)
			return NO_ID;
		if (g->nodes[id].kind == kind && strcmp(g->nodes[id].key, key) == 0)
			return id;
	}
}

static const char *copy_str(struct graph *g, const char *s)
{
	return arena_dup(&g->arena, s, strlen(s) + 1);
}

dn_status graph_add_node(struct graph *g, enum graph_kind kind, const char *key,
                         const char *label, uint32_t *id, struct dn_error *err)
{
	uint32_t found = graph_find(g, kind, key);
	if (found != NO_ID) {
		*id = found;
		return DN_OK;
	}
	if (g->n_nodes >= NO_ID - 1)
		return dn_fail(err, DN_ELIMIT, "the graph holds too many nodes");
	if (g->n_nodes == g->cap_nodes) {
		size_t cap = g->cap_nodes ? g->cap_nodes * 2 : 256;
		struct graph_node *n = realloc(g->nodes, cap * sizeof(*n));
		if (n == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory for %zu graph nodes", cap);
		g->nodes = n;
		g->cap_nodes = cap;
	}
	struct graph_node *n = &g->nodes[g->n_nodes];
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->key = copy_str(g, key);
	n->label = label && strcmp(label, key) != 0 ? copy_str(g, label) : n->key;
	if (n->key == NULL || n->label == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a graph node");
	n->depth = UINT32_MAX;
	n->cluster = -1;
	g->n_nodes++;
	/* Keep the table at most half full. */
	if (g->n_nodes * 2 > g->node_slot_count) {
		dn_status rc = rehash(&g->node_slots, &g->node_slot_count, g->n_nodes,
		                      node_hash_of, g, err);
		if (rc) {
			g->n_nodes--;
			return rc;
		}
	} else {
		size_t mask = g->node_slot_count - 1;
		size_t i = node_hash(kind, key) & mask;
		while (g->node_slots[i] != NO_ID)
			i = (i + 1) & mask;
		g->node_slots[i] = (uint32_t)(g->n_nodes - 1);
	}
	*id = (uint32_t)(g->n_nodes - 1);
	return DN_OK;
}

static void widen(int64_t *first, int64_t *last, int64_t f, int64_t l)
{
	if (f == 0 && l == 0)
		return;
	if (*first == 0 || (f != 0 && f < *first))
		*first = f;
	if (l > *last)
		*last = l;
}

static dn_status merge_evidence(struct graph *g, struct graph_edge *e,
                                const struct graph_evidence *ev, struct dn_error *err)
{
	const char *source = ev->source ? ev->source : "";
	const char *detail = ev->detail ? ev->detail : "";
	for (size_t i = 0; i < e->n_evidence; i++) {
		struct graph_evidence *have = &e->evidence[i];
		if (have->from != ev->from || strcmp(have->detail, detail) != 0)
			continue;
		bool same_source = strcmp(have->source, source) == 0;
		/* One record read twice, once with its source's name and once
		 * through a lookup that does not return it (reverse WHOIS):
		 * keep one piece of evidence under the name. */
		bool unnamed_copy = !same_source && (have->source[0] == '\0' || source[0] == '\0');
		if (!same_source && !unnamed_copy)
			continue;
		widen(&have->time_first, &have->time_last, ev->time_first, ev->time_last);
		if (same_source)
			have->count += ev->count;
		else if (ev->count > have->count)
			have->count = ev->count;
		if (ev->sources > have->sources)
			have->sources = ev->sources;
		if (have->source[0] == '\0' && source[0] != '\0') {
			const char *named = copy_str(g, source);
			if (named == NULL)
				return dn_fail(err, DN_ENOMEM, "out of memory for graph evidence");
			have->source = named;
		}
		return DN_OK;
	}
	if (e->n_evidence == e->cap_evidence) {
		size_t cap = e->cap_evidence ? e->cap_evidence * 2 : 2;
		struct graph_evidence *a = realloc(e->evidence, cap * sizeof(*a));
		if (a == NULL)
			return dn_fail(err, DN_ENOMEM, "out of memory for graph evidence");
		e->evidence = a;
		e->cap_evidence = cap;
	}
	struct graph_evidence *add = &e->evidence[e->n_evidence];
	*add = *ev;
	add->source = copy_str(g, source);
	add->detail = copy_str(g, detail);
	if (add->source == NULL || add->detail == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for graph evidence");
	e->n_evidence++;
	return DN_OK;
}

uint32_t graph_find_edge(const struct graph *g, uint32_t from, uint32_t to,
                         enum graph_relation relation)
{
	if (g->edge_slot_count == 0)
		return UINT32_MAX;
	size_t mask = g->edge_slot_count - 1;
	for (size_t i = edge_hash(from, to, relation) & mask;; i = (i + 1) & mask) {
		uint32_t e = g->edge_slots[i];
		if (e == NO_ID)
			return UINT32_MAX;
		if (g->edges[e].from == from && g->edges[e].to == to &&
		    g->edges[e].relation == relation)
			return e;
	}
}

dn_status graph_add_edge(struct graph *g, uint32_t from, uint32_t to,
                         enum graph_relation relation, const struct graph_evidence *ev,
                         uint32_t *id, struct dn_error *err)
{
	if (from >= g->n_nodes || to >= g->n_nodes)
		return dn_fail(err, DN_EINVAL, "graph edge %u -> %u names a missing node", from, to);
	uint32_t found = NO_ID;
	if (g->edge_slot_count) {
		size_t mask = g->edge_slot_count - 1;
		for (size_t i = edge_hash(from, to, relation) & mask;; i = (i + 1) & mask) {
			uint32_t e = g->edge_slots[i];
			if (e == NO_ID)
				break;
			if (g->edges[e].from == from && g->edges[e].to == to &&
			    g->edges[e].relation == relation) {
				found = e;
				break;
			}
		}
	}
	if (found == NO_ID) {
		if (g->n_edges >= NO_ID - 1)
			return dn_fail(err, DN_ELIMIT, "the graph holds too many edges");
		if (g->n_edges == g->cap_edges) {
			size_t cap = g->cap_edges ? g->cap_edges * 2 : 256;
			struct graph_edge *a = realloc(g->edges, cap * sizeof(*a));
			if (a == NULL)
				return dn_fail(err, DN_ENOMEM, "out of memory for %zu graph edges", cap);
			g->edges = a;
			g->cap_edges = cap;
		}
		struct graph_edge *e = &g->edges[g->n_edges];
		memset(e, 0, sizeof(*e));
		e->from = from;
		e->to = to;
		e->relation = relation;
		g->n_edges++;
		found = (uint32_t)(g->n_edges - 1);
		if (g->n_edges * 2 > g->edge_slot_count) {
			dn_status rc = rehash(&g->edge_slots, &g->edge_slot_count, g->n_edges,
			                      edge_hash_of, g, err);
			if (rc) {
				g->n_edges--;
				return rc;
			}
		} else {
			size_t mask = g->edge_slot_count - 1;
			size_t i = edge_hash(from, to, relation) & mask;
			while (g->edge_slots[i] != NO_ID)
				i = (i + 1) & mask;
			g->edge_slots[i] = found;
		}
	}
	struct graph_edge *e = &g->edges[found];
	if (ev) {
		dn_status rc = merge_evidence(g, e, ev, err);
		if (rc)
			return rc;
		widen(&e->time_first, &e->time_last, ev->time_first, ev->time_last);
		widen(&g->nodes[from].time_first, &g->nodes[from].time_last, ev->time_first,
		      ev->time_last);
		widen(&g->nodes[to].time_first, &g->nodes[to].time_last, ev->time_first,
		      ev->time_last);
	}
	if (id)
		*id = found;
	return DN_OK;
}

dn_status graph_index_edges(struct graph *g, struct dn_error *err)
{
	free(g->adj);
	free(g->adj_start);
	free(g->adj_count);
	g->adj = malloc((g->n_edges * 2 + 1) * sizeof(*g->adj));
	g->adj_start = calloc(g->n_nodes + 1, sizeof(*g->adj_start));
	g->adj_count = calloc(g->n_nodes + 1, sizeof(*g->adj_count));
	if (g->adj == NULL || g->adj_start == NULL || g->adj_count == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory indexing %zu graph edges", g->n_edges);
	for (size_t i = 0; i < g->n_edges; i++) {
		g->adj_count[g->edges[i].from]++;
		if (g->edges[i].to != g->edges[i].from)
			g->adj_count[g->edges[i].to]++;
	}
	size_t at = 0;
	for (size_t n = 0; n < g->n_nodes; n++) {
		g->adj_start[n] = at;
		at += g->adj_count[n];
		g->adj_count[n] = 0;
	}
	for (size_t i = 0; i < g->n_edges; i++) {
		uint32_t f = g->edges[i].from, t = g->edges[i].to;
		g->adj[g->adj_start[f] + g->adj_count[f]++] = (uint32_t)i;
		if (t != f)
			g->adj[g->adj_start[t] + g->adj_count[t]++] = (uint32_t)i;
	}
	return DN_OK;
}
