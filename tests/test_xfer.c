/*
 * test_xfer: alert deliveries against real receivers on loopback, driven
 * on the probe engine's multi handle through the event loop, as the
 * collector runs them: the HTTP receiver (tests/lib/receiver.py), the SMTP
 * sink (tests/lib/smtpsink.py, plain and STARTTLS with a self-signed
 * certificate) and a real Prometheus Alertmanager fed by the am state
 * machine. One of each is started for the whole file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/alert_format.h"
#include "httpsmon/am.h"
#include "httpsmon/am_send.h"
#include "httpsmon/loop.h"
#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "httpsmon/xfer.h"
#include "testlib.h"

#define PY "/usr/bin/python3"
#define AM_BIN "/usr/bin/prometheus-alertmanager"

struct world {
	char *dir;
	pid_t recv, smtp, smtps, am;
	int recv_port, smtp_port, smtps_port, am_port;
	struct loop *l;
	struct prober *p;
};
static struct world W;

static char *path(const char *sub, const char *name)
{
	return xasprintf("%s/%s/%s", W.dir, sub, name);
}

static char *slurp(const char *file)
{
	FILE *f = fopen(file, "r");
	struct strbuf b = { 0 };
	char buf[4096];
	size_t n;

	if (!f)
		return NULL;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		strbuf_append(&b, buf, n);
	fclose(f);
	return b.s ? b.s : xstrdup("");
}

/* Polls for file up to 20 s (a loaded machine); its content or NULL. */
static char *wait_file(const char *file)
{
	for (int i = 0; i < 200; i++) {
		char *s = slurp(file);

		if (s && *s)
			return s;
		free(s);
		usleep(100000);
	}
	return NULL;
}

static pid_t spawn(const char *const argv[])
{
	pid_t pid = fork();

	if (pid == 0) {
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(126);
		execv(argv[0], (char *const *)(uintptr_t)argv); /* execv's prototype predates const */
		_exit(127);
	}
	return pid;
}

/* Starts a receiver script in dir/sub; its port. */
static int start_py(const char *script, const char *sub, pid_t *pid, const char *cert, const char *key)
{
	char *d = xasprintf("%s/%s", W.dir, sub), *pf = path(sub, "port"), *port;
	const char *argv[] = { PY, script, d, cert, key, NULL };
	int n;

	mkdir(d, 0700);
	*pid = spawn(argv);
	port = wait_file(pf);
	n = port ? atoi(port) : -1;
	free(port);
	free(pf);
	free(d);
	return n;
}

static int free_port(void)
{
	char *d = xasprintf("%s/fp", W.dir), *out;
	const char *argv[] = { PY, "-c",
			 "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1',0)); "
				 "open(sys.argv[1],'w').write(str(s.getsockname()[1]))",
			 d, NULL };
	pid_t pid = spawn(argv);
	int st, n;

	waitpid(pid, &st, 0);
	out = slurp(d);
	n = out ? atoi(out) : -1;
	unlink(d);
	free(out);
	free(d);
	return n;
}

/* GET url with libcurl directly (the test's own client); the body or NULL. */
static char *http_get(const char *url)
{
	CURL *c = curl_easy_init();
	FILE *f;
	char *file = xasprintf("%s/get.out", W.dir), *s = NULL;
	long status = 0;

	f = fopen(file, "w");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(c) == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	fclose(f);
	curl_easy_cleanup(c);
	if (status == 200)
		s = slurp(file);
	free(file);
	return s;
}

static void write_text(const char *sub, const char *name, const char *text)
{
	char *f = path(sub, name);
	FILE *fp = fopen(f, "w");

	fputs(text, fp);
	fclose(fp);
	free(f);
}

static int start_am(void)
{
	char *cfg = xasprintf("%s/am.yml", W.dir), *data = xasprintf("--storage.path=%s/amdata", W.dir);
	char *cflag = xasprintf("--config.file=%s", cfg), *listen, *ready;
	FILE *f = fopen(cfg, "w");

	fputs("global:\n  resolve_timeout: 1s\nroute:\n  receiver: none\nreceivers:\n  - name: none\n", f);
	fclose(f);
	W.am_port = free_port();
	listen = xasprintf("--web.listen-address=127.0.0.1:%d", W.am_port);
	{
		const char *argv[] = { AM_BIN, cflag, data, listen, "--cluster.listen-address=",
				 "--log.level=error", NULL };

		W.am = spawn(argv);
	}
	ready = xasprintf("http://127.0.0.1:%d/-/ready", W.am_port);
	for (int i = 0; i < 200; i++) {
		char *s = http_get(ready);

		if (s) {
			free(s);
			break;
		}
		usleep(100000);
	}
	free(ready);
	free(listen);
	free(cflag);
	free(data);
	free(cfg);
	return 0;
}

