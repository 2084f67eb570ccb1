/* SPDX-License-Identifier: MIT */
/*
 * Queueing disciplines: netem, tbf, htb builders (pure), a parser of the kernel's qdisc
 * messages (pure), and a qdisc dump of one interface.
 *
 * Encodings follow iproute2 (tc/tc_qdisc.c, tc/q_netem.c, tc/q_tbf.c, tc/tc_core.c):
 *
 *  - netem: TCA_OPTIONS is *not* a nest but struct tc_netem_qopt followed by TCA_NETEM_*
 *    attributes (the kernel's parse_attr() skips the struct). As iproute2 sends it since 6.9
 *    ("netem: use 64 bit value for latency and jitter"), delay and jitter go as
 *    TCA_NETEM_LATENCY64 / TCA_NETEM_JITTER64 in nanoseconds and the old 32-bit tick fields of
 *    the struct stay 0; the attribute order is iproute2's: LATENCY64, JITTER64, REORDER,
 *    CORRUPT. Probabilities are u32 scaled so that UINT32_MAX is 100%. A reorder probability
 *    sets gap 1, as tc does.
 *  - tbf: TCA_OPTIONS nest with TCA_TBF_PARMS (rate with linklayer ethernet, cell_log 3,
 *    cell_align -1 as tc_calc_rtable() fills them; limit in bytes; buffer in psched ticks),
 *    TCA_TBF_BURST in bytes, TCA_TBF_RATE64 when the rate needs it. tc also sends a 1 KiB rate
 *    table (TCA_TBF_RTAB); the kernel ignores it whenever the linklayer is set (since 3.8,
 *    tbf_change()), and it would not fit NL_MSG_MAX, so it is left out. Everything else is
 *    byte for byte what tc sends (tests/unit/nl/test-nl-qdisc.c compares).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "nl.h"

/* psched ticks as the kernel reports them in /proc/net/psched since 2.6.31 (PSCHED_SHIFT 6):
 * one tick is 64 ns, 15.625 ticks per microsecond. */
#define TICKS_PER_USEC 15.625

static struct nlmsghdr *put_tc(void *buf, uint32_t seq, uint16_t type, uint16_t flags,
			       int ifindex, uint32_t parent, uint32_t handle)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct tcmsg *tcm;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = seq;
	tcm = mnl_nlmsg_put_extra_header(nlh, sizeof(*tcm));
	tcm->tcm_family = AF_UNSPEC;
	tcm->tcm_ifindex = ifindex;
	tcm->tcm_parent = parent;
	tcm->tcm_handle = handle;
	return nlh;
}

static struct nlmsghdr *invalid(void *buf)
{
	mnl_nlmsg_put_header(buf);
	errno = EINVAL;
	return NULL;
}

uint32_t nl_tc_xmittime(uint64_t rate_Bps, uint32_t size)
{
	/* tc_calc_xmittime(): the time in whole microseconds, then ticks. */
	if (rate_Bps == 0)
		return 0;
	double us = 1000000.0 * ((double)size / (double)rate_Bps);
	if (us >= 4294967295.0 / TICKS_PER_USEC)
		return UINT32_MAX;
	return (uint32_t)((double)(uint32_t)us * TICKS_PER_USEC);
}

