/* SPDX-License-Identifier: MIT */
/*
 * cgroups for labs and nodes (issue 14): one interface, two small backends chosen at run time.
 *
 *   v2 (cgroup-v2.c): the unified hierarchy; cpu.max, memory.max + memory.swap.max,
 *      pids.max; usage from cpu.stat, memory.current/peak, memory.events, pids.current.
 *   v1 (cgroup-v1.c): cpu, cpuacct, memory and pids each mounted on their own (or
 *      co-mounted); cpu.cfs_quota_us, memory.limit_in_bytes + memsw/swappiness, pids.max.
 *
 * Layout, the same on both (under the base: /sys/fs/cgroup, each v1 controller's mount, or a
 * delegated v2 subtree for a user):
 *
 *     netlab-LAB/         one per lab: a person reading /sys/fs/cgroup sees whose it is
 *     netlab-LAB/_lab     the lab init and the lab-root (v2 allows processes only in leaves;
 *                         node names start with a letter, so no node is called _lab)
 *     netlab-LAB/NODE     every process of the node
 *
 * Paths given to the backends are relative to the base ("netlab-LAB/r1"). Nothing here walks
 * or writes outside the directories it is given, except cg_join_of(), which only joins a
 * cgroup whose path carries the netlab- mark and goes back to the caller's own.
 * Functions return 0 or -errno and never log.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum cg_ctrl { CG_CPU, CG_MEMORY, CG_PIDS, _CG_CTRL_MAX };
enum cg_layout { CG_LAYOUT_NONE, CG_LAYOUT_V1, CG_LAYOUT_V2 };

#define CG_MAX UINT64_MAX /* no limit ("max") */
#define CG_LAB_LEAF "_lab"
#define CG_PREFIX "netlab-"

/* v1 hierarchies we use: cpu (quota), cpuacct (usage), memory, pids. */
enum cg_v1_hier { CG_V1_CPU, CG_V1_CPUACCT, CG_V1_MEMORY, CG_V1_PIDS, _CG_V1_MAX };

struct cg_backend;

struct cg_root {
	enum cg_layout layout;
	const struct cg_backend *ops;
	unsigned usable;	  /* 1u << enum cg_ctrl: what this layout can enforce here */
	char base[256];		  /* v2: the directory labs go under */
	char v1[_CG_V1_MAX][256]; /* v1: where each hierarchy is mounted ("" = nowhere) */
	char detail[200];	  /* for doctor: what was found, or why nothing is usable */
};

/* Limits to write. 0 in a field: leave it as it is; CG_MAX: no limit. cpu in millionths of a
 * core (100000 µs period). */
struct cg_limits {
	uint64_t cpu, memory, pids;
};

enum cg_stat_bit {
	CG_HAS_CPU_USAGE = 1u << 0,
	CG_HAS_MEM_CURRENT = 1u << 1,
	CG_HAS_MEM_PEAK = 1u << 2,
	CG_HAS_TASKS = 1u << 3,
	CG_HAS_OOM_KILLS = 1u << 4,
	CG_HAS_PIDS_DENIED = 1u << 5,
};

struct cg_stats {
	unsigned has;		 /* enum cg_stat_bit: what this machine reports */
	struct cg_limits limits; /* read back; 0 where the controller is missing */
	uint64_t cpu_usage_ns;
	uint64_t mem_current, mem_peak;
	uint64_t tasks;
	uint64_t oom_kills;
	uint64_t pids_denied; /* forks refused by pids.max */
};

/* What differs between the layouts. mkdir/rmdir/attach are the same in every hierarchy
 * (cg_hiers() lists them) and live in cgroup.c. */
struct cg_backend {
	const char *name; /* "v1", "v2" */
	/* After mkdir of rel in every hierarchy: v2 enables the usable controllers for rel's
	 * children (in rel's cgroup.subtree_control), unless leaf. */
	int (*created)(const struct cg_root *root, const char *rel, bool leaf);
	int (*set)(const struct cg_root *root, const char *rel, const struct cg_limits *l);
	int (*stats)(const struct cg_root *root, const char *rel, struct cg_stats *ret);
};

extern const struct cg_backend cg_backend_v1, cg_backend_v2;

