/* SPDX-License-Identifier: MIT */
/*
 * Shared between the parser (lexer.c, parser.c, topo.c) and the planner (plan.c, routing.c,
 * hosts.c). Not for other layers.
 *
 * The pipeline inside topo_parse_string():
 *   1. parser.c reads statements into struct topo: nodes, switches, links with their ifaces
 *      (names decided, user addresses and their positions recorded, owner/peer/link set),
 *      explicit routes (dev resolved to an iface), sysctls, mounts, cmds, pools (pool4 defaults
 *      to 10.0.0.0/8 with pool4_pos {0,0}), loopbacks, routing_static. It reports every
 *      syntax, name, range, unknown-node, duplicate-name and interface-name error.
 *   2. topo_plan() (plan.c): segments, ifindexes, MACs, automatic and loopback addresses, and
 *      every address error (clashes, overlapping pools, exhausted pool, mixed addressing).
 *   3. topo_route_plan() (routing.c): checks explicit routes (gateway on a connected subnet of
 *      the node) and computes `routing static`.
 */
#pragma once

#include <stdarg.h>

#include "macro.h"
#include "topo.h"

/* The file being parsed, so that any stage can quote the offending line. */
struct topo_src {
	const char *name;
	const char *text;
	size_t len;
};

/* error.c: fills *err (file, position, len, message, and the text of line pos.line from src) and returns
 * -EINVAL. pos {0,0} means the file as a whole. */
int topo_fail(struct topo_error *err, const struct topo_src *src, struct topo_pos pos,
	      unsigned len, const char *fmt, ...) _printf_(5, 6);

int topo_plan(struct topo *t, const struct topo_src *src, struct topo_error *err);
int topo_route_plan(struct topo *t, const struct topo_src *src, struct topo_error *err);
/* files.c: checks where each `file` goes and renders its template (after the plan: addresses
 * are substituted). */
int topo_files_render(struct topo *t, const struct topo_src *src, struct topo_error *err);

/* Address helpers (addr.c), the one copy of address arithmetic. topo_addr_parse accepts "A.B.C.D/N" and "X::Y/N"; require_plen
 * false also accepts a bare address (plen then 32/128). Returns 0 or -EINVAL. */
int topo_addr_parse(const char *s, bool require_plen, struct topo_addr *ret);
/* a with host bits cleared to its plen. */
struct topo_addr topo_addr_network(const struct topo_addr *a);
/* net contains the address a (same family, a's bytes inside net/net.plen). */
bool topo_addr_contains(const struct topo_addr *net, const struct topo_addr *a);
/* The two prefixes share any address. */
bool topo_addr_overlaps(const struct topo_addr *a, const struct topo_addr *b);
bool topo_addr_equal_host(const struct topo_addr *a, const struct topo_addr *b); /* bytes only */
/* Same family, same plen, same network bits. Host bits of either are ignored. */
bool topo_addr_prefix_equal(const struct topo_addr *a, const struct topo_addr *b);
/* 32 or 128. */
unsigned topo_addr_bits(int family);
