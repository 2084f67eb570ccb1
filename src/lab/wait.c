/* SPDX-License-Identifier: MIT */
/*
 * `netlab wait`: until a condition holds in a node, or a deadline.
 *
 * addr and route are event-driven: a netlink socket opened in the node's network namespace
 * joins the address or route multicast groups *before* the first dump, so no change between
 * the dump and the subscription is missed; every notification (or a lost one, ENOBUFS) makes
 * us dump and check again. tcp asks the kernel for listening sockets (NETLINK_SOCK_DIAG, also
 * opened in the node), which has no notifications; it, reach (ping) and cmd are polled with a
 * backoff from 10 ms to 500 ms.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/inet_diag.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lab-internal.h"
#include "fd-util.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Appends to a "last seen" text, keeping it NUL-terminated and marking truncation. */
struct seen {
	char *buf;
	size_t size, len;
	unsigned items;
};

static _printf_(2, 3) void seen_add(struct seen *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->len + 1 >= s->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(s->buf + s->len, s->size - s->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= s->size - s->len) {
		s->len = s->size - 1;
		if (s->size > 4)
			memcpy(s->buf + s->size - 4, "...", 4);
	} else
		s->len += (size_t)n;
}

static void seen_reset(struct seen *s)
{
	s->len = 0;
	s->items = 0;
	if (s->size)
		s->buf[0] = '\0';
}

/* An address or prefix as typed: "10.0.0.1", "10.0.0.0/24", "fd00::1/64". has_plen tells
 * whether /N was given (else plen is the full length). */
struct target {
	int family;
	uint8_t bytes[16];
	unsigned plen;
	bool has_plen;
};

static int parse_target(const char *s, struct target *t)
{
	char buf[INET6_ADDRSTRLEN + 8];
	char *slash, *end;

	*t = (struct target){ 0 };
	if (streq(s, "default") || streq(s, "default4")) {
		t->family = AF_INET;
		t->has_plen = true;
		return 0;
	}
	if (streq(s, "default6")) {
		t->family = AF_INET6;
		t->has_plen = true;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, t->bytes) == 1)
		t->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, t->bytes) == 1)
		t->family = AF_INET6;
	else
		return -EINVAL;
	t->plen = t->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		unsigned long v = strtoul(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || v > t->plen)
			return -EINVAL;
		t->plen = (unsigned)v;
		t->has_plen = true;
	}
	return 0;
}

static size_t family_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

static int attr_cb(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	/* Every table we use (IFA_MAX, RTA_MAX) is smaller than 64. */
	if (type < 64)
		tb[type] = a;
	return MNL_CB_OK;
}

/* ---- addr --------------------------------------------------------------------------------- */

struct addr_check {
	const struct target *want;
	struct seen *seen;
	bool found;
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} links[64]; /* for messages: IPv6 addresses carry no label */
	size_t n_links;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct addr_check *c = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };

	if (nlh->nlmsg_type != RTM_NEWLINK || c->n_links >= ELEMENTSOF(c->links))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), attr_cb, tb);
	if (!tb[IFLA_IFNAME])
		return MNL_CB_OK;
	c->links[c->n_links].ifindex = ifi->ifi_index;
	snprintf(c->links[c->n_links].name, IF_NAMESIZE, "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	c->n_links++;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_check *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	char txt[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
	const struct nlattr *a;
	size_t len;
	uint32_t flags;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, tb);
	len = family_len(ifa->ifa_family);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].ifindex == (int)ifa->ifa_index)
			memcpy(ifname, c->links[i].name, IF_NAMESIZE);
	bool tentative = ifa->ifa_family == AF_INET6 && (flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));

	inet_ntop(ifa->ifa_family, mnl_attr_get_payload(a), txt, sizeof(txt));
	/* Loopback's own 127.0.0.1 and ::1 say nothing: leave them out of the message. */
	if (!(ifa->ifa_scope == RT_SCOPE_HOST && ifa->ifa_index == 1 &&
	      (streq(txt, "127.0.0.1") || streq(txt, "::1")))) {
		seen_add(c->seen, "%s%s/%u %s%s", c->seen->items++ ? ", " : "", txt,
			 ifa->ifa_prefixlen, ifname,
			 flags & IFA_F_DADFAILED ? " (dadfailed)"
			 : tentative		 ? " (tentative)"
						 : "");
	}
	if (ifa->ifa_family != c->want->family ||
	    memcmp(mnl_attr_get_payload(a), c->want->bytes, len) != 0)
		return MNL_CB_OK;
	if (c->want->has_plen && ifa->ifa_prefixlen != c->want->plen)
		return MNL_CB_OK;
	if (!tentative)
		c->found = true;
	return MNL_CB_OK;
}

