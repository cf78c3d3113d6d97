/*
 * view: the dashboard's frame and its one loop (see view.h). Owns the
 * terminal (set up with newterm, always given back through screen_stop,
 * atexit and the crash-signal handler), struct ui, the header (state
 * counts, config and database status, clock) and the footer (latest event
 * or notice, the pane's key hints, the filter being typed), and the one
 * table of panes (struct pane_ops, ui.h): the pane on screen and an
 * overlay above it (help). Keys go to the top pane, then to the keys every
 * pane shares (q ? r p h e Ctrl-L); events go to every pane and, with the
 * collector's reloads and history problems, into the kept notices; a pane's
 * requests (ui_open, ui_back) are carried out here, leave then enter.
 * No pane's state is read or written here.
 *
 * The live dashboard runs on the event loop (loop.h) it shares with the
 * collector (app.h): the terminal is one of its descriptors (every key is
 * drained with nodelay getch() until ERR; handlers only change state and
 * return UI_* flags), SIGWINCH one of its signals, and a before-sleep hook
 * ends each pass: refresh the model, let the pane update (the queries the
 * flags asked for, its scrolling), then, only if something changed, erase
 * and draw the whole screen into curses' virtual screen and doupdate()
 * once, so only the difference reaches the terminal. Its frame timer wakes the loop at most
 * at the next whole second (the clock and the ages show seconds, nothing
 * else moves by itself) or the next frame a change is waiting for.
 * The read-only viewer runs the same on a loop of its own, where SIGTERM,
 * SIGINT and SIGHUP end it.
 */
#include "httpsmon/view.h"

#include <errno.h>
#include <langinfo.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/fmt.h"
#include "httpsmon/remote.h"
#include "httpsmon/ui.h"
#include "httpsmon/util.h"

#define FRAME_MS      1000   /* results redraw at most this often (with the clock); keys redraw at once */
#define NOTICE_MS     5000   /* a notice stays this long in the footer */
#define MIN_COLS      40
#define MIN_LINES     10

static SCREEN *screen;       /* non-NULL while the terminal is ours */

/* ---- the terminal ----------------------------------------------------- */

static void screen_stop(void)
{
	if (!screen)
		return;
	endwin();
	delscreen(screen);
	screen = NULL;
}

/* A crash must not leave the terminal raw: give it back, then die as asked. */
static void crash_signal(int sig)
{
	if (screen)
		endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static int screen_start(struct ui *u, char *err, size_t errlen)
{
	static bool hooked;
	const char *no_color = getenv("NO_COLOR");
	const char *term = getenv("TERM");

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errlen, "the dashboard needs a terminal on stdin and stdout");
		return -1;
	}
	if (!term || !*term) {
		snprintf(err, errlen, "TERM is not set; cannot draw the dashboard");
		return -1;
	}
	if (!hooked) {
		atexit(screen_stop);
		signal(SIGSEGV, crash_signal);
		signal(SIGBUS, crash_signal);
		signal(SIGABRT, crash_signal);
		signal(SIGFPE, crash_signal);
		hooked = true;
	}
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		snprintf(err, errlen, "cannot use terminal type '%s'", term);
		return -1;
	}
	set_term(screen);
	u->utf8 = !strcmp(nl_langinfo(CODESET), "UTF-8");
	u->color = has_colors() && !(no_color && *no_color);
	ui_utf8 = u->utf8;
	ui_colors_init(u);
	/* cbreak, not raw: Ctrl-C stays SIGINT, which the loop reads from its signalfd */
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	u->mouse = mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL) != 0;
	mouseinterval(0);
	return 0;
}

/* ---- panes and events ---------------------------------------------------- */

/* Every pane: events go to each, and each frees its state when the dashboard ends. */
static const struct pane_ops *const panes[] = { &pane_list, &pane_detail, &pane_history, &pane_notices,
						 &pane_alerts, &pane_help, &pane_add };

#define N_PANES (sizeof(panes) / sizeof(panes[0]))

