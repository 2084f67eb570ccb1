/* SPDX-License-Identifier: MIT */
/*
 * Root's `netlab status` (no lab named) lists every other user's labs too, each with its owner:
 * a table of their own after root's, or "other_labs" in --json. What lab_list_foreign() found
 * there is the users' word, shown and never acted upon. Apart from status.c, which only calls it.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"

static void json_other(struct json *j, const struct lab_foreign *f, const char *owner)
{
	json_object_begin(j, NULL);
	json_string(j, "name", f->name);
	json_string(j, "state", lab_liveness_name(f->live));
	json_string(j, "owner", owner);
	json_uint(j, "uid", f->uid);
	if (f->init_pid > 0) { /* its state could be read */
		json_int(j, "init_pid", f->init_pid);
		json_uint(j, "created", f->created);
		json_uint(j, "node_count", f->n_nodes);
	}
	json_object_end(j);
}

static void row_other(const struct lab_foreign *f, const char *owner, bool color)
{
	const char *state = lab_liveness_name(f->live);
	time_t c = (time_t)f->created;
	char when[32] = "-";
	struct tm tm;

	if (f->created && localtime_r(&c, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
	printf("%-20s %-16s ", f->name, owner);
	/* The colours of status.c's table: green running, yellow starting, red stale. */
	if (color)
		printf("\033[%sm%-9s\033[0m",
		       f->live == LAB_RUNNING ? "32" : f->live == LAB_STARTING ? "33" : "31", state);
	else
		printf("%-9s", state);
	printf(" %6zu  %s\n", f->n_nodes, when);
}

bool cli_status_others(struct json *j, bool blank)
{
	bool color = !j && log_use_color(STDOUT_FILENO);
	struct lab_foreign *v = NULL;
	size_t n = 0;

	/* NETLAB_RUN_DIR chooses one set of labs: then only those. */
	if (getenv("NETLAB_RUN_DIR") || lab_list_foreign(&v, &n) < 0 || n == 0) {
		free(v);
		return false;
	}
	if (j)
		json_array_begin(j, "other_labs");
	else {
		if (blank)
			putchar('\n');
		printf("%s%-20s %-16s %-9s %6s  %s%s\n", color ? "\033[1m" : "", "LAB", "OWNER",
		       "STATE", "NODES", "CREATED", color ? "\033[0m" : "");
	}
	for (size_t i = 0; i < n; i++) {
		const struct passwd *pw = getpwuid(v[i].uid);
		char owner[33];

		/* A name from the password database, else the number. */
		if (pw && pw->pw_name[0])
			snprintf(owner, sizeof(owner), "%s", pw->pw_name);
		else
			snprintf(owner, sizeof(owner), "%u", (unsigned)v[i].uid);
		if (j)
			json_other(j, &v[i], owner);
		else
			row_other(&v[i], owner, color);
	}
	if (j)
		json_array_end(j);
	free(v);
	return true;
}
