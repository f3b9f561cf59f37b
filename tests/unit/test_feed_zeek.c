/* Tests for the Zeek dns.log readers (feed/zeek.c, feed/zeek_response.c).
 * The corpus logs are read twice: by the parser, and by this test, which
 * splits each line itself and derives from the log's own columns what the
 * parser must report. Zeek's btest baselines have ts canonified to
 * "XXXXXXXXXX.XXXXXX", which the parser must call a bad time. So the record
 * checks run on a copy with a real ts written in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>
#include <dirent.h>
#include <jansson.h>

#include "feed/feed.h"
#include "feed/feed_impl.h"
#include "feed_collect.h"

#define CANONIFIED_TS "XXXXXXXXXX.XXXXXX"
#define REAL_TS "1300000000.000000"
#define REAL_TIME 1300000000
#define MAX_COLUMNS 64
#define MAX_ANSWERS 256

static char corpus_zeek[4096]; /* $DRAGNET_CORPUS/zeek */

/* ---- the test's own reading of a TSV dns.log ---- */

struct header {
	bool have_fields;
	char *names[MAX_COLUMNS];
	char *types[MAX_COLUMNS];
	size_t nnames;
	char *names_copy;
	char *types_copy;
};

static void header_free(struct header *h)
{
	free(h->names_copy);
	free(h->types_copy);
	*h = (struct header){0};
}

/* Take #fields and #types from a header line. */
static void header_read(struct header *h, const char *line)
{
	char *fields[MAX_COLUMNS + 1];
	if (strncmp(line, "#fields\t", 8) == 0) {
		free(h->names_copy);
		h->names_copy = strdup(line);
		size_t n = split_in_place(h->names_copy, '\t', fields, MAX_COLUMNS + 1);
		assert_true(n > 1 && n <= MAX_COLUMNS);
		h->nnames = n - 1;
		memcpy(h->names, fields + 1, h->nnames * sizeof(char *));
		h->have_fields = true;
	} else if (strncmp(line, "#types\t", 7) == 0) {
		free(h->types_copy);
		h->types_copy = strdup(line);
		size_t n = split_in_place(h->types_copy, '\t', fields, MAX_COLUMNS + 1);
		assert_int_equal(n - 1, h->nnames);
		memcpy(h->types, fields + 1, (n - 1) * sizeof(char *));
	}
}

struct row {
	char *copy;
	char *field[MAX_COLUMNS];
	size_t n;
	const struct header *h;
};

static void row_read(struct row *r, const struct header *h, const char *line)
{
	r->copy = strdup(line);
	r->n = split_in_place(r->copy, '\t', r->field, MAX_COLUMNS);
	r->h = h;
	assert_int_equal(r->n, h->nnames);
}

/* The value of a column, or NULL when the log has no such column. */
static const char *row_get(const struct row *r, const char *name)
{
	for (size_t i = 0; i < r->h->nnames; i++) {
		if (strcmp(r->h->names[i], name) == 0)
			return r->field[i];
	}
	return NULL;
}

static bool row_is(const struct row *r, const char *name, const char *value)
{
	const char *v = row_get(r, name);
	return v != NULL && strcmp(v, value) == 0;
}

enum line_kind {
	LINE_HEADER,    /* starts with '#' */
	LINE_NO_FIELDS, /* a data line before any #fields header */
	LINE_QUERY,     /* no rcode: a query without a response */
	LINE_FILTERED,  /* a response the parser leaves out on purpose */
	LINE_RESPONSE,  /* a response that must give records or DN_ENOTSUP */
};

/* What the parser must make of a data line, from its columns: opcodes
 * other than QUERY, NetBIOS (137), mDNS (5353), LLMNR (5355) and classes
 * other than IN are left out. */
static enum line_kind row_kind(const struct row *r)
{
	if (row_is(r, "rcode", "-"))
		return LINE_QUERY;
	const char *opcode = row_get(r, "opcode");
	if (opcode != NULL && strcmp(opcode, "0") != 0 && strcmp(opcode, "-") != 0)
		return LINE_FILTERED;
	static const char *const ports[] = {"137", "5353", "5355"};
	for (size_t i = 0; i < 3; i++) {
		if (row_is(r, "id.orig_p", ports[i]) || row_is(r, "id.resp_p", ports[i]))
			return LINE_FILTERED;
	}
	const char *qclass = row_get(r, "qclass");
	if (qclass != NULL && strcmp(qclass, "1") != 0 && strcmp(qclass, "-") != 0)
		return LINE_FILTERED;
	return LINE_RESPONSE;
}

/* The answers column split at its commas. */
static size_t row_answers(const struct row *r, char *copy_out[1], char **answers)
{
	const char *a = row_get(r, "answers");
	*copy_out = NULL;
	if (a == NULL || strcmp(a, "-") == 0 || strcmp(a, "(empty)") == 0)
		return 0;
	*copy_out = strdup(a);
	return split_in_place(*copy_out, ',', answers, MAX_ANSWERS);
}

/* Zeek's "TXT 3 abc TXT 2 de" as master-file text '"abc" "de"', for the
 * plain strings the corpus holds; NULL for other answers. */
static char *txt_expected(const char *answer, const char *tag)
{
	size_t tag_len = strlen(tag);
	char *out = calloc(1, strlen(answer) + 3);
	const char *p = answer;
	while (strncmp(p, tag, tag_len) == 0) {
		char *end;
		long n = strtol(p + tag_len, &end, 10);
		if (*end != ' ' || n < 0 || (long)strlen(end + 1) < n)
			break;
		if (out[0] != '\0')
			strcat(out, " ");
		strcat(out, "\"");
		strncat(out, end + 1, (size_t)n);
		strcat(out, "\"");
		p = end + 1 + n;
		if (*p == '\0')
			return out;
		if (*p != ' ')
			break;
		p++;
	}
	free(out);
	return NULL;
}

