/* Tests of the cluster summary in the map's text report and JSON:
 * registrant patterns and the label of registration-dated activity. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "export/graph_writer.h"
#include "graph_sample.h"

static char *write_format(struct graph *g, struct cluster_result *res, enum graph_format format)
{
	struct graph_write_options opt;
	sample_options(&opt, false);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	assert_int_equal(graph_write(out, format, g, res, &opt, &err), DN_OK);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void test_patterns_and_registration_dates(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	assert_true(sample_build(&g, &res));
	static const char *patterns[] = {
	        "+44207946031X: phone numbers differ only in the last digit across 44 domains",
	        "registrant email ops@ring.example shared by 3 members",
	};
	struct cluster *cl = &res.clusters[0];
	cl->summary.registrant_patterns = patterns;
	cl->summary.n_registrant_patterns = 2;
	cl->time_basis = CLUSTER_TIME_REGISTRATION;
	char *text = write_format(&g, &res, GRAPH_FORMAT_TEXT);
	assert_non_null(strstr(text, "Registrant patterns   +44207946031X: phone numbers differ"));
	/* The second sentence starts a line of its own, at column 28 under
	 * the first. */
	const char *second = strstr(text, "registrant email ops@ring.example shared by 3 members");
	assert_non_null(second);
	assert_int_equal(second[-29], '\n');
	assert_int_equal(second[-1], ' ');
	assert_non_null(strstr(text, "First registered"));
	assert_non_null(strstr(text, "(WHOIS and certificate dates; no pDNS)"));
	assert_null(strstr(text, "First activity"));
	free(text);
	text = write_format(&g, &res, GRAPH_FORMAT_JSON);
	assert_non_null(strstr(text, "\"time_basis\": \"registration\""));
	free(text);

	cl->summary.n_registrant_patterns = 0;
	cl->time_basis = CLUSTER_TIME_PDNS;
	text = write_format(&g, &res, GRAPH_FORMAT_TEXT);
	assert_null(strstr(text, "phone numbers differ"));
	assert_non_null(strstr(text, "First activity"));
	assert_null(strstr(text, "First registered"));
	free(text);
	text = write_format(&g, &res, GRAPH_FORMAT_JSON);
	assert_non_null(strstr(text, "\"time_basis\": \"pdns\""));
	free(text);
	graph_free(&g);
}

/* One source seen twice, with two details, is one source; a reverse WHOIS
 * reading without a source name is not a source of its own; a pDNS record
 * that three sensors saw is seen by 2+ sources. */
static void test_correlation_counts_sources(void **state)
{
	(void)state;
	struct graph g;
	struct dn_error err = {0};
	graph_init(&g);
	uint32_t d, ns, ip, mail;
	assert_int_equal(graph_add_node(&g, GRAPH_REGDOMAIN, "a.example", NULL, &d, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_NAMESERVER, "ns1.a.example", NULL, &ns, &err),
	                 DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_IP, "192.0.2.7", NULL, &ip, &err), DN_OK);
	assert_int_equal(graph_add_node(&g, GRAPH_EMAIL, "x@a.example", NULL, &mail, &err), DN_OK);
	struct graph_evidence ev = {GRAPH_FROM_WHOIS, "archive", "nameserver", 1, 2, 1, 0};
	assert_int_equal(graph_add_edge(&g, d, ns, GRAPH_REL_NS, &ev, NULL, &err), DN_OK);
	ev.detail = "nameserver (again)";
	assert_int_equal(graph_add_edge(&g, d, ns, GRAPH_REL_NS, &ev, NULL, &err), DN_OK);
	struct graph_evidence rev = {GRAPH_FROM_WHOIS, "", "registrant email", 1, 2, 1, 0};
	assert_int_equal(graph_add_edge(&g, d, mail, GRAPH_REL_REGISTRANT, &rev, NULL, &err), DN_OK);
	struct graph_evidence a = {GRAPH_FROM_PDNS, "", "A 192.0.2.7 (3 sources)", 1, 2, 9, 3};
	assert_int_equal(graph_add_edge(&g, d, ip, GRAPH_REL_RESOLVES, &a, NULL, &err), DN_OK);
	char *text = write_format(&g, NULL, GRAPH_FORMAT_TEXT);
	assert_non_null(strstr(text, "Evidence comes from 2 sources: whois:archive, pdns."));
	/* Columns: relation, family, edges, edges seen by 2+ sources. */
	assert_non_null(strstr(text, "  ns             dns-hosting             1                  0"));
	assert_non_null(strstr(text, "  resolves       ip-space                1                  1"));
	free(text);
	graph_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_patterns_and_registration_dates),
	        cmocka_unit_test(test_correlation_counts_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
