/*
 * upcache: the listener's uptimes (see upcache.h). Owns an array of
 * entries, one per endpoint id, found through a hashmap (id -> index), and
 * its timer on the loop. A sweep walks the monitor's endpoints in order
 * from a cursor; a run of the timer goes as far as its time slice allows
 * and the next run takes up from there. At the end of each sweep the
 * entries it did not see (endpoints gone from the config) are dropped and
 * the map rebuilt.
 */
#include "httpsmon/upcache.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/hashmap.h"
#include "httpsmon/util.h"

struct upent {
	uint64_t id;
	double ratio[UPCACHE_WINDOWS];  /* 0..1, -1 unknown */
	int64_t at_ms[UPCACHE_WINDOWS]; /* wall time of the read, 0 never */
	uint64_t sweep;                 /* the last sweep that saw the endpoint */
};

struct upcache {
	struct loop *loop;
	uint64_t timer;
	struct store *st;
	const struct monitor *mon;
	struct upent *e;
	size_t n, cap;
	struct hashmap by_id;           /* id -> index in e */
	size_t next;                    /* monitor index the next run starts at */
	uint64_t sweep;
};

static const int64_t window_ms[UPCACHE_WINDOWS] = { DAY_MS, 7 * DAY_MS, 30 * DAY_MS };
static const int64_t ttl_ms[UPCACHE_WINDOWS] = { UPCACHE_TTL_24H_MS, UPCACHE_TTL_7D_MS, UPCACHE_TTL_30D_MS };

const char *upcache_window_name(enum upcache_window w)
{
	static const char *const names[UPCACHE_WINDOWS] = { "24h", "7d", "30d" };

	return w < UPCACHE_WINDOWS ? names[w] : "";
}

static struct upent *entry(struct upcache *u, uint64_t id)
{
	uint64_t i;

	if (hashmap_get(&u->by_id, id, &i))
		return &u->e[i];
	if (u->n == u->cap) {
		u->cap = u->cap ? 2 * u->cap : 64;
		u->e = xrealloc(u->e, u->cap * sizeof(*u->e));
	}
	u->e[u->n] = (struct upent){ .id = id };
	for (int w = 0; w < UPCACHE_WINDOWS; w++)
		u->e[u->n].ratio[w] = -1;
	hashmap_put(&u->by_id, id, u->n);
	return &u->e[u->n++];
}

/* The end of a sweep: entries of endpoints it did not see go. */
static void prune(struct upcache *u)
{
	size_t w = 0;

	hashmap_clear(&u->by_id);
	for (size_t i = 0; i < u->n; i++) {
		if (u->e[i].sweep != u->sweep)
			continue;
		u->e[w] = u->e[i];
		hashmap_put(&u->by_id, u->e[w].id, w);
		w++;
	}
	u->n = w;
	u->sweep++;
}

static bool due(const struct upent *e, int w, int64_t now_ms)
{
	if (!e->at_ms[w])
		return true;
	return now_ms - e->at_ms[w] >= (e->ratio[w] < 0 ? UPCACHE_UNKNOWN_MS : ttl_ms[w]);
}

bool upcache_refresh(struct upcache *u, int64_t now_ms, int64_t budget_us)
{
	int64_t t0 = util_mono_us();
	size_t n = monitor_count(u->mon);

	if (!u->st || !n)
		return false;
	for (size_t k = 0; k < n; k++) {
		const struct ep_status *s;
		struct upent *e;

		if (u->next >= n) {
			u->next = 0;
			prune(u);
		}
		s = monitor_at(u->mon, u->next);
		e = entry(u, s->id);
		e->sweep = u->sweep;
		for (int w = 0; w < UPCACHE_WINDOWS; w++) {
			struct uptime up;

			if (!due(e, w, now_ms))
				continue;
			if (util_mono_us() - t0 > budget_us)
				return true;
			e->at_ms[w] = now_ms;
			if (store_uptime(u->st, s->name, now_ms - window_ms[w], now_ms, &up) == 0)
				e->ratio[w] = up.pct < 0 ? -1 : up.pct / 100.0;
		}
		u->next++;
	}
	return false;
}

double upcache_ratio(const struct upcache *u, uint64_t id, enum upcache_window w)
{
	uint64_t i;

	if (!u || w >= UPCACHE_WINDOWS || !hashmap_get(&u->by_id, id, &i))
		return -1;
	return u->e[i].ratio[w];
}

static int64_t timer_cb(struct loop *l, uint64_t id, void *ud)
{
	struct upcache *u = ud;

	(void)l;
	(void)id;
	return upcache_refresh(u, util_now_ms(), UPCACHE_SLICE_US) ? UPCACHE_BEHIND_MS : UPCACHE_IDLE_MS;
}

struct upcache *upcache_new(struct loop *l, struct store *st, const struct monitor *mon)
{
	struct upcache *u = xcalloc(1, sizeof(*u));

	u->loop = l;
	u->st = st;
	u->mon = mon;
	hashmap_init(&u->by_id, HASHMAP_U64);
	if (l && st)
		loop_timer_arm(l, &u->timer, 0, timer_cb, u);
	return u;
}

void upcache_free(struct upcache *u)
{
	if (!u)
		return;
	if (u->loop)
		loop_timer_remove(u->loop, u->timer);
	hashmap_done(&u->by_id);
	free(u->e);
	free(u);
}
