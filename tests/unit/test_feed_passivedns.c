/* Tests for the passivedns log reader (feed/passivedns.c). No passivedns
 * log is in the shared corpus, so this test writes lines in passivedns's
 * layout from tshark's decode of corpus captures and checks that the
 * reader gives back tshark's name, type and rdata. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "feed/feed.h"
#include "feed/feed_impl.h"
#include "feed_collect.h"

static const char *corpus;

/* ---- lines from tshark ---- */

/* tshark -T fields columns, in this order. */
enum tshark_column {
	T_TIME,
	T_IP_SRC,
	T_IP6_SRC,
	T_IP_DST,
	T_IP6_DST,
	T_RCODE,
	T_QNAME,
	T_QTYPE,
	T_QCLASS,
	T_ANCOUNT,
	T_RR_NAME,
	T_RR_TYPE,
	T_RR_CLASS,
	T_RR_TTL,
	T_A,
	T_AAAA,
	T_CNAME,
	T_NS,
	T_PTR,
	T_MX,
	T_SOA_MNAME,
	T_TXT,
	T_COLUMNS
};

static const char TSHARK_FIELDS[] =
	"-e frame.time_epoch -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e dns.flags.rcode "
	"-e dns.qry.name -e dns.qry.type -e dns.qry.class -e dns.count.answers -e dns.resp.name "
	"-e dns.resp.type -e dns.resp.class -e dns.resp.ttl -e dns.a -e dns.aaaa -e dns.cname "
	"-e dns.ns -e dns.ptr.domain_name -e dns.mx.mail_exchange -e dns.soa.mname -e dns.txt";

/* Type names as passivedns prints them (print_passet() in its dns.c). */
static const char *type_name(int type)
{
	switch (type) {
	case 1:
		return "A";
	case 2:
		return "NS";
	case 5:
		return "CNAME";
	case 6:
		return "SOA";
	case 12:
		return "PTR";
	case 15:
		return "MX";
	case 16:
		return "TXT";
	case 28:
		return "AAAA";
	default:
		return NULL;
	}
}

/* The rcode names of passivedns's NXDOMAIN log. */
static const char *rcode_name(int rcode)
{
	static const char *const names[] = {NULL,       "FORMERR",  "SERVFAIL", "NXDOMAIN",
	                                    "NOTIMPL",  "REFUSED",  "YXDOMAIN", "YXRRSET",
	                                    "NXRRSET",  "NOTAUTH",  "NOTZONE"};
	return rcode > 0 && rcode <= 10 ? names[rcode] : NULL;
}

/* tshark's names are plain host names here; others are left out. */
static bool plain_name(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' || *s == '.'))
			return false;
	}
	return true;
}

/* A list column split at its commas. */
struct list {
	char *item[64];
	size_t n;
	size_t next; /* the next item of this type's records */
};

static void list_read(struct list *l, char *text)
{
	l->n = text[0] != '\0' ? split_in_place(text, ',', l->item, 64) : 0;
	l->next = 0;
}

struct counts {
	size_t records[256];  /* by type */
	size_t unsupported;   /* lines the reader reported as DN_ENOTSUP */
	size_t negatives;
};

/* What the reader must give for one line built from tshark's values. */
struct expected {
	bool negative;
	const char *rrname;
	int type;
	const char *rdata; /* NULL: DN_ENOTSUP for MX and SOA, whose rdata
	                      passivedns cuts short */
	int rcode;
	long long time;
	unsigned long long count;
};

