/*
 * config_fields: the table of configuration keys, private to config.c and
 * config_fields.c. Each key is one row of CONFIG_FIELDS below: its name, its
 * type, where it lives and what the type needs. From that one row come the
 * key's id (K_<key>, for config.c's rules between keys), its parsing, its
 * built-in default, and the deep copy, free and comparison of an endpoint.
 * Adding a key is adding a row (and a field to struct endpoint or struct
 * config); a new type also needs a parser in config_fields.c.
 *
 * Columns after key and type (designated initialisers, all optional):
 *   .off     offsetof the field: in struct endpoint (EP), or in struct config
 *            (CF) for KF_GLOBAL keys
 *   .aux     a second field the type needs: the count of a status or JSON
 *            array, the compiled form of a regex
 *   .min .max bounds: int and days always; duration and size only when .max
 *            is set (a duration without .max must be more than 0)
 *   .def     numeric default (duration and size in ms and bytes, enums by
 *            value, bools 0/1); unset means 0
 *   .def_s   text default, read by the type's own parser (strings, status)
 *   .choices an enum's names and values
 *   .key.flags KF_LIST, KF_GLOBAL, KF_OFF
 */
#ifndef HTTPSMON_CONFIG_FIELDS_H
#define HTTPSMON_CONFIG_FIELDS_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "httpsmon/alert.h"
#include "httpsmon/config.h"
#include "httpsmon/revoke.h"
#include "config_values.h"

#define KF_LIST   CONFIG_KEY_LIST
#define KF_GLOBAL CONFIG_KEY_GLOBAL
#define KF_OFF    CONFIG_KEY_OFF

#define EP(f) offsetof(struct endpoint, f)
#define CF(f) offsetof(struct config, f)

/* X(key, type, columns...): the order is the order `config_key_at` lists. */
#define CONFIG_FIELDS(X) \
	X(url,                 url,      .off = EP(url)) \
	X(interval,            duration, .off = EP(interval_ms), .min = 1000, .max = 7 * DAY_MS, \
	  .def = CONFIG_DEFAULT_INTERVAL_MS) \
	X(timeout,             duration, .off = EP(timeout_ms), .def = CONFIG_DEFAULT_TIMEOUT_MS) \
	X(method,              method,   .off = EP(method), .max = 32, .def_s = "GET") \
	X(header,              header,   .off = EP(headers), .key.flags = KF_LIST) \
	X(body,                string,   .off = EP(body)) \
	X(expect_status,       status,   .off = EP(expect_status), .aux = EP(n_expect_status), \
	  .def_s = "200-399") \
	X(expect_body,         string,   .off = EP(expect_body)) \
	X(expect_body_regex,   regex,    .off = EP(expect_body_regex), .aux = EP(body_regex)) \
	X(expect_json,         json,     .off = EP(expect_json), .aux = EP(n_expect_json), \
	  .key.flags = KF_LIST) \
	X(latency_warn,        duration, .off = EP(latency_warn_ms), .key.flags = KF_OFF) \
	X(latency_down,        duration, .off = EP(latency_down_ms), .key.flags = KF_OFF) \
	X(cert_warn_days,      days,     .off = EP(cert_warn_days), .max = 3650, .def = 21) \
	X(cert_crit_days,      days,     .off = EP(cert_crit_days), .max = 3650, .def = 7) \
	X(min_tls,             enum,     .off = EP(min_tls), .choices = tls_versions, .def = 12) \
	X(ca_file,             path,     .off = EP(ca_file)) \
	X(client_cert,         path,     .off = EP(client_cert)) \
	X(client_key,          path,     .off = EP(client_key)) \
	X(proxy,               word,     .off = EP(proxy)) \
	X(resolve,             resolve,  .off = EP(resolve), .key.flags = KF_LIST) \
	X(ip,                  enum,     .off = EP(ip), .choices = ip_modes, .def = IPMODE_ANY) \
	X(http_version,        enum,     .off = EP(http_version), .choices = http_versions, .def = 2) \
	X(follow_redirects,    bool,     .off = EP(follow_redirects), .def = 1) \
	X(max_redirects,       int,      .off = EP(max_redirects), .max = 50, .def = 5) \
	X(redirect_headers,    bool,     .off = EP(redirect_headers)) \
	X(check_http_redirect, bool,     .off = EP(check_http_redirect)) \
	X(http_port,           int,      .off = EP(http_port), .min = 1, .max = 65535, .def = 80) \
	X(expect_hsts,         bool,     .off = EP(expect_hsts)) \
	X(revocation,          bool,     .off = EP(revocation), .def = 1) \
	X(revocation_interval, duration, .off = EP(revocation_interval_ms), .min = REVOKE_MIN_INTERVAL_MS, \
	  .max = 7 * DAY_MS, .def = REVOKE_DEFAULT_INTERVAL_MS) \
	X(require_revocation,  bool,     .off = EP(require_revocation)) \
	X(posture_interval,    duration, .off = EP(posture_interval_ms), .min = 10000, .max = 30 * DAY_MS, \
	  .def = DAY_MS, .key.flags = KF_OFF) \
	X(posture_verdict,     enum,     .off = EP(posture_verdict), .choices = posture_verdicts, \
	  .def = POSTURE_VERDICT_WARN) \
	X(max_body,            size,     .off = EP(max_body), .min = 1024, .max = 1024LL * 1024 * 1024, \
	  .def = CONFIG_DEFAULT_MAX_BODY) \
	X(tags,                tags,     .off = EP(tags), .key.flags = KF_LIST) \
	X(notify,              names,    .off = EP(notify), .max = 57, .key.flags = KF_LIST) \
	X(maintenance,         maint,    .off = EP(maintenance), .key.flags = KF_LIST) \
	X(enabled,             bool,     .off = EP(enabled), .def = 1) \
	X(fail_after,          int,      .off = EP(fail_after), .min = 1, .max = 100, .def = 2) \
	X(recover_after,       int,      .off = EP(recover_after), .min = 1, .max = 100, .def = 1) \
	X(all_addresses,       bool,     .off = EP(all_addresses)) \
	X(max_inflight,        int,      .off = CF(max_inflight), .min = 1, .max = 10000, \
	  .def = CONFIG_DEFAULT_MAX_INFLIGHT, .key.flags = KF_GLOBAL) \
	X(posture_inflight,    int,      .off = CF(posture_inflight), .min = 1, .max = 64, .def = 2, \
	  .key.flags = KF_GLOBAL) \
	X(retain_raw,          duration, .off = CF(retain_raw_ms), .min = 3600000, .max = 3650 * DAY_MS, \
	  .def = CONFIG_DEFAULT_RETAIN_RAW_MS, .key.flags = KF_GLOBAL) \
	X(retain_rollup,       duration, .off = CF(retain_rollup_ms), .min = 3600000, \
	  .max = 3650 * DAY_MS, .def = CONFIG_DEFAULT_RETAIN_ROLLUP_MS, .key.flags = KF_GLOBAL) \
	X(max_db_size,         size,     .off = CF(max_db_bytes), .min = 1024 * 1024, \
	  .key.flags = KF_GLOBAL | KF_OFF) \
	X(canary,              hostport, .off = CF(canary), .key.flags = KF_GLOBAL | KF_LIST) \
	X(maintenance_tz,      tz,       .off = CF(maintenance_tz), .key.flags = KF_GLOBAL) \
	X(listen,              listen,   .off = CF(listen), .key.flags = KF_GLOBAL) \
	X(listen_token,        secret,   .off = CF(listen_token), .key.flags = KF_GLOBAL) \
	X(listen_cert,         path,     .off = CF(listen_cert), .key.flags = KF_GLOBAL) \
	X(listen_key,          path,     .off = CF(listen_key), .key.flags = KF_GLOBAL) \
	X(location,            label,    .off = CF(location), .max = 64, .key.flags = KF_GLOBAL)

