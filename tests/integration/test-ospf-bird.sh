#!/bin/bash
# A real protocol lab: topologies/ospf-bird.conf (five BIRD 2 routers in a ring, OSPFv2 and
# OSPFv3, two hosts). Converges (netlab wait, no fixed sleeps), pings end to end, routes around
# a broken ring link within the dead interval (5 s), and back when it is repaired.
. "$(dirname "$0")/lib.sh"
require_root
command -v bird >/dev/null || skip_all "bird2 not installed"
plan 18
snapshot before

LAB=t-ospf-$$
track_lab "$LAB"
FILE=$SRCDIR/topologies/ospf-bird.conf
x() { "$NETLAB" exec -l "$LAB" "$@"; }
w() { "$NETLAB" wait -l "$LAB" "$@"; }

ok "up (five birds, each with its own rendered bird.conf)" "$NETLAB" up -l "$LAB" "$FILE"
ok "each bird.conf has its router's loopback as router id" \
	sh -c "'$NETLAB' exec -l '$LAB' r4 cat /etc/bird/bird.conf | grep -qx 'router id 10.255.0.4;'"
# bird logs "Started" once it has read its configuration, which on a loaded machine can be a
# while after up returns (up waits for the daemon to run, not to be ready): wait for the line.
started() {
	local r
	for r in r1 r2 r3 r4 r5; do
		w --timeout 30 "$r" cmd -- grep -q Started "$RUN_DIR/$LAB/$r/bird.log" || return 1
	done
}
ok "bird runs in each router, logging to NETLAB_DIR/NODE/bird.log" started
ok "netlab logs shows it" sh -c "'$NETLAB' logs -l '$LAB' r3 bird | grep -q Started"

start=$(date +%s.%N)
ok "OSPFv2: every router has a route to every loopback and host subnet" ospf_bird_converged "$LAB" 4
echo "# OSPFv2 converged in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b - a}') s"
ok "OSPFv3: the same for IPv6" ospf_bird_converged "$LAB" 6
ok "h1 reaches h2 (IPv4)" w --timeout 30 h1 reach 10.0.0.25
ok "h1 reaches h2 (IPv6)" w --timeout 30 h1 reach fd00:10:0:6::1
ttl() { x h1 ping -4 -c1 -W2 h2 | sed -n 's/.*ttl=\([0-9]*\).*/\1/p'; }
is "the short way, h1 r1 r2 r3 h2: ttl 61" "61" "$(ttl)"

# Break r1 -- r2 at r2's end: r1 must route to h2 the other way, through r5 (its eth1).
via() { "$NETLAB" exec -l "$LAB" r1 ip -j route get "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["dev"])'; }
is "before: r1 sends to h2 through r2 (eth0)" "eth0" "$(via 10.0.0.25)"
ok "link r1 -- r2 down (at r2)" x r2 ip link set eth0 down
t0=$(date +%s%N)
ok "r1 reroutes to h2 through r5 within the dead interval (5 s)" \
	w --timeout 5s r1 cmd -- sh -c 'ip -j route get 10.0.0.25 | grep -q "\"dev\":\"eth1\""'
echo "# rerouted in $((($(date +%s%N) - t0) / 1000000)) ms"
ok "h1 still reaches h2" w --timeout 10 h1 reach 10.0.0.25
is "the long way, h1 r1 r5 r4 r3 h2: ttl 60" "60" "$(ttl)"
ok "link r1 -- r2 up again" x r2 ip link set eth0 up
ok "r1 goes back through r2" \
	w --timeout 30 r1 cmd -- sh -c 'ip -j route get 10.0.0.25 | grep -q "\"dev\":\"eth0\""'
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
