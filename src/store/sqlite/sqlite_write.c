/* Writing records, negative answers and runs into the SQLite store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pdns/name.h"
#include "store/sqlite/sqlite_internal.h"

/*
 * A record is merged in steps: insert it if it is new, otherwise find the
 * row and merge the times and count into it. One UPSERT ... RETURNING
 * would do both, but SQLite 3.40 runs RETURNING through a temporary table,
 * which made every write twice as slow.
 *
 * Most records are seen by one source only. Such a row carries that source
 * in its source_id column and has no row in the per-source table, which
 * saves one B-tree insert per record. When a second source sees it, the
 * first source's figures are copied into the per-source table, the new
 * source's are added there, and source_id becomes NULL.
 */
static const char sql_insert_rrset[] =
	"INSERT OR IGNORE INTO rrset (rrname, rrname_rev, rrtype, bailiwick, rdata, rdata_ip, "
	"rdata_name_rev, time_first, time_last, count, source_id, key_hash) "
	"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
static const char sql_find_rrset[] =
	"SELECT id, source_id FROM rrset "
	"WHERE rrname_rev = ?1 AND rrtype = ?2 AND key_hash = ?5 AND bailiwick = ?3 AND rdata = ?4";
static const char sql_merge_rrset[] =
	"UPDATE rrset SET time_first = min(time_first, ?2), time_last = max(time_last, ?3), "
	"count = count + ?4, source_id = ?5 WHERE id = ?1";
static const char sql_copy_rrset_source[] =
	"INSERT INTO rrset_source (rrset_id, source_id, time_first, time_last, count) "
	"SELECT id, source_id, time_first, time_last, count FROM rrset WHERE id = ?1";
static const char sql_upsert_rrset_source[] =
	"INSERT INTO rrset_source (rrset_id, source_id, time_first, time_last, count) "
	"VALUES (?1,?2,?3,?4,?5) ON CONFLICT (rrset_id, source_id) DO UPDATE SET "
	"time_first = min(time_first, excluded.time_first), "
	"time_last = max(time_last, excluded.time_last), "
	"count = count + excluded.count";

static const char sql_insert_negative[] =
	"INSERT OR IGNORE INTO negative (qname, qname_rev, qtype, rcode, bailiwick, time_first, "
	"time_last, count, source_id) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)";
static const char sql_find_negative[] =
	"SELECT id, source_id FROM negative "
	"WHERE qname_rev = ?1 AND qtype = ?2 AND rcode = ?3 AND bailiwick = ?4";
static const char sql_merge_negative[] =
	"UPDATE negative SET time_first = min(time_first, ?2), time_last = max(time_last, ?3), "
	"count = count + ?4, source_id = ?5 WHERE id = ?1";
static const char sql_copy_negative_source[] =
	"INSERT INTO negative_source (negative_id, source_id, time_first, time_last, count) "
	"SELECT id, source_id, time_first, time_last, count FROM negative WHERE id = ?1";
static const char sql_upsert_negative_source[] =
	"INSERT INTO negative_source (negative_id, source_id, time_first, time_last, count) "
	"VALUES (?1,?2,?3,?4,?5) ON CONFLICT (negative_id, source_id) DO UPDATE SET "
	"time_first = min(time_first, excluded.time_first), "
	"time_last = max(time_last, excluded.time_last), "
	"count = count + excluded.count";

static const char sql_insert_run[] =
	"INSERT INTO run (source_id, input, size, mtime_ns, started, updated, finished, packets, "
	"messages, records, errors, owner) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)";
static const char sql_update_run[] =
	"UPDATE run SET updated = ?2, finished = ?3, packets = ?4, messages = ?5, "
	"records = ?6, errors = ?7, owner = ?8 WHERE id = ?1";
static const char sql_find_run[] =
	"SELECT run.id, source_id, started, updated, finished, packets, messages, records, errors, "
	"size, mtime_ns, owner, source.name FROM run JOIN source ON source.id = run.source_id "
	"WHERE input = ?1 ORDER BY run.id DESC LIMIT 1";

