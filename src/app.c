/*
 * app: the collector, on the event loop (see app.h).
 *
 * Owns the running config (through the monitor), the scheduler, the probe
 * engine and the store, and what it registers on the loop:
 *  - SIGTERM, SIGINT (stop) and SIGHUP (reload), through the loop's
 *    signalfd, so a signal never interrupts a half-done callback. A
 *    second SIGINT or SIGTERM while stopping hurries the stop: no more
 *    waiting for probes in flight, the queue straight to the spill file.
 *    While the last write runs (it can block on a slow or stuck disk, with
 *    the loop not running), one more makes the collector exit at once with
 *    one line saying what was not saved;
 *  - an inotify watch on the config file's directory; a change arms the
 *    reload timer (RELOAD_SETTLE_MS, pushed back by each further change);
 *  - timers: the next due probe, the next store flush (only while writes
 *    are queued: once a second, or when the store's backoff says), and
 *    retention (5 s after start, then every 10 minutes, pass after pass
 *    while it has more to delete), and the viewers' requests (r and p in
 *    --view, left in the store: taken once a second);
 *  - a before-sleep hook: commits the pass's results at once when an event
 *    happened or FLUSH_AT_ROWS are queued, and re-arms the probe and flush
 *    timers (results, reloads and keys change when they are due);
 *  - the probe engine as the loop's wait (prober_attach).
 * Endpoint ids come from the monitor and are the scheduler ids and the
 * probe tags, so a result finds its endpoint even across reloads.
 *
 * Events: the monitor reports them from inside the probe engine's
 * completion (curl_multi_info_read), so event_cb only copies them into a
 * queue; deliver_events() logs them and tells the caller's listener on the
 * loop's side, after the pass (first thing in the before-sleep hook, so a
 * dashboard hooked after the app draws them in the same pass; between the
 * passes of app_shutdown), in the order they happened.
 *
 * Time: the scheduler runs on the monotonic clock (no jumps), results and
 * history on the wall clock.
 */
#include "httpsmon/app.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/notify.h"
#include "httpsmon/probe.h"
#include "httpsmon/sched.h"
#include "httpsmon/serve.h"
#include "httpsmon/util.h"
#include "app_int.h"

#define FLUSH_EVERY_MS      1000  /* a burst of results costs one transaction */
#define FLUSH_AT_ROWS       500
#define RETENTION_EVERY_MS  (10 * 60 * 1000)
#define RELOAD_SETTLE_MS    150   /* editors write in several steps */
#define TAKE_PER_PASS       256

