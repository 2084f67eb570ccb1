/* SPDX-License-Identifier: MIT */
/*
 * One test per distinct message the parser can give: its exact text and where it points.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "topo.h"

static void expect_error_in(const char *file, const char *text, unsigned line, unsigned col,
			    const char *message)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string(file, text, strlen(text), &t, &err);

	if (r == 0) {
		topo_free(t);
		fail_msg("parsed without error, expected %u:%u: %s", line, col, message);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(t);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
	assert_string_equal(err.file, file);
}

#define ERROR_TEST(name, file, text, line, col, message)                                           \
	static void test_##name(void **state)                                                      \
	{                                                                                          \
		expect_error_in(file, text, line, col, message);                                   \
	}

ERROR_TEST(rootfs_relative, "test.conf", "node a rootfs=srv", 1, 8,
	   "rootfs directory 'srv' is not absolute (or use rootfs=host-cow or rootfs=host)")
ERROR_TEST(rootfs_overlay_chars, "test.conf", "node a rootfs=/a:b", 1, 8,
	   "rootfs directory '/a:b' contains ':', ',' or '\\', which overlayfs cannot take")
ERROR_TEST(rootfs_and_image, "test.conf", "node a rootfs=/a image=x", 1, 18,
	   "a node has one root file system: 'image=x' after 'rootfs=/a'")
ERROR_TEST(rootfs_empty, "test.conf", "node a image=", 1, 8, "'image=' needs a value")
ERROR_TEST(cmd_unknown, "test.conf", "node a image=x cmd=sh", 1, 16,
	   "unknown cmd= value 'sh': expected cmd=none or cmd=image (give the command with a "
	   "'start' statement)")
ERROR_TEST(cmd_twice, "test.conf", "node a image=x cmd=none cmd=image", 1, 25,
	   "cmd= is given twice (first at column 16)")
ERROR_TEST(cmd_image_without_image, "test.conf", "defaults cmd=none\nnode a\nnode b cmd=image", 3,
	   8, "cmd=image is for a node with an image=")
ERROR_TEST(cmd_image_with_rootfs, "test.conf", "node a cmd=image rootfs=/r", 1, 8,
	   "cmd=image is for a node with an image=")
ERROR_TEST(cmd_none_without_image, "test.conf", "node a cmd=none", 1, 8,
	   "cmd=none is for a node with an image=")
ERROR_TEST(cmd_none_with_rootfs, "test.conf", "node a rootfs=/r cmd=none", 1, 18,
	   "cmd=none is for a node with an image=")
/* Issue 13: the node opted out of the default image, so cmd=none has no image to stop. */
ERROR_TEST(cmd_none_opted_out, "test.conf", "defaults image=x\nnode a\nnode b cmd=none rootfs=host",
	   3, 8, "cmd=none is for a node with an image=")
ERROR_TEST(default_root_twice, "test.conf", "defaults image=x\nnode a\ndefaults rootfs=host-cow",
	   3, 10, "a default root is already given at line 1, column 10")
ERROR_TEST(default_root_two_in_one, "test.conf", "defaults rootfs=/r image=x", 1, 20,
	   "a default root is already given at line 1, column 10")
ERROR_TEST(default_rootfs_relative, "test.conf", "node a\ndefaults memory=1G rootfs=r", 2, 20,
	   "rootfs directory 'r' is not absolute (or use rootfs=host-cow or rootfs=host)")
ERROR_TEST(default_image_empty, "test.conf", "defaults image=", 1, 10, "'image=' needs a value")
ERROR_TEST(default_cmd_unknown, "test.conf", "defaults cmd=sh", 1, 10,
	   "unknown cmd= value 'sh': expected cmd=none or cmd=image (give the command with a "
	   "'start' statement)")
ERROR_TEST(default_cmd_twice, "test.conf", "defaults cmd=none\nnode a\ndefaults memory=1G cmd=image",
	   3, 20, "default cmd= is already given at line 1")
