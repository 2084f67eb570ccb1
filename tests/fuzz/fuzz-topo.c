/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target: the topology parser, validator and planner (topo_parse_string, which
 * parses, checks, plans addresses and static routes), the error formatter, and the hosts-file
 * writer, on arbitrary bytes.
 *
 * Besides the sanitizers' checks, it asserts what netlab promises about its output: a file that
 * parses yields an /etc/hosts whose every line is "ADDRESS NAME..." with names made only of
 * [A-Za-z0-9_.-] (no line can be injected through a name), and a file that does not parse
 * yields a message with a position. Built by `meson setup -Dfuzz=true` with clang; run by
 * scripts/fuzz.
 */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The parser allows a million names (ranges); a few bytes can then ask for a million nodes and,
 * with `routing static`, 10^12 routes, which the planner refuses only after trying to allocate
 * them. Scale is tested elsewhere (tests/integration/test-input.sh); here the fuzzer is kept on
 * syntax and semantics by skipping inputs whose range ends add up to more than a few thousand.
 */
static bool too_big(const uint8_t *d, size_t n)
{
	unsigned long total = 0;

	for (size_t i = 0; i + 2 < n; i++) {
		if (d[i] != '.' || d[i + 1] != '.')
			continue;
		unsigned long v = 0;
		size_t k = i + 2;
		while (k < n && isdigit(d[k]) && v < 1000000)
			v = v * 10 + (unsigned long)(d[k++] - '0');
		total += v;
		if (total > 3000)
			return true;
	}
	return false;
}

static bool name_char(int c)
{
	return isalnum(c) || c == '_' || c == '-' || c == '.' || c == ':';
}

static void check_hosts(const char *h)
{
	const char *line = h;

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		if (len > 0 && line[0] != '#') {
			/* ADDRESS, then names separated by single spaces or tabs. */
			for (size_t i = 0; i < len; i++)
				if (!name_char((unsigned char)line[i]) && line[i] != ' ' &&
				    line[i] != '\t' && line[i] != '/') {
					fprintf(stderr, "hosts line with byte 0x%02x: %.*s\n",
						(unsigned char)line[i], (int)len, line);
					abort();
				}
		}
		if (!end)
			break;
		line = end + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct topo *t = NULL;
	struct topo_error err = { 0 };
	char buf[4096];
	int r;

	if (too_big(data, size))
		return 0;
	r = topo_parse_string("fuzz.conf", (const char *)data, size, &t, &err);
	if (r == 0) {
		char *hosts = topo_hosts_file(t);
		if (hosts)
			check_hosts(hosts);
		free(hosts);
		for (size_t i = 0; i < t->n_nodes; i++)
			if (!topo_name_valid(t->nodes[i].name))
				abort();
		topo_free(t);
	} else {
		if (t)
			abort(); /* on failure nothing is handed out */
		if (r != -ENOMEM && err.message[0] == '\0')
			abort(); /* every refusal says why */
		(void)topo_error_format(&err, buf, sizeof(buf));
	}
	return 0;
}
