/*
 * notify_am: the alertmanager notifier's side of the alert engine. Its
 * alerts reach Alertmanager by one path only, the notifier's am_send (am.h,
 * am_send.h): an item that is due (and not held by the canary) is handed
 * over once and stays in flight there; am_send sends it in its next round
 * together with everything still firing, and keeps re-sending. Each
 * round's report (every member answered) settles the items it carried:
 * delivered when any member took it, else one more attempt, given up
 * after retry_for; and becomes the notifier's delivery history.
 *
 * History: one delivery row per round per member url, whatever the number
 * of alerts in it (the count column says how many). A row per alert per
 * round would write a thousand rows a minute during a storm of a thousand
 * firing endpoints at resend = 1m, burying the attempts that matter; no
 * row for resends would hide a member that has been refusing them for
 * hours. A round that carries no new alert is kind "resend".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/am_send.h"
#include "httpsmon/util.h"
#include "notify_int.h"

/* What am_send calls back with: the engine and the notifier's name (nstates move when they grow). */
struct am_ctx {
	struct notify *n;
	char *name;
};

/* The kind column of a round: its new alerts' kind, "mixed" when several, "resend" when none. */
static void round_kind(char *kinds, size_t len, const char *kind)
{
	if (!kinds[0] || !strcmp(kinds, "resend"))
		snprintf(kinds, len, "%s", kind);
	else if (strcmp(kinds, kind))
		snprintf(kinds, len, "mixed");
}

/*
 * The items of notifier name that the round carried: delivered, retried,
 * or given up. Returns whether any was given up; *first_raised: when the
 * oldest of them was raised (wall ms), *nnew: how many there were.
 */
static bool round_items(struct notify *n, const char *name, const struct notifier *nt,
			const struct am_send_report *rep, const char *detail, char *kinds, size_t klen,
			int64_t *first_raised, size_t *nnew)
{
	int64_t now = notify_now_ms(n);
	bool gave_up = false;

	*first_raised = now;
	*nnew = 0;
	snprintf(kinds, klen, "resend");
	for (size_t k = 0; k < rep->nids; k++) {
		struct item *it = NULL;

		for (size_t i = 0; i < n->nitems && !it; i++)
			if (n->items[i]->id == rep->ids[k] && n->items[i]->in_flight && !strcmp(n->items[i]->notifier, name))
				it = n->items[i];
		if (!it)
			continue; /* given up before, or not an outbox row: am_send keeps it anyway */
		round_kind(kinds, klen, alert_kind_name(it->a.kind));
		(*nnew)++;
		if (it->raised_ms < *first_raised)
			*first_raised = it->raised_ms;
		it->attempts++;
		if (rep->accepted) {
			store_outbox_set(n->o.store, it->id, OUTBOX_SENT, it->attempts, now, NULL);
		} else if (!nt || now - it->raised_ms >= nt->retry_for_ms) {
			store_outbox_set(n->o.store, it->id, OUTBOX_FAILED, it->attempts, now, detail);
			gave_up = true;
		} else {
			/* still in am_send's hands (it retries on its own); the row counts the attempt */
			store_outbox_set(n->o.store, it->id, OUTBOX_PENDING, it->attempts, 0, NULL);
			continue;
		}
		notify_items_remove(n, it);
	}
	return gave_up;
}

/* One delivery row per member: what it answered to this round. */
static void round_record(struct notify *n, const char *name, const struct am_send_report *rep, const char *kinds,
			 bool gave_up)
{
	for (size_t i = 0; i < rep->nmembers; i++) {
		const struct xfer_result *r = &rep->members[i].r;
		struct delivery_row d = { .t_ms = rep->started_ms, .count = (int)rep->nalerts, .code = (int)r->status };

		snprintf(d.notifier, sizeof(d.notifier), "%s", name);
		snprintf(d.kind, sizeof(d.kind), "%s", kinds);
		notify_endpoints_text(d.endpoints, sizeof(d.endpoints), rep->endpoints);
		/* retry: the round goes again; failed: this member missed it (or the alert was given up) */
		snprintf(d.result, sizeof(d.result), "%s",
			 r->delivered ? "delivered" : rep->accepted || gave_up ? "failed" : "retry");
		snprintf(d.error, sizeof(d.error), "%s", r->delivered ? "" : r->detail);
		notifier_secret(d.target, sizeof(d.target), rep->members[i].url);
		store_add_delivery(n->o.store, &d);
	}
}

