/*
 * Monitor tests: the flap filter (fail_after / recover_after), outage
 * start and end times and cause, change events, reload keeping state by
 * name, and that outages land in a real SQLite store.
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
#include "httpsmon/monitor.h"
#include "httpsmon/result.h"
#include "httpsmon/store.h"
#include "httpsmon/util.h"
#include "testlib.h"

#define T0 1790000000000LL /* ms, 2026-09-21 */

struct fx {
	char *dir;
	struct config *cfg;
	struct monitor *m;
	struct store *st;
	char events[64][600];
	int nevents;
	struct revocation rv;  /* what feed's good probes carry */
};

static void on_event(void *ud, const struct mon_event *ev)
{
	struct fx *f = ud;

	if (f->nevents < 64)
		snprintf(f->events[f->nevents++], sizeof(f->events[0]), "%s %s", mon_event_name(ev->kind), ev->text);
}

static bool saw(const struct fx *f, const char *needle)
{
	for (int i = 0; i < f->nevents; i++)
		if (strstr(f->events[i], needle))
			return true;
	return false;
}

static struct config *load(struct fx *f, const char *ini)
{
	char err[2048], *path = tl_write_file(f->dir, "endpoints.ini", ini);
	struct config *c = config_load(path, err, sizeof(err));

	if (!c)
		fail_msg("config: %s", err);
	free(path);
	return c;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[512], *db;

	f->dir = tl_mkdtemp();
	f->cfg = load(f, "[defaults]\nfail_after = 2\nrecover_after = 2\n"
			 "[api]\nurl = https://api.example/\n[web]\nurl = https://web.example/\n");
	db = xasprintf("%s/history.db", f->dir);
	f->st = store_open(db, STORE_COLLECTOR, err, sizeof(err));
	free(db);
	assert_non_null(f->st);
	f->m = monitor_new(f->st, on_event, f);
	monitor_set_config(f->m, f->cfg, T0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	monitor_free(f->m);
	store_close(f->st);
	config_unref(f->cfg);
	tl_rmrf(f->dir);
	free(f->dir);
	free(f);
	return 0;
}

/* A healthy probe (with a leaf certificate) or a refused connection. */
static void feed(struct fx *f, const char *name, bool ok, int64_t t_ms, const char *sha, const char *ip)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = t_ms;
	snprintf(r.ip, sizeof(r.ip), "%s", ip ? ip : "192.0.2.1");
	r.port = 443;
	if (ok) {
		r.t.us[PHASE_DNS] = 1000;
		r.t.us[PHASE_CONNECT] = 2000;
		r.t.us[PHASE_TLS] = 5000;
		r.t.us[PHASE_SERVER] = 3000;
		r.t.us[PHASE_TRANSFER] = 100;
		r.t.us[PHASE_TOTAL] = 11100;
		r.http_status = 200;
		snprintf(r.tls_version, sizeof(r.tls_version), "TLSv1.3");
		r.tls_version_num = 13;
		snprintf(r.cipher, sizeof(r.cipher), "TLS_AES_128_GCM_SHA256");
		r.verify.checked = true;
		r.verify.hostname_ok = 1;
		r.chain_len = 1;
		r.chain[0].subject = xstrdup("CN=api.example");
		r.chain[0].issuer = xstrdup(sha && sha[0] == 'b' ? "CN=Other CA" : "CN=Test CA");
		r.chain[0].not_before = t_ms / 1000 - 86400;
		r.chain[0].not_after = t_ms / 1000 + 80 * 86400;
		snprintf(r.chain[0].sha256, sizeof(r.chain[0].sha256), "%s", sha ? sha : "aa");
		snprintf(r.chain[0].serial, sizeof(r.chain[0].serial), "01");
		snprintf(r.chain[0].key_type, sizeof(r.chain[0].key_type), "EC");
		r.chain[0].key_bits = 256;
		snprintf(r.chain[0].sig_alg, sizeof(r.chain[0].sig_alg), "ecdsa-with-SHA256");
		r.revocation = f->rv;
	} else {
		r.error = PERR_REFUSED;
		r.failed_phase = PHASE_CONNECT;
		r.t.us[PHASE_DNS] = 1000;
		r.t.us[PHASE_CONNECT] = 300;
		r.t.us[PHASE_TOTAL] = 1300;
		snprintf(r.error_text, sizeof(r.error_text), "Connection refused");
	}
	monitor_result(f->m, name, &r, t_ms + 20);
	probe_result_done(&r);
}

