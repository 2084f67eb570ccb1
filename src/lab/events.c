/* SPDX-License-Identifier: MIT */
/*
 * The lab's event log (events.log in its run directory): one timestamped line per runtime
 * change (link set/reset, node stop/start/set), written by the verbs that make them.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "events.h"
#include "lab-internal.h"
#include "log.h"
#include "macro.h"

void lab_event(const char *lab, const char *fmt, ...)
{
	char path[LAB_PATH_MAX], line[1024], ts[64];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	int fd, n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ ", ts, (long)(tv.tv_usec / 1000));
	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (lab_path(path, lab, "events.log") < 0) {
		log_warning_errno(-ENAMETOOLONG, "Cannot name the events.log of lab '%s': %m", lab);
		return;
	}
	/* Never a fifo (it would block us) nor anything but a regular file (issue 17 #12). */
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK, 0644);
	struct stat sb;
	if (fd >= 0 && (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode))) {
		fd = safe_close(fd);
		errno = EPERM;
	}
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		log_warning_errno(negative_errno(), "Cannot write %s: %m", path);
	safe_close(fd);
}
