/* SPDX-License-Identifier: MIT */
/*
 * Rootless labs: the user namespace that owns everything a lab makes when netlab runs without
 * root (or with --rootless), its id maps, and the ways into it.
 *
 * Ordering rules (user_namespaces(7)), as crun and bubblewrap follow them:
 * - The maps are written from outside, by the parent (or by the setuid newuidmap/newgidmap it
 *   runs), while the child waits: a process with an unmapped uid cannot create files, and a
 *   map can be written only once.
 * - An unprivileged writer must deny setgroups before it may write a single-id gid_map;
 *   newgidmap, checked against /etc/subgid, leaves setgroups allowed.
 * - The PID, mount and network namespaces are created together with the user namespace
 *   (one clone3), so that they are owned by it: /proc can be mounted only for a PID namespace
 *   owned by the mounter's user namespace, sysfs only for such a network namespace.
 * - A process of ours outside the lab has every capability in the lab's user namespace (the
 *   owner rule), but setns() into its network or mount namespaces also needs CAP_SYS_ADMIN in
 *   the caller's own user namespace. So a verb joins the lab's user namespace first (one way:
 *   it can never come back) and makes itself a network namespace of its own there to come back
 *   to; or it does the entering in a child.
 */
#include <fcntl.h>
#include <sched.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macro.h"
#include "ns.h"

/* Set once this process lives in a lab's user namespace: its own namespaces outside are then
 * out of reach, and ns_run enters nodes from a child instead. */
static bool userns_joined;

bool ns_userns_joined(void)
{
	return userns_joined;
}

int ns_subid_range(const char *path, const char *user, uint32_t id, uint32_t *ret_start,
		   uint32_t *ret_count)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[512], idstr[16];

	if (!f)
		return negative_errno();
	snprintf(idstr, sizeof(idstr), "%u", id);
	while (fgets(line, sizeof(line), f)) {
		char *name = line, *start, *count, *end;
		unsigned long s, c;

		start = strchr(name, ':');
		if (!start)
			continue;
		*start++ = '\0';
		count = strchr(start, ':');
		if (!count)
			continue;
		*count++ = '\0';
		if (!(user && streq(name, user)) && !streq(name, idstr))
			continue;
		errno = 0;
		s = strtoul(start, &end, 10);
		if (errno || end == start)
			continue;
		c = strtoul(count, &end, 10);
		if (errno || end == count || c == 0 || s > UINT32_MAX || c > UINT32_MAX - s)
			continue;
		*ret_start = (uint32_t)s;
		*ret_count = (uint32_t)c;
		return 0;
	}
	return -ENOENT;
}

int ns_find_helper(const char *name, char *buf, size_t size)
{
	const char *path = getenv("PATH");
	struct stat st;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");
		snprintf(buf, size, "%.*s/%s", (int)n, path, name);
		if (n > 0 && stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0) {
			/* Without setuid root (or file capabilities, which access() cannot tell) it
			 * can only map our own id, which we can do ourselves. */
			return st.st_uid == 0 && (st.st_mode & S_ISUID) ? 1 : 0;
		}
		path += n + (path[n] == ':');
	}
	return -ENOENT;
}

static int run_helper(char *const argv[])
{
	extern char **environ;
	int status;
	pid_t pid;
	int e = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);

	if (e)
		return -e;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EPERM;
}

/* newuidmap PID 0 ID 1 1 START COUNT: root inside is us, ids 1.. are the subordinate range. */
static int map_with_helper(const char *helper, pid_t pid, uint32_t id, uint32_t start,
			   uint32_t count)
{
	char path[512], spid[16], sid[16], sstart[16], scount[16];
	char *argv[] = { path, spid, (char *)"0", sid, (char *)"1", (char *)"1", sstart, scount, NULL };

	if (ns_find_helper(helper, path, sizeof(path)) < 0)
		return -ENOENT;
	snprintf(spid, sizeof(spid), "%d", (int)pid);
	snprintf(sid, sizeof(sid), "%u", id);
	snprintf(sstart, sizeof(sstart), "%u", start);
	snprintf(scount, sizeof(scount), "%u", count);
	return run_helper(argv);
}

static int write_proc(pid_t pid, const char *file, const char *value)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	return ns_write_file(path, value);
}

int ns_userns_map(pid_t pid, struct ns_idmap *map)
{
	char line[64];
	int r;

	/* newuidmap checks the range against /etc/subuid itself; we only choose to ask. */
	if (map->n_sub_uid > 0 &&
	    map_with_helper("newuidmap", pid, map->uid, map->sub_uid, map->n_sub_uid) < 0)
		map->n_sub_uid = 0;
	if (map->n_sub_uid == 0) {
		snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)map->uid);
		r = write_proc(pid, "uid_map", line);
		if (r < 0)
			return r;
	}
	if (map->n_sub_gid > 0 &&
	    map_with_helper("newgidmap", pid, map->gid, map->sub_gid, map->n_sub_gid) < 0)
		map->n_sub_gid = 0;
	if (map->n_sub_gid == 0) {
		r = write_proc(pid, "setgroups", "deny");
		if (r < 0 && r != -ENOENT)
			return r;
		snprintf(line, sizeof(line), "0 %u 1\n", (unsigned)map->gid);
		r = write_proc(pid, "gid_map", line);
		if (r < 0)
			return r;
	}
	return 0;
}

/* 1 when the process behind pidfd lives in another user namespace than we do, 0 when in ours. */
int ns_pidfd_other_userns(int pidfd)
{
	struct stat self, other;
	char path[64];
	pid_t pid;
	int r;

	r = pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	if (stat(path, &other) < 0)
		return errno == ENOENT ? -ESRCH : negative_errno();
	if (stat("/proc/self/ns/user", &self) < 0)
		return negative_errno();
	return self.st_ino != other.st_ino || self.st_dev != other.st_dev;
}

int ns_userns_join(int pidfd)
{
	int r = ns_pidfd_other_userns(pidfd);

	if (r <= 0)
		return r;
	if (setns(pidfd, CLONE_NEWUSER) < 0)
		return negative_errno();
	userns_joined = true;
	/* Our network namespace outside is now out of reach: every "enter, then come back" needs
	 * a home owned by this user namespace. */
	if (unshare(CLONE_NEWNET) < 0)
		return negative_errno();
	return 1;
}
