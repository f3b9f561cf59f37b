/* Hand-built frames and a message recorder for the capture decoder tests. */
#pragma once

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/decode.h"

/*
 * A frame is built from the inside out: append the payload, then wrap it in
 * each header from the innermost to the link layer. Every wrap_* function
 * prepends its header and fills in lengths from what is already there.
 */
#define PKT_HEADROOM 512
#define PKT_SIZE (PKT_HEADROOM + 70000)

struct pkt {
	size_t start;
	size_t end;
	uint8_t buf[PKT_SIZE];
};

static const uint8_t ADDR4_CLIENT[4] = {192, 0, 2, 1};
static const uint8_t ADDR4_SERVER[4] = {198, 51, 100, 53};
static const uint8_t ADDR6_CLIENT[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
static const uint8_t ADDR6_SERVER[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x35, [15] = 0x53};

static inline struct pkt *pkt_new(void)
{
	struct pkt *p = malloc(sizeof(*p));
	assert_non_null(p);
	p->start = PKT_HEADROOM;
	p->end = PKT_HEADROOM;
	return p;
}

static inline const uint8_t *pkt_data(const struct pkt *p)
{
	return p->buf + p->start;
}

static inline size_t pkt_len(const struct pkt *p)
{
	return p->end - p->start;
}

static inline void pkt_append(struct pkt *p, const void *data, size_t len)
{
	if (len == 0)
		return;
	assert_true(len <= PKT_SIZE - p->end);
	memcpy(p->buf + p->end, data, len);
	p->end += len;
}

static inline uint8_t *pkt_prepend(struct pkt *p, size_t len)
{
	assert_true(len <= p->start);
	p->start -= len;
	memset(p->buf + p->start, 0, len);
	return p->buf + p->start;
}

static inline void put_be16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *b, uint32_t v)
{
	put_be16(b, (uint16_t)(v >> 16));
	put_be16(b + 2, (uint16_t)v);
}

/* A DNS query for example.com/A with the given id: 29 bytes. */
static inline size_t dns_query(uint8_t *out, uint16_t id)
{
	static const uint8_t tail[] = {0x01, 0x00, 0,   1,   0,   0,   0,   0,   0,
	                               0,    7,    'e', 'x', 'a', 'm', 'p', 'l', 'e',
	                               3,    'c',  'o', 'm', 0,   0,   1,   0,   1};
	put_be16(out, id);
	memcpy(out + 2, tail, sizeof(tail));
	return 2 + sizeof(tail);
}

static inline void pkt_append_query(struct pkt *p, uint16_t id)
{
	uint8_t q[64];
	pkt_append(p, q, dns_query(q, id));
}

static inline void wrap_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	size_t len = pkt_len(p) + 8;
	uint8_t *h = pkt_prepend(p, 8);
	put_be16(h, sport);
	put_be16(h + 2, dport);
	put_be16(h + 4, (uint16_t)len);
}

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

static inline void wrap_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint32_t seq,
                            uint8_t flags)
{
	uint8_t *h = pkt_prepend(p, 20);
	put_be16(h, sport);
	put_be16(h + 2, dport);
	put_be32(h + 4, seq);
	h[12] = 5 << 4;
	h[13] = flags;
	put_be16(h + 14, 65535);
}

/* IPv4 header. offset is in bytes and must be a multiple of 8. */
static inline void wrap_ipv4_frag(struct pkt *p, const uint8_t *src, const uint8_t *dst,
                                  uint8_t protocol, uint16_t id, uint32_t offset, bool more)
{
	size_t len = pkt_len(p) + 20;
	uint8_t *h = pkt_prepend(p, 20);
	h[0] = 0x45;
	put_be16(h + 2, (uint16_t)len);
	put_be16(h + 4, id);
	put_be16(h + 6, (uint16_t)((offset / 8) | (more ? 0x2000 : 0)));
	h[8] = 64;
	h[9] = protocol;
	memcpy(h + 12, src, 4);
	memcpy(h + 16, dst, 4);
}

