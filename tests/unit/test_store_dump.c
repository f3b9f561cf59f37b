/* Tests of reading a whole SQLite store back out: dumps per source, sources,
 * runs and status, against real database files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pdns/name.h"
#include "pdns/query.h"
#include "store/sqlite/sqlite_store.h"
#include "store/store.h"

static char db_path[4096];
static char copy_path[4096];

/* One dumped record or negative answer, copied out of the callback. */
struct row {
	char name[256];
	uint16_t type;
	char bailiwick[256];
	char rdata[256];       /* the rcode in decimal for negative answers */
	uint32_t source_id;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
	uint32_t source_count;
	bool has_ip;
	ip_key ip;
	bool has_rdata_name;
	char rdata_name[256];
};

struct rows {
	struct row rows[32];
	size_t n;
	size_t stop_after;     /* return DN_EINTR after this many rows; 0 never */
};

static dn_status collect_record(const struct pdns_record *rec, void *ctx)
{
	struct rows *r = ctx;
	assert_true(r->n < 32);
	struct row *row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", rec->rrname);
	row->type = rec->rrtype;
	snprintf(row->bailiwick, sizeof(row->bailiwick), "%s", rec->bailiwick);
	snprintf(row->rdata, sizeof(row->rdata), "%s", rec->rdata);
	row->source_id = rec->source_id;
	row->time_first = rec->time_first;
	row->time_last = rec->time_last;
	row->count = rec->count;
	row->source_count = rec->source_count;
	row->has_ip = rec->has_ip;
	row->ip = rec->ip;
	row->has_rdata_name = rec->rdata_name != NULL;
	if (rec->rdata_name != NULL)
		snprintf(row->rdata_name, sizeof(row->rdata_name), "%s", rec->rdata_name);
	return r->stop_after > 0 && r->n == r->stop_after ? DN_EINTR : DN_OK;
}

static dn_status collect_negative(const struct pdns_negative *neg, void *ctx)
{
	struct rows *r = ctx;
	assert_true(r->n < 32);
	struct row *row = &r->rows[r->n++];
	memset(row, 0, sizeof(*row));
	snprintf(row->name, sizeof(row->name), "%s", neg->qname);
	row->type = neg->qtype;
	snprintf(row->bailiwick, sizeof(row->bailiwick), "%s", neg->bailiwick);
	snprintf(row->rdata, sizeof(row->rdata), "%u", neg->rcode);
	row->source_id = neg->source_id;
	row->time_first = neg->time_first;
	row->time_last = neg->time_last;
	row->count = neg->count;
	row->source_count = neg->source_count;
	return DN_OK;
}

/* Dump order is unspecified; tests compare rows sorted by name, type,
 * rdata and source. */
static int compare_rows(const void *a, const void *b)
{
	const struct row *x = a;
	const struct row *y = b;
	int c = strcmp(x->name, y->name);
	if (c == 0)
		c = (int)x->type - (int)y->type;
	if (c == 0)
		c = strcmp(x->rdata, y->rdata);
	if (c == 0)
		c = x->source_id < y->source_id ? -1 : x->source_id > y->source_id;
	return c;
}

static struct rows dump_records(struct store *s)
{
	struct rows r = {.n = 0};
	struct dn_error err = {0};
	if (store_dump_rrsets(s, collect_record, &r, &err) != DN_OK)
		fail_msg("dump_rrsets: %s", err.msg);
	qsort(r.rows, r.n, sizeof(r.rows[0]), compare_rows);
	return r;
}

static struct rows dump_negatives(struct store *s)
{
	struct rows r = {.n = 0};
	struct dn_error err = {0};
	if (store_dump_negatives(s, collect_negative, &r, &err) != DN_OK)
		fail_msg("dump_negatives: %s", err.msg);
	qsort(r.rows, r.n, sizeof(r.rows[0]), compare_rows);
	return r;
}

