/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"

#define USAGE "netlab doctor [--json]"

static const char *const what[_LAB_FEAT_MAX] = {
	[LAB_FEAT_NETNS] = "network namespaces (every lab)",
	[LAB_FEAT_VETH] = "veth pairs (every link)",
	[LAB_FEAT_BRIDGE] = "Linux bridges (switch)",
	[LAB_FEAT_NETEM] = "sch_netem (delay= jitter= loss= duplicate= corrupt= reorder= limit=)",
	[LAB_FEAT_TBF] = "sch_tbf (rate=)",
	[LAB_FEAT_HTB] = "sch_htb",
	[LAB_FEAT_USERNS] = "unprivileged user namespaces (labs without root)",
	[LAB_FEAT_CGROUP2] = "cgroup v2 mounted",
	[LAB_FEAT_CPU] = "cgroup cpu controller (cpu=)",
	[LAB_FEAT_MEMORY] = "cgroup memory controller (memory=)",
	[LAB_FEAT_PIDS] = "cgroup pids controller (pids=)",
	[LAB_FEAT_TIMENS] = "time namespaces (uptime=)",
	[LAB_FEAT_IDMAP] = "newuidmap/newgidmap (rootless labs: many ids)",
	[LAB_FEAT_SUBID] = "subordinate ids (rootless labs: daemons with their own user)",
	[LAB_FEAT_RUNDIR] = "run directory (the labs' state)",
};

int verb_doctor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct lab_feature f[_LAB_FEAT_MAX];
	bool as_json = false, all = true;
	int c, r;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) >= 0) {
		r = cli_common_option(c, USAGE, NULL, &as_json);
		if (r != CLI_OPT_TAKEN)
			return r;
	}
	if (optind < argc)
		return cli_usage_error(USAGE, "unexpected '%s'", argv[optind]);
	if (lab_doctor(f) < 0)
		return EXIT_FAIL;
	if (as_json) {
		struct json j;
		cli_json_begin(&j); /* docs/schema/doctor.schema.json */
		json_object_begin(&j, "features");
		for (int i = 0; i < _LAB_FEAT_MAX; i++) {
			json_object_begin(&j, f[i].name);
			json_bool(&j, "ok", f[i].ok);
			json_string(&j, "detail", f[i].detail);
			json_object_end(&j);
		}
		json_object_end(&j);
		cli_json_end(&j);
	} else
		for (int i = 0; i < _LAB_FEAT_MAX; i++)
			printf("%-8s %-4s %s%s%s\n", f[i].name, f[i].ok ? "yes" : "NO", what[i],
			       f[i].detail[0] ? ": " : "", f[i].detail);
	/* Core features decide the status; optional ones are reported only. */
	for (int i = LAB_FEAT_NETNS; i <= LAB_FEAT_BRIDGE; i++)
		all &= f[i].ok;
	/* Without root, labs are rootless: user namespaces are core then. */
	if (geteuid() != 0)
		all &= f[LAB_FEAT_USERNS].ok && f[LAB_FEAT_RUNDIR].ok;
	return all ? EXIT_OK : EXIT_FAIL;
}
