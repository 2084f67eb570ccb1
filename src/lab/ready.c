/* SPDX-License-Identifier: MIT */
/*
 * `up` after the `start` statements: each daemon's readiness condition (`start NODE
 * ready=KIND:ARG timeout=T`), and a watch for daemons that exit while `up` runs. A daemon that
 * exits, or a condition that does not hold in time, fails `up` (and so the lab vanishes) with
 * the last lines of the daemon's log.
 *
 * Conditions are checked from outside the node through /proc: /proc/PID/net/tcp{,6} are the
 * node's network namespace's sockets, /proc/PID/root/PATH is PATH in its mount namespace; only
 * cmd enters the node. Between two checks `up` sleeps in poll() on every daemon's pidfd, so a
 * death is seen at once. Daemons without a condition get a short window after the last start
 * (a daemon refusing its configuration, or a directory it cannot write, exits in milliseconds).
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

#define SETTLE_NS (100ull * 1000000ull)
#define LOG_TAIL_LINES 10

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* In a child: closes every fd from 3 on but a and b (either may be negative). */
static void close_except(int a, int b)
{
	int keep[2] = { a < b ? a : b, a < b ? b : a };
	unsigned from = 3;

	for (int k = 0; k < 2; k++) {
		if (keep[k] < (int)from)
			continue;
		if (keep[k] > (int)from)
			syscall(SYS_close_range, from, (unsigned)keep[k] - 1, 0);
		from = (unsigned)keep[k] + 1;
	}
	syscall(SYS_close_range, from, ~0U, 0);
}

int lab_node_sh(const struct lab_up_ctx *c, size_t node, const char *command, const char *user,
		int out_fd)
{
	struct lab_node_env e;
	char *argv[] = { (char *)"sh", (char *)"-c", (char *)command, NULL };
	int status;
	pid_t pid;

	/* The same environment (and, in an image node, working directory) as `netlab exec`. */
	lab_node_env_init(&e, c->lab, c->t->nodes[node].name, c->specs[node].flags);
	int r = lab_node_env_user(&e, c->nodes[node].pidfd, c->t->nodes[node].name, user);
	if (r < 0)
		return r;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int pidfd = c->nodes[node].pidfd, null;

		/* This child waits for the command: it must not keep `up`'s end of the control
		 * socket open (the lab init watches it for EOF) nor outlive `up`. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close_except(pidfd, out_fd);
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		/* Commands run in the topology file's directory, so relative paths in them are the
		 * topology's (as docker-compose and containerlab do). */
		bool in_dir = c->t->dir && chdir(c->t->dir) == 0;
		int cwd_errno = 0;
		/* Not threaded, even under libnetlab: a child of fork() has one thread. */
		struct ns_run_opts o = { .env_add = e.env, .stdin_fd = null, .stdout_fd = out_fd,
					 .stderr_fd = out_fd, .keep_cwd = in_dir, .cwd = e.cwd,
					 .creds = e.creds, .cwd_errno = &cwd_errno };
		r = ns_run(pidfd, ns_node_setns_flags(c->specs[node].flags), argv, &o);
		if (cwd_errno)
			lab_node_cwd_error(&e, c->t->nodes[node].name, cwd_errno);
		_exit(r < 0 ? 125 : r);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Something listens on TCP port in the node's network namespace (any address, v4 or v6). */
static bool tcp_listening(pid_t node_pid, const char *port_text)
{
	unsigned port = (unsigned)strtoul(port_text, NULL, 10);

	for (int v6 = 0; v6 < 2; v6++) {
		char path[64], line[512];
		FILE *f;

		snprintf(path, sizeof(path), "/proc/%d/net/tcp%s", (int)node_pid, v6 ? "6" : "");
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			char local[64];
			unsigned st, lport;
			const char *colon;

			if (sscanf(line, " %*s %63s %*s %x", local, &st) != 2 || st != 0x0A)
				continue;
			colon = strrchr(local, ':');
			if (colon && sscanf(colon + 1, "%x", &lport) == 1 && lport == port) {
				fclose(f);
				return true;
			}
		}
		fclose(f);
	}
	return false;
}

static bool log_contains(const char *log_path, const char *text)
{
	_cleanup_close_ int fd = open(log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	_cleanup_free_ char *buf = NULL;
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > 64 * 1024 * 1024)
		return false;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return false;
	ssize_t n = pread(fd, buf, (size_t)st.st_size, 0);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strstr(buf, text) != NULL;
}