#define CONFIG_FIELD_ID(key, ...) K_##key,
enum key_id { CONFIG_FIELDS(CONFIG_FIELD_ID) K_COUNT };
#undef CONFIG_FIELD_ID

/*
 * The keys of a [notify:NAME] section, the same way (rows N_<key>, .off
 * into struct notifier), with one more column: .types, the notifier types
 * (bits of 1u << enum notifier_type) that take the key; the rest refuse it.
 */
#define NT(t) (1u << NOTIFIER_##t)
#define NOTIFIER_ON_DEFAULT ((1u << ALERT_DOWN) | (1u << ALERT_UP) | (1u << ALERT_CERT_EXPIRING) | \
			     (1u << ALERT_REMINDER))
#define NT_ALL (NT(COMMAND) | NT(WEBHOOK) | NT(ALERTMANAGER) | NT(EMAIL))
#define NO(f) offsetof(struct notifier, f)
#define NOTIFIER_FIELDS(X) \
	X(type,         enum,     .off = NO(type), .choices = notifier_types, .def = -1, .types = NT_ALL) \
	X(on,           kinds,    .off = NO(on), .def = NOTIFIER_ON_DEFAULT, \
	  .types = NT_ALL) \
	X(group_wait,   duration, .off = NO(group_wait_ms), .max = 3600000, .def = 10000, \
	  .types = NT(COMMAND) | NT(WEBHOOK) | NT(EMAIL)) \
	X(remind,       duration, .off = NO(remind_ms), .key.flags = KF_OFF, \
	  .types = NT(COMMAND) | NT(WEBHOOK) | NT(EMAIL)) \
	X(timeout,      duration, .off = NO(timeout_ms), .min = 100, .max = 600000, .def = 10000, \
	  .types = NT_ALL) \
	X(retry_for,    duration, .off = NO(retry_for_ms), .min = 1000, .max = 30 * DAY_MS, \
	  .def = DAY_MS, .types = NT_ALL) \
	X(resend,       duration, .off = NO(resend_ms), .min = 1000, .max = 3600000, .def = 60000, \
	  .types = NT(ALERTMANAGER)) \
	X(command,      string,   .off = NO(command), .types = NT(COMMAND)) \
	X(url,          hookurl,  .off = NO(urls), .key.flags = KF_LIST, \
	  .types = NT(WEBHOOK) | NT(ALERTMANAGER)) \
	X(header,       header,   .off = NO(headers), .key.flags = KF_LIST, .types = NT(WEBHOOK)) \
	X(ca_file,      path,     .off = NO(ca_file), .types = NT(WEBHOOK) | NT(ALERTMANAGER) | NT(EMAIL)) \
	X(format,       enum,     .off = NO(format), .choices = notifier_formats, .def = NFMT_JSON, \
	  .types = NT(WEBHOOK)) \
	X(body,         string,   .off = NO(body), .types = NT(WEBHOOK)) \
	X(content_type, word,     .off = NO(content_type), .def_s = "application/json", \
	  .types = NT(WEBHOOK)) \
	X(smtp_url,     smtpurl,  .off = NO(smtp_url), .types = NT(EMAIL)) \
	X(starttls,     bool,     .off = NO(starttls), .def = 1, .types = NT(EMAIL)) \
	X(user,         string,   .off = NO(user), .types = NT(EMAIL)) \
	X(password,     string,   .off = NO(password), .types = NT(EMAIL)) \
	X(from,         word,     .off = NO(from), .types = NT(EMAIL)) \
	X(to,           addrs,    .off = NO(to), .key.flags = KF_LIST, .types = NT(EMAIL))

