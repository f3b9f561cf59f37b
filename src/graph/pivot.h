/* The pivot engine of `dragnet map`: from seed indicators, expand through
 * the store's pDNS, WHOIS, certificate and IP-to-ASN data into a graph
 * (graph/graph.h), breadth first, one hop per level.
 *
 *     struct pivot_options opt;
 *     pivot_options_init(&opt);           // then change what you need
 *     struct graph g;
 *     graph_init(&g);
 *     if (pivot_map(store, &opt, seeds, n_seeds, &g, &stats, err))
 *             ...
 *
 * Pivots per node kind (one hop each):
 *   domain      pDNS forward A/AAAA, CNAME, NS, MX; names whose CNAME points
 *               at it; certificates whose SAN or CN covers it
 *   regdomain   the names seen in pDNS below it ("*.DOMAIN"), then the
 *               index values of its latest WHOIS record: registrant
 *               email, phone, name, org, address; registrar; nameservers
 *   ip          reverse pDNS (names resolving to it); its prefix and ASN
 *   prefix      reverse pDNS over the range: addresses and names in it
 *   asn         its prefixes, from the stored IP-to-ASN ranges
 *   nameserver  names with NS records pointing at it, and domains whose
 *   mx          WHOIS lists it; names with MX records pointing at it
 *   email, phone, name, org, address, registrar
 *               reverse WHOIS: registered domains holding the value. A phone
 *               also reaches numbers equal to it but for the last digit
 *   spki        certificates with that key
 *   issuer      certificates of that issuer: for a self-signed issuer its
 *               organisation ("O=..."), else the whole DN
 * Two links come with a node rather than costing a hop: a domain's
 * registrable domain (libpsl) and back, and a certificate's names, key and
 * issuer, which are fields of the one record that found it.
 *
 * Shared values. Before a node is expanded, its pivot query runs with a
 * limit of share_max + 1 and the node's share is the number of entities
 * it returned (domains, certificates or prefixes), so no query reads more
 * than one row past the limit. A node over the limit stays in the graph,
 * unexpanded, with hold GRAPH_HOLD_SHARED. Values on the shared list get
 * GRAPH_HOLD_LISTED and masked WHOIS values GRAPH_HOLD_MASKED.
 *
 * Time. since/until fence every query: pDNS records last seen before
 * since or first seen at or after until are left out, as are WHOIS
 * values and documents and certificate validity periods outside the
 * fence. With overlap_only, a node is expanded only along edges whose
 * evidence span overlaps the span of the edges that first reached it (see
 * pivot_map()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asn/table.h"
#include "graph/graph.h"
#include "graph/shared_infra.h"
#include "store/store.h"
#include "util/status.h"

#define PIVOT_DEPTH_DEFAULT 2

/* Automatic share limits, used when pivot_options.share_max is 0.
 *
 * Addresses, prefixes, nameservers, MX hosts and CNAME targets: 200 names.
 * A campaign's own server or nameserver carries tens of names, a shared
 * hosting address or DNS provider thousands.
 * WHOIS values: 100 registered domains, the registrant correlation default
 * (graph/registrants.h): above the tens one campaign registers, below the
 * hundreds a reseller's default contact carries.
 * Certificates: 200 names in one certificate; keys: 200 certificates.
 * Issuers: 1000 certificates, so that an operator's self-signed issuer
 * with hundreds of certificates is followed while a public CA, which the
 * shared list names anyway, is not.
 * ASNs: 100 prefixes, which a small or bulletproof hoster stays below. */
#define PIVOT_SHARE_NAMES 200
#define PIVOT_SHARE_WHOIS 100
#define PIVOT_SHARE_CERT_NAMES 200
#define PIVOT_SHARE_KEY 200
#define PIVOT_SHARE_ISSUER 1000
#define PIVOT_SHARE_PREFIXES 100
/* The highest share_max `dragnet map --share-max` accepts, and the
 * records a lookup of a node that --expand forces reads by default. */
#define PIVOT_SHARE_MAX_HIGHEST 1000000

