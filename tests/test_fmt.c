/* test_fmt: the dashboard's pure formatters (latency, age, expiry, uptime, sparkline, bars, clipping). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

static char buf[512];

static void test_latency(void **state)
{
	(void)state;
	/* the one duration formatter (util.c), with what the dashboard showed before in its own style */
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), -1), "-");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 0), "0us");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 46), "46us");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 4200), "4.2ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 12345), "12.3ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 143400), "143ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 999499), "999ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 1240000), "1.24s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 12500000), "12.5s");
	/* an outage of 39.6 s reads the same in the dashboard and in `history` */
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 39600 * 1000LL), "39.6s");
	/* truncated, never overrun */
	assert_string_equal(util_fmt_duration_us(buf, 4, 143400), "143");
}

/* The dashboard's one date format: START and END of an outage read alike. */
static void test_time_local(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_string_equal(fmt_time_local(buf, sizeof(buf), 1796187825840LL, true), "2026-12-02 05:03:45");
	assert_string_equal(fmt_time_local(buf, sizeof(buf), 1796187829627LL, true), "2026-12-02 05:03:49");
	assert_string_equal(fmt_time_local(buf, sizeof(buf), 1796187825840LL, false), "12-02 05:03:45");
	assert_string_equal(fmt_clock_local(buf, sizeof(buf), 1796187825840LL, "%H:%M:%S"), "05:03:45");
}

static void test_age(void **state)
{
	(void)state;
	assert_string_equal(fmt_age(buf, sizeof(buf), 0), "now");
	assert_string_equal(fmt_age(buf, sizeof(buf), -500), "now");    /* small clock skew */
	assert_string_equal(fmt_age(buf, sizeof(buf), -120000), "-");    /* the future is absurd */
	assert_string_equal(fmt_age(buf, sizeof(buf), 5400), "5s ago");
	assert_string_equal(fmt_age(buf, sizeof(buf), 180000), "3m ago");
	assert_string_equal(fmt_age(buf, sizeof(buf), 2 * 3600000 + 5), "2h ago");
	assert_string_equal(fmt_age(buf, sizeof(buf), 4 * 86400000LL), "4d ago");
}

static void test_span(void **state)
{
	(void)state;
	assert_string_equal(fmt_span(buf, sizeof(buf), 45000), "45s");
	assert_string_equal(fmt_span(buf, sizeof(buf), 192000), "3m12s");
	assert_string_equal(fmt_span(buf, sizeof(buf), 7500000), "2h05m");
	assert_string_equal(fmt_span(buf, sizeof(buf), 3 * 86400000LL + 4 * 3600000), "3d04h");
	assert_string_equal(fmt_span(buf, sizeof(buf), -5), "0s");
}

static void test_expiry(void **state)
{
	int64_t now = 1700000000;

	(void)state;
	assert_string_equal(fmt_expiry(buf, sizeof(buf), now + 12 * 86400 + 3600, now), "expires in 12 d");
	assert_string_equal(fmt_expiry(buf, sizeof(buf), now + 5 * 3600 + 10, now), "expires in 5 h");
	assert_string_equal(fmt_expiry(buf, sizeof(buf), now + 720, now), "expires in 12 min");
	assert_string_equal(fmt_expiry(buf, sizeof(buf), now - 3 * 86400 - 1, now), "expired 3 d ago");
	assert_string_equal(fmt_expiry(buf, sizeof(buf), now - 7200, now), "expired 2 h ago");

	assert_string_equal(fmt_expiry_short(buf, sizeof(buf), 0, now), "-");
	assert_string_equal(fmt_expiry_short(buf, sizeof(buf), now + 12 * 86400 + 5, now), "12d");
	assert_string_equal(fmt_expiry_short(buf, sizeof(buf), now + 5 * 3600 + 5, now), "5h");
	assert_string_equal(fmt_expiry_short(buf, sizeof(buf), now - 1, now), "EXPIRED");
}

static void test_pct(void **state)
{
	(void)state;
	assert_string_equal(fmt_pct(buf, sizeof(buf), -1), "-");
	assert_string_equal(fmt_pct(buf, sizeof(buf), 100.0), "100%");
	assert_string_equal(fmt_pct(buf, sizeof(buf), 99.95), "99.95%");
	assert_string_equal(fmt_pct(buf, sizeof(buf), 99.999), "99.99%");   /* never rounds up to 100 */
	assert_string_equal(fmt_pct(buf, sizeof(buf), 97.18), "97.1%");
	assert_string_equal(fmt_pct(buf, sizeof(buf), 0), "0.0%");
}

static void test_tls_short(void **state)
{
	(void)state;
	assert_string_equal(fmt_tls_short(buf, sizeof(buf), "TLSv1.3"), "1.3");
	assert_string_equal(fmt_tls_short(buf, sizeof(buf), ""), "-");
	assert_string_equal(fmt_tls_short(buf, sizeof(buf), NULL), "-");
	assert_string_equal(fmt_tls_short(buf, sizeof(buf), "SSLv3"), "SSLv3");
}

static void test_ring(void **state)
{
	int64_t ring[4] = { 40, 50, 30, 0 }, out[4];

	(void)state;
	/* partly filled: 30 was written last, next write goes to 3 */
	fmt_ring_linear(ring, 3, 3, 4, out);
	assert_int_equal(out[0], 40);
	assert_int_equal(out[2], 30);
	/* full and wrapped: head 1 means ring[1] is the oldest */
	ring[0] = 60;
	fmt_ring_linear(ring, 4, 1, 4, out);
	assert_int_equal(out[0], 50);
	assert_int_equal(out[1], 30);
	assert_int_equal(out[2], 0);
	assert_int_equal(out[3], 60);
}

