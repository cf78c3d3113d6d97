/*
 * notify internals: one message in flight (struct notify_msg) and the
 * transports that carry it, shared by notify.c (the engine), notify_cmd.c
 * (command children) and notify_xfer.c (HTTP and SMTP transfers); the
 * engine's state, shared with notify_hold.c (the canary) and notify_am.c
 * (the alertmanager notifier). Private to src/notify*.c.
 */
#ifndef HTTPSMON_NOTIFY_INT_H
#define HTTPSMON_NOTIFY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "httpsmon/alert.h"
#include "httpsmon/config.h"
#include "httpsmon/hashmap.h"
#include "httpsmon/loop.h"
#include "httpsmon/notify.h"

struct prober;
struct notify_msg;
struct xfer;

typedef void (*notify_msg_done_cb)(struct notify_msg *m, void *ud);

/*
 * One message: a group of alerts of one kind for one notifier, sent once
 * (one attempt). The transport fills ok, code and detail and calls done
 * once, from the loop (never from inside notify_msg_start).
 */
struct notify_msg {
	const struct notifier *nt;   /* borrowed from cfg (or from the caller when cfg is NULL) */
	struct config *cfg;          /* a reference, dropped by notify_msg_free; may be NULL */
	struct alert_group g;        /* owned */
	struct loop *loop;
	struct prober *prober;       /* NULL: HTTP and SMTP fail */
	notify_msg_done_cb done;
	void *ud;

	bool ok;                     /* delivered */
	int code;                    /* HTTP status, exit status, SMTP reply; 0 = none */
	char detail[256];            /* what came back or what failed, one line, safe to show */

	/* command (notify_cmd.c) */
	pid_t pid;
	int in_fd, err_fd;           /* -1 when closed */
	char *input;                 /* JSON for stdin */
	size_t input_len, input_off;
	char errtext[200];           /* the command's first stderr bytes */
	size_t errtext_len;
	uint64_t kill_timer;
	bool killed;
	bool exited;
	int status;

	/* HTTP and SMTP (notify_xfer.c): one transfer per url */
	struct xfer **xf;
	size_t nxf, xf_left;
	uint64_t finish_timer;       /* defers done out of notify_msg_start's caller */
};

/* A message for nt (borrowed) carrying g (taken: g is left empty). */
struct notify_msg *notify_msg_new(const struct notifier *nt, struct alert_group *g, struct loop *l,
				  struct prober *p, notify_msg_done_cb done, void *ud);

/* Starts the attempt. done runs later in every case (a set-up failure too). */
void notify_msg_start(struct notify_msg *m);

/* Stops an attempt in flight without calling done, and frees m. NULL is fine. */
void notify_msg_free(struct notify_msg *m);

