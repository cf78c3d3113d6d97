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
 */
#include "httpsmon/verdict.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/cert.h"
#include "httpsmon/jsoncond.h"
#include "httpsmon/rx.h"
#include "httpsmon/util.h"

#define DAY_S 86400
#define SENTENCE_MAX sizeof(((struct verdict *)NULL)->message)
/* a URL in a sentence: query values and passwords redacted (util_url_redact) */
#define VERDICT_URL_MAX 320

struct judge {
	const struct endpoint *ep;
	const struct probe_result *r;
	int64_t now_s;
	struct verdict *v;
	int nchain;                        /* r->chain_len clamped to the array */
	bool expired;                      /* something in the chain has expired */
	char said[REASON_COUNT][SENTENCE_MAX];  /* the sentence of each noted reason */
};

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

static void note(struct judge *j, enum reason rs, enum state st, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void note(struct judge *j, enum reason rs, enum state st, const char *fmt, ...)
{
	struct verdict *v = j->v;
	va_list ap;

	if (v->reasons & (1u << rs)) {
		/* a second rule for the same reason: the first sentence stays */
		if (st > v->severity[rs])
			v->severity[rs] = st;
		return;
	}
	v->reasons |= 1u << rs;
	v->severity[rs] = st;
	va_start(ap, fmt);
	vsnprintf(j->said[rs], sizeof j->said[rs], fmt, ap);
	va_end(ap);
}

static bool noted(const struct judge *j, enum reason rs)
{
	return (j->v->reasons & (1u << rs)) != 0;
}

/* s, or "" for NULL. */
static const char *str(const char *s)
{
	return s ? s : "";
}

/* ": " when s has text to follow it, so "could not resolve x" needs no ": ". */
static const char *sep(const char *s)
{
	return s && *s ? ": " : "";
}

/* "s" unless n is 1. */
static const char *plural(int64_t n)
{
	return n == 1 ? "" : "s";
}

/* Whole days from a to b, rounded down (negative when b is before a). */
static int64_t days_between(int64_t a, int64_t b)
{
	int64_t d = b - a;

	return d >= 0 ? d / DAY_S : -((-d + DAY_S - 1) / DAY_S);
}

/* "2025-01-01": the date part of util's ISO-8601 form. */
static char *fmt_date(char *buf, size_t n, int64_t unix_s)
{
	char *t;

	util_fmt_time_utc(buf, n, unix_s);
	t = strchr(buf, 'T');
	if (t)
		*t = '\0';
	return buf;
}

/* A configured limit in ms: "10s" when whole seconds, else util's form. */
static char *fmt_limit_ms(char *buf, size_t n, int64_t ms)
{
	if (ms > 0 && ms % 1000 == 0)
		snprintf(buf, n, "%llds", (long long)(ms / 1000));
	else
		util_fmt_duration_us(buf, n, ms * 1000);
	return buf;
}

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

/* "host:443", "[::1]:443". */
static char *fmt_hostport(char *buf, size_t n, const char *host, int port)
{
	if (strchr(str(host), ':'))
		snprintf(buf, n, "[%s]:%d", host, port);
	else
		snprintf(buf, n, "%s:%d", str(host), port);
	return buf;
}

/*
 * The CN of an RFC 2253 name ("CN=a.example,O=Example\, Inc.,C=US"),
 * unescaped; the whole name when it has no CN; "?" when there is none.
 */
static char *dn_cn(char *buf, size_t n, const char *dn)
{
	const char *p = dn;
	size_t o = 0;

	if (!dn || !*dn) {
		snprintf(buf, n, "?");
		return buf;
	}
	while (*p) {
		if (strncasecmp(p, "CN=", 3) == 0)
			break;
		/* skip to the next attribute, past escaped separators */
		while (*p && *p != ',' && *p != '+') {
			if (*p == '\\' && p[1])
				p++;
			p++;
		}
		while (*p == ',' || *p == '+' || *p == ' ')
			p++;
	}
	if (!*p) {
		snprintf(buf, n, "%s", dn);
		return buf;
	}
	for (p += 3; *p && *p != ',' && *p != '+' && o + 1 < n; p++) {
		if (*p == '\\' && p[1])
			p++;
		buf[o++] = *p;
	}
	if (n)
		buf[o < n ? o : n - 1] = '\0';
	return buf;
}

/*
 * How a served certificate is named in a sentence: the leaf is "certificate
 * 'CN'", a self-issued one further up is "root 'CN'", anything else is
 * "intermediate 'CN'".
 */
static char *cert_role(char *buf, size_t n, const struct probe_result *r, int i)
{
	char cn[200];

	dn_cn(cn, sizeof cn, r->chain[i].subject);
	if (i == 0)
		snprintf(buf, n, "certificate '%s'", cn);
	else if (r->chain[i].self_issued)
		snprintf(buf, n, "root '%s'", cn);
	else
		snprintf(buf, n, "intermediate '%s'", cn);
	return buf;
}

/* "in 5 days", "in 1 day", "in less than a day" (d >= 0). */
static char *fmt_in_days(char *buf, size_t n, int64_t d)
{
	if (d <= 0)
		snprintf(buf, n, "in less than a day");
	else
		snprintf(buf, n, "in %lld day%s", (long long)d, plural(d));
	return buf;
}

/* True for an unparsed chain entry, whose dates mean nothing. */
static bool cert_undated(const struct cert_info *c)
{
	return c->not_after == 0 && c->not_before == 0;
}

/* The chain entry expiring first, or -1 without a dated chain. */
static int earliest_expiry(const struct judge *j)
{
	int i = -1;

	probe_result_earliest_expiry(j->r, &i);
	return i < j->nchain ? i : -1;
}

/* ---- transport ---------------------------------------------------------- */

static void judge_timeout(struct judge *j, const char *hp, const char *lim)
{
	const struct probe_result *r = j->r;
	char d[32];

	switch (r->failed_phase) {
	case PHASE_DNS:
		note(j, REASON_TIMEOUT, STATE_DOWN, "no DNS answer for %s within %s",
		     str(j->ep->host), lim);
		break;
	case PHASE_CONNECT:
		note(j, REASON_TIMEOUT, STATE_DOWN, "no TCP connection to %s within %s", hp, lim);
		break;
	case PHASE_TLS:
		if (r->t.connect_us >= 0)
			note(j, REASON_TIMEOUT, STATE_DOWN,
			     "connected in %s, then no TLS handshake within %s",
			     util_fmt_duration_us(d, sizeof d, r->t.connect_us), lim);
		else
			note(j, REASON_TIMEOUT, STATE_DOWN, "connected, then no TLS handshake within %s",
			     lim);
		break;
	case PHASE_SERVER:
		/* plain http:// has no TLS phase to have completed */
		note(j, REASON_TIMEOUT, STATE_DOWN,
		     "%s, then no response within %s (waiting for first byte)",
		     r->t.tls_us >= 0 && !j->ep->plain_http ? "TLS done" : "connected", lim);
		break;
	case PHASE_TRANSFER:
		note(j, REASON_TIMEOUT, STATE_DOWN, "response body not finished within %s", lim);
		break;
	case PHASE_NONE:
	default:
		note(j, REASON_TIMEOUT, STATE_DOWN, "probe did not finish within %s%s%s", lim,
		     sep(r->error_text), r->error_text);
		break;
	}
}

static void judge_transport(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_result *r = j->r;
	const char *host = ep->host ? ep->host : "?";
	int port = r->port > 0 ? r->port : ep->port;
	char hp[320], ipp[100], lim[32];

	fmt_hostport(hp, sizeof hp, host, port);
	fmt_hostport(ipp, sizeof ipp, r->ip[0] ? r->ip : host, port);
	fmt_limit_ms(lim, sizeof lim, ep->timeout_ms);

	switch (r->error) {
	case PERR_NONE:
		break;
	case PERR_DNS:
		note(j, REASON_DNS, STATE_DOWN, "could not resolve %s%s%s", host, sep(r->error_text),
		     r->error_text);
		break;
	case PERR_REFUSED:
		note(j, REASON_REFUSED, STATE_DOWN,
		     "connection to %s refused: nothing listens there, or a firewall rejects it", ipp);
		break;
	case PERR_CONNECT_TIMEOUT:
		note(j, REASON_CONNECT_TIMEOUT, STATE_DOWN,
		     "no TCP connection to %s within %s: a firewall may be dropping the port", hp, lim);
		break;
	case PERR_CONNECT:
		note(j, REASON_CONNECT, STATE_DOWN, "could not connect to %s%s%s", r->ip[0] ? ipp : hp,
		     sep(r->error_text), r->error_text);
		break;
	case PERR_TIMEOUT:
		judge_timeout(j, hp, lim);
		break;
	case PERR_TLS_VERSION:
		note(j, REASON_TLS_VERSION, STATE_DOWN, "no common TLS version%s%s", sep(r->error_text),
		     r->error_text);
		break;
	case PERR_TLS:
		note(j, REASON_TLS_HANDSHAKE, STATE_DOWN, "TLS handshake failed%s%s", sep(r->error_text),
		     r->error_text);
		break;
	case PERR_CERT_REJECTED:
		/* the certificate rules say why; see judge_cert_rejected() */
		break;
	case PERR_TOO_MANY_REDIRECTS:
		note(j, REASON_TOO_MANY_REDIRECTS, STATE_DOWN, "more than %d redirects (max_redirects)",
		     ep->max_redirects);
		break;
	case PERR_RECV:
		note(j, REASON_PROBE_ERROR, STATE_DOWN, "connection closed mid-response%s%s",
		     sep(r->error_text), r->error_text);
		break;
	case PERR_PROXY:
		note(j, REASON_PROXY, STATE_DOWN, "%s", r->error_text[0] ? r->error_text : "proxy failed");
		break;
	case PERR_HTTP_PROTOCOL:
		note(j, REASON_HTTP_PROTOCOL, STATE_DOWN, "the server broke HTTP%s%s", sep(r->error_text),
		     r->error_text);
		break;
	case PERR_INSECURE_REDIRECT:
		note(j, REASON_INSECURE_REDIRECT, STATE_DOWN, "redirects to plain %s (not followed)",
		     r->error_text);
		break;
	case PERR_LOCAL:
		note(j, REASON_PROBE_ERROR, STATE_DOWN, "local problem, not the server's%s%s",
		     sep(r->error_text), r->error_text);
		break;
	case PERR_OTHER:
	default:
		note(j, REASON_PROBE_ERROR, STATE_DOWN, "probe failed%s%s", sep(r->error_text),
		     r->error_text);
		break;
	}
}

/*
 * The handshake can succeed on a version below min_tls; the probe client
 * offers TLS 1.0 to 1.3, so what was negotiated is the best the server has.
 */
static void judge_tls_version(struct judge *j)
{
	const struct probe_result *r = j->r;
	int got = r->tls_version_num, min = j->ep->min_tls;
	char name[24];

	if (got <= 0 || min <= 0 || got >= min)
		return;
	if (r->tls_version[0])
		snprintf(name, sizeof name, "%s", r->tls_version);
	else
		snprintf(name, sizeof name, "TLS %d.%d", got / 10, got % 10);
	note(j, REASON_TLS_VERSION, STATE_DOWN,
	     "server negotiated %s; minimum is TLS %d.%d (the server offers nothing newer)", name,
	     min / 10, min % 10);
}

/* ---- certificate -------------------------------------------------------- */

static void judge_cert_dates(struct judge *j)
{
	const struct probe_result *r = j->r;
	const struct tls_verify *vf = &r->verify;
	char role[260], date[40];
	int i, ei = -1, ni = -1;
	int64_t ago;

	for (i = 0; i < j->nchain; i++) {
		const struct cert_info *c = &r->chain[i];

		if (cert_undated(c))
			continue;
		if (c->not_after < j->now_s && (ei < 0 || c->not_after < r->chain[ei].not_after))
			ei = i;
		if (c->not_before > j->now_s && (ni < 0 || c->not_before > r->chain[ni].not_before))
			ni = i;
	}

	if (ei >= 0) {
		ago = days_between(r->chain[ei].not_after, j->now_s);
		cert_role(role, sizeof role, r, ei);
		fmt_date(date, sizeof date, r->chain[ei].not_after);
		if (ago == 0)
			note(j, REASON_CERT_EXPIRED, STATE_DOWN, "%s expired on %s (today)", role, date);
		else
			note(j, REASON_CERT_EXPIRED, STATE_DOWN, "%s expired on %s (%lld day%s ago)", role,
			     date, (long long)ago, plural(ago));
	} else if (vf->flags & VERIFY_EXPIRED) {
		note(j, REASON_CERT_EXPIRED, STATE_DOWN, "certificate expired%s%s", sep(vf->error),
		     vf->error);
	}
	j->expired = noted(j, REASON_CERT_EXPIRED);

	if (ni >= 0) {
		char in[40];

		cert_role(role, sizeof role, r, ni);
		fmt_date(date, sizeof date, r->chain[ni].not_before);
		note(j, REASON_CERT_NOT_YET_VALID, STATE_DOWN, "%s is not valid until %s (%s)", role, date,
		     fmt_in_days(in, sizeof in, days_between(j->now_s, r->chain[ni].not_before)));
	} else if (vf->flags & VERIFY_NOT_YET_VALID) {
		note(j, REASON_CERT_NOT_YET_VALID, STATE_DOWN, "certificate not yet valid%s%s",
		     sep(vf->error), vf->error);
	}
}

static void judge_cert_trust(struct judge *j)
{
	const struct probe_result *r = j->r;
	const struct tls_verify *vf = &r->verify;
	char cn[200];

	if (vf->flags & VERIFY_SELF_SIGNED) {
		dn_cn(cn, sizeof cn, j->nchain > 0 ? r->chain[0].subject : NULL);
		note(j, REASON_CERT_SELF_SIGNED, STATE_DOWN,
		     "certificate '%s' is self-signed: no client trusts it unless told to", cn);
	}

	if (vf->flags & VERIFY_CHAIN_INCOMPLETE) {
		bool aia = (vf->flags & VERIFY_AIA_COMPLETES) != 0;

		/* when the AIA intermediate completes the chain, the note says only that */
		note(j, REASON_CERT_CHAIN_INCOMPLETE, STATE_DOWN, "%s%s%s%s",
		     r->chain_sent > 1 ? "server's chain lacks an intermediate certificate"
				       : "server sent only its leaf certificate, no intermediate",
		     aia ? "; the intermediate from the certificate's AIA URL completes the chain, "
			   "so add it to the server's chain file"
			 : "",
		     !aia && vf->aia_note[0] ? "; " : "", aia ? "" : vf->aia_note);
	}

	/* self-signed and incomplete chains already say why nothing trusts them */
	if (!(vf->flags & (VERIFY_SELF_SIGNED | VERIFY_CHAIN_INCOMPLETE))) {
		if (vf->flags & (VERIFY_UNTRUSTED_ROOT | VERIFY_UNKNOWN_ISSUER)) {
			dn_cn(cn, sizeof cn, j->nchain > 0 ? r->chain[j->nchain - 1].issuer : NULL);
			note(j, REASON_CERT_UNTRUSTED, STATE_DOWN,
			     "chain does not lead to a trusted root%s%s (issuer: '%s')", sep(vf->error),
			     vf->error, cn);
		} else if (vf->flags & VERIFY_OTHER) {
			note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
			     sep(vf->error), vf->error);
		} else if (vf->checked && vf->code != 0 && !noted(j, REASON_CERT_EXPIRED) &&
			   !noted(j, REASON_CERT_NOT_YET_VALID)) {
			/* a failed verification the prober did not classify */
			note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
			     sep(vf->error), vf->error);
		}
	}
}

