/*
 * notify: the alert engine (see notify.h).
 *
 * Data:
 *  - items: every alert still to deliver, one per (alert, notifier), each
 *    an outbox row (same id); `due` (monotonic ms) is when it may go: the
 *    end of its group window when it arrives, the next retry after a
 *    failure. An item leaves when delivered, given up or its notifier is
 *    gone from the config.
 *  - nstates: per notifier name, the message in flight (at most one), the
 *    open group window of each kind, the failures in a row and the last
 *    error (for the header).
 *  - epstates: per endpoint name, what the alerts need to remember: the
 *    outage going on (for reminders: the next one per notifier), WARN
 *    confirmed (for warn_end), WARN verdicts in a row.
 *  - marks: certificate crossings sent (key "cert:ENDPOINT:SHA256" ->
 *    1 warn, 2 crit, 3 one day), loaded from the store and written back.
 *
 * The timer (tick) runs at the earliest due item, and every second while
 * a notifier has reminders: it sends reminders that are due, then for
 * each notifier without a message in flight takes the oldest due item and
 * every other due item of that kind (just that one when group_wait is 0)
 * into one message. The canary's holding of alerts is notify_hold.c's; the
 * state they share is in notify_int.h.
 */
#include "httpsmon/notify.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/util.h"
#include "notify_int.h"

int64_t notify_mono_ms(void)
{
	return util_mono_us() / 1000;
}

/* Wall clock (ms): the caller's (tests) or the real one. */
int64_t notify_now_ms(const struct notify *n)
{
	return n->o.clock_ms ? n->o.clock_ms() : util_now_ms();
}