struct dash {
	struct ui *u;
	struct app *app;              /* live, else NULL */
	struct loop *loop;            /* the event loop it is registered on, or NULL */
	uint64_t frame_timer;         /* ends the wait at the next frame or clock tick */
	bool registered;              /* terminal, SIGWINCH and hook are on the loop */
	bool dirty;
	bool keyed;                   /* a key arrived this pass: draw now, not at the next frame */
	bool keys_left;               /* read_keys stopped at KEYS_PER_PASS: the next pass reads on */
	int64_t last_draw_ms;         /* monotonic */
	int64_t last_model_ms;        /* monotonic */
	bool model_due;               /* a refresh was put off to the next frame */
	bool query;                   /* the pane's queries are due (UI_QUERY) */
	int64_t last_tick_s;
};

/* The pane on screen; the list until another is opened. */
static const struct pane_ops *cur_pane(const struct ui *u)
{
	return u->cur ? u->cur : &pane_list;
}

/* The pane that gets the keys: the overlay if one is up. */
static const struct pane_ops *top_pane(const struct ui *u)
{
	return u->over ? u->over : cur_pane(u);
}

/* Carries out what a handler asked for with ui_open()/ui_back(); returns the entered pane's flags. */
static unsigned switch_pane(struct ui *u)
{
	const struct pane_ops *want = u->want, *cur = cur_pane(u);
	unsigned f = 0;

	if (!want && !u->want_back)
		return 0;
	u->want = NULL;
	if (u->want_back) {
		u->want_back = false;
		if (u->over) {
			u->over = NULL;
			return 0;
		}
		want = &pane_list;
	}
	if (want->overlay) {
		u->over = want;
	} else {
		if (cur->leave)
			cur->leave(u);
		u->cur = want;
	}
	if (want->enter)
		f = want->enter(u);
	return f;
}

/* Flags from a handler: redraw, queries, quit; and the pane it asked for. */
static bool take_flags(struct dash *d, unsigned f)
{
	f |= switch_pane(d->u);
	if (f & UI_REDRAW)
		d->dirty = true;
	if (f & UI_QUERY)
		d->query = true;
	return !(f & UI_QUIT);
}

/* The colour a monitor event's notice takes: a state change by where it goes, an outage by its end. */
static enum ui_note_kind event_kind(const struct mon_event *ev)
{
	switch (ev->kind) {
	case MEV_STATE:
		return strstr(ev->text, "-> DOWN") || strstr(ev->text, "-> FAILING") ? NOTE_DOWN
		       : strstr(ev->text, "-> UP") ? NOTE_UP : NOTE_EVENT;
	case MEV_OUTAGE_START:
		return NOTE_DOWN;
	case MEV_OUTAGE_END:
		return NOTE_UP;
	default:
		return NOTE_EVENT;
	}
}

/* The monitor's events (live): kept as notices; every pane hears them (one showing that endpoint refreshes). */
static void on_event(void *ud, const struct mon_event *ev)
{
	struct dash *d = ud;
	struct ui *u = d->u;
	char line[1024];
	unsigned f = UI_REDRAW;

	snprintf(line, sizeof(line), "%s %s: %s", ev->name, mon_event_name(ev->kind), ev->text);
	ui_note(u, event_kind(ev), ev->t_ms, line);
	for (size_t i = 0; i < N_PANES; i++)
		if (panes[i]->on_event)
			f |= panes[i]->on_event(u, ev);
	take_flags(d, f);
}

/*
 * The collector's reloads and history problems: the footer's notice says
 * it in a line (a refused config: how many errors and where to read
 * them), the notices pane keeps the whole text.
 */
static void on_notice(void *ud, const struct app_notice *n)
{
	struct dash *d = ud;
	struct ui *u = d->u;
	char *text = NULL;

	switch (n->kind) {
	case APP_RELOADED:
		ui_notice(u, "reloaded: %s", n->text);
		text = xasprintf("reloaded: %s", n->text);
		ui_note(u, NOTE_RELOAD, n->t_ms, text);
		break;
	case APP_RELOAD_REFUSED:
		ui_notice(u, "config refused, old one kept: %zu error%s (e: show)", n->count, n->count == 1 ? "" : "s");
		text = xasprintf("config refused, old one kept: %zu error%s:\n%s", n->count, n->count == 1 ? "" : "s",
				 n->text);
		ui_note(u, NOTE_PROBLEM, n->t_ms, text);
		break;
	case APP_STORE_PROBLEM:
	case APP_STORE_OK:
		ui_notice(u, "%s", n->text);
		ui_note(u, n->kind == APP_STORE_OK ? NOTE_UP : NOTE_PROBLEM, n->t_ms, n->text);
		break;
	}
	free(text);
	take_flags(d, UI_REDRAW);
}

