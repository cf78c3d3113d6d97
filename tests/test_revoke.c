/*
 * test_revoke: revocation. The pure half (names, freshness boundaries, how
 * certificates' statuses make the chain's, the one line shown) and the
 * engine's CRL and OCSP parsing and verification on objects made here with
 * OpenSSL (revoke_int.h), each boundary tested exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "httpsmon/revoke.h"
#include "httpsmon/util.h"
/* the engine's parsing and checks, tested here without I/O */
#include "../src/revoke_int.h"

#define NOW 1795132800LL /* 2026-11-20T00:00:00Z */
#define HOUR 3600LL

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(revoke_status_name(REVOKE_GOOD), "good");
	assert_string_equal(revoke_status_name(REVOKE_REVOKED), "revoked");
	assert_string_equal(revoke_status_name(REVOKE_UNKNOWN), "unknown");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_CRL), "crl");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_OCSP), "ocsp");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_NONE), "");
	assert_string_equal(revoke_reason_name(0), "unspecified");
	assert_string_equal(revoke_reason_name(-1), "unspecified");
	assert_string_equal(revoke_reason_name(1), "keyCompromise");
	assert_string_equal(revoke_reason_name(2), "cACompromise");
	assert_string_equal(revoke_reason_name(6), "certificateHold");
	assert_string_equal(revoke_reason_name(7), "unknown"); /* not used by RFC 5280 */
	assert_string_equal(revoke_reason_name(8), "removeFromCRL");
	assert_string_equal(revoke_reason_name(10), "aACompromise");
	assert_string_equal(revoke_reason_name(11), "unknown");
	assert_string_equal(revoke_reason_name(-2), "unknown");
}

/* An answer is fresh strictly before nextUpdate and strictly before fetched + interval. */
static void test_fresh_boundaries(void **state)
{
	(void)state;
	/* nextUpdate exactly now: stale, as OpenSSL's CRL check has it */
	assert_true(revoke_stale(NOW, NOW));
	assert_false(revoke_stale(NOW + 1, NOW));
	assert_true(revoke_stale(NOW - 1, NOW));
	assert_false(revoke_stale(0, NOW)); /* no nextUpdate given */
	assert_false(revoke_fresh(NOW - 10, NOW, 6 * HOUR, NOW));
	assert_true(revoke_fresh(NOW - 10, NOW + 1, 6 * HOUR, NOW));
	/* the interval caps an answer with a far nextUpdate */
	assert_true(revoke_fresh(NOW - 6 * HOUR + 1, NOW + 7 * 24 * HOUR, 6 * HOUR, NOW));
	assert_false(revoke_fresh(NOW - 6 * HOUR, NOW + 7 * 24 * HOUR, 6 * HOUR, NOW));
	/* no nextUpdate: the interval alone */
	assert_true(revoke_fresh(NOW - 59, 0, 60, NOW));
	assert_false(revoke_fresh(NOW - 60, 0, 60, NOW));
	/* a failure is retried after 5 minutes, or the interval when shorter */
	assert_int_equal(revoke_retry_at(NOW, 6 * HOUR), NOW + REVOKE_RETRY_S);
	assert_int_equal(revoke_retry_at(NOW, 60), NOW + 60);
	assert_int_equal(revoke_retry_at(NOW, REVOKE_RETRY_S), NOW + REVOKE_RETRY_S);
}

static struct revocation cert_status(enum revoke_status st, bool pending, const char *detail)
{
	struct revocation r = { .checked = true, .status = st, .pending = pending };

	snprintf(r.detail, sizeof r.detail, "%s", detail);
	if (st != REVOKE_UNKNOWN)
		r.method = REVOKE_METHOD_CRL;
	return r;
}

