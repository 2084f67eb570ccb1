/* SPDX-License-Identifier: MIT */
/*
 * lab: orchestration. Carries a topo plan out with the ns and nl layers, keeps the state
 * directory (/run/netlab/LAB/), and finds a lab again for exec, status and down.
 *
 * Functions log their own errors (log_error...) with context and return -errno; the CLI maps
 * that to an exit status. Nothing here prints to stdout.
 */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "topo.h"

/* ---- state directory (state.c) ------------------------------------------------------- */

/* $NETLAB_RUN_DIR, else /run/netlab for root, $XDG_RUNTIME_DIR/netlab (or /run/user/UID/netlab) for
 * anyone else. */
const char *lab_run_dir(void);

/* The size of every path buffer of the lab layer: the kernel's own limit, so that a path that
 * does not fit is one the kernel would refuse anyway. Paths are never truncated: whoever builds
 * one checks, and says -ENAMETOOLONG. */
#define LAB_PATH_MAX PATH_MAX
/* "NETLAB_DIR=" and a path: the environment string that tells a command its lab's directory. */
#define LAB_ENV_DIR_MAX (sizeof("NETLAB_DIR=") + LAB_PATH_MAX)

/* The one way to name a lab's directory or a file in it: RUN/LAB (fmt NULL) or RUN/LAB/FILE,
 * FILE formatted from fmt ("events.log", "%s/image" with a node's name). 0, or -ENAMETOOLONG
 * when it does not fit (buf is then not a path to use). */