dn_status sqlite_write_prepare(struct sqlite_store *s, struct dn_error *err)
{
	struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} list[] = {
		{&s->rrsets.insert, sql_insert_rrset},
		{&s->rrsets.find, sql_find_rrset},
		{&s->rrsets.merge, sql_merge_rrset},
		{&s->rrsets.copy_source, sql_copy_rrset_source},
		{&s->rrsets.upsert_source, sql_upsert_rrset_source},
		{&s->negatives.insert, sql_insert_negative},
		{&s->negatives.find, sql_find_negative},
		{&s->negatives.merge, sql_merge_negative},
		{&s->negatives.copy_source, sql_copy_negative_source},
		{&s->negatives.upsert_source, sql_upsert_negative_source},
		{&s->insert_run, sql_insert_run},
		{&s->update_run, sql_update_run},
		{&s->find_run, sql_find_run},
	};
	s->rrsets.noun = "an rrset";
	s->negatives.noun = "a negative answer";
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(s->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
		                       list[i].stmt, NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "preparing a statement");
	}
	return DN_OK;
}

static void finalize_merge(struct merge_stmts *m)
{
	sqlite3_finalize(m->insert);
	sqlite3_finalize(m->find);
	sqlite3_finalize(m->merge);
	sqlite3_finalize(m->copy_source);
	sqlite3_finalize(m->upsert_source);
}

void sqlite_write_finalize(struct sqlite_store *s)
{
	finalize_merge(&s->rrsets);
	finalize_merge(&s->negatives);
	sqlite3_finalize(s->insert_run);
	sqlite3_finalize(s->update_run);
	sqlite3_finalize(s->find_run);
}

dn_status sqlite_step_done(struct sqlite_store *s, sqlite3_stmt *stmt, const char *what,
                           struct dn_error *err)
{
	dn_status rc = sqlite3_step(stmt) == SQLITE_DONE ? DN_OK : sqlite_fail(s, err, what);
	sqlite3_reset(stmt);
	return rc;
}

static void bind_times(sqlite3_stmt *stmt, int first_param, int64_t first, int64_t last,
                       uint64_t count)
{
	sqlite3_bind_int64(stmt, first_param, first);
	sqlite3_bind_int64(stmt, first_param + 1, last);
	sqlite3_bind_int64(stmt, first_param + 2, (sqlite3_int64)count);
}

dn_status sqlite_insert_or_merge(struct sqlite_store *s, struct merge_stmts *m,
                                 const struct contribution *c,
                                 void (*bind_find)(sqlite3_stmt *find, const void *key),
                                 const void *key, bool *collided, struct dn_error *err)
{
	*collided = false;
	char what[64];
	int rc = sqlite3_step(m->insert);
	sqlite3_reset(m->insert);
	if (rc != SQLITE_DONE) {
		snprintf(what, sizeof(what), "storing %s", m->noun);
		return sqlite_fail(s, err, what);
	}
	if (sqlite3_changes(s->db) > 0)
		return DN_OK;

	bind_find(m->find, key);
	rc = sqlite3_step(m->find);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(m->find);
		if (rc == SQLITE_DONE) {
			*collided = true;
			return DN_OK;
		}
		snprintf(what, sizeof(what), "finding %s", m->noun);
		return sqlite_fail(s, err, what);
	}
	int64_t id = sqlite3_column_int64(m->find, 0);
	bool single = sqlite3_column_type(m->find, 1) != SQLITE_NULL;
	int64_t only_source = sqlite3_column_int64(m->find, 1);
	sqlite3_reset(m->find);

	dn_status status;
	bool stays_single = single && only_source == c->source_id;
	if (!stays_single) {
		snprintf(what, sizeof(what), "recording the sources of %s", m->noun);
		if (single) {
			sqlite3_bind_int64(m->copy_source, 1, id);
			if ((status = sqlite_step_done(s, m->copy_source, what, err)) != DN_OK)
				return status;
		}
		sqlite3_bind_int64(m->upsert_source, 1, id);
		sqlite3_bind_int64(m->upsert_source, 2, c->source_id);
		bind_times(m->upsert_source, 3, c->time_first, c->time_last, c->count);
		if ((status = sqlite_step_done(s, m->upsert_source, what, err)) != DN_OK)
			return status;
	}

	sqlite3_bind_int64(m->merge, 1, id);
	bind_times(m->merge, 2, c->time_first, c->time_last, c->count);
	if (stays_single)
		sqlite3_bind_int64(m->merge, 5, c->source_id);
	else
		sqlite3_bind_null(m->merge, 5);
	snprintf(what, sizeof(what), "merging %s", m->noun);
	return sqlite_step_done(s, m->merge, what, err);
}

