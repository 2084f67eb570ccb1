#!/bin/bash
# Crash safety at every step (DESIGN.md §1.1, §1.2). `netlab up` of a 200-node lab is killed with
# SIGKILL and with SIGTERM
#   - at the end of every phase (NETLAB_TEST_PAUSE_AT=PHASE makes `up` stop itself there with
#     SIGSTOP, see test_pause_at() in src/lab/up.c), and
#   - after k ms, for k spread over the measured duration of an uninterrupted `up`;
# then, separately, the lab init of a running lab, one node process, and `netlab down` halfway.
# After each: no lab process and no namespace of the lab is left, `status` calls what remains
# stale, `clean` removes it, and the same lab name comes up again. At the end the host is exactly
# as before.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
PHASES="prepare nodes bridges links addresses impair ready exec commit"
N_TIMED=6
plan $((2 * 9 + 2 * N_TIMED + 2 + 6 + 5 + 4 + 1))
snapshot before

LAB=t-kill-$$
track_lab "$LAB"
cat >"$TMP/big.conf" <<'CONF'
# 200 routers in a chain, 20 of them also on one switch; an exec statement and a daemon, so that
# every phase of up has work to do.
node r[1..200] router
switch s1
link r[1..199] -- r[2..200]
link r[1..20] -- s1
exec r1 true
start r2 sleep 1000
CONF

# After `up` was killed (its exit status $1): clean up what is left the documented way and say
# whether the outcome was right. A lab killed after its commit is up and goes down; otherwise
# the lab is gone, and what is left is stale and removed by `clean`.
settle() {
	local rc=$1 st
	st=$(lab_state "$LAB")
	case $st in
	running)
		# Only legitimate when the kill came after the commit.
		"$NETLAB" down "$LAB" >/dev/null || { echo "down of the committed lab failed"; return 1; }
		;;
	stale)
		"$NETLAB" clean | grep -q "'$LAB'" || { echo "clean did not remove '$LAB'"; return 1; }
		;;
	absent) ;;
	*)
		echo "lab '$LAB' is '$st' after up exited with $rc"
		return 1
		;;
	esac
	nothing_left "$LAB"
}

# 1. At the end of every phase.
for sig in KILL TERM; do
	for phase in $PHASES; do
		NETLAB_TEST_PAUSE_AT=$phase "$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null 2>"$TMP/up.err" &
		up=$!
		if wait_stopped $up; then
			kill -$sig $up
			kill -CONT $up 2>/dev/null
			wait $up
			rc=$?
			want=$([ $sig = KILL ] && echo 137 || echo 143)
			if [ $rc != "$want" ]; then
				res="up exited with $rc, not $want"
			elif [ $phase = commit ]; then
				st=$(lab_state "$LAB")
				[ "$st" = running ] && res=ok || res="a lab killed after its commit is '$st'"
				[ "$res" = ok ] && ! "$NETLAB" exec -l "$LAB" r199 ping -c1 -W2 -q r200 >/dev/null &&
					res="the committed lab does not work"
			else
				st=$(lab_state "$LAB")
				[ "$st" = stale ] && res=ok || res="status says '$st', not stale"
			fi
			out=$(settle $rc 2>&1) || res="$res; $out"
		else
			wait $up
			res="up did not stop at '$phase' (exit $?): $(head -3 "$TMP/up.err")"
			settle 0 >/dev/null 2>&1
		fi
		is "SIG$sig at the end of phase '$phase': nothing left after status/clean/down" ok "$res"
	done
done

