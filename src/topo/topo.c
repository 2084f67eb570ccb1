/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexer.h"
#include "topo-internal.h"

/* Larger files are certainly not topologies; refusing them keeps a typo in the path (a disk
 * image, /dev/zero) from eating memory. */
#define TOPO_FILE_MAX (256u * 1024 * 1024)

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int topo_fail(struct topo_error *err, const struct topo_src *src, struct topo_pos pos, unsigned len,
	      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;

	*err = (struct topo_error){.line = pos.line, .col = pos.col, .len = len};
	if (src && src->name)
		copy_str(err->file, sizeof(err->file), src->name);

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);

	if (src && src->text && pos.line > 0) {
		const char *p = src->text, *end = src->text + src->len, *eol;
		unsigned line = 1;
		size_t n;

		while (line < pos.line && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl) {
				p = end;
				break;
			}
			p = nl + 1;
			line++;
		}
		if (line == pos.line) {
			eol = memchr(p, '\n', (size_t)(end - p));
			n = (size_t)((eol ? eol : end) - p);
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n >= sizeof(err->text))
				n = sizeof(err->text) - 1;
			memcpy(err->text, p, n);
			err->text[n] = '\0';
			/* The line is quoted to a terminal: a NUL would cut it short and other
			 * control bytes would garble it. */
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)err->text[i] < 0x20 && err->text[i] != '\t')
					err->text[i] = '?';
		}
	}
	return -EINVAL;
}

int topo_error_format(const struct topo_error *err, char *buf, size_t size)
{
	size_t tl, col, len, total;
	int n;

	if (err->line == 0)
		n = snprintf(buf, size, "%s: %s\n", err->file, err->message);
	else if (err->col == 0)
		n = snprintf(buf, size, "%s:%u: %s\n", err->file, err->line, err->message);
	else
		n = snprintf(buf, size, "%s:%u:%u: %s\n", err->file, err->line, err->col,
			     err->message);
	if (n < 0)
		return n;
	total = (size_t)n;

	tl = strnlen(err->text, sizeof(err->text));
	if (err->line == 0 || tl == 0)
		return (int)total;

		/* Appends one piece, keeping buf NUL-terminated and counting what did not fit, as
	 * snprintf does. */
#define APPEND(fmt, ...)                                                                           \
	do {                                                                                       \
		size_t _off = total < size ? total : (size > 0 ? size - 1 : 0);                    \
		int _n = snprintf(size > _off ? buf + _off : NULL, size > _off ? size - _off : 0,  \
				  fmt, __VA_ARGS__);                                               \
		if (_n > 0)                                                                        \
			total += (size_t)_n;                                                       \
	} while (0)

	APPEND("    %.*s\n", (int)tl, err->text);
	if (err->col == 0)
		return (int)total;

	col = err->col - 1;
	if (col > tl)
		col = tl;
	len = err->len > 0 ? err->len : 1;
	if (col + len > tl && tl > col)
		len = tl - col;

	APPEND("%s", "    ");
	/* Tabs are copied so that the caret lines up under the text whatever the tab width. */
	for (size_t i = 0; i < col; i++)
		APPEND("%c", err->text[i] == '\t' ? '\t' : ' ');
	APPEND("%c", '^');
	for (size_t i = 1; i < len; i++)
		APPEND("%c", '~');
	APPEND("%c", '\n');
#undef APPEND
	return total > INT32_MAX ? INT32_MAX : (int)total;
}

void topo_free(struct topo *t)
{
	if (!t)
		return;
	free(t->file);
	free(t->lab);
	for (size_t i = 0; i < t->n_nodes; i++) {
		free(t->nodes[i].ifaces);
		free(t->nodes[i].rootfs);
		free(t->nodes[i].image);
	}
	free(t->nodes);
	free(t->switches);
	free(t->links);
	free(t->ifaces);
	for (size_t i = 0; i < t->n_segments; i++)
		free(t->segments[i].ifaces);
	free(t->segments);
	free(t->routes);
	for (size_t i = 0; i < t->n_sysctls; i++) {
		free(t->sysctls[i].key);
		free(t->sysctls[i].value);
	}
	free(t->sysctls);
	for (size_t i = 0; i < t->n_mounts; i++) {
		free(t->mounts[i].src);
		free(t->mounts[i].dir);
	}
	free(t->mounts);
	for (size_t i = 0; i < t->n_cmds; i++)
		free(t->cmds[i].command);
	free(t->cmds);
	for (size_t i = 0; i < t->n_files; i++) {
		free(t->files[i].path);
		free(t->files[i].text);
		free(t->files[i].content);
	}
	free(t->files);
	free(t);
}

DEFINE_TRIVIAL_CLEANUP_FUNC(struct topo *, topo_free);

bool topo_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > TOPO_NAME_MAX)
		return false;
	if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The default lab name: the file name without its directory and ".conf". */
static int default_lab_name(const struct topo_src *src, char **ret, struct topo_error *err)
{
	const char *base = strrchr(src->name, '/');
	size_t n;
	char *s;

	base = base ? base + 1 : src->name;
	n = strlen(base);
	if (n > 5 && strcmp(base + n - 5, ".conf") == 0)
		n -= 5;
	s = strndup(base, n);
	if (!s)
		return -ENOMEM;
	if (!topo_name_valid(s)) {
		int r = topo_fail(err, src, (struct topo_pos){0, 0}, 0,
				  "cannot use the file name '%s' as the lab name: add a 'lab NAME' "
				  "statement",
				  s);
		free(s);
		return r;
	}
	*ret = s;
	return 0;
}

