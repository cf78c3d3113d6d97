/*
 * app_ctl: the operator's controls on the collector (probe now, pause and
 * resume, the viewers' requests left in the history) and the accessors the
 * dashboard reads the collector through. The loop itself is app.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "httpsmon/notify.h"
#include "httpsmon/sched.h"
#include "httpsmon/serve.h"
#include "httpsmon/store.h"
#include "httpsmon/util.h"
#include "app_int.h"

void app_probe_now(struct app *a, const char *name)
{
	const struct ep_status *s = monitor_find(a->mon, name);

	if (s)
		sched_probe_now(a->sched, s->id, app_mono_ms());
}

void app_set_paused(struct app *a, const char *name, bool pause)
{
	const struct ep_status *s = monitor_find(a->mon, name);

	if (!s || (s->live == LIVE_PAUSED) == pause)
		return;
	/*
	 * Pause lives in one place, the monitor's live state (kept in the store
	 * across restarts): it survives a reload that restarts the endpoint's
	 * schedule, start_due skips a paused endpoint when it comes due, and a
	 * result already in flight is recorded but not judged. Resuming probes
	 * at once.
	 */
	monitor_set_paused(a->mon, name, pause, util_now_ms());
	serve_changed(a->serve);
	if (!pause)
		sched_probe_now(a->sched, s->id, app_mono_ms());
}

void app_toggle_pause(struct app *a, const char *name)
{
	const struct ep_status *s = monitor_find(a->mon, name);

	if (s)
		app_set_paused(a, name, s->live != LIVE_PAUSED);
}

/* One request a viewer left in the store (r, p in --view). */
static void do_request(struct app *a, const struct store_req *q, int64_t now_ms)
{
	const struct ep_status *s = monitor_find(a->mon, q->name);

	if (now_ms - q->t_ms > REQUEST_MAX_AGE_MS) {
		app_logf(a, "viewer request for %s dropped: asked %llds ago, before this collector ran", q->name,
		      (long long)((now_ms - q->t_ms) / 1000));
		return;
	}
	if (!s) {
		app_logf(a, "viewer request for %s dropped: no such endpoint in the running config", q->name);
		return;
	}
	switch (q->action) {
	case STORE_PROBE_NOW:
		if (s->live == LIVE_PAUSED) {
			app_logf(a, "%s: viewer asked for a probe, but it is paused", q->name);
			return;
		}
		app_logf(a, "%s: probing now (asked by a viewer)", q->name);
		app_probe_now(a, q->name);
		break;
	case STORE_PAUSE:
	case STORE_RESUME:
		/* the state event logs the change itself */
		app_set_paused(a, q->name, q->action == STORE_PAUSE);
		break;
	}
}

/* Takes the viewers' requests once a second: one read of an empty table when there are none. */
int64_t app_request_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;
	struct store_req q[REQUESTS_PER_POLL];
	int n;

	(void)l;
	(void)id;
	if (a->stop) {
		a->request_timer = 0;
		return LOOP_TIMER_STOP;
	}
	n = store_take_requests(a->store, q, REQUESTS_PER_POLL);
	for (int i = 0; i < n; i++)
		do_request(a, &q[i], util_now_ms());
	return REQUEST_POLL_MS;
}

struct monitor *app_monitor(const struct app *a)
{
	return a->mon;
}

const char *app_notify_failing(const struct app *a, char *buf, size_t n)
{
	if (!a || !a->notify) {
		buf[0] = '\0';
		return buf;
	}
	return notify_failing(a->notify, buf, n);
}

const char *app_store_problem(const struct app *a)
{
	const char *why;

	if (!a->store_failing)
		return NULL;
	why = store_last_error(a->store);
	return why && *why ? why : "write failed";
}

uint64_t app_store_write_errors(const struct app *a)
{
	return a->store_write_errors;
}

struct store *app_store(const struct app *a)
{
	return a->store;
}

struct loop *app_loop(const struct app *a)
{
	return a->loop;
}

struct mutes *app_mutes(const struct app *a)
{
	return a->mutes;
}

const char *app_config_path(const struct app *a)
{
	return a->config_path;
}

const char *app_config_error(const struct app *a)
{
	return a->config_error;
}

int64_t app_config_loaded_ms(const struct app *a)
{
	return a->config_loaded_ms;
}