/* Appends up to three SANs of s, without their "DNS:" tags, to buf. */
static void sans_short(char *buf, size_t n, const char *s)
{
	int shown = 0, more = 0;
	size_t o = 0;
	const char *p = s;

	buf[0] = '\0';
	while (*p) {
		const char *end, *colon;
		size_t len;

		while (*p == ' ' || *p == ',')
			p++;
		if (!*p)
			break;
		end = strchr(p, ',');
		if (!end)
			end = p + strlen(p);
		colon = memchr(p, ':', (size_t)(end - p));
		/* "DNS:x" and "IP Address:x" lose their tag; an IPv6 SAN keeps its colons */
		if (colon && colon < end && (strncmp(p, "DNS:", 4) == 0 || strncmp(p, "IP:", 3) == 0 ||
					     strncmp(p, "IP Address:", 11) == 0))
			p = colon + 1;
		len = (size_t)(end - p);
		if (shown < 3) {
			int w = snprintf(buf + o, n - o, "%s%.*s", shown ? ", " : "", (int)len, p);

			if (w > 0)
				o += (size_t)w < n - o ? (size_t)w : n - o - 1;
			shown++;
		} else {
			more++;
		}
		p = end;
	}
	if (more && o < n)
		snprintf(buf + o, n - o, " and %d more", more);
}

