/*
 * probe_hops: redirects followed hop by hop (see probe.c's top comment):
 * each hop's phases are summed, a Location is checked by redirect.c before
 * the next hop is set up on the main handle's slot, and a redirect that
 * cannot be followed fails the probe as the server's fault. Also finishes
 * the main transfer (status, headers, body, chain) and the plain-HTTP
 * redirect check.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/redirect.h"
#include "probe_int.h"

/* Adds v to a phase sum where -1 means "never reached". */
static void phase_add(int64_t *sum, int64_t v)
{
	if (v >= 0)
		*sum = *sum >= 0 ? *sum + v : v;
}

/* Adds the current hop's phases to the sum over the hops. */
static void hop_sum_add(struct job *j)
{
	const struct probe_timings *t = &j->r.t;
	struct probe_timings *h = &j->hop_sum;

	for (int p = PHASE_FIRST; p < PHASE_END; p++)
		phase_add(&h->us[p], t->us[p]);
}

/* The probe ends on this hop's redirect: says why, for finish_main. */
static void hop_fail(struct job *j, enum probe_error e, const char *text)
{
	j->hop_error = e;
	snprintf(j->r.error_text, sizeof(j->r.error_text), "%s", text);
}

/*
 * The main transfer ended: when its response is a redirect to follow,
 * starts the next hop on a new handle and returns true. Returns false when
 * the probe ends with this response, with hop_error set when the redirect
 * itself is the failure (not followable, or one too many).
 */
bool hop_next(struct job *j, CURL *e, CURLcode rc)
{
	const struct endpoint *ep = j->ep;
	char why[200], red[256], *loc, *url = NULL, *target = NULL;
	enum redirect_target to;
	long status = 0;
	bool was_get = j->hop_get;
	CURL *next;

	if (!ep->follow_redirects || ep->plain_http || j->hw.fault[0] ||
	    (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && j->r.body_truncated)))
		return false;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	if (!redirect_status(status) || !(loc = probe_header_value(e, "Location")))
		return false; /* judged as it is, a 3xx without Location included */
	curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &url);
	to = redirect_resolve(url ? url : ep->url, loc, &target, why, sizeof(why));
	free(loc);
	if (to == REDIRECT_INVALID || to == REDIRECT_TOO_LONG) {
		hop_fail(j, PERR_HTTP_PROTOCOL, why);
	} else if (to == REDIRECT_INSECURE) {
		/* the target goes into messages: its query values redacted, as every URL shown */
		hop_fail(j, PERR_INSECURE_REDIRECT, util_url_redact(target, red, sizeof(red)));
	} else if (to == REDIRECT_BAD_SCHEME) {
		snprintf(why, sizeof(why), "redirect to a URL that is not https:// (%.150s)",
			 util_url_redact(target, red, sizeof(red)));
		hop_fail(j, PERR_HTTP_PROTOCOL, why);
	} else if (j->hops >= ep->max_redirects) {
		hop_fail(j, PERR_TOO_MANY_REDIRECTS, "");
	} else if (util_mono_us() - j->t0_us >= ep->timeout_ms * 1000) {
		/* one timeout covers every hop */
		hop_fail(j, PERR_TIMEOUT, "time ran out while following redirects");
	}
	if (j->hop_error != PERR_NONE) {
		free(target);
		return false;
	}
	free(j->hop_url);
	j->hop_url = target;
	if (!j->hop_get)
		j->hop_get = redirect_to_get(status, ep->method);
	next = setup_main(j);
	if (!next || curl_multi_add_handle(j->p->multi, next) != CURLM_OK) {
		curl_easy_cleanup(next);
		j->hop_get = was_get;
		hop_fail(j, PERR_LOCAL, "cannot start a transfer to follow the redirect (out of memory?)");
		return false;
	}
	/* this hop's phases count, then everything about its response is forgotten */
	fill_timings(j, e, true);
	hop_sum_add(j);
	j->hops++;
	j->hop_t0_us = util_mono_us();
	strbuf_done(&j->body);
	j->r.body_truncated = false;
	j->r.failed_phase = PHASE_NONE;
	memset(&j->hw, 0, sizeof(j->hw));
	curl_multi_remove_handle(j->p->multi, e);
	curl_easy_cleanup(e);
	j->main = next;
	return true;
}

