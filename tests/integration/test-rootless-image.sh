#!/bin/bash
# Image nodes in rootless labs (issue 13): a user's image store under $XDG_CACHE_HOME/netlab is
# unpacked in a user namespace mapped as the user's labs are, so an image's file of uid 100 is
# uid 100 in the node; the overlay is mounted in the lab's user namespace (userxattr: whiteouts
# and opaque directories work); writes stay in the node; nothing is left after down, and no file
# of the store lands outside the user's cache. Without newuidmap only the user is mapped and the
# owners are squashed, with a warning; once the user has a range, such layers are refused at up
# (a stored name) or unpacked anew (import, a reference). Root with --rootless uses its own store
# the same way, and mends layers an older netlab stored without user.overlay.opaque.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-image.sh"
. "$(dirname "$0")/lib-rootless.sh"
require_root
grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
	skip_all "no overlayfs in this kernel"
images_ready || skip_all "busybox-static (/bin/busybox, statically linked) is not installed"
rootless_begin
U=nlri-$$
plan 45
snapshot before
root_store_before=$(ls -A /var/cache/netlab 2>/dev/null | md5sum)

rootless_user_add "$U" 1100000000
SUB=$(awk -F: -v u="$U" '$1 == u {print $2}' /etc/subuid)
rootless_bin
mkdir -m 700 "$TMP/rt" "$TMP/cache"
chown "$U:" "$TMP/rt" "$TMP/cache"
as() {
	runuser -u "$U" -- env -u NETLAB_RUN_DIR -u NETLAB_IMAGE_DIR XDG_RUNTIME_DIR="$TMP/rt" \
		XDG_CACHE_HOME="$TMP/cache" PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
}

# The busybox rootfs plus /srv/owned (uid/gid 100) in /srv/priv (uid 100, mode 0700).
mkdir -p "$TMP/extra/srv/priv"
echo mine >"$TMP/extra/srv/priv/owned"
chmod 700 "$TMP/extra/srv/priv"
cp "$IMG/rootfs.tar" "$TMP/owned.tar"
tar --owner=100 --group=100 --numeric-owner -C "$TMP/extra" -rf "$TMP/owned.tar" ./srv/priv
chmod 644 "$TMP/owned.tar"

LAB=t-rli-$$
cat >"$TMP/lab.conf" <<CONF
node a a2 image=owned
node b image=oci:$IMG/oci
node c
link a -- b
link a2 -- c
CONF
# Section 1's lab also runs statements as users of the mapped range (section 3 maps only one).
cat "$TMP/lab.conf" - >"$TMP/lab1.conf" <<CONF
exec a user=100:100 sh -c 'cat /srv/priv/owned > /tmp/by100'
exec b user=0 chmod 700 /srv
start a2 user=bird sh -c 'id -u > /tmp/start.id; exec sleep 100000'
CONF
chmod 644 "$TMP/lab.conf" "$TMP/lab1.conf"
x() { as netlab exec -l "$LAB" "$@"; }

# 1. The user's store, with the user's range.
ok "import as the user, into \$XDG_CACHE_HOME/netlab" as netlab image import "$TMP/owned.tar" owned
owned=$(find "$TMP/cache/netlab/layers" -path '*/srv/priv/owned')
is "on the host, the image's uid 100 is the 100th id of the user's range" \
	"$((SUB + 99)):$((SUB + 99))" "$(stat -c %u:%g "$owned" 2>/dev/null)"
ok "up of a rootless lab with image nodes (a tarball, an OCI layout) and a plain one" \
	as netlab up -l "$LAB" "$TMP/lab1.conf"
is "exec works: root in the node is the user" "0|0 $(id -u "$U") 1" \
	"$(x a id -u)|$(x a cat /proc/self/uid_map | awk '{print $1, $2, $3}' | head -1)"
is "the image's uid-100 files are uid 100 in the node" "100:100 700|100:100 mine" \
	"$(x a stat -c '%u:%g %a' /srv/priv)|$(x a stat -c '%u:%g' /srv/priv/owned) $(x a cat /srv/priv/owned)"
