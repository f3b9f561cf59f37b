/* Operator clusters from the joined components: order, members and their
 * confidence, the strongest links with their explanation, the nodes each
 * cluster owns, and its providers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "graph/cluster_internal.h"
#include "util/timeutil.h"

/* A shared value seen from one cluster or one member. */
struct link_cand {
	uint32_t owner; /* cluster or unit */
	uint32_t tie;
	uint32_t group; /* the tie within one cluster: its texts[] slot */
	double rank;    /* sort key, largest first */
	double weight;
	uint32_t n_members;
	int64_t time_first;
	int64_t time_last;
};

struct cand_buf {
	struct link_cand *items;
	size_t n, cap;
};

/* One provider of one cluster. */
struct provider_cand {
	uint32_t cluster;
	uint32_t kind;
	uint32_t node;
	uint32_t domains;
};

/* Per cluster while it is built. */
struct cl_info {
	uint32_t n_units;
	uint32_t n_members;
	bool has_seed;
	bool kept;             /* two or more units: a cluster, not a loose domain */
	uint32_t first_member; /* node id of the member that sorts first */
	uint32_t order;        /* final index */
};

struct report {
	struct cl_ctx *ctx;
	struct cl_info *info;   /* by component number */
	uint32_t *comp_of_unit; /* component number of each unit */
	size_t n_comps;
	uint32_t *assigned; /* per node: component it is assigned to, or CL_NONE */
	double *best;       /* per unit and family: strongest link weight */
	struct cand_buf cluster_links;
	struct cand_buf member_links;
	const char **texts; /* per group: the link's explanation, made once */
	struct provider_cand *providers;
	size_t n_providers, cap_providers;
};

/* Providers listed in a cluster's summary. When two serve equally many
 * domains, the single point of failure is of the kind listed first. */
static const enum graph_kind provider_kinds[] = {
        GRAPH_IP, GRAPH_ASN, GRAPH_NAMESERVER, GRAPH_MX, GRAPH_REGISTRAR, GRAPH_ISSUER,
};


static int node_order(const struct graph *g, uint32_t a, uint32_t b)
{
	int c = strcmp(g->nodes[a].key, g->nodes[b].key);
	if (c)
		return c;
	if (g->nodes[a].kind != g->nodes[b].kind)
		return g->nodes[a].kind < g->nodes[b].kind ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int member_cmp(const void *x, const void *y, void *arg)
{
	const struct cluster_member *a = x, *b = y;
	return node_order(arg, a->node, b->node);
}

/* Kept components first (the clusters), then seed clusters, then more
 * members first, then by first member. */
static int comp_cmp(const void *x, const void *y, void *arg)
{
	const struct report *r = arg;
	const struct cl_info *a = &r->info[*(const uint32_t *)x];
	const struct cl_info *b = &r->info[*(const uint32_t *)y];
	if (a->kept != b->kept)
		return a->kept ? -1 : 1;
	if (a->has_seed != b->has_seed)
		return a->has_seed ? -1 : 1;
	if (a->n_members != b->n_members)
		return a->n_members > b->n_members ? -1 : 1;
	return node_order(r->ctx->g, a->first_member, b->first_member);
}

static void widen_span(int64_t *first, int64_t *last, int64_t f, int64_t l)
{
	if (f == 0 && l == 0)
		return;
	if (*first == 0 || (f != 0 && f < *first))
		*first = f;
	if (l > *last)
		*last = l;
}

static int cand_cmp(const void *x, const void *y)
{
	const struct link_cand *a = x, *b = y;
	if (a->owner != b->owner)
		return a->owner < b->owner ? -1 : 1;
	if (a->rank != b->rank)
		return a->rank > b->rank ? -1 : 1;
	if (a->weight != b->weight)
		return a->weight > b->weight ? -1 : 1;
	if (a->n_members != b->n_members)
		return a->n_members > b->n_members ? -1 : 1;
	return a->tie < b->tie ? -1 : a->tie > b->tie;
}

static int provider_cmp(const void *x, const void *y, void *arg)
{
	const struct provider_cand *a = x, *b = y;
	if (a->cluster != b->cluster)
		return a->cluster < b->cluster ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->domains != b->domains)
		return a->domains > b->domains ? -1 : 1;
	return node_order(arg, a->node, b->node);
}

