/* Building the IP-to-ASN lookup table from what a store holds, for
 * `dragnet asn` and `dragnet pdns --asn`. */
#pragma once

#include "asn/table.h"
#include "store/store.h"

/* Build a lookup table of every source's latest ranges in store. Where
 * two sources give ranges of the same size, the one loaded later wins.
 * *table is built, possibly empty; the caller frees it. */
dn_status cli_asn_table_build(struct store *store, struct asn_table **table,
                              struct dn_error *err);
