/* SPDX-License-Identifier: MIT */
/*
 * Node resources and clocks (issue 14), the lab's side: which labs get cgroups, making them at
 * `up`, removing them with the lab, `netlab node NODE set|show`.
 *
 * A lab gets cgroups when its file gives any node a cpu=, memory= or pids= (`defaults
 * cpu=max` gives every node one without limiting it): then every node has one, so `set` works
 * on each, and `show` reports usage. Labs without limits create nothing on the host's cgroup
 * file systems and pay nothing for them.
 *
 * Removal is by name (netlab-LAB or netlab-LAB@HASH, see cg_lab_name(); under the lock of
 * LAB), from lab_remove_dir() and lab_clear_dir(): `down`, a failed `up`, `clean`, and the next
 * `up` of the name after a SIGKILL. A lab init that exits because `up` died before the commit removes them itself
 * (cg_lab_init_exit in src/ns/cgroup.c).
 */
#include <errno.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "events.h"
#include "lab-cgroup.h"
#include "lab-internal.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

/* netlab-, a lab name, '@' and 12 hex digits, NUL. */
#define CG_LAB_NAME_MAX (sizeof(CG_PREFIX) + TOPO_NAME_MAX + 14)

/*
 * A lab's cgroup is netlab-LAB for root's own run dir (/run/netlab) and netlab-LAB@HASH for any
 * other: two users, or two NETLAB_RUN_DIRs, may each have a lab of one name at the same time, and
 * the cgroup trees are host-wide. HASH is 12 hex digits of FNV-1a over the run dir's path with
 * repeated and trailing slashes dropped (the same directory spelt "/x//y/" is the same lab); '@'
 * cannot be in a lab name, so no lab's name can be another's.
 */
static void cg_lab_name(char buf[CG_LAB_NAME_MAX], const char *lab)
{
	const char *dir = lab_run_dir();
	uint64_t h = UINT64_C(0xcbf29ce484222325);
	char prev = 0;

	if (streq(dir, "/run/netlab")) {
		snprintf(buf, CG_LAB_NAME_MAX, CG_PREFIX "%s", lab);
		return;
	}
	for (const char *p = dir; *p; prev = *p++) {
		if (*p == '/' && (prev == '/' || p[1 + strspn(p + 1, "/")] == '\0'))
			continue;
		h = (h ^ (unsigned char)*p) * UINT64_C(0x100000001b3);
	}
	snprintf(buf, CG_LAB_NAME_MAX, CG_PREFIX "%s@%012" PRIx64, lab, h & UINT64_C(0xffffffffffff));
}

static int rel_path(char *buf, size_t size, const char *lab, const char *node)
{
	char name[CG_LAB_NAME_MAX];
	int n;

	cg_lab_name(name, lab);
	n = snprintf(buf, size, "%s%s%s", name, node ? "/" : "", node ? node : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static enum cg_ctrl ctrl_of(enum topo_limit_key k)
{
	return k == TOPO_LIMIT_CPU ? CG_CPU : k == TOPO_LIMIT_MEMORY ? CG_MEMORY : CG_PIDS;
}

static void to_cg(const struct topo_limits *l, struct cg_limits *ret)
{
	*ret = (struct cg_limits){
		.cpu = l->set[TOPO_LIMIT_CPU] ? l->value[TOPO_LIMIT_CPU] : 0,
		.memory = l->set[TOPO_LIMIT_MEMORY] ? l->value[TOPO_LIMIT_MEMORY] : 0,
		.pids = l->set[TOPO_LIMIT_PIDS] ? l->value[TOPO_LIMIT_PIDS] : 0,
	};
}

int lab_cgroup_check(const struct topo *t)
{
	struct cg_root root;

	struct timespec mono;
	char msg[512];
	int r;

	(void)clock_gettime(CLOCK_MONOTONIC, &mono);
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_limits *l = &t->nodes[i].limits;
		const struct topo_pos *pos = &l->pos[TOPO_LIMIT_UPTIME];
		int64_t off = (int64_t)l->value[TOPO_LIMIT_UPTIME];

		if (!l->set[TOPO_LIMIT_UPTIME])
			continue;
		if (!timens_supported())
			return log_error_errno(
				-EOPNOTSUPP,
				"%s:%u:%u: uptime= needs time namespaces, which this "
				"kernel does not have (Linux 5.6 and CONFIG_TIME_NS)",
				t->file, pos->line, pos->col);
		/* The kernel refuses an offset that takes a clock below zero; say it here, with
		 * the place, rather than as a node's EINVAL. */
		if (off < 0 && -off >= (int64_t)mono.tv_sec)
			return log_error_errno(-ERANGE,
					       "%s:%u:%u: uptime=%" PRId64 "s would put node '%s' "
					       "before its boot: this machine has been up %lld s",
					       t->file, pos->line, pos->col, off, t->nodes[i].name,
					       (long long)mono.tv_sec);
	}
	if (!topo_wants_cgroups(t))
		return 0;
	(void)cg_detect(&root);
	r = lab_cgroup_refusal(t, &root, geteuid() == 0, msg, sizeof(msg));
	if (r < 0)
		log_error("%s", msg);
	return r;
}

int lab_cgroup_refusal(const struct topo *t, const struct cg_root *root, bool is_root, char *msg,
		       size_t size)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		for (int k = 0; k < TOPO_LIMIT_CGROUP_KEYS; k++) {
			const struct topo_limits *l = &t->nodes[i].limits;
			enum cg_ctrl c = ctrl_of(k);

			if (!l->set[k] || (root->usable & (1u << c)))
				continue;
			if (root->layout == CG_LAYOUT_NONE && !is_root) {
				snprintf(
					msg, size,
					"%s:%u:%u: %s= needs a cgroup netlab can write: %s; run as "
					"root, or remove the limits",
					t->file, l->pos[k].line, l->pos[k].col,
					topo_limit_keys[k].key, root->detail);
				return -EPERM;
			}
			snprintf(msg, size,
				 "%s:%u:%u: %s= needs the %s cgroup controller, which this machine "
				 "does not offer (%s)",
				 t->file, l->pos[k].line, l->pos[k].col, topo_limit_keys[k].key,
				 cg_ctrl_name(c), root->detail);
			return -EOPNOTSUPP;
		}
	return 0;
}

