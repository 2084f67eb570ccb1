#!/bin/bash
# Every example in topologies/ validates, comes up, reaches every node from every node by name
# (IPv4, and IPv6 when the plan has IPv6 addresses), and goes down without a trace.
. "$(dirname "$0")/lib.sh"
require_root
files=()
for f in "$SRCDIR"/topologies/*.conf; do
	# Labs of real routing daemons converge in their own time: their own tests wait for
	# that (test-ospf-bird.sh, test-bgp-frr.sh, test-ospf-frr.sh).
	case $(basename "$f") in ospf-bird.conf | bgp-frr.conf | ospf-frr.conf) continue ;; esac
	files+=("$f")
done
[ -e "${files[0]}" ] || skip_all "no topologies in $SRCDIR/topologies"
plan $((${#files[@]} * 4 + 1))
snapshot before
both() { ping_mesh "$1" "$2" -4 && ping_mesh "$1" "$2" -6; }

for f in "${files[@]}"; do
	name=$(basename "$f" .conf)
	lab=t-ex-$name-$$
	track_lab "$lab"
	ok "$name: check" "$NETLAB" check "$f"
	ok "$name: up" "$NETLAB" up -l "$lab" "$f"
	if "$NETLAB" check --json "$f" | grep -q '"[0-9a-f:]*:[0-9a-f:]*/[0-9]*"'; then
		ok "$name: every node reaches every other by name (IPv4 and IPv6)" both "$lab" "$f"
	else
		ok "$name: every node reaches every other by name (IPv4)" ping_mesh "$lab" "$f" -4
	fi
	ok "$name: down" "$NETLAB" down "$lab"
done
host_unchanged
done_testing
