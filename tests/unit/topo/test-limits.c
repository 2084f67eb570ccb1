/* SPDX-License-Identifier: MIT */
/*
 * Node resources and clocks in the topology file (issue 14): cpu= memory= pids= uptime= on
 * node statements and ranges, the defaults statement, the values' syntax and every message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

static struct topo *parse_ok(const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("lim.conf", text, strlen(text), &t, &err);

	if (r < 0)
		fail_msg("%u:%u: %s", err.line, err.col, err.message);
	return t;
}

static void expect_error(const char *text, unsigned line, unsigned col, const char *message)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("lim.conf", text, strlen(text), &t, &err);

	if (r == 0) {
		topo_free(t);
		fail_msg("parsed, expected %u:%u: %s", line, col, message);
	}
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
}

static void test_node_limits(void **state)
{
	struct topo *t =
		parse_ok("node r1 router cpu=0.5 memory=256M pids=512 uptime=+30d\nnode r2\n");
	const struct topo_limits *l = &t->nodes[0].limits;

	assert_true(t->nodes[0].flags & TOPO_NODE_ROUTER);
	assert_true(l->set[TOPO_LIMIT_CPU]);
	assert_int_equal(l->value[TOPO_LIMIT_CPU], 500000);
	assert_int_equal(l->value[TOPO_LIMIT_MEMORY], 256ULL << 20);
	assert_int_equal(l->value[TOPO_LIMIT_PIDS], 512);
	assert_int_equal((int64_t)l->value[TOPO_LIMIT_UPTIME], 30 * 86400);
	assert_int_equal(l->pos[TOPO_LIMIT_MEMORY].line, 1);
	assert_int_equal(l->pos[TOPO_LIMIT_MEMORY].col, 24);
	for (int k = 0; k < _TOPO_LIMIT_MAX; k++)
		assert_false(t->nodes[1].limits.set[k]);
	assert_true(topo_wants_cgroups(t));
	topo_free(t);
}

static void test_uptime_alone_makes_no_cgroup(void **state)
{
	struct topo *t = parse_ok("node r1 uptime=-2h\n");

	assert_int_equal((int64_t)t->nodes[0].limits.value[TOPO_LIMIT_UPTIME], -7200);
	assert_false(topo_wants_cgroups(t));
	topo_free(t);
}

static void test_range_and_defaults(void **state)
{
	struct topo *t = parse_ok("defaults cpu=0.25 pids=max\nnode h[1..3] memory=1G\n"
				  "node x cpu=2\ndefaults memory=64M\n");

	assert_int_equal(t->n_nodes, 4);
	for (size_t i = 0; i < 3; i++) {
		const struct topo_limits *l = &t->nodes[i].limits;
		assert_int_equal(l->value[TOPO_LIMIT_CPU], 250000);
		assert_int_equal(l->pos[TOPO_LIMIT_CPU].line, 1); /* where the default is */
		assert_int_equal(l->value[TOPO_LIMIT_MEMORY], 1ULL << 30);
		assert_true(l->value[TOPO_LIMIT_PIDS] == TOPO_LIMIT_INF);
		assert_false(l->set[TOPO_LIMIT_UPTIME]);
	}
	/* A default declared after the node still applies; the node's own value wins. */
	assert_int_equal(t->nodes[3].limits.value[TOPO_LIMIT_CPU], 2000000);
	assert_int_equal(t->nodes[3].limits.value[TOPO_LIMIT_MEMORY], 64ULL << 20);
	topo_free(t);
}

