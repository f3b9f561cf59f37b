/* Tests for operator clusters: hand-built graphs whose operators are known,
 * checked for exact membership, level order, links and summaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/cluster.h"
#include "whois/normalize.h"

/* 2024-03-01T00:00:00Z and one day. */
#define T0 1709251200
#define DAY 86400

static uint32_t add_node(struct graph *g, enum graph_kind kind, const char *key)
{
	struct dn_error err = {0};
	uint32_t id;
	assert_int_equal(graph_add_node(g, kind, key, NULL, &id, &err), DN_OK);
	return id;
}

static void add_edge_at(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel,
                        const char *source, const char *detail, int64_t first, int64_t last)
{
	struct dn_error err = {0};
	struct graph_evidence ev = {GRAPH_FROM_PDNS, source, detail, first, last, 1, 0};
	assert_int_equal(graph_add_edge(g, from, to, rel, &ev, NULL, &err), DN_OK);
}

static void add_edge(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel,
                     const char *source)
{
	add_edge_at(g, from, to, rel, source, "", T0, T0 + 30 * DAY);
}

/* Add a name and its registrable domain. Returns the name's node. */
static uint32_t add_domain(struct graph *g, const char *name)
{
	uint32_t d = add_node(g, GRAPH_DOMAIN, name);
	uint32_t r = add_node(g, GRAPH_REGDOMAIN, name);
	struct dn_error err = {0};
	struct graph_evidence ev = {GRAPH_FROM_DERIVED, "", "libpsl", 0, 0, 1, 0};
	assert_int_equal(graph_add_edge(g, d, r, GRAPH_REL_REGISTERED, &ev, NULL, &err), DN_OK);
	return d;
}

static uint32_t regdomain(const struct graph *g, const char *name)
{
	uint32_t id = graph_find(g, GRAPH_REGDOMAIN, name);
	assert_int_not_equal(id, UINT32_MAX);
	return id;
}

static void resolves(struct graph *g, uint32_t domain, const char *ip, const char *source)
{
	add_edge(g, domain, add_node(g, GRAPH_IP, ip), GRAPH_REL_RESOLVES, source);
}

static void registrant(struct graph *g, const char *domain, enum graph_kind kind, const char *value)
{
	add_edge_at(g, regdomain(g, domain), add_node(g, kind, value), GRAPH_REL_REGISTRANT,
	            "whois-1", "registrant", T0, T0);
}

static void run(struct graph *g, const struct cluster_options *opt, struct cluster_result *res)
{
	struct dn_error err = {0};
	dn_status rc = cluster_graph(g, opt, res, &err);
	if (rc != DN_OK)
		print_error("cluster_graph: %s\n", err.msg);
	assert_int_equal(rc, DN_OK);
}

static int32_t cluster_of(const struct graph *g, enum graph_kind kind, const char *key)
{
	uint32_t id = graph_find(g, kind, key);
	assert_int_not_equal(id, UINT32_MAX);
	return g->nodes[id].cluster;
}

static int32_t domain_cluster(const struct graph *g, const char *name)
{
	return cluster_of(g, GRAPH_DOMAIN, name);
}

static const struct cluster *cluster_at(const struct cluster_result *res, int32_t index)
{
	assert_true(index >= 0);
	assert_true((size_t)index < res->n_clusters);
	return &res->clusters[index];
}

static bool has_member(const struct cluster *c, uint32_t node)
{
	for (size_t i = 0; i < c->n_members; i++) {
		if (c->members[i].node == node)
			return true;
	}
	return false;
}

/* Two operators whose only common value is a listed CDN address. */
static void build_cdn_pair(struct graph *g, enum graph_hold hold)
{
	uint32_t a = add_domain(g, "shop-a.example");
	uint32_t b = add_domain(g, "bank-b.example");
	resolves(g, a, "203.0.113.10", "sensor-1");
	resolves(g, b, "203.0.113.10", "sensor-1");
	resolves(g, a, "198.51.100.1", "sensor-1");
	resolves(g, b, "198.51.100.2", "sensor-1");
	uint32_t cdn = graph_find(g, GRAPH_IP, "203.0.113.10");
	g->nodes[cdn].hold = hold;
}

