/* SPDX-License-Identifier: MIT */
/*
 * Link impairment (netem, tbf) at `up` and the qdisc layout shared with the runtime verbs
 * (impair.h). The feature probes of `netlab doctor` are in features.c, the lab's event log in
 * events.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>

#include "impair.h"
#include "lab-internal.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

bool impair_needs_netem(const struct topo_impair *im)
{
	/* limit= is netem's queue length; with rate= alone it sizes tbf's queue instead. */
	return im->delay_ns || im->jitter_ns || im->loss || im->duplicate || im->corrupt ||
	       im->reorder || (im->limit && !im->rate_bps);
}

bool impair_needs_tbf(const struct topo_impair *im)
{
	return im->rate_bps != 0;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

void impair_tbf_params(const struct topo_impair *im, unsigned mtu, struct nl_tbf *ret)
{
	uint64_t rate = im->rate_bps / 8 ? im->rate_bps / 8 : 1;
	uint64_t frame = (mtu ? mtu : 1500) + 14;
	/* A bucket of 10 ms at the rate (what HZ=100 needs), at least two full frames; a queue
	 * of 50 ms on top (tc's `latency 50ms`), unless limit= gives it in packets. */
	uint64_t burst = rate / 100 > 2 * frame ? rate / 100 : 2 * frame;
	uint64_t limit = rate / 20 + burst;

	if (im->limit && !impair_needs_netem(im))
		limit = (uint64_t)im->limit * frame;
	*ret = (struct nl_tbf){ .rate_Bps = rate, .burst = clamp32(burst), .limit = clamp32(limit) };
}

static void netem_params(const struct topo_impair *im, struct nl_netem *ne)
{
	*ne = (struct nl_netem){
		.limit = im->limit,
		.delay_ns = im->delay_ns,
		.jitter_ns = im->jitter_ns,
		.loss = im->loss,
		.duplicate = im->duplicate,
		.corrupt = im->corrupt,
		.reorder = im->reorder,
	};
}

static int send_one(struct nl *nl, struct nl_batch *b, struct nl_error *e)
{
	int r = nl_batch_push(b, 0, e);
	if (r >= 0)
		r = nl_batch_flush(b, e);
	return r;
}

int impair_iface(struct nl *nl, int ifindex, unsigned mtu, const struct topo_impair *im,
		 bool fresh, struct nl_error *e)
{
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	bool netem = impair_needs_netem(im), tbf = impair_needs_tbf(im);
	bool cur_netem = false, cur_tbf_root = false, cur_tbf_child = false, cur_any = false;
	uint16_t root_flags = NLM_F_CREATE | NLM_F_EXCL, child_flags = NLM_F_CREATE | NLM_F_EXCL;
	struct nl_netem ne;
	struct nl_tbf tb;
	int r;

	*e = (struct nl_error){ 0 };
	r = nl_batch_new(nl, &b);
	if (r < 0)
		return r;
	if (!fresh) {
		struct nl_qdisc_info *qs = NULL;
		size_t n = 0;

		r = nl_qdisc_list(ifindex, &qs, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			if (qs[i].handle == 0)
				continue; /* the device's default (noqueue) */
			if (qs[i].parent == TC_H_ROOT)
				cur_any = true;
			if (qs[i].parent == TC_H_ROOT && qs[i].is_netem &&
			    qs[i].handle == IMPAIR_ROOT_HANDLE)
				cur_netem = true;
			else if (qs[i].parent == TC_H_ROOT && qs[i].is_tbf &&
				 qs[i].handle == IMPAIR_TBF_HANDLE)
				cur_tbf_root = true;
			else if (qs[i].parent == IMPAIR_CHILD_PARENT && qs[i].is_tbf &&
				 qs[i].handle == IMPAIR_CHILD_HANDLE)
				cur_tbf_child = true;
		}
		free(qs);
		if (!netem && !tbf) {
			if (!cur_any)
				return 0;
			nl_build_qdisc_del(nl_batch_buf(b), nl_batch_seq(b), ifindex, TC_H_ROOT, 0);
			return send_one(nl, b, e);
		}
		/* The root is replaced: in place when it is of the same kind and handle, else
		 * grafted over the old one (which goes with its child) in the same request, so
		 * that a failure leaves the old impairment as it was. */
		root_flags = NLM_F_CREATE | NLM_F_REPLACE;
		if (netem && cur_netem && cur_tbf_child) {
			if (tbf)
				child_flags = NLM_F_CREATE | NLM_F_REPLACE;
			else {
				r = nl_build_netem(nl_batch_buf(b), nl_batch_seq(b), root_flags,
						   ifindex, TC_H_ROOT, IMPAIR_ROOT_HANDLE,
						   (netem_params(im, &ne), &ne))
					    ? send_one(nl, b, e)
					    : -EINVAL;
				if (r < 0)
					return r;
				nl_build_qdisc_del(nl_batch_buf(b), nl_batch_seq(b), ifindex,
						   IMPAIR_CHILD_PARENT, IMPAIR_CHILD_HANDLE);
				return send_one(nl, b, e);
			}
		}
		(void)cur_tbf_root;
	}
	if (netem) {
		netem_params(im, &ne);
		if (!nl_build_netem(nl_batch_buf(b), nl_batch_seq(b), root_flags, ifindex, TC_H_ROOT,
				    IMPAIR_ROOT_HANDLE, &ne))
			return -EINVAL;
		r = send_one(nl, b, e);
		if (r < 0)
			return r;
	}
	if (tbf) {
		impair_tbf_params(im, mtu, &tb);
		if (!nl_build_tbf(nl_batch_buf(b), nl_batch_seq(b), netem ? child_flags : root_flags,
				  ifindex, netem ? IMPAIR_CHILD_PARENT : TC_H_ROOT,
				  netem ? IMPAIR_CHILD_HANDLE : IMPAIR_TBF_HANDLE, &tb))
			return -EINVAL;
		r = send_one(nl, b, e);
		if (r < 0)
			return r;
	}
	return 0;
}

int impair_read(int ifindex, unsigned mtu, struct topo_impair *ret, struct nl_qdisc_info **ret_qs,
		size_t *ret_n)
{
	struct nl_qdisc_info *qs = NULL;
	struct topo_impair im = { 0 };
	size_t n = 0;
	int r;

	r = nl_qdisc_list(ifindex, &qs, &n);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (qs[i].is_netem) {
			im.delay_ns = qs[i].netem.delay_ns;
			im.jitter_ns = qs[i].netem.jitter_ns;
			im.loss = qs[i].netem.loss;
			im.duplicate = qs[i].netem.duplicate;
			im.corrupt = qs[i].netem.corrupt;
			im.reorder = qs[i].netem.reorder;
			if (qs[i].netem.limit != 1000)
				im.limit = qs[i].netem.limit;
			im.set = true;
		} else if (qs[i].is_tbf) {
			im.rate_bps = qs[i].tbf.rate_Bps * 8;
			im.set = true;
		}
	}
	/* A rate-only queue given in packets: recognise our own arithmetic. */
	for (size_t i = 0; i < n; i++)
		if (qs[i].is_tbf && qs[i].parent == TC_H_ROOT) {
			struct nl_tbf def;
			uint32_t frame = (mtu ? mtu : 1500) + 14;
			struct topo_impair tmp = { .rate_bps = im.rate_bps };
			impair_tbf_params(&tmp, mtu, &def);
			if (qs[i].tbf.limit != def.limit && qs[i].tbf.limit % frame == 0)
				im.limit = qs[i].tbf.limit / frame;
		}
	*ret = im;
	if (ret_qs) {
		*ret_qs = qs;
		*ret_n = n;
	} else
		free(qs);
	return 0;
}

