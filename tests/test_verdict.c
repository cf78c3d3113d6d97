/*
 * test_verdict: every rule of verdict.c on hand-built probe results.
 *
 * Each test starts from a fixture holding a default endpoint for
 * https://www.example.com/health and a healthy result (HTTP 200 in 143ms,
 * TLSv1.3, leaf + intermediate valid for 87 more days), breaks one or a
 * few facts, and checks the state, the deciding reason, the reason bits
 * and the key words of the message. Time is fixed at NOW.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/cert.h"
#include "httpsmon/config.h"
#include "httpsmon/jsoncond.h"
#include "httpsmon/posture.h"
#include "httpsmon/result.h"
#include "httpsmon/rx.h"
#include "httpsmon/util.h"
#include "httpsmon/verdict.h"

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */
#define DAY 86400LL
#define BIT(r) REASON_BIT(r)

struct fx {
	struct endpoint ep;
	struct probe_result r;
	struct verdict v;
};

static void set_cert(struct cert_info *c, const char *subject, const char *issuer,
		     const char *sans, int64_t not_before, int64_t not_after)
{
	cert_info_done(c);
	memset(c, 0, sizeof *c);
	c->subject = xstrdup(subject);
	c->issuer = xstrdup(issuer);
	c->sans = xstrdup(sans);
	c->not_before = not_before;
	c->not_after = not_after;
	c->self_issued = strcmp(subject, issuer) == 0;
	c->is_ca = sans == NULL;
	snprintf(c->key_type, sizeof c->key_type, "EC");
	c->key_bits = 256;
	snprintf(c->sig_alg, sizeof c->sig_alg, "ecdsa-with-SHA256");
}

/* A probe of https://www.example.com/health that went well. */
static void good_result(struct probe_result *r)
{
	probe_result_init(r);
	r->started_ms = NOW * 1000;
	r->t.us[PHASE_DNS] = 2000;
	r->t.us[PHASE_CONNECT] = 1200;
	r->t.us[PHASE_TLS] = 40000;
	r->t.us[PHASE_SERVER] = 90000;
	r->t.us[PHASE_TRANSFER] = 9800;
	r->t.us[PHASE_TOTAL] = 143000;
	snprintf(r->ip, sizeof r->ip, "192.0.2.10");
	r->port = 443;
	snprintf(r->http_version, sizeof r->http_version, "HTTP/2");
	r->http_status = 200;
	r->final_url = xstrdup("https://www.example.com/health");
	snprintf(r->tls_version, sizeof r->tls_version, "TLSv1.3");
	r->tls_version_num = 13;
	r->verify.checked = true;
	r->verify.hostname_ok = 1;
	snprintf(r->verify.hostname, sizeof r->verify.hostname, "www.example.com");
	set_cert(&r->chain[0], "CN=www.example.com,O=Example\\, Inc.,C=US",
		 "CN=Example CA,O=Example", "DNS:www.example.com, DNS:example.com",
		 NOW - 3 * DAY, NOW + 87 * DAY + 3600);
	set_cert(&r->chain[1], "CN=Example CA,O=Example", "CN=Example Root,O=Example", NULL,
		 NOW - 400 * DAY, NOW + 900 * DAY);
	r->chain_len = r->chain_sent = 2;
	r->body = xstrdup("{\"status\":\"ok\",\"version\":\"1.2.3\"}");
	r->body_len = strlen(r->body);
}

static int setup(void **state)
{
	struct fx *f = xcalloc(1, sizeof *f);

	endpoint_defaults(&f->ep);
	f->ep.name = xstrdup("www");
	f->ep.url = xstrdup("https://www.example.com/health");
	f->ep.host = xstrdup("www.example.com");
	f->ep.port = 443;
	good_result(&f->r);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	endpoint_done(&f->ep);
	probe_result_done(&f->r);
	free(f);
	return 0;
}

static struct verdict *judge(struct fx *f)
{
	verdict_judge(&f->ep, &f->r, NOW, &f->v);
	return &f->v;
}

static void replace(char **p, const char *s)
{
	free(*p);
	*p = xstrdup(s);
}

/* Fails with the message shown, so a wrong sentence is easy to see. */
#define assert_says(v, phrase)                                                          \
	do {                                                                             \
		if (!strstr((v)->message, (phrase)))                                     \
			fail_msg("message \"%s\" lacks \"%s\"", (v)->message, (phrase)); \
	} while (0)

#define assert_verdict(v, st, rs)                                                       \
	do {                                                                             \
		if ((v)->state != (st) || (v)->reason != (rs))                           \
			fail_msg("got %s/%s (\"%s\"), want %s/%s", state_name((v)->state),   \
				 reason_name((v)->reason), (v)->message, state_name(st),   \
				 reason_name(rs));                                           \
		assert_true((v)->reasons & BIT(rs));                                     \
	} while (0)

/* ---- names -------------------------------------------------------------- */

static void test_names(void **state)
{
	static const char *const want[REASON_COUNT] = {
		"ok", "proxy", "dns", "refused", "connect_timeout", "connect", "timeout", "tls_version",
		"tls_handshake", "cert_expired", "cert_not_yet_valid", "cert_self_signed",
		"cert_untrusted", "cert_chain_incomplete", "cert_hostname", "cert_revoked", "cert_weak",
		"http_protocol", "http_status", "too_many_redirects", "insecure_redirect",
		"no_https_redirect", "body_mismatch",
		"body_too_large", "too_slow", "cert_expiring", "hsts_missing", "tls_legacy_offered",
		"cipher_weak_offered", "no_forward_secrecy", "ocsp_staple_stale", "revocation_unknown",
		"probe_error",
	};
	int i;

	(void)state;
	for (i = 0; i < REASON_COUNT; i++)
		assert_string_equal(reason_name((enum reason)i), want[i]);
	assert_string_equal(reason_name(REASON_COUNT), "?");
	assert_string_equal(state_name(STATE_UP), "UP");
	assert_string_equal(state_name(STATE_WARN), "WARN");
	assert_string_equal(state_name(STATE_DOWN), "DOWN");
}

/* ---- UP ----------------------------------------------------------------- */

static void test_up(void **state)
{
	struct fx *f = *state;
	struct verdict *v = judge(f);
	int i;

	assert_verdict(v, STATE_UP, REASON_OK);
	assert_int_equal(v->reasons, BIT(REASON_OK));
	for (i = 0; i < REASON_COUNT; i++)
		assert_int_equal(v->severity[i], STATE_UP);
	assert_string_equal(v->message, "HTTP 200 in 143ms, TLSv1.3, certificate valid 87 more days");
}

static void test_pure(void **state)
{
	struct fx *f = *state;
	struct verdict a, b;
	struct probe_result before = f->r;

	f->ep.expect_hsts = true;
	f->ep.latency_warn_ms = 100;
	verdict_judge(&f->ep, &f->r, NOW, &a);
	memset(&b, 0xa5, sizeof b);
	verdict_judge(&f->ep, &f->r, NOW, &b);
	assert_memory_equal(&a, &b, sizeof a);
	assert_memory_equal(&before, &f->r, sizeof before);
}

/* ---- transport ---------------------------------------------------------- */

static void fail_transport(struct fx *f, enum probe_error e, const char *text)
{
	f->r.error = e;
	f->r.http_status = 0;
	snprintf(f->r.error_text, sizeof f->r.error_text, "%s", text);
}

static void test_dns(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	fail_transport(f, PERR_DNS, "Could not resolve host: www.example.com");
	f->r.failed_phase = PHASE_DNS;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_DNS);
	assert_int_equal(v->reasons, BIT(REASON_DNS));
	assert_int_equal(v->severity[REASON_DNS], STATE_DOWN);
	assert_string_equal(v->message,
			    "could not resolve www.example.com: Could not resolve host: www.example.com");
}

static void test_refused(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	fail_transport(f, PERR_REFUSED, "Failed to connect");
	snprintf(f->r.ip, sizeof f->r.ip, "192.0.2.10");
	f->r.port = 443;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_REFUSED);
	assert_string_equal(v->message, "connection to 192.0.2.10:443 refused: nothing listens "
					"there, or a firewall rejects it");

	snprintf(f->r.ip, sizeof f->r.ip, "2001:db8::1");
	v = judge(f);
	assert_says(v, "connection to [2001:db8::1]:443 refused");
}

