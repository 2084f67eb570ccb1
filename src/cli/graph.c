/* SPDX-License-Identifier: MIT */
/*
 * `graph`: a picture of a topology — a file, or a running lab's own copy of its file — as
 * Graphviz DOT, or as SVG rendered by Graphviz's `dot` when it is installed. Routers are blue
 * rounded boxes, hosts green ellipses, switches yellow boxes; every link carries its interface
 * names and addresses at each end.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab graph [FILE|LAB] [-l LAB] [--format dot|svg] [-o OUTPUT]"

/* Names are [A-Za-z0-9_-] and addresses [0-9a-f:./]: nothing in a label needs escaping but
 * the "\n" we put there ourselves. */
static void node_label(FILE *f, const struct topo *t, size_t i)
{
	const struct topo_node *n = &t->nodes[i];
	char buf[TOPO_ADDRSTRLEN];

	fprintf(f, "%s", n->name);
	if (n->flags & TOPO_NODE_ROUTER)
		fprintf(f, "\\nrouter");
	/* A path or reference may hold anything: quotes and backslashes escaped for DOT. */
	if (n->image || n->rootfs) {
		fprintf(f, "\\n%s ", n->image ? "image" : "rootfs");
		for (const char *c = n->image ? n->image : n->rootfs; *c; c++)
			fprintf(f, "%s%c", *c == '"' || *c == '\\' ? "\\" : "", *c);
	}
	if (n->has_lo4)
		fprintf(f, "\\nlo %s", topo_addr_str(&n->lo4, true, buf, sizeof(buf)));
	if (n->has_lo6)
		fprintf(f, "\\nlo %s", topo_addr_str(&n->lo6, true, buf, sizeof(buf)));
}

static void end_id(FILE *f, const struct topo *t, size_t iface)
{
	const struct topo_iface *e = &t->ifaces[iface];
	if (e->on_switch)
		fprintf(f, "\"s_%s\"", t->switches[e->owner].name);
	else
		fprintf(f, "\"n_%s\"", t->nodes[e->owner].name);
}

static void end_label(FILE *f, const struct topo *t, size_t iface)
{
	const struct topo_iface *e = &t->ifaces[iface];
	char buf[TOPO_ADDRSTRLEN];

	fprintf(f, "%s", e->name);
	for (size_t a = 0; a < e->n_addrs; a++)
		fprintf(f, "\\n%s", topo_addr_str(&e->addrs[a], true, buf, sizeof(buf)));
}

/* Every link end is a small text node of its own (interface name and addresses) between its
 * owner and the other end: laid out by neato with overlap=false, labels never sit on each
 * other, which head/tail labels of edges do as soon as a node has three links. */
static void write_dot(FILE *f, const struct topo *t)
{
	fprintf(f, "graph \"%s\" {\n", t->lab);
	fprintf(f, "\tgraph [layout=neato, overlap=false, splines=true, sep=\"+8\", "
		   "label=\"lab %s\", labelloc=t, fontname=\"Helvetica\", fontsize=14, pad=0.3];\n",
		t->lab);
	fprintf(f, "\tnode [fontname=\"Helvetica\", fontsize=11, style=filled, penwidth=1.2];\n");
	fprintf(f, "\tedge [color=\"#555555\"];\n");
	for (size_t i = 0; i < t->n_nodes; i++) {
		bool router = t->nodes[i].flags & TOPO_NODE_ROUTER;
		fprintf(f, "\t\"n_%s\" [label=\"", t->nodes[i].name);
		node_label(f, t, i);
		fprintf(f, "\", %s];\n",
			router ? "shape=box, style=\"rounded,filled\", fillcolor=\"#cfe2f3\", "
				 "color=\"#3d6fa5\", class=router"
			       : "shape=ellipse, fillcolor=\"#d9ead3\", color=\"#4f8a3c\", "
				 "class=host");
	}
	for (size_t i = 0; i < t->n_switches; i++)
		fprintf(f,
			"\t\"s_%s\" [label=\"%s\\nswitch%s\", shape=box, fillcolor=\"#fff2cc\", "
			"color=\"#b58b00\", class=switch];\n",
			t->switches[i].name, t->switches[i].name, t->switches[i].stp ? " (stp)" : "");
	for (size_t i = 0; i < t->n_links; i++) {
		const struct topo_link *l = &t->links[i];
		for (int e = 0; e < 2; e++) {
			fprintf(f, "\t\"i_%zu_%d\" [label=\"", i, e);
			end_label(f, t, l->end[e]);
			fprintf(f, "\", shape=plaintext, style=\"\", fontsize=9, fontcolor=\"#1f3a60\", "
				   "width=0, height=0, margin=0.02, class=iface];\n");
		}
		fprintf(f, "\t");
		end_id(f, t, l->end[0]);
		fprintf(f, " -- \"i_%zu_0\" [len=0.6];\n", i);
		fprintf(f, "\t\"i_%zu_0\" -- \"i_%zu_1\" [len=0.8, class=link", i, i);
		if (l->mtu)
			fprintf(f, ", label=\"mtu %u\", fontsize=8", l->mtu);
		fprintf(f, "];\n");
		fprintf(f, "\t\"i_%zu_1\" -- ", i);
		end_id(f, t, l->end[1]);
		fprintf(f, " [len=0.6];\n");
	}
	fprintf(f, "}\n");
}

