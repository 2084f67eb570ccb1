/* SPDX-License-Identifier: MIT */
/*
 * The address plan: L2 segments, ifindexes, MAC addresses, automatic and loopback addresses, and
 * every address error. Pure; runs after the parser filled struct topo (topo-internal.h).
 *
 * Determinism rests on array order: segments are numbered by the link that first touches them,
 * subnets are handed out to segments in that order by a cursor that only moves forward through
 * the pool, and hosts are numbered in declaration order. Nothing depends on hashing or sorting
 * by address, so the same file always gives the same plan.
 *
 * The pools are walked in "units": for IPv4 a unit is one address, for IPv6 one /64 (every
 * automatic IPv6 subnet is a /64, and a /64 count fits in 64 bits where addresses would not).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "plan-internal.h"
#include "topo-internal.h"

/* ---- helpers shared with routing.c and hosts.c ---- */

unsigned plan_token_len(const struct topo_src *src, struct topo_pos pos)
{
	const char *p, *end;
	unsigned line = 1, n = 0;

	if (!src || !src->text || pos.line == 0 || pos.col == 0)
		return 0;

	p = src->text;
	end = src->text + src->len;
	while (p < end && line < pos.line) {
		if (*p++ == '\n')
			line++;
	}
	for (unsigned c = 1; c < pos.col; c++) {
		if (p >= end || *p == '\n')
			return 0;
		p++;
	}
	while (p + n < end && !strchr(" \t\r\n#", p[n]))
		n++;
	return n;
}

const char *plan_iface_label(const struct topo *t, size_t iface, char *buf)
{
	const struct topo_iface *i = &t->ifaces[iface];
	const char *owner = i->on_switch ? t->switches[i->owner].name : t->nodes[i->owner].name;

	snprintf(buf, PLAN_LABEL_MAX, "%s:%s", owner, i->name);
	return buf;
}

const struct topo_addr *plan_first_addr(const struct topo_iface *i, int family, size_t *ret_index)
{
	for (size_t k = 0; k < i->n_addrs; k++) {
		if (i->addrs[k].family == family) {
			if (ret_index)
				*ret_index = k;
			return &i->addrs[k];
		}
	}
	return NULL;
}

/* ---- units: IPv4 addresses or IPv6 /64s as 64-bit integers ---- */

/* Inclusive, so that ::/0 (2^64 /64s) fits. */
struct range {
	uint64_t lo, hi;
};

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;

	for (int k = 0; k < 8; k++)
		v = v << 8 | b[k];
	return v;
}

static void put_be64(uint8_t *b, uint64_t v)
{
	for (int k = 7; k >= 0; k--, v >>= 8)
		b[k] = v & 0xff;
}

static uint64_t addr_unit(const struct topo_addr *a)
{
	if (a->family == AF_INET6)
		return be64(a->bytes);
	return (uint64_t)a->bytes[0] << 24 | a->bytes[1] << 16 | a->bytes[2] << 8 | a->bytes[3];
}

/* The units a prefix covers; an IPv6 prefix longer than /64 covers (part of) one unit. */
static struct range prefix_range(const struct topo_addr *a)
{
	unsigned width = a->family == AF_INET6 ? 64 : 32;
	unsigned plen = a->plen < width ? a->plen : width;
	uint64_t all = width == 64 ? UINT64_MAX : UINT32_MAX;
	uint64_t host = plen >= width ? 0 : all >> plen; /* a shift by 64 would be undefined */
	uint64_t lo = addr_unit(a) & ~host & all;

	return (struct range){ lo, lo | host };
}

static bool ranges_overlap(struct range a, struct range b)
{
	return a.lo <= b.hi && b.lo <= a.hi;
}

static struct topo_addr unit_addr(int family, uint64_t unit, uint64_t host, uint8_t plen)
{
	struct topo_addr a = { .family = family, .plen = plen };

	if (family == AF_INET6) {
		put_be64(a.bytes, unit);
		put_be64(a.bytes + 8, host);
	} else {
		uint32_t v = (uint32_t)(unit + host);

		a.bytes[0] = v >> 24;
		a.bytes[1] = v >> 16;
		a.bytes[2] = v >> 8;
		a.bytes[3] = v;
	}
	return a;
}

/* ---- segments ---- */

