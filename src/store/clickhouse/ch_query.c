/* Reads from the ClickHouse store: lookups, statistics, runs and dumps.
 * Every answer comes as RowBinary and is parsed as it streams in. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdns/name.h"
#include "store/clickhouse/ch_internal.h"
#include "store/clickhouse/ch_rows.h"
#include "store/source_filter.h"
#include "util/log.h"

/* The server names a down shard by its native-protocol address, which the
 * user may not know; list the nodes of the location that do not answer. */
static void list_silent_nodes(struct ch_store *s, char *out, size_t size)
{
	size_t used = 0;
	out[0] = '\0';
	for (size_t i = 0; i < s->loc.nhosts; i++) {
		struct dn_error ignored;
		enum ch_failure failure;
		char *text = NULL;
		if (ch_http_text(s->http, (int)i, "checking a node", "SELECT 1", &text, &failure,
		                 &ignored) == DN_OK) {
			free(text);
			continue;
		}
		if (failure != CH_FAIL_CONNECT)
			continue;
		char shown[300];
		ch_host_format(&s->loc.hosts[i], shown, sizeof(shown));
		int n = snprintf(out + used, size - used, "%s%s",
		                 used == 0 ? "; not answering: " : ", ", shown);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}

dn_status ch_select(struct ch_store *s, const char *what, const char *sql, ch_sink_fn sink,
                    void *ctx, struct dn_error *err)
{
	s->note[0] = '\0';
	enum ch_failure failure;
	dn_status rc = ch_http_run(s->http, -1, what, sql, NULL, 0, "wait_end_of_query=1", sink,
	                           ctx, &failure, err);
	if (rc == DN_OK || failure != CH_FAIL_SHARD)
		return rc;
	char down[256];
	list_silent_nodes(s, down, sizeof(down));
	if (!s->allow_partial) {
		size_t len = strlen(err->msg);
		snprintf(err->msg + len, sizeof(err->msg) - len,
		         "; a shard of cluster '%s' is down%s (--partial returns what the others "
		         "hold)",
		         s->loc.cluster, down);
		return rc;
	}
	snprintf(s->note, sizeof(s->note), "partial answer%s: %.400s", down, err->msg);
	log_warn("%s", s->note);
	return ch_http_run(s->http, -1, what, sql, NULL, 0,
	                   "wait_end_of_query=1&skip_unavailable_shards=1", sink, ctx, &failure,
	                   err);
}

dn_status ch_select_rows(struct ch_store *s, const char *what, const struct ch_buf *sql,
                         ch_row_fn row, void *ctx, struct dn_error *err)
{
	if (!sql->ok)
		return dn_fail(err, DN_ENOMEM, "out of memory building a query");
	struct ch_row_stream st = {.row = row, .ctx = ctx};
	ch_buf_init(&st.pending);
	dn_status rc = ch_select(s, what, (const char *)sql->data, ch_row_stream_sink, &st, err);
	if (rc == DN_ENOMEM)
		dn_fail(err, rc, "%s: %s: out of memory", s->loc.safe, what);
	if (rc == DN_OK && st.pending.len > 0)
		rc = dn_fail(err, DN_ESTORE,
		             "%s: %s: the answer ends inside a row (%zu bytes left)", s->loc.safe,
		             what, st.pending.len);
	ch_buf_free(&st.pending);
	return rc;
}

/* ---- Building SQL ---- */

static void sql_add(struct ch_buf *b, const char *text)
{
	ch_buf_add(b, text, strlen(text));
}

static void sql_addf(struct ch_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql_addf(struct ch_buf *b, const char *fmt, ...)
{
	char text[1024];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		ch_buf_add(b, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static void sql_quote(struct ch_buf *b, const char *text)
{
	ch_quote(b, text, strlen(text));
}

static void sql_end(struct ch_buf *b)
{
	ch_buf_u8(b, '\0');
}

/* For a name ending in '.', the smallest string greater than every name
 * under it: the final '.' becomes '/'. */
static void upper_bound(const char *prefix, char *out, size_t size)
{
	snprintf(out, size, "%s", prefix);
	size_t len = strlen(out);
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = '/';
}

/* "AND column > prefix AND column < bound", with an optional one-letter
 * tag in front of both values (the rdata_key kinds). */
static void add_prefix_range(struct ch_buf *b, const char *column, const char *tag,
                             const char *prefix)
{
	char lo[PDNS_NAME_BUF + 2], hi[PDNS_NAME_BUF + 2], bound[PDNS_NAME_BUF];
	upper_bound(prefix, bound, sizeof(bound));
	snprintf(lo, sizeof(lo), "%s%s", tag, prefix);
	snprintf(hi, sizeof(hi), "%s%s", tag, bound);
	sql_addf(b, " AND %s > ", column);
	sql_quote(b, lo);
	sql_addf(b, " AND %s < ", column);
	sql_quote(b, hi);
}

/* Match q's name: rev_column holds reversed names (behind tag), column the
 * forward ones for "www.example.*". */
static void add_name_match(struct ch_buf *b, const struct pdns_query *q, const char *column,
                           const char *rev_column, const char *tag)
{
	char rev[PDNS_NAME_BUF + 2];
	switch (q->match) {
	case PDNS_MATCH_EXACT:
		strcpy(rev, tag);
		pdns_name_reverse(q->name, rev + strlen(tag), sizeof(rev) - strlen(tag));
		sql_addf(b, " AND %s = ", rev_column);
		sql_quote(b, rev);
		break;
	case PDNS_MATCH_LEFT:
		pdns_name_reverse(q->name, rev, sizeof(rev));
		add_prefix_range(b, rev_column, tag, rev);
		break;
	case PDNS_MATCH_RIGHT:
		if (tag[0] != '\0')
			sql_addf(b, " AND substring(%s, 1, 1) = '%s'", rev_column, tag);
		add_prefix_range(b, column, "", q->name);
		break;
	}
}

static void add_filters(struct ch_buf *b, const struct pdns_query *q, const char *type_column)
{
	if (q->rrtype != 0)
		sql_addf(b, " AND %s = %u", type_column, q->rrtype);
	if (q->has_bailiwick) {
		sql_add(b, " AND bailiwick = ");
		sql_quote(b, q->bailiwick);
	}
}

static void add_fences(struct ch_buf *b, const struct pdns_query *q)
{
	sql_add(b, " HAVING 1");
	if (q->first_after != PDNS_TIME_UNSET)
		sql_addf(b, " AND o_first >= %lld", (long long)q->first_after);
	if (q->first_before != PDNS_TIME_UNSET)
		sql_addf(b, " AND o_first < %lld", (long long)q->first_before);
	if (q->last_after != PDNS_TIME_UNSET)
		sql_addf(b, " AND o_last >= %lld", (long long)q->last_after);
	if (q->last_before != PDNS_TIME_UNSET)
		sql_addf(b, " AND o_last < %lld", (long long)q->last_before);
}

/* Add a record's figures, merged from the per-source rows of the inner
 * query over every source, or over the filtered ones only. */
static void add_figure_columns(struct ch_buf *b, const struct store_source_filter *filter)
{
	if (filter->n == 0) {
		sql_add(b, "min(i_first) AS o_first, max(i_last) AS o_last, "
		           "sum(i_count) AS o_count, ");
		return;
	}
	/* One call per column: sql_addf cuts text at 1024 bytes, and the list
	 * of ids can take up to 384. */
	sql_addf(b, "minIf(i_first, source_id IN %s) AS o_first, ", filter->list);
	sql_addf(b, "maxIf(i_last, source_id IN %s) AS o_last, ", filter->list);
	sql_addf(b, "sumIf(i_count, source_id IN %s) AS o_count, ", filter->list);
}

/* Add the conditions on the sources, after the fences in HAVING: a
 * filtered source saw the record, and at least min_sources of all did. */
static void add_source_conditions(struct ch_buf *b, const struct pdns_query *q,
                                  const struct store_source_filter *filter)
{
	if (filter->n > 0)
		sql_addf(b, " AND countIf(source_id IN %s) > 0", filter->list);
	if (q->min_sources > 1)
		sql_addf(b, " AND o_sources >= %u", q->min_sources);
}

/* The same order as the SQLite backend, so both give identical answers. */
static void add_order_limit(struct ch_buf *b, const struct pdns_query *q, const char *type,
                            const char *value)
{
	switch (q->sort) {
	case PDNS_SORT_FIRST:
		sql_addf(b, " ORDER BY o_first, o_name, %s, %s", type, value);
		break;
	case PDNS_SORT_LAST:
		sql_addf(b, " ORDER BY o_last DESC, o_name, %s, %s", type, value);
		break;
	case PDNS_SORT_COUNT:
		sql_addf(b, " ORDER BY o_count DESC, o_name, %s, %s", type, value);
		break;
	case PDNS_SORT_NAME:
		sql_addf(b, " ORDER BY o_name, %s, %s, o_first", type, value);
		break;
	case PDNS_SORT_NONE:
		break;
	}
	/* ClickHouse adds offset and limit, so "no limit" must leave room for
	 * the offset: the largest UInt64 wraps and returns nothing. */
	if (q->limit > 0 || q->offset > 0)
		sql_addf(b, " LIMIT %llu, %llu", (unsigned long long)q->offset,
		         q->limit > 0 ? (unsigned long long)q->limit : 1ull << 62);
}

dn_status ch_query_rrsets(struct store *store, const struct pdns_query *q, store_record_fn fn,
                          void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct store_source_filter filter;
	dn_status rc = store_source_filter_resolve(store, q, &filter, err);
	if (rc != DN_OK)
		return rc;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_add(&b, "SELECT any(i_name) AS o_name, rrtype, bailiwick, rdata, ");
	add_figure_columns(&b, &filter);
	sql_addf(&b,
	         "count() AS o_sources, "
	         "if(substring(any(i_key), 1, 1) = 'I', any(i_key), '') AS o_ip "
	         "FROM (SELECT rrname_rev, rrtype, bailiwick, rdata, source_id, "
	         "any(rrname) AS i_name, any(rdata_key) AS i_key, "
	         "minMerge(time_first) AS i_first, maxMerge(time_last) AS i_last, "
	         "sumMerge(count) AS i_count FROM %s WHERE 1",
	         q->kind == PDNS_QUERY_RRNAME ? s->t_fwd : s->t_rev);
	switch (q->kind) {
	case PDNS_QUERY_RRNAME:
		add_name_match(&b, q, "rrname", "rrname_rev", "");
		break;
	case PDNS_QUERY_RDATA_IP: {
		/* An IPv6 range such as ::/0 also spans the IPv4-mapped keys of
		 * A records, so the family picks the type. */
		char lo[17] = {'I'}, hi[17] = {'I'};
		memcpy(lo + 1, q->range.lo.b, 16);
		memcpy(hi + 1, q->range.hi.b, 16);
		sql_add(&b, " AND rdata_key >= ");
		ch_quote(&b, lo, 17);
		sql_add(&b, " AND rdata_key <= ");
		ch_quote(&b, hi, 17);
		sql_addf(&b, " AND rrtype = %d", q->range.family == 4 ? 1 : 28);
		break;
	}
	case PDNS_QUERY_RDATA_NAME:
		add_name_match(&b, q, "rdata_target", "rdata_key", "N");
		break;
	}
	add_filters(&b, q, "rrtype");
	sql_add(&b, " GROUP BY rrname_rev, rrtype, bailiwick, rdata, source_id) "
	            "GROUP BY rrname_rev, rrtype, bailiwick, rdata");
	add_fences(&b, q);
	add_source_conditions(&b, q, &filter);
	add_order_limit(&b, q, "rrtype", "o_ip, rdata, bailiwick");
	sql_add(&b, " FORMAT RowBinary");
	sql_end(&b);

	struct ch_rrset_rows rows = {.fn = fn, .ctx = ctx};
	rc = ch_select_rows(s, "looking up records", &b, ch_parse_rrset, &rows, err);
	free(rows.text.buf);
	ch_buf_free(&b);
	return rc;
}

dn_status ch_query_negatives(struct store *store, const struct pdns_query *q, store_negative_fn fn,
                             void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (q->kind != PDNS_QUERY_RRNAME)
		return dn_fail(err, DN_EINVAL, "negative answers can be searched by name only");
	struct store_source_filter filter;
	dn_status rc = store_source_filter_resolve(store, q, &filter, err);
	if (rc != DN_OK)
		return rc;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_add(&b, "SELECT any(i_name) AS o_name, qtype, rcode, bailiwick, ");
	add_figure_columns(&b, &filter);
	sql_addf(
	        &b,
	        "count() AS o_sources "
	        "FROM (SELECT qname_rev, qtype, rcode, bailiwick, source_id, any(qname) AS i_name, "
	        "minMerge(time_first) AS i_first, maxMerge(time_last) AS i_last, "
	        "sumMerge(count) AS i_count FROM %s WHERE 1",
	        s->t_neg);
	add_name_match(&b, q, "qname", "qname_rev", "");
	add_filters(&b, q, "qtype");
	sql_add(&b, " GROUP BY qname_rev, qtype, rcode, bailiwick, source_id) "
	            "GROUP BY qname_rev, qtype, rcode, bailiwick");
	add_fences(&b, q);
	add_source_conditions(&b, q, &filter);
	add_order_limit(&b, q, "qtype", "rcode, bailiwick");
	sql_add(&b, " FORMAT RowBinary");
	sql_end(&b);

	struct ch_negative_rows rows = {.fn = fn, .ctx = ctx};
	rc = ch_select_rows(s, "looking up negative answers", &b, ch_parse_negative, &rows, err);
	free(rows.text.buf);
	ch_buf_free(&b);
	return rc;
}

/* ---- Dumps ---- */

dn_status ch_dump_rrsets(struct store *store, store_record_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT any(rrname), rrtype, bailiwick, rdata, source_id, any(rdata_key), "
	         "any(rdata_target), minMerge(time_first), maxMerge(time_last), sumMerge(count) "
	         "FROM %s GROUP BY rrname_rev, rrtype, bailiwick, rdata, source_id "
	         "FORMAT RowBinary",
	         s->t_fwd);
	sql_end(&b);
	struct ch_rrset_rows rows = {.fn = fn, .ctx = ctx, .dump = true};
	dn_status rc = ch_select_rows(s, "reading every record", &b, ch_parse_rrset, &rows, err);
	free(rows.text.buf);
	ch_buf_free(&b);
	return rc;
}

dn_status ch_dump_negatives(struct store *store, store_negative_fn fn, void *ctx,
                            struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT any(qname), qtype, rcode, bailiwick, source_id, minMerge(time_first), "
	         "maxMerge(time_last), sumMerge(count) FROM %s "
	         "GROUP BY qname_rev, qtype, rcode, bailiwick, source_id FORMAT RowBinary",
	         s->t_neg);
	sql_end(&b);
	struct ch_negative_rows rows = {.fn = fn, .ctx = ctx, .dump = true};
	dn_status rc =
	        ch_select_rows(s, "reading every negative answer", &b, ch_parse_negative, &rows, err);
	free(rows.text.buf);
	ch_buf_free(&b);
	return rc;
}

/* ---- Sources ---- */

/* Return items, an array of *cap elements of size bytes, with room for
 * element n: doubled when full. NULL when out of memory, and items stays
 * valid then. */
static void *reserve_one(void *items, size_t *cap, size_t n, size_t size)
{
	if (n < *cap)
		return items;
	size_t grown_cap = *cap > 0 ? *cap * 2 : 16;
	void *grown = realloc(items, grown_cap * size);
	if (grown != NULL)
		*cap = grown_cap;
	return grown;
}

struct source_entry {
	uint32_t id;
	char name[256];
	char kind[32];
};

struct source_list {
	struct source_entry *items;
	size_t n, cap;
	bool nomem;
};

static bool parse_source(struct ch_reader *r, void *arg, dn_status *status)
{
	struct source_list *l = arg;
	uint32_t id;
	const char *name, *kind;
	size_t name_len, kind_len;
	if (!ch_read_u32(r, &id) || !ch_read_str(r, &name, &name_len) ||
	    !ch_read_str(r, &kind, &kind_len))
		return false;
	struct source_entry *items = reserve_one(l->items, &l->cap, l->n, sizeof(*items));
	if (items == NULL) {
		*status = DN_ENOMEM;
		return true;
	}
	l->items = items;
	struct source_entry *e = &l->items[l->n++];
	e->id = id;
	snprintf(e->name, sizeof(e->name), "%.*s", (int)name_len, name);
	snprintf(e->kind, sizeof(e->kind), "%.*s", (int)kind_len, kind);
	*status = DN_OK;
	return true;
}

static dn_status load_sources(struct ch_store *s, struct source_list *l, struct dn_error *err)
{
	memset(l, 0, sizeof(*l));
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT id, any(name), any(kind) FROM %s GROUP BY id ORDER BY id "
	         "FORMAT RowBinary",
	         s->t_sources);
	sql_end(&b);
	dn_status rc = ch_select_rows(s, "reading the sources", &b, parse_source, l, err);
	ch_buf_free(&b);
	return rc;
}

static const char *source_name(const struct source_list *l, uint32_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].id == id)
			return l->items[i].name;
	return "";
}

