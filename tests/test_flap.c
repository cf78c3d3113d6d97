/*
 * test_flap: every rule of flap.c, fact by fact, on a bare struct flap.
 *
 * Each test drives one endpoint's filter with a sequence of verdicts at
 * one-minute steps from T0 and checks the live state, the counters and what
 * the step asked the caller to do (run started, outage opened, grown,
 * closed). Thresholds are tested exactly at fail_after and recover_after
 * and one probe either side.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "httpsmon/flap.h"

#define T0  1767225600000LL /* 2026-01-01T00:00:00Z, ms */
#define MIN 60000LL

/* One verdict at minute i; returns the step. */
static struct flap_step at(struct flap *f, enum state s, int fail_after, int recover_after, int i)
{
	struct flap_step st;

	flap_verdict(f, s, fail_after, recover_after, T0 + i * MIN, &st);
	return st;
}

static void test_new_endpoint_is_pending(void **state)
{
	struct flap f;

	(void)state;
	memset(&f, 0x5a, sizeof(f));
	flap_init(&f);
	assert_int_equal(f.live, LIVE_PENDING);
	assert_int_equal(f.fails_in_row, 0);
	assert_int_equal(f.oks_in_row, 0);
	assert_false(f.in_outage);
	assert_int_equal(f.outage_failed, 0);
}

static void test_first_verdict_leaves_pending(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	flap_init(&f);
	st = at(&f, STATE_UP, 2, 2, 0);
	assert_int_equal(st.from, LIVE_PENDING);
	assert_int_equal(st.to, LIVE_UP);
	assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
	flap_init(&f);
	st = at(&f, STATE_WARN, 2, 2, 0);
	assert_int_equal(st.to, LIVE_WARN);
	flap_init(&f);
	st = at(&f, STATE_DOWN, 2, 2, 0);
	assert_int_equal(st.to, LIVE_FAILING);
	assert_true(st.run_started);
}

static void test_up_and_warn_alternate_without_counting(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	flap_init(&f);
	at(&f, STATE_UP, 1, 1, 0);
	st = at(&f, STATE_WARN, 1, 1, 1);
	assert_int_equal(st.from, LIVE_UP);
	assert_int_equal(st.to, LIVE_WARN);
	st = at(&f, STATE_WARN, 1, 1, 2);
	assert_int_equal(st.from, st.to); /* no change, no event */
	st = at(&f, STATE_UP, 1, 1, 3);
	assert_int_equal(st.to, LIVE_UP);
	/* WARN is not a failure, even with fail_after = 1 */
	for (int i = 4; i < 20; i++) {
		st = at(&f, STATE_WARN, 1, 1, i);
		assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
		assert_false(st.run_started);
	}
	assert_int_equal(f.fails_in_row, 0);
	assert_false(f.in_outage);
}

/* fail_after = n: n - 1 failures are FAILING k/n, the n-th opens, the (n+1)-th grows. */
static void test_outage_opens_exactly_at_fail_after(void **state)
{
	(void)state;
	for (int n = 1; n <= 5; n++) {
		struct flap f;
		struct flap_step st;

		flap_init(&f);
		at(&f, STATE_UP, n, 2, 0);
		for (int k = 1; k < n; k++) {
			st = at(&f, STATE_DOWN, n, 2, k);
			assert_int_equal(st.to, LIVE_FAILING);
			assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
			assert_int_equal(f.fails_in_row, k);
			assert_false(f.in_outage);
			assert_true(st.run_started == (k == 1));
		}
		st = at(&f, STATE_DOWN, n, 2, n);
		assert_int_equal(st.to, LIVE_DOWN);
		assert_int_equal(st.outage, FLAP_OUTAGE_OPEN);
		assert_true(st.run_started == (n == 1));
		assert_true(f.in_outage);
		assert_int_equal(f.outage_failed, n);
		/* retroactive: the outage began at the run's first failure */
		assert_true(f.outage_start_ms == T0 + 1 * MIN);
		st = at(&f, STATE_DOWN, n, 2, n + 1);
		assert_int_equal(st.from, LIVE_DOWN);
		assert_int_equal(st.to, LIVE_DOWN);
		assert_int_equal(st.outage, FLAP_OUTAGE_GROW);
		assert_false(st.run_started);
		assert_int_equal(f.outage_failed, n + 1);
		assert_true(f.outage_start_ms == T0 + 1 * MIN);
	}
}

