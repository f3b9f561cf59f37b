/* Shared state of the ClickHouse backend's files; not part of store.h. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store/clickhouse/ch_http.h"
#include "store/clickhouse/ch_rowbin.h"
#include "store/clickhouse/ch_rows.h"
#include "store/clickhouse/ch_url.h"
#include "store/store.h"

/* The schema version this build writes; stored in the meta table. Version
 * 2 added the WHOIS tables, version 3 the certificate tables, version 4
 * the IP-to-ASN tables. */
#define CH_SCHEMA_VERSION 4
#define CH_WHOIS_SCHEMA_VERSION 2
#define CH_CERT_SCHEMA_VERSION 3
#define CH_ASN_SCHEMA_VERSION 4

/* The insert tables a batch writes to, in the order of ch_store.parts. */
enum ch_part {
	CH_PART_RRSETS,
	CH_PART_NEGATIVES,
	CH_PART_RUNS,
	CH_PART_WHOIS,
	CH_PART_WHOIS_VALUES,
	CH_PART_CERTS,
	CH_PART_CERT_NAMES,
	CH_PART_CERT_SIGHTINGS,
	CH_PART_ASN_RANGES,
	CH_PART_ASN_LOADS,
	CH_PARTS
};

/* A batch's rows for one insert table, written to the spool in parts so
 * that no part exceeds what one INSERT writes as a single block. */
struct ch_part_writer {
	const char *table; /* "rrset_in", "negative_in", "runs", "whois_in", ... */
	uint64_t batch;    /* id in every row of the part; 0 before the first row */
	struct ch_buf buf;
	uint64_t rows;
};

struct ch_store {
	struct store base;
	struct ch_location loc;
	struct ch_http *http;
	bool cluster;
	/* Tables read and written: local ones on a single server, the
	 * Distributed ones ("..._d") on a cluster. Runs and sources are the
	 * exception on a cluster without replicas (see write_copies). */
	char t_fwd[160], t_rev[160], t_neg[160], t_runs[160], t_sources[160];
	char t_rrset_in[160], t_negative_in[160], t_batches[160];
	char t_whois[160], t_whois_value[160], t_whois_in[160], t_whois_value_in[160];
	char t_cert[160], t_cert_name[160], t_cert_sighting[160];
	char t_cert_in[160], t_cert_name_in[160], t_cert_sighting_in[160];
	char t_asn_range[160], t_asn_load[160], t_asn_range_in[160], t_asn_load_in[160];
	int schema_version; /* where queries go; older than ours only when reading */

	bool writable; /* opened with STORE_WRITE: the spool is set up */
	bool in_batch;
	struct ch_part_writer parts[CH_PARTS];
	char tmp_dir[1200]; /* folder of the open batch in the spool; "" when none */
	unsigned nparts;
	unsigned seq;

	char spool_dir[1024];
	char **fresh; /* spool files this process committed and has not sent yet */
	size_t nfresh, fresh_cap;
	double retry_at; /* monotonic time of the next attempt to send */
	double retry_delay;
	bool warned_outage;
	char last_send_error[512];

	char found_source[256];
	char note[512];
	bool allow_partial; /* store_options.allow_partial */
	uint64_t run_version;
};

/* Run sql returning RowBinary rows to sink, on the cluster's tables, and,
 * when the cluster cannot answer and the store allows partial answers,
 * again with unreachable shards skipped, noting it in s->note. */
dn_status ch_select(struct ch_store *s, const char *what, const char *sql, ch_sink_fn sink,
                    void *ctx, struct dn_error *err);

/* Append text to out as a ClickHouse string literal, quotes included. */
void ch_quote(struct ch_buf *out, const char *text, size_t len);

/* Run sql (terminated, in a ch_buf) and parse its RowBinary rows with row. */
dn_status ch_select_rows(struct ch_store *s, const char *what, const struct ch_buf *sql,
                         ch_row_fn row, void *ctx, struct dn_error *err);

/* Batch writing (ch_store.c). ch_add_figures appends the columns the insert
 * tables of records end with: tf, tl, n, source_id and the part's batch id;
 * ch_add_batch only the batch id. ch_end_row counts a row written to w and
 * spools the part once it is full. */
void ch_add_figures(struct ch_part_writer *w, int64_t first, int64_t last, uint64_t count,
                    uint32_t source_id);
void ch_add_batch(struct ch_part_writer *w);
dn_status ch_end_row(struct ch_store *s, struct ch_part_writer *w, struct dn_error *err);

/* WHOIS and RDAP (ch_whois.c): the store operations of store.h. */
dn_status ch_put_whois(struct store *store, const struct store_whois *docs, size_t n,
                       struct dn_error *err);
dn_status ch_put_whois_values(struct store *store, const struct store_whois_value *vals,
                              size_t n, struct dn_error *err);
dn_status ch_query_whois(struct store *store, const char *domain, bool latest_only, bool with_raw,
                         store_whois_fn fn, void *ctx, struct dn_error *err);
dn_status ch_query_whois_values(struct store *store, const struct store_whois_lookup *q,
                                store_whois_value_fn fn, void *ctx, struct dn_error *err);
