/* SPDX-License-Identifier: MIT */
/*
 * The parser: lexer, every statement, ranges, interface naming. Topologies here are valid for
 * the planner too, since topo_parse_string() runs it; assertions stay on what the parser decides.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo-internal.h"

#define ELEMENTS(x) (sizeof(x) / sizeof((x)[0]))

static struct topo *parse_named(const char *file, const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string(file, text, strlen(text), &t, &err);

	if (r < 0)
		fail_msg("parse failed (%d): %u:%u: %s", r, err.line, err.col, err.message);
	assert_non_null(t);
	return t;
}

static struct topo *parse(const char *text)
{
	return parse_named("test.conf", text);
}

static size_t node(const struct topo *t, const char *name)
{
	size_t n = topo_find_node(t, name);

	if (n == TOPO_NONE)
		fail_msg("no node '%s'", name);
	return n;
}

static const struct topo_iface *iface(const struct topo *t, const char *nname, const char *ifname)
{
	size_t k = topo_find_iface(t, node(t, nname), ifname);

	if (k == TOPO_NONE)
		fail_msg("no interface '%s' on '%s'", ifname, nname);
	return &t->ifaces[k];
}

static const char *owner_name(const struct topo *t, const struct topo_iface *f)
{
	return f->on_switch ? t->switches[f->owner].name : t->nodes[f->owner].name;
}

static void assert_addr(const struct topo_addr *a, const char *text)
{
	char buf[TOPO_ADDRSTRLEN];

	assert_string_equal(topo_addr_str(a, true, buf, sizeof(buf)), text);
}

/* ---- lexer ---- */

static void test_empty_and_comments(void **state)
{
	struct topo *t;

	t = parse("");
	assert_int_equal(t->n_nodes, 0);
	assert_string_equal(t->lab, "test");
	topo_free(t);

	t = parse("\n\n   \t\n# only a comment\n  # indented comment \\\n");
	assert_int_equal(t->n_nodes, 0);
	topo_free(t);
}

/* A '#' inside a token is not a comment; one that begins a token is. */
static void test_hash_inside_token(void **state)
{
	struct topo *t = parse("node a b  # c\nexec a echo x#y # comment\n");

	assert_int_equal(t->n_nodes, 2);
	assert_int_equal(t->n_cmds, 1);
	assert_string_equal(t->cmds[0].command, "echo x#y");
	topo_free(t);
}

static void test_continuation(void **state)
{
	/* CRLF line ends, blanks after the backslash, a comment line ending in '\' that must not
	 * swallow the next statement. */
	const char *text = "node a \\\r\n"
			   "     b\\   \n"
			   "c\r\n"
			   "# not continued \\\n"
			   "switch s1\n"
			   "link a -- \\\n"
			   "\\\n"
			   "   b mtu=1400\n";
	struct topo *t = parse(text);

	assert_int_equal(t->n_nodes, 3);
	assert_string_equal(t->nodes[0].name, "a");
	assert_int_equal(t->nodes[0].pos.line, 1);
	assert_int_equal(t->nodes[0].pos.col, 6);
	assert_string_equal(t->nodes[1].name, "b");
	assert_int_equal(t->nodes[1].pos.line, 2);
	assert_int_equal(t->nodes[1].pos.col, 6);
	/* A continuation separates tokens, so "b\" + "c" are two names. */
	assert_string_equal(t->nodes[2].name, "c");
	assert_int_equal(t->nodes[2].pos.line, 3);
	assert_int_equal(t->nodes[2].pos.col, 1);
	assert_int_equal(t->n_switches, 1);
	assert_int_equal(t->switches[0].pos.line, 5);
	assert_int_equal(t->n_links, 1);
	assert_int_equal(t->links[0].pos.line, 6);
	assert_int_equal(t->links[0].mtu, 1400);
	assert_int_equal(t->ifaces[t->links[0].end[1]].pos.line, 8);
	assert_int_equal(t->ifaces[t->links[0].end[1]].pos.col, 4);
	topo_free(t);
}

static void test_continuation_at_eof(void **state)
{
	struct topo *t = parse("node a b \\");

	assert_int_equal(t->n_nodes, 2);
	topo_free(t);
}

/* ---- lab, pool, loopback, routing ---- */

static void test_lab_name(void **state)
{
	struct topo *t;

	t = parse_named("/some/dir/my-lab.conf", "");
	assert_string_equal(t->lab, "my-lab");
	assert_string_equal(t->file, "/some/dir/my-lab.conf");
	assert_int_equal(t->lab_pos.line, 0);
	topo_free(t);

	t = parse_named("noext", "");
	assert_string_equal(t->lab, "noext");
	topo_free(t);

	t = parse_named("/x/bad name.conf", "\n lab good_1\n");
	assert_string_equal(t->lab, "good_1");
	assert_int_equal(t->lab_pos.line, 2);
	assert_int_equal(t->lab_pos.col, 2);
	topo_free(t);
}

