/* SQLite schema and its migrations. */
#include <stdbool.h>
#include <stdio.h>

#include "store/sqlite/sqlite_store.h"
#include "util/log.h"

/* 'drgt': marks the file as a dragnet database (PRAGMA application_id). */
#define DRAGNET_APPLICATION_ID 0x64726774

/*
 * Version 1.
 * rrset holds one row per (rrname, rrtype, bailiwick, rdata) with the merge
 * over all sources. A row seen by one source only names it in source_id;
 * once several have seen it, source_id is NULL and rrset_source holds each
 * one's figures. The views rrset_by_source and negative_by_source show the
 * per-source figures of both forms as one table. The unique key
 * starts with the reversed name (labels in reverse order), so that one index
 * serves exact names and "*.example.com" (a prefix range), and ends with
 * key_hash, a 63-bit hash of bailiwick and rdata that keeps the index small
 * (rows whose hashes collide take the next value); a second index on
 * forward names would double the cost of every write, so "www.example.*"
 * scans instead. rdata_ip (16-byte big-endian, IPv4 mapped into
 * ::ffff:0:0/96) makes a CIDR search a range scan over an index. bailiwick
 * is '' when unknown, never NULL, so that the unique key works.
 */
static const char schema_v1[] =
	"CREATE TABLE source ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  created INTEGER NOT NULL);"
	"CREATE TABLE rrset ("
	"  id INTEGER PRIMARY KEY,"
	"  rrname TEXT NOT NULL,"
	"  rrname_rev TEXT NOT NULL,"
	"  rrtype INTEGER NOT NULL,"
	"  bailiwick TEXT NOT NULL,"
	"  rdata TEXT NOT NULL,"
	"  rdata_ip BLOB,"
	"  rdata_name_rev TEXT,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  source_id INTEGER,"
	"  key_hash INTEGER NOT NULL);"
	"CREATE UNIQUE INDEX rrset_key ON rrset(rrname_rev, rrtype, key_hash);"
	"CREATE INDEX rrset_by_ip ON rrset(rdata_ip) WHERE rdata_ip IS NOT NULL;"
	"CREATE INDEX rrset_by_rdata_name ON rrset(rdata_name_rev)"
	"  WHERE rdata_name_rev IS NOT NULL;"
	"CREATE TABLE rrset_source ("
	"  rrset_id INTEGER NOT NULL,"
	"  source_id INTEGER NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (rrset_id, source_id)) WITHOUT ROWID;"
	"CREATE TABLE negative ("
	"  id INTEGER PRIMARY KEY,"
	"  qname TEXT NOT NULL,"
	"  qname_rev TEXT NOT NULL,"
	"  qtype INTEGER NOT NULL,"
	"  rcode INTEGER NOT NULL,"
	"  bailiwick TEXT NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  source_id INTEGER);"
	"CREATE UNIQUE INDEX negative_key ON negative(qname_rev, qtype, rcode, bailiwick);"
	"CREATE TABLE negative_source ("
	"  negative_id INTEGER NOT NULL,"
	"  source_id INTEGER NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (negative_id, source_id)) WITHOUT ROWID;"
	"CREATE VIEW rrset_by_source (rrset_id, source_id, time_first, time_last, count) AS"
	"  SELECT id, source_id, time_first, time_last, count FROM rrset"
	"  WHERE source_id IS NOT NULL"
	"  UNION ALL SELECT rrset_id, source_id, time_first, time_last, count FROM rrset_source;"
	"CREATE VIEW negative_by_source (negative_id, source_id, time_first, time_last, count) AS"
	"  SELECT id, source_id, time_first, time_last, count FROM negative"
	"  WHERE source_id IS NOT NULL"
	"  UNION ALL SELECT negative_id, source_id, time_first, time_last, count"
	"  FROM negative_source;"
	"CREATE TABLE run ("
	"  id INTEGER PRIMARY KEY,"
	"  source_id INTEGER NOT NULL,"
	"  input TEXT NOT NULL,"
	"  size INTEGER NOT NULL,"
	"  mtime_ns INTEGER NOT NULL,"
	"  owner INTEGER NOT NULL,"
	"  started INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  finished INTEGER NOT NULL,"
	"  packets INTEGER NOT NULL,"
	"  messages INTEGER NOT NULL,"
	"  records INTEGER NOT NULL,"
	"  errors INTEGER NOT NULL);"
	"CREATE INDEX run_by_input ON run(input);";