static void check_line(struct feed_parser *p, const char *line, const struct expected *e,
                       struct counts *counts)
{
	struct collection c = {0};
	struct dn_error err;
	dn_status rc = parse_into(p, line, &c, &err);
	if (!e->negative && e->rdata == NULL) {
		if (rc != DN_ENOTSUP || c.n != 0)
			fail_msg("'%s' gave %s (%s), expected DN_ENOTSUP", line, dn_strerror(rc),
			         err.msg);
		counts->unsupported++;
		collection_free(&c);
		return;
	}
	if (rc != DN_OK || c.n != 1)
		fail_msg("'%s' gave %s (%s) and %zu records", line, dn_strerror(rc), err.msg, c.n);
	const struct collected *k = &c.items[0];
	if (strcmp(k->rrname, e->rrname) != 0 || k->rrtype != e->type ||
	    k->negative != e->negative || k->time_first != e->time || k->time_last != e->time ||
	    k->count != e->count)
		fail_msg("'%s' gave %s type %u negative %d time %lld count %llu", line, k->rrname,
		         k->rrtype, k->negative, (long long)k->time_first,
		         (unsigned long long)k->count);
	if (e->negative) {
		assert_int_equal(k->rcode, e->rcode);
		assert_null(k->rdata);
		counts->negatives++;
	} else {
		if (strcmp(k->rdata, e->rdata) != 0)
			fail_msg("'%s' gave rdata '%s', expected '%s'", line, k->rdata, e->rdata);
		counts->records[e->type & 0xff]++;
	}
	assert_towire_accepts(&c, line);
	collection_free(&c);
}

/* Lines for every IN record of every section of one tshark row (a DNS
 * response over UDP), as passivedns writes answers, and an error line for
 * an error rcode without answers, as its NXDOMAIN log writes it. */
static void check_response(struct feed_parser *p, char **col, unsigned long long count,
                           struct counts *counts)
{
	char ts[64], line[2048], name[600], rdata[600];
	/* frame.time_epoch has nanoseconds; passivedns prints microseconds. */
	snprintf(ts, sizeof(ts), "%.17s", col[T_TIME]);
	long long seconds = atoll(col[T_TIME]);
	const char *client = col[T_IP_DST][0] != '\0' ? col[T_IP_DST] : col[T_IP6_DST];
	const char *server = col[T_IP_SRC][0] != '\0' ? col[T_IP_SRC] : col[T_IP6_SRC];

	int rcode = atoi(col[T_RCODE]);
	if (rcode != 0 && atoi(col[T_ANCOUNT]) == 0 && rcode_name(rcode) != NULL &&
	    type_name(atoi(col[T_QTYPE])) != NULL && plain_name(col[T_QNAME])) {
		snprintf(line, sizeof(line), "%s||%s||%s||IN||%s.||%s||%s||0||1", ts, client,
		         server, col[T_QNAME], type_name(atoi(col[T_QTYPE])), rcode_name(rcode));
		snprintf(name, sizeof(name), "%s.", col[T_QNAME]);
		struct expected e = {.negative = true, .rrname = name,
		                     .type = atoi(col[T_QTYPE]), .rcode = rcode,
		                     .time = seconds, .count = 1};
		check_line(p, line, &e, counts);
	}

	struct list names, types, classes, ttls, values[T_COLUMNS];
	list_read(&names, col[T_RR_NAME]);
	list_read(&types, col[T_RR_TYPE]);
	list_read(&classes, col[T_RR_CLASS]);
	list_read(&ttls, col[T_RR_TTL]);
	for (int v = T_A; v <= T_TXT; v++)
		list_read(&values[v], col[v]);
	/* tshark leaves out the names of some DNSSEC records (NSEC, RRSIG,
	 * NSEC3), so the names of such a response do not line up. */
	if (names.n != types.n || classes.n != types.n || ttls.n != types.n)
		return;
	size_t txt_records = 0;
	for (size_t i = 0; i < types.n; i++)
		txt_records += atoi(types.item[i]) == 16;