static size_t uf_find(size_t *parent, size_t x)
{
	while (parent[x] != x) {
		parent[x] = parent[parent[x]];
		x = parent[x];
	}
	return x;
}

/* Numbers segments by the link that first touches them (isolated switches last, in declaration
 * order) and fills their iface lists. *ret_switched[s] says whether s has a bridge. */
static int plan_segments(struct topo *t, bool **ret_switched)
{
	_cleanup_free_ size_t *parent = NULL, *root_seg = NULL, *count = NULL;
	_cleanup_free_ bool *switched = NULL;
	size_t max_segs = t->n_links + t->n_switches;

	parent = calloc(t->n_switches + 1, sizeof(size_t));
	root_seg = calloc(t->n_switches + 1, sizeof(size_t));
	t->segments = calloc(max_segs + 1, sizeof(struct topo_segment));
	switched = calloc(max_segs + 1, sizeof(bool));
	if (!parent || !root_seg || !t->segments || !switched)
		return -ENOMEM;

	for (size_t s = 0; s < t->n_switches; s++) {
		parent[s] = s;
		root_seg[s] = TOPO_NONE;
	}
	for (size_t l = 0; l < t->n_links; l++) {
		const struct topo_iface *a = &t->ifaces[t->links[l].end[0]];
		const struct topo_iface *b = &t->ifaces[t->links[l].end[1]];

		if (a->on_switch && b->on_switch) {
			size_t ra = uf_find(parent, a->owner), rb = uf_find(parent, b->owner);

			parent[ra] = rb;
		}
	}

	for (size_t i = 0; i < t->n_ifaces; i++)
		t->ifaces[i].segment = TOPO_NONE;
	for (size_t l = 0; l < t->n_links; l++) {
		struct topo_iface *a = &t->ifaces[t->links[l].end[0]];
		struct topo_iface *b = &t->ifaces[t->links[l].end[1]];
		size_t seg;

		if (!a->on_switch && !b->on_switch)
			seg = t->n_segments++;
		else {
			size_t r = uf_find(parent, a->on_switch ? a->owner : b->owner);

			if (root_seg[r] == TOPO_NONE)
				root_seg[r] = t->n_segments++;
			seg = root_seg[r];
			switched[seg] = true;
		}
		a->segment = b->segment = seg;
	}
	for (size_t s = 0; s < t->n_switches; s++) {
		size_t r = uf_find(parent, s);

		if (root_seg[r] == TOPO_NONE) {
			root_seg[r] = t->n_segments++;
			switched[root_seg[r]] = true;
		}
		t->switches[s].segment = root_seg[r];
	}

	count = calloc(t->n_segments + 1, sizeof(size_t));
	if (!count)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (!t->ifaces[i].on_switch && t->ifaces[i].segment != TOPO_NONE)
			count[t->ifaces[i].segment]++;
	for (size_t s = 0; s < t->n_segments; s++) {
		if (count[s] == 0)
			continue;
		t->segments[s].ifaces = malloc(count[s] * sizeof(size_t));
		if (!t->segments[s].ifaces)
			return -ENOMEM;
	}
	for (size_t i = 0; i < t->n_ifaces; i++) {
		struct topo_segment *seg;

		if (t->ifaces[i].on_switch || t->ifaces[i].segment == TOPO_NONE)
			continue;
		seg = &t->segments[t->ifaces[i].segment];
		seg->ifaces[seg->n_ifaces++] = i;
	}

	*ret_switched = TAKE_PTR(switched);
	return 0;
}

/* ---- ifindexes and MACs ---- */

static void put_mac(uint8_t mac[6], uint32_t serial)
{
	/* 02: locally administered, unicast. 4c: 'L' for lab, so netlab's MACs are recognisable. */
	mac[0] = 0x02;
	mac[1] = 0x4c;
	mac[2] = serial >> 24;
	mac[3] = serial >> 16;
	mac[4] = serial >> 8;
	mac[5] = serial;
}

