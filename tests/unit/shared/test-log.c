/* SPDX-License-Identifier: MIT */
/*
 * log_internal() with stderr on a datagram socket: each write() arrives as one datagram, so the
 * test sees how many writes a line took, and stderr is not a terminal (isatty() fails with
 * ENOTTY, which used to replace the errno that %m prints).
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
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

/* A thread's log target: what it logs reaches its target, with the target's level, and
 * neither stderr nor another thread's target, however the two interleave. */
struct collected {
	char tag;
	unsigned mine, others, debug, counted;
	bool target_kept;
};

static void collect(enum log_level level, const char *msg, void *userdata)
{
	struct collected *c = userdata;

	if (level == LOG_LEVEL_DEBUG)
		c->debug++;
	else if (msg[0] == c->tag)
		c->mine++;
	else
		c->others++;
}

static pthread_barrier_t both_set;

static void *log_from_thread(void *arg)
{
	struct collected *c = arg;
	struct log_target t = { .sink = collect, .userdata = c, .level = LOG_LEVEL_NOTICE };

	/* cmocka's assertions belong to the main thread: this one only records. */
	bool none_before = log_set_thread_target(&t) == NULL;
	pthread_barrier_wait(&both_set); /* both targets set before either logs */
	for (int i = 0; i < 2000; i++) {
		log_error("%c error %d", c->tag, i);
		log_debug("%c not at this level", c->tag);
	}
	c->counted = log_error_count();
	c->target_kept = none_before && log_set_thread_target(NULL) == &t;
	return NULL;
}

static void test_thread_targets(void **state)
{
	struct collected c[2] = { { .tag = 'a' }, { .tag = 'b' } };
	unsigned before = log_error_count();
	pthread_t th[2];
	char buf[256];

	assert_int_equal(pthread_barrier_init(&both_set, NULL, 2), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, log_from_thread, &c[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&both_set);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(c[i].mine, 2000);
		assert_int_equal(c[i].others, 0);
		assert_int_equal(c[i].debug, 0);
		assert_int_equal(c[i].counted, 2000);
		assert_true(c[i].target_kept);
	}
	/* Nothing reached the process's stderr, nor its error count; it still works. */
	assert_int_equal(recv(peer, buf, sizeof(buf), 0), -1);
	assert_int_equal(log_error_count(), before);
	log_error("after");
	one_line(buf, sizeof(buf));
	assert_string_equal(buf, "netlab: after\n");
}

/* A name quoted in a message stays one line and says what it holds; a cut is marked. */
static void test_escape(void **state)
{
	char small[12], big[LOG_ESCAPE_MAX], want[LOG_ESCAPE_MAX];

	assert_string_equal(ESCAPED("a\nb"), "a\\nb");
	assert_string_equal(ESCAPED("t\tr\r\x01\x7f\\"), "t\\tr\\r\\x01\\x7f\\\\");
	assert_string_equal(ESCAPED("plain-name_1.0 ok"), "plain-name_1.0 ok");
	assert_string_equal(ESCAPED("\xc3\xa9"), "\xc3\xa9"); /* UTF-8 is not control */
	assert_string_equal(log_escape("abcdefghijklmnop", small, sizeof(small)), "abcdefgh...");
	/* An escape is never cut in half. */
	assert_string_equal(log_escape("abcdefg\x01", small, sizeof(small)), "abcdefg...");
	assert_string_equal(log_escape("", small, sizeof(small)), "");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memset(want, 'x', sizeof(want) - 4);
	strcpy(want + sizeof(want) - 4, "...");
	assert_string_equal(ESCAPED(big), want);
	assert_true(strlen(ESCAPED(big)) < LOG_ESCAPE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errno_through_a_non_terminal),
		cmocka_unit_test(test_one_write_per_line),
		cmocka_unit_test(test_thread_targets),
		cmocka_unit_test(test_escape),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
