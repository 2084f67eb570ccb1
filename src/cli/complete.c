/* SPDX-License-Identifier: MIT */
/*
 * `netlab complete WHAT`: the words shell completion offers, one per line, asked from netlab
 * itself so that the scripts in completions/ hard-code nothing. Hidden from --help; never
 * prints a diagnostic (a completion must not scribble on the command line) and always exits 0.
 *
 *   verbs                      the verbs
 *   labs                       every lab under the run directory
 *   nodes [LAB]                the nodes of LAB, or of the lab in use (-l/NETLAB_LAB/the only one)
 *   endpoints [LAB]            NODE:IF of every interface of the lab in use (for capture, link)
 *   nodes-of FILE              the nodes of a topology file (for commands given a FILE)
 *   words VERB                 what VERB takes after its first argument: wait's conditions
 *                              (and `not`), link's and node's operations (the tables their
 *                              parsers use)
 *   words link-set             the KEY= words of `link NODE:IF set` (topo_impair_keys[])
 *   options VERB               VERB's options, from its usage (the -h text test-help-man checks
 *                              against its getopt table), one a line: the option alone when it
 *                              takes no value, else followed by what completes its value:
 *                              @labs, @files, the words it may be (--format dot svg), or - (none)
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

static void quiet_sink(enum log_level level, const char *msg, void *userdata)
{
}

static char *chosen_lab(int argc, char **argv, int i)
{
	char *name = NULL;

	/* `netlab exec -l x ...` — the script passes the -l value on as LAB. */
	if (lab_select(i < argc && argv[i][0] ? argv[i] : NULL, &name) < 0)
		return NULL;
	return name;
}

static void print_nodes(const char *lab)
{
	_cleanup_(lab_state_freep) struct lab_state *st = NULL;
	struct topo *t = NULL;

	if (lab_state_load(lab, &st) >= 0) {
		for (size_t i = 0; i < st->n_nodes; i++)
			printf("%s\n", st->nodes[i].name);
		return;
	}
	/* Not committed yet: its topology copy may be there already. */
	if (lab_load_topology(lab, &t) >= 0) {
		for (size_t i = 0; i < t->n_nodes; i++)
			printf("%s\n", t->nodes[i].name);
		topo_free(t);
	}
}

static void print_endpoints(const struct topo *t)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		for (size_t k = 0; k < t->nodes[i].n_ifaces; k++)
			printf("%s:%s\n", t->nodes[i].name, t->ifaces[t->nodes[i].ifaces[k]].name);
	for (size_t i = 0; i < t->n_ifaces; i++)
		if (t->ifaces[i].on_switch)
			printf("%s:%s\n", t->switches[t->ifaces[i].owner].name, t->ifaces[i].name);
}

static void print_words(const char *verb)
{
	static const struct {
		const char *verb;
		const char *const *words;
	} tables[] = {
		{ "wait", cli_wait_conditions },
		{ "link", cli_link_ops },
		{ "node", cli_node_ops },
	};

	if (streq(verb, "link-set"))
		for (size_t i = 0; i < topo_impair_n_keys; i++)
			printf("%s=\n", topo_impair_keys[i].name);
	for (size_t i = 0; i < ELEMENTSOF(tables); i++)
		if (streq(verb, tables[i].verb))
			for (const char *const *w = tables[i].words; *w; w++)
				printf("%s\n", *w);
	if (streq(verb, "wait"))
		printf("not\n"); /* wait NODE not CONDITION: its parser takes it before the table */
}

/* What completes an option's value, from its placeholder in the usage (len bytes at v). */
static void print_value_kind(const char *v, size_t len)
{
	if (len == 3 && strncmp(v, "LAB", 3) == 0)
		fputs(" @labs", stdout);
	else if ((len >= 4 && strncmp(v, "FILE", 4) == 0) || (len == 3 && strncmp(v, "DIR", 3) == 0) ||
		 (len == 6 && strncmp(v, "OUTPUT", 6) == 0))
		fputs(" @files", stdout);
	else if (islower((unsigned char)v[0])) { /* dot|svg: the words themselves */
		putchar(' ');
		for (size_t i = 0; i < len; i++)
			putchar(v[i] == '|' ? ' ' : v[i]);
	} else
		fputs(" -", stdout);
}

/* The length of the option at p ("-x", "--name"), 0 when none starts there. */
static size_t option_len(const char *u, const char *p)
{
	size_t len;

	if (*p != '-' || (p > u && !strchr(" [|", p[-1])))
		return 0;
	len = strspn(p, "-");
	if (len > 2 || !isalpha((unsigned char)p[len]))
		return 0;
	return len + strspn(p + len, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-");
}

/*
 * Every option of the usage, once: "-x" or "--name" where an option may start (after a blank,
 * '[' or '|'), taking a value when a placeholder follows it after one blank ("--timeout T",
 * "-l LAB", "--format dot|svg", "-w FILE.pcap|-"); the placeholder ends at a blank, ']', a
 * newline or "|-".
 */
static void print_options(const char *verb)
{
	const char *u = cli_verb_usage(verb), *seen[64];
	size_t n_seen = 0;

	for (const char *p = u; p && *p; p++) {
		size_t len = option_len(u, p), vlen = 0;
		bool dup = false;

		if (!len)
			continue;
		if (p[len] == ' ' && p[len + 1] && !strchr("-[|\n", p[len + 1]))
			while (p[len + 1 + vlen] && !strchr(" ]\n", p[len + 1 + vlen]) &&
			       strncmp(p + len + 1 + vlen, "|-", 2) != 0)
				vlen++;
		for (size_t i = 0; i < n_seen; i++)
			dup |= option_len(u, seen[i]) == len && strncmp(seen[i], p, len) == 0;
		if (!dup && n_seen < ELEMENTSOF(seen)) {
			seen[n_seen++] = p;
			printf("%.*s", (int)len, p);
			if (vlen)
				print_value_kind(p + len + 1, vlen);
			putchar('\n');
		}
		p += len - 1;
	}
}

int verb_complete(int argc, char **argv)
{
	_cleanup_free_ char *lab = NULL;
	struct topo *t = NULL;
	struct topo_error err;
	const char *what;

	log_set_sink(quiet_sink, NULL);
	if (argc < 2)
		return EXIT_OK;
	what = argv[1];
	if (streq(what, "verbs"))
		cli_list_verbs(stdout);
	else if (streq(what, "labs")) {
		char **names = NULL;
		if (lab_list(&names) >= 0) {
			for (char **n = names; *n; n++)
				printf("%s\n", *n);
			lab_list_free(names);
		}
	} else if (streq(what, "nodes")) {
		lab = chosen_lab(argc, argv, 2);
		if (lab)
			print_nodes(lab);
	} else if (streq(what, "endpoints")) {
		lab = chosen_lab(argc, argv, 2);
		if (lab && lab_load_topology(lab, &t) >= 0) {
			print_endpoints(t);
			topo_free(t);
		}
	} else if (streq(what, "words") && argc > 2)
		print_words(argv[2]);
	else if (streq(what, "options") && argc > 2)
		print_options(argv[2]);
	else if (streq(what, "nodes-of") && argc > 2) {
		if (topo_parse_file(argv[2], &t, &err) >= 0) {
			for (size_t i = 0; i < t->n_nodes; i++)
				printf("%s\n", t->nodes[i].name);
			topo_free(t);
		}
	}
	return EXIT_OK;
}
