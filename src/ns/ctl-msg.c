/* SPDX-License-Identifier: MIT */
/* The control-socket messages of a lab (ctl-msg.h): one message and its fds, each way, and the
 * text of a node's failure. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl-msg.h"
#include "macro.h"

int ns_send_msg(int fd, const struct ns_msg *m, const int *fds, unsigned n_fds)
{
	struct iovec iov = { .iov_base = (void *)m, .iov_len = sizeof(*m) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control = { 0 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (n_fds > 0) {
		struct cmsghdr *c;
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	for (;;) {
		if (sendmsg(fd, &mh, MSG_NOSIGNAL) >= 0)
			return 0;
		if (errno != EINTR)
			return negative_errno();
	}
}

static int recv_msg(int fd, struct ns_msg *m, int fds[2], unsigned *n_fds, int flags)
{
	struct iovec iov = { .iov_base = m, .iov_len = sizeof(*m) };
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} control;
	struct msghdr mh = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	ssize_t n;

	*n_fds = 0;
	do
		n = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return negative_errno();
	if (n == 0)
		return -EPIPE;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		unsigned k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		int got[4];
		memcpy(got, CMSG_DATA(c), sizeof(int) * (k > 4 ? 4 : k));
		for (unsigned i = 0; i < k && i < 4; i++) {
			if (*n_fds < 2 && fds)
				fds[(*n_fds)++] = got[i];
			else
				close(got[i]);
		}
	}
	if ((size_t)n != sizeof(*m)) {
		for (unsigned i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		return -EBADMSG;
	}
	m->text[sizeof(m->text) - 1] = '\0';
	return 0;
}

int ns_recv_msg(int fd, struct ns_msg *m, int fds[2], unsigned *n_fds)
{
	return recv_msg(fd, m, fds, n_fds, 0);
}

int ns_try_recv_msg(int fd, struct ns_msg *m, int fds[2], unsigned *n_fds)
{
	return recv_msg(fd, m, fds, n_fds, MSG_DONTWAIT);
}

int ns_fail(char *buf, size_t size, int r, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < size)
		snprintf(buf + n, size - n, ": %s", strerror(-r));
	return r;
}
