/*
 * config: turns an INI file into a validated, immutable `struct config`
 * with every default applied. It knows nothing of curl, OpenSSL, SQLite or
 * curses. A reload builds a new config; the caller keeps the old one in
 * force if the new one fails. Configs are reference-counted so in-flight
 * probes can keep the endpoint they were started with across a reload.
 *
 * File format (see config/endpoints.ini): a [defaults] section, then one
 * section per endpoint named by the section. Keys set in [defaults] apply to
 * every endpoint unless the endpoint sets them itself. Repeatable keys
 * (header, resolve, expect_json, tags) given in an endpoint replace the
 * defaults' list rather than add to it. Every value may take ${NAME},
 * ${NAME:-default} and $$ from the environment (config_expand below).
 */
#ifndef HTTPSMON_CONFIG_H
#define HTTPSMON_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsmon/jsoncond.h"
#include "httpsmon/rx.h"
#include "httpsmon/util.h"

#define CONFIG_DEFAULT_INTERVAL_MS   60000
#define CONFIG_DEFAULT_TIMEOUT_MS    10000
#define CONFIG_DEFAULT_MAX_BODY      (1024 * 1024)
#define CONFIG_DEFAULT_MAX_INFLIGHT  50
#define CONFIG_DEFAULT_RETAIN_RAW_MS    (30LL * 86400000)
#define CONFIG_DEFAULT_RETAIN_ROLLUP_MS (400LL * 86400000)

enum ip_mode { IPMODE_ANY, IPMODE_V4, IPMODE_V6 };

/* posture_verdict: a posture pass's findings make the endpoint WARN, or are only shown. */
enum posture_verdict { POSTURE_VERDICT_WARN, POSTURE_VERDICT_INFO };

struct status_range {
	int lo, hi; /* inclusive; a single code has lo == hi */
};

struct endpoint {
	char *name;              /* section name, unique in the file */
	int line;                /* line of the [section] header */

	char *url;               /* as configured */
	bool plain_http;         /* url is http://: it must redirect to https */
	char *host;              /* host part of url, brackets stripped for IPv6 */
	int port;                /* explicit or scheme default */

	int64_t interval_ms;     /* default 60s */
	int64_t timeout_ms;      /* whole probe, default 10s */
	char *method;            /* default "GET" */
	struct strlist headers;  /* "Name: value" lines */
	char *body;              /* request body or NULL */

	struct status_range *expect_status; /* default 200-399 */
	size_t n_expect_status;
	char *expect_body;       /* substring or NULL */
	char *expect_body_regex; /* PCRE2 source or NULL */
	struct rx *body_regex;   /* compiled expect_body_regex or NULL */
	struct json_cond *expect_json;
	size_t n_expect_json;

	int64_t latency_warn_ms; /* total time; 0 = off */
	int64_t latency_down_ms; /* total time; 0 = off */
	int cert_warn_days;      /* default 21 */
	int cert_crit_days;      /* default 7 */
	int min_tls;             /* 10, 11, 12 or 13; default 12 */

	char *ca_file;           /* NULL: system trust store */
	char *client_cert;       /* PEM, with client_key for mTLS */
	char *client_key;
	char *proxy;
	struct strlist resolve;  /* curl syntax HOST:PORT:ADDR */
	enum ip_mode ip;
	int http_version;        /* 11 or 2 (2 = offer h2 via ALPN, default) */
	bool follow_redirects;   /* default yes */
	int max_redirects;       /* default 5 */
	bool redirect_headers;   /* send `header` lines to another host or port too; default no */
	bool check_http_redirect;/* also probe http://host:http_port/ */
	int http_port;           /* default 80 */
	bool expect_hsts;        /* default no */
	bool revocation;         /* check the chain's CRLs / OCSP; default yes */
	int64_t revocation_interval_ms; /* re-check at least this often; default 6h, min 1m */
	bool require_revocation; /* revocation unknown is a WARN; default no */
	int64_t posture_interval_ms; /* a posture pass this often; default 24h, 0 = off */
	int posture_verdict;     /* enum posture_verdict: what its findings do; default warn */
	int64_t max_body;        /* bytes, default 1MiB */
	struct strlist tags;
	struct strlist notify;   /* names of [notify:NAME] sections that get this endpoint's alerts */
	struct strlist maintenance; /* windows as written ("Sun 02:00-04:00"), each valid for maint_parse */
	bool enabled;            /* default yes */

	/* keeping state (used by the monitor) */
	int fail_after;          /* default 2 */
	int recover_after;       /* default 1 */
	bool all_addresses;      /* probe each A/AAAA record separately */
};

