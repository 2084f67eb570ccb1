#!/bin/bash
# Named daemons (`start` statements, netlab start/stop/logs) and `file` statements.
. "$(dirname "$0")/lib.sh"
require_root
plan 30
snapshot before

LAB=t-daemons-$$
track_lab "$LAB"
cat >"$TMP/d.conf" <<'CONF'
loopback 10.255.0.0/24
node r1 r2 router
node h
link r1 -- r2
link h -- r1
mount r[1..2] tmpfs /mnt
file r[1..2] /mnt/app/app.conf mode=0640 <<EOF
name %NODE% id %ADDR%
peer %NB_NAME% at %NB_PEER% via %NB_IF%
EOF
start r[1..2] sh -c 'echo started; cat /mnt/app/app.conf; exec sleep 1000'
CONF
ok "up (file and start statements)" "$NETLAB" up -l "$LAB" "$TMP/d.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
is "file: rendered per node" "name r1 id 10.255.0.1
peer r2 at 10.0.0.2 via eth0
peer h at 10.0.0.5 via eth1" "$(x r1 cat /mnt/app/app.conf)"
is "file: its mode, its owner, parents made" "640 root" "$(x r2 stat -c '%a %U' /mnt/app/app.conf)"
ok "file: private to its node (not on the host)" test ! -e /mnt/app/app.conf
ok "file: written before the daemons start" \
	"$NETLAB" wait -l "$LAB" --timeout 10 r2 cmd -- grep -q "name r2 id 10.255.0.2" "$RUN_DIR/$LAB/r2/sh.log"
ok "start statement: a pid file with pid and start time" \
	sh -c "read pid st <'$RUN_DIR/$LAB/r1/sh.pid' && [ \"\$(awk '{print \$22}' /proc/\$pid/stat)\" = \"\$st\" ]"

L() { "$NETLAB" logs -l "$LAB" "$@"; }
ok "logs NODE: every daemon, with a header" sh -c "'$NETLAB' logs -l '$LAB' r1 | grep -q '^==> sh (running, pid [0-9]*) <==$'"
# r1's daemon writes its line in its own time: wait for it before reading it back.
"$NETLAB" wait -l "$LAB" --timeout 10 r1 cmd -- grep -q started "$RUN_DIR/$LAB/r1/sh.log"
is "logs NODE NAME: the log itself" "started" "$(L r1 sh | head -1)"
ok "start at run time, named" "$NETLAB" start -l "$LAB" h --name ticker sh -c 'echo tick; exec sleep 1000'
is "a second daemon of that name is refused" "1" \
	"$("$NETLAB" start -l "$LAB" h --name ticker sleep 1 2>/dev/null; echo $?)"
ok "start at run time, named after the command" "$NETLAB" start -l "$LAB" h sleep 1000
ok "... as 'sleep'" test -f "$RUN_DIR/$LAB/h/sleep.pid"
ok "logs shows the new daemon's output" \
	"$NETLAB" wait -l "$LAB" --timeout 10 h cmd -- grep -qx tick "$RUN_DIR/$LAB/h/ticker.log"
pid=$(awk '{print $1}' "$RUN_DIR/$LAB/h/ticker.pid")
ok "stop: SIGTERM, waited for" "$NETLAB" stop -l "$LAB" h ticker
# It may still be a zombie for a moment: its reaper is the lab's init, not us.
ok "... the process is gone" sh -c "! test -e /proc/$pid || grep -q '^State:.*Z' /proc/$pid/status"
ok "... its pid file is gone, its log stays" sh -c "test ! -e '$RUN_DIR/$LAB/h/ticker.pid' && test -s '$RUN_DIR/$LAB/h/ticker.log'"
is "stop of a daemon that is not there: status 1" "1" "$("$NETLAB" stop -l "$LAB" h ticker 2>/dev/null; echo $?)"
# -u as exec -u has it and the start statement's user=: names from the node's /etc/passwd.
uid_of() { stat -c %u "/proc/$(cut -d' ' -f1 "$RUN_DIR/$LAB/h/$1.pid")"; }
ok "start -u USER (before NODE)" "$NETLAB" start -l "$LAB" -u nobody h --name asnobody sleep 1000
is "... runs the daemon as that user" "$(id -u nobody)" "$(uid_of asnobody)"
ok "start NODE --name N --user=USER:GROUP (after NODE)" \
	"$NETLAB" start -l "$LAB" h --name asgroup --user=nobody:"$(id -gn nobody)" sleep 1000
is "... runs it as that user and group" "$(id -u nobody) $(id -g nobody)" \
	"$(stat -c '%u %g' "/proc/$(cut -d' ' -f1 "$RUN_DIR/$LAB/h/asgroup.pid")")"
rc=0; "$NETLAB" start -l "$LAB" h -u nosuch-$$ --name nosuch sleep 1000 2>"$TMP/nosuch.err" || rc=$?
ok "start -u with an unknown user: status 1, named, nothing started" sh -c \
	"[ $rc = 1 ] && grep -q \"user 'nosuch-$$'\" '$TMP/nosuch.err' && test ! -e '$RUN_DIR/$LAB/h/nosuch.pid'"
# A daemon that ignores SIGTERM is killed after the grace period.
"$NETLAB" start -l "$LAB" h --name stubborn sh -c 'trap "" TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
ok "the stubborn daemon is ready" \
	"$NETLAB" wait -l "$LAB" --timeout 10 h cmd -- grep -q ready "$RUN_DIR/$LAB/h/stubborn.log"
ok "stop --timeout 300ms: SIGKILL after the grace period" "$NETLAB" stop -l "$LAB" --timeout 300ms h stubborn
# A pid file whose start time does not match is never obeyed (a recycled pid).
echo "$$ 1" >"$RUN_DIR/$LAB/h/fake.pid"; : >"$RUN_DIR/$LAB/h/fake.log"
is "stop refuses a pid file whose start time does not match" "1" \
	"$("$NETLAB" stop -l "$LAB" h fake 2>/dev/null; echo $?)"
ok "... and the process it names is untouched" kill -0 $$
ok "down" "$NETLAB" down "$LAB"

# A file statement never follows a symlink out of the node's directory.
mkdir -p "$TMP/shared" "$TMP/target"
ln -s "$TMP/target" "$TMP/shared/evil"
cat >"$TMP/evil.conf" <<CONF
node a
mount a bind $TMP/shared /mnt
file a /mnt/evil/x <<EOF
pwned
EOF
CONF
is "file: up fails on a symlink in the path" "1" "$("$NETLAB" up -l "$LAB" "$TMP/evil.conf" 2>/dev/null; echo $?)"
ok "... and nothing was written through it" test ! -e "$TMP/target/x"
host_unchanged
done_testing
