/* Tests for whois_date_parse() (whois/date.h) with the date forms WHOIS
 * servers write. Every expected epoch comes from GNU date run on the same
 * instant in ISO 8601, e.g. `date -u -d "2019-08-12T10:52:01-0700" +%s`
 * gives 1565632321. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "whois/date.h"

/* 2019-08-12T17:52:01Z */
#define AUG12_175201 1565632321
/* 2019-08-12T00:00:00Z */
#define AUG12 1565568000

static void check_date(const char *text, bool month_first, int64_t expected)
{
	int64_t got = INT64_MIN;
	if (!whois_date_parse(text, month_first, &got))
		fail_msg("'%s' rejected", text);
	if (got != expected)
		fail_msg("'%s' parsed as %lld, expected %lld", text, (long long)got,
		         (long long)expected);
}

static void check_rejected(const char *text)
{
	int64_t got = 4242;
	if (whois_date_parse(text, false, &got))
		fail_msg("'%s' accepted as %lld", text, (long long)got);
	assert_int_equal(got, 4242);
}

static void test_iso_with_zone(void **state)
{
	(void)state;
	check_date("2019-08-12T10:52:01-0700", false, AUG12_175201);
	check_date("2019-08-12T17:52:01Z", false, AUG12_175201);
	check_date("2019-08-12T17:52:01.0Z", false, AUG12_175201);
	check_date("2019-08-12T17:52:01.123Z", false, AUG12_175201);
	check_date("2019-08-12T20:52:01+03:00", false, AUG12_175201);
	check_date("2019-08-12 20:52:01+03", false, AUG12_175201);
	check_date("2019-08-12T17:52:01", false, AUG12_175201);
	check_date("2019-08-12 17:52:01", false, AUG12_175201);
	/* date -u -d "2011-01-23 00:00:07 +02:00" +%s */
	check_date("2011-01-23 00:00:07 +02:00", false, 1295733607);
}

static void test_zone_names(void **state)
{
	(void)state;
	/* date -u -d "2019-08-12 17:52:01 -03:00" +%s: Chile's summer time. */
	check_date("2019-08-12 17:52:01 CLST", false, 1565643121);
	check_date("2019-08-12 17:52:01 UTC", false, AUG12_175201);
	check_date("2019-08-12 17:52:01 GMT", false, AUG12_175201);
	/* date -u -d "2017-06-01 01:05:09 +0900" +%s */
	check_date("2017/06/01 01:05:09 (JST)", false, 1496246709);
	/* date -u -d "2020-10-31 00:00:00 +0800" +%s */
	check_date("2020-10-31 00:00:00 (UTC+8)", false, 1604073600);
	check_date("2020-10-31 00:00:00 (GMT+8:00)", false, 1604073600);
	/* date -u -d "2003-04-18 00:00 +0300" +%s */
	check_date("18 Apr 2003 00:00 EAT", false, 1050613200);
	/* date -u -d "2014-02-11 15:30:00 -0800" +%s */
	check_date("Tue Feb 11 15:30:00 PST 2014", false, 1392161400);
	/* An unknown zone name leaves the time as UTC. */
	check_date("2019-08-12 17:52:01 XYZT", false, AUG12_175201);
}

static void test_year_first(void **state)
{
	(void)state;
	check_date("2019-08-12", false, AUG12);
	check_date("2019.08.12", false, AUG12);
	check_date("2019/08/12", false, AUG12);
	check_date("2019. 08. 12.", false, AUG12);
	check_date("2019-Aug-12", false, AUG12);
	check_date("20190812", false, AUG12);
	check_date("20190812 #175298", false, AUG12);
	check_date("2019-08-12 (YYYY-MM-DD)", false, AUG12);
	check_date("2019.08.12 17:52:01", false, AUG12_175201);
}

static void test_day_first(void **state)
{
	(void)state;
	check_date("12-Aug-2019", false, AUG12);
	check_date("12-aug-2019", false, AUG12);
	check_date("12 August 2019", false, AUG12);
	check_date("12nd August 2019", false, AUG12);
	check_date("12.08.2019", false, AUG12);
	check_date("12/08/2019", false, AUG12);
	check_date("12-08-2019", false, AUG12);
	check_date("12.8.2019 17:52:01", false, AUG12_175201);
	check_date("12-Aug-2019 17:52:01 UTC", false, AUG12_175201);
	/* date -u -d "1999-04-12" +%s: a two-digit year before 70 is 20xx. */
	check_date("12-APR-99", false, 923875200);
	/* date -u -d "2019-03-02" +%s */
	check_date("02/03/2019", false, 1551484800);
}

static void test_month_first(void **state)
{
	(void)state;
	check_date("08/12/2019", true, AUG12);
	check_date("Aug 12 2019", false, AUG12);
	check_date("August 12, 2019", false, AUG12);
	check_date("Mon Aug 12 2019", false, AUG12);
	check_date("Mon Aug 12 17:52:01 2019", false, AUG12_175201);
	/* date -u -d "2019-08-12 17:52:01 -0700" +%s */
	check_date("Mon Aug 12 17:52:01 PDT 2019", false, 1565657521);
	/* A day above 12 decides the order, whatever the flag requests:
	 * 2001-12-18 is date -u -d "2001-12-18" +%s. */
	check_date("12/18/2001", false, 1008633600);
	check_date("18/12/2001", true, 1008633600);
}

static void test_before(void **state)
{
	(void)state;
	/* date -u -d "1996-08-01" +%s: "before" a month is its first day. */
	check_date("before Aug-1996", false, 838857600);
	/* date -u -d "1996-01-01" +%s */
	check_date("before 1 January 1996", false, 820454400);
}

static void test_leap_day(void **state)
{
	(void)state;
	/* date -u -d "2000-02-29" +%s */
	check_date("2000-02-29", false, 951782400);
	check_rejected("2019-02-29");
	check_rejected("1900-02-29");
}

static void test_rejected(void **state)
{
	(void)state;
	check_rejected("");
	check_rejected("Not Disclosed");
	check_rejected("REDACTED FOR PRIVACY");
	check_rejected("2019-13-01");
	check_rejected("2019-08-32");
	check_rejected("2019-08-12T25:00:00Z");
	check_rejected("32/08/2019");
	check_rejected("123-08-2019");
	check_rejected("2019");
	check_rejected("Aug");
	check_rejected("before");
	check_rejected("201908121");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iso_with_zone), cmocka_unit_test(test_zone_names),
		cmocka_unit_test(test_year_first),    cmocka_unit_test(test_day_first),
		cmocka_unit_test(test_month_first),   cmocka_unit_test(test_before),
		cmocka_unit_test(test_leap_day),      cmocka_unit_test(test_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