static void test_pools(void **state)
{
	struct topo *t;

	t = parse("");
	assert_addr(&t->pool4, "10.0.0.0/8");
	assert_int_equal(t->pool4.family, AF_INET);
	assert_int_equal(t->pool4_pos.line, 0);
	assert_int_equal(t->pool4_pos.col, 0);
	assert_false(t->has_pool6);
	topo_free(t);

	t = parse("pool fd00:10::/48\npool 172.16.0.0/16\n");
	assert_addr(&t->pool4, "172.16.0.0/16");
	assert_int_equal(t->pool4_pos.line, 2);
	assert_true(t->has_pool6);
	assert_int_equal(t->pool6.family, AF_INET6);
	assert_addr(&t->pool6, "fd00:10::/48");
	assert_int_equal(t->pool6_pos.line, 1);
	topo_free(t);
}

static void test_loopback_and_routing(void **state)
{
	struct topo *t;

	t = parse("loopback 10.255.0.0/24 fd00:ff::/64\nrouting static\nnode r1 router\n");
	assert_true(t->has_lo4);
	assert_true(t->has_lo6);
	assert_addr(&t->loopback4, "10.255.0.0/24");
	assert_addr(&t->loopback6, "fd00:ff::/64");
	assert_int_equal(t->loopback4_pos.col, 10);
	assert_int_equal(t->loopback6_pos.col, 24);
	assert_true(t->routing_static);
	assert_int_equal(t->routing_pos.line, 2);
	topo_free(t);

	t = parse("loopback fd00:ff::/64\nloopback 10.255.0.0/24\n");
	assert_true(t->has_lo4);
	assert_true(t->has_lo6);
	assert_int_equal(t->loopback4_pos.line, 2);
	assert_false(t->routing_static);
	topo_free(t);
}

/* ---- node, switch, ranges ---- */

static void test_node_flags(void **state)
{
	struct topo *t = parse("node a\nnode r1 router r2 pid ipc\nnode h pid\n");

	assert_int_equal(t->n_nodes, 4);
	assert_int_equal(t->nodes[0].flags, 0);
	assert_int_equal(t->nodes[1].flags, TOPO_NODE_ROUTER | TOPO_NODE_PID | TOPO_NODE_IPC);
	assert_int_equal(t->nodes[2].flags, TOPO_NODE_ROUTER | TOPO_NODE_PID | TOPO_NODE_IPC);
	assert_string_equal(t->nodes[2].name, "r2");
	assert_int_equal(t->nodes[2].pos.col, 16);
	assert_int_equal(t->nodes[3].flags, TOPO_NODE_PID);
	assert_int_equal(t->nodes[3].n_ifaces, 0);
	assert_null(t->nodes[3].ifaces);
	topo_free(t);
}

/* Issue 13: a root of its own, per node, for every name of a range. */
static void test_node_rootfs(void **state)
{
	struct topo *t = parse("node a\nnode r[1..2] router rootfs=/srv/root\n"
			       "node h image=oci:/x/y:latest cmd=none\nnode c rootfs=host-cow\n"
			       "file r1 /etc/bird/bird.conf <<E\nx\nE\n");

	assert_null(t->nodes[0].rootfs);
	assert_null(t->nodes[0].image);
	assert_string_equal(t->nodes[1].rootfs, "/srv/root");
	assert_string_equal(t->nodes[2].rootfs, "/srv/root");
	assert_int_equal(t->nodes[2].flags, TOPO_NODE_ROUTER);
	assert_int_equal(t->nodes[2].fs_pos.col, 21);
	assert_string_equal(t->nodes[3].image, "oci:/x/y:latest");
	assert_true(t->nodes[3].cmd_none);
	assert_false(t->nodes[1].cmd_none);
	assert_string_equal(t->nodes[4].rootfs, TOPO_ROOTFS_HOST_COW);
	/* A file anywhere in a node with its own root: no mount needed. */
	assert_int_equal(t->n_files, 1);
	assert_int_equal(t->files[0].mount, TOPO_NONE);
	topo_free(t);
}

/* Issue 13: `defaults rootfs=|image=` gives every node without a root of its own the default
 * (wherever the node is declared); rootfs=host opts out; switches have no root. */
