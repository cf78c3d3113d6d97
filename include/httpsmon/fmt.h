/*
 * fmt: the dashboard's pure formatters. Numbers, times and arrays in, short
 * strings for people out: "143 ms", "3m ago", "expires in 12 d", a
 * sparkline from an array of latencies, the geometry of a waterfall bar.
 * No curses, no clock, no I/O: every function is a function of its
 * arguments (the display-width ones also of the LC_CTYPE locale), so the
 * cmocka tests in tests/test_fmt.c pin them down.
 *
 * Every function writing into buf always NUL-terminates it (truncating to
 * n) and returns buf, so it can sit inside a printf argument list.
 */
#ifndef HTTPSMON_FMT_H
#define HTTPSMON_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Durations (latencies, outage lengths) have one formatter for the CLI and
 * the dashboard alike: util_fmt_duration_us ("850us", "4.2ms", "143ms",
 * "1.24s", "39.4s", "3m12s"). fmt_span below is for configured spans
 * (an interval, a chart column), in whole units.
 */

/*
 * A wall-clock time in ms as local time, the one date format of the
 * dashboard: "2026-12-02 05:03:47", or without the year ("12-02 05:03:47")
 * where the room is short.
 */
char *fmt_time_local(char *buf, size_t n, int64_t ms, bool year);

/* A wall-clock time in ms as local time in strftime format fmt (a clock: "%H:%M:%S"). */
char *fmt_clock_local(char *buf, size_t n, int64_t ms, const char *fmt);

/* How long ago, from an age in ms: "now", "5s ago", "3m ago", "2h ago", "4d ago"; "-" when age_ms < 0 is absurd (> 1 min in the future). */
char *fmt_age(char *buf, size_t n, int64_t age_ms);

/* A span in ms, compact: "45s", "3m12s", "2h05m", "3d04h". */
char *fmt_span(char *buf, size_t n, int64_t ms);

/*
 * A certificate's expiry relative to now (both Unix seconds):
 * "expires in 12 d", "expires in 5 h", "expires in 12 min", "expired 3 d ago", "expired 2 h ago".
 */
char *fmt_expiry(char *buf, size_t n, int64_t not_after_s, int64_t now_s);

/* The same for a narrow column: "12d", "5h", "EXPIRED"; "-" when not_after_s is 0 (no certificate). */
char *fmt_expiry_short(char *buf, size_t n, int64_t not_after_s, int64_t now_s);

/* An uptime percentage: "100%", "99.95%", "97.1%"; "-" when pct < 0 (no data). Never rounds up to 100%. */
char *fmt_pct(char *buf, size_t n, double pct);

/* "TLSv1.3" -> "1.3", "" -> "-"; anything else is copied. */
char *fmt_tls_short(char *buf, size_t n, const char *tls_version);

/*
 * Copies the len newest values of a ring buffer of capacity cap whose next
 * write goes to head, oldest first, into out (room for len values).
 */
void fmt_ring_linear(const int64_t *ring, int len, int head, int cap, int64_t *out);

/*
 * A sparkline of the last width values of vals[0..count) (oldest first),
 * right-aligned (padded with spaces on the left when count < width), one
 * cell per value, scaled from 0 to the largest value shown. A value < 0 is
 * a failed probe: drawn as "×" (UTF-8) or "x". UTF-8 levels are "▁▂▃▄▅▆▇█",
 * ASCII levels "_.-:=+*#".
 */
char *fmt_spark(char *buf, size_t n, const int64_t *vals, size_t count, size_t width, bool utf8);

/* One sparkline cell for v on a 0..max scale ("×"/"x" when v < 0). A static string. */
const char *fmt_spark_cell(int64_t v, int64_t max, bool utf8);

/* Which of levels steps (0..levels-1) value v is on a 0..max scale; v <= 0 or max <= 0 is 0. */
int fmt_level(int64_t v, int64_t max, int levels);

/*
 * A vertical bar chart cell: for a bar of value v on a 0..max scale drawn
 * height rows tall, how many eighths (0..8) of the cell at row (0 = bottom)
 * are filled.
 */
int fmt_vbar_eighths(int64_t v, int64_t max, int height, int row);

/*
 * Waterfall geometry: a phase starting start_us into a probe of total_us,
 * lasting len_us, drawn on width columns. *col is its first column, *cols
 * its length: at least 1 for a phase that took any time (so a 50 us DNS
 * lookup stays visible), never past the last column.
 */
void fmt_bar(int64_t start_us, int64_t len_us, int64_t total_us, int width, int *col, int *cols);

/*
 * Display columns of UTF-8 text (wcwidth per character; an undecodable
 * byte or an unprintable character counts 1).
 */
int fmt_width(const char *s);

/*
 * How many bytes of s fit in cols display columns without splitting a
 * character; *used (may be NULL) gets the columns they take.
 */
size_t fmt_clip(const char *s, int cols, int *used);

/* Case-insensitive (ASCII) substring test; an empty needle matches. */
bool fmt_match(const char *hay, const char *needle);

#endif
