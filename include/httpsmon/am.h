/*
 * am: the Alertmanager notifier's state machine (pure core: no I/O, the
 * clock is the caller's). It keeps what Alertmanager must keep hearing,
 * as Prometheus does:
 *  - a firing alert is re-sent every `resend` with endsAt = now + 4 x
 *    resend, so two lost sends do not resolve it;
 *  - a resolved one is sent with endsAt = its end time, repeated every
 *    `resend` for 5 minutes (AM_RESOLVED_REPEAT_MS);
 *  - an event (cert_changed, test) fires once with endsAt = raised + 4 x
 *    resend and is repeated until then.
 * Alerts are keyed by (endpoint, alertname): a new firing alert whose
 * labels differ (another reason, another severity) resolves the old one
 * at that moment, since a changed label is a new alert to Alertmanager.
 * Reminders are ignored (Alertmanager repeats on its own schedule).
 *
 * The engine drives it from a loop timer: am_push() for each alert (a
 * push makes a round due at once), am_round() when due, POST the body to
 * every configured url (every member of an HA cluster), am_acked() once
 * any member answered 2xx; at start, push a `down` for every resumed open
 * outage so Alertmanager keeps seeing it.
 */
#ifndef HTTPSMON_AM_H
#define HTTPSMON_AM_H

#include <stddef.h>
#include <stdint.h>

#include "httpsmon/alert.h"

#define AM_RESOLVED_REPEAT_MS (5 * 60 * 1000)
#define AM_DEFAULT_RESEND_MS  (60 * 1000)

struct am;

/* A state machine for one notifier; resend_ms > 0 (AM_DEFAULT_RESEND_MS). */
struct am *am_new(int64_t resend_ms, const char *instance);
void am_free(struct am *m); /* NULL ok */

/* Takes note of alert a (copied) at now_ms; a round is due at once. */
void am_push(struct am *m, const struct alert *a, int64_t now_ms);

/* One round: the body for POST /api/v2/alerts and the outbox ids it
 * carries for the first time. Owned by the round; am_round_done frees. */
struct am_round {
	char *body;       /* JSON array; NULL when nothing was due */
	int64_t *ids;     /* alert ids not yet acknowledged, sent in this round */
	size_t nids;
	size_t nalerts;   /* alerts in body */
	struct strlist endpoints; /* the endpoint of each alert in body, in order */
};

/*
 * When a round is due at now_ms, fills *r (body non-NULL) and schedules the
 * next one resend_ms later; otherwise r->body is NULL. Alerts whose repeat
 * time ran out are dropped here. Returns the ms until the next round is
 * due (>= 0), or -1 when nothing is left to send.
 */
int64_t am_round(struct am *m, int64_t now_ms, struct am_round *r);
void am_round_done(struct am_round *r);

/* Makes the next round due at at_ms when that is sooner (a retry after a round nobody accepted). */
void am_due_at(struct am *m, int64_t at_ms);

/* A member answered 2xx to round r: its ids are acknowledged. */
void am_acked(struct am *m, const struct am_round *r);

/* Alerts kept (firing, resolving or events). */
size_t am_count(const struct am *m);

#endif
