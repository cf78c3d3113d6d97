/*
 * posture_tls: the OpenSSL half of the posture engine (posture_int.h). A
 * context per handshake, because each handshake offers something else
 * (min = max version, a category's suites); @SECLEVEL=0 everywhere, since
 * OpenSSL 3 refuses TLS 1.0/1.1, SHA-1 and small keys above it and a scan
 * must be able to offer what it asks about. Certificates are not verified
 * here (acceptance is the question); only a stapled OCSP response is,
 * against the chain the server sent and the endpoint's trust store.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "httpsmon/cert.h"
#include "httpsmon/loop.h"
#include "httpsmon/util.h"
#include "posture_int.h"

/* What every handshake of TLS 1.2 or older offers unless a category narrows it. */
#define BROAD_CIPHERS "ALL:!aNULL:!eNULL:!PSK:!SRP"

static int tls_version_const(int v)
{
	return v == 10 ? TLS1_VERSION : v == 11 ? TLS1_1_VERSION : v == 12 ? TLS1_2_VERSION : TLS1_3_VERSION;
}

static int set_ciphers(SSL_CTX *ctx, const struct hs_offer *o)
{
	char list[1024];

	snprintf(list, sizeof(list), "%s%s%s:@SECLEVEL=0", o->ciphers ? o->ciphers : BROAD_CIPHERS,
		 o->exclude ? ":" : "", o->exclude ? o->exclude : "");
	return SSL_CTX_set_cipher_list(ctx, list);
}

SSL_CTX *ptls_ctx(const struct hs_offer *o, char *why, size_t n)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (!ctx) {
		snprintf(why, n, "cannot create a TLS context");
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (o->version) {
		int v = tls_version_const(o->version);

		if (!SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v)) {
			snprintf(why, n, "the local OpenSSL cannot offer this version");
			goto fail;
		}
	} else {
		SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	}
	/* TLS 1.3 suites have their own list, always AEAD and forward secret */
	if (o->version != 13 && !set_ciphers(ctx, o)) {
		snprintf(why, n, "the local OpenSSL (%s) has no such suites", OpenSSL_version(OPENSSL_VERSION));
		goto fail;
	}
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

SSL *ptls_ssl(SSL_CTX *ctx, int fd, const char *host)
{
	SSL *ssl = SSL_new(ctx);

	if (!ssl)
		return NULL;
	SSL_set_fd(ssl, fd);
	if (host) {
		/* the macro casts away const; OpenSSL copies the name */
		char name[256];

		snprintf(name, sizeof(name), "%s", host);
		SSL_set_tlsext_host_name(ssl, name);
	}
	SSL_set_tlsext_status_type(ssl, TLSEXT_STATUSTYPE_ocsp);
	SSL_set_connect_state(ssl);
	return ssl;
}

/* A failed handshake: refused by the server, or impossible on this side. */
static void classify(SSL *ssl, int err, struct hs_outcome *out)
{
	unsigned long e = ERR_peek_last_error();
	int reason = ERR_GET_REASON(e);
	const char *txt = e ? ERR_reason_error_string(e) : NULL;
	char raw[120];

	if (reason == SSL_R_NO_CIPHERS_AVAILABLE || reason == SSL_R_NO_PROTOCOLS_AVAILABLE ||
	    reason == SSL_R_NO_SUITABLE_SIGNATURE_ALGORITHM) {
		out->answer = PANS_NOT_TESTABLE;
		snprintf(raw, sizeof(raw), "the local OpenSSL cannot offer it (%s)", txt ? txt : "?");
	} else if (err == SSL_ERROR_SYSCALL && !e) {
		out->answer = PANS_REFUSED;
		snprintf(raw, sizeof(raw), "connection closed during the handshake");
	} else {
		out->answer = PANS_REFUSED;
		snprintf(raw, sizeof(raw), "%s", txt ? txt : "handshake failed");
	}
	(void)ssl;
	util_sanitize(raw, strlen(raw), out->reason, sizeof(out->reason));
	ERR_clear_error();
}