static void test_values(void **state)
{
	static const struct {
		enum topo_limit_key k;
		const char *in;
		int r;
		uint64_t v;
		const char *out;
	} cases[] = {
		{TOPO_LIMIT_CPU, "0.01", 0, 10000, "0.01"},
		{TOPO_LIMIT_CPU, "1.125", 0, 1125000, "1.125"},
		{TOPO_LIMIT_CPU, "1024", 0, 1024000000, "1024"},
		{TOPO_LIMIT_CPU, "max", 0, TOPO_LIMIT_INF, "max"},
		{TOPO_LIMIT_CPU, "0.001", -ERANGE, 0, NULL},
		{TOPO_LIMIT_CPU, "1025", -ERANGE, 0, NULL},
		{TOPO_LIMIT_CPU, "0.1234567", -EINVAL, 0, NULL},
		{TOPO_LIMIT_CPU, ".5", -EINVAL, 0, NULL},
		{TOPO_LIMIT_CPU, "50%", -EINVAL, 0, NULL},
		{TOPO_LIMIT_MEMORY, "1048576", 0, 1 << 20, "1M"},
		{TOPO_LIMIT_MEMORY, "1536k", 0, 1536 << 10, "1536K"},
		{TOPO_LIMIT_MEMORY, "2T", 0, 2ULL << 40, "2T"},
		{TOPO_LIMIT_MEMORY, "1000", -ERANGE, 0, NULL},
		{TOPO_LIMIT_MEMORY, "1MB", -EINVAL, 0, NULL},
		{TOPO_LIMIT_MEMORY, "99999999999999T", -ERANGE, 0, NULL},
		{TOPO_LIMIT_PIDS, "1", 0, 1, "1"},
		{TOPO_LIMIT_PIDS, "0", -ERANGE, 0, NULL},
		{TOPO_LIMIT_PIDS, "4194305", -ERANGE, 0, NULL},
		{TOPO_LIMIT_PIDS, "-1", -EINVAL, 0, NULL},
		{TOPO_LIMIT_UPTIME, "+90s", 0, 90, "+90s"},
		{TOPO_LIMIT_UPTIME, "+120m", 0, 7200, "+2h"},
		{TOPO_LIMIT_UPTIME, "-1d", 0, (uint64_t)-86400, "-1d"},
		{TOPO_LIMIT_UPTIME, "30d", -EINVAL, 0, NULL},
		{TOPO_LIMIT_UPTIME, "+1w", -EINVAL, 0, NULL},
		{TOPO_LIMIT_UPTIME, "max", -EINVAL, 0, NULL},
		{TOPO_LIMIT_UPTIME, "+36501d", -ERANGE, 0, NULL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 0;
		const char *why = NULL;
		char buf[32];
		int r = topo_limit_parse(cases[i].k, cases[i].in, &v, &why);

		if (r != cases[i].r)
			fail_msg("%s=%s: %d, expected %d", topo_limit_keys[cases[i].k].key,
				 cases[i].in, r, cases[i].r);
		assert_non_null(why);
		if (r < 0)
			continue;
		assert_true(v == cases[i].v);
		assert_string_equal(topo_limit_format(cases[i].k, v, buf, sizeof(buf)),
				    cases[i].out);
	}
}

static void test_errors(void **state)
{
	expect_error("node r1 cpu=abc", 1, 9,
		     "invalid cpu value 'abc': expected a fraction of one core from 0.01 to 1024 "
		     "(0.5, 2), or max");
	expect_error("node r1\nnode r2 memory=10", 2, 9,
		     "out of range memory value '10': expected a size from 1M with K, M, G or T "
		     "(256M, 1G), or max");
	expect_error("node r1 colour=red", 1, 9,
		     "unknown option 'colour' (expected cpu=, memory=, pids=, uptime=, rootfs=, "
		     "image= or cmd=)");
	expect_error("node r1 pids=5 pids=6", 1, 16, "pids= is given twice (first at column 9)");
	expect_error(
		"node r1 uptime=30d", 1, 9,
		"invalid uptime value '30d': expected a signed offset with s, m, h or d (+30d, "
		"-2h), at most 36500d");
	expect_error("defaults", 1, 9, "expected cpu=, memory=, pids=, uptime=, rootfs=, image= or "
		     "cmd= after 'defaults'");
	expect_error("defaults cpu", 1, 10, "expected KEY=VALUE, got 'cpu'");
	expect_error("defaults cpu=1\nnode a\ndefaults cpu=2", 3, 10,
		     "default cpu= is already given at line 1");
	expect_error("defaults speed=1", 1, 10,
		     "unknown option 'speed' (expected cpu=, memory=, pids=, uptime=, rootfs=, "
		     "image= or cmd=)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_node_limits),
		cmocka_unit_test(test_uptime_alone_makes_no_cgroup),
		cmocka_unit_test(test_range_and_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
