/*
 * labsrv_posture: the tls listener options a posture scan needs, kept out
 * of labsrv.c: ciphers= (the TLS 1.2-and-older suites, OpenSSL syntax),
 * groups= (key-exchange groups, e.g. X25519:P-256) and ocsp_staple=FILE (a
 * DER OCSP response stapled for every client that asks for one).
 */
#ifndef LABSRV_POSTURE_H
#define LABSRV_POSTURE_H

#include <openssl/ssl.h>

/*
 * Applies the options to ctx (any may be NULL); seclevel < 0 leaves the
 * level alone. Returns NULL, or what went wrong for labsrv to die with.
 */
const char *posture_opts_apply(SSL_CTX *ctx, const char *ciphers, long seclevel, const char *groups,
			       const char *staple_file);

#endif
