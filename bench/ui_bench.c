/*
 * ui_bench: the dashboard's drawing and history-pane figures, printed as
 * key=value lines on stdout (bench/run.sh turns them into markdown).
 *
 *   ui_bench [-n ENDPOINTS] [-r FRAMES] [-q RUNS] [-x COLS] [-y LINES] [-d DB] WORKDIR
 *   ui_bench -N DB          prints the endpoint names stored in DB, one a line
 *
 * The screen is a real terminal: newterm("xterm-256color") on the slave of
 * a pseudo-terminal of COLS x LINES (default 200 x 60) in a UTF-8 locale,
 * colours on, so ncursesw does its real work (wide characters, attribute
 * changes, the diff against curscr) and its output really goes through the
 * kernel's tty layer. A child process drains the master side as a terminal
 * would and counts the bytes. No figure includes the time of a terminal
 * emulator parsing those bytes.
 *
 * 1. List redraws. A live model (model_init_live on an app made with no
 *    history, never stepped, so nothing is probed) of ENDPOINTS endpoints
 *    from a generated config, fed through monitor_result() with 64
 *    synthetic probe results each (the sparkline is full): mostly UP, some
 *    WARN (certificate expiring, slow), some DOWN (refused, HTTP 503, TLS
 *    failure), some FAILING (one timeout). Each case times FRAMES frames;
 *    the cases take turns in blocks of 25 (each block after 2 untimed
 *    frames), so a change in the machine's load falls on all of them:
 *      still    the list pane's update (its scrolling) + erase + its draw +
 *               refresh: nothing changed since the
 *               last frame but the clock (ages), so doupdate sends little
 *      page     the same after the selection jumped a page (untimed), so
 *               every row of the screen changed
 *      repaint  the same with clearok(curscr): every cell sent again, as on
 *               the first frame or Ctrl-L
 *      results  17 new results arrived (untimed monitor_result calls: 1,000
 *               endpoints at 60 s is 17 a second), then what the loop does
 *               for them: model_refresh + model_rearrange + the list
 *               pane's update + erase + its draw + refresh
 *    The header and footer lines are drawn by static functions of view.c
 *    and are not included.
 * 2. Opening the history pane (-d DB, opened read-only): a viewer model on
 *    DB (model_init_viewer + model_refresh, as `httpsmon --view` starts),
 *    the wall clock moved (-Wl,--wrap=util_now_ms) to one minute after the
 *    newest probe in DB, so the pane's 1 h / 24 h / 7 d / 30 d windows
 *    cover the newest (raw) history. Per run and range, on a random
 *    endpoint (srand(42); a new one for every measurement, so SQLite's own
 *    cache holds none of its pages): the list is drawn (untimed), then
 *    exactly what the `h` key makes the loop do: the key handler's state
 *    change (the pane's enter and the range key), its update (the store
 *    queries, as after UI_QUERY), erase + its draw + refresh. Timed:
 *    query, draw, and both.
 *
 * Figures are reported, never asserted.
 */
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/app.h"
#include "httpsmon/ui.h"
#include "httpsmon/util.h"

#define WARMUP_FRAMES 50
#define BLOCK 25        /* timed frames of one case in a row */
#define BLOCK_LEAD 2    /* untimed frames before each block */
#define RESULTS_PER_FRAME 17
#define SPARK_RESULTS MONITOR_SPARK

/* ---- the clock ------------------------------------------------------------ */

/* The history windows end at "now": ui_bench links with -Wl,--wrap=util_now_ms. */
int64_t __real_util_now_ms(void);
int64_t __wrap_util_now_ms(void);

static int64_t fake_now_ms; /* 0: the real clock */

int64_t __wrap_util_now_ms(void)
{
	return fake_now_ms ? fake_now_ms : __real_util_now_ms();
}

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "ui_bench: %s: %s\n", what, why);
	exit(1);
}

/* ---- the terminal --------------------------------------------------------- */

struct term {
	pid_t drain;
	void *map;                   /* shared with the drain child */
	volatile long long *bytes;   /* in map: bytes the child has read so far */
	FILE *out, *in;
	SCREEN *scr;
};

