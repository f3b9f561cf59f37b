/* Reading a whole SQLite store back out, for copying it: records and negative
 * answers per source, sources and runs. */
#include <stdio.h>
#include <string.h>

#include "pdns/name.h"
#include "store/sqlite/sqlite_internal.h"

/*
 * A record seen by one source keeps that source in rrset.source_id and has
 * no row in rrset_source; a record seen by several has source_id NULL and
 * one rrset_source row per source (schema.c). The two statements below
 * return each (record, source) pair once, with the figures of that source.
 * Both select the same columns in the same order, so one row reader serves
 * both.
 */
static const char sql_dump_rrsets_single[] =
	"SELECT rrname, rrtype, bailiwick, rdata, rdata_ip, rdata_name_rev, source_id, "
	"time_first, time_last, count FROM rrset WHERE source_id IS NOT NULL";
static const char sql_dump_rrsets_shared[] =
	"SELECT r.rrname, r.rrtype, r.bailiwick, r.rdata, r.rdata_ip, r.rdata_name_rev, "
	"s.source_id, s.time_first, s.time_last, s.count "
	"FROM rrset_source AS s JOIN rrset AS r ON r.id = s.rrset_id";

static const char sql_dump_negatives_single[] =
	"SELECT qname, qtype, rcode, bailiwick, source_id, time_first, time_last, count "
	"FROM negative WHERE source_id IS NOT NULL";
static const char sql_dump_negatives_shared[] =
	"SELECT n.qname, n.qtype, n.rcode, n.bailiwick, s.source_id, s.time_first, "
	"s.time_last, s.count "
	"FROM negative_source AS s JOIN negative AS n ON n.id = s.negative_id";

static const char sql_list_sources[] = "SELECT id, name, kind FROM source ORDER BY id";

/* Run ids grow with each insert, so id order is the order the runs were
 * recorded in, which is also the order find_run relies on. */
static const char sql_list_runs[] =
	"SELECT run.id, run.source_id, input, size, mtime_ns, owner, started, updated, finished, "
	"packets, messages, records, errors, coalesce(source.name, '') "
	"FROM run LEFT JOIN source ON source.id = run.source_id ORDER BY run.id";

/* The caller's callback, of whichever kind the statement returns. */
struct dump_callback {
	store_record_fn record;
	store_negative_fn negative;
	store_source_fn source;
	store_run_fn run;
	void *ctx;
};

/* Turn one result row into a call of cb; returns the callback's status or
 * DN_ESTORE for a damaged row. */
typedef dn_status (*row_fn)(struct sqlite_store *s, sqlite3_stmt *stmt,
                            const struct dump_callback *cb, struct dn_error *err);

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	const unsigned char *text = sqlite3_column_text(stmt, column);
	return text != NULL ? (const char *)text : "";
}

/* Call row() for each row of sql until a call returns other than DN_OK;
 * that status, or DN_ESTORE with err filled in, is returned. */
static dn_status each_row(struct sqlite_store *s, const char *sql, row_fn row,
                          const struct dump_callback *cb, const char *what,
                          struct dn_error *err)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, what);
	dn_status rc = DN_OK;
	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		rc = row(s, stmt, cb, err);
		if (rc != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, what);
	sqlite3_finalize(stmt);
	return rc;
}

/* Run the statements one after the other inside one read transaction, so
 * that they see one snapshot even while an ingest writes. Inside an open
 * batch they see that batch, as every other read does. */
static dn_status each_row_snapshot(struct sqlite_store *s, const char *const *sqls, size_t n,
                                   row_fn row, const struct dump_callback *cb,
                                   const char *what, struct dn_error *err)
{
	bool own = !s->in_batch;
	if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, what);
	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = each_row(s, sqls[i], row, cb, what, err);
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}

static dn_status rrset_row(struct sqlite_store *s, sqlite3_stmt *stmt,
                           const struct dump_callback *cb, struct dn_error *err)
{
	struct pdns_record rec = {
		.rrname = column_text(stmt, 0),
		.rrtype = (uint16_t)sqlite3_column_int(stmt, 1),
		.bailiwick = column_text(stmt, 2),
		.rdata = column_text(stmt, 3),
		.source_id = (uint32_t)sqlite3_column_int64(stmt, 6),
		.time_first = sqlite3_column_int64(stmt, 7),
		.time_last = sqlite3_column_int64(stmt, 8),
		.count = (uint64_t)sqlite3_column_int64(stmt, 9),
	};

	if (sqlite3_column_type(stmt, 4) != SQLITE_NULL) {
		if (sqlite3_column_bytes(stmt, 4) != (int)sizeof(rec.ip.b))
			return dn_fail(err, DN_ESTORE,
			               "%s: the rdata_ip of %s %u %s is %d bytes long, not 16; the "
			               "database is damaged",
			               s->path, rec.rrname, rec.rrtype, rec.rdata,
			               sqlite3_column_bytes(stmt, 4));
		memcpy(rec.ip.b, sqlite3_column_blob(stmt, 4), sizeof(rec.ip.b));
		rec.has_ip = true;
	}

	/* pdns_name_reverse() is its own inverse on names that end in a dot,
	 * which every stored name does, so reversing the stored key gives the
	 * target name the writer was given. */
	char rdata_name[PDNS_NAME_BUF];
	if (sqlite3_column_type(stmt, 5) != SQLITE_NULL) {
		const char *rev = column_text(stmt, 5);
		if (strlen(rev) + 2 > sizeof(rdata_name))
			return dn_fail(err, DN_ESTORE,
			               "%s: the rdata_name_rev of %s %u is longer than a domain name; "
			               "the database is damaged",
			               s->path, rec.rrname, rec.rrtype);
		pdns_name_reverse(rev, rdata_name, sizeof(rdata_name));
		rec.rdata_name = rdata_name;
	}
	return cb->record(&rec, cb->ctx);
}

