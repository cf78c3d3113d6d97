/*
 * Probe tests against the real local TLS lab (tests/lab/): real servers on
 * 127.0.0.1 with certificates generated for this run. Each test writes a
 * small config, probes once through the real engine, and asserts the
 * verdict, the reason and the facts an operator relies on.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/config.h"
#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"
#include "testlib.h"

static struct lab lab;
static char *tmpdir;

struct got {
	size_t n, want;
	struct probe_result r[64];
	struct verdict v[64];
	uint64_t order[64]; /* tags in delivery order */
};

static void done_cb(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct got *g = ud;

	assert_true(tag < 64);
	probe_result_copy(&g->r[tag], r);
	verdict_judge(ep, r, util_now_ms() / 1000, &g->v[tag]);
	g->order[g->n++] = tag;
}

/* Loads INI text (with @PORT:name@ / @FILE:name@ placeholders filled in). */
static struct config *load_ini(const char *ini)
{
	struct strbuf b = { 0 };
	const char *p = ini;
	char err[2048], *path;
	struct config *cfg;

	while (*p) {
		const char *at = strchr(p, '@');
		const char *end = at ? strchr(at + 1, '@') : NULL;

		if (!at || !end) {
			strbuf_puts(&b, p);
			break;
		}
		strbuf_append(&b, p, (size_t)(at - p));
		if (!strncmp(at + 1, "PORT:", 5)) {
			char *name = xstrndup(at + 6, (size_t)(end - at - 6));

			strbuf_printf(&b, "%d", lab_port(&lab, name));
			free(name);
		} else if (!strncmp(at + 1, "FILE:", 5)) {
			char *name = xstrndup(at + 6, (size_t)(end - at - 6));

			strbuf_puts(&b, lab_file(&lab, name));
			free(name);
		} else {
			strbuf_append(&b, at, (size_t)(end - at + 1));
		}
		p = end + 1;
	}
	path = tl_write_file(tmpdir, "endpoints.ini", strbuf_cstr(&b));
	cfg = config_load(path, err, sizeof(err));
	if (!cfg)
		fail_msg("config did not load: %s", err);
	free(path);
	strbuf_done(&b);
	return cfg;
}

static struct got *run_ini(const char *ini)
{
	struct got *g = calloc(1, sizeof(*g));
	struct config *cfg = load_ini(ini);
	char err[256];
	struct prober *p = prober_new(cfg->max_inflight, done_cb, g, err, sizeof(err));

	assert_non_null(p);
	for (size_t i = 0; i < cfg->n; i++)
		prober_submit(p, cfg, i, i);
	g->want = cfg->n;
	while (g->n < g->want) {
		assert_int_equal(prober_wait(p, NULL, 0, 1000), 0);
		prober_perform(p);
	}
	prober_free(p);
	config_unref(cfg);
	return g;
}

static void got_free(struct got *g)
{
	for (size_t i = 0; i < g->want; i++)
		probe_result_done(&g->r[i]);
	free(g);
}

#define DEFAULTS "[defaults]\nca_file = @FILE:root.pem@\ntimeout = 5s\n"

/* One endpoint at https://localhost:<port of listener>/ plus extra keys. */
static struct got *probe_lab(const char *listener, const char *extra)
{
	char ini[2048];

	snprintf(ini, sizeof(ini), DEFAULTS "[t]\nurl = https://localhost:@PORT:%s@/\n%s\n", listener,
		 extra ? extra : "");
	return run_ini(ini);
}

static void assert_verdict(const struct got *g, enum state s, enum reason r)
{
	if (g->v[0].state != s || g->v[0].reason != r)
		fail_msg("got %s %s (%s), want %s %s", state_name(g->v[0].state), reason_name(g->v[0].reason),
			 g->v[0].message, state_name(s), reason_name(r));
}

static int setup(void **state)
{
	(void)state;
	tmpdir = tl_mkdtemp();
	return lab_start(&lab);
}

static int teardown(void **state)
{
	(void)state;
	lab_stop(&lab);
	tl_rmrf(tmpdir);
	free(tmpdir);
	return 0;
}

