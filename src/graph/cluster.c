/* Operator clusters: the ties between domains of a mapped graph, weighed,
 * and joined into connected components. docs/mapping.md gives the weights
 * and the reasons for them, and cluster_report.c turns the components into
 * the result. */
#include "graph/cluster.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/cluster_internal.h"
#include "graph/registrants.h"

/* Values shared by more domain units than this link by themselves or not at
 * all, because weighing every pair of them would be quadratic. Their
 * weight at that size is small (an IP shared by 32 weighs at most 0.26). */
#define PAIR_SPAN 32

/* Strength of a value shared by exactly two domains, and how fast it fades
 * as more share it: weight = base / (1 + decay * ln(share / 2)).
 * NOTE: the numbers are judgement, not fitted to labelled data. */
struct kind_weight {
	double base;
	double decay;
};

static const struct kind_weight kind_weights[GRAPH_KIND_COUNT] = {
        [GRAPH_IP] = {0.70, 0.6},        [GRAPH_PREFIX] = {0.30, 0.6},
        [GRAPH_ASN] = {0.15, 0.5},       [GRAPH_NAMESERVER] = {0.50, 0.5},
        [GRAPH_MX] = {0.50, 0.5},        [GRAPH_EMAIL] = {0.85, 0.1},
        [GRAPH_PHONE] = {0.80, 0.1},     [GRAPH_NAME] = {0.50, 0.3},
        [GRAPH_ORG] = {0.60, 0.2},       [GRAPH_ADDRESS] = {0.65, 0.2},
        [GRAPH_REGISTRAR] = {0.10, 0.5}, [GRAPH_CERT] = {0.90, 0.3},
        [GRAPH_SPKI] = {0.95, 0.1},      [GRAPH_ISSUER] = {0.70, 0.05},
};

/* The issuer of CA-issued certificates: a CA serves many unrelated
 * customers, so, like an ASN, it only corroborates. The issuer weight in
 * the table is for the organisation of self-signed certificates, which the
 * operator chose. */
static const struct kind_weight ca_issuer_weight = {0.15, 0.5};

/* A CNAME target shared by two names: one points at the other's host. */
static const struct kind_weight cname_weight = {0.60, 0.5};

/* The hops from a value node to the domains it ties, per kind. */
struct kind_path {
	enum graph_relation hops[3];
	size_t n_hops;
};

static const struct kind_path kind_paths[GRAPH_KIND_COUNT] = {
        [GRAPH_IP] = {{GRAPH_REL_RESOLVES}, 1},
        [GRAPH_PREFIX] = {{GRAPH_REL_IN_PREFIX, GRAPH_REL_RESOLVES}, 2},
        [GRAPH_ASN] = {{GRAPH_REL_ORIGIN, GRAPH_REL_IN_PREFIX, GRAPH_REL_RESOLVES}, 3},
        [GRAPH_NAMESERVER] = {{GRAPH_REL_NS}, 1},
        [GRAPH_MX] = {{GRAPH_REL_MX}, 1},
        [GRAPH_EMAIL] = {{GRAPH_REL_REGISTRANT}, 1},
        [GRAPH_PHONE] = {{GRAPH_REL_REGISTRANT}, 1},
        [GRAPH_NAME] = {{GRAPH_REL_REGISTRANT}, 1},
        [GRAPH_ORG] = {{GRAPH_REL_REGISTRANT}, 1},
        [GRAPH_ADDRESS] = {{GRAPH_REL_REGISTRANT}, 1},
        [GRAPH_REGISTRAR] = {{GRAPH_REL_REGISTRAR}, 1},
        [GRAPH_CERT] = {{GRAPH_REL_CERT_NAME}, 1},
        [GRAPH_SPKI] = {{GRAPH_REL_CERT_KEY, GRAPH_REL_CERT_NAME}, 2},
        [GRAPH_ISSUER] = {{GRAPH_REL_CERT_ISSUER, GRAPH_REL_CERT_NAME}, 2},
};

void cluster_options_init(struct cluster_options *opt)
{
	opt->link_min = 0.4;
	opt->share_max = 1000;
	opt->overlap_only = false;
	opt->max_reasons = 5;
}

const char *cluster_level_name(enum cluster_level level)
{
	switch (level) {
	case CLUSTER_TENTATIVE:
		return "tentative";
	case CLUSTER_LOW:
		return "low";
	case CLUSTER_MEDIUM:
		return "medium";
	case CLUSTER_HIGH:
		return "high";
	}
	return "?";
}

