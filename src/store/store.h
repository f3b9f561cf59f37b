/* The store interface: every backend (SQLite now, ClickHouse later) implements
 * these operations, and no code above this layer depends on which one runs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "asn/asn.h"
#include "pdns/query.h"
#include "pdns/record.h"
#include "util/status.h"

/* One ingest or capture run, so `stats` can report what was loaded, from where,
 * and whether a run ended early (finished == false after a kill). */
struct store_run {
	int64_t id; /* set by put_run on first call; pass it back to update */
	uint32_t source_id;
	const char *source; /* the source's name; filled in by find_run only */
	const char *input;  /* absolute file path, "-" for standard input, or interface */
	int64_t size;       /* file size and modification time identify the file */
	int64_t mtime_ns;   /* again, in nanoseconds; -1 for pipes and interfaces */
	int64_t owner;      /* process id of the ingest writing it; 0 once it ended */
	int64_t started;    /* epoch seconds, wall clock */
	int64_t updated;
	bool finished;
	uint64_t packets; /* frames read, and stored if finished; else up to the last flush */
	uint64_t messages;
	uint64_t records; /* observations before aggregation */
	uint64_t errors;  /* damaged frames and messages */
};

struct store_source_stats {
	char name[256];
	char kind[32];
	uint64_t rrsets;
	int64_t time_first;
	int64_t time_last;
};

struct store_type_stats {
	uint16_t rrtype;
	uint64_t rrsets;
};

struct store_stats {
	char backend[32];
	char location[1024];
	int schema_version;
	uint64_t size_bytes;   /* on-disk size, 0 when unknown */
	uint64_t rrsets;       /* distinct (rrname, rrtype, bailiwick, rdata) */
	uint64_t rrnames;      /* distinct rrname */
	uint64_t observations; /* sum of counts */
	uint64_t negatives;
	int64_t time_first; /* PDNS_TIME_UNSET when empty */
	int64_t time_last;
	uint64_t runs; /* ingest and capture runs */
	uint64_t runs_unfinished;
	uint64_t certs;          /* certificates with their DER */
	uint64_t certs_partial;  /* crt.sh export entries, stored without DER */
	uint64_t cert_sightings; /* distinct (certificate, kind, detail) */
	struct store_type_stats types[64]; /* most frequent first */
	size_t ntypes;
	struct store_source_stats sources[64];
	size_t nsources;
	size_t sources_total;
};

/* Health of a store, for `dragnet store status`. */
struct store_node_status {
	char name[256]; /* "127.0.0.1:8123", or the file for SQLite */
	char role[64];  /* "file", "server", "shard 1" */
	bool ok;
	char message[256]; /* server version when ok, else why not */
};

struct store_status {
	char backend[32];
	char location[1024]; /* without any password */
	int schema_version;  /* what the store holds; 0 when it has no schema */
	int schema_expected; /* what this build writes */
	struct store_node_status nodes[16];
	size_t nnodes;
	uint64_t spool_batches; /* written locally, not yet accepted by the store */
	uint64_t spool_bytes;
	char spool_dir[1024]; /* "" when the backend has no spool */
};

struct store;

/* Called once per result; return DN_OK to continue or any other status to
 * stop the query with that status. Strings live only during the call. */
typedef dn_status (*store_record_fn)(const struct pdns_record *rec, void *ctx);
typedef dn_status (*store_negative_fn)(const struct pdns_negative *neg, void *ctx);
typedef dn_status (*store_source_fn)(uint32_t id, const char *name, const char *kind, void *ctx);
typedef dn_status (*store_run_fn)(const struct store_run *run, void *ctx);

/* One distinct WHOIS or RDAP response for a domain. The same document seen
 * again is merged like a pDNS record (first = min, last = max, count = sum),
 * so a domain's history is its distinct documents ordered by first seen. */
