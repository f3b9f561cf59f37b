/* A thread that writes one aggregate to the store while the pipeline goes
 * on filling another, so that a long flush does not stop a live listener
 * from reading. */
#pragma once

#include <stdbool.h>

#include "ingest/flush.h"
#include "pdns/aggregate.h"
#include "store/store.h"
#include "util/status.h"

struct ingest_writer;

dn_status ingest_writer_start(struct store *store, struct ingest_writer **writer,
                              struct dn_error *err);

/* Hand agg and a copy of run to the writer, which writes both in one
 * transaction and then clears agg. False, and nothing handed over, while
 * an earlier write is still in progress or not yet collected. */
bool ingest_writer_submit(struct ingest_writer *writer, struct pdns_agg *agg,
                          const struct store_run *run);

/* Collect a finished write, waiting for one in progress when wait is set.
 * True when one was collected: *agg is its aggregate (cleared when the
 * write succeeded), and *result, *rc and err say how it went. False when
 * nothing was handed over, or wait is false and the write goes on. */
bool ingest_writer_collect(struct ingest_writer *writer, bool wait, struct pdns_agg **agg,
                           struct flush_result *result, dn_status *rc, struct dn_error *err);

/* Whether a write is in progress or waits to be collected. */
bool ingest_writer_busy(struct ingest_writer *writer);

/* Stop the thread; a write in progress is finished first and its result
 * dropped, so collect it before. NULL is allowed. */
void ingest_writer_stop(struct ingest_writer *writer);