enum notifier_type { NOTIFIER_COMMAND, NOTIFIER_WEBHOOK, NOTIFIER_ALERTMANAGER, NOTIFIER_EMAIL };
enum notifier_format { NFMT_JSON, NFMT_SLACK, NFMT_ALERTMANAGER, NFMT_TEMPLATE };

#define NOTIFIER_REMIND_MIN_MS (5 * 60 * 1000)

/*
 * A [notify:NAME] section: where alerts go. Keys are rows of
 * NOTIFIER_FIELDS (src/config_fields.h); which keys a type takes and
 * which it needs are checked at load. url, header and password are
 * secrets: never print them whole (notifier_secret).
 */
struct notifier {
	char *name;              /* after "notify:" */
	int line;                /* of the [notify:NAME] header */
	int type;                /* enum notifier_type (-1 only while a bad one is reported) */
	unsigned on;             /* bit (1u << enum alert_kind) per kind it gets */
	int64_t group_wait_ms;   /* alerts of a kind within it go as one message; default 10s */
	int64_t remind_ms;       /* reminder period while an outage lasts; 0 = off, else >= 5m */
	int64_t timeout_ms;      /* one delivery attempt, default 10s */
	int64_t retry_for_ms;    /* retries stop after this, default 24h */
	int64_t resend_ms;       /* alertmanager: resend of firing alerts, default 1m */
	char *command;           /* command: program and arguments, split on spaces */
	struct strlist urls;     /* webhook: one; alertmanager: one per cluster member */
	struct strlist headers;  /* webhook: "Name: value" */
	char *ca_file;           /* webhook, alertmanager, email: NULL = system store */
	int format;              /* webhook: enum notifier_format, default json */
	char *body;              /* webhook template */
	char *content_type;      /* webhook template, default application/json */
	char *smtp_url;          /* email: smtp://host:25 or smtps://host:465 */
	bool starttls;           /* email: require STARTTLS on smtp://, default yes */
	char *user, *password;   /* email: SMTP AUTH, both or neither */
	char *from;              /* email */
	struct strlist to;       /* email: recipients */
};

struct config {
	char *path;              /* file it came from, or NULL */
	struct endpoint *eps;    /* in file order */
	size_t n;
	struct notifier *notifiers; /* in file order */
	size_t n_notifiers;
	struct strlist canary;   /* global: HOST:PORT checked before alerts go out; empty = off */
	char *maintenance_tz;    /* global: IANA zone of the maintenance windows; NULL = UTC */
	int max_inflight;        /* global, [defaults] only; default 50 */
	int posture_inflight;    /* global: posture handshakes at once; default 2 */
	int64_t retain_raw_ms;   /* global: raw probes kept, default 30d */
	int64_t retain_rollup_ms;/* global: hourly rollups kept, default 400d */
	int64_t max_db_bytes;    /* global: database size cap, 0 = none */
	char *listen;            /* global: the HTTP listener's IP:PORT ([v6]:PORT), NULL = off */
	char *listen_token;      /* global: Bearer token every request must carry, NULL = none (a secret) */
	char *listen_cert;       /* global: PEM certificate (chain) the listener serves HTTPS with, NULL/"" = HTTP */
	char *listen_key;        /* global: its PEM private key (unencrypted); set with listen_cert or not at all */
	int listen_cert_line;    /* lines of the file they were set on (0: not set), for errors found at start */
	int listen_key_line;
	char *location;          /* global: location="NAME" on every metric, NULL = none */
	int refs;                /* private: use config_ref / config_unref */
};

/* Flags of a configuration key. */
#define CONFIG_KEY_LIST   1u /* repeatable; an endpoint's first use replaces the inherited list */
#define CONFIG_KEY_GLOBAL 2u /* [defaults] only: a setting of the whole config, not an endpoint */
#define CONFIG_KEY_OFF    4u /* "off" or 0 turns it off (stored as 0) */

/* One key the loader accepts, as src/config_fields.h's table has it. */
struct config_key {
	const char *name; /* as written in the file, lower-case: "interval" */
	const char *type; /* "duration", "size", "int", "days", "bool", "enum", "string",
			     "method", "word", "path", "url", "status", "regex", "json",
			     "header", "resolve", "tags", "listen", "secret" or "label" */
	unsigned flags;   /* CONFIG_KEY_* */
};

/*
 * The i-th key (0-based, in the table's order), or NULL from the count of
 * keys on: `for (i = 0; (k = config_key_at(i)); i++)`. Static, read-only.
 */
