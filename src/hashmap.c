/*
 * hashmap: one open-addressing table for integer or string keys (see
 * hashmap.h), and the hashes every module uses.
 *
 * slots[cap], cap a power of two, n <= cap / 2 after every put. A key
 * lives in the first free slot at or after its home (hash & (cap - 1));
 * a lookup walks from the home to the first unused slot. Deleting empties
 * the slot and moves back each later member of the run whose home does not
 * lie cyclically in (hole, member], so no lookup ever stops early.
 */
#include "httpsmon/hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "httpsmon/util.h"

#define HASHMAP_MIN 16

uint64_t hash_bytes(const void *p, size_t n)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;   /* FNV-1a 64 offset basis */

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;        /* FNV-1a 64 prime */
	}
	return h;
}

uint64_t hash_str(const char *s)
{
	return s ? hash_bytes(s, strlen(s)) : hash_bytes(NULL, 0);
}

uint64_t hash_u64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

void hashmap_init(struct hashmap *m, enum hashmap_keys keys)
{
	*m = (struct hashmap){ .keys = keys };
}

void hashmap_done(struct hashmap *m)
{
	if (!m)
		return;
	free(m->slots);
	hashmap_init(m, m->keys);
}

void hashmap_clear(struct hashmap *m)
{
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

size_t hashmap_count(const struct hashmap *m)
{
	return m->n;
}

static bool same(const struct hashmap *m, const struct hashmap_slot *sl, uint64_t hash, uint64_t u,
		 const char *s)
{
	if (sl->hash != hash)
		return false;
	return m->keys == HASHMAP_U64 ? sl->key.u == u : strcmp(sl->key.s, s) == 0;
}

/* The slot holding the key, or the free slot where it would go; NULL on an empty map. */
static struct hashmap_slot *lookup(const struct hashmap *m, uint64_t hash, uint64_t u, const char *s)
{
	size_t mask = m->cap - 1;

	if (!m->cap)
		return NULL;
	for (size_t b = hash & mask;; b = (b + 1) & mask)
		if (!m->slots[b].used || same(m, &m->slots[b], hash, u, s))
			return &m->slots[b];
}

/* Doubles the table while it would be more than half full with one more key. */
static void reserve(struct hashmap *m)
{
	size_t cap = m->cap ? m->cap : HASHMAP_MIN;
	struct hashmap_slot *old = m->slots;
	size_t old_cap = m->cap;

	while ((m->n + 1) * 2 > cap)
		cap *= 2;
	if (cap == m->cap)
		return;
	m->slots = xcalloc(cap, sizeof(*m->slots));
	m->cap = cap;
	for (size_t i = 0; i < old_cap; i++) {
		if (!old[i].used)
			continue;
		*lookup(m, old[i].hash, old[i].key.u, old[i].key.s) = old[i];
	}
	free(old);
}

static void put(struct hashmap *m, uint64_t hash, uint64_t u, const char *s, uint64_t val)
{
	struct hashmap_slot *sl = lookup(m, hash, u, s);

	if (!sl || !sl->used) {
		/* only a new key may grow the table (a replace never moves slots) */
		reserve(m);
		sl = lookup(m, hash, u, s);
		sl->used = true;
		sl->hash = hash;
		if (m->keys == HASHMAP_U64)
			sl->key.u = u;
		else
			sl->key.s = s;
		m->n++;
	}
	sl->val = val;
}

static bool get(const struct hashmap *m, uint64_t hash, uint64_t u, const char *s, uint64_t *val)
{
	const struct hashmap_slot *sl = lookup(m, hash, u, s);

	if (!sl || !sl->used)
		return false;
	if (val)
		*val = sl->val;
	return true;
}

static bool del(struct hashmap *m, uint64_t hash, uint64_t u, const char *s)
{
	struct hashmap_slot *sl = lookup(m, hash, u, s);
	size_t mask = m->cap - 1, b, j;

	if (!sl || !sl->used)
		return false;
	b = j = (size_t)(sl - m->slots);
	m->slots[b].used = false;
	m->n--;
	for (;;) {
		size_t home;

		j = (j + 1) & mask;
		if (!m->slots[j].used)
			return true;
		home = m->slots[j].hash & mask;
		/* the member at j may fill the hole at b unless its home lies cyclically in (b, j] */
		if (b <= j ? (home > b && home <= j) : (home > b || home <= j))
			continue;
		m->slots[b] = m->slots[j];
		m->slots[j].used = false;
		b = j;
	}
}

bool hashmap_get(const struct hashmap *m, uint64_t key, uint64_t *val)
{
	return get(m, hash_u64(key), key, NULL, val);
}

void hashmap_put(struct hashmap *m, uint64_t key, uint64_t val)
{
	put(m, hash_u64(key), key, NULL, val);
}

bool hashmap_del(struct hashmap *m, uint64_t key)
{
	return del(m, hash_u64(key), key, NULL);
}

bool hashmap_sget(const struct hashmap *m, const char *key, uint64_t *val)
{
	return get(m, hash_str(key), 0, key, val);
}

void hashmap_sput(struct hashmap *m, const char *key, uint64_t val)
{
	put(m, hash_str(key), 0, key, val);
}

bool hashmap_sdel(struct hashmap *m, const char *key)
{
	return del(m, hash_str(key), 0, key);
}
