/*
 * help: the `?` overlay, a box over the current pane listing every key.
 * Owns the key table below: it is the one list of bindings, so the
 * overlay cannot drift from what the handlers do without this file
 * changing too. Scrolls when the terminal is shorter than the list; the
 * scroll position is its only state, private here, clamped by update()
 * for the terminal's size so that draw() only reads it. An overlay: it is
 * drawn over the current pane and takes every key (any other closes it).
 */
#include "httpsmon/ui.h"

#include <string.h>

static const struct {
	const char *keys;
	const char *what;
} help[] = {
	{ NULL, "everywhere" },
	{ "q", "quit (also Ctrl-C)" },
	{ "?", "this help (any key closes it)" },
	{ "r", "probe the selected endpoint now" },
	{ "p", "pause / resume the selected endpoint (kept across restarts)" },
	{ "h", "history of the selected endpoint" },
	{ "e", "notices: state changes, events, reloads, history problems (j/k, g/G)" },
	{ "a", "alerts: recent alerts, their delivery state and every attempt (j/k)" },
	{ "+", "add an endpoint: URL and name, written to the config, reloaded" },
	{ "m", "mute the selected endpoint's alerts: 1h, 4h, 24h, until UP" },
	{ "Esc", "back to the list; clears the filter there" },
	{ "Ctrl-L", "redraw the screen" },
	{ NULL, "endpoint list" },
	{ "Up/Down j/k", "select (the row keeps its place while you are on it)" },
	{ "PgUp/PgDn", "a page up / down" },
	{ "g / G", "first row (stays on the worst) / last" },
	{ "n / N", "next / previous DOWN, FAILING or WARN" },
	{ "Enter", "details of the selected endpoint" },
	{ "s", "sort: state, name, latency, cert expiry, age" },
	{ "S / F", "reverse the sort / freeze the order (F again: live)" },
	{ "t", "tags column on / off" },
	{ "/", "filter by name, host or tag (Enter keeps, Esc clears)" },
	{ "mouse", "click selects; double-click: detail; click a heading: sort by it (again: reverse)" },
	{ NULL, "detail" },
	{ "Up/Down j/k", "scroll; PgUp/PgDn, g/G" },
	{ NULL, "history" },
	{ "Up/Down j/k", "select an outage (or a probe inside one)" },
	{ "Enter", "the failing probes of the outage" },
	{ "Tab", "outages of this endpoint / of all" },
	{ "1 2 3 4", "chart range 1h, 24h, 7d, 30d (also Left/Right)" },
	{ "x", "export the selected outage's probes to a CSV file" },
};

#define N_HELP (int)(sizeof(help) / sizeof(help[0]))

/* Keys that act through the collector: in --view, only while one runs to take them. */
static bool via_collector(const char *keys)
{
	return !strcmp(keys, "r") || !strcmp(keys, "p");
}

static int help_scroll;

/* The box: width w, height h at (y0, x0); false when the terminal is too small for it. */
static bool help_box(int *w, int *h, int *y0, int *x0)
{
	*w = COLS < 80 ? COLS - 2 : 78;
	*h = LINES - 2 < N_HELP + 4 ? LINES - 2 : N_HELP + 4;
	*y0 = (LINES - *h) / 2;
	*x0 = (COLS - *w) / 2;
	return *w >= 20 && *h >= 5;
}

static void help_draw(const struct ui *u, int body_y0, int body_h)
{
	int w, h, y0, x0, rows;

	(void)body_y0;
	(void)body_h;
	if (!help_box(&w, &h, &y0, &x0))
		return;
	rows = h - 4;
	ui_box(stdscr, y0, x0, h, w, " httpsmon keys ");
	for (int i = 0; i < rows && help_scroll + i < N_HELP; i++) {
		int k = help_scroll + i;
		int y = y0 + 2 + i;

		if (!help[k].keys) {
			ui_text(stdscr, y, x0 + 2, w - 4, A_BOLD | A_UNDERLINE, help[k].what);
			continue;
		}
		if (via_collector(help[k].keys) && u->m.viewer && !u->m.v_collector_pid) {
			/* nothing would take it: shown for what it is, not offered */
			ui_text(stdscr, y, x0 + 4, 14, ui_attr(C_DIM), help[k].keys);
			ui_textf(stdscr, y, x0 + 19, w - 21, ui_attr(C_DIM), "(%s) %s",
				 u->m.rs ? "not over the API: read-only" : "needs a running collector", help[k].what);
			continue;
		}
		ui_text(stdscr, y, x0 + 4, 14, ui_attr(C_ACCENT) | A_BOLD, help[k].keys);
		ui_textf(stdscr, y, x0 + 19, w - 21, UI_PLAIN, "%s%s", help[k].what,
			 via_collector(help[k].keys) && u->m.viewer ? " (asks the collector)" : "");
	}
	if (N_HELP > rows)
		ui_text(stdscr, y0 + h - 1, x0 + 2, w - 4, ui_attr(C_DIM), " j/k scroll ");
}

static unsigned help_update(struct ui *u, bool changed, bool query, int y0, int h_body)
{
	int w, h, by0, bx0;

	(void)u;
	(void)changed;
	(void)query;
	(void)y0;
	(void)h_body;
	if (help_box(&w, &h, &by0, &bx0))
		help_scroll = ui_clamp_scroll(help_scroll, N_HELP, h - 4);
	return 0;
}

static unsigned help_key(struct ui *u, int key)
{
	switch (key) {
	case KEY_DOWN:
	case 'j':
		help_scroll++;
		return UI_HANDLED | UI_REDRAW;
	case KEY_UP:
	case 'k':
		if (help_scroll > 0)
			help_scroll--;
		return UI_HANDLED | UI_REDRAW;
	case KEY_RESIZE:
		return UI_HANDLED | UI_REDRAW;
	default:
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	}
}

static unsigned help_enter(struct ui *u)
{
	(void)u;
	help_scroll = 0;
	return UI_REDRAW;
}

const struct pane_ops pane_help = {
	.name = "help",
	.overlay = true,
	.draw = help_draw,
	.key = help_key,
	.mouse = ui_mouse_swallow,
	.enter = help_enter,
	.update = help_update,
};