/* Components of the union-find, numbered by their first unit. */
static dn_status number_components(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	struct arena *a = &ctx->scratch;
	r->comp_of_unit = arena_alloc(a, (ctx->n_units + 1) * sizeof(*r->comp_of_unit));
	uint32_t *comp_of_root = arena_alloc(a, (ctx->n_units + 1) * sizeof(*comp_of_root));
	r->info = arena_alloc(a, (ctx->n_units + 1) * sizeof(*r->info));
	if (!r->comp_of_unit || !comp_of_root || !r->info)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu domain units",
		               ctx->n_units);
	memset(comp_of_root, 0xff, (ctx->n_units + 1) * sizeof(*comp_of_root));
	for (uint32_t u = 0; u < ctx->n_units; u++) {
		uint32_t root = cl_find(ctx, u);
		if (comp_of_root[root] == CL_NONE) {
			comp_of_root[root] = (uint32_t)r->n_comps;
			r->info[r->n_comps++] = (struct cl_info){.first_member = CL_NONE};
		}
		uint32_t c = comp_of_root[root];
		r->comp_of_unit[u] = c;
		struct cl_info *info = &r->info[c];
		info->n_units++;
		for (uint32_t k = 0; k < ctx->unit_count[u]; k++) {
			uint32_t node = ctx->unit_nodes[ctx->unit_start[u] + k];
			info->n_members++;
			info->has_seed |= ctx->g->nodes[node].seed;
			if (info->first_member == CL_NONE ||
			    node_order(ctx->g, node, info->first_member) < 0)
				info->first_member = node;
		}
	}
	/* A component of one unit has no link between registrable domains,
	 * because ties join units: it is not an operator cluster. */
	for (size_t c = 0; c < r->n_comps; c++)
		r->info[c].kept = r->info[c].n_units >= 2;
	return DN_OK;
}

static int u64_cmp(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
	return a < b ? -1 : a > b;
}

/* A tie's entries sorted by component: keys of (component << 32 | entry). */
static dn_status tie_components(struct report *r, const struct cl_tie *tie, uint64_t **keys,
                                size_t *cap)
{
	if (cl_grow((void **)keys, cap, tie->n + 1, sizeof(**keys), r->ctx->err))
		return DN_ENOMEM;
	for (size_t i = 0; i < tie->n; i++) {
		uint32_t unit = r->ctx->entries[tie->first + i].unit;
		(*keys)[i] = (uint64_t)r->comp_of_unit[unit] << 32 | (uint64_t)i;
	}
	if (tie->n > 1)
		qsort(*keys, tie->n, sizeof(**keys), u64_cmp);
	return DN_OK;
}

/* Give each value node to the kept component whose members it ties most,
 * or on a tie to the component numbered first. A value that touches only
 * loose domains stays in no cluster. */
static dn_status assign_nodes(struct report *r, uint64_t **keys, size_t *cap)
{
	struct cl_ctx *ctx = r->ctx;
	r->assigned = arena_alloc(&ctx->scratch, (ctx->g->n_nodes + 1) * sizeof(*r->assigned));
	if (r->assigned == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu graph nodes",
		               ctx->g->n_nodes);
	memset(r->assigned, 0xff, (ctx->g->n_nodes + 1) * sizeof(*r->assigned));
	for (size_t t = 0; t < ctx->n_ties; t++) {
		const struct cl_tie *tie = &ctx->ties[t];
		if (tie->type != CL_VALUE)
			continue;
		if (tie_components(r, tie, keys, cap))
			return DN_ENOMEM;
		uint32_t best = CL_NONE;
		size_t best_n = 0;
		for (size_t i = 0; i < tie->n;) {
			uint32_t comp = (uint32_t)((*keys)[i] >> 32);
			size_t j = i;
			while (j < tie->n && (uint32_t)((*keys)[j] >> 32) == comp)
				j++;
			if (r->info[comp].kept && j - i > best_n) {
				best = comp;
				best_n = j - i;
			}
			i = j;
		}
		r->assigned[tie->value] = best;
		if (best != CL_NONE)
			r->info[best].has_seed |= ctx->g->nodes[tie->value].seed;
	}
	return DN_OK;
}