static void test_held_cdn_ip_keeps_apart(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	build_cdn_pair(&g, GRAPH_HOLD_LISTED);
	run(&g, NULL, &res);
	/* Without a link, each registrable domain is in no cluster. */
	assert_int_equal(res.n_clusters, 0);
	assert_int_equal(domain_cluster(&g, "shop-a.example"), -1);
	assert_int_equal(domain_cluster(&g, "bank-b.example"), -1);
	assert_int_equal(cluster_of(&g, GRAPH_IP, "203.0.113.10"), -1);
	cluster_result_free(&res);
	graph_free(&g);

	/* The same address, not held, joins them: the hold is what parts them. */
	graph_init(&g);
	build_cdn_pair(&g, GRAPH_HOLD_NONE);
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 1);
	assert_int_equal(domain_cluster(&g, "shop-a.example"),
	                 domain_cluster(&g, "bank-b.example"));
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_shared_masked_never_link(void **state)
{
	(void)state;
	static const enum graph_hold holds[] = {GRAPH_HOLD_SHARED, GRAPH_HOLD_MASKED};
	for (size_t i = 0; i < 2; i++) {
		struct graph g;
		struct cluster_result res;
		graph_init(&g);
		add_domain(&g, "one.example");
		add_domain(&g, "two.example");
		registrant(&g, "one.example", GRAPH_EMAIL, "contact@privacy.example");
		registrant(&g, "two.example", GRAPH_EMAIL, "contact@privacy.example");
		g.nodes[graph_find(&g, GRAPH_EMAIL, "contact@privacy.example")].hold = holds[i];
		run(&g, NULL, &res);
		assert_int_equal(res.n_clusters, 0);
		assert_int_equal(domain_cluster(&g, "one.example"), -1);
		cluster_result_free(&res);
		graph_free(&g);
	}
}

