/*
 * metrics_bench: what one /metrics render costs, printed as markdown.
 *
 *   metrics_bench [-r RENDERS] [-k REPEATS] N [N...]
 *
 * For each N: a config of N endpoints, a real monitor and history store in
 * a temporary directory, one realistic result per endpoint fed through
 * monitor_result (a two-certificate chain, TLS 1.3, HTTP/2, every phase;
 * every tenth endpoint refused and so failing) and written to the store,
 * and the uptime cache filled from it (its full sweep is timed too: what a
 * collector's timer spreads over UPCACHE_SLICE_US slices). Then RENDERS
 * renders of the whole page, as the listener makes them (metrics_render
 * into a reused buffer): CPU time per render (CLOCK_PROCESS_CPUTIME_ID,
 * median and worst), the page's bytes and lines, and the heap in use
 * (mallinfo2) and resident memory after the first render and after
 * REPEATS more: a render that allocated per request would grow them.
 * Figures are reported, never asserted.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/metrics.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"
#include "httpsmon/upcache.h"
#include "httpsmon/util.h"

static double cpu_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	if (f) {
		if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
			rss = 0;
		fclose(f);
	}
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void feed(struct monitor *m, struct metrics *mx, const char *name, int i, int64_t now)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = now - 200;
	r.t.us[PHASE_DNS] = 900 + i % 300;
	snprintf(r.ip, sizeof(r.ip), "192.0.2.%d", i % 250 + 1);
	r.port = 443;
	if (i % 10 == 9) {
		r.error = PERR_REFUSED;
		r.failed_phase = PHASE_CONNECT;
		r.t.us[PHASE_CONNECT] = 310;
		r.t.us[PHASE_TOTAL] = 1210 + i % 300;
		snprintf(r.error_text, sizeof(r.error_text), "Failed to connect: Connection refused");
	} else {
		r.t.us[PHASE_CONNECT] = 2100 + i % 1000;
		r.t.us[PHASE_TLS] = 14000 + i % 5000;
		r.t.us[PHASE_SERVER] = 31000 + i % 20000;
		r.t.us[PHASE_TRANSFER] = 250;
		r.t.us[PHASE_TOTAL] = 48350 + i % 26000;
		r.http_status = 200;
		snprintf(r.http_version, sizeof(r.http_version), "HTTP/2");
		snprintf(r.tls_version, sizeof(r.tls_version), "TLSv1.3");
		r.tls_version_num = 13;
		snprintf(r.cipher, sizeof(r.cipher), "TLS_AES_256_GCM_SHA384");
		r.verify.checked = true;
		r.verify.hostname_ok = 1;
		r.chain_len = 2;
		for (int c = 0; c < 2; c++) {
			r.chain[c].subject = c ? xstrdup("CN=R3,O=Let's Encrypt,C=US")
					       : xasprintf("CN=%s.shop.example.com", name);
			r.chain[c].issuer = xstrdup(c ? "CN=ISRG Root X1,O=Internet Security Research Group,C=US"
						      : "CN=R3,O=Let's Encrypt,C=US");
			r.chain[c].not_before = now / 1000 - 30 * 86400;
			r.chain[c].not_after = now / 1000 + (c ? 400 : 60 + i % 30) * 86400;
			for (int k = 0; k < 64; k++)
				r.chain[c].sha256[k] = "0123456789abcdef"[(i * 7 + k * 13 + c) % 16];
			snprintf(r.chain[c].serial, sizeof(r.chain[c].serial), "04A1%08X%02d", (unsigned)i * 2654435761u, c);
		}
	}
	monitor_result(m, name, &r, now);
	metrics_observe_probe(mx, &r);
	probe_result_done(&r);
}

static void run(int n, int renders, int repeats)
{
	char dir[] = "/tmp/metrics_bench.XXXXXX", path[256], err[2048];
	struct strbuf ini = { 0 }, page = { 0 };
	struct config *cfg;
	struct store *st;
	struct monitor *m;
	struct metrics *mx = metrics_new();
	struct upcache *up;
	int64_t now = util_now_ms();
	double *t = calloc((size_t)renders, sizeof(*t)), t0, sweep_ms;
	struct mallinfo2 h1, h2;
	long rss1, rss2;
	size_t lines = 0;
	FILE *f;

	if (!mkdtemp(dir) || !t)
		exit(1);
	strbuf_puts(&ini, "[defaults]\ninterval = 60s\nlocation = fra-1\n");
	for (int i = 0; i < n; i++)
		strbuf_printf(&ini, "[ep-%05d]\nurl = https://ep-%05d.shop.example.com/\n", i, i);
	snprintf(path, sizeof(path), "%s/endpoints.ini", dir);
	if (!(f = fopen(path, "w")) || fwrite(ini.s, 1, ini.len, f) != ini.len || fclose(f))
		exit(1);
	if (!(cfg = config_load(path, err, sizeof(err)))) {
		fprintf(stderr, "metrics_bench: %s\n", err);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/history.db", dir);
	if (!(st = store_open(path, STORE_COLLECTOR, err, sizeof(err)))) {
		fprintf(stderr, "metrics_bench: %s\n", err);
		exit(1);
	}
	m = monitor_new(st, NULL, NULL);
	monitor_set_config(m, cfg, now);
	for (int i = 0; i < n; i++) {
		feed(m, mx, monitor_at(m, (size_t)i)->name, i, now);
		if (i % 100 == 99)
			store_flush(st);
	}
	store_flush(st);
	up = upcache_new(NULL, st, m);
	t0 = cpu_ms();
	while (upcache_refresh(up, now + 1000, 1000000))
		;
	sweep_ms = cpu_ms() - t0;

	struct metrics_info in = { .location = "fra-1", .now_ms = now + 1000, .reload_ok = true, .reload_ms = now,
				   .up = up };
	metrics_render(mx, &page, m, &in); /* first: the buffers grow to the page */
	for (size_t i = 0; i < page.len; i++)
		lines += page.s[i] == '\n';
	h1 = mallinfo2();
	rss1 = rss_kb();
	for (int k = 0; k < renders; k++) {
		strbuf_reset(&page);
		t0 = cpu_ms();
		metrics_render(mx, &page, m, &in);
		t[k] = cpu_ms() - t0;
	}
	for (int k = 0; k < repeats; k++) {
		strbuf_reset(&page);
		metrics_render(mx, &page, m, &in);
	}
	h2 = mallinfo2();
	rss2 = rss_kb();
	qsort(t, (size_t)renders, sizeof(*t), cmp_d);
	printf("| %d | %.2f | %.2f | %.1f | %zu | %zu | %.1f -> %.1f | %.1f -> %.1f | %.0f |\n", n, t[(renders - 1) / 2],
	       t[renders - 1], (double)page.len / 1024.0, lines, (size_t)(renders + repeats),
	       (double)h1.uordblks / 1024.0, (double)h2.uordblks / 1024.0, (double)rss1 / 1024.0, (double)rss2 / 1024.0,
	       sweep_ms);
	fflush(stdout);
	upcache_free(up);
	metrics_free(mx);
	monitor_free(m);
	store_close(st);
	config_unref(cfg);
	strbuf_done(&ini);
	strbuf_done(&page);
	free(t);
	snprintf(path, sizeof(path), "rm -rf '%s'", dir);
	if (system(path) != 0)
		fprintf(stderr, "metrics_bench: could not remove %s\n", dir);
}

int main(int argc, char **argv)
{
	int renders = 21, repeats = 500, c;

	while ((c = getopt(argc, argv, "r:k:")) != -1) {
		if (c == 'r')
			renders = atoi(optarg);
		else if (c == 'k')
			repeats = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc || renders < 1 || repeats < 0) {
		fprintf(stderr, "usage: metrics_bench [-r RENDERS] [-k REPEATS] N [N...]\n");
		return 2;
	}
	printf("| endpoints | CPU ms per render, median | worst | page KiB | lines | renders | heap in use KiB, "
	       "after the first -> after all | RSS MiB, same | uptime cache full sweep, CPU ms |\n");
	printf("|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	for (int i = optind; i < argc; i++)
		run(atoi(argv[i]), renders, repeats);
	return 0;
}