/* Sort the components into res->clusters and fill members and nodes. */
static dn_status fill_clusters(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	struct graph *g = ctx->g;
	struct arena *out = &ctx->res->arena;
	uint32_t *perm = arena_alloc(&ctx->scratch, (r->n_comps + 1) * sizeof(*perm));
	uint32_t *n_assigned = arena_alloc(&ctx->scratch, (r->n_comps + 1) * sizeof(*n_assigned));
	struct cluster *clusters = arena_alloc(out, (r->n_comps + 1) * sizeof(*clusters));
	if (!perm || !n_assigned || !clusters)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu clusters", r->n_comps);
	for (uint32_t c = 0; c < r->n_comps; c++) {
		perm[c] = c;
		n_assigned[c] = 0;
	}
	qsort_r(perm, r->n_comps, sizeof(*perm), comp_cmp, r);
	size_t n_kept = 0;
	for (uint32_t i = 0; i < r->n_comps; i++) {
		r->info[perm[i]].order = i;
		n_kept += r->info[perm[i]].kept;
	}
	memset(clusters, 0, (r->n_comps + 1) * sizeof(*clusters));
	ctx->res->clusters = clusters;
	ctx->res->n_clusters = n_kept;
	ctx->n_clusters = n_kept;

	for (uint32_t i = 0; i < g->n_nodes; i++) {
		if (ctx->unit_of[i] == CL_NONE && r->assigned[i] != CL_NONE)
			n_assigned[r->assigned[i]]++;
	}
	for (uint32_t c = 0; c < r->n_comps; c++) {
		const struct cl_info *info = &r->info[c];
		struct cluster *cl = &clusters[info->order];
		if (!info->kept)
			continue;
		cl->members = arena_alloc(out, (info->n_members + 1) * sizeof(*cl->members));
		cl->nodes = arena_alloc(out,
		                        (info->n_members + n_assigned[c] + 1) * sizeof(*cl->nodes));
		if (cl->members == NULL || cl->nodes == NULL)
			return dn_fail(ctx->err, DN_ENOMEM,
			               "out of memory for a cluster of %u domains",
			               info->n_members);
		cl->has_seed = info->has_seed;
		cl->summary.spof = CL_NONE;
	}

	/* Nodes in id order, members by key. */
	for (uint32_t i = 0; i < g->n_nodes; i++) {
		uint32_t unit = ctx->unit_of[i];
		uint32_t comp = unit != CL_NONE ? r->comp_of_unit[unit] : r->assigned[i];
		if (comp == CL_NONE || !r->info[comp].kept) {
			g->nodes[i].cluster = -1;
			continue;
		}
		struct cluster *cl = &clusters[r->info[comp].order];
		g->nodes[i].cluster = (int32_t)r->info[comp].order;
		cl->nodes[cl->n_nodes++] = i;
		if (unit == CL_NONE)
			continue;
		/* A registrable domain that was also seen as a name is one
		 * member, listed once under the name. */
		if (g->nodes[i].kind == GRAPH_REGDOMAIN &&
		    graph_find(g, GRAPH_DOMAIN, g->nodes[i].key) != CL_NONE)
			continue;
		cl->members[cl->n_members++] = (struct cluster_member){.node = i};
		if (ctx->unit_count[unit] > 1)
			cl->families |= 1u << GRAPH_FAM_NAMING;
	}
	for (size_t c = 0; c < n_kept; c++) {
		struct cluster *cl = &clusters[c];
		qsort_r(cl->members, cl->n_members, sizeof(*cl->members), member_cmp, g);
	}
	return DN_OK;
}

/* The dated evidence on the edges of one node: pdns is when its names
 * resolved, fallback the times its WHOIS records were seen and the
 * notBefore of its certificates. notAfter is left out, because a
 * certificate valid until 2026 says nothing about use in 2026. */
static void node_activity(const struct graph *g, uint32_t node, int64_t pdns[2],
                          int64_t fallback[2])
{
	for (uint32_t k = 0; k < g->adj_count[node]; k++) {
		const struct graph_edge *e = &g->edges[g->adj[g->adj_start[node] + k]];
		for (size_t i = 0; i < e->n_evidence; i++) {
			const struct graph_evidence *ev = &e->evidence[i];
			if (ev->from == GRAPH_FROM_PDNS)
				widen_span(&pdns[0], &pdns[1], ev->time_first, ev->time_last);
			else if (ev->from == GRAPH_FROM_WHOIS)
				widen_span(&fallback[0], &fallback[1], ev->time_first,
				           ev->time_last);
			else if (ev->from == GRAPH_FROM_CERT)
				widen_span(&fallback[0], &fallback[1], ev->time_first,
				           ev->time_first);
		}
	}
}

/* The activity of each cluster: the span of the pDNS evidence of its
 * members' names, or when there is none, the fallback of node_activity(),
 * marked as such in time_basis. */
static dn_status date_activity(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	const struct graph *g = ctx->g;
	int64_t(*pdns)[2] = arena_alloc(&ctx->scratch, (ctx->n_clusters + 1) * sizeof(*pdns));
	int64_t(*fallback)[2] =
	        arena_alloc(&ctx->scratch, (ctx->n_clusters + 1) * sizeof(*fallback));
	if (pdns == NULL || fallback == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu clusters",
		               ctx->n_clusters);
	memset(pdns, 0, (ctx->n_clusters + 1) * sizeof(*pdns));
	memset(fallback, 0, (ctx->n_clusters + 1) * sizeof(*fallback));
	for (uint32_t u = 0; u < ctx->n_units; u++) {
		const struct cl_info *info = &r->info[r->comp_of_unit[u]];
		if (!info->kept)
			continue;
		for (uint32_t k = 0; k < ctx->unit_count[u]; k++)
			node_activity(g, ctx->unit_nodes[ctx->unit_start[u] + k], pdns[info->order],
			              fallback[info->order]);
	}
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		struct cluster *cl = &ctx->res->clusters[c];
		if (pdns[c][0] || pdns[c][1]) {
			cl->time_basis = CLUSTER_TIME_PDNS;
			cl->time_first = pdns[c][0];
			cl->time_last = pdns[c][1];
		} else if (fallback[c][0] || fallback[c][1]) {
			cl->time_basis = CLUSTER_TIME_REGISTRATION;
			cl->time_first = fallback[c][0];
			cl->time_last = fallback[c][1];
		}
	}
	return DN_OK;
}