static void judge_cert_hostname(struct judge *j)
{
	const struct probe_result *r = j->r;
	const struct tls_verify *vf = &r->verify;
	const char *want = vf->hostname[0] ? vf->hostname : str(j->ep->host);
	char names[300], cn[200];

	if (vf->hostname_ok != 0)
		return;
	if (j->nchain > 0 && r->chain[0].sans && *r->chain[0].sans) {
		sans_short(names, sizeof names, r->chain[0].sans);
		note(j, REASON_CERT_HOSTNAME, STATE_DOWN, "certificate is for %s, not %s", names, want);
	} else if (j->nchain > 0) {
		dn_cn(cn, sizeof cn, r->chain[0].subject);
		note(j, REASON_CERT_HOSTNAME, STATE_DOWN, "certificate is for '%s' (no SANs), not %s", cn,
		     want);
	} else {
		note(j, REASON_CERT_HOSTNAME, STATE_DOWN, "certificate does not match %s", want);
	}
}

static void judge_cert_weak(struct judge *j)
{
	const struct probe_result *r = j->r;
	char why[80], role[260];
	int i;

	for (i = 0; i < j->nchain; i++) {
		/* a root's own signature is never checked: trust comes from the store */
		if (i > 0 && r->chain[i].self_issued)
			continue;
		why[0] = '\0';
		if (!cert_is_weak(&r->chain[i], why, sizeof why))
			continue;
		if (i == 0)
			snprintf(role, sizeof role, "the leaf certificate");
		else
			cert_role(role, sizeof role, r, i);
		note(j, REASON_CERT_WEAK, STATE_DOWN, "%s on %s: modern clients refuse it",
		     why[0] ? why : "weak signature or key", role);
		return;
	}
}