static void test_good_chain_is_up_with_all_facts(void **state)
{
	struct got *g = probe_lab("good", NULL);
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(r->error, PERR_NONE);
	assert_int_equal(r->http_status, 200);
	assert_string_equal(r->ip, "127.0.0.1");
	assert_int_equal(r->port, lab_port(&lab, "good"));
	assert_true(r->tls_version_num >= 12);
	assert_true(r->cipher[0] != '\0');
	assert_int_equal(r->chain_len, 2);
	assert_int_equal(r->verify.code, 0);
	assert_int_equal(r->verify.hostname_ok, 1);
	assert_string_equal(r->verify.hostname, "localhost");
	assert_non_null(strstr(r->chain[0].sans, "DNS:localhost"));
	assert_int_equal(strlen(r->chain[0].sha256), 64);
	assert_true(r->chain[0].not_after > util_now_ms() / 1000);
	assert_true(r->t.dns_us >= 0 && r->t.connect_us >= 0 && r->t.tls_us > 0);
	assert_true(r->t.server_us >= 0 && r->t.transfer_us >= 0);
	/* phases add up to no more than the total */
	assert_true(r->t.dns_us + r->t.connect_us + r->t.tls_us + r->t.server_us <= r->t.total_us);
	assert_string_equal(r->body, "{\"status\":\"ok\"}");
	got_free(g);
}

static void test_expired_certificate_facts_kept(void **state)
{
	struct got *g = probe_lab("expired", NULL);
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_int_equal(r->error, PERR_CERT_REJECTED);
	assert_true(r->verify.flags & VERIFY_EXPIRED);
	assert_int_equal(r->chain_len, 2);
	assert_true(r->chain[0].not_after < util_now_ms() / 1000);
	assert_non_null(strstr(r->chain[0].issuer, "Intermediate"));
	assert_true(r->t.tls_us > 0);
	/* no request went out to a server that failed verification */
	assert_int_equal(r->http_status, 0);
	got_free(g);
}

static void test_not_yet_valid(void **state)
{
	struct got *g = probe_lab("notyet", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_NOT_YET_VALID);
	assert_true(g->r[0].chain[0].not_before > util_now_ms() / 1000);
	got_free(g);
}

static void test_self_signed(void **state)
{
	struct got *g = probe_lab("selfsigned", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_SELF_SIGNED);
	assert_true(g->r[0].chain[0].self_issued);
	got_free(g);
}

static void test_wrong_host(void **state)
{
	struct got *g = probe_lab("wronghost", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_HOSTNAME);
	assert_int_equal(g->r[0].verify.hostname_ok, 0);
	assert_non_null(strstr(g->v[0].message, "other.example"));
	got_free(g);
}

static void test_unknown_ca(void **state)
{
	struct got *g = probe_lab("unknownca", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_UNTRUSTED);
	assert_int_equal(g->r[0].chain_len, 2);
	got_free(g);
}

static void test_missing_intermediate_confirmed_by_aia(void **state)
{
	struct got *g = probe_lab("leafonly", NULL);
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_CHAIN_INCOMPLETE);
	assert_int_equal(r->chain_sent, 1);
	assert_true(r->verify.flags & VERIFY_CHAIN_INCOMPLETE);
	assert_true(r->verify.flags & VERIFY_AIA_COMPLETES);
	got_free(g);
}

static void test_weak_signature(void **state)
{
	struct got *g = probe_lab("weak_sha1", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CERT_WEAK);
	assert_non_null(strstr(g->r[0].chain[0].sig_alg, "sha1"));
	got_free(g);
}

static void test_expiring_soon_warns(void **state)
{
	struct got *g = probe_lab("soon", "cert_crit_days = 1\n");

	(void)state;
	assert_verdict(g, STATE_WARN, REASON_CERT_EXPIRING);
	got_free(g);
	g = probe_lab("soon", NULL); /* 3 days left is below the default critical 7 */
	assert_verdict(g, STATE_DOWN, REASON_CERT_EXPIRING);
	got_free(g);
}

static void test_tls_versions(void **state)
{
	struct got *g = probe_lab("tls12only", NULL);

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_string_equal(g->r[0].tls_version, "TLSv1.2");
	got_free(g);

	g = probe_lab("tls13only", NULL);
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_string_equal(g->r[0].tls_version, "TLSv1.3");
	got_free(g);

	g = probe_lab("tls13only", "min_tls = 1.3\n");
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);

	g = probe_lab("tls12only", "min_tls = 1.3\n");
	assert_verdict(g, STATE_DOWN, REASON_TLS_VERSION);
	got_free(g);
}

