/* SPDX-License-Identifier: MIT */
/* What the image store checks of an image before it believes it (image-check.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "image-check.h"

bool image_name_valid(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > IMAGE_NAME_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

void image_auto_name(const char *ref, const char *ref_sha256, char *buf)
{
	size_t n = strlen(ref), keep = n <= IMAGE_NAME_MAX ? n : IMAGE_NAME_MAX - 17;

	for (size_t k = 0; k < keep; k++) {
		char c = ref[k];
		buf[k] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
				 c == '-' || c == '.'
			 ? c
			 : '_';
	}
	if (keep < n)
		snprintf(buf + keep, 18, "-%.16s", ref_sha256);
	else
		buf[keep] = '\0';
	if (buf[0] == '.')
		buf[0] = '_';
}

bool image_hex_valid(const char *s)
{
	return strlen(s) == IMAGE_HEXLEN && strspn(s, "0123456789abcdef") == IMAGE_HEXLEN;
}

bool image_digest_hex(const char *digest, const char **ret_hex)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || !image_hex_valid(digest + 7))
		return false;
	*ret_hex = digest + 7;
	return true;
}

int image_entry_path_check(const char *path)
{
	size_t depth = 0;

	if (strlen(path) >= IMAGE_PATH_MAX)
		return -ENAMETOOLONG;
	for (const char *p = path; *p;) {
		size_t n = strcspn(p, "/");
		if (n > NAME_MAX || (n > 0 && ++depth > IMAGE_DEPTH_MAX))
			return -ENAMETOOLONG;
		p += n + (p[n] == '/');
	}
	return 0;
}

int image_whiteout_parse(const char *path, char *dir, size_t size, const char **ret_name)
{
	const char *base = strrchr(path, '/'), *p = path;
	size_t k = 0;

	base = base ? base + 1 : path;
	if (strncmp(base, ".wh.", 4) != 0)
		return IMAGE_WH_NONE;
	/* Checked before the directory: an entry libarchive would refuse is refused here too,
	 * not half applied by hand. */
	if (*path == '/')
		return -EXDEV;
	if (size == 0)
		return -ENAMETOOLONG;
	dir[0] = '\0';
	while (p < base) {
		size_t n = strcspn(p, "/");
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return -EXDEV;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (k + (k > 0) + n >= size)
				return -ENAMETOOLONG;
			if (k > 0)
				dir[k++] = '/';
			memcpy(dir + k, p, n);
			dir[k += n] = '\0';
		}
		p += n + (p[n] == '/');
	}
	if (strlen(base) > NAME_MAX)
		return -ENAMETOOLONG;
	if (strcmp(base, ".wh..wh..opq") == 0)
		return IMAGE_WH_OPAQUE;
	base += 4;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return -EINVAL;
	*ret_name = base;
	return IMAGE_WH_FILE;
}

enum image_media image_media_type(const char *mt)
{
	static const struct {
		const char *prefix;
		enum image_media kind;
	} table[] = {
		{ "application/vnd.oci.image.index.v1+json", IMAGE_MT_INDEX },
		{ "application/vnd.docker.distribution.manifest.list.v2+json", IMAGE_MT_INDEX },
		{ "application/vnd.oci.image.manifest.v1+json", IMAGE_MT_MANIFEST },
		{ "application/vnd.docker.distribution.manifest.v2+json", IMAGE_MT_MANIFEST },
		{ "application/vnd.oci.image.config.v1+json", IMAGE_MT_CONFIG },
		{ "application/vnd.docker.container.image.v1+json", IMAGE_MT_CONFIG },
		/* +gzip, +zstd, and the nondistributable and foreign variants: libarchive reads
		 * every compression it knows. */
		{ "application/vnd.oci.image.layer.", IMAGE_MT_LAYER },
		{ "application/vnd.docker.image.rootfs.diff.tar", IMAGE_MT_LAYER },
		{ "application/vnd.docker.image.rootfs.foreign.diff.tar", IMAGE_MT_LAYER },
	};

	if (!mt)
		return IMAGE_MT_NONE;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		size_t n = strlen(table[i].prefix);
		if (strncmp(mt, table[i].prefix, n) == 0 &&
		    (table[i].kind == IMAGE_MT_LAYER || mt[n] == '\0'))
			return table[i].kind;
	}
	return IMAGE_MT_OTHER;
}

