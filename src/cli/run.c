/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab run FILE [-l LAB] [--keep] [--artifacts DIR] [--rootless] -- CMD [ARG...]"

int verb_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "keep", no_argument, NULL, 'k' },
		{ "artifacts", required_argument, NULL, 'a' },
		{ "rootless", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct lab_run_opts o = { 0 };
	struct topo *t = NULL;
	int c, r, sep;

	/* Everything after the first "--" is the command's, options included; options of ours
	 * may stand before or after FILE. */
	for (sep = 1; sep < argc && !streq(argv[sep], "--"); sep++)
		;
	if (sep >= argc - 1) {
		for (int i = 1; i < argc; i++)
			if (streq(argv[i], "-h") || streq(argv[i], "--help")) {
				printf("usage: %s\n", USAGE);
				return EXIT_OK;
			}
		return cli_usage_error(USAGE, "expected '--' and a command after the topology file");
	}
	while ((c = getopt_long(sep, argv, "l:kh", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			o.lab = optarg;
			break;
		case 'k':
			o.keep = true;
			break;
		case 'a':
			o.artifacts = optarg;
			break;
		case 'R':
			o.rootless = true;
			break;
		default:
			r = cli_common_option(c, USAGE, NULL, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind + 1 != sep)
		return cli_usage_error(USAGE, "expected one topology file before '--'");
	if (o.lab && !topo_name_valid(o.lab))
		return cli_usage_error(USAGE, "'%s' is not a valid lab name", ESCAPED(o.lab));
	o.argv = argv + sep + 1;

	r = cli_load_topology(argv[optind], &t);
	if (r != EXIT_OK)
		return r;
	/* As `up` does: what a rootless lab cannot do is a usage error, before anything runs. */
	if (lab_rootless_wanted(o.rootless) && lab_rootless_check(t) < 0) {
		topo_free(t);
		return EXIT_USAGE;
	}
	if (!cli_check_root("run")) {
		topo_free(t);
		return EXIT_EXEC_FAIL;
	}
	r = lab_run(t, &o);
	topo_free(t);
	return r < 0 ? EXIT_EXEC_FAIL : r;
}
