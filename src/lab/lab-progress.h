/* SPDX-License-Identifier: MIT */
/*
 * `up`'s progress, counted (progress.c): each phase reports how many of its things (nodes,
 * links...) are done out of how many. Reports come at a bounded rate, at most about
 * LAB_PROGRESS_STEPS per phase whatever the lab's size, so that a callback that writes to a
 * terminal costs nothing measurable on a 1000-node lab. Pure: no syscalls, unit-tested.
 */
#pragma once

#include <stddef.h>

#include "lab.h"

#define LAB_PROGRESS_STEPS 64

struct lab_progress {
	lab_progress_fn fn; /* NULL: counts, reports nothing */
	void *userdata;
	enum lab_phase phase;
	size_t done, total;
	size_t next;     /* the count at which the next report is due */
	size_t reported; /* done as last reported */
};

/* How many things phase p of `up` counts for topology t; 0 for a phase that counts nothing
 * (it is reported once, as 0/0). */
size_t lab_progress_total(enum lab_phase p, const struct topo *t);

/* A phase starts: reported as 0/total. */
void lab_progress_begin(struct lab_progress *p, enum lab_phase phase, size_t total);
/* n more things done (never beyond total); reported when a step's worth has been done since
 * the last report, or when all are. */
void lab_progress_add(struct lab_progress *p, size_t n);
/* The phase is over: reported as total/total unless that was its last report. */
void lab_progress_end(struct lab_progress *p);
