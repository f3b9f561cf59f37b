/* Tests of the SQLite store's lookups by address (query_asn_at) against
 * the in-memory table (asn/table.h) built from the same store, on a store
 * of the current schema and on one written before asn_range_bin existed;
 * and of the query plans of the pDNS lookups that pivots run unsorted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "asn/table.h"
#include "cli/asn_table.h"
#include "pdns/query.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

static char db_path[4096];

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_store_asn_at_%d.db", tmp != NULL ? tmp : "/tmp",
	         (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char path[4200];
	unlink(db_path);
	snprintf(path, sizeof(path), "%s-wal", db_path);
	unlink(path);
	snprintf(path, sizeof(path), "%s-shm", db_path);
	unlink(path);
	return 0;
}

static struct store *open_store(enum store_mode mode)
{
	struct store *s = NULL;
	struct dn_error err = {0};
	if (store_open(db_path, mode, NULL, &s, &err) != DN_OK)
		fail_msg("store_open: %s", err.msg);
	return s;
}

/* A small deterministic generator (xorshift64), so failures repeat. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static ip_key v4_key(uint32_t a)
{
	ip_key k = {{0}};
	k.b[10] = 0xff;
	k.b[11] = 0xff;
	k.b[12] = (uint8_t)(a >> 24);
	k.b[13] = (uint8_t)(a >> 16);
	k.b[14] = (uint8_t)(a >> 8);
	k.b[15] = (uint8_t)a;
	return k;
}

/* Every address lies in 10.0.0.0/16, so that ranges overlap often. */
#define SPACE_BASE 0x0a000000u
#define SPACE_SIZE 65536u

/* A random range in the space: a CIDR prefix (as pfx2as gives), or any
 * span of up to 4096 addresses (as ip2asn gives). */
static struct asn_range random_range(uint32_t asn)
{
	struct asn_range r = {.asn = asn, .country = "ZZ", .as_org = "Example Org"};
	uint32_t lo, hi;
	if (next_random() % 2 == 0) {
		unsigned len = 16 + (unsigned)(next_random() % 17); /* /16 to /32 */
		uint32_t size = 1u << (32 - len);
		lo = SPACE_BASE + ((uint32_t)next_random() % SPACE_SIZE & ~(size - 1));
		hi = lo + size - 1;
	} else {
		lo = SPACE_BASE + (uint32_t)(next_random() % SPACE_SIZE);
		hi = lo + (uint32_t)(next_random() % 4096);
		if (hi >= SPACE_BASE + SPACE_SIZE)
			hi = SPACE_BASE + SPACE_SIZE - 1;
	}
	r.lo = v4_key(lo);
	r.hi = v4_key(hi);
	return r;
}

