/*
 * test_maint: maintenance windows (maint.c): the syntax and its errors,
 * every boundary (exactly at start: in; exactly at end: out), windows that
 * cross midnight, zones, and both DST change days of Europe/Berlin.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpsmon/maint.h"

/* Unix seconds of a UTC time "YYYY-MM-DD HH:MM:SS". */
static int64_t utc(const char *s)
{
	struct tm tm = { 0 };

	assert_int_equal(sscanf(s, "%d-%d-%d %d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
				&tm.tm_min, &tm.tm_sec), 6);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return (int64_t)timegm(&tm);
}

static struct maint_window win(const char *s)
{
	struct maint_window w;
	char err[256];

	if (maint_parse(s, &w, err, sizeof(err)) != 0)
		fail_msg("%s: %s", s, err);
	return w;
}

static bool in(const char *spec, const char *tz, const char *when)
{
	struct maint_window w = win(spec);

	return maint_in_window(&w, 1, tz, utc(when));
}

static void test_parse_good(void **state)
{
	static const struct { const char *in, *out; } cases[] = {
		{ "Sun 02:00-04:00", "Sun 02:00-04:00" },
		{ "  sun   02:00-04:00  ", "Sun 02:00-04:00" },
		{ "daily 23:30-00:30", "daily 23:30-00:30" },
		{ "Mon-Fri 09:00-17:00", "Mon,Tue,Wed,Thu,Fri 09:00-17:00" },
		{ "Fri-Mon 00:00-24:00", "Mon,Fri,Sat,Sun 00:00-24:00" },
		{ "Mon,Wed,Sat 12:00-12:01", "Mon,Wed,Sat 12:00-12:01" },
		{ "Sat 23:00-01:00", "Sat 23:00-01:00" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct maint_window w = win(cases[i].in);

		assert_string_equal(maint_fmt(&w, buf, sizeof(buf)), cases[i].out);
	}
}

static void test_parse_errors(void **state)
{
	static const struct { const char *in, *msg; } cases[] = {
		{ "", "empty" },
		{ "Sun", "want DAYS HH:MM-HH:MM" },
		{ "Sonday 02:00-04:00", "unknown day 'Sonday'" },
		{ "Mon, 02:00-04:00", "ends with ','" },
		{ "Mon-Xyz 02:00-04:00", "unknown day" },
		{ "Sun 2:00-04:00", "bad time span" },
		{ "Sun 02:00-4:00", "bad time span" },
		{ "Sun 02:00 04:00", "bad time span" },
		{ "Sun 02:60-04:00", "bad time span" },
		{ "Sun 24:00-01:00", "bad time span" },
		{ "Sun 02:00-24:01", "bad time span" },
		{ "Sun 02:00-04:00x", "bad time span" },
		{ "Sun 02:00-04:00 Mon", "unexpected 'Mon'" },
		{ "Sun 02:00-02:00", "same time" },
		{ "Sun 00:00-00:00", "same time" },
	};
	struct maint_window w;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		if (maint_parse(cases[i].in, &w, err, sizeof(err)) != -1)
			fail_msg("accepted '%s'", cases[i].in);
		if (!strstr(err, cases[i].msg))
			fail_msg("'%s': %s", cases[i].in, err);
		assert_non_null(strstr(err, "maintenance"));
	}
	assert_int_equal(maint_parse(NULL, &w, err, sizeof(err)), -1);
}

static void test_boundaries_utc(void **state)
{
	(void)state;
	/* 2026-12-06 is a Sunday */
	assert_false(in("Sun 02:00-04:00", NULL, "2026-12-06 01:59:59"));
	assert_true(in("Sun 02:00-04:00", NULL, "2026-12-06 02:00:00"));
	assert_true(in("Sun 02:00-04:00", NULL, "2026-12-06 03:59:59"));
	assert_false(in("Sun 02:00-04:00", NULL, "2026-12-06 04:00:00"));
	assert_false(in("Sun 02:00-04:00", "UTC", "2026-12-05 02:30:00")); /* Saturday */
	assert_true(in("Sun 22:00-24:00", NULL, "2026-12-06 23:59:59"));
	assert_false(in("Sun 22:00-24:00", NULL, "2026-12-07 00:00:00"));
}

