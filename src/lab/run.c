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

/* mkdir -p */
static int mkdir_p(const char *path, mode_t mode)
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

static int copy_file_at(int sdir, const char *name, const char *dst)
{
	_cleanup_close_ int in = -EBADF, out = -EBADF;

	in = openat(sdir, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (in < 0)
		return negative_errno();
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return negative_errno();
	return copy_fd(in, out);
}

/* Regular files of src into dst, and of its subdirectories (one level: NODE/) into dst/NODE/. */
static int copy_tree(const char *src, const char *dst, int depth)
{
	_cleanup_close_ int fd = -EBADF;
	DIR *d;
	struct dirent *de;
	int r = 0;

	fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	d = fdopendir(dup(fd));
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		char s[PATH_MAX], t[PATH_MAX];
		int k = 0;

		if (de->d_name[0] == '.' || streq(de->d_name, "lock"))
			continue;
		snprintf(s, sizeof(s), "%s/%s", src, de->d_name);
		snprintf(t, sizeof(t), "%s/%s", dst, de->d_name);
		if (de->d_type == DT_DIR && depth > 0) {
			k = mkdir_p(t, 0755);
			if (k >= 0)
				k = copy_tree(s, t, depth - 1);
		} else if (de->d_type == DT_REG)
			k = copy_file_at(fd, de->d_name, t);
		if (k < 0 && r == 0)
			r = k;
	}
	closedir(d);
	return r;
}

/* `ip ARGS` inside the node, output into path. */
static int node_ip(int pidfd, unsigned flags, char *const argv[], const char *path)
{
	_cleanup_close_ int out = -EBADF, null = -EBADF;

	out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (out < 0)
		return negative_errno();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null < 0)
		return negative_errno();
	struct ns_run_opts o = { .stdin_fd = null, .stdout_fd = out, .stderr_fd = null };
	int r = ns_run(pidfd, flags, argv, &o);
	return r < 0 ? r : r == 0 ? 0 : -EIO;
}

int lab_collect_artifacts(const char *lab, const char *dir)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	char src[PATH_MAX];
	int r, ret = 0;

	r = mkdir_p(dir, 0755);
	if (r < 0)
		return log_error_errno(r, "Cannot create '%s': %m", dir);
	snprintf(src, sizeof(src), "%s/%s", lab_run_dir(), lab);
	r = copy_tree(src, dir, 1);
	if (r < 0)
		ret = log_warning_errno(r, "Cannot copy the logs of lab '%s' into '%s': %m", lab,
					dir);

	r = lab_state_load(lab, &st);
	if (r < 0)
		return log_error_errno(r, "Cannot read the state of lab '%s': %m", lab);
	for (size_t i = 0; i < st->n_nodes; i++) {
		static const struct {
			const char *file;
			const char *argv[8];
		} what[] = {
			{ "addr.json", { "ip", "-j", "addr", "show", NULL } },
			{ "link.json", { "ip", "-j", "-d", "link", "show", NULL } },
			{ "route.json", { "ip", "-j", "route", "show", "table", "all", NULL } },
			{ "route6.json", { "ip", "-j", "-6", "route", "show", "table", "all", NULL } },
		};
		_cleanup_close_ int pidfd = -EBADF;
		char ndir[PATH_MAX], path[PATH_MAX + 32];

		if (lab_state_node_pidfd(st, i, &pidfd) < 0) {
			log_warning("node '%s' is not running: no addresses or routes from it",
				    st->nodes[i].name);
			continue;
		}
		snprintf(ndir, sizeof(ndir), "%s/%s", dir, st->nodes[i].name);
		r = mkdir_p(ndir, 0755);
		if (r < 0)
			return log_error_errno(r, "Cannot create '%s': %m", ndir);
		for (size_t w = 0; w < ELEMENTSOF(what); w++) {
			snprintf(path, sizeof(path), "%s/%s", ndir, what[w].file);
			r = node_ip(pidfd, ns_node_setns_flags(st->nodes[i].flags),
				    (char *const *)what[w].argv, path);
			if (r < 0 && ret == 0)
				ret = log_warning_errno(r, "Cannot save '%s' of node '%s': %m",
							what[w].file, st->nodes[i].name);
		}
	}
	return ret;
}

static int run_command(const char *lab, char *const argv[], const struct rlimit *nofile)
{
	char dir[PATH_MAX];
	int errpipe[2], status, exec_errno = 0;
	ssize_t n;
	pid_t pid;

	snprintf(dir, sizeof(dir), "%s/%s", lab_run_dir(), lab);
	if (pipe2(errpipe, O_CLOEXEC) < 0)
		return negative_errno();
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		close(errpipe[0]);
		close(errpipe[1]);
		return r;
	}
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
	struct lab_up_opts up = { .lab = o->lab };
	const char *lab = o->lab ? o->lab : t->lab;
	struct rlimit nofile;
	int r, status;

	/* lab_up raises the fd limit for itself; the command gets ours. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) < 0)
		return negative_errno();
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

	if (o->artifacts) {
		(void)lab_collect_artifacts(lab, o->artifacts);
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
	return status;
}
