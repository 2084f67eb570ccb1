/* SPDX-License-Identifier: MIT */
/* What the image store believes of an image (src/lab/image-check.c): whiteouts, entry paths,
 * digests, media types, names, the config's runtime part. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "image-check.h"

static void wh(const char *path, int want, const char *want_dir, const char *want_name)
{
	char dir[64] = "unset";
	const char *name = NULL;
	int r = image_whiteout_parse(path, dir, sizeof(dir), &name);

	if (r != want)
		fail_msg("'%s': %d, not %d", path, r, want);
	if (want_dir)
		assert_string_equal(dir, want_dir);
	if (want_name)
		assert_string_equal(name, want_name);
}

static void test_whiteout(void **state)
{
	(void)state;
	wh("etc/passwd", IMAGE_WH_NONE, NULL, NULL);
	wh("etc/.whx", IMAGE_WH_NONE, NULL, NULL);
	wh(".wh..wh..opq", IMAGE_WH_OPAQUE, "", NULL);
	wh("./opt/.wh..wh..opq", IMAGE_WH_OPAQUE, "opt", NULL);
	wh("etc/.wh.os-release", IMAGE_WH_FILE, "etc", "os-release");
	wh(".wh.top", IMAGE_WH_FILE, "", "top");
	wh("./a//b/./c/.wh.d", IMAGE_WH_FILE, "a/b/c", "d");
	wh("etc/.wh..hidden", IMAGE_WH_FILE, "etc", ".hidden");
	/* Out of the layer: refused before anything is made. */
	wh("../etc/.wh.x", -EXDEV, NULL, NULL);
	wh("a/../../.wh.x", -EXDEV, NULL, NULL);
	wh("a/../.wh.x", -EXDEV, NULL, NULL); /* even when it stays in: libarchive refuses it */
	wh("/etc/.wh.shadow", -EXDEV, NULL, NULL);
	wh("/.wh..wh..opq", -EXDEV, NULL, NULL);
	wh("..", IMAGE_WH_NONE, NULL, NULL);
	/* Names no file. */
	wh("etc/.wh.", -EINVAL, NULL, NULL);
	wh("etc/.wh..", -EINVAL, NULL, NULL);
	wh("etc/.wh...", -EINVAL, NULL, NULL);
	/* Too long for the buffer, or a name over NAME_MAX. */
	wh("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/.wh.x",
	   -ENAMETOOLONG, NULL, NULL);
	char long_name[400] = "etc/.wh.";
	memset(long_name + 8, 'w', 300);
	long_name[308] = '\0';
	wh(long_name, -ENAMETOOLONG, NULL, NULL);
}

static void test_entry_path(void **state)
{
	char *p = malloc(IMAGE_PATH_MAX + 1);

	(void)state;
	assert_int_equal(image_entry_path_check("etc/passwd"), 0);
	assert_int_equal(image_entry_path_check("./a//b/"), 0);
	memset(p, 'a', 255);
	p[255] = '\0';
	assert_int_equal(image_entry_path_check(p), 0);
	p[255] = 'a';
	p[256] = '\0';
	assert_int_equal(image_entry_path_check(p), -ENAMETOOLONG);
	for (size_t i = 0; i < IMAGE_DEPTH_MAX * 2; i += 2)
		memcpy(p + i, "d/", 2);
	p[IMAGE_DEPTH_MAX * 2 - 1] = '\0'; /* IMAGE_DEPTH_MAX components */
	assert_int_equal(image_entry_path_check(p), 0);
	memcpy(p + IMAGE_DEPTH_MAX * 2 - 1, "/d", 3);
	assert_int_equal(image_entry_path_check(p), -ENAMETOOLONG);
	memset(p, 'a', IMAGE_PATH_MAX);
	for (size_t i = 100; i < IMAGE_PATH_MAX; i += 100)
		p[i] = '/';
	p[IMAGE_PATH_MAX] = '\0';
	assert_int_equal(image_entry_path_check(p), -ENAMETOOLONG);
	p[IMAGE_PATH_MAX - 1] = '\0';
	assert_int_equal(image_entry_path_check(p), 0);
	free(p);
}

/* A reference's store name: one of its own even when two long references are alike for the
 * first IMAGE_NAME_MAX bytes (they used to share the name cut there). */