static void test_crossing_midnight(void **state)
{
	(void)state;
	assert_false(in("daily 23:30-00:30", NULL, "2026-12-02 23:29:59"));
	assert_true(in("daily 23:30-00:30", NULL, "2026-12-02 23:30:00"));
	assert_true(in("daily 23:30-00:30", NULL, "2026-12-03 00:00:00"));
	assert_true(in("daily 23:30-00:30", NULL, "2026-12-03 00:29:59"));
	assert_false(in("daily 23:30-00:30", NULL, "2026-12-03 00:30:00"));
	assert_false(in("daily 23:30-00:30", NULL, "2026-12-03 12:00:00"));
	/* opens Saturday, closes Sunday: Sunday 00:30 in, Saturday 00:30 out */
	assert_true(in("Sat 23:00-01:00", NULL, "2026-12-06 00:30:00"));
	assert_false(in("Sat 23:00-01:00", NULL, "2026-12-05 00:30:00"));
	assert_true(in("Sat 23:00-01:00", NULL, "2026-12-05 23:00:00"));
	assert_false(in("Sat 23:00-01:00", NULL, "2026-12-06 23:30:00"));
	assert_false(in("Sat 23:00-01:00", NULL, "2026-12-06 01:00:00"));
}

static void test_zone_and_dst(void **state)
{
	const char *tz = "Europe/Berlin";

	(void)state;
	/* winter: CET = UTC+1, the window is 01:00-03:00 UTC */
	assert_false(in("Sun 02:00-04:00", tz, "2026-12-06 00:59:59"));
	assert_true(in("Sun 02:00-04:00", tz, "2026-12-06 01:00:00"));
	assert_false(in("Sun 02:00-04:00", tz, "2026-12-06 03:00:00"));
	/* summer: CEST = UTC+2 */
	assert_true(in("Sun 02:00-04:00", tz, "2026-07-05 00:00:00"));
	assert_false(in("Sun 02:00-04:00", tz, "2026-07-05 02:00:00"));
	/* spring forward, 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST.
	 * Wall 02:00-03:00 never happens: the window is open 03:00-04:00 CEST only */
	assert_false(in("Sun 02:00-04:00", tz, "2026-03-29 00:59:59")); /* 01:59:59 CET */
	assert_true(in("Sun 02:00-04:00", tz, "2026-03-29 01:00:00"));  /* 03:00 CEST */
	assert_true(in("Sun 02:00-04:00", tz, "2026-03-29 01:59:59"));
	assert_false(in("Sun 02:00-04:00", tz, "2026-03-29 02:00:00")); /* 04:00 CEST */
	assert_false(in("Sun 02:00-03:00", tz, "2026-03-29 01:00:00")); /* inside the skipped hour: never */
	/* fall back, 2026-10-25 01:00 UTC: 03:00 CEST becomes 02:00 CET.
	 * Wall 02:00-03:00 happens twice: open for both, two real hours */
	assert_false(in("Sun 02:00-03:00", tz, "2026-10-24 23:59:59")); /* 01:59:59 CEST */
	assert_true(in("Sun 02:00-03:00", tz, "2026-10-25 00:00:00"));  /* 02:00 CEST */
	assert_true(in("Sun 02:00-03:00", tz, "2026-10-25 01:00:00"));  /* 02:00 CET */
	assert_true(in("Sun 02:00-03:00", tz, "2026-10-25 01:59:59"));
	assert_false(in("Sun 02:00-03:00", tz, "2026-10-25 02:00:00")); /* 03:00 CET */
}

static void test_tz_restored_and_checked(void **state)
{
	char err[256];
	int wd, min;

	(void)state;
	setenv("TZ", "America/New_York", 1);
	tzset();
	maint_local("Asia/Tokyo", utc("2026-12-06 15:30:00"), &wd, &min);
	assert_int_equal(wd, 1); /* Monday 00:30 in Tokyo */
	assert_int_equal(min, 30);
	assert_string_equal(getenv("TZ"), "America/New_York");
	unsetenv("TZ");
	maint_local("Asia/Tokyo", utc("2026-12-06 15:30:00"), &wd, &min);
	assert_null(getenv("TZ"));
	assert_int_equal(maint_tz_check("Europe/Berlin", err, sizeof(err)), 0);
	assert_int_equal(maint_tz_check("UTC", err, sizeof(err)), 0);
	assert_int_equal(maint_tz_check("Mars/Olympus_Mons", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "unknown zone 'Mars/Olympus_Mons'"));
	assert_int_equal(maint_tz_check("../../etc/passwd", err, sizeof(err)), -1);
	assert_int_equal(maint_tz_check("/etc/localtime", err, sizeof(err)), -1);
	assert_int_equal(maint_tz_check("Europe/Berlin;rm", err, sizeof(err)), -1);
	assert_int_equal(maint_tz_check("", err, sizeof(err)), -1);
	assert_false(maint_in_window(NULL, 0, NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_boundaries_utc),
		cmocka_unit_test(test_crossing_midnight),
		cmocka_unit_test(test_zone_and_dst),
		cmocka_unit_test(test_tz_restored_and_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
