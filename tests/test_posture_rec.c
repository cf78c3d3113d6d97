/*
 * test_posture_rec: what changed between two posture passes, in words
 * (only definite answers compared), and a pass with its grade through the
 * JSON the history database keeps, back unchanged; text that is not such
 * a record, or holds values out of range, reads as nothing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/posture_rec.h"

static void modern(struct posture_rec *r, const char *grade)
{
	memset(r, 0, sizeof *r);
	posture_init(&r->p);
	r->t_ms = 1767225600123LL;
	r->p.started_ms = 1767225600000LL;
	r->p.took_ms = 123;
	r->p.handshakes = 9;
	r->p.complete = true;
	r->p.proto[PPROTO_SSL2].answer = PANS_NOT_TESTABLE;
	r->p.proto[PPROTO_SSL3].answer = PANS_NOT_TESTABLE;
	r->p.proto[PPROTO_TLS10].answer = PANS_REFUSED;
	r->p.proto[PPROTO_TLS11].answer = PANS_REFUSED;
	r->p.proto[PPROTO_TLS12].answer = PANS_ACCEPTED;
	r->p.proto[PPROTO_TLS13].answer = PANS_ACCEPTED;
	r->p.cat_version = 12;
	for (int c = 0; c < PCAT_N; c++)
		r->p.cat[c].answer = PANS_REFUSED;
	r->p.cat[PCAT_3DES].answer = PANS_NOT_TESTABLE;
	r->p.cat[PCAT_FS].answer = PANS_ACCEPTED;
	snprintf(r->p.version, sizeof r->p.version, "TLSv1.3");
	snprintf(r->p.cipher, sizeof r->p.cipher, "TLS_AES_256_GCM_SHA384");
	snprintf(r->p.group, sizeof r->p.group, "X25519");
	r->p.group_bits = 253;
	r->p.staple.stapled = true;
	r->p.staple.status = STAPLE_GOOD;
	snprintf(r->g.grade, sizeof r->g.grade, "%s", grade);
}

static void changes(const struct posture_rec *a, const struct posture_rec *b, int n, const char *want)
{
	char out[512];

	assert_int_equal(posture_changes(a, b, out, sizeof out), n);
	assert_string_equal(out, want);
}

static void test_changes(void **state)
{
	struct posture_rec a, b;

	(void)state;
	modern(&a, "A+");
	modern(&b, "A+");
	changes(NULL, &b, 0, "");
	changes(&a, &b, 0, "");
	b.p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	snprintf(b.g.grade, sizeof b.g.grade, "B");
	changes(&a, &b, 2, "now accepts TLS 1.0; grade A+ -> B");
	changes(&b, &a, 2, "TLS 1.0 no longer accepted; grade B -> A+");

	modern(&b, "A+");
	b.p.cat[PCAT_STATIC_RSA].answer = PANS_ACCEPTED;
	b.p.staple.stapled = false;
	b.p.staple.status = STAPLE_NONE;
	changes(&a, &b, 2, "now accepts static RSA key exchange (no forward secrecy); OCSP staple missing");
	b.p.staple.stapled = true;
	b.p.staple.status = STAPLE_EXPIRED;
	snprintf(b.p.group, sizeof b.p.group, "P-256");
	changes(&a, &b, 3, "now accepts static RSA key exchange (no forward secrecy); key exchange X25519 -> P-256; "
			   "OCSP staple good -> expired");

	/* "not testable here" and errors are not changes */
	modern(&a, "A");
	modern(&b, "A");
	a.p.cat[PCAT_3DES].answer = PANS_REFUSED;
	b.p.proto[PPROTO_TLS10].answer = PANS_ERROR;
	b.p.proto[PPROTO_TLS11].answer = PANS_NOT_TESTED;
	changes(&a, &b, 0, "");
	a.p.cat[PCAT_3DES].answer = PANS_ACCEPTED;
	b.p.cat[PCAT_3DES].answer = PANS_REFUSED;
	changes(&a, &b, 1, "3DES no longer accepted");
	/* a pass that got no handshake says nothing of the staple or the grade it could not make */
	b.p.version[0] = '\0';
	b.p.staple.stapled = false;
	b.g.grade[0] = '\0';
	changes(&a, &b, 1, "3DES no longer accepted");

	/* a short buffer is cut, never overrun */
	{
		char small[12];

		a.p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
		b.p.proto[PPROTO_TLS10].answer = PANS_REFUSED;
		assert_true(posture_changes(&a, &b, small, sizeof small) >= 1);
		assert_true(strlen(small) < sizeof small);
	}
}

