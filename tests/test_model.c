/*
 * test_model: the dashboard's row model (src/ui/model.c) in live mode, fed
 * as the dashboard feeds it: an app made from a config file with no history
 * (never stepped, so nothing is probed), probe results handed to
 * monitor_result(), then model_refresh() and model_arrange(); the `s`, `/`
 * and Esc keys go through view_list_key() as the list screen does.
 *
 * What an operator relies on: rows mirror the monitor; the default order is
 * worst first (DOWN, FAILING, WARN, PENDING, UP, PAUSED); every key `s`
 * cycles through orders as its name says; ties fall back to the endpoint
 * name (strcmp, byte order), so the order never depends on config order or
 * on qsort; `/` matches name, host or tag as a case-insensitive substring;
 * the selection follows its endpoint across re-sorts and filters.
 * The read-only viewer (model_init_viewer on a store) is not covered here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/app.h"
#include "httpsmon/config.h"
#include "httpsmon/monitor.h"
#include "httpsmon/result.h"
#include "httpsmon/ui.h"
#include "httpsmon/util.h"
#include "testlib.h"

#define T0     1790000000000LL /* ms, 2026-09-21: when the results below finish */
#define DAY_S  86400LL
#define NO_CERT 0              /* days_left for a result without a certificate */

struct fx {
	char *dir;
	char *cfg;      /* path of the config file */
	struct app *a;
	struct monitor *mon;
	struct ui *u;   /* u->m is the model under test */
	char buf[1024]; /* shown() writes here */
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = tl_mkdtemp();
	f->u = calloc(1, sizeof(*f->u));
	assert_non_null(f->u);
	f->u->m.sel = -1; /* as model_init_* starts */
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	if (f->a)
		model_done(&f->u->m);
	app_free(f->a);
	tl_rmrf(f->dir);
	free(f->dir);
	free(f->cfg);
	free(f->u);
	free(f);
	return 0;
}

/* Writes ini as the config, starts an app on it without history, and a live model on the app. */
static void start(struct fx *f, const char *ini)
{
	char err[2048];
	struct app_opts ao = { 0 };

	free(f->cfg);
	f->cfg = tl_write_file(f->dir, "endpoints.ini", ini);
	ao.config_path = f->cfg;
	ao.no_db = true;
	f->a = app_new(&ao, err, sizeof(err));
	if (!f->a)
		fail_msg("app_new: %s", err);
	f->mon = app_monitor(f->a);
	model_init_live(&f->u->m, f->a);
}

/* What the loop does after results (settle() in view.c): refresh, arrange, sync the selection. */
static bool settle(struct fx *f)
{
	bool changed = model_refresh(&f->u->m, T0);

	model_rearrange(&f->u->m);
	return changed;
}

/* The shown rows' names, space-separated, in order. */
static const char *shown(struct fx *f)
{
	size_t len = 0;

	f->buf[0] = '\0';
	for (size_t i = 0; i < f->u->m.n_shown; i++) {
		const struct row *r = model_shown(&f->u->m, i);

		assert_non_null(r);
		len += (size_t)snprintf(f->buf + len, sizeof(f->buf) - len, "%s%s", i ? " " : "", r->name);
		assert_true(len < sizeof(f->buf));
	}
	return f->buf;
}

/* model_arrange with sort and filter, then shown(). */
static const char *arranged(struct fx *f, enum ui_sort sort, const char *filter)
{
	model_arrange(&f->u->m, sort, filter);
	return shown(f);
}

/*
 * A response with HTTP status, a total time and (days_left != NO_CERT) a
 * leaf certificate expiring days_left days after T0 (negative: expired).
 * 200 with 60 days left judges UP; under 21 days WARN; 503 or expired DOWN.
 */
static void feed_http(struct fx *f, const char *name, long status, int64_t total_us, int days_left,
		      int64_t t_ms)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = t_ms - total_us / 1000;
	snprintf(r.ip, sizeof(r.ip), "192.0.2.7");
	r.port = 443;
	r.t.us[PHASE_DNS] = total_us / 10;
	r.t.us[PHASE_CONNECT] = total_us / 10;
	r.t.us[PHASE_TLS] = total_us / 5;
	r.t.us[PHASE_SERVER] = total_us - total_us / 10 * 2 - total_us / 5;
	r.t.us[PHASE_TRANSFER] = 0;
	r.t.us[PHASE_TOTAL] = total_us;
	r.http_status = status;
	snprintf(r.http_version, sizeof(r.http_version), "HTTP/2");
	snprintf(r.tls_version, sizeof(r.tls_version), "TLSv1.3");
	r.tls_version_num = 13;
	snprintf(r.cipher, sizeof(r.cipher), "TLS_AES_128_GCM_SHA256");
	r.verify.checked = true;
	r.verify.hostname_ok = 1;
	if (days_left != NO_CERT) {
		r.chain_len = r.chain_sent = 1;
		r.chain[0].subject = xasprintf("CN=%s.example", name);
		r.chain[0].issuer = xstrdup("CN=Test CA");
		r.chain[0].not_before = T0 / 1000 - 10 * DAY_S;
		r.chain[0].not_after = T0 / 1000 + days_left * DAY_S;
		snprintf(r.chain[0].sha256, sizeof(r.chain[0].sha256), "%064d", days_left < 0 ? -days_left : days_left);
		snprintf(r.chain[0].serial, sizeof(r.chain[0].serial), "01");
		snprintf(r.chain[0].key_type, sizeof(r.chain[0].key_type), "EC");
		r.chain[0].key_bits = 256;
		snprintf(r.chain[0].sig_alg, sizeof(r.chain[0].sig_alg), "ecdsa-with-SHA256");
	}
	monitor_result(f->mon, name, &r, t_ms);
	probe_result_done(&r);
}

static void feed_ok(struct fx *f, const char *name, int64_t total_us, int64_t t_ms)
{
	feed_http(f, name, 200, total_us, 60, t_ms);
}

/* A refused connection: DOWN verdict, no response, no certificate. */
static void feed_refused(struct fx *f, const char *name, int64_t t_ms)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = t_ms - 2;
	snprintf(r.ip, sizeof(r.ip), "192.0.2.7");
	r.port = 443;
	r.error = PERR_REFUSED;
	r.failed_phase = PHASE_CONNECT;
	r.curl_code = 7;
	r.t.us[PHASE_DNS] = 1000;
	r.t.us[PHASE_CONNECT] = 300;
	r.t.us[PHASE_TOTAL] = 1300;
	snprintf(r.error_text, sizeof(r.error_text), "Connection refused");
	monitor_result(f->mon, name, &r, t_ms);
	probe_result_done(&r);
}

static const struct row *row_named(struct fx *f, const char *name)
{
	for (size_t i = 0; i < f->u->m.n; i++)
		if (!strcmp(f->u->m.rows[i].name, name))
			return &f->u->m.rows[i];
	fail_msg("no row called %s", name);
	return NULL;
}