static void remove_db(const char *path)
{
	char extra[4200];
	unlink(path);
	snprintf(extra, sizeof(extra), "%s-wal", path);
	unlink(extra);
	snprintf(extra, sizeof(extra), "%s-shm", path);
	unlink(extra);
}

static int setup(void **state)
{
	(void)state;
	const char *tmp = getenv("TMPDIR");
	snprintf(db_path, sizeof(db_path), "%s/test_store_dump_%d.db", tmp ? tmp : "/tmp",
	         (int)getpid());
	snprintf(copy_path, sizeof(copy_path), "%s/test_store_dump_%d_copy.db",
	         tmp ? tmp : "/tmp", (int)getpid());
	remove_db(db_path);
	remove_db(copy_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	remove_db(db_path);
	remove_db(copy_path);
	return 0;
}

static struct store *open_store(const char *path, enum store_mode mode)
{
	struct store *s = NULL;
	struct dn_error err = {0};
	if (store_open(path, mode, NULL, &s, &err) != DN_OK)
		fail_msg("store_open %s: %s", path, err.msg);
	return s;
}

static uint32_t source(struct store *s, const char *name, const char *kind)
{
	uint32_t id = 0;
	struct dn_error err = {0};
	if (store_source_id(s, name, kind, &id, &err) != DN_OK)
		fail_msg("source_id: %s", err.msg);
	return id;
}

static void put_records(struct store *s, const struct pdns_record *recs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_rrsets(s, recs, n, &err) != DN_OK)
		fail_msg("put_rrsets: %s", err.msg);
	assert_int_equal(store_commit(s, &err), DN_OK);
}

static void put_negatives(struct store *s, const struct pdns_negative *negs, size_t n)
{
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_negatives(s, negs, n, &err) != DN_OK)
		fail_msg("put_negatives: %s", err.msg);
	assert_int_equal(store_commit(s, &err), DN_OK);
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

/*
 * Two sources: www.example.com. A 192.0.2.1 is seen by both (so its figures
 * live in rrset_source), the other records by one (figures in rrset). The
 * AAAA record carries an address key and the MX record a target name.
 */
static void load(struct store *s, uint32_t *sensor, uint32_t *file)
{
	*sensor = source(s, "sensor-a", "sensor");
	*file = source(s, "/data/b.pcap", "file");
	struct pdns_record first[] = {
		a_record("www.example.com.", "192.0.2.1", 1000, 2000, 5, *sensor),
		a_record("solo.example.com.", "192.0.2.9", 300, 400, 2, *file),
		{.rrname = "v6.example.com.", .rrtype = 28, .bailiwick = "example.com.",
		 .rdata = "2001:db8::7", .time_first = 10, .time_last = 20, .count = 3,
		 .source_id = *sensor},
		{.rrname = "example.com.", .rrtype = 15, .bailiwick = "com.",
		 .rdata = "10 mail.example.net.", .time_first = 50, .time_last = 60, .count = 4,
		 .source_id = *sensor, .rdata_name = "mail.example.net."},
	};
	assert_true(ip_key_parse("2001:db8::7", &first[2].ip));
	first[2].has_ip = true;
	struct pdns_record second[] = {
		a_record("www.example.com.", "192.0.2.1", 1500, 3000, 7, *file),
		a_record("www.example.com.", "192.0.2.1", 900, 950, 1, *sensor),
	};
	put_records(s, first, 4);
	put_records(s, second, 2);
}

static void assert_ip(const struct row *row, const char *text)
{
	ip_key expected;
	assert_true(ip_key_parse(text, &expected));
	assert_true(row->has_ip);
	assert_memory_equal(row->ip.b, expected.b, sizeof(expected.b));
}

