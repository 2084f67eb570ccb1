/* SPDX-License-Identifier: MIT */
/*
 * Builders: build each request into a buffer and parse it back with libmnl, checking the
 * header, the family header and every attribute (type, length, value, nesting).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <libmnl/libmnl.h>

#include "nl.h"

#define MAXTYPE 64

struct attrs {
	const struct nlattr *tb[MAXTYPE + 1];
	unsigned count[MAXTYPE + 1];
	unsigned total;
};

/* Collects attributes by type, counting duplicates so a test sees every attribute. */
static int collect_cb(const struct nlattr *attr, void *data)
{
	struct attrs *a = data;
	uint16_t type = mnl_attr_get_type(attr);

	assert_true(type <= MAXTYPE);
	/* libmnl marks nests NLA_F_NESTED (the kernel masks it, and wants it under strict
	 * validation); nothing is flagged byte order. */
	assert_int_equal(attr->nla_type & NLA_F_NET_BYTEORDER, 0);
	if (attr->nla_type & NLA_F_NESTED)
		assert_int_equal(mnl_attr_validate(attr, MNL_TYPE_NESTED), 0);
	a->tb[type] = attr;
	a->count[type]++;
	a->total++;
	return MNL_CB_OK;
}

static void parse_msg(const struct nlmsghdr *nlh, size_t hdrlen, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	assert_int_equal(mnl_attr_parse(nlh, (unsigned)hdrlen, collect_cb, a), MNL_CB_OK);
}

static void parse_nested(const struct nlattr *nest, struct attrs *a)
{
	memset(a, 0, sizeof(*a));
	assert_non_null(nest);
	assert_true(nest->nla_type & NLA_F_NESTED);
	assert_int_equal(mnl_attr_parse_nested(nest, collect_cb, a), MNL_CB_OK);
}

/* Every attribute is accounted for: the parse consumed exactly nlmsg_len. */
static void check_whole(const struct nlmsghdr *nlh, size_t hdrlen)
{
	size_t used = MNL_ALIGN(hdrlen);
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, hdrlen) used += MNL_ALIGN(attr->nla_len);
	assert_int_equal(used, mnl_nlmsg_get_payload_len(nlh));
	assert_true(nlh->nlmsg_len <= NL_MSG_MAX);
}

static void check_u32(const struct attrs *a, int type, uint32_t want)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(a->count[type], 1);
	assert_int_equal(mnl_attr_validate(a->tb[type], MNL_TYPE_U32), 0);
	assert_int_equal(mnl_attr_get_u32(a->tb[type]), want);
}

static void check_u8(const struct attrs *a, int type, uint8_t want)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(a->count[type], 1);
	assert_int_equal(mnl_attr_get_payload_len(a->tb[type]), 1);
	assert_int_equal(mnl_attr_get_u8(a->tb[type]), want);
}

static void check_bytes(const struct attrs *a, int type, const void *want, size_t len)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(a->count[type], 1);
	assert_int_equal(mnl_attr_get_payload_len(a->tb[type]), len);
	assert_memory_equal(mnl_attr_get_payload(a->tb[type]), want, len);
}

static void check_strz(const struct attrs *a, int type, const char *want)
{
	assert_non_null(a->tb[type]);
	assert_int_equal(a->count[type], 1);
	assert_int_equal(mnl_attr_validate(a->tb[type], MNL_TYPE_NUL_STRING), 0);
	assert_int_equal(mnl_attr_get_payload_len(a->tb[type]), strlen(want) + 1);
	assert_string_equal(mnl_attr_get_str(a->tb[type]), want);
}

/* IFLA_INFO_KIND is written as iproute2 does: no terminating NUL. */
static void check_kind(const struct attrs *a, const char *want)
{
	check_bytes(a, IFLA_INFO_KIND, want, strlen(want));
}

static void check_header(const struct nlmsghdr *nlh, uint16_t type, uint16_t flags, uint32_t seq)
{
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_type, type);
	assert_int_equal(nlh->nlmsg_flags, flags);
	assert_int_equal(nlh->nlmsg_seq, seq);
	assert_int_equal(nlh->nlmsg_pid, 0);
	assert_int_equal(nlh->nlmsg_len % NLMSG_ALIGNTO, 0);
}

#define CREATE_FLAGS (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL)

/* Fills the buffer with garbage first, so unwritten bytes would show. */
static void *dirty(uint8_t *buf)
{
	memset(buf, 0xa5, NL_MSG_MAX);
	return buf;
}