static void test_good_probe_ends_a_failing_run(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	flap_init(&f);
	at(&f, STATE_DOWN, 3, 2, 0);
	at(&f, STATE_DOWN, 3, 2, 1);
	st = at(&f, STATE_WARN, 3, 2, 2);
	assert_int_equal(st.from, LIVE_FAILING);
	assert_int_equal(st.to, LIVE_WARN);
	assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
	assert_int_equal(f.fails_in_row, 0);
	assert_int_equal(f.oks_in_row, 0); /* counted only inside an outage */
	/* the next run starts afresh: its own start, its own count */
	st = at(&f, STATE_DOWN, 3, 2, 3);
	assert_true(st.run_started);
	at(&f, STATE_DOWN, 3, 2, 4);
	st = at(&f, STATE_DOWN, 3, 2, 5);
	assert_int_equal(st.outage, FLAP_OUTAGE_OPEN);
	assert_true(f.outage_start_ms == T0 + 3 * MIN);
	assert_int_equal(f.outage_failed, 3);
}

static void test_flapping_never_opens(void **state)
{
	struct flap f;

	(void)state;
	flap_init(&f);
	for (int i = 0; i < 50; i++) {
		struct flap_step st = at(&f, i % 2 ? STATE_UP : STATE_DOWN, 2, 2, i);

		assert_int_not_equal(st.outage, FLAP_OUTAGE_OPEN);
	}
	assert_false(f.in_outage);
}

/* Opens an outage of fail_after 1 at minute 0. */
static void down_at_zero(struct flap *f, int recover_after)
{
	flap_init(f);
	assert_int_equal(at(f, STATE_DOWN, 1, recover_after, 0).outage, FLAP_OUTAGE_OPEN);
}

/* recover_after = n: n - 1 good probes keep it DOWN, the n-th closes at the first of them. */
static void test_outage_closes_exactly_at_recover_after(void **state)
{
	(void)state;
	for (int n = 1; n <= 5; n++) {
		struct flap f;
		struct flap_step st;

		down_at_zero(&f, n);
		for (int k = 1; k < n; k++) {
			st = at(&f, STATE_UP, 1, n, k);
			assert_int_equal(st.from, LIVE_DOWN);
			assert_int_equal(st.to, LIVE_DOWN);
			assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
			assert_int_equal(f.oks_in_row, k);
			assert_int_equal(f.fails_in_row, 0);
			assert_true(f.in_outage);
		}
		st = at(&f, STATE_UP, 1, n, n);
		assert_int_equal(st.to, LIVE_UP);
		assert_int_equal(st.outage, FLAP_OUTAGE_CLOSE);
		assert_false(f.in_outage);
		assert_int_equal(f.oks_in_row, 0);
		assert_true(f.outage_start_ms == T0);
		assert_true(f.recover_start_ms == T0 + 1 * MIN); /* the end: the first good probe */
		assert_int_equal(f.outage_failed, 1);
		/* one more: plain UP, nothing to close */
		st = at(&f, STATE_UP, 1, n, n + 1);
		assert_int_equal(st.from, LIVE_UP);
		assert_int_equal(st.to, LIVE_UP);
		assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
	}
}

static void test_failure_while_recovering_restarts_recovery(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	down_at_zero(&f, 2);
	at(&f, STATE_UP, 1, 2, 1);
	assert_int_equal(f.oks_in_row, 1);
	st = at(&f, STATE_DOWN, 1, 2, 2);
	assert_int_equal(st.outage, FLAP_OUTAGE_GROW);
	assert_int_equal(f.oks_in_row, 0);
	assert_int_equal(f.outage_failed, 2);
	at(&f, STATE_UP, 1, 2, 3);
	st = at(&f, STATE_UP, 1, 2, 4);
	assert_int_equal(st.outage, FLAP_OUTAGE_CLOSE);
	assert_true(f.recover_start_ms == T0 + 3 * MIN);
}

static void test_warn_recovers_to_warn(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	down_at_zero(&f, 1);
	st = at(&f, STATE_WARN, 1, 1, 1);
	assert_int_equal(st.outage, FLAP_OUTAGE_CLOSE);
	assert_int_equal(st.to, LIVE_WARN);
}

