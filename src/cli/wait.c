/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

#define USAGE                                                                                      \
	"netlab wait [-l LAB] [--timeout T] [--json] NODE addr ADDR|route PREFIX|tcp PORT|"        \
	"reach NODE|ADDR|cmd -- CMD..."

const char *const cli_wait_conditions[] = {
	[LAB_WAIT_ADDR] = "addr",   [LAB_WAIT_ROUTE] = "route", [LAB_WAIT_TCP] = "tcp",
	[LAB_WAIT_REACH] = "reach", [LAB_WAIT_CMD] = "cmd",     [LAB_WAIT_CMD + 1] = NULL,
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* docs/schema/wait.schema.json. Durations in whole milliseconds, as integers: the JSON writer
 * has no floating point, and a script compares them without rounding surprises. */
static void print_json(const char *lab, const char *node, const char *what,
		       const struct lab_wait_cond *cond, bool ok, uint64_t elapsed_ns,
		       uint64_t timeout_ns, const char *seen)
{
	struct json j;

	json_init(&j, stdout);
	json_object_begin(&j, NULL);
	json_int(&j, "version", 1);
	json_string(&j, "lab", lab);
	json_string(&j, "node", node);
	json_string(&j, "condition", what);
	/* One array for every kind, so that a reader need not know which kind takes a command. */
	json_array_begin(&j, "args");
	if (cond->kind == LAB_WAIT_CMD)
		for (char *const *a = cond->argv; *a; a++)
			json_string(&j, NULL, *a);
	else
		json_string(&j, NULL, cond->arg);
	json_array_end(&j);
	json_bool(&j, "ok", ok);
	json_uint(&j, "elapsed_ms", elapsed_ns / 1000000u);
	json_uint(&j, "timeout_ms", timeout_ns / 1000000u);
	json_string(&j, "seen", seen);
	json_object_end(&j);
	json_finish(&j);
	fflush(stdout);
}

int verb_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *node, *what, *timeout_arg = NULL;
	_cleanup_free_ char *chosen = NULL;
	struct lab_wait_cond cond = { 0 };
	uint64_t timeout = LAB_WAIT_DEFAULT_TIMEOUT_NS;
	char seen[1024];
	bool as_json = false;
	uint64_t start;
	int c, r, sep, nargs, k;

	/* `cmd -- CMD...`: the command after "--" is not ours to parse. */
	for (sep = 1; sep < argc && !streq(argv[sep], "--"); sep++)
		;
	while ((c = getopt_long(sep, argv, "l:t:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			lab = optarg;
			break;
		case 't':
			timeout_arg = optarg;
			break;
		case 'j':
			as_json = true;
			break;
		case 'h':
			printf("usage: %s\n", USAGE);
			return EXIT_OK;
		default:
			return cli_usage_error(USAGE, "bad option");
		}
	}
	nargs = sep - optind;
	if (nargs < 2)
		return cli_usage_error(USAGE, "expected a node and a condition");
	node = argv[optind];
	what = argv[optind + 1];
	k = cli_word_index(cli_wait_conditions, what);
	if (k < 0)
		return cli_usage_error(USAGE, "unknown condition '%s'", what);
	cond.kind = (enum lab_wait_kind)k;
	if (cond.kind == LAB_WAIT_CMD) {
		if (nargs != 2 || sep >= argc - 1)
			return cli_usage_error(USAGE, "expected 'cmd -- CMD [ARG...]'");
		cond.argv = argv + sep + 1;
	} else {
		if (nargs != 3 || sep < argc)
			return cli_usage_error(USAGE, "'%s' takes one argument", what);
		cond.arg = argv[optind + 2];
	}
	if (timeout_arg && parse_duration_ns(timeout_arg, false, &timeout) < 0)
		return cli_usage_error(USAGE, "'%s' is not a duration (40, 40s, 500ms)",
				       timeout_arg);
	if (!cli_check_root("wait"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;

	start = now_ns();
	r = lab_wait(chosen, node, &cond, timeout, seen, sizeof(seen));
	/* Only an answer to the question goes to stdout: any other failure was logged, and a
	 * script sees it by the exit status and the empty output. */
	if (as_json && (r == 0 || r == -ETIMEDOUT))
		print_json(chosen, node, what, &cond, r == 0, now_ns() - start, timeout, seen);
	if (r == -ETIMEDOUT) {
		char desc[256];
		if (cond.kind == LAB_WAIT_CMD)
			snprintf(desc, sizeof(desc), "cmd %s", cond.argv[0]);
		else
			snprintf(desc, sizeof(desc), "%s %s", what, cond.arg);
		log_error("timed out after %.3g s waiting for %s in node '%s'; last seen: %s",
			  timeout / 1e9, desc, node, seen[0] ? seen : "nothing");
		return EXIT_FAIL;
	}
	if (r == -EINVAL)
		return EXIT_USAGE;
	if (r == -EINTR)
		return 128 + SIGINT;
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
