/*
 * Behaviour every store backend must have, tested through store.h only.
 *
 * DRAGNET_TEST_STORE names the store: a location template in which every
 * "{n}" is replaced by a fresh name for each test, such as
 * "clickhouse://127.0.0.1:8123/t_{n}?spool=/tmp/spool/{n}&spool_wait=0" or
 * "/tmp/stores/{n}.db". Unset or empty, each test gets a SQLite file in
 * TMPDIR. A "{n}" inside a ClickHouse database name must stay a name of
 * letters, digits and '_', which the fresh names are.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <xxhash.h>

#include "pdns/query.h"
#include "store/copy.h"
#include "store/store.h"

#define MAX_ROWS 64

/* One record or negative answer returned by a query, copied out of the
 * callback. For negative answers, rdata holds the rcode in decimal. */
struct result {
	char rrname[256];
	uint16_t rrtype;
	char bailiwick[256];
	char rdata[256];
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t source_count;
	uint32_t source_id;
	bool has_ip;
	ip_key ip;
	char rdata_name[256]; /* "" when the record named no target */
};

struct results {
	struct result rows[MAX_ROWS];
	size_t n;
	size_t stop_after; /* the callback returns DN_EINTR after this many rows; 0 never */
};

static char location[4096];
static char fresh_name[64];
static unsigned test_serial;

/* ---- Locations ---- */

/* Copy template to out with every "{n}" replaced by name. */
static void expand_template(const char *template, const char *name, char *out, size_t size)
{
	size_t used = 0;
	for (const char *p = template; *p != '\0' && used + 1 < size;) {
		if (strncmp(p, "{n}", 3) == 0) {
			used += (size_t)snprintf(out + used, size - used, "%s", name);
			if (used >= size)
				used = size - 1;
			p += 3;
		} else {
			out[used++] = *p++;
		}
	}
	out[used] = '\0';
}

/* The SQLite file behind location, or NULL for a server backend. */
static const char *sqlite_path(void)
{
	if (strstr(location, "://") != NULL)
		return NULL;
	return strncmp(location, "sqlite:", 7) == 0 ? location + 7 : location;
}

/* The ?spool= directory of a server location, or "" when it names none. */
static void spool_param(char *out, size_t size)
{
	out[0] = '\0';
	const char *p = strstr(location, "spool=");
	if (p == NULL || (p[-1] != '?' && p[-1] != '&'))
		return;
	p += 6;
	snprintf(out, size, "%.*s", (int)strcspn(p, "&"), p);
}

static int setup(void **state)
{
	(void)state;
	/* The time keeps names apart across runs against a long-lived server. */
	snprintf(fresh_name, sizeof(fresh_name), "%lx_%d_%u",
	         (unsigned long)time(NULL) & 0xffffffful, (int)getpid(), ++test_serial);
	const char *template = getenv("DRAGNET_TEST_STORE");
	char fallback[4096];
	if (template == NULL || template[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(fallback, sizeof(fallback), "%s/test_store_{n}.db",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		template = fallback;
	}
	expand_template(template, fresh_name, location, sizeof(location));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	const char *path = sqlite_path();
	if (path != NULL) {
		char extra[4200];
		unlink(path);
		snprintf(extra, sizeof(extra), "%s-wal", path);
		unlink(extra);
		snprintf(extra, sizeof(extra), "%s-shm", path);
		unlink(extra);
	}
	/* Remove the spool directory when it is empty. One with batches left
	 * stays for inspection, and the test that left them has failed. */
	char spool[4096];
	spool_param(spool, sizeof(spool));
	if (spool[0] != '\0')
		rmdir(spool);
	return 0;
}

/* ---- Store helpers ---- */

static struct store *open_mode(enum store_mode mode)
{
	struct store *s = NULL;
	struct dn_error err = {0};
	if (store_open(location, mode, NULL, &s, &err) != DN_OK)
		fail_msg("store_open %s: %s", location, err.msg);
	return s;
}

static struct store *open_write(void)
{
	return open_mode(STORE_WRITE);
}

/* Close s after checking that every committed batch reached the store,
 * because a backend with a spool must empty it while the store is up. */
static void finish(struct store *s)
{
	struct store_status st;
	struct dn_error err = {0};
	if (store_status(s, &st, &err) != DN_OK)
		fail_msg("store_status: %s", err.msg);
	if (st.spool_batches != 0)
		fail_msg("%llu batches still wait in the spool %s",
		         (unsigned long long)st.spool_batches, st.spool_dir);
	store_close(s);
}

static uint32_t source(struct store *s, const char *name, const char *kind)
{
	uint32_t id = 0;
	struct dn_error err = {0};
	if (store_source_id(s, name, kind, &id, &err) != DN_OK)
		fail_msg("source_id %s: %s", name, err.msg);
	return id;
}

static void put(struct store *s, const struct pdns_record *recs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_rrsets(s, recs, n, &err) != DN_OK)
		fail_msg("put_rrsets: %s", err.msg);
	if (store_commit(s, &err) != DN_OK)
		fail_msg("commit: %s", err.msg);
}

static void put_negatives(struct store *s, const struct pdns_negative *negs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_negatives(s, negs, n, &err) != DN_OK)
		fail_msg("put_negatives: %s", err.msg);
	if (store_commit(s, &err) != DN_OK)
		fail_msg("commit: %s", err.msg);
}

static void put_runs(struct store *s, struct store_run *runs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	for (size_t i = 0; i < n; i++)
		if (store_put_run(s, &runs[i], &err) != DN_OK)
			fail_msg("put_run: %s", err.msg);
	if (store_commit(s, &err) != DN_OK)
		fail_msg("commit: %s", err.msg);
}

/* The latest run of input; false when there is none. */
static bool find_run(struct store *s, const char *input, struct store_run *run)
{
	bool found = false;
	struct dn_error err = {0};
	if (store_find_run(s, input, run, &found, &err) != DN_OK)
		fail_msg("find_run %s: %s", input, err.msg);
	return found;
}

static struct store_stats stats_of(struct store *s)
{
	struct store_stats st;
	struct dn_error err = {0};
	if (store_stats(s, &st, &err) != DN_OK)
		fail_msg("stats: %s", err.msg);
	return st;
}

static struct pdns_record a_record(const char *rrname, const char *addr, int64_t first,
                                   int64_t last, uint64_t count, uint32_t source_id)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = 1,
	        .bailiwick = "",
	        .rdata = addr,
	        .time_first = first,
	        .time_last = last,
	        .count = count,
	        .source_id = source_id,
	};
	r.has_ip = ip_key_parse(addr, &r.ip);
	return r;
}

static struct pdns_record aaaa_record(const char *rrname, const char *addr, int64_t first,
                                      int64_t last, uint64_t count, uint32_t source_id)
{
	struct pdns_record r = a_record(rrname, addr, first, last, count, source_id);
	r.rrtype = 28;
	return r;
}

static struct pdns_record name_record(const char *rrname, uint16_t type, const char *rdata,
                                      const char *target, int64_t t, uint32_t source_id)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = type,
	        .bailiwick = "",
	        .rdata = rdata,
	        .time_first = t,
	        .time_last = t,
	        .count = 1,
	        .source_id = source_id,
	        .rdata_name = target,
	};
	return r;
}

static struct pdns_record text_record(const char *rrname, const char *rdata, int64_t first,
                                      int64_t last, uint64_t count, uint32_t source_id)
{
	struct pdns_record r = {
	        .rrname = rrname,
	        .rrtype = 16,
	        .bailiwick = "",
	        .rdata = rdata,
	        .time_first = first,
	        .time_last = last,
	        .count = count,
	        .source_id = source_id,
	};
	return r;
}

/* ---- Collecting results ---- */

static dn_status collect(const struct pdns_record *rec, void *ctx)
{
	struct results *r = ctx;
	assert_true(r->n < MAX_ROWS);
	struct result *row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->rrname, sizeof(row->rrname), "%s", rec->rrname);
	row->rrtype = rec->rrtype;
	snprintf(row->bailiwick, sizeof(row->bailiwick), "%s", rec->bailiwick);
	snprintf(row->rdata, sizeof(row->rdata), "%s", rec->rdata);
	row->time_first = rec->time_first;
	row->time_last = rec->time_last;
	row->count = rec->count;
	row->source_count = rec->source_count;
	row->source_id = rec->source_id;
	row->has_ip = rec->has_ip;
	row->ip = rec->ip;
	if (rec->rdata_name != NULL)
		snprintf(row->rdata_name, sizeof(row->rdata_name), "%s", rec->rdata_name);
	return r->stop_after > 0 && r->n == r->stop_after ? DN_EINTR : DN_OK;
}

static dn_status collect_negative(const struct pdns_negative *neg, void *ctx)
{
	struct results *r = ctx;
	assert_true(r->n < MAX_ROWS);
	struct result *row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->rrname, sizeof(row->rrname), "%s", neg->qname);
	row->rrtype = neg->qtype;
	snprintf(row->bailiwick, sizeof(row->bailiwick), "%s", neg->bailiwick);
	snprintf(row->rdata, sizeof(row->rdata), "%u", neg->rcode);
	row->time_first = neg->time_first;
	row->time_last = neg->time_last;
	row->count = neg->count;
	row->source_count = neg->source_count;
	row->source_id = neg->source_id;
	return DN_OK;
}

/* A query with defaults: sorted by name unless the test sets another order. */
static struct pdns_query name_query(const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	q.sort = PDNS_SORT_NAME;
	if (pdns_query_set_rrname(&q, text, &err) != DN_OK)
		fail_msg("set_rrname %s: %s", text, err.msg);
	return q;
}

static struct pdns_query rdata_query(const char *text)
{
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	q.sort = PDNS_SORT_NAME;
	if (pdns_query_set_rdata(&q, text, &err) != DN_OK)
		fail_msg("set_rdata %s: %s", text, err.msg);
	return q;
}

static struct results run_query(struct store *s, const struct pdns_query *q)
{
	struct results r = {.n = 0};
	struct dn_error err = {0};
	if (store_query_rrsets(s, q, collect, &r, &err) != DN_OK)
		fail_msg("query_rrsets: %s", err.msg);
	assert_null(store_query_note(s));
	return r;
}

static struct results run_negative_query(struct store *s, const struct pdns_query *q)
{
	struct results r = {.n = 0};
	struct dn_error err = {0};
	if (store_query_negatives(s, q, collect_negative, &r, &err) != DN_OK)
		fail_msg("query_negatives: %s", err.msg);
	assert_null(store_query_note(s));
	return r;
}

static struct results query_name(struct store *s, const char *text, uint16_t type)
{
	struct pdns_query q = name_query(text);
	q.rrtype = type;
	return run_query(s, &q);
}

static struct results query_rdata(struct store *s, const char *text)
{
	struct pdns_query q = rdata_query(text);
	return run_query(s, &q);
}

/* "rrname rrtype rdata bailiwick" of every row, one per line, so that a
 * wrong order shows in full in the failure message. */
static void row_lines(const struct results *r, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < r->n && used < size; i++) {
		int n = snprintf(out + used, size - used, "%s %u %s %s\n", r->rows[i].rrname,
		                 r->rows[i].rrtype, r->rows[i].rdata, r->rows[i].bailiwick);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static void assert_rows(const struct results *r, const char *expected)
{
	char got[8192];
	row_lines(r, got, sizeof(got));
	assert_string_equal(got, expected);
}

/* ---- Opening ---- */

static void test_missing_store_read_mode(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open(location, STORE_READ, NULL, &s, &err), DN_ENOENT);
	assert_null(s);
	assert_non_null(strstr(err.msg, fresh_name));

	/* Reading created nothing, so a second reader finds nothing either. */
	assert_int_equal(store_open(location, STORE_READ, NULL, &s, &err), DN_ENOENT);
	assert_null(s);
	const char *path = sqlite_path();
	if (path != NULL)
		assert_int_equal(access(path, F_OK), -1);
}

static void test_empty_store_figures(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct store_stats st = stats_of(s);
	assert_true(st.schema_version > 0);
	assert_int_equal(st.rrsets, 0);
	assert_int_equal(st.rrnames, 0);
	assert_int_equal(st.observations, 0);
	assert_int_equal(st.negatives, 0);
	assert_int_equal(st.time_first, PDNS_TIME_UNSET);
	assert_int_equal(st.time_last, PDNS_TIME_UNSET);
	assert_int_equal(st.runs, 0);
	assert_int_equal(st.runs_unfinished, 0);
	assert_int_equal(st.ntypes, 0);
	assert_int_equal(st.nsources, 0);
	assert_int_equal(st.sources_total, 0);

	struct store_status status;
	struct dn_error err = {0};
	assert_int_equal(store_status(s, &status, &err), DN_OK);
	assert_int_equal(status.schema_version, status.schema_expected);
	assert_int_equal(status.schema_version, st.schema_version);
	assert_true(status.nnodes >= 1);
	for (size_t i = 0; i < status.nnodes; i++)
		if (!status.nodes[i].ok)
			fail_msg("node %s (%s) is not ok: %s", status.nodes[i].name,
			         status.nodes[i].role, status.nodes[i].message);
	assert_int_equal(status.spool_batches, 0);

	assert_int_equal(query_name(s, "www.example.com", 0).n, 0);
	assert_int_equal(query_rdata(s, "0.0.0.0/0").n, 0);
	struct pdns_query q = name_query("*.example.com");
	assert_int_equal(run_negative_query(s, &q).n, 0);
	finish(s);

	/* A reader opens what the writer created. */
	s = open_mode(STORE_READ);
	assert_int_equal(stats_of(s).rrsets, 0);
	store_close(s);
}

