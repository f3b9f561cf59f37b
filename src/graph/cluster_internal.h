/* Shared state of cluster.c (ties and components) and cluster_report.c
 * (confidence, listed links, summaries). Not a public interface. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/cluster.h"
#include "util/arena.h"
#include "util/status.h"

#define CL_NONE UINT32_MAX

/* Kinds of tie. */
enum cl_tie_type {
	CL_VALUE, /* a shared value node: IP, nameserver, email, key... */
	CL_CNAME, /* a CNAME target and the names that point to it */
	CL_ITEM,  /* a registrant near-match from registrants_correlate() */
};

/* One domain unit's part in a tie. */
struct cl_entry {
	uint32_t unit;
	float factor;       /* WHOIS role factor, 1 except admin, tech, billing */
	int64_t time_first; /* span of its edges to the value; 0 unknown */
	int64_t time_last;
};

/* Evidence that ties a set of domain units: a value they share. */
struct cl_tie {
	enum cl_tie_type type;
	enum graph_family family;
	uint32_t value; /* node id: the value, CNAME target or first item value */
	bool linkable;  /* false when held or shared by more than share_max */
	double weight;  /* base weight x rarity x source factor, 0..1 */
	uint64_t share; /* domains sharing it, as used for rarity */
	bool share_counted; /* share is the store's count, not the map's */
	bool share_capped;
	uint32_t n_sources;
	size_t first; /* entries [first, first + n) in cl_ctx.entries */
	size_t n;
	const char *reason; /* CL_ITEM: the registrant evidence reason */
};

struct cl_ctx {
	struct graph *g;
	const struct cluster_options *opt;
	struct cluster_result *res;
	struct dn_error *err;
	struct arena scratch;
	/* A unit is a registrable domain with the names under it: the
	 * domain and regdomain nodes joined by REGISTERED edges. */
	uint32_t *unit_of; /* per node: its unit, or CL_NONE */
	size_t n_units;
	uint32_t *unit_nodes; /* the nodes of unit u: unit_nodes[unit_start[u] ..] */
	size_t *unit_start;
	uint32_t *unit_count;
	uint32_t *parent; /* union-find over units */
	struct cl_tie *ties;
	size_t n_ties, cap_ties;
	struct cl_entry *entries;
	size_t n_entries, cap_entries;
	size_t n_clusters; /* res->n_clusters once cl_report() numbered them */
};

/* Build res->clusters from the components of ctx->parent: members,
 * confidence, links, summaries, and g->nodes[i].cluster. */
dn_status cl_report(struct cl_ctx *ctx);

/* The root of unit u in the union-find. */
uint32_t cl_find(struct cl_ctx *ctx, uint32_t u);

/* Grow *items (plain malloc memory, elements of size bytes) to hold at
 * least need of them; fails with DN_ENOMEM when memory runs out. */
dn_status cl_grow(void **items, size_t *cap, size_t need, size_t size, struct dn_error *err);
