/* SPDX-License-Identifier: MIT */
/*
 * Link emulation inside the lab layer: shared by impair.c (up), features.c (doctor), link.c
 * and node.c (runtime faults).
 *
 * Layout of the qdiscs on an interface that asks for impairment (its egress):
 *   netem options only   root netem 1:
 *   rate= only           root tbf 2:
 *   both                 root netem 1:, its child tbf 10: (parent 1:1) — netem delays and
 *                        drops, then tbf paces what netem releases (the layout of the netem
 *                        documentation; tbf above netem would peek into netem's delay queue).
 */
#pragma once

#include <stdbool.h>

#include "nl.h"
#include "topo.h"

#define IMPAIR_ROOT_HANDLE (1u << 16)   /* 1: netem */
#define IMPAIR_TBF_HANDLE (2u << 16)    /* 2: tbf alone; a handle of its own, so that a change
					   of layout is one atomic replace at the root */
#define IMPAIR_CHILD_HANDLE (0x10u << 16) /* 10: (tc handles are hex) */
#define IMPAIR_CHILD_PARENT ((1u << 16) | 1u) /* 1:1 */

bool impair_needs_netem(const struct topo_impair *im);
bool impair_needs_tbf(const struct topo_impair *im);

/* The tbf parameters for rate= (and limit= when there is no netem); mtu 0 = 1500. */
void impair_tbf_params(const struct topo_impair *im, unsigned mtu, struct nl_tbf *ret);

/*
 * In the current network namespace, over nl: make the root qdiscs of ifindex what im asks
 * (nothing: the device's default). fresh: the device has only its default qdisc (at `up`), so
 * qdiscs are added without looking. Otherwise what is there is read first: the same layout is
 * changed in place (NLM_F_REPLACE: no packet is lost, nothing is reconnected), another layout
 * is deleted and rebuilt. -errno with *e filled from the kernel.
 */
int impair_iface(struct nl *nl, int ifindex, unsigned mtu, const struct topo_impair *im,
		 bool fresh, struct nl_error *e);

/* What the qdiscs of ifindex (current netns) say: *ret (set false when nothing netlab knows). */
int impair_read(int ifindex, unsigned mtu, struct topo_impair *ret, struct nl_qdisc_info **qs,
		size_t *n_qs);