/* ---- Writing ---- */

static void test_merge_min_max_sum(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t src1 = source(s, "sensor-a", "sensor");
	uint32_t src2 = source(s, "sensor-b", "sensor");
	assert_int_not_equal(src1, src2);

	struct pdns_record first[] = {
	        a_record("www.example.com.", "192.0.2.1", 1000, 2000, 5, src1),
	};
	struct pdns_record second[] = {
	        a_record("www.example.com.", "192.0.2.1", 500, 1500, 2, src1),
	        a_record("www.example.com.", "192.0.2.1", 1800, 3000, 7, src2),
	};
	put(s, first, 1);
	put(s, second, 2);

	struct results r = query_name(s, "www.example.com", 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rdata, "192.0.2.1");
	assert_int_equal(r.rows[0].time_first, 500);
	assert_int_equal(r.rows[0].time_last, 3000);
	assert_int_equal(r.rows[0].count, 14);
	assert_int_equal(r.rows[0].source_count, 2);
	assert_int_equal(r.rows[0].source_id, 0);

	/* The same through the reverse lookup. */
	r = query_rdata(s, "192.0.2.1");
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].time_first, 500);
	assert_int_equal(r.rows[0].time_last, 3000);
	assert_int_equal(r.rows[0].count, 14);
	assert_int_equal(r.rows[0].source_count, 2);

	/* Each source keeps its own merge. */
	if (s->ops->dump_rrsets != NULL) {
		struct results d = {.n = 0};
		struct dn_error err = {0};
		assert_int_equal(store_dump_rrsets(s, collect, &d, &err), DN_OK);
		assert_int_equal(d.n, 2);
		bool seen1 = false, seen2 = false;
		for (size_t i = 0; i < d.n; i++) {
			if (d.rows[i].source_id == src1) {
				seen1 = true;
				assert_int_equal(d.rows[i].time_first, 500);
				assert_int_equal(d.rows[i].time_last, 2000);
				assert_int_equal(d.rows[i].count, 7);
			} else {
				assert_int_equal(d.rows[i].source_id, src2);
				seen2 = true;
				assert_int_equal(d.rows[i].time_first, 1800);
				assert_int_equal(d.rows[i].time_last, 3000);
				assert_int_equal(d.rows[i].count, 7);
			}
		}
		assert_true(seen1);
		assert_true(seen2);
	}
	finish(s);
}

static void test_rollback_leaves_nothing(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	struct pdns_record gone = a_record("gone.example.", "192.0.2.9", 10, 10, 1, 1);
	struct pdns_negative gone_negative = {.qname = "gone.example.",
	                                      .qtype = 1,
	                                      .rcode = 3,
	                                      .bailiwick = "",
	                                      .time_first = 10,
	                                      .time_last = 10,
	                                      .count = 1,
	                                      .source_id = 1};
	struct store_run run = {
	        .source_id = 1, .input = "/data/gone.pcap", .started = 1, .updated = 1};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, &gone, 1, &err), DN_OK);
	assert_int_equal(store_put_negatives(s, &gone_negative, 1, &err), DN_OK);
	assert_int_equal(store_put_run(s, &run, &err), DN_OK);
	store_rollback(s);
	assert_int_equal(query_name(s, "gone.example", 0).n, 0);
	struct store_stats st = stats_of(s);
	assert_int_equal(st.rrsets, 0);
	assert_int_equal(st.negatives, 0);
	assert_int_equal(st.runs, 0);

	/* The next batch works and holds only its own rows. */
	struct pdns_record kept = a_record("kept.example.", "192.0.2.8", 20, 20, 1, 1);
	put(s, &kept, 1);
	assert_int_equal(query_name(s, "gone.example", 0).n, 0);
	assert_int_equal(query_name(s, "kept.example", 0).n, 1);

	/* A batch left open at close is rolled back too. */
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, &gone, 1, &err), DN_OK);
	store_close(s);
	s = open_write();
	assert_int_equal(query_name(s, "gone.example", 0).n, 0);
	assert_int_equal(stats_of(s).rrsets, 1);
	finish(s);
}

static void test_empty_batch(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, NULL, 0, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	assert_int_equal(stats_of(s).rrsets, 0);
	finish(s);
}

/* A record repeated within one batch, for one source or several, is merged
 * like one repeated across batches. The test covers a small group and a
 * group of more than sixteen records of one name. */
static void test_repeat_within_flush(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct pdns_record recs[24];
	char addresses[20][32];
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
		/* Sorted by address value: .1, .2, ... .20. */
		assert_string_equal(r.rows[i].rdata, addresses[i]);
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

	/* A second batch meets every row stored by the first. */
	put(s, recs, 24);
	r = query_name(s, "pair.example", 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].count, 10);
	assert_int_equal(r.rows[0].source_count, 2);
	r = query_name(s, "many.example", 0);
	assert_int_equal(r.n, 20);
	for (size_t i = 0; i < r.n; i++) {
		bool repeated = strcmp(r.rows[i].rdata, "198.51.100.5") == 0;
		assert_int_equal(r.rows[i].count, repeated ? 12 : 2);
	}
	finish(s);
}

static void test_source_ids_stable(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "sensor-a", "sensor");
	uint32_t b = source(s, "/data/b.pcap", "file");
	uint32_t c = source(s, "provider-c", "provider");
	assert_int_not_equal(a, 0);
	assert_int_not_equal(a, b);
	assert_int_not_equal(a, c);
	assert_int_not_equal(b, c);
	assert_int_equal(source(s, "sensor-a", "sensor"), a);
	assert_int_equal(source(s, "/data/b.pcap", "file"), b);
	finish(s);

	s = open_write();
	assert_int_equal(source(s, "provider-c", "provider"), c);
	assert_int_equal(source(s, "sensor-a", "sensor"), a);
	assert_int_equal(source(s, "/data/b.pcap", "file"), b);
	finish(s);
}

/* A store opened for reading takes no batch. Whichever step fails, nothing
 * reaches the store. */
static void test_read_mode_rejects_writes(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct pdns_record old = a_record("old.example.", "192.0.2.40", 1, 1, 1, 1);
	put(s, &old, 1);
	finish(s);

	s = open_mode(STORE_READ);
	assert_int_equal(query_name(s, "old.example", 0).n, 1);
	struct pdns_record rec = a_record("new.example.", "192.0.2.50", 1, 1, 1, 1);
	struct dn_error err = {0};
	dn_status rc = store_begin(s, &err);
	if (rc == DN_OK)
		rc = store_put_rrsets(s, &rec, 1, &err);
	if (rc == DN_OK)
		rc = store_commit(s, &err);
	else
		store_rollback(s);
	if (rc == DN_OK)
		fail_msg("a store opened for reading committed a batch");
	store_close(s);

	s = open_write();
	assert_int_equal(query_name(s, "new.example", 0).n, 0);
	assert_int_equal(stats_of(s).rrsets, 1);
	finish(s);
}

/* ---- Lookups ---- */

static void load_names(struct store *s)
{
	struct pdns_record recs[] = {
	        a_record("example.com.", "192.0.2.1", 100, 100, 1, 1),
	        a_record("www.example.com.", "192.0.2.2", 200, 300, 1, 1),
	        a_record("a.b.example.com.", "198.51.100.7", 400, 500, 1, 1),
	        a_record("notexample.com.", "198.51.100.8", 100, 100, 1, 1),
	        a_record("www.example.net.", "203.0.113.5", 100, 100, 1, 1),
	        a_record("www.examples.org.", "203.0.113.6", 100, 100, 1, 1),
	        aaaa_record("v6.example.com.", "2001:db8::1", 100, 100, 1, 1),
	        name_record("alias.example.com.", 5, "www.example.com.", "www.example.com.", 600,
	                    1),
	        name_record("example.com.", 15, "10 mail.example.net.", "mail.example.net.", 600,
	                    1),
	        name_record("other.test.", 2, "ns1.example.net.", "ns1.example.net.", 600, 1),
	};
	put(s, recs, sizeof(recs) / sizeof(recs[0]));
}

static void test_forward_and_wildcards(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_name(s, "WWW.Example.COM.", 0);
	assert_rows(&r, "www.example.com. 1 192.0.2.2 \n");
	assert_int_equal(r.rows[0].time_first, 200);
	assert_int_equal(r.rows[0].time_last, 300);
	assert_int_equal(r.rows[0].count, 1);
	assert_int_equal(r.rows[0].source_count, 1);

	/* An exact name is that name only, every type of it. */
	r = query_name(s, "example.com", 0);
	assert_rows(&r, "example.com. 1 192.0.2.1 \n"
	                "example.com. 15 10 mail.example.net. \n");

	/* "*.example.com" is every name strictly below example.com. */
	r = query_name(s, "*.example.com", 0);
	assert_rows(&r, "a.b.example.com. 1 198.51.100.7 \n"
	                "alias.example.com. 5 www.example.com. \n"
	                "v6.example.com. 28 2001:db8::1 \n"
	                "www.example.com. 1 192.0.2.2 \n");

	/* "www.example.*" is every name starting with the labels www.example. */
	r = query_name(s, "www.example.*", 0);
	assert_rows(&r, "www.example.com. 1 192.0.2.2 \n"
	                "www.example.net. 1 203.0.113.5 \n");

	r = query_name(s, "*.example.com", 1);
	assert_rows(&r, "a.b.example.com. 1 198.51.100.7 \n"
	                "www.example.com. 1 192.0.2.2 \n");
	r = query_name(s, "example.com", 15);
	assert_rows(&r, "example.com. 15 10 mail.example.net. \n");
	r = query_name(s, "www.example.*", 28);
	assert_int_equal(r.n, 0);
	r = query_name(s, "missing.example.com", 0);
	assert_int_equal(r.n, 0);
	r = query_name(s, "*.missing.example", 0);
	assert_int_equal(r.n, 0);
	finish(s);
}

static void test_reverse_ip_ranges(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_rdata(s, "192.0.2.0/24");
	assert_rows(&r, "example.com. 1 192.0.2.1 \n"
	                "www.example.com. 1 192.0.2.2 \n");
	r = query_rdata(s, "192.0.2.2");
	assert_rows(&r, "www.example.com. 1 192.0.2.2 \n");
	r = query_rdata(s, "198.51.100.7-198.51.100.8");
	assert_rows(&r, "a.b.example.com. 1 198.51.100.7 \n"
	                "notexample.com. 1 198.51.100.8 \n");
	/* Range ends are inclusive. */
	r = query_rdata(s, "198.51.100.8-203.0.113.5");
	assert_rows(&r, "notexample.com. 1 198.51.100.8 \n"
	                "www.example.net. 1 203.0.113.5 \n");
	r = query_rdata(s, "0.0.0.0/0");
	assert_int_equal(r.n, 6);
	r = query_rdata(s, "2001:db8::/32");
	assert_rows(&r, "v6.example.com. 28 2001:db8::1 \n");
	r = query_rdata(s, "192.0.3.0/24");
	assert_int_equal(r.n, 0);

	/* IPv4 keys sit inside ::ffff:0:0/96, but an IPv6 range finds AAAA
	 * records only. */
	r = query_rdata(s, "::/0");
	assert_rows(&r, "v6.example.com. 28 2001:db8::1 \n");
	r = query_rdata(s, "::ffff:0:0/96");
	assert_int_equal(r.n, 0);

	/* The type filter applies to reverse lookups as well. */
	struct pdns_query q = rdata_query("0.0.0.0/0");
	q.rrtype = 28;
	assert_int_equal(run_query(s, &q).n, 0);
	finish(s);
}

static void test_reverse_names(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);

	struct results r = query_rdata(s, "www.example.com");
	assert_rows(&r, "alias.example.com. 5 www.example.com. \n");
	r = query_rdata(s, "*.example.net");
	assert_rows(&r, "example.com. 15 10 mail.example.net. \n"
	                "other.test. 2 ns1.example.net. \n");
	r = query_rdata(s, "ns1.example.*");
	assert_rows(&r, "other.test. 2 ns1.example.net. \n");
	r = query_rdata(s, "example.net");
	assert_int_equal(r.n, 0);
	/* Addresses are not target names. */
	r = query_rdata(s, "*.2.0.192.in-addr.arpa");
	assert_int_equal(r.n, 0);

	struct pdns_query q = rdata_query("*.example.net");
	q.rrtype = 2;
	r = run_query(s, &q);
	assert_rows(&r, "other.test. 2 ns1.example.net. \n");
	finish(s);
}

/*
 * Records with ties on every sort key but one, to pin down the order.
 * a.sort A 192.0.2.200 appears twice, apart only by bailiwick. b.sort has
 * two addresses that sort differently as text (.10 < .9) and as numbers.
 */
