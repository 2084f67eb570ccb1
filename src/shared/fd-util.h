/* SPDX-License-Identifier: MIT */
/* Small fd helpers for the system part (not linked into the pure topo library). */
#pragma once

/* Copies everything from in to out, retrying on EINTR and short writes. 0 or -errno. */
int copy_fd(int in, int out);
