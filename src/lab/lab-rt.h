/* SPDX-License-Identifier: MIT */
/* A running lab as the runtime verbs (link.c, node.c) see it: its state, its plan, and a way
 * into the namespace of any link end. Functions log their errors and return -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"

struct rt {
	const char *lab;
	struct lab_state *st;
	struct topo *t;      /* re-planned from the lab's copy of its topology */
	int init_pidfd;      /* the lab init: its netns is the lab-root */
	int self_netns;
};

/* Loads state and plan, checks the lab is alive. rt_done() in every case. */
int rt_open(const char *lab, struct rt *rt);
void rt_done(struct rt *rt);
const char *rt_owner(const struct rt *rt, size_t iface);
/* iface of owner (a node or a switch) named ifname. -ENOENT. */
int rt_find_iface(const struct rt *rt, const char *owner, const char *ifname, size_t *ret);
/* setns into the network namespace of a node or (on_switch) the lab-root; rt_home() back. */
int rt_enter(struct rt *rt, bool on_switch, size_t owner);
int rt_home(struct rt *rt);
int rt_set_iface_up(struct rt *rt, size_t iface, bool up);
/* Re-adds the node's planned addresses and routes (NLM_F_REPLACE) after links came back up. */
int rt_restore_node(struct rt *rt, size_t node);