/* Revoked beats unknown beats good; among equals the leaf side stays; pending carries over. */
static void test_fold(void **state)
{
	struct revocation chain = { .checked = true }, c;

	(void)state;
	c = cert_status(REVOKE_GOOD, false, "leaf ok");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_UNKNOWN, true, "inter pending");
	revocation_fold(&chain, &c, 1);
	assert_int_equal(chain.status, REVOKE_UNKNOWN);
	assert_true(chain.pending);
	assert_int_equal(chain.depth, 1);
	assert_int_equal(chain.certs, 2);
	assert_string_equal(chain.detail, "inter pending");

	memset(&chain, 0, sizeof chain);
	c = cert_status(REVOKE_UNKNOWN, false, "leaf unknown");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_UNKNOWN, false, "inter unknown");
	revocation_fold(&chain, &c, 1);
	assert_string_equal(chain.detail, "leaf unknown");
	assert_int_equal(chain.depth, 0);
	c = cert_status(REVOKE_REVOKED, false, "inter revoked");
	revocation_fold(&chain, &c, 2);
	assert_int_equal(chain.status, REVOKE_REVOKED);
	assert_int_equal(chain.depth, 2);
	assert_int_equal(chain.certs, 3);
	assert_true(chain.checked);

	/* a revoked chain is not pending, whatever else is in flight */
	c = cert_status(REVOKE_UNKNOWN, true, "late");
	revocation_fold(&chain, &c, 3);
	assert_int_equal(chain.status, REVOKE_REVOKED);
	assert_false(chain.pending);

	memset(&chain, 0, sizeof chain);
	c = cert_status(REVOKE_GOOD, false, "a");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_GOOD, false, "b");
	revocation_fold(&chain, &c, 1);
	assert_int_equal(chain.status, REVOKE_GOOD);
	assert_int_equal(chain.depth, 0);
	assert_string_equal(chain.detail, "a");
}

static void test_line(void **state)
{
	struct revocation rv = { .checked = true, .status = REVOKE_REVOKED, .method = REVOKE_METHOD_CRL,
				 .revoked_at = NOW + 5 * HOUR, .certs = 2, .checked_at = NOW };
	char out[512];

	(void)state;
	snprintf(rv.reason, sizeof rv.reason, "keyCompromise");
	snprintf(rv.source, sizeof rv.source, "http://127.0.0.1:8080/ca.crl");
	revocation_line(&rv, NOW + 6 * HOUR, out, sizeof out);
	assert_string_equal(out, "REVOKED on 2026-11-20 (keyCompromise) according to the CRL of http://127.0.0.1:8080/ca.crl");

	rv.status = REVOKE_GOOD;
	rv.method = REVOKE_METHOD_OCSP;
	snprintf(rv.source, sizeof rv.source, "http://127.0.0.1:8081/");
	revocation_line(&rv, NOW + 180, out, sizeof out);
	assert_string_equal(out, "good (OCSP http://127.0.0.1:8081/, checked 3m ago, 2 certificates)");

	rv.status = REVOKE_UNKNOWN;
	rv.pending = true;
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "unknown: lookup in progress");
	rv.pending = false;
	snprintf(rv.detail, sizeof rv.detail, "no CRL distribution point and no OCSP URL");
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "unknown: no CRL distribution point and no OCSP URL");
	rv.checked = false;
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "not checked");
}

/* ---- the engine's CRL and OCSP checks, on objects made here -------------- */

static EVP_PKEY *ec_key(void)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");

	assert_non_null(k);
	return k;
}

/* A certificate for cn with key, signed by issuer/ikey (NULL: self-signed, a CA). */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 30 * 86400);
	X509_set_pubkey(x, key);
	bc->ca = issuer ? 0 : 0xff;
	X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT);
	assert_true(X509_sign(x, issuer ? ikey : key, EVP_sha256()) > 0);
	BASIC_CONSTRAINTS_free(bc);
	X509_NAME_free(name);
	return x;
}

