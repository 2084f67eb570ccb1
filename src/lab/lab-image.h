/* SPDX-License-Identifier: MIT */
/*
 * Node root file systems (nodefs.c) and netlab's image store (image.c), issue 13.
 *
 * The store (lab_image_dir(): /var/cache/netlab as root, else $XDG_CACHE_HOME/netlab):
 *   layers/HEX/         one unpacked layer, named by the sha256 of its (compressed) blob
 *                       (layers/ is 0700: layers keep their images' setuid files);
 *                       whiteouts turned into overlayfs's (a 0/0 character device, the
 *                       trusted.overlay.opaque and user.overlay.opaque xattrs), so layers
 *                       stack as overlay lowerdirs (user.*: in a rootless lab's userxattr one)
 *   layers/HEX.idmap    the id mapping and store format it was unpacked under (image.c,
 *                       layer_current(): a stale layer is unpacked anew or refused)
 * A user's store is unpacked in a user namespace mapped as that user's rootless labs are, so an
 * image's file of uid 100 is uid 100 in their nodes (image.c, in_store_userns()).
 *   images/NAME.json    an image: its reference, digest, layers (bottom first) and config
 * Layers are unpacked into layers/.tmp-* and renamed into place, so a reader never sees half a
 * layer and two imports of one layer race harmlessly.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "topo.h"

struct lab_image {
	char *name;       /* in the store */
	char *ref;        /* as imported */
	char *digest;     /* "sha256:..." of the manifest (or of the tarball) */
	char *arch;
	char **layers;    /* absolute paths, bottom first */
	size_t n_layers;
	/* The config's process defaults (NULL/empty when the image has none). */
	char **env;        /* "KEY=VALUE", NULL-terminated */
	char *workdir;
	char *user;
	char **entrypoint; /* NULL-terminated */
	char **cmd;        /* NULL-terminated */
};

void lab_image_free(struct lab_image *img);

/* The store's directory (no trailing slash), from NETLAB_IMAGE_DIR, else as above. */
const char *lab_image_dir(void);

/*
 * The image REF names: a name in the store, else REF is imported (under a name derived from
 * it) first. `where` prefixes error messages ("file:line:col: node 'r1'"). Logs; -errno.
 */
int lab_image_get(const char *ref, const char *where, struct lab_image **ret);

/* netlab image import REF [NAME]: imports (again) and prints nothing. *ret_name (malloc'd, may
 * be NULL) gets the name. -errno, logged. */
int lab_image_import(const char *ref, const char *name, char **ret_name);
/* The images in the store, sorted by name. */
int lab_image_list(struct lab_image ***ret, size_t *ret_n);
/* Removes NAME (its layers stay until prune). -ENOENT when there is none. */
int lab_image_remove(const char *name);
/* Removes every layer no image uses; *ret_n gets how many. */
int lab_image_prune(size_t *ret_n);

struct lab_nodefs {
	size_t n;
	bool any;
	char **lower;              /* per node: overlayfs lowerdir=, or NULL (the host's tree) */
	struct lab_image **image;  /* per node: its image (one of images, shared), or NULL */
	struct lab_image **images; /* each distinct image once, owned */
	size_t n_images;
};

/* At `up`: NETLAB_DIR/NODE/image for each image node of lab `lab` (lab_image_defaults_read()
 * reads it). */
int lab_nodefs_write_defaults(const struct lab_nodefs *fs, const struct topo *t, const char *lab);
struct lab_up_ctx;
/* At `up`, after the `start` statements: each image's Entrypoint+Cmd as daemon `main`. */
int lab_nodefs_start_mains(const struct lab_up_ctx *c, const struct lab_nodefs *fs);

int lab_nodefs_resolve(const struct topo *t, struct lab_nodefs **ret);
void lab_nodefs_free(struct lab_nodefs *fs);
static inline void lab_nodefs_freep(struct lab_nodefs **p)
{
	lab_nodefs_free(*p);
}
