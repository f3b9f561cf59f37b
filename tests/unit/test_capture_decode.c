/* Tests for the capture decoder's link, IP, tunnel and UDP layers on hand-built frames. */
#include "capture_frames.h"

#include <pcap/dlt.h>

#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif
#define LINKTYPE_RAW 101

/* Decode p and assert that it yields exactly one message, the query id. */
static void assert_decodes_query(int linktype, const struct pkt *p, uint16_t id)
{
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, linktype, p, 1000, 1), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_query(&f->rec, 0, id);
	fixture_free(f);
}

static enum capture_result decode_once(int linktype, const struct pkt *p)
{
	struct fixture *f = fixture_new(NULL);
	enum capture_result r = feed(f, linktype, p, 1000, 1);
	assert_int_equal(f->rec.count, 0);
	fixture_free(f);
	return r;
}

static void test_ethernet_udp4_fields(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(0xbeef);
	wrap_ether(p, 0x0800);
	struct fixture *f = fixture_new(NULL);

	enum capture_result r = capture_decode(f->d, DLT_EN10MB, pkt_data(p), pkt_len(p),
	                                       pkt_len(p), 1700000000, 123456789, 42);
	assert_int_equal(r, CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	const struct capture_message *m = &f->rec.items[0].msg;
	assert_query(&f->rec, 0, 0xbeef);
	assert_int_equal(m->ts_sec, 1700000000);
	assert_int_equal(m->ts_nsec, 123456789);
	assert_int_equal(m->packet_number, 42);
	assert_int_equal(m->family, 4);
	assert_int_equal(m->transport, 17);
	assert_int_equal(m->sport, 40000);
	assert_int_equal(m->dport, 53);
	uint8_t src[16] = {192, 0, 2, 1};
	uint8_t dst[16] = {198, 51, 100, 53};
	assert_memory_equal(m->src, src, 16);
	assert_memory_equal(m->dst, dst, 16);
	/* Zero copy: the message points into the frame, after 14 + 20 + 8 header bytes. */
	assert_ptr_equal(m->data, pkt_data(p) + 42);

	const struct capture_counters *c = fixture_counters(f);
	assert_int_equal(c->frames, 1);
	assert_int_equal(c->messages_udp, 1);
	assert_int_equal(c->messages_tcp, 0);
	fixture_free(f);
	free(p);
}

static void test_ethernet_udp6_fields(void **state)
{
	(void)state;
	struct pkt *p = udp6_query(7);
	wrap_ether(p, 0x86dd);
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, DLT_EN10MB, p, 5, 9), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	const struct capture_message *m = &f->rec.items[0].msg;
	assert_query(&f->rec, 0, 7);
	assert_int_equal(m->family, 6);
	assert_memory_equal(m->src, ADDR6_CLIENT, 16);
	assert_memory_equal(m->dst, ADDR6_SERVER, 16);
	assert_int_equal(m->packet_number, 9);
	assert_int_equal(m->ts_sec, 5);
	fixture_free(f);
	free(p);
}

static void test_ethernet_padding_trimmed(void **state)
{
	(void)state;
	/* An empty DNS payload makes a 42-byte frame, padded to the 60-byte minimum. */
	struct pkt *p = pkt_new();
	wrap_udp(p, 40000, 53);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	wrap_ether(p, 0x0800);
	uint8_t pad[18];
	memset(pad, 0xee, sizeof(pad));
	pkt_append(p, pad, sizeof(pad));

	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, DLT_EN10MB, p, 1, 1), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.items[0].msg.len, 0);
	fixture_free(f);
	free(p);
}

static void test_vlan_tags(void **state)
{
	(void)state;
	static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
	for (size_t i = 0; i < 3; i++) {
		struct pkt *p = udp4_query(1);
		wrap_vlan(p, 0x0800, 11);
		wrap_ether(p, tpids[i]);
		assert_decodes_query(DLT_EN10MB, p, 1);
		free(p);
	}

	/* QinQ: an 802.1ad service tag around an 802.1Q customer tag. */
	struct pkt *p = udp6_query(2);
	wrap_vlan(p, 0x86dd, 100);
	wrap_vlan(p, 0x8100, 200);
	wrap_ether(p, 0x88a8);
	assert_decodes_query(DLT_EN10MB, p, 2);
	free(p);
}

