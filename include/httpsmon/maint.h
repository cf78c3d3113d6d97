/*
 * maint: maintenance windows, `maintenance = Sun 02:00-04:00` (pure core:
 * parse and test, no store, no clock of its own).
 *
 * Syntax: DAYS HH:MM-HH:MM, DAYS one of `daily`, a day (`Mon` .. `Sun`,
 * any case), a range (`Mon-Fri`, `Sat-Sun`; wrapping `Fri-Mon` allowed) or
 * a comma list (`Mon,Wed,Fri`). End 24:00 is midnight. An end at or before
 * the start crosses midnight: the window opens on the named day and closes
 * the next day (`Sat 23:00-01:00` ends Sunday 01:00). Start == end is
 * refused (empty or all day: ambiguous); a whole day is 00:00-24:00.
 *
 * Times are wall-clock times in the zone (UTC unless maintenance_tz): a
 * window is [start, end), in at start, out at end. On a DST change day the
 * wall clock is what counts: a window inside the skipped hour (spring
 * forward) never opens that day, one that spans it is an hour shorter; one
 * over the repeated hour (fall back) is open through both passes of it.
 */
#ifndef HTTPSMON_MAINT_H
#define HTTPSMON_MAINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct maint_window {
	uint8_t days;      /* bit d set: opens on weekday d (0 = Sunday .. 6 = Saturday) */
	int start_min;     /* minutes after local midnight, 0..1439 */
	int end_min;       /* 1..1440; <= start_min: closes the next day */
};

/*
 * Parses one `maintenance` value into *w: 0, or -1 with a message in err
 * ("maintenance: unknown day 'Sonday' (Mon..Sun or daily)"); the caller
 * adds file:line.
 */
int maint_parse(const char *s, struct maint_window *w, char *err, size_t errlen);

/*
 * Checks a maintenance_tz value: an IANA zone name ("Europe/Berlin",
 * "UTC") whose zone file exists (under $TZDIR or /usr/share/zoneinfo).
 * Relative names only, no "..". 0, or -1 with a message in err.
 */
int maint_tz_check(const char *tz, char *err, size_t errlen);

/*
 * The weekday (0 = Sunday) and minute of day of Unix time t_s in zone tz
 * (NULL or "" = UTC). Sets TZ for one localtime_r and restores it: call
 * from the loop's thread only (the program has one).
 */
void maint_local(const char *tz, int64_t t_s, int *wday, int *min);

/* Whether weekday wday at minute min of the local day is inside any of the n windows. */
bool maint_in(const struct maint_window *v, size_t n, int wday, int min);

/* maint_local + maint_in: is t_s inside a window; n == 0 is never. */
bool maint_in_window(const struct maint_window *v, size_t n, const char *tz, int64_t t_s);

/* "Sun 02:00-04:00" back (days as a comma list or "daily"), into buf. */
char *maint_fmt(const struct maint_window *w, char *buf, size_t n);

#endif
