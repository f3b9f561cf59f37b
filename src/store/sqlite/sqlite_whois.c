/* WHOIS and RDAP documents and their index values in the SQLite store: the
 * tables of schema versions 2 and 5 (schema.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "store/sqlite/sqlite_internal.h"

/* The first schema version with the WHOIS tables. A read-only store of an
 * older version has none, and reads as holding no WHOIS data. */
#define WHOIS_SCHEMA_VERSION 2

/*
 * Documents merge like records (sqlite_write.c): insert, or find the row
 * and merge times and count into it, with per-source figures in
 * whois_source once a second source sees the document. A new row names
 * the place of its raw response in a block (?13, ?14), which
 * sqlite_put_whois() fills and stores after the insert. The merge also
 * takes the new raw response when the row has none or when the new one is
 * older (?8 is its sighting's first time), as a frame of its own (?6) and
 * with raw_dict set to ?9, which is NULL for every frame written now. On
 * equal times the stored one stays. ?6 to ?9 are
 * bound by bind_whois_key(), which sqlite_insert_or_merge() calls only
 * when the insert was blocked. SQLite evaluates every CASE against the row
 * as it was before the UPDATE.
 */
static const char sql_insert_whois[] =
	"INSERT OR IGNORE INTO whois (domain, hash, status, document, raw, raw_size, raw_time, "
	"time_first, time_last, count, source_id, raw_dict, raw_block, raw_offset) "
	"VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)";
static const char sql_find_whois[] = "SELECT id, source_id FROM whois WHERE domain = ?1 AND hash = ?2";
#define TAKES_NEW_RAW "CASE WHEN ?7 > 0 AND (raw_size = 0 OR ?8 < raw_time) "
static const char sql_merge_whois[] =
	"UPDATE whois SET time_first = min(time_first, ?2), time_last = max(time_last, ?3), "
	"count = count + ?4, source_id = ?5, "
	"raw_dict = " TAKES_NEW_RAW "THEN ?9 ELSE raw_dict END, "
	"raw = " TAKES_NEW_RAW "THEN ?6 ELSE raw END, "
	"raw_block = " TAKES_NEW_RAW "THEN NULL ELSE raw_block END, "
	"raw_offset = " TAKES_NEW_RAW "THEN NULL ELSE raw_offset END, "
	"raw_size = " TAKES_NEW_RAW "THEN ?7 ELSE raw_size END, "
	"raw_time = " TAKES_NEW_RAW "THEN ?8 ELSE raw_time END WHERE id = ?1";
static const char sql_copy_whois_source[] =
	"INSERT INTO whois_source (whois_id, source_id, time_first, time_last, count) "
	"SELECT id, source_id, time_first, time_last, count FROM whois WHERE id = ?1";
static const char sql_upsert_whois_source[] =
	"INSERT INTO whois_source (whois_id, source_id, time_first, time_last, count) "
	"VALUES (?1,?2,?3,?4,?5) ON CONFLICT (whois_id, source_id) DO UPDATE SET "
	"time_first = min(time_first, excluded.time_first), "
	"time_last = max(time_last, excluded.time_last), "
	"count = count + excluded.count";

/* shown is the form of the latest sighting. On equal times the larger
 * string wins, so the result does not depend on the order of writes. A
 * NULL shown is value, which both sides of a conflict share. A value
 * masked once stays masked. */
#define WHOIS_VALUE_INSERT                                                                     \
	"INSERT INTO whois_value (kind, value, domain, role, shown, masked, time_first, "      \
	"time_last) VALUES "
#define WHOIS_VALUE_ROW "(?,?,?,?,?,?,?,?)"
#define WHOIS_VALUE_COLUMNS 8
#define WHOIS_VALUE_CONFLICT                                                                   \
	" ON CONFLICT (kind, value, domain, role) DO UPDATE SET "                             \
	"shown = CASE WHEN excluded.time_last > time_last OR (excluded.time_last = time_last " \
	"AND coalesce(excluded.shown, value) > coalesce(shown, value)) THEN excluded.shown "  \
	"ELSE shown END, "                                                                     \
	"masked = max(masked, excluded.masked), "                                              \
	"time_first = min(time_first, excluded.time_first), "                                  \
	"time_last = max(time_last, excluded.time_last)"
static const char sql_upsert_whois_value[] =
	WHOIS_VALUE_INSERT WHOIS_VALUE_ROW WHOIS_VALUE_CONFLICT;

