/* The infrastructure graph that `dragnet map` builds: typed nodes, and edges
 * that carry their evidence (which observation, which source, when).
 *
 * Pure: graph/pivot.c fills it from store queries, graph/cluster.c splits it
 * into operator clusters, and the writers in export/ print it. Nothing here
 * does I/O.
 *
 * Nodes are unique on (kind, key). The key is the normalised value the
 * store searches by: a domain in lower-case A-label form without the
 * trailing dot, an address as ip_key_format() writes it, a prefix in CIDR
 * form, an ASN as "AS64496", a WHOIS value as whois/normalize.h makes it, a
 * certificate or SPKI as lower-case SHA-256 hex, an issuer as its RFC 4514 DN.
 * The label is what to show ("john.smith@example.com" as published).
 *
 * Edges are unique on (from, to, relation). Adding one again merges its
 * evidence: the same source widens the time span and adds the count, a new
 * source adds an evidence entry, so an edge knows how many independent
 * sources saw it.
 *
 * Node and edge ids are indexes into graph.nodes and graph.edges; they stay
 * valid while the graph grows (the arrays move, so re-read pointers after
 * adding). Strings are copied into the graph's arena. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/status.h"

enum graph_kind {
	GRAPH_DOMAIN,       /* a DNS name as seen */
	GRAPH_REGDOMAIN,    /* its registrable domain (libpsl) */
	GRAPH_IP,
	GRAPH_PREFIX,       /* a routed prefix from the ASN table */
	GRAPH_ASN,
	GRAPH_NAMESERVER,
	GRAPH_MX,
	GRAPH_EMAIL,        /* registrant values, from the WHOIS index */
	GRAPH_PHONE,
	GRAPH_NAME,
	GRAPH_ORG,
	GRAPH_ADDRESS,
	GRAPH_REGISTRAR,
	GRAPH_CERT,         /* a certificate, by SHA-256 */
	GRAPH_SPKI,         /* a public key, by SPKI SHA-256 */
	GRAPH_ISSUER,       /* an issuer DN */
	GRAPH_KIND_COUNT
};

/* Families of evidence that corroborate each other because one operator
 * controls them through different providers. */
enum graph_family {
	GRAPH_FAM_NAMING,        /* a name and its registrable domain, CNAME */
	GRAPH_FAM_REGISTRATION,  /* registrant values, registrar */
	GRAPH_FAM_DNS_HOSTING,   /* nameservers, MX hosts */
	GRAPH_FAM_CERTIFICATE,   /* certificates, keys, issuers */
	GRAPH_FAM_IP_SPACE,      /* addresses, prefixes, ASNs */
	GRAPH_FAMILY_COUNT
};

enum graph_relation {
	GRAPH_REL_RESOLVES,    /* domain -> ip: an A or AAAA record */
	GRAPH_REL_CNAME,       /* domain -> domain */
	GRAPH_REL_NS,          /* domain -> nameserver: NS record or WHOIS */
	GRAPH_REL_MX,          /* domain -> mx */
	GRAPH_REL_REGISTERED,  /* domain -> regdomain */
	GRAPH_REL_REGISTRANT,  /* regdomain -> email, phone, name, org, address */
	GRAPH_REL_REGISTRAR,   /* regdomain -> registrar */
	GRAPH_REL_CERT_NAME,   /* cert -> domain: a SAN or the subject CN */
	GRAPH_REL_CERT_KEY,    /* cert -> spki */
	GRAPH_REL_CERT_ISSUER, /* cert -> issuer */
	GRAPH_REL_IN_PREFIX,   /* ip -> prefix */
	GRAPH_REL_ORIGIN,      /* prefix -> asn */
	GRAPH_RELATION_COUNT
};

/* The store kind a piece of evidence comes from. */
enum graph_store_kind {
	GRAPH_FROM_PDNS,
	GRAPH_FROM_WHOIS,
	GRAPH_FROM_CERT,
	GRAPH_FROM_ASN,
	GRAPH_FROM_DERIVED,   /* computed, not observed: a registrable domain */
};

/* One observation behind an edge. */
struct graph_evidence {
	enum graph_store_kind from;
	const char *source;   /* the store's source name, or "" when unknown */
	const char *detail;   /* what was seen: "A 192.0.2.7", "registrant email",
	                       * "SAN", "crt.sh id 123", "AS64496 192.0.2.0/24" */
	int64_t time_first;   /* epoch seconds; 0 when the store has no time */
	int64_t time_last;
	uint64_t count;
	/* Distinct sources the store had already merged into this evidence
	 * (a pDNS record seen by three sensors has 3); 0 when it is the one
	 * source named above. */
	uint32_t sources;
};

