/* SPDX-License-Identifier: MIT */
/*
 * libnetlab from a C test suite, the way a protocol implementation would use it: bring a small
 * lab up once for the group, run commands in its nodes and look at what they say, wait for a
 * condition, read the status, and take the lab down. As root, or rootless as a user with a runtime
 * directory; skips as a whole otherwise.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "netlab.h"

static const char topology[] = "# a router between two hosts\n"
			       "node r1 router\n"
			       "node h1 h2\n"
			       "link h1 -- r1\n"
			       "link h2 -- r1\n"
			       "routing static\n";

static char lab[64];
static struct netlab_topo *topo;

static int group_setup(void **state)
{
	char *err = NULL;
	int r;

	r = netlab_topo_parse("api.conf", topology, sizeof(topology) - 1, &topo, &err);
	if (r < 0) {
		fprintf(stderr, "# parse: %s\n", err);
		return -1;
	}
	r = netlab_up(topo, lab, &err);
	if (r < 0) {
		fprintf(stderr, "# up: %s\n", err);
		free(err);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char *err = NULL;
	int r = netlab_down(lab, &err);
	if (r < 0)
		fprintf(stderr, "# down: %s\n", err);
	free(err);
	netlab_topo_free(topo);
	return r < 0 ? -1 : 0;
}

static void test_version(void **state)
{
	assert_string_equal(netlab_version(), "0.1.0");
}

static void test_topology_error_has_position(void **state)
{
	static const char bad[] = "node a\nlink a -- nosuch\n";
	struct netlab_topo *t = (void *)0x1;
	char *err = NULL;

	assert_int_equal(netlab_topo_parse("bad.conf", bad, sizeof(bad) - 1, &t, &err), -EINVAL);
	assert_ptr_equal(t, (void *)0x1); /* untouched on failure */
	assert_non_null(err);
	assert_non_null(strstr(err, "bad.conf:2:"));
	assert_non_null(strstr(err, "nosuch"));
	free(err);

	assert_true(netlab_topo_load("/nonexistent/x.conf", &t, &err) < 0);
	assert_non_null(strstr(err, "/nonexistent/x.conf"));
	free(err);
}

