/* SPDX-License-Identifier: MIT */
/*
 * Parsing kernel messages: pure, like the builders, so that lab/ never walks attributes and
 * unit tests build a message and read it back.
 *
 * Attributes are collected by one strict walker: mnl_attr_parse() stops quietly at an attribute
 * whose length is shorter than its header or runs past the end of the message, so a truncated
 * or hostile message would read as a shorter valid one. Here it is an error; only the up to 3
 * bytes of padding an attribute may leave at the end are allowed.
 */
#include <errno.h>
#include <string.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl.h"

/* The attributes in [start, end) into tb[0..max] by type (the last of a type wins; types above
 * max are skipped). -EBADMSG when one is malformed. */
static int attr_table(const void *start, const void *end, const struct nlattr **tb, uint16_t max)
{
	const struct nlattr *a = start;
	long rem = (const char *)end - (const char *)start;

	while (rem > 0 && mnl_attr_ok(a, (int)rem)) {
		uint16_t type = mnl_attr_get_type(a);
		if (type <= max)
			tb[type] = a;
		rem -= MNL_ALIGN(a->nla_len);
		a = mnl_attr_next(a);
	}
	return rem >= (long)sizeof(struct nlattr) ? -EBADMSG : 0;
}

/* The attributes of nlh after its family header of hdrlen bytes. */
static int msg_attrs(const struct nlmsghdr *nlh, size_t hdrlen, const struct nlattr **tb,
		     uint16_t max)
{
	if (nlh->nlmsg_len < NLMSG_LENGTH(hdrlen))
		return -EBADMSG;
	/* Not mnl_nlmsg_get_payload_tail(): it rounds nlmsg_len up, past the message's end. */
	return attr_table(mnl_nlmsg_get_payload_offset(nlh, hdrlen),
			  (const char *)nlh + nlh->nlmsg_len, tb, max);
}

/* A string attribute into buf, with or without its NUL (iproute2 writes IFLA_INFO_KIND
 * without). -EBADMSG when it does not fit. */
static int attr_str(const struct nlattr *a, char *buf, size_t size)
{
	size_t len = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));

	if (len >= size)
		return -EBADMSG;
	memcpy(buf, mnl_attr_get_payload(a), len);
	buf[len] = '\0';
	return 0;
}

/* A fixed-size attribute of exactly len bytes; -EBADMSG otherwise. */
static int attr_fixed(const struct nlattr *a, void *ret, size_t len)
{
	if (mnl_attr_get_payload_len(a) != len)
		return -EBADMSG;
	memcpy(ret, mnl_attr_get_payload(a), len);
	return 0;
}

