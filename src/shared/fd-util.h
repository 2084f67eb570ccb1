/* SPDX-License-Identifier: MIT */
/* Small fd helpers for the system part (not linked into the pure topo library). */
#pragma once

#include <sys/types.h>

/* Copies everything from in to out, retrying on EINTR and short writes. 0 or -errno. */
int copy_fd(int in, int out);

/*
 * A socket(domain, type | SOCK_CLOEXEC, protocol) in the network namespace of nsfd (a netns fd
 * or a pidfd), made by a child that joins the namespace's user namespace first: the way into a
 * rootless lab for a process that must stay outside it. The socket keeps that namespace; its
 * messages are checked against the caller's capabilities there (which the lab's owner has).
 * Returns the fd or -errno.
 */
int fd_socket_in_ns(int nsfd, int domain, int type, int protocol);

/* pipe2(p, O_CLOEXEC), then fork(): 0 in the child, the child's pid in the parent, or -errno
 * with no child and the pipe closed. The child talking back to its parent on a pipe is how
 * every helper process of ours reports. */
pid_t fork_with_pipe(int p[2]);

/* mkdir -p: path and its missing parents, with mode. 0, -EINVAL (empty or longer than
 * PATH_MAX) or -errno. */
int mkdir_p(const char *path, mode_t mode);
