/* SPDX-License-Identifier: MIT */
/* ns_subid_range: the /etc/subuid and /etc/subgid lines a rootless lab's mapping comes from. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include "ns.h"

static char path[] = "/tmp/netlab-subid.XXXXXX";

static void write_file(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_by_name_and_by_uid(void **state)
{
	uint32_t s = 0, n = 0;

	(void)state;
	write_file("alice:100000:65536\nbob:165536:65536\n1003:231072:1000\n");
	assert_int_equal(ns_subid_range(path, "bob", 1002, &s, &n), 0);
	assert_int_equal(s, 165536);
	assert_int_equal(n, 65536);
	/* A line may name the user by uid. */
	assert_int_equal(ns_subid_range(path, "carol", 1003, &s, &n), 0);
	assert_int_equal(s, 231072);
	assert_int_equal(n, 1000);
	assert_int_equal(ns_subid_range(path, NULL, 1003, &s, &n), 0);
	assert_int_equal(ns_subid_range(path, "dave", 1004, &s, &n), -ENOENT);
}

static void test_bad_lines_are_skipped(void **state)
{
	uint32_t s = 0, n = 0;

	(void)state;
	/* The first matching line that parses wins; broken ones (no count, zero count, an overflow
	 * past 2^32, text) are skipped, as a prefix of a name never matches. */
	write_file("eve:1\neve:5:0\neve:4294967295:2\neve:x:y\neve2:7:7\neve:300000:10\n");
	assert_int_equal(ns_subid_range(path, "eve", 1005, &s, &n), 0);
	assert_int_equal(s, 300000);
	assert_int_equal(n, 10);
	assert_int_equal(ns_subid_range("/nonexistent/subuid", "eve", 1005, &s, &n), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_by_name_and_by_uid),
		cmocka_unit_test(test_bad_lines_are_skipped),
	};
	int fd = mkstemp(path), r;

	if (fd < 0)
		return 1;
	close(fd);
	r = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return r;
}