static void test_dump_records_per_source(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t sensor, file;
	load(s, &sensor, &file);
	assert_true(sensor < file);

	struct rows r = dump_records(s);
	assert_int_equal(r.n, 5);

	/* Sorted: example.com. MX, solo A, v6 AAAA, www A (sensor), www A (file). */
	const struct row *mx = &r.rows[0];
	assert_string_equal(mx->name, "example.com.");
	assert_int_equal(mx->type, 15);
	assert_string_equal(mx->bailiwick, "com.");
	assert_string_equal(mx->rdata, "10 mail.example.net.");
	assert_int_equal(mx->source_id, sensor);
	assert_int_equal(mx->time_first, 50);
	assert_int_equal(mx->time_last, 60);
	assert_int_equal(mx->count, 4);
	assert_false(mx->has_ip);
	assert_true(mx->has_rdata_name);
	assert_string_equal(mx->rdata_name, "mail.example.net.");

	const struct row *solo = &r.rows[1];
	assert_string_equal(solo->name, "solo.example.com.");
	assert_int_equal(solo->source_id, file);
	assert_int_equal(solo->time_first, 300);
	assert_int_equal(solo->time_last, 400);
	assert_int_equal(solo->count, 2);
	assert_ip(solo, "192.0.2.9");
	assert_false(solo->has_rdata_name);

	const struct row *v6 = &r.rows[2];
	assert_string_equal(v6->name, "v6.example.com.");
	assert_int_equal(v6->type, 28);
	assert_string_equal(v6->bailiwick, "example.com.");
	assert_string_equal(v6->rdata, "2001:db8::7");
	assert_int_equal(v6->source_id, sensor);
	assert_int_equal(v6->count, 3);
	assert_ip(v6, "2001:db8::7");

	/* The record both sources saw comes once per source, with that
	 * source's own merged figures, not the total. */
	const struct row *by_sensor = &r.rows[3];
	assert_string_equal(by_sensor->name, "www.example.com.");
	assert_string_equal(by_sensor->rdata, "192.0.2.1");
	assert_int_equal(by_sensor->source_id, sensor);
	assert_int_equal(by_sensor->time_first, 900);
	assert_int_equal(by_sensor->time_last, 2000);
	assert_int_equal(by_sensor->count, 6);
	assert_ip(by_sensor, "192.0.2.1");

	const struct row *by_file = &r.rows[4];
	assert_string_equal(by_file->name, "www.example.com.");
	assert_int_equal(by_file->source_id, file);
	assert_int_equal(by_file->time_first, 1500);
	assert_int_equal(by_file->time_last, 3000);
	assert_int_equal(by_file->count, 7);
	assert_ip(by_file, "192.0.2.1");

	for (size_t i = 0; i < r.n; i++)
		assert_int_equal(r.rows[i].source_count, 0);
	store_close(s);
}

static void test_dump_negatives_per_source(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t one = source(s, "one", "sensor");
	uint32_t two = source(s, "two", "sensor");
	struct pdns_negative negs[] = {
		{.qname = "nx.example.com.", .qtype = 1, .rcode = 3, .bailiwick = "example.com.",
		 .time_first = 50, .time_last = 60, .count = 2, .source_id = one},
		{.qname = "nx.example.com.", .qtype = 1, .rcode = 3, .bailiwick = "example.com.",
		 .time_first = 40, .time_last = 45, .count = 1, .source_id = two},
		{.qname = "empty.example.com.", .qtype = 28, .rcode = 0, .bailiwick = "",
		 .time_first = 70, .time_last = 80, .count = 9, .source_id = two},
	};
	put_negatives(s, negs, 3);

	struct rows r = dump_negatives(s);
	assert_int_equal(r.n, 3);
	assert_string_equal(r.rows[0].name, "empty.example.com.");
	assert_int_equal(r.rows[0].type, 28);
	assert_string_equal(r.rows[0].rdata, "0");
	assert_string_equal(r.rows[0].bailiwick, "");
	assert_int_equal(r.rows[0].source_id, two);
	assert_int_equal(r.rows[0].time_first, 70);
	assert_int_equal(r.rows[0].time_last, 80);
	assert_int_equal(r.rows[0].count, 9);

	assert_string_equal(r.rows[1].name, "nx.example.com.");
	assert_string_equal(r.rows[1].rdata, "3");
	assert_string_equal(r.rows[1].bailiwick, "example.com.");
	assert_int_equal(r.rows[1].source_id, one);
	assert_int_equal(r.rows[1].time_first, 50);
	assert_int_equal(r.rows[1].time_last, 60);
	assert_int_equal(r.rows[1].count, 2);

	assert_string_equal(r.rows[2].name, "nx.example.com.");
	assert_int_equal(r.rows[2].source_id, two);
	assert_int_equal(r.rows[2].time_first, 40);
	assert_int_equal(r.rows[2].time_last, 45);
	assert_int_equal(r.rows[2].count, 1);
	store_close(s);
}

