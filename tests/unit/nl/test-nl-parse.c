/* SPDX-License-Identifier: MIT */
/*
 * The parsers of nl-parse.c: build a message (with the builders, or by hand as the kernel
 * writes it), read it back; then cut it short and break its attribute lengths, which must give
 * an error and never a read outside the message (each hostile copy sits in a buffer of exactly
 * its length, so the sanitized build catches any overread).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "macro.h"
#include "nl.h"

static struct nlmsghdr *route(void *buf, int family, const char *dst, unsigned len)
{
	uint8_t d[16] = { 0 }, gw[16] = { 0 };
	struct nl_route rt = { .family = family, .dst = d, .dst_len = (uint8_t)len, .gw = gw };

	assert_int_equal(inet_pton(family, dst, d), 1);
	assert_int_equal(inet_pton(family, family == AF_INET ? "10.0.0.2" : "fd00::2", gw), 1);
	struct nlmsghdr *nlh = nl_build_route(buf, 7, &rt);
	assert_non_null(nlh);
	return nlh;
}

static void test_parse(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_route_info r;
	uint8_t want[4] = { 10, 3, 0, 0 };

	struct nlmsghdr *nlh = route(buf, AF_INET, "10.3.0.0", 16);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_false(r.deleted);
	assert_int_equal(r.family, AF_INET);
	assert_int_equal(r.dst_len, 16);
	assert_memory_equal(r.dst, want, 4);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.type, RTN_UNICAST);
	assert_true(nl_route_is_table_change(&r));

	nlh->nlmsg_type = RTM_DELROUTE;
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_true(r.deleted);
	assert_true(nl_route_is_table_change(&r));

	/* RTA_TABLE wins over rtm_table (tables above 255 have only the attribute). */
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_LOCAL);
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_int_equal(r.table, RT_TABLE_LOCAL);
	assert_false(nl_route_is_table_change(&r));

	nlh = route(buf, AF_INET, "10.3.0.0", 16);
	((struct rtmsg *)mnl_nlmsg_get_payload(nlh))->rtm_flags |= RTM_F_CLONED;
	assert_int_equal(nl_parse_route(nlh, &r), 0);
	assert_false(nl_route_is_table_change(&r));
}

static void test_ipv6(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_route_info r;

	assert_int_equal(nl_parse_route(route(buf, AF_INET6, "fd00:10::", 64), &r), 0);
	assert_int_equal(r.family, AF_INET6);
	assert_int_equal(r.dst[0], 0xfd);
	assert_true(nl_route_is_table_change(&r));
	assert_int_equal(nl_parse_route(route(buf, AF_INET6, "fe80::", 64), &r), 0);
	assert_false(nl_route_is_table_change(&r));
	assert_int_equal(nl_parse_route(route(buf, AF_INET6, "ff00::", 8), &r), 0);
	assert_false(nl_route_is_table_change(&r));
}

static void test_not_a_route(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_route_info r;

	assert_int_equal(nl_parse_route(nl_build_dump(buf, 1, RTM_GETLINK, AF_UNSPEC), &r), -EINVAL);
	struct nlmsghdr *nlh = route(buf, AF_INET, "10.0.0.0", 8);
	nlh->nlmsg_len = NLMSG_LENGTH(2); /* shorter than struct rtmsg */
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
}

/* RTA_TABLE of the wrong size, or an attribute running past the end: malformed. */
static void test_route_hostile(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_route_info r;

	struct nlmsghdr *nlh = route(buf, AF_INET, "10.3.0.0", 16);
	mnl_attr_put_u8(nlh, RTA_TABLE, 5);
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
	nlh = route(buf, AF_INET, "10.3.0.0", 16);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1);
	a->nla_len = 200;
	assert_int_equal(nl_parse_route(nlh, &r), -EINVAL);
}

/* ---- links ------------------------------------------------------------------------------- */

static const uint8_t mac_a[6] = { 0x02, 0, 0, 0, 0, 0xa };

static struct nlmsghdr *veth(void *buf)
{
	struct nl_link_end a = { .name = "r1-eth0", .ifindex = 7, .netns_fd = -1, .mac = mac_a,
				 .mtu = 9000, .up = true };
	struct nl_link_end b = { .name = "peer-of-r1", .netns_fd = -1, .mtu = 1400 };
	struct nlmsghdr *nlh = nl_build_veth(buf, 1, &a, &b);
	assert_non_null(nlh);
	return nlh;
}

