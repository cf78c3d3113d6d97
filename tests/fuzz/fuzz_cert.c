/*
 * fuzz_cert: libFuzzer target for the certificate facts, the code that reads
 * what a hostile server puts in its certificates.
 *
 * An input that starts like DER (0x30, a SEQUENCE) goes to d2i_X509 as it
 * is. Random bytes rarely survive OpenSSL's DER parser, and OpenSSL is not
 * instrumented, so other inputs are recipes instead: the bytes choose the
 * subject and issuer attributes (any string type, any bytes), the SAN
 * entries (DNS, IP of any length, URI, e-mail), the AIA caIssuers or OCSP
 * URL, the serial, the validity times, the signature digest and a CRL
 * distribution point (a URI of any bytes, another name type, or a name
 * relative to the issuer) of a certificate that is then signed, encoded
 * to DER and parsed back, so cert.c sees well-formed
 * certificates with hostile contents. Either way the result goes through
 * cert_info_from_x509 (crl_url and ocsp_url included), a copy,
 * cert_is_weak and cert_days_left.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "httpsmon/cert.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static EVP_PKEY *key; /* one P-256 key signs every recipe: key generation is slow */

struct in {
	const uint8_t *p;
	size_t n;
};

static unsigned take_byte(struct in *in)
{
	unsigned b;

	if (!in->n)
		return 0;
	b = *in->p++;
	in->n--;
	return b;
}

/* A chunk of up to 255 bytes, its length taken from the input first. */
static size_t take_chunk(struct in *in, const uint8_t **out)
{
	size_t len = take_byte(in);

	if (len > in->n)
		len = in->n;
	*out = in->p;
	in->p += len;
	in->n -= len;
	return len;
}

static void add_name_entries(struct in *in, X509_NAME *name)
{
	static const int types[] = { MBSTRING_ASC, MBSTRING_UTF8, V_ASN1_PRINTABLESTRING,
				     V_ASN1_T61STRING, V_ASN1_IA5STRING, MBSTRING_BMP,
				     MBSTRING_UNIV, V_ASN1_UTF8STRING };
	static const char *const fields[] = { "CN", "O", "OU", "C", "L", "emailAddress",
					      "serialNumber", "DC" };
	unsigned count = take_byte(in) % 5, i;

	for (i = 0; i < count; i++) {
		unsigned sel = take_byte(in);
		const uint8_t *v;
		size_t len = take_chunk(in, &v);

		X509_NAME_add_entry_by_txt(name, fields[sel % 8], types[(sel >> 3) % 8], v,
					   (int)len, -1, (sel & 0x40) ? 1 : 0);
	}
}

/* Adds SANs; returns how many bytes of DNS, URI and e-mail text they hold. */
static size_t add_sans(struct in *in, X509 *x)
{
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	unsigned count = take_byte(in) % 6, i;
	size_t text = 0;

	for (i = 0; i < count; i++) {
		static const int kinds[] = { GEN_DNS, GEN_IPADD, GEN_URI, GEN_EMAIL };
		GENERAL_NAME *gn = GENERAL_NAME_new();
		ASN1_STRING *s = ASN1_STRING_new();
		int kind = kinds[take_byte(in) % 4];
		const uint8_t *v;
		size_t len = take_chunk(in, &v);

		ASN1_STRING_set(s, v, (int)len);
		GENERAL_NAME_set0_value(gn, kind, s);
		text += kind == GEN_IPADD ? 0 : len;
		sk_GENERAL_NAME_push(names, gn);
	}
	if (count)
		X509_add1_ext_i2d(x, NID_subject_alt_name, names, take_byte(in) & 1, X509V3_ADD_DEFAULT);
	GENERAL_NAMES_free(names);
	return text;
}

static void add_aia(struct in *in, X509 *x)
{
	AUTHORITY_INFO_ACCESS *aia;
	ACCESS_DESCRIPTION *ad;
	ASN1_IA5STRING *u;
	const uint8_t *v;
	size_t len;

	if (!(take_byte(in) & 1))
		return;
	len = take_chunk(in, &v);
	aia = sk_ACCESS_DESCRIPTION_new_null();
	ad = ACCESS_DESCRIPTION_new();
	u = ASN1_IA5STRING_new();
	ASN1_STRING_set(u, v, (int)len);
	ad->method = OBJ_nid2obj(take_byte(in) & 1 ? NID_ad_ca_issuers : NID_ad_OCSP);
	GENERAL_NAME_set0_value(ad->location, GEN_URI, u);
	sk_ACCESS_DESCRIPTION_push(aia, ad);
	X509_add1_ext_i2d(x, NID_info_access, aia, 0, X509V3_ADD_DEFAULT);
	AUTHORITY_INFO_ACCESS_free(aia);
}

