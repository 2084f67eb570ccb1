/* SPDX-License-Identifier: MIT */
/*
 * `up`: carry a plan out.
 *
 * Order (docs/PERFORMANCE.md, kernel costs): nodes are cloned by the lab init; then, over one netlink
 * socket per namespace, bridges, veths (each end born in its namespace under its final name and
 * ifindex, a bridge port born enslaved and up), then per node one batch of link-up, address and
 * route requests; then `exec`, `start`, and the commit.
 *
 * lab_up() runs the table up_phases[]: one function per phase (enum lab_phase), each timed,
 * reported to the progress callback as it goes (lab-progress.h) and a place where the test hook
 * can stop `up`. One struct lab_up_ctx carries the whole `up`, hooks and up.c alike.
 *
 * There is no rollback code: until ns_lab_commit(), freeing the ns_lab kills the lab init and
 * with it everything of the lab; the state directory, which we hold locked, is removed.
 */
#include <fcntl.h>
#include <pthread.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab-cgroup.h"
#include "lab-image.h"
#include "lab-internal.h"
#include "fd-util.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

static const char *const phase_names[_LAB_PHASE_MAX] = {
	[LAB_PHASE_PREPARE] = "prepare",     [LAB_PHASE_NODES] = "nodes",
	[LAB_PHASE_BRIDGES] = "bridges",     [LAB_PHASE_LINKS] = "links",
	[LAB_PHASE_ADDRESSES] = "addresses", [LAB_PHASE_IMPAIR] = "impair",
	[LAB_PHASE_READY] = "ready",
	[LAB_PHASE_EXEC] = "exec",           [LAB_PHASE_COMMIT] = "commit",
};

const char *lab_phase_name(enum lab_phase p)
{
	return p < _LAB_PHASE_MAX ? phase_names[p] : "?";
}

/*
 * TEST HOOK, the only one in netlab (tests/integration/test-kill.sh): with
 * NETLAB_TEST_PAUSE_AT=PHASE in the environment (a name from lab_phase_name()), `up` stops itself
 * with SIGSTOP at the end of that phase, so that a test can kill it at exactly that point. It
 * changes nothing else; without the variable it costs one getenv() per phase.
 */
