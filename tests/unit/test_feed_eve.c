/* Tests for the Suricata eve.json reader: the real v1 log in the shared
 * corpus checked against values read from its JSON here, and lines in the
 * v2 and v3 layouts built on suricata-verify's checks and captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <arpa/inet.h>
#include <cmocka.h>
#include <jansson.h>

#include "feed/feed.h"
#include "feed_records.h"

#define TYPE_A 1
#define TYPE_NS 2
#define TYPE_CNAME 5
#define TYPE_SOA 6
#define TYPE_NULL 10
#define TYPE_PTR 12
#define TYPE_MX 15
#define TYPE_TXT 16
#define TYPE_AAAA 28
#define TYPE_SRV 33
#define TYPE_SSHFP 44
#define RCODE_NXDOMAIN 3
#define RCODE_SERVFAIL 2

/* 2024-01-01T00:00:00Z, the time of the hand-built lines. */
#define TIME 1704067200
#define TS "\"timestamp\":\"2024-01-01T00:00:00.000000+0000\""

struct fixture {
	struct feed_parser *parser;
	struct collector c;
	struct dn_error err;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(feed_parser_new(FEED_EVE, &f->parser), DN_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	feed_parser_free(f->parser);
	free(f);
	return 0;
}

static dn_status parse(struct fixture *f, const char *line)
{
	return collect_line(f->parser, line, &f->c, &f->err);
}

static void assert_record(const struct collected *r, const char *rrname, uint16_t rrtype,
                          const char *rdata)
{
	assert_false(r->negative);
	assert_string_equal(r->rrname, rrname);
	assert_int_equal(r->rrtype, rrtype);
	assert_string_equal(r->rdata, rdata);
	assert_false(r->has_bailiwick);
	assert_int_equal(r->count, 1);
	assert_int_equal(r->time_first, r->time_last);
}

static void assert_negative(const struct collected *r, const char *rrname, uint16_t rrtype,
                            uint16_t rcode)
{
	assert_true(r->negative);
	assert_string_equal(r->rrname, rrname);
	assert_int_equal(r->rrtype, rrtype);
	assert_int_equal(r->rcode, rcode);
	assert_int_equal(r->count, 1);
}

/* ---- The real v1 log ---- */

static const char *corpus_file(const char *name, char *buf, size_t size)
{
	const char *corpus = getenv("DRAGNET_CORPUS");
	if (corpus == NULL)
		return NULL;
	snprintf(buf, size, "%s/suricata/eve/%s", corpus, name);
	return buf;
}

/* Epoch seconds of "2017-01-30T16:12:26.985026+0100", read with sscanf()
 * and timegm() rather than the parser's code. */
static int64_t eve_epoch(const char *ts)
{
	struct tm tm = {0};
	int micro, off_h, off_m;
	char sign;
	assert_int_equal(sscanf(ts, "%d-%d-%dT%d:%d:%d.%d%c%2d%2d", &tm.tm_year, &tm.tm_mon,
	                        &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &micro, &sign,
	                        &off_h, &off_m),
	                 10);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	int64_t offset = (off_h * 3600 + off_m * 60) * (sign == '-' ? -1 : 1);
	return (int64_t)timegm(&tm) - offset;
}

static uint16_t type_number(const char *name)
{
	static const struct {
		const char *name;
		uint16_t type;
	} types[] = {{"A", TYPE_A},     {"NS", TYPE_NS},     {"CNAME", TYPE_CNAME}, {"SOA", TYPE_SOA},
	             {"PTR", TYPE_PTR}, {"AAAA", TYPE_AAAA}, {"SRV", TYPE_SRV}};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].name, name) == 0)
			return types[i].type;
	fail_msg("type %s is not in the test's table", name);
	return 0;
}

/* A name as the log writes it equals the parser's absolute name. */
static void assert_same_name(const char *parsed, const char *logged)
{
	size_t len = strlen(logged);
	assert_int_equal(strlen(parsed), len + 1);
	assert_int_equal(strncasecmp(parsed, logged, len), 0);
	assert_int_equal(parsed[len], '.');
}

