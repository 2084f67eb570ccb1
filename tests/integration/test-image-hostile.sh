#!/bin/bash
# Hostile images (netlab image import): tar layers that aim out of the layer (../, absolute
# paths, symlinks and hard links out of the tree, whiteouts through them or naming '..'),
# devices, setuid files, overlay xattrs, long names, duplicates; OCI layouts, oci-archives and
# docker-archives with missing files, wrong digests, path-like digests, huge or deep JSON, wrong
# mediaTypes, other architectures, hostile configs; bad image names; a store tampered with
# after import. Root imports each into a private store; every refusal must name the image and
# the fault, exit 1 (2 for a bad name), leave no record and no partial layer, and nothing
# outside the store may be read, written or deleted. Then an unprivileged user imports the
# worst of them into its own store (unpacked in its user namespace). The archives are built by
# hostile-images.py.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-rootless.sh"
require_root
command -v python3 >/dev/null || skip_all "python3 not installed"
command -v timeout >/dev/null || skip_all "timeout (coreutils) not installed"
command -v setpriv >/dev/null || skip_all "setpriv (util-linux) not installed"

case $(uname -m) in
x86_64) ARCH=amd64 ;; aarch64) ARCH=arm64 ;; *) ARCH=$(uname -m) ;;
esac
V=$TMP/victim
A=$TMP/att
export NETLAB_IMAGE_DIR=$TMP/store
mkdir -p "$V/dir" "$A"
echo canary >"$V/canary"
echo inner >"$V/dir/inner"
python3 "$SRCDIR/tests/integration/hostile-images.py" "$A" "$V" "$ARCH" ||
	skip_all "cannot build the hostile images (python3 tarfile)"
# /etc/shadow's hash, and the victim directory's names, types, modes, sizes, contents, xattrs.
outside() {
	python3 - "$V" <<-'PY'
	import os, sys
	for root, dirs, files in sorted(os.walk(sys.argv[1])):
	    for n in sorted(dirs + files):
	        p = os.path.join(root, n); st = os.lstat(p)
	        xa = sorted(os.listxattr(p, follow_symlinks=False))
	        body = open(p, "rb").read() if os.path.isfile(p) else b""
	        print(p, oct(st.st_mode), st.st_nlink, body, xa)
	PY
	sha256sum /etc/shadow /etc/passwd
}
outside >"$TMP/outside.before"
snapshot before
# Who imports (section 7 makes it a user), into which store.
NL=("$NETLAB")
STORE=$NETLAB_IMAGE_DIR
# The store's shape: records, layers, temporaries (a refused import must not change it).
store() { ls -A "$STORE/images" "$STORE/layers" 2>/dev/null; }
# Section 7 needs what lib-rootless.sh needs; without it, it is skipped alone.
rootless_ok=true
for c in useradd userdel usermod runuser unshare newuidmap newgidmap; do
	command -v $c >/dev/null || rootless_ok=false
done
[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] || rootless_ok=false
! $rootless_ok || rootless_begin
sanitizer='AddressSanitizer|LeakSanitizer|runtime error:|Segmentation|core dumped'

