/* Opening capture files (pcap, pcapng, gzip or zstd compressed) and live
 * interfaces through libpcap. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "util/status.h"

enum capture_format { CAPTURE_FORMAT_PCAP, CAPTURE_FORMAT_PCAPNG, CAPTURE_FORMAT_LIVE };
enum capture_compression { CAPTURE_PLAIN, CAPTURE_GZIP, CAPTURE_ZSTD };

struct capture_input;

/* Open path ("-" for standard input) as a capture file. The format comes
 * from the first bytes, never the file name: pcap (either byte order,
 * microsecond or nanosecond), pcapng, or either of those compressed with
 * gzip or zstd. Fails with DN_EFORMAT, naming the bytes found, for anything
 * else, and with DN_EIO when the file cannot be read. */
dn_status capture_input_open_file(const char *path, struct capture_input **input,
                                  struct dn_error *err);

struct capture_live_options {
	const char *filter;   /* BPF expression, or NULL to capture everything */
	bool promiscuous;
	int snaplen;          /* bytes kept of each frame */
	int buffer_bytes;     /* kernel ring buffer size */
};

/* Start a live capture on interface iface. Needs CAP_NET_RAW (or root). */
dn_status capture_input_open_live(const char *iface, const struct capture_live_options *options,
                                  struct capture_input **input, struct dn_error *err);

enum capture_next {
	CAPTURE_NEXT_PACKET,   /* *header and *data are set */
	CAPTURE_NEXT_TIMEOUT,  /* live capture: no packet within the read timeout */
	CAPTURE_NEXT_END,      /* end of file, or capture_input_break() was called */
	CAPTURE_NEXT_ERROR,    /* read error; err says what and where */
};

/* Read the next frame. The data stays valid until the next call. The
 * field header->ts.tv_usec contains nanoseconds, whatever the file or
 * interface provides. */
enum capture_next capture_input_next(struct capture_input *input,
                                     const struct pcap_pkthdr **header, const uint8_t **data,
                                     struct dn_error *err);

/* Make a pending or future capture_input_next() return CAPTURE_NEXT_END.
 * Safe to call from a signal handler. */
void capture_input_break(struct capture_input *input);

int capture_input_linktype(const struct capture_input *input);

/* Modification time of a regular file in nanoseconds since the epoch, from
 * the descriptor that is read; -1 for standard input, pipes and interfaces.
 * With capture_input_size() it identifies the file. */
int64_t capture_input_mtime_ns(const struct capture_input *input);

/* Bytes of the file read so far and its total size (0 when unknown, as for
 * standard input), for progress and ETA. For compressed files both count
 * compressed bytes. */
uint64_t capture_input_position(const struct capture_input *input);
uint64_t capture_input_size(const struct capture_input *input);

/* Frames the kernel dropped on a live capture (0 for files). */
uint64_t capture_input_kernel_drops(const struct capture_input *input);

void capture_input_close(struct capture_input *input);
