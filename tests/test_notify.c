/*
 * test_notify: the alert engine on a real loop with a real command
 * notifier (a shell script that writes each message's HTTPSMON_* variables
 * and stdin to a file), fed by the monitor's flap filter: a single failed
 * probe sends nothing, fail_after failures send one `down`, recovery one
 * `up` with its duration and failed probes; 50 endpoints failing within
 * group_wait give one message naming all 50; reminders fire at `remind`
 * (on a fake wall clock) and not before; a failing command is retried.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/config.h"
#include "httpsmon/loop.h"
#include "httpsmon/monitor.h"
#include "httpsmon/notify.h"
#include "httpsmon/probe.h"
#include "httpsmon/util.h"
#include "testlib.h"

#define T0 1790000000000LL /* ms, 2026-09-21 */
#define WAIT_MS 15000      /* generous: the machine may be loaded */

static int64_t fake_now;

static int64_t fake_clock(void)
{
	return fake_now;
}

struct fx {
	char *dir;
	struct loop *l;
	struct prober *p;             /* only when the test needs transfers (the canary) */
	struct config *cfg;
	struct monitor *m;
	struct notify *n;
	struct store *st;             /* only with the canary: the outages' marks */
};

static void on_event(void *ud, const struct mon_event *ev)
{
	struct fx *f = ud;

	notify_event(f->n, ev, monitor_find(f->m, ev->name));
}

/* The script: out.N per run, N counting from 0; exit status from the file "fail" if present. */
static const char script[] =
	"#!/bin/sh\n"
	"d=$(dirname \"$0\")\n"
	"if [ -f \"$d/fail\" ]; then rm -f \"$d/fail\"; cat >/dev/null; echo 'receiver down' >&2; exit 7; fi\n"
	"i=$(ls \"$d\" | grep -c '^out\\.')\n"
	"{ echo \"args: $*\"; env | grep '^HTTPSMON_' | sort; echo '---'; cat; } >\"$d/tmp.$$\" && "
	"mv \"$d/tmp.$$\" \"$d/out.$i\"\n";

static void probe_done(void *ud, const struct endpoint *ep, uint64_t tag, const struct probe_result *r)
{
	(void)ud;
	(void)ep;
	(void)tag;
	(void)r;
}

static void start(struct fx *f, const char *notifier_keys, int neps)
{
	struct strbuf ini = { 0 };
	char err[2048], *path, *rec;
	struct notify_opts o = { 0 };

	f->dir = tl_mkdtemp();
	rec = tl_write_file(f->dir, "rec.sh", script);
	/* a "canary = ..." line goes to [defaults], the rest to the notifier */
	strbuf_printf(&ini, "[defaults]\nfail_after = 2\nrecover_after = 1\nnotify = cmd\n%s"
		      "[notify:cmd]\ntype = command\ncommand = /bin/sh %s\n%s",
		      strstr(notifier_keys, "canary") ? notifier_keys : "", rec,
		      strstr(notifier_keys, "canary") ? "group_wait = 0s\n" : notifier_keys);
	for (int i = 0; i < neps; i++)
		strbuf_printf(&ini, "[ep%d]\nurl = https://ep%d.example/\ntags = t%d\n", i, i, i % 3);
	path = tl_write_file(f->dir, "endpoints.ini", strbuf_cstr(&ini));
	f->cfg = config_load(path, err, sizeof(err));
	if (!f->cfg)
		fail_msg("config: %s", err);
	f->l = loop_new(0, err, sizeof(err));
	assert_non_null(f->l);
	if (strstr(notifier_keys, "canary")) {
		f->p = prober_new(10, probe_done, NULL, err, sizeof(err));
		assert_non_null(f->p);
		prober_attach(f->p, f->l);
		char *db = xasprintf("%s/history.db", f->dir);

		f->st = store_open(db, STORE_COLLECTOR, err, sizeof(err));
		assert_non_null(f->st);
		free(db);
	}
	f->m = monitor_new(f->st, on_event, f);
	monitor_set_config(f->m, f->cfg, T0);
	o.loop = f->l;
	o.prober = f->p;
	o.store = f->st;
	o.clock_ms = fake_clock;
	f->n = notify_new(&o, f->cfg, err, sizeof(err));
	assert_non_null(f->n);
	fake_now = T0;
	free(path);
	free(rec);
	strbuf_done(&ini);
}