static void test_tls10_server_named(void **state)
{
	struct got *g = probe_lab("tls10only", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_TLS_VERSION);
	assert_int_equal(g->r[0].tls_version_num, 10);
	assert_non_null(strstr(g->v[0].message, "TLSv1"));
	got_free(g);
}

static void test_http_500(void **state)
{
	struct got *g = probe_lab("http500", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_HTTP_STATUS);
	assert_int_equal(g->r[0].http_status, 500);
	assert_non_null(strstr(g->v[0].message, "500"));
	got_free(g);
}

static void test_json_unhealthy(void **state)
{
	struct got *g = probe_lab("unhealthy", "expect_json = status == \"ok\"\n");

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_non_null(strstr(g->v[0].message, "degraded"));
	got_free(g);

	g = probe_lab("unhealthy", "expect_json = checks.db.latency_ms < 200\n");
	assert_verdict(g, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_non_null(strstr(g->v[0].message, "950"));
	got_free(g);

	g = probe_lab("good", "expect_json = status == \"ok\"\n");
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);
}

static void test_slow_first_byte(void **state)
{
	struct got *g = probe_lab("slow", "latency_warn = 1s\n");

	(void)state;
	assert_verdict(g, STATE_WARN, REASON_TOO_SLOW);
	/* the delay shows up as server time, not as TLS or connect */
	assert_true(g->r[0].t.server_us >= 1400000);
	assert_true(g->r[0].t.tls_us < 1000000);
	got_free(g);

	g = probe_lab("slow", "timeout = 700ms\n");
	assert_verdict(g, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(g->r[0].failed_phase, PHASE_SERVER);
	assert_true(g->r[0].t.total_us < 1500000);
	got_free(g);
}

static void test_handshake_never_answered(void **state)
{
	struct got *g = probe_lab("hang", "timeout = 800ms\n");
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(r->failed_phase, PHASE_TLS);
	assert_true(r->t.connect_us >= 0);
	assert_true(r->t.tls_us >= 500000);
	assert_true(r->t.total_us < 2000000);
	assert_non_null(strstr(g->v[0].message, "TLS"));
	got_free(g);
}

static void test_dropped_port_is_connect_timeout(void **state)
{
	struct got *g = probe_lab("drop", "timeout = 800ms\n");

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_CONNECT_TIMEOUT);
	assert_int_equal(g->r[0].failed_phase, PHASE_CONNECT);
	got_free(g);
}

static void test_closed_port_is_refused(void **state)
{
	struct got *g = probe_lab("closed", NULL);

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_REFUSED);
	got_free(g);
}

static void test_plain_http_redirect(void **state)
{
	struct got *g = run_ini(DEFAULTS "[r]\nurl = http://localhost:@PORT:redir@/\n");

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_true(g->r[0].http_check.to_https);
	got_free(g);

	g = run_ini(DEFAULTS "[r]\nurl = http://localhost:@PORT:noredir@/\n");
	assert_verdict(g, STATE_DOWN, REASON_NO_HTTPS_REDIRECT);
	got_free(g);
}

static void test_check_http_redirect_on_https_endpoint(void **state)
{
	struct got *g = probe_lab("good", "check_http_redirect = yes\nhttp_port = @PORT:noredir@\n");

	(void)state;
	assert_verdict(g, STATE_WARN, REASON_NO_HTTPS_REDIRECT);
	assert_true(g->r[0].http_check.done);
	assert_int_equal(g->r[0].http_check.status, 200);
	got_free(g);

	g = probe_lab("good", "check_http_redirect = yes\nhttp_port = @PORT:redir@\n");
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);
}

static void test_hsts(void **state)
{
	struct got *g = probe_lab("good_hsts", "expect_hsts = yes\n");

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_non_null(strstr(g->r[0].hsts, "max-age=31536000"));
	got_free(g);

	g = probe_lab("good", "expect_hsts = yes\n");
	assert_verdict(g, STATE_WARN, REASON_HSTS_MISSING);
	got_free(g);
}

