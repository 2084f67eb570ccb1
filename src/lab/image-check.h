/* SPDX-License-Identifier: MIT */
/*
 * The checks the image store (image.c) makes of what an image says, pure (jansson, no system
 * call) so that they are unit-tested and fuzzed (tests/unit/lab/test-image-check.c,
 * tests/fuzz/fuzz-image.c): a layer entry's whiteout, digests, media types, the runtime part of
 * an image config, image names. Every image is hostile until these have said yes.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define IMAGE_HEXLEN 64
/* Larger than any real manifest, index or config (a config with a long history is ~100 KB):
 * a JSON file is read whole before it is parsed. */
#define IMAGE_JSON_MAX (4 << 20)
/* overlayfs stacks at most 500 lower layers; Docker's overlay2 refuses more than 128. */
#define IMAGE_LAYERS_MAX 128
#define IMAGE_NAME_MAX 200
/* The node's defaults file keeps this many Env entries (LAB_IMAGE_ENV_MAX, checked in image.c). */
#define IMAGE_ENV_MAX 64

/* A store name: [A-Za-z0-9_.-]{1,200}, not starting with '.'. */
bool image_name_valid(const char *s);
/*
 * The store name `up` and `import` without a NAME give reference ref: ref with every byte that
 * is not a name character (and a leading '.') replaced by '_', deterministic so that the next
 * `up` finds it. A reference longer than IMAGE_NAME_MAX keeps its first IMAGE_NAME_MAX - 17
 * bytes and ends in '-' and the first 16 hex digits of ref_sha256 (the sha256 of the whole
 * reference, in hex: this file hashes nothing), so that two long references alike that far get
 * names of their own. buf: at least IMAGE_NAME_MAX + 1 bytes. An empty ref gives "" (invalid).
 */
void image_auto_name(const char *ref, const char *ref_sha256, char *buf);
/* "sha256:HEX" (64 lowercase hex digits): *ret_hex points into digest. false otherwise. */
bool image_digest_hex(const char *digest, const char **ret_hex);
/* 64 lowercase hex digits, nothing else (a layer's name in the store). */
bool image_hex_valid(const char *s);

/* A layer entry's path that the store can hold and remove again: shorter than IMAGE_PATH_MAX
 * bytes, at most IMAGE_DEPTH_MAX components deep, each at most NAME_MAX (-ENAMETOOLONG). The rest
 * (absolute, '..', symbolic links) is libarchive's and image_whiteout_parse()'s to check. */
#define IMAGE_PATH_MAX 3072
#define IMAGE_DEPTH_MAX 256
int image_entry_path_check(const char *path);

enum image_whiteout {
	IMAGE_WH_NONE,   /* not a whiteout: an entry for libarchive */
	IMAGE_WH_FILE,   /* .wh.NAME: NAME of the layers below is deleted */
	IMAGE_WH_OPAQUE, /* .wh..wh..opq: the directory hides the layers below */
};
/*
 * Classifies a layer entry's path. For a whiteout, dir (size bytes) gets its directory as
 * components joined by '/' ("" for the layer's top; no empty, "." or ".." component) and
 * *ret_name (IMAGE_WH_FILE) the name it deletes, pointing into path. -EXDEV: the path goes out
 * of the layer (absolute, or a ".." component); -EINVAL: a .wh. that names no file (empty, "."
 * or ".."); -ENAMETOOLONG: dir does not fit or a component is longer than NAME_MAX.
 */
int image_whiteout_parse(const char *path, char *dir, size_t size, const char **ret_name);

enum image_media {
	IMAGE_MT_NONE,     /* no mediaType (allowed: Docker's v1 and some OCI writers omit it) */
	IMAGE_MT_INDEX,    /* an OCI image index or a Docker manifest list */
	IMAGE_MT_MANIFEST, /* an OCI or Docker v2 image manifest */
	IMAGE_MT_CONFIG,   /* an OCI or Docker image config */
	IMAGE_MT_LAYER,    /* a tar layer, any compression */
	IMAGE_MT_OTHER,
};
enum image_media image_media_type(const char *mt);

/*
 * The runtime part of a config ("config": {Env, WorkingDir, User, Entrypoint, Cmd}) or of a
 * store record (the same under other keys): each value may be absent or null; Env, Entrypoint,
 * Cmd arrays of strings, WorkingDir an absolute path, User a string, all without control
 * characters where they end up in line-based files (Env, WorkingDir, User), within limits that
 * exec(2) and the node's defaults file (lab_image_defaults_read()) can take. On a fault, err
 * (errlen bytes) says what ("Env[3] is not a string") and -EBADMSG is returned.
 */
struct image_runtime {
	json_t *env, *workdir, *user, *entrypoint, *cmd;
};
int image_runtime_check(const struct image_runtime *rt, char *err, size_t errlen);
