/* SPDX-License-Identifier: MIT */
/*
 * Routes (src/topo/routing.c) and the hosts file (src/topo/hosts.c), driven from topology text:
 * explicit route checks, `routing static` on small graphs with known answers, and its cost on a
 * long chain.
 */
#include <time.h>

#include "plan-test-util.h"

static size_t count_routes(const struct topo *t, const char *node, bool automatic)
{
	size_t n = node_of(t, node), c = 0;

	for (size_t k = 0; k < t->n_routes; k++)
		if (t->routes[k].node == n && t->routes[k].automatic == automatic)
			c++;
	return c;
}

/* The one route of node to dst ("10.0.0.0/30", "default4", "default6"), as
 * "via 10.0.0.2 dev eth0" (plus " auto" when automatic), or "(none)". Fails if there are two. */
static const char *route_to(const struct topo *t, const char *node, const char *dst)
{
	static char bufs[4][128];
	static unsigned next;
	char *b = bufs[next++ % 4];
	size_t n = node_of(t, node), found = TOPO_NONE;
	char via[TOPO_ADDRSTRLEN];

	for (size_t k = 0; k < t->n_routes; k++) {
		const struct topo_route *rt = &t->routes[k];
		char d[TOPO_ADDRSTRLEN];

		if (rt->node != n)
			continue;
		if (rt->dst.plen == 0)
			snprintf(d, sizeof(d), "default%c", rt->dst.family == AF_INET6 ? '6' : '4');
		else
			topo_addr_str(&rt->dst, true, d, sizeof(d));
		if (strcmp(d, dst) != 0)
			continue;
		if (found != TOPO_NONE)
			fail_msg("'%s' has two routes to %s", node, dst);
		found = k;
	}
	if (found == TOPO_NONE)
		return "(none)";
	snprintf(b, 128, "via %s dev %s%s",
		 topo_addr_str(&t->routes[found].via, false, via, sizeof(via)),
		 t->routes[found].iface == TOPO_NONE ? "-" : t->ifaces[t->routes[found].iface].name,
		 t->routes[found].automatic ? " auto" : "");
	return b;
}

static void test_triangle(void **state)
{
	struct topo *t = parse_ok("node r1 r2 r3 router\n"
				  "loopback 10.255.0.0/24\n"
				  "link r1 -- r2\n"
				  "link r2 -- r3\n"
				  "link r3 -- r1\n"
				  "routing static\n");

	assert_int_equal(t->n_routes, 9);
	assert_string_equal(route_to(t, "r1", "10.0.0.4/30"), "via 10.0.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "r1", "10.255.0.2/32"), "via 10.0.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "r1", "10.255.0.3/32"), "via 10.0.0.9 dev eth1 auto");
	assert_string_equal(route_to(t, "r1", "10.0.0.0/30"), "(none)"); /* connected */
	assert_string_equal(route_to(t, "r2", "10.0.0.8/30"), "via 10.0.0.1 dev eth0 auto");
	assert_string_equal(route_to(t, "r2", "10.255.0.3/32"), "via 10.0.0.6 dev eth1 auto");
	assert_string_equal(route_to(t, "r3", "10.0.0.0/30"), "via 10.0.0.5 dev eth0 auto");
	assert_string_equal(route_to(t, "r3", "10.255.0.1/32"), "via 10.0.0.10 dev eth1 auto");
	for (size_t k = 0; k < t->n_routes; k++) {
		assert_int_equal(t->routes[k].pos.line, 6);
		assert_int_equal(t->routes[k].pos.col, 1);
		assert_int_equal(t->routes[k].metric, 0);
	}
	topo_free(t);
}

