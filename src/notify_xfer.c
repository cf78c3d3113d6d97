/*
 * notify_xfer: the notifiers that are libcurl transfers (xfer.h) on the
 * probe engine's multi handle: webhook (one POST of the message in the
 * notifier's format), email (one SMTP message) and Alertmanager (one POST
 * of the API v2 body to every url; delivered when every member took it).
 * A message is delivered when every transfer was; its code and detail are
 * those of the first failure, else of the last success.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "httpsmon/alert_format.h"
#include "httpsmon/util.h"
#include "httpsmon/xfer.h"
#include "notify_int.h"

const char *notify_host_name(char *buf, size_t n)
{
	if (gethostname(buf, n) != 0 || !buf[0])
		snprintf(buf, n, "localhost");
	buf[n - 1] = '\0';
	return buf;
}

static void xfer_cb(struct xfer *x, const struct xfer_result *r, void *ud)
{
	struct notify_msg *m = ud;
	bool first_failure = !r->delivered && m->ok;

	for (size_t i = 0; i < m->nxf; i++)
		if (m->xf[i] == x)
			m->xf[i] = NULL;
	xfer_free(x);
	/* m->ok starts true and stays so while every transfer delivered */
	if (first_failure || m->ok) {
		m->code = (int)r->status;
		snprintf(m->detail, sizeof(m->detail), "%s", r->detail);
	}
	if (!r->delivered)
		m->ok = false;
	if (--m->xf_left == 0)
		notify_msg_finish_later(m);
}

/* The webhook body in the notifier's format, and its content type. */
static char *webhook_body(const struct notify_msg *m, const char **ctype)
{
	const struct notifier *nt = m->nt;
	char host[256];

	*ctype = "application/json";
	switch (nt->format) {
	case NFMT_SLACK:
		return alert_format_slack(&m->g);
	case NFMT_ALERTMANAGER:
		return alert_format_am_webhook(&m->g, nt->name, notify_host_name(host, sizeof(host)));
	case NFMT_TEMPLATE:
		*ctype = nt->content_type ? nt->content_type : "application/json";
		return alert_format_template(&m->g, nt->body, strcasestr(*ctype, "json") != NULL);
	default:
		return alert_format_json(&m->g);
	}
}

/* The Alertmanager API v2 endpoint of a member's base url. */
static char *am_url(const char *base)
{
	size_t len = strlen(base);

	while (len && base[len - 1] == '/')
		len--;
	return xasprintf("%.*s/api/v2/alerts", (int)len, base);
}

/* The transfers of m, one per url (email: one), set up but not started. */
static int build(struct notify_msg *m, char *err, size_t errlen)
{
	const struct notifier *nt = m->nt;
	struct xfer_http h = { .headers = (const char *const *)nt->headers.v, .nheaders = nt->headers.n,
			       .ca_file = nt->ca_file, .timeout_ms = nt->timeout_ms };
	char host[256], *body = NULL;

	m->nxf = nt->type == NOTIFIER_EMAIL ? 1 : nt->urls.n;
	m->xf = xcalloc(m->nxf ? m->nxf : 1, sizeof(*m->xf));
	if (nt->type == NOTIFIER_EMAIL) {
		struct xfer_smtp s = { .smtp_url = nt->smtp_url, .starttls = nt->starttls, .user = nt->user,
				       .password = nt->password, .from = nt->from,
				       .to = (const char *const *)nt->to.v, .nto = nt->to.n, .ca_file = nt->ca_file,
				       .timeout_ms = nt->timeout_ms };

		body = alert_format_email(&m->g, nt->from, s.to, s.nto, notify_host_name(host, sizeof(host)),
					  util_now_ms() / 1000);
		m->xf[0] = xfer_smtp(&s, body, err, errlen);
	} else if (nt->type == NOTIFIER_WEBHOOK) {
		body = webhook_body(m, &h.content_type);
		h.url = nt->urls.v[0];
		m->xf[0] = xfer_http_post(&h, body, strlen(body), err, errlen);
	} else {
		body = alert_format_am_v2(m->g.v, m->g.n, notify_host_name(host, sizeof(host)),
					  util_now_ms() / 1000 + 4 * nt->resend_ms / 1000);
		h.headers = NULL;
		h.nheaders = 0;
		for (size_t i = 0; i < m->nxf; i++) {
			char *u = am_url(nt->urls.v[i]);

			h.url = u;
			m->xf[i] = xfer_http_post(&h, body, strlen(body), err, errlen);
			free(u);
			if (!m->xf[i])
				break;
		}
	}
	free(body);
	for (size_t i = 0; i < m->nxf; i++)
		if (!m->xf[i])
			return -1;
	return 0;
}

int notify_xfer_start(struct notify_msg *m)
{
	char err[256] = "";

	if (!m->prober) {
		snprintf(m->detail, sizeof(m->detail), "no transfer engine to send through");
		return -1;
	}
	if (build(m, err, sizeof(err)) != 0) {
		snprintf(m->detail, sizeof(m->detail), "%s", err[0] ? err : "cannot set up the transfer");
		notify_xfer_stop(m);
		return -1;
	}
	m->ok = true;
	m->xf_left = m->nxf;
	for (size_t i = 0; i < m->nxf; i++) {
		if (xfer_start(m->xf[i], m->prober, xfer_cb, m) != 0) {
			struct xfer_result r = { .delivered = false };

			snprintf(r.detail, sizeof(r.detail), "the transfer engine refused the transfer");
			xfer_cb(m->xf[i], &r, m);
		}
	}
	return 0;
}

void notify_xfer_stop(struct notify_msg *m)
{
	for (size_t i = 0; i < m->nxf; i++) {
		if (!m->xf[i])
			continue;
		if (m->prober)
			xfer_cancel(m->xf[i], m->prober);
		xfer_free(m->xf[i]);
	}
	free(m->xf);
	m->xf = NULL;
	m->nxf = m->xf_left = 0;
}