/* Whether record rdata of type may come from answer. */
static bool rdata_matches(uint16_t type, const char *rdata, const char *answer)
{
	size_t len = strlen(answer);
	switch (type) {
	case 1:  /* A */
	case 28: /* AAAA */
		return strcmp(rdata, answer) == 0;
	case 5:  /* CNAME */
	case 12: /* PTR */
		return strncmp(rdata, answer, len) == 0 && strcmp(rdata + len, ".") == 0;
	case 16: /* TXT */
	case 99: /* SPF */ {
		char *expected = txt_expected(answer, type == 16 ? "TXT " : "SPF ");
		bool same = expected != NULL && strcmp(expected, rdata) == 0;
		free(expected);
		return same;
	}
	default:
		return false;
	}
}

static void check_negative(const struct row *r, const struct collected *k, size_t nanswers,
                           const char *where)
{
	const char *qtype = row_get(r, "qtype"), *rcode = row_get(r, "rcode");
	if (k->rrtype != atoi(qtype) || k->rcode != atoi(rcode))
		fail_msg("%s: negative type %u rcode %u, line: qtype %s rcode %s", where, k->rrtype,
		         k->rcode, qtype, rcode);
	if (k->rcode == 0 && nanswers > 0)
		fail_msg("%s: NODATA beside answers", where);
}

/* Check the records of a response line against its own columns. Every
 * record comes from an answer, in order, and owners follow the CNAMEs from
 * the query name. A negative comes last and has the line's qtype and rcode. */
static void check_records(const struct row *r, const struct collection *c, int64_t time,
                          const char *where)
{
	char *copy, *answers[MAX_ANSWERS];
	size_t nanswers = row_answers(r, &copy, answers);
	char owner[1100];
	const char *query = row_get(r, "query");
	if (strcmp(query, "(empty)") == 0)
		strcpy(owner, ".");
	else
		snprintf(owner, sizeof(owner), "%s.", query);

	size_t next_answer = 0;
	for (size_t i = 0; i < c->n; i++) {
		const struct collected *k = &c->items[i];
		if (k->time_first != time || k->time_last != time || k->count != 1 ||
		    k->has_bailiwick)
			fail_msg("%s: record %zu has time %lld-%lld, count %llu", where, i,
			         (long long)k->time_first, (long long)k->time_last,
			         (unsigned long long)k->count);
		if (strcmp(k->rrname, owner) != 0)
			fail_msg("%s: record %zu owned by %s, expected %s", where, i, k->rrname,
			         owner);
		if (k->negative) {
			if (i + 1 != c->n)
				fail_msg("%s: a negative record before others", where);
			check_negative(r, k, nanswers, where);
			continue;
		}
		while (next_answer < nanswers && !rdata_matches(k->rrtype, k->rdata,
		                                                answers[next_answer]))
			next_answer++;
		if (next_answer == nanswers)
			fail_msg("%s: record %zu (type %u, '%s') matches no answer in order", where,
			         i, k->rrtype, k->rdata);
		next_answer++;
		if (k->rrtype == 5)
			snprintf(owner, sizeof(owner), "%s", k->rdata);
	}
	free(copy);
}

/* ---- running the parser over a file ---- */

struct file_result {
	size_t responses;  /* LINE_RESPONSE lines */
	size_t with_records;
	size_t unsupported;
	size_t records;
	size_t no_fields;
};

/* Parse every line of path, with the canonified ts replaced by ts_text
 * (or left as it is when ts_text is NULL), and check each line's outcome
 * against its kind. A record's time must be REAL_TIME when ts_text is
 * given, else the line's own ts. */
static struct file_result check_tsv_file(const char *path, const char *ts_text)
{
	struct lines lines;
	if (!lines_read(path, &lines))
		fail_msg("cannot read %s", path);
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_ZEEK_TSV, &p), DN_OK);
	struct collection c = {0}, all = {0};
	struct header h = {0};
	struct file_result res = {0};

	for (size_t i = 0; i < lines.n; i++) {
		char where[4300];
		snprintf(where, sizeof(where), "%s:%zu", path, i + 1);
		char *line = lines.line[i];
		if (ts_text != NULL && strncmp(line, CANONIFIED_TS, strlen(CANONIFIED_TS)) == 0)
			memcpy(line, ts_text, strlen(CANONIFIED_TS));
		struct dn_error err;
		dn_status rc = parse_into(p, line, &c, &err);
		for (size_t k = 0; k < c.n; k++)
			collect(&(struct feed_record){.negative = c.items[k].negative,
			                              .rcode = c.items[k].rcode,
			                              .rrname = c.items[k].rrname,
			                              .rrtype = c.items[k].rrtype,
			                              .rdata = c.items[k].rdata,
			                              .time_first = c.items[k].time_first,
			                              .time_last = c.items[k].time_last,
			                              .count = c.items[k].count},
			        &all);
		if (line[0] == '#') {
			header_read(&h, line);
			if (rc != DN_OK || c.n != 0)
				fail_msg("%s: header line gave %s: %s", where, dn_strerror(rc),
				         err.msg);
			continue;
		}
		if (!h.have_fields) {
			if (rc != DN_EMALF || strstr(err.msg, "#fields") == NULL)
				fail_msg("%s: data line before #fields gave %s: %s", where,
				         dn_strerror(rc), err.msg);
			res.no_fields++;
			continue;
		}
		struct row r;
		row_read(&r, &h, line);
		enum line_kind kind = row_kind(&r);
		if (kind != LINE_RESPONSE) {
			if (rc != DN_OK || c.n != 0)
				fail_msg("%s: line of kind %d gave %s (%s) and %zu records", where,
				         kind, dn_strerror(rc), err.msg, c.n);
		} else if (ts_text == NULL && strcmp(row_get(&r, "ts"), CANONIFIED_TS) == 0) {
			res.responses++;
			if (rc != DN_EMALF || strstr(err.msg, "ts '" CANONIFIED_TS "'") == NULL ||
			    c.n != 0)
				fail_msg("%s: canonified ts gave %s: %s", where, dn_strerror(rc),
				         err.msg);
		} else {
			res.responses++;
			if (rc == DN_OK && c.n == 0)
				fail_msg("%s: a response gave no records and no DN_ENOTSUP", where);
			if (rc != DN_OK && (rc != DN_ENOTSUP || err.msg[0] == '\0'))
				fail_msg("%s: response gave %s: %s", where, dn_strerror(rc),
				         err.msg);
			res.with_records += c.n > 0;
			res.unsupported += rc == DN_ENOTSUP;
			res.records += c.n;
			int64_t time = ts_text != NULL ? REAL_TIME : atoll(row_get(&r, "ts"));
			check_records(&r, &c, time, where);
		}
		free(r.copy);
	}
	assert_towire_accepts(&all, path);
	header_free(&h);
	collection_free(&c);
	collection_free(&all);
	feed_parser_free(p);
	lines_free(&lines);
	return res;
}

