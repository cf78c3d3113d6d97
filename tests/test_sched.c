/*
 * test_sched: the scheduler on a fake clock. Time is only the numbers these
 * tests pass in; nothing sleeps. Covers the first-probe spread, stable
 * jitter, no drift over many rounds, never starting a running probe twice,
 * probe-now, pause/resume, remove while running, interval changes, skipping
 * after a stall, and a 10,000-id churn checked against a plain model.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/sched.h"

#define SEC 1000
#define MIN (60 * SEC)

/* Takes everything due at now (in chunks), asserting earliest-first order; returns the count. */
static size_t take_all(struct sched *s, int64_t now, struct sched_due *out, size_t max)
{
	size_t n = 0, k;

	do {
		k = sched_take_due(s, now, out + n, max - n < 7 ? max - n : 7);
		n += k;
	} while (k && n < max);
	for (size_t i = 1; i < n; i++)
		assert_true(out[i - 1].due_ms < out[i].due_ms ||
			    (out[i - 1].due_ms == out[i].due_ms && out[i - 1].id < out[i].id));
	for (size_t i = 0; i < n; i++)
		assert_true(out[i].due_ms <= now);
	return n;
}

/* The one id due at now, which must be id at due_ms. */
static void expect_one(struct sched *s, int64_t now, uint64_t id, int64_t due_ms)
{
	struct sched_due d[4];

	assert_int_equal(sched_take_due(s, now, d, 4), 1);
	assert_int_equal(d[0].id, id);
	assert_int_equal(d[0].due_ms, due_ms);
	assert_true(sched_running(s, id));
}

static void expect_none(struct sched *s, int64_t now)
{
	struct sched_due d[4];

	assert_int_equal(sched_take_due(s, now, d, 4), 0);
}

/*
 * One endpoint "a" at interval iv added at t0, its first probe (within 5 s
 * of t0) done at once; returns its next due time, the first slot of its
 * jittered schedule.
 */
static int64_t one(struct sched *s, uint64_t id, int64_t iv, int64_t t0)
{
	int64_t first = t0 + sched_start_ms("a", iv);
	int64_t next = t0 + sched_jitter_ms("a", iv);

	sched_set(s, id, "a", iv, t0);
	expect_none(s, first - 1);
	expect_one(s, first, id, first);
	sched_done(s, id, first);
	while (next < first + (iv < SCHED_START_SPREAD_MS ? iv : SCHED_START_SPREAD_MS))
		next += iv;
	assert_int_equal(sched_next_due_ms(s), next);
	return next;
}

/* Where an entry added at t_add settles after a first probe due at due: the model of sched.c's settle. */
static int64_t settled(const char *name, int64_t iv, int64_t t_add, int64_t due)
{
	int64_t next = t_add + sched_jitter_ms(name, iv);

	while (next < due + (iv < SCHED_START_SPREAD_MS ? iv : SCHED_START_SPREAD_MS))
		next += iv;
	return next;
}

/*
 * 500 endpoints at 60 s: every first probe within 5 s of the start (a
 * first screen with nothing PENDING), on whole seconds; then each settles
 * into its own phase and the second round is spread over the minute.
 */
