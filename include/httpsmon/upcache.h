/*
 * upcache: every endpoint's uptime over 24 h, 7 d and 30 d, kept in memory
 * for the HTTP listener (httpsmon_uptime_ratio in /metrics, uptime_24h in
 * /api/v1/endpoints), so that a scrape reads one number per endpoint and
 * window and never the history: a scrape's cost does not grow with the
 * history, nor does a scraper that asks every second make the store work
 * harder.
 *
 * Each figure is store_uptime's (the history pane's and `stats`'), read
 * again once it is older than its window's age limit (UPCACHE_TTL_*: the
 * longer the window, the less a minute moves it), and an unknown one (no
 * probes in the window yet) sooner. The reads happen on a loop timer, in
 * slices of at most UPCACHE_SLICE_US, UPCACHE_BEHIND_MS apart while some
 * are due and UPCACHE_IDLE_MS apart otherwise: the refresh never holds the
 * loop (and so a probe) for more than one slice, and its cost is the
 * number of endpoints over the age limits, whatever the number of scrapes.
 * Endpoints are known by their monitor id; those gone from the config are
 * dropped at the end of the sweep that no longer sees them.
 */
#ifndef HTTPSMON_UPCACHE_H
#define HTTPSMON_UPCACHE_H

#include <stdbool.h>
#include <stdint.h>

#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"
#include "httpsmon/store.h"

enum upcache_window { UPCACHE_24H, UPCACHE_7D, UPCACHE_30D, UPCACHE_WINDOWS };

#define UPCACHE_TTL_24H_MS 60000LL     /* a minute moves a 24 h figure by at most 0.07 % */
#define UPCACHE_TTL_7D_MS  600000LL
#define UPCACHE_TTL_30D_MS 1800000LL
#define UPCACHE_UNKNOWN_MS 10000LL     /* no probes in the window yet: asked again this soon */
#define UPCACHE_SLICE_US   5000        /* store reads per timer run */
#define UPCACHE_BEHIND_MS  50          /* between runs while figures are due: at most 10 % of a core */
#define UPCACHE_IDLE_MS    1000

/* "24h", "7d", "30d": the window label of httpsmon_uptime_ratio. */
const char *upcache_window_name(enum upcache_window w);

struct upcache;

/*
 * A cache of mon's endpoints' uptimes read from st (both borrowed, alive
 * until upcache_free). With a loop, a timer of its own refreshes it; with
 * l NULL the caller drives upcache_refresh (tests, benchmarks).
 */
struct upcache *upcache_new(struct loop *l, struct store *st, const struct monitor *mon);
void upcache_free(struct upcache *u); /* NULL is fine */

/*
 * Reads the due figures, in monitor order from where the last call
 * stopped, until budget_us has passed. Returns true when some are still
 * due (the caller should come back soon).
 */
bool upcache_refresh(struct upcache *u, int64_t now_ms, int64_t budget_us);

/* Endpoint id's uptime over window w as a ratio 0..1, or -1 when not known (yet, or no history). */
double upcache_ratio(const struct upcache *u, uint64_t id, enum upcache_window w);

#endif