/* What this machine has, for a lab made by this user: root uses the top of the hierarchy;
 * another user a delegated v2 subtree it can write (systemd's user@UID.service), else
 * layout NONE with detail saying why. Never fails for lack of cgroups: usable is then 0. */
int cg_detect(struct cg_root *ret);
/* A v2 root at dir (the unit tests' fake tree; `usable` from dir/cgroup.controllers). */
int cg_root_v2_at(const char *dir, struct cg_root *ret);

/* The hierarchy directories of root (v2: the base; v1: each distinct mount). Returns how many
 * (at most _CG_V1_MAX). */
size_t cg_hiers(const struct cg_root *root, const char *ret[_CG_V1_MAX]);
/* mkdir rel in every hierarchy (an existing one is fine), then the backend's set-up. leaf: no
 * cgroup will be made below it. */
int cg_create(const struct cg_root *root, const char *rel, bool leaf);
/* Moves pid (0: the caller) into rel in every hierarchy. */
int cg_attach(const struct cg_root *root, const char *rel, pid_t pid);
/* rel exists (in the first hierarchy). */
bool cg_exists(const struct cg_root *root, const char *rel);

/* Removes rel and everything below it (depth first), retrying briefly while the last
 * processes of a lab that was just killed leave it. 0 when it is gone or was never there. */
int cg_remove_tree(const struct cg_root *root, const char *rel);

/* Joins the cgroups of pid (a node's holder) in every hierarchy where they differ from ours
 * and carry the netlab- mark; *saved remembers where we were (cg_leave puts us back). Nothing
 * to do: 0, and cg_leave is a no-op. */
struct cg_saved {
	unsigned n;
	char path[_CG_V1_MAX + 1][320]; /* cgroup.procs files to write "0" to on leave */
};
int cg_join_of(pid_t pid, struct cg_saved *saved);
int cg_leave(struct cg_saved *saved);

/* The lab init, exiting because `up` died before the commit: when it is in a lab's cgroup
 * (netlab-LAB/_lab), it kills and reaps every process of the lab, then removes netlab-LAB.
 * Best effort: a later `up` of the name or `clean` removes what is left. */
void cg_lab_init_exit(void);

/* ---- the small files (cgroup-file.c), shared by cgroup.c, the backends and timens.c -------- */

/* The controller's name ("cpu", "memory", "pids"). */
const char *cg_ctrl_name(enum cg_ctrl c);
/* "DIR/REL/FILE" (rel and file may be NULL or empty) into buf. -ENAMETOOLONG. */
int cg_path(char *buf, size_t size, const char *dir, const char *rel, const char *file);
int cg_write(const char *dir, const char *rel, const char *file, const char *value);
/* Reads a file into buf (NUL-terminated, trailing newline kept). */
int cg_read(const char *dir, const char *rel, const char *file, char *buf, size_t size);
/* The first number in file (or, with key, the number after "key " on its line). -ENOENT when
 * the file or the key is missing; "max" reads as CG_MAX. */
int cg_read_u64(const char *dir, const char *rel, const char *file, const char *key, uint64_t *ret);

/* ---- time namespaces (timens.c) ---------------------------------------------------------- */

/* In a node's holder, before it has any child: a new time namespace for its children, with
 * CLOCK_MONOTONIC and CLOCK_BOOTTIME offset by offset_s. -EINVAL from the kernel when the
 * offset would take a clock below zero. */
int timens_node_setup(int64_t offset_s);
/* Joins the time namespace pid's children are born in (a node's, when it differs from ours);
 * *saved is our own, for timens_leave (-1: nothing was joined). */
int timens_join_of(pid_t pid, int *saved);
int timens_leave(int *saved);
/* The kernel has time namespaces (/proc/self/ns/time exists). */
bool timens_supported(void);

/* ---- entering a node (cgroup.c) --------------------------------------------------------- */

/* What a way into a node joins besides the namespaces setns(pidfd) reaches: the node's cgroups
 * and its time namespace. Before the mount namespace changes (the paths are the host's). */
struct ns_node_extras {
	struct cg_saved cg;
	int time_fd; /* ours, while in the node's; -1 */
};
int ns_node_extras_join(int pidfd, struct ns_node_extras *x);
/* Back to our own; a no-op after a join that had nothing to do. */
int ns_node_extras_leave(struct ns_node_extras *x);