static void test_first_probes_spread(void **state)
{
	enum { N = 500 };
	struct sched *s = sched_new();
	struct sched_due *d = calloc(N, sizeof(*d));
	int first_sec[5] = {0}, first_100ms[50] = {0}, per_sec[70] = {0}, per_100ms[700] = {0};
	int max_sec = 0, max_100ms = 0, max_first_100ms = 0, seen = 0, round2 = 0, first_odd_ms = 0;
	const int64_t t0 = 1000000;
	char name[64];

	(void)state;
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "host-%d.example.com", i + 1);
		sched_set(s, (uint64_t)i, name, MIN, t0);
	}
	assert_int_equal(sched_count(s), N);
	expect_none(s, t0 - 1);

	/* a loop ticking every 100 ms, each probe finishing at once: two rounds */
	for (int64_t now = t0; now < t0 + 70 * SEC; now += 100) {
		size_t n = take_all(s, now, d, N);

		for (size_t i = 0; i < n; i++) {
			int64_t off = d[i].due_ms - t0;

			assert_true(d[i].due_ms > now - 100);
			if (seen < N) {
				/* the first round: within min(60 s, 5 s), to the millisecond */
				assert_true(off >= 0 && off < SCHED_START_SPREAD_MS);
				first_odd_ms += off % SEC != 0;
				first_sec[off / SEC]++;
				first_100ms[off / 100]++;
				seen++;
				snprintf(name, sizeof(name), "host-%d.example.com", (int)d[i].id + 1);
				assert_int_equal(off, sched_start_ms(name, MIN));
			} else {
				/* the second: each endpoint's own phase, at least 5 s after its first */
				assert_true(off >= SCHED_START_SPREAD_MS && off < 70 * SEC);
				per_sec[off / SEC]++;
				per_100ms[off / 100]++;
				round2++;
			}
			sched_done(s, d[i].id, now);
		}
	}
	assert_int_equal(seen, N);
	for (int i = 0; i < 5; i++)
		assert_true(first_sec[i] >= N / 5 / 2 && first_sec[i] <= N / 5 * 3 / 2);
	/*
	 * Not bunched into whole seconds: 500 first probes in 5 s are 10 per
	 * 100 ms on average; whole-second slots would start 100 in one instant,
	 * more than max_inflight's default 50 lets start at once.
	 */
	for (int i = 0; i < 50; i++)
		max_first_100ms = first_100ms[i] > max_first_100ms ? first_100ms[i] : max_first_100ms;
	assert_true(first_odd_ms >= N * 9 / 10);
	assert_true(max_first_100ms <= 25);

	for (int i = 0; i < 70; i++)
		max_sec = per_sec[i] > max_sec ? per_sec[i] : max_sec;
	for (int i = 0; i < 700; i++)
		max_100ms = per_100ms[i] > max_100ms ? per_100ms[i] : max_100ms;
	/*
	 * The settled phases: 500 over 60 s is 8.3 a second on average; a
	 * uniform spread puts at most ~16 in the busiest second (all at once
	 * would be 500). Starts fall on whole seconds, so those of one second
	 * share a wakeup.
	 */
	print_message("first probes: %d %d %d %d %d per second, busiest 100 ms %d; then busiest second %d, busiest 100 ms %d (of %d)\n",
		      first_sec[0], first_sec[1], first_sec[2], first_sec[3], first_sec[4], max_first_100ms,
		      max_sec, max_100ms, round2);
	assert_true(round2 >= N * 9 / 10);
	assert_true(max_sec <= 20);
	assert_int_equal(max_100ms, max_sec);
	/*
	 * And no part of the minute after the start is left empty: 83 a 10 s
	 * window on average. The first is thinner by design: a phase in 5..10 s
	 * is taken only when it is 5 s after that endpoint's first probe (else
	 * it waits a minute), which keeps 40% of that window's 5 s on average.
	 */
	for (int i = 5; i < 65; i += 10) {
		int k = 0;

		for (int j = i; j < i + 10; j++)
			k += per_sec[j];
		assert_true(k >= (i == 5 ? 30 : 50));
	}
	free(d);
	sched_free(s);
}

/*
 * A scheduler with a spread of 3 minutes (the collector's posture passes):
 * at 24 h every first run comes within 3 minutes of the addition, then at
 * the first slot of its phase at least 3 minutes later; an interval under
 * the spread (10 s, 3 min - 1 ms) starts within it, on its phase; exactly 3
 * minutes the same.
 */
