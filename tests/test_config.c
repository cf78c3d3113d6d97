/*
 * test_config: loading endpoints.ini. Every error a user can make must name
 * FILE:LINE, the section and the key; valid files must come out with every
 * default applied and [defaults] inherited the documented way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/alert.h"
#include "httpsmon/config.h"
#include "testlib.h"

static char *dir;
static char *path;      /* dir/endpoints.ini of the last load */
static char err[4096];

static int setup(void **state)
{
	(void)state;
	dir = tl_mkdtemp();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	tl_rmrf(dir);
	free(dir);
	free(path);
	path = NULL;
	return 0;
}

static struct config *load(const char *ini)
{
	free(path);
	path = tl_write_file(dir, "endpoints.ini", ini);
	memset(err, 0, sizeof(err));
	return config_load(path, err, sizeof(err));
}

static struct config *load_ok(const char *ini)
{
	struct config *c = load(ini);

	if (!c)
		fail_msg("expected the config to load, got:\n%s", err);
	assert_string_equal(err, "");
	return c;
}

/*
 * Loads ini, expects failure, and a line of err that starts with
 * "PATH:LINE: [section] key: " (parts left out when 0/NULL) and contains
 * words.
 */
static void expect_err(const char *ini, int line, const char *section, const char *key,
		       const char *words)
{
	struct config *c = load(ini);
	char prefix[512];
	const char *p, *eol;
	int n;

	if (c) {
		config_unref(c);
		fail_msg("expected an error containing '%s', but the config loaded", words);
	}
	n = line ? snprintf(prefix, sizeof(prefix), "%s:%d: ", path, line)
		 : snprintf(prefix, sizeof(prefix), "%s: ", path);
	if (section && key)
		snprintf(prefix + n, sizeof(prefix) - (size_t)n, "[%s] %s: ", section, key);
	else if (section)
		snprintf(prefix + n, sizeof(prefix) - (size_t)n, "[%s]: ", section);
	else if (key)
		snprintf(prefix + n, sizeof(prefix) - (size_t)n, "%s: ", key);
	for (p = err; (p = strstr(p, prefix)); p++) {
		if (p != err && p[-1] != '\n')
			continue;
		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (strstr(p, words) && strstr(p, words) < eol)
			return;
	}
	fail_msg("no error line starting '%s' containing '%s' in:\n%s", prefix, words, err);
}

#define EP "[api]\nurl = https://api.example.com/\n"

static void test_example_config_loads(void **state)
{
	struct config *c;
	const struct endpoint *e;

	(void)state;
	c = config_load("config/endpoints.ini", err, sizeof(err));
	if (!c)
		fail_msg("config/endpoints.ini: %s", err);
	assert_true(c->n >= 5);
	e = config_find(c, "github-api");
	assert_non_null(e);
	assert_int_equal(e->n_expect_json, 1);
	assert_int_equal(e->headers.n, 2); /* its own list replaced [defaults]' */
	e = config_find(c, "example");
	assert_non_null(e);
	assert_int_equal(e->headers.n, 1);
	assert_string_equal(e->headers.v[0], "User-Agent: httpsmon");
	assert_non_null(config_find(c, "wikipedia-http"));
	assert_true(config_find(c, "wikipedia-http")->plain_http);
	config_unref(c);
}

static void test_builtin_defaults(void **state)
{
	struct config *c = load_ok(EP);
	const struct endpoint *e = &c->eps[0];

	(void)state;
	assert_int_equal(c->n, 1);
	assert_int_equal(c->max_inflight, 50);
	assert_string_equal(c->path, path);
	assert_string_equal(e->name, "api");
	assert_int_equal(e->line, 1);
	assert_string_equal(e->url, "https://api.example.com/");
	assert_string_equal(e->host, "api.example.com");
	assert_int_equal(e->port, 443);
	assert_false(e->plain_http);
	assert_int_equal(e->interval_ms, 60000);
	assert_int_equal(e->timeout_ms, 10000);
	assert_string_equal(e->method, "GET");
	assert_int_equal(e->headers.n, 0);
	assert_null(e->body);
	assert_int_equal(e->n_expect_status, 1);
	assert_int_equal(e->expect_status[0].lo, 200);
	assert_int_equal(e->expect_status[0].hi, 399);
	assert_null(e->expect_body);
	assert_null(e->body_regex);
	assert_int_equal(e->n_expect_json, 0);
	assert_int_equal(e->latency_warn_ms, 0);
	assert_int_equal(e->latency_down_ms, 0);
	assert_int_equal(e->cert_warn_days, 21);
	assert_int_equal(e->cert_crit_days, 7);
	assert_int_equal(e->min_tls, 12);
	assert_null(e->ca_file);
	assert_int_equal(e->ip, IPMODE_ANY);
	assert_int_equal(e->http_version, 2);
	assert_true(e->follow_redirects);
	assert_int_equal(e->max_redirects, 5);
	assert_false(e->check_http_redirect);
	assert_int_equal(e->http_port, 80);
	assert_false(e->expect_hsts);
	assert_true(e->revocation);
	assert_int_equal(e->revocation_interval_ms, 6 * 3600 * 1000);
	assert_false(e->require_revocation);
	assert_int_equal(e->posture_interval_ms, 24LL * 3600 * 1000);
	assert_int_equal(e->posture_verdict, POSTURE_VERDICT_WARN);
	assert_int_equal(c->posture_inflight, 2);
	assert_int_equal(e->max_body, 1024 * 1024);
	assert_true(e->enabled);
	assert_int_equal(e->fail_after, 2);
	assert_int_equal(e->recover_after, 1);
	assert_false(e->all_addresses);
	config_unref(c);
}

static void test_every_key(void **state)
{
	char *ca = tl_write_file(dir, "ca.pem", "x\n");
	char *crt = tl_write_file(dir, "client.pem", "x\n");
	char *key = tl_write_file(dir, "client.key", "x\n");
	struct config *c;
	const struct endpoint *e;

	(void)state;
	c = load_ok("[defaults]\n"
		    "max_inflight = 7\n"
		    "[full]\n"
		    "url = https://[2001:db8::1]:8443/health?x=1\n"
		    "interval = 5m\n"
		    "timeout = 1.5s\n"
		    "method = POST\n"
		    "header = X-Token:abc\n"
		    "header = Accept:\n"
		    "body = {\"ping\": 1}\n"
		    "expect_status = 200, 204 ,300-302\n"
		    "expect_body = \"ok\"\n"
		    "expect_body_regex = ^\\{.*\"ok\"\n"
		    "expect_json = status == \"ok\"\n"
		    "expect_json = n < 5\n"
		    "latency_warn = 500ms\n"
		    "latency_down = 2s\n"
		    "cert_warn_days = 30\n"
		    "cert_crit_days = 30\n"
		    "min_tls = 1.3\n"
		    "ca_file = ca.pem\n"
		    "client_cert = client.pem\n"
		    "client_key = client.key\n"
		    "proxy = http://proxy.example:3128\n"
		    "resolve = example.com:443:192.0.2.1,[2001:db8::2]\n"
		    "ip = 6\n"
		    "http_version = 1.1\n"
		    "follow_redirects = no\n"
		    "max_redirects = 0\n"
		    "check_http_redirect = yes\n"
		    "http_port = 8080\n"
		    "expect_hsts = on\n"
		    "max_body = 64KiB\n"
		    "tags = prod, eu ,\n"
		    "tags = team:web\n"
		    "enabled = false\n"
		    "fail_after = 3\n"
		    "recover_after = 2\n"
		    "all_addresses = true\n");
	e = &c->eps[0];
	assert_int_equal(c->max_inflight, 7);
	assert_string_equal(e->host, "2001:db8::1");
	assert_int_equal(e->port, 8443);
	assert_int_equal(e->interval_ms, 300000);
	assert_int_equal(e->timeout_ms, 1500);
	assert_string_equal(e->method, "POST");
	assert_int_equal(e->headers.n, 2);
	assert_string_equal(e->headers.v[0], "X-Token: abc");
	assert_string_equal(e->headers.v[1], "Accept:");
	assert_string_equal(e->body, "{\"ping\": 1}");
	assert_int_equal(e->n_expect_status, 3);
	assert_int_equal(e->expect_status[1].lo, 204);
	assert_int_equal(e->expect_status[2].hi, 302);
	assert_string_equal(e->expect_body, "\"ok\"");
	assert_non_null(e->body_regex);
	assert_int_equal(rx_match(e->body_regex, "{\"status\":\"ok\"}", 15, NULL, 0), RX_MATCH);
	assert_int_equal(rx_match(e->body_regex, "<html>ok", 8, NULL, 0), RX_NOMATCH);
	assert_int_equal(e->n_expect_json, 2);
	assert_string_equal(e->expect_json[1].text, "n < 5");
	assert_int_equal(e->latency_warn_ms, 500);
	assert_int_equal(e->latency_down_ms, 2000);
	assert_int_equal(e->cert_warn_days, 30);
	assert_int_equal(e->cert_crit_days, 30);
	assert_int_equal(e->min_tls, 13);
	assert_string_equal(e->ca_file, ca); /* resolved against the config's directory */
	assert_string_equal(e->client_cert, crt);
	assert_string_equal(e->client_key, key);
	assert_string_equal(e->proxy, "http://proxy.example:3128");
	assert_int_equal(e->resolve.n, 1);
	assert_int_equal(e->ip, IPMODE_V6);
	assert_int_equal(e->http_version, 11);
	assert_false(e->follow_redirects);
	assert_int_equal(e->max_redirects, 0);
	assert_true(e->check_http_redirect);
	assert_int_equal(e->http_port, 8080);
	assert_true(e->expect_hsts);
	assert_int_equal(e->max_body, 65536);
	assert_int_equal(e->tags.n, 3);
	assert_string_equal(e->tags.v[0], "prod");
	assert_string_equal(e->tags.v[1], "eu");
	assert_string_equal(e->tags.v[2], "team:web");
	assert_false(e->enabled);
	assert_int_equal(e->fail_after, 3);
	assert_int_equal(e->recover_after, 2);
	assert_true(e->all_addresses);
	config_unref(c);
	free(ca);
	free(crt);
	free(key);
}