static size_t list_logs(const char *dir, char names[][256], size_t max)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL && n < max) {
		size_t len = strlen(e->d_name);
		if (len > 8 && strcmp(e->d_name + len - 8, ".dns.log") == 0)
			snprintf(names[n++], 256, "%s", e->d_name);
	}
	closedir(d);
	return n;
}

/* Every btest baseline: with its canonified ts every response is a bad
 * time; with a real ts every response gives records or DN_ENOTSUP. */
static void test_btest_baselines(void **state)
{
	(void)state;
	char dir[4200], names[64][256], path[4500];
	snprintf(dir, sizeof(dir), "%s/btest", corpus_zeek);
	size_t n = list_logs(dir, names, 64);
	assert_int_equal(n, 17);
	struct file_result raw = {0}, real = {0};
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		struct file_result a = check_tsv_file(path, NULL);
		struct file_result b = check_tsv_file(path, REAL_TS);
		assert_int_equal(a.responses, b.responses);
		raw.responses += a.responses;
		raw.no_fields += a.no_fields;
		real.responses += b.responses;
		real.with_records += b.with_records;
		real.unsupported += b.unsupported;
		real.records += b.records;
	}
	/* dnssec-ed25519.dns.log is zeek-cut output without the header: its
	 * two records and column line come before any #fields. */
	assert_int_equal(raw.no_fields, 3);
	assert_true(real.with_records >= 12);
	assert_true(real.unsupported >= 10);
	print_message("btest: %zu responses, %zu with records (%zu records), %zu not supported\n",
	              real.responses, real.with_records, real.records, real.unsupported);
}

/* The rita logs have real timestamps; one of them has the older field set
 * without opcode, auth and addl. */
static void test_rita_logs(void **state)
{
	(void)state;
	static const char *const files[] = {"open_conns.dns.log", "proxy.dns.log"};
	char path[4500];
	for (size_t i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/rita/%s", corpus_zeek, files[i]);
		struct file_result res = check_tsv_file(path, NULL);
		assert_true(res.responses > 0);
		assert_true(res.with_records > 0);
		print_message("%s: %zu responses, %zu with records, %zu records, %zu not "
		              "supported\n",
		              files[i], res.responses, res.with_records, res.records,
		              res.unsupported);
	}
}

/* ---- specific lines ---- */

/* Feed the header lines of path and then its first data line containing
 * needle, with a canonified ts replaced by REAL_TS. */
static dn_status parse_line_of(const char *file, enum feed_format format, const char *needle,
                               struct collection *c, struct dn_error *err)
{
	char path[4500];
	snprintf(path, sizeof(path), "%s/%s", corpus_zeek, file);
	struct lines lines;
	if (!lines_read(path, &lines))
		fail_msg("cannot read %s", path);
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(format, &p), DN_OK);
	dn_status rc = DN_EINVAL;
	for (size_t i = 0; i < lines.n; i++) {
		char *line = lines.line[i];
		if (line[0] == '#') {
			assert_int_equal(parse_into(p, line, c, err), DN_OK);
			continue;
		}
		if (strstr(line, needle) == NULL)
			continue;
		if (strncmp(line, CANONIFIED_TS, strlen(CANONIFIED_TS)) == 0)
			memcpy(line, REAL_TS, strlen(CANONIFIED_TS));
		rc = parse_into(p, line, c, err);
		break;
	}
	feed_parser_free(p);
	lines_free(&lines);
	if (rc == DN_EINVAL)
		fail_msg("no line of %s holds '%s'", file, needle);
	return rc;
}

static void assert_record(const struct collection *c, size_t i, const char *rrname,
                          uint16_t rrtype, const char *rdata)
{
	if (i >= c->n)
		fail_msg("record %zu missing, %zu delivered", i, c->n);
	assert_false(c->items[i].negative);
	assert_string_equal(c->items[i].rrname, rrname);
	assert_int_equal(c->items[i].rrtype, rrtype);
	assert_string_equal(c->items[i].rdata, rdata);
}

static void assert_negative(const struct collection *c, size_t i, const char *rrname,
                            uint16_t rrtype, uint16_t rcode)
{
	if (i >= c->n)
		fail_msg("record %zu missing, %zu delivered", i, c->n);
	assert_true(c->items[i].negative);
	assert_string_equal(c->items[i].rrname, rrname);
	assert_int_equal(c->items[i].rrtype, rrtype);
	assert_int_equal(c->items[i].rcode, rcode);
	assert_null(c->items[i].rdata);
}

