/* Shared state of the SQLite backend's files; not part of store.h. */
#pragma once

#include <stdbool.h>

#include <sqlite3.h>

#include "store/store.h"

/* The statements that merge one kind of record (rrsets or negative
 * answers) into its table and its per-source table. */
struct merge_stmts {
	sqlite3_stmt *insert;        /* INSERT OR IGNORE a new row for a single source */
	sqlite3_stmt *find;          /* id and source_id of the row with the same key */
	sqlite3_stmt *merge;         /* merge times and count into a row, set its source_id */
	sqlite3_stmt *copy_source;   /* copy a single-source row into the per-source table */
	sqlite3_stmt *upsert_source; /* merge into one per-source row */
	const char *noun;            /* for messages: "an rrset" */
};

/* A prepared statement kept for reuse (sqlite_stmt_cache.c). */
struct sqlite_cached_stmt {
	char *sql;         /* NULL: the slot is empty */
	sqlite3_stmt *stmt;
	bool busy;         /* handed out and not yet released */
	uint64_t last_use; /* stmt_clock at the last hand-out */
};

#define SQLITE_STMT_CACHE_SIZE 32

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	char path[1024];
	int schema_version; /* of the file, read at open; older than ours only when reading */
	bool in_batch;
	struct merge_stmts rrsets;
	struct merge_stmts negatives;
	struct merge_stmts whois;      /* documents, merged like rrsets */
	sqlite3_stmt *upsert_whois_value;
	sqlite3_stmt *upsert_whois_values; /* many rows a statement; NULL until the first write */
	int whois_values_per_statement;    /* rows of upsert_whois_values */
	struct raw_codec *raw_codec;   /* sqlite_whois_raw.c; NULL until needed */
	bool bulk_batch;               /* the open batch wrote WHOIS or certificate rows (sqlite_whois.c) */
	sqlite3_stmt *insert_cert;     /* sqlite_cert.c */
	sqlite3_stmt *insert_cert_name;
	sqlite3_stmt *upsert_cert_sighting;
	sqlite3_stmt *insert_run;
	sqlite3_stmt *update_run;
	sqlite3_stmt *find_run;
	char found_source[256];      /* run->source of the last find_run */
	/* CREATE statements of the indexes the open batch dropped, to run
	 * before its commit (sqlite_store.c, defer_indexes). */
	char *deferred_indexes[8];
	size_t ndeferred;
	/* Prefix lengths that asn_range_bin contains, read at the first lookup by
	 * address and again after a write of ASN ranges (sqlite_asn.c). */
	bool asn_levels_known;
	uint8_t asn_levels[129];
	unsigned n_asn_levels;
	struct sqlite_cached_stmt stmt_cache[SQLITE_STMT_CACHE_SIZE];
	uint64_t stmt_clock;
	int64_t deadline_ns;  /* CLOCK_MONOTONIC; 0: queries have no deadline */
	bool deadline_hit;    /* the progress handler stopped a query past it */
};

/* Prepare sql, or hand out the idle statement already prepared from the
 * same text, reset and with no bindings. Returns an SQLite result code.
 * Pass the statement to sqlite_stmt_release() when done, never to
 * sqlite3_finalize(). */
int sqlite_stmt_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stmt);
/* Reset a statement of sqlite_stmt_prepare() for reuse, or finalize it
 * when the cache did not keep it. NULL is allowed. */
void sqlite_stmt_release(struct sqlite_store *s, sqlite3_stmt *stmt);
/* Finalize every kept statement; for closing the store. */
void sqlite_stmt_cache_free(struct sqlite_store *s);

/* Fill err with "PATH: WHAT failed: sqlite's message" and return DN_ESTORE. */
dn_status sqlite_fail(struct sqlite_store *s, struct dn_error *err, const char *what);

/* The figures one record adds to its row, whatever its kind. */
struct contribution {
	uint32_t source_id;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
};

/* Step m->insert, already bound; when the key exists, bind m->find with
 * bind_find(m->find, key), step it and merge c into the row it finds. Most
 * records are new, so the lookup is bound only when it runs. When the insert
 * was blocked but the lookup finds nothing, the unique key matched another
 * record through a hash collision: *collided is set and nothing is written. */
dn_status sqlite_insert_or_merge(struct sqlite_store *s, struct merge_stmts *m,
                                 const struct contribution *c,
                                 void (*bind_find)(sqlite3_stmt *find, const void *key),
                                 const void *key, bool *collided, struct dn_error *err);

/* Step a bound statement that returns no rows and reset it. */
dn_status sqlite_step_done(struct sqlite_store *s, sqlite3_stmt *stmt, const char *what,
                           struct dn_error *err);

/* Prepare and finalise the statements of sqlite_write.c. */
dn_status sqlite_write_prepare(struct sqlite_store *s, struct dn_error *err);
void sqlite_write_finalize(struct sqlite_store *s);

dn_status sqlite_put_rrsets(struct store *store, const struct pdns_record *recs, size_t n,
                            struct dn_error *err);
dn_status sqlite_put_negatives(struct store *store, const struct pdns_negative *recs, size_t n,
                               struct dn_error *err);
dn_status sqlite_put_run(struct store *store, struct store_run *run, struct dn_error *err);
dn_status sqlite_find_run(struct store *store, const char *input, struct store_run *run,
                          bool *found, struct dn_error *err);