/* One log line: UTC time, then the (sanitised) text. */
void app_logf(struct app *a, const char *fmt, ...)
{
	char raw[2048], safe[4096], t[40];
	va_list ap;

	if (!a->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	util_sanitize(raw, strlen(raw), safe, sizeof(safe));
	fprintf(a->o.log, "%s %s\n", util_fmt_time_utc(t, sizeof(t), util_now_ms() / 1000), safe);
	fflush(a->o.log);
}

/* A reload or history notice to the listener, if any (never from inside the probe engine). */
static void notice(struct app *a, enum app_notice_kind kind, size_t count, const char *text)
{
	struct app_notice n = { .kind = kind, .t_ms = util_now_ms(), .text = text, .count = count };

	if (a->o.on_notice)
		a->o.on_notice(a->o.ud, &n);
}

static void say(struct app *a, enum app_notice_kind kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A history problem (or its end) for the log and the listener alike. */
static void say(struct app *a, enum app_notice_kind kind, const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	app_logf(a, "%s", text);
	notice(a, kind, 0, text);
}

int64_t app_mono_ms(void)
{
	return util_mono_us() / 1000;
}

/*
 * An outage that opens in one of its endpoint's maintenance windows is
 * marked so (its alerts are held: see alert_quiet_cb), whether or not the
 * endpoint names a notifier: the history tells planned work from failures.
 */
static void outage_maintenance(struct app *a, const struct ep_status *s)
{
	char why[256];

	if (s && s->in_outage &&
	    mutes_hold_endpoint(NULL, monitor_config(a->mon), s->ep, util_now_ms(), why, sizeof(why)) == HOLD_MAINTENANCE)
		store_mark_outage(a->store, s->name, s->outage_start_ms, STORE_MARK_MAINTENANCE);
}

/* Called inside the monitor, usually inside a curl callback: queue only. */
static void event_cb(void *ud, const struct mon_event *ev)
{
	struct app *a = ud;

	/* the alert engine queues its outbox rows right behind the outage this event wrote */
	notify_event(a->notify, ev, monitor_find(a->mon, ev->name));
	if (ev->kind == MEV_OUTAGE_START)
		outage_maintenance(a, monitor_find(a->mon, ev->name));

	a->evq = xgrow(a->evq, a->evq_n, &a->evq_cap, sizeof(*a->evq), 16);
	a->evq[a->evq_n++] = (struct queued_event){ .kind = ev->kind, .name = xstrdup(ev->name),
						    .t_ms = ev->t_ms, .text = xstrdup(ev->text) };
	/*
	 * Events are rare and what a viewer reacts to: commit them before the
	 * pass ends so a history read right after (the dashboard's) sees them.
	 */
	a->flush_now = true;
}

static void events_drop(struct app *a, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(a->evq[i].name);
		free(a->evq[i].text);
	}
	if (n < a->evq_n)
		memmove(a->evq, a->evq + n, (a->evq_n - n) * sizeof(*a->evq));
	a->evq_n -= n;
}

/* The queued events to the log and the listener, outside any callback of the probe engine. */
static void deliver_events(struct app *a)
{
	/* a listener may act on the app: what that causes waits for the next delivery */
	size_t n = a->evq_n;

	for (size_t i = 0; i < n; i++) {
		const struct queued_event *q = &a->evq[i];
		struct mon_event ev = { .kind = q->kind, .name = q->name, .t_ms = q->t_ms, .text = q->text };

		app_logf(a, "%s %s: %s", ev.name, mon_event_name(ev.kind), ev.text);
		if (a->o.on_event)
			a->o.on_event(a->o.ud, &ev);
		/* after the listeners: the alert of this outage's end still sees the mute */
		if (ev.kind == MEV_OUTAGE_END && a->mutes)
			mutes_endpoint_up(a->mutes, a->store, ev.name, util_now_ms());
	}
	events_drop(a, n);
}

static void on_probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	struct app *a = ud;
	const struct ep_status *s = monitor_find_id(a->mon, tag);

	/* a result for an endpoint removed or restarted since is dropped */
	if (s && !strcmp(s->name, ep->name)) {
		monitor_result(a->mon, ep->name, r, util_now_ms());
		notify_result(a->notify, s);
		serve_probe_done(a->serve, r);
	}
	sched_done(a->sched, tag, app_mono_ms());
}

/*
 * The revocation look-ups a probe was judged without (pending, revoke.h)
 * have landed: probe the endpoint again now, so its verdict uses them
 * within a second rather than an interval later.
 */
static void on_revocation_landed(void *ud, uint64_t tag)
{
	struct app *a = ud;

	if (monitor_find_id(a->mon, tag))
		sched_probe_now(a->sched, tag, app_mono_ms());
}

/* Makes the scheduler match the monitor's endpoints. */
static void sched_sync(struct app *a, const struct config *old)
{
	int64_t now = app_mono_ms();

	for (size_t i = 0; i < monitor_count(a->mon); i++) {
		const struct ep_status *s = monitor_at(a->mon, i);
		const struct endpoint *was = old ? config_find(old, s->name) : NULL;

		if (was && !endpoint_equal(was, s->ep)) {
			/* changed: restart it, history kept (an endpoint is its name) */
			prober_cancel(a->prober, s->id);
			sched_remove(a->sched, s->id);
		}
		if (!sched_has(a->sched, s->id))
			sched_set(a->sched, s->id, s->name, s->ep->interval_ms, now);
		if (was && !endpoint_equal(was, s->ep))
			sched_probe_now(a->sched, s->id, now);
	}
}

/* Removes scheduler entries whose endpoint is gone (their ids are unknown to the monitor). */
static void sched_prune(struct app *a, uint64_t *ids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!monitor_find_id(a->mon, ids[i])) {
			prober_cancel(a->prober, ids[i]);
			sched_remove(a->sched, ids[i]);
		}
	}
}

