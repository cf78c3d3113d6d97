/*
 * history: the `h` pane. For the selected endpoint: uptime over 24 h, 7 d
 * and 30 d, a latency chart (total as vertical bars, one sparkline row per
 * phase, failures marked) over 1 h / 24 h / 7 d / 30 d, and its outages
 * (or every endpoint's, Tab), newest first. Enter on an outage lists the
 * probes of its window with their phase timings, the waterfall of the
 * chosen one and the certificate it was served at that moment.
 *
 * Its own state (struct hist, private here): query results, the outage and
 * probe selections and their scroll positions. Queries run from update()
 * when the pane opens or its selection, range or width changes (a handler
 * returned UI_QUERY, or an outage of the endpoint shown started or ended),
 * never from a draw; update() also scrolls the lists to their selections
 * for the body's size, so draw() only reads.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/export.h"
#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

#define OUTAGES_SINCE  (400 * DAY_MS)
#define OUTAGE_NARROW  (COLS < 100)
#define OUTAGE_TIME_W  (OUTAGE_NARROW ? 14 : 19) /* fmt_time_local without and with the year */
#define OUTAGES_MAX    500
#define PROBES_MAX     500
#define CHART_LABEL_W  14

static struct hist {
	bool shown;                   /* the pane is on screen (its events re-run the queries) */
	bool all;                     /* outages of every endpoint (Tab) */
	int range;                    /* 0 1h, 1 24h, 2 7d, 3 30d */
	char name[128];               /* endpoint the chart and uptime are for */
	struct outage_row *out;
	size_t n_out;
	size_t sel;
	int top;
	bool open;                    /* the failing probes of outage sel */
	struct probe_row *probes;
	size_t n_probes;
	size_t psel;
	int ptop;
	struct cert_info cert;        /* of probes[psel] */
	bool have_cert;
	char cert_sha[65];
	struct series_point *pts;
	size_t n_pts;
	int64_t bucket_ms;            /* one chart column */
	int64_t since_ms;             /* where the first column starts */
	int cols;                     /* chart columns */
	struct uptime up[3];          /* 24h, 7d, 30d */
	int scroll;                   /* of the outage detail */
	char err[256];
	bool stale;                   /* re-run every query (pane opened, an outage started or ended) */
	char q_key[256];              /* endpoint|all|range|width of the last query */
	int64_t q_start;              /* outage whose probes are loaded, -1 none */
	char q_name[128];
	int q_width;                  /* screen width the queries ran for */
} hs;

static const int64_t range_ms[4] = { 3600000LL, DAY_MS, 7 * DAY_MS, 30 * DAY_MS };
static const char *const range_name[4] = { "1h", "24h", "7d", "30d" };

static void free_probes(struct hist *h)
{
	free(h->probes);
	h->probes = NULL;
	h->n_probes = 0;
	if (h->have_cert)
		cert_info_done(&h->cert);
	h->have_cert = false;
	h->cert_sha[0] = '\0';
}

static void history_free(struct hist *h)
{
	free(h->out);
	h->out = NULL;
	h->n_out = 0;
	free(h->pts);
	h->pts = NULL;
	h->n_pts = 0;
	free_probes(h);
	h->q_key[0] = '\0';
	h->q_start = -1;
}

static int chart_width(int width)
{
	int w = width - CHART_LABEL_W - 1;

	return w < 10 ? 10 : w > 400 ? 400 : w;
}

/*
 * The chart's columns for the range on cw columns of screen. From half an
 * hour per column up, a column is a whole number of hours starting on an
 * hour, so the store answers closed hours from hourly rollups (a 30 d
 * chart reads 720 rows, not 43,200) and no hour straddles two columns; the
 * chart may then be a little narrower than the screen.
 */
static void chart_plan(struct hist *h, int cw, int64_t now)
{
	int64_t span = range_ms[h->range], b = (span + cw - 1) / cw;

	if (b >= HOUR_MS / 2) {
		int64_t next_hour = (now / HOUR_MS + 1) * HOUR_MS;

		b = (b + HOUR_MS - 1) / HOUR_MS * HOUR_MS;
		h->cols = (int)((span + b - 1) / b);
		h->since_ms = next_hour - b * h->cols;
	} else {
		if (b < 1000)
			b = 1000;
		h->cols = cw;
		h->since_ms = now - b * cw;
	}
	h->bucket_ms = b;
}

