/* SPDX-License-Identifier: MIT */
/*
 * A root file system of the node's own (issue 13), built by the node process in its own mount
 * namespace, before it reports READY:
 *
 *   tmpfs on spec->rootfs_tmp            (private to this mount namespace: the host sees an
 *     upper/ work/ root/                  empty directory, which goes with the lab's state)
 *   overlay on root/: lowerdir = the image's layers, a directory or the host's /,
 *                     upperdir = upper/  (every write of the node lands here, in memory)
 *   root/proc, /sys, /dev, /etc/hosts, /etc/hostname, /etc/resolv.conf, the file's mounts
 *   pivot_root into root/, the old root detached
 *
 * Everything is mounted with the new mount API (fsopen/fsmount, open_tree, move_mount onto an
 * O_PATH fd) and every path inside the new root is resolved with openat2(RESOLVE_IN_ROOT): an
 * image's absolute symlink (/var/run -> /run) stays inside the image, and a mount point or file
 * directory the image lacks is made in the upper layer, never on the host. Once pivot_root is
 * done, setns() into this mount namespace (netlab exec, start, file statements) lands in this
 * root: the kernel moves a joiner to the namespace's top mount, which is now the overlay.
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctl-msg.h"
#include "macro.h"
#include "ns-internal.h"

static int open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	return fd < 0 ? negative_errno() : fd;
}

/* Replaces NAME in dir by an empty regular file unless it is one already. */
static int make_file_at(int dir, const char *name)
{
	struct stat st;
	int fd;

	if (fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode))
		(void)unlinkat(dir, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0);
	fd = openat(dir, name, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	close(fd);
	return 0;
}

/*
 * An O_PATH fd of PATH inside the root, made if missing: every missing directory on the way,
 * and the last component as a directory (is_file false) or an empty regular file. A file that
 * exists as a symlink or other non-regular thing is replaced (in the upper layer) by an empty
 * file: /etc/resolv.conf is often a link to a place the image does not have. Each step is
 * resolved from the root again, so a symlink on the way (an image's /var/run -> /run) leads
 * to the same place inside the root, never to the host.
 */
static int make_in_root(int rootfd, const char *path, bool is_file, int *ret_fd)
{
	char sofar[4096] = "/", name[256];
	size_t len = 0;
	int fd;

	for (const char *p = path;;) {
		_cleanup_close_ int parent = -EBADF;
		size_t n;
		bool last;
		int r;

		p += strspn(p, "/");
		n = strcspn(p, "/");
		if (n == 0)
			break;
		last = p[n + strspn(p + n, "/")] == '\0';
		if (n >= sizeof(name) || len + 1 + n >= sizeof(sofar))
			return -ENAMETOOLONG;
		memcpy(name, p, n);
		name[n] = '\0';
		parent = open_in_root(rootfd, sofar, O_PATH | O_DIRECTORY);
		if (parent < 0)
			return parent;
		if (last && is_file)
			r = make_file_at(parent, name);
		else
			r = mkdirat(parent, name, 0755) < 0 && errno != EEXIST ? negative_errno() : 0;
		if (r < 0)
			return r;
		if (len > 0)
			sofar[len++] = '/';
		memcpy(sofar + len, name, n + 1);
		len += n;
		p += n;
	}
	fd = open_in_root(rootfd, sofar, O_PATH | (is_file ? 0 : O_DIRECTORY));
	if (fd < 0)
		return fd;
	*ret_fd = fd;
	return 0;
}

/*
 * ",userxattr" in a rootless lab's user namespace, else "". There, overlayfs cannot use its
 * trusted.overlay.* xattrs (they need CAP_SYS_ADMIN of the host): with userxattr it reads an
 * opaque directory from user.overlay.opaque, which the image store writes for this (image.c),
 * and keeps its own in the upper layer's tmpfs as user.* too. Whiteouts (0/0 character
 * devices) are the same in both.
 */
