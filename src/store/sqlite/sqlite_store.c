/* The embedded SQLite backend of the store interface. */
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_asn.h"
#include "store/sqlite/sqlite_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "pdns/name.h"
#include "util/log.h"

static const struct store_ops sqlite_ops;

dn_status sqlite_fail(struct sqlite_store *s, struct dn_error *err, const char *what)
{
	return dn_fail(err, DN_ESTORE, "%s: %s failed: %s", s->path, what, sqlite3_errmsg(s->db));
}

/* How long to wait for another process's lock before giving up. */
#define BUSY_WAIT_MS 30000

static dn_status exec_sql(struct sqlite_store *s, const char *sql, struct dn_error *err)
{
	char *errmsg = NULL;
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, &errmsg);
	/* Switching a new file to WAL needs it to itself, and SQLite fails at
	 * once rather than wait when another process opens it meanwhile. */
	for (int waited = 0; (rc & 0xff) == SQLITE_BUSY && waited < BUSY_WAIT_MS; waited += 20) {
		sqlite3_free(errmsg);
		errmsg = NULL;
		sqlite3_sleep(20);
		rc = sqlite3_exec(s->db, sql, NULL, NULL, &errmsg);
	}
	if (rc == SQLITE_OK)
		return DN_OK;
	dn_fail(err, DN_ESTORE, "%s: '%s' failed: %s", s->path, sql,
	        errmsg != NULL ? errmsg : sqlite3_errmsg(s->db));
	sqlite3_free(errmsg);
	return DN_ESTORE;
}

/* ---- Opening and closing ---- */

static dn_status make_parent_dirs(const char *path, struct dn_error *err)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", path); /* no longer than the store's path */
	for (char *p = dir + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST)
			return dn_fail(err, DN_ESTORE, "cannot create directory %s: %s", dir,
			               strerror(errno));
		*p = '/';
	}
	return DN_OK;
}

/* SQL function dragnet_reverse(name): labels in reverse order. Registered on
 * each connection for queries only; the schema never refers to it, so other
 * SQLite tools can still read and write the file. */
static void sql_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	const char *name = (const char *)sqlite3_value_text(argv[0]);
	if (name == NULL) {
		sqlite3_result_null(ctx);
		return;
	}
	size_t size = strlen(name) + 2;
	char *out = sqlite3_malloc64(size);
	if (out == NULL) {
		sqlite3_result_error_nomem(ctx);
		return;
	}
	pdns_name_reverse(name, out, size);
	sqlite3_result_text(ctx, out, -1, sqlite3_free);
}

static dn_status configure(struct sqlite_store *s, const struct store_options *options,
                           enum store_mode mode, struct dn_error *err)
{
	sqlite3_busy_timeout(s->db, BUSY_WAIT_MS);
	sqlite3_extended_result_codes(s->db, 1);

	/* WAL lets queries run while an ingest writes. synchronous=NORMAL keeps
	 * every committed batch across a crash of the process; only a power
	 * loss can roll back the last few commits, and never corrupts. A
	 * reader finds the mode already set in the file. */
	dn_status rc = DN_OK;
	if (mode == STORE_WRITE) {
		/* 16 KiB pages: measured faster for ingest than the 4 KiB default
		 * and than 8 or 32 KiB (docs/benchmarks.md). It applies to new
		 * files only, before their first table exists. */
		rc = exec_sql(s, "PRAGMA page_size = 16384", err);
		if (rc == DN_OK)
			rc = exec_sql(s, "PRAGMA journal_mode = WAL", err);
		if (rc == DN_OK)
			rc = exec_sql(s, "PRAGMA synchronous = NORMAL", err);
	}
	if (rc == DN_OK)
		rc = exec_sql(s, "PRAGMA temp_store = MEMORY", err);
	if (rc != DN_OK)
		return rc;

