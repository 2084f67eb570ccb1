/* SPDX-License-Identifier: MIT */
/*
 * Rootless labs at the lab level: when a lab goes into a user namespace, which ids it maps, what
 * a topology asks for that a user cannot have, and joining a running lab's user namespace. The
 * mechanism (maps, setns order) is in ns/userns.c.
 */
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

bool lab_rootless_wanted(bool asked)
{
	const char *e = getenv("NETLAB_ROOTLESS");
	return asked || geteuid() != 0 || (e && streq(e, "1"));
}

int lab_rootless_idmap(struct ns_idmap *ret, bool *ret_helpers)
{
	struct ns_idmap m = { .uid = geteuid(), .gid = getegid() };
	const struct passwd *pw = getpwuid(m.uid);
	const char *name = pw ? pw->pw_name : NULL;
	char path[512];

	/* Both helpers, each with its range, or one id each: a lab where root can switch to
	 * user 100 but not to group 100 helps no daemon. */
	*ret_helpers = ns_find_helper("newuidmap", path, sizeof(path)) >= 0 &&
		       ns_find_helper("newgidmap", path, sizeof(path)) >= 0;
	if (*ret_helpers &&
	    ns_subid_range("/etc/subuid", name, m.uid, &m.sub_uid, &m.n_sub_uid) == 0 &&
	    ns_subid_range("/etc/subgid", name, m.uid, &m.sub_gid, &m.n_sub_gid) < 0)
		m.n_sub_uid = 0;
	*ret = m;
	return 0;
}

void lab_rootless_explain(const struct topo *t, const struct ns_idmap *m, bool helpers)
{
	bool daemons = false;

	for (size_t i = 0; i < t->n_cmds; i++)
		daemons = daemons || t->cmds[i].daemon;
	if (m->n_sub_uid > 0 && m->n_sub_gid > 0)
		return;
	/* Said at every up that runs commands: a daemon that switches to its own user otherwise
	 * dies with an EINVAL from setuid() or chown() deep in its log. */
	if (!daemons && t->n_cmds == 0)
		return;
	log_warning("rootless lab: only your uid %u is mapped (root in the lab); a daemon that "
		    "switches to another user or chowns to one (FRR's 'frr', BIRD's 'bird') will "
		    "fail with EINVAL. %s",
		    (unsigned)m->uid,
		    helpers ? "Add a range for you to /etc/subuid and /etc/subgid: sudo usermod "
			      "--add-subuids 100000-165535 --add-subgids 100000-165535 $USER"
			    : "Install newuidmap/newgidmap (sudo apt-get install uidmap) and give "
			      "yourself a range in /etc/subuid and /etc/subgid");
}

int lab_rootless_check(const struct topo *t)
{
	for (size_t i = 0; i < t->n_mounts; i++) {
		const struct topo_mount *m = &t->mounts[i];

		if (m->kind != TOPO_MOUNT_BIND || access(m->src, R_OK) == 0)
			continue;
		int r = negative_errno();
		fprintf(stderr,
			"%s:%u:%u: a rootless lab cannot bind-mount '%s': you cannot read it (%s)\n",
			t->file, m->pos.line, m->pos.col, m->src, strerror(-r));
		return -EPERM;
	}
	return 0;
}

int lab_userns_join(int init_pidfd)
{
	/* The run directory is chosen by who we are: settle it while we are still ourselves. */
	(void)lab_run_dir();
	int r = ns_userns_join(init_pidfd);
	if (r < 0)
		return log_error_errno(r, "Cannot join the lab's user namespace: %m");
	return r;
}

/* A sysctl's integer value; -1 when the kernel has no such key. */
static long read_sysctl(const char *path)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	long v;

	if (!f || fscanf(f, "%ld", &v) != 1)
		return -1;
	return v;
}

/* In the probe's child: as an ordinary user (root drops to nobody: the question is what a user
 * may do), a new user namespace. */
static int probe_unpriv_userns(void *data, void *out, size_t size)
{
	(void)data, (void)out, (void)size;
	if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
			       setresuid(65534, 65534, 65534) < 0))
		return negative_errno();
	return unshare(CLONE_NEWUSER) < 0 ? negative_errno() : 0;
}