static void test_defaults_inherited_and_lists_replaced(void **state)
{
	struct config *c;
	const struct endpoint *a, *b, *d;

	(void)state;
	/* [defaults] comes last on purpose: its position must not matter */
	c = load_ok("[inherits]\n"
		    "url = https://a.example/\n"
		    "[own]\n"
		    "url = https://b.example/\n"
		    "interval = 2m\n"
		    "header = X-Own: 1\n"
		    "tags = mine\n"
		    "expect_json = ok == true\n"
		    "[cleared]\n"
		    "url = https://c.example/\n"
		    "header =\n"
		    "expect_json =\n"
		    "[defaults]\n"
		    "interval = 30s\n"
		    "header = X-A: 1\n"
		    "header = X-B: 2\n"
		    "tags = prod\n"
		    "expect_json = status == \"ok\"\n"
		    "expect_body_regex = ok\n");
	assert_int_equal(c->n, 3);
	a = config_find(c, "inherits");
	b = config_find(c, "own");
	d = config_find(c, "cleared");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(d);
	assert_ptr_equal(a, &c->eps[0]); /* file order */
	assert_int_equal(a->interval_ms, 30000);
	assert_int_equal(a->headers.n, 2);
	assert_string_equal(a->headers.v[1], "X-B: 2");
	assert_int_equal(a->tags.n, 1);
	assert_int_equal(a->n_expect_json, 1);
	/* every endpoint holds its own reference to the compiled [defaults] pattern */
	assert_non_null(a->body_regex);
	assert_int_equal(rx_match(a->body_regex, "is ok", 5, NULL, 0), RX_MATCH);

	assert_int_equal(b->interval_ms, 120000);
	assert_int_equal(b->headers.n, 1);
	assert_string_equal(b->headers.v[0], "X-Own: 1");
	assert_int_equal(b->tags.n, 1);
	assert_string_equal(b->tags.v[0], "mine");
	assert_int_equal(b->n_expect_json, 1);
	assert_string_equal(b->expect_json[0].text, "ok == true");

	assert_int_equal(d->headers.n, 0);
	assert_int_equal(d->n_expect_json, 0);
	assert_int_equal(d->tags.n, 1); /* not touched: inherited */
	assert_null(config_find(c, "defaults"));
	assert_null(config_find(c, "nope"));
	config_unref(c);
}

static void test_syntax_details(void **state)
{
	struct config *c;
	const struct endpoint *e;

	(void)state;
	/* BOM, CRLF, indentation (never a continuation), inline comments */
	c = load_ok("\xef\xbb\xbf; comment\r\n"
		    "# another\r\n"
		    "  [api]   ; trailing comment\r\n"
		    "url = https://api.example.com/\r\n"
		    "    interval = 5s ; five seconds\r\n"
		    "\ttimeout = 2s\r\n"
		    "expect_body = a;b\r\n"
		    "body = x # not a comment\r\n"
		    "method: HEAD\r\n");
	e = &c->eps[0];
	assert_int_equal(e->interval_ms, 5000);
	assert_int_equal(e->timeout_ms, 2000);
	assert_string_equal(e->expect_body, "a;b");
	assert_string_equal(e->body, "x # not a comment");
	assert_string_equal(e->method, "HEAD");
	assert_int_equal(e->line, 3);
	config_unref(c);
}

static void test_urls(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("[plain]\nurl = http://www.example.org\n"
		    "[port]\nurl = HTTPS://Example.COM:8443\n"
		    "[v6]\nurl = https://[::1]/\n"
		    "[user]\nurl = https://monitor@example.com/\n");
	assert_true(c->eps[0].plain_http);
	assert_int_equal(c->eps[0].port, 80);
	assert_string_equal(c->eps[0].host, "www.example.org");
	assert_false(c->eps[1].plain_http);
	assert_int_equal(c->eps[1].port, 8443);
	assert_string_equal(c->eps[1].host, "Example.COM");
	assert_string_equal(c->eps[2].host, "::1");
	assert_int_equal(c->eps[2].port, 443);
	assert_string_equal(c->eps[3].host, "example.com");
	config_unref(c);

	expect_err("[a]\nurl = ftp://example.com/\n", 2, "a", "url", "scheme must be https://");
	expect_err("[a]\nurl = example.com\n", 2, "a", "url", "missing scheme: write https://example.com");
	expect_err("[a]\nurl = https://bob:hunter2@example.com/\n", 2, "a", "url",
		   "bad URL 'https://bob:\xe2\x80\xa6@example.com/': a password in the URL");
	assert_null(strstr(err, "hunter2")); /* the refusal must not leak it either */
	expect_err("[a]\nurl = https://example.com:99999/\n", 2, "a", "url", "bad port '99999'");
	expect_err("[a]\nurl = https://example.com:/\n", 2, "a", "url", "bad port");
	expect_err("[a]\nurl = https:///path\n", 2, "a", "url", "no host name");
	expect_err("[a]\nurl = https://::1/\n", 2, "a", "url", "IPv6 address goes in brackets");
	expect_err("[a]\nurl = https://[::g]/\n", 2, "a", "url", "not an IPv6 address");
	expect_err("[a]\nurl = https://[::1/\n", 2, "a", "url", "without ']'");
	expect_err("[a]\nurl = https://exa mple.com/\n", 2, "a", "url", "white space");
	expect_err("[a]\nurl = https://exa$mple.com/\n", 2, "a", "url", "not a valid host name");
}

static void test_err_unknown_key(void **state)
{
	(void)state;
	expect_err(EP "timout = 5s\n", 3, "api", "timout", "unknown key (did you mean 'timeout'?)");
	expect_err(EP "expect_stauts = 200\n", 3, "api", "expect_stauts", "did you mean 'expect_status'?");
	expect_err(EP "URL = https://x/\n", 3, "api", "URL", "keys are lower-case: did you mean 'url'?");
	expect_err(EP "frobnicate = 1\n", 3, "api", "frobnicate", "unknown key");
	expect_err("[defaults]\nintervall = 5s\n" EP, 2, "defaults", "intervall",
		   "did you mean 'interval'?");
}

/* revocation_interval's bounds are 1m and 7d exactly (59s and 8d: test_err_values). */
static void test_revocation_interval_bounds(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok(EP "revocation_interval = 1m\nrevocation = no\n");
	assert_int_equal(c->eps[0].revocation_interval_ms, 60 * 1000);
	assert_false(c->eps[0].revocation);
	config_unref(c);
	c = load_ok(EP "revocation_interval = 7d\nrequire_revocation = yes\n");
	assert_int_equal(c->eps[0].revocation_interval_ms, 7LL * 86400 * 1000);
	assert_true(c->eps[0].require_revocation);
	config_unref(c);
}

