/* SPDX-License-Identifier: MIT */
/*
 * Sockets, batches and dumps against the real kernel. Needs root; everything happens in a
 * forked child inside network namespaces it creates with unshare(CLONE_NEWNET), so the host's
 * interfaces are never touched and all of it disappears with the child. Without root, or when
 * unshare fails, the whole program skips: "1..0 # SKIP reason".
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <libmnl/libmnl.h>

#include "macro.h"
#include "nl.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define leak_check() __lsan_do_leak_check()
#else
#define leak_check() ((void)0)
#endif

static int ns_a = -EBADF, ns_b = -EBADF; /* the child's two private network namespaces */

/* ---- dump parsing ------------------------------------------------------------------------ */

struct tb {
	const struct nlattr **tb;
	unsigned max;
};

static int tb_cb(const struct nlattr *attr, void *data)
{
	struct tb *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

#define TEST_MAX_LINKS 64

struct link {
	char name[IFNAMSIZ];
	int index;
	unsigned flags;
	int master;
	unsigned mtu;
	uint8_t mac[6];
	char kind[16];
	int stp;           /* -1 when not a bridge */
	uint32_t fwd_delay;
	int mcast_snooping;
};

struct links {
	struct link l[TEST_MAX_LINKS];
	size_t n;
};

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	struct links *ls = data;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFLA_MAX + 1] = {};
	struct tb t = { tb, IFLA_MAX };

	if (nlh->nlmsg_type != RTM_NEWLINK || ls->n >= TEST_MAX_LINKS)
		return MNL_CB_ERROR;
	struct link *l = &ls->l[ls->n++];
	memset(l, 0, sizeof(*l));
	l->index = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->stp = -1;
	l->mcast_snooping = -1;
	if (mnl_attr_parse(nlh, sizeof(*ifi), tb_cb, &t) != MNL_CB_OK)
		return MNL_CB_ERROR;
	if (tb[IFLA_IFNAME])
		snprintf(l->name, sizeof(l->name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER])
		l->master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_MTU])
		l->mtu = mnl_attr_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_ADDRESS] && mnl_attr_get_payload_len(tb[IFLA_ADDRESS]) == 6)
		memcpy(l->mac, mnl_attr_get_payload(tb[IFLA_ADDRESS]), 6);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *li[IFLA_INFO_MAX + 1] = {};
		struct tb lt = { li, IFLA_INFO_MAX };
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], tb_cb, &lt);
		if (li[IFLA_INFO_KIND])
			snprintf(l->kind, sizeof(l->kind), "%.*s",
				 (int)mnl_attr_get_payload_len(li[IFLA_INFO_KIND]),
				 (const char *)mnl_attr_get_payload(li[IFLA_INFO_KIND]));
		if (li[IFLA_INFO_DATA] && streq(l->kind, "bridge")) {
			const struct nlattr *br[IFLA_BR_MAX + 1] = {};
			struct tb bt = { br, IFLA_BR_MAX };
			mnl_attr_parse_nested(li[IFLA_INFO_DATA], tb_cb, &bt);
			if (br[IFLA_BR_STP_STATE])
				l->stp = (int)mnl_attr_get_u32(br[IFLA_BR_STP_STATE]);
			if (br[IFLA_BR_FORWARD_DELAY])
				l->fwd_delay = mnl_attr_get_u32(br[IFLA_BR_FORWARD_DELAY]);
			if (br[IFLA_BR_MCAST_SNOOPING])
				l->mcast_snooping = mnl_attr_get_u8(br[IFLA_BR_MCAST_SNOOPING]);
		}
	}
	return MNL_CB_OK;
}

static void dump_links(struct nl *nl, struct links *ls)
{
	struct nl_error err;

	ls->n = 0;
	assert_int_equal(nl_dump(nl, RTM_GETLINK, AF_UNSPEC, link_cb, ls, &err), 0);
	assert_int_equal(err.error, 0);
}

static const struct link *find_link(const struct links *ls, const char *name)
{
	for (size_t i = 0; i < ls->n; i++)
		if (streq(ls->l[i].name, name))
			return &ls->l[i];
	return NULL;
}

