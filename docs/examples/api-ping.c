/* SPDX-License-Identifier: MIT */
/*
 * A test of "my protocol" written against libnetlab: bring up a router between two hosts,
 * wait until h1 reaches h2, check what ping says, and always take the lab down.
 *
 *     cc api-ping.c $(pkg-config --cflags --libs netlab) -o api-ping && sudo ./api-ping
 */
#include <netlab.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char topology[] = "node r1 router\n"
			       "node h1 h2\n"
			       "link h1 -- r1\n"
			       "link h2 -- r1\n"
			       "routing static\n";

int main(void)
{
	struct netlab_topo *t = NULL;
	struct netlab_exec_result res;
	char *err = NULL, h2[64];
	int r, failed = 1;

	if (netlab_topo_parse("example.conf", topology, strlen(topology), &t, &err) < 0) {
		fprintf(stderr, "topology: %s\n", err);
		return 2;
	}
	netlab_topo_addr(t, "h2", "eth0", 0, 0, h2, sizeof(h2));

	if (netlab_up(t, "api-example", &err) < 0) {
		fprintf(stderr, "up: %s\n", err);
		free(err);
		netlab_topo_free(t);
		return 1;
	}

	/* Daemons need a moment; addresses and routes are there when up returns. */
	if (netlab_wait(NULL, "h1", NETLAB_WAIT_REACH, "h2", 5000, &err) < 0) {
		fprintf(stderr, "wait: %s\n", err);
		free(err);
		goto down;
	}

	char *argv[] = { "ping", "-c1", "-W1", h2, NULL };
	r = netlab_exec("api-example", "h1", argv, &res, &err);
	if (r < 0) {
		fprintf(stderr, "exec: %s\n", err);
		free(err);
		goto down;
	}
	printf("ping h1 -> h2 (%s): status %d\n%s", h2, res.status, res.out);
	failed = res.status != 0 || !strstr(res.out, "1 received");
	netlab_exec_result_clear(&res);

down:
	if (netlab_down("api-example", &err) < 0) {
		fprintf(stderr, "down: %s\n", err);
		free(err);
		failed = 1;
	}
	netlab_topo_free(t);
	return failed;
}
