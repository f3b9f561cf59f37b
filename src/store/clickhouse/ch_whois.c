/* WHOIS and RDAP documents and their index values in the ClickHouse store:
 * rows into whois_in and whois_value_in through the spool, and reads that
 * merge the aggregate states as the SQLite backend merges rows (ch_schema.c
 * has the tables). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "store/clickhouse/ch_internal.h"

/* ---- Writing ---- */

static void add_cstr(struct ch_buf *b, const char *text)
{
	ch_buf_str(b, text, strlen(text));
}

static dn_status reject_read_only(const struct ch_store *s, struct dn_error *err)
{
	return dn_fail(err, DN_EINVAL, "%s: the store was opened for reading and takes no writes",
	               s->loc.safe);
}

dn_status ch_put_whois(struct store *store, const struct store_whois *docs, size_t n,
                       struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_WHOIS];
	for (size_t i = 0; i < n; i++) {
		const struct store_whois *d = &docs[i];
		if (d->domain == NULL || d->domain[0] == '\0')
			return dn_fail(err, DN_EINVAL, "a WHOIS document without a domain");
		if (d->status == NULL || d->document == NULL)
			return dn_fail(err, DN_EINVAL,
			               "the WHOIS document of %s lacks its status or text", d->domain);
		uint8_t hash[16];
		store_whois_hash(d, hash);
		struct ch_buf *b = &w->buf;
		add_cstr(b, d->domain);
		ch_buf_add(b, hash, sizeof(hash));
		add_cstr(b, d->status);
		add_cstr(b, d->document);
		add_cstr(b, d->raw != NULL ? d->raw : "");
		ch_add_figures(w, d->time_first, d->time_last, d->count, d->source_id);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

dn_status ch_put_whois_values(struct store *store, const struct store_whois_value *vals,
                              size_t n, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_WHOIS_VALUES];
	for (size_t i = 0; i < n; i++) {
		const struct store_whois_value *v = &vals[i];
		if (v->kind == NULL || v->value == NULL || v->domain == NULL || v->role == NULL)
			return dn_fail(err, DN_EINVAL,
			               "a WHOIS index value lacks its kind, value, domain or role "
			               "(domain %s)",
			               v->domain != NULL ? v->domain : "missing");
		struct ch_buf *b = &w->buf;
		add_cstr(b, v->kind);
		add_cstr(b, v->value);
		add_cstr(b, v->domain);
		add_cstr(b, v->role);
		add_cstr(b, v->shown != NULL ? v->shown : "");
		ch_buf_u8(b, v->masked ? 1 : 0);
		ch_buf_i64(b, v->time_first);
		ch_buf_i64(b, v->time_last);
		ch_add_batch(w);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

/* ---- Building SQL ---- */

static void sql_add(struct ch_buf *b, const char *text)
{
	ch_buf_add(b, text, strlen(text));
}

static void sql_addf(struct ch_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sql_addf(struct ch_buf *b, const char *fmt, ...)
{
	char text[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n > 0)
		ch_buf_add(b, text, (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1);
}

static void sql_quote(struct ch_buf *b, const char *text, size_t len)
{
	ch_quote(b, text, len);
}

static bool has_whois_tables(const struct ch_store *s)
{
	return s->schema_version >= CH_WHOIS_SCHEMA_VERSION;
}

/* Run the query in b, terminated here, and free it. */
static dn_status run_rows(struct ch_store *s, const char *what, struct ch_buf *b, ch_row_fn row,
                          void *ctx, struct dn_error *err)
{
	sql_add(b, " FORMAT RowBinary");
	ch_buf_u8(b, '\0');
	dn_status rc = ch_select_rows(s, what, b, row, ctx, err);
	ch_buf_free(b);
	return rc;
}

/* ---- Documents ---- */

/* Terminated copies of a row's strings. */
struct held_text {
	char *buf;
	size_t cap;
	size_t used;
};

/* Copy len bytes of text, terminated, and return their offset, or
 * (size_t)-1 when out of memory. Offsets stay valid as the buffer grows. */
static size_t hold(struct held_text *t, const char *text, size_t len)
{
	if (t->used + len + 1 > t->cap) {
		size_t cap = t->cap > 0 ? t->cap : 4096;
		while (cap < t->used + len + 1)
			cap *= 2;
		char *grown = realloc(t->buf, cap);
		if (grown == NULL)
			return (size_t)-1;
		t->buf = grown;
		t->cap = cap;
	}
	memcpy(t->buf + t->used, text, len);
	t->buf[t->used + len] = '\0';
	size_t at = t->used;
	t->used += len + 1;
	return at;
}

struct whois_rows {
	store_whois_fn fn;
	void *ctx;
	struct held_text text;
};

/* A row of (domain, hash, status, document, raw, first, last, count,
 * source). */
static bool parse_whois(struct ch_reader *r, void *arg, dn_status *status)
{
	struct whois_rows *rows = arg;
	const char *str[4], *hash;
	size_t len[4], hash_len = 16;
	struct store_whois doc;
	memset(&doc, 0, sizeof(doc));
	if (!ch_read_str(r, &str[0], &len[0]))
		return false;
	if ((size_t)(r->end - r->pos) < hash_len)
		return false;
	hash = (const char *)r->pos;
	r->pos += hash_len;
	if (!ch_read_str(r, &str[1], &len[1]) || !ch_read_str(r, &str[2], &len[2]) ||
	    !ch_read_str(r, &str[3], &len[3]) || !ch_read_i64(r, &doc.time_first) ||
	    !ch_read_i64(r, &doc.time_last) || !ch_read_u64(r, &doc.count) ||
	    !ch_read_u32(r, &doc.source_id))
		return false;

	size_t at[4];
	rows->text.used = 0;
	for (size_t i = 0; i < 4; i++) {
		at[i] = hold(&rows->text, str[i], len[i]);
		if (at[i] == (size_t)-1) {
			*status = DN_ENOMEM;
			return true;
		}
	}
	memcpy(doc.hash, hash, sizeof(doc.hash));
	doc.domain = rows->text.buf + at[0];
	doc.status = rows->text.buf + at[1];
	doc.document = rows->text.buf + at[2];
	doc.raw = rows->text.buf + at[3];
	*status = rows->fn(&doc, rows->ctx);
	return true;
}

static dn_status select_whois(struct ch_store *s, const char *what, struct ch_buf *b,
                              store_whois_fn fn, void *ctx, struct dn_error *err)
{
	struct whois_rows rows = {.fn = fn, .ctx = ctx};
	dn_status rc = run_rows(s, what, b, parse_whois, &rows, err);
	free(rows.text.buf);
	return rc;
}

dn_status ch_query_whois(struct store *store, const char *domain, bool latest_only, bool with_raw,
                         store_whois_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (domain == NULL)
		return dn_fail(err, DN_EINVAL, "a WHOIS lookup needs a domain");
	if (!has_whois_tables(s))
		return DN_OK;

	/* The inner query merges each source's states, and the outer one
	 * merges the sources, as SQLite's row and its whois_source rows do.
	 * The raw response is the one with the earliest time over all
	 * sources, and the source of the first sighting is the one with the
	 * earliest first time (ties: the smaller source id).
	 * NOTE: the two backends number sources differently, so on a tie of
	 * first times they may name different sources; and of two raw
	 * responses with the same first time SQLite keeps the one written
	 * first, while argMin here takes either. */
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT domain, hash, any(i_status), any(i_document), %s, min(i_first) AS o_first, "
	         "max(i_last) AS o_last, sum(i_count), tupleElement(min((i_first, source_id)), 2) "
	         "FROM (SELECT domain, hash, source_id, any(status) AS i_status, "
	         "any(document) AS i_document, %s minMerge(time_first) AS i_first, "
	         "maxMerge(time_last) AS i_last, sumMerge(count) AS i_count FROM %s "
	         "WHERE domain = ",
	         with_raw ? "argMin(i_raw, i_raw_time)" : "''",
	         with_raw ? "argMinMerge(raw) AS i_raw, minMerge(raw_time) AS i_raw_time," : "",
	         s->t_whois);
	sql_quote(&b, domain, strlen(domain));
	/* The same order as the SQLite backend. */
	sql_addf(&b, " GROUP BY domain, hash, source_id) GROUP BY domain, hash ORDER BY %s",
	         latest_only ? "o_last DESC, o_first DESC, hash LIMIT 1"
	                     : "o_first, o_last, hash");
	return select_whois(s, "looking up WHOIS documents", &b, fn, ctx, err);
}

dn_status ch_dump_whois(struct store *store, store_whois_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_whois_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b,
	         "SELECT domain, hash, any(status), any(document), argMinMerge(raw), "
	         "minMerge(time_first), maxMerge(time_last), sumMerge(count), source_id FROM %s "
	         "GROUP BY domain, hash, source_id",
	         s->t_whois);
	return select_whois(s, "reading every WHOIS document", &b, fn, ctx, err);
}

/* ---- Index values ---- */

struct value_rows {
	store_whois_value_fn fn;
	void *ctx;
	struct held_text text;
};

/* A row of (kind, value, shown, domain, role, masked, first, last). */
static bool parse_value(struct ch_reader *r, void *arg, dn_status *status)
{
	struct value_rows *rows = arg;
	const char *str[5];
	size_t len[5];
	uint8_t masked;
	struct store_whois_value v;
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < 5; i++)
		if (!ch_read_str(r, &str[i], &len[i]))
			return false;
	if (!ch_read_u8(r, &masked) || !ch_read_i64(r, &v.time_first) ||
	    !ch_read_i64(r, &v.time_last))
		return false;

	size_t at[5];
	rows->text.used = 0;
	for (size_t i = 0; i < 5; i++) {
		at[i] = hold(&rows->text, str[i], len[i]);
		if (at[i] == (size_t)-1) {
			*status = DN_ENOMEM;
			return true;
		}
	}
	v.kind = rows->text.buf + at[0];
	v.value = rows->text.buf + at[1];
	v.shown = rows->text.buf + at[2];
	v.domain = rows->text.buf + at[3];
	v.role = rows->text.buf + at[4];
	v.masked = masked != 0;
	*status = rows->fn(&v, rows->ctx);
	return true;
}

static dn_status select_values(struct ch_store *s, const char *what, struct ch_buf *b,
                               store_whois_value_fn fn, void *ctx, struct dn_error *err)
{
	struct value_rows rows = {.fn = fn, .ctx = ctx};
	dn_status rc = run_rows(s, what, b, parse_value, &rows, err);
	free(rows.text.buf);
	return rc;
}

static void start_values(struct ch_store *s, struct ch_buf *b)
{
	sql_addf(b,
	         "SELECT kind, value, argMaxMerge(shown), domain, role, maxMerge(masked), "
	         "minMerge(time_first), maxMerge(time_last) FROM %s WHERE 1",
	         s->t_whois_value);
}

/* The smallest string greater than every string that starts with prefix
 * (as in the SQLite backend); 0 when there is none. */
static size_t prefix_bound(const char *prefix, char *out, size_t size)
{
	size_t len = strlen(prefix);
	if (len >= size)
		return 0;
	memcpy(out, prefix, len);
	while (len > 0 && (unsigned char)out[len - 1] == 0xff)
		len--;
	if (len == 0)
		return 0;
	out[len - 1] = (char)((unsigned char)out[len - 1] + 1);
	return len;
}

dn_status ch_query_whois_values(struct store *store, const struct store_whois_lookup *q,
                                store_whois_value_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (q->kind == NULL || q->value == NULL)
		return dn_fail(err, DN_EINVAL, "a reverse WHOIS lookup needs a kind and a value");
	if (!has_whois_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	start_values(s, &b);
	sql_add(&b, " AND kind = ");
	sql_quote(&b, q->kind, strlen(q->kind));
	/* A prefix is a range on value, the second column of the key. */
	if (!q->prefix) {
		sql_add(&b, " AND value = ");
		sql_quote(&b, q->value, strlen(q->value));
	} else {
		sql_add(&b, " AND value >= ");
		sql_quote(&b, q->value, strlen(q->value));
		char bound[1024];
		size_t bound_len = prefix_bound(q->value, bound, sizeof(bound));
		if (bound_len > 0) {
			sql_add(&b, " AND value < ");
			sql_quote(&b, bound, bound_len);
		}
	}
	sql_add(&b, " GROUP BY kind, value, domain, role ORDER BY domain, role, value");
	if (q->limit > 0)
		sql_addf(&b, " LIMIT %llu", (unsigned long long)q->limit);
	return select_values(s, "looking up WHOIS index values", &b, fn, ctx, err);
}

dn_status ch_dump_whois_values(struct store *store, store_whois_value_fn fn, void *ctx,
                               struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_whois_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	start_values(s, &b);
	sql_add(&b, " GROUP BY kind, value, domain, role ORDER BY domain, role, kind, value");
	return select_values(s, "reading every WHOIS index value", &b, fn, ctx, err);
}

static bool parse_count(struct ch_reader *r, void *arg, dn_status *status)
{
	if (!ch_read_u64(r, arg))
		return false;
	*status = DN_OK;
	return true;
}

dn_status ch_count_whois_value(struct store *store, const char *kind, const char *value,
                               uint64_t *domains, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	*domains = 0;
	if (kind == NULL || value == NULL)
		return dn_fail(err, DN_EINVAL, "counting a WHOIS value needs a kind and a value");
	if (!has_whois_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT uniqExact(domain) FROM %s WHERE kind = ", s->t_whois_value);
	sql_quote(&b, kind, strlen(kind));
	sql_add(&b, " AND value = ");
	sql_quote(&b, value, strlen(value));
	return run_rows(s, "counting the domains of a WHOIS value", &b, parse_count, domains, err);
}
