/*
 * test_hsts: Strict-Transport-Security read as a browser reads it
 * (RFC 6797 6.1): directives, quoting, case, white space, and the hostile
 * values a server can send (duplicates, bad numbers, overflow, stray
 * quotes), with max-age exactly at its cap.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "httpsmon/hsts.h"

static struct hsts_info parse(const char *h)
{
	struct hsts_info hi;

	hsts_parse(h, &hi);
	return hi;
}

static void assert_valid(const char *h, long long age, bool sub, bool pre)
{
	struct hsts_info hi = parse(h);

	if (!hi.valid)
		fail_msg("\"%s\" refused: %s", h, hi.problem);
	assert_true(hi.present);
	assert_int_equal(hi.max_age_s, age);
	assert_int_equal(hi.include_subdomains, sub);
	assert_int_equal(hi.preload, pre);
	assert_string_equal(hi.problem, "");
}

static void assert_invalid(const char *h, const char *problem)
{
	struct hsts_info hi = parse(h);

	if (hi.valid)
		fail_msg("\"%s\" accepted", h);
	assert_true(hi.present);
	assert_int_equal(hi.max_age_s, -1);
	assert_false(hi.include_subdomains);
	assert_false(hi.preload);
	assert_string_equal(hi.problem, problem);
}

static void test_absent(void **state)
{
	struct hsts_info hi = parse(NULL);

	(void)state;
	assert_false(hi.present);
	assert_false(hi.valid);
	assert_int_equal(hi.max_age_s, -1);
	assert_string_equal(hi.problem, "");
}

static void test_directives(void **state)
{
	(void)state;
	assert_valid("max-age=31536000", 31536000, false, false);
	assert_valid("max-age=31536000; includeSubDomains; preload", 31536000, true, true);
	assert_valid("preload;includeSubDomains;max-age=0", 0, true, true);
	assert_valid("MAX-AGE = \"600\" ; INCLUDESUBDOMAINS", 600, true, false);
	assert_valid("  max-age=15552000  ;  ", 15552000, false, false);
	assert_valid(";;max-age=1;;", 1, false, false);
	/* unknown directives are ignored, with or without (quoted) values */
	assert_valid("max-age=5; report-uri=\"https://x.example/;r\"; foo", 5, false, false);
	assert_valid("max-age=0000000000000000000000000000007", 7, false, false);
}

static void test_max_age_numbers(void **state)
{
	(void)state;
	assert_invalid("max-age=", "max-age has no value");
	assert_invalid("max-age", "max-age has no value");
	assert_invalid("max-age=\"\"", "max-age has no value");
	assert_invalid("max-age=-1", "max-age is not a whole number of seconds");
	assert_invalid("max-age=+5", "max-age is not a whole number of seconds");
	assert_invalid("max-age=1e9", "max-age is not a whole number of seconds");
	assert_invalid("max-age=0x10", "max-age is not a whole number of seconds");
	assert_invalid("max-age=\"12 3\"", "max-age is not a whole number of seconds");
	assert_invalid("max-age=soon", "max-age is not a whole number of seconds");
	/* a comma is not a separator: the value is "31536000," */
	assert_invalid("max-age=31536000, includeSubDomains", "unexpected ',' after a directive");
	assert_invalid("max-age=12 34", "unexpected '3' after a directive");
}

static void test_max_age_overflow_capped(void **state)
{
	(void)state;
	assert_valid("max-age=2147483647", 2147483647LL, false, false);
	assert_valid("max-age=2147483648", HSTS_MAX_AGE_CAP, false, false);
	assert_valid("max-age=2147483649", HSTS_MAX_AGE_CAP, false, false);
	assert_valid("max-age=99999999999999999999999999999999999999", HSTS_MAX_AGE_CAP, false, false);
	assert_valid("max-age=18446744073709551617", HSTS_MAX_AGE_CAP, false, false);
}

static void test_duplicates(void **state)
{
	(void)state;
	assert_invalid("max-age=1; max-age=2", "max-age appears more than once");
	assert_invalid("max-age=1; Max-Age=1", "max-age appears more than once");
	assert_invalid("max-age=1; includeSubDomains; includesubdomains", "includeSubDomains appears more than once");
	assert_invalid("preload; max-age=1; preload", "preload appears more than once");
	/* an unknown directive twice is still unknown */
	assert_valid("max-age=1; foo; foo", 1, false, false);
}

static void test_quotes_and_junk(void **state)
{
	(void)state;
	assert_invalid("max-age=\"31536000", "a quoted value is not closed");
	assert_invalid("max-age=1; foo=\"a\\\"", "a quoted value is not closed");
	assert_invalid("max-age=\"1\"2", "unexpected '2' after a directive");
	assert_invalid("includeSubDomains=yes; max-age=1", "includeSubDomains takes no value");
	assert_invalid("max-age=1; preload=\"\"", "preload takes no value");
	assert_invalid("=1; max-age=1", "a directive has no name");
	assert_invalid("max-age=1\x1b]0;x\a", "unexpected '?' after a directive");
	assert_invalid("", "no max-age");
	assert_invalid("includeSubDomains; preload", "no max-age");
	/* an escaped quote inside a quoted value does not end it */
	assert_valid("foo=\"a\\\";b\"; max-age=3", 3, false, false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_absent),
		cmocka_unit_test(test_directives),
		cmocka_unit_test(test_max_age_numbers),
		cmocka_unit_test(test_max_age_overflow_capped),
		cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_quotes_and_junk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
