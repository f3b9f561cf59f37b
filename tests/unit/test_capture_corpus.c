/* Tests for the capture decoder on real captures from the shared corpus, read with libpcap. */
#include "capture_frames.h"

#include <stdio.h>
#include <sys/stat.h>

#include <pcap/pcap.h>

static char corpus_pcap[4096]; /* $DRAGNET_CORPUS/pcap */

/* What decoding one capture file produced. */
struct run {
	struct recorder rec;
	uint64_t results[CAPTURE_RESULT_COUNT];
	uint64_t frames;
	int linktype;
	struct capture_counters counters;
};

/* Decode every frame of corpus file name with cfg (NULL for the defaults). The
 * caller frees the result. */
static struct run *run_file_with(const char *name, const struct capture_config *cfg)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", corpus_pcap, name);
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *pcap =
	        pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (pcap == NULL)
		fail_msg("cannot open %s: %s", path, errbuf);

	struct run *run = calloc(1, sizeof(*run));
	assert_non_null(run);
	struct capture_config config;
	if (cfg != NULL)
		config = *cfg;
	else
		capture_config_default(&config);
	struct capture_decoder *d = capture_decoder_new(&config, recorder_fn, &run->rec);
	assert_non_null(d);
	run->linktype = pcap_datalink(pcap);

	struct pcap_pkthdr *header;
	const uint8_t *data;
	while (pcap_next_ex(pcap, &header, &data) == 1) {
		run->frames++;
		enum capture_result r = capture_decode(d, run->linktype, data, header->caplen,
		                                       header->len, header->ts.tv_sec,
		                                       (uint32_t)header->ts.tv_usec, run->frames);
		run->results[r]++;
	}
	pcap_close(pcap);
	run->counters = *capture_decoder_counters(d);
	capture_decoder_free(d);
	return run;
}

static struct run *run_file(const char *name)
{
	return run_file_with(name, NULL);
}

static void run_free(struct run *run)
{
	recorder_clear(&run->rec);
	free(run);
}

static uint16_t message_id(const struct run *run, size_t i)
{
	assert_true(i < run->rec.count);
	assert_true(run->rec.items[i].msg.len >= 2);
	return (uint16_t)(run->rec.items[i].copy[0] << 8 | run->rec.items[i].copy[1]);
}

/* Expected message: the frame that completes it, its DNS id and transport. */
struct expected {
	uint64_t packet_number;
	uint16_t id;
	uint8_t transport;
};

static void assert_messages(const struct run *run, const struct expected *want, size_t n)
{
	assert_int_equal(run->rec.count, n);
	for (size_t i = 0; i < n; i++) {
		const struct capture_message *m = &run->rec.items[i].msg;
		if (m->packet_number != want[i].packet_number || message_id(run, i) != want[i].id ||
		    m->transport != want[i].transport)
			fail_msg("message %zu: frame %llu id 0x%04x transport %u, want frame %llu "
			         "id "
			         "0x%04x transport %u",
			         i, (unsigned long long)m->packet_number, message_id(run, i),
			         m->transport, (unsigned long long)want[i].packet_number,
			         want[i].id, want[i].transport);
	}
}

static void assert_same_messages(const struct run *a, const struct run *b)
{
	assert_int_equal(a->rec.count, b->rec.count);
	for (size_t i = 0; i < a->rec.count; i++) {
		const struct recorded *x = &a->rec.items[i];
		const struct recorded *y = &b->rec.items[i];
		assert_int_equal(x->msg.len, y->msg.len);
		assert_memory_equal(x->copy, y->copy, x->msg.len);
		assert_int_equal(x->msg.sport, y->msg.sport);
		assert_int_equal(x->msg.dport, y->msg.dport);
		assert_memory_equal(x->msg.src, y->msg.src, 16);
	}
}

static void test_dnscap_dns(void **state)
{
	(void)state;
	/* 133 frames: 82 DNS over UDP, 41 ICMP echo requests and replies, 10 ARP
	 * (tshark 4.0.17). */
	struct run *run = run_file("dnscap/dns.pcap");
	assert_int_equal(run->frames, 133);
	assert_int_equal(run->results[CAPTURE_OK], 82);
	assert_int_equal(run->results[CAPTURE_NOT_DNS], 41);
	assert_int_equal(run->results[CAPTURE_NOT_IP], 10);
	assert_int_equal(run->rec.count, 82);
	assert_int_equal(message_id(run, 0), 0xe7af);
	run_free(run);
}

static void test_dnscap_frags_match_dns(void **state)
{
	(void)state;
	/* frags.pcap carries the DNS datagrams of dns.pcap on a raw IPv4 link, every
	 * one of them fragmented. */
	struct run *whole = run_file("dnscap/dns.pcap");
	struct run *frags = run_file("dnscap/frags.pcap");
	assert_int_equal(frags->rec.count, 82);
	assert_same_messages(whole, frags);
	assert_true(frags->counters.frag_reassembled > 0);
	assert_int_equal(frags->counters.frag_bytes, 0);
	assert_int_equal(frags->counters.frag_timed_out, 0);
	run_free(whole);
	run_free(frags);
}

