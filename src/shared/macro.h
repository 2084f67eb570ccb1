/* SPDX-License-Identifier: MIT */
/*
 * Small helpers shared by every layer: cleanup attributes in the style of systemd's
 * cleanup-fundamental.h, ownership transfer, array sizes. Pure: no syscalls.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_ __attribute__((noreturn))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hand ownership on: returns the value and leaves the variable empty, so its cleanup is a no-op. */
#define TAKE_GENERIC(var, type, nullvalue)                                                         \
	({                                                                                         \
		type *_pvar_ = &(var);                                                             \
		type _var_ = *_pvar_;                                                              \
		*_pvar_ = (nullvalue);                                                             \
		_var_;                                                                             \
	})
#define TAKE_PTR(p) TAKE_GENERIC(p, __typeof__(p), NULL)
#define TAKE_FD(fd) TAKE_GENERIC(fd, int, -EBADF)

/* Generates xxxp(), the cleanup helper that calls func(*p) when *p is not empty. */
#define DEFINE_TRIVIAL_CLEANUP_FUNC(type, func)                                                    \
	static inline void func##p(type *p)                                                       \
	{                                                                                          \
		if (*p)                                                                            \
			func(*p);                                                                  \
	}

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

/* Closes an fd and keeps errno as it was: cleanup paths must not clobber the error being
 * reported. Returns -EBADF so that "fd = safe_close(fd);" leaves the variable empty. */
static inline int safe_close(int fd)
{
	if (fd >= 0) {
		int saved = errno;
		close(fd);
		errno = saved;
	}
	return -EBADF;
}
static inline void closep(int *fd)
{
	safe_close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Turns a libc-style failure (-1 with errno) into -errno, never 0 by accident. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}

#define streq(a, b) (strcmp((a), (b)) == 0)
