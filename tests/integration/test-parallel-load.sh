#!/bin/bash
# Parallel labs under load (DESIGN.md §1.4). 8 labs of one file brought up, exercised (ping
# mesh) and taken down at the same time, 20 rounds: no failure, nothing left. Two `up`s of one
# lab name at once, 10 times: exactly one wins, the other says why and leaves the winner intact.
# `down` racing `exec`s: every exec ends (0, 125, or killed with the lab), down succeeds, nothing
# is left.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
N_LABS=${N_LABS:-8}
ROUNDS=${ROUNDS:-20}
plan 12
snapshot before

P=t-pl-$$
for i in $(seq 1 $N_LABS); do track_lab "$P-$i"; done
track_lab "$P-one"
track_lab "$P-race"
cat >"$TMP/small.conf" <<'CONF'
pool fd00:50::/48
node r1 router
node h1 h2
link h1 -- r1
link r1 -- h2
routing static
CONF
NODES="h1 r1 h2"

mesh() { # every node pings every other, IPv4 and IPv6
	local lab=$1 a b
	for a in $NODES; do
		for b in $NODES; do
			[ $a = $b ] && continue
			"$NETLAB" exec -l "$lab" $a ping -4 -c1 -W2 -q $b >/dev/null 2>&1 || echo "$lab $a->$b"
			"$NETLAB" exec -l "$lab" $a ping -6 -c1 -W2 -q $b >/dev/null 2>&1 || echo "$lab $a->$b v6"
		done
	done
}

t0=$(ms)
fail_up="" fail_mesh="" fail_down="" fail_left=""
for round in $(seq 1 $ROUNDS); do
	pids=()
	for i in $(seq 1 $N_LABS); do
		"$NETLAB" up -l "$P-$i" "$TMP/small.conf" >"$TMP/up.$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 $N_LABS); do
		wait ${pids[$((i - 1))]} || fail_up="$fail_up r$round:$i($(head -1 "$TMP/up.$i"))"
	done
	for i in $(seq 1 $N_LABS); do mesh "$P-$i" >"$TMP/mesh.$i" & done
	wait
	for i in $(seq 1 $N_LABS); do
		[ -s "$TMP/mesh.$i" ] && fail_mesh="$fail_mesh r$round:$(head -1 "$TMP/mesh.$i")"
	done
	pids=()
	for i in $(seq 1 $N_LABS); do
		"$NETLAB" down "$P-$i" >"$TMP/down.$i" 2>&1 &
		pids+=($!)
	done
	for i in $(seq 1 $N_LABS); do
		wait ${pids[$((i - 1))]} || fail_down="$fail_down r$round:$i($(head -1 "$TMP/down.$i"))"
	done
	left=$(ls -A "$RUN_DIR" | grep "^$P-" | xargs)
	[ -z "$left" ] || fail_left="$fail_left r$round:$left"
done
echo "# $ROUNDS rounds of $N_LABS labs up, ping mesh (IPv4+IPv6), down: $(($(ms) - t0)) ms"
is "$ROUNDS rounds x $N_LABS labs: every up succeeded" "" "$fail_up"
is "every lab's ping mesh (IPv4 and IPv6) worked in every round" "" "$fail_mesh"
is "every down succeeded" "" "$fail_down"
is "no state directory left after any round" "" "$fail_left"
ok "no process or namespace of any lab is left" nothing_left "$P-1"

# Two ups of one name at once.
bad=""
for k in $(seq 1 10); do
	"$NETLAB" up -l "$P-one" "$TMP/small.conf" >"$TMP/o1" 2>&1 &
	p1=$!
	"$NETLAB" up -l "$P-one" "$TMP/small.conf" >"$TMP/o2" 2>&1 &
	p2=$!
	wait $p1
	r1=$?
	wait $p2
	r2=$?
	if [ $(((r1 == 0) + (r2 == 0))) != 1 ]; then
		bad="$bad [$k: exits $r1 $r2]"
	else
		loser=$TMP/o1
		[ $r1 = 0 ] && loser=$TMP/o2
		grep -Eq "already up|being brought up" "$loser" || bad="$bad [$k: loser said '$(head -1 "$loser")']"
		"$NETLAB" exec -l "$P-one" h1 ping -c1 -W2 -q h2 >/dev/null 2>&1 || bad="$bad [$k: winner broken]"
		[ "$(lab_state "$P-one")" = running ] || bad="$bad [$k: winner not running]"
	fi
	"$NETLAB" down "$P-one" >/dev/null 2>&1
done
is "two ups of one name, 10 times: exactly one wins, the loser says why, the winner works" "" "$bad"

# down racing exec.
ok "up" "$NETLAB" up -l "$P-race" "$TMP/small.conf"
pids=()
for k in $(seq 1 12); do
	case $((k % 3)) in
	0) timeout 30 "$NETLAB" exec -l "$P-race" h1 sleep 0.3 ;;
	1) timeout 30 "$NETLAB" exec -l "$P-race" r1 ping -c3 -i0.1 -q h2 ;;
	2) timeout 30 "$NETLAB" exec -l "$P-race" h2 sh -c 'sleep 100 & wait' ;;
	esac >/dev/null 2>"$TMP/race.$k" &
	pids+=($!)
	[ $k = 6 ] && { "$NETLAB" down "$P-race" >"$TMP/race.down" 2>&1 & dpid=$!; }
done
bad=""
for k in $(seq 1 12); do
	wait ${pids[$((k - 1))]}
	rc=$?
	case $rc in
	0 | 125 | 137 | 143) ;; # done, lab gone already, killed with the lab
	*) bad="$bad [exec $k: exit $rc: $(head -1 "$TMP/race.$k")]" ;;
	esac
done
wait $dpid
is "down succeeded while execs ran" 0 $?
is "every racing exec ended with 0, 125 or as killed by the lab's end (no hang, no crash)" "" "$bad"
# A lab being taken down is not a dead lab to clean up: no racing exec may say so.
is "no racing exec called the lab stale" "" "$(cat "$TMP"/race.[0-9]* | grep -i "stale\|netlab clean")"
ok "nothing of the lab is left" nothing_left "$P-race"
host_unchanged
done_testing