/* ---- veth -------------------------------------------------------------------------------- */

static void test_veth_full(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0x0a }, mac_b[6] = { 0x02, 0, 0, 0, 0, 0x0b };
	struct nl_link_end a = { .name = "n1-eth0", .ifindex = 7, .netns_fd = 5, .mac = mac_a,
				 .mtu = 1400, .master = 3, .up = true };
	struct nl_link_end b = { .name = "sw1-p1", .ifindex = 9, .netns_fd = 6, .mac = mac_b,
				 .mtu = 1500, .master = 4, .up = true };
	struct attrs top, li, data, peer;
	const struct nlmsghdr *nlh = nl_build_veth(dirty(buf), 42, &a, &b);
	(void)state;

	check_header(nlh, RTM_NEWLINK, CREATE_FLAGS, 42);
	assert_true(mnl_nlmsg_get_payload_len(nlh) >= sizeof(struct ifinfomsg));
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_type, 0);
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(ifi->ifi_flags, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	check_whole(nlh, sizeof(*ifi));

	parse_msg(nlh, sizeof(*ifi), &top);
	assert_int_equal(top.total, 6);
	check_strz(&top, IFLA_IFNAME, "n1-eth0");
	check_u32(&top, IFLA_NET_NS_FD, 5);
	check_bytes(&top, IFLA_ADDRESS, mac_a, 6);
	check_u32(&top, IFLA_MTU, 1400);
	check_u32(&top, IFLA_MASTER, 3);

	assert_int_equal(mnl_attr_validate(top.tb[IFLA_LINKINFO], MNL_TYPE_NESTED), 0);
	parse_nested(top.tb[IFLA_LINKINFO], &li);
	assert_int_equal(li.total, 2);
	check_kind(&li, "veth");
	parse_nested(li.tb[IFLA_INFO_DATA], &data);
	assert_int_equal(data.total, 1);
	assert_non_null(data.tb[VETH_INFO_PEER]);
	assert_true(data.tb[VETH_INFO_PEER]->nla_type & NLA_F_NESTED);

	/* VETH_INFO_PEER: a struct ifinfomsg, then the peer's attributes. */
	const struct nlattr *pa = data.tb[VETH_INFO_PEER];
	assert_true(mnl_attr_get_payload_len(pa) >= sizeof(struct ifinfomsg));
	const struct ifinfomsg *pifi = mnl_attr_get_payload(pa);
	assert_int_equal(pifi->ifi_family, AF_UNSPEC);
	assert_int_equal(pifi->ifi_index, 9);
	/* The peer cannot be up at creation: never requested. */
	assert_int_equal(pifi->ifi_flags, 0);
	assert_int_equal(pifi->ifi_change, 0);

	memset(&peer, 0, sizeof(peer));
	const struct nlattr *attr;
	size_t used = sizeof(*pifi);
	for (attr = (const void *)((const uint8_t *)pifi + MNL_ALIGN(sizeof(*pifi)));
	     mnl_attr_ok(attr, (int)((const uint8_t *)mnl_attr_get_payload(pa) +
				     mnl_attr_get_payload_len(pa) - (const uint8_t *)attr));
	     attr = mnl_attr_next(attr)) {
		collect_cb(attr, &peer);
		used += MNL_ALIGN(attr->nla_len);
	}
	assert_int_equal(used, mnl_attr_get_payload_len(pa));
	assert_int_equal(peer.total, 5);
	check_strz(&peer, IFLA_IFNAME, "sw1-p1");
	check_u32(&peer, IFLA_NET_NS_FD, 6);
	check_bytes(&peer, IFLA_ADDRESS, mac_b, 6);
	check_u32(&peer, IFLA_MTU, 1500);
	check_u32(&peer, IFLA_MASTER, 4);
}

