/* SPDX-License-Identifier: MIT */
/*
 * `start` daemons: started after the `exec` statements, inside their node (they join its PID
 * namespace, so they die with the lab), output to NETLAB_DIR/NODE/NAME.log.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lab-internal.h"
#include "log.h"
#include "macro.h"

/* The daemon's log name: the command's first word, without directories. */
static void daemon_name(const char *cmd, char *buf, size_t size)
{
	const char *p = cmd + strspn(cmd, " \t");
	size_t n = strcspn(p, " \t;&|<>()");
	const char *slash = memrchr(p, '/', n);

	if (slash) {
		n -= (size_t)(slash + 1 - p);
		p = slash + 1;
	}
	if (n == 0 || n >= size || p[0] == '.')
		snprintf(buf, size, "daemon");
	else
		snprintf(buf, size, "%.*s", (int)n, p);
}

static int start_one(const struct lab_up_ctx *c, const struct topo_cmd *cmd)
{
	const struct topo *t = c->t;
	const char *node = t->nodes[cmd->node].name;
	char env_node[128], dir[4400], name[64], path[4600];
	const char *env[8];
	char *argv[] = { (char *)"sh", (char *)"-c", cmd->command, NULL };
	_cleanup_close_ int fd = -EBADF;
	size_t k = 0;
	int r;

	for (const char *const *e = c->env; e && *e && k < ELEMENTSOF(env) - 2; e++)
		env[k++] = *e;
	snprintf(env_node, sizeof(env_node), "NETLAB_NODE=%s", node);
	env[k++] = env_node;
	env[k] = NULL;

	snprintf(dir, sizeof(dir), "%s/%s", c->dir, node);
	if (mkdir(dir, 0700) < 0 && errno != EEXIST)
		return log_error_errno(negative_errno(), "Cannot create '%s': %m", dir);
	daemon_name(cmd->command, name, sizeof(name));
	/* Two daemons of one name in a node get name.log, name-2.log... in file order. */
	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	for (unsigned n = 2; access(path, F_OK) == 0; n++)
		snprintf(path, sizeof(path), "%s/%s-%u.log", dir, name, n);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return log_error_errno(negative_errno(), "Cannot create log '%s': %m", path);
	r = ns_spawn_daemon(c->nodes[cmd->node].pidfd, ns_node_setns_flags(c->specs[cmd->node].flags),
			    argv, fd, env);
	if (r < 0)
		return log_error_errno(r, "%s:%u: Cannot start daemon in node '%s': %m", t->file,
				       cmd->pos.line, node);
	return 0;
}

int lab_daemons_start(const struct lab_up_ctx *c)
{
	for (size_t i = 0; i < c->t->n_cmds; i++) {
		if (!c->t->cmds[i].daemon)
			continue;
		int r = start_one(c, &c->t->cmds[i]);
		if (r < 0)
			return r;
	}
	return 0;
}
