/* DNS-over-TCP stream reassembly, private to src/capture. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/decode.h"

/* Out-of-order segments one direction may hold while it waits for a missing one.
 * When another arrives with the queue full, the gap is taken as lost. */
#define CAPTURE_TCP_HELD_MAX 16u

/* One direction of a TCP connection. Zero it before filling it, because the hash
 * and the comparison cover every byte, padding included. */
struct capture_tcp_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint8_t family; /* 4 or 6 */
	uint8_t pad[3];
};

#define CAPTURE_TCP_FIN 0x01
#define CAPTURE_TCP_SYN 0x02
#define CAPTURE_TCP_RST 0x04

/* One TCP segment on a DNS port, as the IP layer found it. */
struct capture_tcp_segment {
	struct capture_tcp_key key;
	uint32_t seq;        /* sequence number field */
	uint8_t flags;       /* CAPTURE_TCP_* bits, the same values as in the TCP header */
	const uint8_t *data; /* segment payload */
	size_t len;
};

struct capture_tcp_table;

/* Create an empty table with the TCP limits of cfg, reporting to counters.
 * Returns NULL when out of memory. */
struct capture_tcp_table *capture_tcp_table_new(const struct capture_config *cfg,
                                                struct capture_counters *counters);

void capture_tcp_table_free(struct capture_tcp_table *t);

/*
 * Feed one segment to its flow. Every DNS message the segment completes is
 * passed to fn as a copy of *frame with data and len filled in. frame carries
 * the addresses, ports, timestamp and packet number of the current frame. now
 * is packet time in epoch seconds. This function can't fail. When memory runs
 * out, the affected data is dropped and counted as a gap.
 */
void capture_tcp_add(struct capture_tcp_table *t, const struct capture_tcp_segment *seg,
                     const struct capture_message *frame, int64_t now, capture_message_fn fn,
                     void *ctx);

/* Drop flows that saw no segment for tcp_idle_timeout or more seconds before now. */
void capture_tcp_expire(struct capture_tcp_table *t, int64_t now);

/* Bytes held by the table: buckets, flow records and buffered data. */
size_t capture_tcp_memory(const struct capture_tcp_table *t);
