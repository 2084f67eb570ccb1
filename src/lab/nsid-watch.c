/* SPDX-License-Identifier: MIT */
/*
 * The namespace-id watcher of `down --wait` (nsid-watch.h): when the kernel has released a set
 * of network namespaces, known from its RTM_NEWNSID/RTM_DELNSID notifications.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "nsid-watch.h"

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
int nsid_watch_open(struct nsid_watch *w)
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

void nsid_watch_done(struct nsid_watch *w)
{
	safe_close(w->sock);
	free(w->pending);
	w->pending = NULL;
}

static void nsid_watch_saw(struct nsid_watch *w, const struct nlmsghdr *nh)
{
	int64_t id = nsid_of(nh, RTM_DELNSID);
	if (id >= 0 && (size_t)id < w->size && w->pending[id]) {
		w->pending[id] = false;
		w->n_pending--;
	}
}

/* Gives the namespace behind ns_fd an id in ours (or finds the one it has) and remembers it. */
static int nsid_watch_add(struct nsid_watch *w, int ns_fd)
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
				nsid_watch_saw(w, nh);
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

int nsid_watch_pid(struct nsid_watch *w, pid_t pid)
{
	char path[64];
	_cleanup_close_ int fd = -EBADF;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return nsid_watch_add(w, fd);
}

int nsid_watch_wait(struct nsid_watch *w, int timeout_ms)
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
			nsid_watch_saw(w, nh);
	}
	/* Every namespace of the lab is in a batch that has started: one sentinel more. */
	_cleanup_close_ int home = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0)
		return negative_errno();
	r = sentinel_round(w->sock, home, deadline);
	return r;
}
