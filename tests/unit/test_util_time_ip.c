/* Tests for time parsing and formatting (util/timeutil.h) and address keys and
 * ranges (util/ipaddr.h). Epoch values are computed by hand: 2000-01-01 is
 * day 10957 (946684800) and 2024-01-01 day 19723 (1704067200). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/ipaddr.h"
#include "util/timeutil.h"

#define NOW 1714564800 /* 2024-05-01T12:00:00Z */
#define DAY 86400

static void assert_time(const char *text, int64_t expected)
{
	int64_t got = INT64_MIN;
	if (!time_parse(text, NOW, &got))
		fail_msg("'%s' rejected", text);
	if (got != expected)
		fail_msg("'%s' parsed as %lld, expected %lld", text, (long long)got,
		         (long long)expected);
}

static void assert_time_rejected(const char *text)
{
	int64_t got = 4242;
	if (time_parse(text, NOW, &got))
		fail_msg("'%s' accepted as %lld", text, (long long)got);
	assert_int_equal(got, 4242);
}

static void test_epoch_seconds(void **state)
{
	(void)state;
	assert_time("1700000000", 1700000000);
	assert_time("0", 0);
	assert_time("-86400", -DAY);
	assert_time("9223372036854775807", INT64_MAX);
	assert_time_rejected("99999999999999999999");
}

static void test_iso8601(void **state)
{
	(void)state;
	/* 2024-05-01 is day 19723 + 31 + 29 + 31 + 30 = 19844. */
	assert_time("2024-05-01", 19844LL * DAY);
	assert_time("2024-05-01T12:00", NOW);
	assert_time("2024-05-01T12:00:00Z", NOW);
	assert_time("2024-05-01t12:00:00z", NOW);
	assert_time("2024-05-01 12:00:00", NOW);
	assert_time("2024-05-01T12:00:00.987654Z", NOW);
	assert_time("2024-05-01T12:00:00,5Z", NOW);
	assert_time("2024-05-01 12:00:00+02:00", NOW - 2 * 3600);
	assert_time("2024-05-01T12:00:00+02", NOW - 2 * 3600);
	assert_time("2024-05-01T12:00:00-0530", NOW + 5 * 3600 + 30 * 60);
	assert_time("2024-05-01T12:00-00:00", NOW);
	assert_time("1970-01-01T00:00:00Z", 0);
	assert_time("1969-12-31T23:59:59Z", -1);
	/* 2000 is a leap year (divisible by 400): day 10957 + 31 + 28. */
	assert_time("2000-02-29", (10957LL + 59) * DAY);
	assert_time("2024-02-29T23:59:59Z", (19723LL + 59) * DAY + DAY - 1);
	assert_time("2024-12-31", (19723LL + 365) * DAY);
}

