#!/bin/bash
# netlab wait: JSON conditions (match, the diff on timeout, output that is not JSON, a failing
# command, huge output), --stable against a flapping link, and `not` for every condition kind.
. "$(dirname "$0")/lib.sh"
require_root
plan 32
snapshot before

LAB=t-waitjson-$$
track_lab "$LAB"
V="python3 $SRCDIR/tests/integration/validate-json.py $SRCDIR/docs/schema/wait.schema.json"
cat >"$TMP/w.conf" <<CONF
node a b
link a -- b
CONF
ok "up" "$NETLAB" up -l "$LAB" "$TMP/w.conf"
w() { "$NETLAB" wait -l "$LAB" "$@"; }
x() { "$NETLAB" exec -l "$LAB" "$@"; }
field() { python3 -c "import json,sys; print(json.load(sys.stdin)[sys.argv[1]])" "$1"; }

# ---- json
ok "json: ip -j route holds the connected route (subset of keys, any order)" \
	w --timeout 5 a json --match '[{"dev":"eth0","dst":"10.0.0.0/30"}]' -- ip -j route
w --timeout 300ms a json --match '[{"dst":"10.0.0.0/30","dev":"eth9","scope":"link"}]' -- \
	ip -j route 2>"$TMP/err"
is "json mismatch: exit status 1 at the timeout" "1" "$?"
ok "json mismatch: the path, what was expected, what was seen" \
	grep -qF '  $[0].dev: expected "eth9", seen "eth0"' "$TMP/err"
ok "json mismatch: the unmatched element named, with its closest" \
	grep -qF 'no element matches expected element 0; closest is [0]' "$TMP/err"
w --timeout 300ms a json --match '{"state":"Full","gone":null,"more":{"x":1}}' -- \
	echo '{"state":"Init","gone":1}' 2>"$TMP/err"
ok "json mismatch: value, key expected absent, missing key, each on its line" sh -c "
	grep -qF '  \$.state: expected \"Full\", seen \"Init\"' '$TMP/err' &&
	grep -qF '  \$.gone: expected absent, seen 1' '$TMP/err' &&
	grep -qF '  \$.more: missing, expected {\"x\":1}' '$TMP/err' &&
	grep -qF 'last seen: 3 differences, first \$.state' '$TMP/err'"
w --json --timeout 300ms a json --match '{"a":[1,2]}' -- echo '{"a":[3,1]}' >"$TMP/mm.json" 2>/dev/null
ok "json --json at a timeout validates against wait.schema.json" $V "$TMP/mm.json"
is "json --json lists the mismatch" "\$.a 2 None" "$(python3 -c 'import json,sys
m=json.load(open(sys.argv[1]))["mismatches"][0]; print(m["path"], m["expected"], m["seen"])' "$TMP/mm.json")"

# Output that is not JSON: said at once, and the wait goes on until it is.
rm -f "$TMP/doc"
(sleep 0.5; echo '{"ready":true}' >"$TMP/doc") &
w --timeout 10 a json --match '{"ready":true}' -- sh -c "cat '$TMP/doc' 2>/dev/null || echo garbage" \
	2>"$TMP/err"
is "json: output not JSON at first, then JSON: the wait goes on and succeeds" "0" "$?"
wait
ok "json: output not JSON is named clearly, once" sh -c \
	"[ \$(grep -c \"the output of 'sh' is not JSON: line 1 column\" '$TMP/err') = 1 ] && grep -q \"it begins 'garbage\" '$TMP/err'"
out=$(w --json --timeout 400ms a json --match '{}' -- echo '{oops' 2>/dev/null)
is "json: output never JSON: times out (not an error)" "False" "$(printf '%s' "$out" | field ok)"
ok "json: ...after the whole timeout" test "$(printf '%s' "$out" | field elapsed_ms)" -ge 400
w --timeout 300ms a json --match '{"a":1}' -- sh -c 'echo "{\"a\":1}"; echo broken >&2; exit 3' 2>"$TMP/err"
ok "json: a command that fails does not match; its status and stderr are said" sh -c \
	"grep -q \"last seen: 'sh' exited with status 3: broken\" '$TMP/err'"
