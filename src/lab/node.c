/* SPDX-License-Identifier: MIT */
/*
 * netlab node NODE stop|start.
 *
 * stop freezes every process of the node with SIGSTOP and takes the node's ends of its links
 * down (its neighbours see the carrier go); start brings the links back (restoring addresses
 * and routes the kernel dropped with them) and continues the processes with SIGCONT. Nothing is
 * killed, so nothing has to be restarted: daemons resume where they stopped.
 *
 * Why signals and not a cgroup freezer: a freezer needs a cgroup per node created on the
 * host's cgroup file system, which a lab killed by SIGKILL would leave behind; signals leave no
 * state anywhere, and the kernel still ends stopped processes with their lab.
 *
 * The node's processes: those in the node's network namespace that live in the lab's PID
 * namespace tree (deeper than ours), which leaves out a `netlab exec` waiting on the host side.
 */
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "events.h"
#include "impair.h"
#include "lab-handle.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

/* Entries of the NSpid: line of /proc/PID/status (1 + how deep its PID namespace is). */
static int nspid_depth(const char *pid)
{
	char path[300], line[512];
	FILE *f;
	int depth = -1;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "NSpid:", 6) == 0) {
			depth = 0;
			char *save = NULL;
			for (char *tok = strtok_r(line + 6, " \t\n", &save); tok;
			     tok = strtok_r(NULL, " \t\n", &save))
				depth++;
			break;
		}
	fclose(f);
	return depth;
}

static int signal_node(struct lab_handle *lh, size_t node, int sig, size_t *ret_n)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct stat want;
	char path[300];
	size_t i = lab_state_find_node(lh->st, lh->t->nodes[node].name), n = 0;
	int self_depth = nspid_depth("self"), r;
	DIR *d;
	struct dirent *de;

	if (i == TOPO_NONE)
		return -ENOENT;
	r = lab_state_node_pidfd(lh->st, i, &pidfd);
	if (r < 0)
		return log_error_errno(r, "node '%s' is not running: %m", lh->t->nodes[node].name);
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)lh->st->nodes[i].pid);
	if (stat(path, &want) < 0)
		return log_error_errno(negative_errno(), "Cannot read %s: %m", path);
	d = opendir("/proc");
	if (!d)
		return negative_errno();
	while ((de = readdir(d))) {
		struct stat st;
		int fd;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/ns/net", de->d_name);
		if (stat(path, &st) < 0 || st.st_ino != want.st_ino || st.st_dev != want.st_dev)
			continue;
		if (nspid_depth(de->d_name) <= self_depth)
			continue;
		/* Through a pidfd, checked again: the pid cannot be reused while it is held. */
		fd = (int)syscall(SYS_pidfd_open, atoi(de->d_name), 0);
		if (fd < 0)
			continue;
		if (stat(path, &st) >= 0 && st.st_ino == want.st_ino &&
		    syscall(SYS_pidfd_send_signal, fd, sig, NULL, 0) >= 0)
			n++;
		close(fd);
	}
	closedir(d);
	*ret_n = n;
	return 0;
}

int lab_node_stopstart(const char *lab, const char *node, bool stop)
{
	struct lab_handle lh;
	size_t idx, n = 0, n2 = 0;
	int r;

	r = lh_open(lab, &lh);
	if (r < 0)
		goto out;
	idx = topo_find_node(lh.t, node);
	if (idx == TOPO_NONE) {
		r = log_error_errno(-ENOENT, "lab '%s' has no node '%s'", lab, ESCAPED(node));
		goto out;
	}
	const struct topo_node *nd = &lh.t->nodes[idx];
	if (stop) {
		/* Twice: a process forked while we walked /proc is caught by the second pass. */
		r = signal_node(&lh, idx, SIGSTOP, &n);
		if (r >= 0)
			r = signal_node(&lh, idx, SIGSTOP, &n2);
		for (size_t k = 0; r >= 0 && k < nd->n_ifaces; k++)
			r = lh_set_iface_up(&lh, nd->ifaces[k], false);
	} else {
		for (size_t k = 0; r >= 0 && k < nd->n_ifaces; k++)
			r = lh_set_iface_up(&lh, nd->ifaces[k], true);
		if (r >= 0)
			r = lh_restore_node(&lh, idx);
		/* Neighbours lost their routes through this node only if their own end went
		 * down, which stop does not do. */
		if (r >= 0)
			r = signal_node(&lh, idx, SIGCONT, &n);
	}
	if (r >= 0) {
		log_debug("%s %zu processes of node '%s'", stop ? "stopped" : "continued",
			  n > n2 ? n : n2, node);
		lab_event(lab, "node %s %s", node, stop ? "stop" : "start");
	}
out:
	lh_done(&lh);
	return r;
}
