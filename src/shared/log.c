/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* The process-wide destination (the command's); a thread with a target of its own
 * (log_set_thread_target) uses that instead and never touches these. */
static enum log_level max_level = LOG_LEVEL_NOTICE;
static unsigned n_errors;
static log_sink_fn sink;
static void *sink_userdata;
static _Thread_local struct log_target *thread_target;

struct log_target *log_set_thread_target(struct log_target *target)
{
	struct log_target *prev = thread_target;
	thread_target = target;
	return prev;
}

struct log_target *log_thread_target(void)
{
	return thread_target;
}

void log_set_sink(log_sink_fn fn, void *userdata)
{
	sink = fn;
	sink_userdata = userdata;
}

bool log_use_color(int fd)
{
	const char *nc = getenv("NO_COLOR");
	return !(nc && nc[0]) && isatty(fd);
}

unsigned log_error_count(void)
{
	const struct log_target *t = thread_target;
	return __atomic_load_n(t ? &t->errors : &n_errors, __ATOMIC_RELAXED);
}

void log_set_level(enum log_level level)
{
	max_level = level;
}

const char *log_escape(const char *s, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char e[5] = "";

		if (c == '\\' || c == '\n' || c == '\t' || c == '\r')
			snprintf(e, sizeof(e), "\\%c",
				 c == '\n' ? 'n' : c == '\t' ? 't' : c == '\r' ? 'r' : '\\');
		else if (c < 0x20 || c == 0x7f)
			snprintf(e, sizeof(e), "\\x%c%c", hex[c >> 4], hex[c & 0xf]);
		else
			e[0] = (char)c;
		/* Room for "..." and the NUL whatever follows: a cut is always marked. */
		if (k + strlen(e) + 4 > size)
			break;
		memcpy(buf + k, e, strlen(e));
		k += strlen(e);
	}
	if (*s) {
		memcpy(buf + k, "...", 3);
		k += 3;
	}
	buf[k] = '\0';
	return buf;
}

/* Writes all of buf with as few write()s as the kernel allows: one line, one write, so that
 * lines of netlab processes sharing a stderr (parallel runs, a CI log) never interleave. */
static void write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, buf, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return;
		buf += k;
		n -= (size_t)k;
	}
}

int log_internal(enum log_level level, int error, const char *fmt, ...)
{
	struct log_target *t = thread_target;
	log_sink_fn to = t ? t->sink : sink;
	void *to_data = t ? t->userdata : sink_userdata;
	int saved = errno;
	char line[4096];
	const char *prefix = "netlab: ";
	size_t off;
	va_list ap;
	int n;

	if (level == LOG_LEVEL_ERROR)
		__atomic_fetch_add(t ? &t->errors : &n_errors, 1, __ATOMIC_RELAXED);
	if (level > (t ? t->level : max_level))
		return error < 0 ? error : -error;

	/* %m in the format refers to the error we were handed, or else to errno at the call: the
	 * message is formatted first, before anything (isatty, getenv, a sink) can change errno. */
	if (level <= LOG_LEVEL_WARNING && !to && log_use_color(STDERR_FILENO))
		prefix = level == LOG_LEVEL_ERROR ? "\033[1;31mnetlab:\033[0m "
						  : "\033[1;33mnetlab:\033[0m ";
	off = to ? 0 : strlen(prefix);
	errno = error != 0 ? (error < 0 ? -error : error) : saved;
	va_start(ap, fmt);
	n = vsnprintf(line + off, sizeof(line) - off - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - off - 2)
		n = (int)(sizeof(line) - off - 2); /* truncated: still one line */
	if (to) {
		to(level, line, to_data);
	} else {
		memcpy(line, prefix, off);
		line[off + (size_t)n] = '\n';
		write_all(STDERR_FILENO, line, off + (size_t)n + 1);
	}
	errno = saved;
	return error < 0 ? error : -error;
}
