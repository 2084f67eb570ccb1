/* SPDX-License-Identifier: MIT */
/* The parser's hash map (topo/strmap.c): insert, lookup, collisions, growth to the parser's
 * budget of a million names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "strmap.h"

static void test_empty(void **state)
{
	struct strmap m = {};

	(void)state;
	assert_int_equal(strmap_get(&m, "a"), STRMAP_NONE);
	assert_int_equal(strmap_get(&m, ""), STRMAP_NONE);
	strmap_done(&m);
}

static void test_put_get(void **state)
{
	struct strmap m = {};
	char key[8] = "r1";

	(void)state;
	assert_int_equal(strmap_put(&m, key, 7), 0);
	assert_int_equal(strmap_put(&m, "", 0), 0);
	assert_int_equal(strmap_put(&m, "r10", 3), 0);
	/* The key is copied: the caller's buffer may change. */
	strcpy(key, "xx");
	assert_int_equal(strmap_get(&m, "r1"), 7);
	assert_int_equal(strmap_get(&m, ""), 0);
	assert_int_equal(strmap_get(&m, "r10"), 3);
	assert_int_equal(strmap_get(&m, "xx"), STRMAP_NONE);
	assert_int_equal(strmap_get(&m, "r"), STRMAP_NONE);
	assert_int_equal(m.n, 3);
	strmap_done(&m);
	/* Done leaves an empty map that can be used again. */
	assert_int_equal(m.n, 0);
	assert_int_equal(strmap_get(&m, "r1"), STRMAP_NONE);
	assert_int_equal(strmap_put(&m, "r1", 1), 0);
	assert_int_equal(strmap_get(&m, "r1"), 1);
	strmap_done(&m);
}

/* strmap.c's hash, to choose keys that land in the same slot on purpose. */
static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static void test_collisions(void **state)
{
	struct strmap m = {};
	char keys[4][16];
	char absent[16];
	size_t found = 0;
	uint64_t slot = fnv1a("k0") & 63; /* the first table has 64 slots */

	(void)state;
	/* Four keys and one absent name with the same slot: probing must pass over the others. */
	for (unsigned i = 0; found < 5; i++) {
		char k[16];
		snprintf(k, sizeof(k), "k%u", i);
		if ((fnv1a(k) & 63) != slot)
			continue;
		if (found < 4)
			strcpy(keys[found], k);
		else
			strcpy(absent, k);
		found++;
	}
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(strmap_put(&m, keys[i], i * 10), 0);
	assert_int_equal(m.cap, 64);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(strmap_get(&m, keys[i]), i * 10);
	assert_int_equal(strmap_get(&m, absent), STRMAP_NONE);
	strmap_done(&m);
}

/* The parser's budget (EXPAND_MAX): a million names, each found again after every growth. */
static void test_growth(void **state)
{
	enum { N = 1000000 };
	struct strmap m = {};
	char k[32];
	size_t last_cap = 0, growths = 0;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "h%zu", i);
		assert_int_equal(strmap_put(&m, k, i), 0);
		if (m.cap != last_cap) {
			/* A power of two, at most half full. */
			assert_int_equal(m.cap & (m.cap - 1), 0);
			last_cap = m.cap;
			growths++;
		}
	}
	assert_int_equal(m.n, N);
	assert_true(m.cap >= 2 * (size_t)N);
	assert_true(growths > 10);
	for (size_t i = 0; i < N; i++) {
		snprintf(k, sizeof(k), "h%zu", i);
		if (strmap_get(&m, k) != i)
			fail_msg("%s: %zu, want %zu", k, strmap_get(&m, k), i);
	}
	assert_int_equal(strmap_get(&m, "h1000000"), STRMAP_NONE);
	assert_int_equal(strmap_get(&m, "h"), STRMAP_NONE);
	strmap_done(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_put_get),
		cmocka_unit_test(test_collisions),
		cmocka_unit_test(test_growth),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
