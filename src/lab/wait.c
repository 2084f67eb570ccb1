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
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab-internal.h"
#include <jansson.h>

#include "json-match.h"
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

/* ---- addr --------------------------------------------------------------------------------- */

struct addr_check {
	const struct target *want;
	struct seen *seen;
	bool found;
	bool any_type; /* events: RTM_DELADDR too (found then means "the target was touched") */
	struct {
		int ifindex;
		char name[IF_NAMESIZE];
	} links[64]; /* for messages: IPv6 addresses carry no label */
	size_t n_links;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct addr_check *c = data;
	struct nl_link_info l;

	if (c->n_links >= ELEMENTSOF(c->links) || nl_link_parse(nlh, &l) < 0 || l.deleted ||
	    !l.name[0])
		return MNL_CB_OK;
	c->links[c->n_links].ifindex = l.ifindex;
	snprintf(c->links[c->n_links].name, IF_NAMESIZE, "%s", l.name);
	c->n_links++;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct addr_check *c = data;
	char txt[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE] = "?";
	struct nl_addr_info a;

	if (nl_addr_parse(nlh, &a) < 0 || (a.deleted && !c->any_type) || !a.has_addr)
		return MNL_CB_OK;
	for (size_t i = 0; i < c->n_links; i++)
		if (c->links[i].ifindex == a.ifindex)
			memcpy(ifname, c->links[i].name, IF_NAMESIZE);
	bool tentative = a.family == AF_INET6 && (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED));

	inet_ntop(a.family, a.addr, txt, sizeof(txt));
	/* Loopback's own 127.0.0.1 and ::1 say nothing: leave them out of the message. */
	if (!(a.scope == RT_SCOPE_HOST && a.ifindex == 1 &&
	      (streq(txt, "127.0.0.1") || streq(txt, "::1")))) {
		seen_add(c->seen, "%s%s/%u %s%s", c->seen->items++ ? ", " : "", txt, a.prefixlen,
			 ifname,
			 a.flags & IFA_F_DADFAILED ? " (dadfailed)"
			 : tentative		   ? " (tentative)"
						   : "");
	}
	if (a.family != c->want->family ||
	    memcmp(a.addr, c->want->bytes, family_len(a.family)) != 0)
		return MNL_CB_OK;
	if (c->want->has_plen && a.prefixlen != c->want->plen)
		return MNL_CB_OK;
	if (!tentative || c->any_type)
		c->found = true;
	return MNL_CB_OK;
}

/* ---- route -------------------------------------------------------------------------------- */

struct route_check {
	const struct target *want;
	struct seen *seen;
	bool found;
	bool any_type; /* events: RTM_DELROUTE too */
};

