/* SPDX-License-Identifier: MIT */
/*
 * libnetlab: the public C API (include/netlab.h) over the lab and topo layers — the same code
 * the `netlab` command runs. Nothing here decides anything about labs; it translates types,
 * captures what the lab layer logs into the caller's errmsg, and keeps the process as it was
 * (log sink, log level, signal dispositions).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
	struct topo *t; /* with its source text, which netlab_up() keeps with the lab */
};

/* The caller's log function: process-wide, read once at the start of each call. */
static pthread_mutex_t user_lock = PTHREAD_MUTEX_INITIALIZER;
static netlab_log_fn user_log;
static int user_level = -1;
static void *user_data;

EXPORT const char *netlab_version(void)
{
	return NETLAB_VERSION;
}

EXPORT void netlab_set_log(netlab_log_fn fn, int max_level, void *userdata)
{
	pthread_mutex_lock(&user_lock);
	user_log = fn;
	user_level = fn ? max_level : -1;
	user_data = userdata;
	pthread_mutex_unlock(&user_lock);
}

/*
 * One API call, and its error value: what the lab layer logs while it works for the calling
 * thread goes to the call's own log target (log.h) — errors collected for errmsg, everything up
 * to the user's level to the user's function — and to nothing else: another thread's call has
 * a target of its own, and the process-wide sink and level (a program that logs through log.c
 * itself) are never touched. The sink takes a lock: `up` has a helper thread that logs into the
 * same call (its bridges).
 */
struct call {
	struct log_target target;
	struct log_target *prev;
	pthread_mutex_t lock;
	char *err; /* the error messages logged during the call, one per line */
	netlab_log_fn user_log;
	int user_level;
	void *user_data;
};

static void call_sink(enum log_level level, const char *msg, void *userdata)
{
	struct call *c = userdata;

	pthread_mutex_lock(&c->lock);
	if (level == LOG_LEVEL_ERROR) {
		char *n;
		if (asprintf(&n, "%s%s%s", c->err ? c->err : "", c->err ? "\n" : "", msg) >= 0) {
			free(c->err);
			c->err = n;
		}
	}
	if (c->user_log && (int)level <= c->user_level)
		c->user_log((int)level, msg, c->user_data);
	pthread_mutex_unlock(&c->lock);
}

static void call_begin(struct call *c)
{
	*c = (struct call){ .lock = PTHREAD_MUTEX_INITIALIZER };
	pthread_mutex_lock(&user_lock);
	c->user_log = user_log;
	c->user_level = user_level;
	c->user_data = user_data;
	pthread_mutex_unlock(&user_lock);
	c->target = (struct log_target){
		.sink = call_sink,
		.userdata = c,
		.level = c->user_level > LOG_LEVEL_ERROR ? (enum log_level)c->user_level
							 : LOG_LEVEL_ERROR,
	};
	c->prev = log_set_thread_target(&c->target);
	/* Our caller may have threads, and another call may be in one now. */
	lab_set_threaded();
}

/* Ends the call: r < 0 fills *errmsg with the messages logged, else strerror. Returns r. */
static int call_end(struct call *c, int r, char **errmsg)
{
	log_set_thread_target(c->prev);
	if (r < 0 && !c->err)
		c->err = strdup(strerror(-r));
	if (errmsg)
		*errmsg = r < 0 ? TAKE_PTR(c->err) : NULL;
	free(c->err);
	c->err = NULL;
	pthread_mutex_destroy(&c->lock);
	return r;
}

/* r, said as fmt unless the call has said why already. */
static int call_fail(struct call *c, int r, const char *fmt, ...) _printf_(3, 4);
static int call_fail(struct call *c, int r, const char *fmt, ...)
{
	char buf[4096]; /* a log line's size: a topology error with its source line fits */
	va_list ap;

	if (__atomic_load_n(&c->target.errors, __ATOMIC_RELAXED) > 0)
		return r;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return log_error_errno(r, "%s", buf);
}

/*
 * The frame of every call on one lab: its errors captured, its arguments refused when invalid
 * (the reason, as -EINVAL) before anything else, the lab chosen as the command chooses it (a
 * NULL lab: $NETLAB_LAB, else the only one), then body. Root is not checked: without it the
 * lab layer works on rootless labs (lab_rootless_wanted), and says why when it cannot.
 */
typedef int (*lab_body_fn)(struct call *c, const char *lab, void *args);

