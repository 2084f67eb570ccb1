/* SPDX-License-Identifier: MIT */
/*
 * `up` refuses a limit the machine cannot enforce, naming the place in the file and the missing
 * controller (issue 14). The check itself is machine-independent: here against made-up
 * machines (a v1 layout without memory, a user without a delegated subtree, one with all).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lab-cgroup.h"

static struct topo *parse(const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = {0};

	assert_int_equal(topo_parse_string("lim.conf", text, strlen(text), &t, &err), 0);
	return t;
}

static const char file[] = "node a cpu=0.5\nnode b router pids=10 memory=64M\n";

static void test_missing_controller(void **state)
{
	struct cg_root root = {.layout = CG_LAYOUT_V1,
			       .ops = &cg_backend_v1,
			       .usable = (1u << CG_CPU) | (1u << CG_PIDS)};
	struct topo *t = parse(file);
	char msg[512];

	snprintf(root.detail, sizeof(root.detail), "v1 cpu at /sys/fs/cgroup/cpu");
	assert_int_equal(lab_cgroup_refusal(t, &root, true, msg, sizeof(msg)), -EOPNOTSUPP);
	assert_string_equal(msg, "lim.conf:2:23: memory= needs the memory cgroup controller, which "
				 "this machine does not offer (v1 cpu at /sys/fs/cgroup/cpu)");
	topo_free(t);
}

static void test_defaults_point_at_defaults(void **state)
{
	struct cg_root root = {.layout = CG_LAYOUT_V2,
			       .ops = &cg_backend_v2,
			       .usable = (1u << CG_MEMORY) | (1u << CG_PIDS)};
	struct topo *t = parse("node a\ndefaults cpu=1\n");
	char msg[512];

	assert_int_equal(lab_cgroup_refusal(t, &root, true, msg, sizeof(msg)), -EOPNOTSUPP);
	assert_non_null(strstr(msg, "lim.conf:2:10: cpu= needs the cpu cgroup controller"));
	topo_free(t);
}

static void test_user_without_delegation(void **state)
{
	struct cg_root root = {.layout = CG_LAYOUT_NONE};
	struct topo *t = parse(file);
	char msg[512];

	snprintf(root.detail, sizeof(root.detail), "no delegated subtree");
	assert_int_equal(lab_cgroup_refusal(t, &root, false, msg, sizeof(msg)), -EPERM);
	assert_string_equal(msg, "lim.conf:1:8: cpu= needs a cgroup netlab can write: no delegated "
				 "subtree; run as root, or remove the limits");
	topo_free(t);
}

static void test_all_there(void **state)
{
	struct cg_root root = {.layout = CG_LAYOUT_V2, .ops = &cg_backend_v2, .usable = 7};
	struct topo *t = parse(file);
	char msg[512] = "";

	assert_int_equal(lab_cgroup_refusal(t, &root, true, msg, sizeof(msg)), 0);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_controller),
		cmocka_unit_test(test_defaults_point_at_defaults),
		cmocka_unit_test(test_user_without_delegation),
		cmocka_unit_test(test_all_there),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
