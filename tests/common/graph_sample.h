/* A hand-built map for the graph writer tests: two clusters, held values,
 * personal registrant data to redact and labels built to break escaping.
 * The cluster result is plain structs, independent of graph/cluster.c. */
#pragma once

#include <stdint.h>
#include <string.h>

#include "export/graph_writer.h"
#include "graph/cluster.h"
#include "graph/graph.h"

/* Node ids of the sample, in insertion order. */
enum sample_node {
	S_SHOP, S_PAY, S_HOSTILE, S_SHOP_REG, S_SHARED_IP, S_IP4, S_IP6, S_PREFIX, S_ASN, S_NS,
	S_EMAIL, S_PHONE, S_NAME, S_ORG, S_ADDRESS, S_REGISTRAR, S_CERT, S_SPKI, S_ISSUER,
	S_PRIVACY_EMAIL, S_OTHER, S_LISTED_NS, S_NODE_COUNT
};

/* The hostile label: quotes, backslashes, a newline, a tab, DOT and XML
 * markup, an HTML entity, a control character and a byte that is not
 * UTF-8. */
#define SAMPLE_HOSTILE_KEY "evil\"dom\\ain<>{}.example"
#define SAMPLE_HOSTILE_LABEL "evil\"dom\\ain\n<b>{x}</b>&amp;\t\x01\xff.example"

/* Values that --redact-personal must remove from every output. */
static const char *const sample_personal[] = {
	"john.smith@example.com", "+1.5555550123", "john smith", "1 main street, springfield",
};
/* Values that it must keep: an organisation, a registrar, a privacy
 * service's address. */
static const char *const sample_kept[] = {
	"Blue Lantern Hosting", "Example Registrar, Inc.", "contact@privacyprotect.org",
};

#define SAMPLE_CERT "5d0f3b7b0e0c8ad1c3b2b1f0c4a5e6d7f8091a2b3c4d5e6f708192a3b4c5d6e7"
#define SAMPLE_SPKI "0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
#define SAMPLE_T0 1700000000 /* 2023-11-14T22:13:20Z */
#define SAMPLE_T1 1710000000 /* 2024-03-09T16:00:00Z */

struct sample_clusters {
	struct cluster_link links[2];
	struct cluster_link member_links[1];
	struct cluster_member members[3];
	uint32_t nodes[18];
	struct cluster_provider ips[1], asns[1], nameservers[1], registrars[1], issuers[1],
		emails[1], phones[1], orgs[1];
	struct cluster_member other_members[1];
	uint32_t other_nodes[2];
	struct cluster clusters[2];
};
static struct sample_clusters sample_store;

static const char *const sample_seeds[] = {"shop.example", "John.Smith@Example.com"};

static void sample_options(struct graph_write_options *opt, bool redact)
{
	memset(opt, 0, sizeof(*opt));
	opt->seeds = sample_seeds;
	opt->n_seeds = 2;
	opt->depth = 2;
	opt->share_max = 200;
	opt->since = SAMPLE_T0;
	opt->now = SAMPLE_T1;
	opt->redact_personal = redact;
}

static uint32_t sample_node(struct graph *g, enum graph_kind kind, const char *key,
                            const char *label)
{
	uint32_t id = UINT32_MAX;
	struct dn_error err;
	if (graph_add_node(g, kind, key, label, &id, &err) != DN_OK)
		return UINT32_MAX;
	return id;
}

static void sample_edge(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel,
                        enum graph_store_kind store, const char *source, const char *detail)
{
	struct graph_evidence ev = {store, source, detail, SAMPLE_T0, SAMPLE_T1, 3, 0};
	struct dn_error err;
	graph_add_edge(g, from, to, rel, &ev, NULL, &err);
}

/* Build the sample into g (initialised by the caller) and res. Returns
 * false when a node did not get its expected id. */
