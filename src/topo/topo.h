/* SPDX-License-Identifier: MIT */
/*
 * topo: the topology file, parsed, validated and planned. Pure: no syscalls other than reading
 * the file in topo_parse_file(); links into libnetlab-topo.a, which unit tests use alone.
 *
 * A parsed topology is fully resolved: every range expanded, every interface named, every
 * address, MAC, ifindex and route decided. The lab layer only carries the plan out.
 *
 * Indices: every cross reference is an index into one of the arrays of struct topo (size_t);
 * TOPO_NONE means "none". Arrays keep declaration order, which is what makes the plan
 * deterministic: the same file always gives the same plan.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define TOPO_NONE ((size_t)-1)
#define TOPO_IFNAMSIZ 16     /* kernel IFNAMSIZ: 15 bytes + NUL */
#define TOPO_NAME_MAX 63     /* node/switch/lab names: HOST_NAME_MAX is 64 with NUL */
#define TOPO_MAX_IFADDRS 8   /* addresses per interface */

struct topo_pos {
	unsigned line; /* 1-based line of the statement's token */
	unsigned col;  /* 1-based column */
};

/* An address with prefix length; for an interface it is the host address and its subnet length,
 * for a route destination or pool the network. family is AF_INET or AF_INET6. */
struct topo_addr {
	int family;
	uint8_t bytes[16]; /* network byte order; IPv4 uses the first 4 */
	uint8_t plen;
};

/* Link impairment of one direction (an interface's egress), as parsed; `up` applies it as
 * qdiscs. The keys are the rows of topo_impair_keys[] (impair.c). */
struct topo_impair {
	bool set;          /* any option below was given */
	uint64_t delay_ns; /* delay= */
	uint64_t jitter_ns;
	uint32_t loss;      /* probabilities scaled to UINT32_MAX = 100%, as netem wants them */
	uint32_t duplicate;
	uint32_t corrupt;
	uint32_t reorder;
	uint64_t rate_bps; /* rate= in bits per second */
	uint32_t limit;    /* limit= packets */
	struct topo_pos pos; /* first impairment option on the statement, for messages */
};

/* One impairment key: its name in the file and in `link set`, how its value is written, where it
 * lives in struct topo_impair, its name in `link show --json`, and a line for docs and --help. */
enum topo_impair_kind {
	TOPO_IMPAIR_TIME,    /* uint64_t nanoseconds; a unit is required ("10ms") */
	TOPO_IMPAIR_PERCENT, /* uint32_t, UINT32_MAX = 100% ("1%") */
	TOPO_IMPAIR_RATE,    /* uint64_t bits per second ("10mbit") */
	TOPO_IMPAIR_PACKETS, /* uint32_t, from 1 */
};

struct topo_impair_key {
	const char *name;
	enum topo_impair_kind kind;
	size_t offset; /* of the field in struct topo_impair */
	const char *json;
	const char *doc;
};

extern const struct topo_impair_key topo_impair_keys[];
extern const size_t topo_impair_n_keys;
/* The keys as text, for messages ("delay, jitter, ..."): kept equal to the table by a test. */
#define TOPO_IMPAIR_KEY_LIST "delay, jitter, loss, duplicate, corrupt, reorder, rate, limit"

/* The row of the key named by name[0..len), or NULL. */
const struct topo_impair_key *topo_impair_key_find(const char *name, size_t len);

/* A key's value in im, widened. */
uint64_t topo_impair_get(const struct topo_impair *im, const struct topo_impair_key *k);

/*
 * Parses one KEY=VALUE into im and sets the key's bit (1 << row) in *keys. allow_off: VALUE "off"
 * stores 0 (runtime `link set`). Does not touch im->set or im->pos.
 * Returns 0, or -EINVAL with msg saying why (unknown key, bad value, key already in *keys).
 */
int topo_impair_parse_kv(const char *kv, bool allow_off, struct topo_impair *im, uint32_t *keys,
			 char *msg, size_t size);

/* Copies the keys named in the keys mask from src to dst (not set or pos: the parser's set means
 * "an option was written", the runtime's "a value is non-zero"). */
void topo_impair_overlay(struct topo_impair *dst, const struct topo_impair *src, uint32_t keys);

/* Whether any key has a value. */
bool topo_impair_any(const struct topo_impair *im);

/* -EINVAL with msg when the combination is not one netem can do (jitter or reorder without a
 * delay). */
