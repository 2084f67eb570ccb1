#!/bin/bash
# Hostile environments (issue 17, part A): a run directory netlab did not make, a damaged state,
# a stopped lab init whose `up` was killed, a state naming another process with its real start
# time, `down` racing an `up` or `exec` of the same name, symlinks and fifos as the lab's files,
# closed standard streams, and the small promises of the CLI around them. Each case failed before
# its fix. docs/RELIABILITY.md lists them.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
plan 39
snapshot before

LAB=t-hostile-$$
track_lab "$LAB"
track_lab "$LAB-b"
cat >"$TMP/s.conf" <<'CONF'
node a b
link a -- b
CONF
# Many files in the lab's directory, so that its removal takes a while (the race window of a
# `down` that removed its lock first).
cat >"$TMP/many.conf" <<'CONF'
node n[1..24]
link n[1..23] -- n[2..24]
start n[1..24] sleep 1000
start n[1..24] sleep 1001
start n[1..24] sleep 1002
CONF
init_of() { awk '$1 == "init" {print $2}' "$RUN_DIR/$1/state"; }
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# 1. A run directory netlab did not make.
mkdir -p "$TMP/foreign/etc"
echo "root:x:0:0" >"$TMP/foreign/etc/passwd"
chmod 755 "$TMP/foreign/etc"
fr() { NETLAB_RUN_DIR=$TMP/foreign "$NETLAB" "$@"; }
out=$(fr status 2>&1)
is "status with a foreign run directory: refused (1)" 1 $?
ok "saying it is not netlab's" grep -q "did not make it" <<<"$out"
fr clean >/dev/null 2>&1
is "clean refuses it (1)" 1 $?
is "up refuses it (1)" 1 "$(fr up -l "$LAB" "$TMP/s.conf" >/dev/null 2>&1; echo $?)"
is "and nothing in it was changed, chmod'ed or removed" "755 root:x:0:0 etc" \
	"$(stat -c %a "$TMP/foreign/etc") $(cat "$TMP/foreign/etc/passwd") $(ls -A "$TMP/foreign")"
# A directory in netlab's own run directory that netlab did not make (no lock beside it).
ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
mkdir -m 755 "$RUN_DIR/$LAB-b" && echo keep >"$RUN_DIR/$LAB-b/data"
"$NETLAB" clean >/dev/null 2>&1
is "a foreign directory beside our labs: status does not list it, clean leaves it as it was" \
	"absent 755 keep" "$(lab_state "$LAB-b") $(stat -c %a "$RUN_DIR/$LAB-b") $(cat "$RUN_DIR/$LAB-b/data")"
is "up of that name refuses it (1) and writes nothing there" "1 data" \
	"$("$NETLAB" up -l "$LAB-b" "$TMP/s.conf" >/dev/null 2>&1; echo $?) $(ls -A "$RUN_DIR/$LAB-b" | xargs)"
rm -rf "${RUN_DIR:?}/$LAB-b"

# 2. A damaged state does not orphan a running lab.
init=$(init_of "$LAB")
: >"$RUN_DIR/$LAB/state"
"$NETLAB" clean >/dev/null 2>&1
ok "state truncated: clean leaves the running lab and its directory" \
	sh -c "kill -0 $init && test -d '$RUN_DIR/$LAB'"
ok "down finds its lab init (from the lock's record) and stops it" "$NETLAB" down "$LAB"
ok "nothing of it is left" nothing_left "$LAB"

# 3. A stopped lab init and a killed `up`: down, clean and the next up kill what is left.
stopped_lab() {
	NETLAB_TEST_PAUSE_AT=nodes "$NETLAB" up -l "$LAB" "$TMP/many.conf" >/dev/null 2>&1 &
	local up=$! i
	wait_stopped $up
	for i in $(seq 1 100); do
		sinit=$(pgrep -P $up -x netlab-init) && break
		sleep 0.05
	done
	kill -STOP "$sinit"
	kill -KILL $up
	wait $up 2>/dev/null
}
for how in down clean up; do
	stopped_lab
	case $how in
	down) "$NETLAB" down "$LAB" >/dev/null 2>&1 ;;
	clean) "$NETLAB" clean >/dev/null 2>&1 ;;
	up) "$NETLAB" up -l "$LAB" "$TMP/s.conf" >/dev/null 2>&1 && "$NETLAB" down "$LAB" >/dev/null 2>&1 ;;
	esac
	ok "lab init stopped, up killed: $how kills every process of it" sh -c "! kill -0 ${sinit:-0} 2>/dev/null || grep -q '^State:.Z' /proc/${sinit:-0}/status"
	ok "... and nothing is left" nothing_left "$LAB"
	[ -n "${sinit:-}" ] && kill -KILL "$sinit" 2>/dev/null # the old binary's leftovers
	my_wait_quiet
	"$NETLAB" clean >/dev/null 2>&1