static void load_sort_set(struct store *s)
{
	struct pdns_record recs[] = {
	        a_record("b.sort.example.", "192.0.2.10", 100, 400, 5, 1),
	        a_record("b.sort.example.", "192.0.2.9", 100, 400, 5, 1),
	        a_record("a.sort.example.", "192.0.2.200", 100, 300, 7, 1),
	        text_record("a.sort.example.", "\"x\"", 50, 500, 1, 1),
	        aaaa_record("c.sort.example.", "2001:db8::1", 200, 400, 7, 1),
	        a_record("a.sort.example.", "192.0.2.200", 150, 150, 2, 1),
	        text_record("b.sort.example.", "\"a\"", 100, 100, 1, 1),
	        text_record("b.sort.example.", "\"b\"", 100, 100, 1, 1),
	};
	recs[5].bailiwick = "sort.example.";
	put(s, recs, sizeof(recs) / sizeof(recs[0]));
}

#define SORT_C "a.sort.example. 1 192.0.2.200 \n"
#define SORT_F "a.sort.example. 1 192.0.2.200 sort.example.\n"
#define SORT_D "a.sort.example. 16 \"x\" \n"
#define SORT_B "b.sort.example. 1 192.0.2.9 \n"
#define SORT_A "b.sort.example. 1 192.0.2.10 \n"
#define SORT_G "b.sort.example. 16 \"a\" \n"
#define SORT_H "b.sort.example. 16 \"b\" \n"
#define SORT_E "c.sort.example. 28 2001:db8::1 \n"

static struct results sorted(struct store *s, enum pdns_sort sort, uint64_t limit, uint64_t offset)
{
	struct pdns_query q = name_query("*.sort.example");
	q.sort = sort;
	q.limit = limit;
	q.offset = offset;
	return run_query(s, &q);
}

static void test_sort_orders(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_sort_set(s);

	struct results r = sorted(s, PDNS_SORT_FIRST, 0, 0);
	assert_rows(&r, SORT_D SORT_C SORT_B SORT_A SORT_G SORT_H SORT_F SORT_E);
	r = sorted(s, PDNS_SORT_LAST, 0, 0);
	assert_rows(&r, SORT_D SORT_B SORT_A SORT_E SORT_C SORT_F SORT_G SORT_H);
	r = sorted(s, PDNS_SORT_COUNT, 0, 0);
	assert_rows(&r, SORT_C SORT_E SORT_B SORT_A SORT_F SORT_D SORT_G SORT_H);
	r = sorted(s, PDNS_SORT_NAME, 0, 0);
	assert_rows(&r, SORT_C SORT_F SORT_D SORT_B SORT_A SORT_G SORT_H SORT_E);

	/* The default order is time_first. */
	struct pdns_query q;
	struct dn_error err = {0};
	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rrname(&q, "*.sort.example", &err), DN_OK);
	r = run_query(s, &q);
	assert_rows(&r, SORT_D SORT_C SORT_B SORT_A SORT_G SORT_H SORT_F SORT_E);

	/* Reverse lookups sort the same way. */
	q = rdata_query("192.0.2.0/24");
	q.sort = PDNS_SORT_FIRST;
	r = run_query(s, &q);
	assert_rows(&r, SORT_C SORT_B SORT_A SORT_F);
	q.sort = PDNS_SORT_COUNT;
	r = run_query(s, &q);
	assert_rows(&r, SORT_C SORT_B SORT_A SORT_F);
	q.sort = PDNS_SORT_NAME;
	r = run_query(s, &q);
	assert_rows(&r, SORT_C SORT_F SORT_B SORT_A);
	finish(s);
}

static void test_limit_offset(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_sort_set(s);

	struct results r = sorted(s, PDNS_SORT_FIRST, 3, 2);
	assert_rows(&r, SORT_B SORT_A SORT_G);
	r = sorted(s, PDNS_SORT_FIRST, 1, 0);
	assert_rows(&r, SORT_D);
	/* An offset without a limit returns everything after it. */
	r = sorted(s, PDNS_SORT_FIRST, 0, 6);
	assert_rows(&r, SORT_F SORT_E);
	r = sorted(s, PDNS_SORT_LAST, 2, 7);
	assert_rows(&r, SORT_H);
	r = sorted(s, PDNS_SORT_NAME, 100, 8);
	assert_int_equal(r.n, 0);
	r = sorted(s, PDNS_SORT_COUNT, 0, 100);
	assert_int_equal(r.n, 0);
	r = sorted(s, PDNS_SORT_COUNT, 2, 1);
	assert_rows(&r, SORT_E SORT_B);
	finish(s);
}

static void test_type_and_bailiwick_filters(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_sort_set(s);

	struct pdns_query q = name_query("*.sort.example");
	q.rrtype = 16;
	struct results r = run_query(s, &q);
	assert_rows(&r, SORT_D SORT_G SORT_H);

	q = name_query("a.sort.example");
	q.has_bailiwick = true;
	snprintf(q.bailiwick, sizeof(q.bailiwick), "sort.example.");
	r = run_query(s, &q);
	assert_rows(&r, SORT_F);
	assert_int_equal(r.rows[0].time_first, 150);
	assert_int_equal(r.rows[0].count, 2);

	/* An empty bailiwick filter finds the records with none. */
	q = name_query("a.sort.example");
	q.has_bailiwick = true;
	q.bailiwick[0] = '\0';
	r = run_query(s, &q);
	assert_rows(&r, SORT_C SORT_D);

	q = rdata_query("192.0.2.200");
	q.has_bailiwick = true;
	snprintf(q.bailiwick, sizeof(q.bailiwick), "sort.example.");
	r = run_query(s, &q);
	assert_rows(&r, SORT_F);
	finish(s);
}

static struct results fenced(struct store *s, int64_t first_after, int64_t first_before,
                             int64_t last_after, int64_t last_before)
{
	struct pdns_query q = name_query("*.sort.example");
	q.sort = PDNS_SORT_FIRST;
	q.first_after = first_after;
	q.first_before = first_before;
	q.last_after = last_after;
	q.last_before = last_before;
	return run_query(s, &q);
}

static void test_time_fences(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_sort_set(s);
	const int64_t unset = PDNS_TIME_UNSET;

	/* "after" fences are inclusive lower bounds, "before" fences
	 * exclusive upper bounds. */
	struct results r = fenced(s, 100, unset, unset, unset);
	assert_rows(&r, SORT_C SORT_B SORT_A SORT_G SORT_H SORT_F SORT_E);
	r = fenced(s, unset, 100, unset, unset);
	assert_rows(&r, SORT_D);
	r = fenced(s, unset, 101, unset, unset);
	assert_rows(&r, SORT_D SORT_C SORT_B SORT_A SORT_G SORT_H);
	r = fenced(s, unset, unset, 400, unset);
	assert_rows(&r, SORT_D SORT_B SORT_A SORT_E);
	r = fenced(s, unset, unset, unset, 150);
	assert_rows(&r, SORT_G SORT_H);
	r = fenced(s, unset, unset, unset, 151);
	assert_rows(&r, SORT_G SORT_H SORT_F);
	r = fenced(s, 100, unset, unset, 400);
	assert_rows(&r, SORT_C SORT_G SORT_H SORT_F);
	r = fenced(s, 150, 200, 150, 151);
	assert_rows(&r, SORT_F);
	r = fenced(s, 600, unset, unset, unset);
	assert_int_equal(r.n, 0);

	/* Fences apply to the merge over all sources, not to one source's
	 * figures: a later sighting moves time_last out of the fence. */
	struct pdns_record later = a_record("b.sort.example.", "192.0.2.9", 900, 900, 1, 2);
	put(s, &later, 1);
	r = fenced(s, unset, unset, unset, 500);
	assert_rows(&r, SORT_C SORT_A SORT_G SORT_H SORT_F SORT_E);
	r = fenced(s, unset, unset, 900, unset);
	assert_rows(&r, SORT_B);
	assert_int_equal(r.rows[0].time_first, 100);
	assert_int_equal(r.rows[0].time_last, 900);
	assert_int_equal(r.rows[0].count, 6);
	assert_int_equal(r.rows[0].source_count, 2);

	/* Fences, order and a limit together. */
	struct pdns_query q = name_query("*.sort.example");
	q.sort = PDNS_SORT_COUNT;
	q.first_after = 100;
	q.limit = 2;
	q.offset = 1;
	r = run_query(s, &q);
	assert_rows(&r, SORT_E SORT_B);
	finish(s);
}

struct long_check {
	const char *expected;
	size_t n;
	bool equal;
};

static dn_status check_long_rdata(const struct pdns_record *rec, void *ctx)
{
	struct long_check *c = ctx;
	c->n++;
	c->equal = strcmp(rec->rdata, c->expected) == 0;
	return DN_OK;
}

/* Names and rdata come back byte for byte as written: quotes, backslash
 * escapes, an escaped dot and a '/' inside a label, and a long rdata. */
static void test_text_round_trip(void **state)
{
	(void)state;
	struct store *s = open_write();
	static char long_text[4001];
	for (size_t i = 0; i < sizeof(long_text) - 1; i++)
		long_text[i] = "abc\\\"' 019"[i % 10];
	long_text[sizeof(long_text) - 1] = '\0';
	const char *quoted = "\"it's \\\"quoted\\\" \\\\ \\195\\169\"";
	struct pdns_record recs[] = {
	        text_record("quote.text.example.", quoted, 1, 1, 1, 1),
	        text_record("long.text.example.", long_text, 2, 2, 1, 1),
	        text_record("a\\.b.text.example.", "\"escaped dot\"", 3, 3, 1, 1),
	        name_record("0/25.2.0.192.in-addr.arpa.", 12, "host.text.example.",
	                    "host.text.example.", 4, 1),
	};
	put(s, recs, 4);

	struct results r = query_name(s, "quote.text.example", 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].rdata, quoted);

	struct pdns_query q = name_query("long.text.example");
	struct long_check c = {.expected = long_text};
	struct dn_error err = {0};
	assert_int_equal(store_query_rrsets(s, &q, check_long_rdata, &c, &err), DN_OK);
	assert_int_equal(c.n, 1);
	assert_true(c.equal);

	/* The escaped dot stays inside its label, so the name is one level
	 * below text.example. */
	q = name_query("*.text.example");
	q.rrtype = 16;
	q.first_after = 3;
	r = run_query(s, &q);
	assert_rows(&r, "a\\.b.text.example. 16 \"escaped dot\" \n");

	r = query_name(s, "*.2.0.192.in-addr.arpa", 0);
	assert_rows(&r, "0/25.2.0.192.in-addr.arpa. 12 host.text.example. \n");
	r = query_name(s, "0/25.2.0.192.in-addr.arpa", 0);
	assert_int_equal(r.n, 1);
	r = query_rdata(s, "host.text.example");
	assert_rows(&r, "0/25.2.0.192.in-addr.arpa. 12 host.text.example. \n");
	finish(s);
}

static void test_negatives(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct dn_error err = {0};
	struct pdns_negative negs[] = {
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 50,
	         .time_last = 60,
	         .count = 2,
	         .source_id = 1},
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 40,
	         .time_last = 45,
	         .count = 1,
	         .source_id = 2},
	        {.qname = "empty.example.com.",
	         .qtype = 28,
	         .rcode = 0,
	         .bailiwick = "example.com.",
	         .time_first = 70,
	         .time_last = 70,
	         .count = 1,
	         .source_id = 1},
	        {.qname = "nx.example.com.",
	         .qtype = 28,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 80,
	         .time_last = 90,
	         .count = 1,
	         .source_id = 1},
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 2,
	         .bailiwick = "",
	         .time_first = 30,
	         .time_last = 30,
	         .count = 1,
	         .source_id = 1},
	        {.qname = "fail.example.org.",
	         .qtype = 1,
	         .rcode = 2,
	         .bailiwick = "",
	         .time_first = 10,
	         .time_last = 20,
	         .count = 4,
	         .source_id = 1},
	};
	put_negatives(s, negs, sizeof(negs) / sizeof(negs[0]));

	struct pdns_query q = name_query("*.example.com");
	struct results r = run_negative_query(s, &q);
	assert_rows(&r, "empty.example.com. 28 0 example.com.\n"
	                "nx.example.com. 1 2 \n"
	                "nx.example.com. 1 3 \n"
	                "nx.example.com. 28 3 \n");
	assert_int_equal(r.rows[2].time_first, 40);
	assert_int_equal(r.rows[2].time_last, 60);
	assert_int_equal(r.rows[2].count, 3);
	assert_int_equal(r.rows[2].source_count, 2);
	assert_int_equal(r.rows[1].source_count, 1);

	q = name_query("nx.example.com");
	q.rrtype = 28;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.example.com. 28 3 \n");

	q = name_query("nx.example.*");
	r = run_negative_query(s, &q);
	assert_int_equal(r.n, 3);

	q = name_query("*.example.com");
	q.first_after = 40;
	q.last_before = 61;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.example.com. 1 3 \n");

	q = name_query("*.example.com");
	q.sort = PDNS_SORT_COUNT;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.example.com. 1 3 \n"
	                "empty.example.com. 28 0 example.com.\n"
	                "nx.example.com. 1 2 \n"
	                "nx.example.com. 28 3 \n");

	q = name_query("*.example.com");
	q.sort = PDNS_SORT_LAST;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.example.com. 28 3 \n"
	                "empty.example.com. 28 0 example.com.\n"
	                "nx.example.com. 1 3 \n"
	                "nx.example.com. 1 2 \n");

	q = name_query("*.example.com");
	q.sort = PDNS_SORT_FIRST;
	q.limit = 2;
	q.offset = 1;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.example.com. 1 3 \n"
	                "empty.example.com. 28 0 example.com.\n");

	q = name_query("*.example.com");
	q.has_bailiwick = true;
	snprintf(q.bailiwick, sizeof(q.bailiwick), "example.com.");
	r = run_negative_query(s, &q);
	assert_rows(&r, "empty.example.com. 28 0 example.com.\n");

	/* Negative answers are not records, and have no rdata to search. */
	assert_int_equal(query_name(s, "nx.example.com", 0).n, 0);
	q = rdata_query("192.0.2.0/24");
	r.n = 0;
	assert_int_equal(store_query_negatives(s, &q, collect_negative, &r, &err), DN_EINVAL);
	assert_int_equal(r.n, 0);
	assert_int_equal(stats_of(s).negatives, 5);
	finish(s);
}

