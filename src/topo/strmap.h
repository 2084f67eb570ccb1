/* SPDX-License-Identifier: MIT */
/*
 * A string -> size_t hash map (strmap.c): the parser's names (nodes, switches, interfaces)
 * looked up in constant time, for labs of up to a million names. Zero-initialise a map
 * (`struct strmap m = {}`) before use; keys are copied.
 */
#pragma once

#include <stddef.h>

#define STRMAP_NONE ((size_t)-1)

struct strmap_entry {
	char *key;
	size_t value;
};

struct strmap {
	struct strmap_entry *e;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

/* The value of key, or STRMAP_NONE. */
size_t strmap_get(const struct strmap *m, const char *key);
/* Adds key (copied), which must not be in the map yet. 0 or -ENOMEM. */
int strmap_put(struct strmap *m, const char *key, size_t value);
/* Frees every key and the table; the map is empty and usable again. */
void strmap_done(struct strmap *m);
