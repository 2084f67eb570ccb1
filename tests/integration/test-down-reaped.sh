#!/bin/bash
# `down` returns only when nothing of the lab is left in the host's process table: the lab init
# is not only dead but collected (no zombie), even when the host's init collects orphans late
# (issue 16.8). Each round checks the lab init's pid, with its start time, right after `down`.
. "$(dirname "$0")/lib.sh"
require_root
plan 4
snapshot before

L=t-reaped-$$
track_lab "$L"
printf 'node a b\nlink a -- b\n' >"$TMP/r.conf"
bad=0
for i in 1 2 3 4 5; do
	"$NETLAB" up -l "$L" "$TMP/r.conf" >/dev/null || { bad=up; break; }
	pid=$("$NETLAB" status "$L" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); d=d["labs"][0] if "labs" in d else d; print(d["init_pid"])')
	st=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{print $20}')
	"$NETLAB" down "$L" >/dev/null || { bad=down; break; }
	# Still there with the same start time: the lab init (as a zombie) outlived down.
	if [ -e "/proc/$pid/stat" ] && [ "$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null | awk '{print $20}')" = "$st" ]; then
		bad="round $i: pid $pid still in the process table ($(sed 's/.*) //' "/proc/$pid/stat" | cut -c1))"
		break
	fi
done
is "after every down, the lab init is gone from the process table (5 rounds)" 0 "$bad"
ok "no netlab-init of ours left, not even a zombie" sh -c "! ps -e -o pid=,comm= | awk -v p='$pid' '\$1 == p' | grep -q ."
ok "the lab is gone" test ! -e "$RUN_DIR/$L"
host_unchanged
done_testing