/* ---- Runs and statistics ---- */

static void test_runs_and_stats(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t src = source(s, "capture.pcap", "file");

	struct store_run run = {
	        .source_id = src, .input = "/data/capture.pcap", .started = 1, .updated = 1};
	put_runs(s, &run, 1);
	assert_true(run.id > 0);

	struct pdns_record rec = a_record("stats.example.", "192.0.2.3", 10, 20, 4, src);
	put(s, &rec, 1);

	struct store_stats st = stats_of(s);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.runs_unfinished, 1);
	assert_int_equal(st.rrsets, 1);
	assert_int_equal(st.rrnames, 1);
	assert_int_equal(st.observations, 4);
	assert_int_equal(st.time_first, 10);
	assert_int_equal(st.time_last, 20);
	assert_int_equal(st.ntypes, 1);
	assert_int_equal(st.types[0].rrtype, 1);
	assert_int_equal(st.types[0].rrsets, 1);
	assert_int_equal(st.nsources, 1);
	assert_string_equal(st.sources[0].name, "capture.pcap");
	assert_string_equal(st.sources[0].kind, "file");
	assert_int_equal(st.sources[0].rrsets, 1);

	/* An update replaces the run; it does not add one. */
	run.finished = true;
	run.packets = 99;
	put_runs(s, &run, 1);
	st = stats_of(s);
	assert_int_equal(st.runs, 1);
	assert_int_equal(st.runs_unfinished, 0);
	finish(s);
}

/* find_run returns the latest run of a path whatever its size and time, with
 * the figures an ingest needs to skip, resume or warn. */
static void test_find_run(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t first_src = source(s, "/data/a.pcap", "file");
	uint32_t second_src = source(s, "sensor-7", "sensor");

	struct store_run found;
	assert_false(find_run(s, "/data/a.pcap", &found));

	struct store_run runs[] = {
	        {.source_id = first_src,
	         .input = "/data/a.pcap",
	         .size = 100,
	         .mtime_ns = 1700000000123456789,
	         .started = 5,
	         .updated = 6,
	         .finished = true,
	         .packets = 10},
	        {.source_id = second_src,
	         .input = "/data/a.pcap",
	         .size = 250,
	         .mtime_ns = 1700000001000000001,
	         .owner = 4242,
	         .started = 7,
	         .updated = 8,
	         .packets = 20,
	         .messages = 30,
	         .records = 40,
	         .errors = 2},
	        {.source_id = first_src,
	         .input = "/data/b.pcap",
	         .size = 1,
	         .mtime_ns = 1,
	         .started = 9,
	         .updated = 9},
	};
	put_runs(s, runs, 3);
	assert_true(runs[1].id > runs[0].id);

	assert_true(find_run(s, "/data/a.pcap", &found));
	assert_int_equal(found.id, runs[1].id);
	assert_string_equal(found.input, "/data/a.pcap");
	assert_int_equal(found.size, 250);
	assert_int_equal(found.mtime_ns, 1700000001000000001);
	assert_int_equal(found.owner, 4242);
	assert_int_equal(found.started, 7);
	assert_int_equal(found.updated, 8);
	assert_false(found.finished);
	assert_int_equal(found.packets, 20);
	assert_int_equal(found.messages, 30);
	assert_int_equal(found.records, 40);
	assert_int_equal(found.errors, 2);
	assert_int_equal(found.source_id, second_src);
	assert_string_equal(found.source, "sensor-7");

	/* An update clears the owner and finishes the run. */
	runs[1].owner = 0;
	runs[1].finished = true;
	runs[1].updated = 12;
	put_runs(s, &runs[1], 1);
	assert_true(find_run(s, "/data/a.pcap", &found));
	assert_int_equal(found.id, runs[1].id);
	assert_int_equal(found.owner, 0);
	assert_true(found.finished);
	assert_int_equal(found.updated, 12);

	assert_false(find_run(s, "/data/c.pcap", &found));
	finish(s);

	/* Runs outlive the process that wrote them. */
	s = open_mode(STORE_READ);
	assert_true(find_run(s, "/data/b.pcap", &found));
	assert_int_equal(found.id, runs[2].id);
	assert_string_equal(found.source, "/data/a.pcap");
	store_close(s);
}

static void test_stats_figures(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t alpha = source(s, "alpha", "file");
	uint32_t beta = source(s, "beta", "sensor");
	uint32_t gamma = source(s, "gamma", "sensor");
	struct pdns_record recs[] = {
	        a_record("x.stats.example.", "192.0.2.1", 10, 20, 3, alpha),
	        a_record("x.stats.example.", "192.0.2.2", 15, 15, 1, alpha),
	        name_record("y.stats.example.", 2, "ns.stats.example.", "ns.stats.example.", 5,
	                    alpha),
	        a_record("x.stats.example.", "192.0.2.1", 1, 25, 4, beta),
	        aaaa_record("z.stats.example.", "2001:db8::2", 40, 50, 1, beta),
	        text_record("y.stats.example.", "\"v=spf1 -all\"", 60, 70, 1, beta),
	};
	recs[2].time_last = 30;
	recs[2].count = 2;
	put(s, recs, sizeof(recs) / sizeof(recs[0]));
	struct pdns_negative negs[] = {
	        {.qname = "nx.stats.example.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 100,
	         .time_last = 100,
	         .count = 1,
	         .source_id = gamma},
	        {.qname = "nx.stats.example.",
	         .qtype = 28,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 100,
	         .time_last = 100,
	         .count = 1,
	         .source_id = gamma},
	};
	put_negatives(s, negs, 2);
	struct store_run runs[] = {
	        {.source_id = alpha,
	         .input = "/data/alpha.pcap",
	         .started = 1,
	         .updated = 2,
	         .finished = true},
	        {.source_id = beta, .input = "/data/beta.pcap", .started = 3, .updated = 4},
	};
	put_runs(s, runs, 2);

	struct store_stats st = stats_of(s);
	assert_int_equal(st.rrsets, 5);
	assert_int_equal(st.rrnames, 3);
	assert_int_equal(st.observations, 12);
	assert_int_equal(st.negatives, 2);
	assert_int_equal(st.time_first, 1);
	assert_int_equal(st.time_last, 70);
	assert_int_equal(st.runs, 2);
	assert_int_equal(st.runs_unfinished, 1);

	/* Types by number of records, then by type number. */
	assert_int_equal(st.ntypes, 4);
	assert_int_equal(st.types[0].rrtype, 1);
	assert_int_equal(st.types[0].rrsets, 2);
	assert_int_equal(st.types[1].rrtype, 2);
	assert_int_equal(st.types[1].rrsets, 1);
	assert_int_equal(st.types[2].rrtype, 16);
	assert_int_equal(st.types[2].rrsets, 1);
	assert_int_equal(st.types[3].rrtype, 28);
	assert_int_equal(st.types[3].rrsets, 1);

	/* Sources by number of records, then by name. A source that saw only
	 * negative answers has no records and no times. */
	assert_int_equal(st.sources_total, 3);
	assert_int_equal(st.nsources, 3);
	assert_string_equal(st.sources[0].name, "alpha");
	assert_string_equal(st.sources[0].kind, "file");
	assert_int_equal(st.sources[0].rrsets, 3);
	assert_int_equal(st.sources[0].time_first, 5);
	assert_int_equal(st.sources[0].time_last, 30);
	assert_string_equal(st.sources[1].name, "beta");
	assert_string_equal(st.sources[1].kind, "sensor");
	assert_int_equal(st.sources[1].rrsets, 3);
	assert_int_equal(st.sources[1].time_first, 1);
	assert_int_equal(st.sources[1].time_last, 70);
	assert_string_equal(st.sources[2].name, "gamma");
	assert_int_equal(st.sources[2].rrsets, 0);
	assert_int_equal(st.sources[2].time_first, PDNS_TIME_UNSET);
	assert_int_equal(st.sources[2].time_last, PDNS_TIME_UNSET);
	finish(s);
}

/* ---- Streams of results ---- */

struct bulk_check {
	size_t n;
	bool in_order;
	uint64_t counts;
};

static dn_status check_bulk_row(const struct pdns_record *rec, void *ctx)
{
	struct bulk_check *c = ctx;
	char expected[64];
	snprintf(expected, sizeof(expected), "h%05zu.bulk.example.", c->n);
	if (strcmp(rec->rrname, expected) != 0)
		c->in_order = false;
	c->counts += rec->count;
	c->n++;
	return DN_OK;
}

/* A batch and a result far larger than one network read or one page. */
static void test_bulk_batch(void **state)
{
	(void)state;
	enum { N = 20000 };
	struct store *s = open_write();
	struct pdns_record *recs = calloc(N, sizeof(*recs));
	char(*names)[32] = calloc(N, sizeof(*names));
	char(*addresses)[32] = calloc(N, sizeof(*addresses));
	assert_non_null(recs);
	assert_non_null(names);
	assert_non_null(addresses);
	for (size_t i = 0; i < N; i++) {
		snprintf(names[i], sizeof(names[i]), "h%05zu.bulk.example.", i);
		snprintf(addresses[i], sizeof(addresses[i]), "10.%zu.%zu.%zu", i >> 16,
		         (i >> 8) & 255, i & 255);
		recs[i] =
		        a_record(names[i], addresses[i], (int64_t)i, (int64_t)i + 10, i % 7 + 1, 1);
	}
	put(s, recs, N);

	uint64_t expected_counts = 0;
	for (size_t i = 0; i < N; i++)
		expected_counts += i % 7 + 1;
	struct pdns_query q = name_query("*.bulk.example");
	struct bulk_check c = {.in_order = true};
	struct dn_error err = {0};
	assert_int_equal(store_query_rrsets(s, &q, check_bulk_row, &c, &err), DN_OK);
	assert_int_equal(c.n, N);
	assert_true(c.in_order);
	assert_int_equal(c.counts, expected_counts);

	/* Time order is address order here, so the reverse lookup returns the
	 * names in the same order. */
	q = rdata_query("10.0.0.0/8");
	q.sort = PDNS_SORT_FIRST;
	c = (struct bulk_check){.in_order = true};
	assert_int_equal(store_query_rrsets(s, &q, check_bulk_row, &c, &err), DN_OK);
	assert_int_equal(c.n, N);
	assert_true(c.in_order);

	struct store_stats st = stats_of(s);
	assert_int_equal(st.rrsets, N);
	assert_int_equal(st.rrnames, N);
	assert_int_equal(st.observations, expected_counts);
	free(addresses);
	free(names);
	free(recs);
	finish(s);
}

/* A callback that returns an error stops the query with that status. */
static void test_callback_stops_query(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_names(s);
	struct pdns_query q = rdata_query("0.0.0.0/0");
	struct results r = {.stop_after = 2};
	struct dn_error err = {0};
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_EINTR);
	assert_int_equal(r.n, 2);

	/* The next query returns every row. */
	assert_int_equal(query_rdata(s, "0.0.0.0/0").n, 6);
	finish(s);
}

/* ---- Dumps and lists (backends that implement them) ---- */

static void skip_without_dumps(struct store *s)
{
	if (s->ops->dump_rrsets == NULL || s->ops->dump_negatives == NULL ||
	    s->ops->list_sources == NULL || s->ops->list_runs == NULL) {
		store_close(s);
		skip();
	}
}

struct source_row {
	uint32_t id;
	char name[256];
	char kind[32];
};

struct source_rows {
	struct source_row rows[16];
	size_t n;
};

static dn_status collect_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	struct source_rows *r = ctx;
	assert_true(r->n < 16);
	struct source_row *row = &r->rows[r->n++];
	row->id = id;
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->kind, sizeof(row->kind), "%s", kind);
	return DN_OK;
}

