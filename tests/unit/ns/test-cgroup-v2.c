/* SPDX-License-Identifier: MIT */
/*
 * The cgroup v2 backend against a directory tree laid out as cgroup2: the files it writes
 * (cgroup.subtree_control, cpu.max, memory.max, memory.swap.max, pids.max, cgroup.procs) and
 * reads (cpu.stat, memory.current, memory.peak, memory.events, pids.current, pids.events). This
 * machine's controllers are on v1, and a unit test needs no root: the kernel's part (making the
 * control files on mkdir) is done by the test.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "cgroup.h"

static char base[256];

static void put(const char *rel, const char *content)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

static char *get(const char *rel)
{
	static char buf[256];
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void dir(const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", base, rel);
	assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
}

/* What the kernel makes in every new v2 cgroup (those the backend touches). */
static void cgroup_files(const char *rel)
{
	static const char *const files[] = {"cgroup.procs", "cgroup.subtree_control", "cpu.max",
					    "memory.max",   "memory.swap.max",	      "pids.max"};
	char p[300];

	dir(rel);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", rel, files[i]);
		put(p, "");
	}
}

static int setup(void **state)
{
	snprintf(base, sizeof(base), "/tmp/netlab-unit-cg2.XXXXXX");
	assert_non_null(mkdtemp(base));
	put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma misc\n");
	put("cgroup.subtree_control", "cpu memory pids\n");
	return 0;
}

static int teardown(void **state)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_root(void **state)
{
	struct cg_root root;

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	assert_int_equal(root.layout, CG_LAYOUT_V2);
	assert_string_equal(root.ops->name, "v2");
	assert_int_equal(root.usable, (1u << CG_CPU) | (1u << CG_MEMORY) | (1u << CG_PIDS));
	/* Only what the parent hands down counts, not what the kernel has. */
	put("cgroup.subtree_control", "cpu pids\n");
	assert_int_equal(cg_root_v2_at(base, &root), 0);
	assert_int_equal(root.usable, (1u << CG_CPU) | (1u << CG_PIDS));
	put("cgroup.subtree_control", "cpu memory pids\n");
}

static void test_create_enables_controllers(void **state)
{
	struct cg_root root;

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	cgroup_files("netlab-t");
	assert_int_equal(cg_create(&root, "netlab-t", false), 0);
	assert_string_equal(get("netlab-t/cgroup.subtree_control"), "+cpu +memory +pids");
	/* A leaf: nothing enabled below it (v2 forbids processes in a cgroup that does). */
	cgroup_files("netlab-t/r1");
	assert_int_equal(cg_create(&root, "netlab-t/r1", true), 0);
	assert_string_equal(get("netlab-t/r1/cgroup.subtree_control"), "");
	/* Made by mkdir when missing. */
	assert_int_equal(cg_create(&root, "netlab-t/r2", true), 0);
	assert_true(cg_exists(&root, "netlab-t/r2"));
	assert_false(cg_exists(&root, "netlab-t/r3"));
}

static void test_set(void **state)
{
	struct cg_root root;
	struct cg_limits l = {.cpu = 250000, .memory = 64 << 20, .pids = 100};

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	cgroup_files("netlab-t");
	cgroup_files("netlab-t/r1");
	assert_int_equal(root.ops->set(&root, "netlab-t/r1", &l), 0);
	assert_string_equal(get("netlab-t/r1/cpu.max"), "25000 100000");
	assert_string_equal(get("netlab-t/r1/memory.max"), "67108864");
	assert_string_equal(get("netlab-t/r1/memory.swap.max"), "0");
	assert_string_equal(get("netlab-t/r1/pids.max"), "100");

	/* max lifts a limit; 0 leaves the others as they are. */
	l = (struct cg_limits){.cpu = CG_MAX, .pids = CG_MAX};
	assert_int_equal(root.ops->set(&root, "netlab-t/r1", &l), 0);
	assert_string_equal(get("netlab-t/r1/cpu.max"), "max 100000");
	assert_string_equal(get("netlab-t/r1/memory.max"), "67108864");
	assert_string_equal(get("netlab-t/r1/pids.max"), "max");

	/* No swap accounting (no memory.swap.max): the memory limit is set all the same. */
	char p[512];
	snprintf(p, sizeof(p), "%s/netlab-t/r1/memory.swap.max", base);
	assert_int_equal(unlink(p), 0);
	l = (struct cg_limits){.memory = 1 << 30};
	assert_int_equal(root.ops->set(&root, "netlab-t/r1", &l), 0);
	assert_string_equal(get("netlab-t/r1/memory.max"), "1073741824");
	/* A missing controller file is an error, not silence. */
	snprintf(p, sizeof(p), "%s/netlab-t/r1/pids.max", base);
	assert_int_equal(unlink(p), 0);
	l = (struct cg_limits){.pids = 5};
	assert_int_equal(root.ops->set(&root, "netlab-t/r1", &l), -ENOENT);
}

