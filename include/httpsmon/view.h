/*
 * view: the ncurses dashboard. Two ways in:
 *
 *   view_live()      the collector (app.h) with a screen on top: probes on
 *                    schedule, records history, and shows it live.
 *   view_readonly()  a screen on the database a headless collector is
 *                    writing: no probing, rows rebuilt from the store when
 *                    its newest probe time moves (polled once a second).
 *   view_remote()    a screen on collectors elsewhere, through their HTTP
 *                    API (--view --remote URL...).
 *
 * Both own the terminal while they run and always give it back: on q, on
 * Ctrl-C / SIGTERM, on a terminal hangup (SIGHUP reloads the config as in
 * headless mode; the hangup itself is seen as POLLHUP/EOF on stdin and
 * ends the dashboard), on exit() (atexit) and on a crash signal.
 */
#ifndef HTTPSMON_VIEW_H
#define HTTPSMON_VIEW_H

#include <stddef.h>

#include "httpsmon/outcome.h"

/*
 * Runs the live dashboard on config_path, history in db_path (NULL: the
 * default database). Returns OUTCOME_OK after q or a signal,
 * OUTCOME_FAILED when the loop failed, OUTCOME_UNUSABLE when it could not
 * start (config error, another collector on the database, no usable
 * terminal); with the reason in err for the last two. Prints no error.
 */
enum outcome view_live(const char *config_path, const char *db_path, char *err, size_t errlen);

/* Runs the read-only dashboard on db_path (NULL: the default). Same returns. */
enum outcome view_readonly(const char *db_path, char *err, size_t errlen);

/*
 * Runs the read-only dashboard on the n collectors of o (their HTTP API,
 * remote.h): one merged list, a row per endpoint per collector. Same
 * returns; an unreachable collector is shown, not an error.
 */
struct remote_opts;
enum outcome view_remote(const struct remote_opts *o, size_t n, char *err, size_t errlen);

#endif