static void test_posture_spread(void **state)
{
	static const int64_t ivs[] = { 10 * SEC, 3 * MIN - 1, 3 * MIN, 3 * MIN + 1, 24 * 60 * MIN };
	const int64_t spread = 3 * MIN;
	char name[32];

	(void)state;
	for (size_t k = 0; k < sizeof(ivs) / sizeof(ivs[0]); k++) {
		int64_t iv = ivs[k], within = iv < spread ? iv : spread;

		for (int i = 0; i < 100; i++) {
			struct sched *s = sched_new_spread(spread);
			int64_t first, second, slot;

			snprintf(name, sizeof(name), "p%d", i);
			sched_set(s, 7, name, iv, 10 * SEC);
			first = sched_next_due_ms(s);
			assert_int_equal(first, 10 * SEC + sched_start_spread_ms(name, iv, spread));
			assert_true(first >= 10 * SEC && first < 10 * SEC + within);
			if (iv <= spread)
				assert_int_equal(first, 10 * SEC + sched_jitter_ms(name, iv));
			expect_one(s, first, 7, first);
			sched_done(s, 7, first);
			second = sched_next_due_ms(s);
			for (slot = 10 * SEC + sched_jitter_ms(name, iv); slot < first + within; slot += iv)
				;
			assert_int_equal(second, slot);
			assert_true(second - first >= within && second - first < iv + within);
			sched_free(s);
		}
	}
	/* the default scheduler's offsets are the 5 s spread's */
	assert_int_equal(sched_start_spread_ms("api", MIN, SCHED_START_SPREAD_MS), sched_start_ms("api", MIN));

	/* a first run deferred (its endpoint has no probe yet) is still the first when it runs */
	{
		struct sched *s = sched_new_spread(spread);
		int64_t first, later, slot;

		sched_set(s, 9, "deferred", 24 * 60 * MIN, 0);
		first = sched_next_due_ms(s);
		expect_one(s, first, 9, first);
		sched_defer(s, 9, first + SEC);
		assert_false(sched_running(s, 9));
		assert_int_equal(sched_next_due_ms(s), first + SEC);
		sched_defer(s, 9, first + 5 * SEC); /* not running: nothing */
		assert_int_equal(sched_next_due_ms(s), first + SEC);
		later = first + SEC;
		expect_one(s, later, 9, later);
		sched_done(s, 9, later);
		for (slot = sched_jitter_ms("deferred", 24 * 60 * MIN); slot < later + spread; slot += 24 * 60 * MIN)
			;
		assert_int_equal(sched_next_due_ms(s), slot);
		sched_free(s);
	}
}

/*
 * The boundaries of the start spread: under 5 s the first probe comes
 * within the interval and is the schedule's first slot; at exactly 5 s
 * the same; above, within 5 s, and the second probe no sooner than 5 s
 * later and no later than an interval plus 5 s.
 */
static void test_start_spread_boundaries(void **state)
{
	static const int64_t ivs[] = { 1, 999, 2 * SEC, 4999, 5 * SEC, 5001, 6 * SEC, 10 * MIN };
	char name[32];

	(void)state;
	for (size_t k = 0; k < sizeof(ivs) / sizeof(ivs[0]); k++) {
		int64_t iv = ivs[k];
		int64_t spread = iv < 5 * SEC ? iv : 5 * SEC;

		for (int i = 0; i < 200; i++) {
			struct sched *s = sched_new();
			int64_t first, second;

			snprintf(name, sizeof(name), "b%d", i);
			sched_set(s, 1, name, iv, 10 * SEC);
			first = sched_next_due_ms(s);
			assert_int_equal(first, 10 * SEC + sched_start_ms(name, iv));
			assert_true(first >= 10 * SEC && first < 10 * SEC + spread);
			if (iv <= 5 * SEC) /* the spread is the interval: the first slot of the schedule */
				assert_int_equal(first, 10 * SEC + sched_jitter_ms(name, iv));
			expect_one(s, first, 1, first);
			sched_done(s, 1, first);
			second = sched_next_due_ms(s);
			assert_int_equal(second, settled(name, iv, 10 * SEC, first));
			assert_true(second - first >= spread && second - first < iv + spread);
			if (iv <= 5 * SEC)
				assert_int_equal(second, first + iv);
			/* on its phase from then on */
			assert_int_equal((second - 10 * SEC - sched_jitter_ms(name, iv)) % iv, 0);
			expect_one(s, second, 1, second);
			sched_done(s, 1, second);
			assert_int_equal(sched_next_due_ms(s), second + iv);
			sched_free(s);
		}
	}
	/* pinned at the boundary: 5 s starts where the 5 s jitter puts it, 5.001 s to the millisecond */
	assert_int_equal(sched_start_ms("api.example.com", 5 * SEC), sched_jitter_ms("api.example.com", 5 * SEC));
	assert_int_equal(sched_start_ms("api.example.com", 5 * SEC) % SEC, 0);
	assert_int_equal(sched_start_ms("api.example.com", 5001), sched_start_ms("api.example.com", MIN));
	assert_true(sched_start_ms("api.example.com", MIN) % SEC != 0);
	assert_int_equal(sched_start_ms("x", 1), 0);
}