/* posture_interval: 10s and 30d exactly, off; posture_verdict's two words; posture_inflight 1-64. */
static void test_posture_keys(void **state)
{
	struct config *c;

	(void)state;
	c = load_ok("[defaults]\nposture_inflight = 64\n" EP "posture_interval = 10s\nposture_verdict = info\n");
	assert_int_equal(c->eps[0].posture_interval_ms, 10000);
	assert_int_equal(c->eps[0].posture_verdict, POSTURE_VERDICT_INFO);
	assert_int_equal(c->posture_inflight, 64);
	config_unref(c);
	c = load_ok("[defaults]\nposture_inflight = 1\n" EP "posture_interval = 30d\nposture_verdict = warn\n");
	assert_int_equal(c->eps[0].posture_interval_ms, 30LL * 86400 * 1000);
	assert_int_equal(c->eps[0].posture_verdict, POSTURE_VERDICT_WARN);
	assert_int_equal(c->posture_inflight, 1);
	config_unref(c);
	c = load_ok(EP "posture_interval = off\n");
	assert_int_equal(c->eps[0].posture_interval_ms, 0);
	config_unref(c);
	expect_err(EP "posture_interval = 9999ms\n", 3, "api", "posture_interval", "out of range (10s to 30d)");
	expect_err(EP "posture_interval = 31d\n", 3, "api", "posture_interval", "out of range (10s to 30d)");
	expect_err(EP "posture_verdict = quiet\n", 3, "api", "posture_verdict", "quiet");
	expect_err("[defaults]\nposture_inflight = 0\n" EP, 2, "defaults", "posture_inflight", "from 1 to 64");
	expect_err("[defaults]\nposture_inflight = 65\n" EP, 2, "defaults", "posture_inflight", "from 1 to 64");
	expect_err(EP "posture_inflight = 2\n", 3, "api", "posture_inflight", "global: set it in [defaults]");
}

static void test_err_values(void **state)
{
	(void)state;
	expect_err(EP "interval = 30\n", 3, "api", "interval", "bad duration '30'");
	expect_err(EP "interval = 30\n", 3, "api", "interval", "250ms, 30s, 5m, 1h");
	expect_err(EP "interval = 500ms\n", 3, "api", "interval", "out of range (1s to 7d)");
	expect_err(EP "timeout = 0s\n", 3, "api", "timeout", "more than 0");
	expect_err(EP "revocation_interval = 59s\n", 3, "api", "revocation_interval", "out of range (1m to 7d)");
	expect_err(EP "revocation_interval = 8d\n", 3, "api", "revocation_interval", "out of range (1m to 7d)");
	expect_err(EP "require_revocation = maybe\n", 3, "api", "require_revocation", "maybe");
	expect_err(EP "latency_warn = fast\n", 3, "api", "latency_warn", "bad duration 'fast'");
	expect_err(EP "max_body = 1TB\n", 3, "api", "max_body", "bad size '1TB'");
	expect_err(EP "max_body = 1TB\n", 3, "api", "max_body", "64KiB, 1MiB");
	expect_err(EP "max_body = 512\n", 3, "api", "max_body", "out of range (1KiB to 1GiB)");
	expect_err(EP "expect_status = 200,abc\n", 3, "api", "expect_status",
		   "bad status list '200,abc': expected a status code at 'abc'");
	expect_err(EP "expect_status = 600\n", 3, "api", "expect_status",
		   "600 is not an HTTP status code (100-599)");
	expect_err(EP "expect_status = 399-300\n", 3, "api", "expect_status", "runs backwards");
	expect_err(EP "expect_status = 200;204\n", 3, "api", "expect_status", "unexpected ';'");
	expect_err(EP "expect_json = status = \"ok\"\n", 3, "api", "expect_json",
		   "bad condition 'status = \"ok\"': use '==' to compare");
	expect_err(EP "expect_json = n < \"5\"\n", 3, "api", "expect_json", "compares numbers");
	expect_err(EP "expect_body_regex = ([a-\n", 3, "api", "expect_body_regex",
		   "bad regular expression '([a-': missing terminating ] for character class at offset 4");
	expect_err(EP "method = GET /\n", 3, "api", "method", "not an HTTP method");
	expect_err(EP "header = NoColon\n", 3, "api", "header", "expected 'Name: value'");
	expect_err(EP "header = Bad Name: x\n", 3, "api", "header", "not a valid header name");
	expect_err(EP "resolve = example.com:443\n", 3, "api", "resolve", "HOST:PORT:ADDRESS");
	expect_err(EP "resolve = example.com:0:192.0.2.1\n", 3, "api", "resolve", "bad port '0'");
	expect_err(EP "resolve = example.com:443:192.0.2.999\n", 3, "api", "resolve",
		   "'192.0.2.999' is not an IPv4 or IPv6 address");
	expect_err(EP "resolve = example.com:443:[::1\n", 3, "api", "resolve", "not an IPv4 or IPv6");
	expect_err(EP "min_tls = 1.4\n", 3, "api", "min_tls", "expected 1.0, 1.1, 1.2 or 1.3");
	expect_err(EP "ip = ipv5\n", 3, "api", "ip", "expected any, 4 or 6");
	expect_err(EP "http_version = 3\n", 3, "api", "http_version", "expected 1.1 or 2");
	expect_err(EP "follow_redirects = maybe\n", 3, "api", "follow_redirects", "expected yes or no");
	expect_err(EP "max_redirects = 51\n", 3, "api", "max_redirects", "from 0 to 50");
	expect_err(EP "http_port = 0\n", 3, "api", "http_port", "from 1 to 65535");
	expect_err(EP "fail_after = 0\n", 3, "api", "fail_after", "from 1 to 100");
	expect_err(EP "recover_after = 101\n", 3, "api", "recover_after", "from 1 to 100");
	expect_err(EP "cert_warn_days = soon\n", 3, "api", "cert_warn_days", "number of days");
	expect_err(EP "tags = a b\n", 3, "api", "tags", "bad tag 'a b'");
	expect_err(EP "proxy = http://a b\n", 3, "api", "proxy", "white space");
}

static void test_err_files(void **state)
{
	(void)state;
	expect_err(EP "ca_file = missing.pem\n", 3, "api", "ca_file",
		   "missing.pem': No such file or directory");
	expect_err(EP "ca_file = /\n", 3, "api", "ca_file", "'/' is not a regular file");
	expect_err(EP "client_cert = /nonexistent/c.pem\nclient_key = /nonexistent/c.key\n", 3, "api",
		   "client_cert", "cannot read '/nonexistent/c.pem': No such file or directory");
	expect_err(EP "client_cert = /nonexistent/c.pem\nclient_key = /nonexistent/c.key\n", 4, "api",
		   "client_key", "No such file or directory");
}

static void test_err_client_pair(void **state)
{
	char *crt = tl_write_file(dir, "c.pem", "x\n");

	(void)state;
	expect_err(EP "client_cert = c.pem\n", 3, "api", "client_cert",
		   "client_cert and client_key go together");
	free(crt);
}

static void test_err_rules(void **state)
{
	struct config *c;

	(void)state;
	expect_err(EP "interval = 5s\ntimeout = 10s\n", 4, "api", "timeout",
		   "timeout 10s is longer than interval 5s: a probe would overlap");
	/* only interval set here: the error names where timeout came from */
	expect_err("[defaults]\ntimeout = 30s\n" EP "interval = 20s\n", 5, "api", "interval",
		   "timeout 30s (from [defaults] line 2) is longer than interval 20s");
	expect_err(EP "interval = 5s\n", 3, "api", "interval", "timeout 10s (the default)");
	expect_err(EP "latency_warn = 2s\nlatency_down = 1s\n", 3, "api", "latency_warn",
		   "latency_warn 2s must be below latency_down 1s");
	expect_err(EP "cert_warn_days = 5\n", 3, "api", "cert_warn_days",
		   "cert_crit_days 7 (the default) must not exceed cert_warn_days 5");

	/* a bad [defaults] rule is reported once, at [defaults], not per endpoint */
	c = load("[defaults]\ninterval = 5s\ntimeout = 10s\n[a]\nurl = https://a/\n"
		 "[b]\nurl = https://b/\n");
	assert_null(c);
	assert_non_null(strstr(err, ":3: [defaults] timeout: timeout 10s is longer"));
	assert_null(strchr(err, '\n'));
}

