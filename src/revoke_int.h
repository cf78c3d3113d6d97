/*
 * revoke_int: private to src/revoke_*.c (the revocation engine) and its
 * unit test. revoke_crl.c and revoke_ocsp.c turn bytes fetched from a CRL
 * distribution point or an OCSP responder into verified answers, with no
 * I/O and the time passed in; revoke_fetch.c owns the cache, the
 * transfers and the waiting probes. include/httpsmon/revoke.h stays the
 * public contract.
 */
#ifndef HTTPSMON_REVOKE_INT_H
#define HTTPSMON_REVOKE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/revoke.h"

/* What a source said about one certificate. */
struct rv_answer {
	enum revoke_status status;  /* GOOD or REVOKED (an OCSP "unknown" is an error) */
	int64_t revoked_at;         /* Unix seconds, REVOKED only */
	int reason;                 /* CRLReason code, -1 when none was given */
	int64_t this_update;        /* Unix seconds */
	int64_t next_update;        /* Unix seconds, 0 when the source gave none */
};

/* ASN1_TIME as Unix seconds (0 for NULL or unreadable). */
int64_t rv_asn1_unix(const ASN1_TIME *t);

/* ---- revoke_crl.c --------------------------------------------------------- */

/*
 * A CRL from len bytes of DER (or PEM, which some servers publish), into
 * *out (the caller's). 0, or -1 with err ("not a CRL (neither DER nor PEM)").
 */
int rv_crl_parse(const unsigned char *data, size_t len, X509_CRL **out, char *err, size_t errlen);

/*
 * Whether crl may speak for certificates of issuer at now: issued by
 * issuer's name, signed by issuer's key, thisUpdate not later than now +
 * REVOKE_CLOCK_SKEW_S and, when it has a nextUpdate, now before it
 * (revoke_stale). 0, or -1 with err ("signature does not verify with the
 * key of 'CN=...'", "expired on 2026-11-20T00:00:00Z (nextUpdate)").
 */
int rv_crl_check(X509_CRL *crl, X509 *issuer, int64_t now, char *err, size_t errlen);

/*
 * Looks the serial (upper-case hex, cert_info's form) up in crl with
 * OpenSSL's index (X509_CRL_get0_by_serial sorts the entries once): *a
 * gets GOOD, or REVOKED with its date and reason. -1 when serial_hex is
 * not a serial.
 */
int rv_crl_lookup(X509_CRL *crl, const char *serial_hex, struct rv_answer *a);

/* ---- revoke_ocsp.c -------------------------------------------------------- */

/* One OCSP question: the request sent and what its answer is checked against. */
struct rv_ocsp_req {
	OCSP_REQUEST *req;       /* with a nonce */
	OCSP_CERTID *id;         /* of the certificate asked about (owned by the caller, not req) */
	unsigned char *der;      /* req as DER, the body POSTed */
	size_t der_len;
};

/* Builds the request for cert issued by issuer. 0, or -1 with err. rv_ocsp_req_done frees. */
int rv_ocsp_req_new(X509 *cert, X509 *issuer, struct rv_ocsp_req *q, char *err, size_t errlen);
void rv_ocsp_req_done(struct rv_ocsp_req *q);

/*
 * Reads a responder's answer to q (len bytes of DER): successful, signed by
 * the issuer or a responder it delegated to (OCSP_basic_verify, the signer
 * chained with untrusted and store), the nonce echoed or absent, a
 * SingleResponse for q's certificate, its times valid at now
 * (OCSP_check_validity, REVOKE_CLOCK_SKEW_S of leeway) and its status good or
 * revoked. 0 with *a, or -1 with err ("responder says: tryLater",
 * "signature does not verify: ...", "answer past its nextUpdate").
 */
int rv_ocsp_answer(const unsigned char *data, size_t len, const struct rv_ocsp_req *q,
		   STACK_OF(X509) *untrusted, X509_STORE *store, int64_t now, struct rv_answer *a,
		   char *err, size_t errlen);

/* ---- the cache (revoke_cache.c), read and written by revoke_fetch.c -------- */

struct fetch;

/* A CRL distribution point. */
struct crl_entry {
	char *url;               /* the map's key */
	X509_CRL *crl;           /* the last CRL that verified, parsed once; NULL before one did */
	char *issuer;            /* its issuer in cert_info's form, for look-ups from plain values */
	int64_t fetched_at;      /* Unix seconds crl was fetched */
	int64_t next_update;     /* crl's nextUpdate, 0 when it has none */
	char error[200];         /* why the last fetch failed, "" when it gave crl */
	int64_t failed_at;       /* of error; 0 when the last fetch succeeded */
	struct fetch *fetch;     /* in flight, or NULL */
};

/* A certificate, by SHA-256: its OCSP answer, or why it has none. */
struct cert_entry {
	char sha256[65];         /* the map's key */
	char url[256];           /* the responder asked, sanitised ("" before one was) */
	bool have;               /* ans holds an answer that verified */
	struct rv_answer ans;
	int64_t fetched_at;      /* of ans */
	char error[200];         /* why the last lookup failed, "" when it gave ans */
	int64_t failed_at;
	struct fetch *fetch;     /* in flight, or NULL */
};

struct revoker {
	struct prober *p;
	struct hashmap crls;     /* url -> struct crl_entry * */
	struct hashmap certs;    /* sha256 -> struct cert_entry * */
	struct fetch *fetches;   /* in flight, doubly linked */
	size_t n_fetching;
	revoke_landed_cb cb;
	void *ud;
};

/* The entry of url / sha256, or NULL; _get makes it when absent. */
struct crl_entry *crl_entry_find(const struct revoker *rv, const char *url);
struct cert_entry *cert_entry_find(const struct revoker *rv, const char *sha256);
struct crl_entry *crl_entry_get(struct revoker *rv, const char *url);
struct cert_entry *cert_entry_get(struct revoker *rv, const char *sha256);
void crl_entry_free(struct crl_entry *e);

/* A fetch is due: no CRL yet or not fresh for interval_s, and no failure younger than the retry delay. */
bool crl_entry_needs_fetch(const struct crl_entry *e, int64_t interval_s, int64_t now);
/* e holds a CRL not past its nextUpdate, issued by cert's issuer. */
bool crl_entry_answers(const struct crl_entry *e, X509 *cert, int64_t now);
/* A CRL that verified (owned by e from now on), fetched at now. */
void crl_entry_set(struct crl_entry *e, X509_CRL *crl, int64_t now);
/* A fetch that failed with err; the previous CRL is kept while it lasts. */
void crl_entry_fail(struct crl_entry *e, const char *err, int64_t now);

bool cert_entry_needs_fetch(const struct cert_entry *ce, int64_t interval_s, int64_t now);
/* ce holds an answer not past its nextUpdate (no nextUpdate: younger than interval_s). */
bool cert_entry_usable(const struct cert_entry *ce, int64_t interval_s, int64_t now);
void cert_entry_answer(struct cert_entry *ce, const struct rv_answer *a, int64_t now);
/* A lookup that failed with err; url (NULL: keep the last) is the responder's. */
void cert_entry_fail(struct cert_entry *ce, const char *url, const char *err, int64_t now);

#endif
