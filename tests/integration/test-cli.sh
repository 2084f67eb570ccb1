#!/bin/bash
# The command line around the core: lab selection (-l, NETLAB_LAB, the only lab up), down by
# file and --all, clean never touching a live lab, check without root, verbs refusing early
# without privileges, status output, colour, -q and --version.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
id nobody >/dev/null 2>&1 || skip_all "no 'nobody' user to test unprivileged use"
plan 27
snapshot before

A=t-cli-a-$$
B=t-cli-b-$$
track_lab "$A"
track_lab "$B"
grep -v "^lab " "$SRCDIR/topologies/minimal.conf" >"$TMP/$A.conf"
chmod 755 "$TMP"
chmod 644 "$TMP/$A.conf"

# Other labs on this machine would make "the only lab" ambiguous; this test needs none.
if "$NETLAB" status --json | python3 -c 'import json,sys; sys.exit(any(l["state"]=="running" for l in json.load(sys.stdin)["labs"]))'; then
	:
else
	skip_all "other labs are up on this machine"
fi

is "check works without root" "0" \
	"$(runuser -u nobody -- "$NETLAB" check "$TMP/$A.conf" >/dev/null 2>&1; echo $?)"
# nobody has no runtime directory for rootless labs (test-rootless covers those).
out=$(runuser -u nobody -- env -u XDG_RUNTIME_DIR "$NETLAB" up "$TMP/$A.conf" 2>&1)
is "up without root (and no runtime directory) fails with exit 1" "1" "$?"
ok "and says what is needed" grep -q 'without root keeps labs in .*set XDG_RUNTIME_DIR' <<<"$out"
ok "and creates nothing" test ! -e "$RUN_DIR/$A"
is "exec without root fails with 125" "125" \
	"$(runuser -u nobody -- "$NETLAB" exec h1 true >/dev/null 2>&1; echo $?)"

ok "up takes its lab name from the file name" "$NETLAB" up "$TMP/$A.conf"
ok "exec finds the only lab that is up" "$NETLAB" exec h1 ping -c1 -W2 -q h2
# Names from the command line are quoted in messages: a control character escaped, one line.
is "a lab name with a newline: one line, escaped" "netlab: 'x\\ny\\x1b' is not a valid lab name" \
	"$("$NETLAB" down "$(printf 'x\ny\033')" 2>&1)"
is "a node name with a newline: one line, escaped" "netlab: lab '$A' has no node 'h\\n1'" \
	"$("$NETLAB" exec -l "$A" "$(printf 'h\n1')" true 2>&1)"
ok "up -l gives a second lab of the same file" "$NETLAB" up "$TMP/$A.conf" -l "$B"
is "with two labs up, exec needs a choice (125)" "125" "$("$NETLAB" exec h1 true 2>/dev/null; echo $?)"
is "NETLAB_LAB chooses" "$B" "$(NETLAB_LAB=$B "$NETLAB" exec h1 sh -c 'basename $NETLAB_DIR')"
is "-l wins over NETLAB_LAB" "$A" "$(NETLAB_LAB=$B "$NETLAB" exec -l "$A" h1 sh -c 'basename $NETLAB_DIR')"
ok "status lists both labs as running" sh -c \
	"'$NETLAB' status | grep -q '^$A *running' && '$NETLAB' status | grep -q '^$B *running'"
ok "status LAB shows nodes, interfaces and addresses" sh -c \
	"'$NETLAB' status '$A' | grep -Eq '^h1 +[0-9]+ +eth0 +up +10\\.'"
ok "clean leaves live labs alone" sh -c \
	"'$NETLAB' clean >/dev/null && test -e '$RUN_DIR/$A/state' && '$NETLAB' exec -l '$A' h1 true"
ok "down FILE -l LAB takes LAB down" "$NETLAB" down "$TMP/$A.conf" -l "$B"
ok "down FILE takes the file's lab down" "$NETLAB" down "$TMP/$A.conf"
is "down of a lab that is not up: exit 1" "1" "$("$NETLAB" down "$A" 2>/dev/null; echo $?)"
"$NETLAB" up "$TMP/$A.conf" >/dev/null && "$NETLAB" up "$TMP/$A.conf" -l "$B" >/dev/null
ok "down --all takes every lab down" sh -c "'$NETLAB' down --all && test ! -e '$RUN_DIR/$A' -a ! -e '$RUN_DIR/$B'"

# Output for people: colour only on a terminal and never with NO_COLOR; -q keeps errors only.
esc=$'\033['
on_tty() { script -qec "$*" /dev/null; }
case "$(on_tty "$NETLAB" down nosuch-$$)" in *"$esc"*) c=colour ;; *) c=plain ;; esac
is "an error on a terminal is in colour" colour "$c"
case "$(NO_COLOR=1 on_tty "$NETLAB" down nosuch-$$)" in *"$esc"*) c=colour ;; *) c=plain ;; esac
is "... and not with NO_COLOR" plain "$c"
case "$("$NETLAB" down nosuch-$$ 2>&1)" in *"$esc"*) c=colour ;; *) c=plain ;; esac
is "... nor when stderr is not a terminal" plain "$c"
ok "--version names netlab and its version" sh -c "'$NETLAB' --version | grep -Eqx 'netlab [0-9]+\.[0-9]+\.[0-9]+'"
# A notice: down of a lab whose init was killed says it was already dead; -q keeps it quiet.
dead() {
	"$NETLAB" up "$TMP/$A.conf" >/dev/null || return 1
	kill -KILL "$(awk '$1 == "init" {print $2}' "$RUN_DIR/$A/state")"
	local i
	for i in $(seq 1 200); do [ "$(lab_state "$A")" = running ] || return 0; sleep 0.05; done
	return 1
}
dead
ok "down of a dead lab says so" sh -c "'$NETLAB' down '$A' 2>&1 >/dev/null | grep -q 'already dead'"
dead
is "-q: no notice, and the same status" "0:" "$("$NETLAB" -q down "$A" 2>&1 >/dev/null; echo "$?:")"
host_unchanged
done_testing
