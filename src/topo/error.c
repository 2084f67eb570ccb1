/* SPDX-License-Identifier: MIT */
/* Errors of the topology pipeline: the first one found, as file:line:col with the source line. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "topo-internal.h"

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strlen(src);

	if (n >= size)
		n = size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

int topo_fail(struct topo_error *err, const struct topo_src *src, struct topo_pos pos, unsigned len,
	      const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -EINVAL;

	*err = (struct topo_error){.line = pos.line, .col = pos.col, .len = len};
	if (src && src->name)
		copy_str(err->file, sizeof(err->file), src->name);

	va_start(ap, fmt);
	vsnprintf(err->message, sizeof(err->message), fmt, ap);
	va_end(ap);

	if (src && src->text && pos.line > 0) {
		const char *p = src->text, *end = src->text + src->len, *eol;
		unsigned line = 1;
		size_t n;

		while (line < pos.line && p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));

			if (!nl) {
				p = end;
				break;
			}
			p = nl + 1;
			line++;
		}
		if (line == pos.line) {
			eol = memchr(p, '\n', (size_t)(end - p));
			n = (size_t)((eol ? eol : end) - p);
			if (n > 0 && p[n - 1] == '\r')
				n--;
			if (n >= sizeof(err->text))
				n = sizeof(err->text) - 1;
			memcpy(err->text, p, n);
			err->text[n] = '\0';
			/* The line is quoted to a terminal: a NUL would cut it short and other
			 * control bytes would garble it. */
			for (size_t i = 0; i < n; i++)
				if ((unsigned char)err->text[i] < 0x20 && err->text[i] != '\t')
					err->text[i] = '?';
		}
	}
	return -EINVAL;
}

int topo_error_format(const struct topo_error *err, char *buf, size_t size)
{
	size_t tl, col, len, total;
	int n;

	if (err->line == 0)
		n = snprintf(buf, size, "%s: %s\n", err->file, err->message);
	else if (err->col == 0)
		n = snprintf(buf, size, "%s:%u: %s\n", err->file, err->line, err->message);
	else
		n = snprintf(buf, size, "%s:%u:%u: %s\n", err->file, err->line, err->col,
			     err->message);
	if (n < 0)
		return n;
	total = (size_t)n;

	tl = strnlen(err->text, sizeof(err->text));
	if (err->line == 0 || tl == 0)
		return (int)total;

		/* Appends one piece, keeping buf NUL-terminated and counting what did not fit, as
	 * snprintf does. */
#define APPEND(fmt, ...)                                                                           \
	do {                                                                                       \
		size_t _off = total < size ? total : (size > 0 ? size - 1 : 0);                    \
		int _n = snprintf(size > _off ? buf + _off : NULL, size > _off ? size - _off : 0,  \
				  fmt, __VA_ARGS__);                                               \
		if (_n > 0)                                                                        \
			total += (size_t)_n;                                                       \
	} while (0)

	APPEND("    %.*s\n", (int)tl, err->text);
	if (err->col == 0)
		return (int)total;

	col = err->col - 1;
	if (col > tl)
		col = tl;
	len = err->len > 0 ? err->len : 1;
	if (col + len > tl && tl > col)
		len = tl - col;

	APPEND("%s", "    ");
	/* Tabs are copied so that the caret lines up under the text whatever the tab width. */
	for (size_t i = 0; i < col; i++)
		APPEND("%c", err->text[i] == '\t' ? '\t' : ' ');
	APPEND("%c", '^');
	for (size_t i = 1; i < len; i++)
		APPEND("%c", '~');
	APPEND("%c", '\n');
#undef APPEND
	return total > INT32_MAX ? INT32_MAX : (int)total;
}
