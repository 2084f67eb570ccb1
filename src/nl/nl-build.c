/* SPDX-License-Identifier: MIT */
/*
 * Pure rtnetlink request builders. Each one writes a whole request at buf (at most NL_MSG_MAX
 * bytes) and returns its header; nothing is allocated and no socket is touched.
 *
 * The encodings follow iproute2: ip/iplink.c (iplink_modify, iplink_parse), ip/link_veth.c,
 * ip/iplink_bridge.c, ip/ipaddress.c (ipaddr_modify) and ip/iproute.c (iproute_modify).
 *
 * Invalid arguments (a missing or too long name, an unknown family, a prefix length out of
 * range) make a builder return NULL. It has then still written an empty header (type 0, seq 0)
 * at buf, so a careless nl_batch_push() of it is refused instead of sending stale bytes.
 */
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#include "nl.h"

/* Starts a request: zeroed header and family header, NLM_F_REQUEST|NLM_F_ACK plus flags. */
static struct nlmsghdr *put_request(void *buf, uint32_t seq, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	return nlh;
}

/* Leaves an empty header behind (see the top of the file) and reports EINVAL. */
static struct nlmsghdr *invalid(void *buf)
{
	mnl_nlmsg_put_header(buf);
	errno = EINVAL;
	return NULL;
}

static bool ifname_valid(const char *name)
{
	if (!name)
		return false;
	size_t n = strnlen(name, IFNAMSIZ);
	return n > 0 && n < IFNAMSIZ;
}

static int addr_len(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return -EAFNOSUPPORT;
	}
}

/* IFLA_INFO_KIND as iproute2 writes it (iplink_modify): strlen(type), no NUL. */
static void put_kind(struct nlmsghdr *nlh, const char *kind)
{
	mnl_attr_put(nlh, IFLA_INFO_KIND, strlen(kind), kind);
}

/* The attributes one veth end carries, on the main message or inside VETH_INFO_PEER. */
static void put_link_end_attrs(struct nlmsghdr *nlh, const struct nl_link_end *e)
{
	/* iplink_modify: IFLA_IFNAME with its NUL. */
	mnl_attr_put_strz(nlh, IFLA_IFNAME, e->name);
	if (e->netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)e->netns_fd);
	if (e->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, e->mac);
	if (e->mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, e->mtu);
	/* Written for both ends, as iproute2 would; note that veth_newlink() ignores IFLA_MASTER
	 * inside VETH_INFO_PEER (verified on 6.18), so the peer is enslaved afterwards with
	 * nl_build_link_master(). */
	if (e->master > 0)
		mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)e->master);
}

