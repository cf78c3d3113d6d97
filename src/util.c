/*
 * util: allocation that aborts, clocks, unit parsing and formatting, the
 * growable string buffer, string lists, and the terminal sanitiser.
 *
 * Invariants: every formatter writes a NUL-terminated string that fits the
 * buffer it was given; every parser either stores a value and returns 0 or
 * leaves the output alone and returns -1. Nothing here keeps state.
 *
 * Two choices worth knowing:
 *  - util_sanitize leaves backslashes alone, so "\x1b" in the input and an
 *    escaped ESC look the same. Readability of paths and regexes in the UI
 *    wins over an unambiguous round trip; safety does not depend on it.
 *  - strbuf_json_str writes each byte of malformed UTF-8 as \u00NN (the
 *    byte read as Latin-1). The result is always valid JSON and the original
 *    byte value can still be read off, which U+FFFD would lose.
 */
#include "httpsmon/util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static void oom(size_t n)
{
	fprintf(stderr, "httpsmon: out of memory allocating %zu bytes\n", n);
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom(n);
	return p;
}

void *xcalloc(size_t nmemb, size_t size)
{
	void *p;

	if (!nmemb || !size)
		nmemb = size = 1;
	p = calloc(nmemb, size);
	if (!p)
		oom(nmemb * size);
	return p;
}

void *xgrow(void *v, size_t n, size_t *cap, size_t elem, size_t first)
{
	size_t want;

	if (n < *cap)
		return v;
	want = *cap ? *cap * 2 : first;
	if (want < *cap || (elem && want > SIZE_MAX / elem))
		oom(SIZE_MAX);
	*cap = want;
	return xrealloc(v, want * elem);
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom(n);
	return q;
}

char *xstrdup(const char *s)
{
	if (!s)
		return NULL;
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	char *p;

	if (!s)
		return NULL;
	n = strnlen(s, n);
	p = xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	int len;
	char *p;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0) {
		fprintf(stderr, "httpsmon: bad format string \"%s\"\n", fmt);
		abort();
	}
	p = xmalloc((size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return p;
}

int64_t util_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Copies s without surrounding white space into buf; -1 if it does not fit. */
static int trim_into(const char *s, char *buf, size_t n)
{
	size_t len;

	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= n)
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/*
 * Reads an unsigned decimal number with an optional fraction ("12",
 * "1.5"). Signs, exponents, hex and "inf" are refused, which strtod alone
 * would accept.
 */
static int parse_decimal(const char **sp, double *v)
{
	const char *s = *sp;
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		while (isdigit((unsigned char)*s))
			s++;
	}
	errno = 0;
	*v = strtod(*sp, &end);
	if (errno || end != s || !isfinite(*v))
		return -1;
	*sp = s;
	return 0;
}

/* A duration or size beyond this is a typo, and stays exact in a double. */
#define UNIT_MAX ((double)(1LL << 53))

int util_parse_duration_ms(const char *s, int64_t *ms)
{
	static const struct {
		const char *name;
		double ms;
	} units[] = {
		/* "ms" before "m" so the longest unit wins */
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 }, { "d", 86400000 },
	};
	char buf[64];
	const char *p = buf;
	double total = 0;

	if (trim_into(s, buf, sizeof(buf)) || !*buf)
		return -1;
	/* compound forms like "1h30m" are accepted as a sum */
	while (*p) {
		double v;
		size_t i, ulen = 0;

		if (parse_decimal(&p, &v))
			return -1;
		while (*p == ' ')
			p++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ulen = strlen(units[i].name);
			if (strncmp(p, units[i].name, ulen) == 0 &&
			    !isalpha((unsigned char)p[ulen]))
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1; /* no unit, or an unknown one */
		p += ulen;
		while (*p == ' ')
			p++;
		total += v * units[i].ms;
		if (total > UNIT_MAX)
			return -1;
	}
	*ms = (int64_t)llround(total);
	return 0;
}

int util_parse_size(const char *s, int64_t *bytes)
{
	static const struct {
		const char *name;
		double mult;
	} units[] = {
		{ "", 1 }, { "b", 1 },
		{ "kib", 1024.0 }, { "mib", 1048576.0 }, { "gib", 1073741824.0 },
		{ "kb", 1e3 }, { "mb", 1e6 }, { "gb", 1e9 },
	};
	char buf[64];
	const char *p = buf;
	double v, total;
	size_t i;

	if (trim_into(s, buf, sizeof(buf)) || parse_decimal(&p, &v))
		return -1;
	while (*p == ' ')
		p++;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcasecmp(p, units[i].name) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return -1;
	total = v * units[i].mult;
	/* "1.5B" makes no sense; "1.5KiB" does, and is exact */
	if (total > UNIT_MAX || total != floor(total))
		return -1;
	*bytes = (int64_t)total;
	return 0;
}

