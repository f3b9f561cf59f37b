/* Tests for the COF and DNSDB SAF readers: the forms providers write times,
 * counts and rdata in, negative answers, and how a SAF stream ends. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "feed/feed.h"
#include "feed_records.h"

#define TYPE_A 1
#define TYPE_NS 2
#define TYPE_TXT 16
#define TYPE_AAAA 28
#define RCODE_NXDOMAIN 3

/* 2023-11-14T22:13:20Z and 2024-01-01T00:00:00Z. */
#define T1 1700000000
#define T2 1704067200

struct fixture {
	struct feed_parser *parser;
	struct collector c;
	struct dn_error err;
};

static int setup_parser(void **state, enum feed_format format)
{
	struct fixture *f = calloc(1, sizeof(*f));
	assert_non_null(f);
	assert_int_equal(feed_parser_new(format, &f->parser), DN_OK);
	*state = f;
	return 0;
}

static int setup_cof(void **state)
{
	return setup_parser(state, FEED_COF);
}

static int setup_saf(void **state)
{
	return setup_parser(state, FEED_SAF);
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

static void assert_one(struct fixture *f, const char *line, const char *rrname, uint16_t rrtype,
                       const char *rdata, int64_t first, int64_t last, uint64_t count)
{
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 1);
	const struct collected *r = &f->c.rec[0];
	assert_false(r->negative);
	assert_string_equal(r->rrname, rrname);
	assert_int_equal(r->rrtype, rrtype);
	assert_string_equal(r->rdata, rdata);
	assert_int_equal(r->time_first, first);
	assert_int_equal(r->time_last, last);
	assert_int_equal(r->count, count);
}

static void assert_malformed(struct fixture *f, const char *line, const char *word)
{
	assert_int_equal(parse(f, line), DN_EMALF);
	assert_int_equal(f->c.n, 0);
	if (strstr(f->err.msg, word) == NULL)
		fail_msg("message \"%s\" does not name %s", f->err.msg, word);
}

/* ---- COF ---- */

/* Numbers and strings of digits are the same. */
static void test_numbers_and_strings(void **state)
{
	struct fixture *f = *state;
	assert_one(f,
	           "{\"count\":5,\"time_first\":1700000000,\"time_last\":1704067200,"
	           "\"rrtype\":\"A\",\"rrname\":\"www.example.com.\",\"rdata\":\"192.0.2.1\"}",
	           "www.example.com.", TYPE_A, "192.0.2.1", T1, T2, 5);
	assert_one(f,
	           "{\"count\":\"5\",\"time_first\":\"1700000000\",\"time_last\":\"1704067200\","
	           "\"rrtype\":\"A\",\"rrname\":\"www.example.com.\",\"rdata\":\"192.0.2.1\"}",
	           "www.example.com.", TYPE_A, "192.0.2.1", T1, T2, 5);
	/* Reals from JSON encoders that write every number so. */
	assert_one(f,
	           "{\"count\":5.0,\"time_first\":1700000000.75,\"time_last\":1704067200.0,"
	           "\"rrtype\":\"A\",\"rrname\":\"www.example.com.\",\"rdata\":\"192.0.2.1\"}",
	           "www.example.com.", TYPE_A, "192.0.2.1", T1, T2, 5);
	/* No count: one sighting. A type number is taken as the type. */
	assert_one(f,
	           "{\"time_first\":1700000000,\"time_last\":1700000000,\"rrtype\":28,"
	           "\"rrname\":\"v6.example.\",\"rdata\":\"2001:db8::1\"}",
	           "v6.example.", TYPE_AAAA, "2001:db8::1", T1, T1, 1);
	assert_one(f,
	           "{\"time_first\":1700000000,\"time_last\":1700000000,\"rrtype\":\"TYPE65280\","
	           "\"rrname\":\"p.example.\",\"rdata\":\"\\\\# 0\"}",
	           "p.example.", 65280, "\\# 0", T1, T1, 1);
}