/*
 * One endpoint in each live state (fail_after = 2 by default), listed in
 * the config in no particular order:
 *   down     two refused connections in a row: a confirmed outage
 *   failing  one refused connection: failing 1/2
 *   warn     a certificate with 10 days left (warning below 21)
 *   pending  never probed
 *   up       healthy
 *   paused   healthy, then paused with `p`
 */
static const char states_ini[] =
	"[defaults]\ninterval = 60s\n"
	"[up]\nurl = https://up.example/health\n"
	"[pending]\nurl = https://pending.example/\n"
	"[paused]\nurl = https://paused.example/\n"
	"[warn]\nurl = https://warn.example/\n"
	"[failing]\nurl = https://failing.example/\n"
	"[down]\nurl = https://down.example/\n";

static void feed_states(struct fx *f)
{
	feed_ok(f, "up", 40000, T0 - 5000);
	feed_ok(f, "paused", 40000, T0 - 5000);
	app_toggle_pause(f->a, "paused");
	feed_http(f, "warn", 200, 40000, 10, T0 - 5000);
	feed_refused(f, "failing", T0 - 5000);
	feed_refused(f, "down", T0 - 65000);
	feed_refused(f, "down", T0 - 5000);
}

/* ---- rows from the monitor ---------------------------------------------- */

static void test_rows_mirror_the_monitor(void **state)
{
	struct fx *f = *state;
	const struct row *r;

	start(f, "[api-eu]\nurl = https://api.eu.example:8443/health\ntags = prod, api\nfail_after = 3\n"
		 "[web]\nurl = https://www.example/\n");
	assert_true(model_refresh(&f->u->m, T0));
	assert_int_equal(f->u->m.n, 2);
	/* rows are in config order; the order array is what sorts */
	assert_string_equal(f->u->m.rows[0].name, "api-eu");
	assert_string_equal(f->u->m.rows[1].name, "web");

	/* never probed: PENDING, and nothing pretends otherwise */
	r = row_named(f, "api-eu");
	assert_int_equal(r->live, LIVE_PENDING);
	assert_string_equal(r->host, "api.eu.example");
	assert_string_equal(r->url, "https://api.eu.example:8443/health");
	assert_non_null(r->tags);
	assert_int_equal(r->tags->n, 2);
	assert_string_equal(r->tags->v[1], "api");
	assert_int_equal(r->fail_after, 3);
	assert_int_equal(r->interval_ms, 60000);
	assert_null(r->r);
	assert_null(r->v);
	assert_string_equal(r->reason, "");
	assert_string_equal(r->message, "");
	assert_int_equal(r->last_ms, 0);
	assert_int_equal(r->expiry_s, 0);
	assert_int_equal(r->spark_n, 0);
	assert_true(r->up24 < 0); /* unknown, not 0 % */

	/* a good probe, then a refused one (pointers are only valid until the next refresh) */
	feed_http(f, "api-eu", 200, 143000, 30, T0 - 60000);
	model_refresh(&f->u->m, T0);
	r = row_named(f, "api-eu");
	assert_int_equal(r->live, LIVE_UP);
	assert_int_equal(r->vstate, STATE_UP);
	assert_string_equal(r->reason, "ok");
	assert_non_null(r->r);
	assert_non_null(r->v);
	assert_int_equal(r->r->http_status, 200);
	assert_int_equal(r->r->t.us[PHASE_TOTAL], 143000);
	assert_int_equal(r->last_ms, T0 - 60000);
	assert_int_equal(r->expiry_s, T0 / 1000 + 30 * DAY_S);
	assert_true(r->up24 == 100.0);

	feed_refused(f, "api-eu", T0);
	model_refresh(&f->u->m, T0);
	r = row_named(f, "api-eu");
	assert_int_equal(r->live, LIVE_FAILING);
	assert_int_equal(r->vstate, STATE_DOWN);
	assert_int_equal(r->fails_in_row, 1);
	assert_string_equal(r->reason, "refused");
	assert_true(r->message[0] != '\0');
	assert_int_equal(r->last_ms, T0);
	assert_int_equal(r->expiry_s, 0); /* the last probe saw no certificate */
	assert_false(r->in_outage);
	/* without history the uptime is the live share of good probes */
	assert_true(r->up24 == 50.0);
	/* sparkline oldest first, a failure as -1 */
	assert_int_equal(r->spark_n, 2);
	assert_int_equal(r->spark_us[0], 143000);
	assert_int_equal(r->spark_us[1], -1);

	/* the other row did not move */
	assert_int_equal(row_named(f, "web")->live, LIVE_PENDING);
}

static void test_outage_shows_on_the_row(void **state)
{
	struct fx *f = *state;
	const struct row *r;

	start(f, "[api]\nurl = https://api.example/\n");
	feed_refused(f, "api", T0 - 60000);
	feed_refused(f, "api", T0);
	model_refresh(&f->u->m, T0);
	r = row_named(f, "api");
	assert_int_equal(r->live, LIVE_DOWN);
	assert_int_equal(r->fails_in_row, 2);
	assert_true(r->in_outage);
	/* the outage starts at the first failed probe of the confirming run */
	assert_int_equal(r->outage_start_ms, T0 - 60000 - 2);
}

static void test_refresh_says_when_something_changed(void **state)
{
	struct fx *f = *state;

	start(f, "[api]\nurl = https://api.example/\n[web]\nurl = https://www.example/\n");
	assert_true(model_refresh(&f->u->m, T0));
	/* nothing new: the loop may skip re-arranging and drawing */
	assert_false(model_refresh(&f->u->m, T0));
	assert_false(model_refresh(&f->u->m, T0 + 1000));

	feed_ok(f, "api", 40000, T0 + 1000);
	assert_true(model_refresh(&f->u->m, T0 + 1000));
	assert_false(model_refresh(&f->u->m, T0 + 2000));

	/* a new result with the same verdict still changes the row (its age) */
	feed_ok(f, "api", 40000, T0 + 2000);
	assert_true(model_refresh(&f->u->m, T0 + 2000));

	/* pausing changes the state without any result */
	app_toggle_pause(f->a, "web");
	assert_true(model_refresh(&f->u->m, T0 + 2000));
	assert_int_equal(row_named(f, "web")->live, LIVE_PAUSED);
	assert_false(model_refresh(&f->u->m, T0 + 3000));
}

