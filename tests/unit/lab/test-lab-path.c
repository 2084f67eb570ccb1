/* SPDX-License-Identifier: MIT */
/*
 * lab_path(), the one way to name a lab's directory or a file in it: the path under the run
 * directory, and -ENAMETOOLONG (never a path cut short) when it does not fit LAB_PATH_MAX.
 * Nothing is made: only NETLAB_RUN_DIR is set.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lab.h"

static char run_dir[LAB_PATH_MAX + 16];

/* NETLAB_RUN_DIR of exactly len bytes: "/r" and then x's. */
static void set_run_dir(size_t len)
{
	assert_true(len >= 2 && len < sizeof(run_dir));
	memset(run_dir, 'x', len);
	memcpy(run_dir, "/r", 2);
	run_dir[len] = '\0';
	assert_int_equal(setenv("NETLAB_RUN_DIR", run_dir, 1), 0);
}

static void test_paths(void **state)
{
	char buf[LAB_PATH_MAX];

	(void)state;
	assert_int_equal(setenv("NETLAB_RUN_DIR", "/run/t", 1), 0);
	assert_int_equal(lab_path(buf, "lab1", NULL), 0);
	assert_string_equal(buf, "/run/t/lab1");
	assert_int_equal(lab_path(buf, "lab1", "events.log"), 0);
	assert_string_equal(buf, "/run/t/lab1/events.log");
	assert_int_equal(lab_path(buf, "lab1", "%s/%s.log", "r1", "bird"), 0);
	assert_string_equal(buf, "/run/t/lab1/r1/bird.log");
	/* A name is data, never a format. */
	assert_int_equal(lab_path(buf, "lab1", "%s", "a%sb"), 0);
	assert_string_equal(buf, "/run/t/lab1/a%sb");
}

static void test_boundary(void **state)
{
	char buf[LAB_PATH_MAX];

	(void)state;
	/* RUN + "/lab" is LAB_PATH_MAX - 1 bytes: fits with its NUL. */
	set_run_dir(LAB_PATH_MAX - 1 - strlen("/lab"));
	assert_int_equal(lab_path(buf, "lab", NULL), 0);
	assert_int_equal(strlen(buf), LAB_PATH_MAX - 1);
	/* One byte more does not. */
	assert_int_equal(lab_path(buf, "labs", NULL), -ENAMETOOLONG);
	assert_int_equal(lab_path(buf, "lab", "f"), -ENAMETOOLONG);

	/* The same edge in the file part. */
	set_run_dir(LAB_PATH_MAX - 1 - strlen("/lab/file"));
	assert_int_equal(lab_path(buf, "lab", "file"), 0);
	assert_int_equal(strlen(buf), LAB_PATH_MAX - 1);
	assert_int_equal(lab_path(buf, "lab", "files"), -ENAMETOOLONG);
	assert_int_equal(lab_path(buf, "lab", "%s/%s", "fil", "e"), -ENAMETOOLONG);
}

static void test_run_dir_too_long(void **state)
{
	char buf[LAB_PATH_MAX];

	(void)state;
	set_run_dir(LAB_PATH_MAX + 8);
	assert_int_equal(lab_path(buf, "lab", NULL), -ENAMETOOLONG);
	assert_int_equal(lab_path(buf, "lab", "events.log"), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_run_dir_too_long),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
