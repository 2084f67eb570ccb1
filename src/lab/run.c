/* SPDX-License-Identifier: MIT */
/*
 * `netlab run`: up, one command on the host, down — whatever happens to the command or to us.
 *
 * SIGINT, SIGTERM and SIGHUP are caught from before `up` until after `down`: during `up` they
 * are only remembered (the command is then not started), while the command runs they are
 * forwarded to it (a second one sends SIGKILL), and in every case the lab is taken down before
 * we return. Only SIGKILL of netlab itself leaves the lab up — and then `netlab down` or
 * `netlab clean` finds it as usual.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fd-util.h"
#include "lab-internal.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

static const int caught[] = { SIGINT, SIGTERM, SIGHUP };
static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t cmd_pid;

static void on_signal(int sig)
{
	pid_t pid = cmd_pid;

	if (pid > 0)
		kill(pid, got_signal ? SIGKILL : sig);
	if (!got_signal)
		got_signal = sig;
}

static void catch_signals(struct sigaction old[])
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ELEMENTSOF(caught); i++)
		sigaction(caught[i], &sa, old ? &old[i] : NULL);
}

static void restore_signals(const struct sigaction old[])
{
	for (size_t i = 0; i < ELEMENTSOF(caught); i++)
		sigaction(caught[i], &old[i], NULL);
}

/*
 * The artifacts directory may be one other users can write to (a CI workspace, /tmp), and we
 * write as root: below the directory the user named, nothing is followed or reused unless it is
 * what we would have made. A directory or file is taken only when it is not a symlink, is of the
 * right type and is ours (and a file has no other link), so a planted DIR/NODE -> /etc, a FIFO
 * or a hard link is refused rather than written through.
 */
static int check_ours(int fd, mode_t type)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if ((st.st_mode & S_IFMT) != type)
		return type == S_IFDIR ? -ENOTDIR : -EINVAL;
	if (st.st_uid != geteuid() || (type == S_IFREG && st.st_nlink != 1))
		return -EPERM;
	return 0;
}

/* dfd/name as a directory: made, or an existing one of ours. Returns an fd or -errno (-ELOOP: a
 * symlink). */
static int artifact_dir_at(int dfd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
		return negative_errno();
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR ? -ELOOP : negative_errno();
	r = check_ours(fd, S_IFDIR);
	return r < 0 ? r : TAKE_FD(fd);
}

/* dfd/name as an empty regular file of ours: created, or one of ours truncated (only after it
 * was checked: O_TRUNC would empty a planted hard link's target). O_NONBLOCK: a FIFO must not
 * hang us. */
static int artifact_file_at(int dfd, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0644);
	if (fd < 0)
		return negative_errno();
	r = check_ours(fd, S_IFREG);
	if (r < 0)
		return r;
	if (ftruncate(fd, 0) < 0)
		return negative_errno();
	return TAKE_FD(fd);
}

/* Says why dir/sub/name was refused; counts it. */
static void artifact_failed(unsigned *n_failed, int r, const char *dir, const char *sub,
			    const char *name)
{
	const char *why = r == -ELOOP ? "it is a symbolic link, not followed"
			  : r == -EPERM ? "it belongs to another user or has other links"
			  : r == -ENOTDIR || r == -EINVAL || r == -ENXIO
				  ? "it is not a directory or regular file netlab made"
				  : NULL;

	(*n_failed)++;
	if (why)
		log_warning("Cannot save artifact '%s/%s%s%s': %s", dir, sub ? sub : "", sub ? "/" : "",
			    name, why);
	else
		log_warning_errno(r, "Cannot save artifact '%s/%s%s%s': %m", dir, sub ? sub : "",
				  sub ? "/" : "", name);
}