/* Pair A shares an email and an address, pair B two addresses. */
static void test_email_ip_beats_two_ips(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t a1 = add_domain(&g, "a1.example"), a2 = add_domain(&g, "a2.example");
	uint32_t b1 = add_domain(&g, "b1.example"), b2 = add_domain(&g, "b2.example");
	registrant(&g, "a1.example", GRAPH_EMAIL, "ops@a-mail.example");
	registrant(&g, "a2.example", GRAPH_EMAIL, "ops@a-mail.example");
	resolves(&g, a1, "192.0.2.1", "sensor-1");
	resolves(&g, a2, "192.0.2.1", "sensor-1");
	resolves(&g, b1, "192.0.2.2", "sensor-1");
	resolves(&g, b2, "192.0.2.2", "sensor-1");
	resolves(&g, b1, "192.0.2.3", "sensor-1");
	resolves(&g, b2, "192.0.2.3", "sensor-1");
	run(&g, NULL, &res);

	assert_int_equal(res.n_clusters, 2);
	int32_t ca = domain_cluster(&g, "a1.example"), cb = domain_cluster(&g, "b1.example");
	assert_int_equal(domain_cluster(&g, "a2.example"), ca);
	assert_int_equal(domain_cluster(&g, "b2.example"), cb);
	assert_int_not_equal(ca, cb);
	const struct cluster *A = cluster_at(&res, ca), *B = cluster_at(&res, cb);
	assert_true(A->level > B->level);
	assert_true(A->confidence > B->confidence);
	assert_true(A->families & (1u << GRAPH_FAM_REGISTRATION));
	assert_true(A->families & (1u << GRAPH_FAM_IP_SPACE));
	assert_false(B->families & (1u << GRAPH_FAM_REGISTRATION));
	/* Equal sizes: the first member decides the order. */
	assert_int_equal(ca, 0);
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_rare_value_outweighs_common(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t r1 = add_domain(&g, "rare-1.example"), r2 = add_domain(&g, "rare-2.example");
	uint32_t c1 = add_domain(&g, "common-1.example"), c2 = add_domain(&g, "common-2.example");
	resolves(&g, r1, "198.51.100.7", "sensor-1");
	resolves(&g, r2, "198.51.100.7", "sensor-1");
	resolves(&g, c1, "198.51.100.8", "sensor-1");
	resolves(&g, c2, "198.51.100.8", "sensor-1");
	/* The pivot counted 50 domains on the second address. */
	g.nodes[graph_find(&g, GRAPH_IP, "198.51.100.8")].share = 50;
	run(&g, NULL, &res);

	assert_int_equal(domain_cluster(&g, "rare-1.example"),
	                 domain_cluster(&g, "rare-2.example"));
	assert_int_equal(domain_cluster(&g, "common-1.example"), -1);
	assert_int_equal(domain_cluster(&g, "common-2.example"), -1);
	const struct cluster *rare = cluster_at(&res, domain_cluster(&g, "rare-1.example"));
	assert_int_equal(rare->n_links, 1);
	assert_int_equal(rare->links[0].value, graph_find(&g, GRAPH_IP, "198.51.100.7"));
	assert_non_null(strstr(rare->links[0].text, "both resolved to 198.51.100.7"));
	assert_non_null(strstr(rare->links[0].text,
	                       "2 domains in this map, not counted in the store, 1 source"));
	assert_non_null(strstr(rare->links[0].text, "2024-03-01..2024-03-31"));
	cluster_result_free(&res);
	graph_free(&g);
}

/* The same pair shape, seen by one sensor or by two. */
static void test_two_sources_beat_one(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t a1 = add_domain(&g, "one-1.example"), a2 = add_domain(&g, "one-2.example");
	uint32_t b1 = add_domain(&g, "two-1.example"), b2 = add_domain(&g, "two-2.example");
	resolves(&g, a1, "192.0.2.50", "sensor-1");
	resolves(&g, a2, "192.0.2.50", "sensor-1");
	resolves(&g, b1, "192.0.2.60", "sensor-1");
	resolves(&g, b2, "192.0.2.60", "sensor-2");
	run(&g, NULL, &res);

	int32_t one_source = domain_cluster(&g, "one-1.example");
	int32_t two_sources = domain_cluster(&g, "two-1.example");
	assert_int_equal(domain_cluster(&g, "one-2.example"), one_source);
	assert_int_equal(domain_cluster(&g, "two-2.example"), two_sources);
	assert_int_not_equal(one_source, two_sources);
	const struct cluster *A = cluster_at(&res, one_source), *B = cluster_at(&res, two_sources);
	assert_true(B->confidence > A->confidence);
	assert_int_equal(A->n_sources, 1);
	assert_int_equal(B->n_sources, 2);
	assert_int_equal(B->links[0].n_sources, 2);
	assert_non_null(strstr(B->links[0].text, "2 sources"));
	cluster_result_free(&res);
	graph_free(&g);
}

/* An address that old.example used in 2024 and new.example a year later. */
static void test_overlap_only_parts_reuse(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	struct cluster_options opt;
	graph_init(&g);
	uint32_t old = add_domain(&g, "old.example"), new = add_domain(&g, "new.example");
	uint32_t mate = add_domain(&g, "mate.example");
	uint32_t ip = add_node(&g, GRAPH_IP, "203.0.113.77");
	add_edge_at(&g, old, ip, GRAPH_REL_RESOLVES, "sensor-1", "A", T0, T0 + 20 * DAY);
	add_edge_at(&g, mate, ip, GRAPH_REL_RESOLVES, "sensor-1", "A", T0 + 10 * DAY,
	            T0 + 40 * DAY);
	add_edge_at(&g, new, ip, GRAPH_REL_RESOLVES, "sensor-1", "A", T0 + 380 * DAY,
	            T0 + 400 * DAY);

	cluster_options_init(&opt);
	run(&g, &opt, &res);
	assert_int_equal(domain_cluster(&g, "old.example"), domain_cluster(&g, "new.example"));
	cluster_result_free(&res);

	opt.overlap_only = true;
	run(&g, &opt, &res);
	assert_int_equal(domain_cluster(&g, "old.example"), domain_cluster(&g, "mate.example"));
	assert_int_equal(domain_cluster(&g, "new.example"), -1);
	assert_int_equal(res.n_clusters, 1);
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_cname_joins_names(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t a = add_domain(&g, "login-a.example"), b = add_domain(&g, "origin-b.example");
	add_domain(&g, "other.example");
	add_edge(&g, a, b, GRAPH_REL_CNAME, "sensor-1");
	run(&g, NULL, &res);
	assert_int_equal(domain_cluster(&g, "login-a.example"),
	                 domain_cluster(&g, "origin-b.example"));
	assert_int_not_equal(domain_cluster(&g, "login-a.example"),
	                     domain_cluster(&g, "other.example"));
	const struct cluster *c = cluster_at(&res, domain_cluster(&g, "login-a.example"));
	assert_true(c->families & (1u << GRAPH_FAM_NAMING));
	assert_int_equal(c->links[0].family, GRAPH_FAM_NAMING);
	assert_non_null(strstr(c->links[0].text, "CNAME records pointing to origin-b.example"));
	cluster_result_free(&res);
	graph_free(&g);
}

static const char *const FIRST[47] = {
        "Alice",  "Brian",  "Chloe",  "Daniel", "Emma",   "Felix",  "Grace",  "Hugo",
        "Isla",   "Jacob",  "Karen",  "Liam",   "Maya",   "Noah",   "Olive",  "Peter",
        "Quinn",  "Rosa",   "Simon",  "Tara",   "Umar",   "Vera",   "Walter", "Xenia",
        "Yusuf",  "Zara",   "Aaron",  "Bella",  "Colin",  "Diana",  "Ethan",  "Fiona",
        "George", "Hannah", "Ivan",   "Julia",  "Kevin",  "Laura",  "Martin", "Nadia",
        "Oscar",  "Paula",  "Rupert", "Sofia",  "Thomas", "Ursula", "Victor",
};

static const char *const LAST[47] = {
        "Archer",  "Bowden",   "Carver",    "Dawson",  "Ellison",  "Fletcher", "Garner",
        "Hobbs",   "Ingram",   "Jarvis",    "Kendall", "Lawson",   "Mercer",   "Norris",
        "Osborne", "Pickett",  "Quayle",    "Rigby",   "Sutton",   "Tanner",   "Upton",
        "Vickers", "Walsh",    "Yardley",   "Ziegler", "Ashby",    "Barlow",   "Crowther",
        "Denton",  "Eastwood", "Fairbairn", "Gosling", "Hartley",  "Irwin",    "Jessop",
        "Kirkby",  "Lomax",    "Marsden",   "Nuttall", "Oakes",    "Prescott", "Radcliffe",
        "Sheard",  "Thwaite",  "Underwood", "Varley",  "Whitaker",
};

/* The 47-domain ring that test_registrants.c builds. 44 domains share a
 * London number but for a last digit that runs 0-9, and three are
 * unrelated. Each has its own name and email, and all use one registrar. */
static void build_ring(struct graph *g, char names[47][32])
{
	static const char *const others[3] = {"+44 161 496 0001", "+44.1174960555",
	                                      "+1.2025550143"};
	uint32_t registrar = add_node(g, GRAPH_REGISTRAR, "example registrar");
	for (int i = 0; i < 47; i++) {
		snprintf(names[i], 32, i < 44 ? "pay-%02d.test" : "zz-%02d.test", i);
		uint32_t r = add_node(g, GRAPH_REGDOMAIN, names[i]);
		add_edge_at(g, r, registrar, GRAPH_REL_REGISTRAR, "whois-1", "registrar", T0, T0);

		char published[64], key[WHOIS_KEY_MAX];
		if (i >= 44)
			snprintf(published, sizeof(published), "%s", others[i - 44]);
		else if (i % 3 == 0)
			snprintf(published, sizeof(published), "+44.207946012%d", i % 10);
		else if (i % 3 == 1)
			snprintf(published, sizeof(published), "+44 (0)20 7946 012%d", i % 10);
		else
			snprintf(published, sizeof(published), "020 7946 012%d", i % 10);
		assert_true(whois_norm_phone(published, "GB", key, sizeof(key)));
		registrant(g, names[i], GRAPH_PHONE, key);

		char text[64];
		snprintf(text, sizeof(text), "%s %s", FIRST[i], LAST[i]);
		assert_true(whois_norm_name(text, key, sizeof(key)));
		registrant(g, names[i], GRAPH_NAME, key);
		snprintf(text, sizeof(text), "%s.%s@mail.example", FIRST[i], LAST[i]);
		assert_true(whois_norm_email(text, key, sizeof(key)));
		registrant(g, names[i], GRAPH_EMAIL, key);
	}
}

static void test_phone_ring_one_cluster(void **state)
{
	(void)state;
	static char names[47][32];
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	build_ring(&g, names);
	run(&g, NULL, &res);

	const struct cluster *ring = cluster_at(&res, 0);
	assert_int_equal(ring->n_members, 44);
	for (int i = 0; i < 44; i++)
		assert_true(has_member(ring, regdomain(&g, names[i])));
	for (int i = 44; i < 47; i++)
		assert_int_equal(cluster_of(&g, GRAPH_REGDOMAIN, names[i]), -1);
	assert_int_equal(res.n_clusters, 1);

	/* The run of last digits ties all 44, so it is listed first. */
	assert_true(ring->n_links >= 1);
	assert_int_equal(ring->links[0].n_members, 44);
	assert_int_equal(ring->links[0].family, GRAPH_FAM_REGISTRATION);
	assert_non_null(strstr(ring->links[0].text, "differ only in the last digit"));
	assert_non_null(strstr(ring->links[0].text, "0-9, a sequential run"));
	assert_int_equal(ring->links[0].value, graph_find(&g, GRAPH_PHONE, "+442079460120"));
	/* The same run is the summary's registrant pattern. */
	bool run_listed = false;
	for (size_t i = 0; i < ring->summary.n_registrant_patterns; i++)
		run_listed |= strstr(ring->summary.registrant_patterns[i],
		                     "differ only in the last digit") != NULL;
	assert_true(run_listed);

	/* The shared registrar is a provider of all 44, and of the others. */
	uint32_t registrar = graph_find(&g, GRAPH_REGISTRAR, "example registrar");
	assert_int_equal(ring->summary.n_by_kind[GRAPH_REGISTRAR], 1);
	assert_int_equal(ring->summary.by_kind[GRAPH_REGISTRAR][0].node, registrar);
	assert_int_equal(ring->summary.by_kind[GRAPH_REGISTRAR][0].domains, 44);
	assert_int_equal(g.nodes[registrar].cluster, 0);
	cluster_result_free(&res);
	graph_free(&g);
}

/* 340 self-signed certificates, each with its own key and registrable
 * domain, whose issuer is one organisation, and five unrelated ones. */
static void test_shared_issuer_one_cluster(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t issuer = add_node(&g, GRAPH_ISSUER, "O=Blue Lantern Hosting,C=NL");
	char name[64], www[80], hash[65];
	for (int i = 1; i <= 345; i++) {
		bool lantern = i <= 340;
		if (lantern)
			snprintf(name, sizeof(name), "parcel-notice-%d.example", i);
		else
			snprintf(name, sizeof(name), "owner-%d.example", i);
		snprintf(www, sizeof(www), "www.%s", name);
		uint32_t apex = add_domain(&g, name);
		uint32_t sub = add_node(&g, GRAPH_DOMAIN, www);
		add_edge(&g, sub, regdomain(&g, name), GRAPH_REL_REGISTERED, "");
		snprintf(hash, sizeof(hash), "%064x", i);
		uint32_t cert = add_node(&g, GRAPH_CERT, hash);
		snprintf(hash, sizeof(hash), "%063x%x", i, 15);
		uint32_t key = add_node(&g, GRAPH_SPKI, hash);
		add_edge(&g, cert, apex, GRAPH_REL_CERT_NAME, "certs-1");
		add_edge(&g, cert, sub, GRAPH_REL_CERT_NAME, "certs-1");
		add_edge(&g, cert, key, GRAPH_REL_CERT_KEY, "certs-1");
		if (lantern) {
			add_edge_at(&g, cert, issuer, GRAPH_REL_CERT_ISSUER, "certs-1",
			            "self-signed issuer organisation", T0, T0 + 30 * DAY);
		} else {
			snprintf(www, sizeof(www), "O=Unrelated %d Ltd", i);
			add_edge(&g, cert, add_node(&g, GRAPH_ISSUER, www), GRAPH_REL_CERT_ISSUER,
			         "certs-1");
		}
	}
	run(&g, NULL, &res);

	const struct cluster *lantern = cluster_at(&res, 0);
	assert_int_equal(lantern->n_members, 340 * 2);
	for (int i = 1; i <= 340; i++) {
		snprintf(name, sizeof(name), "parcel-notice-%d.example", i);
		assert_true(has_member(lantern, graph_find(&g, GRAPH_DOMAIN, name)));
	}
	for (int i = 341; i <= 345; i++) {
		snprintf(name, sizeof(name), "owner-%d.example", i);
		assert_int_equal(domain_cluster(&g, name), -1);
	}
	assert_int_equal(res.n_clusters, 1);
	assert_int_equal(g.nodes[issuer].cluster, 0);
	assert_int_equal(lantern->links[0].value, issuer);
	assert_int_equal(lantern->links[0].n_members, 340);
	assert_int_equal(lantern->summary.spof, issuer);
	assert_true(lantern->summary.spof_share == 1.0);
	cluster_result_free(&res);
	graph_free(&g);
}

/* Four domains of one registrant: three on one (listed) DNS host, one on
 * another, two at each of two registrars, each on its own address. */
/* Forty domains with certificates of one CA: the CA's issuer DN does not
 * link them, while the same number sharing a self-signed issuer's
 * organisation form one cluster. */
static void test_ca_issuer_does_not_link(void **state)
{
	(void)state;
	for (int self_signed = 0; self_signed <= 1; self_signed++) {
		struct graph g;
		struct cluster_result res;
		graph_init(&g);
		uint32_t issuer = add_node(&g, GRAPH_ISSUER, "CN=Sample CA 1,O=Sample Trust,C=US");
		char name[64], hash[65];
		for (int i = 0; i < 40; i++) {
			snprintf(name, sizeof(name), "customer-%d.example", i);
			uint32_t d = add_domain(&g, name);
			snprintf(hash, sizeof(hash), "%064x", i + 1);
			uint32_t cert = add_node(&g, GRAPH_CERT, hash);
			add_edge(&g, cert, d, GRAPH_REL_CERT_NAME, "certs-1");
			add_edge_at(&g, cert, issuer, GRAPH_REL_CERT_ISSUER, "certs-1",
			            self_signed ? "self-signed issuer organisation" : "issuer", T0,
			            T0 + 30 * DAY);
		}
		run(&g, NULL, &res);
		if (self_signed) {
			assert_int_equal(res.n_clusters, 1);
			assert_int_equal(res.clusters[0].n_members, 40);
		} else {
			assert_int_equal(res.n_clusters, 0);
		}
		cluster_result_free(&res);
		graph_free(&g);
	}
}

static void test_summary_spof(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	static const char *const names[4] = {"d1.example", "d2.example", "d3.example",
	                                     "d4.example"};
	uint32_t ns1 = add_node(&g, GRAPH_NAMESERVER, "ns1.dnshost.example");
	uint32_t ns2 = add_node(&g, GRAPH_NAMESERVER, "ns.other.example");
	g.nodes[ns1].hold = GRAPH_HOLD_LISTED;
	for (int i = 0; i < 4; i++) {
		uint32_t d = add_domain(&g, names[i]);
		registrant(&g, names[i], GRAPH_EMAIL, "owner@mailbox.example");
		add_edge(&g, d, i < 3 ? ns1 : ns2, GRAPH_REL_NS, "sensor-1");
		char ip[32];
		snprintf(ip, sizeof(ip), "192.0.2.%d", 100 + i);
		resolves(&g, d, ip, "sensor-1");
		add_edge(&g, regdomain(&g, names[i]),
		         add_node(&g, GRAPH_REGISTRAR, i % 2 ? "registrar one" : "registrar two"),
		         GRAPH_REL_REGISTRAR, "whois-1");
	}
	run(&g, NULL, &res);

	assert_int_equal(res.n_clusters, 1);
	const struct cluster *c = &res.clusters[0];
	const struct cluster_summary *s = &c->summary;
	assert_int_equal(s->spof, ns1);
	assert_true(s->spof_share > 0.749 && s->spof_share < 0.751);
	assert_int_equal(s->n_by_kind[GRAPH_NAMESERVER], 2);
	assert_int_equal(s->by_kind[GRAPH_NAMESERVER][0].node, ns1);
	assert_int_equal(s->by_kind[GRAPH_NAMESERVER][0].domains, 3);
	assert_int_equal(s->by_kind[GRAPH_NAMESERVER][1].node, ns2);
	assert_int_equal(s->by_kind[GRAPH_NAMESERVER][1].domains, 1);
	assert_int_equal(s->n_by_kind[GRAPH_IP], 4);
	assert_int_equal(s->by_kind[GRAPH_IP][0].domains, 1);
	assert_int_equal(s->n_by_kind[GRAPH_REGISTRAR], 2);
	assert_int_equal(s->by_kind[GRAPH_REGISTRAR][0].domains, 2);
	assert_int_equal(s->n_by_kind[GRAPH_ASN], 0);
	/* The listed nameserver serves the cluster but does not link it. */
	for (size_t i = 0; i < c->n_links; i++)
		assert_int_not_equal(c->links[i].value, ns1);
	assert_int_equal(g.nodes[ns1].cluster, 0);
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_over_share_max_never_links(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	struct cluster_options opt;
	graph_init(&g);
	uint32_t a = add_domain(&g, "x1.example"), b = add_domain(&g, "x2.example");
	registrant(&g, "x1.example", GRAPH_EMAIL, "ops@x-mail.example");
	registrant(&g, "x2.example", GRAPH_EMAIL, "ops@x-mail.example");
	resolves(&g, a, "192.0.2.9", "sensor-1");
	resolves(&g, b, "192.0.2.9", "sensor-1");
	g.nodes[graph_find(&g, GRAPH_EMAIL, "ops@x-mail.example")].share = 30;
	cluster_options_init(&opt);
	opt.share_max = 10;
	g.nodes[graph_find(&g, GRAPH_IP, "192.0.2.9")].share = 11;
	run(&g, &opt, &res);
	assert_int_equal(res.n_clusters, 0);
	cluster_result_free(&res);
	graph_free(&g);
}

/* Members in key order, seeds first, and the same result on a second run. */
static void test_order_and_determinism(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result first, second;
	graph_init(&g);
	uint32_t z = add_domain(&g, "z-seed.example");
	uint32_t m1 = add_domain(&g, "m1.example"), m2 = add_domain(&g, "m2.example");
	uint32_t m3 = add_domain(&g, "m3.example");
	resolves(&g, m3, "198.51.100.30", "sensor-1");
	resolves(&g, m1, "198.51.100.30", "sensor-1");
	resolves(&g, m2, "198.51.100.30", "sensor-1");
	g.nodes[z].seed = true;
	run(&g, NULL, &first);
	/* The seed has no link, so it is in no cluster and no seed cluster
	 * comes first. */
	assert_int_equal(first.n_clusters, 1);
	assert_false(first.clusters[0].has_seed);
	assert_int_equal(g.nodes[z].cluster, -1);
	assert_int_equal(first.clusters[0].n_members, 3);
	const struct cluster *c = &first.clusters[0];
	for (size_t i = 1; i < c->n_members; i++)
		assert_true(strcmp(g.nodes[c->members[i - 1].node].key,
		                   g.nodes[c->members[i].node].key) <= 0);

	run(&g, NULL, &second);
	assert_int_equal(second.n_clusters, first.n_clusters);
	for (size_t k = 0; k < first.n_clusters; k++) {
		const struct cluster *a = &first.clusters[k], *b = &second.clusters[k];
		assert_int_equal(a->n_members, b->n_members);
		assert_int_equal(a->n_nodes, b->n_nodes);
		for (size_t i = 0; i < a->n_members; i++)
			assert_int_equal(a->members[i].node, b->members[i].node);
		assert_int_equal(a->n_links, b->n_links);
		for (size_t i = 0; i < a->n_links; i++)
			assert_string_equal(a->links[i].text, b->links[i].text);
		assert_true(a->confidence == b->confidence);
	}
	cluster_result_free(&first);
	cluster_result_free(&second);
	graph_free(&g);
}

/* One email as the registrant of two domains, another as their admin. */
static void test_admin_role_weighs_less(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	static const char *const names[4] = {"reg-1.example", "reg-2.example", "adm-1.example",
	                                     "adm-2.example"};
	for (int i = 0; i < 4; i++)
		add_domain(&g, names[i]);
	registrant(&g, "reg-1.example", GRAPH_EMAIL, "owner@reg-mail.example");
	registrant(&g, "reg-2.example", GRAPH_EMAIL, "owner@reg-mail.example");
	uint32_t admin = add_node(&g, GRAPH_EMAIL, "owner@adm-mail.example");
	add_edge_at(&g, regdomain(&g, "adm-1.example"), admin, GRAPH_REL_REGISTRANT, "whois-1",
	            "admin email", T0, T0);
	add_edge_at(&g, regdomain(&g, "adm-2.example"), admin, GRAPH_REL_REGISTRANT, "whois-1",
	            "admin email", T0, T0);
	run(&g, NULL, &res);

	int32_t reg = domain_cluster(&g, "reg-1.example"),
	        adm = domain_cluster(&g, "adm-1.example");
	assert_int_equal(domain_cluster(&g, "reg-2.example"), reg);
	assert_int_equal(domain_cluster(&g, "adm-2.example"), adm);
	assert_int_not_equal(reg, adm);
	assert_true(cluster_at(&res, reg)->confidence > cluster_at(&res, adm)->confidence);
	cluster_result_free(&res);
	graph_free(&g);
}

static void add_dated(struct graph *g, uint32_t from, uint32_t to, enum graph_relation rel,
                      enum graph_store_kind kind, int64_t first, int64_t last)
{
	struct dn_error err = {0};
	struct graph_evidence ev = {kind, "src-1", "registrant", first, last, 1, 0};
	assert_int_equal(graph_add_edge(g, from, to, rel, &ev, NULL, &err), DN_OK);
}

/* Two domains with a shared email, certificates valid for two years and,
 * when resolved is set, pDNS records for 30 days. */
static void build_dated_pair(struct graph *g, bool resolved)
{
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "dated-b.example" : "dated-a.example";
		uint32_t d = add_domain(g, name);
		add_dated(g, regdomain(g, name), add_node(g, GRAPH_EMAIL, "ops@dated.example"),
		          GRAPH_REL_REGISTRANT, GRAPH_FROM_WHOIS, T0 + 5 * DAY, T0 + 6 * DAY);
		uint32_t cert = add_node(g, GRAPH_CERT, i ? "bb" : "aa");
		add_dated(g, cert, d, GRAPH_REL_CERT_NAME, GRAPH_FROM_CERT, T0 - 10 * DAY,
		          T0 + 700 * DAY);
		if (resolved)
			add_dated(g, d, add_node(g, GRAPH_IP, i ? "192.0.2.61" : "192.0.2.60"),
			          GRAPH_REL_RESOLVES, GRAPH_FROM_PDNS, T0 + i * DAY,
			          T0 + 30 * DAY);
	}
}

static void test_activity_from_pdns(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	build_dated_pair(&g, true);
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 1);
	assert_int_equal(res.clusters[0].time_basis, CLUSTER_TIME_PDNS);
	assert_int_equal(res.clusters[0].time_first, T0);
	assert_int_equal(res.clusters[0].time_last, T0 + 30 * DAY);
	cluster_result_free(&res);
	graph_free(&g);

	/* No pDNS: WHOIS times and notBefore, never notAfter. */
	graph_init(&g);
	build_dated_pair(&g, false);
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 1);
	assert_int_equal(res.clusters[0].time_basis, CLUSTER_TIME_REGISTRATION);
	assert_int_equal(res.clusters[0].time_first, T0 - 10 * DAY);
	assert_int_equal(res.clusters[0].time_last, T0 + 6 * DAY);
	cluster_result_free(&res);
	graph_free(&g);
}