static void test_jitter_stable(void **state)
{
	struct sched *a = sched_new(), *b = sched_new();
	struct sched_due da[64], db[64];
	char name[32];

	(void)state;
	/* pinned: a change here moves every deployed endpoint's phase on upgrade */
	assert_int_equal(sched_jitter_ms("api.example.com", 60000), 15000);
	assert_int_equal(sched_jitter_ms("api.example.com", 30000), 15000);
	/* under two seconds: milliseconds; from two seconds: whole seconds, so starts share wakeups */
	assert_true(sched_jitter_ms("api.example.com", 1999) < 1999);
	for (int i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "s%d", i);
		assert_int_equal(sched_jitter_ms(name, 30 * SEC) % 1000, 0);
		assert_true(sched_jitter_ms(name, 2 * SEC) == 0 || sched_jitter_ms(name, 2 * SEC) == 1000);
	}
	assert_true(sched_jitter_ms("api.example.com", 60000) != sched_jitter_ms("api.example.org", 60000));
	assert_int_equal(sched_jitter_ms("x", 1), 0);
	assert_int_equal(sched_jitter_ms("x", 0), 0);
	assert_int_equal(sched_jitter_ms(NULL, 1000), sched_jitter_ms("", 1000));
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "n%d", i);
		int64_t j = sched_jitter_ms(name, 30 * SEC);

		assert_true(j >= 0 && j < 30 * SEC);
	}

	/* two instances, same names added in opposite orders at different ids: same phases */
	for (int i = 0; i < 64; i++) {
		snprintf(name, sizeof(name), "ep-%d", i);
		sched_set(a, (uint64_t)i, name, 30 * SEC, 5000);
	}
	for (int i = 63; i >= 0; i--) {
		snprintf(name, sizeof(name), "ep-%d", i);
		sched_set(b, (uint64_t)i + 1000, name, 30 * SEC, 5000);
	}
	assert_int_equal(sched_next_due_ms(a), sched_next_due_ms(b));
	/* the first round within 5 s, each finishing at once, then the settled phases */
	assert_int_equal(take_all(a, 5000 + 5 * SEC, da, 64), 64);
	assert_int_equal(take_all(b, 5000 + 5 * SEC, db, 64), 64);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(da[i].due_ms, db[i].due_ms);
		snprintf(name, sizeof(name), "ep-%d", (int)da[i].id);
		assert_int_equal(da[i].due_ms, 5000 + sched_start_ms(name, 30 * SEC));
		sched_done(a, da[i].id, 5000 + 5 * SEC);
		sched_done(b, db[i].id, 5000 + 5 * SEC);
	}
	assert_int_equal(take_all(a, 5000 + 40 * SEC, da, 64), 64);
	assert_int_equal(take_all(b, 5000 + 40 * SEC, db, 64), 64);
	for (int i = 0; i < 64; i++) {
		assert_int_equal(da[i].due_ms, db[i].due_ms);
		snprintf(name, sizeof(name), "ep-%d", (int)da[i].id);
		assert_int_equal(da[i].due_ms, settled(name, 30 * SEC, 5000, 5000 + sched_start_ms(name, 30 * SEC)));
	}
	sched_free(a);
	sched_free(b);
}

static void test_no_drift(void **state)
{
	struct sched *s = sched_new();
	int64_t first = one(s, 7, 30 * SEC, 0);
	uint32_t r = 12345;

	(void)state;
	/* late starts (0-900 ms) and probes of 0-9 s must not move the phase */
	for (int k = 0; k < 2000; k++) {
		int64_t due = first + (int64_t)k * 30 * SEC;
		int64_t late, took;

		r = r * 1103515245u + 12345u;
		late = (r >> 8) % 900;
		took = (r >> 4) % 9000;
		assert_int_equal(sched_next_due_ms(s), due);
		expect_none(s, due - 1);
		expect_one(s, due + late, 7, due);
		sched_done(s, 7, due + late + took);
		assert_false(sched_running(s, 7));
	}
	assert_int_equal(sched_next_due_ms(s), first + 2000LL * 30 * SEC);
	sched_free(s);
}