/* ---- up ----------------------------------------------------------------------------------- */

static const char *netem_key(const struct topo_impair *im)
{
	return im->delay_ns ? "delay=" : im->jitter_ns ? "jitter=" : im->loss ? "loss="
	       : im->duplicate ? "duplicate=" : im->corrupt ? "corrupt=" : im->reorder ? "reorder="
	       : "limit=";
}

int lab_impair_check(const struct topo *t)
{
	const struct topo_impair *need_netem = NULL, *need_tbf = NULL;
	struct lab_feature f[_LAB_FEAT_MAX];
	int r;

	for (size_t i = 0; i < t->n_links; i++)
		for (int d = 0; d < 2; d++) {
			const struct topo_impair *im = &t->links[i].egress[d];
			if (!need_netem && impair_needs_netem(im))
				need_netem = im;
			if (!need_tbf && impair_needs_tbf(im))
				need_tbf = im;
		}
	if (!need_netem && !need_tbf)
		return 0;
	r = lab_doctor(f);
	if (r < 0)
		return log_error_errno(r, "Cannot probe the kernel for link emulation: %m");
	if (need_netem && !f[LAB_FEAT_NETEM].ok) {
		log_error("kernel lacks sch_netem (needed by %s at %s:%u:%u)", netem_key(need_netem),
			  t->file, need_netem->pos.line, need_netem->pos.col);
		log_debug("netem probe: %s", f[LAB_FEAT_NETEM].detail);
		return -EOPNOTSUPP;
	}
	if (need_tbf && !f[LAB_FEAT_TBF].ok) {
		log_error("kernel lacks sch_tbf (needed by rate= at %s:%u:%u)", t->file,
			  need_tbf->pos.line, need_tbf->pos.col);
		log_debug("tbf probe: %s", f[LAB_FEAT_TBF].detail);
		return -EOPNOTSUPP;
	}
	return 0;
}

