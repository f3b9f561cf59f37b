/* zstd compression of raw WHOIS responses in the SQLite store: blocks of
 * several responses in whois_raw_block, or one frame a response in
 * whois.raw (schema.c). Stores written before version 5 may hold frames
 * made with a dictionary from whois_raw_dict, which reads still load. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "store/sqlite/sqlite_internal.h"

/*
 * zstd level 1, without a dictionary. The alternative measured was level
 * -2 with a dictionary made of the first 32 responses of the store, both
 * in blocks (callgrind, whole imports of 10,000 responses, zstd 1.5.4). On
 * bench/gen_whois.py output level 1 ran 3,099 against 3,172 million
 * instructions and compressed 10.6 to 1 against 9.7. On copies of the
 * corpus's responses it ran 2,612 against 2,686 million and compressed 4.9
 * to 1 against 4.5. One frame a response at level -2 with the dictionary
 * had compressed 6.8 and 3.4 to 1.
 */
#define RAW_ZSTD_LEVEL 1

/*
 * A block is compressed once it holds RAW_BLOCK_MAX_DOCS responses or
 * RAW_BLOCK_MAX_BYTES bytes, whichever comes first. A frame has a fixed
 * cost (resetting the context, the frame header) that a response of 2 KB
 * pays in full when it has a frame of its own, and a block finds matches
 * across the responses in it. Reading one response decompresses its whole
 * block, so the byte limit bounds that cost.
 */
#define RAW_BLOCK_MAX_DOCS 64
#define RAW_BLOCK_MAX_BYTES (256 * 1024)

struct raw_codec {
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
	ZSTD_DDict *ddict;     /* the dictionary of the last row read */
	int64_t ddict_id;
	void *buf;             /* compressed output */
	size_t cap;
	/* The block being filled: responses joined, not yet compressed. */
	char *block;
	size_t block_len, block_cap;
	size_t block_docs;
	int64_t block_id;      /* whois_raw_block.id it will take; 0: not known yet */
	sqlite3_stmt *insert_block;
	/* The last block read, decompressed. */
	char *read_block;
	size_t read_len;
	int64_t read_id;       /* 0: none */
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
	ZSTD_freeDCtx(c->dctx);
	ZSTD_freeDDict(c->ddict);
	free(c->buf);
	free(c->block);
	sqlite3_finalize(c->insert_block);
	free(c->read_block);
	free(c);
	s->raw_codec = NULL;
}

void sqlite_raw_batch_ended(struct sqlite_store *s)
{
	struct raw_codec *c = s->raw_codec;
	if (c == NULL)
		return;
	/* Another writer may add blocks before the next batch, and a rolled
	 * back block's id is taken again. */
	c->block_id = 0;
	c->block_len = 0;
	c->block_docs = 0;
	c->read_id = 0;
}

/* Compress len bytes at raw into one frame in c->buf. */
static dn_status compress_frame(struct sqlite_store *s, struct raw_codec *c, const char *raw,
                                size_t len, struct packed_raw *out, struct dn_error *err)
{
	if (c->cctx == NULL && (c->cctx = ZSTD_createCCtx()) == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory compressing a WHOIS response");
	size_t bound = ZSTD_compressBound(len);
	if (bound > c->cap) {
		void *grown = realloc(c->buf, bound);
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM,
			               "out of memory compressing WHOIS responses of %zu bytes", len);
		c->buf = grown;
		c->cap = bound;
	}
	size_t n = ZSTD_compressCCtx(c->cctx, c->buf, c->cap, raw, len, RAW_ZSTD_LEVEL);
	if (ZSTD_isError(n))
		return dn_fail(err, DN_ESTORE, "%s: compressing WHOIS responses failed: %s", s->path,
		               ZSTD_getErrorName(n));
	*out = (struct packed_raw){c->buf, n, 0};
	return DN_OK;
}

/* Read the id the next block takes. Ids are chosen here, not by SQLite,
 * because rows name their block before it is written. */
static dn_status find_next_block_id(struct sqlite_store *s, struct raw_codec *c,
                                    struct dn_error *err)
{
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT coalesce(max(id), 0) + 1 FROM whois_raw_block", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "finding the next WHOIS response block");
	dn_status rc = DN_OK;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		c->block_id = sqlite3_column_int64(stmt, 0);
	else
		rc = sqlite_fail(s, err, "finding the next WHOIS response block");
	sqlite3_finalize(stmt);
	return rc;
}

dn_status sqlite_raw_block_position(struct sqlite_store *s, int64_t *block_id, size_t *offset,
                                    struct dn_error *err)
{
	struct raw_codec *c = codec(s, err);
	if (c == NULL)
		return DN_ENOMEM;
	if (c->block_id == 0) {
		dn_status rc = find_next_block_id(s, c, err);
		if (rc != DN_OK)
			return rc;
	}
	*block_id = c->block_id;
	*offset = c->block_len;
	return DN_OK;
}

