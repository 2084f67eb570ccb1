#!/bin/bash
# Rootless labs (issue 12): two unprivileged test users, made here and removed whatever happens,
# run labs in user namespaces of their own. A lab comes up, every node pings every other by
# name (IPv4, IPv6), hostname and /sys/class/net are the node's, a pid node sees its own
# processes, exit codes pass through, and nothing is left after down (host, runtime directory).
# Two users run the same lab name at once and neither can enter, stop, clean or read the other's.
# BIRD's OSPF converges and FRR (which drops to 'frr': needs the subuid range) establishes eBGP.
# Without newuidmap (hidden in a mount namespace) one id is mapped, a lab still comes up, and a
# lab whose daemons need another uid says so. Root with --rootless takes the same path.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rootless.sh"
require_root
rootless_begin
ACCOUNTS_BEFORE=$(rootless_accounts_sum)
U1=nlrl1-$$
U2=nlrl2-$$

plan 69
snapshot before

for u in $U1 $U2; do
	rootless_user_add "$u" 1000000000
	mkdir -m 700 "$TMP/rt-$u"
	chown "$u:" "$TMP/rt-$u"
done
rootless_bin
# as USER CMD...: CMD as USER, with its runtime directory and netlab on PATH.
as() {
	local u=$1
	shift
	runuser -u "$u" -- env -u NETLAB_RUN_DIR XDG_RUNTIME_DIR="$TMP/rt-$u" \
		PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
}
for u in $U1 $U2; do
	printf '#!/bin/sh\nexec runuser -u %s -- env -u NETLAB_RUN_DIR XDG_RUNTIME_DIR=%s PATH=%s:/usr/sbin:/usr/bin:/sbin:/bin netlab "$@"\n' \
		"$u" "$TMP/rt-$u" "$TMP/bin" >"$TMP/bin/nl-$u"
	chmod 755 "$TMP/bin/nl-$u"
done

# Every node pings every other by name, as USER ($1), family $2.
ping_mesh_as() { NETLAB="$TMP/bin/nl-$1" ping_mesh "$LAB" "$TMP/r.conf" "$2"; }

