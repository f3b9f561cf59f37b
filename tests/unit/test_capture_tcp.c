/* Tests for DNS-over-TCP stream reassembly in the capture decoder. */
#include "capture_frames.h"

#include <pcap/dlt.h>

#include "capture/tcpflow.h"

#define CLIENT_PORT 40000
#define STREAM_MAX 70000

/* A byte stream of length-prefixed DNS messages, as one TCP direction carries it. */
struct stream {
	uint8_t bytes[STREAM_MAX];
	size_t len;
};

/* Append a message of msg_len bytes (at least 2) that starts with id. */
static size_t stream_add_message(struct stream *s, uint16_t id, size_t msg_len)
{
	size_t start = s->len;
	assert_true(start + 2 + msg_len <= STREAM_MAX);
	put_be16(s->bytes + start, (uint16_t)msg_len);
	uint8_t *msg = s->bytes + start + 2;
	for (size_t i = 0; i < msg_len; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	put_be16(msg, id);
	s->len += 2 + msg_len;
	return start;
}

static void assert_stream_message(const struct recorder *r, size_t i, const struct stream *s,
                                  size_t start)
{
	size_t len = (size_t)(s->bytes[start] << 8 | s->bytes[start + 1]);
	assert_message(r, i, s->bytes + start + 2, len);
}

static uint16_t message_id(const struct recorder *r, size_t i)
{
	assert_true(i < r->count);
	assert_true(r->items[i].msg.len >= 2);
	return (uint16_t)(r->items[i].copy[0] << 8 | r->items[i].copy[1]);
}

/* Send one TCP segment over Ethernet and IPv4, from the client (port sport) to
 * the server's port 53 or back. */
static enum capture_result send_segment(struct fixture *f, uint16_t client_port, bool from_client,
                                        uint32_t seq, uint8_t flags, const void *data, size_t len,
                                        int64_t ts, uint64_t number)
{
	struct pkt *p = pkt_new();
	pkt_append(p, data, len);
	if (from_client) {
		wrap_tcp(p, client_port, 53, seq, flags | TCP_ACK);
		wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
	} else {
		wrap_tcp(p, 53, client_port, seq, flags | TCP_ACK);
		wrap_ipv4(p, ADDR4_SERVER, ADDR4_CLIENT, 6);
	}
	wrap_ether(p, 0x0800);
	enum capture_result r = feed(f, DLT_EN10MB, p, ts, number);
	free(p);
	return r;
}

static enum capture_result send_client(struct fixture *f, uint32_t seq, uint8_t flags,
                                       const void *data, size_t len, uint64_t number)
{
	return send_segment(f, CLIENT_PORT, true, seq, flags, data, len, 1000, number);
}

static void test_tcp_query_and_response(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	size_t idle_memory = capture_decoder_memory(f->d);
	struct stream q = {0}, r = {0};
	size_t q1 = stream_add_message(&q, 0x0101, 29);
	size_t r1 = stream_add_message(&r, 0x0101, 45);

	assert_int_equal(send_segment(f, CLIENT_PORT, true, 999, TCP_SYN, NULL, 0, 1000, 1),
	                 CAPTURE_OK);
	assert_int_equal(send_segment(f, CLIENT_PORT, false, 4999, TCP_SYN, NULL, 0, 1000, 2),
	                 CAPTURE_OK);
	assert_int_equal(send_segment(f, CLIENT_PORT, true, 1000, 0, NULL, 0, 1000, 3), CAPTURE_OK);
	assert_int_equal(send_segment(f, CLIENT_PORT, true, 1000, TCP_PSH, q.bytes, q.len, 1000, 4),
	                 CAPTURE_OK);
	assert_int_equal(
	        send_segment(f, CLIENT_PORT, false, 5000, TCP_PSH, r.bytes, r.len, 1001, 5),
	        CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 0, &q, q1);
	assert_stream_message(&f->rec, 1, &r, r1);

	const struct capture_message *m = &f->rec.items[0].msg;
	assert_int_equal(m->transport, 6);
	assert_int_equal(m->family, 4);
	assert_int_equal(m->sport, CLIENT_PORT);
	assert_int_equal(m->dport, 53);
	assert_memory_equal(m->src, ADDR4_CLIENT, 4);
	assert_memory_equal(m->dst, ADDR4_SERVER, 4);
	assert_int_equal(m->packet_number, 4);
	m = &f->rec.items[1].msg;
	assert_int_equal(m->sport, 53);
	assert_int_equal(m->dport, CLIENT_PORT);
	assert_memory_equal(m->src, ADDR4_SERVER, 4);
	assert_int_equal(m->packet_number, 5);
	assert_int_equal(m->ts_sec, 1001);

	/* FIN in both directions frees both flows. */
	assert_int_equal(send_segment(f, CLIENT_PORT, true, 1031, TCP_FIN, NULL, 0, 1001, 6),
	                 CAPTURE_OK);
	assert_int_equal(send_segment(f, CLIENT_PORT, false, 5047, TCP_FIN, NULL, 0, 1001, 7),
	                 CAPTURE_OK);
	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->tcp_flows_opened, 2);
	assert_int_equal(c->messages_tcp, 2);
	assert_int_equal(c->tcp_retransmits, 0);
	assert_int_equal(c->tcp_gaps, 0);
	assert_int_equal(c->tcp_bytes, 0);
	assert_int_equal(capture_decoder_memory(f->d), idle_memory);
	fixture_free(f);
}

