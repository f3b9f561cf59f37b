/* Tests of the SQLite store backend against a real database file. */
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
#include <xxhash.h>

#include "pdns/query.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

/* Results of one query, copied out of the callback. */
struct result {
	char rrname[256];
	uint16_t rrtype;
	char bailiwick[256];
	char rdata[256];
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t source_count;
};

struct results {
	struct result rows[64];
	size_t n;
};

static char db_path[4096];

static dn_status collect(const struct pdns_record *rec, void *ctx)
{
	struct results *r = ctx;
	assert_true(r->n < 64);
	struct result *row = &r->rows[r->n++];
	snprintf(row->rrname, sizeof(row->rrname), "%s", rec->rrname);
	row->rrtype = rec->rrtype;
	snprintf(row->bailiwick, sizeof(row->bailiwick), "%s", rec->bailiwick);
	snprintf(row->rdata, sizeof(row->rdata), "%s", rec->rdata);
	row->time_first = rec->time_first;
	row->time_last = rec->time_last;
	row->count = rec->count;
	row->source_count = rec->source_count;
	return DN_OK;
}

static dn_status collect_negative(const struct pdns_negative *neg, void *ctx)
{
	struct results *r = ctx;
	assert_true(r->n < 64);
	struct result *row = &r->rows[r->n++];
	snprintf(row->rrname, sizeof(row->rrname), "%s", neg->qname);
	row->rrtype = neg->qtype;
	snprintf(row->rdata, sizeof(row->rdata), "%u", neg->rcode);
	row->time_first = neg->time_first;
	row->time_last = neg->time_last;
	row->count = neg->count;
	row->source_count = neg->source_count;
	return DN_OK;
}

static struct pdns_record a_record(const char *rrname, const char *addr, int64_t first,
                                   int64_t last, uint64_t count, uint32_t source)
{
	struct pdns_record r = {
		.rrname = rrname,
		.rrtype = 1,
		.bailiwick = "",
		.rdata = addr,
		.time_first = first,
		.time_last = last,
		.count = count,
		.source_id = source,
	};
	r.has_ip = ip_key_parse(addr, &r.ip);
	return r;
}

static struct pdns_record name_record(const char *rrname, uint16_t type, const char *rdata,
                                      const char *target, int64_t t, uint32_t source)
{
	struct pdns_record r = {
		.rrname = rrname,
		.rrtype = type,
		.bailiwick = "",
		.rdata = rdata,
		.time_first = t,
		.time_last = t,
		.count = 1,
		.source_id = source,
		.rdata_name = target,
	};
	return r;
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_store_sqlite_%d.db", tmp ? tmp : "/tmp",
	         (int)getpid());
	unlink(db_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char extra[4200];
	unlink(db_path);
	snprintf(extra, sizeof(extra), "%s-wal", db_path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", db_path);
	unlink(extra);
	return 0;
}

static struct store *open_write(void)
{
	struct store *s = NULL;
	struct dn_error err = {0};
	dn_status rc = store_open(db_path, STORE_WRITE, NULL, &s, &err);
	if (rc != DN_OK)
		fail_msg("store_open: %s", err.msg);
	return s;
}

static void put(struct store *s, const struct pdns_record *recs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_rrsets(s, recs, n, &err) != DN_OK)
		fail_msg("put_rrsets: %s", err.msg);
	assert_int_equal(store_commit(s, &err), DN_OK);
}

static struct results query_name(struct store *s, const char *text, uint16_t type)
{
	struct pdns_query q;
	struct dn_error err = {0};
	struct results r = {.n = 0};
	pdns_query_init(&q);
	q.sort = PDNS_SORT_NAME;
	q.rrtype = type;
	assert_int_equal(pdns_query_set_rrname(&q, text, &err), DN_OK);
	if (store_query_rrsets(s, &q, collect, &r, &err) != DN_OK)
		fail_msg("query: %s", err.msg);
	return r;
}

static struct results query_rdata(struct store *s, const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	struct results r = {.n = 0};
	pdns_query_init(&q);
	q.sort = PDNS_SORT_NAME;
	assert_int_equal(pdns_query_set_rdata(&q, text, &err), DN_OK);
	if (store_query_rrsets(s, &q, collect, &r, &err) != DN_OK)
		fail_msg("query: %s", err.msg);
	return r;
}