struct addr_query {
	int family;
	int index;
	uint8_t addr[16];
	/* results */
	unsigned count; /* addresses of `family` on `index` */
	bool found;
	uint8_t plen;
	bool has_brd;
	uint8_t brd[4];
	uint32_t flags;
};

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_query *q = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = {};
	struct tb t = { tb, IFA_MAX };
	size_t alen = q->family == AF_INET ? 4 : 16;

	if (nlh->nlmsg_type != RTM_NEWADDR)
		return MNL_CB_ERROR;
	if (ifa->ifa_family != q->family || (int)ifa->ifa_index != q->index)
		return MNL_CB_OK;
	q->count++;
	mnl_attr_parse(nlh, sizeof(*ifa), tb_cb, &t);
	const struct nlattr *a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	if (!a || mnl_attr_get_payload_len(a) != alen ||
	    memcmp(mnl_attr_get_payload(a), q->addr, alen))
		return MNL_CB_OK;
	q->found = true;
	q->plen = ifa->ifa_prefixlen;
	q->flags = tb[IFA_FLAGS] ? mnl_attr_get_u32(tb[IFA_FLAGS]) : ifa->ifa_flags;
	q->has_brd = tb[IFA_BROADCAST] != NULL;
	if (q->has_brd)
		memcpy(q->brd, mnl_attr_get_payload(tb[IFA_BROADCAST]), 4);
	return MNL_CB_OK;
}

static void query_addr(struct nl *nl, struct addr_query *q, int family, int index, const char *s)
{
	memset(q, 0, sizeof(*q));
	q->family = family;
	q->index = index;
	if (s)
		assert_int_equal(inet_pton(family, s, q->addr), 1);
	assert_int_equal(nl_dump(nl, RTM_GETADDR, family, addr_cb, q, NULL), 0);
}

struct route_query {
	int family;
	uint8_t dst[16];
	uint8_t dst_len;
	bool found;
	uint8_t scope, protocol, table;
	bool has_gw;
	uint8_t gw[16];
	int oif;
	uint32_t prio;
};

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	struct route_query *q = data;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[RTA_MAX + 1] = {};
	struct tb t = { tb, RTA_MAX };
	size_t alen = q->family == AF_INET ? 4 : 16;

	if (rtm->rtm_family != q->family || rtm->rtm_dst_len != q->dst_len)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*rtm), tb_cb, &t);
	if (q->dst_len && (!tb[RTA_DST] || memcmp(mnl_attr_get_payload(tb[RTA_DST]), q->dst, alen)))
		return MNL_CB_OK;
	if (tb[RTA_TABLE] && mnl_attr_get_u32(tb[RTA_TABLE]) != RT_TABLE_MAIN)
		return MNL_CB_OK;
	q->found = true;
	q->scope = rtm->rtm_scope;
	q->protocol = rtm->rtm_protocol;
	q->table = rtm->rtm_table;
	q->has_gw = tb[RTA_GATEWAY] != NULL;
	if (q->has_gw)
		memcpy(q->gw, mnl_attr_get_payload(tb[RTA_GATEWAY]), alen);
	q->oif = tb[RTA_OIF] ? (int)mnl_attr_get_u32(tb[RTA_OIF]) : 0;
	q->prio = tb[RTA_PRIORITY] ? mnl_attr_get_u32(tb[RTA_PRIORITY]) : 0;
	return MNL_CB_OK;
}

static void query_route(struct nl *nl, struct route_query *q, int family, const char *dst,
			uint8_t dst_len)
{
	memset(q, 0, sizeof(*q));
	q->family = family;
	q->dst_len = dst_len;
	if (dst)
		assert_int_equal(inet_pton(family, dst, q->dst), 1);
	assert_int_equal(nl_dump(nl, RTM_GETROUTE, family, route_cb, q, NULL), 0);
}

/* ---- helpers to push ----------------------------------------------------------------------- */

static int push_bridge(struct nl_batch *b, uintptr_t cookie, const char *name, int ifindex,
		       bool stp, const uint8_t *mac, struct nl_error *err)
{
	struct nl_bridge br = { .name = name, .ifindex = ifindex, .mac = mac, .stp = stp,
				.up = true };
	assert_non_null(nl_build_bridge(nl_batch_buf(b), nl_batch_seq(b), &br));
	return nl_batch_push(b, cookie, err);
}