/*
 * Rows of the multi-row form of sql_upsert_whois_value. Each sqlite3_step()
 * has a fixed cost (resetting, starting the program, opening the cursor)
 * about as large as the B-tree insert. On 10,000 responses of
 * bench/gen_whois.py (about 130,000 values), sqlite_put_whois_values() ran
 * 1,179 million instructions (callgrind) at one row a statement, 751
 * million at 64 rows and 693 million at 256.
 */
#define WHOIS_VALUES_PER_STATEMENT 256

/*
 * Pages the WAL may hold before a commit copies them into the database.
 * Every WHOIS batch rewrites pages all over whois_value, and every
 * certificate batch all over cert_name, so most pages of one checkpoint are
 * written again by the next batch. A checkpoint every
 * 16384 pages (256 MiB of 16 KiB pages) in place of SQLite's default 1000
 * copies each page once for several batches. On bench/whois_store_bench.c
 * (100,000 documents of 12 values, batches of 2,000) it cut the bytes
 * written from 4.7 to 3.0 GB. The WAL file grows to about 256 MiB while an
 * import runs.
 */
#define WHOIS_WAL_CHECKPOINT_PAGES 16384
#define DEFAULT_WAL_CHECKPOINT_PAGES 1000

void sqlite_bulk_batch_started(struct sqlite_store *s)
{
	if (s->bulk_batch)
		return;
	sqlite3_wal_autocheckpoint(s->db, WHOIS_WAL_CHECKPOINT_PAGES);
	s->bulk_batch = true;
}

void sqlite_bulk_batch_ended(struct sqlite_store *s, bool committed)
{
	(void)committed;
	if (!s->bulk_batch)
		return;
	sqlite3_wal_autocheckpoint(s->db, DEFAULT_WAL_CHECKPOINT_PAGES);
	sqlite_raw_batch_ended(s);
	s->bulk_batch = false;
}

dn_status sqlite_whois_prepare(struct sqlite_store *s, struct dn_error *err)
{
	struct {
		sqlite3_stmt **stmt;
		const char *sql;
	} list[] = {
		{&s->whois.insert, sql_insert_whois},
		{&s->whois.find, sql_find_whois},
		{&s->whois.merge, sql_merge_whois},
		{&s->whois.copy_source, sql_copy_whois_source},
		{&s->whois.upsert_source, sql_upsert_whois_source},
		{&s->upsert_whois_value, sql_upsert_whois_value},
	};
	s->whois.noun = "a WHOIS document";
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]); i++) {
		if (sqlite3_prepare_v3(s->db, list[i].sql, -1, SQLITE_PREPARE_PERSISTENT,
		                       list[i].stmt, NULL) != SQLITE_OK)
			return sqlite_fail(s, err, "preparing a WHOIS statement");
	}
	return DN_OK;
}

void sqlite_whois_finalize(struct sqlite_store *s)
{
	sqlite3_finalize(s->whois.insert);
	sqlite3_finalize(s->whois.find);
	sqlite3_finalize(s->whois.merge);
	sqlite3_finalize(s->whois.copy_source);
	sqlite3_finalize(s->whois.upsert_source);
	sqlite3_finalize(s->upsert_whois_value);
	sqlite3_finalize(s->upsert_whois_values);
	sqlite_raw_free(s);
}

static bool has_whois_tables(const struct sqlite_store *s)
{
	return s->schema_version >= WHOIS_SCHEMA_VERSION;
}

/* ---- Writing documents ---- */

/* A document with its hash, the second column of the unique key. */
struct whois_key {
	const struct store_whois *doc;
	uint8_t hash[16];
};

/* The context of bind_whois_key(), which runs only when the insert was
 * blocked and records that in *blocked. It compresses the raw response for
 * the merge and reports a failure through *rc. */
struct whois_put {
	struct sqlite_store *s;
	const struct whois_key *key;
	size_t raw_len;
	bool *blocked;
	dn_status *rc;
	struct dn_error *err;
};

static int compare_whois_keys(const void *a, const void *b)
{
	const struct whois_key *x = a;
	const struct whois_key *y = b;
	int c = strcmp(x->doc->domain, y->doc->domain);
	return c != 0 ? c : memcmp(x->hash, y->hash, sizeof(x->hash));
}