static void test_missing_file_read_mode(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open(db_path, STORE_READ, NULL, &s, &err), DN_ENOENT);
	assert_null(s);
	assert_non_null(strstr(err.msg, db_path));
	assert_int_equal(access(db_path, F_OK), -1);
}

static void test_schema_created(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct store_stats st;
	struct dn_error err = {0};
	assert_int_equal(store_stats(s, &st, &err), DN_OK);
	assert_int_equal(st.schema_version, SQLITE_SCHEMA_VERSION);
	assert_int_equal(st.rrsets, 0);
	assert_int_equal(st.time_first, PDNS_TIME_UNSET);
	store_close(s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

static void test_merge_min_max_sum(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	uint32_t src1, src2;
	assert_int_equal(store_source_id(s, "sensor-a", "sensor", &src1, &err), DN_OK);
	assert_int_equal(store_source_id(s, "sensor-b", "sensor", &src2, &err), DN_OK);
	assert_int_not_equal(src1, src2);

	uint32_t again;
	assert_int_equal(store_source_id(s, "sensor-a", "sensor", &again, &err), DN_OK);
	assert_int_equal(again, src1);

	struct pdns_record first[] = {a_record("www.example.com.", "192.0.2.1", 1000, 2000, 5, src1)};
	struct pdns_record second[] = {
		a_record("www.example.com.", "192.0.2.1", 500, 1500, 2, src1),
		a_record("www.example.com.", "192.0.2.1", 1800, 3000, 7, src2),
	};
	put(s, first, 1);
	put(s, second, 2);

	struct results r = query_name(s, "www.example.com", 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].time_first, 500);
	assert_int_equal(r.rows[0].time_last, 3000);
	assert_int_equal(r.rows[0].count, 14);
	assert_int_equal(r.rows[0].source_count, 2);
	assert_string_equal(r.rows[0].rdata, "192.0.2.1");

	/* Per-source rows merge too. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	const char *sql = "SELECT time_first, time_last, count FROM rrset_source "
	                  "WHERE source_id = ?1";
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
	sqlite3_bind_int(stmt, 1, (int)src1);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(stmt, 0), 500);
	assert_int_equal(sqlite3_column_int64(stmt, 1), 2000);
	assert_int_equal(sqlite3_column_int64(stmt, 2), 7);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	store_close(s);
}

static void test_rollback_leaves_nothing(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	struct pdns_record rec = a_record("gone.example.", "192.0.2.9", 10, 10, 1, 1);
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, &rec, 1, &err), DN_OK);
	store_rollback(s);
	assert_int_equal(query_name(s, "gone.example", 0).n, 0);

	/* A batch left open at close is rolled back too. */
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, &rec, 1, &err), DN_OK);
	store_close(s);
	s = open_write();
	assert_int_equal(query_name(s, "gone.example", 0).n, 0);
	store_close(s);
}

static void load_names(struct store *s)
{
	struct pdns_record recs[] = {
		a_record("example.com.", "192.0.2.1", 100, 100, 1, 1),
		a_record("www.example.com.", "192.0.2.2", 200, 300, 1, 1),
		a_record("a.b.example.com.", "198.51.100.7", 400, 500, 1, 1),
		a_record("notexample.com.", "198.51.100.8", 100, 100, 1, 1),
		a_record("www.example.net.", "203.0.113.5", 100, 100, 1, 1),
		a_record("www.examples.org.", "203.0.113.6", 100, 100, 1, 1),
		{.rrname = "v6.example.com.", .rrtype = 28, .bailiwick = "", .rdata = "2001:db8::1",
		 .time_first = 100, .time_last = 100, .count = 1, .source_id = 1},
		name_record("alias.example.com.", 5, "www.example.com.", "www.example.com.", 600, 1),
		name_record("example.com.", 15, "10 mail.example.net.", "mail.example.net.", 600, 1),
		name_record("other.test.", 2, "ns1.example.net.", "ns1.example.net.", 600, 1),
	};
	recs[6].has_ip = ip_key_parse("2001:db8::1", &recs[6].ip);
	put(s, recs, sizeof(recs) / sizeof(recs[0]));
}