static int push_addr(struct nl_batch *b, uintptr_t cookie, int ifindex, int family,
		     const char *s, uint8_t plen, bool nodad, struct nl_error *err)
{
	uint8_t addr[16];
	assert_int_equal(inet_pton(family, s, addr), 1);
	assert_non_null(nl_build_addr(nl_batch_buf(b), nl_batch_seq(b), ifindex, family, addr,
				      plen, nodad));
	return nl_batch_push(b, cookie, err);
}

static int push_route(struct nl_batch *b, uintptr_t cookie, int family, const char *dst,
		      uint8_t dst_len, const char *gw, int oif, uint32_t metric,
		      struct nl_error *err)
{
	uint8_t d[16], g[16];
	struct nl_route rt = { .family = family, .dst_len = dst_len, .oif = oif,
			       .metric = metric };
	if (dst) {
		assert_int_equal(inet_pton(family, dst, d), 1);
		rt.dst = d;
	}
	if (gw) {
		assert_int_equal(inet_pton(family, gw, g), 1);
		rt.gw = g;
	}
	assert_non_null(nl_build_route(nl_batch_buf(b), nl_batch_seq(b), &rt));
	return nl_batch_push(b, cookie, err);
}

/* ---- tests ------------------------------------------------------------------------------- */

static void test_links(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	const uint8_t mac_br1[6] = { 0x02, 0xbb, 0, 0, 0, 1 };
	const uint8_t mac_a0[6] = { 0x02, 0xaa, 0, 0, 0, 1 };
	struct nl_error err;
	struct links ls;
	(void)state;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_batch_new(nl, &b), 0);

	/* One batch: the kernel handles messages in order, so the veth can name the bridge
	 * created just before it as master. */
	assert_int_equal(push_bridge(b, 1, "br0", 100, false, NULL, &err), 0);
	assert_int_equal(push_bridge(b, 2, "br1", 110, true, mac_br1, &err), 0);
	struct nl_link_end a = { .name = "a0", .ifindex = 101, .netns_fd = -1, .mac = mac_a0,
				 .mtu = 1400, .master = 100, .up = true };
	struct nl_link_end p = { .name = "b0", .ifindex = 102, .netns_fd = -1, .mtu = 1400 };
	assert_non_null(nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &a, &p));
	assert_int_equal(nl_batch_push(b, 3, &err), 0);
	/* The peer: enslaved and up afterwards (the kernel ignores both at creation). */
	assert_non_null(nl_build_link_master(nl_batch_buf(b), nl_batch_seq(b), 102, 110, true));
	assert_int_equal(nl_batch_push(b, 4, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);
	assert_int_equal(err.error, 0);

	dump_links(nl, &ls);
	const struct link *l = find_link(&ls, "br0");
	assert_non_null(l);
	assert_int_equal(l->index, 100);
	assert_string_equal(l->kind, "bridge");
	assert_true(l->flags & IFF_UP);
	assert_int_equal(l->stp, 0);
	assert_int_equal(l->mcast_snooping, 0);

	l = find_link(&ls, "br1");
	assert_non_null(l);
	assert_int_equal(l->index, 110);
	assert_int_equal(l->stp, 1);
	assert_int_equal(l->fwd_delay, 200);
	assert_int_equal(l->mcast_snooping, 0);
	assert_memory_equal(l->mac, mac_br1, 6);

	l = find_link(&ls, "a0");
	assert_non_null(l);
	assert_int_equal(l->index, 101);
	assert_string_equal(l->kind, "veth");
	assert_int_equal(l->master, 100);
	assert_int_equal(l->mtu, 1400);
	assert_memory_equal(l->mac, mac_a0, 6);
	assert_true(l->flags & IFF_UP);

	l = find_link(&ls, "b0");
	assert_non_null(l);
	assert_int_equal(l->index, 102);
	assert_int_equal(l->master, 110);
	assert_int_equal(l->mtu, 1400);
	assert_true(l->flags & IFF_UP);
}