static dn_status push_cand(struct cl_ctx *ctx, struct cand_buf *buf, struct link_cand cand)
{
	if (cl_grow((void **)&buf->items, &buf->cap, buf->n + 1, sizeof(*buf->items), ctx->err))
		return DN_ENOMEM;
	buf->items[buf->n++] = cand;
	return DN_OK;
}

/* For every linkable tie and cluster where it ties two or more members:
 * a candidate link of the cluster and of each member, and the member's
 * strongest weight per family.
 * NOTE: with overlap_only, members count here even when their own spans
 * do not overlap, as long as other links put them in the cluster. */
static dn_status collect_links(struct report *r, uint64_t **keys, size_t *cap)
{
	struct cl_ctx *ctx = r->ctx;
	size_t n_best = ctx->n_units * GRAPH_FAMILY_COUNT + 1;
	r->best = arena_alloc(&ctx->scratch, n_best * sizeof(*r->best));
	if (r->best == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu domain units",
		               ctx->n_units);
	for (size_t i = 0; i < n_best; i++)
		r->best[i] = 0.0;

	for (size_t t = 0; t < ctx->n_ties; t++) {
		const struct cl_tie *tie = &ctx->ties[t];
		if (!tie->linkable)
			continue;
		if (tie_components(r, tie, keys, cap))
			return DN_ENOMEM;
		for (size_t i = 0; i < tie->n;) {
			uint32_t comp = (uint32_t)((*keys)[i] >> 32);
			size_t j = i;
			while (j < tie->n && (uint32_t)((*keys)[j] >> 32) == comp)
				j++;
			uint32_t count = (uint32_t)(j - i);
			if (count < 2 || !r->info[comp].kept) {
				i = j;
				continue;
			}
			uint32_t order = r->info[comp].order;
			ctx->res->clusters[order].families |= 1u << tie->family;
			/* A cluster lists first the links that tie most of it,
			 * a member its strongest ones. Both show the text of
			 * the whole group, so it is written once. */
			uint32_t group = (uint32_t)r->cluster_links.n;
			struct link_cand whole = {
			        order,       (uint32_t)t, group, tie->weight * count,
			        tie->weight, count,       0,     0};
			for (size_t k = i; k < j; k++) {
				const struct cl_entry *e =
				        &ctx->entries[tie->first + ((*keys)[k] & 0xffffffffu)];
				widen_span(&whole.time_first, &whole.time_last, e->time_first,
				           e->time_last);
			}
			for (size_t k = i; k < j; k++) {
				const struct cl_entry *e =
				        &ctx->entries[tie->first + ((*keys)[k] & 0xffffffffu)];
				double w = tie->weight * e->factor;
				double *best = &r->best[(size_t)e->unit * GRAPH_FAMILY_COUNT +
				                        tie->family];
				if (w > *best)
					*best = w;
				struct link_cand own = whole;
				own.owner = e->unit;
				own.rank = w;
				own.weight = w;
				if (push_cand(ctx, &r->member_links, own))
					return DN_ENOMEM;
			}
			if (push_cand(ctx, &r->cluster_links, whole))
				return DN_ENOMEM;
			i = j;
		}
	}
	return DN_OK;
}

/* A member's confidence combines its strongest link of each family as
 * independent evidence. A cluster's is the mean over its registrable
 * domains. */
static dn_status score(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	double *sum = arena_alloc(&ctx->scratch, (r->n_comps + 1) * sizeof(*sum));
	if (sum == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for %zu clusters", r->n_comps);
	for (size_t c = 0; c <= r->n_comps; c++)
		sum[c] = 0.0;
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		struct cluster *cl = &ctx->res->clusters[c];
		for (size_t m = 0; m < cl->n_members; m++) {
			struct cluster_member *mem = &cl->members[m];
			uint32_t unit = ctx->unit_of[mem->node];
			double miss = 1.0;
			for (int f = 0; f < GRAPH_FAMILY_COUNT; f++)
				miss *= 1.0 -
				        r->best[(size_t)unit * GRAPH_FAMILY_COUNT + (size_t)f];
			mem->confidence = 1.0 - miss;
			mem->level = cluster_level_of(mem->confidence);
		}
	}
	for (uint32_t u = 0; u < ctx->n_units; u++) {
		double miss = 1.0;
		for (int f = 0; f < GRAPH_FAMILY_COUNT; f++)
			miss *= 1.0 - r->best[(size_t)u * GRAPH_FAMILY_COUNT + (size_t)f];
		sum[r->comp_of_unit[u]] += 1.0 - miss;
	}
	for (uint32_t c = 0; c < r->n_comps; c++) {
		if (!r->info[c].kept)
			continue;
		struct cluster *cl = &ctx->res->clusters[r->info[c].order];
		cl->confidence = sum[c] / r->info[c].n_units;
		cl->level = cluster_level_of(cl->confidence);
	}
	return DN_OK;
}

