/* SPDX-License-Identifier: MIT */
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "log.h"
#include "macro.h"

/* The verbs: how each is called and what it does, for `netlab --help` (which prints nothing
 * else about them) and `netlab complete verbs`. usage is what the verb's own -h prints after
 * "netlab "; docs/netlab.1.scd's SYNOPSIS says the same (tests/integration/test-help-man.py
 * checks that the three agree, and that each lists every option of the verb's getopt table). */
static const struct verb {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage; /* each form of the verb, '\n' between them */
	const char *summary;
	bool hidden; /* not in --help nor completion */
} verbs[] = {
	/* One verb per entry; each is implemented in src/cli/VERB.c. */
	{ "up", verb_up, "up FILE [-l LAB] [--timing] [--rootless]",
	  "bring a lab up; exit 0 only when all is configured" },
	{ "down", verb_down, "down [LAB|FILE] [-l LAB] [--all] [--wait]",
	  "tear a lab down (--all: every lab; --wait: until released)" },
	{ "exec", verb_exec, "exec [-l LAB] [-u USER[:GROUP]] NODE [CMD [ARG...]]", "run CMD (default: $SHELL) in NODE" },
	{ "status", verb_status, "status [LAB] [-l LAB] [--json]",
	  "labs, nodes, pids, interfaces, addresses" },
	{ "check", verb_check, "check FILE [--json]", "validate (no root needed) and print the plan" },
	{ "clean", verb_clean, "clean", "remove what dead labs left in /run/netlab" },
	{ "graph", verb_graph, "graph [FILE|LAB] [-l LAB] [--format dot|svg] [-o OUTPUT]",
	  "a picture of the topology (Graphviz DOT or SVG)" },
	{ "capture", verb_capture,
	  "capture [-l LAB] NODE:IF [-w FILE.pcap|-] [-c COUNT] [-s SNAPLEN] [FILTER...]",
	  "pcap of one interface (-w -: stdout, for wireshark)" },
	{ "complete", verb_complete, NULL, NULL, .hidden = true }, /* for shell completion */
	{ "run", verb_run,
	  "run FILE [-l LAB] [--keep] [--artifacts DIR] [--rootless] -- CMD [ARG...]",
	  "up, run CMD on the host, down whatever happens" },
	{ "wait", verb_wait,
	  "wait [-l LAB] [--timeout T] [--stable T] [--json] NODE [not] "
	  "addr ADDR|route PREFIX|tcp PORT|reach NODE|ADDR|cmd -- CMD...|"
	  "json --match JSON|--match-file FILE -- CMD...",
	  "until the condition holds in NODE (default 30 s)" },
	{ "converge", verb_converge, "converge [-l LAB] [--quiet T] [--timeout T] [--since-fault] [--json]",
	  "until no node's routing table changed for T (default 2 s)" },
	{ "start", verb_start,
	  "start [-l LAB] [-u USER[:GROUP]] NODE [--name NAME] [--] CMD [ARG...]",
	  "start a daemon in NODE" }, /* daemon.c */
	{ "stop", verb_stop, "stop [-l LAB] [--timeout T] NODE NAME",
	  "stop it (SIGTERM, SIGKILL after T, default 5 s)" }, /* daemon.c */
	{ "logs", verb_logs, "logs [-l LAB] NODE [NAME]", "its output" }, /* daemon.c */
	{ "link", verb_link,
	  "link [-l LAB] NODE:IF up|down [--only|--peer] | set KEY=VALUE... [--egress] | "
	  "reset [--egress] | show [--json]",
	  "runtime faults and impairment of a link" },
	{ "node", verb_node,
	  "node [-l LAB] NODE stop|start\nnode [-l LAB] NODE set [cpu=N] [memory=SIZE] [pids=N]\n"
	  "node [-l LAB] NODE show [--json]",
	  "freeze a node (links down) or resume; change or show its cpu=, memory=, pids=" },
	{ "doctor", verb_doctor, "doctor [--json]", "which kernel features this machine has" },
	{ "image", verb_image, "image import REF [NAME] | ls | rm NAME... | prune",
	  "the store of node images (image=REF)" },
};

/* The options before the verb, for the parser below and for --help. */
enum global_option { OPT_VERBOSE, OPT_QUIET, OPT_HELP, OPT_VERSION };
static const struct {
	const char *short_name, *long_name, *summary;
} global_options[] = {
	[OPT_VERBOSE] = { "-v", "--verbose", "also print debug messages" },
	[OPT_QUIET] = { "-q", "--quiet", "print errors only" },
	[OPT_HELP] = { "-h", "--help", "print this and exit (VERB -h: the verb's usage)" },
	[OPT_VERSION] = { NULL, "--version", "print the version and exit" },
};

