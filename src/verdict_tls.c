/*
 * verdict_tls: the rules about reaching the server and what it presented
 * before any HTTP: connect, resolve and timeout failures, the negotiated TLS
 * version, and the certificate chain (dates, trust, hostname, weak keys,
 * lifetime, expiry warning, and the handshake's own rejection).
 *
 * Part of the verdict module (src/verdict.c owns note() and conclude());
 * every rule here only reads j->ep, j->r and j->now_s and calls note().
 * j->expired is set by the date rule and read by the expiry warning, so
 * judge_cert() runs them in that order.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/cert.h"
#include "httpsmon/util.h"
#include "verdict_int.h"

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
char *verdict_cert_role(char *buf, size_t n, const struct probe_result *r, int i)
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
		snprintf(buf, n, "in %lld day%s", (long long)d, verdict_plural(d));
	return buf;
}

/* True for an unparsed chain entry, whose dates mean nothing. */
static bool cert_undated(const struct cert_info *c)
{
	return c->not_after == 0 && c->not_before == 0;
}

/* ---- transport ---------------------------------------------------------- */

static void judge_timeout(struct judge *j, const char *hp, const char *lim)
{
	const struct probe_result *r = j->r;
	char d[32];

	switch (r->failed_phase) {
	case PHASE_DNS:
		note(j, REASON_TIMEOUT, STATE_DOWN, "no DNS answer for %s within %s",
		     verdict_str(j->ep->host), lim);
		break;
	case PHASE_CONNECT:
		note(j, REASON_TIMEOUT, STATE_DOWN, "no TCP connection to %s within %s", hp, lim);
		break;
	case PHASE_TLS:
		if (r->t.us[PHASE_CONNECT] >= 0)
			note(j, REASON_TIMEOUT, STATE_DOWN,
			     "connected in %s, then no TLS handshake within %s",
			     util_fmt_duration_us(d, sizeof d, r->t.us[PHASE_CONNECT]), lim);
		else
			note(j, REASON_TIMEOUT, STATE_DOWN, "connected, then no TLS handshake within %s",
			     lim);
		break;
	case PHASE_SERVER:
		/* plain http:// has no TLS phase to have completed */
		note(j, REASON_TIMEOUT, STATE_DOWN,
		     "%s, then no response within %s (waiting for first byte)",
		     r->t.us[PHASE_TLS] >= 0 && !j->ep->plain_http ? "TLS done" : "connected", lim);
		break;
	case PHASE_TRANSFER:
		note(j, REASON_TIMEOUT, STATE_DOWN, "response body not finished within %s", lim);
		break;
	case PHASE_NONE:
	default:
		note(j, REASON_TIMEOUT, STATE_DOWN, "probe did not finish within %s%s%s", lim,
		     verdict_sep(r->error_text), r->error_text);
		break;
	}
}

/* Transport failures told as "<what>: <curl's or OpenSSL's own words>"; the rest is "probe failed". */
static const struct {
	enum probe_error e;
	enum reason rs;
	const char *what;
} failure_texts[] = {
	{ PERR_TLS_VERSION, REASON_TLS_VERSION, "no common TLS version" },
	{ PERR_TLS, REASON_TLS_HANDSHAKE, "TLS handshake failed" },
	{ PERR_RECV, REASON_PROBE_ERROR, "connection closed mid-response" },
	{ PERR_HTTP_PROTOCOL, REASON_HTTP_PROTOCOL, "the server broke HTTP" },
	{ PERR_LOCAL, REASON_PROBE_ERROR, "local problem, not the server's" },
};

static void judge_failure_text(struct judge *j)
{
	const struct probe_result *r = j->r;
	enum reason rs = REASON_PROBE_ERROR;
	const char *what = "probe failed";

	for (size_t i = 0; i < sizeof(failure_texts) / sizeof(failure_texts[0]); i++) {
		if (failure_texts[i].e == r->error) {
			rs = failure_texts[i].rs;
			what = failure_texts[i].what;
		}
	}
	note(j, rs, STATE_DOWN, "%s%s%s", what, verdict_sep(r->error_text), r->error_text);
}

void judge_transport(struct judge *j)
{
	const struct endpoint *ep = j->ep;
	const struct probe_result *r = j->r;
	const char *host = ep->host ? ep->host : "?";
	int port = r->port > 0 ? r->port : ep->port;
	char hp[320], ipp[100], lim[32];

	verdict_fmt_hostport(hp, sizeof hp, host, port);
	verdict_fmt_hostport(ipp, sizeof ipp, r->ip[0] ? r->ip : host, port);
	verdict_fmt_limit_ms(lim, sizeof lim, ep->timeout_ms);

	switch (r->error) {
	case PERR_NONE:
		break;
	case PERR_DNS:
		note(j, REASON_DNS, STATE_DOWN, "could not resolve %s%s%s", host, verdict_sep(r->error_text),
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
		     verdict_sep(r->error_text), r->error_text);
		break;
	case PERR_TIMEOUT:
		judge_timeout(j, hp, lim);
		break;
	case PERR_CERT_REJECTED:
		/* the certificate rules say why; see judge_cert_rejected() */
		break;
	case PERR_TOO_MANY_REDIRECTS:
		note(j, REASON_TOO_MANY_REDIRECTS, STATE_DOWN, "more than %d redirects (max_redirects)",
		     ep->max_redirects);
		break;
	case PERR_PROXY:
		note(j, REASON_PROXY, STATE_DOWN, "%s", r->error_text[0] ? r->error_text : "proxy failed");
		break;
	case PERR_INSECURE_REDIRECT:
		note(j, REASON_INSECURE_REDIRECT, STATE_DOWN, "redirects to plain %s (not followed)",
		     r->error_text);
		break;
	default:
		judge_failure_text(j);
		break;
	}
}

