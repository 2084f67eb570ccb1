/* SPDX-License-Identifier: MIT */
/* The rules, and where they differ from topotests' json_cmp(), are in json-match.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "json-match.h"
#include "macro.h"

struct ctx {
	struct json_diff *d; /* NULL: count only */
	char path[1024];
	size_t plen;
	bool oom;
};

static size_t cmp(struct ctx *c, const json_t *a, const json_t *e);

/* ---- paths -------------------------------------------------------------------------------- */

static size_t path_push(struct ctx *c, const char *fmt, ...) _printf_(2, 3);
static size_t path_push(struct ctx *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int n;

	if (!c->d || c->plen + 1 >= sizeof(c->path))
		return old;
	va_start(ap, fmt);
	n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
	va_end(ap);
	if (n > 0)
		c->plen = c->plen + (size_t)n < sizeof(c->path) ? c->plen + (size_t)n
								: sizeof(c->path) - 1;
	return old;
}

static void path_pop(struct ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* `.key` when the key is a plain name, else `["key"]` with the key as a JSON string. */
static size_t path_key(struct ctx *c, const char *key)
{
	bool plain = (key[0] >= 'A' && key[0] <= 'Z') || (key[0] >= 'a' && key[0] <= 'z') ||
		     key[0] == '_';
	for (const char *p = key; plain && *p; p++)
		plain = (*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
			(*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
	if (!c->d)
		return c->plen;
	if (plain)
		return path_push(c, ".%s", key);
	/* Quoted by hand: jansson's json_string() shares its name with the writer of json.h, and
	 * in the netlab binary the call would reach that one. */
	size_t old = path_push(c, "[\"");
	for (const char *p = key; *p; p++) {
		if (*p == '"' || *p == '\\')
			path_push(c, "\\%c", *p);
		else if ((unsigned char)*p < 0x20)
			path_push(c, "\\u%04x", (unsigned)*p);
		else
			path_push(c, "%c", *p);
	}
	path_push(c, "\"]");
	return old;
}

/* ---- recording ---------------------------------------------------------------------------- */

static char *render(const json_t *v)
{
	char *s;
	size_t len;

	if (!v)
		return NULL;
	s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	if (!s)
		return NULL;
	len = strlen(s);
	if (len > JSON_MATCH_VALUE_MAX)
		memcpy(s + JSON_MATCH_VALUE_MAX - 3, "...", 4);
	return s;
}

static size_t record(struct ctx *c, const json_t *expected, const json_t *seen, const char *fmt,
		     ...) _printf_(4, 5);
static size_t record(struct ctx *c, const json_t *expected, const json_t *seen, const char *fmt,
		     ...)
{
	struct json_diff *d = c->d;
	struct json_mismatch *m;
	va_list ap;

	if (!d)
		return 1;
	d->total++;
	if (d->n >= (d->max ? d->max : 20))
		return 1;
	if (!d->items) {
		d->items = calloc(d->max ? d->max : 20, sizeof(*d->items));
		if (!d->items) {
			c->oom = true;
			return 1;
		}
	}
	m = &d->items[d->n++];
	m->path = strdup(c->path);
	m->expected = render(expected);
	m->seen = render(seen);
	if (fmt) {
		va_start(ap, fmt);
		if (vasprintf(&m->note, fmt, ap) < 0)
			m->note = NULL;
		va_end(ap);
	}
	if (!m->path || (expected && !m->expected) || (seen && !m->seen))
		c->oom = true;
	return 1;
}

/* ---- comparison --------------------------------------------------------------------------- */

static bool is_star(const json_t *e)
{
	return json_is_string(e) && json_string_length(e) == 1 && json_string_value(e)[0] == '*';
}

static bool scalar_equal(const json_t *a, const json_t *e)
{
	if (json_is_number(a) && json_is_number(e)) {
		if (json_is_integer(a) && json_is_integer(e))
			return json_integer_value(a) == json_integer_value(e);
		return json_number_value(a) == json_number_value(e);
	}
	if (json_is_string(a) && json_is_string(e))
		return json_string_length(a) == json_string_length(e) &&
		       memcmp(json_string_value(a), json_string_value(e), json_string_length(a)) == 0;
	/* true, false, null: jansson keeps one instance of each. */
	return json_typeof(a) == json_typeof(e);
}

static const char *type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "?";
}

static size_t cmp_object(struct ctx *c, const json_t *a, const json_t *e)
{
	const char *key;
	json_t *ev;
	size_t n = 0;

	json_object_foreach((json_t *)e, key, ev) {
		json_t *av = json_object_get(a, key);
		size_t old = path_key(c, key);

		if (json_is_null(ev)) {
			if (av)
				n += record(c, NULL, av, "key expected absent");
		} else if (!av)
			n += record(c, ev, NULL, "key missing");
		else
			n += cmp(c, av, ev);
		path_pop(c, old);
	}
	return n;
}

static size_t cmp_ordered(struct ctx *c, const json_t *a, const json_t *e)
{
	size_t ne = json_array_size(e) - 1, na = json_array_size(a), n = 0;

	if (ne != na)
		return record(c, e, a, "ordered array: %zu elements, expected %zu", na, ne);
	for (size_t i = 0; i < na; i++) {
		size_t old = path_push(c, "[%zu]", i);
		n += cmp(c, json_array_get(a, i), json_array_get(e, i + 1));
		path_pop(c, old);
	}
	return n;
}

/* Unordered arrays: a one-to-one assignment of expected elements to actual ones, by augmenting
 * paths (Kuhn) over the "element i fits element j" relation. */
struct assign {
	const uint8_t *fits; /* bit i * na + j */
	size_t na;
	size_t *owner;      /* per actual element: the expected one it holds, or SIZE_MAX */
	uint8_t *visited;   /* per actual element, per search */
};

static bool fits(const struct assign *s, size_t i, size_t j)
{
	size_t b = i * s->na + j;
	return s->fits[b / 8] & (1u << (b % 8));
}

static bool augment(struct assign *s, size_t i)
{
	for (size_t j = 0; j < s->na; j++) {
		if (s->visited[j] || !fits(s, i, j))
			continue;
		s->visited[j] = 1;
		if (s->owner[j] == SIZE_MAX || augment(s, s->owner[j])) {
			s->owner[j] = i;
			return true;
		}
	}
	return false;
}

static size_t report_unassigned(struct ctx *c, const json_t *a, const json_t *e, size_t i,
				size_t closest)
{
	const json_t *ev = json_array_get(e, i);
	size_t n;

	if (!c->d)
		return 1;
	if (closest == SIZE_MAX || !(json_is_object(ev) || json_is_array(ev)))
		return record(c, ev, NULL, "no element matches expected element %zu", i);
	n = record(c, ev, NULL, "no element matches expected element %zu; closest is [%zu]", i,
		   closest);
	size_t old = path_push(c, "[%zu]", closest);
	n += cmp(c, json_array_get(a, closest), ev);
	path_pop(c, old);
	return n;
}

static size_t cmp_unordered(struct ctx *c, const json_t *a, const json_t *e)
{
	size_t ne = json_array_size(e), na = json_array_size(a), n = 0;
	_cleanup_free_ uint8_t *bits = NULL, *visited = NULL;
	_cleanup_free_ size_t *owner = NULL, *closest = NULL;
	struct assign s;

	if (ne > na)
		return record(c, e, a, "array has %zu elements, expected at least %zu", na, ne);
	if (ne == 0)
		return 0;
	if (ne > SIZE_MAX / 8 / na) {
		c->oom = true;
		return 1;
	}
	bits = calloc((ne * na + 7) / 8, 1);
	visited = calloc(na, 1);
	owner = malloc(na * sizeof(*owner));
	closest = malloc(ne * sizeof(*closest));
	if (!bits || !visited || !owner || !closest) {
		c->oom = true;
		return 1;
	}
	/* Counted without recording; the closest element (fewest mismatches) is kept for the
	 * report. */
	struct ctx quiet = { 0 };
	for (size_t i = 0; i < ne; i++) {
		size_t best = SIZE_MAX;
		closest[i] = SIZE_MAX;
		for (size_t j = 0; j < na; j++) {
			size_t k = cmp(&quiet, json_array_get(a, j), json_array_get(e, i));
			if (k == 0)
				bits[(i * na + j) / 8] |= (uint8_t)(1u << ((i * na + j) % 8));
			else if (k < best) {
				best = k;
				closest[i] = j;
			}
		}
	}
	if (quiet.oom)
		c->oom = true;
	for (size_t j = 0; j < na; j++)
		owner[j] = SIZE_MAX;
	s = (struct assign){ .fits = bits, .na = na, .owner = owner, .visited = visited };
	for (size_t i = 0; i < ne; i++) {
		memset(visited, 0, na);
		if (!augment(&s, i))
			n += report_unassigned(c, a, e, i, closest[i]);
	}
	return n;
}

static size_t cmp(struct ctx *c, const json_t *a, const json_t *e)
{
	if (is_star(e))
		return 0;
	if (json_is_object(e) && json_is_object(a))
		return cmp_object(c, a, e);
	if (json_is_array(e) && json_is_array(a)) {
		const json_t *first = json_array_get(e, 0);
		if (first && json_is_string(first) && streq(json_string_value(first), "__ordered__"))
			return cmp_ordered(c, a, e);
		return cmp_unordered(c, a, e);
	}
	if (json_is_object(e) || json_is_array(e) || json_is_object(a) || json_is_array(a))
		return record(c, e, a, "%s, expected %s", type_name(a), type_name(e));
	if (!scalar_equal(a, e))
		return record(c, e, a, NULL);
	return 0;
}

bool json_match(const json_t *actual, const json_t *expected)
{
	struct ctx c = { 0 };
	return cmp(&c, actual, expected) == 0 && !c.oom;
}

int json_match_diff(const json_t *actual, const json_t *expected, struct json_diff *d)
{
	struct ctx c = { .d = d, .path = "$", .plen = 1 };
	size_t n = cmp(&c, actual, expected);

	if (c.oom)
		return -ENOMEM;
	return n > INT32_MAX ? INT32_MAX : (int)n;
}

void json_diff_done(struct json_diff *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].path);
		free(d->items[i].expected);
		free(d->items[i].seen);
		free(d->items[i].note);
	}
	free(d->items);
	d->items = NULL;
	d->n = d->total = 0;
}

int json_mismatch_format(const struct json_mismatch *m, char *buf, size_t size)
{
	if (m->expected && m->seen)
		return snprintf(buf, size, "%s: expected %s, seen %s%s%s%s", m->path, m->expected,
				m->seen, m->note ? " (" : "", m->note ? m->note : "",
				m->note ? ")" : "");
	if (m->seen)
		return snprintf(buf, size, "%s: expected absent, seen %s", m->path, m->seen);
	if (m->note && strcmp(m->note, "key missing") != 0)
		return snprintf(buf, size, "%s: %s: %s", m->path, m->note,
				m->expected ? m->expected : "?");
	return snprintf(buf, size, "%s: missing, expected %s", m->path,
			m->expected ? m->expected : "?");
}
