/* SPDX-License-Identifier: MIT */
/*
 * The root file system of each node (issue 13): what `up` resolves before it makes anything —
 * a rootfs=DIR that exists, rootfs=host-cow, an image=REF found in (or imported into) the
 * image store — turned into the overlay lower layers the node process mounts (src/ns/rootfs.c).
 * Every error names the node, the file position, the root and what is wrong.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab-image.h"
#include "log.h"
#include "macro.h"

void lab_nodefs_free(struct lab_nodefs *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->n; i++) {
		free(fs->lower[i]);
		if (fs->image[i] && (i == 0 || fs->image[i] != fs->image[i - 1]))
			lab_image_free(fs->image[i]);
	}
	free(fs->lower);
	free(fs->image);
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

int lab_nodefs_resolve(const struct topo *t, struct lab_nodefs **ret)
{
	_cleanup_(lab_nodefs_freep) struct lab_nodefs *fs = calloc(1, sizeof(*fs));
	int r;

	if (!fs)
		return -ENOMEM;
	fs->lower = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*fs->lower));
	fs->image = calloc(t->n_nodes ? t->n_nodes : 1, sizeof(*fs->image));
	if (!fs->lower || !fs->image)
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
		/* Nodes of one range share one image: look it up once. */
		if (i > 0 && fs->image[i - 1] && t->nodes[i - 1].image &&
		    streq(t->nodes[i - 1].image, nd->image)) {
			fs->image[i] = fs->image[i - 1];
		} else {
			char where[512];
			snprintf(where, sizeof(where), "%s:%u:%u: node '%s'", t->file,
				 nd->fs_pos.line, nd->fs_pos.col, nd->name);
			r = lab_image_get(nd->image, where, &fs->image[i]);
			if (r < 0)
				return r;
		}
		fs->lower[i] = lowerdir_of(fs->image[i]);
		if (!fs->lower[i])
			return -ENOMEM;
		fs->any = true;
	}
	*ret = TAKE_PTR(fs);
	return 0;
}
