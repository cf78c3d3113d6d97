/*
 * test_rjson: a remote collector's /api/v1 answers read back into rows
 * (rjson.h): the real shapes api.c writes, then hostile ones (not JSON,
 * wrong types, numbers out of range, overlong and control-laden strings,
 * deep nesting), each field at its boundaries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/rjson.h"
#include "httpsmon/util.h"

static char err[256];

static int parse_list(const char *body, struct rj_list *l)
{
	err[0] = '\0';
	return rjson_endpoints(body, strlen(body), l, err, sizeof(err));
}

/* One endpoint whose "last" object is obj (a JSON text), in a list. */
static char *one(const char *name_json, const char *extra, const char *last)
{
	return xasprintf("{\"location\":null,\"endpoints\":[{\"name\":%s,\"url\":\"https://a.example:8443/x\","
			 "\"state\":\"up\"%s,\"last\":%s}]}",
			 name_json, extra, last);
}

static const char *const full =
	"{\"location\":\"fra\",\"endpoints\":[\n"
	"{\"name\":\"web\",\"url\":\"https://web.example/health\",\"state\":\"down\",\"stale\":false,"
	"\"in_outage\":true,\"outage_start\":\"2026-11-26T10:00:00Z\",\"probes\":3,\"failures\":3,"
	"\"uptime_since_start\":0.000,\"uptime_24h\":99.5,\"recent_ms\":[12.5,null,30],\"interval_s\":30,"
	"\"last\":{\"name\":\"web\",\"url\":\"https://web.example/health\",\"time\":\"2026-11-26T10:05:00Z\","
	"\"verdict\":\"DOWN\",\"reason\":\"cert_expired\",\"reasons\":[\"cert_expired\"],"
	"\"message\":\"certificate expired 2 days ago\",\"http_status\":200,\"http_version\":\"HTTP/2\","
	"\"ip\":\"192.0.2.7\",\"port\":443,\"tls_version\":\"TLSv1.3\",\"cipher\":\"TLS_AES_128_GCM_SHA256\","
	"\"alpn\":\"h2\",\"ocsp_stapled\":true,\"redirects\":1,\"final_url\":\"https://web.example/h2\","
	"\"hsts\":{\"header\":\"max-age=63072000\",\"valid\":true},\"timings\":{\"dns_ms\":1.250,\"connect_ms\":2.000,\"tls_ms\":10.000,"
	"\"ttfb_ms\":5.000,\"transfer_ms\":0.500,\"total_ms\":18.750},\"failed_phase\":null,\"error\":null,"
	"\"error_text\":null,\"cert\":{},\"chain\":[{\"subject\":\"CN=web.example\",\"issuer\":\"CN=Int\","
	"\"sans\":[\"DNS:web.example\",\"DNS:www.web.example\"],\"serial\":\"0A1B\",\"not_before\":\"2026-01-01T00:00:00Z\","
	"\"not_after\":\"2026-11-24T00:00:00Z\",\"days_left\":-2,\"sha256\":\"ab12\",\"key\":\"EC 256 prime256v1\","
	"\"sig_alg\":\"ecdsa-with-SHA256\",\"sct_count\":3,\"ocsp_url\":\"http://ocsp.example/\",\"self_issued\":false,\"is_ca\":false,\"aia_ca_issuers\":null,\"weak\":null},"
	"{\"subject\":\"CN=Int\",\"issuer\":\"CN=Root\",\"sans\":[],\"key\":\"RSA 2048\",\"is_ca\":true}],"
	"\"chain_sent\":3,\"earliest_expiry\":\"2026-11-24T00:00:00Z\",\"days_left\":-2,"
	"\"verify_error\":\"certificate has expired\",\"verify\":{\"checked\":true,\"code\":10,\"depth\":0,"
	"\"hostname\":\"web.example\",\"hostname_ok\":true,\"chain_incomplete\":false,\"aia\":null},"
	"\"http_check\":{\"status\":301,\"location\":\"https://web.example/\",\"to_https\":true,\"error\":null},"
	"\"body_bytes\":2,\"body_truncated\":false}},\n"
	"{\"name\":\"api\",\"url\":\"https://api.example/\",\"state\":\"pending\",\"stale\":true,\"in_outage\":false,"
	"\"outage_start\":null,\"recent_ms\":[],\"last\":null}\n]}\n";

