/* zstd compression of raw WHOIS responses in the SQLite store, with a
 * dictionary kept in the table whois_raw_dict (schema.c). */
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "store/sqlite/sqlite_internal.h"

/* zstd level -2, one of the fast levels. On 10,000 copies of the corpus's
 * responses (callgrind, whole import) it ran 7% fewer instructions than
 * level 1, for a store 9% larger: the raw text compresses 3.5 to 1 against
 * 4.4 to 1. Level 1 had taken 6% less CPU time than level 3 on
 * bench/whois_store_bench.c for a database of the same size. */
#define RAW_ZSTD_LEVEL (-2)

/*
 * The dictionary is raw content, not a trained one: the first responses of
 * the first batch that has enough of them, joined. Responses of one
 * registry repeat their keys and legal notices, which zstd then encodes as
 * matches into the dictionary. Measured with a scratch program on 22,000
 * responses of bench/gen_whois.py (zstd 1.5.4), 32 responses (54 KB) as a
 * dictionary took compression from 7.3 to 4.2 us a response and the ratio
 * from 2.3 to 6.5. Building one costs no training
 * time. A store keeps using its latest dictionary; rows name theirs, so a
 * later dictionary would not make older rows unreadable.
 */
#define RAW_DICT_MAX_BYTES 65536
#define RAW_DICT_MAX_SAMPLES 32
#define RAW_DICT_MIN_SAMPLES 8

struct raw_codec {
	ZSTD_CCtx *cctx;
	ZSTD_CDict *cdict;     /* NULL: compress without a dictionary */
	int64_t cdict_id;      /* whois_raw_dict.id of cdict */
	bool looked_up;        /* the store was searched for a dictionary */
	bool created_in_batch; /* cdict was inserted by the open batch */
	ZSTD_DCtx *dctx;
	ZSTD_DDict *ddict;     /* the dictionary of the last row read */
	int64_t ddict_id;
	void *buf;             /* compressed output */
	size_t cap;
};

static struct raw_codec *codec(struct sqlite_store *s, struct dn_error *err)
{
	if (s->raw_codec == NULL && (s->raw_codec = calloc(1, sizeof(struct raw_codec))) == NULL)
		dn_fail(err, DN_ENOMEM, "out of memory for the WHOIS response compressor");
	return s->raw_codec;
}

void sqlite_raw_free(struct sqlite_store *s)
{
	struct raw_codec *c = s->raw_codec;
	if (c == NULL)
		return;
	ZSTD_freeCCtx(c->cctx);
	ZSTD_freeCDict(c->cdict);
	ZSTD_freeDCtx(c->dctx);
	ZSTD_freeDDict(c->ddict);
	free(c->buf);
	free(c);
	s->raw_codec = NULL;
}

/* Step sql, which selects (id, dict) from whois_raw_dict, binding id to ?1
 * when it is positive. *blob is NULL when no row matches, and otherwise
 * valid until *stmt is finalized. */
