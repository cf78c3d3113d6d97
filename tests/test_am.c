/*
 * test_am: the Alertmanager notifier's state machine (am.c) on a fake
 * clock: resend cadence and endsAt = now + 4 x resend while firing, endsAt
 * = the end for 5 minutes after a resolve, a changed label resolving the
 * old alert, events expiring, reminders ignored, ids acknowledged once.
 * Each round's body is parsed back with cJSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/am.h"

#define T0     1796184600000LL /* 2026-12-02T04:10:00Z, ms */
#define MIN    60000LL
#define RESEND MIN

static void push(struct am *m, enum alert_kind k, const char *ep, const char *reason, int64_t id, int64_t now)
{
	struct alert a;

	alert_init(&a, k);
	a.id = id;
	a.time_s = now / 1000;
	alert_set(&a.endpoint, ep);
	alert_set(&a.reason, reason);
	alert_set(&a.message, "latency 143 ms");
	a.since_s = T0 / 1000 - 30;
	if (k == ALERT_UP || k == ALERT_WARN_END) {
		a.end_s = now / 1000 - 5;
		a.duration_s = a.end_s - a.since_s;
	}
	am_push(m, &a, now);
	alert_done(&a);
}

/* The round at now: its body parsed (NULL when none was due). */
static cJSON *round_at(struct am *m, int64_t now, int64_t *next, struct am_round *r)
{
	*next = am_round(m, now, r);
	return r->body ? cJSON_Parse(r->body) : NULL;
}