static void test_forward_and_wildcards(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_name(s, "WWW.Example.COM.", 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "www.example.com.");

	/* "*.example.com" is every name strictly below example.com. */
	r = query_name(s, "*.example.com", 0);
	assert_int_equal(r.n, 4);
	assert_string_equal(r.rows[0].rrname, "a.b.example.com.");
	assert_string_equal(r.rows[1].rrname, "alias.example.com.");
	assert_string_equal(r.rows[2].rrname, "v6.example.com.");
	assert_string_equal(r.rows[3].rrname, "www.example.com.");

	/* "www.example.*" is every name starting with the labels www.example. */
	r = query_name(s, "www.example.*", 0);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rows[0].rrname, "www.example.com.");
	assert_string_equal(r.rows[1].rrname, "www.example.net.");

	r = query_name(s, "example.com", 15);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rdata, "10 mail.example.net.");
	store_close(s);
}

static void test_reverse_ip_ranges(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_rdata(s, "192.0.2.0/24");
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rows[0].rrname, "example.com.");
	assert_string_equal(r.rows[1].rrname, "www.example.com.");

	r = query_rdata(s, "192.0.2.2");
	assert_int_equal(r.n, 1);

	r = query_rdata(s, "198.51.100.7-198.51.100.8");
	assert_int_equal(r.n, 2);

	r = query_rdata(s, "0.0.0.0/0");
	assert_int_equal(r.n, 6);

	r = query_rdata(s, "2001:db8::/32");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "v6.example.com.");

	r = query_rdata(s, "192.0.3.0/24");
	assert_int_equal(r.n, 0);

	/* IPv4 keys sit inside ::ffff:0:0/96, but an IPv6 range finds AAAA
	 * records only. */
	r = query_rdata(s, "::/0");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].rrtype, 28);
	r = query_rdata(s, "::ffff:0:0/96");
	assert_int_equal(r.n, 0);
	store_close(s);
}

static void test_reverse_names(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_rdata(s, "www.example.com");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "alias.example.com.");

	r = query_rdata(s, "*.example.net");
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rows[0].rrname, "example.com.");
	assert_string_equal(r.rows[1].rrname, "other.test.");

	r = query_rdata(s, "ns1.example.*");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "other.test.");
	store_close(s);
}

static void test_time_fences_limit(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);
	struct pdns_query q;
	struct dn_error err = {0};
	struct results r = {.n = 0};

	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rrname(&q, "*.example.com", &err), DN_OK);
	q.first_after = 200;
	q.last_before = 500;
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "www.example.com.");

	/* Inclusive lower bound, exclusive upper bound. */
	r.n = 0;
	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rrname(&q, "*.example.com", &err), DN_OK);
	q.first_after = 400;
	q.first_before = 401;
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_OK);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "a.b.example.com.");

	/* Default order is time_first; limit and offset page through it. */
	r.n = 0;
	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rrname(&q, "*.example.com", &err), DN_OK);
	q.limit = 2;
	q.offset = 1;
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_OK);
	assert_int_equal(r.n, 2);
	assert_int_equal(r.rows[0].time_first, 200);
	assert_int_equal(r.rows[1].time_first, 400);
	store_close(s);
}

static void test_negatives(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	struct pdns_negative negs[] = {
		{.qname = "nx.example.com.", .qtype = 1, .rcode = 3, .bailiwick = "",
		 .time_first = 50, .time_last = 60, .count = 2, .source_id = 1},
		{.qname = "nx.example.com.", .qtype = 1, .rcode = 3, .bailiwick = "",
		 .time_first = 40, .time_last = 45, .count = 1, .source_id = 2},
		{.qname = "empty.example.com.", .qtype = 28, .rcode = 0, .bailiwick = "example.com.",
		 .time_first = 70, .time_last = 70, .count = 1, .source_id = 1},
	};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_negatives(s, negs, 3, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);

	struct pdns_query q;
	struct results r = {.n = 0};
	pdns_query_init(&q);
	q.sort = PDNS_SORT_NAME;
	assert_int_equal(pdns_query_set_rrname(&q, "*.example.com", &err), DN_OK);
	assert_int_equal(store_query_negatives(s, &q, collect_negative, &r, &err), DN_OK);
	assert_int_equal(r.n, 2);
	assert_string_equal(r.rows[0].rrname, "empty.example.com.");
	assert_string_equal(r.rows[1].rrname, "nx.example.com.");
	assert_int_equal(r.rows[1].time_first, 40);
	assert_int_equal(r.rows[1].time_last, 60);
	assert_int_equal(r.rows[1].count, 3);
	assert_int_equal(r.rows[1].source_count, 2);
	assert_string_equal(r.rows[1].rdata, "3");

	/* Negatives have no rdata to search. */
	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rdata(&q, "192.0.2.0/24", &err), DN_OK);
	assert_int_equal(store_query_negatives(s, &q, collect_negative, &r, &err), DN_EINVAL);
	store_close(s);
}