/*
 * The handshake can succeed on a version below min_tls; the probe client
 * offers TLS 1.0 to 1.3, so what was negotiated is the best the server has.
 */
void judge_tls_version(struct judge *j)
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
		ago = verdict_days_between(r->chain[ei].not_after, j->now_s);
		verdict_cert_role(role, sizeof role, r, ei);
		fmt_date(date, sizeof date, r->chain[ei].not_after);
		if (ago == 0)
			note(j, REASON_CERT_EXPIRED, STATE_DOWN, "%s expired on %s (today)", role, date);
		else
			note(j, REASON_CERT_EXPIRED, STATE_DOWN, "%s expired on %s (%lld day%s ago)", role,
			     date, (long long)ago, verdict_plural(ago));
	} else if (vf->flags & VERIFY_EXPIRED) {
		note(j, REASON_CERT_EXPIRED, STATE_DOWN, "certificate expired%s%s", verdict_sep(vf->error),
		     vf->error);
	}
	j->expired = noted(j, REASON_CERT_EXPIRED);

	if (ni >= 0) {
		char in[40];

		verdict_cert_role(role, sizeof role, r, ni);
		fmt_date(date, sizeof date, r->chain[ni].not_before);
		note(j, REASON_CERT_NOT_YET_VALID, STATE_DOWN, "%s is not valid until %s (%s)", role, date,
		     fmt_in_days(in, sizeof in, verdict_days_between(j->now_s, r->chain[ni].not_before)));
	} else if (vf->flags & VERIFY_NOT_YET_VALID) {
		note(j, REASON_CERT_NOT_YET_VALID, STATE_DOWN, "certificate not yet valid%s%s",
		     verdict_sep(vf->error), vf->error);
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
			     "chain does not lead to a trusted root%s%s (issuer: '%s')", verdict_sep(vf->error),
			     vf->error, cn);
		} else if (vf->flags & VERIFY_OTHER) {
			note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
			     verdict_sep(vf->error), vf->error);
		} else if (vf->checked && vf->code != 0 && !noted(j, REASON_CERT_EXPIRED) &&
			   !noted(j, REASON_CERT_NOT_YET_VALID)) {
			/* a failed verification the prober did not classify */
			note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
			     verdict_sep(vf->error), vf->error);
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
	const char *want = vf->hostname[0] ? vf->hostname : verdict_str(j->ep->host);
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
			verdict_cert_role(role, sizeof role, r, i);
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
	verdict_cert_role(role, sizeof role, j->r, 0);
	fmt_in_days(in, sizeof in, verdict_days_between(j->now_s, leaf->not_after));
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
	i = verdict_earliest_expiry(j);
	if (i < 0)
		return;
	left = verdict_days_between(j->now_s, r->chain[i].not_after);
	verdict_cert_role(role, sizeof role, r, i);
	fmt_date(date, sizeof date, r->chain[i].not_after);
	fmt_in_days(in, sizeof in, left);
	switch (verdict_cert_expiry(r->chain[i].not_after, j->now_s, ep->cert_warn_days, ep->cert_crit_days)) {
	case STATE_DOWN:
		note(j, REASON_CERT_EXPIRING, STATE_DOWN, "%s expires %s (%s); critical below %d days",
		     role, in, date, ep->cert_crit_days);
		break;
	case STATE_WARN:
		note(j, REASON_CERT_EXPIRING, STATE_WARN, "%s expires %s (%s); warning below %d days",
		     role, in, date, ep->cert_warn_days);
		break;
	case STATE_UP:
		judge_cert_lifetime(j);
		break;
	}
}

void judge_cert(struct judge *j)
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
void judge_cert_rejected(struct judge *j)
{
	const struct probe_result *r = j->r;
	enum reason rs;

	if (r->error != PERR_CERT_REJECTED)
		return;
	for (rs = REASON_CERT_EXPIRED; rs <= REASON_CERT_WEAK; rs++)
		if (noted(j, rs))
			return;
	note(j, REASON_CERT_UNTRUSTED, STATE_DOWN, "certificate rejected%s%s",
	     verdict_sep(r->verify.error[0] ? r->verify.error : r->error_text),
	     r->verify.error[0] ? r->verify.error : r->error_text);
}