dn_status sqlite_query_rrsets(struct store *store, const struct pdns_query *q,
                              store_record_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_query_negatives(struct store *store, const struct pdns_query *q,
                                 store_negative_fn fn, void *ctx, struct dn_error *err);

dn_status sqlite_dump_rrsets(struct store *store, store_record_fn fn, void *ctx,
                             struct dn_error *err);
dn_status sqlite_dump_negatives(struct store *store, store_negative_fn fn, void *ctx,
                                struct dn_error *err);
dn_status sqlite_list_sources(struct store *store, store_source_fn fn, void *ctx,
                              struct dn_error *err);
dn_status sqlite_list_runs(struct store *store, store_run_fn fn, void *ctx,
                           struct dn_error *err);

/* WHOIS and RDAP (sqlite_whois.c): statements for writing, and the store
 * operations of store.h. */
dn_status sqlite_whois_prepare(struct sqlite_store *s, struct dn_error *err);
void sqlite_whois_finalize(struct sqlite_store *s);
/* Raise the WAL checkpoint threshold for a batch that writes WHOIS or
 * certificate rows, and restore SQLite's default once it is committed or
 * rolled back. */
void sqlite_bulk_batch_started(struct sqlite_store *s);
void sqlite_bulk_batch_ended(struct sqlite_store *s, bool committed);

/* A compressed raw response: zstd frame, its length, and the id of its
 * dictionary in whois_raw_dict (0: none). */
struct packed_raw {
	const void *data;
	size_t len;
	int64_t dict_id;
};

/* Raw responses (sqlite_whois_raw.c). batch_ended clears the block being
 * filled and the next block id, which the next batch reads again. compress
 * makes one frame of a response, and leaves out->data valid until the next
 * call; an empty response gives out->len 0. decompress returns a malloc'd
 * text of size bytes plus a terminating NUL. */
void sqlite_raw_batch_ended(struct sqlite_store *s);
dn_status sqlite_raw_compress(struct sqlite_store *s, const char *raw, size_t len,
                              struct packed_raw *out, struct dn_error *err);
dn_status sqlite_raw_decompress(struct sqlite_store *s, const struct packed_raw *packed,
                                size_t size, const char *domain, char **text,
                                struct dn_error *err);
void sqlite_raw_free(struct sqlite_store *s);

/* Blocks of raw responses (whois_raw_block). block_position returns where
 * the next appended response will be: its block's id and its offset in
 * the block. block_append adds a response there, and compresses and
 * stores the block once it is full. block_flush stores the block as it
 * is; call it before the batch commits. block_read returns a malloc'd
 * copy of size bytes at offset of a block, plus a terminating NUL. */
dn_status sqlite_raw_block_position(struct sqlite_store *s, int64_t *block_id, size_t *offset,
                                    struct dn_error *err);
dn_status sqlite_raw_block_append(struct sqlite_store *s, const char *raw, size_t len,
                                  struct dn_error *err);
dn_status sqlite_raw_block_flush(struct sqlite_store *s, struct dn_error *err);
dn_status sqlite_raw_block_read(struct sqlite_store *s, int64_t block_id, int64_t offset,
                                size_t size, const char *domain, char **text,
                                struct dn_error *err);
dn_status sqlite_put_whois(struct store *store, const struct store_whois *docs, size_t n,
                           struct dn_error *err);
dn_status sqlite_put_whois_values(struct store *store, const struct store_whois_value *vals,
                                  size_t n, struct dn_error *err);
dn_status sqlite_query_whois(struct store *store, const char *domain, bool latest_only,
                             bool with_raw, store_whois_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_query_whois_values(struct store *store, const struct store_whois_lookup *q,
                                    store_whois_value_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_count_whois_value(struct store *store, const char *kind, const char *value,
                                   uint64_t *domains, struct dn_error *err);
dn_status sqlite_dump_whois_values(struct store *store, store_whois_value_fn fn, void *ctx,
                                   struct dn_error *err);
dn_status sqlite_dump_whois(struct store *store, store_whois_fn fn, void *ctx,
                            struct dn_error *err);

/* Certificates (sqlite_cert.c): statements for writing, and the store
 * operations of store.h. */
dn_status sqlite_cert_prepare(struct sqlite_store *s, struct dn_error *err);
void sqlite_cert_finalize(struct sqlite_store *s);
dn_status sqlite_put_certs(struct store *store, const struct store_cert *certs, size_t n,
                           struct dn_error *err);
dn_status sqlite_put_cert_names(struct store *store, const struct store_cert_name *names,
                                size_t n, struct dn_error *err);
dn_status sqlite_put_cert_sightings(struct store *store,
                                    const struct store_cert_sighting *sightings, size_t n,
                                    struct dn_error *err);
dn_status sqlite_query_certs(struct store *store, const struct store_cert_query *q,
                             store_cert_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_query_cert_sightings(struct store *store, const uint8_t sha256[32],
                                      store_cert_sighting_fn fn, void *ctx,
                                      struct dn_error *err);
dn_status sqlite_group_cert_names(struct store *store, const char *kind, uint64_t min_certs,
                                  size_t limit, store_cert_group_fn fn, void *ctx,
                                  struct dn_error *err);
dn_status sqlite_dump_certs(struct store *store, store_cert_fn fn, void *ctx,
                            struct dn_error *err);
dn_status sqlite_dump_cert_names(struct store *store, store_cert_name_fn fn, void *ctx,
                                 struct dn_error *err);
dn_status sqlite_dump_cert_sightings(struct store *store, store_cert_sighting_fn fn, void *ctx,
                                     struct dn_error *err);
