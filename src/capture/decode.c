/* Frame decoding below the link layer: IPv4, IPv6, tunnels, fragments, UDP and TCP. */
#include "capture/decode.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "capture/cursor.h"
#include "capture/ipfrag.h"
#include "capture/link.h"
#include "capture/tcpflow.h"

/* Maximum tunnel headers (GRE, IP-in-IP, IPv6-in-IP) unwrapped in one frame. The
 * limit bounds recursion on hostile input. NOTE: 4 is a judgment, not a measured need. */
#define CAPTURE_TUNNELS_MAX 4

#define ETHERTYPE_TEB 0x6558 /* transparent Ethernet bridging */

/* GRE flag bits from RFC 2784 and RFC 2890, and the routing bit of RFC 1701. */
#define GRE_CHECKSUM 0x8000
#define GRE_ROUTING 0x4000
#define GRE_KEY 0x2000
#define GRE_SEQUENCE 0x1000
#define GRE_VERSION 0x0007

struct capture_decoder {
	struct capture_config cfg;
	capture_message_fn fn;
	void *ctx;
	struct capture_counters counters;
	struct capture_frag_table *frags;
	struct capture_tcp_table *tcp;
	int64_t clock;       /* latest packet time seen in epoch seconds, so it never goes back */
	int64_t next_expire; /* clock value at which the next expiry pass runs */
};

/* The frame being decoded. msg is filled in layer by layer (timestamp, then
 * addresses, then ports) and becomes the delivered message. */
struct frame {
	struct capture_decoder *d;
	struct capture_message msg;
	bool snapped;     /* caplen < wirelen, so short headers and lengths are expected */
	bool ip_cut;      /* the IP packet is longer than what the capture kept */
	unsigned tunnels; /* tunnel headers unwrapped so far */
};

static const char *const result_texts[CAPTURE_RESULT_COUNT] = {
	[CAPTURE_OK] = "DNS message delivered or data kept for reassembly",
	[CAPTURE_NOT_IP] = "frame carries no IP",
	[CAPTURE_NOT_DNS] = "IP packet is not DNS",
	[CAPTURE_LINK_UNSUPPORTED] = "link type or encapsulation not supported",
	[CAPTURE_LINK_TRUNCATED] = "frame shorter than its link-layer header",
	[CAPTURE_SNAPLEN] = "packet cut short by the capture snapshot length",
	[CAPTURE_IP_BAD_VERSION] = "IP version differs from the link-layer type",
	[CAPTURE_IP_BAD_HEADER] = "IP header invalid or cut short",
	[CAPTURE_IP_BAD_LENGTH] = "IP total length disagrees with the frame",
	[CAPTURE_IP6_BAD_EXTENSION] = "IPv6 extension header runs off the packet",
	[CAPTURE_FRAG_INVALID] = "IP fragment offset or length invalid",
	[CAPTURE_FRAG_LIMIT] = "IP fragment dropped at the reassembly limit",
	[CAPTURE_UDP_BAD_LENGTH] = "UDP header missing or its length invalid",
	[CAPTURE_TCP_BAD_HEADER] = "TCP header missing or its data offset invalid",
	[CAPTURE_TUNNEL_TOO_DEEP] = "tunnels nested too deeply",
};

const char *capture_result_text(enum capture_result result)
{
	if ((unsigned)result >= CAPTURE_RESULT_COUNT)
		return "unknown decode result";
	return result_texts[result];
}

bool capture_result_is_error(enum capture_result result)
{
	return result != CAPTURE_OK && result != CAPTURE_NOT_IP && result != CAPTURE_NOT_DNS;
}

void capture_config_add_port(struct capture_config *cfg, uint16_t port)
{
	cfg->dns_ports[port >> 3] |= (uint8_t)(1u << (port & 7));
}

void capture_config_clear_ports(struct capture_config *cfg)
{
	memset(cfg->dns_ports, 0, sizeof(cfg->dns_ports));
}

void capture_config_default(struct capture_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	capture_config_add_port(cfg, 53);
	cfg->frag_max_bytes = (size_t)16 << 20;
	cfg->frag_max_datagrams = 4096;
	cfg->frag_timeout = 30;
	cfg->tcp_max_flows = 65536;
	cfg->tcp_max_bytes = (size_t)64 << 20;
	cfg->tcp_idle_timeout = 120;
}