/*
 * A leaf past two-thirds of its lifetime that was not renewed: ACME
 * clients renew at that point, so a short-lived certificate still in place
 * means renewal is failing, long before a fixed day count would say so.
 */
static void judge_cert_lifetime(struct judge *j)
{
	const struct cert_info *leaf = &j->r->chain[0];
	int64_t life = leaf->not_after - leaf->not_before;
	int64_t used = j->now_s - leaf->not_before;
	char role[260], in[40];

	if (life <= 0 || used <= 0 || used * 3 <= life * 2)
		return;
	cert_role(role, sizeof role, j->r, 0);
	fmt_in_days(in, sizeof in, days_between(j->now_s, leaf->not_after));
	note(j, REASON_CERT_EXPIRING, STATE_WARN, "%s has used %d%% of its %lld-day lifetime and was not "
	     "renewed (expires %s); ACME clients renew at two-thirds", role, (int)(used * 100 / life),
	     (long long)(life / DAY_S), in);
}

static void judge_cert_expiring(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_result *r = j->r;
	char role[260], date[40], in[40];
	int64_t left;
	int i;

	if (j->expired)
		return;
	i = earliest_expiry(j);
	if (i < 0)
		return;
	left = days_between(j->now_s, r->chain[i].not_after);
	cert_role(role, sizeof role, r, i);
	fmt_date(date, sizeof date, r->chain[i].not_after);
	fmt_in_days(in, sizeof in, left);
	if (left < ep->cert_crit_days)
		note(j, REASON_CERT_EXPIRING, STATE_DOWN, "%s expires %s (%s); critical below %d days",
		     role, in, date, ep->cert_crit_days);
	else if (left < ep->cert_warn_days)
		note(j, REASON_CERT_EXPIRING, STATE_WARN, "%s expires %s (%s); warning below %d days",
		     role, in, date, ep->cert_warn_days);
	else
		judge_cert_lifetime(j);
}

