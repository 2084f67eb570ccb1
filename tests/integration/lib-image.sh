# SPDX-License-Identifier: MIT
# Test images for the rootfs/image tests, built here from busybox-static, without a registry or
# a container tool: a root file system directory, a tarball of it, an OCI layout of two layers
# (the second with a whiteout and an opaque directory, and a config with Env, WorkingDir,
# Entrypoint and Cmd), the same as an oci-archive and as a docker-archive, and as an OCI layout
# whose config has User bird (oci-user; oci-nowd: with a WorkingDir the image lacks). Built once
# and kept
# under $IMG_CACHE, keyed by the busybox binary and this file, so later runs only check them.

IMG_CACHE=${NETLAB_TEST_IMAGES:-/var/cache/netlab-test}

# sha256 hex of a file
_sha() { sha256sum "$1" | cut -d' ' -f1; }

_tar() { tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$2" .; }

# _blob FILE: moves FILE into the layout's blobs, prints its digest hex
_blob() {
	local h
	h=$(_sha "$1")
	mv "$1" "$3/blobs/sha256/$h"
	printf '%s' "$h"
}

# _variant NAME SED: $d/NAME, a copy of the OCI layout $oci whose config is the one kept
# ($w/config.keep) edited by SED (_build_images' locals: d, w, oci, cfg, man).
_variant() {
	local v=$d/$1 c m
	cp -a "$oci" "$v"
	sed "$2" "$w/config.keep" >"$w/cfg-$1.json"
	c=$(_blob "$w/cfg-$1.json" x "$v")
	sed "s/$cfg/$c/" "$v/blobs/sha256/$man" >"$w/man-$1.json"
	m=$(_blob "$w/man-$1.json" x "$v")
	sed -i "s/$man/$m/" "$v/index.json"
}

_build_images() {
	local d=$1 w=$1/work
	rm -rf "$d.new" && mkdir -p "$d.new" && d=$d.new && w=$d/work
	mkdir -p "$d/rootfs"/{bin,etc,proc,sys,dev,tmp,root,opt/a} "$w"
	cp /bin/busybox "$d/rootfs/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "$d/rootfs/bin/$a"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$d/rootfs/etc/passwd"
	echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>"$d/rootfs/etc/passwd"
	echo 'bird:x:101:102:bird:/home/bird:/bin/sh' >>"$d/rootfs/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\nbird:x:102:\nwheel:x:10:root,bird\n' >"$d/rootfs/etc/group"
	chmod 1777 "$d/rootfs/tmp"
	echo 'ID=netlab-busybox' >"$d/rootfs/etc/os-release"
	echo 'base' >"$d/rootfs/etc/motd"
	echo a >"$d/rootfs/opt/a/file"
	_tar "$d/rootfs" "$d/rootfs.tar"

	# Layer 2: /etc/os-release deleted, /etc/motd changed, /opt made opaque, /srv added.
	mkdir -p "$w/l2/etc" "$w/l2/opt/b" "$w/l2/srv"
	: >"$w/l2/etc/.wh.os-release"
	: >"$w/l2/opt/.wh..wh..opq"
	echo 'layer2' >"$w/l2/etc/motd"
	echo b >"$w/l2/opt/b/file"
	_tar "$w/l2" "$w/l2.tar"
	gzip -n -k "$w/l2.tar"

	local oci=$d/oci l1 l2 l2gz l1diff l2diff cfg man
	mkdir -p "$oci/blobs/sha256"
	echo '{"imageLayoutVersion":"1.0.0"}' >"$oci/oci-layout"
	l1diff=$(_sha "$d/rootfs.tar")
	l2diff=$(_sha "$w/l2.tar")
	cp "$d/rootfs.tar" "$w/l1.tar"
	l1=$(_blob "$w/l1.tar" x "$oci")
	l2=$(_blob "$w/l2.tar.gz" x "$oci")
	cat >"$w/config.json" <<-JSON
	{"architecture":"$(dpkg --print-architecture)","os":"linux",
	 "config":{"Env":["PATH=/bin","GREETING=hello from the image"],"WorkingDir":"/srv",
	  "Entrypoint":["/bin/sh","-c"],"Cmd":["echo \"main \$GREETING\" > /tmp/main.out; exec sleep 100000"]},
	 "rootfs":{"type":"layers","diff_ids":["sha256:$l1diff","sha256:$l2diff"]}}
	JSON
	cp "$w/config.json" "$w/config.keep"
	cfg=$(_blob "$w/config.json" x "$oci")
	cat >"$w/manifest.json" <<-JSON
	{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
	 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$cfg","size":$(stat -c %s "$oci/blobs/sha256/$cfg")},
	 "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:$l1","size":$(stat -c %s "$oci/blobs/sha256/$l1")},
	  {"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$l2","size":$(stat -c %s "$oci/blobs/sha256/$l2")}]}
	JSON
	man=$(_blob "$w/manifest.json" x "$oci")
	cat >"$oci/index.json" <<-JSON
	{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json",
	 "digest":"sha256:$man","size":$(stat -c %s "$oci/blobs/sha256/$man"),
	 "annotations":{"org.opencontainers.image.ref.name":"latest"}}]}
	JSON
	_tar "$oci" "$d/oci-archive.tar"

	# docker save's layout: manifest.json, the config, one directory per layer.
	local dk=$w/docker
	mkdir -p "$dk/l1" "$dk/l2"
	cp "$d/rootfs.tar" "$dk/l1/layer.tar"
	cp "$w/l2.tar" "$dk/l2/layer.tar"
	cp "$w/config.keep" "$dk/$cfg.json"
	echo "[{\"Config\":\"$cfg.json\",\"RepoTags\":[\"netlab/busybox:test\"],\"Layers\":[\"l1/layer.tar\",\"l2/layer.tar\"]}]" >"$dk/manifest.json"
	_tar "$dk" "$d/docker-archive.tar"

	# An image for another architecture, and a corrupt archive.
	_variant oci-other 's/"architecture":"[a-z0-9]*"/"architecture":"s390x"/'
	# The same image run as a user of its own (the config's User names an /etc/passwd entry).
	_variant oci-user 's/"WorkingDir"/"User":"bird","WorkingDir"/'
	# Run as bird in a WorkingDir the image lacks, below a directory it lacks too.
	_variant oci-nowd 's#"WorkingDir":"/srv"#"User":"bird","WorkingDir":"/home/bird/work"#'
	head -c 3000 "$d/rootfs.tar" >"$d/corrupt.tar"
	dd if=/dev/urandom bs=1k count=4 2>/dev/null >>"$d/corrupt.tar"

	rm -rf "$w"
	rm -rf "$1" && mv "$d" "$1"
}