static void test_default_root(void **state)
{
	struct topo *t = parse("node a\nnode h[1..2] cmd=none\nnode own rootfs=/srv/r\n"
			       "node plain rootfs=host\nswitch s1\nlink a -- s1\n"
			       "defaults memory=1G image=oci:/x/y\nnode late\n"
			       "file plain /run/x <<E\nE\nmount plain tmpfs /run\n");

	for (size_t i = 0; i < 3; i++) {
		assert_string_equal(t->nodes[i].image, "oci:/x/y");
		assert_null(t->nodes[i].rootfs);
		assert_int_equal(t->nodes[i].fs_pos.line, 7);
		assert_int_equal(t->nodes[i].fs_pos.col, 20);
	}
	assert_true(t->nodes[1].cmd_none);
	assert_string_equal(t->nodes[3].rootfs, "/srv/r");
	assert_null(t->nodes[3].image);
	assert_int_equal(t->nodes[3].fs_pos.line, 3);
	assert_null(t->nodes[4].rootfs);
	assert_null(t->nodes[4].image);
	assert_string_equal(t->nodes[5].name, "late");
	assert_string_equal(t->nodes[5].image, "oci:/x/y");
	assert_true(t->nodes[5].limits.set[TOPO_LIMIT_MEMORY]);
	topo_free(t);

	t = parse("defaults rootfs=host-cow\nnode a\nnode b image=bb\n");
	assert_string_equal(t->nodes[0].rootfs, TOPO_ROOTFS_HOST_COW);
	assert_null(t->nodes[1].rootfs);
	assert_string_equal(t->nodes[1].image, "bb");
	topo_free(t);

	/* rootfs=host without a default: the host's tree, as without it. */
	t = parse("node a rootfs=host\n");
	assert_null(t->nodes[0].rootfs);
	assert_null(t->nodes[0].image);
	topo_free(t);
}

/* Issue 13: `defaults cmd=none` stops the image's command in every image node (own image or
 * the default one) whose statement gives no cmd=; cmd=image keeps it; nodes without an image
 * are left alone (a lab may mix them). */
static void test_default_cmd(void **state)
{
	struct topo *t = parse("defaults cmd=none image=bb\nnode a\nnode b cmd=image\n"
			       "node c rootfs=host\nnode d image=x\nnode e rootfs=/r\n");

	assert_true(t->nodes[0].cmd_none);
	assert_false(t->nodes[1].cmd_none);
	assert_int_equal(t->nodes[1].cmd_pos.col, 8);
	assert_null(t->nodes[2].image);
	assert_false(t->nodes[2].cmd_none);
	assert_true(t->nodes[3].cmd_none);
	assert_false(t->nodes[4].cmd_none);
	assert_int_equal(t->default_cmd_pos.line, 1);
	assert_int_equal(t->default_cmd_pos.col, 10);
	topo_free(t);

	/* A default declared after the nodes; without any image node it changes nothing. */
	t = parse("node a image=x\nnode b\ndefaults memory=1G cmd=none\n");
	assert_true(t->nodes[0].cmd_none);
	assert_false(t->nodes[1].cmd_none);
	topo_free(t);

	/* cmd=image as the default is the behaviour without one; a node's cmd=none still wins. */
	t = parse("defaults cmd=image image=x\nnode a cmd=none\nnode b\n");
	assert_true(t->nodes[0].cmd_none);
	assert_false(t->nodes[1].cmd_none);
	topo_free(t);
}

static void test_switch(void **state)
{
	struct topo *t = parse("switch s1 s2 stp\nswitch a-b_c\n");

	assert_int_equal(t->n_switches, 3);
	assert_string_equal(t->switches[0].name, "s1");
	assert_true(t->switches[0].stp);
	assert_true(t->switches[1].stp);
	assert_false(t->switches[2].stp);
	assert_string_equal(t->switches[2].name, "a-b_c");
	assert_int_equal(topo_find_switch(t, "s2"), 1);
	assert_int_equal(topo_find_switch(t, "s3"), TOPO_NONE);
	assert_int_equal(topo_find_node(t, "s1"), TOPO_NONE);
	topo_free(t);
}

static void test_name_lists_expand_each(void **state)
{
	struct topo *t = parse("node h[1..3] r[1..2] x\n");
	const char *want[] = {"h1", "h2", "h3", "r1", "r2", "x"};

	assert_int_equal(t->n_nodes, 6);
	for (size_t i = 0; i < 6; i++) {
		assert_string_equal(t->nodes[i].name, want[i]);
		assert_int_equal(t->nodes[i].pos.col, i < 3 ? 6 : i < 5 ? 14 : 22);
	}
	topo_free(t);
}

static void test_range_padding_and_suffix(void **state)
{
	struct topo *t = parse("node h[08..10] r[1..3]x n[001..2] p[0..1]\n");
	const char *want[] = {"h08", "h09", "h10", "r1x", "r2x", "r3x", "n001", "n002", "p0", "p1"};

	assert_int_equal(t->n_nodes, ELEMENTS(want));
	for (size_t i = 0; i < ELEMENTS(want); i++)
		assert_string_equal(t->nodes[i].name, want[i]);
	topo_free(t);
}

static void test_range_two_in_one_name(void **state)
{
	struct topo *t = parse("switch s[1..2]-[5..6]\n");

	assert_int_equal(t->n_switches, 2);
	assert_string_equal(t->switches[0].name, "s1-5");
	assert_string_equal(t->switches[1].name, "s2-6");
	topo_free(t);
}