static void test_iso8601_rejects(void **state)
{
	(void)state;
	static const char *const bad[] = {
		"2024-13-01",
		"2024-00-01",
		"2024-05-00",
		"2024-05-32",
		"2024-04-31",
		"2024-02-30",
		"2023-02-29",
		"1900-02-29",
		"2024-5-1",
		"24-05-01",
		"2024/05/01",
		"2024-05-01T",
		"2024-05-01T12",
		"2024-05-01T1200",
		"2024-05-01T24:00",
		"2024-05-01T12:60",
		"2024-05-01T12:00:61",
		"2024-05-01T12:00:00.",
		"2024-05-01T12:00:00.Z",
		"2024-05-01T12:00:00ZZ",
		"2024-05-01T12:00:00+2",
		"2024-05-01T12:00:00+24:00",
		"2024-05-01T12:00:00+02:60",
		"2024-05-01T12:00:00 Z",
		"2024-05-01T12:00:00+02:",
		"2024-05-01T12:00:00+02:0",
		"2024-05-01x",
		"yesterday",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_time_rejected(bad[i]);
}

static void test_relative_ages(void **state)
{
	(void)state;
	assert_time("30d", NOW - 30 * DAY);
	assert_time("-30d", NOW - 30 * DAY);
	assert_time("12h", NOW - 12 * 3600);
	assert_time("90m", NOW - 90 * 60);
	assert_time("45s", NOW - 45);
	assert_time("2w", NOW - 14 * DAY);
	assert_time("1y", NOW - 365 * DAY);
	assert_time("0d", NOW);
	assert_time("now", NOW);

	static const char *const bad[] = {
		"30x", "d", "1.5d", "30dd", "--30d", "+30d", "-", "30 d", " 30d", "30d ", "3O d",
		"now ", "nowd", "-now",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_time_rejected(bad[i]);
}

static void test_duration(void **state)
{
	(void)state;
	static const struct {
		const char *text;
		int64_t seconds;
	} good[] = {
		{"30s", 30},      {"5m", 300},         {"2h", 7200}, {"1d", DAY},
		{"2w", 14 * DAY}, {"1y", 365LL * DAY}, {"45", 45},   {"0", 0},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int64_t seconds = -1;
		if (!duration_parse(good[i].text, &seconds))
			fail_msg("'%s' rejected", good[i].text);
		assert_int_equal(seconds, good[i].seconds);
	}

	static const char *const bad[] = {
		"", "-5", "5x", "5mm", "m", " 5", "99999999999999999999", "9223372036854775807y",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t seconds = 4242;
		if (duration_parse(bad[i], &seconds))
			fail_msg("'%s' accepted as %lld", bad[i], (long long)seconds);
	}
	assert_false(duration_parse(NULL, &(int64_t){0}));
}

static void test_format_iso(void **state)
{
	(void)state;
	static const struct {
		int64_t epoch;
		const char *text;
	} cases[] = {
		{0, "1970-01-01T00:00:00Z"},
		{-1, "1969-12-31T23:59:59Z"},
		{NOW, "2024-05-01T12:00:00Z"},
		{(10957LL + 59) * DAY, "2000-02-29T00:00:00Z"},
		{1704067200 - 1, "2023-12-31T23:59:59Z"},
		{-30636384833LL, "0999-03-04T05:06:07Z"},
		{253402300799LL, "9999-12-31T23:59:59Z"},
	};
	char buf[32];
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		time_format_iso(cases[i].epoch, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].text);

		/* And back. */
		int64_t parsed = 0;
		assert_true(time_parse(buf, NOW, &parsed));
		assert_int_equal(parsed, cases[i].epoch);
	}

	/* 21 bytes is enough. */
	char exact[21];
	time_format_iso(NOW, exact, sizeof(exact));
	assert_string_equal(exact, "2024-05-01T12:00:00Z");

	/* A year of five digits, and a buffer too small, truncate as snprintf(). */
	time_format_iso(253402300800LL, buf, sizeof(buf));
	assert_string_equal(buf, "10000-01-01T00:00:00Z");
	char small[11];
	time_format_iso(NOW, small, sizeof(small));
	assert_string_equal(small, "2024-05-01");
}

/* libc's timegm() is the oracle: every day of 1599 to 2401, with day
 * numbers up to 31 in every month, so that days past a month's end are
 * checked to count on into the next month as timegm() has them. */