/* Bind a compressed response and its dictionary id, or NULLs for none. */
static void bind_packed(sqlite3_stmt *st, int data_param, int dict_param,
                        const struct packed_raw *packed)
{
	if (packed->len > 0)
		sqlite3_bind_blob(st, data_param, packed->data, (int)packed->len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, data_param);
	if (packed->dict_id > 0)
		sqlite3_bind_int64(st, dict_param, packed->dict_id);
	else
		sqlite3_bind_null(st, dict_param);
}

/* Bind the key to find and the raw response to the merge. The merge keeps
 * the row's raw response when compressing the new one fails, and the
 * caller then returns the error. */
static void bind_whois_key(sqlite3_stmt *find, const void *ctx)
{
	const struct whois_put *put = ctx;
	const struct store_whois *d = put->key->doc;
	sqlite3_bind_text(find, 1, d->domain, -1, SQLITE_STATIC);
	sqlite3_bind_blob(find, 2, put->key->hash, sizeof(put->key->hash), SQLITE_STATIC);

	*put->blocked = true;
	struct packed_raw packed;
	*put->rc = sqlite_raw_compress(put->s, d->raw != NULL ? d->raw : "", put->raw_len, &packed,
	                               put->err);
	if (*put->rc != DN_OK)
		packed = (struct packed_raw){NULL, 0, 0};
	size_t raw_size = packed.len > 0 ? put->raw_len : 0;
	sqlite3_stmt *merge = put->s->whois.merge;
	bind_packed(merge, 6, 9, &packed);
	sqlite3_bind_int64(merge, 7, (sqlite3_int64)raw_size);
	sqlite3_bind_int64(merge, 8, d->time_first);
}

static dn_status put_one_whois(struct sqlite_store *s, const struct whois_key *k,
                               struct dn_error *err)
{
	const struct store_whois *d = k->doc;
	const char *raw = d->raw != NULL ? d->raw : "";
	size_t raw_len = strlen(raw);
	int64_t block_id = 0;
	size_t offset = 0;
	dn_status rc = raw_len > 0 ? sqlite_raw_block_position(s, &block_id, &offset, err) : DN_OK;
	if (rc != DN_OK)
		return rc;

	sqlite3_stmt *st = s->whois.insert;
	sqlite3_bind_text(st, 1, d->domain, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, k->hash, sizeof(k->hash), SQLITE_STATIC);
	sqlite3_bind_text(st, 3, d->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, d->document, -1, SQLITE_STATIC);
	sqlite3_bind_null(st, 5);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)raw_len);
	sqlite3_bind_int64(st, 7, d->time_first);
	sqlite3_bind_int64(st, 8, d->time_first);
	sqlite3_bind_int64(st, 9, d->time_last);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)d->count);
	sqlite3_bind_int64(st, 11, d->source_id);
	sqlite3_bind_null(st, 12);
	if (raw_len > 0) {
		sqlite3_bind_int64(st, 13, block_id);
		sqlite3_bind_int64(st, 14, (sqlite3_int64)offset);
	} else {
		sqlite3_bind_null(st, 13);
		sqlite3_bind_null(st, 14);
	}

	struct contribution c = {d->source_id, d->time_first, d->time_last, d->count};
	dn_status merge_rc = DN_OK;
	bool blocked = false;
	struct whois_put put = {s, k, raw_len, &blocked, &merge_rc, err};
	bool collided;
	rc = sqlite_insert_or_merge(s, &s->whois, &c, bind_whois_key, &put, &collided, err);
	if (rc == DN_OK && merge_rc != DN_OK)
		return merge_rc;
	if (rc == DN_OK && collided)
		return dn_fail(err, DN_ESTORE,
		               "%s: storing a WHOIS document of %s: the row that blocked the insert "
		               "is missing",
		               s->path, d->domain);
	/* The new row names the place in the block that its response now takes. */
	if (rc == DN_OK && !blocked && raw_len > 0)
		rc = sqlite_raw_block_append(s, raw, raw_len, err);
	return rc;
}

static dn_status check_whois(const struct store_whois *d, struct dn_error *err)
{
	if (d->domain == NULL || d->domain[0] == '\0')
		return dn_fail(err, DN_EINVAL, "a WHOIS document without a domain");
	if (d->status == NULL || d->document == NULL)
		return dn_fail(err, DN_EINVAL, "the WHOIS document of %s lacks its status or text",
		               d->domain);
	return DN_OK;
}