	size_t cache = options->cache_bytes > 0 ? options->cache_bytes : 64u << 20;
	char sql[64];
	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%zu", cache / 1024);
	if ((rc = exec_sql(s, sql, err)) != DN_OK)
		return rc;

	if (sqlite3_create_function(s->db, "dragnet_reverse", 1,
	                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
	                            sql_reverse, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "registering dragnet_reverse()");
	if (sqlite_asn_register(s->db) != SQLITE_OK)
		return sqlite_fail(s, err, "registering dragnet_asn_bin()");
	return DN_OK;
}

static dn_status open_read_write(struct sqlite_store *s, struct dn_error *err)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(s->path, &s->db, flags, NULL) == SQLITE_OK)
		return DN_OK;
	dn_fail(err, DN_ESTORE, "cannot open database %s: %s", s->path,
	        s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_close(s->db);
	return DN_ESTORE;
}

/* Append path to uri with the characters that URIs reserve escaped. */
static void uri_append_path(char *uri, size_t size, const char *path)
{
	size_t len = strlen(uri);
	for (const char *p = path; *p != '\0' && len + 4 < size; p++) {
		if (*p == '?' || *p == '#' || *p == '%')
			len += (size_t)snprintf(uri + len, size - len, "%%%02X", (unsigned char)*p);
		else
			uri[len++] = *p;
	}
	uri[len] = '\0';
}

/* Open for lookups without writing anything. A database in WAL mode needs
 * its -shm file, which a reader cannot create in a read-only folder (an
 * evidence copy, say). Such a file is then opened as immutable, which is
 * safe as long as nothing writes to it meanwhile. */
static dn_status open_read_only(struct sqlite_store *s, struct dn_error *err)
{
	int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	if (sqlite3_open_v2(s->path, &s->db, flags, NULL) == SQLITE_OK &&
	    sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) ==
	            SQLITE_OK)
		return DN_OK;
	sqlite3_close(s->db);
	s->db = NULL;

	char uri[sizeof(s->path) * 3 + 32] = "file:";
	uri_append_path(uri, sizeof(uri), s->path);
	snprintf(uri + strlen(uri), sizeof(uri) - strlen(uri), "?immutable=1");
	if (sqlite3_open_v2(uri, &s->db, flags | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
	    sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) ==
	            SQLITE_OK) {
		log_debug("%s: opened as immutable (read-only folder or WAL files)", s->path);
		return DN_OK;
	}
	dn_fail(err, DN_ESTORE, "cannot read database %s: %s", s->path,
	        s->db != NULL ? sqlite3_errmsg(s->db) : "out of memory");
	sqlite3_close(s->db);
	return DN_ESTORE;
}

dn_status sqlite_store_open(const char *path, enum store_mode mode,
                            const struct store_options *options, struct store **out,
                            struct dn_error *err)
{
	*out = NULL;
	/* SQLite would open "" as a private temporary database. */
	if (path[0] == '\0')
		return dn_fail(err, DN_EINVAL, "empty database path; give a file path after sqlite:");
	if (strlen(path) >= sizeof(((struct sqlite_store *)0)->path))
		return dn_fail(err, DN_EINVAL, "database path too long: %.80s...", path);

	struct stat st;
	bool exists = stat(path, &st) == 0;
	if (!exists && mode == STORE_READ)
		return dn_fail(err, DN_ENOENT,
		               "no database at %s; ingest data first (dragnet ingest FILE) or "
		               "choose one with --db or DRAGNET_DB",
		               path);
	if (exists && S_ISDIR(st.st_mode))
		return dn_fail(err, DN_ESTORE,
		               "%s is a directory; give the path of a database file in it, such as "
		               "%s/dragnet.db",
		               path, path);
	if (!exists) {
		dn_status rc = make_parent_dirs(path, err);
		if (rc != DN_OK)
			return rc;
	}