struct capture_decoder *capture_decoder_new(const struct capture_config *cfg, capture_message_fn fn,
                                            void *ctx)
{
	struct capture_decoder *d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	d->fn = fn;
	d->ctx = ctx;
	d->clock = INT64_MIN;
	d->next_expire = INT64_MIN;
	d->frags = capture_frag_table_new(&d->cfg, &d->counters);
	d->tcp = capture_tcp_table_new(&d->cfg, &d->counters);
	if (d->frags == NULL || d->tcp == NULL) {
		capture_decoder_free(d);
		return NULL;
	}
	return d;
}

void capture_decoder_free(struct capture_decoder *d)
{
	if (d == NULL)
		return;
	capture_frag_table_free(d->frags);
	capture_tcp_table_free(d->tcp);
	free(d);
}

void capture_decoder_expire(struct capture_decoder *d, int64_t now)
{
	capture_frag_expire(d->frags, now);
	capture_tcp_expire(d->tcp, now);
}

const struct capture_counters *capture_decoder_counters(const struct capture_decoder *d)
{
	return &d->counters;
}

size_t capture_decoder_memory(const struct capture_decoder *d)
{
	return sizeof(*d) + capture_frag_memory(d->frags) + capture_tcp_memory(d->tcp);
}

static bool port_is_dns(const struct capture_decoder *d, uint16_t port)
{
	return d->cfg.dns_ports[port >> 3] & (1u << (port & 7));
}

/* A header or length that does not fit is damage, unless the capture cut the
 * packet short, in which case the snapshot length is to blame. */
static enum capture_result cut_short(const struct frame *fr, enum capture_result damage)
{
	return fr->snapped ? CAPTURE_SNAPLEN : damage;
}

static enum capture_result decode_network(struct frame *fr, struct cursor *c, enum capture_net net);
static enum capture_result decode_ipv6_chain(struct frame *fr, uint8_t next, struct cursor *c,
                                             bool reassembled);

static enum capture_result decode_udp(struct frame *fr, struct cursor *c)
{
	uint16_t sport = cursor_be16(c);
	uint16_t dport = cursor_be16(c);
	uint16_t length = cursor_be16(c);
	cursor_skip(c, 2); /* checksum, not verified because offload leaves it wrong in captures */
	if (c->error)
		return fr->ip_cut ? CAPTURE_SNAPLEN : CAPTURE_UDP_BAD_LENGTH;
	if (!port_is_dns(fr->d, sport) && !port_is_dns(fr->d, dport))
		return CAPTURE_NOT_DNS;
	if (length < 8)
		return CAPTURE_UDP_BAD_LENGTH;
	size_t len = length - 8u;
	if (len > c->left) {
		if (!fr->ip_cut)
			return CAPTURE_UDP_BAD_LENGTH;
		/* The capture kept only the start of the datagram. The DNS
		 * parser keeps the records that are complete in it. */
		len = c->left;
		fr->d->counters.messages_snapped++;
	}

	/* Bytes after the UDP length (padding, trailers) are not part of the message. */
	fr->msg.data = c->pos;
	fr->msg.len = len;
	fr->msg.transport = IPPROTO_UDP;
	fr->msg.sport = sport;
	fr->msg.dport = dport;
	fr->d->counters.messages_udp++;
	fr->d->fn(&fr->msg, fr->d->ctx);
	return CAPTURE_OK;
}

static enum capture_result decode_tcp(struct frame *fr, struct cursor *c)
{
	/* A segment whose end the capture dropped would corrupt the stream. */
	if (fr->ip_cut)
		return CAPTURE_SNAPLEN;
	if (!cursor_has(c, 20))
		return CAPTURE_TCP_BAD_HEADER;
	struct cursor h = *c;
	uint16_t sport = cursor_be16(&h);
	uint16_t dport = cursor_be16(&h);
	uint32_t seq = cursor_be32(&h);
	cursor_skip(&h, 4); /* acknowledgment number */
	size_t header_len = (size_t)(cursor_u8(&h) >> 4) * 4;
	uint8_t flags = cursor_u8(&h);
	if (!port_is_dns(fr->d, sport) && !port_is_dns(fr->d, dport))
		return CAPTURE_NOT_DNS;
	if (header_len < 20 || !cursor_has(c, header_len))
		return CAPTURE_TCP_BAD_HEADER;

