/* SPDX-License-Identifier: MIT */
/*
 * Private to the parser (lexer.c, parser.c, topo.c): logical lines and the statement reader.
 */
#pragma once

#include <stddef.h>

#include "topo-internal.h"

/*
 * One logical line: physical lines joined at a trailing '\', comments removed. Every byte keeps
 * the (line, col) it was written at, so messages point into the file even across
 * continuations. A continuation becomes one ' ' (as in systemd unit files), so a token never
 * spans two physical lines and its caret length is simply its byte count.
 */
struct lex_line {
	char *c;	      /* n bytes, plus a NUL */
	struct topo_pos *pos; /* n entries */
	size_t n;
	size_t cap;
};

struct lexer {
	const struct topo_src *src;
	size_t off;    /* next byte of src->text to read */
	unsigned line; /* 1-based line of src->text at off */
};

void lexer_init(struct lexer *lx, const struct topo_src *src);

/* Reads the next logical line into *out (its buffers are reused and grown; free them with
 * lex_line_done()). Empty or comment-only lines are returned too, with n == 0.
 * Returns 1 for a line, 0 at the end of the text, -EINVAL (err filled) for a control character,
 * -ENOMEM. */
int lexer_next(struct lexer *lx, struct lex_line *out, struct topo_error *err);

void lex_line_done(struct lex_line *l);

/* A here-document: the physical lines after the current logical line, up to a line that is
 * `tag` (blanks around it allowed), read verbatim (no comments, no continuations; each line
 * keeps its '\n'). *ret is malloc'd and NUL-terminated; *ret_line is the line number of its
 * first line. Returns 0, -EINVAL (err filled at `at`, the <<TAG token, when the text ends
 * before the closing line; or at a control character), -ENOMEM. */
int lexer_heredoc(struct lexer *lx, const char *tag, struct topo_pos at, unsigned at_len,
		  char **ret, size_t *ret_len, unsigned *ret_line, struct topo_error *err);

/* parser.c: reads every statement of src into t, which the caller has zeroed. On error the
 * partly filled t is still the caller's to free with topo_free(). Returns 0, -EINVAL (err
 * filled) or -ENOMEM. */
int topo_parse_statements(struct topo *t, const struct topo_src *src, struct topo_error *err);
