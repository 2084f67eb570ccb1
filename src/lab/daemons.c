/* SPDX-License-Identifier: MIT */
/*
 * Named daemons in nodes: the `start` statements (started by `up` after the `exec` statements)
 * and `netlab start/stop/logs` at run time.
 *
 * A daemon joins its node's PID namespace (so it dies with the lab) and writes its output to
 * NETLAB_DIR/NODE/NAME.log. NETLAB_DIR/NODE/NAME.pid holds "PID STARTTIME" (PID in the host's
 * PID namespace): `stop` opens a pidfd for PID and checks the start time before it signals,
 * so a recycled pid is never killed. Creating NAME.pid with O_EXCL is what reserves a name.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

/* The daemon's default name: the command's first word, without directories. */
static void daemon_name(const char *cmd, char *buf, size_t size)
{
	const char *p = cmd + strspn(cmd, " \t");
	size_t n = strcspn(p, " \t;&|<>()");
	const char *slash = memrchr(p, '/', n);

	if (slash) {
		n -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	if (n == 0 || n >= size || p[0] == '.')
		snprintf(buf, size, "daemon");
	else
		snprintf(buf, size, "%.*s", (int)n, p);
	if (!lab_daemon_name_valid(buf))
		snprintf(buf, size, "daemon");
}

bool lab_daemon_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > 63 || name[0] == '.' || name[0] == '-')
		return false;
	for (const char *c = name; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
		      *c == '_' || *c == '-' || *c == '.'))
			return false;
	return true;
}

/* Reads "PID STARTTIME" from dirfd/NAME.pid. -ENOENT, -EBADMSG (empty: a start in progress, or
 * damaged). */
static int read_pidfile(int dirfd, const char *name, pid_t *ret_pid, uint64_t *ret_starttime)
{
	char path[80], buf[64];
	_cleanup_close_ int fd = -EBADF;
	unsigned long long st;
	ssize_t n;
	int pid;

	snprintf(path, sizeof(path), "%s.pid", name);
	/* A fifo planted there must not block `stop`, `logs` or `status` (issue 17 #12). */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : negative_errno();
	struct stat sb;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))
		return -EBADMSG;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	if (sscanf(buf, "%d %llu", &pid, &st) != 2 || pid <= 0)
		return -EBADMSG;
	*ret_pid = pid;
	*ret_starttime = st;
	return 0;
}

int lab_daemon_pidfd(int dirfd, const char *name, int *ret_pidfd)
{
	pid_t pid;
	uint64_t st;
	int r = read_pidfile(dirfd, name, &pid, &st);

	if (r == -EBADMSG)
		return -ESRCH;
	if (r < 0)
		return r;
	if (st == 0)
		return -ESRCH;
	return pidfd_open_verified(pid, st, ret_pidfd);
}

/* Reserves dirfd/NAME.pid (O_EXCL). A pid file of a daemon that has exited is taken over. */
static int reserve(int dirfd, const char *name)
{
	char path[80];

	snprintf(path, sizeof(path), "%s.pid", name);
	for (int attempt = 0; attempt < 2; attempt++) {
		int fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
				0600);
		if (fd >= 0)
			return fd;
		if (errno != EEXIST)
			return negative_errno();
		_cleanup_close_ int pidfd = -EBADF;
		int r = lab_daemon_pidfd(dirfd, name, &pidfd);
		if (r >= 0)
			return -EEXIST;
		/* An empty pid file is a start in progress only for a moment; one that is still
		 * empty when we look is what a killed netlab left. Either way, last writer wins. */
		if (unlinkat(dirfd, path, 0) < 0 && errno != ENOENT)
			return negative_errno();
	}
	return -EEXIST;
}

uint64_t lab_log_max_bytes(void)
{
	const char *s = getenv("NETLAB_LOG_MAX");
	unsigned long long v;
	char *end;

	if (!s || !*s)
		return LAB_LOG_MAX_DEFAULT;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || v == 0)
		return LAB_LOG_MAX_DEFAULT;
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	return *end ? LAB_LOG_MAX_DEFAULT : v;
}

/* The pid file's content: "PID STARTTIME", blank-padded to a fixed size so that the record
 * overwrites the placeholder (record NULL: blanks only) without needing more space. */
