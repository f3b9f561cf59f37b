/* Certificates, their search keys and sightings in the SQLite store: the
 * tables of schema version 3 (schema.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/cert_key.h"
#include "store/sqlite/sqlite_internal.h"

/* The first schema version with the certificate tables. A read-only store
 * of an older version has none, and reads as holding no certificates. */
#define CERT_SCHEMA_VERSION 3

#define CERT_FLAG_CA 1
#define CERT_FLAG_SELF_SIGNED 2
#define CERT_FLAG_PRECERT 4

static const char sql_insert_cert[] =
	"INSERT OR IGNORE INTO cert (sha256, partial, sha1, spki, tbs, serial, issuer, subject, "
	"sans, not_before, not_after, key_type, key_bits, sig_alg, level, flags, crtsh_id, der) "
	"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)";
static const char sql_insert_cert_name[] =
	"INSERT OR IGNORE INTO cert_name (kind, value, sha256) VALUES (?1,?2,?3)";
static const char sql_upsert_cert_sighting[] =
	"INSERT INTO cert_sighting (sha256, kind, detail, time_first, time_last, count, "
	"source_id) VALUES (?1,?2,?3,?4,?5,?6,?7) ON CONFLICT (sha256, kind, detail) DO UPDATE "
	"SET source_id = CASE WHEN excluded.time_first < time_first THEN excluded.source_id "
	"ELSE source_id END, "
	"time_first = min(time_first, excluded.time_first), "
	"time_last = max(time_last, excluded.time_last), count = count + excluded.count";

/* The columns every certificate read returns, in the order cert_row()
 * reads them. */
#define CERT_COLUMNS                                                                           \
	"sha256, partial, sha1, spki, tbs, serial, issuer, subject, sans, not_before, "         \
	"not_after, key_type, key_bits, sig_alg, level, flags, crtsh_id, der"

dn_status sqlite_cert_prepare(struct sqlite_store *s, struct dn_error *err)
{
	struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} list[] = {
		{&s->insert_cert, sql_insert_cert},
		{&s->insert_cert_name, sql_insert_cert_name},
		{&s->upsert_cert_sighting, sql_upsert_cert_sighting},
	};
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(s->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
		                       list[i].stmt, NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "preparing a certificate statement");
	}
	return DN_OK;
}

void sqlite_cert_finalize(struct sqlite_store *s)
{
	sqlite3_finalize(s->insert_cert);
	sqlite3_finalize(s->insert_cert_name);
	sqlite3_finalize(s->upsert_cert_sighting);
}

static bool has_cert_tables(const struct sqlite_store *s)
{
	return s->schema_version >= CERT_SCHEMA_VERSION;
}

static const char *or_empty(const char *text)
{
	return text != NULL ? text : "";
}

/* ---- Writing ---- */

static int compare_certs(const void *a, const void *b)
{
	const struct store_cert *const *x = a;
	const struct store_cert *const *y = b;
	return memcmp((*x)->sha256, (*y)->sha256, 32);
}

static void bind_cert(sqlite3_stmt *st, const struct store_cert *c)
{
	int flags = (c->is_ca ? CERT_FLAG_CA : 0) | (c->self_signed ? CERT_FLAG_SELF_SIGNED : 0) |
	            (c->precert ? CERT_FLAG_PRECERT : 0);
	sqlite3_bind_blob(st, 1, c->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, c->partial ? 1 : 0);
	sqlite3_bind_blob(st, 3, c->sha1, 20, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, c->spki_sha256, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 5, c->tbs_sha256, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, or_empty(c->serial), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, or_empty(c->issuer), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, or_empty(c->subject), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, or_empty(c->sans), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 10, c->not_before);
	sqlite3_bind_int64(st, 11, c->not_after);
	sqlite3_bind_text(st, 12, or_empty(c->key_type), -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, c->key_bits);
	sqlite3_bind_text(st, 14, or_empty(c->sig_alg), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, c->level != NULL ? c->level : "unknown", -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 16, flags);
	sqlite3_bind_int64(st, 17, c->crtsh_id);
	if (c->der != NULL && c->der_len > 0)
		sqlite3_bind_blob(st, 18, c->der, (int)c->der_len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 18);
}

