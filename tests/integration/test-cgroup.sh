#!/bin/bash
# Node resources (issue 14), on the real cgroups of this machine (v1 or v2, whichever netlab
# finds): memory limit and the OOM killer, pids limit against a bounded fork loop, CPU quota
# measured from the cgroup's own usage counter, limits changed on a running node (and logged),
# every process of a node in the node's cgroup, and nothing left after down, or after a SIGKILL
# of the lab init once the next up or clean has run. The rest of /sys/fs/cgroup never changes.
. "$(dirname "$0")/lib.sh"
require_root
"$NETLAB" doctor --json | python3 -c '
import json, sys
f = json.load(sys.stdin)["features"]
# Skip only when this netlab knows the controllers and says the machine lacks one.
sys.exit(0 if all(f.get(c, {"ok": True})["ok"] for c in ("cpu", "memory", "pids")) else 1)' ||
	skip_all "no usable cpu, memory and pids cgroup controllers here (netlab doctor)"
plan 56
snapshot before
find /sys/fs/cgroup -type d | sort >"$TMP/cg.before"

LAB=t-cgroup-$$
track_lab "$LAB"
cat >"$TMP/cg.conf" <<CONF
lab $LAB
node m memory=64M
node p pids=50
node c cpu=0.25
node o
link m -- o
link p -- o
link c -- o
CONF
x() { "$NETLAB" exec -l "$LAB" "$@"; }
# field NODE EXPR: a value of node show --json's resources object, e.g. usage["oom_kills"].
field() {
	"$NETLAB" node -l "$LAB" "$1" show --json |
		python3 -c "import json,sys; r=json.load(sys.stdin)['resources']; print(r$2)"
}
# The lab's directory in the hierarchy of controller $1 (v1: its own mount; v2: the unified one).
cgdir() {
	local d
	for d in "/sys/fs/cgroup/$1" /sys/fs/cgroup/unified /sys/fs/cgroup; do
		[ -d "$d/netlab-$LAB" ] && { echo "$d/netlab-$LAB"; return; }
	done
}
# CPU time of node $1's cgroup over $2 seconds of two busy loops in it, per second of wall time,
# as a percentage of one core.
cpu_share() {
	local u0 u1 t0 t1
	u0=$(field "$1" '["usage"]["cpu_ns"]')
	t0=$(date +%s%N)
	x "$1" sh -c "timeout $2 sh -c 'while :; do :; done' & timeout $2 sh -c 'while :; do :; done' & wait"
	t1=$(date +%s%N)
	u1=$(field "$1" '["usage"]["cpu_ns"]')
	echo $(((u1 - u0) * 100 / (t1 - t0)))
}

