/*
 * store_series: reads over a time window (uptime, latency percentiles, the
 * latency series of the charts). Closed hours come from rollups and the
 * rest from raw rows, split at rolled_until (see "Invariants" in store.c),
 * inside one read transaction so both halves see one snapshot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"
#include "store_int.h"

#define SERIES_MAX        100000

/* Two statements that must see one snapshot run inside BEGIN ... COMMIT. */
static int read_begin(struct store *st)
{
	return store_run(st, S_BEGIN) == SQLITE_OK ? 0 : -1;
}

static int read_end(struct store *st, int rc)
{
	if (store_run(st, S_COMMIT) != SQLITE_OK) {
		store_rollback(st);
		return -1;
	}
	return rc;
}

/*
 * A time from a one-value query by name and maybe a time ?2 (S_ROLLED,
 * S_RAW_FIRST, S_RAW_BEFORE); none when NULL or no row. Returns 0 or -1.
 */
static int name_time_q(struct store *st, enum stmt k, const char *name, int64_t t_ms, int64_t none, int64_t *out)
{
	sqlite3_stmt *s = store_stmt(st, k);
	int rc;

	*out = none;
	if (!s)
		return -1;
	store_bind_name(s, name);
	if (sqlite3_bind_parameter_count(s) >= 2)
		sqlite3_bind_int64(s, 2, t_ms);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

static int name_time(struct store *st, enum stmt k, const char *name, int64_t none, int64_t *out)
{
	return name_time_q(st, k, name, 0, none, out);
}

static int name_time_at(struct store *st, enum stmt k, const char *name, int64_t t_ms, int64_t *out)
{
	return name_time_q(st, k, name, t_ms, INT64_MAX, out);
}

static int64_t hour_ceil(int64_t t_ms)
{
	return store_hour_floor(t_ms) == t_ms ? t_ms : store_hour_floor(t_ms) + HOUR_MS;
}

/*
 * Where the rows of a window [since, until) come from: the hours starting
 * in [lo, hi) from rollups, the rest from raw rows, [since, min(lo, until))
 * and [max(hi, since), until). rolled: where the rollups to use end.
 */
struct window {
	int64_t lo, hi;
};

static struct window window_split(int64_t since, int64_t until, int64_t rolled)
{
	struct window w = { hour_ceil(since), rolled < until ? rolled : until };

	if (w.hi < w.lo)
		w.hi = w.lo;
	return w;
}

/* Statement k (by name over [?2, ?3)) bound, ready to step; NULL if it cannot be made. */
static sqlite3_stmt *range_query(struct store *st, enum stmt k, const char *name, int64_t from, int64_t to)
{
	sqlite3_stmt *s = store_stmt(st, k);

	if (!s)
		return NULL;
	store_bind_name(s, name);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, to);
	return s;
}

/* Adds probes and failures of name in [from, to) from S_UP_RAW or S_UP_ROLL. Returns 0 or -1. */
static int add_counts(struct store *st, enum stmt k, const char *name, int64_t from, int64_t to, struct uptime *out)
{
	sqlite3_stmt *s;
	int rc;

	if (from >= to)
		return 0;
	if (!(s = range_query(st, k, name, from, to)))
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->probes += sqlite3_column_int64(s, 0);
		out->failures += sqlite3_column_int64(s, 1);
	}
	sqlite3_reset(s);
	return rc == SQLITE_ROW ? 0 : -1;
}

int store_uptime(struct store *st, const char *name, int64_t since_ms, int64_t now_ms, struct uptime *out)
{
	int64_t rolled, until = now_ms + 1; /* now_ms itself is inside */
	struct window w;
	int rc;

	memset(out, 0, sizeof(*out));
	out->pct = -1;
	if (!st || !name || read_begin(st) != 0)
		return -1;
	rc = name_time(st, S_ROLLED, name, INT64_MIN, &rolled);
	w = window_split(since_ms, until, rolled);
	if (rc == 0)
		rc = add_counts(st, S_UP_ROLL, name, w.lo, w.hi, out);
	if (rc == 0)
		rc = add_counts(st, S_UP_RAW, name, since_ms, w.lo < until ? w.lo : until, out);
	if (rc == 0)
		rc = add_counts(st, S_UP_RAW, name, w.hi > since_ms ? w.hi : since_ms, until, out);
	rc = read_end(st, rc);
	if (out->probes)
		out->pct = 100.0 * (double)(out->probes - out->failures) / (double)out->probes;
	return rc;
}