/* 1 when the condition holds, 0 not yet, -errno. */
static int ready_check(const struct lab_up_ctx *c, const struct topo_cmd *cmd, const char *log)
{
	pid_t pid = c->nodes[cmd->node].pid;
	char path[LAB_PATH_MAX];
	struct stat st;
	int r;

	switch (cmd->ready) {
	case TOPO_READY_TCP:
		return tcp_listening(pid, cmd->ready_arg);
	case TOPO_READY_SOCKET:
		/* The node's own view of the path: its mounts, through its root. */
		if ((size_t)snprintf(path, sizeof(path), "/proc/%d/root%s", (int)pid,
				     cmd->ready_arg) >= sizeof(path))
			return -ENAMETOOLONG;
		return stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
	case TOPO_READY_LOG:
		return log_contains(log, cmd->ready_arg);
	case TOPO_READY_CMD: {
		_cleanup_close_ int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
		/* As the daemon's user: its sockets and files are that user's (issue 13). */
		r = lab_node_sh(c, cmd->node, cmd->ready_arg, cmd->user, null);
		return r < 0 ? r : r == 0;
	}
	default:
		return 1;
	}
}

/* Logs the last lines of a daemon's log, indented, after a headline already logged. */
static void log_tail(const char *log_path)
{
	_cleanup_close_ int fd = open(log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	char buf[4096];
	off_t size;
	ssize_t n;
	char *p, *line;
	unsigned lines = 0;

	if (fd < 0 || (size = lseek(fd, 0, SEEK_END)) < 0)
		return;
	n = pread(fd, buf, sizeof(buf) - 1, size > (off_t)sizeof(buf) - 1 ? size - (off_t)sizeof(buf) + 1 : 0);
	if (n <= 0) {
		log_error("  (its log is empty)");
		return;
	}
	buf[n] = '\0';
	p = buf + n;
	while (p > buf && p[-1] == '\n')
		*--p = '\0';
	while (p > buf && lines < LOG_TAIL_LINES)
		if (*--p == '\n')
			lines++;
	if (*p == '\n')
		p++;
	log_error("  last lines of its log:");
	char *save = NULL; /* strtok_r: two threads' `up` may fail at once (libnetlab) */
	for (line = strtok_r(p, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		log_error("    %s", line);
}

struct watched {
	const struct topo_cmd *cmd;
	int pidfd; /* -EBADF once it is known to have exited */
	char name[64];
	char log[LAB_PATH_MAX];
};

/* How long the report of a dead daemon waits for its log pump: the pump ends as soon as it
 * has read the daemon's last words, unless a child of the daemon still holds its output. */
#define PUMP_WAIT_NS (1000 * 1000000ull)

/*
 * Waits until the log pump of a daemon that has exited has written all it was given: the pump
 * holds a lock on its log while it runs (logpump.c), and its end closes the log, which inotify
 * reports (IN_CLOSE_WRITE). Without this, `up` could read the log before the pump had copied
 * the daemon's message into it ("its log is empty"). At most PUMP_WAIT_NS.
 */
static void wait_log_pump(const char *log_path)
{
	_cleanup_close_ int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	_cleanup_close_ int fd = open(log_path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	uint64_t end = now_ns() + PUMP_WAIT_NS;
	char buf[4096];

	/* The watch first, then the lock: a pump that ends in between still wakes us. */
	if (in < 0 || fd < 0 || inotify_add_watch(in, log_path, IN_CLOSE_WRITE) < 0)
		return;
	while (flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK) {
		uint64_t now = now_ns();
		struct pollfd p = { .fd = in, .events = POLLIN };

		if (now >= end || poll(&p, 1, (int)((end - now) / 1000000 + 1)) <= 0)
			return;
		while (read(in, buf, sizeof(buf)) > 0)
			;
	}
}

static int report_dead(const struct lab_up_ctx *c, const struct watched *w)
{
	wait_log_pump(w->log);
	log_error("%s:%u: daemon '%s' in node '%s' exited during up", c->t->file, w->cmd->pos.line,
		  w->name, c->t->nodes[w->cmd->node].name);
	log_tail(w->log);
	return -ECHILD;
}

/* Sleeps up to ms in poll() on every pidfd: returns the index of a daemon that exited, or -1. */
static long sleep_watching(struct watched *w, size_t n, struct pollfd *p, int ms)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (struct pollfd){ .fd = w[i].pidfd, .events = POLLIN };
	if (poll(p, n, ms) <= 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (p[i].revents)
			return (long)i;
	return -1;
}

static int wait_one(const struct lab_up_ctx *c, struct watched *w, size_t n, size_t i,
		    struct pollfd *p)
{
	uint64_t deadline = now_ns() + w[i].cmd->ready_timeout_ns;
	int ms = 10;

	for (;;) {
		int r = ready_check(c, w[i].cmd, w[i].log);
		if (r < 0)
			return log_error_errno(r, "Cannot check whether daemon '%s' is ready: %m",
					       w[i].name);
		if (r > 0)
			return 0;
		uint64_t now = now_ns();
		if (now >= deadline) {
			static const char *const kinds[] = { [TOPO_READY_TCP] = "tcp",
							     [TOPO_READY_SOCKET] = "socket",
							     [TOPO_READY_LOG] = "log",
							     [TOPO_READY_CMD] = "cmd" };
			log_error("%s:%u:%u: daemon '%s' in node '%s' not ready within %.3g s "
				  "(%s:%s)", c->t->file, w[i].cmd->ready_pos.line,
				  w[i].cmd->ready_pos.col, w[i].name,
				  c->t->nodes[w[i].cmd->node].name, w[i].cmd->ready_timeout_ns / 1e9,
				  kinds[w[i].cmd->ready], w[i].cmd->ready_arg);
			log_tail(w[i].log);
			return -ETIMEDOUT;
		}
		uint64_t left = (deadline - now) / 1000000 + 1;
		long dead = sleep_watching(w, n, p, (int)(left < (uint64_t)ms ? left : (uint64_t)ms));
		if (dead >= 0)
			return report_dead(c, &w[dead]);
		ms = ms * 2 > 200 ? 200 : ms * 2;
	}
}

static int watch_open(const struct lab_up_ctx *c, size_t i, struct watched *w)
{
	const struct topo_cmd *cmd = &c->t->cmds[i];
	const char *node = c->t->nodes[cmd->node].name;
	char dir[LAB_PATH_MAX];
	_cleanup_close_ int dirfd = -EBADF;
	int r;

	w->cmd = cmd;
	w->pidfd = -EBADF;
	snprintf(w->name, sizeof(w->name), "%s", c->daemon_names[i]);
	if (lab_path(dir, c->lab, "%s", node) < 0 ||
	    lab_path(w->log, c->lab, "%s/%s.log", node, w->name) < 0)
		return log_error_errno(-ENAMETOOLONG, "Cannot name the log of daemon '%s': %m",
				       w->name);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (dirfd < 0)
		return log_error_errno(negative_errno(), "Cannot open '%s': %m", dir);
	r = lab_daemon_pidfd(dirfd, w->name, &w->pidfd);
	if (r == -ESRCH)
		return report_dead(c, w);
	if (r < 0)
		return log_error_errno(r, "Cannot find daemon '%s' in node '%s': %m", w->name, node);
	return 0;
}

int lab_daemons_ready(const struct lab_up_ctx *c, uint64_t last_start_ns)
{
	const struct topo *t = c->t;
	_cleanup_free_ struct watched *w = NULL;
	_cleanup_free_ struct pollfd *p = NULL;
	size_t n = 0;
	int r = 0;

	for (size_t i = 0; i < t->n_cmds; i++)
		n += t->cmds[i].daemon;
	if (n == 0)
		return 0;
	w = calloc(n, sizeof(*w));
	p = calloc(n, sizeof(*p));
	if (!w || !p)
		return log_error_errno(-ENOMEM, "Out of memory");
	n = 0;
	for (size_t i = 0; i < t->n_cmds && r >= 0; i++)
		if (t->cmds[i].daemon)
			r = watch_open(c, i, &w[n++]);
	for (size_t i = 0; i < n && r >= 0; i++)
		if (w[i].cmd->ready != TOPO_READY_NONE)
			r = wait_one(c, w, n, i, p);
	if (r >= 0) {
		uint64_t now = now_ns(), until = last_start_ns + SETTLE_NS;
		long dead = sleep_watching(w, n, p, now < until ? (int)((until - now) / 1000000) : 0);
		if (dead >= 0)
			r = report_dead(c, &w[dead]);
	}
	for (size_t i = 0; i < n; i++)
		safe_close(w[i].pidfd);
	return r;
}