int util_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int util_parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	char buf[16];
	size_t i;

	if (trim_into(s, buf, sizeof(buf)))
		return -1;
	for (i = 0; i < 4; i++) {
		if (strcasecmp(buf, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(buf, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

/*
 * Negative durations print as "-": probe timings use -1 for "phase never
 * reached", and "-" is what a table should show for it. Each step rounds
 * first and only then picks the unit, so 59.96s becomes "1m00s", never
 * "60.0s".
 */
char *util_fmt_duration_us(char *buf, size_t n, int64_t us)
{
	long long v;

	if (!n)
		return buf;
	if (us < 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	if (us < 1000) {
		snprintf(buf, n, "%lldus", (long long)us);
		return buf;
	}
	v = (us + 50) / 100; /* tenths of a millisecond */
	if (v < 1000) {
		snprintf(buf, n, "%lld.%lldms", v / 10, v % 10);
		return buf;
	}
	v = (us + 500) / 1000; /* milliseconds */
	if (v < 1000) {
		snprintf(buf, n, "%lldms", v);
		return buf;
	}
	v = (us + 5000) / 10000; /* hundredths of a second */
	if (v < 1000) {
		snprintf(buf, n, "%lld.%02llds", v / 100, v % 100);
		return buf;
	}
	v = (us + 50000) / 100000; /* tenths of a second */
	if (v < 600) {
		snprintf(buf, n, "%lld.%llds", v / 10, v % 10);
		return buf;
	}
	v = (us + 500000) / 1000000; /* seconds */
	if (v < 3600) {
		snprintf(buf, n, "%lldm%02llds", v / 60, v % 60);
		return buf;
	}
	v = (us + 30000000) / 60000000; /* minutes */
	if (v < 1440) {
		snprintf(buf, n, "%lldh%02lldm", v / 60, v % 60);
		return buf;
	}
	v = (us + 1800000000LL) / 3600000000LL; /* hours */
	snprintf(buf, n, "%lldd%02lldh", v / 24, v % 24);
	return buf;
}

char *util_fmt_ms(char *buf, size_t n, int64_t us)
{
	long long tenths;

	if (!n)
		return buf;
	if (us < 0) {
		snprintf(buf, n, "-");
		return buf;
	}
	tenths = (us + 50) / 100;
	snprintf(buf, n, "%lld.%lld", tenths / 10, tenths % 10);
	return buf;
}

char *util_fmt_days(char *buf, size_t n, int64_t days)
{
	if (!n)
		return buf;
	if (days < 0)
		snprintf(buf, n, "expired %lldd ago", -(long long)days);
	else if (days == 0)
		snprintf(buf, n, "today");
	else
		snprintf(buf, n, "%lldd", (long long)days);
	return buf;
}

char *util_fmt_time_utc(char *buf, size_t n, int64_t unix_s)
{
	time_t t = (time_t)unix_s;
	struct tm tm;

	if (!n)
		return buf;
	if (!gmtime_r(&t, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
	return buf;
}

/*
 * Length of the valid UTF-8 sequence at p (1-4) with its code point in
 * *cp, or 0 when the bytes there are not valid UTF-8: a stray continuation
 * byte, a truncated sequence, an overlong form, a surrogate or a value
 * beyond U+10FFFF.
 */
static size_t utf8_decode(const unsigned char *p, size_t len, uint32_t *cp)
{
	uint32_t c;
	size_t need, i;

	if (!len)
		return 0;
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 1;
		c = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 2;
		c = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 3;
		c = p[0] & 0x07;
	} else {
		return 0; /* continuation byte, or 0xc0/0xc1/0xf5+ which only start overlongs */
	}
	if (len < need + 1)
		return 0;
	for (i = 1; i <= need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (p[i] & 0x3f);
	}
	if ((need == 2 && c < 0x800) || (need == 3 && c < 0x10000) || c > 0x10ffff ||
	    (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return need + 1;
}

/*
 * Code points that are valid UTF-8 yet steer the terminal or reorder what
 * the user reads: C1 controls (U+0080..U+009F, which some terminals obey
 * as CSI and friends), line/paragraph separators and bidi overrides
 * ("Trojan Source" spoofing).
 */
static bool dangerous_cp(uint32_t c)
{
	return (c >= 0x80 && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0x200e ||
	       c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

/* ---- URL redaction ---- */

struct redact_out {
	char *s;
	size_t n, len;
	bool full; /* something did not fit: nothing more is written */
};

/* Appends len bytes; what does not fit is cut at a UTF-8 character boundary. */
static void rd_put(struct redact_out *w, const char *p, size_t len)
{
	size_t room = w->n - 1 - w->len;

	if (w->full)
		return;
	if (len > room) {
		while (room > 0 && ((unsigned char)p[room] & 0xc0) == 0x80)
			room--;
		len = room;
		w->full = true;
	}
	memcpy(w->s + w->len, p, len);
	w->len += len;
	w->s[w->len] = '\0';
}

#define REDACTED "\xe2\x80\xa6" /* U+2026 HORIZONTAL ELLIPSIS */

/* The mark that replaces a value: whole or not at all. */
static void rd_mark(struct redact_out *w)
{
	if (!w->full && w->n - 1 - w->len < sizeof(REDACTED) - 1)
		w->full = true;
	rd_put(w, REDACTED, sizeof(REDACTED) - 1);
}

/* "a=1&b&c=" from p to end: names kept, values replaced. */
static void rd_params(struct redact_out *w, const char *p, const char *end)
{
	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;

		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq) {
			rd_put(w, p, (size_t)(eq + 1 - p));
			if (eq + 1 < amp)
				rd_mark(w);
		} else if (amp > p) {
			rd_mark(w);
		}
		if (amp < end)
			rd_put(w, "&", 1);
		p = amp + 1;
	}
}

char *util_url_redact(const char *url, char *out, size_t n)
{
	struct redact_out w = { out, n, 0, false };
	const char *p, *auth, *auth_end, *at, *q, *hash, *end;

	out[0] = '\0';
	if (!url)
		return out;
	end = url + strlen(url);
	p = url;
	/* userinfo only after a scheme: "scheme://user:pass@host" */
	auth = strstr(url, "://");
	if (auth && (size_t)(auth - url) == strspn(url, "abcdefghijklmnopqrstuvwxyz"
					      "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+-.")) {
		auth += 3;
		auth_end = auth + strcspn(auth, "/?#");
		at = memrchr(auth, '@', (size_t)(auth_end - auth));
		if (at) {
			const char *colon = memchr(auth, ':', (size_t)(at - auth));

			rd_put(&w, url, (size_t)((colon ? colon + 1 : auth) - url));
			rd_mark(&w);
			p = at; /* "@host..." */
		}
	}
	q = p + strcspn(p, "?#");
	rd_put(&w, p, (size_t)(q - p));
	hash = memchr(q, '#', (size_t)(end - q));
	if (*q == '?') {
		const char *qend = hash ? hash : end;

		rd_put(&w, "?", 1);
		rd_params(&w, q + 1, qend);
	}
	if (hash) {
		rd_put(&w, "#", 1);
		rd_params(&w, hash + 1, end);
	}
	return out;
}

char *util_sanitize(const char *in, size_t in_len, char *out, size_t n)
{
	const unsigned char *p = (const unsigned char *)in;
	size_t i = 0, used = 0;

	if (!n)
		return out;
	while (in && i < in_len) {
		char tmp[16];
		const char *piece = tmp;
		size_t plen, step;
		uint32_t cp;

		step = utf8_decode(p + i, in_len - i, &cp);
		if (!step) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", p[i]);
			step = 1;
		} else if (cp == '\n') {
			piece = "\\n";
		} else if (cp == '\t') {
			piece = "\\t";
		} else if (cp == '\r') {
			piece = "\\r";
		} else if (cp < 0x20 || cp == 0x7f) {
			snprintf(tmp, sizeof(tmp), "\\x%02x", (unsigned)cp);
		} else if (dangerous_cp(cp)) {
			snprintf(tmp, sizeof(tmp), "\\u%04x", (unsigned)cp);
		} else {
			memcpy(tmp, p + i, step);
			tmp[step] = '\0';
		}
		plen = strlen(piece);
		if (used + plen > n - 1)
			break; /* whole characters only */
		memcpy(out + used, piece, plen);
		used += plen;
		i += step;
	}
	out[used] = '\0';
	return out;
}

static void strbuf_grow(struct strbuf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	if (need < b->len) {
		fprintf(stderr, "httpsmon: string too long\n");
		abort();
	}
	b->cap = b->cap ? b->cap : 64;
	while (b->cap < need)
		b->cap = b->cap * 2 > b->cap ? b->cap * 2 : need;
	b->s = xrealloc(b->s, b->cap);
}

void strbuf_append(struct strbuf *b, const char *s, size_t n)
{
	strbuf_grow(b, n);
	if (n)
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_puts(struct strbuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	strbuf_grow(b, (size_t)len);
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)len + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)len;
}

/*
 * NULL becomes the JSON null. Besides what JSON requires, DEL, C1 controls
 * and U+2028/U+2029 are escaped so the output is also safe to cat to a
 * terminal and to embed in JavaScript.
 */
void strbuf_json_str(struct strbuf *b, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len, i = 0;

	if (!s) {
		strbuf_puts(b, "null");
		return;
	}
	len = strlen(s);
	strbuf_append(b, "\"", 1);
	while (i < len) {
		uint32_t cp = 0;
		size_t step = utf8_decode(p + i, len - i, &cp);

		if (!step) {
			strbuf_printf(b, "\\u%04x", p[i]);
			i++;
			continue;
		}
		switch (cp) {
		case '"': strbuf_puts(b, "\\\""); break;
		case '\\': strbuf_puts(b, "\\\\"); break;
		case '\b': strbuf_puts(b, "\\b"); break;
		case '\f': strbuf_puts(b, "\\f"); break;
		case '\n': strbuf_puts(b, "\\n"); break;
		case '\r': strbuf_puts(b, "\\r"); break;
		case '\t': strbuf_puts(b, "\\t"); break;
		default:
			if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
			    cp == 0x2028 || cp == 0x2029)
				strbuf_printf(b, "\\u%04x", (unsigned)cp);
			else
				strbuf_append(b, s + i, step);
		}
		i += step;
	}
	strbuf_append(b, "\"", 1);
}

const char *strbuf_cstr(const struct strbuf *b)
{
	return b->s ? b->s : "";
}

void strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void strbuf_done(struct strbuf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

void strlist_push(struct strlist *l, const char *s)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n++] = xstrdup(s);
}

/* dst's old contents are freed first: after the call dst equals src. */
void strlist_copy(struct strlist *dst, const struct strlist *src)
{
	size_t i;

	if (dst == src)
		return;
	strlist_done(dst);
	for (i = 0; i < src->n; i++)
		strlist_push(dst, src->v[i]);
}

void strlist_done(struct strlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

bool strlist_equal(const struct strlist *a, const struct strlist *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

int util_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	unsigned *row;
	unsigned d;

	/* the length difference is a lower bound: no need for the table */
	if ((la > lb ? la - lb : lb - la) >= 255)
		return 255;
	row = xmalloc((lb + 1) * sizeof(*row));
	for (j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = (unsigned)i;
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d > 255 ? 255 : (int)d;
}

void util_known_list(struct strbuf *b, const struct strlist *l, size_t cap)
{
	char tmp[4 * 64 + 1];

	if (!l->n)
		strbuf_puts(b, "none");
	for (size_t i = 0; i < l->n && i < cap; i++) {
		strbuf_puts(b, i ? ", " : "");
		strbuf_puts(b, util_sanitize(l->v[i], strlen(l->v[i]), tmp, sizeof(tmp)));
	}
	if (l->n > cap)
		strbuf_printf(b, " ... (%zu more)", l->n - cap);
}

char *util_fmt_time_utc_ms(char *buf, size_t n, int64_t unix_ms)
{
	int64_t s = unix_ms >= 0 ? unix_ms / 1000 : -((999 - unix_ms) / 1000);
	char day[32];

	util_fmt_time_utc(day, sizeof(day), s);
	/* "...:36Z" -> "...:36.250Z" */
	if (n && *day)
		snprintf(buf, n, "%.*s.%03dZ", (int)strlen(day) - 1, day, (int)(unix_ms - s * 1000));
	else if (n)
		buf[0] = '\0';
	return buf;
}

int util_parse_time_ms(const char *s, int64_t now_ms, int64_t *ms)
{
	struct tm tm = { 0 };
	int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, used = 0, fdigits = 0;
	const char *p;
	int64_t dur;

	if (util_parse_duration_ms(s, &dur) == 0) {
		*ms = now_ms - dur;
		return 0;
	}
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &used) != 3 || used != 10)
		return -1;
	p = s + used;
	if (*p == 'T' || *p == ' ') {
		if (sscanf(p + 1, "%2d:%2d%n", &h, &mi, &used) != 2 || used != 5)
			return -1;
		p += 1 + used;
		if (*p == ':') {
			if (sscanf(p + 1, "%2d%n", &sec, &used) != 1 || used != 2)
				return -1;
			p += 1 + used;
			if (*p == '.') {
				for (p++; *p >= '0' && *p <= '9'; p++, fdigits++)
					if (fdigits < 3)
						frac = frac * 10 + (*p - '0');
				if (!fdigits)
					return -1;
				for (int k = fdigits; k < 3; k++)
					frac *= 10;
			}
		}
	}
	if (*p == 'Z')
		p++;
	if (*p || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59)
		return -1;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	/* timegm normalises 2026-02-31 into March: refuse what it had to move */
	*ms = (int64_t)timegm(&tm) * 1000 + frac;
	if (tm.tm_mday != d || tm.tm_mon != mo - 1)
		return -1;
	return 0;
}
