/* SPDX-License-Identifier: MIT */
/*
 * Feature probes: run a test in a child that first moves into namespaces of its own, so that
 * nothing it tries (a veth, a qdisc, a bridge) ever touches the caller's namespaces. When the
 * child exits its namespaces die with it.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "ns.h"

int ns_probe_run(unsigned unshare_flags, ns_probe_fn fn, void *data, void *out, size_t out_size)
{
	int p[2], status;
	pid_t pid;
	size_t got = 0;

	pid = fork_with_pipe(p);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		char buf[4096];
		int r = 0;

		close(p[0]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		memset(buf, 0, sizeof(buf));
		if (unshare_flags && unshare((int)unshare_flags) < 0)
			r = -errno;
		else
			r = fn(data, buf, out_size < sizeof(buf) ? out_size : sizeof(buf));
		/* The answer: the return value, then the output buffer. */
		if (write(p[1], &r, sizeof(r)) == sizeof(r) && out_size)
			(void)!write(p[1], buf, out_size < sizeof(buf) ? out_size : sizeof(buf));
		_exit(0);
	}
	close(p[1]);
	int r = -EIO, got_r = 0;
	while (got_r < (int)sizeof(r)) {
		ssize_t n = read(p[0], (char *)&r + got_r, sizeof(r) - (size_t)got_r);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got_r += (int)n;
	}
	if (got_r < (int)sizeof(r))
		r = -EIO;
	while (out_size && got < out_size) {
		ssize_t n = read(p[0], (char *)out + got, out_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			break;
	return r;
}
