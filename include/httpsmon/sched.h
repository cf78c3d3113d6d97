/*
 * sched: decides when each endpoint is due. A min-heap of next-due times,
 * one entry per endpoint id. The first probe of an endpoint comes within
 * min(interval, 5 s) of its addition, spread by a stable per-name offset,
 * so nothing waits a whole interval to be known; after it each endpoint
 * runs on its own phase, a stable per-name jitter over the interval, so
 * 500 endpoints at 60s never fire at once after the start. A probe still running is
 * never started twice: a due time that passes while it runs is skipped
 * (the next one is interval later). It owns no network code and no clock:
 * every call takes `now_ms` (monotonic milliseconds), so tests drive time.
 */
#ifndef HTTPSMON_SCHED_H
#define HTTPSMON_SCHED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sched;

/* A probe the caller should start now. */
struct sched_due {
	uint64_t id;
	int64_t due_ms;   /* when it was due; now_ms - due_ms is its lateness */
};

#define SCHED_START_SPREAD_MS 5000 /* first probes come within min(interval, this) */

/* A scheduler whose new ids first come due within min(interval, SCHED_START_SPREAD_MS). */
struct sched *sched_new(void);
/*
 * The same with another first-run spread (> 0): the collector's posture
 * passes use one of minutes, so a restart does not send every endpoint a
 * burst of extra handshakes at once. Everything said below of 5 s is then
 * said of spread_ms.
 */
struct sched *sched_new_spread(int64_t spread_ms);
void sched_free(struct sched *s); /* NULL is fine */

/*
 * Adds id, or changes its interval if present. A new id's first due time
 * is now_ms + sched_start_ms(name, interval_ms); after that probe, its due
 * times are now_ms + jitter + k * interval_ms, jitter = a stable hash of
 * name in [0, interval_ms), in whole seconds when the interval is 2 s or
 * more, from the first such slot at least min(interval_ms, 5 s) after the
 * first probe's due time. A changed interval takes effect from the next run.
 */
void sched_set(struct sched *s, uint64_t id, const char *name, int64_t interval_ms, int64_t now_ms);
void sched_remove(struct sched *s, uint64_t id);   /* unknown id: nothing */
bool sched_has(const struct sched *s, uint64_t id);

/*
 * Paused ids are never due; resuming makes one due now. The collector does
 * not use this: its pause lives in one place, the monitor's live state
 * (app.c skips a paused endpoint when it comes due).
 */
void sched_pause(struct sched *s, uint64_t id, bool paused, int64_t now_ms);
bool sched_paused(const struct sched *s, uint64_t id);

/* Makes id due now (unless it is running: then right after it finishes). */
void sched_probe_now(struct sched *s, uint64_t id, int64_t now_ms);

/* Earliest due time of an id that is neither running nor paused; INT64_MAX if none. */
int64_t sched_next_due_ms(const struct sched *s);

/*
 * Takes up to max ids that are due at now_ms, earliest first, marks them
 * running and returns how many were written to out.
 */
size_t sched_take_due(struct sched *s, int64_t now_ms, struct sched_due *out, size_t max);

/*
 * id's probe finished: the next due time is the previous due time plus the
 * interval (no drift), or now if a probe-now came in while it ran; due
 * times already in the past are skipped forward whole intervals.
 */
void sched_done(struct sched *s, uint64_t id, int64_t now_ms);

/*
 * id was taken but cannot run yet (the collector's posture pass waits for
 * the endpoint's first probe): it is due again at at_ms, and the run it
 * did not make counts for nothing (a first run is still the first).
 */
void sched_defer(struct sched *s, uint64_t id, int64_t at_ms);

size_t sched_count(const struct sched *s);
bool sched_running(const struct sched *s, uint64_t id);

/* The jitter sched_set uses, exposed for tests: stable across runs. */
int64_t sched_jitter_ms(const char *name, int64_t interval_ms);
/*
 * The offset of a new id's first probe: sched_jitter_ms(name, interval_ms)
 * when the interval is SCHED_START_SPREAD_MS or less (the first probe is
 * on the schedule's phase), otherwise a per-name offset in
 * [0, SCHED_START_SPREAD_MS) to the millisecond, not in whole seconds.
 */
int64_t sched_start_ms(const char *name, int64_t interval_ms);
/* The same offset for a scheduler made with sched_new_spread(spread_ms). */
int64_t sched_start_spread_ms(const char *name, int64_t interval_ms, int64_t spread_ms);

#endif