enum cluster_level cluster_level_of(double confidence)
{
	if (confidence >= 0.90)
		return CLUSTER_HIGH;
	if (confidence >= 0.70)
		return CLUSTER_MEDIUM;
	if (confidence >= 0.40)
		return CLUSTER_LOW;
	return CLUSTER_TENTATIVE;
}

void cluster_result_free(struct cluster_result *res)
{
	arena_free(&res->arena);
	memset(res, 0, sizeof(*res));
}

static bool is_domain(const struct graph_node *n)
{
	return n->kind == GRAPH_DOMAIN || n->kind == GRAPH_REGDOMAIN;
}

/* Held nodes never link; a node held only because it sat at the last hop
 * still does. */
static bool is_held(const struct graph_node *n)
{
	return n->hold == GRAPH_HOLD_SHARED || n->hold == GRAPH_HOLD_LISTED ||
	       n->hold == GRAPH_HOLD_MASKED;
}

static double rarity(const struct kind_weight *w, uint64_t share)
{
	if (share <= 2)
		return 1.0;
	return 1.0 / (1.0 + w->decay * log((double)share / 2.0));
}

/* Independent sources that saw a value: one 0.8, two 0.9, three or more 1. */
static double source_factor(uint32_t n_sources)
{
	if (n_sources >= 3)
		return 1.0;
	return n_sources == 2 ? 0.9 : 0.8;
}

/* The WHOIS role named at the start of an evidence detail such as
 * "admin email", or NULL when it names none. */
static const char *detail_role(const char *detail)
{
	static const char *const roles[] = {"registrant", "admin", "tech", "billing"};
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		size_t len = strlen(roles[i]);
		if (strncmp(detail, roles[i], len) == 0 &&
		    (detail[len] == '\0' || detail[len] == ' '))
			return roles[i];
	}
	return NULL;
}

/* The same factors as registrant correlation: a shared admin contact
 * weighs 0.7 of a registrant one, tech and billing 0.5. */
static float role_factor(const char *role)
{
	if (role == NULL || strcmp(role, "registrant") == 0)
		return 1.0f;
	return strcmp(role, "admin") == 0 ? 0.7f : 0.5f;
}

/* The strongest role factor among the evidence of a REGISTRANT edge. */
static float edge_role_factor(const struct graph_edge *e)
{
	if (e->n_evidence == 0)
		return 1.0f;
	float best = 0.0f;
	for (size_t i = 0; i < e->n_evidence; i++) {
		float f = role_factor(detail_role(e->evidence[i].detail));
		if (f > best)
			best = f;
	}
	return best;
}