struct store_whois {
	const char *domain;      /* lower case A-label, no trailing dot */
	const char *status;      /* whois_status_name(): "found", "not-found", ... */
	const char *document;    /* dragnet's JSON form of the parsed record (whois/document.h) */
	const char *raw;         /* the response as received; "" when not kept */
	uint8_t hash[16];        /* identifies the document; set by the writer */
	int64_t time_first;      /* epoch seconds the response was observed */
	int64_t time_last;
	uint64_t count;
	uint32_t source_id;      /* on write: who fetched or imported it; on read: the
	                          * source of its first sighting */
};

/* One index value taken from a WHOIS document: what reverse WHOIS and
 * registrant correlation search. Merged on (kind, value, domain, role) with
 * first = min and last = max. The SQLite backend rejects a kind or role
 * that is not listed below. */
struct store_whois_value {
	const char *kind;        /* "email", "phone", "name", "org", "address",
	                          * "registrar", "nameserver" */
	const char *value;       /* normalised (whois/normalize.h): the search key */
	const char *shown;       /* as published, for display */
	const char *domain;
	const char *role;        /* "registrant", "admin", "tech", "billing", "registrar", "domain" */
	bool masked;             /* redacted or a privacy service: never a link */
	int64_t time_first;
	int64_t time_last;
};

/* A reverse WHOIS question: every domain whose documents held value under
 * kind, now or earlier. With prefix set, value is a prefix of the key. */
struct store_whois_lookup {
	const char *kind;
	const char *value;
	bool prefix;
	size_t limit;            /* 0: no limit */
};

/* Write doc's hash to out: doc->hash when the caller set it, else the
 * XXH3-128 of doc->document in canonical (big-endian) byte order. Every
 * backend keys documents by this value, so they agree on identity. */
void store_whois_hash(const struct store_whois *doc, uint8_t out[16]);

typedef dn_status (*store_whois_fn)(const struct store_whois *doc, void *ctx);
typedef dn_status (*store_whois_value_fn)(const struct store_whois_value *val, void *ctx);

/*
 * Certificates. Each certificate is stored once, keyed by the SHA-256 of
 * its DER, with its parsed fields and the DER itself. An entry of a crt.sh
 * export carries no DER: it is stored as a partial certificate keyed by
 * store_cert_partial_key() of its issuer DN and serial, and the full
 * certificate with the same issuer DN and serial, once stored, takes its
 * place in searches (see docs/certificates.md).
 */
struct store_cert {
	uint8_t sha256[32];      /* of the DER; for a partial one, store_cert_partial_key() */
	uint8_t sha1[20];        /* all zero for a partial one, as are the next two */
	uint8_t spki_sha256[32];
	uint8_t tbs_sha256[32];  /* TBS without the CT poison and SCT list */
	bool partial;            /* known from a crt.sh export only: no DER, no hashes */
	const char *serial;      /* lower-case hex, as x509/cert.h writes it */
	const char *issuer;      /* RFC 4514 DN */
	const char *subject;     /* RFC 4514 DN; "CN=common_name" for a partial one */
	const char *sans;        /* "DNS:a.example", "IP:192.0.2.1", "email:x@a.example",
	                          * one a line, in certificate order */
	int64_t not_before;      /* epoch seconds */
	int64_t not_after;
	const char *key_type;    /* "" for a partial one */
	int key_bits;
	const char *sig_alg;
	const char *level;       /* x509_level_name(): "dv", "ov", "iv", "ev", "unknown" */
	bool is_ca;
	bool self_signed;
	bool precert;
	int64_t crtsh_id;        /* crt.sh's certificate id, 0 when unknown */
	const uint8_t *der;      /* NULL and 0 for a partial one */
	size_t der_len;
};

