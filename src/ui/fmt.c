/*
 * fmt: the dashboard's pure formatters (see fmt.h). Owns nothing: every
 * function maps its arguments to a string or a number. The display-width
 * functions decode UTF-8 with mbrtowc, so they follow LC_CTYPE like curses
 * does.
 */
#include "httpsmon/fmt.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <wchar.h>

#include "httpsmon/util.h"

char *fmt_clock_local(char *buf, size_t n, int64_t ms, const char *fmt)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!n)
		return buf;
	buf[0] = '\0';
	if (localtime_r(&t, &tm))
		strftime(buf, n, fmt, &tm);
	return buf;
}

char *fmt_time_local(char *buf, size_t n, int64_t ms, bool year)
{
	return fmt_clock_local(buf, n, ms, year ? "%Y-%m-%d %H:%M:%S" : "%m-%d %H:%M:%S");
}

char *fmt_age(char *buf, size_t n, int64_t age_ms)
{
	if (age_ms < -MIN_MS)
		snprintf(buf, n, "-");
	else if (age_ms < SEC_MS)
		snprintf(buf, n, "now");
	else if (age_ms < MIN_MS)
		snprintf(buf, n, "%llds ago", (long long)(age_ms / SEC_MS));
	else if (age_ms < HOUR_MS)
		snprintf(buf, n, "%lldm ago", (long long)(age_ms / MIN_MS));
	else if (age_ms < DAY_MS)
		snprintf(buf, n, "%lldh ago", (long long)(age_ms / HOUR_MS));
	else
		snprintf(buf, n, "%lldd ago", (long long)(age_ms / DAY_MS));
	return buf;
}

char *fmt_span(char *buf, size_t n, int64_t ms)
{
	long long s = (long long)((ms < 0 ? 0 : ms) / SEC_MS);

	if (s < 60)
		snprintf(buf, n, "%llds", s);
	else if (s < 3600)
		snprintf(buf, n, "%lldm%02llds", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, n, "%lldh%02lldm", s / 3600, s % 3600 / 60);
	else
		snprintf(buf, n, "%lldd%02lldh", s / 86400, s % 86400 / 3600);
	return buf;
}

char *fmt_expiry(char *buf, size_t n, int64_t not_after_s, int64_t now_s)
{
	int64_t d = not_after_s - now_s;
	int64_t a = d < 0 ? -d : d;
	char amount[32];

	if (a >= 86400)
		snprintf(amount, sizeof(amount), "%lld d", (long long)(a / 86400));
	else if (a >= 3600)
		snprintf(amount, sizeof(amount), "%lld h", (long long)(a / 3600));
	else
		snprintf(amount, sizeof(amount), "%lld min", (long long)(a / 60));
	if (d < 0)
		snprintf(buf, n, "expired %s ago", amount);
	else
		snprintf(buf, n, "expires in %s", amount);
	return buf;
}

char *fmt_expiry_short(char *buf, size_t n, int64_t not_after_s, int64_t now_s)
{
	int64_t d = not_after_s - now_s;

	if (!not_after_s)
		snprintf(buf, n, "-");
	else if (d < 0)
		snprintf(buf, n, "EXPIRED");
	else if (d >= 86400)
		snprintf(buf, n, "%lldd", (long long)(d / 86400));
	else
		snprintf(buf, n, "%lldh", (long long)(d / 3600));
	return buf;
}

char *fmt_pct(char *buf, size_t n, double pct)
{
	if (pct < 0)
		snprintf(buf, n, "-");
	else if (pct >= 100.0)
		snprintf(buf, n, "100%%");
	else if (pct >= 99.0)
		/* truncate, not round: 99.999 must not claim 100.00 */
		snprintf(buf, n, "%.2f%%", (double)(long long)(pct * 100.0) / 100.0);
	else
		snprintf(buf, n, "%.1f%%", (double)(long long)(pct * 10.0) / 10.0);
	return buf;
}

char *fmt_tls_short(char *buf, size_t n, const char *v)
{
	if (!v || !*v)
		snprintf(buf, n, "-");
	else if (!strncmp(v, "TLSv", 4))
		snprintf(buf, n, "%s", v + 4);
	else
		snprintf(buf, n, "%s", v);
	return buf;
}

