#!/bin/bash
# Nodes with a root file system of their own (issue 13): rootfs=DIR, image=REF (OCI layout,
# oci-archive, docker-archive, tarball, a name in the store), rootfs=host-cow; the image store;
# the image's Env, WorkingDir, Entrypoint/Cmd and User; a `defaults` root and rootfs=host; the
# roots in status; writes private to each node and gone with the lab, the image and the store
# unchanged; bad input refused with nothing made; up killed while
# image nodes are made leaves nothing. Images are built from busybox-static (lib-image.sh).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-hard.sh"
. "$(dirname "$0")/lib-image.sh"
require_root
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "no overlayfs in this kernel"
images_ready || skip_all "busybox-static (/bin/busybox, statically linked) is not installed"
command -v python3 >/dev/null || skip_all "python3 not installed"
plan 96
snapshot before

export NETLAB_IMAGE_DIR=$TMP/store
L=h13-rootfs-$$
track_lab "$L"
# A fingerprint of a tree: every path, type, mode, size and content.
tree_sum() { (cd "$1" && find . -printf '%p %y %m %s %l\n' | sort && find . -type f -print0 | sort -z | xargs -0 cat) | sha256sum; }
rootfs_sum=$(tree_sum "$IMG/rootfs")
probe=/run/netlab-h13-probe-$$   # a path the host does not have

# 1. rootfs=DIR: own files, private writes, missing mount point and file directory made in the
# node's upper layer, names and links as usual.
cat >"$TMP/dir.conf" <<CONF
node a rootfs=$IMG/rootfs
node b rootfs=$IMG/rootfs pid
node c
link a -- b
mount a tmpfs $probe/deep
file b /etc/extra/b.conf <<END
node %NODE%
END
CONF
ok "up with rootfs=DIR nodes" "$NETLAB" up -l "$L" "$TMP/dir.conf"
is "the node sees its own /etc/os-release" "ID=netlab-busybox" "$("$NETLAB" exec -l "$L" a cat /etc/os-release)"
is "/etc/hostname is the node's" "b" "$("$NETLAB" exec -l "$L" b cat /etc/hostname)"
ok "rootfs nodes ping each other by name" "$NETLAB" exec -l "$L" a ping -c1 -W2 b
ok "a write to /etc in one node" "$NETLAB" exec -l "$L" a sh -c 'echo mine > /etc/motd && echo x > /usr-new'
is "is not seen by the other node" "base" "$("$NETLAB" exec -l "$L" b cat /etc/motd)"
is "a mount point missing from the root is made in the node" "tmpfs" \
	"$("$NETLAB" exec -l "$L" a stat -f -c %T $probe/deep)"
is "a file statement's directory is made in the node" "node b" "$("$NETLAB" exec -l "$L" b cat /etc/extra/b.conf)"
is "/proc of a pid node is its own" "1" "$("$NETLAB" exec -l "$L" b sh -c 'cat /proc/1/comm | grep -c nl-b')"
ok "/dev has null, a private devpts and ptmx" "$NETLAB" exec -l "$L" a sh -c 'echo > /dev/null && test -c /dev/pts/ptmx && test -L /dev/ptmx && test -c /dev/urandom'
ok "/sys shows the node's own interfaces" "$NETLAB" exec -l "$L" a test -e /sys/class/net/eth0
# The root is built by a short-lived child of the node process (node.c): its pivot_root must
# carry the node process along, and the pages the set-up dirtied must go with the child.
node_pid() {
	"$NETLAB" status "$L" --json | python3 -c 'import json, sys
print(next(n["pid"] for n in json.load(sys.stdin)["labs"][0]["nodes"] if n["name"] == sys.argv[1]))' "$1"
}
private_dirty() { awk '/^Private_Dirty:/ { print $2 }' "/proc/$1/smaps_rollup"; }
pa=$(node_pid a) pb=$(node_pid b) pc=$(node_pid c)
for p in $pa $pb; do
	echo "$(readlink /proc/$p/cwd) $(cat /proc/$p/root/etc/os-release)"
done >"$TMP/holders"
is "the node processes live in their roots, at /" "/ ID=netlab-busybox,/ ID=netlab-busybox" \
	"$(paste -sd, "$TMP/holders")"
da=$(private_dirty "$pa") dc=$(private_dirty "$pc")
ok "a rootfs node's process keeps at most 16 KiB more private memory than a plain one's ($da vs $dc KiB)" \
	test "$da" -le $((dc + 16))