struct source_list {
	uint32_t ids[8];
	char names[8][64];
	char kinds[8][16];
	size_t n;
};

static dn_status collect_source(uint32_t id, const char *name, const char *kind, void *ctx)
{
	struct source_list *l = ctx;
	assert_true(l->n < 8);
	l->ids[l->n] = id;
	snprintf(l->names[l->n], sizeof(l->names[0]), "%s", name);
	snprintf(l->kinds[l->n], sizeof(l->kinds[0]), "%s", kind);
	l->n++;
	return DN_OK;
}

static void test_list_sources(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t a = source(s, "sensor-a", "sensor");
	uint32_t b = source(s, "/data/b.pcap", "file");
	uint32_t c = source(s, "stdin", "stream");

	struct source_list l = {.n = 0};
	struct dn_error err = {0};
	assert_int_equal(store_list_sources(s, collect_source, &l, &err), DN_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ids[0], a);
	assert_string_equal(l.names[0], "sensor-a");
	assert_string_equal(l.kinds[0], "sensor");
	assert_int_equal(l.ids[1], b);
	assert_string_equal(l.names[1], "/data/b.pcap");
	assert_string_equal(l.kinds[1], "file");
	assert_int_equal(l.ids[2], c);
	assert_string_equal(l.names[2], "stdin");
	assert_string_equal(l.kinds[2], "stream");
	store_close(s);
}

struct run_list {
	struct store_run runs[4];
	char inputs[4][64];
	char sources[4][64];
	size_t n;
};

static dn_status collect_run(const struct store_run *run, void *ctx)
{
	struct run_list *l = ctx;
	assert_true(l->n < 4);
	l->runs[l->n] = *run;
	snprintf(l->inputs[l->n], sizeof(l->inputs[0]), "%s", run->input);
	snprintf(l->sources[l->n], sizeof(l->sources[0]), "%s", run->source);
	l->runs[l->n].input = l->inputs[l->n];
	l->runs[l->n].source = l->sources[l->n];
	l->n++;
	return DN_OK;
}

static void test_list_runs_oldest_first(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	struct dn_error err = {0};
	uint32_t file = source(s, "/data/a.pcap", "file");
	uint32_t sensor = source(s, "edge-1", "sensor");
	struct store_run older = {.source_id = file, .input = "/data/a.pcap", .size = 100,
	                          .mtime_ns = 1700000000123456789, .started = 5, .updated = 6,
	                          .finished = true, .packets = 10, .messages = 9, .records = 8,
	                          .errors = 1};
	struct store_run newer = {.source_id = sensor, .input = "eth0", .size = 0,
	                          .mtime_ns = -1, .owner = 4242, .started = 7, .updated = 8,
	                          .packets = 20, .messages = 30, .records = 40, .errors = 2};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_run(s, &older, &err), DN_OK);
	assert_int_equal(store_put_run(s, &newer, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);

	struct run_list l = {.n = 0};
	assert_int_equal(store_list_runs(s, collect_run, &l, &err), DN_OK);
	assert_int_equal(l.n, 2);

	const struct store_run *r = &l.runs[0];
	assert_int_equal(r->id, older.id);
	assert_int_equal(r->source_id, file);
	assert_string_equal(r->source, "/data/a.pcap");
	assert_string_equal(r->input, "/data/a.pcap");
	assert_int_equal(r->size, 100);
	assert_int_equal(r->mtime_ns, 1700000000123456789);
	assert_int_equal(r->owner, 0);
	assert_int_equal(r->started, 5);
	assert_int_equal(r->updated, 6);
	assert_true(r->finished);
	assert_int_equal(r->packets, 10);
	assert_int_equal(r->messages, 9);
	assert_int_equal(r->records, 8);
	assert_int_equal(r->errors, 1);

	r = &l.runs[1];
	assert_int_equal(r->id, newer.id);
	assert_int_equal(r->source_id, sensor);
	assert_string_equal(r->source, "edge-1");
	assert_string_equal(r->input, "eth0");
	assert_int_equal(r->mtime_ns, -1);
	assert_int_equal(r->owner, 4242);
	assert_false(r->finished);
	assert_int_equal(r->packets, 20);
	assert_int_equal(r->messages, 30);
	assert_int_equal(r->records, 40);
	assert_int_equal(r->errors, 2);
	store_close(s);
}