static void test_connect_timeout(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	fail_transport(f, PERR_CONNECT_TIMEOUT, "Connection timed out after 10001 milliseconds");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CONNECT_TIMEOUT);
	assert_string_equal(v->message, "no TCP connection to www.example.com:443 within 10s: a "
					"firewall may be dropping the port");
}

static void test_connect(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	fail_transport(f, PERR_CONNECT, "Network is unreachable");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CONNECT);
	assert_says(v, "could not connect to");
	assert_says(v, "Network is unreachable");
}

static void test_timeout_phases(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	fail_transport(f, PERR_TIMEOUT, "Operation timed out");
	f->r.failed_phase = PHASE_TLS;
	f->r.t.us[PHASE_CONNECT] = 1200;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TIMEOUT);
	assert_string_equal(v->message, "connected in 1.2ms, then no TLS handshake within 10s");

	f->r.failed_phase = PHASE_SERVER;
	v = judge(f);
	assert_string_equal(v->message,
			    "TLS done, then no response within 10s (waiting for first byte)");

	f->r.failed_phase = PHASE_TRANSFER;
	v = judge(f);
	assert_string_equal(v->message, "response body not finished within 10s");

	f->ep.timeout_ms = 2500;
	f->r.failed_phase = PHASE_NONE;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TIMEOUT);
	assert_says(v, "within 2.50s");
}

static void test_tls_errors(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	fail_transport(f, PERR_TLS_VERSION, "tlsv1 alert protocol version");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_VERSION);
	assert_string_equal(v->message, "no common TLS version: tlsv1 alert protocol version");

	fail_transport(f, PERR_TLS, "sslv3 alert handshake failure");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_HANDSHAKE);
	assert_string_equal(v->message, "TLS handshake failed: sslv3 alert handshake failure");
}

static void test_other_errors(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	fail_transport(f, PERR_TOO_MANY_REDIRECTS, "Maximum (5) redirects followed");
	f->r.http_status = 302;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TOO_MANY_REDIRECTS);
	assert_says(v, "more than 5 redirects (max_redirects)");
	assert_false(v->reasons & BIT(REASON_HTTP_STATUS));

	fail_transport(f, PERR_RECV, "Recv failure: Connection reset by peer");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_PROBE_ERROR);
	assert_string_equal(v->message,
			    "connection closed mid-response: Recv failure: Connection reset by peer");

	fail_transport(f, PERR_PROXY, "proxy 127.0.0.1:3128 answered the tunnel request with HTTP 407");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_PROXY);
	assert_string_equal(v->message, "proxy 127.0.0.1:3128 answered the tunnel request with HTTP 407");

	/* the server's doing is named as the server's, never as a local problem */
	fail_transport(f, PERR_HTTP_PROTOCOL, "invalid HTTP status line");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_HTTP_PROTOCOL);
	assert_string_equal(v->message, "the server broke HTTP: invalid HTTP status line");

	fail_transport(f, PERR_INSECURE_REDIRECT, "http://h:2/x");
	f->r.http_status = 302;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_INSECURE_REDIRECT);
	assert_string_equal(v->message, "redirects to plain http://h:2/x (not followed)");
	assert_false(v->reasons & BIT(REASON_HTTP_STATUS));

	fail_transport(f, PERR_LOCAL, "could not load PEM client certificate");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_PROBE_ERROR);
	assert_says(v, "could not load PEM client certificate");

	fail_transport(f, PERR_OTHER, "");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_PROBE_ERROR);
	assert_string_equal(v->message, "probe failed");
}

/* After a transport failure only certificate facts are judged, never HTTP ones. */
static void test_transport_skips_http(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	fail_transport(f, PERR_TIMEOUT, "Operation timed out");
	f->r.failed_phase = PHASE_TRANSFER;
	f->r.http_status = 500;
	f->r.t.us[PHASE_TOTAL] = 10000000;
	f->ep.latency_warn_ms = 1000;
	f->ep.expect_hsts = true;
	replace(&f->ep.expect_body, "never there");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TIMEOUT);
	assert_int_equal(v->reasons, BIT(REASON_TIMEOUT));
	assert_string_equal(v->message, "response body not finished within 10s");
}

/* A handshake can finish and the probe still fail later: certificate facts still count. */
static void test_transport_keeps_cert(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	fail_transport(f, PERR_RECV, "Recv failure");
	f->r.verify.hostname_ok = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_HOSTNAME);
	assert_true(v->reasons & BIT(REASON_PROBE_ERROR));
	assert_says(v, "(also: probe_error)");

	fail_transport(f, PERR_TLS, "handshake failure");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_HANDSHAKE);
	assert_says(v, "TLS handshake failed: handshake failure (also: cert_hostname)");
}

/* ---- TLS version -------------------------------------------------------- */

static void test_tls_version_negotiated(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	snprintf(f->r.tls_version, sizeof f->r.tls_version, "TLSv1");
	f->r.tls_version_num = 10;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_VERSION);
	assert_string_equal(v->message, "server negotiated TLSv1; minimum is TLS 1.2 (the server "
					"offers nothing newer)");

	f->r.tls_version[0] = '\0';
	v = judge(f);
	assert_says(v, "server negotiated TLS 1.0;");

	/* exactly the minimum is fine */
	snprintf(f->r.tls_version, sizeof f->r.tls_version, "TLSv1.2");
	f->r.tls_version_num = 12;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	f->ep.min_tls = 13;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_VERSION);
	assert_says(v, "server negotiated TLSv1.2; minimum is TLS 1.3");
}

/* ---- certificate -------------------------------------------------------- */

static void test_cert_expired_leaf(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[0].not_after = NOW - 10 * DAY;
	f->r.verify.flags = VERIFY_EXPIRED;
	f->r.verify.code = 10;
	snprintf(f->r.verify.error, sizeof f->r.verify.error, "certificate has expired");
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_int_equal(v->reasons, BIT(REASON_CERT_EXPIRED));
	assert_string_equal(v->message,
			    "certificate 'www.example.com' expired on 2025-12-22 (10 days ago)");

	/* an hour ago is today, and expiring is not judged on top of expired */
	f->r.chain[0].not_after = NOW - 3600;
	v = judge(f);
	assert_says(v, "expired on 2025-12-31 (today)");
	assert_false(v->reasons & BIT(REASON_CERT_EXPIRING));

	f->r.chain[0].not_after = NOW - DAY - 1;
	v = judge(f);
	assert_says(v, "(1 day ago)");
}

static void test_cert_expired_by_date_only(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* no flag from the verifier, but the dates say so */
	f->r.chain[1].not_after = NOW - 40 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_string_equal(v->message, "intermediate 'Example CA' expired on 2025-11-22 (40 days ago)");

	/* the earliest of two expired entries is the one named */
	f->r.chain[0].not_after = NOW - 5 * DAY;
	v = judge(f);
	assert_says(v, "intermediate 'Example CA' expired");
}

static void test_cert_expired_flag_only(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	probe_result_done(&f->r);
	f->r.error = PERR_CERT_REJECTED;
	f->r.verify.checked = true;
	f->r.verify.flags = VERIFY_EXPIRED;
	f->r.verify.code = 10;
	snprintf(f->r.verify.error, sizeof f->r.verify.error, "certificate has expired");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_int_equal(v->reasons, BIT(REASON_CERT_EXPIRED));
	assert_string_equal(v->message, "certificate expired: certificate has expired");
}

static void test_cert_not_yet_valid(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[0].not_before = NOW + 3 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_NOT_YET_VALID);
	assert_string_equal(v->message,
			    "certificate 'www.example.com' is not valid until 2026-01-04 (in 3 days)");

	f->r.chain[0].not_before = NOW - 3 * DAY;
	f->r.verify.flags = VERIFY_NOT_YET_VALID;
	snprintf(f->r.verify.error, sizeof f->r.verify.error, "certificate is not yet valid");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_NOT_YET_VALID);
	assert_says(v, "certificate is not yet valid");
}