/* One index row of a certificate: what `dragnet cert` searches. kind is
 * one of
 *   "dns"      a SAN DNS name or the subject CN, reversed (pdns_name_reverse
 *              without the trailing dot: "com.example.*"), lower case
 *   "ip", "email"            a SAN in presentation form
 *   "issuer", "subject"      the whole RFC 4514 DN
 *   "issuer.ATTR", "subject.ATTR"   one attribute ("issuer.O"), value as encoded
 *   "ss-issuer", "ss-issuer.O"      the same for self-signed certificates only,
 *              so that the patterns report groups them without a join
 *   "sha1", "spki", "tbs", "serial"  lower-case hex
 * Rows are unique on (kind, value, sha256); writing one twice changes nothing. */
struct store_cert_name {
	const char *kind;
	const char *value;
	uint8_t sha256[32];
};

/* Where a certificate was seen. Merged on (sha256, kind, detail) like a
 * pDNS record: time_first = min, time_last = max, count = sum. */
struct store_cert_sighting {
	uint8_t sha256[32];
	const char *kind;        /* "file", "ct", "host", "crtsh" */
	const char *detail;      /* file path; "LOG-URL#INDEX"; "host:port"; "crt.sh id N" */
	int64_t time_first;      /* epoch seconds */
	int64_t time_last;
	uint64_t count;
	uint32_t source_id;      /* on write: the writer's source; on read: the first one's */
};

/* One condition of a certificate search: an index row of kind whose value
 * equals value (or alt_value, when set), or starts with it when prefix is
 * set. kind "sha256" matches the certificate's key instead, by a prefix of
 * its lower-case hex. */
struct store_cert_match {
	const char *kind;
	const char *value;
	const char *alt_value;
	bool prefix;
};

/* A certificate search: every condition must hold. Unset times are 0. */
struct store_cert_query {
	const struct store_cert_match *matches;
	size_t n_matches;
	/* Substrings of the DN, each of which must occur, ignoring ASCII case,
	 * in the DN as stored or in the DN with its RFC 4514 escapes of
	 * specials (\, and \+ for example) removed. */
	const char *const *issuer_contains;
	size_t n_issuer_contains;
	const char *const *subject_contains;
	size_t n_subject_contains;
	int64_t valid_at;             /* not_before <= valid_at <= not_after */
	int64_t expires_before;       /* not_after < expires_before */
	int64_t expires_after;        /* not_after > expires_after */
	size_t limit;                 /* 0: no limit */
};

/* Write the key of a partial certificate: SHA-256 over "partial", a NUL,
 * the issuer DN, a NUL and the serial. A full certificate with the same
 * issuer DN and serial yields the same key, which is how a search finds
 * the crt.sh sightings of a full certificate. */
void store_cert_partial_key(const char *issuer, const char *serial, uint8_t out[32]);

typedef dn_status (*store_cert_fn)(const struct store_cert *cert, void *ctx);
typedef dn_status (*store_cert_name_fn)(const struct store_cert_name *name, void *ctx);
typedef dn_status (*store_cert_sighting_fn)(const struct store_cert_sighting *s, void *ctx);
/* One group of store_group_cert_names(): an index value and how many
 * distinct certificates carry it. */
typedef dn_status (*store_cert_group_fn)(const char *kind, const char *value, uint64_t certs,
                                         void *ctx);

/*
 * IP-to-ASN ranges. A source's ranges come from one load of a file. A new
 * load of the same source replaces them as a whole once its batch is
 * committed. Strings of struct asn_range are NULL when the source gave
 * none, on write and on read.
 */
struct store_asn_load {
	uint32_t source_id;
	const char *source;  /* on read: the source's name; ignored on write */
	int64_t id;          /* identifies the load: its start in epoch nanoseconds */
	int64_t loaded;      /* epoch seconds */
	const char *format;  /* asn_format_name(): "ip2asn", "pfx2as", "mmdb" */
	const char *input;   /* the file as given */
	uint64_t ranges;
};

/* The selection of query_asn_ranges: every current range, one source's
 * (source_id != 0), or those with asn as their AS or among their origins
 * (by_asn). */
struct store_asn_filter {
	uint32_t source_id;
	bool by_asn;
	uint32_t asn;
};