static inline void wrap_ipv4(struct pkt *p, const uint8_t *src, const uint8_t *dst,
                             uint8_t protocol)
{
	wrap_ipv4_frag(p, src, dst, protocol, 0x1234, 0, false);
}

static inline void wrap_ipv6(struct pkt *p, const uint8_t *src, const uint8_t *dst, uint8_t next)
{
	size_t len = pkt_len(p);
	uint8_t *h = pkt_prepend(p, 40);
	h[0] = 0x60;
	put_be16(h + 4, (uint16_t)len);
	h[6] = next;
	h[7] = 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
}

/* Hop-by-hop, routing or destination options header of len bytes (a multiple
 * of 8), its options all Pad1. */
static inline void wrap_ipv6_options(struct pkt *p, uint8_t next, size_t len)
{
	uint8_t *h = pkt_prepend(p, len);
	h[0] = next;
	h[1] = (uint8_t)(len / 8 - 1);
}

/* Authentication header with an ICV of icv_len bytes (a multiple of 4). */
static inline void wrap_ipv6_ah(struct pkt *p, uint8_t next, size_t icv_len)
{
	size_t len = 12 + icv_len;
	uint8_t *h = pkt_prepend(p, len);
	h[0] = next;
	h[1] = (uint8_t)(len / 4 - 2);
}

static inline void wrap_ipv6_frag(struct pkt *p, uint8_t next, uint32_t id, uint32_t offset,
                                  bool more)
{
	uint8_t *h = pkt_prepend(p, 8);
	h[0] = next;
	put_be16(h + 2, (uint16_t)(offset | (more ? 1 : 0)));
	put_be32(h + 4, id);
}

static inline void wrap_ether(struct pkt *p, uint16_t ethertype)
{
	static const uint8_t macs[12] = {0, 0x11, 0x22, 0x33, 0x44, 0x55,
	                                 0, 0x66, 0x77, 0x88, 0x99, 0xaa};
	uint8_t *h = pkt_prepend(p, 14);
	memcpy(h, macs, sizeof(macs));
	put_be16(h + 12, ethertype);
}

/* The part of an 802.1Q/802.1ad tag after its TPID: the TCI and the inner type.
 * wrap_ether (or another wrap_vlan) then supplies the TPID. */
static inline void wrap_vlan(struct pkt *p, uint16_t inner_type, uint16_t vlan_id)
{
	uint8_t *h = pkt_prepend(p, 4);
	put_be16(h, vlan_id);
	put_be16(h + 2, inner_type);
}

/* PPPoE session header and PPP protocol, to be followed by wrap_ether(p, 0x8864). */
static inline void wrap_pppoe(struct pkt *p, uint16_t ppp_protocol)
{
	size_t len = pkt_len(p) + 2;
	uint8_t *h = pkt_prepend(p, 8);
	h[0] = 0x11;
	put_be16(h + 2, 0x0042);
	put_be16(h + 4, (uint16_t)len);
	put_be16(h + 6, ppp_protocol);
}

static inline void wrap_mpls(struct pkt *p, uint32_t label, bool bottom)
{
	uint8_t *h = pkt_prepend(p, 4);
	put_be32(h, label << 12 | (bottom ? 0x100 : 0) | 64);
}

static inline void wrap_sll(struct pkt *p, uint16_t protocol)
{
	uint8_t *h = pkt_prepend(p, 16);
	put_be16(h + 2, 1); /* ARPHRD_ETHER */
	put_be16(h + 4, 6);
	put_be16(h + 14, protocol);
}

static inline void wrap_sll2(struct pkt *p, uint16_t protocol)
{
	uint8_t *h = pkt_prepend(p, 20);
	put_be16(h, protocol);
	put_be32(h + 4, 2); /* interface index */
	put_be16(h + 8, 1); /* ARPHRD_ETHER */
	h[11] = 6;
}

/* BSD null header: the family in this machine's byte order. */
static inline void wrap_null(struct pkt *p, uint32_t family)
{
	uint8_t *h = pkt_prepend(p, 4);
	memcpy(h, &family, 4);
}

/* BSD loop header: the family in network byte order. */
static inline void wrap_loop(struct pkt *p, uint32_t family)
{
	put_be32(pkt_prepend(p, 4), family);
}

