/* The in-memory IP-to-ASN lookup table: ranges from any number of sources,
 * resolved into sorted, non-overlapping segments. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "asn/asn.h"
#include "util/status.h"

/* A range as added, with its strings copied into the table. */
struct asn_entry {
	struct asn_range range;
	uint32_t source_id;
	const char *source; /* the source's name; "" when none was given */
};

struct asn_table;

/* An empty table; NULL when out of memory. */
struct asn_table *asn_table_new(void);

/* Add a range. Where ranges overlap, the smaller one wins (the most
 * specific prefix). Among ranges of the same size, the one with the higher
 * rank wins, then the one added last. Fails with DN_EINVAL when lo > hi or
 * the table is already built, and with DN_ENOMEM. */
dn_status asn_table_add(struct asn_table *t, const struct asn_range *range, uint32_t source_id,
                        const char *source, uint64_t rank, struct dn_error *err);

/* Resolve the ranges into segments; lookups need it, and it runs once. */
dn_status asn_table_build(struct asn_table *t, struct dn_error *err);

/* The entry that covers ip, or NULL when none does or the table is not
 * built. Needs no locks: the table is read-only once built. */
const struct asn_entry *asn_table_lookup(const struct asn_table *t, const ip_key *ip);

/* Number of ranges added, and of segments after the build. */
size_t asn_table_ranges(const struct asn_table *t);
size_t asn_table_segments(const struct asn_table *t);

/* NULL is allowed. */
void asn_table_free(struct asn_table *t);