static const struct ep_status *st_of(struct fx *f, const char *name)
{
	return monitor_find(f->m, name);
}

static void test_one_failure_pages_nobody(void **state)
{
	struct fx *f = *state;

	feed(f, "api", true, T0, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_UP);
	feed(f, "api", false, T0 + 60000, NULL, NULL);
	/* "failing 1/2" is its own state, not hidden, not DOWN */
	assert_int_equal(st_of(f, "api")->live, LIVE_FAILING);
	assert_int_equal(st_of(f, "api")->fails_in_row, 1);
	assert_false(st_of(f, "api")->in_outage);
	feed(f, "api", true, T0 + 120000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_UP);
	assert_false(saw(f, "outage_start"));
}

static void test_outage_starts_at_first_failure_and_ends_at_first_good(void **state)
{
	struct fx *f = *state;
	struct outage_row *rows = NULL;
	size_t n = 0;

	feed(f, "api", true, T0, NULL, NULL);
	feed(f, "api", false, T0 + 60000, NULL, NULL);
	feed(f, "api", false, T0 + 120000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_DOWN);
	assert_true(st_of(f, "api")->in_outage);
	assert_true(st_of(f, "api")->outage_start_ms == T0 + 60000);
	assert_string_equal(st_of(f, "api")->outage_reason, "refused");
	feed(f, "api", false, T0 + 180000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->outage_failed, 3);

	/* recover_after = 2: one good probe is not enough */
	feed(f, "api", true, T0 + 240000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_DOWN);
	feed(f, "api", true, T0 + 300000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_UP);
	assert_false(st_of(f, "api")->in_outage);
	assert_true(saw(f, "outage_start"));
	assert_true(saw(f, "outage_end"));

	assert_int_equal(store_flush(f->st), 0);
	assert_int_equal(store_outages(f->st, "api", 0, 10, &rows, &n), 0);
	assert_int_equal(n, 1);
	assert_true(rows[0].start_ms == T0 + 60000);
	assert_true(rows[0].end_ms == T0 + 240000); /* the first good probe */
	assert_int_equal(rows[0].failed_probes, 3);
	assert_string_equal(rows[0].reason, "refused");
	free(rows);
}

static void test_flapping_never_confirms(void **state)
{
	struct fx *f = *state;

	for (int i = 0; i < 10; i++)
		feed(f, "web", i % 2 == 0, T0 + i * 60000, NULL, NULL);
	assert_false(saw(f, "outage_start"));
	assert_int_equal(st_of(f, "web")->live, LIVE_FAILING);
}

static void test_change_events(void **state)
{
	struct fx *f = *state;
	struct event_row *rows = NULL;
	size_t n = 0;

	feed(f, "api", true, T0, "aa", "192.0.2.1");
	feed(f, "api", false, T0 + 60000, NULL, NULL); /* a failure forgets nothing */
	feed(f, "api", true, T0 + 120000, "bb", "192.0.2.7");
	assert_true(saw(f, "cert_changed certificate changed"));
	assert_true(saw(f, "issuer_changed issuer changed: CN=Test CA -> CN=Other CA"));
	assert_true(saw(f, "ip_changed IP changed: 192.0.2.1 -> 192.0.2.7"));
	assert_int_equal(store_flush(f->st), 0);
	assert_int_equal(store_events(f->st, "api", 0, 50, &rows, &n), 0);
	assert_true(n >= 3);
	free(rows);
}