static const struct source_row *find_source(const struct source_rows *r, uint32_t id)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->rows[i].id == id)
			return &r->rows[i];
	return NULL;
}

/* Dump order is unspecified, so rows are compared by name, type, rdata, source. */
static int compare_results(const void *a, const void *b)
{
	const struct result *x = a;
	const struct result *y = b;
	int c = strcmp(x->rrname, y->rrname);
	if (c == 0)
		c = (int)x->rrtype - (int)y->rrtype;
	if (c == 0)
		c = strcmp(x->rdata, y->rdata);
	if (c == 0)
		c = x->source_id < y->source_id ? -1 : x->source_id > y->source_id;
	return c;
}

static void test_dump_rrsets_per_source(void **state)
{
	(void)state;
	struct store *s = open_write();
	skip_without_dumps(s);
	uint32_t sensor = source(s, "sensor-a", "sensor");
	uint32_t file = source(s, "/data/b.pcap", "file");
	struct pdns_record recs[] = {
	        a_record("www.example.com.", "192.0.2.1", 1000, 2000, 5, sensor),
	        a_record("www.example.com.", "192.0.2.1", 1500, 3000, 7, file),
	        aaaa_record("v6.example.com.", "2001:db8::7", 10, 20, 3, sensor),
	        name_record("example.com.", 15, "10 mail.example.net.", "mail.example.net.", 50,
	                    file),
	        text_record("example.com.", "\"hello\"", 60, 61, 2, sensor),
	};
	recs[2].bailiwick = "example.com.";
	put(s, recs, 3);
	put(s, recs + 3, 2);
	struct pdns_record again = a_record("www.example.com.", "192.0.2.1", 900, 950, 1, sensor);
	put(s, &again, 1);

	struct source_rows sources = {.n = 0};
	struct dn_error err = {0};
	assert_int_equal(store_list_sources(s, collect_source, &sources, &err), DN_OK);
	assert_int_equal(sources.n, 2);
	assert_non_null(find_source(&sources, sensor));
	assert_string_equal(find_source(&sources, sensor)->name, "sensor-a");
	assert_string_equal(find_source(&sources, sensor)->kind, "sensor");
	assert_non_null(find_source(&sources, file));
	assert_string_equal(find_source(&sources, file)->name, "/data/b.pcap");
	assert_string_equal(find_source(&sources, file)->kind, "file");

	struct results r = {.n = 0};
	assert_int_equal(store_dump_rrsets(s, collect, &r, &err), DN_OK);
	qsort(r.rows, r.n, sizeof(r.rows[0]), compare_results);
	assert_int_equal(r.n, 5);

	/* example.com. MX: a target name, no address. */
	assert_string_equal(r.rows[0].rrname, "example.com.");
	assert_int_equal(r.rows[0].rrtype, 15);
	assert_int_equal(r.rows[0].source_id, file);
	assert_false(r.rows[0].has_ip);
	assert_string_equal(r.rows[0].rdata_name, "mail.example.net.");
	assert_int_equal(r.rows[0].time_first, 50);
	assert_int_equal(r.rows[0].count, 1);

	/* example.com. TXT: neither. */
	assert_int_equal(r.rows[1].rrtype, 16);
	assert_string_equal(r.rows[1].rdata, "\"hello\"");
	assert_false(r.rows[1].has_ip);
	assert_string_equal(r.rows[1].rdata_name, "");
	assert_int_equal(r.rows[1].time_first, 60);
	assert_int_equal(r.rows[1].time_last, 61);
	assert_int_equal(r.rows[1].count, 2);

	/* v6.example.com. AAAA keeps its bailiwick and address. */
	ip_key v6;
	assert_true(ip_key_parse("2001:db8::7", &v6));
	assert_string_equal(r.rows[2].rrname, "v6.example.com.");
	assert_string_equal(r.rows[2].bailiwick, "example.com.");
	assert_true(r.rows[2].has_ip);
	assert_memory_equal(r.rows[2].ip.b, v6.b, 16);
	assert_string_equal(r.rows[2].rdata_name, "");

	/* www.example.com. A once per source, each with its own figures. */
	ip_key v4;
	assert_true(ip_key_parse("192.0.2.1", &v4));
	for (size_t i = 3; i < 5; i++) {
		assert_string_equal(r.rows[i].rrname, "www.example.com.");
		assert_true(r.rows[i].has_ip);
		assert_memory_equal(r.rows[i].ip.b, v4.b, 16);
		bool by_sensor = r.rows[i].source_id == sensor;
		assert_int_equal(r.rows[i].source_id, by_sensor ? sensor : file);
		assert_int_equal(r.rows[i].time_first, by_sensor ? 900 : 1500);
		assert_int_equal(r.rows[i].time_last, by_sensor ? 2000 : 3000);
		assert_int_equal(r.rows[i].count, by_sensor ? 6 : 7);
	}
	assert_int_not_equal(r.rows[3].source_id, r.rows[4].source_id);
	finish(s);
}

static void test_dump_negatives_per_source(void **state)
{
	(void)state;
	struct store *s = open_write();
	skip_without_dumps(s);
	uint32_t one = source(s, "one", "sensor");
	uint32_t two = source(s, "two", "sensor");
	struct pdns_negative negs[] = {
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "example.com.",
	         .time_first = 50,
	         .time_last = 60,
	         .count = 2,
	         .source_id = one},
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "example.com.",
	         .time_first = 40,
	         .time_last = 45,
	         .count = 1,
	         .source_id = two},
	        {.qname = "nx.example.com.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "example.com.",
	         .time_first = 70,
	         .time_last = 80,
	         .count = 4,
	         .source_id = one},
	};
	put_negatives(s, negs, 2);
	put_negatives(s, negs + 2, 1);

	struct results r = {.n = 0};
	struct dn_error err = {0};
	assert_int_equal(store_dump_negatives(s, collect_negative, &r, &err), DN_OK);
	qsort(r.rows, r.n, sizeof(r.rows[0]), compare_results);
	assert_int_equal(r.n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(r.rows[i].rrname, "nx.example.com.");
		assert_int_equal(r.rows[i].rrtype, 1);
		assert_string_equal(r.rows[i].rdata, "3");
		assert_string_equal(r.rows[i].bailiwick, "example.com.");
		bool by_one = r.rows[i].source_id == one;
		assert_int_equal(r.rows[i].source_id, by_one ? one : two);
		assert_int_equal(r.rows[i].time_first, by_one ? 50 : 40);
		assert_int_equal(r.rows[i].time_last, by_one ? 80 : 45);
		assert_int_equal(r.rows[i].count, by_one ? 6 : 1);
	}
	assert_int_not_equal(r.rows[0].source_id, r.rows[1].source_id);
	finish(s);
}

struct run_rows {
	struct store_run rows[8];
	char inputs[8][64];
	char sources[8][64];
	size_t n;
};

static dn_status collect_run(const struct store_run *run, void *ctx)
{
	struct run_rows *r = ctx;
	assert_true(r->n < 8);
	r->rows[r->n] = *run;
	snprintf(r->inputs[r->n], sizeof(r->inputs[r->n]), "%s", run->input);
	snprintf(r->sources[r->n], sizeof(r->sources[r->n]), "%s", run->source);
	r->n++;
	return DN_OK;
}

static void test_list_runs_oldest_first(void **state)
{
	(void)state;
	struct store *s = open_write();
	skip_without_dumps(s);
	uint32_t a = source(s, "/data/a.pcap", "file");
	uint32_t b = source(s, "sensor-b", "sensor");
	struct store_run runs[] = {
	        {.source_id = a,
	         .input = "/data/a.pcap",
	         .size = 10,
	         .mtime_ns = 11,
	         .started = 1,
	         .updated = 2,
	         .finished = true,
	         .packets = 3,
	         .messages = 4,
	         .records = 5,
	         .errors = 6},
	        {.source_id = b,
	         .input = "-",
	         .size = -1,
	         .mtime_ns = -1,
	         .owner = 77,
	         .started = 20,
	         .updated = 21},
	        {.source_id = a,
	         .input = "/data/a.pcap",
	         .size = 12,
	         .mtime_ns = 13,
	         .started = 30,
	         .updated = 31,
	         .finished = true},
	};
	put_runs(s, &runs[0], 1);
	put_runs(s, &runs[1], 1);
	put_runs(s, &runs[2], 1);
	/* An update keeps the run's place. */
	runs[1].finished = true;
	runs[1].owner = 0;
	runs[1].packets = 42;
	put_runs(s, &runs[1], 1);

	struct run_rows r = {.n = 0};
	struct dn_error err = {0};
	assert_int_equal(store_list_runs(s, collect_run, &r, &err), DN_OK);
	assert_int_equal(r.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(r.rows[i].id, runs[i].id);
	assert_string_equal(r.inputs[0], "/data/a.pcap");
	assert_string_equal(r.sources[0], "/data/a.pcap");
	assert_int_equal(r.rows[0].source_id, a);
	assert_int_equal(r.rows[0].size, 10);
	assert_int_equal(r.rows[0].mtime_ns, 11);
	assert_int_equal(r.rows[0].started, 1);
	assert_int_equal(r.rows[0].updated, 2);
	assert_true(r.rows[0].finished);
	assert_int_equal(r.rows[0].packets, 3);
	assert_int_equal(r.rows[0].messages, 4);
	assert_int_equal(r.rows[0].records, 5);
	assert_int_equal(r.rows[0].errors, 6);
	assert_string_equal(r.inputs[1], "-");
	assert_string_equal(r.sources[1], "sensor-b");
	assert_int_equal(r.rows[1].size, -1);
	assert_int_equal(r.rows[1].owner, 0);
	assert_true(r.rows[1].finished);
	assert_int_equal(r.rows[1].packets, 42);
	assert_int_equal(r.rows[2].size, 12);
	finish(s);
}

/* ---- Source filters and minimum sources ---- */

/* Three sources with overlapping records. Each source's figures are its
 * own merge; the comments give the merge over every source, which the
 * tests below expect.
 *   mail.prov.example. MX   B 500-600 x4, C 450-700 x1         all 450-700 x5
 *   mx.prov.example. AAAA   A 10-20 x7, C 30-40 x2             all 10-40 x9
 *   ns.prov.example. A      C 60-80 x6                         all 60-80 x6
 *   www.prov.example. A .10 A 100-200 x3, B 150-400 x5 (two    all 50-400 x10
 *                           batches), C 50-120 x2
 *   www.prov.example. A .11 A 300 x1                           all 300 x1
 *   www.prov.example. TXT   A 1000-2000 x2, B 900-950 x1       all 900-2000 x3
 * order names the sources in the order their batches are written. */
static void load_provenance_set(struct store *s, const char *order)
{
	uint32_t a = source(s, "sensor-a", "sensor");
	uint32_t b = source(s, "sensor-b", "sensor");
	uint32_t c = source(s, "/data/c.pcap", "file");
	struct pdns_record from_a[] = {
	        aaaa_record("mx.prov.example.", "2001:db8::25", 10, 20, 7, a),
	        a_record("www.prov.example.", "192.0.2.10", 100, 200, 3, a),
	        a_record("www.prov.example.", "192.0.2.11", 300, 300, 1, a),
	        text_record("www.prov.example.", "\"v=1\"", 1000, 2000, 2, a),
	};
	struct pdns_record from_b[] = {
	        name_record("mail.prov.example.", 15, "10 mx.prov.example.", "mx.prov.example.",
	                    500, b),
	        a_record("www.prov.example.", "192.0.2.10", 150, 300, 2, b),
	        text_record("www.prov.example.", "\"v=1\"", 900, 950, 1, b),
	};
	struct pdns_record from_b_later[] = {
	        name_record("mail.prov.example.", 15, "10 mx.prov.example.", "mx.prov.example.",
	                    600, b),
	        a_record("www.prov.example.", "192.0.2.10", 200, 400, 3, b),
	};
	from_b[0].count = 3; /* with from_b_later: 500-600 x4 */
	struct pdns_record from_c[] = {
	        name_record("mail.prov.example.", 15, "10 mx.prov.example.", "mx.prov.example.",
	                    450, c),
	        aaaa_record("mx.prov.example.", "2001:db8::25", 30, 40, 2, c),
	        a_record("ns.prov.example.", "192.0.2.53", 60, 80, 6, c),
	        a_record("www.prov.example.", "192.0.2.10", 50, 120, 2, c),
	};
	from_c[0].time_last = 700;
	for (const char *p = order; *p != '\0'; p++) {
		switch (*p) {
		case 'A':
			put(s, from_a, sizeof(from_a) / sizeof(from_a[0]));
			break;
		case 'B':
			put(s, from_b, sizeof(from_b) / sizeof(from_b[0]));
			put(s, from_b_later, sizeof(from_b_later) / sizeof(from_b_later[0]));
			break;
		case 'C':
			put(s, from_c, sizeof(from_c) / sizeof(from_c[0]));
			break;
		default:
			fail_msg("unknown source letter '%c'", *p);
		}
	}
}

#define PROV_MAIL "mail.prov.example. 15 10 mx.prov.example. \n"
#define PROV_MX "mx.prov.example. 28 2001:db8::25 \n"
#define PROV_NS "ns.prov.example. 1 192.0.2.53 \n"
#define PROV_WWW10 "www.prov.example. 1 192.0.2.10 \n"
#define PROV_WWW11 "www.prov.example. 1 192.0.2.11 \n"
#define PROV_TXT "www.prov.example. 16 \"v=1\" \n"

/* A macro, so that a failure names the caller's line. */
#define assert_figures(row, first, last, count_, sources)                                          \
	do {                                                                                       \
		assert_int_equal((row).time_first, (first));                                       \
		assert_int_equal((row).time_last, (last));                                         \
		assert_int_equal((row).count, (count_));                                           \
		assert_int_equal((row).source_count, (sources));                                   \
	} while (0)

static void add_source(struct pdns_query *q, const char *name)
{
	struct dn_error err = {0};
	if (pdns_query_add_source(q, name, &err) != DN_OK)
		fail_msg("add_source %s: %s", name, err.msg);
}

/* Point location at a second store for the running test: the same
 * template, another name. */
static void use_second_store(void)
{
	char name[sizeof(fresh_name) + 8];
	snprintf(name, sizeof(name), "%s_2", fresh_name);
	const char *template = getenv("DRAGNET_TEST_STORE");
	char fallback[4096];
	if (template == NULL || template[0] == '\0') {
		const char *tmp = getenv("TMPDIR");
		snprintf(fallback, sizeof(fallback), "%s/test_store_{n}.db",
		         tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");
		template = fallback;
	}
	expand_template(template, name, location, sizeof(location));
}

/* Every row of *.prov.example, sorted by name, from a store loaded in
 * the given order. */
static struct results provenance_rows(const char *order)
{
	struct store *s = open_write();
	load_provenance_set(s, order);
	struct pdns_query q = name_query("*.prov.example");
	struct results r = run_query(s, &q);
	finish(s);
	return r;
}

static void test_sources_merge_any_order(void **state)
{
	char first_location[sizeof(location)];
	snprintf(first_location, sizeof(first_location), "%s", location);
	struct results one = provenance_rows("ABC");
	use_second_store();
	struct results two = provenance_rows("CBA");
	teardown(state);
	snprintf(location, sizeof(location), "%s", first_location);

	const char *rows = PROV_MAIL PROV_MX PROV_NS PROV_WWW10 PROV_WWW11 PROV_TXT;
	assert_rows(&one, rows);
	assert_rows(&two, rows);
	for (size_t i = 0; i < 2; i++) {
		const struct results *r = i == 0 ? &one : &two;
		assert_figures(r->rows[0], 450, 700, 5, 2);
		assert_figures(r->rows[1], 10, 40, 9, 2);
		assert_figures(r->rows[2], 60, 80, 6, 1);
		assert_figures(r->rows[3], 50, 400, 10, 3);
		assert_figures(r->rows[4], 300, 300, 1, 1);
		assert_figures(r->rows[5], 900, 2000, 3, 2);
	}
}

static void test_source_filter_figures(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_provenance_set(s, "BCA");

	/* One source: its own figures; the sources column counts them all. */
	struct pdns_query q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	struct results r = run_query(s, &q);
	assert_rows(&r, PROV_MX PROV_WWW10 PROV_WWW11 PROV_TXT);
	assert_figures(r.rows[0], 10, 20, 7, 2);
	assert_figures(r.rows[1], 100, 200, 3, 3);
	assert_figures(r.rows[2], 300, 300, 1, 1);
	assert_figures(r.rows[3], 1000, 2000, 2, 2);

	/* Two sources: records either saw, with the two merged. */
	q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	add_source(&q, "/data/c.pcap");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL PROV_MX PROV_NS PROV_WWW10 PROV_WWW11 PROV_TXT);
	assert_figures(r.rows[0], 450, 700, 1, 2);
	assert_figures(r.rows[1], 10, 40, 9, 2);
	assert_figures(r.rows[2], 60, 80, 6, 1);
	assert_figures(r.rows[3], 50, 200, 5, 3);
	assert_figures(r.rows[4], 300, 300, 1, 1);
	assert_figures(r.rows[5], 1000, 2000, 2, 2);

	/* Every source: the same as no filter; a name given twice counts once. */
	q = name_query("*.prov.example");
	add_source(&q, "sensor-b");
	add_source(&q, "sensor-a");
	add_source(&q, "/data/c.pcap");
	add_source(&q, "sensor-b");
	assert_int_equal(q.nsources, 3);
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL PROV_MX PROV_NS PROV_WWW10 PROV_WWW11 PROV_TXT);
	assert_figures(r.rows[3], 50, 400, 10, 3);
	assert_figures(r.rows[5], 900, 2000, 3, 2);

	/* An exact name. */
	q = name_query("www.prov.example");
	q.rrtype = 1;
	add_source(&q, "sensor-b");
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10);
	assert_figures(r.rows[0], 150, 400, 5, 3);
	finish(s);
}

