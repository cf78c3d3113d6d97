/*
 * serve: what the collector's HTTP listener serves ([defaults] listen):
 * /metrics (metrics.h), /probe?target=NAME, /healthz, and the read-only
 * JSON API under /api/v1. It reads the app's live model and the store's
 * reads on the loop's thread (listen.h) and never probes: a scrape shows
 * the last result.
 */
#ifndef HTTPSMON_SERVE_H
#define HTTPSMON_SERVE_H

#include <stddef.h>
#include <stdint.h>

#include "httpsmon/result.h"

struct app;
struct config;
struct serve;

/*
 * Starts serving cfg->listen on the app's loop, over HTTPS when cfg has
 * listen_cert and listen_key. Returns NULL with a message in err (a port
 * in use is named; a bad certificate or key file by its path and the
 * config's FILE:LINE).
 */
struct serve *serve_new(struct app *a, const struct config *cfg, char *err, size_t errlen);

/*
 * A reload's new config, before it is applied: the listener takes up
 * changed listen_cert/listen_key files (or their removal) on its socket.
 * Returns 1 when it now serves new files (or HTTP instead of HTTPS, or
 * the reverse), 0 when nothing changed, or -1 with err (the file at
 * fault): the reload should be refused, the listener serves on as
 * before. NULL s: 0.
 */
int serve_reload(struct serve *s, const struct config *cfg, char *err, size_t errlen);

/*
 * The operator changed what the pages show (a reload, refused or not; a
 * pause or resume): /metrics and /api/v1/endpoints are rendered anew on
 * their next request instead of within PAGES_TTL_MS. NULL s: no-op.
 */
void serve_changed(struct serve *s);

/* "https" or "http": what it serves now. */
const char *serve_scheme(const struct serve *s);
void serve_free(struct serve *s); /* NULL is fine */

/* A finished probe and a probe's start lateness, for the histograms. NULL s: no-op. */
void serve_probe_done(struct serve *s, const struct probe_result *r);
void serve_lateness(struct serve *s, int64_t late_ms);

/* The port it listens on. */
int serve_port(const struct serve *s);

#endif
