/* SPDX-License-Identifier: MIT */
/*
 * The state directory: RUN/ (lab_run_dir()) holding, per lab, LAB.lock and LAB/ (state, hosts,
 * topology.conf, NODE/NAME.log...).
 *
 * Only what carries netlab's mark is ever changed or removed: the run dir has RUN_MARK in it (we
 * made it, or adopted it while it was empty), and a lab is a LAB.lock beside its directory (a
 * directory without one is not ours, and is neither listed, chmod'ed nor removed). The lock is
 * outside the directory it guards, so its holder can remove the whole directory under it.
 *
 * A lab init is recorded twice, each with its pid, start time and the inodes of its PID and
 * network namespaces: in the lock (from the moment it starts) and in `state` (at the commit).
 * A write to one file cannot hide a running lab: the other record still finds it, and `down`,
 * `clean` and the next `up` kill what they find before they remove anything (DESIGN.md §1.5).
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab-cgroup.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"
#include "parse-util.h"

#define STATE_MAGIC "netlab-state 2"
#define LOCK_MAGIC "netlab-lock 1"
#define RUN_MARK ".netlab-run"
#define LOCK_SUFFIX ".lock"

static char user_dir[LAB_PATH_MAX];

static void choose_user_dir(void)
{
	const char *x = getenv("XDG_RUNTIME_DIR");
	uid_t uid = geteuid();

	if (uid == 0)
		snprintf(user_dir, sizeof(user_dir), "/run/netlab");
	else if (x && x[0] == '/' && strlen(x) < sizeof(user_dir) - 8)
		snprintf(user_dir, sizeof(user_dir), "%s/netlab", x);
	else
		snprintf(user_dir, sizeof(user_dir), "/run/user/%u/netlab", (unsigned)uid);
}

/* The one place that knows where state lives. */
const char *lab_run_dir(void)
{
	/* Chosen once, before a rootless verb joins a lab's user namespace (where it is uid 0);
	 * once for all threads, which must never see it half written. */
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	const char *d = getenv("NETLAB_RUN_DIR");

	if (d && d[0] == '/')
		return d;
	pthread_once(&once, choose_user_dir);
	return user_dir;
}

int lab_path(char buf[static LAB_PATH_MAX], const char *lab, const char *fmt, ...)
{
	va_list ap;
	int n, k;

	n = snprintf(buf, LAB_PATH_MAX, "%s/%s%s", lab_run_dir(), lab, fmt ? "/" : "");
	if (n < 0 || n >= LAB_PATH_MAX)
		return -ENAMETOOLONG;
	if (!fmt)
		return 0;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, LAB_PATH_MAX - (size_t)n, fmt, ap);
	va_end(ap);
	return k < 0 || k >= LAB_PATH_MAX - n ? -ENAMETOOLONG : 0;
}

static void lock_name(char buf[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1], const char *name)
{
	snprintf(buf, TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1, "%s%s", name, LOCK_SUFFIX);
}

/*
 * Every file of a lab is reached through two directories that only we can write: the run dir
 * and the lab's dir, each checked here to be a real directory (not a symlink) owned by our
 * effective uid. The run dir must not be writable by group or others (we never chmod it: it may
 * be a directory the user chose); a lab dir, ours (it has its lock), is tightened to 0700 when it
 * is not. So no other user can plant a symlink or a file anywhere netlab reads or writes, and the
 * files inside are opened relative to these fds with O_NOFOLLOW as well. quiet: no message (the
 * caller will try again and say it once).
 */
