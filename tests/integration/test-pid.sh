#!/bin/bash
# A `pid` node has its own PID namespace and /proc: it sees only its own processes. A node
# without one lives in the lab's PID namespace: it sees the lab, never the host. `ipc` nodes
# get their own IPC namespace.
. "$(dirname "$0")/lib.sh"
require_root
plan 8
snapshot before

LAB=t-pid-$$
track_lab "$LAB"
cat >"$TMP/pid.conf" <<'CONF'
node p pid ipc
node q
link p -- q
CONF
ok "up" "$NETLAB" up -l "$LAB" "$TMP/pid.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
is "a pid node's PID 1 is its node process" "nl-p" "$(x p cat /proc/1/comm)"
is "a pid node sees only its own processes (PID 1 and the command)" "1 nl-p|ps" \
	"$(x p ps -e -o pid=,comm= | awk '{print $1==1 ? $1" "$2 : $2}' | paste -sd'|')"
is "a node without pid sees the lab's init as PID 1" "netlab-init" "$(x q cat /proc/1/comm)"
ok "a node without pid does not see host processes" \
	sh -c "! '$NETLAB' exec -l '$LAB' q ps -e -o comm= | grep -qx systemd\|process_api\|init"
ok "an ipc node has its own IPC namespace" \
	test "$(x p readlink /proc/self/ns/ipc)" != "$(readlink /proc/self/ns/ipc)"
ok "a node without ipc shares the host's" \
	test "$(x q readlink /proc/self/ns/ipc)" = "$(readlink /proc/self/ns/ipc)"
"$NETLAB" down "$LAB" >/dev/null
host_unchanged
done_testing
