/* Tests for IPv4 and IPv6 fragment reassembly in the capture decoder. */
#include "capture_frames.h"

#include <pcap/dlt.h>

#include "capture/ipfrag.h"

#define DATAGRAM_MAX 70000

static const uint8_t OTHER_CLIENT[4] = {192, 0, 2, 99};

/* The fragmentable part of a UDP datagram: UDP header and a DNS payload. */
struct datagram {
	uint8_t bytes[DATAGRAM_MAX];
	size_t len;
	size_t payload_len;
};

/* Fill d with a UDP datagram from port sport to dport whose payload is a DNS query
 * padded with a byte pattern to payload_len bytes. */
static void datagram_build(struct datagram *d, uint16_t sport, uint16_t dport, uint16_t id,
                           size_t payload_len)
{
	uint8_t *payload = d->bytes + 8;
	for (size_t i = 0; i < payload_len; i++)
		payload[i] = (uint8_t)(i * 7 + 3);
	uint8_t q[64];
	size_t qlen = dns_query(q, id);
	memcpy(payload, q, qlen < payload_len ? qlen : payload_len);
	put_be16(d->bytes, sport);
	put_be16(d->bytes + 2, dport);
	put_be16(d->bytes + 4, (uint16_t)(payload_len + 8));
	put_be16(d->bytes + 6, 0);
	d->len = payload_len + 8;
	d->payload_len = payload_len;
}

static struct datagram *datagram_new(uint16_t id, size_t payload_len)
{
	struct datagram *d = malloc(sizeof(*d));
	assert_non_null(d);
	datagram_build(d, 40000, 53, id, payload_len);
	return d;
}

/* Send bytes [offset, offset + len) of data as an IPv4 fragment over Ethernet. */
static enum capture_result send_frag4(struct fixture *f, const uint8_t *data, uint16_t ip_id,
                                      uint32_t offset, size_t len, bool more, int64_t ts,
                                      uint64_t number)
{
	struct pkt *p = pkt_new();
	pkt_append(p, data + offset, len);
	wrap_ipv4_frag(p, ADDR4_CLIENT, ADDR4_SERVER, 17, ip_id, offset, more);
	wrap_ether(p, 0x0800);
	enum capture_result r = feed(f, DLT_EN10MB, p, ts, number);
	free(p);
	return r;
}

static void assert_payload(const struct fixture *f, size_t i, const struct datagram *d)
{
	assert_message(&f->rec, i, d->bytes + 8, d->payload_len);
}

/* Fragments of a 100-byte payload datagram (108 bytes): [0,48) [48,96) [96,108). */
static const uint32_t OFFSETS[3] = {0, 48, 96};
static const size_t LENGTHS[3] = {48, 48, 12};

static enum capture_result send_piece(struct fixture *f, const struct datagram *d, int piece,
                                      int64_t ts, uint64_t number)
{
	return send_frag4(f, d->bytes, 0x4242, OFFSETS[piece], LENGTHS[piece], piece < 2, ts,
	                  number);
}

static void test_ipv4_in_order(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	size_t idle_memory = capture_decoder_memory(f->d);
	struct datagram *d = datagram_new(0x1111, 100);

	assert_int_equal(send_piece(f, d, 0, 100, 1), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 1, 100, 2), CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	assert_true(fixture_counters(f)->frag_bytes >= 96);
	assert_true(capture_decoder_memory(f->d) > idle_memory + 96);

	assert_int_equal(send_piece(f, d, 2, 101, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	const struct capture_message *m = &f->rec.items[0].msg;
	assert_int_equal(m->packet_number, 3);
	assert_int_equal(m->ts_sec, 101);
	assert_int_equal(m->transport, 17);
	assert_int_equal(m->sport, 40000);
	assert_int_equal(m->dport, 53);
	assert_memory_equal(m->src, ADDR4_CLIENT, 4);

	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->frag_reassembled, 1);
	assert_int_equal(c->frag_overlaps, 0);
	assert_int_equal(c->frag_bytes, 0);
	assert_true(c->peak_bytes >= 96);
	assert_int_equal(capture_decoder_memory(f->d), idle_memory);
	free(d);
	fixture_free(f);
}

static void test_ipv4_reversed(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x2222, 100);
	assert_int_equal(send_piece(f, d, 2, 100, 1), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 1, 100, 2), CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	assert_int_equal(send_piece(f, d, 0, 100, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	assert_int_equal(f->rec.items[0].msg.packet_number, 3);
	assert_int_equal(fixture_counters(f)->frag_overlaps, 0);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	free(d);
	fixture_free(f);
}

static void test_ipv4_duplicate(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x3333, 100);
	assert_int_equal(send_piece(f, d, 1, 100, 1), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 1, 100, 2), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 0, 100, 3), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 2, 100, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	/* A duplicate of the completing fragment starts a new datagram, nothing more. */
	assert_int_equal(send_piece(f, d, 2, 100, 5), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);

	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->frag_overlaps, 1);
	assert_int_equal(c->frag_reassembled, 1);
	free(d);
	fixture_free(f);
}

