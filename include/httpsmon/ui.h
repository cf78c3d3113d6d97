/*
 * ui: the dashboard's internals, shared by the files of src/ui/ and by
 * nothing else (the rest of httpsmon sees view.h only).
 *
 *  model.c    rows the panes draw, built from the monitor (live) or the
 *             store (read-only viewer), filtered and sorted; cached uptimes
 *  widgets.c  colours, ui_text (the one path for text to the screen),
 *             badges, sparklines, waterfall bars, a scrolling canvas
 *  list.c, detail.c, history.c, help.c
 *             one screen each: view_*_draw() draws the state, view_*_key()
 *             changes it and returns UI_* flags; key handlers never draw
 *  view.c     terminal setup and restore, the loop, header and footer
 *
 * State (struct ui) is separate from drawing: a draw function reads it
 * and the model and writes to the curses virtual screen; the loop calls
 * doupdate() once per pass, only when something changed.
 */
#ifndef HTTPSMON_UI_H
#define HTTPSMON_UI_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/app.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"

/* ---- model ------------------------------------------------------------- */

/* One endpoint as the panes see it. Pointers are borrowed from the monitor
 * (live) or the model (viewer) and stay valid until the next model_refresh. */
/*
 * One endpoint as the panes show it. Every pointer points into the model's
 * own copies (never into the running config or the monitor, which a reload
 * frees) and stays valid until the next model_refresh() or model_done().
 */
struct row {
	const char *name;
	const char *url;              /* as configured; shown through util_url_redact */
	const char *host;
	const struct strlist *tags;   /* NULL in the viewer */
	bool stored;                  /* viewer: read back from the database (leaf only, no settings) */
	bool expect_hsts;             /* live: the endpoint's setting; false in the viewer */
	const struct verdict *v;      /* verdict of r; NULL in the viewer or without a probe */
	enum live live;
	int fails_in_row;
	int fail_after;               /* 0 unknown (viewer) */
	const struct probe_result *r; /* last probe, NULL when none yet */
	enum state vstate;            /* verdict of r */
	const char *reason;           /* "ok", "cert_expired"...; "" without a probe */
	const char *message;          /* verdict sentence; may quote network text */
	int64_t last_ms;              /* wall time the last probe finished, 0 none */
	int64_t interval_ms;          /* 0 unknown (viewer) */
	int64_t spark_us[MONITOR_SPARK]; /* recent total latencies, oldest first, -1 failed */
	int spark_n;
	int64_t expiry_s;             /* earliest not_after of the served chain, 0 none */
	double up24;                  /* uptime over 24 h in percent, -1 unknown */
	bool in_outage;
	int64_t outage_start_ms;
};

/* Viewer-owned copy of one endpoint's latest stored probe. */
struct vrow;
/* Live: the model's copy of one monitor entry and its endpoint's settings. */
struct lrow;

struct upcache;

struct model {
	bool viewer;
	struct app *app;              /* live mode, else NULL */
	struct store *st;             /* live: app_store (may be NULL); viewer: the reader */
	struct row *rows;
	size_t n;
	size_t *order;                /* filtered and sorted indices into rows */
	size_t n_shown;
	uint64_t sig;                 /* fingerprint of what the rows show */
	struct vrow *v;               /* viewer storage, n of them */
	struct lrow *l;               /* live storage, n of them */
	int64_t v_last_probe_ms;      /* viewer: store_last_probe_ms at the last rebuild (shown) */
	int64_t v_seq;                /* viewer: store_write_seq at the last rebuild, -1 before */
	int64_t v_checked_mono_ms;    /* viewer: when it was last polled */
	size_t v_loaded;              /* viewer: rows [0, v_loaded) were visited by the first load */
	struct upcache *up;
	size_t n_up;
	size_t up_next;               /* round-robin refresh cursor */
	char db_path[512];
};

enum ui_sort { SORT_STATE, SORT_NAME, SORT_LATENCY, SORT_EXPIRY, SORT_AGE, SORT_COUNT };

void model_init_live(struct model *m, struct app *a);
void model_init_viewer(struct model *m, struct store *st, const char *db_path);
void model_done(struct model *m);
/* Rebuilds the rows; true when what they show changed. now_ms: wall clock. */
bool model_refresh(struct model *m, int64_t now_ms);
/* Viewer: the first load is still filling rows in (call model_refresh again soon). */
bool model_loading(const struct model *m);
/* Filters (name, host, tag) and sorts into order. */
void model_arrange(struct model *m, enum ui_sort sort, const char *filter);
const char *sort_name(enum ui_sort s);
/* Position in order of the row called name, or -1. */
long model_find(const struct model *m, const char *name);
const struct row *model_shown(const struct model *m, size_t i);  /* NULL past the end */
/* Counts by live state over every row (not just the shown ones). */
void model_counts(const struct model *m, size_t counts[LIVE_PAUSED + 1]);

/* ---- state ------------------------------------------------------------- */

enum ui_pane { PANE_LIST, PANE_DETAIL, PANE_HISTORY };

#define UI_PLAIN 0 /* no attribute, as an int (A_NORMAL is unsigned) */

/* Key handler results: bit flags. */
#define UI_HANDLED 1u  /* the key meant something here */
#define UI_REDRAW  2u  /* the screen must be drawn again */
#define UI_QUIT    4u
#define UI_QUERY   8u  /* the pane's history queries must run again */

#define UI_EVENTS 8

struct hist {
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
};

struct detail {
	char name[128];               /* endpoint whose events are loaded */
	struct event_row *ev;
	size_t n_ev;
	bool stale;                   /* reload events before the next draw */
	int scroll;
	int lines;                    /* content height at the last draw */
};

