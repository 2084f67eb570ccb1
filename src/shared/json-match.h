/* SPDX-License-Identifier: MIT */
/*
 * Does a JSON document contain an expected one? `netlab wait NODE json --match`. Pure (no
 * syscalls); documents are parsed by jansson, which owns every value given here.
 *
 * The rules are those of FRR topotests' json_cmp(), which protocol developers know:
 *   - an object matches when every key of the expected object is there and its value matches
 *     (extra keys are fine); an expected value null means "this key must be absent";
 *   - the string "*" matches any value that is present;
 *   - scalars match by equality; integers and reals compare as numbers (1 matches 1.0);
 *   - an array matches when every expected element matches a distinct element of the actual
 *     array, in any order; an expected array whose first element is "__ordered__" matches
 *     element by element, in order, and the lengths must be equal.
 * Where this differs from json_cmp (docs/netlab.1.scd, "JSON conditions"):
 *   - unordered arrays: we look for a one-to-one assignment of expected elements to actual ones
 *     (augmenting paths), so a match is found whenever one exists; json_cmp takes the first
 *     actual element that fits and can fail when an earlier expected element took the one a
 *     later one needed;
 *   - true and false equal only themselves (in Python, json_cmp's true == 1).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* One place where the documents differ. Strings are malloc'd; expected or seen is NULL when
 * that side has nothing there (a key expected absent, a key missing). Values are compact JSON,
 * cut to JSON_MATCH_VALUE_MAX bytes with "..." at the end. */
struct json_mismatch {
	char *path;     /* "$", "$.routes[\"10.0.0.0/24\"][0].nexthops" */
	char *expected;
	char *seen;
	char *note;     /* why, when the values alone do not say it (may be NULL) */
};

#define JSON_MATCH_VALUE_MAX 160

/* jansson's value (jansson.h); not included here, as the CLI's JSON writer (json.h) has
 * functions of the same names. */
struct json_t;

struct json_diff {
	struct json_mismatch *items;
	size_t n;     /* recorded (at most max) */
	size_t max;   /* how many to record; 0 means 20 */
	size_t total; /* every mismatch found, recorded or not */
};

/* Whether actual contains expected (rules above). */
bool json_match(const struct json_t *actual, const struct json_t *expected);

/* The same, recording the mismatches into *d (which the caller zeroes, or sets max in). Returns
 * the number of mismatches (0: it matches), or -ENOMEM. */
int json_match_diff(const struct json_t *actual, const struct json_t *expected,
		    struct json_diff *d);

void json_diff_done(struct json_diff *d);

/* One mismatch on one line, as `wait` prints it: "PATH: expected E, seen S (NOTE)", "PATH:
 * missing, expected E", "PATH: expected absent, seen S", "PATH: NOTE: E". Returns snprintf's
 * count. */
int json_mismatch_format(const struct json_mismatch *m, char *buf, size_t size);