ok "down" "$NETLAB" down "$L"
is "the rootfs directory is unchanged" "$rootfs_sum" "$(tree_sum "$IMG/rootfs")"
ok "the host never saw the mount point" test ! -e "$probe"

# 2. Images: the store, layers shared, whiteouts, metadata.
ok "image import of an OCI layout" "$NETLAB" image import "oci:$IMG/oci:latest" bb
ok "image import of a docker-archive" "$NETLAB" image import "docker-archive:$IMG/docker-archive.tar" bbd
is "image ls lists both" "bb bbd" "$("$NETLAB" image ls | awk 'NR>1{print $1}' | xargs)"
is "their layers are stored once per blob" "3" "$(ls "$NETLAB_IMAGE_DIR/layers" | grep -cv '\.idmap$')"
store_sum=$(tree_sum "$NETLAB_IMAGE_DIR/layers")
cat >"$TMP/img.conf" <<CONF
node a image=bb router
node b image=bb cmd=none router
node c image=bbd router
node d image=oci-archive:$IMG/oci-archive.tar router
node e image=$IMG/rootfs.tar router
link a -- b
link b -- c
link c -- d
link d -- e
routing static
exec a echo "\$GREETING in \$(pwd)" > /tmp/exec.out
CONF
is "check --json shows each node's root" "bb None $IMG/rootfs.tar" \
	"$("$NETLAB" check --json "$TMP/img.conf" | python3 -c 'import json,sys; n=json.load(sys.stdin)["nodes"]; print(n[0]["image"], n[0]["rootfs"], n[4]["image"])')"
ok "graph labels it" sh -c "'$NETLAB' graph '$TMP/img.conf' | grep -q 'router.nimage bb'"
ok "up with image nodes of every kind" "$NETLAB" up -l "$L" "$TMP/img.conf"
ok "image nodes ping across the chain" "$NETLAB" exec -l "$L" a ping -c1 -W2 e
is "a later layer's whiteout hides a file" "gone" "$("$NETLAB" exec -l "$L" a sh -c 'test -e /etc/os-release || echo gone')"
is "an opaque directory hides the layers below" "b" "$("$NETLAB" exec -l "$L" c ls /opt)"
is "the plain tarball has its single layer" "ID=netlab-busybox" "$("$NETLAB" exec -l "$L" e cat /etc/os-release)"
is "Env and WorkingDir apply to exec" "hello from the image /srv" \
	"$("$NETLAB" exec -l "$L" a sh -c 'echo "$GREETING $(pwd)"')"
is "and to the file's exec statements" "hello from the image in /srv" "$("$NETLAB" exec -l "$L" a cat /tmp/exec.out)"
is "Entrypoint+Cmd run as daemon main" "main hello from the image" "$("$NETLAB" exec -l "$L" a cat /tmp/main.out)"
ok "netlab logs shows it" sh -c "'$NETLAB' logs -l '$L' a | grep -q 'main (running'"
is "cmd=none starts nothing" "none" "$("$NETLAB" exec -l "$L" b sh -c 'test -e /tmp/main.out || echo none')"
ok "a node writes /etc, /usr and /var of its image" "$NETLAB" exec -l "$L" a sh -c 'echo mine > /etc/motd; mkdir -p /usr/x /var/y'
is "another node of the same image does not see it" "layer2" "$("$NETLAB" exec -l "$L" b cat /etc/motd)"
rc=0; "$NETLAB" exec -l "$L" a bash -c true 2>"$TMP/noshell.err" || rc=$?
is "exec of a program the image lacks: 127" "127" "$rc"
ok "and says so, naming the node" grep -q "'bash'.*node 'a'" "$TMP/noshell.err"
ok "down" "$NETLAB" down "$L"
is "the store's layers are unchanged" "$store_sum" "$(tree_sum "$NETLAB_IMAGE_DIR/layers")"

# 3. rootfs=host-cow: the host's files, writes private.
host_file=$TMP/host-file
echo host >"$host_file"
cat >"$TMP/cow.conf" <<CONF
node a rootfs=host-cow
node p
link a -- p
CONF
ok "up with a host-cow node" "$NETLAB" up -l "$L" "$TMP/cow.conf"
is "it sees the host's files" "host" "$("$NETLAB" exec -l "$L" a cat "$host_file")"
ok "and writes /etc, /var/tmp, /run and over a host file" "$NETLAB" exec -l "$L" a sh -c "echo n > /etc/h13-cow-$$ && echo n > /var/tmp/h13-cow-$$ && echo n > /run/h13-cow-$$ && echo node > $host_file"
is "none of it reaches the host" "host" "$(cat "$host_file"; ls /etc/h13-cow-$$ /var/tmp/h13-cow-$$ /run/h13-cow-$$ 2>/dev/null)"
is "a plain node in the same lab shares the host's files" "host" "$("$NETLAB" exec -l "$L" p cat "$host_file")"
ok "down" "$NETLAB" down "$L"