	struct sqlite_store *s = calloc(1, sizeof(*s));
	if (s == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory opening %s", path);
	s->base.ops = &sqlite_ops;
	snprintf(s->path, sizeof(s->path), "%s", path);

	/* Memory statistics cost a global mutex on every allocation; nothing
	 * reads them. This must precede the first sqlite3_open_v2(). */
	static bool configured;
	if (!configured) {
		sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
		configured = true;
	}

	dn_status rc = mode == STORE_WRITE ? open_read_write(s, err) : open_read_only(s, err);
	if (rc != DN_OK) {
		free(s);
		return rc;
	}

	rc = configure(s, options, mode, err);
	if (rc == DN_OK && mode == STORE_WRITE)
		rc = sqlite_schema_migrate(s->db, path, err);
	else if (rc == DN_OK)
		rc = sqlite_schema_check(s->db, path, err);
	if (rc == DN_OK)
		s->schema_version = sqlite_schema_version(s->db);
	if (rc == DN_OK && mode == STORE_WRITE)
		rc = sqlite_write_prepare(s, err);
	if (rc == DN_OK && mode == STORE_WRITE)
		rc = sqlite_whois_prepare(s, err);
	if (rc == DN_OK && mode == STORE_WRITE)
		rc = sqlite_cert_prepare(s, err);
	if (rc != DN_OK) {
		s->base.ops->close(&s->base);
		return rc;
	}
	*out = &s->base;
	return DN_OK;
}

static void forget_deferred(struct sqlite_store *s)
{
	for (size_t i = 0; i < s->ndeferred; i++)
		sqlite3_free(s->deferred_indexes[i]);
	s->ndeferred = 0;
}

static void sqlite_close(struct store *store)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (s->in_batch)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	forget_deferred(s);
	sqlite_write_finalize(s);
	sqlite_whois_finalize(s);
	sqlite_cert_finalize(s);
	sqlite_stmt_cache_free(s);
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_warn("%s: closing the database failed: %s", s->path, sqlite3_errmsg(s->db));
	free(s);
}

/* ---- Sources and transactions ---- */

static dn_status sqlite_source_id(struct store *store, const char *name, const char *kind,
                                  uint32_t *id, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	sqlite3_stmt *stmt;
	const char *sql = "INSERT INTO source (name, kind, created) VALUES (?1, ?2, unixepoch()) "
	                  "ON CONFLICT (name) DO UPDATE SET kind = kind RETURNING id";
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the source lookup");
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, kind, -1, SQLITE_STATIC);
	dn_status rc = DN_OK;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*id = (uint32_t)sqlite3_column_int64(stmt, 0);
	else
		rc = sqlite_fail(s, err, "registering the source");
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * A batch that starts on an empty rrset table drops the table's secondary
 * indexes and creates them again just before its commit. SQLite then sorts
 * each index once and writes its pages in order, in place of one insert at
 * a random place per record: the first ingest into a new store runs about
 * 15% faster (docs/benchmarks.md). All of it happens inside the batch's
 * transaction, so readers, and a store whose ingest was killed, never see
 * the table without its indexes. Unique indexes stay, as the merge needs
 * them.
 */
static dn_status defer_indexes(struct sqlite_store *s, struct dn_error *err)
{
	static const char sql[] = "SELECT s.sql FROM pragma_index_list('rrset') AS i "
	                          "JOIN sqlite_schema AS s ON s.name = i.name "
	                          "WHERE i.\"unique\" = 0 AND s.sql IS NOT NULL "
	                          "AND NOT EXISTS (SELECT 1 FROM rrset)";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "listing the indexes of an empty table");
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       s->ndeferred < sizeof(s->deferred_indexes) / sizeof(s->deferred_indexes[0])) {
		char *create = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 0));
		if (create == NULL) {
			sqlite3_finalize(st);
			return dn_fail(err, DN_ENOMEM, "out of memory listing indexes");
		}
		s->deferred_indexes[s->ndeferred++] = create;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sqlite_fail(s, err, "listing the indexes of an empty table");

	for (size_t i = 0; i < s->ndeferred; i++) {
		/* "CREATE INDEX name ON ..." names the index as its third word. */
		char name[128];
		if (sscanf(s->deferred_indexes[i], "CREATE INDEX %127s", name) != 1)
			return dn_fail(err, DN_ESTORE, "%s: cannot read the index definition '%s'",
			               s->path, s->deferred_indexes[i]);
		char drop[160];
		snprintf(drop, sizeof(drop), "DROP INDEX %s", name);
		dn_status status = exec_sql(s, drop, err);
		if (status != DN_OK)
			return status;
	}
	return DN_OK;
}

