/* test_util: unit parsing, formatting, the sanitiser, strbuf, strlist, edit distance. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#include "httpsmon/util.h"

static int64_t dur(const char *s)
{
	int64_t ms = -42;

	assert_int_equal(util_parse_duration_ms(s, &ms), 0);
	return ms;
}

static void assert_bad_duration(const char *s)
{
	int64_t ms = -42;

	assert_int_equal(util_parse_duration_ms(s, &ms), -1);
	assert_int_equal(ms, -42); /* untouched on error */
}

static void test_duration(void **state)
{
	(void)state;
	assert_int_equal(dur("250ms"), 250);
	assert_int_equal(dur("30s"), 30000);
	assert_int_equal(dur("5m"), 300000);
	assert_int_equal(dur("1h"), 3600000);
	assert_int_equal(dur("2d"), 172800000);
	assert_int_equal(dur("1.5s"), 1500);
	assert_int_equal(dur("  10s\t"), 10000);
	assert_int_equal(dur("10 s"), 10000);
	assert_int_equal(dur("1m30s"), 90000);
	assert_int_equal(dur("0s"), 0);

	assert_bad_duration("30");      /* seconds or milliseconds? */
	assert_bad_duration("");
	assert_bad_duration("   ");
	assert_bad_duration("s");
	assert_bad_duration("-5s");
	assert_bad_duration("5x");
	assert_bad_duration("5 minutes");
	assert_bad_duration("1e3ms");
	assert_bad_duration("0x10s");
	assert_bad_duration("inf s");
	assert_bad_duration(".5s");
	assert_bad_duration("5.s");
	assert_bad_duration("5S");
	assert_bad_duration("99999999999999999999d");
	assert_bad_duration(NULL);
}

static int64_t size(const char *s)
{
	int64_t v = -42;

	assert_int_equal(util_parse_size(s, &v), 0);
	return v;
}

static void test_size(void **state)
{
	int64_t v = -42;

	(void)state;
	assert_int_equal(size("512"), 512);
	assert_int_equal(size("512B"), 512);
	assert_int_equal(size("64KiB"), 65536);
	assert_int_equal(size("1MiB"), 1048576);
	assert_int_equal(size("1GiB"), 1073741824LL);
	assert_int_equal(size("64KB"), 64000);
	assert_int_equal(size("1MB"), 1000000);
	assert_int_equal(size(" 2 MiB "), 2097152);
	assert_int_equal(size("1.5KiB"), 1536);
	assert_int_equal(size("1mib"), 1048576);

	assert_int_equal(util_parse_size("", &v), -1);
	assert_int_equal(util_parse_size("MiB", &v), -1);
	assert_int_equal(util_parse_size("-1", &v), -1);
	assert_int_equal(util_parse_size("1.5", &v), -1); /* half a byte */
	assert_int_equal(util_parse_size("10TB", &v), -1);
	assert_int_equal(util_parse_size("1 0", &v), -1);
	assert_int_equal(util_parse_size("99999999999GiB", &v), -1);
	assert_int_equal(v, -42);
}

static void test_bool(void **state)
{
	static const char *const yes[] = { "yes", "YES", "true", "On", "1", " yes " };
	static const char *const no[] = { "no", "False", "off", "0" };
	bool b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		b = false;
		assert_int_equal(util_parse_bool(yes[i], &b), 0);
		assert_true(b);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		b = true;
		assert_int_equal(util_parse_bool(no[i], &b), 0);
		assert_false(b);
	}
	assert_int_equal(util_parse_bool("y", &b), -1);
	assert_int_equal(util_parse_bool("2", &b), -1);
	assert_int_equal(util_parse_bool("", &b), -1);
	assert_int_equal(util_parse_bool("yesno", &b), -1);
}

static void test_fmt_duration(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 850), "850us");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 12345), "12.3ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 143000), "143ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 1240000), "1.24s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 12500000), "12.5s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 125000000), "2m05s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), (3 * 3600 + 12 * 60) * 1000000LL),
			    "3h12m");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), (5 * 86400 + 4 * 3600) * 1000000LL),
			    "5d04h");
	/* rounding never produces "100.0ms", "1000ms" or "60.0s" */
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 99960), "100ms");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 999600), "1.00s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), 59960000), "1m00s");
	assert_string_equal(util_fmt_duration_us(buf, sizeof(buf), -1), "-");
	/* truncated, still terminated */
	assert_string_equal(util_fmt_duration_us(buf, 4, 12345), "12.");
}

