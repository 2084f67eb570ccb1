#!/bin/bash
# netlab graph (DOT and SVG of a file and of a running lab) and the words shell completion asks
# netlab for (netlab complete ...), then the bash completion script itself.
. "$(dirname "$0")/lib.sh"
require_root
plan 16
snapshot before
L=t-graph-$$
track_lab "$L"
F=$SRCDIR/topologies/triangle.conf

"$NETLAB" graph "$F" >"$TMP/t.dot"
is "graph FILE writes DOT" 0 $?
ok "routers, hosts and switches are distinguished" sh -c \
	"grep -q '\"n_r1\".*class=router' '$TMP/t.dot' && grep -q '\"n_h1\".*class=host' '$TMP/t.dot' &&
	 '$NETLAB' graph '$SRCDIR/topologies/lan.conf' | grep -q '\"s_sw1\".*class=switch'"
ok "links carry interface names and addresses" grep -q 'label="eth0\\n10.0.12.1/30"' "$TMP/t.dot"
if command -v dot >/dev/null; then
	ok "--format svg renders with Graphviz" sh -c \
		"'$NETLAB' graph '$F' --format svg -o '$TMP/t.svg' && grep -q '<svg' '$TMP/t.svg' && grep -q '10.0.23.2/30' '$TMP/t.svg'"
else
	echo "ok 4 # SKIP Graphviz (dot) not installed"; _n=$((_n + 1))
fi
is "an unknown format is a usage error" 2 "$("$NETLAB" graph "$F" --format png 2>/dev/null; echo $?)"

ok "up" "$NETLAB" up "$F" -l "$L"
ok "graph LAB draws the running lab, under its name" sh -c \
	"'$NETLAB' graph '$L' | grep -q 'label=\"lab $L\"'"
is "complete verbs lists the verbs" "yes" \
	"$("$NETLAB" complete verbs | grep -qx up && "$NETLAB" complete verbs | grep -qx capture && ! "$NETLAB" complete verbs | grep -qx complete && echo yes)"
ok "complete labs lists the lab" sh -c "'$NETLAB' complete labs | grep -qx '$L'"
is "complete nodes LAB lists its nodes" "r1 r2 r3 h1 h2 h3" "$("$NETLAB" complete nodes "$L" | tr '\n' ' ' | sed 's/ $//')"
ok "complete endpoints LAB lists NODE:IF" sh -c "'$NETLAB' complete endpoints '$L' | grep -qx 'h1:lan0'"
# The bash script alone (it needs no bash-completion helpers), as bash calls it.
complete_bash() {
	bash -c ". '$SRCDIR/completions/netlab.bash'
		netlab() { '$NETLAB' \"\$@\"; }
		COMP_LINE='$1'; COMP_POINT=\${#COMP_LINE}
		_netlab; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1 | sort | tr '\n' ' ' | sed 's/ $//'
}
is "bash completes node names of the lab for exec -l LAB" "h1 h2 h3" "$(complete_bash "netlab exec -l $L h")"
is "bash completes NODE:IF for capture (after the colon)" "eth0 eth1 eth2" "$(complete_bash "netlab capture -l $L r1:e")"
is "bash completes verbs" "start status stop" "$(complete_bash "netlab st")"
ok "down" "$NETLAB" down "$L"
host_unchanged
done_testing
