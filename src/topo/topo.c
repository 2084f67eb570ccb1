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
	return topo_parse_string_in(name, NULL, text, len, ret, err);
}

int topo_parse_string_in(const char *name, const char *dir, const char *text, size_t len,
			 struct topo **ret, struct topo_error *err)
{
	_cleanup_(topo_freep) struct topo *t = NULL;
	struct topo_src src = { .name = name ? name : "<string>", .text = "", .len = 0 };
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->file = strdup(src.name);
	if (!t->file)
		goto oom;
	/* The topology keeps its text: `up` stores a copy with the lab from it, so that a topology
	 * given as a string needs no file anywhere. */
	t->source_len = text ? len : 0;
	t->source = malloc(t->source_len + 1);
	if (!t->source)
		goto oom;
	if (t->source_len)
		memcpy(t->source, text, t->source_len);
	t->source[t->source_len] = '\0';
	src.text = t->source;
	src.len = t->source_len;
	if (dir) {
		t->dir = strdup(dir);
		if (!t->dir)
			goto oom;
	}

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

/* The directory of path, absolute (the working directory's for a bare name). */
static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *cwd = NULL;
	char *d;

	if (slash == path)
		return strdup("/");
	if (slash && path[0] == '/')
		return strndup(path, (size_t)(slash - path));
	cwd = getcwd(NULL, 0);
	if (!cwd)
		return NULL;
	if (!slash)
		return TAKE_PTR(cwd);
	if (asprintf(&d, "%s/%.*s", cwd, (int)(slash - path), path) < 0)
		return NULL;
	return d;
}

/* Whether dir is top or below it (both absolute). */
static bool dir_under(const char *dir, const char *top)
{
	size_t n = strlen(top);

	return strncmp(dir, top, n) == 0 && (dir[n] == '\0' || dir[n] == '/');
}

int topo_parse_file(const char *path, struct topo **ret, struct topo_error *err)
{
	_cleanup_free_ char *buf = NULL, *dir = NULL;
	struct topo_src src = {.name = path};
	size_t len = 0;
	bool regular;
	int r;

	r = topo_read_file(path, &buf, &len, &regular);
	if (r < 0) {
		topo_fail(err, &src, (struct topo_pos){0, 0}, 0, "cannot read '%s': %s", path,
			  strerror(-r));
		return r;
	}
	dir = dir_of(path);
	if (!dir)
		return -ENOMEM;
	/* What a pipe says (<(...)), or what is read through /dev/stdin or /proc/PID/fd/N even
	 * when fd 0 is a file, is text given on stdin: /dev and /dev/fd are no place for the
	 * relative paths in it. */
	bool no_file = !regular || dir_under(dir, "/dev") || dir_under(dir, "/proc");
	if (no_file) {
		free(dir);
		dir = getcwd(NULL, 0);
		if (!dir)
			return -ENOMEM;
	}
	r = topo_parse_string_in(path, dir, buf, len, ret, err);
	if (r >= 0)
		(*ret)->no_file = no_file;
	return r;
}

/* A here-document tag that is no line of text. */
static void unique_tag(const char *text, unsigned k, char *buf, size_t size)
{
	for (unsigned extra = 0;; extra++) {
		size_t tl;
		const char *p;
		bool clash = false;

		snprintf(buf, size, "NETLAB_FROM_%u_%u", k, extra);
		tl = strlen(buf);
		for (p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
			const char *q = p + strspn(p, " \t");
			if (strncmp(q, buf, tl) == 0 && strchr("\n \t", q[tl] ? q[tl] : '\n')) {
				clash = true;
				break;
			}
		}
		if (!clash)
			return;
	}
}

static bool line_commented_out(const struct topo *t, const char *text, size_t len,
			       unsigned line)
{
	for (size_t i = 0; i < t->n_files; i++) {
		unsigned l = t->files[i].pos.line;
		const char *p = text, *end = text + len;

		if (!t->files[i].from || line < l)
			continue;
		/* The statement's physical lines: its first, and each after a trailing '\'. */
		for (unsigned cur = 1; p < end; cur++) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (cur == line)
				return true;
			if (cur >= l && !(n > 0 && p[n - 1] == '\\'))
				break;
			p = nl ? nl + 1 : end;
		}
	}
	return false;
}

char *topo_self_contained(const struct topo *t, const char *text, size_t len, size_t *ret_len)
{
	FILE *out;
	char *buf = NULL;
	size_t size = 0;
	const char *p = text, *end = text + len;
	unsigned line = 1;

	out = open_memstream(&buf, &size);
	if (!out)
		return NULL;
	for (; p < end; line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (line_commented_out(t, text, len, line))
			fputs("# (inlined below by netlab up) ", out);
		fwrite(p, 1, n, out);
		fputc('\n', out);
		p = nl ? nl + 1 : end;
	}
	for (size_t i = 0; i < t->n_files; i++) {
		const struct topo_file *f = &t->files[i];
		char tag[48];

		if (!f->from)
			continue;
		unique_tag(f->text, (unsigned)i, tag, sizeof(tag));
		fprintf(out, "\n# from %s\nfile %s %s mode=%04o <<%s\n%s%s\n", f->from,
			t->nodes[f->node].name, f->path, f->mode, tag, f->text, tag);
	}
	if (fclose(out) != 0) {
		free(buf);
		return NULL;
	}
	*ret_len = size;
	return buf;
}
