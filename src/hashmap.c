/*
 * hashmap: one open-addressing table for integer, string or byte-string
 * keys (see hashmap.h), and the hashes every module uses.
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

/* Frees the byte-string keys the map owns. */
static void free_keys(struct hashmap *m)
{
	if (m->keys != HASHMAP_BYTES)
		return;
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].used)
			free(m->slots[i].key.b);
}

void hashmap_done(struct hashmap *m)
{
	if (!m)
		return;
	free_keys(m);
	free(m->slots);
	hashmap_init(m, m->keys);
}

void hashmap_clear(struct hashmap *m)
{
	free_keys(m);
	if (m->cap)
		memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->n = 0;
}

size_t hashmap_count(const struct hashmap *m)
{
	return m->n;
}

/* A key as the operations pass it: u for HASHMAP_U64, p and len otherwise. */
struct hkey {
	uint64_t hash;
	uint64_t u;
	const void *p;
	size_t len;
};

static bool same(const struct hashmap *m, const struct hashmap_slot *sl, const struct hkey *k)
{
	if (sl->hash != k->hash)
		return false;
	if (m->keys == HASHMAP_U64)
		return sl->key.u == k->u;
	if (m->keys == HASHMAP_STR)
		return strcmp(sl->key.s, k->p) == 0;
	return sl->klen == k->len && memcmp(sl->key.b, k->p, k->len) == 0;
}

/* The slot holding the key, or the free slot where it would go; NULL on an empty map. */
static struct hashmap_slot *lookup(const struct hashmap *m, const struct hkey *k)
{
	size_t mask = m->cap - 1;

	if (!m->cap)
		return NULL;
	for (size_t b = k->hash & mask;; b = (b + 1) & mask)
		if (!m->slots[b].used || same(m, &m->slots[b], k))
			return &m->slots[b];
}

/* The first unused slot from hash's home: where a key known to be absent goes. */
static struct hashmap_slot *lookup_free(const struct hashmap *m, uint64_t hash)
{
	size_t mask = m->cap - 1;

	for (size_t b = hash & mask;; b = (b + 1) & mask)
		if (!m->slots[b].used)
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
		/* every key moves with its slot: an empty free slot is found by hash alone */
		if (old[i].used)
			*lookup_free(m, old[i].hash) = old[i];
	}
	free(old);
}

static struct hashmap_slot *put(struct hashmap *m, const struct hkey *k, uint64_t val)
{
	struct hashmap_slot *sl = lookup(m, k);

	if (!sl || !sl->used) {
		/* only a new key may grow the table (a replace never moves slots) */
		reserve(m);
		sl = lookup(m, k);
		sl->used = true;
		sl->hash = k->hash;
		sl->klen = k->len;
		if (m->keys == HASHMAP_U64) {
			sl->key.u = k->u;
		} else if (m->keys == HASHMAP_STR) {
			sl->key.s = k->p;
		} else {
			sl->key.b = xmalloc(k->len ? k->len : 1);
			if (k->len)
				memcpy(sl->key.b, k->p, k->len);
		}
		m->n++;
	}
	sl->val = val;
	return sl;
}

static bool get(const struct hashmap *m, const struct hkey *k, uint64_t *val)
{
	const struct hashmap_slot *sl = lookup(m, k);

	if (!sl || !sl->used)
		return false;
	if (val)
		*val = sl->val;
	return true;
}

static bool del(struct hashmap *m, const struct hkey *k)
{
	struct hashmap_slot *sl = lookup(m, k);
	size_t mask = m->cap - 1, b, j;

	if (!sl || !sl->used)
		return false;
	b = j = (size_t)(sl - m->slots);
	if (m->keys == HASHMAP_BYTES)
		free(sl->key.b);
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

static struct hkey ukey(uint64_t key)
{
	return (struct hkey){ .hash = hash_u64(key), .u = key };
}

static struct hkey skey(const char *key)
{
	return (struct hkey){ .hash = hash_str(key), .p = key, .len = strlen(key) };
}

static struct hkey bkey(const void *key, size_t len)
{
	return (struct hkey){ .hash = hash_bytes(key, len), .p = key, .len = len };
}

bool hashmap_get(const struct hashmap *m, uint64_t key, uint64_t *val)
{
	struct hkey k = ukey(key);

	return get(m, &k, val);
}

void hashmap_put(struct hashmap *m, uint64_t key, uint64_t val)
{
	struct hkey k = ukey(key);

	put(m, &k, val);
}

bool hashmap_del(struct hashmap *m, uint64_t key)
{
	struct hkey k = ukey(key);

	return del(m, &k);
}

bool hashmap_sget(const struct hashmap *m, const char *key, uint64_t *val)
{
	struct hkey k = skey(key);

	return get(m, &k, val);
}

void hashmap_sput(struct hashmap *m, const char *key, uint64_t val)
{
	struct hkey k = skey(key);

	put(m, &k, val);
}

bool hashmap_sdel(struct hashmap *m, const char *key)
{
	struct hkey k = skey(key);

	return del(m, &k);
}

uint64_t *hashmap_bget(const struct hashmap *m, const void *key, size_t len)
{
	struct hkey k = bkey(key, len);
	struct hashmap_slot *sl = lookup(m, &k);

	return sl && sl->used ? &sl->val : NULL;
}

void hashmap_bput(struct hashmap *m, const void *key, size_t len, uint64_t val)
{
	struct hkey k = bkey(key, len);

	put(m, &k, val);
}

bool hashmap_bdel(struct hashmap *m, const void *key, size_t len)
{
	struct hkey k = bkey(key, len);

	return del(m, &k);
}

const struct hashmap_slot *hashmap_next(const struct hashmap *m, size_t *i)
{
	for (; *i < m->cap; (*i)++)
		if (m->slots[*i].used)
			return &m->slots[(*i)++];
	return NULL;
}