static void probe_cb(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	(void)ud, (void)ep, (void)tag, (void)r;
}

static int setup(void **state)
{
	char err[256], *crt, *key;

	(void)state;
	W.dir = tl_mkdtemp();
	W.recv_port = start_py("tests/lib/receiver.py", "recv", &W.recv, NULL, NULL);
	W.smtp_port = start_py("tests/lib/smtpsink.py", "smtp", &W.smtp, NULL, NULL);
	/* a self-signed certificate for 127.0.0.1, for STARTTLS */
	crt = xasprintf("%s/smtp.crt", W.dir);
	key = xasprintf("%s/smtp.key", W.dir);
	{
		const char *argv[] = { "/usr/bin/openssl", "req", "-x509", "-newkey",
				 "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
				 "-nodes", "-days", "2", "-subj",
				 "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
				 "-keyout", key, "-out", crt, NULL };
		int st;

		waitpid(spawn(argv), &st, 0);
	}
	W.smtps_port = start_py("tests/lib/smtpsink.py", "smtps", &W.smtps, crt, key);
	free(crt);
	free(key);
	start_am();
	W.l = loop_new(0, err, sizeof(err));
	W.p = prober_new(4, probe_cb, NULL, err, sizeof(err));
	prober_attach(W.p, W.l);
	return W.recv_port > 0 && W.smtp_port > 0 && W.smtps_port > 0 && W.l && W.p ? 0 : -1;
}

static int teardown(void **state)
{
	pid_t pids[] = { W.recv, W.smtp, W.smtps, W.am };

	(void)state;
	prober_free(W.p);
	loop_free(W.l);
	for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		if (pids[i] > 0) {
			kill(pids[i], SIGTERM);
			waitpid(pids[i], NULL, 0);
		}
	}
	tl_rmrf(W.dir);
	free(W.dir);
	return 0;
}

/* A delivery run to its end on the loop. */
struct outcome {
	bool done;
	struct xfer_result r;
};

static void done_cb(struct xfer *x, const struct xfer_result *r, void *ud)
{
	struct outcome *o = ud;

	o->r = *r;
	o->done = true;
	xfer_free(x);
}

static struct xfer_result run(struct xfer *x)
{
	struct outcome o = { 0 };
	int64_t end = util_mono_us() + 20 * 1000000LL;

	assert_non_null(x);
	assert_int_equal(xfer_start(x, W.p, done_cb, &o), 0);
	while (!o.done && util_mono_us() < end)
		loop_run_once(W.l);
	assert_true(o.done);
	assert_int_equal(prober_easy_running(W.p), 0);
	return o.r;
}

/* The last request the HTTP receiver recorded, parsed. */
static cJSON *last_request(void)
{
	char *f = path("recv", "requests.jsonl"), *s = slurp(f), *line;
	cJSON *j;

	free(f);
	assert_non_null(s);
	s[strlen(s) - 1] = '\0';
	line = strrchr(s, '\n');
	j = cJSON_Parse(line ? line + 1 : s);
	free(s);
	assert_non_null(j);
	return j;
}

static void test_http_post_delivered(void **state)
{
	const char *hdrs[] = { "Authorization: Bearer t0ken", "X-Title: httpsmon" };
	char url[128], err[256];
	struct xfer_result r;
	cJSON *j, *h;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/hook/ops", W.recv_port);
	write_text("recv", "status", "200");
	r = run(xfer_http_post(&(struct xfer_http){ .url = url, .headers = hdrs, .nheaders = 2 }, "{\"a\":1}", 7,
			       err, sizeof(err)));
	assert_true(r.delivered);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.detail, "HTTP 200: ok");
	j = last_request();
	assert_string_equal(cJSON_GetObjectItem(j, "method")->valuestring, "POST");
	assert_string_equal(cJSON_GetObjectItem(j, "path")->valuestring, "/hook/ops");
	assert_string_equal(cJSON_GetObjectItem(j, "body")->valuestring, "{\"a\":1}");
	h = cJSON_GetObjectItem(j, "headers");
	assert_string_equal(cJSON_GetObjectItem(h, "Content-Type")->valuestring, "application/json");
	assert_string_equal(cJSON_GetObjectItem(h, "Authorization")->valuestring, "Bearer t0ken");
	assert_string_equal(cJSON_GetObjectItem(h, "X-Title")->valuestring, "httpsmon");
	assert_non_null(strstr(cJSON_GetObjectItem(h, "User-Agent")->valuestring, "httpsmon/"));
	cJSON_Delete(j);
}

