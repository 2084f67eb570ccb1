#!/bin/sh
# Records what tc sends for the command lines of qdisc-fixtures.h, as hex, one line each.
# Run as root; everything happens in a throwaway network namespace (unshare -n).
set -eu
[ "${1:-}" = inner ] || exec unshare -n "$0" inner
ip link add name va type veth peer name vb
ip link set dev va up
cap() {
	name=$1; shift
	strace -qq -e trace=sendmsg -e write=3 -o /tmp/fx.$$ tc "$@" >/dev/null 2>&1 || true
	printf '%s ' "$name"
	awk '/RTM_NEWQDISC/{f=1;next} f && /^ \|/{for(i=3;i<=18;i++) if($i ~ /^[0-9a-f][0-9a-f]$/) printf "%s", $i}
	     f && !/^ \|/ && !/bytes in buffer/{f=0}' /tmp/fx.$$
	echo
	rm -f /tmp/fx.$$
}
cap netem_delay qdisc add dev va root handle 1: netem delay 50ms
cap netem_jitter qdisc add dev va root handle 1: netem delay 50ms 10ms
cap netem_loss qdisc add dev va root handle 1: netem loss 20%
cap netem_all qdisc add dev va root handle 1: netem limit 500 delay 10ms 2ms loss 1% duplicate 2% corrupt 0.1% reorder 25%
cap netem_replace qdisc replace dev va root handle 1: netem delay 50ms
cap tbf qdisc add dev va root handle 1: tbf rate 10mbit burst 12500 limit 75000
cap tbf_child qdisc add dev va parent 1:1 handle 10: tbf rate 10mbit burst 12500 limit 75000
cap tbf_fast qdisc add dev va root handle 1: tbf rate 10gbit burst 12500000 limit 75000000
