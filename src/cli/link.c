/* SPDX-License-Identifier: MIT */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "lab.h"
#include "log.h"
#include "macro.h"

#define USAGE                                                                                      \
	"netlab link [-l LAB] NODE:IF up|down [--only|--peer] | set KEY=VALUE... [--egress] | "     \
	"reset [--egress] | show [--json]"

const char *const cli_link_ops[] = { "up", "down", "set", "reset", "show", NULL };

static void print_impair(const struct topo_impair *im)
{
	if (!im->set) {
		printf(" none");
		return;
	}
	for (size_t i = 0; i < topo_impair_n_keys; i++) {
		const struct topo_impair_key *k = &topo_impair_keys[i];
		uint64_t v = topo_impair_get(im, k);
		char b[64];

		if (!v)
			continue;
		topo_impair_format(k, v, b, sizeof(b));
		printf(" %s=%s", k->name, b);
	}
}

static void json_end(struct json *j, const struct lab_link_end *e)
{
	json_object_begin(j, NULL);
	json_string(j, e->on_switch ? "switch" : "node", e->owner);
	json_string(j, "interface", e->ifname);
	json_bool(j, "up", e->up);
	json_bool(j, "carrier", e->carrier);
	/* Values as the kernel has them: nanoseconds, bits per second, probabilities as parts of
	 * 4294967295 (docs/schema/link.schema.json). */
	json_object_begin(j, "impairment");
	for (size_t i = 0; i < topo_impair_n_keys; i++)
		json_uint(j, topo_impair_keys[i].json, topo_impair_get(&e->impair,
								       &topo_impair_keys[i]));
	json_object_end(j);
	json_string(j, "qdiscs", e->qdiscs);
	json_object_end(j);
}

static int show(const char *lab, const char *node, const char *ifname, bool as_json)
{
	struct lab_link_end e[2];

	if (lab_link_show(lab, node, ifname, e) < 0)
		return EXIT_FAIL;
	if (as_json) {
		struct json j;
		cli_json_begin(&j); /* docs/schema/link.schema.json */
		json_string(&j, "lab", lab);
		json_array_begin(&j, "ends");
		json_end(&j, &e[0]);
		json_end(&j, &e[1]);
		json_array_end(&j);
		cli_json_end(&j);
		return EXIT_OK;
	}
	for (int k = 0; k < 2; k++) {
		char who[96];
		snprintf(who, sizeof(who), "%.63s:%.15s", e[k].owner, e[k].ifname);
		printf("%-24s %-5s", who, !e[k].up ? "down" : e[k].carrier ? "up" : "nocar");
		printf(" egress:");
		print_impair(&e[k].impair);
		printf("  [%s]\n", e[k].qdiscs[0] ? e[k].qdiscs : "noqueue");
	}
	return EXIT_OK;
}

int verb_link(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "lab", required_argument, NULL, 'l' },
		{ "json", no_argument, NULL, 'j' },
		{ "egress", no_argument, NULL, 'e' },
		{ "only", no_argument, NULL, 'o' },
		{ "peer", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	const char *lab = NULL, *op;
	_cleanup_free_ char *chosen = NULL, *node = NULL;
	bool as_json = false, one_way = false;
	enum lab_link_ends which = LAB_LINK_BOTH;
	char *colon;
	int c, r;

	while ((c = getopt_long(argc, argv, "l:h", opts, NULL)) >= 0) {
		switch (c) {
		case 'e':
			one_way = true;
			break;
		case 'o':
		case 'p':
			if (which != LAB_LINK_BOTH)
				return cli_usage_error(USAGE, "--only and --peer: one end at a time");
			which = c == 'o' ? LAB_LINK_ONLY : LAB_LINK_PEER;
			break;
		default:
			r = cli_common_option(c, USAGE, &lab, &as_json);
			if (r != CLI_OPT_TAKEN)
				return r;
		}
	}
	if (argc - optind < 2)
		return cli_usage_error(USAGE, "expected NODE:IF and an operation");
	node = strdup(argv[optind]);
	if (!node)
		return EXIT_FAIL;
	colon = strchr(node, ':');
	if (!colon || !colon[1] || colon == node)
		return cli_usage_error(USAGE, "'%s': expected NODE:IF (a node and one of its "
				       "interfaces)", argv[optind]);
	*colon = 0;
	op = argv[optind + 1];
	char **rest = argv + optind + 2;
	size_t n_rest = (size_t)(argc - optind - 2);

	bool is_set = streq(op, "set");
	if (cli_word_index(cli_link_ops, op) < 0)
		return cli_usage_error(USAGE, "unknown operation '%s'", op);
	if (is_set && n_rest == 0)
		return cli_usage_error(USAGE, "set needs KEY=VALUE options (KEY one of %s)",
				       TOPO_IMPAIR_KEY_LIST);
	if (!is_set && n_rest > 0)
		return cli_usage_error(USAGE, "unexpected '%s' after %s", rest[0], op);
	/* An option the operation does not use is a mistake, not something to ignore. */
	bool is_updown = streq(op, "up") || streq(op, "down");
	if (one_way && (is_updown || streq(op, "show")))
		return cli_usage_error(USAGE, "--egress is for set and reset, not %s (%s takes "
				       "--only or --peer)", op, is_updown ? op : "show");
	if (which != LAB_LINK_BOTH && !is_updown)
		return cli_usage_error(USAGE, "--only and --peer are for up and down, not %s", op);
	if (as_json && !streq(op, "show"))
		return cli_usage_error(USAGE, "--json is for show, not %s", op);
	if (!cli_check_root("link"))
		return EXIT_FAIL;
	int sel = cli_select_lab(lab, &chosen);
	if (sel != EXIT_OK)
		return sel;

	if (streq(op, "show"))
		return show(chosen, node, colon + 1, as_json);
	if (is_updown)
		r = lab_link_updown(chosen, node, colon + 1, streq(op, "up"), which);
	else
		r = lab_link_impair(chosen, node, colon + 1, one_way, !is_set,
				    (const char *const *)rest, n_rest);
	if (r == -EINVAL && is_set)
		return EXIT_USAGE;
	return r < 0 ? EXIT_FAIL : EXIT_OK;
}