static bool spans_overlap(const struct cl_entry *a, const struct cl_entry *b)
{
	if (a->time_first == 0 && a->time_last == 0)
		return true;
	if (b->time_first == 0 && b->time_last == 0)
		return true;
	return a->time_first <= b->time_last && b->time_first <= a->time_last;
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

uint32_t cl_find(struct cl_ctx *ctx, uint32_t u)
{
	while (ctx->parent[u] != u) {
		ctx->parent[u] = ctx->parent[ctx->parent[u]];
		u = ctx->parent[u];
	}
	return u;
}

/* Join two units. The smaller root wins, so that roots do not depend on
 * the order of the calls. */
static void cl_union(struct cl_ctx *ctx, uint32_t a, uint32_t b)
{
	a = cl_find(ctx, a);
	b = cl_find(ctx, b);
	if (a < b)
		ctx->parent[b] = a;
	else if (b < a)
		ctx->parent[a] = b;
}

/* A growable array in plain malloc memory. */
dn_status cl_grow(void **items, size_t *cap, size_t need, size_t size, struct dn_error *err)
{
	if (need <= *cap)
		return DN_OK;
	size_t n = *cap ? *cap : 64;
	while (n < need)
		n *= 2;
	void *p = realloc(*items, n * size);
	if (p == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for %zu cluster entries", n);
	*items = p;
	*cap = n;
	return DN_OK;
}

/* Units: every domain and regdomain node, joined to the nodes it is
 * registered under unless that registrable domain is held. */
static dn_status build_units(struct cl_ctx *ctx)
{
	struct graph *g = ctx->g;
	uint32_t *root = malloc((g->n_nodes + 1) * sizeof(*root));
	ctx->unit_of = malloc((g->n_nodes + 1) * sizeof(*ctx->unit_of));
	if (root == NULL || ctx->unit_of == NULL) {
		free(root);
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu graph nodes",
		               g->n_nodes);
	}
	for (uint32_t i = 0; i < g->n_nodes; i++)
		root[i] = i;
	for (size_t e = 0; e < g->n_edges; e++) {
		const struct graph_edge *edge = &g->edges[e];
		if (edge->relation != GRAPH_REL_REGISTERED)
			continue;
		const struct graph_node *a = &g->nodes[edge->from], *b = &g->nodes[edge->to];
		if (!is_domain(a) || !is_domain(b) || is_held(a) || is_held(b))
			continue;
		uint32_t x = edge->from, y = edge->to;
		while (root[x] != x)
			x = root[x] = root[root[x]];
		while (root[y] != y)
			y = root[y] = root[root[y]];
		if (x < y)
			root[y] = x;
		else
			root[x] = y;
	}

	/* Number the units in the order of their first node. */
	size_t n_units = 0;
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		ctx->unit_of[i] = CL_NONE;
		if (!is_domain(&g->nodes[i]))
			continue;
		uint32_t r = i;
		while (root[r] != r)
			r = root[r];
		if (r == i)
			ctx->unit_of[i] = (uint32_t)n_units++;
		else
			ctx->unit_of[i] = ctx->unit_of[r];
	}
	free(root);
	ctx->n_units = n_units;

	ctx->unit_start = arena_alloc(&ctx->scratch, (n_units + 1) * sizeof(*ctx->unit_start));
	ctx->unit_count = arena_alloc(&ctx->scratch, (n_units + 1) * sizeof(*ctx->unit_count));
	ctx->unit_nodes = arena_alloc(&ctx->scratch, (g->n_nodes + 1) * sizeof(*ctx->unit_nodes));
	ctx->parent = arena_alloc(&ctx->scratch, (n_units + 1) * sizeof(*ctx->parent));
	if (!ctx->unit_start || !ctx->unit_count || !ctx->unit_nodes || !ctx->parent)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu domain units", n_units);
	memset(ctx->unit_count, 0, (n_units + 1) * sizeof(*ctx->unit_count));
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (ctx->unit_of[i] != CL_NONE)
			ctx->unit_count[ctx->unit_of[i]]++;
	}
	size_t at = 0;
	for (size_t u = 0; u < n_units; u++) {
		ctx->unit_start[u] = at;
		at += ctx->unit_count[u];
		ctx->unit_count[u] = 0;
		ctx->parent[u] = (uint32_t)u;
	}
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		uint32_t u = ctx->unit_of[i];
		if (u != CL_NONE)
			ctx->unit_nodes[ctx->unit_start[u] + ctx->unit_count[u]++] = i;
	}
	return DN_OK;
}

/* Raw touches of one value before they merge per unit. */
struct touch {
	uint32_t unit;
	uint32_t edge; /* the edge that reaches the domain node */
	float factor;
};

struct touch_buf {
	struct touch *items;
	size_t n, cap;
};

/* Follow path from node to the domain nodes at its end. Held nodes on the
 * way are not crossed: a held CDN address carries nothing to its prefix. */
static dn_status walk(struct cl_ctx *ctx, uint32_t node, const enum graph_relation *hops,
                      size_t n_hops, struct touch_buf *buf)
{
	const struct graph *g = ctx->g;
	size_t start = g->adj_start[node];
	for (uint32_t k = 0; k < g->adj_count[node]; k++) {
		uint32_t e = g->adj[start + k];
		const struct graph_edge *edge = &g->edges[e];
		if (edge->relation != hops[0])
			continue;
		uint32_t other = graph_other(edge, node);
		if (other == node)
			continue;
		if (n_hops > 1) {
			if (is_held(&g->nodes[other]))
				continue;
			dn_status rc = walk(ctx, other, hops + 1, n_hops - 1, buf);
			if (rc)
				return rc;
			continue;
		}
		uint32_t unit = ctx->unit_of[other];
		if (unit == CL_NONE)
			continue;
		if (cl_grow((void **)&buf->items, &buf->cap, buf->n + 1, sizeof(*buf->items),
		         ctx->err))
			return DN_ENOMEM;
		float factor =
		        edge->relation == GRAPH_REL_REGISTRANT ? edge_role_factor(edge) : 1.0f;
		buf->items[buf->n++] = (struct touch){unit, e, factor};
	}
	return DN_OK;
}