static const char *userxattr(void)
{
	_cleanup_close_ int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	unsigned inside, outside, count;
	char buf[128];
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);

	/* Not stdio: the node's set-up allocates nothing (node.c, node_setup_apart). The initial
	 * namespace maps everything: "0 0 4294967295". */
	if (n > 0) {
		buf[n] = '\0';
		if (sscanf(buf, "%u %u %u", &inside, &outside, &count) == 3 && inside == 0 &&
		    outside == 0 && count == 4294967295u)
			return "";
	}
	return ",userxattr";
}

/* A new, detached mount of a pseudo or memory file system. */
static int fs_new(const char *type, const char *opts, unsigned attrs)
{
	_cleanup_close_ int fs = fsopen(type, FSOPEN_CLOEXEC);
	char buf[256], *save = NULL;

	if (fs < 0)
		return negative_errno();
	snprintf(buf, sizeof(buf), "%s", opts ? opts : "");
	for (char *kv = strtok_r(buf, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(kv, '=');
		int r;

		if (eq) {
			*eq = '\0';
			r = fsconfig(fs, FSCONFIG_SET_STRING, kv, eq + 1, 0);
		} else {
			r = fsconfig(fs, FSCONFIG_SET_FLAG, kv, NULL, 0);
		}
		if (r < 0)
			return negative_errno();
	}
	if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return negative_errno();
	int m = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
	return m < 0 ? negative_errno() : m;
}

/* Attaches the detached mount mfd (closed here) on PATH inside the root, made if missing. */
static int attach(int rootfd, int mfd, const char *path, bool is_file)
{
	_cleanup_close_ int m = mfd, target = -EBADF;
	int r;

	if (m < 0)
		return m;
	r = make_in_root(rootfd, path, is_file, &target);
	if (r < 0)
		return r;
	if (move_mount(m, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return negative_errno();
	return 0;
}

/* A copy of a host path (resolved in our current, host-side root), read-only if asked. */
static int bind_clone(const char *src, bool recursive, bool rdonly)
{
	int m = open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
						 (recursive ? AT_RECURSIVE : 0));
	if (m < 0)
		return negative_errno();
	if (rdonly) {
		struct mount_attr a = { .attr_set = MOUNT_ATTR_RDONLY };
		if (mount_setattr(m, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &a,
				  sizeof(a)) < 0) {
			int r = negative_errno();
			close(m);
			return r;
		}
	}
	return m;
}

/* A minimal /dev, as bubblewrap makes it: the harmless character devices bound from the
 * host's (which also works in a user namespace, where mknod does not), a private devpts. */
static int make_dev(int rootfd, char *msg, size_t size)
{
	static const char *const devs[] = { "null", "zero", "full", "random", "urandom", "tty" };
	static const char *const links[][2] = {
		{ "ptmx", "pts/ptmx" },	      { "fd", "/proc/self/fd" },
		{ "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
		{ "stderr", "/proc/self/fd/2" },
	};
	_cleanup_close_ int dev = -EBADF;
	char path[64];
	int r;

	r = attach(rootfd, fs_new("tmpfs", "mode=0755,size=64k", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC),
		   "/dev", false);
	if (r < 0)
		return ns_fail(msg, size, r, "mounting a tmpfs on /dev");
	for (size_t i = 0; i < ELEMENTSOF(devs); i++) {
		snprintf(path, sizeof(path), "/dev/%s", devs[i]);
		r = attach(rootfd, bind_clone(path, false, false), path, true);
		if (r < 0)
			return ns_fail(msg, size, r, "binding the host's %s", path);
	}
	r = attach(rootfd, fs_new("devpts", "newinstance,ptmxmode=0666,mode=0620",
				  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC), "/dev/pts", false);
	if (r < 0)
		return ns_fail(msg, size, r, "mounting a private devpts on /dev/pts");
	r = attach(rootfd, fs_new("tmpfs", "mode=1777", MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV),
		   "/dev/shm", false);
	if (r < 0)
		return ns_fail(msg, size, r, "mounting a tmpfs on /dev/shm");
	dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
	if (dev < 0)
		return ns_fail(msg, size, dev, "opening the node's /dev");
	for (size_t i = 0; i < ELEMENTSOF(links); i++)
		if (symlinkat(links[i][1], dev, links[i][0]) < 0 && errno != EEXIST)
			return ns_fail(msg, size, negative_errno(), "making /dev/%s", links[i][0]);
	return 0;
}

/* Writes text into DIR/NAME inside the root (made, in the upper layer, if missing). */
static int write_in_root(int rootfd, const char *dir, const char *name, const char *text)
{
	_cleanup_close_ int d = -EBADF, fd = -EBADF;
	size_t len = strlen(text);
	int r = make_in_root(rootfd, dir, false, &d);

	if (r < 0)
		return r;
	r = make_file_at(d, name);
	if (r < 0)
		return r;
	fd = openat(d, name, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	return write(fd, text, len) == (ssize_t)len ? 0 : -EIO;
}

static int etc_files(const struct ns_node_spec *spec, int rootfd, char *msg, size_t size)
{
	char hostname[80];
	int r;

	snprintf(hostname, sizeof(hostname), "%s\n", spec->name);
	r = write_in_root(rootfd, "/etc", "hostname", hostname);
	if (r < 0)
		return ns_fail(msg, size, r, "writing /etc/hostname");
	if (spec->hosts_path) {
		r = attach(rootfd, bind_clone(spec->hosts_path, false, true), "/etc/hosts", true);
		if (r < 0)
			return ns_fail(msg, size, r, "binding '%s' on /etc/hosts", spec->hosts_path);
	}
	/* The host's resolver, if it has one: the node reaches the same name servers as any
	 * process of the host would (or none, in a lab without a host link). */
	if (access("/etc/resolv.conf", R_OK) == 0) {
		r = attach(rootfd, bind_clone("/etc/resolv.conf", false, true), "/etc/resolv.conf",
			   true);
		if (r < 0)
			return ns_fail(msg, size, r, "binding the host's /etc/resolv.conf");
	}
	return 0;
}

static int user_mounts(const struct ns_node_spec *spec, int rootfd, char *msg, size_t size)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct ns_mount *m = &spec->mounts[i];
		int r;

		if (m->kind == NS_MOUNT_TMPFS)
			r = attach(rootfd, fs_new("tmpfs", "mode=0755",
						  MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV), m->dir,
				   false);
		else
			r = attach(rootfd, bind_clone(m->src, true, false), m->dir, false);
		if (r < 0) {
			if (m->kind == NS_MOUNT_TMPFS)
				return ns_fail(msg, size, r, "mounting tmpfs on '%s'", m->dir);
			return ns_fail(msg, size, r, "bind-mounting '%s' on '%s'", m->src, m->dir);
		}
	}
	return 0;
}

static bool under(const char *path, const char *dir)
{
	size_t n = strlen(dir);
	return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Reads a file line by line without stdio, which would malloc in the node's memory (node.c,
 * node_setup_apart). A line longer than the buffer is skipped whole. */
struct line_reader {
	int fd;
	bool skipping;
	size_t start, end;
	char buf[8192];
};

/* The next line, without its '\n'; NULL at the end of the file or on an error. */
static char *next_line(struct line_reader *lr)
{
	for (;;) {
		char *line = lr->buf + lr->start, *nl = memchr(line, '\n', lr->end - lr->start);
		ssize_t n;

		if (nl) {
			*nl = '\0';
			lr->start = (size_t)(nl - lr->buf) + 1;
			if (!lr->skipping)
				return line;
			lr->skipping = false;
			continue;
		}
		if (lr->start == 0 && lr->end == sizeof(lr->buf)) {
			lr->skipping = true;
			lr->end = 0;
		}
		memmove(lr->buf, line, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
		n = read(lr->fd, lr->buf + lr->end, sizeof(lr->buf) - lr->end);
		if (n <= 0)
			return NULL;
		lr->end += (size_t)n;
	}
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; w++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] && r[3]) {
			*w = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w = *r++;
		}
	}
	*w = '\0';
}

