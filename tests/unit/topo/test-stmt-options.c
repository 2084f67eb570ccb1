/* SPDX-License-Identifier: MIT */
/*
 * Issue 16 in the file format: tmpfs options (mode=, owner=, uid=, gid=, size=), `private`
 * mounts, `start` readiness conditions; issue 13: user= of `exec` and `start`.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

static struct topo *parse(const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r < 0)
		fail_msg("parse failed (%d): %u:%u: %s", r, err.line, err.col, err.message);
	assert_non_null(t);
	return t;
}

static void expect_error(const char *text, unsigned line, unsigned col, const char *message)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r == 0) {
		topo_free(t);
		fail_msg("parsed without error, expected %u:%u: %s", line, col, message);
	}
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
}

static void test_tmpfs_options(void **state)
{
	struct topo *t = parse("node a\n"
			       "mount a tmpfs /run/frr mode=0750 owner=frr:frrvty size=16m\n"
			       "mount a tmpfs /run/x uid=100 gid=daemon\n"
			       "mount a tmpfs /run/y owner=bird\n"
			       "mount a tmpfs /run/z\n");
	(void)state;
	assert_int_equal(t->n_mounts, 4);
	assert_int_equal(t->mounts[0].mode, 0750);
	assert_string_equal(t->mounts[0].user, "frr");
	assert_string_equal(t->mounts[0].group, "frrvty");
	assert_string_equal(t->mounts[0].size, "16m");
	assert_int_equal(t->mounts[0].dir_pos.col, 15);
	assert_string_equal(t->mounts[1].user, "100");
	assert_string_equal(t->mounts[1].group, "daemon");
	assert_string_equal(t->mounts[2].user, "bird");
	assert_null(t->mounts[2].group);
	assert_int_equal(t->mounts[3].mode, -1);
	assert_null(t->mounts[3].user);
	assert_null(t->mounts[3].size);
	topo_free(t);
}

static void test_private(void **state)
{
	struct topo *t = parse("node a\nmount a private /var/tmp\n"
			       "file a /var/tmp/x/f <<EOF\nhi\nEOF\n");
	(void)state;
	assert_int_equal(t->mounts[0].kind, TOPO_MOUNT_PRIVATE);
	assert_string_equal(t->mounts[0].dir, "/var/tmp");
	assert_int_equal(t->files[0].mount, 0);
	topo_free(t);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("node a\nmount a tmpfs /x mode=999\n", 2, 18,
		     "invalid mode '999': expected octal permissions like 0755");
	expect_error("node a\nmount a tmpfs /x owner=a:b:c\n", 2, 18,
		     "invalid user or group 'b:c' in 'owner=a:b:c'");
	expect_error("node a\nmount a tmpfs /x owner=a uid=b\n", 2, 26, "the owner is given twice");
	expect_error("node a\nmount a tmpfs /x size=lots\n", 2, 18,
		     "invalid size 'lots': expected a number of bytes with an optional k, m or g, "
		     "or a percentage of RAM like 10%");
	expect_error("node a\nmount a tmpfs /x nr_inodes=4\n", 2, 18,
		     "unknown tmpfs option 'nr_inodes' (expected mode=, owner=, uid=, gid= or "
		     "size=)");
	expect_error("node a\nmount a bind /a /b mode=0700\n", 2, 20, "unexpected 'mode=0700'");
	expect_error("node a\nmount a private /\n", 2, 17, "cannot mount over '/'");
	expect_error("node a\nmount a overlay /x\n", 2, 9,
		     "unknown mount type 'overlay' (expected 'tmpfs', 'bind' or 'private')");
}

static void test_start_ready(void **state)
{
	struct topo *t = parse("node r[1..2]\n"
			       "start r[1..2] ready=socket:/run/frr/%NODE%.vty timeout=3s zebra -A 1\n"
			       "start r1 ready=log:\"OSPF: ready now\" sh -c 'x'\n"
			       "start r1 ready=tcp:179 bgpd\n"
			       "start r1 ready=cmd:\"vtysh -c 'show version'\" x\n"
			       "start r1 sleep 1\n"
			       "exec r1 ready=x true\n");
	(void)state;
	assert_int_equal(t->n_cmds, 7);
	assert_int_equal(t->cmds[1].ready, TOPO_READY_SOCKET);
	assert_string_equal(t->cmds[1].ready_arg, "/run/frr/r2.vty");
	assert_true(t->cmds[1].ready_timeout_ns == 3000000000ull);
	assert_string_equal(t->cmds[1].command, "zebra -A 1");
	assert_int_equal(t->cmds[1].ready_pos.col, 15);
	assert_int_equal(t->cmds[2].ready, TOPO_READY_LOG);
	assert_string_equal(t->cmds[2].ready_arg, "OSPF: ready now");
	assert_string_equal(t->cmds[2].command, "sh -c 'x'");
	assert_int_equal(t->cmds[3].ready, TOPO_READY_TCP);
	assert_string_equal(t->cmds[3].ready_arg, "179");
	assert_true(t->cmds[3].ready_timeout_ns == TOPO_READY_DEFAULT_TIMEOUT_NS);
	assert_string_equal(t->cmds[4].ready_arg, "vtysh -c 'show version'");
	assert_string_equal(t->cmds[4].command, "x");
	assert_int_equal(t->cmds[5].ready, TOPO_READY_NONE);
	/* exec has no options: its text is the command. */
	assert_string_equal(t->cmds[6].command, "ready=x true");
	topo_free(t);

	expect_error("node a\nstart a ready=tcp:0 x\n", 2, 9, "invalid TCP port '0'");
	expect_error("node a\nstart a ready=socket:run/x x\n", 2, 9,
		     "socket path 'run/x' is not absolute");
	expect_error("node a\nstart a ready=up x\n", 2, 9,
		     "invalid readiness condition 'up': expected tcp:PORT, socket:PATH, log:TEXT or "
		     "cmd:COMMAND (TEXT and COMMAND may be in \"...\")");
	expect_error("node a\nstart a timeout=soon x\n", 2, 9,
		     "invalid timeout 'soon': expected a duration like 10s or 500ms");
	expect_error("node a\nstart a ready=log:\"x x\n", 2, 9, "unterminated \" in 'ready=log:\"x x'");
	expect_error("node a\nstart a ready=tcp:1\n", 2, 20, "missing command after 'ready=tcp:1'");
}