static void test_link_veth(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_link_info l;

	/* The peer's name and MTU sit inside IFLA_LINKINFO: only the main end's are read. */
	assert_int_equal(nl_link_parse(veth(buf), &l), 0);
	assert_false(l.deleted);
	assert_int_equal(l.ifindex, 7);
	assert_true(l.flags & IFF_UP);
	assert_string_equal(l.name, "r1-eth0");
	assert_int_equal(l.mtu, 9000);
	assert_int_equal(l.master, 0);
	assert_string_equal(l.kind, "veth"); /* written without its NUL, as iproute2 does */
	assert_int_equal(l.addr_len, 6);
	assert_memory_equal(l.addr, mac_a, 6);
	assert_int_equal(l.operstate, IF_OPER_UNKNOWN);
}

/* A notification as the kernel writes it: operstate, master, a bridge port. */
static void test_link_kernel(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_link_info l;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));

	nlh->nlmsg_type = RTM_DELLINK;
	ifi->ifi_index = 12;
	ifi->ifi_type = 1; /* ARPHRD_ETHER */
	ifi->ifi_flags = IFF_UP | IFF_LOWER_UP;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "sw1-1");
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 3);
	mnl_attr_put_u32(nlh, 999, 1); /* a type from a newer kernel: skipped */
	assert_int_equal(nl_link_parse(nlh, &l), 0);
	assert_true(l.deleted);
	assert_int_equal(l.ifindex, 12);
	assert_int_equal(l.type, 1);
	assert_int_equal(l.flags, IFF_UP | IFF_LOWER_UP);
	assert_string_equal(l.name, "sw1-1");
	assert_int_equal(l.operstate, IF_OPER_UP);
	assert_int_equal(l.master, 3);
	assert_int_equal(l.mtu, 0);
	assert_string_equal(l.kind, "");
	assert_int_equal(l.addr_len, 0);

	/* The master of a bridge port set by the builder. */
	nlh = nl_build_link_master(buf, 2, 12, 3, true);
	assert_int_equal(nl_link_parse(nlh, &l), 0);
	assert_int_equal(l.master, 3);
	assert_string_equal(l.name, "");
}

static void test_link_not_a_link(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_link_info l = { .ifindex = 42 };

	assert_int_equal(nl_link_parse(nl_build_dump(buf, 1, RTM_GETLINK, AF_UNSPEC), &l), -EINVAL);
	assert_int_equal(nl_link_parse(route(buf, AF_INET, "10.0.0.0", 8), &l), -EINVAL);
	assert_int_equal(l.ifindex, 42); /* untouched on error */
}

/* Each of these must be refused: the attribute is there but wrong. */
static void test_link_bad_attrs(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_link_info l;
	struct nlmsghdr *nlh;
	uint8_t big[40] = { 0 };
	struct nlattr *nest;

#define FRESH()                                                                                    \
	do {                                                                                       \
		nlh = mnl_nlmsg_put_header(buf);                                                   \
		nlh->nlmsg_type = RTM_NEWLINK;                                                     \
		mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifinfomsg));                         \
	} while (0)
	FRESH();
	mnl_attr_put_u16(nlh, IFLA_MTU, 1500); /* u32 expected */
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	mnl_attr_put_u32(nlh, IFLA_OPERSTATE, IF_OPER_UP); /* u8 expected */
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	mnl_attr_put_u8(nlh, IFLA_MASTER, 3);
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-longer-than-ifnamsiz");
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	mnl_attr_put(nlh, IFLA_IFNAME, 3, "abc"); /* no NUL: read as far as its length */
	assert_int_equal(nl_link_parse(nlh, &l), 0);
	assert_string_equal(l.name, "abc");
	FRESH();
	mnl_attr_put(nlh, IFLA_ADDRESS, sizeof(big), big); /* longer than MAX_ADDR_LEN */
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	nest = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	struct nlattr *kind = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nlh, nest);
	kind->nla_len += 8; /* runs past its nest, though not past the message */
	mnl_attr_put_u32(nlh, IFLA_MTU, 1500);
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
	FRESH();
	nlh->nlmsg_len = NLMSG_LENGTH(4); /* shorter than struct ifinfomsg */
	assert_int_equal(nl_link_parse(nlh, &l), -EBADMSG);
#undef FRESH
}

/* ---- addresses --------------------------------------------------------------------------- */