static int touch_cmp(const void *a, const void *b)
{
	const struct touch *x = a, *y = b;
	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	return x->edge < y->edge ? -1 : x->edge > y->edge;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Count the distinct non-empty source names on the edges of the touches,
 * or the largest number of sources the store merged into one piece of
 * evidence (pDNS records) when that is more. The count is at least 1,
 * because an edge without a source name was still seen by something. */
static dn_status count_sources(struct cl_ctx *ctx, const struct touch_buf *buf, uint32_t *out)
{
	size_t n = 0;
	for (size_t i = 0; i < buf->n; i++)
		n += ctx->g->edges[buf->items[i].edge].n_evidence;
	const char **names = malloc((n + 1) * sizeof(*names));
	if (names == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory counting %zu sources", n);
	size_t k = 0;
	uint32_t merged = 0;
	for (size_t i = 0; i < buf->n; i++) {
		const struct graph_edge *e = &ctx->g->edges[buf->items[i].edge];
		for (size_t j = 0; j < e->n_evidence; j++) {
			if (e->evidence[j].source[0] != '\0')
				names[k++] = e->evidence[j].source;
			if (e->evidence[j].sources > merged)
				merged = e->evidence[j].sources;
		}
	}
	if (k > 1)
		qsort(names, k, sizeof(*names), str_cmp);
	uint32_t distinct = 0;
	for (size_t i = 0; i < k; i++)
		distinct += i == 0 || strcmp(names[i - 1], names[i]) != 0;
	free(names);
	if (merged > distinct)
		distinct = merged;
	*out = distinct ? distinct : 1;
	return DN_OK;
}

/* Merge the touches per unit into entries and add a tie for them. */
static dn_status add_tie(struct cl_ctx *ctx, enum cl_tie_type type, uint32_t value,
                         const struct kind_weight *kw, enum graph_family family, bool held,
                         struct touch_buf *buf)
{
	const struct graph *g = ctx->g;
	if (buf->n > 1)
		qsort(buf->items, buf->n, sizeof(*buf->items), touch_cmp);
	size_t first = ctx->n_entries;
	for (size_t i = 0; i < buf->n; i++) {
		const struct touch *t = &buf->items[i];
		const struct graph_edge *e = t->edge == CL_NONE ? NULL : &g->edges[t->edge];
		int64_t f = e ? e->time_first : 0, l = e ? e->time_last : 0;
		if (ctx->n_entries > first && ctx->entries[ctx->n_entries - 1].unit == t->unit) {
			struct cl_entry *have = &ctx->entries[ctx->n_entries - 1];
			if (t->factor > have->factor)
				have->factor = t->factor;
			widen(&have->time_first, &have->time_last, f, l);
			continue;
		}
		if (cl_grow((void **)&ctx->entries, &ctx->cap_entries, ctx->n_entries + 1,
		         sizeof(*ctx->entries), ctx->err))
			return DN_ENOMEM;
		ctx->entries[ctx->n_entries++] = (struct cl_entry){t->unit, t->factor, f, l};
	}
	size_t n = ctx->n_entries - first;
	if (n == 0)
		return DN_OK;

	/* The pivot counts the sharers of a value, not of a CNAME target. */
	const struct graph_node *node = &g->nodes[value];
	uint64_t counted = type == CL_VALUE ? node->share : 0;
	uint64_t share = counted > n ? counted : n;
	bool linkable = !held && n >= 2 && share <= ctx->opt->share_max;
	uint32_t n_sources = 1;
	if (linkable) {
		/* The target of a CNAME tie has no edge of its own. The
		 * entries are built, so the touches may be dropped. */
		size_t k = 0;
		for (size_t i = 0; i < buf->n; i++) {
			if (buf->items[i].edge != CL_NONE)
				buf->items[k++] = buf->items[i];
		}
		buf->n = k;
		if (count_sources(ctx, buf, &n_sources))
			return DN_ENOMEM;
	}
	if (cl_grow((void **)&ctx->ties, &ctx->cap_ties, ctx->n_ties + 1, sizeof(*ctx->ties),
	         ctx->err))
		return DN_ENOMEM;
	ctx->ties[ctx->n_ties++] = (struct cl_tie){
	        .type = type,
	        .family = family,
	        .value = value,
	        .linkable = linkable,
	        .weight = kw->base * rarity(kw, share) * source_factor(n_sources),
	        .share = share,
	        .share_counted = counted >= n,
	        .share_capped = counted > 0 && node->share_capped && counted >= n,
	        .n_sources = n_sources,
	        .first = first,
	        .n = n,
	};
	return DN_OK;
}

static enum graph_family kind_family(enum graph_kind kind)
{
	return graph_relation_family(kind_paths[kind].hops[0]);
}

/* True when an issuer node stands for self-signed certificates: the pivot
 * marks the evidence of their issuer edges "self-signed issuer ...". */
static bool self_signed_issuer(const struct graph *g, uint32_t issuer)
{
	for (uint32_t k = 0; k < g->adj_count[issuer]; k++) {
		const struct graph_edge *e = &g->edges[g->adj[g->adj_start[issuer] + k]];
		if (e->relation != GRAPH_REL_CERT_ISSUER)
			continue;
		for (size_t i = 0; i < e->n_evidence; i++)
			if (strncmp(e->evidence[i].detail, "self-signed", 11) == 0)
				return true;
	}
	return false;
}

/* A tie for every value node and every CNAME target. */
static dn_status collect_value_ties(struct cl_ctx *ctx, struct touch_buf *buf)
{
	struct graph *g = ctx->g;
	for (uint32_t v = 0; v < g->n_nodes; v++) {
		const struct graph_node *node = &g->nodes[v];
		if (is_domain(node) || (unsigned)node->kind >= GRAPH_KIND_COUNT)
			continue;
		const struct kind_path *path = &kind_paths[node->kind];
		buf->n = 0;
		if (walk(ctx, v, path->hops, path->n_hops, buf))
			return DN_ENOMEM;
		const struct kind_weight *kw = &kind_weights[node->kind];
		if (node->kind == GRAPH_ISSUER && !self_signed_issuer(g, v))
			kw = &ca_issuer_weight;
		if (add_tie(ctx, CL_VALUE, v, kw, kind_family(node->kind), is_held(node), buf))
			return DN_ENOMEM;
	}

	for (uint32_t t = 0; t < g->n_nodes; t++) {
		const struct graph_node *node = &g->nodes[t];
		if (ctx->unit_of[t] == CL_NONE)
			continue;
		buf->n = 0;
		size_t start = g->adj_start[t];
		for (uint32_t k = 0; k < g->adj_count[t]; k++) {
			uint32_t e = g->adj[start + k];
			const struct graph_edge *edge = &g->edges[e];
			if (edge->relation != GRAPH_REL_CNAME || edge->to != t || edge->from == t)
				continue;
			uint32_t unit = ctx->unit_of[edge->from];
			if (unit == CL_NONE || is_held(&g->nodes[edge->from]))
				continue;
			if (cl_grow((void **)&buf->items, &buf->cap, buf->n + 2, sizeof(*buf->items),
			         ctx->err))
				return DN_ENOMEM;
			buf->items[buf->n++] = (struct touch){unit, e, 1.0f};
		}
		if (buf->n == 0)
			continue;
		buf->items[buf->n++] = (struct touch){ctx->unit_of[t], CL_NONE, 1.0f};
		if (add_tie(ctx, CL_CNAME, t, &cname_weight, GRAPH_FAM_NAMING, is_held(node), buf))
			return DN_ENOMEM;
	}
	return DN_OK;
}

static uint32_t find_domain(const struct graph *g, const char *name)
{
	uint32_t id = graph_find(g, GRAPH_REGDOMAIN, name);
	return id != CL_NONE ? id : graph_find(g, GRAPH_DOMAIN, name);
}

static const struct kind_weight *field_weight(const char *field, enum graph_kind *kind)
{
	if (!graph_kind_parse(field, kind))
		return NULL;
	if (*kind < GRAPH_EMAIL || *kind > GRAPH_ADDRESS)
		return NULL;
	return &kind_weights[*kind];
}

/* The WHOIS rows that registrants_correlate() reads, one per REGISTRANT
 * edge and role. Held values go in masked, so they never link. */
static dn_status registrant_rows(struct cl_ctx *ctx, struct store_whois_value **rows_out,
                                 size_t *n_out)
{
	const struct graph *g = ctx->g;
	struct store_whois_value *rows = NULL;
	size_t n = 0, cap = 0;
	for (size_t e = 0; e < g->n_edges; e++) {
		const struct graph_edge *edge = &g->edges[e];
		if (edge->relation != GRAPH_REL_REGISTRANT)
			continue;
		const struct graph_node *d = &g->nodes[edge->from], *v = &g->nodes[edge->to];
		if (!is_domain(d)) {
			const struct graph_node *swap = d;
			d = v;
			v = swap;
		}
		if (!is_domain(d) || v->kind < GRAPH_EMAIL || v->kind > GRAPH_ADDRESS)
			continue;
		if (v->key[0] == '\0' || d->key[0] == '\0')
			continue;
		size_t n_roles = edge->n_evidence ? edge->n_evidence : 1;
		if (cl_grow((void **)&rows, &cap, n + n_roles, sizeof(*rows), ctx->err)) {
			free(rows);
			return DN_ENOMEM;
		}
		for (size_t i = 0; i < n_roles; i++) {
			const struct graph_evidence *ev =
			        edge->n_evidence ? &edge->evidence[i] : NULL;
			const char *role = ev ? detail_role(ev->detail) : NULL;
			rows[n++] = (struct store_whois_value){
			        .kind = graph_kind_name(v->kind),
			        .value = v->key,
			        .shown = v->label,
			        .domain = d->key,
			        .role = role ? role : "registrant",
			        .masked = is_held(v),
			        .time_first = ev ? ev->time_first : 0,
			        .time_last = ev ? ev->time_last : 0,
			};
		}
	}
	*rows_out = rows;
	*n_out = n;
	return DN_OK;
}

/* Turn one near-match of registrant values into a tie. Identical values
 * are value ties already, and bursts need creation dates the graph lacks.
 * NOTE: overlap_only does not apply here, because an item carries no time
 * per domain. */
static dn_status add_item_tie(struct cl_ctx *ctx, const struct registrants_evidence *ev,
                              const uint32_t *tie_of_node, struct touch_buf *buf)
{
	enum graph_kind kind;
	const struct kind_weight *kw = field_weight(ev->field, &kind);
	if (kw == NULL || ev->n_values == 0)
		return DN_OK;
	uint32_t value = graph_find(ctx->g, kind, ev->values[0]);
	if (value == CL_NONE)
		return DN_OK;
	uint32_t n_sources = 1;
	for (size_t i = 0; i < ev->n_values; i++) {
		uint32_t v = graph_find(ctx->g, kind, ev->values[i]);
		uint32_t t = v == CL_NONE ? CL_NONE : tie_of_node[v];
		if (t != CL_NONE && ctx->ties[t].n_sources > n_sources)
			n_sources = ctx->ties[t].n_sources;
	}

	buf->n = 0;
	for (size_t i = 0; i < ev->n_domains; i++) {
		uint32_t d = find_domain(ctx->g, ev->domains[i]);
		if (d == CL_NONE || ctx->unit_of[d] == CL_NONE)
			continue;
		if (cl_grow((void **)&buf->items, &buf->cap, buf->n + 1, sizeof(*buf->items),
		         ctx->err))
			return DN_ENOMEM;
		buf->items[buf->n++] = (struct touch){ctx->unit_of[d], CL_NONE, 1.0f};
	}
	if (buf->n > 1)
		qsort(buf->items, buf->n, sizeof(*buf->items), touch_cmp);
	size_t first = ctx->n_entries;
	for (size_t i = 0; i < buf->n; i++) {
		if (i > 0 && buf->items[i].unit == buf->items[i - 1].unit)
			continue;
		if (cl_grow((void **)&ctx->entries, &ctx->cap_entries, ctx->n_entries + 1,
		         sizeof(*ctx->entries), ctx->err))
			return DN_ENOMEM;
		ctx->entries[ctx->n_entries++] = (struct cl_entry){buf->items[i].unit, 1.0f, 0, 0};
	}
	size_t n = ctx->n_entries - first;
	if (n < 2) {
		ctx->n_entries = first;
		return DN_OK;
	}
	const char *reason = arena_printf(&ctx->res->arena, "%s", ev->reason);
	if (reason == NULL || cl_grow((void **)&ctx->ties, &ctx->cap_ties, ctx->n_ties + 1,
	                           sizeof(*ctx->ties), ctx->err))
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for registrant evidence");
	ctx->ties[ctx->n_ties++] = (struct cl_tie){
	        .type = CL_ITEM,
	        .family = GRAPH_FAM_REGISTRATION,
	        .value = value,
	        .linkable = true,
	        .weight = ev->weight * rarity(kw, n) * source_factor(n_sources),
	        .share = n,
	        .n_sources = n_sources,
	        .first = first,
	        .n = n,
	        .reason = reason,
	};
	return DN_OK;
}

/* Ties from registrant near-matches: phone numbers that differ in the last
 * digits, email variants, similar names, orgs and addresses. */
static dn_status collect_item_ties(struct cl_ctx *ctx, struct touch_buf *buf)
{
	struct store_whois_value *rows;
	size_t n_rows;
	if (registrant_rows(ctx, &rows, &n_rows))
		return DN_ENOMEM;
	if (n_rows == 0) {
		free(rows);
		return DN_OK;
	}
	struct registrants_options ropt;
	registrants_options_init(&ropt);
	if (ctx->opt->share_max < ropt.share_max)
		ropt.share_max = ctx->opt->share_max;
	struct registrants_result rres;
	dn_status rc = registrants_correlate(rows, n_rows, NULL, 0, &ropt, &rres, ctx->err);
	free(rows);
	if (rc)
		return rc;

	uint32_t *tie_of_node = malloc((ctx->g->n_nodes + 1) * sizeof(*tie_of_node));
	if (tie_of_node == NULL) {
		registrants_result_free(&rres);
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu graph nodes",
		               ctx->g->n_nodes);
	}
	memset(tie_of_node, 0xff, (ctx->g->n_nodes + 1) * sizeof(*tie_of_node));
	for (size_t t = 0; t < ctx->n_ties; t++) {
		if (ctx->ties[t].type == CL_VALUE)
			tie_of_node[ctx->ties[t].value] = (uint32_t)t;
	}
	for (size_t i = 0; i < rres.n_groups && rc == DN_OK; i++) {
		const struct registrants_group *grp = &rres.groups[i];
		for (size_t j = 0; j < grp->n_evidence && rc == DN_OK; j++) {
			const struct registrants_evidence *ev = &grp->evidence[j];
			if (ev->kind == REGISTRANTS_SAME_VALUE || ev->kind == REGISTRANTS_BURST)
				continue;
			rc = add_item_tie(ctx, ev, tie_of_node, buf);
		}
	}
	free(tie_of_node);
	registrants_result_free(&rres);
	return rc;
}

/* Two units and one family's weight between them. */
struct pair {
	uint32_t a, b;
	uint32_t family;
	float weight;
};

struct pair_buf {
	struct pair *items;
	size_t n, cap;
};

static int pair_cmp(const void *x, const void *y)
{
	const struct pair *p = x, *q = y;
	if (p->a != q->a)
		return p->a < q->a ? -1 : 1;
	if (p->b != q->b)
		return p->b < q->b ? -1 : 1;
	if (p->family != q->family)
		return p->family < q->family ? -1 : 1;
	return (p->weight > q->weight) ? -1 : (p->weight < q->weight);
}

static int entry_time_cmp(const void *x, const void *y)
{
	const struct cl_entry *p = *(const struct cl_entry *const *)x;
	const struct cl_entry *q = *(const struct cl_entry *const *)y;
	if (p->time_first != q->time_first)
		return p->time_first < q->time_first ? -1 : 1;
	return p->unit < q->unit ? -1 : p->unit > q->unit;
}

/* Join the units that a tie links by itself, and keep the weaker pairs
 * of small ties, which may link together with another family. */
static dn_status link_tie(struct cl_ctx *ctx, const struct cl_tie *tie, struct pair_buf *pairs)
{
	const struct cl_entry *entries = ctx->entries + tie->first;
	double link_min = ctx->opt->link_min;
	const struct cl_entry **strong = malloc((tie->n + 1) * sizeof(*strong));
	if (strong == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for a tie of %zu domains",
		               tie->n);
	size_t n_strong = 0;
	bool unknown_time = false;
	for (size_t i = 0; i < tie->n; i++) {
		if (tie->weight * entries[i].factor >= link_min) {
			strong[n_strong++] = &entries[i];
			unknown_time |= entries[i].time_first == 0 && entries[i].time_last == 0;
		}
	}
	/* Only pDNS links (addresses, nameservers, MX hosts, CNAMEs) say when
	 * they held. Registration and certificate links are not fenced. */
	bool fenced = ctx->opt->overlap_only && (tie->family == GRAPH_FAM_IP_SPACE ||
	                                         tie->family == GRAPH_FAM_DNS_HOSTING ||
	                                         tie->family == GRAPH_FAM_NAMING);
	if (!fenced || unknown_time) {
		for (size_t i = 1; i < n_strong; i++)
			cl_union(ctx, strong[0]->unit, strong[i]->unit);
	} else if (n_strong > 1) {
		/* Intervals sorted by start: each one that starts before the
		 * latest end so far overlaps an earlier one. */
		qsort(strong, n_strong, sizeof(*strong), entry_time_cmp);
		int64_t end = strong[0]->time_last;
		for (size_t i = 1; i < n_strong; i++) {
			if (strong[i]->time_first <= end)
				cl_union(ctx, strong[i - 1]->unit, strong[i]->unit);
			if (strong[i]->time_last > end)
				end = strong[i]->time_last;
		}
	}
	free(strong);

	if (tie->n > PAIR_SPAN)
		return DN_OK;
	for (size_t i = 0; i < tie->n; i++) {
		for (size_t j = i + 1; j < tie->n; j++) {
			float factor = entries[i].factor < entries[j].factor ? entries[i].factor
			                                                     : entries[j].factor;
			double w = tie->weight * factor;
			if (w >= link_min)
				continue;
			if (fenced && !spans_overlap(&entries[i], &entries[j]))
				continue;
			if (cl_grow((void **)&pairs->items, &pairs->cap, pairs->n + 1,
			         sizeof(*pairs->items), ctx->err))
				return DN_ENOMEM;
			uint32_t a = entries[i].unit, b = entries[j].unit;
			pairs->items[pairs->n++] = (struct pair){a < b ? a : b, a < b ? b : a,
			                                         (uint32_t)tie->family, (float)w};
		}
	}
	return DN_OK;
}

/* Join pairs whose families together reach link_min: the strongest tie of
 * each family counts, and families combine as independent evidence. */
static void link_pairs(struct cl_ctx *ctx, struct pair_buf *pairs)
{
	if (pairs->n > 1)
		qsort(pairs->items, pairs->n, sizeof(*pairs->items), pair_cmp);
	size_t i = 0;
	while (i < pairs->n) {
		const struct pair *p = &pairs->items[i];
		double miss = 1.0;
		size_t j = i;
		for (; j < pairs->n && pairs->items[j].a == p->a && pairs->items[j].b == p->b;
		     j++) {
			/* Sorted by weight within a family: the first is the max. */
			if (j == i || pairs->items[j].family != pairs->items[j - 1].family)
				miss *= 1.0 - pairs->items[j].weight;
		}
		if (1.0 - miss >= ctx->opt->link_min)
			cl_union(ctx, p->a, p->b);
		i = j;
	}
}

static void ctx_free(struct cl_ctx *ctx)
{
	free(ctx->unit_of);
	free(ctx->ties);
	free(ctx->entries);
	arena_free(&ctx->scratch);
}

dn_status cluster_graph(struct graph *g, const struct cluster_options *opt,
                        struct cluster_result *res, struct dn_error *err)
{
	memset(res, 0, sizeof(*res));
	arena_init(&res->arena, 64 * 1024);
	struct cluster_options defaults;
	if (opt == NULL) {
		cluster_options_init(&defaults);
		opt = &defaults;
	}
	if (!(opt->link_min > 0.0 && opt->link_min <= 1.0))
		return dn_fail(err, DN_EINVAL, "invalid link_min %g: expected a value in (0, 1]",
		               opt->link_min);

	struct cl_ctx ctx = {.g = g, .opt = opt, .res = res, .err = err};
	arena_init(&ctx.scratch, 64 * 1024);
	struct touch_buf buf = {0};
	struct pair_buf pairs = {0};
	dn_status rc = graph_index_edges(g, err);
	if (rc == DN_OK)
		rc = build_units(&ctx);
	if (rc == DN_OK)
		rc = collect_value_ties(&ctx, &buf);
	if (rc == DN_OK)
		rc = collect_item_ties(&ctx, &buf);
	for (size_t t = 0; rc == DN_OK && t < ctx.n_ties; t++) {
		if (ctx.ties[t].linkable)
			rc = link_tie(&ctx, &ctx.ties[t], &pairs);
	}
	if (rc == DN_OK) {
		link_pairs(&ctx, &pairs);
		rc = cl_report(&ctx);
	}
	free(buf.items);
	free(pairs.items);
	ctx_free(&ctx);
	if (rc) {
		for (size_t i = 0; i < g->n_nodes; i++)
			g->nodes[i].cluster = -1;
		cluster_result_free(res);
	}
	return rc;
}