typedef dn_status (*store_asn_range_fn)(const struct asn_range *range, uint32_t source_id,
                                        void *ctx);
/* The range that query_asn_at found: the range, its source and the id of
 * the load it came from. */
typedef dn_status (*store_asn_hit_fn)(const struct asn_range *range, uint32_t source_id,
                                      int64_t load_id, void *ctx);

/* Whether range a (of source a_source, load a_load) wins over range b
 * where both cover an address, by the order that query_asn_at describes.
 * Backends use it to pick their answer. */
bool store_asn_range_wins(const struct asn_range *a, uint32_t a_source, int64_t a_load,
                          const struct asn_range *b, uint32_t b_source, int64_t b_load);
typedef dn_status (*store_asn_load_fn)(const struct store_asn_load *load, void *ctx);

/* Operations a backend fills in. Writes happen between begin() and commit():
 * a committed batch is durable, and a batch that was never committed leaves
 * no trace, even when the process is killed. */
struct store_ops {
	const char *name;
	void (*close)(struct store *store);

	/* Find or create the source called name; kind names what it is ("file",
	 * "sensor", "provider"). */
	dn_status (*source_id)(struct store *store, const char *name, const char *kind,
	                       uint32_t *id, struct dn_error *err);

	dn_status (*begin)(struct store *store, struct dn_error *err);
	/* Merge records into what is stored: time_first = min, time_last =
	 * max, count = sum, both over all sources and per source. */
	dn_status (*put_rrsets)(struct store *store, const struct pdns_record *recs, size_t n,
	                        struct dn_error *err);
	dn_status (*put_negatives)(struct store *store, const struct pdns_negative *recs, size_t n,
	                           struct dn_error *err);
	/* Insert the run (run->id == 0) or update it. */
	dn_status (*put_run)(struct store *store, struct store_run *run, struct dn_error *err);
	/* Find the latest run of the input, whatever its size and time then;
	 * *found is false when there is none. run->input is input, and
	 * run->source points into the store, valid until the next call. */
	dn_status (*find_run)(struct store *store, const char *input, struct store_run *run,
	                      bool *found, struct dn_error *err);
	dn_status (*commit)(struct store *store, struct dn_error *err);
	/* Undo an uncommitted batch; never fails. */
	void (*rollback)(struct store *store);
	/* Wait until every committed batch is in the store. A backend that
	 * delivers through a local spool fails when batches are still waiting
	 * there (they are kept, and sent by the next writer). NULL when commit
	 * already stores. */
	dn_status (*sync)(struct store *store, struct dn_error *err);

	dn_status (*query_rrsets)(struct store *store, const struct pdns_query *query,
	                          store_record_fn fn, void *ctx, struct dn_error *err);
	dn_status (*query_negatives)(struct store *store, const struct pdns_query *query,
	                             store_negative_fn fn, void *ctx, struct dn_error *err);
	dn_status (*stats)(struct store *store, struct store_stats *stats, struct dn_error *err);
	/* After a query: NULL, or a note on what the answer lacks ("partial:
	 * shard 2 did not answer"), valid until the next call. */
	const char *(*query_note)(struct store *store);
	/* Stop any query that runs past deadline_ns (CLOCK_MONOTONIC
	 * nanoseconds; 0 for none); the stopped call fails. Returns true when
	 * the deadline this call replaces stopped a query. NULL when the
	 * backend cannot stop its queries. */
	bool (*set_deadline)(struct store *store, int64_t deadline_ns);
	dn_status (*status)(struct store *store, struct store_status *status, struct dn_error *err);