static void test_status_of_file(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	store_close(s);
	s = open_store(db_path, STORE_READ);

	struct store_status st;
	memset(&st, 0xff, sizeof(st));
	struct dn_error err = {0};
	assert_int_equal(store_status(s, &st, &err), DN_OK);
	assert_string_equal(st.backend, "sqlite");
	assert_string_equal(st.location, db_path);
	assert_int_equal(st.schema_version, SQLITE_SCHEMA_VERSION);
	assert_int_equal(st.schema_expected, SQLITE_SCHEMA_VERSION);
	assert_int_equal(st.nnodes, 1);
	assert_string_equal(st.nodes[0].name, db_path);
	assert_string_equal(st.nodes[0].role, "file");
	assert_true(st.nodes[0].ok);
	assert_non_null(strstr(st.nodes[0].message, "SQLite 3."));
	assert_int_equal(st.spool_batches, 0);
	assert_int_equal(st.spool_bytes, 0);
	assert_string_equal(st.spool_dir, "");
	assert_null(store_query_note(s));
	store_close(s);
}

/* The dump rebuilds rdata_name by reversing the stored reversed name, so
 * reversal must give back every form a stored name takes. */
static void test_name_reverse_inverse(void **state)
{
	(void)state;
	static const char *const names[] = {
		".",
		"com.",
		"www.example.com.",
		"a\\.b.example.",
		"a\\\\.b.example.",
		"\\046.example.",
		"xn--bcher-kva.example.",
		"0/25.2.0.192.in-addr.arpa.",
		"_sip._tcp.example.com.",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char once[PDNS_NAME_BUF], twice[PDNS_NAME_BUF];
		pdns_name_reverse(names[i], once, sizeof(once));
		pdns_name_reverse(once, twice, sizeof(twice));
		assert_string_equal(twice, names[i]);
	}
	char out[PDNS_NAME_BUF];
	pdns_name_reverse("a\\.b.example.", out, sizeof(out));
	assert_string_equal(out, "example.a\\.b.");
}

static dn_status copy_record(const struct pdns_record *rec, void *ctx)
{
	struct dn_error err = {0};
	dn_status rc = store_put_rrsets(ctx, rec, 1, &err);
	if (rc != DN_OK)
		fail_msg("put_rrsets: %s", err.msg);
	return rc;
}

struct lookup {
	size_t n;
	char rrname[256];
	uint64_t count;
	uint32_t source_count;
};

static dn_status count_match(const struct pdns_record *rec, void *ctx)
{
	struct lookup *l = ctx;
	l->n++;
	snprintf(l->rrname, sizeof(l->rrname), "%s", rec->rrname);
	l->count = rec->count;
	l->source_count = rec->source_count;
	return DN_OK;
}

