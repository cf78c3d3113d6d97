/*
 * verdict: the rules. A pure function of an endpoint's settings, one probe
 * result and the time: UP, WARN or DOWN, one reason from a fixed
 * vocabulary, every reason that applied, and a sentence for a human.
 * No I/O, no clock of its own: trivially unit-testable.
 */
#ifndef HTTPSMON_VERDICT_H
#define HTTPSMON_VERDICT_H

#include <stdint.h>

#include "httpsmon/config.h"
#include "httpsmon/result.h"

enum state { STATE_UP, STATE_WARN, STATE_DOWN };

/*
 * The vocabulary, in precedence order: when several reasons apply, the most
 * severe state wins and, within it, the earliest reason in this list.
 */
enum reason {
	REASON_OK,
	REASON_PROXY,         /* the proxy failed: nothing is known of the target */
	REASON_DNS,
	REASON_REFUSED,
	REASON_CONNECT_TIMEOUT,
	REASON_CONNECT,
	REASON_TIMEOUT,
	REASON_TLS_VERSION,
	REASON_TLS_HANDSHAKE,
	REASON_CERT_EXPIRED,
	REASON_CERT_NOT_YET_VALID,
	REASON_CERT_SELF_SIGNED,
	REASON_CERT_UNTRUSTED,
	REASON_CERT_CHAIN_INCOMPLETE,
	REASON_CERT_HOSTNAME,
	REASON_CERT_REVOKED,  /* the CRL or OCSP responder says a served certificate was revoked */
	REASON_CERT_WEAK,
	REASON_HTTP_PROTOCOL, /* the server broke HTTP (oversized or invalid headers, ...) */
	REASON_HTTP_STATUS,
	REASON_TOO_MANY_REDIRECTS,
	REASON_INSECURE_REDIRECT, /* https:// redirected to plain http:// */
	REASON_NO_HTTPS_REDIRECT,
	REASON_BODY_MISMATCH,
	REASON_BODY_TOO_LARGE,
	REASON_TOO_SLOW,
	REASON_CERT_EXPIRING,
	REASON_HSTS_MISSING,
	REASON_TLS_LEGACY_OFFERED,  /* posture pass: TLS 1.0/1.1 (or SSLv3/SSLv2) accepted */
	REASON_CIPHER_WEAK_OFFERED, /* posture pass: 3DES, RC4, NULL, anonymous or EXPORT accepted */
	REASON_NO_FORWARD_SECRECY,  /* posture pass: static RSA key exchange accepted */
	REASON_OCSP_STAPLE_STALE,   /* posture pass: the stapled OCSP answer was past its nextUpdate */
	REASON_REVOCATION_UNKNOWN, /* require_revocation = yes and no source could tell */
	REASON_PROBE_ERROR,   /* a failure that fits none of the above */
	REASON_COUNT
};

/* The bit of reason r in struct verdict's reasons. */
#define REASON_BIT(r) ((uint64_t)1 << (r))
_Static_assert(REASON_COUNT <= 64, "struct verdict's reasons holds 64 bits");

struct verdict {
	enum state state;
	enum reason reason;       /* the one that decided state */
	uint64_t reasons;         /* REASON_BIT(r) for every reason that applied */
	enum state severity[REASON_COUNT]; /* state each applying reason asked for */
	char message[512];        /* one sentence about reason; may quote raw network text */
};

/* Judges r, probed from ep, at now_s (Unix seconds). */
void verdict_judge(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
		   struct verdict *v);

/*
 * verdict_judge, and for an all_addresses probe the verdict of each address
 * in the same pass: each[i] for r->addrs[i], i < r->n_addrs (the caller's
 * array of r->n_addrs; NULL when not wanted or when r->n_addrs is 0), so
 * what is shown per address is what the endpoint's verdict was made of.
 */
void verdict_judge_each(const struct endpoint *ep, const struct probe_result *r, int64_t now_s,
			struct verdict *v, struct verdict *each);

struct posture;

/*
 * verdict_judge_each with the endpoint's last posture pass p (posture.h;
 * NULL: none, or posture_verdict = info) judged too: tls_legacy_offered,
 * cipher_weak_offered, no_forward_secrecy and ocsp_staple_stale, each a
 * WARN, from what that pass found accepted (refused, not testable and
 * errors say nothing). Plain-HTTP endpoints have no posture.
 */
void verdict_judge_posture(const struct endpoint *ep, const struct probe_result *r, const struct posture *p,
			   int64_t now_s, struct verdict *v, struct verdict *each);

/*
 * What a certificate's expiry deserves by an endpoint's thresholds, the rule
 * verdict_judge applies (cert_expiring): STATE_DOWN when fewer than
 * crit_days whole days are left (an expired one included), STATE_WARN when
 * fewer than warn_days, else STATE_UP. The dashboard colours expiry dates
 * with it, so a colour and a verdict never disagree.
 */
enum state verdict_cert_expiry(int64_t not_after_s, int64_t now_s, int warn_days, int crit_days);

const char *reason_name(enum reason r); /* "cert_expired" */
const char *state_name(enum state s);   /* "UP", "WARN", "DOWN" */

#endif
