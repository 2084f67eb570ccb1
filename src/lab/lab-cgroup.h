/* SPDX-License-Identifier: MIT */
/*
 * Between `up`/state.c and cgroup.c (issue 14): the lab's cgroups, made at `up` and removed
 * with the lab. Each returns 0 or -errno, having logged.
 */
#pragma once

#include <stdbool.h>

#include "cgroup.h"
#include "ns.h"
#include "topo.h"

struct lab_cgroup_up {
	bool active; /* the lab has cgroups */
	struct cg_root root;
};

/* Before anything is made: refuses a limit this machine cannot enforce, or uptime= without
 * time namespaces, with the file's position and the missing controller. */
int lab_cgroup_check(const struct topo *t);
/* The machine-independent part of the check: the first limit of t that root cannot enforce,
 * as "file:line:col: KEY= needs the CTRL cgroup controller ..." in msg. 0, -EOPNOTSUPP (a
 * controller is missing), -EPERM (not root and no delegated subtree). Does not log. */
int lab_cgroup_refusal(const struct topo *t, const struct cg_root *root, bool is_root, char *msg,
		       size_t size);
/* netlab-LAB, netlab-LAB/_lab and one per node, with the file's limits (nothing when the file
 * has none). */
int lab_cgroup_up_begin(const struct topo *t, const char *lab, struct lab_cgroup_up *cg);
/* The lab init into netlab-LAB/_lab, before it has cloned a node. */
int lab_cgroup_up_started(struct lab_cgroup_up *cg, const char *lab, pid_t init_pid);
/* Every node's holder into its own, before it has any child. */
int lab_cgroup_up_nodes(struct lab_cgroup_up *cg, const struct topo *t, const char *lab,
			const struct ns_node_handle *nodes);
/* Removes netlab-LAB and what is under it, on whatever layout this machine has; nothing when
 * there is none. The lab's processes must be gone (the caller holds its lock). */
int lab_cgroup_remove(const char *lab);

/* The doctor's cgroup lines (features.c): LAB_FEAT_CPU, _MEMORY, _PIDS (usable controllers and
 * where) and _TIMENS. */
struct lab_feature;
void lab_cgroup_doctor(struct lab_feature *f);
/* lab_node_resources() for node i of a lab the caller has found alive, on a root it detected
 * (cg_detect reads /proc/self/mountinfo: once for all the nodes of a `status`). Does not log. */
struct lab_state;
struct lab_node_resources;
int lab_node_resources_in(const struct cg_root *root, const struct lab_state *st, size_t i,
			  struct lab_node_resources *ret);
