/*
 * test_posture: the posture engine (posture.h) on the loop against the
 * standard lab: the in-flight cap holds on every pass of the loop and is
 * reached, every pass reports exactly once and never from inside
 * posture_submit, the protocol sweep reads single-version servers right,
 * a silent server costs one bounded handshake per step, a closed port ends
 * the pass at its first connection, and freeing the engine with passes
 * queued calls nobody back.
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

#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/posture.h"
#include "testlib.h"

static struct lab lab;

static const char *const servers[] = { "good", "tls12only", "tls13only", "tls10only", "hang", "closed" };
#define N (sizeof(servers) / sizeof(servers[0]))

struct seen {
	int calls[N];
	struct posture p[N];
	bool in_submit;
	int during_submit;
	struct config *cfg;
};

static void done_cb(void *arg, const struct endpoint *ep, const struct posture *p)
{
	struct seen *s = arg;
	size_t i = (size_t)(ep - s->cfg->eps);

	if (s->in_submit)
		s->during_submit++;
	s->calls[i]++;
	s->p[i] = *p;
}

static struct config *lab_config(int64_t timeout_ms)
{
	char *urls[N], err[256];
	struct endpoint base;
	struct config *cfg;

	for (size_t i = 0; i < N; i++)
		urls[i] = xasprintf("https://127.0.0.1:%d/", lab_port(&lab, servers[i]));
	endpoint_defaults(&base);
	base.timeout_ms = timeout_ms;
	cfg = config_from_urls(urls, N, &base, err, sizeof(err));
	endpoint_done(&base);
	for (size_t i = 0; i < N; i++)
		free(urls[i]);
	assert_non_null(cfg);
	/* only the silent server gets the short bound: the others answer, even under valgrind or ASan */
	for (size_t i = 0; i < N; i++)
		cfg->eps[i].timeout_ms = strcmp(servers[i], "hang") ? 10000 : timeout_ms;
	return cfg;
}

static void test_cap_and_answers(void **state)
{
	struct seen s = { 0 };
	char err[256];
	struct loop *l = loop_new(0, err, sizeof(err));
	struct posture_engine *e;
	int most = 0;

	(void)state;
	s.cfg = lab_config(300);
	e = posture_engine_new(l, 2, 5000, err, sizeof(err));
	assert_non_null(e);
	s.in_submit = true;
	for (size_t i = 0; i < N; i++)
		assert_int_equal(posture_submit(e, &s.cfg->eps[i], done_cb, &s), 0);
	s.in_submit = false;
	assert_int_equal(posture_engine_pending(e), N);
	while (posture_engine_pending(e) > 0) {
		assert_int_equal(loop_run_once(l), 0);
		assert_true(posture_engine_running(e) <= 2);
		if (posture_engine_running(e) > most)
			most = posture_engine_running(e);
	}
	assert_int_equal(most, 2);
	assert_int_equal(s.during_submit, 0);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(s.calls[i], 1);

	/* good: TLS 1.2 and 1.3 (the lab's EC leaf: no static RSA possible) */
	assert_true(s.p[0].complete);
	assert_int_equal(s.p[0].proto[PPROTO_TLS13].answer, PANS_ACCEPTED);
	assert_int_equal(s.p[0].proto[PPROTO_TLS12].answer, PANS_ACCEPTED);
	assert_int_equal(s.p[0].proto[PPROTO_TLS11].answer, PANS_REFUSED);
	assert_int_equal(s.p[0].proto[PPROTO_SSL2].answer, PANS_NOT_TESTABLE);
	assert_int_equal(s.p[0].cat_version, 12);
	assert_int_equal(s.p[0].cat[PCAT_STATIC_RSA].answer, PANS_REFUSED);
	assert_int_equal(s.p[0].cat[PCAT_3DES].answer, PANS_NOT_TESTABLE);
	assert_int_equal(s.p[0].cat[PCAT_FS].answer, PANS_ACCEPTED);
	assert_string_equal(s.p[0].group, "X25519");
	assert_int_equal(s.p[0].group_bits, 253);
	assert_string_equal(s.p[0].version, "TLSv1.3");
	/* single-version servers */
	assert_int_equal(posture_highest(&s.p[1], 13), 12);
	assert_int_equal(s.p[1].proto[PPROTO_TLS13].answer, PANS_REFUSED);
	assert_int_equal(posture_highest(&s.p[2], 13), 13);
	assert_int_equal(s.p[2].proto[PPROTO_TLS12].answer, PANS_REFUSED);
	assert_int_equal(s.p[2].cat_version, 0);
	assert_int_equal(s.p[2].cat[PCAT_FS].answer, PANS_NOT_TESTED);
	assert_int_equal(posture_highest(&s.p[3], 13), 10);
	assert_int_equal(s.p[3].cat_version, 10);
	assert_int_equal(s.p[3].cat[PCAT_AEAD].answer, PANS_REFUSED);
	/* hang: connected, then silence: each step one bounded handshake */
	assert_int_equal(s.p[4].proto[PPROTO_TLS10].answer, PANS_ERROR);
	assert_string_equal(s.p[4].proto[PPROTO_TLS10].reason, "no answer within 300 ms");
	assert_int_equal(s.p[4].handshakes, 5); /* four versions and the modern client; no category */
	/* closed: the pass ends at its first connection */
	assert_false(s.p[5].complete);
	assert_int_equal(s.p[5].handshakes, 1);
	assert_non_null(strstr(s.p[5].error, "Connection refused"));

	posture_engine_free(e);
	loop_free(l);
	config_unref(s.cfg);
}

static void test_free_with_queue_calls_nobody(void **state)
{
	struct seen s = { 0 };
	char err[256];
	struct loop *l = loop_new(0, err, sizeof(err));
	struct posture_engine *e = posture_engine_new(l, 1, 5000, err, sizeof(err));

	(void)state;
	s.cfg = lab_config(2000);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(posture_submit(e, &s.cfg->eps[i], done_cb, &s), 0);
	assert_int_equal(loop_run_once(l), 0); /* the first pass starts */
	posture_engine_free(e);
	for (size_t i = 0; i < N; i++)
		assert_int_equal(s.calls[i], 0);
	loop_free(l);
	config_unref(s.cfg);
}

static int setup(void **state)
{
	(void)state;
	return lab_start(&lab);
}

static int teardown(void **state)
{
	(void)state;
	lab_stop(&lab);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_and_answers),
		cmocka_unit_test(test_free_with_queue_calls_nobody),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
