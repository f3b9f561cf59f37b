/* IPv4 and IPv6 fragment reassembly, private to src/capture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

/* Largest reassembled payload: what the 16-bit IPv4 total length and IPv6 payload
 * length fields can describe, not counting the header itself. */
#define CAPTURE_FRAG_PAYLOAD_MAX 65535u

/* Maximum number of pieces stored for one datagram. The largest datagram cut for a
 * 1500-byte MTU makes 45 fragments. The cap keeps insertion cheap when a sender
 * splits a datagram into 8-byte fragments. */
#define CAPTURE_FRAG_PIECES_MAX 512u

/* Identity of a datagram being reassembled. Zero it before filling it, because the
 * hash and the comparison cover every byte, padding included. */
struct capture_frag_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint32_t id;      /* IPv4 identification or IPv6 fragment header identification */
	uint8_t family;   /* 4 or 6 */
	uint8_t protocol; /* IPv4 protocol or the fragment header's next header */
	uint8_t pad[2];
};

struct capture_frag_table;

/* Create an empty table that charges its memory to counters->frag_bytes and
 * keeps it at most cfg->frag_max_bytes. Returns NULL when out of memory. */
struct capture_frag_table *capture_frag_table_new(const struct capture_config *cfg,
                                                  struct capture_counters *counters);

void capture_frag_table_free(struct capture_frag_table *t);

/*
 * Add one fragment: len bytes of payload at byte offset within the datagram,
 * more being the "more fragments" flag. now is packet time in epoch seconds.
 *
 * When the fragment completes its datagram, *datagram receives a malloc'd copy
 * of the whole payload (the caller frees it) and *datagram_len its length;
 * otherwise *datagram is NULL. Returns CAPTURE_OK when the fragment was stored
 * or completed a datagram. Returns CAPTURE_FRAG_INVALID, and drops the datagram,
 * for offsets and lengths that cannot belong to a valid datagram. Returns
 * CAPTURE_FRAG_LIMIT when the fragment does not fit within the limits even after
 * evicting every other datagram.
 */
enum capture_result capture_frag_add(struct capture_frag_table *t,
                                     const struct capture_frag_key *key, uint32_t offset, bool more,
                                     const uint8_t *data, size_t len, int64_t now,
                                     uint8_t **datagram, size_t *datagram_len);

/* Drop datagrams whose first fragment arrived frag_timeout or more seconds before now. */
void capture_frag_expire(struct capture_frag_table *t, int64_t now);

/* Bytes held by the table: buckets, datagram records and stored fragments. */
size_t capture_frag_memory(const struct capture_frag_table *t);
