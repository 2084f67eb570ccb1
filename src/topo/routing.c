/* SPDX-License-Identifier: MIT */
/*
 * Routes: checks the explicit `route` statements against the address plan, and computes
 * `routing static`. Pure; runs after topo_plan().
 *
 * `routing static` is one breadth-first search per router (and per multi-homed host) and
 * family over the bipartite graph of nodes and segments, so a lab costs
 * O(nodes × (nodes + links)); each segment is expanded once per search, which keeps a switch
 * with a thousand hosts from turning the search quadratic. Only routers are queued, so only
 * routers carry traffic through. Neighbours are visited in the order of the node's ifaces and
 * of the segment's ifaces, both declaration order, and the first path found wins: that is the
 * deterministic tie break.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan-internal.h"
#include "topo-internal.h"

static bool is_router(const struct topo *t, size_t n)
{
	return t->nodes[n].flags & TOPO_NODE_ROUTER;
}

/* ---- explicit routes ---- */

static int check_explicit_route(struct topo *t, const struct topo_src *src, struct topo_error *err,
				struct topo_route *rt)
{
	const struct topo_node *node = &t->nodes[rt->node];
	unsigned len = plan_token_len(src, rt->pos);
	char via[TOPO_ADDRSTRLEN], label[PLAN_LABEL_MAX];

	topo_addr_str(&rt->via, false, via, sizeof(via));

	/* `default` has no family of its own: it takes the gateway's */
	if (rt->dst.family == 0 && rt->dst.plen == 0)
		rt->dst.family = rt->via.family;
	if (rt->dst.family != rt->via.family) {
		char dst[TOPO_ADDRSTRLEN];

		topo_addr_str(&rt->dst, true, dst, sizeof(dst));
		return topo_fail(err, src, rt->pos, len,
				 "%s route to %s cannot use the %s gateway %s",
				 plan_family_name(rt->dst.family), dst,
				 plan_family_name(rt->via.family), via);
	}

	for (size_t k = 0; k < node->n_ifaces; k++) {
		size_t i = node->ifaces[k];
		const struct topo_iface *f = &t->ifaces[i];

		if (rt->iface != TOPO_NONE && rt->iface != i)
			continue;
		for (size_t a = 0; a < f->n_addrs; a++) {
			if (f->addrs[a].family != rt->via.family)
				continue;
			if (memcmp(f->addrs[a].bytes, rt->via.bytes,
				   rt->via.family == AF_INET6 ? 16 : 4) == 0)
				return topo_fail(err, src, rt->pos, len,
						 "gateway %s is an address of '%s' itself", via,
						 plan_iface_label(t, i, label));
			if (topo_addr_contains(&f->addrs[a], &rt->via))
				return 0;
		}
	}

	if (rt->iface != TOPO_NONE)
		return topo_fail(err, src, rt->pos, len, "gateway %s is not on a subnet of '%s'",
				 via, plan_iface_label(t, rt->iface, label));
	return topo_fail(err, src, rt->pos, len,
			 "gateway %s is not on a subnet of any interface of '%s'", via, node->name);
}

/* ---- routing static ---- */

struct route_plan {
	struct topo *t;
	size_t n_explicit;
	size_t cap;
	/* explicit routes by node, CSR: those of node n are by_node[first[n] .. first[n + 1]) */
	size_t *first, *by_node;

	/* one search; marks compare with epoch so nothing is cleared between searches */
	uint32_t epoch;
	uint32_t *node_mark, *seg_mark;
	size_t *gw;	 /* per node: the first-hop router's iface (the gateway) */
	size_t *out;	 /* per node: the source's iface towards it */
	size_t *seg_via; /* per segment: the router that reached it, TOPO_NONE if connected */
	size_t *queue;
};

static void route_plan_done(struct route_plan *p)
{
	free(p->first);
	free(p->by_node);
	free(p->node_mark);
	free(p->seg_mark);
	free(p->gw);
	free(p->out);
	free(p->seg_via);
	free(p->queue);
}

static bool seg_has(const struct topo_segment *s, int family)
{
	return family == AF_INET6 ? s->has6 : s->has4;
}

static bool has_explicit(const struct route_plan *p, size_t node, const struct topo_addr *dst)
{
	for (size_t k = p->first[node]; k < p->first[node + 1]; k++) {
		const struct topo_route *rt = &p->t->routes[p->by_node[k]];

		if (topo_addr_prefix_equal(&rt->dst, dst))
			return true;
	}
	return false;
}

