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

#include <cjson/cJSON.h>

#include "httpsmon/alert.h"
#include "httpsmon/alert_format.h"

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


#define T_SINCE 1796184600LL /* 2026-12-02T04:10:00Z */
#define T_NOW   1796186400LL /* 2026-12-02T04:40:00Z */

/* A down alert as the engine would fill it. */
static void mk(struct alert *a, enum alert_kind k, const char *ep, const char *reason, const char *msg)
{
	alert_init(a, k);
	a->time_s = T_NOW;
	alert_set(&a->endpoint, ep);
	alert_set(&a->url, "https://api.example.com/health?token=s3cret");
	alert_set(&a->state, k == ALERT_UP ? "UP" : "DOWN");
	alert_set(&a->reason, reason);
	alert_set(&a->message, msg);
	a->since_s = T_SINCE;
	a->failed_probes = 4;
	strlist_push(&a->tags, "prod");
	strlist_push(&a->tags, "eu-west");
}

static void group1(struct alert_group *g, enum alert_kind k, const char *ep, const char *reason, const char *msg)
{
	struct alert a;

	alert_group_init(g, k, T_NOW);
	mk(&a, k, ep, reason, msg);
	alert_group_take(g, &a);
}

static const char *jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsString(v));
	return v->valuestring;
}

static double jnum(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsNumber(v));
	return v->valuedouble;
}

static void assert_jnull(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsNull(v));
}

static void test_json_every_field(void **state)
{
	struct alert_group g;
	cJSON *j, *a;
	char *s;

	(void)state;
	group1(&g, ALERT_DOWN, "api-prod", "cert_expired", "certificate expired 3 days ago");
	s = alert_format_json(&g);
	j = cJSON_Parse(s);
	assert_non_null(j);
	assert_string_equal(jstr(j, "kind"), "down");
	assert_string_equal(jstr(j, "time"), "2026-12-02T04:40:00Z");
	assert_string_equal(jstr(j, "text"), "api-prod is DOWN: cert_expired: certificate expired 3 days ago\n");
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(j, "alerts")), 1);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "alerts"), 0);
	assert_string_equal(jstr(a, "endpoint"), "api-prod");
	assert_string_equal(jstr(a, "url"), "https://api.example.com/health?token=\xe2\x80\xa6");
	assert_string_equal(jstr(a, "state"), "DOWN");
	assert_string_equal(jstr(a, "reason"), "cert_expired");
	assert_string_equal(jstr(a, "message"), "certificate expired 3 days ago");
	assert_string_equal(jstr(a, "since"), "2026-12-02T04:10:00Z");
	assert_jnull(a, "duration_s");
	assert_jnull(a, "days_left");
	assert_int_equal((int)jnum(a, "failed_probes"), 4);
	assert_null(strstr(s, "s3cret"));
	cJSON_Delete(j);
	free(s);
	alert_group_done(&g);
}

static void test_json_up_numbers(void **state)
{
	struct alert_group g;
	cJSON *j, *a;
	char *s;

	(void)state;
	group1(&g, ALERT_UP, "api", "refused", NULL);
	g.v[0].end_s = T_NOW;
	g.v[0].duration_s = T_NOW - T_SINCE;
	g.v[0].has_days_left = true;
	g.v[0].days_left = -3;
	s = alert_format_json(&g);
	j = cJSON_Parse(s);
	a = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "alerts"), 0);
	assert_int_equal((int)jnum(a, "duration_s"), 1800);
	assert_int_equal((int)jnum(a, "days_left"), -3);
	assert_jnull(a, "message");
	assert_string_equal(jstr(j, "text"), "api is UP again after 30m00s (4 failed probes)\n");
	cJSON_Delete(j);
	free(s);
	alert_group_done(&g);
}

/* Text from the network: quotes, newlines, ESC, NUL-free but malformed UTF-8. */
#define HOSTILE "evil\"}\r\nX-Injected: 1\x1b[2J\xff\xfe end"

static void test_hostile_text_stays_data(void **state)
{
	struct alert_group g;
	char *outs[4];
	cJSON *j;

	(void)state;
	group1(&g, ALERT_DOWN, "api", "http_5xx", HOSTILE);
	outs[0] = alert_format_json(&g);
	outs[1] = alert_format_slack(&g);
	outs[2] = alert_format_am_v2(g.v, g.n, "box1", T_NOW + 240);
	outs[3] = alert_format_am_webhook(&g, "ops", "box1");
	for (int i = 0; i < 4; i++) {
		j = cJSON_Parse(outs[i]);
		assert_non_null(j); /* still valid JSON */
		assert_null(strchr(outs[i], '\x1b'));
		assert_null(strchr(outs[i], '\r'));
		assert_null(strchr(outs[i], '\n'));
		assert_null(strstr(outs[i], "\xff"));
		cJSON_Delete(j);
		free(outs[i]);
	}
	outs[0] = alert_format_slack(&g);
	j = cJSON_Parse(outs[0]);
	assert_string_equal(jstr(j, "text"),
			    "api is DOWN: http_5xx: evil\"}\\r\\nX-Injected: 1\\x1b[2J\\xff\\xfe end\n");
	cJSON_Delete(j);
	free(outs[0]);
	alert_group_done(&g);
}

