/*
 * app_posture: the collector's posture passes (posture.h), a second and
 * slower kind of probe. Its own scheduler (sched_new_spread: the first pass
 * of each endpoint within min(posture_interval, 3 min) of its addition,
 * spread by name, then on a jittered daily phase), the posture engine on
 * the same loop with its in-flight cap (posture_inflight), and a loop
 * timer that hands it the passes that are due.
 *
 * Lower priority than probes, by construction: due passes are handed over
 * only while the probe engine has nothing waiting (prober_queued() == 0),
 * at most posture_inflight more than are running, and a pass is a few
 * handshakes one after another (never more than posture_inflight at once
 * over all endpoints). A pass that finds probes waiting is tried again a
 * second later. `make bench` measures what a pass over 100 endpoints does
 * to the probes' lateness.
 *
 * A pass borrows its endpoint from the config it was started under: each
 * one holds a reference to that config (struct ppass) until its callback,
 * so a reload in the middle cannot free it. When the pass ends the grade is
 * made from it, the endpoint's last probe (certificate and trust facts,
 * HSTS) and that probe's revocation status, and the monitor keeps both,
 * writes them and turns what changed into an event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/config.h"
#include "httpsmon/grade.h"
#include "httpsmon/posture.h"
#include "httpsmon/probe.h"
#include "httpsmon/sched.h"
#include "httpsmon/serve.h"
#include "httpsmon/util.h"
#include "app_int.h"

#define POSTURE_SPREAD_MS      (3 * 60 * 1000) /* first passes within this of start */
#define POSTURE_HANDSHAKE_MS   10000           /* each handshake, connect included */
#define POSTURE_RETRY_MS       1000            /* probes were waiting: look again */
#define POSTURE_TAKE           16

/* One pass handed to the engine: whose, and the config its endpoint lives in. */
struct ppass {
	struct app *a;
	uint64_t id;
	struct config *cfg;   /* a reference, dropped when the pass ends */
	struct ppass *next;   /* the app's list of passes in the engine */
};

static bool posture_on(const struct endpoint *ep)
{
	return ep->posture_interval_ms > 0 && !ep->plain_http && ep->enabled;
}

static void unlink_pass(struct app *a, struct ppass *pp)
{
	for (struct ppass **p = &a->ppasses; *p; p = &(*p)->next) {
		if (*p == pp) {
			*p = pp->next;
			break;
		}
	}
	config_unref(pp->cfg);
	free(pp);
}

/* The engine at posture_inflight (made again when it changed: its passes start over). */
static int engine_for(struct app *a, int inflight)
{
	char err[256];

	if (a->posture && a->posture_inflight == inflight)
		return 0;
	posture_engine_free(a->posture); /* its passes are dropped without a callback */
	while (a->ppasses) {
		/* due again at once: they start over on the new engine, not an interval later */
		sched_defer(a->psched, a->ppasses->id, app_mono_ms());
		unlink_pass(a, a->ppasses);
	}
	a->posture = posture_engine_new(a->loop, inflight, POSTURE_HANDSHAKE_MS, err, sizeof err);
	a->posture_inflight = inflight;
	if (!a->posture) {
		app_logf(a, "posture passes are off: %s", err);
		return -1;
	}
	return 0;
}

static void arm(struct app *a);

static void pass_done_cb(void *arg, const struct endpoint *ep, const struct posture *p)
{
	struct ppass *pp = arg;
	struct app *a = pp->a;
	const struct ep_status *s = monitor_find_id(a->mon, pp->id);
	struct posture_rec *r;
	struct grade_facts f;
	if (s && !strcmp(s->name, ep->name)) {
		r = xcalloc(1, sizeof(*r));
		r->t_ms = util_now_ms();
		snprintf(r->url, sizeof r->url, "%s", ep->url);
		r->p = *p;
		grade_facts_from_result(&s->last, &f);
		grade_compute(p, &f, s->have_result ? &s->last.revocation : NULL, r->t_ms / 1000, &r->g);
		/* through the store's write queue: a failing database is the store's notice, as for probes */
		monitor_posture(a->mon, s->name, r);
		/* /metrics and /api/v1/endpoints show the grade: their shared pages are made again */
		serve_changed(a->serve);
		app_logf(a, "%s posture: grade %s, %d handshakes in %lld ms%s%s", s->name, r->g.grade[0] ? r->g.grade : "-",
			 p->handshakes, (long long)p->took_ms, p->error[0] ? ": " : "", p->error);
		free(r);
	}
	sched_done(a->psched, pp->id, app_mono_ms());
	unlink_pass(a, pp);
	arm(a);
}