# refused WHAT REF PATTERN [NAME [STATUS]]: import fails with STATUS (1), saying "image 'REF'"
# and PATTERN (grep -E, case-insensitive), within 30 s; the store and the outside unchanged.
refused() {
	local what=$1 ref=$2 pat=$3 name=${4-x} want=${5:-1} out rc bad=
	local before
	before=$(store)
	out=$(timeout 30 "${NL[@]}" image import "$ref" "$name" 2>&1)
	rc=$?
	[ "$rc" = "$want" ] || bad+=" exit $rc, not $want;"
	[ "$want" = 2 ] || printf '%s' "$out" | grep -qF "image '$ref'" || bad+=" the image is not named;"
	printf '%s' "$out" | grep -qiE -- "$pat" || bad+=" no /$pat/ in the message;"
	! printf '%s' "$out" | grep -qE "$sanitizer" || bad+=" a crash or sanitizer report;"
	[ "$(store)" = "$before" ] || bad+=" the store changed: $(diff <(echo "$before") <(store) | xargs);"
	outside | cmp -s - "$TMP/outside.before" || bad+=" something outside the store changed;"
	_n=$((_n + 1))
	if [ -z "$bad" ]; then
		echo "ok $_n - $what: refused ($(printf '%s' "$out" | head -1 | cut -c1-160))"
	else
		echo "not ok $_n - $what:$bad"
		printf '%s\n' "$out" | head -5 | sed 's/^/#   /'
		outside | diff "$TMP/outside.before" - | head -5 | sed 's/^/#   /'
		_failed=$((_failed + 1))
	fi
}
# accepted WHAT REF NAME: import succeeds; the outside unchanged.
accepted() {
	local out rc bad=
	out=$(timeout 30 "${NL[@]}" image import "$2" "$3" 2>&1)
	rc=$?
	[ "$rc" = 0 ] || bad+=" exit $rc;"
	! printf '%s' "$out" | grep -qE "$sanitizer" || bad+=" a crash or sanitizer report;"
	outside | cmp -s - "$TMP/outside.before" || bad+=" something outside the store changed;"
	_n=$((_n + 1))
	if [ -z "$bad" ]; then
		echo "ok $_n - $1: imported"
	else
		echo "not ok $_n - $1:$bad"
		printf '%s\n' "$out" | head -5 | sed 's/^/#   /'
		_failed=$((_failed + 1))
	fi
}
# The directory of the only layer of image $1.
layer_of() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1])' \
		"$NETLAB_IMAGE_DIR/images/$1.json" | sed "s|^|$NETLAB_IMAGE_DIR/layers/|"
}
plan 130
"$NETLAB" image ls >/dev/null # makes the store

# 1. Tar layers (root file system tarballs: one layer each).
t() { refused "layer: $1" "$A/t-$1.tar" "$2"; }
t dotdot "'\.\./\.\./\.\./victim/dotdot'.*\.\."
t abs "'$V/abs'.*absolute"
t symlink-abs "'esc/through'.*symlink"
t symlink-rel "'esc/through'.*symlink"
t hardlink-shadow "'etc/shadow'.*absolute"
t hardlink-abs "'etc/hl'.*absolute"
t hardlink-rel "'etc/hl'.*\.\."
t hardlink-via-symlink "'etc/hl'.*symlink"
t longname "too long"
t longpath "name too long"
t longwhiteout "too long"
t dup-dir-symlink "'d/dup'.*symlink"
t wh-dotdot "whiteout '\.\./\.\./\.\./victim/\.wh\.canary'.*out of the layer"
t wh-abs "whiteout '$V/\.wh\.canary'.*out of the layer"
t wh-opq-dotdot "whiteout .*out of the layer"
t wh-name-dotdot "whiteout 'etc/\.wh\.\.\.'.*names no file"
t wh-name-dot "whiteout 'etc/\.wh\.\.'.*names no file"
t wh-name-empty "whiteout 'etc/\.wh\.'.*names no file"
t wh-symlink "whiteout 'lnk/\.wh\.canary'.*symbolic link"
t wh-symlink-rel "whiteout 'lnk/\.wh\.canary'.*symbolic link"
t wh-opq-symlink "whiteout 'lnk/\.wh\.\.wh\.\.opq'.*symbolic link"
t wh-deep-symlink "whiteout 'lnk/sub/\.wh\.x'.*symbolic link"

accepted "layer: a symlink replaced by a file of the same name" "$A/t-symlink-final.tar" final
L=$(layer_of final)
is "the file is in the layer, the symlink gone" "r pwned" \
	"$(stat -c %F "$L/etc/shadowed" | cut -c1) $(cat "$L/etc/shadowed")"
accepted "layer: devices" "$A/t-devices.tar" devices
is "no device node is stored (a node's /dev is its own)" "" \
	"$(find "$(layer_of devices)" \( -type b -o -type c \) -printf '%P ')"
accepted "layer: setuid and setgid files" "$A/t-setuid.tar" setuid
is "they keep their bits (an image's su works in its nodes)" "4755 2755" \
	"$(stat -c %a "$(layer_of setuid)/bin/suid" "$(layer_of setuid)/bin/sgid" | xargs)"
is "but the store's layers are root's alone: no other user reaches them" "700" \
	"$(stat -c %a "$NETLAB_IMAGE_DIR/layers")"