/*
 * rootfs=host-cow: the overlay of / shows the root file system only. The host's other mounts:
 * /proc and /sys are the node's own (made by the caller), /dev is the host's (recursively, as a
 * plain node sees it), /run and /tmp are copy-on-write views of the host's like / (a daemon's
 * pid file or socket stays in the node), and every other file system mounted directly on the
 * root (/boot, /home, ...) is bound read-only: seen, never written.
 */
static int host_cow_mounts(const struct ns_node_spec *spec, const char *root, int rootfd,
			   char *msg, size_t size)
{
	static const char *const cow[] = { "/run", "/tmp" };
	static const char *const own[] = { "/proc", "/sys", "/dev", "/run", "/tmp" };
	_cleanup_close_ int fd = -EBADF;
	struct line_reader lr = { 0 };
	char *line;
	int r, root_id = -1;

	r = attach(rootfd, bind_clone("/dev", true, false), "/dev", false);
	if (r < 0)
		return ns_fail(msg, size, r, "binding the host's /dev");
	for (size_t i = 0; i < ELEMENTSOF(cow); i++) {
		char up[4200], work[4200], target[4200], opts[9000];

		snprintf(up, sizeof(up), "%s%s.upper", spec->rootfs_tmp, cow[i]);
		snprintf(work, sizeof(work), "%s%s.work", spec->rootfs_tmp, cow[i]);
		snprintf(target, sizeof(target), "%s%s", root, cow[i]);
		snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s,workdir=%s%s", cow[i], up,
			 work, userxattr());
		if (mkdir(up, 0755) < 0 || mkdir(work, 0755) < 0 ||
		    mount("overlay", target, "overlay", 0, opts) < 0)
			return ns_fail(msg, size, negative_errno(), "making a copy-on-write %s", cow[i]);
	}

	fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ns_fail(msg, size, negative_errno(), "reading /proc/self/mountinfo");
	lr.fd = fd;
	while ((line = next_line(&lr))) {
		int id, parent;
		char mp[4096];
		bool skip = false;

		if (sscanf(line, "%d %d %*s %*s %4095s", &id, &parent, mp) != 3)
			continue;
		unescape(mp);
		if (streq(mp, "/")) {
			root_id = id;
			continue;
		}
		if (parent != root_id || under(mp, spec->rootfs_tmp))
			continue;
		for (size_t i = 0; i < ELEMENTSOF(own); i++)
			skip = skip || under(mp, own[i]);
		if (skip)
			continue;
		r = attach(rootfd, bind_clone(mp, true, true), mp, false);
		if (r < 0)
			return ns_fail(msg, size, r, "binding the host's '%s' read-only", mp);
	}
	return 0;
}