int topo_parse_string(const char *name, const char *text, size_t len, struct topo **ret,
		      struct topo_error *err)
{
	_cleanup_(topo_freep) struct topo *t = NULL;
	struct topo_src src = {
		.name = name ? name : "<string>", .text = text ? text : "", .len = text ? len : 0};
	int r;

	t = calloc(1, sizeof(*t));
	if (!t)
		goto oom;
	t->file = strdup(src.name);
	if (!t->file)
		goto oom;

	r = topo_parse_statements(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;

	if (!t->lab) {
		r = default_lab_name(&src, &t->lab, err);
		if (r == -ENOMEM)
			goto oom;
		if (r < 0)
			return r;
	}

	r = topo_plan(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;
	r = topo_route_plan(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;
	r = topo_files_render(t, &src, err);
	if (r == -ENOMEM)
		goto oom;
	if (r < 0)
		return r;

	*ret = TAKE_PTR(t);
	return 0;
oom:
	topo_fail(err, &src, (struct topo_pos){0, 0}, 0, "out of memory");
	return -ENOMEM;
}

int topo_parse_file(const char *path, struct topo **ret, struct topo_error *err)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	struct topo_src src = {.name = path};
	size_t len = 0, cap = 0;
	struct stat st;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		goto fail;
	}

	/* Read to the end rather than trusting st_size: pipes and /proc files report 0. */
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *nb;

			if (cap >= TOPO_FILE_MAX) {
				errno = EFBIG;
				goto fail;
			}
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb) {
				errno = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}

	return topo_parse_string(path, buf, len, ret, err);
fail:
	r = negative_errno();
	topo_fail(err, &src, (struct topo_pos){0, 0}, 0, "cannot read '%s': %s", path,
		  strerror(-r));
	return r;
}

size_t topo_find_node(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (streq(t->nodes[i].name, name))
			return i;
	return TOPO_NONE;
}

size_t topo_find_switch(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_switches; i++)
		if (streq(t->switches[i].name, name))
			return i;
	return TOPO_NONE;
}

size_t topo_find_iface(const struct topo *t, size_t node, const char *ifname)
{
	if (node >= t->n_nodes)
		return TOPO_NONE;
	for (size_t i = 0; i < t->nodes[node].n_ifaces; i++) {
		size_t k = t->nodes[node].ifaces[i];

		if (streq(t->ifaces[k].name, ifname))
			return k;
	}
	return TOPO_NONE;
}

const char *topo_addr_str(const struct topo_addr *a, bool with_plen, char *buf, size_t size)
{
	char tmp[INET6_ADDRSTRLEN];

	if (size == 0)
		return buf;
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, tmp, sizeof(tmp)))
		copy_str(tmp, sizeof(tmp), "?");
	if (with_plen)
		snprintf(buf, size, "%s/%u", tmp, a->plen);
	else
		snprintf(buf, size, "%s", tmp);
	return buf;
}

const char *topo_mac_str(const uint8_t mac[6], char *buf, size_t size)
{
	snprintf(buf, size, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

static unsigned family_bits(int family)
{
	return family == AF_INET6 ? 128 : 32;
}

int topo_addr_parse(const char *s, bool require_plen, struct topo_addr *ret)
{
	struct topo_addr a = {};
	char host[INET6_ADDRSTRLEN];
	const char *slash;
	size_t n;
	unsigned plen = 0;

	if (!s)
		return -EINVAL;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = '\0';

	a.family = strchr(host, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(a.family, host, a.bytes) != 1)
		return -EINVAL;

	if (slash) {
		const char *p = slash + 1;

		/* At most three digits, no sign, no leading zeros games: "/024" is a typo. */
		if (*p < '0' || *p > '9' || (p[0] == '0' && p[1] != '\0'))
			return -EINVAL;
		for (; *p >= '0' && *p <= '9' && plen <= 128; p++)
			plen = plen * 10 + (unsigned)(*p - '0');
		if (*p != '\0' || plen > family_bits(a.family))
			return -EINVAL;
	} else {
		if (require_plen)
			return -EINVAL;
		plen = family_bits(a.family);
	}
	a.plen = (uint8_t)plen;
	*ret = a;
	return 0;
}

/* Whether the first bits bits of x and y are equal. */
static bool prefix_equal(const uint8_t *x, const uint8_t *y, unsigned bits)
{
	unsigned full = bits / 8, rest = bits % 8;

	if (memcmp(x, y, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((x[full] ^ y[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

struct topo_addr topo_addr_network(const struct topo_addr *a)
{
	struct topo_addr n = *a;
	unsigned bits = family_bits(a->family);

	for (unsigned i = 0; i < bits / 8; i++) {
		unsigned lo = i * 8;

		if (lo >= n.plen)
			n.bytes[i] = 0;
		else if (lo + 8 > n.plen)
			n.bytes[i] &= (uint8_t)(0xff << (8 - (n.plen - lo)));
	}
	for (unsigned i = bits / 8; i < sizeof(n.bytes); i++)
		n.bytes[i] = 0;
	return n;
}

bool topo_addr_contains(const struct topo_addr *net, const struct topo_addr *a)
{
	if (net->family != a->family || net->plen > family_bits(net->family))
		return false;
	return prefix_equal(net->bytes, a->bytes, net->plen);
}

bool topo_addr_overlaps(const struct topo_addr *a, const struct topo_addr *b)
{
	unsigned plen;

	if (a->family != b->family)
		return false;
	plen = a->plen < b->plen ? a->plen : b->plen;
	if (plen > family_bits(a->family))
		plen = family_bits(a->family);
	return prefix_equal(a->bytes, b->bytes, plen);
}

bool topo_addr_equal_host(const struct topo_addr *a, const struct topo_addr *b)
{
	return a->family == b->family &&
	       memcmp(a->bytes, b->bytes, family_bits(a->family) / 8) == 0;
}
