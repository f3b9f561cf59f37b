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

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_patterns_and_registration_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