/* Ends the attempt with a failure now, done called from the next pass. */
void notify_msg_fail(struct notify_msg *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Calls done from the next pass of the loop (an outcome already filled in). */
void notify_msg_finish_later(struct notify_msg *m);

/* notify_cmd.c: the command notifier. Starts the child; 0, or -1 with detail filled. */
int notify_cmd_start(struct notify_msg *m);
void notify_cmd_stop(struct notify_msg *m);

/* notify_xfer.c: webhook, Alertmanager and email. 0, or -1 with detail filled. */
int notify_xfer_start(struct notify_msg *m);
void notify_xfer_stop(struct notify_msg *m);
/* This host's name (the Alertmanager instance label), into buf; "localhost" when it has none. */
const char *notify_host_name(char *buf, size_t n);

/*
 * notify_canary.c: the canary check. done(ud, ok, detail) runs once per
 * check, from the loop (or at once when no connect could start): ok when
 * any canary took a TCP connection; detail names the first failure.
 */
struct canary;
typedef void (*canary_done_cb)(void *ud, bool ok, const char *detail);
struct canary *canary_new(struct prober *p, canary_done_cb done, void *ud);
void canary_free(struct canary *c); /* stops a check in flight; NULL ok */
/* Connects to every HOST:PORT of hosts, each within timeout_ms, unless a check runs. */
void canary_check(struct canary *c, const struct strlist *hosts, int64_t timeout_ms);
bool canary_running(const struct canary *c);

/* ---- the engine's state, shared by notify.c and notify_hold.c ---- */

#define BACKOFF_FIRST_MS  1000
#define BACKOFF_MAX_MS    (5 * 60 * 1000)
#define REMIND_CHECK_MS   1000
#define FAILING_AFTER     2      /* failed attempts in a row before the header says so */
#define DAY_S             86400
#define CANARY_TTL_MS     10000  /* a canary check is good this long; checked again this often while down */
#define CANARY_TIMEOUT_MS 3000

struct item {
	int64_t id;
	char *notifier;
	struct alert a;
	int attempts;
	int64_t raised_ms;     /* wall: retry_for counts from here */
	int64_t due;           /* monotonic ms */
	bool in_flight;
};

struct nstate {
	char *name;
	struct notify_msg *msg;        /* in flight, or NULL */
	struct item **sent;            /* the items in msg */
	size_t nsent;
	int64_t window[ALERT_KIND_COUNT]; /* monotonic end of the open group window, 0 = none */
	int fails;                     /* failed attempts in a row */
	char last[160];                /* last failure's detail */
	int64_t fail_ms;               /* wall clock of the last failure */
	struct am_send *am;            /* alertmanager: the one path of its alerts (notify_am.c) */
	struct am_ctx *am_ctx;         /* am's callback's own */
};

struct remind {
	char *notifier;
	int64_t next_ms;               /* wall */
};

struct epstate {
	char *name;
	bool in_outage;
	int64_t outage_start_ms;
	char *reason, *message;        /* of the outage */
	int failed;
	struct remind *rem;
	size_t nrem;
	int warns;                     /* WARN verdicts in a row */
	bool warn_sent;
	int64_t warn_since_ms;
};

struct notify {
	struct notify_opts o;
	struct config *cfg;
	int64_t seq;                   /* last outbox id used */
	struct item **items;
	size_t nitems, items_cap;
	struct nstate *ns;
	size_t nns;
	struct epstate **eps;
	size_t neps;
	struct hashmap ep_index;       /* name (borrowed from eps) -> index */
	struct strlist mark_keys;      /* owned keys of marks */
	struct hashmap marks;          /* key (borrowed from mark_keys) -> level */
	uint64_t timer;
	/* canary (notify_canary.c): checked before endpoint alerts go out */
	struct canary *canary;
	int64_t canary_at;             /* monotonic ms of the last finished check, 0 none */
	bool net_down;                 /* every canary failed: endpoint alerts are held */
};

void notify_logf(struct notify *n, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int64_t notify_now_ms(const struct notify *n);   /* wall clock ms: the caller's (tests) or the real one */
int64_t notify_mono_ms(void);
void notify_kick(struct notify *n, int64_t delay_ms); /* the tick timer at most delay_ms from now */
void notify_item_add(struct notify *n, int64_t id, const char *notifier, const struct alert *a, int attempts,
		     int64_t raised_ms, int64_t due);
void notify_items_remove(struct notify *n, struct item *gone);
bool notify_held(const struct notify *n, const struct item *it); /* held back while this box's network is down */
/* notify_hold.c: starts a canary check when one is due; *next: when to look again (mono ms). */
void notify_canary_due(struct notify *n, int64_t mono, int64_t *next);
/* The state of notifier name, made on first use (pointers into n->ns move when it grows). */
struct nstate *notify_nstate(struct notify *n, const char *name);
/* The retry delay after attempts failed attempts: 1 s doubling to 5 min. */
int64_t notify_backoff_ms(int attempts);
/* names as a delivery row's endpoints: comma-separated, cut with "..." to fit len. */
void notify_endpoints_text(char *dst, size_t len, const struct strlist *names);

/*
 * notify_am.c: the alertmanager notifier. notify_am_keep: a (copied) to
 * the notifier's am_send, made at its first alert; notify_am_hand: its due
 * items (not held) handed to it, once; notify_am_free: stops it.
 */
void notify_am_keep(struct notify *n, const struct notifier *nt, const struct alert *a, int64_t now);
void notify_am_hand(struct notify *n, struct nstate *s, const struct notifier *nt, int64_t mono);
void notify_am_free(struct nstate *s);

#endif