static void test_veth_minimal(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	struct nl_link_end a = { .name = "a", .netns_fd = -1 };
	struct nl_link_end b = { .name = "b", .netns_fd = -1 };
	struct attrs top, li, data;
	const struct nlmsghdr *nlh = nl_build_veth(dirty(buf), 1, &a, &b);
	(void)state;

	check_header(nlh, RTM_NEWLINK, CREATE_FLAGS, 1);
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, 0);
	check_whole(nlh, sizeof(*ifi));
	parse_msg(nlh, sizeof(*ifi), &top);
	assert_int_equal(top.total, 2);
	check_strz(&top, IFLA_IFNAME, "a");
	parse_nested(top.tb[IFLA_LINKINFO], &li);
	parse_nested(li.tb[IFLA_INFO_DATA], &data);
	const struct nlattr *pa = data.tb[VETH_INFO_PEER];
	assert_non_null(pa);
	/* ifinfomsg (16) + IFLA_IFNAME "b\0" (4 + 2, padded to 8). */
	assert_int_equal(mnl_attr_get_payload_len(pa), sizeof(struct ifinfomsg) + 8);
	const uint8_t *pp = mnl_attr_get_payload(pa);
	const struct nlattr *name = (const void *)(pp + sizeof(struct ifinfomsg));
	assert_int_equal(mnl_attr_get_type(name), IFLA_IFNAME);
	assert_string_equal(mnl_attr_get_str(name), "b");
}

static void test_veth_invalid(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	struct nl_link_end ok = { .name = "ok", .netns_fd = -1 };
	struct nl_link_end noname = { .netns_fd = -1 };
	struct nl_link_end empty = { .name = "", .netns_fd = -1 };
	struct nl_link_end toolong = { .name = "0123456789abcdef", .netns_fd = -1 }; /* 16 */
	struct nl_link_end longest = { .name = "0123456789abcde", .netns_fd = -1 };  /* 15 */
	(void)state;

	assert_null(nl_build_veth(dirty(buf), 1, &ok, &noname));
	/* An empty header is left behind so a push of it is refused. */
	const struct nlmsghdr *nlh = (const void *)buf;
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN);
	assert_int_equal(nlh->nlmsg_type, 0);
	assert_int_equal(nlh->nlmsg_seq, 0);
	assert_null(nl_build_veth(buf, 1, &empty, &ok));
	assert_null(nl_build_veth(buf, 1, &toolong, &ok));
	assert_null(nl_build_veth(buf, 1, &ok, NULL));
	assert_non_null(nl_build_veth(buf, 1, &longest, &ok));
}

/* ---- bridge ------------------------------------------------------------------------------ */

static void test_bridge(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const uint8_t mac[6] = { 0x02, 0xbb, 0, 0, 0, 1 };
	struct attrs top, li, data;
	(void)state;

	for (int stp = 0; stp <= 1; stp++) {
		struct nl_bridge br = { .name = "sw1", .ifindex = stp ? 12 : 0,
					.mac = stp ? mac : NULL, .stp = stp, .up = !stp };
		const struct nlmsghdr *nlh = nl_build_bridge(dirty(buf), 100 + stp, &br);

		check_header(nlh, RTM_NEWLINK, CREATE_FLAGS, 100 + stp);
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(ifi->ifi_family, AF_UNSPEC);
		assert_int_equal(ifi->ifi_index, stp ? 12 : 0);
		assert_int_equal(ifi->ifi_flags, stp ? 0 : IFF_UP);
		assert_int_equal(ifi->ifi_change, stp ? 0 : IFF_UP);
		check_whole(nlh, sizeof(*ifi));

		parse_msg(nlh, sizeof(*ifi), &top);
		assert_int_equal(top.total, stp ? 3 : 2);
		check_strz(&top, IFLA_IFNAME, "sw1");
		if (stp)
			check_bytes(&top, IFLA_ADDRESS, mac, 6);
		else
			assert_null(top.tb[IFLA_ADDRESS]);

		parse_nested(top.tb[IFLA_LINKINFO], &li);
		assert_int_equal(li.total, 2);
		check_kind(&li, "bridge");
		parse_nested(li.tb[IFLA_INFO_DATA], &data);
		assert_int_equal(data.total, stp ? 3 : 2);
		check_u32(&data, IFLA_BR_STP_STATE, stp);
		check_u8(&data, IFLA_BR_MCAST_SNOOPING, 0);
		if (stp)
			check_u32(&data, IFLA_BR_FORWARD_DELAY, 200); /* centiseconds: 2 s */
		else
			assert_null(data.tb[IFLA_BR_FORWARD_DELAY]);
	}

	struct nl_bridge bad = { .name = NULL };
	assert_null(nl_build_bridge(buf, 1, &bad));
}

/* ---- link changes ------------------------------------------------------------------------ */

