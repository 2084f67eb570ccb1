/* SPDX-License-Identifier: MIT */
/*
 * The small files of a cgroup, read and written the same way on both layouts: used by
 * cgroup.c, by the backends (cgroup-v1.c, cgroup-v2.c) and by timens.c, which therefore do not
 * depend on each other.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"

static const char *const ctrl_names[_CG_CTRL_MAX] = {"cpu", "memory", "pids"};

const char *cg_ctrl_name(enum cg_ctrl c)
{
	return c < _CG_CTRL_MAX ? ctrl_names[c] : "?";
}

int cg_path(char *buf, size_t size, const char *dir, const char *rel, const char *file)
{
	int n = snprintf(buf, size, "%s%s%s%s%s", dir, rel && *rel ? "/" : "", rel ? rel : "",
			 file ? "/" : "", file ? file : "");
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int cg_write(const char *dir, const char *rel, const char *file, const char *value)
{
	char path[512];
	size_t len = strlen(value);
	int fd, r;

	if (!dir[0])
		return -EOPNOTSUPP; /* a v1 controller that is not mounted */
	r = cg_path(path, sizeof(path), dir, rel, file);
	if (r < 0)
		return r;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	/* One write: the kernel parses each write of a cgroup file as a whole. */
	r = write(fd, value, len) == (ssize_t)len ? 0 : negative_errno();
	close(fd);
	return r;
}

int cg_read(const char *dir, const char *rel, const char *file, char *buf, size_t size)
{
	char path[512];
	ssize_t n;
	int fd, r;

	if (!dir[0])
		return -EOPNOTSUPP;
	r = cg_path(path, sizeof(path), dir, rel, file);
	if (r < 0)
		return r;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, size - 1);
	r = n < 0 ? negative_errno() : 0;
	close(fd);
	if (r < 0)
		return r;
	buf[n] = '\0';
	return 0;
}

int cg_read_u64(const char *dir, const char *rel, const char *file, const char *key, uint64_t *ret)
{
	char buf[4096], *p = buf;
	int r = cg_read(dir, rel, file, buf, sizeof(buf));

	if (r < 0)
		return r;
	if (key) {
		size_t kl = strlen(key);

		for (p = buf; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
			if (strncmp(p, key, kl) == 0 && p[kl] == ' ')
				break;
		if (!p || !*p)
			return -ENOENT;
		p += kl + 1;
	}
	if (strncmp(p, "max", 3) == 0) {
		*ret = CG_MAX;
		return 0;
	}
	char *end;
	errno = 0;
	uint64_t v = strtoull(p, &end, 10);
	if (end == p || errno)
		return -EINVAL;
	*ret = v;
	return 0;
}
