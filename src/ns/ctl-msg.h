/* SPDX-License-Identifier: MIT */
/*
 * The control socket of a lab (ctl-msg.c): the messages that `up` and the lab init (both in
 * labinit.c) and the node processes (node.c) exchange. A file of its own so that labinit.c and
 * node.c both depend on it and not on each other.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

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

/* Sends m with n_fds (at most 4) fds by SCM_RIGHTS. 0 or -errno. */
int ns_send_msg(int fd, const struct ns_msg *m, const int *fds, unsigned n_fds);
/* Receives one message and up to two fds (more are closed). Returns 0, -EPIPE on EOF,
 * -EBADMSG for a message of the wrong size, or -errno. */
int ns_recv_msg(int fd, struct ns_msg *m, int fds[2], unsigned *n_fds);
/* ns_recv_msg() without waiting: -EAGAIN when no message is queued. */
int ns_try_recv_msg(int fd, struct ns_msg *m, int fds[2], unsigned *n_fds);

/* Writes "FMT...: strerror(-r)" into buf (the message a node process sends `up` with its error)
 * and returns r. Shared by node.c, overlay.c and rootfs.c. */
int ns_fail(char *buf, size_t size, int r, const char *fmt, ...) _printf_(4, 5);
