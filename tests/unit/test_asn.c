/* Tests for the IP-to-ASN readers (asn/asn.h) and the lookup table
 * (asn/table.h). The table is checked against a linear scan that applies
 * the same rule (smallest covering range, then rank, then order). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "asn/asn.h"
#include "asn/table.h"

/* What the parsers returned: records with their strings copied, and bad
 * lines. */
struct collected {
	struct asn_range ranges[32];
	char text[32][4][128];
	size_t n;
	uint64_t bad_lines[32];
	char reasons[32][128];
	size_t nbad;
};

static const char *copy(char *buf, const char *text)
{
	if (text == NULL)
		return NULL;
	snprintf(buf, 128, "%s", text);
	return buf;
}

static dn_status collect(const struct asn_range *r, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->n < 32);
	c->ranges[c->n] = *r;
	c->ranges[c->n].origins = copy(c->text[c->n][0], r->origins);
	c->ranges[c->n].as_org = copy(c->text[c->n][1], r->as_org);
	c->ranges[c->n].isp = copy(c->text[c->n][2], r->isp);
	c->ranges[c->n].organization = copy(c->text[c->n][3], r->organization);
	c->n++;
	return DN_OK;
}

static void collect_bad(uint64_t line, const char *reason, void *ctx)
{
	struct collected *c = ctx;
	assert_true(c->nbad < 32);
	c->bad_lines[c->nbad] = line;
	snprintf(c->reasons[c->nbad++], 128, "%s", reason);
}

static void assert_range(const struct asn_range *r, const char *lo, const char *hi)
{
	char a[64], b[64];
	ip_key_format(&r->lo, a, sizeof(a));
	ip_key_format(&r->hi, b, sizeof(b));
	assert_string_equal(a, lo);
	assert_string_equal(b, hi);
}

static void test_ip2asn_records(void **state)
{
	(void)state;
	static const char text[] =
		"# comment\n"
		"192.0.2.0\t192.0.2.127\t64500\tnl\tEXAMPLE-A Example BV\r\n"
		"\n"
		"198.51.100.0\t198.51.100.255\t0\tNone\tNot routed\n"
		"2001:db8::\t2001:db8::ffff\t4294967295\tUnknown\t\n"
		"192.0.2.0\t192.0.2.127\t64500\tNL"; /* 4 fields, no final newline */
	struct collected c = {0};
	struct asn_parse_counts counts;
	assert_int_equal(asn_ip2asn_parse(text, strlen(text), collect, collect_bad, &c, &counts),
	                 DN_OK);
	assert_int_equal(counts.lines, 6);
	assert_int_equal(counts.records, 3);
	assert_int_equal(counts.bad_lines, 1);
	assert_int_equal(c.n, 3);

	assert_range(&c.ranges[0], "192.0.2.0", "192.0.2.127");
	assert_int_equal(c.ranges[0].asn, 64500);
	assert_string_equal(c.ranges[0].country, "NL");
	assert_string_equal(c.ranges[0].as_org, "EXAMPLE-A Example BV");
	assert_null(c.ranges[0].origins);

	assert_int_equal(c.ranges[1].asn, 0);
	assert_string_equal(c.ranges[1].country, "");
	assert_string_equal(c.ranges[1].as_org, "Not routed");

	assert_range(&c.ranges[2], "2001:db8::", "2001:db8::ffff");
	assert_int_equal(c.ranges[2].asn, 4294967295u);
	assert_string_equal(c.ranges[2].country, "");
	assert_null(c.ranges[2].as_org);

	assert_int_equal(c.bad_lines[0], 6);
	assert_non_null(strstr(c.reasons[0], "5 tab-separated fields"));
}