int lab_cgroup_up_begin(const struct topo *t, const char *lab, struct lab_cgroup_up *cg)
{
	char rel[320];
	int r;

	if (!topo_wants_cgroups(t))
		return 0;
	(void)cg_detect(&cg->root);
	r = rel_path(rel, sizeof(rel), lab, NULL);
	if (r >= 0)
		r = cg_create(&cg->root, rel, false);
	if (r < 0)
		return log_error_errno(r, "Cannot create cgroup '%s' (%s): %m", rel,
				       cg->root.detail);
	cg->active = true; /* from here on, lab_remove_dir() has something to remove */
	r = rel_path(rel, sizeof(rel), lab, CG_LAB_LEAF);
	if (r >= 0)
		r = cg_create(&cg->root, rel, true);
	for (size_t i = 0; r >= 0 && i < t->n_nodes; i++) {
		struct cg_limits l;

		r = rel_path(rel, sizeof(rel), lab, t->nodes[i].name);
		if (r >= 0)
			r = cg_create(&cg->root, rel, true);
		to_cg(&t->nodes[i].limits, &l);
		if (r >= 0)
			r = cg->root.ops->set(&cg->root, rel, &l);
		if (r < 0)
			return log_error_errno(r, "Cannot set up cgroup '%s' of node '%s': %m", rel,
					       t->nodes[i].name);
	}
	if (r < 0)
		return log_error_errno(r, "Cannot create cgroup '%s': %m", rel);
	return 0;
}

int lab_cgroup_up_started(struct lab_cgroup_up *cg, const char *lab, pid_t init_pid)
{
	char rel[320];
	int r;

	if (!cg->active)
		return 0;
	/* Before it has cloned any node (`up` has ordered none yet); its worker, which lives
	 * only until commit, stays where `up` is, and every node is moved to its own. */
	r = rel_path(rel, sizeof(rel), lab, CG_LAB_LEAF);
	if (r >= 0)
		r = cg_attach(&cg->root, rel, init_pid);
	if (r < 0)
		return log_error_errno(r, "Cannot move the lab init into cgroup '%s': %m", rel);
	return 0;
}

int lab_cgroup_up_nodes(struct lab_cgroup_up *cg, const struct topo *t, const char *lab,
			const struct ns_node_handle *nodes)
{
	char rel[320];
	int r;

	if (!cg->active)
		return 0;
	/* A node's holder has no child before `up` runs the file's exec and start statements:
	 * everything the node ever runs is born in its cgroup (or joins it, see enter.c). */
	for (size_t i = 0; i < t->n_nodes; i++) {
		r = rel_path(rel, sizeof(rel), lab, t->nodes[i].name);
		if (r >= 0)
			r = cg_attach(&cg->root, rel, nodes[i].pid);
		/* The node died in its set-up (reaped already): wait_nodes_ready() says so by
		 * name, which this error would hide. */
		if (r == -ESRCH)
			continue;
		if (r < 0)
			return log_error_errno(r, "Cannot move node '%s' into cgroup '%s': %m",
					       t->nodes[i].name, rel);
	}
	return 0;
}

