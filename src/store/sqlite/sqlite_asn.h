/* IP-to-ASN ranges in the SQLite store: the store operations of store.h. */
#pragma once

#include "store/store.h"

dn_status sqlite_put_asn_ranges(struct store *store, const struct store_asn_load *load,
                                const struct asn_range *ranges, size_t n, struct dn_error *err);
dn_status sqlite_put_asn_load(struct store *store, const struct store_asn_load *load,
                              struct dn_error *err);
dn_status sqlite_query_asn_ranges(struct store *store, const struct store_asn_filter *filter,
                                  store_asn_range_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_list_asn_loads(struct store *store, store_asn_load_fn fn, void *ctx,
                                struct dn_error *err);
