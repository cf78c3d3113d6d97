/*
 * sched_bench: how late the scheduler starts probes, with real probes on a
 * real event loop.
 *
 *   sched_bench [-w WINDOW_S] [-o LATEFILE] CONFIG
 *
 * Loads CONFIG (every endpoint's interval comes from it), puts every
 * endpoint in a scheduler at start-up, then runs the collector's loop
 * shape for WINDOW_S seconds (default 65): prober_wait() with the timeout
 * set by sched_next_due_ms(), prober_perform() (finished probes call
 * sched_done), sched_take_due() and prober_submit() for each due endpoint.
 * After the window no new probe starts; the ones in flight are waited for.
 *
 * Lateness of one start is measured twice:
 *   submit    monotonic time (us) when prober_submit() is called minus the
 *             due time: the scheduler and the loop's own delay.
 *   transfer  the probe result's started_ms (wall clock, when the transfer
 *             was handed to curl) minus the due time mapped to the wall
 *             clock: adds the wait in the prober's max_inflight queue.
 *             Whole milliseconds only, as started_ms is.
 *
 * Prints key=value lines on stdout: starts, ok, failed, the nearest-rank
 * p50/p95/p99/max of both latenesses in ms, how many starts were more than
 * 100 ms late, wall time and the process's CPU seconds (getrusage user +
 * sys, which includes the TLS work of every probe). With -o, also writes
 * one line per start to LATEFILE: "id due_ms submit_late_ms". Exit status
 * 0, or 2 on a usage or setup error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "httpsmon/config.h"
#include "httpsmon/probe.h"
#include "httpsmon/sched.h"
#include "httpsmon/util.h"

#define TAKE_PER_PASS 256
#define LATE_LIMIT_MS 100.0   /* the target */

struct bench {
	struct config *cfg;
	struct sched *sched;
	struct prober *prober;
	int64_t wall_minus_mono_us; /* wall clock - monotonic clock, taken once */
	int64_t *due_ms;            /* per endpoint: due time of its running probe */
	double *submit_late;        /* ms, one per start */
	double *transfer_late;      /* ms, one per finished probe */
	size_t starts, finished, cap;
	size_t ok, failed;
};