static void assert_same_address(int family, const char *parsed, const char *logged)
{
	unsigned char a[16], b[16];
	assert_int_equal(inet_pton(family, parsed, a), 1);
	assert_int_equal(inet_pton(family, logged, b), 1);
	assert_memory_equal(a, b, family == AF_INET ? 4 : 16);
}

struct v1_query {
	json_int_t flow_id;
	json_int_t id;
	char rrtype[16];
};

/* Check the reader's output for one line of the v1 log against its JSON.
 * Every answer event with a non-empty rdata is a record. An answer event
 * with an error rcode and no rrtype is a negative answer for the type of
 * the query event with the same flow_id and DNS id. */
static void check_v1_line(const json_t *event, const struct collector *c,
                          const struct v1_query *queries, size_t nqueries, size_t *records,
                          size_t *negatives)
{
	const char *event_type = json_string_value(json_object_get(event, "event_type"));
	const json_t *dns = json_object_get(event, "dns");
	const char *type = json_string_value(json_object_get(dns, "type"));
	if (strcmp(event_type, "dns") != 0 || strcmp(type, "answer") != 0) {
		assert_int_equal(c->n, 0);
		return;
	}
	int64_t time = eve_epoch(json_string_value(json_object_get(event, "timestamp")));
	const char *rrname = json_string_value(json_object_get(dns, "rrname"));
	const char *rrtype = json_string_value(json_object_get(dns, "rrtype"));
	const char *rdata = json_string_value(json_object_get(dns, "rdata"));
	const char *rcode = json_string_value(json_object_get(dns, "rcode"));

	if (rrtype == NULL && strcmp(rcode, "NOERROR") != 0) {
		json_int_t flow_id = json_integer_value(json_object_get(event, "flow_id"));
		json_int_t id = json_integer_value(json_object_get(dns, "id"));
		const char *qtype = NULL;
		for (size_t i = 0; i < nqueries; i++)
			if (queries[i].flow_id == flow_id && queries[i].id == id)
				qtype = queries[i].rrtype;
		assert_non_null(qtype);
		assert_int_equal(c->n, 1);
		assert_true(c->rec[0].negative);
		assert_same_name(c->rec[0].rrname, rrname);
		assert_int_equal(c->rec[0].rrtype, type_number(qtype));
		assert_int_equal(c->rec[0].rcode, strcmp(rcode, "NXDOMAIN") == 0 ? RCODE_NXDOMAIN : 0);
		assert_int_equal(c->rec[0].time_first, time);
		(*negatives)++;
		return;
	}
	if (rrname == NULL || rrtype == NULL || rdata == NULL || rdata[0] == '\0') {
		assert_int_equal(c->n, 0);
		return;
	}
	assert_int_equal(c->n, 1);
	const struct collected *r = &c->rec[0];
	assert_false(r->negative);
	assert_same_name(r->rrname, rrname);
	assert_int_equal(r->rrtype, type_number(rrtype));
	if (r->rrtype == TYPE_A)
		assert_same_address(AF_INET, r->rdata, rdata);
	else if (r->rrtype == TYPE_AAAA)
		assert_same_address(AF_INET6, r->rdata, rdata);
	else
		assert_same_name(r->rdata, rdata);
	assert_int_equal(r->time_first, time);
	assert_int_equal(r->time_last, time);
	assert_int_equal(r->count, 1);
	(*records)++;
}

