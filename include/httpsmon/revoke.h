/*
 * revoke: whether the certificates a server sent were revoked. For the leaf
 * and every intermediate (a self-issued root is not checked), the CRL of the
 * certificate's CRL distribution point first, then its AIA OCSP responder
 * (Let's Encrypt's certificates carry no OCSP URL since 2025: CRL first is
 * not optional).
 *
 * Two halves:
 * - values and rules, pure (src/revoke.c, in the core): struct revocation,
 *   the status one probe result carries (result.h), its names, how the
 *   certificates' statuses make the chain's, and when a cached answer is
 *   fresh. verdict, report, store and the UI use only this half.
 * - the engine (src/revoke_fetch.c: transfers and waiting probes;
 *   revoke_cache.c: the cache and revoke_status; revoke_crl.c and
 *   revoke_ocsp.c: checking what was fetched; OpenSSL and libcurl), owned
 *   by the probe engine: a cache of CRLs per URL
 *   (fetched over plain HTTP, at most REVOKE_MAX_CRL_BYTES, parsed once,
 *   signature checked against the issuer, looked up by serial with
 *   OpenSSL's index) and of OCSP answers per certificate (request built and
 *   answer verified with OpenSSL's OCSP API, POSTed as
 *   application/ocsp-request). Fetches are extra transfers on the prober's
 *   multi handle: they never count against max_inflight and never delay a
 *   probe.
 *
 * How a probe is judged while its lookups are in flight: the probe finishes
 * as usual and carries what the cache knows. A certificate whose answer is
 * still being fetched, with no earlier answer still fresh, makes the status
 * "unknown" with pending set: shown as "lookup in progress" and never judged
 * (no revocation_unknown for a pending status). When the last lookup a
 * pending probe waited for lands, the engine calls back with the probe's
 * tag: the collector probes that endpoint again at once (the next result is
 * judged with the answer), `check` re-reads the cache into the result it
 * held back. A refresh of an answer that is merely old (past
 * revocation_interval, before nextUpdate) does not make a probe pending: it
 * is judged with the last known answer until the new one lands.
 */
#ifndef HTTPSMON_REVOKE_H
#define HTTPSMON_REVOKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/cert.h"

#define REVOKE_MAX_CRL_BYTES (10LL * 1024 * 1024) /* a larger CRL is refused */
#define REVOKE_MAX_OCSP_BYTES (64 * 1024)
#define REVOKE_FETCH_TIMEOUT_MS 10000  /* one CRL or OCSP transfer */
#define REVOKE_RETRY_S 300             /* a failed lookup is retried after this (or the interval, if shorter) */
#define REVOKE_DEFAULT_INTERVAL_MS (6LL * 3600 * 1000)
#define REVOKE_MIN_INTERVAL_MS (60LL * 1000)
#define REVOKE_CLOCK_SKEW_S 300        /* thisUpdate this far in the future is still accepted */

enum revoke_status { REVOKE_UNKNOWN = 0, REVOKE_GOOD, REVOKE_REVOKED };
enum revoke_method { REVOKE_METHOD_NONE = 0, REVOKE_METHOD_CRL, REVOKE_METHOD_OCSP };

/*
 * The revocation status of a served chain, or of one certificate. Plain
 * values, no pointers: copied with the result by assignment.
 */
struct revocation {
	bool checked;               /* looked at (revocation = yes, a chain came); false: nothing to show */
	bool pending;               /* an answer it needs was being fetched: unknown, not judged */
	enum revoke_status status;  /* chain: revoked if one is, unknown if one is, else good */
	enum revoke_method method;  /* where the deciding answer came from; NONE when no source answered */
	int depth;                  /* chain index it is about (the revoked or first unknown one; good: 0) */
	int certs;                  /* certificates checked (leaf and intermediates) */
	int64_t revoked_at;         /* Unix seconds; 0 unless revoked */
	char reason[24];            /* RFC 5280 CRLReason name ("keyCompromise"); "" unless revoked */
	char source[256];           /* the CRL's URL or the OCSP responder's, sanitised; "" when none */
	char detail[256];           /* one line for a human, sanitised: why unknown, or what answered */
	int64_t checked_at;         /* Unix seconds the answer was fetched; 0 when none */
	int64_t next_update;        /* Unix seconds of the answer's nextUpdate; 0 when none */
};

