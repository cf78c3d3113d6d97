/*
 * alert: the alert record and the group of alerts that travel together.
 * Pure values (no I/O, no libcurl): the engine builds them from flap
 * transitions and certificate crossings, the formatters (alert_format.h)
 * turn them into payloads, the transports send those.
 *
 * Ownership: every char * in struct alert is owned by the alert (heap,
 * NUL-terminated, NULL = absent) and freed by alert_done(); set them with
 * alert_set(). A group owns copies of the alerts added to it. Strings that
 * came from the network (reason, message) are hostile: the formatters
 * escape or strip them, nobody else may print them raw.
 */
#ifndef HTTPSMON_ALERT_H
#define HTTPSMON_ALERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/util.h"

/* What happened. The names (alert_kind_name) are pinned: config `on =`,
 * HTTPSMON_KIND, the "kind" of JSON payloads. */
enum alert_kind {
	ALERT_DOWN,           /* an outage opened (confirmed by the flap filter) */
	ALERT_UP,             /* that outage closed: end_s, duration_s, failed_probes */
	ALERT_WARN,           /* entered WARN (confirmed) */
	ALERT_WARN_END,       /* left WARN */
	ALERT_CERT_EXPIRING,  /* earliest expiry crossed a threshold: days_left */
	ALERT_CERT_CHANGED,   /* the served leaf changed */
	ALERT_REMINDER,       /* the outage still lasts */
	ALERT_TEST,           /* test-notify */
	ALERT_LOCAL_NETWORK,  /* every canary failed: this box's own network */
	ALERT_KIND_COUNT
};

/* "down", "up", "warn", "warn_end", "cert_expiring", "cert_changed",
 * "reminder", "test", "local_network"; "?" out of range. Static. */
const char *alert_kind_name(enum alert_kind k);
/* The kind named name (exact, lower case): 0, or -1 when unknown. */
int alert_kind_parse(const char *name, enum alert_kind *k);

/* One alert about one endpoint. Zero-initialise or alert_init(). */
struct alert {
	enum alert_kind kind;
	int64_t id;            /* the engine's outbox row id; 0 = none */
	int64_t time_s;        /* when the alert was raised, Unix seconds */
	char *endpoint;        /* endpoint name (config: trusted but not escaped) */
	char *url;             /* endpoint URL; may hold secrets: redact before showing */
	char *state;           /* "UP", "WARN", "DOWN" ... as shown to people */
	char *reason;          /* reason name, e.g. "cert_expired" (hostile) */
	char *message;         /* one sentence, may quote network text (hostile) */
	int64_t since_s;       /* outage/state start, Unix seconds; 0 = unknown */
	int64_t end_s;         /* outage end, Unix seconds (up, warn_end); 0 = still open */
	int64_t duration_s;    /* end_s - since_s for up/warn_end; so far for reminder; -1 = n/a */
	int days_left;         /* cert kinds: days until the earliest expiry (< 0 expired) */
	bool has_days_left;    /* days_left is meaningful */
	bool critical;         /* cert_expiring: crossed cert_crit_days or 1 day (severity critical) */
	int failed_probes;     /* failed probes in the outage; 0 = n/a */
	struct strlist tags;   /* the endpoint's tags, owned */
	bool muted;            /* not sent: muted (why in suppressed_why) */
	bool maintenance;      /* not sent: in a maintenance window */
	char *suppressed_why;  /* "muted until ... by ...: reason", NULL = sent */
};

/* An empty alert: no strings, duration_s -1. */
void alert_init(struct alert *a, enum alert_kind k);
/* Frees every owned string and the tags; a is left as alert_init(a, a->kind). NULL ok. */
void alert_done(struct alert *a);
/* Replaces *field (one of a's char * fields) with a copy of s (NULL clears). */
void alert_set(char **field, const char *s);
/* dst = deep copy of src; dst must be empty (init or done). */
void alert_copy(struct alert *dst, const struct alert *src);

/* Alerts of one kind sent as one message. Zero-initialise or alert_group_init(). */
struct alert_group {
	enum alert_kind kind;
	int64_t time_s;        /* when the group is sent, Unix seconds */
	struct alert *v;       /* n alerts, owned */
	size_t n, cap;
};

void alert_group_init(struct alert_group *g, enum alert_kind k, int64_t time_s);
/* Appends a deep copy of a (a stays the caller's); a->kind should be g->kind. */
void alert_group_add(struct alert_group *g, const struct alert *a);
/* Appends a, taking its strings; a is left empty (alert_init). */
void alert_group_take(struct alert_group *g, struct alert *a);
/* Frees every alert and the array; g is left empty. NULL ok. */
void alert_group_done(struct alert_group *g);

#endif
