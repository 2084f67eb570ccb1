/* SPDX-License-Identifier: MIT */
/*
 * The part of netlab's cgroup handling that is the same on both layouts: finding them
 * (/proc/self/mountinfo), making, removing and joining directories (reading and writing the
 * small files is cgroup-file.c). What differs (the names and formats of the limit and usage files) is in
 * cgroup-v1.c and cgroup-v2.c.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"
#include "ns.h"

static const char *const v1_names[_CG_V1_MAX] = {"cpu", "cpuacct", "memory", "pids"};

size_t cg_hiers(const struct cg_root *root, const char *ret[_CG_V1_MAX])
{
	size_t n = 0;

	if (root->layout == CG_LAYOUT_V2) {
		ret[n++] = root->base;
		return n;
	}
	if (root->layout != CG_LAYOUT_V1)
		return 0;
	for (int h = 0; h < _CG_V1_MAX; h++) {
		bool dup = false;

		if (!root->v1[h][0])
			continue;
		for (size_t k = 0; k < n; k++) /* cpu,cpuacct co-mounted: one directory */
			dup = dup || streq(ret[k], root->v1[h]);
		if (!dup)
			ret[n++] = root->v1[h];
	}
	return n;
}

bool cg_exists(const struct cg_root *root, const char *rel)
{
	const char *h[_CG_V1_MAX];
	char path[512];
	struct stat st;

	return cg_hiers(root, h) > 0 && cg_path(path, sizeof(path), h[0], rel, NULL) == 0 &&
	       stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cg_create(const struct cg_root *root, const char *rel, bool leaf)
{
	const char *h[_CG_V1_MAX];
	size_t n = cg_hiers(root, h);
	char path[512];
	int r;

	if (n == 0)
		return -EOPNOTSUPP;
	for (size_t i = 0; i < n; i++) {
		r = cg_path(path, sizeof(path), h[i], rel, NULL);
		if (r < 0)
			return r;
		if (mkdir(path, 0755) < 0 && errno != EEXIST)
			return negative_errno();
	}
	return root->ops->created ? root->ops->created(root, rel, leaf) : 0;
}

int cg_attach(const struct cg_root *root, const char *rel, pid_t pid)
{
	const char *h[_CG_V1_MAX];
	size_t n = cg_hiers(root, h);
	char value[24];

	snprintf(value, sizeof(value), "%d", (int)pid);
	for (size_t i = 0; i < n; i++) {
		int r = cg_write(h[i], rel, "cgroup.procs", value);
		if (r < 0)
			return r;
	}
	return 0;
}

/* rmdir dir/rel after its subdirectories; EBUSY (a killed lab's last tasks still leaving) is
 * retried for up to a second. */
static int remove_dir_tree(const char *dir, const char *rel, int depth)
{
	char path[512];
	DIR *d;
	struct dirent *de;
	int r = cg_path(path, sizeof(path), dir, rel, NULL);

	if (r < 0)
		return r;
	d = opendir(path);
	if (!d)
		return errno == ENOENT ? 0 : negative_errno();
	while (depth > 0 && (de = readdir(d))) {
		char sub[512];

		if (de->d_type != DT_DIR || streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", rel, de->d_name) >= (int)sizeof(sub))
			continue;
		int k = remove_dir_tree(dir, sub, depth - 1);
		if (k < 0 && r == 0)
			r = k;
	}
	closedir(d);
	for (int tries = 0;; tries++) {
		if (rmdir(path) == 0 || errno == ENOENT)
			return r;
		if (errno != EBUSY || tries >= 100)
			return r < 0 ? r : negative_errno();
		nanosleep(&(struct timespec){.tv_nsec = 10 * 1000 * 1000}, NULL);
	}
}

int cg_remove_tree(const struct cg_root *root, const char *rel)
{
	const char *h[_CG_V1_MAX];
	size_t n = cg_hiers(root, h);
	int r = 0;

	for (size_t i = 0; i < n; i++) {
		/* A lab's tree is two levels deep (netlab-LAB/NODE); no deeper walk. */
		int k = remove_dir_tree(h[i], rel, 2);
		if (k < 0 && r == 0)
			r = k;
	}
	return r;
}

/* ---- finding the hierarchies ------------------------------------------------------------- */

struct mnt {
	char dir[256];
	bool v2;
	char opts[256]; /* super options: "rw,cpu,cpuacct" */
};

/* cgroup and cgroup2 mounts of the whole hierarchy (root "/"), from /proc/self/mountinfo. */
static size_t read_mounts(struct mnt *m, size_t max)
{
	char line[1024];
	size_t n = 0;
	FILE *f = fopen("/proc/self/mountinfo", "re");

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char root[256], dir[256], fstype[32], opts[256];
		const char *sep = strstr(line, " - ");

		if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, dir) != 2 ||
		    sscanf(sep + 3, "%31s %*s %255s", fstype, opts) != 2)
			continue;
		if (!streq(root, "/") || (!streq(fstype, "cgroup") && !streq(fstype, "cgroup2")))
			continue;
		snprintf(m[n].dir, sizeof(m[n].dir), "%s", dir);
		snprintf(m[n].opts, sizeof(m[n].opts), "%s", opts);
		m[n].v2 = streq(fstype, "cgroup2");
		n++;
	}
	fclose(f);
	return n;
}

