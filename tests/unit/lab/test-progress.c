/* SPDX-License-Identifier: MIT */
/* `up`'s counted progress (src/lab/progress.c): what each phase reports, and how often. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "lab-progress.h"

struct report {
	enum lab_phase phase;
	size_t done, total;
};

static struct report reports[4096];
static size_t n_reports;

static void record(enum lab_phase phase, size_t done, size_t total, void *userdata)
{
	assert_ptr_equal(userdata, &n_reports);
	assert_true(n_reports < sizeof(reports) / sizeof(reports[0]));
	reports[n_reports++] = (struct report){ phase, done, total };
}

static struct lab_progress recorder(void)
{
	n_reports = 0;
	return (struct lab_progress){ .fn = record, .userdata = &n_reports };
}

/* The reports of one phase: the first is 0/total, the last total/total, done never goes back,
 * and there are at most LAB_PROGRESS_STEPS + 1 of them. Returns how many. */
static size_t check_phase(enum lab_phase p, size_t total)
{
	size_t first = SIZE_MAX, last = 0, n = 0;

	for (size_t i = 0; i < n_reports; i++) {
		if (reports[i].phase != p)
			continue;
		if (first == SIZE_MAX)
			first = i;
		else {
			assert_true(reports[i].done > reports[last].done);
			/* One phase's reports come together, not mixed with another's. */
			assert_int_equal(i, last + 1);
		}
		assert_int_equal(reports[i].total, total);
		last = i;
		n++;
	}
	assert_true(n > 0);
	assert_int_equal(reports[first].done, 0);
	assert_int_equal(reports[last].done, total);
	assert_true(n <= LAB_PROGRESS_STEPS + 1);
	return n;
}

/* `up` of a lab as lab_up() runs it: every phase, one thing at a time. */
static void test_every_phase(void **state)
{
	struct topo t = { .n_nodes = 1000, .n_switches = 3, .n_links = 999, .n_cmds = 5 };
	struct lab_progress p = recorder();

	(void)state;
	for (enum lab_phase ph = 0; ph < _LAB_PHASE_MAX; ph++) {
		size_t total = lab_progress_total(ph, &t);
		lab_progress_begin(&p, ph, total);
		for (size_t i = 0; i < total; i++)
			lab_progress_add(&p, 1);
		lab_progress_end(&p);
	}
	/* Phases are reported in order. */
	for (size_t i = 1; i < n_reports; i++)
		assert_true(reports[i].phase >= reports[i - 1].phase);
	for (enum lab_phase ph = 0; ph < _LAB_PHASE_MAX; ph++)
		check_phase(ph, lab_progress_total(ph, &t));
	/* 1000 nodes in steps of 16 (1000/64 rounded up): 0, 16, ..., 992, then 1000. */
	assert_int_equal(check_phase(LAB_PHASE_NODES, 1000), 1 + 62 + 1);
	for (size_t i = 0; i < n_reports; i++)
		if (reports[i].phase == LAB_PHASE_NODES && reports[i].done != 1000)
			assert_int_equal(reports[i].done % 16, 0);
	/* A phase that counts nothing is reported once. */
	assert_int_equal(check_phase(LAB_PHASE_PREPARE, 0), 1);
	assert_int_equal(check_phase(LAB_PHASE_COMMIT, 0), 1);
	/* Fewer things than steps: each one is reported. */
	assert_int_equal(check_phase(LAB_PHASE_BRIDGES, 3), 4);
	assert_int_equal(check_phase(LAB_PHASE_EXEC, 5), 6);
}

/* What each phase counts. */
static void test_totals(void **state)
{
	struct topo t = { .n_nodes = 7, .n_switches = 2, .n_links = 9, .n_cmds = 4 };

	(void)state;
	assert_int_equal(lab_progress_total(LAB_PHASE_PREPARE, &t), 0);
	assert_int_equal(lab_progress_total(LAB_PHASE_NODES, &t), 7);
	assert_int_equal(lab_progress_total(LAB_PHASE_BRIDGES, &t), 2);
	assert_int_equal(lab_progress_total(LAB_PHASE_LINKS, &t), 9);
	assert_int_equal(lab_progress_total(LAB_PHASE_ADDRESSES, &t), 7);
	assert_int_equal(lab_progress_total(LAB_PHASE_IMPAIR, &t), 0);
	assert_int_equal(lab_progress_total(LAB_PHASE_READY, &t), 0);
	assert_int_equal(lab_progress_total(LAB_PHASE_EXEC, &t), 4);
	assert_int_equal(lab_progress_total(LAB_PHASE_COMMIT, &t), 0);
}

/* Counted in slices (nodes are spawned so), or all at once; never beyond the total. */
static void test_slices_and_clamp(void **state)
{
	struct lab_progress p = recorder();

	(void)state;
	lab_progress_begin(&p, LAB_PHASE_NODES, 1000);
	lab_progress_add(&p, 128);
	lab_progress_add(&p, 5);  /* 133: less than a step (16) since 128, not reported */
	lab_progress_add(&p, 11); /* 144: a step since 128 */
	lab_progress_add(&p, 5000);
	lab_progress_end(&p);
	assert_int_equal(n_reports, 4);
	assert_int_equal(reports[1].done, 128);
	assert_int_equal(reports[2].done, 144);
	assert_int_equal(reports[3].done, 1000);
	assert_int_equal(p.done, 1000);
}

/* A phase that ends before its count is done (the `start`s, counted all at once; a phase
 * whose things were made in a thread) still ends at total/total. */
static void test_end_completes(void **state)
{
	struct lab_progress p = recorder();

	(void)state;
	lab_progress_begin(&p, LAB_PHASE_BRIDGES, 500);
	lab_progress_end(&p);
	lab_progress_end(&p); /* twice: no second report */
	assert_int_equal(n_reports, 2);
	assert_int_equal(reports[1].done, 500);
	assert_int_equal(reports[1].total, 500);
	/* Nothing to count: one report, whatever is added. */
	n_reports = 0;
	lab_progress_begin(&p, LAB_PHASE_IMPAIR, 0);
	lab_progress_add(&p, 3);
	lab_progress_end(&p);
	assert_int_equal(n_reports, 1);
	assert_int_equal(reports[0].done, 0);
	assert_int_equal(reports[0].total, 0);
}

/* The rate bound holds for every size, added one at a time. */
static void test_bounded(void **state)
{
	(void)state;
	for (size_t total = 1; total <= 3000; total += 7) {
		struct lab_progress p = recorder();
		lab_progress_begin(&p, LAB_PHASE_LINKS, total);
		for (size_t i = 0; i < total; i++)
			lab_progress_add(&p, 1);
		lab_progress_end(&p);
		check_phase(LAB_PHASE_LINKS, total);
	}
}

/* Without a callback (not a terminal, the library) it only counts. */
static void test_no_callback(void **state)
{
	struct lab_progress p = { 0 };

	(void)state;
	lab_progress_begin(&p, LAB_PHASE_LINKS, 10);
	lab_progress_add(&p, 4);
	lab_progress_end(&p);
	assert_int_equal(p.done, 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_phase),	 cmocka_unit_test(test_totals),
		cmocka_unit_test(test_slices_and_clamp), cmocka_unit_test(test_end_completes),
		cmocka_unit_test(test_bounded),		 cmocka_unit_test(test_no_callback),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
