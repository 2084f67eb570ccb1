/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"

int copy_fd(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return negative_errno();
			}
			off += w;
		}
	}
}

/* The user namespace that owns nsfd (a namespace fd), or nsfd itself (a pidfd, which setns()
 * takes for any kind). */
static int join_owner_userns(int nsfd)
{
	int u = ioctl(nsfd, NS_GET_USERNS);
	int r = setns(u >= 0 ? u : nsfd, CLONE_NEWUSER);

	if (u >= 0)
		close(u);
	/* Our own user namespace: nothing to join. */
	return r < 0 && errno != EINVAL ? -1 : 0;
}

int fd_socket_in_ns(int nsfd, int domain, int type, int protocol)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control = { 0 };
	int err = 0, sv[2], status, fd = -EBADF;
	struct iovec iov = { .iov_base = &err, .iov_len = sizeof(err) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		err = negative_errno();
		close(sv[0]);
		close(sv[1]);
		return err;
	}
	if (pid == 0) {
		close(sv[0]);
		if (join_owner_userns(nsfd) < 0 || setns(nsfd, CLONE_NEWNET) < 0 ||
		    (fd = socket(domain, type | SOCK_CLOEXEC, protocol)) < 0)
			err = errno;
		if (fd >= 0) {
			struct cmsghdr *c;
			mh.msg_control = control.buf;
			mh.msg_controllen = sizeof(control.buf);
			c = CMSG_FIRSTHDR(&mh);
			c->cmsg_level = SOL_SOCKET;
			c->cmsg_type = SCM_RIGHTS;
			c->cmsg_len = CMSG_LEN(sizeof(int));
			memcpy(CMSG_DATA(c), &fd, sizeof(int));
		}
		(void)!sendmsg(sv[1], &mh, MSG_NOSIGNAL);
		_exit(0);
	}
	close(sv[1]);
	mh.msg_control = control.buf;
	mh.msg_controllen = sizeof(control.buf);
	ssize_t n;
	while ((n = recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n == (ssize_t)sizeof(err) && err == 0) {
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	}
	if (n < 0)
		err = errno;
	close(sv[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (fd >= 0)
		return fd;
	return err ? -err : -EIO;
}

pid_t fork_with_pipe(int p[2])
{
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		close(p[0]);
		close(p[1]);
		return r;
	}
	return pid;
}

int mkdir_p(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return negative_errno();
		*p = '/';
	}
	if (mkdir(buf, mode) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}