static void test_err_structure(void **state)
{
	(void)state;
	expect_err("[api]\ninterval = 5s\n", 1, "api", "url", "missing: every endpoint needs url");
	expect_err(EP "[other]\nurl = https://o/\n[api]\nurl = https://b/\n", 5, "api", NULL,
		   "duplicate endpoint name (first defined at line 1)");
	expect_err(EP "[]\nurl = https://x/\n", 3, NULL, NULL, "empty section name");
	expect_err(EP "[broken\nurl = https://x/\n", 3, NULL, NULL, "without a closing ']'");
	expect_err(EP "[my api]\nurl = https://x/\n", 3, "my api", NULL, "invalid section name");
	expect_err(EP "[a]b\nurl = https://x/\n", 3, NULL, NULL, "unexpected text after ']'");
	expect_err(EP "just some words\n", 3, NULL, NULL,
		   "expected 'key = value', '[section]' or a comment");
	expect_err(EP "= value\n", 3, "api", NULL, "missing key name");
	expect_err("url = https://x/\n" EP, 1, NULL, "url", "key outside any section");
	expect_err(EP "max_inflight = 5\n", 3, "api", "max_inflight", "global: set it in [defaults]");
	expect_err("[defaults]\nmax_inflight = 0\n" EP, 2, "defaults", "max_inflight", "from 1 to 10000");
	expect_err(EP "interval = 5m\ninterval = 10m\n", 4, "api", "interval",
		   "set twice in this section (first at line 3)");
	expect_err("[defaults]\n[defaults]\n" EP, 2, "defaults", NULL, "a second [defaults]");
	expect_err("[Defaults]\ninterval = 5s\n" EP, 1, "Defaults", NULL, "did you mean [defaults]?");
	expect_err("", 0, NULL, NULL, "no endpoints configured");
	expect_err("[defaults]\ninterval = 2m\n", 0, NULL, NULL, "no endpoints configured");
}

static void test_section_names(void **state)
{
	char ini[256];
	struct config *c;

	(void)state;
	/* longer than inih's own 49-byte section buffer, which must not cut it */
	snprintf(ini, sizeof(ini), "[%.64s]\nurl = https://x/\n",
		 "a123456789b123456789c123456789d123456789e123456789f123456789g1234");
	c = load_ok(ini);
	assert_int_equal(strlen(c->eps[0].name), 64);
	config_unref(c);
	c = load_ok("[api.prod-eu_1:443/@+]\nurl = https://x/\n[caf\xc3\xa9]\nurl = https://y/\n");
	assert_string_equal(c->eps[1].name, "caf\xc3\xa9");
	config_unref(c);

	snprintf(ini, sizeof(ini), "[%.65s]\nurl = https://x/\n",
		 "a123456789b123456789c123456789d123456789e123456789f123456789g12345");
	expect_err(ini, 1, NULL, NULL, "invalid section name");
	expect_err("[bad\x1b[2Jname]\nurl = https://x/\n", 1, NULL, NULL, "invalid section name");
	assert_null(strchr(err, '\x1b'));
	expect_err("[spoof\xe2\x80\xae" "eman]\nurl = https://x/\n", 1, NULL, NULL,
		   "invalid section name");
}

static void test_err_nul_byte(void **state)
{
	static const char ini[] = EP "expect_body = a\0b\ninterval = x\n";
	char *p = xasprintf("%s/nul.ini", dir);
	FILE *f = fopen(p, "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(fwrite(ini, 1, sizeof(ini) - 1, f), sizeof(ini) - 1);
	fclose(f);
	assert_null(config_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "nul.ini:3: line contains a NUL byte"));
	assert_non_null(strstr(err, "nul.ini:4: [api] interval: bad duration"));
	free(p);
}

static void test_err_long_line(void **state)
{
	char ini[600];

	(void)state;
	/* 198 characters is the most a line may have */
	snprintf(ini, sizeof(ini), EP "expect_body = %0*d\n", 198 - 14, 0);
	config_unref(load_ok(ini));
	snprintf(ini, sizeof(ini), EP "expect_body = %0*d\ninterval = x\n", 199 - 14, 0);
	expect_err(ini, 3, NULL, NULL, "line too long (max 198 characters)");
	/* the lines after it are still checked, on the right line numbers */
	expect_err(ini, 4, "api", "interval", "bad duration");
	/* indentation counts toward the limit, but is stripped before inih sees it */
	snprintf(ini, sizeof(ini), EP "%*sinterval = 5m\n", 150, "");
	config_unref(load_ok(ini));
}

/* ---- ${VAR} substitution ---- */

/* config_expand alone: each rule, and the messages name variables, never values. */
static void test_expand_rules(void **state)
{
	struct strlist subs = { 0 };
	char why[256];
	char *v;

	(void)state;
	setenv("HM_A", "alpha", 1);
	setenv("HM_B", "beta", 1);
	setenv("HM_EMPTY", "", 1);
	unsetenv("HM_UNSET");
#define EXPANDS(in, want) do { \
		v = config_expand(in, NULL, why, sizeof(why)); \
		if (!v) \
			fail_msg("%s: %s", in, why); \
		assert_string_equal(v, want); \
		free(v); \
	} while (0)
#define REFUSES(in, words) do { \
		why[0] = '\0'; \
		v = config_expand(in, NULL, why, sizeof(why)); \
		if (v) \
			fail_msg("%s expanded to '%s'", in, v); \
		if (!strstr(why, words)) \
			fail_msg("%s: '%s' lacks '%s'", in, why, words); \
	} while (0)
	EXPANDS("", "");
	EXPANDS("plain text", "plain text");
	EXPANDS("${HM_A}", "alpha");
	EXPANDS("x${HM_A}y", "xalphay");
	EXPANDS("${HM_A}${HM_B}", "alphabeta");          /* adjacent */
	EXPANDS("${HM_A}/${HM_A}", "alpha/alpha");       /* twice */
	EXPANDS("${HM_EMPTY}", "");                      /* set but empty: empty, no error */
	EXPANDS("${HM_UNSET:-dflt}", "dflt");
	EXPANDS("${HM_EMPTY:-dflt}", "dflt");            /* as sh: empty takes the default */
	EXPANDS("${HM_A:-dflt}", "alpha");
	EXPANDS("${HM_UNSET:-}", "");                    /* empty default */
	EXPANDS("${HM_UNSET:-a b:c=d}", "a b:c=d");
	EXPANDS("${HM_UNSET:-$$5}", "$5");               /* $$ inside a default */
	EXPANDS("${HM_UNSET:-a$b}", "a$b");              /* lone $ inside a default */
	EXPANDS("$$", "$");
	EXPANDS("$$$$", "$$");
	EXPANDS("$${HM_A}", "${HM_A}");                  /* escaped: not expanded */
	EXPANDS("$$$${HM_A}", "$${HM_A}");
	EXPANDS("$$${HM_A}", "$alpha");
	EXPANDS("ok$", "ok$");                           /* a regex anchor stays literal */
	EXPANDS("a$b $ c$1", "a$b $ c$1");
	setenv("_x9", "u", 1);
	EXPANDS("${_x9}", "u");                          /* underscore start, digits after */
	setenv("HM_DOLLAR", "${HM_A}", 1);
	EXPANDS("${HM_DOLLAR}", "${HM_A}");              /* values are not expanded again */
	unsetenv("_x9");
	REFUSES("${HM_UNSET}", "environment variable HM_UNSET is not set");
	REFUSES("a${HM_UNSET}b", "HM_UNSET");
	REFUSES("${", "without a closing '}'");
	REFUSES("x${HM_A", "without a closing '}'");
	REFUSES("${HM_A:-dflt", "without a closing '}'");
	REFUSES("${}", "bad variable name");
	REFUSES("${9X}", "bad variable name");
	REFUSES("${-}", "bad variable name");
	REFUSES("${HM A}", "expected '}' or ':-default'");
	REFUSES("${HM_A-x}", "expected '}' or ':-default'");
	REFUSES("${HM_A:x}", "expected '}' or ':-default'");
	REFUSES("${HM_A:=x}", "expected '}' or ':-default'");
	REFUSES("${HM_UNSET:-${HM_A}}", "inside a default is not supported");
	REFUSES("${${HM_A}}", "bad variable name");
	/* the values substituted are handed back for scrubbing; empty ones are not */
	v = config_expand("${HM_A}-${HM_EMPTY}-${HM_UNSET:-d}", &subs, why, sizeof(why));
	assert_string_equal(v, "alpha--d");
	assert_int_equal(subs.n, 2);
	assert_string_equal(subs.v[0], "HM_A=alpha");
	assert_string_equal(subs.v[1], "HM_UNSET=d");
	free(v);
	strlist_done(&subs);
