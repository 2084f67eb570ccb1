#!/bin/bash
# Mounts a routing daemon needs, with nothing made on the host (issue 16.3, 16.4, 11.8):
# a tmpfs with mode=, owner=USER:GROUP (by name) and size=; a mount point that does not exist
# on the host, made in a private view of its parent; `mount NODE private DIR`, a copy-on-write
# view of a host directory discarded with the lab; and `check` reporting, as file:line:col, a
# mount point that cannot be made.
. "$(dirname "$0")/lib.sh"
require_root
getent passwd nobody >/dev/null || skip_all "no user 'nobody'"
plan 15
snapshot before

L=t-mounts-$$
track_lab "$L"
# Names that cannot exist on the host: the test checks they still do not afterwards.
V=/var/tmp/netlab-t-$$
R=/run/netlab-t-$$
G=$(id -gn nobody)
cat >"$TMP/m.conf" <<CONF
node r1 r2
link r1 -- r2
mount r1 tmpfs $V/frr mode=0750 owner=nobody:$G size=4m
mount r1 tmpfs $R uid=nobody
mount r1 private /var/tmp
mount r2 private /var/tmp
CONF
x() { "$NETLAB" exec -l "$L" "$@"; }

ok "check accepts it" "$NETLAB" check "$TMP/m.conf"
ok "up: mount points that do not exist on the host" "$NETLAB" up -l "$L" "$TMP/m.conf"
is "tmpfs mode and owner by name" "750 nobody $G" "$(x r1 stat -c '%a %U %G' "$V/frr")"
is "tmpfs size=" "4096" "$(x r1 df -k --output=size "$V/frr" | tail -1 | tr -d ' ')"
is "uid= alone: owner nobody, mode 0755" "755 nobody" "$(x r1 stat -c '%a %U' "$R")"
ok "a node writes into its private /var/tmp" x r1 sh -c "echo one >/var/tmp/netlab-t-$$.f && mkdir -p $V/sub"
is "... and reads it back" "one" "$(x r1 cat /var/tmp/netlab-t-$$.f)"
ok "... another node does not see it" x r2 test ! -e /var/tmp/netlab-t-$$.f
ok "... the host does not see it" test ! -e /var/tmp/netlab-t-$$.f
ok "... and the host's files are seen through it" x r1 test -d /var/tmp/.
ok "down" "$NETLAB" down "$L"
ok "nothing was made on the host" sh -c "! ls -d $V $R /var/tmp/netlab-t-$$.f 2>/dev/null | grep ."

printf 'node r1\nmount r1 tmpfs /netlab-t-%s/x\n' $$ >"$TMP/bad.conf"
out=$("$NETLAB" check "$TMP/bad.conf" 2>&1)
is "check: a mount point that cannot be made, as file:line:col (exit 2)" "2 $TMP/bad.conf:2:16" \
	"$? $(printf '%s\n' "$out" | grep -o "$TMP/bad.conf:[0-9]*:[0-9]*")"
printf 'node r1\nmount r1 tmpfs /var/tmp/x owner=netlab-no-such-user\n' >"$TMP/bad2.conf"
out=$("$NETLAB" up -l "$L" "$TMP/bad2.conf" 2>&1)
is "up: an unknown owner is named as file:line:col, nothing made" "1 $TMP/bad2.conf:2:27: no user 'netlab-no-such-user'" \
	"$? $(printf '%s\n' "$out" | grep -o "$TMP/bad2.conf:.*user '[^']*'")"
host_unchanged
done_testing
