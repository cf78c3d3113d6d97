/*
 * labsrv_posture: see labsrv_posture.h. Each listener's staple is read once
 * at startup and handed to OpenSSL as a fresh copy per handshake (OpenSSL
 * frees that). The staple itself is the context's ex_data, freed with the
 * context: labsrv frees its contexts at exit, and a staple outliving them
 * was a leak every sanitized test run reported.
 */
#include "labsrv_posture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>

struct staple {
	unsigned char *der;
	long len;
};

static int staple_idx = -1;

static void staple_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct staple *st = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (st)
		free(st->der);
	free(st);
}

static int staple_cb(SSL *ssl, void *arg)
{
	const struct staple *st = arg;
	unsigned char *copy = OPENSSL_malloc((size_t)st->len);

	if (!copy)
		return SSL_TLSEXT_ERR_NOACK;
	memcpy(copy, st->der, (size_t)st->len);
	SSL_set_tlsext_status_ocsp_resp(ssl, copy, st->len);
	return SSL_TLSEXT_ERR_OK;
}

static const char *staple_load(SSL_CTX *ctx, const char *path)
{
	FILE *f = fopen(path, "rb");
	struct staple *st;
	long n;

	if (!f)
		return "cannot open ocsp_staple file";
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return "cannot size ocsp_staple file";
	}
	st = calloc(1, sizeof(*st));
	if (st)
		st->der = malloc((size_t)n);
	if (!st || !st->der || fread(st->der, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		staple_free(NULL, st, NULL, 0, 0, NULL);
		return "cannot read ocsp_staple file";
	}
	fclose(f);
	st->len = n;
	if (staple_idx < 0)
		staple_idx = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, staple_free);
	if (staple_idx < 0 || !SSL_CTX_set_ex_data(ctx, staple_idx, st)) {
		staple_free(NULL, st, NULL, 0, 0, NULL);
		return "cannot keep the ocsp_staple with its context";
	}
	SSL_CTX_set_tlsext_status_cb(ctx, staple_cb);
	SSL_CTX_set_tlsext_status_arg(ctx, st);
	return NULL;
}

const char *posture_opts_apply(SSL_CTX *ctx, const char *ciphers, long seclevel, const char *groups,
			       const char *staple_file)
{
	if (ciphers) {
		char list[1024];

		if (seclevel >= 0)
			snprintf(list, sizeof(list), "%s:@SECLEVEL=%ld", ciphers, seclevel);
		else
			snprintf(list, sizeof(list), "%s", ciphers);
		if (!SSL_CTX_set_cipher_list(ctx, list))
			return "bad ciphers=";
	}
	if (groups && !SSL_CTX_set1_groups_list(ctx, groups))
		return "bad groups=";
	return staple_file ? staple_load(ctx, staple_file) : NULL;
}