static bool has_word(const char *list, const char *word, const char *seps)
{
	size_t wl = strlen(word);

	for (const char *p = list; p && *p;) {
		size_t l = strcspn(p, seps);
		if (l == wl && strncmp(p, word, wl) == 0)
			return true;
		p += l;
		p += strspn(p, seps);
	}
	return false;
}

/* The controllers a v2 directory hands to its children. */
static unsigned v2_usable(const char *dir)
{
	char buf[512];
	unsigned u = 0;

	if (cg_read(dir, NULL, "cgroup.subtree_control", buf, sizeof(buf)) < 0)
		return 0;
	for (int c = 0; c < _CG_CTRL_MAX; c++)
		if (has_word(buf, cg_ctrl_name(c), " \n"))
			u |= 1u << c;
	return u;
}

static void describe(struct cg_root *r, const char *what)
{
	size_t l = strlen(r->detail);
	int n = snprintf(r->detail + l, sizeof(r->detail) - l, "%s%s", l ? "; " : "", what);
	(void)n;
}

/* A user's cgroup v2 subtree that systemd delegated to it (user@UID.service), if writable. */
static int delegated_base(const char *mount, char *ret, size_t size)
{
	char buf[1024], want[64], *p, *end;

	if (cg_read("/proc/self", NULL, "cgroup", buf, sizeof(buf)) < 0)
		return -ENOENT;
	p = strstr(buf, "0::");
	if (!p)
		return -ENOENT;
	p += 3;
	end = strchr(p, '\n');
	if (end)
		*end = '\0';
	snprintf(want, sizeof(want), "/user@%u.service", (unsigned)getuid());
	end = strstr(p, want);
	if (!end)
		return -ENOENT;
	end[strlen(want)] = '\0';
	if (snprintf(ret, size, "%s%s", mount, p) >= (int)size)
		return -ENAMETOOLONG;
	return access(ret, W_OK) == 0 ? 0 : -EACCES;
}

int cg_root_v2_at(const char *dir, struct cg_root *ret)
{
	*ret = (struct cg_root){.layout = CG_LAYOUT_V2, .ops = &cg_backend_v2};
	if (snprintf(ret->base, sizeof(ret->base), "%s", dir) >= (int)sizeof(ret->base))
		return -ENAMETOOLONG;
	ret->usable = v2_usable(dir);
	snprintf(ret->detail, sizeof(ret->detail), "cgroup v2 at %s", dir);
	return 0;
}