/* Issue 13: user=USER[:GROUP] on exec and start, before the command, among start's options in
 * any order; names or numbers, checked here, resolved in the node at `up`. */
static void test_cmd_user(void **state)
{
	struct topo *t = parse("node r1 h1\n"
			       "exec r1 user=0 id -u\n"
			       "exec h1 user=nobody:nogroup id\n"
			       "start r1 ready=tcp:179 user=bird timeout=3s bird -f\n"
			       "start r1 user=root:0 sleep 1\n"
			       "exec r1 id -u\n"
			       "exec r1 USER=x env\n");
	(void)state;
	assert_int_equal(t->n_cmds, 6);
	assert_string_equal(t->cmds[0].user, "0");
	assert_string_equal(t->cmds[0].command, "id -u");
	assert_int_equal(t->cmds[0].user_pos.line, 2);
	assert_int_equal(t->cmds[0].user_pos.col, 9);
	assert_string_equal(t->cmds[1].user, "nobody:nogroup");
	assert_string_equal(t->cmds[2].user, "bird");
	assert_int_equal(t->cmds[2].user_pos.col, 24);
	assert_int_equal(t->cmds[2].ready, TOPO_READY_TCP);
	assert_true(t->cmds[2].ready_timeout_ns == 3000000000ull);
	assert_string_equal(t->cmds[2].command, "bird -f");
	assert_string_equal(t->cmds[3].user, "root:0");
	/* Without user=: NULL (the image's User, else root); other words are the command's. */
	assert_null(t->cmds[4].user);
	assert_null(t->cmds[5].user);
	assert_string_equal(t->cmds[5].command, "USER=x env");
	topo_free(t);

	expect_error("node a\nexec a user= id\n", 2, 8, "'user=' needs a value: user=USER[:GROUP]");
	expect_error("node a\nexec a user=a/b id\n", 2, 8,
		     "invalid user 'a/b': expected user=USER[:GROUP], each a name or a number");
	expect_error("node a\nstart a timeout=1s user=bird: x\n", 2, 20,
		     "invalid group '': expected user=USER[:GROUP], each a name or a number");
	expect_error("node a\nexec a user=4294967296 id\n", 2, 8,
		     "user id '4294967296' is out of range (0 to 2147483647)");
	expect_error("node a\nexec a user=0:2147483648 id\n", 2, 8,
		     "group id '2147483648' is out of range (0 to 2147483647)");
	expect_error("node a\nexec a user=0 user=1 id\n", 2, 15,
		     "user= is given twice (first at column 8)");
	expect_error("node a\nexec a user=0\n", 2, 14, "missing command after 'user=0'");
}

