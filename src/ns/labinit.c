/* SPDX-License-Identifier: MIT */
/*
 * The lab init (PID 1 of the lab) and the `up` side of its control socket. See ns.h for the
 * process tree and why an uncommitted lab vanishes by itself.
 */
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "ctl-msg.h"
#include "macro.h"
#include "ns-internal.h"

/* Orders in flight at once: both sides block on a full socket otherwise. */
#define SPAWN_WINDOW 32

/* Cloners: the lab init and one worker (docs/PERFORMANCE.md, kernel costs: two namespace creators in
 * parallel are 1.5x faster than one, and this machine class has two cores). */
#define N_CLONERS 2

/* What `up` knows of each node (ns_lab.node_state): a node process sends READY on its cloner's
 * channel, which may queue it before the cloner's own SPAWNED. */
enum { NODE_UNSPAWNED, NODE_SPAWNED, NODE_READY };

/* PIDFD_GET_INFO (Linux 6.13) with PIDFD_INFO_EXIT (6.15), which older headers lack: how a
 * process that is not our child ended, once its parent has reaped it. Version 0 of the struct:
 * the kernel takes any size from there on. */
struct nl_pidfd_info {
	uint64_t mask;
	uint64_t cgroupid;
	uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
	int32_t exit_code;
};
#define NL_PIDFD_INFO_EXIT (1ULL << 3)
#define NL_PIDFD_GET_INFO _IOWR(0xFF, 11, struct nl_pidfd_info)

/* How long a dead node's status is waited for: the lab init reaps it on its SIGCHLD, at once
 * unless it is busy cloning. The status only words the message. */
#define REAP_WAIT_MS 200

struct ns_lab {
	int ctl;
	int ctl2; /* the worker's channel; -EBADF once closed */
	int pidfd;
	pid_t pid;
	uint64_t starttime;
	int netns_fd;
	bool committed;
	size_t n_spawned;
	size_t n_ready;
	int ready_error; /* first node set-up error */
	size_t ready_error_index;
	char ready_error_text[sizeof(((struct ns_msg *)0)->text)];
	const struct ns_node_spec *specs;
	size_t n_specs;
	uint8_t *node_state; /* n_specs of NODE_* */
};

static pid_t clone3_pidfd(uint64_t flags, int *ret_pidfd)
{
	struct clone_args args = {
		.flags = flags | CLONE_PIDFD,
		.pidfd = (uint64_t)(uintptr_t)ret_pidfd,
		/* With CLONE_PARENT the kernel takes the caller's own exit signal (SIGCHLD). */
		.exit_signal = (flags & CLONE_PARENT) ? 0 : SIGCHLD,
	};
	return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* ---- the lab init itself --------------------------------------------------------------- */

static void init_report(int ctl, uint32_t type, uint32_t index, int error, const char *text)
{
	struct ns_msg m = { .type = type, .index = index, .error = error };
	if (text)
		snprintf(m.text, sizeof(m.text), "%s", text);
	(void)ns_send_msg(ctl, &m, NULL, 0);
}

static int init_setup(char *msg, size_t size)
{
	_cleanup_close_ int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	/* Out of `up`'s session: the terminal's ^C must reach `up` (whose death undoes the lab),
	 * not the nodes. */
	setsid();
	prctl(PR_SET_NAME, "netlab-init");
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}

	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0) {
		snprintf(msg, size, "making / a recursive slave: %s", strerror(errno));
		return negative_errno();
	}
	/* A /proc of the lab's PID namespace: nodes without their own PID namespace inherit it,
	 * and `netlab exec` into them then sees the lab's processes only. */
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
		snprintf(msg, size, "mounting proc: %s", strerror(errno));
		return negative_errno();
	}
	(void)umount2("/sys", MNT_DETACH);
	(void)mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);

	/* The lab-root namespace holds only bridges and their ports: no IPv6 link-local work
	 * there, and bridged frames never go through netfilter (br_netfilter defaults to on). */
	(void)ns_write_file("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
	(void)ns_write_file("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");
	(void)ns_write_file("/proc/sys/net/bridge/bridge-nf-call-iptables", "0");
	(void)ns_write_file("/proc/sys/net/bridge/bridge-nf-call-ip6tables", "0");
	(void)ns_write_file("/proc/sys/net/bridge/bridge-nf-call-arptables", "0");
	return 0;
}

