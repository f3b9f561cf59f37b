/* Tests of what only the SQLite store backend has, against real database
 * files: WAL, the schema and its checks, key hashes and index builds. What
 * every backend must do is tested in test_store.c. */
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
#include <zstd.h>

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

/* An empty file is not a database to read, and reading leaves it empty. */
static void test_read_mode_empty_file(void **state)
{
	(void)state;
	FILE *fp = fopen(db_path, "w");
	assert_non_null(fp);
	fclose(fp);
	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open(db_path, STORE_READ, NULL, &s, &err), DN_ESCHEMA);
	assert_null(s);
	assert_non_null(strstr(err.msg, "not a dragnet database"));
	fp = fopen(db_path, "r");
	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	assert_int_equal(ftell(fp), 0);
	fclose(fp);
}

/* A location with a scheme that no backend implements is rejected without
 * a connection, and the message leaves its password out. */
static void test_unknown_scheme(void **state)
{
	(void)state;
	struct store *s = NULL;
	struct dn_error err = {0};
	assert_int_equal(store_open("postgres://user:secret@127.0.0.1:9/db", STORE_WRITE, NULL,
	                            &s, &err),
	                 DN_ENOTSUP);
	assert_null(s);
	assert_non_null(strstr(err.msg, "postgres://user:***@127.0.0.1:9/db"));
	assert_null(strstr(err.msg, "secret"));
}

static dn_status count_whois(const struct store_whois *doc, void *ctx)
{
	(void)doc;
	(*(size_t *)ctx)++;
	return DN_OK;
}

static int file_schema_version(void)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	int version = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return version;
}

/* A store of schema version 1, which had no WHOIS tables, opens for reading
 * as it is and contains no WHOIS data. A writer migrates it to the current
 * version and keeps its records. */
static void test_schema_1_migrates(void **state)
{
	(void)state;
	struct store *s = open_write();
	struct pdns_record rec = a_record("www.example.com.", "192.0.2.1", 10, 20, 3, 1);
	put(s, &rec, 1);
	store_close(s);

	/* Versions 2 to 5 added tables, and columns to those tables only:
	 * without them the file is version 1. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "DROP TABLE whois; DROP TABLE whois_source; "
	                              "DROP TABLE whois_value; DROP TABLE whois_raw_dict; "
	                              "DROP TABLE whois_raw_block; "
	                              "DROP TABLE cert; DROP TABLE cert_name; "
	                              "DROP TABLE cert_sighting; "
	                              "DROP TABLE asn_load; DROP TABLE asn_range; "
	                              "PRAGMA user_version = 1",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);

	struct dn_error err = {0};
	s = NULL;
	if (store_open(db_path, STORE_READ, NULL, &s, &err) != DN_OK)
		fail_msg("store_open for reading: %s", err.msg);
	assert_int_equal(query_name(s, "www.example.com", 0).n, 1);
	size_t docs = 0;
	assert_int_equal(store_query_whois(s, "example.com", false, true, count_whois, &docs, &err),
	                 DN_OK);
	assert_int_equal(docs, 0);
	uint64_t domains = 99;
	assert_int_equal(store_count_whois_value(s, "email", "a@example.com", &domains, &err),
	                 DN_OK);
	assert_int_equal(domains, 0);
	struct store_status st;
	assert_int_equal(store_status(s, &st, &err), DN_OK);
	assert_int_equal(st.schema_version, 1);
	assert_int_equal(st.schema_expected, SQLITE_SCHEMA_VERSION);
	store_close(s);
	assert_int_equal(file_schema_version(), 1);

	s = open_write();
	assert_int_equal(file_schema_version(), SQLITE_SCHEMA_VERSION);
	struct results r = query_name(s, "www.example.com", 0);
	assert_int_equal(r.n, 1);
	assert_int_equal(r.rows[0].count, 3);
	struct store_whois doc = {
		.domain = "example.com",
		.status = "found",
		.document = "{\"domain\":\"example.com\"}",
		.raw = "Domain Name: EXAMPLE.COM\r\n",
		.time_first = 30,
		.time_last = 30,
		.count = 1,
		.source_id = 1,
	};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, &doc, 1, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	docs = 0;
	assert_int_equal(store_query_whois(s, "example.com", false, true, count_whois, &docs, &err),
	                 DN_OK);
	assert_int_equal(docs, 1);
	store_close(s);
}

/* The raw response is stored zstd-compressed in a block, with its length
 * before compression and its offset in the block. */
static void test_whois_raw_compressed(void **state)
{
	(void)state;
	struct store *s = open_write();
	char raw[8192];
	size_t used = 0;
	for (int i = 0; used + 64 < sizeof(raw); i++)
		used += (size_t)snprintf(raw + used, sizeof(raw) - used,
		                         "Name Server: NS%d.EXAMPLE.NET\r\n", i);
	struct store_whois doc = {
		.domain = "example.com",
		.status = "found",
		.document = "{}",
		.raw = raw,
		.time_first = 1,
		.time_last = 1,
		.count = 1,
		.source_id = 1,
	};
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, &doc, 1, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	store_close(s);

	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "SELECT b.data, w.raw_size, w.raw_offset, w.raw IS NULL "
	                                    "FROM whois AS w JOIN whois_raw_block AS b "
	                                    "ON b.id = w.raw_block",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int64(stmt, 1), (sqlite3_int64)used);
	assert_int_equal(sqlite3_column_int64(stmt, 2), 0);
	assert_int_equal(sqlite3_column_int64(stmt, 3), 1);
	int packed = sqlite3_column_bytes(stmt, 0);
	assert_true(packed > 4);
	assert_true((size_t)packed < used / 4);
	/* A zstd frame starts with its magic number, 0xFD2FB528 little-endian. */
	const unsigned char *bytes = sqlite3_column_blob(stmt, 0);
	assert_int_equal(bytes[0], 0x28);
	assert_int_equal(bytes[1], 0xb5);
	assert_int_equal(bytes[2], 0x2f);
	assert_int_equal(bytes[3], 0xfd);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
}

