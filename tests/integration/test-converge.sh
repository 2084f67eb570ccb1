#!/bin/bash
# netlab converge: a static chain changes nothing (returns after the quiet period); one route
# added later names its node and time; churn past the timeout fails; an OSPF ring (BIRD) after
# a cut reports the last changer at a time between the fault and the return.
. "$(dirname "$0")/lib.sh"
require_root
plan 25
snapshot before

V="python3 $SRCDIR/tests/integration/validate-json.py $SRCDIR/docs/schema/converge.schema.json"
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$@"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

LAB=t-conv-$$
track_lab "$LAB"
c() { "$NETLAB" converge -l "$LAB" "$@"; }
x() { "$NETLAB" exec -l "$LAB" "$@"; }
ok "up: a chain of ten routers with static routes" "$NETLAB" up -l "$LAB" "$SRCDIR/topologies/chain.conf"

t0=$(now_ms)
c --quiet 1s >"$TMP/out"
is "static chain: exit 0" "0" "$?"
t=$(($(now_ms) - t0))
ok "static chain: returns after the quiet period (1 s), not much later ($t ms)" test "$t" -ge 1000 -a "$t" -lt 2500
ok "static chain: says nothing changed" grep -q "converged: no route changed in the 1 s watched" "$TMP/out"

(sleep 0.5; x r3 ip route add blackhole 10.99.0.0/16) &
c --quiet 1s --json >"$TMP/one.json"
is "one route added at +0.5 s: exit 0" "0" "$?"
wait
ok "one route: --json validates against converge.schema.json" $V "$TMP/one.json"
is "one route: r3 last, one change" "r3 1" "$(field "$TMP/one.json" last_node) $(field "$TMP/one.json" changes)"
ms=$(field "$TMP/one.json" converged_ms); end=$(field "$TMP/one.json" end_ms)
ok "one route: its time ($ms ms) lies after the add began and before the return ($end ms)" \
	test "$ms" -ge 400 -a "$ms" -le "$end"
ok "one route: the return is the quiet period after it" test "$((end - ms))" -ge 1000
x r3 ip route del blackhole 10.99.0.0/16

c --since-fault 2>"$TMP/err" >/dev/null
is "--since-fault without any fault: exit 1" "1" "$?"
ok "...saying so" grep -q "has no fault in its events.log" "$TMP/err"

# Churn: a route flaps in r5 for 3 s, longer than the timeout.
(for i in $(seq 15); do x r5 ip route add blackhole 10.98.0.0/16; sleep 0.1; x r5 ip route del blackhole 10.98.0.0/16; sleep 0.1; done) &
churn=$!
c --quiet 1s --timeout 1500ms --json >"$TMP/churn.json" 2>"$TMP/err"
is "routes changing past the timeout: exit 1" "1" "$?"
kill "$churn" 2>/dev/null; wait
ok "...not converged, r5 last" sh -c "[ \"\$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d[\"converged\"], d[\"last_node\"])' '$TMP/churn.json')\" = 'False r5' ]"
ok "...the message says so" grep -q "not converged: routes still changed after 1.5 s (last in node 'r5')" "$TMP/err"
ok "...and its --json validates" $V "$TMP/churn.json"
is "a usage error: exit 2" "2" "$(c --quiet 0 2>/dev/null; echo $?)"
ok "down the chain" "$NETLAB" down "$LAB"

# ---- OSPF ring: topologies/ospf-bird.conf
if ! command -v bird >/dev/null; then
	for i in $(seq 7); do _n=$((_n + 1)); echo "ok $_n # SKIP bird2 not installed"; done
else
	LAB2=t-conv-ospf-$$
	track_lab "$LAB2"
	c2() { "$NETLAB" converge -l "$LAB2" "$@"; }
	ok "up the OSPF ring" "$NETLAB" up -l "$LAB2" "$SRCDIR/topologies/ospf-bird.conf"
	# The first convergence: every router knows r3's loopback through OSPF, and nothing moves
	# for 2 s.
	ok "OSPF: first convergence" sh -c "for r in r1 r2 r4 r5; do '$NETLAB' wait -l '$LAB2' --timeout 60 \$r json \
		--match '[{\"dst\":\"10.255.0.3\",\"protocol\":\"bird\"}]' -- ip -j route || exit 1; done &&
		'$NETLAB' converge -l '$LAB2' --quiet 2s --timeout 60 >/dev/null"
	ok "cut r1 -- r2" "$NETLAB" link -l "$LAB2" r1:eth0 down
	c2 --since-fault --quiet 3s --timeout 60 --json >"$TMP/ospf.json"
	is "after the cut: converged (exit 0)" "0" "$?"
	ok "after the cut: --json validates" $V "$TMP/ospf.json"
	python3 - "$TMP/ospf.json" >"$TMP/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
nodes = {n["name"]: n for n in d["nodes"]}
assert d["reference"] == "fault" and "r1:eth0" in d["fault"], d["fault"]
assert d["last_node"] in nodes and d["changes"] > 0, d
assert 0 <= d["watch_start_ms"] <= d["converged_ms"] <= d["end_ms"], d
assert d["end_ms"] - d["converged_ms"] >= 3000, d
assert nodes["r1"]["changes"] > 0 and nodes["r2"]["changes"] > 0, nodes
print("# converged %d ms after the cut; %s last, %d changes" % (d["converged_ms"], d["last_node"], d["changes"]))
PY
	ok "after the cut: r1 and r2 changed; the last change lies between the fault and the return" test -s "$TMP/check" -a "$(grep -c '^#' "$TMP/check")" = 1
	cat "$TMP/check"
	ok "down the ring" "$NETLAB" down "$LAB2"
fi
host_unchanged
done_testing
