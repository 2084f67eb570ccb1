/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_NOTICE;

void log_set_level(enum log_level level)
{
	max_level = level;
}

enum log_level log_get_level(void)
{
	return max_level;
}

int log_internal(enum log_level level, int error, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (level > max_level)
		return error < 0 ? error : -error;

	/* %m in the format refers to the error we were handed, not to whatever errno is now. */
	if (error != 0)
		errno = error < 0 ? -error : error;
	fputs("netlab: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errno = saved;
	return error < 0 ? error : -error;
}