int cg_detect(struct cg_root *ret)
{
	struct mnt m[32];
	size_t n = read_mounts(m, ELEMENTSOF(m));
	struct cg_root v1 = {.layout = CG_LAYOUT_V1, .ops = &cg_backend_v1}, v2 = {0};
	bool root = geteuid() == 0;
	unsigned v1_usable = 0;
	char what[200];

	*ret = (struct cg_root){.layout = CG_LAYOUT_NONE};
	for (size_t i = 0; i < n; i++) {
		if (m[i].v2) {
			char base[256];

			if (v2.layout != CG_LAYOUT_NONE)
				continue;
			if (!root && delegated_base(m[i].dir, base, sizeof(base)) < 0)
				continue;
			(void)cg_root_v2_at(root ? m[i].dir : base, &v2);
			continue;
		}
		for (int h = 0; h < _CG_V1_MAX; h++)
			if (!v1.v1[h][0] && has_word(m[i].opts, v1_names[h], ","))
				snprintf(v1.v1[h], sizeof(v1.v1[h]), "%.255s", m[i].dir);
	}
	/* v1 has no safe delegation: only root uses it. cpu needs cpuacct too (the usage). */
	if (root) {
		if (v1.v1[CG_V1_CPU][0] && v1.v1[CG_V1_CPUACCT][0])
			v1_usable |= 1u << CG_CPU;
		if (v1.v1[CG_V1_MEMORY][0])
			v1_usable |= 1u << CG_MEMORY;
		if (v1.v1[CG_V1_PIDS][0])
			v1_usable |= 1u << CG_PIDS;
	}
	v1.usable = v1_usable;
	if (v1_usable && __builtin_popcount(v1_usable) > __builtin_popcount(v2.usable)) {
		*ret = v1;
		ret->detail[0] = '\0';
		for (int h = 0; h < _CG_V1_MAX; h++)
			if (v1.v1[h][0]) {
				snprintf(what, sizeof(what), "v1 %s at %.150s", v1_names[h],
					 v1.v1[h]);
				describe(ret, what);
			}
		if (v2.layout == CG_LAYOUT_V2) {
			snprintf(what, sizeof(what), "cgroup2 at %.120s has %s", v2.base,
				 v2.usable ? "fewer of them" : "none of them");
			describe(ret, what);
		}
		return 0;
	}
	if (v2.layout == CG_LAYOUT_V2) {
		*ret = v2;
		if (!v2.usable) {
			snprintf(what, sizeof(what),
				 "no cpu, memory or pids in %.120s/cgroup.subtree_control",
				 v2.base);
			describe(ret, what);
		}
		return 0;
	}
	snprintf(ret->detail, sizeof(ret->detail), "%s",
		 root ? "no cgroup hierarchy with cpu, memory or pids is mounted"
		      : "not root, and no delegated cgroup v2 subtree (user@UID.service) is "
			"writable");
	return 0;
}

/* ---- joining a node's cgroups ------------------------------------------------------------ */

/* The mount of the hierarchy named by a /proc/PID/cgroup line's controller field. */
static const char *mount_of(const struct mnt *m, size_t n, const char *ctrls)
{
	char first[64];

	if (!*ctrls) {
		for (size_t i = 0; i < n; i++)
			if (m[i].v2)
				return m[i].dir;
		return NULL;
	}
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(ctrls, ","), ctrls);
	for (size_t i = 0; i < n; i++)
		if (!m[i].v2 && has_word(m[i].opts, first, ","))
			return m[i].dir;
	return NULL;
}

/* "ID:CTRLS:PATH" of hierarchy id in buf, or NULL. */
static char *line_of(char *buf, const char *id, char **ret_ctrls)
{
	size_t il = strlen(id);

	for (char *p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, id, il) == 0 && p[il] == ':') {
			char *c = p + il + 1, *path = strchr(c, ':');
			if (!path)
				return NULL;
			*ret_ctrls = c;
			return path + 1;
		}
	return NULL;
}

static size_t field_len(const char *s, char end)
{
	const char *e = strchr(s, end);
	return e ? (size_t)(e - s) : strlen(s);
}

int cg_join_of(pid_t pid, struct cg_saved *saved)
{
	char target[2048], self[2048], path[64];
	struct mnt m[32];
	size_t n_m = 0;
	bool mounts_read = false;

	saved->n = 0;
	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	if (cg_read(path, NULL, "cgroup", target, sizeof(target)) < 0 ||
	    cg_read("/proc/self", NULL, "cgroup", self, sizeof(self)) < 0)
		return 0; /* no cgroups at all */
	if (streq(target, self))
		return 0;
	for (char *p = target; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char id[16], ctrls[128], *mine_ctrls, *mine, *tpath = strchr(p, ':');
		const char *mnt;
		size_t tl;

		if (!tpath)
			break;
		snprintf(id, sizeof(id), "%.*s", (int)(tpath - p), p);
		snprintf(ctrls, sizeof(ctrls), "%.*s", (int)field_len(tpath + 1, ':'), tpath + 1);
		tpath = strchr(tpath + 1, ':');
		if (!tpath)
			break;
		tpath++;
		tl = field_len(tpath, '\n');
		mine = line_of(self, id, &mine_ctrls);
		if (!mine || (field_len(mine, '\n') == tl && strncmp(mine, tpath, tl) == 0))
			continue;
		/* Only a lab's cgroup: a node of a lab without limits lives in whatever cgroup
		 * `up` ran in, which is none of our business. */
		if (!memmem(tpath, tl, "/" CG_PREFIX, strlen("/" CG_PREFIX)))
			continue;
		if (!mounts_read) {
			n_m = read_mounts(m, ELEMENTSOF(m));
			mounts_read = true;
		}
		mnt = mount_of(m, n_m, ctrls);
		if (!mnt || saved->n >= ELEMENTSOF(saved->path))
			continue;
		char dir[512];
		if (snprintf(dir, sizeof(dir), "%s%.*s", mnt, (int)tl, tpath) >= (int)sizeof(dir) ||
		    snprintf(saved->path[saved->n], sizeof(saved->path[0]), "%s%.*s/cgroup.procs",
			     mnt, (int)field_len(mine, '\n'), mine) >= (int)sizeof(saved->path[0]))
			continue;
		int r = cg_write(dir, NULL, "cgroup.procs", "0");
		if (r < 0) {
			(void)cg_leave(saved);
			return r;
		}
		saved->n++;
	}
	return 0;
}

