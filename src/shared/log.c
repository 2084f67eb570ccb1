/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static enum log_level max_level = LOG_LEVEL_NOTICE;
static log_sink_fn sink;
static void *sink_userdata;

void log_set_sink(log_sink_fn fn, void *userdata)
{
	sink = fn;
	sink_userdata = userdata;
}

void log_get_sink(log_sink_fn *ret_fn, void **ret_userdata)
{
	*ret_fn = sink;
	*ret_userdata = sink_userdata;
}

bool log_use_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	return !(nc && nc[0]) && isatty(fd);
}

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
	if (sink) {
		char msg[2048];
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		sink(level, msg, sink_userdata);
		errno = saved;
		return error < 0 ? error : -error;
	}
	if (level <= LOG_LEVEL_WARNING && log_use_color(STDERR_FILENO))
		fputs(level == LOG_LEVEL_ERROR ? "\033[1;31mnetlab:\033[0m " : "\033[1;33mnetlab:\033[0m ",
		      stderr);
	else
		fputs("netlab: ", stderr);
	/* Again: log_use_color()'s isatty() may have left ENOTTY in errno. */
	if (error != 0)
		errno = error < 0 ? -error : error;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	errno = saved;
	return error < 0 ? error : -error;
}
