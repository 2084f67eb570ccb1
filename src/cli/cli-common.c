/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"

int cli_load_topology(const char *path, struct topo **ret)
{
	struct topo_error err = { 0 };
	char buf[2048];
	int r;

	r = topo_parse_file(path, ret, &err);
	if (r >= 0)
		return EXIT_OK;
	if (err.message[0]) {
		topo_error_format(&err, buf, sizeof(buf));
		fputs(buf, stderr);
	} else
		log_error_errno(r, "Cannot read topology '%s': %m", path);
	return EXIT_USAGE;
}

bool cli_check_root(const char *verb)
{
	/* Root, or a rootless lab in a user namespace of the user's own (ns/userns.c): either way
	 * the labs live in a directory of the caller's, which must exist to be chosen. */
	const char *dir = lab_run_dir();
	char parent[LAB_PATH_MAX];

	if (geteuid() == 0 || getenv("NETLAB_RUN_DIR"))
		return true;
	snprintf(parent, sizeof(parent), "%.*s", (int)(strrchr(dir, '/') - dir), dir);
	if (access(parent, W_OK | X_OK) == 0)
		return true;
	log_error("'netlab %s' without root keeps labs in %s, but %s is not a directory of yours: "
		  "set XDG_RUNTIME_DIR (or NETLAB_RUN_DIR) to one, or use sudo",
		  verb, dir, parent);
	return false;
}

int cli_usage_error(const char *usage, const char *fmt, ...)
{
	va_list ap;

	fputs("netlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n", usage);
	return EXIT_USAGE;
}

int cli_common_option(int c, const char *usage, const char **lab, bool *as_json)
{
	switch (c) {
	case 'l':
		if (!lab)
			break;
		*lab = optarg;
		return CLI_OPT_TAKEN;
	case 'j':
		if (!as_json)
			break;
		*as_json = true;
		return CLI_OPT_TAKEN;
	case 'h':
		printf("usage: %s\n", usage);
		return EXIT_OK;
	}
	return cli_usage_error(usage, "bad option");
}

bool cli_is_file_arg(const char *arg)
{
	size_t n = strlen(arg);
	return strchr(arg, '/') || (n > 5 && strcmp(arg + n - 5, ".conf") == 0);
}

int cli_select_lab(const char *lab, char **ret)
{
	int r = lab_select(lab, ret);

	return r == -EINVAL ? EXIT_USAGE : r < 0 ? EXIT_FAIL : EXIT_OK;
}

void cli_json_begin(struct json *j)
{
	json_init(j, stdout);
	json_object_begin(j, NULL);
	json_int(j, "version", 1);
}

void cli_json_end(struct json *j)
{
	json_object_end(j);
	json_finish(j);
}