/* A pty of cols x lines with a child draining its master; curses on its slave. */
static void term_open(struct term *t, int cols, int lines)
{
	struct winsize ws = { .ws_row = (unsigned short)lines, .ws_col = (unsigned short)cols };
	int master, slave;

	if (openpty(&master, &slave, NULL, NULL, &ws) != 0)
		die("openpty", strerror(errno));
	t->map = mmap(NULL, sizeof(long long), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (t->map == MAP_FAILED)
		die("mmap", strerror(errno));
	t->bytes = t->map;
	*t->bytes = 0;
	t->drain = fork();
	if (t->drain < 0)
		die("fork", strerror(errno));
	if (t->drain == 0) {
		char buf[65536];
		ssize_t k;

		close(slave);
		/* EIO once the last slave descriptor is closed */
		while ((k = read(master, buf, sizeof(buf))) > 0 || (k < 0 && errno == EINTR))
			if (k > 0)
				*t->bytes += k;
		_exit(0);
	}
	close(master);
	t->out = fdopen(slave, "w");
	t->in = fdopen(dup(slave), "r");
	if (!t->out || !t->in)
		die("fdopen", strerror(errno));
	/* the size comes from the pty, not the environment */
	unsetenv("LINES");
	unsetenv("COLUMNS");
	t->scr = newterm("xterm-256color", t->out, t->in);
	if (!t->scr)
		die("newterm", "no xterm-256color terminfo entry");
	set_term(t->scr);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	if (COLS != cols || LINES != lines) {
		char b[64];

		snprintf(b, sizeof(b), "got %dx%d, not %dx%d", COLS, LINES, cols, lines);
		die("terminal size", b);
	}
}

/* Bytes the drain child has read, once the pty has been emptied. */
static long long term_bytes(const struct term *t)
{
	long long prev = -1, now = *t->bytes;

	/* settle: the child reads what is queued within a few ms */
	while (now != prev) {
		usleep(5000);
		prev = now;
		now = *t->bytes;
	}
	return now;
}

static void term_close(struct term *t)
{
	endwin();
	delscreen(t->scr);
	fclose(t->out);
	fclose(t->in);
	waitpid(t->drain, NULL, 0);
	munmap(t->map, sizeof(long long));
}

static void ui_setup(struct ui *u)
{
	u->utf8 = true;
	u->color = true;
	ui_utf8 = true;
	ui_colors_init(u);
}

/* ---- figures -------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Prints PREFIX_median_ms, _p99_ms, _max_ms of ms[0..n) (sorts ms). Lower median, nearest-rank p99. */
static void print_stats(const char *prefix, double *ms, int n)
{
	int r99 = (int)(0.99 * n);

	if (r99 < 0.99 * n)
		r99++;
	qsort(ms, (size_t)n, sizeof(double), cmp_double);
	printf("%s_n=%d\n%s_median_ms=%.3f\n%s_p99_ms=%.3f\n%s_max_ms=%.3f\n", prefix, n, prefix, ms[(n - 1) / 2],
	       prefix, ms[r99 < 1 ? 0 : r99 - 1], prefix, ms[n - 1]);
}

/* ---- 1. list redraws ------------------------------------------------------ */

enum kind { K_UP, K_EXPIRING, K_SLOW, K_REFUSED, K_FAILING, K_HTTP503, K_TLSFAIL };

/* The endpoint mix, by index: 88% UP, 4% expiring, 1% slow, 3% refused, 2% failing, 1% 503, 1% TLS. */
static enum kind kind_of(int i)
{
	int k = i % 100;

	return k < 88 ? K_UP : k < 92 ? K_EXPIRING : k < 93 ? K_SLOW : k < 96 ? K_REFUSED : k < 98 ? K_FAILING :
	       k < 99 ? K_HTTP503 : K_TLSFAIL;
}

static const char *const services[] = { "api", "auth", "billing", "cdn", "checkout", "search", "payments",
					 "status", "www", "login", "media", "graphql", "webhooks", "docs" };
static const char *const regions[] = { "eu-west-1", "us-east-1", "ap-south-1", "eu-central-1", "us-west-2",
					"sa-east-1" };

static unsigned rnd(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 16) & 0x7fff;
}

