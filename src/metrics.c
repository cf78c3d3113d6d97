/*
 * metrics: the Prometheus text format of the live model (see metrics.h).
 *
 * The format wants each family's series together under one # HELP and
 * # TYPE, so a render walks a table of per-endpoint families (FAMILIES)
 * and, for each, every endpoint. Each endpoint's label text
 * (endpoint="...",location="...") is escaped once per render into reused
 * scratch memory and pasted into each of its series. Numbers are written
 * without printf (integers, and seconds from microseconds as fixed point):
 * a render of 10,000 endpoints writes about a million of them.
 */
#include "httpsmon/metrics.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "httpsmon/version.h"

/* Histogram bounds, 1 ms .. 10 s, in microseconds and as the le label says them. */
#define NBUCKETS 13
static const int64_t bucket_us[NBUCKETS] = { 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000,
					     500000, 1000000, 2500000, 5000000, 10000000 };
static const char *const bucket_le[NBUCKETS] = { "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
						 "0.1", "0.25", "0.5", "1", "2.5", "5", "10" };

struct histo {
	uint64_t n[NBUCKETS + 1]; /* per bucket (not cumulative); the last is +Inf only */
	uint64_t count;
	int64_t sum_us;
};

struct metrics {
	struct histo phase[PHASE_LAST + 1]; /* by enum probe_phase, PHASE_FIRST.. */
	struct histo late;
	int64_t start_s;
	struct strbuf labels;     /* every endpoint's label text, back to back */
	size_t *lab_off;          /* start of endpoint i's in labels; [n] is the end */
	size_t lab_cap;
};

/* What one family's writer gets for one endpoint. */
struct ctx {
	struct strbuf *b;
	const char *lbl;          /* label text without braces, "" for none */
	size_t lbl_len;
	const struct ep_status *s;
	int64_t now_ms;
	bool stale;
	const struct upcache *up;
};

/* ---- writing ------------------------------------------------------------ */