int ptls_step(SSL *ssl, unsigned *want, struct hs_outcome *out)
{
	int rc, err;

	ERR_clear_error();
	rc = SSL_connect(ssl);
	if (rc == 1)
		return 1;
	err = SSL_get_error(ssl, rc);
	if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
		*want = err == SSL_ERROR_WANT_READ ? LOOP_READ : LOOP_WRITE;
		return 0;
	}
	classify(ssl, err, out);
	return -1;
}

static int64_t gtime_unix(const ASN1_GENERALIZEDTIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/* The issuer of leaf: the next certificate the server sent, else one in the store. */
static X509 *issuer_of(X509 *leaf, STACK_OF(X509) *chain, X509_STORE *store, X509 **owned)
{
	*owned = NULL;
	for (int i = 0; i < sk_X509_num(chain); i++) {
		X509 *c = sk_X509_value(chain, i);

		if (c != leaf && X509_check_issued(c, leaf) == X509_V_OK)
			return c;
	}
	if (store) {
		X509_STORE_CTX *sc = X509_STORE_CTX_new();

		if (sc && X509_STORE_CTX_init(sc, store, leaf, NULL) == 1)
			X509_STORE_CTX_get1_issuer(owned, sc, leaf);
		X509_STORE_CTX_free(sc);
	}
	return *owned;
}

static void staple_status(OCSP_BASICRESP *bs, X509 *leaf, X509 *issuer, int64_t now_s, struct posture_staple *s)
{
	OCSP_CERTID *id = OCSP_cert_to_id(NULL, leaf, issuer);
	ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
	int status = -1, reason = -1;

	if (!id || !OCSP_resp_find_status(bs, id, &status, &reason, &rev, &thisupd, &nextupd)) {
		s->status = STAPLE_INVALID;
		snprintf(s->detail, sizeof(s->detail), "the response is not about this certificate");
		OCSP_CERTID_free(id);
		return;
	}
	OCSP_CERTID_free(id);
	s->this_update = gtime_unix(thisupd);
	s->next_update = gtime_unix(nextupd);
	if (status == V_OCSP_CERTSTATUS_REVOKED) {
		s->status = STAPLE_REVOKED;
		s->revoked_at = gtime_unix(rev);
		snprintf(s->detail, sizeof(s->detail), "%s",
			 reason >= 0 ? OCSP_crl_reason_str(reason) : "no reason given");
	} else if (status == V_OCSP_CERTSTATUS_UNKNOWN) {
		s->status = STAPLE_UNKNOWN;
	} else {
		s->status = s->next_update && s->next_update < now_s ? STAPLE_EXPIRED : STAPLE_GOOD;
	}
}

/* Parses and verifies the stapled response, if any, into s. */
static void read_staple(SSL *ssl, X509_STORE *store, int64_t now_s, struct posture_staple *s)
{
	const unsigned char *der = NULL;
	long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
	STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl), *issuer, *owned = NULL;
	OCSP_RESPONSE *resp;
	OCSP_BASICRESP *bs = NULL;

	memset(s, 0, sizeof(*s));
	if (len <= 0 || !der)
		return;
	s->stapled = true;
	s->status = STAPLE_INVALID;
	resp = d2i_OCSP_RESPONSE(NULL, &der, len);
	if (!resp || OCSP_response_status(resp) != OCSP_RESPONSE_STATUS_SUCCESSFUL ||
	    !(bs = OCSP_response_get1_basic(resp))) {
		snprintf(s->detail, sizeof(s->detail), "not a successful OCSP response");
	} else if (!leaf || !(issuer = issuer_of(leaf, chain, store, &owned))) {
		snprintf(s->detail, sizeof(s->detail), "the issuer of the certificate is unknown");
	} else if (!store || OCSP_basic_verify(bs, chain, store, 0) <= 0) {
		unsigned long e = ERR_peek_last_error();

		snprintf(s->detail, sizeof(s->detail), "signature does not verify (%s)",
			 e ? ERR_reason_error_string(e) : "no trust store");
	} else {
		staple_status(bs, leaf, issuer, now_s, s);
	}
	X509_free(owned);
	OCSP_BASICRESP_free(bs);
	OCSP_RESPONSE_free(resp);
	ERR_clear_error();
}