ERROR_TEST(file_outside_mount_plain_node, "test.conf", "node a\nfile a /etc/x <<E\ny\nE\n", 2, 1,
	   "'/etc/x' is not inside a private directory of node 'a': add e.g. 'mount a tmpfs DIR' "
	   "for its directory (netlab never writes the host's own files)")
ERROR_TEST(control_char, "test.conf", "node a\x01", 1, 7, "unexpected control character 0x01")
ERROR_TEST(lab_from_file_name, "bad.name.conf", "node a\n", 0, 0,
	   "cannot use the file name 'bad.name' as the lab name: add a 'lab NAME' statement")
ERROR_TEST(malformed_range, "test.conf", "node h[1..]", 1, 7,
	   "malformed range '[1..]': expected [START..END]")
ERROR_TEST(reversed_range, "test.conf", "node a\nnode h[5..1]", 2, 7, "range '[5..1]' is reversed")
ERROR_TEST(range_too_long, "test.conf", "node h[1..1000001]", 1, 7,
	   "range '[1..1000001]' expands to more than 1000000 names")
ERROR_TEST(expansion_total, "test.conf", "node a[1..600000] b[1..600000]", 1, 20,
	   "ranges expand to more than 1000000 names in total")
/* Names written out count against the same budget as ranges (charged before any is made). */
ERROR_TEST(literal_names_total, "test.conf", "node a[1..999999] b c", 1, 21,
	   "the file declares more than 1000000 names and statements in total")
ERROR_TEST(invalid_node_name, "test.conf", "node 1h", 1, 6,
	   "invalid node name '1h': a name is a letter followed by letters, digits, '_' or '-'")
ERROR_TEST(invalid_switch_name, "test.conf", "switch s.1", 1, 8,
	   "invalid switch name 's.1': a name is a letter followed by letters, digits, '_' or '-'")
ERROR_TEST(invalid_lab_name, "test.conf", "lab my.lab", 1, 5,
	   "invalid lab name 'my.lab': a name is a letter followed by letters, digits, '_' or '-'")
ERROR_TEST(node_name_too_long, "test.conf",
	   "node a234567890123456789012345678901234567890123456789012345678901234", 1, 6,
	   "node name 'a234567890123456789012345678901234567890123456789012345678901234' is longer "
	   "than 63 bytes")
ERROR_TEST(switch_name_too_long, "test.conf", "switch sw3456789012345x", 1, 8,
	   "switch name 'sw3456789012345x' is longer than 15 bytes")
ERROR_TEST(missing_ifname, "test.conf", "node a b\nlink a: -- b", 2, 6,
	   "missing interface name after ':' in 'a:'")
ERROR_TEST(ifname_too_long, "test.conf", "node a b\nlink a:averyveryverylongname -- b", 2, 6,
	   "interface name 'averyveryverylongname' is longer than 15 bytes")
ERROR_TEST(ifname_bad_chars, "test.conf", "node a b\nlink a -- b:e/1", 2, 11,
	   "invalid interface name 'e/1': only letters, digits, '_', '.' and '-' are allowed")
ERROR_TEST(ifname_dotdot, "test.conf", "node a b\nlink a:.. -- b", 2, 6,
	   "invalid interface name '..'")
ERROR_TEST(ifname_lo, "test.conf", "node a b\nlink a:lo -- b", 2, 6,
	   "interface name 'lo' is reserved for the loopback interface")
ERROR_TEST(switch_not_node, "test.conf", "switch s1\nnode a\nsysctl s1 net.ipv4.ip_forward=1", 3, 8,
	   "'s1' is a switch, not a node")
ERROR_TEST(unknown_node, "test.conf", "node r1 r2 r3\nroute r4 default via 10.0.0.1", 2, 7,
	   "unknown node 'r4'")
ERROR_TEST(duplicate_node, "test.conf", "node a\n\nnode b h1\nnode h1", 4, 6,
	   "duplicate node name 'h1' (first declared at line 3)")
ERROR_TEST(node_is_switch, "test.conf", "switch s1\nnode s1", 2, 6,
	   "node name 's1' is already a switch (declared at line 1)")
ERROR_TEST(duplicate_switch, "test.conf", "switch s1\nswitch s2 s1", 2, 11,
	   "duplicate switch name 's1' (first declared at line 1)")