static void init_spawn(int ctl, const struct ns_node_spec *specs, size_t n_specs, uint32_t index,
		       bool worker)
{
	const struct ns_node_spec *spec;
	/* The worker clones with CLONE_PARENT: its nodes are children of the lab init like the
	 * others (reaped by it, killed with it), only made on the other core. */
	uint64_t flags = CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWNS | (worker ? CLONE_PARENT : 0);
	_cleanup_close_ int pidfd = -EBADF, netns = -EBADF;
	struct ns_msg m = { .type = NS_MSG_SPAWNED, .index = index };
	char path[64];
	pid_t pid;

	if (index >= n_specs)
		return init_report(ctl, NS_MSG_FAILED, index, -EINVAL, "no such node");
	spec = &specs[index];
	if (spec->flags & NS_NODE_PID)
		flags |= CLONE_NEWPID;
	if (spec->flags & NS_NODE_IPC)
		flags |= CLONE_NEWIPC;

	pid = clone3_pidfd(flags, &pidfd);
	if (pid < 0) {
		int r = negative_errno();
		char text[128];
		snprintf(text, sizeof(text), "cloning node '%s': %s", spec->name, strerror(-r));
		return init_report(ctl, NS_MSG_FAILED, index, r, text);
	}
	if (pid == 0)
		ns_node_main(ctl, spec, index);

	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	netns = open(path, O_RDONLY | O_CLOEXEC);
	if (netns < 0) {
		int r = negative_errno();
		return init_report(ctl, NS_MSG_FAILED, index, r, "opening the node's netns");
	}
	(void)ns_send_msg(ctl, &m, (int[]){ pidfd, netns }, 2);
}

/* The second cloner: a plain child of the lab init that takes spawn orders on its own socket
 * and exits when `up` closes it (at commit) or dies (then the lab init exits too). */
static _noreturn_ void worker_main(int wctl, const struct ns_node_spec *specs, size_t n_specs)
{
	sigset_t none;

	if (wctl > 3)
		syscall(SYS_close_range, 3, wctl - 1, 0);
	syscall(SYS_close_range, wctl + 1, ~0U, 0);
	prctl(PR_SET_NAME, "netlab-clone");
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (;;) {
		struct ns_msg m;
		unsigned n_fds;

		if (ns_recv_msg(wctl, &m, NULL, &n_fds) < 0)
			_exit(0);
		if (m.type == NS_MSG_SPAWN)
			init_spawn(wctl, specs, n_specs, m.index, true);
	}
}