/* ISO 8601 times, as `dnsdbq -j` writes them with its date option. */
static void test_iso_times(void **state)
{
	struct fixture *f = *state;
	assert_one(f,
	           "{\"time_first\":\"2023-11-14T22:13:20Z\",\"time_last\":\"2024-01-01 01:00:00+01:00\","
	           "\"rrtype\":\"NS\",\"rrname\":\"example.com.\",\"rdata\":\"ns1.example.com.\"}",
	           "example.com.", TYPE_NS, "ns1.example.com.", T1, T2, 1);
	assert_one(f,
	           "{\"time_first\":\"2023-11-14T23:13:20.123+0100\",\"time_last\":\"2024-01-01\","
	           "\"rrtype\":\"NS\",\"rrname\":\"example.com.\",\"rdata\":\"ns1.example.com.\"}",
	           "example.com.", TYPE_NS, "ns1.example.com.", T1, T2, 1);
	assert_malformed(f,
	                 "{\"time_first\":\"2024-02-30T00:00:00Z\",\"time_last\":1,\"rrtype\":\"A\","
	                 "\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}",
	                 "time_first");
	assert_malformed(f,
	                 "{\"time_first\":\"yesterday\",\"time_last\":1,\"rrtype\":\"A\","
	                 "\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}",
	                 "time_first");
}

/* Zone file times stand in when there are no sensor times; sensor times
 * win when both are there. */
static void test_zone_times(void **state)
{
	struct fixture *f = *state;
	assert_one(f,
	           "{\"zone_time_first\":1700000000,\"zone_time_last\":1704067200,\"count\":3,"
	           "\"rrtype\":\"NS\",\"rrname\":\"example.com.\",\"rdata\":\"ns1.example.com.\","
	           "\"bailiwick\":\"com.\"}",
	           "example.com.", TYPE_NS, "ns1.example.com.", T1, T2, 3);
	assert_true(f->c.rec[0].has_bailiwick);
	assert_string_equal(f->c.rec[0].bailiwick, "com.");
	assert_one(f,
	           "{\"zone_time_first\":1,\"zone_time_last\":2,\"time_first\":1700000000,"
	           "\"time_last\":1704067200,\"rrtype\":\"NS\",\"rrname\":\"example.com.\","
	           "\"rdata\":\"ns1.example.com.\",\"bailiwick\":\"\"}",
	           "example.com.", TYPE_NS, "ns1.example.com.", T1, T2, 1);
	assert_false(f->c.rec[0].has_bailiwick);
	/* One half of a pair: a single sighting at that time. */
	assert_one(f,
	           "{\"time_last\":1704067200,\"rrtype\":\"NS\",\"rrname\":\"example.com.\","
	           "\"rdata\":\"ns1.example.com.\"}",
	           "example.com.", TYPE_NS, "ns1.example.com.", T2, T2, 1);
}

static void test_missing_time(void **state)
{
	struct fixture *f = *state;
	assert_malformed(f, "{\"count\":1,\"rrtype\":\"A\",\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}",
	                 "time");
	assert_malformed(f,
	                 "{\"time_first\":null,\"time_last\":null,\"rrtype\":\"A\",\"rrname\":\"a.\","
	                 "\"rdata\":\"192.0.2.1\"}",
	                 "time");
	assert_malformed(f,
	                 "{\"time_first\":5,\"time_last\":4,\"rrtype\":\"A\",\"rrname\":\"a.\","
	                 "\"rdata\":\"192.0.2.1\"}",
	                 "later");
}

