/*
 * api: the listener's read-only JSON under /api/v1 (see api.h). Each
 * endpoint's last probe is `check --json`'s object (report_json), outages
 * and events are `history --json`'s (history_*_json); what is added
 * around them is the live state. Reads of the history are bounded
 * (API_MAX_ROWS), so one request cannot hold the loop for long.
 */
#include "httpsmon/api.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/app.h"
#include "httpsmon/history.h"
#include "httpsmon/metrics.h"
#include "httpsmon/report.h"
#include "httpsmon/store.h"

#define API_MAX_ROWS     1000       /* outages or events in one answer, newest first */
#define API_RECENT       20         /* events and outages in one endpoint's answer */
#define API_SINCE_MS     (7 * 86400000LL)
#define DAY_MS           86400000LL

static void json_time_or_null(struct strbuf *b, int64_t ms)
{
	char t[40];

	if (ms)
		strbuf_printf(b, "\"%s\"", util_fmt_time_utc(t, sizeof(t), ms / 1000));
	else
		strbuf_puts(b, "null");
}

/* The live state of s, and its last probe as `check --json` writes it. */
static void endpoint_json(struct strbuf *b, const struct ep_status *s, int64_t now_ms)
{
	char state[16];
	size_t i;

	snprintf(state, sizeof(state), "%s", live_name(s->live));
	for (i = 0; state[i]; i++)
		state[i] = (char)(state[i] >= 'A' && state[i] <= 'Z' ? state[i] + 32 : state[i]);
	strbuf_puts(b, "{\"name\":");
	strbuf_json_str(b, s->name);
	strbuf_puts(b, ",\"url\":");
	strbuf_json_str(b, s->ep->url);
	strbuf_printf(b, ",\"state\":\"%s\",\"stale\":%s,\"in_outage\":%s,\"outage_start\":", state,
		      s->have_result && metrics_stale(s, now_ms) ? "true" : "false", s->in_outage ? "true" : "false");
	json_time_or_null(b, s->in_outage ? s->outage_start_ms : 0);
	strbuf_printf(b, ",\"probes\":%lld,\"failures\":%lld,\"uptime_since_start\":", (long long)s->probes,
		      (long long)s->failures);
	if (s->probes)
		strbuf_printf(b, "%.3f", 100.0 * (double)(s->probes - s->failures) / (double)s->probes);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, ",\"last\":");
	if (s->have_result)
		report_json(b, s->ep, &s->last, &s->last_v, NULL, now_ms / 1000);
	else
		strbuf_puts(b, "null");
}

static int endpoints_all(struct app *a, struct strbuf *b)
{
	const struct monitor *mon = app_monitor(a);
	int64_t now = util_now_ms();

	strbuf_puts(b, "{\"endpoints\":[");
	for (size_t i = 0; i < monitor_count(mon); i++) {
		strbuf_puts(b, i ? ",\n" : "\n");
		endpoint_json(b, monitor_at(mon, i), now);
		strbuf_puts(b, "}");
	}
	strbuf_puts(b, "\n]}\n");
	return 200;
}

/* uptime over 24h, 7d and 30d from the history (null without one). */
static void uptimes(struct strbuf *b, struct store *st, const char *name, int64_t now)
{
	static const struct { const char *key; int64_t ms; } w[] = { { "24h", DAY_MS }, { "7d", 7 * DAY_MS },
								      { "30d", 30 * DAY_MS } };

	strbuf_puts(b, ",\"uptime\":{");
	for (size_t i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		struct uptime u;

		strbuf_printf(b, "%s\"%s\":", i ? "," : "", w[i].key);
		if (st && store_uptime(st, name, now - w[i].ms, now, &u) == 0 && u.pct >= 0)
			strbuf_printf(b, "%.3f", u.pct);
		else
			strbuf_puts(b, "null");
	}
	strbuf_puts(b, "}");
}

static void history_rows(struct strbuf *b, struct store *st, const char *name, int64_t since, size_t limit,
			 bool outages, int64_t now)
{
	struct outage_row *o = NULL;
	struct event_row *e = NULL;
	size_t n = 0;
	int rc = !st ? -1 : outages ? store_outages(st, name, since, limit, &o, &n)
				    : store_events(st, name, since, limit, &e, &n);

	strbuf_puts(b, "[");
	for (size_t i = 0; rc == 0 && i < n; i++) {
		strbuf_puts(b, i ? ",\n" : "\n");
		if (outages)
			history_outage_json(b, &o[i], now);
		else
			history_event_json(b, &e[i]);
	}
	strbuf_puts(b, "]");
	free(o);
	free(e);
}

static int endpoint_one(struct app *a, const char *name, struct strbuf *b)
{
	const struct ep_status *s = monitor_find(app_monitor(a), name);
	int64_t now = util_now_ms();

	if (!s) {
		strbuf_puts(b, "{\"error\":\"no endpoint of that name in the running config\"}\n");
		return 404;
	}
	endpoint_json(b, s, now);
	uptimes(b, app_store(a), s->name, now);
	strbuf_puts(b, ",\"outages\":");
	history_rows(b, app_store(a), s->name, 0, API_RECENT, true, now);
	strbuf_puts(b, ",\"events\":");
	history_rows(b, app_store(a), s->name, 0, API_RECENT, false, now);
	strbuf_puts(b, "}\n");
	return 200;
}

/* /api/v1/outages and /api/v1/events: ?since=DURATION (default 7d) &endpoint=NAME (default all). */
static int history_list(struct app *a, const struct listen_req *rq, struct strbuf *b, bool outages)
{
	const char *since_s = listen_query(rq, "since"), *name = listen_query(rq, "endpoint");
	int64_t since = API_SINCE_MS, now = util_now_ms();

	if (since_s && (util_parse_duration_ms(since_s, &since) != 0 || since <= 0)) {
		strbuf_puts(b, "{\"error\":\"since takes a duration: 90m, 24h, 7d\"}\n");
		return 400;
	}
	if (!app_store(a)) {
		strbuf_puts(b, "{\"error\":\"this collector keeps no history (--no-db)\"}\n");
		return 404;
	}
	strbuf_puts(b, outages ? "{\"outages\":" : "{\"events\":");
	history_rows(b, app_store(a), name && *name ? name : NULL, now - since, API_MAX_ROWS, outages, now);
	strbuf_puts(b, "}\n");
	return 200;
}

int api_serve(struct app *a, const struct listen_req *rq, struct strbuf *b)
{
	const char *p = rq->path + strlen(API_PREFIX);

	if (!strcmp(p, "/endpoints"))
		return endpoints_all(a, b);
	if (!strncmp(p, "/endpoints/", 11) && p[11])
		return endpoint_one(a, p + 11, b);
	if (!strcmp(p, "/outages"))
		return history_list(a, rq, b, true);
	if (!strcmp(p, "/events"))
		return history_list(a, rq, b, false);
	strbuf_puts(b, "{\"error\":\"not found: /api/v1/endpoints, /api/v1/endpoints/NAME, /api/v1/outages, "
		    "/api/v1/events\"}\n");
	return 404;
}
