/* Copying everything one store contains into another, whatever their backends. */
#pragma once

#include <signal.h>
#include <stdint.h>

#include "store/store.h"

/* Rows handed to the target per transaction when the caller sets none. */
#define STORE_COPY_BATCH 50000

/* What a copy has written so far. Records, negative answers and WHOIS
 * documents are counted once per (row, source) pair, as the source store
 * returns them. */
struct store_copy_counts {
	uint64_t sources;
	uint64_t rrset_rows;
	uint64_t negative_rows;
	uint64_t runs;
	uint64_t whois_rows;
	uint64_t whois_value_rows;
	uint64_t certs;
	uint64_t cert_name_rows;
	uint64_t cert_sighting_rows; /* once per sighting, with its first source */
	uint64_t asn_ranges;         /* of every source's latest IP-to-ASN load */
};

/* Called after each committed batch. */
typedef void (*store_copy_progress_fn)(const struct store_copy_counts *done, void *ctx);

struct store_copy_options {
	size_t batch;                       /* rows per transaction; 0 for STORE_COPY_BATCH */
	store_copy_progress_fn progress;    /* may be NULL */
	void *progress_ctx;
	/* When non-NULL and set (by a signal handler), the copy stops before
	 * its next row, rolls back the open batch and returns DN_EINTR. */
	volatile sig_atomic_t *stop;
};

/*
 * Copy every source (matched by name), record, negative answer, WHOIS
 * document and index value, certificate with its search keys and
 * sightings, IP-to-ASN load (store_copy_asn), and run of from into to. Each record, negative
 * answer and document is written as the source store returns it, once per
 * source with that source's figures, so the target's merged figures equal
 * the source's when the target was empty, and add up with what it held
 * otherwise. Index values merge by first = min, last = max, so copying them
 * twice changes nothing. Runs are added as new runs with no owner process,
 * since no process of the target writes them.
 *
 * Writes go in transactions of options->batch rows; a failure or a stop
 * rolls back only the open one, so the target keeps what earlier batches
 * wrote. done (may be NULL) receives the counts written. Returns the first
 * failure of either store, DN_ENOMEM, or DN_EINTR after a stop.
 */
dn_status store_copy(struct store *from, struct store *to, const struct store_copy_options *options,
                     struct store_copy_counts *done, struct dn_error *err);

/* Copy each source's latest IP-to-ASN load of from into to, one batch per
 * load, as a load of the same source name and id; it replaces what that
 * source held in to. Adds the ranges written to *ranges (copy_asn.c). */
dn_status store_copy_asn(struct store *from, struct store *to, uint64_t *ranges,
                         struct dn_error *err);
