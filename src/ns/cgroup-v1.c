/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1 backend: cpu, cpuacct, memory and pids, each in its own hierarchy or co-mounted
 * (Documentation/admin-guide/cgroup-v1/). The layout is the same as v2's; only the files
 * differ.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cgroup.h"
#include "macro.h"

/* memory.limit_in_bytes reads back as PAGE_COUNTER_MAX pages when unlimited. */
#define MEM_UNLIMITED (UINT64_C(1) << 62)

static int set_cpu(const struct cg_root *root, const char *rel, uint64_t cpu)
{
	const char *d = root->v1[CG_V1_CPU];
	uint64_t period = 100000;
	char v[32];

	(void)cg_read_u64(d, rel, "cpu.cfs_period_us", NULL, &period);
	if (cpu == CG_MAX)
		snprintf(v, sizeof(v), "-1");
	else
		snprintf(v, sizeof(v), "%" PRIu64, cpu * period / 1000000);
	return cg_write(d, rel, "cpu.cfs_quota_us", v);
}

static int set_memory(const struct cg_root *root, const char *rel, uint64_t mem)
{
	const char *d = root->v1[CG_V1_MEMORY];
	uint64_t old = CG_MAX;
	char v[32];
	int r;

	if (mem == CG_MAX)
		snprintf(v, sizeof(v), "-1");
	else
		snprintf(v, sizeof(v), "%" PRIu64, mem);
	/* No swap for the node: memory+swap limited to the same amount (only with swap
	 * accounting, else there is no memsw file), and swappiness 0. memsw must never be below
	 * the memory limit: lower the memory limit first, raise memsw first. */
	(void)cg_read_u64(d, rel, "memory.limit_in_bytes", NULL, &old);
	bool lowering = mem != CG_MAX && (old >= MEM_UNLIMITED || mem < old);
	if (lowering) {
		r = cg_write(d, rel, "memory.limit_in_bytes", v);
		if (r < 0)
			return r;
	}
	r = cg_write(d, rel, "memory.memsw.limit_in_bytes", v);
	if (r < 0 && r != -ENOENT)
		return r;
	if (!lowering) {
		r = cg_write(d, rel, "memory.limit_in_bytes", v);
		if (r < 0)
			return r;
	}
	r = cg_write(d, rel, "memory.swappiness", "0");
	return r == -ENOENT ? 0 : r;
}

static int v1_set(const struct cg_root *root, const char *rel, const struct cg_limits *l)
{
	int r = 0;

	if (l->cpu && (r = set_cpu(root, rel, l->cpu)) < 0)
		return r;
	if (l->memory && (r = set_memory(root, rel, l->memory)) < 0)
		return r;
	if (l->pids) {
		char v[32];
		if (l->pids == CG_MAX)
			snprintf(v, sizeof(v), "max");
		else
			snprintf(v, sizeof(v), "%" PRIu64, l->pids);
		r = cg_write(root->v1[CG_V1_PIDS], rel, "pids.max", v);
	}
	return r;
}

static int v1_stats(const struct cg_root *root, const char *rel, struct cg_stats *ret)
{
	const char *cpu = root->v1[CG_V1_CPU], *acct = root->v1[CG_V1_CPUACCT];
	const char *mem = root->v1[CG_V1_MEMORY], *pids = root->v1[CG_V1_PIDS];
	struct cg_stats s = {0};
	uint64_t v, period;
	int64_t quota;
	char buf[64];

	if (acct[0] && cg_read_u64(acct, rel, "cpuacct.usage", NULL, &s.cpu_usage_ns) == 0)
		s.has |= CG_HAS_CPU_USAGE;
	if (cpu[0] && cg_read(cpu, rel, "cpu.cfs_quota_us", buf, sizeof(buf)) == 0 &&
	    sscanf(buf, "%" SCNd64, &quota) == 1 &&
	    cg_read_u64(cpu, rel, "cpu.cfs_period_us", NULL, &period) == 0 && period)
		s.limits.cpu = quota < 0 ? CG_MAX : (uint64_t)quota * 1000000 / period;
	if (mem[0]) {
		if (cg_read_u64(mem, rel, "memory.usage_in_bytes", NULL, &s.mem_current) == 0)
			s.has |= CG_HAS_MEM_CURRENT;
		if (cg_read_u64(mem, rel, "memory.max_usage_in_bytes", NULL, &s.mem_peak) == 0)
			s.has |= CG_HAS_MEM_PEAK;
		if (cg_read_u64(mem, rel, "memory.oom_control", "oom_kill", &s.oom_kills) == 0)
			s.has |= CG_HAS_OOM_KILLS; /* Linux 4.13 */
		if (cg_read_u64(mem, rel, "memory.limit_in_bytes", NULL, &v) == 0)
			s.limits.memory = v >= MEM_UNLIMITED ? CG_MAX : v;
	}
	if (pids[0]) {
		if (cg_read_u64(pids, rel, "pids.current", NULL, &s.tasks) == 0)
			s.has |= CG_HAS_TASKS;
		if (cg_read_u64(pids, rel, "pids.events", "max", &s.pids_denied) == 0)
			s.has |= CG_HAS_PIDS_DENIED;
		(void)cg_read_u64(pids, rel, "pids.max", NULL, &s.limits.pids);
	}
	*ret = s;
	return s.has ? 0 : -ENOENT;
}

const struct cg_backend cg_backend_v1 = {
	.name = "v1",
	.set = v1_set,
	.stats = v1_stats,
};