/* Hands the due passes to the engine while no probe waits. Returns the delay to look again, -1: nothing due. */
static int64_t start_passes(struct app *a)
{
	struct config *cfg = monitor_config(a->mon);
	struct sched_due due[POSTURE_TAKE];
	int64_t next, now = app_mono_ms();
	size_t n, room;

	if (a->stop || !a->posture)
		return -1;
	next = sched_next_due_ms(a->psched);
	if (next == INT64_MAX)
		return -1;
	if (next > now)
		return next - now;
	if (prober_queued(a->prober) > 0)
		return POSTURE_RETRY_MS;
	room = posture_engine_pending(a->posture) < (size_t)a->posture_inflight
		       ? (size_t)a->posture_inflight - posture_engine_pending(a->posture) : 0;
	if (!room)
		return POSTURE_RETRY_MS;
	n = sched_take_due(a->psched, now, due, room < POSTURE_TAKE ? room : POSTURE_TAKE);
	for (size_t i = 0; i < n; i++) {
		const struct ep_status *s = monitor_find_id(a->mon, due[i].id);
		struct ppass *pp;

		if (!s || s->live == LIVE_PAUSED || !posture_on(s->ep)) {
			sched_done(a->psched, due[i].id, now);
			continue;
		}
		if (!s->have_result) {
			/* graded with the probe's certificate and trust facts: wait for its first probe */
			sched_defer(a->psched, s->id, now + POSTURE_RETRY_MS);
			continue;
		}
		pp = xcalloc(1, sizeof(*pp));
		*pp = (struct ppass){ .a = a, .id = s->id, .cfg = config_ref(cfg), .next = a->ppasses };
		a->ppasses = pp;
		if (posture_submit(a->posture, s->ep, pass_done_cb, pp) != 0) {
			sched_done(a->psched, s->id, now);
			unlink_pass(a, pp);
		}
	}
	return n ? 0 : POSTURE_RETRY_MS;
}

static int64_t posture_timer_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;
	int64_t d;

	(void)l;
	(void)id;
	d = start_passes(a);
	if (d < 0)
		a->posture_timer = 0;
	return d < 0 ? LOOP_TIMER_STOP : d;
}

/* (Re)arms the timer for the next due pass, or ends it when none is. */
static void arm(struct app *a)
{
	int64_t next = sched_next_due_ms(a->psched), now = app_mono_ms();

	loop_timer_arm(a->loop, &a->posture_timer, next == INT64_MAX || !a->posture ? -1 : next > now ? next - now : 0,
		       posture_timer_cb, a);
}

void app_posture_sync(struct app *a, const struct config *old)
{
	struct config *cfg = monitor_config(a->mon);
	int64_t now = app_mono_ms();
	bool any = false;

	if (!a->psched)
		a->psched = sched_new_spread(POSTURE_SPREAD_MS);
	for (size_t i = 0; i < monitor_count(a->mon); i++) {
		const struct ep_status *s = monitor_at(a->mon, i);
		const struct endpoint *was = old ? config_find(old, s->name) : NULL;

		if (!posture_on(s->ep) || (was && !endpoint_equal(was, s->ep)))
			sched_remove(a->psched, s->id); /* a pass of it in flight still lands */
		if (posture_on(s->ep)) {
			any = true;
			sched_set(a->psched, s->id, s->name, s->ep->posture_interval_ms, now);
		}
	}
	if (any && engine_for(a, cfg->posture_inflight) == 0)
		arm(a);
}

void app_posture_prune(struct app *a, const uint64_t *ids, size_t n)
{
	for (size_t i = 0; a->psched && i < n; i++)
		if (!monitor_find_id(a->mon, ids[i]))
			sched_remove(a->psched, ids[i]);
}

void app_posture_free(struct app *a)
{
	if (a->loop && a->posture_timer)
		loop_timer_remove(a->loop, a->posture_timer);
	a->posture_timer = 0;
	posture_engine_free(a->posture);
	a->posture = NULL;
	while (a->ppasses)
		unlink_pass(a, a->ppasses);
	sched_free(a->psched);
	a->psched = NULL;
}
