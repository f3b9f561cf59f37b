/* Tests for dns_parse() and dns_parse_question() on hand-built messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns/message.h"
#include "dns_wire_build.h"

/* Presentation form of a valid wire name, for readable assertion output. */
static void name_text(const uint8_t *wire, size_t len, char *out, size_t size)
{
	size_t pos = 0, o = 0;
	if (len == 1 && wire[0] == 0) {
		snprintf(out, size, ".");
		return;
	}
	while (pos < len && wire[pos] != 0 && o + 70 < size) {
		uint8_t n = wire[pos++];
		if (n > 63 || pos + n > len) {
			snprintf(out, size, "<invalid>");
			return;
		}
		memcpy(out + o, wire + pos, n);
		o += n;
		out[o++] = '.';
		pos += n;
	}
	out[o] = '\0';
}

static void assert_name(const uint8_t *got, size_t got_len, const char *expected)
{
	uint8_t want[256];
	size_t want_len = name_wire(expected, want);
	char text[1100];
	assert_non_null(got);
	char dotted[300];
	size_t n = strlen(expected);
	snprintf(dotted, sizeof(dotted), "%s%s", expected,
	         n > 0 && expected[n - 1] == '.' ? "" : ".");
	name_text(got, got_len, text, sizeof(text));
	assert_string_equal(text, dotted);
	assert_int_equal(got_len, want_len);
	assert_memory_equal(got, want, want_len);
}

static void assert_rdata_name(const struct dns_rr *rr, const char *expected)
{
	assert_name(rr->rdata, rr->rdlen, expected);
}

struct fixture {
	struct dns_parser *parser;
	struct dns_message msg;
	struct wire w;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	f->parser = dns_parser_new();
	assert_non_null(f->parser);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dns_parser_free(f->parser);
	free(f);
	return 0;
}

/* Where each record of the reference response ends, for the truncation test. */
struct rr_end {
	int section;
	size_t end;
};

struct reference {
	size_t question_end;
	size_t rr_count;
	struct rr_end rr[8];
};

static void mark_rr(struct reference *ref, int section, const struct wire *w)
{
	ref->rr[ref->rr_count].section = section;
	ref->rr[ref->rr_count].end = w->len;
	ref->rr_count++;
}

/* www.example.com A: a CNAME to web.example.com and its address, the zone's
 * NS in authority and the server's address in additional. The question is in
 * mixed case and every later name is compressed, including inside rdata. */
static void build_reference(struct wire *w, struct reference *ref)
{
	static const uint8_t addr_web[4] = {192, 0, 2, 1};
	static const uint8_t addr_ns[4] = {192, 0, 2, 53};
	memset(ref, 0, sizeof(*ref));

	w_header(w, 0xbeef, F_QR | F_AA | F_RD | F_RA, 1, 2, 1, 1);
	size_t qname = w_labels(w, "WWW.Example.COM");
	w_root(w);
	size_t zone = qname + 4; /* "Example.COM" follows the 4-byte "WWW" label */
	w_u16(w, T_A);
	w_u16(w, C_IN);
	ref->question_end = w->len;

	w_pointer(w, qname);
	size_t at = w_rr_begin(w, T_CNAME, C_IN, 300);
	size_t web = w_labels(w, "Web");
	w_pointer(w, zone);
	w_rr_end(w, at);
	mark_rr(ref, DNS_ANSWER, w);

	w_pointer(w, web);
	at = w_rr_begin(w, T_A, C_IN, 300);
	w_bytes(w, addr_web, 4);
	w_rr_end(w, at);
	mark_rr(ref, DNS_ANSWER, w);

	w_pointer(w, zone);
	at = w_rr_begin(w, T_NS, C_IN, 3600);
	size_t ns1 = w_labels(w, "NS1");
	w_pointer(w, zone);
	w_rr_end(w, at);
	mark_rr(ref, DNS_AUTHORITY, w);

	w_pointer(w, ns1);
	at = w_rr_begin(w, T_A, C_IN, 3600);
	w_bytes(w, addr_ns, 4);
	w_rr_end(w, at);
	mark_rr(ref, DNS_ADDITIONAL, w);
}

/* The records of the reference response in order, as dns_parse() must
 * return them. */
