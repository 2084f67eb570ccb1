# SPDX-License-Identifier: MIT
# Helpers of the hardening tests (issue 6), on top of lib.sh.
#
# lib.sh's host check counts every lab process on the machine. These helpers look only at the
# processes of labs of this run directory when NETLAB_RUN_DIR is set (a lab's processes are
# forks of `netlab up` and keep its environment), so that a test can check, step after step,
# that nothing of *its* labs is left while other labs run elsewhere. Without NETLAB_RUN_DIR (CI)
# they count everything, like lib.sh.

# Pids of live lab processes (netlab-init, nl-*) of this run directory.
my_lab_pids() {
	local pid env
	ps -e -o pid=,stat=,comm= | awk '$2 !~ /^Z/ && ($3 == "netlab-init" || $3 ~ /^nl-/) {print $1}' |
		while read -r pid; do
			if [ -n "${NETLAB_RUN_DIR:-}" ]; then
				env=$({ tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null)
				# A process that is exiting has no environment left: count it.
				[ -z "$env" ] || grep -qx "NETLAB_RUN_DIR=$NETLAB_RUN_DIR" <<<"$env" || continue
			fi
			echo "$pid"
		done
}

my_lab_procs() { my_lab_pids | wc -l; }

# Waits (up to 20 s) until no lab process of this run directory is left.
my_wait_quiet() {
	local i
	for i in $(seq 1 400); do
		[ "$(my_lab_procs)" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}

# Pids of every process whose environment names this run directory (commands run by netlab
# exec and daemons too).
my_held_namespaces() {
	local p
	for p in /proc/[0-9]*; do
		if [ -n "${NETLAB_RUN_DIR:-}" ]; then
			{ tr '\0' '\n' <"$p/environ"; } 2>/dev/null | grep -qx "NETLAB_RUN_DIR=$NETLAB_RUN_DIR" ||
				continue
		fi
		readlink "$p/ns/net" "$p/ns/pid" 2>/dev/null
	done | sort -u
}

# Nothing of lab $1 is left: no lab process of ours, no namespace held that was not held at the
# snapshot, no directory. Waits for the kernel to finish (up to 20 s). Says what is left.
nothing_left() {
	local i extra
	my_wait_quiet || { echo "lab processes still running: $(my_lab_pids | xargs)"; return 1; }
	for i in $(seq 1 200); do
		extra=$(my_held_namespaces | comm -13 "$TMP/snap.before.ns" -)
		[ -z "$extra" ] && break
		sleep 0.1
	done
	[ -z "$extra" ] || { echo "namespaces still held: $extra"; return 1; }
	[ ! -e "$RUN_DIR/$1" ] || { echo "$RUN_DIR/$1 still exists: $(ls -A "$RUN_DIR/$1")"; return 1; }
}

# The state of lab $1 as `status --json` says: running, starting, stale, or absent.
lab_state() {
	"$NETLAB" status --json | python3 -c "
import json, sys
print(next((l['state'] for l in json.load(sys.stdin)['labs'] if l['name'] == '$1'), 'absent'))"
}

# Waits (up to 20 s) until process $1 is stopped (0) or gone (1).
wait_stopped() {
	local i s
	for i in $(seq 1 400); do
		s=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
		[ "$s" = T ] && return 0
		[ "$s" = Z ] && return 1
		sleep 0.05
	done
	return 1
}

ms() { echo $(($(date +%s%N) / 1000000)); }
