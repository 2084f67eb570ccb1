#!/bin/bash
# A lab with routers, hosts, a switch and both address families comes up; every node reaches
# every other by name over IPv4 and IPv6; a node's hostname, /sys/class/net and /etc/hosts are
# its own; status shows it; down leaves the host as it was.
. "$(dirname "$0")/lib.sh"
require_root
plan 16
snapshot before
HOST_RP=$(cat /proc/sys/net/ipv4/conf/all/rp_filter)

LAB=t-lab-$$
track_lab "$LAB"
cat >"$TMP/lab.conf" <<'CONF'
pool 10.20.0.0/16
pool fd00:20::/48
node r1 r2 r3 router
node h1 h2 h3 h4
switch sw1
link r1 -- r2
link r2 -- r3
link r3:up -- r1:down mtu=1400
link h1 -- r1
link h2 -- sw1
link h3 -- sw1
link r3 -- sw1
link h4 -- r2
loopback 10.255.0.0/24
loopback fd00:ff::/64
routing static
sysctl h1 net.ipv4.conf.all.rp_filter=2
CONF

ok "up" "$NETLAB" up -l "$LAB" "$TMP/lab.conf"
ok "every node pings every other by name over IPv4" ping_mesh "$LAB" "$TMP/lab.conf" -4
ok "every node pings every other by name over IPv6" ping_mesh "$LAB" "$TMP/lab.conf" -6
is "hostname inside a node is the node's name" "h3" "$("$NETLAB" exec -l "$LAB" h3 hostname)"
is "/sys/class/net inside a node shows its own interfaces" "eth0 eth1 eth2 lo" \
	"$("$NETLAB" exec -l "$LAB" r2 ls /sys/class/net | sort | xargs)"
is "named interfaces and mtu= are applied" "1400" \
	"$("$NETLAB" exec -l "$LAB" r3 cat /sys/class/net/up/mtu)"
is "a router forwards" "1" "$("$NETLAB" exec -l "$LAB" r1 cat /proc/sys/net/ipv4/ip_forward)"
is "a host does not forward" "0" "$("$NETLAB" exec -l "$LAB" h1 cat /proc/sys/net/ipv4/ip_forward)"
is "sysctl statements are applied in the node" "2" \
	"$("$NETLAB" exec -l "$LAB" h1 cat /proc/sys/net/ipv4/conf/all/rp_filter)"
is "the host's sysctl is untouched" "$(cat /proc/sys/net/ipv4/conf/all/rp_filter)" "$HOST_RP"
ok "/etc/hosts in a node lists NODE-IFNAME names" \
	sh -c "'$NETLAB' exec -l '$LAB' h1 getent hosts r3-up | grep -q ."
ok "the loopback address answers by name" \
	"$NETLAB" exec -l "$LAB" h4 ping -4 -c1 -W2 -q r1
is "exec'd commands get NETLAB_DIR and NETLAB_NODE, and no NETLAB_LAB" "$RUN_DIR/$LAB h2 -" \
	"$(NETLAB_LAB=$LAB "$NETLAB" exec h2 sh -c 'echo $NETLAB_DIR $NETLAB_NODE ${NETLAB_LAB:--}')"
ok "status --json lists the lab's nodes and live addresses" sh -c \
	"'$NETLAB' status --json '$LAB' | python3 -c 'import json,sys; d=json.load(sys.stdin); l=d[\"labs\"][0]; assert l[\"state\"]==\"running\", l; n={x[\"name\"]:x for x in l[\"nodes\"]}; assert len(n)==7; a=[a for i in n[\"r1\"][\"interfaces\"] for a in i[\"addresses\"]]; assert \"10.255.0.1/32\" in a, a'"
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