static void plan_ifindexes_and_macs(struct topo *t)
{
	int next;

	/* A fresh namespace numbers its links from 1 (lo) in creation order. These are the numbers
	 * the lab layer gets when it creates links in declaration order (a node's ifaces are in
	 * that order) and every bridge before any port, or that it asks for with IFLA_IFINDEX. */
	for (size_t n = 0; n < t->n_nodes; n++)
		for (size_t k = 0; k < t->nodes[n].n_ifaces; k++)
			t->ifaces[t->nodes[n].ifaces[k]].ifindex = 2 + (int)k;

	next = 2;
	for (size_t s = 0; s < t->n_switches; s++)
		t->switches[s].ifindex = next++;
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].on_switch)
			t->ifaces[i].ifindex = next++;

	for (size_t i = 0; i < t->n_ifaces; i++)
		put_mac(t->ifaces[i].mac, (uint32_t)(i + 1));
	for (size_t s = 0; s < t->n_switches; s++)
		put_mac(t->switches[s].mac, (uint32_t)(t->n_ifaces + s + 1));
}

/* ---- checks of what the user wrote ---- */

/* "network" or "broadcast" */
static int fail_special_addr(struct topo *t, const struct topo_src *src, struct topo_error *err,
			     size_t iface, size_t k, const char *which)
{
	char a[TOPO_ADDRSTRLEN];
	struct topo_pos pos = t->ifaces[iface].addr_pos[k];

	topo_addr_str(&t->ifaces[iface].addrs[k], true, a, sizeof(a));
	return topo_fail(err, src, pos, plan_token_len(src, pos),
			 "address %s is the %s address of its subnet", a, which);
}

