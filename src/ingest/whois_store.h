/* Storing parsed WHOIS and RDAP records: the document, its raw text and its
 * index values, through the store interface. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "whois/record.h"

/* Records gathered for one write, so that the store receives many at a
 * time and can sort them into its indexes. */
struct whois_batch;

struct whois_batch *whois_batch_new(void);
void whois_batch_free(struct whois_batch *batch);

/* Copy rec, as seen at observed by source_id with raw (raw_len bytes, may
 * be NULL) as the response text, into the batch. DN_EINVAL when rec has
 * no domain, DN_ENOMEM. */
dn_status whois_batch_add(struct whois_batch *batch, uint32_t source_id,
                          const struct whois_record *rec, const char *raw, size_t raw_len,
                          int64_t observed, struct dn_error *err);

/* As whois_batch_add(), but the batch takes raw, a malloc'd buffer of
 * raw_len bytes and a NUL, instead of copying it, and frees it once the
 * batch is put or freed, whatever this returns. */
dn_status whois_batch_add_owned(struct whois_batch *batch, uint32_t source_id,
                                const struct whois_record *rec, char *raw, size_t raw_len,
                                int64_t observed, struct dn_error *err);

/* Records in the batch. */
size_t whois_batch_count(const struct whois_batch *batch);

/* Put every record of the batch into store and empty the batch, whatever
 * the result. The caller brackets it with store_begin() and
 * store_commit(). */
dn_status whois_batch_put(struct whois_batch *batch, struct store *store, struct dn_error *err);

/* One record at once: whois_batch_add() and whois_batch_put(). */
dn_status whois_store_record(struct store *store, uint32_t source_id,
                             const struct whois_record *rec, const char *raw, size_t raw_len,
                             int64_t observed, struct dn_error *err);