ok "nobody cannot run the setuid file" sh -c "! setpriv --reuid=65534 --regid=65534 --clear-groups \
	test -x '$(layer_of setuid)/bin/suid'"
accepted "layer: the same file twice" "$A/t-dup-file.tar" dup
is "the last one wins" "two" "$(cat "$(layer_of dup)/etc/twice")"
accepted "layer: overlay xattrs of its own" "$A/t-overlay-xattr.tar" xattr
is "trusted.overlay.* and user.overlay.* dropped, the rest kept" "['user.keep']" \
	"$(python3 -c 'import os,sys; print(sorted(os.listxattr(sys.argv[1])))' "$(layer_of xattr)/etc/redir")"
accepted "layer: whiteouts inside the layer" "$A/good-layer.tar" good
L=$(layer_of good)
is "whiteout devices and opaque directories made there" "0,0 0,0 y" \
	"$(stat -c '%t,%T' "$L/etc/gone" "$L/deep/er/x" | xargs) $(getfattr --only-values -n trusted.overlay.opaque "$L/opt" 2>/dev/null ||
		python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "trusted.overlay.opaque").decode())' "$L/opt")"

# 2. OCI layouts.
o() { refused "OCI: $1" "oci:$A/o-$1" "$2"; }
accepted "OCI: a good layout" "oci:$A/o-good" ogood
o no-index "index\.json.*(no such file|missing)"
o no-manifest "manifest.*(no such file|missing)"
o no-config "config.*(no such file|missing)"
o no-layer "layer.*(no such file|missing)"
o bad-manifest-digest "manifest.*sha256 is [0-9a-f]{64}, not"
o bad-config-digest "config.*sha256 is [0-9a-f]{64}, not"
o bad-layer-digest "sha256 is [0-9a-f]{64}, the manifest says"
o digest-dotdot "malformed digest 'sha256:\.\./"
o digest-slash "malformed digest"
o digest-algo "unsupported or malformed digest 'md5:"
o huge-index "index\.json.*larger than"
o deep-index "index\.json.*depth"
o dup-keys "index\.json.*duplicate"
o index-not-object "index\.json.*(not a JSON object|'\[' or '\{' expected)"
o index-dir "index\.json.*not a regular file"
o index-fifo "index\.json.*not a regular file"
o manifest-symlink "manifest.*(outside|symbolic link)"
o layer-symlink "layer.*(outside|symbolic link)"
o blobs-symlink "(outside|symbolic link)"
o manifest-mediatype "mediaType 'application/vnd\.oci\.image\.config\.v1\+json'.*not an image manifest"
o config-mediatype "config.*mediaType 'application/vnd\.cncf\.helm\.config\.v1\+json'"
o layer-mediatype "layer.*mediaType 'application/vnd\.cncf\.helm\.chart\.content"
o no-layers "no layers"
o too-many-layers "200 layers.*at most 128"
o other-arch "the image is for s390x, this machine runs $ARCH"
o other-os "the image is for windows/"
o index-other-arch "no manifest for linux/$ARCH.*linux/s390x"
o user-number "User is not a string"
o user-long "User is longer than"
o user-newline "User has a control character"
o workdir-long "WorkingDir is longer than"
o workdir-newline "WorkingDir has a control character"
o workdir-relative "WorkingDir '\.\./\.\./etc' is not an absolute path"
o env-nonstring "Env\[1\] is not a string"
o env-noequals "Env\[0\] 'JUSTAKEY' is not KEY=VALUE"
o env-newline "Env\[0\] has a control character"
o env-many "Env has 5000 entries, at most"
o env-huge "Env\[0\] is longer than"
o entrypoint-nonstring "Entrypoint\[1\] is not a string"
o entrypoint-string "Entrypoint is not an array"
o cmd-huge "Cmd\[0\] is longer than"
o config-nul "config.*\\\\u0000"
o config-not-object "config.*not a JSON object"

# 3. oci-archive and docker-archive.
accepted "oci-archive: a good one" "oci-archive:$A/oa-good.tar" oagood
refused "oci-archive: a blob that is a symlink to /etc/shadow" "oci-archive:$A/oa-blob-symlink.tar" \
	"manifest.*(outside|symbolic link)"
refused "oci-archive: a blob hard-linked to /etc/shadow" "oci-archive:$A/oa-blob-hardlink.tar" \
	"corrupt archive.*absolute"