static void test_v1_corpus_log(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	size_t len;
	char *text = corpus_file("surevego-eve.json", path, sizeof(path)) == NULL
	                     ? NULL
	                     : collect_read_file(path, &len);
	if (text == NULL) {
		print_message("shared corpus not found (DRAGNET_CORPUS); skipping\n");
		skip();
	}

	struct v1_query queries[64];
	size_t nqueries = 0, lines = 0, dns_events = 0, records = 0, negatives = 0;
	for (char *line = text, *end; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		assert_non_null(end);
		*end = '\0';
		lines++;

		json_error_t jerr;
		json_t *event = json_loads(line, 0, &jerr);
		assert_non_null(event);
		const json_t *dns = json_object_get(event, "dns");
		if (strcmp(json_string_value(json_object_get(event, "event_type")), "dns") == 0) {
			dns_events++;
			if (strcmp(json_string_value(json_object_get(dns, "type")), "query") == 0) {
				assert_true(nqueries < 64);
				struct v1_query *q = &queries[nqueries++];
				q->flow_id = json_integer_value(json_object_get(event, "flow_id"));
				q->id = json_integer_value(json_object_get(dns, "id"));
				snprintf(q->rrtype, sizeof(q->rrtype), "%s",
				         json_string_value(json_object_get(dns, "rrtype")));
			}
		}

		assert_int_equal(parse(f, line), DN_OK);
		check_v1_line(event, &f->c, queries, nqueries, &records, &negatives);
		json_decref(event);
	}
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_OK);
	free(text);

	/* The corpus manifest: 266 records, 48 of them dns. grep counts 33
	 * answer events with rdata, and one NXDOMAIN. */
	assert_int_equal(lines, 266);
	assert_int_equal(dns_events, 48);
	assert_int_equal(records, 33);
	assert_int_equal(negatives, 1);
}

/* One answer of the v1 log, checked against values written out by hand
 * from line 5 of surevego-eve.json. */
static void test_v1_answer_line(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{\"timestamp\":\"2017-01-30T16:12:27.027213+0100\",\"flow_id\":1800462501880023,"
		"\"pcap_cnt\":14,\"event_type\":\"dns\",\"src_ip\":\"172.21.3.254\",\"src_port\":53,"
		"\"dest_ip\":\"172.17.0.2\",\"dest_port\":47719,\"proto\":\"UDP\",\"dns\":{\"type\":"
		"\"answer\",\"id\":22800,\"rcode\":\"NOERROR\",\"rrname\":\"prod.debian.map.fastly.net\","
		"\"rrtype\":\"A\",\"ttl\":30,\"rdata\":\"151.101.12.204\"}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "prod.debian.map.fastly.net.", TYPE_A, "151.101.12.204");
	/* 2017-01-30T15:12:27Z */
	assert_int_equal(f->c.rec[0].time_first, 1485789147);
}

static void test_v1_broken_log(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	size_t len;
	char *text = corpus_file("surevego-eve_broken.json", path, sizeof(path)) == NULL
	                     ? NULL
	                     : collect_read_file(path, &len);
	if (text == NULL) {
		print_message("shared corpus not found (DRAGNET_CORPUS); skipping\n");
		skip();
	}
	size_t errors = 0, lineno = 0;
	dn_status first_line = DN_OK, second_line = DN_OK;
	for (char *line = text, *end; *line != '\0'; line = end + 1) {
		end = strchr(line, '\n');
		if (end == NULL)
			end = line + strlen(line) - 1;
		else
			*end = '\0';
		lineno++;
		dn_status rc = parse(f, line);
		if (lineno == 1)
			first_line = rc;
		if (lineno == 2)
			second_line = rc;
		if (rc != DN_OK) {
			assert_int_equal(rc, DN_EMALF);
			assert_int_equal(f->c.n, 0);
			errors++;
		}
		/* Whatever is delivered carries a time from the log's two days. */
		for (size_t i = 0; i < f->c.n; i++)
			assert_in_range(f->c.rec[i].time_first, 1485730800, 1485903600);
	}
	free(text);
	assert_true(errors >= 1);
	/* Line 1 is not JSON. Line 2 has text after its timestamp's offset. */
	assert_int_equal(first_line, DN_EMALF);
	assert_int_equal(second_line, DN_EMALF);
}

/* ---- v3 and v2 lines, on suricata-verify's checks ---- */

/* dns/dns-udp-eve-dig, Suricata 8 (v3): a CNAME and two A records. */
static const char *const DIG_V3 =
	"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\",\"tx_id\":0,"
	"\"id\":36146,\"flags\":\"81a0\",\"qr\":true,\"rd\":true,\"ra\":true,\"opcode\":0,"
	"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.suricata-ids.org\",\"rrtype\":\"A\"}],"
	"\"answers\":[{\"rrname\":\"www.suricata-ids.org\",\"rrtype\":\"CNAME\",\"ttl\":3544,"
	"\"rdata\":\"suricata-ids.org\"},{\"rrname\":\"suricata-ids.org\",\"rrtype\":\"A\","
	"\"ttl\":244,\"rdata\":\"192.0.78.24\"},{\"rrname\":\"suricata-ids.org\",\"rrtype\":\"A\","
	"\"ttl\":244,\"rdata\":\"192.0.78.25\"}],\"grouped\":{\"A\":[\"192.0.78.24\","
	"\"192.0.78.25\"],\"CNAME\":[\"suricata-ids.org\"]}}}";

static void assert_dig_records(const struct collector *c)
{
	assert_int_equal(c->n, 3);
	assert_record(&c->rec[0], "www.suricata-ids.org.", TYPE_CNAME, "suricata-ids.org.");
	assert_record(&c->rec[1], "suricata-ids.org.", TYPE_A, "192.0.78.24");
	assert_record(&c->rec[2], "suricata-ids.org.", TYPE_A, "192.0.78.25");
	assert_int_equal(c->rec[0].time_first, TIME);
}

static void test_v3_answers(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, DIG_V3), DN_OK);
	assert_dig_records(&f->c);
}

