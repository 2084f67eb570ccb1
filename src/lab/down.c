/* SPDX-License-Identifier: MIT */
/*
 * `down`: one kill. SIGKILL to the lab init (PID 1 of the lab) makes the kernel kill every
 * process of the lab; their namespaces, and with them every veth and bridge, are released in
 * one batched cleanup (docs/PERFORMANCE.md, kernel costs: never delete a lab link by link).
 */
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

struct nsid_watch;
static int watch_lab(struct nsid_watch *w, const struct lab_state *st);
static int watch_wait(struct nsid_watch *w, int timeout_ms);
static void watch_done(struct nsid_watch *w);

/* Until pid (started at starttime) is gone from the process table: dead is not enough, its
 * zombie stays visible until its parent (the host's init, once `up` has exited) collects it,
 * which some inits do seconds later. -ETIMEDOUT after timeout_ms. */
static int wait_reaped(pid_t pid, uint64_t starttime, int timeout_ms)
{
	for (int waited = 0, ms = 1;; waited += ms, ms = ms < 50 ? ms * 2 : 50) {
		char path[64], buf[1024], *p;
		unsigned long long st = 0;
		_cleanup_close_ int fd = -EBADF;
		ssize_t n;

		snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 0;
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			return 0;
		buf[n] = '\0';
		/* Field 22, counted after comm (which may hold anything up to its last ')'). */
		p = strrchr(buf, ')');
		if (!p || sscanf(p + 1, " %*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
				       "%*s %*s %*s %*s %*s %llu", &st) != 1 || st != starttime)
			return 0; /* another process has the number now */
		if (waited >= timeout_ms)
			return -ETIMEDOUT;
		usleep((useconds_t)ms * 1000);
	}
}

int lab_kill(const char *name, int pidfd)
{
	pid_t pid = 0;
	uint64_t starttime = 0;
	int r;

	/* Who it is, for wait_reaped() below: read before it dies. */
	if (pidfd_get_pid(pidfd, &pid) < 0 || proc_starttime(pid, &starttime) < 0)
		pid = 0;
	/* SIGKILL ends a stopped process too, and the init's exit completes only once every
	 * process of its namespace is gone. */
	if (syscall(SYS_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) < 0 && errno != ESRCH)
		return log_error_errno(negative_errno(), "Cannot kill lab '%s': %m", name);
	r = pidfd_wait_exit(pidfd, 30000);
	if (r < 0)
		return log_error_errno(r, "Lab '%s' did not end: %m", name);
	if (pid > 0 && wait_reaped(pid, starttime, 10000) < 0)
		log_notice("the lab init of '%s' (pid %d) is dead but not yet collected by its parent",
			   name, (int)pid);
	return 0;
}

static int down(const char *name, struct nsid_watch *w)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int lock = -EBADF, pidfd = -EBADF;
	bool committed = false;
	int r, loaded;

	r = lab_lock(name, &lock);
	if (r == -EBUSY)
		return log_error_errno(r, "lab '%s' is being brought up or down by another netlab",
				       name);
	if (r < 0)
		return log_error_errno(r, "Cannot lock lab '%s': %m", name);

	/* The lab init from the state, else from the lock's record: a damaged state, or a lab
	 * whose `up` was killed before its commit (its init perhaps stopped), is still found and
	 * killed. Nothing is removed while a process of the lab may run. */
	loaded = lab_state_load(name, &st);
	r = lab_find_init(name, st, lock, &pidfd, &committed);
	if (r >= 0) {
		if (!committed)
			log_notice("lab '%s' never finished coming up (its 'up' was killed); "
				   "killing what it left",
				   name);
		else if (loaded < 0)
			log_warning("the state of lab '%s' is damaged; its lab init was found "
				    "from its lock",
				    name);
		/* Best effort: without ids we still wait with the sentinels alone. */
		if (w && st && lab_state_check_alive(st, NULL) >= 0 && watch_lab(w, st) < 0)
			log_debug("cannot tag the namespaces of lab '%s'", name);
		r = lab_kill(name, pidfd);
		if (r < 0)
			return r;
	} else if (loaded == -ENOENT) {
		/* Nothing committed and nothing running: either no such lab (we just made its
		 * directory) or what a killed `up` left. */
		(void)lab_remove_dir(name);
		log_error("no lab '%s' is up", name);
		return -ENOENT;
	} else if (loaded < 0)
		log_warning("the state of lab '%s' is damaged and no process of it runs; removing "
			    "it",
			    name);
	else
		log_notice("lab '%s' was already dead; removing its state", name);

	r = lab_remove_dir(name);
	if (r < 0)
		return log_error_errno(r, "Cannot remove the state of lab '%s': %m", name);
	return 0;
}

