/* IP-to-ASN ranges in the SQLite store (schema versions 4 and 6,
 * schema.c). Each range row carries the id of its load; recording a load
 * deletes the rows of the source's other loads in the same transaction.
 * asn_range_bin files each range under its bin, which query_asn_at probes
 * (see sqlite_asn_bin()). */
#include "store/sqlite/sqlite_asn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"

#define ASN_SCHEMA_VERSION 4
#define ASN_BIN_SCHEMA_VERSION 6

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
	sqlite3_stmt *stmt, *bin_stmt = NULL;
	if (sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO asn_range (source_id, load_id, lo, hi, asn, "
	                       "country, origins, as_org, isp, organization) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN range insert");
	if (s->schema_version >= ASN_BIN_SCHEMA_VERSION &&
	    sqlite3_prepare_v2(s->db,
	                       "INSERT OR IGNORE INTO asn_range_bin (bin, source_id, load_id, lo, hi) "
	                       "VALUES (?1, ?2, ?3, ?4, ?5)",
	                       -1, &bin_stmt, NULL) != SQLITE_OK) {
		sqlite3_finalize(stmt);
		return sqlite_fail(s, err, "preparing the ASN range bin insert");
	}
	s->asn_levels_known = false;
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
		if (rc != DN_OK || bin_stmt == NULL)
			continue;
		uint8_t bin[SQLITE_ASN_BIN_SIZE];
		sqlite_asn_bin(&r->lo, &r->hi, bin);
		sqlite3_bind_blob(bin_stmt, 1, bin, sizeof(bin), SQLITE_TRANSIENT);
		sqlite3_bind_int64(bin_stmt, 2, load->source_id);
		sqlite3_bind_int64(bin_stmt, 3, load->id);
		sqlite3_bind_blob(bin_stmt, 4, r->lo.b, 16, SQLITE_STATIC);
		sqlite3_bind_blob(bin_stmt, 5, r->hi.b, 16, SQLITE_STATIC);
		rc = sqlite_step_done(s, bin_stmt, "inserting an ASN range bin", err);
	}
	sqlite3_finalize(stmt);
	sqlite3_finalize(bin_stmt);
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
	if (s->schema_version >= ASN_BIN_SCHEMA_VERSION) {
		if (sqlite3_prepare_v2(s->db,
		                       "DELETE FROM asn_range_bin WHERE source_id = ?1 AND load_id != ?2",
		                       -1, &stmt, NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "preparing the removal of older ASN range bins");
		sqlite3_bind_int64(stmt, 1, load->source_id);
		sqlite3_bind_int64(stmt, 2, load->id);
		rc = sqlite_step_done(s, stmt, "removing older ASN range bins", err);
		sqlite3_finalize(stmt);
		if (rc != DN_OK)
			return rc;
		s->asn_levels_known = false;
	}

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
	/* An AS is found as the range's AS (asn_range_by_asn) and among its
	 * origins, which pfx2as.c stores as decimal numbers separated by '_'
	 * or ','. Only ranges with several origins have them, and from schema
	 * version 6 on asn_range_with_origins lists those rows, so the test
	 * reads them rather than every row.
	 * NOTE: a store older than version 6 still scans every row. */
	static const char columns[] = "SELECT r.source_id, r.lo, r.hi, r.asn, r.country, r.origins, "
	                              "r.as_org, r.isp, r.organization FROM asn_range r ";
	static const char current[] = "JOIN asn_load l ON l.source_id = r.source_id AND "
	                              "l.id = r.load_id ";
	static const char has_origin[] = "r.origins IS NOT NULL AND instr('_' || "
	                                 "replace(r.origins, ',', '_') || '_', '_' || ?1 || '_') > 0";
	char sql[1536];
	if (filter->by_asn && s->schema_version >= ASN_BIN_SCHEMA_VERSION)
		snprintf(sql, sizeof(sql),
		         "%s%sWHERE r.asn = ?1 UNION %sINDEXED BY asn_range_with_origins %sWHERE %s "
		         "ORDER BY 1, 2, 3",
		         columns, current, columns, current, has_origin);
	else
		snprintf(sql, sizeof(sql), "%s%s%s%s ORDER BY r.source_id, r.lo, r.hi", columns,
		         current,
		         filter->by_asn          ? "WHERE r.asn = ?1 OR "
		         : filter->source_id > 0 ? "WHERE r.source_id = ?1"
		                                 : "",
		         filter->by_asn ? has_origin : "");
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

/* ---- Lookup by address ---- */

/*
 * The bin of a range is the smallest CIDR block that contains it. Byte 0
 * is the block's prefix length L (the leading bits that lo and hi share,
 * 0 to 128), and bytes 1 to 16 are lo with the bits after L cleared.
 * Every range that contains an address is filed under one of the
 * address's 129 enclosing blocks. A lookup probes those bins, but only at
 * the prefix lengths the store contains (asn_levels). Ranges in one bin all contain the
 * middle of their block, so a source whose ranges do not overlap has at
 * most one range per bin.
 */
void sqlite_asn_bin(const ip_key *lo, const ip_key *hi, uint8_t bin[SQLITE_ASN_BIN_SIZE])
{
	unsigned len = 0;
	while (len < 128) {
		unsigned byte = len / 8, bit = 7 - len % 8;
		if (((lo->b[byte] ^ hi->b[byte]) >> bit) & 1)
			break;
		len++;
	}
	sqlite_asn_block(lo, len, bin);
}

void sqlite_asn_block(const ip_key *ip, unsigned len, uint8_t bin[SQLITE_ASN_BIN_SIZE])
{
	bin[0] = (uint8_t)len;
	for (unsigned i = 0; i < 16; i++) {
		unsigned kept = len > i * 8 ? len - i * 8 : 0;
		uint8_t mask = kept >= 8 ? 0xff : (uint8_t)(0xff00u >> kept);
		bin[1 + i] = ip->b[i] & mask;
	}
}

/* SQL function dragnet_asn_bin(lo, hi), for the migration that fills
 * asn_range_bin. NULL for arguments that are not 16-byte blobs. */
static void sql_asn_bin(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_bytes(argv[0]) != 16 || sqlite3_value_bytes(argv[1]) != 16) {
		sqlite3_result_null(ctx);
		return;
	}
	ip_key lo, hi;
	memcpy(lo.b, sqlite3_value_blob(argv[0]), 16);
	memcpy(hi.b, sqlite3_value_blob(argv[1]), 16);
	uint8_t bin[SQLITE_ASN_BIN_SIZE];
	sqlite_asn_bin(&lo, &hi, bin);
	sqlite3_result_blob(ctx, bin, sizeof(bin), SQLITE_TRANSIENT);
}

