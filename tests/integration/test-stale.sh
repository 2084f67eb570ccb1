#!/bin/bash
# Identity is checked (DESIGN.md §1.5). A lab whose init died is reported stale by `status`,
# never entered by `exec` even when its pid now belongs to another process, never killed through
# by `down`, and removed by `clean`. Tried three ways: the state file edited to point at a live
# unrelated process (other start time); at the right pid with a wrong start time; and a real
# reuse of the dead lab init's pid, forced through /proc/sys/kernel/ns_last_pid. Then a state
# directory edited by hand (garbage, truncated, huge, a directory, a fifo, symlinks): clear
# messages, the documented exit statuses, no crash, and `clean` removes it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
plan 47
snapshot before

LAB=t-stale-$$
track_lab "$LAB"
S=$RUN_DIR/$LAB/state
cat >"$TMP/s.conf" <<'CONF'
node a b
link a -- b
CONF
x() { "$NETLAB" exec -l "$LAB" "$@"; }
starttime() { sed 's/.*) //' "/proc/$1/stat" | awk '{print $20}'; }

ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
cp "$S" "$TMP/state.orig"
init=$(awk '$1 == "init" {print $2}' "$S")
init_st=$(awk '$1 == "init" {print $3}' "$S")
# An unrelated process, started after the lab init: its start time (in clock ticks, 10 ms) can
# still be the init's when up was quick, and then it would not be "unrelated" to the check at
# all. Start it again until the tick has moved on.
for i in $(seq 1 100); do
	sleep 1000 &
	other=$!
	other_st=$(starttime $other)
	[ "$other_st" != "$init_st" ] && break
	kill $other; wait $other 2>/dev/null
done

# exec into the lab must not run anything: if it entered the wrong process, the command would
# run in that process's namespaces (the host's) and create this file.
entered() { rm -f "$TMP/entered"; x a touch "$TMP/entered" >/dev/null 2>"$TMP/err"; echo $?; }

# 1. The state points at a live unrelated process, with the lab init's start time. The lab
# still runs, and its lock's record (the second one) says so: status says running, and exec,
# which needs a state it can trust, refuses.
sed "s/^init [0-9]* [0-9]*/init $other $init_st/" "$TMP/state.orig" >"$S"
is "init pid now an unrelated process: the lock's record still finds the lab running" running "$(lab_state "$LAB")"
is "exec refuses (125)" 125 "$(entered)"
ok "and runs nothing anywhere" test ! -e "$TMP/entered"
ok "and says the state is damaged" grep -q "damaged" "$TMP/err"

# 2. The right pid (the lab init's own) with a wrong start time.
sed "s/^init [0-9]* [0-9]*/init $init $((init_st + 1))/" "$TMP/state.orig" >"$S"
is "right pid, wrong start time: running (from the lock)" running "$(lab_state "$LAB")"
is "exec refuses (125)" 125 "$(entered)"
ok "and runs nothing anywhere" test ! -e "$TMP/entered"

# 3. The lab is alive, but node a's entry points at the unrelated process with its own start
# time plus one (its pid reused), and b's at it with the right start time of another process.
sed "s/^node a [0-9]* [0-9]*/node a $other $((other_st + 1))/" "$TMP/state.orig" >"$S"
is "a node whose pid was reused: exec refuses (125)" 125 "$(entered)"
ok "and says the node is not running" grep -q "not running" "$TMP/err"

cp "$TMP/state.orig" "$S"
is "with its state restored, the lab is running" running "$(lab_state "$LAB")"
ok "and exec works" x a ping -c1 -W2 -q b
ok "the unrelated process was never touched" kill -0 $other
kill $other
wait $other 2>/dev/null

