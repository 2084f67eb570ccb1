/* SPDX-License-Identifier: MIT */
/*
 * ns: the lab's process tree and the ways into it.
 *
 *   netlab up ──clone3(NEWPID|NEWNS|NEWNET)──> lab init (PID 1 of the lab, lab-root netns)
 *                                                 └─ clone3(NEWNET|NEWUTS|NEWNS[|NEWPID|NEWIPC]) per node
 *
 * The lab init is a fork server and reaper: `up` orders a node by index, the lab init clones it
 * and hands back a pidfd and a netns fd over the control socket (SOCK_SEQPACKET, SCM_RIGHTS).
 * Until `up` commits, the lab init exits as soon as the control socket reaches EOF — `up` died
 * or gave up — and with it, by the kernel's PID-namespace rules, every process and namespace of
 * the half-built lab. This is what makes `up` transactional without any rollback code.
 *
 * The node specs are not sent over the socket: the lab init is a copy-on-write fork of `up`
 * made after the plan, so it already has them.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ns_node_flags {
	NS_NODE_PID = 1u << 0,
	NS_NODE_IPC = 1u << 1,
	/* The lab has no IPv6 at all: the node turns IPv6 off before its links exist (no
	 * link-local addresses, DAD, MLD or IPv6 routes per link). */
	NS_NODE_NO_IPV6 = 1u << 2,
	/* rootfs_lower is the host's own / (rootfs=host-cow): its other mounts handled too. */
	NS_NODE_HOST_COW = 1u << 3,
	/* Known at `up`: the lab has no cgroups and the node no time namespace of its own, so a
	 * way in joins nothing besides setns(pidfd) (ns_run_opts.no_extras). A state written
	 * before this bit existed lacks it, and gets the full join: the safe side. */
	NS_NODE_NO_EXTRAS = 1u << 4,
	/* Known at `up`, for the lab layer alone: the node has the host's tree (no rootfs= or
	 * image=), so no NETLAB_DIR/NODE/image holds its image defaults and `exec` reads none.
	 * A state written before this bit existed lacks it, and the file is looked for: the safe
	 * side. */
	NS_NODE_HOST_TREE = 1u << 5,
};

enum ns_mount_kind { NS_MOUNT_TMPFS, NS_MOUNT_BIND, NS_MOUNT_PRIVATE };

struct ns_mount {
	enum ns_mount_kind kind;
	const char *src; /* bind only */
	const char *dir;
	char data[96];   /* tmpfs only: mount(2) data, "mode=0755,uid=N,gid=N,size=S" */
};

struct ns_node_spec {
	const char *name;       /* hostname, and the process name "nl-NAME" */
	unsigned flags;         /* enum ns_node_flags */
	const char *hosts_path; /* bind-mounted read-only over /etc/hosts; NULL = keep the host's */
	const struct ns_mount *mounts;
	size_t n_mounts;
	bool has_uptime;   /* issue 14: a time namespace for the node's processes, */
	int64_t uptime_s;  /* with CLOCK_MONOTONIC and CLOCK_BOOTTIME offset by this */
	/* A root of its own (rootfs.c; NULL = the host's tree): overlayfs's lowerdir= value (top
	 * layer first), and an empty host directory on which the node mounts, in its own mount
	 * namespace only, the tmpfs of its upper layer. */
	const char *rootfs_lower;
	const char *rootfs_tmp;
	/* With a root of its own: an image's WorkingDir (absolute), made in the upper layer when
	 * the image lacks it (NULL: none). */
	const char *workdir;
};

/* What a node looks like from `up`. */
struct ns_node_handle {
	int pidfd;
	int netns_fd;
	pid_t pid;          /* in the caller's PID namespace */
	uint64_t starttime; /* /proc/PID/stat field 22, against PID reuse */
};

struct ns_lab;

/* The ids a rootless lab's user namespace maps: root inside is uid/gid outside, and inside ids
 * 1..n_sub_* are the subordinate range sub_* outside (n_sub_* 0: that single id only). */
struct ns_idmap {
	uint32_t uid, gid;
	uint32_t sub_uid, n_sub_uid;
	uint32_t sub_gid, n_sub_gid;
};

/*
 * Starts the lab init. specs must stay valid (and unchanged) until ns_lab_free(): the lab init
 * reads its own copy. With map not NULL the lab init is created in a new user namespace first
 * (rootless), mapped as *map asks; a range newuidmap/newgidmap refused is set to 0 in *map.
 * Returns 0, or -errno (EPERM without CAP_SYS_ADMIN or user namespaces, ...).
 */