static void assert_reference_rr(const struct dns_rr *rr, int section, size_t index)
{
	static const uint8_t addr_web[4] = {192, 0, 2, 1};
	static const uint8_t addr_ns[4] = {192, 0, 2, 53};
	assert_int_equal(rr->rclass, C_IN);

	if (section == DNS_ANSWER && index == 0) {
		assert_name(rr->owner, rr->owner_len, "www.example.com");
		assert_int_equal(rr->type, T_CNAME);
		assert_int_equal(rr->ttl, 300);
		assert_rdata_name(rr, "web.example.com");
	} else if (section == DNS_ANSWER && index == 1) {
		assert_name(rr->owner, rr->owner_len, "web.example.com");
		assert_int_equal(rr->type, T_A);
		assert_int_equal(rr->ttl, 300);
		assert_int_equal(rr->rdlen, 4);
		assert_memory_equal(rr->rdata, addr_web, 4);
	} else if (section == DNS_AUTHORITY && index == 0) {
		assert_name(rr->owner, rr->owner_len, "example.com");
		assert_int_equal(rr->type, T_NS);
		assert_int_equal(rr->ttl, 3600);
		assert_rdata_name(rr, "ns1.example.com");
	} else if (section == DNS_ADDITIONAL && index == 0) {
		assert_name(rr->owner, rr->owner_len, "ns1.example.com");
		assert_int_equal(rr->type, T_A);
		assert_int_equal(rr->ttl, 3600);
		assert_int_equal(rr->rdlen, 4);
		assert_memory_equal(rr->rdata, addr_ns, 4);
	} else {
		fail_msg("unexpected record %zu in section %d", index, section);
	}
}

static void test_response_compressed(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	build_reference(&f->w, &ref);

	assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_OK);
	const struct dns_message *m = &f->msg;
	assert_int_equal(m->id, 0xbeef);
	assert_true(m->qr);
	assert_int_equal(m->opcode, 0);
	assert_true(m->aa);
	assert_false(m->tc);
	assert_true(m->rd);
	assert_true(m->ra);
	assert_false(m->ad);
	assert_false(m->cd);
	assert_int_equal(m->rcode, 0);
	assert_false(m->has_edns);
	assert_int_equal(m->qdcount, 1);
	assert_int_equal(m->ancount, 2);
	assert_int_equal(m->nscount, 1);
	assert_int_equal(m->arcount, 1);

	assert_true(m->has_question);
	assert_name(m->qname, m->qname_len, "www.example.com");
	assert_int_equal(m->qtype, T_A);
	assert_int_equal(m->qclass, C_IN);

	assert_int_equal(m->count[DNS_ANSWER], 2);
	assert_int_equal(m->count[DNS_AUTHORITY], 1);
	assert_int_equal(m->count[DNS_ADDITIONAL], 1);
	for (int s = 0; s < DNS_SECTION_COUNT; s++) {
		assert_true(m->complete[s]);
		for (size_t i = 0; i < m->count[s]; i++)
			assert_reference_rr(&m->rr[s][i], s, i);
	}
	assert_true(dns_wire_is_response(f->w.buf, f->w.len));
}

/* Every header bit in its own position (RFC 1035 section 4.1.1), with the
 * reserved Z bit set as well so that it cannot shift its neighbours. */
static void test_header_flags(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	w_header(w, 0x0102, F_QR | F_OPCODE(2) | F_TC | F_Z | F_AD | 5, 1, 0, 0, 0);
	w_question(w, "example.org", T_TXT, C_CH);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.id, 0x0102);
	assert_true(f->msg.qr);
	assert_int_equal(f->msg.opcode, 2);
	assert_false(f->msg.aa);
	assert_true(f->msg.tc);
	assert_false(f->msg.rd);
	assert_false(f->msg.ra);
	assert_true(f->msg.ad);
	assert_false(f->msg.cd);
	assert_int_equal(f->msg.rcode, 5);
	assert_int_equal(f->msg.qtype, T_TXT);
	assert_int_equal(f->msg.qclass, C_CH);

	w_header(w, 0xffff, F_OPCODE(15) | F_AA | F_RD | F_RA | F_CD | 15, 1, 0, 0, 0);
	w_question(w, "example.org", T_A, C_IN);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.id, 0xffff);
	assert_false(f->msg.qr);
	assert_int_equal(f->msg.opcode, 15);
	assert_true(f->msg.aa);
	assert_false(f->msg.tc);
	assert_true(f->msg.rd);
	assert_true(f->msg.ra);
	assert_false(f->msg.ad);
	assert_true(f->msg.cd);
	assert_int_equal(f->msg.rcode, 15);
	assert_false(dns_wire_is_response(w->buf, w->len));
}