static void test_tcp_messages_in_one_segment(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t starts[3];
	for (int i = 0; i < 3; i++)
		starts[i] = stream_add_message(&s, (uint16_t)(0x0200 + i), 20 + (size_t)i * 10);

	/* The capture started mid-stream, so no SYN was seen. */
	struct pkt *p = pkt_new();
	pkt_append(p, s.bytes, s.len);
	wrap_tcp(p, CLIENT_PORT, 53, 123456, TCP_ACK | TCP_PSH);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 77), CAPTURE_OK);

	assert_int_equal(f->rec.count, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_stream_message(&f->rec, i, &s, starts[i]);
		assert_int_equal(f->rec.items[i].msg.packet_number, 77);
		/* Whole messages are delivered from the frame without a copy. */
		assert_ptr_equal(f->rec.items[i].msg.data, pkt_data(p) + 40 + starts[i] + 2);
	}
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);
	free(p);
	fixture_free(f);
}

static void test_tcp_message_over_segments(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0300, 300);
	size_t m2 = stream_add_message(&s, 0x0301, 40);

	/* The cuts split the first length prefix and end mid second message. */
	static const size_t cuts[] = {0, 1, 120, 250, 302, 320, 344};
	uint32_t isn = 7000;
	send_client(f, isn, TCP_SYN, NULL, 0, 1);
	for (size_t i = 0; i + 1 < sizeof(cuts) / sizeof(cuts[0]); i++) {
		size_t from = cuts[i], to = cuts[i + 1];
		assert_int_equal(send_client(f, isn + 1 + (uint32_t)from, TCP_PSH, s.bytes + from,
		                             to - from, i + 2),
		                 CAPTURE_OK);
		if (to >= 2 && to < 302) {
			assert_int_equal(f->rec.count, 0);
			assert_int_equal(fixture_counters(f)->tcp_bytes, 300);
		}
	}
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_int_equal(f->rec.items[0].msg.packet_number, 5);
	assert_stream_message(&f->rec, 1, &s, m2);
	assert_int_equal(f->rec.items[1].msg.packet_number, 7);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);
	assert_true(fixture_counters(f)->peak_bytes >= 300);
	fixture_free(f);
}

