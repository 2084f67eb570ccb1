/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "json-match.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

#define USAGE                                                                                      \
	"netlab wait [-l LAB] [--timeout T] [--stable T] [--json] NODE [not] "                      \
	"addr ADDR|route PREFIX|tcp PORT|reach NODE|ADDR|cmd -- CMD...|"                            \
	"json --match JSON|--match-file FILE -- CMD..."

const char *const cli_wait_conditions[] = {
	[LAB_WAIT_ADDR] = "addr",   [LAB_WAIT_ROUTE] = "route", [LAB_WAIT_TCP] = "tcp",
	[LAB_WAIT_REACH] = "reach", [LAB_WAIT_CMD] = "cmd",     [LAB_WAIT_JSON] = "json",
	[LAB_WAIT_JSON + 1] = NULL,
};

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static bool takes_command(enum lab_wait_kind k)
{
	return k == LAB_WAIT_CMD || k == LAB_WAIT_JSON;
}

/* docs/schema/wait.schema.json. Durations in whole milliseconds, as integers: the JSON writer
 * has no floating point, and a script compares them without rounding surprises. */
static void print_json(const char *lab, const char *node, const char *what,
		       const struct lab_wait_cond *cond, bool ok, uint64_t elapsed_ns,
		       uint64_t timeout_ns, const struct lab_wait_result *res)
{
	struct json j;

	cli_json_begin(&j);
	json_string(&j, "lab", lab);
	json_string(&j, "node", node);
	json_string(&j, "condition", what);
	/* One array for every kind, so that a reader need not know which kind takes a command. */
	json_array_begin(&j, "args");
	if (takes_command(cond->kind))
		for (char *const *a = cond->argv; *a; a++)
			json_string(&j, NULL, *a);
	else
		json_string(&j, NULL, cond->arg);
	json_array_end(&j);
	json_bool(&j, "not", cond->negate);
	json_bool(&j, "ok", ok);
	json_uint(&j, "elapsed_ms", elapsed_ns / 1000000u);
	json_uint(&j, "timeout_ms", timeout_ns / 1000000u);
	json_uint(&j, "stable_ms", cond->stable_ns / 1000000u);
	json_uint(&j, "held_ms", res->held_ns / 1000000u);
	json_uint(&j, "breaks", res->breaks);
	json_string(&j, "seen", res->seen);
	if (cond->kind == LAB_WAIT_JSON && res->diff) {
		json_uint(&j, "mismatch_count", res->diff->total);
		json_array_begin(&j, "mismatches");
		for (size_t i = 0; i < res->diff->n; i++) {
			const struct json_mismatch *m = &res->diff->items[i];
			json_object_begin(&j, NULL);
			json_string(&j, "path", m->path);
			json_string(&j, "expected", m->expected);
			json_string(&j, "seen", m->seen);
			json_string(&j, "note", m->note);
			json_object_end(&j);
		}
		json_array_end(&j);
	}
	cli_json_end(&j);
	fflush(stdout);
}

/* The timeout message, and for json the paths that did not match, one a line. */
static void print_timeout(const char *what, const char *node, const struct lab_wait_cond *cond,
			  uint64_t timeout, const struct lab_wait_result *res)
{
	char desc[256];

	snprintf(desc, sizeof(desc), "%s%s %s", cond->negate ? "not " : "", what,
		 takes_command(cond->kind) ? cond->argv[0] : cond->arg);
	if (cond->stable_ns && res->breaks)
		log_error("timed out after %.3g s waiting for %s to hold %.3g s in node '%s': it "
			  "broke %u time%s; last seen: %s",
			  timeout / 1e9, desc, cond->stable_ns / 1e9, node, res->breaks,
			  res->breaks == 1 ? "" : "s", res->seen[0] ? res->seen : "nothing");
	else
		log_error("timed out after %.3g s waiting for %s in node '%s'; last seen: %s",
			  timeout / 1e9, desc, node, res->seen[0] ? res->seen : "nothing");
	if (cond->kind != LAB_WAIT_JSON || !res->diff || cond->negate)
		return;
	for (size_t i = 0; i < res->diff->n; i++) {
		char line[1024];
		json_mismatch_format(&res->diff->items[i], line, sizeof(line));
		fprintf(stderr, "  %s\n", line);
	}
	if (res->diff->total > res->diff->n)
		fprintf(stderr, "  ... and %zu more\n", res->diff->total - res->diff->n);
}

struct wait_args {
	const char *lab, *timeout_arg, *stable_arg;
	bool as_json;
};

