#!/bin/bash
# netlab capture: pcap of one interface, libpcap opened inside the node's network namespace;
# read back with tcpdump (ICMP echo with the right addresses), streamed to stdout, on a switch
# port, stopped by a signal, and refused for an interface that does not exist.
. "$(dirname "$0")/lib.sh"
require_root
command -v tcpdump >/dev/null || skip_all "tcpdump not installed (it reads the captures back)"
"$NETLAB" capture --help >/dev/null 2>&1 || skip_all "netlab built without capture"
"$NETLAB" capture -l x n:i -w /dev/null 2>&1 | grep -q "without libpcap" && skip_all "netlab built without libpcap"
plan 15
snapshot before
L=t-cap-$$
S=t-cap-sw-$$
track_lab "$L"
track_lab "$S"

# Waits until a capture says it is listening (its stderr in $1).
listening() {
	local i
	for i in $(seq 1 100); do
		grep -q "capturing on" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

ok "up" "$NETLAB" up "$SRCDIR/topologies/triangle.conf" -l "$L"
"$NETLAB" capture -l "$L" r1:eth2 -w "$TMP/a.pcap" -c 2 icmp 2>"$TMP/a.err" &
cap=$!
ok "capture r1:eth2 starts" listening "$TMP/a.err"
"$NETLAB" exec -l "$L" h1 ping -c1 -W2 -q 10.0.3.10 >/dev/null
timeout 10 tail --pid=$cap -f /dev/null
wait $cap
is "capture -c 2 exits 0 after two packets" 0 $?
tcpdump -nr "$TMP/a.pcap" >"$TMP/a.txt" 2>&1
ok "tcpdump reads the echo request h1 -> h3" grep -q "IP 10.0.1.10 > 10.0.3.10: ICMP echo request" "$TMP/a.txt"
ok "and the echo reply h3 -> h1" grep -q "IP 10.0.3.10 > 10.0.1.10: ICMP echo reply" "$TMP/a.txt"

"$NETLAB" capture -l "$L" h3:lan0 -c 1 -w - icmp 2>"$TMP/b.err" >"$TMP/b.pcap" &
cap=$!
listening "$TMP/b.err"
"$NETLAB" exec -l "$L" h2 ping -c1 -W2 -q 10.0.3.10 >/dev/null
timeout 10 tail --pid=$cap -f /dev/null
ok "-w - streams pcap to stdout" sh -c \
	"tcpdump -nr - <'$TMP/b.pcap' 2>/dev/null | grep -q 'IP 10.0.2.10 > 10.0.3.10: ICMP echo request'"

"$NETLAB" capture -l "$L" r2:eth0 -w "$TMP/c.pcap" 2>"$TMP/c.err" &
cap=$!
listening "$TMP/c.err"
"$NETLAB" exec -l "$L" r1 ping -c1 -W2 -q 10.0.12.2 >/dev/null
kill -INT $cap
wait $cap
is "a capture without -c ends with SIGINT, status 0" 0 $?
ok "and its file is complete" sh -c "tcpdump -nr '$TMP/c.pcap' 2>/dev/null | grep -q 'IP 10.0.12.1 > 10.0.12.2: ICMP echo request'"

# The packets went by before the ^C but the capture had not read them yet (stopped here, so
# that it cannot have): they are in the kernel's buffer and must still reach the file.
"$NETLAB" capture -l "$L" r2:eth0 -w "$TMP/e.pcap" 2>"$TMP/e.err" &
cap=$!
listening "$TMP/e.err"
kill -STOP $cap
"$NETLAB" exec -l "$L" r1 ping -c1 -W2 -q 10.0.12.2 >/dev/null
kill -INT $cap
kill -CONT $cap
wait $cap
is "SIGINT before the capture read what it saw: status 0" 0 $?
is "... and the echo request and reply are in the file" 2 \
	"$(tcpdump -nr "$TMP/e.pcap" 2>/dev/null | grep -c 'IP 10.0.12.[12] > 10.0.12.[12]: ICMP echo')"

is "no such interface: exit 1" 1 "$("$NETLAB" capture -l "$L" r1:nosuch -w "$TMP/x.pcap" 2>/dev/null; echo $?)"
ok "down" "$NETLAB" down "$L"

ok "up a switched lab" "$NETLAB" up "$SRCDIR/topologies/lan.conf" -l "$S"
"$NETLAB" capture -l "$S" sw1:sw1-2 -c 1 -w "$TMP/d.pcap" icmp 2>"$TMP/d.err" &
cap=$!
listening "$TMP/d.err"
"$NETLAB" exec -l "$S" h1 ping -c1 -W2 -q 192.168.10.2 >/dev/null
timeout 10 tail --pid=$cap -f /dev/null
"$NETLAB" down "$S" >/dev/null
ok "a switch port is captured in the lab-root" sh -c \
	"tcpdump -nr '$TMP/d.pcap' 2>/dev/null | grep -q 'IP 192.168.10.1 > 192.168.10.2: ICMP echo request'"
host_unchanged
done_testing
