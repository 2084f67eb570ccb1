/* SPDX-License-Identifier: MIT */
/*
 * Issue 16 in the file format: tmpfs options (mode=, owner=, uid=, gid=, size=), `private`
 * mounts.
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tmpfs_options),
		cmocka_unit_test(test_private),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