static void test_topology_plan(void **state)
{
	char buf[64];

	assert_string_equal(netlab_topo_lab(topo), "api");
	assert_int_equal(netlab_topo_n_nodes(topo), 3);
	assert_string_equal(netlab_topo_node(topo, 0), "r1");
	assert_true(netlab_topo_node_is_router(topo, 0));
	assert_false(netlab_topo_node_is_router(topo, 1));
	assert_null(netlab_topo_node(topo, 3));
	assert_int_equal(netlab_topo_addr(topo, "h1", "eth0", AF_INET, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10.0.0.1");
	assert_int_equal(netlab_topo_addr(topo, "h1", "eth9", 0, 0, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(netlab_topo_addr(topo, "h1", "eth0", AF_INET, 0, buf, 3), -ENOBUFS);
}

static void test_exec_captures_output_and_status(void **state)
{
	char *argv[] = { "sh", "-c", "echo out; echo err >&2; hostname; exit 3", NULL };
	struct netlab_exec_result res;
	char *err = NULL;

	assert_int_equal(netlab_exec(lab, "h1", argv, &res, &err), 3);
	assert_null(err);
	assert_int_equal(res.status, 3);
	assert_string_equal(res.out, "out\nh1\n");
	assert_int_equal(res.out_len, 7);
	assert_string_equal(res.err, "err\n");
	netlab_exec_result_clear(&res);
	assert_null(res.out);
}

static void test_exec_ping_across_router(void **state)
{
	char h2[64];
	assert_int_equal(netlab_topo_addr(topo, "h2", "eth0", AF_INET, 0, h2, sizeof(h2)), 0);
	char *argv[] = { "ping", "-c1", "-W2", h2, NULL };
	struct netlab_exec_result res;

	assert_int_equal(netlab_exec(lab, "h1", argv, &res, NULL), 0);
	assert_non_null(strstr(res.out, h2));
	assert_non_null(strstr(res.out, "1 received"));
	netlab_exec_result_clear(&res);

	/* By name too: every node's /etc/hosts lists the lab. */
	char *by_name[] = { "ping", "-c1", "-W2", "h2", NULL };
	assert_int_equal(netlab_exec(lab, "h1", by_name, &res, NULL), 0);
	netlab_exec_result_clear(&res);
}

static void test_exec_errors(void **state)
{
	char *argv[] = { "no-such-command-here", NULL };
	char *t[] = { "true", NULL };
	struct netlab_exec_result res;
	char *err = NULL;

	assert_int_equal(netlab_exec(lab, "h1", argv, &res, &err), 127);
	netlab_exec_result_clear(&res);

	assert_int_equal(netlab_exec(lab, "nosuch", t, NULL, &err), -ENOENT);
	assert_non_null(err);
	assert_non_null(strstr(err, "'nosuch'"));
	free(err);

	assert_int_equal(netlab_exec("no-such-lab-api", "h1", t, NULL, &err), -ENOENT);
	assert_non_null(strstr(err, "no-such-lab-api"));
	free(err);
}

static void test_exec_keeps_caller_signals(void **state)
{
	struct sigaction sa;
	char *t[] = { "true", NULL };

	assert_int_equal(netlab_exec(lab, "h1", t, NULL, NULL), 0);
	sigaction(SIGINT, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
	sigaction(SIGTERM, NULL, &sa);
	assert_true(sa.sa_handler == SIG_DFL);
}

static void test_wait(void **state)
{
	char *reach[] = { "ping", "-c1", "-W1", "h2", NULL };
	char *never[] = { "sh", "-c", "echo not yet; exit 1", NULL };
	char *err = NULL;

	assert_int_equal(netlab_wait_cmd(lab, "h1", reach, 5000, &err), 0);
	assert_null(err);
	assert_int_equal(netlab_wait_cmd(lab, "h1", never, 300, &err), -ETIMEDOUT);
	assert_non_null(err);
	assert_non_null(strstr(err, "not yet"));
	free(err);

	assert_int_equal(netlab_wait(lab, "h1", NETLAB_WAIT_ADDR, "10.0.0.1/30", 5000, &err), 0);
	assert_int_equal(netlab_wait(lab, "h1", NETLAB_WAIT_ROUTE, "default", 5000, &err), 0);
	assert_int_equal(netlab_wait(lab, "h1", NETLAB_WAIT_REACH, "h2", 5000, &err), 0);
	assert_int_equal(netlab_wait(lab, "h1", NETLAB_WAIT_TCP, "4242", 200, &err), -ETIMEDOUT);
	assert_non_null(err);
	free(err);
	assert_int_equal(netlab_wait(lab, "h1", NETLAB_WAIT_ADDR, "not-an-address", 200, &err),
			 -EINVAL);
	free(err);
}

static void test_status(void **state)
{
	struct netlab_status *st = NULL;
	char *err = NULL;
	bool seen = false;

	assert_int_equal(netlab_status(lab, &st, &err), 0);
	assert_string_equal(st->name, lab);
	assert_int_equal(st->state, NETLAB_LAB_RUNNING);
	assert_int_equal(st->n_nodes, 3);
	assert_true(st->init_pid > 0);
	/* Brought up from text: no file, whatever "api.conf" names in our directory. */
	assert_null(st->file);
	for (size_t i = 0; i < st->n_nodes; i++) {
		assert_true(st->nodes[i].running);
		if (strcmp(st->nodes[i].name, "h1") != 0)
			continue;
		for (size_t k = 0; k < st->nodes[i].n_ifaces; k++) {
			struct netlab_iface *f = &st->nodes[i].ifaces[k];
			if (strcmp(f->name, "eth0") != 0)
				continue;
			assert_true(f->up && f->carrier);
			for (size_t a = 0; a < f->n_addrs; a++)
				seen |= strcmp(f->addrs[a], "10.0.0.1/30") == 0;
		}
	}
	assert_true(seen);
	netlab_status_free(st);

	char **names = NULL;
	bool listed = false;
	assert_int_equal(netlab_list(&names, NULL), 0);
	for (char **n = names; *n; n++)
		listed |= strcmp(*n, lab) == 0;
	netlab_list_free(names);
	assert_true(listed);
}

static void test_up_twice_is_eexist(void **state)
{
	char *err = NULL;

	assert_int_equal(netlab_up(topo, lab, &err), -EEXIST);
	assert_non_null(err);
	free(err);
	assert_int_equal(netlab_up(topo, "bad name!", &err), -EINVAL);
	free(err);
}

static void collect(int level, const char *msg, void *userdata)
{
	(*(int *)userdata)++;
}

static void test_log_callback(void **state)
{
	char *t[] = { "true", NULL };
	int n = 0;

	netlab_set_log(collect, 0, &n);
	assert_int_equal(netlab_exec(lab, "nosuch", t, NULL, NULL), -ENOENT);
	netlab_set_log(NULL, 0, NULL);
	assert_true(n >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_topology_error_has_position),
		cmocka_unit_test(test_topology_plan),
		cmocka_unit_test(test_exec_captures_output_and_status),
		cmocka_unit_test(test_exec_ping_across_router),
		cmocka_unit_test(test_exec_errors),
		cmocka_unit_test(test_exec_keeps_caller_signals),
		cmocka_unit_test(test_wait),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_up_twice_is_eexist),
		cmocka_unit_test(test_log_callback),
	};
	pid_t pid;
	int status;

	/* Without root the library makes rootless labs (test-rootless runs this as a user). */
	if (geteuid() != 0 && !getenv("XDG_RUNTIME_DIR") && !getenv("NETLAB_RUN_DIR")) {
		printf("1..0 # SKIP without root: no runtime directory for rootless labs\n");
		return 0;
	}
	/* Probe once for the whole program (a per-test skip shows as FAIL under meson's TAP). */
	pid = fork();
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWPID |
			      (geteuid() != 0 ? CLONE_NEWUSER : 0)) < 0);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		printf("1..0 # SKIP kernel or sandbox refuses new net/mount/pid namespaces\n");
		return 0;
	}
	if (access("/usr/bin/ping", X_OK) < 0 && access("/bin/ping", X_OK) < 0) {
		printf("1..0 # SKIP iputils-ping not installed\n");
		return 0;
	}
	snprintf(lab, sizeof(lab), "t-api-%d", (int)getpid());
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