dn_status sqlite_put_whois(struct store *store, const struct store_whois *docs, size_t n,
                           struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;
	for (size_t i = 0; i < n; i++) {
		dn_status rc = check_whois(&docs[i], err);
		if (rc != DN_OK)
			return rc;
	}

	/* In key order, for the reason given in sqlite_put_rrsets. */
	struct whois_key *order = malloc(n * sizeof(*order));
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu WHOIS documents", n);
	for (size_t i = 0; i < n; i++) {
		order[i].doc = &docs[i];
		store_whois_hash(&docs[i], order[i].hash);
	}
	qsort(order, n, sizeof(*order), compare_whois_keys);

	sqlite_bulk_batch_started(s);
	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = put_one_whois(s, &order[i], err);
	if (rc == DN_OK)
		rc = sqlite_raw_block_flush(s, err);
	free(order);
	return rc;
}

/* ---- Writing index values ---- */

/* whois_value stores kind and role as these numbers. Each list is in
 * alphabetical order, so ORDER BY on the numbers gives the order of the
 * names, as the other backends sort them. Number 0 is never stored. */
static const char *const value_kinds[] = {
	NULL, "address", "email", "name", "nameserver", "org", "phone", "registrar",
};
static const char *const value_roles[] = {
	NULL, "admin", "billing", "domain", "registrant", "registrar", "tech",
};

#define COUNT_OF(a) (sizeof(a) / sizeof((a)[0]))

/* The number of name in names, or 0 when it is not there. */
static int name_number(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 1; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return 0;
}

static int kind_number(const char *kind)
{
	return name_number(value_kinds, COUNT_OF(value_kinds), kind);
}

static const char *number_name(const char *const *names, size_t n, int number)
{
	return number > 0 && (size_t)number < n ? names[number] : "unknown";
}

/* A value with its numbers and the lengths of its strings, measured once
 * for the sort and the binds. */
struct value_key {
	/* The kind in the top byte, then the first fifteen bytes of the value,
	 * big-endian and zero-padded. Compared as two integers they order as
	 * (kind, strcmp() of the value) does, so most comparisons of a sort
	 * never read the strings. */
	uint64_t prefix[2];
	const struct store_whois_value *v;
	int kind;
	int role;
	int value_len;
	int domain_len;
	int shown_len; /* -1: shown is value, stored as NULL */
};

/* Bytes of the value that value_key.prefix holds. */
#define VALUE_PREFIX_BYTES 15

static int compare_values(const void *a, const void *b)
{
	const struct value_key *x = a;
	const struct value_key *y = b;
	if (x->prefix[0] != y->prefix[0])
		return x->prefix[0] < y->prefix[0] ? -1 : 1;
	if (x->prefix[1] != y->prefix[1])
		return x->prefix[1] < y->prefix[1] ? -1 : 1;
	/* Equal prefixes of two short values mean equal values, because a value
	 * contains no NUL and the padding cannot hide a difference. */
	int c = 0;
	if (x->value_len > VALUE_PREFIX_BYTES || y->value_len > VALUE_PREFIX_BYTES)
		c = strcmp(x->v->value + VALUE_PREFIX_BYTES, y->v->value + VALUE_PREFIX_BYTES);
	if (c == 0)
		c = strcmp(x->v->domain, y->v->domain);
	if (c == 0 && x->role != y->role)
		c = x->role < y->role ? -1 : 1;
	return c;
}

/* Check v and fill in its key; only the kinds and roles of the lists above
 * can be stored. */
