/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: what the image store believes of an image (src/lab/image-check.c), on
 * arbitrary bytes. The bytes are parsed as JSON as the store parses a manifest, config or
 * record (duplicate keys refused), and the config's runtime part is checked; the bytes are
 * also a layer entry's path for the whiteout parser.
 *
 * Besides the sanitizers' checks, it asserts what the checks promise: an accepted Env entry is
 * KEY=VALUE without a control character, an accepted WorkingDir absolute, and an accepted
 * whiteout's directory has no '..' or empty component and does not start with '/', its name
 * neither '.' nor '..' nor containing '/'. Run by `FUZZ_TARGET=image scripts/fuzz`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_runtime(json_t *c)
{
	struct image_runtime rt = { json_object_get(c, "Env"), json_object_get(c, "WorkingDir"),
				    json_object_get(c, "User"), json_object_get(c, "Entrypoint"),
				    json_object_get(c, "Cmd") };
	char err[256];
	size_t i;
	json_t *v;

	if (image_runtime_check(&rt, err, sizeof(err)) < 0)
		return;
	json_array_foreach(rt.env, i, v) {
		const char *s = json_string_value(v);
		if (!s || !strchr(s, '=') || *s == '=' || strchr(s, '\n'))
			abort();
	}
	if (json_string_value(rt.workdir) && *json_string_value(rt.workdir) &&
	    *json_string_value(rt.workdir) != '/')
		abort();
	if (json_string_value(rt.user) && strchr(json_string_value(rt.user), '\n'))
		abort();
}

static void check_whiteout(const char *path)
{
	char dir[4096];
	const char *name = NULL;
	int r = image_whiteout_parse(path, dir, sizeof(dir), &name);

	(void)image_entry_path_check(path);
	if (r < 0 || r == IMAGE_WH_NONE)
		return;
	if (dir[0] == '/' || strstr(dir, "//") || (dir[0] && dir[strlen(dir) - 1] == '/'))
		abort();
	for (const char *p = dir; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 2 && p[0] == '.' && p[1] == '.') || (n == 1 && p[0] == '.'))
			abort();
		p += n + (p[n] == '/');
	}
	if (r == IMAGE_WH_FILE && (!name || !*name || strchr(name, '/') || !strcmp(name, ".") ||
				   !strcmp(name, "..")))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	json_error_t e;
	json_t *j;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	check_whiteout(s);
	j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
	if (j) {
		const char *hex;
		(void)image_media_type(json_string_value(json_object_get(j, "mediaType")));
		(void)image_digest_hex(json_string_value(json_object_get(j, "digest")), &hex);
		(void)image_name_valid(json_string_value(json_object_get(j, "name")) ?: "");
		check_runtime(json_object_get(j, "config"));
		check_runtime(j);
		json_decref(j);
	}
	free(s);
	return 0;
}