/* Each end born in its own namespace; a socket opened in B stays bound to B. */
static void test_netns(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_closep) struct nl *nlb = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error err;
	struct links ls;
	(void)state;

	assert_int_equal(setns(ns_b, CLONE_NEWNET), 0);
	assert_int_equal(nl_open(&nlb), 0);
	assert_int_equal(setns(ns_a, CLONE_NEWNET), 0);
	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_batch_new(nl, &b), 0);

	/* veth_newlink() honours the peer's ifi_index only when the main end asks for one. */
	struct nl_link_end x = { .name = "x0", .ifindex = 202, .netns_fd = -1, .up = true };
	struct nl_link_end y = { .name = "y0", .ifindex = 200, .netns_fd = ns_b };
	assert_non_null(nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &x, &y));
	assert_int_equal(nl_batch_push(b, 1, &err), 0);
	/* Main end in B, peer here. */
	struct nl_link_end z = { .name = "z0", .ifindex = 201, .netns_fd = ns_b, .up = true };
	struct nl_link_end w = { .name = "w0", .netns_fd = -1 };
	assert_non_null(nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &z, &w));
	assert_int_equal(nl_batch_push(b, 2, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);

	dump_links(nl, &ls);
	assert_non_null(find_link(&ls, "x0"));
	assert_non_null(find_link(&ls, "w0"));
	assert_null(find_link(&ls, "y0"));
	assert_null(find_link(&ls, "z0"));

	dump_links(nlb, &ls);
	const struct link *l = find_link(&ls, "y0");
	assert_non_null(l);
	assert_int_equal(l->index, 200);
	l = find_link(&ls, "z0");
	assert_non_null(l);
	assert_int_equal(l->index, 201);
	assert_true(l->flags & IFF_UP);
	assert_null(find_link(&ls, "x0"));
}