refused "oci-archive: a ../ entry" "oci-archive:$A/oa-dotdot.tar" "corrupt archive.*\.\."
refused "oci-archive: a device" "oci-archive:$A/oa-device.tar" "corrupt archive.*'dev-sda'.*device"
d() { refused "docker-archive: $1" "docker-archive:$A/d-$1.tar" "$2"; }
accepted "docker-archive: a good one" "docker-archive:$A/d-good.tar" dgood
d config-dotdot "config.*(outside|\.\.)"
d config-abs "config.*(outside|absolute)"
d layer-abs "layer.*(outside|absolute)"
d layer-dotdot "layer.*(outside|\.\.)"
d layer-symlink "layer.*(outside|symbolic link)"
d config-symlink "config.*(outside|symbolic link)"
d layer-nonstring "Layers\[0\] is not a string"
d layers-not-array "lists no layers"
d two-images "holds 2 images, not one"
d not-array "manifest\.json.*not a JSON array"
d config-digest "config.*sha256 is [0-9a-f]{64}, not"
d config-hostile "Env\[0\] is not a string"
d blob-layer-digest "sha256 is [0-9a-f]{64}, the manifest says b{64}"
d diff-id "layer: its uncompressed sha256 is [0-9a-f]{64}, the config's rootfs\.diff_ids says"
d diff-id-gz "layer: its uncompressed sha256 is [0-9a-f]{64}, the config's rootfs\.diff_ids says"
d no-diff-ids "rootfs\.diff_ids lists 0 layers, manifest\.json 1"
accepted "docker-archive: a gzipped layer.tar, the diff_id its tar's" "docker-archive:$A/d-good-gz.tar" dgoodgz

# 4. Image names.
for n in a/b .. "" .hidden "$(printf 'x%.0s' $(seq 1 300))" "a b" "$(printf 'a\nb')"; do
	# %q: a name with a newline must not break the TAP line.
	refused "import under the name $(printf '%q' "${n:0:20}")" "$A/good-layer.tar" "not a valid image name" "$n" 2
done
out=$("$NETLAB" image import "$A/good-layer.tar" "$(printf 'a\nb\001')" 2>&1)
is "the name is quoted escaped, on one line" "1 netlab: 'a\\nb\\x01' is not a valid image name" \
	"$(printf '%s\n' "$out" | wc -l) $(printf '%s' "$out" | sed 's/ (.*//')"
# Two references alike for their first 200 bytes (the name's limit) get names of their own.
long=$TMP/$(printf 'L%.0s' $(seq 1 220))
mkdir "$long" && cp "$A/good-layer.tar" "$long/a.tar" && cp "$A/good-layer.tar" "$long/b.tar"
na=$("$NETLAB" image import "$long/a.tar" | sed -n "s/.* as '\(.*\)'\$/\1/p")
nb=$("$NETLAB" image import "$long/b.tar" | sed -n "s/.* as '\(.*\)'\$/\1/p")
is "two long references alike for 200 bytes: two names of 200, both stored" "2 200 200 2" \
	"$(printf '%s\n%s\n' "$na" "$nb" | sort -u | wc -l) ${#na} ${#nb} $("$NETLAB" image ls | awk 'NR > 1 {print $1}' | grep -cxF -e "$na" -e "$nb")"
"$NETLAB" image rm "$na" && "$NETLAB" image rm "$nb"
out=$("$NETLAB" image rm ../images/good 2>&1)
is "rm of an invalid name: 2, said" "2 yes" "$? $(printf '%s' "$out" | grep -q 'not a valid image name' && echo yes)"
"$NETLAB" image rm nosuch >/dev/null 2>&1
is "rm of a name not in the store: 1" 1 $?

