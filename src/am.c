/*
 * am: the Alertmanager notifier's state (include/httpsmon/am.h). A small
 * array of entries, one per (endpoint, alertname), each a copy of the
 * alert that made it and when it stops being sent. Rounds are the whole
 * state, every time: Alertmanager deduplicates, and a member that missed
 * a round catches up on the next.
 */
#include "httpsmon/am.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/alert_format.h"
#include "httpsmon/util.h"

#define AM_UNACKED_KEEP_MS (24LL * 3600 * 1000)

enum entry_state { ENTRY_FIRING, ENTRY_RESOLVED, ENTRY_EVENT };

struct entry {
	struct alert a;        /* as pushed; for a resolved one end_s is set */
	enum entry_state state;
	int64_t until_ms;      /* resolved/event: the last round that carries it */
	int64_t *pending;      /* outbox ids not yet acknowledged: every alert merged into it */
	size_t npending;
};

struct am {
	int64_t resend_ms;
	char *instance;
	struct entry *v;
	size_t n, cap;
	int64_t next_ms;       /* next round; 0 = due now; -1 = nothing to send */
};

static void entry_done(struct entry *e)
{
	alert_done(&e->a);
	free(e->pending);
}

/*
 * Outbox id id (0: none, an alert of no row) waits for a round to be
 * acknowledged. A merged alert keeps the ids of the ones before it: the
 * engine learns of each row's delivery, none is left pending for ever.
 */
static void pending_add(struct entry *e, int64_t id)
{
	if (!id)
		return;
	for (size_t i = 0; i < e->npending; i++)
		if (e->pending[i] == id)
			return;
	e->pending = xrealloc(e->pending, (e->npending + 1) * sizeof(*e->pending));
	e->pending[e->npending++] = id;
}

struct am *am_new(int64_t resend_ms, const char *instance)
{
	struct am *m = xcalloc(1, sizeof(*m));

	m->resend_ms = resend_ms > 0 ? resend_ms : AM_DEFAULT_RESEND_MS;
	m->instance = xstrdup(instance ? instance : "");
	m->next_ms = -1;
	return m;
}

void am_free(struct am *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		entry_done(&m->v[i]);
	free(m->v);
	free(m->instance);
	free(m);
}

static bool str_eq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* The entry for a's (endpoint, alertname) in state st, or NULL. */
static struct entry *find(struct am *m, const struct alert *a, enum entry_state st)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i].state == st && str_eq(m->v[i].a.endpoint, a->endpoint) &&
		    strcmp(alert_am_alertname(m->v[i].a.kind), alert_am_alertname(a->kind)) == 0)
			return &m->v[i];
	return NULL;
}

static struct entry *add(struct am *m, const struct alert *a, enum entry_state st)
{
	struct entry *e;

	m->v = xgrow(m->v, m->n, &m->cap, sizeof(*m->v), 8);
	e = &m->v[m->n++];
	memset(e, 0, sizeof(*e));
	alert_copy(&e->a, a);
	e->state = st;
	pending_add(e, a->id);
	return e;
}

/* Turns a firing entry into a resolved one ending at end_s: sent with endsAt = end_s. */
static void resolve(struct entry *e, int64_t end_s, int64_t now_ms)
{
	e->a.end_s = end_s;
	e->state = ENTRY_RESOLVED;
	e->until_ms = now_ms + AM_RESOLVED_REPEAT_MS;
}

/* Same labels: same reason, same severity input. */
static bool same_labels(const struct alert *x, const struct alert *y)
{
	return x->kind == y->kind && str_eq(x->reason, y->reason) && x->critical == y->critical &&
	       strlist_equal(&x->tags, &y->tags);
}