# Sets IMG to the directory of the test images, building them if needed.
images_ready() {
	command -v busybox >/dev/null || [ -x /bin/busybox ] || return 1
	! ldd /bin/busybox >/dev/null 2>&1 || return 1 # static: it runs in any image
	local key
	key=$( (_sha /bin/busybox; _sha "$SRCDIR/tests/integration/lib-image.sh") | sha256sum | cut -c1-16)
	IMG=$IMG_CACHE/$key
	[ -f "$IMG/oci/index.json" ] && return 0
	mkdir -p "$IMG_CACHE" && _build_images "$IMG"
}

# A Debian image with BIRD 2 (issue 13's BIRD-from-image test), built by mmdebstrap from the
# Debian mirror, once: $IMG_CACHE/bird-KEY/rootfs.tar, keyed by the command line below. It
# carries a marker, /etc/netlab-image, so a test can tell the image's files from the host's.
BIRD_IMAGE_ARGS="--variant=apt --include=bird2,iproute2,iputils-ping --skip=output/dev bookworm"
# Sets BIRD_TAR, building it if needed; on failure, BIRD_WHY says why (the caller skips).
bird_image_ready() {
	local key d log
	command -v mmdebstrap >/dev/null || { BIRD_WHY="mmdebstrap not installed (scripts/install-deps)"; return 1; }
	key=$(printf '%s\n' "$BIRD_IMAGE_ARGS" "netlab-image=bird" | sha256sum | cut -c1-16)
	d=$IMG_CACHE/bird-$key
	BIRD_TAR=$d/rootfs.tar
	[ -s "$BIRD_TAR" ] && return 0
	mkdir -p "$IMG_CACHE" && rm -rf "$d.new" && mkdir -p "$d.new" || { BIRD_WHY="cannot make $d.new"; return 1; }
	log=$d.new/mmdebstrap.log
	# shellcheck disable=SC2086 # the arguments are words
	if ! mmdebstrap --quiet $BIRD_IMAGE_ARGS \
		--customize-hook='echo netlab-image=bird >"$1/etc/netlab-image"' \
		"$d.new/rootfs.tar" >"$log" 2>&1; then
		BIRD_WHY="mmdebstrap failed: $(tail -n 1 "$log")"
		rm -rf "$d.new"
		return 1
	fi
	rm -rf "$d" && mv "$d.new" "$d"
}
