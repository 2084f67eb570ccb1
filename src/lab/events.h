/* SPDX-License-Identifier: MIT */
/* The lab's event log (events.c). */
#pragma once

/* Appends "TIMESTAMP MESSAGE" to the lab's events.log (best effort, logs on failure). */
void lab_event(const char *lab, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