/*
 * The group's name from the server's ephemeral key when the negotiated-group
 * call has none (OpenSSL 3.0 answers 0 for some client handshakes below TLS
 * 1.3 although the key is an EC one): EC keys by their curve ("prime256v1"
 * is named P-256 as everywhere else), X25519/X448 by the key type.
 */
static const char *tmp_key_group(EVP_PKEY *tmp, char *buf, size_t n)
{
	size_t len = 0;

	if (EVP_PKEY_is_a(tmp, "DH"))
		return "DH";
	if (EVP_PKEY_is_a(tmp, "EC") && EVP_PKEY_get_group_name(tmp, buf, n, &len) && len) {
		const char *nist = EC_curve_nid2nist(OBJ_txt2nid(buf));

		return nist ? nist : buf;
	}
	if (EVP_PKEY_is_a(tmp, "X25519") || EVP_PKEY_is_a(tmp, "X448"))
		return EVP_PKEY_get0_type_name(tmp);
	return NULL;
}

static void read_group(SSL *ssl, struct hs_outcome *out)
{
	EVP_PKEY *tmp = NULL;
	int nid = SSL_get_negotiated_group(ssl);
	const char *name = NULL;
	char buf[64];

	if (nid > 0 && !(nid & TLSEXT_nid_unknown)) {
		name = EC_curve_nid2nist(nid);
		if (!name)
			name = OBJ_nid2sn(nid);
	}
	if (SSL_get_peer_tmp_key(ssl, &tmp) && tmp) {
		out->group_bits = EVP_PKEY_get_bits(tmp);
		if (!name)
			name = tmp_key_group(tmp, buf, sizeof buf);
		snprintf(out->group, sizeof(out->group), "%s", name ? name : "");
		EVP_PKEY_free(tmp);
		return;
	}
	snprintf(out->group, sizeof(out->group), "%s", name ? name : "");
}

void ptls_facts(SSL *ssl, const struct hs_offer *o, X509_STORE *store, int64_t now_s, struct hs_outcome *out)
{
	const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
	X509 *leaf = SSL_get0_peer_certificate(ssl);

	out->answer = PANS_ACCEPTED;
	snprintf(out->version, sizeof(out->version), "%s", SSL_get_version(ssl));
	snprintf(out->cipher, sizeof(out->cipher), "%s", c ? SSL_CIPHER_get_name(c) : "");
	out->bits = c ? SSL_CIPHER_get_bits(c, NULL) : 0;
	read_group(ssl, out);
	out->sct_count = -1;
	if (leaf) {
		struct cert_info ci;

		memset(&ci, 0, sizeof(ci));
		/* cert.c is the one reader of certificates */
		if (cert_info_from_x509(leaf, &ci) == 0)
			out->sct_count = ci.sct_count;
		cert_info_done(&ci);
	}
	if (o->staple)
		read_staple(ssl, store, now_s, &out->staple);
	ERR_clear_error();
}

X509_STORE *ptls_store(const char *ca_file, char *why, size_t n)
{
	X509_STORE *s = X509_STORE_new();

	if (s && (ca_file ? X509_STORE_load_file(s, ca_file) : X509_STORE_set_default_paths(s))) {
		ERR_clear_error();
		return s;
	}
	snprintf(why, n, "cannot load CA certificates from %s", ca_file ? ca_file : "the system store");
	X509_STORE_free(s);
	ERR_clear_error();
	return NULL;
}
