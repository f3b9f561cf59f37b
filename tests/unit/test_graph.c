/* Tests for the graph tables: node identity, edge identity, evidence merged
 * per source, time spans and the adjacency index. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"

static void test_nodes_unique_on_kind_and_key(void **state)
{
	(void)state;
	struct graph g;
	struct dn_error err;
	graph_init(&g);
	uint32_t a, b, c;
	assert_int_equal(graph_add_node(&g, GRAPH_DOMAIN, "a.example", NULL, &a, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_NAMESERVER, "a.example", NULL, &b, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_DOMAIN, "a.example", "A.example", &c, &err), DN_OK);
	assert_int_not_equal(a, b);
	assert_int_equal(a, c);
	assert_int_equal(g.n_nodes, 2);
	assert_string_equal(g.nodes[a].label, "a.example");
	assert_int_equal(g.nodes[a].cluster, -1);
	assert_int_equal(graph_find(&g, GRAPH_NAMESERVER, "a.example"), b);
	assert_int_equal(graph_find(&g, GRAPH_IP, "a.example"), UINT32_MAX);
	/* Enough nodes to force several rehashes; all stay findable. */
	char key[32];
	for (int i = 0; i < 5000; i++) {
		snprintf(key, sizeof(key), "198.51.100.%d/%d", i % 256, i);
		uint32_t id;
		assert_int_equal(graph_add_node(&g, GRAPH_IP, key, NULL, &id, &err), DN_OK);
		assert_int_equal(id, (uint32_t)(i + 2));
	}
	for (int i = 0; i < 5000; i += 7) {
		snprintf(key, sizeof(key), "198.51.100.%d/%d", i % 256, i);
		assert_int_equal(graph_find(&g, GRAPH_IP, key), (uint32_t)(i + 2));
	}
	graph_free(&g);
}

static void test_evidence_merges_per_source(void **state)
{
	(void)state;
	struct graph g;
	struct dn_error err;
	graph_init(&g);
	uint32_t d, ip, e1, e2, e3;
	assert_int_equal(graph_add_node(&g, GRAPH_DOMAIN, "a.example", NULL, &d, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_IP, "192.0.2.7", NULL, &ip, &err), DN_OK);
	struct graph_evidence ev = {GRAPH_FROM_PDNS, "sensor-1", "A 192.0.2.7", 1000, 2000, 5, 0};
	assert_int_equal(graph_add_edge(&g, d, ip, GRAPH_REL_RESOLVES, &ev, &e1, &err), DN_OK);
	ev.time_first = 500;
	ev.time_last = 1500;
	ev.count = 2;
	ev.sources = 3;
	assert_int_equal(graph_add_edge(&g, d, ip, GRAPH_REL_RESOLVES, &ev, &e2, &err), DN_OK);
	ev.source = "zeek";
	ev.time_first = 3000;
	ev.time_last = 4000;
	assert_int_equal(graph_add_edge(&g, d, ip, GRAPH_REL_RESOLVES, &ev, &e3, &err), DN_OK);
	assert_int_equal(e1, e2);
	assert_int_equal(e1, e3);
	assert_int_equal(g.n_edges, 1);
	const struct graph_edge *e = &g.edges[e1];
	assert_int_equal(e->n_evidence, 2);
	assert_string_equal(e->evidence[0].source, "sensor-1");
	assert_int_equal(e->evidence[0].time_first, 500);
	assert_int_equal(e->evidence[0].time_last, 2000);
	assert_int_equal(e->evidence[0].count, 7);
	assert_int_equal(e->evidence[0].sources, 3);
	assert_string_equal(e->evidence[1].source, "zeek");
	assert_int_equal(e->time_first, 500);
	assert_int_equal(e->time_last, 4000);
	assert_int_equal(g.nodes[ip].time_first, 500);
	assert_int_equal(g.nodes[ip].time_last, 4000);
	/* Another relation between the same nodes is another edge. */
	uint32_t e4;
	assert_int_equal(graph_add_edge(&g, d, ip, GRAPH_REL_NS, NULL, &e4, &err), DN_OK);
	assert_int_not_equal(e4, e1);
	assert_int_equal(graph_add_edge(&g, d, 99, GRAPH_REL_NS, NULL, NULL, &err), DN_EINVAL);
	graph_free(&g);
}

/* The same WHOIS record, read once with its source's name and once by a
 * lookup that returns no source, in both orders: one piece of evidence. */