static void test_source_filter_unknown(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct results r = {.n = 0};
	struct dn_error err = {0};

	/* On a store without sources the error states that. */
	struct pdns_query q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "'sensor-a'"));
	assert_non_null(strstr(err.msg, "no sources"));

	load_provenance_set(s, "ABC");
	q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	add_source(&q, "sensor-x");
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_EINVAL);
	assert_int_equal(r.n, 0);
	assert_non_null(strstr(err.msg, "'sensor-x'"));
	/* The known sources, in name order. */
	assert_non_null(strstr(err.msg, "/data/c.pcap, sensor-a, sensor-b"));

	/* Negative answers check the names the same way. */
	assert_int_equal(store_query_negatives(s, &q, collect_negative, &r, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "'sensor-x'"));

	/* Names are matched exactly. */
	q = name_query("*.prov.example");
	add_source(&q, "Sensor-A");
	assert_int_equal(store_query_rrsets(s, &q, collect, &r, &err), DN_EINVAL);
	assert_int_equal(r.n, 0);
	finish(s);
}

static void test_min_sources(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_provenance_set(s, "CAB");

	struct pdns_query q = name_query("*.prov.example");
	q.min_sources = 2;
	struct results r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL PROV_MX PROV_WWW10 PROV_TXT);
	assert_figures(r.rows[0], 450, 700, 5, 2);
	assert_figures(r.rows[2], 50, 400, 10, 3);

	q.min_sources = 3;
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10);
	q.min_sources = 4;
	assert_int_equal(run_query(s, &q).n, 0);

	/* 0 and 1 keep everything. */
	q.min_sources = 1;
	assert_int_equal(run_query(s, &q).n, 6);
	q.min_sources = 0;
	assert_int_equal(run_query(s, &q).n, 6);

	/* With a source filter the minimum still counts every source: records
	 * sensor-b saw that someone else saw too, with sensor-b's figures. */
	q = name_query("*.prov.example");
	add_source(&q, "sensor-b");
	q.min_sources = 2;
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL PROV_WWW10 PROV_TXT);
	assert_figures(r.rows[0], 500, 600, 4, 2);
	assert_figures(r.rows[1], 150, 400, 5, 3);
	assert_figures(r.rows[2], 900, 950, 1, 2);

	q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	q.min_sources = 3;
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10);
	assert_figures(r.rows[0], 100, 200, 3, 3);
	finish(s);
}

static void test_sources_reverse_lookups(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_provenance_set(s, "ACB");

	struct pdns_query q = rdata_query("192.0.2.0/24");
	add_source(&q, "/data/c.pcap");
	struct results r = run_query(s, &q);
	assert_rows(&r, PROV_NS PROV_WWW10);
	assert_figures(r.rows[0], 60, 80, 6, 1);
	assert_figures(r.rows[1], 50, 120, 2, 3);

	q = rdata_query("192.0.2.0/24");
	q.min_sources = 2;
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10);
	assert_figures(r.rows[0], 50, 400, 10, 3);

	q = rdata_query("2001:db8::/32");
	add_source(&q, "/data/c.pcap");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MX);
	assert_figures(r.rows[0], 30, 40, 2, 2);

	/* By target name: sensor-b saw the MX, sensor-a did not. */
	q = rdata_query("mx.prov.example");
	add_source(&q, "sensor-b");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL);
	assert_figures(r.rows[0], 500, 600, 4, 2);
	q = rdata_query("mx.prov.example");
	add_source(&q, "sensor-a");
	assert_int_equal(run_query(s, &q).n, 0);
	q = rdata_query("*.prov.example");
	q.min_sources = 2;
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL);

	/* "www.prov.*" scans, and filters the same way. */
	q = name_query("www.prov.*");
	add_source(&q, "sensor-b");
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10 PROV_TXT);
	assert_figures(r.rows[1], 900, 950, 1, 2);
	q = rdata_query("mx.prov.*");
	add_source(&q, "/data/c.pcap");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL);
	assert_figures(r.rows[0], 450, 700, 1, 2);
	finish(s);
}

static void test_sources_fences_and_order(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_provenance_set(s, "BAC");

	/* Fences apply to the figures shown. Over every source the .10
	 * record was last seen at 400, but sensor-a last saw it at 200. */
	struct pdns_query q = name_query("*.prov.example");
	q.last_before = 250;
	struct results r = run_query(s, &q);
	assert_rows(&r, PROV_MX PROV_NS);
	add_source(&q, "sensor-a");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MX PROV_WWW10);
	assert_figures(r.rows[1], 100, 200, 3, 3);

	/* sensor-b first saw the MX at 500, everyone at 450. */
	q = name_query("*.prov.example");
	q.first_after = 500;
	r = run_query(s, &q);
	assert_rows(&r, PROV_TXT);
	add_source(&q, "sensor-b");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MAIL PROV_TXT);
	assert_figures(r.rows[0], 500, 600, 4, 2);
	assert_figures(r.rows[1], 900, 950, 1, 2);

	/* The sort uses the figures shown: sensor-a's counts are 7, 3, 2, 1. */
	q = name_query("*.prov.example");
	q.sort = PDNS_SORT_COUNT;
	add_source(&q, "sensor-a");
	r = run_query(s, &q);
	assert_rows(&r, PROV_MX PROV_WWW10 PROV_TXT PROV_WWW11);
	q.limit = 2;
	q.offset = 1;
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10 PROV_TXT);

	/* sensor-b's time_last: 950, 600, 400. */
	q = name_query("*.prov.example");
	q.sort = PDNS_SORT_LAST;
	add_source(&q, "sensor-b");
	r = run_query(s, &q);
	assert_rows(&r, PROV_TXT PROV_MAIL PROV_WWW10);

	/* /data/c.pcap's time_first: 30, 50, 60, 450. */
	q = name_query("*.prov.example");
	q.sort = PDNS_SORT_FIRST;
	add_source(&q, "/data/c.pcap");
	q.min_sources = 2;
	r = run_query(s, &q);
	assert_rows(&r, PROV_MX PROV_WWW10 PROV_MAIL);

	/* A type filter and a fence with both source conditions. */
	q = name_query("*.prov.example");
	q.rrtype = 1;
	q.first_after = 100;
	add_source(&q, "sensor-a");
	add_source(&q, "sensor-b");
	q.min_sources = 3;
	r = run_query(s, &q);
	assert_rows(&r, PROV_WWW10);
	assert_figures(r.rows[0], 100, 400, 8, 3);
	finish(s);
}

static void test_sources_negatives(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "sensor-a", "sensor");
	uint32_t b = source(s, "sensor-b", "sensor");
	uint32_t c = source(s, "/data/c.pcap", "file");
	struct pdns_negative negs[] = {
	        {.qname = "nx.prov.example.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 10,
	         .time_last = 20,
	         .count = 1,
	         .source_id = a},
	        {.qname = "gone.prov.example.",
	         .qtype = 28,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 5,
	         .time_last = 5,
	         .count = 1,
	         .source_id = c},
	        {.qname = "nx.prov.example.",
	         .qtype = 1,
	         .rcode = 3,
	         .bailiwick = "",
	         .time_first = 30,
	         .time_last = 40,
	         .count = 2,
	         .source_id = b},
	};
	put_negatives(s, negs, 2);
	put_negatives(s, negs + 2, 1);

	struct pdns_query q = name_query("*.prov.example");
	add_source(&q, "sensor-b");
	struct results r = run_negative_query(s, &q);
	assert_rows(&r, "nx.prov.example. 1 3 \n");
	assert_figures(r.rows[0], 30, 40, 2, 2);

	q = name_query("*.prov.example");
	q.min_sources = 2;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.prov.example. 1 3 \n");
	assert_figures(r.rows[0], 10, 40, 3, 2);

	q = name_query("*.prov.example");
	add_source(&q, "/data/c.pcap");
	r = run_negative_query(s, &q);
	assert_rows(&r, "gone.prov.example. 28 3 \n");
	assert_figures(r.rows[0], 5, 5, 1, 1);
	q.min_sources = 2;
	assert_int_equal(run_negative_query(s, &q).n, 0);

	/* Fences on sensor-a's figures: it last saw nx at 20. */
	q = name_query("*.prov.example");
	add_source(&q, "sensor-a");
	q.last_before = 21;
	r = run_negative_query(s, &q);
	assert_rows(&r, "nx.prov.example. 1 3 \n");
	assert_figures(r.rows[0], 10, 20, 1, 2);
	finish(s);
}