/*
 * Percentiles come from raw rows only (rollups keep no distribution), over
 * probes that were not DOWN: a failed probe's phase holds the time until it
 * failed, not a latency; failures are what uptime counts.
 */
int store_latency_stats(struct store *st, const char *name, int64_t since_ms, struct phase_stats *out)
{
	sqlite3_stmt *s;
	struct vals ph[PHASE_END] = { { 0 } };
	int rc;

	memset(out, 0, sizeof(*out));
	for (int k = 0; k < PHASE_END; k++)
		out->p50[k] = out->p95[k] = out->p99[k] = -1;
	if (!st || !name || !(s = store_stmt(st, S_LAT_RAW)))
		return -1;
	store_bind_name(s, name);
	sqlite3_bind_int64(s, 2, since_ms);
	sqlite3_bind_int64(s, 3, INT64_MAX);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		out->count++;
		for (int k = PHASE_FIRST; k < PHASE_END; k++)
			if (sqlite3_column_type(s, PCOL(k)) != SQLITE_NULL)
				store_vals_push(&ph[k], sqlite3_column_int64(s, PCOL(k)));
	}
	sqlite3_reset(s);
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		if (ph[k].n) {
			qsort(ph[k].v, ph[k].n, sizeof(int64_t), store_cmp_i64);
			out->p50[k] = store_rank(ph[k].v, ph[k].n, 500);
			out->p95[k] = store_rank(ph[k].v, ph[k].n, 950);
			out->p99[k] = store_rank(ph[k].v, ph[k].n, 990);
		}
		free(ph[k].v);
	}
	return rc == SQLITE_DONE ? 0 : -1;
}

/* Per bucket while a series is built: sums to average at the end. */
struct bucket {
	int64_t count, failures, max_total;
	int64_t sum[PHASE_END], n[PHASE_END];
};

/* Adds one rollup row (an hour) to its bucket: phases weighted by each one's count. */
static void bucket_add_rollup(sqlite3_stmt *s, int64_t since_ms, int64_t bucket_ms, struct bucket *b)
{
	struct rollup ru;
	struct bucket *x;

	store_rollup_read(s, &ru);
	x = &b[(ru.hour_ms - since_ms) / bucket_ms];
	x->count += ru.probes;
	x->failures += ru.failures;
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		if (!ru.n[k])
			continue;
		x->sum[k] += ru.avg[k] * ru.n[k];
		x->n[k] += ru.n[k];
	}
	if (ru.n[PHASE_TOTAL] && ru.max[PHASE_TOTAL] > x->max_total)
		x->max_total = ru.max[PHASE_TOTAL];
}

/* Adds one raw probe row to its bucket. */
static void bucket_add_raw(sqlite3_stmt *s, int64_t since_ms, int64_t bucket_ms, struct bucket *b)
{
	struct bucket *x = &b[(sqlite3_column_int64(s, 0) - since_ms) / bucket_ms];

	x->count++;
	if (sqlite3_column_int(s, 1) == DB_DOWN) {
		x->failures++;
		return;
	}
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		if (sqlite3_column_type(s, 2 + PCOL(k)) == SQLITE_NULL)
			continue;
		x->sum[k] += sqlite3_column_int64(s, 2 + PCOL(k));
		x->n[k]++;
	}
	if (sqlite3_column_type(s, 7) != SQLITE_NULL && sqlite3_column_int64(s, 7) > x->max_total)
		x->max_total = sqlite3_column_int64(s, 7);
}