static struct nlmsghdr *addr(void *buf, int family, const char *txt, uint8_t plen, bool nodad)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(family, txt, a), 1);
	struct nlmsghdr *nlh = nl_build_addr(buf, 3, 5, family, a, plen, nodad);
	assert_non_null(nlh);
	return nlh;
}

static void test_addr(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_addr_info a;
	uint8_t v4[4] = { 10, 0, 1, 2 }, v6[16];

	assert_int_equal(nl_addr_parse(addr(buf, AF_INET, "10.0.1.2", 24, false), &a), 0);
	assert_false(a.deleted);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.ifindex, 5);
	assert_int_equal(a.prefixlen, 24);
	assert_true(a.has_addr);
	assert_memory_equal(a.addr, v4, 4);

	assert_int_equal(inet_pton(AF_INET6, "fd00::1", v6), 1);
	assert_int_equal(nl_addr_parse(addr(buf, AF_INET6, "fd00::1", 64, true), &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.prefixlen, 64);
	assert_true(a.flags & IFA_F_NODAD);
	assert_memory_equal(a.addr, v6, 16);

	/* The delete request carries IFA_LOCAL only. */
	struct nlmsghdr *nlh = nl_build_addr_del(buf, 4, 5, AF_INET6, v6, 64);
	assert_non_null(nlh);
	assert_int_equal(nl_addr_parse(nlh, &a), 0);
	assert_true(a.deleted);
	assert_true(a.has_addr);
	assert_memory_equal(a.addr, v6, 16);
}

/* As the kernel writes a notification: a link-local address, tentative in IFA_FLAGS (bits
 * above the 8 of ifa_flags), and a peer address whose IFA_ADDRESS is the other end. */
static void test_addr_kernel(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_addr_info a;
	uint8_t ll[16], local[4] = { 10, 0, 0, 1 }, peer[4] = { 10, 0, 0, 2 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));

	assert_int_equal(inet_pton(AF_INET6, "fe80::1", ll), 1);
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_scope = RT_SCOPE_LINK;
	ifa->ifa_index = 9;
	ifa->ifa_flags = IFA_F_PERMANENT;
	mnl_attr_put(nlh, IFA_ADDRESS, 16, ll);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR);
	assert_int_equal(nl_addr_parse(nlh, &a), 0);
	assert_int_equal(a.scope, RT_SCOPE_LINK);
	assert_int_equal(a.ifindex, 9);
	assert_int_equal(a.flags, IFA_F_TENTATIVE | IFA_F_MANAGETEMPADDR);
	assert_memory_equal(a.addr, ll, 16);

	nlh = mnl_nlmsg_put_header(buf);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	nlh->nlmsg_type = RTM_NEWADDR;
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_flags = IFA_F_PERMANENT;
	mnl_attr_put(nlh, IFA_ADDRESS, 4, peer);
	mnl_attr_put(nlh, IFA_LOCAL, 4, local);
	assert_int_equal(nl_addr_parse(nlh, &a), 0);
	assert_int_equal(a.flags, IFA_F_PERMANENT); /* no IFA_FLAGS: ifa_flags */
	assert_memory_equal(a.addr, local, 4);

	/* No address at all: parsed, and said. */
	nlh = mnl_nlmsg_put_header(buf);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	nlh->nlmsg_type = RTM_DELADDR;
	ifa->ifa_family = AF_INET;
	assert_int_equal(nl_addr_parse(nlh, &a), 0);
	assert_false(a.has_addr);
}

static void test_addr_bad(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nl_addr_info a = { .ifindex = 42 };
	uint8_t six[16] = { 0 };
	struct nlmsghdr *nlh;

	assert_int_equal(nl_addr_parse(veth(buf), &a), -EINVAL);
	nlh = addr(buf, AF_INET, "10.0.0.1", 8, false);
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_PACKET;
	assert_int_equal(nl_addr_parse(nlh, &a), -EAFNOSUPPORT);
	nlh = addr(buf, AF_INET, "10.0.0.1", 8, false);
	mnl_attr_put_u16(nlh, IFA_FLAGS, 1); /* u32 expected */
	assert_int_equal(nl_addr_parse(nlh, &a), -EBADMSG);
	/* An IPv4 message with an IPv6-sized address. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))->ifa_family =
		AF_INET;
	mnl_attr_put(nlh, IFA_LOCAL, 16, six);
	assert_int_equal(nl_addr_parse(nlh, &a), -EBADMSG);
	assert_int_equal(a.ifindex, 42); /* untouched on error */
}

/* ---- hostile lengths --------------------------------------------------------------------- */