/* The remote viewer: what the row's collector answered so far (history_remote.c). */
static void history_query_remote(struct ui *u, const struct row *r, int width)
{
	struct hist *h = &hs;
	struct hist_fill f;
	char key[300];

	snprintf(key, sizeof(key), "%s|%d|%d|%d", row_key(r), h->all, h->range, chart_width(width));
	snprintf(h->name, sizeof(h->name), "%s", r->name);
	chart_plan(h, chart_width(width), util_now_ms());
	history_remote_fill(u, r, key, h->all, h->since_ms, h->bucket_ms, h->open, h->sel, h->psel, &f);
	history_free(h);
	memcpy(h->up, f.up, sizeof(h->up));
	h->pts = f.pts;
	h->n_pts = f.n_pts;
	h->out = f.out;
	h->n_out = f.n_out;
	h->probes = f.probes;
	h->n_probes = f.n_probes;
	h->cert = f.cert;
	h->have_cert = f.have_cert;
	snprintf(h->err, sizeof(h->err), "%s", f.err);
	if (h->sel >= h->n_out)
		h->sel = h->n_out ? h->n_out - 1 : 0;
	if (h->psel >= h->n_probes)
		h->psel = h->n_probes ? h->n_probes - 1 : 0;
}

static void history_query(struct ui *u, int width)
{
	struct hist *h = &hs;
	const struct row *r = model_selected(&u->m);
	struct store *st = u->m.st;
	int64_t now = util_now_ms();
	char key[256];

	if (u->m.rs && r) {
		history_query_remote(u, r, width);
		return;
	}
	if (!st || !r)
		return;
	/* only what the key changed is read again: a new selection in the list re-reads the probes only */
	snprintf(key, sizeof(key), "%s|%d|%d|%d", r->name, h->all, h->range, chart_width(width));
	if (h->stale || strcmp(key, h->q_key)) {
		int cw = chart_width(width);
		const int64_t spans[3] = { DAY_MS, 7 * DAY_MS, 30 * DAY_MS };

		snprintf(h->q_key, sizeof(h->q_key), "%s", key);
		h->stale = false;
		h->err[0] = '\0';
		snprintf(h->name, sizeof(h->name), "%s", r->name);
		for (int i = 0; i < 3; i++)
			if (store_uptime(st, r->name, now - spans[i], now, &h->up[i]) != 0)
				h->up[i].pct = -1;
		free(h->pts);
		h->pts = NULL;
		h->n_pts = 0;
		chart_plan(h, cw, now);
		if (store_latency_series(st, r->name, h->since_ms, now, h->bucket_ms, &h->pts, &h->n_pts) != 0)
			snprintf(h->err, sizeof(h->err), "latency query failed: %s",
				 store_last_error(st) ? store_last_error(st) : "database error");
		free(h->out);
		h->out = NULL;
		h->n_out = 0;
		if (store_outages(st, h->all ? NULL : r->name, now - OUTAGES_SINCE, OUTAGES_MAX, &h->out, &h->n_out) != 0)
			snprintf(h->err, sizeof(h->err), "outage query failed");
		if (h->sel >= h->n_out)
			h->sel = h->n_out ? h->n_out - 1 : 0;
		h->q_start = -1;
	}
	if (!h->open || !h->n_out) {
		h->open = false;
		free_probes(h);
		h->q_start = -1;
		return;
	}
	{
		const struct outage_row *o = &h->out[h->sel];

		if (h->q_start != o->start_ms || strcmp(h->q_name, o->name) || !o->end_ms) {
			size_t keep = h->psel;

			free_probes(h);
			h->q_start = o->start_ms;
			snprintf(h->q_name, sizeof(h->q_name), "%s", o->name);
			if (store_probes(st, o->name, o->start_ms, o->end_ms ? o->end_ms : now, PROBES_MAX, &h->probes,
					 &h->n_probes) != 0)
				snprintf(h->err, sizeof(h->err), "probe query failed");
			h->psel = keep < h->n_probes ? keep : 0;
		}
	}
	if (h->n_probes && strcmp(h->cert_sha, h->probes[h->psel].cert_sha256)) {
		if (h->have_cert)
			cert_info_done(&h->cert);
		h->have_cert = false;
		snprintf(h->cert_sha, sizeof(h->cert_sha), "%s", h->probes[h->psel].cert_sha256);
		if (h->cert_sha[0])
			h->have_cert = store_cert(st, h->cert_sha, &h->cert) == 0;
	}
}

/* ---- the chart ------------------------------------------------------------ */

