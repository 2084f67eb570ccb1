/* SPDX-License-Identifier: MIT */
/*
 * Ways into a node: ns_run (join, posix_spawn, wait — what `netlab exec` is) and
 * ns_spawn_daemon_pid (start something that belongs to the node and outlives the caller).
 *
 * One setns(pidfd, flags) joins all of a node's namespaces at once (4 µs). Joining the PID
 * namespace only affects children, which is why both paths create a process after it: the
 * command then lives inside the lab, and dies with it.
 */
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "fd-util.h"
#include "macro.h"
#include "ns.h"

/* The limit we were started with: saved once, by whichever thread raises it first. */
static bool nofile_saved;
static struct rlimit nofile_orig;

static void save_nofile(void)
{
	nofile_saved = getrlimit(RLIMIT_NOFILE, &nofile_orig) == 0;
}

void ns_raise_nofile(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct rlimit rl;

	pthread_once(&once, save_nofile);
	if (!nofile_saved)
		return;
	rl = nofile_orig;
	rl.rlim_cur = rl.rlim_max;
	(void)setrlimit(RLIMIT_NOFILE, &rl);
}

/* Programs we start get the limit we were started with: select() breaks above 1024. */
static void restore_nofile(void)
{
	if (nofile_saved)
		(void)setrlimit(RLIMIT_NOFILE, &nofile_orig);
}

unsigned ns_node_setns_flags(unsigned node_flags)
{
	/* A node without its own PID namespace lives in the lab's: joining that one is what puts
	 * the command inside the lab. */
	unsigned f = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS | CLONE_NEWPID;
	if (node_flags & NS_NODE_IPC)
		f |= CLONE_NEWIPC;
	return f;
}