static dn_status sqlite_begin(struct store *store, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	dn_status rc = exec_sql(s, "BEGIN IMMEDIATE", err);
	if (rc != DN_OK)
		return rc;
	s->in_batch = true;
	if ((rc = defer_indexes(s, err)) != DN_OK)
		store->ops->rollback(store);
	return rc;
}

static dn_status sqlite_commit(struct store *store, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	dn_status rc = DN_OK;
	for (size_t i = 0; i < s->ndeferred && rc == DN_OK; i++)
		rc = exec_sql(s, s->deferred_indexes[i], err);
	if (rc == DN_OK)
		rc = exec_sql(s, "COMMIT", err);
	if (rc == DN_OK) {
		s->in_batch = false;
		forget_deferred(s);
		sqlite_bulk_batch_ended(s, true);
	}
	return rc;
}

static void sqlite_rollback(struct store *store)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (s->in_batch)
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	s->in_batch = false;
	forget_deferred(s);
	sqlite_bulk_batch_ended(s, false);
}

/* ---- Statistics ---- */

/* Figures for stats; the first failure stops the rest and is reported,
 * rather than shown as zeros. */
struct stats_run {
	struct sqlite_store *s;
	struct dn_error *err;
	dn_status rc;
};

static bool stats_prepare(struct stats_run *r, const char *sql, sqlite3_stmt **stmt)
{
	if (r->rc != DN_OK)
		return false;
	if (sqlite3_prepare_v2(r->s->db, sql, -1, stmt, NULL) == SQLITE_OK)
		return true;
	r->rc = sqlite_fail(r->s, r->err, "reading statistics");
	return false;
}

static void stats_done(struct stats_run *r, sqlite3_stmt *stmt, int last)
{
	if (last != SQLITE_DONE && r->rc == DN_OK)
		r->rc = sqlite_fail(r->s, r->err, "reading statistics");
	sqlite3_finalize(stmt);
}

/* The single value sql returns, or fallback when it is NULL. */
static int64_t query_int(struct stats_run *r, const char *sql, int64_t fallback)
{
	sqlite3_stmt *stmt;
	int64_t value = fallback;
	if (!stats_prepare(r, sql, &stmt))
		return fallback;
	int rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		if (sqlite3_column_type(stmt, 0) != SQLITE_NULL)
			value = sqlite3_column_int64(stmt, 0);
		rc = sqlite3_step(stmt);
	}
	stats_done(r, stmt, rc);
	return value;
}

static uint64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
}

static void collect_types(struct stats_run *r, struct store_stats *st)
{
	sqlite3_stmt *stmt;
	const char *sql = "SELECT rrtype, count(*) AS n FROM rrset GROUP BY rrtype "
	                  "ORDER BY n DESC, rrtype LIMIT 64";
	if (!stats_prepare(r, sql, &stmt))
		return;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && st->ntypes < 64) {
		st->types[st->ntypes].rrtype = (uint16_t)sqlite3_column_int(stmt, 0);
		st->types[st->ntypes].rrsets = (uint64_t)sqlite3_column_int64(stmt, 1);
		st->ntypes++;
	}
	stats_done(r, stmt, rc);
}