static void judge_cert(struct judge *j)
{
	const struct probe_result *r = j->r;

	if (!r->verify.checked && j->nchain == 0)
		return;
	judge_cert_dates(j);
	judge_cert_trust(j);
	judge_cert_hostname(j);
	judge_cert_weak(j);
	judge_cert_expiring(j);
}

/* PERR_CERT_REJECTED carries no reason of its own: the certificate rules say why. */
static void judge_cert_rejected(struct judge *j)
{
	const struct probe_result *r = j->r;
	enum reason rs;

	if (r->error != PERR_CERT_REJECTED)
		return;
	for (rs = REASON_CERT_EXPIRED; rs <= REASON_CERT_WEAK; rs++)
		if (noted(j, rs))
			return;
	note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
	     sep(r->verify.error[0] ? r->verify.error : r->error_text),
	     r->verify.error[0] ? r->verify.error : r->error_text);
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

static void judge_status(struct judge *j)
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
static void judge_body(struct judge *j)
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
			     str(ep->expect_body_regex));
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
			note(j, REASON_BODY_MISMATCH, STATE_DOWN, "body is not JSON%s%s", sep(msg), msg);
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
static void judge_plain_http(struct judge *j)
{
	const struct probe_result *r = j->r;
	const struct redirect_check *hc = &r->http_check;
	const char *url = str(j->ep->url);
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
static void judge_port80(struct judge *j)
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
		snprintf(url, sizeof url, strchr(str(ep->host), ':') ? "http://[%s]/" : "http://%s/",
			 str(ep->host));
	else
		snprintf(url, sizeof url, "http://%s/",
			 fmt_hostport(hp, sizeof hp, str(ep->host), port));
	redirect_finding(j, STATE_WARN, url, hc->status, hc->location);
}