/* The same response in the v2 layout of test.v2.yaml. */
static void test_v2_answers(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":2,\"type\":\"answer\","
		"\"id\":36146,\"flags\":\"81a0\",\"qr\":true,\"rd\":true,\"ra\":true,"
		"\"rrname\":\"www.suricata-ids.org\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\","
		"\"answers\":[{\"rrname\":\"www.suricata-ids.org\",\"rrtype\":\"CNAME\",\"ttl\":3544,"
		"\"rdata\":\"suricata-ids.org\"},{\"rrname\":\"suricata-ids.org\",\"rrtype\":\"A\","
		"\"ttl\":244,\"rdata\":\"192.0.78.24\"},{\"rrname\":\"suricata-ids.org\",\"rrtype\":"
		"\"A\",\"ttl\":244,\"rdata\":\"192.0.78.25\"}],\"grouped\":{\"A\":[\"192.0.78.24\","
		"\"192.0.78.25\"],\"CNAME\":[\"suricata-ids.org\"]}}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_dig_records(&f->c);
}

/* With "grouped" alone the owners follow from the question and the one
 * CNAME. */
static void test_grouped_one_cname(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.suricata-ids.org\","
		"\"rrtype\":\"A\"}],\"grouped\":{\"CNAME\":[\"suricata-ids.org\"],"
		"\"A\":[\"192.0.78.24\",\"192.0.78.25\"]}}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_dig_records(&f->c);
}

/* Two CNAMEs in "grouped" lose their order, so nothing is recorded; nor is
 * data of another type than the question's, whose owner is unknown. */
static void test_grouped_ambiguous(void **state)
{
	struct fixture *f = *state;
	const char *two_cnames =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"a.example.com\",\"rrtype\":\"A\"}],"
		"\"grouped\":{\"CNAME\":[\"b.example.com\",\"c.example.com\"],"
		"\"A\":[\"192.0.2.1\"]}}}";
	assert_int_equal(parse(f, two_cnames), DN_OK);
	assert_int_equal(f->c.n, 0);

	const char *other_type =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":2,\"type\":\"answer\","
		"\"rcode\":\"NOERROR\",\"rrname\":\"a.example.com\",\"rrtype\":\"A\","
		"\"grouped\":{\"A\":[\"192.0.2.1\"],\"AAAA\":[\"2001:0db8:0000:0000:0000:0000:0000:0001\"]}}}";
	assert_int_equal(parse(f, other_type), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "a.example.com.", TYPE_A, "192.0.2.1");
}

/* dns/bug-1158: one TXT record of two strings, which Suricata logs as two
 * entries; both are skipped. The NS of the authority section is kept. */