static void test_days_from_civil(void **state)
{
	(void)state;
	for (int year = 1599; year <= 2401; year++) {
		for (int month = 1; month <= 12; month++) {
			for (int day = 1; day <= 31; day++) {
				struct tm tm = {.tm_year = year - 1900, .tm_mon = month - 1, .tm_mday = day};
				int64_t want = (int64_t)timegm(&tm);
				int64_t got = time_days_from_civil(year, month, day) * 86400;
				if (got != want)
					fail_msg("%04d-%02d-%02d: %lld, timegm() %lld", year, month, day,
					         (long long)got, (long long)want);
			}
		}
	}
	assert_int_equal(time_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(time_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(time_days_from_civil(2000, 3, 1), 11017);
}

static void test_clocks(void **state)
{
	(void)state;
	int64_t before = (int64_t)time(NULL);
	int64_t now = time_now();
	int64_t after = (int64_t)time(NULL);
	assert_true(now >= before && now <= after);

	double a = time_monotonic();
	double b = time_monotonic();
	assert_true(b >= a);
}

static void assert_key(const char *text, const uint8_t expected[16])
{
	ip_key key;
	memset(&key, 0x5a, sizeof(key));
	if (!ip_key_parse(text, &key))
		fail_msg("'%s' rejected", text);
	assert_memory_equal(key.b, expected, 16);
}

static void test_key_parse(void **state)
{
	(void)state;
	/* IPv4 as the IPv4-mapped IPv6 address (RFC 4291 section 2.5.5.2). */
	static const uint8_t v4[16] = {
		[10] = 0xff, [11] = 0xff, [12] = 192, [13] = 0, [14] = 2, [15] = 1};
	static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};
	static const uint8_t loopback[16] = {[15] = 1};
	static const uint8_t any[16] = {0};

	assert_key("192.0.2.1", v4);
	assert_key("::ffff:192.0.2.1", v4);
	assert_key("2001:db8::1", v6);
	assert_key("2001:0DB8:0000:0000:0000:0000:0000:0001", v6);
	assert_key("::1", loopback);
	assert_key("::", any);

	ip_key key;
	assert_true(ip_key_parse("10.0.0.1", &key));
	assert_true(ip_key_is_v4(&key));
	assert_true(ip_key_parse("2001:db8::1", &key));
	assert_false(ip_key_is_v4(&key));

	static const char *const bad[] = {
		"",
		"256.0.0.1",
		"1.2.3",
		"1.2.3.4.5",
		"example.com",
		"2001:db8:::1",
		"2001:db8::g",
		"192.0.2.1 ",
		" 192.0.2.1",
		"1:2:3:4:5:6:7:8:9",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (ip_key_parse(bad[i], &key))
			fail_msg("'%s' accepted", bad[i]);
	}
}

static void test_key_format(void **state)
{
	(void)state;
	/* Canonical text (RFC 5952 for IPv6) survives a round trip. */
	static const char *const canonical[] = {
		"192.0.2.1",
		"0.0.0.0",
		"255.255.255.255",
		"2001:db8::1",
		"::",
		"::1",
		"2001:db8::1:0:0:1",
		"2001:db8:0:1:1:1:1:1",
		"fe80::",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	};
	char buf[46];
	ip_key key;
	for (size_t i = 0; i < sizeof(canonical) / sizeof(canonical[0]); i++) {
		assert_true(ip_key_parse(canonical[i], &key));
		ip_key_format(&key, buf, sizeof(buf));
		assert_string_equal(buf, canonical[i]);
	}

	/* Other spellings come out canonical. */
	assert_true(ip_key_parse("2001:0DB8:0:0:0:0:0:0001", &key));
	ip_key_format(&key, buf, sizeof(buf));
	assert_string_equal(buf, "2001:db8::1");
	assert_true(ip_key_parse("::ffff:198.51.100.7", &key));
	ip_key_format(&key, buf, sizeof(buf));
	assert_string_equal(buf, "198.51.100.7");
}

/* Keys compare as bytes in numeric order, with all of IPv4 contiguous. */
static void test_key_order(void **state)
{
	(void)state;
	static const char *const ascending[] = {
		"::",         "::1",       "::fffe:ffff:ffff", "0.0.0.0",         "9.255.255.255",
		"10.0.0.0",   "192.0.2.1", "192.0.2.10",       "255.255.255.255", "::1:0:0:0",
		"2001:db8::", "ffff::",
	};
	ip_key prev, cur;
	assert_true(ip_key_parse(ascending[0], &prev));
	for (size_t i = 1; i < sizeof(ascending) / sizeof(ascending[0]); i++) {
		assert_true(ip_key_parse(ascending[i], &cur));
		if (memcmp(prev.b, cur.b, 16) >= 0)
			fail_msg("'%s' does not sort before '%s'", ascending[i - 1], ascending[i]);
		prev = cur;
	}
}

static void assert_range(const char *text, const char *lo, const char *hi)
{
	struct ip_range range;
	ip_key want_lo, want_hi;
	assert_true(ip_key_parse(lo, &want_lo));
	assert_true(ip_key_parse(hi, &want_hi));
	if (!ip_range_parse(text, &range))
		fail_msg("'%s' rejected", text);
	char got_lo[46], got_hi[46];
	ip_key_format(&range.lo, got_lo, sizeof(got_lo));
	ip_key_format(&range.hi, got_hi, sizeof(got_hi));
	if (memcmp(range.lo.b, want_lo.b, 16) != 0 || memcmp(range.hi.b, want_hi.b, 16) != 0)
		fail_msg("'%s' parsed as %s - %s, expected %s - %s", text, got_lo, got_hi, lo, hi);
}

static void assert_range_rejected(const char *text)
{
	struct ip_range range;
	if (ip_range_parse(text, &range))
		fail_msg("'%s' accepted", text);
}

static void test_cidr(void **state)
{
	(void)state;
	assert_range("192.0.2.0/24", "192.0.2.0", "192.0.2.255");
	assert_range("192.0.2.77/24", "192.0.2.0", "192.0.2.255");
	assert_range("192.0.2.128/25", "192.0.2.128", "192.0.2.255");
	assert_range("198.51.101.7/23", "198.51.100.0", "198.51.101.255");
	assert_range("10.1.2.3/32", "10.1.2.3", "10.1.2.3");
	assert_range("10.1.2.3/31", "10.1.2.2", "10.1.2.3");
	assert_range("172.16.5.4/12", "172.16.0.0", "172.31.255.255");
	/* IPv4 /0 is all of IPv4 and nothing else. */
	assert_range("0.0.0.0/0", "0.0.0.0", "255.255.255.255");
	assert_range("203.0.113.9/0", "0.0.0.0", "255.255.255.255");

	assert_range("2001:db8::/32", "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_range("2001:db8:abcd:12::1/64",
	             "2001:db8:abcd:12::", "2001:db8:abcd:12:ffff:ffff:ffff:ffff");
	assert_range("2001:db8::1/128", "2001:db8::1", "2001:db8::1");
	assert_range("2001:db8::ff/127", "2001:db8::fe", "2001:db8::ff");
	assert_range("2001:db8::/33", "2001:db8::", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff");
	assert_range("::/0", "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	/* A prefix length counts bits of the address as written. */
	assert_range("::ffff:192.0.2.0/120", "192.0.2.0", "192.0.2.255");

	static const char *const bad[] = {
		"192.0.2.0/33",   "2001:db8::/129", "192.0.2.0/-1",
		"192.0.2.0/+8",   "192.0.2.0/",     "192.0.2.0/ 8",
		"192.0.2.0/8x",   "192.0.2.0/0x8",  "/24",
		"192.0.2/24",     "example.com/24", "192.0.2.0/99999999999999999999",
		"192.0.2.0/24/8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_range_rejected(bad[i]);
}

static void test_start_end_range(void **state)
{
	(void)state;
	assert_range("192.0.2.10-192.0.2.20", "192.0.2.10", "192.0.2.20");
	assert_range("192.0.2.10-192.0.2.10", "192.0.2.10", "192.0.2.10");
	assert_range("10.255.255.255-11.0.0.0", "10.255.255.255", "11.0.0.0");
	assert_range("2001:db8::1-2001:db8::ff", "2001:db8::1", "2001:db8::ff");
	assert_range("192.0.2.1", "192.0.2.1", "192.0.2.1");
	assert_range("2001:db8::1", "2001:db8::1", "2001:db8::1");

	static const char *const bad[] = {
		"192.0.2.20-192.0.2.10",
		"2001:db8::ff-2001:db8::1",
		"192.0.2.1-2001:db8::1",
		"2001:db8::1-192.0.2.1",
		"-192.0.2.1",
		"192.0.2.1-",
		"192.0.2.1--192.0.2.2",
		"192.0.2.1-192.0.2.2-192.0.2.3",
		"a-b",
		"",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_range_rejected(bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_epoch_seconds),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_iso8601_rejects),
		cmocka_unit_test(test_relative_ages),
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_format_iso),
		cmocka_unit_test(test_days_from_civil),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_key_parse),
		cmocka_unit_test(test_key_format),
		cmocka_unit_test(test_key_order),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_start_end_range),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
