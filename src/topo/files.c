/* SPDX-License-Identifier: MIT */
/*
 * `file` statements: where each file goes (inside one of its node's private directories) and
 * its text, rendered from the template once the plan has decided every address.
 *
 * Variables are %NAME% or %NAME:ARG%, NAME in capitals. Text like "100%" or "%s" that does not
 * have that shape is left alone; a well-formed variable that netlab does not know is an error,
 * so a typo never reaches a daemon's configuration.
 *
 *   %NODE%  %INDEX%                 the node's name, its 1-based position among the nodes
 *   %ADDR%  %ADDR6%                 its loopback address, else its first address (no /len)
 *   %ADDR:N%  %ADDR6:N%             the same for node N
 *   %IF:N%                          our interface to neighbour N
 *   %LOCAL:N%  %LOCAL6:N%           our address on that link
 *   %PEER:N%  %PEER6:N%             N's address on that link
 *   %NB_NAME% %NB_INDEX% %NB_IF% %NB_LOCAL% %NB_LOCAL6% %NB_PEER% %NB_PEER6% %NB_ADDR%
 *   %NB_ADDR6%                      a line using any of these is repeated for every neighbour
 *
 * A neighbour is another node on the same L2 segment as one of our interfaces (the other end of
 * a cable, or anyone on the same switch), in interface order.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo-internal.h"

struct buf {
	char *s;
	size_t n, cap;
	bool oom;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (b->n + n + 1 > cap)
			cap *= 2;
		char *ns = realloc(b->s, cap);
		if (!ns) {
			b->oom = true;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

struct nb {
	size_t local; /* our iface */
	size_t peer;  /* theirs */
};

struct ctx {
	const struct topo *t;
	const struct topo_src *src;
	struct topo_error *err;
	const struct topo_file *f;
	struct nb *nbs;
	size_t n_nbs;
	const struct nb *cur; /* the neighbour of the line being repeated, or NULL */
};

