/* SPDX-License-Identifier: MIT */
/* nl_log_error(), nl_log_warning(): the one format of a kernel error, caught by a log sink. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "nl.h"

struct caught {
	enum log_level level;
	char msg[1024];
	unsigned n;
};

static void sink(enum log_level level, const char *msg, void *userdata)
{
	struct caught *c = userdata;
	c->level = level;
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
	c->n++;
}

static int setup(void **state)
{
	static struct caught c;
	c = (struct caught){ 0 };
	log_set_sink(sink, &c);
	*state = &c;
	return 0;
}

static int teardown(void **state)
{
	log_set_sink(NULL, NULL);
	return 0;
}

static void test_with_extack(void **state)
{
	struct caught *c = *state;
	struct nl_error e = { .error = -EEXIST };
	snprintf(e.msg, sizeof(e.msg), "File exists in table");

	/* The kernel's errno wins over r: it is what the text explains. */
	assert_int_equal(nl_log_error(&e, -EIO, "Cannot add '%s' to %s", "eth0", "r1"), -EEXIST);
	assert_int_equal(c->n, 1);
	assert_int_equal(c->level, LOG_LEVEL_ERROR);
	assert_string_equal(c->msg,
			    "Cannot add 'eth0' to r1: File exists (kernel: File exists in table)");
}

static void test_without_extack(void **state)
{
	struct caught *c = *state;
	struct nl_error e = { .error = -ENODEV };

	assert_int_equal(nl_log_error(&e, -ENODEV, "Cannot bring up %s", "r1:eth0"), -ENODEV);
	assert_string_equal(c->msg, "Cannot bring up r1:eth0: No such device");
}

/* A socket's error: no kernel error, r tells; a stale text is not shown. */
static void test_socket_error(void **state)
{
	struct caught *c = *state;
	struct nl_error e = { 0 };
	snprintf(e.msg, sizeof(e.msg), "stale");

	assert_int_equal(nl_log_error(&e, -ENOBUFS, "Cannot impair %s", "r1:eth0"), -ENOBUFS);
	assert_string_equal(c->msg, "Cannot impair r1:eth0: No buffer space available");
	assert_int_equal(nl_log_error(NULL, -EPERM, "x"), -EPERM);
	assert_string_equal(c->msg, "x: Operation not permitted");
}

static void test_warning(void **state)
{
	struct caught *c = *state;
	struct nl_error e = { .error = -ENETUNREACH };
	snprintf(e.msg, sizeof(e.msg), "Nexthop has invalid gateway");

	assert_int_equal(nl_log_warning(&e, -ENETUNREACH, "Cannot restore a route of '%s'", "r1"),
			 -ENETUNREACH);
	assert_int_equal(c->level, LOG_LEVEL_WARNING);
	assert_string_equal(c->msg, "Cannot restore a route of 'r1': Network is unreachable "
				    "(kernel: Nexthop has invalid gateway)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_with_extack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_without_extack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_socket_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_warning, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
