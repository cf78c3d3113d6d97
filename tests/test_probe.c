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

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

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

/* Highest descriptor open in this process. */
static int max_open_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int max = 2;

	assert_non_null(d);
	while ((de = readdir(d)))
		if (atoi(de->d_name) > max)
			max = atoi(de->d_name);
	closedir(d);
	return max;
}

/* run_ini, with no descriptor to spare once the prober is set up when starve is set. */
static struct got *run_ini_fds(const char *ini, bool starve)
{
	struct got *g = calloc(1, sizeof(*g));
	struct config *cfg = load_ini(ini);
	char err[256];
	struct prober *p = prober_new(cfg->max_inflight, done_cb, g, err, sizeof(err));
	struct rlimit saved, none;
	int top = max_open_fd(), *fill = calloc((size_t)top + 1, sizeof(int)), nfill = 0;

	assert_non_null(p);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	none = saved;
	none.rlim_cur = (rlim_t)top + 1;
	if (starve) {
		/* no number left below the limit either */
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &none), 0);
		while (nfill <= top && (fill[nfill] = open("/dev/null", O_RDONLY)) >= 0)
			nfill++;
		assert_true(nfill <= top);
	}
	for (size_t i = 0; i < cfg->n; i++)
		prober_submit(p, cfg, i, i);
	g->want = cfg->n;
	while (g->n < g->want) {
		assert_int_equal(prober_wait(p, NULL, 0, 1000), 0);
		prober_perform(p);
	}
	while (nfill > 0)
		close(fill[--nfill]);
	free(fill);
	if (starve)
		assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	prober_free(p);
	config_unref(cfg);
	return g;
}