int lab_path(char buf[static LAB_PATH_MAX], const char *lab, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct lab_node_state {
	char name[TOPO_NAME_MAX + 1];
	pid_t pid;
	uint64_t starttime;
	unsigned flags; /* enum ns_node_flags */
	uint64_t netns;  /* inode of its network namespace: checked before it is entered */
};

struct lab_state {
	char name[TOPO_NAME_MAX + 1];
	char *file;      /* topology file (absolute path when known) */
	pid_t init_pid;
	uint64_t init_starttime;
	uint64_t init_pidns, init_netns; /* inodes of the lab's PID and lab-root namespaces */
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

/* 0 and the lab init's pidfd when the recorded lab init is alive and is the same process (pid,
 * start time, PID and network namespace inodes);
 * -ESRCH when the lab is dead (stale). ret_pidfd may be NULL. */
int lab_state_check_alive(const struct lab_state *st, int *ret_pidfd);

/*
 * The one way into a running lab: loads its state and checks its lab init (ret_init_pidfd may be
 * NULL). Logs why not, the same for every verb: no such lab (-ENOENT), being brought up
 * (-ENOENT), going down (-ESRCH: a `down` holds its lock or has removed it meanwhile), dead
 * (-ESRCH, stale), or a damaged state of a lab that runs (-EBADMSG).
 */
int lab_open(const char *name, struct lab_state **ret_st, int *ret_init_pidfd);
/* After entering failed: 0 when the lab of st still runs, else -ESRCH and "going down" logged. */
int lab_went_down(const char *name, const struct lab_state *st);

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
/* "running", "starting", "stale". */
const char *lab_liveness_name(enum lab_liveness l);
/* Another user's lab, as root's `status` lists it: from /run/user/UID/netlab, read without
 * following a symlink and only from what UID owns; shown, never acted upon. n_nodes, created
 * and init_pid are 0 when its state cannot be read. */
struct lab_foreign {
	uid_t uid;
	char name[TOPO_NAME_MAX + 1];
	enum lab_liveness live;
	size_t n_nodes;
	uint64_t created;
	pid_t init_pid;
};
/* As root, every other user's labs (nothing otherwise, and nothing when /run/user is not
 * root's alone), sorted by uid and name; *ret is malloc'd. -ENOMEM. */
int lab_list_foreign(struct lab_foreign **ret, size_t *ret_n);
/* Whether an `up` or a `down` of lab `name` holds its lock now. */
bool lab_lock_held(const char *name);

/*
 * Takes the lab's lock (creating the run dir and lab dir if needed). Fails with -EBUSY when
 * another netlab holds it. *ret_fd is the lock; closing it releases.
 */
int lab_lock(const char *name, int *ret_fd);

/* Records the lab init (st's init_* fields) in the lock the caller holds, as a second record
 * beside the state: from the start of the lab init, and again with committed at the commit. */
int lab_lock_record(int lockfd, const struct lab_state *st, bool committed);

/* Finds the lab init of lab `name`, alive and verified, from its state st (may be NULL) or else
 * from the record in its lock (lockfd, or opened when -1): 0, its pidfd and whether the lab had
 * committed; -ESRCH when neither record names a live lab init. */
int lab_find_init(const char *name, const struct lab_state *st, int lockfd, int *ret_pidfd,
		  bool *ret_committed);

/* SIGKILL to a lab init (pidfd) and waits until it and with it every process of the lab is
 * gone (a stopped lab is killed all the same). Logs. */
int lab_kill(const char *name, int pidfd);

/* Opens RELPATH (e.g. "topology.conf", "NODE/NAME.log") of lab name for reading, every part
 * relative to the checked lab directory with O_NOFOLLOW, and only if it is a regular file:
 * -EPERM for a symlink, fifo, device or directory; -ENOENT. Not logged. */
int lab_file_open(const char *name, const char *relpath, int *ret_fd);

/* Removes the lab's directory and everything netlab put in it, then its lock. The caller holds
 * the lock. */
int lab_remove_dir(const char *name);

/* Empties the lab's directory (what a dead lab of that name left: state, hosts,
 * logs, anything planted there). The caller holds the lock. */
int lab_clear_dir(const char *name);

/* Refuses (logged, -E2BIG) a topology with more nodes than this machine can hold: free pids,
 * network namespaces, kernel memory, open files. Cheap: reads a few /proc files. */
int lab_check_capacity(const struct topo *t, const char *lab);
/* Before anything is made (`up`, and `check` as root): every tmpfs owner exists and every mount
 * point can be made without touching the host. -errno, logged as file:line:col. */
int lab_mounts_check(const struct topo *t);

/* Chooses the lab: explicit (-l), then $NETLAB_LAB, then the only running lab. Logs why not.
 * *ret is malloc'd. -EINVAL an invalid name, -ENOENT no lab, -ENOTUNIQ ambiguous. */
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
/* `up`'s progress: `done` of the phase's `total` things (nodes, links...) are done. Every phase
 * is reported, first as 0/total, last as total/total (0/0 for a phase that counts nothing), at
 * most about 66 times whatever the lab's size. Called from the thread that called lab_up(). */
typedef void (*lab_progress_fn)(enum lab_phase phase, size_t done, size_t total, void *userdata);

struct lab_up_opts {
	const char *lab;                  /* NULL: the topology's name */
	uint64_t phase_ns[_LAB_PHASE_MAX]; /* out: time spent in each phase */
	/* Optional: called as each phase starts, as it goes and as it ends (the CLI shows it on a
	 * terminal); see lab_progress_fn. */
	lab_progress_fn progress;
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
struct lab_node_root_info {
	const char *kind; /* "image" or "rootfs"; NULL: the node has the host's tree */
	char root[LAB_PATH_MAX];
};
struct lab_exec_io {
	int stdin_fd, stdout_fd, stderr_fd;
	const char *user; /* "USER[:GROUP]" looked up in the node's root (netlab exec -u); NULL:
			     the image's User, else root */
	/* Out, when not NULL: the node's own root as lab_node_root() says it, from the same read
	 * of its image defaults as the command's (a caller explaining a missing command need not
	 * read them again). */
	struct lab_node_root_info *root;
};
int lab_exec_io(const char *name, const char *node, char *const argv[],
		const struct lab_exec_io *io, int *exec_errno);

/* Says that the process may have several threads (libnetlab does, at each call): from then
 * on ns_run counts them before every command the lab layer runs in a node (exec, wait's cmd,
 * artifacts), and enters from a child when there are (ns_run_opts.threaded). Without it the
 * process is taken to be single-threaded, as the CLI is, and nothing is counted. Never
 * undone. */
void lab_set_threaded(void);

/* A node's own root as `up` recorded it (issue 13): *ret_kind "image" (ret: the reference as
 * written) or "rootfs" (ret: the directory, or host-cow). 0, or -ENOENT for a node with the
 * host's tree (or none of that name). */
int lab_node_root(const char *lab, const char *node, const char **ret_kind, char *ret,
		  size_t size);

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
/* lab_node_open()'s second half, in a state already opened (lab_open()): finds `node` and opens
 * its pidfd, with the same messages and errors. Out-params may be NULL. */
int lab_node_find(const char *lab, const struct lab_state *st, const char *node,
		  size_t *ret_index, int *ret_pidfd);

/* Daemon names: [A-Za-z0-9_.-], at most 63 bytes, not starting with '.' or '-'. */
bool lab_daemon_name_valid(const char *name);
/* A daemon's log, NODE/NAME.log, is kept under this many bytes: beyond it, it becomes
 * NAME.log.1 (the one before is dropped) and a new NAME.log begins, so a daemon takes at most
 * twice this of the run directory that every lab shares. NETLAB_LOG_MAX (bytes, or with K, M,
 * G) overrides it; at least 64 KiB. */
#define LAB_LOG_MAX_DEFAULT (1ull << 20)
uint64_t lab_log_max_bytes(void);

/* Starts argv (no shell) as a daemon in node, named `name` or, when NULL, after argv[0]
 * (NAME, NAME-2... the first free), as `user` (USER[:GROUP], names looked up in the node's own
 * /etc/passwd and /etc/group as for a `start` statement's user=; NULL: an image's User, else
 * root). Output to NETLAB_DIR/NODE/NAME.log (appended), pid and start time in NAME.pid.
 * ret_name (may be NULL) gets the name. -EEXIST: `name` runs already; an unknown user: what
 * lab_node_user_resolve() returns (logged). */
int lab_daemon_start(const char *lab, const char *node, const char *name, const char *user,
		     char *const argv[], char *ret_name, size_t name_size);

/* SIGTERM to daemon `name` of node (identity checked through its pid file), SIGKILL when it has
 * not exited after grace_ns, and waits for it to end. -ENOENT no such daemon, -ESRCH it had
 * already exited (its pid file is removed). */
int lab_daemon_stop(const char *lab, const char *node, const char *name, uint64_t grace_ns);

struct lab_daemon_info {
	char name[64];
	bool running;
	pid_t pid;       /* host PID when running */
	char log[LAB_PATH_MAX]; /* path of its log */
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
	bool rootless;            /* as lab_up_opts' */
	char *const *argv;
};
int lab_run(const struct topo *t, const struct lab_run_opts *o);

/* Opens (creates) the artifacts directory dir, relative to the working directory, into
 * *ret_fd; refuses one that belongs to another user. Logs why it fails; -errno. */
int lab_artifacts_open(const char *dir, int *ret_fd);
/* Copies the lab's logs, topology and state, and per node `ip -j addr`, `ip -j route` (both
 * families, every table) and `ip -j link` into the directory dfd (named dname in messages),
 * never through a symlink nor into what another user made (see run.c). Returns how many
 * artifacts could not be saved, each logged. */
int lab_collect_artifacts(const char *lab, int dfd, const char *dname);

/* `netlab wait`. */
enum lab_wait_kind {
	LAB_WAIT_ADDR,  /* arg: an address, with or without /PLEN */
	LAB_WAIT_ROUTE, /* arg: a prefix, or "default" (IPv4; "default6" for IPv6) */
	LAB_WAIT_TCP,   /* arg: a port number; something listens on it (IPv4 or IPv6) */
	LAB_WAIT_REACH, /* arg: a node name or address; one ping answers */
	LAB_WAIT_CMD,   /* argv: exits 0 */
	LAB_WAIT_JSON,  /* argv: exits 0 and its stdout, as JSON, contains `match` (json-match.h) */
};
struct lab_wait_cond {
	enum lab_wait_kind kind;
	const char *arg;
	char *const *argv;
	const char *match;      /* json: the expected document as text, or */
	const char *match_file; /* json: the file that holds it */
	bool negate;            /* `not`: until the condition does not hold */
	uint64_t stable_ns;     /* it must hold (negated: not hold) this long without a break */
};
#define LAB_WAIT_DEFAULT_TIMEOUT_NS (30ull * 1000000000ull)
/* Waits until cond holds in node, up to timeout_ns. 0 when it holds; -ETIMEDOUT with *seen
 * saying what was last seen; -EINVAL (logged) for a malformed argument; -EINTR when a ^C
 * ended a reach or cmd try; other -errno. */
int lab_wait(const char *lab, const char *node, const struct lab_wait_cond *cond,
	     uint64_t timeout_ns, char *seen, size_t seen_size);
/* What lab_wait_full() tells besides its return value. */
struct json_diff;
struct lab_wait_result {
	char *seen;             /* caller's buffer: what the last check saw, one line */
	size_t seen_size;
	struct json_diff *diff; /* json (may be NULL): the mismatches of the last document seen
				   when it did not match; free with json_diff_done() */
	unsigned breaks;        /* times the condition stopped holding after it had held */
	uint64_t held_ns;       /* how long it had held without a break at the end */
};
int lab_wait_full(const char *lab, const char *node, const struct lab_wait_cond *cond,
		  uint64_t timeout_ns, struct lab_wait_result *res);

/* `netlab converge` (converge.c): watches every node's IPv4 and IPv6 routing tables through
 * netlink route events until none has changed for quiet_ns. What counts as a change is
 * nl_route_is_table_change(). Times are CLOCK_REALTIME ns. */
struct lab_converge_opts {
	uint64_t quiet_ns, timeout_ns;
	bool since_fault; /* also read the time of the lab's last fault (events.log) */
};
struct lab_converge_node {
	char name[TOPO_NAME_MAX + 1];
	unsigned changes; /* route notifications that changed its tables */
	uint64_t last_ns; /* when the last of them was read; 0 when none */
	bool lost;        /* the kernel dropped events (ENOBUFS): changes is a lower bound */
};
struct lab_converge {
	uint64_t start_ns, end_ns; /* watching began (every socket subscribed), ended */
	uint64_t fault_ns;         /* since_fault: the last fault's time, from events.log */
	char fault[256];           /* ... and its line, without the time */
	bool converged;            /* false: timed out while tables still changed */
	unsigned total;
	struct lab_converge_node *nodes; /* in the lab's node order */
	size_t n_nodes;
};
void lab_converge_free(struct lab_converge *c);
static inline void lab_converge_freep(struct lab_converge **c)
{
	if (*c)
		lab_converge_free(*c);
}
/* 0 converged, -ETIMEDOUT (with *ret filled too) when tables still changed at timeout_ns;
 * -ENOENT no such lab, or since_fault and no fault recorded; other -errno. Logs. */
int lab_converge(const char *lab, const struct lab_converge_opts *o, struct lab_converge **ret);
/* Times relative to the reference: the fault with since_fault, else the start of watching. */
int64_t lab_converge_rel_ns(const struct lab_converge *c, uint64_t t);
/* The node that changed last, NULL when none did. */
const struct lab_converge_node *lab_converge_last(const struct lab_converge *c);
/* The --json document (docs/schema/converge.schema.json) to f; the CLI and libnetlab print it. */
void lab_converge_write_json(const char *lab, const struct lab_converge *c,
			     const struct lab_converge_opts *o, FILE *f);
/* The last line of the lab's events.log: its time (CLOCK_REALTIME ns, millisecond precision)
 * and text. -ENOENT when there is none. */
int lab_last_fault(const char *lab, uint64_t *ret_ns, char *what, size_t what_size);

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
	LAB_FEAT_CPU, /* issue 14: the cgroup controllers netlab can use, then time namespaces */
	LAB_FEAT_MEMORY,
	LAB_FEAT_PIDS,
	LAB_FEAT_TIMENS,
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
/* Which ends of a link `link up|down` changes: both, only the one named (its peer stays
 * administratively up and sees its carrier go: connected routes stay, flagged linkdown), or
 * only the named one's peer. */
enum lab_link_ends { LAB_LINK_BOTH, LAB_LINK_ONLY, LAB_LINK_PEER };
/* Ends down (IFF_UP off; the other end sees its carrier go) or up again; up restores what the
 * kernel dropped with the link (IPv6 addresses, routes through it). */
int lab_link_updown(const char *lab, const char *node, const char *ifname, bool up,
		    enum lab_link_ends which);
/* Changes the egress impairment of both ends (only NODE:IFNAME's when one_way): the keys of
 * set (parsed as in the topology file) replace the same keys now in force; unset lists keys to
 * clear (KEY=off). reset: remove all impairment. */
int lab_link_impair(const char *lab, const char *node, const char *ifname, bool one_way,
		    bool reset, const char *const *kv, size_t n_kv);
/* netlab node NODE stop|start: SIGSTOP/SIGCONT every process of the node and take its links
 * down / bring them back (restoring addresses and routes). */
int lab_node_stopstart(const char *lab, const char *node, bool stop);

/* ---- node resources and clocks (cgroup.c; issue 14) ------------------------------------ */

enum lab_res_bit { /* the same bits as the ns layer's enum cg_stat_bit */
	LAB_RES_CPU_USAGE = 1u << 0,
	LAB_RES_MEM_CURRENT = 1u << 1,
	LAB_RES_MEM_PEAK = 1u << 2,
	LAB_RES_TASKS = 1u << 3,
	LAB_RES_OOM_KILLS = 1u << 4,
	LAB_RES_PIDS_DENIED = 1u << 5,
};
struct lab_node_resources {
	bool has_cgroup;                     /* the lab has cgroups (any limit in its file) */
	char layout[4];                      /* "v1", "v2" */
	uint64_t limit[TOPO_LIMIT_CGROUP_KEYS]; /* by enum topo_limit_key; TOPO_LIMIT_INF = max,
						   0 = the controller is missing */
	unsigned has;                        /* enum lab_res_bit: what this machine reports */
	uint64_t cpu_usage_ns, mem_current, mem_peak, tasks, oom_kills, pids_denied;
	bool has_uptime;                     /* a time namespace */
	int64_t uptime_s;
};
/* A running node's limits and usage. -ENOENT, -ESRCH as lab_node_open; logs. */
int lab_node_resources(const char *lab, const char *node, struct lab_node_resources *ret);
/* netlab node NODE set KEY=VALUE...: cpu=, memory=, pids= changed on the running node, and
 * written to the lab's events log. -EINVAL (bad words), -EOPNOTSUPP (no cgroups or controller),
 * -EBUSY (memory below what the node uses and cannot reclaim); logs. */
int lab_node_set(const char *lab, const char *node, char *const kv[], size_t n);

/* ---- status (status.c) ---------------------------------------------------------------- */

/*
 * What `netlab status` and netlab_status() report about a lab, read once; cli/ and lib/ only
 * print or copy it. Does not log: errors are values.
 */
enum lab_node_run {
	LAB_NODE_RUNNING,
	LAB_NODE_DEAD,  /* the lab runs but the node's interfaces could not be read */
	LAB_NODE_STALE, /* the lab is not running */
};
struct lab_status_node {
	char name[TOPO_NAME_MAX + 1];
	pid_t pid;
	enum lab_node_run run;       /* DEAD only when LAB_STATUS_IFACES was asked for */
	struct lab_ifinfo *ifs;      /* LAB_STATUS_IFACES, a running node: its interfaces */
	size_t n_ifs;
	bool has_res;                /* LAB_STATUS_RESOURCES, a running node, when readable */
	struct lab_node_resources res;
	const char *root_kind;       /* a root of its own (issue 13): "image" or "rootfs", else NULL */
	char *root;                  /* ... its image=REF or rootfs=DIR|host-cow */
};
struct lab_status {
	char name[TOPO_NAME_MAX + 1];
	enum lab_liveness live;
	int state_error; /* what reading its state gave: -ENOENT (being brought up, or killed
			    before its commit), -EBADMSG...; when < 0 nothing below is set */
	char *file;      /* as in struct lab_state, may be NULL */
	pid_t init_pid;
	uint64_t created;
	struct lab_status_node *nodes;
	size_t n_nodes;
};
enum {
	LAB_STATUS_IFACES = 1u << 0,    /* each node's interfaces: a netlink dump in each node */
	LAB_STATUS_RESOURCES = 1u << 1, /* with IFACES: each running node's cgroup and clock */
	LAB_STATUS_ROOTS = 1u << 2,     /* each node's root of its own (a file read per node) */
};
/* The status of lab `name`: *ret is one malloc'd struct (lab_status_free(*ret, 1)). -ENOENT
 * when there is no lab of that name (as lab_list() lists them), -ENOMEM, or lab_list()'s
 * error. */
int lab_status(const char *name, unsigned what, struct lab_status **ret);
/* The same for every lab, in lab_list()'s order: *ret is an array of *ret_n (NULL when 0). */
int lab_status_all(unsigned what, struct lab_status **ret, size_t *ret_n);
void lab_status_free(struct lab_status *v, size_t n);
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

