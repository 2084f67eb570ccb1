/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE "netlab clean"

int verb_clean(int argc, char **argv)
{
	static const struct option opts[] = { { "help", no_argument, NULL, 'h' }, {} };
	char **names = NULL;
	int c, r, ret = EXIT_OK;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		if (c == 'h') {
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		}
		return cli_usage_error(USAGE, "bad option");
	}
	if (optind < argc)
		return cli_usage_error(USAGE, "no arguments expected");
	if (!cli_check_root("clean"))
		return EXIT_FAIL;

	r = lab_list(&names);
	if (r < 0) {
		log_error_errno(r, "Cannot list %s: %m", lab_run_dir());
		return EXIT_FAIL;
	}
	for (char **n = names; *n; n++) {
		_cleanup_close_ int lock = -EBADF, pidfd = -EBADF;
		_cleanup_(lab_state_freep) struct lab_state *st = NULL;
		bool committed;

		/* Only what is dead: a running lab, or one an `up`/`down` is working on, stays. */
		if (lab_liveness(*n) != LAB_STALE)
			continue;
		r = lab_lock(*n, &lock);
		if (r < 0)
			continue;
		/* Under the lock, only the records tell (our own lock would make lab_liveness()
		 * say "starting"). A committed lab that runs stays, whatever its state file
		 * says; what a killed `up` left is killed first (even stopped). */
		(void)lab_state_load(*n, &st);
		if (lab_find_init(*n, st, lock, &pidfd, &committed) >= 0) {
			if (committed || lab_kill(*n, pidfd) < 0)
				continue;
		}
		r = lab_remove_dir(*n);
		if (r < 0) {
			log_error_errno(r, "Cannot remove the state of '%s': %m", *n);
			ret = EXIT_FAIL;
		} else
			printf("removed stale lab '%s'\n", *n);
	}
	lab_list_free(names);
	return ret;
}