/* ---- WHOIS and RDAP ---- */

#define MAX_WHOIS 16

/* One WHOIS document returned by a query, copied out of the callback. */
struct whois_result {
	char domain[256];
	char status[32];
	char document[512];
	char *raw; /* malloc'd */
	uint8_t hash[16];
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t source_id;
};

struct whois_results {
	struct whois_result rows[MAX_WHOIS];
	size_t n;
};

/* One index value returned by a query. */
struct value_result {
	char kind[32];
	char value[256];
	char shown[256];
	char domain[256];
	char role[32];
	bool masked;
	int64_t time_first;
	int64_t time_last;
};

struct value_results {
	struct value_result rows[MAX_ROWS];
	size_t n;
};

static dn_status collect_whois(const struct store_whois *doc, void *ctx)
{
	struct whois_results *r = ctx;
	assert_true(r->n < MAX_WHOIS);
	struct whois_result *row = &r->rows[r->n++];
	snprintf(row->domain, sizeof(row->domain), "%s", doc->domain);
	snprintf(row->status, sizeof(row->status), "%s", doc->status);
	snprintf(row->document, sizeof(row->document), "%s", doc->document);
	assert_non_null(doc->raw);
	row->raw = strdup(doc->raw);
	assert_non_null(row->raw);
	memcpy(row->hash, doc->hash, 16);
	row->time_first = doc->time_first;
	row->time_last = doc->time_last;
	row->count = doc->count;
	row->source_id = doc->source_id;
	return DN_OK;
}

static void free_whois(struct whois_results *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->rows[i].raw);
	r->n = 0;
}

static dn_status collect_value(const struct store_whois_value *v, void *ctx)
{
	struct value_results *r = ctx;
	assert_true(r->n < MAX_ROWS);
	struct value_result *row = &r->rows[r->n++];
	snprintf(row->kind, sizeof(row->kind), "%s", v->kind);
	snprintf(row->value, sizeof(row->value), "%s", v->value);
	snprintf(row->shown, sizeof(row->shown), "%s", v->shown);
	snprintf(row->domain, sizeof(row->domain), "%s", v->domain);
	snprintf(row->role, sizeof(row->role), "%s", v->role);
	row->masked = v->masked;
	row->time_first = v->time_first;
	row->time_last = v->time_last;
	return DN_OK;
}

static void put_whois(struct store *s, const struct store_whois *docs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_whois(s, docs, n, &err) != DN_OK)
		fail_msg("put_whois: %s", err.msg);
	if (store_commit(s, &err) != DN_OK)
		fail_msg("commit: %s", err.msg);
}

static void put_values(struct store *s, const struct store_whois_value *vals, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_whois_values(s, vals, n, &err) != DN_OK)
		fail_msg("put_whois_values: %s", err.msg);
	if (store_commit(s, &err) != DN_OK)
		fail_msg("commit: %s", err.msg);
}

static struct whois_results query_whois(struct store *s, const char *domain, bool latest_only,
                                        bool with_raw)
{
	struct whois_results r = {.n = 0};
	struct dn_error err = {0};
	if (store_query_whois(s, domain, latest_only, with_raw, collect_whois, &r, &err) != DN_OK)
		fail_msg("query_whois %s: %s", domain, err.msg);
	return r;
}

static struct value_results lookup_values(struct store *s, const char *kind, const char *value,
                                          bool prefix, size_t limit)
{
	struct store_whois_lookup q = {.kind = kind, .value = value, .prefix = prefix,
	                               .limit = limit};
	struct value_results r = {.n = 0};
	struct dn_error err = {0};
	if (store_query_whois_values(s, &q, collect_value, &r, &err) != DN_OK)
		fail_msg("query_whois_values %s %s: %s", kind, value, err.msg);
	return r;
}

static uint64_t count_value(struct store *s, const char *kind, const char *value)
{
	uint64_t n = UINT64_MAX;
	struct dn_error err = {0};
	if (store_count_whois_value(s, kind, value, &n, &err) != DN_OK)
		fail_msg("count_whois_value %s %s: %s", kind, value, err.msg);
	return n;
}

/* "domain role value" of every row, one per line. */
static void assert_value_rows(const struct value_results *r, const char *expected)
{
	char got[8192];
	size_t used = 0;
	got[0] = '\0';
	for (size_t i = 0; i < r->n && used < sizeof(got); i++) {
		int n = snprintf(got + used, sizeof(got) - used, "%s %s %s\n", r->rows[i].domain,
		                 r->rows[i].role, r->rows[i].value);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	assert_string_equal(got, expected);
}

/* The hash a writer must give a document: XXH3-128, big-endian bytes. */
static void expected_hash(const char *document, uint8_t out[16])
{
	XXH128_canonical_t canonical;
	XXH128_canonicalFromHash(&canonical, XXH3_128bits(document, strlen(document)));
	memcpy(out, canonical.digest, 16);
}

static struct store_whois whois_doc(const char *domain, const char *document, int64_t first,
                                    int64_t last, uint64_t count, uint32_t source_id)
{
	struct store_whois d = {
	        .domain = domain,
	        .status = "found",
	        .document = document,
	        .raw = "",
	        .time_first = first,
	        .time_last = last,
	        .count = count,
	        .source_id = source_id,
	};
	return d;
}

static struct store_whois_value whois_value(const char *kind, const char *value,
                                            const char *domain, const char *role, int64_t t)
{
	struct store_whois_value v = {
	        .kind = kind,
	        .value = value,
	        .shown = value,
	        .domain = domain,
	        .role = role,
	        .time_first = t,
	        .time_last = t,
	};
	return v;
}

#define DOC_R1 "{\"domain\":\"example.com\",\"registrar\":\"Example Registrar 1\"}"
#define DOC_R2 "{\"domain\":\"example.com\",\"registrar\":\"Example Registrar 2\"}"
#define DOC_R3 "{\"domain\":\"example.com\",\"registrar\":\"Example Registrar 3\"}"

/* One document seen by two sources in two batches: one row, first = min,
 * last = max and count = sum over both; the first sighting's source. */
static void test_whois_merge_two_sources(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "whois-a", "provider");
	uint32_t b = source(s, "rdap-b", "provider");
	struct store_whois first[] = {whois_doc("example.com", DOC_R1, 100, 200, 2, a)};
	put_whois(s, first, 1);
	struct store_whois second[] = {
	        whois_doc("example.com", DOC_R1, 50, 150, 3, b),
	        whois_doc("example.com", DOC_R1, 300, 300, 1, a),
	        whois_doc("example.net", DOC_R1, 70, 70, 1, a),
	};
	put_whois(s, second, 3);

	struct whois_results r = query_whois(s, "example.com", false, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].domain, "example.com");
	assert_string_equal(r.rows[0].status, "found");
	assert_string_equal(r.rows[0].document, DOC_R1);
	assert_int_equal(r.rows[0].time_first, 50);
	assert_int_equal(r.rows[0].time_last, 300);
	assert_int_equal(r.rows[0].count, 6);
	assert_int_equal(r.rows[0].source_id, b);
	uint8_t hash[16];
	expected_hash(DOC_R1, hash);
	assert_memory_equal(r.rows[0].hash, hash, 16);
	free_whois(&r);

	/* The same text under another domain is another document. */
	r = query_whois(s, "example.net", false, false);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].time_first, 70);
	assert_int_equal(r.rows[0].count, 1);
	assert_int_equal(r.rows[0].source_id, a);
	free_whois(&r);
	finish(s);
}

/* History is every distinct document, first seen first; latest_only is
 * the one last seen, and on a tie the one first seen later. */
static void test_whois_history_order(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "whois-a", "provider");
	struct store_whois docs[] = {
	        whois_doc("example.com", DOC_R3, 500, 900, 1, a),
	        whois_doc("example.com", DOC_R1, 100, 200, 1, a),
	        whois_doc("example.com", DOC_R2, 300, 400, 1, a),
	};
	put_whois(s, docs, 3);

	struct whois_results r = query_whois(s, "example.com", false, false);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.rows[0].document, DOC_R1);
	assert_string_equal(r.rows[1].document, DOC_R2);
	assert_string_equal(r.rows[2].document, DOC_R3);
	free_whois(&r);

	r = query_whois(s, "example.com", true, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].document, DOC_R3);
	free_whois(&r);

	/* R1 seen again at 900: now R1 and R3 were both last seen at 900, and
	 * R3 was first seen later. */
	struct store_whois again = whois_doc("example.com", DOC_R1, 900, 900, 1, a);
	put_whois(s, &again, 1);
	r = query_whois(s, "example.com", true, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].document, DOC_R3);
	free_whois(&r);

	/* Seen at 901, R1 is the latest. */
	again = whois_doc("example.com", DOC_R1, 901, 901, 1, a);
	put_whois(s, &again, 1);
	r = query_whois(s, "example.com", true, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].document, DOC_R1);
	assert_int_equal(r.rows[0].time_first, 100);
	assert_int_equal(r.rows[0].time_last, 901);
	assert_int_equal(r.rows[0].count, 3);
	free_whois(&r);

	assert_int_equal(query_whois(s, "example.org", false, false).n, 0);
	assert_int_equal(query_whois(s, "example.org", true, true).n, 0);
	finish(s);
}

/* raw is returned only on request, and is the response of the earliest
 * sighting that kept one; a long response survives whole. */
static void test_whois_with_raw(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "whois-a", "provider");
	uint32_t b = source(s, "whois-b", "provider");
	struct store_whois docs[] = {
	        whois_doc("example.com", DOC_R1, 200, 200, 1, a),
	        whois_doc("example.com", DOC_R1, 100, 100, 1, b),
	};
	docs[0].raw = "Domain Name: EXAMPLE.COM\r\nseen at 200\r\n";
	docs[1].raw = "Domain Name: EXAMPLE.COM\r\nseen at 100\r\n";
	put_whois(s, docs, 1);
	put_whois(s, docs + 1, 1);
	struct store_whois no_raw = whois_doc("example.com", DOC_R1, 50, 50, 1, a);
	put_whois(s, &no_raw, 1);

	struct whois_results r = query_whois(s, "example.com", false, false);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].raw, "");
	free_whois(&r);
	r = query_whois(s, "example.com", false, true);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].raw, "Domain Name: EXAMPLE.COM\r\nseen at 100\r\n");
	assert_int_equal(r.rows[0].time_first, 50);
	assert_int_equal(r.rows[0].count, 3);
	free_whois(&r);

	/* 200 KB of text with every byte value but NUL. */
	size_t size = 200 * 1024;
	char *big = malloc(size + 1);
	assert_non_null(big);
	for (size_t i = 0; i < size; i++)
		big[i] = (char)(1 + (i * 7919 % 255));
	big[size] = '\0';
	struct store_whois large = whois_doc("example.net", DOC_R2, 10, 10, 1, a);
	large.raw = big;
	put_whois(s, &large, 1);
	r = query_whois(s, "example.net", true, true);
	assert_int_equal(r.n, 1);
	assert_int_equal(strlen(r.rows[0].raw), size);
	assert_memory_equal(r.rows[0].raw, big, size);
	free_whois(&r);
	free(big);
	finish(s);
}

static void load_contacts(struct store *s)
{
	struct store_whois_value vals[] = {
	        whois_value("email", "alice@example.com", "example.org", "tech", 10),
	        whois_value("email", "alice@example.com", "example.com", "registrant", 10),
	        whois_value("email", "alice@example.com", "example.org", "registrant", 10),
	        whois_value("email", "alice@example.com", "example.net", "admin", 10),
	        whois_value("email", "alicia@example.net", "example.info", "registrant", 20),
	        whois_value("email", "alicf@example.net", "example.edu", "registrant", 20),
	        whois_value("email", "alj@example.net", "example.biz", "registrant", 20),
	        whois_value("email", "bob@example.com", "example.com", "admin", 30),
	        whois_value("name", "alice@example.com", "example.mobi", "registrant", 30),
	        whois_value("email", "ali", "example.coop", "billing", 40),
	};
	put_values(s, vals, 5);
	put_values(s, vals + 5, 5);
}

/* An exact value returns every domain and role holding it, by domain then
 * role; a prefix is a range that stops before the next prefix. */