static int64_t column_time(sqlite3_stmt *stmt, int column)
{
	return sqlite3_column_type(stmt, column) == SQLITE_NULL
	               ? PDNS_TIME_UNSET
	               : sqlite3_column_int64(stmt, column);
}

static void collect_sources(struct stats_run *r, struct store_stats *st)
{
	sqlite3_stmt *stmt;
	const char *sql = "SELECT name, kind, count(rrset_id), min(time_first), max(time_last) "
	                  "FROM source LEFT JOIN rrset_by_source ON source_id = source.id "
	                  "GROUP BY source.id ORDER BY count(rrset_id) DESC, name LIMIT 64";
	if (!stats_prepare(r, sql, &stmt))
		return;
	int rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && st->nsources < 64) {
		struct store_source_stats *src = &st->sources[st->nsources++];
		snprintf(src->name, sizeof(src->name), "%s", sqlite3_column_text(stmt, 0));
		snprintf(src->kind, sizeof(src->kind), "%s", sqlite3_column_text(stmt, 1));
		src->rrsets = (uint64_t)sqlite3_column_int64(stmt, 2);
		src->time_first = column_time(stmt, 3);
		src->time_last = column_time(stmt, 4);
	}
	stats_done(r, stmt, rc);
	st->sources_total = (size_t)query_int(r, "SELECT count(*) FROM source", 0);
}

static dn_status sqlite_stats(struct store *store, struct store_stats *st, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	memset(st, 0, sizeof(*st));
	snprintf(st->backend, sizeof(st->backend), "sqlite %s", sqlite3_libversion());
	snprintf(st->location, sizeof(st->location), "%s", s->path);

	/* A read transaction gives every figure from one snapshot. */
	dn_status rc = exec_sql(s, "BEGIN", err);
	if (rc != DN_OK)
		return rc;
	struct stats_run r = {s, err, DN_OK};
	st->schema_version = sqlite_schema_version(s->db);
	char wal[1100];
	snprintf(wal, sizeof(wal), "%s-wal", s->path);
	st->size_bytes = file_size(s->path) + file_size(wal);
	st->rrsets = (uint64_t)query_int(&r, "SELECT count(*) FROM rrset", 0);
	st->rrnames = (uint64_t)query_int(&r, "SELECT count(DISTINCT rrname) FROM rrset", 0);
	st->observations = (uint64_t)query_int(&r, "SELECT sum(count) FROM rrset", 0);
	st->negatives = (uint64_t)query_int(&r, "SELECT count(*) FROM negative", 0);
	st->time_first = query_int(&r, "SELECT min(time_first) FROM rrset", PDNS_TIME_UNSET);
	st->time_last = query_int(&r, "SELECT max(time_last) FROM rrset", PDNS_TIME_UNSET);
	st->runs = (uint64_t)query_int(&r, "SELECT count(*) FROM run", 0);
	st->runs_unfinished =
	        (uint64_t)query_int(&r, "SELECT count(*) FROM run WHERE NOT finished", 0);
	/* Stores older than schema version 3 have no certificate tables. */
	if (st->schema_version >= 3) {
		st->certs =
		        (uint64_t)query_int(&r, "SELECT count(*) FROM cert WHERE NOT partial", 0);
		st->certs_partial =
		        (uint64_t)query_int(&r, "SELECT count(*) FROM cert WHERE partial", 0);
		st->cert_sightings =
		        (uint64_t)query_int(&r, "SELECT count(*) FROM cert_sighting", 0);
	}
	collect_types(&r, st);
	collect_sources(&r, st);
	if (r.rc != DN_OK) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		return r.rc;
	}
	return exec_sql(s, "COMMIT", err);
}

/* ---- Health ---- */

/* The one node is the file. Opening it already checked that it is a
 * dragnet database this build reads, so the node is ok. The version is
 * read again for the report. */