struct ui {
	struct model m;
	bool utf8;                    /* the locale is UTF-8: symbols, blocks, braille */
	bool color;                   /* has_colors() and NO_COLOR unset */
	bool mouse;
	enum ui_pane pane;
	bool help;
	int help_scroll;

	/* list */
	char sel_name[128];           /* selection follows the endpoint across re-sorts */
	long sel;                     /* index into m.order */
	int top;                      /* first row shown */
	int list_y0, list_h;          /* where the rows were drawn, for mouse clicks */
	enum ui_sort sort;
	char filter[64];
	bool editing;                 /* typing a filter */

	struct detail d;
	struct hist h;

	char status[256];             /* one-line notice in the footer */
	int64_t status_ms;
	char events[UI_EVENTS][256];  /* newest first: "12:03:04 api state: UP -> DOWN" */
	size_t n_events;
};

/* ---- widgets (widgets.c) ----------------------------------------------- */

enum ui_color {
	C_NONE, C_UP, C_WARN, C_DOWN, C_FAILING, C_PAUSED, C_PENDING, C_TITLE, C_DIM, C_ACCENT,
	C_DNS, C_CONNECT, C_TLS, C_SERVER, C_TRANSFER,
};

void ui_colors_init(struct ui *u);
/* The attribute for a colour role, with a no-colour fallback (bold, dim, reverse). */
int ui_attr(enum ui_color c);
int ui_live_attr(enum live l);
int ui_state_attr(enum state s);

/*
 * The one path for text to the screen: sanitises s (util_sanitize: escapes
 * control characters, ESC, malformed UTF-8), replaces non-ASCII with '?'
 * when the locale is not UTF-8, and clips to width display columns without
 * splitting a character. width < 0: to the right edge. Returns the columns
 * written.
 */
int ui_text(WINDOW *w, int y, int x, int width, int attr, const char *s);
int ui_textf(WINDOW *w, int y, int x, int width, int attr, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* The same, right-aligned in [x, x+width). */
int ui_text_right(WINDOW *w, int y, int x, int width, int attr, const char *s);
void ui_fill(WINDOW *w, int y, int x, int width, int attr);

/* "✔ UP" / "+ UP", "✖ DOWN" / "X DOWN", "FAIL 1/2"...: symbol and word, coloured. Width 9. */
#define UI_BADGE_W 10
void ui_badge(WINDOW *w, int y, int x, enum live l, int fails, int fail_after, int extra_attr);
const char *ui_live_word(enum live l);
/* A sparkline of vals[0..n) (oldest first) in width columns; failures in the DOWN colour. */
void ui_spark(WINDOW *w, int y, int x, int width, const int64_t *vals, int n, int extra_attr);
/* A horizontal bar of cols cells at x in colour c (block, or '#'/'=' in ASCII). */
void ui_bar(WINDOW *w, int y, int x, int cols, enum ui_color c);
/*
 * A phase waterfall on the canvas, one line per phase reached (DNS,
 * connect, TLS, server, transfer; us[i] < 0 = not reached) and a total
 * line; failed_phase (enum probe_phase, PHASE_NONE when none) is marked.
 */
struct canvas;
void ui_waterfall(struct canvas *c, const int64_t us[5], int64_t total_us, int failed_phase);
/* A titled horizontal rule. */
void ui_rule(WINDOW *w, int y, int x, int width, const char *title);

/* A scrolling canvas: content lines drawn at virtual line numbers. */
struct canvas {
	WINDOW *w;
	int y0, h;                    /* screen rows available */
	int x0, width;
	int scroll;                   /* first content line shown */
	int line;                     /* current content line */
};
void cv_init(struct canvas *c, WINDOW *w, int y0, int h, int x0, int width, int scroll);
/* Text on the current line at column x (relative to x0); nothing when the line is scrolled away. */
int cv_text(struct canvas *c, int x, int width, int attr, const char *s);
int cv_textf(struct canvas *c, int x, int width, int attr, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
bool cv_visible(const struct canvas *c);
int cv_y(const struct canvas *c);  /* screen row of the current line */
void cv_nl(struct canvas *c);
/* s word-wrapped from column x to the right edge, at most max_lines lines (sanitised; ends with a newline). */
int cv_wrap(struct canvas *c, int x, int attr, const char *s, int max_lines);
void cv_rule(struct canvas *c, const char *title);
/* Clamps a scroll position to content lines in a viewport of h rows. */
int ui_clamp_scroll(int scroll, int lines, int h);

extern bool ui_utf8;   /* set once by view.c; widgets read it */
extern bool ui_color;

/* ---- screens ----------------------------------------------------------- */

void view_list_draw(struct ui *u, int y0, int h);
unsigned view_list_key(struct ui *u, int key);
unsigned view_list_mouse(struct ui *u, int y, int x);
void view_list_sync(struct ui *u);
const struct row *view_selected(const struct ui *u);

void view_detail_draw(struct ui *u, int y0, int h);
unsigned view_detail_key(struct ui *u, int key);

void view_history_draw(struct ui *u, int y0, int h);
unsigned view_history_key(struct ui *u, int key);
/* Runs the history queries for the selected endpoint (opening the pane, a new selection or range). */
void view_history_query(struct ui *u, int width);
void view_history_done(struct ui *u);

void view_help_draw(struct ui *u);
unsigned view_help_key(struct ui *u, int key);

/* Reloads the detail pane's events when stale or for another endpoint. */
void view_detail_query(struct ui *u);
void view_detail_done(struct ui *u);

/* A notice for the footer. */
void ui_notice(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