cat >"$TMP/r.conf" <<'CONF'
pool 10.77.0.0/16
pool fd00:77::/48
node r router pid
node a b
switch sw
link r -- a
link r -- sw
link b -- sw
routing static
mount b tmpfs /mnt
start r sleep 1000
CONF
cp "$SRCDIR/topologies/ospf-bird.conf" "$SRCDIR/topologies/bgp-frr.conf" "$TMP/"
chmod 644 "$TMP"/*.conf
LAB=t-rl-$$

# 1. One user's lab.
ok "doctor as $U1: user namespaces, newuidmap, a subuid range (exit 0)" sh -c \
	"'$TMP/bin/nl-$U1' doctor >'$TMP/doc' && grep -q '^userns  *yes' '$TMP/doc' && grep -q '^idmap  *yes' '$TMP/doc' && grep -q '^subid  *yes.*for $U1' '$TMP/doc'"
ok "as $U1: up (user namespace, subuid range)" as "$U1" netlab up -l "$LAB" "$TMP/r.conf"
ok "its state is under \$XDG_RUNTIME_DIR/netlab, the user's, 0700" \
	test "$(stat -c '%U %a' "$TMP/rt-$U1/netlab/$LAB")" = "$U1 700"
is "root inside is the user, and a full range behind it" \
	"0 $(id -u "$U1") 1|1 $(awk -F: -v u="$U1" '$1 == u {print $2, $3}' /etc/subuid)" \
	"$(as "$U1" netlab exec -l "$LAB" a cat /proc/self/uid_map | awk '{print $1, $2, $3}' | paste -sd'|')"
ok "every node pings every other by name (IPv4)" ping_mesh_as "$U1" -4
ok "and IPv6" ping_mesh_as "$U1" -6
is "hostname is the node's" "b" "$(as "$U1" netlab exec -l "$LAB" b hostname)"
is "/sys/class/net is the node's" "eth0 lo" "$(as "$U1" netlab exec -l "$LAB" b ls /sys/class/net | xargs)"
# nl-log: the pump that keeps the daemon's log bounded lives in the node's PID namespace too.
is "a pid node sees its own processes (nl-r is PID 1, its daemon's log pump and daemon, ps)" \
	"1 nl-r|nl-log|sleep" \
	"$(as "$U1" netlab exec -l "$LAB" r ps -e -o pid=,comm= | awk '$2 != "ps" {print ($1 == 1 ? "1 " : "") $2}' | paste -sd'|')"
is "exit codes pass through" 7 "$(as "$U1" netlab exec -l "$LAB" a sh -c 'exit 7' >/dev/null 2>&1; echo $?)"
is "a command not found: 127" 127 "$(as "$U1" netlab exec -l "$LAB" a no-such-cmd-$$ >/dev/null 2>&1; echo $?)"
ok "a tmpfs mount is the node's" as "$U1" netlab exec -l "$LAB" b sh -c 'touch /mnt/x && grep -q " /mnt tmpfs" /proc/self/mounts'
ok "status shows the lab with addresses" sh -c "'$TMP/bin/nl-$U1' status '$LAB' | grep -q '10.77.0.1/30'"
ok "link down, then up (lab-root and node sides)" sh -c \
	"'$TMP/bin/nl-$U1' link -l '$LAB' a:eth0 down && '$TMP/bin/nl-$U1' link -l '$LAB' a:eth0 up"
ok "link set rate (tbf)" sh -c "'$TMP/bin/nl-$U1' link -l '$LAB' a:eth0 set rate=10mbit && '$TMP/bin/nl-$U1' link -l '$LAB' a:eth0 show | grep -q 'rate=10mbit'"
ok "wait reach" as "$U1" netlab wait -l "$LAB" --timeout 10 a reach b

ok "start a daemon, see it, stop it" sh -c "'$TMP/bin/nl-$U1' start -l '$LAB' b sleep 300 >/dev/null &&
	'$TMP/bin/nl-$U1' exec -l '$LAB' b pgrep -x sleep >/dev/null && '$TMP/bin/nl-$U1' stop -l '$LAB' b sleep"
ok "node stop, node start (a reaches b again)" sh -c "'$TMP/bin/nl-$U1' node -l '$LAB' b stop &&
	! '$TMP/bin/nl-$U1' exec -l '$LAB' a ping -c1 -W1 b >/dev/null 2>&1 && '$TMP/bin/nl-$U1' node -l '$LAB' b start &&
	'$TMP/bin/nl-$U1' wait -l '$LAB' --timeout 10 a reach b"
mkdir -m 700 "$TMP/cap" && chown "$U1:" "$TMP/cap"
as "$U1" netlab capture -l "$LAB" a:eth0 -c 1 -w "$TMP/cap/a.pcap" icmp 2>/dev/null &
capture=$!
for i in $(seq 1 30); do # until the capture has its packet (it may start after a ping)
	kill -0 $capture 2>/dev/null || break
	as "$U1" netlab exec -l "$LAB" a ping -c1 -W1 r >/dev/null 2>&1
done
kill $capture 2>/dev/null
wait $capture
ok "capture writes a pcap of a node's interface" test -s "$TMP/cap/a.pcap"
is "graph of the running lab" 0 "$(as "$U1" netlab graph "$LAB" >/dev/null 2>&1; echo $?)"
ok "down --wait" as "$U1" netlab down --wait "$LAB"
is "run: up, the command (which sees the lab), down; its status passes through" "4|" \
	"$(as "$U1" netlab run -l "$LAB" "$TMP/r.conf" -- sh -c 'netlab exec a true && exit 4' >/dev/null 2>&1; echo $?)|$(ls -A "$TMP/rt-$U1")"

# What a user cannot have is refused as FILE:LINE:COL (2), before anything is made.
mkdir -m 700 "$TMP/private"
{ cat "$TMP/r.conf"; echo "mount a bind $TMP/private /mnt"; } >"$TMP/bind.conf"
chmod 644 "$TMP/bind.conf"
out=$(as "$U1" netlab check "$TMP/bind.conf" 2>&1)
is "check: a bind mount of a directory the user cannot read is refused (2)" 2 $?
ok "as FILE:LINE:COL with the reason" sh -c "printf '%s' '$out' | grep -q '^$TMP/bind.conf:12:1: a rootless lab cannot bind-mount'"
is "up refuses it too (2), nothing made" "2|" \
	"$(as "$U1" netlab up -l "$LAB" "$TMP/bind.conf" >/dev/null 2>&1; echo $?)|$(ls -A "$TMP/rt-$U1")"

# kill -9 of a rootless up halfway through a 200-node lab (stopped by itself at the end of the
# links phase, see test_pause_at() in src/lab/up.c) leaves nothing: no process of the user,
# no namespace; what is left in its directory is stale and `clean` removes it.
cat >"$TMP/big.conf" <<'CONF'
node r[1..200] router
switch s1
link r[1..199] -- r[2..200]
link r[1..20] -- s1
start r2 sleep 1000
CONF
chmod 644 "$TMP/big.conf"
as "$U1" env NETLAB_TEST_PAUSE_AT=links netlab up -l "$LAB" "$TMP/big.conf" >/dev/null 2>&1 &
upwrap=$!
upid=""
for i in $(seq 1 400); do
	upid=$(pgrep -u "$U1" -x netlab | head -1)
	[ -n "$upid" ] && [ "$(awk '{print $3}' "/proc/$upid/stat" 2>/dev/null)" = T ] && break
	sleep 0.05
done
ok "a rootless up of 200 nodes stopped after its links phase" test -n "$upid"
kill -KILL "$upid" 2>/dev/null
# runuser stops itself when its child stops (as su does): it must go on to reap it.
pkill -CONT -P "$upwrap" -x runuser 2>/dev/null
wait $upwrap 2>/dev/null
gone() { for i in $(seq 1 400); do pgrep -u "$U1" >/dev/null || return 0; sleep 0.05; done; return 1; }
ok "killed: no process of the user is left (the lab init took the lab with it)" gone
ok "status calls it stale, clean removes it" sh -c \
	"'$TMP/bin/nl-$U1' status | grep -q '$LAB.*stale' && '$TMP/bin/nl-$U1' clean | grep -q \"'$LAB'\""
is "nothing left in the runtime directory" "" "$(ls -A "$TMP/rt-$U1")"

# 2. A second user, same lab name, same time; neither reaches the other's.
ok "as $U1: up again" as "$U1" netlab up -l "$LAB" "$TMP/r.conf"
ok "as $U2: the same lab name at the same time" as "$U2" netlab up -l "$LAB" "$TMP/r.conf"
ok "both run" sh -c "'$TMP/bin/nl-$U1' status '$LAB' >/dev/null && '$TMP/bin/nl-$U2' status '$LAB' >/dev/null"
D1=$TMP/rt-$U1/netlab
is "$U2 cannot exec in $U1's lab (125, refused)" 125 \
	"$(runuser -u "$U2" -- env NETLAB_RUN_DIR="$D1" "$TMP/bin/netlab" exec -l "$LAB" a true >/dev/null 2>&1; echo $?)"
is "nor take it down (1)" 1 \
	"$(runuser -u "$U2" -- env NETLAB_RUN_DIR="$D1" "$TMP/bin/netlab" down "$LAB" >/dev/null 2>&1; echo $?)"
is "nor clean it (1)" 1 \
	"$(runuser -u "$U2" -- env NETLAB_RUN_DIR="$D1" "$TMP/bin/netlab" clean >/dev/null 2>&1; echo $?)"
is "nor read its state (1)" 1 \
	"$(runuser -u "$U2" -- cat "$D1/$LAB/state" >/dev/null 2>&1; echo $?)"
pid1=$(awk '$1 == "init" {print $2}' "$D1/$LAB/state")
ok "nor join its namespaces directly" sh -c "! runuser -u '$U2' -- nsenter -t '$pid1' -U -n true 2>/dev/null"
ok "and $U1's lab is still whole" ping_mesh_as "$U1" -4
ok "$U2: down" as "$U2" netlab down "$LAB"
ok "$U1: down" as "$U1" netlab down "$LAB"
is "nothing left in either runtime directory" "|" "$(ls -A "$TMP/rt-$U1")|$(ls -A "$TMP/rt-$U2")"

# The C library, rootless: its own test program run as the user (when this build has it).
API=$(dirname "$NETLAB")/tests/lib/test-api
# (In place: it finds libnetlab.so next to it. A build tree the user cannot reach: not here.)
if [ -x "$API" ] && runuser -u "$U1" -- test -x "$API"; then
	ok "libnetlab's test-api passes as $U1" sh -c \
		"runuser -u '$U1' -- env XDG_RUNTIME_DIR='$TMP/rt-$U1' PATH=/usr/sbin:/usr/bin:/sbin:/bin CMOCKA_MESSAGE_OUTPUT=TAP '$API' >'$TMP/api.out' 2>&1 && ! grep -q '^not ok' '$TMP/api.out' && grep -q '^ok 11' '$TMP/api.out'"
else
	ok "libnetlab (no test-api in this build: its status through the command)" as "$U1" netlab status
fi

# 3. Real daemons.
ok "BIRD OSPF lab up" as "$U1" netlab up -l "$LAB" "$TMP/ospf-bird.conf"
ok "OSPF converges (r1 learns every loopback)" sh -c "for n in 2 3 4 5; do '$TMP/bin/nl-$U1' wait -l '$LAB' --timeout 60 r1 route 10.255.0.\$n/32 || exit 1; done"
ok "down" as "$U1" netlab down "$LAB"
ok "FRR eBGP lab up (chown to frr, daemons drop to frr)" as "$U1" netlab up -l "$LAB" "$TMP/bgp-frr.conf"
ok "r1's sessions are Established and it learned r2's loopback" \
	as "$U1" netlab wait -l "$LAB" --timeout 60 r1 route 10.255.0.2/32
is "bgpd runs as frr" "frr" "$(as "$U1" netlab exec -l "$LAB" r1 ps -o user= -C bgpd | sort -u)"
ok "down" as "$U1" netlab down "$LAB"

# 4. Without newuidmap/newgidmap (hidden in a mount namespace of this test only).
hidden "$TMP/bin/nl-$U1" doctor >"$TMP/doc2"
ok "doctor without newuidmap says what it costs and the fix" \
	grep -q '^idmap  *NO .*one id only.*apt-get install uidmap' "$TMP/doc2"
ok "without newuidmap: a lab still comes up" hidden "$TMP/bin/nl-$U1" up -l "$LAB" "$TMP/r.conf"
is "with one id mapped" "0 $(id -u "$U1") 1" \
	"$(as "$U1" netlab exec -l "$LAB" a cat /proc/self/uid_map | awk '{print $1, $2, $3}' | paste -sd'|')"
ok "down" as "$U1" netlab down "$LAB"
# has_all TEXT RE...: every RE matches a line of TEXT, which no shell parses (a message may hold
# quotes); TEXT is shown when one does not.
has_all() {
	local text=$1 re
	shift
	for re; do
		printf '%s\n' "$text" | grep -q -- "$re" || { printf '%s\n' "$text"; return 1; }
	done
}
out=$(hidden "$TMP/bin/nl-$U1" up -l "$LAB" "$TMP/bgp-frr.conf" 2>&1)
is "FRR without the range: up fails (1)" 1 $?
# The node's own error. A node whose set-up failed used to exit at once, and the cloner's open
# of its netns (ENOENT) or up's reading of its pid (ESRCH) then failed, now and then, and was
# what up said.
ok "it says what fails (the node's own error, not a later one) and how to fix it" has_all "$out" \
	'only your uid .* is mapped' 'apt-get install uidmap' \
	"^netlab: Cannot set up node 'r[1-3]': [^:]*'/[a-z/]*': Invalid argument\$"
ok "and leaves nothing: no process of the user, nothing in its runtime directory" \
	sh -c "! pgrep -u '$U1' >/dev/null && [ -z \"\$(ls -A '$TMP/rt-$U1')\" ]"

# 5. Root with --rootless: the same path.
track_lab "$LAB"
ok "root, up --rootless" "$NETLAB" up --rootless -l "$LAB" "$TMP/r.conf"
is "in a user namespace of its own (root mapped to root, one id)" "0 0 1" \
	"$("$NETLAB" exec -l "$LAB" a cat /proc/self/uid_map | awk '{print $1, $2, $3}')"
ok "down" "$NETLAB" down "$LAB"
is "root, run --rootless: the command's lab is in a user namespace of its own" "0 0 1" \
	"$("$NETLAB" run --rootless -l "$LAB" "$TMP/r.conf" -- sh -c '"$0" exec a cat /proc/self/uid_map' "$NETLAB" |
		awk '{print $1, $2, $3}')"

# 6. Root's status lists other users' labs, from /run/user/UID/netlab (where XDG_RUNTIME_DIR
# usually is), with their owner; a user's files there are hostile: nothing is followed or read
# that is not theirs.
U2ID=$(id -u "$U2") U1ID=$(id -u "$U1")
RU=/run/user/$U2ID
mkdir -p /run/user && mkdir -m 700 "$RU" && chown "$U2:" "$RU"
as2() { runuser -u "$U2" -- env -u NETLAB_RUN_DIR XDG_RUNTIME_DIR="$RU" PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" netlab "$@"; }
ok "as $U2, XDG_RUNTIME_DIR=/run/user/UID: up" as2 up -l "$LAB" "$TMP/r.conf"
ok "root's status lists it, running, owned by $U2" sh -c "'$NETLAB' status | grep -Eq '^$LAB +$U2 +running +3 '"
is "status --json: in other_labs, with owner and uid" "$LAB running $U2 $U2ID 3" \
	"$("$NETLAB" status --json | python3 -c 'import json,sys; l=json.load(sys.stdin)["other_labs"]; print(*[" ".join(str(x[k]) for k in ("name","state","owner","uid","node_count")) for x in l])')"
# Planted by U1 in a directory of its own: a symlink to U2's run dir, and a lab whose state
# names U2's lab init (a process that is not U1's).
RU1=/run/user/$U1ID
mkdir -m 700 "$RU1" && chown "$U1:" "$RU1"
runuser -u "$U1" -- ln -s "$RU/netlab" "$RU1/netlab"
ok "a user's netlab that is a symlink (to another user's labs) is not followed" \
	sh -c "[ \$('$NETLAB' status | grep -c '^$LAB ') = 1 ]"
runuser -u "$U1" -- sh -c "rm '$RU1/netlab' && mkdir -m 700 '$RU1/netlab' '$RU1/netlab/$LAB' &&
	: >'$RU1/netlab/.netlab-run' && : >'$RU1/netlab/$LAB.lock'"
# (a copy of U2's state, made by root: U1 could write the same numbers)
cp "$RU/netlab/$LAB/state" "$RU1/netlab/$LAB/state" && chown "$U1:" "$RU1/netlab/$LAB/state"
ok "a lab whose state names another user's lab init is stale" \
	sh -c "'$NETLAB' status | grep -Eq '^$LAB +$U1 +stale '"
rm -rf "$RU1"
ok "with NETLAB_RUN_DIR, root's status lists only that run dir" \
	sh -c "NETLAB_RUN_DIR='$TMP/none' '$NETLAB' status | grep -qx 'no labs'"
ok "down as $U2" as2 down "$LAB"
rm -rf "$RU"

rootless_users_gone
host_unchanged
is "accounts, /etc/subuid, /etc/subgid and /run/user as they were" "$ACCOUNTS_BEFORE" \
	"$(rootless_accounts_sum)"
done_testing
