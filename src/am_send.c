/*
 * am_send: the Alertmanager notifier driven by the loop
 * (include/httpsmon/am_send.h). State: the struct am, one timer (armed
 * for the next round, or for now after a push), and at most one round in
 * flight, one transfer per member. A round's outcome is known when every
 * member answered; only then is the next one scheduled, so rounds never
 * overlap and a slow member delays the next resend by its timeout at most.
 */
#include "httpsmon/am_send.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/am.h"
#include "httpsmon/util.h"

#define RETRY_FIRST_MS 1000

struct member {
	char *base;            /* as configured */
	char *api;             /* base + /api/v2/alerts */
	struct xfer *x;        /* in flight, or NULL */
};

struct am_send {
	struct loop *l;
	struct prober *p;
	struct am *m;
	struct member *mem;
	size_t n;
	char *ca_file;
	int64_t timeout_ms, resend_ms;
	am_send_cb cb;
	void *ud;
	uint64_t timer;
	struct am_round round; /* in flight when round.body is set */
	int64_t round_ms;      /* wall clock: when it went out */
	struct am_member_answer *ans; /* each member's answer to it, in member order */
	size_t left;           /* members yet to answer */
	bool accepted;         /* some member answered 2xx */
	int64_t backoff_ms;    /* after rounds nobody accepted; 0 = none */
};

static int64_t tick_cb(struct loop *l, uint64_t id, void *ud);

static void arm(struct am_send *s, int64_t delay_ms)
{
	loop_timer_arm(s->l, &s->timer, delay_ms, tick_cb, s);
}

/* Every member answered: acknowledge or back off, then schedule what is next. */
static void round_end(struct am_send *s)
{
	if (s->cb) {
		struct am_send_report rep = { .started_ms = s->round_ms, .members = s->ans, .nmembers = s->n,
					      .ids = s->round.ids, .nids = s->round.nids,
					      .nalerts = s->round.nalerts, .endpoints = &s->round.endpoints,
					      .accepted = s->accepted };

		s->cb(s->ud, &rep);
	}
	if (s->accepted) {
		am_acked(s->m, &s->round);
		s->backoff_ms = 0;
	} else {
		s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : RETRY_FIRST_MS;
		if (s->backoff_ms > s->resend_ms)
			s->backoff_ms = s->resend_ms;
		am_due_at(s->m, util_now_ms() + s->backoff_ms);
	}
	am_round_done(&s->round);
	arm(s, 0); /* the tick works out when the next round is due */
}

/* Member i answered r (its transfer is gone): keep, count, end the round after the last. */
static void member_answer(struct am_send *s, size_t i, const struct xfer_result *r)
{
	s->ans[i].r = *r;
	s->accepted = s->accepted || r->delivered;
	if (--s->left == 0)
		round_end(s);
}

static void member_done(struct xfer *x, const struct xfer_result *r, void *ud)
{
	struct am_send *s = ud;

	xfer_free(x);
	for (size_t i = 0; i < s->n; i++) {
		if (s->mem[i].x == x) {
			s->mem[i].x = NULL;
			member_answer(s, i, r);
			return;
		}
	}
}

/* POSTs the round's body to every member. */
static void round_start(struct am_send *s)
{
	struct xfer_http h = { .ca_file = s->ca_file, .timeout_ms = s->timeout_ms };
	size_t len = strlen(s->round.body);

	s->accepted = false;
	s->left = s->n;
	s->round_ms = util_now_ms();
	for (size_t i = 0; i < s->n; i++) {
		struct xfer_result r = { .delivered = false };
		char err[256] = "";

		h.url = s->mem[i].api;
		s->mem[i].x = xfer_http_post(&h, s->round.body, len, err, sizeof(err));
		if (s->mem[i].x && xfer_start(s->mem[i].x, s->p, member_done, s) == 0)
			continue;
		snprintf(r.detail, sizeof(r.detail), "%s", *err ? err : "libcurl refused the transfer");
		xfer_free(s->mem[i].x);
		s->mem[i].x = NULL;
		member_answer(s, i, &r); /* may end the round */
	}
}

static int64_t tick_cb(struct loop *l, uint64_t id, void *ud)
{
	struct am_send *s = ud;
	int64_t next;

	(void)l;
	s->timer = 0; /* this timer ends here unless a delay is returned below */
	if (s->round.body)
		return LOOP_TIMER_STOP; /* round_end arms the next tick */
	next = am_round(s->m, util_now_ms(), &s->round);
	if (s->round.body) {
		round_start(s); /* may end at once (every member refused): round_end arms a new timer */
		return LOOP_TIMER_STOP;
	}
	if (next < 0)
		return LOOP_TIMER_STOP;
	s->timer = id;
	return next;
}

struct am_send *am_send_new(struct loop *l, struct prober *p, const struct am_send_opts *o, char *err,
			    size_t errlen)
{
	struct am_send *s;

	if (!o->nurls) {
		snprintf(err, errlen, "alertmanager: no url");
		return NULL;
	}
	for (size_t i = 0; i < o->nurls; i++) {
		if (strncmp(o->urls[i], "http://", 7) != 0 && strncmp(o->urls[i], "https://", 8) != 0) {
			snprintf(err, errlen, "alertmanager: url %zu: want http:// or https://", i + 1);
			return NULL;
		}
	}
	s = xcalloc(1, sizeof(*s));
	s->l = l;
	s->p = p;
	s->resend_ms = o->resend_ms > 0 ? o->resend_ms : AM_DEFAULT_RESEND_MS;
	s->m = am_new(s->resend_ms, o->instance);
	s->ca_file = xstrdup(o->ca_file);
	s->timeout_ms = o->timeout_ms;
	s->cb = o->cb;
	s->ud = o->ud;
	s->n = o->nurls;
	s->mem = xcalloc(s->n, sizeof(*s->mem));
	s->ans = xcalloc(s->n, sizeof(*s->ans));
	for (size_t i = 0; i < s->n; i++) {
		size_t len = strlen(o->urls[i]);

		while (len && o->urls[i][len - 1] == '/')
			len--;
		s->mem[i].base = xstrdup(o->urls[i]);
		s->mem[i].api = xasprintf("%.*s/api/v2/alerts", (int)len, o->urls[i]);
		s->ans[i].url = s->mem[i].base;
	}
	return s;
}

void am_send_free(struct am_send *s)
{
	if (!s)
		return;
	loop_timer_remove(s->l, s->timer);
	for (size_t i = 0; i < s->n; i++) {
		if (s->mem[i].x) {
			xfer_cancel(s->mem[i].x, s->p);
			xfer_free(s->mem[i].x);
		}
		free(s->mem[i].base);
		free(s->mem[i].api);
	}
	am_round_done(&s->round);
	am_free(s->m);
	free(s->mem);
	free(s->ans);
	free(s->ca_file);
	free(s);
}

void am_send_push(struct am_send *s, const struct alert *a, int64_t now_ms)
{
	am_push(s->m, a, now_ms);
	if (!s->round.body)
		arm(s, 0);
}

size_t am_send_count(const struct am_send *s)
{
	return am_count(s->m);
}