/* Renders the DOT in `in` (rewound) with `dot -Tsvg` into out_fd. */
static int render_svg(FILE *in, int out_fd)
{
	int status;
	pid_t pid;

	fflush(in);
	rewind(in);
	pid = fork();
	if (pid < 0)
		return log_error_errno(negative_errno(), "Cannot fork: %m");
	if (pid == 0) {
		dup2(fileno(in), STDIN_FILENO);
		if (out_fd != STDOUT_FILENO)
			dup2(out_fd, STDOUT_FILENO);
		execlp("dot", "dot", "-Tsvg", (char *)NULL);
		if (errno == ENOENT)
			log_error("Graphviz 'dot' is not installed (apt-get install graphviz); "
				  "'--format dot' needs nothing");
		else
			log_error_errno(-errno, "Cannot run 'dot': %m");
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return log_error_errno(negative_errno(), "waitpid: %m");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 127)
			log_error("'dot -Tsvg' failed");
		return -EIO;
	}
	return 0;
}

/* The topology to draw: a file, or a running lab's own copy of its file. An exit status. */
static int graph_load(const char *arg, const char *lab, struct topo **ret)
{
	_cleanup_free_ char *chosen = NULL;
	struct topo *t = NULL;
	int r;

	if (arg && cli_is_file_arg(arg))
		return cli_load_topology(arg, ret);
	/* A running lab: its own copy of the file, so the picture is the plan it runs. */
	r = cli_select_lab(arg ? arg : lab, &chosen);
	if (r != EXIT_OK)
		return r;
	r = lab_load_topology(chosen, &t);
	if (r < 0) {
		if (r == -ENOENT)
			log_error("no lab '%s' (a topology file needs a '/' or '.conf' in its name)",
				  chosen);
		return EXIT_FAIL;
	}
	/* The copy's `lab` line (or its file name) is not the lab's name with up -l. */
	free(t->lab);
	t->lab = TAKE_PTR(chosen);
	*ret = t;
	return EXIT_OK;
}

/* DOT, or SVG through Graphviz, to out_fd (closed here unless it is stdout). An exit status. */
static int graph_write(const struct topo *t, const char *format, int out_fd)
{
	int ret = EXIT_OK;

	if (streq(format, "dot")) {
		FILE *f = out_fd == STDOUT_FILENO ? stdout : fdopen(out_fd, "w");
		if (!f) {
			ret = EXIT_FAIL;
		} else {
			write_dot(f, t);
			if (fflush(f) != 0 || ferror(f)) {
				log_error_errno(-EIO, "Cannot write the graph: %m");
				ret = EXIT_FAIL;
			}
			if (f != stdout) {
				fclose(f);
				out_fd = STDOUT_FILENO;
			}
		}
	} else {
		FILE *tmp = tmpfile();
		if (!tmp) {
			log_error_errno(negative_errno(), "Cannot create a temporary file: %m");
			ret = EXIT_FAIL;
		} else {
			write_dot(tmp, t);
			fflush(stdout);
			if (render_svg(tmp, out_fd) < 0)
				ret = EXIT_FAIL;
			fclose(tmp);
		}
	}
	if (out_fd != STDOUT_FILENO)
		close(out_fd);
	return ret;
}

int verb_graph(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "format", required_argument, NULL, 'f' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *arg = NULL, *format = "dot", *output = NULL;
	struct topo *t = NULL;
	int c, r, out_fd = STDOUT_FILENO;

	while ((c = getopt_long(argc, argv, "l:f:o:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			output = optarg;
			break;
		default:
			r = cli_common_option(c, USAGE, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (!streq(format, "dot") && !streq(format, "svg"))
		return cli_usage_error(USAGE, "unknown format '%s' (dot or svg)", format);
	if (optind < argc)
		arg = argv[optind++];
	if (optind < argc || (arg && lab))
		return cli_usage_error(USAGE, "too many arguments");

	r = graph_load(arg, lab, &t);
	if (r != EXIT_OK)
		return r;
	if (output && !streq(output, "-")) {
		out_fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (out_fd < 0) {
			log_error_errno(negative_errno(), "Cannot write '%s': %m", output);
			topo_free(t);
			return EXIT_FAIL;
		}
	}
	r = graph_write(t, format, out_fd);
	topo_free(t);
	return r;
}