static int64_t mono_ms(void)
{
	return util_mono_us() / 1000;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile q (0 < q <= 1) of n sorted values; 0 when n = 0. */
static double pct(const double *v, size_t n, double q)
{
	size_t rank;

	if (!n)
		return 0;
	rank = (size_t)(q * (double)n);
	if ((double)rank < q * (double)n)
		rank++;
	if (rank < 1)
		rank = 1;
	return v[(rank > n ? n : rank) - 1];
}

static void report(const char *what, double *v, size_t n)
{
	size_t over = 0;

	qsort(v, n, sizeof(*v), cmp_double);
	for (size_t i = 0; i < n; i++)
		over += v[i] > LATE_LIMIT_MS;
	printf("%s_n=%zu\n%s_p50_ms=%.3f\n%s_p95_ms=%.3f\n%s_p99_ms=%.3f\n%s_max_ms=%.3f\n"
	       "%s_over_100ms=%zu\n",
	       what, n, what, pct(v, n, 0.50), what, pct(v, n, 0.95), what, pct(v, n, 0.99),
	       what, n ? v[n - 1] : 0.0, what, over);
}

static void done_cb(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct bench *b = ud;
	int64_t due_wall_ms = (b->due_ms[tag] * 1000 + b->wall_minus_mono_us) / 1000;

	(void)ep;
	if (r->error == PERR_NONE)
		b->ok++;
	else
		b->failed++;
	if (r->started_ms > 0 && b->finished < b->cap)
		b->transfer_late[b->finished++] = (double)(r->started_ms - due_wall_ms);
	sched_done(b->sched, tag, mono_ms());
}

static void usage(void)
{
	fprintf(stderr, "usage: sched_bench [-w WINDOW_S] [-o LATEFILE] CONFIG\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct bench b = {0};
	struct sched_due due[TAKE_PER_PASS];
	struct rusage ru;
	const char *latefile = NULL;
	FILE *late = NULL;
	long window_s = 65;
	int64_t t0, end;
	char err[4096];
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-w") && i + 1 < argc) {
			char *e;

			errno = 0;
			window_s = strtol(argv[++i], &e, 10);
			if (errno || *e || window_s < 1 || window_s > 86400)
				usage();
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			latefile = argv[++i];
		} else {
			usage();
		}
	}
	if (i + 1 != argc)
		usage();

	b.cfg = config_load(argv[i], err, sizeof(err));
	if (!b.cfg) {
		fprintf(stderr, "sched_bench: %s\n", err);
		return 2;
	}
	b.prober = prober_new(b.cfg->max_inflight, done_cb, &b, err, sizeof(err));
	if (!b.prober) {
		fprintf(stderr, "sched_bench: %s\n", err);
		return 2;
	}
	if (latefile && !(late = fopen(latefile, "w"))) {
		fprintf(stderr, "sched_bench: %s: %s\n", latefile, strerror(errno));
		return 2;
	}
	b.sched = sched_new();
	b.due_ms = xcalloc(b.cfg->n, sizeof(*b.due_ms));
	/* room for every endpoint to run once per second of the window */
	b.cap = b.cfg->n * ((size_t)window_s + 1);
	b.submit_late = xcalloc(b.cap, sizeof(*b.submit_late));
	b.transfer_late = xcalloc(b.cap, sizeof(*b.transfer_late));

	t0 = mono_ms();
	b.wall_minus_mono_us = util_now_ms() * 1000 - util_mono_us();
	end = t0 + window_s * 1000;
	for (size_t k = 0; k < b.cfg->n; k++)
		sched_set(b.sched, k, b.cfg->eps[k].name, b.cfg->eps[k].interval_ms, t0);

	for (;;) {
		int64_t now = mono_ms();
		int64_t until = now < end ? sched_next_due_ms(b.sched) : now + 1000;
		size_t n;

		if (now >= end && !prober_running(b.prober) && !prober_queued(b.prober))
			break;
		if (now < end && until > end)
			until = end;
		if (prober_wait(b.prober, NULL, 0, until > now ? (int)(until - now) : 0) != 0) {
			fprintf(stderr, "sched_bench: prober_wait failed\n");
			return 2;
		}
		prober_perform(b.prober);

		if (mono_ms() >= end)
			continue;
		n = sched_take_due(b.sched, mono_ms(), due, TAKE_PER_PASS);
		for (size_t k = 0; k < n; k++) {
			double late_ms = (double)(util_mono_us() - due[k].due_ms * 1000) / 1000.0;

			if (b.starts < b.cap)
				b.submit_late[b.starts++] = late_ms;
			if (late)
				fprintf(late, "%llu %lld %.3f\n", (unsigned long long)due[k].id,
					(long long)(due[k].due_ms - t0), late_ms);
			b.due_ms[due[k].id] = due[k].due_ms;
			prober_submit(b.prober, b.cfg, (size_t)due[k].id, due[k].id);
		}
	}
	getrusage(RUSAGE_SELF, &ru);

	printf("endpoints=%zu\nwindow_s=%ld\nstarts=%zu\nok=%zu\nfailed=%zu\n", b.cfg->n, window_s,
	       b.starts, b.ok, b.failed);
	report("submit_late", b.submit_late, b.starts);
	report("transfer_late", b.transfer_late, b.finished);
	printf("wall_s=%.3f\ncpu_s=%.3f\n", (double)(mono_ms() - t0) / 1000.0,
	       (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);

	if (late)
		fclose(late);
	prober_free(b.prober);
	sched_free(b.sched);
	config_unref(b.cfg);
	free(b.due_ms);
	free(b.submit_late);
	free(b.transfer_late);
	return 0;
}
