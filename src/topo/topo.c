/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexer.h"
#include "topo-internal.h"

/* Larger files are certainly not topologies; refusing them keeps a typo in the path (a disk
 * image, /dev/zero) from eating memory. */
#define TOPO_FILE_MAX (256u * 1024 * 1024)

DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo *, topo_free);

static int default_lab_name(const struct topo_src *src, char **ret, struct topo_error *err)
{
	const char *base = strrchr(src->name, '/');
	size_t n;
	char *s;

	base = base ? base + 1 : src->name;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	s = strndup(base, n);
	if (!s)
		return -ENOMEM;
	if (!topo_name_valid(s)) {
		int r = topo_fail(err, src, (struct topo_pos){0, 0}, 0,
				  "cannot use the file name '%s' as the lab name: add a 'lab NAME' "
				  "statement",
				  s);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int topo_parse_string(const char *name, const char *text, size_t len, struct topo **ret,
		      struct topo_error *err)
{
	_cleanup_(topo_freep) struct topo *t = NULL;
	struct topo_src src = {
		.name = name ? name : "<string>", .text = text ? text : "", .len = text ? len : 0};
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->file = strdup(src.name);
	if (!t->file)
		goto oom;

	r = topo_parse_statements(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;

	if (!t->lab) {
		r = default_lab_name(&src, &t->lab, err);
		if (r == -ENOMEM)
			goto oom;
		if (r < 0)
			return r;
	}

	r = topo_plan(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;
	r = topo_route_plan(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;
	r = topo_files_render(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;

	*ret = TAKE_PTR(t);
	return 0;
oom:
	topo_fail(err, &src, (struct topo_pos){0, 0}, 0, "out of memory");
	return -ENOMEM;
}

int topo_parse_file(const char *path, struct topo **ret, struct topo_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct topo_src src = {.name = path};
	size_t len = 0, cap = 0;
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}

	/* Read to the end rather than trusting st_size: pipes and /proc files report 0. */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= TOPO_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}

	return topo_parse_string(path, buf, len, ret, err);
fail:
	r = negative_errno();
	topo_fail(err, &src, (struct topo_pos){0, 0}, 0, "cannot read '%s': %s", path,
		  strerror(-r));
	return r;
}