ERROR_TEST(switch_is_node, "test.conf", "node a\nswitch a", 2, 8,
	   "switch name 'a' is already a node (declared at line 1)")
ERROR_TEST(root_ifname_clash, "test.conf", "node h\nswitch s\nlink h -- s\nswitch s-1", 4, 8,
	   "interface name 's-1' is already used in the lab-root namespace (line 3)")
ERROR_TEST(ranges_in_one_name, "test.conf", "node h[1..3]-[1..2]", 1, 14,
	   "ranges of different lengths in one name (3 and 2)")
ERROR_TEST(expected_node_name, "test.conf", "node router", 1, 5,
	   "expected a node name after 'node'")
ERROR_TEST(address_needs_plen, "test.conf", "node a b\nlink a 10.0.0.1 -- b 10.0.0.2/24", 2, 8,
	   "address '10.0.0.1' needs a prefix length (/N)")
ERROR_TEST(prefix_needs_plen, "test.conf", "pool 10.0.0.0", 1, 6,
	   "prefix '10.0.0.0' needs a prefix length (/N)")
ERROR_TEST(invalid_address, "test.conf", "node a b\nlink a 10.0.0.300/24 -- b", 2, 8,
	   "invalid address '10.0.0.300/24': expected A.B.C.D/N or X::Y/N")
ERROR_TEST(invalid_prefix, "test.conf", "loopback fd00::/129", 1, 10,
	   "invalid prefix 'fd00::/129': expected A.B.C.D/N or X::Y/N")
ERROR_TEST(host_bits, "test.conf", "pool 10.1.2.3/16", 1, 6,
	   "prefix '10.1.2.3/16' has host bits set (did you mean '10.1.0.0/16'?)")
ERROR_TEST(lab_twice, "test.conf", "lab one\nlab two", 2, 1, "'lab' given twice (first at line 1)")
ERROR_TEST(expected_after, "test.conf", "lab", 1, 4, "expected a lab name after 'lab'")
ERROR_TEST(unexpected_token, "test.conf", "routing static now", 1, 16, "unexpected 'now'")
ERROR_TEST(pool4_twice, "test.conf", "pool 10.0.0.0/16\npool 172.16.0.0/12", 2, 1,
	   "IPv4 pool given twice (first at line 1)")
ERROR_TEST(pool6_twice, "test.conf", "pool fd00::/48\npool fd01::/48", 2, 1,
	   "IPv6 pool given twice (first at line 1)")
ERROR_TEST(loopback_twice, "test.conf",
	   "loopback 10.255.0.0/24 fd00:ff::/64\nloopback 10.254.0.0/24", 2, 10,
	   "IPv4 loopback prefix given twice (first at line 1)")
ERROR_TEST(routing_twice, "test.conf", "routing static\nrouting static", 2, 1,
	   "'routing' given twice (first at line 1)")
ERROR_TEST(routing_mode, "test.conf", "routing ospf", 1, 9,
	   "unknown routing mode 'ospf' (only 'static' is supported)")
ERROR_TEST(unknown_ep, "test.conf", "node a\nlink a -- r4", 2, 11, "unknown node or switch 'r4'")
ERROR_TEST(switch_address, "test.conf", "node a\nswitch s\nlink a -- s 10.0.0.1/24", 3, 13,
	   "switch 's' cannot take an address")
ERROR_TEST(too_many_addrs, "test.conf",
	   "node a b\nlink a 10.0.0.1/24 10.0.1.1/24 10.0.2.1/24 10.0.3.1/24 10.0.4.1/24 "
	   "10.0.5.1/24 10.0.6.1/24 10.0.7.1/24 10.0.8.1/24 -- b",
	   2, 104, "too many addresses on one interface (at most 8)")
ERROR_TEST(dup_ifname, "test.conf", "node a b c\nlink a -- b\nlink a:eth0 -- c", 3, 6,
	   "duplicate interface name 'eth0' on node 'a' (first at line 2)")
ERROR_TEST(unknown_option, "test.conf", "node a b\nlink a -- b speed=10", 2, 13,
	   "unknown link option 'speed'")