int topo_impair_check(const struct topo_impair *im, char *msg, size_t size);

/* A value as the parser takes it back ("50ms", "1%", "10mbit", "100"). */
void topo_impair_format(const struct topo_impair_key *k, uint64_t v, char *buf, size_t size);
/* Node resources and clocks (issue 14): see topo_limit_keys at the end of the file. */
/*
 * `node NAME... cpu=0.5 memory=256M pids=512 uptime=+30d` and `defaults KEY=VALUE...` (every
 * node that does not give KEY itself). One table (topo_limit_keys) for the file, `netlab node
 * set`, `node show`, the JSON and the man page. Values:
 *   cpu     millionths of one core (a CFS quota), TOPO_LIMIT_INF for "max"
 *   memory  bytes (hard limit; the node never swaps), TOPO_LIMIT_INF for "max"
 *   pids    tasks, TOPO_LIMIT_INF for "max"
 *   uptime  seconds added to CLOCK_MONOTONIC and CLOCK_BOOTTIME (an int64_t; not a cgroup
 *           limit: a time namespace, fixed at up)
 */
enum topo_limit_key {
	TOPO_LIMIT_CPU,
	TOPO_LIMIT_MEMORY,
	TOPO_LIMIT_PIDS,
	TOPO_LIMIT_UPTIME,
	_TOPO_LIMIT_MAX,
};
#define TOPO_LIMIT_INF UINT64_MAX
#define TOPO_LIMIT_CGROUP_KEYS 3 /* cpu, memory, pids: the ones a cgroup enforces */

struct topo_limits {
	bool set[_TOPO_LIMIT_MAX];
	uint64_t value[_TOPO_LIMIT_MAX];
	struct topo_pos pos[_TOPO_LIMIT_MAX]; /* where it was written (the node's or defaults) */
};

enum topo_node_flags {
	TOPO_NODE_ROUTER = 1u << 0, /* IPv4/IPv6 forwarding on */
	TOPO_NODE_PID = 1u << 1,    /* own PID namespace, /proc remounted */
	TOPO_NODE_IPC = 1u << 2,    /* own IPC namespace */
};

struct topo_node {
	char name[TOPO_NAME_MAX + 1];
	unsigned flags;        /* enum topo_node_flags */
	size_t *ifaces;        /* indices into topo.ifaces, in eth0, eth1... order */
	size_t n_ifaces;
	bool has_lo4, has_lo6; /* from the `loopback` statement(s), routers only */
	struct topo_addr lo4, lo6; /* /32 and /128 */
	struct topo_pos pos;
	struct topo_limits limits; /* issue 14: its own keys, then the file's `defaults` */
	/* Issue 13, a root file system of its own (netlab.conf(5) "Root file systems"): at most
	 * one of rootfs and image, its own or else the `defaults` one; both NULL = the host's
	 * tree, as before. */
	char *rootfs;           /* rootfs=DIR (absolute) or TOPO_ROOTFS_HOST_COW */
	char *image;            /* image=REF, as written */
	bool cmd_none;          /* cmd=none, its own or else the `defaults` one: the image's
				   Entrypoint/Cmd is not started */
	bool root_own;          /* the node's statement chose its root (rootfs=host included):
				   a `defaults` root does not apply */
	struct topo_pos fs_pos; /* the rootfs= or image= option (its own or the defaults'), for
				   messages */
	struct topo_pos cmd_pos; /* its own cmd=none or cmd=image (line 0: none), checked once
				    the defaults are known */
};

/* rootfs=host-cow: the host's own tree as the read-only lower layer. */
#define TOPO_ROOTFS_HOST_COW "host-cow"
/* rootfs=host: the host's tree itself, as a node without rootfs= sees it; on a node, it keeps
 * a `defaults` root away. Never stored in topo_node.rootfs. */
#define TOPO_ROOTFS_HOST "host"

struct topo_switch {
	char name[TOPO_IFNAMSIZ]; /* the bridge's name in the lab-root namespace */
	bool stp;
	int ifindex;              /* planned ifindex in lab-root (bridges first, from 2) */
	uint8_t mac[6];
	size_t segment;
	struct topo_pos pos;
};

/* One end of a link: a veth end, in a node's namespace or (on_switch) a bridge port in
 * lab-root. */
