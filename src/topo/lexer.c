/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lexer.h"

/* A logical line costs about ten bytes of memory per byte (its text, a position per byte, the
 * parser's words): bounded here, so that one huge continued statement cannot take gigabytes.
 * A million names of fifteen bytes fit. */
#define LEX_LINE_MAX (16u << 20)

void lexer_init(struct lexer *lx, const struct topo_src *src)
{
	*lx = (struct lexer){.src = src, .off = 0, .line = 1};
}

void lex_line_done(struct lex_line *l)
{
	free(l->c);
	free(l->pos);
	*l = (struct lex_line){};
}

static int lex_line_push(struct lex_line *l, char c, unsigned line, unsigned col)
{
	if (l->n + 1 >= l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 128;
		char *nc;
		struct topo_pos *np;

		nc = realloc(l->c, cap);
		if (!nc)
			return -ENOMEM;
		l->c = nc;
		np = realloc(l->pos, cap * sizeof(*np));
		if (!np)
			return -ENOMEM;
		l->pos = np;
		l->cap = cap;
	}
	l->c[l->n] = c;
	l->pos[l->n] = (struct topo_pos){.line = line, .col = col};
	l->n++;
	l->c[l->n] = '\0';
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

int lexer_next(struct lexer *lx, struct lex_line *out, struct topo_error *err)
{
	const char *text = lx->src->text;
	size_t len = lx->src->len;
	int r;

	out->n = 0;
	if (out->c)
		out->c[0] = '\0';
	if (lx->off >= len)
		return 0;

	/* Quotes matter only to exec/start commands (sh -c text): a '#' inside them is the
	 * command's, not a comment. Tracked across continuations, like the shell does. */
	char quote = 0;
	bool escaped = false;

	/* One physical line per iteration; stay in the loop while it ends in a continuation. */
	for (;;) {
		size_t start = lx->off, end, stop;
		bool cont = false, comment = false;

		end = start;
		while (end < len && text[end] != '\n')
			end++;
		lx->off = end < len ? end + 1 : end;

		/* A '\' followed only by blanks still continues: trailing blanks are invisible
		 * in an editor, and a stray '\' in a token is never what the user meant. */
		stop = end;
		while (stop > start && is_blank(text[stop - 1]))
			stop--;
		if (stop > start && text[stop - 1] == '\\') {
			cont = true;
			stop--;
		} else {
			stop = end;
		}

		for (size_t i = start; i < stop; i++) {
			unsigned char c = (unsigned char)text[i];
			unsigned col = (unsigned)(i - start + 1);

			if (escaped)
				escaped = false;
			else if (c == '\\' && quote != '\'')
				escaped = true;
			else if (quote && c == (unsigned char)quote)
				quote = 0;
			else if (!quote && (c == '\'' || c == '"'))
				quote = (char)c;
			else if (!quote && c == '#' && (out->n == 0 || is_blank(out->c[out->n - 1]))) {
				/* A comment ends the logical line: a '\' at its end is part of the
				 * comment, not a continuation. */
				comment = true;
				break;
			}
			if ((c < 0x20 && c != '\t' && c != '\r' && c != '\v' && c != '\f') ||
			    c == 0x7f) {
				struct topo_pos pos = {.line = lx->line, .col = col};

				return topo_fail(err, lx->src, pos, 1,
						 "unexpected control character 0x%02x", c);
			}
			if (out->n >= LEX_LINE_MAX) {
				struct topo_pos pos = {.line = lx->line, .col = col};

				return topo_fail(err, lx->src, pos, 1,
						 "statement longer than %u MiB", LEX_LINE_MAX >> 20);
			}
			r = lex_line_push(out, (char)c, lx->line, col);
			if (r < 0)
				return r;
		}
		if (cont && !comment) {
			r = lex_line_push(out, ' ', lx->line, (unsigned)(stop - start + 1));
			if (r < 0)
				return r;
		}
		lx->line++;
		if (!cont || comment || lx->off >= len)
			break;
	}
	return 1;
}

int lexer_heredoc(struct lexer *lx, const char *tag, struct topo_pos at, unsigned at_len,
		  char **ret, size_t *ret_len, unsigned *ret_line, struct topo_error *err)
{
	const char *text = lx->src->text;
	size_t len = lx->src->len, tlen = strlen(tag), o = 0;
	unsigned first = lx->line;
	char *out = malloc(1);

	if (!out)
		return -ENOMEM;
	out[0] = '\0';
	while (lx->off < len) {
		size_t start = lx->off, end = start, a, z;

		while (end < len && text[end] != '\n')
			end++;
		lx->off = end < len ? end + 1 : end;
		a = start;
		z = end;
		while (a < z && is_blank(text[a]))
			a++;
		while (z > a && is_blank(text[z - 1]))
			z--;
		if (z - a == tlen && memcmp(text + a, tag, tlen) == 0) {
			lx->line++;
			*ret = out;
			*ret_len = o;
			*ret_line = first;
			return 0;
		}
		for (size_t i = start; i < end; i++) {
			unsigned char c = (unsigned char)text[i];
			if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7f) {
				struct topo_pos pos = {.line = lx->line, .col = (unsigned)(i - start + 1)};
				free(out);
				return topo_fail(err, lx->src, pos, 1,
						 "unexpected control character 0x%02x", c);
			}
		}
		char *n = realloc(out, o + (end - start) + 2);
		if (!n) {
			free(out);
			return -ENOMEM;
		}
		out = n;
		memcpy(out + o, text + start, end - start);
		o += end - start;
		out[o++] = '\n';
		out[o] = '\0';
		lx->line++;
	}
	free(out);
	return topo_fail(err, lx->src, at, at_len,
			 "here-document is not closed: no line '%s' after it", tag);
}

/* ---- the file itself (topo_read_file, topo.h) ---- */

/* Larger files are certainly not topologies; refusing them keeps a typo in the path (a disk
 * image, /dev/zero) from eating memory. */
#define TOPO_FILE_MAX (256u * 1024 * 1024)

int topo_read_file(const char *path, char **ret, size_t *ret_len, bool *ret_regular)
{
	_cleanup_close_ int fd = -EBADF;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0, cap = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISDIR(st.st_mode))
		return -EISDIR;

	/* Read to the end rather than trusting st_size: pipes and /proc files report 0. */
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap >= TOPO_FILE_MAX)
				return -EFBIG;
			cap = cap ? cap * 2 : 16384;
			nb = realloc(buf, cap);
			if (!nb)
				return -ENOMEM;
			buf = nb;
		}
		n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return negative_errno();
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	if (ret_regular)
		*ret_regular = S_ISREG(st.st_mode);
	return 0;
}