static int neighbours(const struct topo *t, size_t node, struct nb **ret, size_t *ret_n)
{
	const struct topo_node *nd = &t->nodes[node];
	struct nb *v = NULL;
	size_t n = 0;

	for (size_t k = 0; k < nd->n_ifaces; k++) {
		size_t me = nd->ifaces[k];
		const struct topo_segment *sg = &t->segments[t->ifaces[me].segment];
		for (size_t j = 0; j < sg->n_ifaces; j++) {
			size_t other = sg->ifaces[j];
			if (t->ifaces[other].owner == node)
				continue;
			struct nb *nv = realloc(v, (n + 1) * sizeof(*v));
			if (!nv) {
				free(v);
				return -ENOMEM;
			}
			v = nv;
			v[n++] = (struct nb){.local = me, .peer = other};
		}
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static const struct topo_addr *iface_addr(const struct topo *t, size_t iface, int family)
{
	const struct topo_iface *f = &t->ifaces[iface];
	for (size_t a = 0; a < f->n_addrs; a++)
		if (f->addrs[a].family == family)
			return &f->addrs[a];
	return NULL;
}

static const struct topo_addr *node_addr(const struct topo *t, size_t node, int family)
{
	const struct topo_node *n = &t->nodes[node];

	if (family == AF_INET && n->has_lo4)
		return &n->lo4;
	if (family == AF_INET6 && n->has_lo6)
		return &n->lo6;
	for (size_t k = 0; k < n->n_ifaces; k++) {
		const struct topo_addr *a = iface_addr(t, n->ifaces[k], family);
		if (a)
			return a;
	}
	return NULL;
}

/* The position of byte off of the template, for messages. */
static struct topo_pos body_pos(const struct topo_file *f, size_t off)
{
	struct topo_pos pos = {.line = f->body_line, .col = 1};
	for (size_t i = 0; i < off; i++) {
		if (f->text[i] == '\n') {
			pos.line++;
			pos.col = 1;
		} else
			pos.col++;
	}
	return pos;
}

static _printf_(4, 5) int fail_at(struct ctx *c, size_t off, size_t len, const char *fmt, ...)
{
	char msg[sizeof(c->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return topo_fail(c->err, c->src, body_pos(c->f, off), (unsigned)len, "%s", msg);
}

static bool is_var_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
}

static bool is_arg_char(char ch)
{
	return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-' || ch == '.';
}

/* Whether s[0] == '%' starts a variable: %NAME% or %NAME:ARG%. *ret_len: up to the closing %. */
static bool var_at(const char *s, size_t n, size_t *ret_len)
{
	size_t i = 1;

	if (i >= n || !(s[i] >= 'A' && s[i] <= 'Z'))
		return false;
	while (i < n && is_var_char(s[i]))
		i++;
	if (i < n && s[i] == ':') {
		size_t a = ++i;
		while (i < n && is_arg_char(s[i]))
			i++;
		if (i == a)
			return false;
	}
	if (i >= n || s[i] != '%')
		return false;
	*ret_len = i + 1;
	return true;
}

static int put_addr(struct ctx *c, struct buf *b, const struct topo_addr *a, size_t off,
		    size_t len, const char *what)
{
	char txt[TOPO_ADDRSTRLEN];

	if (!a)
		return fail_at(c, off, len, "%.*s: %s", (int)len, c->f->text + off, what);
	topo_addr_str(a, false, txt, sizeof(txt));
	put(b, txt, strlen(txt));
	return 0;
}

/* The first neighbour that is node `name`, or NULL (with an error). */
static const struct nb *nb_named(struct ctx *c, const char *name, size_t off, size_t len)
{
	const struct topo *t = c->t;
	size_t node = topo_find_node(t, name);

	if (node == TOPO_NONE) {
		fail_at(c, off, len, "unknown node '%s' in %.*s", name, (int)len, c->f->text + off);
		return NULL;
	}
	for (size_t i = 0; i < c->n_nbs; i++)
		if (t->ifaces[c->nbs[i].peer].owner == node)
			return &c->nbs[i];
	fail_at(c, off, len, "node '%s' is not a neighbour of '%s' (no link or switch joins them)",
		name, t->nodes[c->f->node].name);
	return NULL;
}

static int expand_var(struct ctx *c, struct buf *b, size_t off, size_t len)
{
	const struct topo *t = c->t;
	const char *v = c->f->text + off + 1;
	size_t vlen = len - 2, nlen = strcspn(v, ":%");
	char name[32], arg[TOPO_NAME_MAX + 1] = "";
	bool has_arg = nlen < vlen;
	size_t me = c->f->node;
	char num[24];

	if (nlen >= sizeof(name) || (has_arg && vlen - nlen - 1 >= sizeof(arg)))
		return fail_at(c, off, len, "unknown variable %.*s", (int)len, c->f->text + off);
	memcpy(name, v, nlen);
	name[nlen] = '\0';
	if (has_arg) {
		memcpy(arg, v + nlen + 1, vlen - nlen - 1);
		arg[vlen - nlen - 1] = '\0';
	}
#define IS(x) streq(name, x)
	if (strncmp(name, "NB_", 3) == 0) {
		const struct nb *nb = c->cur;
		size_t peer_node;

		if (has_arg || !nb)
			return fail_at(c, off, len, "unknown variable %.*s", (int)len,
				       c->f->text + off);
		peer_node = t->ifaces[nb->peer].owner;
		if (IS("NB_NAME"))
			put(b, t->nodes[peer_node].name, strlen(t->nodes[peer_node].name));
		else if (IS("NB_INDEX")) {
			snprintf(num, sizeof(num), "%zu", peer_node + 1);
			put(b, num, strlen(num));
		} else if (IS("NB_IF"))
			put(b, t->ifaces[nb->local].name, strlen(t->ifaces[nb->local].name));
		else if (IS("NB_LOCAL") || IS("NB_LOCAL6"))
			return put_addr(c, b, iface_addr(t, nb->local, IS("NB_LOCAL") ? AF_INET : AF_INET6),
					off, len, "no such address on the link to this neighbour");
		else if (IS("NB_PEER") || IS("NB_PEER6"))
			return put_addr(c, b, iface_addr(t, nb->peer, IS("NB_PEER") ? AF_INET : AF_INET6),
					off, len, "the neighbour has no such address on this link");
		else if (IS("NB_ADDR") || IS("NB_ADDR6"))
			return put_addr(c, b, node_addr(t, peer_node, IS("NB_ADDR") ? AF_INET : AF_INET6),
					off, len, "the neighbour has no address of that family");
		else
			return fail_at(c, off, len, "unknown variable %.*s", (int)len,
				       c->f->text + off);
		return 0;
	}
	if (!has_arg) {
		if (IS("NODE"))
			put(b, t->nodes[me].name, strlen(t->nodes[me].name));
		else if (IS("INDEX")) {
			snprintf(num, sizeof(num), "%zu", me + 1);
			put(b, num, strlen(num));
		} else if (IS("ADDR") || IS("ADDR6"))
			return put_addr(c, b, node_addr(t, me, IS("ADDR") ? AF_INET : AF_INET6), off,
					len, "the node has no address of that family");
		else
			return fail_at(c, off, len, "unknown variable %.*s", (int)len,
				       c->f->text + off);
		return 0;
	}
	if (IS("ADDR") || IS("ADDR6")) {
		size_t n = topo_find_node(t, arg);
		if (n == TOPO_NONE)
			return fail_at(c, off, len, "unknown node '%s' in %.*s", arg, (int)len,
				       c->f->text + off);
		return put_addr(c, b, node_addr(t, n, IS("ADDR") ? AF_INET : AF_INET6), off, len,
				"that node has no address of that family");
	}
	if (IS("IF") || IS("LOCAL") || IS("LOCAL6") || IS("PEER") || IS("PEER6")) {
		const struct nb *nb = nb_named(c, arg, off, len);
		if (!nb)
			return -EINVAL;
		if (IS("IF")) {
			put(b, t->ifaces[nb->local].name, strlen(t->ifaces[nb->local].name));
			return 0;
		}
		if (IS("LOCAL") || IS("LOCAL6"))
			return put_addr(c, b, iface_addr(t, nb->local, IS("LOCAL") ? AF_INET : AF_INET6),
					off, len, "no such address on the link to that node");
		return put_addr(c, b, iface_addr(t, nb->peer, IS("PEER") ? AF_INET : AF_INET6), off,
				len, "that node has no such address on the link");
	}
#undef IS
	return fail_at(c, off, len, "unknown variable %.*s", (int)len, c->f->text + off);
}

/* One line of the template (without its '\n'), starting at byte off. */
static int render_line(struct ctx *c, struct buf *b, size_t off, size_t n)
{
	const char *s = c->f->text + off;
	size_t i = 0, lit = 0;

	while (i < n) {
		size_t vl;
		if (s[i] == '%' && var_at(s + i, n - i, &vl)) {
			put(b, s + lit, i - lit);
			int r = expand_var(c, b, off + i, vl);
			if (r < 0)
				return r;
			i += vl;
			lit = i;
		} else
			i++;
	}
	put(b, s + lit, n - lit);
	put(b, "\n", 1);
	return b->oom ? -ENOMEM : 0;
}

static int find_mount(const struct topo *t, const struct topo_file *f, size_t *ret)
{
	size_t best = TOPO_NONE, best_len = 0;

	for (size_t m = 0; m < t->n_mounts; m++) {
		const char *d = t->mounts[m].dir;
		size_t dl = strlen(d);

		if (t->mounts[m].node != f->node)
			continue;
		while (dl > 1 && d[dl - 1] == '/')
			dl--;
		if (strncmp(f->path, d, dl) != 0 || f->path[dl] != '/' ||
		    f->path[dl + strspn(f->path + dl, "/")] == '\0')
			continue;
		if (dl > best_len) {
			best = m;
			best_len = dl;
		}
	}
	if (best == TOPO_NONE)
		return -ENOENT;
	*ret = best;
	return 0;
}

static int render(const struct topo *t, const struct topo_src *src, struct topo_error *err,
		  struct topo_file *f)
{
	/* A template read from a file: errors point into that file. */
	struct topo_src from = {.name = f->from, .text = f->text, .len = strlen(f->text)};
	struct ctx c = {.t = t, .src = f->from ? &from : src, .err = err, .f = f};
	struct buf b = {0};
	size_t len = strlen(f->text);
	int r;

	r = neighbours(t, f->node, &c.nbs, &c.n_nbs);
	if (r < 0)
		return r;
	put(&b, "", 0);
	for (size_t off = 0; off < len && r >= 0;) {
		const char *nl = memchr(f->text + off, '\n', len - off);
		size_t n = nl ? (size_t)(nl - (f->text + off)) : len - off;
		bool per_nb = memmem(f->text + off, n, "%NB_", 4) != NULL;

		if (per_nb) {
			for (size_t k = 0; k < c.n_nbs && r >= 0; k++) {
				c.cur = &c.nbs[k];
				r = render_line(&c, &b, off, n);
			}
			c.cur = NULL;
		} else
			r = render_line(&c, &b, off, n);
		off += n + 1;
	}
	free(c.nbs);
	if (r >= 0 && b.oom)
		r = -ENOMEM;
	if (r < 0) {
		free(b.s);
		return r;
	}
	f->content = b.s;
	return 0;
}

int topo_files_render(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	for (size_t i = 0; i < t->n_files; i++) {
		struct topo_file *f = &t->files[i];
		const struct topo_node *nd = &t->nodes[f->node];
		/* A node with a root of its own may write anywhere in it: its writes land in its
		 * private upper layer, never on the host. */
		int r = find_mount(t, f, &f->mount);
		if (r < 0 && (nd->rootfs || nd->image))
			r = 0; /* f->mount stays TOPO_NONE: the path is walked from the node's / */
		if (r < 0)
			return topo_fail(err, src, f->pos, 4,
					 "'%s' is not inside a private directory of node '%s': add "
					 "e.g. 'mount %s tmpfs DIR' for its directory (netlab never "
					 "writes the host's own files)",
					 f->path, t->nodes[f->node].name, t->nodes[f->node].name);
		r = render(t, src, err, f);
		if (r < 0)
			return r;
	}
	return 0;
}
