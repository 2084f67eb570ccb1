/* SPDX-License-Identifier: MIT */
/*
 * Parsing kernel notifications: pure, like the builders, so that lab/ never walks attributes
 * and unit tests build a message and read it back.
 */
#include <errno.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl.h"

static int route_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	int type = mnl_attr_get_type(a);
	if (type <= RTA_MAX)
		tb[type] = a;
	return MNL_CB_OK;
}

int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route_info *ret)
{
	const struct nlattr *tb[RTA_MAX + 1] = { 0 };
	const struct rtmsg *rtm;
	size_t len;

	if ((nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE) ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -EINVAL;
	rtm = mnl_nlmsg_get_payload(nlh);
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -EINVAL;
	if (mnl_attr_parse(nlh, sizeof(*rtm), route_attr, tb) < 0)
		return -EINVAL;
	*ret = (struct nl_route_info){
		.deleted = nlh->nlmsg_type == RTM_DELROUTE,
		.family = rtm->rtm_family,
		.dst_len = rtm->rtm_dst_len,
		.type = rtm->rtm_type,
		.protocol = rtm->rtm_protocol,
		.table = tb[RTA_TABLE] ? mnl_attr_get_u32(tb[RTA_TABLE]) : rtm->rtm_table,
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
