/* SPDX-License-Identifier: MIT */
/*
 * The state directory: /run/netlab/LAB/ holding lock, state, hosts and NODE/NAME.log.
 *
 * `state` is written once, atomically, when `up` commits; its absence means the lab never
 * committed. Every pid in it comes with its start time, and is only ever used through a pidfd
 * opened and then checked against that start time, so a recycled pid is never mistaken for a
 * lab process (DESIGN.md §1.5).
 */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"
#include "parse-util.h"

#define STATE_MAGIC "netlab-state 1"

const char *lab_run_dir(void)
{
	/* Chosen once, before a rootless verb joins a lab's user namespace (where it is uid 0). */
	static char user_dir[4096];
	const char *d = getenv("NETLAB_RUN_DIR");

	if (d && d[0] == '/')
		return d;
	if (!user_dir[0]) {
		const char *x = getenv("XDG_RUNTIME_DIR");
		uid_t uid = geteuid();
		if (uid == 0)
			snprintf(user_dir, sizeof(user_dir), "/run/netlab");
		else if (x && x[0] == '/' && strlen(x) < sizeof(user_dir) - 8)
			snprintf(user_dir, sizeof(user_dir), "%s/netlab", x);
		else
			snprintf(user_dir, sizeof(user_dir), "/run/user/%u/netlab", (unsigned)uid);
	}
	return user_dir;
}

static int lab_path(char *buf, size_t size, const char *name, const char *file)
{
	int n = snprintf(buf, size, "%s/%s%s%s", lab_run_dir(), name, file ? "/" : "",
			 file ? file : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/*
 * Every file of a lab is reached through two directories that only we can write: the run dir
 * and the lab's dir, each checked here to be a real directory (not a symlink) owned by our
 * effective uid. The run dir must not be writable by group or others (we never chmod it: it may
 * be a directory the user chose); a lab dir, always ours, is tightened to 0700 when it is not.
 * So no other user can plant a symlink or a file anywhere netlab reads or writes, and the files
 * inside are opened relative to these fds with O_NOFOLLOW as well.
 */
static int check_dir_fd(int fd, const char *what, const char *path, bool tighten)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISDIR(st.st_mode))
		return log_error_errno(-ENOTDIR, "Refusing %s '%s': not a directory", what, path);
	if (st.st_uid != geteuid())
		return log_error_errno(-EPERM,
				       "Refusing %s '%s': owned by uid %u, not by us (uid %u): "
				       "another user could plant files there",
				       what, path, (unsigned)st.st_uid, (unsigned)geteuid());
	if (!tighten) {
		if (st.st_mode & 0022)
			return log_error_errno(-EPERM,
					       "Refusing %s '%s': mode %04o lets other users write "
					       "there (make it 0700)",
					       what, path, (unsigned)(st.st_mode & 07777));
		return 0;
	}
	if ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)
		return log_error_errno(negative_errno(), "Cannot make %s '%s' mode 0700: %m", what,
				       path);
	return 0;
}

/* Opens the run dir (creating it, mode 0700, when create is set). -ENOENT when it does not
 * exist and create is not set; other errors are logged. */