static void test_group_text_counts_reasons(void **state)
{
	struct alert_group g;
	struct alert a;
	char *t, name[16];

	(void)state;
	alert_group_init(&g, ALERT_DOWN, T_NOW);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "ep%02d", i);
		mk(&a, ALERT_DOWN, name, i < 9 ? "dns" : "refused", i < 9 ? "could not resolve host" : NULL);
		alert_group_take(&g, &a);
	}
	t = alert_format_text(&g);
	assert_non_null(strstr(t, "12 endpoints DOWN: dns (9), refused (3)\n"));
	assert_int_equal(strstr(t, "12 endpoints") - t, 0);
	for (int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "- ep%02d: ", i);
		assert_non_null(strstr(t, name));
	}
	assert_non_null(strstr(t, "- ep00: dns: could not resolve host\n"));
	assert_non_null(strstr(t, "- ep11: refused\n"));
	free(t);
	t = alert_format_subject(&g);
	assert_string_equal(t, "[httpsmon] DOWN 12 endpoints: dns (9), refused (3)");
	free(t);
	alert_group_done(&g);
}

static void test_template(void **state)
{
	struct alert_group g;
	char err[256], *s;
	cJSON *j;

	(void)state;
	assert_int_equal(alert_template_check("{\"t\":\"{endpoint} {url} {state} {reason} {message} {since} "
					      "{duration} {kind} {text}\"}", err, sizeof(err)), 0);
	assert_int_equal(alert_template_check("{ \"a\": {}, {0}, {A} }", err, sizeof(err)), 0);
	assert_int_equal(alert_template_check("x {endpoint} {hostname}", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "{hostname}"));
	group1(&g, ALERT_DOWN, "api", "http_5xx", HOSTILE);
	g.v[0].duration_s = 125;
	s = alert_format_template(&g, "{\"title\":\"{kind} {endpoint} {state}\",\"body\":\"{message}\","
				       "\"since\":\"{since}\",\"d\":\"{duration}\",\"u\":\"{url}\",\"x\":\"{nope}\"}", true);
	j = cJSON_Parse(s);
	assert_non_null(j);
	assert_string_equal(jstr(j, "title"), "down api DOWN");
	assert_string_equal(jstr(j, "body"), "evil\"}\\r\\nX-Injected: 1\\x1b[2J\\xff\\xfe end");
	assert_string_equal(jstr(j, "since"), "2026-12-02T04:10:00Z");
	assert_string_equal(jstr(j, "d"), "2m05s");
	assert_string_equal(jstr(j, "u"), "https://api.example.com/health?token=\xe2\x80\xa6");
	assert_string_equal(jstr(j, "x"), "{nope}");
	cJSON_Delete(j);
	free(s);
	s = alert_format_template(&g, "{endpoint} is {state}: {reason}\n{text}", false);
	assert_string_equal(s, "api is DOWN: http_5xx\napi is DOWN: http_5xx: evil\"}\\r\\nX-Injected: 1"
			       "\\x1b[2J\\xff\\xfe end\n");
	free(s);
	alert_group_done(&g);
}

static const cJSON *obj(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	assert_non_null(v);
	assert_true(cJSON_IsObject(v));
	return v;
}

