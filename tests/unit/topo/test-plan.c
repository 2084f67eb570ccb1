/* SPDX-License-Identifier: MIT */
/*
 * The address plan (src/topo/plan.c), driven from topology text: segments, automatic and
 * loopback addresses, ifindexes, MACs, and every address error with its position.
 */
#include "plan-test-util.h"

static void test_p2p_in_order(void **state)
{
	struct topo *t = parse_ok("node a b c\n"
				  "link a -- b\n"
				  "link b -- c\n"
				  "link a -- c\n");

	assert_int_equal(t->n_segments, 3);
	assert_string_equal(addr_of(t, "a:eth0", 0), "10.0.0.1/30");
	assert_string_equal(addr_of(t, "b:eth0", 0), "10.0.0.2/30");
	assert_string_equal(addr_of(t, "b:eth1", 0), "10.0.0.5/30");
	assert_string_equal(addr_of(t, "c:eth0", 0), "10.0.0.6/30");
	assert_string_equal(addr_of(t, "a:eth1", 0), "10.0.0.9/30");
	assert_string_equal(addr_of(t, "c:eth1", 0), "10.0.0.10/30");
	assert_true(t->segments[2].has4);
	assert_false(t->segments[2].has6);
	assert_string_equal(prefix_str(&t->segments[2].net4), "10.0.0.8/30");
	assert_int_equal(t->segments[2].n_ifaces, 2);
	assert_int_equal(t->segments[2].ifaces[0], iface_of(t, "a:eth1"));
	assert_int_equal(t->segments[2].ifaces[1], iface_of(t, "c:eth1"));
	assert_int_equal(t->ifaces[iface_of(t, "c:eth1")].segment, 2);
	for (size_t i = 0; i < t->n_ifaces; i++) {
		assert_int_equal(t->ifaces[i].n_addrs, 1);
		assert_int_equal(t->ifaces[i].n_user_addrs, 0);
	}
	topo_free(t);
}

static void test_switch_segments(void **state)
{
	struct topo *t = parse_ok("node a b c d h1 h2 h3\n"
				  "switch s1\n"
				  "link a -- b\n"
				  "link h[1..3] -- s1\n"
				  "link c -- d\n");

	assert_int_equal(t->n_segments, 3);
	assert_string_equal(addr_of(t, "a:eth0", 0), "10.0.0.1/30");
	assert_string_equal(addr_of(t, "h1:eth0", 0), "10.0.1.1/24");
	assert_string_equal(addr_of(t, "h2:eth0", 0), "10.0.1.2/24");
	assert_string_equal(addr_of(t, "h3:eth0", 0), "10.0.1.3/24");
	/* the cursor never goes back to the hole left before the /24 */
	assert_string_equal(addr_of(t, "c:eth0", 0), "10.0.2.1/30");
	assert_string_equal(prefix_str(&t->segments[1].net4), "10.0.1.0/24");
	assert_int_equal(t->segments[1].n_ifaces, 3);
	assert_int_equal(t->switches[0].segment, 1);
	/* bridge ports are on the segment but not in its node list */
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].on_switch) {
			assert_int_equal(t->ifaces[i].segment, 1);
			assert_int_equal(t->ifaces[i].n_addrs, 0);
		}
	topo_free(t);
}

static void switch_of_size(unsigned hosts, const char *last, const char *last_addr)
{
	char text[128];
	struct topo *t;

	snprintf(text, sizeof(text), "node h[1..%u]\nswitch s1\nlink h[1..%u] -- s1\n", hosts,
		 hosts);
	t = parse_ok(text);
	assert_int_equal(t->n_segments, 1);
	assert_int_equal(t->segments[0].n_ifaces, hosts);
	assert_string_equal(addr_of(t, "h1:eth0", 0),
			    strstr(last_addr, "/23") ? "10.0.0.1/23" : "10.0.0.1/24");
	assert_string_equal(addr_of(t, last, 0), last_addr);
	topo_free(t);
}

static void test_big_switches(void **state)
{
	switch_of_size(254, "h254:eth0", "10.0.0.254/24");
	switch_of_size(255, "h255:eth0", "10.0.0.255/23");
	switch_of_size(300, "h300:eth0", "10.0.1.44/23");
}

