/* Feed records (presentation form) to aggregator observations (wire form),
 * through Knot's zone-file scanner, so that a record read from a log is
 * stored exactly as the same record decoded from a packet. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "feed/feed.h"
#include "pdns/aggregate.h"
#include "util/status.h"

struct feed_towire;

dn_status feed_towire_new(struct feed_towire **towire);
void feed_towire_free(struct feed_towire *towire);

/* Counts above this are taken for damage, not sightings: sums of them
 * could overflow the store's 64-bit counters. */
#define FEED_COUNT_MAX 1000000000000000ull
/* Times outside [0, 2200-01-01) are damage too, as for dnstap. */
#define FEED_TIME_MAX 7258118400ll

/* Whether rec's count and times are within the limits above. */
static inline bool feed_record_plausible(const struct feed_record *rec)
{
	return rec->count <= FEED_COUNT_MAX && rec->time_first >= 0 &&
	       rec->time_last < FEED_TIME_MAX;
}

/* Add rec to agg as seen by source_id. DN_EMALF with a reason when its
 * name, type or rdata cannot be read; DN_ENOMEM when agg cannot grow. */
dn_status feed_towire_add(struct feed_towire *towire, const struct feed_record *rec,
                          uint32_t source_id, struct pdns_agg *agg, struct dn_error *err);
