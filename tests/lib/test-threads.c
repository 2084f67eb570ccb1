/* SPDX-License-Identifier: MIT */
/*
 * libnetlab's thread-safety contract (netlab.h, "Threads"): two threads, each with a lab of its
 * own, parse, bring up, run commands, read the status and take down at the same time, and each
 * gets its own error messages only — also while the other thread's calls fail (a parse error,
 * an `up` that fails and is rolled back, a command in a node that does not exist). Built as a
 * plain and a sanitized program (scripts/test), and it runs under -fsanitize=thread as well.
 *
 * It fails when the library's message capture is process-wide: the two threads' errors then
 * land in each other's errmsg (or in none). The threads only record what went wrong; cmocka's
 * assertions run in the main thread.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "netlab.h"

/* Enough rounds that two threads' calls overlap many times over (each round is a few ms). */
#define ROUNDS 60

struct worker {
	char tag;           /* 'a' or 'b': in every name of its own */
	char lab[64];       /* its lab */
	char other_lab[64]; /* the other thread's: must never appear in our messages */
	const char *text;   /* its topology */
	size_t n_nodes;
	bool fails_up;      /* 'a': also brings up a topology whose `up` fails, again and again */
	char failure[512];  /* the first thing that went wrong, "" if nothing */
};

static pthread_barrier_t phase;
static atomic_bool a_done;

static void note(struct worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(struct worker *w, const char *fmt, ...)
{
	va_list ap;

	if (w->failure[0])
		return;
	va_start(ap, fmt);
	vsnprintf(w->failure, sizeof(w->failure), fmt, ap);
	va_end(ap);
}

/* Whether msg names anything of the other thread's: its lab, its files or its nodes. */
static bool mentions_other(const struct worker *w, const char *msg)
{
	static const char *const names[] = { "bad", "thread", "failing", "nosuch" };
	char o = w->tag == 'a' ? 'b' : 'a', buf[32];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(buf, sizeof(buf), "%s-%c", names[i], o);
		if (strstr(msg, buf))
			return true;
	}
	return strstr(msg, w->other_lab) != NULL;
}

/* An error of ours: r as expected, a message naming what we named (want), and nothing of the
 * other thread's. */
static void expect_error(struct worker *w, const char *what, int r, int want_r, char *err,
			 const char *want)
{
	if (r != want_r)
		note(w, "%s: returned %d, not %d (%s)", what, r, want_r, err ? err : "no message");
	else if (!err || !strstr(err, want))
		note(w, "%s: message '%s' does not name '%s'", what, err ? err : "(null)", want);
	else if (mentions_other(w, err))
		note(w, "%s: message '%s' is the other thread's", what, err);
	free(err);
}

static void expect_ok(struct worker *w, const char *what, int r, char *err)
{
	if (r < 0 || err)
		note(w, "%s: returned %d (%s)", what, r, err ? err : "no message");
	free(err);
}

static void parse_phase(struct worker *w, struct netlab_topo **ret)
{
	char name[32], bad[] = "node x\nlink x -- nosuch\n";
	struct netlab_topo *t = NULL;
	char *err = NULL;
	int r;

	for (int i = 0; i < ROUNDS; i++) {
		snprintf(name, sizeof(name), "bad-%c.conf", w->tag);
		r = netlab_topo_parse(name, bad, sizeof(bad) - 1, &t, &err);
		snprintf(name, sizeof(name), "bad-%c.conf:2:", w->tag);
		expect_error(w, "parse of a bad topology", r, -EINVAL, err, name);
	}
	snprintf(name, sizeof(name), "thread-%c.conf", w->tag);
	r = netlab_topo_parse(name, w->text, strlen(w->text), ret, &err);
	expect_ok(w, "parse", r, err);
}

/* A command in one of our nodes, a command in a node we do not have, and our status. */
static void work_round(struct worker *w)
{
	char node[8], missing[16], *hostname[] = { "hostname", NULL };
	struct netlab_exec_result res;
	struct netlab_status *st = NULL;
	char *err = NULL;
	int r;

	snprintf(node, sizeof(node), "%c1", w->tag);
	r = netlab_exec(w->lab, node, hostname, &res, &err);
	if (r != 0 || err || !res.out || strncmp(res.out, node, 2) != 0)
		note(w, "exec hostname in %s: %d, '%s' (%s)", node, r, res.out ? res.out : "",
		     err ? err : "no message");
	free(err);
	netlab_exec_result_clear(&res);

	snprintf(missing, sizeof(missing), "nosuch-%c", w->tag);
	r = netlab_exec(w->lab, missing, hostname, NULL, &err);
	expect_error(w, "exec in a node that does not exist", r, -ENOENT, err, w->lab);

	r = netlab_status(w->lab, &st, &err);
	if (r < 0 || !st || st->n_nodes != w->n_nodes || strcmp(st->name, w->lab) != 0)
		note(w, "status: %d, %zu nodes (%s)", r, st ? st->n_nodes : 0,
		     err ? err : "no message");
	free(err);
	netlab_status_free(st);
}