int ns_lab_start(const struct ns_node_spec *specs, size_t n_specs, struct ns_idmap *map,
		 struct ns_lab **ret);

/* The lab init's pidfd, pid (caller's PID namespace), start time, and an fd of the lab-root
 * network namespace (owned by the lab; do not close). */
int ns_lab_pidfd(const struct ns_lab *lab);
pid_t ns_lab_pid(const struct ns_lab *lab);
uint64_t ns_lab_starttime(const struct ns_lab *lab);
int ns_lab_netns_fd(const struct ns_lab *lab);

/*
 * Spawns nodes first..first+n-1 (indices into specs). Orders are pipelined: all are sent, then
 * all answers read. handles[i] receives node first+i; its fds belong to the caller.
 * Returns 0 or -errno; on failure *errmsg (may be NULL) gets the lab init's words. -ESRCH: a
 * node was gone before its answer was read, errmsg "node 'NAME' died during its set-up ...".
 */
int ns_lab_spawn(struct ns_lab *lab, size_t first, size_t n, struct ns_node_handle *handles,
		 char *errmsg, size_t errlen);

/*
 * Waits until every spawned node has reported its own set-up (mounts, hostname). nodes[i] is
 * node i as ns_lab_spawn() filled it (borrowed: its pidfd is polled, to notice a node that dies
 * before its report). Returns 0, or the first node's -errno with *ret_index and errmsg saying
 * what failed: -ESRCH when a node process exited before its report ("node 'NAME' died during
 * its set-up (killed by signal 9)", the status when the kernel can tell, Linux 6.15), -ECHILD
 * when the lab init died (*ret_index untouched).
 */
int ns_lab_wait_ready(struct ns_lab *lab, const struct ns_node_handle *nodes, size_t *ret_index,
		      char *errmsg, size_t errlen);

/* Tells the lab init that `up` succeeded: from now on it outlives `up`. */
int ns_lab_commit(struct ns_lab *lab);

/* Frees the handle. An uncommitted lab is killed and waited for (nothing of it remains). */
void ns_lab_free(struct ns_lab *lab);

/* ---- entering a node (enter.c) ---------------------------------------------------------- */

/* The setns() flags for a node with these enum ns_node_flags. */
unsigned ns_node_setns_flags(unsigned node_flags);

/* The user a command runs as in its node (an image's User, issue 13), taken on after entering
 * the node's namespaces: supplementary groups, gid, then uid, as runc does. */
struct ns_creds {
	uid_t uid;
	gid_t gid;
	size_t n_groups;
	const gid_t *groups;
};

struct ns_run_opts {
	const char *const *env_add; /* "KEY=VALUE" strings added to the environment; a bare "KEY"
				       removes KEY (putenv semantics). NULL-terminated */
	int stdin_fd;               /* -1 = inherit */
	int stdout_fd;              /* -1 = inherit */
	int stderr_fd;              /* -1 = inherit */
	bool keep_cwd;              /* chdir to our cwd after entering (best effort) */
	int *exec_errno;            /* if not NULL: set to errno when argv could not be executed,
				       else 0 */
	const char *cwd;            /* an image's WorkingDir (issue 13), which wins over
				       keep_cwd: entered after taking on creds, as runc does; "/"
				       when it is not there, and a directory the user may not enter
				       (or not a directory) fails the command: ns_run returns 126 */
	int *cwd_errno;             /* if not NULL: set to that failure's errno, else 0 */
	bool no_extras;             /* the node has no cgroups or time namespace to join
				       (NS_NODE_NO_EXTRAS): saves reading /proc/PID/cgroup and
				       /proc/self/cgroup and comparing time namespaces on every
				       `exec` (60-120 us) */
	const struct ns_creds *creds; /* NULL: as the caller (root in the node); else the command
				       is started from a child that takes them on */
	bool threaded;              /* the process may have other threads (libnetlab's callers):
				       ns_run counts them (/proc/self/task) and, when not alone,
				       enters from a child, as setns refuses a mount or time namespace
				       to a thread that is not alone, and leaves the signal
				       dispositions (every thread's) alone. false: the caller knows it
				       is single-threaded (the CLI, a child of fork()): no count */
};

/* Raise RLIMIT_NOFILE to the hard limit (a lab holds a few fds per node); commands started
 * through ns_run and ns_spawn_daemon_pid get the original limit back. */
void ns_raise_nofile(void);

