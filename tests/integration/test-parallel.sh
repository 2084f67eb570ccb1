#!/bin/bash
# The same file brought up twice at the same time under two lab names: both work, neither sees
# the other; then both go down. Two `up`s of one lab name at once: exactly one wins.
. "$(dirname "$0")/lib.sh"
require_root
plan 9
snapshot before

A=t-par-a-$$
B=t-par-b-$$
track_lab "$A"
track_lab "$B"
cat >"$TMP/par.conf" <<'CONF'
pool fd00:30::/48
node r1 r2 router
node h1 h2
link h1 -- r1
link r1 -- r2
link r2 -- h2
routing static
CONF

"$NETLAB" up -l "$A" "$TMP/par.conf" >"$TMP/a.out" 2>&1 &
pa=$!
"$NETLAB" up -l "$B" "$TMP/par.conf" >"$TMP/b.out" 2>&1 &
pb=$!
wait $pa
ra=$?
wait $pb
rb=$?
is "two labs of one file come up at the same time" "0 0" "$ra $rb"
ok "lab A: every node reaches every other" ping_mesh "$A" "$TMP/par.conf" -4
ok "lab B: every node reaches every other over IPv6" ping_mesh "$B" "$TMP/par.conf" -6
# Same names, same addresses, separate worlds: a process in A is not in B.
"$NETLAB" exec -l "$A" h1 sh -c 'sleep 1000 >/dev/null 2>&1 &'
is "a process started in lab A is not visible in lab B" "0" \
	"$("$NETLAB" exec -l "$B" h1 sh -c 'ps -e -o comm= | grep -c "^sleep$"')"

# Two ups of one name at once: one wins, the other fails and touches nothing of the winner.
C=t-par-c-$$
track_lab "$C"
"$NETLAB" up -l "$C" "$TMP/par.conf" >"$TMP/c1.out" 2>&1 &
p1=$!
"$NETLAB" up -l "$C" "$TMP/par.conf" >"$TMP/c2.out" 2>&1 &
p2=$!
wait $p1
r1=$?
wait $p2
r2=$?
is "two ups of one lab name: exactly one succeeds" "1" "$(( (r1 == 0) + (r2 == 0) ))"
ok "the loser says why" grep -Eq "already up|being brought up" "$TMP/c1.out" "$TMP/c2.out"
ok "the winner is intact" "$NETLAB" exec -l "$C" h1 ping -c1 -W2 -q h2
ok "all three go down" sh -c "'$NETLAB' down '$A' && '$NETLAB' down '$B' && '$NETLAB' down '$C'"
host_unchanged
done_testing