dn_status ch_list_sources(struct store *store, store_source_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct source_list l;
	dn_status rc = load_sources(s, &l, err);
	for (size_t i = 0; rc == DN_OK && i < l.n; i++)
		rc = fn(l.items[i].id, l.items[i].name, l.items[i].kind, ctx);
	free(l.items);
	return rc;
}

/* ---- Runs ---- */

static const char run_columns[] =
        "id, argMax(source_id, version), argMax(input, version), argMax(size, version), "
        "argMax(mtime_ns, version), argMax(owner, version), argMax(started, version), "
        "argMax(updated, version), argMax(finished, version), argMax(packets, version), "
        "argMax(messages, version), argMax(records, version), argMax(errors, version)";

struct run_rows {
	store_run_fn fn;
	void *ctx;
	const struct source_list *sources;
	char input[4096];
};

static bool parse_run(struct ch_reader *r, void *arg, dn_status *status)
{
	struct run_rows *rows = arg;
	struct store_run run;
	memset(&run, 0, sizeof(run));
	const char *input;
	size_t input_len;
	uint8_t finished;
	uint64_t packets, messages, records, errors;
	if (!ch_read_i64(r, &run.id) || !ch_read_u32(r, &run.source_id) ||
	    !ch_read_str(r, &input, &input_len) || !ch_read_i64(r, &run.size) ||
	    !ch_read_i64(r, &run.mtime_ns) || !ch_read_i64(r, &run.owner) ||
	    !ch_read_i64(r, &run.started) || !ch_read_i64(r, &run.updated) ||
	    !ch_read_u8(r, &finished) || !ch_read_u64(r, &packets) || !ch_read_u64(r, &messages) ||
	    !ch_read_u64(r, &records) || !ch_read_u64(r, &errors))
		return false;
	snprintf(rows->input, sizeof(rows->input), "%.*s", (int)input_len, input);
	run.input = rows->input;
	run.finished = finished != 0;
	run.packets = packets;
	run.messages = messages;
	run.records = records;
	run.errors = errors;
	run.source = source_name(rows->sources, run.source_id);
	*status = rows->fn(&run, rows->ctx);
	return true;
}

