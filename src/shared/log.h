/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics. Everything goes to stderr, prefixed "netlab: ". Only the lab and cli layers log
 * above debug; lower layers return -errno and, where the kernel said more, a message buffer.
 *
 * log_*_errno(r, fmt, ...) formats %m as strerror(-r) and returns r (which must be < 0), so a
 * caller can write "return log_error_errno(r, "Failed to ...: %m");".
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_NOTICE, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);

int log_internal(enum log_level level, int error, const char *fmt, ...) _printf_(3, 4);

/* A sink receives every message that passes the level, formatted and without the "netlab: "
 * prefix, instead of stderr; NULL goes back to stderr. msg is only valid during the call. */
typedef void (*log_sink_fn)(enum log_level level, const char *msg, void *userdata);
void log_set_sink(log_sink_fn fn, void *userdata);

/*
 * A destination of the calling thread's own, instead of the process-wide sink and level:
 * libnetlab sets one for each call, so that what the lab layer logs while it works for one
 * thread becomes that thread's error message and never another's. A helper thread working for
 * the call adopts it with log_set_thread_target(log_thread_target() of its creator); its sink
 * must then take messages from both threads at once. errors counts the error-level messages
 * sent to it (atomically). Returns the previous target (NULL: process-wide).
 */
struct log_target {
	log_sink_fn sink;     /* NULL: stderr */
	void *userdata;
	enum log_level level; /* messages above it are dropped */
	unsigned errors;
};
struct log_target *log_set_thread_target(struct log_target *target);
struct log_target *log_thread_target(void);

/* How many error-level messages have been logged so far (printed or not), to the calling
 * thread's target if it has one. An operation that fails compares it with the count at its
 * start to know whether it has said why. */
unsigned log_error_count(void);

/* Whether to colour output on fd: a terminal, and no NO_COLOR (https://no-color.org/) in the
 * environment. */
bool log_use_color(int fd);

/*
 * s made safe to quote in a message (a name a user, a file or an image gave): each control byte
 * and DEL as \n, \t, \r or \xHH, a backslash as \\, so a message stays one line and says
 * what the name holds; cut with "..." to fit size (at least 4). Writes buf, returns it.
 */
const char *log_escape(const char *s, char *buf, size_t size);
#define LOG_ESCAPE_MAX 256
/* log_escape() into a buffer that lives until the end of the enclosing block: for arguments,
 * log_error("'%s' is not ...", ESCAPED(name)). */
#define ESCAPED(s) log_escape((s), (char[LOG_ESCAPE_MAX]){ 0 }, LOG_ESCAPE_MAX)

#define log_error(...) log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(r, ...) log_internal(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_internal(LOG_LEVEL_DEBUG, (r), __VA_ARGS__)
