/* SPDX-License-Identifier: MIT */
/* `netlab start`, `netlab stop`, `netlab logs`: named daemons in a node. */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "parse-util.h"

#define USAGE_START "netlab start [-l LAB] [-u USER[:GROUP]] NODE [--name NAME] [--] CMD [ARG...]"
#define USAGE_STOP "netlab stop [-l LAB] [--timeout T] NODE NAME"
#define USAGE_LOGS "netlab logs [-l LAB] NODE [NAME]"

/* After NODE and before the command, `--name NAME` and `-u USER` (as -n, --user, --name=NAME,
 * --user=USER; the last of each wins, as getopt's would): *cmd moves past them. 0, or a usage
 * error's status. */
static int start_options_after_node(char ***cmd, const char **name, const char **user)
{
	static const char *const shorts[] = { "-n", "-u" }, *const longs[] = { "--name", "--user" };
	const char **val[] = { name, user };
	char **c = *cmd;
	size_t k = 0;

	while (c[0] && k < ELEMENTSOF(longs)) {
		size_t ll = strlen(longs[k]);

		if (streq(c[0], shorts[k]) || streq(c[0], longs[k])) {
			if (!c[1])
				return cli_usage_error(USAGE_START, "%s needs a value", longs[k]);
			*val[k] = c[1];
			c += 2;
			k = 0;
		} else if (strncmp(c[0], longs[k], ll) == 0 && c[0][ll] == '=') {
			*val[k] = c[0] + ll + 1;
			c++;
			k = 0;
		} else {
			k++;
		}
	}
	*cmd = c;
	return 0;
}

int verb_start(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "name", required_argument, NULL, 'n' },
		{ "user", required_argument, NULL, 'u' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *name = NULL, *user = NULL, *node;
	_cleanup_free_ char *chosen = NULL;
	char used[64];
	char **cmd;
	int c, r;

	/* '+': options end at NODE; after it only --name and -u, then the command. */
	while ((c = getopt_long(argc, argv, "+l:n:u:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'n':
			name = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		default:
			r = cli_common_option(c, USAGE_START, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind >= argc)
		return cli_usage_error(USAGE_START, "expected a node name");
	node = argv[optind];
	cmd = argv + optind + 1;
	r = start_options_after_node(&cmd, &name, &user);
	if (r != 0)
		return r;
	if (cmd[0] && streq(cmd[0], "--"))
		cmd++;
	if (!cmd[0])
		return cli_usage_error(USAGE_START, "expected a command");
	if (name && !lab_daemon_name_valid(name))
		return cli_usage_error(USAGE_START,
				       "'%s' is not a valid daemon name (letters, digits, '_', '-', "
				       "'.')",
				       ESCAPED(name));
	if (!cli_check_root("start"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	if (lab_daemon_start(chosen, node, name, user, cmd, used, sizeof(used)) < 0)
		return EXIT_FAIL;
	printf("started '%s' in node '%s' (netlab logs %s %s)\n", used, node, node, used);
	return EXIT_OK;
}

int verb_stop(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL;
	_cleanup_free_ char *chosen = NULL;
	uint64_t grace = 5ull * 1000000000ull;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:t:h", opts, NULL)) >= 0) {
		switch (c) {
		case 't':
			if (parse_duration_ns(optarg, false, &grace) < 0)
				return cli_usage_error(USAGE_STOP,
						       "'%s' is not a duration (5, 5s, 500ms)", optarg);
			break;
		default:
			r = cli_common_option(c, USAGE_STOP, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind + 2 != argc)
		return cli_usage_error(USAGE_STOP, "expected a node and a daemon name");
	if (!cli_check_root("stop"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	if (lab_daemon_stop(chosen, argv[optind], argv[optind + 1], grace) < 0)
		return EXIT_FAIL;
	return EXIT_OK;
}

/* A daemon's log, opened inside the lab's directory: never through a symlink, never a fifo
 * (which would block) or anything but a regular file. */
static int cat(const char *lab, const char *node, const char *name)
{
	_cleanup_close_ int fd = -EBADF;
	char rel[256];
	ssize_t n;
	char buf[65536];
	int r;

	snprintf(rel, sizeof(rel), "%s/%s.log", node, name);
	r = lab_file_open(lab, rel, &fd);
	if (r < 0)
		return r;
	fflush(stdout);
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (write(STDOUT_FILENO, buf, (size_t)n) != n)
			return negative_errno();
	}
	return 0;
}

int verb_logs(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *node, *name;
	_cleanup_free_ char *chosen = NULL;
	_cleanup_free_ struct lab_daemon_info *d = NULL;
	size_t n = 0;
	bool shown = false;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		default:
			r = cli_common_option(c, USAGE_LOGS, &lab, NULL);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (optind >= argc || argc - optind > 2)
		return cli_usage_error(USAGE_LOGS, "expected a node and, optionally, a daemon name");
	node = argv[optind];
	name = argc - optind == 2 ? argv[optind + 1] : NULL;
	if (!cli_check_root("logs"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;
	if (lab_node_open(chosen, node, NULL, NULL, NULL) < 0)
		return EXIT_FAIL;
	r = lab_daemon_list(chosen, node, &d, &n);
	if (r < 0) {
		log_error_errno(r, "Cannot list the daemons of node '%s': %m", node);
		return EXIT_FAIL;
	}
	for (size_t i = 0; i < n; i++) {
		if (name && !streq(name, d[i].name))
			continue;
		if (!name) {
			if (d[i].running)
				printf("%s==> %s (running, pid %d) <==\n", shown ? "\n" : "", d[i].name,
				       (int)d[i].pid);
			else
				printf("%s==> %s (not running) <==\n", shown ? "\n" : "", d[i].name);
		}
		r = cat(chosen, node, d[i].name);
		if (r < 0) {
			log_error_errno(r, "Cannot read '%s'%s: %m", d[i].log,
					r == -EPERM ? " (not a regular file)" : "");
			return EXIT_FAIL;
		}
		shown = true;
	}
	if (name && !shown) {
		log_error("node '%s' has no daemon '%s'", node, name);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}
