/*
 * am_send: the Alertmanager notifier on the event loop. It owns one
 * struct am (am.h: what must be re-sent and when), a loop timer that
 * fires when the next round is due, and the round's transfers: the same
 * JSON body POSTed to /api/v2/alerts of every configured url (every
 * member of an HA cluster, as Prometheus does), as extra transfers on the
 * probe engine's multi handle (xfer.h).
 *
 * The alert engine hands it every alert for an alertmanager notifier
 * (am_send_push) and hears back, per member and round, what happened and
 * which outbox ids the round carried for the first time (a round counts
 * as delivered when any member answered 2xx). A round nobody accepted is
 * tried again after 1 s, doubling up to `resend`.
 */
#ifndef HTTPSMON_AM_SEND_H
#define HTTPSMON_AM_SEND_H

#include <stddef.h>
#include <stdint.h>

#include "httpsmon/alert.h"
#include "httpsmon/loop.h"
#include "httpsmon/xfer.h"

struct prober;
struct am_send;

/*
 * One member's answer to a round. ids: the outbox ids the round carried
 * that no member had accepted before (valid for the call); url: the
 * member's base url as configured (may hold secrets: redact to show).
 */
typedef void (*am_send_cb)(void *ud, const char *url, const struct xfer_result *r, const int64_t *ids,
			   size_t nids);

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