static void test_pause_at(enum lab_phase p)
{
	const char *at = getenv("NETLAB_TEST_PAUSE_AT");

	if (at && streq(at, lab_phase_name(p)))
		(void)raise(SIGSTOP);
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Everything `up` made, closed and freed. Before ns_lab_commit() freeing the ns_lab kills the
 * lab (it waits until every process of it is gone); the caller removes the state directory
 * after that, then drops the lock. */
static void up_kill(struct lab_up_ctx *u)
{
	if (u->nodes)
		for (size_t i = 0; i < u->t->n_nodes; i++) {
			safe_close(u->nodes[i].pidfd);
			safe_close(u->nodes[i].netns_fd);
		}
	free(TAKE_PTR(u->nodes));
	ns_lab_free(TAKE_PTR(u->ns));
	free(TAKE_PTR(u->specs));
	free(TAKE_PTR(u->mounts));
	u->self_netns = safe_close(u->self_netns);
}

/* Runs fn inside the network namespace netns_fd and comes back. Sockets opened there stay
 * bound to it; /proc/sys/net written there is that namespace's. */
static int in_netns(struct lab_up_ctx *u, int netns_fd)
{
	if (setns(netns_fd, CLONE_NEWNET) < 0)
		return negative_errno();
	return 0;
}

static int back_home(struct lab_up_ctx *u)
{
	if (setns(u->self_netns, CLONE_NEWNET) < 0)
		return log_error_errno(negative_errno(), "Cannot return to our own netns: %m");
	return 0;
}

static int write_file_at(const char *dir, const char *name, const char *content, mode_t mode)
{
	char path[LAB_PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	size_t len = strlen(content), off = 0;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return negative_errno();
	while (off < len) {
		ssize_t n = write(fd, content + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		off += (size_t)n;
	}
	return 0;
}

/* The copy of the topology the lab keeps: self-contained (`file ... from` inlined), so that
 * what re-reads it later needs nothing of the user's tree. */
static int copy_topology(const struct topo *t, const char *dir)
{
	_cleanup_free_ char *copy = NULL;
	size_t copy_len;

	copy = topo_self_contained(t, t->source, t->source_len, &copy_len);
	if (!copy)
		return -ENOMEM;
	copy[copy_len] = '\0';
	return write_file_at(dir, LAB_TOPOLOGY_FILE, copy, 0600);
}

/* Names a link end for messages: "r1:eth0" or "sw1:sw1-1". */
static const char *iface_label(const struct topo *t, size_t i, char *buf, size_t size)
{
	const struct topo_iface *f = &t->ifaces[i];
	snprintf(buf, size, "%s:%s",
		 f->on_switch ? t->switches[f->owner].name : t->nodes[f->owner].name, f->name);
	return buf;
}

static int fail_nl(const char *what, const struct nl_error *e, int r)
{
	return nl_log_error(e, r, "%s", what);
}

/* Any IPv6 in the file: an address, a pool, a loopback prefix, a route or an IPv6 sysctl. */
static bool topo_has_ipv6(const struct topo *t)
{
	if (t->has_pool6 || t->has_lo6)
		return true;
	for (size_t i = 0; i < t->n_ifaces; i++) {
		/* An end left to a daemon (`none`) may get IPv6 addresses from it. */
		if (t->ifaces[i].unaddressed)
			return true;
		for (size_t a = 0; a < t->ifaces[i].n_addrs; a++)
			if (t->ifaces[i].addrs[a].family == AF_INET6)
				return true;
	}
	for (size_t i = 0; i < t->n_routes; i++)
		if (t->routes[i].dst.family == AF_INET6)
			return true;
	for (size_t i = 0; i < t->n_sysctls; i++)
		if (strstr(t->sysctls[i].key, "ipv6"))
			return true;
	return false;
}

/* A Linux bridge numbers its ports in 10 bits (BR_MAX_PORTS 1024, port 0 unused): the 1024th
 * port of a switch would fail with EXFULL after most of the lab was built. Say so first. */
#define BRIDGE_MAX_PORTS 1023

static int check_switch_ports(const struct topo *t)
{
	_cleanup_free_ size_t *ports = calloc(t->n_switches ? t->n_switches : 1, sizeof(*ports));

	if (!ports)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].on_switch)
			ports[t->ifaces[i].owner]++;
	for (size_t i = 0; i < t->n_switches; i++)
		if (ports[i] > BRIDGE_MAX_PORTS)
			return log_error_errno(-EXFULL,
					       "%s:%u: switch '%s' has %zu ports; a Linux bridge "
					       "takes at most %d (join switches with a link)",
					       t->file, t->switches[i].pos.line, t->switches[i].name,
					       ports[i], BRIDGE_MAX_PORTS);
	return 0;
}

static int prepare_specs(struct lab_up_ctx *u)
{
	const struct topo *t = u->t;
	bool no_ipv6 = !topo_has_ipv6(t);
	/* Recorded in the state so that `exec` skips joining what the node does not have. */
	unsigned plain = topo_wants_cgroups(t) ? 0 : NS_NODE_NO_EXTRAS;

	u->specs = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*u->specs));
	u->mounts = calloc(t->n_mounts ? t->n_mounts : 1, sizeof(*u->mounts));
	u->nodes = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*u->nodes));
	if (!u->specs || !u->mounts || !u->nodes)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++) {
		u->nodes[i].pidfd = u->nodes[i].netns_fd = -EBADF;
		u->specs[i].name = t->nodes[i].name;
		u->specs[i].hosts_path = u->hosts_path;
		if (t->nodes[i].flags & TOPO_NODE_PID)
			u->specs[i].flags |= NS_NODE_PID;
		if (t->nodes[i].flags & TOPO_NODE_IPC)
			u->specs[i].flags |= NS_NODE_IPC;
		if (no_ipv6)
			u->specs[i].flags |= NS_NODE_NO_IPV6;
		u->specs[i].has_uptime = t->nodes[i].limits.set[TOPO_LIMIT_UPTIME];
		u->specs[i].uptime_s = (int64_t)t->nodes[i].limits.value[TOPO_LIMIT_UPTIME];
		if (!u->specs[i].has_uptime)
			u->specs[i].flags |= plain;
		if (u->fs->lower[i]) {
			u->specs[i].rootfs_lower = u->fs->lower[i];
			u->specs[i].rootfs_tmp = u->rootfs_tmp;
			u->specs[i].workdir = u->fs->image[i] ? u->fs->image[i]->workdir : NULL;
			if (t->nodes[i].rootfs && streq(t->nodes[i].rootfs, TOPO_ROOTFS_HOST_COW))
				u->specs[i].flags |= NS_NODE_HOST_COW;
		} else {
			u->specs[i].flags |= NS_NODE_HOST_TREE;
		}
	}
	/* Mounts are in file order; give each node a contiguous slice of them. */
	size_t k = 0;
	for (size_t i = 0; i < t->n_nodes; i++) {
		u->specs[i].mounts = &u->mounts[k];
		for (size_t m = 0; m < t->n_mounts; m++) {
			if (t->mounts[m].node != i)
				continue;
			int r = lab_mount_prepare(t, &t->mounts[m], &u->mounts[k]);
			if (r < 0)
				return r;
			k++;
			u->specs[i].n_mounts++;
		}
	}
	return 0;
}