struct nlmsghdr *nl_build_netem(void *buf, uint32_t seq, uint16_t flags, int ifindex,
				uint32_t parent, uint32_t handle, const struct nl_netem *ne)
{
	struct tc_netem_qopt opt = {
		.limit = ne->limit ? ne->limit : 1000,
		.loss = ne->loss,
		.duplicate = ne->duplicate,
	};
	struct nlmsghdr *nlh;
	struct nlattr *o;

	if (ifindex <= 0 || ne->delay_ns > INT64_MAX || ne->jitter_ns > INT64_MAX)
		return invalid(buf);
	if (ne->reorder)
		opt.gap = 1;
	nlh = put_tc(buf, seq, RTM_NEWQDISC, flags, ifindex, parent, handle);
	mnl_attr_put_strz(nlh, TCA_KIND, "netem");
	o = mnl_nlmsg_get_payload_tail(nlh);
	mnl_attr_put(nlh, TCA_OPTIONS, sizeof(opt), &opt);
	if (ne->delay_ns || ne->jitter_ns) {
		int64_t v = (int64_t)ne->delay_ns;
		mnl_attr_put(nlh, TCA_NETEM_LATENCY64, sizeof(v), &v);
	}
	if (ne->jitter_ns) {
		int64_t v = (int64_t)ne->jitter_ns;
		mnl_attr_put(nlh, TCA_NETEM_JITTER64, sizeof(v), &v);
	}
	if (ne->reorder) {
		struct tc_netem_reorder r = { .probability = ne->reorder };
		mnl_attr_put(nlh, TCA_NETEM_REORDER, sizeof(r), &r);
	}
	if (ne->corrupt) {
		struct tc_netem_corrupt c = { .probability = ne->corrupt };
		mnl_attr_put(nlh, TCA_NETEM_CORRUPT, sizeof(c), &c);
	}
	/* The attributes after the struct belong to TCA_OPTIONS. */
	o->nla_len = (uint16_t)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)o);
	return nlh;
}

