/* SPDX-License-Identifier: MIT */
/*
 * IPv6 link-local addresses usable when `up` returns.
 *
 * The kernel makes an interface's link-local address when its carrier comes up, flagged
 * tentative until its DAD work has run; that work takes RTNL even with accept_dad=0 (which the
 * node sets before its links exist). While another lab's teardown holds RTNL (each bridge costs
 * it ~16 ms, docs/PERFORMANCE.md), the address stays tentative for seconds after `up` has
 * returned, and whatever speaks from it (OSPFv3, RIPng, BGP unnumbered, the neighbour
 * discovery behind the first IPv6 packet across a router) cannot start. Replacing each still
 * tentative one by the same address flagged NODAD makes it usable at once. The kernel's own
 * address generation stays on, so a link taken down and up by hand gets its link-local again.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"
#include "nl.h"

struct tentative {
	int ifindex;
	uint8_t plen;
	uint8_t addr[16];
};

struct found {
	struct tentative *v;
	size_t n, cap;
};

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct found *f = data;
	struct nl_addr_info a;

	if (nl_addr_parse(nlh, &a) < 0 || a.deleted || a.family != AF_INET6 ||
	    a.scope != RT_SCOPE_LINK || !a.has_addr)
		return MNL_CB_OK;
	if (!(a.flags & IFA_F_TENTATIVE) || (a.flags & IFA_F_DADFAILED))
		return MNL_CB_OK;
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct tentative *v = reallocarray(f->v, cap, sizeof(*v));
		if (!v)
			return -ENOMEM;
		f->v = v;
		f->cap = cap;
	}
	f->v[f->n].ifindex = a.ifindex;
	f->v[f->n].plen = a.prefixlen;
	memcpy(f->v[f->n].addr, a.addr, 16);
	f->n++;
	return MNL_CB_OK;
}

/* Replaces every tentative link-local of node `i`, through nl (a socket in its namespace). */
static int settle_node(const struct lab_up_ctx *c, size_t i, struct nl *nl)
{
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct found f = { 0 };
	struct nl_error e = { 0 };
	int r;

	r = nl_dump(nl, RTM_GETADDR, AF_INET6, on_addr, &f, &e);
	if (r == -EAGAIN) /* the table changed under the dump: once more */
		r = nl_dump(nl, RTM_GETADDR, AF_INET6, on_addr, &f, &e);
	if (r < 0)
		goto out;
	if (f.n == 0)
		goto out;
	r = nl_batch_new(nl, &b);
	if (r < 0)
		goto out;
	for (size_t k = 0; k < f.n; k++) {
		const struct tentative *x = &f.v[k];
		nl_build_addr_del(nl_batch_buf(b), nl_batch_seq(b), x->ifindex, AF_INET6, x->addr,
				  x->plen);
		r = nl_batch_push(b, (uintptr_t)x->ifindex, &e);
		if (r < 0)
			break;
		nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), x->ifindex, AF_INET6, x->addr,
			      x->plen, true);
		r = nl_batch_push(b, (uintptr_t)x->ifindex, &e);
		if (r < 0)
			break;
	}
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	/* Its DAD work may have finished between the dump and the delete: then the address is
	 * already usable (or already made again by us), which is all this is for. */
	if (r == -EADDRNOTAVAIL || r == -EEXIST)
		r = 0;
out:
	if (r < 0)
		nl_log_error(&e, r, "Cannot make the IPv6 link-local addresses of node '%s' usable",
			     c->t->nodes[i].name);
	free(f.v);
	return r;
}

int lab_link_locals_settle(const struct lab_up_ctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		_cleanup_(nl_closep) struct nl *nl = NULL;
		int r;

		if ((c->specs[i].flags & NS_NODE_NO_IPV6) || t->nodes[i].n_ifaces == 0)
			continue;
		r = nl_open_in(c->nodes[i].netns_fd, &nl);
		if (r < 0)
			return log_error_errno(r, "Cannot open netlink in node '%s': %m",
					       t->nodes[i].name);
		r = settle_node(c, i, nl);
		if (r < 0)
			return r;
	}
	return 0;
}
