#!/bin/bash
# An end written `none` gets no address (its daemon configures its own), `check` says which
# ends are unaddressed, and the rest of the plan stays as it was (issue 16.7).
. "$(dirname "$0")/lib.sh"
require_root
plan 7
snapshot before

L=t-noaddr-$$
track_lab "$L"
cat >"$TMP/n.conf" <<'CONF'
pool fd00:7::/48
node r1 r2 router
node h
switch sw1
link r1 none -- r2 none
link r1:lan0 none -- sw1
link r2 -- sw1
link h -- sw1
CONF
x() { "$NETLAB" exec -l "$L" "$@"; }

ok "check names the unaddressed ends" sh -c "'$NETLAB' check '$TMP/n.conf' | grep -qx 'unaddressed (none): r1:eth0 r2:eth0 r1:lan0'"
ok "up" "$NETLAB" up -l "$L" "$TMP/n.conf"
is "r1 has no global address on its unaddressed ends" "" \
	"$(x r1 ip -o addr show scope global)"
ok "... a daemon can give it one, and it works" sh -c "'$NETLAB' exec -l '$L' r1 ip addr add 192.168.7.1/30 dev eth0 &&
	'$NETLAB' exec -l '$L' r2 ip addr add 192.168.7.2/30 dev eth0 &&
	'$NETLAB' exec -l '$L' r1 ping -c1 -W2 -q 192.168.7.2"
ok "the addressed ends keep the plan's numbering (h is .3 on sw1)" x h ping -c1 -W2 -q r2
ok "down" "$NETLAB" down "$L"
host_unchanged
done_testing
