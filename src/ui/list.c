/*
 * list: the endpoint list, the dashboard's main screen. One row per shown
 * endpoint (model order: filtered, sorted worst first by default) with
 * state badge, name, host, latency, TLS handshake, a sparkline, 24 h
 * uptime, certificate expiry, TLS version, age of the last probe and the
 * reason. Columns are laid out for the width at hand: optional ones drop
 * out on narrow terminals, in a fixed order.
 *
 * Its own state (struct list_state, private here): the first row shown,
 * where the rows are (for clicks and paging, set by update() from the
 * body's size, not by draw) and whether a filter is being typed. The
 * selection, the sort key and the filter are the model's (model_select,
 * model_rearrange), as every pane shows the same selected endpoint.
 */
#include "httpsmon/ui.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

enum col_id { COL_STATE, COL_NAME, COL_HOST, COL_LAT, COL_TLS, COL_SPARK, COL_UP, COL_CERT, COL_VER,
	      COL_AGE, COL_REASON, COL_N };

struct col {
	const char *title;
	int min, max;      /* max > min: takes spare width up to max (REASON takes the rest) */
	int drop;          /* 0 never dropped; higher drops first on narrow screens */
	enum ui_sort sort; /* the sort key this column shows, or SORT_COUNT */
};

static const struct col cols[COL_N] = {
	[COL_STATE] = { "STATE", UI_BADGE_W, UI_BADGE_W, 0, SORT_STATE },
	[COL_NAME] = { "NAME", 10, 24, 0, SORT_NAME },
	[COL_HOST] = { "HOST", 10, 28, 6, SORT_COUNT },
	[COL_LAT] = { "LATENCY", 8, 8, 0, SORT_LATENCY },
	[COL_TLS] = { "TLS HS", 8, 8, 4, SORT_COUNT },
	[COL_SPARK] = { "RECENT", 10, 32, 2, SORT_COUNT },
	[COL_UP] = { "UP 24h", 7, 7, 0, SORT_COUNT },
	[COL_CERT] = { "CERT", 7, 7, 0, SORT_EXPIRY },
	[COL_VER] = { "TLS", 4, 4, 5, SORT_COUNT },
	[COL_AGE] = { "AGE", 8, 8, 3, SORT_AGE },
	[COL_REASON] = { "REASON", 20, 20, 0, SORT_COUNT },
};

static struct list_state {
	int top;           /* first row shown */
	int y0, h;         /* screen rows of the list (below the headings) */
	bool editing;      /* typing a filter */
} ls;

struct layout {
	int x[COL_N];
	int w[COL_N];      /* 0: not shown */
};

/*
 * Column widths for width columns: optional columns drop out (highest
 * drop first) until the minimums fit; spare width goes to the name and
 * host (up to their longest shown value), the reason up to 40, the
 * sparkline, and what is left to the reason.
 */
static void lay_out(int width, int name_w, int host_w, struct layout *l)
{
	bool on[COL_N];
	int total = 0, spare;
	struct {
		enum col_id c;
		int upto;
	} grow[] = {
		{ COL_NAME, name_w }, { COL_HOST, host_w }, { COL_REASON, 40 }, { COL_SPARK, cols[COL_SPARK].max },
	};

	for (int i = 0; i < COL_N; i++) {
		on[i] = true;
		total += cols[i].min + 1;
	}
	total--;
	while (total > width) {
		int worst = -1;

		for (int i = 0; i < COL_N; i++)
			if (on[i] && cols[i].drop && (worst < 0 || cols[i].drop > cols[worst].drop))
				worst = i;
		if (worst < 0)
			break;
		on[worst] = false;
		total -= cols[worst].min + 1;
	}
	spare = width - total;
	for (int i = 0; i < COL_N; i++)
		l->w[i] = on[i] ? cols[i].min : 0;
	for (size_t g = 0; g < sizeof(grow) / sizeof(grow[0]) && spare > 0; g++) {
		enum col_id c = grow[g].c;
		int upto = grow[g].upto, add;

		if (!on[c])
			continue;
		if (c != COL_REASON && upto > cols[c].max)
			upto = cols[c].max;
		add = upto - l->w[c];
		if (add > spare)
			add = spare;
		if (add > 0) {
			l->w[c] += add;
			spare -= add;
		}
	}
	if (spare > 0)
		l->w[COL_REASON] += spare;
	for (int i = 0, x = 0; i < COL_N; i++) {
		l->x[i] = x;
		if (l->w[i])
			x += l->w[i] + 1;
	}
}

static void headings(const struct ui *u, const struct layout *l, int y)
{
	int attr = A_BOLD | A_UNDERLINE;

	ui_fill(stdscr, y, 0, -1, attr);
	for (int i = 0; i < COL_N; i++) {
		char t[32];

		if (!l->w[i])
			continue;
		snprintf(t, sizeof(t), "%s%s", cols[i].title,
			 cols[i].sort == u->m.sort ? (ui_utf8 ? "▼" : "v") : "");
		if (i == COL_LAT || i == COL_TLS || i == COL_UP || i == COL_CERT || i == COL_AGE)
			ui_text_right(stdscr, y, l->x[i], l->w[i], attr, t);
		else
			ui_text(stdscr, y, l->x[i], l->w[i], attr, t);
	}
}

