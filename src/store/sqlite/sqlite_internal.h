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

struct sqlite_store {
	struct store base;
	sqlite3 *db;
	char path[1024];
	bool in_batch;
	struct merge_stmts rrsets;
	struct merge_stmts negatives;
	sqlite3_stmt *insert_run;
	sqlite3_stmt *update_run;
	sqlite3_stmt *find_run;
	char found_source[256];      /* run->source of the last find_run */
	/* CREATE statements of the indexes the open batch dropped, to run
	 * before its commit (sqlite_store.c, defer_indexes). */
	char *deferred_indexes[8];
	size_t ndeferred;
};

/* Fill err with "PATH: WHAT failed: sqlite's message" and return DN_ESTORE. */
dn_status sqlite_fail(struct sqlite_store *s, struct dn_error *err, const char *what);

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