is "the node sees its image, not the host" "ID=netlab-busybox" "$(x a cat /etc/os-release)"
is "exec user=100:100 runs as the image's uid 100: it reads its 0700 directory" "mine" "$(x a cat /tmp/by100)"
is "start user=bird runs the daemon as uid 101" "101" "$(x a2 cat /tmp/start.id)"
rc=0; x -u bird b pwd >/dev/null 2>"$TMP/cwd.err" || rc=$?
is "a WorkingDir the user may not enter fails exec: 126" "126" "$rc"
ok "and says so" grep -q "node 'b': image 'oci:$IMG/oci': user 'bird' (uid 101): cannot enter the working directory '/srv': Permission denied" "$TMP/cwd.err"
is "layers stack in the user namespace: a whiteout hides a file" "gone|layer2" \
	"$(x b sh -c 'test -e /etc/os-release && echo there || echo gone')|$(x b cat /etc/motd)"
is "and an opaque directory hides the lower one's (user.overlay.opaque)" "b" "$(x b ls /opt | xargs)"
ok "links work: a reaches b" as netlab wait -l "$LAB" --timeout 10 a reach b
is "a plain node keeps the host's files" "$(. /etc/os-release; echo "$ID")" \
	"$(x c sh -c '. /etc/os-release; echo $ID')"
ok "writes in a node: /etc, /usr, a uid-100 file" x a sh -c \
	'echo w >/etc/written && mkdir -p /usr/local/w && echo more >>/srv/priv/owned'
is "stay in that node: a2, of the same image, does not see them" "no|mine" \
	"$(x a2 sh -c 'test -e /etc/written && echo yes || echo no')|$(x a2 cat /srv/priv/owned)"
is "the store is unchanged" "mine|" \
	"$(cat "$owned")|$(find "$TMP/cache/netlab" -name written -o -path '*/usr/local/w')"
ok "down" as netlab down "$LAB"
is "nothing left in the runtime directory" "" "$(ls -A "$TMP/rt")"

# 2. rm and prune remove layers owned by ids of the user's range (done in the same mapping).
ok "image rm, image prune (as the user)" as sh -c 'netlab image rm owned && netlab image prune >/dev/null'
is "owned's layer is gone from the store" "" "$(find "$TMP/cache/netlab/layers" -path '*/srv/priv' 2>/dev/null)"

# 3. Without newuidmap: only the user is mapped; owners squashed, said at import.
mkdir -m 700 "$TMP/cache2" && chown "$U:" "$TMP/cache2"
out=$(hidden runuser -u "$U" -- env -u NETLAB_RUN_DIR -u NETLAB_IMAGE_DIR XDG_RUNTIME_DIR="$TMP/rt" \
	XDG_CACHE_HOME="$TMP/cache2" PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
	netlab image import "$TMP/owned.tar" owned 2>&1)
is "import without a mapped range: done (0)" 0 $?
ok "with a warning that owners are squashed" sh -c "printf '%s' '$out' | grep -q 'only your uid .* is mapped for the image store'"
is "every file is the user's on the host" "$(id -u "$U")" \
	"$(stat -c %u "$(find "$TMP/cache2/netlab/layers" -path '*/srv/priv/owned')")"
ok "a lab with it comes up without newuidmap" hidden runuser -u "$U" -- env -u NETLAB_RUN_DIR \
	-u NETLAB_IMAGE_DIR XDG_RUNTIME_DIR="$TMP/rt" XDG_CACHE_HOME="$TMP/cache2" \
	PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" netlab up -l "$LAB" "$TMP/lab.conf"
is "and the image's files are root's in the node" "0:0" "$(x a stat -c %u:%g /srv/priv/owned)"
ok "down" as netlab down "$LAB"