static void stop(struct fx *f)
{
	notify_free(f->n);
	prober_free(f->p);
	monitor_free(f->m);
	store_close(f->st);
	config_unref(f->cfg);
	loop_free(f->l);
	tl_rmrf(f->dir);
	free(f->dir);
}

/* One probe of name at fake time t: a healthy one or a refused connection. */
static void feed(struct fx *f, const char *name, bool ok, int64_t t)
{
	struct probe_result r;

	probe_result_init(&r);
	r.started_ms = t;
	fake_now = t;
	snprintf(r.ip, sizeof(r.ip), "192.0.2.1");
	r.port = 443;
	if (ok) {
		r.t.us[PHASE_TOTAL] = 11100;
		r.http_status = 200;
	} else {
		r.error = PERR_REFUSED;
		r.failed_phase = PHASE_CONNECT;
		r.t.us[PHASE_TOTAL] = 1300;
		snprintf(r.error_text, sizeof(r.error_text), "Connection refused");
	}
	monitor_result(f->m, name, &r, t + 20);
	notify_result(f->n, monitor_find(f->m, name));
	probe_result_done(&r);
}

static int count_out(const struct fx *f)
{
	DIR *d = opendir(f->dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, "out.", 4);
	if (d)
		closedir(d);
	return n;
}

static int64_t wake_cb(struct loop *l, uint64_t id, void *ud)
{
	(void)l;
	(void)id;
	(void)ud;
	return 50;
}

/* Runs the loop until want outputs exist (and, with idle, nothing is pending), or for at most ms. */
static void run_loop(struct fx *f, int want, bool idle, int64_t ms)
{
	int64_t end = util_mono_us() / 1000 + ms;
	uint64_t t = loop_timer_add(f->l, 50, wake_cb, NULL);

	while (util_mono_us() / 1000 < end && (count_out(f) < want || (idle && notify_pending(f->n))))
		assert_int_equal(loop_run_once(f->l), 0);
	loop_timer_remove(f->l, t);
}

static void run_until(struct fx *f, int want, int64_t ms)
{
	run_loop(f, want, true, ms);
}

/* out.i's text (caller frees). */
static char *out(const struct fx *f, int i)
{
	char name[32], *path, *s;

	snprintf(name, sizeof(name), "out.%d", i);
	path = xasprintf("%s/%s", f->dir, name);
	{
		FILE *fp = fopen(path, "r");
		size_t len;

		assert_non_null(fp);
		s = calloc(1, 1 << 20);
		len = fread(s, 1, (1 << 20) - 1, fp);
		s[len] = '\0';
		fclose(fp);
	}
	free(path);
	return s;
}

static void test_flap_rules(void **state)
{
	struct fx f = { 0 };
	char *s;

	(void)state;
	start(&f, "group_wait = 0s\n", 1);
	/* one failed probe, then a good one: FAILING 1/2, never an outage */
	feed(&f, "ep0", true, T0);
	feed(&f, "ep0", false, T0 + 1000);
	feed(&f, "ep0", true, T0 + 2000);
	run_until(&f, 1, 1500);
	assert_int_equal(count_out(&f), 0);
	/* fail_after (2) failures: exactly one down */
	feed(&f, "ep0", false, T0 + 3000);
	feed(&f, "ep0", false, T0 + 4000);
	feed(&f, "ep0", false, T0 + 5000);
	run_until(&f, 1, WAIT_MS);
	assert_int_equal(count_out(&f), 1);
	s = out(&f, 0);
	assert_non_null(strstr(s, "HTTPSMON_KIND=down\n"));
	assert_non_null(strstr(s, "HTTPSMON_ENDPOINT=ep0\n"));
	assert_non_null(strstr(s, "HTTPSMON_STATE=DOWN\n"));
	assert_non_null(strstr(s, "HTTPSMON_REASON=refused\n"));
	assert_non_null(strstr(s, "HTTPSMON_URL=https://ep0.example/\n"));
	assert_non_null(strstr(s, "HTTPSMON_COUNT=1\n"));
	assert_non_null(strstr(s, "HTTPSMON_SINCE=2026-09-21T"));
	assert_non_null(strstr(s, "\"kind\":\"down\""));
	assert_non_null(strstr(s, "\"endpoint\":\"ep0\""));
	free(s);
	/* recovery: one up, with the duration from the first failed probe to the first good one */
	feed(&f, "ep0", true, T0 + 63000);
	feed(&f, "ep0", true, T0 + 64000);
	run_until(&f, 2, WAIT_MS);
	assert_int_equal(count_out(&f), 2);
	s = out(&f, 1);
	assert_non_null(strstr(s, "HTTPSMON_KIND=up\n"));
	assert_non_null(strstr(s, "HTTPSMON_DURATION_S=60\n"));
	assert_non_null(strstr(s, "\"failed_probes\":3"));
	free(s);
	stop(&f);
}