static void test_cert_self_signed(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_cert(&f->r.chain[0], "CN=www.example.com", "CN=www.example.com", "DNS:www.example.com",
		 NOW - DAY, NOW + 300 * DAY);
	cert_info_done(&f->r.chain[1]);
	f->r.chain_len = f->r.chain_sent = 1;
	f->r.verify.flags = VERIFY_SELF_SIGNED | VERIFY_UNTRUSTED_ROOT;
	f->r.verify.code = 18;
	snprintf(f->r.verify.error, sizeof f->r.verify.error, "self-signed certificate");
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_SELF_SIGNED);
	/* the same problem is not counted twice as untrusted */
	assert_int_equal(v->reasons, BIT(REASON_CERT_SELF_SIGNED));
	assert_says(v, "certificate 'www.example.com' is self-signed");
}

static void test_cert_chain_incomplete(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	cert_info_done(&f->r.chain[1]);
	f->r.chain_len = f->r.chain_sent = 1;
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	f->r.verify.flags = VERIFY_UNKNOWN_ISSUER | VERIFY_CHAIN_INCOMPLETE | VERIFY_AIA_COMPLETES;
	f->r.verify.code = 20;
	snprintf(f->r.verify.error, sizeof f->r.verify.error,
		 "unable to get local issuer certificate");
	snprintf(f->r.verify.aia_note, sizeof f->r.verify.aia_note,
		 "the chain verifies with the intermediate from the AIA URL");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_CHAIN_INCOMPLETE);
	assert_int_equal(v->reasons, BIT(REASON_CERT_CHAIN_INCOMPLETE));
	assert_string_equal(v->message,
			    "server sent only its leaf certificate, no intermediate; the intermediate "
			    "from the certificate's AIA URL completes the chain, so add it to the "
			    "server's chain file");

	f->r.verify.flags &= ~VERIFY_AIA_COMPLETES;
	snprintf(f->r.verify.aia_note, sizeof f->r.verify.aia_note,
		 "could not fetch the AIA intermediate: Couldn't connect to server");
	v = judge(f);
	assert_string_equal(v->message,
			    "server sent only its leaf certificate, no intermediate; could not fetch "
			    "the AIA intermediate: Couldn't connect to server");

	f->r.verify.aia_note[0] = '\0';
	v = judge(f);
	assert_string_equal(v->message, "server sent only its leaf certificate, no intermediate");
}

static void test_cert_untrusted(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_cert(&f->r.chain[1], "CN=Evil Root", "CN=Evil Root", NULL, NOW - DAY, NOW + 900 * DAY);
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	f->r.verify.flags = VERIFY_UNTRUSTED_ROOT;
	f->r.verify.code = 19;
	snprintf(f->r.verify.error, sizeof f->r.verify.error,
		 "self-signed certificate in certificate chain");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_UNTRUSTED);
	assert_int_equal(v->reasons, BIT(REASON_CERT_UNTRUSTED));
	assert_string_equal(v->message, "chain does not lead to a trusted root: self-signed "
					"certificate in certificate chain (issuer: 'Evil Root')");

	f->r.verify.flags = VERIFY_UNKNOWN_ISSUER;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_UNTRUSTED);

	f->r.verify.flags = VERIFY_OTHER;
	f->r.verify.code = 7;
	snprintf(f->r.verify.error, sizeof f->r.verify.error, "certificate signature failure");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_UNTRUSTED);
	assert_string_equal(v->message, "certificate rejected: certificate signature failure");
}

/* PERR_CERT_REJECTED with nothing in the verify facts to say why. */
static void test_cert_rejected_unexplained(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	fail_transport(f, PERR_CERT_REJECTED, "SSL peer certificate was not OK");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_UNTRUSTED);
	assert_int_equal(v->reasons, BIT(REASON_CERT_UNTRUSTED));
	assert_string_equal(v->message, "certificate rejected: SSL peer certificate was not OK");

	snprintf(f->r.verify.error, sizeof f->r.verify.error, "certificate revoked");
	v = judge(f);
	assert_string_equal(v->message, "certificate rejected: certificate revoked");
}

static void test_cert_hostname(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	replace(&f->r.chain[0].sans, "DNS:a.example, DNS:b.example");
	f->r.verify.hostname_ok = 0;
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_HOSTNAME);
	assert_int_equal(v->reasons, BIT(REASON_CERT_HOSTNAME));
	assert_string_equal(v->message, "certificate is for a.example, b.example, not www.example.com");

	replace(&f->r.chain[0].sans,
		"DNS:a.example, DNS:b.example, IP Address:192.0.2.1, DNS:c.example, DNS:d.example");
	v = judge(f);
	assert_string_equal(v->message, "certificate is for a.example, b.example, 192.0.2.1 and 2 "
					"more, not www.example.com");

	free(f->r.chain[0].sans);
	f->r.chain[0].sans = NULL;
	v = judge(f);
	assert_string_equal(v->message,
			    "certificate is for 'www.example.com' (no SANs), not www.example.com");

	/* -1: not checked, so not judged */
	f->r.verify.hostname_ok = -1;
	f->r.error = PERR_NONE;
	f->r.http_status = 200;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

static void test_cert_weak(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	snprintf(f->r.chain[0].sig_alg, sizeof f->r.chain[0].sig_alg, "sha1WithRSAEncryption");
	snprintf(f->r.chain[0].key_type, sizeof f->r.chain[0].key_type, "RSA");
	f->r.chain[0].key_bits = 2048;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_WEAK);
	assert_int_equal(v->reasons, BIT(REASON_CERT_WEAK));
	assert_says(v, "SHA-1 signature");
	assert_says(v, "on the leaf certificate: modern clients refuse it");

	/* a small key further up the chain */
	snprintf(f->r.chain[0].sig_alg, sizeof f->r.chain[0].sig_alg, "sha256WithRSAEncryption");
	snprintf(f->r.chain[1].key_type, sizeof f->r.chain[1].key_type, "RSA");
	f->r.chain[1].key_bits = 1024;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_WEAK);
	assert_says(v, "RSA 1024-bit key on intermediate 'Example CA'");
}

/* A served root's own SHA-1 self-signature does not matter: trust comes from the store. */
static void test_cert_weak_root_exempt(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_cert(&f->r.chain[2], "CN=Example Root,O=Example", "CN=Example Root,O=Example", NULL,
		 NOW - 4000 * DAY, NOW + 2000 * DAY);
	snprintf(f->r.chain[2].sig_alg, sizeof f->r.chain[2].sig_alg, "sha1WithRSAEncryption");
	f->r.chain_len = f->r.chain_sent = 3;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

static void test_cert_expiring(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[0].not_after = NOW + 5 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRING);
	assert_int_equal(v->reasons, BIT(REASON_CERT_EXPIRING));
	assert_string_equal(v->message, "certificate 'www.example.com' expires in 5 days "
					"(2026-01-06); critical below 7 days");

	f->r.chain[0].not_after = NOW + 10 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);
	assert_int_equal(v->severity[REASON_CERT_EXPIRING], STATE_WARN);
	assert_string_equal(v->message, "certificate 'www.example.com' expires in 10 days "
					"(2026-01-11); warning below 21 days");

	f->r.chain[0].not_after = NOW + 1 * DAY;
	v = judge(f);
	assert_says(v, "expires in 1 day (");

	f->r.chain[0].not_after = NOW + 60;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRING);
	assert_says(v, "expires in less than a day");
}

/* Past two-thirds of its lifetime and not renewed: a renewal that is failing. */
static void test_cert_lifetime_two_thirds(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* a 90-day certificate with 25 days left: 72% used, beyond any day threshold */
	f->r.chain[0].not_before = NOW - 65 * DAY;
	f->r.chain[0].not_after = NOW + 25 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);
	assert_says(v, "has used 72% of its 90-day lifetime and was not renewed");

	/* the same certificate at 55% of its life is fine */
	f->r.chain[0].not_before = NOW - 50 * DAY;
	f->r.chain[0].not_after = NOW + 40 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

