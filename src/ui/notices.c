/*
 * notices: the `e` pane, the dashboard's log. Shows the notices the
 * shared struct ui keeps (pane.c: the last UI_NOTES state changes, events,
 * reloads and history problems), oldest first, one per line with its time,
 * a notice of several lines (a refused config's errors) in full, long
 * lines wrapped. The footer's one-line notice stays; this is where the
 * whole text is.
 *
 * Its own state (private here): the scroll position, the content's height
 * (measured by update() for the terminal's width, so draw only reads) and
 * whether it follows the newest notice: at the bottom it does, as `tail -f`
 * would, and new notices scroll into view; scrolled up it stays on what is
 * being read while notices arrive.
 */
#include "httpsmon/fmt.h"
#include "httpsmon/ui.h"

#include <string.h>

#include "httpsmon/util.h"

static struct notices_state {
	int scroll;        /* first content line shown */
	int lines;         /* content height, measured by update() */
	bool follow;       /* at the bottom: new notices scroll into view */
} ns;

static int note_attr(enum ui_note_kind k)
{
	switch (k) {
	case NOTE_DOWN:
	case NOTE_PROBLEM:
		return ui_attr(C_DOWN);
	case NOTE_UP:
		return ui_attr(C_UP);
	case NOTE_RELOAD:
		return ui_attr(C_ACCENT);
	default:
		return UI_PLAIN;
	}
}

#define TIME_W 15 /* "12-02 05:07:34 " */

/* Every notice onto the canvas (with no visible rows it only counts the lines). */
static void notices_body(struct canvas *c, const struct ui *u)
{
	for (size_t i = 0; i < u->notes_n; i++) {
		const struct ui_note *n = ui_note_at(u, i);
		const char *p = n->text;
		char t[32];

		fmt_time_local(t, sizeof(t), n->t_ms, false);
		cv_text(c, 0, TIME_W, ui_attr(C_DIM), t);
		/* each line of the text wrapped after the time; the lines after the first indented */
		do {
			const char *nl = strchr(p, '\n');
			char line[1024];

			snprintf(line, sizeof(line), "%.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
			cv_wrap(c, p == n->text ? TIME_W : TIME_W + 2, note_attr(n->kind), line, 50);
			p = nl ? nl + 1 : NULL;
		} while (p && *p);
	}
}

static void notices_draw(const struct ui *u, int y0, int h)
{
	struct canvas c;
	char b[96];

	ui_textf(stdscr, y0, 0, -1, ui_attr(C_TITLE), "notices: %zu kept (the last %d), oldest first", u->notes_n,
		 UI_NOTES);
	if (!u->notes_n) {
		ui_text(stdscr, y0 + 2, 2, -1, UI_PLAIN,
			u->m.viewer ? "no notices: the read-only viewer hears no events, it reads what the collector stored"
				    : "no notices yet: state changes, events, reloads and history problems show here");
		return;
	}
	cv_init(&c, stdscr, y0 + 1, h - 1, 0, COLS, ns.scroll);
	notices_body(&c, u);
	if (ns.lines > h - 1) {
		snprintf(b, sizeof(b), " %d-%d/%d ", ns.scroll + 1,
			 ns.scroll + h - 1 < ns.lines ? ns.scroll + h - 1 : ns.lines, ns.lines);
		ui_text_right(stdscr, y0, 0, COLS, ui_attr(C_DIM), b);
	}
}

/* Measures the content for the width at hand; following, the view ends at the newest. */
static unsigned notices_update(struct ui *u, bool changed, bool query, int y0, int h)
{
	struct canvas c;

	(void)changed;
	(void)query;
	(void)y0;
	cv_init(&c, stdscr, 0, 0, 0, COLS, 0);
	notices_body(&c, u);
	ns.lines = c.line;
	if (ns.follow)
		ns.scroll = ns.lines;
	ns.scroll = ui_clamp_scroll(ns.scroll, ns.lines, h - 1);
	return 0;
}

static unsigned notices_key(struct ui *u, int key)
{
	int view_h = LINES - 5;

	if (key == 27 || key == KEY_LEFT || key == KEY_BACKSPACE || key == 127) {
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	}
	if (!ui_scroll_key(key, &ns.scroll, ns.lines, view_h))
		return 0;
	ns.follow = ns.scroll + view_h >= ns.lines;
	return UI_HANDLED | UI_REDRAW;
}

static unsigned notices_enter(struct ui *u)
{
	(void)u;
	ns.follow = true;
	return UI_REDRAW;
}

static const char *notices_hints(const struct ui *u, char *right, size_t rlen)
{
	(void)u;
	if (rlen)
		right[0] = '\0';
	return " Esc back  j/k PgUp/PgDn scroll  g/G oldest/newest  e back  ? help  q quit";
}

static void notices_done(void)
{
	memset(&ns, 0, sizeof(ns));
}

const struct pane_ops pane_notices = {
	.name = "notices",
	.draw = notices_draw,
	.key = notices_key,
	.hints = notices_hints,
	.enter = notices_enter,
	.update = notices_update,
	.done = notices_done,
};