static int run_dir_open(bool create, int *ret_fd)
{
	const char *dir = lab_run_dir();
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (create && mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Cannot create %s: %m", dir);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		if (errno == ELOOP || errno == ENOTDIR)
			return log_error_errno(-ENOTDIR, "Refusing run directory '%s': a symlink or "
					       "not a directory", dir);
		return log_error_errno(negative_errno(), "Cannot open %s: %m", dir);
	}
	r = check_dir_fd(fd, "run directory", dir, false);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* Opens the directory of lab `name` relative to the run dir fd, checked like it. -ENOENT
 * quietly when there is none; a symlink or a foreign directory is refused (logged). */
static int lab_dir_open(int runfd, const char *name, int *ret_fd)
{
	_cleanup_close_ int fd = -EBADF;
	char path[4096];
	int r;

	if (!topo_name_valid(name))
		return -ENOENT;
	(void)lab_path(path, sizeof(path), name, NULL);
	fd = openat(runfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		if (errno == ELOOP || errno == ENOTDIR)
			return log_error_errno(-ENOTDIR, "Refusing lab directory '%s': a symlink or "
					       "not a directory", path);
		return negative_errno();
	}
	r = check_dir_fd(fd, "lab directory", path, true);
	if (r < 0)
		return r;
	*ret_fd = TAKE_FD(fd);
	return 0;
}

/* The state file is small: a node line is under 100 bytes. A bigger one is not ours. */
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
		free(st->file);
		st->file = strdup(p); /* the rest of the line: a path may hold spaces */
		return st->file != NULL;
	} else if (streq(key, "created")) {
		return parse_uint64(next_field(&p), &st->created) == 0;
	} else if (streq(key, "init")) {
		return field_pid(&p, &st->init_pid) &&
		       parse_uint64(next_field(&p), &st->init_starttime) == 0;
	} else if (streq(key, "node")) {
		struct lab_node_state ns = { 0 };

		a = next_field(&p);
		if (!a || !topo_name_valid(a) || !field_pid(&p, &ns.pid) ||
		    parse_uint64(next_field(&p), &ns.starttime) < 0 ||
		    parse_uint32(next_field(&p), 0, UINT32_MAX, &ns.flags) < 0)
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

int lab_state_load(const char *name, struct lab_state **ret)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	_cleanup_free_ char *buf = NULL;
	_cleanup_close_ int runfd = -EBADF, labfd = -EBADF, fd = -EBADF;
	struct stat sb;
	size_t ncap = 0, len = 0;
	char *line, *nl;
	int r;

	if (!topo_name_valid(name))
		return -ENOENT;
	r = run_dir_open(false, &runfd);
	if (r < 0)
		return r;
	r = lab_dir_open(runfd, name, &labfd);
	if (r < 0)
		return r;
	fd = openat(labfd, "state", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return errno == ELOOP ? -EBADMSG : negative_errno();
	/* A symlink (refused above), a fifo, a directory or a huge file is not a state file. */
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (uint64_t)sb.st_size > STATE_MAX_SIZE)
		return -EBADMSG;
	/* One read and a hand-made parser: `netlab exec` in a 1000-node lab reads 1000 lines
	 * each time (sscanf made that 0.5 ms of a 1.5 ms exec). */
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (len < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)sb.st_size - len);
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
		return -EBADMSG; /* a NUL byte: not ours */
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

int lab_state_write(const struct lab_state *st)
{
	char path[4096], tmp[4096];
	_cleanup_fclose_ FILE *f = NULL;
	int fd, r;

	r = lab_path(path, sizeof(path), st->name, "state");
	if (r < 0)
		return r;
	r = lab_path(tmp, sizeof(tmp), st->name, "state.new");
	if (r < 0)
		return r;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return negative_errno();
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		return -ENOMEM;
	}
	fprintf(f, "%s\nlab %s\nfile %s\ncreated %llu\ninit %d %llu\n", STATE_MAGIC, st->name,
		st->file ? st->file : "", (unsigned long long)st->created, (int)st->init_pid,
		(unsigned long long)st->init_starttime);
	for (size_t i = 0; i < st->n_nodes; i++)
		fprintf(f, "node %s %d %llu %u\n", st->nodes[i].name, (int)st->nodes[i].pid,
			(unsigned long long)st->nodes[i].starttime, st->nodes[i].flags);
	if (fflush(f) != 0 || ferror(f))
		return -EIO;
	if (rename(tmp, path) < 0)
		return negative_errno();
	return 0;
}

int lab_state_check_alive(const struct lab_state *st, int *ret_pidfd)
{
	int fd, r;

	r = pidfd_open_verified(st->init_pid, st->init_starttime, &fd);
	if (r < 0)
		return r == -ESRCH || r == -ENOENT ? -ESRCH : r;
	if (ret_pidfd)
		*ret_pidfd = fd;
	else
		close(fd);
	return 0;
}

int lab_state_node_pidfd(const struct lab_state *st, size_t i, int *ret_pidfd)
{
	int fd, r = pidfd_open_verified(st->nodes[i].pid, st->nodes[i].starttime, &fd);

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
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || !topo_name_valid(de->d_name))
			continue;
		if (n + 2 > cap) {
			size_t nc = cap ? cap * 2 : 8;
			char **nn = realloc(names, nc * sizeof(char *));
			if (!nn)
				goto oom;
			names = nn;
			cap = nc;
		}
		names[n] = strdup(de->d_name);
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

bool lab_lock_held(const char *name)
{
	_cleanup_close_ int runfd = -EBADF, labfd = -EBADF, fd = -EBADF;

	if (run_dir_open(false, &runfd) < 0 || lab_dir_open(runfd, name, &labfd) < 0)
		return false;
	fd = openat(labfd, "lock", O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0)
		return false;
	return flock(fd, LOCK_SH | LOCK_NB) < 0 && errno == EWOULDBLOCK;
}

enum lab_liveness lab_liveness(const char *name)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;

	if (lab_state_load(name, &st) >= 0)
		return lab_state_check_alive(st, NULL) >= 0 ? LAB_RUNNING : LAB_STALE;
	return lab_lock_held(name) ? LAB_STARTING : LAB_STALE;
}