static int create_bridges(struct lab_up_ctx *u, struct nl *root)
{
	const struct topo *t = u->t;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error e = { 0 };
	int r;

	if (t->n_switches == 0)
		return 0;
	r = nl_batch_new(root, &b);
	if (r < 0)
		return r;
	for (size_t i = 0; i < t->n_switches; i++) {
		const struct topo_switch *s = &t->switches[i];
		struct nl_bridge br = {
			.name = s->name, .ifindex = s->ifindex, .mac = s->mac, .stp = s->stp, .up = true,
		};
		if (!nl_build_bridge(nl_batch_buf(b), nl_batch_seq(b), &br))
			return log_error_errno(-EINVAL, "Cannot encode bridge '%s'", s->name);
		r = nl_batch_push(b, i, &e);
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	if (r < 0) {
		char what[128];
		snprintf(what, sizeof(what), "Cannot create switch '%s'",
			 e.cookie < t->n_switches ? t->switches[e.cookie].name : "?");
		return fail_nl(what, &e, r);
	}
	return 0;
}

/* The bridges live in the lab-root namespace, which exists before any node: they are made by a
 * thread while the cloners make the nodes (-160 ms at 1000 switches). Only this thread uses
 * u->root until it is joined; it reads the plan (u->t), which nothing writes meanwhile, and
 * writes only u->bridges_r. */
static void *bridges_thread(void *arg)
{
	struct lab_up_ctx *u = arg;

	log_set_thread_target(u->bridges_log);
	u->bridges_r = create_bridges(u, u->root);
	return NULL;
}

static void bridges_start(struct lab_up_ctx *u)
{
	u->bridges_r = 0;
	if (u->t->n_switches == 0)
		return;
	u->bridges_log = log_thread_target();
	u->bridges_running = pthread_create(&u->bridges_thread, NULL, bridges_thread, u) == 0;
	if (!u->bridges_running)
		u->bridges_r = create_bridges(u, u->root); /* no thread: the same work, in line */
}

static int bridges_join(struct lab_up_ctx *u)
{
	if (u->bridges_running) {
		pthread_join(u->bridges_thread, NULL);
		u->bridges_running = false;
	}
	return u->bridges_r;
}

static void fill_end(struct lab_up_ctx *u, size_t i, struct nl_link_end *end, bool main_end)
{
	const struct topo *t = u->t;
	const struct topo_iface *f = &t->ifaces[i];

	*end = (struct nl_link_end){
		.name = f->name,
		.ifindex = f->ifindex,
		.netns_fd = f->on_switch ? -1 : u->nodes[f->owner].netns_fd,
		.mac = f->mac,
		.mtu = f->mtu,
	};
	/* A bridge port is born enslaved and up; only the main end of a request can be. */
	if (main_end && f->on_switch) {
		end->master = t->switches[f->owner].ifindex;
		end->up = true;
	}
}

static int create_links(struct lab_up_ctx *u, struct nl *root)
{
	const struct topo *t = u->t;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error e = { 0 };
	int r = 0;

	if (t->n_links == 0)
		return 0;
	r = nl_batch_new(root, &b);
	if (r < 0)
		return log_error_errno(r, "Cannot prepare the links' netlink messages: %m");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		size_t a = l->end[0], z = l->end[1];
		struct nl_link_end ea, ez;

		/* The switch side, if any, is the main end: IFLA_MASTER works only there. */
		if (!t->ifaces[a].on_switch && t->ifaces[z].on_switch) {
			size_t tmp = a;
			a = z;
			z = tmp;
		}
		fill_end(u, a, &ea, true);
		fill_end(u, z, &ez, false);
		if (!nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &ea, &ez))
			return log_error_errno(-EINVAL, "Cannot encode link at line %u",
					       l->pos.line);
		r = nl_batch_push(b, i, &e);
		if (r < 0)
			break;
		/* Pushed, not yet acknowledged: a push that fills the buffer waits for the ACKs of
		 * what it sends, so the count runs at most one buffer (~300 links) ahead. */
		lab_progress_add(&u->progress, 1);
	}
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	if (r < 0) {
		char what[256], la[96], lz[96];
		if (e.cookie < t->n_links) {
			const struct topo_link *l = &t->links[e.cookie];
			snprintf(what, sizeof(what), "%s:%u: Cannot create link %s -- %s", t->file,
				 l->pos.line, iface_label(t, l->end[0], la, sizeof(la)),
				 iface_label(t, l->end[1], lz, sizeof(lz)));
		} else
			snprintf(what, sizeof(what), "Cannot create links");
		return fail_nl(what, &e, r);
	}

	/* Switch-switch links: both ends are bridge ports; the peer end is enslaved and brought
	 * up now that it exists. */
	for (size_t i = 0; i < t->n_links; i++) {
		size_t z = t->links[i].end[1];
		if (!t->ifaces[t->links[i].end[0]].on_switch || !t->ifaces[z].on_switch)
			continue;
		if (!nl_build_link_master(nl_batch_buf(b), nl_batch_seq(b), t->ifaces[z].ifindex,
					  t->switches[t->ifaces[z].owner].ifindex, true))
			return -EINVAL;
		r = nl_batch_push(b, i, &e);
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	if (r < 0)
		return fail_nl("Cannot join switches", &e, r);
	return 0;
}

/* "net.ipv4.ip_forward" or "net/ipv4/ip_forward" -> /proc/sys/net/ipv4/ip_forward */
static void sysctl_path(const char *key, char *buf, size_t size)
{
	bool slashes = strchr(key, '/') != NULL;
	size_t n = (size_t)snprintf(buf, size, "/proc/sys/%s", key);
	if (!slashes)
		for (size_t i = strlen("/proc/sys/"); i < n && i < size; i++)
			if (buf[i] == '.')
				buf[i] = '/';
}

static bool sysctl_is_default(const char *key)
{
	return strstr(key, ".default.") || strstr(key, "/default/");
}

/* In the node's namespace: forwarding and the node's sysctls. early: only those that must be
 * set before the node's links exist (conf.default.*), which then inherit them. */