static void test_cert_expiring_boundaries(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* exactly cert_warn_days left: not yet a warning */
	f->r.chain[0].not_after = NOW + 21 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_says(v, "certificate valid 21 more days");

	/* one second less is 20 whole days */
	f->r.chain[0].not_after = NOW + 21 * DAY - 1;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);
	assert_says(v, "expires in 20 days");

	/* exactly cert_crit_days left: a warning, not critical */
	f->r.chain[0].not_after = NOW + 7 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);

	f->r.chain[0].not_after = NOW + 7 * DAY - 1;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRING);

	/* expiring at this very second is not expired yet */
	f->r.chain[0].not_after = NOW;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRING);
	assert_false(v->reasons & BIT(REASON_CERT_EXPIRED));

	/* thresholds of 0 turn the rule off */
	f->ep.cert_warn_days = f->ep.cert_crit_days = 0;
	f->r.chain[0].not_after = NOW + 3 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* The whole served chain counts: an intermediate expiring first is named. */
static void test_cert_expiring_intermediate(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[1].not_after = NOW + 12 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);
	assert_string_equal(v->message, "intermediate 'Example CA' expires in 12 days "
					"(2026-01-13); warning below 21 days");
}

/* ---- precedence --------------------------------------------------------- */

static void test_precedence_expired_and_hostname(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[0].not_after = NOW - 2 * DAY;
	f->r.verify.flags = VERIFY_EXPIRED;
	f->r.verify.hostname_ok = 0;
	f->r.error = PERR_CERT_REJECTED;
	f->r.http_status = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_int_equal(v->reasons, BIT(REASON_CERT_EXPIRED) | BIT(REASON_CERT_HOSTNAME));
	assert_int_equal(v->severity[REASON_CERT_HOSTNAME], STATE_DOWN);
	assert_string_equal(v->message, "certificate 'www.example.com' expired on 2025-12-30 (2 "
					"days ago) (also: cert_hostname)");
}

static void test_precedence_down_beats_warn(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* body_too_large (WARN) comes before cert_expiring (DOWN) in the list */
	f->r.body_truncated = true;
	replace(&f->ep.expect_body, "not in the cut part");
	f->r.chain[0].not_after = NOW + 2 * DAY;
	f->ep.expect_hsts = true;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRING);
	assert_int_equal(v->reasons,
			 BIT(REASON_BODY_TOO_LARGE) | BIT(REASON_CERT_EXPIRING) | BIT(REASON_HSTS_MISSING));
	assert_int_equal(v->severity[REASON_BODY_TOO_LARGE], STATE_WARN);
	assert_int_equal(v->severity[REASON_HSTS_MISSING], STATE_WARN);
	assert_says(v, "critical below 7 days (also: body_too_large, hsts_missing)");

	/* HTTP 500 (DOWN) over HSTS (WARN) */
	f->r.body_truncated = false;
	free(f->ep.expect_body);
	f->ep.expect_body = NULL;
	f->r.chain[0].not_after = NOW + 80 * DAY;
	f->r.http_status = 500;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_HTTP_STATUS);
	assert_says(v, "(also: hsts_missing)");
}

static void test_precedence_warn_only(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.chain[0].not_after = NOW + 15 * DAY;
	f->ep.expect_hsts = true;
	f->ep.latency_warn_ms = 100;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_TOO_SLOW);
	assert_int_equal(v->reasons, BIT(REASON_TOO_SLOW) | BIT(REASON_CERT_EXPIRING) | BIT(REASON_HSTS_MISSING));
	assert_says(v, "(also: cert_expiring, hsts_missing)");
}

/* ---- HTTP --------------------------------------------------------------- */

static void test_http_status(void **state)
{
	struct fx *f = *state;
	struct status_range mine[2] = { { 200, 200 }, { 204, 204 } };
	struct status_range *orig = f->ep.expect_status;
	size_t norig = f->ep.n_expect_status;
	struct verdict *v;

	f->r.http_status = 500;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_HTTP_STATUS);
	assert_int_equal(v->reasons, BIT(REASON_HTTP_STATUS));
	assert_string_equal(v->message,
			    "HTTP 500 from https://www.example.com/health; expected 200-399");

	f->ep.expect_status = mine;
	f->ep.n_expect_status = 2;
	f->r.http_status = 301;
	replace(&f->r.final_url, "https://www.example.com/login");
	v = judge(f);
	assert_string_equal(v->message,
			    "HTTP 301 from https://www.example.com/login; expected 200, 204");
	f->r.http_status = 204;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	f->ep.expect_status = orig;
	f->ep.n_expect_status = norig;
}

static void test_body_substring(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	replace(&f->ep.expect_body, "\"status\":\"ok\"");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	replace(&f->r.body, "{\"status\":\"degraded\"}");
	f->r.body_len = strlen(f->r.body);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_int_equal(v->reasons, BIT(REASON_BODY_MISMATCH));
	assert_string_equal(v->message, "body does not contain \"\"status\":\"ok\"\"");

	free(f->r.body);
	f->r.body = NULL;
	f->r.body_len = 0;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
}

static void test_body_truncated(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* found in the cut body: still a pass */
	replace(&f->ep.expect_body, "status");
	f->r.body_truncated = true;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	/* not found, but it may be in the part that was cut */
	replace(&f->ep.expect_body, "footer");
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_BODY_TOO_LARGE);
	assert_int_equal(v->reasons, BIT(REASON_BODY_TOO_LARGE));
	assert_string_equal(v->message, "body exceeds max_body (1MiB); cannot judge expect_body");

	f->ep.max_body = 64 * 1024;
	v = judge(f);
	assert_says(v, "max_body (64KiB)");
	f->ep.max_body = 1000;
	v = judge(f);
	assert_says(v, "max_body (1000 bytes)");
}

static void test_body_large_alone(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->r.body_truncated = true;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_int_equal(v->reasons, BIT(REASON_OK));
}

static void test_body_regex(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->ep.body_regex = rx_compile("\"version\":\"1\\.[0-9]+", 0, NULL, 0);
	assert_non_null(f->ep.body_regex);
	f->ep.expect_body_regex = xstrdup("\"version\":\"1\\.[0-9]+");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	replace(&f->r.body, "{\"version\":\"2.0\"}");
	f->r.body_len = strlen(f->r.body);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_says(v, "body does not match /\"version\":\"1\\.[0-9]+/");

	f->r.body_truncated = true;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_BODY_TOO_LARGE);
	assert_says(v, "cannot judge expect_body_regex");
}

/*
 * ([a-z]+ ?)+Q on letters ending in "!Q": glibc's regexec took 14.7 s on
 * 32 KiB. The match gives up at its step limit and the probe is a
 * body_mismatch that says so, cut body or not (the pattern is at fault).
 */
static void regex_gives_up(struct fx *f, size_t len, bool cut)
{
	char want[120];
	struct verdict *v;
	size_t i;

	f->ep.body_regex = rx_compile("([a-z]+ ?)+Q", 0, NULL, 0);
	f->ep.expect_body_regex = xstrdup("([a-z]+ ?)+Q");
	free(f->r.body);
	f->r.body = xmalloc(len + 1);
	for (i = 0; i < len; i++)
		f->r.body[i] = (char)('a' + i % 26);
	memcpy(f->r.body + len - 2, "!Q", 3);
	f->r.body_len = len;
	f->r.body_truncated = cut;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
	snprintf(want, sizeof want, "regex gave up after %lu steps: simplify it",
		 rx_step_limit(len));
	assert_string_equal(v->message, want);
	assert_false(v->reasons & BIT(REASON_BODY_TOO_LARGE));
}

static void test_body_regex_gives_up_32k(void **state)
{
	regex_gives_up(*state, 32 * 1024, false);
}

static void test_body_regex_gives_up_1m(void **state)
{
	regex_gives_up(*state, 1024 * 1024, false);
}

static void test_body_regex_gives_up_cut(void **state)
{
	regex_gives_up(*state, 1024 * 1024, true);
}

