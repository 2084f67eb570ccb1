/* SPDX-License-Identifier: MIT */
/*
 * rtnetlink sockets, batches and dumps.
 *
 * One socket per network namespace. Requests go out in batches (one sendto for many messages,
 * as in libmnl's examples/netfilter/nfct-create-batch.c); the kernel handles a whole sendto
 * synchronously and queues one ACK per message, which we match to the request by sequence
 * number. NETLINK_CAP_ACK keeps those ACKs small (no echo of the request), NETLINK_EXT_ACK
 * adds the kernel's explanation to errors.
 *
 * ACKs that do not fit in the receive buffer are dropped by the kernel (netlink_overrun, then
 * ENOBUFS), and the outcome of those requests is lost. So besides a large SO_RCVBUF, a batch
 * never has more requests outstanding than the buffer can hold ACKs for.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <libmnl/libmnl.h>

#include "fd-util.h"

#include "log.h"
#include "macro.h"
#include "nl.h"

/* A batch sends once its messages pass this size (libmnl's batch "limit"). */
#define NL_BATCH_LIMIT (64 * 1024)
/* The kernel caps a dump skb at 32 KiB (netlink_recvmsg, max_recvmsg_len), so one read of this
 * size never truncates a datagram. */
#define NL_RECV_SIZE (32 * 1024)
/* Asked for; the kernel doubles it. SO_RCVBUFFORCE needs CAP_NET_ADMIN, SO_RCVBUF is capped by
 * net.core.rmem_max (208 KiB by default). */
#define NL_RCVBUF_WANT (4 * 1024 * 1024)
/* What one queued ACK costs against the receive buffer: its skb truesize (kmalloc'ed data plus
 * struct sk_buff and skb_shared_info) is 700-900 bytes with an extack message; keep a margin. */
#define NL_ACK_COST 2048
#define NL_MIN_INFLIGHT 16

struct nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	size_t max_inflight;
	uint8_t rbuf[NL_RECV_SIZE] __attribute__((aligned(NLMSG_ALIGNTO)));
};

struct nl_pending {
	uint32_t seq;
	bool done;
	uintptr_t cookie;
};

struct nl_batch {
	struct nl *nl;
	struct mnl_nlmsg_batch *mb;
	struct nl_pending *pending;
	size_t n_pending;
	size_t max_pending;
	struct nl_error first; /* first kernel error since the last flush */
	/* NL_BATCH_LIMIT plus room for the one message that overflows it. */
	uint8_t buf[] __attribute__((aligned(NLMSG_ALIGNTO)));
};

static uint32_t nl_take_seq(struct nl *nl)
{
	uint32_t seq = nl->seq++;

	if (nl->seq == 0) /* 0 is what notifications carry */
		nl->seq = 1;
	return seq;
}

void nl_close(struct nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl);
}

static int set_netlink_opt(struct nl *nl, int opt)
{
	int one = 1;

	if (mnl_socket_setsockopt(nl->sock, opt, &one, sizeof(one)) < 0) {
		/* Kernels before 4.12 (EXT_ACK) / 4.3 (CAP_ACK): work without; the parser copes
		 * with uncapped ACKs and with errors that carry no text. */
		if (errno == ENOPROTOOPT)
			return 0;
		return negative_errno();
	}
	return 0;
}

/*
 * Opens a NETLINK_ROUTE socket bound (auto portid) in the calling thread's network namespace.
 * On success *ret is owned by the caller (nl_close()). Returns -ENOMEM, or the errno of
 * socket/bind/setsockopt.
 */
/* nl_open with a socket already made (sockfd -EBADF: make one here). Takes sockfd. */
static int nl_open_fd(int sockfd, struct nl **ret)
{
	_cleanup_(nl_closep) struct nl *nl = NULL;
	int fd, r, size;
	socklen_t len;

	nl = calloc(1, sizeof(*nl));
	if (!nl) {
		safe_close(sockfd);
		return -ENOMEM;
	}

	nl->sock = sockfd >= 0 ? mnl_socket_fdopen(sockfd) : mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl->sock) {
		r = negative_errno();
		safe_close(sockfd);
		return r;
	}
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0)
		return negative_errno();

	r = set_netlink_opt(nl, NETLINK_EXT_ACK);
	if (r < 0)
		return r;
	r = set_netlink_opt(nl, NETLINK_CAP_ACK);
	if (r < 0)
		return r;

	fd = mnl_socket_get_fd(nl->sock);
	size = NL_RCVBUF_WANT;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* netlink_sendmsg refuses a datagram larger than sk_sndbuf - 32. */
	size = NL_BATCH_LIMIT + NL_MSG_MAX;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));

	len = sizeof(size);
	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, &len) < 0)
		return negative_errno();
	nl->max_inflight = (size_t)size / NL_ACK_COST;
	if (nl->max_inflight < NL_MIN_INFLIGHT)
		nl->max_inflight = NL_MIN_INFLIGHT;

	nl->portid = mnl_socket_get_portid(nl->sock);
	nl->seq = 1;
	*ret = TAKE_PTR(nl);
	return 0;
}

