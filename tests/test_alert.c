/*
 * test_alert: the alert record (alert.c): the pinned kind names both ways,
 * deep copies that survive the original, groups that own their alerts.
 * Formatter tests live here too as they arrive (they parse the payload
 * back with cJSON and check every field).
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

#include "httpsmon/alert.h"

static void test_kind_names_pinned(void **state)
{
	static const char *const want[] = { "down", "up", "warn", "warn_end", "cert_expiring",
					    "cert_changed", "reminder", "test", "local_network" };
	enum alert_kind k;

	(void)state;
	assert_int_equal(sizeof(want) / sizeof(want[0]), ALERT_KIND_COUNT);
	for (int i = 0; i < ALERT_KIND_COUNT; i++) {
		assert_string_equal(alert_kind_name((enum alert_kind)i), want[i]);
		assert_int_equal(alert_kind_parse(want[i], &k), 0);
		assert_int_equal(k, i);
	}
	assert_string_equal(alert_kind_name(ALERT_KIND_COUNT), "?");
	assert_int_equal(alert_kind_parse("Down", &k), -1);
	assert_int_equal(alert_kind_parse("", &k), -1);
	assert_int_equal(alert_kind_parse(NULL, &k), -1);
}

static void test_copy_is_deep(void **state)
{
	struct alert a, b;

	(void)state;
	alert_init(&a, ALERT_DOWN);
	assert_int_equal(a.duration_s, -1);
	assert_null(a.endpoint);
	alert_set(&a.endpoint, "api");
	alert_set(&a.reason, "dns");
	alert_set(&a.reason, "refused"); /* replaces, no leak */
	strlist_push(&a.tags, "prod");
	alert_copy(&b, &a);
	alert_done(&a);
	assert_null(a.endpoint);
	assert_int_equal(a.kind, ALERT_DOWN);
	assert_string_equal(b.endpoint, "api");
	assert_string_equal(b.reason, "refused");
	assert_null(b.message);
	assert_int_equal(b.tags.n, 1);
	assert_string_equal(b.tags.v[0], "prod");
	alert_done(&b);
	alert_done(NULL);
}

static void test_group_owns_alerts(void **state)
{
	struct alert_group g;
	struct alert a;

	(void)state;
	alert_group_init(&g, ALERT_DOWN, 1000);
	for (int i = 0; i < 50; i++) {
		char name[16];

		alert_init(&a, ALERT_DOWN);
		snprintf(name, sizeof(name), "ep%d", i);
		alert_set(&a.endpoint, name);
		if (i % 2)
			alert_group_add(&g, &a), alert_done(&a);
		else
			alert_group_take(&g, &a);
		assert_null(a.endpoint);
	}
	assert_int_equal(g.n, 50);
	assert_string_equal(g.v[0].endpoint, "ep0");
	assert_string_equal(g.v[49].endpoint, "ep49");
	alert_group_done(&g);
	assert_int_equal(g.n, 0);
	assert_null(g.v);
	alert_group_done(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names_pinned),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_group_owns_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
