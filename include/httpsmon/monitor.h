/*
 * monitor: the live model. For every endpoint of the running config it
 * keeps the last result and verdict, the flap-filtered state (DOWN only
 * after fail_after failed probes in a row, UP again after recover_after
 * good ones, "failing k/n" in between), the current outage, a short
 * latency history for sparklines, and the facts whose change is an event
 * (certificate, issuer, TLS version, cipher, IP, state). It writes
 * outages and events to the store (if any) and hands each event to a
 * callback. The flap rules themselves are flap.c's (a pure filter); the
 * monitor judges each result, feeds the filter and writes what it decided.
 * The callback runs inside monitor_result, which the collector calls from
 * the probe engine's completion: the collector (app.c) only queues there
 * and tells listeners (the headless log, the dashboard) after the pass.
 *
 * It is the model the view reads: views get const pointers and never
 * write. An endpoint is its name across reloads (a reload keeps the state
 * of every endpoint whose name survives); inside the running collector it
 * is its id, which the scheduler and the probe engine use too. Lookups by
 * name and by id are O(1) (hashmap.h). Pause is kept here and nowhere else.
 */
#ifndef HTTPSMON_MONITOR_H
#define HTTPSMON_MONITOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/config.h"
#include "httpsmon/flap.h"
#include "httpsmon/posture_rec.h"
#include "httpsmon/result.h"
#include "httpsmon/store.h"
#include "httpsmon/verdict.h"

#define MONITOR_SPARK 64 /* recent total latencies kept per endpoint */

struct ep_status {
	char *name;
	const struct endpoint *ep;    /* in the monitor's current config */
	uint64_t id;                  /* stable for the life of the name; never reused */
	/* the flap filter's state (flap.h), copied after every step: read only */
	enum live live;
	int fails_in_row;             /* consecutive DOWN verdicts */
	int oks_in_row;               /* consecutive non-DOWN verdicts while in an outage */

	bool have_result;
	bool from_history;            /* last, last_v, last_ms and the spark ring were read back from
					 the store at start: no fresh probe yet (live stays PENDING, or
					 DOWN in a resumed outage, until one is judged) */
	struct probe_result last;     /* body dropped */
	struct verdict last_v;
	int64_t last_ms;              /* wall time the last probe finished */

	bool in_outage;
	int64_t outage_start_ms;      /* first failed probe of the confirming run */
	char outage_reason[32];
	char outage_message[512];
	int outage_failed;            /* failed probes in the outage so far */

	int64_t spark_us[MONITOR_SPARK]; /* ring of total latency, -1 = failed */
	int spark_len, spark_head;
	int64_t probes, failures;     /* since start, for live uptime */
	int64_t by_state[STATE_DOWN + 1]; /* probes since start by verdict (UP, WARN, DOWN) */
	int64_t outages;              /* outages started since start (a resumed one is not counted) */

	struct posture_rec *posture;  /* the last posture pass and its grade (owned), NULL: none yet;
					 read back from the store at start */
	int64_t posture_passes;       /* posture passes since start */
};

enum mon_event_kind {
	MEV_STATE,        /* live state changed */
	MEV_OUTAGE_START,
	MEV_OUTAGE_END,
	MEV_CERT_CHANGED, /* new leaf fingerprint */
	MEV_ISSUER_CHANGED,
	MEV_TLS_CHANGED,  /* version or cipher */
	MEV_IP_CHANGED,
	MEV_REVOCATION_CHANGED, /* the chain's revocation status (good, revoked, unknown) */
	MEV_POSTURE,      /* a posture pass changed something: "now accepts TLS 1.0; grade A -> B" */
	MEV_COUNT
};

struct mon_event {
	enum mon_event_kind kind;
	const char *name;
	int64_t t_ms;
	const char *text;  /* one line, may quote certificate text: sanitise to display */
};

typedef void (*mon_event_cb)(void *ud, const struct mon_event *ev);

struct monitor;

/*
 * st may be NULL (no history). cb may be NULL; it is called during
 * monitor_result and monitor_set_paused, the event valid for the call only.
 */
struct monitor *monitor_new(struct store *st, mon_event_cb cb, void *ud);
void monitor_free(struct monitor *m);

/*
 * Makes cfg the running config (takes a reference): endpoints keep their
 * state by name, new names start PENDING, vanished names are dropped (an
 * ongoing outage of a removed endpoint is closed in the store).
 */
void monitor_set_config(struct monitor *m, struct config *cfg, int64_t now_ms);
struct config *monitor_config(const struct monitor *m);

/* One finished probe of the endpoint called name. Unknown names are ignored. */
void monitor_result(struct monitor *m, const char *name, const struct probe_result *r, int64_t now_ms);

/*
 * A finished posture pass of name (r copied): kept as the endpoint's
 * posture, queued for the store like a probe (a pass that changed nothing
 * replaces the older such rows; a store that cannot write keeps it queued,
 * says so as it does for probes, and spills it at exit), and what changed since the pass before becomes a
 * MEV_POSTURE event ("now accepts TLS 1.0; 3DES no longer accepted; grade
 * A -> B; OCSP staple missing"). From the next probe on, the verdict
 * judges it (verdict_judge_posture) unless posture_verdict = info or
 * posture_interval = off. Unknown names are ignored.
 */
void monitor_posture(struct monitor *m, const char *name, const struct posture_rec *r);

/*
 * The posture s's verdicts judge: its last pass, or NULL when it has none,
 * it was of another URL (the endpoint's url changed since), posture_interval
 * is off or posture_verdict = info (findings shown only).
 */
const struct posture *monitor_judged_posture(const struct ep_status *s);

/*
 * Pauses or resumes name; the pause is kept in the store (if any), so an
 * endpoint paused when the collector stops starts paused next time.
 */
void monitor_set_paused(struct monitor *m, const char *name, bool paused, int64_t now_ms);

size_t monitor_count(const struct monitor *m);
const struct ep_status *monitor_at(const struct monitor *m, size_t i);   /* config order */
const struct ep_status *monitor_find(const struct monitor *m, const char *name);
const struct ep_status *monitor_find_id(const struct monitor *m, uint64_t id);

/* Counts by live state, for the header. */
void monitor_counts(const struct monitor *m, size_t counts[LIVE_PAUSED + 1]);

const char *mon_event_name(enum mon_event_kind k); /* "state", "outage_start", "cert_changed"... */

#endif
