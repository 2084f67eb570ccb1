/* SPDX-License-Identifier: MIT */
/*
 * The statements of DESIGN.md §2, read into struct topo. Ranges are expanded here, interface
 * names decided, and every syntax and naming error reported; addresses are only checked for
 * syntax (the planner checks what they mean).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer.h"
#include "parse-util.h"
#include "strmap.h"
#include "topo-internal.h"

/* A range like h[1..1000000] is fine, but nothing should let a ten-byte file allocate gigabytes:
 * every name a range produces, every name written out and every repetition of a statement
 * counts against this, and no statement has more words; so what a file costs after tokenizing
 * is bounded whatever its size, and before that it is a few bytes per input byte. */
#define EXPAND_MAX 1000000u

/* The parser compares what strmap_get() returns with the model's "none". */
_Static_assert(STRMAP_NONE == TOPO_NONE, "strmap's 'not there' is TOPO_NONE");

/* ---- tokens and ranges ---- */

struct token {
	size_t off;	     /* first byte in the logical line */
	unsigned len;	     /* bytes; also the caret length */
	struct topo_pos pos; /* of the first byte */
	char *s;	     /* NUL-terminated text: the token, or its expansion for this round */
};

struct range {
	size_t tok; /* index of the token it is in */
	size_t off; /* offset of '[' in the token */
	size_t len; /* up to and including ']' */
	uint64_t start;
	uint64_t count;
	unsigned width; /* zero-padded width, 0 when not padded */
};

struct parser {
	struct topo *t;
	const struct topo_src *src;
	struct topo_error *err;

	struct lex_line line;
	char *words; /* copy of line.c with a NUL after each token */
	struct token *tok;
	size_t n_tok, cap_tok;
	struct range *ranges;
	size_t n_ranges, cap_ranges;
	uint64_t expanded; /* names and repetitions produced so far, against EXPAND_MAX */

	size_t cap_nodes, cap_switches, cap_links, cap_ifaces, cap_routes, cap_sysctls, cap_mounts,
		cap_cmds;
	unsigned *eth_next;  /* per node: next ethN to try */
	unsigned *port_next; /* per switch: next K of SWITCH-K to try */
	unsigned sp_next;    /* next spN for ports whose SWITCH-K is too long */

	struct strmap node_names, switch_names;
	struct strmap root_ifnames; /* lab-root namespace: bridges and ports -> line */
	struct strmap node_ifnames; /* "NODE-INDEX:IFNAME" -> iface index */

	/* exec/start: the raw command text of the current statement */
	const char *cmd;
	size_t cmd_len;

	/* file: the here-document of the current statement (read once, for every expansion) */
	struct lexer *lx;
	char *body;
	size_t body_len;
	unsigned body_line;
	size_t cap_files;

	struct topo_limits decl_limits; /* node: the KEY=VALUE options of the current statement */
};

static void parser_done(struct parser *p)
{
	lex_line_done(&p->line);
	free(p->words);
	free(p->tok);
	free(p->ranges);
	free(p->eth_next);
	free(p->port_next);
	strmap_done(&p->node_names);
	strmap_done(&p->switch_names);
	strmap_done(&p->root_ifnames);
	strmap_done(&p->node_ifnames);
	free(p->body);
}