	/* Everything stored, for copying a store. Records and negative answers
	 * come once per source that saw them, with that source's own figures,
	 * source_id set to the source's id in this store, and has_ip, ip and
	 * rdata_name filled in as a writer expects them. Order is unspecified. */
	dn_status (*dump_rrsets)(struct store *store, store_record_fn fn, void *ctx,
	                         struct dn_error *err);
	dn_status (*dump_negatives)(struct store *store, store_negative_fn fn, void *ctx,
	                            struct dn_error *err);
	dn_status (*list_sources)(struct store *store, store_source_fn fn, void *ctx,
	                          struct dn_error *err);
	/* Runs oldest first; run->source is the source's name. */
	dn_status (*list_runs)(struct store *store, store_run_fn fn, void *ctx,
	                       struct dn_error *err);

	/* WHOIS and RDAP. Writes go inside begin()/commit() like records. */
	dn_status (*put_whois)(struct store *store, const struct store_whois *docs, size_t n,
	                       struct dn_error *err);
	dn_status (*put_whois_values)(struct store *store, const struct store_whois_value *vals,
	                              size_t n, struct dn_error *err);
	/* The documents of domain, oldest first seen first; with latest_only,
	 * just the one last seen (ties: the later first seen). raw is filled
	 * only when with_raw is set. */
	dn_status (*query_whois)(struct store *store, const char *domain, bool latest_only,
	                         bool with_raw, store_whois_fn fn, void *ctx,
	                         struct dn_error *err);
	/* Index values matching a lookup, ordered by domain, then role. */
	dn_status (*query_whois_values)(struct store *store, const struct store_whois_lookup *q,
	                                store_whois_value_fn fn, void *ctx,
	                                struct dn_error *err);
	/* How many distinct domains hold each value is what correlation weighs;
	 * this returns the count for one (kind, value). */
	dn_status (*count_whois_value)(struct store *store, const char *kind, const char *value,
	                               uint64_t *domains, struct dn_error *err);
	/* Every index value, ordered by domain; and every document with its raw
	 * text, once per source (for copying a store). */
	dn_status (*dump_whois_values)(struct store *store, store_whois_value_fn fn, void *ctx,
	                               struct dn_error *err);
	dn_status (*dump_whois)(struct store *store, store_whois_fn fn, void *ctx,
	                        struct dn_error *err);

	/* Certificates. Writes go inside begin()/commit() like records.
	 * put_certs keeps the first copy of a certificate (the fields are a
	 * function of the DER, so any copy is as good). */
	dn_status (*put_certs)(struct store *store, const struct store_cert *certs, size_t n,
	                       struct dn_error *err);
	dn_status (*put_cert_names)(struct store *store, const struct store_cert_name *names,
	                            size_t n, struct dn_error *err);
	dn_status (*put_cert_sightings)(struct store *store,
	                                const struct store_cert_sighting *sightings, size_t n,
	                                struct dn_error *err);
	/* Certificates matching q, latest not_before first, then by sha256. */
	dn_status (*query_certs)(struct store *store, const struct store_cert_query *q,
	                         store_cert_fn fn, void *ctx, struct dn_error *err);
	/* Sightings of one certificate key, earliest first. */
	dn_status (*query_cert_sightings)(struct store *store, const uint8_t sha256[32],
	                                  store_cert_sighting_fn fn, void *ctx,
	                                  struct dn_error *err);
	/* Index values of kind carried by at least min_certs certificates,
	 * most certificates first, then by value; at most limit (0: all). */
	dn_status (*group_cert_names)(struct store *store, const char *kind, uint64_t min_certs,
	                              size_t limit, store_cert_group_fn fn, void *ctx,
	                              struct dn_error *err);
	/* Everything, for copying a store; sightings once per source. */
	dn_status (*dump_certs)(struct store *store, store_cert_fn fn, void *ctx,
	                        struct dn_error *err);
	dn_status (*dump_cert_names)(struct store *store, store_cert_name_fn fn, void *ctx,
	                             struct dn_error *err);
	dn_status (*dump_cert_sightings)(struct store *store, store_cert_sighting_fn fn, void *ctx,
	                                 struct dn_error *err);