static void test_link_updown(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	(void)state;

	for (int up = 0; up <= 1; up++) {
		const struct nlmsghdr *nlh = nl_build_link_updown(dirty(buf), 7, 33, up);

		check_header(nlh, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 7);
		assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct ifinfomsg));
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(ifi->ifi_family, AF_UNSPEC);
		assert_int_equal(ifi->ifi_type, 0);
		assert_int_equal(ifi->ifi_index, 33);
		assert_int_equal(ifi->ifi_change, IFF_UP);
		assert_int_equal(ifi->ifi_flags, up ? IFF_UP : 0);
	}
	assert_null(nl_build_link_updown(buf, 7, 0, true));
}

static void test_link_master(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	struct attrs top;
	(void)state;

	for (int up = 0; up <= 1; up++) {
		const struct nlmsghdr *nlh =
			nl_build_link_master(dirty(buf), 8, 33, up ? 5 : 0, up);

		check_header(nlh, RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, 8);
		const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(ifi->ifi_family, AF_UNSPEC);
		assert_int_equal(ifi->ifi_index, 33);
		assert_int_equal(ifi->ifi_change, up ? IFF_UP : 0);
		assert_int_equal(ifi->ifi_flags, up ? IFF_UP : 0);
		check_whole(nlh, sizeof(*ifi));
		parse_msg(nlh, sizeof(*ifi), &top);
		assert_int_equal(top.total, 1);
		check_u32(&top, IFLA_MASTER, up ? 5 : 0);
	}
	assert_null(nl_build_link_master(buf, 8, 0, 5, true));
	assert_null(nl_build_link_master(buf, 8, 3, -1, true));
}

/* ---- addresses --------------------------------------------------------------------------- */

static const struct nlmsghdr *build_v4(uint8_t *buf, const char *s, uint8_t plen, bool nodad,
				       struct attrs *a)
{
	uint8_t addr[4];
	assert_int_equal(inet_pton(AF_INET, s, addr), 1);
	const struct nlmsghdr *nlh = nl_build_addr(dirty(buf), 3, 21, AF_INET, addr, plen, nodad);

	check_header(nlh, RTM_NEWADDR, CREATE_FLAGS, 3);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, plen);
	assert_int_equal(ifa->ifa_index, 21);
	/* nodad means nothing for IPv4 and is not sent. */
	assert_int_equal(ifa->ifa_flags, 0);
	check_whole(nlh, sizeof(*ifa));
	parse_msg(nlh, sizeof(*ifa), a);
	check_bytes(a, IFA_LOCAL, addr, 4);
	check_bytes(a, IFA_ADDRESS, addr, 4);
	assert_null(a->tb[IFA_FLAGS]);
	return nlh;
}

static void check_brd(const struct attrs *a, const char *want)
{
	uint8_t brd[4];
	assert_int_equal(inet_pton(AF_INET, want, brd), 1);
	check_bytes(a, IFA_BROADCAST, brd, 4);
}

static void test_addr_v4(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	struct attrs a;
	(void)state;

	build_v4(buf, "10.0.1.5", 24, false, &a);
	assert_int_equal(a.total, 3);
	check_brd(&a, "10.0.1.255");
	assert_int_equal(((struct ifaddrmsg *)mnl_nlmsg_get_payload((void *)buf))->ifa_scope,
			 RT_SCOPE_UNIVERSE);

	build_v4(buf, "172.16.5.9", 12, true, &a);
	assert_int_equal(a.total, 3);
	check_brd(&a, "172.31.255.255");

	build_v4(buf, "192.168.7.1", 30, false, &a);
	check_brd(&a, "192.168.7.3");

	build_v4(buf, "10.9.8.7", 0, false, &a);
	check_brd(&a, "255.255.255.255");

	build_v4(buf, "10.0.0.0", 31, false, &a);
	assert_int_equal(a.total, 2);
	assert_null(a.tb[IFA_BROADCAST]);

	build_v4(buf, "10.0.0.1", 32, false, &a);
	assert_int_equal(a.total, 2);
	assert_null(a.tb[IFA_BROADCAST]);

	/* Loopback addresses get host scope, as iproute2's default_scope() gives them. */
	build_v4(buf, "127.0.0.2", 8, false, &a);
	assert_int_equal(((struct ifaddrmsg *)mnl_nlmsg_get_payload((void *)buf))->ifa_scope,
			 RT_SCOPE_HOST);
}

