/* SPDX-License-Identifier: MIT */
/* The parsed model: freeing it, finding things in it by name, and which names are valid. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo-internal.h"

void topo_free(struct topo *t)
{
	if (!t)
		return;
	free(t->file);
	free(t->source);
	free(t->dir);
	free(t->lab);
	for (size_t i = 0; i < t->n_nodes; i++) {
		free(t->nodes[i].ifaces);
		free(t->nodes[i].rootfs);
		free(t->nodes[i].image);
	}
	free(t->nodes);
	free(t->default_rootfs);
	free(t->default_image);
	free(t->switches);
	free(t->links);
	free(t->ifaces);
	for (size_t i = 0; i < t->n_segments; i++)
		free(t->segments[i].ifaces);
	free(t->segments);
	free(t->routes);
	for (size_t i = 0; i < t->n_sysctls; i++) {
		free(t->sysctls[i].key);
		free(t->sysctls[i].value);
	}
	free(t->sysctls);
	for (size_t i = 0; i < t->n_mounts; i++) {
		free(t->mounts[i].src);
		free(t->mounts[i].dir);
		free(t->mounts[i].user);
		free(t->mounts[i].group);
		free(t->mounts[i].size);
	}
	free(t->mounts);
	for (size_t i = 0; i < t->n_cmds; i++) {
		free(t->cmds[i].command);
		free(t->cmds[i].ready_arg);
		free(t->cmds[i].user);
	}
	free(t->cmds);
	for (size_t i = 0; i < t->n_files; i++) {
		free(t->files[i].path);
		free(t->files[i].text);
		free(t->files[i].content);
		free(t->files[i].from);
	}
	free(t->files);
	free(t);
}


bool topo_node_name_reserved(const char *name)
{
	/* Every name in a lab's directory that is also a valid name (the others have a dot). */
	static const char *const reserved[] = { "state", "hosts", "lock", NULL };

	for (const char *const *r = reserved; *r; r++)
		if (strcmp(*r, name) == 0)
			return true;
	return false;
}

bool topo_name_valid(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strlen(name);
	if (n == 0 || n > TOPO_NAME_MAX)
		return false;
	if (!((name[0] >= 'A' && name[0] <= 'Z') || (name[0] >= 'a' && name[0] <= 'z')))
		return false;
	for (size_t i = 1; i < n; i++) {
		char c = name[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The default lab name: the file name without its directory and ".conf". */

size_t topo_find_node(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		if (streq(t->nodes[i].name, name))
			return i;
	return TOPO_NONE;
}

size_t topo_find_switch(const struct topo *t, const char *name)
{
	for (size_t i = 0; i < t->n_switches; i++)
		if (streq(t->switches[i].name, name))
			return i;
	return TOPO_NONE;
}

size_t topo_find_iface(const struct topo *t, size_t node, const char *ifname)
{
	if (node >= t->n_nodes)
		return TOPO_NONE;
	for (size_t i = 0; i < t->nodes[node].n_ifaces; i++) {
		size_t k = t->nodes[node].ifaces[i];

		if (streq(t->ifaces[k].name, ifname))
			return k;
	}
	return TOPO_NONE;
}