/*
 * Waiting for the kernel (`down --wait`).
 *
 * When the lab's last process is gone its namespaces are queued for cleanup_net(), which runs
 * on one ordered workqueue ("netns") and releases every queued namespace in one batch: devices,
 * routes, sockets. Nothing announces the end of a batch, but the kernel announces the start of
 * one to anyone who gave one of its namespaces an id (RTM_DELNSID, sent by unhash_nsid() at
 * the top of cleanup_net()). So we make a sentinel namespace, give it an id in our own
 * namespace, drop it and wait for its RTM_DELNSID; then a second one. The second one's batch
 * starts only after the first one's has ended, and the first one's batch is the lab's own or
 * a later one (it was queued after the lab's): when the second RTM_DELNSID arrives, every
 * namespace of the lab has been released. Cost: two empty namespaces, ~20 ms each.
 */
struct nsid_req {
	struct nlmsghdr nh;
	struct rtgenmsg g;
	uint8_t pad[3];
	struct nlattr a_nsid;
	int32_t nsid;
	struct nlattr a_fd;
	uint32_t fd;
};

static int64_t nsid_of(const struct nlmsghdr *nh, uint16_t type)
{
	const struct nlattr *a;
	size_t off = NLMSG_LENGTH(NLMSG_ALIGN(sizeof(struct rtgenmsg)));

	if (nh->nlmsg_type != type)
		return -1;
	while (off + sizeof(*a) <= nh->nlmsg_len) {
		a = (const struct nlattr *)((const char *)nh + off);
		if (a->nla_len < sizeof(*a) || off + a->nla_len > nh->nlmsg_len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NETNSA_NSID && a->nla_len >= sizeof(*a) + 4) {
			int32_t id;
			memcpy(&id, (const char *)a + sizeof(*a), sizeof(id));
			return id;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

/* Reads until a message of `type` with an id (any when want < 0) arrives; returns the id. */
static int64_t wait_nsid_event(int sock, uint16_t type, int64_t want, int64_t deadline_ms)
{
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t left = deadline_ms - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		struct pollfd p = { .fd = sock, .events = POLLIN };
		if (left <= 0)
			return -ETIMEDOUT;
		int k = poll(&p, 1, (int)left);
		if (k < 0 && errno != EINTR)
			return negative_errno();
		if (k <= 0)
			continue;
		ssize_t n = recv(sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			/* ENOBUFS: events were lost (a busy machine); ours may be among them. */
			return negative_errno();
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);
				if (e->error < 0)
					return e->error;
				continue;
			}
			int64_t id = nsid_of(nh, type);
			if (id >= 0 && (want < 0 || id == want))
				return id;
		}
	}
}

static int sentinel_round(int sock, int home, int64_t deadline_ms)
{
	_cleanup_close_ int ns = -EBADF;
	struct nsid_req req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWNSID,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK, .nlmsg_seq = 1 },
		.g = { .rtgen_family = AF_UNSPEC },
		.a_nsid = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = NETNSA_NSID },
		.nsid = -1, /* the kernel picks a free id */
		.a_fd = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = NETNSA_FD },
	};
	int64_t id;

	if (unshare(CLONE_NEWNET) < 0)
		return negative_errno();
	ns = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (setns(home, CLONE_NEWNET) < 0)
		return negative_errno();
	if (ns < 0)
		return negative_errno();
	req.fd = (uint32_t)ns;
	if (send(sock, &req, sizeof(req), 0) < 0)
		return negative_errno();
	id = wait_nsid_event(sock, RTM_NEWNSID, -1, deadline_ms);
	if (id < 0)
		return (int)id;
	/* Our fd was the last reference: the sentinel is queued for cleanup now. */
	ns = safe_close(ns);
	id = wait_nsid_event(sock, RTM_DELNSID, id, deadline_ms);
	return id < 0 ? (int)id : 0;
}

/*
 * The sentinels alone are not enough when a namespace of the lab is queued for release later
 * than the lab's last process exits (a reference held a little longer, e.g. by a lazily
 * unmounted sysfs). So `down --wait` first gives the lab's own namespaces (the lab-root and
 * every node's) an id in our namespace, kills the lab, waits for each RTM_DELNSID (the start of
 * the batch that releases it), and then drops one sentinel: the batch after the last of those
 * has started only once they have all ended.
 */
struct nsid_watch {
	int sock;
	uint32_t portid;
	uint32_t seq;
	bool *pending; /* indexed by nsid */
	size_t size;
	size_t n_pending;
};