/* The integer that sql returns from the database file. */
static sqlite3_int64 file_int(const char *sql)
{
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	sqlite3_int64 value = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	sqlite3_close(db);
	return value;
}

#define RAW_DOCS 20

/* Responses that share a registrar's notice, as one registry's do. */
static void make_responses(char raw[][1024], char domains[][32], char docs[][96], size_t n,
                           size_t first)
{
	static const char notice[] =
		"NOTICE: The expiration date displayed in this record is the date the "
		"registrar's sponsorship of the domain name registration in the registry is "
		"currently set to expire. This date does not necessarily reflect the expiration "
		"date of the domain name registrant's agreement with the sponsoring registrar.\r\n"
		"TERMS OF USE: You are not authorized to access or query our Whois database "
		"through the use of electronic processes that are high-volume and automated.\r\n";
	for (size_t i = 0; i < n; i++) {
		snprintf(domains[i], 32, "example%zu.com", first + i);
		snprintf(docs[i], 96, "{\"domain\":\"%s\"}", domains[i]);
		snprintf(raw[i], 1024,
		         "Domain Name: EXAMPLE%zu.COM\r\nRegistrar: Example Registrar, LLC\r\n"
		         "Creation Date: 2019-03-%02zuT10:00:00Z\r\n%s",
		         first + i, (first + i) % 28 + 1, notice);
	}
}

static dn_status copy_raw(const struct store_whois *doc, void *ctx)
{
	snprintf(ctx, 1024, "%s", doc->raw);
	return DN_OK;
}

static void check_raw_round_trip(struct store *s, const char *domain, const char *raw)
{
	struct dn_error err = {0};
	char got[1024] = "";
	if (store_query_whois(s, domain, false, true, copy_raw, got, &err) != DN_OK)
		fail_msg("query_whois %s: %s", domain, err.msg);
	assert_string_equal(got, raw);
}

/* The responses of a batch are compressed together in one block, and read
 * back unchanged. A batch rolled back takes its block with it, and a later
 * writer adds blocks of its own. */
