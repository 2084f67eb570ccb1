/* SPDX-License-Identifier: MIT */
/* `netlab converge`: how long until the lab's routing tables stopped changing. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

#define USAGE "netlab converge [-l LAB] [--quiet T] [--timeout T] [--since-fault] [--json]"

#define CONVERGE_DEFAULT_QUIET_NS (2ull * 1000000000ull)
#define CONVERGE_DEFAULT_TIMEOUT_NS (60ull * 1000000000ull)

static void print_text(const struct lab_converge *c, uint64_t quiet)
{
	const struct lab_converge_node *last = lab_converge_last(c);
	bool lost = false;

	if (c->fault_ns)
		printf("since the fault (%s), watching from +%.3f s\n", c->fault,
		       lab_converge_rel_ns(c, c->start_ns) / 1e9);
	printf("%-16s %8s  %s\n", "NODE", "CHANGES", "LAST CHANGE");
	for (size_t i = 0; i < c->n_nodes; i++) {
		const struct lab_converge_node *n = &c->nodes[i];
		if (n->last_ns)
			printf("%-16s %7u%s  +%.3f s\n", n->name, n->changes, n->lost ? "+" : " ",
			       lab_converge_rel_ns(c, n->last_ns) / 1e9);
		else
			printf("%-16s %8u  -\n", n->name, n->changes);
		lost |= n->lost;
	}
	if (!c->converged)
		return;
	if (last)
		printf("converged in %.2f s; %s last, %u route change%s in all%s\n",
		       lab_converge_rel_ns(c, last->last_ns) / 1e9, last->name, c->total, c->total == 1 ? "" : "s",
		       lost ? " (at least: events were lost)" : "");
	else
		printf("converged: no route changed in the %.3g s watched\n", quiet / 1e9);
}

int verb_converge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "quiet", required_argument, NULL, 'Q' },
		{ "timeout", required_argument, NULL, 't' },
		{ "since-fault", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct lab_converge_opts o = { .quiet_ns = CONVERGE_DEFAULT_QUIET_NS,
				       .timeout_ns = CONVERGE_DEFAULT_TIMEOUT_NS };
	_cleanup_(lab_converge_freep) struct lab_converge *c = NULL;
	_cleanup_free_ char *chosen = NULL;
	const char *lab = NULL;
	bool as_json = false;
	int ch, r;

	while ((ch = getopt_long(argc, argv, "l:t:h", opts, NULL)) >= 0) {
		switch (ch) {
		case 'Q':
		case 't':
			if (parse_duration_ns(optarg, false, ch == 'Q' ? &o.quiet_ns : &o.timeout_ns) < 0)
				return cli_usage_error(USAGE, "'%s' is not a duration (40, 40s, 500ms)",
						       optarg);
			break;
		case 'f':
			o.since_fault = true;
			break;
		default:
			r = cli_common_option(ch, USAGE, &lab, &as_json);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind < argc)
		return cli_usage_error(USAGE, "unexpected argument '%s'", argv[optind]);
	if (o.quiet_ns == 0)
		return cli_usage_error(USAGE, "--quiet must be longer than 0");
	if (!cli_check_root("converge"))
		return EXIT_FAIL;
	if (lab_select(lab, &chosen) < 0)
		return EXIT_FAIL;

	r = lab_converge(chosen, &o, &c);
	if (r == -EINTR)
		return 128 + SIGINT;
	if (r < 0 && r != -ETIMEDOUT)
		return EXIT_FAIL;
	if (as_json)
		lab_converge_write_json(chosen, c, &o, stdout);
	else
		print_text(c, o.quiet_ns);
	if (r == -ETIMEDOUT) {
		const struct lab_converge_node *last = lab_converge_last(c);
		log_error("not converged: routes still changed after %.3g s (last in node '%s')",
			  o.timeout_ns / 1e9, last ? last->name : "?");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
