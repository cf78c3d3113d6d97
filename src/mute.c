/*
 * mute: mutes and maintenance as one question for the alert engine
 * (include/httpsmon/mute.h), the mute/unmute commands, and the durations
 * people type. The set in memory is a copy of the store's mute table,
 * sorted by name, reloaded whole when it changes (it is small: a few
 * endpoints muted at a time).
 */
#include "httpsmon/mute.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"

#define MUTE_MIN_MS (60 * 1000LL)
#define MUTE_MAX_MS (30 * 24 * 3600 * 1000LL)

struct mutes {
	struct mute_row *v;
	size_t n;
};

struct mutes *mutes_new(void)
{
	return xcalloc(1, sizeof(struct mutes));
}

void mutes_free(struct mutes *m)
{
	if (!m)
		return;
	store_mute_rows_free(m->v, m->n);
	free(m);
}

int mutes_load(struct mutes *m, struct store *st, int64_t now_ms)
{
	struct mute_row *v;
	size_t n;

	if (store_mutes(st, now_ms, &v, &n) != 0)
		return -1;
	store_mute_rows_free(m->v, m->n);
	m->v = v;
	m->n = n;
	return 0;
}

bool mutes_poll(struct mutes *m, struct store *st, int64_t now_ms)
{
	return store_changed_elsewhere(st) && mutes_load(m, st, now_ms) == 0;
}

const struct mute_row *mutes_find(const struct mutes *m, const char *name, int64_t now_ms)
{
	for (size_t i = 0; m && name && i < m->n; i++)
		if (strcmp(m->v[i].name, name) == 0)
			return m->v[i].until_ms == 0 || m->v[i].until_ms > now_ms ? &m->v[i] : NULL;
	return NULL;
}

enum hold mutes_hold(const struct mutes *m, const char *name, const struct maint_window *windows, size_t nw,
		     const char *tz, int64_t now_ms, char *why, size_t whylen)
{
	const struct mute_row *r = mutes_find(m, name, now_ms);
	char t[32], clean[256];

	if (r) {
		if (r->until_ms)
			snprintf(why, whylen, "muted until %s", util_fmt_time_utc(t, sizeof(t), r->until_ms / 1000));
		else
			snprintf(why, whylen, "muted until UP");
		if (r->reason) {
			size_t used = strlen(why);

			util_sanitize(r->reason, strlen(r->reason), clean, sizeof(clean));
			snprintf(why + used, whylen - used, ": %s", clean);
		}
		return HOLD_MUTED;
	}
	if (maint_in_window(windows, nw, tz, now_ms / 1000)) {
		int wday, min;

		maint_local(tz, now_ms / 1000, &wday, &min);
		for (size_t i = 0; i < nw; i++) {
			if (maint_in(&windows[i], 1, wday, min)) {
				snprintf(why, whylen, "maintenance %s (%s)", maint_fmt(&windows[i], clean, sizeof(clean)),
					 tz && *tz ? tz : "UTC");
				break;
			}
		}
		return HOLD_MAINTENANCE;
	}
	if (whylen)
		why[0] = '\0';
	return HOLD_NONE;
}

enum hold mutes_hold_endpoint(const struct mutes *m, const struct config *cfg, const struct endpoint *ep,
			      int64_t now_ms, char *why, size_t whylen)
{
	struct maint_window w[16];
	size_t nw = 0;
	char err[256];

	/* a few windows per endpoint at most; parsed again here, checked already by the loader */
	for (size_t i = 0; i < ep->maintenance.n && nw < sizeof(w) / sizeof(w[0]); i++)
		if (maint_parse(ep->maintenance.v[i], &w[nw], err, sizeof(err)) == 0)
			nw++;
	return mutes_hold(m, ep->name, w, nw, cfg ? cfg->maintenance_tz : NULL, now_ms, why, whylen);
}

int mutes_set(struct mutes *m, struct store *st, const char *name, int64_t now_ms, int64_t until_ms,
	      const char *reason, char *err, size_t errlen)
{
	if (store_mute_set(st, name, now_ms, until_ms, reason, err, errlen) != 0)
		return -1;
	mutes_load(m, st, now_ms);
	return 0;
}

void mutes_endpoint_up(struct mutes *m, struct store *st, const char *name, int64_t now_ms)
{
	const struct mute_row *r = mutes_find(m, name, now_ms);
	char err[256];
	bool found;

	if (r && r->until_ms == 0 && store_mute_clear(st, name, &found, err, sizeof(err)) == 0)
		mutes_load(m, st, now_ms);
}

int mute_parse(const char *s, int64_t now_ms, int64_t *until_ms, char *err, size_t errlen)
{
	int64_t ms;

	if (s && (strcmp(s, "until-up") == 0 || strcmp(s, "until-UP") == 0)) {
		*until_ms = 0;
		return 0;
	}
	if (!s || util_parse_duration_ms(s, &ms) != 0 || ms < MUTE_MIN_MS || ms > MUTE_MAX_MS) {
		snprintf(err, errlen, "bad mute duration '%s' (1h, 4h, 24h, anything from 1m to 30d, or until-up)",
			 s ? s : "");
		return -1;
	}
	*until_ms = now_ms + ms;
	return 0;
}

char *mute_describe(const struct mute_row *r, int64_t now_ms, char *buf, size_t n)
{
	char left[32], clean[256];

	if (r->until_ms)
		snprintf(buf, n, "muted, %s left", util_fmt_duration_us(left, sizeof(left), (r->until_ms - now_ms) * 1000));
	else
		snprintf(buf, n, "muted until UP");
	if (r->reason) {
		size_t used = strlen(buf);

		util_sanitize(r->reason, strlen(r->reason), clean, sizeof(clean));
		snprintf(buf + used, n - used, ": %s", clean);
	}
	return buf;
}

/* The history database for a command, opened next to a running collector. */
static struct store *control_open(const char *db, char *err, size_t errlen)
{
	char *path = db ? xstrdup(db) : store_default_path();
	struct store *st = store_open(path, STORE_CONTROL, err, errlen);

	free(path);
	return st;
}

enum outcome mute_command(const char *db, const char *name, const char *duration, const char *reason,
			  char *err, size_t errlen)
{
	int64_t now = util_now_ms(), until;
	struct store *st;
	char t[32], clean[256];

	if (mute_parse(duration, now, &until, err, errlen) != 0)
		return OUTCOME_USAGE;
	if (!(st = control_open(db, err, errlen)))
		return OUTCOME_UNUSABLE;
	if (store_mute_set(st, name, now, until, reason, err, errlen) != 0) {
		store_close(st);
		return OUTCOME_UNUSABLE;
	}
	store_close(st);
	util_sanitize(name, strlen(name), clean, sizeof(clean));
	if (until)
		printf("muted %s until %s\n", clean, util_fmt_time_utc(t, sizeof(t), until / 1000));
	else
		printf("muted %s until it is UP again\n", clean);
	return OUTCOME_OK;
}

enum outcome unmute_command(const char *db, const char *name, char *err, size_t errlen)
{
	struct store *st = control_open(db, err, errlen);
	char clean[256];
	bool found;

	if (!st)
		return OUTCOME_UNUSABLE;
	if (store_mute_clear(st, name, &found, err, errlen) != 0) {
		store_close(st);
		return OUTCOME_UNUSABLE;
	}
	store_close(st);
	util_sanitize(name, strlen(name), clean, sizeof(clean));
	printf(found ? "unmuted %s\n" : "%s was not muted\n", clean);
	return OUTCOME_OK;
}
