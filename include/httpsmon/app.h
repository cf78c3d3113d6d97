/*
 * app: the collector. Wires config, scheduler, probe engine, monitor and
 * store onto the event loop (loop.h): the probe engine is the loop's wait
 * (curl_multi_poll() over the transfers); SIGTERM, SIGINT and SIGHUP come
 * through the loop's signalfd; an inotify watch on the config file's
 * directory (so editors that replace the file by rename are seen) is one
 * of its descriptors; due probes, store flushes, retention and reloads are
 * its timers; a before-sleep hook commits each pass's batch of writes.
 *
 * The headless collector runs the loop itself (app_run); the dashboard
 * hands the app its loop and registers the terminal on it too.
 */
#ifndef HTTPSMON_APP_H
#define HTTPSMON_APP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"
#include "httpsmon/mute.h"
#include "httpsmon/store.h"

/* What the collector tells a dashboard besides the monitor's events (app_opts.on_notice). */
enum app_notice_kind {
	APP_RELOADED,         /* the config was reloaded: text says what changed (config_diff_text) */
	APP_RELOAD_REFUSED,   /* the new config was refused, the old one kept: text is every error */
	APP_STORE_PROBLEM,    /* history writes fail or results are dropped: text says which */
	APP_STORE_OK,         /* history writes work again */
};

struct app_notice {
	enum app_notice_kind kind;
	int64_t t_ms;         /* wall clock */
	const char *text;     /* may hold several lines (errors); valid for the call */
	size_t count;         /* APP_RELOAD_REFUSED: how many errors; else 0 */
};

typedef void (*app_notice_cb)(void *ud, const struct app_notice *n);

struct app_opts {
	const char *config_path;  /* required */
	const char *db_path;      /* NULL: store_default_path() */
	bool no_db;               /* run without history */
	FILE *log;                /* one line per state change, event and problem; NULL: silent */
	mon_event_cb on_event;    /* also told about every event; may be NULL */
	app_notice_cb on_notice;  /* reloads and history problems, from the loop's side; may be NULL */
	void *ud;
	struct loop *loop;        /* the loop to run on (not owned); NULL: the app makes its own */
	/* each probe's scheduling lateness (start - due, ms) as it starts; may be NULL (bench/posture_bench.c) */
	void (*on_late)(void *ud, int64_t late_ms);
};

struct app;

/*
 * Loads the config, opens the store as the collector and sets everything
 * up. Returns NULL with a message in err (config errors as FILE:LINE lines,
 * a second collector, an unusable database).
 */
struct app *app_new(const struct app_opts *o, char *err, size_t errlen);

/* Stops at once: abandons probes, saves the history as app_shutdown does. NULL is fine. */
void app_free(struct app *a);

/*
 * Runs the loop until a stop is requested (SIGTERM, SIGINT,
 * app_request_stop). Returns 0, or -1 on a fatal loop error.
 */
int app_run(struct app *a);

/* Stops starting probes and ends loop_run() (SIGTERM/SIGINT do the same). */
void app_request_stop(struct app *a);
bool app_stop_requested(const struct app *a);

/*
 * After a stop request: lets running probes finish within their timeout,
 * abandons what is left, flushes every pending write; if writes still
 * fail, saves the rest to the store's spill file (store_spill). Returns 0
 * when every result of the run is in the database or the spill file, -1
 * when some were lost (dropped while writes failed, or the spill failed
 * too; the counts were logged).
 */
int app_shutdown(struct app *a);

/* Reloads the config now (also on save and SIGHUP). Returns 0, -1 if the new one was refused. */
int app_reload(struct app *a);

void app_probe_now(struct app *a, const char *name);
/* Pauses or resumes name (kept across restarts; resuming probes at once). Unknown names: nothing. */
void app_set_paused(struct app *a, const char *name, bool pause);
void app_toggle_pause(struct app *a, const char *name);

struct monitor *app_monitor(const struct app *a);
struct store *app_store(const struct app *a);   /* NULL without history */
/* NULL while history writes work (or there is no history), else why they fail (valid until the next pass). */
const char *app_store_problem(const struct app *a);
uint64_t app_store_write_errors(const struct app *a); /* failed commits since start */
/* "notify NAME failing: HTTP 503" while a notifier keeps failing, else "" (buf, n bytes). Returns buf. */
const char *app_notify_failing(const struct app *a, char *buf, size_t n);
struct loop *app_loop(const struct app *a);     /* the loop it runs on (owned by the app or its caller) */
/* The mutes in force (mute.h), kept current within a second; NULL without history. */
struct mutes *app_mutes(const struct app *a);
const char *app_config_path(const struct app *a);
/* "" while the running config is the file's latest; else why the last load was refused. */
const char *app_config_error(const struct app *a);
int64_t app_config_loaded_ms(const struct app *a);

#endif