static void test_txt_strings(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"AAAAAO1kQA.=auth.srv.tunnel.com\","
		"\"rrtype\":\"TXT\"}],\"answers\":[{\"rrname\":\"AAAAAO1kQA.=auth.srv.tunnel.com\","
		"\"rrtype\":\"TXT\",\"ttl\":3,\"rdata\":\"AhvMAAO1kAFE5TE9QTjFFN09RN1lYSDk\"},"
		"{\"rrname\":\"AAAAAO1kQA.=auth.srv.tunnel.com\",\"rrtype\":\"TXT\",\"ttl\":3,"
		"\"rdata\":\"\"}],\"grouped\":{\"TXT\":[\"AhvMAAO1kAFE5TE9QTjFFN09RN1lYSDk\",\"\"]},"
		"\"authorities\":[{\"rrname\":\"srv.tunnel.com\",\"rrtype\":\"NS\",\"ttl\":604800,"
		"\"rdata\":\"iodine.tunnel.com\"}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "srv.tunnel.com.", TYPE_NS, "iodine.tunnel.com.");

	/* dns/dns-udp-eve-txt: one string. */
	const char *single =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"google.com\",\"rrtype\":\"TXT\"}],"
		"\"answers\":[{\"rrname\":\"google.com\",\"rrtype\":\"TXT\",\"ttl\":3217,"
		"\"rdata\":\"v=spf1 include:_spf.google.com ~all\"}]}}";
	assert_int_equal(parse(f, single), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "google.com.", TYPE_TXT,
	              "\"v=spf1 include:_spf.google.com ~all\"");
}

/* Quotes, backslashes and control bytes in TXT, and bytes Suricata writes
 * as "\xNN" because the string is not UTF-8; special characters in owner
 * names. */
static void test_txt_escapes(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"a b(c);d\",\"rrtype\":\"TXT\","
		"\"ttl\":1,\"rdata\":\"say \\\"hi\\\" \\\\ \\u0001\\\\xc5\"}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "a\\032b\\(c\\)\\;d.", TYPE_TXT,
	              "\"say \\\"hi\\\" \\\\ \\001\\197\"");

	/* Valid UTF-8 is taken as it is, so its backslashes stay text. */
	const char *utf8 =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"x.example\",\"rrtype\":\"TXT\","
		"\"ttl\":1,\"rdata\":\"\\u00e9\\\\xc5\"}]}}";
	assert_int_equal(parse(f, utf8), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "x.example.", TYPE_TXT, "\"\\195\\169\\\\xc5\"");
}

/* dns/dns-udp-null: the rdata the check gives, with the owner name tshark
 * decodes from input.pcap, and tshark's hex of the rdata. */
static void test_null_rdata(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"vaaaakardli.pirate.sea\","
		"\"rrtype\":\"NULL\"}],\"answers\":[{\"rrname\":\"vaaaakardli.pirate.sea\","
		"\"rrtype\":\"NULL\",\"ttl\":0,\"rdata\":\"VACKD\\u0003\\\\xc5\\\\xe9\\u0001\"}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "vaaaakardli.pirate.sea.", TYPE_NULL,
	              "\\# 9 5641434b4403c5e901");
}

/* dns/dns-sshfp: algo and fingerprint from the check, fingerprint type 1
 * (SHA-1) as tshark decodes input.pcap. */
static void test_sshfp(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"anoncvs.netbsd.org\","
		"\"rrtype\":\"SSHFP\",\"ttl\":86400,\"sshfp\":{\"fingerprint\":"
		"\"19:8c:34:a9:2f:c0:b2:ab:1d:a5:2b:68:8c:2f:19:1d:2d:96:0c:09\",\"algo\":1,"
		"\"type\":1}}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "anoncvs.netbsd.org.", TYPE_SSHFP,
	              "1 1 198c34a92fc0b2ab1da52b688c2f191d2d960c09");

	/* Without the type (as the check gives it) the entry is unusable. */
	const char *partial =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"anoncvs.netbsd.org\","
		"\"rrtype\":\"SSHFP\",\"sshfp\":{\"fingerprint\":\"19:8c\",\"algo\":1}}]}}";
	assert_int_equal(parse(f, partial), DN_EMALF);
	assert_int_equal(f->c.n, 0);
	assert_non_null(strstr(f->err.msg, "answers[0]"));
}

/* The object forms of SOA and SRV (Suricata 7 and 8); MX, which comes
 * without its preference, and DNSSEC types, which come without rdata, give
 * no record. */
