/*
 * notify_hold: the canary's side of the alert engine. When every canary
 * (this box's own network) fails, endpoint alerts are held and one
 * local_network alert goes to each notifier instead; once a canary answers
 * the held alerts go out if the endpoint still shows what they say, else
 * they are dropped as suppressed, with why. The outages opened meanwhile
 * are marked local_network in the history. The connects themselves are
 * notify_canary.c's; the engine's state is notify.c's (notify_int.h).
 */
#include <stdio.h>
#include <string.h>

#include "httpsmon/notify.h"
#include "httpsmon/store.h"
#include "httpsmon/util.h"
#include "notify_int.h"

/* One local_network alert to every notifier that has alerts held, instead of them. */
static void local_network_raise(struct notify *n, const char *detail)
{
	int64_t now = notify_now_ms(n), mono = notify_mono_ms();
	char msg[400];
	size_t held_n = 0;

	for (size_t i = 0; i < n->nitems; i++)
		held_n += notify_held(n, n->items[i]);
	snprintf(msg, sizeof(msg), "every canary failed (%s): this box's network is down; %zu alert%s held until it "
		 "is back", detail, held_n, held_n == 1 ? "" : "s");
	notify_logf(n, "alerts: %s", msg);
	for (size_t k = 0; k < n->cfg->n_notifiers; k++) {
		const struct notifier *nt = &n->cfg->notifiers[k];
		struct alert a;
		bool has = false;

		for (size_t i = 0; i < n->nitems && !has; i++)
			has = !strcmp(n->items[i]->notifier, nt->name);
		if (!has)
			continue;
		alert_init(&a, ALERT_LOCAL_NETWORK);
		a.time_s = a.since_s = now / 1000;
		alert_set(&a.endpoint, "(this host)");
		alert_set(&a.state, "LOCAL_NETWORK");
		alert_set(&a.reason, "local_network");
		alert_set(&a.message, msg);
		a.id = ++n->seq;
		store_outbox_add(n->o.store, a.id, nt->name, &a, OUTBOX_PENDING, NULL);
		notify_item_add(n, a.id, nt->name, &a, 0, now, mono);
		alert_done(&a);
	}
}

/*
 * The network is back: what was held goes out if the endpoint still shows
 * it (a down while it is still down), else is dropped with why (and the
 * up of an outage whose down was dropped with it).
 */
static void held_release(struct notify *n)
{
	struct strlist dropped = { 0 };

	for (size_t i = 0; i < n->nitems; i++) {
		struct item *it = n->items[i];
		uint64_t k;
		bool gone = false;

		if (it->in_flight || it->a.kind == ALERT_LOCAL_NETWORK || it->a.kind == ALERT_TEST)
			continue;
		if (it->a.kind == ALERT_DOWN || it->a.kind == ALERT_REMINDER)
			gone = !(hashmap_sget(&n->ep_index, it->a.endpoint, &k) && n->eps[k]->in_outage);
		else if (it->a.kind == ALERT_UP)
			for (size_t j = 0; j < dropped.n && !gone; j++)
				gone = !strcmp(dropped.v[j], it->a.endpoint);
		if (!gone)
			continue;
		if (it->a.kind == ALERT_DOWN)
			strlist_push(&dropped, it->a.endpoint);
		store_outbox_set(n->o.store, it->id, OUTBOX_SUPPRESSED, it->attempts, notify_now_ms(n),
				 "held while this box's network was down; the endpoint is no longer down");
		notify_items_remove(n, it);
		i--;
	}
	if (dropped.n)
		notify_logf(n, "alerts: network back; %zu down alert%s dropped (recovered meanwhile)", dropped.n,
		      dropped.n == 1 ? "" : "s");
	strlist_done(&dropped);
}

/*
 * The outages whose down alerts this failed check holds are marked
 * local_network in the history: they opened while this box's own network
 * was down (notify_event marks those opening later, while it stays down).
 */
static void held_mark(struct notify *n)
{
	for (size_t i = 0; i < n->nitems; i++) {
		const struct item *it = n->items[i];
		uint64_t k;

		if (it->a.kind != ALERT_DOWN || !notify_held(n, it) || !it->a.endpoint ||
		    !hashmap_sget(&n->ep_index, it->a.endpoint, &k))
			continue;
		if (n->eps[k]->in_outage && n->eps[k]->outage_start_ms / 1000 == it->a.since_s)
			store_mark_outage(n->o.store, n->eps[k]->name, n->eps[k]->outage_start_ms,
					  STORE_MARK_LOCAL_NETWORK);
	}
}

static void canary_cb(void *ud, bool ok, const char *detail)
{
	struct notify *n = ud;

	n->canary_at = notify_mono_ms();
	if (!ok && !n->net_down) {
		n->net_down = true;
		held_mark(n);
		local_network_raise(n, detail);
	} else if (ok && n->net_down) {
		n->net_down = false;
		notify_logf(n, "alerts: a canary answers again: sending what was held");
		held_release(n);
	}
	if (n->o.wrote)
		n->o.wrote(n->o.wrote_ud);
	notify_kick(n, 0);
}

/* A check when endpoint alerts wait for one (none fresh), and the next tick for the one after. */
void notify_canary_due(struct notify *n, int64_t mono, int64_t *next)
{
	bool waiting = false;

	if (!n->cfg->canary.n || !n->o.prober) {
		n->net_down = false;
		return;
	}
	for (size_t i = 0; i < n->nitems && !waiting; i++)
		waiting = !n->items[i]->in_flight && n->items[i]->a.kind != ALERT_LOCAL_NETWORK &&
			  n->items[i]->a.kind != ALERT_TEST && n->items[i]->due <= mono;
	if (waiting && n->canary_at && mono - n->canary_at >= CANARY_TTL_MS && !n->net_down)
		n->canary_at = 0; /* stale: this batch waits for a fresh check */
	if (waiting && !canary_running(n->canary) && (!n->canary_at || n->net_down) &&
	    (!n->canary_at || mono - n->canary_at >= (n->net_down ? CANARY_TTL_MS : 0))) {
		if (!n->canary)
			n->canary = canary_new(n->o.prober, canary_cb, n);
		canary_check(n->canary, &n->cfg->canary, CANARY_TIMEOUT_MS);
	}
	if (waiting && n->net_down && n->canary_at + CANARY_TTL_MS < *next)
		*next = n->canary_at + CANARY_TTL_MS;
}