static void inotify_cb(struct loop *l, int fd, unsigned events, void *ud);
static void signal_cb(struct loop *l, int signo, void *ud);
static void before_sleep(struct loop *l, void *ud);
/* `httpsmon mute` from a shell: seen within MUTE_POLL_MS (one PRAGMA read when nothing changed). */
static int64_t mute_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;

	(void)l, (void)id;
	mutes_poll(a->mutes, a->store, util_now_ms());
	return MUTE_POLL_MS;
}

static int64_t retention_cb(struct loop *l, uint64_t id, void *ud);

static const int app_signals[] = { SIGTERM, SIGINT, SIGHUP };

static int watch_config(struct app *a)
{
	const char *slash = strrchr(a->config_path, '/');

	a->config_dir = slash ? xstrndup(a->config_path, (size_t)(slash - a->config_path)) : xstrdup(".");
	if (!*a->config_dir) {
		free(a->config_dir);
		a->config_dir = xstrdup("/");
	}
	a->config_base = xstrdup(slash ? slash + 1 : a->config_path);
	a->ino_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (a->ino_fd < 0)
		return -1;
	if (inotify_add_watch(a->ino_fd, a->config_dir,
			      IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM) < 0 ||
	    loop_fd_add(a->loop, a->ino_fd, LOOP_READ, inotify_cb, a) != 0) {
		close(a->ino_fd);
		a->ino_fd = -1;
		return -1;
	}
	return 0;
}

/* The loop (the caller's, or one of its own), with the collector's signals, hook and timers. */
static int join_loop(struct app *a, int max_inflight, char *err, size_t errlen)
{
	a->loop = a->o.loop;
	if (!a->loop) {
		a->loop = loop_new(0, err, errlen);
		if (!a->loop)
			return -1;
		a->own_loop = true;
	}
	a->prober = prober_new(max_inflight, on_probe_done, a, err, errlen);
	if (!a->prober)
		return -1;
	prober_attach(a->prober, a->loop);
	prober_on_revocation(a->prober, on_revocation_landed, a);
	if (loop_signals_add(a->loop, app_signals, sizeof(app_signals) / sizeof(app_signals[0]), signal_cb, a) != 0) {
		snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
		return -1;
	}
	a->signals = true;
	loop_before_sleep_add(a->loop, before_sleep, a);
	a->hooked = true;
	if (watch_config(a) != 0)
		app_logf(a, "warning: cannot watch %s for changes (%s); reload with SIGHUP", a->config_path,
		      strerror(errno));
	a->next_flush_mono = app_mono_ms() + FLUSH_EVERY_MS;
	if (a->store) {
		a->retention_timer = loop_timer_add(a->loop, 5000, retention_cb, a); /* soon after start */
		a->request_timer = loop_timer_add(a->loop, REQUEST_POLL_MS, app_request_cb, a);
		a->mutes = mutes_new();
		mutes_poll(a->mutes, a->store, util_now_ms());
		a->mute_timer = loop_timer_add(a->loop, MUTE_POLL_MS, mute_cb, a);
	}
	return 0;
}

/* The alert engine wrote to the outbox: commit it in this pass (a delivery recorded late is sent twice). */
static void notify_wrote_cb(void *ud)
{
	((struct app *)ud)->flush_now = true;
}

/* The engine asks before each alert: muted (the mute table) or in a maintenance window? */
static bool alert_quiet_cb(void *ud, const struct endpoint *ep, int64_t now_ms, char *why, size_t n)
{
	struct app *a = ud;

	return mutes_hold_endpoint(a->mutes, monitor_config(a->mon), ep, now_ms, why, n) != HOLD_NONE;
}

static int start_alerts(struct app *a, struct config *cfg, char *err, size_t errlen)
{
	struct notify_opts no = { .loop = a->loop, .prober = a->prober, .store = a->store, .log = a->o.log,
				  .quiet = alert_quiet_cb, .quiet_ud = a,
				  .wrote = notify_wrote_cb, .wrote_ud = a };

	a->notify = notify_new(&no, cfg, err, errlen);
	return a->notify ? 0 : -1;
}

/* What the collector starts from, once: the endpoints known from the history, ongoing outages, pauses. */
static void log_restored(struct app *a)
{
	size_t known = 0, down = 0, paused = 0, n = monitor_count(a->mon);

	for (size_t i = 0; i < n; i++) {
		const struct ep_status *s = monitor_at(a->mon, i);

		known += s->from_history;
		down += s->in_outage;
		paused += s->live == LIVE_PAUSED;
	}
	if (known || down || paused)
		app_logf(a, "history: %zu of %zu endpoints start from their last stored probe (%zu in an ongoing outage,"
		      " %zu paused)", known, n, down, paused);
}

