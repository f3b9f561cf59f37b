/* Tests for dnstap_decode(): BIND's test messages and Frame Streams file from
 * the shared corpus, checked against BIND's own text rendering, and messages
 * packed here with protobuf-c for the cases the corpus lacks. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <fstrm.h>

#include "dnstap.pb-c.h"
#include "dns/message.h"
#include "dns/rdata.h"
#include "dnstap/dnstap.h"

static char corpus_dnstap[4096]; /* $DRAGNET_CORPUS/dnstap, or "" when absent */

struct fixture {
	struct dnstap_decoder *decoder;
	struct dns_parser *parser;
	struct dnstap_message msg;
	struct dn_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(dnstap_decoder_new(&f->decoder), DN_OK);
	f->parser = dns_parser_new();
	assert_non_null(f->parser);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	dns_parser_free(f->parser);
	dnstap_decoder_free(f->decoder);
	free(f);
	return 0;
}

/* Corpus access. */

static void need_corpus(void)
{
	if (corpus_dnstap[0] == '\0') {
		print_message("shared corpus folder dnstap/ not found (set DRAGNET_CORPUS); "
		              "skipping\n");
		skip();
	}
}

struct blob {
	uint8_t *data;
	size_t len;
};

static struct blob read_corpus_file(const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", corpus_dnstap, name);
	FILE *fp = fopen(path, "rb");
	if (fp == NULL)
		fail_msg("cannot open %s", path);
	struct blob b = {.data = malloc(65536)};
	assert_non_null(b.data);
	b.len = fread(b.data, 1, 65536, fp);
	assert_true(feof(fp));
	fclose(fp);
	return b;
}

/* Every data frame of a Frame Streams file, copied. */
struct frames {
	struct blob *items;
	size_t count;
};

static struct frames read_frames(const char *name)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/%s", corpus_dnstap, name);

	struct fstrm_file_options *fopt = fstrm_file_options_init();
	fstrm_file_options_set_file_path(fopt, path);
	struct fstrm_reader_options *ropt = fstrm_reader_options_init();
	fstrm_reader_options_add_content_type(ropt, DNSTAP_CONTENT_TYPE,
	                                      strlen(DNSTAP_CONTENT_TYPE));
	struct fstrm_reader *reader = fstrm_file_reader_init(fopt, ropt);
	fstrm_reader_options_destroy(&ropt);
	fstrm_file_options_destroy(&fopt);
	if (reader == NULL || fstrm_reader_open(reader) != fstrm_res_success)
		fail_msg("cannot open %s as a Frame Streams file of %s", path, DNSTAP_CONTENT_TYPE);

	struct frames frames = {0};
	size_t cap = 0;
	for (;;) {
		const uint8_t *data;
		size_t len;
		fstrm_res res = fstrm_reader_read(reader, &data, &len);
		if (res == fstrm_res_stop)
			break;
		if (res != fstrm_res_success)
			fail_msg("reading frame %zu of %s failed", frames.count + 1, path);
		if (frames.count == cap) {
			cap = cap ? 2 * cap : 64;
			frames.items = realloc(frames.items, cap * sizeof(*frames.items));
			assert_non_null(frames.items);
		}
		struct blob *b = &frames.items[frames.count++];
		b->data = malloc(len ? len : 1);
		assert_non_null(b->data);
		memcpy(b->data, data, len);
		b->len = len;
	}
	fstrm_reader_destroy(&reader);
	return frames;
}

static void frames_free(struct frames *frames)
{
	for (size_t i = 0; i < frames->count; i++)
		free(frames->items[i].data);
	free(frames->items);
}

/* Presentation form of the question name, class and type of a DNS message. */
struct question_text {
	char name[DNS_NAME_TEXT_MAX];
	char qclass[16];
	char qtype[16];
};