	/* IP-to-ASN ranges. Writes go inside begin()/commit(): put_asn_ranges
	 * adds ranges to the load, in one batch or several, and put_asn_load,
	 * called after the last of them, records the load. Reads see a load's
	 * ranges once the batch that recorded it is committed, and from then
	 * on no longer see the source's earlier loads. */
	dn_status (*put_asn_ranges)(struct store *store, const struct store_asn_load *load,
	                            const struct asn_range *ranges, size_t n,
	                            struct dn_error *err);
	dn_status (*put_asn_load)(struct store *store, const struct store_asn_load *load,
	                          struct dn_error *err);
	/* The ranges of each source's latest load that match filter, ordered
	 * by source id, then by first address. */
	dn_status (*query_asn_ranges)(struct store *store, const struct store_asn_filter *filter,
	                              store_asn_range_fn fn, void *ctx, struct dn_error *err);
	/* The latest load of each source, ordered by source name. */
	dn_status (*list_asn_loads)(struct store *store, store_asn_load_fn fn, void *ctx,
	                            struct dn_error *err);
	/* The range that covers ip among the ranges of each source's latest
	 * load, picked as asn/table.h picks it from a table built by
	 * cli_asn_table_build(): the smallest range, then the one of the later
	 * load (higher id), then the higher source id, then the higher first
	 * address. Calls fn once with it, or not at all when no range covers
	 * ip. */
	dn_status (*query_asn_at)(struct store *store, const ip_key *ip, store_asn_hit_fn fn,
	                          void *ctx, struct dn_error *err);
};

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops *ops;
};

enum store_mode {
	STORE_READ,  /* the store must exist; it is not created or migrated */
	STORE_WRITE, /* create it (and its folder) if missing, migrate an older schema */
};

struct store_options {
	/* Memory the backend may use for its own caches, in bytes; 0 picks the
	 * backend's default. Ingest passes a share of --max-memory here. */
	size_t cache_bytes;
	/* Queries may return what the reachable part of a cluster holds, and
	 * say so through query_note, rather than fail. */
	bool allow_partial;
};

/* Open the store at location: a file path (SQLite), "sqlite:PATH", or
 * "clickhouse://[USER[:PASSWORD]@]HOST:PORT[,HOST:PORT...]/DATABASE[?cluster=NAME&...]".
 * options may be NULL for defaults. */
dn_status store_open(const char *location, enum store_mode mode,
                     const struct store_options *options, struct store **store,
                     struct dn_error *err);

/* Check the syntax of a location without opening anything: DN_OK, or
 * DN_EINVAL with a message that shows no password. */
dn_status store_check_location(const char *location, struct dn_error *err);

/* Close the store; a batch still open is rolled back. NULL is allowed. */
void store_close(struct store *store);

/* The location used when neither --db nor DRAGNET_DB is given:
 * $XDG_DATA_HOME/dragnet/dragnet.db, or ~/.local/share/dragnet/dragnet.db. */
dn_status store_default_location(char *out, size_t size, struct dn_error *err);

/* Thin wrappers so callers read store_begin(s, err) rather than
 * s->ops->begin(s, err). */
static inline dn_status store_source_id(struct store *s, const char *name, const char *kind,
                                        uint32_t *id, struct dn_error *err)
{
	return s->ops->source_id(s, name, kind, id, err);
}

static inline dn_status store_begin(struct store *s, struct dn_error *err)
{
	return s->ops->begin(s, err);
}

static inline dn_status store_put_rrsets(struct store *s, const struct pdns_record *recs, size_t n,
                                         struct dn_error *err)
{
	return s->ops->put_rrsets(s, recs, n, err);
}

static inline dn_status store_put_negatives(struct store *s, const struct pdns_negative *recs,
                                            size_t n, struct dn_error *err)
{
	return s->ops->put_negatives(s, recs, n, err);
}

static inline dn_status store_put_run(struct store *s, struct store_run *run, struct dn_error *err)
{
	return s->ops->put_run(s, run, err);
}