static void test_vlan_depth_limit(void **state)
{
	(void)state;
	/* Eight tags are followed, and a ninth is rejected. */
	struct pkt *p = udp4_query(3);
	wrap_vlan(p, 0x0800, 1);
	for (int i = 0; i < 7; i++)
		wrap_vlan(p, 0x8100, (uint16_t)(i + 2));
	wrap_ether(p, 0x8100);
	assert_decodes_query(DLT_EN10MB, p, 3);
	free(p);

	p = udp4_query(3);
	wrap_vlan(p, 0x0800, 1);
	for (int i = 0; i < 8; i++)
		wrap_vlan(p, 0x8100, (uint16_t)(i + 2));
	wrap_ether(p, 0x8100);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);
}

static void test_pppoe_session(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(4);
	wrap_pppoe(p, 0x0021);
	wrap_ether(p, 0x8864);
	assert_decodes_query(DLT_EN10MB, p, 4);
	free(p);

	p = udp6_query(5);
	wrap_pppoe(p, 0x0057);
	wrap_vlan(p, 0x8864, 7);
	wrap_ether(p, 0x8100);
	assert_decodes_query(DLT_EN10MB, p, 5);
	free(p);

	/* LCP is PPP control traffic, not IP. */
	p = pkt_new();
	pkt_append(p, "\x01\x01\x00\x04", 4);
	wrap_pppoe(p, 0xc021);
	wrap_ether(p, 0x8864);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_NOT_IP);
	free(p);

	/* A discovery-stage code on the session ethertype is not decoded. */
	p = udp4_query(4);
	wrap_pppoe(p, 0x0021);
	p->buf[p->start + 1] = 0x09;
	wrap_ether(p, 0x8864);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);
}

static void test_mpls_stack(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(6);
	wrap_mpls(p, 1000, true);
	wrap_mpls(p, 2000, false);
	wrap_mpls(p, 3000, false);
	wrap_ether(p, 0x8847);
	assert_decodes_query(DLT_EN10MB, p, 6);
	free(p);

	p = udp6_query(7);
	wrap_mpls(p, 16, true);
	wrap_ether(p, 0x8847);
	assert_decodes_query(DLT_EN10MB, p, 7);
	free(p);

	/* A pseudowire control word (first nibble 0) is not IP we can pick. */
	p = udp4_query(8);
	wrap_ether(p, 0x0800);
	pkt_prepend(p, 4);
	wrap_mpls(p, 17, true);
	wrap_ether(p, 0x8847);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);

	/* No bottom-of-stack bit before the frame ends. */
	p = pkt_new();
	wrap_mpls(p, 1, false);
	wrap_mpls(p, 2, false);
	wrap_ether(p, 0x8847);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_LINK_TRUNCATED);
	free(p);
}

static void test_ethernet_not_ip(void **state)
{
	(void)state;
	struct pkt *p = pkt_new();
	uint8_t arp[28] = {0, 1, 8, 0, 6, 4, 0, 1};
	pkt_append(p, arp, sizeof(arp));
	wrap_ether(p, 0x0806);
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_NOT_IP);
	free(p);

	/* 802.3 frame: the type field is a length (here STP over LLC). */
	p = pkt_new();
	uint8_t llc[38] = {0x42, 0x42, 0x03};
	pkt_append(p, llc, sizeof(llc));
	wrap_ether(p, sizeof(llc));
	assert_int_equal(decode_once(DLT_EN10MB, p), CAPTURE_NOT_IP);
	free(p);
}

static void test_linux_sll(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(9);
	wrap_sll(p, 0x0800);
	assert_decodes_query(DLT_LINUX_SLL, p, 9);
	free(p);

	p = udp6_query(10);
	wrap_sll(p, 0x86dd);
	assert_decodes_query(DLT_LINUX_SLL, p, 10);
	free(p);

	p = udp4_query(11);
	wrap_vlan(p, 0x0800, 5);
	wrap_sll(p, 0x8100);
	assert_decodes_query(DLT_LINUX_SLL, p, 11);
	free(p);

	p = pkt_new();
	pkt_append(p, "\0\1\10\0\6\4\0\1", 8);
	wrap_sll(p, 0x0806);
	assert_int_equal(decode_once(DLT_LINUX_SLL, p), CAPTURE_NOT_IP);
	free(p);

	/* Netlink monitor frames reuse the protocol field for the netlink family. */
	p = udp4_query(12);
	wrap_sll(p, 0x0800);
	put_be16(p->buf + p->start + 2, 824);
	assert_int_equal(decode_once(DLT_LINUX_SLL, p), CAPTURE_NOT_IP);
	free(p);
}