static void test_full_list(void **state)
{
	struct rj_list l;
	const struct rj_endpoint *e;
	int64_t t;

	(void)state;
	assert_int_equal(parse_list(full, &l), 0);
	assert_string_equal(l.location, "fra");
	assert_int_equal(l.n, 2);
	assert_int_equal(l.dropped, 0);
	e = &l.eps[0];
	assert_string_equal(e->name, "web");
	assert_string_equal(e->host, "web.example");
	assert_int_equal(e->live, LIVE_DOWN);
	assert_true(e->in_outage);
	assert_int_equal(util_parse_time_ms("2026-11-26T10:00:00Z", 0, &t), 0);
	assert_int_equal(e->outage_start_ms, t);
	assert_int_equal(e->interval_ms, 30000);
	assert_true(e->up24 > 99.49 && e->up24 < 99.51);
	assert_int_equal(e->spark_n, 3);
	assert_int_equal(e->spark_us[0], 12500);
	assert_int_equal(e->spark_us[1], -1);
	assert_int_equal(e->spark_us[2], 30000);
	assert_true(e->have);
	assert_int_equal(e->last_ms, t + 300000);
	assert_int_equal(e->v.state, STATE_DOWN);
	assert_int_equal(e->v.reason, REASON_CERT_EXPIRED);
	assert_string_equal(e->v.message, "certificate expired 2 days ago");
	assert_int_equal(e->r.http_status, 200);
	assert_string_equal(e->r.http_version, "HTTP/2");
	assert_int_equal(e->r.port, 443);
	assert_string_equal(e->r.tls_version, "TLSv1.3");
	assert_int_equal(e->r.tls_version_num, 13);
	assert_true(e->r.ocsp_stapled);
	assert_int_equal(e->r.redirects, 1);
	assert_string_equal(e->r.final_url, "https://web.example/h2");
	assert_string_equal(e->r.hsts, "max-age=63072000");
	assert_int_equal(e->r.t.us[PHASE_DNS], 1250);
	assert_int_equal(e->r.t.us[PHASE_SERVER], 5000);
	assert_int_equal(e->r.t.us[PHASE_TOTAL], 18750);
	assert_int_equal(e->r.failed_phase, PHASE_NONE);
	assert_int_equal(e->r.error, PERR_NONE);
	assert_int_equal(e->r.chain_len, 2);
	assert_int_equal(e->r.chain_sent, 3);
	assert_string_equal(e->r.chain[0].subject, "CN=web.example");
	assert_string_equal(e->r.chain[0].sans, "DNS:web.example, DNS:www.web.example");
	assert_string_equal(e->r.chain[0].key_type, "EC");
	assert_int_equal(e->r.chain[0].key_bits, 256);
	assert_string_equal(e->r.chain[0].key_curve, "prime256v1");
	assert_int_equal(util_parse_time_ms("2026-11-24T00:00:00Z", 0, &t), 0);
	assert_int_equal(e->r.chain[0].not_after, t / 1000);
	assert_int_equal(probe_result_earliest_expiry(&e->r, NULL), t / 1000);
	assert_int_equal(e->r.chain[0].sct_count, 3);
	assert_string_equal(e->r.chain[0].ocsp_url, "http://ocsp.example/");
	assert_null(e->r.chain[0].crl_url);
	assert_int_equal(e->r.chain[1].sct_count, 0);
	assert_string_equal(e->r.chain[1].key_type, "RSA");
	assert_int_equal(e->r.chain[1].key_bits, 2048);
	assert_true(e->r.chain[1].is_ca);
	assert_null(e->r.chain[1].sans);
	assert_true(e->r.verify.checked);
	assert_int_equal(e->r.verify.code, 10);
	assert_string_equal(e->r.verify.error, "certificate has expired");
	assert_int_equal(e->r.verify.hostname_ok, 1);
	assert_true(e->r.http_check.done);
	assert_int_equal(e->r.http_check.status, 301);
	assert_true(e->r.http_check.to_https);
	e = &l.eps[1];
	assert_string_equal(e->name, "api");
	assert_int_equal(e->live, LIVE_PENDING);
	assert_true(e->stale);
	assert_false(e->have);
	assert_int_equal(e->spark_n, 0);
	assert_int_equal(e->last_ms, 0);
	assert_true(e->up24 < 0); /* absent: unknown */
	rj_list_done(&l);
	rj_list_done(&l); /* twice: nothing left to free */
}

