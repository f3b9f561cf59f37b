/* Certificates, their search keys and sightings in the ClickHouse store:
 * rows into cert_in, cert_name_in and cert_sighting_in through the spool,
 * and reads that take one row per key as the SQLite backend's unique keys
 * do (ch_schema.c has the tables). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/cert_key.h"
#include "store/clickhouse/ch_internal.h"

#define CERT_FLAG_CA 1
#define CERT_FLAG_SELF_SIGNED 2
#define CERT_FLAG_PRECERT 4

static const char *or_empty(const char *text)
{
	return text != NULL ? text : "";
}

static void add_cstr(struct ch_buf *b, const char *text)
{
	ch_buf_str(b, or_empty(text), strlen(or_empty(text)));
}

static dn_status reject_read_only(const struct ch_store *s, struct dn_error *err)
{
	return dn_fail(err, DN_EINVAL, "%s: the store was opened for reading and takes no writes",
	               s->loc.safe);
}

static bool has_cert_tables(const struct ch_store *s)
{
	return s->schema_version >= CH_CERT_SCHEMA_VERSION;
}

/* ---- Writing ---- */

dn_status ch_put_certs(struct store *store, const struct store_cert *certs, size_t n,
                       struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_CERTS];
	for (size_t i = 0; i < n; i++) {
		const struct store_cert *c = &certs[i];
		struct ch_buf *b = &w->buf;
		uint8_t flags = (uint8_t)((c->is_ca ? CERT_FLAG_CA : 0) |
		                          (c->self_signed ? CERT_FLAG_SELF_SIGNED : 0) |
		                          (c->precert ? CERT_FLAG_PRECERT : 0));
		ch_buf_add(b, c->sha256, 32);
		ch_buf_u8(b, c->partial ? 1 : 0);
		ch_buf_add(b, c->sha1, 20);
		ch_buf_add(b, c->spki_sha256, 32);
		ch_buf_add(b, c->tbs_sha256, 32);
		add_cstr(b, c->serial);
		add_cstr(b, c->issuer);
		add_cstr(b, c->subject);
		add_cstr(b, c->sans);
		ch_buf_i64(b, c->not_before);
		ch_buf_i64(b, c->not_after);
		add_cstr(b, c->key_type);
		ch_buf_u32(b, (uint32_t)c->key_bits);
		add_cstr(b, c->sig_alg);
		add_cstr(b, c->level != NULL ? c->level : "unknown");
		ch_buf_u8(b, flags);
		ch_buf_i64(b, c->crtsh_id);
		ch_buf_str(b, (const char *)c->der, c->der != NULL ? c->der_len : 0);
		ch_add_batch(w);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

dn_status ch_put_cert_names(struct store *store, const struct store_cert_name *names, size_t n,
                            struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_CERT_NAMES];
	for (size_t i = 0; i < n; i++) {
		if (names[i].kind == NULL || names[i].value == NULL)
			return dn_fail(err, DN_EINVAL, "a certificate search key lacks its kind or value");
		add_cstr(&w->buf, names[i].kind);
		add_cstr(&w->buf, names[i].value);
		ch_buf_add(&w->buf, names[i].sha256, 32);
		ch_add_batch(w);
		dn_status rc = ch_end_row(s, w, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

dn_status ch_put_cert_sightings(struct store *store, const struct store_cert_sighting *sightings,
                                size_t n, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!s->writable)
		return reject_read_only(s, err);
	struct ch_part_writer *w = &s->parts[CH_PART_CERT_SIGHTINGS];
	for (size_t i = 0; i < n; i++) {
		const struct store_cert_sighting *g = &sightings[i];
		if (g->kind == NULL || g->detail == NULL)
			return dn_fail(err, DN_EINVAL, "a certificate sighting lacks its kind or detail");
		ch_buf_add(&w->buf, g->sha256, 32);
		add_cstr(&w->buf, g->kind);
		add_cstr(&w->buf, g->detail);
		ch_add_figures(w, g->time_first, g->time_last, g->count, g->source_id);
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

static void sql_quote(struct ch_buf *b, const char *text)
{
	ch_quote(b, text, strlen(text));
}

static void sql_quote_bytes(struct ch_buf *b, const uint8_t *bytes, size_t len)
{
	ch_quote(b, (const char *)bytes, len);
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

/* ---- Reading rows ---- */

/* Terminated copies of a row's strings; offsets stay valid as it grows. */
struct held_text {
	char *buf;
	size_t cap;
	size_t used;
};

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

static bool read_fixed(struct ch_reader *r, uint8_t *out, size_t len)
{
	if ((size_t)(r->end - r->pos) < len)
		return false;
	memcpy(out, r->pos, len);
	r->pos += len;
	return true;
}

struct cert_rows {
	store_cert_fn fn;
	store_cert_sighting_fn sighting_fn;
	store_cert_name_fn name_fn;
	store_cert_group_fn group_fn;
	const char *kind;
	void *ctx;
	struct held_text text;
};

#define CERT_COLUMNS                                                                           \
	"sha256, partial, sha1, spki, tbs, serial, issuer, subject, sans, not_before, "         \
	"not_after, key_type, key_bits, sig_alg, level, flags, crtsh_id, der"

/* A row of CERT_COLUMNS. */
static bool parse_cert(struct ch_reader *r, void *arg, dn_status *status)
{
	struct cert_rows *rows = arg;
	struct store_cert c;
	memset(&c, 0, sizeof(c));
	uint8_t partial, flags;
	uint32_t key_bits;
	const char *str[8];
	size_t len[8];
	if (!read_fixed(r, c.sha256, 32) || !ch_read_u8(r, &partial) ||
	    !read_fixed(r, c.sha1, 20) || !read_fixed(r, c.spki_sha256, 32) ||
	    !read_fixed(r, c.tbs_sha256, 32))
		return false;
	for (size_t i = 0; i < 4; i++)
		if (!ch_read_str(r, &str[i], &len[i]))
			return false;
	if (!ch_read_i64(r, &c.not_before) || !ch_read_i64(r, &c.not_after) ||
	    !ch_read_str(r, &str[4], &len[4]) || !ch_read_u32(r, &key_bits) ||
	    !ch_read_str(r, &str[5], &len[5]) || !ch_read_str(r, &str[6], &len[6]) ||
	    !ch_read_u8(r, &flags) || !ch_read_i64(r, &c.crtsh_id) ||
	    !ch_read_str(r, &str[7], &len[7]))
		return false;

	size_t at[8];
	rows->text.used = 0;
	for (size_t i = 0; i < 8; i++) {
		at[i] = hold(&rows->text, str[i], len[i]);
		if (at[i] == (size_t)-1) {
			*status = DN_ENOMEM;
			return true;
		}
	}
	c.partial = partial != 0;
	c.serial = rows->text.buf + at[0];
	c.issuer = rows->text.buf + at[1];
	c.subject = rows->text.buf + at[2];
	c.sans = rows->text.buf + at[3];
	c.key_type = rows->text.buf + at[4];
	c.key_bits = (int)key_bits;
	c.sig_alg = rows->text.buf + at[5];
	c.level = rows->text.buf + at[6];
	c.is_ca = (flags & CERT_FLAG_CA) != 0;
	c.self_signed = (flags & CERT_FLAG_SELF_SIGNED) != 0;
	c.precert = (flags & CERT_FLAG_PRECERT) != 0;
	c.der = len[7] > 0 ? (const uint8_t *)rows->text.buf + at[7] : NULL;
	c.der_len = len[7];
	*status = rows->fn(&c, rows->ctx);
	return true;
}

/* A row of (sha256, kind, detail, first, last, count, source). */
static bool parse_sighting(struct ch_reader *r, void *arg, dn_status *status)
{
	struct cert_rows *rows = arg;
	struct store_cert_sighting g;
	memset(&g, 0, sizeof(g));
	const char *str[2];
	size_t len[2];
	if (!read_fixed(r, g.sha256, 32) || !ch_read_str(r, &str[0], &len[0]) ||
	    !ch_read_str(r, &str[1], &len[1]) || !ch_read_i64(r, &g.time_first) ||
	    !ch_read_i64(r, &g.time_last) || !ch_read_u64(r, &g.count) ||
	    !ch_read_u32(r, &g.source_id))
		return false;
	rows->text.used = 0;
	size_t kind = hold(&rows->text, str[0], len[0]);
	size_t detail = hold(&rows->text, str[1], len[1]);
	if (kind == (size_t)-1 || detail == (size_t)-1) {
		*status = DN_ENOMEM;
		return true;
	}
	g.kind = rows->text.buf + kind;
	g.detail = rows->text.buf + detail;
	*status = rows->sighting_fn(&g, rows->ctx);
	return true;
}

/* A row of (kind, value, sha256). */
static bool parse_name(struct ch_reader *r, void *arg, dn_status *status)
{
	struct cert_rows *rows = arg;
	struct store_cert_name name;
	memset(&name, 0, sizeof(name));
	const char *str[2];
	size_t len[2];
	if (!ch_read_str(r, &str[0], &len[0]) || !ch_read_str(r, &str[1], &len[1]) ||
	    !read_fixed(r, name.sha256, 32))
		return false;
	rows->text.used = 0;
	size_t kind = hold(&rows->text, str[0], len[0]);
	size_t value = hold(&rows->text, str[1], len[1]);
	if (kind == (size_t)-1 || value == (size_t)-1) {
		*status = DN_ENOMEM;
		return true;
	}
	name.kind = rows->text.buf + kind;
	name.value = rows->text.buf + value;
	*status = rows->name_fn(&name, rows->ctx);
	return true;
}

/* A row of (value, certificates). */
static bool parse_group(struct ch_reader *r, void *arg, dn_status *status)
{
	struct cert_rows *rows = arg;
	const char *str;
	size_t len;
	uint64_t certs;
	if (!ch_read_str(r, &str, &len) || !ch_read_u64(r, &certs))
		return false;
	rows->text.used = 0;
	size_t value = hold(&rows->text, str, len);
	if (value == (size_t)-1) {
		*status = DN_ENOMEM;
		return true;
	}
	*status = rows->group_fn(rows->kind, rows->text.buf + value, certs, rows->ctx);
	return true;
}

static dn_status select_rows(struct ch_store *s, const char *what, struct ch_buf *b,
                             ch_row_fn row, struct cert_rows *rows, struct dn_error *err)
{
	dn_status rc = run_rows(s, what, b, row, rows, err);
	free(rows->text.buf);
	return rc;
}

/* ---- Searches ---- */

/* "AND sha256 >= low AND sha256 < high" for a hex prefix of the key. */
static dn_status add_key_prefix(struct ch_buf *b, const char *hex, struct dn_error *err)
{
	uint8_t low[32], high[32];
	size_t low_len, high_len;
	if (!store_cert_hex_range(hex, low, &low_len, high, &high_len))
		return dn_fail(err, DN_EINVAL,
		               "invalid fingerprint '%s': give 1 to 64 lower-case hex digits", hex);
	/* A FixedString compares as its bytes, so a shorter bound is a
	 * prefix bound, as in SQLite. */
	sql_add(b, " AND sha256 >= ");
	sql_quote_bytes(b, low, low_len);
	if (high_len > 0) {
		sql_add(b, " AND sha256 < ");
		sql_quote_bytes(b, high, high_len);
	}
	return DN_OK;
}

static void add_name_match(struct ch_store *s, struct ch_buf *b,
                           const struct store_cert_match *m)
{
	/* On a cluster the keys of a certificate can sit on any shard, so
	 * the subquery runs once over all of them (GLOBAL IN). */
	sql_addf(b, " AND sha256 %sIN (SELECT sha256 FROM %s WHERE kind = ",
	         s->cluster ? "GLOBAL " : "", s->t_cert_name);
	sql_quote(b, m->kind);
	if (m->prefix) {
		char bound[1024];
		size_t bound_len = store_prefix_bound(m->value, bound, sizeof(bound));
		sql_add(b, " AND value >= ");
		sql_quote(b, m->value);
		if (bound_len > 0) {
			sql_add(b, " AND value < ");
			ch_quote(b, bound, bound_len);
		}
	} else {
		sql_add(b, " AND (value = ");
		sql_quote(b, m->value);
		if (m->alt_value != NULL) {
			sql_add(b, " OR value = ");
			sql_quote(b, m->alt_value);
		}
		sql_add(b, ")");
	}
	sql_add(b, ")");
}

/* The DN in column with the RFC 4514 escapes of specials removed, as the
 * SQLite backend does it. In ClickHouse literals a backslash escapes, so
 * the SQL text '\\,' is a backslash and a comma. */
static void add_unescaped(struct ch_buf *b, const char *column)
{
	static const char *const specials[] = {",", "+", "\"", ";", "<", ">", "#", " ", "="};
	size_t n = sizeof(specials) / sizeof(specials[0]);
	sql_add(b, "replaceAll(");
	for (size_t i = 0; i < n; i++)
		sql_add(b, "replaceAll(");
	sql_add(b, column);
	for (size_t i = 0; i < n; i++)
		sql_addf(b, ", '\\\\%s', '%s')", specials[i], specials[i]);
	sql_add(b, ", '\\\\\\\\', '\\\\')");
}

/* "column contains text", ignoring case, in the DN as stored or
 * unescaped. lower() folds ASCII only, as SQLite's lower() does. */
static void add_contains(struct ch_buf *b, const char *column, const char *text)
{
	sql_addf(b, " AND (position(lower(%s), lower(", column);
	sql_quote(b, text);
	sql_add(b, ")) > 0 OR position(lower(");
	add_unescaped(b, column);
	sql_add(b, "), lower(");
	sql_quote(b, text);
	sql_add(b, ")) > 0)");
}

dn_status ch_query_certs(struct store *store, const struct store_cert_query *q,
                         store_cert_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT " CERT_COLUMNS " FROM %s WHERE 1", s->t_cert);
	for (size_t i = 0; i < q->n_matches; i++) {
		const struct store_cert_match *m = &q->matches[i];
		if (m->kind == NULL || m->value == NULL) {
			ch_buf_free(&b);
			return dn_fail(err, DN_EINVAL,
			               "a certificate search condition lacks its kind or value");
		}
		if (strcmp(m->kind, "sha256") != 0) {
			add_name_match(s, &b, m);
			continue;
		}
		dn_status rc = add_key_prefix(&b, m->value, err);
		if (rc != DN_OK) {
			ch_buf_free(&b);
			return rc;
		}
	}
	for (size_t i = 0; i < q->n_issuer_contains; i++)
		add_contains(&b, "issuer", q->issuer_contains[i]);
	for (size_t i = 0; i < q->n_subject_contains; i++)
		add_contains(&b, "subject", q->subject_contains[i]);
	if (q->valid_at != 0)
		sql_addf(&b, " AND not_before <= %lld AND not_after >= %lld", (long long)q->valid_at,
		         (long long)q->valid_at);
	if (q->expires_before != 0)
		sql_addf(&b, " AND not_after < %lld", (long long)q->expires_before);
	if (q->expires_after != 0)
		sql_addf(&b, " AND not_after > %lld", (long long)q->expires_after);
	/* Rows a merge has not combined yet repeat a key; LIMIT 1 BY keeps
	 * one. */
	sql_add(&b, " ORDER BY not_before DESC, sha256 LIMIT 1 BY sha256");
	if (q->limit > 0)
		sql_addf(&b, " LIMIT %llu", (unsigned long long)q->limit);
	struct cert_rows rows = {.fn = fn, .ctx = ctx};
	return select_rows(s, "searching certificates", &b, parse_cert, &rows, err);
}

static void start_sightings(struct ch_store *s, struct ch_buf *b)
{
	sql_addf(b,
	         "SELECT sha256, kind, detail, minMerge(time_first) AS first, "
	         "maxMerge(time_last), sumMerge(count), argMinMerge(source) FROM %s",
	         s->t_cert_sighting);
}

dn_status ch_query_cert_sightings(struct store *store, const uint8_t sha256[32],
                                  store_cert_sighting_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	start_sightings(s, &b);
	sql_add(&b, " WHERE sha256 = ");
	sql_quote_bytes(&b, sha256, 32);
	sql_add(&b, " GROUP BY sha256, kind, detail ORDER BY first, kind, detail");
	struct cert_rows rows = {.sighting_fn = fn, .ctx = ctx};
	return select_rows(s, "looking up certificate sightings", &b, parse_sighting, &rows, err);
}

dn_status ch_group_cert_names(struct store *store, const char *kind, uint64_t min_certs,
                              size_t limit, store_cert_group_fn fn, void *ctx,
                              struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (kind == NULL)
		return dn_fail(err, DN_EINVAL, "grouping certificate keys needs a kind");
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT value, uniqExact(sha256) AS n FROM %s WHERE kind = ", s->t_cert_name);
	sql_quote(&b, kind);
	sql_addf(&b, " GROUP BY value HAVING n >= %llu ORDER BY n DESC, value",
	         (unsigned long long)min_certs);
	if (limit > 0)
		sql_addf(&b, " LIMIT %zu", limit);
	struct cert_rows rows = {.group_fn = fn, .kind = kind, .ctx = ctx};
	return select_rows(s, "grouping certificate keys", &b, parse_group, &rows, err);
}

/* ---- Dumps ---- */

dn_status ch_dump_certs(struct store *store, store_cert_fn fn, void *ctx, struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT " CERT_COLUMNS " FROM %s LIMIT 1 BY sha256", s->t_cert);
	struct cert_rows rows = {.fn = fn, .ctx = ctx};
	return select_rows(s, "reading every certificate", &b, parse_cert, &rows, err);
}

dn_status ch_dump_cert_names(struct store *store, store_cert_name_fn fn, void *ctx,
                             struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	sql_addf(&b, "SELECT DISTINCT kind, value, sha256 FROM %s", s->t_cert_name);
	struct cert_rows rows = {.name_fn = fn, .ctx = ctx};
	return select_rows(s, "reading every certificate search key", &b, parse_name, &rows, err);
}

dn_status ch_dump_cert_sightings(struct store *store, store_cert_sighting_fn fn, void *ctx,
                                 struct dn_error *err)
{
	struct ch_store *s = (struct ch_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct ch_buf b;
	ch_buf_init(&b);
	start_sightings(s, &b);
	sql_add(&b, " GROUP BY sha256, kind, detail");
	struct cert_rows rows = {.sighting_fn = fn, .ctx = ctx};
	return select_rows(s, "reading every certificate sighting", &b, parse_sighting, &rows,
	                   err);
}