static void test_whois_reverse_lookups(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_contacts(s);

	struct value_results r = lookup_values(s, "email", "alice@example.com", false, 0);
	assert_value_rows(&r, "example.com registrant alice@example.com\n"
	                      "example.net admin alice@example.com\n"
	                      "example.org registrant alice@example.com\n"
	                      "example.org tech alice@example.com\n");
	assert_string_equal(r.rows[0].kind, "email");
	assert_string_equal(r.rows[0].shown, "alice@example.com");
	assert_false(r.rows[0].masked);
	assert_int_equal(r.rows[0].time_first, 10);
	assert_int_equal(r.rows[0].time_last, 10);

	r = lookup_values(s, "email", "ali", true, 0);
	assert_value_rows(&r, "example.com registrant alice@example.com\n"
	                      "example.coop billing ali\n"
	                      "example.edu registrant alicf@example.net\n"
	                      "example.info registrant alicia@example.net\n"
	                      "example.net admin alice@example.com\n"
	                      "example.org registrant alice@example.com\n"
	                      "example.org tech alice@example.com\n");

	r = lookup_values(s, "email", "alice", true, 0);
	assert_int_equal(r.n, 4);
	r = lookup_values(s, "email", "alicf@", true, 0);
	assert_value_rows(&r, "example.edu registrant alicf@example.net\n");

	/* An empty prefix is every value of the kind. */
	r = lookup_values(s, "email", "", true, 0);
	assert_int_equal(r.n, 9);

	/* Kinds are apart; a value that is only a prefix is not an exact hit. */
	r = lookup_values(s, "name", "alice@example.com", false, 0);
	assert_value_rows(&r, "example.mobi registrant alice@example.com\n");
	assert_int_equal(lookup_values(s, "email", "alice@example", false, 0).n, 0);
	assert_int_equal(lookup_values(s, "phone", "ali", true, 0).n, 0);

	/* Limits count rows in that order. */
	r = lookup_values(s, "email", "ali", true, 2);
	assert_value_rows(&r, "example.com registrant alice@example.com\n"
	                      "example.coop billing ali\n");
	r = lookup_values(s, "email", "alice@example.com", false, 3);
	assert_int_equal(r.n, 3);
	finish(s);
}

/* count_whois_value counts domains, not roles or rows. */
static void test_whois_count_domains(void **state)
{
	(void)state;
	struct store *s = open_write();
	load_contacts(s);
	assert_int_equal(count_value(s, "email", "alice@example.com"), 3);
	assert_int_equal(count_value(s, "email", "bob@example.com"), 1);
	assert_int_equal(count_value(s, "name", "alice@example.com"), 1);
	assert_int_equal(count_value(s, "email", "alice"), 0);
	assert_int_equal(count_value(s, "phone", "+1.5555550100"), 0);

	/* The same value seen again adds no domain. */
	struct store_whois_value again =
	        whois_value("email", "alice@example.com", "example.com", "registrant", 99);
	put_values(s, &again, 1);
	assert_int_equal(count_value(s, "email", "alice@example.com"), 3);
	finish(s);
}

/* A value merges first = min and last = max; masked once stays masked, and
 * shown is the form of the latest sighting. */
static void test_whois_value_merge(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct store_whois_value v1 =
	        whois_value("email", "privacy@proxy.example", "example.com", "registrant", 200);
	v1.shown = "Privacy@Proxy.Example";
	put_values(s, &v1, 1);
	struct store_whois_value v2 = v1;
	v2.time_first = v2.time_last = 100;
	v2.masked = true;
	v2.shown = "PRIVACY@PROXY.EXAMPLE";
	struct store_whois_value v3 = v1;
	v3.time_first = v3.time_last = 300;
	v3.shown = "privacy@proxy.example";
	put_values(s, &v2, 1);
	put_values(s, &v3, 1);

	struct value_results r = lookup_values(s, "email", "privacy@proxy.example", false, 0);
	assert_int_equal(r.n, 1);
	assert_true(r.rows[0].masked);
	assert_string_equal(r.rows[0].shown, "privacy@proxy.example");
	assert_int_equal(r.rows[0].time_first, 100);
	assert_int_equal(r.rows[0].time_last, 300);

	/* An older sighting changes neither shown nor last. */
	struct store_whois_value v4 = v1;
	v4.time_first = v4.time_last = 50;
	v4.shown = "old@PROXY.example";
	put_values(s, &v4, 1);
	r = lookup_values(s, "email", "privacy@proxy.example", false, 0);
	assert_int_equal(r.n, 1);
	assert_true(r.rows[0].masked);
	assert_string_equal(r.rows[0].shown, "privacy@proxy.example");
	assert_int_equal(r.rows[0].time_first, 50);
	assert_int_equal(r.rows[0].time_last, 300);

	/* Unmasked values keep masked false. */
	struct store_whois_value plain =
	        whois_value("email", "carol@example.net", "example.net", "admin", 5);
	put_values(s, &plain, 1);
	r = lookup_values(s, "email", "carol@example.net", false, 0);
	assert_int_equal(r.n, 1);
	assert_false(r.rows[0].masked);
	finish(s);
}

/* A new store holds no WHOIS data, and says so without an error. */
static void test_whois_empty_store(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct whois_results r = query_whois(s, "example.com", false, true);
	assert_int_equal(r.n, 0);
	assert_int_equal(query_whois(s, "example.com", true, false).n, 0);
	assert_int_equal(lookup_values(s, "email", "alice@example.com", false, 0).n, 0);
	assert_int_equal(lookup_values(s, "email", "", true, 0).n, 0);
	assert_int_equal(count_value(s, "email", "alice@example.com"), 0);
	struct dn_error err = {0};
	struct whois_results dumped = {.n = 0};
	assert_int_equal(store_dump_whois(s, collect_whois, &dumped, &err), DN_OK);
	assert_int_equal(dumped.n, 0);
	struct value_results values = {.n = 0};
	assert_int_equal(store_dump_whois_values(s, collect_value, &values, &err), DN_OK);
	assert_int_equal(values.n, 0);
	finish(s);
}

static int compare_whois_results(const void *a, const void *b)
{
	const struct whois_result *x = a;
	const struct whois_result *y = b;
	int c = strcmp(x->domain, y->domain);
	if (c == 0)
		c = strcmp(x->document, y->document);
	if (c == 0)
		c = x->source_id < y->source_id ? -1 : x->source_id > y->source_id;
	return c;
}

static void load_whois_set(struct store *s, uint32_t a, uint32_t b)
{
	struct store_whois docs[] = {
	        whois_doc("example.com", DOC_R1, 100, 200, 2, a),
	        whois_doc("example.com", DOC_R1, 50, 150, 3, b),
	        whois_doc("example.com", DOC_R2, 300, 400, 1, b),
	        whois_doc("example.net", DOC_R3, 10, 20, 1, a),
	};
	docs[0].raw = "raw of example.com at 100";
	docs[1].raw = "raw of example.com at 50";
	docs[2].status = "redacted";
	put_whois(s, docs, 2);
	put_whois(s, docs + 2, 2);
	load_contacts(s);
}

/* dump_whois returns each document once per source with that source's
 * figures and the raw text; the values come ordered by domain. */
static void test_whois_dump_per_source(void **state)
{
	(void)state;
	struct store *s = open_write();
	uint32_t a = source(s, "whois-a", "provider");
	uint32_t b = source(s, "rdap-b", "provider");
	load_whois_set(s, a, b);

	struct whois_results r = {.n = 0};
	struct dn_error err = {0};
	assert_int_equal(store_dump_whois(s, collect_whois, &r, &err), DN_OK);
	assert_int_equal(r.n, 4);
	qsort(r.rows, r.n, sizeof(r.rows[0]), compare_whois_results);
	for (size_t i = 0; i < 2; i++) {
		struct whois_result *row = &r.rows[i];
		bool by_a = row->source_id == a;
		assert_string_equal(row->domain, "example.com");
		assert_string_equal(row->document, DOC_R1);
		assert_int_equal(row->source_id, by_a ? a : b);
		assert_int_equal(row->time_first, by_a ? 100 : 50);
		assert_int_equal(row->time_last, by_a ? 200 : 150);
		assert_int_equal(row->count, by_a ? 2 : 3);
	}
	assert_int_not_equal(r.rows[0].source_id, r.rows[1].source_id);
	assert_string_equal(r.rows[2].document, DOC_R2);
	assert_string_equal(r.rows[2].status, "redacted");
	assert_string_equal(r.rows[2].raw, "");
	assert_int_equal(r.rows[2].source_id, b);
	assert_string_equal(r.rows[3].domain, "example.net");
	uint8_t hash[16];
	expected_hash(DOC_R3, hash);
	assert_memory_equal(r.rows[3].hash, hash, 16);
	free_whois(&r);

	struct value_results v = {.n = 0};
	assert_int_equal(store_dump_whois_values(s, collect_value, &v, &err), DN_OK);
	assert_int_equal(v.n, 10);
	for (size_t i = 1; i < v.n; i++)
		assert_true(strcmp(v.rows[i - 1].domain, v.rows[i].domain) <= 0);
	finish(s);
}

/* store_copy carries documents and values to a second store, where every
 * lookup returns what it returned from the first. */
static void test_whois_copy_round_trip(void **state)
{
	(void)state;
	struct store *from = open_write();
	uint32_t a = source(from, "whois-a", "provider");
	uint32_t b = source(from, "rdap-b", "provider");
	load_whois_set(from, a, b);
	struct store_whois_value masked =
	        whois_value("email", "privacy@proxy.example", "example.com", "admin", 60);
	masked.masked = true;
	masked.shown = "REDACTED FOR PRIVACY";
	put_values(from, &masked, 1);
	char first_location[sizeof(location)];
	snprintf(first_location, sizeof(first_location), "%s", location);

	use_second_store();
	struct store *to = open_write();
	struct store_copy_counts done;
	struct dn_error err = {0};
	if (store_copy(from, to, NULL, &done, &err) != DN_OK)
		fail_msg("store_copy: %s", err.msg);
	assert_int_equal(done.whois_rows, 4);
	assert_int_equal(done.whois_value_rows, 11);
	uint32_t to_b = source(to, "rdap-b", "provider");

	static const char *const domains[] = {"example.com", "example.net", "example.org"};
	for (size_t i = 0; i < 3; i++) {
		for (int latest = 0; latest < 2; latest++) {
			struct whois_results x = query_whois(from, domains[i], latest, true);
			struct whois_results y = query_whois(to, domains[i], latest, true);
			assert_int_equal(x.n, y.n);
			for (size_t j = 0; j < x.n; j++) {
				assert_string_equal(x.rows[j].document, y.rows[j].document);
				assert_string_equal(x.rows[j].status, y.rows[j].status);
				assert_string_equal(x.rows[j].raw, y.rows[j].raw);
				assert_memory_equal(x.rows[j].hash, y.rows[j].hash, 16);
				assert_int_equal(x.rows[j].time_first, y.rows[j].time_first);
				assert_int_equal(x.rows[j].time_last, y.rows[j].time_last);
				assert_int_equal(x.rows[j].count, y.rows[j].count);
			}
			free_whois(&x);
			free_whois(&y);
		}
	}
	struct whois_results copied = query_whois(to, "example.com", false, true);
	assert_int_equal(copied.n, 2);
	assert_string_equal(copied.rows[0].raw, "raw of example.com at 50");
	assert_int_equal(copied.rows[0].time_first, 50);
	assert_int_equal(copied.rows[0].time_last, 200);
	assert_int_equal(copied.rows[0].count, 5);
	assert_int_equal(copied.rows[0].source_id, to_b);
	free_whois(&copied);

	struct value_results x = lookup_values(from, "email", "", true, 0);
	struct value_results y = lookup_values(to, "email", "", true, 0);
	assert_int_equal(x.n, 10);
	assert_int_equal(y.n, x.n);
	for (size_t i = 0; i < x.n; i++) {
		assert_string_equal(x.rows[i].domain, y.rows[i].domain);
		assert_string_equal(x.rows[i].role, y.rows[i].role);
		assert_string_equal(x.rows[i].value, y.rows[i].value);
		assert_string_equal(x.rows[i].shown, y.rows[i].shown);
		assert_int_equal(x.rows[i].masked, y.rows[i].masked);
		assert_int_equal(x.rows[i].time_first, y.rows[i].time_first);
		assert_int_equal(x.rows[i].time_last, y.rows[i].time_last);
	}
	y = lookup_values(to, "email", "privacy@proxy.example", false, 0);
	assert_int_equal(y.n, 1);
	assert_true(y.rows[0].masked);
	assert_string_equal(y.rows[0].shown, "REDACTED FOR PRIVACY");
	assert_int_equal(count_value(to, "email", "alice@example.com"), 3);
	finish(to);
	finish(from);

	/* The first store is no longer location, so teardown leaves it. */
	snprintf(location, sizeof(location), "%s", first_location);
	teardown(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test_setup_teardown(test_missing_store_read_mode, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_store_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_merge_min_max_sum, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_rollback_leaves_nothing, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_empty_batch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_repeat_within_flush, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_source_ids_stable, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_read_mode_rejects_writes, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_forward_and_wildcards, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reverse_ip_ranges, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_reverse_names, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sort_orders, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_limit_offset, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_type_and_bailiwick_filters, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_time_fences, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_text_round_trip, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_negatives, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_runs_and_stats, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_find_run, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_stats_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_bulk_batch, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_callback_stops_query, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dump_rrsets_per_source, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_dump_negatives_per_source, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_list_runs_oldest_first, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sources_merge_any_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_source_filter_figures, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_source_filter_unknown, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_min_sources, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sources_reverse_lookups, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sources_fences_and_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_sources_negatives, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_merge_two_sources, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_history_order, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_with_raw, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_reverse_lookups, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_count_domains, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_value_merge, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_empty_store, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_dump_per_source, setup, teardown),
	        cmocka_unit_test_setup_teardown(test_whois_copy_round_trip, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
