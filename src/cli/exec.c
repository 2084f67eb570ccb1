/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab exec [-l LAB] [-u USER[:GROUP]] NODE [CMD [ARG...]]"

/* exec's message when the command is not there: in a node with a root of its own (kind, root),
 * which root lacks it (issue 13). */
static void not_found(const char *node, const char *cmd, bool default_shell, const char *kind,
		      const char *root)
{
	if (!kind)
		log_error("'%s': command not found in node '%s'", cmd, node);
	else if (default_shell)
		log_error("%s: %s '%s': no %s in the %s (exec needs a command)", node, kind, root, cmd,
			  streq(kind, "image") ? "image" : "root");
	else
		log_error("'%s': command not found in node '%s' (%s '%s')", cmd, node, kind, root);
}

int verb_exec(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *node;
	_cleanup_free_ char *chosen = NULL;
	char *shell_argv[] = { NULL, NULL };
	char **cmd;
	int c, r, exec_errno = 0;

	struct lab_node_root_info root = { 0 };
	struct lab_exec_io io = { .stdin_fd = -1, .stdout_fd = -1, .stderr_fd = -1,
				  .root = &root };

	/* '+': options end at NODE; everything after it is the command's. */
	while ((c = getopt_long(argc, argv, "+l:u:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'u':
			io.user = optarg;
			break;
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

	r = lab_exec_io(chosen, node, cmd, &io, &exec_errno);
	if (r >= 0 && exec_errno == ENOENT) {
		const char *kind = root.kind;

		/* The host's $SHELL need not be in a node's own root: its /bin/sh then (the first
		 * try ran nothing). */
		if (kind && cmd == shell_argv && !streq(cmd[0], "/bin/sh")) {
			shell_argv[0] = (char *)"/bin/sh";
			r = lab_exec_io(chosen, node, cmd, &io, &exec_errno);
		}
		if (r >= 0 && exec_errno == ENOENT)
			not_found(node, cmd[0], cmd == shell_argv, kind, root.root);
	}
	if (r < 0)
		return EXIT_EXEC_FAIL;
	if (exec_errno && exec_errno != ENOENT)
		log_error("'%s': cannot execute: %s", cmd[0], strerror(exec_errno));
	return r;
}