static dn_status negative_row(struct sqlite_store *s, sqlite3_stmt *stmt,
                              const struct dump_callback *cb, struct dn_error *err)
{
	(void)s;
	(void)err;
	struct pdns_negative neg = {
		.qname = column_text(stmt, 0),
		.qtype = (uint16_t)sqlite3_column_int(stmt, 1),
		.rcode = (uint16_t)sqlite3_column_int(stmt, 2),
		.bailiwick = column_text(stmt, 3),
		.source_id = (uint32_t)sqlite3_column_int64(stmt, 4),
		.time_first = sqlite3_column_int64(stmt, 5),
		.time_last = sqlite3_column_int64(stmt, 6),
		.count = (uint64_t)sqlite3_column_int64(stmt, 7),
	};
	return cb->negative(&neg, cb->ctx);
}

static dn_status source_row(struct sqlite_store *s, sqlite3_stmt *stmt,
                            const struct dump_callback *cb, struct dn_error *err)
{
	(void)s;
	(void)err;
	return cb->source((uint32_t)sqlite3_column_int64(stmt, 0), column_text(stmt, 1),
	                  column_text(stmt, 2), cb->ctx);
}

static dn_status run_row(struct sqlite_store *s, sqlite3_stmt *stmt,
                         const struct dump_callback *cb, struct dn_error *err)
{
	(void)s;
	(void)err;
	struct store_run run = {
		.id = sqlite3_column_int64(stmt, 0),
		.source_id = (uint32_t)sqlite3_column_int64(stmt, 1),
		.input = column_text(stmt, 2),
		.size = sqlite3_column_int64(stmt, 3),
		.mtime_ns = sqlite3_column_int64(stmt, 4),
		.owner = sqlite3_column_int64(stmt, 5),
		.started = sqlite3_column_int64(stmt, 6),
		.updated = sqlite3_column_int64(stmt, 7),
		.finished = sqlite3_column_int(stmt, 8) != 0,
		.packets = (uint64_t)sqlite3_column_int64(stmt, 9),
		.messages = (uint64_t)sqlite3_column_int64(stmt, 10),
		.records = (uint64_t)sqlite3_column_int64(stmt, 11),
		.errors = (uint64_t)sqlite3_column_int64(stmt, 12),
		.source = column_text(stmt, 13),
	};
	return cb->run(&run, cb->ctx);
}

dn_status sqlite_dump_rrsets(struct store *store, store_record_fn fn, void *ctx,
                             struct dn_error *err)
{
	static const char *const sqls[] = {sql_dump_rrsets_single, sql_dump_rrsets_shared};
	struct dump_callback cb = {.record = fn, .ctx = ctx};
	return each_row_snapshot((struct sqlite_store *)store, sqls, 2, rrset_row, &cb,
	                         "reading every record", err);
}

dn_status sqlite_dump_negatives(struct store *store, store_negative_fn fn, void *ctx,
                                struct dn_error *err)
{
	static const char *const sqls[] = {sql_dump_negatives_single, sql_dump_negatives_shared};
	struct dump_callback cb = {.negative = fn, .ctx = ctx};
	return each_row_snapshot((struct sqlite_store *)store, sqls, 2, negative_row, &cb,
	                         "reading every negative answer", err);
}

dn_status sqlite_list_sources(struct store *store, store_source_fn fn, void *ctx,
                              struct dn_error *err)
{
	static const char *const sqls[] = {sql_list_sources};
	struct dump_callback cb = {.source = fn, .ctx = ctx};
	return each_row_snapshot((struct sqlite_store *)store, sqls, 1, source_row, &cb,
	                         "listing the sources", err);
}

dn_status sqlite_list_runs(struct store *store, store_run_fn fn, void *ctx,
                           struct dn_error *err)
{
	static const char *const sqls[] = {sql_list_runs};
	struct dump_callback cb = {.run = fn, .ctx = ctx};
	return each_row_snapshot((struct sqlite_store *)store, sqls, 1, run_row, &cb,
	                         "listing the runs", err);
}
