/*
 * hashmap: the one hash table and the one string hash of httpsmon.
 *
 * A map from a key to a 64-bit value (an index, an id), open addressing
 * with linear probing, at most half full, deletion by moving later members
 * of a run back (no tombstones, so a long churn of adds and removes never
 * slows lookups down). Keys are 64-bit integers (ids, spread by the
 * splitmix64 finaliser since ids are often sequential), NUL-terminated
 * strings (names, hashed with FNV-1a 64) or byte strings of any length
 * (fingerprints, composite keys; FNV-1a 64), fixed per map at init. A
 * string key is borrowed: the caller keeps it alive and unchanged while it
 * is in the map (the owner of the value usually owns the name too). A
 * byte-string key is copied: the map owns it.
 *
 * Every operation is O(1) expected. Allocation aborts on exhaustion, as
 * util's xmalloc does. No I/O; part of the core.
 */
#ifndef HTTPSMON_HASHMAP_H
#define HTTPSMON_HASHMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* FNV-1a 64 of n bytes (p may be NULL when n is 0). Stable: phases depend on it. */
uint64_t hash_bytes(const void *p, size_t n);
/* FNV-1a 64 of a string; NULL hashes as "". */
uint64_t hash_str(const char *s);
/* The splitmix64 finaliser: every bit of x reaches every bit of the result. */
uint64_t hash_u64(uint64_t x);

enum hashmap_keys { HASHMAP_U64, HASHMAP_STR, HASHMAP_BYTES };

struct hashmap_slot {
	uint64_t hash;          /* of the key; unused when key is empty */
	union {
		uint64_t u;
		const char *s;      /* borrowed */
		unsigned char *b;   /* owned */
	} key;
	size_t klen;            /* bytes of key.s or key.b */
	uint64_t val;
	bool used;
};

/* Embed and hashmap_init(); the fields are the map's own. */
struct hashmap {
	struct hashmap_slot *slots;
	size_t cap;             /* a power of two, or 0 before the first put */
	size_t n;               /* keys present */
	enum hashmap_keys keys;
};

void hashmap_init(struct hashmap *m, enum hashmap_keys keys);
void hashmap_done(struct hashmap *m);      /* frees the table and owned keys, not borrowed ones; NULL is fine */
void hashmap_clear(struct hashmap *m);     /* every key out, the table kept */
size_t hashmap_count(const struct hashmap *m);

/* Integer keys (HASHMAP_U64 maps). get: true and *val (may be NULL) when present. */
bool hashmap_get(const struct hashmap *m, uint64_t key, uint64_t *val);
void hashmap_put(struct hashmap *m, uint64_t key, uint64_t val);  /* inserts or replaces */
bool hashmap_del(struct hashmap *m, uint64_t key);                /* false when absent */

/* String keys (HASHMAP_STR maps); key non-NULL, borrowed by put until del or done. */
bool hashmap_sget(const struct hashmap *m, const char *key, uint64_t *val);
void hashmap_sput(struct hashmap *m, const char *key, uint64_t val);
bool hashmap_sdel(struct hashmap *m, const char *key);

/*
 * Byte-string keys (HASHMAP_BYTES maps): key[0 .. len) is copied by put.
 * bget gives the value's place for reading or updating, valid until the
 * next put or del, or NULL when absent.
 */
uint64_t *hashmap_bget(const struct hashmap *m, const void *key, size_t len);
void hashmap_bput(struct hashmap *m, const void *key, size_t len, uint64_t val);
bool hashmap_bdel(struct hashmap *m, const void *key, size_t len);

/*
 * Iteration in table order: start with *i = 0; returns each member once,
 * then NULL. The map must not change meanwhile.
 */
const struct hashmap_slot *hashmap_next(const struct hashmap *m, size_t *i);

#endif