#define RECORD_SIZE 48
static int write_record(int fd, const char *record)
{
	char buf[RECORD_SIZE];
	ssize_t n;

	memset(buf, ' ', sizeof(buf));
	buf[sizeof(buf) - 1] = '\n';
	if (record)
		memcpy(buf, record, strnlen(record, sizeof(buf) - 1));
	n = pwrite(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return negative_errno();
	if (n != (ssize_t)sizeof(buf))
		return -ENOSPC;
	return 0;
}

/* A daemon we could not record: it leads its own process group (setsid), which SIGKILL ends
 * with what it started. Only while the pid is still the daemon's (the pidfd pins it). */
static void kill_unrecorded(pid_t pid, uint64_t starttime)
{
	_cleanup_close_ int pidfd = -EBADF;

	if (pidfd_open_verified(pid, starttime, &pidfd) < 0)
		return;
	(void)kill(-pid, SIGKILL);
	(void)pidfd_wait_exit(pidfd, 10000);
}

struct launch {
	const char *dir;    /* NETLAB_DIR */
	const char *node;   /* its name */
	int node_pidfd;
	unsigned setns_flags;
	const char *const *env; /* NETLAB_LAB=, NETLAB_DIR= */
	const char *cwd;        /* where it starts unless its image says (NULL: our directory) */
	const char *user;       /* the statement's user= (NULL: the image's User, else root) */
};

/* NETLAB_DIR/NODE, made when missing: where a node's daemons keep their pid files and logs. */
static int daemons_dir_open(const struct launch *l, char *dir, size_t size)
{
	int fd;

	if ((size_t)snprintf(dir, size, "%s/%s", l->dir, l->node) >= size)
		return log_error_errno(-ENAMETOOLONG, "Cannot use '%s/%s': %m", l->dir, l->node);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Cannot create '%s': %m", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Cannot open '%s': %m", dir);
	return fd;
}

/* The pid file of daemon `name`, or of the first free one of base, base-2, ... (chosen gets
 * the name). Returns its fd; logs. */
static int reserve_name(const struct launch *l, int dirfd, const char *dir, const char *name,
			const char *base, char *chosen, size_t size)
{
	int pidfile = -EBADF;

	if (name) {
		snprintf(chosen, size, "%s", name);
		pidfile = reserve(dirfd, chosen);
		if (pidfile == -EEXIST)
			return log_error_errno(-EEXIST, "a daemon '%s' is already running in node '%s'",
					       chosen, l->node);
	} else {
		for (unsigned n = 1; n < 1000; n++) {
			if (n == 1)
				snprintf(chosen, size, "%s", base);
			else
				snprintf(chosen, size, "%s-%u", base, n);
			pidfile = reserve(dirfd, chosen);
			if (pidfile != -EEXIST)
				break;
		}
	}
	if (pidfile < 0)
		return log_error_errno(pidfile, "Cannot create the pid file of '%s' in %s: %m",
				       chosen, dir);
	return pidfile;
}

/* The daemon's environment: an image node's Env first (NETLAB_* win), then the lab's, and the
 * HOME of its user when the image's Env has none. */
static void daemon_env(const struct launch *l, const struct lab_image_defaults *img,
		       const struct lab_node_user *user, const char **env, size_t cap,
		       char *env_node, size_t env_node_size)
{
	size_t k = 0;

	for (const char *const *e = img->env; *e; e++)
		env[k++] = *e;
	for (const char *const *e = l->env; e && *e && k < cap - 3; e++)
		env[k++] = *e;
	snprintf(env_node, env_node_size, "NETLAB_NODE=%s", l->node);
	env[k++] = env_node;
	if (user->home[0])
		env[k++] = user->home;
	env[k] = NULL;
}

/* The daemon's process and its record in pidfile (reserved, empty): logs, and on failure
 * leaves no daemon running that the record does not name. */
