/*
 * ui: the dashboard's internals, shared by the files of src/ui/ and by
 * nothing else (the rest of httpsmon sees view.h only).
 *
 *  model.c    rows the panes draw, built from the monitor (live) or the
 *             store (read-only viewer); cached uptimes
 *  order.c    their order: filter, sort keys, the cursor's row held in
 *             place while results re-sort, the frozen order (F)
 *  widgets.c  colours, ui_text (the one path for text to the screen),
 *             badges, sparklines, waterfall bars, a scrolling canvas
 *  pane.c     the shared struct ui's notices (the footer's line and the
 *             kept ones the notices pane shows) and pane requests
 *  list.c, detail.c, history.c, notices.c, help.c
 *             one pane each, a struct pane_ops (draw, key, mouse,
 *             on_event, hints, enter, leave, update, done) with its state
 *             private to its file; handlers return UI_* flags and never
 *             draw, draw never changes state
 *  view.c     terminal setup and restore, the loop, header and footer; it
 *             dispatches to the panes through one table (adding a pane is
 *             its file, its extern below and one row of that table)
 *
 * The loop calls doupdate() once per pass, only when something changed.
 */
#ifndef HTTPSMON_UI_H
#define HTTPSMON_UI_H

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/app.h"
#include "httpsmon/hashmap.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"

/* ---- model ------------------------------------------------------------- */

/*
 * One endpoint as the panes show it. Every pointer points into the model's
 * own copies (never into the running config or the monitor, which a reload
 * frees) and stays valid until the next model_refresh() or model_done().
 */
struct row {
	const char *name;
	const char *key;              /* what identifies the row (cursor, frozen order): the name, or in
					 the remote viewer name and location (one endpoint, several rows) */
	const char *location;         /* remote viewer: the collector's label; NULL otherwise */
	int loc;                      /* remote viewer: the collector's index (remote_at); only with location */
	bool stale;                   /* remote viewer: its collector is unreachable (the last rows it
					 sent) or says its own result is old */
	const char *url;              /* as configured; shown through util_url_redact */
	const char *host;
	const struct strlist *tags;   /* NULL in the viewer */
	bool stored;                  /* viewer: read back from the database (leaf only, no settings) */
	bool from_history;            /* live: r, v and the sparkline were read back from the
					 database at start; no fresh probe yet (live shows the stored
					 state: see model_stored_live) */
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
	int cert_warn_days;           /* the endpoint's thresholds (the defaults in the viewer, */
	int cert_crit_days;           /* which has no settings): expiry colours follow them */
	bool in_outage;
	int64_t outage_start_ms;
	char mute[128];               /* "muted, 3h12m left: deploy" (mute_describe), "" when not muted */
	const struct posture_rec *posture; /* the last posture pass and its grade, NULL none */
	bool posture_on;              /* live: posture_interval is on (a pass will come); false in the viewer */
	bool posture_judged;          /* live: the verdict judges that pass (posture_verdict = warn) */
	bool posture_grade_only;      /* remote viewer: posture holds the collector's grade, caps and time only */
};

/* Viewer-owned copy of one endpoint's latest stored probe. */
struct vrow;
/* Live: the model's copy of one monitor entry and its endpoint's settings. */
struct lrow;

struct upcache;

/*
 * Sort keys, one per list column. `s` cycles through the first SORT_CYCLE;
 * a click on a column heading picks any. Each key's own direction puts the
 * worst or most telling first (state: DOWN first; latency: slowest;
 * uptime: lowest; cert: soonest expiry; age: stalest; text: a to z); rows
 * without the value go last in either direction; ties by name.
 */
enum ui_sort {
	SORT_STATE, SORT_NAME, SORT_LATENCY, SORT_EXPIRY, SORT_AGE,
	SORT_HOST, SORT_TLS_HS, SORT_RECENT, SORT_UPTIME, SORT_TLS_VER, SORT_REASON, SORT_TAGS, SORT_LOCATION,
	SORT_GRADE,
	SORT_COUNT
};
#define SORT_CYCLE (SORT_AGE + 1)