static void put(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

static void put_i64(struct strbuf *b, int64_t v)
{
	char t[24], *p = t + sizeof(t);
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do {
		*--p = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		*--p = '-';
	strbuf_append(b, p, (size_t)(t + sizeof(t) - p));
}

/* Microseconds as seconds: "0.012345", "3", never an exponent. */
static void put_secs(struct strbuf *b, int64_t us)
{
	char frac[8];
	int64_t f;

	if (us < 0) {
		put(b, "-");
		us = -us;
	}
	put_i64(b, us / 1000000);
	f = us % 1000000;
	if (!f)
		return;
	for (int i = 6; i > 0; i--, f /= 10)
		frac[i] = (char)('0' + f % 10);
	frac[0] = '.';
	f = 6;
	while (frac[f] == '0')
		f--;
	strbuf_append(b, frac, (size_t)f + 1);
}

/* A label value, escaped (\\ \" \n) and cut at METRICS_LABEL_MAX bytes on a UTF-8 boundary. */
static void put_label(struct strbuf *b, const char *v)
{
	size_t len = v ? strlen(v) : 0, i, start;
	bool cut = len > METRICS_LABEL_MAX;

	if (cut) {
		len = METRICS_LABEL_MAX;
		while (len && ((unsigned char)v[len] & 0xC0) == 0x80)
			len--;
	}
	for (i = start = 0; i < len; i++) {
		const char *esc = v[i] == '\\' ? "\\\\" : v[i] == '"' ? "\\\"" : v[i] == '\n' ? "\\n" : NULL;

		if (!esc)
			continue;
		strbuf_append(b, v + start, i - start);
		put(b, esc);
		start = i + 1;
	}
	strbuf_append(b, v + start, len - start);
	if (cut)
		put(b, "...");
}

/* name{labels, : a series line whose caller writes more labels, then the closing brace. */
static void series_start(const struct ctx *c, const char *name)
{
	put(c->b, name);
	put(c->b, "{");
	strbuf_append(c->b, c->lbl, c->lbl_len);
	if (c->lbl_len)
		put(c->b, ",");
}

/* name{labels[,extra]} : the start of a series line, before its value. */
static void series_open(const struct ctx *c, const char *name, const char *extra)
{
	if (!c->lbl_len && !extra) {
		put(c->b, name);
		put(c->b, " ");
		return;
	}
	if (extra) {
		series_start(c, name);
		put(c->b, extra);
	} else {
		put(c->b, name);
		put(c->b, "{");
		strbuf_append(c->b, c->lbl, c->lbl_len);
	}
	put(c->b, "} ");
}

static void line_i64(const struct ctx *c, const char *name, const char *extra, int64_t v)
{
	series_open(c, name, extra);
	put_i64(c->b, v);
	put(c->b, "\n");
}

static void line_secs(const struct ctx *c, const char *name, const char *extra, int64_t us)
{
	series_open(c, name, extra);
	put_secs(c->b, us < 0 ? 0 : us);
	put(c->b, "\n");
}

static void family(struct strbuf *b, const char *name, const char *type, const char *help)
{
	put(b, "# HELP ");
	put(b, name);
	put(b, " ");
	put(b, help);
	put(b, "\n# TYPE ");
	put(b, name);
	put(b, " ");
	put(b, type);
	put(b, "\n");
}

/* ---- the per-endpoint families ------------------------------------------ */

bool metrics_stale(const struct ep_status *s, int64_t now_ms)
{
	return !s->have_result || now_ms - s->last_ms > 3 * s->ep->interval_ms;
}

static const struct probe_result *res(const struct ctx *c)
{
	return c->s->have_result ? &c->s->last : NULL;
}

static void f_success(const struct ctx *c)
{
	line_i64(c, "probe_success", NULL, !c->stale && c->s->last_v.state != STATE_DOWN);
}

static void f_duration(const struct ctx *c)
{
	if (res(c))
		line_secs(c, "probe_duration_seconds", NULL, c->s->last.t.us[PHASE_TOTAL]);
}

static void f_http_duration(const struct ctx *c)
{
	static const char *const phase[] = { [PHASE_DNS] = "phase=\"resolve\"", [PHASE_CONNECT] = "phase=\"connect\"",
					     [PHASE_TLS] = "phase=\"tls\"", [PHASE_SERVER] = "phase=\"processing\"",
					     [PHASE_TRANSFER] = "phase=\"transfer\"" };

	if (res(c))
		for (int p = PHASE_FIRST; p <= PHASE_LAST; p++)
			line_secs(c, "probe_http_duration_seconds", phase[p], c->s->last.t.us[p]);
}

static void f_dns(const struct ctx *c)
{
	if (res(c))
		line_secs(c, "probe_dns_lookup_time_seconds", NULL, c->s->last.t.us[PHASE_DNS]);
}

static void f_status(const struct ctx *c)
{
	if (res(c))
		line_i64(c, "probe_http_status_code", NULL, c->s->last.http_status);
}

static void f_redirects(const struct ctx *c)
{
	if (res(c))
		line_i64(c, "probe_http_redirects", NULL, c->s->last.redirects);
}

static void f_ssl(const struct ctx *c)
{
	if (res(c))
		line_i64(c, "probe_http_ssl", NULL, c->s->last.tls_version_num > 0);
}

static void f_http_version(const struct ctx *c)
{
	const char *v = c->s->last.http_version;

	if (!res(c))
		return;
	series_open(c, "probe_http_version", NULL);
	put(c->b, !strcmp(v, "HTTP/1.1") ? "1.1" : !strcmp(v, "HTTP/1.0") ? "1" : !strcmp(v, "HTTP/2") ? "2"
		  : !strcmp(v, "HTTP/3") ? "3" : "0");
	put(c->b, "\n");
}

static void f_expiry(const struct ctx *c)
{
	if (res(c) && c->s->last.chain_len > 0)
		line_i64(c, "probe_ssl_earliest_cert_expiry", NULL, probe_result_earliest_expiry(&c->s->last, NULL));
}

/* Blackbox's: the earliest expiry of a chain that verified; absent when it did not. */
static void f_chain_expiry(const struct ctx *c)
{
	const struct probe_result *r = res(c);

	if (r && r->chain_len > 0 && r->verify.checked && r->verify.code == 0)
		line_i64(c, "probe_ssl_last_chain_expiry_timestamp_seconds", NULL, probe_result_earliest_expiry(r, NULL));
}

static void f_tls_version(const struct ctx *c)
{
	static const char *const names[] = { "version=\"TLS 1.0\"", "version=\"TLS 1.1\"", "version=\"TLS 1.2\"",
					     "version=\"TLS 1.3\"" };
	int v = c->s->last.tls_version_num;

	if (res(c) && v >= 10 && v <= 13)
		line_i64(c, "probe_tls_version_info", names[v - 10], 1);
}

static void f_chain_info(const struct ctx *c)
{
	const struct cert_info *leaf = &c->s->last.chain[0];

	if (!res(c) || c->s->last.chain_len < 1)
		return;
	series_start(c, "probe_ssl_last_chain_info");
	put(c->b, "fingerprint_sha256=\"");
	put_label(c->b, leaf->sha256);
	put(c->b, "\",subject=\"");
	put_label(c->b, leaf->subject);
	put(c->b, "\",issuer=\"");
	put_label(c->b, leaf->issuer);
	put(c->b, "\",serialnumber=\"");
	put_label(c->b, leaf->serial);
	put(c->b, "\"} 1\n");
}

static void f_ip(const struct ctx *c)
{
	if (res(c) && c->s->last.ip[0])
		line_i64(c, "probe_ip_protocol", NULL, strchr(c->s->last.ip, ':') ? 6 : 4);
}

static void f_info(const struct ctx *c)
{
	series_start(c, "httpsmon_endpoint_info");
	put(c->b, "url=\"");
	put_label(c->b, c->s->ep->url);
	put(c->b, "\"} 1\n");
}

static void f_stale(const struct ctx *c)
{
	line_i64(c, "httpsmon_result_stale", NULL, c->s->have_result && c->stale);
}

static void f_state(const struct ctx *c)
{
	static const struct { enum live l; const char *label; } st[] = {
		{ LIVE_UP, "state=\"up\"" }, { LIVE_WARN, "state=\"warn\"" }, { LIVE_DOWN, "state=\"down\"" },
		{ LIVE_FAILING, "state=\"failing\"" }, { LIVE_PENDING, "state=\"pending\"" },
		{ LIVE_PAUSED, "state=\"paused\"" },
	};

	for (size_t i = 0; i < sizeof(st) / sizeof(st[0]); i++)
		line_i64(c, "httpsmon_endpoint_state", st[i].label, c->s->live == st[i].l);
}

static void f_reason(const struct ctx *c)
{
	if (!res(c))
		return;
	series_start(c, "httpsmon_endpoint_reason_info");
	put(c->b, "reason=\"");
	put(c->b, reason_name(c->s->last_v.reason));
	put(c->b, "\"} 1\n");
}

static void f_probes(const struct ctx *c)
{
	line_i64(c, "httpsmon_probes_total", "verdict=\"up\"", c->s->by_state[STATE_UP]);
	line_i64(c, "httpsmon_probes_total", "verdict=\"warn\"", c->s->by_state[STATE_WARN]);
	line_i64(c, "httpsmon_probes_total", "verdict=\"down\"", c->s->by_state[STATE_DOWN]);
}

static void f_outages(const struct ctx *c)
{
	line_i64(c, "httpsmon_outages_total", NULL, c->s->outages);
}

static void f_outage_active(const struct ctx *c)
{
	line_i64(c, "httpsmon_outage_active", NULL, c->s->in_outage);
}

static void f_outage_seconds(const struct ctx *c)
{
	int64_t ms = c->s->in_outage && c->now_ms > c->s->outage_start_ms ? c->now_ms - c->s->outage_start_ms : 0;

	line_i64(c, "httpsmon_outage_seconds", NULL, ms / 1000);
}

/* Uptime ratios as the cache has them (a figure not known yet is left out); 6 decimals, cut, never rounded up to 1. */
static void f_uptime(const struct ctx *c)
{
	static const char *const label[UPCACHE_WINDOWS] = { "window=\"24h\"", "window=\"7d\"", "window=\"30d\"" };

	for (int w = 0; w < UPCACHE_WINDOWS; w++) {
		double r = upcache_ratio(c->up, c->s->id, (enum upcache_window)w);

		if (r < 0)
			continue;
		series_open(c, "httpsmon_uptime_ratio", label[w]);
		put_secs(c->b, (int64_t)(r * 1e6)); /* millionths, written as put_secs writes microseconds */
		put(c->b, "\n");
	}
}

/* Seconds left on the earliest certificate of the chain (negative once expired). */
static bool time_left(const struct ctx *c, int64_t *secs)
{
	if (!res(c) || c->s->last.chain_len < 1)
		return false;
	*secs = probe_result_earliest_expiry(&c->s->last, NULL) - c->now_ms / 1000;
	return true;
}

static void f_time_left(const struct ctx *c)
{
	int64_t t;

	if (time_left(c, &t))
		line_i64(c, "httpsmon_cert_time_left_seconds", NULL, t);
}

/* Renewal is overdue once fewer than cert_warn_days are left (ACME clients renew at 30 days). */
static void f_overdue(const struct ctx *c)
{
	int64_t t;

	if (time_left(c, &t))
		line_i64(c, "httpsmon_cert_renewal_overdue", NULL, t < (int64_t)c->s->ep->cert_warn_days * 86400);
}

/* The last posture pass's grade: one series of ten label values, only for an endpoint graded by a pass. */
static const struct grade *graded(const struct ctx *c)
{
	return c->s->posture && c->s->posture->g.grade[0] ? &c->s->posture->g : NULL;
}

static void f_grade(const struct ctx *c)
{
	const struct grade *g = graded(c);

	if (!g)
		return;
	series_start(c, "httpsmon_tls_grade_info");
	put(c->b, "grade=\"");
	put_label(c->b, g->grade);
	put(c->b, "\"} 1\n");
}

static void f_grade_score(const struct ctx *c)
{
	const struct grade *g = graded(c);

	if (g)
		line_i64(c, "httpsmon_tls_grade_score", NULL, g->score);
}

static void f_posture_at(const struct ctx *c)
{
	if (c->s->posture)
		line_i64(c, "httpsmon_posture_last_pass_timestamp_seconds", NULL, c->s->posture->t_ms / 1000);
}

struct family {
	const char *name, *type, *help;
	void (*write)(const struct ctx *c);
	bool blackbox;            /* served by /probe too */
};

static const struct family families[] = {
	{ "probe_success", "gauge", "1 when the last probe was UP or WARN and is fresh, 0 for DOWN, stale or none",
	  f_success, true },
	{ "probe_duration_seconds", "gauge", "Duration of the last probe", f_duration, true },
	{ "probe_http_duration_seconds", "gauge", "Phases of the last probe, summed over redirects",
	  f_http_duration, true },
	{ "probe_dns_lookup_time_seconds", "gauge", "DNS lookup of the last probe", f_dns, true },
	{ "probe_http_status_code", "gauge", "Final HTTP status of the last probe (0: none)", f_status, true },
	{ "probe_http_redirects", "gauge", "Redirects the last probe followed", f_redirects, true },
	{ "probe_http_ssl", "gauge", "1 when the final response came over TLS", f_ssl, true },
	{ "probe_http_version", "gauge", "HTTP version of the final response", f_http_version, true },
	{ "probe_ssl_earliest_cert_expiry", "gauge", "Earliest not-after in the served chain, Unix seconds "
	  "(present when verification failed too)", f_expiry, true },
	{ "probe_ssl_last_chain_expiry_timestamp_seconds", "gauge", "Earliest not-after of the chain when it "
	  "verified, Unix seconds", f_chain_expiry, true },
	{ "probe_tls_version_info", "gauge", "TLS version of the last probe", f_tls_version, true },
	{ "probe_ssl_last_chain_info", "gauge", "The leaf certificate of the last probe", f_chain_info, true },
	{ "probe_ip_protocol", "gauge", "IP version of the address probed (4 or 6)", f_ip, true },
	{ "httpsmon_endpoint_info", "gauge", "The endpoint's URL", f_info, false },
	{ "httpsmon_result_stale", "gauge", "1 when the last result is older than 3 intervals", f_stale, false },
	{ "httpsmon_endpoint_state", "gauge", "1 for the endpoint's current state, 0 for the others", f_state, false },
	{ "httpsmon_endpoint_reason_info", "gauge", "The reason of the last verdict", f_reason, false },
	{ "httpsmon_probes_total", "counter", "Probes since the collector started, by verdict", f_probes, false },
	{ "httpsmon_outages_total", "counter", "Outages started since the collector started", f_outages, false },
	{ "httpsmon_outage_active", "gauge", "1 while the endpoint is in a confirmed outage", f_outage_active, false },
	{ "httpsmon_outage_seconds", "gauge", "Length of the current outage (0: none)", f_outage_seconds, false },
	{ "httpsmon_uptime_ratio", "gauge", "Share of probes not DOWN over the window, from the history (read again "
	  "every minute for 24h, 10 minutes for 7d, 30 for 30d)", f_uptime, false },
	{ "httpsmon_cert_time_left_seconds", "gauge", "Time until the earliest certificate of the chain expires "
	  "(negative once expired)", f_time_left, false },
	{ "httpsmon_cert_renewal_overdue", "gauge", "1 when fewer days are left than cert_warn_days", f_overdue,
	  false },
	{ "httpsmon_tls_grade_info", "gauge", "The grade of the last posture pass (an approximation of SSL Labs' "
	  "grade: A+, A, A-, B, C, D, E, F, T, M)", f_grade, false },
	{ "httpsmon_tls_grade_score", "gauge", "The 0-100 score of the last posture pass (0 when F, T or M applied)",
	  f_grade_score, false },
	{ "httpsmon_posture_last_pass_timestamp_seconds", "gauge", "When the last posture pass ended, Unix seconds",
	  f_posture_at, false },
};
#define NFAMILIES (sizeof(families) / sizeof(families[0]))

/* ---- the collector's own ------------------------------------------------ */

static void observe(struct histo *h, int64_t us)
{
	int i = 0;

	if (us < 0)
		return;
	while (i < NBUCKETS && us > bucket_us[i])
		i++;
	h->n[i]++;
	h->count++;
	h->sum_us += us;
}

void metrics_observe_probe(struct metrics *m, const struct probe_result *r)
{
	for (int p = PHASE_FIRST; p <= PHASE_LAST; p++)
		observe(&m->phase[p], r->t.us[p]);
}

void metrics_observe_lateness(struct metrics *m, int64_t late_ms)
{
	observe(&m->late, late_ms < 0 ? 0 : late_ms * 1000);
}

/* One histogram's series: buckets (cumulative), sum, count; extra is "phase=\"tls\"" or NULL. */
static void histo_write(const struct ctx *c, const char *name, const char *extra, const struct histo *h)
{
	char le[80], nb[96];
	uint64_t cum = 0;

	snprintf(nb, sizeof(nb), "%s_bucket", name);
	for (int i = 0; i <= NBUCKETS; i++) {
		cum += h->n[i];
		snprintf(le, sizeof(le), "%s%sle=\"%s\"", extra ? extra : "", extra ? "," : "",
			 i < NBUCKETS ? bucket_le[i] : "+Inf");
		line_i64(c, nb, le, (int64_t)cum);
	}
	snprintf(nb, sizeof(nb), "%s_sum", name);
	line_secs(c, nb, extra, h->sum_us);
	snprintf(nb, sizeof(nb), "%s_count", name);
	line_i64(c, nb, extra, (int64_t)h->count);
}

/* process_*: from /proc/self, as client libraries export them. */
static void process_write(const struct metrics *m, const struct ctx *c)
{
	unsigned long long ut = 0, st = 0, vsize = 0;
	long long rss = 0;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	char buf[1024], *p;
	struct rlimit rl;
	int64_t fds = 0;
	FILE *f = fopen("/proc/self/stat", "re");
	DIR *d;

	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);

		buf[n] = '\0';
		fclose(f);
		/* after the command name in parentheses: state is field 3, utime 14, stime 15, vsize 23, rss 24 */
		if ((p = strrchr(buf, ')')) && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
					 "%*d %*d %*d %*d %*d %*d %*u %llu %lld", &ut, &st, &vsize, &rss) != 4)
			ut = st = vsize = 0, rss = 0;
	}
	if ((d = opendir("/proc/self/fd"))) {
		while (readdir(d))
			fds++;
		closedir(d);
		fds -= 3; /* ".", ".." and the directory's own descriptor */
	}
	family(c->b, "process_cpu_seconds_total", "counter", "User and system CPU time spent");
	line_secs(c, "process_cpu_seconds_total", NULL, tck > 0 ? (int64_t)(ut + st) * 1000000 / tck : 0);
	family(c->b, "process_resident_memory_bytes", "gauge", "Resident memory size");
	line_i64(c, "process_resident_memory_bytes", NULL, rss * page);
	family(c->b, "process_virtual_memory_bytes", "gauge", "Virtual memory size");
	line_i64(c, "process_virtual_memory_bytes", NULL, (int64_t)vsize);
	family(c->b, "process_open_fds", "gauge", "Open file descriptors");
	line_i64(c, "process_open_fds", NULL, fds);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		family(c->b, "process_max_fds", "gauge", "Limit of open file descriptors");
		line_i64(c, "process_max_fds", NULL, rl.rlim_cur == RLIM_INFINITY ? -1 : (int64_t)rl.rlim_cur);
	}
	family(c->b, "process_start_time_seconds", "gauge", "Start time of the process, Unix seconds");
	line_i64(c, "process_start_time_seconds", NULL, m->start_s);
}

