/* SPDX-License-Identifier: MIT */
/*
 * Between `up` (up.c) and the parts of the lab layer it calls at fixed points. Each hook lives
 * in its own file and owns one idea:
 *
 *   lab_impair_check()   before anything is created: can this kernel do what the links ask?
 *   lab_impair_apply()   after addresses and routes: qdiscs on the links that ask for them
 *   lab_files_write()    after every node is set up: per-node files the topology asks for
 *   lab_daemons_start()  after the `exec` statements: the `start` daemons
 *
 * Each returns 0 or a negative errno, having logged what went wrong.
 */
#pragma once

#include <pthread.h>

#include "lab-cgroup.h"
#include "lab-progress.h"
#include "lab.h"
#include "nl.h"
#include "ns.h"
#include "user-util.h"

struct lab_nodefs;
struct nl;

/* One `up` in progress: what the hooks read (first part), then what up.c made and must undo
 * if `up` fails. One struct, filled as the phases go (up.c says which phase fills what). */
struct lab_up_ctx {
	const struct topo *t;
	const char *lab;                   /* the lab's name (may differ from t->lab with -l) */
	char dir[LAB_PATH_MAX];            /* its state directory */
	struct ns_node_spec *specs;        /* per node: flags (enum ns_node_flags) ... */
	struct ns_node_handle *nodes;      /* per node: pidfd, netns fd, pid */
	int labroot_netns;                 /* the lab-root network namespace (bridges) */
	int self_netns;                    /* ours, to come back to after a setns() */
	const char *env[3];                /* NETLAB_LAB, NETLAB_DIR= for started commands */
	char (*daemon_names)[64];          /* per t->cmds[i]: the name `start` gave it */

	/* up.c's own. */
	struct lab_up_opts *opts;
	bool rootless;
	bool dir_ours;           /* the state directory is ours to remove on failure */
	int lock;                /* the lab's lock, which also records its init */
	struct lab_nodefs *fs;   /* issue 13: each node's root file system */
	struct ns_lab *ns;
	struct ns_mount *mounts;
	struct lab_cgroup_up cg;
	struct nl *root;         /* netlink in the lab-root namespace: bridges, links */
	pthread_t bridges_thread;
	bool bridges_running;
	struct log_target *bridges_log; /* the caller's (libnetlab's call), for what it logs */
	int bridges_r;
	struct lab_progress progress;
	char hosts_path[LAB_PATH_MAX];
	char env_lab[128];
	char env_dir[LAB_ENV_DIR_MAX];
	char rootfs_tmp[LAB_PATH_MAX];
};

/* An image node's process defaults, as `up` recorded them in NETLAB_DIR/NODE/image (nodefs.c):
 * env "KEY=VALUE" strings (NULL-terminated), cwd and user, pointing into buf; and the root of
 * a node with one of its own (image or rootfs). Empty (NULL) for other nodes. */
#define LAB_IMAGE_ENV_MAX 64
struct lab_image_defaults {
	char buf[16384];
	const char *env[LAB_IMAGE_ENV_MAX + 1];
	const char *cwd;
	const char *user;   /* the image's User ("name", "uid:gid", ...) */
	const char *image;  /* the node's image=REF, as written */
	const char *rootfs; /* the node's rootfs=DIR or host-cow */
};
void lab_image_defaults_read(const char *labdir, const char *node, struct lab_image_defaults *d);
/* d as lab_image_defaults_read() leaves it for a node with the host's tree: empty. */
void lab_image_defaults_none(struct lab_image_defaults *d);
/* The node's own root in d: 0 with *ret_kind "image" or "rootfs" and ret as lab_node_root()
 * gives them, or -ENOENT when d has none. */
int lab_image_defaults_root(const struct lab_image_defaults *d, const char **ret_kind, char *ret,
			    size_t size);

/* The user a command runs as in a node (nodeuser.c): the image's User, or one the caller names,
 * resolved in the node's own root. */
struct lab_node_user {
	bool set;
	const char *spec; /* as given or as the image has it, for messages */
	struct ns_creds creds;
	gid_t groups[USER_GROUPS_MAX];
	char home[300]; /* "HOME=..." when the image's Env has no HOME, else "" */
};
/* spec NULL: d->user (nothing to do without one). pidfd: the node. Logs "node 'r1': image
 * 'bb': user 'x': why"; -errno. */
