#!/bin/bash
# netem, measured: delay=50ms gives a ping RTT of 100 +- 10 ms; loss=20% one way loses 20% of
# 1000 pings within a binomial tolerance. Skips as a whole on a kernel without sch_netem.
. "$(dirname "$0")/lib.sh"
require_root
"$NETLAB" doctor --json | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["features"]["netem"]["ok"] else 1)' ||
	skip_all "kernel lacks sch_netem"
plan 9
snapshot before

LAB=t-netem-$$
track_lab "$LAB"
printf 'node a b\nlink a -- b delay=50ms\n' >"$TMP/netem.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
ok "up with delay=50ms" "$NETLAB" up -l "$LAB" "$TMP/netem.conf"
avg=$(x a ping -c 20 -i 0.2 -q b | awk -F/ '/^rtt/{print $5}')
echo "# delay=50ms each way: average RTT $avg ms"
ok "RTT is 100 +- 10 ms ($avg)" python3 -c "import sys; sys.exit(0 if abs(float('${avg:-0}') - 100) <= 10 else 1)"
ok "set delay=0ms loss=20% on a's egress only" "$NETLAB" link -l "$LAB" a:eth0 set --egress delay=0ms loss=20%
ok "b's side has no delay any more" "$NETLAB" link -l "$LAB" b:eth0 set --egress delay=0ms
out=$(x a ping -i 0.002 -q -c 1000 -W 1 b)
recv=$(printf '%s\n' "$out" | awk '/transmitted/{print $4}')
lost=$((1000 - ${recv:-0}))
echo "# loss=20%: $lost of 1000 lost"
# Binomial(1000, 0.2): mean 200, sd 12.6; 5 sd either way.
ok "lost 200 +- 63 of 1000 ($lost)" test "$lost" -ge 137 -a "$lost" -le 263
ok "reset" "$NETLAB" link -l "$LAB" a:eth0 reset
is "no qdisc left on a:eth0 but the default" "noqueue" "$(x a tc qdisc show dev eth0 | awk '{print $2}')"
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
