/*
 * flap: the flap filter. A pure function of (state, verdict) -> (new
 * state, what changed): no I/O, no store, no clock, no allocation. The
 * monitor keeps one `struct flap` per endpoint, feeds it each verdict and
 * acts on the `struct flap_step` it gets back (state events, outage rows).
 *
 * The rules an operator relies on:
 *  - a DOWN verdict counts towards fail_after; below it the endpoint is
 *    FAILING ("failing k/n"), at it the outage opens, retroactively at the
 *    first failed probe of the run that reached it;
 *  - while in an outage, recover_after non-DOWN verdicts in a row close it,
 *    at the first of them; until then the endpoint stays DOWN;
 *  - WARN is not a failure: it never counts towards fail_after;
 *  - while PAUSED verdicts change nothing; resuming gives PENDING, and the
 *    next verdict judges afresh (a run or an outage in progress goes on).
 */
#ifndef HTTPSMON_FLAP_H
#define HTTPSMON_FLAP_H

#include <stdbool.h>
#include <stdint.h>

#include "httpsmon/verdict.h"

/* The flap-filtered state an operator sees. */
enum live {
	LIVE_PENDING,  /* no probe finished yet */
	LIVE_UP,
	LIVE_WARN,
	LIVE_FAILING,  /* failed, fewer than fail_after times in a row */
	LIVE_DOWN,     /* in a confirmed outage */
	LIVE_PAUSED,
};

/* One endpoint's filter state. Zero it with flap_init(); read it freely. */
struct flap {
	enum live live;
	int fails_in_row;             /* consecutive DOWN verdicts */
	int oks_in_row;               /* consecutive non-DOWN verdicts while in an outage */
	bool in_outage;
	int64_t outage_start_ms;      /* first failed probe of the confirming run */
	int outage_failed;            /* failed probes in the outage so far */
	int64_t run_start_ms;         /* first failed probe of the current failing run */
	int64_t recover_start_ms;     /* first good probe while recovering; the outage's end once closed */
};

/* What the caller does about the outage record after a step. */
enum flap_outage {
	FLAP_OUTAGE_NONE,
	FLAP_OUTAGE_OPEN,     /* opened now: outage_start_ms .. (open), outage_failed so far */
	FLAP_OUTAGE_GROW,     /* one more failed probe in the open outage */
	FLAP_OUTAGE_CLOSE,    /* closed: outage_start_ms .. recover_start_ms */
};

/* The result of one step. from == to: the live state did not change. */
struct flap_step {
	enum live from, to;
	bool run_started;     /* this failure starts a failing run: keep its reason as the outage's */
	enum flap_outage outage;
};

/* A new endpoint: PENDING, no run, no outage. */
void flap_init(struct flap *f);

/*
 * A collector restarting mid-outage: the open outage (from the history)
 * goes on; fail_after failures are counted as already seen.
 */
void flap_resume_outage(struct flap *f, int64_t start_ms, int failed, int fail_after);

/*
 * One verdict (state) of a probe that started at t_ms, with the
 * endpoint's thresholds (both >= 1). Fills *out. A paused endpoint is left
 * as it is (out->outage NONE, from == to == PAUSED).
 */
void flap_verdict(struct flap *f, enum state state, int fail_after, int recover_after, int64_t t_ms,
		  struct flap_step *out);

/*
 * Pause (paused true: any state -> PAUSED) or resume (PAUSED -> PENDING; a
 * resume of an endpoint that is not paused changes nothing). Runs and
 * outages are kept. Fills *out.
 */
void flap_pause(struct flap *f, bool paused, struct flap_step *out);

const char *live_name(enum live l);   /* "UP", "WARN", "FAILING", "DOWN", "PENDING", "PAUSED"; "?" */

#endif