static void test_linux_sll2(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(13);
	wrap_sll2(p, 0x0800);
	assert_decodes_query(DLT_LINUX_SLL2, p, 13);
	free(p);

	p = udp6_query(14);
	wrap_sll2(p, 0x86dd);
	assert_decodes_query(DLT_LINUX_SLL2, p, 14);
	free(p);

	p = pkt_new();
	pkt_append(p, "\0\1\10\0\6\4\0\1", 8);
	wrap_sll2(p, 0x0806);
	assert_int_equal(decode_once(DLT_LINUX_SLL2, p), CAPTURE_NOT_IP);
	free(p);
}

static void test_raw_links(void **state)
{
	(void)state;
	static const int raw_types[] = {DLT_RAW, LINKTYPE_RAW};
	for (size_t i = 0; i < 2; i++) {
		struct pkt *p = udp4_query(15);
		assert_decodes_query(raw_types[i], p, 15);
		free(p);
		p = udp6_query(16);
		assert_decodes_query(raw_types[i], p, 16);
		free(p);

		/* Version 5 is neither IPv4 nor IPv6. */
		p = udp4_query(17);
		p->buf[p->start] = 0x55;
		assert_int_equal(decode_once(raw_types[i], p), CAPTURE_IP_BAD_VERSION);
		free(p);
	}
}

static void test_ipv4_ipv6_links(void **state)
{
	(void)state;
	struct pkt *p4 = udp4_query(18);
	struct pkt *p6 = udp6_query(19);
	assert_decodes_query(DLT_IPV4, p4, 18);
	assert_decodes_query(DLT_IPV6, p6, 19);
	assert_int_equal(decode_once(DLT_IPV4, p6), CAPTURE_IP_BAD_VERSION);
	assert_int_equal(decode_once(DLT_IPV6, p4), CAPTURE_IP_BAD_VERSION);
	free(p4);
	free(p6);
}

static uint32_t bswap32(uint32_t v)
{
	return (v >> 24) | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | (v << 24);
}

static void test_bsd_null_loop(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(20);
	wrap_null(p, 2);
	assert_decodes_query(DLT_NULL, p, 20);
	free(p);

	/* Captured on a machine of the other byte order. */
	p = udp4_query(21);
	wrap_null(p, bswap32(2));
	assert_decodes_query(DLT_NULL, p, 21);
	free(p);

	static const uint32_t inet6[] = {24, 28, 30};
	for (size_t i = 0; i < 3; i++) {
		p = udp6_query(22);
		wrap_null(p, inet6[i]);
		assert_decodes_query(DLT_NULL, p, 22);
		free(p);
		p = udp6_query(23);
		wrap_loop(p, inet6[i]);
		assert_decodes_query(DLT_LOOP, p, 23);
		free(p);
	}

	p = udp4_query(24);
	wrap_loop(p, 2);
	assert_decodes_query(DLT_LOOP, p, 24);
	free(p);

	/* 16 is AF_APPLETALK on FreeBSD, not an IP family. */
	p = udp4_query(25);
	wrap_null(p, 16);
	assert_int_equal(decode_once(DLT_NULL, p), CAPTURE_NOT_IP);
	free(p);
}

static void test_ppp_links(void **state)
{
	(void)state;
	static const int ppp_types[] = {DLT_PPP, DLT_PPP_SERIAL};
	for (size_t i = 0; i < 2; i++) {
		struct pkt *p = udp4_query(26);
		wrap_ppp(p, true, 0x0021);
		assert_decodes_query(ppp_types[i], p, 26);
		free(p);

		p = udp6_query(27);
		wrap_ppp(p, false, 0x0057);
		assert_decodes_query(ppp_types[i], p, 27);
		free(p);

		/* Protocol field compression: 0x21 alone means IPv4. */
		p = udp4_query(28);
		p->buf[--p->start] = 0x21;
		assert_decodes_query(ppp_types[i], p, 28);
		free(p);

		p = pkt_new();
		pkt_append(p, "\x01\x01\x00\x04", 4);
		wrap_ppp(p, true, 0xc021);
		assert_int_equal(decode_once(ppp_types[i], p), CAPTURE_NOT_IP);
		free(p);
	}
}