static int watch_open(struct nsid_watch *w)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(sa);
	int group = RTNLGRP_NSID, rcvbuf = 16 << 20;

	*w = (struct nsid_watch){ .sock = -EBADF, .seq = 1 };
	w->sock = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (w->sock < 0)
		return negative_errno();
	/* A thousand events must not overflow the queue (a lost event is a timeout). */
	if (setsockopt(w->sock, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		(void)setsockopt(w->sock, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(w->sock, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(w->sock, (struct sockaddr *)&sa, &len) < 0 ||
	    setsockopt(w->sock, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0)
		return negative_errno();
	w->portid = sa.nl_pid;
	return 0;
}

static void watch_done(struct nsid_watch *w)
{
	safe_close(w->sock);
	free(w->pending);
	w->pending = NULL;
}

static void watch_saw(struct nsid_watch *w, const struct nlmsghdr *nh)
{
	int64_t id = nsid_of(nh, RTM_DELNSID);
	if (id >= 0 && (size_t)id < w->size && w->pending[id]) {
		w->pending[id] = false;
		w->n_pending--;
	}
}

/* Gives the namespace behind ns_fd an id in ours (or finds the one it has) and remembers it. */
static int watch_add(struct nsid_watch *w, int ns_fd)
{
	struct nsid_req req = {
		.nh = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_NEWNSID,
			.nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = ++w->seq },
		.g = { .rtgen_family = AF_UNSPEC },
		.a_nsid = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = NETNSA_NSID },
		.nsid = -1,
		.a_fd = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = NETNSA_FD },
		.fd = (uint32_t)ns_fd,
	};
	struct {
		struct nlmsghdr nh;
		struct rtgenmsg g;
		uint8_t pad[3];
		struct nlattr a_fd;
		uint32_t fd;
	} get = {
		.nh = { .nlmsg_len = sizeof(get), .nlmsg_type = RTM_GETNSID,
			.nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = ++w->seq },
		.g = { .rtgen_family = AF_UNSPEC },
		.a_fd = { .nla_len = sizeof(struct nlattr) + 4, .nla_type = NETNSA_FD },
		.fd = (uint32_t)ns_fd,
	};
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));

	/* An error (EEXIST: it has an id already) is fine; GETNSID tells the id either way. */
	if (send(w->sock, &req, sizeof(req), 0) < 0 || send(w->sock, &get, sizeof(get), 0) < 0)
		return negative_errno();
	for (;;) {
		ssize_t n = recv(w->sock, buf, sizeof(buf), 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != get.nh.nlmsg_seq || nh->nlmsg_pid != w->portid) {
				watch_saw(w, nh);
				continue;
			}
			if (nh->nlmsg_type == NLMSG_ERROR)
				return ((const struct nlmsgerr *)NLMSG_DATA(nh))->error ?: -EPROTO;
			int64_t id = nsid_of(nh, RTM_NEWNSID);
			if (id < 0)
				return -EPROTO;
			if ((size_t)id >= w->size) {
				size_t size = (size_t)id * 2 + 64;
				bool *p = realloc(w->pending, size * sizeof(*p));
				if (!p)
					return -ENOMEM;
				memset(p + w->size, 0, (size - w->size) * sizeof(*p));
				w->pending = p;
				w->size = size;
			}
			if (!w->pending[id]) {
				w->pending[id] = true;
				w->n_pending++;
			}
			return 0;
		}
	}
}

static int watch_pid(struct nsid_watch *w, pid_t pid)
{
	char path[64];
	_cleanup_close_ int fd = -EBADF;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return watch_add(w, fd);
}

static int watch_lab(struct nsid_watch *w, const struct lab_state *st)
{
	int r = watch_pid(w, st->init_pid);
	if (r < 0)
		return r;
	for (size_t i = 0; i < st->n_nodes; i++) {
		/* Only the recorded process: a recycled pid is not ours to wait for. */
		if (lab_state_node_pidfd(st, i, NULL) < 0)
			continue;
		r = watch_pid(w, st->nodes[i].pid);
		if (r < 0 && r != -ENOENT && r != -ESRCH)
			return r;
	}
	return 0;
}

static int watch_wait(struct nsid_watch *w, int timeout_ms)
{
	char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct timespec ts;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	int64_t deadline = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000 + timeout_ms;

	while (w->n_pending > 0) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		int64_t left = deadline - ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
		struct pollfd p = { .fd = w->sock, .events = POLLIN };
		if (left <= 0)
			return -ETIMEDOUT;
		int k = poll(&p, 1, (int)left);
		if (k < 0 && errno != EINTR)
			return negative_errno();
		if (k <= 0)
			continue;
		ssize_t n = recv(w->sock, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return negative_errno();
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n);
		     nh = NLMSG_NEXT(nh, n))
			watch_saw(w, nh);
	}
	/* Every namespace of the lab is in a batch that has started: one sentinel more. */
	_cleanup_close_ int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return negative_errno();
	r = sentinel_round(w->sock, home, deadline);
	return r;
}

int lab_down(const char *name)
{
	return down(name, NULL);
}

int lab_down_wait(const char *name, int timeout_ms)
{
	struct nsid_watch w;
	int r;

	/* Without root there are no ids to give the lab's namespaces in ours, and no sentinel to
	 * make: a rootless lab's down waits for its init only (docs/netlab.1). */
	if (geteuid() != 0)
		return lab_down(name);
	r = watch_open(&w);

	if (r < 0) {
		watch_done(&w);
		return log_error_errno(r, "Cannot watch the kernel's namespace events: %m");
	}
	r = down(name, &w);
	if (r >= 0) {
		r = watch_wait(&w, timeout_ms);
		if (r < 0)
			log_error_errno(r, "Cannot wait for the kernel to release lab '%s': %m", name);
	}
	watch_done(&w);
	return r;
}