/* A link shows the store's count of sharers when the pivot counted it. */
static void test_link_text_store_count(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	uint32_t a = add_domain(&g, "ns-a.example"), b = add_domain(&g, "ns-b.example");
	uint32_t ns = add_node(&g, GRAPH_NAMESERVER, "ns1.cheap-dns.example");
	add_edge(&g, a, ns, GRAPH_REL_NS, "sensor-1");
	add_edge(&g, b, ns, GRAPH_REL_NS, "sensor-1");
	registrant(&g, "ns-a.example", GRAPH_EMAIL, "ops@ns.example");
	registrant(&g, "ns-b.example", GRAPH_EMAIL, "ops@ns.example");
	g.nodes[ns].share = 205;
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 1);
	const struct cluster *c = &res.clusters[0];
	const char *ns_text = NULL, *email_text = NULL;
	for (size_t i = 0; i < c->n_links; i++) {
		if (c->links[i].value == ns)
			ns_text = c->links[i].text;
		if (c->links[i].value == graph_find(&g, GRAPH_EMAIL, "ops@ns.example"))
			email_text = c->links[i].text;
	}
	assert_non_null(ns_text);
	assert_non_null(strstr(ns_text, "shared by 205 domains in the store"));
	assert_non_null(email_text);
	assert_non_null(strstr(email_text, "2 domains in this map, not counted in the store"));
	cluster_result_free(&res);
	graph_free(&g);
}