static int check_dir_fd(int fd, const char *what, const char *path, bool tighten, bool quiet)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return quiet ? -ENOTDIR
			     : log_error_errno(-ENOTDIR, "Refusing %s '%s': not a directory", what,
					       path);
	if (st.st_uid != geteuid())
		return quiet ? -EPERM
			     : log_error_errno(-EPERM,
					       "Refusing %s '%s': owned by uid %u, not by us (uid %u): "
					       "another user could plant files there",
					       what, path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (!tighten) {
		if (st.st_mode & 0022)
			return quiet ? -EPERM
				     : log_error_errno(-EPERM,
						       "Refusing %s '%s': mode %04o lets other users "
						       "write there (make it 0700)",
						       what, path, (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		return log_error_errno(negative_errno(), "Cannot make %s '%s' mode 0700: %m", what,
				       path);
	return 0;
}

/* Whether dirfd holds nothing but `except` (may be NULL). */
static bool dir_holds_only(int dirfd, const char *except)
{
	/* Its own open file, not a dup: the caller's offset (lab_list reads from it) stays. */
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	bool only = true;
	DIR *d;

	if (fd < 0)
		return false;
	d = fdopendir(fd);
	if (!d) {
		close(fd);
		return false;
	}
	while (only && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, "..") &&
		    !(except && streq(de->d_name, except)))
			only = false;
	closedir(d);
	return only;
}

/* The run dir carries our mark, or is empty and gets it (when create). -ENOENT: empty, unmarked,
 * not create (nothing of ours is there). */
static int run_dir_mark(int fd, const char *dir, bool create, bool quiet)
{
	_cleanup_close_ int mfd = -EBADF;
	static const char text[] = "netlab run directory: labs are LAB.lock and LAB/\n";
	struct stat st;

	if (fstatat(fd, RUN_MARK, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISREG(st.st_mode) && st.st_uid == geteuid())
			return 0;
	} else if (errno != ENOENT)
		return negative_errno();
	else if (dir_holds_only(fd, NULL)) {
		if (!create)
			return -ENOENT;
		mfd = openat(fd, RUN_MARK, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			     0600);
		if (mfd < 0 && errno != EEXIST)
			return log_error_errno(negative_errno(), "Cannot mark run directory '%s': %m",
					       dir);
		if (mfd >= 0 && write(mfd, text, sizeof(text) - 1) < 0)
			return log_error_errno(negative_errno(), "Cannot mark run directory '%s': %m",
					       dir);
		return 0;
	}
	/* Not empty: a netlab that made it meanwhile has marked it before adding anything. */
	if (fstatat(fd, RUN_MARK, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    st.st_uid == geteuid())
		return 0;
	if (quiet)
		return -EPERM;
	return log_error_errno(-EPERM,
			       "Refusing run directory '%s': netlab did not make it (it holds files "
			       "but no %s); choose a new or empty directory (NETLAB_RUN_DIR)",
			       dir, RUN_MARK);
}

/* Why opening directory `what` at path with O_NOFOLLOW failed (errno): -ENOENT quietly; a
 * symlink or not a directory refused; anything else logged when log_other. Quiet: no logs. */
static int dir_open_error(const char *what, const char *path, bool quiet, bool log_other)
{
	int r = negative_errno();

	if (r == -ENOENT)
		return -ENOENT;
	if (quiet)
		return r;
	if (r == -ELOOP || r == -ENOTDIR)
		return log_error_errno(-ENOTDIR, "Refusing %s '%s': a symlink or not a directory",
				       what, path);
	return log_other ? log_error_errno(r, "Cannot open %s: %m", path) : r;
}

/* Opens the run dir (creating it, mode 0700, when create is set). -ENOENT when it does not
 * exist (or holds nothing) and create is not set; other errors are logged unless quiet. */
static int run_dir_open_q(bool create, bool quiet, int *ret_fd)
{
	const char *dir = lab_run_dir();
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Cannot create %s: %m", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return dir_open_error("run directory", dir, quiet, true);
	r = check_dir_fd(fd, "run directory", dir, false, quiet);
	if (r < 0)
		return r;
	r = run_dir_mark(fd, dir, create, quiet);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int run_dir_open(bool create, int *ret_fd)
{
	return run_dir_open_q(create, false, ret_fd);
}

/* Whether the lock beside lab `name` exists and is ours: the mark of a lab. */
static bool lab_marked(int runfd, const char *name)
{
	char lk[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1];
	struct stat st;

	lock_name(lk, name);
	return fstatat(runfd, lk, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	       st.st_uid == geteuid();
}

/* Opens the directory of lab `name` relative to the run dir fd, checked like it. -ENOENT
 * quietly when there is none, or when it is not a lab's (no lock beside it); a symlink or a
 * foreign directory is refused (logged unless quiet). */
static int lab_dir_open_q(int runfd, const char *name, bool quiet, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	char path[LAB_PATH_MAX];
	int r;

	if (!topo_name_valid(name) || !lab_marked(runfd, name))
		return -ENOENT;
	(void)lab_path(path, name, NULL); /* for messages */
	fd = openat(runfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return dir_open_error("lab directory", path, quiet, false);
	r = check_dir_fd(fd, "lab directory", path, true, quiet);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

static int lab_dir_open(int runfd, const char *name, int *ret_fd)
{
	return lab_dir_open_q(runfd, name, false, ret_fd);
}

/* Both directory fds of lab `name`. */
static int lab_dirs_open(const char *name, bool quiet, int *ret_runfd, int *ret_labfd)
{
	_cleanup_close_ int runfd = -EBADF, labfd = -EBADF;
	int r;

	if (!topo_name_valid(name))
		return -ENOENT;
	r = run_dir_open_q(false, quiet, &runfd);
	if (r < 0)
		return r;
	r = lab_dir_open_q(runfd, name, quiet, &labfd);
	if (r < 0)
		return r;
	if (ret_runfd)
		*ret_runfd = TAKE_FD(runfd);
	*ret_labfd = TAKE_FD(labfd);
	return 0;
}

/*
 * Opens RELPATH ("topology.conf", "NODE/NAME.log") of lab `name` for reading: every component
 * relative to the checked lab directory, none a symlink, the last one a regular file (a fifo
 * would block the reader, a device is not ours). O_NONBLOCK is used only to open.
 */
int lab_file_open(const char *name, const char *relpath, int *ret_fd)
{
	_cleanup_close_ int dirfd = -EBADF, fd = -EBADF;
	char buf[LAB_PATH_MAX], *p, *slash;
	struct stat st;
	int r;

	if (strlen(relpath) >= sizeof(buf) || relpath[0] == '/')
		return -EINVAL;
	r = lab_dirs_open(name, false, NULL, &dirfd);
	if (r < 0)
		return r;
	memcpy(buf, relpath, strlen(relpath) + 1);
	for (p = buf; (slash = strchr(p, '/')); p = slash + 1) {
		*slash = '\0';
		if (streq(p, "..") || streq(p, "."))
			return -EINVAL;
		int sub = openat(dirfd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0)
			return errno == ELOOP || errno == ENOTDIR ? -EPERM : negative_errno();
		close(dirfd);
		dirfd = sub;
	}
	fd = openat(dirfd, p, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return errno == ELOOP ? -EPERM : negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EPERM;
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		return negative_errno();
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The state file is small: a node line is under 120 bytes. A bigger one is not ours. */
#define STATE_MAX_SIZE (64u << 20)

void lab_state_free(struct lab_state *st)
{
	if (!st)
		return;
	free(st->file);
	free(st->nodes);
	free(st);
}

/* The next space-separated field of *p (NUL-terminated in place), or NULL at the end. */
static char *next_field(char **p)
{
	char *f = *p + strspn(*p, " ");

	if (!*f)
		return NULL;
	*p = f + strcspn(f, " ");
	if (**p)
		*(*p)++ = '\0';
	return f;
}

static bool field_pid(char **p, pid_t *ret)
{
	uint32_t v;

	if (parse_uint32(next_field(p), 1, INT32_MAX, &v) < 0)
		return false;
	*ret = (pid_t)v;
	return true;
}

/* A namespace inode: never 0 (0 means "not recorded" to pidfd_open_ident). */
static bool field_ino(char **p, uint64_t *ret)
{
	return parse_uint64(next_field(p), ret) == 0 && *ret != 0;
}

/* "PID STARTTIME PIDNS NETNS" of an init line (state or lock). */
static bool parse_init(char **p, struct lab_state *st)
{
	return field_pid(p, &st->init_pid) && parse_uint64(next_field(p), &st->init_starttime) == 0 &&
	       field_ino(p, &st->init_pidns) && field_ino(p, &st->init_netns) && !next_field(p);
}

/* One line of the state file (without its newline). false: damaged. */
static bool parse_state_line(struct lab_state *st, char *line, size_t *ncap)
{
	char *p = line, *key = next_field(&p), *a;

	if (!key)
		return true;
	if (streq(key, "lab")) {
		a = next_field(&p);
		if (!a || !topo_name_valid(a))
			return false;
		snprintf(st->name, sizeof(st->name), "%s", a);
	} else if (streq(key, "file")) {
		/* The rest of the line: a path may hold spaces. Empty: a topology given as text. */
		free(st->file);
		st->file = NULL;
		return !*p || (st->file = strdup(p)) != NULL;
	} else if (streq(key, "created")) {
		return parse_uint64(next_field(&p), &st->created) == 0;
	} else if (streq(key, "init")) {
		return parse_init(&p, st);
	} else if (streq(key, "node")) {
		struct lab_node_state ns = { 0 };

		a = next_field(&p);
		if (!a || !topo_name_valid(a) || !field_pid(&p, &ns.pid) ||
		    parse_uint64(next_field(&p), &ns.starttime) < 0 ||
		    parse_uint32(next_field(&p), 0, UINT32_MAX, &ns.flags) < 0 ||
		    !field_ino(&p, &ns.netns))
			return false;
		memcpy(ns.name, a, strlen(a) + 1); /* valid names fit (TOPO_NAME_MAX) */
		if (st->n_nodes == *ncap) {
			size_t nc = *ncap ? *ncap * 2 : 16;
			struct lab_node_state *n = realloc(st->nodes, nc * sizeof(*n));
			if (!n)
				return false;
			st->nodes = n;
			*ncap = nc;
		}
		st->nodes[st->n_nodes++] = ns;
	}
	return true;
}

/* Reads a whole small regular file (fd) into a NUL-terminated buffer. -EBADMSG: not a regular
 * file, too big, or holds a NUL byte (not ours). */
static int read_small(int fd, size_t max, char **ret, size_t *ret_len)
{
	_cleanup_free_ char *buf = NULL;
	struct stat sb;
	size_t len = 0;

	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > max)
		return -EBADMSG;
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)sb.st_size) {
		ssize_t n = pread(fd, buf + len, (size_t)sb.st_size - len, (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break; /* truncated meanwhile: parse what is there */
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
		return -EBADMSG;
	*ret = TAKE_PTR(buf);
	if (ret_len)
		*ret_len = len;
	return 0;
}

/* The state file of lab `name` (fd), read and parsed; -EBADMSG when it is not one. */
static int state_read(int fd, const char *name, struct lab_state **ret)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t ncap = 0;
	char *line, *nl;
	int r;

	/* One read and a hand-made parser: `netlab exec` in a 1000-node lab reads 1000 lines
	 * each time (sscanf made that 0.5 ms of a 1.5 ms exec). A fifo, a directory or a huge
	 * file is not a state file. */
	r = read_small(fd, STATE_MAX_SIZE, &buf, NULL);
	if (r < 0)
		return r;
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;

	line = buf;
	nl = strchr(line, '\n');
	if (!nl || (size_t)(nl - line) != strlen(STATE_MAGIC) ||
	    strncmp(line, STATE_MAGIC, strlen(STATE_MAGIC)) != 0)
		return -EBADMSG;
	for (line = nl + 1; *line; line = nl ? nl + 1 : line + strlen(line)) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (!parse_state_line(st, line, &ncap))
			return -EBADMSG;
	}
	if (st->init_pid <= 0 || !streq(st->name, name))
		return -EBADMSG;
	*ret = TAKE_PTR(st);
	return 0;
}

static int state_load(const char *name, bool quiet, struct lab_state **ret)
{
	_cleanup_close_ int labfd = -EBADF, fd = -EBADF;
	int r;

	r = lab_dirs_open(name, quiet, NULL, &labfd);
	if (r < 0)
		return r;
	fd = openat(labfd, "state", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : negative_errno();
	return state_read(fd, name, ret);
}

int lab_state_load(const char *name, struct lab_state **ret)
{
	return state_load(name, false, ret);
}

int lab_state_write(const struct lab_state *st)
{
	_cleanup_close_ int labfd = -EBADF;
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;

	r = lab_dirs_open(st->name, false, NULL, &labfd);
	if (r < 0)
		return r;
	(void)unlinkat(labfd, "state.new", 0);
	fd = openat(labfd, "state.new", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "%s\nlab %s\nfile %s\ncreated %llu\ninit %d %llu %llu %llu\n", STATE_MAGIC,
		st->name, st->file ? st->file : "", (unsigned long long)st->created,
		(int)st->init_pid, (unsigned long long)st->init_starttime,
		(unsigned long long)st->init_pidns, (unsigned long long)st->init_netns);
	for (size_t i = 0; i < st->n_nodes; i++)
		fprintf(f, "node %s %d %llu %u %llu\n", st->nodes[i].name, (int)st->nodes[i].pid,
			(unsigned long long)st->nodes[i].starttime, st->nodes[i].flags,
			(unsigned long long)st->nodes[i].netns);
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	if (renameat(labfd, "state.new", labfd, "state") < 0)
		return negative_errno();
	return 0;
}

static int init_pidfd(const struct lab_state *st, int *ret_pidfd)
{
	struct proc_ident id = { .pid = st->init_pid, .starttime = st->init_starttime,
				 .pidns = st->init_pidns, .netns = st->init_netns };
	int fd, r;

	/* A record without its namespaces is not one we wrote. */
	if (!st->init_pidns || !st->init_netns)
		return -ESRCH;
	r = pidfd_open_ident(&id, &fd);
	if (r < 0)
		return r == -ESRCH || r == -ENOENT ? -ESRCH : r;
	if (ret_pidfd)
		*ret_pidfd = fd;
	else
		close(fd);
	return 0;
}

int lab_state_check_alive(const struct lab_state *st, int *ret_pidfd)
{
	return init_pidfd(st, ret_pidfd);
}

int lab_state_node_pidfd(const struct lab_state *st, size_t i, int *ret_pidfd)
{
	struct proc_ident id = { .pid = st->nodes[i].pid, .starttime = st->nodes[i].starttime,
				 .netns = st->nodes[i].netns };
	int fd, r;

	if (!id.netns)
		return -ESRCH;
	r = pidfd_open_ident(&id, &fd);
	if (r < 0)
		return r == -ENOENT ? -ESRCH : r;
	if (ret_pidfd)
		*ret_pidfd = fd;
	else
		close(fd);
	return 0;
}

size_t lab_state_find_node(const struct lab_state *st, const char *name)
{
	for (size_t i = 0; i < st->n_nodes; i++)
		if (streq(st->nodes[i].name, name))
			return i;
	return TOPO_NONE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void lab_list_free(char **names)
{
	for (char **n = names; n && *n; n++)
		free(*n);
	free(names);
}

/* The name of lab whose lock is `entry` ("NAME.lock"), or false. */
static bool lock_entry(const char *entry, char name[TOPO_NAME_MAX + 1])
{
	size_t len = strlen(entry), sl = strlen(LOCK_SUFFIX);

	if (len <= sl || len - sl > TOPO_NAME_MAX || !streq(entry + len - sl, LOCK_SUFFIX))
		return false;
	memcpy(name, entry, len - sl);
	name[len - sl] = '\0';
	return topo_name_valid(name);
}

int lab_list(char ***ret)
{
	_cleanup_close_ int runfd = -EBADF;
	DIR *d = NULL;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	int r;

	r = run_dir_open(false, &runfd);
	if (r < 0 && r != -ENOENT)
		return r;
	if (r >= 0) {
		d = fdopendir(runfd);
		if (!d)
			return negative_errno();
		runfd = -EBADF; /* d owns it */
	}
	if (!d) {
		names = calloc(1, sizeof(char *));
		if (!names)
			return -ENOMEM;
		*ret = names;
		return 0;
	}
	/* A lab is its lock: a directory without one is not ours (not listed, never touched). */
	while ((de = readdir(d))) {
		char name[TOPO_NAME_MAX + 1];

		if (de->d_type != DT_REG || !lock_entry(de->d_name, name))
			continue;
		if (n + 2 > cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **nn = realloc(names, nc * sizeof(char *));
			if (!nn)
				goto oom;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(name);
		if (!names[n])
			goto oom;
		names[++n] = NULL;
	}
	closedir(d);
	if (!names) {
		names = calloc(1, sizeof(char *));
		if (!names)
			return -ENOMEM;
	}
	qsort(names, n, sizeof(char *), cmp_str);
	*ret = names;
	return 0;
oom:
	closedir(d);
	lab_list_free(names);
	return -ENOMEM;
}

/* ---- the lock: RUN/LAB.lock, an OFD lock (F_OFD_SETLK) ---------------------------------
 *
 * An OFD lock, not flock(): F_OFD_GETLK tells whether someone holds it without taking it, so
 * asking (status, exec) never makes a concurrent `up` or `down` fail with "busy". */

static int ofd_lock(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return errno == EAGAIN || errno == EACCES ? -EBUSY : negative_errno();
	return 0;
}

static bool ofd_held(int fd)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };

	return fcntl(fd, F_OFD_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

static int lock_open_ro(const char *name, int *ret_fd)
{
	_cleanup_close_ int runfd = -EBADF;
	char lk[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1];
	struct stat st;
	int fd, r;

	if (!topo_name_valid(name))
		return -ENOENT;
	r = run_dir_open_q(false, true, &runfd);
	if (r < 0)
		return r;
	lock_name(lk, name);
	fd = openat(runfd, lk, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EBADMSG;
	}
	*ret_fd = fd;
	return 0;
}

bool lab_lock_held(const char *name)
{
	_cleanup_close_ int fd = -EBADF;

	return lock_open_ro(name, &fd) >= 0 && ofd_held(fd);
}

/* The lab init recorded in the lock: *ret gets init_* only. -EBADMSG when damaged, -ENOENT
 * when there is no record. */
static int lock_record_read(int lockfd, struct lab_state *ret, bool *ret_committed)
{
	_cleanup_free_ char *buf = NULL;
	struct lab_state st = { 0 };
	bool committed = false, init = false;
	char *line, *nl, *p, *key;
	int r;

	r = read_small(lockfd, 4096, &buf, NULL);
	if (r < 0)
		return r;
	if (!buf[0])
		return -ENOENT;
	nl = strchr(buf, '\n');
	if (!nl || (size_t)(nl - buf) != strlen(LOCK_MAGIC) || strncmp(buf, LOCK_MAGIC, nl - buf))
		return -EBADMSG;
	for (line = nl + 1; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (!nl)
			return -EBADMSG;
		*nl = '\0';
		p = line;
		key = next_field(&p);
		if (key && streq(key, "init") && !init)
			init = parse_init(&p, &st);
		else if (key && streq(key, "committed"))
			committed = true;
		else
			return -EBADMSG;
		if (!init)
			return -EBADMSG;
	}
	if (!init)
		return -ENOENT;
	ret->init_pid = st.init_pid;
	ret->init_starttime = st.init_starttime;
	ret->init_pidns = st.init_pidns;
	ret->init_netns = st.init_netns;
	*ret_committed = committed;
	return 0;
}

int lab_lock_record(int lockfd, const struct lab_state *st, bool committed)
{
	char buf[256];
	int n;

	n = snprintf(buf, sizeof(buf), "%s\ninit %d %llu %llu %llu\n%s", LOCK_MAGIC,
		     (int)st->init_pid, (unsigned long long)st->init_starttime,
		     (unsigned long long)st->init_pidns, (unsigned long long)st->init_netns,
		     committed ? "committed\n" : "");
	/* The record only grows ("committed" is appended), so a torn write leaves a prefix of
	 * the old record or of the new one: at worst "damaged", never another lab init. */
	if (pwrite(lockfd, buf, (size_t)n, 0) != n)
		return errno ? negative_errno() : -EIO;
	if (ftruncate(lockfd, n) < 0)
		return negative_errno();
	return 0;
}

int lab_find_init(const char *name, const struct lab_state *st, int lockfd, int *ret_pidfd,
		  bool *ret_committed)
{
	_cleanup_close_ int own = -EBADF;
	struct lab_state rec = { 0 };
	bool committed = false;

	if (st && init_pidfd(st, ret_pidfd) >= 0) {
		*ret_committed = true;
		return 0;
	}
	if (lockfd < 0) {
		if (lock_open_ro(name, &own) < 0)
			return -ESRCH;
		lockfd = own;
	}
	if (lock_record_read(lockfd, &rec, &committed) < 0 || init_pidfd(&rec, ret_pidfd) < 0)
		return -ESRCH;
	*ret_committed = committed;
	return 0;
}

/* The lab init a record names is alive, and (owner not -1) runs as that uid: another user's
 * record may name any process of the machine. */
static bool init_alive(const struct lab_state *st, uid_t owner)
{
	char proc[32];
	struct stat sb;

	if (init_pidfd(st, NULL) < 0)
		return false;
	snprintf(proc, sizeof(proc), "/proc/%d", (int)st->init_pid);
	return owner == (uid_t)-1 || (stat(proc, &sb) == 0 && sb.st_uid == owner);
}

/* From a lab's state (NULL: none or damaged) and its lock (-1: none). */
static enum lab_liveness liveness_of(const struct lab_state *st, int lockfd, uid_t owner)
{
	struct lab_state rec = { 0 };
	bool committed = false;

	if (st && init_alive(st, owner))
		return LAB_RUNNING;
	if (lockfd >= 0 && ofd_held(lockfd))
		return LAB_STARTING;
	/* The state is damaged or lies, but the lock's record finds the committed lab alive: it
	 * runs (`down` stops it; `clean` leaves it). An uncommitted one is what a killed `up` left. */
	if (lockfd >= 0 && lock_record_read(lockfd, &rec, &committed) >= 0 && committed &&
	    init_alive(&rec, owner))
		return LAB_RUNNING;
	return LAB_STALE;
}

const char *lab_liveness_name(enum lab_liveness l)
{
	return l == LAB_RUNNING ? "running" : l == LAB_STARTING ? "starting" : "stale";
}

enum lab_liveness lab_liveness(const char *name)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int lockfd = -EBADF;

	(void)state_load(name, true, &st);
	(void)lock_open_ro(name, &lockfd);
	return liveness_of(st, lockfd, (uid_t)-1);
}

/* ---- other users' labs (root's `status`) ------------------------------------------------
 *
 * Each user's run dir is $XDG_RUNTIME_DIR/netlab, which root can only guess: /run/user/UID/netlab,
 * where logind puts XDG_RUNTIME_DIR. Everything there is the user's, so hostile: each directory
 * and file is opened relative to its parent with O_NOFOLLOW, must be a directory (a regular file)
 * owned by that UID, and a file is checked before it is opened (never a fifo or a device). What
 * is read is only shown; a lab init a record names counts only if it runs as the user. */

#define USER_RUN_BASE "/run/user"
#define FOREIGN_LABS_MAX 1024 /* per user: a directory of a million locks is not read through */

/* Directory `name` under dirfd: a directory of uid's that only uid can write. */
static int foreign_dir_open(int dirfd, const char *name, uid_t uid, int *ret_fd)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != uid || (st.st_mode & 0022))
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Regular file `name` of uid's under dirfd, checked before and after it is opened. */
static int foreign_file_open(int dirfd, const char *name, uid_t uid, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	struct stat a, b;

	if (fstatat(dirfd, name, &a, AT_SYMLINK_NOFOLLOW) < 0)
		return negative_errno();
	if (!S_ISREG(a.st_mode) || a.st_uid != uid)
		return -EPERM;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &b) < 0 || b.st_ino != a.st_ino || b.st_dev != a.st_dev || !S_ISREG(b.st_mode))
		return -EPERM;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Lab `name` of uid: its liveness, and what its state says. -ENOENT when its lock is not a
 * regular file of uid's (then it is no lab: lab_list() does not list it either). */
static int foreign_lab_read(int runfd, uid_t uid, const char *name, struct lab_foreign *ret)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_close_ int lockfd = -EBADF, labfd = -EBADF, fd = -EBADF;
	char lk[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1];

	*ret = (struct lab_foreign){ .uid = uid };
	snprintf(ret->name, sizeof(ret->name), "%s", name);
	lock_name(lk, name);
	if (foreign_file_open(runfd, lk, uid, &lockfd) < 0)
		return -ENOENT;
	if (foreign_dir_open(runfd, name, uid, &labfd) >= 0 &&
	    foreign_file_open(labfd, "state", uid, &fd) >= 0 && state_read(fd, name, &st) >= 0) {
		ret->n_nodes = st->n_nodes;
		ret->created = st->created;
		ret->init_pid = st->init_pid;
	}
	ret->live = liveness_of(st, lockfd, uid);
	return 0;
}

static int foreign_add(struct lab_foreign **v, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 8;
		struct lab_foreign *nv = realloc(*v, nc * sizeof(**v));
		if (!nv)
			return -ENOMEM;
		*v = nv;
		*cap = nc;
	}
	(*n)++;
	return 0;
}

/* The labs in /run/user/UID/netlab (the entry `entry` of the base), appended to *v. */
static int foreign_user_labs(int basefd, const char *entry, struct lab_foreign **v, size_t *n,
			     size_t *cap)
{
	_cleanup_close_ int userfd = -EBADF, runfd = -EBADF;
	size_t first = *n;
	struct dirent *de;
	struct stat st;
	uint32_t uid;
	DIR *d;

	if (parse_uint32(entry, 1, UINT32_MAX - 1, &uid) < 0 || uid == geteuid() ||
	    foreign_dir_open(basefd, entry, uid, &userfd) < 0 ||
	    foreign_dir_open(userfd, "netlab", uid, &runfd) < 0)
		return 0;
	/* A run dir netlab made carries its mark, the user's. */
	if (fstatat(runfd, RUN_MARK, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != uid)
		return 0;
	d = fdopendir(runfd);
	if (!d)
		return negative_errno();
	runfd = -EBADF; /* d owns it */
	while ((de = readdir(d))) {
		char name[TOPO_NAME_MAX + 1];

		if (!lock_entry(de->d_name, name))
			continue;
		if (*n - first >= FOREIGN_LABS_MAX) {
			log_warning("uid %u has more than %d labs in " USER_RUN_BASE "/%u/netlab: "
				    "listing the first", (unsigned)uid, FOREIGN_LABS_MAX, (unsigned)uid);
			break;
		}
		if (foreign_add(v, n, cap) < 0) {
			closedir(d);
			return -ENOMEM;
		}
		if (foreign_lab_read(dirfd(d), uid, name, &(*v)[*n - 1]) < 0)
			(*n)--;
	}
	closedir(d);
	return 0;
}

static int cmp_foreign(const void *a, const void *b)
{
	const struct lab_foreign *x = a, *y = b;

	return x->uid != y->uid ? (x->uid < y->uid ? -1 : 1) : strcmp(x->name, y->name);
}

int lab_list_foreign(struct lab_foreign **ret, size_t *ret_n)
{
	_cleanup_close_ int basefd = -EBADF;
	struct lab_foreign *v = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int r = 0;

	*ret = NULL;
	*ret_n = 0;
	/* Only root reads every user's; /run/user itself must be root's alone. */
	basefd = open(USER_RUN_BASE, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (geteuid() != 0 || basefd < 0 || fstat(basefd, &st) < 0 || st.st_uid != 0 ||
	    (st.st_mode & 0022))
		return 0;
	d = fdopendir(basefd);
	if (!d)
		return negative_errno();
	basefd = -EBADF; /* d owns it */
	while (r >= 0 && (de = readdir(d)))
		r = foreign_user_labs(dirfd(d), de->d_name, &v, &n, &cap);
	closedir(d);
	if (r < 0) {
		free(v);
		return r;
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_foreign);
	*ret = v;
	*ret_n = n;
	return 0;
}

/* Whether the lock's record says the lab had committed (a `down` holding the lock is taking a
 * committed lab down; an `up` holding it has not committed yet). */
static bool lock_says_committed(const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	struct lab_state rec = { 0 };
	bool committed = false;

	return lock_open_ro(name, &fd) >= 0 && lock_record_read(fd, &rec, &committed) >= 0 &&
	       committed;
}

/* Why a lab whose state cannot be used is not one to enter, said the same way by every verb.
 * r: what loading its state gave (-ENOENT, -EBADMSG...) or -ESRCH (its init is not alive). */
static int lab_unusable(const char *name, int r)
{
	_cleanup_(lab_state_freep) struct lab_state *again = NULL;
	_cleanup_close_ int pidfd = -EBADF;
	bool committed = false;

	if (lab_lock_held(name)) {
		/* A `down` takes a committed lab down under its lock and removes the state first;
		 * an `up` holds it before its commit. */
		if (r != -ENOENT || lock_says_committed(name))
			return log_error_errno(-ESRCH, "lab '%s' is going down", name);
		return log_error_errno(-ENOENT, "lab '%s' is being brought up", name);
	}
	if (r == -ESRCH && state_load(name, true, &again) == -ENOENT)
		return log_error_errno(-ESRCH, "lab '%s' is going down", name); /* and now gone */
	if (r == -ENOENT)
		return log_error_errno(-ENOENT, "no lab '%s' is up", name);
	if (lab_find_init(name, NULL, -1, &pidfd, &committed) >= 0 && committed)
		return log_error_errno(-EBADMSG,
				       "the state of lab '%s' is damaged, but the lab runs (its lock "
				       "says so): take it down with 'netlab down %s'",
				       name, name);
	if (r == -ESRCH)
		return log_error_errno(-ESRCH, "lab '%s' is dead (stale state: run 'netlab clean')",
				       name);
	return log_error_errno(r, "Cannot read the state of lab '%s': %m (run 'netlab clean')",
			       name);
}

int lab_open(const char *name, struct lab_state **ret_st, int *ret_init_pidfd)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	int r;

	r = lab_state_load(name, &st);
	if (r >= 0)
		r = lab_state_check_alive(st, ret_init_pidfd);
	if (r < 0)
		return lab_unusable(name, r);
	*ret_st = TAKE_PTR(st);
	return 0;
}

int lab_went_down(const char *name, const struct lab_state *st)
{
	if (lab_state_check_alive(st, NULL) >= 0)
		return 0;
	return log_error_errno(-ESRCH, "lab '%s' is going down", name);
}

/* The run dir is still the one at its path, with its mark (not removed by the last `down`). */
static bool run_dir_current(int runfd)
{
	struct stat a, b;

	return fstat(runfd, &a) == 0 && fstatat(AT_FDCWD, lab_run_dir(), &b, AT_SYMLINK_NOFOLLOW) == 0 &&
	       a.st_ino == b.st_ino && a.st_dev == b.st_dev &&
	       fstatat(runfd, RUN_MARK, &b, AT_SYMLINK_NOFOLLOW) == 0;
}

/* One try of lab_lock(); -EAGAIN: something moved under us, try again. */
static int lock_once(const char *name, int *ret_fd)
{
	_cleanup_close_ int runfd = -EBADF, fd = -EBADF, labfd = -EBADF;
	char lk[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1];
	bool created = false;
	struct stat a, b;
	int r;

	r = run_dir_open(true, &runfd);
	if (r < 0)
		return r;
	/* Shared while we add our lock: the last `down` removes the run dir only under an
	 * exclusive one, and only when nothing but its mark is left. */
	if (flock(runfd, LOCK_SH) < 0)
		return negative_errno();
	if (!run_dir_current(runfd))
		return -EAGAIN;
	lock_name(lk, name);
	fd = openat(runfd, lk, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
		    0600);
	if (fd >= 0)
		created = true;
	else if (errno == EEXIST) {
		fd = openat(runfd, lk, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0) {
			if (errno == ENOENT)
				return -EAGAIN;
			/* A symlink is nobody's lock: replace it. */
			if (errno == ELOOP && unlinkat(runfd, lk, 0) == 0)
				return -EAGAIN;
			return negative_errno();
		}
	} else
		return negative_errno();
	if (fstat(fd, &a) < 0)
		return negative_errno();
	if (!S_ISREG(a.st_mode) || a.st_uid != geteuid())
		return log_error_errno(-EPERM, "Refusing '%s/%s': not a regular file of ours",
				       lab_run_dir(), lk);
	r = ofd_lock(fd);
	if (r < 0)
		return r;
	/* The holder before us may have removed the lock file: only the file still at that
	 * place counts. */
	if (fstatat(runfd, lk, &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
	    a.st_dev != b.st_dev)
		return -EAGAIN;
	if (mkdirat(runfd, name, 0700) < 0) {
		if (errno != EEXIST)
			return negative_errno();
		if (created) {
			/* A directory that was there before its lock: not ours to use or clear. */
			(void)unlinkat(runfd, lk, 0);
			return log_error_errno(-EEXIST,
					       "Refusing '%s/%s': a directory netlab did not make "
					       "(no %s beside it)",
					       lab_run_dir(), name, lk);
		}
	}
	r = lab_dir_open(runfd, name, &labfd);
	if (r == -ENOENT)
		return -EAGAIN;
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int lab_lock(const char *name, int *ret_fd)
{
	if (!topo_name_valid(name))
		return -EINVAL;
	for (int attempt = 0; attempt < 100; attempt++) {
		int r = lock_once(name, ret_fd);
		if (r != -EAGAIN)
			return r;
	}
	return -EBUSY;
}

/* Removes dirfd's entries: files, and directories `depth` levels down (the per-node log dirs).
 * Never follows a symlink: unlinkat() removes the link itself. Takes dirfd. */
static int remove_entries(int dirfd, int depth)
{
	DIR *d;
	struct dirent *de;
	int r = 0;

	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (de->d_type == DT_DIR && depth > 0) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub >= 0)
				(void)remove_entries(sub, depth - 1);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && r == 0)
				r = negative_errno();
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && r == 0)
			r = negative_errno();
	}
	closedir(d);
	return r;
}

/* The run dir goes with the last lab: under an exclusive flock (lab_lock() holds a shared one
 * while it adds a lab), when nothing but the mark is left. */
static void run_dir_remove_if_empty(int runfd)
{
	if (flock(runfd, LOCK_EX | LOCK_NB) < 0)
		return;
	if (run_dir_current(runfd) && dir_holds_only(runfd, RUN_MARK) &&
	    unlinkat(runfd, RUN_MARK, 0) == 0)
		(void)rmdir(lab_run_dir());
	(void)flock(runfd, LOCK_UN);
}

int lab_remove_dir(const char *name)
{
	_cleanup_close_ int runfd = -EBADF;
	char lk[TOPO_NAME_MAX + sizeof(LOCK_SUFFIX) + 1];
	int fd, r = 0;

	(void)lab_cgroup_remove(name); /* issue 14: the lab's cgroups go with it */
	r = run_dir_open(false, &runfd);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = lab_dir_open(runfd, name, &fd);
	if (r >= 0) {
		/* The state first: from then on no reader takes what is left for a lab. */
		if (unlinkat(fd, "state", 0) < 0 && errno != ENOENT && errno != EISDIR)
			r = negative_errno(); /* a directory there goes with the rest */
		int k = remove_entries(fd, 2);
		if (k < 0 && r >= 0)
			r = k;
		if (unlinkat(runfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r >= 0)
			r = negative_errno();
	} else if (r == -ENOENT)
		r = 0;
	if (r < 0)
		return r;
	/* The lock goes last, while the caller still holds it: nobody can lock the name until the
	 * directory is gone. */
	lock_name(lk, name);
	if (unlinkat(runfd, lk, 0) < 0 && errno != ENOENT)
		return negative_errno();
	run_dir_remove_if_empty(runfd);
	return 0;
}

int lab_clear_dir(const char *name)
{
	_cleanup_close_ int runfd = -EBADF;
	int fd, r;

	r = lab_cgroup_remove(name); /* a SIGKILLed lab of this name left its cgroups */
	if (r < 0)
		return r;
	r = run_dir_open(false, &runfd);
	if (r < 0)
		return r;
	r = lab_dir_open(runfd, name, &fd);
	if (r < 0)
		return r;
	return remove_entries(fd, 2);
}

int lab_select(const char *explicit_name, char **ret)
{
	const char *env = getenv("NETLAB_LAB");
	char **names = NULL, *found = NULL;
	size_t n_running = 0;
	int r;

	if (explicit_name || (env && env[0])) {
		const char *n = explicit_name ? explicit_name : env;
		if (!topo_name_valid(n)) {
			log_error("'%s' is not a valid lab name", ESCAPED(n));
			return -EINVAL;
		}
		*ret = strdup(n);
		return *ret ? 0 : -ENOMEM;
	}
	r = lab_list(&names);
	if (r < 0)
		return log_error_errno(r, "Cannot list labs in %s: %m", lab_run_dir());
	for (char **n = names; *n; n++) {
		if (lab_liveness(*n) != LAB_RUNNING)
			continue;
		n_running++;
		if (!found)
			found = *n;
	}
	if (n_running == 1) {
		*ret = strdup(found);
		lab_list_free(names);
		return *ret ? 0 : -ENOMEM;
	}
	lab_list_free(names);
	if (n_running == 0) {
		log_error("no lab is up (bring one up with 'netlab up FILE')");
		return -ENOENT;
	}
	log_error("%zu labs are up: choose one with -l LAB or NETLAB_LAB", n_running);
	return -ENOTUNIQ;
}

int lab_load_topology(const char *name, struct topo **ret)
{
	struct topo_error err = { 0 };
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *text = NULL;
	char path[LAB_PATH_MAX], dir[LAB_PATH_MAX];
	size_t len;
	int r;

	r = lab_path(path, name, LAB_TOPOLOGY_FILE);
	if (r >= 0)
		r = lab_path(dir, name, NULL);
	if (r < 0)
		return r;
	/* Through the checked lab directory, never a symlink or a fifo (graph would print what
	 * the link points at, or hang). */
	r = lab_file_open(name, LAB_TOPOLOGY_FILE, &fd);
	if (r == -ENOENT)
		return r;
	if (r >= 0)
		r = read_small(fd, STATE_MAX_SIZE, &text, &len);
	if (r == -EPERM || r == -EBADMSG)
		return log_error_errno(-EBADMSG, "Refusing '%s': not a regular file netlab wrote",
				       path);
	if (r < 0)
		return log_error_errno(r, "Cannot read '%s': %m", path);
	/* The stored copy is self-contained (`file ... from` inlined); a relative bind source in it
	 * is taken from the lab's directory, which is all a re-read needs (it mounts nothing). */
	r = topo_parse_string_in(path, dir, text, len, ret, &err);
	if (r < 0) {
		if (err.message[0])
			log_error("%s:%u:%u: %s", path, err.line, err.col, err.message);
		else
			log_error_errno(r, "Cannot read '%s': %m", path);
		return r == -ENOENT ? -EIO : r;
	}
	return 0;
}

/* ---- capacity: refuse what cannot fit, before anything is created ---------------------- */

static long read_long(const char *path, long dflt)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long v;

	if (!f || fscanf(f, "%ld", &v) != 1)
		return dflt;
	return v;
}

/* Kernel memory a node costs (docs/PERFORMANCE.md: ~480 KiB measured), rounded up. */
#define NODE_KERNEL_KIB 512

int lab_check_capacity(const struct topo *t, const char *lab)
{
	unsigned long long need = t->n_nodes + 1; /* the lab init too */
	char why[512] = "";
	size_t len = 0;
	struct rlimit rl;
	long pid_max, threads, netns_max, avail_kib = -1;

#define WHY(...)                                                                                   \
	do {                                                                                       \
		if (len < sizeof(why))                                                             \
			len += (size_t)snprintf(why + len, sizeof(why) - len, __VA_ARGS__);        \
	} while (0)

	/* Every node is a process: the pids must exist. /proc/loadavg's 4th field counts every
	 * task (thread) there is now. */
	pid_max = read_long("/proc/sys/kernel/pid_max", -1);
	{
		_cleanup_fclose_ FILE *f = fopen("/proc/loadavg", "re");
		long running;
		if (!f || fscanf(f, "%*s %*s %*s %ld/%ld", &running, &threads) != 2)
			threads = 0;
	}
	if (pid_max > 0 && need > (unsigned long long)(pid_max - threads))
		WHY("; kernel.pid_max is %ld and %ld tasks exist", pid_max, threads);
	netns_max = read_long("/proc/sys/user/max_net_namespaces", -1);
	if (netns_max >= 0 && need > (unsigned long long)netns_max)
		WHY("; user.max_net_namespaces is %ld", netns_max);
	{
		_cleanup_fclose_ FILE *f = fopen("/proc/meminfo", "re");
		char line[128];
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "MemAvailable: %ld kB", &avail_kib) == 1)
				break;
	}
	if (avail_kib >= 0 && need * NODE_KERNEL_KIB > (unsigned long long)avail_kib)
		WHY("; about %llu MiB of kernel memory needed, %ld MiB available",
		    need * NODE_KERNEL_KIB / 1024, avail_kib / 1024);
	/* `up` holds a pidfd and a netns fd per node until the commit. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
	    2 * need + 64 > rl.rlim_max)
		WHY("; 2 open files per node needed, the hard limit is %llu (ulimit -Hn)",
		    (unsigned long long)rl.rlim_max);
#undef WHY
	if (len == 0)
		return 0;
	log_error("lab '%s' has %zu nodes, more than this machine can hold: %s", lab, t->n_nodes,
		  why + 2);
	return -E2BIG;
}
