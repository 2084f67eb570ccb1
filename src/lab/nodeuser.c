/* SPDX-License-Identifier: MIT */
/*
 * The user a command runs as in a node (issue 13): an image's User, as Docker applies it to
 * `docker exec` and the container's process, or the one `netlab exec -u` names. Names are
 * looked up in the node's own /etc/passwd and /etc/group — the image's, read through the node
 * process's root with openat2(RESOLVE_IN_ROOT), so that no symlink in the image reaches the
 * host's files — at each use, as a container engine does, so that a user the node added is
 * found. The ids are taken on by the child that runs the command (ns/enter.c).
 */
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

#define ETC_FILE_MAX (4u << 20) /* a passwd or group file bigger than this is not a real one */

/* The file at path in the tree of rootfd, or NULL in *ret when there is none. -errno. */
static int read_in_root(int rootfd, const char *path, char **ret)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	_cleanup_close_ int fd = (int)syscall(SYS_openat2, rootfd, path, &how, sizeof(how));
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	size_t n = 0;

	*ret = NULL;
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > ETC_FILE_MAX)
		return -EBADF;
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (n < (size_t)st.st_size) {
		ssize_t k = read(fd, buf + n, (size_t)st.st_size - n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return negative_errno();
		if (k == 0)
			break;
		n += (size_t)k;
	}
	buf[n] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* The node's root as its process sees it. Opened by pid, then checked through the pidfd: the
 * pid cannot have been reused before the check. */
static int open_node_root(int pidfd)
{
	char path[64];
	pid_t pid;
	int fd, r;

	r = pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	if (syscall(SYS_pidfd_send_signal, pidfd, 0, NULL, 0) < 0) {
		r = negative_errno();
		close(fd);
		return r;
	}
	return fd;
}

static bool env_has_home(const struct lab_image_defaults *d)
{
	for (const char *const *e = d->env; *e; e++)
		if (strncmp(*e, "HOME=", 5) == 0)
			return true;
	return false;
}

int lab_node_user_resolve(const struct lab_image_defaults *d, int pidfd, const char *node,
			  const char *spec, struct lab_node_user *ret)
{
	_cleanup_free_ char *passwd = NULL, *group = NULL;
	_cleanup_close_ int root = -EBADF;
	struct user_ids ids;
	char what[512], why[512];
	int r;

	ret->set = false;
	ret->home[0] = '\0';
	if (!spec)
		spec = d->user;
	ret->spec = spec;
	if (!spec)
		return 0;
	if (d->image)
		snprintf(what, sizeof(what), "node '%s': image '%s': user '%s'", node, d->image,
			 spec);
	else
		snprintf(what, sizeof(what), "node '%s': user '%s'", node, spec);
	root = open_node_root(pidfd);
	if (root < 0)
		return log_error_errno(root, "%s: cannot open the node's root: %m", what);
	r = read_in_root(root, "/etc/passwd", &passwd);
	if (r >= 0)
		r = read_in_root(root, "/etc/group", &group);
	if (r < 0)
		return log_error_errno(r, "%s: cannot read the node's /etc/passwd or /etc/group: %m",
				       what);
	r = user_resolve(spec, passwd, group, &ids, why, sizeof(why));
	if (r < 0)
		return log_error_errno(r, "%s: %s", what, why);
	for (size_t i = 0; i < ids.n_groups; i++)
		ret->groups[i] = ids.groups[i];
	ret->creds = (struct ns_creds){ .uid = ids.uid, .gid = ids.gid, .n_groups = ids.n_groups,
					.groups = ret->groups };
	if (!env_has_home(d))
		snprintf(ret->home, sizeof(ret->home), "HOME=%s", ids.home);
	ret->set = true;
	return 0;
}

int lab_node_env_user(struct lab_node_env *e, int pidfd, const char *node, const char *spec)
{
	size_t k = 0;
	int r;

	e->creds = NULL;
	r = lab_node_user_resolve(&e->img, pidfd, node, spec, &e->user);
	if (r < 0 || !e->user.set)
		return r;
	e->creds = &e->user.creds;
	if (e->user.home[0]) {
		while (e->env[k])
			k++;
		e->env[k++] = e->user.home;
		e->env[k] = NULL;
	}
	return 0;
}

int lab_node_cwd_error(const struct lab_node_env *e, const char *node, int err)
{
	char who[512] = "";

	if (e->img.image)
		snprintf(who, sizeof(who), ": image '%s'", e->img.image);
	if (e->creds)
		snprintf(who + strlen(who), sizeof(who) - strlen(who), ": user '%s' (uid %u)",
			 e->user.spec, (unsigned)e->creds->uid);
	return log_error_errno(-err, "node '%s'%s: cannot enter the working directory '%s': %m",
			       node, who, e->cwd);
}
