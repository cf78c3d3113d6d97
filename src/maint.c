/*
 * maint: maintenance windows (include/httpsmon/maint.h): the parser, the
 * wall-clock test and the zone lookup. A window is a weekday set and a
 * [start, end) span of local minutes; crossing midnight is end <= start.
 */
#include "httpsmon/maint.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static const char *const day_names[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };

static int day_parse(const char *s, size_t n)
{
	for (int d = 0; d < 7; d++)
		if (n == 3 && strncasecmp(s, day_names[d], 3) == 0)
			return d;
	return -1;
}

/* "Mon", "Mon-Fri", "Mon,Wed", "daily" into a weekday bit set. */
static int days_parse(const char *s, size_t n, uint8_t *days, char *err, size_t errlen)
{
	*days = 0;
	if (n == 5 && strncasecmp(s, "daily", 5) == 0) {
		*days = 0x7f;
		return 0;
	}
	while (n) {
		size_t item = 0;
		const char *dash;
		int a, b;

		while (item < n && s[item] != ',')
			item++;
		dash = memchr(s, '-', item);
		a = day_parse(s, dash ? (size_t)(dash - s) : item);
		b = dash ? day_parse(dash + 1, item - (size_t)(dash + 1 - s)) : a;
		if (a < 0 || b < 0) {
			snprintf(err, errlen, "maintenance: unknown day '%.*s' (Mon..Sun, Mon-Fri, Mon,Wed or daily)",
				 (int)(item > 32 ? 32 : item), s);
			return -1;
		}
		for (int d = a;; d = (d + 1) % 7) { /* Fri-Mon wraps over the weekend */
			*days |= (uint8_t)(1u << d);
			if (d == b)
				break;
		}
		s += item;
		n -= item;
		if (n) { /* the comma */
			s++;
			n--;
			if (!n) {
				snprintf(err, errlen, "maintenance: a day list ends with ','");
				return -1;
			}
		}
	}
	return 0;
}

/* "HH:MM" at s (exactly 5 characters) into minutes; max is 1440 for an end. */
static int hhmm_parse(const char *s, int max)
{
	int h, m;

	if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h * 60 + m > max)
		return -1;
	return h * 60 + m;
}

int maint_parse(const char *s, struct maint_window *w, char *err, size_t errlen)
{
	const char *sp, *t;
	size_t dn;

	while (s && isspace((unsigned char)*s))
		s++;
	if (!s || !*s) {
		snprintf(err, errlen, "maintenance: empty (want e.g. 'Sun 02:00-04:00' or 'daily 23:30-00:30')");
		return -1;
	}
	for (sp = s; *sp && !isspace((unsigned char)*sp); sp++)
		;
	dn = (size_t)(sp - s);
	for (t = sp; isspace((unsigned char)*t); t++)
		;
	if (!*sp || days_parse(s, dn, &w->days, err, errlen) < 0) {
		if (!*sp)
			snprintf(err, errlen, "maintenance: '%.40s': want DAYS HH:MM-HH:MM, e.g. 'Sun 02:00-04:00'", s);
		return -1;
	}
	/* short-circuit order keeps every read inside t */
	if (strlen(t) < 11 || t[5] != '-' || (w->start_min = hhmm_parse(t, 1439)) < 0 ||
	    (w->end_min = hhmm_parse(t + 6, 1440)) < 0 || (t[11] && !isspace((unsigned char)t[11]))) {
		snprintf(err, errlen, "maintenance: bad time span '%.40s' (want HH:MM-HH:MM, 00:00..24:00)", t);
		return -1;
	}
	for (t += 11; isspace((unsigned char)*t); t++)
		;
	if (*t) {
		snprintf(err, errlen, "maintenance: unexpected '%.40s' after the time span", t);
		return -1;
	}
	if (w->end_min == w->start_min) {
		snprintf(err, errlen, "maintenance: the window starts and ends at the same time");
		return -1;
	}
	return 0;
}

int maint_tz_check(const char *tz, char *err, size_t errlen)
{
	const char *dir = getenv("TZDIR");
	char path[4096];

	if (!tz || !*tz || tz[0] == '/' || strstr(tz, "..")) {
		snprintf(err, errlen, "maintenance_tz: '%.60s' is not a zone name (e.g. Europe/Berlin, UTC)",
			 tz ? tz : "");
		return -1;
	}
	for (const char *p = tz; *p; p++) {
		if (!isalnum((unsigned char)*p) && !strchr("/_+-", *p)) {
			snprintf(err, errlen, "maintenance_tz: '%.60s' is not a zone name (e.g. Europe/Berlin, UTC)", tz);
			return -1;
		}
	}
	snprintf(path, sizeof(path), "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", tz);
	if (access(path, R_OK) != 0) {
		snprintf(err, errlen, "maintenance_tz: unknown zone '%.60s' (no %s)", tz, path);
		return -1;
	}
	return 0;
}

void maint_local(const char *tz, int64_t t_s, int *wday, int *min)
{
	time_t t = (time_t)t_s;
	struct tm tm;

	if (!tz || !*tz || strcmp(tz, "UTC") == 0) {
		if (!gmtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
	} else {
		char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

		setenv("TZ", tz, 1);
		tzset();
		if (!localtime_r(&t, &tm))
			memset(&tm, 0, sizeof(tm));
		if (old)
			setenv("TZ", old, 1);
		else
			unsetenv("TZ");
		tzset();
		free(old);
	}
	*wday = tm.tm_wday;
	*min = tm.tm_hour * 60 + tm.tm_min;
}

bool maint_in(const struct maint_window *v, size_t n, int wday, int min)
{
	int yesterday = (wday + 6) % 7;

	for (size_t i = 0; i < n; i++) {
		const struct maint_window *w = &v[i];

		if (w->end_min > w->start_min) {
			if ((w->days >> wday & 1) && min >= w->start_min && min < w->end_min)
				return true;
		} else if (((w->days >> wday & 1) && min >= w->start_min) ||
			   ((w->days >> yesterday & 1) && min < w->end_min)) {
			return true;
		}
	}
	return false;
}

bool maint_in_window(const struct maint_window *v, size_t n, const char *tz, int64_t t_s)
{
	int wday, min;

	if (!n)
		return false;
	maint_local(tz, t_s, &wday, &min);
	return maint_in(v, n, wday, min);
}

char *maint_fmt(const struct maint_window *w, char *buf, size_t n)
{
	char days[40] = "";
	size_t used = 0;

	if (w->days == 0x7f) {
		snprintf(days, sizeof(days), "daily");
	} else {
		for (int d = 1; d <= 7; d++) /* Mon first, as people write weeks */
			if (w->days >> (d % 7) & 1)
				used += (size_t)snprintf(days + used, sizeof(days) - used, "%s%s", used ? "," : "",
							 day_names[d % 7]);
	}
	snprintf(buf, n, "%s %02d:%02d-%02d:%02d", days, w->start_min / 60, w->start_min % 60, w->end_min / 60,
		 w->end_min % 60);
	return buf;
}
