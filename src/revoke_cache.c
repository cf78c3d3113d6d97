/*
 * revoke_cache: the revocation engine's entries (revoke_int.h) and the
 * status a probe is judged with (revoke_status, revoke.h), read from them
 * through plain values only: the chain's serials, issuer names, CRL and
 * OCSP URLs and SHA-256s. When an entry's answer may be used, and when it
 * must be fetched again, are the pure rules of revoke.c (revoke_fresh,
 * revoke_stale, revoke_retry_at) applied to the entry's times.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

#include "httpsmon/util.h"
#include "revoke_int.h"

struct crl_entry *crl_entry_find(const struct revoker *rv, const char *url)
{
	uint64_t v;

	return hashmap_sget(&rv->crls, url, &v) ? (struct crl_entry *)(uintptr_t)v : NULL;
}

struct cert_entry *cert_entry_find(const struct revoker *rv, const char *sha256)
{
	uint64_t v;

	return hashmap_sget(&rv->certs, sha256, &v) ? (struct cert_entry *)(uintptr_t)v : NULL;
}

struct crl_entry *crl_entry_get(struct revoker *rv, const char *url)
{
	struct crl_entry *e = crl_entry_find(rv, url);

	if (!e) {
		e = xcalloc(1, sizeof(*e));
		e->url = xstrdup(url);
		hashmap_sput(&rv->crls, e->url, (uint64_t)(uintptr_t)e);
	}
	return e;
}

struct cert_entry *cert_entry_get(struct revoker *rv, const char *sha256)
{
	struct cert_entry *ce = cert_entry_find(rv, sha256);

	if (!ce) {
		ce = xcalloc(1, sizeof(*ce));
		snprintf(ce->sha256, sizeof(ce->sha256), "%s", sha256);
		hashmap_sput(&rv->certs, ce->sha256, (uint64_t)(uintptr_t)ce);
	}
	return ce;
}

void crl_entry_free(struct crl_entry *e)
{
	if (!e)
		return;
	X509_CRL_free(e->crl);
	free(e->issuer);
	free(e->url);
	free(e);
}

static bool retry_due(int64_t failed_at, int64_t interval_s, int64_t now)
{
	return !failed_at || now >= revoke_retry_at(failed_at, interval_s);
}

bool crl_entry_needs_fetch(const struct crl_entry *e, int64_t interval_s, int64_t now)
{
	if (e->crl && revoke_fresh(e->fetched_at, e->next_update, interval_s, now))
		return false;
	return retry_due(e->failed_at, interval_s, now);
}

/* e holds a CRL not past its nextUpdate. */
static bool crl_usable(const struct crl_entry *e, int64_t now)
{
	return e->crl && !revoke_stale(e->next_update, now);
}

bool crl_entry_answers(const struct crl_entry *e, X509 *cert, int64_t now)
{
	return crl_usable(e, now) && X509_NAME_cmp(X509_CRL_get_issuer(e->crl), X509_get_issuer_name(cert)) == 0;
}

void crl_entry_set(struct crl_entry *e, X509_CRL *crl, int64_t now)
{
	X509_CRL_free(e->crl);
	free(e->issuer);
	e->crl = crl;
	e->issuer = cert_name_text(X509_CRL_get_issuer(crl));
	e->fetched_at = now;
	e->next_update = rv_asn1_unix(X509_CRL_get0_nextUpdate(crl));
	e->error[0] = '\0';
	e->failed_at = 0;
}

void crl_entry_fail(struct crl_entry *e, const char *err, int64_t now)
{
	snprintf(e->error, sizeof(e->error), "%s", err);
	e->failed_at = now;
}

bool cert_entry_usable(const struct cert_entry *ce, int64_t interval_s, int64_t now)
{
	if (!ce->have || revoke_stale(ce->ans.next_update, now))
		return false;
	/* without a nextUpdate the responder promises nothing: the interval alone bounds it */
	return ce->ans.next_update || now < ce->fetched_at + interval_s;
}

bool cert_entry_needs_fetch(const struct cert_entry *ce, int64_t interval_s, int64_t now)
{
	if (ce->have && revoke_fresh(ce->fetched_at, ce->ans.next_update, interval_s, now))
		return false;
	return retry_due(ce->failed_at, interval_s, now);
}

void cert_entry_answer(struct cert_entry *ce, const struct rv_answer *a, int64_t now)
{
	ce->ans = *a;
	ce->have = true;
	ce->fetched_at = now;
	ce->error[0] = '\0';
	ce->failed_at = 0;
}

void cert_entry_fail(struct cert_entry *ce, const char *url, const char *err, int64_t now)
{
	if (url)
		util_sanitize(url, strlen(url), ce->url, sizeof(ce->url));
	snprintf(ce->error, sizeof(ce->error), "%s", err);
	ce->failed_at = now;
}

/* ---- status ------------------------------------------------------------------ */