/* "good", "revoked", "unknown". */
const char *revoke_status_name(enum revoke_status s);
/* "crl", "ocsp", "" for NONE. */
const char *revoke_method_name(enum revoke_method m);
/*
 * The RFC 5280 name of a CRLReason code (0 unspecified .. 10 aACompromise;
 * OpenSSL's -1 "no reason given" is "unspecified"); "unknown" for a code
 * outside the list.
 */
const char *revoke_reason_name(int code);

/*
 * Whether an answer fetched at fetched_at with nextUpdate next_update (0:
 * none given) may still be used at now (all Unix seconds) by an endpoint
 * re-checking every interval_s: now < fetched_at + interval_s and, when
 * given, now < next_update. At nextUpdate exactly the answer is stale,
 * as OpenSSL's own CRL check has it.
 */
bool revoke_fresh(int64_t fetched_at, int64_t next_update, int64_t interval_s, int64_t now);
/* An answer past its nextUpdate (now >= next_update; 0 never is): "unknown", never "good". */
bool revoke_stale(int64_t next_update, int64_t now);
/* When a failed lookup (fetched_at) is tried again: after REVOKE_RETRY_S, or interval_s if shorter. */
int64_t revoke_retry_at(int64_t fetched_at, int64_t interval_s);

/*
 * Folds one certificate's status (at chain index depth) into the chain's:
 * revoked beats unknown beats good; among equals the lower depth stays.
 * chain starts zeroed with checked set; each fold counts a certificate and
 * carries pending over.
 */
void revocation_fold(struct revocation *chain, const struct revocation *cert, int depth);

/*
 * One line for the check report and the detail pane, e.g.
 * "good (CRL http://ca.example/ca.crl, checked 5 min ago)",
 * "REVOKED on 2026-11-20 (keyCompromise) according to the CRL of http://...",
 * "unknown: OCSP responder http://...: connection refused",
 * "unknown: lookup in progress", "not checked (revocation = no)".
 */
void revocation_line(const struct revocation *rv, int64_t now_s, char *out, size_t n);

/* ---- the engine (probe layer: OpenSSL, libcurl) ---------------------- */

struct prober;
struct revoker;
struct x509_store_st;
struct stack_st_X509;

/* A lookup a pending probe (tag) waited for landed: judge it again. */
typedef void (*revoke_landed_cb)(void *ud, uint64_t tag);

/* A revoker running its fetches on p's multi handle. Freed before p. */
struct revoker *revoker_new(struct prober *p);
/* Cancels fetches in flight without calling back. NULL is fine. */
void revoker_free(struct revoker *rv);
void revoker_on_landed(struct revoker *rv, revoke_landed_cb cb, void *ud);

/*
 * Starts what a served chain needs that the cache lacks or holds past
 * interval_s: the CRL of each certificate, and the OCSP answer of those
 * without a usable CRL. chain/n are its plain values (finish_chain's) and
 * sent the same certificates as OpenSSL objects (borrowed, leaf first);
 * store (borrowed) is the trust store the chain was verified against, where
 * the top certificate's issuer and OCSP signers are looked for. A
 * certificate whose answer must be waited for registers tag for the landed
 * callback.
 */
void revoke_request(struct revoker *rv, const struct cert_info *chain, int n, struct stack_st_X509 *sent,
		    struct x509_store_st *store, uint64_t tag, int64_t interval_s, int64_t now_s);

/*
 * The chain's status from the cache alone (plain values: the chain's
 * serials, issuers, CRL and OCSP URLs, SHA-256s), into out.
 */
void revoke_status(const struct revoker *rv, const struct cert_info *chain, int n, int64_t interval_s,
		   int64_t now_s, struct revocation *out);

/* Fetches in flight, for tests and the soak's accounting. */
size_t revoker_fetching(const struct revoker *rv);

#endif