static void test_link_unsupported(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(29);
	assert_int_equal(decode_once(DLT_IEEE802_11, p), CAPTURE_LINK_UNSUPPORTED);
	assert_int_equal(decode_once(-1, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);
}

static void test_dns_ports(void **state)
{
	(void)state;
	struct pkt *p = pkt_new();
	pkt_append_query(p, 30);
	wrap_udp(p, 40000, 5353);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);

	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_NOT_DNS);
	assert_int_equal(f->rec.count, 0);
	fixture_free(f);

	struct capture_config cfg;
	capture_config_default(&cfg);
	capture_config_add_port(&cfg, 5353);
	f = fixture_new(&cfg);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_OK);
	assert_int_equal(f->rec.items[0].msg.dport, 5353);
	fixture_free(f);

	/* The source port alone is enough (a response). */
	capture_config_clear_ports(&cfg);
	capture_config_add_port(&cfg, 40000);
	f = fixture_new(&cfg);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_OK);
	fixture_free(f);

	capture_config_clear_ports(&cfg);
	f = fixture_new(&cfg);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_NOT_DNS);
	fixture_free(f);
	free(p);

	/* ICMP is IP but never DNS, even when it quotes a DNS packet. */
	p = udp4_query(31);
	pkt_prepend(p, 8)[0] = 3;
	wrap_ipv4(p, ADDR4_SERVER, ADDR4_CLIENT, 1);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_NOT_DNS);
	free(p);
}

static void test_udp_length_field(void **state)
{
	(void)state;
	/* Shorter than the 8-byte header. */
	struct pkt *p = pkt_new();
	pkt_append_query(p, 32);
	wrap_udp(p, 40000, 53);
	put_be16(p->buf + p->start + 4, 7);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_UDP_BAD_LENGTH);
	free(p);

	/* Longer than the IP payload. */
	p = pkt_new();
	pkt_append_query(p, 32);
	wrap_udp(p, 40000, 53);
	put_be16(p->buf + p->start + 4, 8 + 30);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_UDP_BAD_LENGTH);
	free(p);

	/* Fewer than 8 bytes of UDP header. */
	p = pkt_new();
	pkt_append(p, "\x9c\x40\x00\x35\x00", 5);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_UDP_BAD_LENGTH);
	free(p);

	/* Bytes after the UDP length are not part of the message. */
	p = pkt_new();
	pkt_append_query(p, 33);
	wrap_udp(p, 40000, 53);
	pkt_append(p, "trailer", 7);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	assert_decodes_query(DLT_RAW, p, 33);
	free(p);
}

static void test_ipv4_header_checks(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(34);
	p->buf[p->start] = 0x44; /* IHL 4 */
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_HEADER);
	free(p);

	/* Total length below the header length. */
	p = udp4_query(35);
	put_be16(p->buf + p->start + 2, 19);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_LENGTH);
	free(p);

	/* A total length beyond the frame is damage, or the snapshot length's doing
	 * when the wire length shows the packet was longer; then what was kept is
	 * decoded (here the whole UDP datagram). */
	p = udp4_query(36);
	put_be16(p->buf + p->start + 2, (uint16_t)(pkt_len(p) + 1));
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_LENGTH);
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(
	        capture_decode(f->d, DLT_RAW, pkt_data(p), pkt_len(p), pkt_len(p) + 1, 1, 0, 1),
	        CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_int_equal(f->rec.items[0].msg.len, pkt_len(p) - 20 - 8);
	assert_int_equal(capture_decoder_counters(f->d)->messages_snapped, 0);
	fixture_free(f);
	free(p);

	/* Options (IHL 6) are skipped. */
	p = pkt_new();
	pkt_append_query(p, 37);
	wrap_udp(p, 40000, 53);
	pkt_prepend(p, 4)[0] = 1; /* NOP option padding */
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 17);
	p->buf[p->start] = 0x46;
	put_be16(p->buf + p->start + 2, (uint16_t)pkt_len(p));
	assert_decodes_query(DLT_RAW, p, 37);
	free(p);
}