static void test_running_never_doubled(void **state)
{
	struct sched *s = sched_new();
	int64_t d0 = one(s, 1, 10 * SEC, 0);

	(void)state;
	expect_one(s, d0, 1, d0);
	/* stuck for 3.5 intervals: its due times pass without a second start */
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	for (int64_t t = d0; t < d0 + 35 * SEC; t += 250)
		expect_none(s, t);
	sched_done(s, 1, d0 + 35 * SEC);
	/* next is on the old phase, after now: d0 + 4 intervals, not a catch-up burst */
	assert_int_equal(sched_next_due_ms(s), d0 + 40 * SEC);
	expect_none(s, d0 + 40 * SEC - 1);
	expect_one(s, d0 + 40 * SEC, 1, d0 + 40 * SEC);

	/* done twice, or done when not running: the second is nothing */
	sched_done(s, 1, d0 + 41 * SEC);
	sched_done(s, 1, d0 + 42 * SEC);
	assert_int_equal(sched_next_due_ms(s), d0 + 50 * SEC);
	sched_done(s, 99, 0);   /* unknown id */
	sched_free(s);
}

static void test_probe_now(void **state)
{
	struct sched *s = sched_new();
	int64_t d0 = one(s, 1, MIN, 0);
	int64_t t;

	(void)state;
	/* idle: due at once, and the phase restarts from there */
	t = d0 + 5 * SEC;
	expect_one(s, d0, 1, d0);
	sched_done(s, 1, d0 + 1000);
	sched_probe_now(s, 1, t);
	assert_int_equal(sched_next_due_ms(s), t);
	expect_one(s, t, 1, t);
	sched_done(s, 1, t + 500);
	assert_int_equal(sched_next_due_ms(s), t + MIN);

	/* an overdue entry keeps its earlier due time (its lateness stays true) */
	sched_probe_now(s, 1, t + MIN + 3000);
	assert_int_equal(sched_next_due_ms(s), t + MIN);

	/* running: not started again; due right after it finishes */
	expect_one(s, t + MIN + 3000, 1, t + MIN);
	sched_probe_now(s, 1, t + MIN + 4000);
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	expect_none(s, t + MIN + 5000);
	sched_done(s, 1, t + MIN + 6000);
	assert_int_equal(sched_next_due_ms(s), t + MIN + 6000);
	expect_one(s, t + MIN + 6000, 1, t + MIN + 6000);
	/* once: the following run is back on the interval */
	sched_done(s, 1, t + MIN + 7000);
	assert_int_equal(sched_next_due_ms(s), t + 2 * MIN + 6000);

	sched_probe_now(s, 42, 0);   /* unknown id: nothing */
	assert_int_equal(sched_count(s), 1);
	sched_free(s);
}

static void test_pause_resume(void **state)
{
	struct sched *s = sched_new();
	int64_t d1 = one(s, 1, MIN, 0);
	int64_t t = 10 * MIN;

	(void)state;
	sched_set(s, 2, "b", MIN, 0);
	sched_pause(s, 1, true, 100);
	assert_true(sched_paused(s, 1));
	assert_false(sched_paused(s, 2));
	assert_false(sched_paused(s, 77));
	assert_true(sched_has(s, 1));

	/* paused: never due, whatever the time, even on request */
	sched_probe_now(s, 1, 200);
	for (int64_t now = 0; now < t; now += SEC) {
		struct sched_due d[4];
		size_t n = sched_take_due(s, now, d, 4);

		for (size_t i = 0; i < n; i++) {
			assert_int_equal(d[i].id, 2);
			sched_done(s, 2, now);
		}
	}
	assert_false(sched_running(s, 1));

	/* resume: due now, then on the interval from there */
	sched_pause(s, 2, true, t);
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	sched_pause(s, 1, false, t);
	sched_pause(s, 1, false, t + 5);   /* not paused: nothing */
	assert_false(sched_paused(s, 1));
	assert_int_equal(sched_next_due_ms(s), t);
	expect_one(s, t, 1, t);
	sched_done(s, 1, t + 100);
	assert_int_equal(sched_next_due_ms(s), t + MIN);

	/* paused while running: done does not reschedule it */
	expect_one(s, t + MIN, 1, t + MIN);
	sched_pause(s, 1, true, t + MIN + 10);
	sched_done(s, 1, t + MIN + 20);
	assert_false(sched_running(s, 1));
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);

	/* paused and resumed while running: once more right after it ends */
	sched_pause(s, 1, false, t + 2 * MIN);
	expect_one(s, t + 2 * MIN, 1, t + 2 * MIN);
	sched_pause(s, 1, true, t + 2 * MIN + 10);
	sched_pause(s, 1, false, t + 2 * MIN + 20);
	expect_none(s, t + 2 * MIN + 30);
	sched_done(s, 1, t + 2 * MIN + 40);
	assert_int_equal(sched_next_due_ms(s), t + 2 * MIN + 40);
	(void)d1;
	sched_free(s);
}