/* Bucket values on the chart's columns: avg of phase (PHASE_DNS..PHASE_TOTAL), -1 where none; fails[] per column. */
static void columns(const struct hist *h, int cw, int phase, int64_t *vals, int64_t *fails)
{
	for (int i = 0; i < cw; i++) {
		vals[i] = -1;
		if (fails)
			fails[i] = 0;
	}
	for (size_t k = 0; k < h->n_pts; k++) {
		const struct series_point *p = &h->pts[k];
		int64_t i = (p->t_ms - h->since_ms) / h->bucket_ms;

		if (i < 0 || i >= cw || !p->count)
			continue;
		vals[i] = p->avg_us[phase];
		if (fails)
			fails[i] = p->failures;
	}
}

/* The total's columns and what the chart's height depends on: any column charted (cnt), any failure (returned). */
static bool chart_stats(const struct hist *h, int cw, int64_t *vals, int64_t *fails, int64_t *max, int64_t *sum,
			int64_t *cnt)
{
	bool any_fail = false;

	columns(h, cw, PHASE_TOTAL, vals, fails);
	*max = *sum = *cnt = 0;
	for (int i = 0; i < cw; i++) {
		if (vals[i] > *max)
			*max = vals[i];
		if (vals[i] >= 0) {
			*sum += vals[i];
			(*cnt)++;
		}
		if (fails[i])
			any_fail = true;
	}
	return any_fail;
}

static int chart_cols(const struct hist *h)
{
	return h->cols < chart_width(COLS) ? h->cols : chart_width(COLS);
}

/* The rows draw_chart takes: the range line, then a note and a failure row, or the bars, failures, phases and axis. */
static int chart_rows(const struct hist *h, int bars_h, bool phases)
{
	int64_t vals[400], fails[400], max, sum, cnt;
	bool any_fail = chart_stats(h, chart_cols(h), vals, fails, &max, &sum, &cnt);

	if (!cnt)
		return 2 + any_fail;
	return 1 + bars_h + any_fail + (phases ? 5 : 0) + 1;
}

/* Rows of the probe list inside an open outage of h_rows rows (after its header). */
static int probe_rows(const struct hist *h, int h_rows)
{
	int n = h_rows / 3 < 3 ? 3 : h_rows / 3;

	return n > (int)h->n_probes ? (int)h->n_probes : n;
}

/* The chart's bar height and whether the phase rows fit, for a body of h_rows rows below the title. */
static int bars_height(int h_rows, bool *phases)
{
	/* the chart gets what the outage list can spare: at least 5 rows for outages */
	int bars_h;

	*phases = h_rows >= 22;
	bars_h = h_rows - 5 - 3 - (*phases ? 6 : 1);
	return bars_h > 8 ? 8 : bars_h < 2 ? 2 : bars_h;
}

/* first, scrolled so that sel is within rows of n. */
static int scroll_to(int first, size_t sel, size_t n, int rows)
{
	if ((int)sel >= first + rows)
		first = (int)sel - rows + 1;
	if ((int)sel < first)
		first = (int)sel;
	return ui_clamp_scroll(first, (int)n, rows);
}