static void test_switch_switch(void **state)
{
	struct topo *t = parse_ok("node h1 h2 h3 h4\n"
				  "switch s1 s2 s3 s4\n"
				  "link h1 -- s1\n"
				  "link h2 -- s2\n"
				  "link h3 -- s3\n"
				  "link s1 -- s2\n"
				  "link h4 -- s1\n");
	size_t s1 = topo_find_switch(t, "s1"), s2 = topo_find_switch(t, "s2");
	size_t s3 = topo_find_switch(t, "s3"), s4 = topo_find_switch(t, "s4");

	/* s1 and s2 are joined by a later statement, yet h2 is on h1's segment from the start */
	assert_int_equal(t->n_segments, 3);
	assert_int_equal(t->switches[s1].segment, 0);
	assert_int_equal(t->switches[s2].segment, 0);
	assert_int_equal(t->switches[s3].segment, 1);
	assert_int_equal(t->switches[s4].segment, 2);
	assert_int_equal(t->segments[0].n_ifaces, 3);
	assert_int_equal(t->segments[0].ifaces[0], iface_of(t, "h1:eth0"));
	assert_int_equal(t->segments[0].ifaces[1], iface_of(t, "h2:eth0"));
	assert_int_equal(t->segments[0].ifaces[2], iface_of(t, "h4:eth0"));
	assert_string_equal(addr_of(t, "h1:eth0", 0), "10.0.0.1/24");
	assert_string_equal(addr_of(t, "h2:eth0", 0), "10.0.0.2/24");
	assert_string_equal(addr_of(t, "h4:eth0", 0), "10.0.0.3/24");
	assert_string_equal(addr_of(t, "h3:eth0", 0), "10.0.1.1/24");
	/* a switch with nothing on it is a segment without addresses */
	assert_int_equal(t->segments[2].n_ifaces, 0);
	assert_false(t->segments[2].has4);
	topo_free(t);
}

static void test_ipv6(void **state)
{
	struct topo *t = parse_ok("pool fd00:10::/48\n"
				  "node a b c\n"
				  "switch s\n"
				  "link a -- b\n"
				  "link a -- s\n"
				  "link b -- s\n"
				  "link c -- s\n");

	assert_string_equal(addr_of(t, "a:eth0", 0), "10.0.0.1/30");
	assert_string_equal(addr_of(t, "a:eth0", 1), "fd00:10::1/64");
	assert_string_equal(addr_of(t, "b:eth0", 1), "fd00:10::2/64");
	assert_string_equal(addr_of(t, "a:eth1", 1), "fd00:10:0:1::1/64");
	assert_string_equal(addr_of(t, "b:eth1", 1), "fd00:10:0:1::2/64");
	assert_string_equal(addr_of(t, "c:eth0", 0), "10.0.1.3/24");
	assert_string_equal(addr_of(t, "c:eth0", 1), "fd00:10:0:1::3/64");
	assert_true(t->segments[1].has6);
	assert_string_equal(prefix_str(&t->segments[1].net6), "fd00:10:0:1::/64");
	topo_free(t);
}

static void test_skip_user_blocks(void **state)
{
	struct topo *t = parse_ok("node a b c d e f\n"
				  "link a -- b\n"
				  "link b 10.0.0.5/30 -- c 10.0.0.6/30\n"
				  "link c -- d\n"
				  "link d 10.0.1.1/24 -- e 10.0.1.2/24\n"
				  "switch s\n"
				  "link e -- s\n"
				  "link f -- s\n");

	assert_string_equal(addr_of(t, "a:eth0", 0), "10.0.0.1/30");
	assert_string_equal(addr_of(t, "b:eth1", 0), "10.0.0.5/30");
	assert_int_equal(t->ifaces[iface_of(t, "b:eth1")].n_user_addrs, 1);
	assert_int_equal(t->ifaces[iface_of(t, "b:eth1")].n_addrs, 1);
	assert_string_equal(prefix_str(&t->segments[1].net4), "10.0.0.4/30");
	assert_string_equal(addr_of(t, "c:eth1", 0), "10.0.0.9/30");
	assert_string_equal(prefix_str(&t->segments[3].net4), "10.0.1.0/24");
	/* 10.0.1.0/24 is the user's: the switch gets the next /24 */
	assert_string_equal(addr_of(t, "e:eth1", 0), "10.0.2.1/24");
	assert_string_equal(addr_of(t, "f:eth0", 0), "10.0.2.2/24");
	topo_free(t);
}

