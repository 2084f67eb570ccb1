#!/bin/bash
# BIRD from an image and BIRD from the host in one OSPF lab (issue 13): topologies/ospf-bird.conf
# with r1, r3 and r5 given a Debian bookworm image with bird2 (built by mmdebstrap from the
# Debian mirror, cached in /var/cache/netlab-test, lib-image.sh), r2 and r4 the host's files.
# OSPFv2 and OSPFv3 converge (netlab wait), and each router runs its own BIRD: the running
# daemon's binary is the image's file in image nodes and the host's in the others, and each
# node's /etc/os-release and marker are its own.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
require_root
command -v bird >/dev/null || skip_all "bird2 not installed"
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "no overlayfs in this kernel"
bird_image_ready || skip_all "$BIRD_WHY"
plan 14
snapshot before

export NETLAB_IMAGE_DIR=$TMP/store
LAB=t-imgbird-$$
track_lab "$LAB"
IMAGE_NODES="r1 r3 r5"
HOST_NODES="r2 r4"
sed "s|^node r\[1..5\] router\$|node r2 r4 router\nnode $IMAGE_NODES router image=$BIRD_TAR|" \
	"$SRCDIR/topologies/ospf-bird.conf" >"$TMP/lab.conf"
x() { "$NETLAB" exec -l "$LAB" "$@"; }
w() { "$NETLAB" wait -l "$LAB" "$@"; }

ok "the lab's file gives r1, r3, r5 the image" grep -q "^node r1 r3 r5 router image=" "$TMP/lab.conf"
ok "up (the image imported, three BIRDs from it, two from the host)" "$NETLAB" up -l "$LAB" "$TMP/lab.conf"
ok "OSPFv2 converges: every router has a route to every loopback and host subnet" \
	ospf_bird_converged "$LAB" 4
ok "OSPFv3 too" ospf_bird_converged "$LAB" 6
ok "h1 reaches h2 across image and host routers" w --timeout 30 h1 reach 10.0.0.25

# Which binary each running bird is: the file behind /proc/PID/exe, found from the host, and
# the node it runs in, by its mount namespace.
host_bird=$(stat -L -c %d:%i "$(command -v bird)")
bird_of() {
	local mnt pid
	mnt=$(x "$1" readlink /proc/self/ns/mnt)
	for pid in $(pgrep -x bird); do
		[ "$(readlink "/proc/$pid/ns/mnt")" = "$mnt" ] && stat -L -c %d:%i "/proc/$pid/exe"
	done
}
own_bird() {
	local r b
	for r in $IMAGE_NODES; do
		b=$(bird_of "$r")
		[ -n "$b" ] && [ "$b" != "$host_bird" ] || { echo "# $r runs bird $b (host's: $host_bird)"; return 1; }
	done
	for r in $HOST_NODES; do
		[ "$(bird_of "$r")" = "$host_bird" ] || { echo "# $r runs bird $(bird_of "$r")"; return 1; }
	done
}
ok "each router's running bird is its own: the image's file in r1 r3 r5, the host's in r2 r4" own_bird
for r in r1 r2; do echo "# $r: $(x "$r" bird --version 2>&1)"; done
ok "bird --version runs in each router, from its own root" sh -c \
	"for r in r1 r2 r3 r4 r5; do '$NETLAB' exec -l '$LAB' \$r bird --version >/dev/null 2>&1 || exit 1; done"
image_os=$(tar -xOf "$BIRD_TAR" ./usr/lib/os-release | md5sum)
host_os=$(md5sum </etc/os-release)
is "an image router's /etc/os-release is the image's" "$image_os" "$(x r3 cat /etc/os-release | md5sum)"
is "a host router's is the host's" "$host_os" "$(x r4 cat /etc/os-release | md5sum)"
is "the image's marker is in image routers only" "netlab-image=bird|none" \
	"$(x r5 cat /etc/netlab-image)|$(x r2 sh -c 'cat /etc/netlab-image 2>/dev/null || echo none')"
ok "birdc talks to the image's bird" sh -c "'$NETLAB' exec -l '$LAB' r1 birdc -s /etc/bird/bird.ctl show protocols | grep -q 'ospf4 .*Running'"
ok "down" "$NETLAB" down "$LAB"
is "the image's own /etc/bird/bird.conf in the store is unchanged (each router's was its own)" \
	"$(tar -xOf "$BIRD_TAR" ./etc/bird/bird.conf | md5sum)" \
	"$(md5sum <"$(find "$TMP/store/layers" -path '*/etc/bird/bird.conf' | head -1)")"
host_unchanged
done_testing
