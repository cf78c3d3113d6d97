/*
 * alerts: the `a` pane. The recent alerts (the store's outbox: one row per
 * alert and notifier, newest first) with their delivery state (pending,
 * sent, failed, suppressed and why) and attempts, then the recent delivery
 * attempts (each one message: notifier, kind, result, HTTP status / exit
 * code / SMTP reply, endpoints, error). Live and in the read-only viewer
 * alike: both read the database.
 *
 * Its own state (private here): the rows of the last query (owned), when
 * it ran (at most once a second, from update(), never from draw), the
 * scroll position and the content's height.
 */
#include "httpsmon/fmt.h"
#include "httpsmon/ui.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/store.h"
#include "httpsmon/util.h"

#define ALERTS_MAX     200
#define ATTEMPTS_MAX   100
#define REQUERY_MS     1000
#define TIME_W         15     /* "12-02 05:07:34 " */

static struct alerts_state {
	struct outbox_row *rows;
	size_t n;
	struct delivery_row *ds;
	size_t nds;
	bool failed;          /* the last query failed */
	int64_t queried_mono; /* when it ran, 0 never */
	int scroll, lines;
} as;

static const char *status_word(int s)
{
	static const char *const w[] = { "pending", "sent", "FAILED", "suppressed" };

	return s >= 0 && s <= OUTBOX_SUPPRESSED ? w[s] : "?";
}

static int status_attr(int s)
{
	return s == OUTBOX_SENT ? ui_attr(C_UP) : s == OUTBOX_PENDING ? ui_attr(C_WARN)
	       : s == OUTBOX_FAILED ? ui_attr(C_DOWN) : ui_attr(C_DIM);
}

static void alert_line(struct canvas *c, const struct outbox_row *r)
{
	char t[32], tail[400];

	fmt_clock_local(t, sizeof(t), r->a.time_s * 1000, "%m-%d %H:%M:%S");
	cv_text(c, 0, TIME_W, ui_attr(C_DIM), t);
	cv_text(c, TIME_W, 14, UI_PLAIN, alert_kind_name(r->a.kind));
	cv_text(c, TIME_W + 14, 21, UI_PLAIN, r->a.endpoint ? r->a.endpoint : "");
	cv_text(c, TIME_W + 35, 17, UI_PLAIN, r->notifier);
	cv_text(c, TIME_W + 52, 11, status_attr(r->status), status_word(r->status));
	snprintf(tail, sizeof(tail), "%d attempt%s%s%s", r->attempts, r->attempts == 1 ? "" : "s",
		 r->why[0] ? ": " : "", r->why);
	cv_text(c, TIME_W + 63, -1, ui_attr(C_DIM), tail);
	cv_nl(c);
}

static void attempt_line(struct canvas *c, const struct delivery_row *d)
{
	char t[32], what[700];
	bool ok = !strcmp(d->result, "delivered");

	fmt_clock_local(t, sizeof(t), d->t_ms, "%m-%d %H:%M:%S");
	cv_text(c, 0, TIME_W, ui_attr(C_DIM), t);
	cv_text(c, TIME_W, 17, UI_PLAIN, d->notifier);
	cv_text(c, TIME_W + 17, 14, UI_PLAIN, d->kind);
	cv_textf(c, TIME_W + 31, 15, ok ? ui_attr(C_UP) : ui_attr(C_DOWN), "%s %d", d->result, d->code);
	snprintf(what, sizeof(what), "%d: %s%s%s%s%s", d->count, d->endpoints, d->target[0] ? " | to " : "", d->target,
		 d->error[0] ? " | " : "", d->error);
	cv_text(c, TIME_W + 46, -1, UI_PLAIN, what);
	cv_nl(c);
}

/* The content onto the canvas (with no visible rows it only counts the lines). */
static void alerts_body(struct canvas *c)
{
	cv_textf(c, 0, -1, ui_attr(C_ACCENT), "%-*s%-14s%-21s%-17s%-11s%s", TIME_W, "TIME", "KIND", "ENDPOINT",
		 "NOTIFIER", "STATE", "ATTEMPTS / WHY");
	cv_nl(c);
	for (size_t i = 0; i < as.n; i++)
		alert_line(c, &as.rows[i]);
	cv_nl(c);
	cv_rule(c, "delivery attempts, newest first");
	for (size_t i = 0; i < as.nds; i++)
		attempt_line(c, &as.ds[i]);
}

static void alerts_draw(const struct ui *u, int y0, int h)
{
	struct canvas c;

	ui_textf(stdscr, y0, 0, -1, ui_attr(C_TITLE), "alerts: the last %zu, newest first", as.n);
	if (!u->m.st || as.failed) {
		ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN,
			u->m.st ? "cannot read the alerts from the database"
			: u->m.rs ? "the remote viewer has no alerts: the API does not serve them (httpsmon history on the collector)"
				  : "no history database: alerts are not kept");
		return;
	}
	if (!as.n && !as.nds) {
		ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN,
			"no alerts yet: endpoints with notify = NAME send them when they go down, recover, warn, "
			"or their certificate nears expiry");
		return;
	}
	cv_init(&c, stdscr, y0 + 1, h - 1, 0, COLS, as.scroll);
	alerts_body(&c);
}

static void alerts_free_rows(void)
{
	store_outbox_rows_free(as.rows, as.n);
	free(as.ds);
	as.rows = NULL;
	as.ds = NULL;
	as.n = as.nds = 0;
}

/* The queries, at most once a second; then the content's height for the width at hand. */
static unsigned alerts_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	int64_t mono = util_mono_us() / 1000;
	struct canvas c;

	(void)changed;
	(void)y0;
	if (u->m.st && (query || !as.queried_mono || mono - as.queried_mono >= REQUERY_MS)) {
		alerts_free_rows();
		as.failed = store_outbox_recent(u->m.st, ALERTS_MAX, &as.rows, &as.n) != 0 ||
			    store_deliveries(u->m.st, 0, ATTEMPTS_MAX, &as.ds, &as.nds) != 0;
		as.queried_mono = mono;
	}
	cv_init(&c, stdscr, 0, 0, 0, COLS, 0);
	alerts_body(&c);
	as.lines = c.line;
	as.scroll = ui_clamp_scroll(as.scroll, as.lines, h - 1);
	return 0;
}

static unsigned alerts_key(struct ui *u, int key)
{
	if (key == 27 || key == KEY_LEFT || key == KEY_BACKSPACE || key == 127) {
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	}
	if (!ui_scroll_key(key, &as.scroll, as.lines, LINES - 5))
		return 0;
	return UI_HANDLED | UI_REDRAW;
}

static unsigned alerts_enter(struct ui *u)
{
	(void)u;
	as.scroll = 0;
	as.queried_mono = 0;
	return UI_REDRAW | UI_QUERY;
}

static const char *alerts_hints(const struct ui *u, char *right, size_t rlen)
{
	(void)u;
	if (rlen)
		right[0] = '\0';
	return " Esc back  j/k PgUp/PgDn scroll  a back  ? help  q quit";
}

static void alerts_done(void)
{
	alerts_free_rows();
	memset(&as, 0, sizeof(as));
}

const struct pane_ops pane_alerts = {
	.name = "alerts",
	.draw = alerts_draw,
	.key = alerts_key,
	.hints = alerts_hints,
	.enter = alerts_enter,
	.update = alerts_update,
	.done = alerts_done,
};