static void test_skip_user_ipv6(void **state)
{
	struct topo *t = parse_ok("pool fd00::/48\n"
				  "node a b c\n"
				  "link a fd00::1/64 -- b fd00::2/64\n"
				  "link b -- c\n");

	/* user IPv6 only: IPv4 is still planned, after the user's address */
	assert_string_equal(addr_of(t, "a:eth0", 0), "fd00::1/64");
	assert_string_equal(addr_of(t, "a:eth0", 1), "10.0.0.1/30");
	assert_string_equal(addr_of(t, "b:eth1", 0), "10.0.0.5/30");
	assert_string_equal(addr_of(t, "b:eth1", 1), "fd00:0:0:1::1/64");
	assert_string_equal(addr_of(t, "c:eth0", 1), "fd00:0:0:1::2/64");
	topo_free(t);
}

static void test_default_pool_skips_loopbacks(void **state)
{
	struct topo *t = parse_ok("node r1 r2 router\n"
				  "loopback 10.0.0.0/24\n"
				  "link r1 -- r2\n");

	assert_string_equal(addr_of(t, "r1:eth0", 0), "10.0.1.1/30");
	assert_true(t->nodes[node_of(t, "r1")].has_lo4);
	assert_string_equal(prefix_str(&t->nodes[node_of(t, "r1")].lo4), "10.0.0.1/32");
	topo_free(t);
}

static void test_ipv4_31_is_fine(void **state)
{
	struct topo *t = parse_ok("node a b\n"
				  "link a 10.0.0.0/31 -- b 10.0.0.1/31\n");

	assert_string_equal(prefix_str(&t->segments[0].net4), "10.0.0.0/31");
	topo_free(t);
}

static void test_secondary_addresses(void **state)
{
	struct topo *t = parse_ok("node a b c\n"
				  "link a 10.0.0.1/24 192.168.0.1/24 -- b 10.0.0.2/24\n"
				  "link a -- c\n");

	/* the first address of each end decides the subnet; the user's blocks are all skipped */
	assert_string_equal(prefix_str(&t->segments[0].net4), "10.0.0.0/24");
	assert_string_equal(addr_of(t, "a:eth0", 1), "192.168.0.1/24");
	assert_string_equal(addr_of(t, "a:eth1", 0), "10.0.1.1/30");
	topo_free(t);
}

static const char *const determinism_text = "pool fd00::/56\n"
					    "loopback 10.255.0.0/24\n"
					    "node r[1..5] router\n"
					    "node h[1..4]\n"
					    "switch s1 s2\n"
					    "link r[1..4] -- r[2..5]\n"
					    "link h[1..2] -- s1\n"
					    "link h[3..4] -- s2\n"
					    "link r1 -- s1\n"
					    "link r5 -- s2\n"
					    "link r3 10.9.0.1/24 -- h1 10.9.0.2/24\n"
					    "routing static\n";

static void test_determinism(void **state)
{
	struct topo *a = parse_ok(determinism_text), *b = parse_ok(determinism_text);
	char *ha = topo_hosts_file(a), *hb = topo_hosts_file(b);

	assert_int_equal(a->n_ifaces, b->n_ifaces);
	for (size_t i = 0; i < a->n_ifaces; i++) {
		assert_int_equal(a->ifaces[i].n_addrs, b->ifaces[i].n_addrs);
		assert_memory_equal(a->ifaces[i].addrs, b->ifaces[i].addrs,
				    a->ifaces[i].n_addrs * sizeof(struct topo_addr));
		assert_memory_equal(a->ifaces[i].mac, b->ifaces[i].mac, 6);
		assert_int_equal(a->ifaces[i].ifindex, b->ifaces[i].ifindex);
	}
	assert_int_equal(a->n_routes, b->n_routes);
	assert_true(a->n_routes > 0);
	assert_non_null(ha);
	assert_non_null(hb);
	assert_string_equal(ha, hb);
	free(ha);
	free(hb);
	topo_free(a);
	topo_free(b);
}

