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
struct serve;

/*
 * Starts serving addr on the app's loop. Returns NULL with a message in
 * err (a port in use is named).
 */
struct serve *serve_new(struct app *a, const char *addr, char *err, size_t errlen);
void serve_free(struct serve *s); /* NULL is fine */

/* A finished probe and a probe's start lateness, for the histograms. NULL s: no-op. */
void serve_probe_done(struct serve *s, const struct probe_result *r);
void serve_lateness(struct serve *s, int64_t late_ms);

/* The port it listens on. */
int serve_port(const struct serve *s);

#endif