static void test_not_a_list(void **state)
{
	static const struct {
		const char *body, *want;
	} cases[] = {
		{ "garbage", "not JSON (at byte 0 of 7)" },
		{ "{\"endpoints\":[", "not JSON" },
		{ "[]", "JSON, but not an object" },
		{ "\"endpoints\"", "JSON, but not an object" },
		{ "{}", "no endpoints array in the answer" },
		{ "{\"endpoints\":{}}", "no endpoints array in the answer" },
		{ "{\"endpoints\":null}", "no endpoints array in the answer" },
		{ "{\"error\":\"\\u001b[2J unauthorised\"}", "no endpoints array in the answer" },
	};
	struct rj_list l;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(parse_list(cases[i].body, &l), -1);
		if (!strstr(err, cases[i].want))
			fail_msg("'%s': error '%s', expected '%s'", cases[i].body, err, cases[i].want);
		/* our words only: nothing of the server's text */
		assert_null(strstr(err, "unauthorised"));
		rj_list_done(&l);
	}
	/* no body at all */
	assert_int_equal(rjson_endpoints(NULL, 0, &l, err, sizeof(err)), -1);
	assert_int_equal(rjson_endpoints("", 0, &l, err, sizeof(err)), -1);
	rj_list_done(&l);
}

/* The length given is the body: bytes past it (a buffer not NUL-terminated) are never read. */
static void test_length_bound(void **state)
{
	const char *body = "{\"endpoints\":[]}GARBAGE";
	struct rj_list l;

	(void)state;
	assert_int_equal(rjson_endpoints(body, 16, &l, err, sizeof(err)), 0);
	assert_int_equal(l.n, 0);
	rj_list_done(&l);
	assert_int_equal(rjson_endpoints(body, 15, &l, err, sizeof(err)), -1);
	rj_list_done(&l);
}

static void test_entries_dropped(void **state)
{
	struct rj_list l;

	(void)state;
	assert_int_equal(parse_list("{\"endpoints\":[1,\"x\",null,[],{},{\"name\":\"\"},{\"name\":7},"
				    "{\"name\":\"ok\",\"url\":5,\"state\":{},\"recent_ms\":\"x\",\"last\":[]}]}",
				    &l),
			 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.dropped, 7);
	assert_string_equal(l.eps[0].name, "ok");
	assert_string_equal(l.eps[0].url, "");
	assert_string_equal(l.eps[0].host, "");
	assert_int_equal(l.eps[0].live, LIVE_PENDING);
	assert_false(l.eps[0].have);
	rj_list_done(&l);
}

/* the list's grade fields: one of the ten grades or none; score 0-100; caps cut to the record */
static void test_grade(void **state)
{
	struct strbuf b = { 0 };
	struct rj_list l;

	(void)state;
	strbuf_puts(&b, "{\"endpoints\":[{\"name\":\"a\",\"grade\":\"A+\",\"grade_score\":100,\"grade_caps\":[],"
			"\"posture_at\":\"2026-12-02T10:00:00Z\"},"
			"{\"name\":\"c\",\"grade\":\"C\",\"grade_score\":101,\"grade_caps\":[\"C: TLS 1.2 not accepted\",7,");
	for (int i = 0; i < GRADE_MAX_CAPS; i++)
		strbuf_printf(&b, "\"%0200d\",", i);
	strbuf_puts(&b, "\"last\"]},{\"name\":\"z\",\"grade\":\"Z\"},{\"name\":\"long\",\"grade\":\"A++\"},"
			"{\"name\":\"none\",\"grade\":null,\"grade_caps\":[]},{\"name\":\"num\",\"grade\":3}]}");
	assert_int_equal(parse_list(strbuf_cstr(&b), &l), 0);
	assert_int_equal(l.n, 6);
	assert_non_null(l.eps[0].posture);
	assert_string_equal(l.eps[0].posture->g.grade, "A+");
	assert_int_equal(l.eps[0].posture->g.score, 100);
	assert_int_equal(l.eps[0].posture->g.n_caps, 0);
	assert_true(l.eps[0].posture->t_ms == 1796205600000LL);
	assert_string_equal(l.eps[1].posture->g.grade, "C");
	assert_int_equal(l.eps[1].posture->g.score, 0); /* out of range: unknown */
	assert_int_equal(l.eps[1].posture->t_ms, 0);
	assert_int_equal(l.eps[1].posture->g.n_caps, GRADE_MAX_CAPS);
	assert_string_equal(l.eps[1].posture->g.caps[0], "C: TLS 1.2 not accepted");
	assert_int_equal(strlen(l.eps[1].posture->g.caps[1]), sizeof l.eps[1].posture->g.caps[1] - 1);
	for (size_t i = 2; i < l.n; i++)
		assert_null(l.eps[i].posture);
	rj_list_done(&l);
	strbuf_done(&b);
}