	struct capture_tcp_segment seg;
	memset(&seg.key, 0, sizeof(seg.key));
	memcpy(seg.key.src, fr->msg.src, sizeof(seg.key.src));
	memcpy(seg.key.dst, fr->msg.dst, sizeof(seg.key.dst));
	seg.key.sport = sport;
	seg.key.dport = dport;
	seg.key.family = fr->msg.family;
	seg.seq = seq;
	seg.flags = flags & (CAPTURE_TCP_FIN | CAPTURE_TCP_SYN | CAPTURE_TCP_RST);
	seg.data = c->pos + header_len;
	seg.len = c->left - header_len;

	fr->msg.transport = IPPROTO_TCP;
	fr->msg.sport = sport;
	fr->msg.dport = dport;
	struct capture_decoder *d = fr->d;
	capture_tcp_add(d->tcp, &seg, &fr->msg, d->clock, d->fn, d->ctx);
	return CAPTURE_OK;
}

static enum capture_result decode_tunnel(struct frame *fr, struct cursor *c, enum capture_net net)
{
	if (++fr->tunnels > CAPTURE_TUNNELS_MAX)
		return CAPTURE_TUNNEL_TOO_DEEP;
	return decode_network(fr, c, net);
}

/* GRE version 0 (RFC 2784 with the key and sequence fields of RFC 2890). Version 1
 * (PPTP) and RFC 1701 source routing are not decoded. */
static enum capture_result decode_gre(struct frame *fr, struct cursor *c)
{
	if (++fr->tunnels > CAPTURE_TUNNELS_MAX)
		return CAPTURE_TUNNEL_TOO_DEEP;
	uint16_t flags = cursor_be16(c);
	uint16_t protocol = cursor_be16(c);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;
	if ((flags & GRE_VERSION) != 0 || (flags & GRE_ROUTING))
		return CAPTURE_LINK_UNSUPPORTED;
	if (flags & GRE_CHECKSUM)
		cursor_skip(c, 4); /* checksum and a reserved field */
	if (flags & GRE_KEY)
		cursor_skip(c, 4);
	if (flags & GRE_SEQUENCE)
		cursor_skip(c, 4);
	if (c->error)
		return CAPTURE_LINK_TRUNCATED;

	enum capture_net net;
	enum capture_result r;
	switch (protocol) {
	case ETHERTYPE_TEB:
		r = capture_link_strip_ethernet(c, &net);
		break;
	case ETHERTYPE_IPV4:
	case ETHERTYPE_IPV6:
	case ETHERTYPE_MPLS:
	case ETHERTYPE_MPLS_MCAST:
		r = capture_link_follow_ethertype(c, protocol, &net);
		break;
	default:
		return CAPTURE_LINK_UNSUPPORTED;
	}
	if (r != CAPTURE_OK)
		return r;
	return decode_network(fr, c, net);
}

/* Dispatch on the IPv4 protocol or the last IPv6 next header. */
static enum capture_result decode_transport(struct frame *fr, uint8_t protocol, struct cursor *c)
{
	switch (protocol) {
	case IPPROTO_UDP:
		return decode_udp(fr, c);
	case IPPROTO_TCP:
		return decode_tcp(fr, c);
	case IPPROTO_GRE:
		return decode_gre(fr, c);
	case IPPROTO_IPIP:
		return decode_tunnel(fr, c, CAPTURE_NET_IPV4);
	case IPPROTO_IPV6:
		return decode_tunnel(fr, c, CAPTURE_NET_IPV6);
	default:
		return CAPTURE_NOT_DNS;
	}
}

/* Return whether fragments of protocol are worth reassembling because they can lead
 * to DNS. IPv6 fragments may also start with extension headers of the fragmentable part. */
static bool protocol_may_carry_dns(uint8_t protocol, bool ipv6)
{
	switch (protocol) {
	case IPPROTO_UDP:
	case IPPROTO_TCP:
	case IPPROTO_GRE:
	case IPPROTO_IPIP:
	case IPPROTO_IPV6:
		return true;
	case IPPROTO_HOPOPTS:
	case IPPROTO_ROUTING:
	case IPPROTO_DSTOPTS:
	case IPPROTO_AH:
		return ipv6;
	default:
		return false;
	}
}

