/*
 * list: the endpoint list, the dashboard's main screen. One row per shown
 * endpoint (model order: filtered, sorted worst first by default) with
 * state badge, name, tags (t), host, latency, TLS handshake, a sparkline,
 * 24 h uptime, certificate expiry, TLS version, age of the last probe and
 * the reason. Columns are laid out for the width at hand: a column is
 * shown whole or not at all (optional ones drop out on narrow terminals,
 * in the order of cols[]' drop ranks), and a name, host, tag list or
 * reason wider than its column ends in an ellipsis, never cut silently.
 * The last screen column holds the scroll marks; the headings' right end
 * says which rows are shown ("16-30/42").
 *
 * Its own state (struct list_state, private here): the first row shown,
 * where the rows and columns are (for clicks and paging, set by update()
 * from the body's size and the shown rows, not by draw), whether a filter
 * is being typed, the tags column and the last click (double-click). The
 * selection, the sort key, its direction, the freeze and the filter are
 * the model's (order.c), as every pane shows the same selected endpoint.
 */
#include "httpsmon/ui.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

enum col_id { COL_STATE, COL_NAME, COL_LOC, COL_TAGS, COL_HOST, COL_LAT, COL_TLS, COL_SPARK, COL_UP, COL_CERT,
	      COL_GRADE, COL_VER, COL_AGE, COL_REASON, COL_N };

struct col {
	const char *title;
	int min, max;      /* max > min: takes spare width up to max (REASON takes the rest) */
	int drop;          /* 0 never dropped; higher drops first on narrow screens */
	enum ui_sort sort; /* the sort key a click on its heading picks */
	bool right;        /* right-aligned (figures) */
};

#define NAME_MAX_W    24 /* longer names are cut with an ellipsis */
#define REASON_MIN_W  16 /* columns drop out before the reason gets narrower */
#define REASON_LAST_W 8  /* with nothing left to drop, the name gives way down to its minimum first */
#define DOUBLE_CLICK_MS 400

/*
 * Drop order on narrow terminals (the README lists it): HOST, TLS, GRADE,
 * TLS HS, AGE, RECENT, CERT, UP 24h, TAGS, LATENCY; STATE, NAME, LOCATION
 * (remote viewer) and REASON stay.
 */
static const struct col cols[COL_N] = {
	[COL_STATE] = { "STATE", UI_BADGE_W, UI_BADGE_W, 0, SORT_STATE, false },
	[COL_NAME] = { "NAME", 10, NAME_MAX_W, 0, SORT_NAME, false },
	/* the remote viewer's collectors: never dropped, the same name's rows differ only here */
	[COL_LOC] = { "LOCATION", 8, 20, 0, SORT_LOCATION, false },
	[COL_TAGS] = { "TAGS", 6, 20, 2, SORT_TAGS, false },
	[COL_HOST] = { "HOST", 10, 28, 10, SORT_HOST, false },
	[COL_LAT] = { "LATENCY", 8, 8, 1, SORT_LATENCY, true },
	[COL_TLS] = { "TLS HS", 8, 8, 7, SORT_TLS_HS, true },
	[COL_SPARK] = { "RECENT", 10, 32, 5, SORT_RECENT, false },
	[COL_UP] = { "UP 24h", 7, 7, 3, SORT_UPTIME, true },
	[COL_CERT] = { "CERT", 7, 7, 4, SORT_EXPIRY, true },
	[COL_GRADE] = { "GRADE", 6, 6, 8, SORT_GRADE, false }, /* "GRADE▼" when sorted by it */
	[COL_VER] = { "TLS", 4, 4, 9, SORT_TLS_VER, false },
	[COL_AGE] = { "AGE", 8, 8, 6, SORT_AGE, true },
	[COL_REASON] = { "REASON", REASON_MIN_W, REASON_MIN_W, 0, SORT_REASON, false },
};