/*
 * Version 2: WHOIS and RDAP.
 * whois holds one row per distinct document of a domain, keyed by (domain,
 * hash), where hash is the 16-byte XXH3-128 of the document. Its figures
 * and sources follow rrset: source_id names the only source, or is NULL
 * and whois_source holds each source's figures. raw is the response of the
 * earliest sighting that kept one, zstd-compressed; raw_size is its length
 * before compression (0: none kept) and raw_time that sighting's first time.
 * raw_dict is the id of the whois_raw_dict row whose content served as the
 * zstd dictionary, or NULL when there was none.
 * whois_value holds the index values for reverse WHOIS. Its primary key
 * (kind, value, domain, role) serves exact values and prefixes (a range on
 * value) and returns domains in order for one value. Every batch inserts
 * its values all over this tree, so the size of a row decides how many
 * pages a commit writes: kind and role are small integers (sqlite_whois.c
 * numbers the names in alphabetical order, so that sorting by number sorts
 * by name), and shown is NULL when it equals value.
 */
static const char schema_v2[] =
	"CREATE TABLE whois ("
	"  id INTEGER PRIMARY KEY,"
	"  domain TEXT NOT NULL,"
	"  hash BLOB NOT NULL,"
	"  status TEXT NOT NULL,"
	"  document TEXT NOT NULL,"
	"  raw BLOB,"
	"  raw_size INTEGER NOT NULL,"
	"  raw_time INTEGER NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  source_id INTEGER,"
	"  raw_dict INTEGER);"
	"CREATE UNIQUE INDEX whois_key ON whois(domain, hash);"
	"CREATE TABLE whois_raw_dict ("
	"  id INTEGER PRIMARY KEY,"
	"  dict BLOB NOT NULL);"
	"CREATE TABLE whois_source ("
	"  whois_id INTEGER NOT NULL,"
	"  source_id INTEGER NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  PRIMARY KEY (whois_id, source_id)) WITHOUT ROWID;"
	"CREATE TABLE whois_value ("
	"  kind INTEGER NOT NULL,"
	"  value TEXT NOT NULL,"
	"  domain TEXT NOT NULL,"
	"  role INTEGER NOT NULL,"
	"  shown TEXT,"
	"  masked INTEGER NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  PRIMARY KEY (kind, value, domain, role)) WITHOUT ROWID;";

/*
 * Version 3: certificates.
 * cert holds one row per certificate, keyed by the SHA-256 of its DER (or,
 * for a partial one from a crt.sh export, store_cert_partial_key()); flags
 * is 1 for a CA, 2 for self-signed, 4 for a precertificate. Rows are
 * larger than a WITHOUT ROWID table suits, so the key is a unique index.
 * cert_name holds the search keys (store.h lists the kinds): one primary
 * key serves exact values, prefixes (a range on value) and the groups of
 * the patterns report. cert_sighting merges sightings on (sha256, kind,
 * detail) like rrset, and keeps the source of the first write.
 */
static const char schema_v3[] =
	"CREATE TABLE cert ("
	"  id INTEGER PRIMARY KEY,"
	"  sha256 BLOB NOT NULL,"
	"  partial INTEGER NOT NULL,"
	"  sha1 BLOB NOT NULL,"
	"  spki BLOB NOT NULL,"
	"  tbs BLOB NOT NULL,"
	"  serial TEXT NOT NULL,"
	"  issuer TEXT NOT NULL,"
	"  subject TEXT NOT NULL,"
	"  sans TEXT NOT NULL,"
	"  not_before INTEGER NOT NULL,"
	"  not_after INTEGER NOT NULL,"
	"  key_type TEXT NOT NULL,"
	"  key_bits INTEGER NOT NULL,"
	"  sig_alg TEXT NOT NULL,"
	"  level TEXT NOT NULL,"
	"  flags INTEGER NOT NULL,"
	"  crtsh_id INTEGER NOT NULL,"
	"  der BLOB);"
	"CREATE UNIQUE INDEX cert_key ON cert(sha256);"
	"CREATE TABLE cert_name ("
	"  kind TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  sha256 BLOB NOT NULL,"
	"  PRIMARY KEY (kind, value, sha256)) WITHOUT ROWID;"
	"CREATE TABLE cert_sighting ("
	"  sha256 BLOB NOT NULL,"
	"  kind TEXT NOT NULL,"
	"  detail TEXT NOT NULL,"
	"  time_first INTEGER NOT NULL,"
	"  time_last INTEGER NOT NULL,"
	"  count INTEGER NOT NULL,"
	"  source_id INTEGER NOT NULL,"
	"  PRIMARY KEY (sha256, kind, detail)) WITHOUT ROWID;";

