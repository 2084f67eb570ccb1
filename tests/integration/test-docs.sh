#!/bin/bash
# Docs as tests (issue 18): every shell example of README.md, docs/TUTORIAL-CI.md, docs/API.md
# and the EXAMPLES of the man pages runs as written, and prints what the docs show
# (doctest.py says how examples are found and compared; an example that cannot run on this
# machine is marked skip= in the docs, with the reason, next to the text saying so).
#
# The examples use the labs' default run directory and install into /usr/local, as a user's
# would, so they run in a private mount namespace where /run, /etc and /usr/local are overlays
# on the host's and /run/netlab is empty: `netlab status` sees only their labs, `down --all`
# takes down only theirs, and nothing they write reaches the host.
. "$(dirname "$0")/lib.sh"
require_root
command -v unshare >/dev/null || skip_all "unshare (util-linux) not installed"
python3 -c 'import yaml' 2>/dev/null || skip_all "python3-yaml not installed"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	grep -qw overlay /proc/filesystems || skip_all "no overlayfs"
snapshot before
ls -A / >"$TMP/root.before"
export TMP SRCDIR NETLAB

skips=
# libnetlab of a sanitizer build cannot be linked by a plain `cc` (the sanitizer runtime).
[ -n "${SANITIZE:-}" ] && [ "$SANITIZE" != none ] &&
	skips="api-example=a sanitizer build: libnetlab needs the sanitizer runtime to link;api-run=needs api-example"
export DOCTEST_SKIP=$skips BUILDDIR=${BUILDDIR:-$(dirname "$NETLAB")}

docs=("$SRCDIR/README.md" "$SRCDIR/docs/TUTORIAL-CI.md" "$SRCDIR/docs/API.md"
	"$SRCDIR/docs/netlab.1.scd" "$SRCDIR/docs/netlab.conf.5.scd")
t0=$(date +%s)
unshare --mount --propagation private bash -euc '
	for d in /run /etc /usr/local; do
		o=$TMP/overlay$(echo $d | tr / _)
		mkdir -p $o/upper $o/work
		mount -t overlay overlay -o lowerdir=$d,upperdir=$o/upper,workdir=$o/work $d
	done
	mkdir -p /run/netlab
	mount -t tmpfs -o mode=0700 netlab-doctest /run/netlab
	exec python3 "$SRCDIR/tests/integration/doctest.py" "$@"' doctest "${docs[@]}" \
	>"$TMP/tap" 2>&1
rc=$?
cat "$TMP/tap"
echo "# the examples took $(($(date +%s) - t0)) s"
_n=$(grep -cE '^(not )?ok ' "$TMP/tap")
if [ $rc != 0 ] && ! grep -q '^not ok' "$TMP/tap"; then
	_n=$((_n + 1))
	echo "not ok $_n - doctest.py ran (exit $rc)"
	_failed=1
fi
grep -q '^not ok' "$TMP/tap" && _failed=1
# The nodes' working directory is the host's /: a relative path resolved there (run --artifacts
# before issue 18's fix) lands at the host's root, which the overlays do not cover.
ls -A / >"$TMP/root.after"
new=$(comm -13 "$TMP/root.before" "$TMP/root.after")
_n=$((_n + 1))
if [ -z "$new" ]; then
	echo "ok $_n - nothing new in the host's /"
else
	echo "not ok $_n - new in the host's /: $new"
	_failed=1
	[[ $new == artifacts ]] && rm -rf /artifacts
fi
host_unchanged
echo "1..$_n"
done_testing