struct layout {
	int x[COL_N];
	int w[COL_N];      /* 0: not shown */
	int width;         /* the terminal's width it was made for */
};

static struct list_state {
	int top;           /* first row shown */
	int y0, h;         /* screen rows of the list (below the headings) */
	bool editing;      /* typing a filter */
	bool tags;         /* t: the TAGS column is on */
	struct layout l;   /* the columns, set by update() for the shown rows and the width */
	int need[COL_N];   /* the widest name, host and tags shown, as last measured */
	bool measured, measured_tags;
	size_t measured_n; /* ... for these shown rows, tags column and filter */
	char measured_filter[64];
	long click_row;    /* the row of the last click, and when (ms, monotonic): double-click */
	int64_t click_ms;
} ls = { .click_row = -1 };

/*
 * Column widths for width columns (the last one is kept for the scroll
 * marks). need[]: the widest value shown of the name, tags and host.
 * Optional columns drop out, highest drop first, until every shown column
 * fits whole, the name at its full width (up to NAME_MAX_W) and the
 * reason at REASON_MIN_W; with nothing left to drop, the reason gives way
 * down to REASON_LAST_W, then the name down to its minimum. Spare width
 * goes to the host, the tags, the reason up to 40, the sparkline, and
 * what is left to the reason.
 */
