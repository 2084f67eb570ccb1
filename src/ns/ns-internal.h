/* SPDX-License-Identifier: MIT */
/* Between the lab init (labinit.c) and the node processes it clones (node.c). */
#pragma once

#include <stdint.h>

#include "macro.h"
#include "ns.h"

/* Control-socket messages. SOCK_SEQPACKET keeps each one whole, so nodes and the lab init can
 * share the lab init's end of the socket without interleaving. */
enum ns_msg_type {
	NS_MSG_STARTED = 1, /* init -> up: lab init is set up, orders welcome */
	NS_MSG_SPAWN,       /* up -> init: clone node `index` */
	NS_MSG_SPAWNED,     /* init -> up: node `index` cloned; SCM_RIGHTS pidfd, netns fd */
	NS_MSG_READY,       /* node -> up: set-up of node `index` done (error 0) or failed */
	NS_MSG_FAILED,      /* init -> up: an order failed; error and text say why */
	NS_MSG_COMMIT,      /* up -> init */
	NS_MSG_COMMITTED,   /* init -> up */
	NS_MSG_GO,          /* up -> init (rootless): the id maps are written, go on */
};

struct ns_msg {
	uint32_t type;
	uint32_t index;
	int32_t error; /* -errno */
	char text[244];
};

int ns_send_msg(int fd, const struct ns_msg *m, const int *fds, unsigned n_fds);

/* Runs in the cloned child: sets the node up, reports on ctl, then reaps forever. */
_noreturn_ void ns_node_main(int ctl, const struct ns_node_spec *spec, uint32_t index);

/* In the node process: the overlay root, its /proc, /sys, /dev, /etc files and the spec's
 * mounts, then pivot_root (rootfs.c). Returns 0 or -errno with msg saying what failed. */
int ns_rootfs_setup(const struct ns_node_spec *spec, char *msg, size_t size);

/* Writes "FMT...: strerror(-r)" into buf (the message a node process sends `up` with its error)
 * and returns r. Shared by node.c, overlay.c and rootfs.c. */
int ns_fail(char *buf, size_t size, int r, const char *fmt, ...) _printf_(4, 5);
