/* SPDX-License-Identifier: MIT */
/*
 * `down`: one kill. SIGKILL to the lab init (PID 1 of the lab) makes the kernel kill every
 * process of the lab; their namespaces, and with them every veth and bridge, are released in
 * one batched cleanup (PERFORMANCE-NOTES.md: never delete a lab link by link).
 */
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

int lab_down(const char *name)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int lock = -EBADF, pidfd = -EBADF;
	int r;

	r = lab_lock(name, &lock);
	if (r == -EBUSY)
		return log_error_errno(r, "lab '%s' is being brought up or down by another netlab",
				       name);
	if (r < 0)
		return log_error_errno(r, "Cannot lock lab '%s': %m", name);

	r = lab_state_load(name, &st);
	if (r == -ENOENT) {
		/* Nothing committed: either no such lab (we just made its directory) or what a
		 * killed `up` left. Both leave nothing behind. */
		(void)lab_remove_dir(name);
		log_error("no lab '%s' is up", name);
		return -ENOENT;
	}
	if (r < 0) {
		log_warning("the state of lab '%s' is damaged; removing it", name);
		(void)lab_remove_dir(name);
		return r;
	}

	r = lab_state_check_alive(st, &pidfd);
	if (r >= 0) {
		if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
			return log_error_errno(negative_errno(), "Cannot kill lab '%s': %m", name);
		/* The init's exit completes only once every process of its namespace is gone. */
		r = pidfd_wait_exit(pidfd, 30000);
		if (r < 0)
			return log_error_errno(r, "Lab '%s' did not end: %m", name);
	} else
		log_notice("lab '%s' was already dead; removing its state", name);

	r = lab_remove_dir(name);
	if (r < 0)
		return log_error_errno(r, "Cannot remove the state of lab '%s': %m", name);
	return 0;
}
