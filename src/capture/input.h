/* Opening inputs: capture files (pcap, pcapng), dnstap (Frame Streams or
 * one message) and text logs, any of them gzip or zstd compressed or on
 * standard input; and live interfaces through libpcap. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "util/status.h"

enum capture_format {
	CAPTURE_FORMAT_PCAP,
	CAPTURE_FORMAT_PCAPNG,
	CAPTURE_FORMAT_LIVE,
	CAPTURE_FORMAT_FSTRM,  /* dnstap in Frame Streams: read with capture_input_next_frame() */
	CAPTURE_FORMAT_DNSTAP, /* one unframed dnstap message: one frame */
	CAPTURE_FORMAT_TEXT,   /* a text log: read with capture_input_next_line() */
};
enum capture_compression { CAPTURE_PLAIN, CAPTURE_GZIP, CAPTURE_ZSTD };

struct capture_input;

/* Open path ("-" for standard input). The format comes from the first
 * bytes, never the file name: pcap (either byte order, microsecond or
 * nanosecond), pcapng, dnstap Frame Streams, a single dnstap message, or
 * text; any of those may be compressed with gzip or zstd. Fails with
 * DN_EFORMAT, naming the bytes found, for anything else, DN_EMALF for a
 * damaged Frame Streams start, and DN_EIO when the file cannot be read. */
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

enum capture_format capture_input_format(const struct capture_input *input);

/* The first bytes of the (decompressed) input, up to 4 KiB, to tell text
 * formats apart; they are read again by the next_* functions. */
const uint8_t *capture_input_head(const struct capture_input *input, size_t *len);

/* CAPTURE_FORMAT_FSTRM and _DNSTAP: the next dnstap frame's payload, valid
 * until the next call. Returns PACKET, END or ERROR. */
enum capture_next capture_input_next_frame(struct capture_input *input, const uint8_t **data,
                                           size_t *len, struct dn_error *err);

/* CAPTURE_FORMAT_TEXT: the next line without its '\n', valid until the next
 * call. Returns PACKET, END, ERROR, or TIMEOUT for a line over 1 MiB (which
 * is skipped; *line and *len are set all the same). */
enum capture_next capture_input_next_line(struct capture_input *input, const char **line,
                                          size_t *len, struct dn_error *err);

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