static void test_ipv6_extension_headers(void **state)
{
	(void)state;
	struct pkt *p = pkt_new();
	pkt_append_query(p, 38);
	wrap_udp(p, 40000, 53);
	wrap_ipv6_options(p, 17, 16); /* destination options */
	wrap_ipv6_ah(p, 60, 12);
	wrap_ipv6_options(p, 51, 24); /* routing */
	wrap_ipv6_options(p, 43, 8);  /* hop-by-hop */
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 0);
	assert_decodes_query(DLT_RAW, p, 38);
	free(p);

	/* An atomic fragment (offset 0, no more fragments) is a whole packet. */
	p = pkt_new();
	pkt_append_query(p, 39);
	wrap_udp(p, 40000, 53);
	wrap_ipv6_frag(p, 17, 99, 0, false);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 44);
	assert_decodes_query(DLT_RAW, p, 39);
	free(p);

	p = udp6_query(40);
	p->buf[p->start + 6] = 50; /* ESP */
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_NOT_DNS);
	p->buf[p->start + 6] = 59; /* no next header */
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_NOT_DNS);
	free(p);

	/* A destination options header that claims more bytes than the packet has. */
	p = pkt_new();
	pkt_append(p, "\x11\x05\x00\x00\x00\x00\x00\x00", 8);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 60);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP6_BAD_EXTENSION);
	free(p);

	/* A fragment header cut short. */
	p = pkt_new();
	pkt_append(p, "\x11\x00\x00", 3);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 44);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP6_BAD_EXTENSION);
	free(p);
}

static void test_ipv6_length_checks(void **state)
{
	(void)state;
	struct pkt *p = udp6_query(41);
	put_be16(p->buf + p->start + 4, 0);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_LENGTH);
	put_be16(p->buf + p->start + 4, (uint16_t)(pkt_len(p) - 39));
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_LENGTH);
	free(p);

	/* Bytes beyond the payload length are ignored. */
	p = udp6_query(42);
	pkt_append(p, "\0\0\0\0", 4);
	assert_decodes_query(DLT_RAW, p, 42);
	free(p);
}

static void test_tcp_header_checks(void **state)
{
	(void)state;
	struct pkt *p = pkt_new();
	pkt_append(p, "\x9c\x40\x00\x35", 4);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_TCP_BAD_HEADER);
	free(p);

	static const uint8_t offsets[] = {0x40, 0x60, 0xf0};
	for (size_t i = 0; i < 3; i++) {
		p = pkt_new();
		wrap_tcp(p, 40000, 53, 1, TCP_SYN);
		p->buf[p->start + 12] = offsets[i];
		wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
		assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_TCP_BAD_HEADER);
		free(p);
	}

	p = pkt_new();
	wrap_tcp(p, 40000, 443, 1, TCP_SYN);
	wrap_ipv4(p, ADDR4_CLIENT, ADDR4_SERVER, 6);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_NOT_DNS);
	free(p);
}

static const uint8_t OUTER4_A[4] = {203, 0, 113, 1};
static const uint8_t OUTER4_B[4] = {203, 0, 113, 2};

static void assert_inner_addresses(const struct fixture *f)
{
	const struct capture_message *m = &f->rec.items[0].msg;
	assert_int_equal(m->family, 4);
	assert_memory_equal(m->src, ADDR4_CLIENT, 4);
	assert_memory_equal(m->dst, ADDR4_SERVER, 4);
}

static void test_gre_tunnels(void **state)
{
	(void)state;
	/* GRE with checksum, key and sequence number around IPv4. */
	struct pkt *p = udp4_query(43);
	wrap_gre(p, 0xb000, 0x0800);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 47);
	wrap_ether(p, 0x0800);
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, DLT_EN10MB, p, 1, 1), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_query(&f->rec, 0, 43);
	assert_inner_addresses(f);
	fixture_free(f);
	free(p);

	p = udp6_query(44);
	wrap_gre(p, 0x2000, 0x86dd);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 47);
	assert_decodes_query(DLT_RAW, p, 44);
	free(p);

	/* Transparent Ethernet bridging, with a VLAN tag on the inner frame. */
	p = udp4_query(45);
	wrap_vlan(p, 0x0800, 3);
	wrap_ether(p, 0x8100);
	wrap_gre(p, 0, 0x6558);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 47);
	assert_decodes_query(DLT_RAW, p, 45);
	free(p);

	/* Version 1 (PPTP) and unknown payload types are not decoded. */
	p = udp4_query(46);
	wrap_gre(p, 0x0001, 0x0800);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 47);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);
	p = udp4_query(47);
	wrap_gre(p, 0, 0x88be);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 47);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_LINK_UNSUPPORTED);
	free(p);

	/* Key flag set but the key missing. */
	p = pkt_new();
	pkt_append(p, "\x20\x00\x08\x00\x00", 5);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 47);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_LINK_TRUNCATED);
	free(p);
}