static int apply_in(const struct lab_up_ctx *c, int netns, bool on_switch, size_t owner)
{
	const struct topo *t = c->t;
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct nl_error e;
	int r;

	r = nl_open_in(netns, &nl);
	if (r < 0)
		return log_error_errno(r, "Cannot open netlink in a namespace of the lab: %m");
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct topo_iface *f = &t->ifaces[i];
		const struct topo_link *l = &t->links[f->link];
		const struct topo_impair *im = &l->egress[l->end[0] == i ? 0 : 1];

		if (f->on_switch != on_switch || f->owner != owner || !im->set)
			continue;
		r = impair_iface(nl, f->ifindex, f->mtu, im, true, &e);
		if (r < 0) {
			const char *who = on_switch ? t->switches[owner].name : t->nodes[owner].name;
			return nl_log_error(&e, r, "%s:%u: Cannot impair %s:%s", t->file,
					    l->pos.line, who, f->name);
		}
	}
	return 0;
}

int lab_impair_apply(const struct lab_up_ctx *c)
{
	const struct topo *t = c->t;
	bool any_switch = false;
	int r;

	/* One socket per namespace that has an impaired end: nodes, then the lab-root. */
	for (size_t n = 0; n < t->n_nodes; n++) {
		bool any = false;
		for (size_t k = 0; k < t->nodes[n].n_ifaces && !any; k++) {
			const struct topo_iface *f = &t->ifaces[t->nodes[n].ifaces[k]];
			const struct topo_link *l = &t->links[f->link];
			any = l->egress[l->end[0] == t->nodes[n].ifaces[k] ? 0 : 1].set;
		}
		if (!any)
			continue;
		r = apply_in(c, c->nodes[n].netns_fd, false, n);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct topo_link *l = &t->links[t->ifaces[i].link];
		if (t->ifaces[i].on_switch && l->egress[l->end[0] == i ? 0 : 1].set)
			any_switch = true;
	}
	if (!any_switch)
		return 0;
	for (size_t s = 0; s < t->n_switches; s++) {
		r = apply_in(c, c->labroot_netns, true, s);
		if (r < 0)
			return r;
	}
	return 0;
}