static int on_lab(const char *lab, const char *invalid, lab_body_fn body, void *args,
		  char **errmsg)
{
	_cleanup_free_ char *chosen = NULL;
	struct call c;
	int r;

	call_begin(&c);
	if (invalid)
		r = log_error_errno(-EINVAL, "%s", invalid);
	else if ((r = lab_select(lab, &chosen)) >= 0)
		r = body(&c, chosen, args);
	return call_end(&c, r, errmsg);
}

/* ---- topologies ------------------------------------------------------------------------- */

/* The message `netlab check` prints for the same failure: file:line:col, the line, a marker. */
static int topo_result(struct call *c, int r, struct topo *t, const struct topo_error *err,
		       const char *what, struct netlab_topo **ret, char **errmsg)
{
	char buf[2048];

	if (r < 0) {
		if (err->message[0]) {
			topo_error_format(err, buf, sizeof(buf));
			size_t n = strlen(buf);
			if (n && buf[n - 1] == '\n')
				buf[n - 1] = 0;
			return call_end(c, call_fail(c, r, "%s", buf), errmsg);
		}
		return call_end(c, call_fail(c, r, "Cannot read topology '%s': %s", what,
					     strerror(-r)), errmsg);
	}
	struct netlab_topo *nt = calloc(1, sizeof(*nt));
	if (!nt) {
		topo_free(t);
		return call_end(c, -ENOMEM, errmsg);
	}
	nt->t = t;
	*ret = nt;
	return call_end(c, 0, errmsg);
}

EXPORT int netlab_topo_load(const char *path, struct netlab_topo **ret, char **errmsg)
{
	struct topo_error err = { 0 };
	struct topo *t = NULL;
	struct call c;

	call_begin(&c);
	if (!path || !ret)
		return call_end(&c,
				log_error_errno(-EINVAL, "netlab_topo_load: path and ret are required"),
				errmsg);
	int r = topo_parse_file(path, &t, &err);
	return topo_result(&c, r, t, &err, path, ret, errmsg);
}

EXPORT int netlab_topo_parse(const char *name, const char *text, size_t len,
			     struct netlab_topo **ret, char **errmsg)
{
	struct topo_error err = { 0 };
	struct topo *t = NULL;
	struct call c;

	call_begin(&c);
	if (!name || !text || !ret)
		return call_end(&c,
				log_error_errno(-EINVAL,
						"netlab_topo_parse: name, text and ret are required"),
				errmsg);
	int r = topo_parse_string(name, text, len, &t, &err);
	return topo_result(&c, r, t, &err, name, ret, errmsg);
}

