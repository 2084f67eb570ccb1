/* SPDX-License-Identifier: MIT */
/* nl_parse_route(): build a route with the builder, read it back, and classify it. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_not_a_route),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