static int expiry_attr(const struct row *r, int64_t now_s)
{
	int64_t left = r->expiry_s - now_s;

	if (!r->expiry_s)
		return UI_PLAIN;
	if (left < 7 * 86400)
		return ui_attr(C_DOWN);
	if (left < 21 * 86400)
		return ui_attr(C_WARN);
	return UI_PLAIN;
}

static void reason_text(const struct row *r, char *buf, size_t n)
{
	if (r->live == LIVE_PAUSED)
		snprintf(buf, n, "paused (p resumes)");
	else if (!r->r)
		snprintf(buf, n, "waiting for the first probe");
	else if (!strcmp(r->reason, "ok"))
		snprintf(buf, n, "ok");
	else
		snprintf(buf, n, "%s: %s", r->reason, r->message);
}

static void draw_row(const struct layout *l, int y, const struct row *r, bool sel,
		     int64_t now_ms)
{
	int base = sel ? A_REVERSE : UI_PLAIN;
	int64_t now_s = now_ms / 1000;
	char b[1024];

	ui_fill(stdscr, y, 0, -1, base);
	ui_badge(stdscr, y, l->x[COL_STATE], r->live, r->fails_in_row, r->fail_after, base);
	ui_text(stdscr, y, l->x[COL_NAME], l->w[COL_NAME], base | A_BOLD, r->name);
	if (l->w[COL_HOST])
		ui_text(stdscr, y, l->x[COL_HOST], l->w[COL_HOST], base, r->host);
	if (r->r) {
		/* no response: the time is how long it took to fail, not a latency */
		bool failed = r->vstate == STATE_DOWN && !r->r->http_status;

		ui_text_right(stdscr, y, l->x[COL_LAT], l->w[COL_LAT], base | (failed ? ui_attr(C_DIM) : 0),
			      failed ? "-" : fmt_latency(b, sizeof(b), r->r->t.total_us));
		if (l->w[COL_TLS])
			ui_text_right(stdscr, y, l->x[COL_TLS], l->w[COL_TLS], base,
				      fmt_latency(b, sizeof(b), r->r->t.tls_us));
		if (l->w[COL_VER])
			ui_text(stdscr, y, l->x[COL_VER], l->w[COL_VER], base,
				fmt_tls_short(b, sizeof(b), r->r->tls_version));
		ui_text_right(stdscr, y, l->x[COL_CERT], l->w[COL_CERT], base | expiry_attr(r, now_s),
			      fmt_expiry_short(b, sizeof(b), r->expiry_s, now_s));
	}
	if (l->w[COL_SPARK])
		ui_spark(stdscr, y, l->x[COL_SPARK], l->w[COL_SPARK], r->spark_us, r->spark_n, base);
	{
		int attr = base;

		if (r->up24 >= 0 && r->up24 < 95)
			attr |= ui_attr(C_DOWN);
		else if (r->up24 >= 0 && r->up24 < 99.9)
			attr |= ui_attr(C_WARN);
		ui_text_right(stdscr, y, l->x[COL_UP], l->w[COL_UP], attr, fmt_pct(b, sizeof(b), r->up24));
	}
	if (l->w[COL_AGE] && r->last_ms) {
		int64_t age = now_ms - r->last_ms;
		/* a probe overdue by more than two intervals: the collector is stuck or stopped */
		bool stale = r->interval_ms ? age > 2 * r->interval_ms + 5000 : age > 600000;

		ui_text_right(stdscr, y, l->x[COL_AGE], l->w[COL_AGE], base | (stale ? ui_attr(C_WARN) : 0),
			      fmt_age(b, sizeof(b), age));
	}
	reason_text(r, b, sizeof(b));
	ui_text(stdscr, y, l->x[COL_REASON], -1,
		base | (r->r && r->vstate != STATE_UP ? ui_state_attr(r->vstate) : 0), b);
}

static void list_draw(const struct ui *u, int y0, int h)
{
	int64_t now_ms = util_now_ms();
	struct layout l;
	int name_w = 4, host_w = 4;

	(void)h; /* the rows' place was set by list_update for this body */
	for (size_t i = 0; i < u->m.n_shown; i++) {
		const struct row *r = model_shown(&u->m, i);
		int w = fmt_width(r->name);

		if (w > name_w)
			name_w = w;
		w = fmt_width(r->host);
		if (w > host_w)
			host_w = w;
	}
	lay_out(COLS, name_w, host_w, &l);
	headings(u, &l, y0);
	if (!u->m.n_shown) {
		if (u->m.filter[0])
			ui_textf(stdscr, y0 + 2, 2, -1, UI_PLAIN, "no endpoint matches \"%s\" (Esc clears the filter)",
				 u->m.filter);
		else if (u->m.viewer)
			ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN, "the database holds no probes yet");
		else
			ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN, "no endpoints in the config");
		return;
	}
	for (int i = 0; i < ls.h; i++) {
		const struct row *r = model_shown(&u->m, (size_t)(ls.top + i));

		if (!r)
			break;
		draw_row(&l, ls.y0 + i, r, ls.top + i == u->m.sel, now_ms);
	}
}