done

# 16. A state naming another process with its real start time: neither killed nor entered.
ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
init=$(init_of "$LAB")
sleep 1000 &
other=$!
other_st=$(sed 's/.*) //' "/proc/$other/stat" | awk '{print $20}')
cp "$RUN_DIR/$LAB/state" "$TMP/state.orig"
sed -i "s/^node a [0-9]* [0-9]*/node a $other $other_st/" "$RUN_DIR/$LAB/state"
rm -f "$TMP/entered"
"$NETLAB" exec -l "$LAB" a touch "$TMP/entered" >/dev/null 2>&1
is "node a's line names a host process: exec refuses (125)" 125 $?
ok "and ran nothing in the host's namespaces" test ! -e "$TMP/entered"
sed "s/^init [0-9]* [0-9]*/init $other $other_st/" "$TMP/state.orig" >"$RUN_DIR/$LAB/state"
"$NETLAB" down "$LAB" >/dev/null 2>&1
ok "init line names a host process: down does not kill it" kill -0 $other
ok "and stops the real lab" sh -c "! kill -0 $init 2>/dev/null || grep -q '^State:.Z' /proc/$init/status"
kill $other
wait $other 2>/dev/null
"$NETLAB" down "$LAB" >/dev/null 2>&1
my_wait_quiet

# 6. down racing an up of the same name: down always succeeds. 20000 files in a node's log
# directory make its removal take a while, and `up`s are tried without pause meanwhile.
bad=""
for k in 1 2 3; do
	"$NETLAB" up -l "$LAB" "$TMP/s.conf" >/dev/null 2>&1
	mkdir -p "$RUN_DIR/$LAB/a"
	python3 -c 'import sys; [open("%s/%d.log" % (sys.argv[1], i), "w").close() for i in range(20000)]' "$RUN_DIR/$LAB/a"
	init=$(init_of "$LAB")
	"$NETLAB" down "$LAB" >"$TMP/d" 2>&1 &
	d=$!
	# The ups start once the down holds the lock and has killed the lab (else an up that took
	# the lock first would make the down say "busy", which is right).
	for i in $(seq 1 400); do gone "$init" && break; sleep 0.01; done
	for i in $(seq 1 500); do
		"$NETLAB" up -l "$LAB" "$TMP/s.conf" >/dev/null 2>&1 && break
		kill -0 $d 2>/dev/null || break
	done
	wait $d || bad="$bad [$k: $(head -1 "$TMP/d")]"
	"$NETLAB" down "$LAB" >/dev/null 2>&1
	"$NETLAB" clean >/dev/null 2>&1
done
is "down racing up of the same name, 3 times: down succeeds every time" "" "$bad"
my_wait_quiet

# 8. exec racing down: every refusal says "going down" (or, once it is gone, "no lab"). The
# loops go on until the lab's directory is gone, so that some run while `down` removes it.
bad=""
for round in 1 2 3; do
	"$NETLAB" up -l "$LAB" "$TMP/many.conf" >/dev/null 2>&1
	pids=()
	for k in $(seq 1 6); do
		(for i in $(seq 1 400); do
			"$NETLAB" exec -l "$LAB" n$k true
			[ -e "$RUN_DIR/$LAB" ] || break
		done) >/dev/null 2>"$TMP/x.$k" &
		pids+=($!)
	done
	"$NETLAB" exec -l "$LAB" n1 true # the loops have begun
	"$NETLAB" down "$LAB" >/dev/null 2>&1
	wait "${pids[@]}"
	for k in $(seq 1 6); do
		if grep -q "dead\|stale\|Cannot" "$TMP/x.$k"; then bad="$bad [$(grep -m1 "dead\|stale\|Cannot" "$TMP/x.$k")]"; fi
	done
done
is "exec racing down never says 'dead (stale state...)', only 'going down' or 'no lab'" "" "$bad"
my_wait_quiet

