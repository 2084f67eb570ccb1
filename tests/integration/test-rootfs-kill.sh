#!/bin/bash
# `netlab up` of 100 image nodes killed with SIGKILL while the nodes are being made (at the end
# of the nodes phase, and after a few delays): no process, namespace, mount or upper layer is
# left — the overlays and their tmpfs live only in the nodes' mount namespaces (issue 13).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
. "$(dirname "$0")/lib-image.sh"
require_root
grep -qw overlay /proc/filesystems || skip_all "no overlayfs in this kernel"
images_ready || skip_all "busybox-static (/bin/busybox, statically linked) is not installed"
DELAYS="20 60 150"
plan 11
snapshot before

export NETLAB_IMAGE_DIR=$TMP/store
L=h13-rkill-$$
track_lab "$L"
cat >"$TMP/big.conf" <<CONF
node n[1..100] image=oci:$IMG/oci:latest
switch s1
link n[1..100] -- s1
mount n[1..100] tmpfs /run/probe
CONF
# The first up imports the image, so that the kills below hit the making of the nodes.
ok "image imported and 100 image nodes up" "$NETLAB" up -l "$L" "$TMP/big.conf"
ok "and down" "$NETLAB" down "$L"
store_sum=$(cd "$NETLAB_IMAGE_DIR" && find . -printf '%p %s %m\n' | sort | sha256sum)

settle() {
	case $(lab_state "$L") in
	running) "$NETLAB" down "$L" >/dev/null ;;
	stale) "$NETLAB" clean >/dev/null ;;
	esac
	nothing_left "$L" || return 1
	# No overlay of ours in any mount namespace still alive.
	! grep -l "netlab-node\|$L/rootfs" /proc/[0-9]*/mountinfo 2>/dev/null | grep -q .
}

NETLAB_TEST_PAUSE_AT=nodes "$NETLAB" up -l "$L" "$TMP/big.conf" >/dev/null 2>&1 &
up=$!
ok "up stopped after making the nodes" wait_stopped $up
kill -KILL $up
wait $up 2>/dev/null
ok "SIGKILL there leaves nothing" settle

for d in $DELAYS; do
	"$NETLAB" up -l "$L" "$TMP/big.conf" >/dev/null 2>&1 &
	up=$!
	sleep "0.$(printf '%03d' "$d")"
	kill -KILL $up 2>/dev/null
	wait $up 2>/dev/null
	ok "SIGKILL after $d ms leaves nothing" settle
done
ok "the same lab comes up again" "$NETLAB" up -l "$L" "$TMP/big.conf"
ok "and down" "$NETLAB" down "$L"
is "the image store is unchanged" "$store_sum" "$(cd "$NETLAB_IMAGE_DIR" && find . -printf '%p %s %m\n' | sort | sha256sum)"
host_unchanged
done_testing
