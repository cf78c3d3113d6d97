/*
 * posture_bench: what a posture pass over N endpoints costs the collector,
 * and what it does to the ordinary probes' scheduling lateness.
 *
 *   posture_bench [-w WINDOW_S] CONFIG DB
 *
 * Runs the real collector (app_new on its own loop, history in DB) on
 * CONFIG for WINDOW_S seconds (default 30), then reads the posture table
 * back. The config decides the case: posture_interval = off for the
 * baseline, a short posture_interval (10s: every endpoint's first pass due
 * within 10 s of start) for the pass. Measured:
 *   - each probe's lateness (start - due) through app_opts.on_late, with
 *     the wall time it started;
 *   - the process's CPU (getrusage user + sys) every 100 ms;
 *   - the passes: from the posture table, each endpoint's first pass (kept
 *     as a change; the server does not change, so later passes replace
 *     each other): its end (t_ms), its own wall time (took_ms), handshakes.
 * The pass window is [first pass start, last pass end]. Prints key=value
 * lines: passes, handshakes_per_endpoint, pass_wall_s (the window),
 * pass_mean_ms, cpu_s_window (process CPU inside the window), cpu_s_total,
 * wall_s_total, starts_window and late_p50/p99/max_ms_window (probes started
 * inside the window; the whole run when there was no pass), late_over_100.
 * Exit status 0, or 2 on a usage or setup error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <sqlite3.h>

#include "httpsmon/app.h"
#include "httpsmon/loop.h"
#include "httpsmon/posture_rec.h"
#include "httpsmon/util.h"

#define CPU_EVERY_MS 100

struct sample {
	int64_t wall_ms;
	double v;           /* lateness ms, or CPU seconds */
};

struct bench {
	struct app *app;
	struct sample *late, *cpu;
	size_t nlate, ncpu, caplate, capcpu;
};

static void push(struct sample **v, size_t *n, size_t *cap, int64_t t, double x)
{
	*v = xgrow(*v, *n, cap, sizeof(**v), 1024);
	(*v)[(*n)++] = (struct sample){ t, x };
}

static void on_late(void *ud, int64_t late_ms)
{
	struct bench *b = ud;

	push(&b->late, &b->nlate, &b->caplate, util_now_ms(), (double)late_ms);
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int64_t cpu_cb(struct loop *l, uint64_t id, void *ud)
{
	struct bench *b = ud;

	(void)l, (void)id;
	push(&b->cpu, &b->ncpu, &b->capcpu, util_now_ms(), cpu_s());
	return CPU_EVERY_MS;
}

static int64_t stop_cb(struct loop *l, uint64_t id, void *ud)
{
	(void)l, (void)id;
	app_request_stop(((struct bench *)ud)->app);
	return LOOP_TIMER_STOP;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q of n sorted values; 0 when n = 0. */
static double pct(const double *v, size_t n, double q)
{
	size_t rank = (size_t)(q * (double)n);

	if (!n)
		return 0;
	if ((double)rank < q * (double)n)
		rank++;
	return v[(rank < 1 ? 1 : rank > n ? n : rank) - 1];
}

/* CPU seconds at wall time t, from the samples (the nearest before it). */
static double cpu_at(const struct bench *b, int64_t t)
{
	double v = b->ncpu ? b->cpu[0].v : 0;

	for (size_t i = 0; i < b->ncpu && b->cpu[i].wall_ms <= t; i++)
		v = b->cpu[i].v;
	return v;
}

struct passes {
	int n, handshakes;
	int64_t first_ms, last_ms, took_ms;
};

static int read_passes(const char *db, struct passes *p)
{
	sqlite3 *h;
	sqlite3_stmt *s;

	memset(p, 0, sizeof *p);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT data FROM posture WHERE changed = 1", -1, &s, NULL) != SQLITE_OK) {
		fprintf(stderr, "posture_bench: %s: %s\n", db, sqlite3_errmsg(h));
		sqlite3_close(h);
		return -1;
	}
	while (sqlite3_step(s) == SQLITE_ROW) {
		struct posture_rec r;

		if (posture_rec_from_json((const char *)sqlite3_column_text(s, 0), &r) != 0)
			continue;
		if (!p->n || r.p.started_ms < p->first_ms)
			p->first_ms = r.p.started_ms;
		if (r.t_ms > p->last_ms)
			p->last_ms = r.t_ms;
		p->n++;
		p->handshakes += r.p.handshakes;
		p->took_ms += r.p.took_ms;
	}
	sqlite3_finalize(s);
	sqlite3_close(h);
	return 0;
}

static void report(const struct bench *b, const struct passes *ps, int64_t t0, int64_t t1)
{
	int64_t w0 = ps->n ? ps->first_ms : t0, w1 = ps->n ? ps->last_ms : t1;
	double *v = xcalloc(b->nlate + 1, sizeof *v);
	size_t n = 0, over = 0;

	for (size_t i = 0; i < b->nlate; i++) {
		if (b->late[i].wall_ms < w0 || b->late[i].wall_ms > w1)
			continue;
		v[n++] = b->late[i].v;
		over += b->late[i].v > 100;
	}
	qsort(v, n, sizeof *v, cmp_double);
	printf("passes=%d\nhandshakes=%d\n", ps->n, ps->handshakes);
	printf("handshakes_per_endpoint=%.1f\n", ps->n ? (double)ps->handshakes / ps->n : 0);
	printf("pass_wall_s=%.2f\npass_mean_ms=%.1f\n", (double)(w1 - w0) / 1000, ps->n ? (double)ps->took_ms / ps->n : 0);
	printf("cpu_s_window=%.3f\ncpu_s_total=%.3f\nwall_s_total=%.2f\n", cpu_at(b, w1) - cpu_at(b, w0),
	       cpu_at(b, t1) - cpu_at(b, t0), (double)(t1 - t0) / 1000);
	printf("starts_window=%zu\nlate_p50_ms=%.0f\nlate_p99_ms=%.0f\nlate_max_ms=%.0f\nlate_over_100=%zu\n", n,
	       pct(v, n, 0.50), pct(v, n, 0.99), n ? v[n - 1] : 0, over);
	free(v);
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	struct app_opts o = { .on_late = on_late, .ud = &b };
	struct passes ps;
	int64_t window_s = 30, t0, t1;
	char err[4096];
	int i = 1;

	if (argc > 2 && !strcmp(argv[1], "-w")) {
		window_s = atoll(argv[2]);
		i = 3;
	}
	if (argc - i != 2 || window_s <= 0) {
		fprintf(stderr, "usage: posture_bench [-w WINDOW_S] CONFIG DB\n");
		return 2;
	}
	o.config_path = argv[i];
	o.db_path = argv[i + 1];
	b.app = app_new(&o, err, sizeof err);
	if (!b.app) {
		fprintf(stderr, "posture_bench: %s\n", err);
		return 2;
	}
	loop_timer_add(app_loop(b.app), 0, cpu_cb, &b);
	loop_timer_add(app_loop(b.app), window_s * 1000, stop_cb, &b);
	t0 = util_now_ms();
	app_run(b.app);
	t1 = util_now_ms();
	push(&b.cpu, &b.ncpu, &b.capcpu, t1, cpu_s());
	app_shutdown(b.app);
	app_free(b.app);
	if (read_passes(o.db_path, &ps) != 0)
		return 2;
	report(&b, &ps, t0, t1);
	free(b.late);
	free(b.cpu);
	return 0;
}
