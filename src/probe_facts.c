/*
 * probe_facts: turning a finished transfer into facts (see probe.c): which
 * phase failed and why (the error class, naming the server's fault or our
 * own), the phase timings from curl's counters, response headers, and the
 * error text. Reads curl and the job's TLS facts; writes only j->r.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe_int.h"

/* ---- turning a finished transfer into facts ----------------------------- */

int64_t probe_info_us(CURL *e, CURLINFO what)
{
	curl_off_t v = 0;

	return curl_easy_getinfo(e, what, &v) == CURLE_OK ? (int64_t)v : 0;
}

static bool text_has(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

enum probe_error probe_classify(struct job *j, CURL *e, CURLcode rc, const char *errbuf)
{
	long oserr = 0;

	curl_easy_getinfo(e, CURLINFO_OS_ERRNO, &oserr);
	if (e == j->main && rc != CURLE_OK) {
		if (j->socket_errno) {
			snprintf(j->r.error_text, sizeof(j->r.error_text), "cannot open a socket: %s",
				 strerror(j->socket_errno));
			return PERR_LOCAL;
		}
		if (httpfault_server(&j->hw, e, rc, errbuf))
			return PERR_HTTP_PROTOCOL;
		if (httpfault_proxy(j->ep->proxy, e, rc, oserr, j->tls_started, errbuf, j->r.error_text,
				    sizeof(j->r.error_text)))
			return PERR_PROXY;
	}
	switch (rc) {
	case CURLE_OK:
		return PERR_NONE;
	case CURLE_COULDNT_RESOLVE_HOST:
		return PERR_DNS;
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY:
		return PERR_PROXY;
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			return PERR_REFUSED;
		if (oserr == ETIMEDOUT)
			return PERR_CONNECT_TIMEOUT;
		return PERR_CONNECT;
	case CURLE_OPERATION_TIMEDOUT:
		return PERR_TIMEOUT; /* refined by the phase reached */
	case CURLE_SSL_CONNECT_ERROR:
		if (text_has(j->alert, "protocol version") || text_has(errbuf, "unsupported protocol") ||
		    text_has(errbuf, "no protocols available") || text_has(errbuf, "protocol version") ||
		    text_has(errbuf, "version too low"))
			return PERR_TLS_VERSION;
		return PERR_TLS;
	case CURLE_TOO_MANY_REDIRECTS:
		return PERR_TOO_MANY_REDIRECTS;
	case CURLE_ABORTED_BY_CALLBACK:
		return j->cert_rejected ? PERR_CERT_REJECTED : PERR_OTHER;
	case CURLE_WRITE_ERROR:
		return j->r.body_truncated ? PERR_NONE : PERR_LOCAL;
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* TLS 1.3 servers refuse a missing client certificate after the handshake */
		if (text_has(errbuf, "alert") && (text_has(errbuf, "certificate") || text_has(errbuf, "handshake")))
			return PERR_TLS;
		return PERR_RECV;
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return PERR_RECV;
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_URL_MALFORMAT:
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_FAILED_INIT:
		return PERR_LOCAL;
	default:
		return PERR_OTHER;
	}
}

/*
 * Phase durations from curl's cumulative marks. curl reports the connect
 * mark only once TLS is also up, so when a handshake fails or stalls the
 * TCP-connected moment comes from our own handshake-start mark instead.
 */
void fill_timings(struct job *j, CURL *e, bool tls)
{
	struct probe_result *r = &j->r;
	struct probe_timings *t = &r->t;
	int64_t nl = probe_info_us(e, CURLINFO_NAMELOOKUP_TIME_T);
	int64_t conn = probe_info_us(e, CURLINFO_CONNECT_TIME_T);
	int64_t app = probe_info_us(e, CURLINFO_APPCONNECT_TIME_T);
	int64_t pre = probe_info_us(e, CURLINFO_PRETRANSFER_TIME_T);
	int64_t st = probe_info_us(e, CURLINFO_STARTTRANSFER_TIME_T);
	int64_t tot = probe_info_us(e, CURLINFO_TOTAL_TIME_T);
	bool failed = r->error != PERR_NONE;

	t->us[PHASE_TOTAL] = tot;
	if (!nl) {
		r->failed_phase = failed ? PHASE_DNS : PHASE_NONE;
		t->us[PHASE_DNS] = tot;
		return;
	}
	t->us[PHASE_DNS] = nl;
	if (!conn && tls && j->hs_start_us) {
		/* TCP connected, the handshake began and never finished */
		conn = j->hs_start_us - j->hop_t0_us;
		if (conn < nl)
			conn = nl;
		if (conn > tot)
			conn = tot;
	}
	if (!conn) {
		t->us[PHASE_CONNECT] = tot - nl;
		r->failed_phase = PHASE_CONNECT;
		return;
	}
	t->us[PHASE_CONNECT] = conn - nl;
	if (tls) {
		if (!app) {
			t->us[PHASE_TLS] = tot - conn;
			r->failed_phase = PHASE_TLS;
			return;
		}
		t->us[PHASE_TLS] = app - conn;
	}
	if (!st) {
		if (r->error == PERR_CERT_REJECTED)
			return; /* stopped on purpose before the request */
		if (pre)
			t->us[PHASE_SERVER] = tot - pre;
		r->failed_phase = failed ? PHASE_SERVER : PHASE_NONE;
		return;
	}
	t->us[PHASE_SERVER] = st - (pre ? pre : (app ? app : conn));
	t->us[PHASE_TRANSFER] = tot - st;
	if (failed && j->hop_error == PERR_NONE)
		r->failed_phase = PHASE_TRANSFER;
}

char *probe_header_value(CURL *e, const char *name)
{
	struct curl_header *h = NULL;

	if (curl_easy_header(e, name, 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h && h->value)
		return xstrdup(h->value);
	return NULL;
}

void copy_error_text(struct job *j, const char *errbuf, CURLcode rc)
{
	const char *text = errbuf[0] ? errbuf : curl_easy_strerror(rc);

	if (j->alert[0] && !text_has(text, j->alert))
		snprintf(j->r.error_text, sizeof(j->r.error_text), "%s (server alert: %s)", text, j->alert);
	else
		snprintf(j->r.error_text, sizeof(j->r.error_text), "%s", text);
}