static bool pos_before(struct topo_pos a, struct topo_pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static int check_pool_vs_loopback(struct topo *t, const struct topo_src *src,
				  struct topo_error *err, int family)
{
	bool v6 = family == AF_INET6;
	bool has_pool = v6 ? t->has_pool6 : true, has_lo = v6 ? t->has_lo6 : t->has_lo4;
	const struct topo_addr *pool = v6 ? &t->pool6 : &t->pool4;
	const struct topo_addr *lo = v6 ? &t->loopback6 : &t->loopback4;
	struct topo_pos pool_pos = v6 ? t->pool6_pos : t->pool4_pos;
	struct topo_pos lo_pos = v6 ? t->loopback6_pos : t->loopback4_pos;
	char p[TOPO_ADDRSTRLEN], l[TOPO_ADDRSTRLEN];
	struct topo_addr pn, ln;

	/* The default pool (pos {0,0}) simply skips the loopback range: `loopback 10.255.0.0/24`
	 * without a `pool` must work. A pool the user wrote that overlaps is a mistake. */
	if (!has_pool || !has_lo || pool_pos.line == 0)
		return 0;
	pn = topo_addr_network(pool);
	ln = topo_addr_network(lo);
	if (!topo_addr_contains(&pn, &ln) && !topo_addr_contains(&ln, &pn))
		return 0;

	topo_addr_str(&pn, true, p, sizeof(p));
	topo_addr_str(&ln, true, l, sizeof(l));
	if (pos_before(lo_pos, pool_pos))
		return topo_fail(err, src, pool_pos, plan_token_len(src, pool_pos),
				 "overlapping pools: %s pool %s overlaps the loopback range %s",
				 plan_family_name(family), p, l);
	return topo_fail(err, src, lo_pos, plan_token_len(src, lo_pos),
			 "overlapping pools: %s loopback range %s overlaps the pool %s",
			 plan_family_name(family), l, p);
}

static int check_user_addrs(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	for (size_t i = 0; i < t->n_ifaces; i++) {
		const struct topo_iface *f = &t->ifaces[i];

		for (size_t k = 0; k < f->n_user_addrs; k++) {
			const struct topo_addr *a = &f->addrs[k];
			const struct topo_addr *lo =
				a->family == AF_INET6 ? &t->loopback6 : &t->loopback4;
			bool has_lo = a->family == AF_INET6 ? t->has_lo6 : t->has_lo4;
			struct topo_addr net = topo_addr_network(a);

			if (a->family == AF_INET && a->plen < 31) {
				struct range r = prefix_range(a);
				uint64_t u = addr_unit(a);

				if (u == r.lo)
					return fail_special_addr(t, src, err, i, k, "network");
				if (u == r.hi)
					return fail_special_addr(t, src, err, i, k, "broadcast");
			}
			if (has_lo &&
			    (topo_addr_contains(lo, &net) || topo_addr_contains(&net, lo))) {
				char l[TOPO_ADDRSTRLEN], a_str[TOPO_ADDRSTRLEN];
				struct topo_addr ln = topo_addr_network(lo);

				topo_addr_str(a, true, a_str, sizeof(a_str));
				topo_addr_str(&ln, true, l, sizeof(l));
				return topo_fail(err, src, f->addr_pos[k],
						 plan_token_len(src, f->addr_pos[k]),
						 "address %s overlaps the %s loopback range %s",
						 a_str, plan_family_name(a->family), l);
			}
		}
	}
	return 0;
}

struct addr_ref {
	size_t iface, k;
	const struct topo_addr *a;
};

static int addr_ref_cmp(const void *x, const void *y)
{
	const struct addr_ref *a = x, *b = y;
	int r;

	if (a->a->family != b->a->family)
		return a->a->family < b->a->family ? -1 : 1;
	r = memcmp(a->a->bytes, b->a->bytes, topo_addr_bits(a->a->family) / 8);
	if (r != 0)
		return r;
	if (a->iface != b->iface)
		return a->iface < b->iface ? -1 : 1;
	return a->k < b->k ? -1 : a->k > b->k;
}

/* Sorting rather than comparing every pair keeps big, fully addressed labs fast; the error is
 * still the one a reader meets first: the earliest second use of any address. */
static int check_duplicates(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	_cleanup_free_ struct addr_ref *refs = NULL;
	size_t n = 0, best = TOPO_NONE;
	char a[TOPO_ADDRSTRLEN], who[PLAN_LABEL_MAX];

	for (size_t i = 0; i < t->n_ifaces; i++)
		n += t->ifaces[i].n_user_addrs;
	if (n < 2)
		return 0;
	refs = malloc(n * sizeof(*refs));
	if (!refs)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < t->n_ifaces; i++) {
		for (size_t k = 0; k < t->ifaces[i].n_user_addrs; k++)
			refs[n++] = (struct addr_ref){ i, k, &t->ifaces[i].addrs[k] };
	}
	qsort(refs, n, sizeof(*refs), addr_ref_cmp);

	for (size_t j = 1; j < n; j++) {
		if (!topo_addr_equal_host(refs[j].a, refs[j - 1].a))
			continue;
		/* refs[j - 1] comes before refs[j] in the file; only a run's second one counts */
		if (j >= 2 && topo_addr_equal_host(refs[j - 2].a, refs[j].a))
			continue;
		if (best == TOPO_NONE || refs[j].iface < refs[best].iface ||
		    (refs[j].iface == refs[best].iface && refs[j].k < refs[best].k))
			best = j;
	}
	if (best == TOPO_NONE)
		return 0;

	topo_addr_str(refs[best].a, false, a, sizeof(a));
	plan_iface_label(t, refs[best - 1].iface, who);
	{
		struct topo_pos pos = t->ifaces[refs[best].iface].addr_pos[refs[best].k];

		return topo_fail(err, src, pos, plan_token_len(src, pos),
				 "address %s is already used by '%s'", a, who);
	}
}

/* Every node end of a segment has an address of the family, or none has; the first ones share
 * one subnet. Further (secondary) addresses on an iface are the user's business. */