dn_status sqlite_put_certs(struct store *store, const struct store_cert *certs, size_t n,
                           struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;
	/* In key order, so that consecutive inserts land on the same pages. */
	const struct store_cert **order = malloc(n * sizeof(*order));
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu certificates", n);
	for (size_t i = 0; i < n; i++)
		order[i] = &certs[i];
	qsort(order, n, sizeof(*order), compare_certs);
	sqlite_bulk_batch_started(s);
	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++) {
		if (order[i]->der_len > INT32_MAX) {
			rc = dn_fail(err, DN_EINVAL, "a certificate of %zu bytes is too large to store",
			             order[i]->der_len);
			break;
		}
		bind_cert(s->insert_cert, order[i]);
		rc = sqlite_step_done(s, s->insert_cert, "storing a certificate", err);
	}
	free(order);
	return rc;
}

/* A search key with the first bytes of its kind and value, big-endian and
 * zero-padded: compared as integers they order as strcmp() does, so most
 * comparisons of the sort never read the strings. */
struct name_key {
	uint64_t kind[2];  /* the first 16 bytes of the kind */
	uint64_t value;    /* the first 8 bytes of the value */
	const struct store_cert_name *name;
	bool kind_long;    /* the kind has more than 16 bytes */
	bool value_long;   /* the value has more than 8 bytes */
};

/* Pack up to 8 bytes of text from offset at, and report whether any byte
 * remains after them. */
static uint64_t pack8(const char *text, size_t len, size_t at, bool *more)
{
	uint64_t v = 0;
	for (size_t i = at; i < at + 8; i++)
		v = v << 8 | (i < len ? (unsigned char)text[i] : 0);
	*more = len > at + 8;
	return v;
}

static int compare_names(const void *a, const void *b)
{
	const struct name_key *x = a;
	const struct name_key *y = b;
	for (int i = 0; i < 2; i++)
		if (x->kind[i] != y->kind[i])
			return x->kind[i] < y->kind[i] ? -1 : 1;
	/* Equal prefixes of two short strings mean equal strings, because
	 * neither contains a NUL and the padding cannot hide a difference. */
	int c = x->kind_long || y->kind_long ? strcmp(x->name->kind, y->name->kind) : 0;
	if (c != 0)
		return c;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	c = x->value_long || y->value_long ? strcmp(x->name->value, y->name->value) : 0;
	return c != 0 ? c : memcmp(x->name->sha256, y->name->sha256, 32);
}

dn_status sqlite_put_cert_names(struct store *store, const struct store_cert_name *names,
                                size_t n, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;
	for (size_t i = 0; i < n; i++)
		if (names[i].kind == NULL || names[i].value == NULL)
			return dn_fail(err, DN_EINVAL, "a certificate search key lacks its kind or value");
	struct name_key *order = malloc(n * sizeof(*order));
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu certificate keys", n);
	for (size_t i = 0; i < n; i++) {
		size_t kind_len = strlen(names[i].kind);
		size_t value_len = strlen(names[i].value);
		bool more;
		order[i].name = &names[i];
		order[i].kind[0] = pack8(names[i].kind, kind_len, 0, &more);
		order[i].kind[1] = pack8(names[i].kind, kind_len, 8, &order[i].kind_long);
		order[i].value = pack8(names[i].value, value_len, 0, &order[i].value_long);
	}
	/* In key order, so that consecutive inserts land on the same pages. */
	qsort(order, n, sizeof(*order), compare_names);
	sqlite_bulk_batch_started(s);
	sqlite3_stmt *st = s->insert_cert_name;
	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++) {
		const struct store_cert_name *name = order[i].name;
		sqlite3_bind_text(st, 1, name->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, name->value, -1, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, name->sha256, 32, SQLITE_STATIC);
		rc = sqlite_step_done(s, st, "storing a certificate search key", err);
	}
	free(order);
	return rc;
}