static int on_route(const struct nlmsghdr *nlh, void *data)
{
	struct route_check *c = data;
	struct nl_route_info rt;
	char txt[INET6_ADDRSTRLEN];

	if (nl_parse_route(nlh, &rt) < 0 || (rt.deleted && !c->any_type) ||
	    rt.family != c->want->family)
		return MNL_CB_OK;
	if (rt.table == RT_TABLE_LOCAL || rt.cloned)
		return MNL_CB_OK;
	/* Unicast only: a blackhole or unreachable route is no way to get there. */
	if (rt.type != RTN_UNICAST)
		return MNL_CB_OK;
	/* IPv6 link-local and multicast routes are always there: noise in the message. */
	if (!(rt.family == AF_INET6 &&
	      (rt.dst[0] == 0xff || (rt.dst[0] == 0xfe && rt.dst[1] == 0x80)))) {
		inet_ntop(rt.family, rt.dst, txt, sizeof(txt));
		if (rt.dst_len == 0)
			seen_add(c->seen, "%sdefault", c->seen->items++ ? ", " : "");
		else
			seen_add(c->seen, "%s%s/%u", c->seen->items++ ? ", " : "", txt, rt.dst_len);
	}
	if (rt.dst_len == c->want->plen && memcmp(rt.dst, c->want->bytes, family_len(rt.family)) == 0)
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
static int run_in_node(int pidfd, unsigned flags, char *const argv[], const struct lab_node_env *e,
		       int out, int err, int *exec_errno, int *cwd_errno)
{
	_cleanup_close_ int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	struct ns_run_opts o = {
		.env_add = e->env,
		.creds = e->creds,
		.cwd = e->cwd,
		.cwd_errno = cwd_errno,
		.stdin_fd = null,
		.stdout_fd = out,
		.stderr_fd = err,
		.exec_errno = exec_errno,
		.threaded = lab_threaded(),
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

/* ---- json --------------------------------------------------------------------------------- */

static int load_expected(const struct lab_wait_cond *cond, json_t **ret)
{
	json_error_t e;
	json_t *v;

	if (cond->match_file) {
		v = json_load_file(cond->match_file, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (!v && e.line < 0) /* could not read it */
			return log_error_errno(-EINVAL, "Cannot read '%s': %s", cond->match_file,
					       e.text);
		if (!v)
			return log_error_errno(-EINVAL, "%s:%d:%d: %s", cond->match_file, e.line,
					       e.column, e.text);
	} else if (cond->match) {
		v = json_loads(cond->match, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (!v)
			return log_error_errno(-EINVAL, "--match is not JSON: column %d: %s",
					       e.column, e.text);
	} else
		return log_error_errno(-EINVAL, "json needs --match JSON or --match-file FILE");
	*ret = v;
	return 0;
}

/* What the command printed, parsed. Mapped, not json_loadfd(): that reads one byte per
 * read(2), 12 s for a 12 MB document here against 0.3 s from memory. */
static json_t *load_output(int fd, json_error_t *e)
{
	struct stat sb;
	json_t *v;

	if (fstat(fd, &sb) < 0 || sb.st_size == 0)
		return json_loadb("", 0, 0, e);
	void *p = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return json_loadb("", 0, 0, e);
	v = json_loadb(p, (size_t)sb.st_size, JSON_DECODE_ANY | JSON_ALLOW_NUL, e);
	munmap(p, (size_t)sb.st_size);
	return v;
}

/* The first bytes of what the command printed, on one line, for a message. */
static void output_head(int fd, char *buf, size_t size)
{
	ssize_t n = pread(fd, buf, size - 1, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
}

/* ---- the loop ----------------------------------------------------------------------------- */

/* Everything one wait holds; one check at a time through check(). */
struct waiter {
	const struct lab_wait_cond *cond;
	const char *node;
	int pidfd;
	unsigned flags;
	struct lab_node_env env;
	struct target want;
	unsigned port;
	struct nl *nl;           /* addr, route: dumps */
	struct mnl_socket *ev;   /* addr, route: events; tcp: sock_diag */
	int out, err;            /* reach, cmd, json: the command's stdout and stderr */
	json_t *expected, *last; /* json: the expected document, the last one seen */
	bool last_matched, warned;
	struct seen seen;
	bool logged;             /* an error was logged already */
};

static void waiter_done(struct waiter *w)
{
	if (w->ev)
		mnl_socket_close(w->ev);
	nl_close(w->nl);
	safe_close(w->out);
	safe_close(w->err);
	json_decref(w->expected);
	json_decref(w->last);
}

static bool kind_has_events(enum lab_wait_kind k)
{
	return k == LAB_WAIT_ADDR || k == LAB_WAIT_ROUTE;
}

static int waiter_open(struct waiter *w)
{
	const char *node = w->node;
	int r;

	if (kind_has_events(w->cond->kind)) {
		/* Links too, for routes: the kernel flushes the IPv4 routes of a link that goes
		 * down without a route notification, and the link's event wakes us to look. */
		unsigned groups = w->cond->kind == LAB_WAIT_ADDR
					  ? RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR
					  : RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_LINK;
		/* Subscribe first, dump second: a change in between is then a notification. */
		r = nl_open_events_in(w->pidfd, NETLINK_ROUTE, groups, 1 << 20, &w->ev);
		if (r < 0)
			return log_error_errno(r, "Cannot watch netlink events in node '%s': %m",
					       node);
		r = nl_open_in(w->pidfd, &w->nl);
		if (r < 0)
			return log_error_errno(r, "Cannot open netlink in node '%s': %m", node);
	} else if (w->cond->kind == LAB_WAIT_TCP) {
		r = nl_open_events_in(w->pidfd, NETLINK_SOCK_DIAG, 0, 0, &w->ev);
		if (r < 0)
			return log_error_errno(r, "Cannot open sock_diag in node '%s': %m", node);
	} else {
		w->out = memfd_create("netlab-wait", MFD_CLOEXEC);
		w->err = memfd_create("netlab-wait-err", MFD_CLOEXEC);
		if (w->out < 0 || w->err < 0)
			return log_error_errno(negative_errno(), "Cannot create a memfd: %m");
	}
	return 0;
}

/* Runs argv as exec would, stdout into w->out, stderr into w->err (or w->out when err < 0).
 * Returns its status, or -errno (logged). */
static int run_cmd(struct waiter *w, char *const argv[], bool split)
{
	int ee = 0, ce = 0, r;

	if (split && (ftruncate(w->err, 0) < 0 || lseek(w->err, 0, SEEK_SET) < 0))
		return negative_errno();
	r = run_in_node(w->pidfd, w->flags, argv, &w->env, w->out, split ? w->err : w->out, &ee,
			&ce);
	/* A WorkingDir the user may not enter stays so: said now, not at the timeout. */
	if (r >= 0 && ce) {
		w->logged = true;
		return lab_node_cwd_error(&w->env, w->node, ce);
	}
	if (r >= 0 && ee) {
		if (w->cond->kind == LAB_WAIT_REACH && ee == ENOENT)
			log_error("ping is not installed in node '%s'", w->node);
		else
			log_error("'%s': %s in node '%s'", argv[0],
				  ee == ENOENT ? "command not found" : strerror(ee), w->node);
		w->logged = true;
		return -ee;
	}
	return r;
}

static int check_json(struct waiter *w, bool *holds)
{
	char *const *argv = w->cond->argv;
	char line[200];
	json_error_t e;
	int r = run_cmd(w, argv, true);

	if (r < 0)
		return r;
	if (r != 0) {
		last_line(w->err, line, sizeof(line));
		if (!line[0])
			last_line(w->out, line, sizeof(line));
		seen_add(&w->seen, "'%s' exited with status %d%s%s", argv[0], r, line[0] ? ": " : "",
			 line);
		return 0;
	}
	json_t *doc = load_output(w->out, &e);
	if (!doc) {
		output_head(w->out, line, 61);
		if (!line[0])
			seen_add(&w->seen, "'%s' printed nothing", argv[0]);
		else
			seen_add(&w->seen, "the output of '%s' is not JSON: line %d column %d: %s (it begins '%s')",
				 argv[0], e.line, e.column, e.text, line);
		/* Said once, as it happens: the timeout may be far away, and a command that will
		 * never print JSON is worth knowing about early. */
		if (!w->warned)
			log_warning("%s in node '%s'; waiting on", w->seen.buf, w->node);
		w->warned = true;
		return 0;
	}
	json_decref(w->last);
	w->last = doc;
	w->last_matched = *holds = json_match(doc, w->expected);
	seen_add(&w->seen, "the output of '%s' %s", argv[0],
		 *holds ? "matches" : "does not match");
	return 0;
}

/* One check: *holds tells whether the condition (not negated) holds now. */
static int check(struct waiter *w, bool *holds)
{
	const struct lab_wait_cond *cond = w->cond;
	struct nl_error e;
	int r = 0;

	*holds = false;
	seen_reset(&w->seen);
	switch (cond->kind) {
	case LAB_WAIT_ADDR: {
		struct addr_check c = { .want = &w->want, .seen = &w->seen };
		r = nl_dump(w->nl, RTM_GETLINK, AF_UNSPEC, on_link, &c, &e);
		if (r >= 0)
			r = nl_dump(w->nl, RTM_GETADDR, AF_UNSPEC, on_addr, &c, &e);
		*holds = c.found;
		if (r >= 0 && c.seen->items == 0)
			seen_add(&w->seen, "no addresses");
		break;
	}
	case LAB_WAIT_ROUTE: {
		struct route_check c = { .want = &w->want, .seen = &w->seen };
		seen_add(&w->seen, "IPv%d routes: ", w->want.family == AF_INET ? 4 : 6);
		r = nl_dump(w->nl, RTM_GETROUTE, w->want.family, on_route, &c, &e);
		*holds = c.found;
		if (r >= 0 && c.seen->items == 0)
			seen_add(&w->seen, "none");
		break;
	}
	case LAB_WAIT_TCP: {
		struct tcp_check c = { .port = w->port, .seen = &w->seen };
		seen_add(&w->seen, "listening TCP ports: ");
		r = tcp_listeners(w->ev, AF_INET, &c);
		if (r >= 0)
			r = tcp_listeners(w->ev, AF_INET6, &c);
		*holds = c.found;
		if (r >= 0 && c.seen->items == 0)
			seen_add(&w->seen, "none");
		break;
	}
	case LAB_WAIT_REACH:
	case LAB_WAIT_CMD: {
		char *ping[] = { (char *)"ping", (char *)"-c1", (char *)"-W1", (char *)"-n",
				 (char *)cond->arg, NULL };
		char *const *argv = cond->kind == LAB_WAIT_REACH ? ping : cond->argv;
		char line[200];
		r = run_cmd(w, argv, false);
		if (r >= 0) {
			*holds = r == 0;
			last_line(w->out, line, sizeof(line));
			if (cond->kind == LAB_WAIT_REACH)
				seen_add(&w->seen, "ping %s: exit status %d", cond->arg, r);
			else
				seen_add(&w->seen, "'%s' exited with status %d", argv[0], r);
			if (line[0])
				seen_add(&w->seen, ": %s", line);
			r = 0;
		}
		break;
	}
	case LAB_WAIT_JSON:
		r = check_json(w, holds);
		break;
	}
	return r;
}

/* Reads every pending notification; each one says "look again". *touched: one of them took
 * the target away (added it, for `not`), which a dump made after it was undone would not see.
 * Lost events (ENOBUFS) may have been that one. */
static void drain(struct waiter *w, bool *touched)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	char scratch[8];
	struct seen quiet = { .buf = scratch, .size = sizeof(scratch) };
	ssize_t n;

	*touched = false;
	while ((n = recv(mnl_socket_get_fd(w->ev), buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {
			*touched = true;
			continue;
		}
		int rem = (int)n;
		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, rem);
		     h = mnl_nlmsg_next(h, &rem)) {
			bool found, del = h->nlmsg_type == RTM_DELADDR || h->nlmsg_type == RTM_DELROUTE;
			if (w->cond->kind == LAB_WAIT_ADDR) {
				struct addr_check c = { .want = &w->want, .seen = &quiet,
							.any_type = true };
				on_addr(h, &c);
				found = c.found;
			} else {
				struct route_check c = { .want = &w->want, .seen = &quiet,
							 .any_type = true };
				on_route(h, &c);
				found = c.found;
			}
			/* A route added again, not replaced, was gone meanwhile: IPv4 routes
			 * flushed with their link's going down leave without a notification. An
			 * address's RTM_NEWADDR also reports flag changes: only its removal counts. */
			bool readded = !del && w->cond->kind == LAB_WAIT_ROUTE &&
				       !(h->nlmsg_flags & (NLM_F_REPLACE | NLM_F_APPEND));
			if (found && (w->cond->negate ? !del : del || readded))
				*touched = true;
		}
	}
}

static int parse_cond(const struct lab_wait_cond *cond, struct waiter *w)
{
	switch (cond->kind) {
	case LAB_WAIT_ADDR:
	case LAB_WAIT_ROUTE:
		if (parse_target(cond->arg, &w->want) < 0 ||
		    (cond->kind == LAB_WAIT_ADDR && streq(cond->arg, "default")))
			return log_error_errno(-EINVAL, "'%s' is not an %s", cond->arg,
					       cond->kind == LAB_WAIT_ADDR ? "address"
									   : "address prefix");
		return 0;
	case LAB_WAIT_TCP: {
		char *end;
		errno = 0;
		unsigned long v = strtoul(cond->arg, &end, 10);
		if (errno || *end || end == cond->arg || v == 0 || v > 65535)
			return log_error_errno(-EINVAL, "'%s' is not a TCP port", cond->arg);
		w->port = (unsigned)v;
		return 0;
	}
	case LAB_WAIT_JSON:
		return load_expected(cond, &w->expected);
	default:
		return 0;
	}
}

/* Sleeps or waits for events until `until` (ns, CLOCK_MONOTONIC). *touched as drain(). */
static int pause_until(struct waiter *w, uint64_t until, uint64_t *backoff_ms, bool counting,
		       bool *touched)
{
	uint64_t now = now_ns(), left_ms = until > now ? (until - now + 999999) / 1000000 : 0;

	*touched = false;
	if (kind_has_events(w->cond->kind)) {
		/* Notifications wake us; a second without any (100 ms while --stable counts) is
		 * checked anyway. */
		struct pollfd p = { .fd = mnl_socket_get_fd(w->ev), .events = POLLIN };
		uint64_t cap = counting ? 100 : 1000;
		/* EINTR too: a signal is the caller's (^C in a program using libnetlab). */
		if (poll(&p, 1, (int)(left_ms < cap ? left_ms : cap)) < 0)
			return negative_errno();
		drain(w, touched);
		return 0;
	}
	uint64_t ms = *backoff_ms < left_ms ? *backoff_ms : left_ms;
	struct timespec ts = { .tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000 };
	if (nanosleep(&ts, NULL) < 0)
		return negative_errno();
	*backoff_ms = *backoff_ms * 2 > 500 ? 500 : *backoff_ms * 2;
	return 0;
}

/* The loop of checks. With stable_ns, success needs the (possibly negated) condition to hold
 * from one check through every later one for stable_ns; a check that finds it broken, or an
 * event that touched the target meanwhile (addr, route), starts the count again. Polled kinds
 * are checked at least every 100 ms while the count runs, so a break shorter than that between
 * two checks can go unseen (docs/netlab.1.scd). */
static int wait_loop(struct waiter *w, uint64_t timeout_ns, struct lab_wait_result *res)
{
	const struct lab_wait_cond *cond = w->cond;
	uint64_t start = now_ns(), deadline = start + timeout_ns, held_since = 0, backoff = 10;
	bool holding = false, touched = false;
	int r;

	for (;;) {
		bool holds;
		r = check(w, &holds);
		if (r < 0)
			return r;
		if (cond->negate)
			holds = !holds;
		uint64_t now = now_ns();
		if (holding && (!holds || touched)) {
			res->breaks++;
			holding = false;
		}
		if (holds && !holding) {
			holding = true;
			held_since = now;
		}
		res->held_ns = holding ? now - held_since : 0;
		if (holding && now - held_since >= cond->stable_ns)
			return 0;
		if (now >= deadline)
			return -ETIMEDOUT;
		uint64_t until = deadline;
		if (holding) {
			until = held_since + cond->stable_ns < until ? held_since + cond->stable_ns
								     : until;
			if (backoff > 100)
				backoff = 100;
		}
		r = pause_until(w, until, &backoff, holding && cond->stable_ns, &touched);
		if (r < 0)
			return r;
	}
}

int lab_wait_full(const char *lab, const char *node, const struct lab_wait_cond *cond,
		  uint64_t timeout_ns, struct lab_wait_result *res)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	struct waiter w = { .cond = cond, .node = node, .pidfd = -EBADF, .out = -EBADF,
			    .err = -EBADF, .seen = { .buf = res->seen, .size = res->seen_size } };
	size_t idx;
	int r;

	if (res->seen_size)
		res->seen[0] = '\0';
	res->breaks = 0;
	res->held_ns = 0;
	r = parse_cond(cond, &w);
	if (r < 0)
		goto out;
	r = lab_node_open(lab, node, &st, &idx, &w.pidfd);
	if (r < 0)
		goto out;
	w.flags = ns_node_setns_flags(st->nodes[idx].flags);
	lab_node_env_init(&w.env, lab, node, st->nodes[idx].flags);
	/* The user's command runs as the image's User, like exec; reach's ping is netlab's probe
	 * and runs as root. */
	if (cond->kind == LAB_WAIT_CMD || cond->kind == LAB_WAIT_JSON) {
		r = lab_node_env_user(&w.env, w.pidfd, node, NULL);
		if (r < 0) {
			w.logged = true;
			goto out;
		}
	} else {
		w.env.cwd = NULL; /* ping starts in "/" */
	}
	r = waiter_open(&w);
	if (r < 0)
		goto out;
	r = wait_loop(&w, timeout_ns, res);
	if (r < 0 && r != -ETIMEDOUT && !w.logged && r != -EINTR)
		r = log_error_errno(r, "Cannot check node '%s': %m", node);
	/* Why the last document did not match (a timeout, or `not json` that came true). */
	if ((r == 0 || r == -ETIMEDOUT) && w.last && !w.last_matched && res->diff) {
		int k = json_match_diff(w.last, w.expected, res->diff);
		if (k > 0 && res->diff->n) {
			char first[512];
			json_mismatch_format(&res->diff->items[0], first, sizeof(first));
			seen_reset(&w.seen);
			seen_add(&w.seen, "%zu difference%s, first %s", res->diff->total,
				 res->diff->total == 1 ? "" : "s", first);
		}
	}
out:
	safe_close(w.pidfd);
	waiter_done(&w);
	return r;
}

int lab_wait(const char *lab, const char *node, const struct lab_wait_cond *cond,
	     uint64_t timeout_ns, char *seen_buf, size_t seen_size)
{
	struct lab_wait_result res = { .seen = seen_buf, .seen_size = seen_size };
	return lab_wait_full(lab, node, cond, timeout_ns, &res);
}
