/*
 * verdict: the rules that turn one probe's facts into UP, WARN or DOWN.
 *
 * Every rule that applies calls note() with its reason, the state it asks
 * for and one sentence. The sentences are kept per reason in struct judge;
 * conclude() picks the most severe state, the first reason in enum order
 * with that state, and writes that reason's sentence to the verdict,
 * followed by the names of the other reasons that applied.
 *
 * Rules are independent of each other except where one replaces another:
 * body_too_large replaces body_mismatch when the body was cut,
 * cert_self_signed replaces cert_untrusted (same problem, better words),
 * cert_chain_incomplete replaces cert_untrusted, and cert_expiring is only
 * judged when nothing in the chain has expired yet.
 *
 * Pure: reads ep, r and now_s, writes only *v. The helpers it calls
 * (util formatting, cert_is_weak, endpoint_status_ok, jsoncond_eval_all,
 * probe_result_earliest_expiry, rx_match) are pure as well: a regex match
 * runs under step and memory limits and gives the same answer every time.
 *
 * Several files, one module: this one owns the reason and state names, note()
 * and its small sentence helpers, conclude() and the entry point;
 * verdict_tls.c holds the transport, TLS version and certificate rules,
 * verdict_http.c the status, body, redirect, HSTS and latency rules,
 * verdict_revoke.c revocation, verdict_posture.c what the endpoint's last
 * posture pass found accepted. They
 * share struct judge and those helpers through src/verdict_int.h only.
 */
#include "httpsmon/verdict.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "httpsmon/util.h"
#include "verdict_int.h"


static const char *const reason_names[REASON_COUNT] = {
	[REASON_OK] = "ok",
	[REASON_PROXY] = "proxy",
	[REASON_DNS] = "dns",
	[REASON_REFUSED] = "refused",
	[REASON_CONNECT_TIMEOUT] = "connect_timeout",
	[REASON_CONNECT] = "connect",
	[REASON_TIMEOUT] = "timeout",
	[REASON_TLS_VERSION] = "tls_version",
	[REASON_TLS_HANDSHAKE] = "tls_handshake",
	[REASON_CERT_EXPIRED] = "cert_expired",
	[REASON_CERT_NOT_YET_VALID] = "cert_not_yet_valid",
	[REASON_CERT_SELF_SIGNED] = "cert_self_signed",
	[REASON_CERT_UNTRUSTED] = "cert_untrusted",
	[REASON_CERT_CHAIN_INCOMPLETE] = "cert_chain_incomplete",
	[REASON_CERT_HOSTNAME] = "cert_hostname",
	[REASON_CERT_REVOKED] = "cert_revoked",
	[REASON_CERT_WEAK] = "cert_weak",
	[REASON_HTTP_PROTOCOL] = "http_protocol",
	[REASON_HTTP_STATUS] = "http_status",
	[REASON_TOO_MANY_REDIRECTS] = "too_many_redirects",
	[REASON_INSECURE_REDIRECT] = "insecure_redirect",
	[REASON_NO_HTTPS_REDIRECT] = "no_https_redirect",
	[REASON_BODY_MISMATCH] = "body_mismatch",
	[REASON_BODY_TOO_LARGE] = "body_too_large",
	[REASON_TOO_SLOW] = "too_slow",
	[REASON_CERT_EXPIRING] = "cert_expiring",
	[REASON_HSTS_MISSING] = "hsts_missing",
	[REASON_TLS_LEGACY_OFFERED] = "tls_legacy_offered",
	[REASON_CIPHER_WEAK_OFFERED] = "cipher_weak_offered",
	[REASON_NO_FORWARD_SECRECY] = "no_forward_secrecy",
	[REASON_OCSP_STAPLE_STALE] = "ocsp_staple_stale",
	[REASON_REVOCATION_UNKNOWN] = "revocation_unknown",
	[REASON_PROBE_ERROR] = "probe_error",
};

const char *reason_name(enum reason r)
{
	if ((int)r < 0 || r >= REASON_COUNT)
		return "?";
	return reason_names[r];
}

const char *state_name(enum state s)
{
	switch (s) {
	case STATE_UP:
		return "UP";
	case STATE_WARN:
		return "WARN";
	case STATE_DOWN:
		return "DOWN";
	}
	return "?";
}