const struct config_key *config_key_at(size_t i);

/* The same for the keys of a [notify:NAME] section (NOTIFIER_FIELDS). */
const struct config_key *config_notifier_key_at(size_t i);

/*
 * Loads and validates path. Returns a config with one reference, or NULL
 * with every problem found written to err as "FILE:LINE: [section] key:
 * message" lines (the first few, then "and N more").
 */
struct config *config_load(const char *path, char *err, size_t errlen);

/*
 * Builds a config for `httpsmon check URL...`: one endpoint per URL, named
 * by its host (deduplicated as host, host#2...), with settings from base
 * (an endpoint whose fields act as [defaults]; NULL for built-in defaults).
 * Returns NULL with a message on a bad URL.
 */
struct config *config_from_urls(char *const *urls, size_t n, const struct endpoint *base,
				char *err, size_t errlen);

/*
 * ${NAME}, ${NAME:-default} and $$ substitution from the process's
 * environment (src/config_env.c says the rules). Returns a new string, or
 * NULL with why filled (it names the variable, never a value). subs (NULL:
 * not wanted) receives "NAME=value" for each non-empty value substituted,
 * so that messages can keep the values out.
 */
char *config_expand(const char *in, struct strlist *subs, char *why, size_t n);

/*
 * Replaces in msg (NUL-terminated, n bytes of room) every value of subs (as
 * config_expand fills it) of 4 bytes or more by its "${NAME}", so that a
 * message about an expanded value does not show what it expanded to.
 */
void config_scrub(char *msg, size_t n, const struct strlist *subs);

/*
 * Sets key (a config file key, e.g. "cert_warn_days"; not a [defaults]-only
 * one) of e from value as the file's parser reads it: the same syntax,
 * bounds and messages. A repeatable key appends. Returns 0, or -1 with what
 * is wrong in err (e unchanged).
 */
int endpoint_set(struct endpoint *e, const char *key, const char *value, char *err, size_t n);

/* An endpoint (section) name the loader accepts: letters, digits, . _ - : / @ +, at most 64 bytes. */
bool config_name_ok(const char *name);

/* Fills e with the built-in defaults (no name, no url). Free with endpoint_done. */
void endpoint_defaults(struct endpoint *e);
void endpoint_done(struct endpoint *e);

struct config *config_ref(struct config *c);
void config_unref(struct config *c); /* NULL is fine; frees at zero */

/*
 * The listen key's value: "IPv4:PORT" or "[IPv6]:PORT", a numeric address
 * (no host name: which address a name resolves to must not change what is
 * served) and a port 1..65535. Fills *sa (a struct sockaddr_in or
 * sockaddr_in6) and *port. Returns 0, or -1 with why.
 */
struct sockaddr_storage;
int config_listen_parse(const char *s, struct sockaddr_storage *sa, int *port, char *why, size_t n);

/* The endpoint named name, or NULL. */
const struct endpoint *config_find(const struct config *c, const char *name);

/* The notifier named name (without "notify:"), or NULL. */
const struct notifier *config_notifier(const struct config *c, const char *name);

/* "webhook", "command", ...; "?" out of range. Static. */
const char *notifier_type_name(int type);

/*
 * A secret value for display: a URL as scheme://host[:port]/… , anything
 * else (a header, a password) as its first word and "…". Returns buf.
 */
const char *notifier_secret(char *buf, size_t n, const char *value);

/*
 * One line about n for check-config: type, target (secrets redacted, a
 * command's program without its arguments), kinds, grouping. Returns buf.
 */
const char *notifier_describe(const struct notifier *n, char *buf, size_t len);

/*
 * What a reload from old to cfg changes, for a person: "+1 endpoint
 * (new-api), -0, 2 changed": endpoints added and removed (the first three
 * names of each, then "..."), and those in both whose settings differ.
 * old NULL: everything is added. Returns buf.
 */
char *config_diff_text(const struct config *old, const struct config *cfg, char *buf, size_t n);

/* How many errors a config_load message reports: its lines, the "and N more errors" it may end with counted as N. */
size_t config_error_count(const char *err);

/* Same effective settings (a reload restarts an endpoint only when they differ). */
bool endpoint_equal(const struct endpoint *a, const struct endpoint *b);

/* The host part of an http(s) URL, as an endpoint's host is taken from it. Returns 0 or -1. */
int config_url_host(const char *url, char *host, size_t n);

/* Status code against expect_status. */
bool endpoint_status_ok(const struct endpoint *e, long status);

#endif