static void test_runs_and_stats(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	uint32_t src;
	assert_int_equal(store_source_id(s, "capture.pcap", "file", &src, &err), DN_OK);

	struct store_run run = {.source_id = src, .input = "/data/capture.pcap", .started = 1,
	                        .updated = 1};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_run(s, &run, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	assert_true(run.id > 0);

	struct pdns_record rec = a_record("stats.example.", "192.0.2.3", 10, 20, 4, src);
	put(s, &rec, 1);

	struct store_stats st;
	assert_int_equal(store_stats(s, &st, &err), DN_OK);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.runs_unfinished, 1);
	assert_int_equal(st.rrsets, 1);
	assert_int_equal(st.observations, 4);
	assert_int_equal(st.time_first, 10);
	assert_int_equal(st.time_last, 20);
	assert_int_equal(st.ntypes, 1);
	assert_int_equal(st.types[0].rrtype, 1);
	assert_int_equal(st.nsources, 1);
	assert_string_equal(st.sources[0].name, "capture.pcap");
	assert_int_equal(st.sources[0].rrsets, 1);

	run.finished = true;
	run.packets = 99;
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_run(s, &run, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	assert_int_equal(store_stats(s, &st, &err), DN_OK);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.runs_unfinished, 0);
	store_close(s);
}

/* find_run returns the latest run of a path whatever its size and time, with
 * the figures an ingest needs to skip, resume or warn. */
