/* SPDX-License-Identifier: MIT */
/*
 * A daemon's log with a bound. A daemon writes into a pipe; a small process, the pump, copies
 * the pipe into NAME.log and, when that file would grow past the limit, renames it to
 * NAME.log.1 (replacing the previous one) and starts a new NAME.log. So one daemon's output
 * takes at most twice the limit of the run directory, which every lab shares, however long it
 * runs and whatever it prints.
 *
 * The pump is a fork of the caller that joins the node's PID namespace only: it keeps the host's
 * view of the files (it needs nothing but the fds it is given), and like everything of a lab it
 * is killed with the lab. It also ends by itself when the last writer of the pipe has gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"
#include "ns.h"

enum { PUMP_IN = 3, PUMP_LOG, PUMP_DIR };

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		buf += k;
		n -= (size_t)k;
	}
	return 0;
}

/* NAME.log -> NAME.log.1, and a new, empty NAME.log on fd PUMP_LOG. */
static int rotate(const char *name)
{
	char cur[96], old[100];
	int fd;

	snprintf(cur, sizeof(cur), "%s.log", name);
	snprintf(old, sizeof(old), "%s.log.1", name);
	if (renameat(PUMP_DIR, cur, PUMP_DIR, old) < 0 && errno != ENOENT)
		return -errno;
	fd = openat(PUMP_DIR, cur, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC,
		    0600);
	if (fd < 0)
		return -errno;
	flock(fd, LOCK_EX | LOCK_NB); /* the new file is the one to wait for (see below) */
	if (dup2(fd, PUMP_LOG) < 0)
		return -errno;
	close(fd);
	return 0;
}

static _noreturn_ void pump(const char *name, uint64_t max)
{
	static char buf[65536];
	struct stat st;
	uint64_t size = 0;

	if (fstat(PUMP_LOG, &st) == 0)
		size = (uint64_t)st.st_size;
	for (;;) {
		ssize_t n = read(PUMP_IN, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);
		/* A file already at the limit (a daemon started again under its name, appending)
		 * is rotated before it grows. */
		if (size > 0 && size + (uint64_t)n > max) {
			if (rotate(name) < 0)
				continue; /* nowhere to write: drop rather than grow */
			size = 0;
		}
		if (size + (uint64_t)n > max)
			n = (ssize_t)max; /* a limit smaller than one read */
		if (write_all(PUMP_LOG, buf, (size_t)n) == 0)
			size += (uint64_t)n;
	}
}

/* In the pump: fds in, log, dir onto 3, 4, 5; everything else closed (a lab's lock, up's
 * control socket, the caller's stdout that someone may be reading to its end). */
static void pump_fds(int in, int log, int dir)
{
	int src[3] = { in, log, dir }, high[3];
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	for (int i = 0; i < 3; i++) {
		high[i] = fcntl(src[i], F_DUPFD, 100);
		if (high[i] < 0)
			_exit(1);
	}
	for (int i = 0; i < 3; i++)
		if (dup2(high[i], PUMP_IN + i) < 0)
			_exit(1);
	if (null < 0)
		_exit(1);
	for (int fd = 0; fd < 3; fd++)
		dup2(null, fd);
	syscall(SYS_close_range, PUMP_DIR + 1, ~0U, 0);
}

int ns_spawn_log_pump(int pidfd, int dirfd, const char *name, int log_fd, uint64_t max_bytes,
		      int *ret_write_fd)
{
	int p[2], status;
	pid_t pid;

	pid = fork_with_pipe(p);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		/* Only our children are born in the joined PID namespace: the pump is one. A lab
		 * of its own user namespace lets us in only through that namespace. */
		if (setns(pidfd, CLONE_NEWPID) < 0 &&
		    setns(pidfd, CLONE_NEWPID | CLONE_NEWUSER) < 0)
			_exit(errno);
		/* While the pump runs, its log is locked: whoever reads the log of a daemon that
		 * ended (up, to say why it died) waits for the lock, and so for the pump to have
		 * written all the daemon said. Taken here, before the daemon starts, on the open
		 * file the pump inherits; the caller's copy is closed once the daemon runs. Not
		 * waited for: a pump of an earlier daemon of this name may hold it still. */
		flock(log_fd, LOCK_EX | LOCK_NB);
		pid_t pump_pid = fork();
		if (pump_pid < 0)
			_exit(errno);
		if (pump_pid > 0)
			_exit(0); /* the pump is orphaned on purpose: the node's init adopts it */
		for (int sig = 1; sig < NSIG; sig++)
			if (sig != SIGKILL && sig != SIGSTOP)
				signal(sig, SIG_DFL);
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		/* Not ended by a terminal's ^C or hang-up: only by its lab or the end of input. */
		setsid();
		prctl(PR_SET_NAME, "nl-log");
		pump_fds(p[0], log_fd, dirfd);
		pump(name, max_bytes < 65536 ? 65536 : max_bytes);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			int r = negative_errno();
			close(p[1]);
			return r;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		close(p[1]);
		return WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
	}
	*ret_write_fd = p[1];
	return 0;
}
