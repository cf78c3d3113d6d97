/*
 * mute: which endpoints' alerts are held back, and why: a mute (set by
 * `httpsmon mute`, the dashboard's `m`, kept in the history database so it
 * survives restarts) or a maintenance window (the endpoint's
 * `maintenance` keys, see maint.h). Probes still run and outages are still
 * recorded either way; only the alert is held, and recorded with the why.
 *
 * The collector keeps one struct mutes, loaded from the store and
 * reloaded by mutes_poll() from a one-second loop timer when another
 * process changed the file (PRAGMA data_version: no read when nothing
 * changed), so a mute from a shell takes effect within a second.
 */
#ifndef HTTPSMON_MUTE_H
#define HTTPSMON_MUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/config.h"
#include "httpsmon/maint.h"
#include "httpsmon/outcome.h"
#include "httpsmon/store.h"

#define MUTE_POLL_MS 1000

struct mutes;

struct mutes *mutes_new(void);
void mutes_free(struct mutes *m); /* NULL ok */

/* Loads the mutes in force at now_ms from st. 0, or -1 (the old set stays). */
int mutes_load(struct mutes *m, struct store *st, int64_t now_ms);
/* Reloads when another connection wrote to st since the last poll; true when it did. */
bool mutes_poll(struct mutes *m, struct store *st, int64_t now_ms);

/* name's mute in force at now_ms, or NULL (borrowed until the next load). */
const struct mute_row *mutes_find(const struct mutes *m, const char *name, int64_t now_ms);

/*
 * The engine's question: is an alert about endpoint name, raised at
 * now_ms, held back? HOLD_MUTED wins over HOLD_MAINTENANCE. why (when not
 * NONE): "muted until 2026-12-02T06:00:00Z: deploy" / "muted until UP" /
 * "maintenance Sun 02:00-04:00 (Europe/Berlin)". windows/nw: the
 * endpoint's maintenance windows; tz: maintenance_tz (NULL = UTC).
 */
enum hold { HOLD_NONE, HOLD_MUTED, HOLD_MAINTENANCE };
enum hold mutes_hold(const struct mutes *m, const char *name, const struct maint_window *windows, size_t nw,
		     const char *tz, int64_t now_ms, char *why, size_t whylen);

/*
 * mutes_hold for endpoint ep of config cfg: its `maintenance` windows (as
 * the loader checked them) in cfg's maintenance_tz. The engine's one call.
 */
enum hold mutes_hold_endpoint(const struct mutes *m, const struct config *cfg, const struct endpoint *ep,
			      int64_t now_ms, char *why, size_t whylen);

/*
 * Sets name's mute (the collector's dashboard key; st a collector store)
 * and reloads m. until_ms 0 = until UP. 0, or -1 with a message in err.
 */
int mutes_set(struct mutes *m, struct store *st, const char *name, int64_t now_ms, int64_t until_ms,
	      const char *reason, char *err, size_t errlen);
/* The endpoint is UP again: its until-UP mute ends (collector). */
void mutes_endpoint_up(struct mutes *m, struct store *st, const char *name, int64_t now_ms);

/*
 * A mute duration: "1h", "4h", "24h", any duration from 1m to 30d
 * (util_parse_duration_ms), or "until-up". *until_ms = now_ms + duration,
 * or 0 for until-up. 0, or -1 with a message in err.
 */
int mute_parse(const char *s, int64_t now_ms, int64_t *until_ms, char *err, size_t errlen);

/* "muted 3h12m left: deploy" / "muted until UP" for the dashboard, into buf. */
char *mute_describe(const struct mute_row *r, int64_t now_ms, char *buf, size_t n);

/* `httpsmon mute NAME DURATION [--reason TEXT]` and `httpsmon unmute NAME` on db (NULL: default path). */
enum outcome mute_command(const char *db, const char *name, const char *duration, const char *reason,
			  char *err, size_t errlen);
enum outcome unmute_command(const char *db, const char *name, char *err, size_t errlen);

#endif
