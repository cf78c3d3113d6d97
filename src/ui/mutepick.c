/*
 * mutepick: the `m` overlay, a small chooser that mutes the selected
 * endpoint's alerts for 1 hour, 4 hours, 24 hours or until it is UP
 * again, or unmutes it. Its state (the endpoint it was opened on, the
 * highlighted choice) is private here; picking writes the mute through the
 * collector (mutes_set: the history database, so it survives restarts)
 * and closes the box. An overlay: it takes every key; Esc or q cancels.
 */
#include "httpsmon/ui.h"

#include <stdio.h>
#include <string.h>

#include "httpsmon/mute.h"
#include "httpsmon/util.h"

static const struct {
	const char *label;
	int64_t ms;            /* 0: until UP; -1: unmute */
} choices[] = {
	{ "1 hour", 3600 * 1000LL },
	{ "4 hours", 4 * 3600 * 1000LL },
	{ "24 hours", 24 * 3600 * 1000LL },
	{ "until it is UP again", 0 },
	{ "unmute", -1 },
};

#define N_CHOICES (int)(sizeof(choices) / sizeof(choices[0]))
#define BOX_W 44

static struct {
	char name[128];        /* the endpoint it was opened on */
	int sel;
} mp;

static void mute_draw(const struct ui *u, int body_y0, int body_h)
{
	int h = N_CHOICES + 4, w = COLS < BOX_W + 2 ? COLS - 2 : BOX_W;
	int y0 = (LINES - h) / 2, x0 = (COLS - w) / 2;
	char title[64], clean[sizeof(mp.name)];

	(void)u;
	(void)body_y0;
	(void)body_h;
	if (w < 20 || LINES < h)
		return;
	util_sanitize(mp.name, strlen(mp.name), clean, sizeof(clean));
	snprintf(title, sizeof(title), " mute %.40s ", clean);
	ui_box(stdscr, y0, x0, h, w, title);
	for (int i = 0; i < N_CHOICES; i++) {
		int attr = i == mp.sel ? A_REVERSE : UI_PLAIN;

		ui_fill(stdscr, y0 + 2 + i, x0 + 2, w - 4, attr);
		ui_textf(stdscr, y0 + 2 + i, x0 + 3, w - 6, attr, "%d  %s", i + 1, choices[i].label);
	}
	ui_text(stdscr, y0 + h - 1, x0 + 2, w - 4, ui_attr(C_DIM), " 1-5 or Enter picks, Esc cancels ");
}

/* Mutes (or unmutes) mp.name as choice i says; the outcome as a notice. */
static void pick(struct ui *u, int i)
{
	struct app *a = u->m.app;
	struct store *st = a ? app_store(a) : NULL;
	struct mutes *mu = a ? app_mutes(a) : NULL;
	int64_t now = util_now_ms();
	char err[512];

	ui_back(u);
	if (!st || !mu) {
		ui_notice(u, "no history database: mutes live there (start without --no-db)");
		return;
	}
	if (choices[i].ms < 0) {
		bool found;

		if (store_mute_clear(st, mp.name, &found, err, sizeof(err)) != 0)
			ui_notice(u, "%s", err);
		else
			ui_notice(u, found ? "%s unmuted" : "%s was not muted", mp.name);
		mutes_load(mu, st, now);
		return;
	}
	if (mutes_set(mu, st, mp.name, now, choices[i].ms ? now + choices[i].ms : 0, NULL, err, sizeof(err)) != 0)
		ui_notice(u, "%s", err);
	else
		ui_notice(u, "%s muted for %s", mp.name, choices[i].label);
}

static unsigned mute_key(struct ui *u, int key)
{
	switch (key) {
	case KEY_DOWN:
	case 'j':
		mp.sel = (mp.sel + 1) % N_CHOICES;
		return UI_HANDLED | UI_REDRAW;
	case KEY_UP:
	case 'k':
		mp.sel = (mp.sel + N_CHOICES - 1) % N_CHOICES;
		return UI_HANDLED | UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		pick(u, mp.sel);
		return UI_HANDLED | UI_REDRAW;
	case KEY_RESIZE:
		return UI_HANDLED | UI_REDRAW;
	default:
		if (key >= '1' && key < '1' + N_CHOICES)
			pick(u, key - '1');
		else
			ui_back(u); /* Esc, q, anything else: cancel */
		return UI_HANDLED | UI_REDRAW;
	}
}

static unsigned mute_enter(struct ui *u)
{
	const struct row *r = model_selected(&u->m);

	snprintf(mp.name, sizeof(mp.name), "%s", r ? r->name : "");
	mp.sel = 0;
	return UI_REDRAW;
}

/* Clicks mean nothing under the chooser and do not reach the pane below. */
static unsigned mute_mouse(struct ui *u, int y, int x, unsigned long bstate)
{
	(void)u;
	(void)y;
	(void)x;
	(void)bstate;
	return UI_HANDLED;
}

const struct pane_ops pane_mute = {
	.name = "mute",
	.overlay = true,
	.draw = mute_draw,
	.key = mute_key,
	.mouse = mute_mouse,
	.enter = mute_enter,
};
