/* The ClickHouse store backend. */
#pragma once

#include "store/store.h"

/* Open "clickhouse://..." (see store_open). In write mode the schema is
 * created where missing and batches left in the spool are sent. */
dn_status ch_store_open(const char *location, enum store_mode mode,
                        const struct store_options *options, struct store **out,
                        struct dn_error *err);
