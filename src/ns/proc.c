/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "ns.h"

int proc_stat_read(pid_t pid, struct proc_stat *ret)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return n < 0 ? negative_errno() : -ESRCH;
	buf[n] = '\0';

	/* comm may contain spaces and parentheses: fields are counted after the last ')'. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -EIO;
	p++;
	ret->state = p[1];
	/* Now at field 3 (state); starttime is field 22, so skip 19 more separators. */
	for (int field = 3; field < 22; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EIO;
		if (field == 8)
			ret->flags = strtoul(p + 1, NULL, 10);
	}
	errno = 0;
	unsigned long long v = strtoull(p + 1, NULL, 10);
	if (errno)
		return -EIO;
	ret->starttime = v;
	return 0;
}

int proc_starttime(pid_t pid, uint64_t *ret)
{
	struct proc_stat s;
	int r = proc_stat_read(pid, &s);

	if (r < 0)
		return r;
	/* A zombie is dead: a pidfd opens on it, but nothing of it (no namespace) is left. */
	if (s.state == 'Z' || s.state == 'X')
		return -ESRCH;
	/* PF_EXITING: a process that has begun to exit is dead too. A lab init killed with 200
	 * nodes stays in that state while the kernel kills them, and must already count as gone
	 * (stale), not as a lab one could enter. */
	if (s.flags & 0x00000004 /* PF_EXITING */)
		return -ESRCH;
	*ret = s.starttime;
	return 0;
}

int pidfd_get_pid(int pidfd, pid_t *ret)
{
	char path[64], line[256];
	_cleanup_fclose_ FILE *f = NULL;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", pidfd);
	f = fopen(path, "re");
	if (!f)
		return negative_errno();
	while (fgets(line, sizeof(line), f)) {
		int pid;
		if (sscanf(line, "Pid:\t%d", &pid) == 1) {
			/* -1: the process is gone; 0: it lives in a namespace we cannot see. */
			if (pid <= 0)
				return -ESRCH;
			*ret = pid;
			return 0;
		}
	}
	return -ENOTTY;
}

int pidfd_open_verified(pid_t pid, uint64_t starttime, int *ret_pidfd)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t st;
	int r;

	if (pid <= 0)
		return -ESRCH;
	fd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (fd < 0)
		return negative_errno();
	/* The pidfd pins this process: if its start time matches now, the fd is the process we
	 * recorded, and stays so whatever happens to the number later. */
	r = proc_starttime(pid, &st);
	if (r < 0)
		return r;
	if (st != starttime)
		return -ESRCH;
	*ret_pidfd = TAKE_FD(fd);
	return 0;
}

int proc_ns_ino(pid_t pid, const char *ns, uint64_t *ret)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, ns);
	if (stat(path, &st) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	*ret = (uint64_t)st.st_ino;
	return 0;
}

int pidfd_open_ident(const struct proc_ident *id, int *ret_pidfd)
{
	_cleanup_close_ int fd = -EBADF;
	uint64_t pidns = 0, netns = 0, again;
	int r;

	r = pidfd_open_verified(id->pid, id->starttime, &fd);
	if (r < 0)
		return r;
	/* A recorded pid and start time can be copied from any process into a state file; the
	 * namespaces cannot: only the lab's own processes are in them. They are read through
	 * /proc/PID, so the start time is checked once more afterwards: it still matching means
	 * the number still named the process our pidfd pins while we looked. */
	if ((id->pidns && (r = proc_ns_ino(id->pid, "pid", &pidns)) < 0) ||
	    (id->netns && (r = proc_ns_ino(id->pid, "net", &netns)) < 0))
		return r;
	r = proc_starttime(id->pid, &again);
	if (r < 0)
		return r;
	if (again != id->starttime || (id->pidns && pidns != id->pidns) ||
	    (id->netns && netns != id->netns))
		return -ESRCH;
	*ret_pidfd = TAKE_FD(fd);
	return 0;
}

int pidfd_wait_exit(int pidfd, int timeout_ms)
{
	struct pollfd p = { .fd = pidfd, .events = POLLIN };
	for (;;) {
		int r = poll(&p, 1, timeout_ms);
		if (r > 0)
			return 0;
		if (r == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return negative_errno();
	}
}

int ns_write_file(const char *path, const char *value)
{
	_cleanup_close_ int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	size_t len = strlen(value);

	if (fd < 0)
		return negative_errno();
	if (write(fd, value, len) != (ssize_t)len)
		return negative_errno();
	return 0;
}