# 4. A real reuse: the lab init dies, and a new process is made to get its pid.
kill -KILL "$init"
ok "the lab init is killed and its lab ends" my_wait_quiet
# The dead init is a zombie until the host's init reaps it; its pid is free after that.
for i in $(seq 1 300); do [ -e "/proc/$init" ] || break; sleep 0.1; done
# Fork until a child gets the pid (another process may take it first). Not from this shell:
# bash mistakes a new child with the pid of an old one for it.
reused=$(python3 - "$init" <<'PY'
import os, sys
target = int(sys.argv[1])
for attempt in range(200):
    with open("/proc/sys/kernel/ns_last_pid", "w") as f:
        f.write(str(target - 1))
    pid = os.fork()
    if pid == 0:
        os.setsid()
        null = os.open("/dev/null", os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        os.execvp("sleep", ["sleep", "1000"])
    if pid == target:
        print(pid)
        sys.exit(0)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
sys.exit(1)
PY
)
ok "a new process got the dead lab init's pid $init" test -n "$reused"
is "status: stale" stale "$(lab_state "$LAB")"
ok "status LAB says stale" sh -c "'$NETLAB' status '$LAB' | grep -q stale"
is "exec refuses (125)" 125 "$(entered)"
ok "and runs nothing anywhere" test ! -e "$TMP/entered"
ok "clean removes the stale lab" sh -c "'$NETLAB' clean | grep -q \"'$LAB'\" && test ! -e '$RUN_DIR/$LAB'"
ok "the process that reused the pid is alive (never signalled)" kill -0 "${reused:-none}"
# down of a stale lab only removes its state: it must not kill the process with the pid either.
ok "up again" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
init2=$(awk '$1 == "init" {print $2}' "$S")
kill -KILL "$init2"
my_wait_quiet
for i in $(seq 1 300); do [ -e "/proc/$init2" ] || break; sleep 0.1; done
sed "s/^init [0-9]* [0-9]*/init ${reused:-1} $init_st/" "$S" >"$TMP/st" && cat "$TMP/st" >"$S"
ok "down of a stale lab whose pid was reused succeeds" "$NETLAB" down "$LAB"
ok "and does not kill the process that has the pid now" kill -0 "${reused:-none}"
[ -n "$reused" ] && kill "$reused"
for i in $(seq 1 300); do [ -n "$reused" ] && [ -e "/proc/$reused" ] || break; sleep 0.1; done

# 5. A state file edited by hand, first while the lab runs, then after its init died. For each
# damage: status, status LAB, status --json, exec, clean: no crash (exit < 125 except exec's
# 125), a message when failing; clean leaves the running lab (its lock's record finds it), and
# removes it once it is dead.
damage() {
	local what=$1
	rm -rf "${S:?}"
	case $what in
	garbage) head -c 4096 /dev/urandom >"$S" ;;
	empty) : >"$S" ;;
	magic-only) echo "netlab-state 2" >"$S" ;;
	truncated) head -c 40 "$TMP/state.orig" >"$S" ;;
	no-init) grep -v '^init' "$TMP/state.orig" >"$S" ;;
	bad-node-name) { cat "$TMP/state.orig"; echo 'node ../../etc 1 1 0 1'; } >"$S" ;;
	huge-numbers) sed 's/^init .*/init 99999999999999999999 99999999999999999999999 1 1/' "$TMP/state.orig" >"$S" ;;
	negative-pid) sed 's/^init .*/init -1 0 1 1/' "$TMP/state.orig" >"$S" ;;
	long-line) { cat "$TMP/state.orig"; echo "node $(head -c 200000 /dev/zero | tr '\0' x) 1 1 0 1"; } >"$S" ;;
	other-lab) sed 's/^lab .*/lab someoneelse/' "$TMP/state.orig" >"$S" ;;
	directory) mkdir "$S" ;;
	fifo) mkfifo "$S" ;;
	symlink) ln -s "$TMP/state.orig" "$S" ;;
	esac
}
try_all() {
	r1=$(timeout 20 "$NETLAB" status >/dev/null 2>"$TMP/e1"; echo $?)
	r2=$(timeout 20 "$NETLAB" status "$LAB" >/dev/null 2>"$TMP/e2"; echo $?)
	r3=$(timeout 20 "$NETLAB" status --json >"$TMP/j" 2>"$TMP/e3"; echo $?)
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMP/j" 2>/dev/null || r3="$r3(bad json)"
	r4=$(timeout 20 "$NETLAB" exec -l "$LAB" a true >/dev/null 2>"$TMP/e4"; echo $?)
	[ -s "$TMP/e4" ] || r4="$r4(no message)"
	r5=$(timeout 20 "$NETLAB" clean >/dev/null 2>"$TMP/e5"; echo $?)
}
for what in garbage empty magic-only truncated no-init bad-node-name huge-numbers negative-pid \
	long-line other-lab directory fifo symlink; do
	"$NETLAB" up -l "$LAB" "$TMP/s.conf" >/dev/null 2>&1
	cp "$S" "$TMP/state.orig"
	init=$(awk '$1 == "init" {print $2}' "$S")
	damage $what
	try_all
	[ -e "$RUN_DIR/$LAB" ] || r5="$r5(removed while running)"
	kill -0 "$init" 2>/dev/null || r5="$r5(lab killed)"
	running="$r1/$r2/$r3/$r4/$r5"
	kill -KILL "$init"
	my_wait_quiet
	try_all
	[ -e "$RUN_DIR/$LAB" ] && r5="$r5(not removed)"
	grep -lq "Sanitizer\|runtime error" "$TMP"/e[1-5] 2>/dev/null && r5="$r5(sanitizer)"
	case "$running|$r1/$r2/$r3/$r4/$r5" in
	0/[01]/0/125/0\|0/[01]/0/125/0) res=ok ;;
	*) res="status/status LAB/--json/exec/clean running|dead: $running|$r1/$r2/$r3/$r4/$r5: $(head -c 300 "$TMP/e4")" ;;
	esac
	is "state '$what': status 0, status LAB 0 or 1, --json valid, exec 125 with a message; clean leaves it running, removes it dead" \
		ok "$res"
	rm -rf "${RUN_DIR:?}/$LAB" "$RUN_DIR/$LAB.lock"
