#!/bin/bash
# Privileges and permissions. Every verb that needs root fails early without it, saying what is
# needed, and creates nothing; `check` needs none. The run directory and each lab's directory
# are root's alone (0700; files 0600, but for the hosts file, 0644 because programs in the nodes
# that drop privileges must read it as /etc/hosts, and unreachable by others behind the 0700
# directory). A run or lab directory that another user owns or that is a symlink is refused, and
# so is a run directory others can write. Names cannot inject lines into a node's /etc/hosts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
id nobody >/dev/null 2>&1 || skip_all "no 'nobody' user to test unprivileged use"
plan 28
snapshot before

LAB=t-priv-$$
track_lab "$LAB"
chmod 755 "$TMP"
cat >"$TMP/p.conf" <<'CONF'
node a b-1 c_2 router
switch sw
link a:eth.5 -- b-1:x_y
link c_2 -- sw
link b-1 -- sw
routing static
start a sleep 1000
CONF
chmod 644 "$TMP/p.conf"
nb() { runuser -u nobody -- env -u XDG_RUNTIME_DIR "$NETLAB" "$@"; }

# 1. Unprivileged without a runtime directory of its own (nobody has none): every verb that
# needs a lab says where it would keep it and what to do, exits 1 (exec: 125), creates nothing.
# (Rootless labs themselves: test-rootless.)
before=$(ls -A "$RUN_DIR" 2>/dev/null | xargs)
bad=""
for cmd in "up $TMP/p.conf" "down $LAB" "down --all" "exec -l $LAB a true" "status" \
	"status $LAB" "clean" "run $TMP/p.conf -- true" "wait -l $LAB a addr 10.0.0.1" \
	"start -l $LAB a sleep 1" "stop -l $LAB a sleep" "logs -l $LAB a" \
	"link -l $LAB a:eth.5 down" "node -l $LAB a stop" "capture -l $LAB a:eth.5 -c 1"; do
	verb=${cmd%% *}
	"$NETLAB" --help | grep -q "^  $verb " || continue # a verb this netlab does not have
	# shellcheck disable=SC2086
	out=$(nb $cmd 2>&1 </dev/null)
	rc=$?
	# exec and run report their own failures as 125 (not a status of the command).
	want=1
	case $verb in exec | run) want=125 ;; esac
	[ $rc = $want ] || bad="$bad [$cmd: exit $rc]"
	printf '%s' "$out" | grep -q "without root keeps labs in" || bad="$bad [$cmd: '$(printf '%s' "$out" | head -1)']"
done
is "as nobody without a runtime directory, every lab verb fails early saying why" "" "$bad"
is "and nothing was created" "$before" "$(ls -A "$RUN_DIR" 2>/dev/null | xargs)"
is "check works without root" 0 "$(nb check "$TMP/p.conf" >/dev/null 2>&1; echo $?)"

# 2. Modes of what up creates.
ok "up" "$NETLAB" up -l "$LAB" "$TMP/p.conf"
D=$RUN_DIR/$LAB
is "the run directory is root's, 0700" "root 700" "$(stat -c '%U %a' "$RUN_DIR")"
is "the lab directory is root's, 0700" "root 700" "$(stat -c '%U %a' "$D")"
is "every file in it is root's, 0600 (hosts 0644)" "" \
	"$(find "$D" -mindepth 1 \( -type f ! -name hosts ! -perm 600 \) -o \( -type f -name hosts ! -perm 644 \) -o \( -type d ! -perm 700 \) -o ! -user root | xargs)"
is "nothing in it is a symlink" "" "$(find "$D" -type l | xargs)"
ok "another user cannot list it" sh -c "! runuser -u nobody -- ls '$D' >/dev/null 2>&1"
ok "nor plant a symlink in it" sh -c "! runuser -u nobody -- ln -s /etc/shadow '$D/x' 2>/dev/null"
ok "nor in the run directory" sh -c "! runuser -u nobody -- ln -s /etc/shadow '$RUN_DIR/x' 2>/dev/null"

# 3. /etc/hosts in a node: only "ADDRESS NAME..." lines, names from the file's valid names.
"$NETLAB" exec -l "$LAB" a cat /etc/hosts >"$TMP/hosts"
is "every line of a node's /etc/hosts is ADDRESS NAME... or a comment" "" \
	"$(grep -Ev '^(#.*|[0-9a-f.:]+([[:space:]]+[A-Za-z][A-Za-z0-9_.-]*)+|)$' "$TMP/hosts")"
is "and names only the lab's nodes" "" \
	"$(awk '!/^#/ && NF {for (i = 2; i <= NF; i++) print $i}' "$TMP/hosts" | grep -Ev '^((a|b-1|c_2)(-.+)?|localhost|ip6-localhost|ip6-loopback)$')"
is "a lab name with a newline is refused (2)" 2 \
	"$("$NETLAB" up -l "$(printf 'x\n10.6.6.6 evil')" "$TMP/p.conf" >/dev/null 2>&1; echo $?)"
ok "the hosts file the lab keeps is the one the nodes see" cmp -s "$D/hosts" "$TMP/hosts"
ok "down" "$NETLAB" down "$LAB"

# 4. A run directory another user owns, or a symlink, or that others can write, is refused.
mkdir "$TMP/rd"
chown nobody "$TMP/rd"
out=$(NETLAB_RUN_DIR=$TMP/rd "$NETLAB" up -l "$LAB" "$TMP/p.conf" 2>&1)
is "up with a run directory owned by another user: refused (1)" 1 $?
ok "saying why" sh -c "printf '%s' '$out' | grep -q 'owned by uid'"
is "and nothing was created in it" "" "$(ls -A "$TMP/rd")"
is "status refuses it too (1)" 1 "$(NETLAB_RUN_DIR=$TMP/rd "$NETLAB" status >/dev/null 2>&1; echo $?)"
mkdir -m 700 "$TMP/real"
ln -s "$TMP/real" "$TMP/link"
is "a run directory that is a symlink: refused (1)" 1 \
	"$(NETLAB_RUN_DIR=$TMP/link "$NETLAB" up -l "$LAB" "$TMP/p.conf" >/dev/null 2>&1; echo $?)"
is "and nothing was created through it" "" "$(ls -A "$TMP/real")"
mkdir -m 777 "$TMP/open"
out=$(NETLAB_RUN_DIR=$TMP/open "$NETLAB" up -l "$LAB" "$TMP/p.conf" 2>&1)
is "a run directory of ours that others can write: refused (1)" 1 $?
ok "saying why" sh -c "printf '%s' '$out' | grep -q 'lets other users write'"
is "and nothing was created in it, its mode untouched" "777|" "$(stat -c %a "$TMP/open")|$(ls -A "$TMP/open")"
created_run_dir=0
[ -d "$RUN_DIR" ] || { mkdir -m 700 "$RUN_DIR" && created_run_dir=1; }
mkdir -m 700 "$RUN_DIR/$LAB"
chown nobody "$RUN_DIR/$LAB"
is "a lab directory owned by another user: up refuses (1)" 1 \
	"$("$NETLAB" up -l "$LAB" "$TMP/p.conf" >/dev/null 2>&1; echo $?)"
is "and writes nothing in it" "" "$(ls -A "$RUN_DIR/$LAB")"
rmdir "$RUN_DIR/$LAB"
[ $created_run_dir = 0 ] || rmdir "$RUN_DIR"
host_unchanged
done_testing