static void test_no_question(void **state)
{
	struct fixture *f = *state;
	static const uint8_t addr[4] = {198, 51, 100, 7};
	struct wire *w = &f->w;

	w_header(w, 7, F_QR | F_AA, 0, 1, 0, 0);
	w_rr(w, "printer.local", T_A, C_IN, 120, addr, 4);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_false(f->msg.has_question);
	assert_int_equal(f->msg.qdcount, 0);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	assert_name(f->msg.rr[DNS_ANSWER][0].owner, f->msg.rr[DNS_ANSWER][0].owner_len,
	            "printer.local");
}

/* Names inside rdata come back lower-cased whatever the type, compressed or
 * not: MX and NS may be compressed (RFC 1035 section 3.3), SRV, HTTPS and
 * NSEC names never are (RFC 2782, RFC 9460 section 2.2, RFC 4034). */
static void test_rdata_names_lowered(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	w_header(w, 1, F_QR, 1, 7, 0, 0);
	size_t qname = w_labels(w, "Example.NET");
	w_root(w);
	w_u16(w, T_ANY);
	w_u16(w, C_IN);

	w_pointer(w, qname);
	size_t at = w_rr_begin(w, T_MX, C_IN, 60);
	w_u16(w, 10);
	w_labels(w, "MAIL");
	w_pointer(w, qname);
	w_rr_end(w, at);

	w_pointer(w, qname);
	at = w_rr_begin(w, T_NS, C_IN, 60);
	w_name(w, "NS.Example.NET");
	w_rr_end(w, at);

	w_pointer(w, qname);
	at = w_rr_begin(w, T_SOA, C_IN, 60);
	w_labels(w, "NS");
	w_pointer(w, qname);
	w_labels(w, "HostMaster");
	w_pointer(w, qname);
	w_u32(w, 1);
	w_u32(w, 2);
	w_u32(w, 3);
	w_u32(w, 4);
	w_u32(w, 5);
	w_rr_end(w, at);

	w_name(w, "_SIP._UDP.Example.NET");
	at = w_rr_begin(w, T_SRV, C_IN, 60);
	w_u16(w, 1);
	w_u16(w, 2);
	w_u16(w, 5060);
	w_name(w, "SIP.Example.NET");
	w_rr_end(w, at);

	w_pointer(w, qname);
	at = w_rr_begin(w, T_HTTPS, C_IN, 60);
	w_u16(w, 1);
	w_name(w, "CDN.Example.NET");
	w_rr_end(w, at);

	w_name(w, "7.100.51.198.IN-ADDR.ARPA");
	at = w_rr_begin(w, T_PTR, C_IN, 60);
	w_labels(w, "Printer");
	w_pointer(w, qname);
	w_rr_end(w, at);

	/* NSEC next name with an A/RRSIG/NSEC bitmap (RFC 4034 section 4.1). */
	w_pointer(w, qname);
	at = w_rr_begin(w, T_NSEC, C_IN, 60);
	w_name(w, "Next.Example.NET");
	static const uint8_t bitmap[] = {0, 6, 0x40, 0, 0, 0, 0, 0x03};
	w_bytes(w, bitmap, sizeof(bitmap));
	w_rr_end(w, at);

	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.count[DNS_ANSWER], 7);
	const struct dns_rr *rr = f->msg.rr[DNS_ANSWER];

	uint8_t want[300];
	size_t n;

	assert_name(rr[0].owner, rr[0].owner_len, "example.net");
	want[0] = 0;
	want[1] = 10;
	n = 2 + name_wire("mail.example.net", want + 2);
	assert_int_equal(rr[0].rdlen, n);
	assert_memory_equal(rr[0].rdata, want, n);

	assert_rdata_name(&rr[1], "ns.example.net");

	n = name_wire("ns.example.net", want);
	n += name_wire("hostmaster.example.net", want + n);
	for (uint8_t i = 1; i <= 5; i++) {
		const uint8_t field[4] = {0, 0, 0, i};
		memcpy(want + n, field, 4);
		n += 4;
	}
	assert_int_equal(rr[2].rdlen, n);
	assert_memory_equal(rr[2].rdata, want, n);

	assert_name(rr[3].owner, rr[3].owner_len, "_sip._udp.example.net");
	const uint8_t srv_head[6] = {0, 1, 0, 2, 0x13, 0xc4};
	memcpy(want, srv_head, 6);
	n = 6 + name_wire("sip.example.net", want + 6);
	assert_int_equal(rr[3].rdlen, n);
	assert_memory_equal(rr[3].rdata, want, n);

	want[0] = 0;
	want[1] = 1;
	n = 2 + name_wire("cdn.example.net", want + 2);
	assert_int_equal(rr[4].rdlen, n);
	assert_memory_equal(rr[4].rdata, want, n);

	assert_name(rr[5].owner, rr[5].owner_len, "7.100.51.198.in-addr.arpa");
	assert_rdata_name(&rr[5], "printer.example.net");

	n = name_wire("next.example.net", want);
	memcpy(want + n, bitmap, sizeof(bitmap));
	n += sizeof(bitmap);
	assert_int_equal(rr[6].rdlen, n);
	assert_memory_equal(rr[6].rdata, want, n);
}