static void question_of(struct fixture *f, struct question_text *q)
{
	struct dns_message dns;
	assert_non_null(f->msg.dns);
	assert_int_equal(dns_parse_question(f->parser, f->msg.dns, f->msg.dns_len, &dns),
	                 DNS_PARSE_OK);
	assert_true(dns.has_question);
	assert_true(dns_name_format(dns.qname, q->name, sizeof(q->name)) > 0);
	if (dns.qclass == 1)
		snprintf(q->qclass, sizeof(q->qclass), "IN");
	else
		snprintf(q->qclass, sizeof(q->qclass), "CLASS%u", dns.qclass);
	dns_type_format(dns.qtype, q->qtype, sizeof(q->qtype));
}

static const char *ipv4_text(const uint8_t *addr, char *buf)
{
	return inet_ntop(AF_INET, addr, buf, INET_ADDRSTRLEN);
}

/* Single unframed messages from BIND's unit tests. */

/* Expected values are what protoc-c --decode_raw (libprotoc 3.21.12) and
 * dnstap-ldns 0.2.1 print for this file. */
static void test_bind_correct_query(void **state)
{
	struct fixture *f = *state;
	need_corpus();
	struct blob b = read_corpus_file("bind9/correct_query_nanosec.dnstap");
	assert_int_equal(dnstap_decode(f->decoder, b.data, b.len, &f->msg, &f->err), DN_OK);

	assert_int_equal(f->msg.type, DNSTAP_CLIENT_QUERY);
	assert_false(f->msg.response);
	assert_true(f->msg.has_time);
	assert_int_equal(f->msg.time_sec, 1781766253);
	assert_int_equal(f->msg.time_nsec, 0x0495e415);
	assert_int_equal(f->msg.family, AF_INET);
	assert_int_equal(f->msg.protocol, DNSTAP_UDP);

	char addr[INET_ADDRSTRLEN];
	assert_true(f->msg.has_query_address);
	assert_string_equal(ipv4_text(f->msg.query_address, addr), "10.53.0.1");
	assert_true(f->msg.has_response_address);
	assert_string_equal(ipv4_text(f->msg.response_address, addr), "10.53.0.10");
	assert_int_equal(f->msg.query_port, 43853);
	assert_int_equal(f->msg.response_port, 53);
	assert_null(f->msg.query_zone);
	assert_int_equal(f->msg.identity_len, 5);
	assert_memory_equal(f->msg.identity, "sheep", 5);

	assert_int_equal(f->msg.dns_len, 48);
	struct question_text q;
	question_of(f, &q);
	assert_string_equal(q.name, "isc.org.");
	assert_string_equal(q.qclass, "IN");
	assert_string_equal(q.qtype, "A");
	free(b.data);
}

static void expect_rejected(struct fixture *f, const char *name, const char *reason)
{
	struct blob b = read_corpus_file(name);
	assert_int_equal(dnstap_decode(f->decoder, b.data, b.len, &f->msg, &f->err), DN_EMALF);
	if (strstr(f->err.msg, reason) == NULL)
		fail_msg("%s: error \"%s\" does not name %s", name, f->err.msg, reason);
	assert_int_equal(f->msg.type, 0);
	assert_null(f->msg.dns);
	free(b.data);
}

static void test_bind_invalid_messages(void **state)
{
	struct fixture *f = *state;
	need_corpus();
	expect_rejected(f, "bind9/query_time_nanosec_big.dnstap", "query_time_nsec 1000000000");
	expect_rejected(f, "bind9/response_time_nanosec_big.dnstap",
	                "response_time_nsec 1000000000");
	expect_rejected(f, "bind9/invalid_message_type.dnstap", "Message type 255");
}

/* Every proper prefix of a message lacks the required Dnstap.type, which
 * BIND writes last, so each must be rejected without harm. */
static void test_truncated_messages(void **state)
{
	struct fixture *f = *state;
	need_corpus();
	struct blob b = read_corpus_file("bind9/correct_query_nanosec.dnstap");
	for (size_t len = 0; len < b.len; len++) {
		uint8_t *copy = malloc(len ? len : 1);
		assert_non_null(copy);
		memcpy(copy, b.data, len);
		assert_int_equal(dnstap_decode(f->decoder, copy, len, &f->msg, &f->err), DN_EMALF);
		free(copy);
	}
	free(b.data);
}