/* A CRL distribution point, read last so older recipes keep their meaning. */
static void add_crldp(struct in *in, X509 *x)
{
	STACK_OF(DIST_POINT) *dps;
	DIST_POINT *dp;
	GENERAL_NAME *g;
	ASN1_IA5STRING *u;
	const uint8_t *v;
	size_t len;
	int how = take_byte(in);

	if (!(how & 1))
		return;
	len = take_chunk(in, &v);
	dps = sk_DIST_POINT_new_null();
	dp = DIST_POINT_new();
	dp->distpoint = DIST_POINT_NAME_new();
	if (how & 2) { /* relative to the issuer: no URL at all */
		dp->distpoint->type = 1;
		dp->distpoint->name.relativename = sk_X509_NAME_ENTRY_new_null();
		sk_X509_NAME_ENTRY_push(dp->distpoint->name.relativename,
					X509_NAME_ENTRY_create_by_NID(NULL, NID_commonName, MBSTRING_ASC, v, (int)len));
	} else {
		dp->distpoint->type = 0;
		dp->distpoint->name.fullname = GENERAL_NAMES_new();
		g = GENERAL_NAME_new();
		u = ASN1_IA5STRING_new();
		ASN1_STRING_set(u, v, (int)len);
		GENERAL_NAME_set0_value(g, how & 4 ? GEN_DNS : GEN_URI, u);
		sk_GENERAL_NAME_push(dp->distpoint->name.fullname, g);
	}
	sk_DIST_POINT_push(dps, dp);
	X509_add1_ext_i2d(x, NID_crl_distribution_points, dps, 0, X509V3_ADD_DEFAULT);
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
}

static void set_times(struct in *in, X509 *x)
{
	ASN1_TIME *t = ASN1_TIME_new();
	int i;

	for (i = 0; i < 2; i++) {
		int64_t s = 0; /* 40 bits of the input */
		unsigned k;

		for (k = 0; k < 5; k++)
			s = s * 256 + take_byte(in);
		/* years 1950 to 9999 fit both UTCTime and GeneralizedTime */
		ASN1_TIME_adj(t, (time_t)(s % 253402300799LL - 631152000LL), 0, 0);
		if (i == 0)
			X509_set1_notBefore(x, t);
		else
			X509_set1_notAfter(x, t);
	}
	ASN1_TIME_free(t);
}

/*
 * A certificate built from the recipe in, as DER (caller frees), or NULL;
 * *san_text gets the bytes of SAN text put in.
 */
static unsigned char *recipe_der(const uint8_t *data, size_t size, int *derlen, size_t *san_text)
{
	static const char *const digests[] = { "SHA256", "SHA1", "SHA384", "SHA512" };
	const char *digest;
	struct in in = { data, size };
	unsigned char *der = NULL;
	ASN1_INTEGER *serial;
	const uint8_t *v;
	size_t len;
	X509 *x = X509_new();

	X509_set_version(x, take_byte(&in) % 3);
	len = take_chunk(&in, &v);
	serial = ASN1_INTEGER_new();
	ASN1_STRING_set(serial, v, (int)len);
	X509_set_serialNumber(x, serial);
	ASN1_INTEGER_free(serial);
	add_name_entries(&in, X509_get_subject_name(x));
	if (take_byte(&in) & 1)
		X509_set_issuer_name(x, X509_get_subject_name(x));
	else
		add_name_entries(&in, X509_get_issuer_name(x));
	set_times(&in, x);
	X509_set_pubkey(x, key);
	*san_text = add_sans(&in, x);
	add_aia(&in, x);
	if (take_byte(&in) & 1) {
		BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();

		bc->ca = take_byte(&in) & 1;
		X509_add1_ext_i2d(x, NID_basic_constraints, bc, 1, X509V3_ADD_DEFAULT);
		BASIC_CONSTRAINTS_free(bc);
	}
	digest = digests[take_byte(&in) % 4];
	add_crldp(&in, x);
	if (X509_sign(x, key, EVP_get_digestbyname(digest)) > 0)
		*derlen = i2d_X509(x, &der);
	X509_free(x);
	return *derlen > 0 ? der : NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	key = EVP_EC_gen("P-256");
	if (!key)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned char *built = NULL;
	const unsigned char *p = data;
	size_t san_text = 0;
	struct cert_info a, b;
	int len = (int)size;
	char why[80];
	X509 *x;

	if (size > 65536)
		return 0;
	if (!size || data[0] != 0x30) {
		built = recipe_der(data, size, &len, &san_text);
		if (!built)
			return 0;
		p = built;
	}
	x = d2i_X509(NULL, &p, len);
	if (x) {
		memset(&a, 0, sizeof(a));
		if (cert_info_from_x509(x, &a) != 0)
			abort();
		/* no SAN text is lost: a NUL inside one once cut the list short */
		if (strlen(a.sans ? a.sans : "") < san_text)
			abort();
		/* only a fetchable CRL URL is kept */
		if (a.crl_url && strncasecmp(a.crl_url, "http://", 7) != 0)
			abort();
		cert_info_copy(&b, &a);
		why[0] = '\0';
		cert_is_weak(&b, why, sizeof(why));
		if (strnlen(why, sizeof(why)) == sizeof(why))
			abort();
		cert_days_left(&b, 1767225600);
		cert_info_done(&a);
		cert_info_done(&b);
		X509_free(x);
	}
	OPENSSL_free(built);
	return 0;
}
