/* SPDX-License-Identifier: MIT */
/* The JSON writer's strings are always valid UTF-8 JSON, whatever bytes they are given. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

/* The document for one string value: ["..."] on two lines. */
static char *doc(const char *value)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json j;

	assert_non_null(f);
	json_init(&j, f);
	json_array_begin(&j, NULL);
	json_string(&j, NULL, value);
	json_array_end(&j);
	json_finish(&j);
	fclose(f);
	return buf;
}

static void expect(const char *value, const char *escaped)
{
	char *d = doc(value), want[256];

	snprintf(want, sizeof(want), "[\n  \"%s\"\n]\n", escaped);
	assert_string_equal(d, want);
	free(d);
}

static void test_ascii_and_controls(void **state)
{
	expect("plain", "plain");
	expect("q\"b\\n\nt\tr\r", "q\\\"b\\\\n\\nt\\tr\\r");
	expect("\x01\x1f\x7f", "\\u0001\\u001f\\u007f");
}

static void test_valid_utf8_passes(void **state)
{
	expect("caf\xc3\xa9", "caf\xc3\xa9");                 /* U+00E9 */
	expect("\xe2\x82\xac", "\xe2\x82\xac");               /* U+20AC */
	expect("\xef\xbf\xbf", "\xef\xbf\xbf");               /* U+FFFF */
	expect("\xf0\x9f\x98\x80", "\xf0\x9f\x98\x80");       /* U+1F600 */
	expect("\xf4\x8f\xbf\xbf", "\xf4\x8f\xbf\xbf");       /* U+10FFFF */
}

static void test_invalid_bytes_replaced(void **state)
{
	expect("/tmp/\xff.conf", "/tmp/\\ufffd.conf");
	expect("\x80", "\\ufffd");                            /* lone continuation */
	expect("\xc3", "\\ufffd");                            /* truncated at the end */
	expect("\xc3(", "\\ufffd(");                          /* truncated in the middle */
	expect("\xc0\xaf", "\\ufffd\\ufffd");                 /* overlong '/' */
	expect("\xe0\x80\xaf", "\\ufffd\\ufffd\\ufffd");      /* overlong, 3 bytes */
	expect("\xed\xa0\x80", "\\ufffd\\ufffd\\ufffd");      /* surrogate U+D800 */
	expect("\xf4\x90\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd"); /* above U+10FFFF */
	expect("\xf8\x88\x80\x80\x80", "\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd");
	expect("\xe2\x82", "\\ufffd\\ufffd");
}

static void test_keys_escaped_too(void **state)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	struct json j;

	json_init(&j, f);
	json_object_begin(&j, NULL);
	json_int(&j, "k\xff", 1);
	json_object_end(&j);
	json_finish(&j);
	fclose(f);
	assert_string_equal(buf, "{\n  \"k\\ufffd\": 1\n}\n");
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_controls),
		cmocka_unit_test(test_valid_utf8_passes),
		cmocka_unit_test(test_invalid_bytes_replaced),
		cmocka_unit_test(test_keys_escaped_too),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