dn_status sqlite_put_cert_sightings(struct store *store,
                                    const struct store_cert_sighting *sightings, size_t n,
                                    struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	sqlite3_stmt *st = s->upsert_cert_sighting;
	for (size_t i = 0; i < n; i++) {
		const struct store_cert_sighting *g = &sightings[i];
		if (g->kind == NULL || g->detail == NULL)
			return dn_fail(err, DN_EINVAL, "a certificate sighting lacks its kind or detail");
		sqlite3_bind_blob(st, 1, g->sha256, 32, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g->kind, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, g->detail, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 4, g->time_first);
		sqlite3_bind_int64(st, 5, g->time_last);
		sqlite3_bind_int64(st, 6, (sqlite3_int64)g->count);
		sqlite3_bind_int64(st, 7, g->source_id);
		dn_status rc = sqlite_step_done(s, st, "storing a certificate sighting", err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

/* ---- Reading ---- */

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	const unsigned char *text = sqlite3_column_text(stmt, column);
	return text != NULL ? (const char *)text : "";
}

static void column_bytes(sqlite3_stmt *stmt, int column, uint8_t *out, size_t size)
{
	memset(out, 0, size);
	const void *blob = sqlite3_column_blob(stmt, column);
	size_t len = (size_t)sqlite3_column_bytes(stmt, column);
	if (blob != NULL)
		memcpy(out, blob, len < size ? len : size);
}

static dn_status cert_row(sqlite3_stmt *stmt, store_cert_fn fn, void *ctx)
{
	struct store_cert c;
	memset(&c, 0, sizeof(c));
	column_bytes(stmt, 0, c.sha256, sizeof(c.sha256));
	c.partial = sqlite3_column_int(stmt, 1) != 0;
	column_bytes(stmt, 2, c.sha1, sizeof(c.sha1));
	column_bytes(stmt, 3, c.spki_sha256, sizeof(c.spki_sha256));
	column_bytes(stmt, 4, c.tbs_sha256, sizeof(c.tbs_sha256));
	c.serial = column_text(stmt, 5);
	c.issuer = column_text(stmt, 6);
	c.subject = column_text(stmt, 7);
	c.sans = column_text(stmt, 8);
	c.not_before = sqlite3_column_int64(stmt, 9);
	c.not_after = sqlite3_column_int64(stmt, 10);
	c.key_type = column_text(stmt, 11);
	c.key_bits = sqlite3_column_int(stmt, 12);
	c.sig_alg = column_text(stmt, 13);
	c.level = column_text(stmt, 14);
	int flags = sqlite3_column_int(stmt, 15);
	c.is_ca = (flags & CERT_FLAG_CA) != 0;
	c.self_signed = (flags & CERT_FLAG_SELF_SIGNED) != 0;
	c.precert = (flags & CERT_FLAG_PRECERT) != 0;
	c.crtsh_id = sqlite3_column_int64(stmt, 16);
	c.der = sqlite3_column_blob(stmt, 17);
	c.der_len = (size_t)sqlite3_column_bytes(stmt, 17);
	return fn(&c, ctx);
}

/* Step stmt to its end, handing each row to row_fn; releases stmt
 * (sqlite_stmt_release()). */
static dn_status run_rows(struct sqlite_store *s, sqlite3_stmt *stmt,
                          dn_status (*row_fn)(sqlite3_stmt *stmt, void *fn, void *ctx),
                          void *fn, void *ctx, const char *what, struct dn_error *err)
{
	dn_status rc = DN_OK;
	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = row_fn(stmt, fn, ctx)) != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, what);
	sqlite_stmt_release(s, stmt);
	return rc;
}

static dn_status cert_row_any(sqlite3_stmt *stmt, void *fn, void *ctx)
{
	return cert_row(stmt, (store_cert_fn)fn, ctx);
}

/* The SQL text of a search and the values it binds, in order. */
struct query_sql {
	char text[8192];
	size_t len;
	bool overflow;
	struct {
		enum { BIND_TEXT, BIND_BLOB, BIND_INT } type;
		const void *data;
		size_t len;
		sqlite3_int64 number;
	} binds[64];
	size_t nbinds;
	uint8_t blobs[16][32]; /* key bounds of sha256 prefixes */
	size_t nblobs;
	char bounds[16][1024]; /* upper bounds of text prefixes */
	size_t nbounds;
};