static void test_reload_adds_and_drops_rows(void **state)
{
	struct fx *f = *state;
	char *path;

	start(f, "[api]\nurl = https://api.example/\n[old]\nurl = https://old.example/\n");
	feed_refused(f, "api", T0 - 60000);
	feed_refused(f, "api", T0);
	assert_true(settle(f));
	assert_string_equal(shown(f), "api old");

	/* same number of endpoints, one renamed: rows follow the names */
	path = tl_write_file(f->dir, "endpoints.ini",
			     "[api]\nurl = https://api.example/\n[new]\nurl = https://new.example/\n");
	free(path);
	assert_int_equal(app_reload(f->a), 0);
	assert_true(settle(f));
	assert_int_equal(f->u->m.n, 2);
	assert_string_equal(shown(f), "api new");
	/* the survivor keeps its state, the newcomer starts PENDING */
	assert_int_equal(row_named(f, "api")->live, LIVE_DOWN);
	assert_int_equal(row_named(f, "new")->live, LIVE_PENDING);

	/* one more endpoint */
	path = tl_write_file(f->dir, "endpoints.ini",
			     "[api]\nurl = https://api.example/\n[new]\nurl = https://new.example/\n"
			     "[added]\nurl = https://added.example/\n");
	free(path);
	assert_int_equal(app_reload(f->a), 0);
	assert_true(settle(f));
	assert_int_equal(f->u->m.n, 3);
	assert_string_equal(shown(f), "api added new");
}

/*
 * Keys handled between a reload and the next refresh read rows built from
 * the config the reload freed: every text a row shows must be the model's
 * own copy (under ASan a borrowed pointer is a heap-use-after-free).
 */
static void test_rows_outlive_the_config_they_were_built_from(void **state)
{
	struct fx *f = *state;
	const struct row *r;
	char *path;

	start(f, "[api-with-a-long-name]\nurl = https://api.example/v1?x=1\ntags = prod, api\n"
		 "[dropped-endpoint-name]\nurl = https://old.example/\n");
	feed_refused(f, "api-with-a-long-name", T0);
	feed_http(f, "dropped-endpoint-name", 200, 40000, 30, T0);
	assert_true(settle(f));
	assert_string_equal(arranged(f, SORT_NAME, "example"), "api-with-a-long-name dropped-endpoint-name");

	/* the survivor moves host and tags; the other endpoint goes away */
	path = tl_write_file(f->dir, "endpoints.ini",
			     "[api-with-a-long-name]\nurl = https://moved.example/v2\ntags = staging\n");
	free(path);
	assert_int_equal(app_reload(f->a), 0);

	/* no refresh yet: the rows still show what they showed, intact */
	r = row_named(f, "dropped-endpoint-name");
	assert_string_equal(r->host, "old.example");
	assert_string_equal(r->url, "https://old.example/");
	assert_string_equal(r->reason, "ok");
	assert_non_null(r->r);
	assert_string_equal(r->r->ip, "192.0.2.7");
	assert_string_equal(r->r->chain[0].subject, "CN=dropped-endpoint-name.example");
	assert_non_null(r->v);
	assert_true(r->message[0] != '\0');
	r = row_named(f, "api-with-a-long-name");
	assert_string_equal(r->host, "api.example");
	assert_string_equal(r->url, "https://api.example/v1?x=1");
	assert_int_equal(r->tags->n, 2);
	assert_string_equal(r->tags->v[0], "prod");
	assert_string_equal(r->reason, "refused");
	/* what a key does before the refresh: filter and sort read every row */
	assert_string_equal(arranged(f, SORT_NAME, "prod"), "api-with-a-long-name");
	assert_string_equal(arranged(f, SORT_STATE, "old.ex"), "dropped-endpoint-name");

	/* the refresh brings the new settings in and drops the row */
	assert_true(settle(f));
	assert_int_equal(f->u->m.n, 1);
	r = row_named(f, "api-with-a-long-name");
	assert_string_equal(r->host, "moved.example");
	assert_string_equal(r->url, "https://moved.example/v2");
	assert_int_equal(r->tags->n, 1);
	assert_string_equal(r->tags->v[0], "staging");
	assert_string_equal(r->reason, "refused"); /* the result survives the reload */
	assert_string_equal(arranged(f, SORT_NAME, "moved"), "api-with-a-long-name");
}

static void test_counts_cover_every_row(void **state)
{
	struct fx *f = *state;
	size_t counts[LIVE_PAUSED + 1], mc[LIVE_PAUSED + 1];

	start(f, states_ini);
	feed_states(f);
	model_refresh(&f->u->m, T0);
	model_arrange(&f->u->m, SORT_STATE, "zzz-no-such-endpoint");
	assert_int_equal(f->u->m.n_shown, 0);
	/* the header counts every endpoint, whatever the filter hides */
	model_counts(&f->u->m, counts);
	for (int l = LIVE_PENDING; l <= LIVE_PAUSED; l++)
		assert_int_equal(counts[l], 1);
	monitor_counts(f->mon, mc);
	assert_memory_equal(counts, mc, sizeof(counts));
}

/* ---- sorting ------------------------------------------------------------ */

static void test_default_sort_is_worst_first(void **state)
{
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	/* a fresh ui sorts by state: what the operator sees first */
	assert_int_equal(f->u->m.sort, SORT_STATE);
	assert_string_equal(sort_name(f->u->m.sort), "state");
	settle(f);
	assert_int_equal(f->u->m.n_shown, 6);
	/* never-probed ranks above healthy; paused, deliberately silenced, goes last */
	assert_string_equal(shown(f), "down failing warn pending up paused");
	/* the selection starts on the worst */
	assert_int_equal(f->u->m.sel, 0);
	assert_string_equal(model_selected(&f->u->m)->name, "down");
}

static void test_state_sort_follows_changes(void **state)
{
	struct fx *f = *state;

	start(f, "[a]\nurl = https://a.example/\n[b]\nurl = https://b.example/\n[c]\nurl = https://c.example/\n");
	feed_ok(f, "a", 40000, T0);
	feed_ok(f, "b", 40000, T0);
	feed_ok(f, "c", 40000, T0);
	settle(f);
	assert_string_equal(shown(f), "a b c");
	/* c starts failing: it moves up at the next pass */
	feed_refused(f, "c", T0 + 60000);
	assert_true(settle(f));
	assert_string_equal(shown(f), "c a b");
	feed_refused(f, "c", T0 + 120000);
	feed_http(f, "b", 200, 40000, 10, T0 + 120000);
	assert_true(settle(f));
	assert_string_equal(shown(f), "c b a");
	assert_int_equal(model_shown(&f->u->m, 0)->live, LIVE_DOWN);
	assert_int_equal(model_shown(&f->u->m, 1)->live, LIVE_WARN);
	/* recovered (recover_after = 1): back among the healthy, by name */
	feed_ok(f, "c", 40000, T0 + 180000);
	feed_ok(f, "b", 40000, T0 + 180000);
	assert_true(settle(f));
	assert_string_equal(shown(f), "a b c");
}