/*
 * Version 4: IP-to-ASN ranges.
 * asn_load keeps the latest load of each source. asn_range contains the
 * ranges of loads, keyed by (source_id, load_id, lo, hi); lo and hi are
 * 16-byte addresses like rrset.rdata_ip. Recording a load removes the rows
 * of the source's other loads (sqlite_asn.c), and reads join on asn_load,
 * so rows of a load that was never recorded stay unseen. asn_range_by_asn
 * serves `dragnet asn AS64500`.
 */
static const char schema_v4[] =
	"CREATE TABLE asn_load ("
	"  source_id INTEGER PRIMARY KEY,"
	"  id INTEGER NOT NULL,"
	"  loaded INTEGER NOT NULL,"
	"  format TEXT NOT NULL,"
	"  input TEXT NOT NULL,"
	"  ranges INTEGER NOT NULL);"
	"CREATE TABLE asn_range ("
	"  source_id INTEGER NOT NULL,"
	"  load_id INTEGER NOT NULL,"
	"  lo BLOB NOT NULL,"
	"  hi BLOB NOT NULL,"
	"  asn INTEGER NOT NULL,"
	"  country TEXT NOT NULL,"
	"  origins TEXT,"
	"  as_org TEXT,"
	"  isp TEXT,"
	"  organization TEXT,"
	"  PRIMARY KEY (source_id, load_id, lo, hi)) WITHOUT ROWID;"
	"CREATE INDEX asn_range_by_asn ON asn_range(asn);";

/*
 * Version 5: raw WHOIS responses compressed in blocks.
 * whois_raw_block holds up to a few dozen raw responses joined, as one zstd
 * frame in data. A whois row whose raw_block is set has its response at
 * byte raw_offset of the decompressed block, raw_size bytes long, and a
 * NULL raw. Rows written before this version, and rows whose response came
 * from a merge, keep their own frame in raw as in version 2, with a NULL
 * raw_block. Version 5 writes no new whois_raw_dict rows, but reads
 * those of older rows.
 */
static const char schema_v5[] =
	"CREATE TABLE whois_raw_block ("
	"  id INTEGER PRIMARY KEY,"
	"  data BLOB NOT NULL);"
	"ALTER TABLE whois ADD COLUMN raw_block INTEGER;"
	"ALTER TABLE whois ADD COLUMN raw_offset INTEGER;";

/*
 * Version 6: IP-to-ASN lookups by address.
 * asn_range_bin files each row of asn_range under its bin: the smallest
 * CIDR block that contains the range, as a prefix length byte and the
 * masked first address (sqlite_asn.c). A lookup probes the bins of the
 * address's enclosing blocks, one primary key seek per prefix length in
 * use. Rows are written and deleted with their asn_range rows. The
 * migration fills the table from asn_range with dragnet_asn_bin(), which
 * each connection registers; no table or index refers to the function.
 * asn_range_with_origins lists the ranges with several origins, which a
 * lookup of an AS among the origins reads instead of every range.
 * IF NOT EXISTS and OR IGNORE make the migration safe to run again on a
 * file whose version was set back by hand.
 */
static const char schema_v6[] =
	"CREATE TABLE IF NOT EXISTS asn_range_bin ("
	"  bin BLOB NOT NULL,"
	"  source_id INTEGER NOT NULL,"
	"  load_id INTEGER NOT NULL,"
	"  lo BLOB NOT NULL,"
	"  hi BLOB NOT NULL,"
	"  PRIMARY KEY (bin, source_id, load_id, lo, hi)) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO asn_range_bin (bin, source_id, load_id, lo, hi)"
	"  SELECT dragnet_asn_bin(lo, hi), source_id, load_id, lo, hi FROM asn_range"
	"  WHERE length(lo) = 16 AND length(hi) = 16;"
	"CREATE INDEX IF NOT EXISTS asn_range_with_origins ON asn_range(asn)"
	"  WHERE origins IS NOT NULL;";

/* migrations[i] takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	schema_v1,
	schema_v2,
	schema_v3,
	schema_v4,
	schema_v5,
	schema_v6,
};

_Static_assert(sizeof(migrations) / sizeof(migrations[0]) == SQLITE_SCHEMA_VERSION,
               "one migration per schema version");

static int read_int_pragma(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *stmt;
	int value = -1;
	if (sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(stmt) == SQLITE_ROW)
		value = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return value;
}

int sqlite_schema_version(sqlite3 *db)
{
	return read_int_pragma(db, "PRAGMA user_version");
}

/* Run migrations[from] inside the caller's transaction. upgrade is false
 * while a new file is being created, which is not worth a message. */