struct nlmsghdr *nl_build_veth(void *buf, uint32_t seq, const struct nl_link_end *a,
			       const struct nl_link_end *b)
{
	if (!a || !b || !ifname_valid(a->name) || !ifname_valid(b->name) || a->ifindex < 0 ||
	    b->ifindex < 0)
		return invalid(buf);

	struct nlmsghdr *nlh = put_request(buf, seq, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = a->ifindex;
	if (a->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	put_link_end_attrs(nlh, a);

	/* link_veth.c: LINKINFO { KIND "veth", DATA { VETH_INFO_PEER { ifinfomsg, attrs } } }. */
	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	put_kind(nlh, "veth");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	struct nlattr *peer = mnl_attr_nest_start(nlh, VETH_INFO_PEER);
	struct ifinfomsg *pifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*pifi));
	pifi->ifi_family = AF_UNSPEC;
	/* veth_newlink() uses this only when the main end's ifi_index is set too; otherwise the
	 * peer gets whatever index its namespace hands out. */
	pifi->ifi_index = b->ifindex;
	/* b->up is deliberately not encoded: the peer is configured before the two ends are tied
	 * together, so veth_open() would fail the whole request with ENOTCONN. */
	put_link_end_attrs(nlh, b);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

/*
 * Forward delay with STP on: the kernel's minimum, BR_MIN_FORWARD_DELAY (2 s). The value is a
 * clock_t in USER_HZ units, i.e. centiseconds (br_set_forward_delay() converts it with
 * clock_t_to_jiffies()), so 200 = 2 s against the default 1500 = 15 s: ports of a lab bridge
 * reach forwarding in 4 s instead of 30 s. br_stp_start() would clamp anything lower up to 200.
 */
#define NL_BRIDGE_STP_FORWARD_DELAY 200

struct nlmsghdr *nl_build_bridge(void *buf, uint32_t seq, const struct nl_bridge *br)
{
	if (!br || !ifname_valid(br->name) || br->ifindex < 0)
		return invalid(buf);

	struct nlmsghdr *nlh = put_request(buf, seq, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = br->ifindex;
	if (br->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	mnl_attr_put_strz(nlh, IFLA_IFNAME, br->name);
	if (br->mac)
		mnl_attr_put(nlh, IFLA_ADDRESS, 6, br->mac);

	/* iplink_bridge.c: stp_state and forward_delay as u32, mcast_snooping as u8. The kernel
	 * (br_changelink) applies FORWARD_DELAY before STP_STATE whatever the attribute order. */
	struct nlattr *linkinfo = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	put_kind(nlh, "bridge");
	struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	if (br->stp)
		mnl_attr_put_u32(nlh, IFLA_BR_FORWARD_DELAY, NL_BRIDGE_STP_FORWARD_DELAY);
	mnl_attr_put_u32(nlh, IFLA_BR_STP_STATE, br->stp ? 1 : 0);
	/* Snooping off: it doubles the teardown of large switches (docs/PERFORMANCE.md, kernel costs). */
	mnl_attr_put_u8(nlh, IFLA_BR_MCAST_SNOOPING, 0);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, linkinfo);
	return nlh;
}

/* ip link set dev X up|down: no NLM_F_CREATE, ifi_change limited to IFF_UP. */
static struct nlmsghdr *put_link_change(void *buf, uint32_t seq, int ifindex)
{
	struct nlmsghdr *nlh = put_request(buf, seq, RTM_NEWLINK, 0);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return nlh;
}

struct nlmsghdr *nl_build_link_updown(void *buf, uint32_t seq, int ifindex, bool up)
{
	if (ifindex <= 0)
		return invalid(buf);

	struct nlmsghdr *nlh = put_link_change(buf, seq, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_change = IFF_UP;
	ifi->ifi_flags = up ? IFF_UP : 0;
	return nlh;
}

struct nlmsghdr *nl_build_link_master(void *buf, uint32_t seq, int ifindex, int master, bool up)
{
	if (ifindex <= 0 || master < 0)
		return invalid(buf);

	struct nlmsghdr *nlh = put_link_change(buf, seq, ifindex);
	struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	if (up) {
		ifi->ifi_change = IFF_UP;
		ifi->ifi_flags = IFF_UP;
	}
	/* ip link set X nomaster sends IFLA_MASTER 0. */
	mnl_attr_put_u32(nlh, IFLA_MASTER, (uint32_t)master);
	return nlh;
}

struct nlmsghdr *nl_build_addr(void *buf, uint32_t seq, int ifindex, int family,
			       const uint8_t *addr, uint8_t plen, bool nodad)
{
	int alen = addr_len(family);

	if (alen < 0 || !addr || ifindex <= 0 || plen > alen * 8)
		return invalid(buf);

	struct nlmsghdr *nlh = put_request(buf, seq, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	/* ipaddress.c default_scope(): 127.0.0.0/8 is host scope, everything else universe. */
	ifa->ifa_scope = family == AF_INET && addr[0] == 127 ? RT_SCOPE_HOST : RT_SCOPE_UNIVERSE;

	if (family == AF_INET) {
		/* ipaddr_modify: IFA_LOCAL, then IFA_ADDRESS = local when no peer. */
		mnl_attr_put(nlh, IFA_LOCAL, 4, addr);
		mnl_attr_put(nlh, IFA_ADDRESS, 4, addr);
		/* "brd +": host bits set. /31 (RFC 3021) and /32 have no broadcast. */
		if (plen < 31) {
			uint32_t a, mask = plen ? htonl(~0u << (32 - plen)) : 0;
			memcpy(&a, addr, 4);
			a |= ~mask;
			mnl_attr_put(nlh, IFA_BROADCAST, 4, &a);
		}
	} else {
		mnl_attr_put(nlh, IFA_ADDRESS, 16, addr);
		/* DAD only exists for IPv6; the kernel would store IFA_F_NODAD on an IPv4
		 * address, where it means nothing, so it is not sent for those. IFA_F_NODAD fits
		 * in the 8-bit ifa_flags; IFA_FLAGS (preferred by the kernel) carries it too. */
		if (nodad) {
			ifa->ifa_flags = IFA_F_NODAD;
			mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_NODAD);
		}
	}
	return nlh;
}

struct nlmsghdr *nl_build_addr_del(void *buf, uint32_t seq, int ifindex, int family,
				   const uint8_t *addr, uint8_t plen)
{
	int alen = addr_len(family);

	if (alen < 0 || !addr || ifindex <= 0 || plen > alen * 8)
		return invalid(buf);

	struct nlmsghdr *nlh = put_request(buf, seq, RTM_DELADDR, 0);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = (uint8_t)family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_index = (uint32_t)ifindex;
	/* ipaddr_modify() for "ip addr del": IFA_LOCAL only, never IFA_ADDRESS. */
	mnl_attr_put(nlh, IFA_LOCAL, (size_t)alen, addr);
	return nlh;
}

struct nlmsghdr *nl_build_route(void *buf, uint32_t seq, const struct nl_route *rt)
{
	int alen = rt ? addr_len(rt->family) : -EINVAL;

	if (alen < 0 || rt->dst_len > alen * 8 || (!rt->dst && rt->dst_len) ||
	    (!rt->gw && rt->oif <= 0) || rt->oif < 0)
		return invalid(buf);

	struct nlmsghdr *nlh = put_request(buf, seq, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (uint8_t)rt->family;
	rtm->rtm_dst_len = rt->dst_len;
	rtm->rtm_table = RT_TABLE_MAIN;
	rtm->rtm_protocol = RTPROT_STATIC;
	rtm->rtm_type = RTN_UNICAST;
	/*
	 * iproute_modify(): a unicast route without a gateway gets scope link, one with a gateway
	 * scope universe. This matters beyond looks: the kernel resolves a gateway only through
	 * routes of scope link or narrower (fib_check_nh_v4_gw looks up with fc_scope + 1), so a
	 * device route added with scope universe could not serve as the way to a later gateway.
	 */
	rtm->rtm_scope = rt->gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;

	/* "default" has no RTA_DST in iproute2; an explicit 0.0.0.0/0 does. */
	if (rt->dst)
		mnl_attr_put(nlh, RTA_DST, (size_t)alen, rt->dst);
	if (rt->gw)
		mnl_attr_put(nlh, RTA_GATEWAY, (size_t)alen, rt->gw);
	if (rt->oif > 0)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
	if (rt->metric)
		mnl_attr_put_u32(nlh, RTA_PRIORITY, rt->metric);
	return nlh;
}

struct nlmsghdr *nl_build_dump(void *buf, uint32_t seq, uint16_t type, int family)
{
	/* iproute2 (rtnl_linkdump_req, rtnl_addrdump_req) sends dumps without NLM_F_ACK: a dump
	 * ends with NLMSG_DONE, and a dump that cannot start still gets an NLMSG_ERROR. */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;

	/* The family header the kernel expects for each dump (it checks its size under
	 * NETLINK_GET_STRICT_CHK). */
	switch (type) {
	case RTM_GETLINK: {
		struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
		ifi->ifi_family = (uint8_t)family;
		break;
	}
	case RTM_GETADDR: {
		struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
		ifa->ifa_family = (uint8_t)family;
		break;
	}
	case RTM_GETROUTE: {
		struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
		rtm->rtm_family = (uint8_t)family;
		break;
	}
	default: {
		struct rtgenmsg *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
		g->rtgen_family = (uint8_t)family;
		break;
	}
	}
	return nlh;
}
