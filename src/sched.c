/*
 * sched: when each endpoint is due (see sched.h).
 *
 * Three arrays, all owned here:
 *
 *   ents   the entries, dense in [0, n): removing one moves the last entry
 *          into its slot, so slot numbers change and nothing outside this
 *          file may keep one.
 *   heap   a binary min-heap of slot numbers ordered by (due_ms, id), the
 *          id breaking ties so the order is total and take_due is
 *          deterministic. It holds exactly the entries that are neither
 *          running nor paused; each such entry knows its position
 *          (heap_pos), the others have heap_pos == NO_HEAP.
 *   map    id -> slot, the project's one hash map (hashmap.c: open
 *          addressing, no tombstones, so a long churn of adds and removes
 *          never slows lookups down).
 *
 * An entry's due_ms means: when idle, its next due time; when running, the
 * due time it was taken at (sched_done adds the interval to it, so the
 * schedule never drifts by the probe's duration or by loop lateness); when
 * paused, nothing (resuming sets it to now).
 *
 * Two phases per entry: a new entry's first probe comes within
 * min(interval, SCHED_START_SPREAD_MS) of its addition (a per-name offset
 * to the millisecond, so a dashboard's first screen is filled in seconds,
 * not after a whole interval, without starting a fifth of the endpoints
 * in one instant); after it, the entry settles into its jittered schedule,
 * phase_ms + k * interval, at the first slot at least one spread after
 * that first probe (so the two probes are never a moment apart, and no gap
 * is longer than interval + spread). With an interval of 5 s or less the
 * two phases coincide: the first due time is the schedule's first slot.
 *
 * Every operation is O(1) amortised in the map plus O(log n) in the heap.
 * There is no clock here: every call that needs the time takes now_ms.
 */
#include "httpsmon/sched.h"

#include <stdio.h>
#include <stdlib.h>

#include "httpsmon/hashmap.h"

#define NO_HEAP     ((size_t)-1)
#define JITTER_SLOT_MS 1000

struct entry {
	uint64_t id;
	int64_t interval_ms;  /* > 0 */
	int64_t due_ms;       /* see the file comment */
	size_t heap_pos;      /* index in heap, NO_HEAP when running or paused */
	bool running;         /* taken by sched_take_due, sched_done not yet called */
	bool paused;
	bool now_pending;     /* probe-now (or resume) came while running */
	bool first;           /* its first probe is not done yet: sched_done settles it into phase */
	int64_t phase_ms;     /* a slot of its jittered schedule (when added + jitter) */
};

struct sched {
	struct entry *ents;
	size_t n, cap;        /* entries in use, allocated */
	size_t *heap;         /* cap slots, hn in use */
	size_t hn;
	struct hashmap map;   /* id -> slot */
	int64_t spread_ms;    /* first runs come within min(interval, this) of their addition */
};

/*
 * Same policy as util's xmalloc (a monitor that cannot allocate cannot
 * report truthfully), with the count and size checked for overflow.
 */
static void *grow(void *p, size_t nmemb, size_t size)
{
	void *q = NULL;

	if (size && nmemb && nmemb <= SIZE_MAX / size)
		q = realloc(p, nmemb * size);
	if (!q) {
		fprintf(stderr, "httpsmon: out of memory in the scheduler\n");
		abort();
	}
	return q;
}

static struct entry *find(const struct sched *s, uint64_t id)
{
	uint64_t slot;

	return hashmap_get(&s->map, id, &slot) ? &s->ents[slot] : NULL;
}

/* ---- heap ------------------------------------------------------------------ */

static bool before(const struct sched *s, size_t a, size_t b)
{
	const struct entry *x = &s->ents[a], *y = &s->ents[b];

	return x->due_ms < y->due_ms || (x->due_ms == y->due_ms && x->id < y->id);
}

static void heap_place(struct sched *s, size_t pos, size_t slot)
{
	s->heap[pos] = slot;
	s->ents[slot].heap_pos = pos;
}

static void sift_up(struct sched *s, size_t pos)
{
	size_t slot = s->heap[pos];

	while (pos > 0) {
		size_t parent = (pos - 1) / 2;

		if (!before(s, slot, s->heap[parent]))
			break;
		heap_place(s, pos, s->heap[parent]);
		pos = parent;
	}
	heap_place(s, pos, slot);
}

static void sift_down(struct sched *s, size_t pos)
{
	size_t slot = s->heap[pos];

	for (;;) {
		size_t c = 2 * pos + 1;

		if (c >= s->hn)
			break;
		if (c + 1 < s->hn && before(s, s->heap[c + 1], s->heap[c]))
			c++;
		if (!before(s, s->heap[c], slot))
			break;
		heap_place(s, pos, s->heap[c]);
		pos = c;
	}
	heap_place(s, pos, slot);
}

/* Puts an idle, unpaused entry (not in the heap) in the heap at its due_ms. */
static void heap_push(struct sched *s, size_t slot)
{
	s->heap[s->hn++] = slot;
	sift_up(s, s->hn - 1);
}