done

# 6. Symlinks planted in the state directory.
rm -rf "${RUN_DIR:?}/$LAB"
ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
mkdir -p "$RUN_DIR/t-stale-other-$$"
ln -s "$RUN_DIR/$LAB" "$RUN_DIR/t-stale-link-$$"
is "a lab directory that is a symlink is not a lab: status does not list it" "" \
	"$("$NETLAB" status | grep "t-stale-link-$$")"
is "exec through it refuses (125)" 125 \
	"$("$NETLAB" exec -l "t-stale-link-$$" a true 2>/dev/null; echo $?)"
rm -f "$RUN_DIR/t-stale-link-$$"
rmdir "$RUN_DIR/t-stale-other-$$"
ok "down" "$NETLAB" down "$LAB"
# A dead lab's directory with symlinks planted where up writes: up must write none through them.
ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
kill -KILL "$(awk '$1 == "init" {print $2}' "$S")"
my_wait_quiet
echo target >"$TMP/target"
for f in hosts topology.conf state state.new; do rm -f "$RUN_DIR/$LAB/$f"; ln -s "$TMP/target" "$RUN_DIR/$LAB/$f"; done
mkdir -p "$TMP/tdir"
ln -s "$TMP/tdir" "$RUN_DIR/$LAB/a"
cat >"$TMP/s2.conf" <<'CONF'
node a b
link a -- b
start a sleep 1000
CONF
ok "up over planted symlinks (hosts, state, topology.conf, a node's log dir) works" \
	"$NETLAB" up -l "$LAB" "$TMP/s2.conf"
is "and wrote nothing through them" "target|" "$(cat "$TMP/target")|$(ls -A "$TMP/tdir")"
ok "the lab's files are its own, not links" sh -c "test ! -L '$RUN_DIR/$LAB/hosts' && test ! -L '$S' && test -d '$RUN_DIR/$LAB/a' && test ! -L '$RUN_DIR/$LAB/a'"
ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
