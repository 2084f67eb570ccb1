/* SPDX-License-Identifier: MIT */
/* A running lab as the runtime verbs (link.c, node.c) see it: its state, its plan, and a way
 * into the namespace of any link end. Functions log their errors and return -errno. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "lab.h"

struct lab_handle {
	const char *lab;
	struct lab_state *st;
	struct topo *t;      /* re-planned from the lab's copy of its topology */
	int init_pidfd;      /* the lab init: its netns is the lab-root */
	int self_netns;
};

/* Loads state and plan, checks the lab is alive. lh_done() in every case. */
int lh_open(const char *lab, struct lab_handle *lh);
void lh_done(struct lab_handle *lh);
const char *lh_owner(const struct lab_handle *lh, size_t iface);
/* iface of owner (a node or a switch) named ifname. -ENOENT. */
int lh_find_iface(const struct lab_handle *lh, const char *owner, const char *ifname, size_t *ret);
/* setns into the network namespace of a node or (on_switch) the lab-root; lh_home() back. */
int lh_enter(struct lab_handle *lh, bool on_switch, size_t owner);
int lh_home(struct lab_handle *lh);
int lh_set_iface_up(struct lab_handle *lh, size_t iface, bool up);
/* Re-adds the node's planned addresses and routes (NLM_F_REPLACE) after links came back up. */
int lh_restore_node(struct lab_handle *lh, size_t node);