static void lay_out(int width, const int need[COL_N], bool tags, bool loc, struct layout *l)
{
	bool on[COL_N];
	int w0[COL_N], total = 0, spare, avail = width - 1;
	static const struct {
		enum col_id c;
		int upto;      /* 0: need[c] */
	} grow[] = { { COL_LOC, 0 }, { COL_HOST, 0 }, { COL_TAGS, 0 }, { COL_REASON, 40 }, { COL_SPARK, 32 } };

	for (int i = 0; i < COL_N; i++) {
		on[i] = (i != COL_TAGS || tags) && (i != COL_LOC || loc);
		w0[i] = cols[i].min;
		/* the name and the location are what a row is: their width before any optional column's */
		if (i == COL_NAME || i == COL_LOC)
			w0[i] = need[i] < cols[i].min ? cols[i].min : need[i] > cols[i].max ? cols[i].max : need[i];
		if (on[i])
			total += w0[i] + 1;
	}
	total--;
	while (total > avail) {
		int worst = -1;

		for (int i = 0; i < COL_N; i++)
			if (on[i] && cols[i].drop && (worst < 0 || cols[i].drop > cols[worst].drop))
				worst = i;
		if (worst < 0)
			break;
		on[worst] = false;
		total -= w0[worst] + 1;
	}
	for (int i = 0; i < COL_N; i++)
		l->w[i] = on[i] ? w0[i] : 0;
	/* nothing left to drop: the reason, then the name, give way */
	for (; total > avail && l->w[COL_REASON] > REASON_LAST_W; total--)
		l->w[COL_REASON]--;
	for (; total > avail && l->w[COL_NAME] > cols[COL_NAME].min; total--)
		l->w[COL_NAME]--;
	spare = avail - total;
	for (size_t g = 0; g < sizeof(grow) / sizeof(grow[0]) && spare > 0; g++) {
		enum col_id c = grow[g].c;
		int upto = grow[g].upto ? grow[g].upto : need[c], add;

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
	l->width = width;
}

static void headings(const struct ui *u, const struct layout *l, int y)
{
	int attr = A_BOLD | A_UNDERLINE;

	ui_fill(stdscr, y, 0, -1, attr);
	for (int i = 0; i < COL_N; i++) {
		char t[32];

		if (!l->w[i])
			continue;
		/* the sort key's column carries its direction: the default down, reversed (S) up */
		snprintf(t, sizeof(t), "%s%s", cols[i].title,
			 cols[i].sort != u->m.sort ? "" : u->m.sort_rev ? (ui_utf8 ? "▲" : "^") : (ui_utf8 ? "▼" : "v"));
		if (cols[i].right)
			ui_text_right(stdscr, y, l->x[i], l->w[i], attr, t);
		else
			ui_text(stdscr, y, l->x[i], l->w[i], attr, t);
	}
}

/* "16-30/42": which of the shown rows are on screen; returns its width. */
static int position_text(const struct ui *u, char *b, size_t n)
{
	int shown = (int)u->m.n_shown, last = ls.top + ls.h < shown ? ls.top + ls.h : shown;

	return snprintf(b, n, "%d-%d/%d", shown ? ls.top + 1 : 0, last, shown);
}

/* The position goes at the right of the headings when it fits beside REASON's title, else in the footer. */
static bool position_in_headings(const struct layout *l, int w)
{
	return l->w[COL_REASON] && COLS - 1 - w >= l->x[COL_REASON] + (int)strlen(cols[COL_REASON].title) + 2;
}

/*
 * Where the rows stand: the position at the right of the headings, and the
 * scroll marks in the last column: on the first row when rows are hidden
 * above, on the last when below.
 */
static void position(const struct ui *u, const struct layout *l, int y)
{
	char b[64];
	int w = position_text(u, b, sizeof(b));

	if (position_in_headings(l, w))
		ui_text(stdscr, y, COLS - 1 - w, w, A_BOLD | A_UNDERLINE, b);
	if (ls.top > 0)
		ui_text(stdscr, ls.y0, COLS - 1, 1, ui_attr(C_ACCENT) | A_BOLD, ui_utf8 ? "▲" : "^");
	if (ls.top + ls.h < (int)u->m.n_shown)
		ui_text(stdscr, ls.y0 + ls.h - 1, COLS - 1, 1, ui_attr(C_ACCENT) | A_BOLD, ui_utf8 ? "▼" : "v");
}

static void reason_plain(const struct row *r, char *buf, size_t n, int64_t now_ms);

static void reason_text(const struct row *r, char *buf, size_t n, int64_t now_ms)
{
	if (r->stale) { /* the remote viewer: the header says why (its collector unreachable, or behind) */
		size_t used = (size_t)snprintf(buf, n, "[stale] ");

		if (used < n)
			reason_plain(r, buf + used, n - used, now_ms);
		return;
	}
	if (r->mute[0]) { /* first: a muted endpoint must not look like one that would page */
		size_t used = (size_t)snprintf(buf, n, "[%s] ", r->mute);

		if (used < n)
			reason_plain(r, buf + used, n - used, now_ms);
		return;
	}
	reason_plain(r, buf, n, now_ms);
}

static void reason_plain(const struct row *r, char *buf, size_t n, int64_t now_ms)
{
	if (r->from_history && r->live != LIVE_PAUSED) {
		char note[128];

		/* known at once, and said to be old until the first fresh probe is judged */
		model_history_note(r, now_ms, note, sizeof(note));
		if (!strcmp(r->reason, "ok"))
			snprintf(buf, n, "%s", note);
		else
			snprintf(buf, n, "%s: %s: %s", note, r->reason, r->message);
		return;
	}
	if (r->live == LIVE_PAUSED)
		snprintf(buf, n, "paused (p resumes)");
	else if (!r->r)
		snprintf(buf, n, "waiting for the first probe");
	else if (r->live == LIVE_PENDING)
		/* resumed: the last verdict is from before the pause, the next is on its way */
		snprintf(buf, n, "resumed, probing now");
	else if (!strcmp(r->reason, "ok"))
		snprintf(buf, n, "ok");
	else
		snprintf(buf, n, "%s: %s", r->reason, r->message);
}

static void draw_row(const struct layout *l, int y, const struct row *r, bool sel,
		     int64_t now_ms)
{
	int base = (sel ? A_REVERSE : UI_PLAIN) | (r->stale ? A_DIM : 0);
	int64_t now_s = now_ms / 1000;
	char b[1024];

	ui_fill(stdscr, y, 0, -1, base);
	ui_badge(stdscr, y, l->x[COL_STATE], r->live, r->fails_in_row, r->fail_after,
		 base | (r->from_history ? A_DIM : 0));
	ui_text_cut(stdscr, y, l->x[COL_NAME], l->w[COL_NAME], base | A_BOLD, r->name);
	if (l->w[COL_LOC])
		ui_text_cut(stdscr, y, l->x[COL_LOC], l->w[COL_LOC], base, r->location ? r->location : "");
	if (l->w[COL_TAGS])
		ui_text_cut(stdscr, y, l->x[COL_TAGS], l->w[COL_TAGS], base, row_tags_text(r, b, sizeof(b)));
	if (l->w[COL_HOST])
		ui_text_cut(stdscr, y, l->x[COL_HOST], l->w[COL_HOST], base, r->host);
	if (r->r) {
		/* no response: the time is how long it took to fail, not a latency */
		bool failed = r->vstate == STATE_DOWN && !r->r->http_status;

		if (l->w[COL_LAT])
			ui_text_right(stdscr, y, l->x[COL_LAT], l->w[COL_LAT], base | (failed ? ui_attr(C_DIM) : 0),
				      failed ? "-" : util_fmt_duration_us(b, sizeof(b), r->r->t.us[PHASE_TOTAL]));
		if (l->w[COL_TLS])
			ui_text_right(stdscr, y, l->x[COL_TLS], l->w[COL_TLS], base,
				      util_fmt_duration_us(b, sizeof(b), probe_result_handshake_us(r->r)));
		if (l->w[COL_VER])
			ui_text(stdscr, y, l->x[COL_VER], l->w[COL_VER], base,
				fmt_tls_short(b, sizeof(b), r->r->tls_version));
		if (l->w[COL_CERT])
			ui_text_right(stdscr, y, l->x[COL_CERT], l->w[COL_CERT], base | (r->expiry_s ? ui_expiry_attr(r, r->expiry_s, now_s) : UI_PLAIN),
				      fmt_expiry_short(b, sizeof(b), r->expiry_s, now_s));
	}
	if (l->w[COL_GRADE]) {
		const char *g = r->posture && r->posture->g.grade[0] ? r->posture->g.grade : "-";

		ui_text(stdscr, y, l->x[COL_GRADE], l->w[COL_GRADE], base | (*g == '-' ? ui_attr(C_DIM) : ui_grade_attr(g)), g);
	}
	if (l->w[COL_SPARK])
		ui_spark(stdscr, y, l->x[COL_SPARK], l->w[COL_SPARK], r->spark_us, r->spark_n, base);
	if (l->w[COL_UP]) {
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
	reason_text(r, b, sizeof(b), now_ms);
	ui_text_cut(stdscr, y, l->x[COL_REASON], l->w[COL_REASON],
		    base | (r->r && r->vstate != STATE_UP ? ui_state_attr(r->vstate) : 0), b);
}

static void list_draw(const struct ui *u, int y0, int h)
{
	int64_t now_ms = util_now_ms();

	(void)h; /* the rows' place and the columns were set by list_update for this body */
	headings(u, &ls.l, y0);
	if (!u->m.n_shown) {
		if (u->m.filter[0])
			ui_textf(stdscr, y0 + 2, 2, -1, UI_PLAIN, "no endpoint matches \"%s\" (Esc clears the filter)",
				 u->m.filter);
		else if (u->m.rs)
			ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN, "no endpoints from the collectors yet (the line above says why)");
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
		draw_row(&ls.l, ls.y0 + i, r, ls.top + i == u->m.sel, now_ms);
	}
	position(u, &ls.l, y0);
}

/*
 * For a body of h rows at y0: where the rows go, the first row shown (the
 * selection in view, scrolled no more than needed) and the columns for
 * the shown rows' widest name, tags and host.
 */
static unsigned list_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	char b[256];

	(void)query;
	/* the widest values are measured again only when the rows or the set shown may have changed */
	if (changed || !ls.measured || ls.measured_n != u->m.n_shown || ls.measured_tags != ls.tags ||
	    strcmp(ls.measured_filter, u->m.filter)) {
		memset(ls.need, 0, sizeof(ls.need));
		for (size_t i = 0; i < u->m.n_shown; i++) {
			const struct row *r = model_shown(&u->m, i);
			int w;

			if ((w = fmt_width(r->name)) > ls.need[COL_NAME])
				ls.need[COL_NAME] = w;
			if ((w = fmt_width(r->host)) > ls.need[COL_HOST])
				ls.need[COL_HOST] = w;
			if (r->location && (w = fmt_width(r->location)) > ls.need[COL_LOC])
				ls.need[COL_LOC] = w;
			if (ls.tags && (w = fmt_width(row_tags_text(r, b, sizeof(b)))) > ls.need[COL_TAGS])
				ls.need[COL_TAGS] = w;
		}
		ls.measured = true;
		ls.measured_n = u->m.n_shown;
		ls.measured_tags = ls.tags;
		snprintf(ls.measured_filter, sizeof(ls.measured_filter), "%s", u->m.filter);
	}
	lay_out(COLS, ls.need, ls.tags, u->m.rs != NULL, &ls.l);
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
	model_reorder(&u->m);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned sort_by(struct ui *u, enum ui_sort s, bool rev)
{
	model_set_sort(&u->m, s, rev);
	ui_notice(u, "sorted by %s%s%s", sort_name(s), rev ? ", reversed" : "",
		  u->m.frozen ? " (frozen: F lets results re-sort)" : "");
	return UI_HANDLED | UI_REDRAW;
}

/* n / N: the next / previous DOWN, FAILING or WARN row, round the end of the list. */
static unsigned next_problem(struct ui *u, int dir)
{
	bool wrapped;
	long i = model_next_problem(&u->m, dir, &wrapped);

	if (i < 0) {
		ui_notice(u, "no endpoint is DOWN, FAILING or WARN%s", u->m.filter[0] ? " among those shown" : "");
		return UI_HANDLED | UI_REDRAW;
	}
	if (wrapped)
		ui_notice(u, "%s", dir > 0 ? "past the last: on from the top" : "past the first: on from the bottom");
	return move_to(u, i);
}

/* Opens the detail of the selected endpoint; the cursor stays on it from now on. */
static unsigned open_detail(struct ui *u)
{
	if (!model_selected(&u->m))
		return UI_HANDLED;
	model_select(&u->m, u->m.sel);
	ui_open(u, &pane_detail);
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
		model_select_top(&u->m);
		return UI_HANDLED | UI_REDRAW;
	case KEY_END:
	case 'G':
		return move_to(u, (long)u->m.n_shown - 1);
	case 'n':
		return next_problem(u, 1);
	case 'N':
		return next_problem(u, -1);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return open_detail(u);
	case 's':
		return sort_by(u, u->m.sort + 1 < SORT_CYCLE ? (enum ui_sort)(u->m.sort + 1) : SORT_STATE, false);
	case 'S':
		return sort_by(u, u->m.sort, !u->m.sort_rev);
	case 'F':
		model_freeze(&u->m, !u->m.frozen);
		ui_notice(u, "%s", u->m.frozen ? "order frozen while you read: F again lets results re-sort"
					       : "order follows the results again");
		return UI_HANDLED | UI_REDRAW;
	case 't':
		if (u->m.viewer) {
			ui_notice(u, "tags live in the config: the viewer has none");
			return UI_HANDLED | UI_REDRAW;
		}
		ls.tags = !ls.tags;
		ui_notice(u, "tags column %s", ls.tags ? "on" : "off");
		return UI_HANDLED | UI_REDRAW;
	case '/':
		ls.editing = true;
		return UI_HANDLED | UI_REDRAW;
	case 27:
		if (!u->m.filter[0])
			return UI_HANDLED;
		u->m.filter[0] = '\0';
		model_reorder(&u->m);
		return UI_HANDLED | UI_REDRAW;
	default:
		return 0;
	}
}