static void test_tcp_syn_with_data(void **state)
{
	(void)state;
	/* TCP Fast Open: the query rides in the SYN, after its one sequence number. */
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0400, 29);
	size_t m2 = stream_add_message(&s, 0x0401, 29);
	assert_int_equal(send_client(f, 500, TCP_SYN, s.bytes, m2, 1), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_int_equal(send_client(f, 501 + (uint32_t)m2, TCP_PSH, s.bytes + m2, s.len - m2, 2),
	                 CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 1, &s, m2);

	/* A retransmitted SYN with the same data is not a new connection. */
	assert_int_equal(send_client(f, 500, TCP_SYN, s.bytes, m2, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(fixture_counters(f)->tcp_retransmits, 1);
	assert_int_equal(fixture_counters(f)->tcp_gaps, 0);
	fixture_free(f);
}

static void test_tcp_retransmission(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0500, 29);
	size_t m2 = stream_add_message(&s, 0x0501, 50);
	send_client(f, 0, TCP_SYN, NULL, 0, 1);
	assert_int_equal(send_client(f, 1, 0, s.bytes, m2, 2), CAPTURE_OK);
	assert_int_equal(send_client(f, 1, 0, s.bytes, m2, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(fixture_counters(f)->tcp_retransmits, 1);

	/* A segment that repeats the last 10 bytes and carries the next message. */
	assert_int_equal(
	        send_client(f, 1 + (uint32_t)m2 - 10, 0, s.bytes + m2 - 10, s.len - m2 + 10, 4),
	        CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_stream_message(&f->rec, 1, &s, m2);
	assert_int_equal(fixture_counters(f)->tcp_retransmits, 2);
	fixture_free(f);
}

static void test_tcp_out_of_order(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0600, 29);
	size_t m2 = stream_add_message(&s, 0x0601, 100);
	size_t m3 = stream_add_message(&s, 0x0602, 29);
	/* Segments 1 [m1, start of m2], 2 [rest of m2] and 3 [m3] are sent as 3, 2, 3, 1. */
	size_t cut = m2 + 40;
	send_client(f, 0, TCP_SYN, NULL, 0, 1);
	assert_int_equal(send_client(f, 1 + (uint32_t)m3, 0, s.bytes + m3, s.len - m3, 2),
	                 CAPTURE_OK);
	assert_int_equal(send_client(f, 1 + (uint32_t)cut, 0, s.bytes + cut, m3 - cut, 3),
	                 CAPTURE_OK);
	assert_int_equal(send_client(f, 1 + (uint32_t)m3, 0, s.bytes + m3, s.len - m3, 4),
	                 CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	assert_true(fixture_counters(f)->tcp_bytes >= s.len - cut);
	assert_int_equal(send_client(f, 1, 0, s.bytes, cut, 5), CAPTURE_OK);

	assert_int_equal(f->rec.count, 3);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_stream_message(&f->rec, 1, &s, m2);
	assert_stream_message(&f->rec, 2, &s, m3);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(f->rec.items[i].msg.packet_number, 5);
	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->tcp_retransmits, 1);
	assert_int_equal(c->tcp_gaps, 0);
	assert_int_equal(c->tcp_bytes, 0);
	fixture_free(f);
}

static void test_tcp_gap_resynchronises(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t lost = stream_add_message(&s, 0x0700, 60);
	size_t starts[CAPTURE_TCP_HELD_MAX + 1];
	for (uint16_t i = 0; i <= CAPTURE_TCP_HELD_MAX; i++)
		starts[i] = stream_add_message(&s, (uint16_t)(0x0710 + i), 29);

	/* The first 30 bytes of the lost message arrive, the next 32 never do. */
	send_client(f, 0, TCP_SYN, NULL, 0, 1);
	assert_int_equal(send_client(f, 1, 0, s.bytes + lost, 30, 2), CAPTURE_OK);
	/* Each later message comes in its own segment and waits for the gap. */
	for (size_t i = 0; i < CAPTURE_TCP_HELD_MAX; i++)
		assert_int_equal(
		        send_client(f, 1 + (uint32_t)starts[i], 0, s.bytes + starts[i], 31, 3 + i),
		        CAPTURE_OK);
	assert_int_equal(f->rec.count, 0);
	assert_int_equal(fixture_counters(f)->tcp_gaps, 0);

	/* With one more segment than the queue holds, the gap is given up. The
	 * stream restarts at the first held segment and delivers everything held. */
	size_t last = CAPTURE_TCP_HELD_MAX;
	assert_int_equal(
	        send_client(f, 1 + (uint32_t)starts[last], 0, s.bytes + starts[last], 31, 100),
	        CAPTURE_OK);
	assert_int_equal(f->rec.count, CAPTURE_TCP_HELD_MAX + 1);
	for (size_t i = 0; i <= CAPTURE_TCP_HELD_MAX; i++) {
		assert_stream_message(&f->rec, i, &s, starts[i]);
		assert_int_equal(f->rec.items[i].msg.packet_number, 100);
	}
	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->tcp_gaps, 1);
	assert_int_equal(c->tcp_bytes, 0);

	/* The stream continues in order afterwards. */
	struct stream more = {0};
	stream_add_message(&more, 0x07ff, 29);
	assert_int_equal(send_client(f, 1 + (uint32_t)s.len, 0, more.bytes, more.len, 101),
	                 CAPTURE_OK);
	assert_int_equal(f->rec.count, CAPTURE_TCP_HELD_MAX + 2);
	assert_stream_message(&f->rec, CAPTURE_TCP_HELD_MAX + 1, &more, 0);
	fixture_free(f);
}

static void test_tcp_fin_frees_flow(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	size_t idle_memory = capture_decoder_memory(f->d);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0800, 29);
	size_t m2 = stream_add_message(&s, 0x0801, 200);

	/* The FIN segment completes one message and leaves the next one partial. */
	send_client(f, 0, TCP_SYN, NULL, 0, 1);
	assert_int_equal(send_client(f, 1, TCP_FIN, s.bytes, m2 + 50, 2), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);
	assert_int_equal(capture_decoder_memory(f->d), idle_memory);

	/* Data after the FIN opens a new flow that starts mid-stream. */
	struct stream t = {0};
	stream_add_message(&t, 0x0802, 29);
	assert_int_equal(send_client(f, 5000, 0, t.bytes, t.len, 3), CAPTURE_OK);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(message_id(&f->rec, 1), 0x0802);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 2);
	fixture_free(f);
}

