/* SPDX-License-Identifier: MIT */
/*
 * libnetlab: network-namespace labs from C, for tests written in C.
 *
 *     #include <netlab.h>      cc prog.c $(pkg-config --cflags --libs netlab)
 *
 * The same code paths as the `netlab` command (it wraps the library the command is built from),
 * so a lab brought up here is an ordinary lab: `netlab status`, `netlab exec` and `netlab down`
 * see it, and it obeys NETLAB_RUN_DIR like the command does.
 *
 * Errors are values of the call, never state of the library: every function returning int
 * returns >= 0 on success and a negative errno on failure, and those taking `char **errmsg` also
 * say why — when errmsg is not NULL, *errmsg is set to NULL on success and to a malloc'd,
 * NUL-terminated message on failure (free() it): the message `netlab` prints for the same
 * failure, without its "netlab: " prefix (several lines when it says several things). Nothing
 * is printed on stderr, and the process's own log settings are not touched; install a log
 * function with netlab_set_log() to see progress and debug messages.
 *
 * Root or not. As root, labs are made as by `netlab up`; without root (or with NETLAB_ROOTLESS=1)
 * they are rootless, in a user namespace of the caller's, kept under $XDG_RUNTIME_DIR/netlab
 * (netlab(1)). netlab_up() of a rootless lab, and the link and node functions on one, move the
 * calling process into that lab's user namespace for good (setns(2) allows no way back): such a
 * process must be single-threaded and can then work on that one rootless lab only; exec, wait and
 * status enter from a child and have no such limit.
 *
 * Threads. As root, threads may call the library at the same time, each on a lab of its own
 * (tests/lib/test-threads.c: two threads parse, up, exec, read the status, fail and take
 * down side by side); calls on one lab meet as two `netlab` commands on it would (the lab's
 * lock refuses a second `up` with -EBUSY). Each call's messages are captured for the calling
 * thread only: errmsg and the log function get that call's and no other's. In a process of
 * several threads no call changes anything process-wide — working directory, umask,
 * environment, signal dispositions, log settings — except that netlab_up() raises the soft
 * RLIMIT_NOFILE to the hard limit, for good, as `netlab up` does (commands in nodes get the
 * original). Set the log function before starting threads: it is the process's; it is called
 * in the thread of the call (during netlab_up(), also from a helper thread of that call), one
 * message at a time per call. Not covered: rootless labs (single-threaded only, above), and an
 * `image=REF` not yet in the store, which netlab_up() imports with a chdir() into the layer it
 * unpacks (import it first: `netlab image import`).
 *
 * Signals. In a single-threaded process, while a command runs (netlab_exec, cmd and reach
 * waits), SIGINT and SIGQUIT are ignored and SIGTERM/SIGHUP/SIGUSR1/SIGUSR2/SIGALRM/SIGWINCH are
 * forwarded to it; the caller's handlers are restored afterwards, as `netlab exec` does. A node
 * is entered with setns() in the calling thread, which comes back before the call returns. In a
 * process of several threads, dispositions are every thread's, so they are left alone, and a
 * child enters the node (setns() refuses a mount namespace to a thread sharing its cwd).
 *
 * Lab names. Where a function takes `const char *lab`, NULL chooses the lab as the command
 * does: $NETLAB_LAB, then the only lab that is up.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NETLAB_API_VERSION 1

/* "0.1.0" */
const char *netlab_version(void);

/* Log messages of the library (levels: 0 error, 1 warning, 2 notice, 3 info, 4 debug), up to
 * max_level. fn NULL (the default) drops them. Errors also end up in the errmsg out-params.
 * Process-wide: set it before starting threads; each call reads it once, when it starts. */
typedef void (*netlab_log_fn)(int level, const char *msg, void *userdata);
void netlab_set_log(netlab_log_fn fn, int max_level, void *userdata);

/* ---- topologies (no root needed) -------------------------------------------------------- */

struct netlab_topo;

/*
 * Parses, validates and plans a topology file (netlab.conf(5)), like `netlab check`.
 * -EINVAL: the file does not validate; *errmsg is "file:line:col: message" followed by the
 * source line and a ^~~ marker. -errno when the file cannot be read. *ret is written only on
 * success; free it with netlab_topo_free().
 */
int netlab_topo_load(const char *path, struct netlab_topo **ret, char **errmsg);
/* The same from a string (need not be NUL-terminated); name is used in messages and as the
 * default lab name. */
