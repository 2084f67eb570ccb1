/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the planner (plan.c, routing.c, hosts.c) only; defined in plan.c. Pure.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "topo-internal.h"

/* "node:ifname" (or "switch:ifname" for a bridge port), NUL included. */
#define PLAN_LABEL_MAX (TOPO_NAME_MAX + 1 + TOPO_IFNAMSIZ)

static inline const char *plan_family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* Length of the token that starts at pos in the source (up to white space, '#' or the end of
 * the line), so that error markers underline what the user wrote, however it was spelled.
 * 0 when pos is {0,0} or outside the text. */
unsigned plan_token_len(const struct topo_src *src, struct topo_pos pos);

/* Writes "r1:eth0" into buf (PLAN_LABEL_MAX bytes) and returns it. */
const char *plan_iface_label(const struct topo *t, size_t iface, char *buf);

/* The first address of that family on the iface: the one that defines its segment's subnet
 * (user-given ones come first). NULL when it has none; *ret_index (if not NULL) is its index. */
const struct topo_addr *plan_first_addr(const struct topo_iface *i, int family, size_t *ret_index);