static void test_tcp_fin_before_last_data(void **state)
{
	(void)state;
	/* The FIN overtakes the last data segment, and the flow waits for the data. */
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x0900, 80);
	send_client(f, 0, TCP_SYN, NULL, 0, 1);
	assert_int_equal(send_client(f, 1, 0, s.bytes, 40, 2), CAPTURE_OK);
	assert_int_equal(send_client(f, 1 + (uint32_t)s.len, TCP_FIN, NULL, 0, 3), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 1);
	assert_true(fixture_counters(f)->tcp_bytes > 0);
	assert_int_equal(send_client(f, 41, 0, s.bytes + 40, s.len - 40, 4), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);

	/* The flow is gone, so a segment with the old numbers starts a new one. */
	assert_int_equal(send_client(f, 1, 0, s.bytes, s.len, 5), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 2);
	fixture_free(f);
}

static void test_tcp_rst_frees_both_directions(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	stream_add_message(&s, 0x0a00, 100);
	send_segment(f, CLIENT_PORT, true, 0, 0, s.bytes, 50, 1, 1);
	send_segment(f, CLIENT_PORT, false, 0, 0, s.bytes, 50, 1, 2);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 2);
	assert_true(fixture_counters(f)->tcp_bytes >= 200);
	assert_int_equal(send_segment(f, CLIENT_PORT, true, 50, TCP_RST, NULL, 0, 1, 3),
	                 CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);
	assert_int_equal(f->rec.count, 0);
	fixture_free(f);
}

static void test_tcp_idle_expiry(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	stream_add_message(&s, 0x0b00, 100);
	struct pkt *other = udp4_query(1);

	send_segment(f, CLIENT_PORT, true, 0, TCP_SYN, NULL, 0, 100, 1);
	send_segment(f, CLIENT_PORT, true, 1, 0, s.bytes, 50, 100, 2);
	/* The default idle timeout is 120 s. */
	feed(f, DLT_RAW, other, 219, 3);
	assert_int_equal(fixture_counters(f)->tcp_flows_expired, 0);
	assert_true(fixture_counters(f)->tcp_bytes > 0);
	feed(f, DLT_RAW, other, 220, 4);
	assert_int_equal(fixture_counters(f)->tcp_flows_expired, 1);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);

	/* The rest of the message now begins a new stream and completes nothing. */
	send_segment(f, CLIENT_PORT, true, 51, 0, s.bytes + 50, s.len - 50, 220, 5);
	assert_int_equal(f->rec.count, 2); /* the two UDP queries */
	assert_int_equal(fixture_counters(f)->messages_tcp, 0);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 2);

	/* Partial data at end of input is counted when the caller expires it. */
	capture_decoder_expire(f->d, INT64_MAX);
	assert_int_equal(fixture_counters(f)->tcp_flows_expired, 2);
	free(other);
	fixture_free(f);
}

