/*
 * remote: the collectors a `httpsmon --view --remote URL` dashboard reads,
 * through their HTTP API (api.h). One struct remote_set holds every
 * --remote; each is fetched by libcurl transfers on a probe engine's multi
 * handle attached to the caller's loop (prober_easy_add), so nothing here
 * ever blocks the loop or the screen.
 *
 * What is fetched, and when:
 *  - /api/v1/endpoints of every collector every REMOTE_POLL_MS (a fetch
 *    still running is not started again: a slow collector never piles up
 *    transfers). The last good list is kept when a fetch fails: its rows
 *    are shown as stale, with why the collector is unreachable.
 *  - one endpoint's detail (/api/v1/endpoints/NAME), a latency series,
 *    outages and an outage's probes, when a pane asks (remote_detail, remote_series,
 *    remote_outages): each returns what it has for that question (NULL
 *    until the first answer) and fetches again when the question changed
 *    or the answer is older than REMOTE_DETAIL_TTL_MS.
 * Every answer is bounded (REMOTE_MAX_BODY bytes, REMOTE_TIMEOUT_MS), no
 * redirect is followed, https is verified (the system store, or ca_file).
 *
 * Secrets: the token travels only in the Authorization header; nothing
 * here returns or prints it. A failure's reason is in our own words plus
 * curl's (sanitised with util_sanitize, one line); the server's own text
 * never reaches it raw.
 */
#ifndef HTTPSMON_REMOTE_H
#define HTTPSMON_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/rjson.h"

#define REMOTE_POLL_MS       5000               /* the endpoint list of each collector */
#define REMOTE_DETAIL_TTL_MS 15000              /* a pane's answer is asked again after this */
#define REMOTE_TIMEOUT_MS    10000              /* one whole transfer */
#define REMOTE_CONNECT_MS    5000
#define REMOTE_MAX_BODY      (32L * 1024 * 1024) /* one answer; ~3 KB per endpoint with its chain */

struct loop;
struct remote_set;

/* One --remote as given. */
struct remote_opts {
	const char *url;        /* http(s)://HOST[:PORT][/PATH] of the collector's listener */
	const char *token;      /* Bearer token, NULL none (a secret) */
	const char *ca_file;    /* NULL: the system store */
};

/*
 * Checks a --remote URL before anything runs: http:// or https://, a host,
 * no user name or password (the token goes with --token), no query or
 * fragment, no blank or control character. Returns 0, or -1 with the
 * reason in err.
 */
int remote_url_check(const char *url, char *err, size_t errlen);

/*
 * Starts reading the n collectors of o (copied) on loop l: the first list
 * fetches start in the loop's next pass. NULL with a message in err when
 * libcurl cannot be set up.
 */
struct remote_set *remote_set_new(struct loop *l, const struct remote_opts *o, size_t n, char *err, size_t errlen);
/* Stops every transfer and frees the set. NULL is fine. */
void remote_set_free(struct remote_set *rs);

/* Moves on each answer or failure: a dashboard redraws when it changed. */
uint64_t remote_seq(const struct remote_set *rs);

/* What is known of one collector. */
struct remote_state {
	char label[RJ_LOCATION_MAX + 8]; /* its location, else host:port; unique within the set */
	char url[256];          /* its base URL as given (no secret can be in it) */
	bool reached;           /* the last list fetch worked */
	char why[200];          /* why not (sanitised, one line), "" when reached */
	int64_t last_ok_ms;     /* wall clock of the last good list, 0 never */
	int64_t last_try_ms;    /* of the last finished fetch, 0 none yet */
	const struct rj_list *list; /* the last good list (kept while unreachable), NULL never had one */
};

/*
 * Makes the lists and states that came since the last call current: what
 * remote_at shows (and every pointer into it) stays as it is between two
 * calls, so rows built from it stay valid while answers arrive. True when
 * anything changed.
 */
bool remote_sync(struct remote_set *rs);

size_t remote_count(const struct remote_set *rs);
/* Collector i (< remote_count), as of the last remote_sync. */
const struct remote_state *remote_at(const struct remote_set *rs, size_t i);

/*
 * A pane's questions to collector i, one of each kind at a time. A
 * question is known by its key (the pane's: what it asks, not when, so a
 * chart whose window moves with the clock stays one question): each call
 * returns the answer to that key if one came (possibly older than the TTL
 * while the next fetch, with the arguments of this call, runs), else
 * NULL; *why (may be NULL) gets the reason the last fetch for it failed,
 * or "". now_ms: wall clock.
 */
const struct rj_detail *remote_detail(struct remote_set *rs, size_t i, const char *name, int64_t now_ms,
				      const char **why);
/* Buckets of step_ms over [from_ms, until_ms) (api.h's /api/v1/series); *n points. */
const struct series_point *remote_series(struct remote_set *rs, size_t i, const char *key, const char *name,
					 int64_t from_ms, int64_t until_ms, int64_t step_ms, size_t *n, int64_t now_ms,
					 const char **why);
/* The stored probes of name in [from_ms, until_ms] and their leaves (/api/v1/probes): an outage's look. */
const struct rj_probes *remote_probes(struct remote_set *rs, size_t i, const char *key, const char *name,
				      int64_t from_ms, int64_t until_ms, int64_t now_ms, const char **why);
/* Outages over the last since_ms of name (NULL: every endpoint), newest first; *n rows. */
const struct outage_row *remote_outages(struct remote_set *rs, size_t i, const char *name, int64_t since_ms,
					size_t *n, int64_t now_ms, const char **why);

#endif
