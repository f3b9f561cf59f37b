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
};

/* Certificates per store transaction. Each commit rewrites pages all over
 * the search-key table; on bench/certs.sh 20,000 in place of 5,000 took
 * about 8% less CPU time for 70 MB more memory at the peak. */
#define CERT_IMPORT_BATCH 20000

/* Read the certificates in buf (len bytes of the file at path) and store
 * them with sightings of source_id; store NULL counts without writing.
 * seen is the time of file sightings. Malformed blocks, entries and
 * certificates are logged with path, byte offset or entry index and the
 * reason, counted and skipped. Returns DN_EFORMAT when buf is no
 * certificate input, DN_EMALF when its JSON does not parse, DN_ESTORE,
 * DN_ENOMEM. */
dn_status cert_import_buffer(struct store *store, const char *path, const uint8_t *buf,
                             size_t len, uint32_t source_id, int64_t seen,
                             struct cert_import_counts *counts, struct dn_error *err);