static void test_ipv4_overlap_first_wins(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x4444, 100);
	uint8_t altered[DATAGRAM_MAX];
	memcpy(altered, d->bytes, d->len);
	memset(altered + 40, 0xee, 24); /* bytes [40, 64) */

	/* [48, 96) first, then [0, 64) whose tail overlaps it with different bytes. */
	assert_int_equal(send_frag4(f, d->bytes, 7, 48, 48, true, 1, 1), CAPTURE_OK);
	assert_int_equal(send_frag4(f, altered, 7, 0, 64, true, 1, 2), CAPTURE_OK);
	/* [88, 108) overlaps [48, 96) at its start, and its new bytes are altered too. */
	memset(altered + 88, 0xdd, 20);
	assert_int_equal(send_frag4(f, altered, 7, 88, 20, false, 1, 3), CAPTURE_OK);

	assert_int_equal(f->rec.count, 1);
	struct datagram want = *d;
	memset(want.bytes + 40, 0xee, 8); /* only [40, 48) was new when it arrived */
	memset(want.bytes + 96, 0xdd, 12);
	assert_payload(f, 0, &want);
	assert_int_equal(fixture_counters(f)->frag_overlaps, 2);
	free(d);
	fixture_free(f);
}

static void test_ipv4_overlap_spanning(void **state)
{
	(void)state;
	/* A fragment that covers two stored ones and the gaps around them. */
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x4545, 100);
	assert_int_equal(send_frag4(f, d->bytes, 8, 16, 8, true, 1, 1), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 8, 40, 16, true, 1, 2), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 8, 96, 12, false, 1, 3), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 8, 0, 96, true, 1, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	assert_int_equal(fixture_counters(f)->frag_overlaps, 1);
	free(d);
	fixture_free(f);
}

static void test_ipv4_missing_piece_times_out(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x5555, 100);
	struct pkt *other = udp4_query(1);

	assert_int_equal(send_piece(f, d, 0, 100, 1), CAPTURE_OK);
	assert_int_equal(send_piece(f, d, 2, 100, 2), CAPTURE_OK);
	/* 29 seconds later the datagram is still waiting. */
	assert_int_equal(feed(f, DLT_RAW, other, 129, 3), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->frag_timed_out, 0);
	assert_true(fixture_counters(f)->frag_bytes > 0);
	/* At 30 seconds (the default frag_timeout) it is dropped. */
	assert_int_equal(feed(f, DLT_RAW, other, 130, 4), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->frag_timed_out, 1);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);

	/* The missing piece now starts a datagram of its own. */
	assert_int_equal(send_piece(f, d, 1, 130, 5), CAPTURE_OK);
	assert_int_equal(f->rec.count, 2); /* the two unrelated queries */
	assert_int_equal(fixture_counters(f)->frag_reassembled, 0);

	/* Expiry at end of input counts what is left. */
	capture_decoder_expire(f->d, INT64_MAX);
	assert_int_equal(fixture_counters(f)->frag_timed_out, 2);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	free(other);
	free(d);
	fixture_free(f);
}

static void test_ipv4_memory_limit(void **state)
{
	(void)state;
	struct capture_config cfg;
	capture_config_default(&cfg);
	cfg.frag_max_bytes = 1000;
	struct fixture *f = fixture_new(&cfg);
	/* 600-byte datagrams in two fragments of 400 and 200 bytes. */
	struct datagram *a = datagram_new(0xaaaa, 592);
	struct datagram *b = datagram_new(0xbbbb, 592);

	/* Two first fragments fit. The last fragment of b does not, so a goes. */
	assert_int_equal(send_frag4(f, a->bytes, 1, 0, 400, true, 1, 1), CAPTURE_OK);
	assert_int_equal(send_frag4(f, b->bytes, 2, 0, 400, true, 1, 2), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->frag_evicted, 0);
	assert_int_equal(send_frag4(f, b->bytes, 2, 400, 200, false, 1, 3), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->frag_evicted, 1);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, b);

	/* a's first fragment is gone, so its last one waits in vain. */
	assert_int_equal(send_frag4(f, a->bytes, 1, 400, 200, false, 1, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);

	/* A fragment that alone exceeds the limit is refused without evicting others. */
	static uint8_t big[1000];
	assert_int_equal(send_frag4(f, big, 3, 0, 1000, true, 1, 5), CAPTURE_FRAG_LIMIT);
	assert_int_equal(fixture_counters(f)->frag_evicted, 1);
	assert_true(fixture_counters(f)->frag_bytes > 200);
	const struct capture_counters *c = fixture_counters(f);
	assert_true(c->peak_bytes <= 1000);
	assert_true(c->frag_bytes <= 1000);
	free(a);
	free(b);
	fixture_free(f);
}

