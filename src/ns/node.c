/* SPDX-License-Identifier: MIT */
/*
 * A node process: the holder of a node's namespaces. It mounts what the node sees (its own
 * /sys, /proc when it has a PID namespace, the lab's /etc/hosts, private directories), sets the
 * hostname, reports to `up`, and then only reaps: for a `pid` node it is PID 1, the reaper of
 * every orphan in the node.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctl-msg.h"
#include "macro.h"
#include "ns-internal.h"

/* Before `up` makes the node's links (it waits for READY first), so that they inherit these. */
static int node_sysctls(const struct ns_node_spec *spec, char *msg, size_t size)
{
	static const char *const dad[] = { "/proc/sys/net/ipv6/conf/default/accept_dad",
					   "/proc/sys/net/ipv6/conf/all/accept_dad" };
	static const char *const off[] = { "/proc/sys/net/ipv6/conf/default/disable_ipv6",
					   "/proc/sys/net/ipv6/conf/all/disable_ipv6" };
	const char *const *keys = spec->flags & NS_NODE_NO_IPV6 ? off : dad;
	const char *value = spec->flags & NS_NODE_NO_IPV6 ? "1" : "0";

	/* No duplicate address detection in a lab: every address is planned, and a link-local
	 * address still tentative cannot source the neighbour solicitations that the first IPv6
	 * packet across a router needs (a 1 s stall). A kernel without IPv6: nothing to do. */
	for (size_t i = 0; i < 2; i++) {
		int r = ns_write_file(keys[i], value);
		if (r == -ENOENT)
			return 0;
		if (r < 0)
			return ns_fail(msg, size, r, "writing %s", keys[i]);
	}
	return 0;
}

static size_t path_depth(const char *p)
{
	size_t d = 0;

	for (; *p; p++)
		if (p[0] == '/' && p[1] != '/' && p[1] != '\0')
			d++;
	return d;
}

/* The private views first (see overlay.c): every other mount lands on top of them. */
static int node_views(const struct ns_node_spec *spec, struct ns_private_devs *devs, char *msg,
		      size_t size)
{
	struct ns_overlay_set views; /* on the set-up child's stack, no heap (see overlay.c) */
	size_t bad;
	int r = ns_overlay_plan(spec->mounts, spec->n_mounts, &views, &bad, msg, size);

	for (size_t i = 0; r >= 0 && i < views.n; i++)
		r = ns_overlay_private(views.dirs[i], devs, msg, size);
	return r;
}

static int node_mount(const struct ns_mount *m, struct ns_private_devs *devs, char *msg,
		      size_t size)
{
	struct stat st;
	int r = ns_mkdir_private(m->dir, devs, msg, size);

	if (r < 0)
		return r;
	if (m->kind == NS_MOUNT_TMPFS)
		r = mount("tmpfs", m->dir, "tmpfs", MS_NOSUID | MS_NODEV,
			  m->data[0] ? m->data : "mode=0755");
	else
		r = mount(m->src, m->dir, NULL, MS_BIND | MS_REC, NULL);
	if (r < 0) {
		r = negative_errno();
		if (m->kind == NS_MOUNT_TMPFS)
			return ns_fail(msg, size, r, "mounting tmpfs on '%s'", m->dir);
		return ns_fail(msg, size, r, "bind-mounting '%s' on '%s'", m->src, m->dir);
	}
	if (m->kind == NS_MOUNT_TMPFS && stat(m->dir, &st) == 0)
		(void)ns_private_devs_add(devs, st.st_dev);
	return 0;
}

/* Runs in the node's set-up child (node_setup_apart): everything but the time namespace. */
static int node_setup(const struct ns_node_spec *spec, char *msg, size_t size)
{
	struct ns_private_devs devs = { 0 };
	int r;

	r = node_sysctls(spec, msg, size);
	if (r < 0)
		return r;
	if (spec->rootfs_lower) {
		r = ns_rootfs_setup(spec, msg, size);
		if (r < 0)
			return r;
		goto hostname;
	}

	/* The mount namespace was copied from the lab init's, where / is already a recursive
	 * slave: nothing mounted here propagates to the host. */

	/* A fresh sysfs shows this network namespace's devices; the old one (with its cgroup and
	 * other submounts) is detached, as `ip netns exec` does. */
	(void)umount2("/sys", MNT_DETACH);
	if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
		return ns_fail(msg, size, negative_errno(), "mounting sysfs on /sys");

	if (spec->flags & NS_NODE_PID) {
		if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
			return ns_fail(msg, size, negative_errno(), "mounting proc on /proc");
	}

	r = node_views(spec, &devs, msg, size);
	if (r < 0)
		return r;

	if (spec->hosts_path) {
		if (mount(spec->hosts_path, "/etc/hosts", NULL, MS_BIND, NULL) < 0)
			return ns_fail(msg, size, negative_errno(), "bind-mounting '%s' on /etc/hosts",
				    spec->hosts_path);
		/* Read-only: every node shares this one file. */
		if (mount(NULL, "/etc/hosts", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL) < 0)
			return ns_fail(msg, size, negative_errno(), "making /etc/hosts read-only");
	}

	/* Outer directories first, so that a mount inside another one lands on it. */
	for (size_t depth = 1, more = 1; more; depth++) {
		more = 0;
		for (size_t i = 0; i < spec->n_mounts; i++) {
			size_t d = path_depth(spec->mounts[i].dir);
			more |= d > depth;
			if (d == depth && spec->mounts[i].kind != NS_MOUNT_PRIVATE) {
				r = node_mount(&spec->mounts[i], &devs, msg, size);
				if (r < 0)
					return r;
			}
		}
	}

hostname:
	if (sethostname(spec->name, strlen(spec->name)) < 0)
		return ns_fail(msg, size, negative_errno(), "setting hostname '%s'", spec->name);
	return 0;
}

