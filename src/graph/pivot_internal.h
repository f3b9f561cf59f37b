/* Shared state of one pivot_map() run, for pivot.c and the pivot_*.c files
 * that expand each family of nodes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "graph/pivot.h"
#include "util/arena.h"

/* Engine state per graph node, indexed like graph.nodes. */
struct pivot_node_state {
	int64_t reach_first;        /* the reach span (pivot_map()); 0 when unknown */
	int64_t reach_last;
	bool ss_org;                /* GRAPH_ISSUER: key is a self-signed "O=..." pattern */
	bool processed;             /* expansion tried (expanded or held) */
};

struct pivot_source_name {
	uint32_t id;
	const char *name;
};

struct pivot_run {
	struct store *store;
	const struct pivot_options *opt;
	struct graph *g;
	struct pivot_stats *stats;
	struct dn_error *err;
	struct pivot_node_state *state;
	size_t cap_state;
	/* Query results are copied here and read after the query ends, then
	 * the arena is reset before the next node. */
	struct arena scratch;
	/* The node being expanded; its children get depth + 1. */
	uint32_t current;
	uint32_t depth;
	/* Source names by id, read once from the store. */
	struct pivot_source_name *sources;
	size_t n_sources;
	bool sources_read;
};

/* Add or find the node and lower its depth to depth. A new node on the
 * shared list is held as GRAPH_HOLD_LISTED unless --expand names it.
 * Domain and regdomain nodes bring each other (pivot.c). */
dn_status pivot_add_node(struct pivot_run *r, enum graph_kind kind, const char *key,
                         const char *label, uint32_t depth, uint32_t *id);

/* Whether an edge with evidence ev may be followed from the current node
 * under overlap_only; counts the edges it stops. Call it before adding the
 * node the edge would reach. */
bool pivot_follows(struct pivot_run *r, const struct graph_evidence *ev);

/* Add the edge (from, to, rel) with ev, where reached is the end that the
 * current node reaches through it. Under overlap_only an edge whose
 * evidence does not overlap the current node's reach span is left out and
 * *added (may be NULL) is false. */
dn_status pivot_link(struct pivot_run *r, uint32_t from, uint32_t to, enum graph_relation rel,
                     const struct graph_evidence *ev, uint32_t reached, bool *added);

/* Whether [first, last] lies at least partly inside the since/until fence;
 * times of 0 are unknown and pass. */
bool pivot_in_fence(const struct pivot_run *r, int64_t first, int64_t last);

/* Whether value (a node key or label) is one the user forced with --expand. */
bool pivot_forced(const struct pivot_run *r, uint32_t node);

/* Mark the current node held as shared by share entities (capped when the
 * query stopped at the limit), or record its share. Returns true when the
 * node may be expanded. */
bool pivot_check_share(struct pivot_run *r, uint64_t share, bool capped, const char *what);

/* The most records one lookup of the current node reads: records_max, or
 * share_max when that is higher, or forced_records_max when --expand
 * forces the node. */
uint64_t pivot_records_cap(struct pivot_run *r);

/* Hold the current node as shared because its lookup stopped at the record
 * limit after reading records. What was read stays in the graph, and the
 * hold reason names the options that read more. */
dn_status pivot_mark_cut(struct pivot_run *r, uint64_t records);

/* Add the names seen in pDNS below the current registrable domain (a
 * "*.DOMAIN" lookup), unless more than the share limit are, which holds
 * the node as shared. *go is true when the node may be expanded further. */
dn_status pivot_regdomain_names(struct pivot_run *r, bool *go);

/* The name of the store source id, or "" when unknown. */
const char *pivot_source_name(struct pivot_run *r, uint32_t id);

/* Copy s into the scratch arena; NULL when memory runs out. */
char *pivot_scratch_dup(struct pivot_run *r, const char *s);

/* A name as graph keys hold it: lower case, no trailing dot, written to out. */
void pivot_name_key(const char *name, char *out, size_t size);

/* Expansions, one per family (pivot_dns.c, pivot_whois.c, pivot_cert.c). */
dn_status pivot_expand_domain(struct pivot_run *r);
dn_status pivot_expand_ip(struct pivot_run *r);
dn_status pivot_expand_prefix(struct pivot_run *r);
dn_status pivot_expand_asn(struct pivot_run *r);
dn_status pivot_expand_host(struct pivot_run *r);   /* nameserver, mx */
dn_status pivot_expand_regdomain(struct pivot_run *r);
dn_status pivot_expand_value(struct pivot_run *r);  /* email, phone, name, org, address, registrar */
dn_status pivot_expand_certs(struct pivot_run *r);  /* spki, issuer */
dn_status pivot_expand_cert_seed(struct pivot_run *r, const struct pivot_seed *seed);
dn_status pivot_domain_certs(struct pivot_run *r);   /* the certificates covering a domain */
/* The registered domains whose WHOIS lists the current nameserver, unless
 * more than the share limit do. */
dn_status pivot_whois_nameserver(struct pivot_run *r);