/* Extended rcode = OPT TTL byte 0 << 4 | header rcode (RFC 6891 section
 * 6.1.3): BADVERS is 16 (RFC 6891), BADCOOKIE 23 (RFC 7873). */
static void test_edns_extended_rcode(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	w_header(w, 2, F_QR, 1, 0, 0, 1);
	w_question(w, "example.com", T_A, C_IN);
	w_opt(w, 1232, 1);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_true(f->msg.has_edns);
	assert_int_equal(f->msg.rcode, 16);

	w_header(w, 3, F_QR | 7, 1, 0, 0, 1);
	w_question(w, "example.com", T_A, C_IN);
	w_opt(w, 1232, 1);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_true(f->msg.has_edns);
	assert_int_equal(f->msg.rcode, 23);

	/* The same header without OPT keeps its 4-bit rcode (YXRRSET). */
	w_header(w, 4, F_QR | 7, 1, 0, 0, 0);
	w_question(w, "example.com", T_A, C_IN);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_false(f->msg.has_edns);
	assert_int_equal(f->msg.rcode, 7);

	/* OPT with extended rcode 0 leaves NXDOMAIN alone. */
	w_header(w, 5, F_QR | 3, 1, 0, 0, 1);
	w_question(w, "example.com", T_A, C_IN);
	w_opt(w, 4096, 0);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_true(f->msg.has_edns);
	assert_int_equal(f->msg.rcode, 3);
}

static void test_trailing_bytes(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	build_reference(&f->w, &ref);
	w_u8(&f->w, 0xde);
	w_u8(&f->w, 0xad);
	w_u8(&f->w, 0x00);

	assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_TRAILING);
	assert_true(dns_parse_usable(DNS_PARSE_TRAILING));
	assert_int_equal(f->msg.count[DNS_ANSWER], 2);
	assert_int_equal(f->msg.count[DNS_AUTHORITY], 1);
	assert_int_equal(f->msg.count[DNS_ADDITIONAL], 1);
	for (int s = 0; s < DNS_SECTION_COUNT; s++) {
		assert_true(f->msg.complete[s]);
		for (size_t i = 0; i < f->msg.count[s]; i++)
			assert_reference_rr(&f->msg.rr[s][i], s, i);
	}
}

static void test_answer_count_too_large(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	build_reference(&f->w, &ref);
	/* Claim a third answer: the NS record is read as that answer, and then
	 * the additional A as the authority record, and then the message ends. */
	f->w.buf[7] = 3;

	assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_PARTIAL);
	assert_int_equal(f->msg.ancount, 3);
	assert_int_equal(f->msg.count[DNS_ANSWER], 3);
	assert_true(f->msg.complete[DNS_ANSWER]);
	assert_int_equal(f->msg.count[DNS_AUTHORITY], 1);
	assert_true(f->msg.complete[DNS_AUTHORITY]);
	assert_int_equal(f->msg.count[DNS_ADDITIONAL], 0);
	assert_false(f->msg.complete[DNS_ADDITIONAL]);

	/* Now the answer section itself runs out: only the two real answers
	 * exist and nothing follows them. */
	struct wire *w = &f->w;
	static const uint8_t addr[4] = {192, 0, 2, 9};
	w_header(w, 9, F_QR, 1, 3, 1, 0);
	w_question(w, "example.com", T_A, C_IN);
	w_rr(w, "example.com", T_A, C_IN, 60, addr, 4);
	w_rr(w, "example.com", T_A, C_IN, 60, addr, 4);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_PARTIAL);
	assert_true(dns_parse_usable(DNS_PARSE_PARTIAL));
	assert_true(f->msg.has_question);
	assert_int_equal(f->msg.count[DNS_ANSWER], 2);
	assert_false(f->msg.complete[DNS_ANSWER]);
	assert_int_equal(f->msg.count[DNS_AUTHORITY], 0);
	assert_false(f->msg.complete[DNS_AUTHORITY]);
	assert_int_equal(f->msg.count[DNS_ADDITIONAL], 0);
	assert_false(f->msg.complete[DNS_ADDITIONAL]);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(f->msg.rr[DNS_ANSWER][i].type, T_A);
		assert_memory_equal(f->msg.rr[DNS_ANSWER][i].rdata, addr, 4);
	}
}