dn_status ch_list_runs(struct store *store, store_run_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct source_list sources;
	dn_status rc = load_sources(s, &sources, err);
	if (rc != DN_OK)
		return rc;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT %s FROM %s GROUP BY id ORDER BY id FORMAT RowBinary", run_columns,
	         s->t_runs);
	sql_end(&b);
	struct run_rows rows = {.fn = fn, .ctx = ctx, .sources = &sources};
	rc = ch_select_rows(s, "reading the runs", &b, parse_run, &rows, err);
	ch_buf_free(&b);
	free(sources.items);
	return rc;
}

struct found_run {
	struct store_run *out;
	bool found;
};

static dn_status keep_run(const struct store_run *run, void *ctx)
{
	struct found_run *f = ctx;
	const char *input = f->out->input;
	*f->out = *run;
	f->out->input = input;
	f->found = true;
	return DN_OK;
}

dn_status ch_find_run(struct store *store, const char *input, struct store_run *run, bool *found,
                      struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	struct source_list sources;
	dn_status rc = load_sources(s, &sources, err);
	if (rc != DN_OK)
		return rc;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT %s FROM %s WHERE input = ", run_columns, s->t_runs);
	sql_quote(&b, input);
	sql_add(&b, " GROUP BY id ORDER BY id DESC LIMIT 1 FORMAT RowBinary");
	sql_end(&b);
	memset(run, 0, sizeof(*run));
	run->input = input;
	struct found_run f = {run, false};
	struct run_rows rows = {.fn = keep_run, .ctx = &f, .sources = &sources};
	rc = ch_select_rows(s, "looking up earlier runs", &b, parse_run, &rows, err);
	ch_buf_free(&b);
	*found = rc == DN_OK && f.found;
	if (*found) {
		snprintf(s->found_source, sizeof(s->found_source), "%s",
		         source_name(&sources, run->source_id));
		run->source = s->found_source;
		run->input = input;
	}
	free(sources.items);
	return rc;
}