static void fill_cert(struct cert_info *c, const char *host, bool leaf, int64_t now_s, int64_t days_left)
{
	memset(c, 0, sizeof(*c));
	c->subject = leaf ? xasprintf("CN=%s", host) : xstrdup("CN=R11,O=Let's Encrypt,C=US");
	c->issuer = leaf ? xstrdup("CN=R11,O=Let's Encrypt,C=US") : xstrdup("CN=ISRG Root X1,O=Internet Security Research Group,C=US");
	c->sans = leaf ? xasprintf("DNS:%s", host) : NULL;
	snprintf(c->serial, sizeof(c->serial), "%s", leaf ? "04A1B2C3D4E5F60718293A4B5C6D7E8F" : "8A7D3E13D62F30EF2386BD29076B34F8");
	c->not_before = now_s - 30 * 86400;
	c->not_after = leaf ? now_s + days_left * 86400 : now_s + 400 * 86400;
	snprintf(c->key_type, sizeof(c->key_type), "EC");
	c->key_bits = 256;
	snprintf(c->key_curve, sizeof(c->key_curve), "prime256v1");
	snprintf(c->sig_alg, sizeof(c->sig_alg), leaf ? "ecdsa-with-SHA256" : "sha256WithRSAEncryption");
	snprintf(c->sha256, sizeof(c->sha256), "%064x", leaf ? 1u : 2u);
	c->aia_ca_issuers = leaf ? xstrdup("http://r11.i.lencr.org/") : NULL;
	c->is_ca = !leaf;
}

/* One probe result of endpoint i (kind k), the n-th of its history; failed: a failing kind's bad result. */
static void make_result(struct probe_result *r, const char *host, enum kind k, bool failed, int64_t started_ms,
			unsigned *seed)
{
	int64_t now_s = started_ms / 1000;

	probe_result_init(r);
	r->started_ms = started_ms;
	snprintf(r->ip, sizeof(r->ip), "203.0.113.%u", 1 + rnd(seed) % 250);
	r->port = 443;
	r->t.us[PHASE_DNS] = 300 + rnd(seed) % 25000;
	r->t.us[PHASE_CONNECT] = 1000 + rnd(seed) % 60000;
	if (failed && (k == K_REFUSED)) {
		r->error = PERR_REFUSED;
		r->failed_phase = PHASE_CONNECT;
		r->curl_code = 7;
		r->t.us[PHASE_CONNECT] = 200 + rnd(seed) % 2000;
		r->t.us[PHASE_TOTAL] = r->t.us[PHASE_DNS] + r->t.us[PHASE_CONNECT];
		snprintf(r->error_text, sizeof(r->error_text),
			 "Failed to connect to %s port 443 after %lld ms: Couldn't connect to server", host,
			 (long long)(r->t.us[PHASE_TOTAL] / 1000));
		return;
	}
	if (failed && k == K_TLSFAIL) {
		r->error = PERR_TLS;
		r->failed_phase = PHASE_TLS;
		r->curl_code = 35;
		r->t.us[PHASE_TLS] = 2000 + rnd(seed) % 20000;
		r->t.us[PHASE_TOTAL] = r->t.us[PHASE_DNS] + r->t.us[PHASE_CONNECT] + r->t.us[PHASE_TLS];
		snprintf(r->error_text, sizeof(r->error_text),
			 "OpenSSL SSL_connect: SSL_ERROR_SYSCALL in connection to %s:443", host);
		return;
	}
	r->t.us[PHASE_TLS] = 4000 + rnd(seed) % 90000;
	snprintf(r->tls_version, sizeof(r->tls_version), "TLSv1.3");
	r->tls_version_num = 13;
	snprintf(r->cipher, sizeof(r->cipher), "TLS_AES_256_GCM_SHA384");
	snprintf(r->alpn, sizeof(r->alpn), "h2");
	r->verify.checked = true;
	r->verify.hostname_ok = 1;
	snprintf(r->verify.hostname, sizeof(r->verify.hostname), "%s", host);
	fill_cert(&r->chain[0], host, true, now_s, k == K_EXPIRING ? 5 + (int64_t)(rnd(seed) % 15) : 60);
	fill_cert(&r->chain[1], host, false, now_s, 0);
	r->chain_len = r->chain_sent = 2;
	if (failed && k == K_FAILING) {
		r->error = PERR_TIMEOUT;
		r->failed_phase = PHASE_SERVER;
		r->curl_code = 28;
		r->t.us[PHASE_SERVER] = 10000000 - r->t.us[PHASE_DNS] - r->t.us[PHASE_CONNECT] - r->t.us[PHASE_TLS];
		r->t.us[PHASE_TOTAL] = 10000000;
		snprintf(r->error_text, sizeof(r->error_text),
			 "Operation timed out after 10000 milliseconds with 0 bytes received");
		return;
	}
	snprintf(r->http_version, sizeof(r->http_version), "HTTP/2");
	r->http_status = failed && k == K_HTTP503 ? 503 : 200;
	r->t.us[PHASE_SERVER] = (k == K_SLOW ? 2400000 : 8000) + rnd(seed) % 250000;
	r->t.us[PHASE_TRANSFER] = 100 + rnd(seed) % 4000;
	r->t.us[PHASE_TOTAL] = r->t.us[PHASE_DNS] + r->t.us[PHASE_CONNECT] + r->t.us[PHASE_TLS] + r->t.us[PHASE_SERVER] + r->t.us[PHASE_TRANSFER];
}