/*
 * Strict-Transport-Security: directives separated by ';', names
 * case-insensitive, values optionally quoted (RFC 6797 6.1). Returns
 * max-age, or -1 when there is none or it is not a number.
 */
static long long hsts_max_age(const char *h)
{
	const char *p = h;

	while (p && *p) {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncasecmp(p, "max-age", 7) == 0) {
			const char *q = p + 7;
			long long v = 0;
			bool digits = false;

			while (*q == ' ' || *q == '\t')
				q++;
			if (*q == '=') {
				q++;
				while (*q == ' ' || *q == '\t')
					q++;
				if (*q == '"')
					q++;
				for (; *q >= '0' && *q <= '9'; q++) {
					digits = true;
					if (v < 1000000000000LL)
						v = v * 10 + (*q - '0');
				}
				return digits ? v : -1;
			}
		}
		p = strchr(p, ';');
	}
	return -1;
}

static void judge_hsts(struct judge *j)
{
	const char *h = j->r->hsts;
	long long age;

	if (!j->ep->expect_hsts)
		return;
	if (!h) {
		note(j, REASON_HSTS_MISSING, STATE_WARN, "no Strict-Transport-Security header");
		return;
	}
	age = hsts_max_age(h);
	if (age < 0)
		note(j, REASON_HSTS_MISSING, STATE_WARN, "Strict-Transport-Security has no max-age: \"%s\"",
		     h);
	else if (age == 0)
		note(j, REASON_HSTS_MISSING, STATE_WARN,
		     "Strict-Transport-Security max-age=0 tells browsers to forget HSTS");
}

