/* Helpers shared by the fragment and TCP flow tables, private to src/capture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

#include "capture/decode.h"

/* Largest bucket array a table allocates up front (8 MiB of pointers). Bigger
 * tables share buckets, and chains grow past one entry on average. */
#define CAPTURE_BUCKETS_MAX ((size_t)1 << 20)

/* Number of hash buckets for a table of max_entries: a power of two of at least
 * max_entries, so the average chain is at most one entry long. */
static inline size_t capture_bucket_count(size_t max_entries)
{
	size_t n = 16;
	while (n < max_entries && n < CAPTURE_BUCKETS_MAX)
		n <<= 1;
	return n;
}

/* Return a random seed for a table's hash, so that senders who know the hash
 * function cannot aim many flows at one bucket. Bucket layout never changes what
 * the decoder outputs, so results stay reproducible. Falls back to a fixed seed
 * when the kernel has no randomness to give. */
static inline uint64_t capture_hash_seed(void)
{
	uint64_t seed = 0x9e3779b97f4a7c15u;
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != (ssize_t)sizeof(seed))
		seed = 0x9e3779b97f4a7c15u;
	return seed;
}

/* True when timeout seconds or more separate stamp from now. Written so that no
 * subtraction overflows whatever the packet timestamps are. */
static inline bool capture_is_expired(int64_t stamp, int64_t now, uint32_t timeout)
{
	return now >= stamp && (uint64_t)now - (uint64_t)stamp >= timeout;
}

/* Raise peak_bytes to the current fragment and TCP memory if that is higher. */
static inline void capture_note_peak(struct capture_counters *c)
{
	size_t total = c->frag_bytes + c->tcp_bytes;
	if (total > c->peak_bytes)
		c->peak_bytes = total;
}