/* BIND's Frame Streams file against BIND's rendering of it. */

/* One line of dnstap.text: "03-Feb-2017 15:47:16.000 SQ 10.53.0.1:2112 ->
 * 10.53.0.2:2112 UDP 40b www.isc.org/IN/A". */
struct bind_line {
	char date[16], clock[16], mnemonic[4];
	char query_address[64], arrow[4], response_address[64];
	unsigned query_port, response_port;
	char protocol[8];
	size_t size;
	char qname[256], qclass[16], qtype[16];
};

static void parse_bind_line(const char *text, int lineno, struct bind_line *l)
{
	int n = sscanf(text, "%15s %15s %3s %63[^:]:%u %3s %63[^:]:%u %7s %zub %255[^/]/%15[^/]/%15s",
	               l->date, l->clock, l->mnemonic, l->query_address, &l->query_port, l->arrow,
	               l->response_address, &l->response_port, l->protocol, &l->size, l->qname,
	               l->qclass, l->qtype);
	if (n != 13)
		fail_msg("dnstap.text line %d does not parse (%d fields): %s", lineno, n, text);
}

/* BIND's two-letter form of a message type: the role's initial, then Q or R. */
static void bind_mnemonic(const struct dnstap_message *msg, char out[4])
{
	static const char roles[] = "?ARCFSTU";
	unsigned role = ((unsigned)msg->type + 1) / 2;
	out[0] = role < sizeof(roles) - 1 ? roles[role] : '?';
	out[1] = msg->response ? 'R' : 'Q';
	out[2] = '\0';
}

static void expect_field(int lineno, const char *field, const char *expected, const char *got)
{
	if (strcmp(expected, got) != 0)
		fail_msg("dnstap.text line %d: %s is \"%s\" but the decoder gives \"%s\"", lineno,
		         field, expected, got);
}

static void expect_number(int lineno, const char *field, unsigned long expected,
                          unsigned long got)
{
	if (expected != got)
		fail_msg("dnstap.text line %d: %s is %lu but the decoder gives %lu", lineno, field,
		         expected, got);
}

static void check_bind_line(struct fixture *f, int lineno, const struct bind_line *l)
{
	/* dnstap.text renders times with TZ=PDT8, which is UTC-8 all year. */
	struct tm tm;
	time_t t = (time_t)f->msg.time_sec;
	char date[32], clock[80], text[64];
	assert_true(f->msg.has_time);
	assert_non_null(localtime_r(&t, &tm));
	strftime(date, sizeof(date), "%d-%b-%Y", &tm);
	strftime(text, sizeof(text), "%H:%M:%S", &tm);
	snprintf(clock, sizeof(clock), "%s.%03u", text, f->msg.time_nsec / 1000000);
	expect_field(lineno, "date", l->date, date);
	expect_field(lineno, "time", l->clock, clock);

	char mnemonic[4];
	bind_mnemonic(&f->msg, mnemonic);
	expect_field(lineno, "type", l->mnemonic, mnemonic);
	expect_field(lineno, "direction", l->arrow, f->msg.response ? "<-" : "->");

	char addr[INET_ADDRSTRLEN];
	expect_number(lineno, "family", AF_INET, (unsigned long)f->msg.family);
	assert_true(f->msg.has_query_address);
	expect_field(lineno, "query address", l->query_address,
	             ipv4_text(f->msg.query_address, addr));
	assert_true(f->msg.has_response_address);
	expect_field(lineno, "response address", l->response_address,
	             ipv4_text(f->msg.response_address, addr));
	expect_number(lineno, "query port", l->query_port, f->msg.query_port);
	expect_number(lineno, "response port", l->response_port, f->msg.response_port);

	const char *protocol = f->msg.protocol == DNSTAP_UDP   ? "UDP"
	                       : f->msg.protocol == DNSTAP_TCP ? "TCP"
	                                                       : "?";
	expect_field(lineno, "protocol", l->protocol, protocol);
	expect_number(lineno, "message size", l->size, f->msg.dns_len);

	/* BIND prints names without the trailing dot. */
	struct question_text q;
	question_of(f, &q);
	size_t name_len = strlen(q.name);
	if (name_len > 1 && q.name[name_len - 1] == '.')
		q.name[name_len - 1] = '\0';
	expect_field(lineno, "question name", l->qname, q.name);
	expect_field(lineno, "question class", l->qclass, q.qclass);
	expect_field(lineno, "question type", l->qtype, q.qtype);
}