struct remote_set;

struct model {
	bool viewer;                  /* read-only: on a database, or (rs) on remote collectors */
	struct remote_set *rs;        /* remote viewer (remote.h), else NULL */
	char **r_keys;                /* remote viewer: each row's key, owned */
#define MODEL_REMOTE_MAX 64           /* collectors whose changes become notices */
	unsigned char r_was[MODEL_REMOTE_MAX]; /* remote viewer: each collector as last noted */
	struct app *app;              /* live mode, else NULL */
	struct store *st;             /* live: app_store (may be NULL); viewer: the reader */
	struct mutes *vmutes;         /* viewer: the file's mutes, read when the rows are polled */
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
	long v_collector_pid;         /* viewer: the collector holding the database, 0 none (r and p need one) */
	char v_failing[256];          /* viewer: "notify NAME failing: ..." from the delivery history, "" */
	size_t v_loaded;              /* viewer: rows [0, v_loaded) were visited by the first load */
	struct upcache *up;
	size_t n_up;
	size_t up_next;               /* round-robin refresh cursor */
	int64_t up_seq;               /* store_write_seq when the uptimes were last marked stale, -1 never */
	uint64_t up_moves;            /* live: bumped when a refreshed uptime changed a row (its signature) */
	char db_path[512];
	int v_cert_warn_days, v_cert_crit_days; /* viewer: the built-in defaults */

	/*
	 * What every pane shows (order.c). The cursor is either on the first
	 * row, whatever comes first (cursor_top: at start and after g/Home),
	 * or on an endpoint (sel_name), which keeps its place in the list
	 * while results re-sort the rows around it and takes its sorted place
	 * once the cursor leaves it; an operator's sort or filter moves it
	 * with its endpoint.
	 */
	long sel;                     /* index into order, -1 none */
	char sel_name[256];           /* the cursor's row's key */
	bool cursor_top;
	enum ui_sort sort;            /* of model_rearrange */
	bool sort_rev;                /* the sort key's direction reversed (S) */
	char filter[64];              /* name, host or tag substring; "" shows all */
	bool frozen;                  /* F: the order is kept as it was; new rows go last */
	struct strlist frozen_names;  /* the order when frozen */
	struct hashmap frozen_rank;   /* name (borrowed from frozen_names) -> position */
};

void model_init_live(struct model *m, struct app *a);
void model_init_viewer(struct model *m, struct store *st, const char *db_path);
/* The remote viewer's model, on rs (not owned). */
void model_init_remote(struct model *m, struct remote_set *rs);
void model_done(struct model *m);
/* Rebuilds the rows; true when what they show changed. now_ms: wall clock. */
bool model_refresh(struct model *m, int64_t now_ms);
/* Viewer: the first load is still filling rows in (call model_refresh again soon). */
bool model_loading(const struct model *m);
const struct row *model_shown(const struct model *m, size_t i);  /* NULL past the end */
/* What a certificate expiring at not_after_s deserves on row r, by r's own thresholds. */
enum state model_cert_state(const struct row *r, int64_t not_after_s, int64_t now_s);
/* A row's identity: its key, else its name. */
static inline const char *row_key(const struct row *r)
{
	return r->key ? r->key : r->name;
}
/* model_remote.c: the remote viewer's rows from the collectors' lists; true when they changed. */
bool model_refresh_remote(struct model *m, int64_t now_ms);
void model_remote_done(struct model *m);
/*
 * The header's line about the collectors: "fra ok 3s ago  sgp UNREACHABLE:
 * ... (rows of 2m ago)"; *problem set when one is unreachable. Returns buf.
 */