#undef EXPANDS
#undef REFUSES
}

/* Through the loader: every value, [defaults] included, and errors at file:line. */
static void test_expand_in_config(void **state)
{
	struct config *c;
	const struct endpoint *e;

	(void)state;
	setenv("HM_HOST", "api.example.com", 1);
	setenv("HM_TOKEN", "s3cr3t-t0ken", 1);
	setenv("HM_IV", "45s", 1);
	unsetenv("HM_UNSET");
	c = load_ok("[defaults]\ninterval = ${HM_IV}\nheader = X-Api-Key: ${HM_TOKEN}\n"
		    "[api]\nurl = https://${HM_HOST}:${HM_UNSET:-8443}/v1?k=$$x\n"
		    "expect_body_regex = ^ok$\n");
	e = config_find(c, "api");
	assert_string_equal(e->url, "https://api.example.com:8443/v1?k=$x");
	assert_string_equal(e->host, "api.example.com");
	assert_int_equal(e->port, 8443);
	assert_int_equal(e->interval_ms, 45000);
	assert_int_equal(e->headers.n, 1);
	assert_string_equal(e->headers.v[0], "X-Api-Key: s3cr3t-t0ken");
	assert_string_equal(e->expect_body_regex, "^ok$");
	config_unref(c);

	expect_err(EP "header = X-Key: ${HM_UNSET}\n", 3, "api", "header",
		   "environment variable HM_UNSET is not set");
	expect_err("[defaults]\ntimeout = ${HM_UNSET}\n" EP, 2, "defaults", "timeout", "HM_UNSET");
	expect_err(EP "body = ${HM_TOKEN\n", 3, "api", "body", "without a closing '}'");
	expect_err(EP "body = ${1A}\n", 3, "api", "body", "bad variable name");
	/* a bad substitution is reported once: the key counts as set, nothing more is said */
	expect_err("[api]\nurl = ${HM_UNSET}\n", 2, "api", "url", "HM_UNSET is not set");
	assert_null(strstr(err, "missing"));
	/* section names and keys are not expanded */
	expect_err("[${HM_HOST}]\nurl = https://x.example/\n", 1, NULL, NULL, "invalid section name");
}

/* An expanded value has the room a written one has: "key=value" fits in 198 characters. */
static void test_expand_length_limit(void **state)
{
	char *val;
	struct config *c;

	(void)state;
	/* "expect_body=" is 12 characters: 186 is the most a written value can have */
	val = xasprintf("%0*d", 186, 0);
	setenv("HM_LONG", val, 1);
	c = load_ok(EP "expect_body = ${HM_LONG}\n");
	assert_int_equal(strlen(config_find(c, "api")->expect_body), 186);
	config_unref(c);
	free(val);
	val = xasprintf("%0*d", 187, 0);
	setenv("HM_LONG", val, 1);
	expect_err(EP "expect_body = ${HM_LONG}\n", 3, "api", "expect_body",
		   "value is 187 characters after ${...} substitution; at most 186 fit");
	assert_null(strstr(err, val)); /* the value itself is not shown */
	free(val);
	unsetenv("HM_LONG");
}

/* check-config must never show a secret: a header's value, or what a ${VAR} held. */
static void test_errors_keep_secrets_out(void **state)
{
	(void)state;
	/* a malformed header: the name is shown, never the value */
	expect_err(EP "header = Bad Name: Bearer sekrit-value\n", 3, "api", "header",
		   "bad header 'Bad Name' (value not shown)");
	assert_null(strstr(err, "sekrit"));
	expect_err(EP "header = X-Token: a\x01sekrit\n", 3, "api", "header",
		   "bad header 'X-Token' (value not shown): control characters");
	assert_null(strstr(err, "sekrit"));
	/* no colon: the whole value may be the secret, none of it is shown */
	expect_err(EP "header = Bearer-sekrit\n", 3, "api", "header",
		   "bad header (value not shown): expected 'Name: value'");
	assert_null(strstr(err, "sekrit"));
	/* a URL in an error has its query values redacted, as everywhere */
	expect_err("[api]\nurl = example.com/?token=sekrit\n", 2, "api", "url",
		   "missing scheme: write https://example.com/?token=\xe2\x80\xa6");
	assert_null(strstr(err, "sekrit"));
	expect_err("[api]\nurl = https://bad host/?token=sekrit\n", 2, "api", "url", "bad URL");
	assert_null(strstr(err, "sekrit"));
	/* a line that lost its key shows its first word only */
	expect_err(EP "Bearer sekrit\n", 3, NULL, NULL, "found 'Bearer ...'");
	assert_null(strstr(err, "sekrit"));

	/* values from the environment: the message quotes the line as written */
	setenv("HM_SECRET", "zz-sekrit-zz", 1);
	expect_err(EP "interval = ${HM_SECRET}\n", 3, "api", "interval",
		   "bad duration '${HM_SECRET}'");
	assert_null(strstr(err, "sekrit"));
	expect_err(EP "header = ${HM_SECRET}\n", 3, "api", "header", "value not shown");
	assert_null(strstr(err, "sekrit"));
	/* "missing scheme: write https://VALUE" would quote the whole value */
	expect_err("[api]\nurl = ${HM_SECRET}\n", 2, "api", "url",
		   "bad URL '${HM_SECRET}': missing scheme: write https://${HM_SECRET}");
	assert_null(strstr(err, "sekrit"));
	/* a detail quoted from the expanded text names the variable instead */
	setenv("HM_SECRET", "bad_host!", 1);
	expect_err("[api]\nurl = https://${HM_SECRET}/\n", 2, "api", "url",
		   "'${HM_SECRET}' is not a valid host name");
	assert_null(strstr(err, "bad_host!"));
	setenv("HM_SECRET", "zz sekrit zz", 1);
	expect_err(EP "tags = ${HM_SECRET}\n", 3, "api", "tags", "bad tag");
	assert_null(strstr(err, "sekrit"));
	expect_err(EP "expect_json = ${HM_SECRET}\n", 3, "api", "expect_json", "${HM_SECRET}");
	assert_null(strstr(err, "sekrit"));
	/* a short value is not hunted through the message: its own words stay readable */
	setenv("HM_SECRET", "a", 1);
	expect_err(EP "max_redirects = ${HM_SECRET}\n", 3, "api", "max_redirects",
		   "expected a whole number from 0 to 50, found '${HM_SECRET}'");
	/* four bytes is where scrubbing starts */
	setenv("HM_SECRET", "bad!", 1);
	expect_err("[api]\nurl = https://${HM_SECRET}/\n", 2, "api", "url",
		   "'${HM_SECRET}' is not a valid host name");
	setenv("HM_SECRET", "ba!", 1);
	expect_err("[api]\nurl = https://${HM_SECRET}/\n", 2, "api", "url",
		   "'ba!' is not a valid host name");
	unsetenv("HM_SECRET");
}

static void test_err_missing_file(void **state)
{
	char *p = xasprintf("%s/nope.ini", dir);

	(void)state;
	assert_null(config_load(p, err, sizeof(err)));
	assert_non_null(strstr(err, "nope.ini: cannot open: No such file or directory"));
	assert_null(config_load(dir, err, sizeof(err)));
	assert_non_null(strstr(err, ": cannot read: Is a directory"));
	free(p);
}

static void test_err_collects_all(void **state)
{
	struct strbuf b = { 0 };
	struct config *c;
	int i;

	(void)state;
	c = load("[a]\nurl = https://a/\ninterval = x\n"
		 "[b]\ntimeout = y\n"
		 "[c]\nurl = https://c/\nnope = 1\n");
	assert_null(c);
	/* sorted by line, one per line */
	assert_non_null(strstr(err, ":3: [a] interval: bad duration 'x'"));
	assert_non_null(strstr(err, ":4: [b] url: missing"));
	assert_non_null(strstr(err, ":5: [b] timeout: bad duration 'y'"));
	assert_non_null(strstr(err, ":8: [c] nope: unknown key"));
	assert_true(strstr(err, ":3:") < strstr(err, ":4:"));
	assert_true(strstr(err, ":4:") < strstr(err, ":5:"));

	/* beyond a handful, the rest are counted */
	strbuf_puts(&b, EP);
	for (i = 0; i < 12; i++)
		strbuf_printf(&b, "bad%d = 1\n", i);
	expect_err(strbuf_cstr(&b), 3, "api", "bad0", "unknown key");
	assert_non_null(strstr(err, "\nand 4 more errors"));
	assert_null(strstr(err, "bad11"));
	strbuf_done(&b);

	/* a tiny buffer is still a terminated string */
	c = load("[a]\ninterval = x\n");
	assert_null(c);
	{
		char small[16];

		assert_null(config_load(path, small, sizeof(small)));
		assert_int_equal(strlen(small), 15);
	}
}