int cg_leave(struct cg_saved *saved)
{
	int r = 0;

	for (unsigned i = 0; i < saved->n; i++) {
		int k = cg_write(saved->path[i], NULL, NULL, "0");
		if (k < 0 && r == 0)
			r = k;
	}
	saved->n = 0;
	return r;
}

/* ---- entering a node --------------------------------------------------------------------- */

int ns_node_extras_join(int pidfd, struct ns_node_extras *x)
{
	pid_t pid;
	int r;

	x->cg.n = 0;
	x->time_fd = -1;
	r = pidfd_get_pid(pidfd, &pid);
	if (r < 0)
		return r;
	r = cg_join_of(pid, &x->cg);
	if (r < 0)
		return r;
	r = timens_join_of(pid, &x->time_fd);
	if (r < 0)
		(void)cg_leave(&x->cg);
	return r;
}

int ns_node_extras_leave(struct ns_node_extras *x)
{
	int r = timens_leave(&x->time_fd), k = cg_leave(&x->cg);

	return r < 0 ? r : k;
}

/* ---- the lab init's last act ------------------------------------------------------------- */

void cg_lab_init_exit(void)
{
	struct {
		char ctrls[128];
		char lab[320]; /* netlab-LAB's path in the hierarchy */
	} h[_CG_V1_MAX + 1];
	size_t n = 0;
	char buf[2048];

	if (cg_read("/proc/self", NULL, "cgroup", buf, sizeof(buf)) < 0)
		return;
	for (char *p = buf; p && *p && n < ELEMENTSOF(h);
	     p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		char *c = strchr(p, ':'), *path = c ? strchr(c + 1, ':') : NULL;
		size_t len, leaf = strlen("/" CG_LAB_LEAF);

		if (!path)
			break;
		path++;
		len = field_len(path, '\n');
		if (len <= leaf || strncmp(path + len - leaf, "/" CG_LAB_LEAF, leaf) != 0 ||
		    !memmem(path, len, "/" CG_PREFIX, strlen("/" CG_PREFIX)))
			continue;
		snprintf(h[n].ctrls, sizeof(h[n].ctrls), "%.*s", (int)(path - 1 - (c + 1)), c + 1);
		snprintf(h[n].lab, sizeof(h[n].lab), "%.*s", (int)(len - leaf), path);
		n++;
	}
	if (n == 0)
		return;
	/* A cgroup with a process in it cannot be removed, and as PID 1 of the lab we are the
	 * one whose exit would kill the others: end them first, and reap them all. */
	kill(-1, SIGKILL);
	while (waitpid(-1, NULL, 0) > 0 || errno == EINTR)
		;
	/* Our /sys is the lab's own, without the host's cgroup mounts: mount the hierarchies
	 * again in our mount namespace (a slave of the host's: nothing propagates out). */
	if (mount("tmpfs", "/sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "mode=0700") < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		char dir[64], parent[320];
		const char *slash = strrchr(h[i].lab, '/');

		snprintf(dir, sizeof(dir), "/sys/fs/cgroup/%zu", i);
		if (mkdir(dir, 0700) < 0 ||
		    mount("cgroup", dir, h[i].ctrls[0] ? "cgroup" : "cgroup2", 0,
			  h[i].ctrls[0] ? h[i].ctrls : NULL) < 0)
			continue;
		/* Out of the lab's cgroup (into its parent) before removing it. */
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - h[i].lab), h[i].lab);
		if (cg_write(dir, parent[0] ? parent + 1 : NULL, "cgroup.procs", "0") == 0)
			(void)remove_dir_tree(dir, h[i].lab + 1, 2);
	}
}