static void test_name_and_location_bounds(void **state)
{
	char name[RJ_NAME_MAX + 2], loc[RJ_LOCATION_MAX + 2];
	struct rj_list l;
	char *body;

	(void)state;
	memset(name, 'n', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	memset(loc, 'l', sizeof(loc) - 1);
	loc[sizeof(loc) - 1] = '\0';
	/* exactly at the bound: whole; one more: cut to the bound */
	name[RJ_NAME_MAX] = '\0';
	loc[RJ_LOCATION_MAX] = '\0';
	body = xasprintf("{\"location\":\"%s\",\"endpoints\":[{\"name\":\"%s\"}]}", loc, name);
	assert_int_equal(parse_list(body, &l), 0);
	assert_int_equal(strlen(l.location), RJ_LOCATION_MAX);
	assert_int_equal(strlen(l.eps[0].name), RJ_NAME_MAX);
	rj_list_done(&l);
	free(body);
	name[RJ_NAME_MAX] = 'n';
	loc[RJ_LOCATION_MAX] = 'l';
	body = xasprintf("{\"location\":\"%s\",\"endpoints\":[{\"name\":\"%s\"}]}", loc, name);
	assert_int_equal(parse_list(body, &l), 0);
	assert_int_equal(strlen(l.location), RJ_LOCATION_MAX);
	assert_int_equal(strlen(l.eps[0].name), RJ_NAME_MAX);
	rj_list_done(&l);
	free(body);
	/* no location, an empty one, one that is not a string: none */
	assert_int_equal(parse_list("{\"location\":\"\",\"endpoints\":[]}", &l), 0);
	assert_null(l.location);
	rj_list_done(&l);
	assert_int_equal(parse_list("{\"location\":[1],\"endpoints\":[]}", &l), 0);
	assert_null(l.location);
	rj_list_done(&l);
}

/* Strings stay raw (the UI sanitises them when it draws) but are cut to their fields. */
static void test_hostile_strings(void **state)
{
	struct rj_list l;
	struct strbuf big = { 0 };
	char *body, *last;

	(void)state;
	for (int i = 0; i < 100000; i++)
		strbuf_puts(&big, "\\u001b[31m");
	last = xasprintf("{\"message\":\"%s\",\"error_text\":\"%s\",\"ip\":\"%s\",\"hsts\":\"%s\","
			     "\"chain\":[{\"subject\":\"%s\",\"sans\":[\"%s\",\"%s\"]}]}",
			     strbuf_cstr(&big), strbuf_cstr(&big), strbuf_cstr(&big), strbuf_cstr(&big),
			     strbuf_cstr(&big), strbuf_cstr(&big), strbuf_cstr(&big));
	body = one("\"evil\\u001b]0;pwned\\u0007\"", "", last);
	free(last);
	assert_int_equal(parse_list(body, &l), 0);
	assert_string_equal(l.eps[0].name, "evil\x1b]0;pwned\x07");
	assert_int_equal(strlen(l.eps[0].v.message), sizeof(l.eps[0].v.message) - 1);
	assert_int_equal(strlen(l.eps[0].r.error_text), sizeof(l.eps[0].r.error_text) - 1);
	assert_int_equal(strlen(l.eps[0].r.ip), sizeof(l.eps[0].r.ip) - 1);
	assert_int_equal(strlen(l.eps[0].r.hsts), RJ_TEXT_MAX); /* a plain string, as older collectors send */
	assert_int_equal(strlen(l.eps[0].r.chain[0].subject), RJ_TEXT_MAX);
	assert_true(strlen(l.eps[0].r.chain[0].sans) <= RJ_TEXT_MAX + 256 + 2);
	assert_int_equal(l.eps[0].r.error, PERR_NONE);
	rj_list_done(&l);
	strbuf_done(&big);
	free(body);
}

/* Numbers: exactly at each bound read, past it (or of the wrong type) absent; never an overflowing cast. */
static void test_number_bounds(void **state)
{
	struct rj_list l;
	char *body;

	(void)state;
	body = one("\"n\"", ",\"uptime_24h\":100.001,\"interval_s\":1e300,\"recent_ms\":[0,86400000,86400000.001,-1,1e308,\"5\",true]",
		   "{\"http_status\":999,\"port\":65535,\"redirects\":1000,\"chain_sent\":1e300,"
		   "\"timings\":{\"dns_ms\":0,\"connect_ms\":86400000,\"tls_ms\":86400000.5,\"ttfb_ms\":-0.001,"
		   "\"transfer_ms\":\"1\",\"total_ms\":1e308},\"body_bytes\":-1,"
		   "\"verify\":{\"code\":1e300,\"depth\":-1,\"hostname_ok\":\"yes\"},"
		   "\"chain\":[{\"key\":\"RSA 99999999999\",\"not_after\":\"7d\"},{\"key\":\"EC\"},{\"not_before\":5}]}");
	assert_int_equal(parse_list(body, &l), 0);
	free(body);
	assert_int_equal(l.eps[0].interval_ms, 0);
	assert_true(l.eps[0].up24 < 0);
	assert_int_equal(l.eps[0].spark_n, 7);
	assert_int_equal(l.eps[0].spark_us[0], 0);
	assert_int_equal(l.eps[0].spark_us[1], 86400000000LL);
	for (int i = 2; i < 7; i++)
		assert_int_equal(l.eps[0].spark_us[i], -1);
	assert_int_equal(l.eps[0].r.http_status, 999);
	assert_int_equal(l.eps[0].r.port, 65535);
	assert_int_equal(l.eps[0].r.redirects, 1000);
	assert_int_equal(l.eps[0].r.chain_sent, 3);
	assert_int_equal(l.eps[0].r.t.us[PHASE_DNS], 0);
	assert_int_equal(l.eps[0].r.t.us[PHASE_CONNECT], 86400000000LL);
	assert_int_equal(l.eps[0].r.t.us[PHASE_TLS], -1);
	assert_int_equal(l.eps[0].r.t.us[PHASE_SERVER], -1);
	assert_int_equal(l.eps[0].r.t.us[PHASE_TRANSFER], -1);
	assert_int_equal(l.eps[0].r.t.us[PHASE_TOTAL], -1);
	assert_int_equal(l.eps[0].r.body_len, 0);
	assert_int_equal(l.eps[0].r.verify.code, 0);
	assert_int_equal(l.eps[0].r.verify.depth, 0);
	assert_int_equal(l.eps[0].r.verify.hostname_ok, -1);
	assert_int_equal(l.eps[0].r.chain[0].key_bits, 0);
	assert_int_equal(l.eps[0].r.chain[0].not_after, 0);
	assert_int_equal(l.eps[0].r.chain[1].key_bits, 0);
	assert_int_equal(l.eps[0].r.chain[2].not_before, 0);
	rj_list_done(&l);
	/* one past: status 1000, port 65536, redirects 1001 */
	body = one("\"n\"", ",\"uptime_24h\":100", "{\"http_status\":1000,\"port\":65536,\"redirects\":1001,\"http_version\":7}");
	assert_int_equal(parse_list(body, &l), 0);
	free(body);
	assert_int_equal(l.eps[0].r.http_status, 0);
	assert_int_equal(l.eps[0].r.port, 0);
	assert_int_equal(l.eps[0].r.redirects, 0);
	assert_string_equal(l.eps[0].r.http_version, "");
	assert_true(l.eps[0].up24 == 100.0); /* exactly at the bound */
	rj_list_done(&l);
}

/* A key's size is 1..65536 bits; a number past an int's range is no size (not wrapped into one). */
static void test_key_sizes(void **state)
{
	static const struct {
		const char *key;
		int bits;
	} cases[] = {
		{ "RSA 65536", 65536 },      { "RSA 65537", 0 }, { "RSA 4294969344", 0 }, { "RSA 18446744073709553664", 0 },
		{ "RSA -2048", 0 },          { "RSA 2048x", 0 }, { "EC 1 c", 1 },         { "EC 0 c", 0 },
	};
	struct rj_list l;
	char *body;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *last = xasprintf("{\"chain\":[{\"key\":\"%s\"}]}", cases[i].key);

		body = one("\"n\"", "", last);
		free(last);
		assert_int_equal(parse_list(body, &l), 0);
		free(body);
		assert_int_equal(l.eps[0].r.chain_len, 1);
		if (l.eps[0].r.chain[0].key_bits != cases[i].bits)
			fail_msg("key \"%s\": %d bits, want %d", cases[i].key, l.eps[0].r.chain[0].key_bits, cases[i].bits);
		rj_list_done(&l);
	}
}