int netlab_topo_parse(const char *name, const char *text, size_t len, struct netlab_topo **ret,
		      char **errmsg);
void netlab_topo_free(struct netlab_topo *t);

/* The lab's name (from `lab NAME`, else the file name without .conf). Owned by t. */
const char *netlab_topo_lab(const struct netlab_topo *t);
size_t netlab_topo_n_nodes(const struct netlab_topo *t);
/* Name of node i (declaration order), NULL when i is out of range. Owned by t. */
const char *netlab_topo_node(const struct netlab_topo *t, size_t i);
bool netlab_topo_node_is_router(const struct netlab_topo *t, size_t i);

/*
 * The n-th address (0-based, in the plan's order) of family AF_INET or AF_INET6 (0: either) of
 * NODE's interface IFNAME — "lo" for its loopback — as text without prefix length
 * ("10.0.0.1") into buf (at least 46 bytes). -ENOENT when there is no such node, interface or
 * address; -ENOBUFS when buf is too small.
 */
int netlab_topo_addr(const struct netlab_topo *t, const char *node, const char *ifname,
		     int family, unsigned n, char *buf, size_t size);

/* ---- labs ------------------------------------------------------------------------------ */

/*
 * Brings the topology up as lab `lab` (NULL: the topology's own name), like `netlab up`.
 * Returns 0 when everything is configured; on failure nothing of the lab remains.
 * -EEXIST already up; -EBUSY another netlab is working on that lab; -EPERM not root;
 * -EOPNOTSUPP the topology needs something this kernel or netlab cannot do.
 */
int netlab_up(const struct netlab_topo *t, const char *lab, char **errmsg);

/* Takes the lab down, like `netlab down LAB`. -ENOENT when there is no such lab. */
int netlab_down(const char *lab, char **errmsg);

/* Names of every lab in the run directory (running or not), sorted, as a NULL-terminated
 * array; free with netlab_list_free(). */
int netlab_list(char ***ret, char **errmsg);
void netlab_list_free(char **names);

/* ---- running commands ------------------------------------------------------------------- */

struct netlab_exec_result {
	int status;     /* as `netlab exec`: the exit status, 126/127 cannot execute/not found,
			   128+N killed by signal N */
	char *out;      /* everything the command wrote on stdout, NUL-terminated (malloc'd) */
	size_t out_len;
	char *err;      /* and on stderr */
	size_t err_len;
};
/* Frees out and err and zeroes the structure. */
void netlab_exec_result_clear(struct netlab_exec_result *res);

/*
 * Runs argv (PATH is searched) in node `node` of lab `lab`, inside the lab exactly like
 * `netlab exec`: in all of the node's namespaces, with NETLAB_NODE and NETLAB_DIR set, stdin
 * from /dev/null. With res, stdout and stderr are captured into it (res is overwritten; clear
 * it with netlab_exec_result_clear()); with res NULL they go to the caller's.
 * Returns the command's status (>= 0, also in res->status), or -errno when it could not be
 * started in the node: -ENOENT no such lab or node, -ESRCH the lab or node is dead, -EPERM.
 */
int netlab_exec(const char *lab, const char *node, char *const argv[],
		struct netlab_exec_result *res, char **errmsg);

/*
 * `netlab wait`: waits until a condition holds in node `node`, for at most timeout_ms.
 *   NETLAB_WAIT_ADDR   arg: an address, with or without /PLEN, is on an interface that is up
 *   NETLAB_WAIT_ROUTE  arg: a prefix, "default" (IPv4) or "default6", is in the routing table
 *   NETLAB_WAIT_TCP    arg: a port number; something listens on it (IPv4 or IPv6)
 *   NETLAB_WAIT_REACH  arg: a node name or an address answers one ping
 * Returns 0 when it holds; -ETIMEDOUT with *errmsg saying what was last seen; -EINVAL for a
 * malformed arg; the errors of netlab_exec().
 */
enum netlab_wait_kind {
	NETLAB_WAIT_ADDR,
	NETLAB_WAIT_ROUTE,
	NETLAB_WAIT_TCP,
	NETLAB_WAIT_REACH,
	NETLAB_WAIT_CMD,  /* netlab_wait_for() only: argv exits 0 */
	NETLAB_WAIT_JSON, /* netlab_wait_for() only: argv's stdout, as JSON, contains match */
};
int netlab_wait(const char *lab, const char *node, enum netlab_wait_kind kind, const char *arg,
		unsigned timeout_ms, char **errmsg);

