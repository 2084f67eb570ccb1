/* SPDX-License-Identifier: MIT */
/*
 * What `netlab status` and netlab_status() report: a lab's state file, its liveness, and, in
 * each node, its interfaces as the kernel has them now (a netlink dump from inside the node)
 * and its resources. Built here once; cli/ and lib/ only print or copy it.
 */
#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>

#include "lab-cgroup.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "nl.h"
#include "ns.h"

/* ---- a node's interfaces ----------------------------------------------------------------- */

struct ifs {
	struct lab_ifinfo *v;
	size_t n, cap;
};

static int on_link(const struct nlmsghdr *nlh, void *data)
{
	struct ifs *s = data;
	struct nl_link_info l;
	struct lab_ifinfo *i;

	if (nl_link_parse(nlh, &l) < 0 || l.deleted)
		return MNL_CB_OK;
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 8;
		struct lab_ifinfo *v = reallocarray(s->v, nc, sizeof(*v));
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = nc;
	}
	i = &s->v[s->n++];
	memset(i, 0, sizeof(*i));
	i->ifindex = l.ifindex;
	i->flags = l.flags;
	snprintf(i->name, sizeof(i->name), "%s", l.name);
	i->mtu = l.mtu;
	if (l.addr_len == sizeof(i->mac))
		memcpy(i->mac, l.addr, sizeof(i->mac));
	return MNL_CB_OK;
}

static int on_addr(const struct nlmsghdr *nlh, void *data)
{
	struct ifs *s = data;
	struct nl_addr_info a;

	if (nl_addr_parse(nlh, &a) < 0 || a.deleted || !a.has_addr)
		return MNL_CB_OK;
	for (size_t k = 0; k < s->n; k++) {
		struct lab_ifinfo *i = &s->v[k];
		if (i->ifindex != a.ifindex || i->n_addrs >= ELEMENTSOF(i->addrs))
			continue;
		struct topo_addr *t = &i->addrs[i->n_addrs++];
		memset(t, 0, sizeof(*t));
		t->family = a.family;
		t->plen = a.prefixlen;
		memcpy(t->bytes, a.addr, a.family == AF_INET ? 4 : 16);
	}
	return MNL_CB_OK;
}

int lab_node_interfaces(const struct lab_state *st, size_t node, struct lab_ifinfo **ret,
			size_t *ret_n)
{
	_cleanup_close_ int pidfd = -EBADF;
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct ifs s = { 0 };
	struct nl_error e;
	int r;

	r = lab_state_node_pidfd(st, node, &pidfd);
	if (r < 0)
		return r;
	r = nl_open_in(pidfd, &nl);
	if (r < 0)
		return r;

	r = nl_dump(nl, RTM_GETLINK, AF_UNSPEC, on_link, &s, &e);
	if (r >= 0)
		r = nl_dump(nl, RTM_GETADDR, AF_UNSPEC, on_addr, &s, &e);
	if (r < 0) {
		free(s.v);
		return r;
	}
	*ret = s.v;
	*ret_n = s.n;
	return 0;
}

/* ---- a lab's status ---------------------------------------------------------------------- */

/* What a status needs more than once, found at most once per call. */
struct status_ctx {
	unsigned what;
	struct cg_root root; /* cg_detect() reads /proc/self/mountinfo: once, on first need */
	bool root_known;
};

static void node_status(struct status_ctx *c, const struct lab_state *st, size_t i,
			struct lab_status_node *n, enum lab_liveness live)
{
	snprintf(n->name, sizeof(n->name), "%s", st->nodes[i].name);
	n->pid = st->nodes[i].pid;
	n->run = live != LAB_RUNNING ? LAB_NODE_STALE : LAB_NODE_RUNNING;
	if (live != LAB_RUNNING || !(c->what & LAB_STATUS_IFACES))
		return;
	if (lab_node_interfaces(st, i, &n->ifs, &n->n_ifs) < 0) {
		n->run = LAB_NODE_DEAD;
		return;
	}
	if (!(c->what & LAB_STATUS_RESOURCES))
		return;
	if (!c->root_known)
		(void)cg_detect(&c->root);
	c->root_known = true;
	n->has_res = lab_node_resources_in(&c->root, st, i, &n->res) >= 0;
}

static int status_fill(struct status_ctx *c, const char *name, struct lab_status *s)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;

	*s = (struct lab_status){ 0 };
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->live = lab_liveness(name);
	s->state_error = lab_state_load(name, &st);
	if (s->state_error < 0)
		return 0;
	s->state_error = 0;
	s->init_pid = st->init_pid;
	s->created = st->created;
	if (st->file && !(s->file = strdup(st->file)))
		return -ENOMEM;
	if (st->n_nodes && !(s->nodes = calloc(st->n_nodes, sizeof(*s->nodes))))
		return -ENOMEM;
	for (size_t i = 0; i < st->n_nodes; i++) {
		struct lab_status_node *n = &s->nodes[i];
		char root[LAB_PATH_MAX];

		node_status(c, st, i, n, s->live);
		s->n_nodes++;
		if (!(c->what & LAB_STATUS_ROOTS))
			continue;
		/* `up` said which nodes have no root of their own: no file to look for. */
		if (st->nodes[i].flags & NS_NODE_HOST_TREE)
			n->root_kind = NULL;
		else if (lab_node_root(name, n->name, &n->root_kind, root, sizeof(root)) < 0)
			n->root_kind = NULL;
		else if (!(n->root = strdup(root)))
			return -ENOMEM;
	}
	return 0;
}

void lab_status_free(struct lab_status *v, size_t n)
{
	if (!v)
		return;
	for (size_t k = 0; k < n; k++) {
		for (size_t i = 0; i < v[k].n_nodes; i++) {
			free(v[k].nodes[i].ifs);
			free(v[k].nodes[i].root);
		}
		free(v[k].nodes);
		free(v[k].file);
	}
	free(v);
}

/* The labs of names[] (NULL-terminated) whose name passes `only` (NULL: all). */
static int status_of_names(char **names, const char *only, unsigned what,
			   struct lab_status **ret, size_t *ret_n)
{
	struct status_ctx c = { .what = what };
	struct lab_status *v;
	size_t n = 0, len = 0;
	int r = 0;

	for (char **p = names; *p; p++)
		len += !only || streq(*p, only);
	if (len == 0) {
		*ret = NULL;
		*ret_n = 0;
		return only ? -ENOENT : 0;
	}
	v = calloc(len, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (char **p = names; *p && r >= 0; p++)
		if (!only || streq(*p, only)) {
			r = status_fill(&c, *p, &v[n]);
			n++;
		}
	if (r < 0) {
		lab_status_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int lab_status(const char *name, unsigned what, struct lab_status **ret)
{
	char **names = NULL;
	size_t n;
	int r;

	r = lab_list(&names);
	if (r < 0)
		return r;
	r = status_of_names(names, name, what, ret, &n);
	lab_list_free(names);
	return r;
}

int lab_status_all(unsigned what, struct lab_status **ret, size_t *ret_n)
{
	char **names = NULL;
	int r;

	r = lab_list(&names);
	if (r < 0)
		return r;
	r = status_of_names(names, NULL, what, ret, ret_n);
	lab_list_free(names);
	return r;
}