int nl_open(struct nl **ret)
{
	return nl_open_fd(-EBADF, ret);
}

int nl_open_in(int netns_fd, struct nl **ret)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	int r;

	if (self < 0)
		return negative_errno();
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		/* A rootless lab we live outside of: a child makes the socket there. */
		if (errno != EPERM)
			return negative_errno();
		r = fd_socket_in_ns(netns_fd, AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
		return r < 0 ? r : nl_open_fd(r, ret);
	}
	r = nl_open(ret);
	if (setns(self, CLONE_NEWNET) < 0) {
		log_error_errno(negative_errno(), "Cannot return to our own netns: %m");
		abort();
	}
	return r;
}

int nl_open_events_in(int netns_fd, int proto, unsigned groups, int rcvbuf,
		      struct mnl_socket **ret)
{
	_cleanup_close_ int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	struct mnl_socket *s;
	int r = 0;

	if (self < 0)
		return negative_errno();
	if (setns(netns_fd, CLONE_NEWNET) < 0) {
		/* A rootless lab we live outside of: a child makes the socket there. */
		if (errno != EPERM)
			return negative_errno();
		int fd = fd_socket_in_ns(netns_fd, AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, proto);
		if (fd < 0)
			return fd;
		s = mnl_socket_fdopen(fd);
		if (!s) {
			r = negative_errno();
			close(fd);
		}
	} else {
		s = mnl_socket_open2(proto, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (!s)
			r = negative_errno();
		if (setns(self, CLONE_NEWNET) < 0) {
			log_error_errno(negative_errno(), "Cannot return to our own netns: %m");
			abort(); /* nothing after this would be safe */
		}
	}
	if (s && mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		r = negative_errno();
		mnl_socket_close(s);
		s = NULL;
	}
	if (s && rcvbuf > 0) {
		int fd = mnl_socket_get_fd(s);
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
			(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	}
	if (r == 0)
		*ret = s;
	return r;
}

static int nl_send(struct nl *nl, const void *buf, size_t len)
{
	for (;;) {
		ssize_t n = mnl_socket_sendto(nl->sock, buf, len);
		if (n >= 0)
			return 0;
		if (errno != EINTR)
			return negative_errno();
	}
}

/* Reads one datagram from the kernel into nl->rbuf; returns its length or -errno. */
static ssize_t nl_recv(struct nl *nl, int flags)
{
	for (;;) {
		struct sockaddr_nl sa = {};
		struct iovec iov = { .iov_base = nl->rbuf, .iov_len = sizeof(nl->rbuf) };
		struct msghdr msg = {
			.msg_name = &sa,
			.msg_namelen = sizeof(sa),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(mnl_socket_get_fd(nl->sock), &msg, flags);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (msg.msg_flags & MSG_TRUNC)
			return -EMSGSIZE;
		if (sa.nl_pid != 0) /* not from the kernel */
			continue;
		return n;
	}
}

/* After ENOBUFS: throw away what is queued, so that the next request starts clean. */
static void nl_drain(struct nl *nl)
{
	for (;;) {
		ssize_t n = nl_recv(nl, MSG_DONTWAIT);
		if (n < 0 && n != -ENOBUFS && n != -EMSGSIZE)
			return;
	}
}

static int extack_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		*(const char **)data = mnl_attr_get_str(attr);
	return MNL_CB_OK;
}

/* Copies NLMSGERR_ATTR_MSG from the TLVs that start `offset` bytes into the payload. */
static void copy_extack(const struct nlmsghdr *nlh, size_t offset, char *buf, size_t size)
{
	const char *text = NULL;

	buf[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || offset >= mnl_nlmsg_get_payload_len(nlh))
		return;
	(void)mnl_attr_parse(nlh, (unsigned)offset, extack_cb, &text);
	if (text)
		snprintf(buf, size, "%s", text);
}

/* The errno (<= 0) an NLMSG_ERROR carries, and its extack text. */
static int ack_error(const struct nlmsghdr *nlh, char *text, size_t size)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t offset = sizeof(*e);

	text[0] = '\0';
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e))
		return -EBADMSG;
	/* Without NLM_F_CAPPED the request follows the nlmsgerr, and the TLVs come after it. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		offset += e->msg.nlmsg_len - NLMSG_HDRLEN;
	copy_extack(nlh, offset, text, size);
	return e->error > 0 ? -e->error : e->error;
}

/* ---- batches ----------------------------------------------------------------------------- */