/* The tmpfs that holds the upper layer, and the overlay on its root/. */
static int make_overlay(const struct ns_node_spec *spec, char *root, size_t root_size,
			char *msg, size_t size)
{
	const char *t = spec->rootfs_tmp;
	char opts[8192];
	int n;

	if (mount("netlab-node", t, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return ns_fail(msg, size, negative_errno(), "mounting a tmpfs on '%s'", t);
	/* pivot_root refuses a new root under a shared mount. */
	if (mount(NULL, t, NULL, MS_PRIVATE, NULL) < 0)
		return ns_fail(msg, size, negative_errno(), "making '%s' private", t);
	snprintf(root, root_size, "%s/root", t);
	static const char *const dirs[] = { "upper", "work", "root" };
	for (size_t i = 0; i < ELEMENTSOF(dirs); i++) {
		char d[4200];
		snprintf(d, sizeof(d), "%s/%s", t, dirs[i]);
		if (mkdir(d, 0755) < 0)
			return ns_fail(msg, size, negative_errno(), "making '%s'", d);
	}
	n = snprintf(opts, sizeof(opts), "lowerdir=%s,upperdir=%s/upper,workdir=%s/work%s",
		     spec->rootfs_lower, t, t, userxattr());
	if (n < 0 || (size_t)n >= sizeof(opts))
		return ns_fail(msg, size, -ENAMETOOLONG, "overlay options for '%s'", spec->rootfs_lower);
	if (mount("overlay", root, "overlay", 0, opts) < 0)
		return ns_fail(msg, size, negative_errno(), "mounting the overlay of '%s'",
			   spec->rootfs_lower);
	return 0;
}

/*
 * An image's WorkingDir that the image lacks is made, as Docker makes it when it creates the
 * container: 0755 whatever the umask, root's (the node's root, in a rootless lab too), and only
 * in the node's upper layer: never on the host or in the store. After the node's own mounts, as
 * runc makes it, so that a mount on the way is where it lands. One that is there stays as it is
 * (its mode is the image's); one that cannot be a directory (a file on the way) fails the node,
 * as it fails `docker create`.
 */
static int make_workdir(const struct ns_node_spec *spec, int rootfd, char *msg, size_t size)
{
	_cleanup_close_ int fd = -EBADF;
	int r;

	if (!spec->workdir)
		return 0;
	r = make_in_root(rootfd, spec->workdir, false, &fd);
	if (r < 0)
		return ns_fail(msg, size, r, "making the image's WorkingDir '%s'", spec->workdir);
	return 0;
}

static int rootfs_setup(const struct ns_node_spec *spec, char *msg, size_t size)
{
	_cleanup_close_ int rootfd = -EBADF;
	char root[4200];
	int r;

	r = make_overlay(spec, root, sizeof(root), msg, size);
	if (r < 0)
		return r;
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return ns_fail(msg, size, negative_errno(), "opening '%s'", root);

	/* A fresh proc of the PID namespace the node lives in (its own with `pid`, the lab's
	 * otherwise) and a sysfs of its network namespace. */
	r = attach(rootfd, fs_new("proc", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						     MOUNT_ATTR_NOEXEC), "/proc", false);
	if (r < 0)
		return ns_fail(msg, size, r, "mounting proc on /proc");
	r = attach(rootfd, fs_new("sysfs", NULL, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
						      MOUNT_ATTR_NOEXEC), "/sys", false);
	if (r < 0)
		return ns_fail(msg, size, r, "mounting sysfs on /sys");
	if (spec->flags & NS_NODE_HOST_COW)
		r = host_cow_mounts(spec, root, rootfd, msg, size);
	else
		r = make_dev(rootfd, msg, size);
	if (r < 0)
		return r;
	r = etc_files(spec, rootfd, msg, size);
	if (r < 0)
		return r;
	r = user_mounts(spec, rootfd, msg, size);
	if (r < 0)
		return r;
	r = make_workdir(spec, rootfd, msg, size);
	if (r < 0)
		return r;

	/* pivot_root(".", "."): the old root ends up on top of the new one and is detached at
	 * once; nothing of the host's tree stays reachable from the node. */
	if (fchdir(rootfd) < 0)
		return ns_fail(msg, size, negative_errno(), "entering '%s'", root);
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return ns_fail(msg, size, negative_errno(), "pivot_root into '%s'", root);
	if (umount2(".", MNT_DETACH) < 0)
		return ns_fail(msg, size, negative_errno(), "detaching the old root");
	if (chdir("/") < 0)
		return ns_fail(msg, size, negative_errno(), "chdir /");
	return 0;
}

int ns_rootfs_setup(const struct ns_node_spec *spec, char *msg, size_t size)
{
	/* What is made here has the modes it asks for, whatever the umask of whoever ran `up`:
	 * under 077, the upper layer's directory, which gives the node's / its mode, would shut
	 * every user but root out of the whole tree. */
	mode_t old = umask(022);
	int r = rootfs_setup(spec, msg, size);

	umask(old);
	return r;
}
