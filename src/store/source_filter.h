/* A query's source filter turned into the store's source ids, shared by
 * the backends. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "pdns/query.h"
#include "store/store.h"

struct store_source_filter {
	uint32_t ids[PDNS_QUERY_MAX_SOURCES];
	size_t n;                               /* 0 when the query names no source */
	char list[PDNS_QUERY_MAX_SOURCES * 12]; /* the ids as SQL: "(3,7)" */
};

/* Look up the ids of q's sources in store. A name the store does not know
 * fails with DN_EINVAL and a message that names it and lists the sources
 * the store has (as many as fit). With no source in q this reads nothing. */
dn_status store_source_filter_resolve(struct store *store, const struct pdns_query *q,
                                      struct store_source_filter *filter, struct dn_error *err);
