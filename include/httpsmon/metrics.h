/*
 * metrics: the Prometheus text format (0.0.4) of the live model, for the
 * listener's /metrics and /probe. Blackbox-exporter-compatible names
 * (probe_*) for each endpoint's last result, httpsmon's own (httpsmon_*:
 * state, reason, counters, outages, certificate days, histograms), the
 * collector's (build, reload, history writes) and the process's
 * (process_*). Values come from the monitor's last result: nothing is
 * probed here. Every label value is escaped and capped (METRICS_LABEL_MAX
 * bytes, cut on a UTF-8 boundary).
 *
 * struct metrics keeps the two histograms (each probe's phases and the
 * scheduler's lateness, since start) and scratch memory reused by every
 * render, so a render allocates nothing once the buffers have grown to the
 * size of the model.
 */
#ifndef HTTPSMON_METRICS_H
#define HTTPSMON_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "httpsmon/monitor.h"
#include "httpsmon/result.h"
#include "httpsmon/upcache.h"
#include "httpsmon/util.h"

#define METRICS_LABEL_MAX 256 /* bytes of a label value (subject, issuer, url) before "..." */

/* The collector's own facts a render needs besides the monitor. */
struct metrics_info {
	const char *location;        /* [defaults] location, or NULL */
	int64_t now_ms;              /* wall clock */
	uint64_t store_write_errors; /* failed history commits since start */
	bool reload_ok;              /* the running config is the file's latest */
	int64_t reload_ms;           /* wall time of the last successful load */
	const struct upcache *up;    /* uptimes (httpsmon_uptime_ratio), or NULL: none */
};

struct metrics;

struct metrics *metrics_new(void);
void metrics_free(struct metrics *m); /* NULL is fine */

/* One finished probe: its phases go into httpsmon_probe_phase_seconds. */
void metrics_observe_probe(struct metrics *m, const struct probe_result *r);

/* One probe started late_ms after it was due (httpsmon_scheduler_lateness_seconds). */
void metrics_observe_lateness(struct metrics *m, int64_t late_ms);

/* Appends the whole /metrics page for every endpoint of mon to b. */
void metrics_render(struct metrics *m, struct strbuf *b, const struct monitor *mon, const struct metrics_info *in);

/*
 * Appends /probe's page for one endpoint: the probe_* families only, with
 * no endpoint labels, as blackbox_exporter answers a probe.
 */
void metrics_render_probe(struct metrics *m, struct strbuf *b, const struct ep_status *s, int64_t now_ms);

/* Whether s's last result is older than 3 intervals (or there is none): then probe_success is 0. */
bool metrics_stale(const struct ep_status *s, int64_t now_ms);

#endif