static void test_macs(void **state)
{
	struct topo *t = parse_ok(determinism_text);
	size_t n = t->n_ifaces + t->n_switches;
	uint8_t(*macs)[6] = calloc(n, 6);
	char buf[18];

	assert_non_null(macs);
	for (size_t i = 0; i < t->n_ifaces; i++)
		memcpy(macs[i], t->ifaces[i].mac, 6);
	for (size_t s = 0; s < t->n_switches; s++)
		memcpy(macs[t->n_ifaces + s], t->switches[s].mac, 6);
	for (size_t i = 0; i < n; i++) {
		assert_true(macs[i][0] & 0x02);	 /* locally administered */
		assert_false(macs[i][0] & 0x01); /* unicast */
		for (size_t j = 0; j < i; j++)
			assert_memory_not_equal(macs[i], macs[j], 6);
	}
	assert_string_equal(topo_mac_str(t->ifaces[0].mac, buf, sizeof(buf)), "02:4c:00:00:00:01");
	assert_string_equal(topo_mac_str(t->ifaces[1].mac, buf, sizeof(buf)), "02:4c:00:00:00:02");
	assert_int_equal(t->switches[1].mac[5], t->n_ifaces + 2);
	free(macs);
	topo_free(t);
}

static void test_ifindexes(void **state)
{
	struct topo *t = parse_ok("node r1 r2\n"
				  "switch s1 s2\n"
				  "link r1 -- r2\n"
				  "link r1 -- s1\n"
				  "link r1 -- s2\n"
				  "link r2 -- s1\n"
				  "link s1 -- s2\n");
	static const char *const port_owner[] = { "s1", "s2", "s1", "s1", "s2" };
	size_t p = 0;

	assert_int_equal(t->ifaces[iface_of(t, "r1:eth0")].ifindex, 2);
	assert_int_equal(t->ifaces[iface_of(t, "r1:eth1")].ifindex, 3);
	assert_int_equal(t->ifaces[iface_of(t, "r1:eth2")].ifindex, 4);
	assert_int_equal(t->ifaces[iface_of(t, "r2:eth0")].ifindex, 2);
	assert_int_equal(t->ifaces[iface_of(t, "r2:eth1")].ifindex, 3);
	assert_int_equal(t->switches[topo_find_switch(t, "s1")].ifindex, 2);
	assert_int_equal(t->switches[topo_find_switch(t, "s2")].ifindex, 3);
	/* bridge ports follow the bridges in lab-root, in iface order */
	for (size_t i = 0; i < t->n_ifaces; i++) {
		if (!t->ifaces[i].on_switch)
			continue;
		assert_true(p < 5);
		assert_string_equal(t->switches[t->ifaces[i].owner].name, port_owner[p]);
		assert_int_equal(t->ifaces[i].ifindex, 4 + (int)p);
		p++;
	}
	assert_int_equal(p, 5);
	topo_free(t);
}

static void test_loopbacks(void **state)
{
	struct topo *t = parse_ok("node r1 router\n"
				  "node h1\n"
				  "node r2 router\n"
				  "loopback 10.255.0.0/24\n"
				  "loopback fd00:ff::/64\n"
				  "link r1 -- h1\n"
				  "link h1 -- r2\n");
	const struct topo_node *r1 = &t->nodes[node_of(t, "r1")], *r2 = &t->nodes[node_of(t, "r2")];
	const struct topo_node *h1 = &t->nodes[node_of(t, "h1")];

	assert_true(r1->has_lo4 && r1->has_lo6 && r2->has_lo4 && r2->has_lo6);
	assert_false(h1->has_lo4 || h1->has_lo6);
	assert_string_equal(prefix_str(&r1->lo4), "10.255.0.1/32");
	assert_string_equal(prefix_str(&r2->lo4), "10.255.0.2/32");
	assert_string_equal(prefix_str(&r1->lo6), "fd00:ff::1/128");
	assert_string_equal(prefix_str(&r2->lo6), "fd00:ff::2/128");
	/* no IPv6 pool: links stay IPv4 only */
	assert_int_equal(t->ifaces[iface_of(t, "r1:eth0")].n_addrs, 1);
	topo_free(t);
}

