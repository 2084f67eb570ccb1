/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <net/if.h>

/* <net/if.h> stops at the BSD flags; the kernel has had this one since 2.6.17. */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab status [LAB] [-l LAB] [--json]"

static const char *liveness_name(enum lab_liveness l)
{
	return l == LAB_RUNNING ? "running" : l == LAB_STARTING ? "starting" : "stale";
}

/* Colour only on a terminal and never with NO_COLOR; the codes go around the padded text, so
 * the columns line up either way. */
static bool color;

static void cell(const char *text, int width, const char *sgr)
{
	if (color && sgr)
		printf("\033[%sm%-*s\033[0m", sgr, width, text);
	else
		printf("%-*s", width, text);
}

static const char *state_sgr(const char *state)
{
	if (streq(state, "running") || streq(state, "up"))
		return "32"; /* green */
	if (streq(state, "starting") || streq(state, "nocar"))
		return "33"; /* yellow */
	return "31";         /* red: stale, dead, down */
}

static void header(const char *fmt, ...) _printf_(1, 2);
static void header(const char *fmt, ...)
{
	va_list ap;

	if (color)
		fputs("\033[1m", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	if (color)
		fputs("\033[0m", stdout);
	putchar('\n');
}

static bool boring_addr(const struct lab_ifinfo *i, const struct topo_addr *a)
{
	/* The table shows what the lab configured; lo's own and link-local addresses only
	 * clutter it (--json has everything). */
	if (a->family == AF_INET6 && a->bytes[0] == 0xfe && (a->bytes[1] & 0xc0) == 0x80)
		return true;
	return streq(i->name, "lo") && ((a->family == AF_INET && a->bytes[0] == 127) ||
					(a->family == AF_INET6 && a->plen == 128 &&
					 a->bytes[15] == 1 && !memcmp(a->bytes, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15)));
}

static const char *node_run_name(enum lab_node_run run)
{
	return run == LAB_NODE_RUNNING ? "running" : run == LAB_NODE_DEAD ? "dead" : "stale";
}

static void json_ifaces(struct json *j, const struct lab_status_node *n)
{
	char buf[TOPO_ADDRSTRLEN];

	json_array_begin(j, "interfaces");
	for (size_t k = 0; k < n->n_ifs; k++) {
		const struct lab_ifinfo *f = &n->ifs[k];
		json_object_begin(j, NULL);
		json_string(j, "name", f->name);
		json_int(j, "ifindex", f->ifindex);
		json_bool(j, "up", f->flags & IFF_UP);
		json_bool(j, "carrier", f->flags & IFF_LOWER_UP);
		json_uint(j, "mtu", f->mtu);
		json_string(j, "mac", topo_mac_str(f->mac, buf, sizeof(buf)));
		json_array_begin(j, "addresses");
		for (size_t a = 0; a < f->n_addrs; a++)
			json_string(j, NULL, topo_addr_str(&f->addrs[a], true, buf, sizeof(buf)));
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
}

/* detail: the status was read with LAB_STATUS_IFACES | LAB_STATUS_RESOURCES. */
static void json_lab(struct json *j, const struct lab_status *s, bool detail)
{
	json_object_begin(j, NULL);
	json_string(j, "name", s->name);
	json_string(j, "state", liveness_name(s->live));
	if (s->state_error < 0) {
		json_object_end(j);
		return;
	}
	json_string(j, "file", s->file);
	json_int(j, "init_pid", s->init_pid);
	json_uint(j, "created", s->created);
	json_array_begin(j, "nodes");
	for (size_t i = 0; i < s->n_nodes; i++) {
		const struct lab_status_node *n = &s->nodes[i];
		json_object_begin(j, NULL);
		json_string(j, "name", n->name);
		json_int(j, "pid", n->pid);
		json_string(j, "state", node_run_name(n->run));
		/* Its root of its own (issue 13): image=REF or rootfs=DIR|host-cow, else null. */
		bool image = n->root_kind && streq(n->root_kind, "image");
		json_string(j, "image", image ? n->root : NULL);
		json_string(j, "rootfs", n->root_kind && !image ? n->root : NULL);
		if (detail && n->run == LAB_NODE_RUNNING)
			json_ifaces(j, n);
		if (n->has_res) /* issue 14 */
			cli_json_resources(j, "resources", &n->res);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void table_labs(const struct lab_status *v, size_t n)
{
	header("%-20s %-9s %6s  %s", "LAB", "STATE", "NODES", "CREATED");
	for (size_t k = 0; k < n; k++) {
		char when[32] = "-";

		if (v[k].state_error >= 0) {
			time_t c = (time_t)v[k].created;
			struct tm tm;
			if (localtime_r(&c, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		}
		const char *state = liveness_name(v[k].live);
		printf("%-20s ", v[k].name);
		cell(state, 9, state_sgr(state));
		printf(" %6zu  %s\n", v[k].n_nodes, when);
	}
}

/* One node's lines of the table: its interfaces, lo only when it has an address worth
 * showing. */
static void table_node(const struct lab_status_node *n)
{
	char buf[TOPO_ADDRSTRLEN];
	bool first = true;

	if (n->run != LAB_NODE_RUNNING) {
		/* Same columns as a live node's; --json says "dead". */
		printf("%-16s %8d  %-15s ", n->name, (int)n->pid, "-");
		cell("(not running)", 5, state_sgr("dead"));
		printf("\n");
		return;
	}
	for (size_t k = 0; k < n->n_ifs; k++) {
		const struct lab_ifinfo *f = &n->ifs[k];
		bool any = false;
		for (size_t a = 0; a < f->n_addrs; a++)
			any |= !boring_addr(f, &f->addrs[a]);
		if (streq(f->name, "lo") && !any)
			continue;
		if (first)
			printf("%-16s %8d  ", n->name, (int)n->pid);
		else
			printf("%-16s %8s  ", "", "");
		first = false;
		const char *ifstate = !(f->flags & IFF_UP)         ? "down"
				      : (f->flags & IFF_LOWER_UP) ? "up"
								  : "nocar";
		printf("%-15s ", f->name);
		cell(ifstate, 5, state_sgr(ifstate));
		for (size_t a = 0; a < f->n_addrs; a++)
			if (!boring_addr(f, &f->addrs[a]))
				printf(" %s", topo_addr_str(&f->addrs[a], true, buf, sizeof(buf)));
		printf("\n");
	}
	if (first)
		printf("%-16s %8d\n", n->name, (int)n->pid);
	if (n->root_kind) /* a root of its own (issue 13), under the node's rows */
		printf("%-16s %8s  %s %s\n", "", "", n->root_kind, n->root);
}

static int table_lab(const struct lab_status *s)
{
	if (s->state_error < 0) {
		if (s->state_error == -ENOENT)
			log_error("no lab '%s'", s->name);
		else
			log_error_errno(s->state_error, "Cannot read the state of lab '%s': %m",
					s->name);
		return EXIT_FAIL;
	}
	printf("lab %s: ", s->name);
	cell(liveness_name(s->live), 0, state_sgr(liveness_name(s->live)));
	printf(", %zu nodes, init pid %d, file %s\n", s->n_nodes, (int)s->init_pid,
	       s->file ? s->file : "-");
	if (s->live != LAB_RUNNING)
		return EXIT_OK;
	header("%-16s %8s  %-15s %-5s %s", "NODE", "PID", "IFACE", "STATE", "ADDRESSES");
	for (size_t i = 0; i < s->n_nodes; i++)
		table_node(&s->nodes[i]);
	return EXIT_OK;
}

static void print_json(const struct lab_status *v, size_t n, bool detail)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_int(&j, "version", 1);
	json_array_begin(&j, "labs");
	for (size_t k = 0; k < n; k++)
		json_lab(&j, &v[k], detail);
	json_array_end(&j);
	if (!detail)
		(void)cli_status_others(&j, false); /* status-others.c */
	json_object_end(&j);
	json_finish(&j);
}

/* Prints the status of lab (NULL: of every lab). */
static int show(const char *lab, bool json)
{
	struct lab_status *v = NULL;
	size_t n = 0;
	int r, ret = EXIT_OK;

	/* One lab: in detail (the table shows no resources); every lab: one line each. */
	if (lab) {
		r = lab_status(lab, LAB_STATUS_IFACES | LAB_STATUS_ROOTS |
					    (json ? LAB_STATUS_RESOURCES : 0), &v);
		n = 1;
	} else /* the table of every lab shows no nodes */
		r = lab_status_all(json ? LAB_STATUS_ROOTS : 0, &v, &n);
	if (r == -ENOENT && lab) {
		log_error("no lab '%s'", lab);
		return EXIT_FAIL;
	}
	if (r < 0) {
		log_error_errno(r, "Cannot list labs: %m");
		return EXIT_FAIL;
	}
	if (json)
		print_json(v, n, lab != NULL);
	else if (lab)
		ret = table_lab(&v[0]);
	else {
		if (n > 0)
			table_labs(v, n);
		if (!cli_status_others(NULL, n > 0) && n == 0)
			printf("no labs\n");
	}
	lab_status_free(v, n);
	return ret;
}

int verb_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL;
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			lab = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		default:
			return cli_usage_error(USAGE, "bad option");
		}
	}
	if (optind < argc) {
		if (lab || optind + 1 < argc)
			return cli_usage_error(USAGE, "too many arguments");
		lab = argv[optind];
	}
	/* Verbs choose a lab by -l, then NETLAB_LAB (netlab(1)); without either, status lists
	 * every lab. */
	if (!lab && getenv("NETLAB_LAB") && getenv("NETLAB_LAB")[0])
		lab = getenv("NETLAB_LAB");
	if (lab && !topo_name_valid(lab))
		return cli_usage_error(USAGE, "'%s' is not a valid lab name", ESCAPED(lab));
	/* Reading another namespace's interfaces needs setns(). */
	if (!cli_check_root("status"))
		return EXIT_FAIL;

	color = log_use_color(STDOUT_FILENO);
	return show(lab, json);
}