/* A CRL of ca signed with key: serials 0x10 (keyCompromise at NOW - 1 h) and 0x11 (no reason). */
static X509_CRL *make_crl(X509 *ca, EVP_PKEY *key, int64_t this_update, int64_t next_update)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = ASN1_TIME_new();

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	ASN1_TIME_set(t, (time_t)this_update);
	X509_CRL_set1_lastUpdate(crl, t);
	if (next_update) {
		ASN1_TIME_set(t, (time_t)next_update);
		X509_CRL_set1_nextUpdate(crl, t);
	}
	for (long serial = 0x10; serial <= 0x11; serial++) {
		X509_REVOKED *rev = X509_REVOKED_new();
		ASN1_INTEGER *sn = ASN1_INTEGER_new();

		ASN1_INTEGER_set(sn, serial);
		X509_REVOKED_set_serialNumber(rev, sn);
		ASN1_TIME_set(t, (time_t)(NOW - HOUR));
		X509_REVOKED_set_revocationDate(rev, t);
		if (serial == 0x10) {
			ASN1_ENUMERATED *code = ASN1_ENUMERATED_new();

			ASN1_ENUMERATED_set(code, 1);
			X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0);
			ASN1_ENUMERATED_free(code);
		}
		X509_CRL_add0_revoked(crl, rev);
		ASN1_INTEGER_free(sn);
	}
	X509_CRL_sort(crl);
	assert_true(X509_CRL_sign(crl, key, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	return crl;
}

struct pki {
	EVP_PKEY *ca_key, *other_key, *leaf_key;
	X509 *ca, *imposter, *leaf;
};

static int pki_setup(void **state)
{
	struct pki *k = xcalloc(1, sizeof(*k));

	k->ca_key = ec_key();
	k->other_key = ec_key();
	k->leaf_key = ec_key();
	k->ca = make_cert("Unit CA", k->ca_key, NULL, NULL, 1);
	k->imposter = make_cert("Unit CA", k->other_key, NULL, NULL, 2); /* same name, other key */
	k->leaf = make_cert("leaf.unit.test", k->leaf_key, k->ca, k->ca_key, 0x10);
	*state = k;
	return 0;
}

static int pki_teardown(void **state)
{
	struct pki *k = *state;

	EVP_PKEY_free(k->ca_key);
	EVP_PKEY_free(k->other_key);
	EVP_PKEY_free(k->leaf_key);
	X509_free(k->ca);
	X509_free(k->imposter);
	X509_free(k->leaf);
	free(k);
	return 0;
}

static void test_crl_parse_and_lookup(void **state)
{
	struct pki *k = *state;
	X509_CRL *crl = make_crl(k->ca, k->ca_key, NOW - HOUR, NOW + HOUR), *back = NULL;
	unsigned char *der = NULL;
	int len = i2d_X509_CRL(crl, &der);
	BIO *pem = BIO_new(BIO_s_mem());
	char err[200], *pem_text;
	long pem_len;
	struct rv_answer a;

	assert_int_equal(rv_crl_parse(der, (size_t)len, &back, err, sizeof err), 0);
	assert_int_equal(rv_crl_lookup(back, "10", &a), 0);
	assert_int_equal(a.status, REVOKE_REVOKED);
	assert_int_equal(a.reason, 1);
	assert_string_equal(revoke_reason_name(a.reason), "keyCompromise");
	assert_true(a.revoked_at == NOW - HOUR);
	assert_true(a.next_update == NOW + HOUR);
	assert_int_equal(rv_crl_lookup(back, "11", &a), 0);
	assert_int_equal(a.status, REVOKE_REVOKED);
	assert_int_equal(a.reason, -1); /* no reason code: "unspecified" */
	assert_int_equal(rv_crl_lookup(back, "12", &a), 0);
	assert_int_equal(a.status, REVOKE_GOOD);
	assert_int_equal(rv_crl_lookup(back, "0F", &a), 0);
	assert_int_equal(a.status, REVOKE_GOOD);
	assert_int_equal(rv_crl_lookup(back, "", &a), -1);
	assert_int_equal(rv_crl_lookup(back, "1Z", &a), -1);
	X509_CRL_free(back);

	/* PEM, as some CAs publish it */
	PEM_write_bio_X509_CRL(pem, crl);
	pem_len = BIO_get_mem_data(pem, &pem_text);
	assert_int_equal(rv_crl_parse((unsigned char *)pem_text, (size_t)pem_len, &back, err, sizeof err), 0);
	X509_CRL_free(back);
	assert_int_equal(rv_crl_parse((const unsigned char *)"hello", 5, &back, err, sizeof err), -1);
	assert_null(back);
	assert_string_equal(err, "not a CRL (neither DER nor PEM, 5 bytes)");
	BIO_free(pem);
	OPENSSL_free(der);
	X509_CRL_free(crl);
}

/* nextUpdate and thisUpdate to the second; the issuer's key and name. */
static void test_crl_check_boundaries(void **state)
{
	struct pki *k = *state;
	X509_CRL *crl = make_crl(k->ca, k->ca_key, NOW - HOUR, NOW + HOUR);
	X509_CRL *early = make_crl(k->ca, k->ca_key, NOW + REVOKE_CLOCK_SKEW_S, 0);
	X509_CRL *earlier = make_crl(k->ca, k->ca_key, NOW + REVOKE_CLOCK_SKEW_S + 1, 0);
	X509_CRL *forged = make_crl(k->imposter, k->other_key, NOW - HOUR, NOW + HOUR);
	X509_CRL *other = make_crl(k->leaf, k->leaf_key, NOW - HOUR, NOW + HOUR);
	char err[200];

	assert_int_equal(rv_crl_check(crl, k->ca, NOW + HOUR - 1, err, sizeof err), 0);
	assert_int_equal(rv_crl_check(crl, k->ca, NOW + HOUR, err, sizeof err), -1);
	assert_string_equal(err, "stale: its nextUpdate 2026-11-20T01:00:00Z has passed");
	assert_int_equal(rv_crl_check(early, k->ca, NOW, err, sizeof err), 0); /* no nextUpdate: never stale */
	assert_int_equal(rv_crl_check(earlier, k->ca, NOW, err, sizeof err), -1);
	assert_string_equal(err, "thisUpdate 2026-11-20T00:05:01Z is in the future");
	assert_int_equal(rv_crl_check(forged, k->ca, NOW, err, sizeof err), -1);
	assert_string_equal(err, "signature does not verify with the key of 'CN=Unit CA'");
	assert_int_equal(rv_crl_check(other, k->ca, NOW, err, sizeof err), -1);
	assert_string_equal(err, "issued by another CA than 'CN=Unit CA'");
	X509_CRL_free(crl);
	X509_CRL_free(early);
	X509_CRL_free(earlier);
	X509_CRL_free(forged);
	X509_CRL_free(other);
}

enum resp_flaw { FLAW_NONE, FLAW_NONCE, FLAW_OTHER_CERT, FLAW_EXPIRED };

/* A responder's DER answer to q about leaf, signed by signer/skey; *len its size. */
static unsigned char *ocsp_answer(const struct rv_ocsp_req *q, struct pki *k, X509 *signer, EVP_PKEY *skey,
				  int status, enum resp_flaw flaw, int *len)
{
	OCSP_BASICRESP *bs = OCSP_BASICRESP_new();
	ASN1_TIME *thisupd = X509_gmtime_adj(NULL, flaw == FLAW_EXPIRED ? -7200 : -60);
	ASN1_TIME *nextupd = X509_gmtime_adj(NULL, flaw == FLAW_EXPIRED ? -3600 : 3600);
	ASN1_TIME *rev = X509_gmtime_adj(NULL, -86400);
	OCSP_CERTID *id = flaw == FLAW_OTHER_CERT ? OCSP_cert_to_id(NULL, k->ca, k->ca) : OCSP_CERTID_dup(q->id);
	OCSP_RESPONSE *resp;
	unsigned char *der = NULL, other_nonce[16] = "0123456789abcde";

	OCSP_basic_add1_status(bs, id, status, status == V_OCSP_CERTSTATUS_REVOKED ? 1 : 0,
			       status == V_OCSP_CERTSTATUS_REVOKED ? rev : NULL, thisupd, nextupd);
	if (flaw == FLAW_NONCE)
		OCSP_basic_add1_nonce(bs, other_nonce, sizeof other_nonce);
	else
		OCSP_copy_nonce(bs, q->req);
	assert_true(OCSP_basic_sign(bs, signer, skey, EVP_sha256(), NULL, 0) == 1);
	resp = OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs);
	*len = i2d_OCSP_RESPONSE(resp, &der);
	OCSP_RESPONSE_free(resp);
	OCSP_BASICRESP_free(bs);
	OCSP_CERTID_free(id);
	ASN1_TIME_free(thisupd);
	ASN1_TIME_free(nextupd);
	ASN1_TIME_free(rev);
	return der;
}

