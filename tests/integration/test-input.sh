#!/bin/bash
# Bad input at run time: exec into a node or lab that does not exist, a command that does not
# exist, node and lab names with shell metacharacters, a 4 KiB argument, a topology of 100,000
# nodes (checked quickly; refused by `up` before anything is created, with the limit named), and
# verbs given nonsense. Clear messages, the documented exit statuses, no crash.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
plan 31
snapshot before

LAB=t-input-$$
track_lab "$LAB"
cat >"$TMP/in.conf" <<'CONF'
node a b
link a -- b
CONF
ok "up" "$NETLAB" up -l "$LAB" "$TMP/in.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
# runs "$@", prints "EXIT|first line of stderr"
st() { "$@" >/dev/null 2>"$TMP/err"; echo "$?|$(head -1 "$TMP/err")"; }

is "exec into a node that does not exist: 125 and why" \
	"125|netlab: lab '$LAB' has no node 'nosuch'" "$(st x nosuch true)"
is "exec into a lab that does not exist: 125 and why" \
	"125|netlab: no lab 'nosuchlab' is up" "$(st "$NETLAB" exec -l nosuchlab a true)"
is "a command that does not exist: 127 and why" \
	"127|netlab: 'no-such-command': command not found in node 'a'" "$(st x a no-such-command)"
is "a command that cannot be executed: 126" "126" "$(st x a /etc/passwd | cut -d'|' -f1)"
for name in 'a;id' 'a b' '$(id)' '`id`' "a'b" 'a|b' '../a' 'a/../b' '*' 'a
b'; do
	res=$(st x "$name" true)
	case $res in
	"125|netlab: lab '$LAB' has no node '"*) r=ok ;;
	*) r="$res" ;;
	esac
	is "exec into node $(printf %q "$name"): 125, no such node" ok "$r"
done
is "a lab name with metacharacters: 125, not a valid lab name" \
	"125|netlab: 'a;id' is not a valid lab name" "$(st "$NETLAB" exec -l 'a;id' a true)"
is "up -l with a path as lab name: 2, not a valid lab name" "2" \
	"$(st "$NETLAB" up -l ../../etc "$TMP/in.conf" | cut -d'|' -f1)"

arg=$(head -c 4096 /dev/zero | tr '\0' x)
is "a 4 KiB argument passes through intact" 4096 "$(x a printf %s "$arg" | wc -c)"
big=$(head -c 131000 /dev/zero | tr '\0' y)
is "a 128 KiB argument passes through intact" 131000 "$(x a printf %s "$big" | wc -c)"
is "2000 arguments pass through" 2000 "$(x a sh -c 'echo $#' sh $(seq 1 2000))"

# 100,000 nodes: check handles it (the plan is pure computation); up refuses it at once, naming
# the limits, and creates nothing.
{
	echo "node h[1..100000]"
	echo "link h[1..99999] -- h[2..100000]"
} >"$TMP/huge.conf"
t0=$(ms)
"$NETLAB" check "$TMP/huge.conf" >"$TMP/huge.out" 2>&1
rc=$?
tcheck=$(($(ms) - t0))
is "check of a 100,000-node file succeeds" 0 $rc
ok "and plans every node (${tcheck} ms)" grep -q "100000 nodes" "$TMP/huge.out"
t0=$(ms)
"$NETLAB" up "$TMP/huge.conf" >/dev/null 2>"$TMP/huge.err"
rc=$?
tup=$(($(ms) - t0))
is "up of a 100,000-node file is refused (1)" 1 $rc
ok "with a message naming the limit" grep -q "100000 nodes, more than this machine can hold: .*pid_max" "$TMP/huge.err"
ok "quickly (${tup} ms, before creating anything)" test $tup -lt 60000
ok "and nothing was created" test ! -e "$RUN_DIR/huge"
# 1,000,001 names: refused by the parser itself.
echo "node h[1..1000001]" >"$TMP/toomany.conf"
is "a range over the parser's budget: 2" "2" "$(st "$NETLAB" check "$TMP/toomany.conf" | cut -d'|' -f1)"

# A sysctl key of the right form that this kernel does not have: up fails naming the key, the
# node and where the file says it (issue 18: it said "Inappropriate ioctl for device").
printf 'node a\n# a comment\nsysctl  a net.ipv4.nosuch_key=1\n' >"$TMP/sysctl.conf"
is "up with an unknown sysctl key: 1 and file:line:col, key and node named" \
	"1|netlab: $TMP/sysctl.conf:3:11: unknown sysctl 'net.ipv4.nosuch_key' in node 'a' (no /proc/sys/net/ipv4/nosuch_key)" \
	"$(st "$NETLAB" up -l "$LAB-sysctl" "$TMP/sysctl.conf")"
ok "and nothing was left" test ! -e "$RUN_DIR/$LAB-sysctl"

ok "down" "$NETLAB" down "$LAB"
host_unchanged
done_testing