static void test_am_v2(void **state)
{
	struct alert v[3];
	const cJSON *a, *l, *an;
	cJSON *j;
	char *s;

	(void)state;
	mk(&v[0], ALERT_DOWN, "api-prod", "cert_expired", "expired 3 days ago (latency 143 ms)");
	mk(&v[1], ALERT_UP, "db", "refused", NULL);
	v[1].end_s = T_NOW - 60;
	mk(&v[2], ALERT_CERT_EXPIRING, "web", "cert_expiring", NULL);
	v[2].critical = true;
	v[2].has_days_left = true;
	v[2].days_left = 6;
	strlist_push(&v[2].tags, "team a/b");
	s = alert_format_am_v2(v, 3, "box1.example", T_NOW + 240);
	j = cJSON_Parse(s);
	assert_true(cJSON_IsArray(j));
	assert_int_equal(cJSON_GetArraySize(j), 3);
	a = cJSON_GetArrayItem(j, 0);
	l = obj(a, "labels");
	assert_int_equal(cJSON_GetArraySize(l), 7);
	assert_string_equal(jstr(l, "alertname"), "HttpsmonEndpointDown");
	assert_string_equal(jstr(l, "endpoint"), "api-prod");
	assert_string_equal(jstr(l, "reason"), "cert_expired");
	assert_string_equal(jstr(l, "severity"), "critical");
	assert_string_equal(jstr(l, "instance"), "box1.example");
	assert_string_equal(jstr(l, "tag_prod"), "true");
	assert_string_equal(jstr(l, "tag_eu_west"), "true");
	an = obj(a, "annotations");
	assert_string_equal(jstr(an, "summary"), "api-prod is DOWN: cert_expired: expired 3 days ago (latency 143 ms)");
	assert_string_equal(jstr(an, "description"), "expired 3 days ago (latency 143 ms)");
	assert_string_equal(jstr(an, "url"), "https://api.example.com/health?token=\xe2\x80\xa6");
	assert_string_equal(jstr(a, "startsAt"), "2026-12-02T04:10:00Z");
	assert_string_equal(jstr(a, "endsAt"), "2026-12-02T04:44:00Z");
	/* resolved: same labels as its firing alert, endsAt = the end */
	a = cJSON_GetArrayItem(j, 1);
	l = obj(a, "labels");
	assert_string_equal(jstr(l, "alertname"), "HttpsmonEndpointDown");
	assert_string_equal(jstr(l, "reason"), "refused");
	assert_string_equal(jstr(a, "endsAt"), "2026-12-02T04:39:00Z");
	a = cJSON_GetArrayItem(j, 2);
	l = obj(a, "labels");
	assert_string_equal(jstr(l, "alertname"), "HttpsmonCertExpiring");
	assert_string_equal(jstr(l, "severity"), "critical");
	assert_string_equal(jstr(l, "tag_team_a_b"), "true");
	assert_null(cJSON_GetObjectItem(l, "days_left"));
	assert_non_null(strstr(jstr(obj(a, "annotations"), "summary"), "6d"));
	cJSON_Delete(j);
	free(s);
	v[2].critical = false;
	s = alert_format_am_v2(&v[2], 1, "box1.example", T_NOW + 240);
	j = cJSON_Parse(s);
	assert_string_equal(jstr(obj(cJSON_GetArrayItem(j, 0), "labels"), "severity"), "warning");
	cJSON_Delete(j);
	free(s);
	for (int i = 0; i < 3; i++)
		alert_done(&v[i]);
}

static void test_am_webhook(void **state)
{
	struct alert_group g;
	struct alert a;
	const cJSON *al, *x;
	char fp1[32];
	cJSON *j;
	char *s;

	(void)state;
	alert_group_init(&g, ALERT_DOWN, T_NOW);
	mk(&a, ALERT_DOWN, "a1", "dns", "m1");
	alert_group_take(&g, &a);
	mk(&a, ALERT_DOWN, "a2", "dns", "m2");
	alert_group_take(&g, &a);
	s = alert_format_am_webhook(&g, "ops", "box1");
	j = cJSON_Parse(s);
	assert_string_equal(jstr(j, "version"), "4");
	assert_string_equal(jstr(j, "status"), "firing");
	assert_string_equal(jstr(j, "receiver"), "ops");
	assert_string_equal(jstr(j, "groupKey"), "{}:{alertname=\"HttpsmonEndpointDown\"}");
	assert_string_equal(jstr(obj(j, "groupLabels"), "alertname"), "HttpsmonEndpointDown");
	x = obj(j, "commonLabels");
	assert_string_equal(jstr(x, "reason"), "dns");
	assert_string_equal(jstr(x, "instance"), "box1");
	assert_null(cJSON_GetObjectItem(x, "endpoint")); /* differs */
	assert_null(cJSON_GetObjectItem(obj(j, "commonAnnotations"), "description"));
	al = cJSON_GetObjectItem(j, "alerts");
	assert_int_equal(cJSON_GetArraySize(al), 2);
	x = cJSON_GetArrayItem(al, 0);
	assert_string_equal(jstr(x, "status"), "firing");
	assert_string_equal(jstr(obj(x, "labels"), "endpoint"), "a1");
	assert_string_equal(jstr(obj(x, "annotations"), "description"), "m1");
	assert_string_equal(jstr(x, "startsAt"), "2026-12-02T04:10:00Z");
	assert_string_equal(jstr(x, "endsAt"), "0001-01-01T00:00:00Z");
	assert_int_equal(strlen(jstr(x, "fingerprint")), 16);
	snprintf(fp1, sizeof(fp1), "%s", jstr(x, "fingerprint"));
	assert_string_not_equal(fp1, jstr(cJSON_GetArrayItem(al, 1), "fingerprint"));
	cJSON_Delete(j);
	free(s);
	alert_group_done(&g);
	/* the resolved alert keeps its fingerprint: same labels */
	group1(&g, ALERT_UP, "a1", "dns", "other text");
	g.v[0].end_s = T_NOW;
	s = alert_format_am_webhook(&g, "ops", "box1");
	j = cJSON_Parse(s);
	assert_string_equal(jstr(j, "status"), "resolved");
	x = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "alerts"), 0);
	assert_string_equal(jstr(x, "status"), "resolved");
	assert_string_equal(jstr(x, "endsAt"), "2026-12-02T04:40:00Z");
	assert_string_equal(jstr(x, "fingerprint"), fp1);
	cJSON_Delete(j);
	free(s);
	alert_group_done(&g);
}