ERROR_TEST(option_twice, "test.conf", "node a b\nlink a -- b mtu=1400 mtu=1500", 2, 22,
	   "link option 'mtu' given twice")
ERROR_TEST(mtu_range, "test.conf", "node a b\nlink a -- b mtu=67", 2, 13,
	   "mtu '67' is out of range (68..65535)")
ERROR_TEST(mtu_invalid, "test.conf", "node a b\nlink a -- b mtu=big", 2, 13,
	   "invalid mtu 'big': expected a number")
ERROR_TEST(delay_too_large, "test.conf", "node a b\nlink a -- b delay=99999999999999999m", 2, 13,
	   "delay '99999999999999999m' is too large")
ERROR_TEST(delay_unit, "test.conf", "node a b\nlink a -- b delay=40", 2, 13,
	   "delay '40' needs a unit (e.g. '40ms')")
ERROR_TEST(delay_invalid, "test.conf", "node a b\nlink a -- b jitter=fast delay=1ms", 2, 13,
	   "invalid jitter 'fast': expected a time such as 10ms")
ERROR_TEST(percent_range, "test.conf", "node a b\nlink a -- b loss=101%", 2, 13,
	   "loss '101%' is more than 100%")
ERROR_TEST(percent_invalid, "test.conf", "node a b\nlink a -- b corrupt=5", 2, 13,
	   "invalid corrupt '5': expected a percentage such as 1%")
ERROR_TEST(rate_range, "test.conf", "node a b\nlink a -- b rate=0kbit", 2, 13,
	   "rate '0kbit' is out of range")
ERROR_TEST(rate_invalid, "test.conf", "node a b\nlink a -- b rate=10", 2, 13,
	   "invalid rate '10': expected a rate such as 10mbit")
ERROR_TEST(limit_invalid, "test.conf", "node a b\nlink a -- b limit=0", 2, 13,
	   "invalid limit '0': expected a number of packets from 1")
ERROR_TEST(ep_before_dashes, "test.conf", "link -- b", 1, 6,
	   "expected an endpoint NODE[:IFNAME] before '--'")
ERROR_TEST(expected_dashes, "test.conf", "node a b\nlink a b", 2, 8,
	   "expected '--' between the two ends of a link")
ERROR_TEST(link_unexpected, "test.conf", "node a b c\nlink a -- b c", 2, 13,
	   "unexpected 'c' in link: expected ADDR/LEN or KEY=VALUE")
ERROR_TEST(jitter_no_delay, "test.conf", "node a b\nlink a -- b jitter=5ms", 2, 13,
	   "jitter needs a delay (add delay=T)")
ERROR_TEST(link_to_itself, "test.conf", "node a\nlink a:x -- a:y", 2, 13,
	   "link from node 'a' to itself")
ERROR_TEST(route_via, "test.conf",
	   "node a b\nlink a 10.0.0.1/24 -- b 10.0.0.2/24\nroute a default through 10.0.0.2", 3, 17,
	   "expected 'via' after the route destination, got 'through'")
ERROR_TEST(gateway_plen, "test.conf", "node a\nroute a default via 10.0.0.2/24", 2, 21,
	   "gateway '10.0.0.2/24' must be an address without a prefix length")
ERROR_TEST(gateway_invalid, "test.conf", "node a\nroute a default via gw", 2, 21,
	   "invalid gateway address 'gw'")
ERROR_TEST(gateway_family, "test.conf", "node a\nroute a 10.0.0.0/8 via fe80::1", 2, 24,
	   "gateway 'fe80::1' is not of the same address family as '10.0.0.0/8'")
ERROR_TEST(dev_twice, "test.conf",
	   "node a b\nlink a -- b\nroute a default via 10.0.0.2 dev eth0 dev eth0", 3, 39,
	   "'dev' given twice")
ERROR_TEST(dev_unknown, "test.conf", "node a b\nlink a -- b\nroute a default via 10.0.0.2 dev eth1",
	   3, 34, "node 'a' has no interface 'eth1'")
