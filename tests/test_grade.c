/*
 * test_grade: every rule of grade.c at its boundary, on plain values.
 *
 * Each test starts from a clean modern server (TLS 1.2 and 1.3 only,
 * ECDHE + AEAD, RSA 2048 leaf signed with SHA-256, valid 90 days, HSTS
 * of exactly 180 days: grade A+, no caps, no findings) and changes one
 * fact, then checks the exact grade, the caps and the findings.
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

#include "httpsmon/grade.h"
#include "httpsmon/result.h"

#define NOW 1767225600LL /* 2026-01-01T00:00:00Z */
#define DAY 86400LL

static struct posture P;
static struct grade_facts F;
static struct grade G;

static void set(enum posture_proto v, enum posture_answer a)
{
	P.proto[v].answer = a;
}

static void setcat(enum posture_cat c, enum posture_answer a, const char *suite)
{
	P.cat[c].answer = a;
	if (suite) {
		snprintf(P.cat[c].suites[P.cat[c].n_suites++], sizeof(P.cat[c].suites[0]), "%s", suite);
	}
}

static int modern(void **state)
{
	(void)state;
	posture_init(&P);
	set(PPROTO_SSL2, PANS_NOT_TESTABLE);
	set(PPROTO_SSL3, PANS_NOT_TESTABLE);
	set(PPROTO_TLS10, PANS_REFUSED);
	set(PPROTO_TLS11, PANS_REFUSED);
	set(PPROTO_TLS12, PANS_ACCEPTED);
	set(PPROTO_TLS13, PANS_ACCEPTED);
	P.cat_version = 12;
	setcat(PCAT_STATIC_RSA, PANS_REFUSED, NULL);
	setcat(PCAT_3DES, PANS_NOT_TESTABLE, NULL);
	setcat(PCAT_RC4, PANS_NOT_TESTABLE, NULL);
	setcat(PCAT_NULL_ANON_EXPORT, PANS_REFUSED, NULL);
	setcat(PCAT_CBC_SHA1, PANS_REFUSED, NULL);
	setcat(PCAT_FS, PANS_ACCEPTED, "ECDHE-RSA-AES256-GCM-SHA384");
	setcat(PCAT_AEAD, PANS_ACCEPTED, "ECDHE-RSA-AES256-GCM-SHA384");
	snprintf(P.group, sizeof(P.group), "X25519");
	P.group_bits = 253;
	P.best_bits = 256;
	P.worst_bits = 128;
	memset(&F, 0, sizeof(F));
	F.have_cert = true;
	snprintf(F.key_type, sizeof(F.key_type), "RSA");
	F.key_bits = 2048;
	snprintf(F.sig_alg, sizeof(F.sig_alg), "sha256WithRSAEncryption");
	F.lifetime_days = 90;
	F.sct_count = -1;
	F.hsts_max_age_s = 180 * DAY;
	return 0;
}

static const struct revocation REV_GOOD = { .checked = true, .status = REVOKE_GOOD, .method = REVOKE_METHOD_CRL };
static const struct revocation REV_REVOKED = { .checked = true, .status = REVOKE_REVOKED, .method = REVOKE_METHOD_CRL };
static const struct revocation REV_REVOKED_OCSP = { .checked = true, .status = REVOKE_REVOKED,
						    .method = REVOKE_METHOD_OCSP };
static const struct revocation REV_UNKNOWN = { .checked = true, .status = REVOKE_UNKNOWN };
static const struct revocation REV_PENDING = { .checked = true, .pending = true, .status = REVOKE_UNKNOWN };
static const struct revocation REV_NOT_CHECKED = { .checked = false };

static void run(const struct revocation *rev)
{
	grade_compute(&P, &F, rev, NOW, &G);
}

