#!/bin/bash
# The pytest plugin (python/) cleans up: a failing test leaves its lab's artifacts and no lab;
# pytest interrupted by SIGINT (^C) or SIGTERM in the middle of a wait leaves nothing.
. "$(dirname "$0")/lib.sh"
require_root
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import pytest' 2>/dev/null ||
	skip_all "python3-pytest not installed"
# A sanitized libnetlab cannot be loaded by python3 through ctypes (ASan's runtime must be the
# first library of the process); the plain build runs this test.
ldd "$(dirname "$NETLAB")/libnetlab.so.0" 2>/dev/null | grep -q 'libasan\|libubsan' &&
	skip_all "libnetlab is sanitized: python3 cannot load it (the plain build runs this)"
plan 11
snapshot before

export NETLAB_LIBRARY=$(dirname "$NETLAB")/libnetlab.so.0 PYTHONPATH=$SRCDIR/python
# pytest with Python's own SIGINT handler even in a background job (where bash ignores SIGINT).
cat >"$TMP/run.py" <<'PY'
import signal, sys, pytest
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.exit(pytest.main(sys.argv[1:]))
PY
pt() { /usr/bin/python3 "$TMP/run.py" -p netlab.pytest_plugin -p no:cacheprovider "$@"; }
labs_of() { ls "$RUN_DIR" 2>/dev/null | grep "^pytest-$1-" || true; }

cat >"$TMP/test_fail.py" <<PY
NETLAB_TOPOLOGY = "$SRCDIR/python/tests/pair.conf"
def test_fails(lab):
    lab.wait("a", "route", "10.0.0.0/30")
    assert False, "on purpose"
PY
pt --netlab-artifacts "$TMP/art" "$TMP/test_fail.py" >"$TMP/out" 2>&1
is "a failing test: pytest exits 1" "1" "$?"
ok "its report names the artifacts" sh -c "grep -q -- '-- netlab artifacts --' '$TMP/out' && grep -q \"lab 'pytest-[0-9]*-1': $TMP/art/\" '$TMP/out'"
ok "the artifacts hold the lab's routes and events" sh -c \
	"ls -R '$TMP/art' | grep -q route && find '$TMP/art' -name events.log -o -name state | grep -q ."
is "no lab is left" "" "$(ls "$RUN_DIR" 2>/dev/null | grep '^pytest-' || true)"

cat >"$TMP/test_hang.py" <<PY
NETLAB_TOPOLOGY = "$SRCDIR/python/tests/pair.conf"
def test_hangs(module_lab):
    module_lab.wait("a", "route", "10.99.0.0/16", timeout=600)
PY
for sig in INT TERM; do
	# Not through pt(): $! must be pytest itself, not a subshell.
	/usr/bin/python3 "$TMP/run.py" -p netlab.pytest_plugin -p no:cacheprovider "$TMP/test_hang.py" \
		>"$TMP/out.$sig" 2>&1 &
	pid=$!
	for i in $(seq 600); do [ -n "$(labs_of $pid)" ] && break; sleep 0.05; done
	# The lab is up and the test is waiting in it (netlink events: the signal ends the wait).
	for i in $(seq 100); do
		"$NETLAB" wait -l "$(labs_of $pid)" --timeout 1 a addr 10.0.0.1 >/dev/null 2>&1 && break
		sleep 0.1
	done
	kill -$sig $pid
	wait $pid
	rc=$?
	ok "SIG$sig in a wait: pytest stops (exit $rc)" test "$rc" -ne 0 -a "$rc" -ne 124
	is "SIG$sig: the lab is gone" "" "$(labs_of $pid)"
	ok "SIG$sig: pytest said it was interrupted" grep -q "KeyboardInterrupt" "$TMP/out.$sig"
done
host_unchanged
done_testing
