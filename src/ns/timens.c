/* SPDX-License-Identifier: MIT */
/*
 * Time namespaces (issue 14): a node whose CLOCK_MONOTONIC and CLOCK_BOOTTIME (and so
 * /proc/uptime) are offset. The kernel cannot offset CLOCK_REALTIME.
 *
 * The rules that shape this (time_namespaces(7)): unshare(CLONE_NEWTIME) puts the caller's
 * *children* in the new namespace, not the caller; the offsets can be written to
 * /proc/PID/timens_offsets only until a process has entered it. So the node's holder unshares
 * and writes before it has any child, and the way into the node joins the holder's
 * time_for_children namespace (setns through a pidfd would join the holder's own, the host's).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "macro.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

int timens_node_setup(int64_t offset_s)
{
	char text[96];
	int r;

	if (unshare(CLONE_NEWTIME) < 0)
		return negative_errno();
	/* CLOCK_MONOTONIC is 1, CLOCK_BOOTTIME 7; names are accepted since Linux 5.6 too. */
	snprintf(text, sizeof(text), "monotonic %" PRId64 " 0\nboottime %" PRId64 " 0\n", offset_s,
		 offset_s);
	r = cg_write("/proc/self", NULL, "timens_offsets", text);
	return r;
}

bool timens_supported(void)
{
	return access("/proc/self/ns/time", F_OK) == 0;
}

int timens_join_of(pid_t pid, int *saved)
{
	char path[64];
	struct stat theirs, ours;
	int fd, r;

	*saved = -1;
	snprintf(path, sizeof(path), "/proc/%d/ns/time_for_children", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : negative_errno(); /* no time namespaces here */
	if (fstat(fd, &theirs) < 0 || stat("/proc/self/ns/time", &ours) < 0) {
		r = negative_errno();
		close(fd);
		return r;
	}
	if (theirs.st_ino == ours.st_ino && theirs.st_dev == ours.st_dev) {
		close(fd);
		return 0;
	}
	*saved = open("/proc/self/ns/time", O_RDONLY | O_CLOEXEC);
	if (*saved < 0 || setns(fd, CLONE_NEWTIME) < 0) {
		r = negative_errno();
		close(fd);
		*saved = safe_close(*saved);
		*saved = -1;
		return r;
	}
	close(fd);
	return 0;
}

int timens_leave(int *saved)
{
	int r = 0;

	if (*saved < 0)
		return 0;
	if (setns(*saved, CLONE_NEWTIME) < 0)
		r = negative_errno();
	*saved = safe_close(*saved);
	*saved = -1;
	return r;
}