static void doctor_userns(struct lab_feature *f)
{
	long max = read_sysctl("/proc/sys/user/max_user_namespaces");
	long clone = read_sysctl("/proc/sys/kernel/unprivileged_userns_clone");
	long apparmor = read_sysctl("/proc/sys/kernel/apparmor_restrict_unprivileged_userns");
	int r = ns_probe_run(0, probe_unpriv_userns, NULL, NULL, 0);

	f->name = "userns";
	f->ok = r >= 0;
	if (max == 0)
		snprintf(f->detail, sizeof(f->detail), "user.max_user_namespaces is 0; fix: sudo "
			 "sysctl -w user.max_user_namespaces=15000");
	else if (clone == 0)
		snprintf(f->detail, sizeof(f->detail), "kernel.unprivileged_userns_clone is 0; fix: "
			 "sudo sysctl -w kernel.unprivileged_userns_clone=1");
	else if (apparmor == 1 && !f->ok)
		snprintf(f->detail, sizeof(f->detail), "AppArmor restricts them; fix: sudo sysctl -w "
			 "kernel.apparmor_restrict_unprivileged_userns=0 (or an AppArmor profile)");
	else if (!f->ok)
		snprintf(f->detail, sizeof(f->detail), "an ordinary user cannot create one: %s",
			 strerror(-r));
	else
		snprintf(f->detail, sizeof(f->detail), "ordinary users may create them (max %ld)",
			 max);
	if (!f->ok)
		snprintf(f->detail + strlen(f->detail), sizeof(f->detail) - strlen(f->detail),
			 "; without them: no labs without root");
}

static void doctor_rundir(struct lab_feature *f)
{
	const char *dir = lab_run_dir();
	char parent[LAB_PATH_MAX];

	f->name = "rundir";
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
	f->ok = geteuid() == 0 || getenv("NETLAB_RUN_DIR") || access(parent, W_OK | X_OK) == 0;
	snprintf(f->detail, sizeof(f->detail),
		 f->ok ? "%.200s" : "%.200s: not a directory of yours; fix: a login session's "
				    "XDG_RUNTIME_DIR, or export NETLAB_RUN_DIR=DIR (0700, yours)",
		 f->ok ? dir : parent);
}

void lab_doctor_rootless(struct lab_feature f[])
{
	struct lab_feature *idmap = &f[LAB_FEAT_IDMAP], *subid = &f[LAB_FEAT_SUBID];
	const struct passwd *pw = getpwuid(geteuid());
	uint32_t s, n, gs, gn;
	char path[512];

	doctor_userns(&f[LAB_FEAT_USERNS]);

	idmap->name = "idmap";
	int u = ns_find_helper("newuidmap", path, sizeof(path));
	int g = ns_find_helper("newgidmap", path, sizeof(path));
	idmap->ok = u > 0 && g > 0;
	snprintf(idmap->detail, sizeof(idmap->detail), "%s",
		 idmap->ok ? "newuidmap and newgidmap, setuid root"
		 : u < 0 || g < 0 ? "missing; a rootless lab maps one id only (a daemon that "
				    "switches user fails); fix: sudo apt-get install uidmap"
				  : "not setuid root (file capabilities may do); if a lab maps one id "
				    "only: sudo chmod u+s /usr/bin/newuidmap /usr/bin/newgidmap");

	doctor_rundir(&f[LAB_FEAT_RUNDIR]);
	subid->name = "subid";
	subid->ok = ns_subid_range("/etc/subuid", pw ? pw->pw_name : NULL, geteuid(), &s, &n) == 0 &&
		    ns_subid_range("/etc/subgid", pw ? pw->pw_name : NULL, geteuid(), &gs, &gn) == 0;
	if (subid->ok)
		snprintf(subid->detail, sizeof(subid->detail),
			 "uids %u-%u, gids %u-%u for %.64s", s, s + n - 1, gs, gs + gn - 1,
			 pw ? pw->pw_name : "us");
	else
		snprintf(subid->detail, sizeof(subid->detail),
			 "no range for %.64s in /etc/subuid and /etc/subgid; a rootless lab maps one "
			 "id only; fix: sudo usermod --add-subuids 100000-165535 --add-subgids "
			 "100000-165535 %.64s",
			 pw ? pw->pw_name : "us", pw ? pw->pw_name : "$USER");
}
