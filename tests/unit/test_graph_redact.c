/* Tests that redaction keeps the identity of nodes: two redacted persons
 * stay two nodes in the JSON, which refers to nodes by kind and key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "export/graph_writer.h"
#include "graph_sample.h"

static json_t *write_json(struct graph *g, struct cluster_result *res, bool redact)
{
	struct graph_write_options opt;
	sample_options(&opt, redact);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	assert_non_null(out);
	struct dn_error err = {0};
	assert_int_equal(graph_write(out, GRAPH_FORMAT_JSON, g, res, &opt, &err), DN_OK);
	assert_int_equal(fclose(out), 0);
	json_error_t jerr;
	json_t *doc = json_loads(text, 0, &jerr);
	free(text);
	assert_non_null(doc);
	return doc;
}

/* Count the distinct (kind, key) pairs of the document's nodes. */
static size_t distinct_nodes(json_t *doc, size_t *n_nodes)
{
	json_t *nodes = json_object_get(doc, "nodes");
	*n_nodes = json_array_size(nodes);
	json_t *seen = json_object();
	size_t i;
	json_t *node;
	char id[2048];
	json_array_foreach(nodes, i, node) {
		snprintf(id, sizeof(id), "%s\t%s", json_string_value(json_object_get(node, "kind")),
		         json_string_value(json_object_get(node, "key")));
		json_object_set_new(seen, id, json_true());
	}
	size_t n = json_object_size(seen);
	json_decref(seen);
	return n;
}

static void test_redacted_nodes_stay_distinct(void **state)
{
	(void)state;
	struct graph g;
	struct cluster_result res;
	graph_init(&g);
	assert_true(sample_build(&g, &res));
	size_t n_plain, n_redacted;
	json_t *plain = write_json(&g, &res, false);
	json_t *redacted = write_json(&g, &res, true);
	size_t distinct_plain = distinct_nodes(plain, &n_plain);
	size_t distinct_redacted = distinct_nodes(redacted, &n_redacted);
	assert_int_equal(distinct_plain, n_plain);
	assert_int_equal(distinct_redacted, n_redacted);
	assert_int_equal(n_plain, n_redacted);
	/* The redaction did happen: some key reads "[redacted N]". */
	char *dump = json_dumps(redacted, 0);
	assert_non_null(strstr(dump, "[redacted "));
	for (size_t i = 0; i < sizeof(sample_personal) / sizeof(sample_personal[0]); i++)
		assert_null(strstr(dump, sample_personal[i]));
	free(dump);
	json_decref(plain);
	json_decref(redacted);
	graph_free(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_redacted_nodes_stay_distinct),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
