/* Operator clusters: the domains of a mapped graph split into groups that
 * one operator probably runs, each with a confidence and the links behind it.
 *
 * Pure: a graph in (graph/graph.h, its adjacency built), clusters out. The
 * scoring and the confidence scale are documented in docs/mapping.md.
 *
 *     struct cluster_options opt;
 *     struct cluster_result res;
 *     cluster_options_init(&opt);
 *     if (cluster_graph(&g, &opt, &res, err))
 *             return err->code;
 *     ... res.clusters[0 .. res.n_clusters), g.nodes[i].cluster set ...
 *     cluster_result_free(&res);
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "graph/graph.h"
#include "util/status.h"

enum cluster_level {
	CLUSTER_TENTATIVE,   /* below 0.40 */
	CLUSTER_LOW,         /* 0.40 to below 0.70 */
	CLUSTER_MEDIUM,      /* 0.70 to below 0.90 */
	CLUSTER_HIGH,        /* 0.90 and above */
};

struct cluster_options {
	/* Two domains join when their pair score reaches this. */
	double link_min;
	/* A shared value with more than this many entities is not a link. */
	uint64_t share_max;
	/* Follow only values whose evidence overlaps in time for both domains. */
	bool overlap_only;
	/* At most this many links listed per cluster and per member. */
	size_t max_reasons;
};

/* One shared value that ties members: "both resolved to 203.0.113.7
 * (shared by 3 domains) during 2025-03-01..2025-04-02". */
struct cluster_link {
	uint32_t value;             /* node id of the shared value */
	enum graph_family family;
	double weight;              /* 0..1, after rarity and source bonus */
	uint32_t n_members;         /* cluster members that share it */
	uint32_t n_sources;         /* independent sources behind it */
	const char *text;           /* the explanation, in the result's arena */
};

struct cluster_member {
	uint32_t node;              /* a GRAPH_DOMAIN or GRAPH_REGDOMAIN node */
	double confidence;          /* how surely it belongs, 0..1 */
	enum cluster_level level;
	struct cluster_link *links; /* its strongest links to other members */
	size_t n_links;
};

/* What a cluster's time_first and time_last measure. */
enum cluster_time_basis {
	CLUSTER_TIME_NONE,          /* no dated evidence: both are 0 */
	CLUSTER_TIME_PDNS,          /* when the members' names resolved (pDNS) */
	/* No pDNS evidence: the times WHOIS records were seen and the
	 * certificates' notBefore dates, a fallback that dates registration
	 * and issuance, not use. */
	CLUSTER_TIME_REGISTRATION,
};

/* Ranked providers of one kind across a cluster: which IP, ASN, nameserver,
 * registrar or issuer serves how many of its domains. */
struct cluster_provider {
	uint32_t node;
	uint32_t domains;           /* members it serves */
};

struct cluster_summary {
	struct cluster_provider *by_kind[GRAPH_KIND_COUNT];
	size_t n_by_kind[GRAPH_KIND_COUNT];
	/* The provider of any kind that serves the largest share of members
	 * (a takedown point), UINT32_MAX when none serves two. */
	uint32_t spof;
	double spof_share;
	/* Registrant correlations that tie two or more members, one sentence
	 * each: a shared registrant value ("registrant email x@example.com
	 * shared by 6 members") or a near-match such as phone numbers that
	 * differ in the last digits. by_kind[GRAPH_EMAIL .. GRAPH_ADDRESS]
	 * lists the shared values themselves. */
	const char **registrant_patterns;
	size_t n_registrant_patterns;
};

struct cluster {
	struct cluster_member *members;
	size_t n_members;
	uint32_t *nodes;            /* every node assigned to the cluster */
	size_t n_nodes;
	double confidence;
	enum cluster_level level;
	bool has_seed;
	struct cluster_link *links; /* strongest links across the cluster */
	size_t n_links;
	/* Families and sources that corroborate: bit f set when family f links
	 * at least two members; n_sources distinct source names. */
	unsigned families;
	size_t n_sources;
	int64_t time_first;         /* activity, see time_basis */
	int64_t time_last;
	struct cluster_summary summary;
	enum cluster_time_basis time_basis;
};

/* A cluster has two or more registrable domains joined by links. A
 * registrable domain with its names and no link to another one is in no
 * cluster (its nodes' cluster is -1), the seed's included. */
struct cluster_result {
	struct cluster *clusters;   /* seed clusters first, then by size */
	size_t n_clusters;
	struct arena arena;
};

void cluster_options_init(struct cluster_options *opt);

dn_status cluster_graph(struct graph *g, const struct cluster_options *opt,
                        struct cluster_result *res, struct dn_error *err);

void cluster_result_free(struct cluster_result *res);

/* "tentative", "low", "medium", "high", and the level of a confidence. */
const char *cluster_level_name(enum cluster_level level);
enum cluster_level cluster_level_of(double confidence);