struct app *app_new(const struct app_opts *o, char *err, size_t errlen)
{
	struct app *a = xcalloc(1, sizeof(*a));
	struct config *cfg;
	char *db = NULL;

	a->o = *o;
	a->ino_fd = -1;
	a->config_path = xstrdup(o->config_path);
	cfg = config_load(a->config_path, err, errlen);
	if (!cfg)
		goto err;
	if (!o->no_db) {
		db = o->db_path ? xstrdup(o->db_path) : store_default_path();
		a->store = store_open(db, STORE_COLLECTOR, err, errlen);
		if (!a->store)
			goto err_cfg;
	}
	a->sched = sched_new();
	a->mon = monitor_new(a->store, event_cb, a);
	if (join_loop(a, cfg->max_inflight, err, errlen) != 0)
		goto err_cfg;
	monitor_set_config(a->mon, cfg, util_now_ms());
	if (start_alerts(a, cfg, err, errlen) != 0)
		goto err_cfg;
	if (cfg->listen && !(a->serve = serve_new(a, cfg, err, errlen)))
		goto err_cfg;
	config_unref(cfg);
	a->config_loaded_ms = util_now_ms();
	sched_sync(a, NULL);
	app_posture_sync(a, NULL);
	app_logf(a, "watching %zu endpoints from %s, history in %s", monitor_count(a->mon), a->config_path,
	      a->store ? db : "(none)");
	log_restored(a);
	if (a->serve)
		app_logf(a, "serving /metrics, /probe, /healthz and /api/v1 on %s://%s/", serve_scheme(a->serve),
			 cfg->listen);
	for (const char *p = store_notice(a->store), *nl; p && *p; p = nl ? nl + 1 : "") {
		nl = strchr(p, '\n');
		app_logf(a, "history: %.*s", (int)(nl ? nl - p : (long)strlen(p)), p);
	}
	free(db);
	return a;

err_cfg:
	config_unref(cfg);
err:
	free(db);
	app_free(a);
	return NULL;
}

/*
 * The last write of a stopping collector: whatever the backoff says, one
 * more flush; what still cannot be written goes to the spill file. Logs
 * what was lost, if anything. Returns 0 when every result of this run is
 * in the database or the spill file, -1 otherwise.
 */
static char urgent_line[160];
static size_t urgent_len;

/* Interrupted while the last write runs: out at once, with the line prepared before. */
static void urgent_exit(int signo)
{
	if (write(STDERR_FILENO, urgent_line, urgent_len) < 0) {
		/* nothing left to try: exiting is the point */
	}
	_exit(128 + signo);
}

/*
 * Around the last write: on, SIGINT and SIGTERM (blocked for the loop's
 * signalfd) go to urgent_exit instead, so one more Ctrl-C ends a write
 * stuck on the disk; off puts the loop's arrangement back.
 */