static inline void wrap_ppp(struct pkt *p, bool hdlc, uint16_t protocol)
{
	put_be16(pkt_prepend(p, 2), protocol);
	if (hdlc) {
		uint8_t *h = pkt_prepend(p, 2);
		h[0] = 0xff;
		h[1] = 0x03;
	}
}

/* GRE header with the optional fields named by flags (0x8000 checksum,
 * 0x2000 key, 0x1000 sequence). */
static inline void wrap_gre(struct pkt *p, uint16_t flags, uint16_t protocol)
{
	size_t len = 4;
	if (flags & 0x8000)
		len += 4;
	if (flags & 0x2000)
		len += 4;
	if (flags & 0x1000)
		len += 4;
	uint8_t *h = pkt_prepend(p, len);
	put_be16(h, flags);
	put_be16(h + 2, protocol);
	for (size_t i = 4; i < len; i++)
		h[i] = (uint8_t)(0xa0 + i);
}

/* A DNS query over UDP from ADDR4_CLIENT:40000 to ADDR4_SERVER:53. */
static inline struct pkt *udp4_query(uint16_t id)
{
	struct pkt *p = pkt_new();
	pkt_append_query(p, id);
	wrap_udp(p, 40000, 53);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	return p;
}

static inline struct pkt *udp6_query(uint16_t id)
{
	struct pkt *p = pkt_new();
	pkt_append_query(p, id);
	wrap_udp(p, 40000, 53);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 17);
	return p;
}

/* Copies of delivered messages, so they outlive the callback. */
#define RECORDER_MAX 512

struct recorded {
	struct capture_message msg; /* msg.data is the pointer seen in the callback */
	uint8_t *copy;
};

struct recorder {
	size_t count;
	size_t dropped; /* messages beyond RECORDER_MAX */
	struct recorded items[RECORDER_MAX];
};

static inline void recorder_fn(const struct capture_message *msg, void *ctx)
{
	struct recorder *r = ctx;
	if (r->count == RECORDER_MAX) {
		r->dropped++;
		return;
	}
	struct recorded *item = &r->items[r->count++];
	item->msg = *msg;
	item->copy = malloc(msg->len + 1);
	assert_non_null(item->copy);
	if (msg->len > 0)
		memcpy(item->copy, msg->data, msg->len);
}

static inline void recorder_clear(struct recorder *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->items[i].copy);
	r->count = 0;
	r->dropped = 0;
}

/* A decoder wired to a recorder, for one test. */
struct fixture {
	struct capture_config cfg;
	struct capture_decoder *d;
	struct recorder rec;
};

static inline struct fixture *fixture_new(const struct capture_config *cfg)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	if (cfg != NULL)
		f->cfg = *cfg;
	else
		capture_config_default(&f->cfg);
	f->d = capture_decoder_new(&f->cfg, recorder_fn, &f->rec);
	assert_non_null(f->d);
	return f;
}

static inline void fixture_free(struct fixture *f)
{
	capture_decoder_free(f->d);
	recorder_clear(&f->rec);
	free(f);
}

static inline const struct capture_counters *fixture_counters(const struct fixture *f)
{
	return capture_decoder_counters(f->d);
}

/* Decode p whole (caplen == wirelen) at time ts seconds as frame number. */
static inline enum capture_result feed(struct fixture *f, int linktype, const struct pkt *p,
                                       int64_t ts, uint64_t number)
{
	return capture_decode(f->d, linktype, pkt_data(p), pkt_len(p), pkt_len(p), ts, 0, number);
}

/* Assert that recorded message i is exactly data[0, len). */
static inline void assert_message(const struct recorder *r, size_t i, const void *data, size_t len)
{
	assert_true(i < r->count);
	assert_int_equal(r->items[i].msg.len, len);
	assert_memory_equal(r->items[i].copy, data, len);
}

/* Assert that recorded message i is the dns_query() with the given id. */
static inline void assert_query(const struct recorder *r, size_t i, uint16_t id)
{
	uint8_t q[64];
	size_t len = dns_query(q, id);
	assert_message(r, i, q, len);
}
