/* SPDX-License-Identifier: MIT */
/* `check`: parse, validate and plan without root, and print the plan. */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "json.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab check FILE [--json]"

static const char *end_name(const struct topo *t, size_t i, char *buf, size_t size)
{
	const struct topo_iface *f = &t->ifaces[i];
	snprintf(buf, size, "%s:%s",
		 f->on_switch ? t->switches[f->owner].name : t->nodes[f->owner].name, f->name);
	return buf;
}

static void json_route(struct json *j, const struct topo *t, const struct topo_route *rt)
{
	char buf[TOPO_ADDRSTRLEN];

	json_object_begin(j, NULL);
	json_string(j, "dst", rt->dst.plen == 0 ? "default" : topo_addr_str(&rt->dst, true, buf, sizeof(buf)));
	json_string(j, "via", topo_addr_str(&rt->via, false, buf, sizeof(buf)));
	json_string(j, "dev", rt->iface != TOPO_NONE ? t->ifaces[rt->iface].name : NULL);
	json_uint(j, "metric", rt->metric);
	json_bool(j, "automatic", rt->automatic);
	json_object_end(j);
}

static void plan_json(const struct topo *t)
{
	char buf[TOPO_ADDRSTRLEN], a[96], b[96];
	struct json j;

	cli_json_begin(&j);
	json_string(&j, "lab", t->lab);
	json_string(&j, "file", t->file);
	json_array_begin(&j, "nodes");
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		json_object_begin(&j, NULL);
		json_string(&j, "name", n->name);
		json_bool(&j, "router", n->flags & TOPO_NODE_ROUTER);
		json_bool(&j, "pid", n->flags & TOPO_NODE_PID);
		json_bool(&j, "ipc", n->flags & TOPO_NODE_IPC);
		json_string(&j, "rootfs", n->rootfs); /* NULL: null, the host's tree */
		json_string(&j, "image", n->image);
		/* The node's own cmd= or else the defaults' (issue 13): false without an image. */
		json_bool(&j, "cmd_none", n->cmd_none);
		json_array_begin(&j, "loopback");
		if (n->has_lo4)
			json_string(&j, NULL, topo_addr_str(&n->lo4, true, buf, sizeof(buf)));
		if (n->has_lo6)
			json_string(&j, NULL, topo_addr_str(&n->lo6, true, buf, sizeof(buf)));
		json_array_end(&j);
		json_array_begin(&j, "interfaces");
		for (size_t k = 0; k < n->n_ifaces; k++) {
			const struct topo_iface *f = &t->ifaces[n->ifaces[k]];
			json_object_begin(&j, NULL);
			json_string(&j, "name", f->name);
			json_int(&j, "ifindex", f->ifindex);
			json_string(&j, "mac", topo_mac_str(f->mac, buf, sizeof(buf)));
			json_uint(&j, "mtu", f->mtu);
			json_string(&j, "peer", end_name(t, f->peer, a, sizeof(a)));
			json_bool(&j, "unaddressed", f->unaddressed);
			json_array_begin(&j, "addresses");
			for (size_t x = 0; x < f->n_addrs; x++)
				json_string(&j, NULL, topo_addr_str(&f->addrs[x], true, buf, sizeof(buf)));
			json_array_end(&j);
			json_object_end(&j);
		}
		json_array_end(&j);
		json_array_begin(&j, "routes");
		for (size_t r = 0; r < t->n_routes; r++)
			if (t->routes[r].node == i)
				json_route(&j, t, &t->routes[r]);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "switches");
	for (size_t i = 0; i < t->n_switches; i++) {
		const struct topo_switch *s = &t->switches[i];
		json_object_begin(&j, NULL);
		json_string(&j, "name", s->name);
		json_bool(&j, "stp", s->stp);
		json_string(&j, "mac", topo_mac_str(s->mac, buf, sizeof(buf)));
		json_array_begin(&j, "ports");
		for (size_t k = 0; k < t->n_ifaces; k++)
			if (t->ifaces[k].on_switch && t->ifaces[k].owner == i)
				json_string(&j, NULL, t->ifaces[k].name);
		json_array_end(&j);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "links");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		json_object_begin(&j, NULL);
		json_string(&j, "a", end_name(t, l->end[0], a, sizeof(a)));
		json_string(&j, "b", end_name(t, l->end[1], b, sizeof(b)));
		json_uint(&j, "mtu", l->mtu);
		json_uint(&j, "line", l->pos.line);
		json_object_end(&j);
	}
	json_array_end(&j);
	json_array_begin(&j, "commands");
	for (size_t i = 0; i < t->n_cmds; i++) {
		json_object_begin(&j, NULL);
		json_string(&j, "node", t->nodes[t->cmds[i].node].name);
		json_string(&j, "kind", t->cmds[i].daemon ? "start" : "exec");
		json_string(&j, "command", t->cmds[i].command);
		json_string(&j, "user", t->cmds[i].user); /* NULL: null, the image's User or root */
		json_object_end(&j);
	}
	json_array_end(&j);
	cli_json_end(&j);
}