/* Whether result n (0 oldest .. SPARK_RESULTS-1 newest) of a kind failed. */
static bool fails_at(enum kind k, int n)
{
	switch (k) {
	case K_REFUSED: return n >= SPARK_RESULTS - 10;
	case K_FAILING: return n == SPARK_RESULTS - 1;
	case K_HTTP503: return n >= SPARK_RESULTS - 5;
	case K_TLSFAIL: return n >= SPARK_RESULTS - 3;
	default: return false;
	}
}

struct fleet {
	int n;
	char **names;
	char **hosts;
	unsigned seed;
	int next;       /* round-robin cursor of new results */
};

static void write_config(const char *path, struct fleet *f)
{
	FILE *c = fopen(path, "w");

	if (!c)
		die(path, strerror(errno));
	fprintf(c, "[defaults]\ninterval = 60s\ntimeout = 10s\ncert_warn_days = 21\ncert_crit_days = 7\n"
		   "latency_warn = 2s\nlatency_down = 8s\n");
	for (int i = 0; i < f->n; i++) {
		const char *svc = services[i % (int)(sizeof(services) / sizeof(services[0]))];
		const char *reg = regions[(i / 7) % (int)(sizeof(regions) / sizeof(regions[0]))];

		f->names[i] = xasprintf("%s-%s-%03d", svc, reg, i);
		f->hosts[i] = xasprintf("%s-%03d.%s.example.com", svc, i, reg);
		fprintf(c, "\n[%s]\nurl = https://%s/health\ntags = prod, %s\n", f->names[i], f->hosts[i], svc);
	}
	fclose(c);
}

/* Feeds result n of endpoint i, finished at t_ms. */
static void feed(struct monitor *mon, struct fleet *f, int i, int n, int64_t t_ms)
{
	struct probe_result r;
	enum kind k = kind_of(i);

	make_result(&r, f->hosts[i], k, fails_at(k, n), t_ms - 200, &f->seed);
	monitor_result(mon, f->names[i], &r, t_ms);
	probe_result_done(&r);
}

enum redraw_case { RC_STILL, RC_PAGE, RC_REPAINT, RC_RESULTS, RC_N };
static const char *const rc_name[RC_N] = { "still", "page", "repaint", "results" };