static void report_cb(void *ud, const struct am_send_report *rep)
{
	struct am_ctx *c = ud;
	struct notify *n = c->n;
	struct nstate *s = notify_nstate(n, c->name);
	const struct notifier *nt = config_notifier(n->cfg, c->name);
	const char *detail = "";
	char kinds[16];
	int64_t first_raised;
	size_t nnew;
	bool gave_up;

	for (size_t i = 0; i < rep->nmembers && !*detail; i++)
		if (!rep->members[i].r.delivered)
			detail = rep->members[i].r.detail;
	gave_up = round_items(n, c->name, nt, rep, detail, kinds, sizeof(kinds), &first_raised, &nnew);
	round_record(n, c->name, rep, kinds, gave_up);
	if (rep->accepted) {
		if (nnew) /* resends are in the delivery history, not the log */
			notify_logf(n, "notify %s: %s delivered (%zu alert%s, %lld ms after the first was raised; "
				    "%zu in the round)", c->name, kinds, nnew, nnew == 1 ? "" : "s",
				    (long long)(notify_now_ms(n) - first_raised), rep->nalerts);
		s->fails = 0;
		s->last[0] = '\0';
	} else {
		/* the first failure and every give-up: not every retry of a long outage of Alertmanager */
		if (!s->fails || gave_up)
			notify_logf(n, "notify %s: %s %s: %s%s", c->name, kinds, gave_up ? "given up" : "failed", detail,
				    gave_up ? "" : "; will retry");
		s->fails++;
		s->fail_ms = rep->started_ms; /* the rows' time: the viewer compares the same */
		snprintf(s->last, sizeof(s->last), "%s", detail);
	}
	if (n->o.wrote)
		n->o.wrote(n->o.wrote_ud);
	notify_kick(n, 0);
}

void notify_am_keep(struct notify *n, const struct notifier *nt, const struct alert *a, int64_t now)
{
	struct nstate *s = notify_nstate(n, nt->name);
	char host[256], err[256];

	if (!s->am && n->o.prober) {
		struct am_ctx *c = xcalloc(1, sizeof(*c));
		struct am_send_opts o = { .urls = (const char *const *)nt->urls.v, .nurls = nt->urls.n,
					  .ca_file = nt->ca_file, .timeout_ms = nt->timeout_ms,
					  .resend_ms = nt->resend_ms,
					  .instance = notify_host_name(host, sizeof(host)),
					  .cb = report_cb, .ud = c };

		c->n = n;
		c->name = xstrdup(nt->name);
		s->am = am_send_new(n->o.loop, n->o.prober, &o, err, sizeof(err));
		if (s->am) {
			s->am_ctx = c;
		} else {
			notify_logf(n, "notify %s: cannot send to Alertmanager: %s", nt->name, err);
			free(c->name);
			free(c);
		}
	}
	if (s->am)
		am_send_push(s->am, a, now);
}

void notify_am_hand(struct notify *n, struct nstate *s, const struct notifier *nt, int64_t mono)
{
	int64_t now = notify_now_ms(n);

	for (size_t i = 0; i < n->nitems; i++) {
		struct item *it = n->items[i];

		if (it->in_flight || it->due > mono || strcmp(it->notifier, s->name) || notify_held(n, it))
			continue;
		notify_am_keep(n, nt, &it->a, now);
		if (s->am) {
			it->in_flight = true;
			continue;
		}
		/* no am_send (no prober, or a url it refused, logged): a failed attempt like any other */
		if (++it->attempts && now - it->raised_ms < nt->retry_for_ms) {
			it->due = mono + notify_backoff_ms(it->attempts);
			continue;
		}
		store_outbox_set(n->o.store, it->id, OUTBOX_FAILED, it->attempts, now, "no Alertmanager to send to");
		notify_items_remove(n, it);
		i--;
	}
}

void notify_am_free(struct nstate *s)
{
	am_send_free(s->am);
	s->am = NULL;
	if (s->am_ctx) {
		free(s->am_ctx->name);
		free(s->am_ctx);
		s->am_ctx = NULL;
	}
}