static void set_answer(struct revocation *c, enum revoke_method m, const char *url, const struct rv_answer *a,
		       int64_t fetched_at)
{
	c->status = a->status;
	c->method = m;
	util_sanitize(url, strlen(url), c->source, sizeof(c->source));
	c->checked_at = fetched_at;
	c->next_update = a->next_update;
	if (a->status == REVOKE_REVOKED) {
		c->revoked_at = a->revoked_at;
		snprintf(c->reason, sizeof(c->reason), "%s", revoke_reason_name(a->reason));
	}
}

/* What the CRL of ci says: 1 answered (c filled), 0 pending, -1 no answer (why in why). */
static int crl_status(const struct revoker *rv, const struct cert_info *ci, int64_t now, struct revocation *c,
		      char *why, size_t n)
{
	const struct crl_entry *e = crl_entry_find(rv, ci->crl_url);
	struct rv_answer a;

	if (e && crl_usable(e, now) && e->issuer && ci->issuer && !strcmp(e->issuer, ci->issuer) &&
	    rv_crl_lookup(e->crl, ci->serial, &a) == 0) {
		set_answer(c, REVOKE_METHOD_CRL, ci->crl_url, &a, e->fetched_at);
		return 1;
	}
	if (e && e->fetch)
		return 0;
	if (!e) {
		const struct cert_entry *ce = cert_entry_find(rv, ci->sha256);

		/* revoke_request notes there why it could not ask (no issuer to check a CRL with) */
		if (ce && ce->error[0])
			snprintf(why, n, "%s", ce->error);
		else
			snprintf(why, n, "the CRL of %s was not fetched", ci->crl_url);
	}
	else if (e->error[0])
		snprintf(why, n, "the CRL of %s: %s", ci->crl_url, e->error);
	else if (e->crl && revoke_stale(e->next_update, now))
		snprintf(why, n, "the CRL of %s is stale: its nextUpdate has passed", ci->crl_url);
	else
		snprintf(why, n, "the CRL of %s is not issued by the certificate's issuer", ci->crl_url);
	return -1;
}

/* The same for ci's OCSP responder. */
static int ocsp_status(const struct revoker *rv, const struct cert_info *ci, int64_t interval_s, int64_t now,
		       struct revocation *c, char *why, size_t n)
{
	const struct cert_entry *ce = cert_entry_find(rv, ci->sha256);

	if (ce && cert_entry_usable(ce, interval_s, now)) {
		set_answer(c, REVOKE_METHOD_OCSP, ci->ocsp_url, &ce->ans, ce->fetched_at);
		return 1;
	}
	if (ce && ce->fetch)
		return 0;
	if (!ci->ocsp_url)
		snprintf(why, n, "%s", ce && ce->error[0] ? ce->error : "no OCSP URL");
	else
		snprintf(why, n, "the OCSP responder %s: %s", ci->ocsp_url,
			 ce && ce->error[0] ? ce->error : "not asked");
	return -1;
}

/* One certificate's status into c. */
static void cert_status(const struct revoker *rv, const struct cert_info *ci, int64_t interval_s, int64_t now,
			struct revocation *c)
{
	char crl_why[300] = "", ocsp_why[300] = "", line[620];
	int got = -1;

	memset(c, 0, sizeof(*c));
	c->checked = true;
	if (!ci->crl_url && !ci->ocsp_url) {
		snprintf(c->detail, sizeof(c->detail), "no CRL distribution point and no OCSP URL");
		return;
	}
	if (ci->crl_url)
		got = crl_status(rv, ci, now, c, crl_why, sizeof(crl_why));
	if (got < 0 && (ci->ocsp_url || !ci->crl_url))
		got = ocsp_status(rv, ci, interval_s, now, c, ocsp_why, sizeof(ocsp_why));
	if (got == 0) {
		c->pending = true;
		snprintf(c->detail, sizeof(c->detail), "lookup in progress");
	} else if (got < 0) {
		snprintf(line, sizeof(line), "%s%s%s", crl_why, crl_why[0] && ocsp_why[0] ? "; " : "", ocsp_why);
		util_sanitize(line, strlen(line), c->detail, sizeof(c->detail));
	}
}

void revoke_status(const struct revoker *rv, const struct cert_info *chain, int n, int64_t interval_s,
		   int64_t now_s, struct revocation *out)
{
	struct revocation c;

	memset(out, 0, sizeof(*out));
	out->checked = true;
	for (int i = 0; i < n; i++) {
		if (chain[i].self_issued)
			continue; /* a root (or a self-signed leaf) is trusted or not: nobody revokes it */
		cert_status(rv, &chain[i], interval_s, now_s, &c);
		revocation_fold(out, &c, i);
	}
	if (out->certs == 0)
		snprintf(out->detail, sizeof(out->detail), "no certificate to check (self-signed)");
}
