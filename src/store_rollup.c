/*
 * store_rollup: hourly rollups (table rollup; see "Invariants" in store.c).
 * An hour of one endpoint is closed from its raw rows into probes,
 * failures, warns and per phase n/min/avg/max/p95 over the probes that were
 * not DOWN; a late probe of a closed hour is merged into its rollup.
 * Percentiles are nearest rank over sorted values.
 */
#include <stdint.h>
#include <stdlib.h>

#include "httpsmon/util.h"
#include "store_int.h"

int store_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest rank of per-mille q in sorted v[n]. */
int64_t store_rank(const int64_t *v, size_t n, int q)
{
	size_t r = ((size_t)q * n + 999) / 1000;

	if (!n)
		return -1;
	return v[r ? r - 1 : 0];
}

void store_vals_push(struct vals *a, int64_t x)
{
	a->v = xgrow(a->v, a->n, &a->cap, sizeof(*a->v), 256);
	a->v[a->n++] = x;
}

int64_t store_hour_floor(int64_t t_ms)
{
	return t_ms - ((t_ms % HOUR_MS) + HOUR_MS) % HOUR_MS;
}

static void rollup_from(struct rollup *ru, int64_t hour, struct vals ph[PHASE_END], int64_t probes,
			int64_t failures, int64_t warns)
{
	ru->hour_ms = hour;
	ru->probes = probes;
	ru->failures = failures;
	ru->warns = warns;
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		struct vals *a = &ph[k];
		int64_t sum = 0;

		ru->n[k] = (int64_t)a->n;
		if (!a->n) {
			ru->min[k] = ru->avg[k] = ru->max[k] = ru->p95[k] = -1;
			continue;
		}
		qsort(a->v, a->n, sizeof(*a->v), store_cmp_i64);
		for (size_t i = 0; i < a->n; i++)
			sum += a->v[i];
		ru->min[k] = a->v[0];
		ru->max[k] = a->v[a->n - 1];
		ru->avg[k] = sum / (int64_t)a->n;
		ru->p95[k] = store_rank(a->v, a->n, 950);
		a->n = 0;
	}
}

void store_rollup_read(sqlite3_stmt *s, struct rollup *ru)
{
	ru->hour_ms = sqlite3_column_int64(s, 1);
	ru->probes = sqlite3_column_int64(s, 2);
	ru->failures = sqlite3_column_int64(s, 3);
	ru->warns = sqlite3_column_int64(s, 4);
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		ru->n[k] = sqlite3_column_int64(s, 5 + 5 * PCOL(k));
		ru->min[k] = store_col_us(s, 6 + 5 * PCOL(k));
		ru->avg[k] = store_col_us(s, 7 + 5 * PCOL(k));
		ru->max[k] = store_col_us(s, 8 + 5 * PCOL(k));
		ru->p95[k] = store_col_us(s, 9 + 5 * PCOL(k));
	}
}

/* Writes a rollup, merged into the one already there (late probes of a rolled-up hour). */
static int rollup_put(struct store *st, int64_t ep, struct rollup *ru)
{
	sqlite3_stmt *get = store_stmt(st, S_ROLL_GET), *put = store_stmt(st, S_ROLL_PUT);
	int rc;

	if (!get || !put)
		return -1;
	sqlite3_bind_int64(get, 1, ep);
	sqlite3_bind_int64(get, 2, ru->hour_ms);
	rc = sqlite3_step(get);
	if (rc == SQLITE_ROW) {
		struct rollup old;

		store_rollup_read(get, &old);
		ru->probes += old.probes;
		ru->failures += old.failures;
		ru->warns += old.warns;
		for (int k = PHASE_FIRST; k < PHASE_END; k++) {
			int64_t n = ru->n[k] + old.n[k];

			if (!old.n[k])
				continue;
			if (!ru->n[k]) {
				ru->n[k] = old.n[k];
				ru->min[k] = old.min[k];
				ru->avg[k] = old.avg[k];
				ru->max[k] = old.max[k];
				ru->p95[k] = old.p95[k];
				continue;
			}
			ru->avg[k] = (ru->avg[k] * ru->n[k] + old.avg[k] * old.n[k]) / n;
			ru->min[k] = old.min[k] < ru->min[k] ? old.min[k] : ru->min[k];
			ru->max[k] = old.max[k] > ru->max[k] ? old.max[k] : ru->max[k];
			/* the raw rows behind the old p95 are gone: keep the worse one */
			ru->p95[k] = old.p95[k] > ru->p95[k] ? old.p95[k] : ru->p95[k];
			ru->n[k] = n;
		}
	}
	sqlite3_reset(get);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return -1;
	sqlite3_bind_int64(put, 1, ep);
	sqlite3_bind_int64(put, 2, ru->hour_ms);
	sqlite3_bind_int64(put, 3, ru->probes);
	sqlite3_bind_int64(put, 4, ru->failures);
	sqlite3_bind_int64(put, 5, ru->warns);
	for (int k = PHASE_FIRST; k < PHASE_END; k++) {
		sqlite3_bind_int64(put, 6 + 5 * PCOL(k), ru->n[k]);
		store_bind_us(put, 7 + 5 * PCOL(k), ru->n[k] ? ru->min[k] : -1);
		store_bind_us(put, 8 + 5 * PCOL(k), ru->n[k] ? ru->avg[k] : -1);
		store_bind_us(put, 9 + 5 * PCOL(k), ru->n[k] ? ru->max[k] : -1);
		store_bind_us(put, 10 + 5 * PCOL(k), ru->n[k] ? ru->p95[k] : -1);
	}
	return store_stmt_run(put) == SQLITE_OK ? 0 : -1;
}