static void test_addr_v6(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	uint8_t addr[16];
	struct attrs a;
	(void)state;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", addr), 1);
	for (int nodad = 0; nodad <= 1; nodad++) {
		const struct nlmsghdr *nlh =
			nl_build_addr(dirty(buf), 4, 22, AF_INET6, addr, 64, nodad);

		check_header(nlh, RTM_NEWADDR, CREATE_FLAGS, 4);
		const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
		assert_int_equal(ifa->ifa_family, AF_INET6);
		assert_int_equal(ifa->ifa_prefixlen, 64);
		assert_int_equal(ifa->ifa_index, 22);
		assert_int_equal(ifa->ifa_scope, RT_SCOPE_UNIVERSE);
		assert_int_equal(ifa->ifa_flags, nodad ? IFA_F_NODAD : 0);
		check_whole(nlh, sizeof(*ifa));
		parse_msg(nlh, sizeof(*ifa), &a);
		assert_int_equal(a.total, nodad ? 2 : 1);
		check_bytes(&a, IFA_ADDRESS, addr, 16);
		assert_null(a.tb[IFA_LOCAL]);
		assert_null(a.tb[IFA_BROADCAST]);
		if (nodad)
			check_u32(&a, IFA_FLAGS, IFA_F_NODAD);
		else
			assert_null(a.tb[IFA_FLAGS]);
	}
}

static void test_addr_del(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	uint8_t addr[16];
	struct attrs a;
	(void)state;

	assert_int_equal(inet_pton(AF_INET6, "fe80::200:ff:fe00:1", addr), 1);
	const struct nlmsghdr *nlh = nl_build_addr_del(dirty(buf), 5, 23, AF_INET6, addr, 64);
	check_header(nlh, RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, 5);
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_prefixlen, 64);
	assert_int_equal(ifa->ifa_index, 23);
	assert_int_equal(ifa->ifa_flags, 0);
	check_whole(nlh, sizeof(*ifa));
	parse_msg(nlh, sizeof(*ifa), &a);
	assert_int_equal(a.total, 1);
	check_bytes(&a, IFA_LOCAL, addr, 16);

	assert_non_null(nl_build_addr_del(buf, 1, 1, AF_INET, addr, 32));
	assert_null(nl_build_addr_del(buf, 1, 1, AF_INET, addr, 33));
	assert_null(nl_build_addr_del(buf, 1, 0, AF_INET6, addr, 64));
	assert_null(nl_build_addr_del(buf, 1, 1, AF_INET6, NULL, 64));
	assert_null(nl_build_addr_del(buf, 1, 1, AF_PACKET, addr, 8));
}

static void test_addr_invalid(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const uint8_t addr[16] = { 10, 0, 0, 1 };
	(void)state;

	assert_null(nl_build_addr(buf, 1, 1, AF_INET, addr, 33, false));
	assert_null(nl_build_addr(buf, 1, 1, AF_INET6, addr, 129, false));
	assert_null(nl_build_addr(buf, 1, 1, AF_PACKET, addr, 8, false));
	assert_null(nl_build_addr(buf, 1, 0, AF_INET, addr, 8, false));
	assert_null(nl_build_addr(buf, 1, 1, AF_INET, NULL, 8, false));
	assert_non_null(nl_build_addr(buf, 1, 1, AF_INET6, addr, 128, false));
}

/* ---- routes ------------------------------------------------------------------------------ */

static const struct nlmsghdr *check_route(uint8_t *buf, const struct nl_route *rt, struct attrs *a)
{
	const struct nlmsghdr *nlh = nl_build_route(dirty(buf), 5, rt);

	check_header(nlh, RTM_NEWROUTE, CREATE_FLAGS, 5);
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, rt->family);
	assert_int_equal(rtm->rtm_dst_len, rt->dst_len);
	assert_int_equal(rtm->rtm_src_len, 0);
	assert_int_equal(rtm->rtm_tos, 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_STATIC);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_int_equal(rtm->rtm_flags, 0);
	/* iproute2: link scope for routes without a gateway. */
	assert_int_equal(rtm->rtm_scope, rt->gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	check_whole(nlh, sizeof(*rtm));
	parse_msg(nlh, sizeof(*rtm), a);
	return nlh;
}

