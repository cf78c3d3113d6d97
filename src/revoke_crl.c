/*
 * revoke_crl: a CRL's bytes to a checked X509_CRL and look-ups in it
 * (revoke_int.h). No I/O and no clock: the time is passed in, so the
 * nextUpdate boundary is tested to the second. The parsed CRL is kept by
 * the cache (revoke_fetch.c) and looked up by serial for every probe: the
 * first X509_CRL_get0_by_serial sorts its entries, every later one is a
 * binary search.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "httpsmon/util.h"
#include "revoke_int.h"

int64_t rv_asn1_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

int rv_crl_parse(const unsigned char *data, size_t len, X509_CRL **out, char *err, size_t errlen)
{
	const unsigned char *p = data;
	X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);

	if (!crl && len > 10 && !memcmp(data, "-----BEGIN", 10)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);

		crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
		BIO_free(b);
	}
	ERR_clear_error();
	*out = crl;
	if (!crl) {
		snprintf(err, errlen, "not a CRL (neither DER nor PEM, %zu bytes)", len);
		return -1;
	}
	return 0;
}

int rv_crl_check(X509_CRL *crl, X509 *issuer, int64_t now, char *err, size_t errlen)
{
	EVP_PKEY *key = X509_get0_pubkey(issuer);
	int64_t this_update = rv_asn1_unix(X509_CRL_get0_lastUpdate(crl));
	int64_t next_update = rv_asn1_unix(X509_CRL_get0_nextUpdate(crl));
	char *name = cert_name_text(X509_get_subject_name(issuer)), when[40];
	int rc = -1;

	if (X509_NAME_cmp(X509_CRL_get_issuer(crl), X509_get_subject_name(issuer)) != 0)
		snprintf(err, errlen, "issued by another CA than '%s'", name ? name : "?");
	else if (!key || X509_CRL_verify(crl, key) != 1)
		snprintf(err, errlen, "signature does not verify with the key of '%s'", name ? name : "?");
	else if (!this_update || this_update > now + REVOKE_CLOCK_SKEW_S)
		snprintf(err, errlen, "thisUpdate %s is in the future",
			 util_fmt_time_utc(when, sizeof when, this_update));
	else if (revoke_stale(next_update, now))
		snprintf(err, errlen, "stale: its nextUpdate %s has passed",
			 util_fmt_time_utc(when, sizeof when, next_update));
	else
		rc = 0;
	free(name);
	ERR_clear_error();
	return rc;
}

int rv_crl_lookup(X509_CRL *crl, const char *serial_hex, struct rv_answer *a)
{
	BIGNUM *bn = NULL;
	ASN1_INTEGER *serial = NULL;
	X509_REVOKED *rev = NULL;
	int rc = -1;

	memset(a, 0, sizeof *a);
	a->reason = -1;
	a->this_update = rv_asn1_unix(X509_CRL_get0_lastUpdate(crl));
	a->next_update = rv_asn1_unix(X509_CRL_get0_nextUpdate(crl));
	if (!serial_hex[0] || BN_hex2bn(&bn, serial_hex) != (int)strlen(serial_hex))
		goto out;
	serial = BN_to_ASN1_INTEGER(bn, NULL);
	if (!serial)
		goto out;
	rc = 0;
	a->status = REVOKE_GOOD;
	if (X509_CRL_get0_by_serial(crl, &rev, serial) == 1 && rev) {
		ASN1_ENUMERATED *code = X509_REVOKED_get_ext_d2i(rev, NID_crl_reason, NULL, NULL);

		a->status = REVOKE_REVOKED;
		a->revoked_at = rv_asn1_unix(X509_REVOKED_get0_revocationDate(rev));
		if (code)
			a->reason = (int)ASN1_ENUMERATED_get(code);
		ASN1_ENUMERATED_free(code);
	}
out:
	ASN1_INTEGER_free(serial);
	BN_free(bn);
	ERR_clear_error();
	return rc;
}
