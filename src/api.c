/*
 * api: the listener's read-only JSON under /api/v1 (see api.h). Each
 * endpoint's last probe is `check --json`'s object (report_json), outages
 * and events are `history --json`'s (history_*_json); what is added
 * around them is the live state. Reads of the history are bounded
 * (API_MAX_ROWS), so one request cannot hold the loop for long.
 */
#include "httpsmon/api.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/app.h"
#include "httpsmon/config.h"
#include "httpsmon/fmt.h"
#include "httpsmon/history.h"
#include "httpsmon/metrics.h"
#include "httpsmon/report.h"
#include "httpsmon/scan.h"
#include "httpsmon/store.h"

#define API_MAX_ROWS     1000       /* outages or events in one answer, newest first */
#define API_RECENT       20         /* events and outages in one endpoint's answer */
#define API_SINCE_MS     (7 * 86400000LL)
#define DAY_MS           86400000LL
#define API_SERIES_MAX   2000       /* buckets in one series: the chart is at most 400 columns */
#define API_PROBES_MAX   500        /* probes in one answer: the history pane lists as many */
#define API_CERTS_MAX    16         /* distinct leaves with them */

static void json_time_or_null(struct strbuf *b, int64_t ms)
{
	char t[40];

	if (ms)
		strbuf_printf(b, "\"%s\"", util_fmt_time_utc(t, sizeof(t), ms / 1000));
	else
		strbuf_puts(b, "null");
}

/*
 * The sparkline's probes, oldest first: total milliseconds, null for a
 * failed one (what the dashboard's RECENT column draws).
 */
static void recent(struct strbuf *b, const struct ep_status *s)
{
	int64_t us[MONITOR_SPARK];

	fmt_ring_linear(s->spark_us, s->spark_len, s->spark_head, MONITOR_SPARK, us);
	strbuf_puts(b, ",\"recent_ms\":[");
	for (int i = 0; i < s->spark_len; i++) {
		if (us[i] < 0)
			strbuf_printf(b, "%snull", i ? "," : "");
		else
			strbuf_printf(b, "%s%.3f", i ? "," : "", (double)us[i] / 1000.0);
	}
	strbuf_puts(b, "]");
}

/* s as a JSON string, null when empty (as check --json writes an absent fact) */
static void text_or_null(struct strbuf *b, const char *s)
{
	if (*s)
		strbuf_json_str(b, s);
	else
		strbuf_puts(b, "null");
}

/* The last posture pass's grade as scan --json names it: null and [] before the first (or an ungraded) one. */
static void grade_json(struct strbuf *b, const struct ep_status *s)
{
	const struct grade *g = s->posture ? &s->posture->g : NULL;

	strbuf_puts(b, ",\"grade\":");
	text_or_null(b, g ? g->grade : "");
	strbuf_puts(b, ",\"grade_score\":");
	if (g && g->grade[0])
		strbuf_printf(b, "%d", g->score);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, ",\"grade_caps\":[");
	for (int i = 0; g && i < g->n_caps; i++) {
		strbuf_puts(b, i ? "," : "");
		strbuf_json_str(b, g->caps[i]);
	}
	strbuf_puts(b, "],\"posture_at\":");
	json_time_or_null(b, s->posture ? s->posture->t_ms : 0);
}

/*
 * The last posture pass as scan --json writes it, null before the first;
 * its HSTS, revocation and certificate lifetime are the last probe's.
 */
static void posture_json(struct strbuf *b, const struct ep_status *s, int64_t now_ms)
{
	struct probe_result none;
	struct grade_facts f;
	struct scan_report sr;

	strbuf_puts(b, ",\"posture\":");
	if (!s->posture) {
		strbuf_puts(b, "null");
		return;
	}
	memset(&none, 0, sizeof none);
	grade_facts_from_result(s->have_result ? &s->last : &none, &f);
	sr = (struct scan_report){ .ep = s->ep, .r = s->have_result ? &s->last : &none, .p = &s->posture->p, .f = &f,
				   .g = &s->posture->g, .now_s = now_ms / 1000 };
	scan_report_json(b, &sr);
}

/*
 * The live state of s, its 24 h uptime in percent as `stats --json` names
 * it (from the listener's cache: null until known), and its last probe as
 * `check --json` writes it.
 */
static void endpoint_json(struct strbuf *b, const struct ep_status *s, const struct upcache *up, int64_t now_ms)
{
	double r = upcache_ratio(up, s->id, UPCACHE_24H);

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
	recent(b, s);
	strbuf_printf(b, ",\"interval_s\":%lld", (long long)(s->ep->interval_ms / 1000));
	strbuf_puts(b, ",\"uptime_24h\":");
	if (r >= 0)
		strbuf_printf(b, "%.4f", 100.0 * r);
	else
		strbuf_puts(b, "null");
	grade_json(b, s);
	strbuf_puts(b, ",\"last\":");
	if (s->have_result)
		report_json(b, s->ep, &s->last, &s->last_v, NULL, now_ms / 1000);
	else
		strbuf_puts(b, "null");
}