static void test_route_v4(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const uint8_t dst[4] = { 10, 2, 0, 0 }, gw[4] = { 10, 0, 0, 254 };
	struct attrs a;
	(void)state;

	struct nl_route full = { .family = AF_INET, .dst = dst, .dst_len = 16, .gw = gw,
				 .oif = 4, .metric = 100 };
	check_route(buf, &full, &a);
	assert_int_equal(a.total, 4);
	check_bytes(&a, RTA_DST, dst, 4);
	check_bytes(&a, RTA_GATEWAY, gw, 4);
	check_u32(&a, RTA_OIF, 4);
	check_u32(&a, RTA_PRIORITY, 100);
	assert_null(a.tb[RTA_TABLE]);

	struct nl_route deflt = { .family = AF_INET, .gw = gw };
	check_route(buf, &deflt, &a);
	assert_int_equal(a.total, 1);
	check_bytes(&a, RTA_GATEWAY, gw, 4);

	struct nl_route dev = { .family = AF_INET, .dst = dst, .dst_len = 16, .oif = 9 };
	check_route(buf, &dev, &a);
	assert_int_equal(a.total, 2);
	check_bytes(&a, RTA_DST, dst, 4);
	check_u32(&a, RTA_OIF, 9);
}

static void test_route_v6(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	uint8_t dst[16], gw[16];
	struct attrs a;
	(void)state;

	assert_int_equal(inet_pton(AF_INET6, "2001:db8:5::", dst), 1);
	assert_int_equal(inet_pton(AF_INET6, "fe80::1", gw), 1);
	struct nl_route rt = { .family = AF_INET6, .dst = dst, .dst_len = 48, .gw = gw, .oif = 2,
			       .metric = 1024 };
	check_route(buf, &rt, &a);
	assert_int_equal(a.total, 4);
	check_bytes(&a, RTA_DST, dst, 16);
	check_bytes(&a, RTA_GATEWAY, gw, 16);
	check_u32(&a, RTA_OIF, 2);
	check_u32(&a, RTA_PRIORITY, 1024);
}

static void test_route_invalid(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const uint8_t dst[16] = { 10 };
	(void)state;

	struct nl_route nogw_nooif = { .family = AF_INET, .dst = dst, .dst_len = 8 };
	assert_null(nl_build_route(buf, 1, &nogw_nooif));
	struct nl_route nodst = { .family = AF_INET, .dst_len = 8, .oif = 1 };
	assert_null(nl_build_route(buf, 1, &nodst));
	struct nl_route toolong = { .family = AF_INET, .dst = dst, .dst_len = 33, .oif = 1 };
	assert_null(nl_build_route(buf, 1, &toolong));
	struct nl_route fam = { .family = AF_UNSPEC, .oif = 1 };
	assert_null(nl_build_route(buf, 1, &fam));
	assert_null(nl_build_route(buf, 1, NULL));
}

/* ---- dumps ------------------------------------------------------------------------------- */

static void test_dump(void **state)
{
	uint8_t buf[NL_MSG_MAX] __attribute__((aligned(8)));
	const struct nlmsghdr *nlh;
	(void)state;

	nlh = nl_build_dump(dirty(buf), 9, RTM_GETLINK, AF_UNSPEC);
	check_header(nlh, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, 9);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct ifinfomsg));
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifi->ifi_family, AF_UNSPEC);
	assert_int_equal(ifi->ifi_index, 0);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, 0);

	nlh = nl_build_dump(dirty(buf), 10, RTM_GETADDR, AF_INET6);
	check_header(nlh, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 10);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct ifaddrmsg));
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(ifa->ifa_family, AF_INET6);
	assert_int_equal(ifa->ifa_index, 0);
	assert_int_equal(ifa->ifa_prefixlen, 0);

	nlh = nl_build_dump(dirty(buf), 11, RTM_GETROUTE, AF_INET);
	check_header(nlh, RTM_GETROUTE, NLM_F_REQUEST | NLM_F_DUMP, 11);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + sizeof(struct rtmsg));
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_table, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_veth_full),    cmocka_unit_test(test_veth_minimal),
		cmocka_unit_test(test_veth_invalid), cmocka_unit_test(test_bridge),
		cmocka_unit_test(test_link_updown),  cmocka_unit_test(test_link_master),
		cmocka_unit_test(test_addr_v4),      cmocka_unit_test(test_addr_v6),
		cmocka_unit_test(test_addr_del),
		cmocka_unit_test(test_addr_invalid), cmocka_unit_test(test_route_v4),
		cmocka_unit_test(test_route_v6),     cmocka_unit_test(test_route_invalid),
		cmocka_unit_test(test_dump),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
