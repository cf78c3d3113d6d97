/*
 * verdict_revoke: the revocation rules (see verdict.h for the vocabulary).
 * A revoked certificate anywhere in the served chain is DOWN (cert_revoked):
 * every client that checks revocation refuses it. A status nobody could
 * tell (no URL, responder down, CRL unreachable or badly signed) is never
 * DOWN; it is a WARN (revocation_unknown) only when the endpoint says
 * require_revocation = yes. A pending status (the lookup was still in
 * flight, revoke.h) is not judged at all: the collector probes again once
 * it lands. revocation = no judges nothing.
 */
#include <stdio.h>
#include <string.h>

#include "httpsmon/util.h"
#include "verdict_int.h"

void judge_revocation(struct judge *j)
{
	const struct revocation *rv = &j->r->revocation;
	char role[240], when[40];
	int at = rv->depth >= 0 && rv->depth < j->nchain ? rv->depth : 0;

	if (!j->ep->revocation || !rv->checked || j->nchain == 0)
		return;
	if (rv->status == REVOKE_REVOKED) {
		verdict_cert_role(role, sizeof role, j->r, at);
		util_fmt_time_utc(when, sizeof when, rv->revoked_at);
		when[10] = '\0'; /* the date is what a reader wants; the detail keeps the time */
		note(j, REASON_CERT_REVOKED, STATE_DOWN,
		     "%s was revoked on %s (%s) according to %s %s; any client that checks revocation will refuse it",
		     role, when, rv->reason[0] ? rv->reason : "unspecified",
		     rv->method == REVOKE_METHOD_OCSP ? "the OCSP responder" : "the CRL of", rv->source);
		return;
	}
	if (rv->status == REVOKE_UNKNOWN && !rv->pending && j->ep->require_revocation) {
		verdict_cert_role(role, sizeof role, j->r, at);
		note(j, REASON_REVOCATION_UNKNOWN, STATE_WARN,
		     "revocation of %s is unknown (%s) and require_revocation = yes", role, rv->detail);
	}
}