struct nlmsghdr *nl_build_tbf(void *buf, uint32_t seq, uint16_t flags, int ifindex,
			      uint32_t parent, uint32_t handle, const struct nl_tbf *tb)
{
	struct tc_tbf_qopt opt = { 0 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (ifindex <= 0 || tb->rate_Bps == 0 || tb->burst == 0 || tb->limit == 0)
		return invalid(buf);
	/* tc_calc_rtable() with mtu 0 (2047): cell_log 3; linklayer ethernet. */
	opt.rate.cell_log = 3;
	opt.rate.linklayer = TC_LINKLAYER_ETHERNET;
	opt.rate.cell_align = -1;
	opt.rate.rate = tb->rate_Bps >= (1ull << 32) ? UINT32_MAX : (uint32_t)tb->rate_Bps;
	opt.limit = tb->limit;
	opt.buffer = nl_tc_xmittime(tb->rate_Bps, tb->burst);

	nlh = put_tc(buf, seq, RTM_NEWQDISC, flags, ifindex, parent, handle);
	mnl_attr_put_strz(nlh, TCA_KIND, "tbf");
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	/* iproute2's addattr_nest() does not flag the nest; neither do we, to send the same. */
	nest->nla_type = TCA_OPTIONS;
	mnl_attr_put(nlh, TCA_TBF_PARMS, sizeof(opt), &opt);
	mnl_attr_put_u32(nlh, TCA_TBF_BURST, tb->burst);
	if (tb->rate_Bps >= (1ull << 32))
		mnl_attr_put_u64(nlh, TCA_TBF_RATE64, tb->rate_Bps);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *nl_build_htb_root(void *buf, uint32_t seq, int ifindex, uint32_t handle)
{
	/* tc qdisc add dev X root handle H htb (q_htb.c: version 3, r2q 10). */
	struct tc_htb_glob g = { .version = 3, .rate2quantum = 10 };
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	if (ifindex <= 0)
		return invalid(buf);
	nlh = put_tc(buf, seq, RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, TC_H_ROOT, handle);
	mnl_attr_put_strz(nlh, TCA_KIND, "htb");
	nest = mnl_attr_nest_start(nlh, TCA_OPTIONS);
	nest->nla_type = TCA_OPTIONS;
	mnl_attr_put(nlh, TCA_HTB_INIT, sizeof(g), &g);
	mnl_attr_nest_end(nlh, nest);
	return nlh;
}

struct nlmsghdr *nl_build_qdisc_del(void *buf, uint32_t seq, int ifindex, uint32_t parent,
				    uint32_t handle)
{
	if (ifindex <= 0)
		return invalid(buf);
	return put_tc(buf, seq, RTM_DELQDISC, 0, ifindex, parent, handle);
}

struct nlmsghdr *nl_build_qdisc_dump(void *buf, uint32_t seq, int ifindex)
{
	/* As tc qdisc show dev X: a dump with a tcmsg naming the device (the kernel lists all
	 * devices anyway; callers filter by ifindex). */
	struct nlmsghdr *nlh = put_tc(buf, seq, RTM_GETQDISC, NLM_F_DUMP, ifindex, 0, 0);
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK;
	return nlh;
}

/* ---- parsing ------------------------------------------------------------------------------ */

static int parse_netem(const struct nlattr *opts, struct nl_netem *ne)
{
	const struct tc_netem_qopt *q;
	size_t len = mnl_attr_get_payload_len(opts), off;

	if (len < sizeof(*q))
		return -EBADMSG;
	q = mnl_attr_get_payload(opts);
	*ne = (struct nl_netem){
		.limit = q->limit,
		.loss = q->loss,
		.duplicate = q->duplicate,
		/* Old-style ticks, overridden by the 64-bit attributes below when present. */
		.delay_ns = (uint64_t)q->latency * 64,
		.jitter_ns = (uint64_t)q->jitter * 64,
	};
	off = MNL_ALIGN(sizeof(*q));
	while (off + sizeof(struct nlattr) <= len) {
		const struct nlattr *a = (const void *)((const char *)q + off);
		size_t alen = a->nla_len, plen;
		const void *p = (const char *)a + MNL_ATTR_HDRLEN;

		if (alen < MNL_ATTR_HDRLEN || off + alen > len)
			return -EBADMSG;
		plen = alen - MNL_ATTR_HDRLEN;
		switch (a->nla_type & NLA_TYPE_MASK) {
		case TCA_NETEM_LATENCY64:
			if (plen >= 8) {
				int64_t v;
				memcpy(&v, p, 8);
				ne->delay_ns = v > 0 ? (uint64_t)v : 0;
			}
			break;
		case TCA_NETEM_JITTER64:
			if (plen >= 8) {
				int64_t v;
				memcpy(&v, p, 8);
				ne->jitter_ns = v > 0 ? (uint64_t)v : 0;
			}
			break;
		case TCA_NETEM_REORDER:
			if (plen >= sizeof(struct tc_netem_reorder))
				ne->reorder = ((const struct tc_netem_reorder *)p)->probability;
			break;
		case TCA_NETEM_CORRUPT:
			if (plen >= sizeof(struct tc_netem_corrupt))
				ne->corrupt = ((const struct tc_netem_corrupt *)p)->probability;
			break;
		}
		off += MNL_ALIGN(alen);
	}
	return 0;
}

static int tbf_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, TCA_TBF_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int parse_tbf(const struct nlattr *opts, struct nl_tbf *t)
{
	const struct nlattr *tb[TCA_TBF_MAX + 1] = { 0 };
	const struct tc_tbf_qopt *q;

	if (mnl_attr_parse_nested(opts, tbf_attr, tb) < 0 || !tb[TCA_TBF_PARMS] ||
	    mnl_attr_get_payload_len(tb[TCA_TBF_PARMS]) < sizeof(*q))
		return -EBADMSG;
	q = mnl_attr_get_payload(tb[TCA_TBF_PARMS]);
	*t = (struct nl_tbf){ .rate_Bps = q->rate.rate, .limit = q->limit };
	if (tb[TCA_TBF_RATE64] && mnl_attr_get_payload_len(tb[TCA_TBF_RATE64]) >= 8)
		t->rate_Bps = mnl_attr_get_u64(tb[TCA_TBF_RATE64]);
	if (tb[TCA_TBF_BURST] && mnl_attr_get_payload_len(tb[TCA_TBF_BURST]) >= 4)
		t->burst = mnl_attr_get_u32(tb[TCA_TBF_BURST]);
	else /* The kernel reports the bucket as time: ticks back to bytes at the rate. */
		t->burst = (uint32_t)((double)q->buffer / TICKS_PER_USEC * (double)t->rate_Bps /
				      1000000.0 + 0.5);
	return 0;
}

static int tc_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	if (mnl_attr_type_valid(a, TCA_MAX) >= 0)
		tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

int nl_qdisc_parse(const struct nlmsghdr *nlh, struct nl_qdisc_info *ret)
{
	const struct nlattr *tb[TCA_MAX + 1] = { 0 };
	const struct tcmsg *tcm;
	struct nl_qdisc_info q = { 0 };
	int r = 0;

	if (nlh->nlmsg_type != RTM_NEWQDISC && nlh->nlmsg_type != RTM_GETQDISC)
		return -EBADMSG;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*tcm))
		return -EBADMSG;
	tcm = mnl_nlmsg_get_payload(nlh);
	if (mnl_attr_parse(nlh, sizeof(*tcm), tc_attr, tb) < 0 || !tb[TCA_KIND])
		return -EBADMSG;
	q.ifindex = tcm->tcm_ifindex;
	q.handle = tcm->tcm_handle;
	q.parent = tcm->tcm_parent;
	snprintf(q.kind, sizeof(q.kind), "%s", mnl_attr_get_str(tb[TCA_KIND]));
	if (tb[TCA_OPTIONS]) {
		if (strcmp(q.kind, "netem") == 0) {
			r = parse_netem(tb[TCA_OPTIONS], &q.netem);
			q.is_netem = r >= 0;
		} else if (strcmp(q.kind, "tbf") == 0) {
			r = parse_tbf(tb[TCA_OPTIONS], &q.tbf);
			q.is_tbf = r >= 0;
		}
	}
	if (r < 0)
		return r;
	*ret = q;
	return 0;
}

