/*
 * cert: OpenSSL X509 -> struct cert_info. This is the only place that reads
 * certificate fields; everything above sees plain C values. All strings are
 * the certificate's own bytes (UTF-8 where the encoding allows), never
 * sanitised here: display code sanitises, storage keeps the truth. What
 * is done with a cert_info afterwards (copy, free, weak, days left) needs
 * no OpenSSL and lives in cert_info.c.
 */
#include "httpsmon/cert.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "httpsmon/util.h"

/* RFC 2253 order reversed to the familiar "CN=..., O=..." reading order. */
#define NAME_FLAGS ((XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB & ~XN_FLAG_DN_REV) | ASN1_STRFLGS_UTF8_CONVERT)

char *cert_name_text(const struct X509_name_st *name)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *data, *out;
	long len;

	if (!b)
		return xstrdup("");
	X509_NAME_print_ex(b, name, 0, NAME_FLAGS);
	len = BIO_get_mem_data(b, &data);
	out = xstrndup(data, len > 0 ? (size_t)len : 0);
	BIO_free(b);
	return out;
}

static int64_t asn1_time_unix(const ASN1_TIME *t)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return 0;
	return (int64_t)timegm(&tm);
}

/*
 * "TAG:" and the bytes of a SAN string. A NUL inside (a certificate for
 * "good.example\0.evil") would end the C string there and show a name the
 * certificate is not for, so it is written as the text \x00; the sanitiser
 * makes every other byte printable at display time.
 */
static void san_append(struct strbuf *b, const char *sep, const char *tag, const ASN1_STRING *s)
{
	const char *p = (const char *)ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s), i, run = 0;

	strbuf_printf(b, "%s%s:", sep, tag);
	for (i = 0; i < n; i++) {
		if (p[i])
			continue;
		strbuf_append(b, p + run, i - run);
		strbuf_puts(b, "\\x00");
		run = i + 1;
	}
	strbuf_append(b, p + run, n - run);
}

static void sans_text(X509 *x, struct cert_info *c)
{
	GENERAL_NAMES *names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	struct strbuf b = { 0 };
	int i;

	if (!names)
		return;
	for (i = 0; i < sk_GENERAL_NAME_num(names); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const char *sep = b.len ? ", " : "";

		if (gn->type == GEN_DNS) {
			san_append(&b, sep, "DNS", gn->d.dNSName);
		} else if (gn->type == GEN_IPADD) {
			char *ip = i2s_ASN1_OCTET_STRING(NULL, gn->d.iPAddress);
			const unsigned char *p = ASN1_STRING_get0_data(gn->d.iPAddress);
			int len = ASN1_STRING_length(gn->d.iPAddress);

			/* i2s gives hex bytes; print addresses the way people write them */
			if (len == 4) {
				strbuf_printf(&b, "%sIP:%u.%u.%u.%u", sep, p[0], p[1], p[2], p[3]);
			} else if (len == 16) {
				char text[INET6_ADDRSTRLEN];

				strbuf_printf(&b, "%sIP:%s", sep, inet_ntop(AF_INET6, p, text, sizeof(text)) ? text : "?");
			} else {
				strbuf_printf(&b, "%sIP:%s", sep, ip ? ip : "?");
			}
			OPENSSL_free(ip);
		} else if (gn->type == GEN_EMAIL) {
			san_append(&b, sep, "email", gn->d.rfc822Name);
		} else if (gn->type == GEN_URI) {
			san_append(&b, sep, "URI", gn->d.uniformResourceIdentifier);
		}
	}
	GENERAL_NAMES_free(names);
	c->sans = b.s; /* NULL when nothing was appended */
}

/* The URI of a general name, malloc'd; NULL when it is not a URI or has a NUL in it. */
static char *uri_of(const GENERAL_NAME *g)
{
	const ASN1_IA5STRING *u;

	if (g->type != GEN_URI)
		return NULL;
	u = g->d.uniformResourceIdentifier;
	/* a URL with a NUL in it is not one to fetch a shortened form of */
	if (memchr(ASN1_STRING_get0_data(u), 0, (size_t)ASN1_STRING_length(u)))
		return NULL;
	return xstrndup((const char *)ASN1_STRING_get0_data(u), (size_t)ASN1_STRING_length(u));
}

/* The first caIssuers and the first OCSP URL of the AIA extension. */
static void aia_text(X509 *x, struct cert_info *c)
{
	AUTHORITY_INFO_ACCESS *aia = X509_get_ext_d2i(x, NID_info_access, NULL, NULL);

	for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int nid = OBJ_obj2nid(ad->method);

		if (nid == NID_ad_ca_issuers && !c->aia_ca_issuers)
			c->aia_ca_issuers = uri_of(ad->location);
		else if (nid == NID_ad_OCSP && !c->ocsp_url)
			c->ocsp_url = uri_of(ad->location);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
}

