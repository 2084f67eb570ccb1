#!/bin/bash
# netlab graph (DOT and SVG of a file and of a running lab) and the words shell completion asks
# netlab for (netlab complete ...), then the bash completion script itself.
. "$(dirname "$0")/lib.sh"
require_root
plan 34
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
# The bash script alone (it needs no bash-completion helpers), as bash calls it: COMP_WORDS split
# as bash splits them (at blanks, and ':' and '=' on their own), which bash-completion's
# _command_offset uses. complete_bash LINE [FILE]: FILE (bash-completion) is sourced first; outside
# a real completion its compopt complains, which is not the script's doing.
complete_bash() {
	bash -c "${2:+. '$2'}
		. '$SRCDIR/completions/netlab.bash'
		netlab() { '$NETLAB' \"\$@\"; }
		COMP_LINE='$1'; COMP_POINT=\${#COMP_LINE}
		read -ra COMP_WORDS <<<\"\$(printf '%s' \"\$COMP_LINE\" | sed 's/[:=]/ & /g')\"
		[[ \$COMP_LINE == *' ' ]] && COMP_WORDS+=('')
		COMP_CWORD=\$((\${#COMP_WORDS[@]} - 1))
		_netlab; printf '%s\n' \"\${COMPREPLY[@]}\"" 2>&1 |
		grep -v 'compopt: not currently executing completion function' | sort -u | tr '\n' ' ' |
		sed 's/ $//'
}
is "bash completes node names of the lab for exec -l LAB" "h1 h2 h3" "$(complete_bash "netlab exec -l $L h")"
is "bash completes NODE:IF for capture (after the colon)" "eth0 eth1 eth2" "$(complete_bash "netlab capture -l $L r1:e")"
is "bash completes verbs" "start status stop" "$(complete_bash "netlab st")"
is "bash completes lab names after --lab=" "$L" "$(complete_bash "netlab exec --lab=${L%?}")"
is "bash completes node names of the lab given by --lab=" "h1 h2 h3" "$(complete_bash "netlab exec --lab=$L h")"
is "bash: after exec's NODE, a command name" "yes" \
	"$(complete_bash "netlab exec -l $L r1 pin" | tr ' ' '\n' | grep -qx ping && echo yes)"
# A command unknown to bash: its words complete as files (none start with '-'), not as options
# of netlab.
is "bash: after exec's NODE, options are the command's" "" "$(complete_bash "netlab exec -l $L r1 t-nocmd -")"
is "bash: after run's --, options are the command's" "" "$(complete_bash "netlab run x.conf -- t-nocmd --")"
is "bash: after wait's cmd --, options are the command's" "" \
	"$(complete_bash "netlab wait -l $L r1 cmd -- t-nocmd --")"
is "bash: the command given to start has its own options" "" "$(complete_bash "netlab start -l $L r1 t-nocmd --")"
is "bash: start -u USER: its value skipped, then node names" "h1 h2 h3" "$(complete_bash "netlab start -l $L -u nobody h")"
is "bash: after start's NODE -u, its value: no command names" "" "$(complete_bash "netlab start -l $L r1 -u ")"
# With bash-completion, through its _command_offset: ls's own options, past a --lab=LAB that
# bash splits into three words.
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
if [ -r "$BASH_COMPLETION" ]; then
	is "bash with bash-completion: exec's command completes as its own" "--color --color=" \
		"$(complete_bash "netlab exec --lab=$L r1 ls --col" "$BASH_COMPLETION")"
else
	_n=$((_n + 1)); echo "ok $_n # SKIP bash-completion not installed"
fi
is "complete words lists wait's conditions, link's and node's operations" \
	"addr route tcp reach cmd json not|up down set reset show|stop start set show" \
	"$(for v in wait link node; do "$NETLAB" complete words $v | tr '\n' ' ' | sed 's/ $//'; echo; done |
		paste -sd '|')"
is "bash completes wait's conditions after NODE" "reach route" "$(complete_bash "netlab wait -l $L r1 r")"
is "bash completes wait's conditions after NODE not" "reach route" "$(complete_bash "netlab wait -l $L r1 not r")"
is "bash completes link's operations after NODE:IF" "set show" "$(complete_bash "netlab link -l $L r1:eth0 s")"
is "bash completes node's operations after NODE" "start stop" "$(complete_bash "netlab node -l $L r1 st")"

# Every verb's options, systematically (a new option that completion does not know fails here):
# an option takes a value exactly when the verb's own parser says so and `netlab complete
# options` says the same; bash offers what -h lists and skips each option's value
# (check_completion_options, lib.sh).
is "every verb: getopt's options with a value are complete options' (OPT KIND)" "" "$(
	for v in $("$NETLAB" complete verbs); do
		for o in $(help_options "$v"); do
			if option_takes_value "$v" "$o"; then
				"$NETLAB" complete options "$v" | grep -q -- "^$o ." || echo "$v $o takes a value;"
			else
				"$NETLAB" complete options "$v" | grep -qx -- "$o" || echo "$v $o is a flag;"
			fi
		done
	done)"
mkdir "$TMP/cwd" && touch "$TMP/cwd/a.conf" "$TMP/cwd/notes.txt"
is "bash, every verb: -h's options offered, each option's value skipped" "" \
	"$(cd "$TMP/cwd" && NETLAB_LAB=$L check_completion_options complete_bash "$L")"
is "bash: converge --quiet T, then its options" "--json --since-fault --timeout -l" \
	"$(complete_bash "netlab converge --quiet 1 -" | tr ' ' '\n' | grep -vx -- --quiet | paste -sd' ')"
ok "down" "$NETLAB" down "$L"
host_unchanged
done_testing
