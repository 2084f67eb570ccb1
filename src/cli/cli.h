/* SPDX-License-Identifier: MIT */
/* The `netlab` verbs, one file each; the only layer that prints for people. */
#pragma once

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "topo.h"

/* Exit statuses (documented in `netlab --help` and netlab(1)). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,      /* the operation failed: kernel, permissions, no such lab... */
	EXIT_USAGE = 2,     /* bad command line, or a topology file that does not validate */
	EXIT_EXEC_FAIL = 125, /* exec: netlab could not run the command at all */
};

int verb_up(int argc, char **argv);
int verb_down(int argc, char **argv);
int verb_exec(int argc, char **argv);
int verb_status(int argc, char **argv);
int verb_check(int argc, char **argv);
int verb_clean(int argc, char **argv);
int verb_graph(int argc, char **argv);
int verb_capture(int argc, char **argv);
int verb_complete(int argc, char **argv);
int verb_run(int argc, char **argv);
int verb_wait(int argc, char **argv);
int verb_converge(int argc, char **argv);
int verb_start(int argc, char **argv); /* daemon.c */
int verb_stop(int argc, char **argv);  /* daemon.c */
int verb_logs(int argc, char **argv);  /* daemon.c */
int verb_link(int argc, char **argv);
int verb_node(int argc, char **argv);
int verb_doctor(int argc, char **argv);
int verb_image(int argc, char **argv);

/* The verbs, one per line, without hidden ones (main.c; for `netlab complete verbs`). */
void cli_list_verbs(FILE *f);
/* The usage of verb `name` as its -h prints it (without "usage: netlab "), forms separated by
 * '\n'; NULL for no such verb. */
const char *cli_verb_usage(const char *name);

/* The words a verb takes after its first argument, NULL-terminated: the tables the verbs' own
 * parsers look them up in, so that `netlab complete words VERB` offers exactly what is accepted. */
extern const char *const cli_wait_conditions[]; /* wait.c; indexed by enum lab_wait_kind */
extern const char *const cli_link_ops[];        /* link.c */
extern const char *const cli_node_ops[];        /* node.c */
/* node.c: a node's limits, usage and clock as JSON (node show, status). */
struct json;
struct lab_node_resources;
void cli_json_resources(struct json *j, const char *key, const struct lab_node_resources *r);
/* A --json document on stdout: `{"version": 1` (of the verb's docs/schema/VERB.schema.json),
 * the caller's members, then cli_json_end's closing brace. */
void cli_json_begin(struct json *j);
void cli_json_end(struct json *j);
/* status-others.c: root's status lists other users' labs after its own (j NULL: a table, after a
 * blank line when blank; else "other_labs" in j). Whether there were any. */
bool cli_status_others(struct json *j, bool blank);

/* The index of word in a NULL-terminated table, or -ENOENT. */
static inline int cli_word_index(const char *const *table, const char *word)
{
	for (int i = 0; table[i]; i++)
		if (strcmp(table[i], word) == 0)
			return i;
	return -ENOENT;
}

/* Parses, validates and plans path; prints file:line:col errors. Returns EXIT_OK and *ret, or
 * EXIT_USAGE. */
int cli_load_topology(const char *path, struct topo **ret);

/* Refuses early, with what is needed, when we lack the privileges of `verb`. */
bool cli_check_root(const char *verb);

/* lab_select() for a verb: EXIT_OK and *ret, EXIT_USAGE for an invalid name (-l or NETLAB_LAB),
 * EXIT_FAIL when no lab or several are up (logged). */
int cli_select_lab(const char *lab, char **ret);

/* Prints "usage: ..." for verb to stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * The options verbs share, for the default: of their getopt switch: -l/--lab LAB (lab NULL:
 * the verb has none), --json (as_json NULL: none), -h. CLI_OPT_TAKEN when c was one of them;
 * else what the verb returns: EXIT_OK after the usage line for -h, EXIT_USAGE for a bad option.
 */
#define CLI_OPT_TAKEN (-1)
int cli_common_option(int c, const char *usage, const char **lab, bool *as_json);

/* Whether arg names a topology file rather than a lab (it ends in .conf or contains '/'). */
bool cli_is_file_arg(const char *arg);
