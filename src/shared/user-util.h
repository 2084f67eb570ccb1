/* SPDX-License-Identifier: MIT */
/*
 * A container image's "User" resolved as Docker (runc's GetExecUser) does, against the text of
 * the image's own /etc/passwd and /etc/group: never the host's, so the reader (lab/nodeuser.c)
 * passes the files' contents. Pure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define USER_GROUPS_MAX 64 /* supplementary groups kept; more are ignored */

struct user_ids {
	uint32_t uid, gid;
	size_t n_groups; /* supplementary groups: setgroups() takes them as they are */
	uint32_t groups[USER_GROUPS_MAX];
	char home[256];  /* the passwd entry's home, "/" without one */
};

/*
 * spec is "USER[:GROUP]", each a name or a number. A name must be in the file; a number need
 * not (uid N with gid 0 and home "/", as Docker). Without GROUP, the gid is the passwd entry's
 * and the supplementary groups are those of /etc/group that list the user by name; with GROUP,
 * there are none. passwd and group are NUL-terminated file contents, NULL for a missing file.
 * 0 and *ret, or -ENOENT (a name not found) / -EINVAL (malformed, out of range) with why
 * ("no user 'x' in /etc/passwd").
 */
int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *ret,
		 char *why, size_t why_size);