/* Parse a response with a good first answer and a second A answer whose
 * owner write_owner() writes, so that the record before the damage can be
 * checked. */
static enum dns_parse_result parse_with_bad_second_owner(struct fixture *f,
                                                         void (*write_owner)(struct wire *))
{
	static const uint8_t addr[4] = {192, 0, 2, 1};
	struct wire *w = &f->w;
	w_header(w, 10, F_QR, 1, 2, 0, 0);
	w_question(w, "example.com", T_A, C_IN);
	w_rr(w, "example.com", T_A, C_IN, 60, addr, 4);
	write_owner(w);
	size_t at = w_rr_begin(w, T_A, C_IN, 60);
	w_bytes(w, addr, 4);
	w_rr_end(w, at);
	return dns_parse(f->parser, w->buf, w->len, &f->msg);
}

static void assert_damaged_second_answer(struct fixture *f, enum dns_parse_result result)
{
	assert_int_equal(result, DNS_PARSE_PARTIAL);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	assert_name(f->msg.rr[DNS_ANSWER][0].owner, f->msg.rr[DNS_ANSWER][0].owner_len,
	            "example.com");
	for (int s = 0; s < DNS_SECTION_COUNT; s++)
		assert_false(f->msg.complete[s]);
}

static void owner_pointer_to_itself(struct wire *w)
{
	w_pointer(w, w->len);
}

static void owner_label_then_pointer_back(struct wire *w)
{
	/* "a" followed by a pointer to that same label: a.a.a.a... forever. */
	size_t start = w->len;
	w_labels(w, "a");
	w_pointer(w, start);
}

static void owner_two_pointer_cycle(struct wire *w)
{
	/* Pointer at X to X+2, and at X+2 a pointer back to X. */
	size_t start = w->len;
	w_pointer(w, start + 2);
	w_pointer(w, start);
}

static void owner_forward_pointer(struct wire *w)
{
	/* Points forward to this record's rdata (RFC 1035 section 4.1.4 allows
	 * only prior occurrences). The rdata 192.0.2.1 starts with 0xc0 0x00,
	 * a backward pointer to offset 0, where the ID's high byte 0 is a root
	 * label: only the direction of the first pointer is wrong. */
	w_pointer(w, w->len + 2 + 10);
}

static void owner_label_64(struct wire *w)
{
	w_u8(w, 64);
	for (int i = 0; i < 64; i++)
		w_u8(w, 'a');
	w_root(w);
}

static void owner_label_type_10(struct wire *w)
{
	/* Top bits 10 are reserved (RFC 1035 section 4.1.4). */
	w_u8(w, 0x80);
	w_u8(w, 'a');
	w_root(w);
}

static void owner_name_306_bytes(struct wire *w)
{
	for (int l = 0; l < 5; l++) {
		w_u8(w, 60);
		for (int i = 0; i < 60; i++)
			w_u8(w, 'a' + l);
	}
	w_root(w);
}

static void owner_pointer_past_end(struct wire *w)
{
	w_pointer(w, 0x3fff);
}

static void test_pointer_loops(void **state)
{
	struct fixture *f = *state;
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_pointer_to_itself));
	assert_damaged_second_answer(f,
	                             parse_with_bad_second_owner(f, owner_label_then_pointer_back));
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_two_pointer_cycle));
}

static void test_forward_pointer(void **state)
{
	struct fixture *f = *state;
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_forward_pointer));
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_pointer_past_end));
}

static void test_bad_labels(void **state)
{
	struct fixture *f = *state;
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_label_64));
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_label_type_10));
	assert_damaged_second_answer(f, parse_with_bad_second_owner(f, owner_name_306_bytes));
}

/* A 205-byte question name, then owners that append labels to it through a
 * pointer: 50 more bytes make exactly 255 (the RFC 1035 section 3.1 limit),
 * 51 more make 256. */