static dn_status make_value_key(const struct store_whois_value *v, struct value_key *k,
                                struct dn_error *err)
{
	if (v->kind == NULL || v->value == NULL || v->domain == NULL || v->role == NULL)
		return dn_fail(err, DN_EINVAL,
		               "a WHOIS index value lacks its kind, value, domain or role (domain "
		               "%s)",
		               v->domain != NULL ? v->domain : "missing");
	k->v = v;
	k->kind = kind_number(v->kind);
	k->role = name_number(value_roles, COUNT_OF(value_roles), v->role);
	if (k->kind == 0 || k->role == 0)
		return dn_fail(err, DN_EINVAL,
		               "the WHOIS index value of %s has the unknown %s '%s'; the SQLite "
		               "store takes the kinds and roles that store.h lists",
		               v->domain, k->kind == 0 ? "kind" : "role",
		               k->kind == 0 ? v->kind : v->role);
	size_t value_len = strlen(v->value);
	size_t domain_len = strlen(v->domain);
	uint64_t p[2] = {(uint64_t)k->kind, 0};
	for (size_t i = 0; i < VALUE_PREFIX_BYTES; i++) {
		uint64_t byte = i < value_len ? (unsigned char)v->value[i] : 0;
		p[(i + 1) / 8] = p[(i + 1) / 8] << 8 | byte;
	}
	k->prefix[0] = p[0];
	k->prefix[1] = p[1];
	if (value_len > INT32_MAX || domain_len > INT32_MAX)
		return dn_fail(err, DN_EINVAL, "a WHOIS index value of %s is too long", v->domain);
	k->value_len = (int)value_len;
	k->domain_len = (int)domain_len;
	/* A missing shown reads back as "", so it is stored as "". */
	const char *shown = v->shown != NULL ? v->shown : "";
	k->shown_len = strcmp(shown, v->value) == 0 ? -1 : (int)strnlen(shown, INT32_MAX);
	return DN_OK;
}

/* Bind k to the WHOIS_VALUE_COLUMNS parameters of st from first + 1 on. */
static void bind_value(sqlite3_stmt *st, int first, const struct value_key *k)
{
	const struct store_whois_value *v = k->v;
	sqlite3_bind_int(st, first + 1, k->kind);
	sqlite3_bind_text(st, first + 2, v->value, k->value_len, SQLITE_STATIC);
	sqlite3_bind_text(st, first + 3, v->domain, k->domain_len, SQLITE_STATIC);
	sqlite3_bind_int(st, first + 4, k->role);
	if (k->shown_len < 0)
		sqlite3_bind_null(st, first + 5);
	else
		sqlite3_bind_text(st, first + 5, v->shown != NULL ? v->shown : "", k->shown_len,
		                  SQLITE_STATIC);
	sqlite3_bind_int(st, first + 6, v->masked ? 1 : 0);
	sqlite3_bind_int64(st, first + 7, v->time_first);
	sqlite3_bind_int64(st, first + 8, v->time_last);
}

/* Prepare s->upsert_whois_values, with as many rows as the connection's
 * limit on parameters allows, up to WHOIS_VALUES_PER_STATEMENT. */