# 3b. The user has a range again: the squashed layers are not reused as they are.
as2() {
	runuser -u "$U" -- env -u NETLAB_RUN_DIR -u NETLAB_IMAGE_DIR XDG_RUNTIME_DIR="$TMP/rt" \
		XDG_CACHE_HOME="$TMP/cache2" PATH="$TMP/bin:/usr/sbin:/usr/bin:/sbin:/bin" "$@"
}
out=$(as2 netlab up -l "$LAB" "$TMP/lab.conf" 2>&1)
is "up with a squashed layer of a stored image, now that there is a range: refused (1)" 1 $?
ok "saying how it was unpacked, how labs map now, and to import it again" sh -c "printf '%s' \"\$1\" |
	grep -q \"image 'owned': layer .* was unpacked with only your own id mapped .*your labs now map your subordinate ids mapped .*netlab image import $TMP/owned.tar owned\"" sh "$out"
out=$(as2 netlab image import "$TMP/owned.tar" owned 2>&1)
is "import again: done, without the squash warning" "0 no" \
	"$? $(printf '%s' "$out" | grep -q 'only your uid' && echo yes || echo no)"
is "the layer is unpacked anew: the image's uid 100 is the range's 100th id" "$((SUB + 99))" \
	"$(stat -c %u "$(find "$TMP/cache2/netlab/layers" -path '*/srv/priv/owned')")"
is "and no stale copy is left" "" "$(ls -A "$TMP/cache2/netlab/layers" | grep '^\.' | xargs)"
ok "up: the reference (node b) is imported anew by itself" as2 netlab up -l "$LAB" "$TMP/lab.conf"
is "the image's uid-100 files are uid 100 in the node" "100:100" "$(x a stat -c %u:%g /srv/priv/owned)"
is "the OCI image's files are root's, its /etc/passwd still readable" "0:0 root" \
	"$(x b stat -c %u:%g /bin/busybox) $(x b head -c4 /etc/passwd)"
ok "down" as netlab down "$LAB"

# 4. Root with --rootless: root's store (here a private one), the same overlay in a user
# namespace; root's store writes user.overlay.opaque beside trusted.overlay.opaque for it.
track_lab "$LAB"
export NETLAB_IMAGE_DIR=$TMP/rootstore
ok "root imports (owned, and node b's reference)" sh -c \
	"'$NETLAB' image import '$TMP/owned.tar' owned && '$NETLAB' image import 'oci:$IMG/oci'"
# As an older netlab left them: trusted.overlay.opaque only, no stamp.
python3 - "$NETLAB_IMAGE_DIR/layers" <<'PY'
import os, sys
for root, dirs, files in os.walk(sys.argv[1]):
    for d in dirs:
        try:
            os.removexattr(os.path.join(root, d), "user.overlay.opaque", follow_symlinks=False)
        except OSError:
            pass
PY
rm -f "$NETLAB_IMAGE_DIR"/layers/*.idmap
ok "root, up --rootless with image nodes" sh -c \
	"'$NETLAB' up --rootless -l '$LAB' '$TMP/lab.conf' 2>/dev/null"
is "an opaque directory is opaque there too, even in a layer stored without user.overlay.opaque" \
	"b" "$("$NETLAB" exec -l "$LAB" b ls /opt | xargs)"
is "the layer is mended in place and stamped" "y 2 host" \
	"$(python3 -c 'import glob, os, sys
print(*[os.getxattr(d, "user.overlay.opaque").decode() for d in glob.glob(sys.argv[1] + "/*/opt")
        if os.path.exists(d + "/b")])' "$NETLAB_IMAGE_DIR/layers") $(cat "$NETLAB_IMAGE_DIR"/layers/*.idmap | sort -u)"
ok "down" "$NETLAB" down "$LAB"

# Nothing of the stores outside the caches this test made, which it removes.
is "no file of the user or its range outside this test's directory" "" \
	"$(find /var /tmp /run /home /root -xdev \( -uid "$(id -u "$U")" -o -uid "$((SUB + 99))" \) \
		-not -path "$TMP/*" 2>/dev/null | head -3)"
is "root's store untouched" "$root_store_before" "$(ls -A /var/cache/netlab 2>/dev/null | md5sum)"
rm -rf "$TMP/cache" "$TMP/cache2" "$TMP/rootstore"
is "the caches made here are gone" "" "$(ls -d "$TMP"/cache* "$TMP/rootstore" 2>/dev/null)"
rootless_users_gone
host_unchanged
done_testing