/* NODE [not] CONDITION [ARG] [-- CMD...]: positional arguments between optind and sep. */
static int parse_condition(int argc, char **argv, int sep, const char **ret_node,
			   const char **ret_what, struct lab_wait_cond *cond)
{
	int i = optind, k;

	if (sep - i < 2)
		return cli_usage_error(USAGE, "expected a node and a condition");
	*ret_node = argv[i++];
	if (streq(argv[i], "not")) {
		cond->negate = true;
		i++;
	}
	if (i >= sep)
		return cli_usage_error(USAGE, "expected a condition after 'not'");
	*ret_what = argv[i];
	k = cli_word_index(cli_wait_conditions, argv[i]);
	if (k < 0)
		return cli_usage_error(USAGE, "unknown condition '%s'", argv[i]);
	cond->kind = (enum lab_wait_kind)k;
	i++;
	if (takes_command(cond->kind)) {
		if (i != sep || sep >= argc - 1)
			return cli_usage_error(USAGE, "expected '%s -- CMD [ARG...]'", *ret_what);
		cond->argv = argv + sep + 1;
		if (cond->kind == LAB_WAIT_JSON && !cond->match == !cond->match_file)
			return cli_usage_error(USAGE,
					       "json needs one of --match JSON or --match-file FILE");
	} else {
		if (sep - i != 1 || sep < argc)
			return cli_usage_error(USAGE, "'%s' takes one argument", *ret_what);
		cond->arg = argv[i];
	}
	if (cond->kind != LAB_WAIT_JSON && (cond->match || cond->match_file))
		return cli_usage_error(USAGE, "--match and --match-file are for json");
	return 0;
}

int verb_wait(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "stable", required_argument, NULL, 's' },
		{ "match", required_argument, NULL, 'm' },
		{ "match-file", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *node = NULL, *what = NULL;
	struct wait_args a = { 0 };
	_cleanup_free_ char *chosen = NULL;
	struct lab_wait_cond cond = { 0 };
	uint64_t timeout = LAB_WAIT_DEFAULT_TIMEOUT_NS;
	char seen[1024];
	struct json_diff diff = { 0 };
	struct lab_wait_result res = { .seen = seen, .seen_size = sizeof(seen), .diff = &diff };
	uint64_t start;
	int c, r, sep;

	/* `cmd -- CMD...`: the command after "--" is not ours to parse. */
	for (sep = 1; sep < argc && !streq(argv[sep], "--"); sep++)
		;
	while ((c = getopt_long(sep, argv, "l:t:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'l':
			a.lab = optarg;
			break;
		case 't':
			a.timeout_arg = optarg;
			break;
		case 's':
			a.stable_arg = optarg;
			break;
		case 'm':
			cond.match = optarg;
			break;
		case 'f':
			cond.match_file = optarg;
			break;
		case 'j':
			a.as_json = true;
			break;
		default:
			r = cli_common_option(c, USAGE, NULL, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	r = parse_condition(argc, argv, sep, &node, &what, &cond);
	if (r != 0)
		return r;
	if (a.timeout_arg && parse_duration_ns(a.timeout_arg, false, &timeout) < 0)
		return cli_usage_error(USAGE, "'%s' is not a duration (40, 40s, 500ms)",
				       a.timeout_arg);
	if (a.stable_arg && parse_duration_ns(a.stable_arg, false, &cond.stable_ns) < 0)
		return cli_usage_error(USAGE, "'%s' is not a duration (40, 40s, 500ms)",
				       a.stable_arg);
	if (!cli_check_root("wait"))
		return EXIT_FAIL;
	int sel = cli_select_lab(a.lab, &chosen);
	if (sel != EXIT_OK)
		return sel;

	start = now_ns();
	r = lab_wait_full(chosen, node, &cond, timeout, &res);
	/* Only an answer to the question goes to stdout: any other failure was logged, and a
	 * script sees it by the exit status and the empty output. */
	if (a.as_json && (r == 0 || r == -ETIMEDOUT))
		print_json(chosen, node, what, &cond, r == 0, now_ns() - start, timeout, &res);
	if (r == -ETIMEDOUT)
		print_timeout(what, node, &cond, timeout, &res);
	json_diff_done(&diff);
	if (r == -ETIMEDOUT)
		return EXIT_FAIL;
	if (r == -EINVAL)
		return EXIT_USAGE;
	if (r == -EINTR)
		return 128 + SIGINT;
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