/* One list frame; returns the ms of refresh() (curses' doupdate: the diff, written to the pty). */
static double list_frame(struct ui *u)
{
	double s;

	pane_list.update(u, false, false, 2, LINES - 4);
	erase();
	pane_list.draw(u, 2, LINES - 4);
	s = mono_ms();
	refresh();
	return mono_ms() - s;
}

static void redraw_bench(const char *workdir, int n, int frames, int cols, int lines)
{
	struct fleet f = { .n = n, .seed = 42 };
	char err[1024], *cfg = xasprintf("%s/ui-redraw.ini", workdir);
	struct app_opts ao = { .config_path = cfg, .no_db = true };
	struct app *a;
	struct monitor *mon;
	struct ui *u = xcalloc(1, sizeof(*u));
	struct term t;
	size_t counts[LIVE_PAUSED + 1];
	double *ms[RC_N], *up_ms[RC_N], bytes[RC_N] = { 0 }, t0, feed_ms;
	int got[RC_N] = { 0 };
	long pages = 0;
	int64_t now = util_now_ms();

	f.names = xcalloc((size_t)n, sizeof(char *));
	f.hosts = xcalloc((size_t)n, sizeof(char *));
	write_config(cfg, &f);
	if (!(a = app_new(&ao, err, sizeof(err))))
		die(cfg, err);
	mon = app_monitor(a);
	/* a full sparkline each: 64 results a minute apart, the newest up to a minute ago */
	t0 = mono_ms();
	for (int k = 0; k < SPARK_RESULTS; k++)
		for (int i = 0; i < n; i++)
			feed(mon, &f, i, k, now - (int64_t)(SPARK_RESULTS - k) * 60000 + (i * 60000LL) / n);
	feed_ms = mono_ms() - t0;

	model_init_live(&u->m, a);
	model_refresh(&u->m, util_now_ms());
	model_rearrange(&u->m);
	model_counts(&u->m, counts);
	printf("endpoints=%d\nfeed_results=%d\nfeed_ms=%.1f\n", n, n * SPARK_RESULTS, feed_ms);
	printf("live_up=%zu\nlive_warn=%zu\nlive_failing=%zu\nlive_down=%zu\nlive_pending=%zu\n", counts[LIVE_UP],
	       counts[LIVE_WARN], counts[LIVE_FAILING], counts[LIVE_DOWN], counts[LIVE_PENDING]);

	term_open(&t, cols, lines);
	ui_setup(u);
	printf("cols=%d\nlines=%d\nframes=%d\n", COLS, LINES, frames);
	for (int fr = 0; fr < WARMUP_FRAMES; fr++)
		list_frame(u);
	for (int c = 0; c < RC_N; c++) {
		ms[c] = xcalloc((size_t)frames, sizeof(double));
		up_ms[c] = xcalloc((size_t)frames, sizeof(double));
	}
	/*
	 * Cases interleaved in blocks (odd rounds backwards), so a drift in the
	 * machine's load falls on every case alike; each block starts with
	 * untimed frames (the first frame after another case is not "still").
	 * Bytes are counted over the first round's blocks.
	 */
	for (int round = 0; got[RC_N - 1] < frames; round++) {
		for (int ci = 0; ci < RC_N; ci++) {
			int c = round % 2 ? RC_N - 1 - ci : ci, page = LINES - 5;
			long long b0 = 0;

			for (int j = -BLOCK_LEAD; j < BLOCK && got[c] < frames; j++) {
				double s, upd;

				if (round == 0 && j == 0)
					b0 = term_bytes(&t);
				if (c == RC_PAGE) {
					pages++;
					model_select(&u->m, (long)((pages * page) % (long)u->m.n_shown));
				}
				if (c == RC_REPAINT)
					clearok(curscr, TRUE);
				if (c == RC_RESULTS) {
					int64_t tn = util_now_ms();

					for (int k = 0; k < RESULTS_PER_FRAME; k++, f.next = (f.next + 1) % n)
						feed(mon, &f, f.next, SPARK_RESULTS - 1, tn);
				}
				s = mono_ms();
				if (c == RC_RESULTS) {
					model_refresh(&u->m, util_now_ms());
					model_rearrange(&u->m);
				}
				upd = list_frame(u);
				if (j >= 0) {
					ms[c][got[c]] = mono_ms() - s;
					up_ms[c][got[c]++] = upd;
				}
			}
			if (round == 0)
				bytes[c] = (double)(term_bytes(&t) - b0) / BLOCK;
			/* the page case leaves the selection anywhere: back to the top */
			model_select(&u->m, 0);
		}
	}
	for (int c = 0; c < RC_N; c++) {
		char key[64];

		snprintf(key, sizeof(key), "redraw_%s", rc_name[c]);
		print_stats(key, ms[c], frames);
		printf("%s_bytes_per_frame=%.0f\n", key, bytes[c]);
		snprintf(key, sizeof(key), "redraw_%s_update", rc_name[c]);
		print_stats(key, up_ms[c], frames);
		free(ms[c]);
		free(up_ms[c]);
	}
	term_close(&t);
	model_done(&u->m);
	app_free(a);
	for (int i = 0; i < n; i++) {
		free(f.names[i]);
		free(f.hosts[i]);
	}
	free(f.names);
	free(f.hosts);
	free(u);
	free(cfg);
}

