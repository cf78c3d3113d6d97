/*
 * fuzz_revoke: libFuzzer target for what a CRL distribution point or an
 * OCSP responder sends back (src/revoke_crl.c, src/revoke_ocsp.c): every
 * input is read both as a CRL (DER, or PEM when it starts like one), which
 * is then checked against a CA made at start-up and searched for a few
 * serials, and as an OCSP response to a request made at start-up for a
 * leaf of that CA. Nothing is trusted but that CA, so hostile answers reach
 * every check up to the signature; the error texts must stay within their
 * buffers and every look-up must say good, revoked or "not a serial".
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "httpsmon/revoke.h"
#include "../../src/revoke_int.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static X509 *ca, *leaf;
static X509_STORE *store;
static STACK_OF(X509) *chain;
static struct rv_ocsp_req q;

static X509 *make_cert(const char *cn, EVP_PKEY *k, EVP_PKEY *signer, X509 *issuer, long serial)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (X509_sign(x, signer, EVP_sha256()) <= 0)
		abort();
	X509_NAME_free(name);
	return x;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	EVP_PKEY *ca_key = EVP_EC_gen("P-256"), *leaf_key = EVP_EC_gen("P-256");
	char err[200];

	(void)argc;
	(void)argv;
	if (!ca_key || !leaf_key)
		abort();
	ca = make_cert("Fuzz CA", ca_key, ca_key, NULL, 1);
	leaf = make_cert("leaf.fuzz.test", leaf_key, ca_key, ca, 0x10);
	store = X509_STORE_new();
	X509_STORE_add_cert(store, ca);
	chain = sk_X509_new_null();
	sk_X509_push(chain, leaf);
	if (rv_ocsp_req_new(leaf, ca, &q, err, sizeof(err)) != 0)
		abort();
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(leaf_key);
	return 0;
}

static void check_err(const char *err, size_t n)
{
	if (strnlen(err, n) == n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const serials[] = { "10", "00", "FF", "0123456789ABCDEF0123456789ABCDEF", "", "-1" };
	X509_CRL *crl = NULL;
	struct rv_answer a;
	char err[200];

	if (size > 1 << 20)
		return 0;
	err[0] = '\0';
	if (rv_crl_parse(data, size, &crl, err, sizeof(err)) == 0) {
		err[0] = '\0';
		rv_crl_check(crl, ca, 1795132800, err, sizeof(err));
		check_err(err, sizeof(err));
		for (size_t i = 0; i < sizeof(serials) / sizeof(serials[0]); i++) {
			int rc = rv_crl_lookup(crl, serials[i], &a);

			if (rc == 0 && a.status != REVOKE_GOOD && a.status != REVOKE_REVOKED)
				abort();
			if (rc == 0)
				revoke_reason_name(a.reason);
		}
		X509_CRL_free(crl);
	}
	check_err(err, sizeof(err));
	err[0] = '\0';
	if (rv_ocsp_answer(data, size, &q, chain, store, 1795132800, &a, err, sizeof(err)) == 0 &&
	    a.status != REVOKE_GOOD && a.status != REVOKE_REVOKED)
		abort();
	check_err(err, sizeof(err));
	return 0;
}