/* Makes room for one more element of an array whose capacity the parser tracks. */
static int grow(void **array, size_t n, size_t *cap, size_t size)
{
	size_t ncap;
	void *a;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 16;
	a = realloc(*array, ncap * size);
	if (!a)
		return -ENOMEM;
	*array = a;
	*cap = ncap;
	return 0;
}
#define GROW(p, field)                                                                             \
	grow((void **)&(p)->t->field, (p)->t->n_##field, &(p)->cap_##field, sizeof(*(p)->t->field))
/* GROW, then the value as the field's last element (evaluated only when there is room): 0 or
 * -ENOMEM. */
#define APPEND(p, field, ...)                                                                      \
	(GROW(p, field) ?: ((p)->t->field[(p)->t->n_##field++] = (__VA_ARGS__), 0))

static _printf_(3, 4) int fail(struct parser *p, const struct token *tk, const char *fmt, ...)
{
	char msg[sizeof(p->err->message)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return topo_fail(p->err, p->src, tk->pos, tk->len, "%s", msg);
}

/* An error about something missing after token tk: points just past it. */
static _printf_(3, 4) int fail_after(struct parser *p, const struct token *tk, const char *fmt, ...)
{
	char msg[sizeof(p->err->message)];
	struct topo_pos pos = {tk->pos.line, tk->pos.col + tk->len};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return topo_fail(p->err, p->src, pos, 1, "%s", msg);
}

static int fail_range(struct parser *p, const struct range *rg, const char *fmt, ...)
	_printf_(3, 4);
static int fail_range(struct parser *p, const struct range *rg, const char *fmt, ...)
{
	char msg[sizeof(p->err->message)];
	const struct token *tk = &p->tok[rg->tok];
	struct topo_pos pos = {tk->pos.line, tk->pos.col + (unsigned)rg->off};
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return topo_fail(p->err, p->src, pos, (unsigned)rg->len, "%s", msg);
}

/* How many names the ranges scanned into p->ranges make (1 without any): every range of one
 * `where` must have the same length. */
static int ranges_count(struct parser *p, const char *where, uint64_t *ret)
{
	uint64_t count = 1;

	for (size_t j = 0; j < p->n_ranges; j++) {
		if (j > 0 && p->ranges[j].count != count)
			return fail_range(p, &p->ranges[j],
					  "ranges of different lengths in one %s (%llu and %llu)",
					  where, (unsigned long long)count,
					  (unsigned long long)p->ranges[j].count);
		count = p->ranges[j].count;
	}
	*ret = count;
	return 0;
}

/* "expected WHAT after 'PREV'" when tv[i] does not exist. */
static int need(struct parser *p, struct token *tv, size_t n, size_t i, const char *what)
{
	if (i < n)
		return 0;
	return fail_after(p, &tv[n - 1], "expected %s after '%s'", what, tv[n - 1].s);
}

static int no_more(struct parser *p, struct token *tv, size_t n, size_t i)
{
	if (i < n)
		return fail(p, &tv[i], "unexpected '%s'", tv[i].s);
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static int tokenize(struct parser *p)
{
	const struct lex_line *l = &p->line;
	char *w;

	p->n_tok = 0;
	if (l->n == 0)
		return 0;
	w = realloc(p->words, l->n + 1);
	if (!w)
		return -ENOMEM;
	p->words = w;
	memcpy(w, l->c, l->n + 1);

	p->n_tok = 0;
	for (size_t i = 0; i < l->n;) {
		size_t start;
		int r;

		if (is_blank(l->c[i])) {
			w[i++] = '\0';
			continue;
		}
		start = i;
		while (i < l->n && !is_blank(l->c[i]))
			i++;
		if (p->n_tok > EXPAND_MAX) {
			struct token tk = { .len = (unsigned)(i - start), .pos = l->pos[start] };
			return fail(p, &tk, "more than %u words in one statement", EXPAND_MAX);
		}
		r = grow((void **)&p->tok, p->n_tok, &p->cap_tok, sizeof(*p->tok));
		if (r < 0)
			return r;
		p->tok[p->n_tok++] = (struct token){
			.off = start,
			.len = (unsigned)(i - start),
			.pos = l->pos[start],
			.s = w + start,
		};
	}
	return 0;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads a decimal number of at most 18 digits. */
static bool range_number(const char *s, size_t n, uint64_t *ret)
{
	uint64_t v = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	*ret = v;
	return true;
}

/* Finds the ranges of token ti and appends them to p->ranges. */
static int scan_ranges(struct parser *p, size_t ti)
{
	const char *s = p->tok[ti].s;

	for (const char *b = strchr(s, '['); b; b = strchr(b + 1, '[')) {
		const char *e = strchr(b, ']'), *dots;
		struct range rg = {.tok = ti, .off = (size_t)(b - s)};
		uint64_t start, end;
		int r;

		rg.len = e ? (size_t)(e - b + 1) : strlen(b);
		dots = e ? memmem(b, rg.len, "..", 2) : NULL;
		if (!dots || !range_number(b + 1, (size_t)(dots - b - 1), &start) ||
		    !range_number(dots + 2, (size_t)(e - dots - 2), &end))
			return fail_range(p, &rg, "malformed range '%.*s': expected [START..END]",
					  (int)rg.len, b);
		if (start > end)
			return fail_range(p, &rg, "range '%.*s' is reversed", (int)rg.len, b);
		rg.start = start;
		rg.count = end - start + 1;
		if (rg.count > EXPAND_MAX)
			return fail_range(p, &rg, "range '%.*s' expands to more than %u names",
					  (int)rg.len, b, EXPAND_MAX);
		if (b[1] == '0' && dots - b - 1 > 1)
			rg.width = (unsigned)(dots - b - 1);

		r = grow((void **)&p->ranges, p->n_ranges, &p->cap_ranges, sizeof(*p->ranges));
		if (r < 0)
			return r;
		p->ranges[p->n_ranges++] = rg;
		b = e;
	}
	return 0;
}

/* Counts one more expansion of count names against the file's budget. */
static int charge(struct parser *p, const struct range *rg, uint64_t count)
{
	p->expanded += count;
	if (p->expanded <= EXPAND_MAX)
		return 0;
	return fail_range(p, rg, "ranges expand to more than %u names in total", EXPAND_MAX);
}

/* Counts one name or statement written out (no range) against the same budget. */
static int charge_literal(struct parser *p, const struct token *tk)
{
	p->expanded++;
	if (p->expanded <= EXPAND_MAX)
		return 0;
	return fail(p, tk, "the file declares more than %u names and statements in total",
		    EXPAND_MAX);
}

/* The text of token ti with its ranges (p->ranges[first..first+n)) at round k. */
static char *expand(struct parser *p, size_t ti, size_t first, size_t n, uint64_t k)
{
	const char *s = p->tok[ti].s;
	size_t len = strlen(s) + n * 24 + 1, o = 0, at = 0;
	char *out = malloc(len);

	if (!out)
		return NULL;
	for (size_t i = first; i < first + n; i++) {
		const struct range *rg = &p->ranges[i];

		if (rg->tok != ti)
			continue;
		memcpy(out + o, s + at, rg->off - at);
		o += rg->off - at;
		o += (size_t)snprintf(out + o, len - o, "%0*llu", (int)rg->width,
				      (unsigned long long)(rg->start + k));
		at = rg->off + rg->len;
	}
	memcpy(out + o, s + at, strlen(s + at) + 1);
	return out;
}

/* ---- names ---- */

static bool is_name_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' ||
	       c == '-';
}

static int check_name(struct parser *p, const struct token *tk, const char *name, const char *kind,
		      size_t max)
{
	bool ok = (name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z');

	for (const char *c = name; ok && *c; c++)
		ok = is_name_char(*c);
	if (!ok)
		return fail(p, tk,
			    "invalid %s name '%s': a name is a letter followed by letters, digits, "
			    "'_' or '-'",
			    kind, name);
	if (strlen(name) > max)
		return fail(p, tk, "%s name '%s' is longer than %zu bytes", kind, name, max);
	return 0;
}

static int check_ifname(struct parser *p, const struct token *tk, const char *name)
{
	if (name[0] == '\0')
		return fail(p, tk, "missing interface name after ':' in '%s'", tk->s);
	if (strlen(name) > TOPO_IFNAMSIZ - 1)
		return fail(p, tk, "interface name '%s' is longer than %d bytes", name,
			    TOPO_IFNAMSIZ - 1);
	for (const char *c = name; *c; c++)
		if (!is_name_char(*c) && *c != '.')
			return fail(p, tk,
				    "invalid interface name '%s': only letters, digits, '_', '.' "
				    "and '-' are allowed",
				    name);
	if (streq(name, ".") || streq(name, ".."))
		return fail(p, tk, "invalid interface name '%s'", name);
	if (streq(name, "lo"))
		return fail(p, tk, "interface name 'lo' is reserved for the loopback interface");
	return 0;
}

static int lookup_node(struct parser *p, const struct token *tk, size_t *ret)
{
	size_t i = strmap_get(&p->node_names, tk->s);

	if (i == TOPO_NONE) {
		if (strmap_get(&p->switch_names, tk->s) != TOPO_NONE)
			return fail(p, tk, "'%s' is a switch, not a node", tk->s);
		return fail(p, tk, "unknown node '%s'", tk->s);
	}
	*ret = i;
	return 0;
}

/* The node a statement names first (`route NODE ...`, `file NODE ...`). */
static int need_node(struct parser *p, struct token *tv, size_t n, size_t *ret)
{
	int r = need(p, tv, n, 1, "a node name");

	return r < 0 ? r : lookup_node(p, &tv[1], ret);
}

static int add_node(struct parser *p, const struct token *tk, const char *name, unsigned flags)
{
	struct topo *t = p->t;
	size_t i;
	int r;

	r = check_name(p, tk, name, "node", TOPO_NAME_MAX);
	if (r < 0)
		return r;
	if (topo_node_name_reserved(name))
		return fail(p, tk, "node name '%s' is reserved: netlab keeps a file of that name in "
			    "the lab's directory", name);
	i = strmap_get(&p->node_names, name);
	if (i != TOPO_NONE)
		return fail(p, tk, "duplicate node name '%s' (first declared at line %u)", name,
			    t->nodes[i].pos.line);
	i = strmap_get(&p->switch_names, name);
	if (i != TOPO_NONE)
		return fail(p, tk, "node name '%s' is already a switch (declared at line %u)", name,
			    t->switches[i].pos.line);

	if (t->n_nodes == p->cap_nodes) {
		size_t cap = p->cap_nodes;
		unsigned *e;

		r = GROW(p, nodes);
		if (r < 0)
			return r;
		e = realloc(p->eth_next, p->cap_nodes * sizeof(*e));
		if (!e) {
			p->cap_nodes = cap; /* keep eth_next and the capacity in step */
			return -ENOMEM;
		}
		p->eth_next = e;
	}
	r = strmap_put(&p->node_names, name, t->n_nodes);
	if (r < 0)
		return r;
	t->nodes[t->n_nodes] = (struct topo_node){.flags = flags, .pos = tk->pos,
						  .limits = p->decl_limits};
	memcpy(t->nodes[t->n_nodes].name, name, strlen(name) + 1);
	p->eth_next[t->n_nodes] = 0;
	t->n_nodes++;
	return 0;
}

static int add_switch(struct parser *p, const struct token *tk, const char *name, bool stp)
{
	struct topo *t = p->t;
	size_t i;
	int r;

	r = check_name(p, tk, name, "switch", TOPO_IFNAMSIZ - 1);
	if (r < 0)
		return r;
	if (streq(name, "lo"))
		return fail(p, tk, "interface name 'lo' is reserved for the loopback interface");
	i = strmap_get(&p->switch_names, name);
	if (i != TOPO_NONE)
		return fail(p, tk, "duplicate switch name '%s' (first declared at line %u)", name,
			    t->switches[i].pos.line);
	i = strmap_get(&p->node_names, name);
	if (i != TOPO_NONE)
		return fail(p, tk, "switch name '%s' is already a node (declared at line %u)", name,
			    t->nodes[i].pos.line);
	i = strmap_get(&p->root_ifnames, name);
	if (i != TOPO_NONE)
		return fail(p, tk,
			    "interface name '%s' is already used in the lab-root namespace "
			    "(line %zu)",
			    name, i);

	if (t->n_switches == p->cap_switches) {
		size_t cap = p->cap_switches;
		unsigned *k;

		r = GROW(p, switches);
		if (r < 0)
			return r;
		k = realloc(p->port_next, p->cap_switches * sizeof(*k));
		if (!k) {
			p->cap_switches = cap;
			return -ENOMEM;
		}
		p->port_next = k;
	}
	r = strmap_put(&p->switch_names, name, t->n_switches);
	if (r < 0)
		return r;
	r = strmap_put(&p->root_ifnames, name, tk->pos.line);
	if (r < 0)
		return r;
	t->switches[t->n_switches] = (struct topo_switch){.stp = stp, .pos = tk->pos};
	memcpy(t->switches[t->n_switches].name, name, strlen(name) + 1);
	p->port_next[t->n_switches] = 1;
	t->n_switches++;
	return 0;
}

/* KEY=VALUE of the limits vocabulary (node and defaults statements) into *l. */
static int parse_limit_opt(struct parser *p, const struct token *tk, struct topo_limits *l,
			   const char *expected)
{
	const char *eq = strchr(tk->s, '='), *why;
	int k = topo_limit_find(tk->s, (size_t)(eq - tk->s));
	uint64_t v;
	int r;

	if (k < 0)
		return fail(p, tk, "unknown option '%.*s' (expected %s)", (int)(eq - tk->s), tk->s,
			    expected);
	if (l->set[k])
		return fail(p, tk, "%s= is given twice (first at column %u)", topo_limit_keys[k].key,
			    l->pos[k].col);
	r = topo_limit_parse(k, eq + 1, &v, &why);
	if (r < 0)
		return fail(p, tk, "%s %s value '%s': expected %s",
			    r == -ERANGE ? "out of range" : "invalid", topo_limit_keys[k].key, eq + 1,
			    why);
	l->set[k] = true;
	l->value[k] = v;
	l->pos[k] = tk->pos;
	return 0;
}

/* The options of a `node` statement that take a value (issue 13). */
struct node_fs {
	const struct token *rootfs, *image, *cmd;
};

static bool is_root_option(const char *s)
{
	return strncmp(s, "rootfs=", 7) == 0 || strncmp(s, "image=", 6) == 0;
}

static bool is_node_option(const char *s)
{
	return streq(s, "router") || streq(s, "pid") || streq(s, "ipc") || is_root_option(s) ||
	       strncmp(s, "cmd=", 4) == 0;
}

/* rootfs=DIR|host-cow|host or image=REF, of a node or of the defaults: at most one. A DIR goes
 * into overlayfs's option string, whose separators it must not contain. */
static int parse_root(struct parser *p, const struct token *tk, struct node_fs *fs)
{
	const char *v = strchr(tk->s, '=') + 1;

	if (fs->rootfs || fs->image)
		return fail(p, tk, "a node has one root file system: '%s' after '%s'", tk->s,
			    (fs->rootfs ? fs->rootfs : fs->image)->s);
	if (*v == '\0')
		return fail(p, tk, "'%s' needs a value", tk->s);
	if (strncmp(tk->s, "image=", 6) == 0) {
		fs->image = tk;
		return 0;
	}
	if (!streq(v, TOPO_ROOTFS_HOST_COW) && !streq(v, TOPO_ROOTFS_HOST)) {
		if (v[0] != '/')
			return fail(p, tk, "rootfs directory '%s' is not absolute (or use "
				    "rootfs=" TOPO_ROOTFS_HOST_COW " or rootfs=" TOPO_ROOTFS_HOST ")",
				    v);
		if (v[strcspn(v, ":,\\")])
			return fail(p, tk, "rootfs directory '%s' contains ':', ',' or '\\', "
				    "which overlayfs cannot take", v);
	}
	fs->rootfs = tk;
	return 0;
}

/* cmd=none, or cmd=image (the image's Entrypoint and Cmd run, as without cmd=; a node says it
 * to keep a `defaults cmd=none` away), of a node or of the defaults. */
static int parse_cmd_opt(struct parser *p, const struct token *tk, struct node_fs *fs)
{
	const char *v = tk->s + 4;

	if (fs->cmd)
		return fail(p, tk, "cmd= is given twice (first at column %u)", fs->cmd->pos.col);
	if (!streq(v, "none") && !streq(v, "image"))
		return fail(p, tk, "unknown cmd= value '%s': expected cmd=none or cmd=image (give "
			    "the command with a 'start' statement)", v);
	fs->cmd = tk;
	return 0;
}

/* rootfs=, image= or cmd= of a `node` statement. */
static int parse_node_fs(struct parser *p, const struct token *tk, struct node_fs *fs)
{
	if (strncmp(tk->s, "cmd=", 4) != 0)
		return parse_root(p, tk, fs);
	return parse_cmd_opt(p, tk, fs);
}

/* The root's value, or NULL for rootfs=host (the host's tree: nothing to store). */
static int root_value(const struct node_fs *fs, char **ret_rootfs, char **ret_image)
{
	if (fs->rootfs && !streq(fs->rootfs->s + 7, TOPO_ROOTFS_HOST) &&
	    !(*ret_rootfs = strdup(fs->rootfs->s + 7)))
		return -ENOMEM;
	if (fs->image && !(*ret_image = strdup(fs->image->s + 6)))
		return -ENOMEM;
	return 0;
}

static int node_set_fs(struct parser *p, const struct node_fs *fs)
{
	struct topo_node *nd = &p->t->nodes[p->t->n_nodes - 1];
	const struct token *tk = fs->rootfs ? fs->rootfs : fs->image;

	if (fs->cmd) {
		nd->cmd_none = streq(fs->cmd->s + 4, "none");
		nd->cmd_pos = fs->cmd->pos;
	}
	if (!tk)
		return 0;
	nd->root_own = true;
	nd->fs_pos = tk->pos;
	return root_value(fs, &nd->rootfs, &nd->image);
}

/* defaults cmd=none|image: one per file. */
static int parse_default_cmd(struct parser *p, const struct token *tk)
{
	struct node_fs fs = { 0 };
	struct topo *t = p->t;
	int r;

	if (t->default_cmd_pos.line)
		return fail(p, tk, "default cmd= is already given at line %u",
			    t->default_cmd_pos.line);
	r = parse_cmd_opt(p, tk, &fs);
	if (r < 0)
		return r;
	t->default_cmd_none = streq(tk->s + 4, "none");
	t->default_cmd_pos = tk->pos;
	return 0;
}

/* defaults KEY=VALUE...: for every node that does not give KEY itself (wherever it is
 * declared); applied when the whole file is read. */
static int parse_defaults(struct parser *p, struct token *tv, size_t n)
{
	static const char keys[] = "cpu=, memory=, pids=, uptime=, rootfs=, image= or cmd=";
	struct topo_limits *d = &p->t->defaults;
	struct topo *t = p->t;
	int r;

	r = need(p, tv, n, 1, keys);
	if (r < 0)
		return r;
	for (size_t i = 1; i < n; i++) {
		const char *eq = strchr(tv[i].s, '=');
		int k = eq ? topo_limit_find(tv[i].s, (size_t)(eq - tv[i].s)) : -1;

		if (!eq)
			return fail(p, &tv[i], "expected KEY=VALUE, got '%s'", tv[i].s);
		if (is_root_option(tv[i].s)) {
			struct node_fs fs = { 0 };

			if (t->default_fs_pos.line)
				return fail(p, &tv[i], "a default root is already given at line %u, "
					    "column %u", t->default_fs_pos.line,
					    t->default_fs_pos.col);
			r = parse_root(p, &tv[i], &fs);
			if (r >= 0)
				r = root_value(&fs, &t->default_rootfs, &t->default_image);
			if (r < 0)
				return r;
			t->default_fs_pos = tv[i].pos;
			continue;
		}
		if (strncmp(tv[i].s, "cmd=", 4) == 0) {
			r = parse_default_cmd(p, &tv[i]);
			if (r < 0)
				return r;
			continue;
		}
		if (k >= 0 && d->set[k])
			return fail(p, &tv[i], "default %s= is already given at line %u",
				    topo_limit_keys[k].key, d->pos[k].line);
		r = parse_limit_opt(p, &tv[i], d, keys);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The `defaults` into every node that does not give its own: limits key by key, the root as a
 * whole, cmd= for image nodes only (a lab may mix them with others). A node's own cmd= is
 * checked here, where its image may come from the defaults. */
static int apply_defaults(struct parser *p)
{
	struct topo *t = p->t;

	for (size_t i = 0; i < t->n_nodes; i++) {
		struct topo_node *nd = &t->nodes[i];

		for (int k = 0; k < _TOPO_LIMIT_MAX; k++)
			if (!nd->limits.set[k] && t->defaults.set[k]) {
				nd->limits.set[k] = true;
				nd->limits.value[k] = t->defaults.value[k];
				nd->limits.pos[k] = t->defaults.pos[k];
			}
		if (!nd->root_own && (t->default_rootfs || t->default_image)) {
			nd->fs_pos = t->default_fs_pos;
			if (t->default_rootfs && !(nd->rootfs = strdup(t->default_rootfs)))
				return -ENOMEM;
			if (t->default_image && !(nd->image = strdup(t->default_image)))
				return -ENOMEM;
		}
		if (nd->cmd_pos.line && !nd->image)
			return topo_fail(p->err, p->src, nd->cmd_pos, nd->cmd_none ? 8 : 9,
					 "cmd=%s is for a node with an image=",
					 nd->cmd_none ? "none" : "image");
		if (!nd->cmd_pos.line && nd->image)
			nd->cmd_none = t->default_cmd_none;
	}
	return 0;
}

/* node NAME... [router] [pid] [ipc] [rootfs=DIR|image=REF] [cmd=none|image] [KEY=VALUE...] and
 * switch NAME... [stp]: each name expands on its own. */
static int parse_decl(struct parser *p, bool is_node)
{
	struct token *tv = p->tok;
	size_t n = p->n_tok, names = 0;
	unsigned flags = 0;
	struct node_fs fs = { 0 };
	int r;

	p->decl_limits = (struct topo_limits){0};
	for (size_t i = 1; i < n; i++) {
		if (is_node && strchr(tv[i].s, '=') && !is_node_option(tv[i].s)) {
			r = parse_limit_opt(p, &tv[i], &p->decl_limits,
					    "cpu=, memory=, pids=, uptime=, rootfs=, image= or cmd=");
			if (r < 0)
				return r;
		} else if (is_node && streq(tv[i].s, "router"))
			flags |= TOPO_NODE_ROUTER;
		else if (is_node && streq(tv[i].s, "pid"))
			flags |= TOPO_NODE_PID;
		else if (is_node && streq(tv[i].s, "ipc"))
			flags |= TOPO_NODE_IPC;
		else if (is_node && is_node_option(tv[i].s)) {
			r = parse_node_fs(p, &tv[i], &fs);
			if (r < 0)
				return r;
		} else if (!is_node && streq(tv[i].s, "stp"))
			flags = 1;
		else
			names++;
	}
	/* Without a root of its own, the node's image may come from `defaults`: checked then. */
	if (is_node && fs.cmd && fs.rootfs)
		return fail(p, fs.cmd, "%s is for a node with an image=", fs.cmd->s);
	if (names == 0)
		return fail_after(p, &tv[0], "expected a %s name after '%s'",
				  is_node ? "node" : "switch", tv[0].s);

	/* Two passes: the whole statement is charged against the budget before any name is
	 * made, so that a runaway range costs nothing. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 1; i < n; i++) {
			uint64_t count = 1;

			if (is_node ? is_node_option(tv[i].s) || strchr(tv[i].s, '=')
				    : streq(tv[i].s, "stp"))
				continue;

			p->n_ranges = 0;
			r = scan_ranges(p, i);
			if (r < 0)
				return r;
			r = ranges_count(p, "name", &count);
			if (r < 0)
				return r;
			if (pass == 0) {
				if (p->n_ranges == 0)
					r = charge_literal(p, &tv[i]);
				else
					r = charge(p, &p->ranges[0], count);
				if (r < 0)
					return r;
				continue;
			}
			if (p->n_ranges == 0) {
				r = is_node ? add_node(p, &tv[i], tv[i].s, flags)
					    : add_switch(p, &tv[i], tv[i].s, flags != 0);
				if (r >= 0 && is_node)
					r = node_set_fs(p, &fs);
				if (r < 0)
					return r;
				continue;
			}
			for (uint64_t k = 0; k < count; k++) {
				_cleanup_free_ char *name = expand(p, i, 0, p->n_ranges, k);

				if (!name)
					return -ENOMEM;
				r = is_node ? add_node(p, &tv[i], name, flags)
					    : add_switch(p, &tv[i], name, flags != 0);
				if (r >= 0 && is_node)
					r = node_set_fs(p, &fs);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/* ---- addresses ---- */

/* kind is "address" (an interface's) or "prefix" (a network: pool, loopback, route). */
static int parse_addr(struct parser *p, const struct token *tk, const char *kind,
		      struct topo_addr *ret)
{
	struct topo_addr a;

	if (topo_addr_parse(tk->s, true, &a) < 0) {
		if (!strchr(tk->s, '/') && topo_addr_parse(tk->s, false, &a) >= 0)
			return fail(p, tk, "%s '%s' needs a prefix length (/N)", kind, tk->s);
		return fail(p, tk, "invalid %s '%s': expected A.B.C.D/N or X::Y/N", kind, tk->s);
	}
	if (streq(kind, "prefix")) {
		struct topo_addr net = topo_addr_network(&a);
		char buf[TOPO_ADDRSTRLEN];

		if (!topo_addr_equal_host(&net, &a))
			return fail(p, tk, "prefix '%s' has host bits set (did you mean '%s'?)",
				    tk->s, topo_addr_str(&net, true, buf, sizeof(buf)));
	}
	*ret = a;
	return 0;
}

static const char *family_name(int family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

static int parse_lab(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	int r;

	if (t->lab)
		return fail(p, &tv[0], "'lab' given twice (first at line %u)", t->lab_pos.line);
	r = need(p, tv, n, 1, "a lab name");
	if (r < 0)
		return r;
	r = check_name(p, &tv[1], tv[1].s, "lab", TOPO_NAME_MAX);
	if (r < 0)
		return r;
	r = no_more(p, tv, n, 2);
	if (r < 0)
		return r;
	t->lab = strdup(tv[1].s);
	if (!t->lab)
		return -ENOMEM;
	t->lab_pos = tv[0].pos;
	return 0;
}

static int parse_pool(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	struct topo_addr a;
	int r;

	r = need(p, tv, n, 1, "a prefix");
	if (r < 0)
		return r;
	r = parse_addr(p, &tv[1], "prefix", &a);
	if (r < 0)
		return r;
	r = no_more(p, tv, n, 2);
	if (r < 0)
		return r;
	/* pool4_pos {0,0} is the built-in default, which one pool statement may replace. */
	if ((a.family == AF_INET && t->pool4_pos.line > 0) ||
	    (a.family == AF_INET6 && t->has_pool6))
		return fail(p, &tv[0], "%s pool given twice (first at line %u)",
			    family_name(a.family),
			    a.family == AF_INET ? t->pool4_pos.line : t->pool6_pos.line);
	if (a.family == AF_INET) {
		t->pool4 = a;
		t->pool4_pos = tv[0].pos;
	} else {
		t->pool6 = a;
		t->has_pool6 = true;
		t->pool6_pos = tv[0].pos;
	}
	return 0;
}

static int parse_loopback(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	int r;

	r = need(p, tv, n, 1, "a prefix");
	if (r < 0)
		return r;
	for (size_t i = 1; i < n; i++) {
		struct topo_addr a;

		r = parse_addr(p, &tv[i], "prefix", &a);
		if (r < 0)
			return r;
		if ((a.family == AF_INET && t->has_lo4) || (a.family == AF_INET6 && t->has_lo6))
			return fail(p, &tv[i], "%s loopback prefix given twice (first at line %u)",
				    family_name(a.family),
				    a.family == AF_INET ? t->loopback4_pos.line
							: t->loopback6_pos.line);
		if (a.family == AF_INET) {
			t->loopback4 = a;
			t->has_lo4 = true;
			t->loopback4_pos = tv[i].pos;
		} else {
			t->loopback6 = a;
			t->has_lo6 = true;
			t->loopback6_pos = tv[i].pos;
		}
	}
	return 0;
}

static int parse_routing(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	int r;

	if (t->routing_static)
		return fail(p, &tv[0], "'routing' given twice (first at line %u)",
			    t->routing_pos.line);
	r = need(p, tv, n, 1, "'static'");
	if (r < 0)
		return r;
	if (!streq(tv[1].s, "static"))
		return fail(p, &tv[1], "unknown routing mode '%s' (only 'static' is supported)",
			    tv[1].s);
	r = no_more(p, tv, n, 2);
	if (r < 0)
		return r;
	t->routing_static = true;
	t->routing_pos = tv[0].pos;
	return 0;
}

/* ---- link ---- */

struct endpoint {
	const struct token *tk;
	bool on_switch;
	size_t owner;
	char ifname[TOPO_IFNAMSIZ]; /* "" when the parser names it */
	struct topo_addr addrs[TOPO_MAX_IFADDRS];
	struct topo_pos addr_pos[TOPO_MAX_IFADDRS];
	size_t n_addrs;
	bool none; /* `none`: no address at all */
};

static int parse_endpoint(struct parser *p, const struct token *tk, struct endpoint *ep)
{
	_cleanup_free_ char *owner = NULL;
	const char *colon = strchr(tk->s, ':');
	size_t i;
	int r;

	*ep = (struct endpoint){.tk = tk};
	owner = strndup(tk->s, colon ? (size_t)(colon - tk->s) : strlen(tk->s));
	if (!owner)
		return -ENOMEM;

	i = strmap_get(&p->node_names, owner);
	if (i == TOPO_NONE) {
		i = strmap_get(&p->switch_names, owner);
		if (i == TOPO_NONE) {
			struct token otk = *tk;

			otk.len = (unsigned)strlen(owner);
			if (otk.len > tk->len || otk.len == 0)
				otk.len = tk->len;
			return fail(p, &otk, "unknown node or switch '%s'", owner);
		}
		ep->on_switch = true;
	}
	ep->owner = i;

	if (colon) {
		r = check_ifname(p, tk, colon + 1);
		if (r < 0)
			return r;
		memcpy(ep->ifname, colon + 1, strlen(colon + 1) + 1);
	}
	return 0;
}

static const char *endpoint_owner_name(struct parser *p, const struct endpoint *ep)
{
	return ep->on_switch ? p->t->switches[ep->owner].name : p->t->nodes[ep->owner].name;
}

/* Addresses after an endpoint, up to (not including) the first token that is not one. */
static int parse_endpoint_addrs(struct parser *p, struct token *tv, size_t n, size_t *i,
				struct endpoint *ep)
{
	int r;

	for (; *i < n; (*i)++) {
		struct token *tk = &tv[*i];
		struct topo_addr a;

		if (streq(tk->s, "none")) {
			if (ep->on_switch)
				return fail(p, tk, "'none' is for a node's end: switch ports have no "
					    "address");
			if (ep->n_addrs > 0 || ep->none)
				return fail(p, tk, "'none' cannot go with addresses on one end");
			ep->none = true;
			continue;
		}
		if (ep->none && !streq(tk->s, "--") && !strchr(tk->s, '='))
			return fail(p, tk, "'none' cannot go with addresses on one end");
		/* A bare address is taken as one too, so that the message can ask for its
		 * prefix length instead of for a '--'. */
		if (streq(tk->s, "--") || strchr(tk->s, '=') ||
		    (!strchr(tk->s, '/') && topo_addr_parse(tk->s, false, &a) < 0))
			break;

		if (ep->on_switch)
			return fail(p, tk, "switch '%s' cannot take an address",
				    endpoint_owner_name(p, ep));
		if (ep->n_addrs == TOPO_MAX_IFADDRS)
			return fail(p, tk, "too many addresses on one interface (at most %d)",
				    TOPO_MAX_IFADDRS);
		r = parse_addr(p, tk, "address", &ep->addrs[ep->n_addrs]);
		if (r < 0)
			return r;
		ep->addr_pos[ep->n_addrs++] = tk->pos;
	}
	return 0;
}

static bool ifname_taken(struct parser *p, const struct endpoint *ep, const char *name,
			 size_t *ret_line)
{
	char key[32 + TOPO_IFNAMSIZ];
	size_t v;

	if (ep->on_switch) {
		v = strmap_get(&p->root_ifnames, name);
		if (v != TOPO_NONE && ret_line)
			*ret_line = v;
		return v != TOPO_NONE;
	}
	snprintf(key, sizeof(key), "%zu:%s", ep->owner, name);
	v = strmap_get(&p->node_ifnames, key);
	if (v != TOPO_NONE && ret_line)
		*ret_line = p->t->ifaces[v].pos.line;
	return v != TOPO_NONE;
}

/* Decides the name of ep (checking an explicit one for clashes) and records it as taken. */
static int name_endpoint(struct parser *p, struct endpoint *ep, size_t iface)
{
	char key[32 + TOPO_IFNAMSIZ];
	size_t line = 0;

	if (ep->ifname[0] != '\0') {
		if (ifname_taken(p, ep, ep->ifname, &line)) {
			if (ep->on_switch)
				return fail(p, ep->tk,
					    "interface name '%s' is already used in the lab-root "
					    "namespace (line %zu)",
					    ep->ifname, line);
			return fail(
				p, ep->tk,
				"duplicate interface name '%s' on node '%s' (first at line %zu)",
				ep->ifname, p->t->nodes[ep->owner].name, line);
		}
	} else if (!ep->on_switch) {
		/* Skipping names taken explicitly keeps ethN unique without renumbering. */
		unsigned *k = &p->eth_next[ep->owner];

		do
			snprintf(ep->ifname, sizeof(ep->ifname), "eth%u", (*k)++);
		while (ifname_taken(p, ep, ep->ifname, NULL));
	} else {
		const char *sw = p->t->switches[ep->owner].name;
		unsigned *k = &p->port_next[ep->owner];

		for (;;) {
			char buf[64];

			snprintf(buf, sizeof(buf), "%s-%u", sw, *k);
			if (strlen(buf) < TOPO_IFNAMSIZ) {
				(*k)++;
			} else {
				/* Bridge ports only need unique names in lab-root; a global
				 * counter keeps them short when SWITCH-K would not fit. */
				snprintf(buf, sizeof(buf), "sp%u", ++p->sp_next);
			}
			if (!ifname_taken(p, ep, buf, NULL)) {
				memcpy(ep->ifname, buf, strlen(buf) + 1);
				break;
			}
		}
	}

	if (ep->on_switch)
		return strmap_put(&p->root_ifnames, ep->ifname, ep->tk->pos.line);
	snprintf(key, sizeof(key), "%zu:%s", ep->owner, ep->ifname);
	return strmap_put(&p->node_ifnames, key, iface);
}

static int add_node_iface(struct topo_node *node, size_t iface)
{
	/* Capacity is the next power of two (at least 4): no extra field in the model. */
	if (node->n_ifaces >= 4 && (node->n_ifaces & (node->n_ifaces - 1)) != 0)
		goto append;
	if (node->n_ifaces == 0 || node->n_ifaces >= 4) {
		size_t cap = node->n_ifaces == 0 ? 4 : node->n_ifaces * 2;
		size_t *a = realloc(node->ifaces, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		node->ifaces = a;
	}
append:
	node->ifaces[node->n_ifaces++] = iface;
	return 0;
}

/* One KEY=VALUE of a link: mtu= (both ends, so never with a direction prefix) or an impairment
 * key of topo_impair_keys[] into im, the unprefixed set or one direction's. */
static int parse_link_option(struct parser *p, const struct token *tk, struct topo_link *l,
			     struct topo_impair *im, bool directed, uint32_t *seen, bool *seen_mtu)
{
	char msg[sizeof(p->err->message)];
	uint32_t u32;
	int r;

	if (strncmp(tk->s, "mtu=", 4) == 0) {
		const char *v = tk->s + 4;
		if (*seen_mtu)
			return fail(p, tk, "link option 'mtu' given twice");
		*seen_mtu = true;
		if (directed)
			return fail(p, tk, "mtu applies to both ends of a link: write it without a "
				    "direction prefix");
		r = parse_uint32(v, 68, 65535, &u32);
		if (r == -ERANGE)
			return fail(p, tk, "mtu '%s' is out of range (68..65535)", v);
		if (r < 0)
			return fail(p, tk, "invalid mtu '%s': expected a number", v);
		l->mtu = u32;
		return 0;
	}
	const char *eq = strchr(tk->s, '=');
	if (!topo_impair_key_find(tk->s, (size_t)(eq - tk->s)))
		return fail(p, tk, "unknown link option '%.*s'", (int)(eq - tk->s), tk->s);
	r = topo_impair_parse_kv(tk->s, false, im, seen, msg, sizeof(msg));
	if (r < 0 && strstr(msg, "given twice"))
		return fail(p, tk, "link option '%.*s' given twice", (int)(eq - tk->s), tk->s);
	if (r < 0)
		return fail(p, tk, "%s", msg);
	if (!im->set) {
		im->set = true;
		im->pos = tk->pos;
	}
	return 0;
}

/* `NODE[:IFNAME] [ADDR...] -- NODE[:IFNAME] [ADDR...]`: the two ends; *i is past them. */
static int parse_link_ends(struct parser *p, struct token *tv, size_t n, size_t *i,
			   struct endpoint ep[2])
{
	int r;

	r = need(p, tv, n, 1, "an endpoint NODE[:IFNAME]");
	if (r < 0)
		return r;
	if (streq(tv[1].s, "--"))
		return fail(p, &tv[1], "expected an endpoint NODE[:IFNAME] before '--'");
	r = parse_endpoint(p, &tv[(*i)++], &ep[0]);
	if (r < 0)
		return r;
	r = parse_endpoint_addrs(p, tv, n, i, &ep[0]);
	if (r < 0)
		return r;
	if (*i >= n)
		return fail_after(p, &tv[n - 1], "expected '--' between the two ends of a link");
	if (!streq(tv[*i].s, "--"))
		return fail(p, &tv[*i], "expected '--' between the two ends of a link");
	(*i)++;
	r = need(p, tv, n, *i, "an endpoint NODE[:IFNAME]");
	if (r < 0)
		return r;
	r = parse_endpoint(p, &tv[(*i)++], &ep[1]);
	if (r < 0)
		return r;
	return parse_endpoint_addrs(p, tv, n, i, &ep[1]);
}

/* A link's options as they were written: index 0 unprefixed, 1 a>b, 2 b>a. */
struct link_opts {
	struct topo_impair im[3];
	const struct token *needs_delay[3]; /* a jitter= or reorder= (checked against delay=) */
	uint32_t seen[3];
	bool seen_mtu;
};

/* Options: KEY=VALUE for both directions, a>b:KEY=VALUE or b>a:KEY=VALUE for one (a is the end
 * left of `--`), from tv[i] to the end of the line. */
static int parse_link_opts(struct parser *p, struct token *tv, size_t n, size_t i,
			   struct topo_link *l, struct link_opts *lo)
{
	for (; i < n; i++) {
		struct token opt = tv[i];
		int scope = 0, r;

		if (strncmp(opt.s, "a>b:", 4) == 0 || strncmp(opt.s, "b>a:", 4) == 0) {
			scope = opt.s[0] == 'a' ? 1 : 2;
			opt.s += 4;
			opt.off += 4;
			opt.len = opt.len > 4 ? opt.len - 4 : opt.len;
			opt.pos.col += 4;
		} else if (strchr(opt.s, '>') && strchr(opt.s, ':') &&
			   strchr(opt.s, '>') < strchr(opt.s, ':'))
			return fail(p, &tv[i], "unknown direction in '%s': expected a>b: or b>a: "
				    "(a is the end left of '--')", tv[i].s);
		if (!strchr(opt.s, '='))
			return fail(p, &tv[i],
				    "unexpected '%s' in link: expected ADDR/LEN or KEY=VALUE",
				    tv[i].s);
		r = parse_link_option(p, &opt, l, &lo->im[scope], scope != 0, &lo->seen[scope],
				      &lo->seen_mtu);
		if (r < 0)
			return r;
		if (strncmp(opt.s, "jitter=", 7) == 0 || strncmp(opt.s, "reorder=", 8) == 0)
			lo->needs_delay[scope] = &tv[i];
	}
	return 0;
}

/* Each direction's impairment: the unprefixed options, overlaid by that direction's own (a
 * directed option wins over the undirected one of the same key). */
static int link_egress(struct parser *p, struct topo_link *l, const struct link_opts *lo)
{
	l->impair = lo->im[0];
	for (int d = 0; d < 2; d++) {
		struct topo_impair *e = &l->egress[d];
		const struct topo_impair *o = &lo->im[d + 1];

		*e = lo->im[0];
		topo_impair_overlay(e, o, lo->seen[d + 1]);
		if (o->set && (!e->set || o->pos.line < e->pos.line ||
			       (o->pos.line == e->pos.line && o->pos.col < e->pos.col)))
			e->pos = o->pos;
		e->set |= o->set;
		if (e->set && !l->impair.set) {
			l->impair.set = true;
			l->impair.pos = e->pos;
		}
		const struct token *nd = lo->needs_delay[d + 1] ? lo->needs_delay[d + 1]
								: lo->needs_delay[0];
		char msg[sizeof(p->err->message)];
		if (nd && topo_impair_check(e, msg, sizeof(msg)) < 0)
			return fail(p, nd, "%s", msg);
	}
	return 0;
}

/* The link's two interfaces, at the end of t->ifaces (peers of each other); l->end names them. */
static int add_link_ifaces(struct parser *p, struct endpoint ep[2], struct topo_link *l)
{
	struct topo *t = p->t;

	for (int e = 0; e < 2; e++) {
		size_t k = t->n_ifaces;
		struct topo_iface *f;
		int r;

		r = GROW(p, ifaces);
		if (r < 0)
			return r;
		r = name_endpoint(p, &ep[e], k);
		if (r < 0)
			return r;
		if (!ep[e].on_switch) {
			r = add_node_iface(&t->nodes[ep[e].owner], k);
			if (r < 0)
				return r;
		}
		f = &t->ifaces[k];
		*f = (struct topo_iface){
			.on_switch = ep[e].on_switch,
			.owner = ep[e].owner,
			.link = t->n_links,
			.peer = e == 0 ? k + 1 : k - 1,
			.mtu = l->mtu,
			.n_addrs = ep[e].n_addrs,
			.n_user_addrs = ep[e].n_addrs,
			.pos = ep[e].tk->pos,
			.unaddressed = ep[e].none,
		};
		memcpy(f->name, ep[e].ifname, sizeof(f->name));
		memcpy(f->addrs, ep[e].addrs, sizeof(f->addrs));
		memcpy(f->addr_pos, ep[e].addr_pos, sizeof(f->addr_pos));
		l->end[e] = k;
		t->n_ifaces++;
	}
	return 0;
}

static int parse_link(struct parser *p, struct token *tv, size_t n)
{
	struct endpoint ep[2];
	struct topo_link l = {.pos = tv[0].pos};
	struct link_opts lo = { 0 };
	size_t i = 1;
	int r;

	r = parse_link_ends(p, tv, n, &i, ep);
	if (r < 0)
		return r;
	r = parse_link_opts(p, tv, n, i, &l, &lo);
	if (r < 0)
		return r;
	r = link_egress(p, &l, &lo);
	if (r < 0)
		return r;
	if (ep[0].on_switch == ep[1].on_switch && ep[0].owner == ep[1].owner)
		return fail(p, ep[1].tk, "link from %s '%s' to itself",
			    ep[1].on_switch ? "switch" : "node", endpoint_owner_name(p, &ep[1]));
	r = add_link_ifaces(p, ep, &l);
	if (r < 0)
		return r;
	return APPEND(p, links, l);
}

/* ---- route, sysctl, mount, exec/start ---- */

static int parse_route(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	struct topo_route rt = {.iface = TOPO_NONE, .pos = tv[0].pos};
	bool has_metric = false;
	size_t i;
	int r;

	r = need_node(p, tv, n, &rt.node);
	if (r < 0)
		return r;
	r = need(p, tv, n, 2, "a destination PREFIX or 'default'");
	if (r < 0)
		return r;
	if (!streq(tv[2].s, "default")) {
		r = parse_addr(p, &tv[2], "prefix", &rt.dst);
		if (r < 0)
			return r;
	}
	r = need(p, tv, n, 3, "'via ADDR'");
	if (r < 0)
		return r;
	if (!streq(tv[3].s, "via"))
		return fail(p, &tv[3], "expected 'via' after the route destination, got '%s'",
			    tv[3].s);
	r = need(p, tv, n, 4, "a gateway address");
	if (r < 0)
		return r;
	if (strchr(tv[4].s, '/'))
		return fail(p, &tv[4], "gateway '%s' must be an address without a prefix length",
			    tv[4].s);
	if (topo_addr_parse(tv[4].s, false, &rt.via) < 0)
		return fail(p, &tv[4], "invalid gateway address '%s'", tv[4].s);
	if (streq(tv[2].s, "default"))
		rt.dst.family = rt.via.family;
	else if (rt.dst.family != rt.via.family)
		return fail(p, &tv[4], "gateway '%s' is not of the same address family as '%s'",
			    tv[4].s, tv[2].s);

	for (i = 5; i < n; i += 2) {
		if (streq(tv[i].s, "dev")) {
			char key[32 + TOPO_IFNAMSIZ];

			if (rt.iface != TOPO_NONE)
				return fail(p, &tv[i], "'dev' given twice");
			r = need(p, tv, n, i + 1, "an interface name");
			if (r < 0)
				return r;
			snprintf(key, sizeof(key), "%zu:%.*s", rt.node, TOPO_IFNAMSIZ, tv[i + 1].s);
			rt.iface = strlen(tv[i + 1].s) < TOPO_IFNAMSIZ
					   ? strmap_get(&p->node_ifnames, key)
					   : TOPO_NONE;
			if (rt.iface == TOPO_NONE)
				return fail(p, &tv[i + 1], "node '%s' has no interface '%s'",
					    t->nodes[rt.node].name, tv[i + 1].s);
		} else if (streq(tv[i].s, "metric")) {
			if (has_metric)
				return fail(p, &tv[i], "'metric' given twice");
			r = need(p, tv, n, i + 1, "a number");
			if (r < 0)
				return r;
			if (parse_uint32(tv[i + 1].s, 0, UINT32_MAX, &rt.metric) < 0)
				return fail(p, &tv[i + 1], "invalid metric '%s'", tv[i + 1].s);
			has_metric = true;
		} else {
			return fail(p, &tv[i],
				    "unexpected '%s' in route: expected 'dev' or 'metric'",
				    tv[i].s);
		}
	}

	return APPEND(p, routes, rt);
}

static int parse_sysctl(struct parser *p, struct token *tv, size_t n)
{
	_cleanup_free_ char *key = NULL, *value = NULL;
	const char *eq;
	size_t node, vlen = 0;
	int r;

	r = need_node(p, tv, n, &node);
	if (r < 0)
		return r;
	r = need(p, tv, n, 2, "KEY=VALUE");
	if (r < 0)
		return r;
	eq = strchr(tv[2].s, '=');
	if (!eq)
		return fail(p, &tv[2], "expected KEY=VALUE, got '%s'", tv[2].s);
	key = strndup(tv[2].s, (size_t)(eq - tv[2].s));
	if (!key)
		return -ENOMEM;

	for (const char *c = key; *c; c++)
		if (!is_name_char(*c) && *c != '.' && *c != '/')
			return fail(p, &tv[2],
				    "invalid sysctl key '%s': only letters, digits, '_', '-', '.' "
				    "and '/' are allowed",
				    key);
	/* The key becomes a path under /proc/sys: nothing may climb out of net/. */
	if (strstr(key, ".."))
		return fail(p, &tv[2], "invalid sysctl key '%s': '..' is not allowed", key);
	if (strncmp(key, "net.", 4) != 0 && strncmp(key, "net/", 4) != 0)
		return fail(p, &tv[2], "sysctl '%s' is not per-node: only net.* keys are allowed",
			    key);
	if (key[4] == '\0' || strstr(key, "//") || strstr(key, "./") || strstr(key, "/.") ||
	    key[strlen(key) - 1] == '.' || key[strlen(key) - 1] == '/')
		return fail(p, &tv[2], "invalid sysctl key '%s': empty component", key);

	/* The value is the rest of the statement, so "32768 60999" works as for sysctl(8). */
	vlen = strlen(eq + 1) + 1;
	for (size_t i = 3; i < n; i++)
		vlen += strlen(tv[i].s) + 1;
	value = malloc(vlen);
	if (!value)
		return -ENOMEM;
	strcpy(value, eq + 1);
	for (size_t i = 3; i < n; i++) {
		if (value[0] != '\0')
			strcat(value, " ");
		strcat(value, tv[i].s);
	}
	if (value[0] == '\0')
		return fail(p, &tv[2], "missing value for sysctl '%s'", key);

	return APPEND(p, sysctls, (struct topo_sysctl){
		.node = node,
		.key = TAKE_PTR(key),
		.value = TAKE_PTR(value),
		.pos = tv[2].pos, /* the key: what `up` names when the kernel refuses it */
	});
}

static int check_path(struct parser *p, const struct token *tk)
{
	const char *s = tk->s;

	if (s[0] != '/')
		return fail(p, tk, "path '%s' is not absolute", s);
	for (const char *c = s; *c;) {
		size_t len;

		while (*c == '/')
			c++;
		len = strcspn(c, "/");
		if (len == 2 && c[0] == '.' && c[1] == '.')
			return fail(p, tk, "path '%s' must not contain '..'", s);
		c += len;
	}
	return 0;
}

/* A path on the host (a bind source, a `from` file): absolute, or relative to the topology
 * file's directory, as docker-compose and containerlab take them. */
static int host_path(struct parser *p, const struct token *tk, const char *s, char **ret)
{
	if (s[0] == '\0')
		return fail(p, tk, "empty path");
	if (s[0] == '/') {
		int r = check_path(p, tk);
		if (r < 0)
			return r;
		*ret = strdup(s);
	} else {
		if (!p->t->dir)
			return fail(p, tk, "relative path '%s' needs a topology file (it is taken "
				    "from the file's directory)", s);
		if (asprintf(ret, "%s/%s", p->t->dir, s[0] == '.' && s[1] == '/' ? s + 2 : s) < 0)
			*ret = NULL;
	}
	return *ret ? 0 : -ENOMEM;
}

/* A user or group of owner=, uid=, gid=: a name as useradd(8) accepts it, or a number. */
static bool owner_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > 32 || s[0] == '-')
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_name_char(s[i]) && s[i] != '.' && !(s[i] == '$' && i == len - 1))
			return false;
	return true;
}

/* size= as tmpfs takes it: a number with an optional k, m, g suffix, or a percentage of RAM. */
static bool tmpfs_size_valid(const char *s)
{
	size_t d = strspn(s, "0123456789");

	if (d == 0 || d > 15)
		return false;
	return s[d] == '\0' || (strchr("kKmMgG%", s[d]) && s[d + 1] == '\0');
}

static int set_owner_part(struct parser *p, const struct token *tk, const char *s, size_t len,
			  char **field, struct topo_pos *pos)
{
	if (!owner_name_valid(s, len))
		return fail(p, tk, "invalid user or group '%.*s' in '%s'", (int)len, s, tk->s);
	if (*field)
		return fail(p, tk, "the owner is given twice");
	*field = strndup(s, len);
	if (!*field)
		return -ENOMEM;
	*pos = tk->pos;
	return 0;
}

/* mode=OCTAL owner=USER[:GROUP] uid=USER gid=GROUP size=SIZE, after a tmpfs directory. */
static int parse_tmpfs_option(struct parser *p, const struct token *tk, struct topo_mount *m)
{
	const char *s = tk->s, *v = strchr(s, '=');
	size_t klen = v ? (size_t)(v - s) : 0;

	if (!v)
		return fail(p, tk, "unexpected '%s': expected mode=, owner=, uid=, gid= or size=", s);
	v++;
	if (klen == 4 && strncmp(s, "mode", 4) == 0) {
		char *end;
		unsigned long mode;

		errno = 0;
		mode = strtoul(v, &end, 8);
		if (errno || *end || end == v || mode > 07777)
			return fail(p, tk, "invalid mode '%s': expected octal permissions like 0755", v);
		m->mode = (int)mode;
	} else if (klen == 5 && strncmp(s, "owner", 5) == 0) {
		const char *colon = strchr(v, ':');
		int r = set_owner_part(p, tk, v, colon ? (size_t)(colon - v) : strlen(v), &m->user,
				       &m->user_pos);
		if (r < 0 || !colon)
			return r;
		return set_owner_part(p, tk, colon + 1, strlen(colon + 1), &m->group, &m->group_pos);
	} else if (klen == 3 && strncmp(s, "uid", 3) == 0) {
		return set_owner_part(p, tk, v, strlen(v), &m->user, &m->user_pos);
	} else if (klen == 3 && strncmp(s, "gid", 3) == 0) {
		return set_owner_part(p, tk, v, strlen(v), &m->group, &m->group_pos);
	} else if (klen == 4 && strncmp(s, "size", 4) == 0) {
		if (!tmpfs_size_valid(v))
			return fail(p, tk, "invalid size '%s': expected a number of bytes with an "
				    "optional k, m or g, or a percentage of RAM like 10%%", v);
		free(m->size);
		m->size = strdup(v);
		if (!m->size)
			return -ENOMEM;
	} else {
		return fail(p, tk, "unknown tmpfs option '%.*s' (expected mode=, owner=, uid=, "
			    "gid= or size=)", (int)klen, s);
	}
	return 0;
}

static void mount_free(struct topo_mount *m)
{
	free(m->src);
	free(m->dir);
	free(m->user);
	free(m->group);
	free(m->size);
}

static int parse_mount_rest(struct parser *p, struct token *tv, size_t n, struct topo_mount *m)
{
	size_t i = 3;
	int r;

	if (m->kind == TOPO_MOUNT_BIND) {
		r = need(p, tv, n, i, "a source path");
		if (r < 0)
			return r;
		r = host_path(p, &tv[i], tv[i].s, &m->src);
		if (r < 0)
			return r;
		i++;
	}
	r = need(p, tv, n, i, "a directory");
	if (r < 0)
		return r;
	r = check_path(p, &tv[i]);
	if (r < 0)
		return r;
	if (tv[i].s[strspn(tv[i].s, "/")] == '\0')
		return fail(p, &tv[i], "cannot mount over '/'");
	m->dir = strdup(tv[i].s);
	if (!m->dir)
		return -ENOMEM;
	m->dir_pos = tv[i].pos;
	if (m->kind != TOPO_MOUNT_TMPFS)
		return no_more(p, tv, n, i + 1);
	for (i++; i < n; i++) {
		r = parse_tmpfs_option(p, &tv[i], m);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_mount(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	struct topo_mount m = {.pos = tv[0].pos, .mode = -1};
	int r;

	r = need_node(p, tv, n, &m.node);
	if (r < 0)
		return r;
	r = need(p, tv, n, 2, "'tmpfs', 'bind' or 'private'");
	if (r < 0)
		return r;
	if (streq(tv[2].s, "tmpfs"))
		m.kind = TOPO_MOUNT_TMPFS;
	else if (streq(tv[2].s, "bind"))
		m.kind = TOPO_MOUNT_BIND;
	else if (streq(tv[2].s, "private"))
		m.kind = TOPO_MOUNT_PRIVATE;
	else
		return fail(p, &tv[2],
			    "unknown mount type '%s' (expected 'tmpfs', 'bind' or 'private')",
			    tv[2].s);

	r = parse_mount_rest(p, tv, n, &m);
	if (r >= 0)
		r = GROW(p, mounts);
	if (r < 0) {
		mount_free(&m);
		return r;
	}
	t->mounts[t->n_mounts++] = m;
	return 0;
}

static char *substitute_node(const char *s, size_t len, const char *node)
{
	static const char var[] = "%NODE%";
	const size_t vl = sizeof(var) - 1, nl = strlen(node);
	size_t count = 0, o = 0;
	char *out;

	for (size_t i = 0; i + vl <= len; i++)
		if (memcmp(s + i, var, vl) == 0) {
			count++;
			i += vl - 1;
		}
	out = malloc(len + count * nl + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		if (i + vl <= len && memcmp(s + i, var, vl) == 0) {
			memcpy(out + o, node, nl);
			o += nl;
			i += vl;
		} else {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return out;
}

/* One word of the raw command text at *pos: up to a blank, or a "..." after KEY=KIND: */
static int cmd_word(const char *s, size_t len, size_t *pos, size_t *ret_start, size_t *ret_end,
		    bool *ret_quoted)
{
	size_t i = *pos, start = i;
	const char *colon;

	while (i < len && !is_blank(s[i]) && s[i] != '"')
		i++;
	*ret_quoted = false;
	colon = memchr(s + start, ':', i - start);
	if (i < len && s[i] == '"' && colon && colon + 1 == s + i) {
		size_t q = i + 1;
		while (q < len && s[q] != '"')
			q++;
		if (q == len)
			return -EINVAL;
		*ret_quoted = true;
		i = q + 1;
	}
	*ret_start = start;
	*ret_end = i;
	while (i < len && is_blank(s[i]))
		i++;
	*pos = i;
	return 0;
}

static const struct {
	const char *name;
	enum topo_ready_kind kind;
} ready_kinds[] = {
	{"tcp", TOPO_READY_TCP},
	{"socket", TOPO_READY_SOCKET},
	{"log", TOPO_READY_LOG},
	{"cmd", TOPO_READY_CMD},
};

static int parse_ready(struct parser *p, const struct token *tk, const char *v, size_t vlen,
		       bool quoted, struct topo_cmd *c)
{
	const char *colon = memchr(v, ':', vlen);
	const char *arg;
	size_t alen;

	for (size_t k = 0; colon && k < ELEMENTSOF(ready_kinds); k++) {
		if (strlen(ready_kinds[k].name) != (size_t)(colon - v) ||
		    strncmp(v, ready_kinds[k].name, (size_t)(colon - v)) != 0)
			continue;
		arg = colon + 1 + quoted;
		alen = vlen - (size_t)(arg - v) - quoted;
		if (alen == 0)
			return fail(p, tk, "empty readiness condition after '%s:'", ready_kinds[k].name);
		if (ready_kinds[k].kind == TOPO_READY_TCP) {
			uint32_t port;
			char buf[8];
			snprintf(buf, sizeof(buf), "%.*s", (int)(alen < 7 ? alen : 7), arg);
			if (alen > 5 || parse_uint32(buf, 1, 65535, &port) < 0)
				return fail(p, tk, "invalid TCP port '%.*s'", (int)alen, arg);
		}
		if (ready_kinds[k].kind == TOPO_READY_SOCKET && arg[0] != '/')
			return fail(p, tk, "socket path '%.*s' is not absolute", (int)alen, arg);
		c->ready = ready_kinds[k].kind;
		c->ready_pos = tk->pos;
		free(c->ready_arg);
		c->ready_arg = substitute_node(arg, alen, p->t->nodes[c->node].name);
		return c->ready_arg ? 0 : -ENOMEM;
	}
	return fail(p, tk, "invalid readiness condition '%.*s': expected tcp:PORT, socket:PATH, "
		    "log:TEXT or cmd:COMMAND (TEXT and COMMAND may be in \"...\")", (int)vlen, v);
}

#define ID_MAX 2147483647u /* runc's bound, as user_resolve() takes ids */

/* One half of user=USER[:GROUP]: a name as useradd(8) accepts it, or a number in range. */
static int check_user_part(struct parser *p, const struct token *tk, const char *s, size_t len,
			   const char *what)
{
	uint32_t id;
	char buf[16];

	if (!owner_name_valid(s, len))
		return fail(p, tk, "invalid %s '%.*s': expected user=USER[:GROUP], each a name or a "
			    "number", what, (int)len, s);
	if (strspn(s, "0123456789") != len)
		return 0;
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 15 ? len : 15), s);
	if (len > 10 || parse_uint32(buf, 0, ID_MAX, &id) < 0)
		return fail(p, tk, "%s id '%.*s' is out of range (0 to %u)", what, (int)len, s,
			    ID_MAX);
	return 0;
}

/* user=USER[:GROUP] of an `exec` or `start` (raw: the value, rawlen bytes). %NODE% stands for
 * the node's name here as in the command (`exec r[1..3] user=%NODE% ...`); what it gives is
 * checked. */
static int parse_cmd_user(struct parser *p, const struct token *tk, const char *raw,
			  size_t rawlen, struct topo_cmd *c)
{
	_cleanup_free_ char *v = NULL;
	const char *colon;
	size_t vlen, ulen;
	int r;

	if (c->user)
		return fail(p, tk, "user= is given twice (first at column %u)", c->user_pos.col);
	if (rawlen == 0)
		return fail(p, tk, "'user=' needs a value: user=USER[:GROUP]");
	v = substitute_node(raw, rawlen, p->t->nodes[c->node].name);
	if (!v)
		return -ENOMEM;
	vlen = strlen(v);
	colon = memchr(v, ':', vlen);
	ulen = colon ? (size_t)(colon - v) : vlen;
	r = check_user_part(p, tk, v, ulen, "user");
	if (r >= 0 && colon)
		r = check_user_part(p, tk, colon + 1, vlen - ulen - 1, "group");
	if (r < 0)
		return r;
	c->user = TAKE_PTR(v);
	c->user_pos = tk->pos;
	return 0;
}

/* The options of `exec` and `start`, before the command: one table, read by the parser. A word
 * that is not one of them starts the command (for `exec`, ready= and timeout= are shell
 * text, as they always were). */
enum cmd_opt { CMD_OPT_READY, CMD_OPT_TIMEOUT, CMD_OPT_USER };
static const struct {
	const char *key; /* with its '=' */
	bool start_only;
} cmd_opts[] = {
	[CMD_OPT_READY] = { "ready=", true },
	[CMD_OPT_TIMEOUT] = { "timeout=", true },
	[CMD_OPT_USER] = { "user=", false },
};

static int cmd_opt_find(const char *s, bool daemon)
{
	for (size_t k = 0; k < ELEMENTSOF(cmd_opts); k++)
		if ((daemon || !cmd_opts[k].start_only) &&
		    strncmp(s, cmd_opts[k].key, strlen(cmd_opts[k].key)) == 0)
			return (int)k;
	return -1;
}

static int parse_timeout(struct parser *p, const struct token *tk, const char *v, size_t vlen,
			 struct topo_cmd *c)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.*s", (int)(vlen < 31 ? vlen : 31), v);
	if (vlen > 31 || parse_duration_ns(buf, false, &c->ready_timeout_ns) < 0 ||
	    c->ready_timeout_ns == 0)
		return fail(p, tk, "invalid timeout '%s': expected a duration like 10s or 500ms", buf);
	return 0;
}

/* exec NODE [user=USER[:GROUP]] COMMAND, start NODE [ready=KIND:ARG] [timeout=DURATION]
 * [user=USER[:GROUP]] COMMAND: the options are read from the raw command text, which is shell
 * text and not tokenized. */
static int parse_cmd_options(struct parser *p, struct topo_cmd *c, const char **cmd,
			     size_t *cmd_len)
{
	const char *s = *cmd;
	size_t len = *cmd_len, pos = 0;
	int k, r;

	c->ready_timeout_ns = TOPO_READY_DEFAULT_TIMEOUT_NS;
	while (pos < len && (k = cmd_opt_find(s + pos, c->daemon)) >= 0) {
		size_t a = pos, b, klen = strlen(cmd_opts[k].key);
		bool quoted;
		struct token tk = {.pos = p->tok[2].pos};

		tk.pos.col += (unsigned)pos;
		if (cmd_word(s, len, &pos, &a, &b, &quoted) < 0) {
			tk.len = (unsigned)(len - a);
			return fail(p, &tk, "unterminated \" in '%.*s'", (int)(len - a), s + a);
		}
		tk.len = (unsigned)(b - a);
		if (k == CMD_OPT_READY)
			r = parse_ready(p, &tk, s + a + klen, b - a - klen, quoted, c);
		else if (k == CMD_OPT_TIMEOUT)
			r = parse_timeout(p, &tk, s + a + klen, b - a - klen, c);
		else
			r = parse_cmd_user(p, &tk, s + a + klen, b - a - klen, c);
		if (r < 0)
			return r;
		if (pos == len)
			return fail_after(p, &tk, "missing command after '%.*s'", (int)tk.len, s + a);
	}
	*cmd = s + pos;
	*cmd_len = len - pos;
	return 0;
}

static int parse_cmd(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	struct topo_cmd c = {.daemon = streq(tv[0].s, "start"), .pos = tv[0].pos};
	const char *cmd = p->cmd;
	size_t cmd_len = p->cmd_len;
	int r;

	r = need_node(p, tv, n, &c.node);
	if (r < 0)
		return r;
	if (!p->cmd)
		return fail_after(p, &tv[1], "missing command after the node name in '%s'",
				  tv[0].s);
	r = parse_cmd_options(p, &c, &cmd, &cmd_len);
	if (r < 0) {
		free(c.ready_arg);
		free(c.user);
		return r;
	}

	r = GROW(p, cmds);
	if (r >= 0) {
		c.command = substitute_node(cmd, cmd_len, t->nodes[c.node].name);
		r = c.command ? 0 : -ENOMEM;
	}
	if (r < 0) {
		free(c.ready_arg);
		free(c.user);
		return r;
	}
	t->cmds[t->n_cmds++] = c;
	return 0;
}

/* `mode=OCTAL` and `from FILE`, from tv[3] on. f->from is the caller's to free, also on error. */
static int parse_file_opts(struct parser *p, struct token *tv, size_t n, struct topo_file *f,
			   const struct token **ret_from_tk)
{
	for (size_t i = 3; i < n; i++) {
		char *end;
		unsigned long v;
		int r;

		if (streq(tv[i].s, "from") && !f->from) {
			_cleanup_free_ char *src = NULL;
			r = need(p, tv, n, i + 1, "a file to take the text from");
			if (r >= 0)
				src = substitute_node(tv[i + 1].s, strlen(tv[i + 1].s),
						      p->t->nodes[f->node].name);
			if (r >= 0 && !src)
				r = -ENOMEM;
			if (r >= 0)
				r = host_path(p, &tv[i + 1], src, &f->from);
			if (r < 0)
				return r;
			*ret_from_tk = &tv[++i];
			continue;
		}
		if (strncmp(tv[i].s, "mode=", 5) != 0)
			return fail(p, &tv[i], "unexpected '%s': expected mode=OCTAL, from FILE or "
				    "<<TAG", tv[i].s);
		errno = 0;
		v = strtoul(tv[i].s + 5, &end, 8);
		if (errno || *end || end == tv[i].s + 5 || v > 07777)
			return fail(p, &tv[i], "invalid mode '%s': expected octal permissions like "
				    "0644", tv[i].s + 5);
		f->mode = (unsigned)v;
	}
	return 0;
}

/* The text of `file ... from FILE`, ending in '\n' as the lines of a here-document do. */
static int file_text_from(struct parser *p, const struct topo_file *f, const struct token *from_tk,
			  char **ret_text)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = topo_read_file(f->from, &text, &len, NULL);
	if (r < 0)
		return fail(p, from_tk, "cannot read '%s': %s", f->from, strerror(-r));
	if (len > 0 && text[len - 1] != '\n') {
		char *nt = realloc(text, len + 2);
		if (!nt)
			return -ENOMEM;
		text = nt;
		memcpy(text + len, "\n", 2);
	}
	*ret_text = TAKE_PTR(text);
	return 0;
}

/* file NODE PATH [mode=OCTAL] <<TAG | from SRC: the here-document is already in p->body. */
static int parse_file(struct parser *p, struct token *tv, size_t n)
{
	struct topo *t = p->t;
	struct topo_file f = {.pos = tv[0].pos, .mode = 0644, .mount = TOPO_NONE,
			      .body_line = p->body_line};
	_cleanup_free_ char *text = NULL;
	const struct token *from_tk = NULL;
	int r;

	r = need_node(p, tv, n, &f.node);
	if (r < 0)
		return r;
	r = need(p, tv, n, 2, "a path");
	if (r < 0)
		return r;
	r = check_path(p, &tv[2]);
	if (r < 0)
		return r;
	r = parse_file_opts(p, tv, n, &f, &from_tk);
	if (r < 0)
		goto fail;
	if (f.from && p->body) {
		r = fail(p, from_tk, "a file takes its text from a file or a here-document, "
			 "not both");
		goto fail;
	}
	if (f.from) {
		r = file_text_from(p, &f, from_tk, &text);
		if (r < 0)
			goto fail;
		f.body_line = 1;
	} else if (!p->body)
		return fail_after(p, &tv[n - 1],
				  "expected <<TAG and the file's text on the lines that follow, or "
				  "from FILE");
	for (size_t i = 0; i < t->n_files; i++)
		if (t->files[i].node == f.node && streq(t->files[i].path, tv[2].s)) {
			r = fail(p, &tv[2], "file '%s' of node '%s' is already written at line %u",
				 tv[2].s, t->nodes[f.node].name, t->files[i].pos.line);
			goto fail;
		}

	r = grow((void **)&t->files, t->n_files, &p->cap_files, sizeof(*t->files));
	if (r < 0)
		goto fail;
	f.path = strdup(tv[2].s);
	f.text = text ? TAKE_PTR(text) : strndup(p->body, p->body_len);
	if (!f.path || !f.text) {
		free(f.path);
		free(f.text);
		r = -ENOMEM;
		goto fail;
	}
	t->files[t->n_files++] = f;
	return 0;
fail:
	free(f.from);
	return r;
}

/* ---- statements ---- */

typedef int (*stmt_fn)(struct parser *p, struct token *tv, size_t n);

static const struct {
	const char *keyword;
	stmt_fn fn;
} statements[] = {
	{"lab", parse_lab},	  {"pool", parse_pool},		{"link", parse_link},
	{"route", parse_route},	  {"loopback", parse_loopback}, {"routing", parse_routing},
	{"sysctl", parse_sysctl}, {"mount", parse_mount},	{"exec", parse_cmd},
	{"start", parse_cmd},
	{"file", parse_file},
	{"defaults", parse_defaults},
};

/* Runs fn once per round of the statement's ranges, which all advance together. */
static int run_expanded(struct parser *p, stmt_fn fn, size_t n_expand)
{
	_cleanup_free_ struct token *tv = NULL;
	_cleanup_free_ char **owned = NULL;
	size_t n = p->n_tok;
	uint64_t count = 1;
	int r;

	p->n_ranges = 0;
	for (size_t i = 1; i < n_expand; i++) {
		r = scan_ranges(p, i);
		if (r < 0)
			return r;
	}
	r = ranges_count(p, "statement", &count);
	if (r < 0)
		return r;
	if (p->n_ranges == 0) {
		r = charge_literal(p, &p->tok[0]);
		return r < 0 ? r : fn(p, p->tok, n);
	}
	r = charge(p, &p->ranges[0], count);
	if (r < 0)
		return r;

	tv = malloc(n * sizeof(*tv));
	owned = calloc(n, sizeof(*owned));
	if (!tv || !owned)
		return -ENOMEM;
	for (uint64_t k = 0; k < count; k++) {
		memcpy(tv, p->tok, n * sizeof(*tv));
		for (size_t i = 1; i < n_expand; i++) {
			if (!strchr(p->tok[i].s, '['))
				continue;
			owned[i] = expand(p, i, 0, p->n_ranges, k);
			if (!owned[i]) {
				r = -ENOMEM;
				break;
			}
			tv[i].s = owned[i];
		}
		if (r >= 0)
			r = fn(p, tv, n);
		for (size_t i = 0; i < n; i++) {
			free(owned[i]);
			owned[i] = NULL;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_statement(struct parser *p)
{
	const char *kw = p->tok[0].s;
	size_t n_expand = p->n_tok;

	if (streq(kw, "node"))
		return parse_decl(p, true);
	if (streq(kw, "switch"))
		return parse_decl(p, false);

	p->cmd = NULL;
	p->cmd_len = 0;
	if (streq(kw, "exec") || streq(kw, "start")) {
		/* The command is shell text, passed on as written (ranges in it are not
		 * expanded; %NODE% is the way to vary it). */
		if (p->n_tok > 2) {
			size_t end = p->line.n;

			while (end > p->tok[2].off && is_blank(p->line.c[end - 1]))
				end--;
			p->cmd = p->line.c + p->tok[2].off;
			p->cmd_len = end - p->tok[2].off;
		}
		n_expand = p->n_tok < 2 ? p->n_tok : 2;
		p->n_tok = n_expand;
	}
	if (streq(kw, "file")) {
		/* The here-document belongs to this statement whatever else is wrong with it:
		 * read it first, so that an error points at the statement, not into the text. */
		const struct token *last = &p->tok[p->n_tok - 1];
		free(p->body);
		p->body = NULL;
		if (p->n_tok > 1 && strncmp(last->s, "<<", 2) == 0) {
			const char *tag = last->s + 2;
			bool ok = tag[0] != '\0';

			for (const char *c = tag; *c; c++)
				ok = ok && (is_name_char(*c) || *c == '.');
			if (!ok)
				return fail(p, last, "invalid here-document tag '%s': expected <<WORD "
					    "(letters, digits, '_', '-', '.')", last->s);
			int r = lexer_heredoc(p->lx, tag, last->pos, last->len, &p->body,
					      &p->body_len, &p->body_line, p->err);
			if (r < 0)
				return r;
			p->n_tok--;
		}
		n_expand = p->n_tok;
	}

	for (size_t i = 0; i < ELEMENTSOF(statements); i++)
		if (streq(kw, statements[i].keyword))
			return run_expanded(p, statements[i].fn, n_expand);
	return fail(p, &p->tok[0], "unknown statement '%s'", kw);
}

int topo_parse_statements(struct topo *t, const struct topo_src *src, struct topo_error *err)
{
	_cleanup_(parser_done) struct parser p = {.t = t, .src = src, .err = err};
	struct lexer lx;
	int r;

	p.lx = &lx;

	/* The default IPv4 pool; pool4_pos stays {0,0} until a pool statement replaces it. */
	r = topo_addr_parse("10.0.0.0/8", true, &t->pool4);
	if (r < 0)
		return r;

	lexer_init(&lx, src);
	for (;;) {
		r = lexer_next(&lx, &p.line, err);
		if (r < 0)
			return r;
		if (r == 0)
			return apply_defaults(&p);
		r = tokenize(&p);
		if (r < 0)
			return r;
		if (p.n_tok == 0)
			continue;
		r = parse_statement(&p);
		if (r < 0)
			return r;
	}
}