const char *cli_verb_usage(const char *name)
{
	for (size_t v = 0; v < ELEMENTSOF(verbs); v++)
		if (!verbs[v].hidden && streq(verbs[v].name, name))
			return verbs[v].usage;
	return NULL;
}

void cli_list_verbs(FILE *f)
{
	for (size_t v = 0; v < ELEMENTSOF(verbs); v++)
		if (!verbs[v].hidden)
			fprintf(f, "%s\n", verbs[v].name);
}

#define HELP_COLUMN 36

static void help(FILE *f)
{
	fputs("usage: netlab [-v|-q] VERB [ARGS...]\n"
	      "\n"
	      "Network-namespace labs: a text file becomes a running network of nodes.\n"
	      "\n",
	      f);
	for (size_t v = 0; v < ELEMENTSOF(verbs); v++) {
		if (verbs[v].hidden)
			continue;
		/* One line per form of the verb (forms are separated by '\n' in usage); the
		 * summary beside the last if it is short, else on a line of its own. A verb
		 * added without usage and summary still shows (test-help-man says what it
		 * lacks). */
		const char *u = verbs[v].usage ?: verbs[v].name, *nl;
		while ((nl = strchr(u, '\n'))) {
			fprintf(f, "  %.*s\n", (int)(nl - u), u);
			u = nl + 1;
		}
		int n = fprintf(f, "  %s", u);
		if (!verbs[v].summary)
			fputc('\n', f);
		else if (n + 2 > HELP_COLUMN)
			fprintf(f, "\n%*s%s\n", HELP_COLUMN, "", verbs[v].summary);
		else
			fprintf(f, "%*s%s\n", HELP_COLUMN - n, "", verbs[v].summary);
	}
	fputs("\nOptions (before VERB):\n", f);
	for (size_t o = 0; o < ELEMENTSOF(global_options); o++) {
		int n = fprintf(f, "  %s%s%s", global_options[o].short_name ?: "",
				global_options[o].short_name ? ", " : "", global_options[o].long_name);
		fprintf(f, "%*s%s\n", HELP_COLUMN - n, "", global_options[o].summary);
	}
	fputs("\n"
	      "A lab is chosen by -l, then $NETLAB_LAB, then the only lab that is up.\n"
	      "\n"
	      "Exit status: 0 success; 1 failure (kernel, permissions, no such lab or node);\n"
	      "2 bad usage or a topology file that does not validate (file:line:col: message).\n"
	      "exec returns the command's status: 126 cannot execute, 127 not found,\n"
	      "128+N killed by signal N, 125 netlab could not run it (no such lab or node).\n"
	      "\n"
	      "See netlab(1) and netlab.conf(5).\n",
	      f);
}

/* Which global option a is (enum global_option), or -1. */
static int global_option(const char *a)
{
	for (size_t o = 0; o < ELEMENTSOF(global_options); o++)
		if ((global_options[o].short_name && streq(a, global_options[o].short_name)) ||
		    streq(a, global_options[o].long_name))
			return (int)o;
	return -1;
}

int main(int argc, char **argv)
{
	int i = 1;

	/* Started with stdin, stdout or stderr closed, the next file we open (a lab's lock...)
	 * would get that number and our messages: /dev/null takes the empty places first. */
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", fd ? O_WRONLY : O_RDONLY) < 0)
			return EXIT_FAIL;

	/* A closed stdout (`netlab up x | head -1`) must not kill us between the commit and our
	 * last line: that would report failure for a lab that is up. Commands we start get the
	 * default back (ns_run resets every signal). */
	signal(SIGPIPE, SIG_IGN);

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		switch (global_option(a)) {
		case OPT_VERBOSE:
			log_set_level(LOG_LEVEL_DEBUG);
			break;
		case OPT_QUIET:
			log_set_level(LOG_LEVEL_ERROR);
			break;
		case OPT_HELP:
			help(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf("netlab %s\n", NETLAB_VERSION);
			return EXIT_OK;
		default:
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
	for (size_t v = 0; v < ELEMENTSOF(verbs); v++)
		if (streq(argv[i], verbs[v].name)) {
			/* Each verb parses its own options with getopt from argv[0] = verb. */
			optind = 0;
			return verbs[v].run(argc - i, argv + i);
		}
	fprintf(stderr, "netlab: unknown verb '%s' (see 'netlab --help')\n", argv[i]);
	return EXIT_USAGE;
}