struct topo_iface {
	char name[TOPO_IFNAMSIZ];
	bool on_switch;   /* owner indexes topo.switches, else topo.nodes */
	size_t owner;
	size_t link;      /* index into topo.links */
	size_t peer;      /* index into topo.ifaces of the other end */
	int ifindex;      /* planned ifindex in its namespace: a node's lo is 1, eth0... from 2;
			     in lab-root bridges come first, then ports */
	uint8_t mac[6];   /* deterministic, locally administered */
	unsigned mtu;     /* 0 = kernel default */
	size_t segment;   /* index into topo.segments */
	struct topo_addr addrs[TOPO_MAX_IFADDRS]; /* user-given first, then planned ones */
	size_t n_addrs;
	size_t n_user_addrs;                        /* how many of addrs the file gave */
	struct topo_pos addr_pos[TOPO_MAX_IFADDRS]; /* where each user-given one was written */
	struct topo_pos pos; /* the endpoint token */
	bool unaddressed;    /* `none` after the endpoint: no address, written or planned (a daemon
				in the node configures its own) */
};

struct topo_link {
	size_t end[2]; /* ifaces; end[0] is the left side of `--` */
	unsigned mtu;
	struct topo_impair impair;
	struct topo_pos pos;
	struct topo_impair egress[2]; /* appended (issue #4): per direction, see the end of the file */
};

/* An L2 segment: a node-node link, or switches joined by switch-switch links with everything
 * attached to them. */
struct topo_segment {
	bool has4, has6;
	struct topo_addr net4, net6; /* the subnet (host bits zero) */
	size_t *ifaces;              /* node ifaces on this segment (not bridge ports), in order */
	size_t n_ifaces;
};

struct topo_route {
	size_t node;
	struct topo_addr dst;  /* plen 0 and zero bytes for default */
	struct topo_addr via;  /* plen unused */
	size_t iface;          /* TOPO_NONE, or the node iface to send through */
	uint32_t metric;       /* 0 = kernel default */
	bool automatic;        /* computed by `routing static` */
	struct topo_pos pos;   /* the statement, or the `routing` statement when automatic */
};

struct topo_sysctl {
	size_t node;
	char *key;   /* as written: net.ipv4.ip_forward or net/ipv4/ip_forward; always net.* */
	char *value;
	struct topo_pos pos; /* of KEY=VALUE */
};

/* private: a copy-on-write view of the host's DIR (overlayfs, upper layer in a tmpfs of the
 * node's own), discarded with the lab. */
enum topo_mount_kind { TOPO_MOUNT_TMPFS, TOPO_MOUNT_BIND, TOPO_MOUNT_PRIVATE };

struct topo_mount {
	size_t node;
	enum topo_mount_kind kind;
	char *src; /* bind only: absolute path */
	char *dir; /* absolute path */
	struct topo_pos pos;
	/* tmpfs options (mount(8) names): mode= (-1: 0755), owner=USER[:GROUP] or uid=/gid=
	 * (names or numbers as written, resolved at `up`; NULL: root), size= (as written,
	 * validated; NULL: the kernel's default). */
	int mode;
	char *user, *group, *size;
	struct topo_pos dir_pos, user_pos, group_pos;
};

/* `start NODE ready=KIND:ARG`: what `up` waits for before it goes on (issue 16.5). */
enum topo_ready_kind {
	TOPO_READY_NONE,
	TOPO_READY_TCP,    /* ARG: a port something listens on in the node (IPv4 or IPv6) */
	TOPO_READY_SOCKET, /* ARG: a path in the node that is a socket */
	TOPO_READY_LOG,    /* ARG: text that a line of the daemon's log contains */
	TOPO_READY_CMD,    /* ARG: sh -c text run in the node, which exits 0 */
};
#define TOPO_READY_DEFAULT_TIMEOUT_NS (10ull * 1000000000ull)

struct topo_cmd {
	size_t node;
	bool daemon;   /* `start` (background, output to log) vs `exec` (waited for, in order) */
	char *command; /* sh -c text, %NODE% already substituted */
	struct topo_pos pos;
	enum topo_ready_kind ready; /* start only */
	char *ready_arg;            /* %NODE% substituted */
	uint64_t ready_timeout_ns;  /* timeout=, default TOPO_READY_DEFAULT_TIMEOUT_NS */
	struct topo_pos ready_pos;
	/* user=USER[:GROUP] (issue 13): who the command (and a `start`'s ready=cmd:) runs as,
	 * names or numbers as written, resolved in the node at `up`; NULL: the image's User,
	 * else root. */
	char *user;
	struct topo_pos user_pos;
};