/* rdata as an array is one record per element, all with the same times. */
static void test_array_rdata(void **state)
{
	struct fixture *f = *state;
	const char *line = "{\"count\":7,\"time_first\":1700000000,\"time_last\":1704067200,"
	                   "\"rrname\":\"example.com.\",\"rrtype\":\"TXT\",\"bailiwick\":\"example.com.\","
	                   "\"rdata\":[\"\\\"v=spf1 -all\\\"\",\"\\\"a\\\" \\\"b\\\"\"]}";
	assert_int_equal(parse(f, line), DN_OK);
	assert_int_equal(f->c.n, 2);
	assert_string_equal(f->c.rec[0].rdata, "\"v=spf1 -all\"");
	assert_string_equal(f->c.rec[1].rdata, "\"a\" \"b\"");
	for (size_t i = 0; i < 2; i++) {
		assert_string_equal(f->c.rec[i].rrname, "example.com.");
		assert_int_equal(f->c.rec[i].rrtype, TYPE_TXT);
		assert_string_equal(f->c.rec[i].bailiwick, "example.com.");
		assert_int_equal(f->c.rec[i].time_first, T1);
		assert_int_equal(f->c.rec[i].time_last, T2);
		assert_int_equal(f->c.rec[i].count, 7);
	}

	/* A bad element delivers nothing. */
	assert_malformed(f,
	                 "{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"A\","
	                 "\"rdata\":[\"192.0.2.1\",7]}",
	                 "rdata[1]");
	assert_malformed(f,
	                 "{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"A\","
	                 "\"rdata\":[]}",
	                 "empty");
}

/* The callback's status stops the records of an array. */
static void test_callback_status(void **state)
{
	struct fixture *f = *state;
	f->c.reply = DN_ENOMEM;
	f->c.reply_after = 1;
	assert_int_equal(parse(f, "{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\","
	                          "\"rrtype\":\"A\",\"rdata\":[\"192.0.2.1\",\"192.0.2.2\"]}"),
	                 DN_ENOMEM);
	assert_int_equal(f->c.n, 1);
}

/* Negative answers as `dragnet pdns --json --negative` writes them. */
static void test_negative(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"count\":2,\"time_first\":1700000000,\"time_last\":1704067200,"
	                          "\"rrtype\":\"AAAA\",\"rrname\":\"gone.example.\","
	                          "\"rcode\":\"NXDOMAIN\",\"sources\":1}"),
	                 DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_true(f->c.rec[0].negative);
	assert_int_equal(f->c.rec[0].rcode, RCODE_NXDOMAIN);
	assert_int_equal(f->c.rec[0].rrtype, TYPE_AAAA);
	assert_string_equal(f->c.rec[0].rrname, "gone.example.");
	assert_int_equal(f->c.rec[0].count, 2);

	assert_int_equal(parse(f, "{\"time_first\":1,\"time_last\":1,\"rrtype\":\"TXT\","
	                          "\"rrname\":\"x.example.\",\"rcode\":\"NODATA\"}"),
	                 DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_true(f->c.rec[0].negative);
	assert_int_equal(f->c.rec[0].rcode, 0);
	assert_malformed(f,
	                 "{\"time_first\":1,\"time_last\":1,\"rrtype\":\"TXT\",\"rrname\":\"x.\","
	                 "\"rcode\":\"NOPE\"}",
	                 "rcode");
}

static void test_bad_fields(void **state)
{
	struct fixture *f = *state;
	const struct {
		const char *line;
		const char *word;
	} cases[] = {
		{"{\"time_first\":1,\"time_last\":2,\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}",
		 "rrname"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"\",\"rrtype\":\"A\","
		 "\"rdata\":\"192.0.2.1\"}",
		 "rrname"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}",
		 "rrtype"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"NOTATYPE\","
		 "\"rdata\":\"192.0.2.1\"}",
		 "NOTATYPE"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":70000,"
		 "\"rdata\":\"192.0.2.1\"}",
		 "rrtype"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"A\"}", "rdata"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"A\",\"rdata\":5}",
		 "rdata"},
		{"{\"time_first\":1,\"time_last\":2,\"count\":0,\"rrname\":\"a.\",\"rrtype\":\"A\","
		 "\"rdata\":\"192.0.2.1\"}",
		 "count"},
		{"{\"time_first\":1,\"time_last\":2,\"count\":-3,\"rrname\":\"a.\",\"rrtype\":\"A\","
		 "\"rdata\":\"192.0.2.1\"}",
		 "count"},
		{"{\"time_first\":1,\"time_last\":2,\"count\":\"many\",\"rrname\":\"a.\","
		 "\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}",
		 "many"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a.\",\"rrtype\":\"A\","
		 "\"rdata\":\"192.0.2.1\",\"bailiwick\":7}",
		 "bailiwick"},
		{"{\"time_first\":1,\"time_first\":2,\"time_last\":2,\"rrname\":\"a.\","
		 "\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}",
		 "JSON"},
		{"{\"time_first\":1,\"time_last\":2,\"rrname\":\"a\\u0000b.\",\"rrtype\":\"A\","
		 "\"rdata\":\"192.0.2.1\"}",
		 "JSON"},
		{"[{\"rrname\":\"a.\"}]", "object"},
		{"rrname a.", "JSON"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_malformed(f, cases[i].line, cases[i].word);
	assert_int_equal(parse(f, ""), DN_OK);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_OK);
}