static void test_spark(void **state)
{
	const int64_t v[] = { 0, 100, 200, 400, 800, -1, 800 };

	(void)state;
	assert_int_equal(fmt_level(0, 800, 8), 0);
	assert_int_equal(fmt_level(800, 800, 8), 7);
	assert_int_equal(fmt_level(900, 800, 8), 7);
	assert_int_equal(fmt_level(400, 800, 8), 4);
	assert_int_equal(fmt_level(5, 0, 8), 0);

	assert_string_equal(fmt_spark(buf, sizeof(buf), v, 7, 7, true), "▁▂▃▅█×█");
	assert_string_equal(fmt_spark(buf, sizeof(buf), v, 7, 7, false), "_.-=#x#");
	/* the last width values, right-aligned with padding when fewer */
	assert_string_equal(fmt_spark(buf, sizeof(buf), v, 7, 3, false), "#x#");
	assert_string_equal(fmt_spark(buf, sizeof(buf), v + 5, 2, 4, false), "  x#");
	assert_string_equal(fmt_spark(buf, sizeof(buf), v, 0, 3, true), "   ");
	/* all failed: no scale, only marks */
	{
		const int64_t f[] = { -1, -1 };

		assert_string_equal(fmt_spark(buf, sizeof(buf), f, 2, 2, true), "××");
	}
	/* never splits a multibyte cell when the buffer is short */
	fmt_spark(buf, 5, v, 7, 7, true);
	assert_int_equal(strlen(buf), 3);
}

static void test_vbar(void **state)
{
	(void)state;
	/* 4 rows = 32 eighths; half of max = 16 eighths: two full rows, nothing above */
	assert_int_equal(fmt_vbar_eighths(50, 100, 4, 0), 8);
	assert_int_equal(fmt_vbar_eighths(50, 100, 4, 1), 8);
	assert_int_equal(fmt_vbar_eighths(50, 100, 4, 2), 0);
	assert_int_equal(fmt_vbar_eighths(100, 100, 4, 3), 8);
	assert_int_equal(fmt_vbar_eighths(60, 100, 4, 2), 3);  /* 19.2 -> 19 eighths */
	/* a tiny value still shows an eighth at the bottom */
	assert_int_equal(fmt_vbar_eighths(1, 1000000, 4, 0), 1);
	assert_int_equal(fmt_vbar_eighths(0, 100, 4, 0), 0);
	assert_int_equal(fmt_vbar_eighths(-1, 100, 4, 0), 0);
	assert_int_equal(fmt_vbar_eighths(50, 100, 4, 4), 0);
}

static void test_bar(void **state)
{
	int col, cols;

	(void)state;
	fmt_bar(0, 50, 1000, 100, &col, &cols);          /* 50 us of a 1 ms probe: visible */
	assert_int_equal(col, 0);
	assert_int_equal(cols, 5);
	fmt_bar(0, 1, 1000000, 100, &col, &cols);         /* tiny: still one cell */
	assert_int_equal(cols, 1);
	fmt_bar(500, 500, 1000, 100, &col, &cols);
	assert_int_equal(col, 50);
	assert_int_equal(cols, 50);
	fmt_bar(999999, 1, 1000000, 100, &col, &cols);    /* at the end: never past the last column */
	assert_int_equal(col + cols <= 100, 1);
	fmt_bar(0, 0, 0, 100, &col, &cols);
	assert_int_equal(cols, 0);
}

static void test_clip(void **state)
{
	int used;

	(void)state;
	if (!setlocale(LC_CTYPE, "C.UTF-8") && !setlocale(LC_CTYPE, "en_US.UTF-8"))
		skip();
	assert_int_equal(fmt_width("abc"), 3);
	assert_int_equal(fmt_width("h\xc3\xa9llo"), 5);          /* é: 2 bytes, 1 column */
	assert_int_equal(fmt_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本: 2 columns each */
	assert_int_equal(fmt_width("\xff"), 1);                   /* undecodable byte: 1 */

	assert_int_equal(fmt_clip("abcdef", 3, &used), 3);
	assert_int_equal(used, 3);
	/* never splits a character: é does not fit in the 2nd column half */
	assert_int_equal(fmt_clip("h\xc3\xa9llo", 2, &used), 3);
	assert_int_equal(used, 2);
	/* a wide character that does not fit whole is left out */
	assert_int_equal(fmt_clip("\xe6\x97\xa5\xe6\x9c\xac", 3, &used), 3);
	assert_int_equal(used, 2);
	assert_int_equal(fmt_clip("abc", 0, &used), 0);
	assert_int_equal(fmt_clip("", 5, NULL), 0);
}

static void test_match(void **state)
{
	(void)state;
	assert_true(fmt_match("api.example.com", ""));
	assert_true(fmt_match("api.example.com", "EXAMPLE"));
	assert_true(fmt_match("prod", "pro"));
	assert_false(fmt_match("prod", "staging"));
	assert_false(fmt_match(NULL, "x"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_latency), cmocka_unit_test(test_time_local),
		cmocka_unit_test(test_age),    cmocka_unit_test(test_span),
		cmocka_unit_test(test_expiry),  cmocka_unit_test(test_pct),    cmocka_unit_test(test_tls_short),
		cmocka_unit_test(test_ring),    cmocka_unit_test(test_spark),  cmocka_unit_test(test_vbar),
		cmocka_unit_test(test_bar),     cmocka_unit_test(test_clip),   cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