static void test_body_json(void **state)
{
	struct fx *f = *state;
	struct json_cond conds[2];
	char err[200];
	struct verdict *v;

	assert_int_equal(jsoncond_parse("status == \"ok\"", &conds[0], err, sizeof err), 0);
	assert_int_equal(jsoncond_parse("version exists", &conds[1], err, sizeof err), 0);
	f->ep.expect_json = conds;
	f->ep.n_expect_json = 2;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	replace(&f->r.body, "{\"status\":\"degraded\",\"version\":\"1\"}");
	f->r.body_len = strlen(f->r.body);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_int_equal(v->reasons, BIT(REASON_BODY_MISMATCH));
	assert_says(v, "status == \"ok\": found \"degraded\"");

	replace(&f->r.body, "<html>maintenance</html>");
	f->r.body_len = strlen(f->r.body);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_BODY_MISMATCH);
	assert_says(v, "body is not JSON");

	/* a cut document cannot be parsed: that is not the server's fault */
	replace(&f->r.body, "{\"status\":\"ok\",\"items\":[1,2,3,");
	f->r.body_len = strlen(f->r.body);
	f->r.body_truncated = true;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_BODY_TOO_LARGE);
	assert_int_equal(v->reasons, BIT(REASON_BODY_TOO_LARGE));
	assert_string_equal(v->message, "body exceeds max_body (1MiB); cannot judge expect_json");

	f->ep.expect_json = NULL;
	f->ep.n_expect_json = 0;
	jsoncond_done(&conds[0]);
	jsoncond_done(&conds[1]);
}

/* Several body checks failing on a cut body are named together. */
static void test_body_truncated_several(void **state)
{
	struct fx *f = *state;
	struct json_cond cond;
	char err[200];
	struct verdict *v;

	assert_int_equal(jsoncond_parse("status == \"ok\"", &cond, err, sizeof err), 0);
	f->ep.expect_json = &cond;
	f->ep.n_expect_json = 1;
	replace(&f->ep.expect_body, "footer");
	replace(&f->r.body, "{\"status\":");
	f->r.body_len = strlen(f->r.body);
	f->r.body_truncated = true;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_BODY_TOO_LARGE);
	assert_false(v->reasons & BIT(REASON_BODY_MISMATCH));
	assert_says(v, "cannot judge expect_body, expect_json");
	f->ep.expect_json = NULL;
	f->ep.n_expect_json = 0;
	jsoncond_done(&cond);
}

/* ---- plain HTTP --------------------------------------------------------- */

/* An http:// endpoint: no TLS, the main probe does not follow redirects. */
static void plain_endpoint(struct fx *f, long status, const char *location)
{
	replace(&f->ep.url, "http://www.example.com/");
	f->ep.port = 80;
	f->ep.plain_http = true;
	probe_result_done(&f->r);
	f->r.t.us[PHASE_DNS] = 2000;
	f->r.t.us[PHASE_CONNECT] = 1000;
	f->r.t.us[PHASE_SERVER] = 9000;
	f->r.t.us[PHASE_TRANSFER] = 0;
	f->r.t.us[PHASE_TOTAL] = 12000;
	f->r.port = 80;
	f->r.http_status = status;
	f->r.location = xstrdup(location);
	f->r.body = xstrdup("");
	f->r.http_check.done = true;
	f->r.http_check.status = status;
	f->r.http_check.location = xstrdup(location);
	f->r.http_check.to_https = status >= 300 && status < 400 && location &&
				   strncmp(location, "https://", 8) == 0;
}

static void test_plain_http_redirects(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	plain_endpoint(f, 301, "https://www.example.com/");
	/* status, body and HSTS rules do not apply to the redirect */
	f->ep.expect_hsts = true;
	replace(&f->ep.expect_body, "welcome");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_string_equal(v->message, "HTTP 301 redirect to https://www.example.com/ in 12.0ms");

	/* the same answer without http_check filled in */
	f->r.http_check.done = false;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

static void test_plain_http_no_redirect(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	plain_endpoint(f, 200, NULL);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_NO_HTTPS_REDIRECT);
	assert_int_equal(v->reasons, BIT(REASON_NO_HTTPS_REDIRECT));
	assert_string_equal(v->message,
			    "http://www.example.com/ answered 200 without redirecting to HTTPS");

	probe_result_done(&f->r);
	plain_endpoint(f, 302, "http://www.example.com/login");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_NO_HTTPS_REDIRECT);
	assert_string_equal(v->message, "http://www.example.com/ redirects to "
					"http://www.example.com/login instead of HTTPS");

	probe_result_done(&f->r);
	plain_endpoint(f, 301, NULL);
	f->r.http_check.done = false;
	v = judge(f);
	assert_says(v, "answered 301 without a Location header");

	/* an http:// endpoint that does not answer is down for that reason */
	probe_result_done(&f->r);
	plain_endpoint(f, 0, NULL);
	fail_transport(f, PERR_REFUSED, "Failed to connect");
	snprintf(f->r.ip, sizeof f->r.ip, "192.0.2.10");
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_REFUSED);
	assert_int_equal(v->reasons, BIT(REASON_REFUSED));
	assert_says(v, "192.0.2.10:80 refused");
}

static void test_check_http_redirect(void **state)
{
	struct fx *f = *state;
	struct redirect_check *hc = &f->r.http_check;
	struct verdict *v;

	f->ep.check_http_redirect = true;
	hc->done = true;
	hc->status = 301;
	hc->location = xstrdup("https://www.example.com/");
	hc->to_https = true;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	hc->status = 200;
	hc->to_https = false;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_NO_HTTPS_REDIRECT);
	assert_int_equal(v->severity[REASON_NO_HTTPS_REDIRECT], STATE_WARN);
	assert_string_equal(v->message,
			    "http://www.example.com/ answered 200 without redirecting to HTTPS");

	f->ep.http_port = 8080;
	v = judge(f);
	assert_says(v, "http://www.example.com:8080/ answered 200");

	/* port 80 closed is a finding, not an outage */
	f->ep.http_port = 80;
	hc->error = PERR_REFUSED;
	hc->status = 0;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_NO_HTTPS_REDIRECT);
	assert_string_equal(v->message, "plain HTTP port 80: connection refused");

	hc->error = PERR_CONNECT_TIMEOUT;
	v = judge(f);
	assert_says(v, "plain HTTP port 80: no connection");

	/* not asked for: not judged */
	f->ep.check_http_redirect = false;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* ---- HSTS --------------------------------------------------------------- */

static void test_hsts(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK); /* not asked for */

	f->ep.expect_hsts = true;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_HSTS_MISSING);
	assert_int_equal(v->reasons, BIT(REASON_HSTS_MISSING));
	assert_string_equal(v->message, "no Strict-Transport-Security header");

	f->r.hsts = xstrdup("max-age=31536000; includeSubDomains");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	replace(&f->r.hsts, "includeSubDomains; MAX-AGE = \"600\"");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	replace(&f->r.hsts, "max-age=0");
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_HSTS_MISSING);
	assert_says(v, "max-age=0");

	replace(&f->r.hsts, "includeSubDomains; preload");
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_HSTS_MISSING);
	assert_says(v, "ignored by browsers (no max-age)");

	replace(&f->r.hsts, "max-age=soon");
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_HSTS_MISSING);
	assert_says(v, "max-age is not a whole number of seconds");

	/* a browser ignores a header with a directive twice: so does the verdict */
	replace(&f->r.hsts, "max-age=31536000; max-age=31536000");
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_HSTS_MISSING);
	assert_says(v, "max-age appears more than once");

	replace(&f->r.hsts, "max-age=1");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* ---- posture ------------------------------------------------------------ */

