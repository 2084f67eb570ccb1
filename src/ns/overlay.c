/* SPDX-License-Identifier: MIT */
/*
 * Copy-on-write views of host directories, and mount points made without touching the host.
 *
 * A node shares the host's filesystem. Its private directories (`mount ... tmpfs|bind`) need a
 * mount point, and a daemon writing outside them writes to the host. Both are answered by one
 * mechanism: an overlay of a host directory D, mounted on D in the node's own mount namespace,
 * whose lower layer is the host's D and whose upper layer lives in a tmpfs of the node's own.
 * Writes land in that tmpfs and vanish with the node's mount namespace, i.e. with the lab.
 *
 * The tmpfs holding the upper layer is mounted on D itself, just before the overlay covers it:
 * it is never reachable by a path, needs no directory of its own anywhere, and as a mount of
 * this namespace it passes overlayfs' checks on every kernel (a detached mount would need 6.15).
 * The lower layer is named through /proc/self/fd, opened before anything covered D.
 *
 * Overlayfs is not recursive: mounts below the host's D are not seen through the view. So the
 * views are made first, before the node's other mounts (/etc/hosts, tmpfs, bind), which then
 * land on top of them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "ctl-msg.h"
#include "ns.h"

/* The same without the errno text, for what is a reason of its own. */
static int say(char *buf, size_t size, int r, const char *fmt, ...) _printf_(4, 5);
static int say(char *buf, size_t size, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

/* Is a equal to b (or, with strict, only below it), component-wise? */
static bool path_under(const char *a, const char *b, bool strict)
{
	size_t lb = strlen(b);

	while (lb > 1 && b[lb - 1] == '/')
		lb--;
	if (lb == 1 && b[0] == '/')
		return !strict || a[strspn(a, "/")] != '\0';
	if (strncmp(a, b, lb) != 0)
		return false;
	if (a[lb + strspn(a + lb, "/")] == '\0')
		return !strict;
	return a[lb] == '/';
}

static bool is_ours_above(const struct ns_mount *m, size_t n, size_t i)
{
	for (size_t j = 0; j < n; j++)
		if (j != i && m[j].kind != NS_MOUNT_BIND && path_under(m[i].dir, m[j].dir, true))
			return true;
	return false;
}

/* The deepest existing ancestor of a missing dir, into buf. */
static int existing_ancestor(const char *dir, char *buf, size_t size, char *msg, size_t msize)
{
	struct stat st;
	char *slash;

	if (strlen(dir) >= size)
		return ns_fail(msg, msize, -ENAMETOOLONG, "mount point '%s'", dir);
	strcpy(buf, dir);
	for (;;) {
		slash = strrchr(buf, '/');
		if (!slash || slash == buf)
			return say(msg, msize, -EINVAL,
				    "mount point '%s' does not exist, and the nearest directory above "
				    "it that does is '/', which netlab does not overlay (use a "
				    "directory below one that exists, e.g. under /var/tmp or /run)",
				    dir);
		*slash = '\0';
		if (lstat(buf, &st) < 0) {
			if (errno == ENOENT)
				continue;
			return ns_fail(msg, msize, negative_errno(), "looking at '%s'", buf);
		}
		if (!S_ISDIR(st.st_mode))
			return say(msg, msize, -ENOTDIR,
				    "cannot make mount point '%s': '%s' is not a directory", dir, buf);
		return 0;
	}
}

/* Adds dir to the set, keeping only the outermost of nested ones. Copies into the set's own
 * buffers, no malloc(): the node's set-up child runs this in the node process's memory. */
static int set_add(struct ns_overlay_set *s, const char *dir)
{
	size_t k = 0;

	if (strlen(dir) >= sizeof(s->dirs[0]))
		return -ENAMETOOLONG;
	for (size_t i = 0; i < s->n; i++)
		if (path_under(dir, s->dirs[i], false))
			return 0;
	for (size_t i = 0; i < s->n; i++) {
		if (path_under(s->dirs[i], dir, true))
			continue;
		if (k != i)
			strcpy(s->dirs[k], s->dirs[i]);
		k++;
	}
	s->n = k;
	if (s->n == ELEMENTSOF(s->dirs))
		return -E2BIG;
	strcpy(s->dirs[s->n++], dir);
	return 0;
}

int ns_overlay_plan(const struct ns_mount *m, size_t n, struct ns_overlay_set *ret,
		    size_t *ret_bad, char *msg, size_t size)
{
	char anc[4096];
	struct stat st;
	int r = 0;

	ret->n = 0;
	for (size_t i = 0; i < n && r >= 0; i++) {
		*ret_bad = i;
		if (m[i].kind == NS_MOUNT_PRIVATE) {
			if (lstat(m[i].dir, &st) < 0)
				r = ns_fail(msg, size, negative_errno(), "'%s'", m[i].dir);
			else if (!S_ISDIR(st.st_mode))
				r = say(msg, size, -ENOTDIR, "'%s' is not a directory", m[i].dir);
			else if ((r = set_add(ret, m[i].dir)) == -ENAMETOOLONG)
				ns_fail(msg, size, r, "'%s'", m[i].dir);
			continue;
		}
		/* Inside one of the node's own tmpfs or views: made there, at mount time. */
		if (is_ours_above(m, n, i) || lstat(m[i].dir, &st) == 0)
			continue;
		if (errno != ENOENT) {
			r = ns_fail(msg, size, negative_errno(), "looking at '%s'", m[i].dir);
			continue;
		}
		r = existing_ancestor(m[i].dir, anc, sizeof(anc), msg, size);
		if (r >= 0)
			r = set_add(ret, anc);
	}
	if (r == -E2BIG)
		say(msg, size, r, "too many private directories (at most %zu per node)",
		    ELEMENTSOF(ret->dirs));
	if (r < 0)
		ret->n = 0;
	return r < 0 ? r : 0;
}

int ns_overlay_private(const char *dir, struct ns_private_devs *devs, char *msg, size_t size)
{
	_cleanup_close_ int lower = -EBADF, scratch = -EBADF;
	char opts[128];
	struct stat st, self;

	lower = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (lower < 0 || fstat(lower, &st) < 0)
		return ns_fail(msg, size, negative_errno(), "opening '%s'", dir);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return ns_fail(msg, size, negative_errno(), "mounting the private layer on '%s'", dir);
	scratch = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (scratch < 0)
		return ns_fail(msg, size, negative_errno(), "opening the private layer of '%s'", dir);
	/* The merged directory takes the upper layer's owner and mode: the host's D's. */
	if (mkdirat(scratch, "upper", st.st_mode & 07777) < 0 || mkdirat(scratch, "work", 0700) < 0)
		return ns_fail(msg, size, negative_errno(), "making the private layer of '%s'", dir);
	snprintf(opts, sizeof(opts), "/proc/self/fd/%d/upper", scratch);
	if (chown(opts, st.st_uid, st.st_gid) < 0 || chmod(opts, st.st_mode & 07777) < 0)
		return ns_fail(msg, size, negative_errno(), "making the private layer of '%s'", dir);
	snprintf(opts, sizeof(opts),
		 "lowerdir=/proc/self/fd/%d,upperdir=/proc/self/fd/%d/upper,"
		 "workdir=/proc/self/fd/%d/work",
		 lower, scratch, scratch);
	if (mount("overlay", dir, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
		return ns_fail(msg, size, negative_errno(), "mounting a private view of '%s'", dir);
	if (stat(dir, &self) < 0)
		return ns_fail(msg, size, negative_errno(), "'%s'", dir);
	return ns_private_devs_add(devs, self.st_dev);
}

int ns_private_devs_add(struct ns_private_devs *devs, dev_t dev)
{
	if (devs->n == ELEMENTSOF(devs->dev))
		return -E2BIG;
	devs->dev[devs->n++] = dev;
	return 0;
}

static bool is_private(const struct ns_private_devs *devs, dev_t dev)
{
	for (size_t i = 0; i < devs->n; i++)
		if (devs->dev[i] == dev)
			return true;
	return false;
}

int ns_mkdir_private(const char *dir, const struct ns_private_devs *devs, char *msg, size_t size)
{
	char path[4096];
	struct stat st;

	if (strlen(dir) >= sizeof(path))
		return ns_fail(msg, size, -ENAMETOOLONG, "mount point '%s'", dir);
	if (stat(dir, &st) == 0)
		return 0;
	strcpy(path, dir);
	/* Each missing component is made only where its parent is one of the node's own
	 * filesystems (a view or a tmpfs made here): never on the host. */
	for (char *c = path + 1;; c++) {
		if (*c != '/' && *c != '\0')
			continue;
		char save = *c;
		*c = '\0';
		if (stat(path, &st) < 0) {
			char *slash = strrchr(path, '/');
			struct stat parent;
			int r;

			*slash = '\0';
			r = stat(slash == path ? "/" : path, &parent);
			*slash = '/';
			if (r < 0)
				return ns_fail(msg, size, negative_errno(), "looking at '%s'", path);
			if (!is_private(devs, parent.st_dev))
				return say(msg, size, -EPERM,
					    "mount point '%s' would be made on the host's "
					    "filesystem (give its parent a 'private' mount)",
					    path);
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				return ns_fail(msg, size, negative_errno(), "making '%s'", path);
		}
		*c = save;
		if (save == '\0')
			return 0;
	}
}