static void test_remove_while_running(void **state)
{
	struct sched *s = sched_new();
	int64_t d0 = one(s, 1, MIN, 0);

	(void)state;
	sched_set(s, 2, "b", MIN, 0);
	expect_none(s, -1);
	assert_int_equal(sched_take_due(s, MIN, (struct sched_due[2]){0}, 2), 2);
	sched_remove(s, 1);
	assert_false(sched_has(s, 1));
	assert_false(sched_running(s, 1));
	sched_done(s, 1, d0 + 100);   /* harmless */
	assert_int_equal(sched_count(s), 1);
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);

	/* removed and added again while the old probe ran: the old done does not touch the new entry */
	expect_none(s, d0 + 200);
	sched_remove(s, 2);
	sched_set(s, 2, "b", MIN, 5 * MIN);
	sched_done(s, 2, 5 * MIN + 1);
	assert_false(sched_running(s, 2));
	assert_int_equal(sched_next_due_ms(s), 5 * MIN + sched_start_ms("b", MIN));

	sched_remove(s, 2);
	sched_remove(s, 2);   /* unknown: nothing */
	assert_int_equal(sched_count(s), 0);
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	sched_free(s);
	sched_free(NULL);
}

static void test_interval_change(void **state)
{
	struct sched *s = sched_new();
	int64_t d0 = one(s, 1, 10 * SEC, 0);

	(void)state;
	/* idle, interval longer: the next due time stays, the one after uses the new interval */
	sched_set(s, 1, "a", 20 * SEC, 0);
	assert_int_equal(sched_next_due_ms(s), d0);
	expect_one(s, d0, 1, d0);
	sched_done(s, 1, d0 + 1);
	assert_int_equal(sched_next_due_ms(s), d0 + 20 * SEC);

	/* running, interval shorter: from the next run */
	expect_one(s, d0 + 20 * SEC, 1, d0 + 20 * SEC);
	sched_set(s, 1, "a", 5 * SEC, d0 + 20 * SEC + 1);
	sched_done(s, 1, d0 + 20 * SEC + 2);
	assert_int_equal(sched_next_due_ms(s), d0 + 25 * SEC);

	/* idle, a long interval cut short: pulled in to now + the new interval */
	expect_one(s, d0 + 25 * SEC, 1, d0 + 25 * SEC);
	sched_set(s, 1, "a", 10 * MIN, d0 + 25 * SEC);
	sched_done(s, 1, d0 + 26 * SEC);
	assert_int_equal(sched_next_due_ms(s), d0 + 25 * SEC + 10 * MIN);
	sched_set(s, 1, "a", 30 * SEC, d0 + 2 * MIN);
	assert_int_equal(sched_next_due_ms(s), d0 + 2 * MIN + 30 * SEC);
	/* a set with the same interval changes nothing */
	sched_set(s, 1, "other name", 30 * SEC, d0 + 2 * MIN + 29 * SEC);
	assert_int_equal(sched_next_due_ms(s), d0 + 2 * MIN + 30 * SEC);
	assert_int_equal(sched_count(s), 1);

	/* a nonsense interval is clamped, not a hang */
	sched_remove(s, 1);
	sched_set(s, 3, "z", 0, 0);
	expect_one(s, 0, 3, 0);
	sched_done(s, 3, 1000000);
	assert_int_equal(sched_next_due_ms(s), 1000000);
	sched_free(s);
}

static void test_stall_skips_forward(void **state)
{
	struct sched *s = sched_new();
	struct sched_due d[8];
	int64_t d0 = one(s, 1, 10 * SEC, 0);
	int64_t woke = d0 + 95 * SEC + 300;   /* the loop slept through 9.5 intervals */

	(void)state;
	sched_set(s, 2, "b", 10 * SEC, 0);
	/* each overdue id comes out once, with its real (old) due time */
	assert_int_equal(take_all(s, woke, d, 8), 2);
	sched_done(s, 1, woke + 50);
	sched_done(s, 2, woke + 50);
	/* then back on phase, in the future: no catch-up burst */
	expect_none(s, woke + 50);
	assert_true(sched_next_due_ms(s) > woke);
	sched_remove(s, 2);
	expect_one(s, d0 + 100 * SEC, 1, d0 + 100 * SEC);
	sched_free(s);
}