char *model_remote_status(const struct model *m, int64_t now_ms, char *buf, size_t n, bool *problem);
/*
 * A collector that became unreachable (with why) or reachable again since
 * the last call, as a notice's text; *up: it came back. False when none
 * (call until false).
 */
bool model_remote_note(struct model *m, char *text, size_t n, bool *up);

/* Counts by live state over every row (not just the shown ones). */
void model_counts(const struct model *m, size_t counts[LIVE_PAUSED + 1]);
/*
 * The state a stored probe stands for on screen: DOWN in an open outage,
 * else its verdict's (a DOWN verdict outside an outage is FAILING);
 * PENDING without one. The viewer's rows and a live row from history.
 */
enum live model_stored_live(bool have, bool in_outage, enum state vstate);
/*
 * For a row from history: "from history: DOWN since 23:58:41, last probe
 * 3m ago" (local time; a date when not within a day). Returns buf.
 */
char *model_history_note(const struct row *r, int64_t now_ms, char *buf, size_t n);

/* ---- order (order.c) ------------------------------------------------------ */

/* Filters (name, host or tag substring) and sorts into order (m->sort_rev reverses; frozen: kept). */
void model_arrange(struct model *m, enum ui_sort sort, const char *filter);
const char *sort_name(enum ui_sort s);       /* "state", "cert expiry"...; "?" out of range */
/* Position in order of the row called name, or -1. */
long model_find(const struct model *m, const char *name);
/* Puts the cursor back: on the first row (cursor_top), else on sel_name (else the nearest row). */
void model_sync(struct model *m);
/*
 * After a refresh: model_arrange with the model's sort and filter, the
 * cursor's endpoint held at its place (rows re-sort around it), model_sync.
 */
void model_rearrange(struct model *m);
/* After the operator changed the filter: arranged, the cursor follows its endpoint. */
void model_reorder(struct model *m);
/* Sorts by s (rev: the other way); frozen, the frozen order is taken again in the new sort. */
void model_set_sort(struct model *m, enum ui_sort s, bool rev);
/* F: keeps the order as it is now (on), or lets results re-sort again (off). */
void model_freeze(struct model *m, bool on);
/* Selects shown row i, clamped to the shown rows; the cursor is on that endpoint. False when none is shown. */
bool model_select(struct model *m, long i);
/* The cursor back on the first row, staying there whatever comes first. */
void model_select_top(struct model *m);
/* The selected row, NULL when none is shown. */
const struct row *model_selected(const struct model *m);
/*
 * The next (dir 1) or previous (dir -1) shown row after the cursor that is
 * DOWN, FAILING or WARN, wrapping around; -1 when there is none.
 * *wrapped: set when the search went past the end (or the start).
 */
long model_next_problem(const struct model *m, int dir, bool *wrapped);
/* A row's tags as one text, "prod,api" ("" without tags); returns buf. */
const char *row_tags_text(const struct row *r, char *buf, size_t n);

/* ---- panes ------------------------------------------------------------ */

#define UI_PLAIN 0 /* no attribute, as an int (A_NORMAL is unsigned) */

/* What a pane's key, mouse, event and update handlers return: bit flags. */
#define UI_HANDLED 1u  /* the key meant something here */
#define UI_REDRAW  2u  /* the screen must be drawn again */
#define UI_QUIT    4u
#define UI_QUERY   8u  /* the pane's queries must run again before the next draw */

#define UI_NOTES 500 /* the notices pane keeps this many, the oldest dropped first */

/* What a notice is about: its colour in the notices pane. */
enum ui_note_kind { NOTE_EVENT, NOTE_DOWN, NOTE_UP, NOTE_RELOAD, NOTE_PROBLEM };

/* One notice: a state change, an event, a reload, a history problem. */
struct ui_note {
	int64_t t_ms;                 /* wall clock */
	enum ui_note_kind kind;
	char *text;                   /* owned; may hold several lines (a refused config's errors) */
};

struct pane_ops;

