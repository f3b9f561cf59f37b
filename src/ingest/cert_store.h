/* Storing parsed certificates: the certificate, its search keys and where
 * it was seen, through the store interface, a batch at a time; and the
 * import of a certificate file (PEM, DER, CT get-entries JSON, crt.sh
 * JSON) for `dragnet ingest`. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"
#include "x509/cert.h"
#include "x509/crtsh.h"
#include "x509/pem.h"

/* Certificates gathered for one write. */
struct cert_batch;

struct cert_batch *cert_batch_new(void);
void cert_batch_free(struct cert_batch *batch);

/* The arena whose strings live as long as the batch holds them: parse
 * certificates into it and cert_batch_add() needs to copy nothing. It is
 * reset by cert_batch_put(). */
struct arena *cert_batch_arena(struct cert_batch *batch);

/* Add cert, seen at seen (epoch seconds) by source_id as kind ("file",
 * "ct", "host") with detail (a path, "LOG#INDEX", "host:port"). Strings of
 * cert must outlive the batch's next put (they may live in its arena).
 * DN_ENOMEM only. */
dn_status cert_batch_add(struct cert_batch *batch, const struct x509_cert *cert, const char *kind,
                         const char *detail, int64_t seen, uint32_t source_id,
                         struct dn_error *err);

/* Add a crt.sh export entry as a partial certificate (store.h) with a
 * sighting of kind "crtsh". DN_EINVAL when it lacks an issuer or serial. */
dn_status cert_batch_add_crtsh(struct cert_batch *batch, const struct crtsh_entry *entry,
                               const char *detail, uint32_t source_id, struct dn_error *err);

/* Certificates added since the last put. */
size_t cert_batch_count(const struct cert_batch *batch);

/* Bytes of the batch's memory from malloc: its arena and its row arrays. */
size_t cert_batch_memory(const struct cert_batch *batch);

/* Put everything in the batch into store and empty it, whatever the
 * result; with store NULL (a dry run) only empty it. The caller brackets
 * it with store_begin() and store_commit(). */
dn_status cert_batch_put(struct cert_batch *batch, struct store *store, struct dn_error *err);

/* Write the search keys of one certificate (store.h lists the kinds) to
 * fn; exposed for tests. */
dn_status cert_index_names(const struct x509_cert *cert, struct arena *arena,
                           dn_status (*fn)(const char *kind, const char *value, void *ctx),
                           void *ctx, struct dn_error *err);

/* What one certificate file gave. */
struct cert_import_counts {
	char format[16];     /* x509_format_name() */
	uint64_t certs;      /* certificates stored (a chain's certificates each count) */
	uint64_t partial;    /* crt.sh entries stored without DER */
	uint64_t bad;        /* blocks, entries or certificates skipped as malformed */
	uint64_t resumed;    /* items an earlier, unfinished run stored, not read again */
};

/* Certificates per store transaction at most. Each commit rewrites pages
 * all over the search-key table; on bench/certs.sh 20,000 in place of
 * 5,000 took about 8% less CPU time for 70 MB more memory at the peak.
 * cert_file.batch_memory may end a batch sooner. */
#define CERT_IMPORT_BATCH 20000

/* A certificate file to import, and how its run is recorded. */
struct cert_file {
	const char *path;        /* as given, for messages */
	const char *input;       /* the run's input: absolute path, or "-" for standard input */
	const char *detail;      /* detail of its "file" sightings, and prefix of "ct" ones */
	const char *source;      /* source name of its sightings */
	const char *source_kind; /* "file", "stream" or "provider" */
	int64_t size;            /* bytes, and modification time in ns, which identify */
	int64_t mtime_ns;        /* a regular file; both -1 for standard input and pipes */
	int64_t seen;            /* time of its "file" sightings, epoch seconds */
	enum x509_format format; /* X509_FORMAT_NONE: detect it from the content */
	bool again;              /* read it even when an earlier run read all of it */
	size_t batch_memory;     /* end a batch once its memory reaches this; 0: no limit */
};

/* The run of one certificate file in the store's run table, the table
 * that captures and logs use too. Items are PEM blocks, CT log entries
 * or crt.sh entries; the run's packets column counts them. */
struct cert_run {
	struct store_run run;
	uint64_t resume_after;   /* items an earlier, unfinished run stored */
	uint64_t resume_records; /* that run's certificates and crt.sh entries */
	uint64_t resume_errors;  /* and its malformed items */
	int64_t pid;
	bool skip;             /* the file was read in full before: read nothing */
};

/* Register the run of file in a transaction of its own, after weighing the
 * latest earlier run of the same input as the packet pipeline does: a file
 * read in full before, with the same size and modification time, is skipped
 * (run->skip, with a warning) unless file->again is set. A run cut short is
 * resumed after the items it stored. Another live ingest of the file gives
 * DN_EBUSY. With store NULL (a dry run) nothing is recorded or skipped.
 * DN_ESTORE on a store failure. */
dn_status cert_import_start(struct store *store, const struct cert_file *file,
                            struct cert_run *run, struct dn_error *err);

/* Read the certificates in buf (the len bytes of file) and store them with
 * sightings of run->run.source_id, in transactions of at most
 * CERT_IMPORT_BATCH certificates; each transaction also updates the run, so
 * that the items it stored are not read again. store NULL counts without
 * writing. Malformed blocks, entries and certificates are logged with
 * file->path, byte offset or entry index and the reason, counted and
 * skipped. A file in which nothing could be stored leaves its run
 * unfinished at item 0, so that it is never skipped as ingested before.
 * Returns DN_EFORMAT when buf is no certificate input, DN_EMALF when its
 * JSON does not parse, DN_ESTORE, DN_ENOMEM. */
dn_status cert_import_buffer(struct store *store, const struct cert_file *file,
                             struct cert_run *run, const uint8_t *buf, size_t len,
                             struct cert_import_counts *counts, struct dn_error *err);
