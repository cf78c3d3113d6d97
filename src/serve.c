/*
 * serve: the paths of the collector's HTTP listener (see serve.h). Owns the
 * listener and the metrics state (histograms, render scratch); every
 * answer is built on the loop's thread from the app's monitor and store.
 */
#include "httpsmon/serve.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/api.h"
#include "httpsmon/app.h"
#include "httpsmon/config.h"
#include "httpsmon/listen.h"
#include "httpsmon/metrics.h"
#include "httpsmon/upcache.h"

#define CT_TEXT    "text/plain; charset=utf-8"
#define CT_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CT_JSON    "application/json"

struct serve {
	struct app *a;
	struct listener *li;
	struct metrics *m;
	struct upcache *up;       /* uptimes for /metrics and /api/v1/endpoints: read on a timer, never on a request */
};

static const char *token_cb(void *ud)
{
	struct serve *s = ud;

	return monitor_config(app_monitor(s->a))->listen_token;
}

/* 200 while the loop answers (this runs on it) and history writes work; 503 with why otherwise. */
static int healthz(struct serve *s, struct strbuf *b)
{
	const char *why = app_store_problem(s->a);

	if (why) {
		strbuf_printf(b, "unhealthy: history writes fail: %s\n", why);
		return 503;
	}
	strbuf_puts(b, "ok\n");
	return 200;
}

static int metrics_page(struct serve *s, struct strbuf *b)
{
	struct monitor *mon = app_monitor(s->a);
	struct metrics_info in = {
		.location = monitor_config(mon)->location,
		.now_ms = util_now_ms(),
		.store_write_errors = app_store_write_errors(s->a),
		.reload_ok = !*app_config_error(s->a),
		.reload_ms = app_config_loaded_ms(s->a),
		.up = s->up,
	};

	metrics_render(s->m, b, mon, &in);
	return 200;
}

static int probe_page(struct serve *s, const struct listen_req *rq, struct strbuf *b, const char **ctype)
{
	const char *target = listen_query(rq, "target");
	const struct ep_status *st = target ? monitor_find(app_monitor(s->a), target) : NULL;

	if (!target || !*target) {
		strbuf_puts(b, "400 give the endpoint's name: /probe?target=NAME\n");
		return 400;
	}
	if (!st) {
		strbuf_puts(b, "404 no endpoint of that name in the running config\n");
		return 404;
	}
	*ctype = CT_METRICS;
	metrics_render_probe(s->m, b, st, util_now_ms());
	return 200;
}

static int handle(void *ud, const struct listen_req *rq, struct strbuf *b, const char **ctype)
{
	struct serve *s = ud;

	*ctype = CT_TEXT;
	if (!strcmp(rq->path, "/healthz"))
		return healthz(s, b);
	if (!strcmp(rq->path, "/metrics")) {
		*ctype = CT_METRICS;
		return metrics_page(s, b);
	}
	if (!strcmp(rq->path, "/probe"))
		return probe_page(s, rq, b, ctype);
	if (!strncmp(rq->path, API_PREFIX "/", strlen(API_PREFIX) + 1)) {
		*ctype = CT_JSON;
		return api_serve(s->a, s->up, rq, b);
	}
	strbuf_puts(b, "404 not found: /metrics, /probe?target=NAME, /healthz, /api/v1/...\n");
	return 404;
}

/* The HTTPS files of cfg, with "FILE:LINE" of each for the listener's errors (co and ko hold them). */
struct tls_of {
	struct listen_tls t;
	char co[PATH_MAX + 16], ko[PATH_MAX + 16];
};

static const struct listen_tls *tls_of(const struct config *cfg, struct tls_of *o)
{
	snprintf(o->co, sizeof(o->co), "%s:%d", cfg->path ? cfg->path : "config", cfg->listen_cert_line);
	snprintf(o->ko, sizeof(o->ko), "%s:%d", cfg->path ? cfg->path : "config", cfg->listen_key_line);
	o->t = (struct listen_tls){ .cert = cfg->listen_cert, .key = cfg->listen_key,
				    .cert_origin = cfg->listen_cert_line ? o->co : NULL,
				    .key_origin = cfg->listen_key_line ? o->ko : NULL };
	return &o->t;
}

struct serve *serve_new(struct app *a, const struct config *cfg, char *err, size_t errlen)
{
	struct serve *s = xcalloc(1, sizeof(*s));
	struct tls_of o;

	s->a = a;
	s->li = listener_new(app_loop(a), cfg->listen, tls_of(cfg, &o), handle, token_cb, s, err, errlen);
	if (!s->li) {
		free(s);
		return NULL;
	}
	/* the two large answers, the same for every client: one page each, shared (pages.h) */
	listener_share(s->li, "/metrics");
	listener_share(s->li, API_PREFIX "/endpoints");
	s->m = metrics_new();
	s->up = upcache_new(app_loop(a), app_store(a), app_monitor(a));
	return s;
}

void serve_free(struct serve *s)
{
	if (!s)
		return;
	listener_free(s->li);
	upcache_free(s->up);
	metrics_free(s->m);
	free(s);
}

void serve_probe_done(struct serve *s, const struct probe_result *r)
{
	if (s)
		metrics_observe_probe(s->m, r);
}

void serve_lateness(struct serve *s, int64_t late_ms)
{
	if (s)
		metrics_observe_lateness(s->m, late_ms);
}

int serve_reload(struct serve *s, const struct config *cfg, char *err, size_t errlen)
{
	struct tls_of o;

	return s ? listener_set_tls(s->li, tls_of(cfg, &o), err, errlen) : 0;
}

void serve_changed(struct serve *s)
{
	if (s)
		listener_changed(s->li);
}

const char *serve_scheme(const struct serve *s)
{
	return listener_https(s->li) ? "https" : "http";
}

int serve_port(const struct serve *s)
{
	return listener_port(s->li);
}
