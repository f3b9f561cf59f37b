/* In-memory aggregation of observations before they are flushed to the store. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

enum pdns_kind { PDNS_KIND_RRSET = 0, PDNS_KIND_NEGATIVE = 1 };

/* One observation in wire form. Names are uncompressed and lower-cased wire
 * names; the aggregator copies what it keeps, so the pointers need only live
 * for the call. */
struct pdns_obs {
	uint32_t source_id;
	uint8_t kind;               /* enum pdns_kind */
	uint16_t rrtype;            /* the record's type, or the question type for a negative */
	uint16_t rcode;             /* negatives only */
	const uint8_t *owner;       /* rrname, or qname for a negative */
	size_t owner_len;
	const uint8_t *bailiwick;   /* NULL or length 0 when unknown */
	size_t bailiwick_len;
	const uint8_t *rdata;       /* rrsets only */
	size_t rdata_len;
};

/* An aggregated entry as seen by pdns_agg_foreach(). */
struct pdns_agg_entry {
	struct pdns_obs obs;
	int64_t time_first;
	int64_t time_last;
	uint64_t count;
};

struct pdns_agg;

/* Create an empty aggregator; NULL when out of memory. */
struct pdns_agg *pdns_agg_new(void);
void pdns_agg_free(struct pdns_agg *agg);

/* Count one sighting of obs at time (epoch seconds), or `count` sightings
 * spanning [time_first, time_last] as pdns_agg_add_span() does. Sightings
 * may wait in a short batch before they are merged; pdns_agg_foreach()
 * merges them first. Returns DN_ENOMEM when the table cannot grow; the
 * sightings waiting in the batch are lost then. */
dn_status pdns_agg_add(struct pdns_agg *agg, const struct pdns_obs *obs, int64_t time);
dn_status pdns_agg_add_span(struct pdns_agg *agg, const struct pdns_obs *obs, int64_t time_first,
                            int64_t time_last, uint64_t count);

/* Entries held. Merges the waiting sightings first; if that fails for lack
 * of memory, the next pdns_agg_add() or pdns_agg_foreach() reports it. */
size_t pdns_agg_count(struct pdns_agg *agg);

/* Bytes held: entry storage plus the hash table, for --max-memory. */
size_t pdns_agg_memory(const struct pdns_agg *agg);

typedef dn_status (*pdns_agg_fn)(const struct pdns_agg_entry *entry, void *ctx);

/* Call fn for every entry, in no particular order. Stops at and returns the
 * first status that is not DN_OK. */
dn_status pdns_agg_foreach(struct pdns_agg *agg, pdns_agg_fn fn, void *ctx);

/* Drop every entry but keep allocated memory for reuse. */
void pdns_agg_clear(struct pdns_agg *agg);