/* Equal keys fall back to the name, whatever the config order, and re-arranging never shuffles them. */
static void test_ties_are_stable_by_name(void **state)
{
	struct fx *f = *state;
	char first[1024];

	start(f, "[zeta]\nurl = https://zeta.example/\n[mu]\nurl = https://mu.example/\n"
		 "[kappa]\nurl = https://kappa.example/\n[eta]\nurl = https://eta.example/\n"
		 "[delta]\nurl = https://delta.example/\n[beta]\nurl = https://beta.example/\n"
		 "[alpha]\nurl = https://alpha.example/\n");
	/* two DOWN, three UP with the same latency, age and expiry, two PENDING */
	feed_refused(f, "zeta", T0 - 1000);
	feed_refused(f, "zeta", T0);
	feed_refused(f, "eta", T0 - 1000);
	feed_refused(f, "eta", T0);
	feed_ok(f, "mu", 40000, T0);
	feed_ok(f, "beta", 40000, T0);
	feed_ok(f, "delta", 40000, T0);
	model_refresh(&f->u->m, T0);

	assert_string_equal(arranged(f, SORT_STATE, ""), "eta zeta alpha kappa beta delta mu");
	/* latency, expiry, age: equal for the UP rows; the DOWN and PENDING rows have none / 0 */
	assert_string_equal(arranged(f, SORT_LATENCY, ""), "beta delta mu alpha eta kappa zeta");
	assert_string_equal(arranged(f, SORT_EXPIRY, ""), "beta delta mu alpha eta kappa zeta");
	assert_string_equal(arranged(f, SORT_AGE, ""), "alpha kappa beta delta eta mu zeta");

	/* the same inputs give the same order, every time and after any other key */
	snprintf(first, sizeof(first), "%s", arranged(f, SORT_STATE, ""));
	for (int i = 0; i < 20; i++) {
		arranged(f, (enum ui_sort)(i % SORT_COUNT), i % 3 ? "" : "a");
		assert_string_equal(arranged(f, SORT_STATE, ""), first);
	}
	/* a refresh with nothing new does not reorder either */
	assert_false(model_refresh(&f->u->m, T0 + 1000));
	assert_string_equal(arranged(f, SORT_STATE, ""), first);
}

/* The tie-break and the name sort are strcmp: byte order, upper case before lower case. */
static void test_name_order_is_byte_order(void **state)
{
	struct fx *f = *state;

	start(f, "[alpha]\nurl = https://a.example/\n[Zulu]\nurl = https://z.example/\n"
		 "[Bravo]\nurl = https://b.example/\n[api-2]\nurl = https://x.example/\n"
		 "[api-10]\nurl = https://y.example/\n");
	model_refresh(&f->u->m, T0);
	assert_string_equal(arranged(f, SORT_NAME, ""), "Bravo Zulu alpha api-10 api-2");
	assert_string_equal(arranged(f, SORT_STATE, ""), "Bravo Zulu alpha api-10 api-2");
}

static void test_sort_by_name_ignores_state(void **state)
{
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	model_refresh(&f->u->m, T0);
	assert_string_equal(sort_name(SORT_NAME), "name");
	assert_string_equal(arranged(f, SORT_NAME, ""), "down failing paused pending up warn");
}

static void test_sort_by_latency_slowest_first(void **state)
{
	struct fx *f = *state;

	start(f, "[fast]\nurl = https://fast.example/\n[slow]\nurl = https://slow.example/\n"
		 "[mid]\nurl = https://mid.example/\n[mid2]\nurl = https://mid2.example/\n"
		 "[err503]\nurl = https://err503.example/\n[refused]\nurl = https://refused.example/\n"
		 "[pending]\nurl = https://pending.example/\n[recovered]\nurl = https://recovered.example/\n");
	feed_ok(f, "fast", 12000, T0);
	feed_ok(f, "slow", 1240000, T0);
	feed_ok(f, "mid", 143000, T0);
	feed_ok(f, "mid2", 143000, T0);
	/* a DOWN verdict with a response: its time is a real latency */
	feed_http(f, "err503", 503, 300000, 60, T0);
	/* no response: the time is how long failing took, not a latency */
	feed_refused(f, "refused", T0);
	/* the row shows the last probe only */
	feed_refused(f, "recovered", T0 - 60000);
	feed_ok(f, "recovered", 5000, T0);
	model_refresh(&f->u->m, T0);
	assert_int_equal(row_named(f, "err503")->vstate, STATE_DOWN);

	assert_string_equal(sort_name(SORT_LATENCY), "latency");
	/* slowest first, equal times by name, no latency last (by name) */
	assert_string_equal(arranged(f, SORT_LATENCY, ""), "slow err503 mid mid2 fast recovered pending refused");
}

static void test_sort_by_expiry_soonest_first(void **state)
{
	struct fx *f = *state;

	start(f, "[later]\nurl = https://later.example/\n[soon]\nurl = https://soon.example/\n"
		 "[expired]\nurl = https://expired.example/\n[mid]\nurl = https://mid.example/\n"
		 "[nocert]\nurl = https://nocert.example/\n[pending]\nurl = https://pending.example/\n"
		 "[mid-b]\nurl = https://mid-b.example/\n");
	feed_http(f, "later", 200, 40000, 300, T0);
	feed_http(f, "soon", 200, 40000, 10, T0);
	feed_http(f, "expired", 200, 40000, -3, T0);
	feed_http(f, "mid", 200, 40000, 60, T0);
	feed_http(f, "mid-b", 200, 40000, 60, T0);
	feed_refused(f, "nocert", T0);
	model_refresh(&f->u->m, T0);
	assert_int_equal(row_named(f, "expired")->vstate, STATE_DOWN);
	assert_int_equal(row_named(f, "soon")->live, LIVE_WARN);

	assert_string_equal(sort_name(SORT_EXPIRY), "cert expiry");
	/* soonest first (an expired one before all), equal dates by name, no certificate last */
	assert_string_equal(arranged(f, SORT_EXPIRY, ""), "expired soon mid mid-b later nocert pending");
}

static void test_sort_by_age_stalest_first(void **state)
{
	struct fx *f = *state;

	start(f, "[fresh]\nurl = https://fresh.example/\n[stale]\nurl = https://stale.example/\n"
		 "[middle]\nurl = https://middle.example/\n[failed]\nurl = https://failed.example/\n"
		 "[pending]\nurl = https://pending.example/\n");
	feed_ok(f, "fresh", 40000, T0);
	feed_ok(f, "stale", 40000, T0 - 600000);
	feed_ok(f, "middle", 40000, T0 - 60000);
	/* a failed probe is a probe: its age counts like any other */
	feed_refused(f, "failed", T0 - 120000);
	model_refresh(&f->u->m, T0);

	assert_string_equal(sort_name(SORT_AGE), "age");
	/* stalest first; never probed (last_ms 0) counts as the stalest of all */
	assert_string_equal(arranged(f, SORT_AGE, ""), "pending stale failed middle fresh");
}

/*
 * Certificate colours follow the endpoint's own thresholds, as its verdict
 * does: with cert_warn_days = 30 and cert_crit_days = 10, a certificate
 * with 25 days left is WARN (the dashboard once hard-coded 21 and 7 and
 * showed it plain), 9 days is DOWN, and each threshold holds exactly at its
 * boundary day. An endpoint without the keys keeps the defaults, 21 and 7.
 */