/* The answer to q as rv_ocsp_answer reads it now: 0 or -1, err and *a filled. */
static int read_answer(struct pki *k, const struct rv_ocsp_req *q, unsigned char *der, int len, struct rv_answer *a,
		       char *err, size_t errlen)
{
	X509_STORE *store = X509_STORE_new();
	STACK_OF(X509) *chain = sk_X509_new_null();
	int rc;

	X509_STORE_add_cert(store, k->ca);
	sk_X509_push(chain, k->leaf);
	rc = rv_ocsp_answer(der, (size_t)len, q, chain, store, util_now_ms() / 1000, a, err, errlen);
	sk_X509_free(chain);
	X509_STORE_free(store);
	OPENSSL_free(der);
	return rc;
}

static void test_ocsp_answers(void **state)
{
	struct pki *k = *state;
	struct rv_ocsp_req q;
	struct rv_answer a;
	unsigned char *der;
	char err[200];
	int len;

	assert_int_equal(rv_ocsp_req_new(k->leaf, k->ca, &q, err, sizeof err), 0);
	assert_true(q.der_len > 0);
	assert_non_null(OCSP_REQUEST_get_ext(q.req, OCSP_REQUEST_get_ext_by_NID(q.req, NID_id_pkix_OCSP_Nonce, -1)));

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_GOOD, FLAW_NONE, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), 0);
	assert_int_equal(a.status, REVOKE_GOOD);
	assert_true(a.next_update > util_now_ms() / 1000);

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_REVOKED, FLAW_NONE, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), 0);
	assert_int_equal(a.status, REVOKE_REVOKED);
	assert_int_equal(a.reason, 1);
	assert_true(a.revoked_at > 0);

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_UNKNOWN, FLAW_NONE, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
	assert_string_equal(err, "responder does not know the certificate");

	/* signed by a key the issuer never delegated to */
	der = ocsp_answer(&q, k, k->imposter, k->other_key, V_OCSP_CERTSTATUS_GOOD, FLAW_NONE, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
	assert_non_null(strstr(err, "signature does not verify"));

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_GOOD, FLAW_NONCE, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
	assert_string_equal(err, "nonce does not match the request (a replayed answer?)");

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_GOOD, FLAW_OTHER_CERT, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
	assert_string_equal(err, "the answer does not mention the certificate asked about");

	der = ocsp_answer(&q, k, k->ca, k->ca_key, V_OCSP_CERTSTATUS_GOOD, FLAW_EXPIRED, &len);
	assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
	assert_string_equal(err, "the answer is not valid now (thisUpdate/nextUpdate)");

	/* an unsuccessful response, and bytes that are not one */
	{
		OCSP_RESPONSE *r = OCSP_response_create(OCSP_RESPONSE_STATUS_TRYLATER, NULL);

		der = NULL;
		len = i2d_OCSP_RESPONSE(r, &der);
		OCSP_RESPONSE_free(r);
		assert_int_equal(read_answer(k, &q, der, len, &a, err, sizeof err), -1);
		assert_string_equal(err, "responder says: trylater");
	}
	assert_int_equal(rv_ocsp_answer((const unsigned char *)"<html>", 6, &q, NULL, NULL, NOW, &a, err, sizeof err), -1);
	assert_string_equal(err, "not an OCSP response (6 bytes)");
	rv_ocsp_req_done(&q);
}

