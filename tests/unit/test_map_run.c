/* map_run() on a small SQLite store: the graph and clusters of a run, the
 * cap on store queries (pivot_options.max_queries) that the HTTP API sets,
 * and the writer options a run fills in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "graph/map_run.h"
#include "store/store.h"

#define T0 1700000000
#define DAY 86400

static char db_path[4096];
static struct store *store;

static struct pdns_record a_record(const char *rrname, const char *addr)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = 1,
	        .bailiwick = "",
	        .rdata = addr,
	        .time_first = T0,
	        .time_last = T0 + 30 * DAY,
	        .count = 2,
	};
	r.has_ip = ip_key_parse(addr, &r.ip);
	return r;
}

/* Three names on two addresses: one.example and two.example share
 * 192.0.2.10, and two.example also resolves to 192.0.2.20, which
 * three.example uses. A depth-2 map of one.example reaches two.example
 * (name, address, name) and stops short of three.example, 4 hops away. */
static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_map_run_%d.db", tmp ? tmp : "/tmp",
	         (int)getpid());
	unlink(db_path);
	struct dn_error err;
	if (store_open(db_path, STORE_WRITE, NULL, &store, &err) != DN_OK)
		fail_msg("store_open: %s", err.msg);
	uint32_t sensor;
	assert_int_equal(store_source_id(store, "sensor-a", "sensor", &sensor, &err), DN_OK);
	struct pdns_record recs[] = {
	        a_record("one.example.", "192.0.2.10"),
	        a_record("two.example.", "192.0.2.10"),
	        a_record("two.example.", "192.0.2.20"),
	        a_record("three.example.", "192.0.2.20"),
	};
	for (size_t i = 0; i < sizeof(recs) / sizeof(recs[0]); i++)
		recs[i].source_id = sensor;
	assert_int_equal(store_begin(store, &err), DN_OK);
	assert_int_equal(store_put_rrsets(store, recs, sizeof(recs) / sizeof(recs[0]), &err),
	                 DN_OK);
	assert_int_equal(store_commit(store, &err), DN_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	store_close(store);
	char extra[4200];
	unlink(db_path);
	snprintf(extra, sizeof(extra), "%s-wal", db_path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", db_path);
	unlink(extra);
	return 0;
}

static bool has_domain(const struct graph *g, const char *key)
{
	return graph_find(g, GRAPH_DOMAIN, key) != UINT32_MAX;
}

static const char *const seeds[] = {"one.example"};

static void test_map_run_graph(void **state)
{
	(void)state;
	struct pivot_options opt;
	pivot_options_init(&opt);
	struct map_result res;
	struct dn_error err;
	assert_int_equal(map_run(store, &opt, seeds, 1, &res, &err), DN_OK);
	assert_true(res.clustered);
	assert_true(has_domain(&res.graph, "one.example"));
	assert_true(has_domain(&res.graph, "two.example"));
	assert_false(has_domain(&res.graph, "three.example"));
	assert_true(res.stats.queries > 0);
	assert_true(res.clusters.n_clusters >= 1);
	/* The edges are indexed, as the writers need. */
	assert_non_null(res.graph.adj_count);
	map_result_free(&res);
}

static void test_map_run_query_cap(void **state)
{
	(void)state;
	struct pivot_options opt;
	pivot_options_init(&opt);
	struct map_result res;
	struct dn_error err;
	assert_int_equal(map_run(store, &opt, seeds, 1, &res, &err), DN_OK);
	uint64_t needed = res.stats.queries;
	map_result_free(&res);

	/* A cap of one query stops the run after the seed's queries, before
	 * the address that leads to two.example is expanded. */
	opt.max_queries = 1;
	assert_int_equal(map_run(store, &opt, seeds, 1, &res, &err), DN_ELIMIT);
	assert_non_null(strstr(err.msg, "store queries"));
	assert_false(res.clustered);
	assert_false(has_domain(&res.graph, "two.example"));
	map_result_free(&res);

	/* A cap of what the run needs lets it finish. */
	opt.max_queries = needed;
	assert_int_equal(map_run(store, &opt, seeds, 1, &res, &err), DN_OK);
	assert_true(has_domain(&res.graph, "two.example"));
	map_result_free(&res);
}

static void test_map_run_bad_seed(void **state)
{
	(void)state;
	struct pivot_options opt;
	pivot_options_init(&opt);
	struct map_result res;
	struct dn_error err;
	const char *bad[] = {"not a seed at all"};
	assert_int_equal(map_run(store, &opt, bad, 1, &res, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "not a seed at all"));
	map_result_free(&res);
}

static void test_map_write_options(void **state)
{
	(void)state;
	struct pivot_options opt;
	pivot_options_init(&opt);
	opt.depth = 3;
	opt.since = T0;
	opt.until = T0 + DAY;
	opt.overlap_only = true;
	struct graph_write_options wopt;
	map_write_options_init(&wopt, &opt, seeds, 1, T0 + 5);
	assert_ptr_equal(wopt.seeds, seeds);
	assert_int_equal(wopt.n_seeds, 1);
	assert_int_equal(wopt.depth, 3);
	assert_int_equal(wopt.share_max, PIVOT_SHARE_NAMES);
	assert_int_equal(wopt.since, T0);
	assert_int_equal(wopt.until, T0 + DAY);
	assert_true(wopt.overlap_only);
	assert_int_equal(wopt.now, T0 + 5);
	assert_false(wopt.redact_personal);

	opt.share_max = 7;
	map_write_options_init(&wopt, &opt, seeds, 1, T0);
	assert_int_equal(wopt.share_max, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_map_run_graph),
	        cmocka_unit_test(test_map_run_query_cap),
	        cmocka_unit_test(test_map_run_bad_seed),
	        cmocka_unit_test(test_map_write_options),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