void notify_logf(struct notify *n, const char *fmt, ...)
{
	char raw[1024], safe[2048], t[40];
	va_list ap;

	if (!n->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	util_sanitize(raw, strlen(raw), safe, sizeof(safe));
	fprintf(n->o.log, "%s %s\n", util_fmt_time_utc(t, sizeof(t), util_now_ms() / 1000), safe);
	fflush(n->o.log);
}

/* ---- per-notifier and per-endpoint state ---- */

struct nstate *notify_nstate(struct notify *n, const char *name)
{
	for (size_t i = 0; i < n->nns; i++)
		if (!strcmp(n->ns[i].name, name))
			return &n->ns[i];
	n->ns = xrealloc(n->ns, (n->nns + 1) * sizeof(*n->ns));
	memset(&n->ns[n->nns], 0, sizeof(*n->ns));
	n->ns[n->nns].name = xstrdup(name);
	return &n->ns[n->nns++];
}

static struct epstate *epstate(struct notify *n, const char *name)
{
	uint64_t i;
	struct epstate *e;

	if (hashmap_sget(&n->ep_index, name, &i))
		return n->eps[i];
	e = xcalloc(1, sizeof(*e));
	e->name = xstrdup(name);
	n->eps = xrealloc(n->eps, (n->neps + 1) * sizeof(*n->eps));
	n->eps[n->neps] = e;
	hashmap_sput(&n->ep_index, e->name, n->neps++);
	return e;
}

static void outage_forget(struct epstate *e)
{
	for (size_t i = 0; i < e->nrem; i++)
		free(e->rem[i].notifier);
	free(e->rem);
	e->rem = NULL;
	e->nrem = 0;
	e->in_outage = false;
}

static void epstate_free(struct epstate *e)
{
	outage_forget(e);
	free(e->reason);
	free(e->message);
	free(e->name);
	free(e);
}

/* ---- the timer ---- */

static int64_t tick_cb(struct loop *l, uint64_t id, void *ud);

void notify_kick(struct notify *n, int64_t delay_ms)
{
	loop_timer_arm(n->o.loop, &n->timer, delay_ms < 0 ? 0 : delay_ms, tick_cb, n);
}

/* ---- items: raising alerts ---- */

void notify_item_add(struct notify *n, int64_t id, const char *notifier, const struct alert *a, int attempts,
		     int64_t raised_ms, int64_t due)
{
	struct item *it = xcalloc(1, sizeof(*it));

	it->id = id;
	it->notifier = xstrdup(notifier);
	alert_copy(&it->a, a);
	it->a.id = id;
	it->attempts = attempts;
	it->raised_ms = raised_ms;
	it->due = due;
	n->items = xgrow(n->items, n->nitems, &n->items_cap, sizeof(*n->items), 64);
	n->items[n->nitems++] = it;
}

static void item_free(struct item *it)
{
	alert_done(&it->a);
	free(it->notifier);
	free(it);
}

/* Removes the items flagged by keep() == false, keeping the order of the rest. */
void notify_items_remove(struct notify *n, struct item *gone)
{
	for (size_t i = 0; i < n->nitems; i++) {
		if (n->items[i] == gone) {
			memmove(&n->items[i], &n->items[i + 1], (n->nitems - i - 1) * sizeof(*n->items));
			n->nitems--;
			item_free(gone);
			return;
		}
	}
}

/* When an alert for nt of kind k may go: the end of the kind's group window, opened now if none is. */
static int64_t due_for(struct notify *n, const struct notifier *nt, enum alert_kind k, int64_t now)
{
	struct nstate *s = notify_nstate(n, nt->name);

	if (nt->type == NOTIFIER_ALERTMANAGER || nt->group_wait_ms == 0)
		return now;
	if (s->window[k] <= now)
		s->window[k] = now + nt->group_wait_ms;
	return s->window[k];
}

/*
 * a (about endpoint ep) to every notifier ep names whose `on` takes its
 * kind; only_to: just that notifier (reminders). An outbox row each;
 * muted or maintenance alerts are written suppressed, with why.
 */
static void route(struct notify *n, const struct endpoint *ep, struct alert *a, const char *only_to)
{
	int64_t now = notify_now_ms(n), mono = notify_mono_ms();
	char why[256] = "";
	bool quiet = n->o.quiet && n->o.quiet(n->o.quiet_ud, ep, now, why, sizeof(why));

	for (size_t i = 0; i < ep->notify.n; i++) {
		const struct notifier *nt = config_notifier(n->cfg, ep->notify.v[i]);
		int64_t id;

		if (!nt || !(nt->on & (1u << a->kind)) || (only_to && strcmp(only_to, nt->name)))
			continue;
		id = ++n->seq;
		a->id = id;
		if (quiet) {
			store_outbox_add(n->o.store, id, nt->name, a, OUTBOX_SUPPRESSED, why);
			notify_logf(n, "alert %s %s -> %s not sent: %s", alert_kind_name(a->kind), ep->name, nt->name, why);
			continue;
		}
		/* an alertmanager notifier's item goes to its am_send when due (notify_am.c) */
		store_outbox_add(n->o.store, id, nt->name, a, OUTBOX_PENDING, NULL);
		notify_item_add(n, id, nt->name, a, 0, now, due_for(n, nt, a->kind, mono));
		notify_kick(n, 0);
	}
}

/* The fields every alert about s has. */
static void alert_of(const struct notify *n, struct alert *a, enum alert_kind k, const struct ep_status *s)
{
	alert_init(a, k);
	a->time_s = notify_now_ms(n) / 1000;
	alert_set(&a->endpoint, s->name);
	alert_set(&a->url, s->ep->url);
	alert_set(&a->state, live_name(s->live));
	strlist_copy(&a->tags, &s->ep->tags);
}

/* The outage part of an alert: start, reason, message, failed probes so far. */
static void alert_outage(struct alert *a, const struct epstate *e)
{
	a->since_s = e->outage_start_ms / 1000;
	alert_set(&a->reason, e->reason);
	alert_set(&a->message, e->message);
	a->failed_probes = e->failed;
}

/* The first reminder of each notifier with remind: the next multiple of its period after now. */
static void reminders_arm(struct notify *n, struct epstate *e, const struct endpoint *ep, int64_t now)
{
	for (size_t i = 0; i < ep->notify.n; i++) {
		const struct notifier *nt = config_notifier(n->cfg, ep->notify.v[i]);
		int64_t next;

		if (!nt || !nt->remind_ms || !(nt->on & (1u << ALERT_REMINDER)))
			continue;
		next = e->outage_start_ms + ((now - e->outage_start_ms) / nt->remind_ms + 1) * nt->remind_ms;
		e->rem = xrealloc(e->rem, (e->nrem + 1) * sizeof(*e->rem));
		e->rem[e->nrem].notifier = xstrdup(nt->name);
		e->rem[e->nrem++].next_ms = next;
	}
}

/*
 * An outage resumed after a restart (learnt from a result, not from its
 * opening): Alertmanager must hear of it again before the endsAt of the
 * last send runs out. Pushed as it is, with no outbox row (its down was
 * delivered, or is pending and goes through the notifier's items). A new
 * outage is not pushed here: its down goes the one way, as an item, held
 * by the canary like every other.
 */
static void am_resume(struct notify *n, const struct epstate *e, const struct ep_status *s)
{
	char why[256];
	struct alert a;

	if (n->o.quiet && n->o.quiet(n->o.quiet_ud, s->ep, notify_now_ms(n), why, sizeof(why)))
		return;
	alert_of(n, &a, ALERT_DOWN, s);
	alert_outage(&a, e);
	for (size_t i = 0; i < s->ep->notify.n; i++) {
		const struct notifier *nt = config_notifier(n->cfg, s->ep->notify.v[i]);

		if (nt && nt->type == NOTIFIER_ALERTMANAGER && (nt->on & (1u << ALERT_DOWN)))
			notify_am_keep(n, nt, &a, notify_now_ms(n));
	}
	alert_done(&a);
}

/* The outage s is in, as the engine remembers it; resumed: learnt from a result (a collector restarted mid-outage). */
static void outage_learn(struct notify *n, struct epstate *e, const struct ep_status *s, bool resumed)
{
	if (e->in_outage && e->outage_start_ms == s->outage_start_ms) {
		e->failed = s->outage_failed;
		return;
	}
	outage_forget(e);
	e->in_outage = true;
	e->outage_start_ms = s->outage_start_ms;
	e->failed = s->outage_failed;
	free(e->reason);
	free(e->message);
	e->reason = xstrdup(s->outage_reason);
	e->message = xstrdup(s->outage_message);
	reminders_arm(n, e, s->ep, notify_now_ms(n));
	if (resumed)
		am_resume(n, e, s);
}

void notify_event(struct notify *n, const struct mon_event *ev, const struct ep_status *s)
{
	struct epstate *e;
	struct alert a;

	if (!n || !s)
		return;
	e = epstate(n, s->name);
	switch (ev->kind) {
	case MEV_OUTAGE_START:
		outage_learn(n, e, s, false);
		if (n->net_down) /* every canary failed at the last check: maybe this box, not the endpoint */
			store_mark_outage(n->o.store, s->name, s->outage_start_ms, STORE_MARK_LOCAL_NETWORK);
		alert_of(n, &a, ALERT_DOWN, s);
		alert_outage(&a, e);
		break;
	case MEV_OUTAGE_END:
		alert_of(n, &a, ALERT_UP, s);
		a.since_s = s->outage_start_ms / 1000;
		a.end_s = ev->t_ms / 1000;
		a.duration_s = a.end_s - a.since_s;
		a.failed_probes = s->outage_failed;
		alert_set(&a.reason, s->outage_reason);
		alert_set(&a.message, ev->text);
		outage_forget(e);
		break;
	case MEV_CERT_CHANGED:
		alert_of(n, &a, ALERT_CERT_CHANGED, s);
		alert_set(&a.reason, "cert_changed");
		alert_set(&a.message, ev->text);
		break;
	default:
		return;
	}
	route(n, s->ep, &a, NULL);
	alert_done(&a);
}

/* WARN confirmed (fail_after WARN verdicts in a row) and its end. */
static void warn_step(struct notify *n, struct epstate *e, const struct ep_status *s)
{
	struct alert a;

	e->warns = s->last_v.state == STATE_WARN ? e->warns + 1 : 0;
	if (e->warns == 1)
		e->warn_since_ms = s->last_ms;
	if (!e->warn_sent && s->live == LIVE_WARN && e->warns >= s->ep->fail_after) {
		e->warn_sent = true;
		alert_of(n, &a, ALERT_WARN, s);
		a.since_s = e->warn_since_ms / 1000;
		alert_set(&a.reason, reason_name(s->last_v.reason));
		alert_set(&a.message, s->last_v.message);
	} else if (e->warn_sent && s->live != LIVE_WARN) {
		e->warn_sent = false;
		alert_of(n, &a, ALERT_WARN_END, s);
		a.since_s = e->warn_since_ms / 1000;
		a.end_s = s->last_ms / 1000;
		a.duration_s = a.end_s - a.since_s;
	} else {
		return;
	}
	route(n, s->ep, &a, NULL);
	alert_done(&a);
}

/* The expiry crossing of the chain's earliest-expiring certificate: once per level per certificate. */
static void cert_step(struct notify *n, const struct ep_status *s)
{
	const struct cert_info *c = NULL;
	int64_t now_s = notify_now_ms(n) / 1000, days;
	uint64_t sent = 0;
	int level;
	char key[300];
	struct alert a;

	for (int i = 0; i < s->last.chain_len; i++)
		if (s->last.chain[i].not_after && (!c || s->last.chain[i].not_after < c->not_after))
			c = &s->last.chain[i];
	if (!c || !c->sha256[0])
		return;
	days = c->not_after > now_s ? (c->not_after - now_s) / DAY_S : -((now_s - c->not_after + DAY_S - 1) / DAY_S);
	level = days <= 1 ? 3 : days <= s->ep->cert_crit_days ? 2 : days <= s->ep->cert_warn_days ? 1 : 0;
	snprintf(key, sizeof(key), "cert:%s:%s", s->name, c->sha256);
	if (!level || (hashmap_sget(&n->marks, key, &sent) && sent >= (uint64_t)level))
		return;
	if (!hashmap_sget(&n->marks, key, &sent)) {
		strlist_push(&n->mark_keys, key);
		hashmap_sput(&n->marks, n->mark_keys.v[n->mark_keys.n - 1], (uint64_t)level);
	} else {
		hashmap_sput(&n->marks, key, (uint64_t)level);
	}
	store_alert_mark(n->o.store, key, level);
	alert_of(n, &a, ALERT_CERT_EXPIRING, s);
	a.has_days_left = true;
	a.days_left = (int)days;
	a.since_s = c->not_after;
	alert_set(&a.reason, level == 1 ? "cert_expiring" : level == 2 ? "cert_critical" : "cert_last_day");
	{
		char msg[512], when[40];

		util_fmt_time_utc(when, sizeof(when), c->not_after);
		snprintf(msg, sizeof(msg), "certificate %s %s %lld day%s (%s)", c->subject ? c->subject : "?",
			 days < 0 ? "expired" : "expires in", (long long)(days < 0 ? -days : days),
			 days == 1 || days == -1 ? "" : "s", when);
		alert_set(&a.message, msg);
	}
	route(n, s->ep, &a, NULL);
	alert_done(&a);
}

void notify_result(struct notify *n, const struct ep_status *s)
{
	struct epstate *e;

	if (!n || !s || !s->have_result)
		return;
	e = epstate(n, s->name);
	if (s->in_outage)
		outage_learn(n, e, s, true);
	else if (e->in_outage)
		outage_forget(e);
	warn_step(n, e, s);
	cert_step(n, s);
}

/* Reminders due now: one per notifier per period while the outage lasts. */
static void reminders_due(struct notify *n, int64_t now)
{
	for (size_t i = 0; i < n->neps; i++) {
		struct epstate *e = n->eps[i];
		const struct endpoint *ep;

		if (!e->in_outage || !e->nrem || !(ep = config_find(n->cfg, e->name)))
			continue;
		for (size_t k = 0; k < e->nrem; k++) {
			const struct notifier *nt = config_notifier(n->cfg, e->rem[k].notifier);
			struct alert a;

			if (!nt || !nt->remind_ms || now < e->rem[k].next_ms)
				continue;
			while (e->rem[k].next_ms <= now)
				e->rem[k].next_ms += nt->remind_ms;
			alert_init(&a, ALERT_REMINDER);
			a.time_s = now / 1000;
			alert_set(&a.endpoint, e->name);
			alert_set(&a.url, ep->url);
			alert_set(&a.state, "DOWN");
			strlist_copy(&a.tags, &ep->tags);
			alert_outage(&a, e);
			a.duration_s = now / 1000 - a.since_s;
			route(n, ep, &a, nt->name);
			alert_done(&a);
		}
	}
}

/* ---- delivery ---- */

int64_t notify_backoff_ms(int attempts)
{
	int64_t d = BACKOFF_FIRST_MS;

	for (int i = 1; i < attempts && d < BACKOFF_MAX_MS; i++)
		d *= 2;
	return d < BACKOFF_MAX_MS ? d : BACKOFF_MAX_MS;
}

void notify_endpoints_text(char *dst, size_t len, const struct strlist *names)
{
	size_t used = 0;

	dst[0] = '\0';
	for (size_t i = 0; i < names->n && used < len; i++) {
		const char *ep = names->v[i];

		if (used + strlen(ep) + 5 >= len) {
			snprintf(dst + used, len - used, "%s...", used ? "," : "");
			break;
		}
		used += (size_t)snprintf(dst + used, len - used, "%s%s", used ? "," : "", ep);
	}
}

/* The attempt in one row of the deliveries table. */
static void record(struct notify *n, const struct notify_msg *m, const char *result)
{
	struct delivery_row d = { .t_ms = notify_now_ms(n), .count = (int)m->g.n, .code = m->code };
	struct strlist eps = { 0 };

	snprintf(d.notifier, sizeof(d.notifier), "%s", m->nt->name);
	snprintf(d.kind, sizeof(d.kind), "%s", alert_kind_name(m->g.kind));
	for (size_t i = 0; i < m->g.n; i++)
		strlist_push(&eps, m->g.v[i].endpoint ? m->g.v[i].endpoint : "");
	notify_endpoints_text(d.endpoints, sizeof(d.endpoints), &eps);
	strlist_done(&eps);
	snprintf(d.result, sizeof(d.result), "%s", result);
	snprintf(d.error, sizeof(d.error), "%s", m->ok ? "" : m->detail);
	store_add_delivery(n->o.store, &d);
}

static void msg_done(struct notify_msg *m, void *ud)
{
	struct notify *n = ud;
	struct nstate *s = notify_nstate(n, m->nt->name);
	int64_t now = notify_now_ms(n), first_raised = now;
	bool gave_up = false;

	for (size_t i = 0; i < s->nsent; i++) {
		struct item *it = s->sent[i];

		if (it->raised_ms < first_raised)
			first_raised = it->raised_ms;

		it->in_flight = false;
		it->attempts++;
		if (m->ok) {
			store_outbox_set(n->o.store, it->id, OUTBOX_SENT, it->attempts, now, NULL);
		} else if (now - it->raised_ms >= m->nt->retry_for_ms) {
			store_outbox_set(n->o.store, it->id, OUTBOX_FAILED, it->attempts, now, m->detail);
			gave_up = true;
		} else {
			/* still pending, its attempts counted in the row: a restart goes on from there */
			store_outbox_set(n->o.store, it->id, OUTBOX_PENDING, it->attempts, 0, NULL);
			it->due = notify_mono_ms() + notify_backoff_ms(it->attempts);
			continue;
		}
		notify_items_remove(n, it);
	}
	record(n, m, m->ok ? "delivered" : gave_up ? "failed" : "retry");
	if (n->o.wrote)
		n->o.wrote(n->o.wrote_ud);
	if (m->ok) {
		s->fails = 0;
		s->last[0] = '\0';
		notify_logf(n, "notify %s: %s delivered (%zu alert%s, %lld ms after the first was raised): %s", m->nt->name,
		      alert_kind_name(m->g.kind), m->g.n, m->g.n == 1 ? "" : "s", (long long)(now - first_raised),
		      m->detail);
	} else {
		s->fails++;
		s->fail_ms = now;
		snprintf(s->last, sizeof(s->last), "%s", m->detail);
		notify_logf(n, "notify %s: %s %s (%zu alert%s): %s%s", m->nt->name, alert_kind_name(m->g.kind),
		      gave_up ? "given up" : "failed", m->g.n, m->g.n == 1 ? "" : "s", m->detail,
		      gave_up ? "" : "; will retry");
	}
	free(s->sent);
	s->sent = NULL;
	s->nsent = 0;
	s->msg = NULL;
	notify_msg_free(m);
	notify_kick(n, 0);
}

/* Whether it is held back by the canary: an endpoint alert while the check runs or failed. */
bool notify_held(const struct notify *n, const struct item *it)
{
	return n->cfg->canary.n && n->o.prober && it->a.kind != ALERT_LOCAL_NETWORK && it->a.kind != ALERT_TEST &&
	       (n->net_down || canary_running(n->canary) || !n->canary_at);
}

/* Sends the due items of notifier state s as one message, if any are due. */
static void send_due(struct notify *n, struct nstate *s, int64_t mono)
{
	const struct notifier *nt = config_notifier(n->cfg, s->name);
	struct item *first = NULL;
	struct alert_group g;

	if (s->msg || !nt)
		return;
	if (nt->type == NOTIFIER_ALERTMANAGER) {
		notify_am_hand(n, s, nt, mono);
		return;
	}
	for (size_t i = 0; i < n->nitems && !first; i++)
		if (!n->items[i]->in_flight && n->items[i]->due <= mono && !strcmp(n->items[i]->notifier, s->name) &&
		    !notify_held(n, n->items[i]))
			first = n->items[i];
	if (!first)
		return;
	alert_group_init(&g, first->a.kind, notify_now_ms(n) / 1000);
	for (size_t i = 0; i < n->nitems; i++) {
		struct item *it = n->items[i];

		if (it->in_flight || it->due > mono || it->a.kind != first->a.kind || strcmp(it->notifier, s->name) ||
		    notify_held(n, it))
			continue;
		if (g.n && nt->group_wait_ms == 0)
			break; /* group_wait 0: each alone */
		it->in_flight = true;
		alert_group_add(&g, &it->a);
		s->sent = xrealloc(s->sent, (s->nsent + 1) * sizeof(*s->sent));
		s->sent[s->nsent++] = it;
	}
	s->window[first->a.kind] = 0;
	s->msg = notify_msg_new(nt, &g, n->o.loop, n->o.prober, msg_done, n);
	s->msg->cfg = config_ref(n->cfg);
	notify_msg_start(s->msg);
}

static int64_t tick_cb(struct loop *l, uint64_t id, void *ud)
{
	struct notify *n = ud;
	int64_t mono = notify_mono_ms(), next = INT64_MAX;
	bool reminders = false;

	(void)l;
	(void)id;
	reminders_due(n, notify_now_ms(n));
	/* items of notifiers gone from the config are dropped (their rows stay pending for a later config) */
	for (size_t i = 0; i < n->nitems; i++) {
		struct item *it = n->items[i];

		if (!it->in_flight && !config_notifier(n->cfg, it->notifier)) {
			notify_items_remove(n, it);
			i--;
		}
	}
	notify_canary_due(n, mono, &next);
	for (size_t i = 0; i < n->cfg->n_notifiers; i++) {
		send_due(n, notify_nstate(n, n->cfg->notifiers[i].name), mono);
		reminders |= n->cfg->notifiers[i].remind_ms > 0;
	}
	for (size_t i = 0; i < n->nitems; i++)
		if (!n->items[i]->in_flight && n->items[i]->due < next && !notify_nstate(n, n->items[i]->notifier)->msg &&
		    !notify_held(n, n->items[i]))
			next = n->items[i]->due;
	if (reminders && next > mono + REMIND_CHECK_MS)
		next = mono + REMIND_CHECK_MS;
	if (next == INT64_MAX) {
		n->timer = 0;
		return LOOP_TIMER_STOP;
	}
	return next > mono ? next - mono : 0;
}

/* ---- life ---- */

static void mark_cb(void *ud, const char *key, int64_t value)
{
	struct notify *n = ud;

	strlist_push(&n->mark_keys, key);
	hashmap_sput(&n->marks, n->mark_keys.v[n->mark_keys.n - 1], (uint64_t)value);
}

/*
 * Notifier name's failed attempts in a row, newest first, in deliveries d
 * (newest first): an attempt is the rows of one time (an Alertmanager
 * round has one per member), failed when none of them was delivered.
 * last gets the newest failed attempt's error (of its first member), *t_ms
 * its time.
 */
static int attempts_failed(const struct delivery_row *d, size_t n, const char *name, char *last, size_t len,
			   int64_t *t_ms)
{
	int fails = 0;

	last[0] = '\0';
	*t_ms = 0;
	for (size_t i = 0; i < n;) {
		size_t end = i + 1;
		bool delivered, mine = !strcmp(d[i].notifier, name);

		while (end < n && d[end].t_ms == d[i].t_ms && !strcmp(d[end].notifier, d[i].notifier))
			end++;
		delivered = false;
		for (size_t k = i; k < end; k++)
			delivered |= !strcmp(d[k].result, "delivered");
		if (mine && delivered)
			break;
		if (mine && (!strcmp(d[i].result, "retry") || !strcmp(d[i].result, "failed"))) {
			if (!fails++) {
				snprintf(last, len, "%s", d[end - 1].error); /* written in member order */
				*t_ms = d[i].t_ms;
			}
		}
		i = end;
	}
	return fails;
}

/*
 * The notifiers that were failing when the last run stopped, from the
 * delivery history: the header says so from the start, as a viewer of the
 * same file does (notify_failing_rows), not only after two more failures.
 */
static void failing_resume(struct notify *n)
{
	struct delivery_row *d;
	size_t nd;

	if (store_deliveries(n->o.store, 0, NOTIFY_FAILING_ROWS, &d, &nd) != 0)
		return;
	for (size_t i = 0; i < nd; i++) {
		struct nstate *s;
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(d[k].notifier, d[i].notifier);
		if (seen)
			continue;
		s = notify_nstate(n, d[i].notifier);
		s->fails = attempts_failed(d, nd, d[i].notifier, s->last, sizeof(s->last), &s->fail_ms);
	}
	free(d);
}

/* The outbox's pending rows, from a collector that stopped or was killed before they went. */
static int resume(struct notify *n, char *err, size_t errlen)
{
	struct outbox_row *rows;
	size_t nrows;
	int64_t mono = notify_mono_ms();

	if (!n->o.store)
		return 0;
	n->seq = store_outbox_max_id(n->o.store);
	if (n->seq < 0 || store_outbox_pending(n->o.store, &rows, &nrows) != 0 ||
	    store_alert_marks(n->o.store, "cert:", mark_cb, n) != 0) {
		snprintf(err, errlen, "cannot read the alert outbox");
		return -1;
	}
	for (size_t i = 0; i < nrows; i++)
		notify_item_add(n, rows[i].id, rows[i].notifier, &rows[i].a, rows[i].attempts, rows[i].a.time_s * 1000, mono);
	if (nrows)
		notify_logf(n, "alerts: %zu pending from the last run, delivering", nrows);
	store_outbox_rows_free(rows, nrows);
	failing_resume(n);
	return 0;
}

struct notify *notify_new(const struct notify_opts *o, struct config *cfg, char *err, size_t errlen)
{
	struct notify *n = xcalloc(1, sizeof(*n));

	n->o = *o;
	n->cfg = config_ref(cfg);
	hashmap_init(&n->ep_index, HASHMAP_STR);
	hashmap_init(&n->marks, HASHMAP_STR);
	if (resume(n, err, errlen) != 0) {
		notify_free(n);
		return NULL;
	}
	notify_kick(n, 0);
	return n;
}

void notify_free(struct notify *n)
{
	if (!n)
		return;
	loop_timer_remove(n->o.loop, n->timer);
	canary_free(n->canary);
	for (size_t i = 0; i < n->nns; i++) {
		notify_am_free(&n->ns[i]);
		notify_msg_free(n->ns[i].msg);
		free(n->ns[i].sent);
		free(n->ns[i].name);
	}
	free(n->ns);
	for (size_t i = 0; i < n->nitems; i++)
		item_free(n->items[i]);
	free(n->items);
	for (size_t i = 0; i < n->neps; i++)
		epstate_free(n->eps[i]);
	free(n->eps);
	hashmap_done(&n->ep_index);
	hashmap_done(&n->marks);
	strlist_done(&n->mark_keys);
	config_unref(n->cfg);
	free(n);
}

void notify_set_config(struct notify *n, struct config *cfg)
{
	/* a message in flight holds its own reference: its notifier stays valid */
	config_ref(cfg);
	config_unref(n->cfg);
	n->cfg = cfg;
	notify_kick(n, 0);
}

size_t notify_pending(const struct notify *n)
{
	return n ? n->nitems : 0;
}

bool notify_busy(const struct notify *n)
{
	int64_t mono = notify_mono_ms();

	for (size_t i = 0; n && i < n->nns; i++)
		if (n->ns[i].msg)
			return true;
	for (size_t i = 0; n && i < n->nitems; i++)
		if (n->items[i]->due <= mono && n->items[i]->attempts == 0)
			return true;
	return false;
}

const char *notify_failing_rows(const struct delivery_row *d, size_t n, char *buf, size_t len)
{
	char last[sizeof(((struct nstate *)0)->last)];
	int64_t t;

	buf[0] = '\0';
	/* the first notifier met, newest first, that qualifies is the one that failed last */
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		for (size_t k = 0; k < i && !seen; k++)
			seen = !strcmp(d[k].notifier, d[i].notifier);
		if (!seen && attempts_failed(d, n, d[i].notifier, last, sizeof(last), &t) >= FAILING_AFTER) {
			snprintf(buf, len, "notify %s failing: %s", d[i].notifier, last);
			break;
		}
	}
	return buf;
}

const char *notify_failing(const struct notify *n, char *buf, size_t len)
{
	const struct nstate *worst = NULL;

	/* the one that failed last, as the viewer picks it from the delivery history (alert_failing) */
	for (size_t i = 0; n && i < n->nns; i++)
		if (n->ns[i].fails >= FAILING_AFTER && (!worst || n->ns[i].fail_ms > worst->fail_ms))
			worst = &n->ns[i];
	buf[0] = '\0';
	if (worst)
		snprintf(buf, len, "notify %s failing: %s", worst->name, worst->last);
	return buf;
}