static void test_ipv4_datagram_limit(void **state)
{
	(void)state;
	struct capture_config cfg;
	capture_config_default(&cfg);
	cfg.frag_max_datagrams = 2;
	struct fixture *f = fixture_new(&cfg);
	struct datagram *d = datagram_new(0xcccc, 100);

	/* The third datagram evicts the first. */
	for (uint16_t id = 1; id <= 3; id++)
		assert_int_equal(send_frag4(f, d->bytes, id, 0, 48, true, 1, id), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->frag_evicted, 1);
	assert_int_equal(send_frag4(f, d->bytes, 3, 48, 60, false, 1, 13), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 2, 48, 60, false, 1, 12), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 1, 48, 60, false, 1, 11), CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(f->rec.items[0].msg.packet_number, 13);
	assert_int_equal(f->rec.items[1].msg.packet_number, 12);
	assert_int_equal(fixture_counters(f)->frag_evicted, 1);
	free(d);
	fixture_free(f);
}

static void test_ipv4_invalid_fragments(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	static uint8_t data[70000];

	/* Beyond 65535 bytes of payload. */
	assert_int_equal(send_frag4(f, data, 1, 65528, 8, false, 1, 1), CAPTURE_FRAG_INVALID);
	assert_int_equal(send_frag4(f, data, 1, 65528, 16, true, 1, 2), CAPTURE_FRAG_INVALID);
	/* A fragment other than the last must carry a multiple of 8 bytes. */
	assert_int_equal(send_frag4(f, data, 2, 0, 12, true, 1, 3), CAPTURE_FRAG_INVALID);
	/* A fragment with no data. */
	assert_int_equal(send_frag4(f, data, 3, 8, 0, true, 1, 4), CAPTURE_FRAG_INVALID);

	/* Two last fragments that disagree on the length drop the datagram. */
	assert_int_equal(send_frag4(f, data, 4, 16, 8, false, 1, 5), CAPTURE_OK);
	assert_int_equal(send_frag4(f, data, 4, 16, 4, false, 1, 6), CAPTURE_FRAG_INVALID);
	/* So does data past the end that the last fragment set. */
	assert_int_equal(send_frag4(f, data, 5, 16, 8, false, 1, 7), CAPTURE_OK);
	assert_int_equal(send_frag4(f, data, 5, 24, 8, true, 1, 8), CAPTURE_FRAG_INVALID);
	/* And a last fragment that ends before data already stored. */
	assert_int_equal(send_frag4(f, data, 6, 32, 8, true, 1, 9), CAPTURE_OK);
	assert_int_equal(send_frag4(f, data, 6, 8, 8, false, 1, 10), CAPTURE_FRAG_INVALID);

	assert_int_equal(f->rec.count, 0);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	fixture_free(f);
}

static void test_ipv4_largest_datagram(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	/* A UDP length of 65535 makes exactly 65535 reassembled bytes. */
	struct datagram *d = datagram_new(0xdddd, 65535 - 8);
	uint64_t number = 0;
	for (uint32_t offset = 0; offset < d->len; offset += 1480) {
		size_t len = d->len - offset < 1480 ? d->len - offset : 1480;
		bool more = offset + len < d->len;
		assert_int_equal(send_frag4(f, d->bytes, 9, offset, len, more, 1, ++number),
		                 CAPTURE_OK);
	}
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	free(d);
	fixture_free(f);
}

static void test_ipv4_piece_limit(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	static uint8_t data[16 * (CAPTURE_FRAG_PIECES_MAX + 1)];
	for (uint32_t i = 0; i < CAPTURE_FRAG_PIECES_MAX; i++)
		assert_int_equal(send_frag4(f, data, 10, i * 16, 8, true, 1, i + 1), CAPTURE_OK);
	assert_int_equal(send_frag4(f, data, 10, 8, 8, true, 1, 9999), CAPTURE_FRAG_LIMIT);
	assert_int_equal(fixture_counters(f)->frag_evicted, 1);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	fixture_free(f);
}

