/*
 * verdict_http: the rules about the HTTP exchange once the transfer
 * completed: status, body (size, match, regex and JSON conditions),
 * redirects on plain HTTP and port 80, HSTS, and latency limits.
 *
 * Part of the verdict module (src/verdict.c owns note() and conclude());
 * every rule here only reads j->ep, j->r and j->now_s and calls note().
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/hsts.h"
#include "httpsmon/jsoncond.h"
#include "httpsmon/rx.h"
#include "httpsmon/util.h"
#include "verdict_int.h"

/* A byte count as configured sizes are usually written: "1MiB", "64KiB", "1000 bytes". */
static char *fmt_size(char *buf, size_t n, int64_t bytes)
{
	if (bytes > 0 && bytes % (1LL << 30) == 0)
		snprintf(buf, n, "%lldGiB", (long long)(bytes >> 30));
	else if (bytes > 0 && bytes % (1LL << 20) == 0)
		snprintf(buf, n, "%lldMiB", (long long)(bytes >> 20));
	else if (bytes > 0 && bytes % (1LL << 10) == 0)
		snprintf(buf, n, "%lldKiB", (long long)(bytes >> 10));
	else
		snprintf(buf, n, "%lld bytes", (long long)bytes);
	return buf;
}

/* ---- HTTP --------------------------------------------------------------- */

/* "200-399", "200, 204", "200-299, 301". */
static char *fmt_expect_status(char *buf, size_t n, const struct endpoint *ep)
{
	size_t i, o = 0;

	buf[0] = '\0';
	if (!ep->n_expect_status) {
		snprintf(buf, n, "200-399");
		return buf;
	}
	for (i = 0; i < ep->n_expect_status && o + 1 < n; i++) {
		const struct status_range *s = &ep->expect_status[i];
		int w;

		if (s->lo == s->hi)
			w = snprintf(buf + o, n - o, "%s%d", i ? ", " : "", s->lo);
		else
			w = snprintf(buf + o, n - o, "%s%d-%d", i ? ", " : "", s->lo, s->hi);
		if (w < 0)
			break;
		o += (size_t)w;
	}
	return buf;
}

void judge_status(struct judge *j)
{
	const struct probe_result *r = j->r;
	char want[128], url[VERDICT_URL_MAX];

	if (endpoint_status_ok(j->ep, r->http_status))
		return;
	note(j, REASON_HTTP_STATUS, STATE_DOWN, "HTTP %ld from %s; expected %s", r->http_status,
	     util_url_redact(r->final_url ? r->final_url : j->ep->url, url, sizeof url),
	     fmt_expect_status(want, sizeof want, j->ep));
}

/*
 * A check that fails on a cut body may have passed on the whole one, so it
 * becomes body_too_large (WARN, "cannot judge") instead of body_mismatch.
 * A check that passes on the cut body passes.
 */
void judge_body(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_result *r = j->r;
	const char *body = r->body ? r->body : "";
	size_t len = r->body ? r->body_len : 0;
	char unjudged[80] = "", msg[400], size[32];
	bool cut = r->body_truncated;
	enum rx_result rx = RX_MATCH;

	if (ep->expect_body && !memmem(body, len, ep->expect_body, strlen(ep->expect_body))) {
		if (cut)
			strcat(unjudged, ", expect_body");
		else
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "body does not contain \"%s\"",
			     ep->expect_body);
	}

	if (ep->body_regex)
		rx = rx_match(ep->body_regex, body, len, msg, sizeof msg);
	if (rx == RX_GAVE_UP) {
		/* the pattern, not the body, is at fault: a cut body changes nothing */
		note(j, REASON_BODY_MISMATCH, STATE_DOWN, "%s", msg);
	} else if (rx == RX_NOMATCH) {
		if (cut)
			strcat(unjudged, ", expect_body_regex");
		else
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "body does not match /%s/",
			     verdict_str(ep->expect_body_regex));
	}

	if (ep->n_expect_json > 0) {
		enum jsoncond_outcome o;

		msg[0] = '\0';
		o = jsoncond_eval_all(ep->expect_json, ep->n_expect_json, body, len, msg, sizeof msg);
		if (o != JSONCOND_PASS && cut)
			strcat(unjudged, ", expect_json");
		else if (o == JSONCOND_FAIL)
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "expect_json failed: %s", msg);
		else if (o == JSONCOND_NOT_JSON && strstr(msg, "JSON"))
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "%s", msg); /* already says so */
		else if (o == JSONCOND_NOT_JSON)
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "body is not JSON%s%s", verdict_sep(msg), msg);
	}

	if (unjudged[0])
		note(j, REASON_BODY_TOO_LARGE, STATE_WARN, "body exceeds max_body (%s); cannot judge %s",
		     fmt_size(size, sizeof size, ep->max_body), unjudged + 2);
}

/*
 * One sentence for a plain-HTTP answer that does not send the client to
 * HTTPS; url is what was asked ("http://host/").
 */