/* The end of endpoint ep's closed hours, INT64_MIN when it has none, or INT64_MAX on error. */
int64_t store_rolled_until(struct store *st, int64_t ep)
{
	sqlite3_stmt *s = store_stmt(st, S_ROLLED_ID);
	int64_t t = INT64_MAX;
	int rc;

	if (!s)
		return INT64_MAX;
	sqlite3_bind_int64(s, 1, ep);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		t = sqlite3_column_type(s, 0) == SQLITE_NULL ? INT64_MIN : sqlite3_column_int64(s, 0);
	sqlite3_reset(s);
	return t;
}

/*
 * A probe for an hour already closed (see "Invariants") goes into that
 * hour's rollup as well as into the raw rows, or readers, which take closed
 * hours from rollups, would never count it. Returns 0 or -1.
 */
int store_merge_late(struct store *st, int64_t ep, const struct qprobe *q)
{
	uint64_t known;
	int64_t rolled;
	struct vals ph[PHASE_END] = { { 0 } };
	struct rollup ru;
	int rc;

	if (hashmap_get(&st->rolled, (uint64_t)ep, &known)) {
		rolled = (int64_t)known;
	} else {
		if ((rolled = store_rolled_until(st, ep)) == INT64_MAX)
			return -1;
		hashmap_put(&st->rolled, (uint64_t)ep, (uint64_t)rolled);
	}
	if (q->t_ms >= rolled)
		return 0;
	for (int k = PHASE_FIRST; k < PHASE_END && q->state != DB_DOWN; k++)
		if (q->us[k] >= 0)
			store_vals_push(&ph[k], q->us[k]);
	rollup_from(&ru, store_hour_floor(q->t_ms), ph, 1, q->state == DB_DOWN, q->state == DB_WARN);
	rc = rollup_put(st, ep, &ru);
	for (int k = PHASE_FIRST; k < PHASE_END; k++)
		free(ph[k].v);
	return rc;
}

/*
 * Closes endpoint ep's whole hours in [from, cutoff) (cutoff an hour
 * boundary) from its raw rows, oldest first, stopping after the hour in
 * which budget rows were read. *rolled becomes the end of the last hour
 * closed (unchanged when there was none). Returns the raw rows read, or -1.
 */
int64_t store_close_hours(struct store *st, int64_t ep, int64_t from, int64_t cutoff, int64_t budget,
			   int64_t *rolled)
{
	sqlite3_stmt *s = store_stmt(st, S_RAW_HOURS);
	struct vals ph[PHASE_END] = { { 0 } };
	struct rollup ru;
	int64_t rows = 0, hour = -1, probes = 0, failures = 0, warns = 0;
	int rc = SQLITE_DONE;

	if (!s)
		return -1;
	sqlite3_bind_int64(s, 1, ep);
	sqlite3_bind_int64(s, 2, from);
	sqlite3_bind_int64(s, 3, cutoff);
	for (;;) {
		int64_t h;

		rc = sqlite3_step(s);
		if (rc != SQLITE_ROW)
			break;
		h = store_hour_floor(sqlite3_column_int64(s, 0));
		if (h != hour) {
			/* one hour is complete: it has no rollup yet (it is past rolled_until) */
			if (hour != -1) {
				rollup_from(&ru, hour, ph, probes, failures, warns);
				if (rollup_put(st, ep, &ru) != 0) {
					rc = SQLITE_ERROR;
					break;
				}
				*rolled = hour + HOUR_MS;
				if (rows >= budget)
					break;
			}
			hour = h;
			probes = failures = warns = 0;
		}
		rows++;
		probes++;
		if (sqlite3_column_int(s, 1) == DB_DOWN) {
			failures++;
			continue;
		}
		if (sqlite3_column_int(s, 1) == DB_WARN)
			warns++;
		for (int k = PHASE_FIRST; k < PHASE_END; k++)
			if (sqlite3_column_type(s, 2 + PCOL(k)) != SQLITE_NULL)
				store_vals_push(&ph[k], sqlite3_column_int64(s, 2 + PCOL(k)));
	}
	sqlite3_reset(s);
	if (rc == SQLITE_DONE && hour != -1) {
		rollup_from(&ru, hour, ph, probes, failures, warns);
		if (rollup_put(st, ep, &ru) != 0)
			rc = SQLITE_ERROR;
		else
			*rolled = hour + HOUR_MS;
	}
	for (int k = PHASE_FIRST; k < PHASE_END; k++)
		free(ph[k].v);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? rows : -1;
}