static void test_auto_name(void **state)
{
	char a[IMAGE_NAME_MAX + 64], b[IMAGE_NAME_MAX + 64], na[IMAGE_NAME_MAX + 1],
		nb[IMAGE_NAME_MAX + 1], want[IMAGE_NAME_MAX + 1];
	const char *ha = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
		   *hb = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

	(void)state;
	image_auto_name("oci-archive:/srv/img/bird.tar", ha, na);
	assert_string_equal(na, "oci-archive__srv_img_bird.tar");
	image_auto_name(".hidden/x.tar", ha, na);
	assert_string_equal(na, "_hidden_x.tar");
	image_auto_name("", ha, na);
	assert_false(image_name_valid(na));

	/* Exactly IMAGE_NAME_MAX: kept whole, no hash. */
	memset(a, 'x', IMAGE_NAME_MAX);
	a[IMAGE_NAME_MAX] = '\0';
	image_auto_name(a, ha, na);
	assert_string_equal(na, a);

	/* Longer, alike for the first IMAGE_NAME_MAX bytes and more: their hashes part them. */
	memset(a, 'x', sizeof(a) - 1);
	a[sizeof(a) - 1] = '\0';
	strcpy(b, a);
	a[sizeof(a) - 2] = '1';
	b[sizeof(b) - 2] = '2';
	image_auto_name(a, ha, na);
	image_auto_name(b, hb, nb);
	assert_int_equal(strlen(na), IMAGE_NAME_MAX);
	assert_true(image_name_valid(na));
	assert_true(image_name_valid(nb));
	assert_string_not_equal(na, nb);
	memset(want, 'x', IMAGE_NAME_MAX - 17);
	strcpy(want + IMAGE_NAME_MAX - 17, "-0123456789abcdef");
	assert_string_equal(na, want);
}

static void test_digest_name(void **state)
{
	const char *hex = NULL;
	char d[80] = "sha256:";

	(void)state;
	memset(d + 7, 'a', IMAGE_HEXLEN);
	d[7 + IMAGE_HEXLEN] = '\0';
	assert_true(image_digest_hex(d, &hex));
	assert_ptr_equal(hex, d + 7);
	d[10] = 'A';
	assert_false(image_digest_hex(d, &hex));
	d[10] = '/';
	assert_false(image_digest_hex(d, &hex));
	d[10] = 'a';
	strcat(d, "0");
	assert_false(image_digest_hex(d, &hex));
	assert_false(image_digest_hex("sha256:../../../../etc/passwd", &hex));
	assert_false(image_digest_hex("sha512:aa", &hex));
	assert_false(image_digest_hex(NULL, &hex));
	assert_false(image_hex_valid(""));

	assert_true(image_name_valid("busybox-1.36_x.y"));
	assert_false(image_name_valid(""));
	assert_false(image_name_valid("."));
	assert_false(image_name_valid(".."));
	assert_false(image_name_valid(".hidden"));
	assert_false(image_name_valid("a/b"));
	assert_false(image_name_valid("a b"));
	assert_false(image_name_valid("a\nb"));
	char n[IMAGE_NAME_MAX + 2];
	memset(n, 'x', sizeof(n) - 1);
	n[IMAGE_NAME_MAX] = '\0';
	assert_true(image_name_valid(n));
	n[IMAGE_NAME_MAX] = 'x';
	n[IMAGE_NAME_MAX + 1] = '\0';
	assert_false(image_name_valid(n));
}

static void test_media(void **state)
{
	(void)state;
	assert_int_equal(image_media_type(NULL), IMAGE_MT_NONE);
	assert_int_equal(image_media_type("application/vnd.oci.image.index.v1+json"), IMAGE_MT_INDEX);
	assert_int_equal(image_media_type("application/vnd.docker.distribution.manifest.list.v2+json"),
			 IMAGE_MT_INDEX);
	assert_int_equal(image_media_type("application/vnd.oci.image.manifest.v1+json"),
			 IMAGE_MT_MANIFEST);
	assert_int_equal(image_media_type("application/vnd.oci.image.manifest.v1+jsonx"),
			 IMAGE_MT_OTHER);
	assert_int_equal(image_media_type("application/vnd.docker.container.image.v1+json"),
			 IMAGE_MT_CONFIG);
	assert_int_equal(image_media_type("application/vnd.oci.image.layer.v1.tar+zstd"),
			 IMAGE_MT_LAYER);
	assert_int_equal(image_media_type("application/vnd.docker.image.rootfs.diff.tar.gzip"),
			 IMAGE_MT_LAYER);
	assert_int_equal(image_media_type("application/vnd.cncf.helm.chart.content.v1.tar+gzip"),
			 IMAGE_MT_OTHER);
	assert_int_equal(image_media_type(""), IMAGE_MT_OTHER);
}