ok "up with cpu=, memory= and pids=" "$NETLAB" up "$TMP/cg.conf"
MEM=$(cgdir memory)
ok "the lab's cgroup is named after it: netlab-$LAB" test -n "$MEM"
read -r INIT < <("$NETLAB" status --json "$LAB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["labs"][0]["init_pid"])')
ok "the lab init is in the lab's cgroup (netlab-$LAB/_lab)" grep -q "netlab-$LAB/_lab\$" "/proc/$INIT/cgroup"
ok "each node's holder is in its own cgroup" sh -c "grep -qx \"\$(pgrep -x nl-m)\" '$MEM/m/cgroup.procs' && grep -qx \"\$(pgrep -x nl-o)\" '$MEM/o/cgroup.procs'"
ok "exec runs in the node's cgroup" sh -c "'$NETLAB' exec -l '$LAB' m cat /proc/self/cgroup | grep -q 'netlab-$LAB/m\$'"
ok "start: a daemon and its children are in the node's cgroup" \
	"$NETLAB" start -l "$LAB" m sh -c 'sleep 1000 & exec sleep 1001'
ok "wait cmd runs in the node's cgroup" "$NETLAB" wait -l "$LAB" --timeout 5 m cmd -- sh -c "grep -q 'netlab-$LAB/m\$' /proc/self/cgroup"
ok "the node's cgroup holds its holder, the daemon and its child" sh -c "for i in \$(seq 50); do [ \$(wc -l <'$MEM/m/cgroup.procs') = 3 ] && exit 0; sleep 0.1; done; cat '$MEM/m/cgroup.procs'; exit 1"

# memory: 256M into a 64M node without swap.
x m dd if=/dev/zero of=/dev/null bs=256M count=1 2>/dev/null
is "a 256M allocation in a 64M node is killed by the OOM killer (SIGKILL)" 137 $?
is "node show counts the OOM kill" 1 "$(field m '["usage"]["oom_kills"]')"
is "node show says memory 64M" 64M "$(field m '["limits"]["memory"]')"
ok "the other nodes and the lab keep running" x o true
ok "the node itself keeps running" x m true

# pids: a fork loop bounded by the test; forks fail inside the node only.
x p sh -c 'i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i + 1)); done' >/dev/null 2>&1
ok "a fork loop in a pids=50 node fails (cannot fork)" test $? -ne 0
TASKS=$(field p '["usage"]["tasks"]')
ok "the node holds at most 50 tasks ($TASKS)" test "$TASKS" -le 50 -a "$TASKS" -ge 40
ok "node show counts refused forks" test "$(field p '["usage"]["forks_refused"]')" -ge 1
T0=$(date +%s%N)
ok "an exec in another node returns promptly" x o true
ok "... within 2 s ($(( ($(date +%s%N) - T0) / 1000000 )) ms)" test $(( ($(date +%s%N) - T0) / 1000000 )) -lt 2000
# The loop's shell stops at its first failed fork, which a busy (sanitized) run can see before
# the node is at its limit: fill what is left (49 of 50 once the shell is gone), so that an exec,
# which needs two tasks (the process that joins the node, and the command), has no room.
for i in 1 2 3; do
	[ "$(field p '["usage"]["tasks"]')" -ge 49 ] && break
	x p sh -c 'i=0; while [ $i -lt 100 ]; do sleep 60 & i=$((i + 1)); done' >/dev/null 2>&1
done
"$NETLAB" exec -l "$LAB" p true >/dev/null 2>&1
ok "the full node takes no exec" test $? -ne 0
ok "set pids=max raises the limit of the running node" "$NETLAB" node -l "$LAB" p set pids=max
ok "... and the node forks again" x p true
is "... node show says pids max" max "$(field p '["limits"]["pids"]')"

# cpu: two busy loops in a cpu=0.25 node, from the cgroup's own usage counter (wide tolerance:
# a check of the mechanism on a shared machine, not a benchmark).
SHARE=$(cpu_share c 3)
ok "two busy loops in a cpu=0.25 node get about a quarter of a core ($SHARE%)" test "$SHARE" -ge 5 -a "$SHARE" -le 40
ok "set cpu=1 on the running node" "$NETLAB" node -l "$LAB" c set cpu=1
SHARE=$(cpu_share c 2)
ok "... and they get more than the old quota ($SHARE%)" test "$SHARE" -gt 30
ok "set cpu=0.1 lowers it" "$NETLAB" node -l "$LAB" c set cpu=0.1
SHARE=$(cpu_share c 2)
ok "... and they get about a tenth of a core ($SHARE%)" test "$SHARE" -le 18

# memory, changed at run time.
ok "set memory=128M on the running node" "$NETLAB" node -l "$LAB" m set memory=128M
ok "... and 96M now fit" x m dd if=/dev/zero of=/dev/null bs=96M count=1
ok "set memory=32M lowers it" "$NETLAB" node -l "$LAB" m set memory=32M
is "... node show says 32M" 32M "$(field m '["limits"]["memory"]')"
"$NETLAB" node -l "$LAB" m set uptime=+1d 2>"$TMP/err"
is "uptime= cannot change at run time (exit 1)" 1 $?
ok "... and says so" grep -q "uptime= cannot change while the node runs" "$TMP/err"
ok "each change is in the lab's events log" sh -c "grep -q 'node p set pids=max' '$RUN_DIR/$LAB/events.log' && grep -q 'node c set cpu=1\$' '$RUN_DIR/$LAB/events.log' && grep -q 'node m set memory=32M' '$RUN_DIR/$LAB/events.log'"
ok "status --json carries every node's limits and usage" sh -c "'$NETLAB' status --json '$LAB' | python3 -c '
import json, sys
nodes = json.load(sys.stdin)[\"labs\"][0][\"nodes\"]
assert all(n[\"resources\"][\"cgroup\"] in (\"v1\", \"v2\") for n in nodes), nodes
assert {n[\"name\"]: n[\"resources\"][\"limits\"][\"memory\"] for n in nodes}[\"m\"] == \"32M\"'"

ok "down" "$NETLAB" down "$LAB"
is "down removed the lab's cgroups" "" "$(find /sys/fs/cgroup -maxdepth 3 -name "netlab-$LAB" | head -3)"

# A SIGKILLed lab init leaves its cgroup directories (the kernel keeps them); the next up of
# the name and clean remove them, and nothing else.
init_pid() { "$NETLAB" status --json "$LAB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["labs"][0]["init_pid"])'; }
kill_init() {
	local pid
	pid=$(init_pid)
	kill -9 "$pid"
	for i in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.1; done
}
"$NETLAB" up "$TMP/cg.conf" >/dev/null
kill_init
OLD=$(stat -c %i "$(cgdir memory)/m" 2>/dev/null)
ok "a SIGKILLed lab leaves its cgroups behind" test -n "$OLD"
ok "the next up of the name succeeds" "$NETLAB" up "$TMP/cg.conf"
ok "... with new cgroups, the stale ones removed" test "$(stat -c %i "$(cgdir memory)/m")" != "$OLD"
kill_init
"$NETLAB" clean >/dev/null
is "clean removes the cgroups of a SIGKILLed lab" "" "$(find /sys/fs/cgroup -maxdepth 3 -name "netlab-$LAB" | head -3)"

# up killed before its commit: the lab init, seeing it gone, ends the lab and removes its
# cgroups itself as it exits (no up or clean needed for them).
NETLAB_TEST_PAUSE_AT=exec "$NETLAB" up "$TMP/cg.conf" >/dev/null 2>&1 &
UP=$!
for i in $(seq 400); do [ "$(awk '{print $3}' "/proc/$UP/stat" 2>/dev/null)" = T ] && break; sleep 0.05; done
ok "an up stopped before its commit has made the lab's cgroups" test -d "$(cgdir memory)/m"
kill -9 "$UP"
wait "$UP" 2>/dev/null
for i in $(seq 100); do [ -z "$(find /sys/fs/cgroup -maxdepth 3 -name "netlab-$LAB")" ] && break; sleep 0.1; done
is "the lab init removed them as it exited" "" "$(find /sys/fs/cgroup -maxdepth 3 -name "netlab-$LAB" | head -3)"
"$NETLAB" clean >/dev/null

# Two labs of one name under two run dirs (another user's, or NETLAB_RUN_DIR) at the same time:
# cgroups are host-wide, so each has its own (netlab-LAB@HASH of its run dir), and down and clean
# of one never touch the other's.
A=$TMP/run-a B=$TMP/run-b
in_a() { NETLAB_RUN_DIR=$A "$NETLAB" "$@"; }
in_b() { NETLAB_RUN_DIR=$B "$NETLAB" "$@"; }
init_in() { NETLAB_RUN_DIR=$1 "$NETLAB" status --json "$LAB" | python3 -c 'import json,sys; print(json.load(sys.stdin)["labs"][0]["init_pid"])'; }
memcg_of() { sed -n 's/^[0-9]*:\([^:]*,\)\{0,1\}memory\(,[^:]*\)\{0,1\}://p; s/^0:://p' "/proc/$1/cgroup" | head -1; }
ok "up LAB under the default run dir and under run dir A" sh -c "'$NETLAB' up '$TMP/cg.conf' && NETLAB_RUN_DIR='$A' '$NETLAB' up '$TMP/cg.conf'"
CG0=$(memcg_of "$(init_pid)") CGA=$(memcg_of "$(init_in "$A")")
ok "the default run dir's lab init is in netlab-LAB/_lab ($CG0)" sh -c "echo '$CG0' | grep -q '/netlab-$LAB/_lab\$'"
ok "A's is in a cgroup of its own, netlab-LAB@HASH/_lab ($CGA)" sh -c "echo '$CGA' | grep -q '/netlab-$LAB@[0-9a-f]\{12\}/_lab\$'"
ok "up LAB under run dir B too" in_b up "$TMP/cg.conf"
CGB=$(memcg_of "$(init_in "$B")")
ok "... in a third cgroup ($CGB)" test -n "$CGB" -a "$CGB" != "$CGA" -a "$CGB" != "$CG0"
ok "down in A" in_a down "$LAB"
ok "... leaves the default run dir's lab and its cgroups" sh -c "'$NETLAB' exec -l '$LAB' o true && test -d '$(cgdir memory)/m'"
kill -9 "$(init_in "$B")"
for i in $(seq 100); do [ "$(in_b status 2>/dev/null | grep -c stale)" = 1 ] && break; sleep 0.1; done
ok "clean in B (a SIGKILLed lab)" in_b clean
is "... removed B's cgroups (none with @ left)" "" "$(find /sys/fs/cgroup -maxdepth 3 -name "netlab-$LAB@*" | head -3)"
ok "... and the default run dir's lab still runs, in its cgroup" sh -c "'$NETLAB' exec -l '$LAB' o true && test -d '$(cgdir memory)/m'"
ok "down" "$NETLAB" down "$LAB"
find /sys/fs/cgroup -type d | sort >"$TMP/cg.after"
ok "nothing else under /sys/fs/cgroup changed" diff "$TMP/cg.before" "$TMP/cg.after"
host_unchanged
done_testing