static dn_status prepare_multi_row_upsert(struct sqlite_store *s, struct dn_error *err)
{
	if (s->upsert_whois_values != NULL)
		return DN_OK;
	int rows = sqlite3_limit(s->db, SQLITE_LIMIT_VARIABLE_NUMBER, -1) / WHOIS_VALUE_COLUMNS;
	if (rows > WHOIS_VALUES_PER_STATEMENT)
		rows = WHOIS_VALUES_PER_STATEMENT;
	if (rows < 2) {
		s->whois_values_per_statement = 1;
		return DN_OK;
	}
	size_t row_len = strlen(WHOIS_VALUE_ROW) + 1;
	size_t size = strlen(WHOIS_VALUE_INSERT) + (size_t)rows * row_len +
	              strlen(WHOIS_VALUE_CONFLICT) + 1;
	char *sql = malloc(size);
	if (sql == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory preparing a WHOIS statement");
	char *end = stpcpy(sql, WHOIS_VALUE_INSERT);
	for (int i = 0; i < rows; i++) {
		if (i > 0)
			*end++ = ',';
		end = stpcpy(end, WHOIS_VALUE_ROW);
	}
	stpcpy(end, WHOIS_VALUE_CONFLICT);
	int prepared = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	                                  &s->upsert_whois_values, NULL);
	free(sql);
	if (prepared != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the multi-row WHOIS index value statement");
	s->whois_values_per_statement = rows;
	return DN_OK;
}

dn_status sqlite_put_whois_values(struct store *store, const struct store_whois_value *vals,
                                  size_t n, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (n == 0)
		return DN_OK;
	struct value_key *order = malloc(n * sizeof(*order));
	if (order == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory sorting %zu WHOIS index values", n);
	dn_status rc = DN_OK;
	for (size_t i = 0; i < n && rc == DN_OK; i++)
		rc = make_value_key(&vals[i], &order[i], err);
	if (rc != DN_OK) {
		free(order);
		return rc;
	}
	/* In key order, so that consecutive inserts land on the same pages. */
	qsort(order, n, sizeof(*order), compare_values);

	sqlite_bulk_batch_started(s);
	rc = prepare_multi_row_upsert(s, err);
	/* Whole statements of many rows, then the rest one row at a time. Rows of
	 * one statement are upserted in turn, so a key repeated within it merges
	 * like one repeated across statements. */
	size_t rows = (size_t)s->whois_values_per_statement;
	size_t i = 0;
	for (; rows > 1 && n - i >= rows && rc == DN_OK; i += rows) {
		for (size_t j = 0; j < rows; j++)
			bind_value(s->upsert_whois_values, (int)j * WHOIS_VALUE_COLUMNS, &order[i + j]);
		rc = sqlite_step_done(s, s->upsert_whois_values, "storing WHOIS index values", err);
	}
	for (; i < n && rc == DN_OK; i++) {
		bind_value(s->upsert_whois_value, 0, &order[i]);
		rc = sqlite_step_done(s, s->upsert_whois_value, "storing a WHOIS index value", err);
	}
	free(order);
	return rc;
}

/* ---- Reading ---- */

static const char *column_text(sqlite3_stmt *stmt, int column)
{
	const unsigned char *text = sqlite3_column_text(stmt, column);
	return text != NULL ? (const char *)text : "";
}

/* The columns every document read returns, in this order: domain, hash,
 * status, document, raw, raw_size, time_first, time_last, count, the
 * source id, raw_dict, raw_block and raw_offset. raw_size is 0 when the
 * caller did not ask for the raw response. */
#define WHOIS_COLUMNS_MERGED                                                                    \
	"domain, hash, status, document, %s, time_first, time_last, count, "                  \
	"coalesce(source_id, (SELECT source_id FROM whois_source WHERE whois_id = whois.id "   \
	"ORDER BY time_first, source_id LIMIT 1)), raw_dict, %s"

/* The first schema version with whois_raw_block and its columns in whois. */
#define RAW_BLOCK_SCHEMA_VERSION 5

/* raw_block and raw_offset as columns of table, or NULLs in a store older
 * than those columns. */
static const char *block_columns(const struct sqlite_store *s, const char *table)
{
	if (s->schema_version < RAW_BLOCK_SCHEMA_VERSION)
		return "NULL, NULL";
	return strcmp(table, "w") == 0 ? "w.raw_block, w.raw_offset" : "raw_block, raw_offset";
}

/* Decompress the raw response of a row into *text (malloc'd, terminated);
 * NULL when the row kept none. */
static dn_status row_raw(struct sqlite_store *s, sqlite3_stmt *stmt, const char *domain,
                         char **text, struct dn_error *err)
{
	*text = NULL;
	sqlite3_int64 size = sqlite3_column_int64(stmt, 5);
	if (size <= 0)
		return DN_OK;
	if (sqlite3_column_type(stmt, 11) != SQLITE_NULL)
		return sqlite_raw_block_read(s, sqlite3_column_int64(stmt, 11),
		                             sqlite3_column_int64(stmt, 12), (size_t)size, domain, text,
		                             err);
	if (sqlite3_column_type(stmt, 4) == SQLITE_NULL)
		return DN_OK;
	struct packed_raw packed = {
		.data = sqlite3_column_blob(stmt, 4),
		.len = (size_t)sqlite3_column_bytes(stmt, 4),
		.dict_id = sqlite3_column_int64(stmt, 10),
	};
	return sqlite_raw_decompress(s, &packed, (size_t)size, domain, text, err);
}

/* Call fn with the document of the current row of stmt. */
static dn_status whois_row(struct sqlite_store *s, sqlite3_stmt *stmt, store_whois_fn fn,
                           void *ctx, struct dn_error *err)
{
	struct store_whois doc = {
		.domain = column_text(stmt, 0),
		.status = column_text(stmt, 2),
		.document = column_text(stmt, 3),
		.raw = "",
		.time_first = sqlite3_column_int64(stmt, 6),
		.time_last = sqlite3_column_int64(stmt, 7),
		.count = (uint64_t)sqlite3_column_int64(stmt, 8),
		.source_id = (uint32_t)sqlite3_column_int64(stmt, 9),
	};
	if (sqlite3_column_bytes(stmt, 1) != (int)sizeof(doc.hash))
		return dn_fail(err, DN_ESTORE,
		               "%s: a WHOIS document of %s has a hash of %d bytes, not 16; the "
		               "database is damaged",
		               s->path, doc.domain, sqlite3_column_bytes(stmt, 1));
	memcpy(doc.hash, sqlite3_column_blob(stmt, 1), sizeof(doc.hash));
	char *raw;
	dn_status rc = row_raw(s, stmt, doc.domain, &raw, err);
	if (rc != DN_OK)
		return rc;
	if (raw != NULL)
		doc.raw = raw;
	rc = fn(&doc, ctx);
	free(raw);
	return rc;
}

static dn_status whois_rows(struct sqlite_store *s, sqlite3_stmt *stmt, store_whois_fn fn,
                            void *ctx, const char *what, struct dn_error *err)
{
	dn_status rc = DN_OK;
	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = whois_row(s, stmt, fn, ctx, err)) != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, what);
	return rc;
}