static void build_long_pointer_owner(struct wire *w, size_t label_len)
{
	char label[64];
	char qname[256];
	memset(label, 'q', 50);
	label[50] = '\0';
	snprintf(qname, sizeof(qname), "%s.%s.%s.%s", label, label, label, label);

	w_header(w, 11, F_QR, 1, 1, 0, 0);
	size_t q = w_name(w, qname);
	w_u16(w, T_A);
	w_u16(w, C_IN);
	memset(label, 'p', label_len);
	label[label_len] = '\0';
	w_labels(w, label);
	w_pointer(w, q);
	static const uint8_t addr[4] = {192, 0, 2, 1};
	size_t at = w_rr_begin(w, T_A, C_IN, 60);
	w_bytes(w, addr, 4);
	w_rr_end(w, at);
}

static void test_name_length_via_pointer(void **state)
{
	struct fixture *f = *state;

	build_long_pointer_owner(&f->w, 49);
	assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.qname_len, 205);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	assert_int_equal(f->msg.rr[DNS_ANSWER][0].owner_len, 255);

	build_long_pointer_owner(&f->w, 50);
	assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_PARTIAL);
	assert_int_equal(f->msg.count[DNS_ANSWER], 0);
	assert_false(f->msg.complete[DNS_ANSWER]);
}

static void test_bad_question(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	w_header(w, 12, F_QR, 2, 0, 0, 0);
	w_question(w, "example.com", T_A, C_IN);
	w_question(w, "example.net", T_A, C_IN);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_BAD_QUESTION);
	assert_false(dns_parse_usable(DNS_PARSE_BAD_QUESTION));
	assert_int_equal(dns_parse_question(f->parser, w->buf, w->len, &f->msg),
	                 DNS_PARSE_BAD_QUESTION);

	w_header(w, 13, F_QR, 1, 0, 0, 0);
	w_u8(w, 64);
	for (int i = 0; i < 64; i++)
		w_u8(w, 'x');
	w_root(w);
	w_u16(w, T_A);
	w_u16(w, C_IN);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_BAD_QUESTION);

	/* QTYPE and QCLASS cut off. */
	w_header(w, 14, F_QR, 1, 0, 0, 0);
	w_name(w, "example.com");
	w_u16(w, T_A);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_BAD_QUESTION);

	/* A question name that points at itself. */
	w_header(w, 15, F_QR, 1, 0, 0, 0);
	w_pointer(w, 12);
	w_u16(w, T_A);
	w_u16(w, C_IN);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_BAD_QUESTION);
}

static void test_short_messages(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	build_reference(&f->w, &ref);

	assert_int_equal(dns_parse(f->parser, f->w.buf, 0, &f->msg), DNS_PARSE_SHORT);
	assert_int_equal(dns_parse(f->parser, f->w.buf, 11, &f->msg), DNS_PARSE_SHORT);
	assert_int_equal(dns_parse_question(f->parser, f->w.buf, 11, &f->msg), DNS_PARSE_SHORT);
	assert_false(dns_parse_usable(DNS_PARSE_SHORT));
	assert_false(dns_wire_is_response(f->w.buf, 11));
	assert_false(dns_wire_is_response(f->w.buf, 0));

	/* A bare header with every count zero is a complete message. */
	w_header(&f->w, 16, F_QR | 2, 0, 0, 0, 0);
	assert_int_equal(dns_parse(f->parser, f->w.buf, 12, &f->msg), DNS_PARSE_OK);
	assert_false(f->msg.has_question);
	assert_int_equal(f->msg.rcode, 2);
}

/* Cut the reference response at every length: what was read in full must come
 * back, and the result must say where it stopped. With missing_additional > 0
 * the header claims that many more additional records than the message has,
 * so that at most lengths the counts promise more records than 11 bytes each
 * could fit, as in a response cut by a capture's snapshot length. */