static void test_detect(void **state)
{
	(void)state;
	const char *cof = "{\"count\":1,\"time_first\":1,\"time_last\":2,\"rrtype\":\"A\","
	                  "\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}\n";
	assert_int_equal(feed_detect(cof, strlen(cof)), FEED_COF);
	/* dnsdbq -j: zone times and an array, cut mid-line. */
	const char *dnsdbq = "{\"count\":3,\"zone_time_first\":1,\"zone_time_last\":2,"
	                     "\"rrname\":\"example.com.\",\"rrtype\":\"NS\",\"bailiwick\":\"com.\","
	                     "\"rdata\":[\"ns1.exa";
	assert_int_equal(feed_detect(dnsdbq, strlen(dnsdbq)), FEED_COF);
	const char *negative = "{\"count\":1,\"time_first\":1,\"time_last\":1,\"rrtype\":\"A\","
	                       "\"rrname\":\"x.\",\"rcode\":\"NXDOMAIN\"}\n";
	assert_int_equal(feed_detect(negative, strlen(negative)), FEED_COF);
	const char *saf = "{\"cond\":\"begin\"}\n{\"obj\":{\"count\":1}}\n";
	assert_int_equal(feed_detect(saf, strlen(saf)), FEED_SAF);
	const char *saf_obj = "{ \"obj\" : {\"count\":1,\"time_first\":1,\"time_last\":2,"
	                      "\"rrtype\":\"A\",\"rrname\":\"a.\",\"rdata\":\"192.0.2.1\"}}\n";
	assert_int_equal(feed_detect(saf_obj, strlen(saf_obj)), FEED_SAF);
	const char *plain = "{\"rrname\":\"a.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}\n";
	assert_int_equal(feed_detect(plain, strlen(plain)), FEED_UNKNOWN);
}

/* ---- SAF ---- */

static const char *const OBJ1 =
	"{\"obj\":{\"count\":4,\"time_first\":1700000000,\"time_last\":1704067200,\"rrname\":"
	"\"www.example.com.\",\"rrtype\":\"A\",\"bailiwick\":\"example.com.\","
	"\"rdata\":[\"192.0.2.1\",\"192.0.2.2\"]}}";

static void test_saf_stream(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(parse(f, OBJ1), DN_OK);
	assert_int_equal(f->c.n, 2);
	assert_string_equal(f->c.rec[1].rdata, "192.0.2.2");
	assert_int_equal(f->c.rec[1].count, 4);
	assert_string_equal(f->c.rec[1].bailiwick, "example.com.");
	/* A keepalive, and an obj that comes with cond "ongoing". */
	assert_int_equal(parse(f, "{\"cond\":\"ongoing\"}"), DN_OK);
	assert_int_equal(parse(f, "{}"), DN_OK);
	assert_int_equal(f->c.n, 0);
	assert_int_equal(parse(f, "{\"cond\":\"ongoing\",\"obj\":{\"time_first\":1700000000,"
	                          "\"time_last\":1700000000,\"rrname\":\"a.example.\","
	                          "\"rrtype\":\"AAAA\",\"rdata\":\"2001:db8::2\"}}"),
	                 DN_OK);
	assert_int_equal(f->c.n, 1);
	assert_int_equal(f->c.rec[0].rrtype, TYPE_AAAA);
	assert_int_equal(parse(f, "{\"cond\":\"succeeded\"}"), DN_OK);
	assert_int_equal(parse(f, ""), DN_OK);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_OK);
}