int lab_cgroup_remove(const char *lab)
{
	struct cg_root root;
	char rel[320];
	int r;

	if (!topo_name_valid(lab) || rel_path(rel, sizeof(rel), lab, NULL) < 0)
		return 0;
	(void)cg_detect(&root);
	if (root.layout == CG_LAYOUT_NONE)
		return 0;
	r = cg_remove_tree(&root, rel);
	if (r < 0)
		return log_error_errno(r, "Cannot remove cgroup '%s' of lab '%s': %m", rel, lab);
	return 0;
}

/* ---- netlab node NODE set|show ----------------------------------------------------------- */

/* The uptime offset of the node's processes: its holder's time_for_children, when that is not
 * ours. */
static void read_uptime(pid_t pid, struct lab_node_resources *ret)
{
	char dir[64], buf[256], theirs[64] = "", ours[64] = "";
	const char *p;
	long long mono;

	snprintf(dir, sizeof(dir), "/proc/%d/ns/time_for_children", (int)pid);
	if (readlink(dir, theirs, sizeof(theirs) - 1) < 0 ||
	    readlink("/proc/self/ns/time", ours, sizeof(ours) - 1) < 0 || streq(theirs, ours))
		return;
	/* timens_offsets shows the holder's time_for_children, the node's. */
	snprintf(dir, sizeof(dir), "/proc/%d", (int)pid);
	if (cg_read(dir, NULL, "timens_offsets", buf, sizeof(buf)) < 0)
		return;
	p = strstr(buf, "monotonic");
	if (!p || sscanf(p, "monotonic %lld", &mono) != 1)
		return;
	ret->has_uptime = true;
	ret->uptime_s = mono;
}

static int node_resources(const struct cg_root *root, const char *lab, const char *node, pid_t pid,
			  struct lab_node_resources *ret)
{
	struct cg_stats s;
	char rel[320];
	int r;

	*ret = (struct lab_node_resources){0};
	read_uptime(pid, ret);
	r = rel_path(rel, sizeof(rel), lab, node);
	if (r < 0)
		return r;
	if (root->layout == CG_LAYOUT_NONE || !cg_exists(root, rel))
		return 0;
	r = root->ops->stats(root, rel, &s);
	if (r < 0)
		return r;
	ret->has_cgroup = true;
	snprintf(ret->layout, sizeof(ret->layout), "%s", root->ops->name);
	ret->limit[TOPO_LIMIT_CPU] = s.limits.cpu;
	ret->limit[TOPO_LIMIT_MEMORY] = s.limits.memory;
	ret->limit[TOPO_LIMIT_PIDS] = s.limits.pids;
	ret->has = s.has;
	ret->cpu_usage_ns = s.cpu_usage_ns;
	ret->mem_current = s.mem_current;
	ret->mem_peak = s.mem_peak;
	ret->tasks = s.tasks;
	ret->oom_kills = s.oom_kills;
	ret->pids_denied = s.pids_denied;
	return 0;
}

int lab_node_resources_in(const struct cg_root *root, const struct lab_state *st, size_t i,
			  struct lab_node_resources *ret)
{
	return node_resources(root, st->name, st->nodes[i].name, st->nodes[i].pid, ret);
}

int lab_node_resources(const char *lab, const char *node, struct lab_node_resources *ret)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	struct cg_root root;
	size_t i;
	int r;

	r = lab_node_open(lab, node, &st, &i, NULL);
	if (r < 0)
		return r;
	(void)cg_detect(&root);
	r = lab_node_resources_in(&root, st, i, ret);
	if (r < 0)
		return log_error_errno(r, "Cannot read the cgroup of node '%s': %m", node);
	return 0;
}

/* KEY=VALUE words into limits, with the file's vocabulary and messages. */
static int parse_set_words(char *const kv[], size_t n, struct topo_limits *l)
{
	*l = (struct topo_limits){0};
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(kv[i], '='), *why;
		int k = eq ? topo_limit_find(kv[i], (size_t)(eq - kv[i])) : -1;
		int r;

		if (k < 0)
			return log_error_errno(-EINVAL,
					       "'%s': expected cpu=, memory= or pids=", kv[i]);
		if (!topo_limit_keys[k].runtime)
			return log_error_errno(-EINVAL,
					       "%s= cannot change while the node runs (it is fixed "
					       "when the node starts)",
					       topo_limit_keys[k].key);
		if (l->set[k])
			return log_error_errno(-EINVAL, "%s= is given twice",
					       topo_limit_keys[k].key);
		r = topo_limit_parse(k, eq + 1, &l->value[k], &why);
		if (r < 0)
			return log_error_errno(-EINVAL, "%s %s value '%s': expected %s",
					       r == -ERANGE ? "out of range" : "invalid",
					       topo_limit_keys[k].key, eq + 1, why);
		l->set[k] = true;
	}
	return 0;
}