static void test_find_run(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	uint32_t first_src, second_src;
	assert_int_equal(store_source_id(s, "/data/a.pcap", "file", &first_src, &err), DN_OK);
	assert_int_equal(store_source_id(s, "sensor-7", "sensor", &second_src, &err), DN_OK);

	struct store_run found;
	bool ok = true;
	assert_int_equal(store_find_run(s, "/data/a.pcap", &found, &ok, &err), DN_OK);
	assert_false(ok);

	struct store_run older = {.source_id = first_src, .input = "/data/a.pcap", .size = 100,
	                          .mtime_ns = 1700000000123456789, .started = 5, .updated = 6,
	                          .finished = true, .packets = 10};
	struct store_run newer = {.source_id = second_src, .input = "/data/a.pcap", .size = 250,
	                          .mtime_ns = 1700000001000000001, .owner = 4242, .started = 7,
	                          .updated = 8, .packets = 20, .messages = 30, .records = 40,
	                          .errors = 2};
	struct store_run other = {.source_id = first_src, .input = "/data/b.pcap", .size = 1,
	                          .mtime_ns = 1, .started = 9, .updated = 9};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_run(s, &older, &err), DN_OK);
	assert_int_equal(store_put_run(s, &newer, &err), DN_OK);
	assert_int_equal(store_put_run(s, &other, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);

	assert_int_equal(store_find_run(s, "/data/a.pcap", &found, &ok, &err), DN_OK);
	assert_true(ok);
	assert_int_equal(found.id, newer.id);
	assert_int_equal(found.size, 250);
	assert_int_equal(found.mtime_ns, 1700000001000000001);
	assert_int_equal(found.owner, 4242);
	assert_false(found.finished);
	assert_int_equal(found.packets, 20);
	assert_int_equal(found.messages, 30);
	assert_int_equal(found.records, 40);
	assert_int_equal(found.errors, 2);
	assert_int_equal(found.source_id, second_src);
	assert_string_equal(found.source, "sensor-7");

	/* An update clears the owner and finishes the run. */
	newer.owner = 0;
	newer.finished = true;
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_run(s, &newer, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	assert_int_equal(store_find_run(s, "/data/a.pcap", &found, &ok, &err), DN_OK);
	assert_int_equal(found.owner, 0);
	assert_true(found.finished);
	store_close(s);
}

static void test_rejects_foreign_databases(void **state)
{
	(void)state;
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE notes(x)", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open(db_path, STORE_WRITE, NULL, &s, &err), DN_ESCHEMA);
	assert_null(s);
	assert_non_null(strstr(err.msg, "other tables"));
}

static void test_rejects_newer_schema(void **state)
{
	(void)state;
	struct store *s = open_write();
	store_close(s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 999", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);

	struct dn_error err = {0};
	assert_int_equal(store_open(db_path, STORE_READ, NULL, &s, &err), DN_ESCHEMA);
	assert_non_null(strstr(err.msg, "newer"));
}

static void test_rejects_non_sqlite(void **state)
{
	(void)state;
	FILE *fp = fopen(db_path, "w");
	assert_non_null(fp);
	fputs("this is not a database, just text long enough to have a header page......\n", fp);
	for (int i = 0; i < 100; i++)
		fputs("filler line of text to make the file larger than one page\n", fp);
	fclose(fp);

	struct store *s = NULL;
	struct dn_error err = {0};
	dn_status rc = store_open(db_path, STORE_WRITE, NULL, &s, &err);
	assert_true(rc == DN_ESTORE || rc == DN_ESCHEMA);
	assert_null(s);
	assert_non_null(strstr(err.msg, db_path));
}

/* Two records of one name and type whose (bailiwick, rdata) hashes collide
 * are stored apart. Real 63-bit collisions are not at hand, so the test
 * plants a colliding row by hand. */
static void test_key_hash_collision(void **state)
{
	(void)state;
	struct store *s = open_write();
	store_close(s);

	const char *rdata = "192.0.2.1";
	uint64_t seed = XXH3_64bits("", 0);
	int64_t hash = (int64_t)(XXH3_64bits_withSeed(rdata, strlen(rdata), seed) >> 1);
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO rrset (rrname, rrname_rev, rrtype, bailiwick, rdata, time_first, "
	         "time_last, count, source_id, key_hash) VALUES ('collide.example.com.', "
	         "'com.example.collide.', 1, '', '192.0.2.99', 5, 5, 1, 1, %lld)",
	         (long long)hash);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	s = open_write();
	struct pdns_record rec = a_record("collide.example.com.", rdata, 10, 20, 2, 1);
	put(s, &rec, 1);
	put(s, &rec, 1);
	struct results r = query_name(s, "collide.example.com", 0);
	assert_int_equal(r.n, 2);
	/* The planted row has no rdata_ip, so it sorts first. */
	assert_string_equal(r.rows[0].rdata, "192.0.2.99");
	assert_int_equal(r.rows[0].count, 1);
	assert_string_equal(r.rows[1].rdata, "192.0.2.1");
	assert_int_equal(r.rows[1].count, 4);
	assert_int_equal(r.rows[1].time_first, 10);
	store_close(s);
}

/* A record repeated within one flush for another source shares its key
 * with the first copy, so it leaves the bulk insert and is merged after it,
 * in a small group and in a group of more than sixteen records. */
static void test_repeat_within_flush(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct pdns_record recs[24];
	char addresses[21][32];
	recs[0] = a_record("pair.example.", "192.0.2.7", 10, 20, 2, 1);
	recs[1] = a_record("pair.example.", "192.0.2.7", 5, 15, 3, 2);
	for (int i = 0; i < 20; i++) {
		snprintf(addresses[i], sizeof(addresses[i]), "198.51.100.%d", i + 1);
		recs[2 + i] = a_record("many.example.", addresses[i], 100 + i, 200 + i, 1, 1);
	}
	recs[22] = a_record("many.example.", "198.51.100.5", 50, 300, 4, 2);
	recs[23] = a_record("many.example.", "198.51.100.5", 60, 60, 1, 3);
	put(s, recs, 24);

	struct results r = query_name(s, "pair.example", 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].time_first, 5);
	assert_int_equal(r.rows[0].time_last, 20);
	assert_int_equal(r.rows[0].count, 5);
	assert_int_equal(r.rows[0].source_count, 2);

	r = query_name(s, "many.example", 0);
	assert_int_equal(r.n, 20);
	size_t merged = 0;
	for (size_t i = 0; i < r.n; i++) {
		if (strcmp(r.rows[i].rdata, "198.51.100.5") != 0) {
			assert_int_equal(r.rows[i].count, 1);
			assert_int_equal(r.rows[i].source_count, 1);
			continue;
		}
		merged++;
		assert_int_equal(r.rows[i].time_first, 50);
		assert_int_equal(r.rows[i].time_last, 300);
		assert_int_equal(r.rows[i].count, 6);
		assert_int_equal(r.rows[i].source_count, 3);
	}
	assert_int_equal(merged, 1);

	/* A second flush meets every row stored by the first. */
	put(s, recs, 24);
	r = query_name(s, "pair.example", 0);
	assert_int_equal(r.rows[0].count, 10);
	assert_int_equal(r.rows[0].source_count, 2);
	r = query_name(s, "many.example", 0);
	assert_int_equal(r.n, 20);
	for (size_t i = 0; i < r.n; i++) {
		bool repeated = strcmp(r.rows[i].rdata, "198.51.100.5") == 0;
		assert_int_equal(r.rows[i].count, repeated ? 12 : 2);
	}
	store_close(s);
}

/* Names of the rrset table's indexes, as a connection of its own sees them. */
static void rrset_indexes(char *out, size_t size)
{
	sqlite3 *db;
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT group_concat(name, ' ') FROM (SELECT name "
	                                    "FROM sqlite_schema WHERE type = 'index' AND "
	                                    "tbl_name = 'rrset' ORDER BY name)",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	snprintf(out, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* The first batch into an empty table builds its secondary indexes at the
 * commit; nobody may see the table without them, also after a rollback. */
static void test_first_batch_indexes(void **state)
{
	(void)state;
	static const char all[] = "rrset_by_ip rrset_by_rdata_name rrset_key";
	char seen[256];
	struct store *s = open_write();
	struct dn_error err = {0};
	struct pdns_record recs[] = {
		a_record("a.example.", "192.0.2.1", 10, 10, 1, 1),
		name_record("b.example.", 5, "a.example.", "a.example.", 10, 1),
	};

	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, recs, 2, &err), DN_OK);
	rrset_indexes(seen, sizeof(seen));
	assert_string_equal(seen, all);
	store_rollback(s);
	rrset_indexes(seen, sizeof(seen));
	assert_string_equal(seen, all);

	put(s, recs, 2);
	rrset_indexes(seen, sizeof(seen));
	assert_string_equal(seen, all);
	struct results r = query_rdata(s, "192.0.2.0/24");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "a.example.");
	r = query_rdata(s, "a.example.");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rrname, "b.example.");

	/* The planner finds them, so reverse lookups do not scan. */
	sqlite3 *db;
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "EXPLAIN QUERY PLAN SELECT id FROM rrset "
	                                    "WHERE rdata_ip BETWEEN x'00' AND x'ff'",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_non_null(strstr((const char *)sqlite3_column_text(stmt, 3), "rrset_by_ip"));
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	store_close(s);
}

