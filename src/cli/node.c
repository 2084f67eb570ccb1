/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE                                                                                      \
	"netlab node [-l LAB] NODE stop|start\n"                                                   \
	"       netlab node [-l LAB] NODE set [cpu=N] [memory=SIZE] [pids=N]\n"                          \
	"       netlab node [-l LAB] NODE show [--json]"

const char *const cli_node_ops[] = {"stop", "start", "set", "show", NULL};

void cli_json_resources(struct json *j, const char *key, const struct lab_node_resources *r)
{
	static const struct {
		unsigned bit;
		const char *name;
	} usage[] = {
		{LAB_RES_CPU_USAGE, "cpu_ns"},	   {LAB_RES_MEM_CURRENT, "memory_current"},
		{LAB_RES_MEM_PEAK, "memory_peak"}, {LAB_RES_TASKS, "tasks"},
		{LAB_RES_OOM_KILLS, "oom_kills"},  {LAB_RES_PIDS_DENIED, "forks_refused"},
	};
	const uint64_t values[] = {r->cpu_usage_ns, r->mem_current, r->mem_peak,
				   r->tasks,	    r->oom_kills,   r->pids_denied};
	char buf[32];

	json_object_begin(j, key);
	json_string(j, "cgroup", r->has_cgroup ? r->layout : NULL);
	if (r->has_cgroup) {
		json_object_begin(j, "limits");
		for (int k = 0; k < TOPO_LIMIT_CGROUP_KEYS; k++)
			json_string(j, topo_limit_keys[k].json,
				    r->limit[k]
					    ? topo_limit_format(k, r->limit[k], buf, sizeof(buf))
					    : NULL);
		json_object_end(j);
		json_object_begin(j, "usage");
		for (size_t i = 0; i < ELEMENTSOF(usage); i++)
			if (r->has & usage[i].bit)
				json_uint(j, usage[i].name, values[i]);
		json_object_end(j);
	}
	json_string(j, "uptime",
		    r->has_uptime ? topo_limit_format(TOPO_LIMIT_UPTIME, (uint64_t)r->uptime_s, buf,
						      sizeof(buf))
				  : NULL);
	json_object_end(j);
}

static const char *bytes(uint64_t v, char *buf, size_t size)
{
	static const char units[] = "KMGT";
	double d = (double)v;
	int u = -1;

	while (d >= 1024 && u < 3) {
		d /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%" PRIu64, v);
	else
		snprintf(buf, size, "%.1f%c", d, units[u]);
	return buf;
}

/* A limit as the file writes it; "-" when this machine lacks its controller. */
static const char *limit(const struct lab_node_resources *r, enum topo_limit_key k, char *buf,
			 size_t size)
{
	return r->limit[k] ? topo_limit_format(k, r->limit[k], buf, size) : "-";
}

static void print_resources(const char *node, const struct lab_node_resources *r)
{
	char a[32], b[32], c[32];

	printf("node %s: %s\n", node,
	       !r->has_cgroup		? "no cgroup (the lab has no resource limits)"
	       : streq(r->layout, "v1") ? "cgroup v1"
					: "cgroup v2");
	if (r->has_cgroup) {
		printf("  cpu     limit %-8s used %.3f s\n", limit(r, TOPO_LIMIT_CPU, a, sizeof(a)),
		       (double)r->cpu_usage_ns / 1e9);
		printf("  memory  limit %-8s current %s, peak %s, OOM kills %" PRIu64 "\n",
		       limit(r, TOPO_LIMIT_MEMORY, a, sizeof(a)),
		       r->has & LAB_RES_MEM_CURRENT ? bytes(r->mem_current, b, sizeof(b)) : "-",
		       r->has & LAB_RES_MEM_PEAK ? bytes(r->mem_peak, c, sizeof(c)) : "-",
		       r->oom_kills);
		printf("  pids    limit %-8s tasks %" PRIu64 ", forks refused %" PRIu64 "\n",
		       limit(r, TOPO_LIMIT_PIDS, a, sizeof(a)), r->tasks, r->pids_denied);
	}
	printf("  uptime  %s\n",
	       r->has_uptime
		       ? topo_limit_format(TOPO_LIMIT_UPTIME, (uint64_t)r->uptime_s, a, sizeof(a))
		       : "the host's");
}

static int node_show(const char *lab, const char *node, bool as_json)
{
	struct lab_node_resources r;

	if (lab_node_resources(lab, node, &r) < 0)
		return EXIT_FAIL;
	if (as_json) {
		struct json j;

		cli_json_begin(&j); /* docs/schema/node.schema.json */
		json_string(&j, "lab", lab);
		json_string(&j, "node", node);
		cli_json_resources(&j, "resources", &r);
		cli_json_end(&j);
	} else
		print_resources(node, &r);
	return EXIT_OK;
}

int verb_node(int argc, char **argv)
{
	static const struct option opts[] = {
		{"lab", required_argument, NULL, 'l'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *lab = NULL, *op;
	_cleanup_free_ char *chosen = NULL;
	bool as_json = false;
	int c, n, r;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		default:
			r = cli_common_option(c, USAGE, &lab, &as_json);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	n = argc - optind;
	if (n < 2)
		return cli_usage_error(USAGE, "expected NODE and stop, start, set or show");
	op = argv[optind + 1];
	if (cli_word_index(cli_node_ops, op) < 0)
		return cli_usage_error(USAGE, "unknown operation '%s'", op);
	if (streq(op, "set") && n < 3)
		return cli_usage_error(USAGE, "expected KEY=VALUE after set");
	if (!streq(op, "set") && n != 2)
		return cli_usage_error(USAGE, "unexpected '%s'", argv[optind + 2]);
	if (as_json && !streq(op, "show"))
		return cli_usage_error(USAGE, "--json goes with show");
	if (!cli_check_root("node"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	if (streq(op, "show"))
		return node_show(chosen, argv[optind], as_json);
	if (streq(op, "set"))
		return lab_node_set(chosen, argv[optind], &argv[optind + 2], (size_t)(n - 2)) < 0
			       ? EXIT_FAIL
			       : EXIT_OK;
	return lab_node_stopstart(chosen, argv[optind], streq(op, "stop")) < 0 ? EXIT_FAIL
									       : EXIT_OK;
}
