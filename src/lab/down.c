/* SPDX-License-Identifier: MIT */
/*
 * `down`: one kill. SIGKILL to the lab init (PID 1 of the lab) makes the kernel kill every
 * process of the lab; their namespaces, and with them every veth and bridge, are released in
 * one batched cleanup (docs/PERFORMANCE.md, kernel costs: never delete a lab link by link).
 */
#include <errno.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"
#include "nsid-watch.h"

/* Until pid (started at starttime) is gone from the process table: dead is not enough, its
 * zombie stays visible until its parent (the host's init, once `up` has exited) collects it,
 * which some inits do seconds later. -ETIMEDOUT after timeout_ms. */
static int wait_reaped(pid_t pid, uint64_t starttime, int timeout_ms)
{
	for (int waited = 0, ms = 1;; waited += ms, ms = ms < 50 ? ms * 2 : 50) {
		struct proc_stat ps;

		/* proc_stat_read, not proc_starttime: a zombie is what we wait to see go. */
		if (proc_stat_read(pid, &ps) < 0 || ps.starttime != starttime)
			return 0; /* gone, or another process has the number now */
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep((useconds_t)ms * 1000);
	}
}

int lab_kill(const char *name, int pidfd)
{
	pid_t pid = 0;
	uint64_t starttime = 0;
	int r;

	/* Who it is, for wait_reaped() below: read before it dies. */
	if (pidfd_get_pid(pidfd, &pid) < 0 || proc_starttime(pid, &starttime) < 0)
		pid = 0;
	/* SIGKILL ends a stopped process too, and the init's exit completes only once every
	 * process of its namespace is gone. */
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return log_error_errno(negative_errno(), "Cannot kill lab '%s': %m", name);
	r = pidfd_wait_exit(pidfd, 30000);
	if (r < 0)
		return log_error_errno(r, "Lab '%s' did not end: %m", name);
	if (pid > 0 && wait_reaped(pid, starttime, 10000) < 0)
		log_notice("the lab init of '%s' (pid %d) is dead but not yet collected by its parent",
			   name, (int)pid);
	return 0;
}

static int watch_lab(struct nsid_watch *w, const struct lab_state *st)
{
	int r = nsid_watch_pid(w, st->init_pid);
	if (r < 0)
		return r;
	for (size_t i = 0; i < st->n_nodes; i++) {
		/* Only the recorded process: a recycled pid is not ours to wait for. */
		if (lab_state_node_pidfd(st, i, NULL) < 0)
			continue;
		r = nsid_watch_pid(w, st->nodes[i].pid);
		if (r < 0 && r != -ENOENT && r != -ESRCH)
			return r;
	}
	return 0;
}

static int down(const char *name, struct nsid_watch *w)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int lock = -EBADF, pidfd = -EBADF;
	bool committed = false;
	int r, loaded;

	r = lab_lock(name, &lock);
	if (r == -EBUSY)
		return log_error_errno(r, "lab '%s' is being brought up or down by another netlab",
				       name);
	if (r < 0)
		return log_error_errno(r, "Cannot lock lab '%s': %m", name);

	/* The lab init from the state, else from the lock's record: a damaged state, or a lab
	 * whose `up` was killed before its commit (its init perhaps stopped), is still found and
	 * killed. Nothing is removed while a process of the lab may run. */
	loaded = lab_state_load(name, &st);
	r = lab_find_init(name, st, lock, &pidfd, &committed);
	if (r >= 0) {
		if (!committed)
			log_notice("lab '%s' never finished coming up (its 'up' was killed); "
				   "killing what it left",
				   name);
		else if (loaded < 0)
			log_warning("the state of lab '%s' is damaged; its lab init was found "
				    "from its lock",
				    name);
		/* Best effort: without ids we still wait with the sentinels alone. */
		if (w && st && lab_state_check_alive(st, NULL) >= 0 && watch_lab(w, st) < 0)
			log_debug("cannot tag the namespaces of lab '%s'", name);
		r = lab_kill(name, pidfd);
		if (r < 0)
			return r;
	} else if (loaded == -ENOENT) {
		/* Nothing committed and nothing running: either no such lab (we just made its
		 * directory) or what a killed `up` left. */
		(void)lab_remove_dir(name);
		log_error("no lab '%s' is up", name);
		return -ENOENT;
	} else if (loaded < 0)
		log_warning("the state of lab '%s' is damaged and no process of it runs; removing "
			    "it",
			    name);
	else
		log_notice("lab '%s' was already dead; removing its state", name);

	r = lab_remove_dir(name);
	if (r < 0)
		return log_error_errno(r, "Cannot remove the state of lab '%s': %m", name);
	return 0;
}

int lab_down(const char *name)
{
	return down(name, NULL);
}

int lab_down_wait(const char *name, int timeout_ms)
{
	struct nsid_watch w;
	int r;

	/* Without root there are no ids to give the lab's namespaces in ours, and no sentinel to
	 * make: a rootless lab's down waits for its init only (docs/netlab.1). */
	if (geteuid() != 0)
		return lab_down(name);
	r = nsid_watch_open(&w);

	if (r < 0) {
		nsid_watch_done(&w);
		return log_error_errno(r, "Cannot watch the kernel's namespace events: %m");
	}
	r = down(name, &w);
	if (r >= 0) {
		r = nsid_watch_wait(&w, timeout_ms);
		if (r < 0)
			log_error_errno(r, "Cannot wait for the kernel to release lab '%s': %m", name);
	}
	nsid_watch_done(&w);
	return r;
}
