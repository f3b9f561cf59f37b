/* Lookups in the SQLite store: the query model turned into SQL over the
 * indexes described in schema.c. */
#include <stdio.h>
#include <string.h>

#include "pdns/name.h"
#include "store/source_filter.h"
#include "store/sqlite/sqlite_internal.h"

/* A growing SQL text with its bound values, so conditions can be added in
 * any combination without string pasting of user input. */
struct sql_builder {
	char sql[8192];
	size_t len;
	enum { BIND_TEXT, BIND_INT, BIND_BLOB } types[16];
	const void *values[16];
	int64_t ints[16];
	char texts[4][PDNS_NAME_BUF];
	int nbind;
	int ntexts;
};

static void sql_add(struct sql_builder *b, const char *text)
{
	int n = snprintf(b->sql + b->len, sizeof(b->sql) - b->len, "%s", text);
	if (n > 0)
		b->len += (size_t)n;
}

static void bind_text(struct sql_builder *b, const char *text)
{
	b->types[b->nbind] = BIND_TEXT;
	b->values[b->nbind++] = text;
}

static void bind_int(struct sql_builder *b, int64_t v)
{
	b->types[b->nbind] = BIND_INT;
	b->ints[b->nbind++] = v;
}

static void bind_blob(struct sql_builder *b, const uint8_t *v16)
{
	b->types[b->nbind] = BIND_BLOB;
	b->values[b->nbind++] = v16;
}

/* Store a reversed name in the builder and return it. */
static const char *reversed(struct sql_builder *b, const char *name)
{
	char *out = b->texts[b->ntexts++];
	pdns_name_reverse(name, out, PDNS_NAME_BUF);
	return out;
}

/* For a name ending in '.', the smallest string greater than every name
 * under it: the final '.' becomes '/', the next character in ASCII. */
static const char *upper_bound(struct sql_builder *b, const char *prefix)
{
	char *out = b->texts[b->ntexts++];
	snprintf(out, PDNS_NAME_BUF, "%s", prefix);
	size_t len = strlen(out);
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = '/';
	return out;
}

/* Add "column > lo AND column < hi" for every name strictly under prefix. */
static void add_prefix_range(struct sql_builder *b, const char *column, const char *prefix)
{
	char clause[160];
	snprintf(clause, sizeof(clause), " AND %s > ? AND %s < ?", column, column);
	sql_add(b, clause);
	bind_text(b, prefix);
	bind_text(b, upper_bound(b, prefix));
}

/* Match q's name against a column of reversed names (indexed) and, for
 * "www.example.*", the forward column when the table has one. */
static void add_name_match(struct sql_builder *b, const struct pdns_query *q,
                           const char *column, const char *rev_column)
{
	char clause[160];
	switch (q->match) {
	case PDNS_MATCH_EXACT:
		snprintf(clause, sizeof(clause), " AND %s = ?", rev_column);
		sql_add(b, clause);
		bind_text(b, reversed(b, q->name));
		break;
	case PDNS_MATCH_LEFT:
		add_prefix_range(b, rev_column, reversed(b, q->name));
		break;
	case PDNS_MATCH_RIGHT:
		/* NOTE: no index holds names in forward order (it would double
		 * the cost of every write), so "www.example.*" scans the table. */
		if (column != NULL) {
			add_prefix_range(b, column, q->name);
		} else {
			snprintf(clause, sizeof(clause), " AND %s IS NOT NULL", rev_column);
			sql_add(b, clause);
			snprintf(clause, sizeof(clause), "dragnet_reverse(%s)", rev_column);
			add_prefix_range(b, clause, q->name);
		}
		break;
	}
}