static void judge_latency(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_timings *t = &j->r->t;
	static const char *const names[] = { "DNS", "connect", "TLS", "server", "transfer" };
	int64_t phase[5];
	const char *which;
	char total[32], lim[32], slow[32];
	enum state st;
	int i, best = 0;

	if (ep->latency_down_ms > 0 && t->total_us > ep->latency_down_ms * 1000) {
		st = STATE_DOWN;
		which = "latency_down";
		fmt_limit_ms(lim, sizeof lim, ep->latency_down_ms);
	} else if (ep->latency_warn_ms > 0 && t->total_us > ep->latency_warn_ms * 1000) {
		st = STATE_WARN;
		which = "latency_warn";
		fmt_limit_ms(lim, sizeof lim, ep->latency_warn_ms);
	} else {
		return;
	}
	phase[0] = t->dns_us;
	phase[1] = t->connect_us;
	phase[2] = t->tls_us;
	phase[3] = t->server_us;
	phase[4] = t->transfer_us;
	for (i = 1; i < 5; i++)
		if (phase[i] > phase[best])
			best = i;
	util_fmt_duration_us(total, sizeof total, t->total_us);
	if (phase[best] > 0)
		note(j, REASON_TOO_SLOW, st, "total %s exceeds %s %s (%s %s of it)", total, which, lim,
		     names[best], util_fmt_duration_us(slow, sizeof slow, phase[best]));
	else
		note(j, REASON_TOO_SLOW, st, "total %s exceeds %s %s", total, which, lim);
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

	util_fmt_duration_us(total, sizeof total, r->t.total_us);
	i = earliest_expiry(j);
	if (i >= 0) {
		int64_t left = days_between(j->now_s, r->chain[i].not_after);

		snprintf(tail, sizeof tail, ", certificate valid %lld more day%s", (long long)left,
			 plural(left));
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
		v->reasons = 1u << REASON_OK;
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

static void judge_one(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
		      struct verdict *v)
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
	j.nchain = r->chain_len < 0 ? 0 : r->chain_len > PROBE_MAX_CHAIN ? PROBE_MAX_CHAIN
									 : r->chain_len;

	judge_transport(&j);
	if (!ep->plain_http) {
		judge_tls_version(&j);
		judge_cert(&j);
		judge_cert_rejected(&j);
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
	struct verdict each;
	int worst = 0, bad = 0;
	uint32_t all = 0;
	char msg[sizeof(v->message)];

	if (r->n_addrs <= 1 || !r->addrs) {
		judge_one(ep, r, now_s, v);
		return;
	}
	judge_one(ep, &r->addrs[0], now_s, v);
	for (int i = 0; i < r->n_addrs; i++) {
		if (i)
			judge_one(ep, &r->addrs[i], now_s, &each);
		else
			each = *v;
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
		all &= ~(1u << REASON_OK);
	}
	memcpy(v->message, msg, sizeof(v->message));
	v->reasons = all;
}
