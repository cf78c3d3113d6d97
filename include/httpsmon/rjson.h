/*
 * rjson: a remote collector's /api/v1 answers (api.h) read back into the
 * values the dashboard draws: the endpoint list with each endpoint's live
 * state and last probe (check --json's object into a struct probe_result
 * and struct verdict), one endpoint's uptimes, outages and events
 * (history --json's objects into the store's row structs) and the history
 * chart's latency buckets.
 *
 * Everything read is hostile: any field may be missing, of the wrong
 * type, out of range, overlong or full of control characters. A field
 * that is unusable is left at its empty value (never a crash, never an
 * out-of-range cast); strings are cut to the sizes below (the text is
 * still raw: whoever draws it sanitises it, as ui_text does); an answer
 * that is not JSON or not the expected object is an error with a short
 * reason of our own words (never the server's text). Pure: cJSON stays
 * inside rjson.c; no I/O.
 */
#ifndef HTTPSMON_RJSON_H
#define HTTPSMON_RJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/flap.h"
#include "httpsmon/monitor.h"
#include "httpsmon/result.h"
#include "httpsmon/store.h"
#include "httpsmon/verdict.h"

#define RJ_NAME_MAX      120    /* bytes of an endpoint name kept (the dashboard keys rows by name) */
#define RJ_LOCATION_MAX  48     /* bytes of a location name kept */
#define RJ_TEXT_MAX      2048   /* bytes of a URL, subject, SAN list... kept */
#define RJ_MAX_ENDPOINTS 20000  /* endpoints read from one answer; the rest are dropped (counted) */
#define RJ_MAX_ROWS      2000   /* outages, events or series points read from one answer */

/* One endpoint of a remote collector's /api/v1/endpoints. */
struct rj_endpoint {
	char *name;                   /* never NULL, never "" (unnamed entries are dropped) */
	char *url;                    /* "" when absent */
	char host[256];               /* from url, "" when none */
	enum live live;               /* the collector's state; PENDING when unknown */
	bool stale;                   /* the collector's own last result is old (3 x interval) */
	bool in_outage;
	int64_t outage_start_ms;      /* 0 unknown */
	int64_t interval_ms;          /* 0 unknown */
	double up24;                  /* uptime over 24 h in percent (the collector's uptime_24h), -1 unknown */
	bool have;                    /* a last probe came: r and v hold it */
	struct probe_result r;        /* what check --json says of it (the chain as sent, at most PROBE_MAX_CHAIN) */
	struct verdict v;
	int64_t last_ms;              /* when the last probe started (Unix ms), 0 none */
	int64_t spark_us[MONITOR_SPARK]; /* recent totals, oldest first, -1 failed */
	int spark_n;
	struct posture_rec *posture;  /* the collector's last posture grade: only t_ms (posture_at), g.grade
					 (one of the ten), g.score and g.caps are filled; NULL before its first pass */
};

struct rj_list {
	char *location;               /* the collector's [defaults] location, NULL when it has none */
	struct rj_endpoint *eps;
	size_t n;
	size_t dropped;               /* entries past RJ_MAX_ENDPOINTS, or without a name */
};

/* One endpoint's /api/v1/endpoints/NAME: the figures the history and detail panes add. */
struct rj_detail {
	double up[3];                 /* uptime % over 24h, 7d, 30d; -1 unknown */
	struct outage_row *out;       /* newest first */
	size_t n_out;
	struct event_row *ev;         /* newest first */
	size_t n_ev;
};

/*
 * Parses /api/v1/endpoints (len bytes, not NUL-terminated) into *out
 * (zeroed first; free with rj_list_done, also after an error). Returns 0,
 * or -1 with a reason in err ("not JSON (at byte 12)", "no endpoints array").
 */
int rjson_endpoints(const char *body, size_t len, struct rj_list *out, char *err, size_t errlen);
void rj_list_done(struct rj_list *l);

/* Parses /api/v1/endpoints/NAME's uptimes, outages and events. Free with rj_detail_done. */
int rjson_detail(const char *body, size_t len, struct rj_detail *out, char *err, size_t errlen);
void rj_detail_done(struct rj_detail *d);

/* Parses /api/v1/outages ({"outages":[...]}) into *rows (caller frees). */
int rjson_outages(const char *body, size_t len, struct outage_row **rows, size_t *n, char *err, size_t errlen);

/* Parses /api/v1/series ({"series":[...]}) into *pts (caller frees), in the order sent. */
int rjson_series(const char *body, size_t len, struct series_point **pts, size_t *n, char *err, size_t errlen);

/* /api/v1/probes: a window's stored probes, oldest first, and the leaves they were served (by sha256). */
#define RJ_MAX_CERTS 16
struct rj_cert {
	char sha256[65];
	struct cert_info ci;
};
struct rj_probes {
	struct probe_row *rows;
	size_t n;
	struct rj_cert *certs;
	size_t n_certs;
};
/* Parses /api/v1/probes into *out (zeroed first; free with rj_probes_done, also after an error). */
int rjson_probes(const char *body, size_t len, struct rj_probes *out, char *err, size_t errlen);
void rj_probes_done(struct rj_probes *p);
/* The leaf called sha256 in p, or NULL. */
const struct cert_info *rj_probes_cert(const struct rj_probes *p, const char *sha256);

/* The state called s ("up", "DOWN", "failing"...; any case); PENDING when none is. */
enum live rjson_live(const char *s);

#endif
