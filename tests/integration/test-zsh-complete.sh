#!/bin/bash
# The zsh completion (completions/_netlab) in a real zsh: an interactive `zsh -f` on a
# pseudo-terminal (zsh/zpty) loads it with compinit, gets a command line and a TAB, and prints
# the candidates zsh would offer, through a compadd wrapper. Verbs, a verb's options, topology
# files, lab names and node names of a running lab, the words of wait, link and node, which
# _netlab asks netlab for.
. "$(dirname "$0")/lib.sh"
command -v zsh >/dev/null || skip_all "zsh not installed"
zsh -fc 'zmodload zsh/zpty' 2>/dev/null || skip_all "zsh has no zsh/zpty module"
require_root
plan 28
snapshot before
L=t-zsh-$$
L2=u-zsh-$$ # a second lab: no "only lab that is up" to fall back on
track_lab "$L"
track_lab "$L2"

# `netlab` as the completion sees it: the command under test, first in PATH.
mkdir -p "$TMP/bin" "$TMP/cwd"
ln -s "$(readlink -f "$(command -v "$NETLAB")")" "$TMP/bin/netlab"
touch "$TMP/cwd/lab1.conf" "$TMP/cwd/lab2.conf" "$TMP/cwd/notes.txt"

# Sourced by the zsh under test. compprefuncs/comppostfuncs run around each completion: the
# candidates are printed between two markers, and the shell exits after the first completion,
# so the reader below ends at EOF instead of guessing when zsh has finished.
cat >"$TMP/init.zsh" <<ZSH
PS1= RPS1=
fpath=('$SRCDIR/completions' \$fpath)
autoload -U compinit
compinit -u -D
bindkey '^I' complete-word
_t_begin() { print -r -- \$'\n<<begin>>' }
_t_end() { print -r -- '<<end>>'; exit }
compprefuncs=(_t_begin)
comppostfuncs=(_t_end)
compadd() {
	# -O/-A/-D only fill an array (_files filters with them): not candidates.
	if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
		builtin compadd "\$@"
		return
	fi
	local -a hits
	builtin compadd -A hits "\$@"
	(( \$#hits )) && print -rl -- "cand:"\${^hits}
	builtin compadd "\$@"
}
print -r -- '<<ready>>'
ZSH
# The driver: an interactive zsh on a pty, the init above, then the line and a TAB.
cat >"$TMP/drive.zsh" <<'ZSH'
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z "source ${(q)2}"
zpty -r -m z line '*<<ready>>*' || exit 4
zpty -w -n z "$1"$'\t'
while zpty -r z line; do print -rn -- "$line"; done
ZSH
# complete_zsh LINE: the candidates, sorted, on one line.
complete_zsh() {
	(cd "$TMP/cwd" && PATH=$TMP/bin:$PATH timeout 30 zsh -f "$TMP/drive.zsh" "$1" "$TMP/init.zsh") |
		tr -d '\r' | sed -n '/^<<begin>>$/,/^<<end>>$/s/^cand://p' | sort | tr '\n' ' ' | sed 's/ $//'
}

is "verbs" "start status stop" "$(complete_zsh "netlab st")"
is "global options" "--verbose --version" "$(complete_zsh "netlab --ver")"
is "options of a verb (from its usage)" "--json --match --match-file --stable --timeout" \
	"$(complete_zsh "netlab wait --")"
is "topology files for up" "lab1.conf lab2.conf" "$(complete_zsh "netlab up la")"

ok "up" "$NETLAB" up "$SRCDIR/topologies/triangle.conf" -l "$L"
ok "up a second lab" "$NETLAB" up "$SRCDIR/topologies/minimal.conf" -l "$L2"
is "lab names after -l" "$L" "$(complete_zsh "netlab exec -l ${L%?}")"
is "lab names after --lab=" "$L" "$(complete_zsh "netlab exec --lab=${L%?}")"
is "lab names (and files) for down" "$L" "$(complete_zsh "netlab down ${L%?}")"
is "node names of the lab given by -l" "h1 h2 h3" "$(complete_zsh "netlab exec -l $L h")"
is "node names of the lab given by --lab=" "h1 h2 h3" "$(complete_zsh "netlab exec --lab=$L h")"
is "node names of the lab in use (NETLAB_LAB)" "r1 r2 r3" "$(NETLAB_LAB=$L complete_zsh "netlab wait r")"
is "NODE:IF of the lab for capture" "r1:eth0 r1:eth1 r1:eth2" "$(complete_zsh "netlab capture -l $L r1:e")"
is "after exec's NODE, a command name" "yes" \
	"$(complete_zsh "netlab exec -l $L r1 pin" | tr ' ' '\n' | grep -qx ping && echo yes)"
# A command unknown to zsh: its words complete as files (none start with '-'), not as options
# of netlab.
is "after exec's NODE, options are the command's" "" "$(complete_zsh "netlab exec -l $L r1 t-nocmd -")"
is "after run's --, options are the command's" "" "$(complete_zsh "netlab run lab1.conf -- t-nocmd --")"
is "after start's --name, its value: no command names" "" "$(complete_zsh "netlab start -l $L r1 --name ")"
is "start -u USER: its value skipped, then node names" "h1 h2 h3" "$(complete_zsh "netlab start -l $L -u nobody h")"
is "after start's NODE -u, its value: no command names" "" "$(complete_zsh "netlab start -l $L r1 -u ")"
is "wait's conditions after NODE (from netlab)" "reach route" "$(complete_zsh "netlab wait -l $L r1 r")"
is "wait's conditions after NODE not" "reach route" "$(complete_zsh "netlab wait -l $L r1 not r")"
is "link's operations after NODE:IF (from netlab)" "set show" "$(complete_zsh "netlab link -l $L r1:eth0 s")"
is "node's operations after NODE (from netlab)" "start stop" "$(complete_zsh "netlab node -l $L r1 st")"
# Every verb's options, systematically (a new option that completion does not know fails here):
# zsh offers what -h lists and skips each option's value (check_completion_options, lib.sh).
is "every verb: -h's options offered, each option's value skipped" "" \
	"$(NETLAB_LAB=$L check_completion_options complete_zsh "$L")"
is "converge --quiet T, then its options" "--json --since-fault --timeout -l" \
	"$(complete_zsh "netlab converge --quiet 1 -" | tr ' ' '\n' | grep -vx -- --quiet | paste -sd' ')"
ok "down" "$NETLAB" down "$L"
ok "down the second lab" "$NETLAB" down "$L2"
host_unchanged
done_testing