static void test_read_mode_writes_nothing(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);
	store_close(s);

	struct dn_error err = {0};
	assert_int_equal(store_open(db_path, STORE_READ, NULL, &s, &err), DN_OK);
	assert_int_equal(query_name(s, "www.example.com", 0).n, 1);
	/* A reader opens the file read-only, so writing through it fails. */
	struct pdns_record rec = a_record("new.example.", "192.0.2.50", 1, 1, 1, 1);
	dn_status rc = store_begin(s, &err);
	if (rc == DN_OK)
		rc = store_put_rrsets(s, &rec, 1, &err);
	assert_int_not_equal(rc, DN_OK);
	store_rollback(s);
	store_close(s);

	/* An empty file is not a database to read, and stays empty. */
	FILE *fp = fopen(db_path, "w");
	assert_non_null(fp);
	fclose(fp);
	assert_int_equal(store_open(db_path, STORE_READ, NULL, &s, &err), DN_ESCHEMA);
	assert_non_null(strstr(err.msg, "not a dragnet database"));
	fp = fopen(db_path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	assert_int_equal(ftell(fp), 0);
	fclose(fp);
}

static void test_unknown_scheme(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open("clickhouse://127.0.0.1:9/db", STORE_WRITE, NULL, &s, &err),
	                 DN_ENOTSUP);
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_missing_file_read_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_min_max_sum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_and_wildcards, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_ip_ranges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reverse_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_time_fences_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_negatives, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runs_and_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_foreign_databases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_non_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_hash_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_repeat_within_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_batch_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_mode_writes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_scheme, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
