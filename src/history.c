/*
 * history: `httpsmon history` (outages, events, alert deliveries) and
 * `httpsmon stats` (see history.h). Pure
 * readers of the store; text from the network (messages, event details)
 * is sanitised for the terminal, JSON-escaped for scripts. A database
 * that cannot be read comes back as -1 and a message; main.c reports it.
 */
#include "httpsmon/history.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/store.h"
#include "httpsmon/util.h"

#define MAX_ROWS 10000

static struct store *open_reader(const struct history_opts *o, char *err, size_t errlen)
{
	char *path = o->db_path ? xstrdup(o->db_path) : store_reader_path(STORE_SYSTEM_DB);
	struct store *st = store_open(path, STORE_READER, err, errlen);

	free(path);
	return st;
}

static const char *san(const char *s, char *buf, size_t n)
{
	return util_sanitize(s, strlen(s), buf, n);
}

int history_endpoint_known(struct store *st, const char *name, char *err, size_t errlen)
{
	struct strlist names = { 0 };
	struct strbuf b = { 0 };
	char q[256];
	int rc = 0;

	if (!name)
		return 0;
	if (store_endpoint_names(st, &names) != 0) {
		snprintf(err, errlen, "cannot read the history");
		return -1;
	}
	for (size_t i = 0; i < names.n; i++)
		if (!strcmp(names.v[i], name))
			goto done;
	util_known_list(&b, &names, 10);
	snprintf(err, errlen, "no endpoint '%s' in DB (known: %s)", san(name, q, sizeof(q)), strbuf_cstr(&b));
	rc = -1;
done:
	strbuf_done(&b);
	strlist_done(&names);
	return rc;
}

static void time_or(char *buf, size_t n, int64_t ms, const char *none)
{
	if (ms)
		util_fmt_time_utc(buf, n, ms / 1000);
	else
		snprintf(buf, n, "%s", none);
}

void history_outage_json(struct strbuf *b, const struct outage_row *r, int64_t now_ms)
{
	char t[40];

	strbuf_puts(b, "{\"type\":\"outage\",\"endpoint\":");
	strbuf_json_str(b, r->name);
	time_or(t, sizeof(t), r->start_ms, "");
	strbuf_printf(b, ",\"start\":\"%s\",\"end\":", t);
	if (r->end_ms) {
		time_or(t, sizeof(t), r->end_ms, "");
		strbuf_printf(b, "\"%s\"", t);
	} else {
		strbuf_puts(b, "null");
	}
	strbuf_printf(b, ",\"ongoing\":%s,\"duration_s\":%lld,\"failed_probes\":%d,\"reason\":",
		      r->end_ms ? "false" : "true",
		      (long long)(((r->end_ms ? r->end_ms : now_ms) - r->start_ms) / 1000), r->failed_probes);
	strbuf_json_str(b, r->reason);
	strbuf_puts(b, ",\"message\":");
	strbuf_json_str(b, r->message);
	strbuf_puts(b, ",\"mark\":");
	if (r->mark[0])
		strbuf_json_str(b, r->mark);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, "}");
}

void history_event_json(struct strbuf *b, const struct event_row *r)
{
	char t[40];

	strbuf_puts(b, "{\"type\":\"event\",\"endpoint\":");
	strbuf_json_str(b, r->name);
	time_or(t, sizeof(t), r->t_ms, "");
	strbuf_printf(b, ",\"time\":\"%s\",\"kind\":", t);
	strbuf_json_str(b, r->kind);
	strbuf_puts(b, ",\"detail\":");
	strbuf_json_str(b, r->detail);
	strbuf_puts(b, "}");
}

/* A delivery's endpoints list names endpoint (NULL: every delivery does). */
static bool delivery_of(const struct delivery_row *d, const char *endpoint)
{
	size_t len = endpoint ? strlen(endpoint) : 0;

	if (!endpoint)
		return true;
	for (const char *p = d->endpoints; (p = strstr(p, endpoint)); p += len)
		if ((p == d->endpoints || p[-1] == ',') && (p[len] == ',' || !p[len]))
			return true;
	return false;
}