static void test_json_round_trip(void **state)
{
	struct posture_rec a, b;
	char *s, *s2;

	(void)state;
	modern(&a, "B");
	snprintf(a.url, sizeof a.url, "https://api.example/\"x\"");
	a.p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	snprintf(a.p.proto[PPROTO_SSL3].reason, sizeof a.p.proto[0].reason, "not testable: \"libssl\"\n");
	a.p.cat[PCAT_STATIC_RSA].answer = PANS_ACCEPTED;
	a.p.cat[PCAT_STATIC_RSA].n_suites = 2;
	snprintf(a.p.cat[PCAT_STATIC_RSA].suites[0], 48, "AES128-GCM-SHA256");
	snprintf(a.p.cat[PCAT_STATIC_RSA].suites[1], 48, "AES256-SHA");
	a.p.cat[PCAT_STATIC_RSA].bits = 128;
	a.p.staple.status = STAPLE_EXPIRED;
	a.p.staple.next_update = 1767200000;
	a.p.staple.this_update = 1767100000;
	a.p.leaf_sct_count = 2;
	a.g.score = 83;
	a.g.proto_score = 90;
	a.g.n_caps = 2;
	snprintf(a.g.caps[0], 96, "B: TLS 1.0 accepted");
	snprintf(a.g.caps[1], 96, "B: no forward secrecy");
	a.g.n_findings = 1;
	snprintf(a.g.findings[0].id, 32, "tls_legacy_offered");
	a.g.findings[0].severity = GSEV_WARN;
	snprintf(a.g.findings[0].message, 200, "TLS 1.0 accepted");
	a.g.n_warnings = 1;

	s = posture_rec_to_json(&a);
	assert_int_equal(posture_rec_from_json(s, &b), 0);
	s2 = posture_rec_to_json(&b);
	assert_string_equal(s, s2);
	assert_int_equal(b.t_ms, a.t_ms);
	assert_string_equal(b.url, "https://api.example/\"x\"");
	assert_int_equal(b.p.proto[PPROTO_TLS10].answer, PANS_ACCEPTED);
	assert_string_equal(b.p.proto[PPROTO_SSL3].reason, "not testable: \"libssl\"\n");
	assert_int_equal(b.p.cat[PCAT_STATIC_RSA].n_suites, 2);
	assert_string_equal(b.p.cat[PCAT_STATIC_RSA].suites[1], "AES256-SHA");
	assert_int_equal(b.p.staple.status, STAPLE_EXPIRED);
	assert_int_equal(b.p.staple.next_update, 1767200000);
	assert_int_equal(b.p.leaf_sct_count, 2);
	assert_string_equal(b.g.grade, "B");
	assert_int_equal(b.g.n_caps, 2);
	assert_string_equal(b.g.caps[1], "B: no forward secrecy");
	assert_string_equal(b.g.findings[0].id, "tls_legacy_offered");
	assert_int_equal(b.g.findings[0].severity, GSEV_WARN);
	free(s);
	free(s2);
}

static void test_json_hostile(void **state)
{
	struct posture_rec r;

	(void)state;
	assert_int_equal(posture_rec_from_json(NULL, &r), -1);
	assert_int_equal(posture_rec_from_json("", &r), -1);
	assert_int_equal(posture_rec_from_json("[1,2]", &r), -1);
	assert_int_equal(posture_rec_from_json("{\"posture\":{}}", &r), -1);
	assert_int_equal(r.p.leaf_sct_count, -1);
	assert_string_equal(r.g.grade, "");
	/* out of range: not tested, none, cut */
	assert_int_equal(posture_rec_from_json("{\"t_ms\":-5,\"posture\":{\"proto\":[{\"answer\":99},"
					       "{\"answer\":1.5e300,\"suites\":[1,\"x\",\"y\",\"z\",\"w\",\"v\"]}],"
					       "\"staple\":{\"status\":-1,\"stapled\":true},\"handshakes\":1e9},"
					       "\"grade\":{\"grade\":\"ABCDEFGH\",\"caps\":[\"a\",2],\"findings\":[1,"
					       "{\"severity\":7}]}}", &r), 0);
	assert_int_equal(r.t_ms, 0);
	assert_int_equal(r.p.proto[0].answer, PANS_NOT_TESTED);
	assert_int_equal(r.p.proto[1].answer, PANS_NOT_TESTED);
	assert_int_equal(r.p.proto[1].n_suites, POSTURE_MAX_SUITES);
	assert_string_equal(r.p.proto[1].suites[0], "x");
	assert_int_equal(r.p.staple.status, STAPLE_NONE);
	assert_true(r.p.staple.stapled);
	assert_int_equal(r.p.handshakes, 0);
	assert_string_equal(r.g.grade, "AB");
	assert_int_equal(r.g.n_caps, 1);
	assert_int_equal(r.g.n_findings, 1);
	assert_int_equal(r.g.findings[0].severity, GSEV_INFO);
}

/* the key exchange's wording: a group, none though a handshake succeeded, no handshake at all */
static void test_group_text(void **state)
{
	struct posture p;

	(void)state;
	posture_init(&p);
	assert_string_equal(posture_group_text(&p), "unknown: no handshake succeeded");
	p.proto[PPROTO_TLS10].answer = PANS_ACCEPTED;
	assert_string_equal(posture_group_text(&p), "none: no handshake negotiated an ephemeral key");
	p.proto[PPROTO_TLS10].answer = PANS_REFUSED;
	snprintf(p.version, sizeof p.version, "TLSv1.2");
	assert_string_equal(posture_group_text(&p), "none: no handshake negotiated an ephemeral key");
	snprintf(p.group, sizeof p.group, "P-256");
	assert_string_equal(posture_group_text(&p), "P-256");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_json_round_trip),
		cmocka_unit_test(test_json_hostile),
		cmocka_unit_test(test_group_text),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
