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

/* $NETLAB_RUN_DIR, else /run/netlab for root, $XDG_RUNTIME_DIR/netlab (or /run/user/UID/netlab) for
 * anyone else. */
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

/* The pidfd of node i, checked against pid reuse (-ESRCH when the node is gone). ret_pidfd may
 * be NULL (only the check). */
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
/* Whether an `up` or a `down` of lab `name` holds its lock now. */
bool lab_lock_held(const char *name);

/*
 * Takes the lab's lock (creating the run dir and lab dir if needed). Fails with -EBUSY when
 * another netlab holds it. *ret_fd is the lock; closing it releases.
 */
int lab_lock(const char *name, int *ret_fd);

/* Removes the lab's directory and everything netlab put in it. The caller holds the lock. */
int lab_remove_dir(const char *name);

/* Empties the lab's directory but its lock (what a dead lab of that name left: state, hosts,
 * logs, anything planted there). The caller holds the lock. */
int lab_clear_dir(const char *name);

/* Refuses (logged, -E2BIG) a topology with more nodes than this machine can hold: free pids,
 * network namespaces, kernel memory, open files. Cheap: reads a few /proc files. */
int lab_check_capacity(const struct topo *t, const char *lab);

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
	/* Optional: called as each phase starts (the CLI shows it on a terminal). */
	void (*progress)(enum lab_phase phase, const struct topo *t, void *userdata);
	void *progress_data;
	bool rootless; /* in a user namespace even as root (always without root) */
};

/* Brings the lab up. On any failure nothing of it remains (processes, namespaces, state dir).
 * -EEXIST: already up; -EBUSY: another netlab is working on that lab name;
 * -EOPNOTSUPP: the topology needs something this netlab or kernel cannot do. */
int lab_up(const struct topo *t, struct lab_up_opts *o);
/* lab_up, done in a child when the lab is rootless so that the caller is not moved into the
 * lab's user namespace (its phase times are not reported then). Same errors. */
int lab_up_apart(const struct topo *t, struct lab_up_opts *o);

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

/* ---- protocol testing: run, wait, daemons (run.c, wait.c, daemons.c) ------------------- */

/* Loads lab `lab`, checks that it is alive, finds `node` and opens its pidfd (checked against
 * pid reuse), logging why not. -ENOENT no such lab or node, -ESRCH dead. Out-params may be
 * NULL; *ret_st (free with lab_state_free) and *ret_pidfd belong to the caller. */
int lab_node_open(const char *lab, const char *node, struct lab_state **ret_st, size_t *ret_index,
		  int *ret_pidfd);

/* Daemon names: [A-Za-z0-9_.-], at most 63 bytes, not starting with '.' or '-'. */
bool lab_daemon_name_valid(const char *name);

/* Starts argv (no shell) as a daemon in node, named `name` or, when NULL, after argv[0]
 * (NAME, NAME-2... the first free). Output to NETLAB_DIR/NODE/NAME.log (appended), pid and
 * start time in NAME.pid. ret_name (may be NULL) gets the name. -EEXIST: `name` runs already. */
int lab_daemon_start(const char *lab, const char *node, const char *name, char *const argv[],
		     char *ret_name, size_t name_size);

/* SIGTERM to daemon `name` of node (identity checked through its pid file), SIGKILL when it has
 * not exited after grace_ns, and waits for it to end. -ENOENT no such daemon, -ESRCH it had
 * already exited (its pid file is removed). */
int lab_daemon_stop(const char *lab, const char *node, const char *name, uint64_t grace_ns);

struct lab_daemon_info {
	char name[64];
	bool running;
	pid_t pid;       /* host PID when running */
	char log[4400];  /* path of its log */
};
/* The daemons a node has had (one per log file), sorted by name. *ret is malloc'd (NULL when
 * none). */
int lab_daemon_list(const char *lab, const char *node, struct lab_daemon_info **ret, size_t *ret_n);

/* `netlab run`: up, run argv on the host with NETLAB_LAB and NETLAB_DIR set, down whatever
 * happens (SIGINT, SIGTERM and SIGHUP received meanwhile are forwarded to the command).
 * Returns the command's exit status (128+N when killed by signal N), or -errno when the lab
 * could not be brought up or the command could not be started. */
struct lab_run_opts {
	const char *lab;          /* NULL: the topology's name */
	bool keep;                /* leave the lab up when the command fails */
	const char *artifacts;    /* NULL, or a directory for logs and per-node ip -j output */
	char *const *argv;
};
int lab_run(const struct topo *t, const struct lab_run_opts *o);

/* Copies the lab's logs, topology and state, and per node `ip -j addr`, `ip -j route` (both
 * families, every table) and `ip -j link` into dir (created). */
int lab_collect_artifacts(const char *lab, const char *dir);

/* `netlab wait`. */
enum lab_wait_kind {
	LAB_WAIT_ADDR,  /* arg: an address, with or without /PLEN */
	LAB_WAIT_ROUTE, /* arg: a prefix, or "default" (IPv4; "default6" for IPv6) */
	LAB_WAIT_TCP,   /* arg: a port number; something listens on it (IPv4 or IPv6) */
	LAB_WAIT_REACH, /* arg: a node name or address; one ping answers */
	LAB_WAIT_CMD,   /* argv: exits 0 */
};
struct lab_wait_cond {
	enum lab_wait_kind kind;
	const char *arg;
	char *const *argv;
};
#define LAB_WAIT_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)
/* Waits until cond holds in node, up to timeout_ns. 0 when it holds; -ETIMEDOUT with *seen
 * saying what was last seen; -EINVAL (logged) for a malformed argument; -EINTR when a ^C
 * ended a reach or cmd try; other -errno. */
