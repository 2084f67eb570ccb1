#!/bin/bash
# Every file of tests/bad/ (hand-written bad topologies, each with its expected
# `LINE:COL: MESSAGE` in a first-line comment): `netlab check` and `netlab up` (as root) exit
# with status 2 and that exact message, never crash or report a sanitizer error, and nothing is
# created: no entry in the run directory, no lab process, nothing on the host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
shopt -s nullglob
files=("$SRCDIR"/tests/bad/*.conf)
[ ${#files[@]} -ge 40 ] || { echo "Bail out! only ${#files[@]} files in tests/bad"; exit 1; }
plan $((${#files[@]} + 2))
snapshot before
# The run dir and what is in it (an `up` that fails creates neither).
run_listing() { [ -e "$RUN_DIR" ] && echo "($RUN_DIR exists)"; ls -A "$RUN_DIR" 2>/dev/null; }
run_listing >"$TMP/run.before"

# One file, one verb: prints what is wrong, nothing when all is right.
check_one() {
	local verb=$1 f=$2 want got rc
	want=$(head -1 "$f" | sed -n 's/^# expect: //p')
	[ -n "$want" ] || { echo "no '# expect:' line"; return; }
	if [ "$verb" = up ]; then
		"$NETLAB" up "$f" >"$TMP/out" 2>"$TMP/err"
	else
		"$NETLAB" check "$f" >"$TMP/out" 2>"$TMP/err"
	fi
	rc=$?
	got=$(head -1 "$TMP/err")
	[ $rc = 2 ] || echo "$verb: exit status $rc, not 2"
	[ "$got" = "$f:$want" ] || echo "$verb: message '$got', expected '$f:$want'"
	! grep -Eq "Sanitizer|runtime error:|LeakSanitizer" "$TMP/err" || echo "$verb: sanitizer report"
	[ ! -s "$TMP/out" ] || echo "$verb: printed on stdout: $(head -c 200 "$TMP/out")"
	run_listing | cmp -s - "$TMP/run.before" || echo "$verb: created $(run_listing | xargs)"
	[ "$(my_lab_procs)" = 0 ] || echo "$verb: lab processes exist"
}

for f in "${files[@]}"; do
	res="$(check_one check "$f")$(check_one up "$f")"
	is "$(basename "$f"): check and up exit 2 with its message, create nothing" "" "$res"
done

# The whole corpus once more, without the header line: it must still fail cleanly (the header
# does not make a file invalid by itself).
bad=""
for f in "${files[@]}"; do
	tail -n +2 "$f" >"$TMP/noheader.conf"
	"$NETLAB" check "$TMP/noheader.conf" >/dev/null 2>"$TMP/err"
	rc=$?
	[ $rc = 2 ] || bad="$bad $(basename "$f"):$rc"
	! grep -Eq "Sanitizer|runtime error:" "$TMP/err" || bad="$bad $(basename "$f"):sanitizer"
done
is "without their header lines, every file still fails with status 2" "" "$bad"
host_unchanged
done_testing
