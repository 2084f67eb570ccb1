#!/bin/bash
# netlab wait: each condition when it holds, when it comes to hold while we wait (events, not
# sleeps), and its timeout message naming what was last seen.
. "$(dirname "$0")/lib.sh"
require_root
plan 24
snapshot before

LAB=t-wait-$$
track_lab "$LAB"
cat >"$TMP/wait.conf" <<CONF
pool fd00:77::/48
node a b
link a -- b
CONF
ok "up" "$NETLAB" up -l "$LAB" "$TMP/wait.conf"
w() { "$NETLAB" wait -l "$LAB" "$@"; }
x() { "$NETLAB" exec -l "$LAB" "$@"; }
err() { "$@" 2>&1 >/dev/null; }

ok "addr: an IPv4 address that is there" w a addr 10.0.0.1
ok "addr: with its prefix length" w a addr 10.0.0.1/30
ok "addr: an IPv6 address that is there" w a addr fd00:77::1
ok "route: a connected prefix" w a route 10.0.0.0/30
ok "tcp/reach/cmd: reach b by name" w a reach b
ok "cmd: exits 0" w a cmd -- test -d /proc
# As exec runs it: NETLAB_NODE and NETLAB_DIR set, NETLAB_LAB not (a nested netlab there must
# choose its own labs).
ok "cmd: the environment of exec" env NETLAB_LAB=x "$NETLAB" wait -l "$LAB" a cmd -- sh -c \
	"[ \"\$NETLAB_NODE\" = a ] && [ \"\$NETLAB_DIR\" = '$RUN_DIR/$LAB' ] && [ -z \"\${NETLAB_LAB+set}\" ]"

is "addr: timeout status 1" "1" "$(w --timeout 200ms a addr 10.9.9.9 2>/dev/null; echo $?)"
ok "addr: the message names the address and what was seen" sh -c \
	"'$NETLAB' wait -l '$LAB' --timeout 200ms a addr 10.9.9.9 2>&1 | grep -q \"timed out after 0.2 s waiting for addr 10.9.9.9 in node 'a'; last seen: 10.0.0.1/30 eth0\""
ok "route: the timeout message lists the routes" sh -c \
	"'$NETLAB' wait -l '$LAB' --timeout 100ms a route 10.8.0.0/16 2>&1 | grep -q 'last seen: IPv4 routes: 10.0.0.0/30'"
ok "tcp: the timeout message lists listening ports" sh -c \
	"'$NETLAB' wait -l '$LAB' --timeout 100ms a tcp 8080 2>&1 | grep -q 'last seen: listening TCP ports: none'"
ok "reach: the timeout message has ping's last words" sh -c \
	"'$NETLAB' wait -l '$LAB' --timeout 300ms a reach 10.0.0.77 2>&1 | grep -q 'last seen: ping 10.0.0.77: exit status'"
ok "cmd: the timeout message has the status and last output" sh -c \
	"'$NETLAB' wait -l '$LAB' --timeout 300ms a cmd -- sh -c 'echo not yet; exit 4' 2>&1 | grep -q \"'sh' exited with status 4: not yet\""
# --json: one document, success or timeout, and the same exit status as without it.
wj() { # ARGS... -> "ok=OK condition=COND args=ARGS exit=STATUS"
	local out rc
	out=$("$NETLAB" wait -l "$LAB" --json "$@" 2>/dev/null)
	rc=$?
	printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)
print("ok=%s condition=%s args=%s" % (str(d["ok"]).lower(), d["condition"], ",".join(d["args"])), end=" ")' 2>&1
	echo "exit=$rc"
}
is "--json, the condition holds: ok true, exit 0" "ok=true condition=addr args=10.0.0.1/30 exit=0" \
	"$(wj a addr 10.0.0.1/30)"
is "--json, timed out: ok false, exit 1" "ok=false condition=cmd args=sh,-c,exit 4 exit=1" \
	"$(wj --timeout 100ms a cmd -- sh -c 'exit 4')"
is "a malformed address is a usage error (2)" "2" "$(w a addr 10.0.0.300 2>/dev/null; echo $?)"

# Conditions that come to hold while we wait: an address and a route added 0.3 s later
# (the wait starts first and must wake on the netlink event), a listener started later.
(sleep 0.3; x a ip addr add 10.5.5.5/32 dev lo) &
ok "addr: wakes when the address is added" w --timeout 10 a addr 10.5.5.5
wait
(sleep 0.3; x a ip route add 10.6.0.0/16 via 10.0.0.2) &
ok "route: wakes when the route is added" w --timeout 10 a route 10.6.0.0/16
wait
(sleep 0.3; x a ip -6 addr add fd00:88::1/64 dev eth0) &
ok "addr: an IPv6 address (added without nodad) once DAD is over" w --timeout 20 a addr fd00:88::1/64
wait
"$NETLAB" start -l "$LAB" b --name listener python3 -c \
	'import socket,time; time.sleep(0.3); s=socket.socket(); s.bind(("0.0.0.0",7777)); s.listen(); time.sleep(1000)' >/dev/null
ok "tcp: wakes when something listens" w --timeout 10 b tcp 7777
ok "stop the listener" "$NETLAB" stop -l "$LAB" b listener
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
