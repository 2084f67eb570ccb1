/* SPDX-License-Identifier: MIT */
/*
 * nl: rtnetlink through libmnl.
 *
 * Two halves:
 *  - builders (nl-build.c): pure functions that write one request into a caller-owned buffer
 *    and return its header. They never allocate and never touch a socket, so unit tests build a
 *    message and parse it back.
 *  - sockets and batches (nl-sock.c): one socket per network namespace, bound to the namespace
 *    that was current when it was opened; NETLINK_EXT_ACK and NETLINK_CAP_ACK on; every request
 *    carries NLM_F_ACK and a sequence number, and ACKs are matched to requests by sequence.
 *
 * A batch is not a transaction: the kernel handles each message on its own. Callers send in
 * phases and stop at the first phase that reports an error.
 *
 * Errors: functions return 0 or -errno. A kernel error carries the kernel's errno and, when the
 * kernel gave one, the extended-ack text.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

/* Room one builder may need: any single request fits in this. */
#define NL_MSG_MAX 1024

/* ---- builders ---------------------------------------------------------------------------- */

struct nl_link_end {
	const char *name;     /* required */
	int ifindex;          /* 0 = kernel chooses; else the ifindex wanted in the target namespace */
	int netns_fd;         /* -1 = the socket's namespace; else IFLA_NET_NS_FD */
	const uint8_t *mac;   /* NULL = random; else 6 bytes, IFLA_ADDRESS */
	unsigned mtu;         /* 0 = default */
	int master;           /* 0 = none; else IFLA_MASTER (bridge ifindex in the end's namespace) */
	bool up;              /* IFF_UP in the request (only meaningful for the main end: a veth
				 peer cannot be up before its peer exists) */
};

/* RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL, kind "veth"; `a` is the main device, `b` goes into
 * VETH_INFO_PEER. */
struct nlmsghdr *nl_build_veth(void *buf, uint32_t seq, const struct nl_link_end *a,
			       const struct nl_link_end *b);

/* RTM_NEWLINK NLM_F_CREATE|NLM_F_EXCL, kind "bridge", in the socket's namespace, with
 * IFLA_BR_MCAST_SNOOPING 0, IFLA_BR_STP_STATE stp, and when stp a short forward delay. */
struct nl_bridge {
	const char *name;
	int ifindex;          /* 0 = kernel chooses */
	const uint8_t *mac;   /* NULL = random */
	bool stp;
	bool up;
};
struct nlmsghdr *nl_build_bridge(void *buf, uint32_t seq, const struct nl_bridge *br);

/* RTM_NEWLINK on an existing link: set or clear IFF_UP. */
struct nlmsghdr *nl_build_link_updown(void *buf, uint32_t seq, int ifindex, bool up);

/* RTM_NEWADDR NLM_F_CREATE|NLM_F_EXCL. addr: 4 or 16 bytes by family (AF_INET/AF_INET6).
 * IPv4 sets IFA_LOCAL and IFA_ADDRESS (and IFA_BROADCAST for plen < 31); IPv6 sets IFA_ADDRESS
 * and, when nodad, IFA_F_NODAD (through IFA_FLAGS). */
struct nlmsghdr *nl_build_addr(void *buf, uint32_t seq, int ifindex, int family,
			       const uint8_t *addr, uint8_t plen, bool nodad);

/* RTM_DELADDR of addr/plen on ifindex, as `ip addr del` sends it (IFA_LOCAL). */
struct nlmsghdr *nl_build_addr_del(void *buf, uint32_t seq, int ifindex, int family,
				   const uint8_t *addr, uint8_t plen);

/* RTM_NEWROUTE NLM_F_CREATE|NLM_F_EXCL, table main, protocol static, scope universe, unicast.
 * dst may be NULL when dst_len is 0 (default route). gw may be NULL (then oif is required).
 * oif 0 = none; metric 0 = none. */
struct nl_route {
	int family;
	const uint8_t *dst;
	uint8_t dst_len;
	const uint8_t *gw;
	int oif;
	uint32_t metric;
};
struct nlmsghdr *nl_build_route(void *buf, uint32_t seq, const struct nl_route *rt);

/* RTM_GETLINK / RTM_GETADDR dumps (NLM_F_DUMP), family AF_UNSPEC for all. */
struct nlmsghdr *nl_build_dump(void *buf, uint32_t seq, uint16_t type, int family);

/* ---- sockets and batches ----------------------------------------------------------------- */

struct nl;