static void test_link_chain(void **state)
{
	struct topo *t = parse("node r[1..10] router\nlink r[1..9] -- r[2..10]\n");

	assert_int_equal(t->n_links, 9);
	assert_int_equal(t->n_ifaces, 18);
	for (size_t i = 0; i < 9; i++) {
		const struct topo_link *l = &t->links[i];
		char a[8], b[8];

		snprintf(a, sizeof(a), "r%zu", i + 1);
		snprintf(b, sizeof(b), "r%zu", i + 2);
		assert_string_equal(owner_name(t, &t->ifaces[l->end[0]]), a);
		assert_string_equal(owner_name(t, &t->ifaces[l->end[1]]), b);
		assert_int_equal(l->pos.line, 2);
		assert_int_equal(t->ifaces[l->end[0]].pos.col, 6);
		assert_int_equal(t->ifaces[l->end[1]].pos.col, 17);
	}
	/* r1 and r10 have one link, the others two: eth0 to the left, eth1 to the right. */
	assert_int_equal(t->nodes[node(t, "r1")].n_ifaces, 1);
	assert_int_equal(t->nodes[node(t, "r10")].n_ifaces, 1);
	assert_int_equal(t->nodes[node(t, "r5")].n_ifaces, 2);
	assert_int_equal(iface(t, "r5", "eth0")->peer, topo_find_iface(t, node(t, "r4"), "eth1"));
	assert_int_equal(iface(t, "r5", "eth1")->peer, topo_find_iface(t, node(t, "r6"), "eth0"));
	topo_free(t);
}

static void test_ranges_advance_in_addresses(void **state)
{
	struct topo *t = parse("node h[1..3]\nswitch s\n"
			       "link h[1..3]:lan 192.168.1.[11..13]/24 -- s:p[1..3]\n");

	assert_int_equal(t->n_links, 3);
	for (int i = 1; i <= 3; i++) {
		char n[4], a[32], p[4];
		const struct topo_iface *f;

		snprintf(n, sizeof(n), "h%d", i);
		snprintf(a, sizeof(a), "192.168.1.%d/24", 10 + i);
		snprintf(p, sizeof(p), "p%d", i);
		f = iface(t, n, "lan");
		assert_int_equal(f->n_user_addrs, 1);
		assert_addr(&f->addrs[0], a);
		assert_int_equal(f->addr_pos[0].col, 18);
		assert_string_equal(t->ifaces[f->peer].name, p);
		assert_true(t->ifaces[f->peer].on_switch);
	}
	topo_free(t);
}

/* ---- link ---- */

static void test_link_fields(void **state)
{
	struct topo *t =
		parse("node a b\n"
		      "link a 10.1.0.1/24 fd00::1/64 -- b:wan 10.1.0.2/24 fd00::2/64 mtu=9000\n");
	const struct topo_link *l = &t->links[0];
	const struct topo_iface *fa = &t->ifaces[l->end[0]], *fb = &t->ifaces[l->end[1]];

	assert_int_equal(t->n_links, 1);
	assert_int_equal(t->n_ifaces, 2);
	assert_int_equal(l->mtu, 9000);
	assert_false(l->impair.set);
	assert_string_equal(fa->name, "eth0");
	assert_string_equal(fb->name, "wan");
	assert_false(fa->on_switch);
	assert_int_equal(fa->owner, 0);
	assert_int_equal(fb->owner, 1);
	assert_int_equal(fa->link, 0);
	assert_int_equal(fa->peer, l->end[1]);
	assert_int_equal(fb->peer, l->end[0]);
	assert_int_equal(fa->mtu, 9000);
	assert_int_equal(fb->mtu, 9000);
	assert_int_equal(fa->n_user_addrs, 2);
	assert_true(fa->n_addrs >= 2);
	assert_addr(&fa->addrs[0], "10.1.0.1/24");
	assert_addr(&fa->addrs[1], "fd00::1/64");
	assert_int_equal(fa->addr_pos[0].col, 8);
	assert_int_equal(fa->addr_pos[1].col, 20);
	assert_addr(&fb->addrs[1], "fd00::2/64");
	assert_int_equal(fb->addr_pos[0].line, 2);
	assert_int_equal(fb->addr_pos[0].col, 40);
	assert_int_equal(fa->pos.col, 6);
	assert_int_equal(fb->pos.col, 34);
	topo_free(t);
}