is "json: a command that does not exist is an error (1), at once" "1" \
	"$(w --timeout 10 a json --match '{}' -- t-no-such-cmd 2>/dev/null; echo $?)"
# Huge output: 200000 routes' worth of JSON (about 10 MB); two elements near the end.
t0=$(date +%s%N)
ok "json: 10 MB of output, matched" w --timeout 30 a json \
	--match '[{"dst":"10.3.13.0/24"},{"dst":"10.3.12.0/24","protocol":"bird"}]' -- python3 -c '
import json; print(json.dumps([{"dst": "10.%d.%d.0/24" % (i >> 16, (i >> 8) & 255), "protocol": "bird", "metric": i} for i in range(200000)]))'
echo "# 10 MB matched in $((($(date +%s%N) - t0) / 1000000)) ms"
echo '{"a": [1, }' >"$TMP/bad.json"
w a json --match-file "$TMP/bad.json" -- true 2>"$TMP/err"
is "json: --match-file that is not JSON: usage error (2)" "2" "$?"
ok "json: ...named file:line:col" grep -q "$TMP/bad.json:1:" "$TMP/err"
echo '[{"dst":"10.0.0.0/30"}]' >"$TMP/good.json"
ok "json: --match-file" w a json --match-file "$TMP/good.json" -- ip -j route

# ---- --stable: the connected route comes and goes with a flapping link.
# The loop runs in the node (no exec per flap); the wait starts once the first flap is seen.
x a sh -c 'for i in $(seq 8); do ip link set eth0 down; sleep 0.2; ip link set eth0 up; sleep 0.2; done' &
flapper=$!
w --timeout 10 a not route 10.0.0.0/30
w --json --stable 1s --timeout 2.5s a route 10.0.0.0/30 >"$TMP/flap.json" 2>"$TMP/err"
is "--stable 1s against a link flapping every 0.2 s: exit 1" "1" "$?"
kill "$flapper" 2>/dev/null; wait
ok "--stable: the breaks are counted" test "$(field breaks <"$TMP/flap.json")" -ge 2
ok "--stable: the message says it broke" grep -q "to hold 1 s in node 'a': it broke" "$TMP/err"
ok "--stable --json validates" $V "$TMP/flap.json"
x a ip link set eth0 up
ok "--stable 500ms once the link stays up" w --timeout 10 --stable 500ms a route 10.0.0.0/30

# ---- not, for every kind
(sleep 0.3; x a ip addr del 10.0.0.1/30 dev eth0; x a ip addr add 10.0.0.1/30 dev eth0) &
ok "not addr: wakes when the address goes" w --timeout 10 a not addr 10.0.0.1
wait
x a ip route add 10.6.0.0/16 via 10.0.0.2
(sleep 0.3; x a ip route del 10.6.0.0/16) &
ok "not route: wakes when the route is withdrawn" w --timeout 10 a not route 10.6.0.0/16
wait
"$NETLAB" start -l "$LAB" b --name listener python3 -c \
	'import socket,time; s=socket.socket(); s.bind(("0.0.0.0",7777)); s.listen(); time.sleep(1000)' >/dev/null
w --timeout 10 b tcp 7777
(sleep 0.3; "$NETLAB" stop -l "$LAB" b listener) &
ok "not tcp: when nothing listens any more" w --timeout 10 b not tcp 7777
wait
ok "not reach: an address nobody has" w --timeout 10 a not reach 10.0.0.77
ok "not cmd: until the command fails" w --timeout 10 a not cmd -- test -e /nonexistent
ok "not json: until the output stops matching" w --timeout 10 a not json --match '{"a":1}' -- echo '{"a":2}'
is "not addr: an address that stays: timeout (1)" "1" "$(w --timeout 200ms a not addr 10.0.0.1 2>/dev/null; echo $?)"
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