# 4. A lab-wide default root and cmd=none, nodes that opt out, the image's User and a
# statement's user=, status showing the roots, an image without a shell, a WorkingDir the user
# may not enter.
mkdir -p "$TMP/nosh/bin" && cp /bin/busybox "$TMP/nosh/bin/" && tar -C "$TMP/nosh" -cf "$TMP/nosh.tar" .
cat >"$TMP/def.conf" <<CONF
defaults image=oci:$IMG/oci-user cmd=none
node u
node w
node k cmd=image
node p rootfs=host
node n image=$TMP/nosh.tar
link u -- w
link w -- p
link p -- n
exec u id -u > /tmp/exec.id
exec u user=0 sh -c 'echo \$(id -u) \$(id -g) \$HOME' > /tmp/exec0.id
exec u user=root:wheel sh -c 'echo \$(id -u) \$(id -g) \$(id -G)' > /tmp/execrg.id
exec p user=nobody sh -c 'echo "p runs as \$(id -u)"'
start u sh -c 'id -u > /tmp/start.id; exec sleep 100000'
start u user=0 ready=cmd:"test \$(id -u) = 0" timeout=3s sh -c 'id -u > /tmp/start0.id; exec sleep 100000'
start p user=nobody sleep 100000
CONF
"$NETLAB" check --json "$TMP/def.conf" >"$TMP/def.json"
is "check --json has each command's user= and each node's cmd=none" "None 0 root:wheel nobody|True True False False True" \
	"$(python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join(str(c["user"]) for c in d["commands"][:4]) + "|" + " ".join(str(n["cmd_none"]) for n in d["nodes"][:5]))' <"$TMP/def.json")"
if python3 -c 'import jsonschema' 2>/dev/null; then
	ok "and validates" python3 "$SRCDIR/tests/integration/validate-json.py" \
		"$SRCDIR/docs/schema/check.schema.json" "$TMP/def.json"
else
	_n=$((_n + 1)); echo "ok $_n - and validates # SKIP python3-jsonschema not installed"
fi
ok "up with a defaults image= and cmd=none, user= and a node with rootfs=host" sh -c \
	"'$NETLAB' up -l '$L' '$TMP/def.conf' >'$TMP/def.out'"
is "defaults cmd=none: an image node runs no main" "none" "$("$NETLAB" exec -l "$L" w sh -c 'test -e /tmp/main.out || echo none')"
is "a node's cmd=image wins: its main runs" "main hello from the image" "$("$NETLAB" exec -l "$L" k cat /tmp/main.out)"
is "exec user=0 runs as root, with root's gid and HOME" "0 0 /root" "$("$NETLAB" exec -l "$L" u cat /tmp/exec0.id)"
is "exec user=root:wheel: that group and no others" "0 10 10" "$("$NETLAB" exec -l "$L" u cat /tmp/execrg.id)"
is "start user=0 runs the daemon and its ready=cmd: as root" "0" "$("$NETLAB" exec -l "$L" u cat /tmp/start0.id)"
is "in a node without an image, exec user= is a host user" "p runs as $(id -u nobody)" "$(grep '^p runs as' "$TMP/def.out")"
is "and start user= too" "$(id -u nobody)" "$(stat -c %u "/proc/$(cut -d' ' -f1 "$RUN_DIR/$L/p/sleep.pid")")"
is "nodes without a root of their own have the default image" "layer2 layer2" \
	"$("$NETLAB" exec -l "$L" u cat /etc/motd) $("$NETLAB" exec -l "$L" w cat /etc/motd)"
is "rootfs=host keeps the host's files" "host" "$("$NETLAB" exec -l "$L" p cat "$host_file")"
is "netlab exec runs as the image's User, with its gid and HOME" "101 102 /home/bird" \
	"$("$NETLAB" exec -l "$L" w sh -c 'echo $(id -u) $(id -g) $HOME')"
is "with the groups the image's /etc/group lists it in" "groups=10(wheel)" \
	"$("$NETLAB" exec -l "$L" w id | grep -o 'groups=.*')"