static void test_ip_in_ip(void **state)
{
	(void)state;
	struct pkt *p = udp4_query(48);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 4);
	struct fixture *f = fixture_new(NULL);
	assert_int_equal(feed(f, DLT_RAW, p, 1, 1), CAPTURE_OK);
	assert_int_equal(f->rec.count, 1);
	assert_inner_addresses(f);
	fixture_free(f);
	free(p);

	p = udp6_query(49);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 41);
	assert_decodes_query(DLT_RAW, p, 49);
	free(p);

	p = udp4_query(50);
	wrap_ipv6(p, ADDR6_CLIENT, ADDR6_SERVER, 4);
	assert_decodes_query(DLT_RAW, p, 50);
	free(p);

	/* Protocol 4 announces IPv4, so an IPv6 packet there has the wrong version. */
	p = udp6_query(51);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 4);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_IP_BAD_VERSION);
	free(p);
}

static void test_tunnel_depth(void **state)
{
	(void)state;
	/* Four nested tunnels, alternately IP-in-IP and GRE, are followed. Five are not. */
	struct pkt *p = udp4_query(52);
	for (int i = 0; i < 4; i++) {
		if (i % 2)
			wrap_gre(p, 0, 0x0800);
		wrap_ipv4(p, OUTER4_A, OUTER4_B, (i % 2) ? 47 : 4);
	}
	assert_decodes_query(DLT_RAW, p, 52);
	wrap_ipv4(p, OUTER4_A, OUTER4_B, 4);
	assert_int_equal(decode_once(DLT_RAW, p), CAPTURE_TUNNEL_TOO_DEEP);
	free(p);
}

/* One link type's valid frame and the length of its link-layer header. */
struct link_case {
	const char *name;
	int linktype;
	struct pkt *frame;
	size_t link_len;
	size_t ip_header_len;
	bool link_needs_ip_byte; /* MPLS reads the IP version nibble to pick the protocol */
};

static size_t build_link_cases(struct link_case *cases)
{
	size_t n = 0;
	struct pkt *p;

	p = udp4_query(60);
	wrap_ether(p, 0x0800);
	cases[n++] = (struct link_case){"ethernet", DLT_EN10MB, p, 14, 20, false};
	p = udp6_query(61);
	wrap_ether(p, 0x86dd);
	cases[n++] = (struct link_case){"ethernet ipv6", DLT_EN10MB, p, 14, 40, false};
	p = udp4_query(62);
	wrap_vlan(p, 0x0800, 1);
	wrap_vlan(p, 0x8100, 2);
	wrap_ether(p, 0x88a8);
	cases[n++] = (struct link_case){"qinq", DLT_EN10MB, p, 22, 20, false};
	p = udp4_query(63);
	wrap_pppoe(p, 0x0021);
	wrap_ether(p, 0x8864);
	cases[n++] = (struct link_case){"pppoe", DLT_EN10MB, p, 22, 20, false};
	p = udp4_query(64);
	wrap_mpls(p, 5, true);
	wrap_mpls(p, 6, false);
	wrap_ether(p, 0x8847);
	cases[n++] = (struct link_case){"mpls", DLT_EN10MB, p, 22, 20, true};
	p = udp4_query(65);
	wrap_sll(p, 0x0800);
	cases[n++] = (struct link_case){"sll", DLT_LINUX_SLL, p, 16, 20, false};
	p = udp6_query(66);
	wrap_sll2(p, 0x86dd);
	cases[n++] = (struct link_case){"sll2", DLT_LINUX_SLL2, p, 20, 40, false};
	p = udp4_query(67);
	cases[n++] = (struct link_case){"raw", DLT_RAW, p, 0, 20, false};
	p = udp6_query(68);
	cases[n++] = (struct link_case){"linktype raw", LINKTYPE_RAW, p, 0, 40, false};
	p = udp4_query(69);
	cases[n++] = (struct link_case){"ipv4", DLT_IPV4, p, 0, 20, false};
	p = udp6_query(70);
	cases[n++] = (struct link_case){"ipv6", DLT_IPV6, p, 0, 40, false};
	p = udp4_query(71);
	wrap_null(p, 2);
	cases[n++] = (struct link_case){"null", DLT_NULL, p, 4, 20, false};
	p = udp6_query(72);
	wrap_loop(p, 28);
	cases[n++] = (struct link_case){"loop", DLT_LOOP, p, 4, 40, false};
	p = udp4_query(73);
	wrap_ppp(p, true, 0x0021);
	cases[n++] = (struct link_case){"ppp", DLT_PPP, p, 4, 20, false};
	p = udp6_query(74);
	wrap_ppp(p, false, 0x0057);
	cases[n++] = (struct link_case){"ppp serial", DLT_PPP_SERIAL, p, 2, 40, false};
	return n;
}