static int node_sysctls(struct lab_up_ctx *u, size_t node, bool early)
{
	const struct topo *t = u->t;
	char path[512];
	int r;

	if (!early && (t->nodes[node].flags & TOPO_NODE_ROUTER)) {
		r = ns_write_file("/proc/sys/net/ipv4/ip_forward", "1");
		if (r < 0)
			return log_error_errno(r, "Cannot enable IPv4 forwarding in '%s': %m",
					       t->nodes[node].name);
		/* A kernel without IPv6 has no such file; a router there simply has no IPv6. */
		r = ns_write_file("/proc/sys/net/ipv6/conf/all/forwarding", "1");
		if (r < 0 && r != -ENOENT)
			return log_error_errno(r, "Cannot enable IPv6 forwarding in '%s': %m",
					       t->nodes[node].name);
	}
	for (size_t i = 0; i < t->n_sysctls; i++) {
		const struct topo_sysctl *s = &t->sysctls[i];
		if (s->node != node || sysctl_is_default(s->key) != early)
			continue;
		sysctl_path(s->key, path, sizeof(path));
		r = ns_write_file(path, s->value);
		/* The key is checked for form only at parse time; whether it exists depends on
		 * the kernel and on the node's namespace, so the open here is what tells. */
		if (r == -ENOENT)
			return log_error_errno(r, "%s:%u:%u: unknown sysctl '%s' in node '%s' (no %s)",
					       t->file, s->pos.line, s->pos.col, s->key,
					       t->nodes[node].name, path);
		if (r < 0)
			return log_error_errno(r, "%s:%u:%u: Cannot set sysctl '%s' to '%s' in node '%s': %m",
					       t->file, s->pos.line, s->pos.col, s->key, s->value,
					       t->nodes[node].name);
	}
	return 0;
}

/* Cookies for per-node batches name the object: kind in the top bits, index below. */
enum { CK_LINK = 1, CK_ADDR, CK_LO, CK_ROUTE };
#define COOKIE(kind, idx) (((uintptr_t)(kind) << 56) | (uintptr_t)(idx))
#define COOKIE_KIND(c) ((unsigned)((c) >> 56))
#define COOKIE_IDX(c) ((size_t)((c) & ((1ull << 56) - 1)))

static int configure_node(struct lab_up_ctx *u, size_t node)
{
	const struct topo *t = u->t;
	const struct topo_node *n = &t->nodes[node];
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error e = { 0 };
	int r;

#define PUSH(cookie)                                                                               \
	do {                                                                                       \
		r = nl_batch_push(b, (cookie), &e);                                                \
		if (r < 0)                                                                         \
			goto fail;                                                                 \
	} while (0)

	r = nl_open(&nl);
	if (r < 0)
		return log_error_errno(r, "Cannot open netlink in node '%s': %m", n->name);
	r = nl_batch_new(nl, &b);
	if (r < 0)
		return log_error_errno(r, "Cannot prepare node '%s's netlink messages: %m", n->name);

	nl_build_link_updown(nl_batch_buf(b), nl_batch_seq(b), 1, true);
	PUSH(COOKIE(CK_LO, 0));
	if (n->has_lo4) {
		nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), 1, AF_INET, n->lo4.bytes, n->lo4.plen,
			      false);
		PUSH(COOKIE(CK_LO, 1));
	}
	if (n->has_lo6) {
		nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), 1, AF_INET6, n->lo6.bytes,
			      n->lo6.plen, true);
		PUSH(COOKIE(CK_LO, 2));
	}
	for (size_t k = 0; k < n->n_ifaces; k++) {
		const struct topo_iface *f = &t->ifaces[n->ifaces[k]];
		/* Up before addresses, so that the prefix routes are installed with them. */
		nl_build_link_updown(nl_batch_buf(b), nl_batch_seq(b), f->ifindex, true);
		PUSH(COOKIE(CK_LINK, n->ifaces[k]));
		for (size_t a = 0; a < f->n_addrs; a++) {
			/* Planned addresses are unique by construction: no DAD wait before use. */
			nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), f->ifindex, f->addrs[a].family,
				      f->addrs[a].bytes, f->addrs[a].plen, true);
			PUSH(COOKIE(CK_ADDR, n->ifaces[k] * TOPO_MAX_IFADDRS + a));
		}
	}
	for (size_t i = 0; i < t->n_routes; i++) {
		if (t->routes[i].node != node)
			continue;
		struct nl_route spec = lab_nl_route(t, i);
		if (!nl_build_route(nl_batch_buf(b), nl_batch_seq(b), &spec))
			return log_error_errno(-EINVAL, "Cannot encode a route of '%s'", n->name);
		PUSH(COOKIE(CK_ROUTE, i));
	}
	r = nl_batch_flush(b, &e);
	if (r >= 0)
		return 0;
