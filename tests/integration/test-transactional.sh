#!/bin/bash
# `up` is all or nothing: a file with an error creates nothing; a failure during up (a failing
# exec statement, a mount that cannot be made) leaves nothing; `kill -9` of up halfway through a
# 200-node lab leaves nothing but a stale state directory, which status reports and clean
# removes; after that the same lab name comes up again.
. "$(dirname "$0")/lib.sh"
require_root
plan 16
snapshot before

LAB=t-tx-$$
track_lab "$LAB"

# 1. An error in the last line: exit 2, file:line:col, nothing created.
cat >"$TMP/bad.conf" <<'CONF'
node a b
link a -- b
route a 10.9.0.0/16 via 10.0.0.2
link a -- nosuch
CONF
"$NETLAB" up -l "$LAB" "$TMP/bad.conf" 2>"$TMP/bad.err"
is "an invalid file: exit status 2" "2" "$?"
ok "an invalid file: the error is file:line:col: message" grep -q "bad.conf:4:[0-9]*: .*nosuch" "$TMP/bad.err"
ok "an invalid file: nothing created" test ! -e "$RUN_DIR/$LAB" -a "$(lab_procs)" = 0

# 2. A failing exec statement at the end of up: exit 1, nothing left.
cat >"$TMP/fail.conf" <<'CONF'
node a b
link a -- b
exec a true
exec b sh -c 'exit 3'
CONF
"$NETLAB" up -l "$LAB" "$TMP/fail.conf" 2>"$TMP/fail.err"
is "a failing exec statement fails up" "1" "$?"
ok "it names the statement and status" grep -q "fail.conf:4: .*status 3" "$TMP/fail.err"
ok "nothing is left of the lab" test ! -e "$RUN_DIR/$LAB"
wait_quiet
is "no lab process is left" "0" "$(lab_procs)"

# 3. A mount that cannot be made fails up, before any command runs.
cat >"$TMP/mnt.conf" <<CONF
node a
mount a bind $TMP/does-not-exist /mnt
exec a touch $TMP/ran
CONF
"$NETLAB" up -l "$LAB" "$TMP/mnt.conf" 2>"$TMP/mnt.err"
is "a failing mount fails up" "1" "$?"
ok "no exec statement ran" test ! -e "$TMP/ran"

# 4. kill -9 of up halfway through a 200-node lab.
{
	echo "node r[1..200] router"
	echo "link r[1..199] -- r[2..200]"
} >"$TMP/big.conf"
killed=false
for attempt in 1 2 3 4 5; do
	"$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null 2>&1 &
	up=$!
	# Wait for the event (half the nodes exist), not for a time.
	while kill -0 $up 2>/dev/null; do
		if [ "$(pgrep -c '^nl-r')" -ge 100 ]; then
			kill -9 $up && killed=true
			break
		fi
	done
	wait $up 2>/dev/null
	$killed && break
	"$NETLAB" down "$LAB" >/dev/null 2>&1 # it finished first: try again
done
ok "up was killed while half of the nodes existed" $killed
ok "every process of the half-built lab is gone" wait_quiet
is "status reports the dead lab as stale" "stale" \
	"$("$NETLAB" status --json | python3 -c "import json,sys; print([l['state'] for l in json.load(sys.stdin)['labs'] if l['name']=='$LAB'][0])")"
ok "clean removes its state" sh -c "'$NETLAB' clean | grep -q '$LAB' && test ! -e '$RUN_DIR/$LAB'"
ok "the same lab name comes up again" "$NETLAB" up -l "$LAB" "$TMP/big.conf"
ok "and goes down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