/*
 * What the panes share, owned by view.c: the model (rows and the
 * selection), the terminal's capabilities, the footer's notice and event
 * lines, and which pane is on screen. Each pane's own state is private to
 * its file; panes ask for another pane through ui_open()/ui_back(), which
 * view.c carries out after the handler returns (leave, then enter).
 */
struct ui {
	struct model m;
	bool utf8;                    /* the locale is UTF-8: symbols, blocks, braille */
	bool color;                   /* has_colors() and NO_COLOR unset */
	bool mouse;
	const struct pane_ops *cur;   /* the pane on screen (the list when NULL) */
	const struct pane_ops *over;  /* an overlay drawn above it (help), or NULL */
	const struct pane_ops *want;  /* asked for by a handler, NULL none */
	bool want_back;               /* a handler asked to go back to the list */

	char status[256];             /* one-line notice in the footer */
	int64_t status_ms;
	/* the notices (pane.c: ui_note), a ring: the newest at (notes_head + notes_n - 1) % UI_NOTES */
	struct ui_note notes[UI_NOTES];
	size_t notes_head, notes_n;
	uint64_t notes_seq;           /* notices ever added: the notices pane sees new ones */
};

/*
 * One screen, in the spirit of htop's PanelClass. Handlers change only
 * their pane's state (and the model's selection) and return UI_* flags;
 * they never draw. draw() only reads state and writes to the curses
 * virtual screen. update() runs once per pass before a draw: the pane's
 * queries (never per frame, never from draw) and the scroll positions the
 * body's size decides. Any member but draw may be NULL.
 */
struct pane_ops {
	const char *name;
	bool overlay;                 /* drawn over the current pane (help), takes every key */
	/* Draws the pane into rows [y0, y0+h) of stdscr (an overlay: anywhere). */
	void (*draw)(const struct ui *u, int y0, int h);
	/* A key; 0 when it means nothing here (the global keys get it then). */
	unsigned (*key)(struct ui *u, int key);
	/* A mouse click; 0 when it means nothing here (the wheel then scrolls as Up/Down). */
	unsigned (*mouse)(struct ui *u, int y, int x, unsigned long bstate);
	/* A monitor event (live); every pane hears it, shown or not. */
	unsigned (*on_event)(struct ui *u, const struct mon_event *ev);
	/* The footer's key hints; right: filled with the footer's right-hand text, or left "". */
	const char *(*hints)(const struct ui *u, char *right, size_t rlen);
	/* Shown now (ui_open), leaving (ui_back or another pane). */
	unsigned (*enter)(struct ui *u);
	void (*leave)(struct ui *u);
	/* Before a draw: changed: the model's rows changed; query: UI_QUERY was returned. */
	unsigned (*update)(struct ui *u, bool changed, bool query, int y0, int h);
	/* The dashboard ends: frees what the pane holds. */
	void (*done)(void);
};

extern const struct pane_ops pane_list;
extern const struct pane_ops pane_detail;
extern const struct pane_ops pane_history;
extern const struct pane_ops pane_help;
extern const struct pane_ops pane_notices;
extern const struct pane_ops pane_alerts;
extern const struct pane_ops pane_add;
extern const struct pane_ops pane_mute;

