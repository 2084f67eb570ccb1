/* SPDX-License-Identifier: MIT */
/* The JSON matcher of `wait json`: topotests' json_cmp rules, our differences, the diff. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json-match.h"

static json_t *parse(const char *s)
{
	json_error_t err;
	json_t *v = json_loads(s, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!v)
		fail_msg("bad test JSON %s: %s", s, err.text);
	return v;
}

static bool m(const char *actual, const char *expected)
{
	json_t *a = parse(actual), *e = parse(expected);
	bool r = json_match(a, e);
	struct json_diff d = { 0 };
	int n = json_match_diff(a, e, &d);
	/* The two entry points always agree. */
	assert_int_equal(n == 0, r);
	json_diff_done(&d);
	json_decref(a);
	json_decref(e);
	return r;
}

static void test_objects(void **state)
{
	assert_true(m("{\"a\":1,\"b\":2}", "{\"a\":1}"));
	assert_true(m("{\"a\":1,\"b\":{\"c\":\"x\",\"d\":[1]}}", "{\"b\":{\"c\":\"x\"}}"));
	assert_true(m("{\"a\":1}", "{}"));
	assert_false(m("{\"a\":1}", "{\"a\":2}"));
	assert_false(m("{\"a\":1}", "{\"b\":1}"));
	/* null: the key must be absent. */
	assert_true(m("{\"a\":1}", "{\"b\":null}"));
	assert_false(m("{\"a\":1,\"b\":3}", "{\"b\":null}"));
	/* "*": present, any value. */
	assert_true(m("{\"a\":[1,2]}", "{\"a\":\"*\"}"));
	assert_false(m("{\"b\":1}", "{\"a\":\"*\"}"));
}

static void test_scalars(void **state)
{
	assert_true(m("1", "1"));
	assert_true(m("1.0", "1"));
	assert_true(m("1", "1.0"));
	assert_false(m("1", "2"));
	assert_true(m("\"Full\"", "\"Full\""));
	assert_false(m("\"Full\"", "\"full\""));
	assert_false(m("\"1\"", "1"));
	assert_true(m("null", "null"));
	assert_true(m("true", "true"));
	/* Where we differ from json_cmp (Python's True == 1). */
	assert_false(m("true", "1"));
	assert_false(m("1", "true"));
	assert_false(m("false", "0"));
	assert_false(m("{\"a\":1}", "[1]"));
	assert_false(m("[1]", "{\"a\":1}"));
	assert_false(m("\"x\"", "[\"x\"]"));
	/* Strings with NUL bytes compare whole. */
	assert_false(m("\"a\\u0000b\"", "\"a\\u0000c\""));
	assert_true(m("\"a\\u0000b\"", "\"a\\u0000b\""));
}

static void test_arrays(void **state)
{
	/* Unordered subset. */
	assert_true(m("[1,2,3]", "[3,1]"));
	assert_true(m("[1,2,3]", "[]"));
	assert_false(m("[1,2,3]", "[4]"));
	assert_false(m("[1,2]", "[1,2,3]"));
	/* Each expected element needs its own actual element. */
	assert_false(m("[1,2]", "[1,1]"));
	assert_true(m("[1,2,1]", "[1,1]"));
	assert_true(m("[{\"n\":\"r2\",\"s\":\"Full\"},{\"n\":\"r3\",\"s\":\"Init\"}]",
		      "[{\"s\":\"Init\"}]"));
	/* json_cmp's first fit would give {"a":1} to the first expected element and fail; an
	 * assignment exists, so it matches. */
	assert_true(m("[{\"a\":1,\"b\":2},{\"a\":1}]", "[{\"a\":1},{\"a\":1,\"b\":2}]"));
	/* "*" as an element: any element. */
	assert_true(m("[7,8]", "[\"*\",8]"));
	assert_false(m("[8]", "[\"*\",8]"));
	/* __ordered__: position by position, equal lengths. */
	assert_true(m("[1,2,3]", "[\"__ordered__\",1,2,3]"));
	assert_false(m("[1,3,2]", "[\"__ordered__\",1,2,3]"));
	assert_false(m("[1,2,3]", "[\"__ordered__\",1,2]"));
	assert_true(m("[{\"a\":1,\"x\":0},{\"b\":2}]", "[\"__ordered__\",{\"a\":1},{\"b\":2}]"));
}

