/*
 * svc: the collector's side of systemd's notify protocol (sd_notify(3)),
 * for a unit with Type=notify and WatchdogSec=: READY=1 once the first
 * config is loaded and the history open, STATUS= "N endpoints, K down"
 * whenever that changes, WATCHDOG=1 from a timer on the event loop (so a
 * loop that stops turning stops the pings and systemd restarts the
 * service), STOPPING=1 on the way out. Built with libsystemd when
 * pkg-config finds it (HAVE_LIBSYSTEMD); without it, or outside systemd
 * (no NOTIFY_SOCKET), it does nothing and the unit is Type=simple.
 */
#ifndef HTTPSMON_SVC_H
#define HTTPSMON_SVC_H

#include <stdbool.h>

#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"

struct svc;

/* True when this binary was built with libsystemd. */
bool svc_built_in(void);

/*
 * Tells the service manager the collector is ready and starts the status
 * and watchdog timers on l (the watchdog every half of $WATCHDOG_USEC).
 * m is borrowed and must outlive the svc. Returns NULL (nothing to do)
 * without libsystemd or without $NOTIFY_SOCKET.
 */
struct svc *svc_start(struct loop *l, const struct monitor *m);

/* Says STOPPING=1, removes the timers, frees. NULL is fine. */
void svc_stop(struct svc *s);

#endif
