#!/bin/bash
# `meson install` into a DESTDIR puts everything where it belongs, and a C program builds against
# the installed libnetlab with nothing but `pkg-config --cflags --libs netlab` and runs.
set -u
BUILDDIR=${BUILDDIR:?}
SRCDIR=${SRCDIR:?}
CC=${CC:-cc}
TMP=$(mktemp -d /tmp/netlab-install.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
DEST=$TMP/dest
n=0
failed=0
ok() {
	local desc=$1 out
	shift
	n=$((n + 1))
	if out=$("$@" 2>&1); then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		echo "# command: $*"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -30
		failed=$((failed + 1))
	fi
}

command -v pkg-config >/dev/null || { echo "1..0 # SKIP pkg-config not installed"; exit 0; }
echo "1..12"

ok "meson install --destdir" meson install -C "$BUILDDIR" --no-rebuild --quiet --destdir "$DEST"
prefix=$(meson introspect "$BUILDDIR" --buildoptions |
	python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root=$DEST$prefix
ok "netlab is installed and runs" "$root/bin/netlab" --version
ok "man pages netlab(1) and netlab.conf(5)" \
	sh -c "ls '$root'/share/man/man1/netlab.1* '$root'/share/man/man5/netlab.conf.5* || ! command -v scdoc"
ok "bash completion" test -s "$root/share/bash-completion/completions/netlab"
ok "zsh completion" test -s "$root/share/zsh/site-functions/_netlab"
ok "example topologies" test -s "$root/share/netlab/topologies/triangle.conf"
ok "public header" test -s "$root/include/netlab.h"
pc=$(find "$root" -name netlab.pc | head -1)
ok "pkg-config file" test -n "$pc"

export PKG_CONFIG_PATH=$(dirname "${pc:-/nonexistent}")
export PKG_CONFIG_SYSROOT_DIR=$DEST
libs=$(pkg-config --libs netlab)
cflags=$(pkg-config --cflags netlab)
ok "pkg-config --cflags --libs netlab points into the DESTDIR" \
	sh -c "printf '%s %s\n' '$cflags' '$libs' | grep -q -- '-I$DEST' && printf '%s\n' '$libs' | grep -q -- '-lnetlab'"
ok "only netlab_* is exported" sh -c \
	"! nm -D --defined-only '$(dirname "$pc")'/../libnetlab.so | awk '\$2 ~ /^[TDBR]\$/ {print \$3}' | grep -v '^netlab_'"

cat >"$TMP/prog.c" <<'C'
#include <netlab.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	struct netlab_topo *t;
	char *err = NULL;

	if (netlab_topo_load(argv[1], &t, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		free(err);
		return 1;
	}
	printf("netlab %s lab %s:", netlab_version(), netlab_topo_lab(t));
	for (size_t i = 0; i < netlab_topo_n_nodes(t); i++)
		printf(" %s", netlab_topo_node(t, i));
	printf("\n");
	netlab_topo_free(t);
	if (netlab_topo_load(argv[2], &t, &err) < 0) {
		printf("%s\n", err);
		free(err);
	}
	return 0;
}
C
san=
[ -n "${SANITIZE:-}" ] && [ "$SANITIZE" != none ] && san="-fsanitize=$SANITIZE"
# shellcheck disable=SC2086
ok "a C program builds against the installed library" \
	$CC $san -o "$TMP/prog" "$TMP/prog.c" $cflags $libs
printf 'node a\nlink a -- b\n' >"$TMP/bad.conf"
libdir=${libs#-L}
libdir=${libdir%% *}
LD_LIBRARY_PATH=$libdir ASAN_OPTIONS=detect_leaks=0 "$TMP/prog" \
	"$root/share/netlab/topologies/triangle.conf" "$TMP/bad.conf" >"$TMP/out" 2>&1
ok "and runs: loads a topology and reports errors with their position" sh -c \
	"grep -qx 'netlab [0-9.]* lab triangle: r1 r2 r3 h1 h2 h3' '$TMP/out' && grep -q 'bad.conf:2:' '$TMP/out'"
[ "$failed" = 0 ]