ERROR_TEST(metric_twice, "test.conf", "node a\nroute a default via 10.0.0.2 metric 1 metric 2", 2,
	   39, "'metric' given twice")
ERROR_TEST(metric_invalid, "test.conf", "node a\nroute a default via 10.0.0.2 metric -1", 2, 37,
	   "invalid metric '-1'")
ERROR_TEST(route_unexpected, "test.conf", "node a\nroute a default via 10.0.0.2 table 5", 2, 30,
	   "unexpected 'table' in route: expected 'dev' or 'metric'")
ERROR_TEST(sysctl_no_eq, "test.conf", "node a\nsysctl a net.ipv4.ip_forward", 2, 10,
	   "expected KEY=VALUE, got 'net.ipv4.ip_forward'")
ERROR_TEST(sysctl_bad_chars, "test.conf", "node a\nsysctl a net.ipv4.a*b=1", 2, 10,
	   "invalid sysctl key 'net.ipv4.a*b': only letters, digits, '_', '-', '.' and '/' are "
	   "allowed")
ERROR_TEST(sysctl_dotdot, "test.conf", "node a\nsysctl a net/../kernel/x=1", 2, 10,
	   "invalid sysctl key 'net/../kernel/x': '..' is not allowed")
ERROR_TEST(sysctl_not_net, "test.conf", "node a\nsysctl a kernel.x=1", 2, 10,
	   "sysctl 'kernel.x' is not per-node: only net.* keys are allowed")
ERROR_TEST(sysctl_empty_component, "test.conf", "node a\nsysctl a net.ipv4.=1", 2, 10,
	   "invalid sysctl key 'net.ipv4.': empty component")
ERROR_TEST(sysctl_no_value, "test.conf", "node a\nsysctl a net.ipv4.ip_forward=", 2, 10,
	   "missing value for sysctl 'net.ipv4.ip_forward'")
ERROR_TEST(path_relative, "test.conf", "node a\nmount a tmpfs tmp", 2, 15,
	   "path 'tmp' is not absolute")
ERROR_TEST(path_dotdot, "test.conf", "node a\nmount a bind /srv/../etc /etc", 2, 14,
	   "path '/srv/../etc' must not contain '..'")
ERROR_TEST(mount_type, "test.conf", "node a\nmount a nfs /x", 2, 9,
	   "unknown mount type 'nfs' (expected 'tmpfs', 'bind' or 'private')")
ERROR_TEST(mount_root, "test.conf", "node a\nmount a tmpfs //", 2, 15, "cannot mount over '/'")
ERROR_TEST(missing_command, "test.conf", "node a\nexec a   # nothing", 2, 7,
	   "missing command after the node name in 'exec'")
ERROR_TEST(ranges_in_statement, "test.conf", "node r[1..10]\nlink r[1..9] -- r[2..11]", 2, 18,
	   "ranges of different lengths in one statement (9 and 10)")
ERROR_TEST(unknown_statement, "test.conf", "\n  nod a", 2, 3, "unknown statement 'nod'")

/* Not a parse error but the file: the errno comes back, and col 0 marks "the whole file". */
static void test_unreadable_file(void **state)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	char buf[512];

	assert_int_equal(topo_parse_file("/nonexistent/dir/x.conf", &t, &err), -ENOENT);
	assert_null(t);
	assert_int_equal(err.line, 0);
	assert_int_equal(err.col, 0);
	assert_string_equal(err.message,
			    "cannot read '/nonexistent/dir/x.conf': No such file or directory");
	topo_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "/nonexistent/dir/x.conf: cannot read '/nonexistent/dir/x.conf': "
				 "No such file or directory\n");
}

static void test_directory_is_unreadable(void **state)
{
	struct topo *t = NULL;
	struct topo_error err = {0};

	assert_int_equal(topo_parse_file("/", &t, &err), -EISDIR);
	assert_null(t);
	assert_string_equal(err.message, "cannot read '/': Is a directory");
}

/* A file read through a pipe (/dev/stdin, bash's <(...)) is text given on stdin: no file to
 * record, relative paths from the working directory rather than /dev/fd's. */