static void test_array_bounds(void **state)
{
	struct strbuf sb = { 0 };
	struct rj_list l;
	char *body;

	(void)state;
	/* 70 recent probes: the newest 64, oldest first */
	strbuf_puts(&sb, "[");
	for (int i = 0; i < 70; i++)
		strbuf_printf(&sb, "%s%d", i ? "," : "", i);
	strbuf_puts(&sb, "]");
	body = xasprintf("{\"endpoints\":[{\"name\":\"a\",\"recent_ms\":%s,\"last\":{\"chain\":["
			 "{},{},{},{},{},{},{},{},{},{},{},{}]}}]}",
			 strbuf_cstr(&sb));
	assert_int_equal(parse_list(body, &l), 0);
	assert_int_equal(l.eps[0].spark_n, MONITOR_SPARK);
	assert_int_equal(l.eps[0].spark_us[0], 6000);
	assert_int_equal(l.eps[0].spark_us[MONITOR_SPARK - 1], 69000);
	assert_int_equal(l.eps[0].r.chain_len, PROBE_MAX_CHAIN);
	assert_int_equal(l.eps[0].r.chain_sent, PROBE_MAX_CHAIN);
	rj_list_done(&l);
	free(body);
	strbuf_done(&sb);
}

static void test_names(void **state)
{
	(void)state;
	assert_int_equal(rjson_live("down"), LIVE_DOWN);
	assert_int_equal(rjson_live("DOWN"), LIVE_DOWN);
	assert_int_equal(rjson_live("Failing"), LIVE_FAILING);
	assert_int_equal(rjson_live("paused"), LIVE_PAUSED);
	assert_int_equal(rjson_live("warn"), LIVE_WARN);
	assert_int_equal(rjson_live("up"), LIVE_UP);
	assert_int_equal(rjson_live("upx"), LIVE_PENDING);
	assert_int_equal(rjson_live(""), LIVE_PENDING);
	assert_int_equal(rjson_live(NULL), LIVE_PENDING);
}

