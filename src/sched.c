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
 *   map    id -> slot + 1 (0 is an empty bucket), open addressing with
 *          linear probing, at most half full. Deletion shifts later
 *          entries of the run back instead of leaving tombstones, so a
 *          long churn of adds and removes never slows lookups down.
 *
 * An entry's due_ms means: when idle, its next due time; when running, the
 * due time it was taken at (sched_done adds the interval to it, so the
 * schedule never drifts by the probe's duration or by loop lateness); when
 * paused, nothing (resuming sets it to now).
 *
 * Every operation is O(1) amortised in the map plus O(log n) in the heap.
 * There is no clock here: every call that needs the time takes now_ms.
 */
#include "httpsmon/sched.h"

#include <stdio.h>
#include <stdlib.h>

#define NO_HEAP     ((size_t)-1)
#define MAP_MIN     16
#define JITTER_SLOT_MS 1000

struct entry {
	uint64_t id;
	int64_t interval_ms;  /* > 0 */
	int64_t due_ms;       /* see the file comment */
	size_t heap_pos;      /* index in heap, NO_HEAP when running or paused */
	bool running;         /* taken by sched_take_due, sched_done not yet called */
	bool paused;
	bool now_pending;     /* probe-now (or resume) came while running */
};

struct sched {
	struct entry *ents;
	size_t n, cap;        /* entries in use, allocated */
	size_t *heap;         /* cap slots, hn in use */
	size_t hn;
	size_t *map;          /* mcap buckets, a power of two */
	size_t mcap;
};

/*
 * Same policy as util's xmalloc (a monitor that cannot allocate cannot
 * report truthfully), kept local so the scheduler links on its own.
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

/* ---- id -> slot map -------------------------------------------------------- */

/*
 * Ids are chosen by the caller and often sequential; the splitmix64
 * finaliser spreads them over the buckets.
 */
static size_t map_home(const struct sched *s, uint64_t id)
{
	id ^= id >> 30;
	id *= 0xbf58476d1ce4e5b9ULL;
	id ^= id >> 27;
	id *= 0x94d049bb133111ebULL;
	id ^= id >> 31;
	return (size_t)id & (s->mcap - 1);
}

/* The bucket holding id, or NO_HEAP (reused as "none") when absent. */
static size_t map_find(const struct sched *s, uint64_t id)
{
	size_t mask = s->mcap - 1;

	for (size_t b = map_home(s, id);; b = (b + 1) & mask) {
		if (!s->map[b])
			return NO_HEAP;
		if (s->ents[s->map[b] - 1].id == id)
			return b;
	}
}

/* Puts id (not present) at slot; the map has room. */
static void map_put(struct sched *s, uint64_t id, size_t slot)
{
	size_t mask = s->mcap - 1;
	size_t b = map_home(s, id);

	while (s->map[b])
		b = (b + 1) & mask;
	s->map[b] = slot + 1;
}

/* Empties bucket b, moving later members of its run back so none is orphaned. */
static void map_delete_at(struct sched *s, size_t b)
{
	size_t mask = s->mcap - 1;
	size_t j = b;

	s->map[b] = 0;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!s->map[j])
			return;
		home = map_home(s, s->ents[s->map[j] - 1].id);
		/* the entry at j may fill the hole at b unless its home lies cyclically in (b, j] */
		if (b <= j ? (home > b && home <= j) : (home > b || home <= j))
			continue;
		s->map[b] = s->map[j];
		s->map[j] = 0;
		b = j;
	}
}

/* Keeps the map at most half full (with one more entry about to come). */
static void map_reserve(struct sched *s, size_t n)
{
	size_t mcap = s->mcap ? s->mcap : MAP_MIN;

	while (n * 2 > mcap)
		mcap *= 2;
	if (mcap == s->mcap)
		return;
	free(s->map);
	s->map = grow(NULL, mcap, sizeof(*s->map));
	for (size_t b = 0; b < mcap; b++)
		s->map[b] = 0;
	s->mcap = mcap;
	for (size_t i = 0; i < s->n; i++)
		map_put(s, s->ents[i].id, i);
}

static struct entry *find(const struct sched *s, uint64_t id)
{
	size_t b = s->n ? map_find(s, id) : NO_HEAP;

	return b == NO_HEAP ? NULL : &s->ents[s->map[b] - 1];
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

struct sched *sched_new(void)
{
	struct sched *s = grow(NULL, 1, sizeof(*s));

	*s = (struct sched){0};
	map_reserve(s, 0);
	return s;
}

void sched_free(struct sched *s)
{
	if (!s)
		return;
	free(s->ents);
	free(s->heap);
	free(s->map);
	free(s);
}

int64_t sched_jitter_ms(const char *name, int64_t interval_ms)
{
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a 64 */

	if (interval_ms <= 1)
		return 0;
	for (const unsigned char *p = (const unsigned char *)(name ? name : ""); *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ULL;
	}
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
	map_reserve(s, s->n + 1);
	e = &s->ents[s->n];
	*e = (struct entry){
		.id = id,
		.interval_ms = interval_ms,
		.due_ms = now_ms + sched_jitter_ms(name, interval_ms),
		.heap_pos = NO_HEAP,
	};
	map_put(s, id, s->n);
	s->n++;
	heap_push(s, s->n - 1);
}

void sched_remove(struct sched *s, uint64_t id)
{
	size_t b = s->n ? map_find(s, id) : NO_HEAP;
	size_t slot, last;

	if (b == NO_HEAP)
		return;
	slot = s->map[b] - 1;
	if (s->ents[slot].heap_pos != NO_HEAP)
		heap_remove(s, slot);
	map_delete_at(s, b);

	/* fill the hole with the last entry; its map bucket and heap node follow it */
	last = --s->n;
	if (slot == last)
		return;
	s->ents[slot] = s->ents[last];
	s->map[map_find(s, s->ents[slot].id)] = slot + 1;
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
		e->due_ms += e->interval_ms;
		/* a stuck probe or a stalled loop must not come back as a burst of catch-up runs */
		if (e->due_ms < now_ms)
			e->due_ms += (now_ms - e->due_ms + e->interval_ms - 1) / e->interval_ms * e->interval_ms;
	}
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
