/* SPDX-License-Identifier: MIT */
/*
 * `up`'s counted progress (lab-progress.h). The rate bound is in counts, not in time, so that
 * what is reported depends only on what was done: a test can check it exactly, and a report
 * costs no clock read.
 */
#include "lab-progress.h"

size_t lab_progress_total(enum lab_phase p, const struct topo *t)
{
	switch (p) {
	case LAB_PHASE_NODES:
	case LAB_PHASE_ADDRESSES: /* each node's links up, addresses, routes and sysctls */
		return t->n_nodes;
	case LAB_PHASE_BRIDGES:
		return t->n_switches;
	case LAB_PHASE_LINKS:
		return t->n_links;
	case LAB_PHASE_EXEC: /* `exec` and `start` statements */
		return t->n_cmds;
	default:
		return 0;
	}
}

static void report(struct lab_progress *p)
{
	p->reported = p->done;
	if (p->fn)
		p->fn(p->phase, p->done, p->total, p->userdata);
}

/* A step is at least 1/LAB_PROGRESS_STEPS of the total, rounded up: at most that many reports
 * between the first and the last. */
static size_t step(size_t total)
{
	size_t s = (total + LAB_PROGRESS_STEPS - 1) / LAB_PROGRESS_STEPS;
	return s ? s : 1;
}

void lab_progress_begin(struct lab_progress *p, enum lab_phase phase, size_t total)
{
	p->phase = phase;
	p->done = 0;
	p->total = total;
	p->next = step(total);
	report(p);
}

void lab_progress_add(struct lab_progress *p, size_t n)
{
	p->done = n > p->total - p->done ? p->total : p->done + n;
	if ((p->done < p->next && p->done < p->total) || p->done == p->reported)
		return;
	report(p);
	p->next = p->done + step(p->total);
}

void lab_progress_end(struct lab_progress *p)
{
	p->done = p->total;
	if (p->reported != p->total)
		report(p);
}