static void test_values_are_sanitised_in_errors(void **state)
{
	(void)state;
	expect_err(EP "interval = \x1b]52;c;ZXZpbA==\x07\n", 3, "api", "interval",
		   "bad duration '\\x1b]52;c;ZXZpbA==\\x07'");
}

static void test_from_urls(void **state)
{
	/* argv-like: config_from_urls takes char *const *, as main() has them */
	static char u0[] = "https://example.com/", u1[] = "http://example.com/x",
		    u2[] = "https://[::1]:8443/", u3[] = "https://example.com/y",
		    b0[] = "https://ok.example/", b1[] = "ftp://nope/";
	char *urls[] = { u0, u1, u2, u3 };
	char *bad[] = { b0, b1 };
	struct endpoint base;
	struct config *c;

	(void)state;
	c = config_from_urls(urls, 4, NULL, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->n, 4);
	assert_null(c->path);
	assert_string_equal(c->eps[0].name, "example.com");
	assert_string_equal(c->eps[1].name, "example.com#2");
	assert_true(c->eps[1].plain_http);
	assert_string_equal(c->eps[2].name, "::1");
	assert_int_equal(c->eps[2].port, 8443);
	assert_string_equal(c->eps[3].name, "example.com#3");
	assert_int_equal(c->eps[0].interval_ms, 60000);
	assert_ptr_equal(config_find(c, "example.com#2"), &c->eps[1]);

	/* references: the config lives until the last unref */
	assert_ptr_equal(config_ref(c), c);
	assert_int_equal(c->refs, 2);
	config_unref(c);
	assert_int_equal(c->refs, 1);
	config_unref(c);
	config_unref(NULL);

	endpoint_defaults(&base);
	base.timeout_ms = 3000;
	strlist_push(&base.headers, "X-From: base");
	c = config_from_urls(urls, 1, &base, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(c->eps[0].timeout_ms, 3000);
	assert_string_equal(c->eps[0].headers.v[0], "X-From: base");
	assert_ptr_not_equal(c->eps[0].headers.v, base.headers.v);
	config_unref(c);
	endpoint_done(&base);

	assert_null(config_from_urls(bad, 2, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "ftp://nope/: the scheme must be https://"));
	assert_null(config_from_urls(bad, 0, NULL, err, sizeof(err)));
	{
		static char pw[] = "https://u:s3cret@example.com/";
		char *with_pw[] = { pw };

		assert_null(config_from_urls(with_pw, 1, NULL, err, sizeof(err)));
		assert_null(strstr(err, "s3cret"));
		assert_non_null(strstr(err, "https://u:\xe2\x80\xa6@example.com/"));
	}
}

static void test_status_ok(void **state)
{
	struct config *c = load_ok(EP "expect_status = 200, 204, 300-302\n");
	const struct endpoint *e = &c->eps[0];

	(void)state;
	assert_true(endpoint_status_ok(e, 200));
	assert_true(endpoint_status_ok(e, 204));
	assert_true(endpoint_status_ok(e, 300));
	assert_true(endpoint_status_ok(e, 302));
	assert_false(endpoint_status_ok(e, 201));
	assert_false(endpoint_status_ok(e, 303));
	assert_false(endpoint_status_ok(e, 0));
	config_unref(c);

	c = load_ok(EP);
	assert_true(endpoint_status_ok(&c->eps[0], 301));
	assert_false(endpoint_status_ok(&c->eps[0], 404));
	config_unref(c);
}

/*
 * Every numeric limit of the config exactly at its bound (loads) and one
 * step outside (a FILE:LINE error on the key): a `<` written as `<=` in a
 * range check fails here. Rows are the lines after [api] and its url.
 */
static void test_limits_at_bounds(void **state)
{
	static const struct {
		const char *lines;
		const char *key; /* NULL: loads; else the key the error names */
	} rows[] = {
		{ "interval = 1s\ntimeout = 1s\n", NULL },
		{ "interval = 999ms\ntimeout = 500ms\n", "interval" },
		{ "interval = 7d\n", NULL },
		{ "interval = 604800001ms\n", "interval" },
		{ "timeout = 1ms\n", NULL },
		{ "timeout = 0ms\n", "timeout" },
		{ "interval = 20s\ntimeout = 20s\n", NULL },
		{ "interval = 20s\ntimeout = 20001ms\n", "timeout" },
		{ "latency_warn = 1ms\n", NULL },
		{ "latency_warn = 0ms\n", "latency_warn" }, /* off is written 0 or off */
		{ "latency_down = 0\n", NULL },
		{ "latency_warn = 1999ms\nlatency_down = 2s\n", NULL },
		{ "latency_warn = 2s\nlatency_down = 2s\n", "latency_warn" },
		{ "cert_warn_days = 0\ncert_crit_days = 0\n", NULL },
		{ "cert_warn_days = -1\n", "cert_warn_days" },
		{ "cert_warn_days = 3650\ncert_crit_days = 3650\n", NULL },
		{ "cert_warn_days = 3651\n", "cert_warn_days" },
		{ "cert_crit_days = 3651\n", "cert_crit_days" },
		{ "cert_warn_days = 10\ncert_crit_days = 11\n", "cert_crit_days" },
		{ "max_redirects = 0\n", NULL },
		{ "max_redirects = -1\n", "max_redirects" },
		{ "max_redirects = 50\n", NULL },
		{ "max_redirects = 51\n", "max_redirects" },
		{ "http_port = 1\n", NULL },
		{ "http_port = 0\n", "http_port" },
		{ "http_port = 65535\n", NULL },
		{ "http_port = 65536\n", "http_port" },
		{ "fail_after = 1\nrecover_after = 1\n", NULL },
		{ "fail_after = 0\n", "fail_after" },
		{ "fail_after = 100\nrecover_after = 100\n", NULL },
		{ "fail_after = 101\n", "fail_after" },
		{ "recover_after = 0\n", "recover_after" },
		{ "recover_after = 101\n", "recover_after" },
		{ "max_body = 1024\n", NULL },
		{ "max_body = 1023\n", "max_body" },
		{ "max_body = 1GiB\n", NULL },
		{ "max_body = 1073741825\n", "max_body" },
		{ "expect_status = 100-599\n", NULL },
		{ "expect_status = 99\n", "expect_status" },
		{ "expect_status = 200-600\n", "expect_status" },
		{ "expect_status = 300-300\n", NULL },
		{ "expect_status = 301-300\n", "expect_status" },
		{ "url = https://api.example.com:65535/\n", NULL },
		{ "url = https://api.example.com:65536/\n", "url" },
		{ "url = https://api.example.com:1/\n", NULL },
		{ "url = https://api.example.com:0/\n", "url" },
		{ "method = ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF\n", NULL },
		{ "method = ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG\n", "method" },
		{ "tags = abcdefghijklmnopqrstuvwxyzabcdef\n", NULL },
		{ "tags = abcdefghijklmnopqrstuvwxyzabcdefg\n", "tags" },
	};
	static const struct {
		const char *defaults;
		const char *key;
	} globals[] = {
		{ "max_inflight = 1\n", NULL },
		{ "max_inflight = 0\n", "max_inflight" },
		{ "max_inflight = 10000\n", NULL },
		{ "max_inflight = 10001\n", "max_inflight" },
		{ "retain_raw = 1h\nretain_rollup = 1h\n", NULL },
		{ "retain_raw = 3599999ms\n", "retain_raw" },
		{ "retain_raw = 3650d\nretain_rollup = 3650d\n", NULL },
		{ "retain_rollup = 315360000001ms\n", "retain_rollup" },
		{ "retain_raw = 2h\nretain_rollup = 7199999ms\n", "retain_rollup" },
		{ "max_db_size = 1MiB\n", NULL },
		{ "max_db_size = 1048575\n", "max_db_size" },
	};
	char ini[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		snprintf(ini, sizeof(ini), "%s%s", strncmp(rows[i].lines, "url", 3) ? EP : "[api]\n",
			 rows[i].lines);
		if (!rows[i].key) {
			config_unref(load_ok(ini));
			continue;
		}
		assert_null(load(ini));
		if (!strstr(err, "[api] ") || !strstr(err, rows[i].key))
			fail_msg("'%s': error does not name [api] %s:\n%s", rows[i].lines, rows[i].key,
				 err);
	}
	for (i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
		snprintf(ini, sizeof(ini), "[defaults]\n%s" EP, globals[i].defaults);
		if (!globals[i].key) {
			config_unref(load_ok(ini));
			continue;
		}
		assert_null(load(ini));
		if (!strstr(err, globals[i].key))
			fail_msg("'%s': error does not name %s:\n%s", globals[i].defaults,
				 globals[i].key, err);
	}
}

/* The name of an endpoint: 64 bytes is the most. */
static void test_name_length_bound(void **state)
{
	char ini[256];

	(void)state;
	snprintf(ini, sizeof(ini), "[%064d]\nurl = https://a.example/\n", 0);
	config_unref(load_ok(ini));
	snprintf(ini, sizeof(ini), "[%065d]\nurl = https://a.example/\n", 0);
	assert_null(load(ini));
	assert_non_null(strstr(err, "at most 64 bytes"));
}

/*
 * The key table (config_key_at) is what the man page and the README are
 * checked against: every key once, in lower case, with a type, and each
 * one documented in config/endpoints.ini as "key =" or "; key =".
 */
static void test_key_table(void **state)
{
	const struct config_key *k;
	FILE *f = fopen("config/endpoints.ini", "r");
	char line[512], *doc = calloc(1, 1 << 16);
	size_t i, j, len = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) && len + strlen(line) < (1 << 16) - 1) {
		strcpy(doc + len, line);
		len += strlen(line);
	}
	fclose(f);
	for (i = 0; (k = config_key_at(i)); i++) {
		char want[96];
		const char *p;
		bool found = false;

		assert_non_null(k->type);
		for (p = k->name; *p; p++)
			assert_true((*p >= 'a' && *p <= 'z') || *p == '_');
		for (j = 0; j < i; j++)
			assert_string_not_equal(config_key_at(j)->name, k->name);
		/* "\nkey =" or "\n; key =" or "\n;key =" */
		for (p = doc; (p = strstr(p, k->name)); p++) {
			const char *b = p, *a = p + strlen(k->name);

			while (b > doc && (b[-1] == ' ' || b[-1] == ';' || b[-1] == '#'))
				b--;
			while (*a == ' ')
				a++;
			if ((b == doc || b[-1] == '\n') && *a == '=')
				found = true;
		}
		snprintf(want, sizeof(want), "%s documented in config/endpoints.ini", k->name);
		if (!found)
			fail_msg("%s", want);
	}
	assert_int_equal(i, 53);
	assert_null(config_key_at(i));
	assert_null(config_key_at((size_t)-1));
	assert_true(config_key_at(0)->flags == 0 && strcmp(config_key_at(0)->name, "url") == 0);
	free(doc);
}