static _noreturn_ void init_main(int ctl, const struct ns_node_spec *specs, size_t n_specs,
				 bool userns)
{
	int wsv[2] = { -EBADF, -EBADF };
	char msg[200] = "";
	bool committed = false;
	sigset_t chld;
	int sfd, r;

	/* In a new user namespace our ids mean nothing until `up` has written the maps. */
	if (userns) {
		struct ns_msg go;
		unsigned n_fds;
		if (ns_recv_msg(ctl, &go, NULL, &n_fds) < 0 || go.type != NS_MSG_GO)
			_exit(1);
	}
	r = init_setup(msg, sizeof(msg));
	if (r < 0) {
		init_report(ctl, NS_MSG_FAILED, 0, r, msg);
		_exit(1);
	}
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		init_report(ctl, NS_MSG_FAILED, 0, negative_errno(), "signalfd");
		_exit(1);
	}
	/* Everything else `up` had open stays with `up`. */
	{
		int lo = ctl < sfd ? ctl : sfd, hi = ctl < sfd ? sfd : ctl;
		if (lo > 3)
			syscall(SYS_close_range, 3, lo - 1, 0);
		if (hi > lo + 1)
			syscall(SYS_close_range, lo + 1, hi - 1, 0);
		syscall(SYS_close_range, hi + 1, ~0U, 0);
	}

	/* The worker, forked after the set-up: it shares our mount namespace, /proc and
	 * lab-root. Its channel goes to `up` with the STARTED message. No worker (EAGAIN...):
	 * `up` gets no second channel and orders everything from us. */
	if (n_specs > 1 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, wsv) >= 0) {
		pid_t w = fork();
		if (w == 0) {
			close(wsv[0]);
			close(ctl);
			close(sfd);
			worker_main(wsv[1], specs, n_specs);
		}
		close(wsv[1]);
		if (w < 0)
			wsv[0] = safe_close(wsv[0]);
	}
	{
		struct ns_msg sm = { .type = NS_MSG_STARTED };
		(void)ns_send_msg(ctl, &sm, wsv[0] >= 0 ? &wsv[0] : NULL, wsv[0] >= 0 ? 1 : 0);
		safe_close(wsv[0]);
	}

	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = ctl, .events = POLLIN } };
		struct signalfd_siginfo si;

		if (poll(p, ctl >= 0 ? 2 : 1, -1) < 0)
			continue;
		if (p[0].revents) {
			while (read(sfd, &si, sizeof(si)) > 0)
				;
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
		}
		if (ctl >= 0 && p[1].revents) {
			struct ns_msg m;
			unsigned n_fds;

			r = ns_recv_msg(ctl, &m, NULL, &n_fds);
			if (r < 0) {
				/* `up` is gone. Before the commit that ends the lab: exiting as PID 1
				 * makes the kernel kill every process of the lab. */
				if (!committed) {
					cg_lab_init_exit(); /* its cgroups too (issue 14) */
					_exit(1);
				}
				close(ctl);
				ctl = -1;
				continue;
			}
			if (m.type == NS_MSG_SPAWN)
				init_spawn(ctl, specs, n_specs, m.index, false);
			else if (m.type == NS_MSG_COMMIT) {
				committed = true;
				init_report(ctl, NS_MSG_COMMITTED, 0, 0, NULL);
			}
		}
	}
}

/* ---- the `up` side ---------------------------------------------------------------------- */

/* Rootless: maps the lab init's user namespace while it waits, then lets it go on. */
static int lab_map_ids(struct ns_lab *lab, struct ns_idmap *map)
{
	struct ns_msg go = { .type = NS_MSG_GO };
	int r = ns_userns_map(lab->pid, map);

	if (r < 0)
		return r;
	return ns_send_msg(lab->ctl, &go, NULL, 0);
}

int ns_lab_start(const struct ns_node_spec *specs, size_t n_specs, struct ns_idmap *map,
		 struct ns_lab **ret)
{
	_cleanup_close_ int pidfd = -EBADF;
	struct ns_lab *lab;
	struct ns_msg m;
	unsigned n_fds;
	int sv[2], r;
	char path[64];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return negative_errno();

	/* One clone: the PID, mount and network namespaces are then owned by the new user
	 * namespace, which /proc and sysfs mounts inside require. */
	pid = clone3_pidfd(CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | (map ? CLONE_NEWUSER : 0),
			   &pidfd);
	if (pid < 0) {
		r = negative_errno();
		close(sv[0]);
		close(sv[1]);
		return r;
	}
	if (pid == 0) {
		close(sv[0]);
		init_main(sv[1], specs, n_specs, map != NULL);
	}
	close(sv[1]);

	lab = calloc(1, sizeof(*lab));
	if (!lab) {
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -ENOMEM;
	}
	lab->node_state = calloc(n_specs ? n_specs : 1, sizeof(*lab->node_state));
	if (!lab->node_state) {
		free(lab);
		close(sv[0]);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -ENOMEM;
	}
	lab->specs = specs;
	lab->n_specs = n_specs;
	lab->ctl = sv[0];
	lab->ctl2 = -EBADF;
	lab->pid = pid;
	lab->pidfd = TAKE_FD(pidfd);
	lab->netns_fd = -EBADF;

