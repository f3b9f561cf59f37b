/* Helpers the store backends share for certificate searches. Pure code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The range of 32-byte keys whose lower-case hex starts with hex: keys k
 * with low <= k (memcmp over low_len bytes) and, when *high_len > 0,
 * k < high. Returns false when hex is empty, longer than 64 characters or
 * not lower-case hex. */
bool store_cert_hex_range(const char *hex, uint8_t low[32], size_t *low_len, uint8_t high[32],
                          size_t *high_len);

/* The smallest string greater than every string that starts with prefix,
 * written to out; returns its length, or 0 when there is none. */
size_t store_prefix_bound(const char *prefix, char *out, size_t size);
