/* Storing parsed WHOIS and RDAP records: the document, its raw text and its
 * index values, through the store interface. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "whois/record.h"

/* Put rec as seen at observed by source_id, with raw (raw_len bytes, may be
 * NULL) as the response text. The caller brackets calls with store_begin()
 * and store_commit(). DN_EINVAL when rec has no domain. */
dn_status whois_store_record(struct store *store, uint32_t source_id,
                             const struct whois_record *rec, const char *raw, size_t raw_len,
                             int64_t observed, struct dn_error *err);
