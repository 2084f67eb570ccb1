/* SPDX-License-Identifier: MIT */
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "lab-internal.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

/* Set by libnetlab, never by the CLI: the one fact ns_run needs about the process, known to
 * whoever linked us rather than read from /proc on every command. */
static bool threaded;

void lab_set_threaded(void)
{
	__atomic_store_n(&threaded, true, __ATOMIC_RELAXED);
}

bool lab_threaded(void)
{
	return __atomic_load_n(&threaded, __ATOMIC_RELAXED);
}

int lab_exec(const char *name, const char *node, char *const argv[], int *exec_errno)
{
	return lab_exec_io(name, node, argv, NULL, exec_errno);
}

void lab_node_env_init(struct lab_node_env *e, const char *lab, const char *node, unsigned flags)
{
	/* Not NETLAB_LAB: inside a node it would choose this lab for a netlab run there, which
	 * sees only its own (nested) labs. The lab is the last part of NETLAB_DIR. */
	size_t k = 0;

	snprintf(e->node, sizeof(e->node), "NETLAB_NODE=%s", node);
	/* The lab is up, so its directory's path fitted when `up` made it. */
	memcpy(e->dir, "NETLAB_DIR=", strlen("NETLAB_DIR="));
	(void)lab_path(e->dir + strlen("NETLAB_DIR="), lab, NULL);
	if (flags & NS_NODE_HOST_TREE)
		lab_image_defaults_none(&e->img);
	else
		lab_image_defaults_read(e->dir + strlen("NETLAB_DIR="), node, &e->img);
	for (const char *const *i = e->img.env; *i; i++)
		e->env[k++] = *i;
	e->cwd = e->img.cwd;
	e->creds = NULL;
	e->user.set = false;
	e->env[k++] = "NETLAB_LAB"; /* a bare name: removed */
	e->env[k++] = e->node;
	e->env[k++] = e->dir;
	e->env[k] = NULL;
}

/* How `exec` runs a command: in the directory the node's image gives (a switch has none), else
 * ours when the node has it; the caller's stdio unless io redirects it. */
static struct ns_run_opts run_opts(const struct lab_node_env *e, const struct lab_exec_io *io,
				   int *exec_errno, int *cwd_errno)
{
	return (struct ns_run_opts){
		.env_add = e->env,
		.stdin_fd = io ? io->stdin_fd : -1,
		.stdout_fd = io ? io->stdout_fd : -1,
		.stderr_fd = io ? io->stderr_fd : -1,
		.keep_cwd = true,
		.exec_errno = exec_errno,
		.cwd = e->cwd,
		.cwd_errno = cwd_errno,
		.creds = e->creds,
		.threaded = lab_threaded(),
	};
}

/* Whether `node`, which names no node of the lab (st), names a switch of lab `name`: then
 * `exec` runs in the lab-root namespace, where every switch (bridge) and its ports are. */
static bool is_switch(const char *name, const struct lab_state *st, const char *node)
{
	struct topo *t = NULL;
	bool yes;

	if (lab_state_find_node(st, node) != TOPO_NONE)
		return false;
	if (lab_load_topology(name, &t) < 0)
		return false;
	yes = topo_find_switch(t, node) != TOPO_NONE;
	topo_free(t);
	return yes;
}

/* The lab init's namespaces (pidfd: the lab init): lab-root's network (the switches), the
 * lab's mounts (its /proc and /sys) and PID namespace (the command ends with the lab). */
static int exec_in_labroot(const char *name, int pidfd, const char *sw, char *const argv[],
			   const struct lab_exec_io *io, int *exec_errno)
{
	struct lab_node_env e;
	int r;

	lab_node_env_init(&e, name, sw, NS_NODE_HOST_TREE); /* a switch has no root */
	if (io && io->root)
		io->root->kind = NULL;
	r = lab_node_env_user(&e, pidfd, sw, io ? io->user : NULL);
	if (r < 0)
		return r;
	struct ns_run_opts o = run_opts(&e, io, exec_errno, NULL);
	r = ns_run(pidfd, CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID, argv, &o);
	if (r < 0)
		return log_error_errno(r, "Cannot enter the switches' namespace of lab '%s': %m",
				       name);
	return r;
}

int lab_exec_io(const char *name, const char *node, char *const argv[],
		const struct lab_exec_io *io, int *exec_errno)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int pidfd = -EBADF, init_pidfd = -EBADF;
	struct lab_node_env e;
	size_t i;
	int r;

	/* The state once, for the node or the switch alike. */
	r = lab_open(name, &st, &init_pidfd);
	if (r < 0)
		return r;
	if (is_switch(name, st, node))
		return exec_in_labroot(name, init_pidfd, node, argv, io, exec_errno);
	r = lab_node_find(name, st, node, &i, &pidfd);
	if (r < 0)
		return r;
	lab_node_env_init(&e, name, node, st->nodes[i].flags);
	if (io && io->root &&
	    lab_image_defaults_root(&e.img, &io->root->kind, io->root->root,
				    sizeof(io->root->root)) < 0)
		io->root->kind = NULL;
	r = lab_node_env_user(&e, pidfd, node, io ? io->user : NULL);
	if (r < 0)
		return r;
	int cwd_errno = 0;
	struct ns_run_opts o = run_opts(&e, io, exec_errno, &cwd_errno);
	o.no_extras = st->nodes[i].flags & NS_NODE_NO_EXTRAS;
	r = ns_run(pidfd, ns_node_setns_flags(st->nodes[i].flags), argv, &o);
	if (cwd_errno)
		(void)lab_node_cwd_error(&e, node, cwd_errno);
	if (r < 0) {
		/* A lab being taken down takes no new process (fork fails with an errno that
		 * says nothing of it): say what happened. */
		if (lab_went_down(name, st) < 0)
			return -ESRCH;
		if (lab_state_node_pidfd(st, i, NULL) < 0)
			return log_error_errno(-ESRCH, "node '%s' of lab '%s' is not running", node,
					       name);
		if (e.creds)
			return log_error_errno(r, "Cannot enter node '%s' as user '%s' (uid %u, gid "
					       "%u): %m", node, io && io->user ? io->user : e.img.user,
					       (unsigned)e.creds->uid,
					       (unsigned)e.creds->gid);
		return log_error_errno(r, "Cannot enter node '%s': %m", node);
	}
	return r;
}