typedef int (*parse_fn)(const struct nlmsghdr *nlh, void *ret);

static int parse_link(const struct nlmsghdr *nlh, void *ret)
{
	return nl_link_parse(nlh, ret);
}
static int parse_addr(const struct nlmsghdr *nlh, void *ret)
{
	return nl_addr_parse(nlh, ret);
}
static int parse_route(const struct nlmsghdr *nlh, void *ret)
{
	return nl_parse_route(nlh, ret);
}

/* A copy of the first len bytes of nlh in a buffer of exactly that size, nlmsg_len = len. */
static struct nlmsghdr *exact_copy(const struct nlmsghdr *nlh, size_t len)
{
	struct nlmsghdr *c = malloc(len);
	assert_non_null(c);
	memcpy(c, nlh, len);
	c->nlmsg_len = (uint32_t)len;
	return c;
}

/*
 * Every truncation of a valid message, and every attribute's length replaced by hostile
 * values: the parser must return (0 or an error; a cut at an attribute boundary is a valid
 * shorter message), and when an attribute's length reaches past the end or below its own
 * header, an error.
 */
static void hostile(const struct nlmsghdr *nlh, size_t hdrlen, parse_fn parse)
{
	union {
		struct nl_link_info l;
		struct nl_addr_info a;
		struct nl_route_info r;
	} out;
	size_t full = nlh->nlmsg_len, first = NLMSG_LENGTH(MNL_ALIGN(hdrlen));
	static const uint16_t lens[] = { 0, 1, 3, 4, 5, 7, 0x7fff, 0xffff };

	assert_int_equal(parse(nlh, &out), 0);
	for (size_t len = 0; len <= full; len++) {
		/* Where the first attribute that len cuts short begins (full: none). */
		size_t cut = full;
		for (size_t off = first; off + sizeof(struct nlattr) <= full;) {
			const struct nlattr *a = (const void *)((const char *)nlh + off);
			if (off + a->nla_len > len) {
				cut = off;
				break;
			}
			off += MNL_ALIGN(a->nla_len);
		}
		/* A header of its own is the caller's to check (mnl_nlmsg_ok): give it one. */
		struct nlmsghdr *c = exact_copy(nlh, len < sizeof(*c) ? sizeof(*c) : len);
		c->nlmsg_len = (uint32_t)len;
		int r = parse(c, &out);
		/* Cut inside the family header, or with a piece of an attribute (at least its
		 * header) left over: an error. Between two attributes (its padding cut or not), a
		 * valid shorter message. */
		if (len < NLMSG_LENGTH(hdrlen) || (len >= cut + sizeof(struct nlattr)))
			assert_true(r < 0);
		else if (len >= first && len <= cut)
			assert_int_equal(r, 0);
		free(c);
	}
	/* Walk the attributes of the original; break each one's length in a copy. */
	for (size_t off = first; off + sizeof(struct nlattr) <= full;) {
		const struct nlattr *a = (const void *)((const char *)nlh + off);
		for (size_t k = 0; k < ELEMENTSOF(lens); k++) {
			struct nlmsghdr *c = exact_copy(nlh, full);
			struct nlattr *ca = (void *)((char *)c + off);
			ca->nla_len = lens[k];
			int r = parse(c, &out);
			if (lens[k] < sizeof(struct nlattr) || off + lens[k] > full)
				assert_true(r < 0);
			free(c);
		}
		off += MNL_ALIGN(a->nla_len);
	}
}

static void test_hostile_lengths(void **state)
{
	char buf[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));

	hostile(veth(buf), sizeof(struct ifinfomsg), parse_link);
	hostile(addr(buf, AF_INET6, "fd00::1", 64, true), sizeof(struct ifaddrmsg), parse_addr);
	hostile(addr(buf, AF_INET, "10.0.0.1", 24, false), sizeof(struct ifaddrmsg), parse_addr);
	hostile(route(buf, AF_INET6, "fd00:1::", 64), sizeof(struct rtmsg), parse_route);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_not_a_route),
		cmocka_unit_test(test_route_hostile),
		cmocka_unit_test(test_link_veth),
		cmocka_unit_test(test_link_kernel),
		cmocka_unit_test(test_link_not_a_link),
		cmocka_unit_test(test_link_bad_attrs),
		cmocka_unit_test(test_addr),
		cmocka_unit_test(test_addr_kernel),
		cmocka_unit_test(test_addr_bad),
		cmocka_unit_test(test_hostile_lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