dn_status sqlite_query_whois(struct store *store, const char *domain, bool latest_only,
                             bool with_raw, store_whois_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (domain == NULL)
		return dn_fail(err, DN_EINVAL, "a WHOIS lookup needs a domain");
	if (!has_whois_tables(s))
		return DN_OK;
	/* History: first seen first. Latest: last seen, then the later first
	 * seen; the hash breaks the remaining ties the same way everywhere. */
	char sql[640];
	snprintf(sql, sizeof(sql),
	         "SELECT " WHOIS_COLUMNS_MERGED " FROM whois WHERE domain = ?1 ORDER BY %s",
	         with_raw ? "raw, raw_size" : "NULL, 0", block_columns(s, "whois"),
	         latest_only ? "time_last DESC, time_first DESC, hash LIMIT 1"
	                     : "time_first, time_last, hash");
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the WHOIS lookup");
	sqlite3_bind_text(stmt, 1, domain, -1, SQLITE_STATIC);
	dn_status rc = whois_rows(s, stmt, fn, ctx, "looking up WHOIS documents", err);
	sqlite3_finalize(stmt);
	return rc;
}

/* The smallest string greater than every string that starts with prefix:
 * the prefix without its trailing 0xff bytes, its last byte raised by one.
 * Returns the length, or 0 when there is none (no upper bound). */
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

static dn_status value_row(sqlite3_stmt *stmt, store_whois_value_fn fn, void *ctx)
{
	struct store_whois_value v = {
		.kind = number_name(value_kinds, COUNT_OF(value_kinds), sqlite3_column_int(stmt, 0)),
		.value = column_text(stmt, 1),
		.shown = column_text(stmt, 2),
		.domain = column_text(stmt, 3),
		.role = number_name(value_roles, COUNT_OF(value_roles), sqlite3_column_int(stmt, 4)),
		.masked = sqlite3_column_int(stmt, 5) != 0,
		.time_first = sqlite3_column_int64(stmt, 6),
		.time_last = sqlite3_column_int64(stmt, 7),
	};
	return fn(&v, ctx);
}

static dn_status value_rows(struct sqlite_store *s, sqlite3_stmt *stmt, store_whois_value_fn fn,
                            void *ctx, const char *what, struct dn_error *err)
{
	dn_status rc = DN_OK;
	int step;
	while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((rc = value_row(stmt, fn, ctx)) != DN_OK)
			break;
	}
	if (rc == DN_OK && step != SQLITE_DONE)
		rc = sqlite_fail(s, err, what);
	return rc;
}

#define VALUE_COLUMNS                                                                          \
	"kind, value, coalesce(shown, value), domain, role, masked, time_first, time_last"