	for (size_t i = 0; i < names.n; i++) {
		int type = atoi(types.item[i]);
		int column = type == 1    ? T_A
		             : type == 28 ? T_AAAA
		             : type == 5  ? T_CNAME
		             : type == 2  ? T_NS
		             : type == 12 ? T_PTR
		             : type == 15 ? T_MX
		             : type == 6  ? T_SOA_MNAME
		             : type == 16 ? T_TXT
		                          : -1;
		if (column < 0)
			continue;
		struct list *value = &values[column];
		if (value->next >= value->n)
			fail_msg("tshark gave fewer values than records of type %d", type);
		const char *answer = value->item[value->next++];
		/* A TXT record of several strings gives several dns.txt values. */
		if (type == 16 && value->n != txt_records)
			continue;
		if (strtol(classes.item[i], NULL, 16) != 1 || !plain_name(names.item[i]))
			continue;
		if (type == 1 || type == 28)
			snprintf(rdata, sizeof(rdata), "%s", answer);
		else if (type == 16)
			snprintf(rdata, sizeof(rdata), "\"%s\"", answer);
		else if (plain_name(answer))
			snprintf(rdata, sizeof(rdata), "%s.", answer);
		else
			continue;
		if (type == 16 && strpbrk(answer, "\"\\") != NULL)
			continue;
		snprintf(name, sizeof(name), "%s.", names.item[i]);
		snprintf(line, sizeof(line), "%s||%s||%s||IN||%s||%s||%s||%s||%llu", ts, client,
		         server, name, type_name(type), rdata, ttls.item[i], count);
		struct expected e = {.rrname = name, .type = type,
		                     .rdata = type == 15 || type == 6 ? NULL : rdata,
		                     .time = seconds, .count = count};
		check_line(p, line, &e, counts);
	}
}

static void check_capture(const char *file, struct counts *counts)
{
	char path[4200], cmd[5000];
	if (file[0] == '/')
		snprintf(path, sizeof(path), "%s", file);
	else
		snprintf(path, sizeof(path), "%s/pcap/%s", corpus, file);
	snprintf(cmd, sizeof(cmd),
	         "tshark -n -r '%s' -Y 'dns.flags.response == 1 && udp.srcport == 53' -T fields "
	         "-E separator=/t -E occurrence=a -E aggregator=, %s 2>/dev/null",
	         path, TSHARK_FIELDS);
	FILE *f = popen(cmd, "r");
	assert_non_null(f);
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_PASSIVEDNS, &p), DN_OK);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t len;
	unsigned long long rows = 0;
	while ((len = getline(&buf, &cap, f)) > 0) {
		if (buf[len - 1] == '\n')
			buf[len - 1] = '\0';
		char *col[T_COLUMNS + 1];
		size_t n = split_in_place(buf, '\t', col, T_COLUMNS + 1);
		if (n != T_COLUMNS)
			fail_msg("%s: tshark row with %zu columns", file, n);
		rows++;
		check_response(p, col, rows % 5 + 1, counts);
	}
	free(buf);
	if (pclose(f) != 0)
		fail_msg("tshark failed on %s", path);
	assert_true(rows > 0);
	feed_parser_free(p);
}

static void test_tshark_captures(void **state)
{
	(void)state;
	struct stat st;
	if (corpus == NULL || corpus[0] == '\0' || stat(corpus, &st) != 0) {
		print_message("the shared corpus is missing (DRAGNET_CORPUS)\n");
		skip();
	}
	if (system("tshark -v >/dev/null 2>&1") != 0) {
		print_message("tshark not found; the test set-up installs it\n");
		skip();
	}
	static const char *const files[] = {
		"dnscap/dns.pcap",
		"dnscap/dns6.pcap",
		"dnscap/sll2.pcap",
		"zeek/wikipedia.pcap",
		"zeek/dns53.pcap",
		"zeek/dnssec_rrsig.pcap",
		"zeek/dns-two-responses.pcap",
		"zeek/dns-zero-RRs.pcap",
		"zeek/dns-txt-multiple.pcap",
		"tcpdump/dns_udp.pcap",
		"pktvisor/ecs.pcap",
	};
	struct counts counts = {0};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/pcap/%s", corpus, files[i]);
		if (stat(path, &st) == 0)
			check_capture(files[i], &counts);
	}
	/* The invented traffic of the demo sample has MX, TXT and NS answers. */
	const char *source = getenv("DRAGNET_SOURCE_DIR");
	if (source != NULL) {
		char path[4200];
		snprintf(path, sizeof(path), "%s/samples/phishing-campaign.pcap.gz", source);
		check_capture(path, &counts);
	}
	print_message("A %zu, AAAA %zu, CNAME %zu, NS %zu, PTR %zu, TXT %zu, negatives %zu, "
	              "MX and SOA not supported %zu\n",
	              counts.records[1], counts.records[28], counts.records[5], counts.records[2],
	              counts.records[12], counts.records[16], counts.negatives,
	              counts.unsupported);
	assert_true(counts.records[1] > 0);
	assert_true(counts.records[2] > 0);
	assert_true(counts.records[5] > 0);
	assert_true(counts.records[12] > 0);
	assert_true(counts.negatives > 0);
	assert_true(counts.unsupported > 0);
}