EXPORT void netlab_topo_free(struct netlab_topo *t)
{
	if (!t)
		return;
	topo_free(t->t);
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

EXPORT int netlab_up(const struct netlab_topo *t, const char *lab, char **errmsg)
{
	struct lab_up_opts o = { .lab = lab };
	struct call c;
	int r;

	call_begin(&c);
	if (!t)
		r = log_error_errno(-EINVAL, "netlab_up: no topology");
	else if (lab && !topo_name_valid(lab))
		r = log_error_errno(-EINVAL, "'%s' is not a valid lab name", ESCAPED(lab));
	else
		r = lab_up(t->t, &o);
	return call_end(&c, r, errmsg);
}

static int down_body(struct call *c, const char *lab, void *args)
{
	return lab_down(lab);
}

EXPORT int netlab_down(const char *lab, char **errmsg)
{
	return on_lab(lab, NULL, down_body, NULL, errmsg);
}

EXPORT int netlab_list(char ***ret, char **errmsg)
{
	struct call c;
	int r;

	call_begin(&c);
	r = lab_list(ret);
	if (r < 0)
		r = call_fail(&c, r, "Cannot list labs in %s: %s", lab_run_dir(), strerror(-r));
	return call_end(&c, r, errmsg);
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

struct exec_args {
	const char *node;
	char *const *argv;
	struct netlab_exec_result *res;
};

static int exec_body(struct call *c, const char *lab, void *args)
{
	const struct exec_args *a = args;
	return exec_in(lab, a->node, a->argv, a->res);
}

EXPORT int netlab_exec(const char *lab, const char *node, char *const argv[],
		       struct netlab_exec_result *res, char **errmsg)
{
	struct exec_args a = { .node = node, .argv = argv, .res = res };

	if (res)
		*res = (struct netlab_exec_result){ 0 };
	return on_lab(lab, !node || !argv || !argv[0] ? "netlab_exec: node and a command are required"
						      : NULL,
		      exec_body, &a, errmsg);
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

struct wait_args {
	const char *node;
	const struct lab_wait_cond *cond;
	unsigned timeout_ms;
};

static int wait_body(struct call *c, const char *lab, void *args)
{
	const struct wait_args *a = args;
	return wait_in(lab, a->node, a->cond, a->timeout_ms);
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
	bool known = (unsigned)kind < ELEMENTSOF(kinds) && arg;
	struct lab_wait_cond cond = { .kind = known ? kinds[kind] : LAB_WAIT_ADDR, .arg = arg };
	struct wait_args a = { .node = node, .cond = &cond, .timeout_ms = timeout_ms };

	return on_lab(lab, !known ? "netlab_wait: unknown condition or no argument"
			   : !node ? "netlab_wait: a node is required" : NULL,
		      wait_body, &a, errmsg);
}

EXPORT int netlab_wait_cmd(const char *lab, const char *node, char *const argv[],
			   unsigned timeout_ms, char **errmsg)
{
	struct lab_wait_cond cond = { .kind = LAB_WAIT_CMD, .argv = argv };
	struct wait_args a = { .node = node, .cond = &cond, .timeout_ms = timeout_ms };

	return on_lab(lab, !argv || !argv[0] ? "netlab_wait_cmd: a command is required"
			   : !node ? "netlab_wait: a node is required" : NULL,
		      wait_body, &a, errmsg);
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

static int wait_for_body(struct call *c, const char *lab, void *args)
{
	const struct wait_args *a = args;
	char seen[1024];
	struct json_diff diff = { 0 };
	struct lab_wait_result res = { .seen = seen, .seen_size = sizeof(seen), .diff = &diff };
	int r;

	r = lab_wait_full(lab, a->node, a->cond, (uint64_t)a->timeout_ms * 1000000u, &res);
	if (r == -ETIMEDOUT)
		log_timeout(a->node, a->cond, a->timeout_ms, &res);
	json_diff_done(&diff);
	return r;
}

EXPORT int netlab_wait_for(const char *lab, const char *node, const struct netlab_wait_spec *w,
			   char **errmsg)
{
	static const enum lab_wait_kind kinds[] = {
		[NETLAB_WAIT_ADDR] = LAB_WAIT_ADDR,   [NETLAB_WAIT_ROUTE] = LAB_WAIT_ROUTE,
		[NETLAB_WAIT_TCP] = LAB_WAIT_TCP,     [NETLAB_WAIT_REACH] = LAB_WAIT_REACH,
		[NETLAB_WAIT_CMD] = LAB_WAIT_CMD,     [NETLAB_WAIT_JSON] = LAB_WAIT_JSON,
	};
	bool known = w && node && (unsigned)w->kind < ELEMENTSOF(kinds);
	bool takes_argv = known && (w->kind == NETLAB_WAIT_CMD || w->kind == NETLAB_WAIT_JSON);
	const char *invalid =
		!known ? "netlab_wait_for: a node and a condition are required"
		: takes_argv && (!w->argv || !w->argv[0]) ? "netlab_wait_for: a command is required"
		: !takes_argv && !w->arg ? "netlab_wait_for: an argument is required"
					 : NULL;
	struct lab_wait_cond cond = { 0 };

	if (!invalid)
		cond = (struct lab_wait_cond){
			.kind = kinds[w->kind],
			.arg = takes_argv ? NULL : w->arg,
			.argv = takes_argv ? w->argv : NULL,
			.match = w->match,
			.negate = w->negate,
			.stable_ns = (uint64_t)w->stable_ms * 1000000u,
		};
	struct wait_args a = { .node = node, .cond = &cond,
			       .timeout_ms = w && w->timeout_ms ? w->timeout_ms : 30000 };
	return on_lab(lab, invalid, wait_for_body, &a, errmsg);
}

struct link_args {
	const char *node, *ifname;
	bool up;
};

static int link_body(struct call *c, const char *lab, void *args)
{
	const struct link_args *a = args;
	return lab_link_updown(lab, a->node, a->ifname, a->up, LAB_LINK_BOTH);
}

EXPORT int netlab_link_set(const char *lab, const char *node, const char *ifname, bool up,
			   char **errmsg)
{
	struct link_args a = { .node = node, .ifname = ifname, .up = up };

	return on_lab(lab, !node || !ifname ? "netlab_link_set: a node and an interface are required"
					    : NULL,
		      link_body, &a, errmsg);
}

struct converge_args {
	struct lab_converge_opts o;
	unsigned timeout_ms;
	char **ret_json;
};

static int converge_body(struct call *c, const char *lab, void *args)
{
	const struct converge_args *a = args;
	_cleanup_(lab_converge_freep) struct lab_converge *cv = NULL;
	char *doc = NULL;
	size_t len = 0;
	int r;

	r = lab_converge(lab, &a->o, &cv);
	if (r < 0 && r != -ETIMEDOUT)
		return r;
	FILE *f = open_memstream(&doc, &len);
	if (!f)
		return -ENOMEM;
	lab_converge_write_json(lab, cv, &a->o, f);
	fclose(f);
	*a->ret_json = doc;
	if (r == -ETIMEDOUT)
		return call_fail(c, r, "routes still changed after %u ms", a->timeout_ms);
	return r;
}

EXPORT int netlab_converge(const char *lab, unsigned quiet_ms, unsigned timeout_ms,
			   bool since_fault, char **ret_json, char **errmsg)
{
	struct converge_args a = {
		.o = {
			.quiet_ns = (uint64_t)(quiet_ms ? quiet_ms : 2000) * 1000000u,
			.timeout_ns = (uint64_t)(timeout_ms ? timeout_ms : 60000) * 1000000u,
			.since_fault = since_fault,
		},
		.timeout_ms = timeout_ms ? timeout_ms : 60000,
		.ret_json = ret_json,
	};

	return on_lab(lab, !ret_json ? "netlab_converge: ret_json is required" : NULL,
		      converge_body, &a, errmsg);
}

static int artifacts_body(struct call *c, const char *lab, void *args)
{
	const char *dir = args;
	_cleanup_close_ int dfd = -EBADF;
	int r;

	r = lab_artifacts_open(dir, &dfd);
	if (r < 0)
		return r;
	/* Each artifact that could not be saved is logged; the call fails if any was. */
	int missing = lab_collect_artifacts(lab, dfd, dir);
	return missing > 0 ? -EIO : missing;
}

EXPORT int netlab_artifacts(const char *lab, const char *dir, char **errmsg)
{
	return on_lab(lab, !dir ? "netlab_artifacts: a directory is required" : NULL,
		      artifacts_body, (void *)dir, errmsg);
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

/* netlab status's answer (lab_status(), shared with the CLI) in the library's types. */
static int status_of(const struct lab_status *ls, struct netlab_status **ret)
{
	struct netlab_status *st = calloc(1, sizeof(*st));
	int r;

	if (!st)
		return -ENOMEM;
	snprintf(st->name, sizeof(st->name), "%s", ls->name);
	st->state = ls->live == LAB_RUNNING    ? NETLAB_LAB_RUNNING
		    : ls->live == LAB_STARTING ? NETLAB_LAB_STARTING
					       : NETLAB_LAB_STALE;
	/* Starting, or dead before its commit (-ENOENT): a name and a state, nothing more. */
	if (ls->state_error < 0 && ls->state_error != -ENOENT) {
		netlab_status_free(st);
		return log_error_errno(ls->state_error, "Cannot read the state of lab '%s': %m",
				       ls->name);
	}
	st->init_pid = ls->init_pid;
	st->created = ls->created;
	if (ls->file && !(st->file = strdup(ls->file)))
		goto nomem;
	st->nodes = calloc(ls->n_nodes ? ls->n_nodes : 1, sizeof(*st->nodes));
	if (!st->nodes)
		goto nomem;
	for (size_t i = 0; i < ls->n_nodes; i++) {
		const struct lab_status_node *ln = &ls->nodes[i];
		struct netlab_node *n = &st->nodes[i];

		st->n_nodes++;
		snprintf(n->name, sizeof(n->name), "%s", ln->name);
		n->pid = ln->pid;
		if (ln->run != LAB_NODE_RUNNING)
			continue;
		n->running = true;
		r = fill_ifaces(n, ln->ifs, ln->n_ifs);
		if (r < 0)
			goto nomem;
	}
	*ret = st;
	return 0;
nomem:
	netlab_status_free(st);
	return log_error_errno(-ENOMEM, "Out of memory");
}

static int status_body(struct call *c, const char *lab, void *args)
{
	struct netlab_status **ret = args;
	struct lab_status *ls = NULL;
	int r;

	r = lab_status(lab, LAB_STATUS_IFACES, &ls);
	if (r == -ENOENT)
		return call_fail(c, -ENOENT, "no lab '%s'", lab);
	if (r < 0)
		return call_fail(c, r, "Cannot list labs in %s: %s", lab_run_dir(), strerror(-r));
	r = status_of(ls, ret);
	lab_status_free(ls, 1);
	return r;
}

EXPORT int netlab_status(const char *lab, struct netlab_status **ret, char **errmsg)
{
	return on_lab(lab, !ret ? "netlab_status: ret is required" : NULL, status_body, ret,
		      errmsg);
}
