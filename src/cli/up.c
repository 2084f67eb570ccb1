/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab up FILE [-l LAB] [--timing] [--rootless]"

/* Progress, on a terminal only, for labs big enough to take a noticeable time. */
#define PROGRESS_MIN_OBJECTS 100

/* "netlab up: links 412/1000...", redrawn in place; a phase that counts nothing shows its name. */
static void show_progress(enum lab_phase p, size_t done, size_t total, void *userdata)
{
	(void)userdata;
	if (total > 0)
		fprintf(stderr, "\r\033[Knetlab up: %s %zu/%zu...", lab_phase_name(p), done, total);
	else
		fprintf(stderr, "\r\033[Knetlab up: %s...", lab_phase_name(p));
	fflush(stderr);
}

int verb_up(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "timing", no_argument, NULL, 't' },
		{ "rootless", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct lab_up_opts o = { 0 };
	struct topo *t = NULL;
	bool timing = false;
	uint64_t total = 0;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			o.lab = optarg;
			break;
		case 't':
			timing = true;
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
	if (optind + 1 != argc)
		return cli_usage_error(USAGE, "expected one topology file");
	if (o.lab && !topo_name_valid(o.lab))
		return cli_usage_error(USAGE, "'%s' is not a valid lab name", ESCAPED(o.lab));

	/* Validate before anything else, root or not: a bad file creates nothing. */
	r = cli_load_topology(argv[optind], &t);
	if (r != EXIT_OK)
		return r;
	if (lab_rootless_wanted(o.rootless) && lab_rootless_check(t) < 0) {
		topo_free(t);
		return EXIT_USAGE;
	}
	if (!cli_check_root("up")) {
		topo_free(t);
		return EXIT_FAIL;
	}
	bool progress = isatty(STDERR_FILENO) &&
			t->n_nodes + t->n_switches + t->n_links >= PROGRESS_MIN_OBJECTS;
	if (progress)
		o.progress = show_progress;
	r = lab_up(t, &o);
	if (progress)
		fprintf(stderr, "\r\033[K");
	if (r < 0) {
		topo_free(t);
		return EXIT_FAIL;
	}
	for (int p = 0; p < _LAB_PHASE_MAX; p++)
		total += o.phase_ns[p];
	if (timing) {
		for (int p = 0; p < _LAB_PHASE_MAX; p++)
			printf("timing %-10s %8.3f ms\n", lab_phase_name(p), o.phase_ns[p] / 1e6);
		printf("timing %-10s %8.3f ms\n", "total", total / 1e6);
	}
	printf("lab '%s' is up: %zu node%s, %zu switch%s, %zu link%s (%.3f s)\n",
	       o.lab ? o.lab : t->lab, t->n_nodes, t->n_nodes == 1 ? "" : "s", t->n_switches,
	       t->n_switches == 1 ? "" : "es", t->n_links, t->n_links == 1 ? "" : "s", total / 1e9);
	topo_free(t);
	return EXIT_OK;
}