static void test_bind_saved_matches_text(void **state)
{
	struct fixture *f = *state;
	need_corpus();
	struct frames frames = read_frames("bind9/dnstap.saved");

	char path[4200];
	snprintf(path, sizeof(path), "%s/bind9/dnstap.text", corpus_dnstap);
	FILE *text = fopen(path, "r");
	if (text == NULL)
		fail_msg("cannot open %s", path);

	char *saved_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;
	setenv("TZ", "PDT8", 1);
	tzset();

	char line[1024];
	int lineno = 0;
	while (fgets(line, sizeof(line), text) != NULL) {
		lineno++;
		if ((size_t)lineno > frames.count)
			fail_msg("dnstap.text has more lines than the %zu frames of dnstap.saved",
			         frames.count);
		struct bind_line expected;
		parse_bind_line(line, lineno, &expected);

		const struct blob *frame = &frames.items[lineno - 1];
		if (dnstap_decode(f->decoder, frame->data, frame->len, &f->msg, &f->err) != DN_OK)
			fail_msg("frame %d does not decode: %s", lineno, f->err.msg);
		check_bind_line(f, lineno, &expected);
	}
	fclose(text);
	assert_int_equal(lineno, 96);
	assert_int_equal(frames.count, (size_t)lineno);

	if (saved_tz != NULL)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved_tz);
	frames_free(&frames);
}

/* The other Frame Streams files decode frame by frame; the integration test
 * compares their fields with dnstap-ldns. */
static void test_corpus_files_decode(void **state)
{
	struct fixture *f = *state;
	need_corpus();
	static const struct {
		const char *name;
		size_t frames;  /* as dnstap-ldns 0.2.1 -q counts them */
	} files[] = {
		{"bind9/large-answer.fstrm", 1},
		{"go-dnscollector/dnstap.fstrm", 2},
		{"pktvisor/fixture.dnstap", 153},
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct frames frames = read_frames(files[i].name);
		assert_int_equal(frames.count, files[i].frames);
		for (size_t j = 0; j < frames.count; j++) {
			const struct blob *frame = &frames.items[j];
			if (dnstap_decode(f->decoder, frame->data, frame->len, &f->msg, &f->err))
				fail_msg("%s frame %zu does not decode: %s", files[i].name, j + 1,
				         f->err.msg);
			assert_non_null(f->msg.dns);
		}
		frames_free(&frames);
	}
}

/* Messages packed here, one field changed at a time from a valid base. */

struct packed {
	Dnstap__Dnstap frame;
	Dnstap__Message message;
	uint8_t query_address[16];
	uint8_t response_address[16];
	uint8_t buf[1024];
	size_t len;
};

/* DNS query for www.example.com/IN/AAAA, id 0x1234, RD set. */
static const uint8_t dns_query[] = {
	0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0x00, 0x1c, 0x00, 0x01,
};