void note(struct judge *j, enum reason rs, enum state st, const char *fmt, ...)
{
	struct verdict *v = j->v;
	va_list ap;

	if (v->reasons & (REASON_BIT(rs))) {
		/* a second rule for the same reason: the first sentence stays */
		if (st > v->severity[rs])
			v->severity[rs] = st;
		return;
	}
	v->reasons |= REASON_BIT(rs);
	v->severity[rs] = st;
	va_start(ap, fmt);
	vsnprintf(j->said[rs], sizeof j->said[rs], fmt, ap);
	va_end(ap);
}

bool noted(const struct judge *j, enum reason rs)
{
	return (j->v->reasons & (REASON_BIT(rs))) != 0;
}

/* s, or "" for NULL. */
const char *verdict_str(const char *s)
{
	return s ? s : "";
}

/* ": " when s has text to follow it, so "could not resolve x" needs no ": ". */
const char *verdict_sep(const char *s)
{
	return s && *s ? ": " : "";
}

/* "s" unless n is 1. */
const char *verdict_plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/* Whole days from a to b, rounded down (negative when b is before a). */
int64_t verdict_days_between(int64_t a, int64_t b)
{
	int64_t d = b - a;

	return d >= 0 ? d / DAY_S : -((-d + DAY_S - 1) / DAY_S);
}

enum state verdict_cert_expiry(int64_t not_after_s, int64_t now_s, int warn_days, int crit_days)
{
	int64_t left = verdict_days_between(now_s, not_after_s);

	return left < crit_days ? STATE_DOWN : left < warn_days ? STATE_WARN : STATE_UP;
}

/* A configured limit in ms: "10s" when whole seconds, else util's form. */
char *verdict_fmt_limit_ms(char *buf, size_t n, int64_t ms)
{
	if (ms > 0 && ms % 1000 == 0)
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	else
		util_fmt_duration_us(buf, n, ms * 1000);
	return buf;
}

/* "host:443", "[::1]:443". */
char *verdict_fmt_hostport(char *buf, size_t n, const char *host, int port)
{
	if (strchr(verdict_str(host), ':'))
		snprintf(buf, n, "[%s]:%d", host, port);
	else
		snprintf(buf, n, "%s:%d", verdict_str(host), port);
	return buf;
}

/* The chain entry expiring first, or -1 without a dated chain. */
int verdict_earliest_expiry(const struct judge *j)
{
	int i = -1;

	probe_result_earliest_expiry(j->r, &i);
	return i < j->nchain ? i : -1;
}

/* ---- conclusion --------------------------------------------------------- */

/* Cuts s to at most max bytes without splitting a UTF-8 sequence. */
static void cut_utf8(char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	s[max] = '\0';
}

static void conclude_up(struct judge *j)
{
	const struct probe_result *r = j->r;
	struct verdict *v = j->v;
	char total[32], tail[128] = "", loc[VERDICT_URL_MAX];
	int i;

	util_fmt_duration_us(total, sizeof total, r->t.us[PHASE_TOTAL]);
	i = verdict_earliest_expiry(j);
	if (i >= 0) {
		int64_t left = verdict_days_between(j->now_s, r->chain[i].not_after);

		snprintf(tail, sizeof tail, ", certificate valid %lld more day%s", (long long)left,
			 verdict_plural(left));
	}
	if (j->ep->plain_http)
		snprintf(v->message, sizeof v->message, "HTTP %ld redirect to %s in %s",
			 r->http_check.done ? r->http_check.status : r->http_status,
			 util_url_redact(r->http_check.done && r->http_check.location
						 ? r->http_check.location : r->location, loc, sizeof loc),
			 total);
	else
		snprintf(v->message, sizeof v->message, "HTTP %ld in %s%s%s%s", r->http_status, total,
			 r->tls_version[0] ? ", " : "", r->tls_version, tail);
}