int lab_lock(const char *name, int *ret_fd)
{
	_cleanup_close_ int runfd = -EBADF;
	int r;

	if (!topo_name_valid(name))
		return -EINVAL;
	r = run_dir_open(true, &runfd);
	if (r < 0)
		return r;

	for (int attempt = 0; attempt < 100; attempt++) {
		_cleanup_close_ int labfd = -EBADF, fd = -EBADF;
		struct stat a, b, d;

		if (mkdirat(runfd, name, 0700) < 0 && errno != EEXIST) {
			if (errno != ENOENT)
				return negative_errno();
			/* The run dir was removed under us: the last lab's `down` (lab_remove_dir)
			 * found it empty. Make it again. */
			runfd = safe_close(runfd);
			r = run_dir_open(true, &runfd);
			if (r < 0)
				return r;
			continue;
		}
		r = lab_dir_open(runfd, name, &labfd);
		if (r == -ENOENT)
			continue; /* removed under us by a `down` */
		if (r < 0)
			return r;
		fd = openat(labfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
			    0600);
		if (fd < 0) {
			if (errno == ENOENT)
				continue; /* the directory was removed under us by a `down` */
			/* A symlink is nobody's lock (flock never goes through one): replace it. */
			if (errno == ELOOP && unlinkat(labfd, "lock", 0) == 0)
				continue;
			return negative_errno();
		}
		if (fstat(fd, &a) < 0)
			return negative_errno();
		if (!S_ISREG(a.st_mode))
			return log_error_errno(-EPERM, "Refusing '%s/%s/lock': not a regular file",
					       lab_run_dir(), name);
		if (flock(fd, LOCK_EX | LOCK_NB) < 0)
			return errno == EWOULDBLOCK ? -EBUSY : negative_errno();
		/* A `down` may have removed the lock file or the whole directory between our open
		 * and flock: then we hold a lock nobody else can see. Only the file still at that
		 * place counts. */
		if (fstatat(labfd, "lock", &b, AT_SYMLINK_NOFOLLOW) < 0 || a.st_ino != b.st_ino ||
		    a.st_dev != b.st_dev)
			continue;
		if (fstatat(runfd, name, &d, AT_SYMLINK_NOFOLLOW) < 0 || fstat(labfd, &b) < 0 ||
		    d.st_ino != b.st_ino || d.st_dev != b.st_dev)
			continue;
		*ret_fd = TAKE_FD(fd);
		return 0;
	}
	return -EBUSY;
}

/* Removes dirfd's entries but `keep` (may be NULL): files, and directories `depth` levels down
 * (the per-node log dirs). Never follows a symlink: unlinkat() removes the link itself. Takes
 * dirfd. */
static int remove_entries(int dirfd, int depth, const char *keep)
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
		if (streq(de->d_name, ".") || streq(de->d_name, "..") ||
		    (keep && streq(de->d_name, keep)))
			continue;
		if (de->d_type == DT_DIR && depth > 0) {
			int sub = openat(dirfd, de->d_name,
					 O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
			if (sub >= 0)
				(void)remove_entries(sub, depth - 1, NULL);
			if (unlinkat(dirfd, de->d_name, AT_REMOVEDIR) < 0 && r == 0)
				r = negative_errno();
		} else if (unlinkat(dirfd, de->d_name, 0) < 0 && r == 0)
			r = negative_errno();
	}
	closedir(d);
	return r;
}

int lab_remove_dir(const char *name)
{
	_cleanup_close_ int runfd = -EBADF;
	int fd, r;

	r = run_dir_open(false, &runfd);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = lab_dir_open(runfd, name, &fd);
	if (r < 0)
		return r == -ENOENT ? 0 : r;
	r = remove_entries(fd, 2, NULL);
	if (unlinkat(runfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = negative_errno();
	/* Nothing left behind: the run dir goes with the last lab (it fails, as it should, while
	 * any other lab has a directory in it; lab_lock makes it again when it is gone). */
	(void)rmdir(lab_run_dir());
	return r;
}

int lab_clear_dir(const char *name)
{
	_cleanup_close_ int runfd = -EBADF;
	int fd, r;

	r = run_dir_open(false, &runfd);
	if (r < 0)
		return r;
	r = lab_dir_open(runfd, name, &fd);
	if (r < 0)
		return r;
	return remove_entries(fd, 2, "lock");
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
			log_error("'%s' is not a valid lab name", n);
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
	return -EINVAL;
}

int lab_load_topology(const char *name, struct topo **ret)
{
	struct topo_error err = { 0 };
	char path[4096];
	int r;

	r = lab_path(path, sizeof(path), name, LAB_TOPOLOGY_FILE);
	if (r < 0)
		return r;
	r = topo_parse_file(path, ret, &err);
	if (r == -ENOENT)
		return r;
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

/* Kernel memory a node costs (PERFORMANCE-NOTES.md: ~480 KiB measured), rounded up. */
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
