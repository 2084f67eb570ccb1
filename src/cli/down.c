/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab down [LAB|FILE] [-l LAB] [--all] [--wait]"

/* --wait gives up after this long; the kernel releases 1000 nodes in about a second. */
#define WAIT_TIMEOUT_MS 120000

static int down_all(bool wait)
{
	char **names = NULL;
	int r, ret = EXIT_OK;

	r = lab_list(&names);
	if (r < 0) {
		log_error_errno(r, "Cannot list labs: %m");
		return EXIT_FAIL;
	}
	for (char **n = names; *n; n++) {
		if (lab_liveness(*n) != LAB_RUNNING)
			continue;
		if ((wait ? lab_down_wait(*n, WAIT_TIMEOUT_MS) : lab_down(*n)) < 0)
			ret = EXIT_FAIL;
		else
			printf("lab '%s' is down\n", *n);
	}
	lab_list_free(names);
	return ret;
}

int verb_down(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "all", no_argument, NULL, 'a' },
		{ "wait", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL;
	_cleanup_free_ char *chosen = NULL;
	bool all = false, wait = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'w':
			wait = true;
			break;
		default:
			r = cli_common_option(c, USAGE, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind + 1 < argc || (all && (optind < argc || lab)))
		return cli_usage_error(USAGE, "too many arguments");
	if (!cli_check_root("down"))
		return EXIT_FAIL;
	if (all)
		return down_all(wait);

	if (optind < argc) {
		const char *arg = argv[optind];
		if (lab) {
			/* `down FILE -l LAB` is how a lab brought up with `up FILE -l LAB` goes:
			 * the name given wins over the file's. */
			if (!cli_is_file_arg(arg))
				return cli_usage_error(USAGE, "both a lab name and -l given");
		} else if (cli_is_file_arg(arg)) {
			struct topo *t = NULL;
			r = cli_load_topology(arg, &t);
			if (r != EXIT_OK)
				return r;
			chosen = strdup(t->lab);
			topo_free(t);
			if (!chosen)
				return EXIT_FAIL;
		} else
			lab = arg;
	}
	if (!chosen) {
		int sel = cli_select_lab(lab, &chosen);
		if (sel != EXIT_OK)
			return sel;
	}
	bool tty = wait && isatty(STDERR_FILENO);
	if (tty)
		fprintf(stderr, "netlab down: '%s', waiting for the kernel to release it...", chosen);
	r = wait ? lab_down_wait(chosen, WAIT_TIMEOUT_MS) : lab_down(chosen);
	if (tty)
		fprintf(stderr, "\r\033[K");
	if (r < 0)
		return EXIT_FAIL;
	printf("lab '%s' is down\n", chosen);
	return EXIT_OK;
}
