# SPDX-License-Identifier: MIT
# Shared by the integration tests: TAP output, root check, host snapshots, lab clean-up.
#
# Every test takes a snapshot of the host before it starts and compares after it ends:
# interfaces, netns list, mount points, /run/netlab entries, lab processes and the set of
# network/PID namespaces held by processes. A difference is a failed test.

set -u
NETLAB=${NETLAB:-netlab}
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
RUN_DIR=${NETLAB_RUN_DIR:-/run/netlab}
TMP=$(mktemp -d /tmp/netlab-test.XXXXXX)
_n=0
_failed=0
_labs=()

skip_all() {
	echo "1..0 # SKIP $*"
	rm -rf "$TMP"
	exit 0
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (CAP_SYS_ADMIN, CAP_NET_ADMIN)"
	unshare --net --mount --pid --fork true 2>/dev/null ||
		skip_all "kernel or sandbox refuses new net/mount/pid namespaces"
	command -v ip >/dev/null || skip_all "iproute2 (ip) not installed"
	command -v ping >/dev/null || skip_all "iputils-ping not installed"
}

plan() { echo "1..$1"; }

# ok DESCRIPTION CMD... : runs CMD, one TAP line; output of a failure goes to the log.
ok() {
	local desc=$1
	shift
	_n=$((_n + 1))
	local out
	if out=$("$@" 2>&1); then
		echo "ok $_n - $desc"
	else
		local rc=$?
		echo "not ok $_n - $desc"
		echo "# command: $* (exit $rc)"
		printf '%s\n' "$out" | sed 's/^/#   /' | head -40
		_failed=$((_failed + 1))
	fi
}

# is DESCRIPTION EXPECTED ACTUAL
is() {
	_n=$((_n + 1))
	if [ "$2" = "$3" ]; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1"
		echo "# expected: $2"
		echo "# got:      $3"
		_failed=$((_failed + 1))
	fi
}

# Processes of labs (named by netlab), not counting zombies awaiting the host's init.
lab_procs() {
	ps -e -o stat=,comm= | awk '$1 !~ /^Z/ && ($2 == "netlab-init" || $2 ~ /^nl-/)' | wc -l
}

# Namespaces held by live processes: any new one after a test is a leftover.
held_namespaces() {
	for p in /proc/[0-9]*; do
		readlink "$p/ns/net" "$p/ns/pid" 2>/dev/null
	done | sort -u
}

snapshot() {
	local f=$TMP/snap.$1
	{
		echo "## links"; ip -o link show | awk -F': ' '{print $2}' | sort
		echo "## addresses"; ip -o addr show | awk '{print $2, $4}' | sort
		echo "## routes"; ip route show table all | sort
		echo "## netns"; ip netns list | sort
		echo "## mounts"; awk '{print $5}' /proc/self/mountinfo | sort
		echo "## run"; [ -e "$RUN_DIR" ] && echo "($RUN_DIR exists)"; ls -A "$RUN_DIR" 2>/dev/null | sort
		echo "## lab processes"; lab_procs
		echo "## lab cgroups"; find /sys/fs/cgroup -maxdepth 3 -type d -name 'netlab-*' 2>/dev/null | sort
	} >"$f"
	held_namespaces >"$f.ns"
}

