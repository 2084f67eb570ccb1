/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <unistd.h>

#include "fd-util.h"
#include "macro.h"

int copy_fd(int in, int out)
{
	char buf[65536];

	for (;;) {
		ssize_t n = read(in, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(out, buf + off, (size_t)(n - off));
			if (w < 0) {
				if (errno == EINTR)
					continue;
				return negative_errno();
			}
			off += w;
		}
	}
}