/* ---- routes ------------------------------------------------------------------------------ */

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route_info *ret)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct rtmsg *rtm;
	uint32_t table;
	size_t len;

	if ((nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EINVAL;
	if (msg_attrs(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -EINVAL;
	table = rtm->rtm_table;
	if (tb[RTA_TABLE] && attr_fixed(tb[RTA_TABLE], &table, sizeof(table)) < 0)
		return -EINVAL;
	*ret = (struct nl_route_info){
		.deleted = nlh->nlmsg_type == RTM_DELROUTE,
		.family = rtm->rtm_family,
		.dst_len = rtm->rtm_dst_len,
		.type = rtm->rtm_type,
		.protocol = rtm->rtm_protocol,
		.table = table,
		.cloned = (rtm->rtm_flags & RTM_F_CLONED) != 0,
	};
	len = rtm->rtm_family == AF_INET ? 4 : 16;
	if (tb[RTA_DST] && mnl_attr_get_payload_len(tb[RTA_DST]) == len)
		memcpy(ret->dst, mnl_attr_get_payload(tb[RTA_DST]), len);
	return 0;
}

bool nl_route_is_table_change(const struct nl_route_info *r)
{
	if (r->table == RT_TABLE_LOCAL || r->cloned)
		return false;
	/* fe80::/64 and multicast routes come and go with every link's state, in every node: they
	 * say nothing about routing. */
	if (r->family == AF_INET6 && (r->dst[0] == 0xff || (r->dst[0] == 0xfe && (r->dst[1] & 0xc0) == 0x80)))
		return false;
	return true;
}

/* ---- links ------------------------------------------------------------------------------- */

static int link_kind(const struct nlattr *linkinfo, char *kind, size_t size)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1] = { 0 };
	int r;

	r = attr_table(mnl_attr_get_payload(linkinfo),
		       (const char *)linkinfo + linkinfo->nla_len, tb, IFLA_INFO_MAX);
	if (r < 0)
		return r;
	return tb[IFLA_INFO_KIND] ? attr_str(tb[IFLA_INFO_KIND], kind, size) : 0;
}

int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link_info *ret)
{
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi;
	struct nl_link_info l;
	uint32_t master = 0;
	int r;

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	r = msg_attrs(nlh, sizeof(*ifi), tb, IFLA_MAX);
	if (r < 0)
		return r;
	ifi = mnl_nlmsg_get_payload(nlh);
	l = (struct nl_link_info){
		.deleted = nlh->nlmsg_type == RTM_DELLINK,
		.ifindex = ifi->ifi_index,
		.flags = ifi->ifi_flags,
		.type = ifi->ifi_type,
		.operstate = IF_OPER_UNKNOWN,
	};
	if ((tb[IFLA_IFNAME] && attr_str(tb[IFLA_IFNAME], l.name, sizeof(l.name)) < 0) ||
	    (tb[IFLA_MTU] && attr_fixed(tb[IFLA_MTU], &l.mtu, sizeof(l.mtu)) < 0) ||
	    (tb[IFLA_MASTER] && attr_fixed(tb[IFLA_MASTER], &master, sizeof(master)) < 0) ||
	    (tb[IFLA_OPERSTATE] &&
	     attr_fixed(tb[IFLA_OPERSTATE], &l.operstate, sizeof(l.operstate)) < 0) ||
	    (tb[IFLA_LINKINFO] && link_kind(tb[IFLA_LINKINFO], l.kind, sizeof(l.kind)) < 0))
		return -EBADMSG;
	if (tb[IFLA_ADDRESS]) {
		l.addr_len = mnl_attr_get_payload_len(tb[IFLA_ADDRESS]);
		if (l.addr_len > sizeof(l.addr))
			return -EBADMSG;
		memcpy(l.addr, mnl_attr_get_payload(tb[IFLA_ADDRESS]), l.addr_len);
	}
	l.master = (int)master;
	*ret = l;
	return 0;
}

/* ---- addresses --------------------------------------------------------------------------- */

int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr_info *ret)
{
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct nl_addr_info x;
	size_t len;
	int r;

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	r = msg_attrs(nlh, sizeof(*ifa), tb, IFA_MAX);
	if (r < 0)
		return r;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -EAFNOSUPPORT;
	x = (struct nl_addr_info){
		.deleted = nlh->nlmsg_type == RTM_DELADDR,
		.family = ifa->ifa_family,
		.ifindex = (int)ifa->ifa_index,
		.prefixlen = ifa->ifa_prefixlen,
		.scope = ifa->ifa_scope,
		.flags = ifa->ifa_flags,
	};
	/* IFA_FLAGS carries all 32 bits; ifa_flags only the first 8. */
	if (tb[IFA_FLAGS] && attr_fixed(tb[IFA_FLAGS], &x.flags, sizeof(x.flags)) < 0)
		return -EBADMSG;
	/* IFA_LOCAL is the interface's own address where both are given (IPv4 always; a peer
	 * address, where IFA_ADDRESS is the other end). */
	len = x.family == AF_INET ? 4 : 16;
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (a) {
		if (attr_fixed(a, x.addr, len) < 0)
			return -EBADMSG;
		x.has_addr = true;
	}
	*ret = x;
	return 0;
}