static bool sample_build(struct graph *g, struct cluster_result *res)
{
	static const struct {
		enum graph_kind kind;
		const char *key, *label;
	} nodes[S_NODE_COUNT] = {
		[S_SHOP] = {GRAPH_DOMAIN, "shop.example", NULL},
		[S_PAY] = {GRAPH_DOMAIN, "pay.example", NULL},
		[S_HOSTILE] = {GRAPH_DOMAIN, SAMPLE_HOSTILE_KEY, SAMPLE_HOSTILE_LABEL},
		[S_SHOP_REG] = {GRAPH_REGDOMAIN, "shop.example", NULL},
		[S_SHARED_IP] = {GRAPH_IP, "203.0.113.10", NULL},
		[S_IP4] = {GRAPH_IP, "198.51.100.7", NULL},
		[S_IP6] = {GRAPH_IP, "2001:db8::7", NULL},
		[S_PREFIX] = {GRAPH_PREFIX, "198.51.100.0/24", NULL},
		[S_ASN] = {GRAPH_ASN, "AS64496", NULL},
		[S_NS] = {GRAPH_NAMESERVER, "ns1.hostile.example", NULL},
		[S_EMAIL] = {GRAPH_EMAIL, "john.smith@example.com", "John.Smith@Example.com"},
		[S_PHONE] = {GRAPH_PHONE, "+1.5555550123", NULL},
		[S_NAME] = {GRAPH_NAME, "john smith", "John Smith"},
		[S_ORG] = {GRAPH_ORG, "blue lantern hosting", "Blue Lantern Hosting"},
		[S_ADDRESS] = {GRAPH_ADDRESS, "1 main street, springfield", "1 Main Street, Springfield"},
		[S_REGISTRAR] = {GRAPH_REGISTRAR, "example registrar, inc.", "Example Registrar, Inc."},
		[S_CERT] = {GRAPH_CERT, SAMPLE_CERT, NULL},
		[S_SPKI] = {GRAPH_SPKI, SAMPLE_SPKI, NULL},
		[S_ISSUER] = {GRAPH_ISSUER, "CN=Lantern \"Root\" CA,O=Blue Lantern Hosting", NULL},
		[S_PRIVACY_EMAIL] = {GRAPH_EMAIL, "contact@privacyprotect.org", NULL},
		[S_OTHER] = {GRAPH_DOMAIN, "other.example", NULL},
		[S_LISTED_NS] = {GRAPH_NAMESERVER, "ns1.cloudflare.com", NULL},
	};
	for (int i = 0; i < S_NODE_COUNT; i++)
		if (sample_node(g, nodes[i].kind, nodes[i].key, nodes[i].label) != (uint32_t)i)
			return false;

	struct graph_node *n = g->nodes;
	for (int i = 0; i < S_NODE_COUNT; i++) {
		n[i].depth = i < S_SHARED_IP ? 1 : 2;
		n[i].expanded = i < S_SHARED_IP;
		n[i].hold = i < S_SHARED_IP ? GRAPH_HOLD_NONE : GRAPH_HOLD_DEPTH;
	}
	n[S_SHOP].depth = 0;
	n[S_SHOP].seed = true;
	n[S_EMAIL].depth = 0;
	n[S_EMAIL].seed = true;
	n[S_SHARED_IP].hold = GRAPH_HOLD_SHARED;
	n[S_SHARED_IP].share = 2314;
	n[S_LISTED_NS].hold = GRAPH_HOLD_LISTED;
	n[S_LISTED_NS].hold_reason = "listed: cloudflare";
	n[S_LISTED_NS].share = 90000;
	n[S_LISTED_NS].share_capped = true;
	n[S_PRIVACY_EMAIL].hold = GRAPH_HOLD_MASKED;
	n[S_PHONE].share = 3;

	sample_edge(g, S_SHOP, S_IP4, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "sensor-1", "A 198.51.100.7");
	sample_edge(g, S_SHOP, S_IP4, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "dnstap", "A 198.51.100.7");
	sample_edge(g, S_PAY, S_IP4, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "sensor-1", "A 198.51.100.7");
	sample_edge(g, S_PAY, S_IP6, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "sensor-1", "AAAA 2001:db8::7");
	sample_edge(g, S_HOSTILE, S_IP4, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "sensor\"<1>",
	            "A 198.51.100.7 \\ \"quoted\" <tag>\n&");
	sample_edge(g, S_HOSTILE, S_SHARED_IP, GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, "sensor-1",
	            "A 203.0.113.10");
	sample_edge(g, S_SHOP, S_PAY, GRAPH_REL_CNAME, GRAPH_FROM_PDNS, "sensor-1", "CNAME pay.example");
	sample_edge(g, S_SHOP, S_SHOP_REG, GRAPH_REL_REGISTERED, GRAPH_FROM_DERIVED, "", "libpsl");
	sample_edge(g, S_IP4, S_PREFIX, GRAPH_REL_IN_PREFIX, GRAPH_FROM_ASN, "ip2asn",
	            "AS64496 198.51.100.0/24");
	sample_edge(g, S_PREFIX, S_ASN, GRAPH_REL_ORIGIN, GRAPH_FROM_ASN, "ip2asn", "AS64496");
	for (uint32_t d = S_SHOP; d <= S_HOSTILE; d++)
		sample_edge(g, d, S_NS, GRAPH_REL_NS, GRAPH_FROM_PDNS, "sensor-1", "NS ns1.hostile.example");
	sample_edge(g, S_SHOP_REG, S_EMAIL, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant email John.Smith@Example.com");
	sample_edge(g, S_SHOP_REG, S_PHONE, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant phone +1.5555550123");
	sample_edge(g, S_SHOP_REG, S_NAME, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant name John Smith");
	sample_edge(g, S_SHOP_REG, S_ORG, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant org Blue Lantern Hosting");
	sample_edge(g, S_SHOP_REG, S_ADDRESS, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant street 1 Main Street, Springfield");
	sample_edge(g, S_SHOP_REG, S_REGISTRAR, GRAPH_REL_REGISTRAR, GRAPH_FROM_WHOIS, "whois",
	            "registrar");
	sample_edge(g, S_CERT, S_SHOP, GRAPH_REL_CERT_NAME, GRAPH_FROM_CERT, "ct", "SAN");
	sample_edge(g, S_CERT, S_PAY, GRAPH_REL_CERT_NAME, GRAPH_FROM_CERT, "ct", "SAN");
	sample_edge(g, S_CERT, S_SPKI, GRAPH_REL_CERT_KEY, GRAPH_FROM_CERT, "ct", "key");
	sample_edge(g, S_CERT, S_ISSUER, GRAPH_REL_CERT_ISSUER, GRAPH_FROM_CERT, "ct", "issuer");
	sample_edge(g, S_OTHER, S_PRIVACY_EMAIL, GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, "whois",
	            "registrant email contact@privacyprotect.org");
	sample_edge(g, S_OTHER, S_LISTED_NS, GRAPH_REL_NS, GRAPH_FROM_PDNS, "sensor-1",
	            "NS ns1.cloudflare.com");

	/* Cluster 1: the three domains with the registrant values. */
	struct sample_clusters *st = &sample_store;
	memset(st, 0, sizeof(*st));
	st->links[0] = (struct cluster_link){S_PHONE, GRAPH_FAM_REGISTRATION, 0.9, 3, 1,
	                                     "all list registrant phone +1.5555550123 and email "
	                                     "john.smith@example.com (shared by 3 domains)"};
	st->links[1] = (struct cluster_link){S_NS, GRAPH_FAM_DNS_HOSTING, 0.6, 3, 2,
	                                     "all use nameserver ns1.hostile.example <\"quoted\">"};
	st->member_links[0] = st->links[0];
	st->members[0] = (struct cluster_member){S_SHOP, 0.97, CLUSTER_HIGH, st->member_links, 1};
	st->members[1] = (struct cluster_member){S_PAY, 0.95, CLUSTER_HIGH, st->member_links, 1};
	st->members[2] = (struct cluster_member){S_HOSTILE, 0.75, CLUSTER_MEDIUM, NULL, 0};
	static const uint32_t members1[] = {S_SHOP, S_PAY, S_HOSTILE, S_SHOP_REG, S_IP4, S_IP6,
	                                    S_PREFIX, S_ASN, S_NS, S_EMAIL, S_PHONE, S_NAME, S_ORG,
	                                    S_ADDRESS, S_REGISTRAR, S_CERT, S_SPKI, S_ISSUER};
	memcpy(st->nodes, members1, sizeof(members1));
	st->ips[0] = (struct cluster_provider){S_IP4, 3};
	st->asns[0] = (struct cluster_provider){S_ASN, 3};
	st->nameservers[0] = (struct cluster_provider){S_NS, 3};
	st->registrars[0] = (struct cluster_provider){S_REGISTRAR, 1};
	st->issuers[0] = (struct cluster_provider){S_ISSUER, 2};
	st->emails[0] = (struct cluster_provider){S_EMAIL, 1};
	st->phones[0] = (struct cluster_provider){S_PHONE, 1};
	st->orgs[0] = (struct cluster_provider){S_ORG, 1};
	struct cluster *c1 = &st->clusters[0];
	c1->members = st->members;
	c1->n_members = 3;
	c1->nodes = st->nodes;
	c1->n_nodes = sizeof(members1) / sizeof(members1[0]);
	c1->confidence = 0.94;
	c1->level = CLUSTER_HIGH;
	c1->has_seed = true;
	c1->links = st->links;
	c1->n_links = 2;
	c1->families = (1u << GRAPH_FAM_REGISTRATION) | (1u << GRAPH_FAM_DNS_HOSTING) |
	               (1u << GRAPH_FAM_IP_SPACE);
	c1->n_sources = 3;
	c1->time_first = SAMPLE_T0;
	c1->time_last = SAMPLE_T1;
	struct cluster_summary *s = &c1->summary;
	s->by_kind[GRAPH_IP] = st->ips;
	s->by_kind[GRAPH_ASN] = st->asns;
	s->by_kind[GRAPH_NAMESERVER] = st->nameservers;
	s->by_kind[GRAPH_REGISTRAR] = st->registrars;
	s->by_kind[GRAPH_ISSUER] = st->issuers;
	s->by_kind[GRAPH_EMAIL] = st->emails;
	s->by_kind[GRAPH_PHONE] = st->phones;
	s->by_kind[GRAPH_ORG] = st->orgs;
	s->n_by_kind[GRAPH_IP] = s->n_by_kind[GRAPH_ASN] = s->n_by_kind[GRAPH_NAMESERVER] = 1;
	s->n_by_kind[GRAPH_REGISTRAR] = s->n_by_kind[GRAPH_ISSUER] = 1;
	s->n_by_kind[GRAPH_EMAIL] = s->n_by_kind[GRAPH_PHONE] = s->n_by_kind[GRAPH_ORG] = 1;
	s->spof = S_NS;
	s->spof_share = 1.0;

	/* Cluster 2: one domain behind a privacy service, no corroboration. */
	st->other_members[0] = (struct cluster_member){S_OTHER, 0.3, CLUSTER_TENTATIVE, NULL, 0};
	st->other_nodes[0] = S_OTHER;
	st->other_nodes[1] = S_PRIVACY_EMAIL;
	struct cluster *c2 = &st->clusters[1];
	c2->members = st->other_members;
	c2->n_members = 1;
	c2->nodes = st->other_nodes;
	c2->n_nodes = 2;
	c2->confidence = 0.3;
	c2->level = CLUSTER_TENTATIVE;
	c2->summary.spof = UINT32_MAX;

	for (size_t i = 0; i < c1->n_nodes; i++)
		n[c1->nodes[i]].cluster = 0;
	n[S_OTHER].cluster = 1;
	n[S_PRIVACY_EMAIL].cluster = 1;
	memset(res, 0, sizeof(*res));
	res->clusters = st->clusters;
	res->n_clusters = 2;
	return true;
}
