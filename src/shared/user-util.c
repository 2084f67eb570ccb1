/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "user-util.h"

#define ID_MAX 0x7fffffffu /* runc's bound: ids are signed 32-bit in the kernel's interfaces */
#define FIELDS_MAX 8

typedef int (*entry_fn)(char **f, size_t n, void *userdata);

/* Calls fn with the ':'-separated fields of each line of text until it returns non-zero (that
 * value is returned). Empty lines, comments and lines longer than any real entry are skipped. */
static int each_entry(const char *text, entry_fn fn, void *userdata)
{
	char buf[4096], *f[FIELDS_MAX];

	for (const char *s = text; s && *s;) {
		const char *e = strchr(s, '\n');
		size_t len = e ? (size_t)(e - s) : strlen(s);

		if (len > 0 && len < sizeof(buf) && s[0] != '#') {
			size_t n = 0;
			char *p = buf;

			memcpy(buf, s, len);
			buf[len] = '\0';
			f[n++] = p;
			while (n < FIELDS_MAX && (p = strchr(p, ':'))) {
				*p++ = '\0';
				f[n++] = p;
			}
			int r = fn(f, n, userdata);
			if (r)
				return r;
		}
		s += len + (e ? 1 : 0);
	}
	return 0;
}

struct passwd_match {
	const char *name; /* wanted by name, or NULL */
	uint32_t uid;     /* wanted by number */
	struct user_ids *ids;
	char user[256];   /* the entry's name: its groups are found by it */
};

static int passwd_entry(char **f, size_t n, void *userdata)
{
	struct passwd_match *m = userdata;
	uint32_t uid, gid;

	/* name:password:uid:gid:gecos:home:shell */
	if (n < 4 || parse_uint32(f[2], 0, ID_MAX, &uid) < 0 ||
	    parse_uint32(f[3], 0, ID_MAX, &gid) < 0)
		return 0;
	if (m->name ? !streq(f[0], m->name) : uid != m->uid)
		return 0;
	m->ids->uid = uid;
	m->ids->gid = gid;
	if (n > 5 && f[5][0])
		snprintf(m->ids->home, sizeof(m->ids->home), "%s", f[5]);
	snprintf(m->user, sizeof(m->user), "%s", f[0]);
	return 1;
}

struct group_match {
	const char *name; /* explicit group by name, or NULL */
	uint32_t gid;     /* explicit group by number */
	const char *member; /* implicit: every group listing this user, or NULL */
	struct user_ids *ids;
};

static bool lists(const char *members, const char *user)
{
	size_t len = strlen(user);

	for (const char *s = members; *s;) {
		size_t n = strcspn(s, ",");
		if (n == len && strncmp(s, user, len) == 0)
			return true;
		s += n + (s[n] ? 1 : 0);
	}
	return false;
}

static int group_entry(char **f, size_t n, void *userdata)
{
	struct group_match *m = userdata;
	uint32_t gid;

	/* name:password:gid:member,member */
	if (n < 3 || parse_uint32(f[2], 0, ID_MAX, &gid) < 0)
		return 0;
	if (m->member) {
		if (n > 3 && lists(f[3], m->member) && m->ids->n_groups < USER_GROUPS_MAX)
			m->ids->groups[m->ids->n_groups++] = gid;
		return 0;
	}
	if (m->name ? !streq(f[0], m->name) : gid != m->gid)
		return 0;
	m->ids->gid = gid; /* the first match wins, as in runc */
	return 1;
}

static _printf_(3, 4) int fail(char *why, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, size, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* A name, or a number (*ret_by_number). Fails with why for a number that is not one. */
static int name_or_id(const char *what, const char *s, uint32_t *ret_id, bool *ret_by_number,
		      char *why, size_t why_size)
{
	int r;

	*ret_by_number = s[0] >= '0' && s[0] <= '9';
	if (!*ret_by_number)
		return 0;
	r = parse_uint32(s, 0, ID_MAX, ret_id);
	if (r == -ERANGE)
		return fail(why, why_size, "%s id '%s' is out of range (0 to %u)", what, s, ID_MAX);
	if (r < 0)
		return fail(why, why_size, "%s id '%s' is not a number", what, s);
	return 0;
}

int user_resolve(const char *spec, const char *passwd, const char *group, struct user_ids *ret,
		 char *why, size_t why_size)
{
	struct user_ids ids = { .home = "/" };
	char user[256];
	const char *colon = strchr(spec, ':'), *grp = colon ? colon + 1 : NULL;
	bool by_number, matched;
	uint32_t id = 0;

	if ((colon ? (size_t)(colon - spec) : strlen(spec)) >= sizeof(user))
		return fail(why, why_size, "the user name is too long");
	snprintf(user, sizeof(user), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec), spec);
	if (name_or_id("user", user[0] ? user : "0", &id, &by_number, why, why_size) < 0)
		return -EINVAL;

	struct passwd_match pm = { .name = by_number ? NULL : user, .uid = id, .ids = &ids };
	matched = each_entry(passwd, passwd_entry, &pm) > 0;
	if (!matched && !by_number) {
		if (passwd)
			fail(why, why_size, "no user '%s' in /etc/passwd", user);
		else
			fail(why, why_size, "no /etc/passwd to find user '%s' in", user);
		return -ENOENT;
	}
	if (!matched)
		ids.uid = id; /* a number the file does not know: gid 0, home "/" */

	if (grp) {
		struct group_match gm = { .ids = &ids };
		if (!grp[0])
			return fail(why, why_size, "'%s' has an empty group", spec);
		if (name_or_id("group", grp, &gm.gid, &by_number, why, why_size) < 0)
			return -EINVAL;
		gm.name = by_number ? NULL : grp;
		if (each_entry(group, group_entry, &gm) == 0) {
			if (!by_number) {
				if (group)
					fail(why, why_size, "no group '%s' in /etc/group", grp);
				else
					fail(why, why_size, "no /etc/group to find group '%s' in",
					     grp);
				return -ENOENT;
			}
			ids.gid = gm.gid;
		}
	} else if (matched) {
		struct group_match gm = { .member = pm.user, .ids = &ids };
		(void)each_entry(group, group_entry, &gm);
	}
	*ret = ids;
	return 0;
}