static void test_whois_raw_blocks(void **state)
{
	(void)state;
	static char raw[RAW_DOCS][1024], domains[RAW_DOCS][32], texts[RAW_DOCS][96];
	make_responses(raw, domains, texts, RAW_DOCS, 0);
	struct store_whois docs[RAW_DOCS];
	for (size_t i = 0; i < RAW_DOCS; i++)
		docs[i] = (struct store_whois){
			.domain = domains[i],
			.status = "found",
			.document = texts[i],
			.raw = raw[i],
			.time_first = 100,
			.time_last = 100,
			.count = 1,
			.source_id = 1,
		};
	struct dn_error err = {0};
	struct store *s = open_write();
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, docs, RAW_DOCS, &err), DN_OK);
	store_rollback(s);
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, docs, RAW_DOCS, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	for (size_t i = 0; i < RAW_DOCS; i++)
		check_raw_round_trip(s, domains[i], raw[i]);
	store_close(s);

	assert_int_equal(file_int("SELECT count(*) FROM whois_raw_dict"), 0);
	assert_int_equal(file_int("SELECT count(*) FROM whois_raw_block"), 1);
	assert_int_equal(file_int("SELECT count(*) FROM whois WHERE raw_block = 1"), RAW_DOCS);
	/* The responses lie end to end in the block, in the order of their
	 * keys. */
	assert_int_equal(file_int("SELECT count(*) FROM whois AS a WHERE raw_offset > 0 AND NOT "
	                          "EXISTS (SELECT 1 FROM whois AS b WHERE b.raw_offset + "
	                          "b.raw_size = a.raw_offset)"),
	                 0);
	assert_int_equal(file_int("SELECT count(*) FROM whois WHERE raw_offset = 0"), 1);
	/* Each response repeats the one before but for a few bytes. */
	assert_int_equal(file_int("SELECT (SELECT length(data) FROM whois_raw_block) * 5 > "
	                          "(SELECT sum(raw_size) FROM whois)"),
	                 0);

	static char raw2[2][1024], domains2[2][32], texts2[2][96];
	make_responses(raw2, domains2, texts2, 2, RAW_DOCS);
	for (size_t i = 0; i < 2; i++) {
		docs[i].domain = domains2[i];
		docs[i].document = texts2[i];
		docs[i].raw = raw2[i];
	}
	s = open_write();
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, docs, 2, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	store_close(s);
	assert_int_equal(file_int("SELECT count(*) FROM whois_raw_block"), 2);
	assert_int_equal(file_int("SELECT count(*) FROM whois WHERE raw_block = 2"), 2);

	s = NULL;
	if (store_open(db_path, STORE_READ, NULL, &s, &err) != DN_OK)
		fail_msg("store_open for reading: %s", err.msg);
	check_raw_round_trip(s, domains2[1], raw2[1]);
	check_raw_round_trip(s, domains[RAW_DOCS - 1], raw[RAW_DOCS - 1]);
	store_close(s);
}

/* Insert a document of domain in the layout of schema versions 2 to 4:
 * raw is a zstd frame of its own, made with dict_id's content as the
 * dictionary when dict_id is positive. */
static void insert_old_layout_row(sqlite3 *db, const char *domain, const char *raw,
                                  const char *dict, sqlite3_int64 dict_id)
{
	char frame[1024];
	size_t len = strlen(raw);
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t packed = dict_id > 0 ? ZSTD_compress_usingDict(cctx, frame, sizeof(frame), raw, len,
	                                                      dict, strlen(dict), 3)
	                            : ZSTD_compressCCtx(cctx, frame, sizeof(frame), raw, len, 3);
	ZSTD_freeCCtx(cctx);
	assert_false(ZSTD_isError(packed));
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db,
	                                    "INSERT INTO whois (domain, hash, status, document, "
	                                    "raw, raw_size, raw_time, time_first, time_last, count, "
	                                    "source_id, raw_dict) VALUES (?1, zeroblob(16), "
	                                    "'found', '{}', ?2, ?3, 10, 10, 10, 1, 1, ?4)",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	sqlite3_bind_text(stmt, 1, domain, -1, SQLITE_STATIC);
	sqlite3_bind_blob(stmt, 2, frame, (int)packed, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 3, (sqlite3_int64)len);
	if (dict_id > 0)
		sqlite3_bind_int64(stmt, 4, dict_id);
	else
		sqlite3_bind_null(stmt, 4);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
}