static void test_fragment_snapped(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0xeeee, 100);
	struct pkt *p = pkt_new();
	pkt_append(p, d->bytes, 48);
	wrap_ipv4_frag(p, ADDR4_CLIENT, ADDR4_SERVER, 17, 11, 0, true);
	enum capture_result r =
	        capture_decode(f->d, DLT_RAW, pkt_data(p), pkt_len(p) - 8, pkt_len(p), 1, 0, 1);
	assert_int_equal(r, CAPTURE_SNAPLEN);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	free(p);
	free(d);
	fixture_free(f);
}

static void test_fragment_not_dns(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	/* ICMP fragments are never stored. */
	struct pkt *p = pkt_new();
	uint8_t echo[64] = {8};
	pkt_append(p, echo, sizeof(echo));
	wrap_ipv4_frag(p, ADDR4_CLIENT, ADDR4_SERVER, 1, 12, 0, true);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_NOT_DNS);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	free(p);

	/* UDP fragments are, but the datagram turns out not to be DNS. */
	struct datagram *d = malloc(sizeof(*d));
	datagram_build(d, 40000, 80, 1, 100);
	assert_int_equal(send_frag4(f, d->bytes, 13, 0, 48, true, 1, 2), CAPTURE_OK);
	assert_int_equal(send_frag4(f, d->bytes, 13, 48, 60, false, 1, 3), CAPTURE_NOT_DNS);
	assert_int_equal(fixture_counters(f)->frag_reassembled, 1);
	assert_int_equal(f->rec.count, 0);
	free(d);
	fixture_free(f);
}

static void test_fragmented_tcp(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	/* A TCP segment with one length-prefixed DNS message, split in two fragments. */
	struct pkt *seg = pkt_new();
	uint8_t q[64];
	size_t qlen = dns_query(q, 0x7777);
	uint8_t prefix[2];
	put_be16(prefix, (uint16_t)qlen);
	pkt_append(seg, prefix, 2);
	pkt_append(seg, q, qlen);
	wrap_tcp(seg, 40001, 53, 1000, TCP_SYN);

	for (int i = 0; i < 2; i++) {
		uint32_t offset = i == 0 ? 0 : 24;
		size_t len = i == 0 ? 24 : pkt_len(seg) - 24;
		struct pkt *p = pkt_new();
		pkt_append(p, pkt_data(seg) + offset, len);
		wrap_ipv4_frag(p, ADDR4_CLIENT, ADDR4_SERVER, 6, 14, offset, i == 0);
		assert_int_equal(feed(f, DLT_RAW, p, 1, (uint64_t)i + 1), CAPTURE_OK);
		free(p);
	}
	assert_int_equal(f->rec.count, 1);
	assert_query(&f->rec, 0, 0x7777);
	assert_int_equal(f->rec.items[0].msg.transport, 6);
	assert_int_equal(f->rec.items[0].msg.sport, 40001);
	assert_int_equal(fixture_counters(f)->messages_tcp, 1);
	free(seg);
	fixture_free(f);
}

/* Send part of data as an IPv6 fragment whose fragment header names inner_next. */
static enum capture_result send_frag6(struct fixture *f, const uint8_t *data, uint8_t inner_next,
                                      uint32_t id, uint32_t offset, size_t len, bool more,
                                      bool hop_by_hop, uint64_t number)
{
	struct pkt *p = pkt_new();
	pkt_append(p, data + offset, len);
	wrap_ipv6_frag(p, inner_next, id, offset, more);
	if (hop_by_hop) {
		wrap_ipv6_options(p, 44, 8);
		wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 0);
	} else {
		wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 44);
	}
	wrap_ether(p, 0x86dd);
	enum capture_result r = feed(f, DLT_EN10MB, p, 1, number);
	free(p);
	return r;
}

