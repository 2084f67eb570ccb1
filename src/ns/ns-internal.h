/* SPDX-License-Identifier: MIT */
/* Between the lab init (labinit.c) and the node processes it clones (node.c, overlay.c,
 * rootfs.c). Their control-socket messages, and ns_fail() that words a failure for one, are in
 * ctl-msg.h. */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "ns.h"

/* Runs in the cloned child: sets the node up, reports on ctl, then reaps forever. */
_noreturn_ void ns_node_main(int ctl, const struct ns_node_spec *spec, uint32_t index);

/* In the node process: the overlay root, its /proc, /sys, /dev, /etc files and the spec's
 * mounts, then pivot_root (rootfs.c). Returns 0 or -errno with msg saying what failed. */
int ns_rootfs_setup(const struct ns_node_spec *spec, char *msg, size_t size);