static void test_addrs_routes(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error err;
	struct addr_query q;
	struct route_query rq;
	uint8_t want[16];
	(void)state;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_batch_new(nl, &b), 0);

	/* Phase 1: links. */
	struct nl_link_end c0 = { .name = "c0", .ifindex = 120, .netns_fd = -1, .up = true };
	struct nl_link_end c1 = { .name = "c1", .ifindex = 121, .netns_fd = -1 };
	assert_non_null(nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &c0, &c1));
	assert_int_equal(nl_batch_push(b, 1, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);

	/* Phase 2: addresses and up. */
	assert_int_equal(push_addr(b, 10, 121, AF_INET, "10.0.0.1", 24, false, &err), 0);
	assert_int_equal(push_addr(b, 11, 121, AF_INET6, "2001:db8::1", 64, true, &err), 0);
	assert_int_equal(push_addr(b, 12, 120, AF_INET, "10.9.9.1", 32, false, &err), 0);
	assert_int_equal(push_addr(b, 13, 120, AF_INET, "10.8.8.0", 31, false, &err), 0);
	assert_non_null(nl_build_link_updown(nl_batch_buf(b), nl_batch_seq(b), 121, true));
	assert_int_equal(nl_batch_push(b, 14, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);

	/* Phase 3: routes. 192.168.7.0/24 goes through a gateway reachable only by the device
	 * route before it: that works only because the device route has scope link. */
	assert_int_equal(push_route(b, 20, AF_INET, "192.168.6.0", 24, NULL, 121, 0, &err), 0);
	assert_int_equal(push_route(b, 21, AF_INET, "192.168.7.0", 24, "192.168.6.1", 0, 0, &err),
			 0);
	assert_int_equal(push_route(b, 22, AF_INET, NULL, 0, "10.0.0.254", 0, 50, &err), 0);
	assert_int_equal(
		push_route(b, 23, AF_INET6, "2001:db8:5::", 48, "2001:db8::fe", 121, 0, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);

	query_addr(nl, &q, AF_INET, 121, "10.0.0.1");
	assert_true(q.found);
	assert_int_equal(q.plen, 24);
	assert_true(q.has_brd);
	assert_int_equal(inet_pton(AF_INET, "10.0.0.255", want), 1);
	assert_memory_equal(q.brd, want, 4);

	query_addr(nl, &q, AF_INET, 120, "10.9.9.1");
	assert_true(q.found);
	assert_int_equal(q.plen, 32);
	assert_false(q.has_brd);
	query_addr(nl, &q, AF_INET, 120, "10.8.8.0");
	assert_true(q.found);
	assert_int_equal(q.plen, 31);
	assert_false(q.has_brd);

	query_addr(nl, &q, AF_INET6, 121, "2001:db8::1");
	assert_true(q.found);
	assert_int_equal(q.plen, 64);
	assert_true(q.flags & IFA_F_NODAD);
	assert_false(q.flags & IFA_F_TENTATIVE);

	query_route(nl, &rq, AF_INET, "192.168.6.0", 24);
	assert_true(rq.found);
	assert_int_equal(rq.scope, RT_SCOPE_LINK);
	assert_int_equal(rq.protocol, RTPROT_STATIC);
	assert_int_equal(rq.table, RT_TABLE_MAIN);
	assert_false(rq.has_gw);
	assert_int_equal(rq.oif, 121);

	query_route(nl, &rq, AF_INET, "192.168.7.0", 24);
	assert_true(rq.found);
	assert_int_equal(rq.scope, RT_SCOPE_UNIVERSE);
	assert_true(rq.has_gw);
	assert_int_equal(inet_pton(AF_INET, "192.168.6.1", want), 1);
	assert_memory_equal(rq.gw, want, 4);
	assert_int_equal(rq.oif, 121);

	query_route(nl, &rq, AF_INET, NULL, 0);
	assert_true(rq.found);
	assert_int_equal(rq.prio, 50);

	query_route(nl, &rq, AF_INET6, "2001:db8:5::", 48);
	assert_true(rq.found);
	assert_int_equal(rq.protocol, RTPROT_STATIC);
	assert_int_equal(rq.oif, 121);
}

static void test_errors(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error err;
	struct links ls;
	(void)state;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_batch_new(nl, &b), 0);

	/* A batch is not a transaction: the request after the failing one still happens, and
	 * the error names the failing request. */
	assert_int_equal(push_bridge(b, 30, "dup0", 0, false, NULL, &err), 0);
	assert_int_equal(push_bridge(b, 31, "dup0", 0, false, NULL, &err), 0);
	assert_int_equal(push_bridge(b, 32, "dup1", 0, false, NULL, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), -EEXIST);
	assert_int_equal(err.error, -EEXIST);
	assert_int_equal(err.cookie, 31);
	if (err.msg[0])
		printf("# extack for EEXIST: %s\n", err.msg);
	dump_links(nl, &ls);
	assert_non_null(find_link(&ls, "dup0"));
	assert_non_null(find_link(&ls, "dup1"));

	/* The first error wins; later ones are still drained. */
	assert_int_equal(push_addr(b, 40, 9999, AF_INET, "10.1.1.1", 24, false, &err), 0);
	assert_int_equal(push_bridge(b, 41, "dup1", 0, false, NULL, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), -ENODEV);
	assert_int_equal(err.cookie, 40);
	/* 6.18 explains a missing device ("ipv4: Device not found"). */
	assert_true(err.msg[0] != '\0');
	printf("# extack for ENODEV: %s\n", err.msg);

	/* The flush reported and forgot it: an empty flush is clean. */
	assert_int_equal(nl_batch_flush(b, &err), 0);
	assert_int_equal(err.error, 0);

	/* A builder that refused its arguments leaves nothing pushable. */
	struct nl_bridge bad = { .name = "name-far-too-long-for-ifnamsiz" };
	assert_null(nl_build_bridge(nl_batch_buf(b), nl_batch_seq(b), &bad));
	assert_int_equal(nl_batch_push(b, 50, &err), -EINVAL);
	/* Nor does a message built with another seq. */
	struct nl_bridge ok = { .name = "okbr" };
	assert_non_null(nl_build_bridge(nl_batch_buf(b), nl_batch_seq(b) + 7, &ok));
	assert_int_equal(nl_batch_push(b, 51, &err), -EINVAL);

	/* The socket is still usable. */
	assert_int_equal(push_bridge(b, 52, "okbr", 0, false, NULL, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);
	dump_links(nl, &ls);
	assert_non_null(find_link(&ls, "okbr"));
}

/* Far more than one 64 KiB buffer: the batch sends as it fills, the cookie of a failure deep
 * in it is right, and a dump of thousands of addresses comes back whole. */
static void test_big_batch(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;
	struct nl_error err, first = {};
	struct addr_query q;
	int first_r = 0;
	char s[32];
	const int n = 3000, dup_at = 100;
	(void)state;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_batch_new(nl, &b), 0);

	struct nl_link_end d0 = { .name = "d0", .ifindex = 130, .netns_fd = -1, .up = true };
	struct nl_link_end d1 = { .name = "d1", .ifindex = 131, .netns_fd = -1 };
	assert_non_null(nl_build_veth(nl_batch_buf(b), nl_batch_seq(b), &d0, &d1));
	assert_int_equal(nl_batch_push(b, 0, &err), 0);
	assert_int_equal(nl_batch_flush(b, &err), 0);

	for (int i = 0; i < n; i++) {
		int k = i == dup_at ? 7 : i; /* request dup_at repeats request 7 */
		snprintf(s, sizeof(s), "10.%d.%d.%d", 100 + k / 65536, (k / 256) % 256, k % 256);
		int r = push_addr(b, (uintptr_t)i, 130, AF_INET, s, 32, false, &err);
		if (r < 0 && first_r == 0) {
			first_r = r;
			first = err;
		}
	}
	/* The buffer filled long before request dup_at's send returned: push reported it. */
	assert_int_equal(first_r, -EEXIST);
	assert_int_equal(first.cookie, dup_at);
	/* And flush reports the first error since the last flush again. */
	assert_int_equal(nl_batch_flush(b, &err), -EEXIST);
	assert_int_equal(err.cookie, dup_at);

	query_addr(nl, &q, AF_INET, 130, "10.100.11.183"); /* request 2999 */
	assert_true(q.found);
	assert_int_equal(q.count, n - 1);
}

struct stop_count {
	unsigned seen;
};

static int stop_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stop_count *c = data;
	(void)nlh;
	c->seen++;
	return MNL_CB_STOP;
}

