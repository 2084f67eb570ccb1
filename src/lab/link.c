/* SPDX-License-Identifier: MIT */
/*
 * Runtime faults on links: netlab link NODE:IF up|down|set|reset|show.
 *
 * The plan comes from the lab's own copy of its topology (lab_load_topology): same ifindexes,
 * addresses and routes as at `up`. A node end is reached through the node's pidfd, a switch end
 * (a bridge port) through the lab init's, which lives in the lab-root namespace.
 */
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "events.h"
#include "impair.h"
#include "lab-handle.h"
#include "lab-internal.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

void lh_done(struct lab_handle *lh)
{
	topo_free(lh->t);
	lab_state_free(lh->st);
	safe_close(lh->init_pidfd);
	safe_close(lh->self_netns);
	*lh = (struct lab_handle){ .init_pidfd = -EBADF, .self_netns = -EBADF };
}

int lh_open(const char *lab, struct lab_handle *lh)
{
	int r;

	*lh = (struct lab_handle){ .init_pidfd = -EBADF, .self_netns = -EBADF, .lab = lab };
	r = lab_open(lab, &lh->st, &lh->init_pidfd);
	if (r < 0)
		return r;
	r = lab_load_topology(lab, &lh->t);
	if (r < 0)
		return r == -ENOENT ? log_error_errno(r, "lab '%s' has no copy of its topology", lab)
				    : r;
	/* A rootless lab: into its user namespace first, or setns() below would be refused. */
	r = lab_userns_join(lh->init_pidfd);
	if (r < 0)
		return r;
	lh->self_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (lh->self_netns < 0)
		return log_error_errno(negative_errno(), "Cannot open our own netns: %m");
	return 0;
}

const char *lh_owner(const struct lab_handle *lh, size_t iface)
{
	const struct topo_iface *f = &lh->t->ifaces[iface];
	return f->on_switch ? lh->t->switches[f->owner].name : lh->t->nodes[f->owner].name;
}

int lh_find_iface(const struct lab_handle *lh, const char *owner, const char *ifname, size_t *ret)
{
	const struct topo *t = lh->t;
	size_t n = topo_find_node(t, owner), s = topo_find_switch(t, owner);

	if (n == TOPO_NONE && s == TOPO_NONE)
		return log_error_errno(-ENOENT, "lab '%s' has no node or switch '%s'", lh->lab, ESCAPED(owner));
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct topo_iface *f = &t->ifaces[i];
		if (f->on_switch ? f->owner == s : f->owner == n)
			if (streq(f->name, ifname)) {
				*ret = i;
				return 0;
			}
	}
	return log_error_errno(-ENOENT, "'%s' has no link interface '%s'", owner, ifname);
}

int lh_enter(struct lab_handle *lh, bool on_switch, size_t owner)
{
	_cleanup_close_ int pidfd = -EBADF;
	int r;

	if (on_switch) {
		if (setns(lh->init_pidfd, CLONE_NEWNET) < 0)
			return log_error_errno(negative_errno(),
					       "Cannot enter the lab-root namespace: %m");
		return 0;
	}
	size_t i = lab_state_find_node(lh->st, lh->t->nodes[owner].name);
	if (i == TOPO_NONE)
		return log_error_errno(-ENOENT, "node '%s' is not in the state of lab '%s'",
				       lh->t->nodes[owner].name, lh->lab);
	r = lab_state_node_pidfd(lh->st, i, &pidfd);
	if (r < 0)
		return log_error_errno(r, "node '%s' is not running: %m", lh->t->nodes[owner].name);
	if (setns(pidfd, CLONE_NEWNET) < 0)
		return log_error_errno(negative_errno(), "Cannot enter node '%s': %m",
				       lh->t->nodes[owner].name);
	return 0;
}

int lh_home(struct lab_handle *lh)
{
	if (setns(lh->self_netns, CLONE_NEWNET) < 0)
		return log_error_errno(negative_errno(), "Cannot return to our own netns: %m");
	return 0;
}

