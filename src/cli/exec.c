/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab exec [-l LAB] NODE [CMD [ARG...]]"

int verb_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *node;
	_cleanup_free_ char *chosen = NULL;
	char *shell_argv[] = { NULL, NULL };
	char **cmd;
	int c, r, exec_errno = 0;

	/* '+': options end at NODE; everything after it is the command's. */
	while ((c = getopt_long(argc, argv, "+l:h", opts, NULL)) >= 0) {
		switch (c) {
		default:
			r = cli_common_option(c, USAGE, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r == EXIT_USAGE ? EXIT_EXEC_FAIL : r;
		}
	}
	if (optind >= argc) {
		cli_usage_error(USAGE, "expected a node name");
		return EXIT_EXEC_FAIL;
	}
	node = argv[optind];
	cmd = argv + optind + 1;
	if (!*cmd) {
		const char *sh = getenv("SHELL");
		shell_argv[0] = (char *)(sh && sh[0] ? sh : "/bin/sh");
		cmd = shell_argv;
	}
	if (!cli_check_root("exec"))
		return EXIT_EXEC_FAIL;
	/* exec's own failures, an invalid lab name included, are 125: its other statuses are
	 * the command's. */
	if (cli_select_lab(lab, &chosen) != EXIT_OK)
		return EXIT_EXEC_FAIL;

	r = lab_exec(chosen, node, cmd, &exec_errno);
	if (r < 0)
		return EXIT_EXEC_FAIL;
	if (exec_errno) {
		if (exec_errno == ENOENT)
			log_error("'%s': command not found in node '%s'", cmd[0], node);
		else
			log_error("'%s': cannot execute: %s", cmd[0], strerror(exec_errno));
	}
	return r;
}
