/* SPDX-License-Identifier: MIT */
/*
 * libnetlab: the public C API (include/netlab.h) over the lab and topo layers — the same code
 * the `netlab` command runs. Nothing here decides anything about labs; it translates types,
 * captures what the lab layer logs into the caller's errmsg, and keeps the process as it was
 * (log sink, log level, signal dispositions).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <net/if.h>
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

#include "json-match.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "netlab.h"
#include "topo.h"

#define EXPORT __attribute__((visibility("default")))

struct netlab_topo {
	struct topo *t;
	char *text; /* from netlab_topo_parse(): the source, for netlab_up() */
	size_t len;
};

static netlab_log_fn user_log;
static int user_level = -1;
static void *user_data;

EXPORT const char *netlab_version(void)
{
	return NETLAB_VERSION;
}

EXPORT void netlab_set_log(netlab_log_fn fn, int max_level, void *userdata)
{
	user_log = fn;
	user_level = fn ? max_level : -1;
	user_data = userdata;
}

/* One API call: the lab layer's messages go to us (errors collected for errmsg, everything up
 * to the user's level to the user's function); the previous sink and level come back at the
 * end, so the library can be used by a program that logs through log.c itself. */
struct call {
	char *err; /* the error messages logged during the call, one per line */
	log_sink_fn prev_sink;
	void *prev_data;
	enum log_level prev_level;
};

static void call_sink(enum log_level level, const char *msg, void *userdata)
{
	struct call *c = userdata;

	if (level == LOG_LEVEL_ERROR) {
		char *n;
		if (asprintf(&n, "%s%s%s", c->err ? c->err : "", c->err ? "\n" : "", msg) >= 0) {
			free(c->err);
			c->err = n;
		}
	}
	if (user_log && (int)level <= user_level)
		user_log((int)level, msg, user_data);
}

static void call_begin(struct call *c)
{
	*c = (struct call){ 0 };
	log_get_sink(&c->prev_sink, &c->prev_data);
	c->prev_level = log_get_level();
	log_set_sink(call_sink, c);
	log_set_level(user_level > LOG_LEVEL_ERROR ? (enum log_level)user_level : LOG_LEVEL_ERROR);
}

/* Ends the call: r < 0 fills *errmsg (the messages logged, else "fmt" if given, else
 * strerror). Returns r. */
static int call_end(struct call *c, int r, char **errmsg, const char *fmt, ...)
	_printf_(4, 5);
static int call_end(struct call *c, int r, char **errmsg, const char *fmt, ...)
{
	log_set_sink(c->prev_sink, c->prev_data);
	log_set_level(c->prev_level);
	if (r < 0 && fmt && !c->err) {
		va_list ap;
		va_start(ap, fmt);
		if (vasprintf(&c->err, fmt, ap) < 0)
			c->err = NULL;
		va_end(ap);
	}
	if (r < 0 && !c->err)
		c->err = strdup(strerror(-r));
	if (errmsg)
		*errmsg = r < 0 ? TAKE_PTR(c->err) : NULL;
	free(c->err);
	c->err = NULL;
	return r;
}

static int need_root(void)
{
	/* Root, or rootless labs in the user's own runtime directory (lab_rootless_wanted). */
	return 0;
}

static int choose_lab(const char *lab, char **ret)
{
	/* lab_select validates an explicit name and logs why it cannot choose. */
	return lab_select(lab, ret);
}

/* ---- topologies ------------------------------------------------------------------------- */

static int topo_result(struct call *c, int r, struct topo *t, const struct topo_error *err,
		       const char *what, const char *text, size_t len, struct netlab_topo **ret,
		       char **errmsg)
{
	char buf[2048];

	if (r < 0) {
		if (err->message[0]) {
			topo_error_format(err, buf, sizeof(buf));
			size_t n = strlen(buf);
			if (n && buf[n - 1] == '\n')
				buf[n - 1] = 0;
			return call_end(c, r, errmsg, "%s", buf);
		}
		return call_end(c, r, errmsg, "Cannot read topology '%s': %s", what, strerror(-r));
	}
	struct netlab_topo *nt = calloc(1, sizeof(*nt));
	if (!nt) {
		topo_free(t);
		return call_end(c, -ENOMEM, errmsg, NULL);
	}
	nt->t = t;
	if (text) {
		nt->text = malloc(len ? len : 1);
		if (!nt->text) {
			netlab_topo_free(nt);
			return call_end(c, -ENOMEM, errmsg, NULL);
		}
		memcpy(nt->text, text, len);
		nt->len = len;
	}
	*ret = nt;
	return call_end(c, 0, errmsg, NULL);
}