static void test_dnscap_vlan(void **state)
{
	(void)state;
	/* vlan11.pcap is dns.pcap with every frame tagged VLAN 11. */
	struct run *whole = run_file("dnscap/dns.pcap");
	struct run *vlan = run_file("dnscap/vlan11.pcap");
	assert_int_equal(vlan->rec.count, 82);
	assert_same_messages(whole, vlan);
	run_free(whole);
	run_free(vlan);
}

static void test_dnscap_sll2_and_ipv6(void **state)
{
	(void)state;
	struct run *run = run_file("dnscap/sll2.pcap");
	assert_int_equal(run->linktype, 276);
	static const struct expected sll2[] = {{1, 0x5139, 17}, {2, 0x5139, 17}};
	assert_messages(run, sll2, 2);
	assert_int_equal(run->rec.items[1].msg.len, 740 - 8);
	assert_int_equal(run->rec.items[0].msg.ts_sec, 1741351492);
	assert_int_equal(run->rec.items[0].msg.ts_nsec, 219938000);
	run_free(run);

	run = run_file("dnscap/dns6.pcap");
	static const struct expected dns6[] = {{1, 0xc8dc, 17}, {2, 0xc8dc, 17}};
	assert_messages(run, dns6, 2);
	assert_int_equal(run->rec.items[0].msg.family, 6);
	assert_int_equal(run->rec.items[0].msg.sport, 51972);
	run_free(run);
}

static void test_dnscap_tcp_counts(void **state)
{
	(void)state;
	/* The counts come from dnscap's test8.gold, where every decoded message has
	 * an entry with a "dns" line. dnsotcp-many1pkt.pcap has three queries in one
	 * segment and a response, and dnsotcp-manyopkts.pcap one query and then two.
	 * tshark 4.0.17 shows the same messages in frames 4 and 6 of each file. */
	struct run *run = run_file("dnscap/dnsotcp-many1pkt.pcap");
	static const struct expected many1[] = {
	        {4, 0xe7af, 6}, {4, 0xe7af, 6}, {4, 0xe7af, 6}, {6, 0x12cf, 6}};
	assert_messages(run, many1, 4);
	assert_int_equal(run->counters.tcp_bytes, 0);
	run_free(run);

	run = run_file("dnscap/dnsotcp-manyopkts.pcap");
	static const struct expected manyo[] = {{4, 0xe7af, 6}, {6, 0xe7af, 6}, {6, 0xe7af, 6}};
	assert_messages(run, manyo, 3);
	run_free(run);
}

static void test_go_dnscollector(void **state)
{
	(void)state;
	/* Frames and ids checked against tshark 4.0.17 (-Y dns -e frame.number -e dns.id). */
	struct run *run = run_file("go-dnscollector/dnsdump_ip4_fragmented+udp.pcap");
	static const struct expected frag[] = {{1, 0xd43f, 17}, {3, 0xd43f, 17}};
	assert_messages(run, frag, 2);
	assert_int_equal(run->rec.items[1].msg.len, 1710 - 8);
	assert_int_equal(run->rec.items[1].msg.ts_sec, 1558968008);
	assert_int_equal(run->rec.items[1].msg.ts_nsec, 21729000);
	assert_int_equal(run->counters.frag_reassembled, 1);
	run_free(run);

	run = run_file("go-dnscollector/dnsdump_tcp_fastopen.pcap");
	static const struct expected tfo[] = {{1, 0xf443, 6},  {4, 0xf443, 6},  {9, 0xa589, 6},
	                                      {12, 0xa589, 6}, {17, 0x0880, 6}, {20, 0x0880, 6},
	                                      {25, 0x5b25, 6}, {28, 0x5b25, 6}};
	assert_messages(run, tfo, 8);
	assert_int_equal(run->counters.tcp_bytes, 0);
	run_free(run);

	run = run_file("go-dnscollector/dnsdump_udp+tcp.pcap");
	static const struct expected mixed[] = {
	        {1, 0x5ca9, 17}, {2, 0x5ca9, 17}, {6, 0x1964, 6}, {8, 0x1964, 6}};
	assert_messages(run, mixed, 4);
	run_free(run);

	/* A truncated UDP response, then the response again over TCP in 4344-byte
	 * segments with retransmissions. The 32827-byte message completes in frame 19. */
	run = run_file("go-dnscollector/dnsdump_udp_truncated+tcp_fragmented.pcap");
	static const struct expected big[] = {
	        {1, 0xc06b, 17}, {2, 0xc06b, 17}, {6, 0xd2e3, 6}, {19, 0xd2e3, 6}};
	assert_messages(run, big, 4);
	assert_int_equal(run->rec.items[3].msg.len, 32827);
	assert_true(run->counters.tcp_retransmits >= 2);
	assert_int_equal(run->counters.tcp_gaps, 0);
	run_free(run);
}