/* Load n random ranges as a load of source with id load_id. */
static void load_ranges(struct store *s, uint32_t source, int64_t load_id, size_t n,
                        uint32_t first_asn)
{
	struct dn_error err = {0};
	struct asn_range *ranges = calloc(n, sizeof(*ranges));
	assert_non_null(ranges);
	for (size_t i = 0; i < n; i++)
		ranges[i] = random_range(first_asn + (uint32_t)i);
	struct store_asn_load load = {.source_id = source,
	                              .id = load_id,
	                              .loaded = 1700000000,
	                              .format = "ip2asn",
	                              .input = "random.tsv",
	                              .ranges = n};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_asn_ranges(s, &load, ranges, n, &err), DN_OK);
	assert_int_equal(store_put_asn_load(s, &load, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	free(ranges);
}

struct hit {
	bool found;
	int calls;
	struct asn_range range;
	uint32_t source_id;
	char as_org[64];
};

static dn_status take_hit(const struct asn_range *range, uint32_t source_id, int64_t load_id,
                          void *ctx)
{
	(void)load_id;
	struct hit *h = ctx;
	h->found = true;
	h->calls++;
	h->range = *range;
	h->source_id = source_id;
	snprintf(h->as_org, sizeof(h->as_org), "%s", range->as_org != NULL ? range->as_org : "");
	return DN_OK;
}

/* Look up every address of the space and a few outside it in the store
 * and in a table built from the store; both must name the same range. */
static void check_against_table(struct store *s)
{
	struct dn_error err = {0};
	struct asn_table *table = NULL;
	assert_int_equal(cli_asn_table_build(s, &table, &err), DN_OK);
	size_t found = 0;
	for (uint32_t a = SPACE_BASE - 16; a < SPACE_BASE + SPACE_SIZE + 16; a += 7) {
		ip_key ip = v4_key(a);
		struct hit h = {0};
		assert_int_equal(store_query_asn_at(s, &ip, take_hit, &h, &err), DN_OK);
		const struct asn_entry *e = asn_table_lookup(table, &ip);
		if (e == NULL) {
			if (h.found)
				fail_msg("address %08x: the store found AS%u, the table none", a,
				         h.range.asn);
			continue;
		}
		if (!h.found)
			fail_msg("address %08x: the table found AS%u, the store none", a, e->range.asn);
		assert_int_equal(h.calls, 1);
		assert_int_equal(h.range.asn, e->range.asn);
		assert_memory_equal(h.range.lo.b, e->range.lo.b, 16);
		assert_memory_equal(h.range.hi.b, e->range.hi.b, 16);
		assert_int_equal(h.source_id, e->source_id);
		assert_string_equal(h.range.country, "ZZ");
		assert_string_equal(h.as_org, "Example Org");
		found++;
	}
	asn_table_free(table);
	/* The ranges cover most of the space; a test where nothing is found
	 * would prove nothing. */
	assert_true(found > 8000);
}

static uint32_t source(struct store *s, const char *name)
{
	uint32_t id;
	struct dn_error err = {0};
	assert_int_equal(store_source_id(s, name, "file", &id, &err), DN_OK);
	return id;
}

static void test_lookup_matches_table(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	uint32_t a = source(s, "ip2asn"), b = source(s, "pfx2as");
	/* An older load of a, replaced below: its ranges must not be found. */
	load_ranges(s, a, 100, 300, 70000);
	load_ranges(s, a, 200, 400, 64496);
	load_ranges(s, b, 150, 400, 65000);
	check_against_table(s);
	store_close(s);

	/* Read-only, as dragnet map opens it. */
	s = open_store(STORE_READ);
	check_against_table(s);
	store_close(s);
}

static void test_lookup_equal_sizes(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	uint32_t a = source(s, "first"), b = source(s, "second");
	struct dn_error err = {0};
	struct asn_range r = {.asn = 64500, .country = "ZZ"};
	r.lo = v4_key(0xc0000200); /* 192.0.2.0/24 */
	r.hi = v4_key(0xc00002ff);
	struct store_asn_load la = {.source_id = a, .id = 500, .format = "pfx2as", .input = "a",
	                            .ranges = 1};
	struct store_asn_load lb = {.source_id = b, .id = 400, .format = "pfx2as", .input = "b",
	                            .ranges = 1};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_asn_ranges(s, &la, &r, 1, &err), DN_OK);
	assert_int_equal(store_put_asn_load(s, &la, &err), DN_OK);
	r.asn = 64501;
	assert_int_equal(store_put_asn_ranges(s, &lb, &r, 1, &err), DN_OK);
	assert_int_equal(store_put_asn_load(s, &lb, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);

	/* Same range, same size: the later load (500, source "first") wins. */
	ip_key ip = v4_key(0xc0000201);
	struct hit h = {0};
	assert_int_equal(store_query_asn_at(s, &ip, take_hit, &h, &err), DN_OK);
	assert_true(h.found);
	assert_int_equal(h.range.asn, 64500);
	assert_int_equal(h.source_id, a);

	/* No range covers 198.51.100.1 or an IPv6 address. */
	ip = v4_key(0xc6336401);
	h = (struct hit){0};
	assert_int_equal(store_query_asn_at(s, &ip, take_hit, &h, &err), DN_OK);
	assert_false(h.found);
	assert_true(ip_key_parse("2001:db8::1", &ip));
	assert_int_equal(store_query_asn_at(s, &ip, take_hit, &h, &err), DN_OK);
	assert_false(h.found);
	store_close(s);
}

static int file_int(const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	int v = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return v;
}

/* A store written before version 6 has ranges but no asn_range_bin. Read
 * as it is, lookups scan the ranges; the next writer fills the bins. */
static void test_lookup_old_store(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	uint32_t a = source(s, "ip2asn");
	load_ranges(s, a, 100, 500, 64496);
	store_close(s);
	int ranges = file_int("SELECT count(*) FROM asn_range");
	assert_int_equal(ranges, file_int("SELECT count(*) FROM asn_range_bin"));

	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(
	        sqlite3_exec(db, "DROP TABLE asn_range_bin; PRAGMA user_version = 5", NULL, NULL, NULL),
	        SQLITE_OK);
	sqlite3_close(db);

	s = open_store(STORE_READ);
	check_against_table(s);
	store_close(s);
	assert_int_equal(file_int("PRAGMA user_version"), 5);

	s = open_store(STORE_WRITE);
	assert_int_equal(file_int("PRAGMA user_version"), SQLITE_SCHEMA_VERSION);
	assert_int_equal(file_int("SELECT count(*) FROM asn_range_bin"), ranges);
	check_against_table(s);
	store_close(s);
}

struct sql_capture {
	char sql[8192];
};

static int capture_sql(unsigned type, void *ctx, void *p, void *x)
{
	(void)type;
	(void)x;
	struct sql_capture *c = ctx;
	char *sql = sqlite3_expanded_sql((sqlite3_stmt *)p);
	if (sql != NULL && strstr(sql, "FROM rrset") != NULL)
		snprintf(c->sql, sizeof(c->sql), "%s", sql);
	sqlite3_free(sql);
	return 0;
}

static dn_status ignore_record(const struct pdns_record *rec, void *ctx)
{
	(void)rec;
	(void)ctx;
	return DN_OK;
}

/* Run a pivot's lookup of text (an rdata when reverse, else a name) and
 * write the EXPLAIN QUERY PLAN of the SQL the store ran to out, one step
 * a line. */
static void query_plan(struct store *s, const char *text, bool reverse, char *out, size_t size)
{
	struct dn_error err = {0};
	struct pdns_query q;
	pdns_query_init(&q);
	if (reverse)
		assert_int_equal(pdns_query_set_rdata(&q, text, &err), DN_OK);
	else
		assert_int_equal(pdns_query_set_rrname(&q, text, &err), DN_OK);
	q.sort = PDNS_SORT_NONE;
	q.limit = 804;
	q.last_after = 1;
	sqlite3 *db = ((struct sqlite_store *)s)->db;
	struct sql_capture c = {{0}};
	sqlite3_trace_v2(db, SQLITE_TRACE_STMT, capture_sql, &c);
	assert_int_equal(store_query_rrsets(s, &q, ignore_record, NULL, &err), DN_OK);
	sqlite3_trace_v2(db, 0, NULL, NULL);
	assert_true(c.sql[0] != '\0');

	char explain[8300];
	snprintf(explain, sizeof(explain), "EXPLAIN QUERY PLAN %s", c.sql);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db, explain, -1, &stmt, NULL), SQLITE_OK);
	size_t len = 0;
	out[0] = '\0';
	while (sqlite3_step(stmt) == SQLITE_ROW && len < size) {
		int n = snprintf(out + len, size - len, "%s\n",
		                 (const char *)sqlite3_column_text(stmt, 3));
		if (n > 0)
			len += (size_t)n;
	}
	sqlite3_finalize(stmt);
}