EXPORT int netlab_topo_load(const char *path, struct netlab_topo **ret, char **errmsg)
{
	struct topo_error err = { 0 };
	struct topo *t = NULL;
	struct call c;

	call_begin(&c);
	if (!path || !ret)
		return call_end(&c, -EINVAL, errmsg, "netlab_topo_load: path and ret are required");
	int r = topo_parse_file(path, &t, &err);
	return topo_result(&c, r, t, &err, path, NULL, 0, ret, errmsg);
}

EXPORT int netlab_topo_parse(const char *name, const char *text, size_t len,
			     struct netlab_topo **ret, char **errmsg)
{
	struct topo_error err = { 0 };
	struct topo *t = NULL;
	struct call c;

	call_begin(&c);
	if (!name || !text || !ret)
		return call_end(&c, -EINVAL, errmsg, "netlab_topo_parse: name, text and ret are required");
	int r = topo_parse_string(name, text, len, &t, &err);
	return topo_result(&c, r, t, &err, name, text, len, ret, errmsg);
}

EXPORT void netlab_topo_free(struct netlab_topo *t)
{
	if (!t)
		return;
	topo_free(t->t);
	free(t->text);
	free(t);
}

EXPORT const char *netlab_topo_lab(const struct netlab_topo *t)
{
	return t->t->lab;
}

EXPORT size_t netlab_topo_n_nodes(const struct netlab_topo *t)
{
	return t->t->n_nodes;
}

EXPORT const char *netlab_topo_node(const struct netlab_topo *t, size_t i)
{
	return i < t->t->n_nodes ? t->t->nodes[i].name : NULL;
}

EXPORT bool netlab_topo_node_is_router(const struct netlab_topo *t, size_t i)
{
	return i < t->t->n_nodes && (t->t->nodes[i].flags & TOPO_NODE_ROUTER);
}

EXPORT int netlab_topo_addr(const struct netlab_topo *nt, const char *node, const char *ifname,
			    int family, unsigned n, char *buf, size_t size)
{
	const struct topo *t = nt->t;
	const struct topo_addr *list[TOPO_MAX_IFADDRS + 2];
	size_t count = 0, ni, fi;
	char tmp[TOPO_ADDRSTRLEN];

	ni = topo_find_node(t, node);
	if (ni == TOPO_NONE)
		return -ENOENT;
	if (streq(ifname, "lo")) {
		if (t->nodes[ni].has_lo4)
			list[count++] = &t->nodes[ni].lo4;
		if (t->nodes[ni].has_lo6)
			list[count++] = &t->nodes[ni].lo6;
	} else {
		fi = topo_find_iface(t, ni, ifname);
		if (fi == TOPO_NONE)
			return -ENOENT;
		for (size_t i = 0; i < t->ifaces[fi].n_addrs; i++)
			list[count++] = &t->ifaces[fi].addrs[i];
	}
	for (size_t i = 0; i < count; i++) {
		if (family && list[i]->family != family)
			continue;
		if (n-- > 0)
			continue;
		topo_addr_str(list[i], false, tmp, sizeof(tmp));
		if (strlen(tmp) >= size)
			return -ENOBUFS;
		strcpy(buf, tmp);
		return 0;
	}
	return -ENOENT;
}

/* ---- labs ------------------------------------------------------------------------------ */

/* lab_up keeps a copy of the topology *file* with the lab (the runtime verbs re-plan from it):
 * a topology given as text is written to a private file for the time of the call. t->file
 * (shown in messages and status) is that path. */
static int up_from_text(const struct netlab_topo *nt, struct lab_up_opts *o)
{
	char dir[] = "/tmp/netlab-api.XXXXXX", path[sizeof(dir) + 300];
	char *saved = nt->t->file;
	const char *base = strrchr(saved, '/') ? strrchr(saved, '/') + 1 : saved;
	FILE *f;
	int r;

	if (!mkdtemp(dir))
		return log_error_errno(negative_errno(), "Cannot create a directory in /tmp: %m");
	snprintf(path, sizeof(path), "%s/%s", dir, base[0] ? base : "topology.conf");
	f = fopen(path, "we");
	if (!f) {
		r = log_error_errno(negative_errno(), "Cannot write %s: %m", path);
		rmdir(dir);
		return r;
	}
	bool ok = fwrite(nt->text, 1, nt->len, f) == nt->len;
	if (fclose(f) != 0 || !ok) {
		r = log_error_errno(-EIO, "Cannot write %s: %m", path);
		goto out;
	}
	nt->t->file = path;
	r = lab_up(nt->t, o);
	nt->t->file = saved;
out:
	unlink(path);
	rmdir(dir);
	return r;
}