static void test_object_rdata(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.com\",\"rrtype\":\"ANY\"}],"
		"\"answers\":["
		"{\"rrname\":\"example.com\",\"rrtype\":\"SOA\",\"ttl\":60,\"soa\":{\"mname\":"
		"\"ns1.example.com\",\"rname\":\"hostmaster.example.com\",\"serial\":2024010101,"
		"\"refresh\":7200,\"retry\":3600,\"expire\":1209600,\"minimum\":300}},"
		"{\"rrname\":\"_https._tcp.example.com\",\"rrtype\":\"SRV\",\"ttl\":60,\"srv\":"
		"{\"priority\":10,\"weight\":20,\"port\":443,\"name\":\"www.example.com\"}},"
		"{\"rrname\":\"example.com\",\"rrtype\":\"MX\",\"ttl\":60,\"rdata\":\"mx.example.com\"},"
		"{\"rrname\":\"example.com\",\"rrtype\":\"RRSIG\",\"ttl\":60},"
		"{\"rrname\":\"example.com\",\"rrtype\":\"AAAA\",\"ttl\":60,"
		"\"rdata\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"},"
		"{\"rrname\":\"1.2.0.192.in-addr.arpa\",\"rrtype\":\"PTR\",\"ttl\":60,\"rdata\":\"\"}"
		"]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 4);
	assert_record(&f->c.rec[0], "example.com.", TYPE_SOA,
	              "ns1.example.com. hostmaster.example.com. 2024010101 7200 3600 1209600 300");
	assert_record(&f->c.rec[1], "_https._tcp.example.com.", TYPE_SRV,
	              "10 20 443 www.example.com.");
	assert_record(&f->c.rec[2], "example.com.", TYPE_AAAA, "2001:db8::1");
	/* Suricata writes the root as "". */
	assert_record(&f->c.rec[3], "1.2.0.192.in-addr.arpa.", TYPE_PTR, ".");
}

