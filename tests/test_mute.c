/*
 * test_mute: the mutes the alert engine asks about (mute.c, store_mute.c):
 * durations at their bounds, a mute written by a second connection
 * (STORE_CONTROL, as `httpsmon mute` does) seen by the collector's poll,
 * expiry exactly at until_ms, until-UP mutes ended by the outage's end
 * only, and mutes_hold's answer and why for mutes and maintenance windows.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/mute.h"
#include "httpsmon/util.h"
#include "testlib.h"

#define T0 1796184600000LL /* 2026-12-02T04:10:00Z, a Wednesday, ms */
#define H  3600000LL

static void test_parse_bounds(void **state)
{
	int64_t until;
	char err[256];

	(void)state;
	assert_int_equal(mute_parse("1h", T0, &until, err, sizeof(err)), 0);
	assert_int_equal(until, T0 + H);
	assert_int_equal(mute_parse("4h", T0, &until, err, sizeof(err)), 0);
	assert_int_equal(until, T0 + 4 * H);
	assert_int_equal(mute_parse("24h", T0, &until, err, sizeof(err)), 0);
	assert_int_equal(until, T0 + 24 * H);
	assert_int_equal(mute_parse("until-up", T0, &until, err, sizeof(err)), 0);
	assert_int_equal(until, 0);
	assert_int_equal(mute_parse("1m", T0, &until, err, sizeof(err)), 0);   /* the least */
	assert_int_equal(mute_parse("59s", T0, &until, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "bad mute duration '59s'"));
	assert_int_equal(mute_parse("30d", T0, &until, err, sizeof(err)), 0);  /* the most */
	assert_int_equal(mute_parse("31d", T0, &until, err, sizeof(err)), -1);
	assert_int_equal(mute_parse("forever", T0, &until, err, sizeof(err)), -1);
	assert_int_equal(mute_parse(NULL, T0, &until, err, sizeof(err)), -1);
}

static void test_control_writes_collector_sees(void **state)
{
	char *dir = tl_mkdtemp(), *db = xasprintf("%s/h.db", dir), err[512], why[256];
	struct store *col, *ctl;
	struct mutes *m = mutes_new();
	const struct mute_row *r;
	bool found;

	(void)state;
	ctl = store_open(db, STORE_CONTROL, err, sizeof(err));
	assert_null(ctl); /* no collector made the file yet */
	assert_non_null(strstr(err, "no history at"));
	col = store_open(db, STORE_COLLECTOR, err, sizeof(err));
	assert_non_null(col);
	assert_true(mutes_poll(m, col, T0));   /* the first poll loads */
	assert_false(mutes_poll(m, col, T0));  /* nothing changed since */
	ctl = store_open(db, STORE_CONTROL, err, sizeof(err));
	assert_non_null(ctl);
	assert_int_equal(store_mute_set(ctl, "api", T0, T0 + H, "deploy", err, sizeof(err)), 0);
	assert_int_equal(store_mute_set(ctl, "web", T0, 0, NULL, err, sizeof(err)), 0);
	assert_true(mutes_poll(m, col, T0));
	r = mutes_find(m, "api", T0);
	assert_non_null(r);
	assert_int_equal(r->since_ms, T0);
	assert_int_equal(r->until_ms, T0 + H);
	assert_string_equal(r->reason, "deploy");
	/* in force until one ms before its end; not at it */
	assert_non_null(mutes_find(m, "api", T0 + H - 1));
	assert_null(mutes_find(m, "api", T0 + H));
	assert_int_equal(mutes_hold(m, "api", NULL, 0, NULL, T0 + H - 1, why, sizeof(why)), HOLD_MUTED);
	assert_string_equal(why, "muted until 2026-12-02T05:10:00Z: deploy");
	assert_int_equal(mutes_hold(m, "api", NULL, 0, NULL, T0 + H, why, sizeof(why)), HOLD_NONE);
	assert_string_equal(why, "");
	assert_int_equal(mutes_hold(m, "web", NULL, 0, NULL, T0 + 100 * H, why, sizeof(why)), HOLD_MUTED);
	assert_string_equal(why, "muted until UP");
	assert_null(mutes_find(m, "nosuch", T0));
	/* an outage's end ends an until-UP mute, not a timed one */
	mutes_endpoint_up(m, col, "api", T0 + 1);
	mutes_endpoint_up(m, col, "web", T0 + 1);
	assert_non_null(mutes_find(m, "api", T0 + 1));
	assert_null(mutes_find(m, "web", T0 + 1));
	/* unmute from the other connection */
	assert_int_equal(store_mute_clear(ctl, "api", &found, err, sizeof(err)), 0);
	assert_true(found);
	assert_int_equal(store_mute_clear(ctl, "api", &found, err, sizeof(err)), 0);
	assert_false(found);
	assert_true(mutes_poll(m, col, T0 + 2));
	assert_null(mutes_find(m, "api", T0 + 2));
	store_close(ctl);
	store_close(col);
	mutes_free(m);
	tl_rmrf(dir);
	free(db);
	free(dir);
}

