/*
 * svc: systemd notifications (see svc.h). Owns two loop timers, the
 * status poll and the watchdog ping, and the last status text sent (a
 * status is sent only when it changes). Everything goes through
 * libsystemd's sd_notify(), which reads $NOTIFY_SOCKET itself.
 */
#include "httpsmon/svc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"

#ifdef HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>

#define SVC_STATUS_EVERY_MS 1000

struct svc {
	struct loop *loop;
	const struct monitor *mon;
	uint64_t status_timer;
	uint64_t watchdog_timer;
	int64_t watchdog_every_ms;   /* half of WatchdogSec=, 0: no watchdog */
	char status[128];            /* the last STATUS= sent */
};

bool svc_built_in(void)
{
	return true;
}

/* "STATUS=N endpoints, K down" when it changed since the last one sent. */
static void status_send(struct svc *s)
{
	size_t counts[LIVE_PAUSED + 1];
	char st[sizeof(s->status)];

	monitor_counts(s->mon, counts);
	snprintf(st, sizeof(st), "STATUS=%zu endpoints, %zu down", monitor_count(s->mon), counts[LIVE_DOWN]);
	if (strcmp(st, s->status) == 0)
		return;
	memcpy(s->status, st, sizeof(st));
	sd_notify(0, st);
}

static int64_t status_cb(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	status_send(ud);
	return SVC_STATUS_EVERY_MS;
}

/* Runs only while the loop turns: a stuck pass misses it and systemd restarts the service. */
static int64_t watchdog_cb(struct loop *l, uint64_t id, void *ud)
{
	struct svc *s = ud;

	(void)l;
	(void)id;
	sd_notify(0, "WATCHDOG=1");
	return s->watchdog_every_ms;
}

struct svc *svc_start(struct loop *l, const struct monitor *m)
{
	const char *sock = getenv("NOTIFY_SOCKET");
	struct svc *s;
	uint64_t usec = 0;

	if (!sock || !*sock)
		return NULL;
	s = xcalloc(1, sizeof(*s));
	s->loop = l;
	s->mon = m;
	status_send(s);
	sd_notify(0, "READY=1");
	s->status_timer = loop_timer_add(l, SVC_STATUS_EVERY_MS, status_cb, s);
	/* > 0: WATCHDOG_USEC is set and meant for this process (WATCHDOG_PID, when set, is ours) */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		s->watchdog_every_ms = (int64_t)(usec / 2000) > 0 ? (int64_t)(usec / 2000) : 1;
		s->watchdog_timer = loop_timer_add(l, 0, watchdog_cb, s);
	}
	return s;
}

void svc_stop(struct svc *s)
{
	if (!s)
		return;
	sd_notify(0, "STOPPING=1");
	loop_timer_remove(s->loop, s->status_timer);
	loop_timer_remove(s->loop, s->watchdog_timer);
	free(s);
}

#else /* built without libsystemd: the unit is Type=simple and nothing listens */

bool svc_built_in(void)
{
	return false;
}

struct svc *svc_start(struct loop *l, const struct monitor *m)
{
	(void)l;
	(void)m;
	return NULL;
}

void svc_stop(struct svc *s)
{
	(void)s;
}

#endif