bool view_list_editing(void)
{
	return ls.editing;
}

/* A click on a heading sorts by its column; on the sort's own column it reverses. */
static unsigned heading_click(struct ui *u, int x)
{
	for (int i = 0; i < COL_N; i++) {
		if (!ls.l.w[i] || x < ls.l.x[i] || x > ls.l.x[i] + ls.l.w[i])
			continue;
		if (cols[i].sort == u->m.sort)
			return sort_by(u, u->m.sort, !u->m.sort_rev);
		return sort_by(u, cols[i].sort, false);
	}
	return UI_HANDLED;
}

/* A click selects a row, a second one on it within DOUBLE_CLICK_MS opens its detail. */
static unsigned list_mouse(struct ui *u, int y, int x, unsigned long bstate)
{
	int64_t now = util_mono_us() / 1000;
	long i = ls.top + (y - ls.y0);
	bool twice;

	if (!(bstate & (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON1_DOUBLE_CLICKED)))
		return 0;
	if (y == ls.y0 - 1)
		return heading_click(u, x);
	if (y < ls.y0 || y >= ls.y0 + ls.h || i >= (long)u->m.n_shown)
		return 0;
	twice = (bstate & BUTTON1_DOUBLE_CLICKED) ||
		(i == ls.click_row && now - ls.click_ms <= DOUBLE_CLICK_MS && i == u->m.sel);
	ls.click_row = twice ? -1 : i;
	ls.click_ms = now;
	move_to(u, i);
	return twice ? open_detail(u) : UI_HANDLED | UI_REDRAW;
}

