#!/bin/bash
# A node process that dies during its set-up, before it reports READY, fails `up` at once, with
# a message naming the node and its end, exit status 1, and nothing left (DESIGN.md §1.2). Its
# channel to `up` never reaches EOF (the cloners hold it), so `up` used to wait for that READY
# forever; it now watches the node's pidfd too (ns_lab_wait_ready, src/ns/labinit.c).
#
# The node is made to block in its set-up without any test hook: its bind source lies in a FUSE
# mount that no daemon ever answers (the test opens /dev/fuse itself and never reads it), so the
# set-up's lookup of the source waits, killable, in the kernel. The test waits for that event
# (the set-up child in state D), kills the node process with SIGKILL, and `up` must end: it runs
# under `timeout 60`, so a regression fails (status 124) instead of hanging.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
require_root
[ -c /dev/fuse ] && grep -qw fuse /proc/filesystems || skip_all "no FUSE (/dev/fuse) in this kernel"
plan 7
snapshot before

LAB=t-death-$$
track_lab "$LAB"
FUSE=$TMP/fuse

fuse_mounted=false
fuse_down() {
	exec 7>&- # the last fd of the connection: the kernel aborts it, every waiter gets ENOTCONN
	! $fuse_mounted || umount "$FUSE" # (not mountpoint(1): its stat fails with ENOTCONN now)
	fuse_mounted=false
}
trap 'fuse_down; _cleanup' EXIT

mkdir "$FUSE" "$TMP/mp"
exec 7<>/dev/fuse
mount -i -t fuse -o fd=7,rootmode=40000,user_id=0,group_id=0 netlab-test "$FUSE" ||
	skip_all "cannot mount a FUSE filesystem here"
fuse_mounted=true

cat >"$TMP/death.conf" <<CONF
node ok1 victim ok2
link ok1 -- victim
link victim -- ok2
mount victim bind $FUSE/src $TMP/mp
CONF

# Waits (up to 30 s) for the set-up child of node $1 to block (state D, a child of the node
# process, both named nl-$1) and prints the node process's pid. (The node process is in state D
# too, waiting for its CLONE_VFORK child.)
node_blocked() {
	local i ppid
	for i in $(seq 1 600); do
		for ppid in $(ps -e -o ppid=,stat=,comm= | awk -v c="nl-$1" '$3 == c && $2 ~ /^D/ {print $1}'); do
			if [ "$(cat "/proc/$ppid/comm" 2>/dev/null)" = "nl-$1" ]; then
				echo "$ppid"
				return 0
			fi
		done
		sleep 0.05
	done
	return 1
}

# fd 7 stays with the test: `up` and its lab must not hold the FUSE connection open.
timeout 60 "$NETLAB" up -l "$LAB" "$TMP/death.conf" >/dev/null 2>"$TMP/up.err" 7>&- &
up=$!
if node=$(node_blocked victim); then
	kill -KILL "$node"
	res=ok
else
	res="node 'victim' never blocked in its set-up: $(head -3 "$TMP/up.err")"
fi
is "node 'victim' blocks in its set-up (its bind source is on an unanswered FUSE mount)" ok "$res"
wait $up
rc=$?
is "up fails with status 1 (124: it hung until the timeout)" 1 "$rc"
ok "the message names the node that died during its set-up" \
	grep -q "Cannot set up the nodes: node 'victim' died during its set-up" "$TMP/up.err"
# PIDFD_INFO_EXIT (Linux 6.15) tells how a process that is not ours ended.
if [ "$(printf '%s\n' 6.15 "$(uname -r)" | sort -V | head -1)" = 6.15 ]; then
	ok "and how it ended (killed by signal 9)" grep -q "died during its set-up (killed by signal 9)$" "$TMP/up.err"
else
	echo "ok 4 # SKIP the kernel ($(uname -r)) cannot tell how a non-child ended (6.15)"
	_n=$((_n + 1))
fi
sed 's/^/# up: /' "$TMP/up.err"
out=$(nothing_left "$LAB" 2>&1) && res=ok || res=$out
is "nothing of the lab is left (processes, namespaces, $RUN_DIR/$LAB)" ok "$res"
is "status does not know the lab" absent "$(lab_state "$LAB")"

fuse_down
host_unchanged
done_testing