/* ---- header and footer ---------------------------------------------------- */

static void draw_header(const struct ui *u)
{
	static const enum live order[] = { LIVE_DOWN, LIVE_FAILING, LIVE_WARN, LIVE_UP, LIVE_PENDING, LIVE_PAUSED };
	size_t counts[LIVE_PAUSED + 1];
	int64_t now = util_now_ms();
	char clock[16], b[512];
	int x = 0;

	model_counts(&u->m, counts);
	ui_fill(stdscr, 0, 0, -1, A_REVERSE);
	x += ui_text(stdscr, 0, x, -1, A_REVERSE | A_BOLD,
		     u->m.rs ? " httpsmon (remote, read-only) " : u->m.viewer ? " httpsmon (read-only) " : " httpsmon ");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum live l = order[i];

		if (!counts[l] && l != LIVE_UP && l != LIVE_WARN && l != LIVE_DOWN)
			continue;
		x += ui_text(stdscr, 0, x, -1, A_REVERSE, " ");
		/* a non-zero problem count takes its state's colour, so a glance finds it */
		x += ui_textf(stdscr, 0, x, -1,
			      A_REVERSE | (counts[l] ? A_BOLD : 0) |
				      (counts[l] && l != LIVE_UP && l != LIVE_PENDING ? ui_live_attr(l) : 0),
			      "%zu %s", counts[l],
			      l == LIVE_FAILING ? "FAILING" : ui_live_word(l));
		x += ui_text(stdscr, 0, x, -1, A_REVERSE, " ");
	}
	if (u->m.frozen)
		/* the order stands still: say so where the eye goes first */
		x += ui_text(stdscr, 0, x, -1, A_REVERSE | A_BOLD, "  FROZEN (F) ");
	if (u->m.viewer)
		snprintf(b, sizeof(b), "%s", u->m.v_failing);
	else
		app_notify_failing(u->m.app, b, sizeof(b));
	if (*b)
		/* alerts that do not get out: the one problem nobody would otherwise see */
		x += ui_textf(stdscr, 0, x, COLS - x - 10, A_REVERSE | A_BOLD | ui_attr(C_DOWN), "  %s ", b);
	fmt_clock_local(clock, sizeof(clock), now, "%H:%M:%S");
	if (COLS - x > 10)
		ui_text_right(stdscr, 0, x, COLS - x - 1, A_REVERSE, clock);

	/* line 2: where the data comes from and whether it is healthy; the database state wins the space */
	if (!u->m.viewer) {
		const char *cerr = app_config_error(u->m.app);
		struct store *st = u->m.st;
		int hw, hattr = UI_PLAIN;

		if (!st) {
			snprintf(b, sizeof(b), "history off");
			hattr = ui_attr(C_DIM);
		} else if (store_last_error(st)) {
			snprintf(b, sizeof(b), "history ERROR: %s (%zu writes queued)", store_last_error(st),
				 store_queued(st));
			hattr = ui_attr(C_DOWN);
		} else if (store_queued(st) > 500) {
			snprintf(b, sizeof(b), "history ok, %zu writes queued", store_queued(st));
		} else {
			snprintf(b, sizeof(b), "history ok");
		}
		hw = fmt_width(b);
		if (hw > COLS / 2 && *cerr)
			hw = COLS / 2;
		ui_text_right(stdscr, 1, 0, COLS, hattr, b);
		if (*cerr) {
			const char *nl = strchr(cerr, '\n');
			size_t nerr = config_error_count(cerr);

			/* every error is in the notices pane: here the count, and the first as far as it goes */
			snprintf(b, sizeof(b), "config refused, old one kept: %zu error%s (e: show): %.*s", nerr,
				 nerr == 1 ? "" : "s", (int)(nl ? nl - cerr : (long)strlen(cerr)), cerr);
			ui_text_cut(stdscr, 1, 0, COLS - hw - 2, ui_attr(C_DOWN) | A_BOLD, b);
		} else {
			fmt_clock_local(clock, sizeof(clock), app_config_loaded_ms(u->m.app), "%H:%M:%S");
			ui_textf(stdscr, 1, 0, COLS - hw - 2, UI_PLAIN, "config %s: %zu endpoint%s, loaded %s",
				 app_config_path(u->m.app), u->m.n, u->m.n == 1 ? "" : "s", clock);
		}
	} else if (u->m.rs) {
		bool problem;

		model_remote_status(&u->m, now, b, sizeof(b), &problem);
		ui_text_cut(stdscr, 1, 0, COLS, problem ? ui_attr(C_DOWN) | A_BOLD : UI_PLAIN, b);
	} else {
		int64_t last = u->m.v_last_probe_ms;

		if (model_loading(&u->m))
			ui_textf(stdscr, 1, 0, -1, UI_PLAIN, "viewing %s, loading %zu of %zu endpoints...",
				 u->m.db_path, u->m.v_loaded, u->m.n);
		else if (u->m.v_collector_pid)
			ui_textf(stdscr, 1, 0, -1, UI_PLAIN,
				 "viewing %s, newest probe %s; collector pid %ld takes r and p", u->m.db_path,
				 last > 0 ? fmt_age(b, sizeof(b), now - last) : "none", u->m.v_collector_pid);
		else
			ui_textf(stdscr, 1, 0, -1, ui_attr(C_WARN),
				 "viewing %s, newest probe %s; no collector is running: nothing new comes, r and p need one",
				 u->m.db_path, last > 0 ? fmt_age(b, sizeof(b), now - last) : "none");
	}
}

