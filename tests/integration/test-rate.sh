#!/bin/bash
# Link emulation that this kernel supports (tbf): rate= measured with iperf3 inside the lab,
# changed at run time without reconnecting, and changed 100 times a second without leaving
# extra qdiscs behind.
. "$(dirname "$0")/lib.sh"
require_root
command -v iperf3 >/dev/null || skip_all "iperf3 not installed (scripts/install-deps)"
command -v tc >/dev/null || skip_all "iproute2 tc not installed"
"$NETLAB" doctor --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["features"]["tbf"]["ok"] else 1)' ||
	skip_all "kernel lacks sch_tbf"
plan 17
snapshot before

LAB=t-rate-$$
track_lab "$LAB"
cat >"$TMP/rate.conf" <<CONF
node a b
link a -- b rate=10mbit
CONF
x() { "$NETLAB" exec -l "$LAB" "$@"; }

# Mbit/s received by b from a over a few seconds (the first one, when the bucket is full, is
# left out).
measure() {
	x b iperf3 -s -1 -D -p 5201 --logfile /dev/null || return 1
	local i
	for i in $(seq 1 100); do
		x b ss -ltn 2>/dev/null | grep -q ':5201 ' && break
		sleep 0.05
	done
	x a iperf3 -c b -p 5201 -t 4 -O 1 -J | python3 -c \
		'import json,sys; print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6))'
}
within() { python3 -c "import sys; v,w,t=map(float,sys.argv[1:]); sys.exit(0 if abs(v-w) <= w*t else 1)" "$@"; }

ok "up with rate=10mbit" "$NETLAB" up -l "$LAB" "$TMP/rate.conf"
is "link show: both ends carry rate=10mbit" "2" \
	"$("$NETLAB" link -l "$LAB" a:eth0 show | grep -c 'rate=10mbit')"
is "a tbf is the root qdisc of a:eth0" "tbf" "$(x a tc qdisc show dev eth0 | awk '{print $2}')"
m=$(measure)
echo "# rate=10mbit: iperf3 measured $m Mbit/s"
ok "iperf3 a -> b is 10 Mbit/s within 15% ($m)" within "${m:-0}" 10 0.15

ok "link set rate=20mbit" "$NETLAB" link -l "$LAB" a:eth0 set rate=20mbit
m=$(measure)
echo "# rate=20mbit: iperf3 measured $m Mbit/s"
ok "iperf3 a -> b is 20 Mbit/s within 15% ($m)" within "${m:-0}" 20 0.15

# 100 changes a second for a while: rates, limits, one-way changes, resets.
slab_before=$(awk '/^Slab:/{print $2}' /proc/meminfo)
start=$(date +%s.%N)
bad=0
for i in $(seq 1 500); do
	case $((i % 10)) in
	0) "$NETLAB" link -l "$LAB" a:eth0 reset || bad=1 ;;
	3) "$NETLAB" link -l "$LAB" b:eth0 set --egress limit=$((i % 50 + 10)) rate=5mbit || bad=1 ;;
	*) "$NETLAB" link -l "$LAB" a:eth0 set rate=$((i % 40 + 1))mbit || bad=1 ;;
	esac
done
end=$(date +%s.%N)
rate=$(python3 -c "print(int(500 / ($end - $start)))")
echo "# 500 changes at $rate per second"
ok "500 impairment changes succeed" test "$bad" = 0
if ldd "$(command -v "$NETLAB")" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	# Under the sanitizers each netlab process spends ~25 ms starting up.
	_n=$((_n + 1))
	echo "ok $_n - at least 100 changes a second # SKIP sanitizer build ($rate/s)"
else
	ok "at least 100 changes a second ($rate/s)" test "$rate" -ge 100
fi
"$NETLAB" link -l "$LAB" a:eth0 set rate=7mbit
is "a: one qdisc on eth0 afterwards" "1" "$(x a tc qdisc show dev eth0 | wc -l)"
is "b: one qdisc on eth0 afterwards" "1" "$(x b tc qdisc show dev eth0 | wc -l)"
is "a: no qdisc anywhere but eth0's tbf and lo's noqueue" "noqueue tbf" \
	"$(x a tc qdisc show | awk '{print $2}' | sort | xargs)"
is "the last change is in force" "7Mbit" "$(x a tc qdisc show dev eth0 | grep -o '7Mbit')"
slab_after=$(awk '/^Slab:/{print $2}' /proc/meminfo)
echo "# kernel slab: $slab_before kB before, $slab_after kB after (the whole machine)"
# A leak of one qdisc per change would be a few hundred kB at most here; this only catches a
# gross leak, and other work on the machine moves the number too.
ok "kernel slab did not grow by more than 64 MiB" test $((slab_after - slab_before)) -lt 65536
ok "ping still works" x a ping -c1 -W2 b
ok "events.log records the changes" grep -q "link a:eth0 set rate=7mbit" "$RUN_DIR/$LAB/events.log"
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