int lab_node_set(const char *lab, const char *node, char *const kv[], size_t n)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	struct topo_limits l;
	struct cg_limits cl;
	struct cg_root root;
	char rel[320], words[256] = "";
	size_t i;
	int r;

	r = parse_set_words(kv, n, &l);
	if (r < 0)
		return r;
	r = lab_node_open(lab, node, &st, &i, NULL);
	if (r < 0)
		return r;
	(void)cg_detect(&root);
	r = rel_path(rel, sizeof(rel), lab, node);
	if (r < 0)
		return log_error_errno(r, "Lab name '%s' is too long: %m", lab);
	if (root.layout == CG_LAYOUT_NONE || !cg_exists(&root, rel))
		return log_error_errno(
			-EOPNOTSUPP,
			"lab '%s' has no cgroups: it was brought up without resource "
			"limits (give a node cpu=, memory= or pids=, or write "
			"`defaults cpu=max` in its file)",
			lab);
	for (int k = 0; k < TOPO_LIMIT_CGROUP_KEYS; k++) {
		char v[32];
		size_t len = strlen(words);

		if (!l.set[k])
			continue;
		if (!(root.usable & (1u << ctrl_of(k))))
			return log_error_errno(-EOPNOTSUPP,
					       "%s= needs the %s cgroup controller, which this "
					       "machine does not offer (%s)",
					       topo_limit_keys[k].key, cg_ctrl_name(ctrl_of(k)),
					       root.detail);
		snprintf(words + len, sizeof(words) - len, " %s=%s", topo_limit_keys[k].key,
			 topo_limit_format(k, l.value[k], v, sizeof(v)));
	}
	to_cg(&l, &cl);
	r = root.ops->set(&root, rel, &cl);
	if (r == -EBUSY && l.set[TOPO_LIMIT_MEMORY])
		return log_error_errno(r,
				       "Cannot set the memory limit of node '%s': it uses more "
				       "than that now and nothing could be reclaimed: %m",
				       node);
	if (r < 0)
		return log_error_errno(r, "Cannot change the cgroup of node '%s': %m", node);
	lab_event(lab, "node %s set%s", node, words);
	return 0;
}

/* ---- doctor ------------------------------------------------------------------------------ */

static int probe_timens(void *data, void *out, size_t size)
{
	/* In the child that unshared: the offsets of its children's clocks can be written. */
	return cg_write("/proc/self", NULL, "timens_offsets", "monotonic 1 0\n");
}

void lab_cgroup_doctor(struct lab_feature *f)
{
	static const enum lab_feature_id ids[_CG_CTRL_MAX] = {LAB_FEAT_CPU, LAB_FEAT_MEMORY,
							      LAB_FEAT_PIDS};
	static const enum cg_v1_hier v1[_CG_CTRL_MAX] = {CG_V1_CPU, CG_V1_MEMORY, CG_V1_PIDS};
	struct cg_root root;
	int r;

	(void)cg_detect(&root);
	for (int c = 0; c < _CG_CTRL_MAX; c++) {
		struct lab_feature *x = &f[ids[c]];

		x->name = cg_ctrl_name(c);
		x->ok = root.usable & (1u << c);
		if (x->ok && root.layout == CG_LAYOUT_V1)
			snprintf(x->detail, sizeof(x->detail),
				 "cgroup v1 at %.120s, labs in netlab-LAB[@HASH]/", root.v1[v1[c]]);
		else if (x->ok)
			snprintf(x->detail, sizeof(x->detail),
				 "cgroup v2 at %.120s, labs in netlab-LAB[@HASH]/", root.base);
		else
			snprintf(x->detail, sizeof(x->detail), "%.159s", root.detail);
	}
	f[LAB_FEAT_TIMENS].name = "timens";
	r = timens_supported() ? ns_probe_run(CLONE_NEWTIME, probe_timens, NULL, NULL, 0) : -ENOENT;
	f[LAB_FEAT_TIMENS].ok = r >= 0;
	snprintf(f[LAB_FEAT_TIMENS].detail, sizeof(f->detail), "%s",
		 r >= 0 ? "CLOCK_MONOTONIC and CLOCK_BOOTTIME can be offset (never CLOCK_REALTIME)"
		 : r == -ENOENT ? "this kernel has no time namespaces (Linux 5.6, CONFIG_TIME_NS)"
				: strerror(-r));
}