/* ---- hand-written lines ---- */

static void test_lines(void **state)
{
	(void)state;
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_PASSIVEDNS, &p), DN_OK);
	struct collection c = {0};
	struct dn_error err;

	/* The README's example layout. */
	assert_int_equal(parse_into(p, "1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube"
	                               ".com.||A||74.125.43.117||46587||5",
	                            &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.items[0].rrname, "upload.youtube.com.");
	assert_int_equal(c.items[0].rrtype, 1);
	assert_string_equal(c.items[0].rdata, "74.125.43.117");
	assert_int_equal(c.items[0].time_first, 1322849924);
	assert_int_equal(c.items[0].count, 5);

	/* An error line of the NXDOMAIN log. */
	assert_int_equal(parse_into(p, "1700000000.000001||2001:db8::1||2001:db8::53||IN||gone."
	                               "example.||AAAA||SERVFAIL||0||1",
	                            &c, &err),
	                 DN_OK);
	assert_true(c.items[0].negative);
	assert_int_equal(c.items[0].rcode, 2);
	assert_int_equal(c.items[0].rrtype, 28);
	/* For a query type without a name, passivedns writes the wrong number. */
	assert_int_equal(parse_into(p, "1700000000.000001||192.0.2.1||192.0.2.53||IN||gone.example."
	                               "||1||NXDOMAIN||0||1",
	                            &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);

	/* "||" inside a TXT answer, where no name ending in a dot precedes it. */
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||IN||t.example.||TXT||"
	                               "\"a||A||b\"||60||2",
	                            &c, &err),
	                 DN_OK);
	assert_string_equal(c.items[0].rdata, "\"a||A||b\"");
	assert_int_equal(c.items[0].count, 2);

	/* ldns leaves punctuation such as '|' and '@' unescaped in names;
	 * the master-file form escapes it. */
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||IN||a@b.example.||"
	                               "CNAME||c|d.example.||60||1",
	                            &c, &err),
	                 DN_OK);
	assert_string_equal(c.items[0].rrname, "a\\064b.example.");
	assert_string_equal(c.items[0].rdata, "c\\124d.example.");
	assert_towire_accepts(&c, "punctuation");

	/* Whole rdata of several fields passes; cut rdata does not. */
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||IN||example.||DS||"
	                               "60485 5 1 2BB183AF5F22588179A53B0A98631FAD1A292118||60||1",
	                            &c, &err),
	                 DN_OK);
	assert_towire_accepts(&c, "DS");
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||IN||example.||MX||"
	                               "mail.example.||60||1",
	                            &c, &err),
	                 DN_ENOTSUP);
	assert_non_null(strstr(err.msg, "preference"));
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||IN||www.example.||RRSIG"
	                               "||CNAME 8 3 300 20240101000000 20231201000000 1 example. "
	                               "AAAA||60||1",
	                            &c, &err),
	                 DN_ENOTSUP);

	/* The first string of a TXT record: 255 bytes means more followed. */
	char line[600] = "1700000000||192.0.2.1||192.0.2.53||IN||t.example.||TXT||\"";
	memset(line + strlen(line), 'x', 255);
	strcat(line, "\"||60||1");
	assert_int_equal(parse_into(p, line, &c, &err), DN_ENOTSUP);

	/* Other classes give nothing; comments neither. */
	assert_int_equal(parse_into(p, "1700000000||192.0.2.1||192.0.2.53||CH||version.bind.||TXT"
	                               "||\"9.18\"||0||1",
	                            &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(parse_into(p, "#timestamp||dns-client||dns-server", &c, &err), DN_OK);

	/* Malformed lines. */
	static const char *const bad[] = {
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||A||192.0.2.9||60",
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||A||192.0.2.9||60||0",
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||A||not-an-address||60||1",
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||BOGUS||192.0.2.9||60||1",
		"17000x0000||192.0.2.1||192.0.2.53||IN||a.example.||A||192.0.2.9||60||1",
		"1700000000||client||192.0.2.53||IN||a.example.||A||192.0.2.9||60||1",
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||TXT||unquoted||60||1",
		"1700000000||192.0.2.1||192.0.2.53||IN||a.example.||CNAME||b c.||60||1",
		"1700000000||192.0.2.1||192.0.2.53||XX||a.example.||A||192.0.2.9||60||1",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse_into(p, bad[i], &c, &err) != DN_EMALF || err.msg[0] == '\0' || c.n != 0)
			fail_msg("'%s' not reported as malformed: %s", bad[i], err.msg);
	}
	/* Local time cannot be placed in UTC. */
	assert_int_equal(parse_into(p, "2024-01-01 10:00:00.000001||192.0.2.1||192.0.2.53||IN||"
	                               "a.example.||A||192.0.2.9||60||1",
	                            &c, &err),
	                 DN_ENOTSUP);
	collection_free(&c);
	feed_parser_free(p);
}