static void test_ipv6_fragments(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x6666, 1400);

	/* In order, with a hop-by-hop header before the fragment header. */
	assert_int_equal(send_frag6(f, d->bytes, 17, 1, 0, 1232, true, true, 1), CAPTURE_OK);
	assert_int_equal(send_frag6(f, d->bytes, 17, 1, 1232, 176, false, true, 2), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_payload(f, 0, d);
	const struct capture_message *m = &f->rec.items[0].msg;
	assert_int_equal(m->family, 6);
	assert_memory_equal(m->src, ADDR6_CLIENT, 16);
	assert_int_equal(m->packet_number, 2);

	/* Reversed. */
	assert_int_equal(send_frag6(f, d->bytes, 17, 2, 1232, 176, false, false, 3), CAPTURE_OK);
	assert_int_equal(send_frag6(f, d->bytes, 17, 2, 0, 1232, true, false, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_payload(f, 1, d);

	/* A destination options header inside the fragmentable part. */
	static uint8_t with_options[DATAGRAM_MAX];
	memset(with_options, 0, 16);
	with_options[0] = 17;
	with_options[1] = 1; /* 16 bytes */
	memcpy(with_options + 16, d->bytes, d->len);
	size_t total = d->len + 16;
	assert_int_equal(send_frag6(f, with_options, 60, 3, 0, 1232, true, false, 5), CAPTURE_OK);
	assert_int_equal(send_frag6(f, with_options, 60, 3, 1232, total - 1232, false, false, 6),
	                 CAPTURE_OK);
	assert_int_equal(f->rec.count, 3);
	assert_payload(f, 2, d);

	/* A second fragment header inside a reassembled datagram is refused. */
	memset(with_options, 0, 16);
	with_options[0] = 44; /* destination options (8 bytes), then a fragment header */
	with_options[8] = 17;
	with_options[11] = 0x09; /* offset 8, more fragments */
	memcpy(with_options + 16, d->bytes, d->len);
	total = d->len + 16;
	assert_int_equal(send_frag6(f, with_options, 60, 4, 0, 1232, true, false, 7), CAPTURE_OK);
	assert_int_equal(send_frag6(f, with_options, 60, 4, 1232, total - 1232, false, false, 8),
	                 CAPTURE_FRAG_INVALID);
	/* A fragment whose next header is another fragment header is not stored. */
	assert_int_equal(send_frag6(f, with_options, 44, 5, 0, 1232, true, false, 9),
	                 CAPTURE_NOT_DNS);

	/* A middle fragment of a length that is not a multiple of 8. */
	assert_int_equal(send_frag6(f, d->bytes, 17, 6, 0, 100, true, false, 10),
	                 CAPTURE_FRAG_INVALID);
	assert_int_equal(fixture_counters(f)->frag_reassembled, 4);
	assert_int_equal(fixture_counters(f)->frag_bytes, 0);
	free(d);
	fixture_free(f);
}

static void test_fragment_key_fields(void **state)
{
	(void)state;
	/* Same id but another protocol makes two datagrams, neither complete. */
	struct fixture *f = fixture_new(NULL);
	struct datagram *d = datagram_new(0x1212, 100);
	assert_int_equal(send_piece(f, d, 0, 1, 1), CAPTURE_OK);
	struct pkt *p = pkt_new();
	pkt_append(p, d->bytes + 48, 60);
	wrap_ipv4_frag(p, ADDR4_CLIENT, ADDR4_SERVER, 6, 0x4242, 48, false);
	wrap_ether(p, 0x0800);
	assert_int_equal(feed(f, DLT_EN10MB, p, 1, 2), CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	free(p);
	/* Same id and protocol but another source address. */
	p = pkt_new();
	pkt_append(p, d->bytes + 48, 60);
	wrap_ipv4_frag(p, OTHER_CLIENT, ADDR4_SERVER, 17, 0x4242, 48, false);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	free(p);
	assert_int_equal(send_frag4(f, d->bytes, 0x4242, 48, 60, false, 1, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	free(d);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_in_order),
		cmocka_unit_test(test_ipv4_reversed),
		cmocka_unit_test(test_ipv4_duplicate),
		cmocka_unit_test(test_ipv4_overlap_first_wins),
		cmocka_unit_test(test_ipv4_overlap_spanning),
		cmocka_unit_test(test_ipv4_missing_piece_times_out),
		cmocka_unit_test(test_ipv4_memory_limit),
		cmocka_unit_test(test_ipv4_datagram_limit),
		cmocka_unit_test(test_ipv4_invalid_fragments),
		cmocka_unit_test(test_ipv4_largest_datagram),
		cmocka_unit_test(test_ipv4_piece_limit),
		cmocka_unit_test(test_fragment_snapped),
		cmocka_unit_test(test_fragment_not_dns),
		cmocka_unit_test(test_fragmented_tcp),
		cmocka_unit_test(test_ipv6_fragments),
		cmocka_unit_test(test_fragment_key_fields),
	};
	return cmocka_run_group_tests_name("capture_frag", tests, NULL, NULL);
}
