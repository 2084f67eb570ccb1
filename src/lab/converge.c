/* SPDX-License-Identifier: MIT */
/*
 * `netlab converge`: until no node's routing table has changed for a quiet period.
 *
 * One NETLINK_ROUTE socket per node, opened in the node's network namespace and bound to the
 * IPv4 and IPv6 route groups (RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE), and one poll() over all
 * of them: events, not dumps. Netlink messages carry no timestamp (SO_TIMESTAMP gives none on
 * netlink sockets), so a change is dated when we read it, right after poll() wakes; the
 * precision is that of our wake-up, well under a millisecond on an idle machine. Times are
 * CLOCK_REALTIME, the clock of the lab's events.log, so that --since-fault can subtract.
 */
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void lab_converge_free(struct lab_converge *c)
{
	if (!c)
		return;
	free(c->nodes);
	free(c);
}

/* Times relative to the reference: the fault with --since-fault, else the start of watching. */
int64_t lab_converge_rel_ns(const struct lab_converge *c, uint64_t t)
{
	uint64_t ref = c->fault_ns ? c->fault_ns : c->start_ns;
	return (int64_t)(t - ref);
}

const struct lab_converge_node *lab_converge_last(const struct lab_converge *c)
{
	const struct lab_converge_node *last = NULL;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (c->nodes[i].last_ns && (!last || c->nodes[i].last_ns > last->last_ns))
			last = &c->nodes[i];
	return last;
}

/* docs/schema/converge.schema.json. Milliseconds as integers, as in wait --json. */
void lab_converge_write_json(const char *lab, const struct lab_converge *c,
			     const struct lab_converge_opts *o, FILE *f)
{
	const struct lab_converge_node *last = lab_converge_last(c);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_int(&j, "version", 1);
	json_string(&j, "lab", lab);
	json_bool(&j, "converged", c->converged);
	json_string(&j, "reference", c->fault_ns ? "fault" : "start");
	if (c->fault_ns)
		json_string(&j, "fault", c->fault);
	else
		json_string(&j, "fault", NULL);
	json_int(&j, "watch_start_ms", lab_converge_rel_ns(c, c->start_ns) / 1000000);
	json_int(&j, "end_ms", lab_converge_rel_ns(c, c->end_ns) / 1000000);
	json_uint(&j, "quiet_ms", o->quiet_ns / 1000000u);
	json_uint(&j, "timeout_ms", o->timeout_ns / 1000000u);
	if (last)
		json_int(&j, "converged_ms", lab_converge_rel_ns(c, last->last_ns) / 1000000);
	json_string(&j, "last_node", last ? last->name : NULL);
	json_uint(&j, "changes", c->total);
	json_array_begin(&j, "nodes");
	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct lab_converge_node *n = &c->nodes[i];
		json_object_begin(&j, NULL);
		json_string(&j, "name", n->name);
		json_uint(&j, "changes", n->changes);
		if (n->last_ns)
			json_int(&j, "last_change_ms", lab_converge_rel_ns(c, n->last_ns) / 1000000);
		json_bool(&j, "events_lost", n->lost);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_object_end(&j);
	json_finish(&j);
	fflush(f);
}

/* "2026-12-01T21:46:27.123Z MESSAGE": the time in ns since the epoch, or 0. */
static uint64_t parse_event_time(const char *line)
{
	struct tm tm = { 0 };
	const char *p = strptime(line, "%Y-%m-%dT%H:%M:%S", &tm);
	unsigned ms;
	int n = 0;

	if (!p || sscanf(p, ".%3uZ %n", &ms, &n) != 1 || n == 0)
		return 0;
	time_t t = timegm(&tm);
	if (t == (time_t)-1)
		return 0;
	return (uint64_t)t * 1000000000ull + (uint64_t)ms * 1000000ull;
}

