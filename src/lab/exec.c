/* SPDX-License-Identifier: MIT */
#include <stdio.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

int lab_exec(const char *name, const char *node, char *const argv[], int *exec_errno)
{
	return lab_exec_io(name, node, argv, NULL, exec_errno);
}

int lab_exec_io(const char *name, const char *node, char *const argv[],
		const struct lab_exec_io *io, int *exec_errno)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	char env_lab[128], env_node[128], env_dir[4200];
	const char *env[] = { env_lab, env_node, env_dir, NULL };
	size_t i;
	int r;

	r = lab_state_load(name, &st);
	if (r == -ENOENT)
		return log_error_errno(r, "no lab '%s' is up", name);
	if (r < 0)
		return log_error_errno(r, "Cannot read the state of lab '%s': %m", name);
	/* Never enter through a pid that is no longer the lab's. */
	r = lab_state_check_alive(st, NULL);
	if (r < 0)
		return log_error_errno(r, "lab '%s' is dead (stale state: run 'netlab clean')", name);
	i = lab_state_find_node(st, node);
	if (i == TOPO_NONE)
		return log_error_errno(-ENOENT, "lab '%s' has no node '%s'", name, node);
	r = lab_state_node_pidfd(st, i, &pidfd);
	if (r < 0)
		return log_error_errno(r, "node '%s' of lab '%s' is not running", node, name);

	/* Not NETLAB_LAB: inside a node it would choose this lab for a netlab run there, which
	 * sees only its own (nested) labs. The lab is the last part of NETLAB_DIR. */
	snprintf(env_lab, sizeof(env_lab), "NETLAB_LAB");
	snprintf(env_node, sizeof(env_node), "NETLAB_NODE=%s", node);
	snprintf(env_dir, sizeof(env_dir), "NETLAB_DIR=%s/%s", lab_run_dir(), name);
	struct ns_run_opts o = {
		.env_add = env,
		.stdin_fd = io ? io->stdin_fd : -1,
		.stdout_fd = io ? io->stdout_fd : -1,
		.stderr_fd = io ? io->stderr_fd : -1,
		.keep_cwd = true,
		.exec_errno = exec_errno,
	};
	r = ns_run(pidfd, ns_node_setns_flags(st->nodes[i].flags), argv, &o);
	if (r < 0) {
		/* A lab being taken down takes no new process (fork fails with an errno that
		 * says nothing of it): say what happened. */
		if (lab_state_check_alive(st, NULL) < 0 || lab_state_node_pidfd(st, i, NULL) < 0)
			return log_error_errno(-ESRCH, "lab '%s' went down while entering node '%s'",
					       name, node);
		return log_error_errno(r, "Cannot enter node '%s': %m", node);
	}
	return r;
}