/*
 * Adds name's rows of [from, to) to the buckets: S_SERIES_ROLL (the hours
 * starting in it) or S_SERIES_RAW (the probes). Returns 0 or -1.
 */
static int series_add(struct store *st, enum stmt k, const char *name, int64_t from, int64_t to, int64_t since_ms,
		      int64_t bucket_ms, struct bucket *b)
{
	sqlite3_stmt *s;
	int rc;

	if (from >= to)
		return 0;
	if (!(s = range_query(st, k, name, from, to)))
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (k == S_SERIES_ROLL)
			bucket_add_rollup(s, since_ms, bucket_ms, b);
		else
			bucket_add_raw(s, since_ms, bucket_ms, b);
	}
	sqlite3_reset(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/*
 * Buckets of an hour or more take closed hours from rollups. Finer buckets
 * cannot split an hour's rollup, so they read raw rows wherever there are
 * any and rollups only before the oldest whole raw hour.
 */
static int series_window(struct store *st, const char *name, int64_t since_ms, int64_t until_ms,
			 int64_t bucket_ms, struct window *w)
{
	int64_t rolled, first, before;

	if (bucket_ms < HOUR_MS) {
		/* raw rows go oldest first: one before the window means raw rows cover all of it */
		if (name_time_at(st, S_RAW_BEFORE, name, since_ms, &before) != 0)
			return -1;
		if (before != INT64_MAX) {
			*w = window_split(since_ms, until_ms, INT64_MIN);
			return 0;
		}
	}
	if (name_time(st, S_ROLLED, name, INT64_MIN, &rolled) != 0)
		return -1;
	if (bucket_ms < HOUR_MS) {
		if (name_time(st, S_RAW_FIRST, name, INT64_MAX, &first) != 0)
			return -1;
		if (first != INT64_MAX && hour_ceil(first) < rolled)
			rolled = hour_ceil(first);
	}
	*w = window_split(since_ms, until_ms, rolled);
	return 0;
}

int store_latency_series(struct store *st, const char *name, int64_t since_ms, int64_t until_ms,
			 int64_t bucket_ms, struct series_point **pts, size_t *n)
{
	struct bucket *b;
	struct window w;
	int64_t nb;
	int rc;

	*pts = NULL;
	*n = 0;
	if (!st || !name || bucket_ms <= 0 || until_ms <= since_ms)
		return -1;
	nb = (until_ms - since_ms + bucket_ms - 1) / bucket_ms;
	if (nb > SERIES_MAX)
		return -1;
	b = xcalloc((size_t)nb, sizeof(*b));
	for (int64_t i = 0; i < nb; i++)
		b[i].max_total = -1;
	if (read_begin(st) != 0) {
		free(b);
		return -1;
	}
	rc = series_window(st, name, since_ms, until_ms, bucket_ms, &w);
	if (rc == 0)
		rc = series_add(st, S_SERIES_ROLL, name, w.lo, w.hi, since_ms, bucket_ms, b);
	if (rc == 0)
		rc = series_add(st, S_SERIES_RAW, name, since_ms, w.lo < until_ms ? w.lo : until_ms, since_ms, bucket_ms, b);
	if (rc == 0)
		rc = series_add(st, S_SERIES_RAW, name, w.hi > since_ms ? w.hi : since_ms, until_ms, since_ms, bucket_ms, b);
	if (rc == 0) {
		*pts = xcalloc((size_t)nb, sizeof(**pts));
		*n = (size_t)nb;
		for (int64_t i = 0; i < nb; i++) {
			struct series_point *p = &(*pts)[i];

			p->t_ms = since_ms + i * bucket_ms;
			p->count = b[i].count;
			p->failures = b[i].failures;
			p->max_total_us = b[i].max_total;
			for (int k = 0; k < PHASE_END; k++)
				p->avg_us[k] = b[i].n[k] ? b[i].sum[k] / b[i].n[k] : -1;
		}
	}
	free(b);
	return read_end(st, rc);
}
