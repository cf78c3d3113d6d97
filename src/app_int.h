/*
 * app_int.h: what the collector's files share (app.c runs the loop,
 * app_ctl.c takes the operator's controls and answers the accessors).
 * Nothing outside the app includes it; include/httpsmon/app.h is the
 * whole contract.
 */
#ifndef HTTPSMON_APP_INT_H
#define HTTPSMON_APP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/app.h"
#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"

#define REQUEST_POLL_MS     1000  /* a viewer's r and p are taken within this */
#define REQUEST_MAX_AGE_MS  30000 /* older requests were left when no collector ran: dropped */
#define REQUESTS_PER_POLL   32

/* An event waiting for the end of the pass (owned copies of mon_event's strings). */
struct queued_event {
	enum mon_event_kind kind;
	char *name;
	int64_t t_ms;
	char *text;
};

struct app {
	struct app_opts o;
	char *config_path;
	char *config_dir;
	char *config_base;
	char config_error[4096];
	int64_t config_loaded_ms;

	struct monitor *mon;
	struct sched *sched;
	struct prober *prober;
	struct store *store;
	struct notify *notify;        /* the alert engine; NULL until set up */
	struct serve *serve;          /* the HTTP listener ([defaults] listen); NULL when off */

	struct loop *loop;
	bool own_loop;                /* made by app_new, freed by app_free */
	bool signals;                 /* SIGTERM, SIGINT and SIGHUP registered */
	bool hooked;                  /* the before-sleep hook registered */
	int ino_fd;
	uint64_t due_timer, flush_timer, retention_timer, reload_timer, request_timer; /* 0: not armed */
	struct mutes *mutes;          /* the history's mutes (NULL without history) */
	uint64_t mute_timer;          /* polls them for changes from other processes */

	bool stop;
	bool hurry;                   /* stopping, and asked again: save what is quick, wait for nothing */
	int64_t next_flush_mono;
	bool store_failing;           /* the write problem was already reported */
	uint64_t store_write_errors;  /* failed commits since start */
	uint64_t store_dropped;       /* store_dropped() when last reported */
	bool history_saved;           /* save_history ran: the queue is empty for good */
	bool flush_now;               /* an event happened: readers should see it at once */
	struct queued_event *evq;     /* events not yet delivered, oldest first */
	size_t evq_n, evq_cap;

	/* posture passes (app_posture.c) */
	struct sched *psched;         /* when each endpoint's next pass is due; NULL until synced */
	struct posture_engine *posture; /* NULL while no endpoint has posture_interval on */
	int posture_inflight;         /* what the engine was made with */
	struct ppass *ppasses;        /* passes handed to the engine, each holding its config */
	uint64_t posture_timer;       /* 0: not armed */
};

/* One line on the collector's log (opts.log), prefixed with the time. */
void app_logf(struct app *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The monotonic clock in ms: the scheduler's time. */
int64_t app_mono_ms(void);
/*
 * app_posture.c: makes the posture scheduler match the running config (old:
 * the one before a reload, NULL at start; a changed endpoint starts over),
 * drops the entries of endpoints gone (ids of the config before), and
 * frees it all.
 */
void app_posture_sync(struct app *a, const struct config *old);
void app_posture_prune(struct app *a, const uint64_t *ids, size_t n);
void app_posture_free(struct app *a);

/* The loop timer that takes the viewers' requests (r, p in --view) once a second. */
int64_t app_request_cb(struct loop *l, uint64_t id, void *ud);

#endif