static void test_link_impairments(void **state)
{
	struct topo *t =
		parse("node a b c\n"
		      "link a -- b mtu=1500 delay=10ms jitter=1.5ms loss=0.5% duplicate=1% "
		      "corrupt=100% reorder=25% rate=10mbit limit=1000\n"
		      "link a -- c delay=2s\n"
		      "link b -- c rate=1kibps\n");
	const struct topo_impair *im = &t->links[0].impair;

	assert_true(im->set);
	assert_int_equal(im->pos.line, 2);
	assert_int_equal(im->pos.col, 22);
	assert_int_equal(im->delay_ns, 10000000);
	assert_int_equal(im->jitter_ns, 1500000);
	assert_int_equal(im->loss, 21474836);
	assert_int_equal(im->duplicate, 42949673);
	assert_int_equal(im->corrupt, UINT32_MAX);
	assert_int_equal(im->reorder, 1073741824);
	assert_int_equal(im->rate_bps, 10000000);
	assert_int_equal(im->limit, 1000);
	assert_int_equal(t->links[0].mtu, 1500);

	im = &t->links[1].impair;
	assert_true(im->set);
	assert_int_equal(im->delay_ns, 2000000000ULL);
	assert_int_equal(im->loss, 0);
	assert_int_equal(im->rate_bps, 0);
	assert_int_equal(t->links[1].mtu, 0);

	assert_int_equal(t->links[2].impair.rate_bps, 8192);
	assert_int_equal(t->links[2].impair.pos.col, 13);
	topo_free(t);
}

static void test_default_ifnames(void **state)
{
	/* Explicit names are skipped by the ethN counter; the node's array keeps declaration
	 * order. */
	struct topo *t = parse("node a b c d\n"
			       "link a:eth1 -- b\n"
			       "link a -- c\n"
			       "link a:mgmt -- d\n"
			       "link a -- b\n"
			       "link a -- d\n");
	const struct topo_node *a = &t->nodes[node(t, "a")];
	const char *want[] = {"eth1", "eth0", "mgmt", "eth2", "eth3"};

	assert_int_equal(a->n_ifaces, 5);
	for (size_t i = 0; i < 5; i++)
		assert_string_equal(t->ifaces[a->ifaces[i]].name, want[i]);
	assert_string_equal(iface(t, "b", "eth1")->name, "eth1");
	assert_string_equal(owner_name(t, &t->ifaces[iface(t, "b", "eth1")->peer]), "a");
	assert_string_equal(t->ifaces[iface(t, "b", "eth1")->peer].name, "eth2");
	assert_int_equal(t->nodes[node(t, "d")].n_ifaces, 2);
	topo_free(t);
}

static void test_many_ifaces_on_one_node(void **state)
{
	struct topo *t = parse("node hub h[1..40]\nlink hub -- h[1..40]\n");
	const struct topo_node *hub = &t->nodes[0];

	assert_int_equal(hub->n_ifaces, 40);
	for (size_t i = 0; i < 40; i++) {
		char want[8];

		snprintf(want, sizeof(want), "eth%zu", i);
		assert_string_equal(t->ifaces[hub->ifaces[i]].name, want);
		assert_int_equal(t->ifaces[hub->ifaces[i]].link, i);
	}
	topo_free(t);
}

static void test_switch_port_names(void **state)
{
	/* SWITCH-K while it fits in 15 bytes, then spN; names taken explicitly are skipped. */
	struct topo *t = parse("node h[1..12]\n"
			       "switch s abcdefghijklm\n"
			       "link h1 -- s:s-2\n"
			       "link h2 -- s\n"
			       "link h3 -- s\n"
			       "link h[4..12] -- abcdefghijklm\n"
			       "link s -- abcdefghijklm\n");
	const char *sw_names[] = {"s-1", "s-3"};

	assert_string_equal(t->ifaces[iface(t, "h1", "eth0")->peer].name, "s-2");
	for (int i = 0; i < 2; i++) {
		char n[4];

		snprintf(n, sizeof(n), "h%d", i + 2);
		assert_string_equal(t->ifaces[iface(t, n, "eth0")->peer].name, sw_names[i]);
	}
	for (int i = 4; i <= 12; i++) {
		char n[4], want[16];

		snprintf(n, sizeof(n), "h%d", i);
		snprintf(want, sizeof(want), "abcdefghijklm-%d", i - 3);
		assert_string_equal(t->ifaces[iface(t, n, "eth0")->peer].name, want);
	}
	/* The switch-switch link: both ends are bridge ports in lab-root. */
	{
		const struct topo_link *l = &t->links[t->n_links - 1];

		assert_true(t->ifaces[l->end[0]].on_switch);
		assert_true(t->ifaces[l->end[1]].on_switch);
		assert_string_equal(t->ifaces[l->end[0]].name, "s-4");
		/* "abcdefghijklm-10" would be 16 bytes */
		assert_string_equal(t->ifaces[l->end[1]].name, "sp1");
	}
	topo_free(t);
}