static void add_sql(struct query_sql *q, const char *text)
{
	size_t len = strlen(text);
	if (q->len + len >= sizeof(q->text)) {
		q->overflow = true;
		return;
	}
	memcpy(q->text + q->len, text, len + 1);
	q->len += len;
}

/* Append "?" bound to a value. */
static void add_text(struct query_sql *q, const char *text, size_t len)
{
	if (q->nbinds >= 64) {
		q->overflow = true;
		return;
	}
	q->binds[q->nbinds].type = BIND_TEXT;
	q->binds[q->nbinds].data = text;
	q->binds[q->nbinds].len = len;
	q->nbinds++;
	add_sql(q, "?");
}

static void add_blob(struct query_sql *q, const uint8_t *data, size_t len)
{
	if (q->nbinds >= 64) {
		q->overflow = true;
		return;
	}
	q->binds[q->nbinds].type = BIND_BLOB;
	q->binds[q->nbinds].data = data;
	q->binds[q->nbinds].len = len;
	q->nbinds++;
	add_sql(q, "?");
}

static void add_int(struct query_sql *q, sqlite3_int64 number)
{
	if (q->nbinds >= 64) {
		q->overflow = true;
		return;
	}
	q->binds[q->nbinds].type = BIND_INT;
	q->binds[q->nbinds].number = number;
	q->nbinds++;
	add_sql(q, "?");
}

/* "sha256 >= low AND sha256 < high" for a hex prefix of the key. */
static dn_status add_key_prefix(struct query_sql *q, const char *hex, struct dn_error *err)
{
	if (q->nblobs + 2 > 16)
		return dn_fail(err, DN_EINVAL, "too many fingerprint conditions in one search");
	uint8_t *low = q->blobs[q->nblobs++];
	uint8_t *high = q->blobs[q->nblobs++];
	size_t low_len, high_len;
	if (!store_cert_hex_range(hex, low, &low_len, high, &high_len))
		return dn_fail(err, DN_EINVAL,
		               "invalid fingerprint '%s': give 1 to 64 lower-case hex digits", hex);
	add_sql(q, " AND sha256 >= ");
	add_blob(q, low, low_len);
	if (high_len > 0) {
		add_sql(q, " AND sha256 < ");
		add_blob(q, high, high_len);
	}
	return DN_OK;
}

/* "sha256 IN (keys of kind whose value matches)". */
static dn_status add_name_match(struct query_sql *q, const struct store_cert_match *m,
                                struct dn_error *err)
{
	add_sql(q, " AND sha256 IN (SELECT sha256 FROM cert_name WHERE kind = ");
	add_text(q, m->kind, strlen(m->kind));
	if (m->prefix) {
		/* A range over the primary key, never LIKE, which would scan
		 * every value of the kind. */
		if (q->nbounds >= 16)
			return dn_fail(err, DN_EINVAL, "too many prefix conditions in one search");
		char *bound = q->bounds[q->nbounds++];
		size_t bound_len = store_prefix_bound(m->value, bound, 1024);
		add_sql(q, " AND value >= ");
		add_text(q, m->value, strlen(m->value));
		if (bound_len > 0) {
			add_sql(q, " AND value < ");
			add_text(q, bound, bound_len);
		}
	} else {
		add_sql(q, " AND (value = ");
		add_text(q, m->value, strlen(m->value));
		if (m->alt_value != NULL) {
			add_sql(q, " OR value = ");
			add_text(q, m->alt_value, strlen(m->alt_value));
		}
		add_sql(q, ")");
	}
	add_sql(q, ")");
	return DN_OK;
}

/* The DN in column with the RFC 4514 escapes of specials removed, so that
 * GeoTrust, Inc. finds O=GeoTrust\, Inc. in the DN. The escaped backslash
 * goes last, so a value that ends in one keeps it. */
