/*
 * The ClickHouse schema. Writers insert into tables of the Null engine;
 * materialized views aggregate each insert into AggregatingMergeTree tables
 * that keep min(time_first), max(time_last) and sum(count) per record and
 * source:
 *
 *   rrset_in ─┬─> rrset_fwd   ordered by reversed owner name (forward and
 *             │               "*.example.com" lookups)
 *             └─> rrset_rev   ordered by rdata_key: 'I' + 16 address bytes,
 *                             or 'N' + reversed target name (reverse lookups)
 *   negative_in ─> negative
 *   runs, sources, meta       ReplacingMergeTree, newest version wins
 *   whois_in ─> whois          WHOIS and RDAP documents per (domain, hash,
 *                             source): the figures, and the raw response of
 *                             the earliest sighting that kept one
 *   whois_value_in ─> whois_value   index values per (kind, value, domain,
 *                             role): first, last, masked, and the shown
 *                             form of the latest sighting
 *   cert_in ─> cert            certificates by SHA-256 (ReplacingMergeTree)
 *   cert_name_in ─> cert_name  their search keys by (kind, value)
 *   cert_sighting_in ─> cert_sighting   where each was seen, merged like
 *                             records per (sha256, kind, detail)
 *   asn_range_in ─> asn_range  IP-to-ASN ranges per (source, load)
 *   asn_load_in ─> asn_load    ReplacingMergeTree: the latest load of each source
 *   batches                   the id of every batch stored, filled by views
 *                             on every insert table in the same insert, so a
 *                             batch sent again after a crash is found
 *
 * Background merges combine rows whenever the server likes, so every read
 * merges the states again with GROUP BY and is exact before they run.
 * On a cluster every node holds these tables for its shard, and a
 * Distributed table "NAME_d" over each spreads inserts by a hash of the
 * owner name (WHOIS rows: of the domain; certificate rows: of the
 * SHA-256) and reads from every shard. Runs and sources are small: on a
 * cluster without replicas every node gets all of them, so any node can
 * answer for them alone; with replicas they go through runs_d and
 * sources_d, and replication copies them.
 *
 * With ?replicated=1 every MergeTree engine becomes its Replicated form, for
 * clusters whose shards have several replicas (see docs/scale-out.md).
 *
 * Only what ClickHouse 18.16 (Debian 12) has is used: no
 * SimpleAggregateFunction, TTL, codecs, skip indexes or IP types.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/clickhouse/ch_internal.h"

/* {db} stands for the database. Every statement can run again without harm. */
static const char *const schema[] = {
        "CREATE DATABASE IF NOT EXISTS {db}",
        "CREATE TABLE IF NOT EXISTS {db}.meta (key String, value String, version UInt64) "
        "ENGINE = {replacing meta version} ORDER BY key",
        "CREATE TABLE IF NOT EXISTS {db}.sources (id UInt32, name String, kind String, "
        "created Int64) ENGINE = {replacing sources} ORDER BY (id, name)",
        "CREATE TABLE IF NOT EXISTS {db}.runs (id Int64, version UInt64, source_id UInt32, "
        "input String, size Int64, mtime_ns Int64, owner Int64, started Int64, updated Int64, "
        "finished UInt8, packets UInt64, messages UInt64, records UInt64, errors UInt64) "
        "ENGINE = {replacing runs version} ORDER BY (input, id)",
        "CREATE TABLE IF NOT EXISTS {db}.rrset_in (rrname String, rrname_rev String, "
        "rrtype UInt16, bailiwick String, rdata String, rdata_key String, rdata_target String, "
        "tf Int64, tl Int64, n UInt64, source_id UInt32, batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.rrset_fwd (rrname_rev String, rrtype UInt16, "
        "bailiwick String, rdata String, source_id UInt32, rrname String, rdata_key String, "
        "rdata_target String, time_first AggregateFunction(min, Int64), "
        "time_last AggregateFunction(max, Int64), count AggregateFunction(sum, UInt64)) "
        "ENGINE = {aggregating rrset_fwd} "
        "ORDER BY (rrname_rev, rrtype, bailiwick, rdata, source_id)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.rrset_fwd_mv TO {db}.rrset_fwd AS "
        "SELECT rrname_rev, rrtype, bailiwick, rdata, source_id, any(rrname) AS rrname, "
        "any(rdata_key) AS rdata_key, any(rdata_target) AS rdata_target, "
        "minState(tf) AS time_first, maxState(tl) AS time_last, sumState(n) AS count "
        "FROM {db}.rrset_in GROUP BY rrname_rev, rrtype, bailiwick, rdata, source_id",
        "CREATE TABLE IF NOT EXISTS {db}.rrset_rev (rdata_key String, rrname_rev String, "
        "rrtype UInt16, bailiwick String, rdata String, source_id UInt32, rrname String, "
        "rdata_target String, time_first AggregateFunction(min, Int64), "
        "time_last AggregateFunction(max, Int64), count AggregateFunction(sum, UInt64)) "
        "ENGINE = {aggregating rrset_rev} "
        "ORDER BY (rdata_key, rrname_rev, rrtype, bailiwick, rdata, source_id)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.rrset_rev_mv TO {db}.rrset_rev AS "
        "SELECT rdata_key, rrname_rev, rrtype, bailiwick, rdata, source_id, "
        "any(rrname) AS rrname, any(rdata_target) AS rdata_target, minState(tf) AS time_first, "
        "maxState(tl) AS time_last, sumState(n) AS count FROM {db}.rrset_in "
        "WHERE rdata_key != '' GROUP BY rdata_key, rrname_rev, rrtype, bailiwick, rdata, "
        "source_id",
        "CREATE TABLE IF NOT EXISTS {db}.negative_in (qname String, qname_rev String, "
        "qtype UInt16, rcode UInt16, bailiwick String, tf Int64, tl Int64, n UInt64, "
        "source_id UInt32, batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.negative (qname_rev String, qtype UInt16, "
        "rcode UInt16, bailiwick String, source_id UInt32, qname String, "
        "time_first AggregateFunction(min, Int64), time_last AggregateFunction(max, Int64), "
        "count AggregateFunction(sum, UInt64)) ENGINE = {aggregating negative} "
        "ORDER BY (qname_rev, qtype, rcode, bailiwick, source_id)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.negative_mv TO {db}.negative AS "
        "SELECT qname_rev, qtype, rcode, bailiwick, source_id, any(qname) AS qname, "
        "minState(tf) AS time_first, maxState(tl) AS time_last, sumState(n) AS count "
        "FROM {db}.negative_in GROUP BY qname_rev, qtype, rcode, bailiwick, source_id",
        "CREATE TABLE IF NOT EXISTS {db}.batches (batch UInt64) "
        "ENGINE = {replacing batches} ORDER BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_rrset_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.rrset_in GROUP BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_negative_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.negative_in GROUP BY batch",
        /* Version 2: WHOIS and RDAP. A raw response's time is its
         * sighting's first time, or the largest Int64 when the sighting
         * kept none, so that argMin takes the earliest kept response. The
         * insert tables name raw_text and shown_text apart from the
         * aggregates, since an alias would replace the column. */
        "CREATE TABLE IF NOT EXISTS {db}.whois_in (domain String, hash FixedString(16), "
        "status String, document String, raw_text String, tf Int64, tl Int64, n UInt64, "
        "source_id UInt32, batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.whois (domain String, hash FixedString(16), "
        "source_id UInt32, status String, document String, "
        "raw AggregateFunction(argMin, String, Int64), "
        "raw_time AggregateFunction(min, Int64), time_first AggregateFunction(min, Int64), "
        "time_last AggregateFunction(max, Int64), count AggregateFunction(sum, UInt64)) "
        "ENGINE = {aggregating whois} ORDER BY (domain, hash, source_id)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.whois_mv TO {db}.whois AS "
        "SELECT domain, hash, source_id, any(status) AS status, any(document) AS document, "
        "argMinState(raw_text, if(raw_text = '', toInt64(9223372036854775807), tf)) AS raw, "
        "minState(if(raw_text = '', toInt64(9223372036854775807), tf)) AS raw_time, "
        "minState(tf) AS time_first, maxState(tl) AS time_last, sumState(n) AS count "
        "FROM {db}.whois_in GROUP BY domain, hash, source_id",
        "CREATE TABLE IF NOT EXISTS {db}.whois_value_in (kind String, value String, "
        "domain String, role String, shown_text String, masked UInt8, tf Int64, tl Int64, "
        "batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.whois_value (kind String, value String, "
        "domain String, role String, "
        "shown AggregateFunction(argMax, String, Tuple(Int64, String)), "
        "masked AggregateFunction(max, UInt8), time_first AggregateFunction(min, Int64), "
        "time_last AggregateFunction(max, Int64)) ENGINE = {aggregating whois_value} "
        "ORDER BY (kind, value, domain, role)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.whois_value_mv TO {db}.whois_value AS "
        "SELECT kind, value, domain, role, argMaxState(shown_text, (tl, shown_text)) AS shown, "
        "maxState(masked) AS masked, minState(tf) AS time_first, maxState(tl) AS time_last "
        "FROM {db}.whois_value_in GROUP BY kind, value, domain, role",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_whois_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.whois_in GROUP BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_whois_value_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.whois_value_in GROUP BY batch",
        /* Version 3: certificates. A certificate's fields are a function of
         * its key, so cert and cert_name only drop repeated rows; reads
         * still take one row per key (LIMIT 1 BY, GROUP BY) before merges
         * have run. Sightings aggregate like records; a sighting's source
         * is that of its earliest first time. */
        "CREATE TABLE IF NOT EXISTS {db}.cert_in (sha256 FixedString(32), partial UInt8, "
        "sha1 FixedString(20), spki FixedString(32), tbs FixedString(32), serial String, "
        "issuer String, subject String, sans String, not_before Int64, not_after Int64, "
        "key_type String, key_bits Int32, sig_alg String, level String, flags UInt8, "
        "crtsh_id Int64, der String, batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.cert (sha256 FixedString(32), partial UInt8, "
        "sha1 FixedString(20), spki FixedString(32), tbs FixedString(32), serial String, "
        "issuer String, subject String, sans String, not_before Int64, not_after Int64, "
        "key_type String, key_bits Int32, sig_alg String, level String, flags UInt8, "
        "crtsh_id Int64, der String) ENGINE = {replacing cert} ORDER BY sha256",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.cert_mv TO {db}.cert AS "
        "SELECT sha256, partial, sha1, spki, tbs, serial, issuer, subject, sans, not_before, "
        "not_after, key_type, key_bits, sig_alg, level, flags, crtsh_id, der FROM {db}.cert_in",
        "CREATE TABLE IF NOT EXISTS {db}.cert_name_in (kind String, value String, "
        "sha256 FixedString(32), batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.cert_name (kind String, value String, "
        "sha256 FixedString(32)) ENGINE = {replacing cert_name} ORDER BY (kind, value, sha256)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.cert_name_mv TO {db}.cert_name AS "
        "SELECT kind, value, sha256 FROM {db}.cert_name_in",
        "CREATE TABLE IF NOT EXISTS {db}.cert_sighting_in (sha256 FixedString(32), kind String, "
        "detail String, tf Int64, tl Int64, n UInt64, source_id UInt32, batch UInt64) "
        "ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.cert_sighting (sha256 FixedString(32), kind String, "
        "detail String, source AggregateFunction(argMin, UInt32, Int64), "
        "time_first AggregateFunction(min, Int64), time_last AggregateFunction(max, Int64), "
        "count AggregateFunction(sum, UInt64)) ENGINE = {aggregating cert_sighting} "
        "ORDER BY (sha256, kind, detail)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.cert_sighting_mv TO {db}.cert_sighting AS "
        "SELECT sha256, kind, detail, argMinState(source_id, tf) AS source, "
        "minState(tf) AS time_first, maxState(tl) AS time_last, sumState(n) AS count "
        "FROM {db}.cert_sighting_in GROUP BY sha256, kind, detail",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_cert_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.cert_in GROUP BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_cert_name_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.cert_name_in GROUP BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_cert_sighting_mv TO {db}.batches "
        "AS SELECT batch FROM {db}.cert_sighting_in GROUP BY batch",
        /* Version 4: IP-to-ASN ranges, keyed by their load (ch_asn.c).
         * Strings the source did not give are empty. */
        "CREATE TABLE IF NOT EXISTS {db}.asn_range_in (source_id UInt32, load_id Int64, "
        "lo FixedString(16), hi FixedString(16), asn UInt32, country String, origins String, "
        "as_org String, isp String, organization String, batch UInt64) ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.asn_range (source_id UInt32, load_id Int64, "
        "lo FixedString(16), hi FixedString(16), asn UInt32, country String, origins String, "
        "as_org String, isp String, organization String) "
        "ENGINE = {replacing asn_range} ORDER BY (source_id, load_id, lo, hi)",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.asn_range_mv TO {db}.asn_range AS "
        "SELECT source_id, load_id, lo, hi, asn, country, origins, as_org, isp, organization "
        "FROM {db}.asn_range_in",
        "CREATE TABLE IF NOT EXISTS {db}.asn_load_in (source_id UInt32, id Int64, "
        "loaded Int64, format String, input String, ranges UInt64, batch UInt64) "
        "ENGINE = Null",
        "CREATE TABLE IF NOT EXISTS {db}.asn_load (source_id UInt32, id Int64, loaded Int64, "
        "format String, input String, ranges UInt64) "
        "ENGINE = {replacing asn_load id} ORDER BY source_id",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.asn_load_mv TO {db}.asn_load AS "
        "SELECT source_id, id, loaded, format, input, ranges FROM {db}.asn_load_in",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_asn_range_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.asn_range_in GROUP BY batch",
        "CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.batches_asn_load_mv TO {db}.batches AS "
        "SELECT batch FROM {db}.asn_load_in GROUP BY batch",
};