EXPORT int netlab_up(const struct netlab_topo *t, const char *lab, char **errmsg)
{
	struct lab_up_opts o = { .lab = lab };
	struct call c;

	call_begin(&c);
	if (!t)
		return call_end(&c, -EINVAL, errmsg, "netlab_up: no topology");
	if (lab && !topo_name_valid(lab))
		return call_end(&c, -EINVAL, errmsg, "'%s' is not a valid lab name", lab);
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"bringing a lab up needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	if (!t->text)
		return call_end(&c, lab_up(t->t, &o), errmsg, NULL);
	return call_end(&c, up_from_text(t, &o), errmsg, NULL);
}

EXPORT int netlab_down(const char *lab, char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	struct call c;
	int r;

	call_begin(&c);
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"taking a lab down needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	return call_end(&c, lab_down(chosen), errmsg, NULL);
}

EXPORT int netlab_list(char ***ret, char **errmsg)
{
	struct call c;
	int r;

	call_begin(&c);
	r = lab_list(ret);
	return call_end(&c, r, errmsg, "Cannot list labs in %s: %s", lab_run_dir(), strerror(-r));
}

EXPORT void netlab_list_free(char **names)
{
	if (names)
		lab_list_free(names);
}

/* ---- running commands ------------------------------------------------------------------- */

EXPORT void netlab_exec_result_clear(struct netlab_exec_result *res)
{
	if (!res)
		return;
	free(res->out);
	free(res->err);
	*res = (struct netlab_exec_result){ 0 };
}

/* Reads the whole of a memfd the command wrote into. */
static int slurp(int fd, char **ret, size_t *ret_len)
{
	struct stat s;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &s) < 0)
		return negative_errno();
	buf = malloc((size_t)s.st_size + 1);
	if (!buf)
		return -ENOMEM;
	while (got < (size_t)s.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)s.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = 0;
	*ret = buf;
	*ret_len = got;
	return 0;
}

static int exec_in(const char *lab, const char *node, char *const argv[],
		   struct netlab_exec_result *res)
{
	_cleanup_close_ int null = -EBADF, out = -EBADF, err = -EBADF;
	int exec_errno = 0, r;

	null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (null < 0)
		return log_error_errno(negative_errno(), "Cannot open /dev/null: %m");
	if (res) {
		/* Files, not pipes: the command may write any amount while we wait for it. */
		out = memfd_create("netlab-stdout", MFD_CLOEXEC);
		err = memfd_create("netlab-stderr", MFD_CLOEXEC);
		if (out < 0 || err < 0)
			return log_error_errno(negative_errno(), "Cannot create a memfd: %m");
	}
	struct lab_exec_io io = { .stdin_fd = null, .stdout_fd = out, .stderr_fd = err };

	r = lab_exec_io(lab, node, argv, &io, &exec_errno);
	if (r < 0)
		return r;
	if (res) {
		*res = (struct netlab_exec_result){ .status = r };
		if (slurp(out, &res->out, &res->out_len) < 0 ||
		    slurp(err, &res->err, &res->err_len) < 0) {
			netlab_exec_result_clear(res);
			return log_error_errno(-ENOMEM, "Cannot read the command's output: %m");
		}
	}
	if (exec_errno)
		log_debug("'%s' cannot be executed in node '%s': %s", argv[0], node,
			  strerror(exec_errno));
	return r;
}

