/*
 * util: small helpers every module may use. Allocation that aborts on
 * exhaustion (a monitor that cannot allocate a few bytes cannot report
 * anything truthfully), clocks, unit parsing and formatting, a growable
 * string buffer, and the one sanitiser that makes hostile text printable.
 * Depends on nothing else in httpsmon.
 */
#ifndef HTTPSMON_UTIL_H
#define HTTPSMON_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation: never returns NULL; prints a message and aborts instead. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/*
 * The one growth rule for dynamic arrays: room for one more element in
 * array v of n used out of *cap (elements of elem bytes), doubling *cap
 * (first when 0). Returns v, or v moved; aborts on exhaustion or overflow.
 * Use: v = xgrow(v, n, &cap, sizeof(*v), 16); v[n++] = x;
 */
void *xgrow(void *v, size_t n, size_t *cap, size_t elem, size_t first);
char *xstrdup(const char *s);            /* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Clocks, and the spans the modules count in (milliseconds). */
#define SEC_MS  1000LL
#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL
int64_t util_now_ms(void);   /* wall clock, ms since the Unix epoch */
int64_t util_mono_us(void);  /* monotonic clock, microseconds, arbitrary origin */

/*
 * Unit parsing. Each returns 0 and stores the value, or -1 on a malformed
 * or out-of-range value (the caller names file:line). Surrounding white
 * space is ignored; the unit is required where ambiguity would hurt.
 *  duration: "250ms", "30s", "5m", "1h", "2d", also "1.5s"; -> milliseconds.
 *            A bare number is refused (seconds or milliseconds?).
 *  size:     "512", "512B", "64KiB", "1MiB", "1GiB", "64KB"/"1MB" (powers of 1000).
 *  bool:     yes/no, true/false, on/off, 1/0 (case-insensitive).
 */
int util_parse_duration_ms(const char *s, int64_t *ms);
int util_parse_size(const char *s, int64_t *bytes);
int util_parse_bool(const char *s, bool *b);
/* The value of hex digit c (either case), or -1 when c is not one. */
int util_hex_digit(char c);

/*
 * Formatting for people, into buf (always NUL-terminated, truncated to n).
 * Returns buf so it can be used inside printf arguments.
 *  duration_us: "850us", "12.3ms", "143ms", "1.24s", "2m05s", "3h12m", "5d04h"
 *  days:        "expired 3d ago", "today", "12d"
 */
char *util_fmt_duration_us(char *buf, size_t n, int64_t us);
char *util_fmt_ms(char *buf, size_t n, int64_t us); /* "143.2" ms with one decimal */
char *util_fmt_days(char *buf, size_t n, int64_t days); /* days left; < 0 = expired */

/*
 * ISO-8601 UTC "2026-11-26T23:59:36Z" of a Unix time in seconds.
 */
char *util_fmt_time_utc(char *buf, size_t n, int64_t unix_s);

/* ISO-8601 UTC with milliseconds, "2026-11-26T23:59:36.250Z", of a Unix time in ms. */
char *util_fmt_time_utc_ms(char *buf, size_t n, int64_t unix_ms);

/*
 * A point in time for --since/--until: a duration back from now_ms ("7d",
 * "90m": util_parse_duration_ms), or a UTC date and time "2026-11-26",
 * "2026-11-26T23:59", "2026-11-26T23:59:36", "2026-11-26 23:59:36.250",
 * each with an optional trailing 'Z' (no other offset). Into *ms (Unix ms).
 * Returns 0, or -1 on anything else.
 */
int util_parse_time_ms(const char *s, int64_t now_ms, int64_t *ms);

/*
 * util_sanitize: copy untrusted text (network, certificates, config) so that
 * it is safe to write to a terminal: C0/C1 control characters, DEL and ESC
 * become visible escapes ("\x1b", "\n", "\t"...), malformed UTF-8 bytes
 * become "\xNN", valid UTF-8 is kept. Output is NUL-terminated and cut at a
 * character boundary to fit n. Returns out.
 */
char *util_sanitize(const char *in, size_t in_len, char *out, size_t n);

/*
 * util_url_redact: a URL (or a relative reference such as a Location) as it
 * may be shown or logged. Query and fragment parameters keep their names
 * and lose their values ("?api_token=…&page=…"; an empty value stays empty,
 * a parameter without '=' is replaced whole by "…"); userinfo becomes
 * "user:…@", or "…@" when it has no password. Scheme, host, port and path
 * are kept. The output is NUL-terminated and, when n is too small, cut at
 * a character boundary and never inside a "…" (so a cut never shows more
 * of a value). NULL url gives "". n must be at least 1. Returns out.
 */
char *util_url_redact(const char *url, char *out, size_t n);

/* A growable, always NUL-terminated string. Zero-initialise to start. */
struct strbuf {
	char *s;     /* NULL until the first append */
	size_t len;  /* bytes used, excluding the NUL */
	size_t cap;  /* bytes allocated */
};
void strbuf_append(struct strbuf *b, const char *s, size_t n);
void strbuf_puts(struct strbuf *b, const char *s);
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal (quotes included, escapes applied). */
void strbuf_json_str(struct strbuf *b, const char *s);
const char *strbuf_cstr(const struct strbuf *b); /* "" when empty */
void strbuf_reset(struct strbuf *b);            /* keep the memory, empty it */
void strbuf_done(struct strbuf *b);             /* free the memory */

/* A list of owned strings. Zero-initialise to start. */
struct strlist {
	char **v;
	size_t n;
};
void strlist_push(struct strlist *l, const char *s); /* copies s */
void strlist_copy(struct strlist *dst, const struct strlist *src);
void strlist_done(struct strlist *l);
/* Same strings in the same order. */
bool strlist_equal(const struct strlist *a, const struct strlist *b);

/*
 * Levenshtein distance of two short strings, capped at 255; used for
 * "did you mean" suggestions.
 */
int util_edit_distance(const char *a, const char *b);

/*
 * Appends the names of l to b for a "known: ..." hint: at most cap of
 * them, sanitised for the terminal, joined by ", ", then "... (N more)"
 * when there are more; "none" when l is empty.
 */
void util_known_list(struct strbuf *b, const struct strlist *l, size_t cap);

#endif