static void test_switch_port_long_name(void **state)
{
	struct topo *t = parse("node a b\nswitch abcdefghijklmn xyzxyzxyzxyzxyz\n"
			       "link a -- abcdefghijklmn\nlink b -- xyzxyzxyzxyzxyz\n"
			       "link a -- xyzxyzxyzxyzxyz\n");

	assert_string_equal(t->ifaces[iface(t, "a", "eth0")->peer].name, "sp1");
	assert_string_equal(t->ifaces[iface(t, "b", "eth0")->peer].name, "sp2");
	assert_string_equal(t->ifaces[iface(t, "a", "eth1")->peer].name, "sp3");
	topo_free(t);
}

/* ---- route ---- */

static void test_routes(void **state)
{
	struct topo *t = parse("node a b\n"
			       "link a 10.1.0.1/24 fd00::1/64 -- b 10.1.0.2/24 fd00::2/64\n"
			       "link a:x 10.2.0.1/24 -- b 10.2.0.2/24\n"
			       "route a 10.9.0.0/16 via 10.2.0.2 dev x metric 5\n"
			       "route a default via 10.1.0.2\n"
			       "route a fd00:9::/48 via fd00::2 metric 4294967295\n"
			       "route b default via fd00::1 dev eth0\n");
	const struct topo_route *r;

	assert_true(t->n_routes >= 4);
	r = &t->routes[0];
	assert_int_equal(r->node, node(t, "a"));
	assert_addr(&r->dst, "10.9.0.0/16");
	assert_true(topo_addr_equal_host(&r->via, &iface(t, "b", "eth1")->addrs[0]));
	{
		char buf[TOPO_ADDRSTRLEN];

		assert_string_equal(topo_addr_str(&r->via, false, buf, sizeof(buf)), "10.2.0.2");
	}
	assert_int_equal(r->iface, topo_find_iface(t, node(t, "a"), "x"));
	assert_int_equal(r->metric, 5);
	assert_false(r->automatic);
	assert_int_equal(r->pos.line, 4);
	assert_int_equal(r->pos.col, 1);

	r = &t->routes[1];
	assert_int_equal(r->dst.family, AF_INET);
	assert_int_equal(r->dst.plen, 0);
	assert_addr(&r->dst, "0.0.0.0/0");
	assert_int_equal(r->iface, TOPO_NONE);
	assert_int_equal(r->metric, 0);

	r = &t->routes[2];
	assert_addr(&r->dst, "fd00:9::/48");
	assert_int_equal(r->via.family, AF_INET6);
	assert_int_equal(r->metric, UINT32_MAX);

	r = &t->routes[3];
	assert_int_equal(r->node, node(t, "b"));
	assert_int_equal(r->dst.family, AF_INET6);
	assert_addr(&r->dst, "::/0");
	assert_int_equal(r->iface, topo_find_iface(t, node(t, "b"), "eth0"));
	topo_free(t);
}

/* ---- sysctl, mount, exec, start ---- */

static void test_sysctl(void **state)
{
	struct topo *t = parse("node r[1..2]\n"
			       "sysctl r[1..2] net.ipv4.ip_forward=1\n"
			       "sysctl r1 net/ipv4/ip_local_port_range=32768   60999\n"
			       "sysctl r2 net.ipv4.conf.eth0.100.rp_filter=a=b\n");

	assert_int_equal(t->n_sysctls, 4);
	assert_int_equal(t->sysctls[0].node, 0);
	assert_int_equal(t->sysctls[1].node, 1);
	assert_string_equal(t->sysctls[1].key, "net.ipv4.ip_forward");
	assert_string_equal(t->sysctls[1].value, "1");
	assert_string_equal(t->sysctls[2].key, "net/ipv4/ip_local_port_range");
	assert_string_equal(t->sysctls[2].value, "32768 60999");
	assert_int_equal(t->sysctls[2].pos.line, 3);
	assert_string_equal(t->sysctls[3].key, "net.ipv4.conf.eth0.100.rp_filter");
	assert_string_equal(t->sysctls[3].value, "a=b");
	topo_free(t);
}

static void test_mount(void **state)
{
	struct topo *t = parse("node a\nmount a tmpfs /var/run\nmount a bind /srv/data /data\n"
			       "mount a bind /srv/..x/ /.y\n");

	assert_int_equal(t->n_mounts, 3);
	assert_int_equal(t->mounts[0].kind, TOPO_MOUNT_TMPFS);
	assert_null(t->mounts[0].src);
	assert_string_equal(t->mounts[0].dir, "/var/run");
	assert_int_equal(t->mounts[1].kind, TOPO_MOUNT_BIND);
	assert_string_equal(t->mounts[1].src, "/srv/data");
	assert_string_equal(t->mounts[1].dir, "/data");
	assert_int_equal(t->mounts[1].pos.line, 3);
	/* "..x" and ".y" are names, not parent references */
	assert_string_equal(t->mounts[2].src, "/srv/..x/");
	topo_free(t);
}