static void collector_write(const struct metrics *m, const struct ctx *c, const struct metrics_info *in,
			    size_t n_endpoints)
{
	static const char *const phase[] = { [PHASE_DNS] = "phase=\"resolve\"", [PHASE_CONNECT] = "phase=\"connect\"",
					     [PHASE_TLS] = "phase=\"tls\"", [PHASE_SERVER] = "phase=\"processing\"",
					     [PHASE_TRANSFER] = "phase=\"transfer\"" };
	struct version_libs v;

	family(c->b, "httpsmon_probe_phase_seconds", "histogram", "Each phase of every probe since start");
	for (int p = PHASE_FIRST; p <= PHASE_LAST; p++)
		histo_write(c, "httpsmon_probe_phase_seconds", phase[p], &m->phase[p]);
	family(c->b, "httpsmon_scheduler_lateness_seconds", "histogram", "How late each probe started after it was due");
	histo_write(c, "httpsmon_scheduler_lateness_seconds", NULL, &m->late);
	family(c->b, "httpsmon_store_write_errors_total", "counter", "History commits that failed since start");
	line_i64(c, "httpsmon_store_write_errors_total", NULL, (int64_t)in->store_write_errors);
	family(c->b, "httpsmon_endpoints", "gauge", "Endpoints in the running config");
	line_i64(c, "httpsmon_endpoints", NULL, (int64_t)n_endpoints);
	family(c->b, "httpsmon_config_last_reload_success", "gauge", "1 when the running config is the file's latest");
	line_i64(c, "httpsmon_config_last_reload_success", NULL, in->reload_ok);
	family(c->b, "httpsmon_config_last_reload_timestamp_seconds", "gauge", "When the running config was loaded");
	line_i64(c, "httpsmon_config_last_reload_timestamp_seconds", NULL, in->reload_ms / 1000);
	version_libs(&v);
	family(c->b, "httpsmon_build_info", "gauge", "Versions of httpsmon and the libraries it probes with");
	series_start(c, "httpsmon_build_info");
	put(c->b, "version=\"" HTTPSMON_VERSION "\",curl=\"");
	put_label(c->b, v.curl);
	put(c->b, "\",openssl=\"");
	put_label(c->b, v.openssl);
	put(c->b, "\",sqlite=\"");
	put_label(c->b, v.sqlite);
	put(c->b, "\"} 1\n");
	process_write(m, c);
}