/* A record with its reversed name, the first column of the unique key, and
 * the lengths of its strings (SQLite would otherwise measure each one). */
struct keyed_record {
	uint64_t prefix; /* the first 8 bytes of rev, big-endian, zero-padded */
	const struct pdns_record *rec;
	const char *rev;
	int rrname_len;
	int rev_len;
	int bailiwick_len;
	int rdata_len;
	int64_t key_hash;
};

static int compare_keyed(const void *a, const void *b)
{
	const struct keyed_record *x = a;
	const struct keyed_record *y = b;
	/* Most pairs differ in their first 8 bytes: one integer comparison in
	 * place of strcmp on strings scattered over memory. */
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	int c = strcmp(x->rev, y->rev);
	if (c != 0)
		return c;
	if (x->rec->rrtype != y->rec->rrtype)
		return x->rec->rrtype < y->rec->rrtype ? -1 : 1;
	c = strcmp(x->rec->bailiwick, y->rec->bailiwick);
	return c != 0 ? c : strcmp(x->rec->rdata, y->rec->rdata);
}

static void bind_rrset_key(sqlite3_stmt *find, const void *key)
{
	const struct keyed_record *k = key;
	sqlite3_bind_text(find, 1, k->rev, k->rev_len, SQLITE_STATIC);
	sqlite3_bind_int(find, 2, k->rec->rrtype);
	sqlite3_bind_text(find, 3, k->rec->bailiwick, k->bailiwick_len, SQLITE_STATIC);
	sqlite3_bind_text(find, 4, k->rec->rdata, k->rdata_len, SQLITE_STATIC);
	sqlite3_bind_int64(find, 5, k->key_hash);
}

static dn_status put_one_rrset(struct sqlite_store *s, const struct keyed_record *k,
                               struct dn_error *err)
{
	const struct pdns_record *r = k->rec;
	char rdata_rev[PDNS_NAME_BUF];
	sqlite3_stmt *st = s->rrsets.insert;

	sqlite3_bind_text(st, 1, r->rrname, k->rrname_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->rev, k->rev_len, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->rrtype);
	sqlite3_bind_text(st, 4, r->bailiwick, k->bailiwick_len, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, r->rdata, k->rdata_len, SQLITE_STATIC);
	if (r->has_ip)
		sqlite3_bind_blob(st, 6, r->ip.b, 16, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 6);
	if (r->rdata_name != NULL) {
		pdns_name_reverse(r->rdata_name, rdata_rev, sizeof(rdata_rev));
		sqlite3_bind_text(st, 7, rdata_rev, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 7);
	}
	bind_times(st, 8, r->time_first, r->time_last, r->count);
	sqlite3_bind_int64(st, 11, r->source_id);

	/* key_hash stands for (bailiwick, rdata) in the unique key, which keeps
	 * the index small. Two records whose hashes collide under one name and
	 * type get the next free value. */
	struct contribution c = {r->source_id, r->time_first, r->time_last, r->count};
	struct keyed_record probe = *k;
	for (int attempt = 0; attempt < 64; attempt++) {
		probe.key_hash = (int64_t)(((uint64_t)k->key_hash + (uint64_t)attempt) & INT64_MAX);
		sqlite3_bind_int64(s->rrsets.insert, 12, probe.key_hash);
		bool collided;
		dn_status rc = sqlite_insert_or_merge(s, &s->rrsets, &c, bind_rrset_key, &probe,
		                                      &collided, err);
		if (rc != DN_OK || !collided)
			return rc;
	}
	return dn_fail(err, DN_ESTORE, "%s: storing %s %u %s: too many key hash collisions",
	               s->path, r->rrname, r->rrtype, r->rdata);
}

