/*
 * test_hashmap: the one hash table and the one string hash.
 *
 * Integer and string keys: put, replace, get, delete; a churn of adds and
 * removes checked against a plain array after every step (deletion moves
 * later members of a run back: a wrong move loses a key); keys crowded into
 * one home; growth exactly at half full; and the hashes' values, which
 * decide each endpoint's phase and so must never change.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "httpsmon/hashmap.h"

static void test_fnv1a_vectors(void **state)
{
	(void)state;
	/* the published FNV-1a 64 test vectors */
	assert_true(hash_str("") == 0xcbf29ce484222325ULL);
	assert_true(hash_str("a") == 0xaf63dc4c8601ec8cULL);
	assert_true(hash_str("foobar") == 0x85944171f73967e8ULL);
	assert_true(hash_str(NULL) == hash_str(""));
	assert_true(hash_bytes("ab\0cd", 5) != hash_str("ab"));
	assert_true(hash_bytes(NULL, 0) == 0xcbf29ce484222325ULL);
	/* splitmix64's finaliser: 0 stays 0, neighbours land far apart */
	assert_true(hash_u64(0) == 0);
	assert_true(hash_u64(1) == 0x5692161d100b05e5ULL);
	assert_true(hash_u64(1) >> 32 != hash_u64(2) >> 32);
}

static void test_u64_put_get_replace_del(void **state)
{
	struct hashmap m;
	uint64_t v = 0;

	(void)state;
	hashmap_init(&m, HASHMAP_U64);
	assert_false(hashmap_get(&m, 7, &v));
	assert_false(hashmap_del(&m, 7));
	hashmap_put(&m, 7, 70);
	hashmap_put(&m, 0, 1);
	assert_true(hashmap_get(&m, 7, &v));
	assert_true(v == 70);
	assert_true(hashmap_get(&m, 0, NULL));
	hashmap_put(&m, 7, 71);
	assert_int_equal(hashmap_count(&m), 2);
	assert_true(hashmap_get(&m, 7, &v) && v == 71);
	assert_true(hashmap_del(&m, 7));
	assert_false(hashmap_get(&m, 7, &v));
	assert_false(hashmap_del(&m, 7));
	assert_int_equal(hashmap_count(&m), 1);
	hashmap_clear(&m);
	assert_int_equal(hashmap_count(&m), 0);
	assert_false(hashmap_get(&m, 0, NULL));
	hashmap_done(&m);
	hashmap_done(NULL);
}

static void test_str_keys_compare_text_not_pointer(void **state)
{
	struct hashmap m;
	char a[] = "api.example", b[] = "api.example";
	uint64_t v = 0;

	(void)state;
	hashmap_init(&m, HASHMAP_STR);
	hashmap_sput(&m, a, 1);
	hashmap_sput(&m, "web", 2);
	assert_true(hashmap_sget(&m, b, &v) && v == 1);
	assert_false(hashmap_sget(&m, "api.exampl", NULL));
	assert_false(hashmap_sget(&m, "", NULL));
	hashmap_sput(&m, b, 3); /* same text: replaces, keeps the first key */
	assert_int_equal(hashmap_count(&m), 2);
	assert_true(hashmap_sget(&m, a, &v) && v == 3);
	assert_true(hashmap_sdel(&m, "api.example"));
	assert_false(hashmap_sget(&m, a, NULL));
	assert_true(hashmap_sget(&m, "web", &v) && v == 2);
	hashmap_done(&m);
}

/* Growth past half full: 8 keys fit 16 slots, the 9th doubles; a replace never grows; nothing is lost. */
static void test_growth_at_half_full(void **state)
{
	struct hashmap m;

	(void)state;
	hashmap_init(&m, HASHMAP_U64);
	for (uint64_t k = 1; k <= 8; k++)
		hashmap_put(&m, k, k + 1);
	assert_int_equal(m.cap, 16);   /* exactly half full */
	for (uint64_t k = 1; k <= 8; k++)
		hashmap_put(&m, k, k);     /* replaces: no growth */
	assert_int_equal(m.cap, 16);
	hashmap_put(&m, 9, 9);
	assert_int_equal(m.cap, 32);
	for (uint64_t k = 1; k <= 9; k++) {
		uint64_t v = 0;

		assert_true(hashmap_get(&m, k, &v) && v == k);
	}
	hashmap_done(&m);
}