dn_status ch_count_whois_value(struct store *store, const char *kind, const char *value,
                               uint64_t *domains, struct dn_error *err);
dn_status ch_dump_whois_values(struct store *store, store_whois_value_fn fn, void *ctx,
                               struct dn_error *err);
dn_status ch_dump_whois(struct store *store, store_whois_fn fn, void *ctx, struct dn_error *err);

/* Certificates (ch_cert.c): the store operations of store.h. */
dn_status ch_put_certs(struct store *store, const struct store_cert *certs, size_t n,
                       struct dn_error *err);
dn_status ch_put_cert_names(struct store *store, const struct store_cert_name *names, size_t n,
                            struct dn_error *err);
dn_status ch_put_cert_sightings(struct store *store, const struct store_cert_sighting *sightings,
                                size_t n, struct dn_error *err);
dn_status ch_query_certs(struct store *store, const struct store_cert_query *q,
                         store_cert_fn fn, void *ctx, struct dn_error *err);
dn_status ch_query_cert_sightings(struct store *store, const uint8_t sha256[32],
                                  store_cert_sighting_fn fn, void *ctx, struct dn_error *err);
dn_status ch_group_cert_names(struct store *store, const char *kind, uint64_t min_certs,
                              size_t limit, store_cert_group_fn fn, void *ctx,
                              struct dn_error *err);
dn_status ch_dump_certs(struct store *store, store_cert_fn fn, void *ctx, struct dn_error *err);
dn_status ch_dump_cert_names(struct store *store, store_cert_name_fn fn, void *ctx,
                             struct dn_error *err);
dn_status ch_dump_cert_sightings(struct store *store, store_cert_sighting_fn fn, void *ctx,
                                 struct dn_error *err);

/* IP-to-ASN ranges (ch_asn.c): the store operations of store.h. */
dn_status ch_put_asn_ranges(struct store *store, const struct store_asn_load *load,
                            const struct asn_range *ranges, size_t n, struct dn_error *err);
dn_status ch_put_asn_load(struct store *store, const struct store_asn_load *load,
                          struct dn_error *err);
dn_status ch_query_asn_ranges(struct store *store, const struct store_asn_filter *filter,
                              store_asn_range_fn fn, void *ctx, struct dn_error *err);
dn_status ch_list_asn_loads(struct store *store, store_asn_load_fn fn, void *ctx,
                            struct dn_error *err);
dn_status ch_query_asn_at(struct store *store, const ip_key *ip, store_asn_hit_fn fn, void *ctx,
                          struct dn_error *err);

dn_status ch_query_rrsets(struct store *store, const struct pdns_query *q, store_record_fn fn,
                          void *ctx, struct dn_error *err);
dn_status ch_query_negatives(struct store *store, const struct pdns_query *q, store_negative_fn fn,
                             void *ctx, struct dn_error *err);
dn_status ch_stats(struct store *store, struct store_stats *st, struct dn_error *err);
dn_status ch_dump_rrsets(struct store *store, store_record_fn fn, void *ctx, struct dn_error *err);
dn_status ch_dump_negatives(struct store *store, store_negative_fn fn, void *ctx,
                            struct dn_error *err);
dn_status ch_list_sources(struct store *store, store_source_fn fn, void *ctx, struct dn_error *err);
dn_status ch_list_runs(struct store *store, store_run_fn fn, void *ctx, struct dn_error *err);
dn_status ch_find_run(struct store *store, const char *input, struct store_run *run, bool *found,
                      struct dn_error *err);

/* Schema (ch_schema.c): create it on one server, read its version there
 * (0 when it has none). */
dn_status ch_schema_create(struct ch_store *s, int host, struct dn_error *err);
dn_status ch_schema_version(struct ch_store *s, int host, int *version, enum ch_failure *failure,
                            struct dn_error *err);

/* Spool (ch_spool.c). */
/* Set s->spool_dir; ch_spool_open also creates it. */
dn_status ch_spool_path(struct ch_store *s, struct dn_error *err);
dn_status ch_spool_open(struct ch_store *s, struct dn_error *err);
/* Write rows for table to a spool file of the open batch. host is the
 * server the rows must go to, or -1 for any. batch is the id in the rows,
 * or 0 for runs and sources, which can be sent twice without harm. */
dn_status ch_spool_write_part(struct ch_store *s, const char *table, int host, uint64_t batch,
                              const struct ch_buf *rows, struct dn_error *err);
/* The same, committed at once, outside any batch. */
dn_status ch_spool_write_now(struct ch_store *s, const char *table, int host,
                             const struct ch_buf *rows, struct dn_error *err);
dn_status ch_spool_commit(struct ch_store *s, struct dn_error *err);
void ch_spool_discard(struct ch_store *s);
/* Send what the spool holds, oldest first; stops at the first failure.
 * Returns the number of batches left. */
size_t ch_spool_send(struct ch_store *s, bool *failed);
void ch_spool_count(struct ch_store *s, uint64_t *batches, uint64_t *bytes);
void ch_spool_free(struct ch_store *s);
void ch_spool_clean(struct ch_store *s);
