/* SPDX-License-Identifier: MIT */
/*
 * The feature probes of `netlab doctor` (lab_doctor): each kernel feature a lab needs is tried
 * for real in a throwaway network namespace, so that the answer is what `up` would meet.
 */
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "impair.h"
#include "lab-cgroup.h"
#include "lab-internal.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

enum { P_VETH, P_BRIDGE, P_NETEM, P_TBF, P_HTB, _P_MAX };
struct probe_out {
	int err[_P_MAX];
	char msg[_P_MAX][96];
};

static int probe_request(struct nl_batch *b, struct probe_out *o, int which)
{
	struct nl_error e = { 0 };
	int r = nl_batch_push(b, 0, &e);
	if (r >= 0)
		r = nl_batch_flush(b, &e);
	o->err[which] = r < 0 ? r : 0;
	snprintf(o->msg[which], sizeof(o->msg[which]), "%.95s", e.msg);
	return r;
}

/* In a throwaway network namespace (ns_probe_run): try each feature for real. */
static int probe_net(void *data, void *out, size_t size)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct probe_out o = { 0 };
	struct nl_link_end a = { .name = "probe0", .netns_fd = -1 };
	struct nl_link_end z = { .name = "probe1", .netns_fd = -1 };
	struct nl_bridge br = { .name = "probebr" };
	struct nl_netem ne = { .delay_ns = 1000000 };
	struct nl_tbf tb = { .rate_Bps = 125000, .burst = 3028, .limit = 10000 };
	int r, i0, i1, ib;

	(void)data;
	r = nl_open(&nl);
	if (r < 0)
		return r;
	r = nl_batch_new(nl, &b);
	if (r < 0)
		return r;
	nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &a, &z);
	probe_request(b, &o, P_VETH);
	nl_build_bridge(nl_batch_buf(b), nl_batch_seq(b), &br);
	probe_request(b, &o, P_BRIDGE);
	/* Qdiscs on the veth ends when there are some, else on lo (every namespace has one). */
	i0 = (int)if_nametoindex("probe0");
	i1 = (int)if_nametoindex("probe1");
	ib = (int)if_nametoindex("probebr");
	nl_build_netem(nl_batch_buf(b), nl_batch_seq(b), NLM_F_CREATE | NLM_F_EXCL, i0 ? i0 : 1,
		       TC_H_ROOT, IMPAIR_ROOT_HANDLE, &ne);
	probe_request(b, &o, P_NETEM);
	nl_build_tbf(nl_batch_buf(b), nl_batch_seq(b), NLM_F_CREATE | NLM_F_EXCL, i1 ? i1 : 1,
		     TC_H_ROOT, IMPAIR_ROOT_HANDLE, &tb);
	probe_request(b, &o, P_TBF);
	nl_build_htb_root(nl_batch_buf(b), nl_batch_seq(b), ib ? ib : 1, IMPAIR_ROOT_HANDLE);
	probe_request(b, &o, P_HTB);
	memcpy(out, &o, sizeof(o) < size ? sizeof(o) : size);
	return 0;
}

static void feat(struct lab_feature *f, const char *name, int err, const char *msg,
		 const char *module)
{
	f->name = name;
	f->ok = err >= 0;
	if (f->ok)
		f->detail[0] = 0;
	else if (err == -ENOENT && module)
		snprintf(f->detail, sizeof(f->detail), "kernel lacks %s%s%s", module,
			 msg && msg[0] ? ": " : "", msg ? msg : "");
	else
		snprintf(f->detail, sizeof(f->detail), "%s%s%s", strerror(-err),
			 msg && msg[0] ? ": " : "", msg ? msg : "");
}

int lab_doctor(struct lab_feature f[_LAB_FEAT_MAX])
{
	struct probe_out o;
	struct statfs sfs;
	int r;

	memset(f, 0, sizeof(*f) * _LAB_FEAT_MAX);
	memset(&o, 0, sizeof(o));
	/* A user's labs live in a user namespace of their own: probe there, as `up` would. */
	r = ns_probe_run(CLONE_NEWNET | (geteuid() != 0 ? CLONE_NEWUSER : 0), probe_net, NULL, &o,
			 sizeof(o));
	feat(&f[LAB_FEAT_NETNS], "netns", r, NULL, NULL);
	if (r < 0)
		for (int i = 0; i < _P_MAX; i++)
			o.err[i] = r;
	feat(&f[LAB_FEAT_VETH], "veth", o.err[P_VETH], o.msg[P_VETH], "veth");
	feat(&f[LAB_FEAT_BRIDGE], "bridge", o.err[P_BRIDGE], o.msg[P_BRIDGE], "bridge");
	feat(&f[LAB_FEAT_NETEM], "netem", o.err[P_NETEM], o.msg[P_NETEM], "sch_netem");
	feat(&f[LAB_FEAT_TBF], "tbf", o.err[P_TBF], o.msg[P_TBF], "sch_tbf");
	feat(&f[LAB_FEAT_HTB], "htb", o.err[P_HTB], o.msg[P_HTB], "sch_htb");

	lab_doctor_rootless(f);
	lab_cgroup_doctor(f);

	f[LAB_FEAT_CGROUP2].name = "cgroup2";
	if (statfs("/sys/fs/cgroup", &sfs) >= 0 && sfs.f_type == CGROUP2_SUPER_MAGIC) {
		f[LAB_FEAT_CGROUP2].ok = true;
		snprintf(f[LAB_FEAT_CGROUP2].detail, sizeof(f->detail), "unified at /sys/fs/cgroup");
	} else if (statfs("/sys/fs/cgroup/unified", &sfs) >= 0 &&
		   sfs.f_type == CGROUP2_SUPER_MAGIC) {
		f[LAB_FEAT_CGROUP2].ok = true;
		snprintf(f[LAB_FEAT_CGROUP2].detail, sizeof(f->detail),
			 "hybrid: cgroup2 at /sys/fs/cgroup/unified, controllers on cgroup v1");
	} else
		snprintf(f[LAB_FEAT_CGROUP2].detail, sizeof(f->detail), "no cgroup2 mounted");
	return 0;
}