static inline dn_status store_find_run(struct store *s, const char *input, struct store_run *run,
                                       bool *found, struct dn_error *err)
{
	return s->ops->find_run(s, input, run, found, err);
}

static inline dn_status store_commit(struct store *s, struct dn_error *err)
{
	return s->ops->commit(s, err);
}

static inline void store_rollback(struct store *s)
{
	s->ops->rollback(s);
}

static inline dn_status store_sync(struct store *s, struct dn_error *err)
{
	return s->ops->sync != NULL ? s->ops->sync(s, err) : DN_OK;
}

static inline dn_status store_query_rrsets(struct store *s, const struct pdns_query *q,
                                           store_record_fn fn, void *ctx, struct dn_error *err)
{
	return s->ops->query_rrsets(s, q, fn, ctx, err);
}

static inline dn_status store_query_negatives(struct store *s, const struct pdns_query *q,
                                              store_negative_fn fn, void *ctx, struct dn_error *err)
{
	return s->ops->query_negatives(s, q, fn, ctx, err);
}

static inline dn_status store_stats(struct store *s, struct store_stats *stats,
                                    struct dn_error *err)
{
	return s->ops->stats(s, stats, err);
}

static inline dn_status store_status(struct store *s, struct store_status *status,
                                     struct dn_error *err)
{
	return s->ops->status(s, status, err);
}

static inline const char *store_query_note(struct store *s)
{
	return s->ops->query_note != NULL ? s->ops->query_note(s) : NULL;
}

/* Stop any query that runs past deadline_ns (CLOCK_MONOTONIC nanoseconds;
 * 0 clears it), for the time limit of `dragnet serve`. Returns true when
 * the deadline this call replaces stopped a query, so the caller can tell
 * a timeout from another failure. A no-op that returns false for backends
 * without set_deadline.
 * NOTE: ClickHouse has none: its queries run to their end. */
static inline bool store_set_deadline(struct store *s, int64_t deadline_ns)
{
	return s->ops->set_deadline != NULL ? s->ops->set_deadline(s, deadline_ns) : false;
}

static inline dn_status store_dump_rrsets(struct store *s, store_record_fn fn, void *ctx,
                                          struct dn_error *err)
{
	return s->ops->dump_rrsets(s, fn, ctx, err);
}

static inline dn_status store_dump_negatives(struct store *s, store_negative_fn fn, void *ctx,
                                             struct dn_error *err)
{
	return s->ops->dump_negatives(s, fn, ctx, err);
}

static inline dn_status store_list_sources(struct store *s, store_source_fn fn, void *ctx,
                                           struct dn_error *err)
{
	return s->ops->list_sources(s, fn, ctx, err);
}

static inline dn_status store_list_runs(struct store *s, store_run_fn fn, void *ctx,
                                        struct dn_error *err)
{
	return s->ops->list_runs(s, fn, ctx, err);
}

static inline dn_status store_put_whois(struct store *s, const struct store_whois *docs, size_t n,
                                        struct dn_error *err)
{
	return s->ops->put_whois(s, docs, n, err);
}

static inline dn_status store_put_whois_values(struct store *s,
                                               const struct store_whois_value *vals, size_t n,
                                               struct dn_error *err)
{
	return s->ops->put_whois_values(s, vals, n, err);
}

static inline dn_status store_query_whois(struct store *s, const char *domain, bool latest_only,
                                          bool with_raw, store_whois_fn fn, void *ctx,
                                          struct dn_error *err)
{
	return s->ops->query_whois(s, domain, latest_only, with_raw, fn, ctx, err);
}

static inline dn_status store_query_whois_values(struct store *s,
                                                 const struct store_whois_lookup *q,
                                                 store_whois_value_fn fn, void *ctx,
                                                 struct dn_error *err)
{
	return s->ops->query_whois_values(s, q, fn, ctx, err);
}

