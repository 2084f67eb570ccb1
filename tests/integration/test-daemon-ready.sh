#!/bin/bash
# A `start`ed daemon that exits during `up` fails `up` (the lab vanishes) with its log's last
# lines; `start NODE ready=KIND:ARG timeout=T` makes `up` wait for the daemon to be ready
# (tcp, socket, log, cmd), bounded by the timeout (issue 16.5).
. "$(dirname "$0")/lib.sh"
require_root
command -v python3 >/dev/null || skip_all "python3 not installed"
plan 12
snapshot before

L=t-ready-$$
track_lab "$L"
listen='import socket,sys,time; time.sleep(0.2); s=socket.socket(*((socket.AF_UNIX,) if sys.argv[1][0]=="/" else ())); s.bind(sys.argv[1] if sys.argv[1][0]=="/" else ("0.0.0.0", int(sys.argv[1]))); s.listen(); time.sleep(1000)'
cat >"$TMP/ready.conf" <<CONF
node r1
mount r1 tmpfs /run/app
start r1 ready=log:"hello there" timeout=5s sh -c 'sleep 0.3; echo hello there; exec sleep 1000'
start r1 ready=socket:/run/app/s python3 -c '$listen' /run/app/s
start r1 ready=tcp:2601 python3 -c '$listen' 2601
start r1 ready=cmd:"test -S /run/app/s" timeout=2s sleep 1000
CONF
x() { "$NETLAB" exec -l "$L" "$@"; }
has() { printf '%s\n' "$res" | grep -qF -- "$1"; }

ok "up waits for every readiness condition" "$NETLAB" up -l "$L" "$TMP/ready.conf"
ok "... the log line is there when up returns" grep -q "hello there" "$RUN_DIR/$L/r1/sh.log"
ok "... the socket" x r1 test -S /run/app/s
ok "... and the TCP listener" x r1 sh -c "grep -q ':0A29 00000000:0000 0A' /proc/net/tcp"
ok "down" "$NETLAB" down "$L"

printf 'node r1\nstart r1 sleep 1000\nstart r1 sh -c "echo cannot write /run/frr; exit 1"\n' >"$TMP/dies.conf"
res=$("$NETLAB" up -l "$L" "$TMP/dies.conf" 2>&1)
is "a daemon that exits during up fails it (exit 1)" 1 $?
ok "... naming the statement" has "$TMP/dies.conf:3: daemon 'sh' in node 'r1' exited during up"
ok "... and showing the daemon's last log line" has "    cannot write /run/frr"
ok "... and nothing of the lab is left" test ! -e "$RUN_DIR/$L"

printf 'node r1\nstart r1 ready=tcp:99 timeout=300ms sleep 1000\n' >"$TMP/slow.conf"
res=$("$NETLAB" up -l "$L" "$TMP/slow.conf" 2>&1)
is "a condition that does not hold in time fails up (exit 1)" 1 $?
ok "... at file:line:col, with the condition" \
	has "$TMP/slow.conf:2:10: daemon 'sleep' in node 'r1' not ready within 0.3 s (tcp:99)"
host_unchanged
done_testing