fail:;
	char what[300], lbl[96], abuf[TOPO_ADDRSTRLEN], dbuf[TOPO_ADDRSTRLEN];
	size_t idx = COOKIE_IDX(e.cookie);
	switch (COOKIE_KIND(e.cookie)) {
	case CK_LINK:
		snprintf(what, sizeof(what), "Cannot bring up %s",
			 iface_label(t, idx, lbl, sizeof(lbl)));
		break;
	case CK_ADDR: {
		size_t f = idx / TOPO_MAX_IFADDRS, a = idx % TOPO_MAX_IFADDRS;
		snprintf(what, sizeof(what), "Cannot add address %s to %s",
			 topo_addr_str(&t->ifaces[f].addrs[a], true, abuf, sizeof(abuf)),
			 iface_label(t, f, lbl, sizeof(lbl)));
		break;
	}
	case CK_ROUTE: {
		const struct topo_route *rt = &t->routes[idx];
		snprintf(what, sizeof(what), "%s:%u: Cannot add route to %s via %s in '%s'",
			 t->file, rt->pos.line, topo_addr_str(&rt->dst, true, dbuf, sizeof(dbuf)),
			 topo_addr_str(&rt->via, false, abuf, sizeof(abuf)), n->name);
		break;
	}
	default:
		snprintf(what, sizeof(what), "Cannot set up the loopback of '%s'", n->name);
	}
	return fail_nl(what, &e, r);
#undef PUSH
}

static int configure_nodes(struct lab_up_ctx *u)
{
	for (size_t i = 0; i < u->t->n_nodes; i++) {
		int r = in_netns(u, u->nodes[i].netns_fd);
		if (r < 0)
			return log_error_errno(r, "Cannot enter node '%s': %m", u->t->nodes[i].name);
		r = node_sysctls(u, i, false);
		if (r >= 0)
			r = configure_node(u, i);
		int k = back_home(u);
		if (r < 0)
			return r;
		if (k < 0)
			return k;
		lab_progress_add(&u->progress, 1);
	}
	return 0;
}

static bool node_has_early_sysctls(const struct topo *t, size_t node)
{
	for (size_t i = 0; i < t->n_sysctls; i++)
		if (t->sysctls[i].node == node && sysctl_is_default(t->sysctls[i].key))
			return true;
	return false;
}

/* The file's conf.default.* keys, before the links exist. IPv6 DAD off (or IPv6 off) is done by
 * each node itself, in parallel (node.c). */
static int early_sysctls(struct lab_up_ctx *u)
{
	for (size_t i = 0; i < u->t->n_nodes; i++) {
		if (!node_has_early_sysctls(u->t, i))
			continue;
		int r = in_netns(u, u->nodes[i].netns_fd);
		if (r < 0)
			return log_error_errno(r, "Cannot enter node '%s': %m", u->t->nodes[i].name);
		r = node_sysctls(u, i, true);
		int k = back_home(u);
		if (r < 0)
			return r;
		if (k < 0)
			return k;
	}
	return 0;
}

static int run_exec(const struct lab_up_ctx *u, const struct topo_cmd *c)
{
	const struct topo *t = u->t;
	int code = lab_node_sh(u, c->node, c->command, c->user, -1);

	if (code < 0)
		return log_error_errno(code, "%s:%u: Cannot run exec in node '%s': %m", t->file,
				       c->pos.line, t->nodes[c->node].name);
	if (code != 0) {
		log_error("%s:%u: exec in node '%s' failed with status %d: %s", t->file, c->pos.line,
			  t->nodes[c->node].name, code, c->command);
		return -ECANCELED;
	}
	return 0;
}

static uint64_t fd_ino(int fd)
{
	struct stat st;
	return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* The lab init's identity, for the state and the lock's record. */
static int init_ident(struct lab_up_ctx *u, struct lab_state *st)
{
	snprintf(st->name, sizeof(st->name), "%s", u->lab);
	st->init_pid = ns_lab_pid(u->ns);
	st->init_starttime = ns_lab_starttime(u->ns);
	st->init_netns = fd_ino(ns_lab_netns_fd(u->ns));
	int r = proc_ns_ino(st->init_pid, "pid", &st->init_pidns);
	return r < 0 ? r : st->init_netns ? 0 : -EIO;
}

/* The `start` statements, in the topology file's directory (lab_daemons_start), then their
 * readiness. */
static int start_daemons(const struct lab_up_ctx *u)
{
	int r = lab_daemons_start(u);

	if (r >= 0)
		r = lab_daemons_ready(u, now_ns());
	return r;
}

static int write_state(struct lab_up_ctx *u)
{
	const struct topo *t = u->t;
	struct lab_state st = { 0 };
	char abs[LAB_PATH_MAX];
	int r;

	r = init_ident(u, &st);
	if (r < 0)
		return r;
	/* A topology given as text (libnetlab's netlab_topo_parse) has a name, not a file (no
	 * directory either): resolving that name against our working directory would record a
	 * file that has nothing to do with the lab, or a bare name that looks like one. Nor has
	 * one read from a pipe (/dev/stdin): it cannot be read again. */
	st.file = !t->dir || t->no_file ? NULL : realpath(t->file, abs) ? abs : t->file;
	st.created = (uint64_t)time(NULL);
	st.n_nodes = t->n_nodes;
	st.nodes = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*st.nodes));
	if (!st.nodes)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_nodes; i++) {
		snprintf(st.nodes[i].name, sizeof(st.nodes[i].name), "%s", t->nodes[i].name);
		st.nodes[i].pid = u->nodes[i].pid;
		st.nodes[i].starttime = u->nodes[i].starttime;
		st.nodes[i].flags = u->specs[i].flags;
		st.nodes[i].netns = fd_ino(u->nodes[i].netns_fd);
	}
	r = lab_state_write(&st);
	if (r >= 0)
		r = lab_lock_record(u->lock, &st, true);
	free(st.nodes);
	return r;
}