static void heap_remove(struct sched *s, size_t slot)
{
	size_t pos = s->ents[slot].heap_pos;
	size_t last = s->heap[--s->hn];

	s->ents[slot].heap_pos = NO_HEAP;
	if (pos == s->hn)
		return;
	/* the last leaf can belong above or below the hole */
	heap_place(s, pos, last);
	if (pos > 0 && before(s, last, s->heap[(pos - 1) / 2]))
		sift_up(s, pos);
	else
		sift_down(s, pos);
}

/* ---- public ---------------------------------------------------------------- */

struct sched *sched_new_spread(int64_t spread_ms)
{
	struct sched *s = grow(NULL, 1, sizeof(*s));

	*s = (struct sched){ .spread_ms = spread_ms > 0 ? spread_ms : SCHED_START_SPREAD_MS };
	hashmap_init(&s->map, HASHMAP_U64);
	return s;
}

struct sched *sched_new(void)
{
	return sched_new_spread(SCHED_START_SPREAD_MS);
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	free(s->ents);
	free(s->heap);
	hashmap_done(&s->map);
	free(s);
}

/* A name's stable hash, every bit of it mixed: the source of every offset here. */
static uint64_t name_mix(const char *name)
{
	uint64_t h = hash_str(name);   /* FNV-1a 64; NULL as "" */

	/*
	 * FNV-1a's low k bits depend only on the low k bits of each byte, so
	 * an interval with a large power of two in it (1024 ms, 64 s) would
	 * see only part of the name. The murmur3 finaliser lets every bit
	 * reach the modulo; it is part of the phase, so it must not change.
	 */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

int64_t sched_jitter_ms(const char *name, int64_t interval_ms)
{
	uint64_t h = name_mix(name);

	if (interval_ms <= 1)
		return 0;
	/*
	 * Whole seconds when the interval has room for two or more: endpoints
	 * that share a second start in one wakeup and their results land in
	 * one history transaction, instead of one wakeup and one commit each
	 * (this is most of the collector's idle CPU besides the handshakes;
	 * see README, "Benchmarks"). Spread over the interval's seconds, a
	 * burst is no bigger than the endpoints per second anyway.
	 */
	if (interval_ms >= 2 * JITTER_SLOT_MS)
		return (int64_t)(h % (uint64_t)(interval_ms / JITTER_SLOT_MS)) * JITTER_SLOT_MS;
	return (int64_t)(h % (uint64_t)interval_ms);
}

/* The spread of first runs for an interval: min(interval, spread). */
static int64_t start_spread_ms(int64_t spread_ms, int64_t interval_ms)
{
	return interval_ms < spread_ms ? interval_ms : spread_ms;
}

int64_t sched_start_spread_ms(const char *name, int64_t interval_ms, int64_t spread_ms)
{
	/* an interval of one spread or less starts at its phase: the two coincide */
	if (interval_ms <= spread_ms)
		return sched_jitter_ms(name, interval_ms);
	/*
	 * Longer intervals: to the millisecond, not in whole seconds. Every
	 * endpoint's first run falls in one spread (5 s for probes), so whole-second slots
	 * would start a fifth of them in one instant (200 of 1,000), more
	 * than max_inflight lets start, and the rest would queue for
	 * hundreds of ms (sched_bench saw a p99 of 258 ms at the transfer).
	 * Spread by the millisecond they arrive a few at a time; the
	 * schedule they settle into afterwards keeps its whole seconds.
	 */
	return (int64_t)(name_mix(name) % (uint64_t)spread_ms);
}

int64_t sched_start_ms(const char *name, int64_t interval_ms)
{
	return sched_start_spread_ms(name, interval_ms, SCHED_START_SPREAD_MS);
}

/* A finished first run (taken at due_ms): the first slot of the schedule at least one spread later. */
static int64_t settle_ms(const struct sched *s, const struct entry *e)
{
	int64_t at = e->due_ms + start_spread_ms(s->spread_ms, e->interval_ms), next = e->phase_ms;

	if (next < at)
		next += (at - next + e->interval_ms - 1) / e->interval_ms * e->interval_ms;
	return next;
}

void sched_set(struct sched *s, uint64_t id, const char *name, int64_t interval_ms, int64_t now_ms)
{
	struct entry *e = find(s, id);

	/* a zero or negative interval would loop forever in sched_done */
	if (interval_ms < 1)
		interval_ms = 1;
	if (e) {
		if (e->interval_ms == interval_ms)
			return;
		e->interval_ms = interval_ms;
		/*
		 * Keep the phase: the running or paused entry picks the new
		 * interval up in sched_done or on resume. An idle one keeps its
		 * due time unless that is further off than a whole new interval
		 * (a long interval shortened must not wait out the old one).
		 */
		if (e->heap_pos != NO_HEAP && e->due_ms > now_ms + interval_ms) {
			e->due_ms = now_ms + interval_ms;
			sift_up(s, e->heap_pos);
		}
		return;
	}

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 16;
		s->ents = grow(s->ents, s->cap, sizeof(*s->ents));
		s->heap = grow(s->heap, s->cap, sizeof(*s->heap));
	}
	e = &s->ents[s->n];
	*e = (struct entry){
		.id = id,
		.interval_ms = interval_ms,
		.due_ms = now_ms + sched_start_spread_ms(name, interval_ms, s->spread_ms),
		.heap_pos = NO_HEAP,
		.first = true,
		.phase_ms = now_ms + sched_jitter_ms(name, interval_ms),
	};
	hashmap_put(&s->map, id, s->n);
	s->n++;
	heap_push(s, s->n - 1);
}