/* %NODE% stands for the node's name in user= as in the command, so one statement over a range
 * runs each node's command as a user named after it; the name is checked once substituted. */
static void test_cmd_user_node(void **state)
{
	struct topo *t = parse("node r[1..2] h1\n"
			       "exec r[1..2] user=%NODE% id -u %NODE%\n"
			       "start h1 ready=tcp:80 user=app-%NODE%:%NODE% web\n");
	(void)state;
	assert_int_equal(t->n_cmds, 3);
	assert_string_equal(t->cmds[0].user, "r1");
	assert_string_equal(t->cmds[0].command, "id -u r1");
	assert_string_equal(t->cmds[1].user, "r2");
	assert_string_equal(t->cmds[1].command, "id -u r2");
	assert_string_equal(t->cmds[2].user, "app-h1:h1");
	topo_free(t);

	expect_error("node a\nexec a user=%NODE%/x id\n", 2, 8,
		     "invalid user 'a/x': expected user=USER[:GROUP], each a name or a number");
	expect_error("node abcdefghijklmnopqrstuvwxyz\n"
		     "exec abcdefghijklmnopqrstuvwxyz user=%NODE%%NODE% id\n", 2, 33,
		     "invalid user 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz': expected "
		     "user=USER[:GROUP], each a name or a number");
}

static void test_unaddressed(void **state)
{
	struct topo *t = parse("pool fd00:1::/48\n"
			       "node r1 r2 r3 router\nswitch sw1\n"
			       "link r1 none -- r2 none\n"
			       "link r1:lan0 none -- sw1\n"
			       "link r2 -- sw1\n"
			       "link r3 -- sw1\n"
			       "routing static\n");
	(void)state;
	assert_true(t->ifaces[0].unaddressed);
	assert_int_equal(t->ifaces[0].n_addrs, 0);
	assert_int_equal(t->ifaces[1].n_addrs, 0);
	assert_int_equal(t->ifaces[2].n_addrs, 0); /* r1:lan0 */
	/* r2 and r3 keep their place in the segment's numbering: .2 and .3. */
	char buf[TOPO_ADDRSTRLEN];
	size_t r2 = topo_find_iface(t, 1, "eth1"), r3 = topo_find_iface(t, 2, "eth0");
	assert_string_equal(topo_addr_str(&t->ifaces[r2].addrs[0], true, buf, sizeof(buf)),
			    "10.0.0.2/24");
	assert_string_equal(topo_addr_str(&t->ifaces[r3].addrs[0], true, buf, sizeof(buf)),
			    "10.0.0.3/24");
	/* The all-unaddressed r1--r2 link takes no subnet from the pool, and no static route
	 * leaves through an unaddressed end. */
	for (size_t i = 0; i < t->n_routes; i++)
		assert_false(t->ifaces[t->routes[i].iface == TOPO_NONE ? 0 : t->routes[i].iface]
				     .unaddressed &&
			     t->routes[i].iface != TOPO_NONE);
	for (size_t i = 0; i < t->n_routes; i++)
		assert_int_not_equal(t->routes[i].node, 0);
	topo_free(t);

	expect_error("node a\nswitch s\nlink a -- s none\n", 3, 13,
		     "'none' is for a node's end: switch ports have no address");
	expect_error("node a b\nlink a 10.0.0.1/24 none -- b\n", 2, 20,
		     "'none' cannot go with addresses on one end");
	expect_error("node a b\nlink a none 10.0.0.1/24 -- b\n", 2, 13,
		     "'none' cannot go with addresses on one end");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpfs_options),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_start_ready),
		cmocka_unit_test(test_cmd_user),
		cmocka_unit_test(test_cmd_user_node),
		cmocka_unit_test(test_unaddressed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