struct topo {
	char *file;  /* path as given */
	char *source; /* the text it was parsed from, NUL-terminated (it may hold other NULs) */
	size_t source_len;
	char *dir;   /* the file's directory, absolute: relative paths in the file are taken from
			here (NULL for a topology given as text: then they are an error) */
	/* Read from a file that is not a regular one (a pipe, bash's <(...)) or through /dev or
	 * /proc (/dev/stdin, /dev/fd/N): it cannot be read again, so a lab records none (as for
	 * text), and dir is the working directory, not /dev's. */
	bool no_file;
	char *lab;   /* `lab NAME`, else the file name without .conf */
	bool has_pool6, has_lo4, has_lo6;
	struct topo_addr pool4, pool6, loopback4, loopback6;
	bool routing_static;
	struct topo_pos lab_pos, pool4_pos, pool6_pos, loopback4_pos, loopback6_pos, routing_pos;

	struct topo_node *nodes;
	size_t n_nodes;
	struct topo_switch *switches;
	size_t n_switches;
	struct topo_link *links;
	size_t n_links;
	struct topo_iface *ifaces;
	size_t n_ifaces;
	struct topo_segment *segments;
	size_t n_segments;
	struct topo_route *routes; /* explicit ones first, then automatic ones */
	size_t n_routes;
	struct topo_sysctl *sysctls;
	size_t n_sysctls;
	struct topo_mount *mounts;
	size_t n_mounts;
	struct topo_cmd *cmds; /* exec and start, in file order */
	size_t n_cmds;
	struct topo_file *files; /* `file` statements, in file order */
	size_t n_files;
	struct topo_limits defaults; /* issue 14: the `defaults` statements */
	/* Issue 13: `defaults rootfs=...|image=...`, for every node whose statement gives no
	 * root of its own (applied when the file is read; NULL: none). */
	char *default_rootfs, *default_image;
	struct topo_pos default_fs_pos;
	/* `defaults cmd=none|image`: for every image node whose statement gives no cmd= */
	bool default_cmd_none;
	struct topo_pos default_cmd_pos;
};

/* The first error found in a file. */
struct topo_error {
	char file[256];
	unsigned line, col; /* 1-based; col 0 when the error is about the file as a whole */
	unsigned len;       /* length of the offending text on that line, for the ^~~ marker */
	char message[256];
	char text[512];     /* the source line, without newline (empty when unknown) */
};

/*
 * Parse, validate and plan a topology.
 *
 * topo_parse_string(): name is used in messages and for the default lab name; text need not be
 * NUL-terminated. topo_parse_file(): reads path (-errno with err filled when it cannot).
 *
 * Returns 0 and sets *ret (owned by the caller, free with topo_free()), or:
 *   -EINVAL  the file is not valid; *err says where and why.
 *   -ENOMEM
 *   -errno   from reading the file.
 * *ret is written only on success.
 */
int topo_parse_string(const char *name, const char *text, size_t len, struct topo **ret,
		      struct topo_error *err);
/* topo_parse_string() for a text whose relative paths are taken from directory dir (absolute;
 * NULL: relative paths are an error), as topo_parse_file() does with the file's directory. */
int topo_parse_string_in(const char *name, const char *dir, const char *text, size_t len,
			 struct topo **ret, struct topo_error *err);
int topo_parse_file(const char *path, struct topo **ret, struct topo_error *err);

void topo_free(struct topo *t);

/* "file:line:col: message\n    source line\n    ^~~~\n" into buf (always NUL-terminated).
 * Returns the length it wanted to write, like snprintf. */
int topo_error_format(const struct topo_error *err, char *buf, size_t size);

/*
 * The topology's text made self-contained, for the copy a lab keeps: every `file ... from SRC`
 * statement commented out, and each file it made appended as a here-document (the same template,
 * so the same rendering), so that re-reading the copy needs nothing of the user's tree. text is
 * the file t was parsed from. Returns a malloc'd string (NULL on ENOMEM) and its length.
 */
char *topo_self_contained(const struct topo *t, const char *text, size_t len, size_t *ret_len);

