/*
 * metrics_bench: what one /metrics render costs, printed as markdown.
 *
 *   metrics_bench [-r RENDERS] [-k REPEATS] [-c CLIENTS] N [N...]
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
 * With -c CLIENTS, then CLIENTS concurrent scrapes of that page through
 * the real listener on a loop on loopback (one curl --parallel child, as
 * many scrapers at once): the renders they caused, the process's CPU for
 * the burst, its wall time, the heap in use at its peak (mallinfo2,
 * sampled every loop pass) and the peak RSS (VmHWM, reset first) above
 * where they were before. Built against an older listener (no shared
 * pages), the same program measures "before".
 * Figures are reported, never asserted.
 */
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/listen.h"
#include "httpsmon/loop.h"
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

/* ---- concurrent scrapes through the listener ------------------------------ */

struct burst {
	struct metrics *mx;
	const struct monitor *m;
	const struct metrics_info *in;
	unsigned renders;
	size_t heap_peak;
	int status;
};

static size_t heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

static long status_kb(const char *key)
{
	char line[256];
	long v = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, key, strlen(key)))
			v = atol(line + strlen(key));
	if (f)
		fclose(f);
	return v;
}

static int page_handler(void *ud, const struct listen_req *rq, struct strbuf *body, const char **ctype)
{
	struct burst *b = ud;

	(void)rq;
	*ctype = "text/plain; version=0.0.4; charset=utf-8";
	b->renders++;
	metrics_render(b->mx, body, b->m, b->in);
	return 200;
}

static void burst_sample(struct loop *l, void *ud)
{
	struct burst *b = ud;
	size_t h = heap_in_use();

	(void)l;
	if (h > b->heap_peak)
		b->heap_peak = h;
}

static void burst_done(struct loop *l, pid_t pid, int status, void *ud)
{
	(void)pid;
	((struct burst *)ud)->status = status;
	loop_stop(l);
}

static int free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* curl fetching url clients times at once, bodies thrown away. */
static pid_t scrapers(const char *url, int clients)
{
	struct strbuf cmd = { 0 };
	pid_t pid;

	strbuf_printf(&cmd, "exec 2>/dev/null curl -s --fail --parallel --parallel-immediate --parallel-max %d", clients);
	for (int i = 0; i < clients; i++)
		strbuf_printf(&cmd, " '%s' -o /dev/null", url);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd.s, (char *)NULL);
		_exit(127);
	}
	strbuf_done(&cmd);
	return pid;
}

static void concurrent(struct metrics *mx, const struct monitor *m, const struct metrics_info *in, int n, int clients)
{
	struct burst b = { .mx = mx, .m = m, .in = in, .status = -1 };
	char err[512], addr[64], url[128];
	struct loop *l = loop_new(0, err, sizeof(err));
	struct listener *li;
	size_t heap0;
	long rss0, hwm;
	double c0, w0;
	int fd, port = free_port();
	pid_t pid;

	snprintf(addr, sizeof(addr), "127.0.0.1:%d", port);
	if (!l || !(li = listener_new(l, addr, NULL, page_handler, NULL, &b, err, sizeof(err)))) {
		fprintf(stderr, "metrics_bench: %s\n", err);
		exit(1);
	}
#ifdef LISTEN_SEND_MAX_S
	listener_share(li, "/metrics"); /* a listener with shared pages (pages.h) */
#endif
	loop_before_sleep_add(l, burst_sample, &b);
	snprintf(url, sizeof(url), "http://%s/metrics", addr);
	if ((fd = open("/proc/self/clear_refs", O_WRONLY)) >= 0) {
		if (write(fd, "5", 1) != 1)
			fprintf(stderr, "metrics_bench: VmHWM not reset\n");
		close(fd);
	}
	heap0 = b.heap_peak = heap_in_use();
	rss0 = status_kb("VmRSS:");
	c0 = cpu_ms();
	w0 = (double)util_mono_us() / 1000.0;
	pid = scrapers(url, clients);
	loop_child_add(l, pid, burst_done, &b);
	loop_run(l);
	hwm = status_kb("VmHWM:");
	printf("| %d | %d | %u | %.0f | %.0f | %.1f | %.1f | %s |\n", n, clients, b.renders, cpu_ms() - c0,
	       (double)util_mono_us() / 1000.0 - w0, (double)(b.heap_peak - heap0) / 1048576.0,
	       (double)(hwm - rss0) / 1024.0, WIFEXITED(b.status) && !WEXITSTATUS(b.status) ? "all 200" : "curl failed");
	fflush(stdout);
	listener_free(li);
	loop_free(l);
}

static void run(int n, int renders, int repeats, int clients)
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
	if (!clients)
		printf("| %d | %.2f | %.2f | %.1f | %zu | %zu | %.1f -> %.1f | %.1f -> %.1f | %.0f |\n", n, t[(renders - 1) / 2],
	       t[renders - 1], (double)page.len / 1024.0, lines, (size_t)(renders + repeats),
	       (double)h1.uordblks / 1024.0, (double)h2.uordblks / 1024.0, (double)rss1 / 1024.0, (double)rss2 / 1024.0,
	       sweep_ms);
	fflush(stdout);
	if (clients > 0) {
		strbuf_done(&page); /* the burst's pages are the listener's */
		concurrent(mx, m, &in, n, clients);
	}
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
	int renders = 21, repeats = 500, clients = 0, c;

	while ((c = getopt(argc, argv, "r:k:c:")) != -1) {
		if (c == 'r')
			renders = atoi(optarg);
		else if (c == 'c')
			clients = atoi(optarg);
		else if (c == 'k')
			repeats = atoi(optarg);
		else
			return 2;
	}
	if (optind >= argc || renders < 1 || repeats < 0) {
		fprintf(stderr, "usage: metrics_bench [-r RENDERS] [-k REPEATS] [-c CLIENTS] N [N...]\n");
		return 2;
	}
	if (clients > 0) {
		printf("| endpoints | concurrent scrapes | renders | CPU ms | wall ms | heap peak above before, MiB | "
		       "peak RSS above before, MiB | answers |\n|--:|--:|--:|--:|--:|--:|--:|--|\n");
	} else {
		printf("| endpoints | CPU ms per render, median | worst | page KiB | lines | renders | heap in use KiB, "
		       "after the first -> after all | RSS MiB, same | uptime cache full sweep, CPU ms |\n");
		printf("|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
	}
	for (int i = optind; i < argc; i++)
		run(atoi(argv[i]), renders, repeats, clients);
	return 0;
}