static int add_route(struct route_plan *p, size_t node, const struct topo_addr *dst,
		     size_t gw_iface, size_t out_iface)
{
	struct topo *t = p->t;
	const struct topo_addr *via = plan_first_addr(&t->ifaces[gw_iface], dst->family, NULL);
	struct topo_route *rt;

	if (!via || has_explicit(p, node, dst))
		return 0;
	if (t->n_routes == p->cap) {
		size_t cap = p->cap < 16 ? 16 : p->cap * 2;
		struct topo_route *n = realloc(t->routes, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		t->routes = n;
		p->cap = cap;
	}
	rt = &t->routes[t->n_routes++];
	*rt = (struct topo_route){
		.node = node,
		.dst = *dst,
		.via = *via,
		.iface = out_iface,
		.automatic = true,
		.pos = t->routing_pos,
	};
	rt->via.plen = via->family == AF_INET6 ? 128 : 32;
	return 0;
}

static void search(struct route_plan *p, size_t src_node, int family)
{
	struct topo *t = p->t;
	size_t head = 0, tail = 0;

	p->epoch++;
	p->node_mark[src_node] = p->epoch;
	p->queue[tail++] = src_node;
	while (head < tail) {
		size_t u = p->queue[head++];
		const struct topo_node *un = &t->nodes[u];

		for (size_t k = 0; k < un->n_ifaces; k++) {
			size_t s = t->ifaces[un->ifaces[k]].segment;
			const struct topo_segment *seg;

			/* An unaddressed end carries no route of ours (its daemon's own, if any). */
			if (s == TOPO_NONE || p->seg_mark[s] == p->epoch ||
			    t->ifaces[un->ifaces[k]].unaddressed)
				continue;
			seg = &t->segments[s];
			if (!seg_has(seg, family))
				continue;
			p->seg_mark[s] = p->epoch;
			p->seg_via[s] = u == src_node ? TOPO_NONE : u;

			for (size_t j = 0; j < seg->n_ifaces; j++) {
				size_t vi = seg->ifaces[j], v = t->ifaces[vi].owner;

				if (p->node_mark[v] == p->epoch || t->ifaces[vi].unaddressed)
					continue;
				p->node_mark[v] = p->epoch;
				if (u == src_node) {
					p->gw[v] = vi;
					p->out[v] = un->ifaces[k];
				} else {
					p->gw[v] = p->gw[u];
					p->out[v] = p->out[u];
				}
				if (is_router(t, v))
					p->queue[tail++] = v;
			}
		}
	}
}

/* Routes of a router or multi-homed host: every segment it is not on, every other router's
 * loopback, in segment order then node order. */
static int routes_from(struct route_plan *p, size_t n, int family)
{
	struct topo *t = p->t;
	int r;

	search(p, n, family);
	for (size_t s = 0; s < t->n_segments; s++) {
		const struct topo_segment *seg = &t->segments[s];
		size_t u;

		if (p->seg_mark[s] != p->epoch || p->seg_via[s] == TOPO_NONE)
			continue;
		u = p->seg_via[s];
		r = add_route(p, n, family == AF_INET6 ? &seg->net6 : &seg->net4, p->gw[u],
			      p->out[u]);
		if (r < 0)
			return r;
	}
	for (size_t m = 0; m < t->n_nodes; m++) {
		const struct topo_node *rn = &t->nodes[m];
		bool has = family == AF_INET6 ? rn->has_lo6 : rn->has_lo4;

		if (m == n || !has || p->node_mark[m] != p->epoch)
			continue;
		r = add_route(p, n, family == AF_INET6 ? &rn->lo6 : &rn->lo4, p->gw[m], p->out[m]);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A host on one link: a default route via the first router on its segment. */
static int default_route(struct route_plan *p, size_t n, int family)
{
	struct topo *t = p->t;
	size_t i = t->nodes[n].ifaces[0], s = t->ifaces[i].segment;
	const struct topo_segment *seg;
	struct topo_addr dst = { .family = family };

	if (s == TOPO_NONE || t->ifaces[i].unaddressed)
		return 0;
	seg = &t->segments[s];
	if (!seg_has(seg, family))
		return 0;
	for (size_t j = 0; j < seg->n_ifaces; j++) {
		size_t v = t->ifaces[seg->ifaces[j]].owner;

		if (v != n && is_router(t, v) && !t->ifaces[seg->ifaces[j]].unaddressed)
			return add_route(p, n, &dst, seg->ifaces[j], i);
	}
	return 0;
}

static int route_plan_init(struct route_plan *p)
{
	struct topo *t = p->t;
	size_t nn = t->n_nodes, ns = t->n_segments;

	p->first = calloc(nn + 1, sizeof(size_t));
	p->by_node = calloc(p->n_explicit + 1, sizeof(size_t));
	p->node_mark = calloc(nn + 1, sizeof(uint32_t));
	p->seg_mark = calloc(ns + 1, sizeof(uint32_t));
	p->gw = calloc(nn + 1, sizeof(size_t));
	p->out = calloc(nn + 1, sizeof(size_t));
	p->seg_via = calloc(ns + 1, sizeof(size_t));
	p->queue = calloc(nn + 1, sizeof(size_t));
	if (!p->first || !p->by_node || !p->node_mark || !p->seg_mark || !p->gw || !p->out ||
	    !p->seg_via || !p->queue)
		return -ENOMEM;

	for (size_t k = 0; k < p->n_explicit; k++)
		p->first[t->routes[k].node + 1]++;
	for (size_t n = 0; n < nn; n++)
		p->first[n + 1] += p->first[n];
	{
		_cleanup_free_ size_t *fill = malloc((nn + 1) * sizeof(size_t));

		if (!fill)
			return -ENOMEM;
		memcpy(fill, p->first, (nn + 1) * sizeof(size_t));
		for (size_t k = 0; k < p->n_explicit; k++)
			p->by_node[fill[t->routes[k].node]++] = k;
	}
	return 0;
}

/* One allocation for all routes: a long chain makes millions of them, and growing by doubling
 * would copy hundreds of megabytes. The bound is what every source could at most get. */
static int reserve_routes(struct route_plan *p)
{
	struct topo *t = p->t;
	size_t prefixes = 0, sources = 0, hosts = 0, bound;
	struct topo_route *n;

	for (size_t s = 0; s < t->n_segments; s++)
		prefixes += t->segments[s].has4 + t->segments[s].has6;
	for (size_t m = 0; m < t->n_nodes; m++) {
		prefixes += t->nodes[m].has_lo4 + t->nodes[m].has_lo6;
		if (is_router(t, m) || t->nodes[m].n_ifaces > 1)
			sources++;
		else if (t->nodes[m].n_ifaces == 1)
			hosts++;
	}
	if (sources && prefixes > (SIZE_MAX / sizeof(*n) - p->n_explicit - 2 * hosts) / sources)
		return -ENOMEM;
	bound = p->n_explicit + sources * prefixes + 2 * hosts;
	if (bound <= p->cap)
		return 0;
	n = realloc(t->routes, bound * sizeof(*n));
	if (!n)
		return -ENOMEM;
	t->routes = n;
	p->cap = bound;
	return 0;
}

/* Two segments with one subnet would give a router two routes to one prefix. */
static int check_unique_subnets(struct topo *t, const struct topo_src *src, struct topo_error *err,
				int family)
{
	/* n² over segments with a user-given subnet only: planned subnets never collide. */
	for (size_t s = 0; s < t->n_segments; s++) {
		const struct topo_segment *seg = &t->segments[s];
		const struct topo_addr *net = family == AF_INET6 ? &seg->net6 : &seg->net4;
		const struct topo_iface *f;
		size_t k;

		if (!seg_has(seg, family) || seg->n_ifaces == 0)
			continue;
		f = &t->ifaces[seg->ifaces[0]];
		if (!plan_first_addr(f, family, &k) || k >= f->n_user_addrs)
			continue;
		for (size_t o = 0; o < s; o++) {
			const struct topo_segment *other = &t->segments[o];
			char n_str[TOPO_ADDRSTRLEN], label[PLAN_LABEL_MAX];

			if (!seg_has(other, family) || other->n_ifaces == 0 ||
			    !topo_addr_prefix_equal(family == AF_INET6 ? &other->net6 : &other->net4,
					       net))
				continue;
			topo_addr_str(net, true, n_str, sizeof(n_str));
			return topo_fail(
				err, src, f->addr_pos[k], plan_token_len(src, f->addr_pos[k]),
				"subnet %s is also used on the segment of '%s'; routing static "
				"needs one subnet per segment",
				n_str, plan_iface_label(t, other->ifaces[0], label));
		}
	}
	return 0;
}

static int plan_static(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	_cleanup_(route_plan_done) struct route_plan p = {
		.t = t,
		.n_explicit = t->n_routes,
		.cap = t->n_routes,
	};
	static const int families[] = { AF_INET, AF_INET6 };
	int r;

	for (size_t f = 0; f < ELEMENTSOF(families); f++) {
		r = check_unique_subnets(t, src, err, families[f]);
		if (r < 0)
			return r;
	}
	r = route_plan_init(&p);
	if (r < 0)
		return r;
	r = reserve_routes(&p);
	if (r < 0)
		return r;

	for (size_t n = 0; n < t->n_nodes; n++) {
		const struct topo_node *node = &t->nodes[n];

		for (size_t f = 0; f < ELEMENTSOF(families); f++) {
			if (is_router(t, n) || node->n_ifaces > 1)
				r = routes_from(&p, n, families[f]);
			else if (node->n_ifaces == 1)
				r = default_route(&p, n, families[f]);
			if (r < 0)
				return r;
		}
	}

	/* give back what the estimate over-reserved */
	if (t->n_routes > 0 && t->n_routes < p.cap) {
		struct topo_route *n = realloc(t->routes, t->n_routes * sizeof(*n));

		if (n)
			t->routes = n;
	}
	return 0;
}

int topo_route_plan(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	int r;

	for (size_t k = 0; k < t->n_routes; k++) {
		if (t->routes[k].automatic)
			continue;
		r = check_explicit_route(t, src, err, &t->routes[k]);
		if (r < 0)
			return r;
	}
	if (!t->routing_static)
		return 0;
	return plan_static(t, src, err);
}