int sqlite_asn_register(sqlite3 *db)
{
	return sqlite3_create_function(db, "dragnet_asn_bin", 2,
	                               SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL, sql_asn_bin,
	                               NULL, NULL);
}

/* Find the prefix lengths that asn_range_bin contains, with one seek per
 * length found, from the smallest bin of each next length. */
static dn_status read_levels(struct sqlite_store *s, struct dn_error *err)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT bin FROM asn_range_bin WHERE bin >= ?1 LIMIT 1", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN bin levels query");
	s->n_asn_levels = 0;
	dn_status rc = DN_OK;
	unsigned next = 0;
	while (next <= 128) {
		uint8_t from[SQLITE_ASN_BIN_SIZE] = {(uint8_t)next};
		sqlite3_bind_blob(stmt, 1, from, sizeof(from), SQLITE_TRANSIENT);
		int step = sqlite3_step(stmt);
		if (step == SQLITE_DONE)
			break;
		if (step != SQLITE_ROW) {
			rc = sqlite_fail(s, err, "reading the ASN bin levels");
			break;
		}
		const uint8_t *bin = sqlite3_column_blob(stmt, 0);
		if (sqlite3_column_bytes(stmt, 0) != SQLITE_ASN_BIN_SIZE || bin[0] > 128) {
			rc = dn_fail(err, DN_ESCHEMA, "%s: an ASN range bin is damaged", s->path);
			break;
		}
		s->asn_levels[s->n_asn_levels++] = bin[0];
		next = bin[0] + 1u;
		sqlite3_reset(stmt);
	}
	sqlite3_finalize(stmt);
	s->asn_levels_known = rc == DN_OK;
	return rc;
}

/* The best range so far, with copies of its strings. */
struct asn_hit {
	bool found;
	struct asn_range range;
	uint32_t source_id;
	int64_t load_id;
	char text[4][1024];
};

static const char *keep_text(struct asn_hit *hit, int i, sqlite3_stmt *stmt, int column)
{
	const char *text = column_text(stmt, column);
	if (text == NULL)
		return NULL;
	snprintf(hit->text[i], sizeof(hit->text[i]), "%s", text);
	return hit->text[i];
}

/* Take the rows of stmt: (source_id, load_id, lo, hi, asn, country,
 * origins, as_org, isp, organization), each a range that covers the
 * address. */