static void urgent_exit_arm(struct app *a, bool on)
{
	static struct sigaction old_int, old_term;
	static sigset_t old_mask;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (on) {
		struct sigaction sa = { .sa_handler = urgent_exit };

		snprintf(urgent_line, sizeof(urgent_line),
			 "httpsmon: interrupted while saving the history: exiting now, %zu queued results not saved\n",
			 store_queued(a->store));
		urgent_len = strlen(urgent_line);
		sigemptyset(&sa.sa_mask);
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		sigprocmask(SIG_UNBLOCK, &set, &old_mask);
	} else {
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
}

static int save_history(struct app *a)
{
	char msg[1024];
	uint64_t dropped;
	long n;

	if (!a->store || a->history_saved)
		return 0;
	a->history_saved = true;
	dropped = store_dropped(a->store);
	urgent_exit_arm(a, true);
	/* hurried: the spill file is one sequential write; a flush may wait on the database */
	if (store_queued(a->store) && (a->hurry || store_flush(a->store) != 0)) {
		const char *why = a->hurry ? "stopping at once" : store_last_error(a->store);
		char err[600];

		snprintf(err, sizeof(err), "%s", why ? why : "write failed");
		n = store_spill(a->store, msg, sizeof(msg));
		if (n >= 0) {
			app_logf(a, "history: %s; %s", err, msg);
		} else {
			app_logf(a, "history: %s; %s; lost: %zu queued results (probes, outage updates, events, alert writes)",
			      err, msg, store_queued(a->store));
			dropped += store_queued(a->store);
		}
	}
	urgent_exit_arm(a, false);
	if (dropped)
		app_logf(a, "history: %llu results of this run were not saved", (unsigned long long)dropped);
	return dropped ? -1 : 0;
}

/* Takes back what the app put on the loop (the loop may outlive it: the dashboard's). */
static void leave_loop(struct app *a)
{
	if (!a->loop)
		return;
	if (a->signals) {
		/*
		 * A reload asked for as we quit (SIGHUP still pending on the
		 * signalfd: a dashboard quitting within a burst of keys never
		 * read it) is moot; unblocked below it would be delivered with
		 * its default action and end a clean quit with status 129.
		 */
		loop_signal_discard(a->loop, SIGHUP);
		loop_signals_remove(a->loop, app_signals, sizeof(app_signals) / sizeof(app_signals[0]));
	}
	if (a->hooked)
		loop_before_sleep_remove(a->loop, before_sleep, a);
	if (a->ino_fd >= 0)
		loop_fd_remove(a->loop, a->ino_fd);
	loop_timer_remove(a->loop, a->due_timer);
	loop_timer_remove(a->loop, a->flush_timer);
	loop_timer_remove(a->loop, a->retention_timer);
	loop_timer_remove(a->loop, a->reload_timer);
	loop_timer_remove(a->loop, a->request_timer);
	loop_timer_remove(a->loop, a->mute_timer);
	if (a->own_loop)
		loop_free(a->loop);
	a->loop = NULL;
}

void app_free(struct app *a)
{
	if (!a)
		return;
	serve_free(a->serve); /* the listener reads the monitor and the store: it goes first */
	a->serve = NULL;
	/* deliveries in flight stop first: they are transfers of the prober and children of the loop */
	notify_free(a->notify);
	a->notify = NULL;
	app_posture_free(a); /* its passes hold configs and sockets on the loop */
	prober_free(a->prober);
	if (a->store) {
		save_history(a);
		store_close(a->store);
	}
	monitor_free(a->mon);
	sched_free(a->sched);
	mutes_free(a->mutes);
	/* undelivered events of a collector stopped at once go with it */
	events_drop(a, a->evq_n);
	free(a->evq);
	leave_loop(a);
	if (a->ino_fd >= 0)
		close(a->ino_fd);
	free(a->config_path);
	free(a->config_dir);
	free(a->config_base);
	free(a);
}

int app_reload(struct app *a)
{
	char err[sizeof(a->config_error)], what[512];
	struct config *cfg = config_load(a->config_path, err, sizeof(err));
	struct config *old;
	uint64_t *ids;
	size_t n;
	int tls = 0;

	/* the listener's new certificate first: a file it cannot use refuses the whole reload */
	if (cfg && (tls = serve_reload(a->serve, cfg, err, sizeof(err))) < 0) {
		config_unref(cfg);
		cfg = NULL;
	}
	if (!cfg) {
		/* the running config stays in force */
		if (strcmp(err, a->config_error) != 0)
			app_logf(a, "config not reloaded, keeping the running one: %s", err);
		snprintf(a->config_error, sizeof(a->config_error), "%s", err);
		notice(a, APP_RELOAD_REFUSED, config_error_count(err), err);
		serve_changed(a->serve);
		return -1;
	}
	old = config_ref(monitor_config(a->mon));
	config_diff_text(old, cfg, what, sizeof(what));
	n = monitor_count(a->mon);
	ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = monitor_at(a->mon, i)->id;
	monitor_set_config(a->mon, cfg, util_now_ms());
	notify_set_config(a->notify, cfg);
	sched_prune(a, ids, n);
	sched_sync(a, old);
	app_posture_prune(a, ids, n);
	app_posture_sync(a, old);
	free(ids);
	config_unref(old);
	config_unref(cfg);
	a->config_error[0] = '\0';
	a->config_loaded_ms = util_now_ms();
	app_logf(a, "config reloaded: %zu endpoints (%s)", monitor_count(a->mon), what);
	if (tls > 0)
		app_logf(a, "listen: now serving %s with the files of listen_cert and listen_key, on the same socket",
			 serve_scheme(a->serve));
	serve_changed(a->serve);
	notice(a, APP_RELOADED, 0, what);
	return 0;
}

static void start_due(struct app *a)
{
	struct sched_due due[TAKE_PER_PASS];
	struct config *cfg = monitor_config(a->mon);
	size_t n;

	if (a->stop)
		return;
	n = sched_take_due(a->sched, app_mono_ms(), due, TAKE_PER_PASS);
	for (size_t i = 0; i < n; i++) {
		const struct ep_status *s = monitor_find_id(a->mon, due[i].id);

		if (!s || s->live == LIVE_PAUSED) {
			sched_done(a->sched, due[i].id, app_mono_ms());
			continue;
		}
		serve_lateness(a->serve, app_mono_ms() - due[i].due_ms);
		if (a->o.on_late)
			a->o.on_late(a->o.ud, app_mono_ms() - due[i].due_ms);
		prober_submit(a->prober, cfg, (size_t)(s->ep - cfg->eps), s->id);
	}
}

/* Delay until the next due probe, for its timer; -1 when none is due (or stopping). */
static int64_t due_delay(struct app *a)
{
	int64_t due = a->stop ? INT64_MAX : sched_next_due_ms(a->sched), now = app_mono_ms();

	if (due == INT64_MAX)
		return -1;
	return due > now ? due - now : 0;
}

static int64_t due_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;

	(void)l;
	(void)id;
	start_due(a);
	return due_delay(a);
}

