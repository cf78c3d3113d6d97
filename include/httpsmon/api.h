/*
 * api: the read-only JSON API of the collector's listener, under /api/v1:
 *   /api/v1/endpoints          every endpoint's live state, 24 h uptime (upcache.h) and last probe
 *   /api/v1/endpoints/NAME     one, with uptime (24h, 7d, 30d), recent outages and events
 *   /api/v1/outages?since=7d&endpoint=NAME, /api/v1/events?since=...
 *   /api/v1/series?endpoint=NAME&from=MS&until=MS&step=MS   latency buckets (the history chart)
 *   /api/v1/probes?endpoint=NAME&from=MS&until=MS   stored probes and their leaves (an outage's look)
 * A probe is `check --json`'s object, an outage or event `history --json`'s,
 * timings `check --json`'s keys. The list names the collector's location
 * and gives each endpoint's recent probes (recent_ms), for the remote
 * dashboard (httpsmon --view --remote).
 */
#ifndef HTTPSMON_API_H
#define HTTPSMON_API_H

#include "httpsmon/listen.h"
#include "httpsmon/upcache.h"

#define API_PREFIX "/api/v1"

struct app;

/*
 * Writes the answer for rq (its path starts with API_PREFIX) into b; returns
 * the HTTP status. up: the listener's uptimes (NULL: uptime_24h is null).
 */
int api_serve(struct app *a, const struct upcache *up, const struct listen_req *rq, struct strbuf *b);

#endif