static void test_exec_start(void **state)
{
	struct topo *t =
		parse("node h[1..3]\n"
		      "exec h[1..3] ip addr add 10.9.0.1/24 dev eth0 && echo %NODE%-%NODE%%\n"
		      "start h2   iperf3 -s --logfile /tmp/%NODE%.log \\\n"
		      "      -p 5201   \n"
		      "exec h1 echo 'h[1..3] stays'\n");

	assert_int_equal(t->n_cmds, 5);
	for (int i = 0; i < 3; i++) {
		char want[80];

		snprintf(want, sizeof(want), "ip addr add 10.9.0.1/24 dev eth0 && echo h%d-h%d%%",
			 i + 1, i + 1);
		assert_int_equal(t->cmds[i].node, (size_t)i);
		assert_false(t->cmds[i].daemon);
		assert_string_equal(t->cmds[i].command, want);
		assert_int_equal(t->cmds[i].pos.line, 2);
	}
	assert_true(t->cmds[3].daemon);
	assert_int_equal(t->cmds[3].node, 1);
	assert_string_equal(t->cmds[3].command, "iperf3 -s --logfile /tmp/h2.log        -p 5201");
	assert_string_equal(t->cmds[4].command, "echo 'h[1..3] stays'");
	topo_free(t);
}

/* A '#' inside quotes, or escaped, belongs to the command; one after a blank outside quotes
 * starts a comment. */
static void test_exec_quoted_hash(void **state)
{
	struct topo *t = parse("node a\n"
			       "exec a echo '#x' \"#y\" \\#z # a comment\n"
			       "exec a echo it\\'s # c2\n"
			       "exec a printf '%s\\n' \"a 'b' #c\" #d\n");

	assert_int_equal(t->n_cmds, 3);
	assert_string_equal(t->cmds[0].command, "echo '#x' \"#y\" \\#z");
	assert_string_equal(t->cmds[1].command, "echo it\\'s");
	assert_string_equal(t->cmds[2].command, "printf '%s\\n' \"a 'b' #c\"");
	topo_free(t);
}

/* ---- helpers in topo.c ---- */