static int check_segment_family(struct topo *t, const struct topo_src *src, struct topo_error *err,
				size_t s, int family, bool *ret_user)
{
	struct topo_segment *seg = &t->segments[s];
	size_t first = TOPO_NONE, missing = TOPO_NONE;
	const struct topo_addr *ref = NULL;
	char label[PLAN_LABEL_MAX];

	for (size_t j = 0; j < seg->n_ifaces; j++) {
		const struct topo_iface *f = &t->ifaces[seg->ifaces[j]];
		size_t k;
		const struct topo_addr *a = plan_first_addr(f, family, &k);

		if (f->unaddressed)
			continue;
		if (!a || k >= f->n_user_addrs) {
			if (missing == TOPO_NONE)
				missing = seg->ifaces[j];
			continue;
		}
		if (!ref) {
			ref = a;
			first = seg->ifaces[j];
			continue;
		}
		if (!topo_addr_prefix_equal(ref, a)) {
			char a_str[TOPO_ADDRSTRLEN], n_str[TOPO_ADDRSTRLEN];
			struct topo_addr rn = topo_addr_network(ref);

			topo_addr_str(a, true, a_str, sizeof(a_str));
			topo_addr_str(&rn, true, n_str, sizeof(n_str));
			return topo_fail(err, src, f->addr_pos[k],
					 plan_token_len(src, f->addr_pos[k]),
					 "address %s is not in the subnet %s of '%s' on the same "
					 "segment",
					 a_str, n_str, plan_iface_label(t, first, label));
		}
	}

	if (ref && missing != TOPO_NONE) {
		struct topo_pos pos = t->ifaces[missing].pos;

		return topo_fail(err, src, pos, plan_token_len(src, pos),
				 "'%s' has no %s address but other ends of this segment do",
				 plan_iface_label(t, missing, label), plan_family_name(family));
	}

	*ret_user = ref != NULL;
	if (ref) {
		if (family == AF_INET6) {
			seg->has6 = true;
			seg->net6 = topo_addr_network(ref);
		} else {
			seg->has4 = true;
			seg->net4 = topo_addr_network(ref);
		}
	}
	return 0;
}

/* ---- allocation ---- */

struct cursor {
	uint64_t next;
	bool full; /* next wrapped past the last unit */
};

/* The first block of 2^bits units at or after the cursor, aligned to its size, inside the pool
 * and clear of every reserved range. Returns 0 and *ret, or -ENOSPC. */
static int alloc_block(struct range pool, struct cursor *c, unsigned bits, const struct range *res,
		       size_t n_res, uint64_t *ret)
{
	uint64_t size_m1 = bits >= 64 ? UINT64_MAX : (1ULL << bits) - 1;
	uint64_t at = c->next;

	if (c->full || bits >= 64)
		return -ENOSPC;
	if (at < pool.lo)
		at = pool.lo;
	for (;;) {
		uint64_t end;
		bool clash = false;

		if (at > UINT64_MAX - size_m1)
			return -ENOSPC;
		at = (at + size_m1) & ~size_m1;
		if (at > pool.hi || pool.hi - at < size_m1)
			return -ENOSPC;
		end = at + size_m1;
		for (size_t r = 0; r < n_res; r++) {
			if (!ranges_overlap((struct range){ at, end }, res[r]))
				continue;
			/* jump past the whole reserved range, not block by block: a /9 of
			 * loopbacks inside a /8 pool must not cost millions of steps */
			if (res[r].hi >= pool.hi)
				return -ENOSPC;
			at = res[r].hi + 1;
			clash = true;
			break;
		}
		if (clash)
			continue;

		if (end == UINT64_MAX)
			c->full = true;
		else
			c->next = end + 1;
		*ret = at;
		return 0;
	}
}

static int fail_pool(struct topo *t, const struct topo_src *src, struct topo_error *err, int family,
		     unsigned plen)
{
	const struct topo_addr *pool = family == AF_INET6 ? &t->pool6 : &t->pool4;
	struct topo_pos pos = family == AF_INET6 ? t->pool6_pos : t->pool4_pos;
	struct topo_addr pn = topo_addr_network(pool);
	char p[TOPO_ADDRSTRLEN];

	topo_addr_str(&pn, true, p, sizeof(p));
	return topo_fail(err, src, pos, plan_token_len(src, pos),
			 "%s pool %s has no room left for a /%u", plan_family_name(family), p,
			 plen);
}

static int append_addr(struct topo *t, const struct topo_src *src, struct topo_error *err,
		       size_t iface, const struct topo_addr *a)
{
	struct topo_iface *f = &t->ifaces[iface];
	char label[PLAN_LABEL_MAX];

	if (f->n_addrs >= TOPO_MAX_IFADDRS)
		return topo_fail(err, src, f->pos, plan_token_len(src, f->pos),
				 "'%s' has no room for a planned %s address (at most %d addresses "
				 "per interface)",
				 plan_iface_label(t, iface, label), plan_family_name(a->family),
				 TOPO_MAX_IFADDRS);
	f->addrs[f->n_addrs++] = *a;
	return 0;
}

/* One family's pool: what it hands out, what it must skip (the prefixes written in the file and
 * the loopback pool) and where the next block is looked for. */
struct family_pool {
	struct range pool;
	struct range *res;
	size_t n_res;
	struct cursor c;
};