static void add_fences(struct sql_builder *b, const struct pdns_query *q)
{
	if (q->first_after != PDNS_TIME_UNSET) {
		sql_add(b, " AND time_first >= ?");
		bind_int(b, q->first_after);
	}
	if (q->first_before != PDNS_TIME_UNSET) {
		sql_add(b, " AND time_first < ?");
		bind_int(b, q->first_before);
	}
	if (q->last_after != PDNS_TIME_UNSET) {
		sql_add(b, " AND time_last >= ?");
		bind_int(b, q->last_after);
	}
	if (q->last_before != PDNS_TIME_UNSET) {
		sql_add(b, " AND time_last < ?");
		bind_int(b, q->last_before);
	}
}

/* Add the type and bailiwick filters, when given. type_column names the
 * type column of the table searched. */
static void add_type_filter(struct sql_builder *b, const struct pdns_query *q,
                            const char *type_column)
{
	if (q->rrtype != 0) {
		sql_add(b, " AND ");
		sql_add(b, type_column);
		sql_add(b, " = ?");
		bind_int(b, q->rrtype);
	}
	if (q->has_bailiwick) {
		sql_add(b, " AND bailiwick = ?");
		bind_text(b, q->bailiwick);
	}
}

static void add_order_limit(struct sql_builder *b, const struct pdns_query *q, const char *name,
                            const char *type, const char *value)
{
	char clause[256];
	switch (q->sort) {
	case PDNS_SORT_FIRST:
		snprintf(clause, sizeof(clause), " ORDER BY time_first, %s, %s, %s", name, type,
		         value);
		break;
	case PDNS_SORT_LAST:
		snprintf(clause, sizeof(clause), " ORDER BY time_last DESC, %s, %s, %s", name, type,
		         value);
		break;
	case PDNS_SORT_COUNT:
		snprintf(clause, sizeof(clause), " ORDER BY count DESC, %s, %s, %s", name, type,
		         value);
		break;
	case PDNS_SORT_NAME:
		snprintf(clause, sizeof(clause), " ORDER BY %s, %s, %s, time_first", name, type,
		         value);
		break;
	case PDNS_SORT_NONE:
		clause[0] = '\0';
		break;
	}
	sql_add(b, clause);
	if (q->limit > 0 || q->offset > 0) {
		sql_add(b, " LIMIT ? OFFSET ?");
		bind_int(b, q->limit > 0 ? (int64_t)q->limit : -1);
		bind_int(b, (int64_t)q->offset);
	}
}

/* The tables and columns of one kind of lookup: records or negative answers. */
struct table_shape {
	const char *table;      /* "rrset": one row per record, merged over sources */
	const char *per_source; /* "rrset_source": figures of rows with several sources */
	const char *row_id;     /* the column of per_source that names the row */
	const char *columns;    /* returned ahead of the figures */
	const char *hidden;     /* columns the order needs but the caller does not */
	const char *name;       /* the ORDER BY columns: name, then type, then value */
	const char *type;
	const char *value;
};

static const struct table_shape rrset_shape = {
        .table = "rrset",
        .per_source = "rrset_source",
        .row_id = "rrset_id",
        .columns = "rrname, rrtype, bailiwick, rdata",
        .hidden = ", rdata_ip",
        .name = "rrname",
        .type = "rrtype",
        /* Addresses sort by value, not as text (.9 before .10). */
        .value = "rdata_ip, rdata, bailiwick",
};

static const struct table_shape negative_shape = {
        .table = "negative",
        .per_source = "negative_source",
        .row_id = "negative_id",
        .columns = "qname, qtype, rcode, bailiwick",
        .hidden = "",
        .name = "qname",
        .type = "qtype",
        .value = "rcode, bailiwick",
};

/* Add time_first, time_last, count and sources to the inner SELECT. A row
 * with source_id set has one source, whose figures are the row's. Other
 * rows take the filtered sources' figures from the per-source table, and
 * count their sources there. */