static void child_prepare(const char *const *env_add)
{
	sigset_t none;

	for (int sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	restore_nofile();
	for (const char *const *e = env_add; e && *e; e++)
		putenv((char *)*e);
}

static const struct {
	int flag;
	const char *path;
} ns_kinds[] = {
	{ CLONE_NEWNET, "/proc/self/ns/net" }, { CLONE_NEWUTS, "/proc/self/ns/uts" },
	{ CLONE_NEWIPC, "/proc/self/ns/ipc" }, { CLONE_NEWPID, "/proc/self/ns/pid" },
	/* Mount last: once back in it, /proc/self is ours again (not needed, but tidy). */
	{ CLONE_NEWNS, "/proc/self/ns/mnt" },
};

static void close_saved(int saved[])
{
	for (size_t i = 0; i < ELEMENTSOF(ns_kinds); i++)
		saved[i] = safe_close(saved[i]);
}

static int save_namespaces(unsigned flags, int saved[])
{
	for (size_t i = 0; i < ELEMENTSOF(ns_kinds); i++)
		saved[i] = -EBADF;
	for (size_t i = 0; i < ELEMENTSOF(ns_kinds); i++) {
		if (!(flags & (unsigned)ns_kinds[i].flag))
			continue;
		saved[i] = open(ns_kinds[i].path, O_RDONLY | O_CLOEXEC);
		if (saved[i] < 0) {
			int r = negative_errno();
			close_saved(saved);
			return r;
		}
	}
	return 0;
}

/* Joining our own PID namespace again resets pid_for_children: setns allows the caller's
 * active namespace as a target. */
static int restore_namespaces(int saved[])
{
	int r = 0;
	for (size_t i = 0; i < ELEMENTSOF(ns_kinds); i++) {
		if (saved[i] < 0)
			continue;
		if (setns(saved[i], ns_kinds[i].flag) < 0 && r == 0)
			r = negative_errno();
	}
	close_saved(saved);
	return r;
}

static volatile sig_atomic_t forward_pid;

static void forward_signal(int sig)
{
	if (forward_pid > 0)
		kill(forward_pid, sig);
}

static bool env_overridden(const char *entry, const char *const *env_add)
{
	size_t n = strcspn(entry, "=");

	for (const char *const *e = env_add; e && *e; e++)
		if (strncmp(*e, entry, n) == 0 && ((*e)[n] == '=' || (*e)[n] == '\0'))
			return true;
	return false;
}

/* environ with env_add applied ("KEY=VALUE" sets, a bare "KEY" removes): posix_spawn takes the
 * whole array, and the child must not edit ours — it shares our memory until it execs. */
static char **build_env(const char *const *env_add)
{
	size_t n = 0, k = 0;
	char **env;

	for (char **e = environ; *e; e++)
		n++;
	for (const char *const *e = env_add; e && *e; e++)
		n++;
	env = calloc(n + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (char **e = environ; *e; e++)
		if (!env_overridden(*e, env_add))
			env[k++] = *e;
	for (const char *const *e = env_add; e && *e; e++)
		if (strchr(*e, '='))
			env[k++] = (char *)*e;
	return env;
}

/* Errors of the exec itself, as opposed to creating the process (EAGAIN, ENOMEM: a PID
 * namespace being torn down refuses new processes with ENOMEM). */
static bool is_exec_error(int e)
{
	return e == ENOENT || e == EACCES || e == ENOEXEC || e == ENOTDIR || e == ELOOP ||
	       e == ENAMETOOLONG || e == E2BIG || e == ETXTBSY || e == EISDIR || e == EPERM ||
	       e == ELIBBAD;
}

/* What a failed posix_spawn means for ns_run: e.g. the lab going down (-e), or the exec's own
 * error as a shell says it: 127 not found, 126 found but not runnable. r: a later error. */
static int exec_result(int e, const struct ns_run_opts *o, int r)
{
	if (!is_exec_error(e))
		return -e;
	if (o && o->exec_errno)
		*o->exec_errno = e;
	return r < 0 ? r : e == ENOENT ? 127 : 126;
}

static int spawn(char *const argv[], const struct ns_run_opts *o, pid_t *ret_pid)
{
	_cleanup_free_ char **env = NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	int e;

	env = build_env(o ? o->env_add : NULL);
	if (!env)
		return ENOMEM;
	/* Everything the command inherits is set up here, in our process: the child is a
	 * vfork-style clone (posix_spawn) — 0.2 ms less per `netlab exec` than fork(), and
	 * nothing to undo in a child sharing our memory. */
	sigfillset(&all);
	sigemptyset(&none);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawn_file_actions_init(&fa);
	if (o && o->stdin_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, o->stdin_fd, STDIN_FILENO);
	if (o && o->stdout_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, o->stdout_fd, STDOUT_FILENO);
	if (o && o->stderr_fd >= 0)
		posix_spawn_file_actions_adddup2(&fa, o->stderr_fd, STDERR_FILENO);
	/* The child gets the limit we were started with (select() breaks above 1024). */
	restore_nofile();
	e = posix_spawnp(ret_pid, argv[0], &fa, &attr, argv, env);
	if (nofile_saved)
		ns_raise_nofile();
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	return e;
}

/* The command's working directory, entered after become(), as the command's user: runc does the
 * same, so a directory that user may not enter fails the command as it does in Docker.
 * required (an image's WorkingDir): that failure is returned (errno); a directory that is not
 * there, and any failure of a best-effort one (the caller's own), lead to "/" instead. */
static int enter_dir(const char *dir, bool required)
{
	if (dir && chdir(dir) == 0)
		return 0;
	if (dir && required && errno != ENOENT)
		return errno;
	(void)chdir("/");
	return 0;
}

/* What a working directory that could not be entered means for ns_run: the command could not
 * be invoked (126, as Docker's), with the errno in o->cwd_errno. r: a later error. */
static int cwd_result(int e, const struct ns_run_opts *o, int r)
{
	if (o && o->cwd_errno)
		*o->cwd_errno = e;
	return r < 0 ? r : 126;
}

/* In a child that has entered a node: become the command's user. setgroups() is refused in a
 * user namespace whose setgroups is "deny" (a rootless lab mapped without newgidmap): the
 * groups then stay as they are. -1 with errno. */
static int become(const struct ns_creds *c)
{
	if (!c)
		return 0;
	if (setgroups(c->n_groups, c->groups) < 0 && errno != EPERM)
		return -1;
	if (setgid(c->gid) < 0 || setuid(c->uid) < 0)
		return -1;
	return 0;
}

/* In a child about to enter a node: join the node's user namespace first when it is not ours
 * (a rootless lab; setns() refuses our own with EINVAL). -1 with errno. */
static int enter_userns(int pidfd)
{
	if (setns(pidfd, CLONE_NEWUSER) < 0 && errno != EINVAL)
		return -1;
	return 0;
}

/* The node's cgroups and clocks (issue 14), unless the caller knows from the lab's state that it
 * has neither. */
static int join_extras(int pidfd, const struct ns_run_opts *o, struct ns_node_extras *x)
{
	if (o && o->no_extras) {
		x->cg.n = 0;
		x->time_fd = -1;
		return 0;
	}
	return ns_node_extras_join(pidfd, x);
}

struct run_report {
	int error;     /* errno of entering (setns) */
	int cwd_err;   /* errno of entering the required working directory */
	int spawn_err; /* posix_spawn's error */
	pid_t pid;     /* the command, in our PID namespace */
};

/*
 * ns_run's way in for a rootless lab: our own namespaces outside the lab's user namespace are
 * out of reach once we join it, so a child joins and spawns, reports the command's pid (for the
 * signals) and relays its exit status. The caller has blocked the forwarded signals.
 */
static int run_in_child(int pidfd, unsigned setns_flags, char *const argv[],
			const struct ns_run_opts *o, const char *cwd, struct run_report *rep,
			pid_t *ret_relay)
{
	int p[2];
	pid_t c;

	c = fork_with_pipe(p);
	if (c < 0)
		return c;
	if (c == 0) {
		struct run_report m = { 0 };
		int status;

		close(p[0]);
		struct ns_node_extras extras;
		int k = join_extras(pidfd, o, &extras);
		if (k < 0)
			m.error = -k;
		else if (enter_userns(pidfd) < 0 || setns(pidfd, (int)setns_flags) < 0)
			m.error = errno;
		else if (become(o ? o->creds : NULL) < 0)
			m.error = errno;
		else if ((m.cwd_err = enter_dir(cwd, o && o->cwd)) == 0)
			m.spawn_err = spawn(argv, o, &m.pid);
		(void)!write(p[1], &m, sizeof(m));
		if (m.error || m.cwd_err || m.spawn_err)
			_exit(0);
		while (waitpid(m.pid, &status, 0) < 0)
			if (errno != EINTR)
				_exit(255);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	close(p[1]);
	ssize_t n;
	while ((n = read(p[0], rep, sizeof(*rep))) < 0 && errno == EINTR)
		;
	close(p[0]);
	if (n != (ssize_t)sizeof(*rep) || rep->error || rep->cwd_err || rep->spawn_err) {
		while (waitpid(c, NULL, 0) < 0 && errno == EINTR)
			;
		if (n != (ssize_t)sizeof(*rep))
			rep->error = ECHILD;
		return 0;
	}
	/* We wait for the relay, whose status is the command's; signals go to the command. */
	*ret_relay = c;
	return 1;
}

/* Enters the node in this process, spawns, comes back. 0 with *ret_pid, or the exit code for an
 * exec error (127/126), or -errno. Forwarded signals are blocked by the caller. */
static int run_here(int pidfd, unsigned setns_flags, char *const argv[],
		    const struct ns_run_opts *o, const char *cwd, pid_t *ret_pid)
{
	int saved[ELEMENTSOF(ns_kinds)];
	struct ns_node_extras extras;
	int e, r;

	/* Joining a mount namespace moves us to its root, and so does coming back: our working
	 * directory is restored from this fd, so that later relative paths of the caller are
	 * still its own. */
	_cleanup_close_ int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	r = save_namespaces(setns_flags, saved);
	if (r < 0)
		return r;
	r = join_extras(pidfd, o, &extras);
	if (r < 0 || setns(pidfd, (int)setns_flags) < 0) {
		r = r < 0 ? r : negative_errno();
		close_saved(saved);
		(void)ns_node_extras_leave(&extras);
		return r;
	}
	/* Joining the mount namespace moved us to its root; come back to the same path if it
	 * exists there, like `ip netns exec` does by keeping it. No user to take on here: we
	 * are the command's user. */
	int cwd_err = enter_dir(cwd, o && o->cwd);

	e = cwd_err ? 0 : spawn(argv, o, ret_pid);

	/* The child is inside; we go home. Whatever this process does next — the sanitizers'
	 * leak check clones a tracer and reads /proc/self — must happen in our own PID and mount
	 * namespaces, not in the node's, where /proc/self does not even resolve. */
	r = restore_namespaces(saved);
	{
		int k = ns_node_extras_leave(&extras);
		if (r == 0)
			r = k;
	}
	if (here >= 0)
		(void)fchdir(here);
	if (cwd_err)
		return cwd_result(cwd_err, o, r);
	if (e != 0)
		return exec_result(e, o, r);
	if (r < 0) {
		kill(*ret_pid, SIGKILL);
		waitpid(*ret_pid, NULL, 0);
		return r;
	}
	return 0;
}

/* Whether we are the process's only thread: /proc/self/task links one entry per thread to
 * "." and "..". Unknown counts as not alone (the safe answer). */
static bool single_threaded(void)
{
	struct stat st;
	return stat("/proc/self/task", &st) == 0 && st.st_nlink == 3;
}

int ns_run(int pidfd, unsigned setns_flags, char *const argv[], const struct ns_run_opts *o)
{
	static const int forwarded[] = { SIGTERM, SIGHUP, SIGUSR1, SIGUSR2, SIGALRM, SIGWINCH };
	static const int ignored[] = { SIGINT, SIGQUIT };
	struct sigaction fw = { .sa_handler = forward_signal, .sa_flags = SA_RESTART };
	struct sigaction ign = { .sa_handler = SIG_IGN };
	struct sigaction old_fw[ELEMENTSOF(forwarded)], old_ign[ELEMENTSOF(ignored)];
	char cwd[PATH_MAX];
	bool have_cwd = false;
	int status, r;
	pid_t pid = 0, waited = 0;
	/* A process of several threads (libnetlab's callers) can join neither a mount nor a time
	 * namespace (setns(2): EINVAL, EUSERS), and its signal dispositions are every thread's:
	 * a child enters, and the caller's handlers stay as they are. Only a caller that may have
	 * threads has them counted: the CLI knows it is alone. */
	bool alone = !(o && o->threaded) || single_threaded();

	if (o && o->exec_errno)
		*o->exec_errno = 0;
	if (o && o->cwd_errno)
		*o->cwd_errno = 0;
	if (o && o->keep_cwd)
		have_cwd = getcwd(cwd, sizeof(cwd)) != NULL;
	/* Where the command starts: the directory asked for (an image's WorkingDir), else ours
	 * when the node has it (keep_cwd), else the node's "/". */
	const char *dir = o && o->cwd ? o->cwd : have_cwd ? cwd : NULL;

	/* From the moment the command runs, a SIGTERM for us is its: held back from here until
	 * the forwarding is in place, or one that came in between (the command already printing,
	 * we not yet past spawn) would end us with our default action and leave the command
	 * running alone. The child starts with no signal blocked (spawn's SETSIGMASK). */
	sigset_t held, old_mask;
	sigemptyset(&held);
	for (size_t i = 0; i < ELEMENTSOF(forwarded); i++)
		sigaddset(&held, forwarded[i]);
	for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
		sigaddset(&held, ignored[i]);
	sigprocmask(SIG_BLOCK, alone ? &held : NULL, &old_mask);

	/* A rootless lab's nodes are entered from a child when we cannot come back from them. */
	r = ns_userns_joined() || !alone ? 1 : ns_pidfd_other_userns(pidfd);
	if (r == 0 && o && o->creds)
		r = 1;
	if (r > 0) {
		struct run_report rep = { 0 };
		r = run_in_child(pidfd, setns_flags, argv, o, dir, &rep, &waited);
		if (r == 0 && rep.error)
			r = -rep.error;
		else if (r == 0 && rep.cwd_err)
			r = cwd_result(rep.cwd_err, o, 0);
		else if (r == 0)
			r = exec_result(rep.spawn_err, o, 0);
		pid = rep.pid;
	} else if (r == 0) {
		r = run_here(pidfd, setns_flags, argv, o, dir, &pid);
		waited = pid;
	}
	if (r != 0 && !(r == 1 && waited > 0)) {
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		return r;
	}

	/* Until the command ends, signals meant for us are its; ^C and ^\ reach it through
	 * the terminal already. Ours come back afterwards (run, wait and the library go on).
	 * Unblocking delivers what was held: forwarded now, or dropped for SIGINT/SIGQUIT. */
	if (alone)
		forward_pid = pid;
	for (size_t i = 0; alone && i < ELEMENTSOF(forwarded); i++)
		sigaction(forwarded[i], &fw, &old_fw[i]);
	for (size_t i = 0; alone && i < ELEMENTSOF(ignored); i++)
		sigaction(ignored[i], &ign, &old_ign[i]);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);

	while ((r = (int)waitpid(waited, &status, 0)) < 0 && errno == EINTR)
		;
	if (r < 0)
		r = negative_errno();
	if (alone)
		forward_pid = 0;
	for (size_t i = 0; alone && i < ELEMENTSOF(forwarded); i++)
		sigaction(forwarded[i], &old_fw[i], NULL);
	for (size_t i = 0; alone && i < ELEMENTSOF(ignored); i++)
		sigaction(ignored[i], &old_ign[i], NULL);
	if (r < 0)
		return r;

	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

int ns_spawn_daemon_pid(int pidfd, unsigned setns_flags, char *const argv[], int log_fd,
			const char *const *env_add, pid_t *ret_pid, uint64_t *ret_starttime)
{
	struct ns_daemon_where w = { 0 };

	return ns_spawn_daemon_at(pidfd, setns_flags, argv, log_fd, env_add, &w, ret_pid,
				  ret_starttime);
}

/* In the daemon, once forked: our signals and fds are not its; stdin from /dev/null, stdout and
 * stderr to log_fd; its user, then its directory (enter_dir). Never returns. */
static _noreturn_ void daemon_exec(char *const argv[], int log_fd, const char *const *env_add,
				   const struct ns_creds *creds, const char *dir, bool required)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

	child_prepare(env_add);
	setsid();
	if (null >= 0)
		dup2(null, STDIN_FILENO);
	dup2(log_fd, STDOUT_FILENO);
	dup2(log_fd, STDERR_FILENO);
	syscall(SYS_close_range, 3, ~0U, 0);
	if (become(creds) < 0) {
		dprintf(STDERR_FILENO, "netlab: cannot run '%s' as uid %u gid %u: %s\n", argv[0],
			(unsigned)creds->uid, (unsigned)creds->gid, strerror(errno));
		_exit(126);
	}
	int e = enter_dir(dir, required);
	if (e && creds)
		dprintf(STDERR_FILENO, "netlab: cannot enter the working directory '%s' as uid %u "
			"gid %u: %s\n", dir, (unsigned)creds->uid, (unsigned)creds->gid, strerror(e));
	else if (e)
		dprintf(STDERR_FILENO, "netlab: cannot enter the working directory '%s': %s\n", dir,
			strerror(e));
	if (e)
		_exit(126);
	execvp(argv[0], argv);
	dprintf(STDERR_FILENO, "netlab: cannot run '%s': %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* The intermediate child of ns_spawn_daemon_at: enters the node, forks the daemon, reports
 * its pid on report_w and waits on hold_r for the caller to have read it. Never returns. */
static _noreturn_ void daemon_intermediate(int pidfd, unsigned setns_flags, char *const argv[],
					   int log_fd, const char *const *env_add,
					   const struct ns_daemon_where *where, int report_w,
					   int hold_r)
{
	struct ns_node_extras extras;
	pid_t daemon;
	char c;

	int k = ns_node_extras_join(pidfd, &extras);
	if (k < 0)
		_exit(-k);
	/* Joining a mount namespace moves us to its root: the daemon gets the WorkingDir, else
	 * the directory asked for or the caller's back when the node sees it (`up` gives the
	 * topology's), entered by the daemon once it is its user. */
	const char *dir = where->workdir ? where->workdir
				      : where->cwd ? where->cwd : getcwd(NULL, 0);
	if (enter_userns(pidfd) < 0 || setns(pidfd, (int)setns_flags) < 0)
		_exit(errno);
	/* The daemon closes every inherited fd before it execs; `settled` reaches EOF when it
	 * has, and only then do we report. Until then it still holds copies of the caller's fds
	 * (a lab's lock, `up`'s control socket), which a busy machine can leave open long
	 * enough for the caller to trip over them. */
	int settled[2];
	if (pipe(settled) < 0)
		_exit(errno);
	/* setns(CLONE_NEWPID) changed only where our children are born: we are still in the
	 * caller's PID namespace, so fork() returns the daemon's pid as the caller sees it. */
	daemon = fork();
	if (daemon < 0)
		_exit(errno);
	if (daemon == 0)
		daemon_exec(argv, log_fd, env_add, where->creds, dir, where->workdir != NULL);
	close(settled[1]);
	while (read(settled[0], &c, 1) < 0 && errno == EINTR)
		;
	(void)!write(report_w, &daemon, sizeof(daemon));
	close(report_w);
	while (read(hold_r, &c, 1) < 0 && errno == EINTR)
		;
	/* The daemon is orphaned on purpose: the node's (or lab's) init adopts it. */
	_exit(0);
}

/* The daemon's pid as the intermediate child reported it (0: it reported none). */
static pid_t read_daemon_pid(int report_r)
{
	pid_t daemon = 0;

	for (;;) {
		ssize_t n = read(report_r, &daemon, sizeof(daemon));
		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(daemon))
			daemon = 0;
		return daemon;
	}
}

int ns_spawn_daemon_at(int pidfd, unsigned setns_flags, char *const argv[], int log_fd,
		       const char *const *env_add, const struct ns_daemon_where *where,
		       pid_t *ret_pid, uint64_t *ret_starttime)
{
	/* report: intermediate -> us, the daemon's pid. hold: us -> intermediate; it exits when
	 * we close our end. Until then the daemon is its child and cannot be reaped, so the pid
	 * we read still names the daemon (or its zombie) while we pin it with a pidfd. */
	int report[2] = { -EBADF, -EBADF }, hold[2] = { -EBADF, -EBADF };
	int status, r = 0;
	pid_t pid, daemon;

	if (pipe2(report, O_CLOEXEC) < 0)
		return negative_errno();
	if (pipe2(hold, O_CLOEXEC) < 0) {
		r = negative_errno();
		goto out;
	}
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		goto out;
	}
	if (pid == 0) {
		close(report[0]);
		close(hold[1]);
		daemon_intermediate(pidfd, setns_flags, argv, log_fd, env_add, where, report[1],
				    hold[0]);
	}
	report[1] = safe_close(report[1]);
	hold[0] = safe_close(hold[0]);
	daemon = read_daemon_pid(report[0]);
	if (daemon > 0 && ret_starttime) {
		/* A daemon that already died is a zombie of the intermediate child: no start
		 * time, and nothing left to stop. */
		if (proc_starttime(daemon, ret_starttime) < 0)
			*ret_starttime = 0;
	}
	hold[1] = safe_close(hold[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			r = negative_errno();
			goto out;
		}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		r = WIFEXITED(status) ? -WEXITSTATUS(status) : -ECHILD;
	else if (daemon <= 0)
		r = -ECHILD;
	else if (ret_pid)
		*ret_pid = daemon;
out:
	safe_close(report[0]);
	safe_close(report[1]);
	safe_close(hold[0]);
	safe_close(hold[1]);
	return r;
}
