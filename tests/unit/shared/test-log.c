/* SPDX-License-Identifier: MIT */
/*
 * log_internal() with stderr on a datagram socket: each write() arrives as one datagram, so the
 * test sees how many writes a line took, and stderr is not a terminal (isatty() fails with
 * ENOTTY, which used to replace the errno that %m prints).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"

static int peer = -1, saved_stderr = -1;

static int setup(void **state)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), 0);
	saved_stderr = dup(STDERR_FILENO);
	assert_true(saved_stderr >= 0);
	assert_int_equal(dup2(sv[0], STDERR_FILENO), STDERR_FILENO);
	close(sv[0]);
	peer = sv[1];
	return 0;
}

static int teardown(void **state)
{
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	close(peer);
	return 0;
}

/* The next datagram, NUL-terminated; and that it was the only one. */
static void one_line(char *buf, size_t size)
{
	ssize_t n = recv(peer, buf, size - 1, 0);
	char extra[16];

	assert_true(n > 0);
	buf[n] = '\0';
	assert_int_equal(recv(peer, extra, sizeof(extra), 0), -1);
	assert_int_equal(errno, EAGAIN);
}

static void test_errno_through_a_non_terminal(void **state)
{
	char buf[4200];

	assert_int_equal(log_error_errno(-ENOSPC, "Cannot write '%s': %m", "x"), -ENOSPC);
	one_line(buf, sizeof(buf));
	assert_string_equal(buf, "netlab: Cannot write 'x': No space left on device\n");

	/* %m of a plain log_error() is errno at the call, and errno is unchanged after it. */
	errno = ENOENT;
	log_error("Cannot open: %m");
	assert_int_equal(errno, ENOENT);
	one_line(buf, sizeof(buf));
	assert_string_equal(buf, "netlab: Cannot open: No such file or directory\n");

	log_warning_errno(EACCES, "positive errors too: %m");
	one_line(buf, sizeof(buf));
	assert_string_equal(buf, "netlab: positive errors too: Permission denied\n");
}

static void test_one_write_per_line(void **state)
{
	char buf[8192], big[6000];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_error("%s", big);
	one_line(buf, sizeof(buf));
	/* Truncated, but still one whole line with its prefix and newline. */
	assert_memory_equal(buf, "netlab: aaa", 11);
	assert_int_equal(buf[strlen(buf) - 1], '\n');
	assert_null(memchr(buf, '\n', strlen(buf) - 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_through_a_non_terminal),
		cmocka_unit_test(test_one_write_per_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