static int spawn_recorded(const struct launch *l, int dirfd, const char *dir, const char *chosen,
			  int pidfile, int logfd, char *const argv[])
{
	char env_node[128], line[64];
	const char *env[8 + LAB_IMAGE_ENV_MAX];
	_cleanup_free_ struct lab_image_defaults *img = NULL;
	struct lab_node_user user;
	_cleanup_close_ int outfd = -EBADF;
	pid_t pid = 0;
	uint64_t st = 0;
	int r;

	/* An image node's Env and its WorkingDir (issue 13). */
	img = malloc(sizeof(*img));
	if (!img)
		return -ENOMEM;
	lab_image_defaults_read(l->dir, l->node, img);
	/* ... and its User or the statement's, with the HOME of that user (issue 13). */
	r = lab_node_user_resolve(img, l->node_pidfd, l->node, l->user, &user);
	if (r < 0)
		return r;
	daemon_env(l, img, &user, env, ELEMENTSOF(env), env_node, sizeof(env_node));

	/* The record must be writable before there is a daemon to record: a full run directory
	 * would otherwise leave one running that stop does not know (and a second start of the
	 * name a second copy). The placeholder takes the space the record needs and reads as a
	 * start in progress; the record then overwrites it in place. */
	r = write_record(pidfile, NULL);
	if (r < 0)
		return log_error_errno(r, "Cannot write '%s/%s.pid': %m; daemon '%s' not started",
				       dir, chosen, chosen);
	r = ns_spawn_log_pump(l->node_pidfd, dirfd, chosen, logfd, lab_log_max_bytes(), &outfd);
	if (r < 0)
		return log_error_errno(r, "Cannot start the log of daemon '%s' in node '%s': %m",
				       chosen, l->node);
	struct ns_daemon_where where = {
		.workdir = img->cwd,
		.cwd = l->cwd,
		.creds = user.set ? &user.creds : NULL,
	};
	r = ns_spawn_daemon_at(l->node_pidfd, l->setns_flags, argv, outfd, env, &where, &pid,
			       &st);
	/* The daemon has its copy; with ours closed, the pump ends when the daemon does. */
	outfd = safe_close(outfd);
	if (r < 0)
		return log_error_errno(r, "Cannot start daemon '%s' in node '%s': %m", chosen,
				       l->node);
	snprintf(line, sizeof(line), "%d %llu", (int)pid, (unsigned long long)st);
	r = write_record(pidfile, line);
	if (r < 0) {
		log_error_errno(r, "Cannot write '%s/%s.pid': %m; stopping daemon '%s'", dir, chosen,
				chosen);
		kill_unrecorded(pid, st);
		return r;
	}
	log_debug("daemon '%s' in node '%s': pid %d", chosen, l->node, (int)pid);
	return 0;
}

/* Starts argv as daemon `name` (exact) or, with name NULL, as the first free one of base,
 * base-2, base-3... ret_name gets the name used. */
static int launch(const struct launch *l, const char *name, const char *base, char *const argv[],
		  char *ret_name, size_t name_size)
{
	char dir[LAB_PATH_MAX], chosen[80], path[96];
	_cleanup_close_ int dirfd = -EBADF, pidfile = -EBADF, logfd = -EBADF;
	int r;

	dirfd = daemons_dir_open(l, dir, sizeof(dir));
	if (dirfd < 0)
		return dirfd;
	pidfile = reserve_name(l, dirfd, dir, name, base, chosen, sizeof(chosen));
	if (pidfile < 0)
		return pidfile;

	snprintf(path, sizeof(path), "%s.log", chosen);
	/* Appended to: a daemon started again under its name continues its log. */
	logfd = openat(dirfd, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (logfd < 0)
		r = log_error_errno(negative_errno(), "Cannot open log '%s/%s': %m", dir, path);
	else
		r = spawn_recorded(l, dirfd, dir, chosen, pidfile, logfd, argv);
	if (r < 0) {
		snprintf(path, sizeof(path), "%s.pid", chosen);
		(void)unlinkat(dirfd, path, 0);
		return r;
	}
	if (ret_name)
		snprintf(ret_name, name_size, "%s", chosen);
	return 0;
}

int lab_daemons_start(const struct lab_up_ctx *c)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < t->n_cmds; i++) {
		const struct topo_cmd *cmd = &t->cmds[i];
		_cleanup_free_ char *text = NULL;
		char base[64];

		/* A simple command is exec'd by the shell, so that the recorded pid is the daemon's
		 * own (dash does not do that by itself); anything else runs as written. */
		if (strpbrk(cmd->command, ";&|<>()`$\n\\'\"*?[]{}~#=") == NULL &&
		    asprintf(&text, "exec %s", cmd->command) < 0)
			return log_error_errno(-ENOMEM, "Out of memory");
		char *argv[] = { (char *)"sh", (char *)"-c", text ? text : cmd->command, NULL };

		if (!cmd->daemon)
			continue;
		struct launch l = {
			.dir = c->dir,
			.node = t->nodes[cmd->node].name,
			.node_pidfd = c->nodes[cmd->node].pidfd,
			.setns_flags = ns_node_setns_flags(c->specs[cmd->node].flags),
			.env = c->env,
			/* The topology's directory, given to the daemon rather than entered: a
			 * chdir() would move every thread of a libnetlab caller. */
			.cwd = t->dir,
			.user = cmd->user,
		};
		/* Two daemons of one name in a node get NAME, NAME-2... in file order. */
		daemon_name(cmd->command, base, sizeof(base));
		int r = launch(&l, NULL, base, argv, c->daemon_names[i], sizeof(c->daemon_names[i]));
		if (r < 0)
			return log_error_errno(r, "%s:%u: Cannot start daemon in node '%s': %m",
					       t->file, cmd->pos.line, l.node);
	}
	return 0;
}

