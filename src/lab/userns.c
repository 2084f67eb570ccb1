/* SPDX-License-Identifier: MIT */
/*
 * Rootless labs at the lab level: when a lab goes into a user namespace, which ids it maps, what
 * a topology asks for that a user cannot have, and joining a running lab's user namespace. The
 * mechanism (maps, setns order) is in ns/userns.c.
 */
#include <pwd.h>
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
