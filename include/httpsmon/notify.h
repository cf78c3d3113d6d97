/*
 * notify: the alert engine. It turns what the monitor saw (outages opened
 * and closed, WARN confirmed and left, certificates crossing their expiry
 * thresholds or changing) into alerts, one per notifier an endpoint names
 * (`notify =`) whose `on` takes the kind, writes each to the store's outbox
 * (queued right after the outage or event that caused it, so both commit
 * in one transaction) and delivers them on the collector's one loop:
 * commands as child processes reaped by the loop, HTTP and SMTP as extra
 * transfers on the probe engine's multi handle. Nothing here blocks.
 *
 * Per notifier: alerts of one kind arriving within group_wait go as one
 * message; a failed delivery is retried 1 s, 2 s, 4 s ... at most 5 min
 * apart until retry_for has passed, then marked failed and logged;
 * reminders go out every `remind` while an outage lasts; one message per
 * notifier is in flight at a time. Every attempt is recorded (store
 * deliveries). At start the outbox's pending rows are taken up again
 * (at-least-once: a collector killed between a delivery and its record
 * sends it again).
 *
 * The monitor's callback runs inside the probe engine's completion: the
 * entry points that take events (notify_event, notify_result) only queue
 * (outbox rows, the in-memory queue); deliveries start from the engine's
 * own timer.
 */
#ifndef HTTPSMON_NOTIFY_H
#define HTTPSMON_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "httpsmon/alert.h"
#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"

struct prober;
struct notify;

/*
 * Whether alerts of endpoint name must not go out now (muted, in a
 * maintenance window), with why ("muted until 14:00: deploy") in why.
 */
typedef bool (*notify_quiet_cb)(void *ud, const struct endpoint *ep, int64_t now_ms, char *why, size_t n);

struct notify_opts {
	struct loop *loop;       /* required, not owned */
	struct prober *prober;   /* HTTP and SMTP deliveries; not owned; NULL: those fail */
	struct store *store;     /* outbox and attempts; NULL: in memory only */
	FILE *log;               /* one line per delivery failure and give-up; NULL: silent */
	notify_quiet_cb quiet;   /* NULL: nothing is ever muted */
	void *quiet_ud;
	void (*wrote)(void *ud); /* a delivery's outcome was queued to the store; NULL: none */
	void *wrote_ud;
	int64_t (*clock_ms)(void); /* tests: the wall clock (Unix ms) reminders and retry_for read */
};

/*
 * Creates the engine on cfg (a reference is taken) and takes up the
 * outbox's pending rows. NULL with a message in err when the store cannot
 * be read.
 */
struct notify *notify_new(const struct notify_opts *o, struct config *cfg, char *err, size_t errlen);

/*
 * Stops every delivery in flight (a child is killed, a transfer taken off
 * the multi handle): their alerts stay pending in the outbox for the next
 * start. NULL is fine.
 */
void notify_free(struct notify *n);

/* A reloaded config: later alerts and retries use its notifiers (a reference is taken). */
void notify_set_config(struct notify *n, struct config *cfg);

/*
 * A monitor event of endpoint s (its status as the event left it): an
 * outage opened or closed, a certificate changed. Queues only.
 */
void notify_event(struct notify *n, const struct mon_event *ev, const struct ep_status *s);

/* After each judged probe of s: WARN confirmed or over, certificate expiry crossings. Queues only. */
void notify_result(struct notify *n, const struct ep_status *s);

/* Alerts queued or in flight (not yet delivered, failed or suppressed). */
size_t notify_pending(const struct notify *n);

/* A delivery is in flight, or one is due now (a stopping collector lets them finish). */
bool notify_busy(const struct notify *n);

/*
 * The header's warning when a notifier keeps failing ("notify ops-hook
 * failing: HTTP 503"), or "" (buf, n bytes). Returns buf.
 */
const char *notify_failing(const struct notify *n, char *buf, size_t len);

/*
 * The same warning derived from the delivery history (d: store_deliveries,
 * newest first, the last NOTIFY_FAILING_ROWS at least), for a viewer of the
 * database: a notifier is failing when its last FAILING_AFTER (2) attempts
 * failed (an attempt is the rows of one time: an Alertmanager round is one
 * attempt however many members, failed when none delivered it), and the
 * one that failed last is named with its error. A collector seeds its own
 * state from the same rows at start, so both say the same. Returns buf.
 */
#define NOTIFY_FAILING_ROWS 200
const char *notify_failing_rows(const struct delivery_row *d, size_t n, char *buf, size_t len);

/*
 * test-notify: sends one `test` alert through notifier nt on loop l and
 * prober p (NULL: HTTP and SMTP fail), running the loop until it is
 * delivered or failed (one attempt, nt's timeout). Fills result with what
 * came back (HTTP status, exit status, SMTP reply; secrets redacted).
 * Returns 0 when delivered, -1 when not.
 */
int notify_test(struct loop *l, struct prober *p, const struct notifier *nt, char *result, size_t len);

#endif
