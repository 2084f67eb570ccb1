/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 backend: the unified hierarchy's files (Documentation/admin-guide/cgroup-v2.rst).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "macro.h"

#define PERIOD_US 100000

static int v2_created(const struct cg_root *root, const char *rel, bool leaf)
{
	char words[64] = "";

	if (leaf)
		return 0;
	/* Only what the base hands down (usable), so one write, which the kernel takes whole. */
	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		size_t len = strlen(words);

		if (root->usable & (1u << c))
			snprintf(words + len, sizeof(words) - len, "%s+%s", len ? " " : "",
				 cg_ctrl_name(c));
	}
	return words[0] ? cg_write(root->base, rel, "cgroup.subtree_control", words) : 0;
}

static void u64_or_max(char *buf, size_t size, uint64_t v)
{
	if (v == CG_MAX)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRIu64, v);
}

static int v2_set(const struct cg_root *root, const char *rel, const struct cg_limits *l)
{
	char v[64];
	int r;

	if (l->cpu) {
		if (l->cpu == CG_MAX)
			snprintf(v, sizeof(v), "max %d", PERIOD_US);
		else
			snprintf(v, sizeof(v), "%" PRIu64 " %d", l->cpu * PERIOD_US / 1000000,
				 PERIOD_US);
		r = cg_write(root->base, rel, "cpu.max", v);
		if (r < 0)
			return r;
	}
	if (l->memory) {
		u64_or_max(v, sizeof(v), l->memory);
		r = cg_write(root->base, rel, "memory.max", v);
		if (r < 0)
			return r;
		/* A node never swaps: a limit that swap could stretch is not a limit. No swap
		 * accounting on this kernel: no file, nothing to turn off. */
		r = cg_write(root->base, rel, "memory.swap.max", "0");
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (l->pids) {
		u64_or_max(v, sizeof(v), l->pids);
		r = cg_write(root->base, rel, "pids.max", v);
		if (r < 0)
			return r;
	}
	return 0;
}

static int v2_stats(const struct cg_root *root, const char *rel, struct cg_stats *ret)
{
	const char *b = root->base;
	struct cg_stats s = {0};
	char buf[128];
	uint64_t v;

	if (cg_read_u64(b, rel, "cpu.stat", "usage_usec", &v) == 0) {
		s.cpu_usage_ns = v * 1000;
		s.has |= CG_HAS_CPU_USAGE;
	}
	if (cg_read(b, rel, "cpu.max", buf, sizeof(buf)) == 0) {
		uint64_t quota, period;
		if (strncmp(buf, "max", 3) == 0)
			s.limits.cpu = CG_MAX;
		else if (sscanf(buf, "%" SCNu64 " %" SCNu64, &quota, &period) == 2 && period)
			s.limits.cpu = quota * 1000000 / period;
	}
	if (cg_read_u64(b, rel, "memory.current", NULL, &s.mem_current) == 0)
		s.has |= CG_HAS_MEM_CURRENT;
	if (cg_read_u64(b, rel, "memory.peak", NULL, &s.mem_peak) == 0) /* Linux 5.19 */
		s.has |= CG_HAS_MEM_PEAK;
	if (cg_read_u64(b, rel, "memory.events", "oom_kill", &s.oom_kills) == 0)
		s.has |= CG_HAS_OOM_KILLS;
	(void)cg_read_u64(b, rel, "memory.max", NULL, &s.limits.memory);
	if (cg_read_u64(b, rel, "pids.current", NULL, &s.tasks) == 0)
		s.has |= CG_HAS_TASKS;
	if (cg_read_u64(b, rel, "pids.events", "max", &s.pids_denied) == 0)
		s.has |= CG_HAS_PIDS_DENIED;
	(void)cg_read_u64(b, rel, "pids.max", NULL, &s.limits.pids);
	*ret = s;
	return s.has ? 0 : -ENOENT;
}

const struct cg_backend cg_backend_v2 = {
	.name = "v2",
	.created = v2_created,
	.set = v2_set,
	.stats = v2_stats,
};