static void test_addr_helpers(void **state)
{
	struct topo_addr a, b;
	struct topo_addr n;
	char buf[TOPO_ADDRSTRLEN];

	assert_int_equal(topo_addr_parse("10.1.2.3/20", true, &a), 0);
	n = topo_addr_network(&a);
	assert_addr(&n, "10.1.0.0/20");
	assert_true(topo_addr_contains(&n, &a));
	assert_int_equal(topo_addr_parse("10.1.16.1", false, &b), 0);
	assert_int_equal(b.plen, 32);
	assert_false(topo_addr_contains(&n, &b));
	assert_false(topo_addr_overlaps(&n, &b));
	assert_int_equal(topo_addr_parse("10.0.0.0/8", true, &b), 0);
	assert_true(topo_addr_overlaps(&n, &b));
	assert_true(topo_addr_overlaps(&b, &n));
	assert_int_equal(topo_addr_parse("10.1.2.3/32", true, &b), 0);
	assert_true(topo_addr_equal_host(&a, &b));

	assert_int_equal(topo_addr_parse("fd00::1:2/127", true, &a), 0);
	assert_int_equal(a.family, AF_INET6);
	n = topo_addr_network(&a);
	assert_addr(&n, "fd00::1:2/127");
	assert_int_equal(topo_addr_parse("fd00::/0", true, &b), 0);
	assert_true(topo_addr_contains(&b, &a));
	assert_false(topo_addr_overlaps(&b, &(struct topo_addr){.family = AF_INET}));
	assert_string_equal(topo_addr_str(&a, false, buf, sizeof(buf)), "fd00::1:2");

	assert_int_equal(topo_addr_parse("10.0.0.1", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("10.0.0.1/33", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("10.0.0.1/", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("10.0.0.1/024", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("10.0.0.1/-1", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("::1/129", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("10.0.0/8", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("/8", true, &a), -EINVAL);
	assert_int_equal(topo_addr_parse("", false, &a), -EINVAL);
}

static void test_name_valid_and_mac(void **state)
{
	char buf[18];
	const uint8_t mac[6] = {0x02, 0x4c, 0x00, 0xab, 0x00, 0x01};

	assert_true(topo_name_valid("a"));
	assert_true(topo_name_valid("Lab_1-x"));
	assert_false(topo_name_valid(""));
	assert_false(topo_name_valid("1a"));
	assert_false(topo_name_valid("-a"));
	assert_false(topo_name_valid("a.b"));
	assert_false(topo_name_valid("a/b"));
	assert_true(
		topo_name_valid("a23456789012345678901234567890123456789012345678901234567890123"));
	assert_false(topo_name_valid(
		"a234567890123456789012345678901234567890123456789012345678901234"));
	assert_string_equal(topo_mac_str(mac, buf, sizeof(buf)), "02:4c:00:ab:00:01");
}

/* ---- robustness ---- */

static void parse_any(const char *text, size_t len)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	char buf[2048];
	int r = topo_parse_string("junk.conf", text, len, &t, &err);

	if (r == 0) {
		assert_non_null(t);
		topo_free(t);
	} else {
		assert_true(r == -EINVAL);
		assert_null(t);
		assert_true(strlen(err.message) > 0);
		assert_true(topo_error_format(&err, buf, sizeof(buf)) > 0);
	}
}

static void test_junk(void **state)
{
	static const char bin[] = "node a\0b\n\xff\xfe\x01link";
	char *big;
	size_t n = 200000;

	parse_any(bin, sizeof(bin) - 1);
	parse_any("[", 1);
	parse_any("node [", 6);
	parse_any("node a[99999999999999999999..1]", 31);
	parse_any("node a[1..99999999999999999]", 28);
	parse_any("link -- --", 10);
	parse_any("node a b\nlink a:: -- b", 22);
	parse_any("\\\n\\\n\\", 5);

	/* A 200k-byte line: one token, then the same with many tokens. */
	big = malloc(n + 1);
	assert_non_null(big);
	memcpy(big, "node ", 5);
	memset(big + 5, 'x', n - 5);
	big[n] = '\0';
	parse_any(big, n);
	for (size_t i = 6; i < n; i += 2)
		big[i] = ' ';
	parse_any(big, n); /* 100k nodes called "x": duplicate */

	/* 100k continued physical lines, one logical line. */
	for (size_t i = 0; i + 1 < n; i += 2) {
		big[i] = '\\';
		big[i + 1] = '\n';
	}
	memcpy(big, "node ", 5);
	parse_any(big, n);
	free(big);
}

/* Statements made of random pieces: whatever the combination, no crash and a clean error. */
static void test_random_statements(void **state)
{
	static const char *const words[] = {
		"node",
		"switch",
		"link",
		"route",
		"sysctl",
		"mount",
		"exec",
		"start",
		"lab",
		"pool",
		"loopback",
		"routing",
		"static",
		"a",
		"b",
		"s",
		"a:x",
		"s:p",
		"--",
		"10.0.0.1/24",
		"10.0.0.0/24",
		"fd00::1/64",
		"default",
		"via",
		"10.0.0.2",
		"dev",
		"eth0",
		"metric",
		"7",
		"mtu=1400",
		"delay=1ms",
		"loss=1%",
		"rate=1mbit",
		"tmpfs",
		"bind",
		"/x",
		"net.ipv4.ip_forward=1",
		"a[1..3]",
		"b[1..3]",
		"[1..2]",
		"router",
		"stp",
		"#",
		"\\\n",
		"\n",
		"%NODE%",
		"x=",
		"a[01..03]",
		"s[1..2]",
	};
	unsigned seed = 12345;
	char text[512];

	for (int iter = 0; iter < 3000; iter++) {
		size_t o = 0;
		int n;

		o += (size_t)snprintf(text, sizeof(text), "node a b\nswitch s\n");
		seed = seed * 1103515245u + 12345u;
		n = 1 + (int)((seed >> 16) % 12);
		for (int i = 0; i < n; i++) {
			const char *w;

			seed = seed * 1103515245u + 12345u;
			w = words[(seed >> 16) % ELEMENTS(words)];
			if (o + strlen(w) + 2 >= sizeof(text))
				break;
			o += (size_t)snprintf(text + o, sizeof(text) - o, "%s ", w);
		}
		parse_any(text, o);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_hash_inside_token),
		cmocka_unit_test(test_continuation),
		cmocka_unit_test(test_continuation_at_eof),
		cmocka_unit_test(test_lab_name),
		cmocka_unit_test(test_pools),
		cmocka_unit_test(test_loopback_and_routing),
		cmocka_unit_test(test_node_flags),
		cmocka_unit_test(test_node_rootfs),
		cmocka_unit_test(test_default_root),
		cmocka_unit_test(test_default_cmd),
		cmocka_unit_test(test_switch),
		cmocka_unit_test(test_name_lists_expand_each),
		cmocka_unit_test(test_range_padding_and_suffix),
		cmocka_unit_test(test_range_two_in_one_name),
		cmocka_unit_test(test_link_chain),
		cmocka_unit_test(test_ranges_advance_in_addresses),
		cmocka_unit_test(test_link_fields),
		cmocka_unit_test(test_link_impairments),
		cmocka_unit_test(test_default_ifnames),
		cmocka_unit_test(test_many_ifaces_on_one_node),
		cmocka_unit_test(test_switch_port_names),
		cmocka_unit_test(test_switch_port_long_name),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_sysctl),
		cmocka_unit_test(test_mount),
		cmocka_unit_test(test_exec_start),
		cmocka_unit_test(test_exec_quoted_hash),
		cmocka_unit_test(test_addr_helpers),
		cmocka_unit_test(test_name_valid_and_mac),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_random_statements),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
