/*
 * test_revoke: revocation. The pure half (names, freshness boundaries, how
 * certificates' statuses make the chain's, the one line shown) and the
 * engine's CRL and OCSP parsing and verification on objects made here with
 * OpenSSL (revoke_int.h), each boundary tested exactly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "httpsmon/revoke.h"

#define NOW 1795132800LL /* 2026-11-20T00:00:00Z */
#define HOUR 3600LL

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(revoke_status_name(REVOKE_GOOD), "good");
	assert_string_equal(revoke_status_name(REVOKE_REVOKED), "revoked");
	assert_string_equal(revoke_status_name(REVOKE_UNKNOWN), "unknown");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_CRL), "crl");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_OCSP), "ocsp");
	assert_string_equal(revoke_method_name(REVOKE_METHOD_NONE), "");
	assert_string_equal(revoke_reason_name(0), "unspecified");
	assert_string_equal(revoke_reason_name(-1), "unspecified");
	assert_string_equal(revoke_reason_name(1), "keyCompromise");
	assert_string_equal(revoke_reason_name(2), "cACompromise");
	assert_string_equal(revoke_reason_name(6), "certificateHold");
	assert_string_equal(revoke_reason_name(7), "unknown"); /* not used by RFC 5280 */
	assert_string_equal(revoke_reason_name(8), "removeFromCRL");
	assert_string_equal(revoke_reason_name(10), "aACompromise");
	assert_string_equal(revoke_reason_name(11), "unknown");
	assert_string_equal(revoke_reason_name(-2), "unknown");
}

/* An answer is fresh strictly before nextUpdate and strictly before fetched + interval. */
static void test_fresh_boundaries(void **state)
{
	(void)state;
	/* nextUpdate exactly now: stale, as OpenSSL's CRL check has it */
	assert_true(revoke_stale(NOW, NOW));
	assert_false(revoke_stale(NOW + 1, NOW));
	assert_true(revoke_stale(NOW - 1, NOW));
	assert_false(revoke_stale(0, NOW)); /* no nextUpdate given */
	assert_false(revoke_fresh(NOW - 10, NOW, 6 * HOUR, NOW));
	assert_true(revoke_fresh(NOW - 10, NOW + 1, 6 * HOUR, NOW));
	/* the interval caps an answer with a far nextUpdate */
	assert_true(revoke_fresh(NOW - 6 * HOUR + 1, NOW + 7 * 24 * HOUR, 6 * HOUR, NOW));
	assert_false(revoke_fresh(NOW - 6 * HOUR, NOW + 7 * 24 * HOUR, 6 * HOUR, NOW));
	/* no nextUpdate: the interval alone */
	assert_true(revoke_fresh(NOW - 59, 0, 60, NOW));
	assert_false(revoke_fresh(NOW - 60, 0, 60, NOW));
	/* a failure is retried after 5 minutes, or the interval when shorter */
	assert_int_equal(revoke_retry_at(NOW, 6 * HOUR), NOW + REVOKE_RETRY_S);
	assert_int_equal(revoke_retry_at(NOW, 60), NOW + 60);
	assert_int_equal(revoke_retry_at(NOW, REVOKE_RETRY_S), NOW + REVOKE_RETRY_S);
}

static struct revocation cert_status(enum revoke_status st, bool pending, const char *detail)
{
	struct revocation r = { .checked = true, .status = st, .pending = pending };

	snprintf(r.detail, sizeof r.detail, "%s", detail);
	if (st != REVOKE_UNKNOWN)
		r.method = REVOKE_METHOD_CRL;
	return r;
}

/* Revoked beats unknown beats good; among equals the leaf side stays; pending carries over. */
static void test_fold(void **state)
{
	struct revocation chain = { .checked = true }, c;

	(void)state;
	c = cert_status(REVOKE_GOOD, false, "leaf ok");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_UNKNOWN, true, "inter pending");
	revocation_fold(&chain, &c, 1);
	assert_int_equal(chain.status, REVOKE_UNKNOWN);
	assert_true(chain.pending);
	assert_int_equal(chain.depth, 1);
	assert_int_equal(chain.certs, 2);
	assert_string_equal(chain.detail, "inter pending");

	memset(&chain, 0, sizeof chain);
	c = cert_status(REVOKE_UNKNOWN, false, "leaf unknown");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_UNKNOWN, false, "inter unknown");
	revocation_fold(&chain, &c, 1);
	assert_string_equal(chain.detail, "leaf unknown");
	assert_int_equal(chain.depth, 0);
	c = cert_status(REVOKE_REVOKED, false, "inter revoked");
	revocation_fold(&chain, &c, 2);
	assert_int_equal(chain.status, REVOKE_REVOKED);
	assert_int_equal(chain.depth, 2);
	assert_int_equal(chain.certs, 3);
	assert_true(chain.checked);

	/* a revoked chain is not pending, whatever else is in flight */
	c = cert_status(REVOKE_UNKNOWN, true, "late");
	revocation_fold(&chain, &c, 3);
	assert_int_equal(chain.status, REVOKE_REVOKED);
	assert_false(chain.pending);

	memset(&chain, 0, sizeof chain);
	c = cert_status(REVOKE_GOOD, false, "a");
	revocation_fold(&chain, &c, 0);
	c = cert_status(REVOKE_GOOD, false, "b");
	revocation_fold(&chain, &c, 1);
	assert_int_equal(chain.status, REVOKE_GOOD);
	assert_int_equal(chain.depth, 0);
	assert_string_equal(chain.detail, "a");
}

static void test_line(void **state)
{
	struct revocation rv = { .checked = true, .status = REVOKE_REVOKED, .method = REVOKE_METHOD_CRL,
				 .revoked_at = NOW + 5 * HOUR, .certs = 2, .checked_at = NOW };
	char out[512];

	(void)state;
	snprintf(rv.reason, sizeof rv.reason, "keyCompromise");
	snprintf(rv.source, sizeof rv.source, "http://127.0.0.1:8080/ca.crl");
	revocation_line(&rv, NOW + 6 * HOUR, out, sizeof out);
	assert_string_equal(out, "REVOKED on 2026-11-20 (keyCompromise) according to the CRL of http://127.0.0.1:8080/ca.crl");

	rv.status = REVOKE_GOOD;
	rv.method = REVOKE_METHOD_OCSP;
	snprintf(rv.source, sizeof rv.source, "http://127.0.0.1:8081/");
	revocation_line(&rv, NOW + 180, out, sizeof out);
	assert_string_equal(out, "good (OCSP http://127.0.0.1:8081/, checked 3m ago, 2 certificates)");

	rv.status = REVOKE_UNKNOWN;
	rv.pending = true;
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "unknown: lookup in progress");
	rv.pending = false;
	snprintf(rv.detail, sizeof rv.detail, "no CRL distribution point and no OCSP URL");
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "unknown: no CRL distribution point and no OCSP URL");
	rv.checked = false;
	revocation_line(&rv, NOW, out, sizeof out);
	assert_string_equal(out, "not checked");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_fresh_boundaries),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_line),
	};

	return cmocka_run_group_tests_name("revoke", tests, NULL, NULL);
}
