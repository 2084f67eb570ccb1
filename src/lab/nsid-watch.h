/* SPDX-License-Identifier: MIT */
/*
 * Waiting for the kernel to release network namespaces (nsid-watch.c), for `down --wait`.
 *
 *   nsid_watch_open(&w);           before the namespaces' last processes die
 *   nsid_watch_pid(&w, pid) ...    each namespace to wait for, by a process in it
 *   (kill the processes)
 *   nsid_watch_wait(&w, ms);       every one released, devices, routes and sockets included
 *   nsid_watch_done(&w);           always, also after a failed open
 *
 * Every function returns 0 or -errno and logs nothing. Root only (ids are given to the
 * namespaces in ours, and the sentinel namespaces are made with unshare()).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct nsid_watch {
	int sock;
	uint32_t portid;
	uint32_t seq;
	bool *pending; /* indexed by nsid */
	size_t size;
	size_t n_pending;
};

/* A netlink socket joined to RTNLGRP_NSID. */
int nsid_watch_open(struct nsid_watch *w);
/* Gives the network namespace of pid an id in ours (or finds the one it has) and waits for it.
 * -ENOENT/-ESRCH when pid is gone. */
int nsid_watch_pid(struct nsid_watch *w, pid_t pid);
/* Until every namespace given to nsid_watch_pid() has been released, up to timeout_ms in all;
 * -ETIMEDOUT, or -ENOBUFS when the kernel dropped events. */
int nsid_watch_wait(struct nsid_watch *w, int timeout_ms);
void nsid_watch_done(struct nsid_watch *w);