static void add_figure_columns(struct sql_builder *b, const struct table_shape *t,
                               const struct store_source_filter *filter)
{
	static const char *const figures[3][2] = {
	        {"min", "time_first"},
	        {"max", "time_last"},
	        {"sum", "count"},
	};
	char clause[1024];
	for (int i = 0; i < 3; i++) {
		if (filter->n == 0)
			snprintf(clause, sizeof(clause), ", %s", figures[i][1]);
		else
			snprintf(clause, sizeof(clause),
			         ", CASE WHEN source_id IS NOT NULL THEN %s ELSE (SELECT %s(%s) "
			         "FROM %s WHERE %s = %s.id AND source_id IN %s) END AS %s",
			         figures[i][1], figures[i][0], figures[i][1], t->per_source,
			         t->row_id, t->table, filter->list, figures[i][1]);
		sql_add(b, clause);
	}
	snprintf(clause, sizeof(clause),
	         ", CASE WHEN source_id IS NOT NULL THEN 1 ELSE (SELECT count(*) FROM %s "
	         "WHERE %s = %s.id) END AS sources",
	         t->per_source, t->row_id, t->table);
	sql_add(b, clause);
}

/* Keep the rows that a filtered source saw, and, for a minimum above one,
 * only rows with several sources (source_id NULL), which is cheap to test
 * before counting them. */
static void add_source_filter(struct sql_builder *b, const struct table_shape *t,
                              const struct pdns_query *q, const struct store_source_filter *filter)
{
	char clause[1280];
	if (filter->n > 0) {
		snprintf(clause, sizeof(clause),
		         " AND (source_id IN %s OR (source_id IS NULL AND EXISTS (SELECT 1 FROM %s "
		         "WHERE %s = %s.id AND source_id IN %s)))",
		         filter->list, t->per_source, t->row_id, t->table, filter->list);
		sql_add(b, clause);
	}
	if (q->min_sources > 1)
		sql_add(b, " AND source_id IS NULL");
}

/* Close the inner SELECT, which ends in its WHERE clause, and add what the
 * outer one does with the figures returned: fence, order and limit. SQLite
 * flattens the two into one query plan (EXPLAIN QUERY PLAN shows a search
 * of the table's index and a lookup in the per-source table by its primary
 * key), so the nesting adds no scan of its own. */
static void add_outer_query(struct sql_builder *b, const struct table_shape *t,
                            const struct pdns_query *q)
{
	sql_add(b, ") WHERE 1");
	add_fences(b, q);
	if (q->min_sources > 1) {
		sql_add(b, " AND sources >= ?");
		bind_int(b, q->min_sources);
	}
	add_order_limit(b, q, t->name, t->type, t->value);
}

/* Start the lookup: the outer SELECT and the inner one up to its WHERE. */
static void start_query(struct sql_builder *b, const struct table_shape *t,
                        const struct store_source_filter *filter)
{
	sql_add(b, "SELECT ");
	sql_add(b, t->columns);
	sql_add(b, ", time_first, time_last, count, sources FROM (SELECT ");
	sql_add(b, t->columns);
	sql_add(b, t->hidden);
	add_figure_columns(b, t, filter);
	sql_add(b, " FROM ");
	sql_add(b, t->table);
	sql_add(b, " WHERE 1");
}