static void test_chain_of_ten(void **state)
{
	struct topo *t = parse_ok("node r[1..10] router\n"
				  "link r[1..9] -- r[2..10]\n"
				  "routing static\n");

	/* the end routers lack 8 prefixes, the others 7 */
	assert_int_equal(t->n_routes, 2 * 8 + 8 * 7);
	assert_int_equal(count_routes(t, "r1", true), 8);
	assert_int_equal(count_routes(t, "r5", true), 7);
	assert_string_equal(route_to(t, "r1", "10.0.0.32/30"), "via 10.0.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "r5", "10.0.0.0/30"), "via 10.0.0.13 dev eth0 auto");
	assert_string_equal(route_to(t, "r5", "10.0.0.32/30"), "via 10.0.0.18 dev eth1 auto");
	assert_string_equal(route_to(t, "r10", "10.0.0.0/30"), "via 10.0.0.33 dev eth0 auto");
	topo_free(t);
}

static void test_hosts_default_routes(void **state)
{
	struct topo *t = parse_ok("pool fd00::/48\n"
				  "node r1 r2 router\n"
				  "node h1 h2 h3\n"
				  "switch s1\n"
				  "link h1 -- s1\n"
				  "link r1 -- s1\n"
				  "link r2 -- s1\n"
				  "link h2 -- s1\n"
				  "link r1 -- r2\n"
				  "link h3 -- r2\n"
				  "routing static\n");

	/* the first router on the segment, in declaration order */
	assert_string_equal(route_to(t, "h1", "default4"), "via 10.0.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "h1", "default6"), "via fd00::2 dev eth0 auto");
	assert_string_equal(route_to(t, "h2", "default4"), "via 10.0.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "h3", "default4"), "via 10.0.1.6 dev eth0 auto");
	assert_string_equal(route_to(t, "h3", "default6"), "via fd00:0:0:2::2 dev eth0 auto");
	assert_int_equal(count_routes(t, "h1", true), 2);
	assert_int_equal(count_routes(t, "h3", true), 2);
	/* a tie (via the switch or via the r1-r2 link): r1's first iface wins */
	assert_string_equal(route_to(t, "r1", "10.0.1.4/30"), "via 10.0.0.3 dev eth0 auto");
	assert_string_equal(route_to(t, "r1", "fd00:0:0:2::/64"), "via fd00::3 dev eth0 auto");
	assert_int_equal(count_routes(t, "r1", true), 2);
	assert_int_equal(count_routes(t, "r2", true), 0);
	topo_free(t);
}

static void test_only_routers_transit(void **state)
{
	struct topo *t = parse_ok("node r1 r2 r3 router\n"
				  "node h\n"
				  "link r1 -- h\n"
				  "link h -- r2\n"
				  "link r2 -- r3\n"
				  "routing static\n");

	/* h has two links: it gets routes like a router, but nobody is routed through it */
	assert_int_equal(count_routes(t, "h", true), 1);
	assert_string_equal(route_to(t, "h", "10.0.0.8/30"), "via 10.0.0.6 dev eth1 auto");
	assert_string_equal(route_to(t, "h", "default4"), "(none)");
	assert_int_equal(count_routes(t, "r1", true), 0);
	assert_int_equal(count_routes(t, "r2", true), 0);
	assert_int_equal(count_routes(t, "r3", true), 1);
	assert_string_equal(route_to(t, "r3", "10.0.0.4/30"), "via 10.0.0.9 dev eth0 auto");
	topo_free(t);
}

static void test_ipv6_needs_ipv6_segments(void **state)
{
	struct topo *t =
		parse_ok("node r1 r2 r3 router\n"
			 "link r1 10.1.0.1/30 -- r2 10.1.0.2/30\n"
			 "link r2 fd00:2::1/64 10.2.0.1/30 -- r3 fd00:2::2/64 10.2.0.2/30\n"
			 "routing static\n");

	/* no IPv6 between r1 and r2: no IPv6 route anywhere, IPv4 as usual */
	assert_string_equal(route_to(t, "r1", "10.2.0.0/30"), "via 10.1.0.2 dev eth0 auto");
	assert_string_equal(route_to(t, "r3", "10.1.0.0/30"), "via 10.2.0.1 dev eth0 auto");
	assert_int_equal(t->n_routes, 2);
	topo_free(t);
}

static void test_explicit_wins(void **state)
{
	struct topo *t = parse_ok("node r1 r2 r3 router\n"
				  "node h1\n"
				  "link r1 -- r2\n"
				  "link r2 -- r3\n"
				  "link h1 -- r1\n"
				  "route r1 10.0.0.4/30 via 10.0.0.2 metric 5\n"
				  "route h1 default via 10.0.0.10\n"
				  "routing static\n");

	assert_false(t->routes[0].automatic);
	assert_false(t->routes[1].automatic);
	assert_int_equal(t->routes[0].metric, 5);
	assert_string_equal(route_to(t, "r1", "10.0.0.4/30"), "via 10.0.0.2 dev -");
	assert_int_equal(count_routes(t, "r1", true), 0);
	assert_string_equal(route_to(t, "h1", "default4"), "via 10.0.0.10 dev -");
	assert_int_equal(count_routes(t, "h1", true), 0);
	assert_string_equal(route_to(t, "r3", "10.0.0.8/30"), "via 10.0.0.5 dev eth0 auto");
	/* automatic routes come after the explicit ones */
	for (size_t k = 2; k < t->n_routes; k++)
		assert_true(t->routes[k].automatic);
	topo_free(t);
}

static void test_explicit_routes_checked(void **state)
{
	struct topo *t = parse_ok("pool fd00::/48\n"
				  "node r1 r2\n"
				  "link r1 -- r2\n"
				  "route r1 10.9.0.0/16 via 10.0.0.2 dev eth0\n"
				  "route r1 fd99::/64 via fd00::2\n");

	/* without `routing static` nothing is added */
	assert_int_equal(t->n_routes, 2);
	assert_string_equal(route_to(t, "r1", "fd99::/64"), "via fd00::2 dev -");
	topo_free(t);

	expect_error("node r1 r2\n"
		     "link r1 -- r2\n"
		     "route r1 10.9.0.0/16 via 10.0.5.1\n",
		     3, 1, "gateway 10.0.5.1 is not on a subnet of any interface of 'r1'");
	expect_error("node r1 r2 r3\n"
		     "link r1 -- r2\n"
		     "link r1 -- r3\n"
		     "route r1 10.9.0.0/16 via 10.0.0.2 dev eth1\n",
		     4, 1, "gateway 10.0.0.2 is not on a subnet of 'r1:eth1'");
	expect_error("node r1 r2\n"
		     "link r1 -- r2\n"
		     "route r1 default via 10.0.0.1\n",
		     3, 1, "gateway 10.0.0.1 is an address of 'r1:eth0' itself");
}

static void test_err_duplicate_subnet(void **state)
{
	static const char text[] = "node r1 r2 r3 r4 router\n"
				   "link r1 10.1.0.1/24 -- r2 10.1.0.2/24\n"
				   "link r3 10.1.0.3/24 -- r4 10.1.0.4/24\n"
				   "link r2 -- r3\n";
	char with_static[sizeof(text) + 32];

	/* two islands with one subnet are fine until routes must tell them apart */
	topo_free(parse_ok(text));
	snprintf(with_static, sizeof(with_static), "%srouting static\n", text);
	expect_error(with_static, 3, 9,
		     "subnet 10.1.0.0/24 is also used on the segment of 'r1:eth0'; routing static "
		     "needs one subnet per segment");
}

static void test_hosts_file(void **state)
{
	struct topo *t = parse_ok("lab demo\n"
				  "pool fd00::/48\n"
				  "loopback 10.255.0.0/24\n"
				  "node r1 router\n"
				  "node h1\n"
				  "link h1 -- r1\n");
	char *h = topo_hosts_file(t);

	assert_non_null(h);
	assert_string_equal(h, "127.0.0.1\tlocalhost\n"
			       "::1\tlocalhost ip6-localhost ip6-loopback\n"
			       "# netlab lab 'demo'\n"
			       "10.255.0.1\tr1\n"
			       "fd00::2\tr1\n"
			       "10.0.0.2\tr1-eth0\n"
			       "fd00::2\tr1-eth0\n"
			       "10.0.0.1\th1\n"
			       "fd00::1\th1\n"
			       "10.0.0.1\th1-eth0\n"
			       "fd00::1\th1-eth0\n");
	free(h);
	topo_free(t);
}

static void test_long_chain_is_fast(void **state)
{
	struct topo *t;
	struct timespec a, b;
	double ms;

	t = parse_ok("node r[1..2000] router\n"
		     "link r[1..1999] -- r[2..2000]\n"
		     "routing static\n");
	topo_free(t);

	clock_gettime(CLOCK_MONOTONIC, &a);
	t = parse_ok("node r[1..2000] router\n"
		     "link r[1..1999] -- r[2..2000]\n"
		     "routing static\n");
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6;
	print_message("# 2000-router chain parsed and planned in %.0f ms\n", ms);

	assert_int_equal(t->n_routes, 2 * 1998 + 1998 * 1997);
	assert_string_equal(route_to(t, "r1", "10.0.31.56/30"), "via 10.0.0.2 dev eth0 auto");
	/* generous, for sanitizer builds on a busy machine: catches a cubic algorithm, which
	 * would take minutes, not jitter */
	assert_true(ms < 10000);
	topo_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_triangle),
		cmocka_unit_test(test_chain_of_ten),
		cmocka_unit_test(test_hosts_default_routes),
		cmocka_unit_test(test_only_routers_transit),
		cmocka_unit_test(test_ipv6_needs_ipv6_segments),
		cmocka_unit_test(test_explicit_wins),
		cmocka_unit_test(test_explicit_routes_checked),
		cmocka_unit_test(test_err_duplicate_subnet),
		cmocka_unit_test(test_hosts_file),
		cmocka_unit_test(test_long_chain_is_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