	if (map) {
		r = lab_map_ids(lab, map);
		if (r < 0)
			goto fail;
	}
	r = proc_starttime(pid, &lab->starttime);
	if (r < 0)
		goto fail;
	snprintf(path, sizeof(path), "/proc/%d/ns/net", (int)pid);
	lab->netns_fd = open(path, O_RDONLY | O_CLOEXEC);
	if (lab->netns_fd < 0) {
		r = negative_errno();
		goto fail;
	}
	{
		int fds[2];
		r = ns_recv_msg(lab->ctl, &m, fds, &n_fds);
		if (r < 0)
			goto fail;
		if (n_fds > 0)
			lab->ctl2 = fds[0];
		for (unsigned i = 1; i < n_fds; i++)
			close(fds[i]);
	}
	if (m.type != NS_MSG_STARTED) {
		r = m.error < 0 ? m.error : -EPROTO;
		goto fail;
	}
	*ret = lab;
	return 0;
fail:
	ns_lab_free(lab);
	return r;
}

int ns_lab_pidfd(const struct ns_lab *lab)
{
	return lab->pidfd;
}

pid_t ns_lab_pid(const struct ns_lab *lab)
{
	return lab->pid;
}

uint64_t ns_lab_starttime(const struct ns_lab *lab)
{
	return lab->starttime;
}

int ns_lab_netns_fd(const struct ns_lab *lab)
{
	return lab->netns_fd;
}

static void note_ready(struct ns_lab *lab, const struct ns_msg *m)
{
	if (m->index >= lab->n_specs || lab->node_state[m->index] == NODE_READY)
		return;
	lab->node_state[m->index] = NODE_READY;
	lab->n_ready++;
	if (m->error < 0 && lab->ready_error == 0) {
		lab->ready_error = m->error;
		lab->ready_error_index = m->index;
		snprintf(lab->ready_error_text, sizeof(lab->ready_error_text), "%s", m->text);
	}
}

/* " (killed by signal 9)", " (exit status 1)", or "" when the kernel cannot tell (before 6.15,
 * or not reaped in time). */
static void exit_text(int pidfd, char *buf, size_t size)
{
	struct nl_pidfd_info info = { .mask = NL_PIDFD_INFO_EXIT };
	struct pollfd p = { .fd = pidfd };

	buf[0] = '\0';
	/* POLLHUP (asked or not) once the process is reaped, which is when its status is kept. */
	if (poll(&p, 1, REAP_WAIT_MS) <= 0)
		return;
	if (ioctl(pidfd, NL_PIDFD_GET_INFO, &info) < 0 || !(info.mask & NL_PIDFD_INFO_EXIT))
		return;
	if (WIFSIGNALED(info.exit_code))
		snprintf(buf, size, " (killed by signal %d)", WTERMSIG(info.exit_code));
	else if (WIFEXITED(info.exit_code))
		snprintf(buf, size, " (exit status %d)", WEXITSTATUS(info.exit_code));
}

/* Reads every message queued on both channels, keeping the READYs: called when nothing else
 * is awaited, or when `up` fails anyway. -ECHILD when a channel is at EOF. */
static int drain_ready(struct ns_lab *lab)
{
	const int ch[N_CLONERS] = { lab->ctl, lab->ctl2 };

	for (size_t c = 0; c < N_CLONERS; c++) {
		struct ns_msg m;
		unsigned n_fds;
		int r;

		if (ch[c] < 0)
			continue;
		while ((r = ns_try_recv_msg(ch[c], &m, NULL, &n_fds)) >= 0)
			if (m.type == NS_MSG_READY)
				note_ready(lab, &m);
		if (r != -EAGAIN)
			return r == -EPIPE ? -ECHILD : r;
	}
	return 0;
}

/*
 * The process of node index has exited. Its READY, if it sent one, was queued before it died:
 * after the drain, a node still not ready died in its set-up. The lab init's end kills every
 * node first (it is PF_EXITING meanwhile), so a lab init gone or going is the cause: -ECHILD, as
 * its channel's EOF says a moment later. Returns 0 (the node was ready), -ESRCH with errmsg
 * naming the node, or -errno.
 */
