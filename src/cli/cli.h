/* SPDX-License-Identifier: MIT */
/* The `netlab` verbs, one file each; the only layer that prints for people. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

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
int verb_start(int argc, char **argv); /* daemon.c */
int verb_stop(int argc, char **argv);  /* daemon.c */
int verb_logs(int argc, char **argv);  /* daemon.c */
int verb_link(int argc, char **argv);
int verb_node(int argc, char **argv);
int verb_doctor(int argc, char **argv);

/* The verbs, one per line, without hidden ones (main.c; for `netlab complete verbs`). */
void cli_list_verbs(FILE *f);

/* Parses, validates and plans path; prints file:line:col errors. Returns EXIT_OK and *ret, or
 * EXIT_USAGE. */
int cli_load_topology(const char *path, struct topo **ret);

/* Refuses early, with what is needed, when we lack the privileges of `verb`. */
bool cli_check_root(const char *verb);

/* Prints "usage: ..." for verb to stderr and returns EXIT_USAGE. */
int cli_usage_error(const char *usage, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Whether arg names a topology file rather than a lab (it ends in .conf or contains '/'). */
bool cli_is_file_arg(const char *arg);
