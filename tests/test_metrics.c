/*
 * /metrics as rendered from a real monitor and store (no listener): every
 * endpoint state at once (up, warn, down, failing, pending, paused, and a
 * name that never resolved) with the exact httpsmon_endpoint_state values
 * and what each leaves out; the staleness threshold on both sides (a
 * result exactly 3 intervals old is not stale: stale means "older than");
 * httpsmon_uptime_ratio from the uptime cache, exact, and refreshed only
 * past its age limit; the histogram buckets at their bounds.
 * tests/test_metrics.sh checks the same page from a live collector with
 * promtool and a real Prometheus.
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
#include "httpsmon/metrics.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"
#include "httpsmon/upcache.h"
#include "httpsmon/util.h"
#include "testlib.h"

#define T0  1790000000000LL /* ms, 2026-09-21 */
#define IVL 60000LL         /* every endpoint's interval */

struct fx {
	char *dir;
	struct config *cfg;
	struct monitor *m;
	struct store *st;
	struct metrics *mx;
	struct upcache *up;
	struct strbuf b;
};

static const char ini[] =
	"[defaults]\ninterval = 60s\nfail_after = 2\n"
	"[up]\nurl = https://up.example/\n"
	"[warn]\nurl = https://warn.example/\n"
	"[down]\nurl = https://down.example/\n"
	"[failing]\nurl = https://failing.example/\n"
	"[pending]\nurl = https://pending.example/\n"
	"[paused]\nurl = https://paused.example/\n"
	"[nxdomain]\nurl = https://nxdomain.invalid/\n";

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[2048], *path, *db;

	f->dir = tl_mkdtemp();
	path = tl_write_file(f->dir, "endpoints.ini", ini);
	f->cfg = config_load(path, err, sizeof(err));
	free(path);
	if (!f->cfg)
		fail_msg("config: %s", err);
	db = xasprintf("%s/history.db", f->dir);
	f->st = store_open(db, STORE_COLLECTOR, err, sizeof(err));
	free(db);
	assert_non_null(f->st);
	f->m = monitor_new(f->st, NULL, NULL);
	monitor_set_config(f->m, f->cfg, T0);
	f->mx = metrics_new();
	f->up = upcache_new(NULL, f->st, f->m);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	upcache_free(f->up);
	metrics_free(f->mx);
	strbuf_done(&f->b);
	monitor_free(f->m);
	store_close(f->st);
	config_unref(f->cfg);
	tl_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

enum kind { OK, CERT_SOON, REFUSED, NXDOMAIN };

/* One probe of name finished at t_ms: healthy, healthy with a certificate 10 days from expiry, refused, no such name. */
static void feed(struct fx *f, const char *name, enum kind k, int64_t t_ms)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = t_ms - 20;
	r.t.us[PHASE_DNS] = 1000;
	if (k == OK || k == CERT_SOON) {
		snprintf(r.ip, sizeof(r.ip), "192.0.2.1");
		r.port = 443;
		r.t.us[PHASE_CONNECT] = 2000;
		r.t.us[PHASE_TLS] = 5000;
		r.t.us[PHASE_SERVER] = 3000;
		r.t.us[PHASE_TRANSFER] = 100;
		r.t.us[PHASE_TOTAL] = 11100;
		r.http_status = 200;
		snprintf(r.http_version, sizeof(r.http_version), "HTTP/2");
		snprintf(r.tls_version, sizeof(r.tls_version), "TLSv1.3");
		r.tls_version_num = 13;
		r.verify.checked = true;
		r.verify.hostname_ok = 1;
		r.chain_len = 1;
		r.chain[0].subject = xstrdup("CN=x \"quoted\"");
		r.chain[0].issuer = xstrdup("CN=Test CA");
		r.chain[0].not_before = t_ms / 1000 - 86400;
		r.chain[0].not_after = t_ms / 1000 + (k == CERT_SOON ? 10 : 80) * 86400;
		snprintf(r.chain[0].sha256, sizeof(r.chain[0].sha256), "aa");
		snprintf(r.chain[0].serial, sizeof(r.chain[0].serial), "01");
	} else if (k == REFUSED) {
		snprintf(r.ip, sizeof(r.ip), "2001:db8::1");
		r.error = PERR_REFUSED;
		r.failed_phase = PHASE_CONNECT;
		r.t.us[PHASE_CONNECT] = 300;
		r.t.us[PHASE_TOTAL] = 1300;
		snprintf(r.error_text, sizeof(r.error_text), "Connection refused");
	} else {
		r.error = PERR_DNS;
		r.failed_phase = PHASE_DNS;
		r.t.us[PHASE_TOTAL] = 1000;
		snprintf(r.error_text, sizeof(r.error_text), "Could not resolve host: nxdomain.invalid");
	}
	monitor_result(f->m, name, &r, t_ms);
	metrics_observe_probe(f->mx, &r);
	probe_result_done(&r);
}