/* "2025-03-01..2025-04-02", or "" when the span is unknown. */
static void format_span(int64_t first, int64_t last, char *buf, size_t size)
{
	buf[0] = '\0';
	if (first == 0 && last == 0)
		return;
	char a[32], b[32];
	time_format_iso(first, a, sizeof(a));
	time_format_iso(last, b, sizeof(b));
	snprintf(buf, size, " %.10s..%.10s", a, b);
}

/* What the members did with the value: "resolved to 203.0.113.7". */
static const char *tie_action(const struct graph *g, const struct cl_tie *tie, char *buf,
                              size_t size)
{
	const struct graph_node *v = &g->nodes[tie->value];
	if (tie->type == CL_ITEM)
		return tie->reason;
	if (tie->type == CL_CNAME) {
		snprintf(buf, size, "are joined by CNAME records pointing to %s", v->label);
		return buf;
	}
	switch (v->kind) {
	case GRAPH_IP:
		snprintf(buf, size, "resolved to %s", v->label);
		break;
	case GRAPH_PREFIX:
		snprintf(buf, size, "resolved into %s", v->label);
		break;
	case GRAPH_ASN:
		snprintf(buf, size, "resolved into %s", v->label);
		break;
	case GRAPH_NAMESERVER:
		snprintf(buf, size, "use nameserver %s", v->label);
		break;
	case GRAPH_MX:
		snprintf(buf, size, "use mail exchanger %s", v->label);
		break;
	case GRAPH_EMAIL:
	case GRAPH_PHONE:
	case GRAPH_NAME:
	case GRAPH_ORG:
	case GRAPH_ADDRESS:
		snprintf(buf, size, "have registrant %s %s", graph_kind_name(v->kind), v->label);
		break;
	case GRAPH_REGISTRAR:
		snprintf(buf, size, "are registered at %s", v->label);
		break;
	case GRAPH_CERT:
		snprintf(buf, size, "are named in certificate %.16s", v->key);
		break;
	case GRAPH_SPKI:
		snprintf(buf, size, "are named in certificates of key %.16s", v->key);
		break;
	case GRAPH_ISSUER:
		snprintf(buf, size, "are named in certificates issued by %s", v->label);
		break;
	default:
		snprintf(buf, size, "share %s", v->label);
		break;
	}
	return buf;
}

/* How many share a tie's value: "shared by 205 domains in the store" when
 * the pivot counted the value's sharers in the store, else the domains of
 * this map that use it, which may be far fewer. */
static const char *share_text(struct cl_ctx *ctx, const struct cl_tie *tie)
{
	unsigned long long share = (unsigned long long)tie->share;
	if (tie->share_counted)
		return arena_printf(&ctx->res->arena, "shared by %s%llu domains in the store",
		                 tie->share_capped ? "at least " : "", share);
	return arena_printf(&ctx->res->arena, "%llu domain%s in this map, not counted in the store",
	                 share, share == 1 ? "" : "s");
}

/* The explanation of one link: "both resolved to 203.0.113.7 (shared by
 * 3 domains in the store, 2 sources) 2025-03-01..2025-04-02". A registrant
 * near-match keeps the reason registrants_correlate() wrote. */
static const char *link_text(struct cl_ctx *ctx, const struct link_cand *cand)
{
	const struct cl_tie *tie = &ctx->ties[cand->tie];
	char action[600], span[48], who[32];
	format_span(cand->time_first, cand->time_last, span, sizeof(span));
	if (tie->type == CL_ITEM)
		return arena_printf(&ctx->res->arena, "%s (%u source%s)", tie->reason, tie->n_sources,
		                 tie->n_sources == 1 ? "" : "s");
	if (cand->n_members == 2)
		snprintf(who, sizeof(who), "both");
	else
		snprintf(who, sizeof(who), "%u domains", cand->n_members);
	const char *shared = share_text(ctx, tie);
	if (shared == NULL)
		return NULL;
	return arena_printf(&ctx->res->arena, "%s %s (%s, %u source%s)%s", who,
	                 tie_action(ctx->g, tie, action, sizeof(action)), shared, tie->n_sources,
	                 tie->n_sources == 1 ? "" : "s", span);
}

