/*
 * flap: the flap filter (see flap.h). Owns nothing but the rules: each
 * function moves one `struct flap` the caller holds and says what moved in
 * a `struct flap_step`. The outage record and the events it implies are
 * the monitor's to write.
 *
 * Counters: fails_in_row counts DOWN verdicts in a row and is reset by any
 * other verdict; oks_in_row counts non-DOWN verdicts in a row inside an
 * outage only and is reset by a DOWN verdict and when the outage closes.
 */
#include "httpsmon/flap.h"

#include <string.h>

static const char *const live_names[] = {
	[LIVE_PENDING] = "PENDING", [LIVE_UP] = "UP", [LIVE_WARN] = "WARN",
	[LIVE_FAILING] = "FAILING", [LIVE_DOWN] = "DOWN", [LIVE_PAUSED] = "PAUSED",
};

const char *live_name(enum live l)
{
	return (unsigned)l <= LIVE_PAUSED ? live_names[l] : "?";
}

void flap_init(struct flap *f)
{
	memset(f, 0, sizeof(*f));
	f->live = LIVE_PENDING;
}

void flap_resume_outage(struct flap *f, int64_t start_ms, int failed, int fail_after)
{
	f->in_outage = true;
	f->outage_start_ms = start_ms;
	f->outage_failed = failed;
	f->fails_in_row = fail_after;
}

static void failed(struct flap *f, int fail_after, int64_t t_ms, struct flap_step *out)
{
	f->oks_in_row = 0;
	f->fails_in_row++;
	if (f->in_outage) {
		f->outage_failed++;
		out->outage = FLAP_OUTAGE_GROW;
		f->live = LIVE_DOWN;
		return;
	}
	if (f->fails_in_row == 1) {
		f->run_start_ms = t_ms;
		out->run_started = true;
	}
	if (f->fails_in_row < fail_after) {
		f->live = LIVE_FAILING;
		return;
	}
	f->in_outage = true;
	f->outage_start_ms = f->run_start_ms;
	f->outage_failed = f->fails_in_row;
	out->outage = FLAP_OUTAGE_OPEN;
	f->live = LIVE_DOWN;
}

static void good(struct flap *f, enum state state, int recover_after, int64_t t_ms, struct flap_step *out)
{
	enum live ok = state == STATE_WARN ? LIVE_WARN : LIVE_UP;

	f->fails_in_row = 0;
	if (!f->in_outage) {
		f->live = ok;
		return;
	}
	if (++f->oks_in_row == 1)
		f->recover_start_ms = t_ms;
	if (f->oks_in_row < recover_after)
		return; /* still DOWN until recovery is confirmed */
	f->in_outage = false;
	f->oks_in_row = 0;
	out->outage = FLAP_OUTAGE_CLOSE;
	f->live = ok;
}

void flap_verdict(struct flap *f, enum state state, int fail_after, int recover_after, int64_t t_ms,
		  struct flap_step *out)
{
	*out = (struct flap_step){ .from = f->live, .to = f->live, .outage = FLAP_OUTAGE_NONE };
	if (f->live == LIVE_PAUSED)
		return; /* a probe that was in flight when paused: recorded, not judged */
	if (state == STATE_DOWN)
		failed(f, fail_after, t_ms, out);
	else
		good(f, state, recover_after, t_ms, out);
	out->to = f->live;
}

void flap_pause(struct flap *f, bool paused, struct flap_step *out)
{
	*out = (struct flap_step){ .from = f->live, .to = f->live, .outage = FLAP_OUTAGE_NONE };
	if (paused)
		f->live = LIVE_PAUSED;
	else if (f->live == LIVE_PAUSED)
		f->live = LIVE_PENDING;
	out->to = f->live;
}
