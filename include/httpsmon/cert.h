/*
 * cert: turns OpenSSL certificates into plain values. Nothing above this
 * module sees an OpenSSL type; x509 is declared opaquely so callers can
 * pass one through without including OpenSSL headers.
 */
#ifndef HTTPSMON_CERT_H
#define HTTPSMON_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct x509_st;
struct X509_name_st;

struct cert_info {
	char *subject;         /* RFC 2253 one-line form, UTF-8; raw certificate text */
	char *issuer;          /* same form */
	char *sans;            /* "DNS:a.example, DNS:b.example, IP:127.0.0.1" or NULL */
	char serial[130];      /* upper-case hex, no separators */
	int64_t not_before;    /* Unix seconds */
	int64_t not_after;     /* Unix seconds */
	char key_type[16];     /* "RSA", "EC", "Ed25519", "Ed448", "DSA", "?" */
	int key_bits;          /* RSA modulus or EC curve size */
	char key_curve[24];    /* "prime256v1" for EC, else "" */
	char sig_alg[48];      /* "sha256WithRSAEncryption", "ecdsa-with-SHA256" */
	char sha256[65];       /* lower-case hex of the DER's SHA-256 */
	char *aia_ca_issuers;  /* first caIssuers URL from AIA, or NULL */
	char *crl_url;         /* first http:// CRL distribution point (full name URI), or NULL */
	char *ocsp_url;        /* first OCSP responder URL from AIA, or NULL */
	bool self_issued;      /* subject == issuer */
	bool is_ca;            /* basicConstraints CA:TRUE */
	int sct_count;         /* SCTs embedded in the certificate (Certificate Transparency's
				  SCT list extension, 1.3.6.1.4.1.11129.2.4.2): 0 when it has
				  none, -1 when the list is there but unreadable */
};

/* Longest lifetime (not_after - not_before) the CA/Browser Forum allows a
 * leaf since September 2020; a longer one is flagged. */
#define CERT_MAX_LIFETIME_DAYS 398
/* Fewest embedded SCTs Chrome and Safari accept for a short-lived leaf; fewer is flagged. */
#define CERT_MIN_SCTS 2

/* Fills out from x (borrowed). Returns 0, or -1 if x is NULL. src/cert.c, the one OpenSSL reader. */
int cert_info_from_x509(struct x509_st *x, struct cert_info *out);

/* A name in cert_info's form ("CN=..., O=..."), malloc'd; NULL for NULL. src/cert.c. */
char *cert_name_text(const struct X509_name_st *name);

/* The rest work on the plain values (src/cert_info.c, no OpenSSL). */
void cert_info_done(struct cert_info *c);
void cert_info_copy(struct cert_info *dst, const struct cert_info *src);

/*
 * True when the signature uses a digest no modern client accepts (MD5,
 * SHA-1) or the key is too small (RSA/DSA below 2048 bits, EC below 224).
 * why gets a short phrase ("SHA-1 signature", "RSA 1024-bit key").
 */
bool cert_is_weak(const struct cert_info *c, char *why, size_t whylen);

/*
 * The certificate's lifetime, not_after - not_before, in days rounded up
 * (398 days and a second is 399). 0 when either date is unknown.
 */
int cert_lifetime_days(const struct cert_info *c);

/* True when c is a leaf (not a CA certificate) living over CERT_MAX_LIFETIME_DAYS. */
bool cert_lifetime_long(const struct cert_info *c);

/*
 * True when c, a leaf (not a CA certificate), embeds fewer than
 * CERT_MIN_SCTS SCTs (an unreadable list counts as none). CT is checked
 * by browsers for publicly trusted leaves only, so a private CA's leaves
 * are flagged too: the flag is a fact, not a verdict.
 */
bool cert_sct_few(const struct cert_info *c);

/*
 * One line each for people, flagged past their limit: "400 days (over
 * 398)", "1 SCT embedded (fewer than 2)", "SCT list unreadable". Return buf.
 */
const char *cert_describe_lifetime(const struct cert_info *c, char *buf, size_t len);
const char *cert_describe_scts(const struct cert_info *c, char *buf, size_t len);

/* Whole days from now_s until not_after, rounded down (negative when expired). */
int cert_days_left(const struct cert_info *c, int64_t now_s);

#endif