/* A pass at NOW - 1 h over a modern server: TLS 1.2 and 1.3 only, ECDHE AEAD suites, a good staple. */
static void modern_posture(struct posture *p)
{
	posture_init(p);
	p->started_ms = (NOW - 3600) * 1000;
	p->complete = true;
	p->proto[PPROTO_SSL2].answer = PANS_NOT_TESTABLE;
	p->proto[PPROTO_SSL3].answer = PANS_NOT_TESTABLE;
	p->proto[PPROTO_TLS10].answer = PANS_REFUSED;
	p->proto[PPROTO_TLS11].answer = PANS_REFUSED;
	p->proto[PPROTO_TLS12].answer = PANS_ACCEPTED;
	p->proto[PPROTO_TLS13].answer = PANS_ACCEPTED;
	p->cat_version = 12;
	for (int c = 0; c < PCAT_N; c++)
		p->cat[c].answer = PANS_REFUSED;
	p->cat[PCAT_3DES].answer = PANS_NOT_TESTABLE;
	p->cat[PCAT_RC4].answer = PANS_NOT_TESTABLE;
	p->cat[PCAT_FS].answer = PANS_ACCEPTED;
	p->cat[PCAT_AEAD].answer = PANS_ACCEPTED;
	p->staple.stapled = true;
	p->staple.status = STAPLE_GOOD;
	p->staple.next_update = NOW + 86400;
}

static struct verdict *judge_with(struct fx *f, const struct posture *p)
{
	verdict_judge_posture(&f->ep, &f->r, p, NOW, &f->v, NULL);
	return &f->v;
}

static void accept_suite(struct posture_check *c, const char *suite)
{
	c->answer = PANS_ACCEPTED;
	snprintf(c->suites[0], sizeof c->suites[0], "%s", suite);
	c->n_suites = 1;
}

static void test_posture_clean(void **state)
{
	struct fx *f = *state;
	struct posture p;
	struct verdict *v;

	modern_posture(&p);
	v = judge_with(f, &p);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_int_equal(v->reasons, BIT(REASON_OK));
	/* not testable here and errors say nothing about the server */
	p.proto[PPROTO_TLS10].answer = PANS_ERROR;
	p.proto[PPROTO_SSL3].answer = PANS_NOT_TESTED;
	p.cat[PCAT_STATIC_RSA].answer = PANS_ERROR;
	p.staple.status = STAPLE_INVALID;
	v = judge_with(f, &p);
	assert_verdict(v, STATE_UP, REASON_OK);
	/* no posture: the same as verdict_judge */
	v = judge_with(f, NULL);
	assert_verdict(v, STATE_UP, REASON_OK);
}

static void test_posture_legacy(void **state)
{
	struct fx *f = *state;
	struct posture p;
	struct verdict *v;

	modern_posture(&p);
	p.proto[PPROTO_TLS11].answer = PANS_ACCEPTED;
	v = judge_with(f, &p);
	assert_verdict(v, STATE_WARN, REASON_TLS_LEGACY_OFFERED);
	assert_int_equal(v->reasons, BIT(REASON_TLS_LEGACY_OFFERED));
	assert_string_equal(v->message, "the server still accepts TLS 1.1, deprecated since 2021 (RFC 8996)"
					" (posture pass at 2025-12-31T23:00:00Z)");
	p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	v = judge_with(f, &p);
	assert_says(v, "still accepts TLS 1.0 and TLS 1.1, deprecated");
	p.proto[PPROTO_SSL3].answer = PANS_ACCEPTED;
	v = judge_with(f, &p);
	assert_says(v, "still accepts SSLv3, TLS 1.0 and TLS 1.1, deprecated");
	/* plain-HTTP endpoints have no TLS to judge */
	f->ep.plain_http = true;
	f->r.http_check.done = true;
	f->r.http_check.status = 301;
	f->r.http_check.to_https = true;
	v = judge_with(f, &p);
	assert_false(v->reasons & BIT(REASON_TLS_LEGACY_OFFERED));
}

static void test_posture_ciphers(void **state)
{
	struct fx *f = *state;
	struct posture p;
	struct verdict *v;

	modern_posture(&p);
	accept_suite(&p.cat[PCAT_STATIC_RSA], "AES128-GCM-SHA256");
	v = judge_with(f, &p);
	assert_verdict(v, STATE_WARN, REASON_NO_FORWARD_SECRECY);
	assert_says(v, "accepts static RSA key exchange (AES128-GCM-SHA256): a client that picks it has no "
		       "forward secrecy");
	/* CBC with SHA-1 is graded, not a reason of its own */
	p.cat[PCAT_STATIC_RSA].answer = PANS_REFUSED;
	accept_suite(&p.cat[PCAT_CBC_SHA1], "ECDHE-RSA-AES128-SHA");
	v = judge_with(f, &p);
	assert_verdict(v, STATE_UP, REASON_OK);
	accept_suite(&p.cat[PCAT_3DES], "DES-CBC3-SHA");
	v = judge_with(f, &p);
	assert_verdict(v, STATE_WARN, REASON_CIPHER_WEAK_OFFERED);
	assert_says(v, "still accepts 3DES (DES-CBC3-SHA) (posture pass");
	accept_suite(&p.cat[PCAT_NULL_ANON_EXPORT], "AECDH-AES128-SHA");
	accept_suite(&p.cat[PCAT_STATIC_RSA], "AES128-SHA");
	p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	v = judge_with(f, &p);
	/* the first of them in the table decides; the others are listed */
	assert_verdict(v, STATE_WARN, REASON_TLS_LEGACY_OFFERED);
	assert_int_equal(v->reasons, BIT(REASON_TLS_LEGACY_OFFERED) | BIT(REASON_CIPHER_WEAK_OFFERED) |
					     BIT(REASON_NO_FORWARD_SECRECY));
	assert_says(v, "(also: cipher_weak_offered, no_forward_secrecy)");
	/* a DOWN probe stays DOWN: posture findings only add */
	f->r.http_status = 500;
	v = judge_with(f, &p);
	assert_verdict(v, STATE_DOWN, REASON_HTTP_STATUS);
	assert_true(v->reasons & BIT(REASON_NO_FORWARD_SECRECY));
}

static void test_posture_staple(void **state)
{
	struct fx *f = *state;
	struct posture p;
	struct verdict *v;

	modern_posture(&p);
	p.staple.status = STAPLE_EXPIRED;
	p.staple.next_update = NOW - 7200;
	v = judge_with(f, &p);
	assert_verdict(v, STATE_WARN, REASON_OCSP_STAPLE_STALE);
	assert_says(v, "past its nextUpdate (2025-12-31T22:00:00Z)");
	/* no staple at all is no stale staple (shown, graded, an event; not a reason) */
	p.staple.stapled = false;
	p.staple.status = STAPLE_NONE;
	v = judge_with(f, &p);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* ---- latency ------------------------------------------------------------ */

static void test_too_slow(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->ep.latency_warn_ms = 2000;
	f->ep.latency_down_ms = 5000;
	f->r.t.us[PHASE_DNS] = 10000;
	f->r.t.us[PHASE_CONNECT] = 20000;
	f->r.t.us[PHASE_TLS] = 1800000;
	f->r.t.us[PHASE_SERVER] = 400000;
	f->r.t.us[PHASE_TRANSFER] = 80000;
	f->r.t.us[PHASE_TOTAL] = 2310000;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_TOO_SLOW);
	assert_int_equal(v->reasons, BIT(REASON_TOO_SLOW));
	assert_string_equal(v->message, "total 2.31s exceeds latency_warn 2s (TLS 1.80s of it)");

	/* equal to the threshold is not over it */
	f->r.t.us[PHASE_TOTAL] = 2000000;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	f->r.t.us[PHASE_TOTAL] = 2000001;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_TOO_SLOW);

	f->r.t.us[PHASE_SERVER] = 5200000;
	f->r.t.us[PHASE_TOTAL] = 7100000;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TOO_SLOW);
	assert_string_equal(v->message, "total 7.10s exceeds latency_down 5s (server 5.20s of it)");

	f->r.t.us[PHASE_TOTAL] = 5000000;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_TOO_SLOW);

	/* 0 turns each threshold off */
	f->ep.latency_warn_ms = 0;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	f->ep.latency_down_ms = 0;
	f->r.t.us[PHASE_TOTAL] = 60000000;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	f->ep.latency_warn_ms = 1500;
	v = judge(f);
	assert_says(v, "latency_warn 1.50s");
}