static void test_tcp_flow_eviction(void **state)
{
	(void)state;
	struct capture_config cfg;
	capture_config_default(&cfg);
	cfg.tcp_max_flows = 2;
	struct fixture *f = fixture_new(&cfg);
	struct stream s[3];
	for (uint16_t i = 0; i < 3; i++) {
		s[i].len = 0;
		stream_add_message(&s[i], (uint16_t)(0x0c00 + i), 200);
		assert_int_equal(send_segment(f, (uint16_t)(CLIENT_PORT + i), true, 1, 0,
		                              s[i].bytes, 52, 1, i + 1),
		                 CAPTURE_OK);
	}
	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->tcp_flows_opened, 3);
	assert_int_equal(c->tcp_flows_evicted, 1);
	assert_int_equal(c->tcp_bytes, 400);

	/* The rest of each message. The first flow was evicted, so its rest starts a
	 * new flow mid-message (evicting the second, now idle) and completes nothing. */
	for (uint16_t i = 3; i-- > 0;)
		send_segment(f, (uint16_t)(CLIENT_PORT + i), true, 53, 0, s[i].bytes + 52,
		             s[i].len - 52, 1, 10 + i);
	assert_int_equal(f->rec.count, 2);
	assert_int_equal(message_id(&f->rec, 0), 0x0c02);
	assert_int_equal(message_id(&f->rec, 1), 0x0c01);
	assert_int_equal(c->tcp_flows_opened, 4);
	assert_int_equal(c->tcp_flows_evicted, 2);
	fixture_free(f);
}

static void test_tcp_byte_limit(void **state)
{
	(void)state;
	struct capture_config cfg;
	capture_config_default(&cfg);
	cfg.tcp_max_bytes = 250;
	struct fixture *f = fixture_new(&cfg);

	/* Two flows buffer 200-byte messages, and the second evicts the first. */
	struct stream a = {0}, b = {0};
	stream_add_message(&a, 0x0d00, 200);
	stream_add_message(&b, 0x0d01, 200);
	send_segment(f, CLIENT_PORT, true, 1, 0, a.bytes, 20, 1, 1);
	send_segment(f, CLIENT_PORT + 1, true, 1, 0, b.bytes, 20, 1, 2);
	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->tcp_flows_evicted, 1);
	assert_int_equal(c->tcp_bytes, 200);
	send_segment(f, CLIENT_PORT + 1, true, 21, 0, b.bytes + 20, b.len - 20, 1, 3);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(message_id(&f->rec, 0), 0x0d01);

	/* A message larger than the whole budget is skipped, and the stream stays in
	 * step, so the message after it is delivered. */
	struct stream s = {0};
	stream_add_message(&s, 0x0d02, 400);
	size_t next = stream_add_message(&s, 0x0d03, 29);
	send_segment(f, CLIENT_PORT + 2, true, 1, 0, s.bytes, 100, 1, 4);
	send_segment(f, CLIENT_PORT + 2, true, 101, 0, s.bytes + 100, s.len - 100, 1, 5);
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 1, &s, next);
	assert_int_equal(c->tcp_gaps, 1);
	assert_true(c->peak_bytes <= 250);
	fixture_free(f);
}

static void test_tcp_zero_length_prefix(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	s.len = 2; /* a zero length prefix */
	size_t m1 = stream_add_message(&s, 0x0e00, 29);
	s.bytes[s.len++] = 0;
	s.bytes[s.len++] = 0;
	size_t m2 = stream_add_message(&s, 0x0e01, 29);

	/* Cut inside the second zero prefix. */
	size_t cut = m1 + 32;
	send_client(f, 1, 0, s.bytes, cut, 1);
	send_client(f, 1 + (uint32_t)cut, 0, s.bytes + cut, s.len - cut, 2);
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_stream_message(&f->rec, 1, &s, m2);
	assert_int_equal(fixture_counters(f)->tcp_bad_messages, 2);
	fixture_free(f);
}

static void test_tcp_new_syn_restarts(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	stream_add_message(&s, 0x0f00, 100);
	send_client(f, 10, TCP_SYN, NULL, 0, 1);
	send_client(f, 11, 0, s.bytes, 50, 2);

	/* The client reuses the port with a new initial sequence number. */
	struct stream t = {0};
	size_t m = stream_add_message(&t, 0x0f01, 29);
	send_client(f, 90000, TCP_SYN, NULL, 0, 3);
	assert_int_equal(fixture_counters(f)->tcp_gaps, 1);
	assert_int_equal(fixture_counters(f)->tcp_bytes, 0);
	send_client(f, 90001, 0, t.bytes, t.len, 4);
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, &t, m);
	fixture_free(f);
}

