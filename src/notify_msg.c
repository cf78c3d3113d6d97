/*
 * notify_msg: one message's life (notify_int.h): made for a notifier and a
 * group, started on the transport of the notifier's type, finished once
 * through its done callback from the loop, freed by its owner. A set-up
 * failure is reported the same way as a failed delivery, one pass later,
 * so the engine has one path for both.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "httpsmon/notify.h"
#include "httpsmon/util.h"
#include "notify_int.h"

struct notify_msg *notify_msg_new(const struct notifier *nt, struct alert_group *g, struct loop *l,
				  struct prober *p, notify_msg_done_cb done, void *ud)
{
	struct notify_msg *m = xcalloc(1, sizeof(*m));

	m->nt = nt;
	m->g = *g;
	memset(g, 0, sizeof(*g));
	m->loop = l;
	m->prober = p;
	m->done = done;
	m->ud = ud;
	m->in_fd = m->err_fd = -1;
	return m;
}

static int64_t finish_cb(struct loop *l, uint64_t id, void *ud)
{
	struct notify_msg *m = ud;

	(void)l;
	(void)id;
	m->finish_timer = 0;
	m->done(m, m->ud);
	return LOOP_TIMER_STOP;
}

void notify_msg_finish_later(struct notify_msg *m)
{
	loop_timer_arm(m->loop, &m->finish_timer, 0, finish_cb, m);
}

void notify_msg_fail(struct notify_msg *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->detail, sizeof(m->detail), fmt, ap);
	va_end(ap);
	m->ok = false;
	notify_msg_finish_later(m);
}

void notify_msg_start(struct notify_msg *m)
{
	int rc;

	if (!m->g.n) {
		notify_msg_fail(m, "nothing to send");
		return;
	}
	rc = m->nt->type == NOTIFIER_COMMAND ? notify_cmd_start(m) : notify_xfer_start(m);
	if (rc != 0)
		notify_msg_finish_later(m);
}

void notify_msg_free(struct notify_msg *m)
{
	if (!m)
		return;
	notify_cmd_stop(m);
	notify_xfer_stop(m);
	loop_timer_remove(m->loop, m->finish_timer);
	alert_group_done(&m->g);
	config_unref(m->cfg);
	free(m->input);
	free(m);
}

static void test_done(struct notify_msg *m, void *ud)
{
	(void)m;
	*(bool *)ud = true;
}

int notify_test(struct loop *l, struct prober *p, const struct notifier *nt, char *result, size_t len)
{
	struct alert_group g;
	struct alert a;
	struct notify_msg *m;
	char host[256], msg[400];
	bool done = false;
	int rc;

	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	host[sizeof(host) - 1] = '\0';
	alert_init(&a, ALERT_TEST);
	a.time_s = util_now_ms() / 1000;
	a.since_s = a.time_s;
	alert_set(&a.endpoint, "httpsmon-test");
	alert_set(&a.state, "TEST");
	alert_set(&a.reason, "test");
	snprintf(msg, sizeof(msg), "test alert from httpsmon on %s through notifier %s", host, nt->name);
	alert_set(&a.message, msg);
	alert_group_init(&g, ALERT_TEST, a.time_s);
	alert_group_take(&g, &a);
	m = notify_msg_new(nt, &g, l, p, test_done, &done);
	notify_msg_start(m);
	while (!done) {
		if (loop_run_once(l) != 0) {
			notify_msg_free(m);
			snprintf(result, len, "event loop failed: %s", loop_error(l));
			return -1;
		}
	}
	snprintf(result, len, "%s", m->detail);
	rc = m->ok ? 0 : -1;
	notify_msg_free(m);
	return rc;
}
