/* SPDX-License-Identifier: MIT */
/*
 * `file` statements: each node's files, written at `up` after its mounts exist and before the
 * `exec` statements, by a child that joins the node's mount namespace (one child per node).
 *
 * The topology guarantees that a file lies inside one of the node's `mount` directories. The
 * child opens that directory and walks the rest of the path with O_NOFOLLOW at every step
 * (creating missing directories), so a symlink placed in a private directory can never send a
 * write outside it.
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

/* In the child, inside the node's mount namespace. Returns 0 or -errno. */
static int write_one(const struct topo *t, const struct topo_file *f)
{
	/* No mount: a node with a root of its own, whose / is private (issue 13). */
	const char *dir = f->mount == TOPO_NONE ? "/" : t->mounts[f->mount].dir;
	size_t dl = strlen(dir);
	char rest[LAB_PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	char *p, *slash;
	size_t len, off = 0;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	p = f->path + dl;
	p += strspn(p, "/");
	if (strlen(p) >= sizeof(rest))
		return -ENAMETOOLONG;
	strcpy(rest, p);

	for (p = rest; (slash = strchr(p, '/')); p = slash + 1 + strspn(slash + 1, "/")) {
		*slash = '\0';
		if (mkdirat(fd, p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		int sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (sub < 0)
			return negative_errno();
		close(fd);
		fd = sub;
	}
	int out = openat(fd, p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
			 f->mode & 07777);
	if (out < 0)
		return negative_errno();
	/* The umask must not narrow what the file asked for. */
	if (fchmod(out, f->mode & 07777) < 0) {
		int r = negative_errno();
		close(out);
		return r;
	}
	len = strlen(f->content);
	while (off < len) {
		ssize_t n = write(out, f->content + off, len - off);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int r = negative_errno();
			close(out);
			return r;
		}
		off += (size_t)n;
	}
	if (close(out) < 0)
		return negative_errno();
	return 0;
}

static int write_node(const struct lab_up_ctx *c, size_t node)
{
	const struct topo *t = c->t;
	struct {
		int error;
		size_t file;
	} res = { 0, 0 };
	int status, pipefd[2];
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return log_error_errno(negative_errno(), "Cannot create a pipe: %m");
	pid = fork();
	if (pid < 0) {
		close(pipefd[0]);
		close(pipefd[1]);
		return log_error_errno(negative_errno(), "Cannot fork: %m");
	}
	if (pid == 0) {
		int pidfd = c->nodes[node].pidfd;

		/* Like the child that waits for an `exec` statement: never outlive `up`, never
		 * hold its end of the lab init's control socket. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(pipefd[0]);
		if (setns(pidfd, CLONE_NEWNS) < 0)
			res.error = negative_errno();
		for (size_t i = 0; i < t->n_files && res.error == 0; i++) {
			if (t->files[i].node != node)
				continue;
			res.file = i;
			res.error = write_one(t, &t->files[i]);
		}
		(void)!write(pipefd[1], &res, sizeof(res));
		_exit(res.error ? 1 : 0);
	}
	close(pipefd[1]);
	ssize_t n;
	do
		n = read(pipefd[0], &res, sizeof(res));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (n != (ssize_t)sizeof(res))
		return log_error_errno(-EIO, "Cannot write the files of node '%s'",
				       t->nodes[node].name);
	if (res.error < 0) {
		const struct topo_file *f = &t->files[res.file];
		return log_error_errno(res.error, "%s:%u: Cannot write '%s' in node '%s': %m",
				       t->file, f->pos.line, f->path, t->nodes[node].name);
	}
	return 0;
}

int lab_files_write(const struct lab_up_ctx *c)
{
	const struct topo *t = c->t;

	for (size_t node = 0; node < t->n_nodes; node++) {
		bool any = false;
		for (size_t i = 0; i < t->n_files && !any; i++)
			any = t->files[i].node == node;
		if (!any)
			continue;
		int r = write_node(c, node);
		if (r < 0)
			return r;
	}
	return 0;
}