static struct lookup lookup_rdata(struct store *s, const char *value)
{
	struct pdns_query q;
	struct dn_error err = {0};
	struct lookup l = {.n = 0};
	pdns_query_init(&q);
	assert_int_equal(pdns_query_set_rdata(&q, value, &err), DN_OK);
	if (store_query_rrsets(s, &q, count_match, &l, &err) != DN_OK)
		fail_msg("query: %s", err.msg);
	return l;
}

/* What a dump returns is what put_rrsets takes: written into a second store
 * under the same source ids, it gives the same dump, the same merged
 * figures and the same reverse lookups. */
static void test_dump_feeds_writer(void **state)
{
	(void)state;
	struct store *from = open_store(db_path, STORE_WRITE);
	uint32_t sensor, file;
	load(from, &sensor, &file);
	struct store *to = open_store(copy_path, STORE_WRITE);
	assert_int_equal(source(to, "sensor-a", "sensor"), sensor);
	assert_int_equal(source(to, "/data/b.pcap", "file"), file);

	struct dn_error err = {0};
	assert_int_equal(store_begin(to, &err), DN_OK);
	assert_int_equal(store_dump_rrsets(from, copy_record, to, &err), DN_OK);
	assert_int_equal(store_commit(to, &err), DN_OK);

	struct rows a = dump_records(from);
	struct rows b = dump_records(to);
	assert_int_equal(a.n, b.n);
	for (size_t i = 0; i < a.n; i++)
		assert_memory_equal(&a.rows[i], &b.rows[i], sizeof(a.rows[i]));

	struct lookup www = lookup_rdata(to, "192.0.2.0/30");
	assert_int_equal(www.n, 1);
	assert_string_equal(www.rrname, "www.example.com.");
	assert_int_equal(www.count, 13);
	assert_int_equal(www.source_count, 2);
	assert_int_equal(lookup_rdata(to, "2001:db8::/64").n, 1);
	struct lookup mx = lookup_rdata(to, "mail.example.net");
	assert_int_equal(mx.n, 1);
	assert_string_equal(mx.rrname, "example.com.");
	store_close(to);
	store_close(from);
}

/* A callback's status ends the dump and is returned; the read transaction
 * ends with it, so the store takes a write batch at once. */
static void test_dump_stops_on_callback(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t sensor, file;
	load(s, &sensor, &file);

	struct rows r = {.n = 0, .stop_after = 2};
	struct dn_error err = {0};
	assert_int_equal(store_dump_rrsets(s, collect_record, &r, &err), DN_EINTR);
	assert_int_equal(r.n, 2);

	struct pdns_record late = a_record("late.example.", "192.0.2.50", 1, 1, 1, sensor);
	put_records(s, &late, 1);
	assert_int_equal(dump_records(s).n, 6);
	store_close(s);
}

/* Inside an open batch a dump sees the batch's uncommitted writes. */
static void test_dump_inside_batch(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t id = source(s, "sensor-a", "sensor");
	struct dn_error err = {0};
	struct pdns_record rec = a_record("pending.example.", "192.0.2.60", 5, 6, 1, id);
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_rrsets(s, &rec, 1, &err), DN_OK);
	struct rows r = dump_records(s);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.rows[0].name, "pending.example.");
	store_rollback(s);
	assert_int_equal(dump_records(s).n, 0);
	store_close(s);
}

static void test_dump_read_only(void **state)
{
	(void)state;
	struct store *s = open_store(db_path, STORE_WRITE);
	uint32_t sensor, file;
	load(s, &sensor, &file);
	store_close(s);

	s = open_store(db_path, STORE_READ);
	assert_int_equal(dump_records(s).n, 5);
	assert_int_equal(dump_negatives(s).n, 0);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_dump_records_per_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_negatives_per_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_sources, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_runs_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_of_file, setup, teardown),
		cmocka_unit_test(test_name_reverse_inverse),
		cmocka_unit_test_setup_teardown(test_dump_feeds_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_stops_on_callback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_inside_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump_read_only, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
