/* SPDX-License-Identifier: MIT */
/*
 * Helpers for the planner's tests (test-plan.c, test-routing.c): parse topology text, look
 * things up by name, and assert on the first error.
 */
#pragma once

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

static inline struct topo *parse_ok(const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = { 0 };
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r < 0)
		fail_msg("parse failed (%d): %u:%u: %s", r, err.line, err.col, err.message);
	assert_non_null(t);
	return t;
}

/* The first error: its line, column and exact message. */
static inline void expect_error(const char *text, unsigned line, unsigned col, const char *message)
{
	struct topo *t = NULL;
	struct topo_error err = { 0 };
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r == 0) {
		topo_free(t);
		fail_msg("parsed without error, expected %u:%u: %s", line, col, message);
	}
	assert_int_equal(r, -EINVAL);
	assert_null(t);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
}

static inline size_t node_of(const struct topo *t, const char *name)
{
	size_t n = topo_find_node(t, name);

	if (n == TOPO_NONE)
		fail_msg("no node '%s'", name);
	return n;
}

/* "r1:eth0" -> index into t->ifaces */
static inline size_t iface_of(const struct topo *t, const char *label)
{
	char node[TOPO_NAME_MAX + 1];
	const char *colon = strchr(label, ':');
	size_t n, i;

	assert_non_null(colon);
	assert_true((size_t)(colon - label) < sizeof(node));
	memcpy(node, label, (size_t)(colon - label));
	node[colon - label] = '\0';
	n = node_of(t, node);
	i = topo_find_iface(t, n, colon + 1);
	if (i == TOPO_NONE)
		fail_msg("no iface '%s'", label);
	return i;
}

/* Address k of an iface as "10.0.0.1/30", in a rotating static buffer. */
static inline const char *addr_of(const struct topo *t, const char *label, size_t k)
{
	static char bufs[8][TOPO_ADDRSTRLEN];
	static unsigned next;
	size_t i = iface_of(t, label);
	char *b = bufs[next++ % 8];

	if (k >= t->ifaces[i].n_addrs)
		return "(none)";
	return topo_addr_str(&t->ifaces[i].addrs[k], true, b, TOPO_ADDRSTRLEN);
}

static inline const char *prefix_str(const struct topo_addr *a)
{
	static char bufs[8][TOPO_ADDRSTRLEN];
	static unsigned next;

	return topo_addr_str(a, true, bufs[next++ % 8], TOPO_ADDRSTRLEN);
}

/* Appends to a growing text, for building big topologies. */
static inline char *textf(char *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline char *textf(char *s, const char *fmt, ...)
{
	size_t old = s ? strlen(s) : 0;
	va_list ap;
	int n;
	char *r;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	assert_true(n >= 0);
	r = realloc(s, old + (size_t)n + 1);
	assert_non_null(r);
	va_start(ap, fmt);
	vsnprintf(r + old, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return r;
}