/* Objects without begin are read too; a stream without its last line was
 * cut short. */
static void test_saf_truncated(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, OBJ1), DN_OK);
	assert_int_equal(f->c.n, 2);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_EMALF);
	assert_non_null(strstr(f->err.msg, "cut short"));
}

static void test_saf_empty(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_EMALF);
}

static void test_saf_failed(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_int_equal(parse(f, OBJ1), DN_OK);
	assert_int_equal(parse(f, "{\"cond\":\"failed\",\"msg\":\"Query timed out\"}"), DN_OK);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_EMALF);
	assert_non_null(strstr(f->err.msg, "Query timed out"));
}

static void test_saf_limited(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_int_equal(parse(f, OBJ1), DN_OK);
	assert_int_equal(parse(f, "{\"cond\":\"limited\",\"msg\":\"Result limit reached\"}"),
	                 DN_OK);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_ELIMIT);
	assert_non_null(strstr(f->err.msg, "Result limit reached"));
}

/* Lines after the terminator are errors, and end() still reports how the
 * stream ended. A new "begin" starts another stream, as in files joined
 * with cat, and end() reports the worst ending of them all. */
static void test_saf_after_end(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"cond\":\"succeeded\"}"), DN_OK);
	assert_int_equal(parse(f, OBJ1), DN_EMALF);
	assert_int_equal(f->c.n, 0);
	assert_non_null(strstr(f->err.msg, "succeeded"));
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_OK);

	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_int_equal(parse(f, OBJ1), DN_OK);
	assert_true(f->c.n > 0);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_EMALF);
	assert_non_null(strstr(f->err.msg, "cut short"));

	assert_int_equal(parse(f, "{\"cond\":\"limited\",\"msg\":\"cap\"}"), DN_OK);
	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_int_equal(parse(f, "{\"cond\":\"succeeded\"}"), DN_OK);
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_ELIMIT);
	assert_non_null(strstr(f->err.msg, "cap"));
}

static void test_saf_bad_lines(void **state)
{
	struct fixture *f = *state;
	assert_int_equal(parse(f, "{\"cond\":\"begin\"}"), DN_OK);
	assert_malformed(f, "{\"cond\":\"begin\"}", "begin");
	assert_malformed(f, "{\"cond\":\"paused\"}", "paused");
	assert_malformed(f, "{\"cond\":7}", "cond");
	assert_malformed(f, "{\"obj\":[1]}", "obj");
	assert_malformed(f, "{\"obj\":{\"rrname\":\"a.\",\"rrtype\":\"A\",\"rdata\":\"192.0.2.1\"}}",
	                 "time");
	assert_malformed(f, "{\"cond\":\"ongoing\",\"msg\":5}", "msg");
	assert_malformed(f, "not json", "JSON");
	/* A terminator that carries an obj ends the stream but is an error. */
	assert_malformed(f, "{\"cond\":\"succeeded\",\"obj\":{}}", "obj");
	assert_int_equal(feed_parse_end(f->parser, &f->err), DN_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numbers_and_strings, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_iso_times, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_zone_times, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_missing_time, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_array_rdata, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_callback_status, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_negative, setup_cof, teardown),
		cmocka_unit_test_setup_teardown(test_bad_fields, setup_cof, teardown),
		cmocka_unit_test(test_detect),
		cmocka_unit_test_setup_teardown(test_saf_stream, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_truncated, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_empty, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_failed, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_limited, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_after_end, setup_saf, teardown),
		cmocka_unit_test_setup_teardown(test_saf_bad_lines, setup_saf, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