/* ---- 2. opening the history pane ----------------------------------------- */

static void history_bench(const char *db, int runs, int cols, int lines)
{
	static const char *const range_name[4] = { "1h", "24h", "7d", "30d" };
	static const char *const pass_name[2] = { "first", "again" };
	char err[1024];
	struct store *st = store_open(db, STORE_READER, err, sizeof(err));
	struct ui *u = xcalloc(1, sizeof(*u));
	double *q[2][4], *d[2][4], *all[2][4], t0, t1, t2;
	long *idx = xcalloc((size_t)runs * 4, sizeof(long));
	int64_t newest;
	struct term t;
	long pts[4] = { 0 }, outs = 0, probes30 = 0;

	if (!st)
		die(db, err);
	newest = store_last_probe_ms(st);
	if (newest <= 0)
		die(db, "no probes");
	fake_now_ms = newest + 60000;
	printf("hist_now_ms=%lld\n", (long long)fake_now_ms);
	/* --view start-up: the first slice (what the first frame shows), then until every row is loaded */
	t0 = mono_ms();
	model_init_viewer(&u->m, st, db);
	model_refresh(&u->m, util_now_ms());
	model_rearrange(&u->m);
	printf("hist_viewer_first_slice_ms=%.1f\nhist_viewer_first_slice_rows=%zu\n", mono_ms() - t0, u->m.v_loaded);
	{
		double worst = 0, ts;

		while (model_loading(&u->m)) {
			ts = mono_ms();
			model_refresh(&u->m, util_now_ms());
			model_rearrange(&u->m);
			if (mono_ms() - ts > worst)
				worst = mono_ms() - ts;
		}
		printf("hist_viewer_slice_worst_ms=%.1f\n", worst);
	}
	printf("hist_viewer_rows=%zu\nhist_viewer_start_ms=%.1f\n", u->m.n_shown, mono_ms() - t0);
	if (!u->m.n_shown)
		die(db, "no endpoints");
	srand(42);
	for (int i = 0; i < runs * 4; i++)
		idx[i] = rand() % (long)u->m.n_shown;
	term_open(&t, cols, lines);
	ui_setup(u);
	/*
	 * Pass 0: each endpoint's first open in this process (its pages in the
	 * OS page cache or not, as the machine left them). Pass 1: the same
	 * endpoints in the same order again: their pages are now in the OS page
	 * cache, but SQLite's own cache (8 MB) has moved on to the others.
	 */
	for (int pass = 0; pass < 2; pass++) {
		for (int r = 0; r < 4; r++) {
			q[pass][r] = xcalloc((size_t)runs, sizeof(double));
			d[pass][r] = xcalloc((size_t)runs, sizeof(double));
			all[pass][r] = xcalloc((size_t)runs, sizeof(double));
		}
		for (int run = 0; run < runs; run++) {
			for (int r = 0; r < 4; r++) {
				long i = idx[run * 4 + r];

				/* the list, another endpoint selected */
				pane_history.leave(u);
				model_select(&u->m, i);
				list_frame(u);
				/* `h`: global_key() in view.c opens the pane (enter), at the range it was left at */
				pane_history.enter(u);
				pane_history.key(u, '1' + r);
				t0 = mono_ms();
				pane_history.update(u, false, true, 2, LINES - 4);
				t1 = mono_ms();
				erase();
				pane_history.draw(u, 2, LINES - 4);
				refresh();
				t2 = mono_ms();
				q[pass][r][run] = t1 - t0;
				d[pass][r][run] = t2 - t1;
				all[pass][r][run] = t2 - t0;
				{
					size_t n_pts, n_out;
					int64_t p30;
					const char *e = view_history_facts(&n_pts, &n_out, &p30);

					if (*e)
						die("history query", e);
					pts[r] = (long)n_pts;
					outs = (long)n_out;
					probes30 = (long)p30;
				}
			}
		}
	}
	term_close(&t);
	printf("hist_runs=%d\nhist_outages=%ld\nhist_uptime30_probes=%ld\n", runs, outs, probes30);
	for (int r = 0; r < 4; r++)
		printf("hist_%s_points=%ld\n", range_name[r], pts[r]);
	for (int pass = 0; pass < 2; pass++) {
		for (int r = 0; r < 4; r++) {
			char key[64];

			snprintf(key, sizeof(key), "hist_%s_%s_query", pass_name[pass], range_name[r]);
			print_stats(key, q[pass][r], runs);
			snprintf(key, sizeof(key), "hist_%s_%s_draw", pass_name[pass], range_name[r]);
			print_stats(key, d[pass][r], runs);
			snprintf(key, sizeof(key), "hist_%s_%s_open", pass_name[pass], range_name[r]);
			print_stats(key, all[pass][r], runs);
			free(q[pass][r]);
			free(d[pass][r]);
			free(all[pass][r]);
		}
	}
	pane_history.done();
	pane_list.done();
	model_done(&u->m);
	store_close(st);
	free(idx);
	free(u);
	fake_now_ms = 0;
}