static dn_status take_rows(struct sqlite_store *s, sqlite3_stmt *stmt, struct asn_hit *hit,
                           struct dn_error *err)
{
	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct asn_range r;
		memset(&r, 0, sizeof(r));
		if (!column_key(stmt, 2, &r.lo) || !column_key(stmt, 3, &r.hi))
			return dn_fail(err, DN_ESCHEMA, "%s: an ASN range row has a damaged address",
			               s->path);
		uint32_t source_id = (uint32_t)sqlite3_column_int64(stmt, 0);
		int64_t load_id = sqlite3_column_int64(stmt, 1);
		if (hit->found && !store_asn_range_wins(&r, source_id, load_id, &hit->range,
		                                        hit->source_id, hit->load_id))
			continue;
		r.asn = (uint32_t)sqlite3_column_int64(stmt, 4);
		const char *country = column_text(stmt, 5);
		if (country != NULL && strlen(country) == 2)
			memcpy(r.country, country, 3);
		r.origins = keep_text(hit, 0, stmt, 6);
		r.as_org = keep_text(hit, 1, stmt, 7);
		r.isp = keep_text(hit, 2, stmt, 8);
		r.organization = keep_text(hit, 3, stmt, 9);
		hit->found = true;
		hit->range = r;
		hit->source_id = source_id;
		hit->load_id = load_id;
	}
	if (step != SQLITE_DONE)
		return sqlite_fail(s, err, "reading ASN ranges");
	return DN_OK;
}

#define RANGE_COLUMNS                                                                      \
	"r.source_id, r.load_id, r.lo, r.hi, r.asn, r.country, r.origins, r.as_org, r.isp, " \
	"r.organization"

/* Probe the bins of ip's enclosing blocks at every length the store contains. */
static dn_status probe_bins(struct sqlite_store *s, const ip_key *ip, struct asn_hit *hit,
                            struct dn_error *err)
{
	if (!s->asn_levels_known) {
		dn_status rc = read_levels(s, err);
		if (rc != DN_OK)
			return rc;
	}
	if (s->n_asn_levels == 0)
		return DN_OK;
	sqlite3_stmt *stmt;
	if (sqlite_stmt_prepare(s,
	                        "SELECT " RANGE_COLUMNS " FROM asn_range_bin b "
	                        "JOIN asn_load l ON l.source_id = b.source_id AND l.id = b.load_id "
	                        "JOIN asn_range r ON r.source_id = b.source_id "
	                        "AND r.load_id = b.load_id AND r.lo = b.lo AND r.hi = b.hi "
	                        "WHERE b.bin = ?1 AND b.lo <= ?2 AND b.hi >= ?2",
	                        &stmt) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN lookup by address");
	sqlite3_bind_blob(stmt, 2, ip->b, 16, SQLITE_STATIC);
	dn_status rc = DN_OK;
	for (unsigned i = 0; i < s->n_asn_levels && rc == DN_OK; i++) {
		uint8_t bin[SQLITE_ASN_BIN_SIZE];
		sqlite_asn_block(ip, s->asn_levels[i], bin);
		sqlite3_bind_blob(stmt, 1, bin, sizeof(bin), SQLITE_STATIC);
		rc = take_rows(s, stmt, hit, err);
		sqlite3_reset(stmt);
	}
	sqlite_stmt_release(s, stmt);
	return rc;
}

/* A store of schema version 4 or 5, opened for reading, has no bins.
 * NOTE: this reads every current range, as slowly as building the
 * in-memory table; the next write to the store migrates it. */
static dn_status scan_ranges(struct sqlite_store *s, const ip_key *ip, struct asn_hit *hit,
                             struct dn_error *err)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db,
	                       "SELECT " RANGE_COLUMNS " FROM asn_range r JOIN asn_load l "
	                       "ON l.source_id = r.source_id AND l.id = r.load_id "
	                       "WHERE r.lo <= ?1 AND r.hi >= ?1",
	                       -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the ASN range scan");
	sqlite3_bind_blob(stmt, 1, ip->b, 16, SQLITE_STATIC);
	dn_status rc = take_rows(s, stmt, hit, err);
	sqlite3_finalize(stmt);
	return rc;
}

dn_status sqlite_query_asn_at(struct store *store, const ip_key *ip, store_asn_hit_fn fn,
                              void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_asn_tables(s))
		return DN_OK;
	struct asn_hit *hit = calloc(1, sizeof(*hit));
	if (hit == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory looking up an address's ASN");
	dn_status rc = s->schema_version >= ASN_BIN_SCHEMA_VERSION ? probe_bins(s, ip, hit, err)
	                                                           : scan_ranges(s, ip, hit, err);
	if (rc == DN_OK && hit->found)
		rc = fn(&hit->range, hit->source_id, hit->load_id, ctx);
	free(hit);
	return rc;
}
