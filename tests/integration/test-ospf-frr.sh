#!/bin/bash
# topologies/ospf-frr.conf: four FRR routers (zebra, ospfd, ospf6d) on six LANs in three areas,
# configured by FRR's own files next to the topology, without any workaround. Every route table
# is as expected (OSPFv2 and OSPFv3, intra- and inter-area); failing the switch side of r2's
# port keeps r2's interface up without carrier and its connected route as linkdown, and the
# others lose r2's LAN until the port is back; nothing is left on the host (not under /var/tmp,
# /run or /etc either).
. "$(dirname "$0")/lib.sh"
require_root
[ -x /usr/lib/frr/ospf6d ] && command -v vtysh >/dev/null || skip_all "frr not installed"
plan 18
snapshot before
frr_dirs() { find /var/tmp/frr /run/frr /etc/frr 2>/dev/null | sort; ls -A /var/tmp /run | sort; }
frr_dirs >"$TMP/frr.before"

L=t-ospf-frr-$$
track_lab "$L"
x() { "$NETLAB" exec -l "$L" "$@"; }
w() { "$NETLAB" wait -l "$L" --timeout 60 "$@"; }
# The prefixes a router has from OSPF, sorted: $1 router, $2 -4 or -6.
ospf() { x "$1" ip "$2" route show proto ospf | awk '{print $1}' | sort | tr '\n' ' ' | sed 's/ $//'; }
# Waits until every prefix given is routed in $1, then prints the OSPF prefixes.
routes() {
	local r=$1 fam=$2 p
	shift 2
	for p in "$@"; do w "$r" route "$p" >/dev/null || return 1; done
	ospf "$r" "$fam"
}

ok "up: daemons ready (their vty sockets) when up returns" "$NETLAB" up -l "$L" "$SRCDIR/topologies/ospf-frr.conf"
ok "zebra configured the addresses (netlab left them alone)" \
	sh -c "'$NETLAB' exec -l '$L' r3 ip -o addr show dev eth2 | grep -q '172.16.0.2/24'"
is "r1: OSPFv2 routes (intra-area, and inter-area from areas 1 and 2)" \
	"10.0.10.0/24 10.0.2.0/24 172.16.0.0/24 172.16.1.0/24" \
	"$(routes r1 -4 10.0.2.0/24 10.0.10.0/24 172.16.0.0/24 172.16.1.0/24)"
is "r4: OSPFv2 routes (everything of areas 0 and 2 through r3)" \
	"10.0.1.0/24 10.0.10.0/24 10.0.2.0/24 10.0.3.0/24" \
	"$(routes r4 -4 10.0.1.0/24 10.0.2.0/24 10.0.3.0/24 10.0.10.0/24)"
is "r3 (area border router): OSPFv2 routes" "10.0.1.0/24 10.0.2.0/24 172.16.1.0/24" \
	"$(routes r3 -4 10.0.1.0/24 10.0.2.0/24 172.16.1.0/24)"
is "r1: OSPFv3 routes" "2001:db8:10::/64 2001:db8:16::/64 2001:db8:17::/64 2001:db8:2::/64" \
	"$(routes r1 -6 2001:db8:2::/64 2001:db8:10::/64 2001:db8:16::/64 2001:db8:17::/64)"
is "r4: OSPFv3 routes" "2001:db8:10::/64 2001:db8:1::/64 2001:db8:2::/64 2001:db8:3::/64" \
	"$(routes r4 -6 2001:db8:1::/64 2001:db8:2::/64 2001:db8:3::/64 2001:db8:10::/64)"
ok "r4 reaches r1's LAN address over two areas" x r4 ping -c1 -W2 -q 10.0.1.1
ok "r3's OSPF neighbours: r1 and r2 on s3, r4 on s5 (vtysh JSON)" sh -c "
	'$NETLAB' exec -l '$L' r3 vtysh --vty_socket /run/frr -c 'show ip ospf neighbor json' |
	python3 -c 'import json,sys; n=json.load(sys.stdin)[\"neighbors\"]; sys.exit(sorted(n) != [\"10.255.0.1\", \"10.255.0.2\", \"10.255.0.4\"])'"

ok "fail the switch side of r2's port on s3 (link r2:eth1 down --peer)" \
	"$NETLAB" link -l "$L" r2:eth1 down --peer
is "r2:eth1 stays up, without carrier" "NO-CARRIER,BROADCAST,MULTICAST,UP" \
	"$(x r2 ip -o link show dev eth1 | sed 's/.*<\([^>]*\)>.*/\1/')"
ok "r2 keeps its connected route to s3, flagged linkdown" \
	sh -c "'$NETLAB' exec -l '$L' r2 ip -4 route show 10.0.3.0/24 | grep -q 'proto kernel.*linkdown'"
ok "r1 loses r2's LAN (dead interval)" w r1 cmd -- sh -c '! ip route show 10.0.2.0/24 | grep -q .'
ok "... and r4 too, in another area" w r4 cmd -- sh -c '! ip route show 10.0.2.0/24 | grep -q .'
ok "the port back (up --peer): r1 and r4 learn r2's LAN again" \
	sh -c "'$NETLAB' link -l '$L' r2:eth1 up --peer && '$NETLAB' wait -l '$L' --timeout 60 r1 route 10.0.2.0/24 && '$NETLAB' wait -l '$L' --timeout 60 r4 route 10.0.2.0/24"
ok "down" "$NETLAB" down "$L"
frr_dirs >"$TMP/frr.after"
ok "nothing of FRR's on the host: /var/tmp/frr, /run/frr, /etc/frr, /var/tmp, /run as before" \
	diff -u "$TMP/frr.before" "$TMP/frr.after"
host_unchanged
done_testing