/* ---- rendering ---------------------------------------------------------- */

struct metrics *metrics_new(void)
{
	struct metrics *m = xcalloc(1, sizeof(*m));

	m->start_s = util_now_ms() / 1000;
	return m;
}

void metrics_free(struct metrics *m)
{
	if (!m)
		return;
	strbuf_done(&m->labels);
	free(m->lab_off);
	free(m);
}

/* Every endpoint's label text into m->labels (reused), endpoint i at lab_off[i]..lab_off[i + 1]. */
static void labels_build(struct metrics *m, const struct monitor *mon, const char *location)
{
	size_t n = monitor_count(mon);

	if (n + 1 > m->lab_cap) {
		m->lab_cap = n + 1 > 2 * m->lab_cap ? n + 1 : 2 * m->lab_cap;
		m->lab_off = xrealloc(m->lab_off, m->lab_cap * sizeof(*m->lab_off));
	}
	strbuf_reset(&m->labels);
	for (size_t i = 0; i < n; i++) {
		m->lab_off[i] = m->labels.len;
		put(&m->labels, "endpoint=\"");
		put_label(&m->labels, monitor_at(mon, i)->name);
		put(&m->labels, "\"");
		if (location) {
			put(&m->labels, ",location=\"");
			put_label(&m->labels, location);
			put(&m->labels, "\"");
		}
	}
	m->lab_off[n] = m->labels.len;
}

