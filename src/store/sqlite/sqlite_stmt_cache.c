/* Prepared statements kept for reuse, keyed by their SQL text. A map runs
 * thousands of lookups of a few shapes, and preparing each one again cost
 * twice as much CPU as running it (perf, docs/benchmarks.md). */
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_internal.h"

int sqlite_stmt_prepare(struct sqlite_store *s, const char *sql, sqlite3_stmt **stmt)
{
	struct sqlite_cached_stmt *free_slot = NULL, *oldest = NULL;
	for (size_t i = 0; i < SQLITE_STMT_CACHE_SIZE; i++) {
		struct sqlite_cached_stmt *c = &s->stmt_cache[i];
		if (c->busy)
			continue;
		if (c->sql != NULL && strcmp(c->sql, sql) == 0) {
			c->busy = true;
			c->last_use = ++s->stmt_clock;
			*stmt = c->stmt;
			return SQLITE_OK;
		}
		if (c->sql == NULL && free_slot == NULL)
			free_slot = c;
		if (c->sql != NULL && (oldest == NULL || c->last_use < oldest->last_use))
			oldest = c;
	}
	int rc = sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL);
	if (rc != SQLITE_OK)
		return rc;
	/* Every slot busy: a query runs inside another's callback, so this
	 * statement is used once and finalized on release. */
	struct sqlite_cached_stmt *slot = free_slot != NULL ? free_slot : oldest;
	if (slot == NULL)
		return SQLITE_OK;
	char *copy = strdup(sql);
	if (copy == NULL)
		return SQLITE_OK;
	if (slot->sql != NULL) {
		sqlite3_finalize(slot->stmt);
		free(slot->sql);
	}
	*slot = (struct sqlite_cached_stmt){
	        .sql = copy, .stmt = *stmt, .busy = true, .last_use = ++s->stmt_clock};
	return SQLITE_OK;
}

void sqlite_stmt_release(struct sqlite_store *s, sqlite3_stmt *stmt)
{
	if (stmt == NULL)
		return;
	for (size_t i = 0; i < SQLITE_STMT_CACHE_SIZE; i++) {
		struct sqlite_cached_stmt *c = &s->stmt_cache[i];
		if (c->stmt == stmt && c->busy) {
			sqlite3_reset(stmt);
			sqlite3_clear_bindings(stmt);
			c->busy = false;
			return;
		}
	}
	sqlite3_finalize(stmt);
}

void sqlite_stmt_cache_free(struct sqlite_store *s)
{
	for (size_t i = 0; i < SQLITE_STMT_CACHE_SIZE; i++) {
		struct sqlite_cached_stmt *c = &s->stmt_cache[i];
		if (c->sql == NULL)
			continue;
		sqlite3_finalize(c->stmt);
		free(c->sql);
		*c = (struct sqlite_cached_stmt){0};
	}
}