/* Unsorted pivot lookups are searches of one index with no sort step
 * (no "USE TEMP B-TREE FOR ORDER BY"), so they stop at the limit. */
static void test_unsorted_plans(void **state)
{
	(void)state;
	struct store *s = open_store(STORE_WRITE);
	static const struct {
		const char *text;
		bool reverse;
		const char *index;
	} cases[] = {
	        {"192.0.2.1", true, "USING INDEX rrset_by_ip"},
	        {"192.0.2.0/24", true, "USING INDEX rrset_by_ip"},
	        {"ns1.example.com", true, "USING INDEX rrset_by_rdata_name"},
	        {"www.example.com", false, "USING INDEX rrset_key"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char plan[4096];
		query_plan(s, cases[i].text, cases[i].reverse, plan, sizeof(plan));
		if (strstr(plan, cases[i].index) == NULL || strstr(plan, "SEARCH rrset") == NULL)
			fail_msg("%s: expected a search of %s, got:\n%s", cases[i].text, cases[i].index,
			         plan);
		if (strstr(plan, "TEMP B-TREE") != NULL)
			fail_msg("%s: the plan sorts:\n%s", cases[i].text, plan);
	}
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_lookup_matches_table, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lookup_equal_sizes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_lookup_old_store, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_unsorted_plans, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