static void test_group_of_50(void **state)
{
	struct fx f = { 0 };
	char *s, want[32];

	(void)state;
	start(&f, "group_wait = 1s\non = down\n", 50);
	/* half now, half 300 ms later: both inside the window the first opened */
	for (int half = 0; half < 2; half++) {
		for (int k = 0; k < 2; k++)
			for (int i = half * 25; i < half * 25 + 25; i++) {
				char name[16];

				snprintf(name, sizeof(name), "ep%d", i);
				feed(&f, name, false, T0 + k * 1000 + i);
			}
		if (!half)
			run_until(&f, 1, 300);
	}
	run_until(&f, 1, WAIT_MS);
	/* a moment more: a second message would come now */
	run_until(&f, 2, 1500);
	assert_int_equal(count_out(&f), 1);
	s = out(&f, 0);
	assert_non_null(strstr(s, "HTTPSMON_COUNT=50\n"));
	for (int i = 0; i < 50; i++) {
		snprintf(want, sizeof(want), "\"endpoint\":\"ep%d\"", i);
		if (!strstr(s, want))
			fail_msg("the grouped message does not name ep%d", i);
	}
	assert_non_null(strstr(s, "50 endpoints DOWN"));
	free(s);
	stop(&f);
}

static void test_reminders(void **state)
{
	struct fx f = { 0 };
	char *s;

	(void)state;
	start(&f, "group_wait = 0s\non = down, reminder\nremind = 5m\n", 1);
	feed(&f, "ep0", false, T0);
	feed(&f, "ep0", false, T0 + 1000);
	run_until(&f, 1, WAIT_MS);
	assert_int_equal(count_out(&f), 1);
	/* 1 ms short of 5 minutes after the outage's start: nothing */
	fake_now = T0 + 5 * 60000 - 1;
	run_until(&f, 2, 1500);
	assert_int_equal(count_out(&f), 1);
	fake_now = T0 + 5 * 60000;
	run_until(&f, 2, WAIT_MS);
	assert_int_equal(count_out(&f), 2);
	s = out(&f, 1);
	assert_non_null(strstr(s, "HTTPSMON_KIND=reminder\n"));
	assert_non_null(strstr(s, "HTTPSMON_DURATION_S=300\n"));
	free(s);
	/* the next one a period later, not sooner */
	fake_now = T0 + 10 * 60000 - 1;
	run_until(&f, 3, 1500);
	assert_int_equal(count_out(&f), 2);
	fake_now = T0 + 10 * 60000;
	run_until(&f, 3, WAIT_MS);
	assert_int_equal(count_out(&f), 3);
	stop(&f);
}

static void test_retry(void **state)
{
	struct fx f = { 0 };
	char *fail;

	(void)state;
	start(&f, "group_wait = 0s\n", 1);
	fail = tl_write_file(f.dir, "fail", "");
	feed(&f, "ep0", false, T0);
	feed(&f, "ep0", false, T0 + 1000);
	/* the first attempt fails (exit 7), the retry 1 s later delivers */
	run_until(&f, 1, WAIT_MS);
	assert_int_equal(count_out(&f), 1);
	assert_int_equal(access(fail, F_OK), -1);
	{
		char msg[256];

		/* one failure is not yet "failing" */
		notify_failing(f.n, msg, sizeof(msg));
		assert_string_equal(msg, "");
	}
	free(fail);
	stop(&f);
}

/* The mark of name's outages in the history, "-" for none, "?" when it has none or several. */
static const char *outage_mark(struct fx *f, const char *name, char *buf, size_t n)
{
	struct outage_row *rows;
	size_t nrows;

	assert_int_equal(store_flush(f->st), 0);
	assert_int_equal(store_outages(f->st, name, 0, 10, &rows, &nrows), 0);
	snprintf(buf, n, "%s", nrows != 1 ? "?" : rows[0].mark[0] ? rows[0].mark : "-");
	free(rows);
	return buf;
}

