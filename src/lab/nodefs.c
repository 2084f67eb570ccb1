/* SPDX-License-Identifier: MIT */
/*
 * The root file system of each node (issue 13): what `up` resolves before it makes anything —
 * a rootfs=DIR that exists, rootfs=host-cow, an image=REF found in (or imported into) the
 * image store — turned into the overlay lower layers the node process mounts (src/ns/rootfs.c).
 * Every error names the node, the file position, the root and what is wrong.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab-image.h"
#include "lab-internal.h"
#include "log.h"
#include "macro.h"
#include "strmap.h"

void lab_nodefs_free(struct lab_nodefs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++)
		free(fs->lower[i]);
	for (size_t i = 0; i < fs->n_images; i++)
		lab_image_free(fs->images[i]);
	free(fs->lower);
	free(fs->image);
	free(fs->images);
	free(fs);
}

/* overlayfs's lowerdir= value: the top layer first. */
static char *lowerdir_of(const struct lab_image *img)
{
	size_t len = 1;
	char *s, *p;

	for (size_t i = 0; i < img->n_layers; i++)
		len += strlen(img->layers[i]) + 1;
	s = p = malloc(len);
	if (!s)
		return NULL;
	*p = '\0';
	for (size_t i = img->n_layers; i-- > 0;)
		p += sprintf(p, "%s%s", p == s ? "" : ":", img->layers[i]);
	return s;
}

static int resolve_dir(const struct topo *t, size_t i, char **ret)
{
	const struct topo_node *nd = &t->nodes[i];
	struct stat st;

	if (streq(nd->rootfs, TOPO_ROOTFS_HOST_COW))
		return (*ret = strdup("/")) ? 0 : -ENOMEM;
	if (stat(nd->rootfs, &st) < 0)
		return log_error_errno(negative_errno(), "%s:%u:%u: node '%s': rootfs directory "
				       "'%s': %m", t->file, nd->fs_pos.line, nd->fs_pos.col,
				       nd->name, nd->rootfs);
	if (!S_ISDIR(st.st_mode))
		return log_error_errno(-ENOTDIR, "%s:%u:%u: node '%s': rootfs '%s' is not a "
				       "directory", t->file, nd->fs_pos.line, nd->fs_pos.col,
				       nd->name, nd->rootfs);
	return (*ret = strdup(nd->rootfs)) ? 0 : -ENOMEM;
}

static void strmap_donep(struct strmap *m)
{
	strmap_done(m);
}

/* The image of reference ref for node i: the one an earlier node with the same reference got
 * (seen maps a reference to its index in fs->images), else looked up and added. Each distinct
 * reference is looked up once per `up`, however its nodes alternate with others'. */
static int node_image(const struct topo *t, size_t i, struct lab_nodefs *fs, struct strmap *seen)
{
	const struct topo_node *nd = &t->nodes[i];
	size_t k = strmap_get(seen, nd->image);
	char where[512];
	int r;

	if (k != STRMAP_NONE) {
		fs->image[i] = fs->images[k];
		return 0;
	}
	snprintf(where, sizeof(where), "%s:%u:%u: node '%s'", t->file, nd->fs_pos.line,
		 nd->fs_pos.col, nd->name);
	r = lab_image_get(nd->image, where, &fs->images[fs->n_images]);
	if (r < 0)
		return r;
	fs->image[i] = fs->images[fs->n_images++];
	return strmap_put(seen, nd->image, fs->n_images - 1);
}

int lab_nodefs_resolve(const struct topo *t, struct lab_nodefs **ret)
{
	_cleanup_(lab_nodefs_freep) struct lab_nodefs *fs = calloc(1, sizeof(*fs));
	_cleanup_(strmap_donep) struct strmap seen = {};
	size_t n = t->n_nodes ? t->n_nodes : 1;
	int r;

	if (!fs)
		return -ENOMEM;
	fs->lower = calloc(n, sizeof(*fs->lower));
	fs->image = calloc(n, sizeof(*fs->image));
	fs->images = calloc(n, sizeof(*fs->images));
	if (!fs->lower || !fs->image || !fs->images)
		return -ENOMEM;
	fs->n = t->n_nodes;
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *nd = &t->nodes[i];

		if (nd->rootfs) {
			r = resolve_dir(t, i, &fs->lower[i]);
			if (r < 0)
				return r;
			fs->any = true;
			continue;
		}
		if (!nd->image)
			continue;
		r = node_image(t, i, fs, &seen);
		if (r < 0)
			return r;
		fs->lower[i] = lowerdir_of(fs->image[i]);
		if (!fs->lower[i])
			return -ENOMEM;
		fs->any = true;
	}
	*ret = TAKE_PTR(fs);
	return 0;
}

/* ---- the image's process defaults, kept with the lab ------------------------------------- */

/*
 * NETLAB_DIR/NODE/image: "image REF" or "rootfs DIR" (the node's root, for status), and for an
 * image "cwd PATH", "user SPEC" and "env KEY=VALUE" lines, written by `up` for each node with a
 * root of its own. Kept with the lab rather than read from the store at each `exec`, so that an
 * `image rm` or a new import under the same name never changes a running node.
 */