static const char *vbar_cell(int eighths)
{
	static const char *const utf[9] = { " ", "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };

	if (ui_utf8)
		return utf[eighths];
	return eighths >= 8 ? "#" : eighths >= 4 ? "+" : eighths > 0 ? "." : " ";
}

/* The row under the chart that marks columns holding failed probes. */
static void fail_row(int y, int x0, const int64_t *fails, int cw)
{
	ui_text_right(stdscr, y, 0, CHART_LABEL_W, ui_attr(C_DOWN), "failures");
	for (int i = 0; i < cw; i++)
		if (fails[i])
			ui_text(stdscr, y, x0 + i, 1, ui_attr(C_DOWN), ui_utf8 ? "×" : "x");
}

static int draw_chart(int y, int bars_h, bool phases)
{
	const struct hist *h = &hs;
	int cw = chart_cols(h), x0 = CHART_LABEL_W + 1, y_start = y;
	int64_t vals[400], fails[400], max, sum, cnt;
	char b[64], lab[64];
	bool any_fail;

	any_fail = chart_stats(h, cw, vals, fails, &max, &sum, &cnt);
	/* range selector */
	{
		int x = ui_text(stdscr, y, 0, -1, A_BOLD, "latency ");

		for (int i = 0; i < 4; i++) {
			snprintf(b, sizeof(b), i == h->range ? "[%s]" : " %s ", range_name[i]);
			x += ui_text(stdscr, y, x, -1, i == h->range ? A_REVERSE | A_BOLD : UI_PLAIN, b);
			x += ui_text(stdscr, y, x, -1, UI_PLAIN, " ");
		}
		if (cnt)
			ui_textf(stdscr, y, x + 1, -1, ui_attr(C_DIM), "avg %s  peak %s  (%s per column)",
				 util_fmt_duration_us(b, sizeof(b), sum / cnt), util_fmt_duration_us(lab, sizeof(lab), max),
				 fmt_span(lab + 32, sizeof(lab) - 32, h->bucket_ms));
		y++;
	}
	if (!cnt) {
		ui_textf(stdscr, y++, 2, -1, ui_attr(C_DIM),
			 any_fail ? "every probe of %s in the last %s failed: no latency to chart" :
				    "no probes of %s in the last %s", h->name, range_name[h->range]);
		if (any_fail) {
			fail_row(y++, x0, fails, cw);
		}
		return y - y_start;
	}
	/* total: vertical bars */
	for (int row = bars_h - 1; row >= 0; row--, y++) {
		if (row == bars_h - 1)
			ui_text_right(stdscr, y, 0, CHART_LABEL_W, ui_attr(C_DIM), util_fmt_duration_us(b, sizeof(b), max));
		else if (row == 0)
			ui_text_right(stdscr, y, 0, CHART_LABEL_W, ui_attr(C_DIM), "total");
		for (int i = 0; i < cw; i++) {
			if (vals[i] < 0)
				continue;
			ui_text(stdscr, y, x0 + i, 1, ui_attr(C_ACCENT),
				vbar_cell(fmt_vbar_eighths(vals[i], max, bars_h, row)));
		}
	}
	if (any_fail) {
		fail_row(y++, x0, fails, cw);
	}
	if (phases) {
		for (int p = PHASE_FIRST; p <= PHASE_LAST; p++, y++) {
			int64_t pv[400], pmax = 0;

			columns(h, cw, p, pv, NULL);
			for (int i = 0; i < cw; i++)
				if (pv[i] > pmax)
					pmax = pv[i];
			snprintf(lab, sizeof(lab), "%s %s", probe_phase_names(p)->tag, util_fmt_duration_us(b, sizeof(b), pmax));
			ui_text_right(stdscr, y, 0, CHART_LABEL_W, ui_attr(C_DIM), lab);
			for (int i = 0; i < cw; i++)
				if (pv[i] >= 0)
					ui_text(stdscr, y, x0 + i, 1, ui_attr(ui_phase_color(p)), fmt_spark_cell(pv[i], pmax, ui_utf8));
		}
	}
	/* time axis */
	snprintf(b, sizeof(b), "-%s", range_name[h->range]);
	ui_text(stdscr, y, x0, -1, ui_attr(C_DIM), b);
	ui_text_right(stdscr, y, x0, cw, ui_attr(C_DIM), "now");
	y++;
	return y - y_start;
}

/* ---- outages -------------------------------------------------------------- */

static void outage_line(const struct hist *h, const struct outage_row *o, int y, bool sel, int64_t now)
{
	int base = sel ? A_REVERSE : UI_PLAIN;
	char start[32], end[32], dur[32], b[800];
	int x = 0;

	ui_fill(stdscr, y, 0, -1, base);
	/* START and END alike; narrow screens drop the year of both: the cause needs the room */
	fmt_time_local(start, sizeof(start), o->start_ms, !OUTAGE_NARROW);
	if (o->end_ms)
		fmt_time_local(end, sizeof(end), o->end_ms, !OUTAGE_NARROW);
	else
		snprintf(end, sizeof(end), "ongoing");
	/* the one duration formatter, as `httpsmon history` prints the same outage */
	util_fmt_duration_us(dur, sizeof(dur), ((o->end_ms ? o->end_ms : now) - o->start_ms) * 1000);
	ui_text(stdscr, y, x, OUTAGE_TIME_W, base, start);
	x += OUTAGE_TIME_W + 1;
	ui_text(stdscr, y, x, OUTAGE_TIME_W, base | (o->end_ms ? 0 : ui_attr(C_DOWN)), end);
	x += OUTAGE_TIME_W + 1;
	ui_text_right(stdscr, y, x, 8, base, dur);
	x += 9;
	if (h->all) {
		ui_text(stdscr, y, x, 17, base | A_BOLD, o->name);
		x += 18;
	}
	if (o->mark[0]) {
		/* before the cause: it may be this box's network, or planned */
		snprintf(b, sizeof(b), "[%s] ", store_mark_label(o->mark));
		x += ui_text(stdscr, y, x, -1, base | A_BOLD | ui_attr(C_WARN), b);
	}
	snprintf(b, sizeof(b), "%s: %s  (%d failed probes)", o->reason, o->message, o->failed_probes);
	ui_text(stdscr, y, x, -1, base, b);
}

static void draw_outages(int y, int rows)
{
	const struct hist *h = &hs;
	int64_t now = util_now_ms();

	if (rows < 2)
		return;
	{
		char t[96];

		snprintf(t, sizeof(t), "outages %s (%zu%s)", h->all ? "of every endpoint" : "", h->n_out,
			 h->n_out >= OUTAGES_MAX ? "+" : "");
		if (!h->all)
			snprintf(t, sizeof(t), "outages (%zu%s)", h->n_out, h->n_out >= OUTAGES_MAX ? "+" : "");
		ui_rule(stdscr, y++, 0, COLS, t);
		rows--;
	}
	if (!h->n_out) {
		ui_text(stdscr, y, 2, -1, ui_attr(C_DIM), h->all ? "no outages recorded" : "no outages recorded (Tab: every endpoint)");
		return;
	}
	ui_textf(stdscr, y++, 0, -1, A_BOLD | A_UNDERLINE, "%-*s %-*s %8s %s%s", OUTAGE_TIME_W, "START", OUTAGE_TIME_W, "END", "LENGTH",
		 h->all ? "ENDPOINT          " : "", "CAUSE");
	rows--;
	for (int i = 0; i < rows && (size_t)(h->top + i) < h->n_out; i++)
		outage_line(h, &h->out[h->top + i], y + i, (size_t)(h->top + i) == h->sel, now);
}

/* ---- one outage's probes ----------------------------------------------------- */

static void cert_lines(struct canvas *c, const struct cert_info *ci, int64_t at_s)
{
	char t1[40], t2[40], e[64], b[1024];

	cv_text(c, 2, 12, ui_attr(C_DIM), "subject");
	cv_text(c, 14, -1, A_BOLD, ci->subject ? ci->subject : "?");
	cv_nl(c);
	cv_text(c, 2, 12, ui_attr(C_DIM), "issuer");
	cv_text(c, 14, -1, UI_PLAIN, ci->issuer ? ci->issuer : "?");
	cv_nl(c);
	util_fmt_time_utc(t1, sizeof(t1), ci->not_before);
	util_fmt_time_utc(t2, sizeof(t2), ci->not_after);
	snprintf(b, sizeof(b), "%s .. %s  (at that probe: %s)", t1, t2, fmt_expiry(e, sizeof(e), ci->not_after, at_s));
	cv_text(c, 2, 12, ui_attr(C_DIM), "validity");
	cv_text(c, 14, -1, ci->not_after < at_s || ci->not_before > at_s ? ui_attr(C_DOWN) : UI_PLAIN, b);
	cv_nl(c);
	if (ci->sans) {
		cv_text(c, 2, 12, ui_attr(C_DIM), "SANs");
		cv_text(c, 14, -1, UI_PLAIN, ci->sans);
		cv_nl(c);
	}
	snprintf(b, sizeof(b), "%s %d%s%s   signature %s", ci->key_type, ci->key_bits, ci->key_curve[0] ? " " : "",
		 ci->key_curve, ci->sig_alg);
	cv_text(c, 2, 12, ui_attr(C_DIM), "key");
	cv_text(c, 14, -1, UI_PLAIN, b);
	cv_nl(c);
	cv_text(c, 2, 12, ui_attr(C_DIM), "sha256");
	cv_text(c, 14, -1, ui_attr(C_DIM), ci->sha256);
	cv_nl(c);
}

/* The heading of the probe table: time, state, a column per phase and the total, reason. */
static void probe_table_head(int y)
{
	char head[128];
	int o = snprintf(head, sizeof(head), "%-15s %-5s", "TIME", "STATE");

	for (int k = PHASE_FIRST; k < PHASE_END; k++)
		o += snprintf(head + o, sizeof(head) - (size_t)o, "%s%8s", k == PHASE_FIRST ? "" : " ",
			      probe_phase_names(k)->head);
	snprintf(head + o, sizeof(head) - (size_t)o, "  %s", "REASON");
	ui_text(stdscr, y, 0, -1, A_BOLD | A_UNDERLINE, head);
}

static void draw_probe_line(const struct probe_row *p, int y, bool sel)
{
	int base = sel ? A_REVERSE : UI_PLAIN;
	char t[32], b[32];
	int x;

	ui_fill(stdscr, y, 0, -1, base);
	fmt_time_local(t, sizeof(t), p->t_ms, false);
	ui_text(stdscr, y, 0, 15, base, t);
	ui_text(stdscr, y, 16, 5, base | ui_state_attr(!strcmp(p->state, "UP") ? STATE_UP
						    : !strcmp(p->state, "WARN") ? STATE_WARN : STATE_DOWN), p->state);
	x = 22;
	for (int k = PHASE_FIRST; k < PHASE_END; k++, x += 9)
		ui_text_right(stdscr, y, x, 8, base | (k == PHASE_TOTAL ? A_BOLD : 0),
			      p->t.us[k] < 0 ? "-" : util_fmt_duration_us(b, sizeof(b), p->t.us[k]));
	ui_textf(stdscr, y, x + 1, -1, base, "%s: %s", p->reason, p->message);
}

static void draw_open(int y, int h_rows)
{
	const struct hist *h = &hs;
	const struct outage_row *o = &h->out[h->sel];
	int64_t now = util_now_ms();
	int list_rows, x;
	char s[32], e[32], d[32];
	struct canvas c;

	fmt_time_local(s, sizeof(s), o->start_ms, true);
	if (o->end_ms)
		fmt_time_local(e, sizeof(e), o->end_ms, true);
	else
		snprintf(e, sizeof(e), "ongoing");
	{
		char t[256];

		snprintf(t, sizeof(t), "outage of %s, %s .. %s (%s), %s%s%s", o->name, s, e,
			 util_fmt_duration_us(d, sizeof(d), ((o->end_ms ? o->end_ms : now) - o->start_ms) * 1000), o->reason,
			 o->mark[0] ? ", alerts held: " : "", store_mark_label(o->mark));
		ui_rule(stdscr, y++, 0, COLS, t);
		h_rows--;
	}
	ui_text(stdscr, y, 0, -1, ui_attr(C_DOWN), o->message);
	y++;
	h_rows--;
	if (!h->n_probes) {
		ui_text(stdscr, y, 2, -1, ui_attr(C_DIM), "no raw probes kept for this window (rolled up or pruned)");
		return;
	}
	probe_table_head(y++);
	h_rows--;
	list_rows = probe_rows(h, h_rows);
	for (int i = 0; i < list_rows && (size_t)(h->ptop + i) < h->n_probes; i++)
		draw_probe_line(&h->probes[h->ptop + i], y + i, (size_t)(h->ptop + i) == h->psel);
	y += list_rows;
	h_rows -= list_rows;
	if (h_rows < 3)
		return;
	{
		const struct probe_row *p = &h->probes[h->psel];
		/* as the probe engine said when it stored the probe; rows from before schema 5 did not say */
		enum probe_phase failed = p->failed_phase > 0 ? (enum probe_phase)p->failed_phase : PHASE_NONE;
		cv_init(&c, stdscr, y, h_rows, 0, COLS, h->scroll);
		x = 0;
		cv_rule(&c, "phases of the selected probe");
		ui_waterfall(&c, &p->t, failed);
		if (p->failed_phase < 0 && strcmp(p->state, "DOWN") == 0) {
			cv_text(&c, 2, -1, ui_attr(C_DIM), "the phase it failed in was not recorded (stored before schema 5)");
			cv_nl(&c);
		}
		{
			char b[256];

			char st[24] = "no HTTP response";

			if (p->http_status)
				snprintf(st, sizeof(st), "HTTP %ld", p->http_status);
			snprintf(b, sizeof(b), "%s  %s  %s  %s", p->ip[0] ? p->ip : "-",
				 p->tls_version[0] ? p->tls_version : "no TLS", p->cipher, st);
			cv_text(&c, 2, -1, ui_attr(C_DIM), b);
			cv_nl(&c);
		}
		cv_rule(&c, "certificate served then");
		if (h->have_cert)
			cert_lines(&c, &h->cert, p->t_ms / 1000);
		else {
			cv_text(&c, 2, -1, ui_attr(C_DIM), p->cert_sha256[0] ? "certificate not in the database" :
								  "no certificate (no handshake)");
			cv_nl(&c);
		}
		(void)x;
	}
}

/* ---- the pane ------------------------------------------------------------- */

static void history_draw(const struct ui *u, int y0, int h_rows)
{
	const struct hist *h = &hs;
	char b[3][16];
	int y = y0, x, bars_h, used;
	bool phases;

	x = ui_text(stdscr, y, 0, -1, ui_attr(C_TITLE), "history of ");
	x += ui_text(stdscr, y, x, -1, ui_attr(C_TITLE), h->name[0] ? h->name : "?");
	if (!u->m.st && !u->m.rs) {
		ui_text(stdscr, y + 2, 2, -1, UI_PLAIN, "history is off: this dashboard runs without a database");
		return;
	}
	ui_textf(stdscr, y, x, -1, UI_PLAIN, "   uptime 24h %s  7d %s  30d %s", fmt_pct(b[0], sizeof(b[0]), h->up[0].pct),
		 fmt_pct(b[1], sizeof(b[1]), h->up[1].pct), fmt_pct(b[2], sizeof(b[2]), h->up[2].pct));
	y++;
	h_rows--;
	if (h->err[0]) {
		ui_text(stdscr, y++, 0, -1, ui_attr(C_DOWN), h->err);
		h_rows--;
	}
	if (h->open && h->n_out) {
		draw_open(y, h_rows);
		return;
	}
	bars_h = bars_height(h_rows, &phases);
	used = draw_chart(y, bars_h, phases);
	y += used;
	h_rows -= used;
	draw_outages(y, h_rows);
}

/*
 * The lists' first rows for a body of h_rows rows, so that the selections
 * are in view: the same arithmetic as history_draw and its parts, which
 * then only read them.
 */
static void history_scroll(int h_rows)
{
	struct hist *h = &hs;

	h_rows -= 1 + (h->err[0] != '\0');
	if (h->open && h->n_out) {
		h_rows -= 3; /* the outage's rule, its message, the probes' headings */
		if (h->n_probes)
			h->ptop = scroll_to(h->ptop, h->psel, h->n_probes, probe_rows(h, h_rows));
		return;
	}
	{
		bool phases;
		int bars_h = bars_height(h_rows, &phases);

		h_rows -= chart_rows(h, bars_h, phases);
	}
	if (h_rows >= 2 && h->n_out)
		h->top = scroll_to(h->top, h->sel, h->n_out, h_rows - 2);
}

/* The queries a handler or an event asked for, or for a new width; then the lists' scrolling. */
static unsigned history_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	unsigned f = 0;

	(void)y0;
	/* remote: answers arrive after the question, each one a change of the model */
	if (query || hs.q_width != COLS || (changed && u->m.rs)) {
		history_query(u, COLS);
		hs.q_width = COLS;
		f = UI_REDRAW;
	}
	if (u->m.st || u->m.rs)
		history_scroll(h);
	return f;
}