static void test_fmt_misc(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(util_fmt_ms(buf, sizeof(buf), 143200), "143.2");
	assert_string_equal(util_fmt_ms(buf, sizeof(buf), 149), "0.1");
	assert_string_equal(util_fmt_ms(buf, sizeof(buf), 0), "0.0");
	assert_string_equal(util_fmt_days(buf, sizeof(buf), -3), "expired 3d ago");
	assert_string_equal(util_fmt_days(buf, sizeof(buf), 0), "today");
	assert_string_equal(util_fmt_days(buf, sizeof(buf), 12), "12d");
	assert_string_equal(util_fmt_time_utc(buf, sizeof(buf), 1795737576), "2026-11-26T23:59:36Z");
	assert_string_equal(util_fmt_time_utc(buf, sizeof(buf), 0), "1970-01-01T00:00:00Z");
}

static void test_clocks(void **state)
{
	int64_t a = util_mono_us(), b = util_mono_us();

	(void)state;
	assert_true(b >= a);
	assert_true(util_now_ms() > 1600000000000LL); /* after 2020 */
}

static const char *san(const char *in, size_t len, size_t outlen)
{
	static char out[512];

	memset(out, 'Z', sizeof(out));
	return util_sanitize(in, len, out, outlen);
}
#define SAN(s) san(s, sizeof(s) - 1, 512)

static void test_sanitize_controls(void **state)
{
	(void)state;
	assert_string_equal(SAN("plain text"), "plain text");
	assert_string_equal(SAN("a\nb\tc\rd"), "a\\nb\\tc\\rd");
	/* a colour change and a screen clear stay inert */
	assert_string_equal(SAN("\x1b[31mred\x1b[2J"), "\\x1b[31mred\\x1b[2J");
	/* OSC 52 would write to the clipboard */
	assert_string_equal(SAN("\x1b]52;c;ZXZpbA==\x07"), "\\x1b]52;c;ZXZpbA==\\x07");
	assert_string_equal(SAN("del\x7f"), "del\\x7f");
	assert_string_equal(SAN("nul\0x"), "nul\\x00x");
	/* a raw 0x9b byte is CSI on 8-bit terminals */
	assert_string_equal(SAN("a\x9b" "2Jb"), "a\\x9b2Jb");
	/* U+009B encoded as UTF-8 is the same control */
	assert_string_equal(SAN("a\xc2\x9b" "2J"), "a\\u009b2J");
	/* bidi override (Trojan Source) */
	assert_string_equal(SAN("x\xe2\x80\xaey"), "x\\u202ey");
}

