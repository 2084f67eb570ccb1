/* SPDX-License-Identifier: MIT */
/*
 * A string -> size_t hash map (strmap.h), so that huge labs do not parse in quadratic time:
 * FNV-1a, open addressing with linear probing, at most half full.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "strmap.h"

static uint64_t strmap_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

size_t strmap_get(const struct strmap *m, const char *key)
{
	if (m->cap == 0)
		return STRMAP_NONE;
	for (size_t i = strmap_hash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
		if (!m->e[i].key)
			return STRMAP_NONE;
		if (streq(m->e[i].key, key))
			return m->e[i].value;
	}
}

static void strmap_insert(struct strmap_entry *e, size_t cap, char *key, size_t value)
{
	size_t i = strmap_hash(key) & (cap - 1);

	while (e[i].key)
		i = (i + 1) & (cap - 1);
	e[i] = (struct strmap_entry){.key = key, .value = value};
}

int strmap_put(struct strmap *m, const char *key, size_t value)
{
	char *k;

	if ((m->n + 1) * 2 > m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 64;
		struct strmap_entry *e = calloc(cap, sizeof(*e));

		if (!e)
			return -ENOMEM;
		for (size_t i = 0; i < m->cap; i++)
			if (m->e[i].key)
				strmap_insert(e, cap, m->e[i].key, m->e[i].value);
		free(m->e);
		m->e = e;
		m->cap = cap;
	}
	k = strdup(key);
	if (!k)
		return -ENOMEM;
	strmap_insert(m->e, m->cap, k, value);
	m->n++;
	return 0;
}

void strmap_done(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->e[i].key);
	free(m->e);
	*m = (struct strmap){};
}
