/* SPDX-License-Identifier: MIT */
/* A node's interfaces as the kernel has them now: a netlink dump from inside the node. */
#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"

struct ifs {
	struct lab_ifinfo *v;
	size_t n, cap;
};

static int link_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (mnl_attr_type_valid(a, IFLA_MAX) >= 0)
		tb[type] = a;
	return MNL_CB_OK;
}

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct ifs *s = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	struct lab_ifinfo *i;

	if (nlh->nlmsg_type != RTM_NEWLINK)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), link_attr, tb);
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct lab_ifinfo *v = realloc(s->v, nc * sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	i = &s->v[s->n++];
	memset(i, 0, sizeof(*i));
	i->ifindex = ifi->ifi_index;
	i->flags = ifi->ifi_flags;
	if (tb[IFLA_IFNAME])
		snprintf(i->name, sizeof(i->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MTU])
		i->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(i->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	return MNL_CB_OK;
}

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, IFA_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct ifs *s = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *a;
	size_t len = ifa->ifa_family == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifa), addr_attr, tb);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != len)
		return MNL_CB_OK;
	for (size_t k = 0; k < s->n; k++) {
		struct lab_ifinfo *i = &s->v[k];
		if (i->ifindex != (int)ifa->ifa_index || i->n_addrs >= ELEMENTSOF(i->addrs))
			continue;
		struct topo_addr *t = &i->addrs[i->n_addrs++];
		memset(t, 0, sizeof(*t));
		t->family = ifa->ifa_family;
		t->plen = ifa->ifa_prefixlen;
		memcpy(t->bytes, mnl_attr_get_payload(a), len);
	}
	return MNL_CB_OK;
}

int lab_node_interfaces(const struct lab_state *st, size_t node, struct lab_ifinfo **ret,
			size_t *ret_n)
{
	_cleanup_close_ int pidfd = -EBADF;
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct ifs s = { 0 };
	struct nl_error e;
	int r;

	r = lab_state_node_pidfd(st, node, &pidfd);
	if (r < 0)
		return r;
	r = nl_open_in(pidfd, &nl);
	if (r < 0)
		return r;

	r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, on_link, &s, &e);
	if (r >= 0)
		r = nl_dump(nl, RTM_GETADDR, AF_UNSPEC, on_addr, &s, &e);
	if (r < 0) {
		free(s.v);
		return r;
	}
	*ret = s.v;
	*ret_n = s.n;
	return 0;
}