/*
 * SIGTERM, SIGINT: stop; SIGHUP: reload. A stopping collector reloads
 * nothing; asked to stop again, it hurries (see the top comment).
 */
static void signal_cb(struct loop *l, int signo, void *ud)
{
	struct app *a = ud;

	if (a->stop) {
		if (signo != SIGHUP && !a->hurry) {
			a->hurry = true;
			size_t n = a->prober ? prober_running(a->prober) + prober_queued(a->prober) : 0;

			app_logf(a, "%s again: not waiting for %zu probe%s in flight; saving what is queued and exiting",
			      signo == SIGTERM ? "SIGTERM" : "SIGINT", n, n == 1 ? "" : "s");
			loop_stop(l);
		}
		return;
	}
	if (signo == SIGHUP) {
		app_logf(a, "SIGHUP: reloading %s", a->config_path);
		app_reload(a);
	} else {
		app_logf(a, "%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
		app_request_stop(a);
	}
}

static int64_t reload_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;

	(void)l;
	(void)id;
	a->reload_timer = 0;
	if (!a->stop)
		app_reload(a);
	return LOOP_TIMER_STOP;
}

/* The config file was written, replaced or created: reload once the editor is done. */
static void inotify_cb(struct loop *l, int fd, unsigned events, void *ud)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	struct app *a = ud;
	bool changed = false;
	ssize_t len;

	(void)events;
	while ((len = read(fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + len;) {
			const struct inotify_event *ev = (const struct inotify_event *)(void *)p;

			if (ev->len && !strcmp(ev->name, a->config_base) &&
			    (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE)))
				changed = true;
			p += sizeof(*ev) + ev->len;
		}
	}
	if (changed && !a->stop)
		loop_timer_arm(l, &a->reload_timer, RELOAD_SETTLE_MS, reload_cb, a);
}

/*
 * Commits the queued results once a second (or at FLUSH_AT_ROWS, or at
 * once for an event). While writes fail the store's backoff decides when
 * to try again, and the problem is logged once, when it starts, not per
 * retry; the queue overflowing is logged once too.
 */