/* Opens a netlink socket in the namespace of iface's owner. */
static int lh_nl(struct lab_handle *lh, bool on_switch, size_t owner, struct nl **ret)
{
	int r = lh_enter(lh, on_switch, owner);
	if (r < 0)
		return r;
	r = nl_open(ret);
	int k = lh_home(lh);
	if (r < 0)
		return log_error_errno(r, "Cannot open netlink in '%s': %m",
				       on_switch ? lh->t->switches[owner].name
						 : lh->t->nodes[owner].name);
	return k;
}

int lh_set_iface_up(struct lab_handle *lh, size_t iface, bool up)
{
	const struct topo_iface *f = &lh->t->ifaces[iface];
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error e = { 0 };
	char who[96];
	int r;

	snprintf(who, sizeof(who), "%s:%s", lh_owner(lh, iface), f->name);
	r = lh_nl(lh, f->on_switch, f->owner, &nl);
	if (r < 0)
		return r;
	r = nl_batch_new(nl, &b);
	if (r < 0)
		return r;
	nl_build_link_updown(nl_batch_buf(b), nl_batch_seq(b), f->ifindex, up);
	r = nl_batch_push(b, 0, &e);
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	if (r < 0)
		return nl_log_error(&e, r, "%s %s", up ? "Cannot bring up" : "Cannot take down", who);
	return 0;
}

/* Sends one request, tolerating the errors in ok[] (0-terminated). */
static int send_tolerant(struct nl_batch *b, const int *ok, struct nl_error *e)
{
	int r = nl_batch_push(b, 0, e);
	if (r >= 0)
		r = nl_batch_flush(b, e);
	for (; r < 0 && *ok; ok++)
		if (r == *ok)
			return 0;
	return r;
}

int lh_restore_node(struct lab_handle *lh, size_t node)
{
	const struct topo *t = lh->t;
	const struct topo_node *n = &t->nodes[node];
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error e = { 0 };
	static const int addr_ok[] = { -EEXIST, 0 };
	/* A route whose gateway sits behind a link that is still down cannot come back yet. */
	static const int route_ok[] = { -EEXIST, -ENETUNREACH, -ENETDOWN, -EHOSTUNREACH, 0 };
	const uint16_t replace = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	int r;

	r = lh_nl(lh, false, node, &nl);
	if (r < 0)
		return r;
	r = nl_batch_new(nl, &b);
	if (r < 0)
		return r;
	/* Taking a link down drops its IPv6 addresses and every route through it; they come
	 * back from the plan (replace: what survived stays as it is). */
	for (size_t k = 0; k < n->n_ifaces; k++) {
		const struct topo_iface *f = &t->ifaces[n->ifaces[k]];
		for (size_t a = 0; a < f->n_addrs; a++) {
			struct nlmsghdr *h = nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), f->ifindex,
							   f->addrs[a].family, f->addrs[a].bytes,
							   f->addrs[a].plen, true);
			if (!h)
				return -EINVAL;
			h->nlmsg_flags = replace;
			r = send_tolerant(b, addr_ok, &e);
			if (r < 0)
				return nl_log_error(&e, r, "Cannot restore an address of %s", n->name);
		}
	}
	for (size_t i = 0; i < t->n_routes; i++) {
		if (t->routes[i].node != node)
			continue;
		struct nl_route spec = lab_nl_route(t, i);
		struct nlmsghdr *h = nl_build_route(nl_batch_buf(b), nl_batch_seq(b), &spec);
		if (!h)
			return -EINVAL;
		h->nlmsg_flags = replace;
		r = send_tolerant(b, route_ok, &e);
		if (r < 0)
			nl_log_warning(&e, r, "Cannot restore a route of '%s'", n->name);
	}
	return 0;
}