# Waits (up to 10 s) for lab processes to be gone: `down` returns when the lab init has exited,
# but the host's init reaps it, and other tests' processes may still be ending.
wait_quiet() {
	local i
	for i in $(seq 1 200); do
		[ "$(lab_procs)" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}

host_unchanged() {
	local extra i same=false
	wait_quiet
	# Processes end asynchronously after a SIGKILL: give the host up to 5 s to settle.
	for i in $(seq 1 50); do
		snapshot after
		extra=$(comm -13 "$TMP/snap.before.ns" "$TMP/snap.after.ns")
		if diff -u "$TMP/snap.before" "$TMP/snap.after" >"$TMP/snap.diff" && [ -z "$extra" ]; then
			same=true
			break
		fi
		sleep 0.1
	done
	_n=$((_n + 1))
	if $same; then
		echo "ok $_n - host unchanged (links, addresses, routes, netns, mounts, $RUN_DIR, processes, namespaces)"
	else
		echo "not ok $_n - host unchanged"
		sed 's/^/#   /' "$TMP/snap.diff" | head -40
		[ -z "$extra" ] || printf '%s\n' "$extra" | sed 's/^/#   namespace still held: /'
		_failed=$((_failed + 1))
	fi
}

# The options verb $1's -h lists, one a line, sorted.
help_options() { "$NETLAB" "$1" -h | grep -oE -- '(^|[[ |])--?[a-zA-Z][a-zA-Z-]*' | sed 's/^[[ |]//' | sort -u; }
# Whether option $2 of verb $1 takes a value, as the verb's own parser says ("requires an
# argument" when it is given none), in a run dir without labs (nothing is acted upon).
option_takes_value() {
	if [ "$1" = run ]; then set -- run "$2" -- true; fi
	NETLAB_RUN_DIR=$TMP/no-run-dir "$NETLAB" "$@" </dev/null 2>&1 | grep -q 'requires an argument'
}
# check_completion_options COMPLETE LAB: for every verb, what is wrong with its options in a
# completion (COMPLETE LINE prints the candidates, sorted, on one line): each option -h lists is
# offered, and a value is skipped: after `OPT VALUE ` (a flag's `OPT `) the same words are
# offered as without the option (LAB: -l's value). Prints nothing when all is right.
check_completion_options() {
	local v o line base want
	for v in $("$NETLAB" complete verbs); do
		want=$(help_options "$v" | paste -sd' ')
		[ "$want" = "$($1 "netlab $v -")" ] ||
			echo "$v: -h lists '$want', completion offers '$($1 "netlab $v -")';"
		base=$($1 "netlab $v ")
		for o in $(help_options "$v"); do
			line="netlab $v $o "
			if option_takes_value "$v" "$o"; then
				[ "$o" = -l ] && line+="$2 " || line+="1 "
			fi
			[ "$($1 "$line")" = "$base" ] || echo "'$line' offers '$($1 "$line")', not '$base';"
		done
	done
}

# Remember a lab so that the exit trap takes it down whatever happens.
track_lab() { _labs+=("$1"); }

_cleanup() {
	local l
	for l in "${_labs[@]}"; do
		"$NETLAB" down "$l" >/dev/null 2>&1
		rm -rf "${RUN_DIR:?}/$l" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap _cleanup EXIT

done_testing() {
	[ "$_failed" = 0 ]
	exit $?
}

# Node names of a topology, from the resolved plan.
plan_nodes() {
	"$NETLAB" check --json "$1" | python3 -c 'import json,sys; print(" ".join(n["name"] for n in json.load(sys.stdin)["nodes"]))'
}

# Every node pings every other by name. $1 lab, $2 topology file, $3 "-4" or "-6".
ping_mesh() {
	local lab=$1 file=$2 fam=$3 a b bad=0
	for a in $(plan_nodes "$file"); do
		for b in $(plan_nodes "$file"); do
			[ "$a" = "$b" ] && continue
			if ! "$NETLAB" exec -l "$lab" "$a" ping "$fam" -c1 -W2 -q "$b" >/dev/null 2>&1; then
				echo "$a -> $b ($fam) failed"
				bad=1
			fi
		done
	done
	return $bad
}

# topologies/ospf-bird.conf, up as lab $1, has converged for IPv$2 (4 or 6): every router has a
# route to every other router's loopback and to both hosts' subnets (each waited for, 60 s).
ospf_bird_converged() {
	local lab=$1 fam=$2 r n dst
	for r in 1 2 3 4 5; do
		for n in 1 2 3 4 5; do
			[ "$r" = "$n" ] && continue
			if [ "$fam" = 4 ]; then dst=10.255.0.$n/32; else dst=fd00:255::$n/128; fi
			"$NETLAB" wait -l "$lab" --timeout 60 "r$r" route "$dst" || return 1
		done
		if [ "$fam" = 4 ]; then dst="10.0.0.20/30 10.0.0.24/30"
		else dst="fd00:10:0:5::/64 fd00:10:0:6::/64"; fi
		for n in $dst; do
			"$NETLAB" wait -l "$lab" --timeout 60 "r$r" route "$n" || return 1
		done
	done
}