/* Copy the first max_reasons candidates of each owner into an array of
 * cluster_link at lists[owner], with counts[owner] entries. */
static dn_status list_cands(struct report *r, struct cand_buf *buf, size_t n_owners,
                            struct cluster_link **lists, size_t *counts)
{
	struct cl_ctx *ctx = r->ctx;
	size_t max = ctx->opt->max_reasons;
	if (buf->n > 1)
		qsort(buf->items, buf->n, sizeof(*buf->items), cand_cmp);
	for (size_t o = 0; o < n_owners; o++) {
		lists[o] = NULL;
		counts[o] = 0;
	}
	for (size_t i = 0; i < buf->n;) {
		uint32_t owner = buf->items[i].owner;
		size_t j = i;
		while (j < buf->n && buf->items[j].owner == owner)
			j++;
		size_t n = j - i < max ? j - i : max;
		struct cluster_link *links =
		        arena_alloc(&ctx->res->arena, (n + 1) * sizeof(*links));
		if (links == NULL)
			return dn_fail(ctx->err, DN_ENOMEM, "out of memory for cluster links");
		for (size_t k = 0; k < n; k++) {
			const struct link_cand *cand = &buf->items[i + k];
			const struct cl_tie *tie = &ctx->ties[cand->tie];
			if (r->texts[cand->group] == NULL)
				r->texts[cand->group] = link_text(ctx, cand);
			links[k] = (struct cluster_link){
			        .value = tie->value,
			        .family = tie->family,
			        .weight = cand->weight,
			        .n_members = cand->n_members,
			        .n_sources = tie->n_sources,
			        .text = r->texts[cand->group],
			};
			if (links[k].text == NULL)
				return dn_fail(ctx->err, DN_ENOMEM,
				               "out of memory for cluster links");
		}
		lists[owner] = links;
		counts[owner] = n;
		i = j;
	}
	return DN_OK;
}

static dn_status list_links(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	size_t n = ctx->n_clusters > ctx->n_units ? ctx->n_clusters : ctx->n_units;
	struct cluster_link **lists = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*lists));
	size_t *counts = arena_alloc(&ctx->scratch, (n + 1) * sizeof(*counts));
	r->texts = arena_alloc(&ctx->scratch, (r->cluster_links.n + 1) * sizeof(*r->texts));
	if (lists == NULL || counts == NULL || r->texts == NULL)
		return dn_fail(ctx->err, DN_ENOMEM, "out of memory for cluster links");
	for (size_t i = 0; i <= r->cluster_links.n; i++)
		r->texts[i] = NULL;

	if (list_cands(r, &r->cluster_links, ctx->n_clusters, lists, counts))
		return DN_ENOMEM;
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		ctx->res->clusters[c].links = lists[c];
		ctx->res->clusters[c].n_links = counts[c];
	}
	if (list_cands(r, &r->member_links, ctx->n_units, lists, counts))
		return DN_ENOMEM;
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		struct cluster *cl = &ctx->res->clusters[c];
		for (size_t m = 0; m < cl->n_members; m++) {
			uint32_t unit = ctx->unit_of[cl->members[m].node];
			cl->members[m].links = lists[unit];
			cl->members[m].n_links = counts[unit];
		}
	}
	return DN_OK;
}

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Distinct source names on the edges between a cluster's own nodes. */
static dn_status count_sources(struct report *r)
{
	struct cl_ctx *ctx = r->ctx;
	const struct graph *g = ctx->g;
	const char **names = NULL;
	size_t cap = 0;
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		struct cluster *cl = &ctx->res->clusters[c];
		size_t n = 0;
		uint32_t merged = 0;
		for (size_t m = 0; m < cl->n_members; m++) {
			uint32_t node = cl->members[m].node;
			for (uint32_t k = 0; k < g->adj_count[node]; k++) {
				const struct graph_edge *e =
				        &g->edges[g->adj[g->adj_start[node] + k]];
				if (g->nodes[graph_other(e, node)].cluster != (int32_t)c)
					continue;
				if (cl_grow((void **)&names, &cap, n + e->n_evidence, sizeof(*names),
				         ctx->err)) {
					free(names);
					return DN_ENOMEM;
				}
				for (size_t i = 0; i < e->n_evidence; i++) {
					if (e->evidence[i].source[0] != '\0')
						names[n++] = e->evidence[i].source;
					if (e->evidence[i].sources > merged)
						merged = e->evidence[i].sources;
				}
			}
		}
		if (n > 1)
			qsort(names, n, sizeof(*names), str_cmp);
		for (size_t i = 0; i < n; i++)
			cl->n_sources += i == 0 || strcmp(names[i - 1], names[i]) != 0;
		/* pDNS evidence names no source but carries how many saw it. */
		if (merged > cl->n_sources)
			cl->n_sources = merged;
	}
	free(names);
	return DN_OK;
}