static int endpoints_all(struct app *a, const struct upcache *up, struct strbuf *b)
{
	const struct monitor *mon = app_monitor(a);
	int64_t now = util_now_ms();

	const char *loc = monitor_config(mon)->location;

	/* the collector's [defaults] location: the remote viewer's LOCATION column */
	strbuf_puts(b, "{\"location\":");
	if (loc)
		strbuf_json_str(b, loc);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, ",\"endpoints\":[");
	for (size_t i = 0; i < monitor_count(mon); i++) {
		strbuf_puts(b, i ? ",\n" : "\n");
		endpoint_json(b, monitor_at(mon, i), up, now);
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

static int endpoint_one(struct app *a, const struct upcache *up, const char *name, struct strbuf *b)
{
	const struct ep_status *s = monitor_find(app_monitor(a), name);
	int64_t now = util_now_ms();

	if (!s) {
		strbuf_puts(b, "{\"error\":\"no endpoint of that name in the running config\"}\n");
		return 404;
	}
	endpoint_json(b, s, up, now);
	posture_json(b, s, now);
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

/* A whole number of milliseconds in a query parameter, within [lo, hi]. */
static bool query_ms(const struct listen_req *rq, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
	const char *v = listen_query(rq, key);
	char *end;
	long long n;

	if (!v || !*v)
		return false;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return false;
	*out = n;
	return true;
}

/*
 * /api/v1/series?endpoint=NAME&from=MS&until=MS&step=MS: the history
 * pane's latency chart, one bucket of step ms each (Unix milliseconds;
 * steps of whole hours aligned to an hour come from the hourly rollups),
 * each with check --json's timing keys. At most API_SERIES_MAX buckets.
 */
static int series(struct app *a, const struct listen_req *rq, struct strbuf *b)
{
	const char *name = listen_query(rq, "endpoint");
	struct series_point *pts = NULL;
	int64_t from, until, step;
	size_t n = 0;
	char t[40];

	if (!name || !*name || !query_ms(rq, "from", 0, INT64_MAX / 2, &from) ||
	    !query_ms(rq, "until", 0, INT64_MAX / 2, &until) || !query_ms(rq, "step", 1000, 366 * DAY_MS, &step) ||
	    until <= from || (until - from) / step > API_SERIES_MAX) {
		strbuf_printf(b, "{\"error\":\"series takes endpoint=NAME, from=MS, until=MS (Unix ms, from < until) and "
			      "step=MS (1000 or more, at most %d steps)\"}\n", API_SERIES_MAX);
		return 400;
	}
	if (!app_store(a)) {
		strbuf_puts(b, "{\"error\":\"this collector keeps no history (--no-db)\"}\n");
		return 404;
	}
	if (store_latency_series(app_store(a), name, from, until, step, &pts, &n) != 0) {
		strbuf_puts(b, "{\"error\":\"the history could not be read\"}\n");
		return 500;
	}
	strbuf_puts(b, "{\"series\":[");
	for (size_t i = 0; i < n; i++) {
		const struct series_point *p = &pts[i];

		strbuf_printf(b, "%s{\"time\":\"%s\",\"count\":%lld,\"failures\":%lld,\"timings\":{", i ? ",\n" : "\n",
			      util_fmt_time_utc_ms(t, sizeof(t), p->t_ms), (long long)p->count, (long long)p->failures);
		for (int ph = PHASE_FIRST; ph < PHASE_END; ph++) {
			strbuf_printf(b, "%s\"%s_ms\":", ph == PHASE_FIRST ? "" : ",", probe_phase_names(ph)->key);
			if (p->avg_us[ph] < 0)
				strbuf_puts(b, "null");
			else
				strbuf_printf(b, "%.3f", (double)p->avg_us[ph] / 1000.0);
		}
		if (p->max_total_us < 0)
			strbuf_puts(b, "},\"max_total_ms\":null}");
		else
			strbuf_printf(b, "},\"max_total_ms\":%.3f}", (double)p->max_total_us / 1000.0);
	}
	strbuf_puts(b, "\n]}\n");
	free(pts);
	return 200;
}

/* A stored probe with check --json's names (its leaf by sha256: the answer's "certs" has it). */
static void probe_row_json(struct strbuf *b, const struct probe_row *p)
{
	char t[40];

	strbuf_printf(b, "{\"time\":\"%s\",\"verdict\":", util_fmt_time_utc_ms(t, sizeof(t), p->t_ms));
	strbuf_json_str(b, p->state);
	strbuf_puts(b, ",\"reason\":");
	strbuf_json_str(b, p->reason);
	strbuf_puts(b, ",\"message\":");
	strbuf_json_str(b, p->message);
	if (p->http_status)
		strbuf_printf(b, ",\"http_status\":%ld", p->http_status);
	else
		strbuf_puts(b, ",\"http_status\":null");
	strbuf_puts(b, ",\"ip\":");
	text_or_null(b, p->ip);
	strbuf_puts(b, ",\"tls_version\":");
	text_or_null(b, p->tls_version);
	strbuf_puts(b, ",\"cipher\":");
	text_or_null(b, p->cipher);
	strbuf_puts(b, ",\"failed_phase\":");
	if (p->failed_phase > PHASE_NONE && p->failed_phase <= PHASE_LAST)
		strbuf_json_str(b, probe_phase_name((enum probe_phase)p->failed_phase));
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, ",\"cert_sha256\":");
	text_or_null(b, p->cert_sha256);
	strbuf_puts(b, ",\"timings\":{");
	for (int ph = PHASE_FIRST; ph < PHASE_END; ph++) {
		strbuf_printf(b, "%s\"%s_ms\":", ph == PHASE_FIRST ? "" : ",", probe_phase_names(ph)->key);
		if (p->t.us[ph] < 0)
			strbuf_puts(b, "null");
		else
			strbuf_printf(b, "%.3f", (double)p->t.us[ph] / 1000.0);
	}
	strbuf_puts(b, "}}");
}

/* The distinct leaves of rows (at most API_CERTS_MAX), by sha256, as check --json's certificates. */
static void probe_certs_json(struct strbuf *b, struct store *st, const struct probe_row *rows, size_t n)
{
	const char *seen[API_CERTS_MAX];
	size_t nseen = 0;

	strbuf_puts(b, ",\"certs\":{");
	for (size_t i = 0; i < n && nseen < API_CERTS_MAX; i++) {
		struct cert_info ci;
		bool dup = !rows[i].cert_sha256[0];

		for (size_t k = 0; k < nseen && !dup; k++)
			dup = !strcmp(seen[k], rows[i].cert_sha256);
		if (dup || store_cert(st, rows[i].cert_sha256, &ci) != 0)
			continue;
		strbuf_puts(b, nseen ? ",\n" : "\n");
		strbuf_json_str(b, rows[i].cert_sha256);
		strbuf_puts(b, ":");
		report_json_cert(b, &ci, util_now_ms() / 1000);
		cert_info_done(&ci);
		seen[nseen++] = rows[i].cert_sha256;
	}
	strbuf_puts(b, "}");
}

/*
 * /api/v1/probes?endpoint=NAME&from=MS&until=MS: the stored probes of a
 * window, oldest first (at most API_PROBES_MAX), and the leaf each was
 * served: the history pane's look into one outage.
 */
static int probes(struct app *a, const struct listen_req *rq, struct strbuf *b)
{
	const char *name = listen_query(rq, "endpoint");
	struct probe_row *rows = NULL;
	int64_t from, until;
	size_t n = 0;

	if (!name || !*name || !query_ms(rq, "from", 0, INT64_MAX / 2, &from) ||
	    !query_ms(rq, "until", 0, INT64_MAX / 2, &until) || until < from) {
		strbuf_puts(b, "{\"error\":\"probes takes endpoint=NAME, from=MS and until=MS (Unix ms, from <= until)\"}\n");
		return 400;
	}
	if (!app_store(a)) {
		strbuf_puts(b, "{\"error\":\"this collector keeps no history (--no-db)\"}\n");
		return 404;
	}
	if (store_probes(app_store(a), name, from, until, API_PROBES_MAX, &rows, &n) != 0) {
		strbuf_puts(b, "{\"error\":\"the history could not be read\"}\n");
		return 500;
	}
	strbuf_puts(b, "{\"probes\":[");
	for (size_t i = 0; i < n; i++) {
		strbuf_puts(b, i ? ",\n" : "\n");
		probe_row_json(b, &rows[i]);
	}
	strbuf_puts(b, "\n]");
	probe_certs_json(b, app_store(a), rows, n);
	strbuf_puts(b, "}\n");
	free(rows);
	return 200;
}

int api_serve(struct app *a, const struct upcache *up, const struct listen_req *rq, struct strbuf *b)
{
	const char *p = rq->path + strlen(API_PREFIX);

	if (!strcmp(p, "/endpoints"))
		return endpoints_all(a, up, b);
	if (!strncmp(p, "/endpoints/", 11) && p[11])
		return endpoint_one(a, up, p + 11, b);
	if (!strcmp(p, "/outages"))
		return history_list(a, rq, b, true);
	if (!strcmp(p, "/events"))
		return history_list(a, rq, b, false);
	if (!strcmp(p, "/series"))
		return series(a, rq, b);
	if (!strcmp(p, "/probes"))
		return probes(a, rq, b);
	strbuf_puts(b, "{\"error\":\"not found: /api/v1/endpoints, /api/v1/endpoints/NAME, /api/v1/outages, "
		    "/api/v1/events, /api/v1/series, /api/v1/probes\"}\n");
	return 404;
}