/* A CLIENT_RESPONSE from 198.51.100.53:53 to 192.0.2.10:40000 over TCP. */
static void packed_init(struct packed *p)
{
	memset(p, 0, sizeof(*p));
	Dnstap__Dnstap frame = DNSTAP__DNSTAP__INIT;
	Dnstap__Message message = DNSTAP__MESSAGE__INIT;
	p->frame = frame;
	p->message = message;
	p->frame.message = &p->message;
	p->frame.type = DNSTAP__DNSTAP__TYPE__MESSAGE;

	Dnstap__Message *m = &p->message;
	m->type = DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE;
	m->has_socket_family = 1;
	m->socket_family = DNSTAP__SOCKET_FAMILY__INET;
	m->has_socket_protocol = 1;
	m->socket_protocol = DNSTAP__SOCKET_PROTOCOL__TCP;
	static const uint8_t client[4] = {192, 0, 2, 10}, server[4] = {198, 51, 100, 53};
	memcpy(p->query_address, client, 4);
	memcpy(p->response_address, server, 4);
	m->has_query_address = 1;
	m->query_address.data = p->query_address;
	m->query_address.len = 4;
	m->has_response_address = 1;
	m->response_address.data = p->response_address;
	m->response_address.len = 4;
	m->has_query_port = 1;
	m->query_port = 40000;
	m->has_response_port = 1;
	m->response_port = 53;
	m->has_query_time_sec = 1;
	m->query_time_sec = 1700000000;
	m->has_query_time_nsec = 1;
	m->query_time_nsec = 111;
	m->has_response_time_sec = 1;
	m->response_time_sec = 1700000001;
	m->has_response_time_nsec = 1;
	m->response_time_nsec = 999999999;
	m->has_response_message = 1;
	m->response_message.data = (uint8_t *)dns_query;
	m->response_message.len = sizeof(dns_query);
}

static dn_status decode_packed(struct fixture *f, struct packed *p)
{
	assert_true(dnstap__dnstap__get_packed_size(&p->frame) <= sizeof(p->buf));
	p->len = dnstap__dnstap__pack(&p->frame, p->buf);
	return dnstap_decode(f->decoder, p->buf, p->len, &f->msg, &f->err);
}

static void expect_packed_rejected(struct fixture *f, struct packed *p, const char *reason)
{
	assert_int_equal(decode_packed(f, p), DN_EMALF);
	if (strstr(f->err.msg, reason) == NULL)
		fail_msg("error \"%s\" does not name %s", f->err.msg, reason);
}

static void test_packed_response(void **state)
{
	struct fixture *f = *state;
	struct packed p;
	packed_init(&p);
	assert_int_equal(decode_packed(f, &p), DN_OK);

	assert_int_equal(f->msg.type, DNSTAP_CLIENT_RESPONSE);
	assert_true(f->msg.response);
	assert_true(f->msg.has_time);
	assert_int_equal(f->msg.time_sec, 1700000001);
	assert_int_equal(f->msg.time_nsec, 999999999);
	assert_int_equal(f->msg.family, AF_INET);
	assert_int_equal(f->msg.protocol, DNSTAP_TCP);
	assert_memory_equal(f->msg.query_address, p.query_address, 4);
	assert_memory_equal(f->msg.response_address, p.response_address, 4);
	assert_int_equal(f->msg.query_port, 40000);
	assert_int_equal(f->msg.response_port, 53);
	assert_int_equal(f->msg.dns_len, sizeof(dns_query));
	assert_memory_equal(f->msg.dns, dns_query, sizeof(dns_query));
	assert_null(f->msg.identity);
	assert_null(f->msg.query_zone);
}

static void test_packed_time_choice(void **state)
{
	struct fixture *f = *state;
	struct packed p;

	/* A response without response_time takes query_time. */
	packed_init(&p);
	p.message.has_response_time_sec = 0;
	p.message.has_response_time_nsec = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.time_sec, 1700000000);
	assert_int_equal(f->msg.time_nsec, 111);

	/* A query takes query_time even when response_time is present. */
	packed_init(&p);
	p.message.type = DNSTAP__MESSAGE__TYPE__CLIENT_QUERY;
	p.message.has_query_message = 1;
	p.message.query_message = p.message.response_message;
	p.message.has_response_message = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_false(f->msg.response);
	assert_int_equal(f->msg.time_sec, 1700000000);
	assert_int_equal(f->msg.dns_len, sizeof(dns_query));

	/* Seconds without nanoseconds are a whole second. */
	packed_init(&p);
	p.message.has_response_time_nsec = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.time_sec, 1700000001);
	assert_int_equal(f->msg.time_nsec, 0);

	/* No time at all. */
	packed_init(&p);
	p.message.has_query_time_sec = 0;
	p.message.has_response_time_sec = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_false(f->msg.has_time);

	/* The last second before 2200 is accepted, the first of 2200 is not. */
	packed_init(&p);
	p.message.response_time_sec = 7258118399u;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.time_sec, 7258118399);
	p.message.response_time_sec = 7258118400u;
	expect_packed_rejected(f, &p, "response_time_sec 7258118400");

	/* A negative time stored as unsigned is far beyond 2200. */
	packed_init(&p);
	p.message.query_time_sec = (uint64_t)-1;
	expect_packed_rejected(f, &p, "query_time_sec 18446744073709551615");
}