static int fail_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	return -ECANCELED;
}

/* A callback that stops early or fails: the answer is still read to its end. */
static void test_dump_stop(void **state)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	struct stop_count c = {};
	struct links ls;
	struct nl_error err;
	(void)state;

	assert_int_equal(nl_open(&nl), 0);
	assert_int_equal(nl_dump(nl, RTM_GETLINK, AF_UNSPEC, stop_cb, &c, &err), 0);
	assert_int_equal(c.seen, 1);
	assert_int_equal(nl_dump(nl, RTM_GETADDR, AF_UNSPEC, fail_cb, NULL, &err), -ECANCELED);
	assert_int_equal(err.error, 0);
	dump_links(nl, &ls);
	assert_true(ls.n > 5);
	assert_non_null(find_link(&ls, "lo"));
}

static int run_all(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),	   cmocka_unit_test(test_netns),
		cmocka_unit_test(test_addrs_routes), cmocka_unit_test(test_errors),
		cmocka_unit_test(test_big_batch),  cmocka_unit_test(test_dump_stop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

static int open_netns(void)
{
	return open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

int main(void)
{
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		printf("1..0 # SKIP needs root (network namespaces)\n");
		return 0;
	}

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		printf("1..0 # SKIP fork failed: %m\n");
		return 0;
	}
	if (pid == 0) {
		int r;

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		/* Never the host namespace: A and B are private to this child and die with it. */
		if (unshare(CLONE_NEWNET) < 0) {
			printf("1..0 # SKIP unshare(CLONE_NEWNET) failed: %m\n");
			fflush(stdout);
			_exit(0);
		}
		ns_a = open_netns();
		if (ns_a < 0 || unshare(CLONE_NEWNET) < 0 || (ns_b = open_netns()) < 0 ||
		    setns(ns_a, CLONE_NEWNET) < 0) {
			printf("1..0 # SKIP second network namespace: %m\n");
			fflush(stdout);
			_exit(0);
		}
		r = run_all();
		ns_a = safe_close(ns_a);
		ns_b = safe_close(ns_b);
		fflush(stdout);
		fflush(stderr);
		leak_check();
		_exit(r == 0 ? 0 : 1);
	}

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 1;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	fprintf(stderr, "test child killed by signal %d\n", WTERMSIG(status));
	return 1;
}