static void test_sanitize_utf8(void **state)
{
	(void)state;
	assert_string_equal(SAN("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"),
			    "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
	/* stray continuation byte, truncated sequence */
	assert_string_equal(SAN("a\x80z"), "a\\x80z");
	assert_string_equal(SAN("a\xe2\x82"), "a\\xe2\\x82");
	/* overlong "/" and overlong NUL */
	assert_string_equal(SAN("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(SAN("\xe0\x80\x80"), "\\xe0\\x80\\x80");
	/* UTF-16 surrogate half, and beyond U+10FFFF */
	assert_string_equal(SAN("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(SAN("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
	assert_string_equal(SAN("\xff"), "\\xff");
}

static void test_sanitize_cut(void **state)
{
	(void)state;
	/* room for 5 bytes: "ab" + "\x1b" would need 6, so it stops after "ab" */
	assert_string_equal(san("ab\x1b", 3, 6), "ab");
	/* never half a character: "é" is 2 bytes */
	assert_string_equal(san("abc\xc3\xa9", 5, 5), "abc");
	assert_string_equal(san("abc\xc3\xa9", 5, 6), "abc\xc3\xa9");
	assert_string_equal(san("abc", 3, 1), "");
	assert_string_equal(san(NULL, 0, 8), "");
}

/* Parses s with cJSON and checks it decodes to want (a JSON string). */
static void assert_json_string(const char *json, const char *want)
{
	cJSON *j = cJSON_Parse(json);

	assert_non_null(j);
	assert_true(cJSON_IsString(j));
	assert_string_equal(j->valuestring, want);
	cJSON_Delete(j);
}

static void test_json_str(void **state)
{
	struct strbuf b = { 0 };

	(void)state;
	strbuf_json_str(&b, "say \"hi\"\\ \n\t\x01\x1b");
	assert_string_equal(strbuf_cstr(&b), "\"say \\\"hi\\\"\\\\ \\n\\t\\u0001\\u001b\"");
	assert_json_string(strbuf_cstr(&b), "say \"hi\"\\ \n\t\x01\x1b");

	strbuf_reset(&b);
	strbuf_json_str(&b, "caf\xc3\xa9");
	assert_string_equal(strbuf_cstr(&b), "\"caf\xc3\xa9\"");

	/* bad UTF-8 becomes \u00NN of the byte: still valid JSON */
	strbuf_reset(&b);
	strbuf_json_str(&b, "a\xff\xc3(b");
	assert_string_equal(strbuf_cstr(&b), "\"a\\u00ff\\u00c3(b\"");
	assert_json_string(strbuf_cstr(&b), "a\xc3\xbf\xc3\x83(b");

	strbuf_reset(&b);
	strbuf_json_str(&b, NULL);
	assert_string_equal(strbuf_cstr(&b), "null");

	strbuf_reset(&b);
	strbuf_json_str(&b, "");
	assert_string_equal(strbuf_cstr(&b), "\"\"");
	strbuf_done(&b);
}

static void test_strbuf(void **state)
{
	struct strbuf b = { 0 };
	int i;

	(void)state;
	assert_string_equal(strbuf_cstr(&b), "");
	strbuf_puts(&b, "abc");
	strbuf_append(&b, "defgh", 2);
	strbuf_printf(&b, "-%d-%s", 42, "x");
	assert_string_equal(strbuf_cstr(&b), "abcde-42-x");
	assert_int_equal(b.len, 10);
	for (i = 0; i < 1000; i++)
		strbuf_puts(&b, "0123456789");
	assert_int_equal(b.len, 10010);
	assert_int_equal(strlen(b.s), 10010);
	strbuf_reset(&b);
	assert_string_equal(strbuf_cstr(&b), "");
	assert_int_equal(b.len, 0);
	strbuf_done(&b);
	assert_null(b.s);
	strbuf_done(&b); /* twice is fine */
}

static void test_strlist(void **state)
{
	struct strlist a = { 0 }, b = { 0 };
	char tmp[8] = "one";

	(void)state;
	strlist_push(&a, tmp);
	strcpy(tmp, "two");
	strlist_push(&a, tmp);
	assert_int_equal(a.n, 2);
	assert_string_equal(a.v[0], "one"); /* copied, not borrowed */
	strlist_push(&b, "old");
	strlist_copy(&b, &a);
	assert_int_equal(b.n, 2);
	assert_string_equal(b.v[1], "two");
	assert_ptr_not_equal(b.v[0], a.v[0]);
	strlist_done(&a);
	strlist_done(&b);
	assert_int_equal(a.n, 0);
	assert_null(a.v);
}

static void test_alloc(void **state)
{
	char *s;

	(void)state;
	assert_null(xstrdup(NULL));
	s = xstrndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
	s = xasprintf("%s=%d", "n", 7);
	assert_string_equal(s, "n=7");
	free(s);
	s = xmalloc(0); /* never NULL */
	assert_non_null(s);
	free(s);
}

/* Each range's both ends and the characters just outside them (the ASCII neighbours). */
static void test_hex_digit(void **state)
{
	(void)state;
	assert_int_equal(util_hex_digit('0'), 0);
	assert_int_equal(util_hex_digit('9'), 9);
	assert_int_equal(util_hex_digit('a'), 10);
	assert_int_equal(util_hex_digit('f'), 15);
	assert_int_equal(util_hex_digit('A'), 10);
	assert_int_equal(util_hex_digit('F'), 15);
	assert_int_equal(util_hex_digit('/'), -1);
	assert_int_equal(util_hex_digit(':'), -1);
	assert_int_equal(util_hex_digit('`'), -1);
	assert_int_equal(util_hex_digit('g'), -1);
	assert_int_equal(util_hex_digit('@'), -1);
	assert_int_equal(util_hex_digit('G'), -1);
	assert_int_equal(util_hex_digit('\0'), -1);
	assert_int_equal(util_hex_digit((char)0xC3), -1);
}

static void test_edit_distance(void **state)
{
	char long_a[400], long_b[10];

	(void)state;
	assert_int_equal(util_edit_distance("timeout", "timeout"), 0);
	assert_int_equal(util_edit_distance("timout", "timeout"), 1);
	assert_int_equal(util_edit_distance("intervall", "interval"), 1);
	assert_int_equal(util_edit_distance("expect_stauts", "expect_status"), 2);
	assert_int_equal(util_edit_distance("", "abc"), 3);
	assert_int_equal(util_edit_distance("kitten", "sitting"), 3);
	memset(long_a, 'a', sizeof(long_a) - 1);
	long_a[sizeof(long_a) - 1] = '\0';
	strcpy(long_b, "b");
	assert_int_equal(util_edit_distance(long_a, long_b), 255);
}

#define ELL "\xe2\x80\xa6"

static void expect_redact(const char *url, const char *want)
{
	char out[512];

	util_url_redact(url, out, sizeof(out));
	if (strcmp(out, want) != 0)
		fail_msg("redact(%s) = '%s', want '%s'", url ? url : "NULL", out, want);
}

/* util_url_redact: query values, fragment values and passwords never come out. */
static void test_url_redact(void **state)
{
	char out[512], small[32];
	char *longurl;

	(void)state;
	expect_redact(NULL, "");
	expect_redact("", "");
	expect_redact("https://h.example/", "https://h.example/");
	expect_redact("https://h.example:8443/a/b.json", "https://h.example:8443/a/b.json");
	expect_redact("https://h/?api_token=SECRET", "https://h/?api_token=" ELL);
	expect_redact("https://h/p?api_token=SECRET&page=2", "https://h/p?api_token=" ELL "&page=" ELL);
	expect_redact("https://h/?", "https://h/?");                    /* empty query */
	expect_redact("https://h/?a=", "https://h/?a=");                /* empty value: nothing to hide */
	expect_redact("https://h/?a=&b=x", "https://h/?a=&b=" ELL);
	expect_redact("https://h/?SECRETONLY", "https://h/?" ELL);      /* no '=': the whole item */
	expect_redact("https://h/?a=1&&b=2&", "https://h/?a=" ELL "&&b=" ELL "&");
	expect_redact("https://h/?a=x=y", "https://h/?a=" ELL);          /* '=' in a value */
	expect_redact("https://h/?t=%41%3D&n%61me=v", "https://h/?t=" ELL "&n%61me=" ELL); /* encoded */
	expect_redact("https://h/?t=SECRET#frag", "https://h/?t=" ELL "#" ELL);
	expect_redact("https://h/#access_token=SECRET&x=1", "https://h/#access_token=" ELL "&x=" ELL);
	expect_redact("https://h/p#", "https://h/p#");
	expect_redact("https://h/?a=1#b?c=2", "https://h/?a=" ELL "#b?c=" ELL); /* '?' in a fragment */
	/* userinfo */
	expect_redact("https://user:pass@h.example/x", "https://user:" ELL "@h.example/x");
	expect_redact("https://TOKEN@h.example/", "https://" ELL "@h.example/");
	expect_redact("https://u:p@w@h/", "https://u:" ELL "@h/");      /* the last '@' ends it */
	expect_redact("https://u:p@h/?k=v", "https://u:" ELL "@h/?k=" ELL);
	expect_redact("https://h/a@b", "https://h/a@b");                 /* '@' in the path */
	expect_redact("https://h/?e=a@b:c", "https://h/?e=" ELL);
	expect_redact("http://[2001:db8::1]:8080/?x=1", "http://[2001:db8::1]:8080/?x=" ELL);
	/* relative references, as Location headers may be */
	expect_redact("/login?next=/x&sid=SECRET", "/login?next=" ELL "&sid=" ELL);
	expect_redact("?sid=SECRET", "?sid=" ELL);
	expect_redact("no-scheme://u:p@h", "no-scheme://u:" ELL "@h");
	expect_redact("x y://u:p@h/", "x y://u:p@h/");                   /* not a scheme: no userinfo */

	/* truncation: cut at a character boundary, never inside the mark, never a value byte */
	util_url_redact("https://h/?token=SECRET", small, 20);
	assert_string_equal(small, "https://h/?token=");                 /* the mark did not fit */
	util_url_redact("https://h/?token=SECRET", small, 21);
	assert_string_equal(small, "https://h/?token=" ELL);
	util_url_redact("https://h/?token=SECRET&x=1", small, 23);
	assert_string_equal(small, "https://h/?token=" ELL "&x");
	util_url_redact("https://h/\xc3\xa9t\xc3\xa9", small, 12);        /* "é" is not split */
	assert_string_equal(small, "https://h/");
	util_url_redact("https://h/?a=1", small, 1);
	assert_string_equal(small, "");
	/* very long: the values never come out whatever the length */
	longurl = xasprintf("https://h.example/%0*d?k=%0*dSECRET&n=1", 3000, 0, 3000, 0);
	util_url_redact(longurl, out, sizeof(out));
	assert_int_equal(strlen(out), sizeof(out) - 1);
	assert_null(strstr(out, "SECRET"));
	free(longurl);
	longurl = xasprintf("https://h.example/?k=%0*dSECRET", 5000, 0);
	util_url_redact(longurl, out, sizeof(out));
	assert_string_equal(out, "https://h.example/?k=" ELL);
	free(longurl);
}

/* --since/--until: durations back from now, UTC times to the millisecond, nothing else */
static void test_time_ms(void **state)
{
	int64_t now = 1795737576250LL, ms;
	char buf[40];

	(void)state;
	assert_string_equal(util_fmt_time_utc_ms(buf, sizeof(buf), now), "2026-11-26T23:59:36.250Z");
	assert_string_equal(util_fmt_time_utc_ms(buf, sizeof(buf), 1000), "1970-01-01T00:00:01.000Z");
	assert_int_equal(util_parse_time_ms("7d", now, &ms), 0);
	assert_int_equal(ms, now - 7 * DAY_MS);
	assert_int_equal(util_parse_time_ms("2026-11-26T23:59:36.250Z", now, &ms), 0);
	assert_int_equal(ms, now);
	assert_int_equal(util_parse_time_ms("2026-11-26 23:59:36.25", now, &ms), 0);
	assert_int_equal(ms, now);
	assert_int_equal(util_parse_time_ms("2026-11-26T23:59:36.2509", now, &ms), 0);
	assert_int_equal(ms, now);
	assert_int_equal(util_parse_time_ms("2026-11-26T23:59", now, &ms), 0);
	assert_int_equal(ms, now - 36250);
	assert_int_equal(util_parse_time_ms("2026-11-26", now, &ms), 0);
	assert_int_equal(ms, 1795737576250LL - (23 * 3600 + 59 * 60 + 36) * 1000LL - 250);
	/* a round trip of what export writes */
	util_fmt_time_utc_ms(buf, sizeof(buf), 1795737576001LL);
	assert_int_equal(util_parse_time_ms(buf, now, &ms), 0);
	assert_int_equal(ms, 1795737576001LL);
	assert_int_equal(util_parse_time_ms("2026-02-30", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("2026-11-26T24:00", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("2026-11-26T23:59:36+01:00", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("2026-11-26T23:59:36.", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("yesterday", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("26-11-2026", now, &ms), -1);
	assert_int_equal(util_parse_time_ms("", now, &ms), -1);
}

static void test_known_list(void **state)
{
	struct strlist l = { 0 };
	struct strbuf b = { 0 };
	char name[8];

	(void)state;
	util_known_list(&b, &l, 3);
	assert_string_equal(strbuf_cstr(&b), "none");
	for (int i = 0; i < 3; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		strlist_push(&l, name);
	}
	strbuf_reset(&b);
	util_known_list(&b, &l, 3);
	assert_string_equal(strbuf_cstr(&b), "n0, n1, n2");
	strlist_push(&l, "x\x1b[2J");
	strbuf_reset(&b);
	util_known_list(&b, &l, 3);
	assert_string_equal(strbuf_cstr(&b), "n0, n1, n2 ... (1 more)");
	strbuf_reset(&b);
	util_known_list(&b, &l, 4);
	assert_string_equal(strbuf_cstr(&b), "n0, n1, n2, x\\x1b[2J");
	strbuf_done(&b);
	strlist_done(&l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_bool),
		cmocka_unit_test(test_fmt_duration),
		cmocka_unit_test(test_fmt_misc),
		cmocka_unit_test(test_clocks),
		cmocka_unit_test(test_sanitize_controls),
		cmocka_unit_test(test_sanitize_utf8),
		cmocka_unit_test(test_sanitize_cut),
		cmocka_unit_test(test_json_str),
		cmocka_unit_test(test_strbuf),
		cmocka_unit_test(test_strlist),
		cmocka_unit_test(test_alloc),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_hex_digit),
		cmocka_unit_test(test_url_redact),
		cmocka_unit_test(test_time_ms),
		cmocka_unit_test(test_known_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