/* An attacker's nesting: cJSON's limit refuses it; no stack overflow. */
static void test_deep_nesting(void **state)
{
	size_t depth = 100000;
	char *body = xmalloc(2 * depth + 1);
	struct rj_list l;

	(void)state;
	memset(body, '[', depth);
	memset(body + depth, ']', depth);
	body[2 * depth] = '\0';
	assert_int_equal(parse_list(body, &l), -1);
	rj_list_done(&l);
	free(body);
}

static void test_detail(void **state)
{
	const char *body =
		"{\"name\":\"web\",\"uptime\":{\"24h\":99.5,\"7d\":100,\"30d\":100.001},"
		"\"outages\":[{\"type\":\"outage\",\"endpoint\":\"web\",\"start\":\"2026-11-26T10:00:00Z\",\"end\":null,"
		"\"ongoing\":true,\"duration_s\":60,\"failed_probes\":3,\"reason\":\"refused\",\"message\":\"m\"},7],"
		"\"events\":[{\"type\":\"event\",\"endpoint\":\"web\",\"time\":\"2026-11-26T10:01:00Z\",\"kind\":\"state\","
		"\"detail\":\"UP -> DOWN\"}]}";
	struct rj_detail d;
	int64_t t;

	(void)state;
	assert_int_equal(rjson_detail(body, strlen(body), &d, err, sizeof(err)), 0);
	assert_true(d.up[0] > 99.49 && d.up[0] < 99.51);
	assert_true(d.up[1] > 99.99);
	assert_true(d.up[2] < 0); /* over 100: unknown */
	assert_int_equal(d.n_out, 1);
	assert_string_equal(d.out[0].name, "web");
	assert_int_equal(util_parse_time_ms("2026-11-26T10:00:00Z", 0, &t), 0);
	assert_int_equal(d.out[0].start_ms, t);
	assert_int_equal(d.out[0].end_ms, 0);
	assert_int_equal(d.out[0].failed_probes, 3);
	assert_int_equal(d.n_ev, 1);
	assert_string_equal(d.ev[0].kind, "state");
	assert_int_equal(d.ev[0].t_ms, t + 60000);
	rj_detail_done(&d);
	assert_int_equal(rjson_detail("{}", 2, &d, err, sizeof(err)), 0);
	assert_true(d.up[0] < 0);
	assert_int_equal(d.n_out + d.n_ev, 0);
	rj_detail_done(&d);
	assert_int_equal(rjson_detail("<html>", 6, &d, err, sizeof(err)), -1);
	rj_detail_done(&d);
}

