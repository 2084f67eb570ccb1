/* SPDX-License-Identifier: MIT */
/*
 * The /etc/hosts every node sees, so that `netlab exec h1 ping h2` resolves. Pure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "plan-internal.h"
#include "topo-internal.h"

/* The address `NODE` stands for: its loopback (stable whatever links go down), else the first
 * address of that family on its ifaces. */
static const struct topo_addr *node_addr(const struct topo *t, const struct topo_node *n,
					 int family)
{
	if (family == AF_INET && n->has_lo4)
		return &n->lo4;
	if (family == AF_INET6 && n->has_lo6)
		return &n->lo6;
	for (size_t k = 0; k < n->n_ifaces; k++) {
		const struct topo_addr *a = plan_first_addr(&t->ifaces[n->ifaces[k]], family, NULL);

		if (a)
			return a;
	}
	return NULL;
}

char *topo_hosts_file(const struct topo *t)
{
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	char a[TOPO_ADDRSTRLEN];
	FILE *f;

	f = open_memstream(&buf, &size);
	if (!f)
		return NULL;

	fputs("127.0.0.1\tlocalhost\n"
	      "::1\tlocalhost ip6-localhost ip6-loopback\n",
	      f);
	fprintf(f, "# netlab lab '%s'\n", t->lab ? t->lab : "");
	for (size_t n = 0; n < t->n_nodes; n++) {
		const struct topo_node *node = &t->nodes[n];
		static const int families[] = { AF_INET, AF_INET6 };

		for (size_t k = 0; k < ELEMENTSOF(families); k++) {
			const struct topo_addr *na = node_addr(t, node, families[k]);

			if (na)
				fprintf(f, "%s\t%s\n", topo_addr_str(na, false, a, sizeof(a)),
					node->name);
		}
		for (size_t k = 0; k < node->n_ifaces; k++) {
			const struct topo_iface *i = &t->ifaces[node->ifaces[k]];

			for (size_t j = 0; j < i->n_addrs; j++)
				fprintf(f, "%s\t%s-%s\n",
					topo_addr_str(&i->addrs[j], false, a, sizeof(a)),
					node->name, i->name);
		}
	}

	/* open_memstream reports a failed allocation only at fclose() */
	if (fclose(f) != 0)
		return NULL;
	return TAKE_PTR(buf);
}