/* Many string keys, removed in a scattered order, checked against an array after each step. */
static void test_churn_against_array(void **state)
{
	enum { N = 3000 };
	static char names[N][16];
	static bool in[N];
	struct hashmap m;
	uint64_t r = 12345;

	(void)state;
	hashmap_init(&m, HASHMAP_STR);
	for (int i = 0; i < N; i++)
		snprintf(names[i], sizeof(names[i]), "ep-%d", i);
	for (int step = 0; step < 20000; step++) {
		int i;

		r = r * 6364136223846793005ULL + 1442695040888963407ULL;
		i = (int)((r >> 33) % N);
		if (in[i])
			assert_true(hashmap_sdel(&m, names[i]));
		else
			hashmap_sput(&m, names[i], (uint64_t)i);
		in[i] = !in[i];
		if (step % 997 == 0) {
			size_t n = 0;

			for (int k = 0; k < N; k++) {
				uint64_t v = 0;

				assert_true(hashmap_sget(&m, names[k], &v) == in[k]);
				if (in[k]) {
					assert_true(v == (uint64_t)k);
					n++;
				}
			}
			assert_int_equal(hashmap_count(&m), n);
		}
	}
	hashmap_done(&m);
}

/* Integer keys that share the low bits after mixing crowd one run; deletes in the middle keep the rest. */
/*
 * Byte-string keys are copied (the caller's buffer may change or go), compare
 * by length and bytes (an embedded NUL included), update in place through
 * bget, survive growth and deletion, and iterate once each.
 */
static void test_bytes_keys_owned(void **state)
{
	struct hashmap m;
	unsigned char key[32];
	const struct hashmap_slot *sl;
	uint64_t *v, sum = 0;
	size_t n = 0;

	(void)state;
	hashmap_init(&m, HASHMAP_BYTES);
	assert_null(hashmap_bget(&m, "x", 1));
	for (int i = 0; i < 100; i++) {
		memset(key, 0, sizeof(key));
		key[31] = (unsigned char)i;          /* differ only after 31 NULs */
		hashmap_bput(&m, key, sizeof(key), (uint64_t)i);
	}
	memset(key, 0xee, sizeof(key));          /* the map kept its own copies */
	assert_int_equal(hashmap_count(&m), 100);
	for (int i = 0; i < 100; i++) {
		memset(key, 0, sizeof(key));
		key[31] = (unsigned char)i;
		v = hashmap_bget(&m, key, sizeof(key));
		assert_non_null(v);
		assert_int_equal(*v, i);
		*v += 1000;                          /* updated in place */
	}
	assert_null(hashmap_bget(&m, key, 31));  /* a prefix is another key */
	hashmap_bput(&m, "a\0b", 3, 7);
	assert_null(hashmap_bget(&m, "a\0c", 3));
	assert_int_equal(*hashmap_bget(&m, "a\0b", 3), 7);
	assert_true(hashmap_bdel(&m, "a\0b", 3));
	assert_false(hashmap_bdel(&m, "a\0b", 3));
	for (size_t i = 0; (sl = hashmap_next(&m, &i));) {
		assert_int_equal(sl->klen, 32);
		sum += sl->val;
		n++;
	}
	assert_int_equal(n, 100);
	assert_int_equal(sum, 100 * 1000 + 99 * 100 / 2);
	hashmap_clear(&m);                       /* frees the keys (ASan checks) */
	assert_int_equal(hashmap_count(&m), 0);
	hashmap_bput(&m, "again", 5, 1);
	hashmap_done(&m);
}

static void test_crowded_run(void **state)
{
	struct hashmap m;
	uint64_t keys[40];
	size_t nk = 0;

	(void)state;
	hashmap_init(&m, HASHMAP_U64);
	for (int k = 0; k < 100; k++)
		hashmap_put(&m, (uint64_t)k + 100000, 0);   /* cap 256 from here on */
	for (uint64_t k = 0; nk < 40; k++)
		if ((hash_u64(k) & 255) == 3)
			keys[nk++] = k;
	for (size_t i = 0; i < nk; i++)
		hashmap_put(&m, keys[i], i);
	for (size_t i = 0; i < nk; i += 3)
		assert_true(hashmap_del(&m, keys[i]));
	for (size_t i = 0; i < nk; i++) {
		uint64_t v = 0;

		assert_true(hashmap_get(&m, keys[i], &v) == (i % 3 != 0));
		if (i % 3)
			assert_true(v == i);
	}
	for (int k = 0; k < 100; k++)
		assert_true(hashmap_get(&m, (uint64_t)k + 100000, NULL));
	hashmap_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fnv1a_vectors),
		cmocka_unit_test(test_u64_put_get_replace_del),
		cmocka_unit_test(test_str_keys_compare_text_not_pointer),
		cmocka_unit_test(test_growth_at_half_full),
		cmocka_unit_test(test_churn_against_array),
		cmocka_unit_test(test_crowded_run),
		cmocka_unit_test(test_bytes_keys_owned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