static void test_http_failures(void **state)
{
	char url[160], err[256];
	struct xfer_result r;
	struct xfer_http h = { .url = url, .content_type = "text/plain" };

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?token=s3cret", W.recv_port);
	write_text("recv", "status", "503");
	write_text("recv", "answer", "down for \x1b[31mmaintenance\nsecond line");
	r = run(xfer_http_post(&h, "hi", 2, err, sizeof(err)));
	assert_false(r.delivered);
	assert_int_equal(r.status, 503);
	assert_string_equal(r.detail, "HTTP 503: down for \\x1b[31mmaintenance");
	write_text("recv", "status", "299");
	write_text("recv", "answer", "");
	assert_true(run(xfer_http_post(&h, "hi", 2, err, sizeof(err))).delivered);
	write_text("recv", "status", "300"); /* not 2xx, and never followed */
	assert_false(run(xfer_http_post(&h, "hi", 2, err, sizeof(err))).delivered);
	write_text("recv", "status", "200");
	/* nobody listening: refused, no status, no secret in the detail */
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/x?token=s3cret", free_port());
	r = run(xfer_http_post(&h, "hi", 2, err, sizeof(err)));
	assert_false(r.delivered);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.detail, "onnect"));
	assert_null(strstr(r.detail, "s3cret"));
	/* only http(s) */
	snprintf(url, sizeof(url), "file:///etc/passwd");
	assert_null(xfer_http_post(&h, "hi", 2, err, sizeof(err)));
	assert_non_null(strstr(err, "http://"));
}

/* The n-th mail the sink stored, parsed (waits for it). */
static cJSON *mail(const char *sub, int n)
{
	char name[32], *f, *s;
	cJSON *j;

	snprintf(name, sizeof(name), "mail-%d.json", n);
	f = path(sub, name);
	s = wait_file(f);
	free(f);
	assert_non_null(s);
	j = cJSON_Parse(s);
	free(s);
	return j;
}

static char *email_text(const char *const *to, size_t nto)
{
	struct alert_group g;
	struct alert a;
	char *m;

	alert_group_init(&g, ALERT_DOWN, time(NULL));
	alert_init(&a, ALERT_DOWN);
	alert_set(&a.endpoint, "api-prod");
	alert_set(&a.reason, "cert_expired");
	alert_set(&a.message, "certificate expired 3 days ago\n.\nnot the end");
	alert_group_take(&g, &a);
	m = alert_format_email(&g, "httpsmon <mon@box1.test>", to, nto, "box1.test", time(NULL));
	alert_group_done(&g);
	return m;
}

static void test_email_to_sink(void **state)
{
	const char *to[] = { "ops@example.test", "Second <b@example.test>" };
	char url[64], err[256], *m = email_text(to, 2);
	struct xfer_smtp s = { .smtp_url = url, .from = "httpsmon <mon@box1.test>", .to = to, .nto = 2 };
	struct xfer_result r;
	cJSON *j, *rc;

	(void)state;
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", W.smtp_port);
	r = run(xfer_smtp(&s, m, err, sizeof(err)));
	assert_true(r.delivered);
	assert_int_equal(r.status, 250);
	assert_string_equal(r.detail, "SMTP 250 2.0.0 Ok: queued as sink1");
	j = mail("smtp", 1);
	assert_string_equal(cJSON_GetObjectItem(j, "mail_from")->valuestring, "mon@box1.test");
	rc = cJSON_GetObjectItem(j, "rcpt_tos");
	assert_int_equal(cJSON_GetArraySize(rc), 2);
	assert_string_equal(cJSON_GetArrayItem(rc, 0)->valuestring, "ops@example.test");
	assert_string_equal(cJSON_GetArrayItem(rc, 1)->valuestring, "b@example.test");
	assert_non_null(strstr(cJSON_GetObjectItem(j, "data")->valuestring,
			       "Subject: [httpsmon] DOWN api-prod: cert_expired\r\n"));
	assert_non_null(strstr(cJSON_GetObjectItem(j, "data")->valuestring, "To: ops@example.test, Second <b@example.test>\r\n"));
	cJSON_Delete(j);
	/* a control character in an address never reaches the SMTP dialogue */
	{
		const char *bad[] = { "ops@example.test>\r\nRCPT TO:<victim@example.test" };

		s.to = bad;
		s.nto = 1;
		assert_null(xfer_smtp(&s, m, err, sizeof(err)));
		assert_non_null(strstr(err, "control character"));
	}
	free(m);
}