/* The set-up child's stack: rootfs.c's path and option buffers take some 60 KiB at the deepest,
 * the private views' plan (struct ns_overlay_set) 68 KiB, more under ASan; only the pages the
 * child touches are ever allocated. */
#define SETUP_STACK_SIZE (512u << 10)

struct setup_job {
	const struct ns_node_spec *spec;
	char *msg;
	size_t size;
	int error; /* 1 until the child has finished */
};

static int setup_child(void *arg)
{
	struct setup_job *job = arg;

	job->error = node_setup(job->spec, job->msg, job->size);
	return 0;
}

/*
 * The node's set-up runs in a child that shares every namespace of the node and, like
 * posix_spawn's, the node process's memory (CLONE_VM|CLONE_VFORK: the node process waits), but
 * on a stack of its own that is unmapped when it is done. The node process lives as long as the
 * node, and any page it writes is its own copy for that long: the set-up's path and option
 * buffers (tens of KiB of stack) now go with the child (PSS per node, docs/PERFORMANCE.md). A
 * malloc() in the child would still land in the node's heap, so the set-up reads its /proc files
 * without stdio. A fork() would do without that rule but costs 0.2 ms a node here (an `up` of
 * star,100 20% slower). The child's mounts are the node's (one mount namespace), and pivot_root
 * moves the root and working directory of every process whose root or working directory is the
 * old root, so the node process, at "/", ends up in the new root as well.
 */
static int node_setup_apart(const struct ns_node_spec *spec, char *msg, size_t size)
{
	struct setup_job job = { .spec = spec, .msg = msg, .size = size, .error = 1 };
	char *stack;
	pid_t pid;
	int r = 0;

	/* Not the host-side directory `up` ran in: a working directory in the old tree would not
	 * follow the pivot, and would keep that tree alive. */
	if (chdir("/") < 0)
		return ns_fail(msg, size, negative_errno(), "chdir /");
	stack = mmap(NULL, SETUP_STACK_SIZE, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED)
		return ns_fail(msg, size, negative_errno(), "mapping a stack for the node's set-up");
	/* A guard page: an overflow faults in the child instead of writing into the node's memory. */
	if (mprotect(stack, (size_t)getpagesize(), PROT_NONE) < 0)
		r = negative_errno();
	else if ((pid = clone(setup_child, stack + SETUP_STACK_SIZE,
			      CLONE_VM | CLONE_VFORK | SIGCHLD, &job)) < 0)
		r = negative_errno();
	else
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	munmap(stack, SETUP_STACK_SIZE);
	if (r < 0)
		return ns_fail(msg, size, r, "starting the node's set-up process");
	if (job.error > 0)
		return ns_fail(msg, size, -ECHILD, "setting the node up (its set-up process died)");
	return job.error;
}

_noreturn_ void ns_node_main(int ctl, const struct ns_node_spec *spec, uint32_t index)
{
	struct ns_msg m = { .type = NS_MSG_READY, .index = index };
	char comm[16];
	sigset_t all, chld;

	/* Nothing of the lab init's or of `up`'s is ours but the control socket. */
	if (ctl > 3)
		syscall(SYS_close_range, 3, ctl - 1, 0);
	syscall(SYS_close_range, ctl + 1, ~0U, 0);

	snprintf(comm, sizeof(comm), "nl-%s", spec->name);
	prctl(PR_SET_NAME, comm);

	/* Before the node's first process (the set-up child is one): the offsets are fixed once
	 * a process has entered the time namespace. */
	if (spec->has_uptime && (m.error = timens_node_setup(spec->uptime_s)) < 0)
		ns_fail(m.text, sizeof(m.text), m.error,
			"making a time namespace with uptime offset %+" PRId64 " s", spec->uptime_s);
	else
		m.error = node_setup_apart(spec, m.text, sizeof(m.text));
	(void)ns_send_msg(ctl, &m, NULL, 0);
	close(ctl);

	/* A node whose set-up failed does not exit either: it stays, as it is, until `up` kills
	 * the lab (which a failed READY makes it do). Exiting here raced with the cloner opening
	 * /proc/PID/ns/net (ENOENT once the node is gone) and with `up` reading the node's pid
	 * and start time (ESRCH), and either error reached the user instead of this node's own.
	 * Block everything: a node must not die of a stray SIGTERM from inside the lab (only the
	 * lab's end kills it). SIGCHLD is taken synchronously to reap. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		if (sigwaitinfo(&chld, NULL) < 0)
			continue;
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
	}
}