/* The caps, joined with " | ", and the finding ids, joined with " ". */
static const char *caps(void)
{
	static char s[1024];
	size_t n = 0;

	s[0] = '\0';
	for (int i = 0; i < G.n_caps; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", i ? " | " : "", G.caps[i]);
	return s;
}

static const char *ids(void)
{
	static char s[1024];
	size_t n = 0;

	s[0] = '\0';
	for (int i = 0; i < G.n_findings; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "%s%s", i ? " " : "", G.findings[i].id);
	return s;
}

static void test_modern_is_a_plus(void **state)
{
	(void)state;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A+");
	assert_string_equal(caps(), "");
	assert_string_equal(ids(), "");
	assert_int_equal(G.proto_score, 100);
	assert_int_equal(G.kx_score, 90);  /* RSA 2048 < 4096 */
	assert_int_equal(G.cipher_score, 90); /* (256 -> 100 + 128 -> 80) / 2 */
	assert_int_equal(G.score, 30 + 27 + 36);
}

static void test_hsts_180_days_exactly(void **state)
{
	(void)state;
	F.hsts_max_age_s = 180 * DAY; /* 15552000 */
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A+");
	F.hsts_max_age_s = 180 * DAY - 1;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(ids(), "hsts_short");
	F.hsts_max_age_s = 179 * DAY;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(G.findings[0].message, "HSTS max-age is 179 days (15465600 s), under 180 days");
	assert_string_equal(caps(), "");
}

static void test_hsts_missing_disabled_invalid(void **state)
{
	(void)state;
	F.hsts_max_age_s = GRADE_HSTS_NONE;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A"); /* no warning, but A+ needs HSTS */
	assert_string_equal(ids(), "hsts_missing");
	assert_int_equal(G.findings[0].severity, GSEV_INFO);
	F.hsts_max_age_s = 0;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(ids(), "hsts_disabled");
	F.hsts_max_age_s = GRADE_HSTS_INVALID;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(ids(), "hsts_invalid");
}

static void test_no_tls13_is_a_minus(void **state)
{
	(void)state;
	set(PPROTO_TLS13, PANS_REFUSED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(ids(), "tls13_missing");
	assert_string_equal(caps(), "");
	/* not testable or not tested is no warning: nothing is known */
	set(PPROTO_TLS13, PANS_NOT_TESTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A");
}

static void test_tls10_caps_b(void **state)
{
	(void)state;
	set(PPROTO_TLS10, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: TLS 1.0 accepted");
	assert_string_equal(ids(), "tls_legacy_offered");
	assert_string_equal(G.findings[0].message, "TLS 1.0 accepted (deprecated by RFC 8996)");
	assert_int_equal(G.proto_score, 95); /* (100 + 90) / 2 */
	set(PPROTO_TLS11, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: TLS 1.0 accepted | B: TLS 1.1 accepted");
	assert_string_equal(G.findings[0].message, "TLS 1.0 and TLS 1.1 accepted (deprecated by RFC 8996)");
}

static void test_tls11_alone_caps_b(void **state)
{
	(void)state;
	set(PPROTO_TLS11, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: TLS 1.1 accepted");
	assert_int_equal(G.proto_score, 97); /* (100 + 95) / 2 */
}

static void test_no_tls12_caps_c(void **state)
{
	(void)state;
	set(PPROTO_TLS12, PANS_REFUSED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "C");
	assert_string_equal(caps(), "C: TLS 1.2 not accepted");
	assert_string_equal(ids(), "tls12_missing");
	/* TLS 1.0 only: the C cap is the lower one */
	set(PPROTO_TLS13, PANS_REFUSED);
	set(PPROTO_TLS10, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "C");
	assert_string_equal(caps(), "C: TLS 1.2 not accepted | B: TLS 1.0 accepted");
	assert_int_equal(G.proto_score, 90);
}

static void test_sslv2_is_f(void **state)
{
	(void)state;
	set(PPROTO_SSL2, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: SSLv2 accepted");
	assert_int_equal(G.score, 0);
	assert_string_equal(ids(), "sslv2_offered");
	assert_int_equal(G.findings[0].severity, GSEV_CRIT);
}

static void test_sslv3_caps_b_and_f_when_best(void **state)
{
	(void)state;
	set(PPROTO_SSL3, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: SSLv3 accepted");
	set(PPROTO_TLS12, PANS_REFUSED);
	set(PPROTO_TLS13, PANS_REFUSED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: SSLv3 is the best protocol accepted | C: TLS 1.2 not accepted | B: SSLv3 accepted");
}

static void test_expired_is_f_over_t(void **state)
{
	(void)state;
	F.expired = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: certificate expired or not yet valid");
	assert_string_equal(ids(), "cert_expired");
	F.self_signed = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: certificate expired or not yet valid | T: self-signed certificate");
}

static void test_trust_is_t(void **state)
{
	(void)state;
	F.self_signed = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "T");
	assert_string_equal(caps(), "T: self-signed certificate");
	assert_string_equal(ids(), "cert_self_signed");
	F.self_signed = false;
	F.untrusted = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "T");
	assert_string_equal(caps(), "T: untrusted certificate chain");
	assert_string_equal(ids(), "cert_untrusted");
}

static void test_revoked_is_t(void **state)
{
	(void)state;
	run(&REV_REVOKED);
	assert_string_equal(G.grade, "T");
	assert_string_equal(caps(), "T: certificate revoked");
	assert_string_equal(ids(), "cert_revoked");
	assert_string_equal(G.findings[0].message, "the certificate was revoked according to its CA's CRL");
	run(&REV_REVOKED_OCSP);
	assert_string_equal(G.findings[0].message, "the certificate was revoked according to its OCSP responder");
	run(&REV_UNKNOWN);
	assert_string_equal(G.grade, "A+"); /* unknown is shown, never graded */
	assert_string_equal(ids(), "revocation_unknown");
	run(&REV_NOT_CHECKED);
	assert_string_equal(G.grade, "A+");
	assert_string_equal(ids(), "");
	run(&REV_PENDING); /* a lookup in flight is not judged */
	assert_string_equal(ids(), "");
	grade_compute(&P, &F, NULL, NOW, &G);
	assert_string_equal(ids(), "");
	P.staple.stapled = true;
	P.staple.status = STAPLE_REVOKED;
	run(&REV_NOT_CHECKED);
	assert_string_equal(G.grade, "T");
	assert_string_equal(G.findings[0].message, "the certificate was revoked according to the stapled OCSP response");
}

static void test_name_mismatch_is_m_under_t(void **state)
{
	(void)state;
	F.name_mismatch = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "M");
	assert_string_equal(caps(), "M: certificate name mismatch");
	assert_string_equal(ids(), "name_mismatch");
	F.untrusted = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "T");
	assert_string_equal(caps(), "T: untrusted certificate chain | M: certificate name mismatch");
}

static void test_sha1_signature_is_t_md5_is_f(void **state)
{
	(void)state;
	snprintf(F.sig_alg, sizeof(F.sig_alg), "sha1WithRSAEncryption");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "T");
	assert_string_equal(caps(), "T: SHA-1 signature");
	snprintf(F.sig_alg, sizeof(F.sig_alg), "ecdsa-with-SHA1");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "T");
	snprintf(F.sig_alg, sizeof(F.sig_alg), "md5WithRSAEncryption");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: MD5 signature");
}

static void test_static_rsa_next_to_ecdhe_is_a_minus(void **state)
{
	(void)state;
	setcat(PCAT_STATIC_RSA, PANS_ACCEPTED, "AES256-GCM-SHA384");
	setcat(PCAT_STATIC_RSA, PANS_ACCEPTED, "AES128-GCM-SHA256");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(caps(), "");
	assert_string_equal(ids(), "no_forward_secrecy");
	assert_string_equal(G.findings[0].message, "static RSA key exchange accepted (AES256-GCM-SHA384, "
						   "AES128-GCM-SHA256): no forward secrecy for clients that pick it");
}

static void test_no_fs_at_all_caps_b(void **state)
{
	(void)state;
	set(PPROTO_TLS13, PANS_REFUSED);
	setcat(PCAT_FS, PANS_REFUSED, NULL);
	setcat(PCAT_STATIC_RSA, PANS_ACCEPTED, "AES256-GCM-SHA384");
	P.group[0] = '\0';
	P.group_bits = 0;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: no forward secrecy");
	assert_string_equal(ids(), "no_forward_secrecy fs_missing tls13_missing");
	/* TLS 1.3 is forward secret whatever TLS 1.2 offers */
	set(PPROTO_TLS13, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(caps(), "");
	assert_string_equal(G.grade, "A-");
}

static void test_no_aead_caps_b(void **state)
{
	(void)state;
	set(PPROTO_TLS13, PANS_REFUSED);
	setcat(PCAT_AEAD, PANS_REFUSED, NULL);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: no AEAD suite");
	set(PPROTO_TLS13, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A+");
}

static void test_weak_ciphers(void **state)
{
	(void)state;
	setcat(PCAT_RC4, PANS_ACCEPTED, "RC4-SHA");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: RC4 accepted");
	assert_string_equal(ids(), "cipher_weak_offered");
	assert_string_equal(G.findings[0].message, "weak suites accepted: RC4");
	setcat(PCAT_3DES, PANS_ACCEPTED, "DES-CBC3-SHA");
	P.worst_bits = 112; /* 3DES: exactly 112 is not "weaker than 112" */
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(G.findings[0].message, "weak suites accepted: 3DES, RC4");
	set(PPROTO_TLS11, PANS_ACCEPTED);
	run(&REV_GOOD);
	assert_string_equal(G.grade, "C");
	assert_string_equal(caps(), "C: 3DES with TLS 1.1 or older accepted (SWEET32) | B: TLS 1.1 accepted | B: RC4 accepted");
	P.worst_bits = 111;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	setcat(PCAT_NULL_ANON_EXPORT, PANS_ACCEPTED, "NULL-SHA256");
	run(&REV_GOOD);
	assert_string_equal(G.caps[0], "F: NULL, anonymous or EXPORT suite accepted");
}

static void test_cbc_sha1_is_info(void **state)
{
	(void)state;
	setcat(PCAT_CBC_SHA1, PANS_ACCEPTED, "ECDHE-RSA-AES128-SHA");
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A+");
	assert_string_equal(ids(), "cbc_sha1_offered");
	assert_int_equal(G.findings[0].severity, GSEV_INFO);
}

static void test_key_sizes(void **state)
{
	(void)state;
	F.key_bits = 2047;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: weak key (certificate)");
	assert_string_equal(ids(), "weak_key");
	F.key_bits = 1024;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B"); /* 1024 is 80 points: weak, not insecure */
	F.key_bits = 1023;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "F");
	assert_string_equal(caps(), "F: insecure key (certificate)");
	F.key_bits = 4096;
	run(&REV_GOOD);
	assert_int_equal(G.kx_score, 100);
	snprintf(F.key_type, sizeof(F.key_type), "EC");
	F.key_bits = 256;
	run(&REV_GOOD);
	assert_int_equal(G.kx_score, 100);
	F.key_bits = 224;
	run(&REV_GOOD);
	assert_int_equal(G.kx_score, 90);
	assert_string_equal(G.grade, "A+");
	F.key_bits = 162;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	/* the ephemeral key counts too: ffdhe2048 is 90 points, DH 1024 is weak */
	F.key_bits = 256;
	snprintf(P.group, sizeof(P.group), "ffdhe2048");
	P.group_bits = 2048;
	run(&REV_GOOD);
	assert_int_equal(G.kx_score, 90);
	P.group_bits = 1024;
	run(&REV_GOOD);
	assert_string_equal(caps(), "B: weak key (key exchange)");
	assert_string_equal(ids(), "weak_key_exchange");
}

static void test_lifetime_398_days(void **state)
{
	(void)state;
	F.lifetime_days = 398;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A+");
	assert_string_equal(ids(), "");
	F.lifetime_days = 399;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "A-");
	assert_string_equal(ids(), "cert_lifetime_long");
	assert_string_equal(G.findings[0].message, "the certificate is valid for 399 days (browsers refuse over 398)");
}

static void test_sct_count(void **state)
{
	(void)state;
	F.sct_count = 3; /* the ordinary probe's count wins over the pass's */
	P.leaf_sct_count = 0;
	run(&REV_GOOD);
	assert_string_equal(ids(), "");
	F.sct_count = -1;
	P.leaf_sct_count = 2;
	run(&REV_GOOD);
	assert_string_equal(ids(), "");
	P.leaf_sct_count = 1;
	run(&REV_GOOD);
	assert_string_equal(ids(), "sct_few");
	assert_string_equal(G.grade, "A+"); /* private CAs log nothing: shown, not graded */
	assert_string_equal(G.findings[0].message,
			    "1 embedded SCT (Certificate Transparency; browsers want 2 or more)");
}

static void test_staple_next_update(void **state)
{
	(void)state;
	P.staple.stapled = true;
	P.staple.status = STAPLE_GOOD;
	P.staple.next_update = NOW;
	run(&REV_GOOD);
	assert_string_equal(ids(), "");
	assert_string_equal(G.grade, "A+");
	P.staple.next_update = NOW - 1;
	run(&REV_GOOD);
	assert_string_equal(ids(), "ocsp_staple_stale");
	assert_string_equal(G.grade, "A-");
	P.staple.status = STAPLE_INVALID;
	P.staple.next_update = NOW + DAY;
	snprintf(P.staple.detail, sizeof(P.staple.detail), "signer not in chain");
	run(&REV_GOOD);
	assert_string_equal(ids(), "ocsp_staple_invalid");
	assert_string_equal(G.findings[0].message, "the stapled OCSP response does not verify: signer not in chain");
}

static void test_chain_incomplete_caps_b(void **state)
{
	(void)state;
	F.chain_incomplete = true;
	run(&REV_GOOD);
	assert_string_equal(G.grade, "B");
	assert_string_equal(caps(), "B: incomplete certificate chain");
}

static void test_no_pass_no_grade(void **state)
{
	(void)state;
	F.name_mismatch = true;
	grade_compute(NULL, &F, &REV_GOOD, NOW, &G);
	assert_string_equal(G.grade, "");
	assert_string_equal(ids(), "name_mismatch");
	posture_init(&P);
	grade_compute(&P, &F, &REV_GOOD, NOW, &G);
	assert_string_equal(G.grade, "");
}

static void test_severity_order(void **state)
{
	(void)state;
	F.hsts_max_age_s = GRADE_HSTS_NONE;
	set(PPROTO_TLS10, PANS_ACCEPTED);
	F.name_mismatch = true;
	run(&REV_GOOD);
	assert_string_equal(ids(), "name_mismatch tls_legacy_offered hsts_missing");
	assert_string_equal(caps(), "M: certificate name mismatch | B: TLS 1.0 accepted");
}

static void test_facts_from_result(void **state)
{
	struct probe_result r;

	(void)state;
	probe_result_init(&r);
	grade_facts_from_result(&r, &F);
	assert_false(F.have_cert);
	assert_true(F.hsts_max_age_s == GRADE_HSTS_NONE);
	r.chain_len = 1;
	snprintf(r.chain[0].key_type, sizeof(r.chain[0].key_type), "EC");
	r.chain[0].key_bits = 256;
	snprintf(r.chain[0].sig_alg, sizeof(r.chain[0].sig_alg), "ecdsa-with-SHA256");
	r.chain[0].not_before = NOW;
	r.chain[0].not_after = NOW + 90 * DAY;
	r.verify.flags = VERIFY_UNKNOWN_ISSUER | VERIFY_CHAIN_INCOMPLETE;
	r.verify.hostname_ok = 0;
	r.hsts = strdup("max-age=31536000");
	grade_facts_from_result(&r, &F);
	assert_true(F.have_cert);
	assert_int_equal(F.lifetime_days, 90);
	assert_true(F.chain_incomplete);
	assert_false(F.untrusted); /* incomplete is its own B cap */
	assert_true(F.name_mismatch);
	assert_false(F.expired);
	assert_true(F.hsts_max_age_s == 31536000);
	r.verify.flags = VERIFY_UNKNOWN_ISSUER | VERIFY_EXPIRED;
	r.verify.hostname_ok = -1;
	grade_facts_from_result(&r, &F);
	assert_true(F.untrusted);
	assert_true(F.expired);
	assert_false(F.name_mismatch); /* not checked is no mismatch */
	probe_result_done(&r);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(posture_proto_names(PPROTO_TLS10)->key, "tls1.0");
	assert_string_equal(posture_proto_names(PPROTO_SSL2)->label, "SSLv2");
	assert_string_equal(posture_proto_names(PPROTO_N)->key, "?");
	assert_string_equal(posture_cat_names(PCAT_NULL_ANON_EXPORT)->key, "null_anon_export");
	assert_false(posture_cat_names(PCAT_AEAD)->weak);
	assert_string_equal(posture_answer_name(PANS_NOT_TESTABLE), "not testable");
	assert_string_equal(staple_status_name(STAPLE_EXPIRED), "expired");
	assert_string_equal(grade_severity_name(GSEV_WARN), "warn");
	assert_int_equal(posture_proto_of(11), PPROTO_TLS11);
	assert_int_equal(posture_proto_of(14), PPROTO_N);
	assert_int_equal(posture_highest(&P, 13), 13);
	assert_int_equal(posture_highest(&P, 12), 12);
	assert_int_equal(posture_highest(&P, 11), 0);
}

#define T(f) cmocka_unit_test_setup(f, modern)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_modern_is_a_plus), T(test_hsts_180_days_exactly), T(test_hsts_missing_disabled_invalid),
		T(test_no_tls13_is_a_minus), T(test_tls10_caps_b), T(test_tls11_alone_caps_b),
		T(test_no_tls12_caps_c), T(test_sslv2_is_f), T(test_sslv3_caps_b_and_f_when_best),
		T(test_expired_is_f_over_t), T(test_trust_is_t), T(test_revoked_is_t),
		T(test_name_mismatch_is_m_under_t), T(test_sha1_signature_is_t_md5_is_f),
		T(test_static_rsa_next_to_ecdhe_is_a_minus), T(test_no_fs_at_all_caps_b), T(test_no_aead_caps_b),
		T(test_weak_ciphers), T(test_cbc_sha1_is_info), T(test_key_sizes), T(test_lifetime_398_days),
		T(test_sct_count), T(test_staple_next_update), T(test_chain_incomplete_caps_b),
		T(test_no_pass_no_grade), T(test_severity_order), T(test_facts_from_result),
		T(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