static inline dn_status store_count_whois_value(struct store *s, const char *kind,
                                                const char *value, uint64_t *domains,
                                                struct dn_error *err)
{
	return s->ops->count_whois_value(s, kind, value, domains, err);
}

static inline dn_status store_dump_whois_values(struct store *s, store_whois_value_fn fn,
                                                void *ctx, struct dn_error *err)
{
	return s->ops->dump_whois_values(s, fn, ctx, err);
}

static inline dn_status store_dump_whois(struct store *s, store_whois_fn fn, void *ctx,
                                         struct dn_error *err)
{
	return s->ops->dump_whois(s, fn, ctx, err);
}

static inline dn_status store_put_certs(struct store *s, const struct store_cert *certs, size_t n,
                                        struct dn_error *err)
{
	return s->ops->put_certs(s, certs, n, err);
}

static inline dn_status store_put_cert_names(struct store *s, const struct store_cert_name *names,
                                             size_t n, struct dn_error *err)
{
	return s->ops->put_cert_names(s, names, n, err);
}

static inline dn_status store_put_cert_sightings(struct store *s,
                                                 const struct store_cert_sighting *sightings,
                                                 size_t n, struct dn_error *err)
{
	return s->ops->put_cert_sightings(s, sightings, n, err);
}

static inline dn_status store_query_certs(struct store *s, const struct store_cert_query *q,
                                          store_cert_fn fn, void *ctx, struct dn_error *err)
{
	return s->ops->query_certs(s, q, fn, ctx, err);
}

static inline dn_status store_query_cert_sightings(struct store *s, const uint8_t sha256[32],
                                                   store_cert_sighting_fn fn, void *ctx,
                                                   struct dn_error *err)
{
	return s->ops->query_cert_sightings(s, sha256, fn, ctx, err);
}

static inline dn_status store_group_cert_names(struct store *s, const char *kind,
                                               uint64_t min_certs, size_t limit,
                                               store_cert_group_fn fn, void *ctx,
                                               struct dn_error *err)
{
	return s->ops->group_cert_names(s, kind, min_certs, limit, fn, ctx, err);
}

static inline dn_status store_dump_certs(struct store *s, store_cert_fn fn, void *ctx,
                                         struct dn_error *err)
{
	return s->ops->dump_certs(s, fn, ctx, err);
}

static inline dn_status store_dump_cert_names(struct store *s, store_cert_name_fn fn, void *ctx,
                                              struct dn_error *err)
{
	return s->ops->dump_cert_names(s, fn, ctx, err);
}

static inline dn_status store_dump_cert_sightings(struct store *s, store_cert_sighting_fn fn,
                                                  void *ctx, struct dn_error *err)
{
	return s->ops->dump_cert_sightings(s, fn, ctx, err);
}

static inline dn_status store_put_asn_ranges(struct store *s, const struct store_asn_load *load,
                                             const struct asn_range *ranges, size_t n,
                                             struct dn_error *err)
{
	return s->ops->put_asn_ranges(s, load, ranges, n, err);
}

static inline dn_status store_put_asn_load(struct store *s, const struct store_asn_load *load,
                                           struct dn_error *err)
{
	return s->ops->put_asn_load(s, load, err);
}

static inline dn_status store_query_asn_ranges(struct store *s,
                                               const struct store_asn_filter *filter,
                                               store_asn_range_fn fn, void *ctx,
                                               struct dn_error *err)
{
	return s->ops->query_asn_ranges(s, filter, fn, ctx, err);
}

static inline dn_status store_list_asn_loads(struct store *s, store_asn_load_fn fn, void *ctx,
                                             struct dn_error *err)
{
	return s->ops->list_asn_loads(s, fn, ctx, err);
}

static inline dn_status store_query_asn_at(struct store *s, const ip_key *ip,
                                           store_asn_hit_fn fn, void *ctx, struct dn_error *err)
{
	return s->ops->query_asn_at(s, ip, fn, ctx, err);
}