static void test_pause_freezes_and_resume_is_pending(void **state)
{
	struct flap f, before;
	struct flap_step st;

	(void)state;
	flap_init(&f);
	at(&f, STATE_UP, 2, 2, 0);
	at(&f, STATE_DOWN, 2, 2, 1);
	flap_pause(&f, true, &st);
	assert_int_equal(st.from, LIVE_FAILING);
	assert_int_equal(st.to, LIVE_PAUSED);
	before = f;
	/* a probe in flight when paused: recorded by the caller, not judged */
	st = at(&f, STATE_DOWN, 2, 2, 2);
	assert_int_equal(st.from, LIVE_PAUSED);
	assert_int_equal(st.to, LIVE_PAUSED);
	assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
	assert_false(st.run_started);
	assert_memory_equal(&f, &before, sizeof(f));
	/* pausing twice is no change */
	flap_pause(&f, true, &st);
	assert_int_equal(st.from, st.to);
	flap_pause(&f, false, &st);
	assert_int_equal(st.from, LIVE_PAUSED);
	assert_int_equal(st.to, LIVE_PENDING);
	/* the run goes on: one more failure reaches fail_after = 2 */
	st = at(&f, STATE_DOWN, 2, 2, 3);
	assert_int_equal(st.outage, FLAP_OUTAGE_OPEN);
	assert_true(f.outage_start_ms == T0 + 1 * MIN);
	/* resuming what is not paused changes nothing */
	flap_pause(&f, false, &st);
	assert_int_equal(st.from, LIVE_DOWN);
	assert_int_equal(st.to, LIVE_DOWN);
}

static void test_pause_during_outage_keeps_it(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	down_at_zero(&f, 2);
	flap_pause(&f, true, &st);
	flap_pause(&f, false, &st);
	assert_true(f.in_outage);
	st = at(&f, STATE_DOWN, 1, 2, 1);
	assert_int_equal(st.from, LIVE_PENDING);
	assert_int_equal(st.to, LIVE_DOWN);
	assert_int_equal(st.outage, FLAP_OUTAGE_GROW);
}

static void test_resumed_outage_from_history(void **state)
{
	struct flap f;
	struct flap_step st;

	(void)state;
	flap_init(&f);
	flap_resume_outage(&f, T0 - 5 * MIN, 4, 3);
	assert_int_equal(f.live, LIVE_PENDING);
	assert_true(f.in_outage);
	assert_int_equal(f.fails_in_row, 3);
	/* one good probe of two: still in the outage, shown as it was */
	st = at(&f, STATE_UP, 3, 2, 0);
	assert_int_equal(st.to, LIVE_PENDING);
	assert_int_equal(st.outage, FLAP_OUTAGE_NONE);
	st = at(&f, STATE_DOWN, 3, 2, 1);
	assert_int_equal(st.outage, FLAP_OUTAGE_GROW);
	assert_int_equal(st.to, LIVE_DOWN);
	assert_int_equal(f.outage_failed, 5);
	at(&f, STATE_UP, 3, 2, 2);
	st = at(&f, STATE_UP, 3, 2, 3);
	assert_int_equal(st.outage, FLAP_OUTAGE_CLOSE);
	assert_true(f.outage_start_ms == T0 - 5 * MIN);
	assert_true(f.recover_start_ms == T0 + 2 * MIN);
}

static void test_live_names(void **state)
{
	(void)state;
	assert_string_equal(live_name(LIVE_PENDING), "PENDING");
	assert_string_equal(live_name(LIVE_UP), "UP");
	assert_string_equal(live_name(LIVE_WARN), "WARN");
	assert_string_equal(live_name(LIVE_FAILING), "FAILING");
	assert_string_equal(live_name(LIVE_DOWN), "DOWN");
	assert_string_equal(live_name(LIVE_PAUSED), "PAUSED");
	assert_string_equal(live_name((enum live)(LIVE_PAUSED + 1)), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_endpoint_is_pending),
		cmocka_unit_test(test_first_verdict_leaves_pending),
		cmocka_unit_test(test_up_and_warn_alternate_without_counting),
		cmocka_unit_test(test_outage_opens_exactly_at_fail_after),
		cmocka_unit_test(test_good_probe_ends_a_failing_run),
		cmocka_unit_test(test_flapping_never_opens),
		cmocka_unit_test(test_outage_closes_exactly_at_recover_after),
		cmocka_unit_test(test_failure_while_recovering_restarts_recovery),
		cmocka_unit_test(test_warn_recovers_to_warn),
		cmocka_unit_test(test_pause_freezes_and_resume_is_pending),
		cmocka_unit_test(test_pause_during_outage_keeps_it),
		cmocka_unit_test(test_resumed_outage_from_history),
		cmocka_unit_test(test_live_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