static int node_died(struct ns_lab *lab, size_t index, int pidfd, char *errmsg, size_t errlen)
{
	char how[48];
	uint64_t st;
	int r = drain_ready(lab);

	if (r < 0)
		return r;
	if (lab->node_state[index] == NODE_READY)
		return 0;
	if (proc_starttime(lab->pid, &st) < 0 || st != lab->starttime) {
		if (errmsg)
			snprintf(errmsg, errlen, "the lab init died");
		return -ECHILD;
	}
	if (errmsg) {
		exit_text(pidfd, how, sizeof(how));
		snprintf(errmsg, errlen, "node '%s' died during its set-up%s",
			 lab->specs[index].name, how);
	}
	return -ESRCH;
}

/* Handles one message from a cloner or a node. Returns 1 for a node spawned, 0 for anything
 * else that is fine, -errno. */
static int spawn_take(struct ns_lab *lab, int fd, size_t first, size_t n,
		      struct ns_node_handle *handles, char *errmsg, size_t errlen)
{
	struct ns_msg m;
	int fds[2], r;
	unsigned n_fds;

	r = ns_recv_msg(fd, &m, fds, &n_fds);
	if (r < 0) {
		if (errmsg)
			snprintf(errmsg, errlen, "the lab init died");
		return r == -EPIPE ? -ECHILD : r;
	}
	if (m.type == NS_MSG_READY) {
		note_ready(lab, &m);
		return 0;
	}
	if (m.type == NS_MSG_FAILED) {
		if (errmsg)
			snprintf(errmsg, errlen, "%s", m.text);
		return m.error < 0 ? m.error : -EIO;
	}
	if (m.type != NS_MSG_SPAWNED || n_fds != 2 || m.index < first || m.index >= first + n) {
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		return -EPROTO;
	}
	struct ns_node_handle *h = &handles[m.index - first];
	h->pidfd = fds[0];
	h->netns_fd = fds[1];
	r = pidfd_get_pid(h->pidfd, &h->pid);
	if (r >= 0)
		r = proc_starttime(h->pid, &h->starttime);
	/* Gone before its SPAWNED was read: `up` fails, and the drain in node_died() may drop
	 * other orders' answers, but the message says why. */
	if (r == -ESRCH) {
		int k = node_died(lab, m.index, h->pidfd, errmsg, errlen);
		return k < 0 ? k : r;
	}
	if (r < 0)
		return r;
	if (lab->node_state[m.index] == NODE_UNSPAWNED)
		lab->node_state[m.index] = NODE_SPAWNED;
	lab->n_spawned++;
	return 1;
}