static void check_every_truncation(struct fixture *f, uint16_t missing_additional)
{
	struct reference ref;
	build_reference(&f->w, &ref);
	f->w.buf[11] = (uint8_t)(f->w.buf[11] + missing_additional);
	size_t full = f->w.len;

	for (size_t len = 0; len <= full; len++) {
		/* A private copy, so that reads past len reach unmapped or
		 * poisoned memory under the sanitizer build. */
		uint8_t *copy = malloc(len > 0 ? len : 1);
		assert_non_null(copy);
		memcpy(copy, f->w.buf, len);
		enum dns_parse_result result = dns_parse(f->parser, copy, len, &f->msg);

		if (len < 12) {
			assert_int_equal(result, DNS_PARSE_SHORT);
			free(copy);
			continue;
		}
		assert_int_equal(f->msg.id, 0xbeef);
		assert_int_equal(f->msg.ancount, 2);
		assert_int_equal(f->msg.arcount, 1 + missing_additional);
		if (len < ref.question_end) {
			assert_int_equal(result, DNS_PARSE_BAD_QUESTION);
			free(copy);
			continue;
		}
		assert_true(f->msg.has_question);
		assert_name(f->msg.qname, f->msg.qname_len, "www.example.com");
		bool whole = len == full && missing_additional == 0;
		assert_int_equal(result, whole ? DNS_PARSE_OK : DNS_PARSE_PARTIAL);

		/* The first record that does not fit marks the damaged section. */
		int damaged = missing_additional > 0 ? DNS_ADDITIONAL : DNS_SECTION_COUNT;
		size_t expected[DNS_SECTION_COUNT] = {0, 0, 0};
		for (size_t i = 0; i < ref.rr_count; i++) {
			if (ref.rr[i].end > len) {
				damaged = ref.rr[i].section;
				break;
			}
			expected[ref.rr[i].section]++;
		}
		for (int s = 0; s < DNS_SECTION_COUNT; s++) {
			assert_int_equal(f->msg.count[s], expected[s]);
			assert_int_equal(f->msg.complete[s], s < damaged);
			for (size_t i = 0; i < f->msg.count[s]; i++)
				assert_reference_rr(&f->msg.rr[s][i], s, i);
		}
		free(copy);
	}
}

static void test_every_truncation(void **state)
{
	check_every_truncation(*state, 0);
}

static void test_every_truncation_high_counts(void **state)
{
	check_every_truncation(*state, 20);
}

/* A response as a 98-byte snapshot length leaves it: the header promises
 * 2 + 2 + 5 records, the first answer is whole, the second is cut in its
 * TTL. The whole answer must survive. */
static void test_snaplen_cut(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;
	static const uint8_t addr[4] = {192, 0, 2, 66};

	w_header(w, 0x5934, F_QR | F_AA | F_RD, 1, 2, 2, 5);
	size_t q = w_name(w, "www.example.org");
	w_u16(w, T_A);
	w_u16(w, C_IN);
	w_pointer(w, q);
	size_t at = w_rr_begin(w, T_A, C_IN, 60);
	w_bytes(w, addr, 4);
	w_rr_end(w, at);
	w_pointer(w, q);
	w_u16(w, T_A);
	w_u16(w, C_IN);
	w_u8(w, 0);

	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_PARTIAL);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	const struct dns_rr *rr = &f->msg.rr[DNS_ANSWER][0];
	assert_name(rr->owner, rr->owner_len, "www.example.org");
	assert_int_equal(rr->type, T_A);
	assert_int_equal(rr->ttl, 60);
	assert_int_equal(rr->rdlen, 4);
	assert_memory_equal(rr->rdata, addr, 4);
	for (int s = 0; s < DNS_SECTION_COUNT; s++)
		assert_false(f->msg.complete[s]);

	/* The caller's buffer is left as it was. */
	assert_int_equal(w->buf[7], 2);
	assert_int_equal(w->buf[9], 2);
	assert_int_equal(w->buf[11], 5);
}

/* Messages over 65535 bytes cannot travel over UDP or TCP; the parser reads
 * the first 65535 bytes, and anything after a complete message is still
 * trailing data. */
static void test_oversized_buffer(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	w_header(w, 17, F_QR, 1, 1, 0, 0);
	w_question(w, "x", T_A, C_IN);
	w_root(w);
	size_t at = w_rr_begin(w, 65280, C_IN, 0);
	size_t rdlen = 65535 - (w->len);
	for (size_t i = 0; i < rdlen; i++)
		w_u8(w, (uint8_t)i);
	w_rr_end(w, at);
	assert_int_equal(w->len, 65535);

	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	assert_int_equal(f->msg.rr[DNS_ANSWER][0].rdlen, rdlen);

	w_u8(w, 0);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_TRAILING);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	assert_true(f->msg.complete[DNS_ANSWER]);
}

static void test_rdlength_zero(void **state)
{
	struct fixture *f = *state;
	struct wire *w = &f->w;

	/* An UPDATE-style "delete all RRsets" record: class ANY, RDLENGTH 0
	 * (RFC 2136 section 2.5.3), here in an answer section. */
	w_header(w, 18, F_QR, 1, 1, 0, 0);
	w_question(w, "example.com", T_A, C_IN);
	w_rr(w, "old.example.com", T_ANY, 255, 0, NULL, 0);
	assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.count[DNS_ANSWER], 1);
	const struct dns_rr *rr = &f->msg.rr[DNS_ANSWER][0];
	assert_name(rr->owner, rr->owner_len, "old.example.com");
	assert_int_equal(rr->type, T_ANY);
	assert_int_equal(rr->rclass, 255);
	assert_int_equal(rr->rdlen, 0);
}