static void draw_footer(const struct ui *u)
{
	const struct pane_ops *p = cur_pane(u);
	int64_t now = util_now_ms();
	int y = LINES - 1;
	char right[128] = "";
	const char *hints = p->hints ? p->hints(u, right, sizeof(right)) : "";

	ui_fill(stdscr, y - 1, 0, -1, UI_PLAIN);
	ui_fill(stdscr, y, 0, -1, A_REVERSE);
	if (u->status[0] && now - u->status_ms < NOTICE_MS) {
		ui_text(stdscr, y - 1, 0, -1, A_BOLD, u->status);
	} else if (u->notes_n) {
		/* the newest notice's first line, with its time */
		const struct ui_note *n = ui_note_at(u, u->notes_n - 1);
		const char *nl = strchr(n->text, '\n');
		char t[16];

		fmt_clock_local(t, sizeof(t), n->t_ms, "%H:%M:%S");
		ui_textf(stdscr, y - 1, 0, -1, ui_attr(C_DIM), "%s %.*s", t,
			 (int)(nl ? nl - n->text : (long)strlen(n->text)), n->text);
	}
	if (!hints) {
		/* the pane takes text: the filter being typed */
		int x = ui_textf(stdscr, y, 0, -1, A_REVERSE | A_BOLD, " filter: %s", u->m.filter);

		ui_text(stdscr, y, x, 1, UI_PLAIN, " ");
		ui_text(stdscr, y, x + 2, -1, A_REVERSE, "  Enter keep  Esc clear");
		return;
	}
	ui_text(stdscr, y, 0, -1, A_REVERSE, hints);
	if (right[0])
		ui_text_right(stdscr, y, 0, COLS, A_REVERSE | A_BOLD, right);
}

#define BODY_Y 2
#define BODY_H (LINES - 4)

static void draw(const struct ui *u)
{
	erase();
	if (COLS < MIN_COLS || LINES < MIN_LINES) {
		ui_textf(stdscr, LINES / 2, 0, -1, A_BOLD, "terminal too small (%dx%d)", COLS, LINES);
		ui_textf(stdscr, LINES / 2 + 1, 0, -1, UI_PLAIN, "need %dx%d; q quits", MIN_COLS, MIN_LINES);
		refresh();
		return;
	}
	draw_header(u);
	cur_pane(u)->draw(u, BODY_Y, BODY_H);
	draw_footer(u);
	if (u->over)
		u->over->draw(u, BODY_Y, BODY_H);
	/* one refresh per pass: curses sends only what changed since the last one */
	refresh();
}

/* ---- keys --------------------------------------------------------------- */

