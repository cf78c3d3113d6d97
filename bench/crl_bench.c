/*
 * crl_bench: the revocation engine on a large CRL (README, Benchmarks).
 * Makes a CRL of N entries (default 100,000, random 16-byte serials, as
 * public CAs use, each with a reason code) signed by an EC P-256 CA, then
 * times what the engine does with it (src/revoke_crl.c): parsing the DER
 * (rv_crl_parse), checking it (rv_crl_check: the signature over the whole
 * list), the first look-up (OpenSSL sorts the entries there) and the mean
 * of L later look-ups (half of them present, half absent), and the heap
 * the parsed CRL holds (mallinfo2). Prints one
 * markdown table; figures are reported, never asserted.
 *
 * usage: crl_bench [-n ENTRIES] [-l LOOKUPS]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include "httpsmon/util.h"
#include "../src/revoke_int.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static X509 *make_ca(EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509_NAME *name = X509_NAME_new();

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"Bench CA", -1, -1, 0);
	X509_set_subject_name(x, name);
	X509_set_issuer_name(x, name);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(name);
	return x;
}

/* The CRL's DER, n entries; serials[i] gets entry i's serial as upper-case hex. */
static unsigned char *make_crl(X509 *ca, EVP_PKEY *key, int n, char (*serials)[40], int *len)
{
	X509_CRL *crl = X509_CRL_new();
	ASN1_TIME *t = X509_gmtime_adj(NULL, 0), *next = X509_gmtime_adj(NULL, 7 * 86400);
	ASN1_ENUMERATED *code = ASN1_ENUMERATED_new();
	unsigned char *der = NULL, raw[16];

	X509_CRL_set_version(crl, 1);
	X509_CRL_set_issuer_name(crl, X509_get_subject_name(ca));
	X509_CRL_set1_lastUpdate(crl, t);
	X509_CRL_set1_nextUpdate(crl, next);
	ASN1_ENUMERATED_set(code, 4); /* superseded */
	for (int i = 0; i < n; i++) {
		X509_REVOKED *rev = X509_REVOKED_new();
		BIGNUM *bn;
		ASN1_INTEGER *sn;
		char *hex;

		RAND_bytes(raw, sizeof(raw));
		raw[0] = (unsigned char)((raw[0] & 0x7f) | 0x10); /* positive, 16 bytes long */
		bn = BN_bin2bn(raw, sizeof(raw), NULL);
		sn = BN_to_ASN1_INTEGER(bn, NULL);
		hex = BN_bn2hex(bn);
		snprintf(serials[i], sizeof(serials[i]), "%s", hex);
		X509_REVOKED_set_serialNumber(rev, sn);
		X509_REVOKED_set_revocationDate(rev, t);
		X509_REVOKED_add1_ext_i2d(rev, NID_crl_reason, code, 0, 0);
		X509_CRL_add0_revoked(crl, rev);
		OPENSSL_free(hex);
		ASN1_INTEGER_free(sn);
		BN_free(bn);
	}
	X509_CRL_sort(crl);
	X509_CRL_sign(crl, key, EVP_sha256());
	*len = i2d_X509_CRL(crl, &der);
	X509_CRL_free(crl);
	ASN1_TIME_free(t);
	ASN1_TIME_free(next);
	ASN1_ENUMERATED_free(code);
	return der;
}

int main(int argc, char **argv)
{
	int n = 100000, lookups = 100000, len, opt, found = 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *ca = make_ca(key);
	X509_CRL *crl = NULL;
	char (*serials)[40], err[200], absent[40];
	unsigned char *der;
	struct rv_answer a;
	double t0, parse_us, check_us, first_us, each_us;
	size_t heap0;

	while ((opt = getopt(argc, argv, "n:l:")) != -1) {
		if (opt == 'n')
			n = atoi(optarg);
		else if (opt == 'l')
			lookups = atoi(optarg);
		else
			return 2;
	}
	if (n < 1 || lookups < 1)
		return 2;
	serials = calloc((size_t)n, sizeof(*serials));
	der = make_crl(ca, key, n, serials, &len);

	heap0 = mallinfo2().uordblks;
	t0 = now_us();
	if (rv_crl_parse(der, (size_t)len, &crl, err, sizeof(err)) != 0) {
		fprintf(stderr, "crl_bench: %s\n", err);
		return 1;
	}
	parse_us = now_us() - t0;
	t0 = now_us();
	if (rv_crl_check(crl, ca, util_now_ms() / 1000, err, sizeof(err)) != 0) {
		fprintf(stderr, "crl_bench: %s\n", err);
		return 1;
	}
	check_us = now_us() - t0;
	t0 = now_us();
	rv_crl_lookup(crl, serials[n / 2], &a);
	first_us = now_us() - t0;
	t0 = now_us();
	for (int i = 0; i < lookups; i++) {
		/* odd look-ups ask for a serial one past a present one: absent, same length */
		snprintf(absent, sizeof(absent), "%s", serials[(i * 7919) % n]);
		if (i & 1)
			absent[strlen(absent) - 1] = absent[strlen(absent) - 1] == 'F' ? 'E' : 'F';
		rv_crl_lookup(crl, absent, &a);
		found += a.status == REVOKE_REVOKED;
	}
	each_us = (now_us() - t0) / lookups;
	heap0 = mallinfo2().uordblks - heap0;

	printf("### CRL (`bench/crl_bench.c`, %d entries, %.1f MiB DER, EC P-256 signature)\n\n", n,
	       len / 1048576.0);
	printf("| step | time |\n|---|--:|\n");
	printf("| parse (d2i, once per fetch) | %.1f ms |\n", parse_us / 1000);
	printf("| check (issuer, signature over the list, dates) | %.2f ms |\n", check_us / 1000);
	printf("| first look-up (OpenSSL sorts the entries) | %.1f ms |\n", first_us / 1000);
	printf("| each later look-up (mean of %d, %d present) | %.2f us |\n", lookups, found, each_us);
	printf("| heap held by the parsed, sorted CRL | %.1f MiB |\n", heap0 / 1048576.0);
	X509_CRL_free(crl);
	OPENSSL_free(der);
	X509_free(ca);
	EVP_PKEY_free(key);
	free(serials);
	return 0;
}