static void test_outages_and_series(void **state)
{
	const char *so = "{\"outages\":[{\"endpoint\":\"a\",\"start\":\"2026-11-26T10:00:00Z\",\"end\":\"2026-11-26T10:00:30Z\","
			 "\"failed_probes\":1e300,\"mark\":\"maintenance\"},"
			 "{\"endpoint\":\"b\",\"mark\":\"\\u001b[31mlocal_network and much more than fits\"}]}";
	const char *ss = "{\"series\":[{\"time\":\"2026-11-26T10:00:00.500Z\",\"count\":4,\"failures\":9,"
			 "\"timings\":{\"dns_ms\":1,\"total_ms\":20.5},\"max_total_ms\":null},{\"count\":-1}]}";
	struct outage_row *o;
	struct series_point *p;
	size_t n;
	int64_t t;

	(void)state;
	assert_int_equal(rjson_outages(so, strlen(so), &o, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(o[0].end_ms - o[0].start_ms, 30000);
	assert_int_equal(o[0].failed_probes, 0);
	/* the collector's mark, kept (cut to fit; the panes show known words only: store_mark_label) */
	assert_string_equal(o[0].mark, "maintenance");
	assert_int_equal(strlen(o[1].mark), sizeof(o[1].mark) - 1);
	assert_string_equal(o[1].name, "b");
	free(o);
	assert_int_equal(rjson_outages("{\"events\":[]}", 13, &o, &n, err, sizeof(err)), -1);
	assert_string_equal(err, "no outages array in the answer");
	assert_null(o);
	assert_int_equal(rjson_series(ss, strlen(ss), &p, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 2);
	assert_int_equal(util_parse_time_ms("2026-11-26T10:00:00.500Z", 0, &t), 0);
	assert_int_equal(p[0].t_ms, t);
	assert_int_equal(p[0].count, 4);
	assert_int_equal(p[0].failures, 0); /* more failures than probes: not believed */
	assert_int_equal(p[0].avg_us[PHASE_DNS], 1000);
	assert_int_equal(p[0].avg_us[PHASE_TLS], -1);
	assert_int_equal(p[0].avg_us[PHASE_TOTAL], 20500);
	assert_int_equal(p[0].avg_us[PHASE_NONE], -1);
	assert_int_equal(p[0].max_total_us, -1);
	assert_int_equal(p[1].count, 0);
	assert_int_equal(p[1].t_ms, 0);
	free(p);
}

static void test_probes(void **state)
{
	const char *body =
		"{\"probes\":[{\"time\":\"2026-11-26T10:00:01.250Z\",\"verdict\":\"DOWN\",\"reason\":\"cert_expired\","
		"\"message\":\"m\",\"http_status\":null,\"ip\":\"127.0.0.1\",\"tls_version\":\"TLSv1.3\",\"cipher\":null,"
		"\"failed_phase\":\"TLS\",\"cert_sha256\":\"aa11\",\"timings\":{\"dns_ms\":0.5,\"tls_ms\":2,\"total_ms\":3}},"
		"{\"verdict\":\"bogus\",\"failed_phase\":\"nowhere\",\"http_status\":1000},\"x\"],"
		"\"certs\":{\"aa11\":{\"subject\":\"CN=expired\",\"not_after\":\"2026-11-24T00:00:00Z\"},\"bb\":7,\"\":{}}}";
	struct rj_probes p;
	int64_t t;

	(void)state;
	assert_int_equal(rjson_probes(body, strlen(body), &p, err, sizeof(err)), 0);
	assert_int_equal(p.n, 2);
	assert_int_equal(util_parse_time_ms("2026-11-26T10:00:01.250Z", 0, &t), 0);
	assert_int_equal(p.rows[0].t_ms, t);
	assert_string_equal(p.rows[0].state, "DOWN");
	assert_string_equal(p.rows[0].reason, "cert_expired");
	assert_string_equal(p.rows[0].ip, "127.0.0.1");
	assert_string_equal(p.rows[0].cipher, "");
	assert_int_equal(p.rows[0].failed_phase, PHASE_TLS);
	assert_int_equal(p.rows[0].t.us[PHASE_TLS], 2000);
	assert_int_equal(p.rows[0].t.us[PHASE_CONNECT], -1);
	assert_int_equal(p.rows[0].http_status, 0);
	assert_string_equal(p.rows[1].state, "UP"); /* an unknown verdict reads as UP, never out of the table */
	assert_int_equal(p.rows[1].failed_phase, PHASE_NONE);
	assert_int_equal(p.rows[1].http_status, 0);
	/* only the member that is an object with a name */
	assert_int_equal(p.n_certs, 1);
	assert_string_equal(rj_probes_cert(&p, "aa11")->subject, "CN=expired");
	assert_null(rj_probes_cert(&p, "bb"));
	assert_null(rj_probes_cert(&p, ""));
	rj_probes_done(&p);
	rj_probes_done(&p);
	assert_int_equal(rjson_probes("{\"certs\":{}}", 12, &p, err, sizeof(err)), -1);
	assert_string_equal(err, "no probes array in the answer");
	rj_probes_done(&p);
}

/* More certificates than the answer may bring: RJ_MAX_CERTS kept. */
static void test_probes_cert_bound(void **state)
{
	struct strbuf sb = { 0 };
	struct rj_probes p;

	(void)state;
	strbuf_puts(&sb, "{\"probes\":[],\"certs\":{");
	for (int i = 0; i < RJ_MAX_CERTS + 5; i++)
		strbuf_printf(&sb, "%s\"%d\":{\"subject\":\"CN=%d\"}", i ? "," : "", i, i);
	strbuf_puts(&sb, "}}");
	assert_int_equal(rjson_probes(strbuf_cstr(&sb), sb.len, &p, err, sizeof(err)), 0);
	assert_int_equal(p.n_certs, RJ_MAX_CERTS);
	assert_non_null(rj_probes_cert(&p, "15"));
	assert_null(rj_probes_cert(&p, "16"));
	rj_probes_done(&p);
	strbuf_done(&sb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_list),
		cmocka_unit_test(test_not_a_list),
		cmocka_unit_test(test_length_bound),
		cmocka_unit_test(test_entries_dropped),
		cmocka_unit_test(test_grade),
		cmocka_unit_test(test_name_and_location_bounds),
		cmocka_unit_test(test_hostile_strings),
		cmocka_unit_test(test_number_bounds),
		cmocka_unit_test(test_key_sizes),
		cmocka_unit_test(test_array_bounds),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_detail),
		cmocka_unit_test(test_outages_and_series),
		cmocka_unit_test(test_probes),
		cmocka_unit_test(test_probes_cert_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