struct pivot_options {
	unsigned depth;                 /* hops from the seeds; PIVOT_DEPTH_DEFAULT */
	uint64_t share_max;             /* 0: the automatic limit of each kind */
	const char *const *expand;      /* values expanded whatever their share or
	                                 * listing (not masked ones): a node key or label */
	size_t n_expand;
	int64_t since, until;           /* epoch seconds; 0 when open */
	bool overlap_only;
	const struct shared_list *shared;   /* NULL: no list */
	/* IP-to-ASN lookups for address nodes; NULL: each address is looked
	 * up in the store (store_query_asn_at()), which gives the same answer
	 * as a table that cli_asn_table_build() built from it. */
	const struct asn_table *asn_table;
	/* Forward pDNS records read per name (1000), or share_max when that
	 * is higher. A lookup that reaches it holds its node as shared with
	 * share_capped set, after adding the records read. */
	size_t records_max;
	/* Records one lookup of a node that --expand forces may read
	 * (PIVOT_SHARE_MAX_HIGHEST); reaching it holds the node as above. */
	size_t forced_records_max;
	size_t certs_max;               /* certificates read per name, latest first (50) */
	/* Store queries a run may make, 0 for no limit. The count is checked
	 * before each node is expanded, so a run may exceed it by the queries
	 * of one node. */
	uint64_t max_queries;
};

struct pivot_stats {
	uint64_t queries;               /* store queries run */
	uint64_t expanded;
	uint64_t held_depth, held_shared, held_listed, held_masked, held_weak;
	uint64_t skipped_time;          /* edges left out by overlap_only */
	uint64_t cut;                   /* lookups stopped at their record limit (held_shared
	                                 * counts their nodes too) */
};

/* A seed as pivot_seed_parse() reads it. */
struct pivot_seed {
	enum graph_kind kind;
	char key[1024];
	bool sha1;                      /* GRAPH_CERT given by its SHA-1 */
};

/* Fill opt with the defaults. This function can't fail. */
void pivot_options_init(struct pivot_options *opt);

/* The share limit for nodes of kind under opt. */
uint64_t pivot_share_limit(const struct pivot_options *opt, enum graph_kind kind);

/* Read a seed: "KIND:VALUE" with a graph kind name ("email:x@a.example",
 * "name:John Smith", "ns:ns1.example", "spki:HEX"; "ns", "cidr", "cert" and
 * "sha256" are accepted as aliases), else the kind found from the text:
 * an address, a CIDR prefix, "AS64496", an email, a phone number
 * ("+" and digits), 64 or 40 hex digits for a certificate's SHA-256 or
 * SHA-1, or a domain name. DN_EINVAL with the reason when none fits, and
 * for a wildcard name ("*.example.com", "www.example.*"). */
dn_status pivot_seed_parse(const char *text, struct pivot_seed *seed, struct dn_error *err);

/* Whether value, as --expand takes it, names node n: its key or label in
 * any case, or a seed whose normalised key is n's key. */
bool pivot_value_matches(const char *value, const struct graph_node *n);

/* Expand seeds into g, which may already hold nodes. stats may be NULL.
 *
 * Overlap: each node reached during the run records the union of the time
 * spans of the evidence of the edges that reached it at its depth (its
 * reach span). With overlap_only, an edge from a node with a known reach
 * span is followed only when its evidence span (first..last seen for pDNS
 * and WHOIS, not_before..not_after for a certificate) overlaps it. Spans
 * that share a single second overlap. Seeds and evidence without times (0)
 * never stop an edge. So an address that one operator's name used in
 * 2023 does not lead to the names that resolved to it in 2025.
 *
 * Fails with DN_EINVAL or DN_ENOENT naming the seed, with DN_ELIMIT when
 * the run reaches max_queries, or with what the store returns; g then
 * holds what was mapped so far. */
dn_status pivot_map(struct store *store, const struct pivot_options *opt,
                    const char *const *seeds, size_t n_seeds, struct graph *g,
                    struct pivot_stats *stats, struct dn_error *err);