void fmt_ring_linear(const int64_t *ring, int len, int head, int cap, int64_t *out)
{
	if (cap <= 0 || len <= 0)
		return;
	if (len > cap)
		len = cap;
	for (int i = 0; i < len; i++)
		out[i] = ring[((head - len + i) % cap + cap) % cap];
}

int fmt_level(int64_t v, int64_t max, int levels)
{
	int64_t l;

	if (v <= 0 || max <= 0 || levels <= 1)
		return 0;
	if (v >= max)
		return levels - 1;
	l = (v * levels) / max;
	return l >= levels ? levels - 1 : (int)l;
}

const char *fmt_spark_cell(int64_t v, int64_t max, bool utf8)
{
	static const char *const blocks[8] = { "▁", "▂", "▃", "▄", "▅", "▆", "▇", "█" };
	static const char *const ascii[8] = { "_", ".", "-", ":", "=", "+", "*", "#" };

	if (v < 0)
		return utf8 ? "×" : "x";
	return (utf8 ? blocks : ascii)[fmt_level(v, max, 8)];
}

char *fmt_spark(char *buf, size_t n, const int64_t *vals, size_t count, size_t width, bool utf8)
{
	size_t first = count > width ? count - width : 0;
	size_t pad = count < width ? width - count : 0;
	int64_t max = 0;
	size_t o = 0;

	if (!n)
		return buf;
	buf[0] = '\0';
	for (size_t i = first; i < count; i++)
		if (vals[i] > max)
			max = vals[i];
	for (size_t i = 0; i < pad && o + 1 < n; i++)
		buf[o++] = ' ';
	for (size_t i = first; i < count; i++) {
		const char *cell = fmt_spark_cell(vals[i], max, utf8);
		size_t len = strlen(cell);

		if (o + len >= n)
			break;
		memcpy(buf + o, cell, len);
		o += len;
	}
	buf[o] = '\0';
	return buf;
}

int fmt_vbar_eighths(int64_t v, int64_t max, int height, int row)
{
	int64_t total, below;

	if (v <= 0 || max <= 0 || height <= 0 || row < 0 || row >= height)
		return 0;
	if (v > max)
		v = max;
	/* the bar's height in eighths of a row, at least one eighth when v > 0 */
	total = (v * height * 8 + max / 2) / max;
	if (total < 1)
		total = 1;
	below = (int64_t)row * 8;
	if (total <= below)
		return 0;
	return total - below >= 8 ? 8 : (int)(total - below);
}

void fmt_bar(int64_t start_us, int64_t len_us, int64_t total_us, int width, int *col, int *cols)
{
	int c, l;

	if (width <= 0 || total_us <= 0 || start_us < 0 || len_us < 0) {
		*col = 0;
		*cols = 0;
		return;
	}
	c = (int)(start_us * width / total_us);
	l = (int)((start_us + len_us) * width / total_us) - c;
	if (c >= width)
		c = width - 1;
	if (l < 1 && len_us > 0)
		l = 1;
	if (c + l > width)
		l = width - c;
	*col = c;
	*cols = l;
}

/* One character of s: its length in bytes and display columns. */
static size_t next_char(const char *s, int *w)
{
	mbstate_t st;
	wchar_t wc;
	size_t len;
	int cw;

	/* printable ASCII is most of what is drawn: skip the locale machinery */
	if ((unsigned char)*s >= 0x20 && (unsigned char)*s < 0x7f) {
		*w = 1;
		return 1;
	}
	memset(&st, 0, sizeof(st));
	len = mbrtowc(&wc, s, strnlen(s, MB_CUR_MAX), &st);
	if (len == (size_t)-1 || len == (size_t)-2 || len == 0) {
		*w = 1;
		return 1;
	}
	cw = wcwidth(wc);
	*w = cw < 0 ? 1 : cw;
	return len;
}

int fmt_width(const char *s)
{
	int cols = 0, w;

	while (*s) {
		s += next_char(s, &w);
		cols += w;
	}
	return cols;
}

size_t fmt_clip(const char *s, int cols, int *used)
{
	size_t bytes = 0;
	int u = 0, w;

	while (s[bytes]) {
		size_t len = next_char(s + bytes, &w);

		if (u + w > cols)
			break;
		u += w;
		bytes += len;
	}
	if (used)
		*used = u;
	return bytes;
}

bool fmt_match(const char *hay, const char *needle)
{
	size_t nl = strlen(needle);

	if (!nl)
		return true;
	if (!hay)
		return false;
	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, nl))
			return true;
	return false;
}