static void test_question_only(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	build_reference(&f->w, &ref);

	assert_int_equal(dns_parse_question(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_OK);
	assert_int_equal(f->msg.id, 0xbeef);
	assert_true(f->msg.has_question);
	assert_name(f->msg.qname, f->msg.qname_len, "www.example.com");
	assert_int_equal(f->msg.qtype, T_A);
	for (int s = 0; s < DNS_SECTION_COUNT; s++)
		assert_int_equal(f->msg.count[s], 0);

	/* A query: the answer sections need not be valid for this call. */
	struct wire *w = &f->w;
	w_header(w, 19, F_RD, 1, 0, 0, 0);
	w_question(w, "Query.Example.ORG", T_AAAA, C_IN);
	assert_int_equal(dns_parse_question(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
	assert_false(f->msg.qr);
	assert_name(f->msg.qname, f->msg.qname_len, "query.example.org");
	assert_int_equal(f->msg.qtype, T_AAAA);
}

/* One parser serves many messages: a second parse must not see the first. */
static void test_parser_reuse(void **state)
{
	struct fixture *f = *state;
	struct reference ref;
	for (int round = 0; round < 3; round++) {
		build_reference(&f->w, &ref);
		assert_int_equal(dns_parse(f->parser, f->w.buf, f->w.len, &f->msg), DNS_PARSE_OK);
		assert_int_equal(f->msg.count[DNS_ANSWER], 2);

		struct wire *w = &f->w;
		w_header(w, 20, F_QR | 3, 1, 0, 0, 0);
		w_question(w, "gone.example", T_MX, C_IN);
		assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
		assert_int_equal(f->msg.rcode, 3);
		assert_name(f->msg.qname, f->msg.qname_len, "gone.example");
		for (int s = 0; s < DNS_SECTION_COUNT; s++)
			assert_int_equal(f->msg.count[s], 0);
	}
}

static void test_result_text(void **state)
{
	(void)state;
	for (int r = 0; r < DNS_PARSE_RESULT_COUNT; r++) {
		const char *text = dns_parse_result_text((enum dns_parse_result)r);
		assert_non_null(text);
		assert_true(strlen(text) > 0);
		for (int other = 0; other < r; other++)
			assert_string_not_equal(
				text, dns_parse_result_text((enum dns_parse_result)other));
	}
	assert_non_null(dns_parse_result_text(DNS_PARSE_RESULT_COUNT));
	assert_non_null(dns_parse_result_text((enum dns_parse_result) - 1));
}

/* Every byte value in every position of a long label: only A-Z change, as
 * RFC 4343 says, also where eight bytes are lower-cased at a time. */
static void test_lowercase_all_bytes(void **state)
{
	struct fixture *f = *state;
	for (unsigned first = 0; first < 256; first += 63) {
		struct wire *w = &f->w;
		w->len = 0;
		w_header(w, 1, 0x8180, 0, 1, 0, 0);
		uint8_t label[63];
		for (unsigned i = 0; i < sizeof(label); i++)
			label[i] = (uint8_t)(first + i);
		w_u8(w, sizeof(label));
		w_bytes(w, label, sizeof(label));
		w_root(w);
		size_t at = w_rr_begin(w, 1, 1, 60);
		w_bytes(w, "\xc0\x00\x02\x01", 4);
		w_rr_end(w, at);

		assert_int_equal(dns_parse(f->parser, w->buf, w->len, &f->msg), DNS_PARSE_OK);
		const struct dns_rr *rr = &f->msg.rr[DNS_ANSWER][0];
		assert_int_equal(rr->owner_len, 1 + sizeof(label) + 1);
		for (unsigned i = 0; i < sizeof(label); i++) {
			uint8_t want = label[i] >= 'A' && label[i] <= 'Z' ? label[i] + 32 : label[i];
			assert_int_equal(rr->owner[1 + i], want);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_response_compressed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_header_flags, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_question, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdata_names_lowered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lowercase_all_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edns_extended_rcode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trailing_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_count_too_large, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pointer_loops, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forward_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_length_via_pointer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_question, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_truncation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_truncation_high_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snaplen_cut, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversized_buffer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rdlength_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_question_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parser_reuse, setup, teardown),
		cmocka_unit_test(test_result_text),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