/* ---- route -------------------------------------------------------------------------------- */

struct route_check {
	const struct target *want;
	struct seen *seen;
	bool found;
};

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct route_check *c = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[64] = { 0 };
	uint8_t dst[16] = { 0 };
	char txt[INET6_ADDRSTRLEN];
	size_t len;
	uint32_t table;

	if (nlh->nlmsg_type != RTM_NEWROUTE || rtm->rtm_family != c->want->family)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), attr_cb, tb);
	table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table;
	if (table == RT_TABLE_LOCAL || (rtm->rtm_flags & RTM_F_CLONED))
		return MNL_CB_OK;
	/* Unicast only: a blackhole or unreachable route is no way to get there. */
	if (rtm->rtm_type != RTN_UNICAST)
		return MNL_CB_OK;
	len = family_len(rtm->rtm_family);
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == len)
		memcpy(dst, mnl_attr_get_payload(tb[RTA_DST]), len);
	/* IPv6 link-local and multicast routes are always there: noise in the message. */
	if (!(rtm->rtm_family == AF_INET6 && (dst[0] == 0xff || (dst[0] == 0xfe && dst[1] == 0x80)))) {
		inet_ntop(rtm->rtm_family, dst, txt, sizeof(txt));
		if (rtm->rtm_dst_len == 0)
			seen_add(c->seen, "%sdefault", c->seen->items++ ? ", " : "");
		else
			seen_add(c->seen, "%s%s/%u", c->seen->items++ ? ", " : "", txt,
				 rtm->rtm_dst_len);
	}
	if (rtm->rtm_dst_len == c->want->plen && memcmp(dst, c->want->bytes, len) == 0)
		c->found = true;
	return MNL_CB_OK;
}

/* ---- tcp (sock_diag) ---------------------------------------------------------------------- */

struct tcp_check {
	unsigned port;
	struct seen *seen;
	bool found;
};

static int tcp_listeners(struct mnl_socket *sd, int family, struct tcp_check *c)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	uint32_t seq = (uint32_t)time(NULL), portid = mnl_socket_get_portid(sd);
	ssize_t n;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = 1u << TCP_LISTEN;
	if (mnl_socket_sendto(sd, nlh, nlh->nlmsg_len) < 0)
		return negative_errno();
	for (;;) {
		n = mnl_socket_recvfrom(sd, buf, sizeof(buf));
		if (n < 0)
			return negative_errno();
		int rem = (int)n;
		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, rem);
		     h = mnl_nlmsg_next(h, &rem)) {
			if (h->nlmsg_seq != seq || h->nlmsg_pid != portid)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
				return e->error;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			const struct inet_diag_msg *m = mnl_nlmsg_get_payload(h);
			unsigned port = ntohs(m->id.idiag_sport);
			seen_add(c->seen, "%s%u%s", c->seen->items++ ? ", " : "", port,
				 family == AF_INET6 ? " (IPv6)" : "");
			if (port == c->port)
				c->found = true;
		}
	}
}

/* ---- commands (reach, cmd) ---------------------------------------------------------------- */

/* The last non-empty line of what the command printed. */
static void last_line(int fd, char *buf, size_t size)
{
	char data[4096];
	off_t end = lseek(fd, 0, SEEK_END), start = end > (off_t)sizeof(data) - 1
							   ? end - (off_t)sizeof(data) + 1
							   : 0;
	ssize_t n = pread(fd, data, sizeof(data) - 1, start);
	char *line;

	buf[0] = '\0';
	if (n <= 0)
		return;
	data[n] = '\0';
	while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' '))
		data[--n] = '\0';
	line = strrchr(data, '\n');
	line = line ? line + 1 : data;
	size_t len = strlen(line);
	if (len >= size)
		len = size - 1;
	memcpy(buf, line, len);
	buf[len] = '\0';
}