/* {db} stands for the database, {cluster} for the cluster. The tables a
 * cluster reads and writes through; the sharding key keeps all rows of an
 * owner name on one shard. */
static const char *const cluster_tables[] = {
        "CREATE TABLE IF NOT EXISTS {db}.rrset_in_d AS {db}.rrset_in "
        "ENGINE = Distributed({cluster}, {db}, rrset_in, cityHash64(rrname))",
        "CREATE TABLE IF NOT EXISTS {db}.negative_in_d AS {db}.negative_in "
        "ENGINE = Distributed({cluster}, {db}, negative_in, cityHash64(qname))",
        "CREATE TABLE IF NOT EXISTS {db}.runs_d AS {db}.runs "
        "ENGINE = Distributed({cluster}, {db}, runs, cityHash64(input))",
        "CREATE TABLE IF NOT EXISTS {db}.sources_d AS {db}.sources "
        "ENGINE = Distributed({cluster}, {db}, sources, id)",
        "CREATE TABLE IF NOT EXISTS {db}.batches_d AS {db}.batches "
        "ENGINE = Distributed({cluster}, {db}, batches)",
        "CREATE TABLE IF NOT EXISTS {db}.rrset_fwd_d AS {db}.rrset_fwd "
        "ENGINE = Distributed({cluster}, {db}, rrset_fwd)",
        "CREATE TABLE IF NOT EXISTS {db}.rrset_rev_d AS {db}.rrset_rev "
        "ENGINE = Distributed({cluster}, {db}, rrset_rev)",
        "CREATE TABLE IF NOT EXISTS {db}.negative_d AS {db}.negative "
        "ENGINE = Distributed({cluster}, {db}, negative)",
        "CREATE TABLE IF NOT EXISTS {db}.whois_in_d AS {db}.whois_in "
        "ENGINE = Distributed({cluster}, {db}, whois_in, cityHash64(domain))",
        "CREATE TABLE IF NOT EXISTS {db}.whois_value_in_d AS {db}.whois_value_in "
        "ENGINE = Distributed({cluster}, {db}, whois_value_in, cityHash64(domain))",
        "CREATE TABLE IF NOT EXISTS {db}.whois_d AS {db}.whois "
        "ENGINE = Distributed({cluster}, {db}, whois)",
        "CREATE TABLE IF NOT EXISTS {db}.whois_value_d AS {db}.whois_value "
        "ENGINE = Distributed({cluster}, {db}, whois_value)",
        "CREATE TABLE IF NOT EXISTS {db}.cert_in_d AS {db}.cert_in "
        "ENGINE = Distributed({cluster}, {db}, cert_in, cityHash64(sha256))",
        "CREATE TABLE IF NOT EXISTS {db}.cert_name_in_d AS {db}.cert_name_in "
        "ENGINE = Distributed({cluster}, {db}, cert_name_in, cityHash64(sha256))",
        "CREATE TABLE IF NOT EXISTS {db}.cert_sighting_in_d AS {db}.cert_sighting_in "
        "ENGINE = Distributed({cluster}, {db}, cert_sighting_in, cityHash64(sha256))",
        "CREATE TABLE IF NOT EXISTS {db}.cert_d AS {db}.cert "
        "ENGINE = Distributed({cluster}, {db}, cert)",
        "CREATE TABLE IF NOT EXISTS {db}.cert_name_d AS {db}.cert_name "
        "ENGINE = Distributed({cluster}, {db}, cert_name)",
        "CREATE TABLE IF NOT EXISTS {db}.cert_sighting_d AS {db}.cert_sighting "
        "ENGINE = Distributed({cluster}, {db}, cert_sighting)",
        "CREATE TABLE IF NOT EXISTS {db}.asn_range_in_d AS {db}.asn_range_in "
        "ENGINE = Distributed({cluster}, {db}, asn_range_in, source_id)",
        "CREATE TABLE IF NOT EXISTS {db}.asn_load_in_d AS {db}.asn_load_in "
        "ENGINE = Distributed({cluster}, {db}, asn_load_in, source_id)",
        "CREATE TABLE IF NOT EXISTS {db}.asn_range_d AS {db}.asn_range "
        "ENGINE = Distributed({cluster}, {db}, asn_range)",
        "CREATE TABLE IF NOT EXISTS {db}.asn_load_d AS {db}.asn_load "
        "ENGINE = Distributed({cluster}, {db}, asn_load)",
};