static void test_email_starttls(void **state)
{
	const char *to[] = { "ops@example.test" };
	char url[64], err[256], *m = email_text(to, 1), *ca = xasprintf("%s/smtp.crt", W.dir);
	struct xfer_smtp s = { .smtp_url = url, .starttls = true, .from = "mon@box1.test", .to = to, .nto = 1,
			       .ca_file = ca };
	struct xfer_result r;
	cJSON *j;

	(void)state;
	snprintf(url, sizeof(url), "smtp://127.0.0.1:%d", W.smtps_port);
	/* without STARTTLS the sink refuses: the SMTP reply says why (first, on
	 * a fresh connection: curl may reuse a TLS one for a later transfer) */
	s.starttls = false;
	r = run(xfer_smtp(&s, m, err, sizeof(err)));
	if (r.delivered)
		fail_msg("delivered without STARTTLS: %s", r.detail);
	assert_int_equal(r.status, 530);
	if (!strstr(r.detail, "SMTP 530")) fail_msg("%s", r.detail);
	s.starttls = true;
	r = run(xfer_smtp(&s, m, err, sizeof(err)));
	if (!r.delivered)
		fail_msg("%s", r.detail);
	j = mail("smtps", 1);
	assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "tls")));
	cJSON_Delete(j);
	/* with STARTTLS but not trusting the certificate: not delivered */
	s.ca_file = NULL;
	r = run(xfer_smtp(&s, m, err, sizeof(err)));
	assert_false(r.delivered);
	assert_non_null(strstr(r.detail, "certificate"));
	free(ca);
	free(m);
}

/* Alertmanager's alerts for endpoint ep: the first one or NULL (in *all, the array). */
static cJSON *am_find(const char *ep, cJSON **all)
{
	char url[128], *s;

	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2/alerts", W.am_port);
	s = http_get(url);
	assert_non_null(s);
	*all = cJSON_Parse(s);
	free(s);
	for (cJSON *a = (*all)->child; a; a = a->next) {
		cJSON *e = cJSON_GetObjectItem(cJSON_GetObjectItem(a, "labels"), "endpoint");

		if (e && strcmp(e->valuestring, ep) == 0)
			return a;
	}
	return NULL;
}

/* One round of m to Alertmanager, as the engine does it. */
static void am_send(struct am *m, int64_t now_ms)
{
	char url[128], err[256];
	struct am_round r;
	struct xfer_result res;

	(void)am_round(m, now_ms, &r);
	assert_non_null(r.body);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/api/v2/alerts", W.am_port);
	res = run(xfer_http_post(&(struct xfer_http){ .url = url }, r.body, strlen(r.body), err, sizeof(err)));
	assert_true(res.delivered);
	am_acked(m, &r);
	am_round_done(&r);
}

static void test_alertmanager(void **state)
{
	struct am *m = am_new(2000, "box1");
	struct alert a;
	int64_t t = util_now_ms();
	cJSON *all, *x;

	(void)state;
	alert_init(&a, ALERT_DOWN);
	alert_set(&a.endpoint, "api-prod");
	alert_set(&a.reason, "refused");
	alert_set(&a.message, "connect: Connection refused");
	strlist_push(&a.tags, "prod");
	a.since_s = t / 1000 - 60;
	a.time_s = t / 1000;
	am_push(m, &a, t);
	am_send(m, t);
	x = am_find("api-prod", &all);
	assert_non_null(x);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "status"), "state")->valuestring, "active");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "labels"), "alertname")->valuestring,
			    "HttpsmonEndpointDown");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "labels"), "severity")->valuestring, "critical");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "labels"), "tag_prod")->valuestring, "true");
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "annotations"), "description")->valuestring,
			    "connect: Connection refused");
	cJSON_Delete(all);
	/* past resolve_timeout (1 s): the resends' endsAt keeps it active */
	usleep(2100000);
	am_send(m, t + 2100);
	x = am_find("api-prod", &all);
	assert_non_null(x);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "status"), "state")->valuestring, "active");
	cJSON_Delete(all);
	/* recovery: resolved (endsAt in the past: no longer listed as active) */
	alert_done(&a);
	alert_init(&a, ALERT_UP);
	alert_set(&a.endpoint, "api-prod");
	alert_set(&a.reason, "refused");
	strlist_push(&a.tags, "prod");
	a.since_s = t / 1000 - 60;
	a.end_s = t / 1000 - 1;
	am_push(m, &a, t + 2200);
	am_send(m, t + 2200);
	x = am_find("api-prod", &all);
	assert_null(x);
	cJSON_Delete(all);
	alert_done(&a);
	am_free(m);
}

