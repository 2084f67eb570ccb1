#!/bin/bash
# `netlab link` on one end (issue 16.1): down --only / --peer take down one end, and the end
# that stays up sees its carrier go, keeping its connected route (flagged linkdown); switch
# ports are named like node ports; options an operation does not use are refused; `exec
# SWITCH` runs in the lab-root namespace where the switches are (issue 16.2).
. "$(dirname "$0")/lib.sh"
require_root
plan 16
snapshot before

L=t-ends-$$
track_lab "$L"
x() { "$NETLAB" exec -l "$L" "$@"; }
lk() { "$NETLAB" link -l "$L" "$@"; }
# "UP,LOWER_UP" flags of an interface, as the kernel has them.
flags() { x "$1" ip -o link show dev "$2" | sed 's/.*<\([^>]*\)>.*/\1/'; }
# h3's connected IPv4 route on eth0.
conn() { x h3 ip -4 route show dev eth0 proto kernel; }

ok "up lan.conf" "$NETLAB" up -l "$L" "$SRCDIR/topologies/lan.conf"
ok "a switch port named as SWITCH:PORT: down --only" lk sw1:sw1-3 down --only
is "... h3:eth0 stays up, without carrier" "NO-CARRIER,BROADCAST,MULTICAST,UP" "$(flags h3 eth0)"
ok "... its connected route stays, flagged linkdown" sh -c "'$NETLAB' exec -l '$L' h3 ip -4 route show dev eth0 proto kernel | grep -q linkdown"
ok "... h1 no longer reaches h3" sh -c "! '$NETLAB' exec -l '$L' h1 ping -c1 -W1 -q h3"
is "link show: the port down, h3's end up without carrier" "down nocar" \
	"$(lk sw1:sw1-3 show | awk '{print $2}' | tr '\n' ' ' | sed 's/ $//')"
ok "up --only brings the port back" lk sw1:sw1-3 up --only
ok "... h1 reaches h3 again" "$NETLAB" wait -l "$L" --timeout 10 h1 reach h3
ok "the same from the node's side: h3:eth0 down --peer" lk h3:eth0 down --peer
ok "... h3's connected route flagged linkdown, h3:eth0 still up" \
	sh -c "'$NETLAB' exec -l '$L' h3 ip -4 route show dev eth0 proto kernel | grep -q linkdown && '$NETLAB' exec -l '$L' h3 ip -o link show dev eth0 | grep -q '[<,]UP[,>]'"
ok "... and back with up --peer" sh -c "'$NETLAB' link -l '$L' h3:eth0 up --peer && '$NETLAB' wait -l '$L' --timeout 10 h1 reach h3"
codes=""
for args in "h1:eth0 down --egress" "h1:eth0 show --only" "h1:eth0 set delay=1ms --json" "h1:eth0 down --only --peer"; do
	lk $args >/dev/null 2>&1
	codes="$codes $?"
done
is "options an operation does not use are refused (status 2)" " 2 2 2 2" "$codes"
ok "exec SWITCH runs where the switches are: the bridge and its ports" \
	sh -c "'$NETLAB' exec -l '$L' sw1 ip -o link show master sw1 | grep -q 'sw1-3'"
ok "... bridge fdb there knows h1's MAC" sh -c "'$NETLAB' exec -l '$L' sw1 bridge fdb show br sw1 | grep -q \"\$('$NETLAB' exec -l '$L' h1 cat /sys/class/net/eth0/address)\""
ok "down" "$NETLAB" down "$L"
host_unchanged
done_testing
