/*
 * am_send: the Alertmanager notifier on the event loop. It owns one
 * struct am (am.h: what must be re-sent and when), a loop timer that
 * fires when the next round is due, and the round's transfers: the same
 * JSON body POSTed to /api/v2/alerts of every configured url (every
 * member of an HA cluster, as Prometheus does), as extra transfers on the
 * probe engine's multi handle (xfer.h).
 *
 * The alert engine hands it every alert for an alertmanager notifier
 * (am_send_push: the one path its alerts take to Alertmanager) and hears
 * back once per round what each member answered and which outbox ids the
 * round carried that were not delivered yet (a round counts as delivered
 * when any member answered 2xx). A round nobody accepted is tried again
 * after 1 s, doubling up to `resend`.
 */
#ifndef HTTPSMON_AM_SEND_H
#define HTTPSMON_AM_SEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/alert.h"
#include "httpsmon/loop.h"
#include "httpsmon/xfer.h"

struct prober;
struct am_send;

/* One member's answer to a round. url: its base url as configured (may hold secrets: redact to show). */
struct am_member_answer {
	const char *url;
	struct xfer_result r;
};

/* A round, once every member answered (everything valid for the call only). */
struct am_send_report {
	int64_t started_ms;                     /* wall clock: when it went out */
	const struct am_member_answer *members; /* one per configured url, in order */
	size_t nmembers;
	const int64_t *ids;                     /* outbox ids it carried that no round had delivered */
	size_t nids;
	size_t nalerts;                         /* alerts in it: the new ones and the resent */
	const struct strlist *endpoints;        /* each alert's endpoint */
	bool accepted;                          /* some member answered 2xx: ids are delivered */
};
typedef void (*am_send_cb)(void *ud, const struct am_send_report *rep);

struct am_send_opts {
	const char *const *urls;  /* base urls ("http://127.0.0.1:9093"), at least one; copied */
	size_t nurls;
	const char *ca_file;      /* NULL: the system store */
	int64_t timeout_ms;       /* one POST; <= 0: XFER_DEFAULT_TIMEOUT_MS */
	int64_t resend_ms;        /* <= 0: AM_DEFAULT_RESEND_MS */
	const char *instance;     /* this host's name, the instance label */
	am_send_cb cb;            /* may be NULL */
	void *ud;
};

/* NULL with a message in err when a url is unusable. l and p are borrowed and must outlive it. */
struct am_send *am_send_new(struct loop *l, struct prober *p, const struct am_send_opts *o, char *err,
			    size_t errlen);
/* Stops its timer and abandons a round in flight (its transfers are taken back). NULL ok. */
void am_send_free(struct am_send *s);

/* a (copied) at wall-clock now_ms: a round goes out in this loop pass or the next. */
void am_send_push(struct am_send *s, const struct alert *a, int64_t now_ms);

/* Alerts it keeps sending (firing, resolving, events). */
size_t am_send_count(const struct am_send *s);

#endif
