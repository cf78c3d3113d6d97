/*
 * alert_email: an alert group as an RFC 5322 message (the email
 * transport's body) and its subject line. Declared in alert_format.h.
 *
 * Invariants: no header value holds CR or LF (header_clean removes them
 * and every other control character), so no text can add a header; every
 * line ends CRLF and is at most 998 bytes (long lines are broken at a
 * UTF-8 boundary); a subject that is not ASCII is RFC 2047 encoded.
 * Dot-stuffing of lines that start with "." is libcurl's (the SMTP upload
 * escapes CRLF "." itself).
 */
#include "httpsmon/alert_format.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/util.h"

#define LINE_MAX_BYTES 900 /* under RFC 5322's 998, with room for CRLF */

/* Appends s without any control character (CR, LF, NUL, ESC, ...). */
static void header_clean(struct strbuf *b, const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s >= 0x20 && *s != 0x7f)
			strbuf_append(b, s, 1);
}

static bool is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return false;
	return true;
}

static void base64(struct strbuf *b, const unsigned char *p, size_t n)
{
	static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);
		char q[4] = { tab[v >> 18 & 63], tab[v >> 12 & 63], i + 1 < n ? tab[v >> 6 & 63] : '=',
			      i + 2 < n ? tab[v & 63] : '=' };

		strbuf_append(b, q, 4);
	}
}

/* RFC 2047 encoded words of at most 45 input bytes each (72 columns),
 * cut at UTF-8 character boundaries, folded with CRLF SP. */
static void encode_words(struct strbuf *b, const char *s)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t n = len - i > 45 ? 45 : len - i;

		while (n > 1 && i + n < len && ((unsigned char)s[i + n] & 0xc0) == 0x80)
			n--; /* do not split a character */
		if (i)
			strbuf_puts(b, "\r\n ");
		strbuf_puts(b, "=?UTF-8?B?");
		base64(b, (const unsigned char *)s + i, n);
		strbuf_puts(b, "?=");
		i += n;
	}
}

char *alert_format_subject(const struct alert_group *g)
{
	static const char *const words[ALERT_KIND_COUNT] = {
		"DOWN", "UP", "WARN", "WARN ended", "CERT EXPIRING", "CERT CHANGED", "STILL DOWN", "TEST", "LOCAL NETWORK",
	};
	struct strbuf b = { 0 }, s = { 0 };
	char *text = alert_format_text(g);
	const char *nl = strchr(text, '\n');
	char *r;

	/* the first line of the text, less the kind's verb, after the kind word */
	strbuf_printf(&b, "[httpsmon] %s ", words[(unsigned)g->kind < ALERT_KIND_COUNT ? g->kind : ALERT_TEST]);
	if (g->n == 1) {
		const struct alert *a = &g->v[0];
		char c[512];

		util_sanitize(a->endpoint ? a->endpoint : "?", strlen(a->endpoint ? a->endpoint : "?"), c, sizeof(c));
		strbuf_puts(&b, c);
		if (a->reason && *a->reason && !alert_is_resolved(a)) {
			util_sanitize(a->reason, strlen(a->reason), c, sizeof(c));
			strbuf_printf(&b, ": %s", c);
		} else if (alert_is_resolved(a) && a->duration_s >= 0) {
			util_fmt_duration_us(c, sizeof(c), a->duration_s * 1000000);
			strbuf_printf(&b, " after %s", c);
		} else if (a->has_days_left) {
			util_fmt_days(c, sizeof(c), a->days_left);
			strbuf_printf(&b, ": %s", c);
		}
	} else {
		/* "12 endpoints DOWN: dns (9), refused (3)" less the kind word */
		const char *colon = strchr(text, ':');

		strbuf_printf(&b, "%zu endpoints", g->n);
		if (colon && (!nl || colon < nl))
			strbuf_append(&b, colon, (size_t)((nl ? nl : colon + strlen(colon)) - colon));
	}
	free(text);
	header_clean(&s, strbuf_cstr(&b));
	strbuf_done(&b);
	if (s.len > 200) { /* a subject is a line, not a report: the body has the rest */
		size_t cut = 197;

		while (cut && ((unsigned char)s.s[cut] & 0xc0) == 0x80)
			cut--;
		s.len = cut;
		s.s[cut] = '\0';
		strbuf_puts(&s, "...");
	}
	r = xstrdup(strbuf_cstr(&s));
	strbuf_done(&s);
	return r;
}

