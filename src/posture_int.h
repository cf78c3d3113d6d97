/*
 * posture_int: private to src/posture_*.c. What one handshake offers
 * (struct hs_offer), what it found (struct hs_outcome), and the OpenSSL
 * half of the engine (posture_tls.c) that the scheduling half
 * (posture_engine.c) calls. No loop code in posture_tls.c, no OpenSSL
 * types beyond SSL and SSL_CTX in posture_engine.c.
 */
#ifndef HTTPSMON_POSTURE_INT_H
#define HTTPSMON_POSTURE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "httpsmon/posture.h"

/* What one handshake offers. */
struct hs_offer {
	int version;          /* 10..13 with min = max; 0: a modern client (TLS 1.2-1.3, default suites) */
	const char *ciphers;  /* TLS <= 1.2 cipher string (without @SECLEVEL), NULL: a broad default */
	const char *exclude;  /* "-SUITE:-SUITE": found already in this category, taken off the offer; or NULL */
	bool staple;          /* ask for an OCSP staple */
};

/* What one handshake found. */
struct hs_outcome {
	enum posture_answer answer;
	char reason[120];     /* not accepted: why, sanitised */
	char version[16];     /* accepted: "TLSv1.2" */
	char cipher[48];
	int bits;
	char group[32];
	int group_bits;
	int sct_count;        /* -1 without a leaf */
	struct posture_staple staple;
};

/*
 * An SSL_CTX for o, or NULL when the local libssl cannot offer it (the
 * version is compiled out, no suite of the cipher string exists here): why
 * says so. The caller frees it.
 */
SSL_CTX *ptls_ctx(const struct hs_offer *o, char *why, size_t n);

/*
 * The SSL for one handshake on the connected descriptor fd, with SNI
 * host (NULL: an address, no SNI). NULL when out of memory.
 */
SSL *ptls_ssl(SSL_CTX *ctx, int fd, const char *host);

/*
 * One step of the handshake. Returns 1 done, 0 not yet (*want gets LOOP_READ
 * or LOOP_WRITE), -1 over: out->answer (refused, not testable, error) and
 * out->reason filled.
 */
int ptls_step(SSL *ssl, unsigned *want, struct hs_outcome *out);

/*
 * The facts of a completed handshake: version, suite and its bits, group
 * and key size, SCTs of the leaf, and with o->staple the staple verified
 * against the chain and store (NULL: no verification; status INVALID).
 */
void ptls_facts(SSL *ssl, const struct hs_offer *o, X509_STORE *store, int64_t now_s, struct hs_outcome *out);

/* A trust store from ca_file (NULL: the system's), or NULL with why. The caller frees it. */
X509_STORE *ptls_store(const char *ca_file, char *why, size_t n);

#endif