static bool is_provider(enum graph_kind kind)
{
	for (size_t i = 0; i < sizeof(provider_kinds) / sizeof(provider_kinds[0]); i++) {
		if (provider_kinds[i] == kind)
			return true;
	}
	return false;
}

/* Providers of every kind per cluster, held ones included: a CDN that
 * serves the whole cluster is still where a takedown request goes. */
static dn_status collect_providers(struct report *r, uint64_t **keys, size_t *cap)
{
	struct cl_ctx *ctx = r->ctx;
	for (size_t t = 0; t < ctx->n_ties; t++) {
		const struct cl_tie *tie = &ctx->ties[t];
		if (tie->type != CL_VALUE)
			continue;
		enum graph_kind kind = ctx->g->nodes[tie->value].kind;
		/* A registrant value is listed when it ties members; a held
		 * one (a privacy service, a redaction) is not a pattern. */
		bool registrant = kind >= GRAPH_EMAIL && kind <= GRAPH_ADDRESS;
		if (!is_provider(kind) && !(registrant && tie->linkable))
			continue;
		if (tie_components(r, tie, keys, cap))
			return DN_ENOMEM;
		for (size_t i = 0; i < tie->n;) {
			uint32_t comp = (uint32_t)((*keys)[i] >> 32);
			size_t j = i;
			while (j < tie->n && (uint32_t)((*keys)[j] >> 32) == comp)
				j++;
			if (!r->info[comp].kept || (registrant && j - i < 2)) {
				i = j;
				continue;
			}
			if (cl_grow((void **)&r->providers, &r->cap_providers, r->n_providers + 1,
			         sizeof(*r->providers), ctx->err))
				return DN_ENOMEM;
			r->providers[r->n_providers++] = (struct provider_cand){
			        r->info[comp].order, ctx->g->nodes[tie->value].kind, tie->value,
			        (uint32_t)(j - i)};
			i = j;
		}
	}
	return DN_OK;
}

/* Slice the sorted providers into each cluster's summary and pick the
 * single point of failure: the provider serving the most registrable
 * domains, at least two. */
static dn_status summarize(struct report *r, uint64_t **keys, size_t *cap)
{
	struct cl_ctx *ctx = r->ctx;
	if (collect_providers(r, keys, cap))
		return DN_ENOMEM;
	if (r->n_providers > 1)
		qsort_r(r->providers, r->n_providers, sizeof(*r->providers), provider_cmp, ctx->g);
	for (size_t i = 0; i < r->n_providers;) {
		const struct provider_cand *p = &r->providers[i];
		size_t j = i;
		while (j < r->n_providers && r->providers[j].cluster == p->cluster &&
		       r->providers[j].kind == p->kind)
			j++;
		struct cluster *cl = &ctx->res->clusters[p->cluster];
		struct cluster_summary *s = &cl->summary;
		struct cluster_provider *list =
		        arena_alloc(&ctx->res->arena, (j - i) * sizeof(*list));
		if (list == NULL)
			return dn_fail(ctx->err, DN_ENOMEM, "out of memory for cluster providers");
		for (size_t k = i; k < j; k++)
			list[k - i] = (struct cluster_provider){r->providers[k].node,
			                                        r->providers[k].domains};
		s->by_kind[p->kind] = list;
		s->n_by_kind[p->kind] = j - i;
		i = j;
	}
	for (size_t c = 0; c < ctx->n_clusters; c++) {
		struct cluster_summary *s = &ctx->res->clusters[c].summary;
		uint32_t best = 1;
		for (size_t k = 0; k < sizeof(provider_kinds) / sizeof(provider_kinds[0]); k++) {
			enum graph_kind kind = provider_kinds[k];
			if (s->n_by_kind[kind] && s->by_kind[kind][0].domains > best) {
				best = s->by_kind[kind][0].domains;
				s->spof = s->by_kind[kind][0].node;
			}
		}
	}
	for (uint32_t comp = 0; comp < r->n_comps; comp++) {
		if (!r->info[comp].kept)
			continue;
		struct cluster_summary *s = &ctx->res->clusters[r->info[comp].order].summary;
		if (s->spof == CL_NONE)
			continue;
		uint32_t served = 0;
		for (size_t k = 0; k < sizeof(provider_kinds) / sizeof(provider_kinds[0]); k++) {
			enum graph_kind kind = provider_kinds[k];
			if (s->n_by_kind[kind] && s->by_kind[kind][0].node == s->spof)
				served = s->by_kind[kind][0].domains;
		}
		s->spof_share = (double)served / r->info[comp].n_units;
	}
	return DN_OK;
}