static void test_hold_maintenance(void **state)
{
	struct maint_window w[2];
	struct mutes *m = mutes_new();
	char err[256], why[256];

	(void)state;
	assert_int_equal(maint_parse("Wed 04:00-05:00", &w[0], err, sizeof(err)), 0);
	assert_int_equal(maint_parse("daily 23:30-00:30", &w[1], err, sizeof(err)), 0);
	/* T0 is Wednesday 04:10 UTC */
	assert_int_equal(mutes_hold(m, "api", w, 2, NULL, T0, why, sizeof(why)), HOLD_MAINTENANCE);
	assert_string_equal(why, "maintenance Wed 04:00-05:00 (UTC)");
	assert_int_equal(mutes_hold(m, "api", w, 2, NULL, T0 + H, why, sizeof(why)), HOLD_NONE);
	/* the same instant is 05:10 in Berlin: outside */
	assert_int_equal(mutes_hold(m, "api", w, 2, "Europe/Berlin", T0, why, sizeof(why)), HOLD_NONE);
	assert_int_equal(mutes_hold(m, "api", w, 2, "Europe/Berlin", T0 - H, why, sizeof(why)), HOLD_MAINTENANCE);
	assert_string_equal(why, "maintenance Wed 04:00-05:00 (Europe/Berlin)");
	assert_int_equal(mutes_hold(m, "api", w, 0, NULL, T0, why, sizeof(why)), HOLD_NONE);
	/* from an endpoint's config keys */
	{
		char *dir = tl_mkdtemp();
		char *f = tl_write_file(dir, "e.ini", "[defaults]\nmaintenance_tz = Europe/Berlin\n"
					     "[api]\nurl = https://a.example/\nmaintenance = Wed 04:00-05:00\n"
					     "maintenance = daily 23:30-00:30\n[web]\nurl = https://w.example/\n");
		struct config *cfg = config_load(f, err, sizeof(err));

		assert_non_null(cfg);
		assert_int_equal(mutes_hold_endpoint(m, cfg, &cfg->eps[0], T0 - H, why, sizeof(why)), HOLD_MAINTENANCE);
		assert_string_equal(why, "maintenance Wed 04:00-05:00 (Europe/Berlin)");
		assert_int_equal(mutes_hold_endpoint(m, cfg, &cfg->eps[0], T0, why, sizeof(why)), HOLD_NONE);
		assert_int_equal(mutes_hold_endpoint(m, cfg, &cfg->eps[1], T0 - H, why, sizeof(why)), HOLD_NONE);
		config_unref(cfg);
		tl_rmrf(dir);
		free(f);
		free(dir);
	}
	mutes_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bounds),
		cmocka_unit_test(test_control_writes_collector_sees),
		cmocka_unit_test(test_hold_maintenance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