static void test_stats(void **state)
{
	struct cg_root root;
	struct cg_stats s;

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	cgroup_files("netlab-t");
	cgroup_files("netlab-t/r1");
	put("netlab-t/r1/cpu.stat", "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
	put("netlab-t/r1/cpu.max", "50000 100000\n");
	put("netlab-t/r1/memory.current", "4096\n");
	put("netlab-t/r1/memory.peak", "8192\n");
	put("netlab-t/r1/memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n");
	put("netlab-t/r1/memory.max", "max\n");
	put("netlab-t/r1/pids.current", "3\n");
	put("netlab-t/r1/pids.events", "max 7\n");
	put("netlab-t/r1/pids.max", "20\n");
	assert_int_equal(root.ops->stats(&root, "netlab-t/r1", &s), 0);
	assert_int_equal(s.cpu_usage_ns, 1500000);
	assert_int_equal(s.limits.cpu, 500000);
	assert_int_equal(s.mem_current, 4096);
	assert_int_equal(s.mem_peak, 8192);
	assert_int_equal(s.oom_kills, 1); /* oom_kill, not oom or max */
	assert_true(s.limits.memory == CG_MAX);
	assert_int_equal(s.tasks, 3);
	assert_int_equal(s.pids_denied, 7);
	assert_int_equal(s.limits.pids, 20);
	assert_int_equal(s.has, CG_HAS_CPU_USAGE | CG_HAS_MEM_CURRENT | CG_HAS_MEM_PEAK |
					CG_HAS_TASKS | CG_HAS_OOM_KILLS | CG_HAS_PIDS_DENIED);

	/* An older kernel without memory.peak: reported as unknown, not as 0. */
	char p[512];
	snprintf(p, sizeof(p), "%s/netlab-t/r1/memory.peak", base);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(root.ops->stats(&root, "netlab-t/r1", &s), 0);
	assert_false(s.has & CG_HAS_MEM_PEAK);
}

static void test_attach(void **state)
{
	struct cg_root root;

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	cgroup_files("netlab-t");
	cgroup_files("netlab-t/_lab");
	assert_int_equal(cg_attach(&root, "netlab-t/_lab", 1234), 0);
	assert_string_equal(get("netlab-t/_lab/cgroup.procs"), "1234");
	assert_int_equal(cg_attach(&root, "netlab-t/nonexistent", 1234), -ENOENT);
}

static void test_remove_only_the_lab(void **state)
{
	struct cg_root root;

	assert_int_equal(cg_root_v2_at(base, &root), 0);
	/* rmdir of a real cgroup ignores its control files; here the directories are bare. */
	dir("netlab-t");
	dir("netlab-t/_lab");
	dir("netlab-t/r1");
	dir("netlab-other");
	dir("netlab-other/r1");
	dir("system.slice");
	assert_int_equal(cg_remove_tree(&root, "netlab-t"), 0);
	assert_false(cg_exists(&root, "netlab-t"));
	assert_true(cg_exists(&root, "netlab-other/r1"));
	assert_true(cg_exists(&root, "system.slice"));
	/* Gone already: nothing to do. */
	assert_int_equal(cg_remove_tree(&root, "netlab-t"), 0);
	assert_int_equal(cg_remove_tree(&root, "netlab-other"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_create_enables_controllers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_only_the_lab, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
