/* SPDX-License-Identifier: MIT */
/* Per-node files written at `up`: none yet (the topology has no statement for them). */
#include "lab-internal.h"

int lab_files_write(const struct lab_up_ctx *c)
{
	(void)c;
	return 0;
}
