/* SPDX-License-Identifier: MIT */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
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
	/* Namespaces, mounts and netlink in other namespaces need CAP_SYS_ADMIN and
	 * CAP_NET_ADMIN in the initial user namespace; say so before trying anything. */
	if (geteuid() == 0)
		return true;
	log_error("'netlab %s' needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN); try: sudo netlab %s ...",
		  verb, verb);
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