/* ---- errors, one test each ---- */

static void test_err_duplicate(void **state)
{
	expect_error("node a b c d\n"
		     "link a 10.0.0.1/24 -- b 10.0.0.2/24\n"
		     "link c 10.0.0.1/24 -- d 10.0.0.3/24\n",
		     3, 8, "address 10.0.0.1 is already used by 'a:eth0'");
	/* the earliest second use is the one reported */
	expect_error("node a b c d\n"
		     "link a 10.0.0.1/24 -- b 10.0.0.1/24\n"
		     "link c 10.0.0.2/24 -- d 10.0.0.2/24\n",
		     2, 25, "address 10.0.0.1 is already used by 'a:eth0'");
	expect_error("node a b c d\n"
		     "link a fd00::1/64 -- b fd00::2/64\n"
		     "link c fd00::2/64 -- d fd00::3/64\n",
		     3, 8, "address fd00::2 is already used by 'b:eth0'");
}

static void test_err_not_one_subnet(void **state)
{
	expect_error("node a b\n"
		     "link a 10.0.0.1/24 -- b 10.0.1.2/24\n",
		     2, 25,
		     "address 10.0.1.2/24 is not in the subnet 10.0.0.0/24 of 'a:eth0' on the same "
		     "segment");
	expect_error("node a b\n"
		     "link a 10.0.0.1/24 -- b 10.0.0.2/25\n",
		     2, 25,
		     "address 10.0.0.2/25 is not in the subnet 10.0.0.0/24 of 'a:eth0' on the same "
		     "segment");
}

static void test_err_mixed_segment(void **state)
{
	expect_error("node h1 h2\n"
		     "switch s\n"
		     "link h1 10.0.0.1/24 -- s\n"
		     "link h2 -- s\n",
		     4, 6, "'h2:eth0' has no IPv4 address but other ends of this segment do");
	expect_error("node a b\n"
		     "link a 10.0.0.1/30 fd00::1/64 -- b 10.0.0.2/30\n",
		     2, 34, "'b:eth0' has no IPv6 address but other ends of this segment do");
}

static void test_err_family_mismatch(void **state)
{
	expect_error("node a b\n"
		     "link a 10.0.0.1/30 -- b fd00::2/64\n",
		     2, 23, "'b:eth0' has no IPv4 address but other ends of this segment do");
}

static void test_err_network_broadcast(void **state)
{
	expect_error("node a b\n"
		     "link a 10.0.0.0/24 -- b 10.0.0.2/24\n",
		     2, 8, "address 10.0.0.0/24 is the network address of its subnet");
	expect_error("node a b\n"
		     "link a 10.0.0.1/24 -- b 10.0.0.255/24\n",
		     2, 25, "address 10.0.0.255/24 is the broadcast address of its subnet");
}

static void test_err_overlapping_pools(void **state)
{
	expect_error("pool 10.0.0.0/16\n"
		     "loopback 10.0.255.0/24\n",
		     2, 10,
		     "overlapping pools: IPv4 loopback range 10.0.255.0/24 overlaps the pool "
		     "10.0.0.0/16");
	expect_error("loopback 10.0.255.0/24\n"
		     "pool 10.0.0.0/16\n",
		     2, 1,
		     "overlapping pools: IPv4 pool 10.0.0.0/16 overlaps the loopback range "
		     "10.0.255.0/24");
	expect_error(
		"pool fd00::/48\n"
		"loopback fd00::/64\n",
		2, 10,
		"overlapping pools: IPv6 loopback range fd00::/64 overlaps the pool fd00::/48");
}