static void delivery_json(struct strbuf *b, const struct delivery_row *d)
{
	char t[40];

	time_or(t, sizeof(t), d->t_ms, "");
	strbuf_printf(b, "{\"type\":\"delivery\",\"time\":\"%s\",\"notifier\":", t);
	strbuf_json_str(b, d->notifier);
	strbuf_puts(b, ",\"kind\":");
	strbuf_json_str(b, d->kind);
	strbuf_puts(b, ",\"endpoints\":");
	strbuf_json_str(b, d->endpoints);
	strbuf_printf(b, ",\"count\":%d,\"result\":", d->count);
	strbuf_json_str(b, d->result);
	strbuf_printf(b, ",\"code\":%d,\"error\":", d->code);
	if (d->error[0])
		strbuf_json_str(b, d->error);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, ",\"target\":");
	if (d->target[0])
		strbuf_json_str(b, d->target);
	else
		strbuf_puts(b, "null");
	strbuf_puts(b, "}");
}

/* Alert deliveries (every attempt), newest first, after the outages and events. */
static int deliveries_print(FILE *out, struct store *st, const struct history_opts *o, int64_t since)
{
	struct delivery_row *ds;
	struct strbuf sb = { 0 };
	char t[40], eps[1024], why[1024];
	size_t n, shown = 0;

	if (store_deliveries(st, since, MAX_ROWS, &ds, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		shown += delivery_of(&ds[i], o->endpoint);
	if (!o->json)
		fprintf(out, "\nAlert deliveries, newest first: %zu\n", shown);
	for (size_t i = 0; i < n; i++) {
		const struct delivery_row *d = &ds[i];

		if (!delivery_of(d, o->endpoint))
			continue;
		if (o->json) {
			strbuf_reset(&sb);
			delivery_json(&sb, d);
			fprintf(out, "%s\n", strbuf_cstr(&sb));
			continue;
		}
		time_or(t, sizeof(t), d->t_ms, "?");
		fprintf(out, "  %-20s  %-16.16s %-13s %-9s %4d  %s\n", t, san(d->notifier, why, sizeof(why)), d->kind,
			d->result, d->code, san(d->endpoints, eps, sizeof(eps)));
		if (d->target[0] || d->error[0]) {
			char to[400];

			snprintf(to, sizeof(to), "to %s%s", d->target, d->error[0] ? ": " : "");
			fprintf(out, "  %20s  %s%s\n", "", d->target[0] ? san(to, eps, sizeof(eps)) : "",
				san(d->error, why, sizeof(why)));
		}
	}
	strbuf_done(&sb);
	free(ds);
	return 0;
}

int history_print(FILE *out, const struct history_opts *o, char *err, size_t errlen)
{
	struct store *st = open_reader(o, err, errlen);
	struct outage_row *outs = NULL;
	struct event_row *evs = NULL;
	size_t nouts = 0, nevs = 0;
	int64_t now = util_now_ms(), since = now - o->since_ms;
	char a[40], b[40], d[32], name[256], msg[1024];
	int rc = 0;

	if (!st)
		return -1;
	if (history_endpoint_known(st, o->endpoint, err, errlen)) {
		rc = -1;
		goto done;
	}
	if (store_outages(st, o->endpoint, since, MAX_ROWS, &outs, &nouts) != 0 ||
	    store_events(st, o->endpoint, since, MAX_ROWS, &evs, &nevs) != 0) {
		snprintf(err, errlen, "cannot read the history");
		rc = -1;
		goto done;
	}
	if (o->json) {
		struct strbuf sb = { 0 };

		for (size_t i = 0; i < nouts; i++) {
			strbuf_reset(&sb);
			history_outage_json(&sb, &outs[i], now);
			fprintf(out, "%s\n", strbuf_cstr(&sb));
		}
		for (size_t i = 0; i < nevs; i++) {
			strbuf_reset(&sb);
			history_event_json(&sb, &evs[i]);
			fprintf(out, "%s\n", strbuf_cstr(&sb));
		}
		strbuf_done(&sb);
		goto deliveries;
	}
	fprintf(out, "Outages%s%s, newest first: %zu\n", o->endpoint ? " of " : "",
		o->endpoint ? san(o->endpoint, name, sizeof(name)) : "", nouts);
	if (nouts)
		fprintf(out, "  %-20s  %-20s  %9s  %-20s %6s  %s\n", "START", "END", "DURATION", "ENDPOINT",
			"FAILED", "CAUSE");
	for (size_t i = 0; i < nouts; i++) {
		const struct outage_row *r = &outs[i];

		time_or(a, sizeof(a), r->start_ms, "?");
		time_or(b, sizeof(b), r->end_ms, "ongoing");
		util_fmt_duration_us(d, sizeof(d), ((r->end_ms ? r->end_ms : now) - r->start_ms) * 1000);
		/* a held outage says so first: it may be this box's fault, or planned */
		fprintf(out, "  %-20s  %-20s  %9s  %-20.20s %6d  %s%s%s%s: %s\n", a, b, d,
			san(r->name, name, sizeof(name)), r->failed_probes, r->mark[0] ? "[" : "",
			store_mark_label(r->mark), r->mark[0] ? "] " : "", r->reason, san(r->message, msg, sizeof(msg)));
	}
	fprintf(out, "\nEvents, newest first: %zu\n", nevs);
	for (size_t i = 0; i < nevs; i++) {
		const struct event_row *r = &evs[i];

		time_or(a, sizeof(a), r->t_ms, "?");
		fprintf(out, "  %-20s  %-20.20s %-14s %s\n", a, san(r->name, name, sizeof(name)), r->kind,
			san(r->detail, msg, sizeof(msg)));
	}
deliveries:
	if (deliveries_print(out, st, o, since) != 0) {
		snprintf(err, errlen, "cannot read the alert deliveries");
		rc = -1;
	}
done:
	free(outs);
	free(evs);
	store_close(st);
	return rc;
}

/* Days left on the leaf of the newest probe, or INT32_MIN when unknown. */
static int cert_days(struct store *st, const char *name, int64_t now_ms)
{
	struct probe_row *rows = NULL;
	size_t n = 0;
	struct cert_info c;
	int days = INT32_MIN;

	if (store_probes(st, name, now_ms - 2 * DAY_MS, now_ms, MAX_ROWS * 10, &rows, &n) != 0 || !n)
		goto done;
	for (size_t i = n; i-- > 0;) {
		if (rows[i].cert_sha256[0] && store_cert(st, rows[i].cert_sha256, &c) == 0) {
			days = cert_days_left(&c, now_ms / 1000);
			cert_info_done(&c);
			break;
		}
	}
done:
	free(rows);
	return days;
}

static void json_ms(struct strbuf *b, const char *phase, const char *p, int64_t us)
{
	if (us < 0)
		strbuf_printf(b, ",\"%s_%s_ms\":null", phase, p);
	else
		strbuf_printf(b, ",\"%s_%s_ms\":%.3f", phase, p, us / 1000.0);
}

int stats_print(FILE *out, const struct history_opts *o, char *err, size_t errlen)
{
	struct store *st = open_reader(o, err, errlen);
	struct strlist names = { 0 };
	int64_t now = util_now_ms();
	struct strbuf sb = { 0 };
	int rc = 0;

	if (!st)
		return -1;
	if (history_endpoint_known(st, o->endpoint, err, errlen)) {
		store_close(st);
		return -1;
	}
	if (store_endpoint_names(st, &names) != 0) {
		snprintf(err, errlen, "cannot read the history");
		store_close(st);
		return -1;
	}
	if (!o->json)
		fprintf(out, "%-20s %9s %9s %9s %8s %6s  %-17s %-17s %-17s %5s\n", "ENDPOINT", "UP 24h", "UP 7d",
			"UP window", "PROBES", "FAILS", "TLS p50/p95", "TTFB p50/p95", "TOTAL p50/p95", "CERT");
	for (size_t i = 0; i < names.n; i++) {
		const char *name = names.v[i];
		struct uptime u24, u7, uw;
		struct phase_stats ps;
		int days;
		char n1[256];

		if (o->endpoint && strcmp(o->endpoint, name) != 0)
			continue;
		if (store_uptime(st, name, now - DAY_MS, now, &u24) || store_uptime(st, name, now - 7 * DAY_MS, now, &u7) ||
		    store_uptime(st, name, now - o->since_ms, now, &uw) ||
		    store_latency_stats(st, name, now - o->since_ms, &ps)) {
			snprintf(err, errlen, "cannot read the history of %s", san(name, n1, sizeof(n1)));
			rc = -1;
			break;
		}
		days = cert_days(st, name, now);
		if (o->json) {
			strbuf_reset(&sb);
			strbuf_puts(&sb, "{\"endpoint\":");
			strbuf_json_str(&sb, name);
			strbuf_printf(&sb, ",\"uptime_24h\":%.4f,\"uptime_7d\":%.4f,\"uptime\":%.4f,\"probes\":%lld,"
				      "\"failures\":%lld", u24.pct, u7.pct, uw.pct, (long long)uw.probes,
				      (long long)uw.failures);
			for (int k = PHASE_FIRST; k < PHASE_END; k++) {
				json_ms(&sb, probe_phase_names(k)->key, "p50", ps.p50[k]);
				json_ms(&sb, probe_phase_names(k)->key, "p95", ps.p95[k]);
				json_ms(&sb, probe_phase_names(k)->key, "p99", ps.p99[k]);
			}
			if (days == INT32_MIN)
				strbuf_puts(&sb, ",\"cert_days_left\":null}");
			else
				strbuf_printf(&sb, ",\"cert_days_left\":%d}", days);
			fprintf(out, "%s\n", strbuf_cstr(&sb));
		} else {
			char a[16], b[16], c[16], tls[24], ttfb[24], tot[24], x[16], y[16], dl[12];

			/* the dashboard's formatter: the same figure reads the same (and 99.999 is not 100) */
			fmt_pct(a, sizeof(a), u24.pct);
			fmt_pct(b, sizeof(b), u7.pct);
			fmt_pct(c, sizeof(c), uw.pct);
			snprintf(tls, sizeof(tls), "%s/%s", util_fmt_duration_us(x, sizeof(x), ps.p50[PHASE_TLS]),
				 util_fmt_duration_us(y, sizeof(y), ps.p95[PHASE_TLS]));
			snprintf(ttfb, sizeof(ttfb), "%s/%s", util_fmt_duration_us(x, sizeof(x), ps.p50[PHASE_SERVER]),
				 util_fmt_duration_us(y, sizeof(y), ps.p95[PHASE_SERVER]));
			snprintf(tot, sizeof(tot), "%s/%s", util_fmt_duration_us(x, sizeof(x), ps.p50[PHASE_TOTAL]),
				 util_fmt_duration_us(y, sizeof(y), ps.p95[PHASE_TOTAL]));
			if (days == INT32_MIN)
				snprintf(dl, sizeof(dl), "-");
			else
				snprintf(dl, sizeof(dl), "%dd", days);
			fprintf(out, "%-20.20s %9s %9s %9s %8lld %6lld  %-17s %-17s %-17s %5s\n", san(name, n1, sizeof(n1)),
				a, b, c, (long long)uw.probes, (long long)uw.failures, tls, ttfb, tot, dl);
		}
	}
	strbuf_done(&sb);
	strlist_done(&names);
	store_close(st);
	return rc;
}