static dn_status sqlite_status(struct store *store, struct store_status *st,
                               struct dn_error *err)
{
	(void)err;
	struct sqlite_store *s = (struct sqlite_store *)store;
	memset(st, 0, sizeof(*st));
	snprintf(st->backend, sizeof(st->backend), "sqlite");
	snprintf(st->location, sizeof(st->location), "%s", s->path);
	st->schema_version = sqlite_schema_version(s->db);
	st->schema_expected = SQLITE_SCHEMA_VERSION;

	struct store_node_status *node = &st->nodes[st->nnodes++];
	/* A path longer than the field is cut, but location contains all of it. */
	snprintf(node->name, sizeof(node->name), "%.*s", (int)sizeof(node->name) - 1, s->path);
	snprintf(node->role, sizeof(node->role), "file");
	node->ok = true;
	snprintf(node->message, sizeof(node->message), "SQLite %s", sqlite3_libversion());
	return DN_OK;
}

/* A SQLite store answers from one file, so every answer is complete. */
static const char *sqlite_query_note(struct store *store)
{
	(void)store;
	return NULL;
}

/* Virtual machine steps between checks of the deadline: a clock read per
 * 1000 steps costs little next to the steps themselves. */
#define DEADLINE_CHECK_STEPS 1000

static int check_deadline(void *arg)
{
	struct sqlite_store *s = arg;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
	if (now_ns < s->deadline_ns)
		return 0;
	s->deadline_hit = true;
	return 1; /* the running statement fails with SQLITE_INTERRUPT */
}

static bool sqlite_set_deadline(struct store *store, int64_t deadline_ns)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	bool hit = s->deadline_hit;
	s->deadline_ns = deadline_ns;
	s->deadline_hit = false;
	if (deadline_ns > 0)
		sqlite3_progress_handler(s->db, DEADLINE_CHECK_STEPS, check_deadline, s);
	else
		sqlite3_progress_handler(s->db, 0, NULL, NULL);
	return hit;
}

static const struct store_ops sqlite_ops = {
        .name = "sqlite",
        .close = sqlite_close,
        .source_id = sqlite_source_id,
        .begin = sqlite_begin,
        .put_rrsets = sqlite_put_rrsets,
        .put_negatives = sqlite_put_negatives,
        .put_run = sqlite_put_run,
        .find_run = sqlite_find_run,
        .commit = sqlite_commit,
        .rollback = sqlite_rollback,
        .query_rrsets = sqlite_query_rrsets,
        .query_negatives = sqlite_query_negatives,
        .stats = sqlite_stats,
        .query_note = sqlite_query_note,
        .set_deadline = sqlite_set_deadline,
        .status = sqlite_status,
        .dump_rrsets = sqlite_dump_rrsets,
        .dump_negatives = sqlite_dump_negatives,
        .list_sources = sqlite_list_sources,
        .list_runs = sqlite_list_runs,
        .put_whois = sqlite_put_whois,
        .put_whois_values = sqlite_put_whois_values,
        .query_whois = sqlite_query_whois,
        .query_whois_values = sqlite_query_whois_values,
        .count_whois_value = sqlite_count_whois_value,
        .dump_whois_values = sqlite_dump_whois_values,
        .dump_whois = sqlite_dump_whois,
        .put_certs = sqlite_put_certs,
        .put_cert_names = sqlite_put_cert_names,
        .put_cert_sightings = sqlite_put_cert_sightings,
        .query_certs = sqlite_query_certs,
        .query_cert_sightings = sqlite_query_cert_sightings,
        .group_cert_names = sqlite_group_cert_names,
        .dump_certs = sqlite_dump_certs,
        .dump_cert_names = sqlite_dump_cert_names,
        .dump_cert_sightings = sqlite_dump_cert_sightings,
        .put_asn_ranges = sqlite_put_asn_ranges,
        .put_asn_load = sqlite_put_asn_load,
        .query_asn_ranges = sqlite_query_asn_ranges,
        .list_asn_loads = sqlite_list_asn_loads,
        .query_asn_at = sqlite_query_asn_at,
};
