/* SPDX-License-Identifier: MIT */
/*
 * Diagnostics. Everything goes to stderr, prefixed "netlab: ". Only the lab and cli layers log
 * above debug; lower layers return -errno and, where the kernel said more, a message buffer.
 *
 * log_*_errno(r, fmt, ...) formats %m as strerror(-r) and returns r (which must be < 0), so a
 * caller can write "return log_error_errno(r, "Failed to ...: %m");".
 */
#pragma once

#include "macro.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARNING, LOG_LEVEL_NOTICE, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

int log_internal(enum log_level level, int error, const char *fmt, ...) _printf_(3, 4);

#define log_error(...) log_internal(LOG_LEVEL_ERROR, 0, __VA_ARGS__)
#define log_warning(...) log_internal(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_notice(...) log_internal(LOG_LEVEL_NOTICE, 0, __VA_ARGS__)
#define log_info(...) log_internal(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_internal(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
#define log_error_errno(r, ...) log_internal(LOG_LEVEL_ERROR, (r), __VA_ARGS__)
#define log_warning_errno(r, ...) log_internal(LOG_LEVEL_WARNING, (r), __VA_ARGS__)
#define log_debug_errno(r, ...) log_internal(LOG_LEVEL_DEBUG, (r), __VA_ARGS__)