/* Opens a NETLINK_ROUTE socket in the current network namespace. *ret owned by caller. */
int nl_open(struct nl **ret);
/* The same in the network namespace of netns_fd (a namespace fd or a pidfd), from which the
 * caller comes straight back: the socket stays bound to that namespace. Aborts if it cannot
 * return (nothing after would be safe). */
int nl_open_in(int netns_fd, struct nl **ret);
void nl_close(struct nl *nl);
/* A bare, non-blocking libmnl socket of protocol proto (NETLINK_ROUTE, NETLINK_SOCK_DIAG)
 * in the network namespace of netns_fd, bound to the multicast groups (RTMGRP_* bits; 0 for
 * none), for watching events or sock_diag requests. rcvbuf > 0: asked for as SO_RCVBUFFORCE
 * (SO_RCVBUF without CAP_NET_ADMIN), so that a burst of events is not lost. *ret belongs to
 * the caller (mnl_socket_close). Aborts if it cannot return to our namespace. */
struct mnl_socket;
int nl_open_events_in(int netns_fd, int proto, unsigned groups, int rcvbuf,
		      struct mnl_socket **ret);
static inline void nl_closep(struct nl **nl)
{
	if (*nl)
		nl_close(*nl);
}

/* The first error a batch (or a single request) met. */
struct nl_error {
	int error;        /* -errno from the kernel, 0 when none */
	uintptr_t cookie; /* what the caller gave nl_batch_push() for that request */
	char msg[256];    /* the kernel's extended-ack text, empty when it gave none */
};

/*
 * The one way a kernel error is told to people: logs "WHAT: STRERROR (kernel: EXTACK)", WHAT
 * formatted from fmt, " (kernel: ...)" only when the kernel gave a text. The errno is
 * e->error when the kernel gave one, else r (a socket's error); e may be NULL. Returns that
 * errno, so that a caller writes `return nl_log_error(&e, r, "Cannot add '%s'", name);`; r
 * must then be < 0 when e->error is 0. The exception to "only lab and cli log" (log.h): lab/
 * asks for it, and the message is formatted once, here.
 */