/* Add a fragment and, when it completes its datagram, decode the datagram. */
static enum capture_result decode_fragment(struct frame *fr, uint8_t protocol, uint32_t id,
                                           uint32_t offset, bool more, const struct cursor *c)
{
	bool ipv6 = fr->msg.family == 6;
	if (!protocol_may_carry_dns(protocol, ipv6))
		return CAPTURE_NOT_DNS;
	if (fr->ip_cut)
		return CAPTURE_SNAPLEN;

	struct capture_frag_key key;
	memset(&key, 0, sizeof(key));
	memcpy(key.src, fr->msg.src, sizeof(key.src));
	memcpy(key.dst, fr->msg.dst, sizeof(key.dst));
	key.id = id;
	key.family = fr->msg.family;
	key.protocol = protocol;

	uint8_t *datagram;
	size_t len;
	struct capture_decoder *d = fr->d;
	enum capture_result r = capture_frag_add(d->frags, &key, offset, more, c->pos, c->left,
	                                         d->clock, &datagram, &len);
	if (r != CAPTURE_OK || datagram == NULL)
		return r;

	/* The datagram is complete, so its lengths are exact whatever the capture did. */
	struct frame whole = *fr;
	whole.snapped = false;
	struct cursor payload = cursor_make(datagram, len);
	if (ipv6)
		r = decode_ipv6_chain(&whole, protocol, &payload, true);
	else
		r = decode_transport(&whole, protocol, &payload);
	free(datagram);
	return r;
}

static void set_addresses(struct frame *fr, uint8_t family, const uint8_t *src, const uint8_t *dst,
                          size_t len)
{
	fr->msg.family = family;
	memset(fr->msg.src, 0, sizeof(fr->msg.src));
	memset(fr->msg.dst, 0, sizeof(fr->msg.dst));
	memcpy(fr->msg.src, src, len);
	memcpy(fr->msg.dst, dst, len);
}

static enum capture_result decode_ipv4(struct frame *fr, struct cursor *c)
{
	struct cursor h = *c;
	uint8_t version_ihl = cursor_u8(&h);
	if (h.error)
		return cut_short(fr, CAPTURE_IP_BAD_HEADER);
	if (version_ihl >> 4 != 4)
		return CAPTURE_IP_BAD_VERSION;
	size_t header_len = (size_t)(version_ihl & 0x0f) * 4;
	if (header_len < 20)
		return CAPTURE_IP_BAD_HEADER;
	if (!cursor_has(c, header_len))
		return cut_short(fr, CAPTURE_IP_BAD_HEADER);

	cursor_skip(&h, 1); /* type of service */
	uint16_t total_len = cursor_be16(&h);
	uint16_t id = cursor_be16(&h);
	uint16_t frag = cursor_be16(&h);
	cursor_skip(&h, 1); /* time to live */
	uint8_t protocol = cursor_u8(&h);
	cursor_skip(&h, 2); /* header checksum, not verified because offload leaves it wrong */
	const uint8_t *src = cursor_take(&h, 4);
	const uint8_t *dst = cursor_take(&h, 4);
	if (h.error || total_len < header_len)
		return CAPTURE_IP_BAD_LENGTH;
	if (total_len > c->left) {
		if (!fr->snapped)
			return CAPTURE_IP_BAD_LENGTH;
		fr->ip_cut = true;
		total_len = (uint16_t)c->left;
	}

	set_addresses(fr, 4, src, dst, 4);
	/* Bytes past the total length are link-layer padding or trailers. */
	struct cursor payload = cursor_make(c->pos + header_len, total_len - header_len);
	uint32_t offset = (uint32_t)(frag & 0x1fff) * 8;
	bool more = frag & 0x2000;
	if (offset != 0 || more)
		return decode_fragment(fr, protocol, id, offset, more, &payload);
	return decode_transport(fr, protocol, &payload);
}

/* Walk the IPv6 extension headers from next to the upper-layer protocol. Inside a
 * reassembled datagram a second fragment header is invalid, because allowing it
 * would let nested datagrams recurse without bound. */