static enum capture_result expected_for_length(const struct link_case *lc, size_t len, bool snapped)
{
	if (len == pkt_len(lc->frame))
		return CAPTURE_OK;
	if (len < lc->link_len + (lc->link_needs_ip_byte ? 1 : 0))
		return CAPTURE_LINK_TRUNCATED;
	/* A snapped datagram whose UDP header survived is delivered as kept. */
	if (snapped && len >= lc->link_len + lc->ip_header_len + 8)
		return CAPTURE_OK;
	if (snapped)
		return CAPTURE_SNAPLEN;
	if (len < lc->link_len + lc->ip_header_len)
		return CAPTURE_IP_BAD_HEADER;
	return CAPTURE_IP_BAD_LENGTH;
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	struct link_case cases[32];
	size_t n = build_link_cases(cases);
	struct fixture *f = fixture_new(NULL);
	for (size_t i = 0; i < n; i++) {
		const struct link_case *lc = &cases[i];
		size_t full = pkt_len(lc->frame);
		for (size_t len = 0; len <= full; len++) {
			/* A heap copy of exactly len bytes, so ASan reports any read past it. */
			uint8_t *copy = malloc(len ? len : 1);
			memcpy(copy, pkt_data(lc->frame), len);
			for (int snapped = 0; snapped < 2; snapped++) {
				size_t wirelen = snapped ? full : len;
				size_t before = f->rec.count;
				enum capture_result r = capture_decode(f->d, lc->linktype, copy,
				                                       len, wirelen, 1, 0, len);
				enum capture_result want = expected_for_length(lc, len, snapped);
				if (r != want)
					fail_msg("%s, %zu of %zu bytes, snapped %d: result %d "
					         "(%s), want %d",
					         lc->name, len, full, snapped, r,
					         capture_result_text(r), want);
				assert_int_equal(f->rec.count - before, r == CAPTURE_OK ? 1 : 0);
			}
			free(copy);
		}
		free(lc->frame);
	}
	fixture_free(f);
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* xorshift64*: a fixed sequence, so a failure reproduces. */
static uint64_t rng_next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

struct bounds {
	const uint8_t *frame;
	size_t len;
	size_t out_of_frame;
};

static void check_bounds_fn(const struct capture_message *msg, void *ctx)
{
	struct bounds *b = ctx;
	/* UDP data must lie inside the frame. TCP data may be in decoder buffers. */
	if (msg->transport == 17 &&
	    (msg->data < b->frame || msg->data + msg->len > b->frame + b->len))
		b->out_of_frame++;
	/* Touch every byte so ASan checks the whole range. */
	volatile uint8_t sum = 0;
	for (size_t i = 0; i < msg->len; i++)
		sum += msg->data[i];
	(void)sum;
}

static void test_garbage_frames(void **state)
{
	(void)state;
	static const int linktypes[] = {DLT_EN10MB,   DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
	                                LINKTYPE_RAW, DLT_IPV4,      DLT_IPV6,       DLT_NULL,
	                                DLT_LOOP,     DLT_PPP,       DLT_PPP_SERIAL};
	struct capture_config cfg;
	capture_config_default(&cfg);
	/* Every port is a DNS port, so garbage gets as deep as it can. */
	memset(cfg.dns_ports, 0xff, sizeof(cfg.dns_ports));
	struct bounds b = {0};
	struct capture_decoder *d = capture_decoder_new(&cfg, check_bounds_fn, &b);
	assert_non_null(d);

	struct link_case cases[32];
	size_t ncases = build_link_cases(cases);
	uint64_t number = 0;
	for (size_t t = 0; t < sizeof(linktypes) / sizeof(linktypes[0]); t++) {
		for (size_t len = 0; len < 160; len++) {
			for (int round = 0; round < 40; round++) {
				uint8_t *frame = malloc(len ? len : 1);
				/* Half the rounds start from a valid frame with bytes flipped, so
				 * the decoder gets past the first headers. */
				const struct link_case *lc = &cases[rng_next() % ncases];
				bool mutate = (round & 1) && lc->linktype == linktypes[t];
				for (size_t i = 0; i < len; i++) {
					if (mutate && i < pkt_len(lc->frame))
						frame[i] = pkt_data(lc->frame)[i];
					else
						frame[i] = (uint8_t)rng_next();
					if (mutate && rng_next() % 16 == 0)
						frame[i] = (uint8_t)rng_next();
				}
				b.frame = frame;
				b.len = len;
				number++;
				enum capture_result r = capture_decode(
				        d, linktypes[t], frame, len, len + (round % 3),
				        (int64_t)(number / 50), 0, number);
				assert_true((unsigned)r < CAPTURE_RESULT_COUNT);
				free(frame);
			}
		}
	}
	assert_int_equal(b.out_of_frame, 0);
	capture_decoder_expire(d, INT64_MAX);
	const struct capture_counters *c = capture_decoder_counters(d);
	assert_int_equal(c->frag_bytes, 0);
	assert_int_equal(c->tcp_bytes, 0);
	capture_decoder_free(d);
	for (size_t i = 0; i < ncases; i++)
		free(cases[i].frame);
}

static void test_result_text(void **state)
{
	(void)state;
	for (int r = 0; r < CAPTURE_RESULT_COUNT; r++) {
		const char *text = capture_result_text((enum capture_result)r);
		assert_non_null(text);
		assert_true(strlen(text) > 0);
		for (int other = 0; other < r; other++)
			assert_string_not_equal(text,
			                        capture_result_text((enum capture_result)other));
	}
	assert_non_null(capture_result_text(CAPTURE_RESULT_COUNT));

	assert_false(capture_result_is_error(CAPTURE_OK));
	assert_false(capture_result_is_error(CAPTURE_NOT_IP));
	assert_false(capture_result_is_error(CAPTURE_NOT_DNS));
	assert_true(capture_result_is_error(CAPTURE_SNAPLEN));
	assert_true(capture_result_is_error(CAPTURE_IP_BAD_LENGTH));
	assert_true(capture_result_is_error(CAPTURE_TUNNEL_TOO_DEEP));
}

static void test_config_default(void **state)
{
	(void)state;
	struct capture_config cfg;
	capture_config_default(&cfg);
	assert_int_equal(cfg.dns_ports[53 / 8], 1 << (53 % 8));
	size_t set = 0;
	for (size_t i = 0; i < sizeof(cfg.dns_ports); i++)
		set += (size_t)__builtin_popcount(cfg.dns_ports[i]);
	assert_int_equal(set, 1);
	assert_int_equal(cfg.frag_max_bytes, 16 << 20);
	assert_int_equal(cfg.frag_max_datagrams, 4096);
	assert_int_equal(cfg.frag_timeout, 30);
	assert_int_equal(cfg.tcp_max_flows, 65536);
	assert_int_equal(cfg.tcp_max_bytes, 64 << 20);
	assert_int_equal(cfg.tcp_idle_timeout, 120);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ethernet_udp4_fields),
		cmocka_unit_test(test_ethernet_udp6_fields),
		cmocka_unit_test(test_ethernet_padding_trimmed),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_vlan_depth_limit),
		cmocka_unit_test(test_pppoe_session),
		cmocka_unit_test(test_mpls_stack),
		cmocka_unit_test(test_ethernet_not_ip),
		cmocka_unit_test(test_linux_sll),
		cmocka_unit_test(test_linux_sll2),
		cmocka_unit_test(test_raw_links),
		cmocka_unit_test(test_ipv4_ipv6_links),
		cmocka_unit_test(test_bsd_null_loop),
		cmocka_unit_test(test_ppp_links),
		cmocka_unit_test(test_link_unsupported),
		cmocka_unit_test(test_dns_ports),
		cmocka_unit_test(test_udp_length_field),
		cmocka_unit_test(test_ipv4_header_checks),
		cmocka_unit_test(test_ipv6_extension_headers),
		cmocka_unit_test(test_ipv6_length_checks),
		cmocka_unit_test(test_tcp_header_checks),
		cmocka_unit_test(test_gre_tunnels),
		cmocka_unit_test(test_ip_in_ip),
		cmocka_unit_test(test_tunnel_depth),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_garbage_frames),
		cmocka_unit_test(test_result_text),
		cmocka_unit_test(test_config_default),
	};
	return cmocka_run_group_tests_name("capture_decode", tests, NULL, NULL);
}