/* Revocation is kept as an event when its settled status changes; pending is not a status yet. */
static void test_revocation_events(void **state)
{
	struct fx *f = *state;
	struct event_row *rows = NULL;
	size_t n = 0;
	bool found = false;

	f->rv = (struct revocation){ .checked = true, .pending = true };
	feed(f, "api", true, T0, NULL, NULL);
	f->rv.pending = false;
	f->rv.status = REVOKE_GOOD;
	f->rv.method = REVOKE_METHOD_CRL;
	snprintf(f->rv.source, sizeof(f->rv.source), "http://crl.example/ca.crl");
	feed(f, "api", true, T0 + 60000, NULL, NULL);
	feed(f, "api", true, T0 + 120000, NULL, NULL);
	assert_false(saw(f, "revocation_changed"));
	f->rv.status = REVOKE_REVOKED;
	f->rv.revoked_at = T0 / 1000;
	snprintf(f->rv.reason, sizeof(f->rv.reason), "superseded");
	feed(f, "api", true, T0 + 180000, NULL, NULL);
	assert_true(saw(f, "revocation_changed revocation changed: good -> REVOKED on 2026-09-21 (superseded) "
			   "according to the CRL of http://crl.example/ca.crl"));
	assert_int_equal(store_flush(f->st), 0);
	assert_int_equal(store_events(f->st, "api", 0, 50, &rows, &n), 0);
	for (size_t i = 0; i < n; i++)
		found |= !strcmp(rows[i].kind, "revocation_changed");
	assert_true(found);
	free(rows);
}

static void test_reload_keeps_state_by_name(void **state)
{
	struct fx *f = *state;
	struct config *c2;
	uint64_t id;

	feed(f, "api", true, T0, NULL, NULL);
	id = st_of(f, "api")->id;
	c2 = load(f, "[api]\nurl = https://api.example/v2\n[new]\nurl = https://new.example/\n");
	monitor_set_config(f->m, c2, T0 + 1000);
	assert_int_equal(monitor_count(f->m), 2);
	assert_non_null(st_of(f, "api"));
	assert_true(st_of(f, "api")->id == id);
	assert_int_equal(st_of(f, "api")->live, LIVE_UP);
	assert_string_equal(st_of(f, "api")->ep->url, "https://api.example/v2");
	assert_null(st_of(f, "web"));
	assert_int_equal(st_of(f, "new")->live, LIVE_PENDING);
	/* a late result for a removed endpoint is dropped, not a crash */
	feed(f, "web", true, T0 + 2000, NULL, NULL);
	config_unref(c2);
}

static void test_restart_resumes_open_outage(void **state)
{
	struct fx *f = *state;
	struct monitor *m2;

	feed(f, "api", false, T0, NULL, NULL);
	feed(f, "api", false, T0 + 60000, NULL, NULL);
	assert_int_equal(store_flush(f->st), 0);
	/* a new collector on the same history picks the outage up */
	m2 = monitor_new(f->st, NULL, NULL);
	monitor_set_config(m2, f->cfg, T0 + 90000);
	assert_true(monitor_find(m2, "api")->in_outage);
	assert_true(monitor_find(m2, "api")->outage_start_ms == T0);
	monitor_free(m2);
}

static void test_pause(void **state)
{
	struct fx *f = *state;
	size_t counts[LIVE_PAUSED + 1];

	feed(f, "api", true, T0, NULL, NULL);
	monitor_set_paused(f->m, "api", true, T0 + 1);
	feed(f, "api", false, T0 + 60000, NULL, NULL);
	assert_int_equal(st_of(f, "api")->live, LIVE_PAUSED);
	monitor_counts(f->m, counts);
	assert_int_equal(counts[LIVE_PAUSED], 1);
	monitor_set_paused(f->m, "api", false, T0 + 2);
	assert_int_equal(st_of(f, "api")->live, LIVE_PENDING);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_one_failure_pages_nobody, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_starts_at_first_failure_and_ends_at_first_good, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flapping_never_confirms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revocation_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_keeps_state_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes_open_outage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