void am_push(struct am *m, const struct alert *a, int64_t now_ms)
{
	struct entry *e;

	switch (a->kind) {
	case ALERT_REMINDER:
		return;
	case ALERT_UP:
	case ALERT_WARN_END: {
		struct alert f = *a;

		f.kind = a->kind == ALERT_UP ? ALERT_DOWN : ALERT_WARN;
		e = find(m, &f, ENTRY_FIRING);
		if (e) { /* the up alert's text, the down alert's labels (same alertname) */
			alert_done(&e->a);
			alert_copy(&e->a, a);
			pending_add(e, a->id);
		} else { /* a restart lost the firing entry: resolve by the alert's own labels */
			e = add(m, a, ENTRY_FIRING);
		}
		resolve(e, a->end_s > 0 ? a->end_s : now_ms / 1000, now_ms);
		break;
	}
	case ALERT_CERT_CHANGED:
	case ALERT_TEST:
		e = add(m, a, ENTRY_EVENT);
		e->until_ms = now_ms + 4 * m->resend_ms;
		break;
	default:
		e = find(m, a, ENTRY_FIRING);
		if (e && same_labels(&e->a, a)) {
			alert_done(&e->a); /* new annotations, same alert */
			alert_copy(&e->a, a);
			pending_add(e, a->id);
			break;
		}
		if (e)
			resolve(e, now_ms / 1000, now_ms);
		add(m, a, ENTRY_FIRING);
	}
	m->next_ms = 0;
}

int64_t am_round(struct am *m, int64_t now_ms, struct am_round *r)
{
	struct alert *v;
	size_t k = 0, w = 0;

	memset(r, 0, sizeof(*r));
	/* drop what ran out; the rest stays in order */
	for (size_t i = 0; i < m->n; i++) {
		struct entry *e = &m->v[i];

		/* an unacknowledged one is kept a day longer: the outbox's retry_for */
		if (e->state != ENTRY_FIRING && now_ms > e->until_ms &&
		    (!e->npending || now_ms > e->until_ms + AM_UNACKED_KEEP_MS))
			entry_done(e);
		else
			m->v[w++] = m->v[i];
	}
	m->n = w;
	if (!m->n) {
		m->next_ms = -1;
		return -1;
	}
	if (m->next_ms > now_ms)
		return m->next_ms - now_ms;
	v = xcalloc(m->n, sizeof(*v));
	for (size_t i = 0; i < m->n; i++) {
		v[k++] = m->v[i].a; /* shallow: the body is printed before the entries change */
		if (m->v[i].state == ENTRY_EVENT)
			v[k - 1].end_s = m->v[i].until_ms / 1000;
		for (size_t j = 0; j < m->v[i].npending; j++) {
			r->ids = xrealloc(r->ids, (r->nids + 1) * sizeof(*r->ids));
			r->ids[r->nids++] = m->v[i].pending[j];
		}
		strlist_push(&r->endpoints, m->v[i].a.endpoint ? m->v[i].a.endpoint : "");
	}
	r->body = alert_format_am_v2(v, k, m->instance, (now_ms + 4 * m->resend_ms) / 1000);
	r->nalerts = k;
	free(v);
	m->next_ms = now_ms + m->resend_ms;
	return m->resend_ms;
}

void am_round_done(struct am_round *r)
{
	free(r->body);
	free(r->ids);
	strlist_done(&r->endpoints);
	memset(r, 0, sizeof(*r));
}

void am_due_at(struct am *m, int64_t at_ms)
{
	if (m->n && (m->next_ms < 0 || at_ms < m->next_ms))
		m->next_ms = at_ms;
}

void am_acked(struct am *m, const struct am_round *r)
{
	for (size_t j = 0; j < m->n; j++) {
		struct entry *e = &m->v[j];
		size_t w = 0;

		for (size_t k = 0; k < e->npending; k++) {
			bool acked = false;

			for (size_t i = 0; i < r->nids && !acked; i++)
				acked = e->pending[k] == r->ids[i];
			if (!acked)
				e->pending[w++] = e->pending[k];
		}
		e->npending = w;
	}
}

size_t am_count(const struct am *m)
{
	return m->n;
}
