/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
} verbs[] = {
	/* One verb per line; each is implemented in src/cli/VERB.c. */
	{ "up", verb_up },
	{ "down", verb_down },
	{ "exec", verb_exec },
	{ "status", verb_status },
	{ "check", verb_check },
	{ "clean", verb_clean },
	{ "graph", verb_graph },
	{ "capture", verb_capture },
	{ "complete", verb_complete }, /* hidden: for shell completion */
	{ "run", verb_run },
	{ "wait", verb_wait },
	{ "converge", verb_converge },
	{ "start", verb_start }, /* daemon.c */
	{ "stop", verb_stop },   /* daemon.c */
	{ "logs", verb_logs },   /* daemon.c */
	{ "link", verb_link },
	{ "node", verb_node },
	{ "doctor", verb_doctor },
};

void cli_list_verbs(FILE *f)
{
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (!streq(verbs[v].name, "complete"))
			fprintf(f, "%s\n", verbs[v].name);
}

static void help(FILE *f)
{
	fputs("usage: netlab [-v|-q] VERB [ARGS...]\n"
	      "\n"
	      "Network-namespace labs: a text file becomes a running network of nodes.\n"
	      "\n"
	      "  up FILE [-l LAB] [--timing]      bring a lab up; exit 0 only when all is configured\n"
	      "  down [LAB|FILE] [--all]          tear a lab down (every lab with --all)\n"
	      "  exec [-l LAB] NODE [CMD...]      run CMD (default: $SHELL) in NODE\n"
	      "  status [LAB] [--json]            labs, nodes, pids, interfaces, addresses\n"
	      "  check FILE [--json]              validate (no root needed) and print the plan\n"
	      "  clean                            remove what dead labs left in /run/netlab\n"
	      "  graph [FILE|LAB] [--format dot|svg] [-o OUT]\n"
	      "                                   a picture of the topology (Graphviz DOT or SVG)\n"
	      "  capture [-l LAB] NODE:IF [-w FILE|-] [-c COUNT] [FILTER]\n"
	      "                                   pcap of one interface (- : stdout, for wireshark)\n"
	      "  run FILE [-l LAB] [--keep] [--artifacts DIR] -- CMD...\n"
	      "                                   up, run CMD on the host, down whatever happens\n"
	      "  wait [-l LAB] NODE [not] COND [--timeout T] [--stable T] [--json]\n"
	      "                                   until COND holds in NODE (default 30s): addr ADDR,\n"
	      "                                   route PREFIX, tcp PORT, reach NODE|ADDR, cmd -- CMD,\n"
	      "                                   json --match JSON -- CMD\n"
	      "  converge [-l LAB] [--quiet T] [--since-fault] [--json]\n"
	      "                                   until no routing table changed for T (2s)\n"
	      "  start [-l LAB] NODE [--name NAME] CMD...   start a daemon in NODE\n"
	      "  stop [-l LAB] NODE NAME          stop it (SIGTERM, SIGKILL after --timeout, 5s)\n"
	      "  logs [-l LAB] NODE [NAME]        its output\n"
	      "  link [-l LAB] NODE:IF up|down|set KEY=VAL...|reset|show [--json]\n"
	      "                                   runtime faults and impairment of a link\n"
	      "  node [-l LAB] NODE stop|start    freeze a node and take its links down, or resume\n"
	      "  doctor [--json]                  which kernel features this machine has\n"
	      "\n"
	      "A lab is chosen by -l, then $NETLAB_LAB, then the only lab that is up.\n"
	      "Options: -v/--verbose, -q/--quiet, -h/--help, --version.\n"
	      "\n"
	      "Exit status: 0 success; 1 failure (kernel, permissions, no such lab or node);\n"
	      "2 bad usage or a topology file that does not validate (file:line:col: message).\n"
	      "exec returns the command's status: 126 cannot execute, 127 not found,\n"
	      "128+N killed by signal N, 125 netlab could not run it (no such lab or node).\n"
	      "\n"
	      "See netlab(1) and netlab.conf(5).\n",
	      f);
}

int main(int argc, char **argv)
{
	int i = 1;

	/* A closed stdout (`netlab up x | head -1`) must not kill us between the commit and our
	 * last line: that would report failure for a lab that is up. Commands we start get the
	 * default back (ns_run resets every signal). */
	signal(SIGPIPE, SIG_IGN);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (streq(a, "-h") || streq(a, "--help")) {
			help(stdout);
			return EXIT_OK;
		} else if (streq(a, "--version")) {
			printf("netlab %s\n", NETLAB_VERSION);
			return EXIT_OK;
		} else if (streq(a, "-v") || streq(a, "--verbose"))
			log_set_level(LOG_LEVEL_DEBUG);
		else if (streq(a, "-q") || streq(a, "--quiet"))
			log_set_level(LOG_LEVEL_ERROR);
		else {
			fprintf(stderr, "netlab: unknown option '%s'\n", a);
			help(stderr);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		help(stderr);
		return EXIT_USAGE;
	}
	if (streq(argv[i], "help")) {
		help(stdout);
		return EXIT_OK;
	}
	for (size_t v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (streq(argv[i], verbs[v].name)) {
			/* Each verb parses its own options with getopt from argv[0] = verb. */
			optind = 0;
			return verbs[v].run(argc - i, argv + i);
		}
	fprintf(stderr, "netlab: unknown verb '%s' (see 'netlab --help')\n", argv[i]);
	return EXIT_USAGE;
}
