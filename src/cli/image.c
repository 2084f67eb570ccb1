/* SPDX-License-Identifier: MIT */
/* netlab image import REF [NAME] | ls | rm NAME... | prune: the image store (src/lab/image.c). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "lab-image.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab image import REF [NAME] | ls | rm NAME... | prune"

static void print_list(void)
{
	struct lab_image **v = NULL;
	size_t n = 0;

	if (lab_image_list(&v, &n) < 0)
		return;
	printf("%-24s %-8s %-7s %s\n", "NAME", "ARCH", "LAYERS", "REFERENCE");
	for (size_t i = 0; i < n; i++) {
		printf("%-24s %-8s %-7zu %s\n", v[i]->name, v[i]->arch ? v[i]->arch : "-",
		       v[i]->n_layers, v[i]->ref ? v[i]->ref : "-");
		lab_image_free(v[i]);
	}
	free(v);
}

int verb_image(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	const char *sub;
	int c, r = 0;

	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) >= 0) {
		if (c == 'h') {
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		}
		return cli_usage_error(USAGE, "bad option");
	}
	if (optind >= argc)
		return cli_usage_error(USAGE, "expected import, ls, rm or prune");
	sub = argv[optind++];
	if (streq(sub, "import")) {
		_cleanup_free_ char *name = NULL;
		if (argc - optind < 1 || argc - optind > 2)
			return cli_usage_error(USAGE, "import takes REF and an optional NAME");
		r = lab_image_import(argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL,
				     &name);
		if (r == -EINVAL)
			return EXIT_USAGE;
		if (r >= 0)
			printf("imported '%s' as '%s'\n", ESCAPED(argv[optind]), name ? name : "?");
	} else if (streq(sub, "ls")) {
		if (optind < argc)
			return cli_usage_error(USAGE, "ls takes no arguments");
		print_list();
	} else if (streq(sub, "rm")) {
		if (optind >= argc)
			return cli_usage_error(USAGE, "rm needs an image name");
		bool bad_name = false;
		for (; optind < argc; optind++) {
			int k = lab_image_remove(argv[optind]);
			bad_name = bad_name || k == -EINVAL;
			if (k < 0 && r == 0)
				r = k;
		}
		if (bad_name)
			return EXIT_USAGE;
	} else if (streq(sub, "prune")) {
		size_t n = 0;
		if (optind < argc)
			return cli_usage_error(USAGE, "prune takes no arguments");
		r = lab_image_prune(&n);
		if (r >= 0)
			printf("removed %zu unused layer%s\n", n, n == 1 ? "" : "s");
	} else {
		return cli_usage_error(USAGE, "unknown image command");
	}
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