/* Every state at once: the last probes finish at T0 + IVL. */
static void every_state(struct fx *f)
{
	int64_t t = T0 + IVL;

	feed(f, "up", OK, t);
	feed(f, "warn", CERT_SOON, t);
	feed(f, "down", REFUSED, t - IVL / 2);
	feed(f, "down", REFUSED, t);
	feed(f, "failing", REFUSED, t);
	feed(f, "paused", OK, t);
	monitor_set_paused(f->m, "paused", true, t);
	feed(f, "nxdomain", NXDOMAIN, t - IVL / 2);
	feed(f, "nxdomain", NXDOMAIN, t);
}

static const char *render(struct fx *f, int64_t now_ms)
{
	struct metrics_info in = { .location = "lab-1", .now_ms = now_ms, .reload_ok = true,
				   .reload_ms = T0, .up = f->up };

	strbuf_reset(&f->b);
	metrics_render(f->mx, &f->b, f->m, &in);
	return strbuf_cstr(&f->b);
}

/* Whether page holds line as a whole line. */
static bool has_line(const char *page, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = page; (p = strstr(p, line)); p++)
		if ((p == page || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define assert_line(page, ...) \
	do { \
		char want_[512]; \
		snprintf(want_, sizeof(want_), __VA_ARGS__); \
		if (!has_line(page, want_)) \
			fail_msg("missing line: %s", want_); \
	} while (0)
#define assert_no_line(page, ...) \
	do { \
		char want_[512]; \
		snprintf(want_, sizeof(want_), __VA_ARGS__); \
		if (has_line(page, want_)) \
			fail_msg("unexpected line: %s", want_); \
	} while (0)

#define LBL(name) "endpoint=\"" name "\",location=\"lab-1\""

static void test_every_state_exactly(void **state)
{
	static const char *const names[] = { "up", "warn", "down", "failing", "pending", "paused", "nxdomain" };
	static const char *const want[] = { "up", "warn", "down", "failing", "pending", "paused", "down" };
	static const char *const states[] = { "up", "warn", "down", "failing", "pending", "paused" };
	struct fx *f = *state;
	const char *page;

	every_state(f);
	page = render(f, T0 + IVL + 1000);
	for (size_t i = 0; i < 7; i++)
		for (size_t k = 0; k < 6; k++)
			assert_line(page, "httpsmon_endpoint_state{endpoint=\"%s\",location=\"lab-1\",state=\"%s\"} %d",
				    names[i], states[k], !strcmp(want[i], states[k]));
	/* probe_success: 1 for UP and WARN (and a paused endpoint's fresh last result), 0 otherwise */
	assert_line(page, "probe_success{" LBL("up") "} 1");
	assert_line(page, "probe_success{" LBL("warn") "} 1");
	assert_line(page, "probe_success{" LBL("down") "} 0");
	assert_line(page, "probe_success{" LBL("failing") "} 0");
	assert_line(page, "probe_success{" LBL("pending") "} 0");
	assert_line(page, "probe_success{" LBL("nxdomain") "} 0");
	assert_line(page, "httpsmon_endpoint_reason_info{" LBL("nxdomain") ",reason=\"dns\"} 1");
	assert_line(page, "httpsmon_endpoint_reason_info{" LBL("warn") ",reason=\"cert_expiring\"} 1");
	/* never probed, never resolved: no facts it does not have */
	assert_no_line(page, "probe_duration_seconds{" LBL("pending") "} 0");
	assert_null(strstr(page, "probe_ip_protocol{" LBL("nxdomain")));
	assert_null(strstr(page, "probe_ssl_earliest_cert_expiry{" LBL("nxdomain")));
	assert_null(strstr(page, "httpsmon_endpoint_reason_info{" LBL("pending")));
	assert_line(page, "probe_ip_protocol{" LBL("down") "} 6");
	assert_line(page, "probe_ip_protocol{" LBL("up") "} 4");
	assert_line(page, "httpsmon_cert_time_left_seconds{" LBL("warn") "} %lld", (long long)(10 * 86400 - 1));
	assert_line(page, "httpsmon_cert_renewal_overdue{" LBL("warn") "} 1");
	assert_line(page, "httpsmon_cert_renewal_overdue{" LBL("up") "} 0");
	assert_line(page, "probe_ssl_last_chain_info{" LBL("up") ",fingerprint_sha256=\"aa\",subject=\"CN=x \\\"quoted\\\"\","
		    "issuer=\"CN=Test CA\",serialnumber=\"01\"} 1");
	assert_line(page, "httpsmon_outage_active{" LBL("down") "} 1");
	assert_line(page, "httpsmon_outage_seconds{" LBL("down") "} 31");
}

/* A result exactly 3 intervals old is fresh ("older than"); one millisecond more is stale. */
static void test_stale_threshold_both_sides(void **state)
{
	struct fx *f = *state;
	int64_t t = T0 + IVL;
	const char *page;

	feed(f, "up", OK, t);
	assert_false(metrics_stale(monitor_find(f->m, "up"), t + 3 * IVL));
	page = render(f, t + 3 * IVL);
	assert_line(page, "probe_success{" LBL("up") "} 1");
	assert_line(page, "httpsmon_result_stale{" LBL("up") "} 0");
	assert_true(metrics_stale(monitor_find(f->m, "up"), t + 3 * IVL + 1));
	page = render(f, t + 3 * IVL + 1);
	assert_line(page, "probe_success{" LBL("up") "} 0");
	assert_line(page, "httpsmon_result_stale{" LBL("up") "} 1");
	/* never probed: probe_success 0 but not "stale" (there is no result to be old) */
	assert_true(metrics_stale(monitor_find(f->m, "pending"), t));
	assert_line(page, "httpsmon_result_stale{" LBL("pending") "} 0");
}

/* httpsmon_uptime_ratio: store_uptime's figure as a ratio, read by the cache, not by the render. */
static void test_uptime_ratio_from_cache(void **state)
{
	struct fx *f = *state;
	int64_t t = T0 + IVL, now;
	const char *page;

	feed(f, "up", REFUSED, t);
	feed(f, "up", OK, t + IVL);
	feed(f, "up", OK, t + 2 * IVL);
	feed(f, "failing", REFUSED, t);
	feed(f, "failing", OK, t + IVL);
	feed(f, "failing", OK, t + 2 * IVL);
	assert_int_equal(store_flush(f->st), 0);
	now = t + 2 * IVL + 1000;
	/* before the cache has read anything: no series (unknown is not 0) */
	page = render(f, now);
	assert_null(strstr(page, "httpsmon_uptime_ratio{"));
	assert_false(upcache_refresh(f->up, now, 1000000));
	page = render(f, now);
	assert_line(page, "httpsmon_uptime_ratio{" LBL("up") ",window=\"24h\"} 0.666666");
	assert_line(page, "httpsmon_uptime_ratio{" LBL("up") ",window=\"7d\"} 0.666666");
	assert_line(page, "httpsmon_uptime_ratio{" LBL("up") ",window=\"30d\"} 0.666666");
	assert_null(strstr(page, "httpsmon_uptime_ratio{" LBL("pending")));
	/* new probes: the render does not read the store; the cache re-reads the 24 h figure past its age limit only */
	feed(f, "up", OK, t + 3 * IVL);
	assert_int_equal(store_flush(f->st), 0);
	assert_false(upcache_refresh(f->up, now + UPCACHE_TTL_24H_MS - 1, 1000000));
	assert_line(render(f, now + UPCACHE_TTL_24H_MS - 1), "httpsmon_uptime_ratio{" LBL("up") ",window=\"24h\"} 0.666666");
	assert_false(upcache_refresh(f->up, now + UPCACHE_TTL_24H_MS, 1000000));
	page = render(f, now + UPCACHE_TTL_24H_MS);
	assert_line(page, "httpsmon_uptime_ratio{" LBL("up") ",window=\"24h\"} 0.75");
	assert_line(page, "httpsmon_uptime_ratio{" LBL("up") ",window=\"7d\"} 0.666666");
	/* a budget of nothing reads nothing and says more is due */
	assert_true(upcache_refresh(f->up, now + UPCACHE_TTL_30D_MS, -1));
	assert_true(upcache_ratio(f->up, monitor_find(f->m, "up")->id, UPCACHE_30D) > 0.66);
}

/* The histogram's buckets: a phase of exactly 1 ms is in le="0.001", one of 1.001 ms is not. */
static void test_histogram_bucket_bounds(void **state)
{
	struct fx *f = *state;
	struct probe_result r;
	const char *page;

	probe_result_init(&r);
	r.t.us[PHASE_DNS] = 1000;
	metrics_observe_probe(f->mx, &r);
	r.t.us[PHASE_DNS] = 1001;
	metrics_observe_probe(f->mx, &r);
	r.t.us[PHASE_DNS] = 10000001;
	metrics_observe_probe(f->mx, &r);
	probe_result_done(&r);
	page = render(f, T0);
	assert_line(page, "httpsmon_probe_phase_seconds_bucket{location=\"lab-1\",phase=\"resolve\",le=\"0.001\"} 1");
	assert_line(page, "httpsmon_probe_phase_seconds_bucket{location=\"lab-1\",phase=\"resolve\",le=\"0.0025\"} 2");
	assert_line(page, "httpsmon_probe_phase_seconds_bucket{location=\"lab-1\",phase=\"resolve\",le=\"10\"} 2");
	assert_line(page, "httpsmon_probe_phase_seconds_bucket{location=\"lab-1\",phase=\"resolve\",le=\"+Inf\"} 3");
	assert_line(page, "httpsmon_probe_phase_seconds_count{location=\"lab-1\",phase=\"resolve\"} 3");
	assert_line(page, "httpsmon_probe_phase_seconds_sum{location=\"lab-1\",phase=\"resolve\"} 10.002002");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_every_state_exactly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_threshold_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_uptime_ratio_from_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_histogram_bucket_bounds, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