static void list_names(const char *db)
{
	char err[1024];
	struct store *st = store_open(db, STORE_READER, err, sizeof(err));
	struct strlist names = { 0 };

	if (!st)
		die(db, err);
	if (store_endpoint_names(st, &names) != 0)
		die(db, "cannot list endpoint names");
	for (size_t i = 0; i < names.n; i++)
		printf("%s\n", names.v[i]);
	strlist_done(&names);
	store_close(st);
}

int main(int argc, char **argv)
{
	int n = 1000, frames = 1000, runs = 21, cols = 200, lines = 60, opt;
	const char *db = NULL;

	while ((opt = getopt(argc, argv, "n:r:q:x:y:d:N:")) != -1) {
		switch (opt) {
		case 'n': n = atoi(optarg); break;
		case 'r': frames = atoi(optarg); break;
		case 'q': runs = atoi(optarg); break;
		case 'x': cols = atoi(optarg); break;
		case 'y': lines = atoi(optarg); break;
		case 'd': db = optarg; break;
		case 'N':
			list_names(optarg);
			return 0;
		default:
			fprintf(stderr, "usage: ui_bench [-n ENDPOINTS] [-r FRAMES] [-q RUNS] [-x COLS] [-y LINES]"
					" [-d DB] WORKDIR | ui_bench -N DB\n");
			return 2;
		}
	}
	if (optind != argc - 1 || n < 1 || frames < 1 || runs < 1 || cols < 80 || lines < 20)
		die("arguments", "need WORKDIR, endpoints >= 1, frames >= 1, runs >= 1, at least 80x20");
	if (!setlocale(LC_ALL, "C.UTF-8"))
		die("setlocale", "no C.UTF-8 locale");
	signal(SIGPIPE, SIG_IGN);
	redraw_bench(argv[optind], n, frames, cols, lines);
	if (db)
		history_bench(db, runs, cols, lines);
	return 0;
}