/*
 * In the calling process: join the namespaces of the process behind pidfd, posix_spawn argv
 * (PATH search) there, come back to our own namespaces, forward termination signals to the
 * command while ignoring SIGINT/SIGQUIT (the terminal sends those to it too), wait, and give
 * those signals' dispositions back.
 * Returns the child's exit status (0-255; 128+N when killed by signal N; 127 when argv[0] was
 * not found, 126 when it could not be executed), or -errno when entering or spawning failed.
 */
int ns_run(int pidfd, unsigned setns_flags, char *const argv[], const struct ns_run_opts *o);


/* Where and as whom a daemon runs in its node. */
struct ns_daemon_where {
	const char *workdir; /* an image's WorkingDir: entered as the daemon's user; one that
				user may not enter ends the daemon (status 126, the reason in its
				log), one that is not there gives "/" (as ns_run_opts.cwd) */
	const char *cwd;     /* else this directory when the node has it (NULL: the caller's),
				else "/" */
	const struct ns_creds *creds; /* NULL: root in the node */
};

/* ns_spawn_daemon_pid, with the daemon's working directory and user (where). A user the node
 * cannot take on (an id its user namespace does not map) ends the daemon at once, with the
 * reason in its log. */
int ns_spawn_daemon_at(int pidfd, unsigned setns_flags, char *const argv[], int log_fd,
		       const char *const *env_add, const struct ns_daemon_where *where,
		       pid_t *ret_pid, uint64_t *ret_starttime);

/* ---- /proc helpers (proc.c) ------------------------------------------------------------- */

/* Fields 3 (state), 9 (flags) and 22 (starttime) of /proc/PID/stat, in whatever state the
 * process is: a zombie ('Z') is still in the process table and is read like any process.
 * -ESRCH only when no process has the number. */
struct proc_stat {
	char state;
	unsigned long flags;
	uint64_t starttime;
};
int proc_stat_read(pid_t pid, struct proc_stat *ret);
/* Field 22 of /proc/PID/stat of a live process: -ESRCH when the process is gone, a zombie or
 * exiting (PF_EXITING), since nothing of it is left to enter or signal. To wait for a zombie to
 * leave the table, use proc_stat_read(). */
int proc_starttime(pid_t pid, uint64_t *ret);
/* The PID (in our namespace) of the process behind pidfd, from /proc/self/fdinfo. */
int pidfd_get_pid(int pidfd, pid_t *ret);
/* pidfd_open(pid) and check that the process is still the one that started at starttime.
 * -ESRCH when it is gone or is another process (a recycled pid). */
int pidfd_open_verified(pid_t pid, uint64_t starttime, int *ret_pidfd);
/* The inode of /proc/PID/ns/NS ("pid", "net"): a namespace's identity. -ESRCH when gone. */
int proc_ns_ino(pid_t pid, const char *ns, uint64_t *ret);
/* A process as netlab records it: pid and start time, and the inodes of its PID and network
 * namespaces (0: not checked). */
struct proc_ident {
	pid_t pid;
	uint64_t starttime;
	uint64_t pidns, netns;
};
/* pidfd_open_verified(), and the process is in the recorded namespaces. -ESRCH otherwise. */
int pidfd_open_ident(const struct proc_ident *id, int *ret_pidfd);
/* Waits until the process behind pidfd has exited, up to timeout_ms (-1 forever). -ETIMEDOUT. */
int pidfd_wait_exit(int pidfd, int timeout_ms);

/* Writes value into an existing file such as /proc/sys/...; no symlinks followed. -errno. */
int ns_write_file(const char *path, const char *value);

/*
 * Starts argv as a daemon in the namespaces of pidfd without entering them in the caller: a
 * child enters, forks the daemon (new session, stdin /dev/null, output to log_fd) and exits, so
 * that the daemon is reparented to the node's or lab's init and dies with the lab. Reports the
 * daemon's pid in the caller's PID namespace and its start time (0 when it has already exited),
 * for a pid file that can be checked later with pidfd_open_verified(). ret_pid and
 * ret_starttime may be NULL; written only on success. Returns 0 once the daemon is forked, or
 * -errno.
 */
int ns_spawn_daemon_pid(int pidfd, unsigned setns_flags, char *const argv[], int log_fd,
			const char *const *env_add, pid_t *ret_pid, uint64_t *ret_starttime);

/*
 * A bounded log (logpump.c): a pump process in the PID namespace of the process behind pidfd
 * copies what is written into *ret_write_fd (the daemon's stdout and stderr; the caller closes
 * its copy once the daemon has it) onto log_fd, an O_APPEND file dirfd/NAME.log, and when that
 * would pass max_bytes (at least 64 KiB) renames it NAME.log.1 and starts a new one. The pump
 * ends with the lab or when every writer has closed the pipe. -errno.
 */