/* The first http:// full-name URI of the CRL distribution points (the one a client can fetch). */
static void crl_text(X509 *x, struct cert_info *c)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);

	for (int i = 0; dps && !c->crl_url && i < sk_DIST_POINT_num(dps); i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue; /* a name relative to the issuer: no URL to fetch */
		for (int k = 0; !c->crl_url && k < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); k++) {
			char *u = uri_of(sk_GENERAL_NAME_value(dp->distpoint->name.fullname, k));

			if (u && !strncasecmp(u, "http://", 7))
				c->crl_url = u;
			else
				free(u);
		}
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
}

static void key_text(X509 *x, struct cert_info *c)
{
	EVP_PKEY *pk = X509_get0_pubkey(x);
	int id;

	snprintf(c->key_type, sizeof(c->key_type), "?");
	if (!pk)
		return;
	c->key_bits = EVP_PKEY_get_bits(pk);
	id = EVP_PKEY_get_base_id(pk);
	switch (id) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		snprintf(c->key_type, sizeof(c->key_type), "RSA");
		break;
	case EVP_PKEY_EC: {
		char curve[64] = "";
		size_t len = 0;

		snprintf(c->key_type, sizeof(c->key_type), "EC");
		if (EVP_PKEY_get_utf8_string_param(pk, "group", curve, sizeof(curve), &len))
			snprintf(c->key_curve, sizeof(c->key_curve), "%s", curve);
		break;
	}
	case EVP_PKEY_ED25519:
		snprintf(c->key_type, sizeof(c->key_type), "Ed25519");
		break;
	case EVP_PKEY_ED448:
		snprintf(c->key_type, sizeof(c->key_type), "Ed448");
		break;
	case EVP_PKEY_DSA:
		snprintf(c->key_type, sizeof(c->key_type), "DSA");
		break;
	default:
		snprintf(c->key_type, sizeof(c->key_type), "%s", OBJ_nid2sn(id));
		break;
	}
}

/*
 * The embedded SCT list, counted. X509_get_ext_d2i says why it returned
 * NULL through crit: -1 when the extension is absent (no SCTs), anything
 * else when it is there twice or does not decode (unreadable).
 */
static void sct_count(X509 *x, struct cert_info *c)
{
	int crit = 0;
	STACK_OF(SCT) *scts = X509_get_ext_d2i(x, NID_ct_precert_scts, &crit, NULL);

	if (!scts) {
		c->sct_count = crit == -1 ? 0 : -1;
		return;
	}
	c->sct_count = sk_SCT_num(scts);
	SCT_LIST_free(scts);
}

int cert_info_from_x509(struct x509_st *x, struct cert_info *c)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	const ASN1_INTEGER *serial;
	BIGNUM *bn;
	int signid;

	memset(c, 0, sizeof(*c));
	if (!x)
		return -1;
	c->subject = cert_name_text(X509_get_subject_name(x));
	c->issuer = cert_name_text(X509_get_issuer_name(x));
	c->self_issued = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0;
	c->is_ca = X509_check_ca(x) > 0 && (X509_get_extension_flags(x) & EXFLAG_CA);
	c->not_before = asn1_time_unix(X509_get0_notBefore(x));
	c->not_after = asn1_time_unix(X509_get0_notAfter(x));

	serial = X509_get0_serialNumber(x);
	bn = serial ? ASN1_INTEGER_to_BN(serial, NULL) : NULL;
	if (bn) {
		char *hex = BN_bn2hex(bn);

		snprintf(c->serial, sizeof(c->serial), "%s", hex ? hex : "");
		OPENSSL_free(hex);
		BN_free(bn);
	}

	signid = X509_get_signature_nid(x);
	snprintf(c->sig_alg, sizeof(c->sig_alg), "%s",
		 signid != NID_undef ? OBJ_nid2ln(signid) : "unknown");
	key_text(x, c);

	if (X509_digest(x, EVP_sha256(), md, &mdlen)) {
		for (unsigned int i = 0; i < mdlen && 2 * i + 2 < sizeof(c->sha256); i++)
			snprintf(c->sha256 + 2 * i, 3, "%02x", md[i]);
	}
	sans_text(x, c);
	aia_text(x, c);
	crl_text(x, c);
	sct_count(x, c);
	return 0;
}