dn_status sqlite_put_rrsets(struct store *store, const struct pdns_record *recs, size_t n,
                            struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;

	/* Writing in key order keeps the B-tree pages being modified close
	 * together, so the unique index grows at a few places instead of
	 * everywhere. */
	size_t text = 0;
	for (size_t i = 0; i < n; i++)
		text += strlen(recs[i].rrname) + 2;  /* reversal adds at most a dot */
	struct keyed_record *order = malloc(n * sizeof(*order));
	char *revs = malloc(text);
	if (order == NULL || revs == NULL) {
		free(order);
		free(revs);
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu records", n);
	}
	char *next = revs;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(recs[i].rrname);
		pdns_name_reverse(recs[i].rrname, next, len + 2);
		order[i].rec = &recs[i];
		order[i].rev = next;
		order[i].rrname_len = (int)len;
		order[i].rev_len = (int)strlen(next);
		uint64_t prefix = 0;
		for (size_t b = 0; b < 8; b++)
			prefix = prefix << 8 |
			         (uint64_t)(b < (size_t)order[i].rev_len ? (uint8_t)next[b] : 0);
		order[i].prefix = prefix;
		order[i].bailiwick_len = (int)strlen(recs[i].bailiwick);
		order[i].rdata_len = (int)strlen(recs[i].rdata);
		uint64_t seed = XXH3_64bits(recs[i].bailiwick, (size_t)order[i].bailiwick_len);
		order[i].key_hash = (int64_t)(XXH3_64bits_withSeed(recs[i].rdata,
		                                                   (size_t)order[i].rdata_len, seed) >>
		                              1);
		next += len + 2;
	}
	qsort(order, n, sizeof(*order), compare_keyed);

	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = put_one_rrset(s, &order[i], err);
	free(order);
	free(revs);
	return rc;
}

struct negative_key {
	const struct pdns_negative *neg;
	const char *rev;
};

static int compare_negative(const void *a, const void *b)
{
	const struct negative_key *x = a;
	const struct negative_key *y = b;
	int c = strcmp(x->rev, y->rev);
	if (c != 0)
		return c;
	if (x->neg->qtype != y->neg->qtype)
		return x->neg->qtype < y->neg->qtype ? -1 : 1;
	if (x->neg->rcode != y->neg->rcode)
		return x->neg->rcode < y->neg->rcode ? -1 : 1;
	return strcmp(x->neg->bailiwick, y->neg->bailiwick);
}

static void bind_negative_key(sqlite3_stmt *find, const void *key)
{
	const struct negative_key *k = key;
	sqlite3_bind_text(find, 1, k->rev, -1, SQLITE_STATIC);
	sqlite3_bind_int(find, 2, k->neg->qtype);
	sqlite3_bind_int(find, 3, k->neg->rcode);
	sqlite3_bind_text(find, 4, k->neg->bailiwick, -1, SQLITE_STATIC);
}

static dn_status put_one_negative(struct sqlite_store *s, const struct negative_key *k,
                                  struct dn_error *err)
{
	const struct pdns_negative *r = k->neg;
	sqlite3_stmt *st = s->negatives.insert;
	sqlite3_bind_text(st, 1, r->qname, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, k->rev, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, r->qtype);
	sqlite3_bind_int(st, 4, r->rcode);
	sqlite3_bind_text(st, 5, r->bailiwick, -1, SQLITE_STATIC);
	bind_times(st, 6, r->time_first, r->time_last, r->count);
	sqlite3_bind_int64(st, 9, r->source_id);

	struct contribution c = {r->source_id, r->time_first, r->time_last, r->count};
	bool collided;
	dn_status rc =
		sqlite_insert_or_merge(s, &s->negatives, &c, bind_negative_key, k, &collided, err);
	if (rc == DN_OK && collided)
		return dn_fail(err, DN_ESTORE,
		               "%s: storing a negative answer for %s: the row that blocked the "
		               "insert is missing",
		               s->path, r->qname);
	return rc;
}