static void add_unescaped(struct query_sql *q, const char *column)
{
	static const char *const specials[] = {",", "+", "\"", ";", "<", ">", "#", " ", "="};
	size_t n = sizeof(specials) / sizeof(specials[0]);
	add_sql(q, "replace(");
	for (size_t i = 0; i < n; i++)
		add_sql(q, "replace(");
	add_sql(q, column);
	for (size_t i = 0; i < n; i++) {
		char pair[32];
		snprintf(pair, sizeof(pair), ", '\\%s', '%s')", specials[i], specials[i]);
		add_sql(q, pair);
	}
	add_sql(q, ", '\\\\', '\\')");
}

/* "column contains text", ignoring case, in the DN as stored or
 * unescaped. lower() folds ASCII only, as ClickHouse's lower() does. */
static void add_contains(struct query_sql *q, const char *column, const char *text)
{
	add_sql(q, " AND (instr(lower(");
	add_sql(q, column);
	add_sql(q, "), lower(");
	add_text(q, text, strlen(text));
	add_sql(q, ")) > 0 OR instr(lower(");
	add_unescaped(q, column);
	add_sql(q, "), lower(");
	add_text(q, text, strlen(text));
	add_sql(q, ")) > 0)");
}

static dn_status build_query(struct query_sql *q, const struct store_cert_query *query,
                             struct dn_error *err)
{
	add_sql(q, "SELECT " CERT_COLUMNS " FROM cert WHERE 1");
	for (size_t i = 0; i < query->n_matches; i++) {
		const struct store_cert_match *m = &query->matches[i];
		if (m->kind == NULL || m->value == NULL)
			return dn_fail(err, DN_EINVAL, "a certificate search condition lacks its kind "
			                               "or value");
		dn_status rc = strcmp(m->kind, "sha256") == 0 ? add_key_prefix(q, m->value, err)
		                                               : add_name_match(q, m, err);
		if (rc != DN_OK)
			return rc;
	}
	for (size_t i = 0; i < query->n_issuer_contains; i++)
		add_contains(q, "issuer", query->issuer_contains[i]);
	for (size_t i = 0; i < query->n_subject_contains; i++)
		add_contains(q, "subject", query->subject_contains[i]);
	if (query->valid_at != 0) {
		add_sql(q, " AND not_before <= ");
		add_int(q, query->valid_at);
		add_sql(q, " AND not_after >= ");
		add_int(q, query->valid_at);
	}
	if (query->expires_before != 0) {
		add_sql(q, " AND not_after < ");
		add_int(q, query->expires_before);
	}
	if (query->expires_after != 0) {
		add_sql(q, " AND not_after > ");
		add_int(q, query->expires_after);
	}
	add_sql(q, " ORDER BY not_before DESC, sha256 LIMIT ");
	add_int(q, query->limit > 0 ? (sqlite3_int64)query->limit : -1);
	if (q->overflow)
		return dn_fail(err, DN_EINVAL, "the certificate search has too many conditions");
	return DN_OK;
}