/*
 * The viewer's r and p: a request left in the database for the collector,
 * which takes it within a second; the row changes when the collector has
 * acted and written it. Without a collector nothing would take it: say so.
 */
static unsigned viewer_ask(struct ui *u, const struct row *r, enum store_action a)
{
	static const char *const what[] = {
		[STORE_PROBE_NOW] = "probe %s now", [STORE_PAUSE] = "pause %s", [STORE_RESUME] = "resume %s",
	};
	char err[600], act[200];

	if (u->m.rs) {
		ui_notice(u, "remote viewer: read-only; r and p work in the collector's own dashboard or --view on its host");
		return UI_HANDLED | UI_REDRAW;
	}
	if (!u->m.v_collector_pid) {
		ui_notice(u, "no collector is running on %s: r and p need one (httpsmon --headless)", u->m.db_path);
		return UI_HANDLED | UI_REDRAW;
	}
	snprintf(act, sizeof(act), what[a], r->name);
	if (store_request(u->m.db_path, r->name, a, util_now_ms(), err, sizeof(err)) != 0)
		ui_notice(u, "cannot ask the collector to %s: %s", act, err);
	else
		ui_notice(u, "asked the collector (pid %ld) to %s", u->m.v_collector_pid, act);
	return UI_HANDLED | UI_REDRAW;
}

static unsigned global_key(struct dash *d, int key)
{
	struct ui *u = d->u;
	const struct row *r = model_selected(&u->m);

	switch (key) {
	case 'q':
	case 'Q':
		return UI_QUIT;
	case 3: /* Ctrl-C arriving as a key (raw terminals) */
		return UI_QUIT;
	case '?':
		ui_open(u, &pane_help);
		return UI_HANDLED | UI_REDRAW;
	case 12: /* Ctrl-L */
		clearok(curscr, TRUE);
		return UI_HANDLED | UI_REDRAW;
	case KEY_RESIZE:
		return UI_HANDLED | UI_REDRAW;
	case 'r':
		if (!r)
			return UI_HANDLED;
		/* acted on: the cursor stays on this endpoint, not on whatever comes first */
		model_select(&u->m, u->m.sel);
		if (r->live == LIVE_PAUSED) {
			/* a paused endpoint is not probed, not even on request: say so, claim nothing */
			ui_notice(u, "%s is paused: p resumes", r->name);
			return UI_HANDLED | UI_REDRAW;
		}
		if (!d->app)
			return viewer_ask(u, r, STORE_PROBE_NOW);
		app_probe_now(d->app, r->name);
		ui_notice(u, "probing %s now", r->name);
		return UI_HANDLED | UI_REDRAW;
	case 'p':
		if (!r)
			return UI_HANDLED;
		model_select(&u->m, u->m.sel);
		if (!d->app)
			return viewer_ask(u, r, r->live == LIVE_PAUSED ? STORE_RESUME : STORE_PAUSE);
		app_toggle_pause(d->app, r->name);
		ui_notice(u, "%s %s", r->name, r->live == LIVE_PAUSED ? "resumed" : "paused");
		return UI_HANDLED | UI_REDRAW;
	case 'm':
		if (!r)
			return UI_HANDLED;
		if (!d->app) {
			ui_notice(u, "read-only viewer: mute from a shell: httpsmon mute %s 1h", r->name);
			return UI_HANDLED | UI_REDRAW;
		}
		ui_open(u, &pane_mute);
		return UI_HANDLED | UI_REDRAW;
	case 'h':
		if (!r || cur_pane(u) == &pane_history)
			return 0;
		ui_open(u, &pane_history);
		return UI_HANDLED | UI_REDRAW;
	case 'e':
		if (cur_pane(u) == &pane_notices)
			ui_back(u);
		else
			ui_open(u, &pane_notices);
		return UI_HANDLED | UI_REDRAW;
	case 'a':
		if (cur_pane(u) == &pane_alerts)
			ui_back(u);
		else
			ui_open(u, &pane_alerts);
		return UI_HANDLED | UI_REDRAW;
	case '+':
		if (!d->app) {
			ui_notice(u, "read-only viewer: add endpoints to the collector's config (httpsmon add URL)");
			return UI_HANDLED | UI_REDRAW;
		}
		ui_open(u, &pane_add);
		return UI_HANDLED | UI_REDRAW;
	default:
		return 0;
	}
}