static dn_status count_docs(const struct store_whois *doc, void *ctx)
{
	(void)doc;
	(*(size_t *)ctx)++;
	return DN_OK;
}

/* A store of schema version 4 keeps a zstd frame for each raw response.
 * It reads as it is, and after the migration to version 5 its old rows
 * still read next to rows whose responses are in blocks. */
static void test_whois_raw_old_layout(void **state)
{
	(void)state;
	store_close(open_write());
	static const char dict[] = "Registrar: Example Registrar, LLC\r\nRegistrar WHOIS Server: "
	                           "whois.example.net\r\n";
	static const char raw_plain[] = "Domain Name: PLAIN.EXAMPLE\r\nRegistrar: Example "
	                                "Registrar, LLC\r\n";
	static const char raw_dict[] = "Domain Name: DICT.EXAMPLE\r\nRegistrar: Example "
	                               "Registrar, LLC\r\nRegistrar WHOIS Server: "
	                               "whois.example.net\r\n";
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "DROP TABLE whois_raw_block; "
	                              "ALTER TABLE whois DROP COLUMN raw_block; "
	                              "ALTER TABLE whois DROP COLUMN raw_offset; "
	                              "PRAGMA user_version = 4",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_stmt *stmt;
	assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO whois_raw_dict (id, dict) VALUES (7, ?1)",
	                                    -1, &stmt, NULL),
	                 SQLITE_OK);
	sqlite3_bind_blob(stmt, 1, dict, (int)strlen(dict), SQLITE_STATIC);
	assert_int_equal(sqlite3_step(stmt), SQLITE_DONE);
	sqlite3_finalize(stmt);
	insert_old_layout_row(db, "plain.example", raw_plain, NULL, 0);
	insert_old_layout_row(db, "dict.example", raw_dict, dict, 7);
	sqlite3_close(db);

	struct dn_error err = {0};
	struct store *s = NULL;
	if (store_open(db_path, STORE_READ, NULL, &s, &err) != DN_OK)
		fail_msg("store_open for reading: %s", err.msg);
	check_raw_round_trip(s, "plain.example", raw_plain);
	check_raw_round_trip(s, "dict.example", raw_dict);
	size_t docs = 0;
	assert_int_equal(store_dump_whois(s, count_docs, &docs, &err), DN_OK);
	assert_int_equal(docs, 2);
	store_close(s);
	assert_int_equal(file_schema_version(), 4);

	s = open_write();
	assert_int_equal(file_schema_version(), SQLITE_SCHEMA_VERSION);
	static const char raw_new[] = "Domain Name: NEW.EXAMPLE\r\n";
	struct store_whois doc = {
		.domain = "new.example",
		.status = "found",
		.document = "{}",
		.raw = raw_new,
		.time_first = 20,
		.time_last = 20,
		.count = 1,
		.source_id = 1,
	};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois(s, &doc, 1, &err), DN_OK);
	assert_int_equal(store_commit(s, &err), DN_OK);
	check_raw_round_trip(s, "plain.example", raw_plain);
	check_raw_round_trip(s, "dict.example", raw_dict);
	check_raw_round_trip(s, "new.example", raw_new);
	store_close(s);
	assert_int_equal(file_int("SELECT count(*) FROM whois WHERE raw_block IS NOT NULL"), 1);
	assert_int_equal(file_int("SELECT count(*) FROM whois WHERE raw IS NOT NULL"), 2);
}

static dn_status copy_shown(const struct store_whois_value *v, void *ctx)
{
	snprintf(ctx, 64, "%s", v->shown);
	return DN_OK;
}