static void test_tcpdump_link_checks(void **state)
{
	(void)state;
	/* Raw IPv4 and IPv6 link types carrying the wrong IP version. */
	struct run *run = run_file("tcpdump/LINKTYPE_IPV4_invalid.pcap");
	assert_int_equal(run->linktype, 228);
	assert_int_equal(run->results[CAPTURE_IP_BAD_VERSION], 1);
	run_free(run);
	run = run_file("tcpdump/LINKTYPE_IPV6_invalid.pcap");
	assert_int_equal(run->linktype, 229);
	assert_int_equal(run->results[CAPTURE_IP_BAD_VERSION], 1);
	run_free(run);

	run = run_file("tcpdump/LINKTYPE_RAW_ipv4.pcap");
	static const struct expected raw4[] = {{1, 0x1234, 17}};
	assert_messages(run, raw4, 1);
	run_free(run);
	run = run_file("tcpdump/LINKTYPE_RAW_ipv6.pcap");
	static const struct expected raw6[] = {{1, 0x1234, 17}};
	assert_messages(run, raw6, 1);
	run_free(run);

	/* Total and payload lengths one byte longer than the frame. */
	run = run_file("tcpdump/ipv4_invalid_total_length.pcap");
	assert_int_equal(run->results[CAPTURE_IP_BAD_LENGTH], 1);
	run_free(run);
	run = run_file("tcpdump/ipv6_invalid_length_2.pcap");
	assert_int_equal(run->results[CAPTURE_IP_BAD_LENGTH], 1);
	run_free(run);

	/* A malformed PPP frame, whose control byte 0x5f after address 0xff means no datagram. */
	run = run_file("tcpdump/ppp_ip_udp_dns.pcap");
	assert_int_equal(run->results[CAPTURE_NOT_IP], 1);
	run_free(run);
}

static void test_zeek_gre(void **state)
{
	(void)state;
	/* GRE-encapsulated traffic with two DNS queries. Frames 34 and 36 are ICMP
	 * errors quoting them (tshark 4.0.17). */
	struct run *run = run_file("zeek/tunnels_gre-sample.pcap");
	static const struct expected gre[] = {{33, 0xbdaa, 17}, {35, 0xbdaa, 17}};
	assert_messages(run, gre, 2);
	static const uint8_t inner_src[4] = {66, 59, 111, 190};
	assert_memory_equal(run->rec.items[0].msg.src, inner_src, 4);
	assert_int_equal(run->rec.items[0].msg.sport, 37675);
	run_free(run);
}

static void test_pktvisor(void **state)
{
	(void)state;
	/* Message counts from pktvisor's EXPECTED.txt beside the captures, whose UDP
	 * captures use port 53000. */
	struct capture_config cfg;
	capture_config_default(&cfg);
	capture_config_add_port(&cfg, 53000);
	struct run *run = run_file_with("pktvisor/dns_ipv4_udp.pcap", &cfg);
	assert_int_equal(run->rec.count, 140);
	assert_int_equal(run->rec.items[0].msg.ts_sec, 1567706414);
	run_free(run);
	run = run_file_with("pktvisor/dns_ipv6_udp.pcap", &cfg);
	assert_int_equal(run->rec.count, 140);
	assert_int_equal(run->rec.items[0].msg.family, 6);
	run_free(run);

	/* tshark 4.0.17 shows 39 DNS messages over UDP and 4 over TCP. pktvisor counts
	 * 32 UDP events because it skips the 7 responses that arrive in fragments. */
	run = run_file("pktvisor/ecs.pcap");
	assert_int_equal(run->counters.messages_udp, 39);
	assert_int_equal(run->counters.messages_tcp, 4);
	assert_int_equal(run->counters.frag_reassembled, 7);
	run_free(run);
}

int main(void)
{
	const char *corpus = getenv("DRAGNET_CORPUS");
	struct stat st;
	if (corpus == NULL || corpus[0] == '\0') {
		fprintf(stderr, "test_capture_corpus: skipped: DRAGNET_CORPUS is not set; "
		                "set it to the shared corpus folder to run these tests\n");
		return 77;
	}
	snprintf(corpus_pcap, sizeof(corpus_pcap), "%s/pcap", corpus);
	if (stat(corpus_pcap, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "test_capture_corpus: skipped: %s is missing\n", corpus_pcap);
		return 77;
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dnscap_dns),
		cmocka_unit_test(test_dnscap_frags_match_dns),
		cmocka_unit_test(test_dnscap_vlan),
		cmocka_unit_test(test_dnscap_sll2_and_ipv6),
		cmocka_unit_test(test_dnscap_tcp_counts),
		cmocka_unit_test(test_go_dnscollector),
		cmocka_unit_test(test_tcpdump_link_checks),
		cmocka_unit_test(test_zeek_gre),
		cmocka_unit_test(test_pktvisor),
	};
	return cmocka_run_group_tests_name("capture_corpus", tests, NULL, NULL);
}