/* A shared registrant value is a registrant pattern of the summary. */
static void test_summary_registrant_patterns(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	add_domain(&g, "ledger-1.example");
	add_domain(&g, "ledger-2.example");
	add_domain(&g, "ledger-3.example");
	for (int i = 1; i <= 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "ledger-%d.example", i);
		registrant(&g, name, GRAPH_EMAIL, "ops.ledger@mailbox.example");
	}
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 1);
	const struct cluster_summary *s = &res.clusters[0].summary;
	assert_int_equal(s->n_by_kind[GRAPH_EMAIL], 1);
	assert_int_equal(s->by_kind[GRAPH_EMAIL][0].domains, 3);
	assert_int_equal(s->n_registrant_patterns, 1);
	assert_string_equal(s->registrant_patterns[0],
	                    "registrant email ops.ledger@mailbox.example shared by 3 members");
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_empty_graph(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 0);
	cluster_result_free(&res);
	add_node(&g, GRAPH_IP, "192.0.2.1");
	run(&g, NULL, &res);
	assert_int_equal(res.n_clusters, 0);
	assert_int_equal(g.nodes[0].cluster, -1);
	cluster_result_free(&res);
	graph_free(&g);
}

static void test_level_scale(void **state)
{
	(void)state;
	assert_int_equal(cluster_level_of(0.0), CLUSTER_TENTATIVE);
	assert_int_equal(cluster_level_of(0.399), CLUSTER_TENTATIVE);
	assert_int_equal(cluster_level_of(0.40), CLUSTER_LOW);
	assert_int_equal(cluster_level_of(0.699), CLUSTER_LOW);
	assert_int_equal(cluster_level_of(0.70), CLUSTER_MEDIUM);
	assert_int_equal(cluster_level_of(0.899), CLUSTER_MEDIUM);
	assert_int_equal(cluster_level_of(0.90), CLUSTER_HIGH);
	assert_int_equal(cluster_level_of(1.0), CLUSTER_HIGH);
	assert_string_equal(cluster_level_name(CLUSTER_MEDIUM), "medium");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_held_cdn_ip_keeps_apart),
	        cmocka_unit_test(test_shared_masked_never_link),
	        cmocka_unit_test(test_email_ip_beats_two_ips),
	        cmocka_unit_test(test_rare_value_outweighs_common),
	        cmocka_unit_test(test_two_sources_beat_one),
	        cmocka_unit_test(test_overlap_only_parts_reuse),
	        cmocka_unit_test(test_cname_joins_names),
	        cmocka_unit_test(test_phone_ring_one_cluster),
	        cmocka_unit_test(test_shared_issuer_one_cluster),
	        cmocka_unit_test(test_ca_issuer_does_not_link),
	        cmocka_unit_test(test_summary_spof),
	        cmocka_unit_test(test_over_share_max_never_links),
	        cmocka_unit_test(test_order_and_determinism),
	        cmocka_unit_test(test_admin_role_weighs_less),
	        cmocka_unit_test(test_activity_from_pdns),
	        cmocka_unit_test(test_link_text_store_count),
	        cmocka_unit_test(test_summary_registrant_patterns),
	        cmocka_unit_test(test_empty_graph),
	        cmocka_unit_test(test_level_scale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