static void test_corpus_lines(void **state)
{
	(void)state;
	struct collection c = {0};
	struct dn_error err;

	/* upload.wikimedia.org A: upload.pmtpa.wikimedia.org,208.80.152.3 */
	assert_int_equal(parse_line_of("btest/wikipedia.dns.log", FEED_ZEEK_TSV,
	                               "C37jN32gN3y3AZzyf6", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "upload.wikimedia.org.", 5, "upload.pmtpa.wikimedia.org.");
	assert_record(&c, 1, "upload.pmtpa.wikimedia.org.", 1, "208.80.152.3");
	assert_int_equal(c.items[1].time_first, REAL_TIME);

	/* NXDOMAIN for upload.wikimedia.org.ncsa.uiuc.edu AAAA */
	assert_int_equal(parse_line_of("btest/wikipedia.dns.log", FEED_ZEEK_TSV,
	                               "CP5puj4I8PtEU4qzYg", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_negative(&c, 0, "upload.wikimedia.org.ncsa.uiuc.edu.", 28, 3);

	/* upload.wikimedia.org AAAA, NOERROR without answers, RD, not rejected */
	assert_int_equal(parse_line_of("btest/wikipedia.dns.log", FEED_ZEEK_TSV,
	                               "CmES5u32sYpV7JYN", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_negative(&c, 0, "upload.wikimedia.org.", 28, 0);

	/* quasar.sas.upenn.edu,RRSIG 5 upenn.edu,128.91.234.145,RRSIG 1 upenn.edu */
	assert_int_equal(parse_line_of("btest/rrsig.dns.log", FEED_ZEEK_TSV,
	                               "CtPZjS20MLrsMUOJi2", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "workfamily.sas.upenn.edu.", 5, "quasar.sas.upenn.edu.");
	assert_record(&c, 1, "quasar.sas.upenn.edu.", 1, "128.91.234.145");
	assert_non_null(strstr(err.msg, "answer 2 of 4 \"RRSIG 5 upenn.edu\""));
	assert_non_null(strstr(err.msg, "2 answers or negatives"));

	/* No query seen: the owner of the first answer is the query name. */
	assert_int_equal(parse_line_of("btest/spf.dns.log", FEED_ZEEK_TSV, "CHhAvVGS1DHFjwGM9",
	                               &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "mail.vladg.net.", 99, "\"v=spf1 mx -all test\"");
	assert_record(&c, 1, "mail.vladg.net.", 99, "\"v=spf1 mx -all\"");

	/* ... but then a name answer may be of any type, and Zeek did not log
	 * the query type: nothing can be stated. */
	assert_int_equal(parse_line_of("btest/multiple-txt-strings.dns.log", FEED_ZEEK_TSV,
	                               "CHhAvVGS1DHFjwGM9", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);
	assert_non_null(strstr(err.msg, "answer 1 of 3"));

	/* WKS answers are not logged, so no NODATA; NOTIFY is no answer. */
	assert_int_equal(parse_line_of("btest/wks.dns.log", FEED_ZEEK_TSV, "CHhAvVGS1DHFjwGM9",
	                               &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);
	assert_int_equal(parse_line_of("btest/notify.dns.log", FEED_ZEEK_TSV,
	                               "ClEkJM2Vm5giqnMf4h", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 0);

	/* Two PTR answers to a reverse query. */
	assert_int_equal(parse_line_of("rita/proxy.dns.log", FEED_ZEEK_TSV,
	                               "137.3.217.172.in-addr.arpa", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "137.3.217.172.in-addr.arpa.", 12, "yyz08s13-in-f137.1e100.net.");
	assert_record(&c, 1, "137.3.217.172.in-addr.arpa.", 12, "mia09s19-in-f9.1e100.net.");

	/* A CNAME chain of two and its addresses, read from the older field
	 * set, which has no opcode column. */
	assert_int_equal(parse_line_of("rita/proxy.dns.log", FEED_ZEEK_TSV,
	                               "ipv6check-udp.steamcontent.com", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 10);
	assert_record(&c, 0, "ipv6check-udp.steamcontent.com.", 5, "udp.ipv6check.akadns.net.");
	assert_record(&c, 1, "udp.ipv6check.akadns.net.", 5, "na.udp.ipv6check.akadns.net.");
	assert_record(&c, 2, "na.udp.ipv6check.akadns.net.", 28, "2602:801:f006:100::a2fe:c30d");

	/* SERVFAIL with rejected T still names the query. */
	assert_int_equal(parse_line_of("rita/proxy.dns.log", FEED_ZEEK_TSV, "SERVFAIL", &c,
	                               &err),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_negative(&c, 0, "113.105.250.142.in-addr.arpa.", 12, 2);

	/* JSON: a TXT answer, ts as a number with a fraction. */
	assert_int_equal(parse_line_of("rita/json_with_all_fields.dns.log", FEED_ZEEK_JSON,
	                               "CVvreZ2AGtqjnP3nnl", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_record(&c, 0, "6dde0175375169c68f.dnsc.r-1x.com.", 16, "\"302f017537c68f5169\"");
	assert_int_equal(c.items[0].time_first, 1517336042);
	collection_free(&c);
}

/* ---- JSON against TSV ---- */

/* Records of every line of both rita dnscat2 logs, which hold the same 34
 * connections, keyed by uid: the JSON and TSV readers must agree. */
static void test_rita_json_matches_tsv(void **state)
{
	(void)state;
	char tsv_path[4500], json_path[4500];
	snprintf(tsv_path, sizeof(tsv_path), "%s/rita/open_conns.dns.log", corpus_zeek);
	snprintf(json_path, sizeof(json_path), "%s/rita/json_with_all_fields.dns.log",
	         corpus_zeek);
	struct lines tsv, json;
	assert_true(lines_read(tsv_path, &tsv));
	assert_true(lines_read(json_path, &json));
	struct feed_parser *pt, *pj;
	assert_int_equal(feed_parser_new(FEED_ZEEK_TSV, &pt), DN_OK);
	assert_int_equal(feed_parser_new(FEED_ZEEK_JSON, &pj), DN_OK);
	struct collection ct = {0}, cj = {0};
	struct dn_error et, ej;
	size_t matched = 0;

	for (size_t i = 0; i < tsv.n; i++) {
		dn_status rt = parse_into(pt, tsv.line[i], &ct, &et);
		if (tsv.line[i][0] == '#')
			continue;
		char uid[64];
		assert_int_equal(sscanf(tsv.line[i], "%*s\t%63s", uid), 1);
		char key[80];
		snprintf(key, sizeof(key), "\"uid\": \"%s\"", uid);
		size_t j = 0;
		while (j < json.n && strstr(json.line[j], key) == NULL)
			j++;
		if (j == json.n)
			fail_msg("uid %s not in the JSON log", uid);
		dn_status rj = parse_into(pj, json.line[j], &cj, &ej);
		assert_int_equal(rt, rj);
		assert_int_equal(ct.n, cj.n);
		for (size_t k = 0; k < ct.n; k++) {
			assert_string_equal(ct.items[k].rrname, cj.items[k].rrname);
			assert_int_equal(ct.items[k].rrtype, cj.items[k].rrtype);
			assert_int_equal(ct.items[k].negative, cj.items[k].negative);
			assert_int_equal(ct.items[k].time_first, cj.items[k].time_first);
			if (ct.items[k].rdata != NULL)
				assert_string_equal(ct.items[k].rdata, cj.items[k].rdata);
		}
		matched++;
	}
	assert_int_equal(matched, 34);
	collection_free(&ct);
	collection_free(&cj);
	feed_parser_free(pt);
	feed_parser_free(pj);
	lines_free(&tsv);
	lines_free(&json);
}

enum json_variant {
	JSON_FLAT,      /* ts a number, "id.orig_p" keys */
	JSON_ISO_NESTED /* ts an ISO 8601 string, "id": {"orig_p": ...} */
};

/* A TSV row rewritten as Zeek's JSON writer would write it, by #types. */
static char *row_to_json(const struct row *r, enum json_variant variant)
{
	json_t *obj = json_object(), *id = json_object();
	for (size_t i = 0; i < r->n; i++) {
		const char *name = r->h->names[i], *type = r->h->types[i], *v = r->field[i];
		json_t *value;
		if (strcmp(v, "-") == 0)
			continue;
		if (strncmp(type, "vector", 6) == 0 || strncmp(type, "set", 3) == 0) {
			value = json_array();
			char *copy = strdup(v), *parts[MAX_ANSWERS];
			size_t n = strcmp(v, "(empty)") == 0
			                   ? 0
			                   : split_in_place(copy, ',', parts, MAX_ANSWERS);
			bool reals = strstr(type, "interval") != NULL;
			for (size_t k = 0; k < n; k++)
				json_array_append_new(value, reals ? json_real(atof(parts[k]))
				                                   : json_string(parts[k]));
			free(copy);
		} else if (strcmp(type, "count") == 0 || strcmp(type, "port") == 0 ||
		           strcmp(type, "int") == 0) {
			value = json_integer(atoll(v));
		} else if (strcmp(type, "bool") == 0) {
			value = json_boolean(strcmp(v, "T") == 0);
		} else if (strcmp(type, "time") == 0 && variant == JSON_ISO_NESTED) {
			time_t t = (time_t)atoll(v);
			struct tm tm;
			char text[40];
			gmtime_r(&t, &tm);
			strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
			strcat(text, strchr(v, '.') != NULL ? strchr(v, '.') : "");
			strcat(text, "Z");
			value = json_string(text);
		} else if (strcmp(type, "time") == 0 || strcmp(type, "interval") == 0 ||
		           strcmp(type, "double") == 0) {
			value = json_real(atof(v));
		} else {
			value = json_string(strcmp(v, "(empty)") == 0 ? "" : v);
		}
		if (variant == JSON_ISO_NESTED && strncmp(name, "id.", 3) == 0)
			json_object_set_new(id, name + 3, value);
		else
			json_object_set_new(obj, name, value);
	}
	if (json_object_size(id) > 0)
		json_object_set(obj, "id", id);
	json_decref(id);
	char *text = json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(obj);
	return text;
}

static void assert_same_records(const struct collection *a, const struct collection *b)
{
	assert_int_equal(a->n, b->n);
	for (size_t k = 0; k < a->n; k++) {
		assert_string_equal(a->items[k].rrname, b->items[k].rrname);
		assert_int_equal(a->items[k].rrtype, b->items[k].rrtype);
		assert_int_equal(a->items[k].negative, b->items[k].negative);
		assert_int_equal(a->items[k].rcode, b->items[k].rcode);
		assert_int_equal(a->items[k].time_first, b->items[k].time_first);
		if (a->items[k].rdata != NULL)
			assert_string_equal(a->items[k].rdata, b->items[k].rdata);
	}
}

/* Every TSV line of the corpus, as JSON in two variants, must give the same
 * status and records as the TSV line. */
static void check_json_variants(const char *path, const char *ts_text)
{
	struct lines lines;
	assert_true(lines_read(path, &lines));
	struct feed_parser *pt, *pj;
	assert_int_equal(feed_parser_new(FEED_ZEEK_TSV, &pt), DN_OK);
	assert_int_equal(feed_parser_new(FEED_ZEEK_JSON, &pj), DN_OK);
	struct collection ct = {0}, cj = {0};
	struct header h = {0};
	struct dn_error et, ej;
	for (size_t i = 0; i < lines.n; i++) {
		char *line = lines.line[i];
		if (strncmp(line, CANONIFIED_TS, strlen(CANONIFIED_TS)) == 0)
			memcpy(line, ts_text, strlen(CANONIFIED_TS));
		dn_status rt = parse_into(pt, line, &ct, &et);
		if (line[0] == '#') {
			header_read(&h, line);
			continue;
		}
		if (!h.have_fields)
			continue;
		struct row r;
		row_read(&r, &h, line);
		for (int variant = JSON_FLAT; variant <= JSON_ISO_NESTED; variant++) {
			char *json = row_to_json(&r, (enum json_variant)variant);
			dn_status rj = parse_into(pj, json, &cj, &ej);
			if (rt != rj)
				fail_msg("%s:%zu: TSV gave %s (%s), JSON %s (%s): %s", path, i + 1,
				         dn_strerror(rt), et.msg, dn_strerror(rj), ej.msg, json);
			if (rt == DN_ENOTSUP)
				assert_string_equal(et.msg, ej.msg);
			assert_same_records(&ct, &cj);
			free(json);
		}
		free(r.copy);
	}
	header_free(&h);
	collection_free(&ct);
	collection_free(&cj);
	feed_parser_free(pt);
	feed_parser_free(pj);
	lines_free(&lines);
}

static void test_json_from_tsv(void **state)
{
	(void)state;
	char dir[4200], names[64][256], path[4500];
	snprintf(dir, sizeof(dir), "%s/btest", corpus_zeek);
	size_t n = list_logs(dir, names, 64);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		check_json_variants(path, REAL_TS);
	}
	snprintf(path, sizeof(path), "%s/rita/proxy.dns.log", corpus_zeek);
	check_json_variants(path, REAL_TS);
	snprintf(path, sizeof(path), "%s/rita/open_conns.dns.log", corpus_zeek);
	check_json_variants(path, REAL_TS);
}

/* ---- hand-written lines for the cases the corpus lacks ---- */

/* The field set of the btest baselines, with the opcode columns. */
static const char *const HEADER[] = {
	"#separator \\x09",
	"#set_separator\t,",
	"#empty_field\t(empty)",
	"#unset_field\t-",
	"#path\tdns",
	"#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\tquery"
	"\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\tRA\tZ\tanswers"
	"\tTTLs\trejected\topcode\topcode_name",
};

static struct feed_parser *tsv_parser(void)
{
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_ZEEK_TSV, &p), DN_OK);
	for (size_t i = 0; i < sizeof(HEADER) / sizeof(HEADER[0]); i++) {
		struct dn_error err;
		assert_int_equal(feed_parse_line(p, HEADER[i], strlen(HEADER[i]), collect,
		                                 &(struct collection){0}, &err),
		                 DN_OK);
	}
	return p;
}

/* One line of the modern field set from the columns that vary. */
static dn_status tsv_case(struct feed_parser *p, const char *query, const char *qtype,
                          const char *rcode, const char *flags, const char *answers,
                          struct collection *c, struct dn_error *err)
{
	char line[2048];
	snprintf(line, sizeof(line),
	         "1700000000.5\tCx\t192.0.2.10\t40000\t198.51.100.53\t53\tudp\t1\t-\t%s\t1"
	         "\tC_INTERNET\t%s\tX\t%s\tX\t%s\t%s\t-\tF\t0\tquery",
	         query, qtype, rcode, flags, answers);
	return parse_into(p, line, c, err);
}

#define FLAGS_RD "F\tF\tT\tT\t0" /* AA TC RD RA Z */
#define FLAGS_NO_RD "F\tF\tF\tF\t0"
#define FLAGS_TC "F\tT\tT\tT\t0"

static void test_inference(void **state)
{
	(void)state;
	struct feed_parser *p = tsv_parser();
	struct collection c = {0};
	struct dn_error err;

	/* Binary label bytes escaped by Zeek become \DDD; a space too. */
	assert_int_equal(tsv_case(p, "a\\x00b\\x20c.example.com", "1", "0", FLAGS_RD,
	                          "192.0.2.1", &c, &err),
	                 DN_OK);
	assert_record(&c, 0, "a\\000b\\032c.example.com.", 1, "192.0.2.1");
	assert_int_equal(c.items[0].time_first, 1700000000);

	/* TXT with an escaped comma and backslash, a quote, spaces and an
	 * empty second string; lengths count bytes. */
	assert_int_equal(tsv_case(p, "t.example.com", "16", "0", FLAGS_RD,
	                          "TXT 9 a\\x2cb\"c\\x5cd e TXT 0 ", &c, &err),
	                 DN_OK);
	assert_record(&c, 0, "t.example.com.", 16, "\"a,b\\\"c\\\\d e\" \"\"");
	assert_int_equal(tsv_case(p, "t.example.com", "16", "0", FLAGS_RD, "TXT 9 abc", &c,
	                          &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);
	assert_non_null(strstr(err.msg, "lengths"));

	/* An IPv4 address answering AAAA is an IPv4-mapped AAAA. */
	assert_int_equal(tsv_case(p, "m.example.com", "28", "0", FLAGS_RD, "192.0.2.7", &c,
	                          &err),
	                 DN_OK);
	assert_record(&c, 0, "m.example.com.", 28, "::ffff:192.0.2.7");

	/* Classless reverse delegation: a CNAME under in-addr.arpa, then the
	 * PTR owned by its target. */
	assert_int_equal(tsv_case(p, "5.2.0.192.in-addr.arpa", "12", "0", FLAGS_RD,
	                          "5.0/25.2.0.192.in-addr.arpa,host.example.com", &c, &err),
	                 DN_OK);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "5.2.0.192.in-addr.arpa.", 5, "5.0/25.2.0.192.in-addr.arpa.");
	assert_record(&c, 1, "5.0/25.2.0.192.in-addr.arpa.", 12, "host.example.com.");
	assert_towire_accepts(&c, "reverse delegation");

	/* A name answer to NS (or MX, SRV, SOA) may be any of several types;
	 * nothing after it has a known owner. */
	assert_int_equal(tsv_case(p, "example.com", "2", "0", FLAGS_RD,
	                          "ns1.example.com,ns2.example.com", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);
	assert_non_null(strstr(err.msg, "answer 1 of 2"));
	assert_non_null(strstr(err.msg, "(2 answers or negatives"));

	/* A CNAME cannot follow data of its owner. */
	assert_int_equal(tsv_case(p, "w.example.com", "1", "0", FLAGS_RD,
	                          "192.0.2.1,x.example.com,192.0.2.2", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 1);
	assert_record(&c, 0, "w.example.com.", 1, "192.0.2.1");

	/* NXDOMAIN at the end of a CNAME chain applies to the chain's end. */
	assert_int_equal(tsv_case(p, "a.example.com", "1", "3", FLAGS_RD, "b.example.net", &c,
	                          &err),
	                 DN_OK);
	assert_int_equal(c.n, 2);
	assert_record(&c, 0, "a.example.com.", 5, "b.example.net.");
	assert_negative(&c, 1, "b.example.net.", 1, 3);

	/* The root as query name. */
	assert_int_equal(tsv_case(p, "(empty)", "2", "2", FLAGS_RD, "-", &c, &err), DN_OK);
	assert_negative(&c, 0, ".", 2, 2);

	/* NODATA needs RD (no referral), no TC, not rejected and a type whose
	 * answers Zeek always logs and whose replies are small. */
	assert_int_equal(tsv_case(p, "n.example.com", "1", "0", FLAGS_RD, "-", &c, &err),
	                 DN_OK);
	assert_negative(&c, 0, "n.example.com.", 1, 0);
	assert_int_equal(tsv_case(p, "n.example.com", "1", "0", FLAGS_NO_RD, "-", &c, &err),
	                 DN_ENOTSUP);
	assert_non_null(strstr(err.msg, "referral"));
	assert_int_equal(tsv_case(p, "n.example.com", "1", "0", FLAGS_TC, "-", &c, &err),
	                 DN_ENOTSUP);
	assert_non_null(strstr(err.msg, "TC"));
	assert_int_equal(tsv_case(p, "n.example.com", "16", "0", FLAGS_RD, "-", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(tsv_case(p, "n.example.com", "15", "0", FLAGS_RD, "-", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(c.n, 0);

	/* Labels over 63 bytes make no name. */
	char long_name[200];
	memset(long_name, 'a', 64);
	strcpy(long_name + 64, ".example.com");
	assert_int_equal(tsv_case(p, long_name, "1", "0", FLAGS_RD, "192.0.2.1", &c, &err),
	                 DN_ENOTSUP);
	assert_int_equal(tsv_case(p, "c.example.com", "1", "0", FLAGS_RD, long_name, &c, &err),
	                 DN_ENOTSUP);
	assert_non_null(strstr(err.msg, "not a valid domain name"));

	/* Zeek's summaries name what they lose. */
	assert_int_equal(tsv_case(p, "k.example.com", "99", "0", FLAGS_RD, "<unknown type=99>",
	                          &c, &err),
	                 DN_ENOTSUP);
	assert_non_null(strstr(err.msg, "does not know"));
	collection_free(&c);
	feed_parser_free(p);
}

/* Lines left out, and lines reported as malformed. */
static void test_tsv_filters_and_errors(void **state)
{
	(void)state;
	struct feed_parser *p = tsv_parser();
	struct collection c = {0};
	struct dn_error err;
	const char *line;

	/* mDNS, another class, UPDATE and NetBIOS give nothing. */
	line = "1.0\tCx\t192.0.2.10\t5353\t224.0.0.251\t5353\tudp\t0\t-\th.local\t1\tC\t1\tA\t0"
	       "\tNOERROR\tT\tF\tF\tF\t0\t192.0.2.5\t120.0\tF\t0\tquery";
	assert_int_equal(parse_into(p, line, &c, &err), DN_OK);
	assert_int_equal(c.n, 0);
	line = "1.0\tCx\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t0\t-\tversion.bind\t3\tC_CHAOS\t16"
	       "\tTXT\t0\tNOERROR\tT\tF\tF\tF\t0\tTXT 3 9.1\t0.0\tF\t0\tquery";
	assert_int_equal(parse_into(p, line, &c, &err), DN_OK);
	assert_int_equal(c.n, 0);
	line = "1.0\tCx\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t0\t-\tz.example\t-\t-\t-\t-\t0"
	       "\tNOERROR\tF\tF\tF\tF\t0\tadd: A z.example 192.0.2.9\t0.0\tF\t5\tdynamic-update";
	assert_int_equal(parse_into(p, line, &c, &err), DN_OK);
	line = "1.0\tCx\t192.0.2.10\t137\t192.0.2.255\t137\tudp\t0\t-\tWORKGROUP\t1\tC\t32"
	       "\tNB\t0\tNOERROR\tF\tF\tF\tF\t0\t192.0.2.3\t0.0\tF\t0\tnetbios-query";
	assert_int_equal(parse_into(p, line, &c, &err), DN_OK);
	assert_int_equal(c.n, 0);

	/* Malformed lines. */
	assert_int_equal(parse_into(p, "1.0\tonly three\tfields", &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "3 fields where the #fields header names 26"));
	line = "1.0\tCx\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t0\t-\tq.example\t1\tC\tA\tA\t0"
	       "\tNOERROR\tF\tF\tT\tF\t0\t-\t-\tF\t0\tquery";
	assert_int_equal(parse_into(p, line, &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "qtype 'A'"));
	line = "1.0\tCx\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t0\t-\tq.example\t1\tC\t1\tA\t0"
	       "\tNOERROR\tF\tF\tyes\tF\t0\t-\t-\tF\t0\tquery";
	assert_int_equal(parse_into(p, line, &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "RD 'yes'"));
	line = "-\tCx\t192.0.2.10\t1\t192.0.2.53\t53\tudp\t0\t-\tq.example\t1\tC\t1\tA\t0"
	       "\tNOERROR\tF\tF\tT\tF\t0\t192.0.2.1\t1.0\tF\t0\tquery";
	assert_int_equal(parse_into(p, line, &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "ts '-'"));

	/* A new log in the same input must declare its fields again. */
	assert_int_equal(parse_into(p, "#separator \\x09", &c, &err), DN_OK);
	assert_int_equal(parse_into(p, line, &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "#fields"));
	assert_int_equal(parse_into(p, "#fields\tts\tuid\tquery", &c, &err), DN_OK);
	assert_int_equal(parse_into(p, "1.0\tCx\tq.example", &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "no rcode column"));

	/* Another Zeek log. */
	assert_int_equal(parse_into(p, "#path\tconn", &c, &err), DN_OK);
	assert_int_equal(parse_into(p, "#fields\tts\tquery\trcode", &c, &err), DN_OK);
	assert_int_equal(parse_into(p, "1.0\tq\t0", &c, &err), DN_EFORMAT);
	assert_non_null(strstr(err.msg, "conn"));
	collection_free(&c);
	feed_parser_free(p);
}

static void test_json_errors(void **state)
{
	(void)state;
	struct feed_parser *p;
	assert_int_equal(feed_parser_new(FEED_ZEEK_JSON, &p), DN_OK);
	struct collection c = {0};
	struct dn_error err;

	assert_int_equal(parse_into(p, "", &c, &err), DN_OK);
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"query\": ", &c, &err), DN_EMALF);
	assert_non_null(strstr(err.msg, "invalid JSON"));
	assert_int_equal(parse_into(p, "[1, 2]", &c, &err), DN_EMALF);
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"event_type\": \"dns\"}", &c, &err),
	                 DN_EFORMAT);
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"_path\": \"conn\", \"uid\": \"C\"}", &c,
	                            &err),
	                 DN_OK);
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"uid\": \"C\"}", &c, &err), DN_EFORMAT);
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"query\": \"a.example\", \"rcode\": 0, "
	                               "\"qtype\": \"A\"}",
	                            &c, &err),
	                 DN_EMALF);
	assert_non_null(strstr(err.msg, "qtype"));
	assert_int_equal(parse_into(p, "{\"ts\": 1.0, \"query\": \"a.example\", \"rcode\": 0, "
	                               "\"qtype\": 1, \"answers\": \"192.0.2.1\"}",
	                            &c, &err),
	                 DN_EMALF);
	assert_int_equal(parse_into(p, "{\"ts\": \"XXXXXXXXXX.XXXXXX\", \"query\": \"a.example\", "
	                               "\"rcode\": 0, \"qtype\": 1, \"answers\": [\"192.0.2.1\"]}",
	                            &c, &err),
	                 DN_EMALF);
	assert_non_null(strstr(err.msg, "XXXXXXXXXX.XXXXXX"));
	assert_int_equal(parse_into(p, "{\"ts\": -5, \"query\": \"a.example\", \"rcode\": 0, "
	                               "\"qtype\": 1, \"answers\": [\"192.0.2.1\"]}",
	                            &c, &err),
	                 DN_EMALF);

	/* Zeek's JSON writer escapes bytes that are not UTF-8 as \\xHH. */
	assert_int_equal(parse_into(p, "{\"ts\": \"2024-05-01T12:00:00.25Z\", \"query\": "
	                               "\"b\\\\xffin.example\", \"rcode\": 0, \"qtype\": 1, "
	                               "\"answers\": [\"192.0.2.1\"], \"RD\": true}",
	                            &c, &err),
	                 DN_OK);
	assert_record(&c, 0, "b\\255in.example.", 1, "192.0.2.1");
	assert_int_equal(c.items[0].time_first, 1714564800);
	collection_free(&c);
	feed_parser_free(p);
}

/* ---- detection ---- */

static enum feed_format detect_file(const char *path, size_t max)
{
	char buf[4096];
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		fail_msg("cannot open %s", path);
	size_t n = fread(buf, 1, max < sizeof(buf) ? max : sizeof(buf), f);
	fclose(f);
	return feed_detect(buf, n);
}

static void test_detect(void **state)
{
	(void)state;
	char dir[4200], names[64][256], path[4500];
	snprintf(dir, sizeof(dir), "%s/btest", corpus_zeek);
	size_t n = list_logs(dir, names, 64);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		bool cut = strcmp(names[i], "dnssec-ed25519.dns.log") == 0;
		if ((detect_file(path, 4096) == FEED_ZEEK_TSV) == cut)
			fail_msg("%s detected as %s", path,
			         feed_format_name(detect_file(path, 4096)));
	}
	snprintf(path, sizeof(path), "%s/rita/proxy.dns.log", corpus_zeek);
	assert_int_equal(detect_file(path, 4096), FEED_ZEEK_TSV);
	snprintf(path, sizeof(path), "%s/rita/open_conns.dns.log", corpus_zeek);
	assert_int_equal(detect_file(path, 4096), FEED_ZEEK_TSV);
	snprintf(path, sizeof(path), "%s/rita/json_with_all_fields.dns.log", corpus_zeek);
	assert_int_equal(detect_file(path, 4096), FEED_ZEEK_JSON);
	/* cut inside the first object */
	const char *cut = "{\"ts\": 1.0, \"uid\": \"C\", \"query\": \"a";
	assert_true(feed_zeek_json_ops.detect(cut, strlen(cut)));

	const char *conn = "#separator \\x09\n#set_separator\t,\n#path\tconn\n";
	assert_false(feed_zeek_tsv_ops.detect(conn, strlen(conn)));
	const char *eve = "{\"timestamp\":\"2024-01-01T00:00:00Z\",\"event_type\":\"dns\","
	                  "\"uid\":\"x\",\"query\":\"y\"}\n";
	assert_false(feed_zeek_json_ops.detect(eve, strlen(eve)));
	const char *other = "{\"rrname\":\"a.example.\",\"rrtype\":\"A\"}\n";
	assert_false(feed_zeek_json_ops.detect(other, strlen(other)));
	assert_false(feed_zeek_tsv_ops.detect(other, strlen(other)));
}

int main(void)
{
	const char *corpus = getenv("DRAGNET_CORPUS");
	struct stat st;
	if (corpus == NULL || corpus[0] == '\0') {
		fprintf(stderr, "test_feed_zeek: skipped: DRAGNET_CORPUS is not set; set it to "
		                "the shared corpus folder to run these tests\n");
		return 77;
	}
	snprintf(corpus_zeek, sizeof(corpus_zeek), "%s/zeek", corpus);
	if (stat(corpus_zeek, &st) != 0 || !S_ISDIR(st.st_mode)) {
		fprintf(stderr, "test_feed_zeek: skipped: %s is missing\n", corpus_zeek);
		return 77;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_btest_baselines),
		cmocka_unit_test(test_rita_logs),
		cmocka_unit_test(test_corpus_lines),
		cmocka_unit_test(test_rita_json_matches_tsv),
		cmocka_unit_test(test_json_from_tsv),
		cmocka_unit_test(test_inference),
		cmocka_unit_test(test_tsv_filters_and_errors),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_detect),
	};
	return cmocka_run_group_tests_name("feed_zeek", tests, NULL, NULL);
}
