/*
 * test_cert: the certificate facts every ordinary probe reports at no
 * extra cost, read by cert.c from certificates made here with OpenSSL:
 * lifetime (398 days is allowed, 398 days and a second is not), the
 * embedded SCT list of Certificate Transparency (1 flagged, 2 not; an
 * unreadable list), key and signature. The SCT list extension is written
 * the way an openssl config writes it, 1.3.6.1.4.1.11129.2.4.2 = DER:...,
 * holding a well-formed SignedCertificateTimestampList (RFC 6962 3.3).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "httpsmon/cert.h"
#include "httpsmon/util.h"

#define DAY 86400L
#define T0 1767225600L /* 2026-01-01T00:00:00Z */
#define SCT_LEN 55     /* one v1 SCT below: 1 + 32 + 8 + 2 + 2 + 2 + 8 bytes */

static EVP_PKEY *key;

static int setup(void **state)
{
	(void)state;
	key = EVP_EC_gen("P-256");
	return key ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	return 0;
}

static void hex_put(struct strbuf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		strbuf_printf(b, "%02X", p[i]);
}

/*
 * "DER:..." for the SCT list extension's value with n SCTs: an OCTET
 * STRING holding the TLS-encoded list (2-byte length, then each SCT with
 * its 2-byte length): version 0, a log id, a timestamp, no extensions,
 * SHA-256/ECDSA and 8 signature bytes. Caller frees.
 */
static char *sct_list_der(int n)
{
	struct strbuf b = { 0 };
	size_t list = (size_t)n * (2 + SCT_LEN);
	/* OCTET STRING; its DER length is one byte below 128, else 0x81 and one byte */
	unsigned char head[5] = { 0x04, 0x81, (unsigned char)(list + 2), (unsigned char)(list >> 8),
				  (unsigned char)list };

	assert_true(list + 2 < 256);
	strbuf_puts(&b, "DER:");
	if (list + 2 < 128) {
		head[1] = head[0];
		hex_put(&b, head + 1, sizeof head - 1);
	} else {
		hex_put(&b, head, sizeof head);
	}
	for (int i = 0; i < n; i++) {
		unsigned char sct[2 + SCT_LEN] = { 0, SCT_LEN, 0 };
		unsigned char *p = sct + 3;

		memset(p, 0xA0 + i, 32);            /* log id */
		p += 32;
		p[7] = (unsigned char)(i + 1);      /* timestamp, ms */
		p += 8 + 2;                         /* no extensions */
		*p++ = 4;                           /* sha256 */
		*p++ = 3;                           /* ecdsa */
		*p++ = 0;
		*p++ = 8;                           /* signature length */
		memset(p, 0x5A, 8);
		hex_put(&b, sct, sizeof sct);
	}
	return b.s;
}

/* A self-signed certificate valid [T0 + nb, T0 + na] with ext = "DER:..." as its SCT list (or none). */
static X509 *make(long nb, long na, bool ca, const char *scts)
{
	X509 *x = X509_new();
	X509V3_CTX ctx;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"cert.test", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	ASN1_TIME_set(X509_getm_notBefore(x), T0 + nb);
	ASN1_TIME_set(X509_getm_notAfter(x), T0 + na);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	if (ca) {
		X509_EXTENSION *e = X509V3_EXT_nconf(NULL, &ctx, "basicConstraints", "critical,CA:TRUE");

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (scts) {
		X509_EXTENSION *e = X509V3_EXT_nconf(NULL, &ctx, "1.3.6.1.4.1.11129.2.4.2", scts);

		assert_non_null(e);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	assert_true(X509_sign(x, key, EVP_sha256()) > 0);
	return x;
}

static void read_cert(X509 *x, struct cert_info *c)
{
	assert_int_equal(cert_info_from_x509(x, c), 0);
	X509_free(x);
}

static void test_lifetime_boundary(void **state)
{
	struct cert_info c;

	(void)state;
	read_cert(make(0, 398 * DAY, false, NULL), &c);
	assert_int_equal(cert_lifetime_days(&c), 398);
	assert_false(cert_lifetime_long(&c));
	cert_info_done(&c);

	read_cert(make(0, 398 * DAY + 1, false, NULL), &c);
	assert_int_equal(cert_lifetime_days(&c), 399);
	assert_true(cert_lifetime_long(&c));
	cert_info_done(&c);

	read_cert(make(0, 399 * DAY, false, NULL), &c);
	assert_int_equal(cert_lifetime_days(&c), 399);
	assert_true(cert_lifetime_long(&c));
	cert_info_done(&c);

	/* a CA certificate's lifetime is a fact, not a flag */
	read_cert(make(-DAY, 3650 * DAY, true, NULL), &c);
	assert_int_equal(cert_lifetime_days(&c), 3651);
	assert_false(cert_lifetime_long(&c));
	assert_false(cert_sct_few(&c));
	cert_info_done(&c);

	/* dates unknown or reversed: no lifetime to judge */
	memset(&c, 0, sizeof c);
	assert_int_equal(cert_lifetime_days(&c), 0);
	c.not_before = T0;
	c.not_after = T0 - 1;
	assert_int_equal(cert_lifetime_days(&c), 0);
	assert_false(cert_lifetime_long(&c));
}

static void test_sct_counts(void **state)
{
	struct cert_info c;
	char *der;

	(void)state;
	read_cert(make(0, 90 * DAY, false, NULL), &c);
	assert_int_equal(c.sct_count, 0);
	assert_true(cert_sct_few(&c));
	cert_info_done(&c);

	der = sct_list_der(1);
	read_cert(make(0, 90 * DAY, false, der), &c);
	free(der);
	assert_int_equal(c.sct_count, 1);
	assert_true(cert_sct_few(&c));
	cert_info_done(&c);

	der = sct_list_der(2);
	read_cert(make(0, 90 * DAY, false, der), &c);
	free(der);
	assert_int_equal(c.sct_count, 2);
	assert_false(cert_sct_few(&c));
	cert_info_done(&c);

	der = sct_list_der(3);
	read_cert(make(0, 90 * DAY, false, der), &c);
	free(der);
	assert_int_equal(c.sct_count, 3);
	cert_info_done(&c);
}

static void test_sct_list_unreadable(void **state)
{
	struct cert_info c, copy;

	(void)state;
	/* an OCTET STRING whose list claims 0x7F bytes and holds one */
	read_cert(make(0, 90 * DAY, false, "DER:0403007F00"), &c);
	assert_int_equal(c.sct_count, -1);
	assert_true(cert_sct_few(&c));
	/* the other facts are still read */
	assert_string_equal(c.key_type, "EC");
	assert_int_equal(c.key_bits, 256);
	assert_string_equal(c.key_curve, "prime256v1");
	assert_string_equal(c.sig_alg, "ecdsa-with-SHA256");
	cert_info_copy(&copy, &c);
	assert_int_equal(copy.sct_count, -1);
	cert_info_done(&copy);
	cert_info_done(&c);

	/* not an OCTET STRING at all */
	read_cert(make(0, 90 * DAY, false, "DER:020101"), &c);
	assert_int_equal(c.sct_count, -1);
	cert_info_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lifetime_boundary),
		cmocka_unit_test(test_sct_counts),
		cmocka_unit_test(test_sct_list_unreadable),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
