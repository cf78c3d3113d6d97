/*
 * result: the plain values of a probe (see result.h): a struct probe_result
 * made, copied and freed, its earliest certificate expiry, and the names of
 * its errors and phases. No libcurl, no OpenSSL: verdict, store, report and
 * the UI use these without the probe engine (probe.c), and the unit tests
 * of the core (libcore.a) link them without curl.
 */
#include "httpsmon/result.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/cert.h"
#include "httpsmon/util.h"

static const char *const error_names[] = {
	[PERR_NONE] = "none",
	[PERR_DNS] = "dns",
	[PERR_REFUSED] = "refused",
	[PERR_CONNECT_TIMEOUT] = "connect_timeout",
	[PERR_CONNECT] = "connect",
	[PERR_TIMEOUT] = "timeout",
	[PERR_TLS] = "tls_handshake",
	[PERR_TLS_VERSION] = "tls_version",
	[PERR_CERT_REJECTED] = "cert_rejected",
	[PERR_TOO_MANY_REDIRECTS] = "too_many_redirects",
	[PERR_RECV] = "recv",
	[PERR_PROXY] = "proxy",
	[PERR_LOCAL] = "local",
	[PERR_OTHER] = "other",
	[PERR_INSECURE_REDIRECT] = "insecure_redirect",
	[PERR_HTTP_PROTOCOL] = "http_protocol",
};

/* The one table of phase names (result.h says where each column shows). */
static const struct phase_names phase_table[PHASE_END] = {
	[PHASE_NONE] = { "none", "none", "none", "none", "NONE" },
	[PHASE_DNS] = { "DNS", "dns", "DNS lookup", "dns", "DNS" },
	[PHASE_CONNECT] = { "connect", "connect", "TCP connect", "conn", "CONNECT" },
	[PHASE_TLS] = { "TLS", "tls", "TLS handshake", "tls", "TLS" },
	[PHASE_SERVER] = { "server", "ttfb", "server (TTFB)", "server", "SERVER" },
	[PHASE_TRANSFER] = { "transfer", "transfer", "transfer", "xfer", "XFER" },
	[PHASE_TOTAL] = { "total", "total", "total", "total", "TOTAL" },
};

const char *probe_error_name(enum probe_error e)
{
	return (unsigned)e < sizeof(error_names) / sizeof(error_names[0]) ? error_names[e] : "?";
}

const struct phase_names *probe_phase_names(enum probe_phase p)
{
	static const struct phase_names unknown = { "?", "?", "?", "?", "?" };

	return (unsigned)p < PHASE_END ? &phase_table[p] : &unknown;
}

const char *probe_phase_name(enum probe_phase p)
{
	return probe_phase_names(p)->name;
}

/* ---- probe_result values ---------------------------------------------- */

void probe_timings_init(struct probe_timings *t)
{
	for (int p = 0; p < PHASE_END; p++)
		t->us[p] = -1;
}

void probe_result_init(struct probe_result *r)
{
	memset(r, 0, sizeof(*r));
	probe_timings_init(&r->t);
	r->verify.hostname_ok = -1;
}

void probe_result_done(struct probe_result *r)
{
	if (!r)
		return;
	free(r->final_url);
	free(r->location);
	free(r->hsts);
	free(r->body);
	free(r->http_check.location);
	for (int i = 0; i < r->chain_len; i++)
		cert_info_done(&r->chain[i]);
	for (int i = 0; i < r->n_addrs; i++)
		probe_result_done(&r->addrs[i]);
	free(r->addrs);
	probe_result_init(r);
}

void probe_result_copy(struct probe_result *dst, const struct probe_result *src)
{
	*dst = *src;
	dst->final_url = xstrdup(src->final_url);
	dst->location = xstrdup(src->location);
	dst->hsts = xstrdup(src->hsts);
	dst->http_check.location = xstrdup(src->http_check.location);
	if (src->body) {
		dst->body = xmalloc(src->body_len + 1);
		memcpy(dst->body, src->body, src->body_len);
		dst->body[src->body_len] = '\0';
	}
	for (int i = 0; i < src->chain_len; i++)
		cert_info_copy(&dst->chain[i], &src->chain[i]);
	if (src->n_addrs) {
		dst->addrs = xcalloc((size_t)src->n_addrs, sizeof(*dst->addrs));
		for (int i = 0; i < src->n_addrs; i++)
			probe_result_copy(&dst->addrs[i], &src->addrs[i]);
	}
}

int64_t probe_result_handshake_us(const struct probe_result *r)
{
	return r->tls_version[0] && r->failed_phase != PHASE_TLS ? r->t.us[PHASE_TLS] : -1;
}

int64_t probe_result_earliest_expiry(const struct probe_result *r, int *index)
{
	int64_t best = 0;
	int at = -1;

	for (int i = 0; i < r->chain_len; i++) {
		if (r->chain[i].not_after && (at < 0 || r->chain[i].not_after < best)) {
			best = r->chain[i].not_after;
			at = i;
		}
	}
	if (index)
		*index = at;
	return best;
}
