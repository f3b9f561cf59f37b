/* IP-to-ASN ranges in the SQLite store (schema version 4, schema.c). Each
 * range row carries the id of its load; recording a load deletes the rows
 * of the source's other loads in the same transaction. */
#include "store/sqlite/sqlite_asn.h"

#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"

#define ASN_SCHEMA_VERSION 4

static bool has_asn_tables(const struct sqlite_store *s)
{
	return s->schema_version >= ASN_SCHEMA_VERSION;
}

static dn_status check_batch(struct sqlite_store *s, const char *what, struct dn_error *err)
{
	if (!s->in_batch)
		return dn_fail(err, DN_EINVAL, "%s: %s outside a batch (call begin first)", s->path,
		               what);
	if (!has_asn_tables(s))
		return dn_fail(err, DN_EINVAL, "%s: the store was opened for reading", s->path);
	return DN_OK;
}

static void bind_text_or_null(sqlite3_stmt *stmt, int column, const char *text)
{
	if (text != NULL)
		sqlite3_bind_text(stmt, column, text, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(stmt, column);
}

dn_status sqlite_put_asn_ranges(struct store *store, const struct store_asn_load *load,
                                const struct asn_range *ranges, size_t n, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	dn_status rc = check_batch(s, "writing ASN ranges", err);
	if (rc != DN_OK || n == 0)
		return rc;

	/* The same range twice in one load keeps the later row. */
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO asn_range (source_id, load_id, lo, hi, asn, "
	                       "country, origins, as_org, isp, organization) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN range insert");
	for (size_t i = 0; i < n && rc == DN_OK; i++) {
		const struct asn_range *r = &ranges[i];
		sqlite3_bind_int64(stmt, 1, load->source_id);
		sqlite3_bind_int64(stmt, 2, load->id);
		sqlite3_bind_blob(stmt, 3, r->lo.b, 16, SQLITE_STATIC);
		sqlite3_bind_blob(stmt, 4, r->hi.b, 16, SQLITE_STATIC);
		sqlite3_bind_int64(stmt, 5, r->asn);
		sqlite3_bind_text(stmt, 6, r->country, -1, SQLITE_STATIC);
		bind_text_or_null(stmt, 7, r->origins);
		bind_text_or_null(stmt, 8, r->as_org);
		bind_text_or_null(stmt, 9, r->isp);
		bind_text_or_null(stmt, 10, r->organization);
		rc = sqlite_step_done(s, stmt, "inserting an ASN range", err);
	}
	sqlite3_finalize(stmt);
	return rc;
}

dn_status sqlite_put_asn_load(struct store *store, const struct store_asn_load *load,
                              struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	dn_status rc = check_batch(s, "recording an ASN load", err);
	if (rc != DN_OK)
		return rc;

	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "DELETE FROM asn_range WHERE source_id = ?1 AND load_id != ?2",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the removal of older ASN ranges");
	sqlite3_bind_int64(stmt, 1, load->source_id);
	sqlite3_bind_int64(stmt, 2, load->id);
	rc = sqlite_step_done(s, stmt, "removing older ASN ranges", err);
	sqlite3_finalize(stmt);
	if (rc != DN_OK)
		return rc;

	if (sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO asn_load (source_id, id, loaded, format, "
	                       "input, ranges) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN load record");
	sqlite3_bind_int64(stmt, 1, load->source_id);
	sqlite3_bind_int64(stmt, 2, load->id);
	sqlite3_bind_int64(stmt, 3, load->loaded);
	sqlite3_bind_text(stmt, 4, load->format != NULL ? load->format : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(stmt, 5, load->input != NULL ? load->input : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 6, (sqlite3_int64)load->ranges);
	rc = sqlite_step_done(s, stmt, "recording an ASN load", err);
	sqlite3_finalize(stmt);
	return rc;
}

/* A text column, or NULL for SQL NULL. */
static const char *column_text(sqlite3_stmt *stmt, int column)
{
	return (const char *)sqlite3_column_text(stmt, column);
}

static bool column_key(sqlite3_stmt *stmt, int column, ip_key *key)
{
	if (sqlite3_column_bytes(stmt, column) != 16)
		return false;
	memcpy(key->b, sqlite3_column_blob(stmt, column), 16);
	return true;
}

dn_status sqlite_query_asn_ranges(struct store *store, const struct store_asn_filter *filter,
                                  store_asn_range_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_asn_tables(s))
		return DN_OK;
	/* An AS is found as the range's AS and among its origins, which
	 * pfx2as.c stores as decimal numbers separated by '_' or ','.
	 * NOTE: the origins test scans every row, because no index covers it. */
	static const char by_asn[] = "WHERE r.asn = ?1 OR (r.origins IS NOT NULL AND instr('_' || "
	                             "replace(r.origins, ',', '_') || '_', '_' || ?1 || '_') > 0)";
	char sql[768];
	snprintf(sql, sizeof(sql),
	         "SELECT r.source_id, r.lo, r.hi, r.asn, r.country, r.origins, r.as_org, r.isp, "
	         "r.organization FROM asn_range r JOIN asn_load l ON l.source_id = r.source_id "
	         "AND l.id = r.load_id %s ORDER BY r.source_id, r.lo, r.hi",
	         filter->by_asn          ? by_asn
	         : filter->source_id > 0 ? "WHERE r.source_id = ?1"
	                                 : "");
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN range query");
	if (filter->by_asn)
		sqlite3_bind_int64(stmt, 1, filter->asn);
	else if (filter->source_id > 0)
		sqlite3_bind_int64(stmt, 1, filter->source_id);

	dn_status rc = DN_OK;
	int step;
	while (rc == DN_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct asn_range r;
		memset(&r, 0, sizeof(r));
		if (!column_key(stmt, 1, &r.lo) || !column_key(stmt, 2, &r.hi)) {
			rc = dn_fail(err, DN_ESCHEMA, "%s: an ASN range row has a damaged address",
			             s->path);
			break;
		}
		r.asn = (uint32_t)sqlite3_column_int64(stmt, 3);
		const char *country = column_text(stmt, 4);
		if (country != NULL && strlen(country) == 2)
			memcpy(r.country, country, 3);
		r.origins = column_text(stmt, 5);
		r.as_org = column_text(stmt, 6);
		r.isp = column_text(stmt, 7);
		r.organization = column_text(stmt, 8);
		rc = fn(&r, (uint32_t)sqlite3_column_int64(stmt, 0), ctx);
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading ASN ranges");
	sqlite3_finalize(stmt);
	return rc;
}

dn_status sqlite_list_asn_loads(struct store *store, store_asn_load_fn fn, void *ctx,
                                struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_asn_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT l.source_id, s.name, l.id, l.loaded, l.format, l.input, "
	                       "l.ranges FROM asn_load l JOIN source s ON s.id = l.source_id "
	                       "ORDER BY s.name",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN load list");
	dn_status rc = DN_OK;
	int step;
	while (rc == DN_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct store_asn_load load = {
			.source_id = (uint32_t)sqlite3_column_int64(stmt, 0),
			.source = column_text(stmt, 1),
			.id = sqlite3_column_int64(stmt, 2),
			.loaded = sqlite3_column_int64(stmt, 3),
			.format = column_text(stmt, 4),
			.input = column_text(stmt, 5),
			.ranges = (uint64_t)sqlite3_column_int64(stmt, 6),
		};
		rc = fn(&load, ctx);
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "reading ASN loads");
	sqlite3_finalize(stmt);
	return rc;
}
