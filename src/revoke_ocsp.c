/*
 * revoke_ocsp: an OCSP question for one certificate and the checks on its
 * answer, with OpenSSL's OCSP API (revoke_int.h): the request carries a
 * nonce; the answer must be signed by the issuer or a responder it
 * delegated to (OCSP_basic_verify), echo the nonce when it echoes one (a
 * responder that ignores nonces, as most CDN-fronted ones do, is
 * accepted), speak of the certificate asked about and be valid now
 * (OCSP_check_validity). No I/O: revoke_fetch.c POSTs the request.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "revoke_int.h"

void rv_ocsp_req_done(struct rv_ocsp_req *q)
{
	OCSP_REQUEST_free(q->req);
	OCSP_CERTID_free(q->id);
	OPENSSL_free(q->der);
	memset(q, 0, sizeof *q);
}

int rv_ocsp_req_new(X509 *cert, X509 *issuer, struct rv_ocsp_req *q, char *err, size_t errlen)
{
	OCSP_CERTID *copy;
	int len;

	memset(q, 0, sizeof *q);
	q->req = OCSP_REQUEST_new();
	q->id = OCSP_cert_to_id(EVP_sha1(), cert, issuer); /* SHA-1 CertIDs are what responders index */
	copy = q->id ? OCSP_CERTID_dup(q->id) : NULL;
	if (!q->req || !copy || !OCSP_request_add0_id(q->req, copy)) {
		OCSP_CERTID_free(copy);
		goto fail;
	}
	if (!OCSP_request_add1_nonce(q->req, NULL, -1))
		goto fail;
	len = i2d_OCSP_REQUEST(q->req, &q->der);
	if (len <= 0)
		goto fail;
	q->der_len = (size_t)len;
	return 0;
fail:
	snprintf(err, errlen, "cannot build an OCSP request");
	ERR_clear_error();
	rv_ocsp_req_done(q);
	return -1;
}

/* The response's basic part, checked for signature and nonce. NULL with err. */
static OCSP_BASICRESP *basic_of(OCSP_RESPONSE *resp, const struct rv_ocsp_req *q, STACK_OF(X509) *untrusted,
				X509_STORE *store, char *err, size_t errlen)
{
	int st = OCSP_response_status(resp);
	OCSP_BASICRESP *bs;

	if (st != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
		snprintf(err, errlen, "responder says: %s", OCSP_response_status_str(st));
		return NULL;
	}
	bs = OCSP_response_get1_basic(resp);
	if (!bs) {
		snprintf(err, errlen, "not a basic OCSP response");
		return NULL;
	}
	if (OCSP_basic_verify(bs, untrusted, store, 0) <= 0) {
		unsigned long e = ERR_peek_last_error();

		snprintf(err, errlen, "signature does not verify: %s",
			 e ? ERR_reason_error_string(e) : "no trusted signer");
	} else if (OCSP_check_nonce(q->req, bs) == 0) {
		snprintf(err, errlen, "nonce does not match the request (a replayed answer?)");
	} else {
		return bs;
	}
	OCSP_BASICRESP_free(bs);
	return NULL;
}

int rv_ocsp_answer(const unsigned char *data, size_t len, const struct rv_ocsp_req *q,
		   STACK_OF(X509) *untrusted, X509_STORE *store, int64_t now, struct rv_answer *a,
		   char *err, size_t errlen)
{
	const unsigned char *p = data;
	OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, (long)len);
	OCSP_BASICRESP *bs = NULL;
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int status = -1, reason = -1, rc = -1;

	memset(a, 0, sizeof *a);
	if (!resp) {
		snprintf(err, errlen, "not an OCSP response (%zu bytes)", len);
		goto out;
	}
	bs = basic_of(resp, q, untrusted, store, err, errlen);
	if (!bs)
		goto out;
	if (!OCSP_resp_find_status(bs, q->id, &status, &reason, &rev, &thisupd, &nextupd)) {
		snprintf(err, errlen, "the answer does not mention the certificate asked about");
		goto out;
	}
	if (!OCSP_check_validity(thisupd, nextupd, REVOKE_CLOCK_SKEW_S, -1) ||
	    revoke_stale(rv_asn1_unix(nextupd), now)) {
		snprintf(err, errlen, "the answer is not valid now (thisUpdate/nextUpdate)");
		goto out;
	}
	if (status == V_OCSP_CERTSTATUS_UNKNOWN) {
		snprintf(err, errlen, "responder does not know the certificate");
		goto out;
	}
	a->status = status == V_OCSP_CERTSTATUS_REVOKED ? REVOKE_REVOKED : REVOKE_GOOD;
	a->reason = status == V_OCSP_CERTSTATUS_REVOKED ? reason : -1;
	a->revoked_at = status == V_OCSP_CERTSTATUS_REVOKED ? rv_asn1_unix(rev) : 0;
	a->this_update = rv_asn1_unix(thisupd);
	a->next_update = rv_asn1_unix(nextupd);
	rc = 0;
out:
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
	return rc;
}
