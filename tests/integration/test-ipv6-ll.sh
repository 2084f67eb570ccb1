#!/bin/bash
# IPv6 link-local addresses are usable when `up` returns, even while the kernel is busy releasing
# another lab (it holds RTNL for ~16 ms per bridge, and the kernel's DAD work that clears the
# tentative flag needs RTNL): none is tentative, a neighbour answers on it at once, and a link
# taken down and up by hand gets its link-local back from the kernel.
. "$(dirname "$0")/lib.sh"
require_root
plan 10
snapshot before

B=t-llbusy-$$
L=t-ll-$$
track_lab "$B"
track_lab "$L"
printf 'node x\nswitch s[1..150]\nlink x -- s1\n' >"$TMP/busy.conf"
cat >"$TMP/ll.conf" <<'CONF'
pool fd00:99::/48
node a c
node b router
link a -- b
link b -- c
CONF
x() { "$NETLAB" exec -l "$L" "$@"; }
ll() { x "$1" ip -6 -o addr show dev "$2" scope link | awk '{print $4}' | cut -d/ -f1; }

ok "up a lab of 150 switches" "$NETLAB" up -l "$B" "$TMP/busy.conf"
ok "down: the kernel releases its bridges from now on, for seconds" "$NETLAB" down "$B"
ok "up an IPv6 lab meanwhile" "$NETLAB" up -l "$L" "$TMP/ll.conf"
is "no address is tentative when up returns" "" \
	"$(for n in a b c; do x "$n" ip -6 -o addr show tentative; done)"
is "every interface has its link-local (a, b twice, c)" "4" "$(for n in a b c; do x "$n" ip -6 -o addr show scope link; done | wc -l | tr -d ' ')"
lla=$(ll a eth0)
ok "b reaches a's link-local ($lla) at once" x b ping -6 -c1 -W2 "$lla%eth0"
ok "a link taken down and up by hand" sh -c "'$NETLAB' exec -l '$L' a ip link set eth0 down && '$NETLAB' exec -l '$L' a ip link set eth0 up"
ok "... gets its link-local back (the kernel's, as before)" \
	"$NETLAB" wait -l "$L" --timeout 10 a cmd -- sh -c "ip -6 -o addr show dev eth0 scope link | grep -q '$lla'"
ok "down" "$NETLAB" down --wait "$L"
host_unchanged
done_testing