static void test_ip2asn_bad_lines(void **state)
{
	(void)state;
	static const struct {
		const char *line;
		const char *reason;
	} cases[] = {
		{"192.0.2.x\t192.0.2.9\t1\tNL\tx", "invalid range_start"},
		{"192.0.2.0\t2001:db8::\t1\tNL\tx", "different address families"},
		{"192.0.2.9\t192.0.2.0\t1\tNL\tx", "below range_start"},
		{"192.0.2.0\t192.0.2.9\t4294967296\tNL\tx", "invalid AS_number"},
		{"192.0.2.0\t192.0.2.9\t-1\tNL\tx", "invalid AS_number"},
		{"192.0.2.0\t192.0.2.9\t1\tNLD\tx", "invalid country"},
		{"192.0.2.0\t192.0.2.9\t1\tNL\tx\ty", "5 tab-separated fields"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct collected c = {0};
		assert_int_equal(asn_ip2asn_parse(cases[i].line, strlen(cases[i].line), collect,
		                                  collect_bad, &c, NULL),
		                 DN_OK);
		assert_int_equal(c.n, 0);
		assert_int_equal(c.nbad, 1);
		if (strstr(c.reasons[0], cases[i].reason) == NULL)
			fail_msg("'%s': reason '%s', expected '%s'", cases[i].line, c.reasons[0],
			         cases[i].reason);
	}
}

static void test_pfx2as_records(void **state)
{
	(void)state;
	static const char text[] = "192.0.2.0\t24\t64500\n"
	                           "198.51.100.128\t25\t64500_64501\n"
	                           "203.0.113.0\t24\t64502,64503_64504\n"
	                           "2001:db8::\t32\t64496\n"
	                           "0.0.0.0\t0\t1\n"
	                           "192.0.2.1\t24\t64500\n"
	                           "192.0.2.0\t33\t64500\n"
	                           "192.0.2.0\t24\t64500__1\n"
	                           "::\t80\t64500\n";
	struct collected c = {0};
	assert_int_equal(asn_pfx2as_parse(text, strlen(text), collect, collect_bad, &c, NULL),
	                 DN_OK);
	assert_int_equal(c.n, 5);
	assert_range(&c.ranges[0], "192.0.2.0", "192.0.2.255");
	assert_int_equal(c.ranges[0].asn, 64500);
	assert_null(c.ranges[0].origins);
	assert_range(&c.ranges[1], "198.51.100.128", "198.51.100.255");
	assert_int_equal(c.ranges[1].asn, 64500);
	assert_string_equal(c.ranges[1].origins, "64500_64501");
	assert_int_equal(c.ranges[2].asn, 64502);
	assert_string_equal(c.ranges[2].origins, "64502,64503_64504");
	assert_range(&c.ranges[3], "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range(&c.ranges[4], "0.0.0.0", "255.255.255.255");

	assert_int_equal(c.nbad, 4);
	assert_int_equal(c.bad_lines[0], 6);
	assert_non_null(strstr(c.reasons[0], "host bits"));
	assert_int_equal(c.bad_lines[1], 7);
	assert_non_null(strstr(c.reasons[1], "prefix length"));
	assert_int_equal(c.bad_lines[2], 8);
	assert_non_null(strstr(c.reasons[2], "origin AS"));
	assert_int_equal(c.bad_lines[3], 9);
	assert_non_null(strstr(c.reasons[3], "IPv4-mapped"));
}

static void test_pfx2as_origins_decimal(void **state)
{
	(void)state;
	static const char text[] = "198.51.100.0\t24\tAS064500_as64501,0064502\n";
	struct collected c = {0};
	assert_int_equal(asn_pfx2as_parse(text, strlen(text), collect, collect_bad, &c, NULL),
	                 DN_OK);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.nbad, 0);
	assert_int_equal(c.ranges[0].asn, 64500);
	assert_string_equal(c.ranges[0].origins, "64500_64501,64502");
}

static void test_range_has_origin(void **state)
{
	(void)state;
	struct asn_range r = {.asn = 64500, .origins = "64500_64501,64502"};
	assert_true(asn_range_has_origin(&r, 64500));
	assert_true(asn_range_has_origin(&r, 64501));
	assert_true(asn_range_has_origin(&r, 64502));
	assert_false(asn_range_has_origin(&r, 6450));
	assert_false(asn_range_has_origin(&r, 4501));
	assert_false(asn_range_has_origin(&r, 64503));
	struct asn_range single = {.asn = 64496};
	assert_true(asn_range_has_origin(&single, 64496));
	assert_false(asn_range_has_origin(&single, 0));
}

static void test_compression_detect(void **state)
{
	(void)state;
	static const uint8_t gzip[] = {0x1f, 0x8b, 0x08, 0x00};
	static const uint8_t zstd[] = {0x28, 0xb5, 0x2f, 0xfd, 0x24};
	static const uint8_t xz[] = {0xfd, '7', 'z', 'X', 'Z', 0x00, 0x00};
	static const uint8_t bzip2[] = "BZh91AY&SY";
	static const uint8_t text[] = "1.0.0.0\t24\t13335\n";
	assert_string_equal(asn_compression_detect(gzip, sizeof(gzip)), "gzip");
	assert_string_equal(asn_compression_detect(zstd, sizeof(zstd)), "zstd");
	assert_string_equal(asn_compression_detect(xz, sizeof(xz)), "xz");
	assert_string_equal(asn_compression_detect(bzip2, sizeof(bzip2) - 1), "bzip2");
	assert_null(asn_compression_detect(text, sizeof(text) - 1));
	assert_null(asn_compression_detect(gzip, 1));
}

static void test_format_detect(void **state)
{
	(void)state;
	static const char ip2asn[] = "# x\n1.0.0.0\t1.0.0.255\t13335\tUS\tCLOUDFLARENET\n";
	static const char pfx2as[] = "1.0.0.0\t24\t13335\n";
	static const uint8_t mmdb[] = "xx\xab\xcd\xefMaxMind.comyy";
	assert_int_equal(asn_format_detect((const uint8_t *)ip2asn, strlen(ip2asn)),
	                 ASN_FORMAT_IP2ASN);
	assert_int_equal(asn_format_detect((const uint8_t *)pfx2as, strlen(pfx2as)),
	                 ASN_FORMAT_PFX2AS);
	assert_int_equal(asn_format_detect(mmdb, sizeof(mmdb) - 1), ASN_FORMAT_MMDB);
	assert_int_equal(asn_format_detect((const uint8_t *)"hello\n", 6), ASN_FORMAT_UNKNOWN);
	assert_int_equal(asn_format_parse("PFX2AS"), ASN_FORMAT_PFX2AS);
	assert_int_equal(asn_format_parse("csv"), ASN_FORMAT_UNKNOWN);
	assert_string_equal(asn_format_name(ASN_FORMAT_MMDB), "mmdb");
}

static void assert_cidrs(const char *lo, const char *hi, const char *expected)
{
	ip_key a, b;
	assert_true(ip_key_parse(lo, &a));
	assert_true(ip_key_parse(hi, &b));
	char out[512];
	assert_true(asn_range_format_cidrs(&a, &b, out, sizeof(out)));
	assert_string_equal(out, expected);
}

static void test_range_cidrs(void **state)
{
	(void)state;
	assert_cidrs("203.0.113.0", "203.0.113.99",
	             "203.0.113.0/26, 203.0.113.64/27, 203.0.113.96/30");
	assert_cidrs("192.0.2.7", "192.0.2.7", "192.0.2.7/32");
	assert_cidrs("0.0.0.0", "255.255.255.255", "0.0.0.0/0");
	assert_cidrs("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "::/0");
	assert_cidrs("2001:db8::1", "2001:db8::2", "2001:db8::1/128, 2001:db8::2/128");

	ip_key a, b;
	unsigned len = 0;
	assert_true(ip_key_parse("192.0.2.0", &a));
	assert_true(ip_key_parse("192.0.2.127", &b));
	assert_true(asn_range_prefix_len(&a, &b, &len));
	assert_int_equal(len, 25);
	assert_true(ip_key_parse("192.0.2.126", &b));
	assert_false(asn_range_prefix_len(&a, &b, &len));

	char small[16];
	assert_true(ip_key_parse("203.0.113.0", &a));
	assert_true(ip_key_parse("203.0.113.99", &b));
	assert_false(asn_range_format_cidrs(&a, &b, small, sizeof(small)));
	assert_string_equal(small + strlen(small) - 3, "...");
}

/* ---- Table ---- */

static struct asn_range make_range(const char *lo, const char *hi, uint32_t asn)
{
	struct asn_range r;
	memset(&r, 0, sizeof(r));
	assert_true(ip_key_parse(lo, &r.lo));
	assert_true(ip_key_parse(hi, &r.hi));
	r.asn = asn;
	return r;
}

static uint32_t lookup_asn(const struct asn_table *t, const char *ip)
{
	ip_key key;
	assert_true(ip_key_parse(ip, &key));
	const struct asn_entry *e = asn_table_lookup(t, &key);
	return e != NULL ? e->range.asn : 0;
}

static void test_table_nested(void **state)
{
	(void)state;
	struct asn_table *t = asn_table_new();
	struct dn_error err;
	struct asn_range ranges[] = {
		make_range("192.0.2.0", "192.0.2.255", 1),      /* /24 */
		make_range("192.0.2.64", "192.0.2.127", 2),     /* /26 inside */
		make_range("192.0.2.96", "192.0.2.96", 3),      /* /32 inside that */
		make_range("192.0.2.200", "198.51.100.10", 4),  /* overlaps the /24's end */
		make_range("2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 5),
		make_range("::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 6),
		make_range("2001:db8:1::5", "2001:db8:1::5", 7), /* shares its first 64 bits */
		make_range("2001:db8:1::8", "2001:db8:1::f", 8),
	};
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		assert_int_equal(asn_table_add(t, &ranges[i], 1, "s", 0, &err), DN_OK);
	assert_null(asn_table_lookup(t, &ranges[0].lo)); /* not built yet */
	assert_int_equal(asn_table_build(t, &err), DN_OK);
	assert_int_equal(asn_table_add(t, &ranges[0], 1, "s", 0, &err), DN_EINVAL);

	assert_int_equal(lookup_asn(t, "192.0.1.255"), 6); /* ::/0 covers IPv4-mapped keys */
	assert_int_equal(lookup_asn(t, "192.0.2.0"), 1);
	assert_int_equal(lookup_asn(t, "192.0.2.63"), 1);
	assert_int_equal(lookup_asn(t, "192.0.2.64"), 2);
	assert_int_equal(lookup_asn(t, "192.0.2.95"), 2);
	assert_int_equal(lookup_asn(t, "192.0.2.96"), 3);
	assert_int_equal(lookup_asn(t, "192.0.2.97"), 2);
	assert_int_equal(lookup_asn(t, "192.0.2.128"), 1);
	/* 192.0.2.200-198.51.100.10 is larger than the /24, which wins. */
	assert_int_equal(lookup_asn(t, "192.0.2.255"), 1);
	assert_int_equal(lookup_asn(t, "192.0.3.0"), 4);
	assert_int_equal(lookup_asn(t, "198.51.100.10"), 4);
	assert_int_equal(lookup_asn(t, "198.51.100.11"), 6);
	assert_int_equal(lookup_asn(t, "2001:db8::1"), 5);
	assert_int_equal(lookup_asn(t, "2001:db9::"), 6);
	assert_int_equal(lookup_asn(t, "2001:db8:1::4"), 5);
	assert_int_equal(lookup_asn(t, "2001:db8:1::5"), 7);
	assert_int_equal(lookup_asn(t, "2001:db8:1::6"), 5);
	assert_int_equal(lookup_asn(t, "2001:db8:1::7"), 5);
	assert_int_equal(lookup_asn(t, "2001:db8:1::9"), 8);
	assert_int_equal(lookup_asn(t, "2001:db8:1::10"), 5);
	assert_int_equal(asn_table_ranges(t), 8);
	asn_table_free(t);
}

static void test_table_ties_and_gaps(void **state)
{
	(void)state;
	struct asn_table *t = asn_table_new();
	struct dn_error err;
	struct asn_range a = make_range("192.0.2.0", "192.0.2.255", 10);
	struct asn_range b = make_range("192.0.2.0", "192.0.2.255", 20);
	struct asn_range c = make_range("192.0.2.0", "192.0.2.255", 30);
	struct asn_range d = make_range("255.255.255.255", "255.255.255.255", 40);
	assert_int_equal(asn_table_add(t, &a, 1, "new", 200, &err), DN_OK);
	assert_int_equal(asn_table_add(t, &b, 2, "old", 100, &err), DN_OK);
	assert_int_equal(asn_table_add(t, &c, 3, "old2", 100, &err), DN_OK);
	assert_int_equal(asn_table_add(t, &d, 3, "old2", 100, &err), DN_OK);
	struct asn_range reversed = make_range("192.0.2.9", "192.0.2.1", 1);
	assert_int_equal(asn_table_add(t, &reversed, 1, "x", 0, &err), DN_EINVAL);
	assert_int_equal(asn_table_build(t, &err), DN_OK);

	ip_key ip;
	assert_true(ip_key_parse("192.0.2.1", &ip));
	const struct asn_entry *e = asn_table_lookup(t, &ip);
	assert_non_null(e);
	assert_int_equal(e->range.asn, 10); /* highest rank */
	assert_string_equal(e->source, "new");
	assert_int_equal(lookup_asn(t, "0.0.0.0"), 0);
	assert_int_equal(lookup_asn(t, "192.0.1.255"), 0);
	assert_int_equal(lookup_asn(t, "192.0.3.0"), 0);
	assert_int_equal(lookup_asn(t, "255.255.255.254"), 0);
	assert_int_equal(lookup_asn(t, "255.255.255.255"), 40);
	assert_int_equal(lookup_asn(t, "::"), 0);
	assert_int_equal(lookup_asn(t, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 0);
	asn_table_free(t);

	/* An empty table finds nothing for any address. */
	t = asn_table_new();
	assert_int_equal(asn_table_build(t, &err), DN_OK);
	assert_int_equal(lookup_asn(t, "192.0.2.1"), 0);
	assert_int_equal(lookup_asn(t, "2001:db8::1"), 0);
	asn_table_free(t);
}

/* Random ranges around a few /16s, checked address by address against a
 * linear scan. */
static void test_table_against_scan(void **state)
{
	(void)state;
	enum { RANGES = 400, PROBES = 20000 };
	static struct asn_range ranges[RANGES];
	static uint64_t ranks[RANGES];
	srand(6);
	struct asn_table *t = asn_table_new();
	struct dn_error err;
	for (size_t i = 0; i < RANGES; i++) {
		uint8_t lo[4] = {198, 51, (uint8_t)(rand() % 4), (uint8_t)(rand() % 256)};
		uint32_t start = (uint32_t)lo[0] << 24 | (uint32_t)lo[1] << 16 | (uint32_t)lo[2] << 8 |
		                 lo[3];
		uint32_t end = start + (uint32_t)(rand() % (i % 3 == 0 ? 700 : 40));
		uint8_t hi[4] = {(uint8_t)(end >> 24), (uint8_t)(end >> 16), (uint8_t)(end >> 8),
		                 (uint8_t)end};
		memset(&ranges[i], 0, sizeof(ranges[i]));
		ip_key_from_v4(&ranges[i].lo, lo);
		ip_key_from_v4(&ranges[i].hi, hi);
		ranges[i].asn = (uint32_t)i + 1;
		ranks[i] = (uint64_t)(rand() % 3);
		assert_int_equal(asn_table_add(t, &ranges[i], 1, "", ranks[i], &err), DN_OK);
	}
	assert_int_equal(asn_table_build(t, &err), DN_OK);

	for (size_t p = 0; p < PROBES; p++) {
		uint32_t addr = (198u << 24 | 51u << 16) + (uint32_t)(rand() % (5 * 256));
		uint8_t bytes[4] = {(uint8_t)(addr >> 24), (uint8_t)(addr >> 16), (uint8_t)(addr >> 8),
		                    (uint8_t)addr};
		ip_key ip;
		ip_key_from_v4(&ip, bytes);
		long best = -1;
		for (size_t i = 0; i < RANGES; i++) {
			if (memcmp(ranges[i].lo.b, ip.b, 16) > 0 || memcmp(ranges[i].hi.b, ip.b, 16) < 0)
				continue;
			if (best < 0) {
				best = (long)i;
				continue;
			}
			uint32_t size = (uint32_t)((ranges[i].hi.b[14] << 8 | ranges[i].hi.b[15]) +
			                           (ranges[i].hi.b[13] << 16)) -
			                (uint32_t)((ranges[i].lo.b[14] << 8 | ranges[i].lo.b[15]) +
			                           (ranges[i].lo.b[13] << 16));
			uint32_t best_size =
				(uint32_t)((ranges[best].hi.b[14] << 8 | ranges[best].hi.b[15]) +
				           (ranges[best].hi.b[13] << 16)) -
				(uint32_t)((ranges[best].lo.b[14] << 8 | ranges[best].lo.b[15]) +
				           (ranges[best].lo.b[13] << 16));
			if (size < best_size || (size == best_size && ranks[i] >= ranks[best]))
				best = (long)i;
		}
		const struct asn_entry *e = asn_table_lookup(t, &ip);
		uint32_t expected = best < 0 ? 0 : ranges[best].asn;
		uint32_t got = e != NULL ? e->range.asn : 0;
		if (got != expected)
			fail_msg("198.51.%u.%u: AS %u, the scan gives AS %u", bytes[2], bytes[3], got,
			         expected);
	}
	asn_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip2asn_records),
		cmocka_unit_test(test_ip2asn_bad_lines),
		cmocka_unit_test(test_pfx2as_records),
		cmocka_unit_test(test_pfx2as_origins_decimal),
		cmocka_unit_test(test_range_has_origin),
		cmocka_unit_test(test_compression_detect),
		cmocka_unit_test(test_format_detect),
		cmocka_unit_test(test_range_cidrs),
		cmocka_unit_test(test_table_nested),
		cmocka_unit_test(test_table_ties_and_gaps),
		cmocka_unit_test(test_table_against_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