/* An error rcode is a negative answer for the end of the CNAME chain. */
static void test_nxdomain_after_cname(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NXDOMAIN\",\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}],"
		"\"answers\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\",\"ttl\":60,"
		"\"rdata\":\"gone.example.net\"}],\"authorities\":[{\"rrname\":\"example.net\","
		"\"rrtype\":\"SOA\",\"ttl\":60,\"soa\":{\"mname\":\"ns.example.net\",\"rname\":"
		"\"admin.example.net\",\"serial\":1,\"refresh\":2,\"retry\":3,\"expire\":4,"
		"\"minimum\":5}}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 3);
	assert_record(&f->c.rec[0], "www.example.com.", TYPE_CNAME, "gone.example.net.");
	assert_record(&f->c.rec[1], "example.net.", TYPE_SOA,
	              "ns.example.net. admin.example.net. 1 2 3 4 5");
	assert_negative(&f->c.rec[2], "gone.example.net.", TYPE_A, RCODE_NXDOMAIN);

	const char *servfail =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":2,\"type\":\"answer\","
		"\"rcode\":\"SERVFAIL\",\"rrname\":\"broken.example\",\"rrtype\":\"AAAA\"}}";
	assert_int_equal(parse(f, servfail), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_negative(&f->c.rec[0], "broken.example.", TYPE_AAAA, RCODE_SERVFAIL);
}

/* NOERROR without data: NODATA only when the log shows a whole answer
 * section, no truncation and no referral. */
static void test_nodata(void **state)
{
	struct fixture *f = *state;
	const char *soa =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.com\",\"rrtype\":\"AAAA\"}],"
		"\"authorities\":[{\"rrname\":\"example.com\",\"rrtype\":\"SOA\",\"ttl\":60,"
		"\"soa\":{\"mname\":\"ns.example.com\",\"rname\":\"a.example.com\",\"serial\":1,"
		"\"refresh\":2,\"retry\":3,\"expire\":4,\"minimum\":5}}]}}";
	assert_int_equal(parse(f, soa), DN_OK);
	assert_int_equal(f->c.n, 2);
	assert_negative(&f->c.rec[1], "example.com.", TYPE_AAAA, 0);

	/* A referral: NS and no SOA. */
	const char *referral =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"A\"}],"
		"\"authorities\":[{\"rrname\":\"example.com\",\"rrtype\":\"NS\",\"ttl\":60,"
		"\"rdata\":\"ns.example.com\"}]}}";
	assert_int_equal(parse(f, referral), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "example.com.", TYPE_NS, "ns.example.com.");

	/* v3 logs every authority record, so an empty section is empty. */
	const char *empty_v3 =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.com\",\"rrtype\":\"TXT\"}]}}";
	assert_int_equal(parse(f, empty_v3), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_negative(&f->c.rec[0], "example.com.", TYPE_TXT, 0);

	/* A v2 response must show the SOA: not every v2 release is known to log
	 * authorities. */
	const char *empty_v2 =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":2,\"type\":\"answer\","
		"\"rcode\":\"NOERROR\",\"rrname\":\"example.com\",\"rrtype\":\"TXT\"}}";
	assert_int_equal(parse(f, empty_v2), DN_OK);
	assert_int_equal(f->c.n, 0);

	/* Truncated: the answer section may be incomplete. */
	const char *tc =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"tc\":true,\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.com\","
		"\"rrtype\":\"TXT\"}]}}";
	assert_int_equal(parse(f, tc), DN_OK);
	assert_int_equal(f->c.n, 0);

	/* A CNAME chain that ends without data of the question type. */
	const char *chain =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"AAAA\"}],"
		"\"answers\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\",\"ttl\":60,"
		"\"rdata\":\"v4only.example.com\"}]}}";
	assert_int_equal(parse(f, chain), DN_OK);
	assert_int_equal(f->c.n, 2);
	assert_negative(&f->c.rec[1], "v4only.example.com.", TYPE_AAAA, 0);

	/* "grouped" alone leaves out types without logged rdata. */
	const char *grouped =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":\"example.com\",\"rrtype\":\"DS\"}],"
		"\"grouped\":{}}}";
	assert_int_equal(parse(f, grouped), DN_OK);
	assert_int_equal(f->c.n, 0);
}

/* dns/dns-invalid-opcode: a response with opcode 9 carries no lookup data. */
static void test_opcode(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"flags\":\"c800\",\"opcode\":9,\"rcode\":\"NOERROR\",\"queries\":[{\"rrname\":"
		"\"suricata.io\",\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"suricata.io\","
		"\"rrtype\":\"A\",\"ttl\":0,\"rdata\":\"127.0.0.1\"}]}}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 0);
}

/* A malformed entry is reported after the good ones are delivered. */
static void test_bad_entry(void **state)
{
	struct fixture *f = *state;
	const char *line =
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
		"\"rcode\":\"NOERROR\",\"answers\":[{\"rrname\":\"a.example\",\"rrtype\":\"A\","
		"\"rdata\":\"192.0.2.999\"},{\"rrname\":\"b.example\",\"rrtype\":\"A\","
		"\"rdata\":\"192.0.2.7\"},{\"rrname\":\"x..example\",\"rrtype\":\"A\","
		"\"rdata\":\"192.0.2.8\"},{\"rrname\":\"cut.example\",\"rrname_truncated\":true,"
		"\"rrtype\":\"A\",\"rdata\":\"192.0.2.9\"}]}}";
	assert_int_equal(parse(f, line), DN_EMALF);
	assert_int_equal(f->c.n, 1);
	assert_record(&f->c.rec[0], "b.example.", TYPE_A, "192.0.2.7");
	assert_non_null(strstr(f->err.msg, "answers[0]"));
	assert_non_null(strstr(f->err.msg, "IPv4"));

	char label[200];
	memset(label, 'a', 64);
	label[64] = '\0';
	char long_label[512];
	snprintf(long_label, sizeof(long_label),
	         "{" TS ",\"event_type\":\"dns\",\"dns\":{\"version\":3,\"type\":\"response\","
	         "\"answers\":[{\"rrname\":\"%s.example\",\"rrtype\":\"A\","
	         "\"rdata\":\"192.0.2.1\"}]}}",
	         label);
	assert_int_equal(parse(f, long_label), DN_EMALF);
	assert_int_equal(f->c.n, 0);
}

/* v1: a failure event without the query event names no type, and gives
 * nothing; with it, a negative answer. */
static void test_v1_failure(void **state)
{
	struct fixture *f = *state;
	const char *failure =
		"{" TS ",\"flow_id\":77,\"event_type\":\"dns\",\"dns\":{\"type\":\"answer\","
		"\"id\":5,\"rcode\":\"NXDOMAIN\",\"rrname\":\"missing.example\"}}";
	assert_int_equal(parse(f, failure), DN_OK);
	assert_int_equal(f->c.n, 0);

	const char *query =
		"{" TS ",\"flow_id\":77,\"event_type\":\"dns\",\"dns\":{\"type\":\"query\","
		"\"id\":5,\"rrname\":\"missing.example\",\"rrtype\":\"MX\",\"tx_id\":0}}";
	assert_int_equal(parse(f, query), DN_OK);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(parse(f, failure), DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_negative(&f->c.rec[0], "missing.example.", TYPE_MX, RCODE_NXDOMAIN);

	/* Another flow with the same DNS id is another question. */
	const char *other_flow =
		"{" TS ",\"flow_id\":78,\"event_type\":\"dns\",\"dns\":{\"type\":\"answer\","
		"\"id\":5,\"rcode\":\"NXDOMAIN\",\"rrname\":\"missing.example\"}}";
	assert_int_equal(parse(f, other_flow), DN_OK);
	assert_int_equal(f->c.n, 0);
}

/* Lines that are not DNS answers, and lines that are not eve records. */
static void test_other_lines(void **state)
{
	struct fixture *f = *state;
	const char *ok[] = {
		"",
		"   ",
		"{\"timestamp\":\"x\",\"event_type\":\"flow\",\"flow\":{}}",
		"{" TS ",\"event_type\":\"alert\",\"dns\":{\"type\":\"response\",\"answers\":"
		"[{\"rrname\":\"a.example\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}]}}",
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"type\":\"request\",\"queries\":[]}}",
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"type\":\"query\",\"rrname\":\"a\"}}",
	};
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		assert_int_equal(parse(f, ok[i]), DN_OK);
		assert_int_equal(f->c.n, 0);
	}
	const char *bad[] = {
		"not json",
		"[1,2]",
		"{\"timestamp\":\"2024-01-01T00:00:00Z\"}",
		"{\"timestamp\":\"2024-13-01T00:00:00Z\",\"event_type\":\"dns\",\"dns\":{}}",
		"{\"timestamp\":\"2024-01-01T00:00:00+0100x\",\"event_type\":\"dns\",\"dns\":{}}",
		"{" TS ",\"event_type\":\"dns\"}",
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"type\":\"other\"}}",
		"{" TS ",\"event_type\":\"dns\",\"dns\":{\"type\":\"response\",\"answers\":{}}}",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(f, bad[i]), DN_EMALF);
		assert_int_equal(f->c.n, 0);
	}
}

/* The callback's status stops the line at once. */
static void test_callback_status(void **state)
{
	struct fixture *f = *state;
	f->c.reply = DN_ENOMEM;
	f->c.reply_after = 1;
	assert_int_equal(parse(f, DIG_V3), DN_ENOMEM);
	assert_int_equal(f->c.n, 1);
}

static void test_detect(void **state)
{
	(void)state;
	assert_int_equal(feed_detect(DIG_V3, strlen(DIG_V3)), FEED_EVE);
	/* Cut mid-line, after a blank line. */
	const char *cut = "\n{\"timestamp\":\"2017-01-30T16:12:26.985026+0100\",\"flow_id\":95,"
	                  "\"event_type\":\"dns\",\"src_ip\":";
	assert_int_equal(feed_detect(cut, strlen(cut)), FEED_EVE);
	const char *cof = "{\"rrname\":\"a.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\","
	                  "\"time_first\":1,\"time_last\":2}\n";
	assert_int_not_equal(feed_detect(cof, strlen(cof)), FEED_EVE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v1_corpus_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_answer_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_broken_log, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v3_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v2_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grouped_one_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_grouped_ambiguous, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txt_strings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_txt_escapes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_rdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sshfp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_rdata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nxdomain_after_cname, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodata, setup, teardown),
		cmocka_unit_test_setup_teardown(test_opcode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_v1_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_status, setup, teardown),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