static void test_err_pool_exhausted(void **state)
{
	expect_error("pool 10.0.0.0/29\n"
		     "node a b c\n"
		     "link a -- b\n"
		     "link b -- c\n"
		     "link c -- a\n",
		     1, 1, "IPv4 pool 10.0.0.0/29 has no room left for a /30");
	expect_error("pool 10.0.0.0/25\n"
		     "node a\n"
		     "switch s\n"
		     "link a -- s\n",
		     1, 1, "IPv4 pool 10.0.0.0/25 has no room left for a /24");
	/* the user's subnet takes the rest of the pool */
	expect_error("pool 10.0.0.0/28\n"
		     "node a b c\n"
		     "link a 10.0.0.6/29 -- b 10.0.0.5/29\n"
		     "link b -- c\n"
		     "link c -- a\n"
		     "link a -- b\n",
		     1, 1, "IPv4 pool 10.0.0.0/28 has no room left for a /30");
	expect_error("pool fd00::/63\n"
		     "node a b c\n"
		     "link a -- b\n"
		     "link b -- c\n"
		     "link c -- a\n",
		     1, 1, "IPv6 pool fd00::/63 has no room left for a /64");
}

static void test_err_loopback_exhausted(void **state)
{
	expect_error("node r[1..3] router\n"
		     "loopback 10.255.0.0/30\n",
		     2, 10, "IPv4 loopback range 10.255.0.0/30 has no room left for router 'r3'");
	expect_error("node r[1..2] router\n"
		     "loopback fd00::/127\n",
		     2, 10, "IPv6 loopback range fd00::/127 has no room left for router 'r2'");
}

static void test_err_address_in_loopback_range(void **state)
{
	expect_error("loopback 10.255.0.0/24\n"
		     "node a b\n"
		     "link a 10.255.0.1/30 -- b 10.255.0.2/30\n",
		     3, 8, "address 10.255.0.1/30 overlaps the IPv4 loopback range 10.255.0.0/24");
}

static void test_err_too_many_addresses(void **state)
{
	expect_error(
		"pool fd00::/48\n"
		"node a b\n"
		"link a 10.0.0.1/24 10.0.1.1/24 10.0.2.1/24 10.0.3.1/24 10.0.4.1/24 10.0.5.1/24 "
		"10.0.6.1/24 10.0.7.1/24 -- b 10.0.0.2/24\n",
		3, 6,
		"'a:eth0' has no room for a planned IPv6 address (at most 8 addresses per "
		"interface)");
}

static void test_err_marker(void **state)
{
	static const char text[] = "node a b\n"
				   "link a 10.0.0.1/24 -- b\t10.0.0.255/24  # typo\n";
	struct topo *t = NULL;
	struct topo_error err = { 0 };
	char buf[512];

	assert_int_equal(topo_parse_string("x.conf", text, strlen(text), &t, &err), -EINVAL);
	/* the marker spans the address as written, not more */
	assert_int_equal(err.len, strlen("10.0.0.255/24"));
	assert_string_equal(err.text, "link a 10.0.0.1/24 -- b\t10.0.0.255/24  # typo");
	assert_string_equal(err.file, "x.conf");
	topo_error_format(&err, buf, sizeof(buf));
	assert_non_null(strstr(buf, "x.conf:2:25: address 10.0.0.255/24 is the broadcast"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_p2p_in_order),
		cmocka_unit_test(test_switch_segments),
		cmocka_unit_test(test_big_switches),
		cmocka_unit_test(test_switch_switch),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_skip_user_blocks),
		cmocka_unit_test(test_skip_user_ipv6),
		cmocka_unit_test(test_default_pool_skips_loopbacks),
		cmocka_unit_test(test_ipv4_31_is_fine),
		cmocka_unit_test(test_secondary_addresses),
		cmocka_unit_test(test_determinism),
		cmocka_unit_test(test_macs),
		cmocka_unit_test(test_ifindexes),
		cmocka_unit_test(test_loopbacks),
		cmocka_unit_test(test_err_duplicate),
		cmocka_unit_test(test_err_not_one_subnet),
		cmocka_unit_test(test_err_mixed_segment),
		cmocka_unit_test(test_err_family_mismatch),
		cmocka_unit_test(test_err_network_broadcast),
		cmocka_unit_test(test_err_overlapping_pools),
		cmocka_unit_test(test_err_pool_exhausted),
		cmocka_unit_test(test_err_loopback_exhausted),
		cmocka_unit_test(test_err_address_in_loopback_range),
		cmocka_unit_test(test_err_too_many_addresses),
		cmocka_unit_test(test_err_marker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