is "the exec statement too" "101" "$("$NETLAB" exec -l "$L" u cat /tmp/exec.id)"
is "and the start statement's daemon" "101" "$("$NETLAB" exec -l "$L" u cat /tmp/start.id)"
ok "and wait cmd" "$NETLAB" wait -l "$L" -t 5s u cmd -- sh -c 'test "$(id -u)" = 101'
is "exec -u 0 runs as root" "0" "$("$NETLAB" exec -l "$L" -u 0 u id -u)"
rc=0; "$NETLAB" exec -l "$L" -u nosuch u true 2>"$TMP/user.err" || rc=$?
is "exec -u with a user the image lacks: 125" "125" "$rc"
ok "naming the node, the image and the user" grep -q \
	"node 'u': image 'oci:$IMG/oci-user': user 'nosuch': no user 'nosuch' in /etc/passwd" "$TMP/user.err"
ok "status shows a node's image under it" sh -c "'$NETLAB' status '$L' | grep -qx ' *image oci:$IMG/oci-user'"
"$NETLAB" status --json "$L" >"$TMP/status.json"
is "status --json has each node's image and rootfs" "oci:$IMG/oci-user None|oci:$IMG/oci-user None|None None|$TMP/nosh.tar None" \
	"$(python3 -c 'import json,sys; n=json.load(sys.stdin)["labs"][0]["nodes"]; print("|".join("%s %s" % (x["image"], x["rootfs"]) for x in n if x["name"] != "w"))' <"$TMP/status.json")"
if python3 -c 'import jsonschema' 2>/dev/null; then
	ok "and validates" python3 "$SRCDIR/tests/integration/validate-json.py" \
		"$SRCDIR/docs/schema/status.schema.json" "$TMP/status.json"
else
	_n=$((_n + 1)); echo "ok $_n - and validates # SKIP python3-jsonschema not installed"
fi
rc=0; SHELL=/bin/bash "$NETLAB" exec -l "$L" n </dev/null 2>"$TMP/nosh.err" || rc=$?
is "exec without a command in an image without a shell: 127" "127" "$rc"
ok "says which node and image lack it" grep -qx \
	"netlab: n: image '$TMP/nosh.tar': no /bin/sh in the image (exec needs a command)" "$TMP/nosh.err"
# Its message names the root from the same read of the node's defaults as the command's.
if command -v strace >/dev/null; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=openat \
		-o "$TMP/nocmd.strace" "$NETLAB" exec -l "$L" n /nosuch 2>/dev/null
	is "a command not found: the node's image defaults are read once" "1" \
		"$(grep -c "/$L/n/image\"" "$TMP/nocmd.strace")"
else
	_n=$((_n + 1)); echo "ok $_n # SKIP strace is not installed"
fi
rc=0; SHELL=/bin/nosuch-shell "$NETLAB" exec -l "$L" w </dev/null || rc=$?
is "an image that has /bin/sh but not \$SHELL gets /bin/sh" "0" "$rc"
# The WorkingDir is entered as the command's user, after the switch (as runc does).
ok "a WorkingDir the image's User may not enter (made so by root)" "$NETLAB" exec -l "$L" -u 0 w chmod 700 /srv
rc=0; "$NETLAB" exec -l "$L" w pwd >/dev/null 2>"$TMP/cwd.err" || rc=$?
is "fails exec, as in Docker: 126" "126" "$rc"
ok "naming the node, the image, the user and the directory" grep -qx \
	"netlab: node 'w': image 'oci:$IMG/oci-user': user 'bird' (uid 101): cannot enter the working directory '/srv': Permission denied" "$TMP/cwd.err"
is "root still enters it" "/srv" "$("$NETLAB" exec -l "$L" -u 0 w pwd)"
rc=0; start=$SECONDS
"$NETLAB" wait -l "$L" -t 30s w cmd -- true 2>"$TMP/cwd-wait.err" || rc=$?
ok "wait cmd fails at once with the same message (exit $rc, $((SECONDS - start)) s)" sh -c \
	"[ $rc = 1 ] && [ $((SECONDS - start)) -lt 20 ] && grep -q \"user 'bird' (uid 101): cannot enter the working directory '/srv'\" '$TMP/cwd-wait.err'"
is "wait cmd starts in the WorkingDir" "ok" \
	"$("$NETLAB" wait -l "$L" -t 5s u cmd -- sh -c 'test "$(pwd)" = /srv' && echo ok)"