/*
 * Every canary refuses (a port bound, never listening): one local_network
 * alert goes out and the endpoint's down is held, not sent; its outage is
 * marked local_network in the history, and so is an outage opening while
 * the canary still fails. An outage that closed before the check is not.
 */
static void test_canary_down(void **state)
{
	struct fx f = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	char keys[96], mark[32], *s;

	(void)state;
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	snprintf(keys, sizeof(keys), "canary = 127.0.0.1:%d\n", ntohs(sa.sin_port));
	start(&f, keys, 3);
	feed(&f, "ep2", false, T0 - 5000);
	feed(&f, "ep2", false, T0 - 4000);
	feed(&f, "ep2", true, T0 - 3000); /* down and up, both held by the check below */
	feed(&f, "ep0", false, T0);
	feed(&f, "ep0", false, T0 + 1000);
	run_loop(&f, 1, false, WAIT_MS);
	run_loop(&f, 2, false, 1000);
	assert_int_equal(count_out(&f), 1);
	s = out(&f, 0);
	assert_non_null(strstr(s, "HTTPSMON_KIND=local_network\n"));
	assert_non_null(strstr(s, "3 alerts held"));
	free(s);
	assert_int_equal(notify_pending(f.n), 3); /* ep0's down, ep2's down and up, held */
	assert_string_equal(outage_mark(&f, "ep0", mark, sizeof(mark)), STORE_MARK_LOCAL_NETWORK);
	assert_string_equal(outage_mark(&f, "ep2", mark, sizeof(mark)), "-");
	feed(&f, "ep1", false, T0 + 2000);
	feed(&f, "ep1", false, T0 + 3000);
	assert_string_equal(outage_mark(&f, "ep1", mark, sizeof(mark)), STORE_MARK_LOCAL_NETWORK);
	stop(&f);
	close(fd);
}

static struct delivery_row drow(int64_t t, const char *notifier, const char *result, const char *error)
{
	struct delivery_row d = { .t_ms = t, .count = 1 };

	snprintf(d.notifier, sizeof(d.notifier), "%s", notifier);
	snprintf(d.kind, sizeof(d.kind), "down");
	snprintf(d.result, sizeof(d.result), "%s", result);
	snprintf(d.error, sizeof(d.error), "%s", error);
	return d;
}

/*
 * The header's mark from the delivery history (newest first), as a viewer
 * derives it: exactly at FAILING_AFTER failed attempts in a row, not one
 * below; a delivery in between resets; an Alertmanager round (rows of one
 * time, one per member) fails only when no member delivered it, and names
 * its first member's error; of two failing notifiers the one that failed last.
 */
static void test_failing_rows(void **state)
{
	struct delivery_row d[8];
	char b[256];

	(void)state;
	d[0] = drow(3000, "hook", "retry", "HTTP 503");
	d[1] = drow(2000, "hook", "delivered", "");
	d[2] = drow(1000, "hook", "retry", "HTTP 500");
	assert_string_equal(notify_failing_rows(d, 3, b, sizeof(b)), "");
	d[1] = drow(2000, "hook", "retry", "HTTP 502");
	assert_string_equal(notify_failing_rows(d, 3, b, sizeof(b)), "notify hook failing: HTTP 503");
	assert_string_equal(notify_failing_rows(d, 1, b, sizeof(b)), "");
	/* rounds of two members written in member order (read newest first: the second member first) */
	d[0] = drow(5000, "am", "failed", "member 2 refused");
	d[1] = drow(5000, "am", "delivered", "");
	d[2] = drow(4000, "am", "retry", "member 2 refused");
	d[3] = drow(4000, "am", "retry", "member 1 refused");
	d[4] = drow(3000, "am", "retry", "member 2 down");
	d[5] = drow(3000, "am", "retry", "member 1 down");
	assert_string_equal(notify_failing_rows(d, 6, b, sizeof(b)), "");
	assert_string_equal(notify_failing_rows(d + 2, 4, b, sizeof(b)), "notify am failing: member 1 refused");
	d[6] = drow(2000, "hook", "retry", "HTTP 503");
	d[7] = drow(1000, "hook", "failed", "HTTP 500");
	assert_string_equal(notify_failing_rows(d + 2, 6, b, sizeof(b)), "notify am failing: member 1 refused");
	assert_string_equal(notify_failing_rows(d + 6, 2, b, sizeof(b)), "notify hook failing: HTTP 503");
}

