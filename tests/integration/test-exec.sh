#!/bin/bash
# netlab exec: exit statuses, stdin/stdout/tty pass through, signals reach the command, commands
# live inside the lab (a daemon started with `&` is gone after down); exec and start statements
# run at up; mounts are private to their node.
. "$(dirname "$0")/lib.sh"
require_root
plan 32
snapshot before

LAB=t-exec-$$
track_lab "$LAB"
mkdir -p "$TMP/shared"
echo "from the host" >"$TMP/shared/file"
cat >"$TMP/exec.conf" <<CONF
node a b
link a -- b
mount a tmpfs /mnt
mount b bind $TMP/shared /mnt
exec a echo "hello from %NODE%" > /mnt/greeting
exec b test -f /mnt/file
start a sh -c 'echo daemon %NODE% started; exec sleep 1000'
CONF

ok "up (with exec, start and mount statements)" "$NETLAB" up -l "$LAB" "$TMP/exec.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
is "exit status 0" "0" "$(x a true; echo $?)"
# What the CLI's exec looks at (strace, leaks unchecked: LeakSanitizer cannot run traced). It is
# single-threaded and says so, rather than count its threads in /proc on every exec; a node
# with the host's tree has no image defaults to read (the state says so); and the state is
# loaded once, for a node as for a switch.
if command -v strace >/dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=%file \
		-o "$TMP/exec.strace" "$NETLAB" exec -l "$LAB" a true
	is "exec does not count its threads in /proc" "" "$(grep -o '/proc/self/task' "$TMP/exec.strace")"
	is "nor look for image defaults in a plain node" "" "$(grep -o "/$LAB/a/image" "$TMP/exec.strace")"
	is "and reads the lab's state once" "1" "$(grep -c '"state"' "$TMP/exec.strace")"
else
	for i in 1 2 3; do _n=$((_n + 1)); echo "ok $_n # SKIP strace is not installed"; done
fi
is "exit status is the command's" "7" "$(x a sh -c 'exit 7'; echo $?)"
is "127 when the command does not exist" "127" "$(x a /nonexistent/cmd 2>/dev/null; echo $?)"
is "126 when it cannot be executed" "126" "$(x a /etc/passwd 2>/dev/null; echo $?)"
is "128+N when killed by signal N" "143" "$(x a sh -c 'kill -TERM $$'; echo $?)"
is "125 for a node that does not exist" "125" "$(x nosuch true 2>/dev/null; echo $?)"
is "125 for a lab that does not exist" "125" \
	"$("$NETLAB" exec -l nosuchlab-$$ a true 2>/dev/null; echo $?)"
is "stdin and stdout pass through" "piped" "$(echo piped | x a cat)"
is "stderr passes through" "err" "$(x a sh -c 'echo err >&2' 2>&1 >/dev/null)"
is "a tty passes through" "tty ok" \
	"$(script -qec "$NETLAB exec -l $LAB a sh -c 'test -t 0 && test -t 1 && echo tty ok'" /dev/null | tr -d '\r')"
is "options after NODE belong to the command" "-l x" "$(x a echo -l x)"
is "exec statements ran, in the node, with %NODE%" "hello from a" "$(x a cat /mnt/greeting)"
is "a tmpfs mount is private to its node" "" "$(cat /mnt/greeting 2>/dev/null)"
is "a bind mount shows the host directory" "from the host" "$(x b cat /mnt/file)"
ok "start daemons log to NETLAB_DIR/NODE/NAME.log" \
	"$NETLAB" wait -l "$LAB" --timeout 10 a cmd -- grep -q "daemon a started" "$RUN_DIR/$LAB/a/sh.log"

# SIGTERM to `netlab exec` reaches the command.
"$NETLAB" exec -l "$LAB" a sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.05; done' >"$TMP/sig.out" &
pid=$!
for i in $(seq 1 100); do grep -q ready "$TMP/sig.out" 2>/dev/null && break; sleep 0.05; done
kill -TERM $pid
wait $pid
is "SIGTERM to netlab exec is forwarded to the command" "42" "$?"
# ... even at once: the signal sent the moment the command has printed, before netlab may have
# installed its forwarding (it used to die of it 1 time in 6, leaving the command alone).
# The wait spins on purpose: the quicker the kill, the closer to the command's start.
lost=0
for i in $(seq 1 50); do
	: >"$TMP/sig.out"
	"$NETLAB" exec -l "$LAB" a sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.01; done' >"$TMP/sig.out" &
	pid=$!
	until grep -q ready "$TMP/sig.out" || ! kill -0 $pid 2>/dev/null; do :; done
	kill -TERM $pid
	wait $pid
	[ $? = 42 ] || lost=$((lost + 1))
done
is "... 50 times in a row, the moment the command runs" "0" "$lost"

# A command that outlives its exec lives inside the lab and dies with it.
x a sh -c 'sleep 1000 >/dev/null 2>&1 & echo $! > /mnt/sleep.pid'
inner=$(x a cat /mnt/sleep.pid)
ok "a background daemon runs inside the node's PID namespace" \
	sh -c "'$NETLAB' exec -l '$LAB' a test -d /proc/$inner"
# Its host pid: the sleep whose innermost PID (NSpid) is the one seen in the node.
hostpids=$(for p in $(ps -e -o pid=,comm= | awk '$2=="sleep"{print $1}'); do
	awk -v want="$inner" '/^NSpid:/ && NF > 2 && $NF == want {print FILENAME}' /proc/$p/status 2>/dev/null |
		sed 's|/proc/||;s|/status||'
done | xargs)
ok "a background daemon is visible from the host" test -n "$hostpids"
ok "down" "$NETLAB" down "$LAB"
gone=true
for p in $hostpids; do
	for i in $(seq 1 50); do [ -d /proc/$p ] || break; sleep 0.1; done
	[ -d /proc/$p ] && gone=false
done
ok "the background daemon is gone after down" $gone
is "exec into a lab that is down fails with 125" "125" "$(x a true 2>/dev/null; echo $?)"

# %NODE% stands for the node's name in user= as in the command: nodes named after users of the
# host (they have the host's /etc/passwd) run as their namesakes.
cat >"$TMP/user.conf" <<'CONF'
node nobody daemon
exec nobody user=%NODE% sh -c 'echo "%NODE% runs as $(id -un)"'
start daemon user=%NODE%:%NODE% sleep 100000
CONF
ok "up: exec and start statements with user=%NODE%" \
	sh -c "'$NETLAB' up -l '$LAB' '$TMP/user.conf' >'$TMP/user.out'"
is "exec user=%NODE%: as the node's namesake" "nobody runs as nobody" "$(grep 'runs as' "$TMP/user.out")"
is "start user=%NODE%:%NODE%: as the node's namesake, user and group" \
	"$(id -u daemon) $(getent group daemon | cut -d: -f3)" \
	"$(stat -c '%u %g' "/proc/$(cut -d' ' -f1 "$RUN_DIR/$LAB/daemon/sleep.pid")")"
ok "down" "$NETLAB" down "$LAB"
ok "nothing of the lab is left in $RUN_DIR" test ! -e "$RUN_DIR/$LAB"
host_unchanged
done_testing
