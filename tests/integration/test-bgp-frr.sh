#!/bin/bash
# A real protocol lab: topologies/bgp-frr.conf (three FRR routers, eBGP in a triangle).
# Sessions reach Established (vtysh's JSON, parsed), every loopback is learned, and a peer's
# prefix is withdrawn everywhere when its bgpd is stopped (netlab stop); one end of a link
# failing leaves the other up without carrier, its connected route flagged linkdown; and the
# lab, which has no workaround any more, leaves nothing of FRR's on the host.
. "$(dirname "$0")/lib.sh"
require_root
[ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null || skip_all "frr not installed"
plan 17
snapshot before
frr_dirs() { find /var/tmp/frr /run/frr /etc/frr 2>/dev/null | sort; }
frr_dirs >"$TMP/frr.before"

LAB=t-bgp-$$
track_lab "$LAB"
FILE=$SRCDIR/topologies/bgp-frr.conf
w() { "$NETLAB" wait -l "$LAB" "$@"; }

ok "up (zebra and bgpd in three routers)" "$NETLAB" up -l "$LAB" "$FILE"
ok "each router's AS comes from its rendered bgpd.conf" \
	sh -c "'$NETLAB' exec -l '$LAB' r3 cat /etc/frr/bgpd.conf | grep -qx 'router bgp 65003'"

# vtysh's JSON answers, parsed (never grepped).
established='import json,sys
s = json.load(sys.stdin)["ipv4Unicast"]["peers"]
bad = [p for p, v in s.items() if v["state"] != "Established"]
sys.exit(1 if bad or len(s) != 2 else 0)'
for r in r1 r2 r3; do
	ok "$r: both eBGP sessions Established" w --timeout 60 "$r" cmd -- sh -c \
		"vtysh --vty_socket /run/frr -c 'show bgp summary json' | python3 -c '$established'"
done
ok "every router learned every loopback (kernel routes)" sh -c "
	for r in 1 2 3; do for n in 1 2 3; do [ \$r = \$n ] && continue
		'$NETLAB' wait -l '$LAB' --timeout 60 r\$r route 10.255.0.\$n/32 || exit 1; done; done"
learned() { # NODE PREFIX: 1 when in its BGP table
	"$NETLAB" exec -l "$LAB" "$1" vtysh --vty_socket /run/frr -c 'show ip bgp json' |
		python3 -c 'import json,sys; print(int(sys.argv[1] in json.load(sys.stdin)["routes"]))' "$2"
}
is "r1's BGP table has r2's loopback" "1" "$(learned r1 10.255.0.2/32)"
ok "r1 reaches r2's loopback from its own" w --timeout 30 r1 cmd -- ping -c1 -W1 -I 10.255.0.1 10.255.0.2

ok "stop r2's bgpd" "$NETLAB" stop -l "$LAB" r2 bgpd
gone='import json,sys; sys.exit(int("10.255.0.2/32" in json.load(sys.stdin)["routes"]))'
for r in r1 r3; do
	ok "$r: r2's prefix is withdrawn (BGP table and kernel)" w --timeout 30 "$r" cmd -- sh -c \
		"vtysh --vty_socket /run/frr -c 'show ip bgp json' | python3 -c '$gone' && ! ip route show 10.255.0.2/32 | grep -q ."
done
ok "r2's end of the r1--r2 link fails (link r1:eth0 down --peer)" \
	"$NETLAB" link -l "$LAB" r1:eth0 down --peer
is "r1:eth0 stays up, without carrier" "NO-CARRIER,BROADCAST,MULTICAST,UP" \
	"$("$NETLAB" exec -l "$LAB" r1 ip -o link show dev eth0 | sed 's/.*<\([^>]*\)>.*/\1/')"
ok "r1 keeps its connected route on eth0, flagged linkdown" \
	sh -c "'$NETLAB' exec -l '$LAB' r1 ip -4 route show dev eth0 proto kernel | grep -q linkdown"
ok "down" "$NETLAB" down "$LAB"
frr_dirs >"$TMP/frr.after"
ok "nothing of FRR's left on the host (/var/tmp/frr, /run/frr, /etc/frr as before)" \
	diff -u "$TMP/frr.before" "$TMP/frr.after"
host_unchanged
done_testing
