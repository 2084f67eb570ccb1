/* SPDX-License-Identifier: MIT */
/*
 * The `file NODE PATH [mode=OCTAL] <<TAG` statement: the here-document, ranges, where a file
 * may go, and the rendering of its variables (%NODE%, %ADDR%, %PEER:N%, per-neighbour lines).
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "topo.h"

static struct topo *parse(const char *text)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r < 0)
		fail_msg("parse failed (%d): %u:%u: %s", r, err.line, err.col, err.message);
	assert_non_null(t);
	return t;
}

static void expect_error(const char *text, unsigned line, unsigned col, const char *message)
{
	struct topo *t = NULL;
	struct topo_error err = {0};
	int r = topo_parse_string("test.conf", text, strlen(text), &t, &err);

	if (r == 0) {
		topo_free(t);
		fail_msg("parsed without error, expected %u:%u: %s", line, col, message);
	}
	assert_int_equal(r, -EINVAL);
	assert_string_equal(err.message, message);
	assert_int_equal(err.line, line);
	assert_int_equal(err.col, col);
}

static void test_heredoc_verbatim(void **state)
{
	struct topo *t = parse("node a\n"
			       "mount a tmpfs /etc/x\n"
			       "file a /etc/x/conf <<EOF\n"
			       "# not a comment \\\n"
			       "  indented; 100% literal, %s too\n"
			       "\n"
			       "EOF\n"
			       "node b\n");

	assert_int_equal(t->n_files, 1);
	assert_int_equal(t->n_nodes, 2); /* parsing goes on after the here-document */
	assert_string_equal(t->files[0].path, "/etc/x/conf");
	assert_int_equal(t->files[0].mode, 0644);
	assert_int_equal(t->files[0].body_line, 4);
	assert_string_equal(t->files[0].content,
			    "# not a comment \\\n  indented; 100% literal, %s too\n\n");
	topo_free(t);
}

static void test_mode_and_empty(void **state)
{
	struct topo *t = parse("node a\n"
			       "mount a tmpfs /run/a\n"
			       "file a /run/a/deep/er/f mode=0600 <<END\n"
			       "  END  \n");

	assert_int_equal(t->files[0].mode, 0600);
	assert_string_equal(t->files[0].content, "");
	assert_string_equal(t->mounts[t->files[0].mount].dir, "/run/a");
	topo_free(t);
}

static const char ring[] = "loopback 10.255.0.0/24\n"
			   "pool fd00::/48\n"
			   "node r1 r2 r3 router\n"
			   "node h\n"
			   "link r1 -- r2\n"
			   "link r2 -- r3\n"
			   "link r3 -- r1\n"
			   "link h -- r1\n"
			   "mount r[1..3] tmpfs /etc/bird\n"
			   "file r[1..3] /etc/bird/bird.conf <<EOF\n"
			   "router id %ADDR%; # %NODE% is number %INDEX%\n"
			   "neighbor %NB_PEER% as 6500%NB_INDEX%; # %NB_NAME% via %NB_IF%\n"
			   "EOF\n"
			   "mount h tmpfs /etc/h\n"
			   "file h /etc/h/c <<EOF\n"
			   "%ADDR:r2% %ADDR6% %IF:r1% %LOCAL:r1% %PEER:r1% %PEER6:r1%\n"
			   "EOF\n";

static void test_variables(void **state)
{
	struct topo *t = parse(ring);

	assert_int_equal(t->n_files, 4);
	/* r1: eth0 to r2 (10.0.0.0/30), eth1 to r3 (10.0.0.8/30), eth2 to h (10.0.0.12/30). */
	assert_string_equal(t->files[0].content,
			    "router id 10.255.0.1; # r1 is number 1\n"
			    "neighbor 10.0.0.2 as 65002; # r2 via eth0\n"
			    "neighbor 10.0.0.9 as 65003; # r3 via eth1\n"
			    "neighbor 10.0.0.13 as 65004; # h via eth2\n");
	assert_string_equal(t->files[1].content,
			    "router id 10.255.0.2; # r2 is number 2\n"
			    "neighbor 10.0.0.1 as 65001; # r1 via eth0\n"
			    "neighbor 10.0.0.6 as 65003; # r3 via eth1\n");
	assert_string_equal(t->files[3].content,
			    "10.255.0.2 fd00:0:0:3::1 eth0 10.0.0.13 10.0.0.14 fd00:0:0:3::2\n");
	topo_free(t);
}

static void test_switch_neighbours(void **state)
{
	struct topo *t = parse("node a b c\n"
			       "switch s\n"
			       "link a -- s\n"
			       "link b -- s\n"
			       "link c -- s\n"
			       "mount a tmpfs /etc/a\n"
			       "file a /etc/a/peers <<EOF\n"
			       "%NB_NAME%=%NB_PEER%\n"
			       "EOF\n");

	assert_string_equal(t->files[0].content, "b=10.0.0.2\nc=10.0.0.3\n");
	topo_free(t);
}

static void test_errors(void **state)
{
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\nline\n", 3, 17,
		     "here-document is not closed: no line 'EOF' after it");
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f\n", 3, 16,
		     "expected <<TAG and the file's text on the lines that follow, or from FILE");
	expect_error("node a\nfile a etc/f <<EOF\nEOF\n", 2, 8, "path 'etc/f' is not absolute");
	expect_error("node a\nfile b /etc/f <<EOF\nEOF\n", 2, 6, "unknown node 'b'");
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f mode=999 <<EOF\nEOF\n", 3, 17,
		     "invalid mode '999': expected octal permissions like 0644");
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f <<\nEOF\n", 3, 17,
		     "invalid here-document tag '<<': expected <<WORD (letters, digits, '_', '-', "
		     "'.')");
	expect_error("node a\nfile a /etc/hostname <<EOF\nEOF\n", 2, 1,
		     "'/etc/hostname' is not inside a private directory of node 'a': add e.g. "
		     "'mount a tmpfs DIR' for its directory (netlab never writes the host's own "
		     "files)");
	/* The mount itself is not a file. */
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/ <<EOF\nEOF\n", 3, 1,
		     "'/etc/x/' is not inside a private directory of node 'a': add e.g. 'mount a "
		     "tmpfs DIR' for its directory (netlab never writes the host's own files)");
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\nEOF\n"
		     "file a /etc/x/f <<EOF\nEOF\n",
		     5, 8, "file '/etc/x/f' of node 'a' is already written at line 3");
	/* Variables: errors point into the text. */
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\nok\n  %NODES%\nEOF\n", 5,
		     3, "unknown variable %NODES%");
	expect_error("node a b\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\n%PEER:b%\nEOF\n", 4, 1,
		     "node 'b' is not a neighbour of 'a' (no link or switch joins them)");
	expect_error("node a\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\n%ADDR:zz%\nEOF\n", 4, 1,
		     "unknown node 'zz' in %ADDR:zz%");
	expect_error("node a b\nlink a -- b\nmount a tmpfs /etc/x\nfile a /etc/x/f <<EOF\n"
		     "x %ADDR6%\nEOF\n",
		     5, 3, "%ADDR6%: the node has no address of that family");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_heredoc_verbatim),
		cmocka_unit_test(test_mode_and_empty),
		cmocka_unit_test(test_variables),
		cmocka_unit_test(test_switch_neighbours),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
