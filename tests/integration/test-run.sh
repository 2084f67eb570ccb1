#!/bin/bash
# netlab run: up, the command on the host, down — whatever happens: the command exits 0 or 3, is
# killed by a signal, netlab gets SIGTERM while it runs. --keep, --artifacts, usage.
. "$(dirname "$0")/lib.sh"
require_root
plan 23
snapshot before

LAB=t-run-$$
track_lab "$LAB"
cat >"$TMP/run.conf" <<CONF
node a b
link a -- b
start b sh -c 'echo hello from %NODE%; exec sleep 1000'
CONF
run() { "$NETLAB" run -l "$LAB" "$TMP/run.conf" "$@"; }
# Gone: its directory, and no process left in it (its lab init is PID 1 of the lab).
gone() { test ! -e "$RUN_DIR/$LAB" && ! pgrep -f "^netlab-init" -a | grep -q "$LAB"; }

is "status 0 when the command exits 0; it sees the lab (NETLAB_LAB, NETLAB_DIR)" "0" \
	"$(run -- sh -c '[ "$NETLAB_LAB" = '"$LAB"' ] && [ -f "$NETLAB_DIR/state" ] && "$NETLAB" exec a ping -c1 -W2 b >/dev/null' >/dev/null 2>&1; echo $?)"
ok "... and the lab is gone" gone
is "status 3 when the command exits 3" "3" "$(run -- sh -c 'exit 3' 2>>"$TMP/run.err"; echo $?)"
ok "... and the lab is gone" gone
is "128+9 when the command is killed by SIGKILL" "137" "$(run -- sh -c 'kill -KILL $$' 2>>"$TMP/run.err"; echo $?)"
ok "... and the lab is gone" gone
is "127 when the command does not exist" "127" "$(run -- /nonexistent/cmd 2>>"$TMP/run.err"; echo $?)"
ok "... and the lab is gone" gone

# SIGTERM to netlab while the command runs: forwarded to the command, then down.
rm -f "$TMP/ready"
"$NETLAB" run -l "$LAB" "$TMP/run.conf" -- sh -c 'trap "echo got TERM >'"$TMP"'/term; exit 42" TERM; touch '"$TMP"'/ready; while :; do sleep 0.05; done' 2>>"$TMP/bg.err" &
pid=$!
for i in $(seq 1 400); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
ok "the command started" test -e "$TMP/ready"
kill -TERM $pid
wait $pid
is "SIGTERM to netlab run: the command's status (it trapped TERM)" "42" "$?"
ok "the command got the SIGTERM" grep -q "got TERM" "$TMP/term"
ok "... and the lab is gone" gone

# The same with a command that does not trap it.
rm -f "$TMP/ready"
"$NETLAB" run -l "$LAB" "$TMP/run.conf" -- sh -c 'touch '"$TMP"'/ready; exec sleep 1000' 2>>"$TMP/bg.err" &
pid=$!
for i in $(seq 1 400); do [ -e "$TMP/ready" ] && break; sleep 0.05; done
kill -TERM $pid
wait $pid
is "SIGTERM to netlab run: 143 when the command dies of it" "143" "$?"
ok "... and the lab is gone" gone

# --keep: a failing command leaves the lab up for a look.
is "--keep: status 1" "1" "$(run --keep -- false 2>>"$TMP/run.err"; echo $?)"
ok "--keep: the lab is still up after a failure" "$NETLAB" exec -l "$LAB" a true
ok "down" "$NETLAB" down "$LAB"
is "--keep does not keep a lab whose command succeeded" "0:absent" \
	"$(run --keep -- true 2>/dev/null; echo "$?:$(test -e "$RUN_DIR/$LAB" && echo present || echo absent)")"

# --artifacts: logs and per-node ip -j output, taken before the lab goes.
# (The command waits for the daemon's first line, so that there is a log to take.)
run --artifacts "$TMP/art" -- sh -c '"$NETLAB" wait --timeout 20 b cmd -- grep -q hello "$NETLAB_DIR/b/sh.log"; exit 5' 2>>"$TMP/run.err"
is "--artifacts: the command's status" "5" "$?"
ok "--artifacts: the daemon's log" grep -q "hello from b" "$TMP/art/b/sh.log"
ok "--artifacts: addr, route, link of every node as JSON" \
	python3 -c 'import json,sys
for n in ("a", "b"):
    addrs = json.load(open(sys.argv[1] + "/" + n + "/addr.json"))
    assert any(i["ifname"] == "eth0" for i in addrs), n
    for f in ("route.json", "route6.json", "link.json"):
        json.load(open(sys.argv[1] + "/" + n + "/" + f))' "$TMP/art"
is "usage: '--' and a command are required" "2" "$(run true 2>>"$TMP/run.err"; echo $?)"
[ -s "$TMP/run.err" ] && sed "s/^/# stderr: /" "$TMP/run.err"
host_unchanged
done_testing