/* The engine of a table: "{aggregating NAME}" or "{replacing NAME
 * [VERSION]}" in a template. A replicated store keeps each table's parts
 * under /clickhouse/tables/{shard}/DATABASE/NAME in ZooKeeper; {shard}
 * and {replica} are macros every server defines for itself. */
static size_t engine(const struct ch_location *loc, const char *token, char *out, size_t size)
{
	char kind[32], table[64], version[32] = "";
	if (sscanf(token, "{%31s %63[a-z_] %31[a-z_]}", kind, table, version) < 2)
		return 0;
	bool aggregating = strcmp(kind, "aggregating") == 0;
	int n;
	if (!loc->replicated)
		n = snprintf(out, size, "%sMergeTree(%s)",
		             aggregating ? "Aggregating" : "Replacing", version);
	else
		n = snprintf(out, size,
		             "Replicated%sMergeTree('/clickhouse/tables/{shard}/%s/%s', "
		             "'{replica}'%s%s)",
		             aggregating ? "Aggregating" : "Replacing", loc->database, table,
		             version[0] != '\0' ? ", " : "", version);
	return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Copy template to out with {db}, {cluster} and the engines replaced. */
static void expand(const char *template, const struct ch_location *loc, char *out, size_t size)
{
	size_t n = 0;
	for (const char *p = template; *p != '\0' && n + 1 < size;) {
		const char *value = NULL;
		size_t skip = 0;
		char buf[256];
		if (strncmp(p, "{db}", 4) == 0) {
			value = loc->database;
			skip = 4;
		} else if (strncmp(p, "{cluster}", 9) == 0) {
			value = loc->cluster;
			skip = 9;
		} else if (strncmp(p, "{aggregating ", 13) == 0 ||
		           strncmp(p, "{replacing ", 11) == 0) {
			const char *close = strchr(p, '}');
			if (close != NULL && engine(loc, p, buf, sizeof(buf)) > 0) {
				value = buf;
				skip = (size_t)(close - p) + 1;
			}
		}
		if (value == NULL) {
			out[n++] = *p++;
			continue;
		}
		for (; *value != '\0' && n + 1 < size; value++)
			out[n++] = *value;
		p += skip;
	}
	out[n] = '\0';
}

static dn_status run_list(struct ch_store *s, int host, const char *const *list, size_t n,
                          struct dn_error *err)
{
	for (size_t i = 0; i < n; i++) {
		char sql[2048];
		expand(list[i], &s->loc, sql, sizeof(sql));
		dn_status rc = ch_http_run(s->http, host, "creating the schema", sql, NULL, 0, NULL,
		                           NULL, NULL, NULL, err);
		if (rc != DN_OK)
			return rc;
	}
	return DN_OK;
}

dn_status ch_schema_create(struct ch_store *s, int host, struct dn_error *err)
{
	dn_status rc = run_list(s, host, schema, sizeof(schema) / sizeof(schema[0]), err);
	if (rc == DN_OK && s->cluster)
		rc = run_list(s, host, cluster_tables,
		              sizeof(cluster_tables) / sizeof(cluster_tables[0]), err);
	if (rc != DN_OK)
		return rc;
	/* The row's version is the schema version, so an upgraded store reads
	 * the newest one. */
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "INSERT INTO %s.meta SELECT 'schema_version', '%d', %d "
	         "WHERE (SELECT count() FROM %s.meta WHERE key = 'schema_version' "
	         "AND version >= %d) = 0",
	         s->loc.database, CH_SCHEMA_VERSION, CH_SCHEMA_VERSION, s->loc.database,
	         CH_SCHEMA_VERSION);
	return ch_http_run(s->http, host, "recording the schema version", sql, NULL, 0, NULL, NULL,
	                   NULL, NULL, err);
}

/* The schema version on one server: 0 when the database or its meta table
 * is missing. */
dn_status ch_schema_version(struct ch_store *s, int host, int *version, enum ch_failure *failure,
                            struct dn_error *err)
{
	char sql[512];
	snprintf(sql, sizeof(sql),
	         "SELECT count() FROM system.tables WHERE database = '%s' AND name = 'meta'",
	         s->loc.database);
	char *text = NULL;
	dn_status rc =
	        ch_http_text(s->http, host, "reading the schema version", sql, &text, failure, err);
	if (rc != DN_OK)
		return rc;
	bool exists = strcmp(text, "0") != 0;
	free(text);
	*version = 0;
	if (!exists)
		return DN_OK;
	snprintf(sql, sizeof(sql),
	         "SELECT argMax(value, version) FROM %s.meta WHERE key = 'schema_version'",
	         s->loc.database);
	rc = ch_http_text(s->http, host, "reading the schema version", sql, &text, failure, err);
	if (rc != DN_OK)
		return rc;
	*version = atoi(text);
	free(text);
	return DN_OK;
}