/*
 * One key (or mouse event): the pane on top first, then the keys every
 * pane shares. An overlay takes every key; a click the pane does not want
 * and the wheel become Up and Down.
 */
static unsigned handle_key(struct dash *d, int key)
{
	struct ui *u = d->u;
	const struct pane_ops *p = top_pane(u);
	unsigned f;

	if (key == KEY_MOUSE) {
		MEVENT me;

		if (getmouse(&me) != OK)
			return 0;
		f = p->mouse ? p->mouse(u, me.y, me.x, (unsigned long)me.bstate) : 0;
		if (f || p->overlay)
			return f;
		if (me.bstate & BUTTON4_PRESSED)
			key = KEY_UP;
		else if (me.bstate & BUTTON5_PRESSED)
			key = KEY_DOWN;
		else
			return 0;
	}
	f = p->key ? p->key(u, key) : 0;
	if (f || p->overlay)
		return f;
	return global_key(d, key);
}

/*
 * Keys read in one pass at most: a paste or a held key must not keep the
 * loop from libcurl's sockets. What is left may sit in curses' own buffer,
 * where the descriptor shows nothing, so the frame timer fires at once.
 */
#define KEYS_PER_PASS 256

/* Reads the pending keys, KEYS_PER_PASS at most. Returns false when the dashboard should end. */
static bool read_keys(struct dash *d)
{
	int key, n = 0;

	d->keys_left = false;
	while (n < KEYS_PER_PASS && (key = getch()) != ERR) {
		n++;
		d->keyed = true;
		if (!take_flags(d, handle_key(d, key)))
			return false;
	}
	d->keys_left = n == KEYS_PER_PASS;
	return true;
}

/* Work that follows a model refresh or a key, before drawing: the panes' queries and scrolling. */
static void settle(struct dash *d, bool model_changed)
{
	struct ui *u = d->u;
	const struct pane_ops *p = cur_pane(u);
	unsigned f = 0;

	if (model_changed) {
		model_rearrange(&u->m);
		d->dirty = true;
	}
	if (p->update)
		f |= p->update(u, model_changed, d->query, BODY_Y, BODY_H);
	if (u->over && u->over->update)
		f |= u->over->update(u, model_changed, false, BODY_Y, BODY_H);
	d->query = false;
	if (f & UI_REDRAW)
		d->dirty = true;
}

/*
 * Time to the next clock tick. The clock and ages show whole seconds, so an
 * idle dashboard wakes once a second and no more: each wake-up costs CPU
 * that an operator's jump box pays for all day.
 */
static int tick_wait(struct dash *d)
{
	int64_t now = util_now_ms();

	(void)d;
	return (int)(1000 - now % 1000) + 1;
}

static bool tick(struct dash *d)
{
	int64_t s = util_now_ms() / 1000;

	if (s == d->last_tick_s)
		return false;
	d->last_tick_s = s;
	return true;
}

/*
 * The end of a pass: the model is refreshed and the screen drawn at most
 * once per FRAME_MS while results pour in (hundreds of probes must not
 * mean hundreds of frames), at once after a key.
 */
static void end_pass(struct dash *d)
{
	int64_t now = util_mono_us() / 1000;

	if (d->keyed || model_loading(&d->u->m) || now - d->last_model_ms >= FRAME_MS) {
		bool changed = model_refresh(&d->u->m, util_now_ms());
		char note[512];
		bool up;

		while (d->u->m.rs && model_remote_note(&d->u->m, note, sizeof(note), &up))
			ui_note(d->u, up ? NOTE_UP : NOTE_DOWN, util_now_ms(), note);
		settle(d, changed);
		d->last_model_ms = now;
		d->model_due = false;
	} else {
		settle(d, false);
		d->model_due = true;
	}
	if (tick(d))
		d->dirty = true;
	if (d->dirty && (d->keyed || now - d->last_draw_ms >= FRAME_MS)) {
		draw(d->u);
		d->dirty = false;
		d->last_draw_ms = now;
	}
	d->keyed = false;
}