int nl_batch_new(struct nl *nl, struct nl_batch **ret)
{
	_cleanup_(nl_batch_freep) struct nl_batch *b = NULL;

	if (!nl || !ret)
		return -EINVAL;

	b = calloc(1, sizeof(*b) + NL_BATCH_LIMIT + NL_MSG_MAX);
	if (!b)
		return -ENOMEM;
	b->nl = nl;
	/* Enough entries for what one send may carry: bounded both by the buffer (the smallest
	 * message is a bare header) and by the ACKs the socket can queue. */
	b->max_pending = NL_BATCH_LIMIT / NLMSG_HDRLEN + 1;
	if (b->max_pending > nl->max_inflight)
		b->max_pending = nl->max_inflight;
	b->pending = calloc(b->max_pending, sizeof(*b->pending));
	if (!b->pending)
		return -ENOMEM;
	b->mb = mnl_nlmsg_batch_start(b->buf, NL_BATCH_LIMIT);
	if (!b->mb)
		return -ENOMEM;

	*ret = TAKE_PTR(b);
	return 0;
}

/* Frees the batch; requests pushed but not yet sent are dropped. */
void nl_batch_free(struct nl_batch *b)
{
	if (!b)
		return;
	if (b->mb)
		mnl_nlmsg_batch_stop(b->mb);
	free(b->pending);
	free(b);
}

void *nl_batch_buf(struct nl_batch *b)
{
	return mnl_nlmsg_batch_current(b->mb);
}

uint32_t nl_batch_seq(struct nl_batch *b)
{
	return b->nl->seq;
}

static struct nl_pending *find_pending(struct nl_batch *b, uint32_t seq, size_t *cursor)
{
	/* ACKs come back in order: try the next expected one before searching. */
	if (*cursor < b->n_pending && b->pending[*cursor].seq == seq)
		return &b->pending[(*cursor)++];
	for (size_t i = 0; i < b->n_pending; i++)
		if (b->pending[i].seq == seq) {
			*cursor = i + 1;
			return &b->pending[i];
		}
	return NULL;
}

/* Reads until every pending request has its ACK; records the first kernel error. */
static int batch_read_acks(struct nl_batch *b)
{
	size_t left = b->n_pending, cursor = 0;

	while (left > 0) {
		ssize_t n = nl_recv(b->nl, 0);
		int rem;

		if (n == -ENOBUFS) {
			nl_drain(b->nl);
			return -ENOBUFS;
		}
		if (n < 0)
			return (int)n;

		rem = (int)n;
		for (const struct nlmsghdr *nlh = (const void *)b->nl->rbuf; mnl_nlmsg_ok(nlh, rem);
		     nlh = mnl_nlmsg_next(nlh, &rem)) {
			struct nl_pending *p;
			char text[sizeof(b->first.msg)];
			int e;

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			p = find_pending(b, nlh->nlmsg_seq, &cursor);
			if (!p || p->done)
				continue;
			p->done = true;
			left--;

			e = ack_error(nlh, text, sizeof(text));
			if (e < 0 && b->first.error == 0) {
				b->first.error = e;
				b->first.cookie = p->cookie;
				memcpy(b->first.msg, text, sizeof(text));
			} else if (e == 0 && text[0])
				log_debug("netlink warning for request %ju: %s",
					  (uintmax_t)p->cookie, text);
		}
	}
	return 0;
}

/* Sends what the batch holds (not a message that overflowed it) and waits for its ACKs. The
 * caller resets the libmnl batch afterwards. */
static int batch_send(struct nl_batch *b)
{
	size_t len = mnl_nlmsg_batch_size(b->mb);
	int r = 0;

	if (len > 0 && b->n_pending > 0) {
		r = nl_send(b->nl, mnl_nlmsg_batch_head(b->mb), len);
		if (r >= 0)
			r = batch_read_acks(b);
	}
	b->n_pending = 0;
	return r;
}

static int batch_result(struct nl_batch *b, struct nl_error *err, bool clear)
{
	int r = b->first.error;

	if (r < 0 && err)
		*err = b->first;
	if (clear)
		b->first = (struct nl_error){};
	return r;
}

/*
 * Queues the request the caller built at nl_batch_buf() with nl_batch_seq(). Returns 0 when it
 * was only queued; when it made the batch send (buffer full, or as many requests outstanding as
 * ACKs fit in the socket), the first kernel error of the batch (with *err), or a socket error.
 * -EINVAL: no valid request at nl_batch_buf() (a builder failed, or the seq is not ours).
 */