# 2. After k ms, k spread over the duration of an uninterrupted up (measured here, so that the
# points cover the whole run on a slow or sanitized build too).
t0=$(ms)
"$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null || echo "# an uninterrupted up failed"
dur=$(($(ms) - t0))
"$NETLAB" down "$LAB" >/dev/null
nothing_left "$LAB" >/dev/null
echo "# uninterrupted up: $dur ms"
for sig in KILL TERM; do
	for k in $(seq 0 $((N_TIMED - 1))); do
		delay=$((k * dur / (N_TIMED - 1)))
		"$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null 2>&1 &
		up=$!
		sleep "$(awk "BEGIN { print $delay / 1000 }")"
		kill -$sig $up 2>/dev/null
		wait $up
		rc=$?
		out=$(settle $rc 2>&1) && res=ok || res="$out"
		is "SIG$sig after $delay ms of $dur (up exit $rc): nothing left" ok "$res"
	done
done

# 3. A lab whose up was killed comes up again under the same name without a clean first.
NETLAB_TEST_PAUSE_AT=links "$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null 2>&1 &
up=$!
wait_stopped $up && kill -KILL $up
kill -CONT $up 2>/dev/null
wait $up
ok "after a killed up, the same lab name comes up again (without clean)" \
	"$NETLAB" up -l "$LAB" "$TMP/big.conf"
ok "and works end to end" "$NETLAB" exec -l "$LAB" r199 ping -c1 -W2 -q r200

# 4. The lab init of a running lab is killed.
init=$(awk '$1 == "init" {print $2}' "$RUN_DIR/$LAB/state")
ok "the lab init is killed" kill -KILL "$init"
ok "every process of the lab is gone" my_wait_quiet
is "status reports the lab as stale" stale "$(lab_state "$LAB")"
is "exec into it fails with 125" 125 "$("$NETLAB" exec -l "$LAB" r1 true 2>/dev/null; echo $?)"
ok "clean removes it, and nothing is left" sh -c \
	"'$NETLAB' clean | grep -q \"'$LAB'\" && test ! -e '$RUN_DIR/$LAB'"
ok "the same lab name comes up again" "$NETLAB" up -l "$LAB" "$TMP/big.conf"

# 5. One node process is killed: that node is gone, the rest of the lab works, down is clean.
node5=$(awk '$1 == "node" && $2 == "r5" {print $3}' "$RUN_DIR/$LAB/state")
ok "node r5's process is killed" kill -KILL "$node5"
for i in $(seq 1 100); do [ -d "/proc/$node5" ] || break; sleep 0.05; done
is "exec into the dead node fails with 125" 125 "$("$NETLAB" exec -l "$LAB" r5 true 2>/dev/null; echo $?)"
ok "the message says the node is not running" sh -c \
	"'$NETLAB' exec -l '$LAB' r5 true 2>&1 | grep -q 'not running'"
ok "the other nodes still work" "$NETLAB" exec -l "$LAB" r3 ping -c1 -W2 -q r4-eth0
ok "down takes the rest of the lab down" "$NETLAB" down "$LAB"

# 6. `netlab down` killed halfway (before, during and after its SIGKILL to the lab): the lab is
# either still up (and a second down works) or dead (and clean removes it).
bad=""
t0=$(ms)
"$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null
"$NETLAB" down "$LAB" >/dev/null
ddur=$(($(ms) - t0))
for delay in 0 5 30 100; do
	"$NETLAB" up -l "$LAB" "$TMP/big.conf" >/dev/null || bad="$bad up-failed"
	"$NETLAB" down "$LAB" >/dev/null 2>&1 &
	dn=$!
	sleep "$(awk "BEGIN { print $delay / 1000 }")"
	kill -KILL $dn 2>/dev/null
	wait $dn
	out=$(settle $? 2>&1) || bad="$bad [$delay ms: $out]"
done
is "down killed after 0, 5, 30, 100 ms: nothing left after status/clean/down" "" "$bad"
ok "up of the same name after all that" "$NETLAB" up -l "$LAB" "$TMP/big.conf"
ok "and down" "$NETLAB" down "$LAB"
ok "nothing left" nothing_left "$LAB"
echo "# up+down: $ddur ms"

host_unchanged
done_testing