static void test_cert_colour_by_the_endpoint_thresholds(void **state)
{
	struct fx *f = *state;
	const int64_t now_s = T0 / 1000;
	const struct row *r, *d;

	start(f, "[own]\nurl = https://own.example/\ncert_warn_days = 30\ncert_crit_days = 10\n"
		 "[plain]\nurl = https://plain.example/\n");
	feed_http(f, "own", 200, 40000, 25, T0);
	feed_http(f, "plain", 200, 40000, 25, T0);
	model_refresh(&f->u->m, T0);
	r = row_named(f, "own");
	d = row_named(f, "plain");
	assert_int_equal(r->cert_warn_days, 30);
	assert_int_equal(r->cert_crit_days, 10);
	assert_int_equal(d->cert_warn_days, 21);
	assert_int_equal(d->cert_crit_days, 7);
	/* the row's own certificate: WARN by its thresholds, as its verdict says */
	assert_int_equal(r->vstate, STATE_WARN);
	assert_int_equal(model_cert_state(r, r->expiry_s, now_s), STATE_WARN);
	assert_int_equal(d->vstate, STATE_UP);
	assert_int_equal(model_cert_state(d, d->expiry_s, now_s), STATE_UP);
	/* each boundary day, and one either side */
	assert_int_equal(model_cert_state(r, now_s + 31 * DAY_S, now_s), STATE_UP);
	assert_int_equal(model_cert_state(r, now_s + 30 * DAY_S, now_s), STATE_UP);
	assert_int_equal(model_cert_state(r, now_s + 30 * DAY_S - 1, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(r, now_s + 29 * DAY_S, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(r, now_s + 11 * DAY_S, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(r, now_s + 10 * DAY_S, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(r, now_s + 10 * DAY_S - 1, now_s), STATE_DOWN);
	assert_int_equal(model_cert_state(r, now_s + 9 * DAY_S, now_s), STATE_DOWN);
	assert_int_equal(model_cert_state(r, now_s - 1, now_s), STATE_DOWN);
	assert_int_equal(model_cert_state(d, now_s + 21 * DAY_S, now_s), STATE_UP);
	assert_int_equal(model_cert_state(d, now_s + 20 * DAY_S, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(d, now_s + 7 * DAY_S, now_s), STATE_WARN);
	assert_int_equal(model_cert_state(d, now_s + 6 * DAY_S, now_s), STATE_DOWN);
}

static void test_s_cycles_every_sort(void **state)
{
	static const char *const expect[SORT_CYCLE] = {
		[SORT_STATE] = "down failing warn pending up paused",
		[SORT_NAME] = "down failing paused pending up warn",
		/* up/paused/warn: 40 ms each, by name; failing/down/pending: none */
		[SORT_LATENCY] = "paused up warn down failing pending",
		/* warn: 10 days; paused/up: 60 days; the rest have no certificate */
		[SORT_EXPIRY] = "warn paused up down failing pending",
		/* pending never; the others finished at T0 - 5000 */
		[SORT_AGE] = "pending down failing paused up warn",
	};
	static const char *const names[SORT_CYCLE] = { "state", "name", "latency", "cert expiry", "age" };
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	settle(f);
	assert_string_equal(shown(f), expect[SORT_STATE]);
	/* select "up" as the operator would, then cycle */
	assert_true(model_select(&f->u->m, model_find(&f->u->m, "up")));
	for (int k = 1; k <= SORT_CYCLE; k++) {
		enum ui_sort s = (enum ui_sort)(k % SORT_CYCLE);
		unsigned rc = view_list_key(f->u, 's');

		assert_true(rc & UI_HANDLED);
		assert_true(rc & UI_REDRAW);
		assert_int_equal(f->u->m.sort, s);
		assert_string_equal(sort_name(s), names[s]);
		assert_string_equal(shown(f), expect[s]);
		/* the footer says which key is on */
		assert_non_null(strstr(f->u->status, names[s]));
		/* the selection stays on its endpoint wherever it moved */
		assert_int_equal(f->u->m.sel, model_find(&f->u->m, "up"));
		assert_string_equal(model_selected(&f->u->m)->name, "up");
		assert_int_equal(f->u->m.n_shown, 6);
	}
	assert_string_equal(sort_name(SORT_COUNT), "?");
}

/* ---- filtering ---------------------------------------------------------- */

static const char filter_ini[] =
	"[api-eu]\nurl = https://api.eu.example/health\ntags = prod, api\n"
	"[Billing]\nurl = https://pay.internal.example/\ntags = prod, payments\n"
	"[web]\nurl = https://www.example/\ntags = Beta\n"
	"[db]\nurl = https://db.Internal.example:8443/ping\n";

static void test_filter_matches_name_host_or_tag(void **state)
{
	struct fx *f = *state;

	start(f, filter_ini);
	settle(f);
	/* all PENDING: by name */
	assert_string_equal(shown(f), "Billing api-eu db web");

	/* name, any case, anywhere in it */
	assert_string_equal(arranged(f, SORT_STATE, "api"), "api-eu");
	assert_string_equal(arranged(f, SORT_STATE, "BILL"), "Billing");
	assert_string_equal(arranged(f, SORT_STATE, "lin"), "Billing");
	/* host: db's host is db.Internal.example, Billing's pay.internal.example */
	assert_string_equal(arranged(f, SORT_STATE, "internal"), "Billing db");
	assert_string_equal(arranged(f, SORT_STATE, "eu.exa"), "api-eu");
	/* tag, any case */
	assert_string_equal(arranged(f, SORT_STATE, "PAYMENTS"), "Billing");
	assert_string_equal(arranged(f, SORT_STATE, "prod"), "Billing api-eu");
	assert_string_equal(arranged(f, SORT_STATE, "beta"), "web");
	/* one character matches broadly */
	assert_string_equal(arranged(f, SORT_STATE, "e"), "Billing api-eu db web");
	/* the rest of the URL (scheme, port, path) is not searched */
	assert_string_equal(arranged(f, SORT_STATE, "health"), "");
	assert_string_equal(arranged(f, SORT_STATE, "8443"), "");
	assert_string_equal(arranged(f, SORT_STATE, "https"), "");
	/* a substring, not a pattern or a list */
	assert_string_equal(arranged(f, SORT_STATE, "api web"), "");
	assert_string_equal(arranged(f, SORT_STATE, "a*"), "");
}

static void test_empty_filter_shows_all(void **state)
{
	struct fx *f = *state;

	start(f, filter_ini);
	model_refresh(&f->u->m, T0);
	assert_string_equal(arranged(f, SORT_NAME, ""), "Billing api-eu db web");
	assert_int_equal(f->u->m.n_shown, 4);
	assert_string_equal(arranged(f, SORT_NAME, NULL), "Billing api-eu db web");
	assert_int_equal(f->u->m.n_shown, 4);
	/* narrowing, then clearing, brings every row back */
	assert_string_equal(arranged(f, SORT_NAME, "web"), "web");
	assert_string_equal(arranged(f, SORT_NAME, ""), "Billing api-eu db web");
}

static void test_filter_without_match_shows_none(void **state)
{
	struct fx *f = *state;

	start(f, filter_ini);
	model_refresh(&f->u->m, T0);
	assert_string_equal(arranged(f, SORT_STATE, "nothing-like-this"), "");
	assert_int_equal(f->u->m.n_shown, 0);
	assert_null(model_shown(&f->u->m, 0));
	assert_int_equal(model_find(&f->u->m, "web"), -1);
	/* the rows are still there, only hidden */
	assert_int_equal(f->u->m.n, 4);
}

static void test_filter_keeps_the_sort(void **state)
{
	struct fx *f = *state;

	start(f, "[api-a]\nurl = https://a.example/\ntags = prod\n[api-b]\nurl = https://b.example/\ntags = prod\n"
		 "[api-c]\nurl = https://c.example/\ntags = prod\n[web]\nurl = https://w.example/\ntags = prod\n");
	feed_ok(f, "api-a", 300000, T0);
	feed_ok(f, "api-b", 20000, T0);
	feed_refused(f, "api-c", T0);
	feed_ok(f, "web", 900000, T0);
	model_refresh(&f->u->m, T0);
	assert_string_equal(arranged(f, SORT_STATE, "api"), "api-c api-a api-b");
	assert_string_equal(arranged(f, SORT_LATENCY, "api"), "api-a api-b api-c");
	assert_string_equal(arranged(f, SORT_LATENCY, "prod"), "web api-a api-b api-c");
	assert_string_equal(arranged(f, SORT_NAME, "API-"), "api-a api-b api-c");
}

/* `/`, typing, Backspace, Enter and Esc as the list screen handles them. */
static void test_filter_keys(void **state)
{
	struct fx *f = *state;

	start(f, filter_ini);
	settle(f);
	assert_true(view_list_key(f->u, '/') & UI_REDRAW);
	assert_true(view_list_editing());
	/* filtering is live while typing */
	view_list_key(f->u, 'I');
	assert_string_equal(shown(f), "Billing api-eu db"); /* "i" in Billing, api-eu, internal */
	view_list_key(f->u, 'n');
	assert_string_equal(shown(f), "Billing db");
	view_list_key(f->u, 'x');
	assert_string_equal(shown(f), "");
	assert_null(model_selected(&f->u->m));
	view_list_key(f->u, 127); /* Backspace */
	assert_string_equal(f->u->m.filter, "In");
	assert_string_equal(shown(f), "Billing db");
	assert_non_null(model_selected(&f->u->m));
	/* Enter keeps the filter */
	view_list_key(f->u, '\r');
	assert_false(view_list_editing());
	assert_string_equal(f->u->m.filter, "In");
	assert_string_equal(shown(f), "Billing db");
	/* a new result re-arranges with the filter still on */
	feed_refused(f, "db", T0);
	settle(f);
	assert_string_equal(shown(f), "db Billing");
	/* Esc clears it */
	view_list_key(f->u, 27);
	assert_string_equal(f->u->m.filter, "");
	assert_string_equal(shown(f), "db Billing api-eu web");
}

/* ---- the selection and the shown rows ----------------------------------- */

static void test_find_and_shown_agree(void **state)
{
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	model_refresh(&f->u->m, T0);
	for (int s = 0; s < SORT_COUNT; s++) {
		static const char *const filters[] = { "", "a", "ing", "zzz" };

		for (size_t k = 0; k < sizeof(filters) / sizeof(filters[0]); k++) {
			size_t seen = 0;

			model_arrange(&f->u->m, (enum ui_sort)s, filters[k]);
			assert_true(f->u->m.n_shown <= f->u->m.n);
			for (size_t i = 0; i < f->u->m.n_shown; i++) {
				const struct row *r = model_shown(&f->u->m, i);

				assert_non_null(r);
				assert_int_equal(model_find(&f->u->m, r->name), (long)i);
				/* shown rows match the filter (no tags here: name or host) */
				assert_true(strcasestr(r->name, filters[k]) || strcasestr(r->host, filters[k]));
				seen++;
			}
			assert_null(model_shown(&f->u->m, f->u->m.n_shown));
			assert_null(model_shown(&f->u->m, f->u->m.n_shown + 100));
			/* every row that matches is shown */
			for (size_t i = 0; i < f->u->m.n; i++) {
				const struct row *r = &f->u->m.rows[i];

				if (strcasestr(r->name, filters[k]) || strcasestr(r->host, filters[k]))
					assert_true(model_find(&f->u->m, r->name) >= 0);
				else
					assert_int_equal(model_find(&f->u->m, r->name), -1);
			}
			assert_int_equal(seen, f->u->m.n_shown);
		}
	}
	assert_int_equal(model_find(&f->u->m, "no-such-endpoint"), -1);
}

static void test_selection_follows_the_endpoint(void **state)
{
	struct fx *f = *state;
	struct ui *u;

	start(f, states_ini);
	feed_states(f);
	settle(f);
	u = f->u;
	/* select "paused" (last by state) and re-sort: the selection moves with it */
	assert_true(model_select(&u->m, model_find(&u->m, "paused")));
	assert_int_equal(u->m.sel, 5);
	model_set_sort(&u->m, SORT_NAME, false);
	assert_int_equal(u->m.sel, 2);
	assert_string_equal(model_selected(&u->m)->name, "paused");

	/* a result moves "up" above it: still on "paused" */
	model_set_sort(&u->m, SORT_STATE, false);
	assert_int_equal(u->m.sel, 5);
	feed_refused(f, "up", T0);
	assert_true(settle(f));
	assert_string_equal(shown(f), "down failing up warn pending paused");
	assert_string_equal(model_selected(&u->m)->name, "paused");
	assert_int_equal(u->m.sel, 5);

	/* a filter that hides it: the selection stays within the shown rows */
	snprintf(u->m.filter, sizeof(u->m.filter), "ing");
	settle(f);
	assert_string_equal(shown(f), "failing pending");
	assert_true(u->m.sel >= 0 && u->m.sel < (long)u->m.n_shown);
	assert_int_equal(model_find(&u->m, u->m.sel_name), u->m.sel);
	assert_string_equal(model_selected(&u->m)->name, u->m.sel_name);

	/* nothing shown: nothing selected */
	snprintf(u->m.sel_name, sizeof(u->m.sel_name), "pending");
	snprintf(u->m.filter, sizeof(u->m.filter), "zzz");
	settle(f);
	assert_int_equal(u->m.n_shown, 0);
	assert_null(model_selected(&u->m));
	/* clearing the filter finds the endpoint that was selected */
	u->m.filter[0] = '\0';
	settle(f);
	assert_string_equal(model_selected(&u->m)->name, "pending");
	assert_int_equal(u->m.sel, model_find(&u->m, "pending"));
}

/* ---- the cursor while results re-sort (issue 10, point 5) ---------------- */

/* "alpha" is first by name while every row is PENDING; a result puts "zulu" (DOWN) first. */
static const char cursor_ini[] =
	"[defaults]\ninterval = 60s\n"
	"[alpha]\nurl = https://alpha.example/\n[bravo]\nurl = https://bravo.example/\n"
	"[charlie]\nurl = https://charlie.example/\n[zulu]\nurl = https://zulu.example/\n";

static void test_cursor_starts_on_the_first_row(void **state)
{
	struct fx *f = *state;

	start(f, cursor_ini);
	settle(f);
	assert_string_equal(shown(f), "alpha bravo charlie zulu");
	assert_int_equal(f->u->m.sel, 0);
	/* the first round: the worst comes first and the cursor is on it, not on alpha in the UP block */
	feed_ok(f, "alpha", 30000, T0);
	feed_ok(f, "bravo", 30000, T0);
	feed_ok(f, "charlie", 30000, T0);
	feed_refused(f, "zulu", T0);
	settle(f);
	assert_string_equal(shown(f), "zulu alpha bravo charlie");
	assert_int_equal(f->u->m.sel, 0);
	assert_string_equal(model_selected(&f->u->m)->name, "zulu");
	/* whatever comes first next */
	feed_refused(f, "charlie", T0 + 1000);
	feed_ok(f, "zulu", 30000, T0 + 1000);
	settle(f);
	assert_string_equal(shown(f), "charlie alpha bravo zulu");
	assert_string_equal(model_selected(&f->u->m)->name, "charlie");
	/* once moved, the cursor is on an endpoint; g puts it back on the first row */
	assert_true(view_list_key(f->u, 'j') & UI_REDRAW);
	assert_string_equal(model_selected(&f->u->m)->name, "alpha");
	view_list_key(f->u, 'g');
	feed_refused(f, "bravo", T0 + 2000);
	feed_refused(f, "bravo", T0 + 3000);
	settle(f);
	assert_string_equal(shown(f), "bravo charlie alpha zulu");
	assert_int_equal(f->u->m.sel, 0);
	assert_string_equal(model_selected(&f->u->m)->name, "bravo");
}

static void test_cursor_row_keeps_its_place(void **state)
{
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	settle(f);
	assert_string_equal(shown(f), "down failing warn pending up paused");
	/* the operator puts the cursor on "warn" (row 2), which then recovers */
	view_list_key(f->u, 'j');
	view_list_key(f->u, 'j');
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	feed_ok(f, "warn", 40000, T0);
	settle(f);
	/* it stays under the cursor showing UP; it did not move into the UP block, nor the view with it */
	assert_int_equal(row_named(f, "warn")->live, LIVE_UP);
	assert_int_equal(f->u->m.sel, 2);
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	assert_string_equal(shown(f), "down failing warn pending up paused");
	/* a new problem above it: the rows around it move, it does not */
	feed_refused(f, "up", T0);
	settle(f);
	assert_string_equal(shown(f), "down failing warn up pending paused");
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	/* the cursor leaves it: at the next refresh it takes its sorted place */
	view_list_key(f->u, 'k');
	assert_string_equal(model_selected(&f->u->m)->name, "failing");
	settle(f);
	assert_string_equal(shown(f), "down failing up pending warn paused");
	assert_string_equal(model_selected(&f->u->m)->name, "failing");
	/* a sort the operator asks for moves the cursor with its endpoint */
	view_list_key(f->u, 's');
	assert_string_equal(shown(f), "down failing paused pending up warn");
	assert_string_equal(model_selected(&f->u->m)->name, "failing");
	assert_int_equal(f->u->m.sel, 1);
}

/* ---- S, n/N, F and the column keys (issue 10, point 7) -------------------- */

static void test_S_reverses_and_rows_without_value_stay_last(void **state)
{
	struct fx *f = *state;

	start(f, states_ini);
	feed_states(f);
	settle(f);
	view_list_key(f->u, 's'); /* name */
	view_list_key(f->u, 's'); /* latency */
	assert_int_equal(f->u->m.sort, SORT_LATENCY);
	assert_string_equal(shown(f), "paused up warn down failing pending");
	assert_true(view_list_key(f->u, 'S') & UI_REDRAW);
	assert_true(f->u->m.sort_rev);
	assert_non_null(strstr(f->u->status, "latency, reversed"));
	/* fastest first now (ties still by name), no response still last */
	feed_ok(f, "up", 10000, T0);
	settle(f);
	model_reorder(&f->u->m);
	assert_string_equal(shown(f), "up paused warn down failing pending");
	view_list_key(f->u, 'S');
	assert_false(f->u->m.sort_rev);
	assert_string_equal(shown(f), "paused warn up down failing pending");
	/* s goes on to the next key in its own direction */
	view_list_key(f->u, 'S');
	view_list_key(f->u, 's');
	assert_int_equal(f->u->m.sort, SORT_EXPIRY);
	assert_false(f->u->m.sort_rev);
}

static void test_sort_by_every_column(void **state)
{
	struct fx *f = *state;

	start(f, "[defaults]\ninterval = 60s\n"
		 "[a]\nurl = https://zz.example/\ntags = web\n"
		 "[b]\nurl = https://aa.example/\ntags = api, prod\n"
		 "[c]\nurl = https://mm.example/\n");
	feed_http(f, "a", 200, 90000, 60, T0);
	feed_refused(f, "b", T0 - 1000);
	feed_http(f, "b", 200, 20000, 10, T0);
	feed_http(f, "c", 503, 50000, 30, T0);
	settle(f);
	model_set_sort(&f->u->m, SORT_HOST, false);
	assert_string_equal(shown(f), "b c a");
	/* handshake: a fifth of the total, slowest first */
	model_set_sort(&f->u->m, SORT_TLS_HS, false);
	assert_string_equal(shown(f), "a c b");
	/* recent failures: b and c have one (ties by name), a none */
	model_set_sort(&f->u->m, SORT_RECENT, false);
	assert_string_equal(shown(f), "b c a");
	model_set_sort(&f->u->m, SORT_REASON, false);
	/* b's certificate has 10 days left: cert_expiring < http_status < ok */
	assert_string_equal(shown(f), "b c a");
	/* tags: no tags last in either direction */
	model_set_sort(&f->u->m, SORT_TAGS, false);
	assert_string_equal(shown(f), "b a c");
	model_set_sort(&f->u->m, SORT_TAGS, true);
	assert_string_equal(shown(f), "a b c");
	/* uptime without history: unknown for all, so by name */
	model_set_sort(&f->u->m, SORT_UPTIME, false);
	assert_int_equal(f->u->m.n_shown, 3);
	for (int s = 0; s < SORT_COUNT; s++)
		assert_string_not_equal(sort_name((enum ui_sort)s), "?");
}

static void test_n_jumps_to_the_next_problem(void **state)
{
	struct fx *f = *state;
	bool wrapped;

	start(f, states_ini);
	feed_states(f);
	settle(f);
	/* down failing warn pending up paused; the cursor on the first row */
	assert_int_equal(model_next_problem(&f->u->m, 1, &wrapped), 1);
	assert_false(wrapped);
	view_list_key(f->u, 'n');
	view_list_key(f->u, 'n');
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	/* past the last problem: round to the first, and say so */
	view_list_key(f->u, 'n');
	assert_string_equal(model_selected(&f->u->m)->name, "down");
	assert_non_null(strstr(f->u->status, "from the top"));
	view_list_key(f->u, 'N');
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	view_list_key(f->u, 'N');
	assert_string_equal(model_selected(&f->u->m)->name, "failing");
	/* from a healthy row, N finds the one above it */
	view_list_key(f->u, 'G');
	view_list_key(f->u, 'N');
	assert_string_equal(model_selected(&f->u->m)->name, "warn");
	/* none: the cursor stays, a notice says so */
	view_list_key(f->u, '/');
	view_list_key(f->u, 'u');
	view_list_key(f->u, 'p');
	view_list_key(f->u, '\r');
	assert_string_equal(shown(f), "up");
	assert_int_equal(model_next_problem(&f->u->m, 1, &wrapped), -1);
	view_list_key(f->u, 'n');
	assert_string_equal(model_selected(&f->u->m)->name, "up");
	assert_non_null(strstr(f->u->status, "no endpoint is DOWN"));
}

static void test_F_freezes_the_order(void **state)
{
	struct fx *f = *state;
	char *path;

	start(f, cursor_ini);
	feed_ok(f, "alpha", 30000, T0);
	feed_ok(f, "bravo", 30000, T0);
	feed_ok(f, "charlie", 30000, T0);
	feed_refused(f, "zulu", T0);
	settle(f);
	assert_string_equal(shown(f), "zulu alpha bravo charlie");
	assert_true(view_list_key(f->u, 'F') & UI_REDRAW);
	assert_true(f->u->m.frozen);
	/* results that would re-sort do not move anything */
	feed_refused(f, "charlie", T0 + 1000);
	feed_ok(f, "zulu", 30000, T0 + 1000);
	settle(f);
	assert_string_equal(shown(f), "zulu alpha bravo charlie");
	assert_int_equal(row_named(f, "charlie")->live, LIVE_FAILING);
	/* a new endpoint goes last */
	path = tl_write_file(f->dir, "endpoints.ini", "[defaults]\ninterval = 60s\n[alpha]\nurl = https://alpha.example/\n"
			     "[bravo]\nurl = https://bravo.example/\n[charlie]\nurl = https://charlie.example/\n"
			     "[zulu]\nurl = https://zulu.example/\n[aaa]\nurl = https://aaa.example/\n");
	free(path);
	assert_int_equal(app_reload(f->a), 0);
	settle(f);
	assert_string_equal(shown(f), "zulu alpha bravo charlie aaa");
	/* a filter narrows the frozen order */
	view_list_key(f->u, '/');
	view_list_key(f->u, 'r');
	view_list_key(f->u, '\r');
	assert_string_equal(shown(f), "bravo charlie");
	view_list_key(f->u, 27);
	/* a new sort takes the order again, frozen in that sort */
	view_list_key(f->u, 's');
	assert_string_equal(shown(f), "aaa alpha bravo charlie zulu");
	assert_true(f->u->m.frozen);
	feed_refused(f, "zulu", T0 + 2000);
	view_list_key(f->u, 'S');
	assert_string_equal(shown(f), "zulu charlie bravo alpha aaa");
	/* F again: the live order */
	view_list_key(f->u, 'S');
	view_list_key(f->u, 's'); /* latency */
	view_list_key(f->u, 's');
	view_list_key(f->u, 's');
	view_list_key(f->u, 's'); /* state */
	view_list_key(f->u, 'F');
	assert_false(f->u->m.frozen);
	settle(f);
	assert_string_equal(shown(f), "charlie zulu aaa alpha bravo");
}

/* ---- the kept notices (issue 10, point 9) --------------------------------- */

static void test_notices_keep_the_last_500(void **state)
{
	struct fx *f = *state;
	char t[32];

	assert_int_equal(f->u->notes_n, 0);
	assert_null(ui_note_at(f->u, 0));
	/* up to the limit nothing goes; one past it, the oldest goes; then each new one pushes one out */
	for (int i = 0; i < UI_NOTES + 37; i++) {
		snprintf(t, sizeof(t), "notice %d", i);
		ui_note(f->u, i % 2 ? NOTE_DOWN : NOTE_RELOAD, T0 + i, t);
		assert_int_equal(f->u->notes_n, i < UI_NOTES ? (size_t)i + 1 : UI_NOTES);
		if (i == UI_NOTES - 1)
			assert_string_equal(ui_note_at(f->u, 0)->text, "notice 0");
		if (i == UI_NOTES)
			assert_string_equal(ui_note_at(f->u, 0)->text, "notice 1");
	}
	assert_int_equal(f->u->notes_seq, UI_NOTES + 37);
	assert_string_equal(ui_note_at(f->u, 0)->text, "notice 37");
	assert_int_equal(ui_note_at(f->u, 0)->t_ms, T0 + 37);
	assert_string_equal(ui_note_at(f->u, UI_NOTES - 1)->text, "notice 536");
	assert_int_equal(ui_note_at(f->u, UI_NOTES - 1)->kind, NOTE_RELOAD);
	assert_null(ui_note_at(f->u, UI_NOTES));
	/* a notice of several lines is kept whole */
	ui_note(f->u, NOTE_PROBLEM, T0, "config refused, old one kept: 2 errors:\nf:1: one\nf:2: two");
	assert_string_equal(ui_note_at(f->u, UI_NOTES - 1)->text, "config refused, old one kept: 2 errors:\nf:1: one\nf:2: two");
	ui_notes_free(f->u);
	assert_int_equal(f->u->notes_n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_mirror_the_monitor, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outage_shows_on_the_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh_says_when_something_changed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_adds_and_drops_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_starts_on_the_first_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cursor_row_keeps_its_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_S_reverses_and_rows_without_value_stay_last, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_by_every_column, setup, teardown),
		cmocka_unit_test_setup_teardown(test_n_jumps_to_the_next_problem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_F_freezes_the_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notices_keep_the_last_500, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rows_outlive_the_config_they_were_built_from, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_cover_every_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_sort_is_worst_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state_sort_follows_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ties_are_stable_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_order_is_byte_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_by_name_ignores_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_by_latency_slowest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_by_expiry_soonest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sort_by_age_stalest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cert_colour_by_the_endpoint_thresholds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s_cycles_every_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_matches_name_host_or_tag, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_filter_shows_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_without_match_shows_none, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_keeps_the_sort, setup, teardown),
		cmocka_unit_test_setup_teardown(test_filter_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_find_and_shown_agree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_selection_follows_the_endpoint, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