/* One registrant pattern of one cluster, before they are sliced. */
struct pattern_cand {
	uint32_t cluster;
	uint32_t members;
	uint32_t tie;
	const char *text;
};

static int pattern_cmp(const void *x, const void *y)
{
	const struct pattern_cand *a = x, *b = y;
	if (a->cluster != b->cluster)
		return a->cluster < b->cluster ? -1 : 1;
	/* The pattern that ties the most members first: a run of 44 phone
	 * numbers before the numbers that 5 members share exactly. */
	if (a->members != b->members)
		return a->members > b->members ? -1 : 1;
	return a->tie < b->tie ? -1 : a->tie > b->tie;
}

/* The sentence of one registrant tie that ties count members. */
static const char *pattern_text(struct cl_ctx *ctx, const struct cl_tie *tie, uint32_t count)
{
	if (tie->type == CL_ITEM)
		return arena_printf(&ctx->res->arena, "%s (%u members)", tie->reason, count);
	const struct graph_node *v = &ctx->g->nodes[tie->value];
	return arena_printf(&ctx->res->arena, "registrant %s %s shared by %u members",
	                 graph_kind_name(v->kind), v->label, count);
}

/* Fill each cluster's registrant_patterns from the linkable registrant
 * ties (shared values and near-matches) that tie two or more members. */
static dn_status list_patterns(struct report *r, uint64_t **keys, size_t *cap)
{
	struct cl_ctx *ctx = r->ctx;
	struct pattern_cand *cands = NULL;
	size_t n = 0, cap_cands = 0;
	dn_status rc = DN_OK;
	for (size_t t = 0; t < ctx->n_ties && rc == DN_OK; t++) {
		const struct cl_tie *tie = &ctx->ties[t];
		enum graph_kind kind = ctx->g->nodes[tie->value].kind;
		if (!tie->linkable || kind < GRAPH_EMAIL || kind > GRAPH_ADDRESS)
			continue;
		rc = tie_components(r, tie, keys, cap);
		for (size_t i = 0; i < tie->n && rc == DN_OK;) {
			uint32_t comp = (uint32_t)((*keys)[i] >> 32);
			size_t j = i;
			while (j < tie->n && (uint32_t)((*keys)[j] >> 32) == comp)
				j++;
			if (r->info[comp].kept && j - i >= 2) {
				const char *text = pattern_text(ctx, tie, (uint32_t)(j - i));
				rc = text ? cl_grow((void **)&cands, &cap_cands, n + 1, sizeof(*cands),
				                 ctx->err)
				          : dn_fail(ctx->err, DN_ENOMEM,
				                    "out of memory for registrant patterns");
				if (rc == DN_OK)
					cands[n++] = (struct pattern_cand){
					        r->info[comp].order, (uint32_t)(j - i), (uint32_t)t, text};
			}
			i = j;
		}
	}
	if (rc == DN_OK && n > 1)
		qsort(cands, n, sizeof(*cands), pattern_cmp);
	for (size_t i = 0; i < n && rc == DN_OK;) {
		size_t j = i;
		while (j < n && cands[j].cluster == cands[i].cluster)
			j++;
		struct cluster_summary *s = &ctx->res->clusters[cands[i].cluster].summary;
		s->registrant_patterns =
		        arena_alloc(&ctx->res->arena, (j - i) * sizeof(*s->registrant_patterns));
		if (s->registrant_patterns == NULL) {
			rc = dn_fail(ctx->err, DN_ENOMEM, "out of memory for registrant patterns");
			break;
		}
		for (size_t k = i; k < j; k++)
			s->registrant_patterns[k - i] = cands[k].text;
		s->n_registrant_patterns = j - i;
		i = j;
	}
	free(cands);
	return rc;
}

dn_status cl_report(struct cl_ctx *ctx)
{
	struct report r = {.ctx = ctx};
	uint64_t *keys = NULL;
	size_t cap = 0;
	dn_status rc = number_components(&r);
	if (rc == DN_OK)
		rc = assign_nodes(&r, &keys, &cap);
	if (rc == DN_OK)
		rc = fill_clusters(&r);
	if (rc == DN_OK)
		rc = collect_links(&r, &keys, &cap);
	if (rc == DN_OK)
		rc = score(&r);
	if (rc == DN_OK)
		rc = list_links(&r);
	if (rc == DN_OK)
		rc = count_sources(&r);
	if (rc == DN_OK)
		rc = date_activity(&r);
	if (rc == DN_OK)
		rc = summarize(&r, &keys, &cap);
	if (rc == DN_OK)
		rc = list_patterns(&r, &keys, &cap);
	free(keys);
	free(r.cluster_links.items);
	free(r.member_links.items);
	free(r.providers);
	return rc;
}