/* RFC 5322 date, in English whatever the locale: "Wed, 02 Dec 2026 04:54:17 +0000". */
static void rfc5322_date(char *buf, size_t n, int64_t unix_s)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		snprintf(buf, n, "Thu, 01 Jan 1970 00:00:00 +0000");
		return;
	}
	snprintf(buf, n, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
		 tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static void header(struct strbuf *b, const char *name, const char *value)
{
	strbuf_printf(b, "%s: ", name);
	header_clean(b, value);
	strbuf_puts(b, "\r\n");
}

/* Appends text with its "\n" as CRLF and lines broken at LINE_MAX_BYTES. */
static void body_lines(struct strbuf *b, const char *text)
{
	while (*text) {
		size_t n = strcspn(text, "\n");

		while (n > LINE_MAX_BYTES) {
			size_t cut = LINE_MAX_BYTES;

			while (cut && ((unsigned char)text[cut] & 0xc0) == 0x80)
				cut--;
			strbuf_append(b, text, cut);
			strbuf_puts(b, "\r\n");
			text += cut;
			n -= cut;
		}
		strbuf_append(b, text, n);
		strbuf_puts(b, "\r\n");
		text += n + (text[n] == '\n');
	}
}

/* "name:          value" (cleaned), when value is present. */
static void detail(struct strbuf *t, const char *label, const char *value)
{
	char c[2048];

	if (value && *value)
		strbuf_printf(t, "%-14s %s\n", label, util_sanitize(value, strlen(value), c, sizeof(c)));
}

/* The details of each alert, one "name: value" per line. */
static void details(struct strbuf *b, const struct alert_group *g)
{
	struct strbuf t = { 0 };
	char c[2048];

	for (size_t i = 0; i < g->n; i++) {
		const struct alert *a = &g->v[i];

		strbuf_puts(&t, "\n");
		detail(&t, "endpoint:", a->endpoint);
		if (a->url && *a->url)
			detail(&t, "url:", util_url_redact(a->url, c, sizeof(c)));
		detail(&t, "state:", a->state);
		detail(&t, "reason:", a->reason);
		detail(&t, "message:", a->message);
		if (a->since_s > 0)
			detail(&t, "since:", util_fmt_time_utc(c, sizeof(c), a->since_s));
		if (a->end_s > 0)
			detail(&t, "ended:", util_fmt_time_utc(c, sizeof(c), a->end_s));
		if (a->duration_s >= 0)
			detail(&t, "duration:", util_fmt_duration_us(c, sizeof(c), a->duration_s * 1000000));
		if (a->has_days_left)
			strbuf_printf(&t, "%-14s %d\n", "days left:", a->days_left);
		if (a->failed_probes > 0)
			strbuf_printf(&t, "%-14s %d\n", "failed probes:", a->failed_probes);
	}
	body_lines(b, strbuf_cstr(&t));
	strbuf_done(&t);
}

char *alert_format_email(const struct alert_group *g, const char *from, const char *const *to, size_t nto,
			 const char *host, int64_t now_s)
{
	static unsigned counter;
	struct strbuf b = { 0 }, v = { 0 };
	char *subject = alert_format_subject(g), *text = alert_format_text(g), *r;
	char date[64];

	rfc5322_date(date, sizeof(date), now_s);
	header(&b, "Date", date);
	strbuf_printf(&v, "<%lld.%u.%016llx@", (long long)now_s, ++counter,
		      (unsigned long long)(hash_str(text) ^ hash_u64((uint64_t)getpid())));
	header_clean(&v, host && *host ? host : "localhost");
	strbuf_puts(&v, ">");
	header(&b, "Message-ID", strbuf_cstr(&v));
	header(&b, "From", from);
	strbuf_reset(&v);
	for (size_t i = 0; i < nto; i++) {
		if (i)
			strbuf_puts(&v, ", ");
		header_clean(&v, to[i]);
	}
	header(&b, "To", strbuf_cstr(&v));
	strbuf_done(&v);
	if (is_ascii(subject)) {
		header(&b, "Subject", subject);
	} else {
		strbuf_puts(&b, "Subject: ");
		encode_words(&b, subject);
		strbuf_puts(&b, "\r\n");
	}
	header(&b, "MIME-Version", "1.0");
	header(&b, "Content-Type", "text/plain; charset=utf-8");
	header(&b, "Content-Transfer-Encoding", "8bit");
	header(&b, "Auto-Submitted", "auto-generated");
	strbuf_puts(&b, "\r\n");
	body_lines(&b, text);
	details(&b, g);
	free(subject);
	free(text);
	r = xstrdup(strbuf_cstr(&b));
	strbuf_done(&b);
	return r;
}