int lab_link_updown(const char *lab, const char *node, const char *ifname, bool up,
		    enum lab_link_ends which)
{
	struct lab_handle lh;
	size_t i, ends[2];
	int r;

	r = lh_open(lab, &lh);
	if (r >= 0)
		r = lh_find_iface(&lh, node, ifname, &i);
	if (r < 0)
		goto out;
	ends[0] = i;
	ends[1] = lh.t->ifaces[i].peer;
	for (int k = 0; k < 2; k++) {
		if ((which == LAB_LINK_ONLY && k == 1) || (which == LAB_LINK_PEER && k == 0))
			continue;
		r = lh_set_iface_up(&lh, ends[k], up);
		if (r < 0)
			goto out;
	}
	if (up)
		for (int k = 0; k < 2; k++)
			if (!lh.t->ifaces[ends[k]].on_switch) {
				r = lh_restore_node(&lh, lh.t->ifaces[ends[k]].owner);
				if (r < 0)
					goto out;
			}
	lab_event(lab, "link %s:%s -- %s:%s %s%s", lh_owner(&lh, ends[0]),
		  lh.t->ifaces[ends[0]].name, lh_owner(&lh, ends[1]), lh.t->ifaces[ends[1]].name,
		  up ? "up" : "down",
		  which == LAB_LINK_ONLY ? " (left end only)" : which == LAB_LINK_PEER ? " (right end only)" : "");
out:
	lh_done(&lh);
	return r;
}

/* ---- impairment -------------------------------------------------------------------------- */

/* KEY=VALUE words of `link set`, through the topology file's own table of keys. */
static int parse_kv(const char *const *kv, size_t n, struct topo_impair *ret, uint32_t *ret_keys)
{
	struct topo_impair im = { 0 };
	uint32_t keys = 0;
	char msg[256];

	for (size_t i = 0; i < n; i++)
		if (topo_impair_parse_kv(kv[i], true, &im, &keys, msg, sizeof(msg)) < 0)
			return log_error_errno(-EINVAL, "'%s': %s", kv[i], msg);
	*ret = im;
	*ret_keys = keys;
	return 0;
}

static int impair_end(struct lab_handle *lh, size_t iface, bool reset, const struct topo_impair *nw,
		      uint32_t keys)
{
	const struct topo_iface *f = &lh->t->ifaces[iface];
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct topo_impair cur = { 0 };
	struct nl_error e = { 0 };
	char who[96], msg[128];
	int r, k;

	snprintf(who, sizeof(who), "%s:%s", lh_owner(lh, iface), f->name);
	r = lh_enter(lh, f->on_switch, f->owner);
	if (r < 0)
		return r;
	r = nl_open(&nl);
	if (r >= 0 && !reset)
		r = impair_read(f->ifindex, f->mtu, &cur, NULL, NULL);
	if (r >= 0) {
		if (reset)
			cur = (struct topo_impair){ 0 };
		topo_impair_overlay(&cur, nw, reset ? 0 : keys);
		cur.set = topo_impair_any(&cur);
		if (topo_impair_check(&cur, msg, sizeof(msg)) < 0) {
			log_error("%s: %s", who, msg);
			r = -EINVAL;
		} else
			r = impair_iface(nl, f->ifindex, f->mtu, &cur, false, &e);
	}
	k = lh_home(lh);
	if (r == -ENOENT && e.error == -ENOENT && impair_needs_netem(&cur))
		return log_error_errno(-EOPNOTSUPP, "Cannot impair %s: kernel lacks sch_netem", who);
	if (r < 0)
		return e.error ? nl_log_error(&e, r, "Cannot impair %s", who)
			       : (r == -EINVAL ? r : log_error_errno(r, "Cannot impair %s: %m", who));
	return k;
}

