/*
 * revoke: the values and rules of revocation (include/httpsmon/revoke.h,
 * the pure half): names, freshness of a cached answer, how certificates'
 * statuses make the chain's, and the one line shown for it. No OpenSSL, no
 * clock of its own; the engine is in revoke_fetch.c, revoke_crl.c and
 * revoke_ocsp.c.
 */
#include "httpsmon/revoke.h"

#include <stdio.h>
#include <string.h>

#include "httpsmon/fmt.h"
#include "httpsmon/util.h"

const char *revoke_status_name(enum revoke_status s)
{
	switch (s) {
	case REVOKE_GOOD:
		return "good";
	case REVOKE_REVOKED:
		return "revoked";
	default:
		return "unknown";
	}
}

const char *revoke_method_name(enum revoke_method m)
{
	switch (m) {
	case REVOKE_METHOD_CRL:
		return "crl";
	case REVOKE_METHOD_OCSP:
		return "ocsp";
	default:
		return "";
	}
}

/* RFC 5280 5.3.1; 7 is not used */
static const char *const reason_names[] = {
	"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
	"cessationOfOperation", "certificateHold", NULL, "removeFromCRL", "privilegeWithdrawn",
	"aACompromise",
};

const char *revoke_reason_name(int code)
{
	if (code == -1)
		return reason_names[0];
	if (code < 0 || code >= (int)(sizeof(reason_names) / sizeof(reason_names[0])) || !reason_names[code])
		return "unknown";
	return reason_names[code];
}

bool revoke_stale(int64_t next_update, int64_t now)
{
	return next_update != 0 && now >= next_update;
}

bool revoke_fresh(int64_t fetched_at, int64_t next_update, int64_t interval_s, int64_t now)
{
	return now < fetched_at + interval_s && !revoke_stale(next_update, now);
}

int64_t revoke_retry_at(int64_t fetched_at, int64_t interval_s)
{
	return fetched_at + (interval_s < REVOKE_RETRY_S ? interval_s : REVOKE_RETRY_S);
}

static int rank(enum revoke_status s)
{
	return s == REVOKE_REVOKED ? 2 : s == REVOKE_UNKNOWN ? 1 : 0;
}

void revocation_fold(struct revocation *chain, const struct revocation *cert, int depth)
{
	bool pending = chain->pending || cert->pending;
	int certs = chain->certs + 1;

	/* the first certificate decides; a later one only when it is worse */
	if (chain->certs == 0 || rank(cert->status) > rank(chain->status)) {
		*chain = *cert;
		chain->depth = depth;
	}
	chain->checked = true;
	chain->pending = pending && chain->status != REVOKE_REVOKED;
	chain->certs = certs;
}

/* "CRL http://..." / "OCSP responder http://..." */
static const char *source_words(const struct revocation *rv, char *buf, size_t n)
{
	snprintf(buf, n, "%s %s", rv->method == REVOKE_METHOD_OCSP ? "the OCSP responder" : "the CRL of",
		 rv->source[0] ? rv->source : "?");
	return buf;
}

void revocation_line(const struct revocation *rv, int64_t now_s, char *out, size_t n)
{
	char src[300], when[40], age[32];

	if (!rv->checked) {
		snprintf(out, n, "not checked");
		return;
	}
	switch (rv->status) {
	case REVOKE_REVOKED:
		util_fmt_time_utc(when, sizeof(when), rv->revoked_at);
		when[10] = '\0'; /* the date */
		snprintf(out, n, "REVOKED on %s (%s) according to %s", when, rv->reason[0] ? rv->reason : "unspecified",
			 source_words(rv, src, sizeof(src)));
		break;
	case REVOKE_GOOD:
		fmt_age(age, sizeof(age), (now_s - rv->checked_at) * 1000);
		snprintf(out, n, "good (%s %s, checked %s, %d certificate%s)",
			 rv->method == REVOKE_METHOD_OCSP ? "OCSP" : "CRL", rv->source, age, rv->certs,
			 rv->certs == 1 ? "" : "s");
		break;
	default:
		snprintf(out, n, "unknown: %s", rv->pending ? "lookup in progress" : rv->detail);
		break;
	}
}