dn_status sqlite_put_negatives(struct store *store, const struct pdns_negative *recs, size_t n,
                               struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;

	/* In key order, for the reason given in sqlite_put_rrsets. */
	size_t text = 0;
	for (size_t i = 0; i < n; i++)
		text += strlen(recs[i].qname) + 2;
	struct negative_key *order = malloc(n * sizeof(*order));
	char *revs = malloc(text);
	if (order == NULL || revs == NULL) {
		free(order);
		free(revs);
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu negative answers", n);
	}
	char *next = revs;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(recs[i].qname);
		pdns_name_reverse(recs[i].qname, next, len + 2);
		order[i].neg = &recs[i];
		order[i].rev = next;
		next += len + 2;
	}
	qsort(order, n, sizeof(*order), compare_negative);

	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = put_one_negative(s, &order[i], err);
	free(order);
	free(revs);
	return rc;
}

dn_status sqlite_put_run(struct store *store, struct store_run *run, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	sqlite3_stmt *st;
	if (run->id == 0) {
		st = s->insert_run;
		sqlite3_bind_int64(st, 1, run->source_id);
		sqlite3_bind_text(st, 2, run->input, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, run->size);
		sqlite3_bind_int64(st, 4, run->mtime_ns);
		sqlite3_bind_int64(st, 5, run->started);
		sqlite3_bind_int64(st, 6, run->updated);
		sqlite3_bind_int(st, 7, run->finished);
		sqlite3_bind_int64(st, 8, (sqlite3_int64)run->packets);
		sqlite3_bind_int64(st, 9, (sqlite3_int64)run->messages);
		sqlite3_bind_int64(st, 10, (sqlite3_int64)run->records);
		sqlite3_bind_int64(st, 11, (sqlite3_int64)run->errors);
		sqlite3_bind_int64(st, 12, run->owner);
		dn_status rc = sqlite_step_done(s, st, "recording the ingest run", err);
		if (rc == DN_OK)
			run->id = sqlite3_last_insert_rowid(s->db);
		return rc;
	}
	st = s->update_run;
	sqlite3_bind_int64(st, 1, run->id);
	sqlite3_bind_int64(st, 2, run->updated);
	sqlite3_bind_int(st, 3, run->finished);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)run->packets);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)run->messages);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)run->records);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)run->errors);
	sqlite3_bind_int64(st, 8, run->owner);
	return sqlite_step_done(s, st, "updating the ingest run", err);
}

dn_status sqlite_find_run(struct store *store, const char *input, struct store_run *run,
                          bool *found, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	/* A store opened for reading has none of the write statements, but
	 * looking up runs is a read. */
	if (s->find_run == NULL && sqlite3_prepare_v3(s->db, sql_find_run, -1,
	                                              SQLITE_PREPARE_PERSISTENT, &s->find_run,
	                                              NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the run lookup");
	sqlite3_stmt *st = s->find_run;
	sqlite3_bind_text(st, 1, input, -1, SQLITE_TRANSIENT);
	int rc = sqlite3_step(st);
	*found = rc == SQLITE_ROW;
	if (*found) {
		memset(run, 0, sizeof(*run));
		run->id = sqlite3_column_int64(st, 0);
		run->source_id = (uint32_t)sqlite3_column_int64(st, 1);
		run->input = input;
		run->started = sqlite3_column_int64(st, 2);
		run->updated = sqlite3_column_int64(st, 3);
		run->finished = sqlite3_column_int(st, 4) != 0;
		run->packets = (uint64_t)sqlite3_column_int64(st, 5);
		run->messages = (uint64_t)sqlite3_column_int64(st, 6);
		run->records = (uint64_t)sqlite3_column_int64(st, 7);
		run->errors = (uint64_t)sqlite3_column_int64(st, 8);
		run->size = sqlite3_column_int64(st, 9);
		run->mtime_ns = sqlite3_column_int64(st, 10);
		run->owner = sqlite3_column_int64(st, 11);
		const unsigned char *name = sqlite3_column_text(st, 12);
		snprintf(s->found_source, sizeof(s->found_source), "%s",
		         name != NULL ? (const char *)name : "");
		run->source = s->found_source;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite_fail(s, err, "looking up earlier runs");
	return DN_OK;
}