static void conclude(struct judge *j)
{
	struct verdict *v = j->v;
	char also[400] = "", tail[420] = "";
	size_t o = 0;
	int rs;

	v->state = STATE_UP;
	v->reason = REASON_OK;
	for (rs = 1; rs < REASON_COUNT; rs++) {
		if (!noted(j, (enum reason)rs))
			continue;
		if (v->severity[rs] > v->state) {
			v->state = v->severity[rs];
			v->reason = (enum reason)rs;
		}
	}
	if (v->reason == REASON_OK) {
		v->reasons = REASON_BIT(REASON_OK);
		v->severity[REASON_OK] = STATE_UP;
		conclude_up(j);
		return;
	}

	for (rs = 1; rs < REASON_COUNT; rs++) {
		int w;

		if (rs == (int)v->reason || !noted(j, (enum reason)rs))
			continue;
		w = snprintf(also + o, sizeof also - o, "%s%s", o ? ", " : "",
			     reason_names[rs]);
		if (w < 0 || (size_t)w >= sizeof also - o)
			break;
		o += (size_t)w;
	}
	if (also[0])
		snprintf(tail, sizeof tail, " (also: %s)", also);
	/* the list of other reasons always fits; the sentence yields room to it */
	cut_utf8(j->said[v->reason], sizeof v->message - 1 - strlen(tail));
	o = strlen(j->said[v->reason]);
	memcpy(v->message, j->said[v->reason], o);
	memcpy(v->message + o, tail, strlen(tail) + 1);
}

static void judge_one(const struct endpoint *ep, const struct probe_result *r, const struct posture *p,
		      int64_t now_s, struct verdict *v)
{
	struct judge j;
	int i;

	memset(v, 0, sizeof *v);
	for (i = 0; i < REASON_COUNT; i++)
		v->severity[i] = STATE_UP;
	j.ep = ep;
	j.r = r;
	j.now_s = now_s;
	j.v = v;
	j.expired = false;
	j.posture = p;
	j.nchain = r->chain_len < 0 ? 0 : r->chain_len > PROBE_MAX_CHAIN ? PROBE_MAX_CHAIN
									 : r->chain_len;

	judge_transport(&j);
	if (!ep->plain_http) {
		judge_tls_version(&j);
		judge_cert(&j);
		judge_cert_rejected(&j);
		judge_revocation(&j);
	}
	if (r->error == PERR_NONE) {
		if (ep->plain_http) {
			judge_plain_http(&j);
		} else {
			judge_status(&j);
			judge_body(&j);
			judge_port80(&j);
			judge_hsts(&j);
		}
		judge_latency(&j);
	}
	if (p && !ep->plain_http)
		judge_posture(&j);
	conclude(&j);
}

/*
 * all_addresses: every address is judged on its own and the worst one
 * speaks for the endpoint, naming itself, so one stale node behind
 * round-robin DNS or a broken IPv6 path is not averaged away.
 */
void verdict_judge(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
		   struct verdict *v)
{
	verdict_judge_each(ep, r, now_s, v, NULL);
}

void verdict_judge_each(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
			struct verdict *v, struct verdict *out)
{
	verdict_judge_posture(ep, r, NULL, now_s, v, out);
}

void verdict_judge_posture(const struct endpoint *ep, const struct probe_result *r, const struct posture *p,
			   int64_t now_s, struct verdict *v, struct verdict *out)
{
	struct verdict each;
	int worst = 0, bad = 0;
	uint64_t all = 0;
	char msg[sizeof(v->message)];

	if (r->n_addrs <= 1 || !r->addrs) {
		judge_one(ep, r, p, now_s, v);
		return;
	}
	judge_one(ep, &r->addrs[0], p, now_s, v);
	for (int i = 0; i < r->n_addrs; i++) {
		if (i)
			judge_one(ep, &r->addrs[i], p, now_s, &each);
		else
			each = *v;
		if (out)
			out[i] = each;
		all |= each.reasons;
		bad += each.state != STATE_UP;
		if (each.state > v->state || i == 0) {
			worst = i;
			if (i)
				*v = each;
		}
	}
	if (!bad) {
		snprintf(msg, sizeof(msg), "%s (all %d addresses)", v->message, r->n_addrs);
	} else {
		snprintf(msg, sizeof(msg), "[%s] %s (%d of %d addresses not UP)", r->addrs[worst].ip[0] ?
			 r->addrs[worst].ip : "?", v->message, bad, r->n_addrs);
		all &= ~(REASON_BIT(REASON_OK));
	}
	memcpy(v->message, msg, sizeof(v->message));
	v->reasons = all;
}