/* How long the next pass may wait: until the pending frame or the next clock tick. */
static int pass_wait(struct dash *d)
{
	int64_t now = util_mono_us() / 1000;
	int64_t frame = d->last_draw_ms + FRAME_MS - now;
	int tw = tick_wait(d);

	if (model_loading(&d->u->m) || d->keys_left)
		return 0; /* the next slice of the viewer's first load, or of the keys */
	if (d->model_due) {
		int64_t m = d->last_model_ms + FRAME_MS - now;

		if (m < frame || !d->dirty)
			frame = m;
	}
	if (d->dirty || d->model_due)
		return frame <= 0 ? 0 : (int)(frame < tw ? frame : tw);
	return tw;
}

static void ui_done(struct ui *u)
{
	for (size_t i = 0; i < N_PANES; i++)
		if (panes[i]->done)
			panes[i]->done();
	model_done(&u->m);
	ui_notes_free(u);
}

/* ---- on the event loop -------------------------------------------------- */

/* Keys, or the terminal gone (nobody is watching: stop). */
static void terminal_cb(struct loop *lp, int fd, unsigned events, void *ud)
{
	struct dash *d = ud;

	(void)fd;
	if ((events & LOOP_HUP) || !read_keys(d))
		loop_stop(lp);
}

/*
 * The terminal was resized. SIGWINCH comes through the loop's signalfd, so
 * curses' own handler never runs: the new size is read here and given to
 * curses, which then has a KEY_RESIZE to read, as after its own handler.
 */
static void winch_cb(struct loop *lp, int signo, void *ud)
{
	struct dash *d = ud;
	struct winsize ws;

	(void)signo;
	if (!screen)
		return;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	d->dirty = true;
	d->keyed = true;
	if (!read_keys(d))
		loop_stop(lp);
}

static int64_t frame_cb(struct loop *lp, uint64_t id, void *ud)
{
	struct dash *d = ud;

	(void)id;
	d->frame_timer = 0;
	if (d->keys_left && !read_keys(d))
		loop_stop(lp);
	return LOOP_TIMER_STOP; /* the wake-up was the point: the pass's end draws */
}

/* Before the loop sleeps: refresh and draw as the pass asks, then wake for the next frame. */
static void dash_before_sleep(struct loop *lp, void *ud)
{
	struct dash *d = ud;

	end_pass(d);
	loop_timer_arm(lp, &d->frame_timer, pass_wait(d), frame_cb, d);
}

/* Puts the terminal, SIGWINCH and the drawing on the loop. */
static int dash_register(struct dash *d, struct loop *lp, char *err, size_t errlen)
{
	d->loop = lp;
	if (loop_fd_add(lp, STDIN_FILENO, LOOP_READ, terminal_cb, d) != 0) {
		snprintf(err, errlen, "cannot watch the terminal: %s", strerror(errno));
		return -1;
	}
	if (loop_signal_add(lp, SIGWINCH, winch_cb, d) != 0) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		loop_fd_remove(lp, STDIN_FILENO);
		return -1;
	}
	loop_before_sleep_add(lp, dash_before_sleep, d);
	d->registered = true;
	return 0;
}

static void dash_unregister(struct dash *d)
{
	if (!d->registered)
		return;
	loop_before_sleep_remove(d->loop, dash_before_sleep, d);
	loop_signal_remove(d->loop, SIGWINCH);
	loop_fd_remove(d->loop, STDIN_FILENO);
	loop_timer_remove(d->loop, d->frame_timer);
	d->registered = false;
}

/*
 * Takes the terminal, hooks the dashboard onto lp and runs the loop until
 * something stops it. The caller undoes it with dash_unregister() and
 * screen_stop(), which are safe after a failure part-way.
 */
static enum outcome dash_run(struct dash *d, struct loop *lp, char *err, size_t errlen)
{
	if (screen_start(d->u, err, errlen) != 0 || dash_register(d, lp, err, errlen) != 0)
		return OUTCOME_UNUSABLE;
	settle(d, model_refresh(&d->u->m, util_now_ms()));
	if (loop_run(lp) != 0) {
		snprintf(err, errlen, "event loop failed: %s", loop_error(lp));
		return OUTCOME_FAILED;
	}
	return OUTCOME_OK;
}

/* ---- live ----------------------------------------------------------------- */