static dn_status prepare_built(struct sqlite_store *s, struct sql_builder *b, sqlite3_stmt **stmt,
                               struct dn_error *err)
{
	if (b->len >= sizeof(b->sql) - 1)
		return dn_fail(err, DN_EINVAL, "query too complex");
	if (sqlite_stmt_prepare(s, b->sql, stmt) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the query");
	for (int i = 0; i < b->nbind; i++) {
		switch (b->types[i]) {
		case BIND_TEXT:
			sqlite3_bind_text(*stmt, i + 1, b->values[i], -1, SQLITE_STATIC);
			break;
		case BIND_INT:
			sqlite3_bind_int64(*stmt, i + 1, b->ints[i]);
			break;
		case BIND_BLOB:
			sqlite3_bind_blob(*stmt, i + 1, b->values[i], 16, SQLITE_STATIC);
			break;
		}
	}
	return DN_OK;
}

dn_status sqlite_query_rrsets(struct store *store, const struct pdns_query *q,
                                     store_record_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	struct store_source_filter filter;
	dn_status rc = store_source_filter_resolve(store, q, &filter, err);
	if (rc != DN_OK)
		return rc;

	struct sql_builder b = {.len = 0};
	start_query(&b, &rrset_shape, &filter);
	switch (q->kind) {
	case PDNS_QUERY_RRNAME:
		add_name_match(&b, q, "rrname", "rrname_rev");
		break;
	case PDNS_QUERY_RDATA_IP:
		/* An IPv6 range such as ::/0 also spans the IPv4-mapped keys of
		 * A records, so the family picks the type. */
		sql_add(&b, " AND rdata_ip BETWEEN ? AND ? AND rrtype = ?");
		bind_blob(&b, q->range.lo.b);
		bind_blob(&b, q->range.hi.b);
		bind_int(&b, q->range.family == 4 ? 1 : 28);
		break;
	case PDNS_QUERY_RDATA_NAME:
		add_name_match(&b, q, NULL, "rdata_name_rev");
		break;
	}
	add_type_filter(&b, q, "rrtype");
	add_source_filter(&b, &rrset_shape, q, &filter);
	add_outer_query(&b, &rrset_shape, q);

	sqlite3_stmt *stmt;
	rc = prepare_built(s, &b, &stmt, err);
	if (rc != DN_OK)
		return rc;

	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct pdns_record rec = {
			.rrname = (const char *)sqlite3_column_text(stmt, 0),
			.rrtype = (uint16_t)sqlite3_column_int(stmt, 1),
			.bailiwick = (const char *)sqlite3_column_text(stmt, 2),
			.rdata = (const char *)sqlite3_column_text(stmt, 3),
			.time_first = sqlite3_column_int64(stmt, 4),
			.time_last = sqlite3_column_int64(stmt, 5),
			.count = (uint64_t)sqlite3_column_int64(stmt, 6),
			.source_count = (uint32_t)sqlite3_column_int64(stmt, 7),
		};
		if ((rc = fn(&rec, ctx)) != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "running the query");
	sqlite_stmt_release(s, stmt);
	return rc;
}

dn_status sqlite_query_negatives(struct store *store, const struct pdns_query *q,
                                        store_negative_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (q->kind != PDNS_QUERY_RRNAME)
		return dn_fail(err, DN_EINVAL, "negative answers can be searched by name only");

	struct store_source_filter filter;
	dn_status rc = store_source_filter_resolve(store, q, &filter, err);
	if (rc != DN_OK)
		return rc;

	struct sql_builder b = {.len = 0};
	start_query(&b, &negative_shape, &filter);
	add_name_match(&b, q, "qname", "qname_rev");
	add_type_filter(&b, q, "qtype");
	add_source_filter(&b, &negative_shape, q, &filter);
	add_outer_query(&b, &negative_shape, q);

	sqlite3_stmt *stmt;
	rc = prepare_built(s, &b, &stmt, err);
	if (rc != DN_OK)
		return rc;

	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		struct pdns_negative neg = {
			.qname = (const char *)sqlite3_column_text(stmt, 0),
			.qtype = (uint16_t)sqlite3_column_int(stmt, 1),
			.rcode = (uint16_t)sqlite3_column_int(stmt, 2),
			.bailiwick = (const char *)sqlite3_column_text(stmt, 3),
			.time_first = sqlite3_column_int64(stmt, 4),
			.time_last = sqlite3_column_int64(stmt, 5),
			.count = (uint64_t)sqlite3_column_int64(stmt, 6),
			.source_count = (uint32_t)sqlite3_column_int64(stmt, 7),
		};
		if ((rc = fn(&neg, ctx)) != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, "running the query");
	sqlite_stmt_release(s, stmt);
	return rc;
}