/* A value other than the default for each endpoint key (url excepted: from_urls sets it). */
static const struct {
	const char *key, *value;
} other_values[] = {
	{ "url", "https://other.example/" }, { "interval", "2m" }, { "timeout", "20s" },
	{ "method", "POST" }, { "header", "X-A: b" }, { "body", "{}" },
	{ "expect_status", "200" }, { "expect_body", "ok" }, { "expect_body_regex", "^ok" },
	{ "expect_json", "$.ok == true" }, { "latency_warn", "1s" }, { "latency_down", "5s" },
	{ "cert_warn_days", "30" }, { "cert_crit_days", "3" }, { "min_tls", "1.3" },
	{ "ca_file", "ca.pem" }, { "client_cert", "ca.pem" }, { "client_key", "ca.pem" },
	{ "proxy", "http://127.0.0.1:3128" }, { "resolve", "a.example:443:127.0.0.1" },
	{ "ip", "6" }, { "http_version", "1.1" }, { "follow_redirects", "no" },
	{ "max_redirects", "0" }, { "redirect_headers", "yes" }, { "check_http_redirect", "yes" },
	{ "http_port", "8080" }, { "expect_hsts", "yes" }, { "revocation", "no" },
	{ "revocation_interval", "1h" }, { "require_revocation", "yes" }, { "max_body", "64KiB" },
	{ "posture_interval", "off" }, { "posture_verdict", "info" },
	{ "tags", "prod" }, { "enabled", "no" }, { "fail_after", "3" }, { "recover_after", "2" },
	{ "all_addresses", "yes" }, { "notify", "n" }, { "maintenance", "Sun 02:00-04:00" },
};

/*
 * Every endpoint key is compared (a reload restarts an endpoint whose key
 * changed) and deep-copied (config_from_urls copies its base endpoint):
 * the loops over the table must not skip one.
 */
static void test_every_key_compared_and_copied(void **state)
{
	const struct config_key *k;
	size_t i, j;

	(void)state;
	free(tl_write_file(dir, "ca.pem", "not read as PEM here\n"));
	for (i = 0; (k = config_key_at(i)); i++) {
		const char *value = NULL;
		struct config *plain, *set, *u1, *u2;
		char *ini;

		if (k->flags & CONFIG_KEY_GLOBAL)
			continue;
		for (j = 0; j < sizeof(other_values) / sizeof(other_values[0]); j++)
			if (strcmp(other_values[j].key, k->name) == 0)
				value = other_values[j].value;
		if (!value)
			fail_msg("no other value for key %s in this test", k->name);
		plain = load_ok("[a]\nurl = https://a.example/\n");
		ini = strcmp(k->name, "client_cert") == 0 || strcmp(k->name, "client_key") == 0
			      ? strdup("[a]\nurl = https://a.example/\nclient_cert = ca.pem\nclient_key = ca.pem\n")
			      : NULL;
		if (!ini) {
			size_t n = strlen(k->name) + strlen(value) + 128;

			ini = malloc(n);
			snprintf(ini, n, "[a]\n%s%s = %s\n%s",
				 strcmp(k->name, "url") ? "url = https://a.example/\n" : "", k->name, value,
				 strcmp(k->name, "notify") ? "" : "[notify:n]\ntype = command\ncommand = /bin/true\n");
		}
		set = load_ok(ini);
		if (endpoint_equal(&plain->eps[0], &set->eps[0]))
			fail_msg("endpoint_equal does not see %s = %s", k->name, value);
		{
			char url[] = "https://b.example/", *urls[] = { url };

			u1 = config_from_urls(urls, 1, &plain->eps[0], err, sizeof(err));
			u2 = config_from_urls(urls, 1, &set->eps[0], err, sizeof(err));
		}
		assert_non_null(u1);
		assert_non_null(u2);
		if (strcmp(k->name, "url") != 0 && endpoint_equal(&u1->eps[0], &u2->eps[0]))
			fail_msg("config_from_urls did not copy %s = %s", k->name, value);
		config_unref(u1);
		config_unref(u2);
		config_unref(plain);
		config_unref(set);
		free(ini);
	}
}