#define NOTIFIER_FIELD_ID(key, ...) N_##key,
enum notifier_key_id { NOTIFIER_FIELDS(NOTIFIER_FIELD_ID) N_COUNT };
#undef NOTIFIER_FIELD_ID

/* An enum's spelling in the file and its value; a list ends with name NULL. */
struct config_choice {
	const char *name;
	int value;
};

/* A value to parse: the text after ${VAR} substitution and the text as written. */
struct field_in {
	const char *v;     /* what is parsed */
	const char *shown; /* what a message may quote: never an expanded ${VAR} */
	const char *dir;   /* the config file's directory for relative paths; NULL = cwd */
};

struct field_type;

struct config_field {
	struct config_key key; /* first: config_key_at hands out &field.key */
	const struct field_type *type;
	size_t off, aux;
	int64_t min, max, def;
	const char *def_s;
	const struct config_choice *choices;
	unsigned types;        /* notifier keys: the types that take it (NT bits) */
};

/* The table, K_COUNT rows indexed by enum key_id. */
extern const struct config_field config_fields[K_COUNT];

/* The row for a key name (exact, lower-case), or NULL. */
const struct config_field *config_field_find(const char *name);

/* The notifier table, N_COUNT rows indexed by enum notifier_key_id, and its lookup. */
extern const struct config_field notifier_fields[N_COUNT];
const struct config_field *notifier_field_find(const char *name);

/* A notifier with its built-in defaults, named name (copied). Free with notifier_done. */
void notifier_defaults(struct notifier *n, const char *name, int line);
void notifier_done(struct notifier *n);

/*
 * Parses in->v into f's field of obj (a struct endpoint, or the struct
 * config for KF_GLOBAL keys). A repeatable key appends. Returns 0, or -1
 * with msg set to what follows "[section] key: " and obj unchanged (except
 * a regex, whose inherited value a bad one clears).
 */
int config_field_parse(const struct config_field *f, void *obj, const struct field_in *in,
		       char *msg, size_t n);

/* Frees f's field of obj and leaves it empty (an empty list, NULL, 0). */
void config_field_clear(const struct config_field *f, void *obj);

/* Sets the KF_GLOBAL fields of c to their defaults; config_globals_done frees them. */
void config_globals_defaults(struct config *c);
void config_globals_done(struct config *c);

/* A deep copy of src into dst (uninitialised); the compiled regex is shared (rx_copy). */
void endpoint_copy(struct endpoint *dst, const struct endpoint *src);

/* How a type stores its value: what copy, free and compare do with it. */
enum field_kind {
	FK_I64,    /* int64_t */
	FK_INT,    /* int (enums too) */
	FK_BOOL,   /* bool */
	FK_STR,    /* char *, NULL when empty */
	FK_LIST,   /* struct strlist */
	FK_STATUS, /* struct status_range * with its count at .aux */
	FK_JSON,   /* struct json_cond * with its count at .aux */
	FK_REGEX,  /* char * source with its struct rx * at .aux */
};

typedef int field_parse_fn(const struct config_field *f, void *obj, const struct field_in *in,
			   char *msg, size_t n);

struct field_type {
	field_parse_fn *parse;
	enum field_kind kind;
	const char *noun; /* int types: what the bounds count, for messages */
};

/* The field at byte offset off of a struct (endpoint, notifier or config). */
static inline void *field_at(void *obj, size_t off)
{
	return (char *)obj + off;
}

static inline const void *field_cat(const void *obj, size_t off)
{
	return (const char *)obj + off;
}

/* Two optional strings equal (both NULL, or the same text). */
static inline bool field_str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

#endif