static const char *list_hints(const struct ui *u, char *right, size_t rlen)
{
	char pos[64];

	right[0] = '\0';
	if (ls.editing)
		return NULL; /* the footer shows the filter being typed */
	if (u->m.filter[0] || u->m.sort != SORT_STATE || u->m.sort_rev)
		snprintf(right, rlen, "%s%s%s sort:%s%s ", u->m.filter[0] ? "filter:" : "", u->m.filter,
			 u->m.filter[0] ? " " : "", sort_name(u->m.sort), u->m.sort_rev ? " (reversed)" : "");
	if (u->m.n_shown && !position_in_headings(&ls.l, position_text(u, pos, sizeof(pos)))) {
		size_t len = strlen(right);

		/* too narrow for it beside the headings: the footer has it */
		snprintf(right + len, rlen - len, "%s ", pos);
	}
	/* the viewer offers r and p only while a collector is there to take them */
	if (u->m.viewer && !u->m.v_collector_pid)
		return " q quit  ? help  Enter detail  h history  e notices  / filter  s/S sort  n/N next problem  F freeze";
	return " q quit  ? help  Enter detail  h history  e notices  / filter  s/S sort  n/N next problem  F freeze"
	       "  r probe  p pause";
}

/* Back on the list: rows may have changed while another pane was shown. */
static unsigned list_enter(struct ui *u)
{
	(void)u;
	ls.measured = false;
	return UI_REDRAW;
}

/* Another pane opens: the cursor stays on its endpoint (not on whatever comes first) meanwhile. */
static void list_leave(struct ui *u)
{
	if (u->m.sel >= 0)
		model_select(&u->m, u->m.sel);
}

static void list_done(void)
{
	memset(&ls, 0, sizeof(ls));
	ls.click_row = -1;
}

const struct pane_ops pane_list = {
	.name = "list",
	.draw = list_draw,
	.key = view_list_key,
	.mouse = list_mouse,
	.hints = list_hints,
	.enter = list_enter,
	.leave = list_leave,
	.update = list_update,
	.done = list_done,
};