/* The lab init, in a user namespace of its own when rootless; then `up` joins that namespace
 * (before the bridges' thread: setns(CLONE_NEWUSER) wants one thread) and comes back to a
 * network namespace of its own there from every node it configures. */
static int start_lab_init(struct lab_up_ctx *u, bool rootless)
{
	struct ns_idmap map;
	bool helpers = false;
	int r;

	if (rootless)
		(void)lab_rootless_idmap(&map, &helpers);
	r = ns_lab_start(u->specs, u->t->n_nodes, rootless ? &map : NULL, &u->ns);
	if (r == -EPERM && rootless)
		return log_error_errno(r, "Cannot create the lab's user namespace: %m (is this "
				       "machine allowing unprivileged user namespaces? see 'netlab "
				       "doctor')");
	if (r == -EPERM)
		return log_error_errno(r, "Cannot create the lab's namespaces: netlab up needs root "
				       "(CAP_SYS_ADMIN and CAP_NET_ADMIN) or --rootless");
	if (r < 0)
		return log_error_errno(r, "Cannot start the lab init: %m");
	if (!rootless)
		return 0;
	lab_rootless_explain(u->t, &map, helpers);
	r = lab_userns_join(ns_lab_pidfd(u->ns));
	if (r < 0)
		return r;
	safe_close(u->self_netns);
	u->self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return u->self_netns < 0 ? log_error_errno(negative_errno(), "Cannot open our netns: %m")
				 : 0;
}

/* Whether a lab of this name runs. What a killed `up` left (uncommitted, its init perhaps
 * stopped, so that it never saw `up` go) is killed now; a dead lab's files are cleared by the
 * caller. */
static int check_existing(const char *lab, int lock)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	bool committed;

	(void)lab_state_load(lab, &st);
	if (lab_find_init(lab, st, lock, &pidfd, &committed) < 0)
		return 0;
	if (committed) {
		log_error("lab '%s' is already up (take it down with 'netlab down %s')", lab, lab);
		return -EEXIST;
	}
	log_notice("killing what an interrupted 'up' of lab '%s' left", lab);
	return lab_kill(lab, pidfd);
}

/* ---- the phases, in order; each fills part of u, and leaves what it made for up_kill() ---- */

/* Before anything is made: what this lab asks that this netlab or machine cannot do, a bad
 * name, a missing rootfs or a bad image. */
static int up_check(struct lab_up_ctx *u)
{
	const struct topo *t = u->t;
	int r;

	u->daemon_names = calloc(t->n_cmds ? t->n_cmds : 1, sizeof(*u->daemon_names));
	if (!u->daemon_names)
		return log_error_errno(-ENOMEM, "Out of memory");
	if (!topo_name_valid(u->lab))
		return log_error_errno(-EINVAL, "'%s' is not a valid lab name", ESCAPED(u->lab));
	r = lab_impair_check(t);
	if (r >= 0)
		r = lab_cgroup_check(t);
	if (r >= 0)
		r = check_switch_ports(t);
	if (r >= 0)
		r = lab_mounts_check(t);
	if (r >= 0)
		r = lab_check_capacity(t, u->lab);
	if (r >= 0)
		r = lab_nodefs_resolve(t, &u->fs);
	if (r >= 0 && u->rootless)
		r = lab_rootless_check(t);
	return r < 0 ? r : 0;
}

/* The lab's lock; from then on its state directory is ours, cleared of what a dead lab of this
 * name left (the lock file stays, we hold it). */
static int up_claim(struct lab_up_ctx *u)
{
	int r;

	ns_raise_nofile();
	r = lab_lock(u->lab, &u->lock);
	if (r == -EBUSY)
		return log_error_errno(r, "lab '%s' is being brought up or down by another netlab",
				       u->lab);
	if (r < 0)
		return log_error_errno(r, "Cannot lock lab '%s' in %s: %m", u->lab, lab_run_dir());
	r = check_existing(u->lab, u->lock);
	if (r < 0)
		return r;
	u->dir_ours = true;
	if (lab_path(u->dir, u->lab, NULL) < 0 || lab_path(u->hosts_path, u->lab, "hosts") < 0 ||
	    lab_path(u->rootfs_tmp, u->lab, "rootfs") < 0)
		return log_error_errno(-ENAMETOOLONG, "Cannot make lab '%s' in %s: %m", u->lab,
				       lab_run_dir());
	/* Leftovers of a dead lab of this name go; the lock file stays, we hold it. */
	r = lab_clear_dir(u->lab);
	if (r < 0)
		return log_error_errno(r, "Cannot clear what a dead lab '%s' left in %s: %m", u->lab,
				       u->dir);
	return 0;
}