static struct got *run_ini(const char *ini)
{
	return run_ini_fds(ini, false);
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

#define LEAF "cert=good-chain.pem key=good.key "
#define BODY_EXACT 1024 /* bytes; max_body's floor, the boundary tests' max_body */

/*
 * Listeners of these tests on top of the standard lab (tests/lab/README.md):
 * redirect chains, servers that record what reached them, and servers that
 * break HTTP in one precise way each.
 */
static char *extra_spec(void)
{
	struct strbuf b = { 0 };

	/* https:// redirecting to plain http://, which records any request it gets */
	strbuf_puts(&b, "plainrec http 0 body=hi record=plainrec.log\n"
		    "to_plain tls 0 " LEAF "status=302 redirect=http://localhost:{plainrec}/x?api_token=s3cret\n"
		    /* the same host on another port, and the first hop, both recording */
		    "hdr_target tls 0 " LEAF "body=ok record=hdr_target.log\n"
		    "hdr_first tls 0 " LEAF "status=302 redirect=https://localhost:{hdr_target}/next record=hdr_first.log\n"
		    /* what a POST becomes after a 303 and after a 307 */
		    "post303 tls 0 " LEAF "status=303 redirect=https://localhost:{hdr_target}/after303\n"
		    "post307 tls 0 " LEAF "status=307 redirect=https://localhost:{hdr_target}/after307\n"
		    /* three hops to good */
		    "chain1 tls 0 " LEAF "status=302 redirect=https://localhost:{chain2}/two\n"
		    "chain2 tls 0 " LEAF "status=307 redirect=https://localhost:{chain3}/three\n"
		    "chain3 tls 0 " LEAF "status=308 redirect=https://localhost:{good}/\n"
		    /* each hop 600 ms: a 1 s timeout ends during the second */
		    "slow_hops tls 0 " LEAF "delay_ms=600 status=302 redirect=https://localhost:{slow_hops}/\n");
	/* a body of exactly BODY_EXACT bytes ending in "the_end", and one byte more */
	for (int extra = 0; extra < 2; extra++) {
		strbuf_printf(&b, "exact%d tls 0 " LEAF "body=", BODY_EXACT + extra);
		for (int i = 0; i < BODY_EXACT + extra - 7; i++)
			strbuf_puts(&b, "x");
		strbuf_puts(&b, "the_end\n");
	}
	/* servers that break HTTP; 3 headers (type, length, close) come with every response */
	strbuf_puts(&b, "long_header tls 0 " LEAF "header_size=X-Long:10485760\n"
		    "long_location tls 0 " LEAF "status=302 header_size=Location:1048576\n"
		    "location_max tls 0 " LEAF "status=302 header_size=Location:8192\n"
		    "location_over tls 0 " LEAF "status=302 header_size=Location:8193\n"
		    "bad_location tls 0 " LEAF "status=302 header=Location:%20https://[zz::1/\n"
		    "bad_status tls 0 " LEAF "status_line=HTTP/1.1%2099999999999999999999\n"
		    "many_headers tls 0 " LEAF "header_count=100000\n"
		    /* curl's line buffer: 102399 bytes with the CRLF fit, 102400 do not */
		    "line_max tls 0 " LEAF "header_size=X-Big:102390\n"
		    "line_over tls 0 " LEAF "header_size=X-Big:102391\n"
		    "headers_max tls 0 " LEAF "header_count=997\n"
		    "headers_over tls 0 " LEAF "header_count=998\n"
		    "deep_max tls 0 " LEAF "body_nest=1000\n"
		    "deep_over tls 0 " LEAF "body_nest=1001\n"
		    "proxy_403 http 0 status=403 body=no\n");
	return b.s;
}

static int setup(void **state)
{
	char *spec = extra_spec();
	int rc;

	(void)state;
	tmpdir = tl_mkdtemp();
	rc = lab_start_spec(&lab, spec);
	free(spec);
	return rc;
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
	/* the lab's leaves live 400 days and embed no SCTs: both flagged */
	assert_int_equal(cert_lifetime_days(&r->chain[0]), 400);
	assert_true(cert_lifetime_long(&r->chain[0]));
	assert_int_equal(r->chain[0].sct_count, 0);
	assert_true(cert_sct_few(&r->chain[0]));
	assert_false(cert_lifetime_long(&r->chain[1])); /* the intermediate: 10 years, not a leaf */
	assert_true(r->t.us[PHASE_DNS] >= 0 && r->t.us[PHASE_CONNECT] >= 0 && r->t.us[PHASE_TLS] > 0);
	assert_true(r->t.us[PHASE_SERVER] >= 0 && r->t.us[PHASE_TRANSFER] >= 0);
	/* phases add up to no more than the total */
	assert_true(r->t.us[PHASE_DNS] + r->t.us[PHASE_CONNECT] + r->t.us[PHASE_TLS] + r->t.us[PHASE_SERVER] <= r->t.us[PHASE_TOTAL]);
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
	assert_true(r->t.us[PHASE_TLS] > 0);
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
	assert_true(g->r[0].t.us[PHASE_SERVER] >= 1400000);
	assert_true(g->r[0].t.us[PHASE_TLS] < 1000000);
	got_free(g);

	g = probe_lab("slow", "timeout = 700ms\n");
	assert_verdict(g, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(g->r[0].failed_phase, PHASE_SERVER);
	assert_true(g->r[0].t.us[PHASE_TOTAL] < 1500000);
	got_free(g);
}

static void test_handshake_never_answered(void **state)
{
	struct got *g = probe_lab("hang", "timeout = 800ms\n");
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(r->failed_phase, PHASE_TLS);
	assert_true(r->t.us[PHASE_CONNECT] >= 0);
	assert_true(r->t.us[PHASE_TLS] >= 500000);
	assert_true(r->t.us[PHASE_TOTAL] < 2000000);
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

/* What a recording listener (record=NAME.log) received, "" if nothing. */
static char *lab_record(const char *name)
{
	char *path = xasprintf("%s/%s.log", lab.certs, name);
	FILE *f = fopen(path, "r");
	struct strbuf b = { 0 };
	char buf[4096];
	size_t n;

	while (f && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&b, buf, n);
	if (f)
		fclose(f);
	free(path);
	return b.s ? b.s : xstrdup("");
}

/* Defect: an https:// endpoint followed a redirect to http:// and was UP. */
static void test_https_never_follows_http(void **state)
{
	struct got *g = probe_lab("to_plain", "header = X-Api-Key: k-123\n");
	const struct probe_result *r = &g->r[0];
	char *rec = lab_record("plainrec");

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_INSECURE_REDIRECT);
	assert_non_null(strstr(g->v[0].message, "redirects to plain http://localhost:"));
	assert_non_null(strstr(g->v[0].message, "/x?api_token="));
	assert_null(strstr(g->v[0].message, "s3cret")); /* query values are redacted */
	assert_int_equal(r->http_status, 302);
	assert_int_equal(r->redirects, 0);
	/* nothing at all reached the plain listener, the API key least of all */
	assert_string_equal(rec, "");
	free(rec);
	got_free(g);
}

/* Defect: configured headers followed a redirect to another port of the same host. */
static void test_headers_stay_with_configured_origin(void **state)
{
	struct got *g = probe_lab("hdr_first", "header = X-Api-Key: k-123\n");
	char *first = lab_record("hdr_first"), *target = lab_record("hdr_target");

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(g->r[0].redirects, 1);
	assert_int_equal(g->r[0].port, lab_port(&lab, "hdr_target"));
	assert_non_null(strstr(first, "X-Api-Key: k-123"));
	assert_non_null(strstr(target, "GET /next "));
	assert_null(strstr(target, "X-Api-Key"));
	free(first);
	free(target);
	got_free(g);

	/* redirect_headers = yes: the operator says the target may have them */
	g = probe_lab("hdr_first", "header = X-Api-Key: k-456\nredirect_headers = yes\n");
	target = lab_record("hdr_target");
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_non_null(strstr(target, "X-Api-Key: k-456"));
	free(target);
	got_free(g);
}

/* After a 303 a POST becomes a GET without body; after a 307 it stays a POST with its body. */
static void test_redirect_method(void **state)
{
	struct got *g = probe_lab("post303", "method = POST\nbody = {\"ping\":1}\n");
	char *target = lab_record("hdr_target");

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_non_null(strstr(target, "GET /after303 HTTP/1.1"));
	assert_null(strstr(target, "POST /after303"));
	free(target);
	got_free(g);

	g = probe_lab("post307", "method = POST\nbody = {\"ping\":1}\n");
	target = lab_record("hdr_target");
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_non_null(strstr(target, "POST /after307 HTTP/1.1"));
	assert_non_null(strstr(strstr(target, "POST /after307"), "Content-Length: 10"));
	free(target);
	got_free(g);
}

/* Exactly max_redirects hops is UP; one more is DOWN. Phases sum over hops. */
static void test_redirect_chain_boundary(void **state)
{
	struct got *g = probe_lab("chain1", "max_redirects = 3\n");
	const struct probe_result *r = &g->r[0];
	char want[64];

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(r->redirects, 3);
	assert_int_equal(r->http_status, 200);
	snprintf(want, sizeof(want), "https://localhost:%d/", lab_port(&lab, "good"));
	assert_string_equal(r->final_url, want);
	assert_string_equal(r->body, "{\"status\":\"ok\"}");
	/* four handshakes, each a few ms at least: more than one hop's worth */
	assert_true(r->t.us[PHASE_TLS] > 0 && r->t.us[PHASE_DNS] >= 0 && r->t.us[PHASE_CONNECT] >= 0);
	assert_true(r->t.us[PHASE_DNS] + r->t.us[PHASE_CONNECT] + r->t.us[PHASE_TLS] + r->t.us[PHASE_SERVER] <= r->t.us[PHASE_TOTAL]);
	got_free(g);

	g = probe_lab("chain1", "max_redirects = 2\n");
	assert_verdict(g, STATE_DOWN, REASON_TOO_MANY_REDIRECTS);
	assert_int_equal(g->r[0].redirects, 2);
	assert_int_equal(g->r[0].http_status, 308);
	got_free(g);

	g = probe_lab("chain1", "max_redirects = 0\n");
	assert_verdict(g, STATE_DOWN, REASON_TOO_MANY_REDIRECTS);
	assert_int_equal(g->r[0].redirects, 0);
	got_free(g);

	/* not following: the 302 itself is judged */
	g = probe_lab("chain1", "follow_redirects = no\n");
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(g->r[0].http_status, 302);
	assert_int_equal(g->r[0].redirects, 0);
	got_free(g);
}

/* One timeout covers the whole chain, not each hop. */
static void test_redirects_share_one_timeout(void **state)
{
	int64_t t0 = util_mono_us();
	struct got *g = probe_lab("slow_hops", "timeout = 1s\nmax_redirects = 5\n");
	int64_t wall_us = util_mono_us() - t0;
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(r->redirects, 1);
	/* a timeout per hop would run 6 hops of 600 ms and end in too_many_redirects */
	assert_true(wall_us < 2000000);
	/* the phases are the sum over both hops (curl's clock, without the moments between) */
	assert_true(r->t.us[PHASE_TOTAL] > 800000 && r->t.us[PHASE_TOTAL] < 1500000);
	assert_true(r->t.us[PHASE_SERVER] > 600000);
	got_free(g);
}

/* A body of exactly max_body is whole and judged; one byte more is cut. */
static void test_body_exactly_max_body(void **state)
{
	struct got *g = probe_lab("exact1024", "max_body = 1024\nexpect_body = the_end\n");
	const struct probe_result *r = &g->r[0];

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(r->body_len, BODY_EXACT);
	assert_false(r->body_truncated);
	assert_string_equal(r->body + BODY_EXACT - 7, "the_end");
	got_free(g);

	g = probe_lab("exact1025", "max_body = 1024\nexpect_body = the_end\n");
	assert_verdict(g, STATE_WARN, REASON_BODY_TOO_LARGE);
	assert_int_equal(g->r[0].body_len, BODY_EXACT);
	assert_true(g->r[0].body_truncated);
	got_free(g);
}

/* Each way of breaking HTTP is named as the server's doing, never as a local problem. */
static void assert_http_protocol(const char *listener, const char *extra, const char *says)
{
	struct got *g = probe_lab(listener, extra);

	assert_verdict(g, STATE_DOWN, REASON_HTTP_PROTOCOL);
	if (!strstr(g->v[0].message, says))
		fail_msg("%s: message '%s' does not say '%s'", listener, g->v[0].message, says);
	assert_null(strstr(g->v[0].message, "local problem"));
	got_free(g);
}

static void test_server_breaking_http_is_named(void **state)
{
	(void)state;
	assert_http_protocol("long_header", NULL, "response header line of 100 KiB or more");
	assert_http_protocol("line_over", NULL, "response header line of 100 KiB or more (after 0 complete");
	assert_http_protocol("long_location", NULL, "response header line of 100 KiB or more");
	assert_http_protocol("location_over", NULL, "Location header too long (8193 bytes");
	assert_http_protocol("bad_location", NULL, "Location header is not a valid URL");
	assert_http_protocol("bad_status", NULL, "invalid HTTP status line");
	assert_http_protocol("many_headers", NULL, "more than 1000 response headers");
	assert_http_protocol("headers_over", NULL, "more than 1000 response headers");
}

/* The limits themselves are allowed: 1000 headers, a header line of 100 KiB - 1, an 8 KiB Location. */
static void test_http_limits_boundary(void **state)
{
	struct got *g = probe_lab("headers_max", NULL);

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);

	g = probe_lab("line_max", NULL);
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);