int lab_link_impair(const char *lab, const char *node, const char *ifname, bool one_way,
		    bool reset, const char *const *kv, size_t n_kv)
{
	struct topo_impair nw = { 0 };
	uint32_t keys = 0;
	struct lab_handle lh;
	size_t i;
	int r;

	if (!reset) {
		r = parse_kv(kv, n_kv, &nw, &keys);
		if (r < 0)
			return r;
	}
	r = lh_open(lab, &lh);
	if (r >= 0)
		r = lh_find_iface(&lh, node, ifname, &i);
	if (r < 0)
		goto out;
	r = impair_end(&lh, i, reset, &nw, keys);
	if (r >= 0 && !one_way)
		r = impair_end(&lh, lh.t->ifaces[i].peer, reset, &nw, keys);
	if (r >= 0) {
		char args[512] = "";
		size_t len = 0;
		for (size_t k = 0; k < n_kv && len < sizeof(args) - 1; k++)
			len += (size_t)snprintf(args + len, sizeof(args) - len, " %s", kv[k]);
		lab_event(lab, "link %s:%s %s%s%s", node, ifname, reset ? "reset" : "set",
			  one_way ? " (egress only)" : "", args);
	}
out:
	lh_done(&lh);
	return r;
}

/* ---- show -------------------------------------------------------------------------------- */

struct flags_ctx {
	int ifindex;
	unsigned flags;
	bool found;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct flags_ctx *c = data;
	struct nl_link_info l;

	if (nl_link_parse(nlh, &l) >= 0 && !l.deleted && l.ifindex == c->ifindex) {
		c->flags = l.flags;
		c->found = true;
	}
	return MNL_CB_OK;
}

static void describe_qdiscs(const struct nl_qdisc_info *qs, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && len < size; i++) {
		char where[32];
		if (qs[i].parent == 0xffffffffu)
			snprintf(where, sizeof(where), "root");
		else
			snprintf(where, sizeof(where), "parent %x:%x", qs[i].parent >> 16,
				 qs[i].parent & 0xffff);
		len += (size_t)snprintf(buf + len, size - len, "%s%s %x: %s", i ? ", " : "",
					qs[i].kind, qs[i].handle >> 16, where);
	}
}

static int show_end(struct lab_handle *lh, size_t iface, struct lab_link_end *ret)
{
	const struct topo_iface *f = &lh->t->ifaces[iface];
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct nl_qdisc_info *qs = NULL;
	struct flags_ctx c = { .ifindex = f->ifindex };
	struct nl_error e;
	size_t n = 0;
	int r, k;

	memset(ret, 0, sizeof(*ret));
	snprintf(ret->owner, sizeof(ret->owner), "%s", lh_owner(lh, iface));
	snprintf(ret->ifname, sizeof(ret->ifname), "%s", f->name);
	ret->on_switch = f->on_switch;
	r = lh_enter(lh, f->on_switch, f->owner);
	if (r < 0)
		return r;
	r = nl_open(&nl);
	if (r >= 0)
		r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, on_link, &c, &e);
	if (r >= 0)
		r = impair_read(f->ifindex, f->mtu, &ret->impair, &qs, &n);
	k = lh_home(lh);
	if (r < 0)
		return log_error_errno(r, "Cannot read %s:%s: %m", ret->owner, ret->ifname);
	ret->up = c.flags & IFF_UP;
	ret->carrier = c.flags & IFF_LOWER_UP;
	describe_qdiscs(qs, n, ret->qdiscs, sizeof(ret->qdiscs));
	free(qs);
	return k;
}

int lab_link_show(const char *lab, const char *node, const char *ifname,
		  struct lab_link_end ends[2])
{
	struct lab_handle lh;
	size_t i;
	int r;

	r = lh_open(lab, &lh);
	if (r >= 0)
		r = lh_find_iface(&lh, node, ifname, &i);
	if (r >= 0)
		r = show_end(&lh, i, &ends[0]);
	if (r >= 0)
		r = show_end(&lh, lh.t->ifaces[i].peer, &ends[1]);
	lh_done(&lh);
	return r;
}