/* Where the rows go on a body of h rows at y0, and the first row shown so the selection is in view. */
static unsigned list_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	(void)changed;
	(void)query;
	if (h < 2)
		return 0;
	ls.y0 = y0 + 1;
	ls.h = h - 1;
	if (!u->m.n_shown)
		return 0;
	if (u->m.sel >= ls.top + ls.h)
		ls.top = (int)u->m.sel - ls.h + 1;
	if (u->m.sel < ls.top)
		ls.top = (int)u->m.sel;
	ls.top = ui_clamp_scroll(ls.top, (int)u->m.n_shown, ls.h);
	return 0;
}

static unsigned move_to(struct ui *u, long i)
{
	if (!model_select(&u->m, i))
		return UI_HANDLED;
	return UI_HANDLED | UI_REDRAW;
}

static unsigned filter_key(struct ui *u, int key)
{
	char *filter = u->m.filter;
	size_t len = strlen(filter);

	switch (key) {
	case 27: /* Esc: clear and stop */
		filter[0] = '\0';
		ls.editing = false;
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		ls.editing = false;
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			filter[len - 1] = '\0';
		break;
	case 21: /* Ctrl-U */
		filter[0] = '\0';
		break;
	default:
		if (key >= 0x20 && key < 0x7f && len + 1 < sizeof(u->m.filter)) {
			filter[len] = (char)key;
			filter[len + 1] = '\0';
		}
		break;
	}
	/* filtering is live while typing; Enter keeps it, Esc drops it */
	model_rearrange(&u->m);
	return UI_HANDLED | UI_REDRAW;
}

unsigned view_list_key(struct ui *u, int key)
{
	int page = ls.h > 1 ? ls.h - 1 : 1;

	if (ls.editing)
		return filter_key(u, key);
	switch (key) {
	case KEY_UP:
	case 'k':
		return move_to(u, u->m.sel - 1);
	case KEY_DOWN:
	case 'j':
		return move_to(u, u->m.sel + 1);
	case KEY_PPAGE:
		return move_to(u, u->m.sel - page);
	case KEY_NPAGE:
		return move_to(u, u->m.sel + page);
	case KEY_HOME:
	case 'g':
		return move_to(u, 0);
	case KEY_END:
	case 'G':
		return move_to(u, (long)u->m.n_shown - 1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (!model_selected(&u->m))
			return UI_HANDLED;
		ui_open(u, &pane_detail);
		return UI_HANDLED | UI_REDRAW;
	case 's':
		u->m.sort = (enum ui_sort)((u->m.sort + 1) % SORT_COUNT);
		model_rearrange(&u->m);
		ui_notice(u, "sorted by %s", sort_name(u->m.sort));
		return UI_HANDLED | UI_REDRAW;
	case '/':
		ls.editing = true;
		return UI_HANDLED | UI_REDRAW;
	case 27:
		if (!u->m.filter[0])
			return UI_HANDLED;
		u->m.filter[0] = '\0';
		model_rearrange(&u->m);
		return UI_HANDLED | UI_REDRAW;
	default:
		return 0;
	}
}

bool view_list_editing(void)
{
	return ls.editing;
}

static unsigned list_mouse(struct ui *u, int y, int x, unsigned long bstate)
{
	(void)x;
	if (!(bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED)))
		return 0;
	if (y < ls.y0 || y >= ls.y0 + ls.h)
		return 0;
	if (ls.top + (y - ls.y0) >= (long)u->m.n_shown)
		return 0;
	return move_to(u, ls.top + (y - ls.y0));
}

static const char *list_hints(const struct ui *u, char *right, size_t rlen)
{
	right[0] = '\0';
	if (ls.editing)
		return NULL; /* the footer shows the filter being typed */
	if (u->m.filter[0] || u->m.sort != SORT_STATE)
		snprintf(right, rlen, "%s%s%s sort:%s ", u->m.filter[0] ? "filter:" : "", u->m.filter,
			 u->m.filter[0] ? " " : "", sort_name(u->m.sort));
	return " q quit  ? help  Enter detail  h history  / filter  s sort  r probe now  p pause";
}

static void list_done(void)
{
	memset(&ls, 0, sizeof(ls));
}

const struct pane_ops pane_list = {
	.name = "list",
	.draw = list_draw,
	.key = view_list_key,
	.mouse = list_mouse,
	.hints = list_hints,
	.update = list_update,
	.done = list_done,
};