static void flush_store(struct app *a, bool force)
{
	int64_t now = app_mono_ms();
	uint64_t dropped;

	if (!a->store || (!force && now < a->next_flush_mono && store_queued(a->store) < FLUSH_AT_ROWS))
		return;
	if (!store_flush_due(a->store))
		return;
	a->next_flush_mono = now + FLUSH_EVERY_MS;
	if (!store_queued(a->store))
		return;
	if (store_flush(a->store) != 0) {
		a->store_write_errors++;
		if (!a->store_failing)
			say(a, APP_STORE_PROBLEM,
			    "history: %s; retrying with backoff (1 s doubling to 60 s) and as soon as space is freed",
			    store_last_error(a->store));
		a->store_failing = true;
	} else if (a->store_failing) {
		say(a, APP_STORE_OK, "history: writes resumed");
		a->store_failing = false;
	}
	dropped = store_dropped(a->store);
	if (dropped > a->store_dropped) {
		if (!a->store_dropped)
			say(a, APP_STORE_PROBLEM, "history: more than %d results waiting: the oldest are being dropped",
			    STORE_QUEUE_MAX);
		a->store_dropped = dropped;
	}
}

/*
 * Delay until the next flush, for its timer; -1 with nothing queued. While
 * writes fail, the store's backoff: a full disk must not spin the loop.
 */
static int64_t flush_delay(struct app *a)
{
	int64_t at, now = app_mono_ms();

	if (!a->store || !store_queued(a->store))
		return -1;
	at = store_wake_ms(a->store) ? store_wake_ms(a->store) : a->next_flush_mono;
	return at > now ? at - now : 0;
}

static int64_t flush_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;

	(void)l;
	(void)id;
	flush_store(a, false);
	return flush_delay(a);
}

/*
 * Runs on its own timer while there is something to delete, pass after
 * pass (each call deletes a bounded batch); then every RETENTION_EVERY_MS.
 */
static int64_t retention_cb(struct loop *l, uint64_t id, void *ud)
{
	struct app *a = ud;
	struct config *cfg = monitor_config(a->mon);

	(void)l;
	(void)id;
	if (a->stop) {
		a->retention_timer = 0;
		return LOOP_TIMER_STOP;
	}
	if (store_retention(a->store, util_now_ms(), cfg->retain_raw_ms, cfg->retain_rollup_ms, cfg->max_db_bytes) == 1)
		return 0;
	return RETENTION_EVERY_MS;
}

/*
 * The end of every pass, before the loop sleeps: the results of the pass
 * are committed now if an event came (readers should see it at once) or
 * many are queued; the probe and flush timers follow what the pass changed.
 */
static void before_sleep(struct loop *l, void *ud)
{
	struct app *a = ud;

	deliver_events(a);
	flush_store(a, a->flush_now);
	a->flush_now = false;
	loop_timer_arm(l, &a->flush_timer, flush_delay(a), flush_cb, a);
	loop_timer_arm(l, &a->due_timer, due_delay(a), due_cb, a);
}

/* A timer that only ends a wait. */
static int64_t wake_cb(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	(void)ud;
	return LOOP_TIMER_STOP;
}

int app_run(struct app *a)
{
	while (!a->stop)
		if (loop_run_once(a->loop) != 0)
			return -1;
	return 0;
}

void app_request_stop(struct app *a)
{
	a->stop = true;
	loop_stop(a->loop);
}

bool app_stop_requested(const struct app *a)
{
	return a->stop;
}

int app_shutdown(struct app *a)
{
	struct config *cfg = monitor_config(a->mon);
	int64_t longest = 0, deadline;
	uint64_t wake;

	a->stop = true;
	for (size_t i = 0; i < cfg->n; i++)
		if (cfg->eps[i].timeout_ms > longest)
			longest = cfg->eps[i].timeout_ms;
	deadline = app_mono_ms() + longest + 500;
	/* the deadline ends the last wait; results arriving meanwhile are handled as usual */
	wake = loop_timer_add(a->loop, deadline - app_mono_ms(), wake_cb, NULL);
	while (!a->hurry && (prober_running(a->prober) || prober_queued(a->prober) || notify_busy(a->notify)) &&
	       app_mono_ms() < deadline) {
		if (loop_run_once(a->loop) != 0)
			break;
		deliver_events(a);
	}
	loop_timer_remove(a->loop, wake);
	if (prober_running(a->prober) || prober_queued(a->prober))
		app_logf(a, "abandoning %zu probes still running", prober_running(a->prober) + prober_queued(a->prober));
	if (notify_pending(a->notify))
		app_logf(a, "alerts: %zu not delivered yet, kept in the outbox for the next start",
		      notify_pending(a->notify));
	notify_free(a->notify);
	a->notify = NULL;
	prober_free(a->prober);
	a->prober = NULL;
	return save_history(a);
}