static void put_value(struct store *s, const char *kind, const char *value, const char *shown,
                      int64_t t)
{
	struct store_whois_value v = {
		.kind = kind,
		.value = value,
		.shown = shown,
		.domain = "example.com",
		.role = "registrant",
		.time_first = t,
		.time_last = t,
	};
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_whois_values(s, &v, 1, &err) != DN_OK)
		fail_msg("put_whois_values %s: %s", value, err.msg);
	assert_int_equal(store_commit(s, &err), DN_OK);
}

static void check_shown(struct store *s, const char *kind, const char *value,
                        const char *expected)
{
	struct store_whois_lookup q = {.kind = kind, .value = value};
	struct dn_error err = {0};
	char shown[64] = "(no row)";
	assert_int_equal(store_query_whois_values(s, &q, copy_shown, shown, &err), DN_OK);
	assert_string_equal(shown, expected);
}

/* Index values store kind and role as numbers in the order of their names,
 * and shown as NULL when it equals value. Such a shown still takes part in
 * the rule that the latest sighting's form wins. */
static void test_whois_value_encoding(void **state)
{
	(void)state;
	struct store *s = open_write();
	put_value(s, "email", "alice@example.com", "alice@example.com", 10);
	put_value(s, "name", "alice example", "Alice Example", 10);
	check_shown(s, "email", "alice@example.com", "alice@example.com");
	check_shown(s, "name", "alice example", "Alice Example");
	assert_int_equal(file_int("SELECT count(*) FROM whois_value WHERE kind = 2 AND role = 4 "
	                          "AND shown IS NULL"),
	                 1);
	assert_int_equal(file_int("SELECT count(*) FROM whois_value WHERE kind = 3 AND role = 4 "
	                          "AND shown = 'Alice Example'"),
	                 1);

	put_value(s, "email", "alice@example.com", "Alice@Example.COM", 20);
	check_shown(s, "email", "alice@example.com", "Alice@Example.COM");
	put_value(s, "email", "alice@example.com", "alice@example.com", 30);
	check_shown(s, "email", "alice@example.com", "alice@example.com");
	/* On equal times the larger string wins: lower case sorts after upper. */
	put_value(s, "email", "alice@example.com", "ALICE@EXAMPLE.COM", 30);
	check_shown(s, "email", "alice@example.com", "alice@example.com");

	struct store_whois_value fax = {
		.kind = "fax",
		.value = "+1.5555550100",
		.shown = "+1.5555550100",
		.domain = "example.com",
		.role = "registrant",
	};
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	assert_int_equal(store_put_whois_values(s, &fax, 1, &err), DN_EINVAL);
	assert_non_null(strstr(err.msg, "'fax'"));
	store_rollback(s);
	check_shown(s, "fax", "+1.5555550100", "(no row)");
	store_close(s);
}

struct value_row {
	char shown[64];
	bool masked;
	int64_t time_first;
	int64_t time_last;
	int rows;
};

static dn_status copy_value_row(const struct store_whois_value *v, void *ctx)
{
	struct value_row *row = ctx;
	snprintf(row->shown, sizeof(row->shown), "%s", v->shown);
	row->masked = v->masked;
	row->time_first = v->time_first;
	row->time_last = v->time_last;
	row->rows++;
	return DN_OK;
}

static struct value_row lookup_email(struct store *s, const char *value)
{
	struct store_whois_lookup q = {.kind = "email", .value = value};
	struct dn_error err = {0};
	struct value_row row = {.shown = "(no row)"};
	assert_int_equal(store_query_whois_values(s, &q, copy_value_row, &row, &err), DN_OK);
	return row;
}

/* One batch larger than a multi-row statement: every value is stored, and
 * copies of one key merge by the usual rules whether they share a statement
 * or not. */