/* As `netlab exec` runs a command (the same environment), output into `out`. */
static int run_in_node(int pidfd, unsigned flags, char *const argv[], const char *const *env,
		       int out, int *exec_errno)
{
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct ns_run_opts o = {
		.env_add = env,
		.stdin_fd = null,
		.stdout_fd = out,
		.stderr_fd = out,
		.exec_errno = exec_errno,
	};

	int r;

	if (ftruncate(out, 0) < 0)
		return negative_errno();
	(void)lseek(out, 0, SEEK_SET);
	/* ns_run forwards signals to the command while it runs and gives our dispositions back
	 * after: between two tries ^C and SIGTERM end `netlab wait` again, and a program using
	 * libnetlab keeps its own handlers. */
	r = ns_run(pidfd, flags, argv, &o);
	/* A ^C reaches the command (same process group): it was meant for us. */
	if (r == 128 + SIGINT)
		return -EINTR;
	return r;
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* Opens a socket of `proto` in the network namespace of pidfd and comes back. */
static struct mnl_socket *open_in_netns(int pidfd, int proto, unsigned groups)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct mnl_socket *s = NULL;
	int e = 0;

	if (self < 0)
		return NULL;
	if (setns(pidfd, CLONE_NEWNET) < 0) {
		/* A rootless lab we live outside of: a child makes the socket there. */
		int fd = errno == EPERM ? fd_socket_in_ns(pidfd, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK,
							  proto) : -errno;
		s = fd >= 0 ? mnl_socket_fdopen(fd) : NULL;
		if (s && mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
			mnl_socket_close(s);
			s = NULL;
		} else if (!s && fd >= 0)
			close(fd);
		return s;
	}
	s = mnl_socket_open2(proto, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (s && mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		e = errno;
		mnl_socket_close(s);
		s = NULL;
	}
	if (!s && !e)
		e = errno;
	if (setns(self, CLONE_NEWNET) < 0) {
		log_error_errno(negative_errno(), "Cannot return to our own netns: %m");
		abort(); /* nothing after this would be safe */
	}
	errno = e;
	return s;
}

/* Reads and drops every pending notification; each one only says "look again". */
static void drain(struct mnl_socket *ev)
{
	char buf[8192];
	while (recv(mnl_socket_get_fd(ev), buf, sizeof(buf), MSG_DONTWAIT) > 0 || errno == ENOBUFS)
		;
}

int lab_wait(const char *lab, const char *node, const struct lab_wait_cond *cond,
	     uint64_t timeout_ns, char *seen_buf, size_t seen_size)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int pidfd = -EBADF, out = -EBADF;
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct mnl_socket *ev = NULL;
	struct seen seen = { .buf = seen_buf, .size = seen_size };
	struct target want;
	struct lab_node_env env;
	uint64_t deadline = now_ns() + timeout_ns, backoff_ms = 10;
	unsigned flags, port = 0;
	bool logged = false;
	size_t idx;
	int r;

	if (seen_size)
		seen_buf[0] = '\0';
	switch (cond->kind) {
	case LAB_WAIT_ADDR:
	case LAB_WAIT_ROUTE:
		if (parse_target(cond->arg, &want) < 0 ||
		    (cond->kind == LAB_WAIT_ADDR && streq(cond->arg, "default")))
			return log_error_errno(-EINVAL, "'%s' is not an %s", cond->arg,
					       cond->kind == LAB_WAIT_ADDR ? "address"
									   : "address prefix");
		break;
	case LAB_WAIT_TCP: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(cond->arg, &end, 10);
		if (errno || *end || end == cond->arg || v == 0 || v > 65535)
			return log_error_errno(-EINVAL, "'%s' is not a TCP port", cond->arg);
		port = (unsigned)v;
		break;
	}
	default:
		break;
	}

	r = lab_node_open(lab, node, &st, &idx, &pidfd);
	if (r < 0)
		return r;
	flags = ns_node_setns_flags(st->nodes[idx].flags);
	lab_node_env_init(&env, lab, node);

	if (cond->kind == LAB_WAIT_ADDR || cond->kind == LAB_WAIT_ROUTE) {
		unsigned groups = cond->kind == LAB_WAIT_ADDR
					  ? RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
					  : RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE;
		/* Subscribe first, dump second: a change in between is then a notification. */
		ev = open_in_netns(pidfd, NETLINK_ROUTE, groups);
		if (!ev)
			return log_error_errno(negative_errno(),
					       "Cannot watch netlink events in node '%s': %m", node);
		r = nl_open_in(pidfd, &nl);
		if (r < 0) {
			mnl_socket_close(ev);
			return log_error_errno(r, "Cannot open netlink in node '%s': %m", node);
		}
	} else if (cond->kind == LAB_WAIT_TCP) {
		ev = open_in_netns(pidfd, NETLINK_SOCK_DIAG, 0);
		if (!ev)
			return log_error_errno(negative_errno(),
					       "Cannot open sock_diag in node '%s': %m", node);
	} else {
		out = memfd_create("netlab-wait", MFD_CLOEXEC);
		if (out < 0)
			return negative_errno();
	}

	for (;;) {
		bool found = false;
		struct nl_error e;

		seen_reset(&seen);
		switch (cond->kind) {
		case LAB_WAIT_ADDR: {
			struct addr_check c = { .want = &want, .seen = &seen };
			r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, on_link, &c, &e);
			if (r >= 0)
				r = nl_dump(nl, RTM_GETADDR, AF_UNSPEC, on_addr, &c, &e);
			found = c.found;
			if (r >= 0 && c.seen->items == 0)
				seen_add(&seen, "no addresses");
			break;
		}
		case LAB_WAIT_ROUTE: {
			struct route_check c = { .want = &want, .seen = &seen };
			seen_add(&seen, "IPv%d routes: ", want.family == AF_INET ? 4 : 6);
			r = nl_dump(nl, RTM_GETROUTE, want.family, on_route, &c, &e);
			found = c.found;
			if (r >= 0 && c.seen->items == 0)
				seen_add(&seen, "none");
			break;
		}
		case LAB_WAIT_TCP: {
			struct tcp_check c = { .port = port, .seen = &seen };
			seen_add(&seen, "listening TCP ports: ");
			r = tcp_listeners(ev, AF_INET, &c);
			if (r >= 0)
				r = tcp_listeners(ev, AF_INET6, &c);
			found = c.found;
			if (r >= 0 && c.seen->items == 0)
				seen_add(&seen, "none");
			break;
		}
		case LAB_WAIT_REACH: {
			char *argv[] = { (char *)"ping", (char *)"-c1", (char *)"-W1", (char *)"-n",
					 (char *)cond->arg, NULL };
			char line[200];
			int ee = 0;
			r = run_in_node(pidfd, flags, argv, env.env, out, &ee);
			if (r >= 0) {
				found = r == 0;
				last_line(out, line, sizeof(line));
				seen_add(&seen, "ping %s: exit status %d%s%s", cond->arg, r,
					 line[0] ? ": " : "", line);
				if (r == 127 && ee == ENOENT) {
					log_error("ping is not installed in node '%s'", node);
					logged = true;
					r = -ENOENT;
				} else
					r = 0;
			}
			break;
		}
		case LAB_WAIT_CMD: {
			char line[200];
			int ee = 0;
			r = run_in_node(pidfd, flags, cond->argv, env.env, out, &ee);
			if (r >= 0) {
				found = r == 0;
				last_line(out, line, sizeof(line));
				seen_add(&seen, "'%s' exited with status %d%s%s", cond->argv[0], r,
					 line[0] ? ": " : "", line);
				if (ee) {
					log_error("'%s': %s in node '%s'", cond->argv[0],
						  ee == ENOENT ? "command not found"
							       : strerror(ee),
						  node);
					logged = true;
					r = -ee;
				} else
					r = 0;
			}
			break;
		}
		}
		if (r < 0) {
			if (ev)
				mnl_socket_close(ev);
			if (logged || r == -EINTR)
				return r;
			return log_error_errno(r, "Cannot check node '%s': %m", node);
		}
		if (found) {
			if (ev)
				mnl_socket_close(ev);
			return 0;
		}

		uint64_t now = now_ns();
		if (now >= deadline)
			break;
		uint64_t left_ms = (deadline - now + 999999) / 1000000;
		if (cond->kind == LAB_WAIT_ADDR || cond->kind == LAB_WAIT_ROUTE) {
			/* Notifications wake us; a second without any is checked anyway. */
			struct pollfd p = { .fd = mnl_socket_get_fd(ev), .events = POLLIN };
			int k = poll(&p, 1, (int)(left_ms < 1000 ? left_ms : 1000));
			if (k < 0 && errno != EINTR) {
				mnl_socket_close(ev);
				return negative_errno();
			}
			drain(ev);
		} else {
			uint64_t ms = backoff_ms < left_ms ? backoff_ms : left_ms;
			struct timespec ts = { .tv_sec = (time_t)(ms / 1000),
					       .tv_nsec = (long)(ms % 1000) * 1000000 };
			nanosleep(&ts, NULL);
			backoff_ms = backoff_ms * 2 > 500 ? 500 : backoff_ms * 2;
		}
	}
	if (ev)
		mnl_socket_close(ev);
	return -ETIMEDOUT;
}