# 12. Symlinks and fifos as the lab's files.
ok "up" "$NETLAB" up -l "$LAB" "$TMP/s.conf"
echo "secret-first-line" >"$TMP/secret"
ln -sf "$TMP/secret" "$RUN_DIR/$LAB/topology.conf"
out=$(timeout 10 "$NETLAB" graph "$LAB" 2>&1)
rc=$?
is "topology.conf a symlink: graph refuses (1) and prints nothing of its target" "1 no" \
	"$rc $(grep -q secret <<<"$out" && echo yes || echo no)"
rm -f "$RUN_DIR/$LAB/topology.conf"
mkfifo "$RUN_DIR/$LAB/topology.conf"
is "topology.conf a fifo: graph refuses (1), does not hang" 1 \
	"$(timeout 10 "$NETLAB" graph "$LAB" >/dev/null 2>&1; echo $?)"
mkdir -p "$RUN_DIR/$LAB/a"
mkfifo "$RUN_DIR/$LAB/a/d.log"
rc=$(timeout 10 "$NETLAB" logs -l "$LAB" a d >/dev/null 2>&1; echo $?)
ok "a fifo as a daemon's log: logs refuses, does not hang (exit $rc)" test "$rc" != 124 -a "$rc" != 0
rm -f "$RUN_DIR/$LAB/a/d.log"
: >"$RUN_DIR/$LAB/a/e.log"
mkfifo "$RUN_DIR/$LAB/a/e.pid"
rc=$(timeout 10 "$NETLAB" logs -l "$LAB" a >/dev/null 2>&1; echo $?)
ok "a fifo as a daemon's pid file: logs does not hang (exit $rc)" test "$rc" != 124
rm -f "$RUN_DIR/$LAB/topology.conf" && cp "$TMP/s.conf" "$RUN_DIR/$LAB/topology.conf"
mkfifo "$RUN_DIR/$LAB/events.log"
rc=$(timeout 10 "$NETLAB" link -l "$LAB" a:eth0 down >/dev/null 2>&1; echo $?)
is "a fifo as events.log: link down does not hang, and works" 0 "$rc"

# 14. With stdio closed, no message lands in a file of the lab.
"$NETLAB" up -l "$LAB" "$TMP/s.conf" <&- >&- 2>&-
is "up of a lab that is up, stdio closed: fails (1)" 1 $?
is "and wrote its message into no file of the run directory" "" \
	"$(grep -rl "already up" "$RUN_DIR" 2>/dev/null)"

# Small ones.
is "status honours NETLAB_LAB" "lab $LAB:" "$(NETLAB_LAB=$LAB "$NETLAB" status | head -1 | cut -d' ' -f1-2)"
kill -KILL "$(awk '$1 == "node" && $2 == "b" {print $3}' "$RUN_DIR/$LAB/state")"
for i in $(seq 1 100); do "$NETLAB" status "$LAB" | grep -q "not running" && break; sleep 0.05; done
ok "a killed node shows '(not running)'" sh -c "'$NETLAB' status '$LAB' | grep -E '^b +[0-9]+ .*\\(not running\\)'"
bad=""
for v in "down" "graph" "status" "wait" "link" "node" "logs" "stop"; do
	case $v in
	wait) args="a addr 1.2.3.4" ;; link) args="a:eth0 show" ;;
	node) args="a stop" ;; logs) args="a" ;; stop) args="a x" ;; *) args="" ;;
	esac
	# shellcheck disable=SC2086
	rc=$("$NETLAB" $v -l 'bad/name' $args >/dev/null 2>&1; echo $?)
	[ "$rc" = 2 ] || bad="$bad $v:$rc"
done
is "an invalid -l exits 2 for every verb (exec: 125, its own failures)" "" "$bad"
mkdir -m 700 "$RUN_DIR/$LAB-b"
: >"$RUN_DIR/$LAB-b.lock"
chown nobody "$RUN_DIR/$LAB-b"
n=$("$NETLAB" status "$LAB-b" 2>&1 | grep -c "owned by uid")
is "a lab directory owned by another user: its refusal is said once" 1 "$n"
rm -rf "${RUN_DIR:?}/$LAB-b" "$RUN_DIR/$LAB-b.lock"
ok "down" "$NETLAB" down "$LAB"
ok "nothing is left" nothing_left "$LAB"
host_unchanged
done_testing