int lab_wait(const char *lab, const char *node, const struct lab_wait_cond *cond,
	     uint64_t timeout_ns, char *seen, size_t seen_size);

/* `down --wait`: returns once the kernel has released every network namespace that was queued
 * for release when it was called (see down.c for how that is detected), or -ETIMEDOUT after
 * timeout_ms; other -errno. Needs CAP_SYS_ADMIN and CAP_NET_ADMIN. */
int lab_wait_released(int timeout_ms);
/* lab_down(), then waits until the kernel has released every namespace of the lab (each one's
 * RTM_DELNSID, then a sentinel; see down.c), up to timeout_ms (-ETIMEDOUT). */
int lab_down_wait(const char *name, int timeout_ms);

/* ---- link emulation and runtime faults (impair.c, link.c, node.c; issue #4) ------------- */

/* netlab doctor: what this kernel can do, probed for real in throwaway namespaces. */
enum lab_feature_id {
	LAB_FEAT_NETNS,
	LAB_FEAT_VETH,
	LAB_FEAT_BRIDGE,
	LAB_FEAT_NETEM,
	LAB_FEAT_TBF,
	LAB_FEAT_HTB,
	LAB_FEAT_USERNS,
	LAB_FEAT_CGROUP2,
	LAB_FEAT_IDMAP, /* newuidmap/newgidmap, setuid (rootless labs) */
	LAB_FEAT_SUBID, /* a subordinate id range for us (rootless labs) */
	LAB_FEAT_RUNDIR, /* where our labs' state goes, and whether it can */
	_LAB_FEAT_MAX,
};
struct lab_feature {
	const char *name; /* "netns", "veth", ... "cgroup2" */
	bool ok;
	char detail[320]; /* why not, or where (with the fix) */
};
/* Fills every entry of ret. Returns 0, or -errno when the probe could not run at all. */
int lab_doctor(struct lab_feature ret[_LAB_FEAT_MAX]);

/* One end of a link as the kernel has it now. */
struct lab_link_end {
	char owner[TOPO_NAME_MAX + 1]; /* node or switch */
	char ifname[TOPO_IFNAMSIZ];
	bool on_switch;
	bool up, carrier;              /* IFF_UP, IFF_LOWER_UP */
	struct topo_impair impair;     /* egress impairment read back from its qdiscs */
	char qdiscs[256];              /* "netem 1: root, tbf 10: parent 1:1" or "noqueue" */
};

/* The link of NODE:IFNAME (NODE may be a switch) in lab `lab`. ends[0] is NODE:IFNAME. -ENOENT
 * (no such lab, node or interface), -ESRCH (dead lab). All log their errors. */
int lab_link_show(const char *lab, const char *node, const char *ifname,
		  struct lab_link_end ends[2]);
/* Both ends down (IFF_UP off; each sees its carrier go) or up again; up restores what the
 * kernel dropped with the link (IPv6 addresses, routes through it). */
int lab_link_updown(const char *lab, const char *node, const char *ifname, bool up);
/* Changes the egress impairment of both ends (only NODE:IFNAME's when one_way): the keys of
 * set (parsed as in the topology file) replace the same keys now in force; unset lists keys to
 * clear (KEY=off). reset: remove all impairment. */
int lab_link_impair(const char *lab, const char *node, const char *ifname, bool one_way,
		    bool reset, const char *const *kv, size_t n_kv);
/* netlab node NODE stop|start: SIGSTOP/SIGCONT every process of the node and take its links
 * down / bring them back (restoring addresses and routes). */
int lab_node_stopstart(const char *lab, const char *node, bool stop);

/* ---- rootless labs (userns.c) --------------------------------------------------------- */

struct ns_idmap;
/* Whether a new lab goes into a user namespace: asked (--rootless), not root, or
 * NETLAB_ROOTLESS=1. */
bool lab_rootless_wanted(bool asked);
/* The ids a rootless lab of ours maps; *ret_helpers: newuidmap and newgidmap are there. */
int lab_rootless_idmap(struct ns_idmap *ret, bool *ret_helpers);
/* Warns, when only one id is mapped and the topology runs commands, what will fail and how
 * to fix it. */
void lab_rootless_explain(const struct topo *t, const struct ns_idmap *m, bool helpers);
/* What a rootless lab cannot do, refused as FILE:LINE:COL (printed): a bind mount of a path the
 * user cannot read. -EPERM. */
int lab_rootless_check(const struct topo *t);
/* doctor's rootless findings: unprivileged user namespaces (sysctls that forbid them, with the
 * fix), newuidmap/newgidmap, our subordinate ranges, our run directory. Fills f[LAB_FEAT_USERNS],
 * f[LAB_FEAT_IDMAP], f[LAB_FEAT_SUBID] and f[LAB_FEAT_RUNDIR]. */
struct lab_feature;
void lab_doctor_rootless(struct lab_feature *f);
/* Joins the user namespace of a rootless lab (see ns_userns_join). 1 joined, 0 not needed
 * (a lab of root's, or already in it), -errno logged. */
int lab_userns_join(int init_pidfd);