void finish_main(struct job *j, CURL *e, CURLcode rc)
{
	struct probe_result *r = &j->r;
	char *s = NULL;
	long l = 0;
	bool tls = !j->ep->plain_http;

	r->curl_code = rc;
	r->error = probe_classify(j, e, rc, j->errbuf);
	if (j->hop_error != PERR_NONE)
		r->error = j->hop_error; /* error_text was written by hop_next */
	else if (r->error == PERR_HTTP_PROTOCOL)
		snprintf(r->error_text, sizeof(r->error_text), "%s", j->hw.fault);
	else if (r->error != PERR_NONE && !r->error_text[0]) /* httpfault_proxy or probe_classify wrote it */
		copy_error_text(j, j->errbuf, rc);
	fill_timings(j, e, tls);
	if (j->hops) {
		hop_sum_add(j);
		r->t = j->hop_sum;
	}
	if (r->error == PERR_TIMEOUT && (r->failed_phase == PHASE_CONNECT || r->failed_phase == PHASE_DNS)) {
		/* a TCP connect that never completes is a dropped port, not a slow server */
		r->error = r->failed_phase == PHASE_DNS ? PERR_DNS : PERR_CONNECT_TIMEOUT;
	}
	if (r->error == PERR_CONNECT_TIMEOUT || r->error == PERR_REFUSED)
		r->failed_phase = PHASE_CONNECT;

	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_IP, &s) == CURLE_OK && s)
		snprintf(r->ip, sizeof(r->ip), "%s", s);
	if (curl_easy_getinfo(e, CURLINFO_PRIMARY_PORT, &l) == CURLE_OK)
		r->port = (int)l;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->http_status);
	r->redirects = j->hops;
	if (curl_easy_getinfo(e, CURLINFO_EFFECTIVE_URL, &s) == CURLE_OK && s)
		r->final_url = xstrdup(s);
	if (curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &l) == CURLE_OK && r->http_status) {
		snprintf(r->http_version, sizeof(r->http_version), "%s",
			 l == CURL_HTTP_VERSION_2_0 ? "HTTP/2" : l == CURL_HTTP_VERSION_3 ? "HTTP/3"
			 : l == CURL_HTTP_VERSION_1_0 ? "HTTP/1.0" : "HTTP/1.1");
	}
	if (r->http_status) {
		r->hsts = probe_header_value(e, "Strict-Transport-Security");
		r->location = probe_header_value(e, "Location");
	}
	if (j->body.len || r->http_status) {
		r->body_len = j->body.len;
		r->body = j->body.s ? j->body.s : xstrdup("");
		j->body.s = NULL;
		j->body.len = j->body.cap = 0;
	}
	if (tls && j->peer && r->verify.hostname_ok < 0)
		check_hostname(j, e);
	if (j->ep->plain_http) {
		/* the endpoint itself is the redirect check */
		struct redirect_check *c = &r->http_check;

		c->done = true;
		c->error = r->error;
		snprintf(c->error_text, sizeof(c->error_text), "%s", r->error_text);
		c->status = r->http_status;
		c->location = xstrdup(r->location);
		c->to_https = c->status >= 300 && c->status < 400 && r->location &&
			      !strncasecmp(r->location, "https://", 8);
	}
}

void finish_plain(struct job *j, CURL *e, CURLcode rc)
{
	struct redirect_check *c = &j->r.http_check;

	c->done = true;
	c->error = probe_classify(j, e, rc, j->plain_errbuf);
	if (c->error == PERR_TIMEOUT && probe_info_us(e, CURLINFO_CONNECT_TIME_T) == 0)
		c->error = PERR_CONNECT_TIMEOUT;
	if (c->error != PERR_NONE)
		snprintf(c->error_text, sizeof(c->error_text), "%s",
			 j->plain_errbuf[0] ? j->plain_errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &c->status);
	c->location = c->status ? probe_header_value(e, "Location") : NULL;
	c->to_https = c->status >= 300 && c->status < 400 && c->location &&
		      !strncasecmp(c->location, "https://", 8);
}