/* A collector restarted while a notifier keeps failing says so at once, as the history does. */
static void test_failing_after_restart(void **state)
{
	struct fx f = { 0 };
	struct notify_opts o = { 0 };
	struct delivery_row d[2] = { drow(T0 + 1000, "cmd", "retry", "exit 7: receiver down"),
				     drow(T0, "cmd", "retry", "exit 7: receiver down") };
	char err[256], live[256], rows[256], *db;
	struct store *st;
	struct notify *n;

	(void)state;
	start(&f, "", 1);
	db = xasprintf("%s/history.db", f.dir);
	st = store_open(db, STORE_COLLECTOR, err, sizeof(err));
	assert_non_null(st);
	store_add_delivery(st, &d[1]);
	store_add_delivery(st, &d[0]);
	assert_int_equal(store_flush(st), 0);
	o.loop = f.l;
	o.store = st;
	o.clock_ms = fake_clock;
	n = notify_new(&o, f.cfg, err, sizeof(err));
	assert_non_null(n);
	notify_failing(n, live, sizeof(live));
	assert_string_equal(live, "notify cmd failing: exit 7: receiver down");
	assert_string_equal(notify_failing_rows(d, 2, rows, sizeof(rows)), live);
	notify_free(n);
	store_close(st);
	free(db);
	stop(&f);
}

/* A reload that changes a notifier: the next alert goes out the new way. */
static void test_reload(void **state)
{
	struct fx f = { 0 };
	struct config *c2;
	char err[2048], *ini, *path, *s;

	(void)state;
	start(&f, "group_wait = 0s\n", 1);
	feed(&f, "ep0", false, T0);
	feed(&f, "ep0", false, T0 + 1000);
	run_until(&f, 1, WAIT_MS);
	s = out(&f, 0);
	assert_non_null(strstr(s, "args: \n"));
	free(s);
	ini = xasprintf("[defaults]\nfail_after = 2\nnotify = cmd\n[notify:cmd]\ntype = command\n"
			"command = /bin/sh %s/rec.sh reloaded\ngroup_wait = 0s\n[ep0]\nurl = https://ep0.example/\n",
			f.dir);
	path = tl_write_file(f.dir, "endpoints.ini", ini);
	c2 = config_load(path, err, sizeof(err));
	assert_non_null(c2);
	monitor_set_config(f.m, c2, T0 + 2000);
	notify_set_config(f.n, c2);
	feed(&f, "ep0", true, T0 + 3000);
	run_until(&f, 2, WAIT_MS);
	s = out(&f, 1);
	assert_non_null(strstr(s, "args: reloaded\n"));
	assert_non_null(strstr(s, "HTTPSMON_KIND=up\n"));
	free(s);
	config_unref(f.cfg);
	f.cfg = c2;
	free(ini);
	free(path);
	stop(&f);
}

/* test-notify's path: a command past its timeout is killed (its process group too) and not delivered. */
static void test_command_timeout(void **state)
{
	struct fx f = { 0 };
	const struct notifier *nt;
	struct config *c;
	char err[1024], result[256], *path;
	int64_t t0;

	(void)state;
	start(&f, "", 1);
	path = tl_write_file(f.dir, "t.ini", "[notify:slow]\ntype = command\ncommand = /bin/sleep 5\n"
				     "timeout = 300ms\n[notify:ok]\ntype = command\ncommand = /bin/true\n"
				     "[x]\nurl = https://x.example/\n");
	c = config_load(path, err, sizeof(err));
	assert_non_null(c);
	nt = config_notifier(c, "slow");
	t0 = util_mono_us() / 1000;
	assert_int_equal(notify_test(f.l, NULL, nt, result, sizeof(result)), -1);
	assert_true(util_mono_us() / 1000 - t0 < 3000);
	assert_non_null(strstr(result, "killed after the 300ms timeout"));
	assert_int_equal(notify_test(f.l, NULL, config_notifier(c, "ok"), result, sizeof(result)), 0);
	assert_string_equal(result, "exit 0");
	config_unref(c);
	free(path);
	stop(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flap_rules),
		cmocka_unit_test(test_group_of_50),
		cmocka_unit_test(test_reminders),
		cmocka_unit_test(test_retry),
		cmocka_unit_test(test_canary_down),
		cmocka_unit_test(test_failing_rows),
		cmocka_unit_test(test_failing_after_restart),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_command_timeout),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