static unsigned hist_move(long d)
{
	struct hist *h = &hs;
	size_t n = h->open ? h->n_probes : h->n_out;
	size_t *sel = h->open ? &h->psel : &h->sel;
	long i = (long)*sel + d;

	if (!n)
		return UI_HANDLED;
	if (i < 0)
		i = 0;
	if (i >= (long)n)
		i = (long)n - 1;
	*sel = (size_t)i;
	return UI_HANDLED | UI_REDRAW | UI_QUERY;
}

/*
 * x: the selected outage's probes (the window the pane lists: start to end,
 * or to now while it goes on) as CSV, to a new file in the current
 * directory (else /tmp), named after the endpoint and the outage's start;
 * the notice says where.
 */
static unsigned history_export(struct ui *u)
{
	const struct hist *h = &hs;
	const struct outage_row *o;
	struct export_opts e = { .what = STORE_PROBES };
	char cwd[512], stamp[32], safe[128], path[800], err[512];
	const char *dirs[2];
	long rows = -1;

	if (!u->m.st || !h->n_out) {
		ui_notice(u, "nothing to export: %s", u->m.st ? "no outage selected"
						  : u->m.rs ? "remote viewer (httpsmon export on the collector)" : "no history database");
		return UI_HANDLED | UI_REDRAW;
	}
	o = &h->out[h->sel];
	e.endpoint = o->name;
	e.since_ms = o->start_ms;
	e.until_ms = (o->end_ms ? o->end_ms : util_now_ms()) + 1;
	util_fmt_time_utc(stamp, sizeof(stamp), o->start_ms / 1000);
	/* a name may hold '/' and ':'; a file name gets neither */
	snprintf(safe, sizeof(safe), "%s", o->name);
	for (char *p = safe; *p; p++)
		if (*p == '/' || *p == ':')
			*p = '_';
	for (char *p = stamp; *p; p++)
		if (*p == ':' || *p == '-')
			memmove(p, p + 1, strlen(p));
	dirs[0] = getcwd(cwd, sizeof(cwd)) ? cwd : "/tmp";
	dirs[1] = "/tmp";
	snprintf(err, sizeof(err), "no directory to write to");
	for (int d = 0; d < 2 && rows < 0; d++) {
		for (int k = 1; k <= 9 && rows < 0; k++) {
			snprintf(path, sizeof(path), "%s/httpsmon-outage-%s-%s%s%.0d.csv", dirs[d], safe, stamp,
				 k > 1 ? "-" : "", k > 1 ? k : 0);
			/* taken: the next suffix (O_EXCL in export_to_file still never overwrites) */
			if (access(path, F_OK) == 0)
				continue;
			rows = export_to_file(u->m.st, path, &e, err, sizeof(err));
			if (rows < 0)
				break;
		}
	}
	if (rows < 0)
		ui_notice(u, "export failed: %s", err);
	else
		ui_notice(u, "exported %ld probes of the outage to %s", rows, path);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned history_key(struct ui *u, int key)
{
	struct hist *h = &hs;
	int page = LINES / 3 > 1 ? LINES / 3 : 1;

	switch (key) {
	case 27:
	case KEY_BACKSPACE:
	case 127:
	case 'h':
		if (h->open && key != 'h') {
			h->open = false;
			return UI_HANDLED | UI_REDRAW | UI_QUERY;
		}
		h->open = false;
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	case KEY_UP:
	case 'k':
		return hist_move(-1);
	case KEY_DOWN:
	case 'j':
		return hist_move(1);
	case KEY_PPAGE:
		return hist_move(-page);
	case KEY_NPAGE:
		return hist_move(page);
	case KEY_HOME:
	case 'g':
		return hist_move(-1000000);
	case KEY_END:
	case 'G':
		return hist_move(1000000);
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (h->open || !h->n_out)
			return UI_HANDLED;
		h->open = true;
		h->psel = 0;
		h->ptop = 0;
		h->scroll = 0;
		return UI_HANDLED | UI_REDRAW | UI_QUERY;
	case '\t':
		h->all = !h->all;
		h->sel = 0;
		h->top = 0;
		h->open = false;
		return UI_HANDLED | UI_REDRAW | UI_QUERY;
	case '1':
	case '2':
	case '3':
	case '4':
		h->range = key - '1';
		return UI_HANDLED | UI_REDRAW | UI_QUERY;
	case KEY_LEFT:
		h->range = h->range > 0 ? h->range - 1 : 0;
		return UI_HANDLED | UI_REDRAW | UI_QUERY;
	case KEY_RIGHT:
		h->range = h->range < 3 ? h->range + 1 : 3;
		return UI_HANDLED | UI_REDRAW | UI_QUERY;
	case 'x':
		return history_export(u);
	default:
		return 0;
	}
}

/* Opened (h from the list or the detail): the outage list from its top, every query again. */
static unsigned history_enter(struct ui *u)
{
	(void)u;
	hs.shown = true;
	hs.stale = true;
	hs.open = false;
	hs.sel = 0;
	hs.top = 0;
	return UI_REDRAW | UI_QUERY;
}

static void history_leave(struct ui *u)
{
	(void)u;
	hs.shown = false;
}

/* An outage of what the pane shows started or ended: its queries run again. */
static unsigned history_on_event(struct ui *u, const struct mon_event *ev)
{
	(void)u;
	if (!hs.shown || (!hs.all && strcmp(hs.name, ev->name)) ||
	    (ev->kind != MEV_OUTAGE_START && ev->kind != MEV_OUTAGE_END))
		return 0;
	hs.stale = true;
	return UI_QUERY;
}

static const char *history_hints(const struct ui *u, char *right, size_t rlen)
{
	(void)u;
	if (rlen)
		right[0] = '\0';
	return hs.open ? " Esc back  j/k probe  x export  1-4 range  Tab all/one  r probe now  ? help  q quit"
		       : " Esc back  j/k outage  Enter probes  x export  1-4 range  Tab all/one  ? help  q quit";
}

static void history_done(void)
{
	history_free(&hs);
	memset(&hs, 0, sizeof(hs));
}

const char *view_history_facts(size_t *n_pts, size_t *n_out, int64_t *probes_30d)
{
	*n_pts = hs.n_pts;
	*n_out = hs.n_out;
	*probes_30d = hs.up[2].probes;
	return hs.err;
}

const struct pane_ops pane_history = {
	.name = "history",
	.draw = history_draw,
	.key = history_key,
	.on_event = history_on_event,
	.hints = history_hints,
	.enter = history_enter,
	.leave = history_leave,
	.update = history_update,
	.done = history_done,
};
