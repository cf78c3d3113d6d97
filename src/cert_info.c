/*
 * cert_info: the plain values cert.c reads out of a certificate (see
 * cert.h): copied, freed, judged weak (signature hash, key size) and
 * counted in days left. No OpenSSL here, so verdict and the core library
 * (libcore.a) link without libcrypto.
 */
#include "httpsmon/cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "httpsmon/util.h"

void cert_info_done(struct cert_info *c)
{
	if (!c)
		return;
	free(c->subject);
	free(c->issuer);
	free(c->sans);
	free(c->aia_ca_issuers);
	free(c->crl_url);
	free(c->ocsp_url);
	memset(c, 0, sizeof(*c));
}

void cert_info_copy(struct cert_info *dst, const struct cert_info *src)
{
	*dst = *src;
	dst->subject = xstrdup(src->subject);
	dst->issuer = xstrdup(src->issuer);
	dst->sans = xstrdup(src->sans);
	dst->aia_ca_issuers = xstrdup(src->aia_ca_issuers);
	dst->crl_url = xstrdup(src->crl_url);
	dst->ocsp_url = xstrdup(src->ocsp_url);
}

bool cert_is_weak(const struct cert_info *c, char *why, size_t whylen)
{
	const char *s = c->sig_alg;

	if (strcasestr(s, "md5") || strcasestr(s, "md2") || strcasestr(s, "md4")) {
		snprintf(why, whylen, "MD5 signature (%s)", s);
		return true;
	}
	if (strcasestr(s, "sha1") || strcasestr(s, "sha-1") || !strcasecmp(s, "ecdsa-with-SHA1")) {
		snprintf(why, whylen, "SHA-1 signature (%s)", s);
		return true;
	}
	if ((!strcmp(c->key_type, "RSA") || !strcmp(c->key_type, "DSA")) && c->key_bits > 0 &&
	    c->key_bits < 2048) {
		snprintf(why, whylen, "%s %d-bit key", c->key_type, c->key_bits);
		return true;
	}
	if (!strcmp(c->key_type, "EC") && c->key_bits > 0 && c->key_bits < 224) {
		snprintf(why, whylen, "EC %d-bit key", c->key_bits);
		return true;
	}
	if (whylen)
		why[0] = '\0';
	return false;
}

int cert_days_left(const struct cert_info *c, int64_t now_s)
{
	int64_t d = c->not_after - now_s;

	/* floor division, so a certificate that expired an hour ago is at -1 */
	return (int)(d >= 0 ? d / 86400 : -((-d + 86399) / 86400));
}

int cert_lifetime_days(const struct cert_info *c)
{
	int64_t d = c->not_after - c->not_before;

	if (!c->not_before || !c->not_after || d <= 0)
		return 0;
	return (int)((d + 86399) / 86400);
}

bool cert_lifetime_long(const struct cert_info *c)
{
	return !c->is_ca && cert_lifetime_days(c) > CERT_MAX_LIFETIME_DAYS;
}

bool cert_sct_few(const struct cert_info *c)
{
	return !c->is_ca && c->sct_count < CERT_MIN_SCTS;
}

const char *cert_describe_lifetime(const struct cert_info *c, char *buf, size_t len)
{
	if (cert_lifetime_long(c))
		snprintf(buf, len, "%d days (over %d)", cert_lifetime_days(c), CERT_MAX_LIFETIME_DAYS);
	else
		snprintf(buf, len, "%d days", cert_lifetime_days(c));
	return buf;
}

const char *cert_describe_scts(const struct cert_info *c, char *buf, size_t len)
{
	const char *s = c->sct_count == 1 ? "" : "s";

	if (c->sct_count < 0)
		snprintf(buf, len, "SCT list unreadable");
	else if (cert_sct_few(c))
		snprintf(buf, len, "%d SCT%s embedded (fewer than %d)", c->sct_count, s, CERT_MIN_SCTS);
	else
		snprintf(buf, len, "%d SCT%s embedded", c->sct_count, s);
	return buf;
}