/* [notify:NAME] sections: each mistake named at its line, secrets never quoted. */
static void test_notifier_errors(void **state)
{
	struct config *c;
	const struct notifier *n;

	(void)state;
	expect_err(EP "[notify:x]\ntype = pager\n", 4, "notify:x", "type",
		   "expected command, webhook, alertmanager or email, found 'pager'");
	expect_err(EP "[notify:x]\ncommand = /bin/true\n", 3, "notify:x", "type", "missing: type =");
	expect_err(EP "[notify:x]\ntype = command\n", 3, "notify:x", "command", "missing: type command needs");
	expect_err(EP "[notify:x]\ntype = webhook\n", 3, "notify:x", "url", "missing: type webhook needs");
	expect_err(EP "[notify:x]\ntype = alertmanager\n", 3, "notify:x", "url", "missing");
	expect_err(EP "[notify:x]\ntype = email\nsmtp_url = smtp://127.0.0.1:25\nfrom = a@b.c\n", 3,
		   "notify:x", "to", "missing: type email needs to");
	expect_err(EP "[notify:x]\ntype = command\ncommand = /bin/true\non = down, pager\n", 6, "notify:x",
		   "on", "unknown alert kind 'pager'");
	expect_err(EP "[notify:x]\ntype = command\ncommand = /bin/true\non = local_network\n", 6,
		   "notify:x", "on", "unknown alert kind");
	/* remind: 5m is the least, exactly */
	expect_err(EP "[notify:x]\ntype = command\ncommand = /bin/true\nremind = 4m59s\n", 6, "notify:x",
		   "remind", "at least 5m");
	expect_err(EP "[notify:x]\ntype = command\ncommand = /bin/true\nurl = https://a.example/\n", 6,
		   "notify:x", "url", "type command does not take url");
	expect_err("[defaults]\nnotify = nope\n" EP, 2, "defaults", "notify", "unknown notifier 'nope'");
	expect_err(EP "notify = ops, nope\n[notify:ops]\ntype = command\ncommand = /bin/true\n", 3, "api",
		   "notify", "unknown notifier 'nope'");
	expect_err(EP "[notify:x]\ntype = webhook\nurl = ftp://hooks.example.com/T0/B0/sekrit\n", 5, "notify:x",
		   "url", "bad URL 'ftp://hooks.example.com/");
	assert_null(strstr(err, "sekrit"));
	expect_err(EP "[defaults]\ncanary = 127.0.0.1\n", 4, "defaults", "canary", "bad HOST:PORT");

	c = load_ok(EP "notify = ops\n[notify:ops]\ntype = command\ncommand = /bin/true\nremind = 5m\n"
		    "[notify:hook]\ntype = webhook\nurl = https://hooks.example.com/T0/sekrit\non = warn\n"
		    "[defaults]\ncanary = 127.0.0.1:53, [::1]:443\n");
	assert_int_equal(c->n, 1);
	assert_int_equal(c->n_notifiers, 2);
	assert_int_equal(c->eps[0].notify.n, 1);
	n = config_notifier(c, "ops");
	assert_non_null(n);
	assert_int_equal(n->remind_ms, 5 * 60000);
	assert_int_equal(n->group_wait_ms, 10000);
	assert_int_equal(n->retry_for_ms, 86400000);
	assert_int_equal(n->on, (1u << ALERT_DOWN) | (1u << ALERT_UP) | (1u << ALERT_CERT_EXPIRING) |
				    (1u << ALERT_REMINDER));
	n = config_notifier(c, "hook");
	assert_int_equal(n->on, (1u << ALERT_WARN) | (1u << ALERT_WARN_END));
	assert_int_equal(c->canary.n, 2);
	{
		char d[512];

		notifier_describe(n, d, sizeof(d));
		assert_non_null(strstr(d, "https://hooks.example.com/"));
		assert_null(strstr(d, "sekrit"));
	}
	config_unref(c);
}

/* A template body with a placeholder the formatter does not know is refused, not sent as is. */
static void test_template_placeholders(void **state)
{
	struct config *c;

	(void)state;
	expect_err(EP "[notify:t]\ntype = webhook\nurl = https://ntfy.example/x\nformat = template\n"
		      "body = {endpoint} on {hostname}\n", 7, "notify:t", "body", "unknown placeholder {hostname}");
	c = load_ok(EP "[notify:t]\ntype = webhook\nurl = https://ntfy.example/x\nformat = template\n"
		       "body = {\"t\": \"{endpoint} {state} {text}\", \"n\": {\"a\": 1}}\n");
	config_unref(c);
}

/* maintenance and maintenance_tz: file:line errors in maint.c's words, values kept as written. */
static void test_maintenance_keys(void **state)
{
	struct config *c;

	(void)state;
	expect_err(EP "maintenance = Sonday 02:00-04:00\n", 3, "api", "maintenance", "unknown day 'Sonday'");
	assert_null(strstr(err, "maintenance: maintenance"));
	expect_err(EP "maintenance = Sun 02:00-02:00\n", 3, "api", "maintenance", "starts and ends at the same");
	expect_err(EP "maintenance = Sun 2:00-04:00\n", 3, "api", "maintenance", "bad time span");
	expect_err("[defaults]\nmaintenance_tz = Mars/Olympus_Mons\n" EP, 2, "defaults", "maintenance_tz",
		   "unknown zone 'Mars/Olympus_Mons'");
	expect_err("[defaults]\nmaintenance_tz = ../../etc/passwd\n" EP, 2, "defaults", "maintenance_tz",
		   "not a zone name");
	expect_err(EP "maintenance_tz = UTC\n", 3, "api", "maintenance_tz", "[defaults]");
	c = load_ok("[defaults]\nmaintenance = daily 23:30-00:30\nmaintenance_tz = Europe/Berlin\n" EP
		    "maintenance = Sun 02:00-04:00\nmaintenance = Mon,Wed 01:00-02:00\n"
		    "[web]\nurl = https://web.example.com/\n");
	assert_string_equal(c->maintenance_tz, "Europe/Berlin");
	/* a list key: the endpoint's first use replaces the inherited one */
	assert_int_equal(c->eps[0].maintenance.n, 2);
	assert_string_equal(c->eps[0].maintenance.v[0], "Sun 02:00-04:00");
	assert_string_equal(c->eps[0].maintenance.v[1], "Mon,Wed 01:00-02:00");
	assert_int_equal(c->eps[1].maintenance.n, 1);
	assert_string_equal(c->eps[1].maintenance.v[0], "daily 23:30-00:30");
	config_unref(c);
}

/* What a reload says it changed: added and removed names, settings that differ. */
static void test_diff_text(void **state)
{
	struct config *old, *cfg;
	char b[512];

	(void)state;
	old = load_ok("[a]\nurl = https://a.example/\n[b]\nurl = https://b.example/\n"
		      "[c]\nurl = https://c.example/\n");
	cfg = load_ok("[a]\nurl = https://a.example/\ntimeout = 3s\n[b]\nurl = https://b.example/\ninterval = 5m\n"
		      "[c]\nurl = https://c.example/\n[new-api]\nurl = https://n.example/\n");
	assert_string_equal(config_diff_text(old, cfg, b, sizeof(b)), "+1 endpoint (new-api), -0, 2 changed");
	assert_string_equal(config_diff_text(cfg, old, b, sizeof(b)), "+0 endpoints, -1 (new-api), 2 changed");
	assert_string_equal(config_diff_text(old, old, b, sizeof(b)), "+0 endpoints, -0, 0 changed");
	/* nothing before: everything is added */
	assert_string_equal(config_diff_text(NULL, old, b, sizeof(b)), "+3 endpoints (a, b, c), -0, 0 changed");
	config_unref(cfg);
	/* three names, then "..." (exactly three: no dots) */
	cfg = load_ok("[w]\nurl = https://w.example/\n[x]\nurl = https://x.example/\n[y]\nurl = https://y.example/\n");
	assert_string_equal(config_diff_text(old, cfg, b, sizeof(b)), "+3 endpoints (w, x, y), -3 (a, b, c), 0 changed");
	config_unref(cfg);
	cfg = load_ok("[w]\nurl = https://w.example/\n[x]\nurl = https://x.example/\n[y]\nurl = https://y.example/\n"
		      "[z]\nurl = https://z.example/\n[c]\nurl = https://c.example/\n");
	assert_string_equal(config_diff_text(old, cfg, b, sizeof(b)), "+4 endpoints (w, x, y, ...), -2 (a, b), 0 changed");
	config_unref(cfg);
	config_unref(old);
}

/* Every error a refused config has is counted, those past the shown ones too. */
static void test_error_count(void **state)
{
	char ini[4096];
	size_t len = 0;

	(void)state;
	assert_int_equal(config_error_count(""), 0);
	assert_int_equal(config_error_count(NULL), 0);
	assert_null(load("[a]\nurl = https://a.example/\ninterval = soon\n"));
	assert_int_equal(config_error_count(err), 1);
	assert_null(load("[a]\nurl = https://a.example/\ninterval = soon\nnope = 1\n"));
	assert_int_equal(config_error_count(err), 2);
	/* 8 shown, then "and N more errors": at the limit, one past it, and well past it */
	for (int n = 8; n <= 12; n += 1) {
		len = (size_t)snprintf(ini, sizeof(ini), "[a]\nurl = https://a.example/\n");
		for (int i = 0; i < n; i++)
			len += (size_t)snprintf(ini + len, sizeof(ini) - len, "bad_key_%d = 1\n", i);
		assert_null(load(ini));
		assert_int_equal(config_error_count(err), n);
		assert_int_equal(strstr(err, "more error") != NULL, n > 8);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_example_config_loads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diff_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_error_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_builtin_defaults, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults_inherited_and_lists_replaced, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_unknown_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_values, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_files, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_client_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_structure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_long_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_nul_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_section_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_missing_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_err_collects_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_values_are_sanitised_in_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_from_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_in_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expand_length_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors_keep_secrets_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_limits_at_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_length_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_table, setup, teardown),
		cmocka_unit_test_setup_teardown(test_posture_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revocation_interval_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_key_compared_and_copied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notifier_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_maintenance_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_template_placeholders, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