# 5. The store tampered with after import: a node's image is checked before it is used.
cat >"$TMP/lab.conf" <<CONF
node n image=tampered
CONF
LAB=t-ih-$$
track_lab "$LAB"
up_refused() {
	local out rc
	out=$("$NETLAB" up -l "$LAB" "$TMP/lab.conf" 2>&1)
	rc=$?
	is "$1: up refuses it, naming the image" "1 yes" \
		"$rc $(printf '%s' "$out" | grep -qE "image 'tampered'.*$2" && echo yes || echo "no: $out")"
}
"$NETLAB" image import "oci:$A/o-good" tampered >/dev/null 2>&1
L=$(layer_of tampered)
mv "$L" "$L.real" && ln -s "$V" "$L"
up_refused "a layer replaced by a symlink" "layer .* is not a directory"
rm "$L" && mv "$L.real" "$L"
R=$NETLAB_IMAGE_DIR/images/tampered.json
cp "$R" "$TMP/record"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["layers"]=["../../victim"]; json.dump(r, open(sys.argv[1],"w"))' "$R"
up_refused "a record whose layer is a path" "damaged record.*layer"
ln -sf /etc/shadow "$R"
up_refused "a record replaced by a symlink to /etc/shadow" "damaged record.*not a regular file"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); r["env"]=["A=1\nuser 0"]; json.dump(r, open(sys.argv[2],"w"))' "$TMP/record" "$TMP/record2"
rm "$R" && cp "$TMP/record2" "$R"
up_refused "a record with a hostile Env" "damaged record.*Env\[0\] has a control character"
ok "image ls lists the rest and says nothing of the outside" sh -c "'$NETLAB' image ls 2>&1 | grep -q ogood"

# 6. Left over: no temporary in the store, nothing outside.
is "no temporary directory left in the store" "" "$(ls -A "$NETLAB_IMAGE_DIR/layers" | grep '^\.' | xargs)"
ok "prune removes the layers no image uses" sh -c "'$NETLAB' image prune >/dev/null"
is "nothing outside the store changed" "" "$(outside | diff "$TMP/outside.before" -)"

# 7. A user's store: the worst archives again, unpacked in the user's own user namespace (its
# range mapped), where the user's rights, not root's, stand behind libarchive's checks.
if $rootless_ok; then
	U=nlih-$$
	rootless_user_add "$U" 1200000000
	# Adding the user changed /etc/shadow and /etc/passwd: the victim is checked above.
	outside >"$TMP/outside.before"
	USUB=$(awk -F: -v u="$U" '$1 == u {print $2}' /etc/subuid)
	rootless_bin
	mkdir -m 700 "$TMP/ucache" && chown "$U:" "$TMP/ucache"
	NL=(runuser -u "$U" -- env -u NETLAB_IMAGE_DIR -u NETLAB_RUN_DIR
		XDG_CACHE_HOME="$TMP/ucache" "$TMP/bin/netlab")
	STORE=$TMP/ucache/netlab
	"${NL[@]}" image ls >/dev/null
	refused "as a user: a whiteout through a symlink to the victim" "$A/t-wh-symlink.tar" \
		"whiteout 'lnk/\.wh\.canary'.*symbolic link"
	refused "as a user: a hard link to /etc/shadow" "$A/t-hardlink-shadow.tar" "'etc/shadow'.*absolute"
	refused "as a user: an oci-archive blob that is a symlink to /etc/shadow" \
		"oci-archive:$A/oa-blob-symlink.tar" "manifest.*(outside|symbolic link)"
	accepted "as a user: whiteouts inside the layer" "$A/good-layer.tar" ugood
	L=$STORE/layers/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][-1])' \
		"$STORE/images/ugood.json")
	is "its opaque directory has user.overlay.opaque, its layer a stamp of the user's mapping" \
		"y|2 uid $(id -u "$U")+$USUB/" \
		"$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.overlay.opaque").decode())' "$L/opt")|$(cut -d/ -f1 "$L.idmap")/"
	is "no temporary left in the user's store" "" "$(ls -A "$STORE/layers" | grep '^\.' | xargs)"
	is "no file of the user or its range outside its store" "" \
		"$(find /tmp /var /run /home /root -xdev \( -uid "$(id -u "$U")" -o \( -uid +$((USUB - 1)) \
			-uid -$((USUB + 65536)) \) \) -not -path "$TMP/ucache" -not -path "$TMP/ucache/*" \
			2>/dev/null | head -3)"
	NL=("$NETLAB")
	STORE=$NETLAB_IMAGE_DIR
	rootless_users_gone
else
	for i in $(seq 7); do
		_n=$((_n + 1))
		echo "ok $_n # SKIP no user namespaces or rootless tools (see lib-rootless.sh)"
	done
fi
host_unchanged
done_testing