static void test_body_cut_at_max_body(void **state)
{
	struct got *g = probe_lab("big", "max_body = 64KiB\n");

	(void)state;
	/* a large body alone is no error, and is read no further than max_body */
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(g->r[0].body_len, 65536);
	assert_true(g->r[0].body_truncated);
	got_free(g);

	g = probe_lab("big", "max_body = 64KiB\nexpect_body = the end\n");
	assert_verdict(g, STATE_WARN, REASON_BODY_TOO_LARGE);
	got_free(g);
}

static void test_redirect_loop(void **state)
{
	struct got *g = probe_lab("redirect_loop", "max_redirects = 3\n");

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_TOO_MANY_REDIRECTS);
	got_free(g);
}

static void test_mutual_tls(void **state)
{
	struct got *g = probe_lab("mtls", NULL);

	(void)state;
	assert_int_equal(g->v[0].state, STATE_DOWN);
	assert_int_equal(g->v[0].reason, REASON_TLS_HANDSHAKE);
	got_free(g);

	g = probe_lab("mtls", "client_cert = @FILE:client.pem@\nclient_key = @FILE:client.key@\n");
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);
}

/* A hanging server must not hold back the others, and the cap is honoured. */
static void test_concurrency_and_isolation(void **state)
{
	struct strbuf b = { 0 };
	struct got *g;

	(void)state;
	strbuf_puts(&b, DEFAULTS "max_inflight = 8\n[hang]\nurl = https://localhost:@PORT:hang@/\ntimeout = 3s\n");
	for (int i = 1; i < 40; i++)
		strbuf_printf(&b, "[good%d]\nurl = https://localhost:@PORT:good@/\n", i);
	g = run_ini(strbuf_cstr(&b));
	assert_int_equal(g->n, 40);
	for (size_t i = 1; i < 40; i++)
		assert_int_equal(g->v[i].state, STATE_UP);
	/* the hanging probe was first in and is the last out */
	assert_int_equal(g->order[39], 0);
	assert_int_equal(g->v[0].reason, REASON_TIMEOUT);
	got_free(g);
	strbuf_done(&b);
}

/* Queued probes wait their turn, and the wait is in no phase. */
static void test_queue_wait_not_counted(void **state)
{
	int64_t t0 = util_mono_us();
	struct got *g = run_ini(DEFAULTS "max_inflight = 2\n"
				"[s1]\nurl = https://localhost:@PORT:slow@/\n"
				"[s2]\nurl = https://localhost:@PORT:slow@/\n"
				"[s3]\nurl = https://localhost:@PORT:slow@/\n"
				"[s4]\nurl = https://localhost:@PORT:slow@/\n");
	int64_t elapsed = util_mono_us() - t0;

	(void)state;
	/* two rounds of a 1.5 s first byte: the cap held */
	assert_true(elapsed >= 2900000);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(g->v[i].state, STATE_UP);
		assert_true(g->r[i].t.total_us < 2500000);
		assert_true(g->r[i].t.dns_us + g->r[i].t.connect_us + g->r[i].t.tls_us < 500000);
	}
	got_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_chain_is_up_with_all_facts),
		cmocka_unit_test(test_expired_certificate_facts_kept),
		cmocka_unit_test(test_not_yet_valid),
		cmocka_unit_test(test_self_signed),
		cmocka_unit_test(test_wrong_host),
		cmocka_unit_test(test_unknown_ca),
		cmocka_unit_test(test_missing_intermediate_confirmed_by_aia),
		cmocka_unit_test(test_weak_signature),
		cmocka_unit_test(test_expiring_soon_warns),
		cmocka_unit_test(test_tls_versions),
		cmocka_unit_test(test_tls10_server_named),
		cmocka_unit_test(test_http_500),
		cmocka_unit_test(test_json_unhealthy),
		cmocka_unit_test(test_slow_first_byte),
		cmocka_unit_test(test_handshake_never_answered),
		cmocka_unit_test(test_dropped_port_is_connect_timeout),
		cmocka_unit_test(test_closed_port_is_refused),
		cmocka_unit_test(test_plain_http_redirect),
		cmocka_unit_test(test_check_http_redirect_on_https_endpoint),
		cmocka_unit_test(test_hsts),
		cmocka_unit_test(test_body_cut_at_max_body),
		cmocka_unit_test(test_redirect_loop),
		cmocka_unit_test(test_mutual_tls),
		cmocka_unit_test(test_concurrency_and_isolation),
		cmocka_unit_test(test_queue_wait_not_counted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