int nl_batch_push(struct nl_batch *b, uintptr_t cookie, struct nl_error *err)
{
	struct nlmsghdr *nlh = mnl_nlmsg_batch_current(b->mb);
	bool sent = false;
	uint32_t seq;
	int r = 0;

	if (err)
		*err = (struct nl_error){};
	if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > NL_MSG_MAX ||
	    nlh->nlmsg_type < NLMSG_MIN_TYPE || nlh->nlmsg_seq != b->nl->seq)
		return -EINVAL;
	seq = nl_take_seq(b->nl);

	if (!mnl_nlmsg_batch_next(b->mb)) {
		/* Full: send what was there; reset carries this message to the head. */
		r = batch_send(b);
		sent = true;
		mnl_nlmsg_batch_reset(b->mb);
	}
	b->pending[b->n_pending++] = (struct nl_pending){ .seq = seq, .cookie = cookie };

	if (r >= 0 && b->n_pending >= b->max_pending) {
		r = batch_send(b);
		sent = true;
		mnl_nlmsg_batch_reset(b->mb);
	}
	if (r < 0)
		return r;
	return sent ? batch_result(b, err, false) : 0;
}

/*
 * Sends what is queued and waits for every ACK. Returns 0, a socket error, or the first kernel
 * error met since the previous flush (with *err: errno, cookie of that request, extack text).
 */
int nl_batch_flush(struct nl_batch *b, struct nl_error *err)
{
	int r;

	if (err)
		*err = (struct nl_error){};
	r = batch_send(b);
	mnl_nlmsg_batch_reset(b->mb);
	if (r < 0) {
		(void)batch_result(b, err, true);
		return r;
	}
	return batch_result(b, err, true);
}

/* ---- dumps ------------------------------------------------------------------------------- */

/*
 * Dumps `type` (RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE) for `family` and hands every answer
 * message to cb. Returns 0, a socket error, the kernel's error (with *err, cookie 0), cb's
 * negative return, or -EAGAIN when the kernel flagged the dump as inconsistent.
 */
int nl_dump(struct nl *nl, uint16_t type, int family, nl_dump_cb cb, void *data,
	    struct nl_error *err)
{
	uint8_t req[NL_MSG_MAX] __attribute__((aligned(NLMSG_ALIGNTO)));
	const struct nlmsghdr *rq;
	uint32_t seq = nl_take_seq(nl);
	bool done = false, stop = false, intr = false;
	struct nl_error kerr = {};
	int r = 0;

	if (err)
		*err = (struct nl_error){};
	rq = nl_build_dump(req, seq, type, family);
	r = nl_send(nl, rq, rq->nlmsg_len);
	if (r < 0)
		return r;

	while (!done) {
		ssize_t n = nl_recv(nl, 0);
		int rem;

		if (n == -ENOBUFS) {
			nl_drain(nl);
			return -ENOBUFS;
		}
		if (n < 0)
			return (int)n;

		rem = (int)n;
		for (const struct nlmsghdr *nlh = (const void *)nl->rbuf;
		     !done && mnl_nlmsg_ok(nlh, rem); nlh = mnl_nlmsg_next(nlh, &rem)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;

			switch (nlh->nlmsg_type) {
			case NLMSG_DONE:
				done = true;
				/* The dump's own error, then extack TLVs, follow in the payload. */
				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
					int e;
					memcpy(&e, mnl_nlmsg_get_payload(nlh), sizeof(e));
					if (e < 0) {
						kerr.error = e;
						copy_extack(nlh, sizeof(int), kerr.msg,
							    sizeof(kerr.msg));
					}
				}
				break;
			case NLMSG_ERROR:
				done = true;
				kerr.error = ack_error(nlh, kerr.msg, sizeof(kerr.msg));
				break;
			case NLMSG_NOOP:
			case NLMSG_OVERRUN:
				break;
			default:
				if (!stop && r == 0) {
					int c = cb(nlh, data);
					if (c == MNL_CB_STOP)
						stop = true;
					else if (c < 0)
						r = c;
				}
			}
		}
	}

	if (r < 0)
		return r;
	if (kerr.error < 0) {
		if (err)
			*err = kerr;
		return kerr.error;
	}
	return intr ? -EAGAIN : 0;
}

/* ---- telling people ---------------------------------------------------------------------- */

static int log_nl(enum log_level level, const struct nl_error *e, int r, const char *fmt,
		  va_list ap)
{
	char what[512];
	int error = e && e->error < 0 ? e->error : r;

	(void)vsnprintf(what, sizeof(what), fmt, ap);
	if (e && e->error < 0 && e->msg[0])
		return log_internal(level, error, "%s: %m (kernel: %s)", what, e->msg);
	return log_internal(level, error, "%s: %m", what);
}

int nl_log_error(const struct nl_error *e, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r = log_nl(LOG_LEVEL_ERROR, e, r, fmt, ap);
	va_end(ap);
	return r;
}

int nl_log_warning(const struct nl_error *e, int r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	r = log_nl(LOG_LEVEL_WARNING, e, r, fmt, ap);
	va_end(ap);
	return r;
}