/* What the state directory holds from the start. */
static int up_write_dir(struct lab_up_ctx *u)
{
	const struct topo *t = u->t;
	_cleanup_free_ char *hosts = topo_hosts_file(t);
	int r;

	/* Removed, not set: see lab_exec(). */
	snprintf(u->env_lab, sizeof(u->env_lab), "NETLAB_LAB");
	snprintf(u->env_dir, sizeof(u->env_dir), "NETLAB_DIR=%s", u->dir);
	if (!hosts)
		return log_error_errno(-ENOMEM, "Cannot make the lab's /etc/hosts: %m");
	r = write_file_at(u->dir, "hosts", hosts, 0644);
	if (r < 0)
		return log_error_errno(r, "Cannot write %s: %m", u->hosts_path);
	/* The plan's source, kept with the lab: runtime verbs (link, node, wait...) re-plan from
	 * exactly this text, whatever happens to the user's file meanwhile. */
	r = copy_topology(t, u->dir);
	if (r < 0)
		return log_error_errno(r, "Cannot keep a copy of '%s' in %s: %m", t->file, u->dir);
	/* The mount point of each node's private tmpfs (its upper layer): mounted in the node's
	 * own mount namespace, so the host only ever sees this empty directory. */
	if (u->fs->any && mkdir(u->rootfs_tmp, 0700) < 0)
		return log_error_errno(negative_errno(), "Cannot make %s: %m", u->rootfs_tmp);
	return lab_nodefs_write_defaults(u->fs, t, u->lab);
}

static int up_prepare(struct lab_up_ctx *u)
{
	int r = up_check(u);

	if (r >= 0)
		r = up_claim(u);
	if (r >= 0)
		r = up_write_dir(u);
	if (r < 0)
		return r;
	u->self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (u->self_netns < 0)
		return log_error_errno(negative_errno(), "Cannot open our own netns: %m");
	r = prepare_specs(u);
	if (r < 0)
		return r;
	return lab_cgroup_up_begin(u->t, u->lab, &u->cg);
}

/* Recorded before any node exists: a lab whose `up` dies from here on can always be found (and
 * killed) from its lock, whatever happens to its lab init. */
static int record_init(struct lab_up_ctx *u)
{
	struct lab_state rec = { 0 };
	int r = init_ident(u, &rec);

	if (r >= 0)
		r = lab_lock_record(u->lock, &rec, false);
	if (r < 0)
		return log_error_errno(r, "Cannot record the lab init of '%s': %m", u->lab);
	return 0;
}

static int open_labroot_netlink(struct lab_up_ctx *u)
{
	int r = in_netns(u, u->labroot_netns);

	if (r >= 0) {
		r = nl_open(&u->root);
		int k = back_home(u);
		if (r >= 0)
			r = k;
	}
	if (r < 0)
		return log_error_errno(r, "Cannot open netlink in the lab-root namespace: %m");
	return 0;
}

/* Nodes are ordered in slices so that progress can count them. Each slice is pipelined by
 * ns_lab_spawn() and drained before the next: a slice of at least two windows of both cloners
 * keeps the cost of the drains out of the measurements (scripts/bench-lab). */
#define SPAWN_SLICE_MIN 128

static int spawn_nodes(struct lab_up_ctx *u)
{
	size_t n = u->t->n_nodes;
	size_t slice = (n + LAB_PROGRESS_STEPS - 1) / LAB_PROGRESS_STEPS;
	char errmsg[256] = "";

	if (slice < SPAWN_SLICE_MIN)
		slice = SPAWN_SLICE_MIN;
	for (size_t first = 0; first < n; first += slice) {
		size_t k = n - first < slice ? n - first : slice;
		int r = ns_lab_spawn(u->ns, first, k, &u->nodes[first], errmsg, sizeof(errmsg));
		if (r == -ESRCH && errmsg[0])
			return log_error_errno(r, "Cannot create the nodes: %s", errmsg);
		if (r < 0)
			return log_error_errno(r, "Cannot create the nodes: %m%s%s",
					       errmsg[0] ? ": " : "", errmsg);
		lab_progress_add(&u->progress, k);
	}
	return 0;
}

/* Each node turns DAD (or IPv6) off itself before READY: its links must not exist yet. */
static int wait_nodes_ready(struct lab_up_ctx *u)
{
	char errmsg[256] = "";
	size_t bad = SIZE_MAX;
	int r = ns_lab_wait_ready(u->ns, u->nodes, &bad, errmsg, sizeof(errmsg));

	/* -ESRCH: errmsg names the node that died; -ECHILD: says the lab init died. */
	if (r < 0 && r != -ESRCH && bad < u->t->n_nodes && errmsg[0])
		log_error("Cannot set up node '%s': %s", u->t->nodes[bad].name, errmsg);
	else if (r < 0 && errmsg[0])
		log_error("Cannot set up the nodes: %s", errmsg);
	else if (r < 0)
		log_error_errno(r, "Cannot set up the nodes: %m");
	return r;
}

static int up_nodes(struct lab_up_ctx *u)
{
	int r = start_lab_init(u, u->rootless);

	if (r < 0)
		return r;
	u->labroot_netns = ns_lab_netns_fd(u->ns);
	r = record_init(u);
	if (r >= 0)
		r = lab_cgroup_up_started(&u->cg, u->lab, ns_lab_pid(u->ns));
	if (r >= 0)
		r = open_labroot_netlink(u);
	if (r < 0)
		return r;
	bridges_start(u);
	r = spawn_nodes(u);
	if (r >= 0)
		r = lab_cgroup_up_nodes(&u->cg, u->t, u->lab, u->nodes);
	if (r >= 0)
		r = wait_nodes_ready(u);
	if (r >= 0)
		r = early_sysctls(u);
	return r;
}