static void test_pipe_is_no_file(void **state)
{
	static const char text[] = "lab p\nnode a\nmount a bind data /mnt\n";
	struct topo *t = NULL;
	struct topo_error err = {0};
	char path[64], *cwd = getcwd(NULL, 0), *src = NULL;
	int fds[2];

	(void)state;
	assert_non_null(cwd);
	assert_int_equal(pipe(fds), 0);
	assert_int_equal(write(fds[1], text, sizeof(text) - 1), (ssize_t)sizeof(text) - 1);
	close(fds[1]);
	snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
	assert_int_equal(topo_parse_file(path, &t, &err), 0);
	close(fds[0]);
	assert_true(t->no_file);
	assert_string_equal(t->dir, cwd);
	assert_true(asprintf(&src, "%s/data", cwd) > 0);
	assert_string_equal(t->mounts[0].src, src);
	topo_free(t);
	free(src);
	free(cwd);
}

static void test_format(void **state)
{
	const char *text = "node r1 r2\n\tlink r1 -- r4   # typo\n";
	struct topo *t = NULL;
	struct topo_error err = {0};
	char buf[512];
	int n;

	assert_int_equal(topo_parse_string("dir/lab.conf", text, strlen(text), &t, &err), -EINVAL);
	n = topo_error_format(&err, buf, sizeof(buf));
	/* The caret line copies the tab so it stays under the token whatever the tab width. */
	assert_string_equal(buf, "dir/lab.conf:2:13: unknown node or switch 'r4'\n"
				 "    \tlink r1 -- r4   # typo\n"
				 "    \t           ^~\n");
	assert_int_equal(n, (int)strlen(buf));

	/* Truncation: like snprintf, the wanted length comes back and buf stays terminated. */
	assert_int_equal(topo_error_format(&err, buf, 10), n);
	assert_int_equal(strlen(buf), 9);
	assert_int_equal(topo_error_format(&err, NULL, 0), n);
}