int lab_node_user_resolve(const struct lab_image_defaults *d, int pidfd, const char *node,
			  const char *spec, struct lab_node_user *ret);

/* Starts argv as daemon NAME of node `node` during `up` (daemons.c), with the node's image
 * defaults. Logs; -errno. */
int lab_daemon_launch(const struct lab_up_ctx *c, size_t node, const char *name,
		      char *const argv[]);

/* The environment of a command netlab runs in a node on a user's behalf (exec, wait's cmd and
 * reach): NETLAB_NODE and NETLAB_DIR set, NETLAB_LAB removed. `env` points into the struct:
 * fill it where it is used, do not copy it. */
struct lab_node_env {
	char node[128], dir[LAB_ENV_DIR_MAX];
	const char *env[5 + LAB_IMAGE_ENV_MAX];
	/* The node's image defaults (issue 13): its Env comes first in env, so that NETLAB_*
	 * win; cwd is its WorkingDir, or NULL. */
	struct lab_image_defaults img;
	const char *cwd;
	struct lab_node_user user; /* creds: NULL, or the user's (lab_node_env_user) */
	const struct ns_creds *creds;
};
/* flags: the node's in the state; with NS_NODE_HOST_TREE there are no image defaults to read. */
void lab_node_env_init(struct lab_node_env *e, const char *lab, const char *node, unsigned flags);
/* Whether lab_set_threaded() was called: ns_run_opts.threaded for the commands we run. */
bool lab_threaded(void);
/* After lab_node_env_init: the image's User (or spec, when not NULL) resolved in the node
 * behind pidfd into e->creds, and its HOME added to e->env. Logs; -errno. */
int lab_node_env_user(struct lab_node_env *e, int pidfd, const char *node, const char *spec);
/* After ns_run set cwd_errno: "node 'r1': image 'bb': user 'bird' (uid 101): cannot enter the
 * working directory '/srv': Permission denied", logged. Returns -err. */
int lab_node_cwd_error(const struct lab_node_env *e, const char *node, int err);

/* Every still tentative IPv6 link-local address of the lab's nodes made usable (linklocal.c
 * says why). Logs; -errno of the first failure. */
int lab_link_locals_settle(const struct lab_up_ctx *c);

int lab_impair_check(const struct topo *t);
/* mounts.c: a `mount` statement as the node mounts it (tmpfs owners resolved by name); -errno,
 * logged as file:line:col. */
int lab_mount_prepare(const struct topo *t, const struct topo_mount *m, struct ns_mount *out);
int lab_impair_apply(const struct lab_up_ctx *c);
int lab_files_write(const struct lab_up_ctx *c);
int lab_daemons_start(const struct lab_up_ctx *c);
/* ready.c: after lab_daemons_start(): waits for each daemon's `ready=` condition, watching every
 * daemon for an exit meanwhile and until 100 ms after last_start_ns (CLOCK_MONOTONIC). A daemon
 * that exits or is not ready in time: logged with its log's last lines, -ECHILD/-ETIMEDOUT. */
int lab_daemons_ready(const struct lab_up_ctx *c, uint64_t last_start_ns);
/* `sh -c command` in node, as `exec` runs it (stdin /dev/null, output to out_fd, or up's with
 * -1), as user (a statement's user=; NULL: the image's User, else root), from a child that
 * dies with `up`. Returns its exit status (0-255, 128+N by signal N; 126 with a message for a
 * WorkingDir the user may not enter) or -errno. */
int lab_node_sh(const struct lab_up_ctx *c, size_t node, const char *command, const char *user,
		int out_fd);
/* daemons.c: 0 and a pidfd when the daemon recorded in dirfd/NAME.pid runs; -ESRCH when it has
 * exited; -ENOENT when there is no such daemon. */
int lab_daemon_pidfd(int dirfd, const char *name, int *ret_pidfd);

/* Route i of the plan as netlink encodes it: `up` adds it, `link up` restores it. */
static inline struct nl_route lab_nl_route(const struct topo *t, size_t i)
{
	const struct topo_route *rt = &t->routes[i];

	return (struct nl_route){
		.family = rt->dst.family,
		.dst = rt->dst.bytes,
		.dst_len = rt->dst.plen,
		.gw = rt->via.bytes,
		.oif = rt->iface != TOPO_NONE ? t->ifaces[rt->iface].ifindex : 0,
		.metric = rt->metric,
	};
}