static void test_tcp_bare_segments_open_nothing(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(send_client(f, 1, 0, NULL, 0, 1), CAPTURE_OK);
	assert_int_equal(send_client(f, 1, TCP_FIN, NULL, 0, 2), CAPTURE_OK);
	assert_int_equal(send_client(f, 1, TCP_RST, NULL, 0, 3), CAPTURE_OK);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 0);

	/* TCP on other ports is not DNS and opens nothing either. */
	struct pkt *p = pkt_new();
	pkt_append(p, "\0\x1dxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", 31);
	wrap_tcp(p, 40000, 443, 1, TCP_ACK);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 4), CAPTURE_NOT_DNS);
	assert_int_equal(fixture_counters(f)->tcp_flows_opened, 0);
	free(p);
	fixture_free(f);
}

static void test_tcp_ipv6(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x1000, 29);
	size_t m2 = stream_add_message(&s, 0x1001, 29);
	for (int i = 0; i < 2; i++) {
		size_t from = i == 0 ? 0 : 40;
		size_t to = i == 0 ? 40 : s.len;
		struct pkt *p = pkt_new();
		pkt_append(p, s.bytes + from, to - from);
		wrap_tcp(p, 53, CLIENT_PORT, 100 + (uint32_t)from, TCP_ACK);
		wrap_ipv6(p, ADDR6_SERVER, ADDR6_CLIENT, 6);
		assert_int_equal(feed(f, DLT_RAW, p, 1, (uint64_t)i + 1), CAPTURE_OK);
		free(p);
	}
	assert_int_equal(f->rec.count, 2);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_stream_message(&f->rec, 1, &s, m2);
	const struct capture_message *m = &f->rec.items[1].msg;
	assert_int_equal(m->family, 6);
	assert_memory_equal(m->src, ADDR6_SERVER, 16);
	assert_memory_equal(m->dst, ADDR6_CLIENT, 16);
	assert_int_equal(m->sport, 53);
	assert_int_equal(m->packet_number, 2);
	fixture_free(f);
}

static void test_tcp_largest_message(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream *s = calloc(1, sizeof(*s));
	size_t m = stream_add_message(s, 0x1100, 65535);
	uint64_t number = 0;
	for (size_t from = 0; from < s->len; from += 1400) {
		size_t len = s->len - from < 1400 ? s->len - from : 1400;
		send_client(f, 1 + (uint32_t)from, 0, s->bytes + from, len, ++number);
	}
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, s, m);
	assert_int_equal(f->rec.items[0].msg.len, 65535);
	free(s);
	fixture_free(f);
}

static void test_tcp_sequence_wraps(void **state)
{
	(void)state;
	struct fixture *f = fixture_new(NULL);
	struct stream s = {0};
	size_t m1 = stream_add_message(&s, 0x1200, 100);
	uint32_t isn = 0xffffffc0u;
	send_client(f, isn, TCP_SYN, NULL, 0, 1);
	/* The second segment starts past 2^32 and arrives first. */
	send_client(f, isn + 1 + 80, 0, s.bytes + 80, s.len - 80, 2);
	send_client(f, isn + 1, 0, s.bytes, 80, 3);
	assert_int_equal(f->rec.count, 1);
	assert_stream_message(&f->rec, 0, &s, m1);
	assert_int_equal(fixture_counters(f)->tcp_retransmits, 0);
	fixture_free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_query_and_response),
		cmocka_unit_test(test_tcp_messages_in_one_segment),
		cmocka_unit_test(test_tcp_message_over_segments),
		cmocka_unit_test(test_tcp_syn_with_data),
		cmocka_unit_test(test_tcp_retransmission),
		cmocka_unit_test(test_tcp_out_of_order),
		cmocka_unit_test(test_tcp_gap_resynchronises),
		cmocka_unit_test(test_tcp_fin_frees_flow),
		cmocka_unit_test(test_tcp_fin_before_last_data),
		cmocka_unit_test(test_tcp_rst_frees_both_directions),
		cmocka_unit_test(test_tcp_idle_expiry),
		cmocka_unit_test(test_tcp_flow_eviction),
		cmocka_unit_test(test_tcp_byte_limit),
		cmocka_unit_test(test_tcp_zero_length_prefix),
		cmocka_unit_test(test_tcp_new_syn_restarts),
		cmocka_unit_test(test_tcp_bare_segments_open_nothing),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_tcp_largest_message),
		cmocka_unit_test(test_tcp_sequence_wraps),
	};
	return cmocka_run_group_tests_name("capture_tcp", tests, NULL, NULL);
}