/* Limits: one string of exec(2) (MAX_ARG_STRLEN), and what the node's defaults file keeps
 * (lab-internal.h: IMAGE_ENV_MAX == LAB_IMAGE_ENV_MAX entries in a 16 KiB buffer with the image's reference). */
#define ARG_STRLEN_MAX (128 * 1024)
#define ARGV_MAX 4096
#define ARGV_BYTES_MAX (1024 * 1024)
#define DEFAULTS_BYTES_MAX 8192
#define USER_MAX 256

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* A string value: -EBADMSG (said in err) if it is not one, too long, or (line) has a control
 * character. name is "User" or "Env[3]". */
static int check_string(json_t *v, const char *name, size_t max, bool line, size_t *total,
			char *err, size_t errlen)
{
	const char *s = json_string_value(v);

	if (!s) {
		snprintf(err, errlen, "%s is not a string", name);
		return -EBADMSG;
	}
	/* jansson refuses \u0000 unless asked (JSON_ALLOW_NUL): a string is what strlen says. */
	if (json_string_length(v) > max) {
		snprintf(err, errlen, "%s is longer than %zu bytes", name, max);
		return -EBADMSG;
	}
	if (line && has_control(s)) {
		snprintf(err, errlen, "%s has a control character", name);
		return -EBADMSG;
	}
	*total += json_string_length(v);
	return 0;
}

static int check_strv(json_t *a, const char *name, size_t max_n, size_t max_len, bool env,
		      size_t *total, char *err, size_t errlen)
{
	size_t i;
	json_t *v;

	if (!a || json_is_null(a))
		return 0;
	if (!json_is_array(a)) {
		snprintf(err, errlen, "%s is not an array of strings", name);
		return -EBADMSG;
	}
	if (json_array_size(a) > max_n) {
		snprintf(err, errlen, "%s has %zu entries, at most %zu are taken", name,
			 json_array_size(a), max_n);
		return -EBADMSG;
	}
	json_array_foreach(a, i, v) {
		char what[32];
		int r;

		snprintf(what, sizeof(what), "%s[%zu]", name, i);
		r = check_string(v, what, max_len, env, total, err, errlen);
		if (r < 0)
			return r;
		if (env && (json_string_value(v)[0] == '=' || !strchr(json_string_value(v), '='))) {
			snprintf(err, errlen, "%s '%.64s' is not KEY=VALUE", what, json_string_value(v));
			return -EBADMSG;
		}
	}
	return 0;
}

int image_runtime_check(const struct image_runtime *rt, char *err, size_t errlen)
{
	size_t line_bytes = 0, argv_bytes = 0;
	int r;

	r = check_strv(rt->env, "Env", IMAGE_ENV_MAX, DEFAULTS_BYTES_MAX, true, &line_bytes,
		       err, errlen);
	if (r >= 0 && rt->workdir && !json_is_null(rt->workdir))
		r = check_string(rt->workdir, "WorkingDir", PATH_MAX - 1, true, &line_bytes, err,
				 errlen);
	if (r >= 0 && json_string_value(rt->workdir) && json_string_value(rt->workdir)[0] &&
	    json_string_value(rt->workdir)[0] != '/') {
		snprintf(err, errlen, "WorkingDir '%.64s' is not an absolute path",
			 json_string_value(rt->workdir));
		r = -EBADMSG;
	}
	if (r >= 0 && rt->user && !json_is_null(rt->user))
		r = check_string(rt->user, "User", USER_MAX, true, &line_bytes, err, errlen);
	if (r >= 0 && line_bytes > DEFAULTS_BYTES_MAX) {
		snprintf(err, errlen, "Env, WorkingDir and User take %zu bytes, at most %d",
			 line_bytes, DEFAULTS_BYTES_MAX);
		r = -EBADMSG;
	}
	if (r >= 0)
		r = check_strv(rt->entrypoint, "Entrypoint", ARGV_MAX, ARG_STRLEN_MAX, false,
			       &argv_bytes, err, errlen);
	if (r >= 0)
		r = check_strv(rt->cmd, "Cmd", ARGV_MAX, ARG_STRLEN_MAX, false, &argv_bytes, err,
			       errlen);
	if (r >= 0 && argv_bytes > ARGV_BYTES_MAX) {
		snprintf(err, errlen, "Entrypoint and Cmd take %zu bytes, at most %d", argv_bytes,
			 ARGV_BYTES_MAX);
		r = -EBADMSG;
	}
	return r;
}