/* Reads a whole file (as topo_parse_file() does, with its size limit) into a malloc'd,
 * NUL-terminated buffer; ret_regular (may be NULL) says whether it was a regular file (after
 * symlinks: /dev/stdin is what fd 0 is). -errno (-EFBIG, -EISDIR, ...). */
int topo_read_file(const char *path, char **ret, size_t *ret_len, bool *ret_regular);

/* Look-ups by name; TOPO_NONE when there is no such one. */
size_t topo_find_node(const struct topo *t, const char *name);
size_t topo_find_switch(const struct topo *t, const char *name);
/* The iface of node `node` called `ifname`, or TOPO_NONE. */
size_t topo_find_iface(const struct topo *t, size_t node, const char *ifname);

/* The generated /etc/hosts (same for every node): localhost lines, then `NODE` (its loopback
 * address, else its first address; one line per family) and `NODE-IFNAME` for every address.
 * Returns a malloc'd NUL-terminated string, NULL on ENOMEM. */
char *topo_hosts_file(const struct topo *t);

/* Address text, "10.0.0.1/30" (with_plen) or "10.0.0.1". buf should be at least
 * TOPO_ADDRSTRLEN. Returns buf. */
#define TOPO_ADDRSTRLEN 50
const char *topo_addr_str(const struct topo_addr *a, bool with_plen, char *buf, size_t size);

/* "02:4c:00:00:00:01". buf at least 18 bytes. Returns buf. */
const char *topo_mac_str(const uint8_t mac[6], char *buf, size_t size);

/* Lab names follow the same rule as node names; used by the CLI for -l too. */
bool topo_name_valid(const char *name);
/* Names a node cannot have: a node's files live in a directory named after it, beside the lab's
 * own files (state, hosts...), so a node must not be called like one of them. */
bool topo_node_name_reserved(const char *name);

/* ---- appended: per-direction link impairment (issue #4) ---------------------------------- */

/* struct topo_link (above) ends with `struct topo_impair egress[2]`: what leaves end[0]
 * (direction a>b) and end[1] (b>a). The options of a `link` statement without a prefix apply to
 * both; `a>b:KEY=V` and `b>a:KEY=V` to one direction and win over the unprefixed ones.
 * topo_link.impair keeps the unprefixed options; .set there is true when any direction has
 * one. Use egress[] to apply. */

/*
 * `file NODE PATH [mode=OCTAL] <<TAG` ... `TAG`: a file written into NODE at `up`, after its
 * mounts exist and before the `exec` statements. PATH must lie inside one of NODE's `mount`
 * directories (so nothing is ever written to the host's own files). The text between the
 * lines is a template; topo_parse_*() renders it (variables in netlab.conf(5): %NODE%,
 * %ADDR%, %PEER:NAME%, per-neighbour lines with %NB_...%).
 */
struct topo_file {
	size_t node;
	char *path;         /* absolute, as seen inside the node */
	char *text;         /* the template, as written (lines end in '\n') */
	char *content;      /* rendered */
	unsigned mode;      /* permission bits; default 0644 */
	char *from;         /* `from SRC`: the file the template was read from (absolute), or NULL
			       for a here-document */
	size_t mount;       /* index into topo.mounts of the directory that holds it */
	struct topo_pos pos;      /* the statement */
	unsigned body_line;       /* line of the template's first line */
};

/* ---- appended: node resources and clocks (issue 14) -------------------------------------- */

struct topo_limit_info {
	const char *key;     /* as written in the file and on the command line */
	const char *json;    /* name in --json outputs */
	const char *syntax;  /* for messages and --help */
	bool runtime;        /* `netlab node NODE set` can change it */
};
extern const struct topo_limit_info topo_limit_keys[_TOPO_LIMIT_MAX];

/* The key's index, or -1. */
int topo_limit_find(const char *key, size_t len);
/* Parses the value of key. Returns 0 and sets *ret, or -EINVAL/-ERANGE with *why (a static
 * text saying what is expected). */
int topo_limit_parse(enum topo_limit_key key, const char *value, uint64_t *ret, const char **why);
/* "0.5", "256M", "512", "max", "+30d". buf at least 32 bytes. Returns buf. */
const char *topo_limit_format(enum topo_limit_key key, uint64_t value, char *buf, size_t size);
/* Any cpu, memory or pids key set on any node: the lab gets cgroups. */
bool topo_wants_cgroups(const struct topo *t);