/* ---- dump ------------------------------------------------------------------------------- */

struct dump_ctx {
	int ifindex;
	struct nl_qdisc_info *v;
	size_t n, cap;
	int error;
};

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_ctx *d = data;
	struct nl_qdisc_info q;

	if (nlh->nlmsg_type != RTM_NEWQDISC || nl_qdisc_parse(nlh, &q) < 0)
		return MNL_CB_OK;
	if (d->ifindex && q.ifindex != d->ifindex)
		return MNL_CB_OK;
	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 4;
		struct nl_qdisc_info *v = realloc(d->v, nc * sizeof(*v));
		if (!v) {
			d->error = -ENOMEM;
			return MNL_CB_ERROR;
		}
		d->v = v;
		d->cap = nc;
	}
	d->v[d->n++] = q;
	return MNL_CB_OK;
}

int nl_qdisc_list(int ifindex, struct nl_qdisc_info **ret, size_t *ret_n)
{
	uint8_t req[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	uint8_t rbuf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct dump_ctx d = { .ifindex = ifindex };
	struct mnl_socket *s;
	struct nlmsghdr *nlh;
	uint32_t seq = (uint32_t)time(NULL), portid;
	int r;

	s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!s)
		return -errno;
	if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0) {
		r = -errno;
		goto out;
	}
	portid = mnl_socket_get_portid(s);
	nlh = nl_build_qdisc_dump(req, seq, ifindex);
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0) {
		r = -errno;
		goto out;
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(s, rbuf, sizeof(rbuf));
		if (n < 0) {
			r = -errno;
			break;
		}
		r = mnl_cb_run(rbuf, (size_t)n, seq, portid, dump_cb, &d);
		if (r <= MNL_CB_STOP) {
			r = r == MNL_CB_ERROR ? (d.error ? d.error : -errno) : 0;
			break;
		}
	}
out:
	mnl_socket_close(s);
	if (r < 0) {
		free(d.v);
		return r;
	}
	*ret = d.v;
	*ret_n = d.n;
	return 0;
}