static void test_diff(void **state)
{
	json_t *a = parse("{\"routes\":{\"10.0.0.0/24\":[{\"proto\":\"ospf\",\"metric\":20}]},"
			  "\"state\":\"Init\",\"gone\":1}");
	json_t *e = parse("{\"routes\":{\"10.0.0.0/24\":[{\"proto\":\"ospf\",\"metric\":10}]},"
			  "\"state\":\"Full\",\"missing\":{\"x\":1},\"gone\":null}");
	struct json_diff d = { 0 };

	assert_int_equal(json_match_diff(a, e, &d), 5);
	assert_int_equal(d.total, 5);
	assert_int_equal(d.n, 5);
	/* The unassigned element, then the closest element's own differences. */
	assert_string_equal(d.items[0].path, "$.routes[\"10.0.0.0/24\"]");
	assert_string_equal(d.items[0].note,
			    "no element matches expected element 0; closest is [0]");
	assert_string_equal(d.items[0].expected, "{\"proto\":\"ospf\",\"metric\":10}");
	assert_null(d.items[0].seen);
	assert_string_equal(d.items[1].path, "$.routes[\"10.0.0.0/24\"][0].metric");
	assert_string_equal(d.items[1].expected, "10");
	assert_string_equal(d.items[1].seen, "20");
	assert_string_equal(d.items[2].path, "$.state");
	assert_string_equal(d.items[2].expected, "\"Full\"");
	assert_string_equal(d.items[2].seen, "\"Init\"");
	assert_null(d.items[2].note);
	assert_string_equal(d.items[3].path, "$.missing");
	assert_null(d.items[3].seen);
	assert_string_equal(d.items[3].note, "key missing");
	assert_string_equal(d.items[4].path, "$.gone");
	assert_null(d.items[4].expected);
	assert_string_equal(d.items[4].seen, "1");
	/* One line each, as wait prints them. */
	char line[256];
	json_mismatch_format(&d.items[0], line, sizeof(line));
	assert_string_equal(line, "$.routes[\"10.0.0.0/24\"]: no element matches expected element 0; "
				  "closest is [0]: {\"proto\":\"ospf\",\"metric\":10}");
	json_mismatch_format(&d.items[1], line, sizeof(line));
	assert_string_equal(line, "$.routes[\"10.0.0.0/24\"][0].metric: expected 10, seen 20");
	json_mismatch_format(&d.items[3], line, sizeof(line));
	assert_string_equal(line, "$.missing: missing, expected {\"x\":1}");
	json_mismatch_format(&d.items[4], line, sizeof(line));
	assert_string_equal(line, "$.gone: expected absent, seen 1");
	json_diff_done(&d);
	json_decref(a);
	json_decref(e);
}

static void test_path_quoting(void **state)
{
	json_t *a = parse("{\"a\\\"b\":1}");
	json_t *e = parse("{\"a\\\"b\":2}");
	struct json_diff d = { 0 };

	assert_int_equal(json_match_diff(a, e, &d), 1);
	assert_string_equal(d.items[0].path, "$[\"a\\\"b\"]");
	json_diff_done(&d);
	json_decref(a);
	json_decref(e);
}

static void test_diff_limits(void **state)
{
	/* 100 mismatches, 3 recorded; a long value is cut with "...". */
	json_t *a = json_object(), *e = json_object();
	struct json_diff d = { .max = 3 };
	char key[16], big[1000];

	for (int i = 0; i < 100; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		json_object_set_new(a, key, json_integer(i));
		json_object_set_new(e, key, json_integer(i + 1));
	}
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	json_object_set_new(a, "big", json_string(big));
	json_object_set_new(e, "big", json_string("y"));
	assert_int_equal(json_match_diff(a, e, &d), 101);
	assert_int_equal(d.n, 3);
	assert_int_equal(d.total, 101);
	json_diff_done(&d);

	d = (struct json_diff){ .max = 1 };
	json_t *e2 = parse("{\"big\":\"y\"}");
	assert_int_equal(json_match_diff(a, e2, &d), 1);
	assert_int_equal(strlen(d.items[0].seen), JSON_MATCH_VALUE_MAX);
	assert_string_equal(d.items[0].seen + JSON_MATCH_VALUE_MAX - 3, "...");
	json_diff_done(&d);
	json_decref(e2);
	json_decref(a);
	json_decref(e);
}

static void test_type_and_length(void **state)
{
	json_t *a = parse("{\"n\":[1,2],\"o\":\"str\"}");
	json_t *e = parse("{\"n\":[1,2,3],\"o\":{\"x\":1}}");
	struct json_diff d = { 0 };

	assert_int_equal(json_match_diff(a, e, &d), 2);
	assert_string_equal(d.items[0].path, "$.n");
	assert_string_equal(d.items[0].note, "array has 2 elements, expected at least 3");
	assert_string_equal(d.items[1].path, "$.o");
	assert_string_equal(d.items[1].note, "a string, expected an object");
	json_diff_done(&d);
	json_decref(a);
	json_decref(e);
}

static void test_big(void **state)
{
	/* 20000 elements, two to find, near the end: quick, and found. */
	json_t *a = json_array();
	for (int i = 0; i < 20000; i++) {
		json_t *r = json_object();
		char dst[32];
		snprintf(dst, sizeof(dst), "10.%d.%d.0/24", i / 256, i % 256);
		json_object_set_new(r, "dst", json_string(dst));
		json_object_set_new(r, "protocol", json_string("bird"));
		json_array_append_new(a, r);
	}
	json_t *e = parse("[{\"dst\":\"10.78.30.0/24\"},{\"dst\":\"10.77.0.0/24\"}]");
	assert_true(json_match(a, e));
	json_t *e2 = parse("[{\"dst\":\"10.99.0.0/24\"}]");
	assert_false(json_match(a, e2));
	json_decref(e);
	json_decref(e2);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects),	    cmocka_unit_test(test_scalars),
		cmocka_unit_test(test_arrays),	    cmocka_unit_test(test_diff),
		cmocka_unit_test(test_diff_limits), cmocka_unit_test(test_type_and_length),
		cmocka_unit_test(test_big),	    cmocka_unit_test(test_path_quoting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