dn_status sqlite_query_whois_values(struct store *store, const struct store_whois_lookup *q,
                                    store_whois_value_fn fn, void *ctx, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (q->kind == NULL || q->value == NULL)
		return dn_fail(err, DN_EINVAL, "a reverse WHOIS lookup needs a kind and a value");
	int kind = kind_number(q->kind);
	if (!has_whois_tables(s) || kind == 0)
		return DN_OK;

	/* A prefix is a range over the primary key, never LIKE, which would
	 * scan every value of the kind. */
	char bound[1024];
	size_t bound_len = q->prefix ? prefix_bound(q->value, bound, sizeof(bound)) : 0;
	const char *condition = !q->prefix     ? "value = ?2"
	                        : bound_len > 0 ? "value >= ?2 AND value < ?3"
	                                        : "value >= ?2";
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "SELECT " VALUE_COLUMNS " FROM whois_value WHERE kind = ?1 AND %s "
	         "ORDER BY domain, role, value LIMIT ?4",
	         condition);
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the reverse WHOIS lookup");
	sqlite3_bind_int(stmt, 1, kind);
	sqlite3_bind_text(stmt, 2, q->value, -1, SQLITE_STATIC);
	if (bound_len > 0)
		sqlite3_bind_text(stmt, 3, bound, (int)bound_len, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, 4, q->limit > 0 ? (sqlite3_int64)q->limit : -1);
	dn_status rc = value_rows(s, stmt, fn, ctx, "looking up WHOIS index values", err);
	sqlite3_finalize(stmt);
	return rc;
}

dn_status sqlite_count_whois_value(struct store *store, const char *kind, const char *value,
                                   uint64_t *domains, struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	*domains = 0;
	if (kind == NULL || value == NULL)
		return dn_fail(err, DN_EINVAL, "counting a WHOIS value needs a kind and a value");
	int kind_code = kind_number(kind);
	if (!has_whois_tables(s) || kind_code == 0)
		return DN_OK;
	sqlite3_stmt *stmt;
	const char *sql = "SELECT count(DISTINCT domain) FROM whois_value "
	                  "WHERE kind = ?1 AND value = ?2";
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing the WHOIS value count");
	sqlite3_bind_int(stmt, 1, kind_code);
	sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
	dn_status rc = DN_OK;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		*domains = (uint64_t)sqlite3_column_int64(stmt, 0);
	else
		rc = sqlite_fail(s, err, "counting the domains of a WHOIS value");
	sqlite3_finalize(stmt);
	return rc;
}

/* ---- Dumps ---- */

dn_status sqlite_dump_whois_values(struct store *store, store_whois_value_fn fn, void *ctx,
                                   struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_whois_tables(s))
		return DN_OK;
	sqlite3_stmt *stmt;
	const char *sql = "SELECT " VALUE_COLUMNS " FROM whois_value "
	                  "ORDER BY domain, role, kind, value";
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading every WHOIS index value");
	dn_status rc = value_rows(s, stmt, fn, ctx, "reading every WHOIS index value", err);
	sqlite3_finalize(stmt);
	return rc;
}

/* A document seen by one source has its source_id set and no whois_source
 * row; one seen by several has one whois_source row per source. */
#define SQL_DUMP_WHOIS_SINGLE                                                                  \
	"SELECT domain, hash, status, document, raw, raw_size, time_first, time_last, count, " \
	"source_id, raw_dict, %s FROM whois WHERE source_id IS NOT NULL"
#define SQL_DUMP_WHOIS_SHARED                                                                  \
	"SELECT w.domain, w.hash, w.status, w.document, w.raw, w.raw_size, s.time_first, "     \
	"s.time_last, s.count, s.source_id, w.raw_dict, %s "                                   \
	"FROM whois_source AS s JOIN whois AS w ON w.id = s.whois_id"

dn_status sqlite_dump_whois(struct store *store, store_whois_fn fn, void *ctx,
                            struct dn_error *err)
{
	struct sqlite_store *s = (struct sqlite_store *)store;
	if (!has_whois_tables(s))
		return DN_OK;
	/* One read transaction, so both statements see one snapshot; inside
	 * an open batch they see that batch. */
	bool own = !s->in_batch;
	if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading every WHOIS document");
	char single[512];
	char shared[512];
	snprintf(single, sizeof(single), SQL_DUMP_WHOIS_SINGLE, block_columns(s, "whois"));
	snprintf(shared, sizeof(shared), SQL_DUMP_WHOIS_SHARED, block_columns(s, "w"));
	const char *const sqls[] = {single, shared};
	dn_status rc = DN_OK;
	for (size_t i = 0; i < 2 && rc == DN_OK; i++) {
		sqlite3_stmt *stmt;
		if (sqlite3_prepare_v2(s->db, sqls[i], -1, &stmt, NULL) != SQLITE_OK) {
			rc = sqlite_fail(s, err, "reading every WHOIS document");
			break;
		}
		rc = whois_rows(s, stmt, fn, ctx, "reading every WHOIS document", err);
		sqlite3_finalize(stmt);
	}
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	return rc;
}