int lab_daemon_launch(const struct lab_up_ctx *c, size_t node, const char *name,
		      char *const argv[])
{
	struct launch l = {
		.dir = c->dir,
		.node = c->t->nodes[node].name,
		.node_pidfd = c->nodes[node].pidfd,
		.setns_flags = ns_node_setns_flags(c->specs[node].flags),
		.env = c->env,
	};
	return launch(&l, name, name, argv, NULL, 0);
}

/* ---- run time ---------------------------------------------------------------------------- */

int lab_node_find(const char *lab, const struct lab_state *st, const char *node,
		  size_t *ret_index, int *ret_pidfd)
{
	_cleanup_close_ int pidfd = -EBADF;
	size_t i;
	int r;

	i = lab_state_find_node(st, node);
	if (i == TOPO_NONE)
		return log_error_errno(-ENOENT, "lab '%s' has no node '%s'", lab, ESCAPED(node));
	r = lab_state_node_pidfd(st, i, &pidfd);
	if (r < 0 && lab_went_down(lab, st) < 0)
		return -ESRCH;
	if (r < 0)
		return log_error_errno(r, "node '%s' of lab '%s' is not running", node, lab);
	if (ret_index)
		*ret_index = i;
	if (ret_pidfd)
		*ret_pidfd = TAKE_FD(pidfd);
	return 0;
}

int lab_node_open(const char *lab, const char *node, struct lab_state **ret_st, size_t *ret_index,
		  int *ret_pidfd)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	int r;

	r = lab_open(lab, &st, NULL);
	if (r < 0)
		return r;
	r = lab_node_find(lab, st, node, ret_index, ret_pidfd);
	if (r < 0)
		return r;
	if (ret_st)
		*ret_st = TAKE_PTR(st);
	return 0;
}

int lab_daemon_start(const char *lab, const char *node, const char *name, const char *user,
		     char *const argv[], char *ret_name, size_t name_size)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	char dir[LAB_PATH_MAX], env_lab[128], env_dir[LAB_ENV_DIR_MAX], base[64];
	const char *env[] = { env_lab, env_dir, NULL };
	size_t i;
	int r;

	if (name && !lab_daemon_name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid daemon name", ESCAPED(name));
	r = lab_node_open(lab, node, &st, &i, &pidfd);
	if (r < 0)
		return r;
	(void)lab_path(dir, lab, NULL); /* it fitted at `up` */
	snprintf(env_lab, sizeof(env_lab), "NETLAB_LAB=%s", lab);
	snprintf(env_dir, sizeof(env_dir), "NETLAB_DIR=%s", dir);
	struct launch l = {
		.dir = dir,
		.node = node,
		.node_pidfd = pidfd,
		.setns_flags = ns_node_setns_flags(st->nodes[i].flags),
		.env = env,
		.user = user,
	};
	daemon_name(argv[0], base, sizeof(base));
	return launch(&l, name, base, argv, ret_name, name_size);
}

static int node_dir_open(const char *lab, const char *node, int *ret_fd)
{
	char dir[LAB_PATH_MAX];
	int fd;

	if (lab_path(dir, lab, "%s", node) < 0)
		return -ENAMETOOLONG;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	*ret_fd = fd;
	return 0;
}

/* Waits until the leader (pidfd) has exited and then until no process of its group is left
 * (its reaper, the node's or lab's init, collects them), up to timeout_ns in all. */
