#!/bin/bash
# Runtime faults: link down/up (both ends lose the link, the peer sees the carrier go; up
# restores addresses and routes), a switch port, node stop/start, the event log, doctor, and
# `up` refusing what the kernel cannot do before it creates anything.
. "$(dirname "$0")/lib.sh"
require_root
plan 38
snapshot before

LAB=t-faults-$$
track_lab "$LAB"
cat >"$TMP/faults.conf" <<CONF
node a b
node r router
switch sw
link a -- r
link r -- sw a>b:rate=50mbit
link b -- sw
routing static
start r sleep 1000
CONF
x() { "$NETLAB" exec -l "$LAB" "$@"; }
L() { "$NETLAB" link -l "$LAB" "$@"; }
opstate() { x "$1" cat "/sys/class/net/$2/operstate"; }
carrier() { x "$1" cat "/sys/class/net/$2/carrier" 2>/dev/null || echo none; }
# Until CMD succeeds (up to 5 s): links need a moment for the carrier and neighbours.
eventually() {
	local i
	for i in $(seq 1 100); do "$@" >/dev/null 2>&1 && return 0; sleep 0.05; done
	return 1
}
reach() { x a ping -c1 -W1 -q b; }

ok "doctor runs and reports every feature" sh -c "'$NETLAB' doctor --json | python3 -c '
import json,sys
f=json.load(sys.stdin)[\"features\"]
assert set(f)>={\"netns\",\"veth\",\"bridge\",\"netem\",\"tbf\",\"htb\",\"userns\",\"cgroup2\",\"idmap\",\"subid\",\"rundir\",\"cpu\",\"memory\",\"pids\",\"timens\"}, f
assert f[\"netns\"][\"ok\"] and f[\"veth\"][\"ok\"]'"
ok "check accepts direction prefixes" "$NETLAB" check "$TMP/faults.conf"
printf 'node a b\nlink a -- b c>d:delay=1ms\n' >"$TMP/bad.conf"
is "check refuses an unknown direction (exit 2)" "2" "$("$NETLAB" check "$TMP/bad.conf" >/dev/null 2>&1; echo $?)"

ok "up" "$NETLAB" up -l "$LAB" "$TMP/faults.conf"
ok "a reaches b through r and the switch" eventually reach

ok "link a:eth0 down" L a:eth0 down
is "a:eth0 is down" "down" "$(opstate a eth0)"
is "r:eth0 (the peer) is down" "down" "$(opstate r eth0)"
ok "a no longer reaches b" sh -c "! '$NETLAB' exec -l '$LAB' a ping -c1 -W1 -q b"
is "link show says down on both ends" "2" "$(L a:eth0 show | grep -c ' down ')"
ok "link a:eth0 up" L a:eth0 up
ok "a:eth0 is up again" eventually sh -c "[ \"\$('$NETLAB' exec -l '$LAB' a cat /sys/class/net/eth0/operstate)\" = up ]"
ok "a's default route is back" sh -c "'$NETLAB' exec -l '$LAB' a ip route | grep -q '^default via'"
ok "a reaches b again" eventually reach

ok "link r:eth1 (a switch port) down" L r:eth1 down
is "the switch side is down too" "down" \
	"$(L r:eth1 show --json | python3 -c 'import json,sys; e=json.load(sys.stdin)["ends"][1]; print("down" if not e["up"] else "up", e["switch"])' | cut -d' ' -f1)"
ok "a no longer reaches b" sh -c "! '$NETLAB' exec -l '$LAB' a ping -c1 -W1 -q b"
ok "link r:eth1 up" L r:eth1 up
ok "a reaches b again" eventually reach
is "the a>b rate on r:eth1 survived down/up" "1" "$(L r:eth1 show | grep -c 'rate=50mbit')"

# Our r (other labs may have an r too): its pid from the state, the sleep by its netns.
rpid=$("$NETLAB" status --json "$LAB" | python3 -c '
import json,sys
for l in json.load(sys.stdin)["labs"]:
    for n in l["nodes"]:
        if n["name"] == "r": print(n["pid"])')
sleeper=$(for p in $(pgrep -x sleep); do
	[ "$(readlink /proc/$p/ns/net)" = "$(readlink /proc/$rpid/ns/net)" ] && echo $p; done | head -1)
ok "node r stop" "$NETLAB" node -l "$LAB" r stop
state() { awk '{print $3}' "/proc/$1/stat"; }
# SIGSTOP takes effect when the process next runs: give it a moment.
ok "r's daemon is stopped (state T)" eventually sh -c "[ \"\$(awk '{print \$3}' /proc/$sleeper/stat)\" = T ]"
is "r's node process is stopped" "T" "$(state "$rpid")"
is "r's links are down" "down" "$(opstate r eth0)"
is "a, its neighbour, sees the carrier go" "0" "$(carrier a eth0)"
ok "a no longer reaches b" sh -c "! '$NETLAB' exec -l '$LAB' a ping -c1 -W1 -q b"
ok "node r start" "$NETLAB" node -l "$LAB" r start
ok "r's daemon runs again (same process)" eventually sh -c "[ \"\$(awk '{print \$3}' /proc/$sleeper/stat)\" = S ]"
ok "a sees the carrier again" eventually sh -c "[ \"\$('$NETLAB' exec -l '$LAB' a cat /sys/class/net/eth0/carrier)\" = 1 ]"
ok "a reaches b again" eventually reach

ok "events.log has every fault with a timestamp" sh -c "
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z link a:eth0 -- r:eth0 down\$' '$RUN_DIR/$LAB/events.log' &&
	grep -q 'link a:eth0 -- r:eth0 up' '$RUN_DIR/$LAB/events.log' &&
	grep -q 'node r stop' '$RUN_DIR/$LAB/events.log' && grep -q 'node r start' '$RUN_DIR/$LAB/events.log'"
is "no such interface: exit 1" "1" "$(L a:eth9 down 2>/dev/null; echo $?)"
is "no such node: exit 1" "1" "$("$NETLAB" node -l "$LAB" nosuch stop 2>/dev/null; echo $?)"
is "NODE without :IF is a usage error" "2" "$(L a down 2>/dev/null; echo $?)"
is "an unknown key is a usage error" "2" "$(L a:eth0 set colour=red 2>/dev/null; echo $?)"
ok "down" "$NETLAB" down "$LAB"

# Without sch_netem, `up` names what is missing and creates nothing.
printf 'node a b\nlink a -- b delay=50ms\n' >"$TMP/netem.conf"
if "$NETLAB" doctor --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["features"]["netem"]["ok"] else 1)'; then
	echo "ok $((_n + 1)) - # SKIP the kernel has sch_netem"
	_n=$((_n + 1))
else
	err=$("$NETLAB" up -l "$LAB-n" "$TMP/netem.conf" 2>&1)
	is "up refuses delay= without sch_netem, naming it and where" \
		"kernel lacks sch_netem (needed by delay= at $TMP/netem.conf:2:13)" "${err#netlab: }"
fi
host_unchanged
done_testing
