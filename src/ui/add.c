/*
 * add: the `+` overlay, a two-field prompt (URL, then name) that appends
 * an endpoint to the running dashboard's config with cfgedit_add (checked
 * before it is written) and reloads it at once (app_reload), as
 * `httpsmon add` does from the shell. The prompt reads keys, and a paste
 * arrives as keys too, so what it takes is hostile: printable ASCII only
 * (a URL has no spaces), each field bounded; Esc cancels and throws away
 * whatever is still queued (flushinp), so the rest of a pasted text never
 * reaches the list as commands. A refused add keeps the prompt open with
 * the reason, for the operator to fix. State private here.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <string.h>

#include "httpsmon/cfgedit.h"

#define NAME_MAX_LEN 64

static struct {
	int field;                    /* 0 url, 1 name */
	char url[CFGEDIT_URL_MAX + 1];
	char name[NAME_MAX_LEN + 1];
	char err[512];
} ad;

static bool add_box(int *w, int *h, int *y0, int *x0)
{
	*w = COLS < 90 ? COLS - 2 : 88;
	*h = 9;
	*y0 = (LINES - *h) / 2;
	*x0 = (COLS - *w) / 2;
	return *w >= 30 && LINES >= *h + 2;
}

static void add_draw(const struct ui *u, int body_y0, int body_h)
{
	int w, h, y0, x0, fw;
	const char *cfg = u->m.app ? app_config_path(u->m.app) : "";

	(void)body_y0;
	(void)body_h;
	if (!add_box(&w, &h, &y0, &x0))
		return;
	{
		char title[600];

		snprintf(title, sizeof(title), " add an endpoint to %s ", cfg);
		ui_box(stdscr, y0, x0, h, w, title);
	}
	fw = w - 12;
	ui_text(stdscr, y0 + 2, x0 + 2, 7, A_BOLD, "URL");
	/* the field's end, so a long URL shows what is being typed */
	ui_text(stdscr, y0 + 2, x0 + 9, fw, ad.field == 0 ? A_REVERSE : UI_PLAIN,
		strlen(ad.url) > (size_t)fw - 1 ? ad.url + strlen(ad.url) - (fw - 1) : ad.url);
	ui_text(stdscr, y0 + 3, x0 + 2, 7, A_BOLD, "name");
	ui_text(stdscr, y0 + 3, x0 + 9, fw, ad.field == 1 ? A_REVERSE : UI_PLAIN, ad.name);
	if (ad.field == 1 && !ad.name[0])
		ui_text(stdscr, y0 + 3, x0 + 10, fw - 1, ui_attr(C_DIM), "(empty: the URL's host)");
	if (ad.err[0])
		ui_text(stdscr, y0 + 5, x0 + 2, w - 4, ui_attr(C_DOWN), ad.err);
	ui_text(stdscr, y0 + h - 2, x0 + 2, w - 4, ui_attr(C_DIM),
		ad.field == 0 ? "Enter: next  Esc: cancel  Ctrl-U: clear" : "Enter: add and reload  Esc: cancel");
}

/* Enter on the name: write the config, reload the dashboard, close; or keep the prompt with the reason. */
static unsigned add_commit(struct ui *u)
{
	char name[128], err[2048], *nl;

	if (cfgedit_add(app_config_path(u->m.app), ad.url, ad.name, name, sizeof(name), err, sizeof(err)) != 0) {
		/* the first line: the rest (a loader's FILE:LINE list) does not fit a prompt */
		if ((nl = strchr(err, '\n')))
			*nl = '\0';
		snprintf(ad.err, sizeof(ad.err), "%s", err);
		flushinp();
		return UI_HANDLED | UI_REDRAW;
	}
	if (app_reload(u->m.app) == 0)
		ui_notice(u, "added [%s] to %s and reloaded", name, app_config_path(u->m.app));
	else
		ui_notice(u, "added [%s] to %s; reload failed: %s", name, app_config_path(u->m.app),
			  app_config_error(u->m.app));
	ui_back(u);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned add_key(struct ui *u, int key)
{
	char *f = ad.field == 0 ? ad.url : ad.name;
	size_t cap = ad.field == 0 ? sizeof(ad.url) : sizeof(ad.name), len = strlen(f);

	switch (key) {
	case 27:
		flushinp();
		ui_back(u);
		return UI_HANDLED | UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (ad.field == 0) {
			ad.field = ad.url[0] ? 1 : 0;
			return UI_HANDLED | UI_REDRAW;
		}
		return add_commit(u);
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (len)
			f[len - 1] = '\0';
		else if (ad.field == 1)
			ad.field = 0;
		return UI_HANDLED | UI_REDRAW;
	case 21: /* Ctrl-U */
		f[0] = '\0';
		return UI_HANDLED | UI_REDRAW;
	case KEY_RESIZE:
		return UI_HANDLED | UI_REDRAW;
	default:
		/* printable ASCII and bounded; a URL or a name has no space */
		if (key > 0x20 && key < 0x7f && len + 1 < cap) {
			f[len] = (char)key;
			f[len + 1] = '\0';
			ad.err[0] = '\0';
		}
		return UI_HANDLED | UI_REDRAW;
	}
}

static unsigned add_enter(struct ui *u)
{
	(void)u;
	memset(&ad, 0, sizeof(ad));
	return UI_REDRAW;
}

const struct pane_ops pane_add = {
	.name = "add",
	.overlay = true,
	.draw = add_draw,
	.key = add_key,
	.mouse = ui_mouse_swallow,
	.enter = add_enter,
};