/*
 * Each comparison of the rules exactly at its threshold and one step either
 * side, where the tests above do not already: a `<` planted as `<=` (or `>`
 * as `>=`) in any of them fails one of these.
 */
static void test_bounds_tls_and_dates(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* min_tls 1.2: 1.1 below, 1.2 at, 1.3 above */
	f->r.tls_version_num = 11;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_VERSION);
	f->r.tls_version_num = 12;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	f->r.tls_version_num = 13;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	/* not_after one second ago is expired; at this second it is not */
	f->r.chain[1].not_after = NOW - 1;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_says(v, "intermediate 'Example CA' expired on");
	f->r.chain[1].not_after = NOW;
	v = judge(f);
	assert_false(v->reasons & BIT(REASON_CERT_EXPIRED));
	f->r.chain[1].not_after = NOW + 900 * DAY;

	/* not_before at this second is valid; one second ahead is not yet */
	f->r.chain[0].not_before = NOW;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	f->r.chain[0].not_before = NOW + 1;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_NOT_YET_VALID);
}

static void test_bounds_two_thirds(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	/* a 90-day certificate, exactly 60 days used: at two-thirds, not past it */
	f->r.chain[0].not_before = NOW - 60 * DAY;
	f->r.chain[0].not_after = NOW + 30 * DAY;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	/* one second more */
	f->r.chain[0].not_before = NOW - 60 * DAY - 1;
	f->r.chain[0].not_after = NOW + 30 * DAY - 1;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_CERT_EXPIRING);
	assert_says(v, "has used 66% of its 90-day lifetime");
	/* one second less */
	f->r.chain[0].not_before = NOW - 60 * DAY + 1;
	f->r.chain[0].not_after = NOW + 30 * DAY + 1;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* 3xx is a redirect, 299 and 400 are not: for url = http:// and for check_http_redirect. */
static void test_bounds_redirect_status(void **state)
{
	struct fx *f = *state;
	struct redirect_check *hc = &f->r.http_check;
	static const struct {
		long status;
		bool redirect;
	} st[] = { { 299, false }, { 300, true }, { 399, true }, { 400, false } };
	char want[200];
	struct verdict *v;
	size_t i;

	for (i = 0; i < 4; i++) {
		probe_result_done(&f->r);
		plain_endpoint(f, st[i].status, "https://www.example.com/");
		hc->to_https = true; /* as if the prober judged by Location alone */
		v = judge(f);
		assert_int_equal(v->state, st[i].redirect ? STATE_UP : STATE_DOWN);
		f->r.http_check.done = false;
		v = judge(f);
		assert_int_equal(v->state, st[i].redirect ? STATE_UP : STATE_DOWN);
		/* a Location that is not https: the sentence tells a redirect from none */
		replace(&f->r.location, "http://www.example.com/x");
		v = judge(f);
		if (st[i].redirect)
			snprintf(want, sizeof want, "http://www.example.com/ redirects to "
				 "http://www.example.com/x instead of HTTPS");
		else
			snprintf(want, sizeof want, "http://www.example.com/ answered %ld without "
				 "redirecting to HTTPS", st[i].status);
		assert_string_equal(v->message, want);
	}

	probe_result_done(&f->r);
	good_result(&f->r);
	replace(&f->ep.url, "https://www.example.com/health");
	f->ep.port = 443;
	f->ep.plain_http = false;
	f->ep.check_http_redirect = true;
	hc->done = true;
	hc->location = xstrdup("https://www.example.com/");
	hc->to_https = true;
	for (i = 0; i < 4; i++) {
		hc->status = st[i].status;
		v = judge(f);
		assert_int_equal(v->state, st[i].redirect ? STATE_UP : STATE_WARN);
	}
}

static void test_bounds_hsts_latency(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	f->ep.expect_hsts = true;
	f->r.hsts = xstrdup("max-age=1");
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	replace(&f->r.hsts, "max-age=0");
	v = judge(f);
	assert_string_equal(v->message,
			    "Strict-Transport-Security max-age=0 tells browsers to forget HSTS");
	f->ep.expect_hsts = false;

	/* latency_down at the limit is only over latency_warn; one microsecond more is DOWN */
	f->ep.latency_warn_ms = 2000;
	f->ep.latency_down_ms = 5000;
	static const struct {
		int64_t total_us;
		enum state st;
		enum reason rs;
	} lat[] = {
		{ 1999999, STATE_UP, REASON_OK },
		{ 5000000, STATE_WARN, REASON_TOO_SLOW },
		{ 5000001, STATE_DOWN, REASON_TOO_SLOW },
	};
	for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
		f->r.t.us[PHASE_TOTAL] = lat[i].total_us;
		v = judge(f);
		assert_verdict(v, lat[i].st, lat[i].rs);
	}

	/* two phases equally slow: the first one is named */
	f->r.t.us[PHASE_TOTAL] = 2100000;
	f->r.t.us[PHASE_TLS] = 900000;
	f->r.t.us[PHASE_SERVER] = 900000;
	v = judge(f);
	assert_says(v, "(TLS 900ms of it)");
}

/* One address is not "all addresses"; of two equally bad, the first speaks. */
static void test_bounds_addresses(void **state)
{
	struct fx *f = *state;
	struct verdict *v;
	int i;

	/* owned by f->r from here on: the teardown frees them even after a failed assert */
	f->r.addrs = xcalloc(2, sizeof(*f->r.addrs));
	for (i = 0; i < 2; i++) {
		good_result(&f->r.addrs[i]);
		snprintf(f->r.addrs[i].ip, sizeof f->r.addrs[i].ip, "192.0.2.%d", 10 + i);
	}
	f->r.n_addrs = 1;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_null(strstr(v->message, "addresses"));

	f->r.n_addrs = 2;
	f->r.addrs[0].http_status = 500;
	f->r.addrs[1].http_status = 503;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_HTTP_STATUS);
	assert_says(v, "[192.0.2.10] HTTP 500");
	assert_says(v, "(2 of 2 addresses not UP)");

	/* each address's verdict comes out of the same pass, as judging it alone gives it */
	f->r.addrs[0].http_status = 200;
	{
		struct verdict each[2], alone;

		verdict_judge_each(&f->ep, &f->r, NOW, &f->v, each);
		assert_verdict(&f->v, STATE_DOWN, REASON_HTTP_STATUS);
		assert_says(&f->v, "[192.0.2.11] HTTP 503");
		assert_says(&f->v, "(1 of 2 addresses not UP)");
		for (i = 0; i < 2; i++) {
			verdict_judge(&f->ep, &f->r.addrs[i], NOW, &alone);
			assert_int_equal(each[i].state, alone.state);
			assert_int_equal(each[i].reason, alone.reason);
			assert_string_equal(each[i].message, alone.message);
		}
		assert_int_equal(each[0].state, STATE_UP);
		assert_int_equal(each[1].state, STATE_DOWN);
	}
}

/* ---- robustness --------------------------------------------------------- */

/* True when s is well-formed UTF-8 (no sequence split by a cut). */
static bool utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	int i, more;

	while (*p) {
		more = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
			: (*p & 0xF8) == 0xF0 ? 3 : -1;
		if (more < 0)
			return false;
		for (i = 1; i <= more; i++)
			if ((p[i] & 0xC0) != 0x80)
				return false;
		p += more + 1;
	}
	return true;
}