int lab_artifacts_open(const char *dir, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	/* The path the user gave is theirs to resolve, relative to their working directory;
	 * below it, artifact_dir_at() and artifact_file_at() decide. */
	r = mkdir_p(dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Cannot create the artifacts directory '%s': %m", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Cannot open the artifacts directory '%s': %m",
				       dir);
	r = check_ours(fd, S_IFDIR);
	if (r == -EPERM)
		return log_error_errno(r, "The artifacts directory '%s' belongs to another user: not "
					  "writing into it",
				       dir);
	if (r < 0)
		return log_error_errno(r, "Cannot use the artifacts directory '%s': %m", dir);
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Regular files of sdir into ddir, and of its subdirectories (depth levels: NODE/) into
 * ddir/NODE/. Failures are logged and counted; the lab's lock is not copied. */
static void copy_tree(int sdir, int ddir, const char *dname, const char *sub, int depth,
		      unsigned *n_failed)
{
	struct dirent *de;
	DIR *d;
	int dup_fd = fcntl(sdir, F_DUPFD_CLOEXEC, 3);

	d = dup_fd >= 0 ? fdopendir(dup_fd) : NULL;
	if (!d) {
		if (dup_fd >= 0)
			close(dup_fd);
		artifact_failed(n_failed, negative_errno(), dname, NULL, sub ? sub : ".");
		return;
	}
	while ((de = readdir(d))) {
		_cleanup_close_ int in = -EBADF, out = -EBADF;
		int r;

		if (de->d_name[0] == '.' || streq(de->d_name, "lock"))
			continue;
		if (de->d_type == DT_DIR && depth > 0) {
			in = openat(sdir, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			out = in < 0 ? negative_errno() : artifact_dir_at(ddir, de->d_name);
			if (out < 0) {
				artifact_failed(n_failed, out, dname, sub, de->d_name);
				continue;
			}
			copy_tree(in, out, dname, de->d_name, depth - 1, n_failed);
			continue;
		}
		if (de->d_type != DT_REG)
			continue;
		in = openat(sdir, de->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		r = in < 0 ? negative_errno() : artifact_file_at(ddir, de->d_name);
		if (r >= 0) {
			out = r;
			r = copy_fd(in, out);
		}
		if (r < 0)
			artifact_failed(n_failed, r, dname, sub, de->d_name);
	}
	closedir(d);
}

/* `ip ARGS` inside the node, its output into out. */
static int node_ip(int pidfd, unsigned flags, char *const argv[], int out)
{
	_cleanup_close_ int null = -EBADF;

	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return negative_errno();
	struct ns_run_opts o = { .stdin_fd = null, .stdout_fd = out, .stderr_fd = null,
				 .threaded = lab_threaded() };
	int r = ns_run(pidfd, flags, argv, &o);
	return r < 0 ? r : r == 0 ? 0 : -EIO;
}

static void collect_node(const struct lab_state *st, size_t i, int dfd, const char *dname,
			 unsigned *n_failed)
{
	static const struct {
		const char *file;
		const char *argv[8];
	} what[] = {
		{ "addr.json", { "ip", "-j", "addr", "show", NULL } },
		{ "link.json", { "ip", "-j", "-d", "link", "show", NULL } },
		{ "route.json", { "ip", "-j", "route", "show", "table", "all", NULL } },
		{ "route6.json", { "ip", "-j", "-6", "route", "show", "table", "all", NULL } },
	};
	const char *node = st->nodes[i].name;
	_cleanup_close_ int pidfd = -EBADF, nfd = -EBADF;

	if (lab_state_node_pidfd(st, i, &pidfd) < 0) {
		log_warning("node '%s' is not running: no addresses or routes from it", node);
		return;
	}
	nfd = artifact_dir_at(dfd, node);
	if (nfd < 0) {
		artifact_failed(n_failed, nfd, dname, NULL, node);
		return;
	}
	for (size_t w = 0; w < ELEMENTSOF(what); w++) {
		_cleanup_close_ int out = artifact_file_at(nfd, what[w].file);
		int r = out;

		if (out >= 0)
			r = node_ip(pidfd, ns_node_setns_flags(st->nodes[i].flags),
				    (char *const *)what[w].argv, out);
		if (r < 0)
			artifact_failed(n_failed, r, dname, node, what[w].file);
	}
}

int lab_collect_artifacts(const char *lab, int dfd, const char *dname)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int sdir = -EBADF;
	char src[LAB_PATH_MAX];
	unsigned n_failed = 0;
	int r;

	if (lab_path(src, lab, NULL) < 0)
		artifact_failed(&n_failed, -ENAMETOOLONG, dname, NULL, "(the lab's files)");
	else if ((sdir = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		artifact_failed(&n_failed, negative_errno(), dname, NULL, "(the lab's files)");
	else
		copy_tree(sdir, dfd, dname, NULL, 1, &n_failed);

	r = lab_state_load(lab, &st);
	if (r < 0) {
		log_error_errno(r, "Cannot read the state of lab '%s': %m", lab);
		return (int)n_failed + 1;
	}
	for (size_t i = 0; i < st->n_nodes; i++)
		collect_node(st, i, dfd, dname, &n_failed);
	return (int)n_failed;
}

static int run_command(const char *lab, char *const argv[], const struct rlimit *nofile)
{
	char dir[LAB_PATH_MAX];
	int errpipe[2], status, exec_errno = 0;
	ssize_t n;
	pid_t pid;

	if (lab_path(dir, lab, NULL) < 0)
		return -ENAMETOOLONG;
	fflush(NULL);
	pid = fork_with_pipe(errpipe);
	if (pid < 0)
		return pid;
	if (pid == 0) {
		sigset_t none;

		close(errpipe[0]);
		for (size_t i = 0; i < ELEMENTSOF(caught); i++)
			signal(caught[i], SIG_DFL);
		signal(SIGPIPE, SIG_DFL);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		(void)setrlimit(RLIMIT_NOFILE, nofile);
		setenv("NETLAB_LAB", lab, 1);
		setenv("NETLAB_DIR", dir, 1);
		execvp(argv[0], argv);
		int e = errno;
		(void)!write(errpipe[1], &e, sizeof(e));
		_exit(e == ENOENT ? 127 : 126);
	}
	close(errpipe[1]);
	cmd_pid = pid;
	/* A signal between fork() and the line above was not forwarded. */
	if (got_signal)
		kill(pid, got_signal);

	do
		n = read(errpipe[0], &exec_errno, sizeof(exec_errno));
	while (n < 0 && errno == EINTR);
	close(errpipe[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			cmd_pid = 0;
			return negative_errno();
		}
	cmd_pid = 0;
	if (n == (ssize_t)sizeof(exec_errno)) {
		if (exec_errno == ENOENT)
			log_error("'%s': command not found", argv[0]);
		else
			log_error("'%s': cannot execute: %s", argv[0], strerror(exec_errno));
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int lab_run(const struct topo *t, const struct lab_run_opts *o)
{
	struct sigaction old[ELEMENTSOF(caught)];
	struct lab_up_opts up = { .lab = o->lab, .rootless = o->rootless };
	const char *lab = o->lab ? o->lab : t->lab;
	_cleanup_close_ int artifacts = -EBADF;
	struct rlimit nofile;
	int r, status, n_failed = 0;

	/* lab_up raises the fd limit for itself; the command gets ours. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return negative_errno();
	/* Resolved once, here, in the caller's working directory: entering the nodes later
	 * moves ours, and a directory that cannot take artifacts should fail before the lab. */
	if (o->artifacts) {
		r = lab_artifacts_open(o->artifacts, &artifacts);
		if (r < 0)
			return r;
	}
	got_signal = 0;
	catch_signals(old);
	r = lab_up_apart(t, &up);
	if (r < 0) {
		restore_signals(old);
		return r;
	}
	if (got_signal) {
		log_notice("signal %d during up: not running the command", (int)got_signal);
		status = 128 + got_signal;
	} else {
		status = run_command(lab, o->argv, &nofile);
		if (status < 0)
			log_error_errno(status, "Cannot run '%s': %m", o->argv[0]);
	}

	if (artifacts >= 0) {
		n_failed = lab_collect_artifacts(lab, artifacts, o->artifacts);
		/* ns_run handles signals for the commands it waits for: take them back. */
		catch_signals(NULL);
	}
	if (o->keep && status != 0) {
		log_notice("the command failed (status %d): lab '%s' is kept up (take it down with "
			   "'netlab down %s')",
			   status, lab, lab);
	} else {
		r = lab_down(lab);
		if (r < 0 && status == 0)
			status = r;
	}
	restore_signals(old);
	/* Last, so that a CI log shows it at the end: artifacts missing are a failed run too. */
	if (n_failed > 0) {
		log_error("%d artifact%s of lab '%s' could not be saved into '%s' (see above)",
			  n_failed, n_failed == 1 ? "" : "s", lab, o->artifacts);
		if (status == 0)
			status = 1;
	}
	return status;
}