/* The reason a node was not expanded. */
enum graph_hold {
	GRAPH_HOLD_NONE,      /* expanded, or not reached yet */
	GRAPH_HOLD_DEPTH,     /* at the last hop */
	GRAPH_HOLD_SHARED,    /* shared by more entities than the limit */
	GRAPH_HOLD_LISTED,    /* on the list of known shared infrastructure */
	GRAPH_HOLD_MASKED,    /* a redacted value or a privacy service */
	GRAPH_HOLD_WEAK,      /* a registrar: it corroborates links but is not followed */
};

struct graph_node {
	enum graph_kind kind;
	const char *key;
	const char *label;
	uint32_t depth;       /* hops from the nearest seed; 0 for a seed */
	bool seed;
	bool expanded;
	enum graph_hold hold;
	const char *hold_reason; /* "shared by 2,314 domains (limit 200)", "listed: cloudflare" */
	uint64_t share;       /* entities that share this value, when counted; 0 unknown */
	bool share_capped;    /* share is a lower bound: counting stopped there */
	int64_t time_first;   /* span of the evidence of its edges; 0 unknown */
	int64_t time_last;
	int32_t cluster;      /* index into the cluster result; -1 for none */
};

struct graph_edge {
	uint32_t from;
	uint32_t to;
	enum graph_relation relation;
	struct graph_evidence *evidence;
	size_t n_evidence;    /* distinct sources */
	size_t cap_evidence;
	int64_t time_first;   /* merged over the evidence */
	int64_t time_last;
};

struct graph {
	struct graph_node *nodes;
	size_t n_nodes, cap_nodes;
	struct graph_edge *edges;
	size_t n_edges, cap_edges;
	/* Open-addressing tables of node and edge ids, private to graph.c. */
	uint32_t *node_slots;
	size_t node_slot_count;
	uint32_t *edge_slots;
	size_t edge_slot_count;
	/* Per node, the ids of its edges in both directions, in insertion
	 * order: adj[adj_start[i] .. adj_start[i] + adj_count[i]). Built by
	 * graph_index_edges(); stale after a later graph_add_edge(). */
	uint32_t *adj;
	size_t *adj_start;
	uint32_t *adj_count;
	struct arena arena;
};

void graph_init(struct graph *g);
void graph_free(struct graph *g);

/* Find the node (kind, key); returns its id, or UINT32_MAX when absent. */
uint32_t graph_find(const struct graph *g, enum graph_kind kind, const char *key);

/* Add the node (kind, key) or find it. label may be NULL (then the key is
 * shown). A new node starts at depth UINT32_MAX, unexpanded, cluster -1. */
dn_status graph_add_node(struct graph *g, enum graph_kind kind, const char *key,
                         const char *label, uint32_t *id, struct dn_error *err);

/* Add the edge (from, to, relation) with one piece of evidence, or merge the
 * evidence into the edge that exists. ev->source and ev->detail are copied.
 * The edge's and both nodes' time spans widen to cover the evidence. */
dn_status graph_add_edge(struct graph *g, uint32_t from, uint32_t to,
                         enum graph_relation relation, const struct graph_evidence *ev,
                         uint32_t *id, struct dn_error *err);

/* Find the edge (from, to, relation); returns its id, or UINT32_MAX when
 * absent. */
uint32_t graph_find_edge(const struct graph *g, uint32_t from, uint32_t to,
                         enum graph_relation relation);

/* Build the adjacency lists (g->adj, adj_start, adj_count). */
dn_status graph_index_edges(struct graph *g, struct dn_error *err);

/* The other end of edge e seen from node n. */
static inline uint32_t graph_other(const struct graph_edge *e, uint32_t n)
{
	return e->from == n ? e->to : e->from;
}

/* Stable lower-case names for output formats and the documentation:
 * "domain", "regdomain", "ip", ..., "resolves", "cname", ..., "naming",
 * "registration", ... */
const char *graph_kind_name(enum graph_kind kind);
const char *graph_relation_name(enum graph_relation rel);
const char *graph_family_name(enum graph_family fam);
const char *graph_store_kind_name(enum graph_store_kind from);
const char *graph_hold_name(enum graph_hold hold);

/* The family of evidence a relation belongs to. REGISTRANT and REGISTRAR
 * are registration, NS and MX DNS hosting, RESOLVES, IN_PREFIX and ORIGIN
 * IP space, the CERT_ ones certificate, REGISTERED and CNAME naming. */
enum graph_family graph_relation_family(enum graph_relation rel);

/* Parse a kind name; false when unknown. */
bool graph_kind_parse(const char *name, enum graph_kind *kind);