/* ---- Statistics ---- */

struct u64_row {
	uint64_t v[5];
	int64_t t[2];
	size_t nu, nt;
	bool seen;
};

static bool parse_u64s(struct ch_reader *r, void *arg, dn_status *status)
{
	struct u64_row *row = arg;
	for (size_t i = 0; i < row->nu; i++)
		if (!ch_read_u64(r, &row->v[i]))
			return false;
	for (size_t i = 0; i < row->nt; i++)
		if (!ch_read_i64(r, &row->t[i]))
			return false;
	row->seen = true;
	*status = DN_OK;
	return true;
}

static dn_status select_numbers(struct ch_store *s, const char *sql, struct u64_row *row,
                                struct dn_error *err)
{
	struct ch_buf b;
	ch_buf_init(&b);
	sql_add(&b, sql);
	sql_add(&b, " FORMAT RowBinary");
	sql_end(&b);
	dn_status rc = ch_select_rows(s, "reading statistics", &b, parse_u64s, row, err);
	ch_buf_free(&b);
	return rc;
}

struct type_rows {
	struct store_stats *st;
};

static bool parse_type(struct ch_reader *r, void *arg, dn_status *status)
{
	struct store_stats *st = arg;
	uint16_t type;
	uint64_t n;
	if (!ch_read_u16(r, &type) || !ch_read_u64(r, &n))
		return false;
	if (st->ntypes < 64) {
		st->types[st->ntypes].rrtype = type;
		st->types[st->ntypes].rrsets = n;
		st->ntypes++;
	}
	*status = DN_OK;
	return true;
}