static dn_status read_dict(struct sqlite_store *s, const char *sql, int64_t id,
                           sqlite3_stmt **stmt, const void **blob, size_t *len,
                           struct dn_error *err)
{
	*blob = NULL;
	*len = 0;
	if (sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading a WHOIS compression dictionary");
	if (id > 0)
		sqlite3_bind_int64(*stmt, 1, id);
	int step = sqlite3_step(*stmt);
	if (step == SQLITE_ROW) {
		*blob = sqlite3_column_blob(*stmt, 1);
		*len = (size_t)sqlite3_column_bytes(*stmt, 1);
		return DN_OK;
	}
	return step == SQLITE_DONE ? DN_OK
	                           : sqlite_fail(s, err, "reading a WHOIS compression dictionary");
}

static dn_status use_cdict(struct sqlite_store *s, struct raw_codec *c, const void *dict,
                           size_t len, int64_t id, struct dn_error *err)
{
	c->cdict = ZSTD_createCDict(dict, len, RAW_ZSTD_LEVEL);
	if (c->cdict == NULL)
		return dn_fail(err, DN_ENOMEM, "%s: out of memory loading a WHOIS compression "
		                               "dictionary", s->path);
	c->cdict_id = id;
	return DN_OK;
}

/* Join the first responses of docs into a new dictionary and store it. */
static dn_status create_dict(struct sqlite_store *s, struct raw_codec *c,
                             const struct store_whois *docs, size_t n, struct dn_error *err)
{
	char *dict = malloc(RAW_DICT_MAX_BYTES);
	if (dict == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory building a compression dictionary");
	size_t len = 0;
	size_t samples = 0;
	for (size_t i = 0; i < n && samples < RAW_DICT_MAX_SAMPLES; i++) {
		size_t raw_len = docs[i].raw != NULL ? strlen(docs[i].raw) : 0;
		if (raw_len == 0 || raw_len > RAW_DICT_MAX_BYTES - len)
			continue;
		memcpy(dict + len, docs[i].raw, raw_len);
		len += raw_len;
		samples++;
	}
	dn_status rc = DN_OK;
	if (samples >= RAW_DICT_MIN_SAMPLES) {
		sqlite3_stmt *stmt;
		if (sqlite3_prepare_v2(s->db, "INSERT INTO whois_raw_dict (dict) VALUES (?1)", -1,
		                       &stmt, NULL) != SQLITE_OK) {
			free(dict);
			return sqlite_fail(s, err, "storing a WHOIS compression dictionary");
		}
		sqlite3_bind_blob(stmt, 1, dict, (int)len, SQLITE_STATIC);
		rc = sqlite_step_done(s, stmt, "storing a WHOIS compression dictionary", err);
		sqlite3_finalize(stmt);
		if (rc == DN_OK)
			rc = use_cdict(s, c, dict, len, sqlite3_last_insert_rowid(s->db), err);
		c->created_in_batch = rc == DN_OK;
	}
	free(dict);
	return rc;
}

dn_status sqlite_raw_prepare_batch(struct sqlite_store *s, const struct store_whois *docs,
                                   size_t n, struct dn_error *err)
{
	struct raw_codec *c = codec(s, err);
	if (c == NULL)
		return DN_ENOMEM;
	if (c->cdict != NULL)
		return DN_OK;
	if (!c->looked_up) {
		sqlite3_stmt *stmt;
		const void *dict;
		size_t len;
		dn_status rc = read_dict(s, "SELECT id, dict FROM whois_raw_dict ORDER BY id DESC "
		                            "LIMIT 1", 0, &stmt, &dict, &len, err);
		if (rc == DN_OK && dict != NULL)
			rc = use_cdict(s, c, dict, len, sqlite3_column_int64(stmt, 0), err);
		sqlite3_finalize(stmt);
		if (rc != DN_OK)
			return rc;
		c->looked_up = true;
		if (c->cdict != NULL)
			return DN_OK;
	}
	/* Until a batch brings enough responses, they are compressed without a
	 * dictionary. */
	return create_dict(s, c, docs, n, err);
}

void sqlite_raw_batch_ended(struct sqlite_store *s, bool committed)
{
	struct raw_codec *c = s->raw_codec;
	if (c == NULL || !c->created_in_batch)
		return;
	c->created_in_batch = false;
	if (committed)
		return;
	/* The rolled back batch took its dictionary with it. */
	ZSTD_freeCDict(c->cdict);
	c->cdict = NULL;
	c->cdict_id = 0;
}

dn_status sqlite_raw_compress(struct sqlite_store *s, const char *raw, size_t len,
                              struct packed_raw *out, struct dn_error *err)
{
	*out = (struct packed_raw){NULL, 0, 0};
	if (len == 0)
		return DN_OK;
	struct raw_codec *c = codec(s, err);
	if (c == NULL)
		return DN_ENOMEM;
	if (c->cctx == NULL && (c->cctx = ZSTD_createCCtx()) == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory compressing a WHOIS response");
	size_t bound = ZSTD_compressBound(len);
	if (bound > c->cap) {
		void *grown = realloc(c->buf, bound);
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM,
			               "out of memory compressing a WHOIS response of %zu bytes", len);
		c->buf = grown;
		c->cap = bound;
	}
	size_t n = c->cdict != NULL
	                   ? ZSTD_compress_usingCDict(c->cctx, c->buf, c->cap, raw, len, c->cdict)
	                   : ZSTD_compressCCtx(c->cctx, c->buf, c->cap, raw, len, RAW_ZSTD_LEVEL);
	if (ZSTD_isError(n))
		return dn_fail(err, DN_ESTORE, "%s: compressing a WHOIS response failed: %s", s->path,
		               ZSTD_getErrorName(n));
	*out = (struct packed_raw){c->buf, n, c->cdict != NULL ? c->cdict_id : 0};
	return DN_OK;
}

/* Load dictionary id for decompression, unless it is loaded already. */
static dn_status load_ddict(struct sqlite_store *s, struct raw_codec *c, int64_t id,
                            const char *domain, struct dn_error *err)
{
	if (c->ddict != NULL && c->ddict_id == id)
		return DN_OK;
	ZSTD_freeDDict(c->ddict);
	c->ddict = NULL;
	sqlite3_stmt *stmt;
	const void *dict;
	size_t len;
	dn_status rc = read_dict(s, "SELECT id, dict FROM whois_raw_dict WHERE id = ?1", id,
	                         &stmt, &dict, &len, err);
	if (rc == DN_OK && dict == NULL)
		rc = dn_fail(err, DN_ESTORE,
		             "%s: the WHOIS response of %s names compression dictionary %lld, "
		             "which is missing; the database is damaged",
		             s->path, domain, (long long)id);
	if (rc == DN_OK && (c->ddict = ZSTD_createDDict(dict, len)) == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory loading a WHOIS compression dictionary");
	sqlite3_finalize(stmt);
	if (rc == DN_OK)
		c->ddict_id = id;
	return rc;
}

dn_status sqlite_raw_decompress(struct sqlite_store *s, const struct packed_raw *packed,
                                size_t size, const char *domain, char **text,
                                struct dn_error *err)
{
	*text = NULL;
	struct raw_codec *c = codec(s, err);
	if (c == NULL)
		return DN_ENOMEM;
	if (c->dctx == NULL && (c->dctx = ZSTD_createDCtx()) == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading a WHOIS response");
	if (packed->dict_id > 0) {
		dn_status rc = load_ddict(s, c, packed->dict_id, domain, err);
		if (rc != DN_OK)
			return rc;
	}
	char *out = malloc(size + 1);
	if (out == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading a WHOIS response of %zu bytes",
		               size);
	size_t n = packed->dict_id > 0
	                   ? ZSTD_decompress_usingDDict(c->dctx, out, size, packed->data,
	                                                packed->len, c->ddict)
	                   : ZSTD_decompressDCtx(c->dctx, out, size, packed->data, packed->len);
	if (ZSTD_isError(n) || n != size) {
		free(out);
		return dn_fail(err, DN_ESTORE,
		               "%s: the stored WHOIS response of %s cannot be decompressed (%s); "
		               "the database is damaged",
		               s->path, domain, ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
	}
	out[n] = '\0';
	*text = out;
	return DN_OK;
}