enum outcome view_live(const char *config_path, const char *db_path, char *err, size_t errlen)
{
	struct ui *u = xcalloc(1, sizeof(*u));
	struct dash d = { .u = u, .dirty = true };
	struct app_opts ao = { .config_path = config_path, .db_path = db_path, .on_event = on_event,
			       .on_notice = on_notice, .ud = &d };
	struct loop *lp = loop_new(0, err, errlen);
	enum outcome rc = OUTCOME_UNUSABLE;

	if (!lp)
		goto out;
	ao.loop = lp;
	d.app = app_new(&ao, err, errlen);
	if (!d.app)
		goto out;
	model_init_live(&u->m, d.app);
	/* until q, the terminal gone, or SIGTERM/SIGINT (the app stops the loop) */
	rc = dash_run(&d, lp, err, errlen);
out:
	dash_unregister(&d);
	screen_stop();
	ui_done(u);
	/* quitting does not wait for running probes; queued history writes are flushed */
	app_free(d.app);
	loop_free(lp);
	free(u);
	return rc;
}

/* ---- read-only viewer ---------------------------------------------------- */

static const int viewer_signals[] = { SIGTERM, SIGINT, SIGHUP };

/* SIGINT, SIGTERM or SIGHUP: nothing to reload here, the viewer ends. */
static void viewer_signal_cb(struct loop *lp, int signo, void *ud)
{
	(void)signo;
	(void)ud;
	loop_stop(lp);
}

/* A read-only dashboard on lp (its model set up by the caller) until q, the terminal gone, or a signal. */
static enum outcome viewer_run(struct ui *u, struct loop *lp, char *err, size_t errlen)
{
	struct dash d = { .u = u, .dirty = true };
	size_t nsig = sizeof(viewer_signals) / sizeof(viewer_signals[0]);
	enum outcome rc = OUTCOME_UNUSABLE;

	if (loop_signals_add(lp, viewer_signals, nsig, viewer_signal_cb, NULL) != 0) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		return rc;
	}
	rc = dash_run(&d, lp, err, errlen);
	dash_unregister(&d);
	screen_stop();
	/* the viewer is ending anyway: a SIGHUP still pending must not end it with "Hangup" */
	loop_signal_discard(lp, SIGHUP);
	loop_signals_remove(lp, viewer_signals, nsig);
	return rc;
}

enum outcome view_readonly(const char *db_path, char *err, size_t errlen)
{
	struct ui *u = xcalloc(1, sizeof(*u));
	char *path = db_path ? xstrdup(db_path) : store_reader_path(STORE_SYSTEM_DB);
	enum outcome rc = OUTCOME_UNUSABLE;
	struct store *st = NULL;
	struct loop *lp = NULL;

	if (access(path, F_OK) != 0) {
		/* the service's state is under /var/lib/private (0700) with DynamicUser=yes */
		bool root_only = !db_path && access(STORE_SYSTEM_DB, F_OK) != 0 && errno == EACCES;

		snprintf(err, errlen, "no history database at %s%s (start a collector: httpsmon --headless)%s", path,
			 db_path ? "" : " nor " STORE_SYSTEM_DB,
			 root_only ? "\nhttpsmon: the system service's history is readable by root only: "
				     "sudo httpsmon --view" : "");
		goto out;
	}
	st = store_open(path, STORE_READER, err, errlen);
	if (!st)
		goto out;
	model_init_viewer(&u->m, st, path);
	lp = loop_new(0, err, errlen);
	if (lp)
		rc = viewer_run(u, lp, err, errlen);
out:
	loop_free(lp);
	ui_done(u);
	store_close(st);
	free(path);
	free(u);
	return rc;
}

enum outcome view_remote(const struct remote_opts *o, size_t n, char *err, size_t errlen)
{
	struct ui *u = xcalloc(1, sizeof(*u));
	struct loop *lp = loop_new(0, err, errlen);
	struct remote_set *rs = lp ? remote_set_new(lp, o, n, err, errlen) : NULL;
	enum outcome rc = OUTCOME_UNUSABLE;

	if (rs) {
		model_init_remote(&u->m, rs);
		rc = viewer_run(u, lp, err, errlen);
	}
	ui_done(u);
	/* the transfers first: they are on the loop */
	remote_set_free(rs);
	loop_free(lp);
	free(u);
	return rc;
}
