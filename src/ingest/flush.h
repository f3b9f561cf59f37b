/* Writing the aggregate to the store: wire form to presentation form, in
 * batches, inside one transaction per flush. */
#pragma once

#include <stdint.h>

#include "pdns/aggregate.h"
#include "store/store.h"
#include "util/status.h"

struct flush_result {
	uint64_t rrsets;
	uint64_t negatives;
};

/* Write every entry of agg, and run (if not NULL) with its updated counters,
 * in one transaction: either all of it is stored or, on error, none of it.
 * agg is left unchanged; the caller clears it after success. */
dn_status ingest_flush_aggregate(struct store *store, struct pdns_agg *agg, struct store_run *run,
                                 struct flush_result *result, struct dn_error *err);
