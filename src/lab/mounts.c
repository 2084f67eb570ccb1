/* SPDX-License-Identifier: MIT */
/*
 * The `mount` statements, from the plan to what a node mounts: tmpfs options with owners
 * resolved by name (the host's user database: a node shares the host's filesystem), and the
 * check, before anything is made, that every mount point can be made without touching the host
 * (ns/overlay.c makes them). `check` (as root) and `up` report a mount that cannot be as
 * file:line:col.
 */
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

static bool all_digits(const char *s)
{
	return s[0] && s[strspn(s, "0123456789")] == '\0';
}

/* A user's uid (and primary gid), by name or number. */
static int resolve_user(const char *s, uid_t *ret_uid, gid_t *ret_gid, bool *ret_has_gid)
{
	struct passwd pwbuf, *pw = NULL;
	char buf[4096]; /* the _r look-ups: getpwnam's static result is every thread's */

	if (all_digits(s)) {
		unsigned long v = strtoul(s, NULL, 10);
		if (v >= (uid_t)-1)
			return -ERANGE;
		*ret_uid = (uid_t)v;
		*ret_has_gid = false;
		return 0;
	}
	int e = getpwnam_r(s, &pwbuf, buf, sizeof(buf), &pw);
	if (!pw)
		return e ? -e : -ENOENT;
	*ret_uid = pw->pw_uid;
	*ret_gid = pw->pw_gid;
	*ret_has_gid = true;
	return 0;
}

static int resolve_group(const char *s, gid_t *ret)
{
	struct group grbuf, *gr = NULL;
	char buf[4096];

	if (all_digits(s)) {
		unsigned long v = strtoul(s, NULL, 10);
		if (v >= (gid_t)-1)
			return -ERANGE;
		*ret = (gid_t)v;
		return 0;
	}
	int e = getgrnam_r(s, &grbuf, buf, sizeof(buf), &gr);
	if (!gr)
		return e ? -e : -ENOENT;
	*ret = gr->gr_gid;
	return 0;
}

int lab_mount_prepare(const struct topo *t, const struct topo_mount *m, struct ns_mount *out)
{
	uid_t uid = 0;
	gid_t gid = 0;
	bool has_uid = false, has_gid = false;
	int n, r;

	out->kind = m->kind == TOPO_MOUNT_TMPFS	  ? NS_MOUNT_TMPFS
		    : m->kind == TOPO_MOUNT_BIND ? NS_MOUNT_BIND
						 : NS_MOUNT_PRIVATE;
	out->src = m->src;
	out->dir = m->dir;
	out->data[0] = '\0';
	if (m->kind != TOPO_MOUNT_TMPFS)
		return 0;
	if (m->user) {
		r = resolve_user(m->user, &uid, &gid, &has_gid);
		if (r < 0)
			return log_error_errno(r, "%s:%u:%u: no user '%s' on this machine", t->file,
					       m->user_pos.line, m->user_pos.col, m->user);
		has_uid = true;
	}
	/* owner=USER alone: the user's own group, as chown(1) USER: does. */
	if (m->group) {
		r = resolve_group(m->group, &gid);
		if (r < 0)
			return log_error_errno(r, "%s:%u:%u: no group '%s' on this machine", t->file,
					       m->group_pos.line, m->group_pos.col, m->group);
		has_gid = true;
	}
	n = snprintf(out->data, sizeof(out->data), "mode=%04o", m->mode >= 0 ? m->mode : 0755);
	if (has_uid)
		n += snprintf(out->data + n, sizeof(out->data) - n, ",uid=%u", (unsigned)uid);
	if (has_gid)
		n += snprintf(out->data + n, sizeof(out->data) - n, ",gid=%u", (unsigned)gid);
	if (m->size)
		n += snprintf(out->data + n, sizeof(out->data) - n, ",size=%s", m->size);
	if ((size_t)n >= sizeof(out->data))
		return log_error_errno(-E2BIG, "%s:%u:%u: tmpfs options too long", t->file,
				       m->pos.line, m->pos.col);
	return 0;
}

int lab_mounts_check(const struct topo *t)
{
	_cleanup_free_ struct ns_mount *v = calloc(t->n_mounts ? t->n_mounts : 1, sizeof(*v));
	_cleanup_free_ size_t *idx = calloc(t->n_mounts ? t->n_mounts : 1, sizeof(*idx));
	int r;

	if (!v || !idx)
		return log_error_errno(-ENOMEM, "Out of memory");
	for (size_t node = 0; node < t->n_nodes; node++) {
		struct ns_overlay_set views;
		size_t n = 0, bad = 0;
		char msg[512] = "";

		for (size_t i = 0; i < t->n_mounts; i++) {
			if (t->mounts[i].node != node)
				continue;
			r = lab_mount_prepare(t, &t->mounts[i], &v[n]);
			if (r < 0)
				return r;
			idx[n++] = i;
		}
		if (n == 0)
			continue;
		r = ns_overlay_plan(v, n, &views, &bad, msg, sizeof(msg));
		if (r < 0) {
			const struct topo_mount *m = &t->mounts[idx[bad]];
			log_error("%s:%u:%u: node '%s': %s", t->file, m->dir_pos.line, m->dir_pos.col,
				  t->nodes[node].name, msg);
			return r;
		}
	}
	return 0;
}