ok "down" "$NETLAB" down "$L"

# A WorkingDir the image lacks is made at up in the node's upper layer, as Docker makes it when
# it creates the container: root's, 0755 whatever the umask, so the image's User enters it;
# never on the host nor in the store.
cat >"$TMP/nowd.conf" <<CONF
node a image=oci:$IMG/oci-nowd cmd=none
start a sh -c 'pwd >/tmp/start.pwd; exec sleep 100000'
CONF
ok "up with an image whose WorkingDir it lacks (umask 077)" \
	sh -c "umask 077 && '$NETLAB' up -l '$L' '$TMP/nowd.conf'"
is "exec starts in it, as the image's User" "/home/bird/work 101" "$("$NETLAB" exec -l "$L" a sh -c 'echo $(pwd) $(id -u)')"
is "made root's and 0755, the missing parents too" "0 755|0 755|0 755" \
	"$("$NETLAB" exec -l "$L" a stat -c '%u %a' /home/bird/work /home/bird /home | paste -sd'|')"
ok "a start daemon starts in it" "$NETLAB" wait -l "$L" -t 10s a cmd -- grep -qx /home/bird/work /tmp/start.pwd
ok "not on the host" test ! -e /home/bird/work
is "nor in the store" "" "$(find "$NETLAB_IMAGE_DIR" -path '*/home/bird*')"
ok "down" "$NETLAB" down "$L"

# 5. Bad input: a clear message, exit status 1 (2 for a file that does not validate), nothing made.
bad() { # DESC EXPECTED_RC PATTERN CONF
	printf '%s\n' "$4" >"$TMP/bad.conf"
	local rc=0
	"$NETLAB" up -l "$L" "$TMP/bad.conf" >/dev/null 2>"$TMP/bad.err" || rc=$?
	_n=$((_n + 1))
	if [ "$rc" = "$2" ] && grep -q -- "$3" "$TMP/bad.err" && [ ! -e "$RUN_DIR/$L" ]; then
		echo "ok $_n - $1"
	else
		echo "not ok $_n - $1 (exit $rc)"; sed 's/^/#   /' "$TMP/bad.err"
		_failed=$((_failed + 1))
	fi
}
bad "a missing rootfs directory" 1 "node 'a': rootfs directory '$TMP/nope': No such file" "node a rootfs=$TMP/nope"
bad "a relative rootfs directory" 2 "not absolute" "node a rootfs=nope"
bad "a corrupt archive" 1 "node 'a': image '$IMG/corrupt.tar': corrupt layer" "node a image=$IMG/corrupt.tar"
bad "an unknown image name" 1 "node 'a': image 'nosuch': no such image" "node a image=nosuch"
bad "a User the node's /etc/passwd lacks fails up's exec statement" 1 \
	"node 'a': image 'oci:$IMG/oci-user': user 'bird': no user 'bird' in /etc/passwd" \
	"$(printf 'node a image=oci:%s cmd=none\nfile a /etc/passwd <<E\nroot:x:0:0::/root:/bin/sh\nE\nexec a true' "$IMG/oci-user")"
bad "user= naming a user the node lacks fails up" 1 \
	"node 'a': image 'oci:$IMG/oci-user': user 'nosuch': no user 'nosuch' in /etc/passwd" \
	"$(printf 'node a image=oci:%s cmd=none\nexec a user=nosuch true' "$IMG/oci-user")"
bad "an exec statement whose user may not enter the WorkingDir fails up" 1 \
	"node 'a': image 'oci:$IMG/oci-user': user 'bird' (uid 101): cannot enter the working directory '/srv': Permission denied" \
	"$(printf 'node a image=oci:%s cmd=none\nexec a user=0 chmod 700 /srv\nexec a true' "$IMG/oci-user")"
bad "and a start statement's daemon, which says why in its log" 1 \
	"netlab: cannot enter the working directory '/srv' as uid 101 gid 102: Permission denied" \
	"$(printf 'node a image=oci:%s cmd=none\nexec a user=0 chmod 700 /srv\nstart a sleep 100000' "$IMG/oci-user")"
bad "a manifest for another architecture" 1 "node 'a': image 'oci:$IMG/oci-other': the image is for s390x" "node a image=oci:$IMG/oci-other"
is "image rm, then prune removes the unused layers" "removed 0 unused layers|removed 1 unused layer" \
	"$("$NETLAB" image prune)|$("$NETLAB" image rm bbd && "$NETLAB" image prune)"

host_unchanged
done_testing
