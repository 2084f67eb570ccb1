/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab node [-l LAB] NODE stop|start"

const char *const cli_node_ops[] = { "stop", "start", NULL };

int verb_node(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *op;
	_cleanup_free_ char *chosen = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			lab = optarg;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		default:
			return cli_usage_error(USAGE, "bad option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error(USAGE, "expected NODE and stop or start");
	op = argv[optind + 1];
	if (cli_word_index(cli_node_ops, op) < 0)
		return cli_usage_error(USAGE, "unknown operation '%s'", op);
	if (!cli_check_root("node"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	return lab_node_stopstart(chosen, argv[optind], streq(op, "stop")) < 0 ? EXIT_FAIL : EXIT_OK;
}