/* image_runtime_check() of the config JSON text cfg: 0, or -EBADMSG with err containing want. */
static void rt(const char *cfg, const char *want)
{
	json_error_t e;
	json_t *c = json_loads(cfg, 0, &e);
	struct image_runtime r;
	char err[256] = "";
	int k;

	if (!c)
		fail_msg("bad test JSON %s: %s", cfg, e.text);
	r = (struct image_runtime){ json_object_get(c, "Env"), json_object_get(c, "WorkingDir"),
				    json_object_get(c, "User"), json_object_get(c, "Entrypoint"),
				    json_object_get(c, "Cmd") };
	k = image_runtime_check(&r, err, sizeof(err));
	json_decref(c);
	if (!want && k != 0)
		fail_msg("%s refused: %s", cfg, err);
	if (want && (k != -EBADMSG || !strstr(err, want)))
		fail_msg("%s: %d '%s', wanted '%s'", cfg, k, err, want);
}

static void test_runtime(void **state)
{
	(void)state;
	rt("{}", NULL);
	rt("{\"Env\":null,\"Cmd\":null,\"Entrypoint\":null,\"User\":null,\"WorkingDir\":null}", NULL);
	rt("{\"Env\":[\"PATH=/bin\",\"A=\"],\"WorkingDir\":\"/srv\",\"User\":\"bird:bird\","
	   "\"Entrypoint\":[\"/bin/sh\",\"-c\"],\"Cmd\":[\"echo\\ta\\nb\"],\"WorkingDir\":\"\"}", NULL);
	rt("{\"Env\":\"A=1\"}", "Env is not an array");
	rt("{\"Env\":[\"A=1\",2]}", "Env[1] is not a string");
	rt("{\"Env\":[\"=1\"]}", "Env[0] '=1' is not KEY=VALUE");
	rt("{\"Env\":[\"A\"]}", "Env[0] 'A' is not KEY=VALUE");
	rt("{\"Env\":[\"A=1\\nB=2\"]}", "Env[0] has a control character");
	rt("{\"User\":0}", "User is not a string");
	rt("{\"User\":\"a\\rb\"}", "User has a control character");
	rt("{\"WorkingDir\":[]}", "WorkingDir is not a string");
	rt("{\"WorkingDir\":\"srv\"}", "WorkingDir 'srv' is not an absolute path");
	rt("{\"WorkingDir\":\"/\\u001b[31m\"}", "WorkingDir has a control character");
	rt("{\"Entrypoint\":[\"sh\",{}]}", "Entrypoint[1] is not a string");
	rt("{\"Cmd\":\"sh\"}", "Cmd is not an array");

	/* Limits: of count, of one string, of the whole. */
	json_t *c = json_object(), *env = json_array(), *cmd = json_array();
	char *big = malloc(200000);
	char err[256];
	memset(big, 'x', 199999);
	big[199999] = '\0';
	for (int i = 0; i < IMAGE_ENV_MAX; i++)
		json_array_append_new(env, json_string("K=v"));
	struct image_runtime r = { .env = env, .cmd = cmd };
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), 0);
	json_array_append_new(env, json_string("K=v"));
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "Env has 65 entries"));
	json_array_clear(env);
	json_array_append_new(cmd, json_string(big));
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "Cmd[0] is longer than"));
	json_array_clear(cmd);
	big[100000] = '\0';
	for (int i = 0; i < 11; i++)
		json_array_append_new(cmd, json_string(big));
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "Entrypoint and Cmd take"));
	big[6000] = '\0';
	big[0] = 'A';
	big[1] = '=';
	json_array_clear(cmd);
	json_array_append_new(env, json_string(big));
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), 0);
	json_array_append_new(env, json_string(big));
	assert_int_equal(image_runtime_check(&r, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "Env, WorkingDir and User take"));
	free(big);
	json_decref(env);
	json_decref(cmd);
	json_decref(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whiteout),     cmocka_unit_test(test_entry_path),
		cmocka_unit_test(test_digest_name),  cmocka_unit_test(test_media),
		cmocka_unit_test(test_runtime),      cmocka_unit_test(test_auto_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