dn_status sqlite_raw_block_flush(struct sqlite_store *s, struct dn_error *err)
{
	struct raw_codec *c = s->raw_codec;
	if (c == NULL || c->block_len == 0)
		return DN_OK;
	struct packed_raw packed = {NULL, 0, 0};
	dn_status rc = compress_frame(s, c, c->block, c->block_len, &packed, err);
	if (rc != DN_OK)
		return rc;
	if (c->insert_block == NULL &&
	    sqlite3_prepare_v3(s->db, "INSERT INTO whois_raw_block (id, data) VALUES (?1, ?2)",
	                       -1, SQLITE_PREPARE_PERSISTENT, &c->insert_block, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "preparing to store a WHOIS response block");
	sqlite3_bind_int64(c->insert_block, 1, c->block_id);
	sqlite3_bind_blob(c->insert_block, 2, packed.data, (int)packed.len, SQLITE_STATIC);
	rc = sqlite_step_done(s, c->insert_block, "storing a WHOIS response block", err);
	if (rc != DN_OK)
		return rc;
	c->block_id++;
	c->block_len = 0;
	c->block_docs = 0;
	return DN_OK;
}

dn_status sqlite_raw_block_append(struct sqlite_store *s, const char *raw, size_t len,
                                  struct dn_error *err)
{
	struct raw_codec *c = s->raw_codec;
	if (len > c->block_cap - c->block_len) {
		size_t cap = c->block_cap > 0 ? c->block_cap : RAW_BLOCK_MAX_BYTES;
		while (cap - c->block_len < len)
			cap *= 2;
		char *grown = realloc(c->block, cap);
		if (grown == NULL)
			return dn_fail(err, DN_ENOMEM,
			               "out of memory for a block of WHOIS responses of %zu bytes", cap);
		c->block = grown;
		c->block_cap = cap;
	}
	memcpy(c->block + c->block_len, raw, len);
	c->block_len += len;
	c->block_docs++;
	if (c->block_docs >= RAW_BLOCK_MAX_DOCS || c->block_len >= RAW_BLOCK_MAX_BYTES)
		return sqlite_raw_block_flush(s, err);
	return DN_OK;
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
	return compress_frame(s, c, raw, len, out, err);
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

/* Decompress block id into c->read_block, unless it is there already. */
static dn_status load_block(struct sqlite_store *s, struct raw_codec *c, int64_t id,
                           const char *domain, struct dn_error *err)
{
	if (c->read_id == id)
		return DN_OK;
	c->read_id = 0;
	if (c->dctx == NULL && (c->dctx = ZSTD_createDCtx()) == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading a WHOIS response");
	sqlite3_stmt *stmt;
	if (sqlite3_prepare_v2(s->db, "SELECT data FROM whois_raw_block WHERE id = ?1", -1,
	                       &stmt, NULL) != SQLITE_OK)
		return sqlite_fail(s, err, "reading a WHOIS response block");
	sqlite3_bind_int64(stmt, 1, id);
	dn_status rc = DN_OK;
	int step = sqlite3_step(stmt);
	if (step == SQLITE_DONE)
		rc = dn_fail(err, DN_ESTORE,
		             "%s: the WHOIS response of %s is in block %lld, which is missing; the "
		             "database is damaged",
		             s->path, domain, (long long)id);
	else if (step != SQLITE_ROW)
		rc = sqlite_fail(s, err, "reading a WHOIS response block");
	const void *data = rc == DN_OK ? sqlite3_column_blob(stmt, 0) : NULL;
	size_t data_len = rc == DN_OK ? (size_t)sqlite3_column_bytes(stmt, 0) : 0;
	unsigned long long size = rc == DN_OK ? ZSTD_getFrameContentSize(data, data_len) : 0;
	if (rc == DN_OK && (size == ZSTD_CONTENTSIZE_UNKNOWN || size == ZSTD_CONTENTSIZE_ERROR ||
	                    size > SIZE_MAX - 1))
		rc = dn_fail(err, DN_ESTORE,
		             "%s: WHOIS response block %lld, which holds the response of %s, is not "
		             "a zstd frame of known size; the database is damaged",
		             s->path, (long long)id, domain);
	char *out = NULL;
	if (rc == DN_OK && (out = malloc(size > 0 ? (size_t)size : 1)) == NULL)
		rc = dn_fail(err, DN_ENOMEM, "out of memory reading a WHOIS response block of %llu bytes",
		             size);
	if (rc == DN_OK) {
		size_t n = ZSTD_decompressDCtx(c->dctx, out, (size_t)size, data, data_len);
		if (ZSTD_isError(n) || n != size)
			rc = dn_fail(err, DN_ESTORE,
			             "%s: WHOIS response block %lld, which holds the response of %s, "
			             "cannot be decompressed (%s); the database is damaged",
			             s->path, (long long)id, domain,
			             ZSTD_isError(n) ? ZSTD_getErrorName(n) : "wrong size");
	}
	sqlite3_finalize(stmt);
	if (rc != DN_OK) {
		free(out);
		return rc;
	}
	free(c->read_block);
	c->read_block = out;
	c->read_len = (size_t)size;
	c->read_id = id;
	return DN_OK;
}

dn_status sqlite_raw_block_read(struct sqlite_store *s, int64_t block_id, int64_t offset,
                                size_t size, const char *domain, char **text,
                                struct dn_error *err)
{
	*text = NULL;
	struct raw_codec *c = codec(s, err);
	if (c == NULL)
		return DN_ENOMEM;
	dn_status rc = load_block(s, c, block_id, domain, err);
	if (rc != DN_OK)
		return rc;
	if (offset < 0 || (uint64_t)offset > c->read_len || size > c->read_len - (size_t)offset)
		return dn_fail(err, DN_ESTORE,
		               "%s: the WHOIS response of %s lies outside its block %lld (bytes %lld "
		               "to %lld of %zu); the database is damaged",
		               s->path, domain, (long long)block_id, (long long)offset,
		               (long long)offset + (long long)size, c->read_len);
	char *out = malloc(size + 1);
	if (out == NULL)
		return dn_fail(err, DN_ENOMEM, "out of memory reading a WHOIS response of %zu bytes",
		               size);
	memcpy(out, c->read_block + offset, size);
	out[size] = '\0';
	*text = out;
	return DN_OK;
}