void metrics_render(struct metrics *m, struct strbuf *b, const struct monitor *mon, const struct metrics_info *in)
{
	size_t n = monitor_count(mon);
	struct ctx c = { .b = b, .now_ms = in->now_ms, .up = in->up };
	char loc[METRICS_LABEL_MAX + 32];

	labels_build(m, mon, in->location);
	for (size_t f = 0; f < NFAMILIES; f++) {
		family(b, families[f].name, families[f].type, families[f].help);
		for (size_t i = 0; i < n; i++) {
			c.s = monitor_at(mon, i);
			c.stale = metrics_stale(c.s, in->now_ms);
			c.lbl = m->labels.s + m->lab_off[i];
			c.lbl_len = m->lab_off[i + 1] - m->lab_off[i];
			families[f].write(&c);
		}
	}
	/* the one label of the collector's own series (the config allows no character that needs escaping) */
	loc[0] = '\0';
	if (in->location)
		snprintf(loc, sizeof(loc), "location=\"%.*s\"", METRICS_LABEL_MAX, in->location);
	c.lbl = loc;
	c.lbl_len = strlen(loc);
	collector_write(m, &c, in, n);
}

void metrics_render_probe(struct metrics *m, struct strbuf *b, const struct ep_status *s, int64_t now_ms)
{
	struct ctx c = { .b = b, .lbl = "", .s = s, .now_ms = now_ms, .stale = metrics_stale(s, now_ms) };

	(void)m;
	for (size_t f = 0; f < NFAMILIES; f++)
		if (families[f].blackbox) {
			family(b, families[f].name, families[f].type, families[f].help);
			families[f].write(&c);
		}
}