struct source_figures {
	uint32_t id;
	uint64_t rrsets;
	int64_t first, last;
};

struct figure_rows {
	struct source_figures *items;
	size_t n, cap;
};

static bool parse_figures(struct ch_reader *r, void *arg, dn_status *status)
{
	struct figure_rows *f = arg;
	struct source_figures x;
	if (!ch_read_u32(r, &x.id) || !ch_read_u64(r, &x.rrsets) || !ch_read_i64(r, &x.first) ||
	    !ch_read_i64(r, &x.last))
		return false;
	struct source_figures *items = reserve_one(f->items, &f->cap, f->n, sizeof(*items));
	if (items == NULL) {
		*status = DN_ENOMEM;
		return true;
	}
	f->items = items;
	f->items[f->n++] = x;
	*status = DN_OK;
	return true;
}

static int compare_source_stats(const void *a, const void *b)
{
	const struct store_source_stats *x = a;
	const struct store_source_stats *y = b;
	if (x->rrsets != y->rrsets)
		return x->rrsets > y->rrsets ? -1 : 1;
	return strcmp(x->name, y->name);
}

static dn_status collect_sources(struct ch_store *s, struct store_stats *st, struct dn_error *err)
{
	struct source_list l;
	dn_status rc = load_sources(s, &l, err);
	if (rc != DN_OK)
		return rc;
	struct figure_rows f = {0};
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT source_id, count(), min(f), max(l) FROM (SELECT source_id, "
	         "minMerge(time_first) AS f, maxMerge(time_last) AS l FROM %s "
	         "GROUP BY rrname_rev, rrtype, bailiwick, rdata, source_id) GROUP BY source_id "
	         "FORMAT RowBinary",
	         s->t_fwd);
	sql_end(&b);
	rc = ch_select_rows(s, "reading statistics", &b, parse_figures, &f, err);
	ch_buf_free(&b);

	struct store_source_stats *all = calloc(l.n > 0 ? l.n : 1, sizeof(*all));
	if (rc == DN_OK && all == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory reading statistics");
	if (rc == DN_OK) {
		for (size_t i = 0; i < l.n; i++) {
			snprintf(all[i].name, sizeof(all[i].name), "%s", l.items[i].name);
			snprintf(all[i].kind, sizeof(all[i].kind), "%s", l.items[i].kind);
			all[i].time_first = PDNS_TIME_UNSET;
			all[i].time_last = PDNS_TIME_UNSET;
			for (size_t j = 0; j < f.n; j++) {
				if (f.items[j].id != l.items[i].id)
					continue;
				all[i].rrsets = f.items[j].rrsets;
				all[i].time_first = f.items[j].first;
				all[i].time_last = f.items[j].last;
			}
		}
		qsort(all, l.n, sizeof(*all), compare_source_stats);
		st->nsources = l.n < 64 ? l.n : 64;
		memcpy(st->sources, all, st->nsources * sizeof(*all));
		st->sources_total = l.n;
	}
	free(all);
	free(f.items);
	free(l.items);
	return rc;
}

dn_status ch_stats(struct store *store, struct store_stats *st, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	memset(st, 0, sizeof(*st));
	snprintf(st->location, sizeof(st->location), "%.1000s", s->loc.safe);
	char *version = NULL;
	dn_status rc = ch_http_text(s->http, -1, "asking the version", "SELECT version()", &version,
	                            NULL, err);
	if (rc != DN_OK)
		return rc;
	snprintf(st->backend, sizeof(st->backend), "clickhouse %s", version);
	free(version);
	rc = ch_schema_version(s, -1, &st->schema_version, NULL, err);

	char sql[1024];
	struct u64_row row = {.nu = 3, .nt = 2};
	snprintf(sql, sizeof(sql),
	         "SELECT count(), uniqExact(rrname_rev), sum(c), min(f), max(l) FROM "
	         "(SELECT rrname_rev, sumMerge(count) AS c, minMerge(time_first) AS f, "
	         "maxMerge(time_last) AS l FROM %s GROUP BY rrname_rev, rrtype, bailiwick, rdata)",
	         s->t_fwd);
	if (rc == DN_OK)
		rc = select_numbers(s, sql, &row, err);
	st->rrsets = row.v[0];
	st->rrnames = row.v[1];
	st->observations = row.v[2];
	st->time_first = st->rrsets > 0 ? row.t[0] : PDNS_TIME_UNSET;
	st->time_last = st->rrsets > 0 ? row.t[1] : PDNS_TIME_UNSET;

	struct u64_row neg = {.nu = 1};
	snprintf(sql, sizeof(sql),
	         "SELECT count() FROM (SELECT 1 FROM %s GROUP BY qname_rev, qtype, rcode, "
	         "bailiwick)",
	         s->t_neg);
	if (rc == DN_OK)
		rc = select_numbers(s, sql, &neg, err);
	st->negatives = neg.v[0];

	struct u64_row runs = {.nu = 2};
	snprintf(sql, sizeof(sql),
	         "SELECT count(), countIf(f = 0) FROM (SELECT argMax(finished, version) AS f "
	         "FROM %s GROUP BY id)",
	         s->t_runs);
	if (rc == DN_OK)
		rc = select_numbers(s, sql, &runs, err);
	st->runs = runs.v[0];
	st->runs_unfinished = runs.v[1];

	/* Merges may not have dropped repeated rows yet, hence the GROUP BY.
	 * Stores older than the certificate schema have no such tables. */
	bool has_certs = st->schema_version >= CH_CERT_SCHEMA_VERSION;
	struct u64_row certs = {.nu = 2};
	snprintf(sql, sizeof(sql),
	         "SELECT countIf(p = 0), countIf(p = 1) FROM (SELECT any(partial) AS p FROM %s "
	         "GROUP BY sha256)",
	         s->t_cert);
	if (rc == DN_OK && has_certs)
		rc = select_numbers(s, sql, &certs, err);
	st->certs = certs.v[0];
	st->certs_partial = certs.v[1];
	struct u64_row sightings = {.nu = 1};
	snprintf(sql, sizeof(sql),
	         "SELECT count() FROM (SELECT 1 FROM %s GROUP BY sha256, kind, detail)",
	         s->t_cert_sighting);
	if (rc == DN_OK && has_certs)
		rc = select_numbers(s, sql, &sightings, err);
	st->cert_sightings = sightings.v[0];

	if (rc == DN_OK) {
		struct ch_buf b;
		ch_buf_init(&b);
		sql_addf(&b,
		         "SELECT rrtype, count() AS n FROM (SELECT rrtype FROM %s "
		         "GROUP BY rrname_rev, rrtype, bailiwick, rdata) GROUP BY rrtype "
		         "ORDER BY n DESC, rrtype LIMIT 64 FORMAT RowBinary",
		         s->t_fwd);
		sql_end(&b);
		rc = ch_select_rows(s, "reading statistics", &b, parse_type, st, err);
		ch_buf_free(&b);
	}
	if (rc == DN_OK)
		rc = collect_sources(s, st, err);

	/* Bytes on disk, summed over the nodes of a cluster. */
	size_t hosts = s->cluster ? s->loc.nhosts : 1;
	for (size_t i = 0; rc == DN_OK && i < hosts; i++) {
		char *text = NULL;
		snprintf(sql, sizeof(sql),
		         "SELECT sum(bytes) FROM system.parts WHERE database = '%s' AND active",
		         s->loc.database);
		if (ch_http_text(s->http, s->cluster ? (int)i : -1, "reading the size", sql, &text,
		                 NULL, err) == DN_OK) {
			st->size_bytes += strtoull(text, NULL, 10);
			free(text);
		}
	}
	return rc;
}