/* Asks view.c to show pane p (an overlay goes above) once the handler returns. */
void ui_open(struct ui *u, const struct pane_ops *p);
/* Asks view.c to go back to the list (an overlay: close it). */
void ui_back(struct ui *u);
/* An overlay's mouse handler: clicks and the wheel mean nothing there and do not reach the pane below. */
unsigned ui_mouse_swallow(struct ui *u, int y, int x, unsigned long bstate);
/* A notice for the footer. */
void ui_notice(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps a notice (text copied) for the notices pane and the footer; past UI_NOTES the oldest goes. */
void ui_note(struct ui *u, enum ui_note_kind kind, int64_t t_ms, const char *text);
/* Notice i, 0 the oldest kept, NULL past notes_n. */
const struct ui_note *ui_note_at(const struct ui *u, size_t i);
void ui_notes_free(struct ui *u);

/*
 * history_remote.c: the history pane's figures for row r from its remote
 * collector, as answered so far (the pane asks again when the model
 * changes). key: the pane's question (endpoint, range, width); the chart
 * from since_ms to now in buckets of bucket_ms; all: every endpoint's
 * outages. Everything in *f is the caller's (pts and out: free).
 */
struct hist_fill {
	struct uptime up[3];          /* 24h, 7d, 30d; pct -1 unknown */
	struct series_point *pts;
	size_t n_pts;
	struct outage_row *out;
	size_t n_out;
	struct probe_row *probes;     /* open: the probes of outage sel, oldest first */
	size_t n_probes;
	struct cert_info cert;        /* open: the leaf probes[psel] was served */
	bool have_cert;
	bool waiting;                 /* an answer has not come yet */
	char err[256];                /* why an answer failed, or "asking LOCATION...", or "" */
};
void history_remote_fill(struct ui *u, const struct row *r, const char *key, bool all, int64_t since_ms,
			 int64_t bucket_ms, bool open, size_t sel, size_t psel, struct hist_fill *f);

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
/* The attribute of a certificate's expiry date on row r (verdict_cert_expiry by r's thresholds). */
int ui_expiry_attr(const struct row *r, int64_t not_after_s, int64_t now_s);

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
/* The same, but a text wider than width is cut to end in "…" ("~" in ASCII), never silently. */
int ui_text_cut(WINDOW *w, int y, int x, int width, int attr, const char *s);
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
void ui_waterfall(struct canvas *c, const struct probe_timings *t, enum probe_phase failed_phase);
/* The colour of a phase's bars (C_DNS .. C_TRANSFER; C_ACCENT for the total). */
enum ui_color ui_phase_color(enum probe_phase p);
/* A blank box of h rows and w columns at (y0, x0), framed in the terminal's line drawing, title on its top edge. */
void ui_box(WINDOW *w, int y0, int x0, int h, int width, const char *title);
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
/* detail.c: "label   value" at indent, the value wrapped (sanitised by ui_text). */
void detail_kv(struct canvas *c, int indent, const char *label, int attr, const char *value);
/*
 * detail_posture.c: the posture block of the detail pane: grade and caps,
 * the protocol matrix, cipher categories, key exchange, stapling,
 * revocation (source and age), CT, HSTS and the findings of r's last pass.
 */
void detail_posture_block(struct canvas *c, const struct row *r, int64_t now_ms);
/*
 * The rank of a grade for sorting, worst first: F 0, T 1, M 2, E 3, D 4,
 * C 5, B 6, A- 7, A 8, A+ 9; -1 for "" (no grade) or anything else.
 */
int ui_grade_rank(const char *grade);
/* The colour of a grade: A+ to A- good, B and C warn, the rest down. */
int ui_grade_attr(const char *grade);
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
/*
 * The scrolling keys of a pane of text (Up/Down j/k, PgUp/PgDn and Space,
 * Home/End g/G) applied to *scroll, clamped to lines in view_h rows.
 * False when key is not one of them.
 */
bool ui_scroll_key(int key, int *scroll, int lines, int view_h);

extern bool ui_utf8;   /* set once by view.c; widgets read it */
extern bool ui_color;

/* ---- for tests and benches ----------------------------------------------- */

/* The list's key handler (pane_list.key). */
unsigned view_list_key(struct ui *u, int key);
/* The list is taking a filter: every key goes to it. */
bool view_list_editing(void);
/*
 * What the history pane's last query found: chart points, outages and the
 * 30 d uptime's probes. Returns its error, "" when none. Never NULL.
 */
const char *view_history_facts(size_t *n_pts, size_t *n_out, int64_t *probes_30d);

#endif