int nl_log_error(const struct nl_error *e, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at warning level, for an error the caller goes on after. */
int nl_log_warning(const struct nl_error *e, int r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Batching, libmnl-style: build a request at nl_batch_buf() with seq nl_batch_seq(), then
 * nl_batch_push() it with a cookie of your choice (an index, to name the object in messages).
 * When the buffer is full, push sends what is there and collects the ACKs. nl_batch_flush()
 * sends the rest and waits for every ACK.
 *
 * push and flush return 0, a negative errno from the socket, or the first kernel error (-errno,
 * with *err filled). After a kernel error the batch still drains every ACK of what it sent, so
 * the socket stays usable.
 */
struct nl_batch;
int nl_batch_new(struct nl *nl, struct nl_batch **ret);
void nl_batch_free(struct nl_batch *b);
static inline void nl_batch_freep(struct nl_batch **b)
{
	if (*b)
		nl_batch_free(*b);
}
void *nl_batch_buf(struct nl_batch *b);   /* room for at least NL_MSG_MAX bytes */
uint32_t nl_batch_seq(struct nl_batch *b);
int nl_batch_push(struct nl_batch *b, uintptr_t cookie, struct nl_error *err);
int nl_batch_flush(struct nl_batch *b, struct nl_error *err);

/* Sends a dump request built with nl_build_dump() and calls cb for each message of the answer
 * (libmnl's mnl_cb_t contract: return MNL_CB_OK to go on). */
typedef int (*nl_dump_cb)(const struct nlmsghdr *nlh, void *data);
int nl_dump(struct nl *nl, uint16_t type, int family, nl_dump_cb cb, void *data,
	    struct nl_error *err);

/* ---- appended by the nl layer ------------------------------------------------------------ */

/*
 * Builders return NULL (errno EINVAL) on invalid arguments: a name missing or longer than
 * IFNAMSIZ - 1, an unknown family, a prefix length out of range, a route with neither gw nor
 * oif. They then leave an empty header (type 0, seq 0) at buf, which nl_batch_push() refuses.
 *
 * Routes: as in iproute2, a route without a gateway gets scope link (the kernel resolves later
 * gateways only through link-scope routes); with a gateway, scope universe.
 * Dumps: NLM_F_REQUEST|NLM_F_DUMP without NLM_F_ACK, as iproute2 sends them.
 *
 * veth, as the 6.18 kernel treats it: the peer's ifindex is honoured only when the main end's
 * ifindex is given too (veth_newlink); the peer's IFLA_MASTER is ignored; the peer's up is not
 * encoded (it would fail the request with ENOTCONN).
 */

/* RTM_NEWLINK on an existing link: IFLA_MASTER master (0 = release from its master) and, when
 * up, IFF_UP in the same request (up = false leaves the flags alone). Needed for the peer end
 * of a veth: the kernel ignores IFLA_MASTER inside VETH_INFO_PEER, and the peer cannot be up
 * at creation. */
struct nlmsghdr *nl_build_link_master(void *buf, uint32_t seq, int ifindex, int master, bool up);

/*
 * nl_batch_push() checks that the message at nl_batch_buf() carries nl_batch_seq() (-EINVAL
 * otherwise): build and push in a row. A batch sends when its 64 KiB buffer is full or when as
 * many requests are outstanding as the socket's receive buffer can hold ACKs for, so ACKs are
 * never dropped. nl_batch_flush() returns the first kernel error met by any send since the
 * previous flush (push reports an error as soon as its own send meets it). -ENOBUFS means ACKs
 * were lost and the outcome of some requests is unknown.
 *
 * nl_dump(): cb returns MNL_CB_OK to go on, MNL_CB_STOP to stop quietly (nl_dump returns 0),
 * or a negative errno to stop with it. The answer is always read to its end. A dump the kernel
 * marks NLM_F_DUMP_INTR (the table changed meanwhile) returns -EAGAIN after the end: retry.
 */

/* ---- parsing kernel messages (nl-parse.c): pure ----------------------------------------- */

/*
 * Each parser reads one message, as a dump answer or a notification brings it (or as our
 * builders write it), and returns 0 with *ret filled, or an error with *ret untouched: -EINVAL
 * when nlh is not a message of its kind, -EBADMSG when it is malformed (a header cut short, an
 * attribute whose length is shorter than its header or runs past the message, an attribute of
 * the wrong size). Nothing is allocated; nothing outside nlh->nlmsg_len is read.
 */

/* A link (RTM_NEWLINK or RTM_DELLINK), the fields netlab looks at. */
struct nl_link_info {
	bool deleted;      /* RTM_DELLINK */
	int ifindex;
	unsigned flags;    /* IFF_* (ifi_flags: IFF_UP, IFF_LOWER_UP...) */
	uint16_t type;     /* ARPHRD_* */
	char name[16];     /* IFLA_IFNAME (IFNAMSIZ); "" when absent */
	uint32_t mtu;      /* IFLA_MTU; 0 when absent */
	int master;        /* IFLA_MASTER (a bridge port's bridge); 0 = none */
	uint8_t operstate; /* IFLA_OPERSTATE (IF_OPER_*); IF_OPER_UNKNOWN when absent */
	char kind[16];     /* IFLA_LINKINFO's IFLA_INFO_KIND ("veth", "bridge"); "" when absent */
	uint8_t addr[32];  /* IFLA_ADDRESS, the link-layer address (MAX_ADDR_LEN) */
	unsigned addr_len; /* its length (6 for Ethernet); 0 when absent */
};
int nl_link_parse(const struct nlmsghdr *nlh, struct nl_link_info *ret);

/* An address (RTM_NEWADDR or RTM_DELADDR). -EAFNOSUPPORT for a family other than AF_INET and
 * AF_INET6. */
struct nl_addr_info {
	bool deleted;      /* RTM_DELADDR */
	int family;        /* AF_INET, AF_INET6 */
	int ifindex;
	uint8_t prefixlen;
	uint8_t scope;     /* RT_SCOPE_* (RT_SCOPE_LINK for fe80::/64, RT_SCOPE_HOST for lo's) */
	uint32_t flags;    /* IFA_F_*: IFA_FLAGS when present (all 32 bits), else ifa_flags */
	uint8_t addr[16];  /* the interface's own address: IFA_LOCAL when present, else IFA_ADDRESS
			      (IPv6 gives IFA_LOCAL only for a peer address) */
	bool has_addr;     /* addr was given (4 or 16 bytes by family) */
};
int nl_addr_parse(const struct nlmsghdr *nlh, struct nl_addr_info *ret);

/* A route notification (RTM_NEWROUTE or RTM_DELROUTE), the fields netlab looks at. */
struct nl_route_info {
	bool deleted;     /* RTM_DELROUTE */
	int family;       /* AF_INET, AF_INET6 */
	uint8_t dst[16];  /* zero for a default route */
	unsigned dst_len;
	uint8_t type;     /* RTN_UNICAST, RTN_BLACKHOLE... */
	uint8_t protocol; /* RTPROT_KERNEL, RTPROT_BOOT, RTPROT_BIRD... */
	uint32_t table;   /* RTA_TABLE when present, else rtm_table */
	bool cloned;      /* RTM_F_CLONED: a cache entry, not a route */
};
/* -EINVAL when nlh is not an IPv4 or IPv6 route message or is malformed (the same checks as
 * above). */
int nl_parse_route(const struct nlmsghdr *nlh, struct nl_route_info *ret);
/* Whether a route notification is a change of a routing table as `converge` counts it: any
 * table but local, no cache entries, and no IPv6 link-local (fe80::/10) or multicast routes,
 * which every link's state change adds or removes in every node. */
bool nl_route_is_table_change(const struct nl_route_info *r);

/* ---- queueing disciplines (nl-qdisc.c): link emulation ------------------------------------ */

/*
 * netem and tbf requests as tc sends them (see nl-qdisc.c for the encodings). flags: for
 * RTM_NEWQDISC, NLM_F_CREATE|NLM_F_EXCL to add (tc qdisc add), NLM_F_CREATE|NLM_F_REPLACE to
 * add or change in place (tc qdisc replace). parent: TC_H_ROOT or a class such as 1:1
 * (TC_H_MAKE(1 << 16, 1)); handle: e.g. 1 << 16 for "1:". NULL (EINVAL) on a bad ifindex or,
 * for tbf, a zero rate, burst or limit.
 */
struct nl_netem {
	uint32_t limit;     /* packets; 0 = tc's default, 1000 */
	uint64_t delay_ns;
	uint64_t jitter_ns;
	uint32_t loss;      /* probabilities, UINT32_MAX = 100% */
	uint32_t duplicate;
	uint32_t corrupt;
	uint32_t reorder;
};
struct nl_tbf {
	uint64_t rate_Bps; /* bytes per second */
	uint32_t burst;    /* bucket size, bytes */
	uint32_t limit;    /* queue, bytes */
};
struct nlmsghdr *nl_build_netem(void *buf, uint32_t seq, uint16_t flags, int ifindex,
				uint32_t parent, uint32_t handle, const struct nl_netem *ne);
struct nlmsghdr *nl_build_tbf(void *buf, uint32_t seq, uint16_t flags, int ifindex,
			      uint32_t parent, uint32_t handle, const struct nl_tbf *tb);
/* tc qdisc add dev X root handle H htb (used to probe for sch_htb). */
struct nlmsghdr *nl_build_htb_root(void *buf, uint32_t seq, int ifindex, uint32_t handle);
/* tc qdisc del: RTM_DELQDISC of the qdisc at parent (TC_H_ROOT) / handle (0 = whatever is
 * there). Deleting the root of a device that has only its default qdisc fails (ENOENT or
 * EINVAL, "Cannot delete qdisc with handle of zero"). */
struct nlmsghdr *nl_build_qdisc_del(void *buf, uint32_t seq, int ifindex, uint32_t parent,
				    uint32_t handle);
/* RTM_GETQDISC dump with a tcmsg header (tc qdisc show dev X). */
struct nlmsghdr *nl_build_qdisc_dump(void *buf, uint32_t seq, int ifindex);
/* tc_calc_xmittime(): psched ticks (64 ns) to send size bytes at rate_Bps, as tc computes the
 * tbf buffer. */
uint32_t nl_tc_xmittime(uint64_t rate_Bps, uint32_t size);

/* One qdisc as the kernel reports it. */
struct nl_qdisc_info {
	int ifindex;
	uint32_t handle, parent;
	char kind[16];
	bool is_netem, is_tbf; /* and then netem or tbf holds its parameters */
	struct nl_netem netem;
	struct nl_tbf tbf;
};
/* Parses an RTM_NEWQDISC message (a dump answer, or a request we built). -EBADMSG. */
int nl_qdisc_parse(const struct nlmsghdr *nlh, struct nl_qdisc_info *ret);
/* Every qdisc of ifindex (0: of every device) in the current network namespace, over a socket
 * of its own. *ret is malloc'd (may be NULL when *ret_n is 0). -errno. */
int nl_qdisc_list(int ifindex, struct nl_qdisc_info **ret, size_t *ret_n);
