/*
 * history: the read side of the store for people and scripts:
 * `httpsmon history` (outages and events, newest first) and
 * `httpsmon stats` (uptime, probes, failures, phase percentiles, days left
 * on the certificate). Opens the database read-only, so it works while a
 * collector writes.
 */
#ifndef HTTPSMON_HISTORY_H
#define HTTPSMON_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct history_opts {
	const char *db_path;     /* NULL: store_default_path() */
	const char *endpoint;    /* NULL: all */
	int64_t since_ms;        /* window length, e.g. 7 days */
	bool json;
};

/*
 * Each writes its report to out and returns 0, or -1 with the reason in err
 * when the database cannot be opened or read (stats may have written the
 * rows before the one that failed). Nothing is written to stderr.
 */
struct store;

/*
 * 0 when name is NULL or an endpoint of the database st; else -1 with
 * "no endpoint 'NAME' in DB (known: a, b, ... (N more))" in err (the first
 * ten names, sorted).
 */
int history_endpoint_known(struct store *st, const char *name, char *err, size_t errlen);

/*
 * One outage or event as `history --json` writes it (one object, no
 * newline), for the listener's /api/v1 too. now_ms ends an ongoing outage's duration.
 */
struct strbuf;
struct outage_row;
struct event_row;
void history_outage_json(struct strbuf *b, const struct outage_row *r, int64_t now_ms);
void history_event_json(struct strbuf *b, const struct event_row *r);

int history_print(FILE *out, const struct history_opts *o, char *err, size_t errlen);
int stats_print(FILE *out, const struct history_opts *o, char *err, size_t errlen);

#endif