static void test_whois_values_large_batch(void **state)
{
	(void)state;
	struct store *s = open_write();
	enum { DISTINCT = 600, COPIES = 6 };
	static char values[DISTINCT][32];
	struct store_whois_value vals[DISTINCT + COPIES - 1];
	for (int i = 0; i < DISTINCT; i++) {
		snprintf(values[i], sizeof(values[i]), "user%03d@example.com", i);
		vals[i] = (struct store_whois_value){
			.kind = "email",
			.value = values[i],
			.shown = values[i],
			.domain = "example.com",
			.role = "registrant",
			.time_first = 1000 + i,
			.time_last = 1000 + i,
		};
	}
	/* user254 sorts at rows 254 to 259, across the end of a statement of 256
	 * rows. The copy seen last (time 2000) gives shown, and one copy is
	 * masked. */
	static const int64_t times[COPIES - 1] = {20, 2000, 10, 60, 30};
	static const char *const shown[COPIES - 1] = {
		"USER254@example.com", "User254@Example.com", "user254@EXAMPLE.com",
		"user254@example.COM", "USER254@EXAMPLE.COM",
	};
	for (int i = 0; i < COPIES - 1; i++) {
		struct store_whois_value *v = &vals[DISTINCT + i];
		*v = vals[254];
		v->shown = shown[i];
		v->time_first = v->time_last = times[i];
		v->masked = i == 3;
	}
	struct dn_error err = {0};
	assert_int_equal(store_begin(s, &err), DN_OK);
	if (store_put_whois_values(s, vals, DISTINCT + COPIES - 1, &err) != DN_OK)
		fail_msg("put_whois_values: %s", err.msg);
	assert_int_equal(store_commit(s, &err), DN_OK);

	assert_int_equal(file_int("SELECT count(*) FROM whois_value"), DISTINCT);
	struct value_row first = lookup_email(s, "user000@example.com");
	assert_int_equal(first.rows, 1);
	assert_int_equal(first.time_first, 1000);
	struct value_row last = lookup_email(s, "user599@example.com");
	assert_int_equal(last.rows, 1);
	assert_int_equal(last.time_last, 1599);
	struct value_row merged = lookup_email(s, "user254@example.com");
	assert_int_equal(merged.rows, 1);
	assert_int_equal(merged.time_first, 10);
	assert_int_equal(merged.time_last, 2000);
	assert_string_equal(merged.shown, "User254@Example.com");
	assert_true(merged.masked);
	store_close(s);
}

/* Lookups of WHOIS documents and values are index searches: the query
 * plans that SQLite chooses name an index, never a scan. */
static void test_whois_plans_use_indexes(void **state)
{
	(void)state;
	store_close(open_write());
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	static const char *const queries[] = {
		"SELECT document FROM whois WHERE domain = 'example.com' "
		"ORDER BY time_first, time_last, hash",
		"SELECT domain FROM whois_value WHERE kind = 2 AND value = 'a@example.com' "
		"ORDER BY domain, role, value",
		"SELECT domain FROM whois_value WHERE kind = 2 AND value >= 'a' "
		"AND value < 'b' ORDER BY domain, role, value",
		"SELECT count(DISTINCT domain) FROM whois_value WHERE kind = 2 "
		"AND value = 'a@example.com'",
	};
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		char sql[512];
		snprintf(sql, sizeof(sql), "EXPLAIN QUERY PLAN %s", queries[i]);
		sqlite3_stmt *stmt;
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &stmt, NULL), SQLITE_OK);
		bool searched = false;
		while (sqlite3_step(stmt) == SQLITE_ROW) {
			const char *detail = (const char *)sqlite3_column_text(stmt, 3);
			if (strncmp(detail, "SCAN", 4) == 0)
				fail_msg("%s: %s", queries[i], detail);
			if (strncmp(detail, "SEARCH", 6) == 0)
				searched = true;
		}
		sqlite3_finalize(stmt);
		assert_true(searched);
	}
	sqlite3_close(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_schema_created, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_foreign_databases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_newer_schema, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rejects_non_sqlite, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_hash_collision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_batch_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_mode_empty_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_scheme, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_1_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_raw_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_plans_use_indexes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_raw_blocks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_raw_old_layout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_value_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_whois_values_large_batch, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
