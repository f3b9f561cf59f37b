/* Packet decoding from the link layer down to whole DNS messages. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The decoder takes captured frames one at a time and hands every complete DNS
 * message it finds to a callback. It strips the link layer (Ethernet with
 * 802.1Q/QinQ, Linux SLL and SLL2, raw IP, BSD null/loop, PPP), walks IPv4 and
 * IPv6 (with extension headers), reassembles IP fragments, unwraps GRE and
 * IP-in-IP tunnels, and reassembles DNS-over-TCP streams (RFC 1035 section
 * 4.2.2: each message is preceded by a two-byte length).
 *
 * It performs no I/O. Its state (fragments and TCP flows) lives in bounded
 * tables; packet timestamps, not the wall clock, drive expiry, so reading a
 * file gives the same result however fast it is read.
 */

/* The reason a frame produced no DNS message. CAPTURE_OK also covers frames
 * that were consumed into reassembly state (a fragment, a TCP segment). */
enum capture_result {
	CAPTURE_OK = 0,
	CAPTURE_NOT_IP,           /* valid frame that carries no IP (ARP, LLDP) */
	CAPTURE_NOT_DNS,          /* valid IP packet, not UDP/TCP on a DNS port */
	CAPTURE_LINK_UNSUPPORTED, /* link type or encapsulation we do not decode */
	CAPTURE_LINK_TRUNCATED,   /* frame shorter than its link-layer header */
	CAPTURE_SNAPLEN,          /* capture cut the packet short (caplen < length) */
	CAPTURE_IP_BAD_VERSION,   /* IP version differs from what the link announced */
	CAPTURE_IP_BAD_HEADER,    /* IPv4 IHL below 5, IPv6 header cut short */
	CAPTURE_IP_BAD_LENGTH,    /* IP total/payload length disagrees with the frame */
	CAPTURE_IP6_BAD_EXTENSION,/* IPv6 extension header chain runs off the packet */
	CAPTURE_FRAG_INVALID,     /* fragment offsets or lengths out of range */
	CAPTURE_FRAG_LIMIT,       /* fragment dropped: reassembly memory or table full */
	CAPTURE_UDP_BAD_LENGTH,   /* UDP header missing or its length field is wrong */
	CAPTURE_TCP_BAD_HEADER,   /* TCP header missing or data offset out of range */
	CAPTURE_TUNNEL_TOO_DEEP,  /* more nested tunnels than we follow */
	CAPTURE_RESULT_COUNT
};

/* Short constant description of a result ("IP total length disagrees with the
 * frame"), used in ingest summaries. */
const char *capture_result_text(enum capture_result result);

/* True for results that indicate damage rather than merely uninteresting
 * traffic (CAPTURE_NOT_IP and CAPTURE_NOT_DNS are not damage). */
bool capture_result_is_error(enum capture_result result);

/* One whole DNS message and where it was seen. data points into the caller's
 * frame (UDP) or the decoder's buffers (fragments, TCP) and is valid only
 * during the callback. */
struct capture_message {
	const uint8_t *data;
	size_t len;
	int64_t ts_sec;    /* timestamp of the frame that completed the message */
	uint32_t ts_nsec;
	uint8_t family;    /* 4 or 6 */
	uint8_t transport; /* IPPROTO_UDP or IPPROTO_TCP */
	uint8_t src[16];   /* IPv4 uses the first 4 bytes */
	uint8_t dst[16];
	uint16_t sport;
	uint16_t dport;
	uint64_t packet_number; /* 1-based frame index of the completing frame */
};

typedef void (*capture_message_fn)(const struct capture_message *msg, void *ctx);

/* Limits and choices. capture_config_default() fills sensible values. */
struct capture_config {
	uint8_t dns_ports[65536 / 8]; /* bitmap: a packet is DNS if either port is set */
	size_t frag_max_bytes;        /* memory for IP fragments awaiting reassembly */
	size_t frag_max_datagrams;    /* datagrams being reassembled at once */
	uint32_t frag_timeout;        /* seconds, by packet time, before a partial datagram is dropped */
	size_t tcp_max_flows;         /* TCP directions tracked at once; the oldest is evicted */
	size_t tcp_max_bytes;         /* memory for buffered TCP data over all flows */
	uint32_t tcp_idle_timeout;    /* seconds, by packet time, after which a silent flow is dropped */
};

/* Defaults: port 53 only, 16 MiB and 4096 datagrams for fragments with a 30 s
 * timeout, 65536 TCP directions and 64 MiB of TCP data with a 120 s idle timeout. */
void capture_config_default(struct capture_config *cfg);
void capture_config_add_port(struct capture_config *cfg, uint16_t port);
void capture_config_clear_ports(struct capture_config *cfg);

/* Events that happen inside the reassembly tables rather than on one frame. */
struct capture_counters {
	uint64_t frames;
	uint64_t messages_udp;
	uint64_t messages_tcp;
	uint64_t messages_snapped;   /* UDP messages cut short by the capture, delivered as kept */
	uint64_t frag_reassembled;   /* datagrams rebuilt from fragments */
	uint64_t frag_timed_out;     /* partial datagrams dropped after frag_timeout */
	uint64_t frag_evicted;       /* partial datagrams dropped to stay within limits */
	uint64_t frag_overlaps;      /* fragments overlapping data already received */
	uint64_t tcp_flows_opened;
	uint64_t tcp_flows_evicted;  /* flows dropped to stay within tcp_max_flows/bytes */
	uint64_t tcp_flows_expired;  /* flows dropped after tcp_idle_timeout */
	uint64_t tcp_gaps;           /* missing segments: the stream was resynchronised */
	uint64_t tcp_retransmits;    /* segments with data we already had */
	uint64_t tcp_bad_messages;   /* zero-length DNS message prefixes skipped */
	size_t frag_bytes;           /* current fragment memory */
	size_t tcp_bytes;            /* current TCP buffer memory */
	size_t peak_bytes;           /* highest frag_bytes + tcp_bytes seen */
};

struct capture_decoder;

/* Create a decoder that calls fn(msg, ctx) for every DNS message. The config
 * is copied. fn must not call capture_decode(), capture_decoder_expire() or
 * capture_decoder_free() on the same decoder, because it runs while the
 * reassembly tables are being updated. Returns NULL when out of memory. */
struct capture_decoder *capture_decoder_new(const struct capture_config *cfg,
                                            capture_message_fn fn, void *ctx);

/* Free the decoder and everything it buffers (partial data is discarded; call
 * capture_decoder_expire(d, INT64_MAX) first to count it as expired). */
void capture_decoder_free(struct capture_decoder *d);

/* Decode one frame. linktype is a libpcap DLT_ value (pcap_datalink()).
 * caplen bytes are present in frame, wirelen is the original length.
 * Returns why the frame gave no message, or CAPTURE_OK. Never reads beyond
 * frame + caplen. The callback runs before this function returns. */
enum capture_result capture_decode(struct capture_decoder *d, int linktype,
                                   const uint8_t *frame, size_t caplen, size_t wirelen,
                                   int64_t ts_sec, uint32_t ts_nsec, uint64_t packet_number);

/* Drop fragments and TCP flows older than their timeouts relative to now
 * (packet time, epoch seconds). capture_decode() calls this itself as time
 * advances; callers use it at end of input or on a live timer. */
void capture_decoder_expire(struct capture_decoder *d, int64_t now);

const struct capture_counters *capture_decoder_counters(const struct capture_decoder *d);

/* Bytes currently held by the decoder (tables and buffers), for --max-memory. */
size_t capture_decoder_memory(const struct capture_decoder *d);