int lab_last_fault(const char *lab, uint64_t *ret_ns, char *what, size_t what_size)
{
	char path[LAB_PATH_MAX], buf[8192];
	_cleanup_close_ int fd = -EBADF;
	off_t end;
	ssize_t n;

	if (lab_path(path, lab, "events.log") < 0)
		return log_error_errno(-ENAMETOOLONG, "Cannot name the events.log of lab '%s': %m",
				       lab);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	if (fd < 0)
		return log_error_errno(negative_errno(), "Cannot open %s: %m", path);
	end = lseek(fd, 0, SEEK_END);
	if (end < 0)
		return negative_errno();
	/* Only the last line matters: read the end of the file. */
	n = pread(fd, buf, sizeof(buf) - 1, end > (off_t)sizeof(buf) - 1 ? end - (off_t)sizeof(buf) + 1 : 0);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	while (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	char *line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	uint64_t t = parse_event_time(line);
	if (!t)
		return -ENOENT;
	const char *msg = strchr(line, ' ');
	snprintf(what, what_size, "%s", msg ? msg + 1 : "");
	*ret_ns = t;
	return 0;
}

struct watch {
	struct mnl_socket **socks;
	struct pollfd *pfd;
	size_t n;
};

static void watch_done(struct watch *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (w->socks && w->socks[i])
			mnl_socket_close(w->socks[i]);
	free(w->socks);
	free(w->pfd);
}

/* A socket per node, subscribed before anything is counted. */
static int watch_open(const char *lab, struct watch *w, struct lab_converge *c)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	int r;

	r = lab_state_load(lab, &st);
	if (r == -ENOENT)
		return log_error_errno(r, "no lab '%s' is up", lab);
	if (r < 0)
		return log_error_errno(r, "Cannot read the state of lab '%s': %m", lab);
	if (st->n_nodes == 0)
		return log_error_errno(-ENOENT, "lab '%s' has no nodes", lab);
	w->socks = calloc(st->n_nodes, sizeof(*w->socks));
	w->pfd = calloc(st->n_nodes, sizeof(*w->pfd));
	c->nodes = calloc(st->n_nodes, sizeof(*c->nodes));
	if (!w->socks || !w->pfd || !c->nodes)
		return -ENOMEM;
	ns_raise_nofile();
	for (size_t i = 0; i < st->n_nodes; i++) {
		_cleanup_close_ int pidfd = -EBADF;
		/* The first node goes through the one way into a lab (liveness, messages). */
		if (i == 0)
			r = lab_node_open(lab, st->nodes[0].name, NULL, NULL, &pidfd);
		else {
			r = lab_state_node_pidfd(st, i, &pidfd);
			if (r < 0)
				log_error_errno(r, "node '%s' of lab '%s' is not running",
						st->nodes[i].name, lab);
		}
		if (r < 0)
			return r;
		r = nl_open_events_in(pidfd, NETLINK_ROUTE, RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
				      4 << 20, &w->socks[i]);
		if (r < 0)
			return log_error_errno(r, "Cannot watch the routes of node '%s': %m",
					       st->nodes[i].name);
		w->pfd[i] = (struct pollfd){ .fd = mnl_socket_get_fd(w->socks[i]), .events = POLLIN };
		snprintf(c->nodes[i].name, sizeof(c->nodes[i].name), "%s", st->nodes[i].name);
		w->n = c->n_nodes = i + 1;
	}
	return 0;
}

/* Reads what node i's socket holds; returns the number of table changes in it. */
static unsigned watch_read(struct watch *w, size_t i, bool *lost)
{
	char buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	unsigned changes = 0;
	ssize_t n;

	while ((n = recv(w->pfd[i].fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		if (n < 0) {
			/* The kernel dropped events: how many is unknown; at least one. */
			*lost = true;
			changes++;
			continue;
		}
		int rem = (int)n;
		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, rem);
		     h = mnl_nlmsg_next(h, &rem)) {
			struct nl_route_info r;
			if (nl_parse_route(h, &r) == 0 && nl_route_is_table_change(&r))
				changes++;
		}
	}
	return changes;
}

static int watch_loop(struct watch *w, const struct lab_converge_opts *o, struct lab_converge *c)
{
	uint64_t start = clock_ns(CLOCK_MONOTONIC), last = start;

	for (;;) {
		uint64_t now = clock_ns(CLOCK_MONOTONIC);
		if (now - last >= o->quiet_ns) {
			c->converged = true;
			return 0;
		}
		if (now - start >= o->timeout_ns)
			return -ETIMEDOUT;
		uint64_t left = o->quiet_ns - (now - last);
		if (o->timeout_ns - (now - start) < left)
			left = o->timeout_ns - (now - start);
		int k = poll(w->pfd, w->n, (int)((left + 999999) / 1000000));
		/* A signal is the caller's (^C in a Python test): give control back. */
		if (k < 0)
			return negative_errno();
		if (k == 0)
			continue;
		uint64_t real = clock_ns(CLOCK_REALTIME), mono = clock_ns(CLOCK_MONOTONIC);
		for (size_t i = 0; i < w->n; i++) {
			if (!w->pfd[i].revents)
				continue;
			unsigned ch = watch_read(w, i, &c->nodes[i].lost);
			if (!ch)
				continue;
			c->nodes[i].changes += ch;
			c->nodes[i].last_ns = real;
			c->total += ch;
			last = mono;
		}
	}
}

int lab_converge(const char *lab, const struct lab_converge_opts *o, struct lab_converge **ret)
{
	_cleanup_(lab_converge_freep) struct lab_converge *c = NULL;
	struct watch w = { 0 };
	int r;

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (o->since_fault) {
		r = lab_last_fault(lab, &c->fault_ns, c->fault, sizeof(c->fault));
		if (r == -ENOENT)
			return log_error_errno(-ENOENT,
					       "lab '%s' has no fault in its events.log to measure from "
					       "(netlab link and netlab node record them)",
					       lab);
		if (r < 0)
			return r;
	}
	r = watch_open(lab, &w, c);
	if (r >= 0) {
		c->start_ns = clock_ns(CLOCK_REALTIME);
		r = watch_loop(&w, o, c);
		c->end_ns = clock_ns(CLOCK_REALTIME);
	}
	watch_done(&w);
	if (r < 0 && r != -ETIMEDOUT)
		return r;
	*ret = TAKE_PTR(c);
	return r;
}