void sched_remove(struct sched *s, uint64_t id)
{
	uint64_t at;
	size_t slot, last;

	if (!hashmap_get(&s->map, id, &at))
		return;
	slot = (size_t)at;
	if (s->ents[slot].heap_pos != NO_HEAP)
		heap_remove(s, slot);
	hashmap_del(&s->map, id);

	/* fill the hole with the last entry; its map bucket and heap node follow it */
	last = --s->n;
	if (slot == last)
		return;
	s->ents[slot] = s->ents[last];
	hashmap_put(&s->map, s->ents[slot].id, slot);
	if (s->ents[slot].heap_pos != NO_HEAP)
		s->heap[s->ents[slot].heap_pos] = slot;
}

bool sched_has(const struct sched *s, uint64_t id)
{
	return find(s, id) != NULL;
}

void sched_pause(struct sched *s, uint64_t id, bool paused, int64_t now_ms)
{
	struct entry *e = find(s, id);

	if (!e || e->paused == paused)
		return;
	e->paused = paused;
	if (paused) {
		/* a probe-now asked for before the pause is forgotten with it */
		e->now_pending = false;
		if (e->heap_pos != NO_HEAP)
			heap_remove(s, (size_t)(e - s->ents));
		return;
	}
	if (e->running) {
		/* paused mid-probe and resumed before it ended: go again right after */
		e->now_pending = true;
		return;
	}
	e->due_ms = now_ms;
	heap_push(s, (size_t)(e - s->ents));
}

bool sched_paused(const struct sched *s, uint64_t id)
{
	const struct entry *e = find(s, id);

	return e && e->paused;
}

void sched_probe_now(struct sched *s, uint64_t id, int64_t now_ms)
{
	struct entry *e = find(s, id);

	/* paused ids are never due, not even on request */
	if (!e || e->paused)
		return;
	if (e->running) {
		e->now_pending = true;
		return;
	}
	/* already overdue: keep the earlier time, so it stays first and its lateness stays true */
	if (e->due_ms > now_ms) {
		e->due_ms = now_ms;
		sift_up(s, e->heap_pos);
	}
}

int64_t sched_next_due_ms(const struct sched *s)
{
	return s->hn ? s->ents[s->heap[0]].due_ms : INT64_MAX;
}

size_t sched_take_due(struct sched *s, int64_t now_ms, struct sched_due *out, size_t max)
{
	size_t k = 0;

	while (k < max && s->hn && s->ents[s->heap[0]].due_ms <= now_ms) {
		size_t slot = s->heap[0];
		struct entry *e = &s->ents[slot];

		heap_remove(s, slot);
		e->running = true;
		out[k].id = e->id;
		out[k].due_ms = e->due_ms;
		k++;
	}
	return k;
}

void sched_done(struct sched *s, uint64_t id, int64_t now_ms)
{
	struct entry *e = find(s, id);

	/* removed (or removed and added again) while it ran: nothing to finish */
	if (!e || !e->running)
		return;
	e->running = false;
	if (e->paused)
		return;
	if (e->now_pending) {
		e->now_pending = false;
		e->due_ms = now_ms;
	} else {
		e->due_ms = e->first ? settle_ms(s, e) : e->due_ms + e->interval_ms;
		/* a stuck probe or a stalled loop must not come back as a burst of catch-up runs */
		if (e->due_ms < now_ms)
			e->due_ms += (now_ms - e->due_ms + e->interval_ms - 1) / e->interval_ms * e->interval_ms;
	}
	e->first = false;
	heap_push(s, (size_t)(e - s->ents));
}

void sched_defer(struct sched *s, uint64_t id, int64_t at_ms)
{
	struct entry *e = find(s, id);

	if (!e || !e->running)
		return;
	e->running = false;
	e->now_pending = false;
	if (e->paused)
		return;
	/* not a run: a first run stays first, so its schedule still settles after it */
	e->due_ms = at_ms;
	heap_push(s, (size_t)(e - s->ents));
}

size_t sched_count(const struct sched *s)
{
	return s->n;
}

bool sched_running(const struct sched *s, uint64_t id)
{
	const struct entry *e = find(s, id);

	return e && e->running;
}