static int wait_group(int pidfd, pid_t pgid, uint64_t timeout_ns)
{
	struct timespec ts;
	uint64_t start, now;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	start = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	r = pidfd_wait_exit(pidfd, (int)(timeout_ns / 1000000ull));
	if (r < 0)
		return r;
	for (unsigned ms = 1;; ms = ms < 64 ? ms * 2 : 64) {
		if (kill(-pgid, 0) < 0 && errno == ESRCH)
			return 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
		if (now - start >= timeout_ns)
			return -ETIMEDOUT;
		usleep(ms * 1000);
	}
}

int lab_daemon_stop(const char *lab, const char *node, const char *name, uint64_t grace_ns)
{
	_cleanup_close_ int dirfd = -EBADF, pidfd = -EBADF;
	char path[80];
	int r;

	if (!lab_daemon_name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid daemon name", ESCAPED(name));
	r = lab_node_open(lab, node, NULL, NULL, NULL);
	if (r < 0)
		return r;
	r = node_dir_open(lab, node, &dirfd);
	if (r >= 0)
		r = lab_daemon_pidfd(dirfd, name, &pidfd);
	if (r == -ENOENT)
		return log_error_errno(r, "node '%s' has no daemon '%s'", node, name);
	snprintf(path, sizeof(path), "%s.pid", name);
	if (r == -ESRCH) {
		(void)unlinkat(dirfd, path, 0);
		return log_error_errno(r, "daemon '%s' in node '%s' had already exited (see 'netlab "
					  "logs %s %s')",
				       name, node, node, name);
	}
	if (r < 0)
		return log_error_errno(r, "Cannot find daemon '%s' in node '%s': %m", name, node);

	/* The daemon leads its own session and process group (setsid). While it lives — the
	 * pidfd says so, and pins the number — its pid names that group and nothing else: the
	 * signal reaches what a `sh -c` wrapper started too. */
	pid_t pid;
	r = pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return log_error_errno(r, "daemon '%s' in node '%s' had already exited", name, node);
	if (kill(-pid, SIGTERM) < 0 && errno != ESRCH)
		return log_error_errno(negative_errno(), "Cannot signal daemon '%s': %m", name);
	r = wait_group(pidfd, pid, grace_ns);
	if (r == -ETIMEDOUT) {
		log_notice("daemon '%s' in node '%s' did not end within %.3g s of SIGTERM; sending "
			   "SIGKILL",
			   name, node, grace_ns / 1e9);
		if (kill(-pid, SIGKILL) < 0 && errno != ESRCH)
			return log_error_errno(negative_errno(), "Cannot kill daemon '%s': %m", name);
		r = wait_group(pidfd, pid, 10ull * 1000000000ull);
	}
	if (r < 0)
		return log_error_errno(r, "daemon '%s' in node '%s' did not end: %m", name, node);
	(void)unlinkat(dirfd, path, 0);
	return 0;
}

static int cmp_info(const void *a, const void *b)
{
	return strcmp(((const struct lab_daemon_info *)a)->name,
		      ((const struct lab_daemon_info *)b)->name);
}

int lab_daemon_list(const char *lab, const char *node, struct lab_daemon_info **ret, size_t *ret_n)
{
	_cleanup_close_ int dirfd = -EBADF;
	struct lab_daemon_info *v = NULL;
	size_t n = 0, cap = 0;
	DIR *d;
	struct dirent *de;
	int r;

	r = node_dir_open(lab, node, &dirfd);
	if (r == -ENOENT) {
		*ret = NULL;
		*ret_n = 0;
		return 0;
	}
	if (r < 0)
		return r;
	d = fdopendir(dup(dirfd));
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		if (len < 5 || len - 4 > 63 || strcmp(de->d_name + len - 4, ".log") != 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 8;
			struct lab_daemon_info *nv = realloc(v, nc * sizeof(*nv));
			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
			cap = nc;
		}
		memset(&v[n], 0, sizeof(v[n]));
		memcpy(v[n].name, de->d_name, len - 4);
		n++;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_info);
	for (size_t i = 0; i < n; i++) {
		_cleanup_close_ int pidfd = -EBADF;
		if (lab_daemon_pidfd(dirfd, v[i].name, &pidfd) >= 0) {
			v[i].running = true;
			(void)pidfd_get_pid(pidfd, &v[i].pid);
		}
		if (lab_path(v[i].log, lab, "%s/%s.log", node, v[i].name) < 0)
			v[i].log[0] = '\0';
	}
	*ret = v;
	*ret_n = n;
	return 0;
}