/* The same until argv (run as by netlab_exec, output discarded) exits 0: `nc -z 10.0.0.1 179`,
 * `birdc show protocols | grep -q Established`. On -ETIMEDOUT *errmsg has the command's last
 * status and last line of output. */
int netlab_wait_cmd(const char *lab, const char *node, char *const argv[], unsigned timeout_ms,
		    char **errmsg);

/* ---- protocol tests: every condition, negation, stability; faults; convergence ----------- */

/* Everything `netlab wait` takes. Zero what you do not use. */
struct netlab_wait_spec {
	enum netlab_wait_kind kind;
	const char *arg;     /* ADDR, ROUTE, TCP, REACH: the argument */
	char *const *argv;   /* CMD, JSON: the command, NULL-terminated */
	const char *match;   /* JSON: the expected document, as JSON text (netlab(1) gives the
				rules: subset of keys, null = absent, "*" = present, arrays in any
				order unless "__ordered__") */
	bool negate;         /* wait until the condition does NOT hold (`not`) */
	unsigned stable_ms;  /* it must hold (negate: not hold) this long without a break */
	unsigned timeout_ms; /* 0: 30000 */
};
/* `netlab wait [--stable] NODE [not] CONDITION`. 0 when it holds; -ETIMEDOUT with *errmsg the
 * message `netlab wait` prints (what was last seen and, for JSON, every path that did not
 * match, one a line); -EINVAL a malformed argument or match; the errors of netlab_exec(). */
int netlab_wait_for(const char *lab, const char *node, const struct netlab_wait_spec *w,
		    char **errmsg);

/* `netlab link NODE:IFNAME down` (up = false) or `up`: both ends of the link, recorded in the
 * lab's events.log. -ENOENT no such lab, node or interface. */
int netlab_link_set(const char *lab, const char *node, const char *ifname, bool up,
		    char **errmsg);

/* `netlab converge --json`: watches every node's routing tables until none changed for
 * quiet_ms (0: 2000), for at most timeout_ms (0: 60000); since_fault measures from the lab's
 * last fault. *ret_json (malloc'd) gets the document of docs/schema/converge.schema.json, also
 * on -ETIMEDOUT (tables still changing; "converged": false). */
int netlab_converge(const char *lab, unsigned quiet_ms, unsigned timeout_ms, bool since_fault,
		    char **ret_json, char **errmsg);

/* What `netlab run --artifacts DIR` keeps of a lab: its logs, topology, state and events, and
 * per node `ip -j addr`, `ip -j route` (both families, every table) and `ip -j link`, into dir
 * (created). */
int netlab_artifacts(const char *lab, const char *dir, char **errmsg);

/* ---- status ----------------------------------------------------------------------------- */

enum netlab_lab_state {
	NETLAB_LAB_RUNNING,
	NETLAB_LAB_STARTING, /* an `up` or `down` is working on it */
	NETLAB_LAB_STALE,    /* dead; `netlab clean` removes it */
};

struct netlab_iface {
	char name[16];
	int ifindex;
	bool up, carrier;
	unsigned mtu;
	char mac[18];     /* "02:4c:00:00:00:01" */
	char **addrs;     /* "10.0.0.1/30", every address the kernel reports, n_addrs of them */
	size_t n_addrs;
};

struct netlab_node {
	char name[64];
	pid_t pid;         /* the node process, in the caller's PID namespace */
	bool running;
	struct netlab_iface *ifaces; /* live, from inside the node (lo included) */
	size_t n_ifaces;
};

struct netlab_status {
	char name[64];
	enum netlab_lab_state state;
	char *file;        /* the topology file it was brought up from; NULL if unknown, or given
			      as text (netlab_topo_parse) */
	pid_t init_pid;
	uint64_t created;  /* seconds since the epoch */
	struct netlab_node *nodes; /* empty unless the lab has committed state */
	size_t n_nodes;
};

/* What `netlab status --json LAB` reports. -ENOENT no such lab. Free with
 * netlab_status_free(). */
int netlab_status(const char *lab, struct netlab_status **ret, char **errmsg);
void netlab_status_free(struct netlab_status *st);

#ifdef __cplusplus
}
#endif