int ns_lab_spawn(struct ns_lab *lab, size_t first, size_t n, struct ns_node_handle *handles,
		 char *errmsg, size_t errlen)
{
	int ctl[N_CLONERS] = { lab->ctl, lab->ctl2 };
	size_t n_ch = lab->ctl2 >= 0 ? 2 : 1;
	size_t next = 0, got = 0, inflight[N_CLONERS] = { 0 };
	int r;

	for (size_t i = 0; i < n; i++)
		handles[i] = (struct ns_node_handle){ .pidfd = -EBADF, .netns_fd = -EBADF };

	/* Orders go to whichever cloner has fewer in flight; each answers on its own channel,
	 * and the nodes it cloned report READY there too. */
	while (got < n) {
		struct pollfd p[N_CLONERS];

		for (;;) {
			size_t c = n_ch == 2 && inflight[1] < inflight[0] ? 1 : 0;
			if (next >= n || inflight[c] >= SPAWN_WINDOW)
				break;
			struct ns_msg o = { .type = NS_MSG_SPAWN, .index = (uint32_t)(first + next) };
			r = ns_send_msg(ctl[c], &o, NULL, 0);
			if (r < 0)
				return r;
			inflight[c]++;
			next++;
		}
		for (size_t c = 0; c < n_ch; c++)
			p[c] = (struct pollfd){ .fd = ctl[c], .events = POLLIN };
		if (poll(p, n_ch, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (size_t c = 0; c < n_ch; c++) {
			if (!p[c].revents)
				continue;
			r = spawn_take(lab, ctl[c], first, n, handles, errmsg, errlen);
			if (r < 0)
				return r;
			if (r > 0) {
				inflight[c]--;
				got++;
			}
		}
	}
	return 0;
}

/* The channels, then the pidfd of every node spawned and not yet ready (pend[] is compacted to
 * those). Returns the number of pollfds. */
static size_t ready_pollfds(const struct ns_lab *lab, const struct ns_node_handle *nodes,
			    struct pollfd *p, size_t *pend, size_t *n_pend)
{
	size_t n = 0, k = 0;

	p[n++] = (struct pollfd){ .fd = lab->ctl, .events = POLLIN };
	if (lab->ctl2 >= 0)
		p[n++] = (struct pollfd){ .fd = lab->ctl2, .events = POLLIN };
	for (size_t j = 0; j < *n_pend; j++) {
		if (lab->node_state[pend[j]] != NODE_SPAWNED)
			continue;
		pend[k++] = pend[j];
		p[n++] = (struct pollfd){ .fd = nodes[pend[j]].pidfd, .events = POLLIN };
	}
	*n_pend = k;
	return n;
}

int ns_lab_wait_ready(struct ns_lab *lab, const struct ns_node_handle *nodes, size_t *ret_index,
		      char *errmsg, size_t errlen)
{
	_cleanup_free_ struct pollfd *p = NULL;
	_cleanup_free_ size_t *pend = NULL;
	size_t n_pend = 0;
	int r;

	/* A node that dies before its READY never sends it, and its channel does not reach EOF
	 * (the cloner and the other nodes hold it): its pidfd, readable once it has exited, is
	 * watched with the channels. */
	if (lab->n_ready < lab->n_spawned) {
		p = calloc(N_CLONERS + lab->n_specs, sizeof(*p));
		pend = calloc(lab->n_specs, sizeof(*pend));
		if (!p || !pend)
			return -ENOMEM;
		for (size_t i = 0; i < lab->n_specs; i++)
			if (lab->node_state[i] == NODE_SPAWNED)
				pend[n_pend++] = i;
	}
	while (lab->n_ready < lab->n_spawned) {
		size_t n_ch = lab->ctl2 >= 0 ? 2 : 1;
		size_t n = ready_pollfds(lab, nodes, p, pend, &n_pend);

		if (poll(p, n, -1) < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		r = drain_ready(lab);
		if (r < 0)
			return r;
		for (size_t j = 0; j < n_pend; j++) {
			if (!p[n_ch + j].revents || lab->node_state[pend[j]] == NODE_READY)
				continue;
			r = node_died(lab, pend[j], nodes[pend[j]].pidfd, errmsg, errlen);
			if (r == -ESRCH && lab->ready_error < 0)
				goto report; /* a set-up that failed came first */
			if (r == -ESRCH && ret_index)
				*ret_index = pend[j];
			if (r < 0)
				return r;
		}
	}
report:
	if (lab->ready_error < 0) {
		if (ret_index)
			*ret_index = lab->ready_error_index;
		if (errmsg)
			snprintf(errmsg, errlen, "%s", lab->ready_error_text);
		return lab->ready_error;
	}
	return 0;
}

int ns_lab_commit(struct ns_lab *lab)
{
	struct ns_msg m = { .type = NS_MSG_COMMIT };
	unsigned n_fds;
	int r;

	r = ns_send_msg(lab->ctl, &m, NULL, 0);
	if (r < 0)
		return r;
	for (;;) {
		r = ns_recv_msg(lab->ctl, &m, NULL, &n_fds);
		if (r < 0)
			return r == -EPIPE ? -ECHILD : r;
		if (m.type == NS_MSG_COMMITTED)
			break;
	}
	lab->committed = true;
	/* The worker's job is done: it exits when its channel closes. */
	lab->ctl2 = safe_close(lab->ctl2);
	return 0;
}

void ns_lab_free(struct ns_lab *lab)
{
	if (!lab)
		return;
	if (!lab->committed && lab->pid > 0) {
		/* Killing PID 1 of the lab kills every process in it; waiting for it means they
		 * are all gone (the kernel reaps the namespace before the init's exit completes). */
		syscall(SYS_pidfd_send_signal, lab->pidfd, SIGKILL, NULL, 0);
		while (waitpid(lab->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	safe_close(lab->ctl);
	safe_close(lab->ctl2);
	safe_close(lab->pidfd);
	safe_close(lab->netns_fd);
	free(lab->node_state);
	free(lab);
}