	/* the 8192-byte relative Location is followed (to itself, so once is the limit) */
	g = probe_lab("location_max", "max_redirects = 1\n");
	assert_verdict(g, STATE_DOWN, REASON_TOO_MANY_REDIRECTS);
	assert_int_equal(g->r[0].redirects, 1);
	got_free(g);
}

static void test_json_nesting_limit(void **state)
{
	struct got *g = probe_lab("deep_max", "expect_json = 0 exists\n");

	(void)state;
	assert_verdict(g, STATE_UP, REASON_OK);
	got_free(g);

	g = probe_lab("deep_over", "expect_json = 0 exists\n");
	assert_verdict(g, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_non_null(strstr(g->v[0].message, "JSON nested deeper than 1000 levels"));
	got_free(g);
}

/*
 * Probes good through "proxy = SCHEME127.0.0.1:<port of listener>" (plus
 * extra keys) and wants DOWN proxy saying "proxy 127.0.0.1:<port> SAYS".
 */
static void assert_proxy_fault(const char *scheme, const char *listener, const char *extra,
			       const char *says)
{
	char keys[256], want[256];
	int port = lab_port(&lab, listener);
	struct got *g;

	snprintf(keys, sizeof(keys), "proxy = %s127.0.0.1:%d\n%s", scheme, port, extra);
	g = probe_lab("good", keys);
	snprintf(want, sizeof(want), "proxy 127.0.0.1:%d %s", port, says);
	assert_verdict(g, STATE_DOWN, REASON_PROXY);
	assert_string_equal(g->v[0].message, want);
	got_free(g);
}

/* A proxy that fails is named, not mistaken for the target. */
static void test_proxy_failures(void **state)
{
	(void)state;
	assert_proxy_fault("http://", "closed", "", "refused the connection");
	assert_proxy_fault("", "proxy_403", "", "answered the tunnel request with HTTP 403");
	/* one that takes the connection and never answers the tunnel request */
	assert_proxy_fault("http://", "hang", "timeout = 1s\n", "did not open the way to the target in time");
}

/* Out of descriptors is ours, not the server's. */
static void test_out_of_descriptors_is_local(void **state)
{
	char ini[512];
	struct got *g;

	(void)state;
	/*
	 * An address, not a name, so no lookup opens a file; plain HTTP, so
	 * no CA file is read: the socket is the first descriptor needed.
	 */
	snprintf(ini, sizeof(ini), "[t]\nurl = http://127.0.0.1:%d/\n", lab_port(&lab, "noredir"));
	g = run_ini_fds(ini, true);
	assert_verdict(g, STATE_DOWN, REASON_PROBE_ERROR);
	assert_int_equal(g->r[0].error, PERR_LOCAL);
	assert_non_null(strstr(g->v[0].message, "local problem"));
	got_free(g);

	g = run_ini(ini);
	assert_int_equal(g->r[0].error, PERR_NONE);
	assert_int_equal(g->r[0].http_status, 200);
	got_free(g);
}

/* Defect: all_addresses ignored resolve pins and reported dns. */
static void test_all_addresses_uses_pins(void **state)
{
	char ini[512];
	struct got *g;
	int port = lab_port(&lab, "good");

	(void)state;
	/* good.lab.test is in the certificate and nowhere in DNS */
	snprintf(ini, sizeof(ini), DEFAULTS "[p]\nurl = https://good.lab.test:%d/\n"
		 "resolve = good.lab.test:%d:127.0.0.1\nall_addresses = yes\n", port, port);
	g = run_ini(ini);
	assert_verdict(g, STATE_UP, REASON_OK);
	assert_int_equal(g->r[0].n_addrs, 1);
	assert_string_equal(g->r[0].addrs[0].ip, "127.0.0.1");
	got_free(g);

	/* two pinned addresses, one with nothing listening: both probed, the bad one named */
	snprintf(ini, sizeof(ini), DEFAULTS "[p]\nurl = https://good.lab.test:%d/\n"
		 "resolve = good.lab.test:%d:127.0.0.1,127.0.0.2\nall_addresses = yes\n", port, port);
	g = run_ini(ini);
	assert_int_equal(g->r[0].n_addrs, 2);
	assert_string_equal(g->r[0].addrs[0].ip, "127.0.0.1");
	assert_string_equal(g->r[0].addrs[1].ip, "127.0.0.2");
	assert_int_equal(g->r[0].addrs[0].error, PERR_NONE);
	assert_int_equal(g->r[0].addrs[1].error, PERR_REFUSED);
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
		assert_true(g->r[i].t.us[PHASE_TOTAL] < 2500000);
		assert_true(g->r[i].t.us[PHASE_DNS] + g->r[i].t.us[PHASE_CONNECT] + g->r[i].t.us[PHASE_TLS] < 500000);
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
		cmocka_unit_test(test_https_never_follows_http),
		cmocka_unit_test(test_headers_stay_with_configured_origin),
		cmocka_unit_test(test_redirect_chain_boundary),
		cmocka_unit_test(test_redirect_method),
		cmocka_unit_test(test_redirects_share_one_timeout),
		cmocka_unit_test(test_body_exactly_max_body),
		cmocka_unit_test(test_server_breaking_http_is_named),
		cmocka_unit_test(test_http_limits_boundary),
		cmocka_unit_test(test_json_nesting_limit),
		cmocka_unit_test(test_proxy_failures),
		cmocka_unit_test(test_all_addresses_uses_pins),
		cmocka_unit_test(test_out_of_descriptors_is_local),
		cmocka_unit_test(test_mutual_tls),
		cmocka_unit_test(test_concurrency_and_isolation),
		cmocka_unit_test(test_queue_wait_not_counted),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
