/* IP-to-ASN ranges in the SQLite store: the store operations of store.h. */
#pragma once

#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

/* Bytes of an asn_range_bin key: a prefix length and a 16-byte address. */
#define SQLITE_ASN_BIN_SIZE 17

dn_status sqlite_put_asn_ranges(struct store *store, const struct store_asn_load *load,
                                const struct asn_range *ranges, size_t n, struct dn_error *err);
dn_status sqlite_put_asn_load(struct store *store, const struct store_asn_load *load,
                              struct dn_error *err);
dn_status sqlite_query_asn_ranges(struct store *store, const struct store_asn_filter *filter,
                                  store_asn_range_fn fn, void *ctx, struct dn_error *err);
dn_status sqlite_list_asn_loads(struct store *store, store_asn_load_fn fn, void *ctx,
                                struct dn_error *err);
dn_status sqlite_query_asn_at(struct store *store, const ip_key *ip, store_asn_hit_fn fn,
                              void *ctx, struct dn_error *err);

/* The bin key of the range lo..hi (sqlite_asn.c describes bins), and the
 * key of the block of len leading bits around ip. */
void sqlite_asn_bin(const ip_key *lo, const ip_key *hi, uint8_t bin[SQLITE_ASN_BIN_SIZE]);
void sqlite_asn_block(const ip_key *ip, unsigned len, uint8_t bin[SQLITE_ASN_BIN_SIZE]);

/* Register the SQL function dragnet_asn_bin(lo, hi) on db, which the
 * schema migration to version 6 calls. Returns an SQLite result code. */
int sqlite_asn_register(sqlite3 *db);