int ns_spawn_log_pump(int pidfd, int dirfd, const char *name, int log_fd, uint64_t max_bytes,
		      int *ret_write_fd);
/* ---- private views and mount points (overlay.c) ---------------------------------------- */

/* Host directories that get a copy-on-write view in a node: the outermost of nested ones.
 * Held in place, not malloc()ed: the node's set-up child (node.c) plans its views in the node
 * process's memory, where a heap page it dirtied would stay the node's for the lab's life.
 * 64 KiB: on the set-up child's own stack, only the pages written are ever allocated. */
struct ns_overlay_set {
	char dirs[16][PATH_MAX];
	size_t n;
};

/*
 * Which directories of the host a node with these mounts needs a private view of: every
 * `private` one, and for a mount point that does not exist (and is not inside another of the
 * node's tmpfs or views) its deepest existing ancestor, so that the mount point can be made in
 * the view. Only looks (lstat), so `check` can call it too, and allocates nothing. Returns 0 and
 * fills *ret, or -errno with *ret_bad the index of the mount and msg why (-EINVAL:
 * the ancestor is '/', -ENOTDIR, -E2BIG, -ENAMETOOLONG).
 */
int ns_overlay_plan(const struct ns_mount *m, size_t n, struct ns_overlay_set *ret,
		    size_t *ret_bad, char *msg, size_t size);

/* Filesystems a node made for itself (its views and tmpfs): where a mount point may be made. */
struct ns_private_devs {
	dev_t dev[64];
	size_t n;
};
int ns_private_devs_add(struct ns_private_devs *devs, dev_t dev);

/*
 * In the caller's mount namespace (never the host's): mounts over dir a copy-on-write view of
 * it (overlayfs: lower the directory as it is, upper in a tmpfs mounted under the view, so not
 * reachable by any path) and records it in devs. Everything written there is gone with the
 * mount namespace. Mounts below dir are not seen through the view. Returns 0 or -errno, msg why.
 */
int ns_overlay_private(const char *dir, struct ns_private_devs *devs, char *msg, size_t size);

/* mkdir -p dir, each missing component only in a filesystem of devs (-EPERM otherwise, with
 * nothing made): a mount point is never made on the host. */
int ns_mkdir_private(const char *dir, const struct ns_private_devs *devs, char *msg, size_t size);
/* ---- user namespaces (userns.c) --------------------------------------------------------- */

/* The range of id (or of the user named user, which may be NULL) in /etc/subuid-style path.
 * -ENOENT when there is none. */
int ns_subid_range(const char *path, const char *user, uint32_t id, uint32_t *ret_start,
		   uint32_t *ret_count);
/* Finds helper (newuidmap...) on $PATH into buf: 1 when setuid root, 0 when not, -ENOENT. */
int ns_find_helper(const char *name, char *buf, size_t size);
/* Writes the uid and gid maps of the user namespace of pid (a child that waits for them), with
 * newuidmap/newgidmap for the ranges, else one id each (setgroups denied first). A range the
 * helper refused is set to 0 in *map. 0 or -errno. */
int ns_userns_map(pid_t pid, struct ns_idmap *map);
/* 1 when the process behind pidfd lives in another user namespace than ours, 0, or -errno. */
int ns_pidfd_other_userns(int pidfd);
/*
 * Joins the user namespace of the process behind pidfd, when it is not ours (a rootless lab),
 * and makes a network namespace there to come back to after entering others. One way: our own
 * namespaces outside are out of reach afterwards, and a process can join one lab only. Must be
 * called single-threaded. 1 joined, 0 nothing to do, -errno.
 */
int ns_userns_join(int pidfd);
/* Whether ns_userns_join() moved this process. */
bool ns_userns_joined(void);

/* ---- feature probes (probe.c) ----------------------------------------------------------- */

/* The test run by ns_probe_run(): writes up to size bytes of findings to out, returns a
 * result (>= 0) or -errno. */
typedef int (*ns_probe_fn)(void *data, void *out, size_t size);
/*
 * Forks a child that unshare()s unshare_flags (e.g. CLONE_NEWNET: a throwaway network
 * namespace) and runs fn there; the child's namespaces end with it. out (out_size bytes, at most
 * 4096) receives what fn wrote. Returns fn's result, the child's -errno from unshare(), or
 * -errno when the child could not be run.
 */
int ns_probe_run(unsigned unshare_flags, ns_probe_fn fn, void *data, void *out, size_t out_size);