int lab_nodefs_write_defaults(const struct lab_nodefs *fs, const struct topo *t, const char *lab)
{
	for (size_t i = 0; i < fs->n; i++) {
		const struct topo_node *nd = &t->nodes[i];
		const struct lab_image *img = fs->image[i];
		char path[LAB_PATH_MAX];
		FILE *f;

		if (!img && !nd->rootfs)
			continue;
		if (lab_path(path, lab, "%s", nd->name) < 0)
			return log_error_errno(-ENAMETOOLONG,
					       "Cannot name the directory of node '%s': %m",
					       nd->name);
		if (mkdir(path, 0700) < 0 && errno != EEXIST)
			return log_error_errno(negative_errno(), "Cannot make %s: %m", path);
		if (lab_path(path, lab, "%s/image", nd->name) < 0)
			return log_error_errno(-ENAMETOOLONG, "Cannot name %s/image: %m", path);
		f = fopen(path, "wxe");
		if (!f)
			return log_error_errno(negative_errno(), "Cannot write %s: %m", path);
		/* A reference or directory with a newline cannot be a line: status shows none. */
		if (nd->image && !strchr(nd->image, '\n'))
			fprintf(f, "image %s\n", nd->image);
		if (nd->rootfs && !strchr(nd->rootfs, '\n'))
			fprintf(f, "rootfs %s\n", nd->rootfs);
		if (img && img->workdir)
			fprintf(f, "cwd %s\n", img->workdir);
		if (img && img->user && !strchr(img->user, '\n'))
			fprintf(f, "user %s\n", img->user);
		for (char **e = img ? img->env : NULL; e && *e; e++)
			if (!strchr(*e, '\n'))
				fprintf(f, "env %s\n", *e);
		if (fclose(f) != 0)
			return log_error_errno(-EIO, "Cannot write %s", path);
	}
	return 0;
}

void lab_image_defaults_none(struct lab_image_defaults *d)
{
	d->env[0] = NULL;
	d->cwd = d->user = d->image = d->rootfs = NULL;
}

void lab_image_defaults_read(const char *labdir, const char *node, struct lab_image_defaults *d)
{
	static const struct {
		const char *key;
		size_t offset;
	} lines[] = {
		{ "cwd ", offsetof(struct lab_image_defaults, cwd) },
		{ "user ", offsetof(struct lab_image_defaults, user) },
		{ "image ", offsetof(struct lab_image_defaults, image) },
		{ "rootfs ", offsetof(struct lab_image_defaults, rootfs) },
	};
	char path[LAB_PATH_MAX];
	size_t k = 0;
	ssize_t n;
	int fd;

	lab_image_defaults_none(d);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s/image", labdir, node) >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	n = read(fd, d->buf, sizeof(d->buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	d->buf[n] = '\0';
	for (char *line = d->buf, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (strncmp(line, "env ", 4) == 0 && k < LAB_IMAGE_ENV_MAX)
			d->env[k++] = line + 4;
		for (size_t i = 0; i < ELEMENTSOF(lines); i++)
			if (strncmp(line, lines[i].key, strlen(lines[i].key)) == 0)
				*(const char **)((char *)d + lines[i].offset) =
					line + strlen(lines[i].key);
	}
	d->env[k] = NULL;
}

int lab_node_root(const char *lab, const char *node, const char **ret_kind, char *ret,
		  size_t size)
{
	_cleanup_free_ struct lab_image_defaults *d = malloc(sizeof(*d));
	char dir[LAB_PATH_MAX];

	if (!d)
		return -ENOMEM;
	if (lab_path(dir, lab, NULL) < 0)
		return -ENAMETOOLONG;
	lab_image_defaults_read(dir, node, d);
	return lab_image_defaults_root(d, ret_kind, ret, size);
}

int lab_image_defaults_root(const struct lab_image_defaults *d, const char **ret_kind, char *ret,
			    size_t size)
{
	if (!d->image && !d->rootfs)
		return -ENOENT;
	*ret_kind = d->image ? "image" : "rootfs";
	snprintf(ret, size, "%s", d->image ? d->image : d->rootfs);
	return 0;
}

/* The image's Entrypoint + Cmd as daemon `main`, as a container engine would run it: not with
 * cmd=none, and not in a node whose file starts its own daemons. */
int lab_nodefs_start_mains(const struct lab_up_ctx *c, const struct lab_nodefs *fs)
{
	const struct topo *t = c->t;

	for (size_t i = 0; i < fs->n; i++) {
		const struct lab_image *img = fs->image[i];
		bool own = false;
		size_t n = 0, k = 0;

		if (!img || t->nodes[i].cmd_none)
			continue;
		for (size_t s = 0; s < t->n_cmds && !own; s++)
			own = t->cmds[s].daemon && t->cmds[s].node == i;
		if (own)
			continue;
		for (char **a = img->entrypoint; a && *a; a++)
			n++;
		for (char **a = img->cmd; a && *a; a++)
			n++;
		if (n == 0)
			continue;
		_cleanup_free_ char **argv = calloc(n + 1, sizeof(*argv));
		if (!argv)
			return -ENOMEM;
		for (char **a = img->entrypoint; a && *a; a++)
			argv[k++] = *a;
		for (char **a = img->cmd; a && *a; a++)
			argv[k++] = *a;
		int r = lab_daemon_launch(c, i, "main", argv);
		if (r < 0)
			return log_error_errno(r, "%s:%u: node '%s': cannot start the command of "
					       "image '%s': %m", t->file, t->nodes[i].fs_pos.line,
					       t->nodes[i].name, t->nodes[i].image);
	}
	return 0;
}
