/* SPDX-License-Identifier: MIT */
/*
 * An image's User resolved against its /etc/passwd and /etc/group as Docker does (issue 13):
 * names, numbers, user:group, supplementary groups only in the implicit form, numbers the
 * files lack, and every refusal's words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "user-util.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/sh\n"
			     "# a comment\n"
			     "\n"
			     "daemon:x:1:1::/usr/sbin:/bin/false\n"
			     "bird:x:101:102:BIRD:/run/bird:/bin/false\n"
			     "broken:x:abc:1::/:/bin/sh\n"
			     "nohome:x:200:200\n"
			     "bird:x:999:999:second bird:/nope:/bin/sh";
static const char group[] = "root:x:0:\n"
			    "wheel:x:10:root,bird\n"
			    "bird:x:102:\n"
			    "frrvty:x:85:frr,bird\n"
			    "birdy:x:300:birdwatcher\n"
			    "staff:x:50";

static struct user_ids ok(const char *spec, const char *pw, const char *gr)
{
	struct user_ids ids;
	char why[256] = "";
	int r = user_resolve(spec, pw, gr, &ids, why, sizeof(why));

	if (r < 0)
		fail_msg("'%s': %d %s", spec, r, why);
	return ids;
}

static void refused(const char *spec, const char *pw, const char *gr, int err, const char *msg)
{
	struct user_ids ids;
	char why[256] = "";

	assert_int_equal(user_resolve(spec, pw, gr, &ids, why, sizeof(why)), err);
	assert_string_equal(why, msg);
}

static void test_by_name(void **state)
{
	struct user_ids ids = ok("bird", passwd, group);

	assert_int_equal(ids.uid, 101);
	assert_int_equal(ids.gid, 102);
	assert_string_equal(ids.home, "/run/bird");
	/* Supplementary: the groups listing "bird" by name (not "birdwatcher"), in file order. */
	assert_int_equal(ids.n_groups, 2);
	assert_int_equal(ids.groups[0], 10);
	assert_int_equal(ids.groups[1], 85);

	ids = ok("root", passwd, group);
	assert_int_equal(ids.uid, 0);
	assert_string_equal(ids.home, "/root");
	assert_int_equal(ids.n_groups, 1);

	ids = ok("nohome", passwd, NULL);
	assert_int_equal(ids.uid, 200);
	assert_string_equal(ids.home, "/");
	assert_int_equal(ids.n_groups, 0);
}

static void test_by_number(void **state)
{
	/* A uid of the file: its entry (gid, home, groups by its name). */
	struct user_ids ids = ok("101", passwd, group);
	assert_int_equal(ids.gid, 102);
	assert_int_equal(ids.n_groups, 2);

	/* One it lacks: that uid, gid 0, home /, no groups. */
	ids = ok("4242", passwd, group);
	assert_int_equal(ids.uid, 4242);
	assert_int_equal(ids.gid, 0);
	assert_string_equal(ids.home, "/");
	assert_int_equal(ids.n_groups, 0);

	ids = ok("65534", NULL, NULL);
	assert_int_equal(ids.uid, 65534);
}

static void test_with_group(void **state)
{
	/* Explicit group: that gid, no supplementary groups. */
	struct user_ids ids = ok("bird:frrvty", passwd, group);
	assert_int_equal(ids.uid, 101);
	assert_int_equal(ids.gid, 85);
	assert_int_equal(ids.n_groups, 0);
	assert_string_equal(ids.home, "/run/bird");

	ids = ok("4242:4343", passwd, group);
	assert_int_equal(ids.uid, 4242);
	assert_int_equal(ids.gid, 4343);

	ids = ok("bird:10", passwd, NULL);
	assert_int_equal(ids.gid, 10);
}

static void test_refused(void **state)
{
	refused("nobody", passwd, group, -ENOENT, "no user 'nobody' in /etc/passwd");
	refused("bird", NULL, group, -ENOENT, "no /etc/passwd to find user 'bird' in");
	refused("bird:nogroup", passwd, group, -ENOENT, "no group 'nogroup' in /etc/group");
	refused("bird:staff", passwd, NULL, -ENOENT, "no /etc/group to find group 'staff' in");
	refused("4294967296", passwd, group, -EINVAL,
		"user id '4294967296' is out of range (0 to 2147483647)");
	refused("1:2147483648", passwd, group, -EINVAL,
		"group id '2147483648' is out of range (0 to 2147483647)");
	refused("12ab", passwd, group, -EINVAL, "user id '12ab' is not a number");
	refused("bird:", passwd, group, -EINVAL, "'bird:' has an empty group");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name),
		cmocka_unit_test(test_by_number),
		cmocka_unit_test(test_with_group),
		cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