/* What is left of the bridges' work once the nodes are made (usually nothing). */
static int up_bridges(struct lab_up_ctx *u)
{
	return bridges_join(u);
}

static int up_links(struct lab_up_ctx *u)
{
	return create_links(u, u->root);
}

static int up_addresses(struct lab_up_ctx *u)
{
	int r = configure_nodes(u);

	/* After every node's links are up: a link-local exists once both ends are. */
	return r < 0 ? r : lab_link_locals_settle(u);
}

static int up_impair(struct lab_up_ctx *u)
{
	return lab_impair_apply(u);
}

static int up_ready(struct lab_up_ctx *u)
{
	return lab_files_write(u);
}

static int up_exec(struct lab_up_ctx *u)
{
	const struct topo *t = u->t;
	int r;

	for (size_t i = 0; i < t->n_cmds; i++) {
		if (t->cmds[i].daemon)
			continue;
		r = run_exec(u, &t->cmds[i]);
		if (r < 0)
			return r;
		lab_progress_add(&u->progress, 1);
	}
	r = start_daemons(u);
	if (r < 0)
		return r;
	lab_progress_add(&u->progress, t->n_cmds); /* the `start`s: all at once */
	return lab_nodefs_start_mains(u, u->fs);
}

static int up_commit(struct lab_up_ctx *u)
{
	int r = write_state(u);

	if (r < 0)
		return log_error_errno(r, "Cannot write the state of lab '%s': %m", u->lab);
	r = ns_lab_commit(u->ns);
	if (r < 0)
		return log_error_errno(r, "Cannot commit lab '%s': %m", u->lab);
	return 0;
}

static const struct up_phase {
	enum lab_phase phase;
	int (*fn)(struct lab_up_ctx *u);
} up_phases[] = {
	{ LAB_PHASE_PREPARE, up_prepare },     { LAB_PHASE_NODES, up_nodes },
	{ LAB_PHASE_BRIDGES, up_bridges },     { LAB_PHASE_LINKS, up_links },
	{ LAB_PHASE_ADDRESSES, up_addresses }, { LAB_PHASE_IMPAIR, up_impair },
	{ LAB_PHASE_READY, up_ready },         { LAB_PHASE_EXEC, up_exec },
	{ LAB_PHASE_COMMIT, up_commit },
};

/* One phase: its progress from 0 to all, its time (without the test pause), the test pause.
 * Every failure must say what failed: one that returns an error unlogged (an -ENOMEM deep down
 * under memory pressure) is named here by its phase. */
static int run_phase(struct lab_up_ctx *u, const struct up_phase *ph, unsigned errors_before)
{
	uint64_t t0 = now_ns();
	int r;

	lab_progress_begin(&u->progress, ph->phase, lab_progress_total(ph->phase, u->t));
	r = ph->fn(u);
	if (r < 0) {
		if (log_error_count() == errors_before)
			log_error_errno(r, "Cannot bring up lab '%s' (%s phase): %m", u->lab,
					lab_phase_name(ph->phase));
		return r;
	}
	lab_progress_end(&u->progress);
	u->opts->phase_ns[ph->phase] = now_ns() - t0;
	test_pause_at(ph->phase);
	return 0;
}

int lab_up(const struct topo *t, struct lab_up_opts *o)
{
	struct lab_up_ctx u = {
		.t = t,
		.lab = o->lab ? o->lab : t->lab,
		.opts = o,
		.rootless = lab_rootless_wanted(o->rootless),
		.self_netns = -EBADF,
		.labroot_netns = -EBADF,
		.lock = -EBADF,
		.progress = { .fn = o->progress, .userdata = o->progress_data },
	};
	unsigned errors_before = log_error_count();
	int r = 0;

	u.env[0] = u.env_lab;
	u.env[1] = u.env_dir;
	for (size_t i = 0; i < ELEMENTSOF(up_phases) && r >= 0; i++)
		r = run_phase(&u, &up_phases[i], errors_before);
	if (r < 0)
		(void)bridges_join(&u); /* it uses the lab-root socket and the plan */
	/* Kill first (ns_lab_free waits until every process of the lab is gone), then clear the
	 * directory, then let the lock go: a lab never half exists. After the commit, up_kill()
	 * only closes. */
	up_kill(&u);
	if (r < 0 && u.dir_ours)
		(void)lab_remove_dir(u.lab);
	nl_close(u.root);
	safe_close(u.lock);
	lab_nodefs_free(u.fs);
	free(u.daemon_names);
	return r;
}

int lab_up_apart(const struct topo *t, struct lab_up_opts *o)
{
	int status;
	pid_t pid;

	if (!lab_rootless_wanted(o->rootless))
		return lab_up(t, o);
	/* A rootless up joins the lab's user namespace for good: a child does it, and the caller
	 * stays the user it was, where it was (`run` then starts its command on the host). */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		int r = lab_up(t, o);
		_exit(r < 0 ? (-r & 0xff) : 0);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (!WIFEXITED(status))
		return -ECHILD;
	return -WEXITSTATUS(status);
}