dn_status sqlite_query_certs(struct store *store, const struct store_cert_query *query,
                             store_cert_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	struct query_sql *q = calloc(1, sizeof(*q));
	if (q == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory for a certificate search");
	dn_status rc = build_query(q, query, err);
	sqlite3_stmt *stmt = NULL;
	if (rc == DN_OK && sqlite_stmt_prepare(s, q->text, &stmt) != SQLITE_OK)
		rc = sqlite_fail(s, err, "preparing the certificate search");
	for (size_t i = 0; rc == DN_OK && i < q->nbinds; i++) {
		int param = (int)i + 1;
		if (q->binds[i].type == BIND_TEXT)
			sqlite3_bind_text(stmt, param, q->binds[i].data, (int)q->binds[i].len,
			                  SQLITE_STATIC);
		else if (q->binds[i].type == BIND_BLOB)
			sqlite3_bind_blob(stmt, param, q->binds[i].data, (int)q->binds[i].len,
			                  SQLITE_STATIC);
		else
			sqlite3_bind_int64(stmt, param, q->binds[i].number);
	}
	if (rc == DN_OK)
		rc = run_rows(s, stmt, cert_row_any, (void *)fn, ctx, "searching certificates", err);
	free(q);
	return rc;
}

static dn_status sighting_row(sqlite3_stmt *stmt, void *fn, void *ctx)
{
	struct store_cert_sighting g;
	memset(&g, 0, sizeof(g));
	column_bytes(stmt, 0, g.sha256, sizeof(g.sha256));
	g.kind = column_text(stmt, 1);
	g.detail = column_text(stmt, 2);
	g.time_first = sqlite3_column_int64(stmt, 3);
	g.time_last = sqlite3_column_int64(stmt, 4);
	g.count = (uint64_t)sqlite3_column_int64(stmt, 5);
	g.source_id = (uint32_t)sqlite3_column_int64(stmt, 6);
	return ((store_cert_sighting_fn)fn)(&g, ctx);
}

#define SIGHTING_COLUMNS "sha256, kind, detail, time_first, time_last, count, source_id"

dn_status sqlite_query_cert_sightings(struct store *store, const uint8_t sha256[32],
                                      store_cert_sighting_fn fn, void *ctx,
                                      struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	const char *sql = "SELECT " SIGHTING_COLUMNS " FROM cert_sighting WHERE sha256 = ?1 "
	                  "ORDER BY time_first, kind, detail";
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the sighting lookup");
	sqlite3_bind_blob(stmt, 1, sha256, 32, SQLITE_STATIC);
	return run_rows(s, stmt, sighting_row, (void *)fn, ctx, "looking up certificate sightings",
	                err);
}

struct group_call {
	store_cert_group_fn fn;
	const char *kind;
};

static dn_status group_row(sqlite3_stmt *stmt, void *fn, void *ctx)
{
	const struct group_call *call = fn;
	return call->fn(call->kind, column_text(stmt, 0), (uint64_t)sqlite3_column_int64(stmt, 1),
	                ctx);
}

dn_status sqlite_group_cert_names(struct store *store, const char *kind, uint64_t min_certs,
                                  size_t limit, store_cert_group_fn fn, void *ctx,
                                  struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (kind == NULL)
		return dn_fail(err, DN_EINVAL, "grouping certificate keys needs a kind");
	if (!has_cert_tables(s))
		return DN_OK;
	/* The primary key is unique on (kind, value, sha256), so count(*)
	 * counts distinct certificates. */
	sqlite3_stmt *stmt;
	const char *sql = "SELECT value, count(*) AS n FROM cert_name WHERE kind = ?1 "
	                  "GROUP BY value HAVING n >= ?2 ORDER BY n DESC, value LIMIT ?3";
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the certificate key groups");
	sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 2, (sqlite3_int64)min_certs);
	sqlite3_bind_int64(stmt, 3, limit > 0 ? (sqlite3_int64)limit : -1);
	struct group_call call = {fn, kind};
	return run_rows(s, stmt, group_row, &call, ctx, "grouping certificate keys", err);
}

/* ---- Dumps ---- */

dn_status sqlite_dump_certs(struct store *store, store_cert_fn fn, void *ctx,
                            struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT " CERT_COLUMNS " FROM cert ORDER BY sha256", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading every certificate");
	return run_rows(s, stmt, cert_row_any, (void *)fn, ctx, "reading every certificate", err);
}

static dn_status name_row(sqlite3_stmt *stmt, void *fn, void *ctx)
{
	struct store_cert_name name = {
		.kind = column_text(stmt, 0),
		.value = column_text(stmt, 1),
	};
	column_bytes(stmt, 2, name.sha256, sizeof(name.sha256));
	return ((store_cert_name_fn)fn)(&name, ctx);
}

dn_status sqlite_dump_cert_names(struct store *store, store_cert_name_fn fn, void *ctx,
                                 struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT kind, value, sha256 FROM cert_name", -1, &stmt,
	                       NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading every certificate search key");
	return run_rows(s, stmt, name_row, (void *)fn, ctx, "reading every certificate search key",
	                err);
}

dn_status sqlite_dump_cert_sightings(struct store *store, store_cert_sighting_fn fn, void *ctx,
                                     struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_cert_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT " SIGHTING_COLUMNS " FROM cert_sighting", -1, &stmt,
	                       NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading every certificate sighting");
	return run_rows(s, stmt, sighting_row, (void *)fn, ctx,
	                "reading every certificate sighting", err);
}