static const char *field(const cJSON *arr, int i, const char *obj, const char *key)
{
	const cJSON *a = cJSON_GetArrayItem(arr, i);
	const cJSON *v;

	assert_non_null(a);
	v = obj ? cJSON_GetObjectItem(cJSON_GetObjectItem(a, obj), key) : cJSON_GetObjectItem(a, key);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static void test_firing_resend_and_resolve(void **state)
{
	struct am *m = am_new(RESEND, "box1");
	struct am_round r;
	int64_t next;
	cJSON *j;

	(void)state;
	assert_int_equal(am_round(m, T0, &r), -1); /* nothing yet */
	assert_null(r.body);
	push(m, ALERT_DOWN, "api", "refused", 7, T0);
	j = round_at(m, T0, &next, &r);
	assert_int_equal(next, RESEND);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	assert_string_equal(field(j, 0, "labels", "alertname"), "HttpsmonEndpointDown");
	assert_string_equal(field(j, 0, "labels", "reason"), "refused");
	assert_string_equal(field(j, 0, NULL, "startsAt"), "2026-12-02T04:09:30Z");
	assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:14:00Z"); /* + 4 x resend */
	assert_int_equal(r.nids, 1);
	assert_int_equal(r.ids[0], 7);
	am_acked(m, &r);
	am_round_done(&r);
	cJSON_Delete(j);
	/* not due one ms before resend; due exactly at it */
	j = round_at(m, T0 + RESEND - 1, &next, &r);
	assert_null(j);
	assert_int_equal(next, 1);
	j = round_at(m, T0 + RESEND, &next, &r);
	assert_non_null(j);
	assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:15:00Z");
	assert_int_equal(r.nids, 0); /* acknowledged already */
	am_round_done(&r);
	cJSON_Delete(j);
	/* a reminder changes nothing */
	push(m, ALERT_REMINDER, "api", "refused", 8, T0 + 90000);
	assert_null(round_at(m, T0 + 90000, &next, &r));
	/* the end: same labels, endsAt = the end, at once */
	push(m, ALERT_UP, "api", "refused", 9, T0 + 2 * MIN);
	j = round_at(m, T0 + 2 * MIN, &next, &r);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	assert_string_equal(field(j, 0, "labels", "alertname"), "HttpsmonEndpointDown");
	assert_string_equal(field(j, 0, "labels", "reason"), "refused");
	assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:11:55Z");
	assert_non_null(strstr(field(j, 0, "annotations", "summary"), "UP again"));
	assert_int_equal(r.nids, 1);
	assert_int_equal(r.ids[0], 9);
	am_acked(m, &r);
	am_round_done(&r);
	cJSON_Delete(j);
	/* repeated for 5 minutes, then gone */
	for (int i = 1; i <= 5; i++) {
		j = round_at(m, T0 + (2 + i) * MIN, &next, &r);
		assert_non_null(j);
		assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:11:55Z");
		am_round_done(&r);
		cJSON_Delete(j);
	}
	assert_int_equal(am_count(m), 1);
	assert_int_equal(am_round(m, T0 + 8 * MIN, &r), -1);
	assert_null(r.body);
	assert_int_equal(am_count(m), 0);
	am_free(m);
}

/*
 * A down and its up merged into one entry before any round was taken:
 * the round carries both outbox ids, and the acknowledgement settles
 * both (one left pending would never be marked delivered). A round nobody
 * took carries them again.
 */
static void test_merged_ids_all_carried(void **state)
{
	struct am *m = am_new(RESEND, "box1");
	struct am_round r;
	int64_t next;
	cJSON *j;

	(void)state;
	push(m, ALERT_DOWN, "api", "refused", 7, T0);
	push(m, ALERT_UP, "api", "refused", 8, T0 + 1000);
	j = round_at(m, T0 + 1000, &next, &r);
	assert_int_equal(cJSON_GetArraySize(j), 1);
	assert_int_equal(r.nids, 2);
	assert_int_equal(r.ids[0], 7);
	assert_int_equal(r.ids[1], 8);
	assert_int_equal(r.endpoints.n, 1);
	assert_string_equal(r.endpoints.v[0], "api");
	am_round_done(&r); /* not acknowledged */
	cJSON_Delete(j);
	am_due_at(m, T0 + 2000);
	j = round_at(m, T0 + 2000, &next, &r);
	assert_int_equal(r.nids, 2);
	am_acked(m, &r);
	am_round_done(&r);
	cJSON_Delete(j);
	j = round_at(m, T0 + 2000 + RESEND, &next, &r);
	assert_non_null(j);
	assert_int_equal(r.nids, 0);
	am_round_done(&r);
	cJSON_Delete(j);
	am_free(m);
}

static void test_changed_label_resolves_old(void **state)
{
	struct am *m = am_new(RESEND, "box1");
	struct am_round r;
	int64_t next;
	cJSON *j;

	(void)state;
	push(m, ALERT_DOWN, "api", "dns", 1, T0);
	(void)am_round(m, T0, &r);
	am_round_done(&r);
	push(m, ALERT_DOWN, "api", "dns", 0, T0 + 1000); /* same labels: still one alert */
	assert_int_equal(am_count(m), 1);
	push(m, ALERT_DOWN, "api", "refused", 2, T0 + 2000);
	assert_int_equal(am_count(m), 2);
	j = round_at(m, T0 + 2000, &next, &r);
	assert_int_equal(cJSON_GetArraySize(j), 2);
	assert_string_equal(field(j, 0, "labels", "reason"), "dns");
	assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:10:02Z");
	assert_string_equal(field(j, 1, "labels", "reason"), "refused");
	assert_string_equal(field(j, 1, NULL, "endsAt"), "2026-12-02T04:14:02Z");
	am_round_done(&r);
	cJSON_Delete(j);
	/* warn is its own alertname; warn_end resolves it, not the down */
	push(m, ALERT_WARN, "api", "slow", 3, T0 + 3000);
	push(m, ALERT_WARN_END, "api", "slow", 4, T0 + 4000);
	j = round_at(m, T0 + 4000, &next, &r);
	assert_int_equal(cJSON_GetArraySize(j), 3);
	assert_string_equal(field(j, 2, "labels", "alertname"), "HttpsmonEndpointWarn");
	assert_string_equal(field(j, 2, "labels", "severity"), "warning");
	assert_string_equal(field(j, 2, NULL, "endsAt"), "2026-12-02T04:09:59Z");
	assert_string_equal(field(j, 1, NULL, "endsAt"), "2026-12-02T04:14:04Z"); /* the down still fires */
	am_round_done(&r);
	cJSON_Delete(j);
	am_free(m);
}

static void test_events_expire_unacked_kept(void **state)
{
	struct am *m = am_new(RESEND, "box1");
	struct am_round r;
	int64_t next;
	cJSON *j;

	(void)state;
	push(m, ALERT_TEST, "ops-am", NULL, 5, T0);
	j = round_at(m, T0, &next, &r);
	assert_string_equal(field(j, 0, "labels", "alertname"), "HttpsmonTest");
	assert_string_equal(field(j, 0, NULL, "endsAt"), "2026-12-02T04:14:00Z");
	am_acked(m, &r);
	am_round_done(&r);
	cJSON_Delete(j);
	assert_int_equal(am_round(m, T0 + 4 * MIN + 1, &r), -1);
	assert_int_equal(am_count(m), 0);
	/* an up nobody acknowledged is kept past its 5 minutes */
	push(m, ALERT_UP, "db", "refused", 6, T0);
	(void)am_round(m, T0, &r);
	am_round_done(&r);
	(void)am_round(m, T0 + 6 * MIN, &r);
	assert_non_null(r.body);
	assert_int_equal(r.nids, 1);
	am_round_done(&r);
	am_free(m);
	am_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_firing_resend_and_resolve),
		cmocka_unit_test(test_merged_ids_all_carried),
		cmocka_unit_test(test_changed_label_resolves_old),
		cmocka_unit_test(test_events_expire_unacked_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