/* The cache's rules to the second, and revoke_status read from it through plain values. */
static void test_cache_expiry(void **state)
{
	struct pki *k = *state;
	struct revoker *rv = revoker_new(NULL); /* no prober: nothing is fetched here */
	struct crl_entry *e = crl_entry_get(rv, "http://crl.unit.test/ca.crl");
	struct cert_entry *ce = cert_entry_get(rv, "ab");
	struct cert_info chain[1] = { { 0 } };
	struct rv_answer good = { .status = REVOKE_GOOD, .reason = -1 };
	struct revocation out;

	assert_true(crl_entry_get(rv, "http://crl.unit.test/ca.crl") == e);
	assert_true(crl_entry_needs_fetch(e, 6 * HOUR, NOW));
	crl_entry_set(e, make_crl(k->ca, k->ca_key, NOW - HOUR, NOW + HOUR), NOW);
	assert_false(crl_entry_needs_fetch(e, 6 * HOUR, NOW + HOUR - 1));
	assert_true(crl_entry_needs_fetch(e, 6 * HOUR, NOW + HOUR));
	assert_false(crl_entry_needs_fetch(e, 60, NOW + 59));
	assert_true(crl_entry_needs_fetch(e, 60, NOW + 60));
	assert_true(crl_entry_answers(e, k->leaf, NOW + HOUR - 1));
	assert_false(crl_entry_answers(e, k->leaf, NOW + HOUR));

	/* a failure is not retried before its delay, and the CRL it follows is kept while it lasts */
	crl_entry_fail(e, "HTTP 503", NOW + 10);
	assert_false(crl_entry_needs_fetch(e, 60, NOW + 10 + 59));
	assert_true(crl_entry_needs_fetch(e, 60, NOW + 10 + 60));
	assert_true(crl_entry_answers(e, k->leaf, NOW + 10));
	crl_entry_fail(e, "HTTP 503", NOW + HOUR + 10);
	assert_false(crl_entry_needs_fetch(e, 6 * HOUR, NOW + HOUR + 10 + REVOKE_RETRY_S - 1));
	assert_true(crl_entry_needs_fetch(e, 6 * HOUR, NOW + HOUR + 10 + REVOKE_RETRY_S));

	/* an OCSP answer without nextUpdate lasts the interval; with one, until it */
	cert_entry_answer(ce, &good, NOW);
	assert_true(cert_entry_usable(ce, 60, NOW + 59));
	assert_false(cert_entry_usable(ce, 60, NOW + 60));
	good.next_update = NOW + HOUR;
	cert_entry_answer(ce, &good, NOW);
	assert_true(cert_entry_usable(ce, 60, NOW + HOUR - 1)); /* the responder vouches until then */
	assert_false(cert_entry_usable(ce, 60, NOW + HOUR));
	assert_true(cert_entry_needs_fetch(ce, 60, NOW + 60));
	assert_false(cert_entry_needs_fetch(ce, 6 * HOUR, NOW + HOUR - 1));

	/* the status of a leaf with that CRL: revoked (serial 10), good (12), stale at nextUpdate */
	chain[0].crl_url = xstrdup("http://crl.unit.test/ca.crl");
	chain[0].issuer = xstrdup("CN=Unit CA");
	snprintf(chain[0].serial, sizeof chain[0].serial, "10");
	snprintf(chain[0].sha256, sizeof chain[0].sha256, "cd");
	revoke_status(rv, chain, 1, 6 * HOUR, NOW + 20, &out);
	assert_int_equal(out.status, REVOKE_REVOKED);
	assert_string_equal(out.reason, "keyCompromise");
	assert_string_equal(out.source, "http://crl.unit.test/ca.crl");
	snprintf(chain[0].serial, sizeof chain[0].serial, "12");
	revoke_status(rv, chain, 1, 6 * HOUR, NOW + HOUR - 1, &out);
	assert_int_equal(out.status, REVOKE_GOOD);
	assert_int_equal(out.method, REVOKE_METHOD_CRL);
	assert_true(out.checked_at == NOW);
	revoke_status(rv, chain, 1, 6 * HOUR, NOW + HOUR, &out);
	assert_int_equal(out.status, REVOKE_UNKNOWN);
	assert_false(out.pending);
	assert_string_equal(out.detail, "the CRL of http://crl.unit.test/ca.crl: HTTP 503");
	/* another issuer's certificate pointing at this CRL is not answered by it */
	free(chain[0].issuer);
	chain[0].issuer = xstrdup("CN=Someone Else");
	revoke_status(rv, chain, 1, 6 * HOUR, NOW + 20, &out);
	assert_int_equal(out.status, REVOKE_UNKNOWN);
	cert_info_done(&chain[0]);
	revoker_free(rv);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fresh_boundaries),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_line),
		cmocka_unit_test_setup_teardown(test_crl_parse_and_lookup, pki_setup, pki_teardown),
		cmocka_unit_test_setup_teardown(test_crl_check_boundaries, pki_setup, pki_teardown),
		cmocka_unit_test_setup_teardown(test_ocsp_answers, pki_setup, pki_teardown),
		cmocka_unit_test_setup_teardown(test_cache_expiry, pki_setup, pki_teardown),
	};

	return cmocka_run_group_tests_name("revoke", tests, NULL, NULL);
}