static void redirect_finding(struct judge *j, enum state st, const char *url_in, long status,
			     const char *loc_in)
{
	bool redirect = status >= 300 && status < 400;
	char url[VERDICT_URL_MAX], lb[VERDICT_URL_MAX];
	const char *loc = loc_in ? util_url_redact(loc_in, lb, sizeof lb) : NULL;

	util_url_redact(url_in, url, sizeof url);

	if (redirect && loc && *loc && strncasecmp(loc, "https://", 8) == 0)
		note(j, REASON_NO_HTTPS_REDIRECT, st, "%s redirects to %s, not to HTTPS on the same host",
		     url, loc);
	else if (redirect && loc && *loc)
		note(j, REASON_NO_HTTPS_REDIRECT, st, "%s redirects to %s instead of HTTPS", url, loc);
	else if (redirect)
		note(j, REASON_NO_HTTPS_REDIRECT, st, "%s answered %ld without a Location header", url,
		     status);
	else
		note(j, REASON_NO_HTTPS_REDIRECT, st, "%s answered %ld without redirecting to HTTPS", url,
		     status);
}

/*
 * url = http://...: the endpoint passes by sending clients to HTTPS. The
 * main probe does not follow redirects for these, so its status and
 * Location are the answer; http_check, when the prober filled it, says the
 * same with to_https already judged (same host), and is preferred.
 */
void judge_plain_http(struct judge *j)
{
	const struct probe_result *r = j->r;
	const struct redirect_check *hc = &r->http_check;
	const char *url = verdict_str(j->ep->url);
	long status;
	const char *loc;
	bool to_https;

	if (hc->done && hc->error == PERR_NONE) {
		status = hc->status;
		loc = hc->location;
		to_https = hc->to_https;
	} else {
		status = r->http_status;
		loc = r->location;
		to_https = loc && strncasecmp(loc, "https://", 8) == 0;
	}
	if (status >= 300 && status < 400 && to_https)
		return;
	redirect_finding(j, STATE_DOWN, url, status, loc);
}

/* check_http_redirect on an https endpoint: a finding (WARN), never an outage. */
void judge_port80(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct redirect_check *hc = &j->r->http_check;
	int port = ep->http_port > 0 ? ep->http_port : 80;
	char url[320], hp[320];
	const char *what;

	if (!ep->check_http_redirect || !hc->done)
		return;
	if (hc->error != PERR_NONE) {
		switch (hc->error) {
		case PERR_REFUSED:
			what = "connection refused";
			break;
		case PERR_CONNECT_TIMEOUT:
			what = "no connection (timed out)";
			break;
		case PERR_DNS:
			what = "could not resolve the host";
			break;
		default:
			what = hc->error_text[0] ? hc->error_text : "no answer";
			break;
		}
		note(j, REASON_NO_HTTPS_REDIRECT, STATE_WARN, "plain HTTP port %d: %s", port, what);
		return;
	}
	if (hc->status >= 300 && hc->status < 400 && hc->to_https)
		return;
	/* the default port is left out of the URL, as people write it */
	if (port == 80)
		snprintf(url, sizeof url, strchr(verdict_str(ep->host), ':') ? "http://[%s]/" : "http://%s/",
			 verdict_str(ep->host));
	else
		snprintf(url, sizeof url, "http://%s/",
			 verdict_fmt_hostport(hp, sizeof hp, verdict_str(ep->host), port));
	redirect_finding(j, STATE_WARN, url, hc->status, hc->location);
}

void judge_hsts(struct judge *j)
{
	const char *h = j->r->hsts;
	struct hsts_info hi;

	if (!j->ep->expect_hsts)
		return;
	if (!h) {
		note(j, REASON_HSTS_MISSING, STATE_WARN, "no Strict-Transport-Security header");
		return;
	}
	hsts_parse(h, &hi);
	if (!hi.valid)
		note(j, REASON_HSTS_MISSING, STATE_WARN,
		     "Strict-Transport-Security is ignored by browsers (%s): \"%s\"", hi.problem, h);
	else if (hi.max_age_s == 0)
		note(j, REASON_HSTS_MISSING, STATE_WARN,
		     "Strict-Transport-Security max-age=0 tells browsers to forget HSTS");
}

void judge_latency(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_timings *t = &j->r->t;
	const char *which;
	char total[32], lim[32], slow[32];
	enum state st;
	int best = PHASE_FIRST;

	if (ep->latency_down_ms > 0 && t->us[PHASE_TOTAL] > ep->latency_down_ms * 1000) {
		st = STATE_DOWN;
		which = "latency_down";
		verdict_fmt_limit_ms(lim, sizeof lim, ep->latency_down_ms);
	} else if (ep->latency_warn_ms > 0 && t->us[PHASE_TOTAL] > ep->latency_warn_ms * 1000) {
		st = STATE_WARN;
		which = "latency_warn";
		verdict_fmt_limit_ms(lim, sizeof lim, ep->latency_warn_ms);
	} else {
		return;
	}
	for (int p = PHASE_FIRST + 1; p <= PHASE_LAST; p++)
		if (t->us[p] > t->us[best])
			best = p;
	util_fmt_duration_us(total, sizeof total, t->us[PHASE_TOTAL]);
	if (t->us[best] > 0)
		note(j, REASON_TOO_SLOW, st, "total %s exceeds %s %s (%s %s of it)", total, which, lim,
		     probe_phase_name(best), util_fmt_duration_us(slow, sizeof slow, t->us[best]));
	else
		note(j, REASON_TOO_SLOW, st, "total %s exceeds %s %s", total, which, lim);
}

