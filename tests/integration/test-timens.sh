#!/bin/bash
# Time namespaces (issue 14): `node r1 uptime=+30d` offsets CLOCK_MONOTONIC and CLOCK_BOOTTIME
# for every process of the node (exec, start, wait cmd; with or without its own PID namespace),
# so /proc/uptime in it is 30 days ahead of the host's; a node without it matches the host;
# wall-clock time is never offset; an offset that would take a clock below zero is refused at
# its place in the file.
. "$(dirname "$0")/lib.sh"
require_root
[ -e /proc/self/ns/time ] || skip_all "this kernel has no time namespaces"
plan 13
snapshot before

LAB=t-timens-$$
track_lab "$LAB"
cat >"$TMP/t.conf" <<CONF
lab $LAB
node r1 uptime=+30d
node r2
node r3 pid uptime=+1h
link r1 -- r2
link r2 -- r3
CONF
# Seconds of uptime ahead of the host's, in node $1 (rounded).
ahead() {
	local theirs ours
	theirs=$("$NETLAB" exec -l "$LAB" "$1" cat /proc/uptime | cut -d' ' -f1)
	ours=$(cut -d' ' -f1 /proc/uptime)
	python3 -c "print(round($theirs - $ours))"
}
near() { python3 -c "import sys; sys.exit(0 if abs($1 - $2) <= 5 else 1)"; }

ok "up with uptime=" "$NETLAB" up "$TMP/t.conf"
A=$(ahead r1)
ok "/proc/uptime in r1 is 30 days ahead of the host's ($A s)" near "$A" 2592000
A=$(ahead r2)
ok "a node without uptime= matches the host ($A s)" near "$A" 0
A=$(ahead r3)
ok "a node with its own PID namespace too ($A s)" near "$A" 3600
ok "wait cmd sees the node's clock" "$NETLAB" wait -l "$LAB" --timeout 5 r1 cmd -- sh -c 'test "$(cut -d. -f1 /proc/uptime)" -gt 2592000'
ok "start: a daemon sees the node's clock" "$NETLAB" start -l "$LAB" r1 cat /proc/uptime
ok "... (its log)" sh -c "for i in \$(seq 50); do f=\$(ls '$RUN_DIR/$LAB/r1/'*.log 2>/dev/null | head -1); [ -s \"\$f\" ] && break; sleep 0.1; done; test \"\$(cut -d. -f1 \"\$f\")\" -gt 2592000"
W=$("$NETLAB" exec -l "$LAB" r1 date +%s)
ok "wall-clock time is the host's (CLOCK_REALTIME cannot be offset)" near "$W" "$(date +%s)"
is "node show --json says uptime +30d" +30d "$("$NETLAB" node -l "$LAB" r1 show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["resources"]["uptime"])')"
ok "down" "$NETLAB" down "$LAB"

printf 'lab %s\nnode r1 uptime=-36500d\n' "$LAB" >"$TMP/neg.conf"
"$NETLAB" up "$TMP/neg.conf" 2>"$TMP/err"
is "an offset below the host's boot is refused (exit 1)" 1 $?
ok "... at its place in the file" grep -q "neg.conf:2:9: uptime=-3153600000s would put node 'r1' before its boot" "$TMP/err"
host_unchanged
done_testing