/* The demo sample: every line parses, and the format is detected. */
static void test_sample(void **state)
{
	(void)state;
	const char *source = getenv("DRAGNET_SOURCE_DIR");
	if (source == NULL) {
		print_message("DRAGNET_SOURCE_DIR is not set\n");
		skip();
	}
	char path[4200];
	snprintf(path, sizeof(path), "%s/samples/passivedns-sample.log", source);
	struct lines lines;
	if (!lines_read(path, &lines))
		fail_msg("cannot read %s", path);
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_PASSIVEDNS, &p), DN_OK);
	struct collection c = {0};
	struct dn_error err;
	size_t records = 0, negatives = 0;
	char head[4096] = "";
	for (size_t i = 0; i < lines.n; i++) {
		if (strlen(head) + strlen(lines.line[i]) + 2 < sizeof(head)) {
			strcat(head, lines.line[i]);
			strcat(head, "\n");
		}
		assert_int_equal(parse_into(p, lines.line[i], &c, &err), DN_OK);
		assert_towire_accepts(&c, lines.line[i]);
		for (size_t k = 0; k < c.n; k++)
			c.items[k].negative ? negatives++ : records++;
	}
	assert_int_equal(records, 7);
	assert_int_equal(negatives, 1);
	assert_int_equal(feed_detect(head, strlen(head)), FEED_PASSIVEDNS);
	collection_free(&c);
	feed_parser_free(p);
	lines_free(&lines);
}

static void test_detect(void **state)
{
	(void)state;
	const char *line = "1322849924.408856||10.1.1.1||8.8.8.8||IN||upload.youtube.com.||A||"
	                   "74.125.43.117||46587||5\n";
	assert_true(feed_passivedns_ops.detect(line, strlen(line)));
	assert_true(feed_passivedns_ops.detect(line, 60));
	assert_false(feed_passivedns_ops.detect("hello||world\n", 13));
	assert_false(feed_passivedns_ops.detect("#separator \\x09\n", 16));
}

int main(void)
{
	corpus = getenv("DRAGNET_CORPUS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tshark_captures),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests_name("feed_passivedns", tests, NULL, NULL);
}