/* The ends written `none`: their addresses are someone else's business (a daemon's). */
static void print_unaddressed(const struct topo *t)
{
	char a[96];
	size_t n = 0;

	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].unaddressed)
			printf("%s%s", n++ ? " " : "unaddressed (none): ",
			       end_name(t, i, a, sizeof(a)));
	if (n)
		printf("\n");
}

static void plan_text(const struct topo *t)
{
	char buf[TOPO_ADDRSTRLEN], a[96];
	size_t n_auto = 0;

	for (size_t r = 0; r < t->n_routes; r++)
		n_auto += t->routes[r].automatic;
	printf("lab %s: %zu node%s, %zu switch%s, %zu link%s, %zu route%s (%zu automatic)\n",
	       t->lab, t->n_nodes, t->n_nodes == 1 ? "" : "s", t->n_switches,
	       t->n_switches == 1 ? "" : "es", t->n_links, t->n_links == 1 ? "" : "s", t->n_routes,
	       t->n_routes == 1 ? "" : "s", n_auto);
	print_unaddressed(t);
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct topo_node *n = &t->nodes[i];
		printf("%s%s\n", n->name, n->flags & TOPO_NODE_ROUTER ? " (router)" : "");
		if (n->has_lo4 || n->has_lo6) {
			printf("  %-15s", "lo");
			if (n->has_lo4)
				printf(" %s", topo_addr_str(&n->lo4, true, buf, sizeof(buf)));
			if (n->has_lo6)
				printf(" %s", topo_addr_str(&n->lo6, true, buf, sizeof(buf)));
			printf("\n");
		}
		for (size_t k = 0; k < n->n_ifaces; k++) {
			const struct topo_iface *f = &t->ifaces[n->ifaces[k]];
			printf("  %-15s", f->name);
			for (size_t x = 0; x < f->n_addrs; x++)
				printf(" %s", topo_addr_str(&f->addrs[x], true, buf, sizeof(buf)));
			if (f->unaddressed)
				printf(" (unaddressed)");
			printf("  -> %s\n", end_name(t, f->peer, a, sizeof(a)));
		}
		for (size_t r = 0; r < t->n_routes; r++) {
			const struct topo_route *rt = &t->routes[r];
			if (rt->node != i)
				continue;
			printf("  route %s via %s",
			       rt->dst.plen == 0 ? "default" : topo_addr_str(&rt->dst, true, buf, sizeof(buf)),
			       topo_addr_str(&rt->via, false, a, sizeof(a)));
			if (rt->iface != TOPO_NONE)
				printf(" dev %s", t->ifaces[rt->iface].name);
			if (rt->metric)
				printf(" metric %u", rt->metric);
			printf("%s\n", rt->automatic ? " (static routing)" : "");
		}
	}
}

int verb_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct topo *t = NULL;
	bool json = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		r = cli_common_option(c, USAGE, NULL, &json);
		if (r != CLI_OPT_TAKEN)
			return r;
	}
	if (optind + 1 != argc)
		return cli_usage_error(USAGE, "expected one topology file");
	r = cli_load_topology(argv[optind], &t);
	if (r != EXIT_OK)
		return r;
	/* Mount points and owners are the host's: only root sees all of them as `up` will. What
	 * this user could not have in a rootless lab is an error of the file, for them. */
	if ((geteuid() == 0 && lab_mounts_check(t) < 0) ||
	    (lab_rootless_wanted(false) && lab_rootless_check(t) < 0)) {
		topo_free(t);
		return EXIT_USAGE;
	}
	if (json)
		plan_json(t);
	else
		plan_text(t);
	topo_free(t);
	return EXIT_OK;
}
