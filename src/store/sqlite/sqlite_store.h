/* The embedded SQLite backend of the store interface. */
#pragma once

#include <sqlite3.h>

#include "store/store.h"

/* Open or create the database file at path (see store_open()). */
dn_status sqlite_store_open(const char *path, enum store_mode mode,
                            const struct store_options *options, struct store **store,
                            struct dn_error *err);

/* Schema version this build writes. */
#define SQLITE_SCHEMA_VERSION 6

/* Bring the schema of db up to SQLITE_SCHEMA_VERSION, one migration per
 * transaction. Fails with DN_ESCHEMA when the file was written by a newer
 * dragnet or is not a dragnet database. */
dn_status sqlite_schema_migrate(sqlite3 *db, const char *path, struct dn_error *err);

/* Check, without writing, that db is a dragnet database of a schema
 * version this build reads: its own or an older one. */
dn_status sqlite_schema_check(sqlite3 *db, const char *path, struct dn_error *err);

/* Schema version stored in db (PRAGMA user_version). */
int sqlite_schema_version(sqlite3 *db);