/* Thread a brings up, again and again, a topology whose `up` fails at its exec statement and is
 * rolled back; the message names its file and line. */
static void failing_ups(struct worker *w)
{
	static const char text[] = "node a1\nexec a1 exit 3\n";
	struct netlab_topo *t = NULL;
	char lab[80], *err = NULL;
	int r;

	snprintf(lab, sizeof(lab), "%s-f", w->lab);
	r = netlab_topo_parse("failing-a.conf", text, sizeof(text) - 1, &t, &err);
	expect_ok(w, "parse of the failing topology", r, err);
	for (int i = 0; t && i < 3; i++) {
		r = netlab_up(t, lab, &err);
		if (r >= 0) {
			note(w, "up of a failing topology succeeded");
			(void)netlab_down(lab, NULL);
			break;
		}
		expect_error(w, "failing up", r, r, err, "failing-a.conf:2");
	}
	netlab_topo_free(t);
}

static void *worker(void *arg)
{
	struct worker *w = arg;
	struct netlab_topo *t = NULL;
	char *err = NULL;
	int r;

	parse_phase(w, &t);
	pthread_barrier_wait(&phase);
	r = t ? netlab_up(t, w->lab, &err) : -EINVAL;
	expect_ok(w, "up", r, err);
	pthread_barrier_wait(&phase);
	if (r >= 0) {
		for (int i = 0; i < ROUNDS; i++)
			work_round(w);
		pthread_barrier_wait(&phase);
		/* a fails while b keeps working and failing in its own way. */
		if (w->fails_up) {
			failing_ups(w);
			atomic_store(&a_done, true);
		} else {
			while (!atomic_load(&a_done))
				work_round(w);
		}
		r = netlab_down(w->lab, &err);
		expect_ok(w, "down", r, err);
	} else {
		pthread_barrier_wait(&phase);
		atomic_store(&a_done, true);
	}
	struct netlab_status *st = NULL;
	r = netlab_status(w->lab, &st, &err);
	expect_error(w, "status of a lab that is down", r, -ENOENT, err, w->lab);
	netlab_topo_free(t);
	return NULL;
}

static void test_two_threads_two_labs(void **state)
{
	struct worker w[2] = {
		{ .tag = 'a', .n_nodes = 2, .fails_up = true,
		  .text = "node a1 router\nnode a2\nlink a2 -- a1\n" },
		/* A switch: up makes it from a helper thread, which logs into the same call. */
		{ .tag = 'b', .n_nodes = 2,
		  .text = "node b1 b2\nswitch sw1\nlink b1 -- sw1\nlink b2 -- sw1\n" },
	};
	pthread_t th[2];

	for (int i = 0; i < 2; i++)
		snprintf(w[i].lab, sizeof(w[i].lab), "t-thr-%d-%c", (int)getpid(), w[i].tag);
	for (int i = 0; i < 2; i++)
		snprintf(w[i].other_lab, sizeof(w[i].other_lab), "%s", w[1 - i].lab);
	assert_int_equal(pthread_barrier_init(&phase, NULL, 2), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&th[i], NULL, worker, &w[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&phase);
	/* Whatever failed, nothing is left behind (-ENOENT when the thread took its lab down). */
	for (int i = 0; i < 2; i++) {
		char failing[80];
		snprintf(failing, sizeof(failing), "%s-f", w[i].lab);
		(void)netlab_down(w[i].lab, NULL);
		(void)netlab_down(failing, NULL);
	}
	for (int i = 0; i < 2; i++)
		if (w[i].failure[0])
			print_error("thread %c: %s\n", w[i].tag, w[i].failure);
	assert_string_equal(w[0].failure, "");
	assert_string_equal(w[1].failure, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_threads_two_labs),
	};
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (rootless labs are for single-threaded processes)\n");
		return 0;
	}
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID) < 0);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("1..0 # SKIP kernel or sandbox refuses new net/mount/pid namespaces\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