static void test_email(void **state)
{
	const char *to[] = { "ops@example.com", "b@example.com\r\nBcc: victim@example.com" };
	struct alert_group g;
	char *m, *hdr_end, *p;

	(void)state;
	group1(&g, ALERT_DOWN, "api-prod", "cert_expired", HOSTILE);
	m = alert_format_email(&g, "httpsmon@box1\r\nX-Evil: 1", to, 2, "box1", T_NOW);
	hdr_end = strstr(m, "\r\n\r\n");
	assert_non_null(hdr_end);
	*hdr_end = '\0';
	assert_non_null(strstr(m, "Date: Wed, 02 Dec 2026 04:40:00 +0000\r\n"));
	assert_int_equal(strncmp(m, "Date: ", 6), 0);
	assert_non_null(strstr(m, "\r\nMessage-ID: <1796186400."));
	assert_non_null(strstr(m, "@box1>\r\n"));
	assert_non_null(strstr(m, "\r\nFrom: httpsmon@box1X-Evil: 1\r\n"));
	assert_non_null(strstr(m, "\r\nTo: ops@example.com, b@example.comBcc: victim@example.com\r\n"));
	assert_non_null(strstr(m, "\r\nSubject: [httpsmon] DOWN api-prod: cert_expired\r\n"));
	assert_non_null(strstr(m, "\r\nContent-Type: text/plain; charset=utf-8\r\n"));
	/* every header line starts with a known name: nothing was injected */
	for (p = m; p; p = strstr(p, "\r\n") ? strstr(p, "\r\n") + 2 : NULL) {
		static const char *const names[] = { "Date:", "Message-ID:", "From:", "To:", "Subject:", "MIME-Version:",
						     "Content-Type:", "Content-Transfer-Encoding:", "Auto-Submitted:" };
		bool ok = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			ok = ok || strncmp(p, names[i], strlen(names[i])) == 0;
		assert_true(ok);
	}
	p = hdr_end + 4;
	assert_int_equal(strncmp(p, "api-prod is DOWN: cert_expired: evil\"}\\r\\nX-Injected: 1\\x1b[2J\\xff\\xfe end\r\n", 70), 0);
	assert_non_null(strstr(p, "\r\nreason:        cert_expired\r\n"));
	assert_non_null(strstr(p, "\r\nsince:         2026-12-02T04:10:00Z\r\n"));
	assert_non_null(strstr(p, "\r\nfailed probes: 4\r\n"));
	for (const char *q = p; *q; q++) /* bare LF or CR never */
		assert_true((*q != '\n' || q[-1] == '\r') && (*q != '\r' || q[1] == '\n'));
	free(m);
	alert_group_done(&g);
	/* a subject that is not ASCII is an RFC 2047 encoded word */
	group1(&g, ALERT_UP, "caf\xc3\xa9", "dns", NULL);
	g.v[0].duration_s = 60;
	p = alert_format_subject(&g);
	assert_string_equal(p, "[httpsmon] UP caf\xc3\xa9 after 1m00s");
	free(p);
	m = alert_format_email(&g, "a@b", to, 1, "box1", T_NOW);
	assert_non_null(strstr(m, "\r\nSubject: =?UTF-8?B?W2h0dHBzbW9uXSBVUCBjYWbDqSBhZnRlciAxbTAwcw==?=\r\n"));
	free(m);
	alert_group_done(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kind_names_pinned),
		cmocka_unit_test(test_copy_is_deep),
		cmocka_unit_test(test_group_owns_alerts),
		cmocka_unit_test(test_json_every_field),
		cmocka_unit_test(test_json_up_numbers),
		cmocka_unit_test(test_hostile_text_stays_data),
		cmocka_unit_test(test_group_text_counts_reasons),
		cmocka_unit_test(test_template),
		cmocka_unit_test(test_am_v2),
		cmocka_unit_test(test_am_webhook),
		cmocka_unit_test(test_email),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