/* Long raw network text is cut, never overflows, and the "also" list survives. */
static void test_long_text(void **state)
{
	struct fx *f = *state;
	struct verdict *v;
	char sans[4000];
	size_t n = 0, len, i;
	const char *tail = " (also: cert_weak, http_status, body_mismatch, too_slow, "
			   "cert_expiring, hsts_missing)";

	for (i = 0; i < 60; i++)
		n += (size_t)snprintf(sans + n, sizeof sans - n, "%sDNS:host-%02zu.%s", i ? ", " : "",
				      i, "very-long-subdomain-name.example.com");
	replace(&f->r.chain[0].sans, sans);
	/* two-byte characters, so a cut can land inside one */
	for (i = 0; i + 3 < sizeof f->r.verify.hostname; i += 2)
		memcpy(f->r.verify.hostname + i, "\xc3\xa9", 2);
	f->r.verify.hostname[i] = '\0';
	f->r.verify.hostname_ok = 0;
	memset(f->r.error_text, 'x', sizeof f->r.error_text - 1);
	f->r.error_text[sizeof f->r.error_text - 1] = '\0';
	f->r.error = PERR_TLS;
	f->r.chain[0].not_after = NOW - DAY;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_TLS_HANDSHAKE);
	len = strlen(v->message);
	assert_true(len < sizeof v->message);
	assert_string_equal(v->message + len - strlen(" (also: cert_expired, cert_hostname)"),
			    " (also: cert_expired, cert_hostname)");

	/* a long sentence gives way to a long list of other reasons */
	f->r.error = PERR_NONE;
	f->r.http_status = 500;
	f->r.chain[0].not_after = NOW + 5 * DAY;
	snprintf(f->r.chain[0].sig_alg, sizeof f->r.chain[0].sig_alg, "sha1WithRSAEncryption");
	replace(&f->ep.expect_body, "nope");
	f->ep.expect_hsts = true;
	f->ep.latency_warn_ms = 100;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_HOSTNAME);
	len = strlen(v->message);
	assert_true(len < sizeof v->message);
	assert_true(len > sizeof v->message - 10);
	assert_true(utf8_ok(v->message));
	assert_says(v, "certificate is for host-00.very-long-subdomain-name.example.com, ");
	assert_says(v, " and 57 more, not \xc3\xa9");
	assert_string_equal(v->message + len - strlen(tail), tail);
}

/* CNs are found anywhere in the name and unescaped; no CN means the whole name. */
static void test_cn_escapes(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	replace(&f->r.chain[0].subject, "O=Example\\, Inc.,CN=shop\\+api.example.com,C=US");
	f->r.chain[0].not_after = NOW - 3 * DAY;
	v = judge(f);
	assert_says(v, "certificate 'shop+api.example.com' expired");

	replace(&f->r.chain[0].subject, "O=No Common Name,C=US");
	v = judge(f);
	assert_says(v, "certificate 'O=No Common Name,C=US' expired");
}

/* ---- revocation --------------------------------------------------------- */

/* The chain's status as the revocation cache would give it. */
static void set_revocation(struct probe_result *r, enum revoke_status st, enum revoke_method m, int depth)
{
	struct revocation *rv = &r->revocation;

	memset(rv, 0, sizeof *rv);
	rv->checked = true;
	rv->status = st;
	rv->method = m;
	rv->depth = depth;
	rv->certs = 2;
	rv->checked_at = NOW - 600;
	snprintf(rv->source, sizeof rv->source, "%s",
		 m == REVOKE_METHOD_OCSP ? "http://ocsp.example.com/" : "http://crl.example.com/ca.crl");
	if (st == REVOKE_REVOKED) {
		rv->revoked_at = 1795132800LL + 3600; /* 2026-11-20T01:00:00Z */
		snprintf(rv->reason, sizeof rv->reason, "keyCompromise");
	}
	if (st == REVOKE_UNKNOWN)
		snprintf(rv->detail, sizeof rv->detail, "the CRL of http://crl.example.com/ca.crl: connection refused");
}

static void test_revoked_leaf_crl(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_revocation(&f->r, REVOKE_REVOKED, REVOKE_METHOD_CRL, 0);
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_REVOKED);
	assert_string_equal(v->message, "certificate 'www.example.com' was revoked on 2026-11-20 (keyCompromise) "
			    "according to the CRL of http://crl.example.com/ca.crl; any client that checks "
			    "revocation will refuse it");
}

static void test_revoked_intermediate_ocsp(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_revocation(&f->r, REVOKE_REVOKED, REVOKE_METHOD_OCSP, 1);
	f->r.revocation.reason[0] = '\0'; /* revoked without a reason code */
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_REVOKED);
	assert_says(v, "intermediate 'Example CA' was revoked on 2026-11-20 (unspecified) according to the "
		       "OCSP responder http://ocsp.example.com/;");
}

/* Unknown is a WARN only with require_revocation = yes; pending never is. */
static void test_revocation_unknown(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_revocation(&f->r, REVOKE_UNKNOWN, REVOKE_METHOD_NONE, 0);
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
	assert_int_equal(v->reasons, BIT(REASON_OK));

	f->ep.require_revocation = true;
	v = judge(f);
	assert_verdict(v, STATE_WARN, REASON_REVOCATION_UNKNOWN);
	assert_string_equal(v->message, "revocation of certificate 'www.example.com' is unknown (the CRL of "
			    "http://crl.example.com/ca.crl: connection refused) and require_revocation = yes");

	f->r.revocation.pending = true;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	/* good never warns */
	set_revocation(&f->r, REVOKE_GOOD, REVOKE_METHOD_CRL, 0);
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* revocation = no judges nothing, whatever a result carries; not checked is nothing either. */
static void test_revocation_off(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_revocation(&f->r, REVOKE_REVOKED, REVOKE_METHOD_CRL, 0);
	f->ep.revocation = false;
	f->ep.require_revocation = true;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);

	f->ep.revocation = true;
	f->r.revocation.checked = false;
	v = judge(f);
	assert_verdict(v, STATE_UP, REASON_OK);
}

/* Revoked is DOWN after an expired certificate in precedence, and both are listed. */
static void test_revoked_and_expired(void **state)
{
	struct fx *f = *state;
	struct verdict *v;

	set_revocation(&f->r, REVOKE_REVOKED, REVOKE_METHOD_CRL, 0);
	f->r.chain[0].not_after = NOW - DAY;
	v = judge(f);
	assert_verdict(v, STATE_DOWN, REASON_CERT_EXPIRED);
	assert_true(v->reasons & BIT(REASON_CERT_REVOKED));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		T(test_up),
		T(test_pure),
		T(test_dns),
		T(test_refused),
		T(test_connect_timeout),
		T(test_connect),
		T(test_timeout_phases),
		T(test_tls_errors),
		T(test_other_errors),
		T(test_transport_skips_http),
		T(test_transport_keeps_cert),
		T(test_tls_version_negotiated),
		T(test_cert_expired_leaf),
		T(test_cert_expired_by_date_only),
		T(test_cert_expired_flag_only),
		T(test_cert_not_yet_valid),
		T(test_cert_self_signed),
		T(test_cert_chain_incomplete),
		T(test_cert_untrusted),
		T(test_cert_rejected_unexplained),
		T(test_cert_hostname),
		T(test_cert_weak),
		T(test_cert_weak_root_exempt),
		T(test_cert_expiring),
		T(test_cert_expiring_boundaries),
		T(test_cert_lifetime_two_thirds),
		T(test_cert_expiring_intermediate),
		T(test_precedence_expired_and_hostname),
		T(test_precedence_down_beats_warn),
		T(test_precedence_warn_only),
		T(test_http_status),
		T(test_body_substring),
		T(test_body_truncated),
		T(test_body_large_alone),
		T(test_body_regex),
		T(test_body_regex_gives_up_32k),
		T(test_body_regex_gives_up_1m),
		T(test_body_regex_gives_up_cut),
		T(test_body_json),
		T(test_body_truncated_several),
		T(test_plain_http_redirects),
		T(test_plain_http_no_redirect),
		T(test_check_http_redirect),
		T(test_hsts),
		T(test_posture_clean),
		T(test_posture_legacy),
		T(test_posture_ciphers),
		T(test_posture_staple),
		T(test_too_slow),
		T(test_bounds_tls_and_dates),
		T(test_bounds_two_thirds),
		T(test_bounds_redirect_status),
		T(test_bounds_hsts_latency),
		T(test_bounds_addresses),
		T(test_long_text),
		T(test_cn_escapes),
		T(test_revoked_leaf_crl),
		T(test_revoked_intermediate_ocsp),
		T(test_revocation_unknown),
		T(test_revocation_off),
		T(test_revoked_and_expired),
	};

	return cmocka_run_group_tests_name("verdict", tests, NULL, NULL);
}