struct am_log {
	int delivered, failed;
	int64_t ids[8];
	size_t nids;
};

static void am_log_cb(void *ud, const struct am_send_report *rep)
{
	struct am_log *lg = ud;

	assert_int_equal(rep->nmembers, 2);
	assert_true(rep->accepted); /* the live member takes every round */
	assert_int_equal(rep->nalerts, 1);
	assert_int_equal(rep->endpoints->n, 1);
	assert_string_equal(rep->endpoints->v[0], "db-prod");
	for (size_t i = 0; i < rep->nmembers; i++) {
		if (rep->members[i].r.delivered)
			lg->delivered++;
		else
			lg->failed++;
	}
	for (size_t i = 0; i < rep->nids && lg->nids < 8; i++)
		lg->ids[lg->nids++] = rep->ids[i];
}

/* Runs the loop until the alert for ep is (want) listed by Alertmanager, or secs pass. */
static bool loop_until_listed(const char *ep, bool want, int secs)
{
	int64_t end = util_mono_us() + secs * 1000000LL, next = 0;

	while (util_mono_us() < end) {
		loop_run_once(W.l);
		if (util_mono_us() >= next) {
			cJSON *all, *x = am_find(ep, &all);
			bool listed = x != NULL;

			cJSON_Delete(all);
			if (listed == want)
				return true;
			next = util_mono_us() + 200000;
		}
	}
	return false;
}

/* Runs the loop for ms. */
static void loop_for(int64_t ms)
{
	int64_t end = util_mono_us() + ms * 1000;

	while (util_mono_us() < end)
		loop_run_once(W.l);
}

static void test_am_send_on_the_loop(void **state)
{
	char live[64], dead[64], err[256];
	const char *urls[] = { live, dead };
	struct am_log lg = { 0 };
	struct am_send_opts o = { .urls = urls, .nurls = 2, .resend_ms = 500, .instance = "box1", .cb = am_log_cb,
				  .ud = &lg };
	struct am_send *s;
	struct alert a;
	cJSON *all, *x;

	(void)state;
	snprintf(live, sizeof(live), "http://127.0.0.1:%d/", W.am_port);
	snprintf(dead, sizeof(dead), "http://127.0.0.1:%d", free_port()); /* an HA member that is down */
	s = am_send_new(W.l, W.p, &o, err, sizeof(err));
	assert_non_null(s);
	alert_init(&a, ALERT_DOWN);
	a.id = 41;
	alert_set(&a.endpoint, "db-prod");
	alert_set(&a.reason, "timeout");
	a.since_s = util_now_ms() / 1000;
	am_send_push(s, &a, util_now_ms());
	assert_true(loop_until_listed("db-prod", true, 10));
	loop_for(300);
	assert_true(lg.delivered >= 1); /* the live member */
	assert_true(lg.failed >= 1);    /* the dead one: refused, the round still counts */
	assert_int_equal(lg.nids, 1);   /* id 41 was new in one round (both members), then acknowledged */
	assert_int_equal(lg.ids[0], 41);
	/* 2.6 s: past resolve_timeout (1 s) and past the first endsAt (now + 4 x 0.5 s) */
	loop_for(2600);
	x = am_find("db-prod", &all);
	assert_non_null(x);
	assert_string_equal(cJSON_GetObjectItem(cJSON_GetObjectItem(x, "status"), "state")->valuestring, "active");
	cJSON_Delete(all);
	assert_true(lg.delivered >= 5); /* resent every half second */
	alert_done(&a);
	alert_init(&a, ALERT_UP);
	a.id = 42;
	alert_set(&a.endpoint, "db-prod");
	alert_set(&a.reason, "timeout");
	a.end_s = util_now_ms() / 1000 - 1;
	am_send_push(s, &a, util_now_ms());
	assert_true(loop_until_listed("db-prod", false, 10));
	assert_int_equal(am_send_count(s), 1); /* the resolution is repeated for 5 minutes */
	am_send_free(s);
	assert_int_equal(prober_easy_running(W.p), 0);
	alert_done(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_http_post_delivered),
		cmocka_unit_test(test_http_failures),
		cmocka_unit_test(test_email_to_sink),
		cmocka_unit_test(test_email_starttls),
		cmocka_unit_test(test_alertmanager),
		cmocka_unit_test(test_am_send_on_the_loop),
	};

	curl_global_init(CURL_GLOBAL_DEFAULT);
	return cmocka_run_group_tests(tests, setup, teardown);
}