static void test_error_after_continuation(void **state)
{
	const char *text = "node a b\nlink a -- \\\n   b \\\n     bogus=1\n";
	struct topo *t = NULL;
	struct topo_error err = {0};
	char buf[512];

	assert_int_equal(topo_parse_string("c.conf", text, strlen(text), &t, &err), -EINVAL);
	assert_int_equal(err.line, 4);
	assert_int_equal(err.col, 6);
	assert_int_equal(err.len, 7);
	assert_string_equal(err.message, "unknown link option 'bogus'");
	topo_error_format(&err, buf, sizeof(buf));
	assert_string_equal(buf, "c.conf:4:6: unknown link option 'bogus'\n"
				 "         bogus=1\n"
				 "         ^~~~~~~\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rootfs_relative),
		cmocka_unit_test(test_rootfs_overlay_chars),
		cmocka_unit_test(test_rootfs_and_image),
		cmocka_unit_test(test_rootfs_empty),
		cmocka_unit_test(test_cmd_unknown),
		cmocka_unit_test(test_cmd_none_without_image),
		cmocka_unit_test(test_cmd_none_with_rootfs),
		cmocka_unit_test(test_cmd_none_opted_out),
		cmocka_unit_test(test_cmd_twice),
		cmocka_unit_test(test_cmd_image_without_image),
		cmocka_unit_test(test_cmd_image_with_rootfs),
		cmocka_unit_test(test_default_root_twice),
		cmocka_unit_test(test_default_root_two_in_one),
		cmocka_unit_test(test_default_rootfs_relative),
		cmocka_unit_test(test_default_image_empty),
		cmocka_unit_test(test_default_cmd_unknown),
		cmocka_unit_test(test_default_cmd_twice),
		cmocka_unit_test(test_file_outside_mount_plain_node),
		cmocka_unit_test(test_control_char),
		cmocka_unit_test(test_lab_from_file_name),
		cmocka_unit_test(test_pipe_is_no_file),
		cmocka_unit_test(test_malformed_range),
		cmocka_unit_test(test_reversed_range),
		cmocka_unit_test(test_range_too_long),
		cmocka_unit_test(test_expansion_total),
		cmocka_unit_test(test_literal_names_total),
		cmocka_unit_test(test_invalid_node_name),
		cmocka_unit_test(test_invalid_switch_name),
		cmocka_unit_test(test_invalid_lab_name),
		cmocka_unit_test(test_node_name_too_long),
		cmocka_unit_test(test_switch_name_too_long),
		cmocka_unit_test(test_missing_ifname),
		cmocka_unit_test(test_ifname_too_long),
		cmocka_unit_test(test_ifname_bad_chars),
		cmocka_unit_test(test_ifname_dotdot),
		cmocka_unit_test(test_ifname_lo),
		cmocka_unit_test(test_switch_not_node),
		cmocka_unit_test(test_unknown_node),
		cmocka_unit_test(test_duplicate_node),
		cmocka_unit_test(test_node_is_switch),
		cmocka_unit_test(test_duplicate_switch),
		cmocka_unit_test(test_switch_is_node),
		cmocka_unit_test(test_root_ifname_clash),
		cmocka_unit_test(test_ranges_in_one_name),
		cmocka_unit_test(test_expected_node_name),
		cmocka_unit_test(test_address_needs_plen),
		cmocka_unit_test(test_prefix_needs_plen),
		cmocka_unit_test(test_invalid_address),
		cmocka_unit_test(test_invalid_prefix),
		cmocka_unit_test(test_host_bits),
		cmocka_unit_test(test_lab_twice),
		cmocka_unit_test(test_expected_after),
		cmocka_unit_test(test_unexpected_token),
		cmocka_unit_test(test_pool4_twice),
		cmocka_unit_test(test_pool6_twice),
		cmocka_unit_test(test_loopback_twice),
		cmocka_unit_test(test_routing_twice),
		cmocka_unit_test(test_routing_mode),
		cmocka_unit_test(test_unknown_ep),
		cmocka_unit_test(test_switch_address),
		cmocka_unit_test(test_too_many_addrs),
		cmocka_unit_test(test_dup_ifname),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_option_twice),
		cmocka_unit_test(test_mtu_range),
		cmocka_unit_test(test_mtu_invalid),
		cmocka_unit_test(test_delay_too_large),
		cmocka_unit_test(test_delay_unit),
		cmocka_unit_test(test_delay_invalid),
		cmocka_unit_test(test_percent_range),
		cmocka_unit_test(test_percent_invalid),
		cmocka_unit_test(test_rate_range),
		cmocka_unit_test(test_rate_invalid),
		cmocka_unit_test(test_limit_invalid),
		cmocka_unit_test(test_ep_before_dashes),
		cmocka_unit_test(test_expected_dashes),
		cmocka_unit_test(test_link_unexpected),
		cmocka_unit_test(test_jitter_no_delay),
		cmocka_unit_test(test_link_to_itself),
		cmocka_unit_test(test_route_via),
		cmocka_unit_test(test_gateway_plen),
		cmocka_unit_test(test_gateway_invalid),
		cmocka_unit_test(test_gateway_family),
		cmocka_unit_test(test_dev_twice),
		cmocka_unit_test(test_dev_unknown),
		cmocka_unit_test(test_metric_twice),
		cmocka_unit_test(test_metric_invalid),
		cmocka_unit_test(test_route_unexpected),
		cmocka_unit_test(test_sysctl_no_eq),
		cmocka_unit_test(test_sysctl_bad_chars),
		cmocka_unit_test(test_sysctl_dotdot),
		cmocka_unit_test(test_sysctl_not_net),
		cmocka_unit_test(test_sysctl_empty_component),
		cmocka_unit_test(test_sysctl_no_value),
		cmocka_unit_test(test_path_relative),
		cmocka_unit_test(test_path_dotdot),
		cmocka_unit_test(test_mount_type),
		cmocka_unit_test(test_mount_root),
		cmocka_unit_test(test_missing_command),
		cmocka_unit_test(test_ranges_in_statement),
		cmocka_unit_test(test_unknown_statement),
		cmocka_unit_test(test_unreadable_file),
		cmocka_unit_test(test_directory_is_unreadable),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_error_after_continuation),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