static dn_status apply_migration(sqlite3 *db, int from, bool upgrade, const char *path,
                                 struct dn_error *err)
{
	char *errmsg = NULL;
	char tail[96];
	snprintf(tail, sizeof(tail), "PRAGMA user_version = %d; PRAGMA application_id = %d;",
	         from + 1, DRAGNET_APPLICATION_ID);
	if (sqlite3_exec(db, migrations[from], NULL, NULL, &errmsg) != SQLITE_OK ||
	    sqlite3_exec(db, tail, NULL, NULL, &errmsg) != SQLITE_OK) {
		dn_fail(err, DN_ESCHEMA, "%s: migrating the schema from version %d to %d failed: %s",
		        path, from, from + 1, errmsg != NULL ? errmsg : sqlite3_errmsg(db));
		sqlite3_free(errmsg);
		return DN_ESCHEMA;
	}
	if (upgrade)
		log_info("%s: schema migrated from version %d to %d", path, from, from + 1);
	return DN_OK;
}

/* Common checks: an SQLite file that dragnet wrote, not from a newer version. */
static dn_status check_origin(sqlite3 *db, const char *path, int version, struct dn_error *err)
{
	if (version < 0)
		return dn_fail(err, DN_ESCHEMA, "%s: not an SQLite database, or it is damaged: %s",
		               path, sqlite3_errmsg(db));

	int app_id = read_int_pragma(db, "PRAGMA application_id");
	if (version > 0 && app_id != DRAGNET_APPLICATION_ID)
		return dn_fail(err, DN_ESCHEMA,
		               "%s: an SQLite database, but not one dragnet wrote "
		               "(application_id %#x); choose another path with --db",
		               path, (unsigned)app_id);
	if (version > SQLITE_SCHEMA_VERSION)
		return dn_fail(err, DN_ESCHEMA,
		               "%s: schema version %d is newer than this dragnet supports (%d); "
		               "upgrade dragnet",
		               path, version, SQLITE_SCHEMA_VERSION);
	return DN_OK;
}

dn_status sqlite_schema_check(sqlite3 *db, const char *path, struct dn_error *err)
{
	int version = sqlite_schema_version(db);
	dn_status rc = check_origin(db, path, version, err);
	if (rc != DN_OK)
		return rc;
	if (version == 0)
		return dn_fail(err, DN_ESCHEMA,
		               "%s: not a dragnet database (it holds no dragnet tables); "
		               "choose another path with --db",
		               path);
	/* An older schema is read as it is: what it lacks reads as empty (see
	 * sqlite_whois.c), and the next writer migrates it. */
	if (version < SQLITE_SCHEMA_VERSION)
		log_debug("%s: schema version %d, older than this dragnet's (%d); reading it "
		          "as it is",
		          path, version, SQLITE_SCHEMA_VERSION);
	return DN_OK;
}

dn_status sqlite_schema_migrate(sqlite3 *db, const char *path, struct dn_error *err)
{
	/* The version is read and raised in one write transaction, so two
	 * processes that open a new file together cannot both create it. */
	char *errmsg = NULL;
	if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, &errmsg) != SQLITE_OK) {
		dn_fail(err, DN_ESTORE, "%s: cannot lock the database to check its schema: %s", path,
		        errmsg != NULL ? errmsg : sqlite3_errmsg(db));
		sqlite3_free(errmsg);
		return DN_ESTORE;
	}
	int version = sqlite_schema_version(db);
	dn_status rc = check_origin(db, path, version, err);
	if (rc == DN_OK && version == 0 &&
	    read_int_pragma(db, "SELECT count(*) FROM sqlite_schema") > 0)
		rc = dn_fail(err, DN_ESCHEMA,
		             "%s: an SQLite database that already holds other tables; "
		             "choose another path with --db",
		             path);
	for (int v = version; rc == DN_OK && v < SQLITE_SCHEMA_VERSION; v++)
		rc = apply_migration(db, v, version > 0, path, err);
	if (rc == DN_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, &errmsg) != SQLITE_OK) {
		rc = dn_fail(err, DN_ESCHEMA, "%s: committing the schema failed: %s", path,
		             errmsg != NULL ? errmsg : sqlite3_errmsg(db));
		sqlite3_free(errmsg);
	}
	if (rc != DN_OK)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}