static enum capture_result decode_ipv6_chain(struct frame *fr, uint8_t next, struct cursor *c,
                                             bool reassembled)
{
	for (;;) {
		uint8_t following;
		size_t header_len;
		switch (next) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
			/* Length in 8-byte units, not counting the first 8 bytes. */
			following = cursor_u8(c);
			header_len = ((size_t)cursor_u8(c) + 1) * 8;
			break;
		case IPPROTO_AH:
			/* Length in 4-byte units, not counting the first 8 bytes (RFC 4302). */
			following = cursor_u8(c);
			header_len = ((size_t)cursor_u8(c) + 2) * 4;
			break;
		case IPPROTO_FRAGMENT: {
			following = cursor_u8(c);
			cursor_skip(c, 1);
			uint16_t offset_flags = cursor_be16(c);
			uint32_t id = cursor_be32(c);
			if (c->error)
				return CAPTURE_IP6_BAD_EXTENSION;
			uint32_t offset = offset_flags & 0xfff8u;
			bool more = offset_flags & 1;
			/* An atomic fragment (offset 0, no more) is a whole packet (RFC 6946). */
			if (offset == 0 && !more) {
				next = following;
				continue;
			}
			if (reassembled)
				return CAPTURE_FRAG_INVALID;
			return decode_fragment(fr, following, id, offset, more, c);
		}
		case IPPROTO_NONE:
		case IPPROTO_ESP:
			return CAPTURE_NOT_DNS;
		default:
			return decode_transport(fr, next, c);
		}
		cursor_skip(c, header_len - 2);
		if (c->error)
			return CAPTURE_IP6_BAD_EXTENSION;
		next = following;
	}
}

static enum capture_result decode_ipv6(struct frame *fr, struct cursor *c)
{
	struct cursor h = *c;
	uint8_t version = cursor_peek_u8(&h) >> 4;
	if (h.error)
		return cut_short(fr, CAPTURE_IP_BAD_HEADER);
	if (version != 6)
		return CAPTURE_IP_BAD_VERSION;
	if (!cursor_has(&h, 40))
		return cut_short(fr, CAPTURE_IP_BAD_HEADER);

	cursor_skip(&h, 4); /* version, traffic class, flow label */
	uint16_t payload_len = cursor_be16(&h);
	uint8_t next = cursor_u8(&h);
	cursor_skip(&h, 1); /* hop limit */
	const uint8_t *src = cursor_take(&h, 16);
	const uint8_t *dst = cursor_take(&h, 16);
	/* A zero payload length announces a jumbogram (RFC 2675), which no DNS uses. */
	if (payload_len == 0)
		return CAPTURE_IP_BAD_LENGTH;
	if (payload_len > h.left) {
		if (!fr->snapped)
			return CAPTURE_IP_BAD_LENGTH;
		fr->ip_cut = true;
		payload_len = (uint16_t)h.left;
	}

	set_addresses(fr, 6, src, dst, 16);
	cursor_truncate(&h, payload_len);
	return decode_ipv6_chain(fr, next, &h, false);
}

static enum capture_result decode_network(struct frame *fr, struct cursor *c, enum capture_net net)
{
	if (net == CAPTURE_NET_IP) {
		uint8_t version = cursor_peek_u8(c) >> 4;
		if (c->error)
			return cut_short(fr, CAPTURE_IP_BAD_HEADER);
		if (version == 4)
			net = CAPTURE_NET_IPV4;
		else if (version == 6)
			net = CAPTURE_NET_IPV6;
		else
			return CAPTURE_IP_BAD_VERSION;
	}
	if (net == CAPTURE_NET_IPV4)
		return decode_ipv4(fr, c);
	return decode_ipv6(fr, c);
}

/* Move the decoder clock to ts_sec and run expiry once per second of packet time. */
static void advance_clock(struct capture_decoder *d, int64_t ts_sec)
{
	if (ts_sec > d->clock)
		d->clock = ts_sec;
	if (d->clock < d->next_expire)
		return;
	capture_decoder_expire(d, d->clock);
	d->next_expire = d->clock < INT64_MAX ? d->clock + 1 : INT64_MAX;
}

enum capture_result capture_decode(struct capture_decoder *d, int linktype, const uint8_t *frame,
                                   size_t caplen, size_t wirelen, int64_t ts_sec, uint32_t ts_nsec,
                                   uint64_t packet_number)
{
	d->counters.frames++;
	advance_clock(d, ts_sec);

	struct frame fr;
	memset(&fr.msg, 0, sizeof(fr.msg));
	fr.d = d;
	fr.snapped = caplen < wirelen;
	fr.tunnels = 0;
	fr.ip_cut = false;
	fr.msg.ts_sec = ts_sec;
	fr.msg.ts_nsec = ts_nsec;
	fr.msg.packet_number = packet_number;

	struct cursor c = cursor_make(frame, caplen);
	enum capture_net net;
	enum capture_result r = capture_link_strip(linktype, &c, &net);
	if (r != CAPTURE_OK)
		return r;
	return decode_network(&fr, &c, net);
}