static void test_packed_addresses(void **state)
{
	struct fixture *f = *state;
	struct packed p;
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

	/* IPv6 on both sides. */
	packed_init(&p);
	p.message.socket_family = DNSTAP__SOCKET_FAMILY__INET6;
	memcpy(p.query_address, v6, 16);
	p.query_address[15] = 2;
	memcpy(p.response_address, v6, 16);
	p.message.query_address.len = 16;
	p.message.response_address.len = 16;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.family, AF_INET6);
	assert_memory_equal(f->msg.query_address, p.query_address, 16);
	assert_memory_equal(f->msg.response_address, v6, 16);

	/* Without socket_family the length decides. */
	p.message.has_socket_family = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.family, AF_INET6);

	/* An empty address counts as absent. */
	packed_init(&p);
	p.message.query_address.len = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_false(f->msg.has_query_address);
	assert_true(f->msg.has_response_address);
	assert_int_equal(f->msg.family, AF_INET);

	/* No address and no family. */
	packed_init(&p);
	p.message.has_socket_family = 0;
	p.message.has_query_address = 0;
	p.message.has_response_address = 0;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.family, 0);
	assert_false(f->msg.has_query_address);
	assert_false(f->msg.has_response_address);

	/* IPv6 length under INET. */
	packed_init(&p);
	p.message.query_address.len = 16;
	expect_packed_rejected(f, &p, "query_address is 16 bytes long");

	/* A length that fits no family. */
	packed_init(&p);
	p.message.response_address.len = 5;
	expect_packed_rejected(f, &p, "response_address is 5 bytes long");

	/* Mixed lengths without socket_family. */
	packed_init(&p);
	p.message.has_socket_family = 0;
	p.message.response_address.len = 16;
	expect_packed_rejected(f, &p, "response_address is 16 bytes long");

	/* A family outside the enum. */
	packed_init(&p);
	p.message.socket_family = (Dnstap__SocketFamily)3;
	expect_packed_rejected(f, &p, "socket_family 3");

	/* Ports are 16 bits. */
	packed_init(&p);
	p.message.query_port = 65535;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.query_port, 65535);
	p.message.response_port = 65536;
	expect_packed_rejected(f, &p, "response_port 65536");
}