static void test_next_due_ignores_running_and_paused(void **state)
{
	struct sched *s = sched_new();

	(void)state;
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	/* added at 1 s: first due at 1 s or later, after the probe-now times below */
	sched_set(s, 1, "a", MIN, SEC);
	sched_set(s, 2, "b", MIN, SEC);
	sched_set(s, 3, "c", MIN, SEC);
	sched_probe_now(s, 1, 100);
	sched_probe_now(s, 2, 200);
	sched_probe_now(s, 3, 300);
	assert_int_equal(sched_next_due_ms(s), 100);
	expect_one(s, 150, 1, 100);
	assert_int_equal(sched_next_due_ms(s), 200);     /* 1 runs */
	sched_pause(s, 2, true, 160);
	assert_int_equal(sched_next_due_ms(s), 300);     /* 2 paused */
	expect_one(s, 300, 3, 300);
	assert_int_equal(sched_next_due_ms(s), INT64_MAX);
	sched_done(s, 3, 400);
	/* a first probe (asked for early) settles into the phase */
	assert_int_equal(sched_next_due_ms(s), settled("c", MIN, SEC, 300));
	sched_done(s, 1, 400);
	assert_int_equal(sched_next_due_ms(s), settled("a", MIN, SEC, 100) < settled("c", MIN, SEC, 300)
			 ? settled("a", MIN, SEC, 100) : settled("c", MIN, SEC, 300));
	sched_free(s);
}

static void test_take_due_max(void **state)
{
	struct sched *s = sched_new();
	struct sched_due d[16];
	int64_t last = INT64_MIN;
	size_t got = 0, n;

	(void)state;
	for (uint64_t i = 0; i < 10; i++) {
		sched_set(s, i, "x", MIN, SEC);   /* first due at 1 s or later */
		sched_probe_now(s, i, (int64_t)(9 - i) * 10);   /* due in reverse id order */
	}
	assert_int_equal(sched_take_due(s, 1000, d, 0), 0);
	while ((n = sched_take_due(s, 1000, d, 3)) > 0) {
		assert_true(n == 3 || got + n == 10);
		for (size_t i = 0; i < n; i++) {
			assert_true(d[i].due_ms > last);
			last = d[i].due_ms;
			assert_int_equal(d[i].id, 9 - (got + i));
		}
		got += n;
	}
	assert_int_equal(got, 10);
	sched_free(s);
}

/* ---- churn against a model ---------------------------------------------- */

#define CHURN_IDS 10000

struct model {
	bool present, running, paused;
	bool first;              /* the first probe is not done yet */
	int64_t interval, due, phase;
};

static uint64_t rng = 88172645463325252ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

/* Sequential ids and ids that differ only in high bits: both hash badly unmixed. */
static uint64_t churn_id(uint32_t i)
{
	return i % 2 ? (uint64_t)i << 40 : (uint64_t)i;
}

static void churn_name(uint32_t i, char *buf, size_t len)
{
	snprintf(buf, len, "ep-%u.example.net", i);
}

/*
 * The model's sched_done: a first probe settles into the jittered phase at
 * the first slot one spread (min(interval, 5 s)) after it, later ones add
 * the interval; a stall never comes back as a burst.
 */
static void model_finish(struct model *x, int64_t now)
{
	int64_t spread = x->interval < SCHED_START_SPREAD_MS ? x->interval : SCHED_START_SPREAD_MS;

	x->running = false;
	if (x->first) {
		int64_t next = x->phase;

		while (next < x->due + spread)
			next += x->interval;
		x->due = next;
		x->first = false;
	} else {
		x->due += x->interval;
	}
	if (x->due < now)
		x->due += (now - x->due + x->interval - 1) / x->interval * x->interval;
}

static int64_t model_next_due(const struct model *m)
{
	int64_t best = INT64_MAX;

	for (uint32_t i = 0; i < CHURN_IDS; i++)
		if (m[i].present && !m[i].running && !m[i].paused && m[i].due < best)
			best = m[i].due;
	return best;
}

static uint32_t index_of(uint64_t id)
{
	uint32_t i = (uint32_t)(id >> 40 ? id >> 40 : id);

	assert_int_equal(churn_id(i), id);
	return i;
}

