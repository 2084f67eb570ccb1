#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Builds the hostile images of test-image-hostile.sh: python3 hostile-images.py OUT VICTIM ARCH

OUT gets one file or directory per attack (t-*.tar: root file system tarballs; o-*: OCI
layouts; oa-*.tar: oci-archives; d-*.tar: docker-archives) and `good-layer.tar`. VICTIM is the
directory the attacks aim at (its files must survive); the store is VICTIM/../store, so that a
layer being unpacked in STORE/layers/.tmp-X reaches VICTIM as ../../../victim."""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

OUT, VICTIM, ARCH = sys.argv[1], sys.argv[2], sys.argv[3]
UP = "../../../" + os.path.basename(VICTIM)  # VICTIM, relative to a layer being unpacked


def ti(name, kind=tarfile.REGTYPE, data=b"", **kw):
    t = tarfile.TarInfo(name)
    t.type = kind
    t.size = len(data)
    t.mode = kw.pop("mode", 0o755 if kind == tarfile.DIRTYPE else 0o644)
    for k, v in kw.items():
        setattr(t, k, v)
    return t, data


def tar_bytes(entries, fmt=tarfile.PAX_FORMAT):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", format=fmt) as tf:
        for t, data in entries:
            tf.addfile(t, io.BytesIO(data) if data else None)
    return b.getvalue()


def write(path, data):
    with open(os.path.join(OUT, path), "wb") as f:
        f.write(data)


def layer(name, *entries):
    write(name + ".tar", tar_bytes([ti("etc", tarfile.DIRTYPE), ti("etc/ok", data=b"ok\n")] +
                                   list(entries)))


def link_with_data(name, target, data):
    """A hard link that carries data (pax allows it): a naive extractor writes through it."""
    t, _ = ti(name, tarfile.LNKTYPE, linkname=target)
    t.size = len(data)
    return t, data


# ---- tar layers ------------------------------------------------------------------------------
V = VICTIM
layer("t-dotdot", ti(UP + "/dotdot", data=b"x"))
layer("t-abs", ti(V + "/abs", data=b"x"))
layer("t-symlink-abs", ti("esc", tarfile.SYMTYPE, linkname=V), ti("esc/through", data=b"x"))
layer("t-symlink-rel", ti("esc", tarfile.SYMTYPE, linkname=UP), ti("esc/through", data=b"x"))
layer("t-symlink-final", ti("etc/shadowed", tarfile.SYMTYPE, linkname=V + "/canary"),
      ti("etc/shadowed", data=b"pwned\n"))
layer("t-hardlink-shadow", ti("etc/shadow", tarfile.LNKTYPE, linkname="/etc/shadow"))
layer("t-hardlink-abs", link_with_data("etc/hl", V + "/canary", b"pwned\n"))
layer("t-hardlink-rel", link_with_data("etc/hl", UP + "/canary", b"pwned\n"))
layer("t-hardlink-via-symlink", ti("esc", tarfile.SYMTYPE, linkname=V),
      link_with_data("etc/hl", "esc/canary", b"pwned\n"))
layer("t-devices", ti("dev", tarfile.DIRTYPE),
      ti("dev/sda", tarfile.BLKTYPE, devmajor=8, devminor=0, mode=0o666),
      ti("dev/mem", tarfile.CHRTYPE, devmajor=1, devminor=1, mode=0o666),
      ti("dev/wh", tarfile.CHRTYPE, devmajor=0, devminor=0))
layer("t-setuid", ti("bin", tarfile.DIRTYPE), ti("bin/suid", data=b"#!/bin/sh\nid\n", mode=0o4755),
      ti("bin/sgid", data=b"#!/bin/sh\nid\n", mode=0o2755))
layer("t-longname", ti("a" * 300, data=b"x"))
layer("t-longpath", ti("/".join(["d" * 200] * 30) + "/f", data=b"x"))
layer("t-longwhiteout", ti("etc/.wh." + "w" * 300))
layer("t-dup-dir-symlink", ti("d", tarfile.DIRTYPE), ti("d", tarfile.SYMTYPE, linkname=V),
      ti("d/dup", data=b"x"))
layer("t-dup-file", ti("etc/twice", data=b"one\n"), ti("etc/twice", data=b"two\n"))
layer("t-wh-dotdot", ti(UP + "/.wh.canary"))
layer("t-wh-abs", ti(V + "/.wh.canary"))
layer("t-wh-opq-dotdot", ti(UP + "/.wh..wh..opq"))
layer("t-wh-name-dotdot", ti("etc/.wh..."))
layer("t-wh-name-dot", ti("etc/.wh.."))
layer("t-wh-name-empty", ti("etc/.wh."))
layer("t-wh-symlink", ti("lnk", tarfile.SYMTYPE, linkname=V), ti("lnk/.wh.canary"))
layer("t-wh-symlink-rel", ti("lnk", tarfile.SYMTYPE, linkname=UP), ti("lnk/.wh.canary"))
layer("t-wh-opq-symlink", ti("lnk", tarfile.SYMTYPE, linkname=V), ti("lnk/.wh..wh..opq"))
layer("t-wh-deep-symlink", ti("lnk", tarfile.SYMTYPE, linkname=V), ti("lnk/sub/.wh.x"))
t, _ = ti("etc/redir", tarfile.DIRTYPE)
t.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/",
                 "SCHILY.xattr.user.overlay.opaque": "y", "SCHILY.xattr.user.keep": "1"}
layer("t-overlay-xattr", (t, b""))
# A good layer: whiteouts that stay inside it.
layer("good-layer", ti("etc/.wh.gone"), ti("opt", tarfile.DIRTYPE), ti("opt/.wh..wh..opq"),
      ti("deep/er/.wh.x"))


# ---- OCI layouts -----------------------------------------------------------------------------
def blob(d, data):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(d, "blobs", "sha256", h), "wb") as f:
        f.write(data)
    return "sha256:" + h


def config(**over):
    c = {"architecture": ARCH, "os": "linux",
         "config": {"Env": ["PATH=/bin"], "WorkingDir": "/", "Cmd": ["/bin/sh"]},
         "rootfs": {"type": "layers", "diff_ids": []}}
    c["config"].update(over.pop("cfg", {}))
    c.update(over)
    return c


def oci(name, cfg=None, layers=None, man_over=None, idx_over=None, raw_cfg=None,
        raw_man=None, raw_index=None, layer_mt="application/vnd.oci.image.layer.v1.tar",
        post=None, cfg_mt="application/vnd.oci.image.config.v1+json"):
    d = os.path.join(OUT, name)
    os.makedirs(os.path.join(d, "blobs", "sha256"))
    with open(os.path.join(d, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    layers = layers if layers is not None else [tar_bytes([ti("etc", tarfile.DIRTYPE),
                                                           ti("etc/ok", data=b"ok\n")])]
    ldesc = [{"mediaType": layer_mt, "digest": blob(d, l), "size": len(l)} for l in layers]
    c = raw_cfg if raw_cfg is not None else json.dumps(cfg or config()).encode()
    cdesc = {"mediaType": cfg_mt, "digest": blob(d, c),
             "size": len(c)}
    m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
         "config": cdesc, "layers": ldesc}
    m.update(man_over or {})
    mb = raw_man if raw_man is not None else json.dumps(m).encode()
    idx = {"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": blob(d, mb),
        "size": len(mb), "annotations": {"org.opencontainers.image.ref.name": "latest"}}]}
    if idx_over:
        idx["manifests"][0].update(idx_over)
    with open(os.path.join(d, "index.json"), "wb") as f:
        f.write(raw_index if raw_index is not None else json.dumps(idx).encode())
    if post:
        post(d, m, idx)
    return d


def digest_of(d, m, which):
    return (m["config"] if which == "config" else m["layers"][0])["digest"][7:]


def swap(path, data):
    os.unlink(path)
    with open(path, "wb") as f:
        f.write(data)


def manifest_hex(d):
    with open(os.path.join(d, "index.json")) as f:
        return json.load(f)["manifests"][0]["digest"][7:]


B = lambda d, h: os.path.join(d, "blobs", "sha256", h)
oci("o-good")
oci("o-no-index", post=lambda d, m, i: os.unlink(os.path.join(d, "index.json")))
oci("o-no-manifest", post=lambda d, m, i: os.unlink(B(d, manifest_hex(d))))
oci("o-no-config", post=lambda d, m, i: os.unlink(B(d, digest_of(d, m, "config"))))
oci("o-no-layer", post=lambda d, m, i: os.unlink(B(d, digest_of(d, m, "layer"))))
oci("o-bad-manifest-digest", post=lambda d, m, i: swap(
    B(d, manifest_hex(d)), json.dumps(dict(m, layers=m["layers"] * 2)).encode()))
oci("o-bad-config-digest", post=lambda d, m, i: swap(
    B(d, digest_of(d, m, "config")), json.dumps(config(cfg={"User": "0"})).encode()))
oci("o-bad-layer-digest", layers=[tar_bytes([ti("only-here", data=b"x")])], post=lambda d, m, i: swap(
    B(d, digest_of(d, m, "layer")), tar_bytes([ti("evil", data=b"x")])))
oci("o-digest-dotdot", raw_index=json.dumps({"manifests": [{
    "digest": "sha256:../../../../../../etc/passwd"}]}).encode())
oci("o-digest-slash", raw_index=json.dumps({"manifests": [{
    "digest": "sha256:" + "a" * 30 + "/" + "b" * 33}]}).encode())
oci("o-digest-algo", raw_index=json.dumps({"manifests": [{"digest": "md5:" + "a" * 32}]}).encode())
oci("o-huge-index", raw_index=b'{"manifests":[],"pad":"' + b"x" * (40 << 20) + b'"}')
oci("o-deep-index", raw_index=b"[" * 200000 + b"]" * 200000)
oci("o-dup-keys", raw_index=b'{"manifests":[],"manifests":[]}')
oci("o-index-not-object", raw_index=b'"just a string"')
oci("o-index-dir", post=lambda d, m, i: (os.unlink(os.path.join(d, "index.json")),
                                         os.mkdir(os.path.join(d, "index.json"))))
oci("o-index-fifo", post=lambda d, m, i: (os.unlink(os.path.join(d, "index.json")),
                                          os.mkfifo(os.path.join(d, "index.json"))))
oci("o-manifest-symlink", post=lambda d, m, i: (os.unlink(B(d, manifest_hex(d))),
                                                os.symlink("/etc/shadow", B(d, manifest_hex(d)))))
oci("o-layer-symlink", post=lambda d, m, i: (os.unlink(B(d, digest_of(d, m, "layer"))),
                                             os.symlink("/etc/shadow",
                                                        B(d, digest_of(d, m, "layer")))))
oci("o-blobs-symlink", post=lambda d, m, i: (os.rename(os.path.join(d, "blobs"),
                                                       os.path.join(OUT, "o-blobs-moved")),
                                             os.symlink(os.path.join(OUT, "o-blobs-moved"),
                                                        os.path.join(d, "blobs"))))
oci("o-manifest-mediatype", man_over={"mediaType": "application/vnd.oci.image.config.v1+json"})
oci("o-config-mediatype", cfg_mt="application/vnd.cncf.helm.config.v1+json")
oci("o-layer-mediatype", layer_mt="application/vnd.cncf.helm.chart.content.v1.tar+gzip")
oci("o-no-layers", layers=[])
oci("o-too-many-layers", layers=[tar_bytes([ti("f%d" % k, data=b"x")]) for k in range(200)])
oci("o-other-arch", cfg=config(architecture="s390x"))
oci("o-other-os", cfg=config(os="windows"))
oci("o-user-number", cfg=config(cfg={"User": 0}))
oci("o-user-long", cfg=config(cfg={"User": "u" * 100000}))
oci("o-user-newline", cfg=config(cfg={"User": "root\nenv LD_PRELOAD=/x"}))
oci("o-workdir-long", cfg=config(cfg={"WorkingDir": "/" + "w" * (1 << 20)}))
oci("o-workdir-newline", cfg=config(cfg={"WorkingDir": "/\nuser root"}))
oci("o-workdir-relative", cfg=config(cfg={"WorkingDir": "../../etc"}))
oci("o-env-nonstring", cfg=config(cfg={"Env": ["A=1", 7, {"x": 1}]}))
oci("o-env-noequals", cfg=config(cfg={"Env": ["JUSTAKEY"]}))
oci("o-env-newline", cfg=config(cfg={"Env": ["A=1\ncwd /etc"]}))
oci("o-env-many", cfg=config(cfg={"Env": ["V%d=x" % k for k in range(5000)]}))
oci("o-env-huge", cfg=config(cfg={"Env": ["BIG=" + "x" * (1 << 20)]}))
oci("o-entrypoint-nonstring", cfg=config(cfg={"Entrypoint": ["/bin/sh", None, 3]}))
oci("o-entrypoint-string", cfg=config(cfg={"Entrypoint": "/bin/sh -c evil"}))
oci("o-cmd-huge", cfg=config(cfg={"Cmd": ["x" * 200000]}))
oci("o-config-nul", raw_cfg=b'{"architecture":"' + ARCH.encode() +
    b'","os":"linux","config":{"User":"ro\\u0000ot"}}')
oci("o-config-not-object", raw_cfg=b'[1,2,3]')
# An index whose only manifest is for another architecture.
oci("o-index-other-arch", post=lambda d, m, i: (lambda ib: (
    open(os.path.join(d, "index.json"), "wb").write(json.dumps({"manifests": [{
        "mediaType": "application/vnd.oci.image.index.v1+json", "digest": blob(d, ib),
        "size": len(ib)}]}).encode())))(json.dumps({
            "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": [
                dict(i["manifests"][0], platform={"os": "linux", "architecture": "s390x"})]
        }).encode()))


# ---- oci-archive, docker-archive -------------------------------------------------------------
def tar_of_dir(d, extra=()):
    entries = []
    for root, dirs, files in os.walk(d):
        dirs.sort()
        for n in sorted(dirs + files):
            p = os.path.join(root, n)
            rel = os.path.relpath(p, d)
            if os.path.isdir(p):
                entries.append(ti(rel, tarfile.DIRTYPE))
            else:
                with open(p, "rb") as f:
                    entries.append(ti(rel, data=f.read()))
    return tar_bytes(entries + list(extra))


good = os.path.join(OUT, "o-good")
mhex = manifest_hex(good)
write("oa-good.tar", tar_of_dir(good))
write("oa-blob-symlink.tar", tar_bytes(
    [e for e in [ti(x[0], tarfile.DIRTYPE) for x in [("blobs",), ("blobs/sha256",)]]] +
    [ti("index.json", data=open(os.path.join(good, "index.json"), "rb").read()),
     ti("blobs/sha256/" + mhex, tarfile.SYMTYPE, linkname="/etc/shadow")]))
write("oa-blob-hardlink.tar", tar_bytes(
    [ti("blobs", tarfile.DIRTYPE), ti("blobs/sha256", tarfile.DIRTYPE),
     ti("index.json", data=open(os.path.join(good, "index.json"), "rb").read()),
     ti("blobs/sha256/" + mhex, tarfile.LNKTYPE, linkname="/etc/shadow")]))
write("oa-dotdot.tar", tar_bytes([ti("../../../" + os.path.basename(VICTIM) + "/oa", data=b"x")]))
write("oa-device.tar", tar_of_dir(good, [ti("dev-sda", tarfile.BLKTYPE, devmajor=8, devminor=0)]))

layer_tar = tar_bytes([ti("etc", tarfile.DIRTYPE), ti("etc/ok", data=b"ok\n")])
layer_diff = "sha256:" + hashlib.sha256(layer_tar).hexdigest()
cfg_bytes = json.dumps(config(rootfs={"type": "layers", "diff_ids": [layer_diff]})).encode()
cfg_hex = hashlib.sha256(cfg_bytes).hexdigest()


def docker(name, manifest, files=None, extra=()):
    files = files if files is not None else {cfg_hex + ".json": cfg_bytes, "l1/layer.tar": layer_tar}
    ents = [ti("l1", tarfile.DIRTYPE)] + [ti(k, data=v) for k, v in files.items()]
    ents.append(ti("manifest.json", data=manifest if isinstance(manifest, bytes)
                   else json.dumps(manifest).encode()))
    write(name + ".tar", tar_bytes(ents + list(extra)))


M = lambda **o: [dict({"Config": cfg_hex + ".json", "RepoTags": ["x:y"],
                       "Layers": ["l1/layer.tar"]}, **o)]
docker("d-good", M())
docker("d-config-dotdot", M(Config="../../../" + os.path.basename(VICTIM) + "/canary"))
docker("d-config-abs", M(Config="/etc/shadow"))
docker("d-layer-abs", M(Layers=["/etc/shadow"]))
docker("d-layer-dotdot", M(Layers=["l1/../../../../etc/passwd"]))
docker("d-layer-symlink", M(Layers=["l1/evil.tar"]),
       extra=[ti("l1/evil.tar", tarfile.SYMTYPE, linkname="/etc/passwd")])
docker("d-config-symlink", M(Config="cfg.json"),
       extra=[ti("cfg.json", tarfile.SYMTYPE, linkname="/etc/shadow")])
docker("d-layer-nonstring", M(Layers=[1]))
docker("d-layers-not-array", M(Layers="l1/layer.tar"))
docker("d-two-images", M() * 2)
docker("d-not-array", b'{"Config":"x"}')
docker("d-config-digest", M(), files={cfg_hex + ".json": json.dumps(config(cfg={"User": "0"})).encode(),
                                      "l1/layer.tar": layer_tar})
docker("d-blob-layer-digest", M(Layers=["blobs/sha256/" + "b" * 64]),
       files={cfg_hex + ".json": cfg_bytes, "blobs/sha256/" + "b" * 64: layer_tar})
docker("d-config-hostile", M(Config="c.json"),
       files={"c.json": json.dumps(config(cfg={"Env": [1]})).encode(), "l1/layer.tar": layer_tar})

# Old-style layers (ID/layer.tar) are checked against the config's rootfs.diff_ids: the sha256
# of the tar, uncompressed (docker load accepts a compressed one).
evil_tar = tar_bytes([ti("etc", tarfile.DIRTYPE), ti("etc/ok", data=b"evil\n")])
docker("d-diff-id", M(), files={cfg_hex + ".json": cfg_bytes, "l1/layer.tar": evil_tar})
docker("d-diff-id-gz", M(), files={cfg_hex + ".json": cfg_bytes,
                                   "l1/layer.tar": gzip.compress(evil_tar, mtime=0)})
docker("d-good-gz", M(), files={cfg_hex + ".json": cfg_bytes,
                                "l1/layer.tar": gzip.compress(layer_tar, mtime=0)})
nodiff = json.dumps(config()).encode()
docker("d-no-diff-ids", M(Config=hashlib.sha256(nodiff).hexdigest() + ".json"),
       files={hashlib.sha256(nodiff).hexdigest() + ".json": nodiff, "l1/layer.tar": layer_tar})