static void test_packed_envelope(void **state)
{
	struct fixture *f = *state;
	struct packed p;

	packed_init(&p);
	p.frame.type = (Dnstap__Dnstap__Type)2;
	expect_packed_rejected(f, &p, "Dnstap type 2");

	packed_init(&p);
	p.frame.message = NULL;
	expect_packed_rejected(f, &p, "has no Message");

	packed_init(&p);
	p.message.type = (Dnstap__Message__Type)0;
	expect_packed_rejected(f, &p, "Message type 0");

	packed_init(&p);
	p.message.type = (Dnstap__Message__Type)15;
	expect_packed_rejected(f, &p, "Message type 15");

	/* UPDATE_RESPONSE is the last type and a response. */
	packed_init(&p);
	p.message.type = DNSTAP__MESSAGE__TYPE__UPDATE_RESPONSE;
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.type, DNSTAP_UPDATE_RESPONSE);
	assert_true(f->msg.response);

	/* Identity and query_zone are passed through. */
	static const uint8_t zone[] = {7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0};
	packed_init(&p);
	p.frame.has_identity = 1;
	p.frame.identity.data = (uint8_t *)"ns1";
	p.frame.identity.len = 3;
	p.message.has_query_zone = 1;
	p.message.query_zone.data = (uint8_t *)zone;
	p.message.query_zone.len = sizeof(zone);
	assert_int_equal(decode_packed(f, &p), DN_OK);
	assert_int_equal(f->msg.identity_len, 3);
	assert_memory_equal(f->msg.identity, "ns1", 3);
	assert_int_equal(f->msg.query_zone_len, sizeof(zone));
	assert_memory_equal(f->msg.query_zone, zone, sizeof(zone));

	/* Bytes that are no protobuf at all, and nothing. */
	static const uint8_t junk[] = {0xff, 0xff, 0xff, 0xff, 0xff};
	assert_int_equal(dnstap_decode(f->decoder, junk, sizeof(junk), &f->msg, &f->err),
	                 DN_EMALF);
	assert_non_null(strstr(f->err.msg, "not a valid Dnstap protobuf"));
	assert_int_equal(dnstap_decode(f->decoder, NULL, 0, &f->msg, &f->err), DN_EMALF);
}

/* A DNS message near the 64 KiB limit goes through, twice in a row. */
static void test_packed_large_message(void **state)
{
	struct fixture *f = *state;
	size_t big_len = 65535;
	uint8_t *big = calloc(1, big_len);
	uint8_t *buf = malloc(2 * big_len + 1024);
	assert_non_null(big);
	assert_non_null(buf);
	memcpy(big, dns_query, sizeof(dns_query));
	big[big_len - 1] = 0xab;

	struct packed p;
	packed_init(&p);
	p.message.has_query_message = 1;
	p.message.query_message.data = big;
	p.message.query_message.len = big_len;
	p.message.response_message.data = big;
	p.message.response_message.len = big_len;
	size_t len = dnstap__dnstap__pack(&p.frame, buf);

	for (int round = 0; round < 2; round++) {
		assert_int_equal(dnstap_decode(f->decoder, buf, len, &f->msg, &f->err), DN_OK);
		assert_int_equal(f->msg.dns_len, big_len);
		assert_memory_equal(f->msg.dns, big, big_len);
	}
	free(buf);
	free(big);
}

/* The names match the enum value names that protoc-c took from dnstap.proto. */
static void test_type_names(void **state)
{
	(void)state;
	for (int type = DNSTAP_AUTH_QUERY; type <= DNSTAP_UPDATE_RESPONSE; type++) {
		const ProtobufCEnumValue *value = protobuf_c_enum_descriptor_get_value(
		        &dnstap__message__type__descriptor, type);
		assert_non_null(value);
		assert_string_equal(dnstap_type_name((enum dnstap_type)type), value->name);
	}
	assert_string_equal(dnstap_type_name((enum dnstap_type)0), "UNKNOWN");
	assert_string_equal(dnstap_type_name((enum dnstap_type)15), "UNKNOWN");
	assert_string_equal(dnstap_type_name((enum dnstap_type)-1), "UNKNOWN");
}

int main(void)
{
	const char *corpus = getenv("DRAGNET_CORPUS");
	struct stat st;
	if (corpus != NULL && corpus[0] != '\0') {
		snprintf(corpus_dnstap, sizeof(corpus_dnstap), "%s/dnstap", corpus);
		if (stat(corpus_dnstap, &st) != 0 || !S_ISDIR(st.st_mode))
			corpus_dnstap[0] = '\0';
	}

	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_correct_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_invalid_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_truncated_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_saved_matches_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corpus_files_decode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_response, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_time_choice, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_addresses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_envelope, setup, teardown),
		cmocka_unit_test_setup_teardown(test_packed_large_message, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_names, setup, teardown),
	};
	return cmocka_run_group_tests_name("dnstap", tests, NULL, NULL);
}