/*
 * The heap check through the public API: everything taken comes out in
 * non-decreasing (due, id) order, each at the model's due time, no id twice,
 * never a running or paused one, and after each take the next due time is
 * the model's earliest.
 */
static void check_take(struct sched *s, struct model *m, int64_t now, size_t max, bool finish)
{
	struct sched_due d[64];
	size_t n = sched_take_due(s, now, d, max);

	for (size_t k = 0; k < n; k++) {
		uint32_t i = index_of(d[k].id);

		if (k)
			assert_true(d[k - 1].due_ms < d[k].due_ms ||
				    (d[k - 1].due_ms == d[k].due_ms && d[k - 1].id < d[k].id));
		assert_true(m[i].present && !m[i].running && !m[i].paused);
		assert_int_equal(d[k].due_ms, m[i].due);
		assert_true(d[k].due_ms <= now);
		m[i].running = true;
		if (finish) {
			sched_done(s, d[k].id, now);
			model_finish(&m[i], now);
		}
	}
	if (n < max)
		assert_true(sched_next_due_ms(s) > now);
}

static void test_churn_10000(void **state)
{
	struct sched *s = sched_new();
	struct model *m = calloc(CHURN_IDS, sizeof(*m));
	size_t present = 0;
	int64_t now = 0;
	char name[48];

	(void)state;
	for (int op = 0; op < 200000; op++) {
		uint32_t i = rnd(CHURN_IDS);
		uint64_t id = churn_id(i);
		uint32_t what = rnd(100);

		now += rnd(20);
		if (what < 40) {
			if (!m[i].present) {
				int64_t iv = (int64_t)(1 + rnd(120)) * SEC;

				churn_name(i, name, sizeof(name));
				sched_set(s, id, name, iv, now);
				m[i] = (struct model){.present = true, .interval = iv, .first = true,
						      .due = now + sched_start_ms(name, iv),
						      .phase = now + sched_jitter_ms(name, iv)};
				present++;
			}
		} else if (what < 70) {
			if (m[i].present)
				present--;
			sched_remove(s, id);
			m[i].present = false;
			m[i].running = false;
		} else if (what < 80) {
			check_take(s, m, now, 1 + rnd(64), false);
		} else if (what < 90) {
			if (m[i].running) {
				sched_done(s, id, now);
				model_finish(&m[i], now);
			}
		} else if (what < 95) {
			if (m[i].present && !m[i].running && !m[i].paused && m[i].due > now) {
				sched_probe_now(s, id, now);
				m[i].due = now;
			}
		} else if (m[i].present && !m[i].running) {
			bool p = !m[i].paused;

			sched_pause(s, id, p, now);
			m[i].paused = p;
			if (!p)
				m[i].due = now;
		}
		assert_int_equal(sched_has(s, id), m[i].present);
		if (op % 1000 == 0) {
			assert_int_equal(sched_count(s), present);
			assert_int_equal(sched_next_due_ms(s), model_next_due(m));
		}
	}

	/* run the survivors over two simulated hours, finishing each at once */
	for (uint32_t i = 0; i < CHURN_IDS; i++) {
		if (m[i].running) {
			sched_done(s, churn_id(i), now);
			model_finish(&m[i], now);
		}
	}
	for (int tick = 0; tick < 120 * MIN / 250; tick++, now += 250) {
		check_take(s, m, now, 64, true);
		if (tick % 2400 == 0)
			assert_int_equal(sched_next_due_ms(s), model_next_due(m));
	}
	print_message("churn: %zu ids present at the end\n", present);
	assert_int_equal(sched_count(s), present);
	free(m);
	sched_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_probes_spread),
		cmocka_unit_test(test_start_spread_boundaries),
		cmocka_unit_test(test_posture_spread),
		cmocka_unit_test(test_jitter_stable),
		cmocka_unit_test(test_no_drift),
		cmocka_unit_test(test_running_never_doubled),
		cmocka_unit_test(test_probe_now),
		cmocka_unit_test(test_pause_resume),
		cmocka_unit_test(test_remove_while_running),
		cmocka_unit_test(test_interval_change),
		cmocka_unit_test(test_stall_skips_forward),
		cmocka_unit_test(test_next_due_ignores_running_and_paused),
		cmocka_unit_test(test_take_due_max),
		cmocka_unit_test(test_churn_10000),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
