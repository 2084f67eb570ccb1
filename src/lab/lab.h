/* SPDX-License-Identifier: MIT */
/*
 * lab: orchestration. Carries a topo plan out with the ns and nl layers, keeps the state
 * directory (/run/netlab/LAB/), and finds a lab again for exec, status and down.
 *
 * Functions log their own errors (log_error...) with context and return -errno; the CLI maps
 * that to an exit status. Nothing here prints to stdout.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "topo.h"

/* ---- state directory (state.c) ------------------------------------------------------- */

/* $NETLAB_RUN_DIR, else /run/netlab. */
const char *lab_run_dir(void);

struct lab_node_state {
	char name[TOPO_NAME_MAX + 1];
	pid_t pid;
	uint64_t starttime;
	unsigned flags; /* enum ns_node_flags */
};

struct lab_state {
	char name[TOPO_NAME_MAX + 1];
	char *file;      /* topology file (absolute path when known) */
	pid_t init_pid;
	uint64_t init_starttime;
	uint64_t created; /* CLOCK_REALTIME seconds */
	struct lab_node_state *nodes;
	size_t n_nodes;
};

void lab_state_free(struct lab_state *st);
static inline void lab_state_freep(struct lab_state **st)
{
	if (*st)
		lab_state_free(*st);
}

/* Reads /run/netlab/NAME/state. -ENOENT: no such lab (or it never committed), -EBADMSG: the
 * file is damaged. */
int lab_state_load(const char *name, struct lab_state **ret);
int lab_state_write(const struct lab_state *st);

/* 0 and the lab init's pidfd when the recorded lab init is alive and is the same process;
 * -ESRCH when the lab is dead (stale). ret_pidfd may be NULL. */
int lab_state_check_alive(const struct lab_state *st, int *ret_pidfd);

/* The pidfd of node i, checked against pid reuse (-ESRCH when the node is gone). */
int lab_state_node_pidfd(const struct lab_state *st, size_t i, int *ret_pidfd);
size_t lab_state_find_node(const struct lab_state *st, const char *name);

/* Names of every directory under the run dir, sorted. *ret is a NULL-terminated malloc'd array
 * of malloc'd strings. */
int lab_list(char ***ret);
void lab_list_free(char **names);

enum lab_liveness { LAB_RUNNING, LAB_STARTING, LAB_STALE };
/* What a lab directory holds: running (committed, init alive), starting (an `up` or `down`
 * holds the lock), or stale (dead). */
enum lab_liveness lab_liveness(const char *name);

/*
 * Takes the lab's lock (creating the run dir and lab dir if needed). Fails with -EBUSY when
 * another netlab holds it. *ret_fd is the lock; closing it releases.
 */
int lab_lock(const char *name, int *ret_fd);

/* Removes the lab's directory and everything netlab put in it. The caller holds the lock. */
int lab_remove_dir(const char *name);

/* Chooses the lab: explicit (-l), then $NETLAB_LAB, then the only running lab. Logs why not.
 * *ret is malloc'd. -ENOENT no lab, -EINVAL ambiguous. */
int lab_select(const char *explicit_name, char **ret);

/* The copy of the topology file that `up` keeps in the state directory. */
#define LAB_TOPOLOGY_FILE "topology.conf"

/* Parses the lab's own copy of its topology (t->lab is the copy's, not the lab name). The plan is
 * the one the lab was built from: same addresses, MACs, ifindexes. *ret owned by the caller.
 * -ENOENT no such lab; -EINVAL (logged) when it no longer parses. */
int lab_load_topology(const char *name, struct topo **ret);

/* ---- verbs --------------------------------------------------------------------------- */

enum lab_phase {
	LAB_PHASE_PREPARE,
	LAB_PHASE_NODES,
	LAB_PHASE_BRIDGES,
	LAB_PHASE_LINKS,
	LAB_PHASE_ADDRESSES,
	LAB_PHASE_IMPAIR,
	LAB_PHASE_READY,
	LAB_PHASE_EXEC,
	LAB_PHASE_COMMIT,
	_LAB_PHASE_MAX,
};
const char *lab_phase_name(enum lab_phase p);

struct lab_up_opts {
	const char *lab;                  /* NULL: the topology's name */
	uint64_t phase_ns[_LAB_PHASE_MAX]; /* out: time spent in each phase */
};

/* Brings the lab up. On any failure nothing of it remains (processes, namespaces, state dir).
 * -EEXIST: already up; -EBUSY: another netlab is working on that lab name;
 * -EOPNOTSUPP: the topology needs something this netlab or kernel cannot do. */
int lab_up(const struct topo *t, struct lab_up_opts *o);

/* Kills the lab and removes its state; a stale lab's state is just removed. -ENOENT. */
int lab_down(const char *name);

/* Runs argv in node `node` of lab `name`. Returns the command's exit status (see ns_run) or
 * -errno (-ENOENT no such lab or node, -ESRCH stale lab). *exec_errno as in ns_run. */
int lab_exec(const char *name, const char *node, char *const argv[], int *exec_errno);
/* The same, with the command's stdin/stdout/stderr on these fds (-1: inherit); libnetlab uses
 * it to capture output. */
struct lab_exec_io {
	int stdin_fd, stdout_fd, stderr_fd;
};
int lab_exec_io(const char *name, const char *node, char *const argv[],
		const struct lab_exec_io *io, int *exec_errno);

/* Live view of a node's interfaces (a netlink dump inside the node). */
struct lab_ifinfo {
	char name[TOPO_IFNAMSIZ];
	int ifindex;
	unsigned flags; /* IFF_* */
	unsigned mtu;
	uint8_t mac[6];
	struct topo_addr addrs[TOPO_MAX_IFADDRS * 2];
	size_t n_addrs;
};
int lab_node_interfaces(const struct lab_state *st, size_t node, struct lab_ifinfo **ret,
			size_t *ret_n);
