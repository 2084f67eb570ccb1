/* SPDX-License-Identifier: MIT */
/* The impairment key table: every key round-trips file -> struct -> text -> `link set` -> struct. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <cmocka.h>

#include "topo.h"

/* Values per kind, written as a user would. */
static const char *const samples[][6] = {
	[TOPO_IMPAIR_TIME] = { "10ms", "1.5s", "250us", "7ns", "2m", NULL },
	[TOPO_IMPAIR_PERCENT] = { "1%", "0.5%", "100%", "33.3333%", "0.0001%", NULL },
	[TOPO_IMPAIR_RATE] = { "10mbit", "1gbit", "1500kbit", "64bps", "1kibit", NULL },
	[TOPO_IMPAIR_PACKETS] = { "1", "1000", "4294967295", NULL },
};

static struct topo_impair from_file(const char *kv)
{
	char text[256];
	struct topo *t = NULL;
	struct topo_error err = { 0 };
	struct topo_impair im;

	/* jitter and reorder need a delay: give one, then ignore the delay's field below. */
	snprintf(text, sizeof(text), "node a b\nlink a -- b %s%s\n", kv,
		 strncmp(kv, "delay=", 6) ? " delay=1s" : "");
	assert_int_equal(topo_parse_string("t", text, strlen(text), &t, &err), 0);
	im = t->links[0].egress[0];
	assert_true(im.set);
	topo_free(t);
	return im;
}

static void test_round_trip(void **state)
{
	for (size_t i = 0; i < topo_impair_n_keys; i++) {
		const struct topo_impair_key *k = &topo_impair_keys[i];
		for (const char *const *v = samples[k->kind]; *v; v++) {
			char kv[160], text[64], msg[256];
			struct topo_impair back = { 0 };
			uint32_t keys = 0;

			snprintf(kv, sizeof(kv), "%s=%s", k->name, *v);
			struct topo_impair im = from_file(kv);
			uint64_t val = topo_impair_get(&im, k);
			assert_true(val != 0);

			/* What `link show` prints, fed back to `link set`. */
			topo_impair_format(k, val, text, sizeof(text));
			snprintf(kv, sizeof(kv), "%s=%s", k->name, text);
			assert_int_equal(topo_impair_parse_kv(kv, true, &back, &keys, msg,
							      sizeof(msg)), 0);
			assert_int_equal(keys, 1u << i);
			if (topo_impair_get(&back, k) != val)
				fail_msg("%s: %s -> %llu -> %s -> %llu", k->name, *v,
					 (unsigned long long)val, text,
					 (unsigned long long)topo_impair_get(&back, k));

			/* The overlay carries exactly that key. */
			struct topo_impair cur = { 0 };
			topo_impair_overlay(&cur, &im, 1u << i);
			for (size_t j = 0; j < topo_impair_n_keys; j++)
				assert_int_equal(topo_impair_get(&cur, &topo_impair_keys[j]),
						 j == i ? val : 0);
		}
	}
}

static void test_key_list(void **state)
{
	char list[256] = "";

	for (size_t i = 0; i < topo_impair_n_keys; i++) {
		assert_non_null(topo_impair_keys[i].json);
		assert_non_null(topo_impair_keys[i].doc);
		strcat(list, i ? ", " : "");
		strcat(list, topo_impair_keys[i].name);
	}
	assert_string_equal(list, TOPO_IMPAIR_KEY_LIST);
}

static void test_errors(void **state)
{
	struct topo_impair im = { 0 };
	uint32_t keys = 0;
	char msg[256];

	assert_int_equal(topo_impair_parse_kv("speed=1", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "unknown impairment 'speed'"));
	assert_int_equal(topo_impair_parse_kv("delay", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_int_equal(topo_impair_parse_kv("delay=10", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "needs a unit"));
	assert_int_equal(topo_impair_parse_kv("loss=101%", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_int_equal(topo_impair_parse_kv("limit=0", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_int_equal(keys, 0);

	/* off: only where asked for (runtime), and it clears. */
	im.loss = 5;
	assert_int_equal(topo_impair_parse_kv("loss=off", true, &im, &keys, msg, sizeof(msg)), 0);
	assert_int_equal(im.loss, 0);
	assert_int_equal(topo_impair_parse_kv("loss=1%", true, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);
	assert_non_null(strstr(msg, "twice"));
	keys = 0;
	assert_int_equal(topo_impair_parse_kv("loss=off", false, &im, &keys, msg, sizeof(msg)),
			 -EINVAL);

	struct topo_impair j = { .jitter_ns = 5 };
	assert_int_equal(topo_impair_check(&j, msg, sizeof(msg)), -EINVAL);
	assert_string_equal(msg, "jitter needs a delay (add delay=T)");
	j.delay_ns = 1;
	assert_int_equal(topo_impair_check(&j, msg, sizeof(msg)), 0);
	assert_false(topo_impair_any(&(struct topo_impair){ 0 }));
	assert_true(topo_impair_any(&j));
}

/* The man pages list every key: netlab.conf(5) in the link statement's synopsis. */
static void test_documented(void **state)
{
	const char *src = getenv("SRCDIR");
	char path[4096], *text;
	FILE *f;
	long len;

	if (!src)
		skip();
	snprintf(path, sizeof(path), "%s/docs/netlab.conf.5.scd", src);
	f = fopen(path, "re");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	for (size_t i = 0; i < topo_impair_n_keys; i++) {
		char want[64];
		snprintf(want, sizeof(want), "[%s=", topo_impair_keys[i].name);
		if (!strstr(text, want))
			fail_msg("netlab.conf(5) does not list '%s=' in the link synopsis",
				 topo_impair_keys[i].name);
	}
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_key_list),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