EXPORT int netlab_exec(const char *lab, const char *node, char *const argv[],
		       struct netlab_exec_result *res, char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	struct call c;
	int r;

	call_begin(&c);
	if (res)
		*res = (struct netlab_exec_result){ 0 };
	if (!node || !argv || !argv[0])
		return call_end(&c, -EINVAL, errmsg, "netlab_exec: node and a command are required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"running a command in a node needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	return call_end(&c, exec_in(chosen, node, argv, res), errmsg, NULL);
}

static int wait_in(const char *lab, const char *node, const struct lab_wait_cond *cond,
		   unsigned timeout_ms)
{
	char seen[1024];
	int r;

	r = lab_wait(lab, node, cond, (uint64_t)timeout_ms * 1000000u, seen, sizeof(seen));
	if (r == -ETIMEDOUT)
		/* What was last seen is why we waited: the caller's message says it. */
		log_error("timed out after %u ms waiting in node '%s'%s%s", timeout_ms, node,
			  seen[0] ? "; last seen: " : "", seen);
	return r;
}

static int wait_common(const char *lab, const char *node, const struct lab_wait_cond *cond,
		       unsigned timeout_ms, char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	struct call c;
	int r;

	call_begin(&c);
	if (!node)
		return call_end(&c, -EINVAL, errmsg, "netlab_wait: a node is required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"waiting in a node needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	return call_end(&c, wait_in(chosen, node, cond, timeout_ms), errmsg, NULL);
}

EXPORT int netlab_wait(const char *lab, const char *node, enum netlab_wait_kind kind,
		       const char *arg, unsigned timeout_ms, char **errmsg)
{
	static const enum lab_wait_kind kinds[] = {
		[NETLAB_WAIT_ADDR] = LAB_WAIT_ADDR,
		[NETLAB_WAIT_ROUTE] = LAB_WAIT_ROUTE,
		[NETLAB_WAIT_TCP] = LAB_WAIT_TCP,
		[NETLAB_WAIT_REACH] = LAB_WAIT_REACH,
	};
	struct call c;

	if ((unsigned)kind >= ELEMENTSOF(kinds) || !arg) {
		call_begin(&c);
		return call_end(&c, -EINVAL, errmsg, "netlab_wait: unknown condition or no argument");
	}
	struct lab_wait_cond cond = { .kind = kinds[kind], .arg = arg };
	return wait_common(lab, node, &cond, timeout_ms, errmsg);
}

EXPORT int netlab_wait_cmd(const char *lab, const char *node, char *const argv[],
			   unsigned timeout_ms, char **errmsg)
{
	struct call c;

	if (!argv || !argv[0]) {
		call_begin(&c);
		return call_end(&c, -EINVAL, errmsg, "netlab_wait_cmd: a command is required");
	}
	struct lab_wait_cond cond = { .kind = LAB_WAIT_CMD, .argv = argv };
	return wait_common(lab, node, &cond, timeout_ms, errmsg);
}

/* ---- protocol tests ----------------------------------------------------------------------- */

/* The timeout message of `netlab wait`, with the JSON mismatches one a line. */
static void log_timeout(const char *node, const struct lab_wait_cond *cond, unsigned timeout_ms,
			const struct lab_wait_result *res)
{
	_cleanup_free_ char *lines = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&lines, &len);

	if (f) {
		for (size_t i = 0; res->diff && i < res->diff->n; i++) {
			char line[1024];
			json_mismatch_format(&res->diff->items[i], line, sizeof(line));
			fprintf(f, "\n  %s", line);
		}
		fclose(f);
	}
	log_error("timed out after %u ms waiting for %s%s in node '%s'%s%s%s%s%s", timeout_ms,
		  cond->negate ? "not " : "", cond->arg ? cond->arg : cond->argv[0], node,
		  res->breaks ? " (it broke" : "", res->breaks ? " while held)" : "",
		  res->seen[0] ? "; last seen: " : "", res->seen,
		  lines && !cond->negate ? lines : "");
}

EXPORT int netlab_wait_for(const char *lab, const char *node, const struct netlab_wait_spec *w,
			   char **errmsg)
{
	static const enum lab_wait_kind kinds[] = {
		[NETLAB_WAIT_ADDR] = LAB_WAIT_ADDR,   [NETLAB_WAIT_ROUTE] = LAB_WAIT_ROUTE,
		[NETLAB_WAIT_TCP] = LAB_WAIT_TCP,     [NETLAB_WAIT_REACH] = LAB_WAIT_REACH,
		[NETLAB_WAIT_CMD] = LAB_WAIT_CMD,     [NETLAB_WAIT_JSON] = LAB_WAIT_JSON,
	};
	_cleanup_free_ char *chosen = NULL;
	char seen[1024];
	struct json_diff diff = { 0 };
	struct lab_wait_result res = { .seen = seen, .seen_size = sizeof(seen), .diff = &diff };
	struct call c;
	int r;

	call_begin(&c);
	if (!w || !node || (unsigned)w->kind >= ELEMENTSOF(kinds))
		return call_end(&c, -EINVAL, errmsg, "netlab_wait_for: a node and a condition are required");
	bool takes_argv = w->kind == NETLAB_WAIT_CMD || w->kind == NETLAB_WAIT_JSON;
	if (takes_argv ? !w->argv || !w->argv[0] : !w->arg)
		return call_end(&c, -EINVAL, errmsg, "netlab_wait_for: %s",
				takes_argv ? "a command is required" : "an argument is required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"waiting in a node needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	struct lab_wait_cond cond = {
		.kind = kinds[w->kind],
		.arg = takes_argv ? NULL : w->arg,
		.argv = takes_argv ? w->argv : NULL,
		.match = w->match,
		.negate = w->negate,
		.stable_ns = (uint64_t)w->stable_ms * 1000000u,
	};
	unsigned timeout_ms = w->timeout_ms ? w->timeout_ms : 30000;
	r = lab_wait_full(chosen, node, &cond, (uint64_t)timeout_ms * 1000000u, &res);
	if (r == -ETIMEDOUT)
		log_timeout(node, &cond, timeout_ms, &res);
	json_diff_done(&diff);
	return call_end(&c, r, errmsg, NULL);
}

EXPORT int netlab_link_set(const char *lab, const char *node, const char *ifname, bool up,
			   char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	struct call c;
	int r;

	call_begin(&c);
	if (!node || !ifname)
		return call_end(&c, -EINVAL, errmsg, "netlab_link_set: a node and an interface are required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg, "changing a link needs root (CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r >= 0)
		r = lab_link_updown(chosen, node, ifname, up, LAB_LINK_BOTH);
	return call_end(&c, r, errmsg, NULL);
}

EXPORT int netlab_converge(const char *lab, unsigned quiet_ms, unsigned timeout_ms,
			   bool since_fault, char **ret_json, char **errmsg)
{
	_cleanup_(lab_converge_freep) struct lab_converge *cv = NULL;
	_cleanup_free_ char *chosen = NULL;
	struct lab_converge_opts o = {
		.quiet_ns = (uint64_t)(quiet_ms ? quiet_ms : 2000) * 1000000u,
		.timeout_ns = (uint64_t)(timeout_ms ? timeout_ms : 60000) * 1000000u,
		.since_fault = since_fault,
	};
	char *doc = NULL;
	size_t len = 0;
	struct call c;
	int r;

	call_begin(&c);
	if (!ret_json)
		return call_end(&c, -EINVAL, errmsg, "netlab_converge: ret_json is required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg, "watching routes needs root (CAP_SYS_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	r = lab_converge(chosen, &o, &cv);
	if (r < 0 && r != -ETIMEDOUT)
		return call_end(&c, r, errmsg, NULL);
	FILE *f = open_memstream(&doc, &len);
	if (!f)
		return call_end(&c, -ENOMEM, errmsg, NULL);
	lab_converge_write_json(chosen, cv, &o, f);
	fclose(f);
	*ret_json = doc;
	return call_end(&c, r, errmsg, r == -ETIMEDOUT ? "routes still changed after %u ms" : NULL,
			timeout_ms ? timeout_ms : 60000);
}

EXPORT int netlab_artifacts(const char *lab, const char *dir, char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	_cleanup_close_ int dfd = -EBADF;
	struct call c;
	int r;

	call_begin(&c);
	if (!dir)
		return call_end(&c, -EINVAL, errmsg, "netlab_artifacts: a directory is required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg, "collecting artifacts needs root");
	r = choose_lab(lab, &chosen);
	if (r >= 0)
		r = lab_artifacts_open(dir, &dfd);
	if (r >= 0) {
		/* Each artifact that could not be saved is logged; the call fails if any was. */
		int missing = lab_collect_artifacts(chosen, dfd, dir);
		r = missing > 0 ? -EIO : missing;
	}
	return call_end(&c, r, errmsg, NULL);
}

/* ---- status ----------------------------------------------------------------------------- */

EXPORT void netlab_status_free(struct netlab_status *st)
{
	if (!st)
		return;
	for (size_t i = 0; i < st->n_nodes; i++) {
		for (size_t k = 0; k < st->nodes[i].n_ifaces; k++) {
			struct netlab_iface *f = &st->nodes[i].ifaces[k];
			for (size_t a = 0; a < f->n_addrs; a++)
				free(f->addrs[a]);
			free(f->addrs);
		}
		free(st->nodes[i].ifaces);
	}
	free(st->nodes);
	free(st->file);
	free(st);
}

static int fill_ifaces(struct netlab_node *n, const struct lab_ifinfo *ifs, size_t count)
{
	char buf[TOPO_ADDRSTRLEN];

	n->ifaces = calloc(count ? count : 1, sizeof(*n->ifaces));
	if (!n->ifaces)
		return -ENOMEM;
	for (size_t k = 0; k < count; k++) {
		struct netlab_iface *f = &n->ifaces[k];
		n->n_ifaces++;
		snprintf(f->name, sizeof(f->name), "%s", ifs[k].name);
		f->ifindex = ifs[k].ifindex;
		f->up = ifs[k].flags & IFF_UP;
		f->carrier = ifs[k].flags & IFF_LOWER_UP;
		f->mtu = ifs[k].mtu;
		topo_mac_str(ifs[k].mac, f->mac, sizeof(f->mac));
		f->addrs = calloc(ifs[k].n_addrs ? ifs[k].n_addrs : 1, sizeof(char *));
		if (!f->addrs)
			return -ENOMEM;
		for (size_t a = 0; a < ifs[k].n_addrs; a++) {
			f->addrs[a] = strdup(topo_addr_str(&ifs[k].addrs[a], true, buf, sizeof(buf)));
			if (!f->addrs[a])
				return -ENOMEM;
			f->n_addrs++;
		}
	}
	return 0;
}

static int status_of(const char *name, struct netlab_status **ret)
{
	_cleanup_(lab_state_freep) struct lab_state *ls = NULL;
	struct netlab_status *st;
	enum lab_liveness live;
	int r;

	live = lab_liveness(name);
	st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	snprintf(st->name, sizeof(st->name), "%s", name);
	st->state = live == LAB_RUNNING    ? NETLAB_LAB_RUNNING
		    : live == LAB_STARTING ? NETLAB_LAB_STARTING
					   : NETLAB_LAB_STALE;
	r = lab_state_load(name, &ls);
	if (r == -ENOENT) {
		/* Starting, or dead before its commit: a name and a state, nothing more. */
		*ret = st;
		return 0;
	}
	if (r < 0) {
		netlab_status_free(st);
		return log_error_errno(r, "Cannot read the state of lab '%s': %m", name);
	}
	st->init_pid = ls->init_pid;
	st->created = ls->created;
	if (ls->file && !(st->file = strdup(ls->file)))
		goto nomem;
	st->nodes = calloc(ls->n_nodes ? ls->n_nodes : 1, sizeof(*st->nodes));
	if (!st->nodes)
		goto nomem;
	for (size_t i = 0; i < ls->n_nodes; i++) {
		struct netlab_node *n = &st->nodes[i];
		struct lab_ifinfo *ifs = NULL;
		size_t count = 0;

		st->n_nodes++;
		snprintf(n->name, sizeof(n->name), "%s", ls->nodes[i].name);
		n->pid = ls->nodes[i].pid;
		if (live != LAB_RUNNING || lab_node_interfaces(ls, i, &ifs, &count) < 0)
			continue;
		n->running = true;
		r = fill_ifaces(n, ifs, count);
		free(ifs);
		if (r < 0)
			goto nomem;
	}
	*ret = st;
	return 0;
nomem:
	netlab_status_free(st);
	return log_error_errno(-ENOMEM, "Out of memory");
}

EXPORT int netlab_status(const char *lab, struct netlab_status **ret, char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	char **names = NULL;
	bool found = false;
	struct call c;
	int r;

	call_begin(&c);
	if (!ret)
		return call_end(&c, -EINVAL, errmsg, "netlab_status: ret is required");
	if (need_root() < 0)
		return call_end(&c, -EPERM, errmsg,
				"reading a lab's status needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)");
	r = choose_lab(lab, &chosen);
	if (r < 0)
		return call_end(&c, r, errmsg, NULL);
	r = lab_list(&names);
	if (r < 0)
		return call_end(&c, r, errmsg, "Cannot list labs in %s: %s", lab_run_dir(),
				strerror(-r));
	for (char **n = names; *n; n++)
		found |= streq(*n, chosen);
	lab_list_free(names);
	if (!found)
		return call_end(&c, -ENOENT, errmsg, "no lab '%s'", chosen);
	return call_end(&c, status_of(chosen, ret), errmsg, NULL);
}