/* The prefixes the file gives, which planned subnets must not overlap. */
static int collect_reserved(const struct topo *t, struct family_pool *p4, struct family_pool *p6)
{
	size_t n_user = 0;

	for (size_t i = 0; i < t->n_ifaces; i++)
		n_user += t->ifaces[i].n_user_addrs;
	p4->res = malloc((n_user + 1) * sizeof(struct range));
	p6->res = malloc((n_user + 1) * sizeof(struct range));
	if (!p4->res || !p6->res)
		return -ENOMEM;
	for (size_t i = 0; i < t->n_ifaces; i++)
		for (size_t k = 0; k < t->ifaces[i].n_user_addrs; k++) {
			const struct topo_addr *a = &t->ifaces[i].addrs[k];

			if (a->family == AF_INET6)
				p6->res[p6->n_res++] = prefix_range(a);
			else
				p4->res[p4->n_res++] = prefix_range(a);
		}
	if (t->has_lo4)
		p4->res[p4->n_res++] = prefix_range(&t->loopback4);
	if (t->has_lo6)
		p6->res[p6->n_res++] = prefix_range(&t->loopback6);
	return 0;
}

/* Host j + 1 of the block to the segment's j-th interface, unless it is unaddressed. */
static int number_segment(struct topo *t, const struct topo_src *src, struct topo_error *err,
			  const struct topo_segment *seg, int family, uint64_t unit, uint8_t plen)
{
	for (size_t j = 0; j < seg->n_ifaces; j++) {
		struct topo_addr a = unit_addr(family, unit, j + 1, plen);
		int r;

		if (t->ifaces[seg->ifaces[j]].unaddressed)
			continue;
		r = append_addr(t, src, err, seg->ifaces[j], &a);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A segment's IPv4 subnet: hosts plus network and broadcast; a switch gets at least a /24 so
 * that hosts added later keep their addresses. */
static int plan_segment4(struct topo *t, const struct topo_src *src, struct topo_error *err,
			 struct topo_segment *seg, bool switched, struct family_pool *p4)
{
	unsigned bits = 2;
	uint64_t unit;

	if (switched) {
		bits = 8;
		while (bits < 32 && (1ULL << bits) < (uint64_t)seg->n_ifaces + 2)
			bits++;
	}
	if (bits > 32 - (unsigned)(t->pool4.plen > 32 ? 32 : t->pool4.plen) ||
	    alloc_block(p4->pool, &p4->c, bits, p4->res, p4->n_res, &unit) < 0)
		return fail_pool(t, src, err, AF_INET, 32 - bits);
	seg->has4 = true;
	seg->net4 = unit_addr(AF_INET, unit, 0, (uint8_t)(32 - bits));
	return number_segment(t, src, err, seg, AF_INET, unit, (uint8_t)(32 - bits));
}

/* A segment's IPv6 subnet: always a /64. */
static int plan_segment6(struct topo *t, const struct topo_src *src, struct topo_error *err,
			 struct topo_segment *seg, struct family_pool *p6)
{
	uint64_t unit;

	if (alloc_block(p6->pool, &p6->c, 0, p6->res, p6->n_res, &unit) < 0)
		return fail_pool(t, src, err, AF_INET6, 64);
	seg->has6 = true;
	seg->net6 = unit_addr(AF_INET6, unit, 0, 64);
	return number_segment(t, src, err, seg, AF_INET6, unit, 64);
}

static int plan_addrs(struct topo *t, const struct topo_src *src, struct topo_error *err,
		      const bool *switched)
{
	_cleanup_free_ bool *user4 = NULL, *user6 = NULL;
	struct family_pool p4 = { .pool = prefix_range(&t->pool4) }, p6 = { .pool = { 1, 0 } };
	int r;

	user4 = calloc(t->n_segments + 1, sizeof(bool));
	user6 = calloc(t->n_segments + 1, sizeof(bool));
	if (!user4 || !user6)
		return -ENOMEM;
	for (size_t s = 0; s < t->n_segments; s++) {
		r = check_segment_family(t, src, err, s, AF_INET, &user4[s]);
		if (r < 0)
			return r;
		r = check_segment_family(t, src, err, s, AF_INET6, &user6[s]);
		if (r < 0)
			return r;
	}
	r = collect_reserved(t, &p4, &p6);
	if (r >= 0 && t->has_pool6 && t->pool6.plen <= 64)
		p6.pool = prefix_range(&t->pool6);

	for (size_t s = 0; s < t->n_segments && r >= 0; s++) {
		struct topo_segment *seg = &t->segments[s];
		size_t n_addressed = 0;

		for (size_t j = 0; j < seg->n_ifaces; j++)
			n_addressed += !t->ifaces[seg->ifaces[j]].unaddressed;
		/* Nothing to number: no subnet is taken from the pool. */
		if (n_addressed == 0)
			continue;
		if (!user4[s])
			r = plan_segment4(t, src, err, seg, switched[s], &p4);
		if (r >= 0 && !user6[s] && t->has_pool6)
			r = plan_segment6(t, src, err, seg, &p6);
	}
	free(p4.res);
	free(p6.res);
	return r < 0 ? r : 0;
}

/* ---- loopbacks ---- */

/* base + n, as a 128-bit big-endian addition */
static void add_to_addr(struct topo_addr *a, uint64_t n)
{
	unsigned carry = 0;
	int k = a->family == AF_INET6 ? 15 : 3;

	for (; k >= 0 && (n || carry); k--, n >>= 8) {
		unsigned v = a->bytes[k] + (unsigned)(n & 0xff) + carry;

		a->bytes[k] = v & 0xff;
		carry = v >> 8;
	}
}

static int plan_loopbacks(struct topo *t, const struct topo_src *src, struct topo_error *err,
			  int family)
{
	bool v6 = family == AF_INET6;
	const struct topo_addr *range = v6 ? &t->loopback6 : &t->loopback4;
	struct topo_pos pos = v6 ? t->loopback6_pos : t->loopback4_pos;
	unsigned bits = topo_addr_bits(family),
		 host_bits = bits - (range->plen > bits ? bits : range->plen);
	uint64_t first, cap, used = 0;
	struct topo_addr base = topo_addr_network(range);

	/* Like hosts on a subnet: start at .1 (::1), and leave an IPv4 broadcast address alone. */
	if (host_bits == 0) {
		first = 0;
		cap = 1;
	} else if (!v6 && host_bits == 1) {
		first = 0;
		cap = 2;
	} else {
		first = 1;
		cap = host_bits >= 64 ? UINT64_MAX : (1ULL << host_bits) - (v6 ? 1 : 2);
	}

	for (size_t n = 0; n < t->n_nodes; n++) {
		struct topo_node *node = &t->nodes[n];
		struct topo_addr a = base;

		if (!(node->flags & TOPO_NODE_ROUTER))
			continue;
		if (used >= cap) {
			char r[TOPO_ADDRSTRLEN];

			topo_addr_str(&base, true, r, sizeof(r));
			return topo_fail(err, src, pos, plan_token_len(src, pos),
					 "%s loopback range %s has no room left for router '%s'",
					 plan_family_name(family), r, node->name);
		}
		add_to_addr(&a, first + used++);
		a.plen = (uint8_t)bits;
		if (v6) {
			node->has_lo6 = true;
			node->lo6 = a;
		} else {
			node->has_lo4 = true;
			node->lo4 = a;
		}
	}
	return 0;
}

int topo_plan(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	_cleanup_free_ bool *switched = NULL;
	int r;

	r = plan_segments(t, &switched);
	if (r < 0)
		return r;
	plan_ifindexes_and_macs(t);

	r = check_pool_vs_loopback(t, src, err, AF_INET);
	if (r < 0)
		return r;
	r = check_pool_vs_loopback(t, src, err, AF_INET6);
	if (r < 0)
		return r;
	r = check_user_addrs(t, src, err);
	if (r < 0)
		return r;
	r = check_duplicates(t, src, err);
	if (r < 0)
		return r;
	r = plan_addrs(t, src, err, switched);
	if (r < 0)
		return r;
	if (t->has_lo4) {
		r = plan_loopbacks(t, src, err, AF_INET);
		if (r < 0)
			return r;
	}
	if (t->has_lo6) {
		r = plan_loopbacks(t, src, err, AF_INET6);
		if (r < 0)
			return r;
	}
	return 0;
}