static void test_evidence_unnamed_copy(void **state)
{
	(void)state;
	struct graph g;
	struct dn_error err;
	graph_init(&g);
	uint32_t reg, mail, phone, e;
	assert_int_equal(graph_add_node(&g, GRAPH_REGDOMAIN, "a.example", NULL, &reg, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_EMAIL, "x@a.example", NULL, &mail, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_PHONE, "+4420", NULL, &phone, &err), DN_OK);
	struct graph_evidence named = {
	        GRAPH_FROM_WHOIS, "whois:registry", "registrant email", 1000, 2000, 1, 0};
	struct graph_evidence unnamed = {GRAPH_FROM_WHOIS, "", "registrant email", 900, 2000, 1, 0};

	assert_int_equal(graph_add_edge(&g, reg, mail, GRAPH_REL_REGISTRANT, &named, &e, &err),
	                 DN_OK);
	assert_int_equal(graph_add_edge(&g, reg, mail, GRAPH_REL_REGISTRANT, &unnamed, &e, &err),
	                 DN_OK);
	const struct graph_edge *edge = &g.edges[e];
	assert_int_equal(edge->n_evidence, 1);
	assert_string_equal(edge->evidence[0].source, "whois:registry");
	assert_int_equal(edge->evidence[0].count, 1);
	assert_int_equal(edge->evidence[0].time_first, 900);

	named.detail = unnamed.detail = "registrant phone";
	assert_int_equal(graph_add_edge(&g, reg, phone, GRAPH_REL_REGISTRANT, &unnamed, &e, &err),
	                 DN_OK);
	assert_int_equal(graph_add_edge(&g, reg, phone, GRAPH_REL_REGISTRANT, &named, &e, &err),
	                 DN_OK);
	edge = &g.edges[e];
	assert_int_equal(edge->n_evidence, 1);
	assert_string_equal(edge->evidence[0].source, "whois:registry");
	assert_int_equal(edge->evidence[0].count, 1);

	/* Another detail, or another store kind, stays separate. */
	struct graph_evidence other = {GRAPH_FROM_WHOIS, "", "admin phone", 900, 2000, 1, 0};
	assert_int_equal(graph_add_edge(&g, reg, phone, GRAPH_REL_REGISTRANT, &other, &e, &err),
	                 DN_OK);
	other.detail = "registrant phone";
	other.from = GRAPH_FROM_DERIVED;
	assert_int_equal(graph_add_edge(&g, reg, phone, GRAPH_REL_REGISTRANT, &other, &e, &err),
	                 DN_OK);
	assert_int_equal(g.edges[e].n_evidence, 3);
	graph_free(&g);
}

static void test_adjacency(void **state)
{
	(void)state;
	struct graph g;
	struct dn_error err;
	graph_init(&g);
	uint32_t n[4];
	const char *keys[4] = {"a.example", "b.example", "c.example", "d.example"};
	for (int i = 0; i < 4; i++)
		assert_int_equal(graph_add_node(&g, GRAPH_DOMAIN, keys[i], NULL, &n[i], &err), DN_OK);
	assert_int_equal(graph_add_edge(&g, n[0], n[1], GRAPH_REL_CNAME, NULL, NULL, &err), DN_OK);
	assert_int_equal(graph_add_edge(&g, n[1], n[2], GRAPH_REL_CNAME, NULL, NULL, &err), DN_OK);
	assert_int_equal(graph_add_edge(&g, n[0], n[2], GRAPH_REL_CNAME, NULL, NULL, &err), DN_OK);
	assert_int_equal(graph_index_edges(&g, &err), DN_OK);
	assert_int_equal(g.adj_count[n[0]], 2);
	assert_int_equal(g.adj_count[n[1]], 2);
	assert_int_equal(g.adj_count[n[2]], 2);
	assert_int_equal(g.adj_count[n[3]], 0);
	const struct graph_edge *e = &g.edges[g.adj[g.adj_start[n[2]]]];
	assert_int_equal(graph_other(e, n[2]), n[1]);
	graph_free(&g);
}

static void test_names(void **state)
{
	(void)state;
	enum graph_kind k;
	assert_true(graph_kind_parse("spki", &k));
	assert_int_equal(k, GRAPH_SPKI);
	assert_false(graph_kind_parse("spk", &k));
	for (int i = 0; i < GRAPH_KIND_COUNT; i++) {
		assert_true(graph_kind_parse(graph_kind_name((enum graph_kind)i), &k));
		assert_int_equal(k, i);
	}
	for (int i = 0; i < GRAPH_RELATION_COUNT; i++)
		assert_string_not_equal(graph_relation_name((enum graph_relation)i), "?");
	assert_int_equal(graph_relation_family(GRAPH_REL_MX), GRAPH_FAM_DNS_HOSTING);
	assert_string_equal(graph_family_name(GRAPH_FAM_IP_SPACE), "ip-space");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nodes_unique_on_kind_and_key),
		cmocka_unit_test(test_evidence_merges_per_source),
		cmocka_unit_test(test_evidence_unnamed_copy),
		cmocka_unit_test(test_adjacency),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
