/* Feed records (presentation form) to aggregator observations (wire form),
 * through Knot's zone-file scanner, so that a record read from a log is
 * stored exactly as the same record decoded from a packet. */
#pragma once

#include <stdint.h>

#include "feed/feed.h"
#include "pdns/aggregate.h"
#include "util/status.h"

struct feed_towire;

dn_status feed_towire_new(struct feed_towire **towire);
void feed_towire_free(struct feed_towire *towire);

/* Add rec to agg as seen by source_id. DN_EMALF with a reason when its
 * name, type or rdata cannot be read; DN_ENOMEM when agg cannot grow. */
dn_status feed_towire_add(struct feed_towire *towire, const struct feed_record *rec,
                          uint32_t source_id, struct pdns_agg *agg, struct dn_error *err);
