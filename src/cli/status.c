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

static void json_lab(struct json *j, const char *name, bool detail)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	enum lab_liveness live = lab_liveness(name);
	char buf[TOPO_ADDRSTRLEN];

	json_object_begin(j, NULL);
	json_string(j, "name", name);
	json_string(j, "state", liveness_name(live));
	if (lab_state_load(name, &st) < 0) {
		json_object_end(j);
		return;
	}
	json_string(j, "file", st->file);
	json_int(j, "init_pid", st->init_pid);
	json_uint(j, "created", st->created);
	json_array_begin(j, "nodes");
	for (size_t i = 0; i < st->n_nodes; i++) {
		struct lab_ifinfo *ifs = NULL;
		size_t n = 0;

		json_object_begin(j, NULL);
		json_string(j, "name", st->nodes[i].name);
		json_int(j, "pid", st->nodes[i].pid);
		bool ok = live == LAB_RUNNING && detail && lab_node_interfaces(st, i, &ifs, &n) >= 0;
		json_string(j, "state", live != LAB_RUNNING ? "stale" : ok || !detail ? "running" : "dead");
		if (ok) {
			json_array_begin(j, "interfaces");
			for (size_t k = 0; k < n; k++) {
				json_object_begin(j, NULL);
				json_string(j, "name", ifs[k].name);
				json_int(j, "ifindex", ifs[k].ifindex);
				json_bool(j, "up", ifs[k].flags & IFF_UP);
				json_bool(j, "carrier", ifs[k].flags & IFF_LOWER_UP);
				json_uint(j, "mtu", ifs[k].mtu);
				json_string(j, "mac", topo_mac_str(ifs[k].mac, buf, sizeof(buf)));
				json_array_begin(j, "addresses");
				for (size_t a = 0; a < ifs[k].n_addrs; a++)
					json_string(j, NULL, topo_addr_str(&ifs[k].addrs[a], true, buf,
									   sizeof(buf)));
				json_array_end(j);
				json_object_end(j);
			}
			json_array_end(j);
		}
		free(ifs);
		struct lab_node_resources res;
		if (ok && lab_node_resources_st(st, i, &res) >= 0) /* issue 14 */
			cli_json_resources(j, "resources", &res);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

static void table_labs(char **names)
{
	header("%-20s %-9s %6s  %s", "LAB", "STATE", "NODES", "CREATED");
	for (char **n = names; *n; n++) {
		_cleanup_(lab_state_freep) struct lab_state *st = NULL;
		char when[32] = "-";
		size_t nodes = 0;

		if (lab_state_load(*n, &st) >= 0) {
			time_t c = (time_t)st->created;
			struct tm tm;
			nodes = st->n_nodes;
			if (localtime_r(&c, &tm))
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		}
		const char *state = liveness_name(lab_liveness(*n));
		printf("%-20s ", *n);
		cell(state, 9, state_sgr(state));
		printf(" %6zu  %s\n", nodes, when);
	}
}

static int table_lab(const char *name)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	enum lab_liveness live = lab_liveness(name);
	char buf[TOPO_ADDRSTRLEN];
	int r;

	r = lab_state_load(name, &st);
	if (r < 0) {
		if (r == -ENOENT)
			log_error("no lab '%s'", name);
		else
			log_error_errno(r, "Cannot read the state of lab '%s': %m", name);
		return EXIT_FAIL;
	}
	printf("lab %s: ", name);
	cell(liveness_name(live), 0, state_sgr(liveness_name(live)));
	printf(", %zu nodes, init pid %d, file %s\n", st->n_nodes, (int)st->init_pid,
	       st->file ? st->file : "-");
	if (live != LAB_RUNNING)
		return EXIT_OK;
	header("%-16s %8s  %-15s %-5s %s", "NODE", "PID", "IFACE", "STATE", "ADDRESSES");
	for (size_t i = 0; i < st->n_nodes; i++) {
		struct lab_ifinfo *ifs = NULL;
		size_t n = 0;
		bool first = true;

		if (lab_node_interfaces(st, i, &ifs, &n) < 0) {
			/* Same columns as a live node's; --json says "dead". */
			printf("%-16s %8d  %-15s ", st->nodes[i].name, (int)st->nodes[i].pid, "-");
			cell("(not running)", 5, state_sgr("dead"));
			printf("\n");
			continue;
		}
		for (size_t k = 0; k < n; k++) {
			bool any = false;
			for (size_t a = 0; a < ifs[k].n_addrs; a++)
				any |= !boring_addr(&ifs[k], &ifs[k].addrs[a]);
			if (streq(ifs[k].name, "lo") && !any)
				continue;
			if (first)
				printf("%-16s %8d  ", st->nodes[i].name, (int)st->nodes[i].pid);
			else
				printf("%-16s %8s  ", "", "");
			first = false;
			const char *ifstate = !(ifs[k].flags & IFF_UP)         ? "down"
					      : (ifs[k].flags & IFF_LOWER_UP) ? "up"
									      : "nocar";
			printf("%-15s ", ifs[k].name);
			cell(ifstate, 5, state_sgr(ifstate));
			for (size_t a = 0; a < ifs[k].n_addrs; a++)
				if (!boring_addr(&ifs[k], &ifs[k].addrs[a]))
					printf(" %s", topo_addr_str(&ifs[k].addrs[a], true, buf,
								    sizeof(buf)));
			printf("\n");
		}
		if (first)
			printf("%-16s %8d\n", st->nodes[i].name, (int)st->nodes[i].pid);
		free(ifs);
	}
	return EXIT_OK;
}

static bool lab_exists(const char *name)
{
	char **names = NULL;
	bool found = false;

	if (lab_list(&names) < 0)
		return false;
	for (char **n = names; *n; n++)
		found |= streq(*n, name);
	lab_list_free(names);
	return found;
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
	char **names = NULL;
	int c, r;

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
		return cli_usage_error(USAGE, "'%s' is not a valid lab name", lab);
	/* Reading another namespace's interfaces needs setns(). */
	if (!cli_check_root("status"))
		return EXIT_FAIL;

	color = log_use_color(STDOUT_FILENO);
	if (lab && !lab_exists(lab)) {
		log_error("no lab '%s'", lab);
		return EXIT_FAIL;
	}
	if (json) {
		struct json j;
		json_init(&j, stdout);
		json_object_begin(&j, NULL);
		json_int(&j, "version", 1);
		json_array_begin(&j, "labs");
		if (lab)
			json_lab(&j, lab, true);
		else {
			r = lab_list(&names);
			if (r < 0)
				return EXIT_FAIL;
			for (char **n = names; *n; n++)
				json_lab(&j, *n, false);
			lab_list_free(names);
		}
		json_array_end(&j);
		if (!lab)
			(void)cli_status_others(&j, false); /* status-others.c */
		json_object_end(&j);
		json_finish(&j);
		return EXIT_OK;
	}
	if (lab)
		return table_lab(lab);
	r = lab_list(&names);
	if (r < 0) {
		log_error_errno(r, "Cannot list labs: %m");
		return EXIT_FAIL;
	}
	if (names[0])
		table_labs(names);
	if (!cli_status_others(NULL, names[0] != NULL) && !names[0])
		printf("no labs\n");
	lab_list_free(names);
	return EXIT_OK;
}
