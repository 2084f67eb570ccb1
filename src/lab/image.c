/* SPDX-License-Identifier: MIT */
/*
 * netlab's image store (lab-image.h has its layout). Import reads what a container tool left on
 * disk, without a container engine:
 *
 *   oci:DIR[:TAG]             an OCI image layout (index.json, blobs/sha256/...)
 *   oci-archive:FILE[:TAG]    the same, as a tar file
 *   docker-archive:FILE       `docker save` output (manifest.json, layer tars)
 *   FILE                      a plain root file system tarball (one layer)
 *   TRANSPORT:...             anything else skopeo knows (docker://...), copied through
 *                             `skopeo copy` into a temporary OCI layout, when skopeo is there
 *
 * JSON is parsed with jansson, tars (any compression) are read with libarchive, sha256 comes
 * from nettle (which libarchive already links). Every layer is checked against its digest while
 * it is unpacked, in one pass.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "lab-image.h"
#include "lab.h"
#include "log.h"
#include "macro.h"
#include "ns.h"

/*
 * libarchive is loaded when a layer is unpacked, not when netlab starts: linked in, it brings
 * libxml2, ICU and libstdc++ into every netlab process (+3 ms and ~50 MB of address space for
 * each `netlab exec`, measured with `netlab --version`), as libpcap would (src/cli/pcap-dl.h).
 */
static struct {
	typeof(archive_error_string) *error_string;
	typeof(archive_write_header) *write_header;
	typeof(archive_write_free) *write_free;
	typeof(archive_write_finish_entry) *write_finish_entry;
	typeof(archive_write_disk_set_standard_lookup) *write_disk_set_standard_lookup;
	typeof(archive_write_disk_set_options) *write_disk_set_options;
	typeof(archive_write_disk_new) *write_disk_new;
	typeof(archive_write_data_block) *write_data_block;
	typeof(archive_set_error) *set_error;
	typeof(archive_read_support_format_tar) *read_support_format_tar;
	typeof(archive_read_support_format_gnutar) *read_support_format_gnutar;
	typeof(archive_read_support_filter_all) *read_support_filter_all;
	typeof(archive_read_open) *read_open;
	typeof(archive_read_next_header) *read_next_header;
	typeof(archive_read_new) *read_new;
	typeof(archive_read_free) *read_free;
	typeof(archive_read_data_block) *read_data_block;
	typeof(archive_entry_size) *entry_size;
	typeof(archive_entry_pathname) *entry_pathname;
	typeof(archive_entry_filetype) *entry_filetype;
} la;

static int la_load(char *err, size_t errlen)
{
	static bool loaded;
	void *h;

	if (loaded)
		return 0;
	h = dlopen("libarchive.so.13", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
	if (!h) {
		snprintf(err, errlen, "cannot load libarchive (apt-get install libarchive13): %s",
			 dlerror());
		return -ENOPKG;
	}
	la.error_string = dlsym(h, "archive_error_string");
	la.write_header = dlsym(h, "archive_write_header");
	la.write_free = dlsym(h, "archive_write_free");
	la.write_finish_entry = dlsym(h, "archive_write_finish_entry");
	la.write_disk_set_standard_lookup = dlsym(h, "archive_write_disk_set_standard_lookup");
	la.write_disk_set_options = dlsym(h, "archive_write_disk_set_options");
	la.write_disk_new = dlsym(h, "archive_write_disk_new");
	la.write_data_block = dlsym(h, "archive_write_data_block");
	la.set_error = dlsym(h, "archive_set_error");
	la.read_support_format_tar = dlsym(h, "archive_read_support_format_tar");
	la.read_support_format_gnutar = dlsym(h, "archive_read_support_format_gnutar");
	la.read_support_filter_all = dlsym(h, "archive_read_support_filter_all");
	la.read_open = dlsym(h, "archive_read_open");
	la.read_next_header = dlsym(h, "archive_read_next_header");
	la.read_new = dlsym(h, "archive_read_new");
	la.read_free = dlsym(h, "archive_read_free");
	la.read_data_block = dlsym(h, "archive_read_data_block");
	la.entry_size = dlsym(h, "archive_entry_size");
	la.entry_pathname = dlsym(h, "archive_entry_pathname");
	la.entry_filetype = dlsym(h, "archive_entry_filetype");
	for (size_t i = 0; i < sizeof(la) / sizeof(void *); i++)
		if (!((void **)&la)[i]) {
			snprintf(err, errlen, "libarchive lacks a function netlab uses");
			return -ENOPKG;
		}
	loaded = true;
	return 0;
}
#define archive_error_string la.error_string
#define archive_write_header la.write_header
#define archive_write_free la.write_free
#define archive_write_finish_entry la.write_finish_entry
#define archive_write_disk_set_standard_lookup la.write_disk_set_standard_lookup
#define archive_write_disk_set_options la.write_disk_set_options
#define archive_write_disk_new la.write_disk_new
#define archive_write_data_block la.write_data_block
#define archive_set_error la.set_error
#define archive_read_support_format_tar la.read_support_format_tar
#define archive_read_support_format_gnutar la.read_support_format_gnutar
#define archive_read_support_filter_all la.read_support_filter_all
#define archive_read_open la.read_open
#define archive_read_next_header la.read_next_header
#define archive_read_new la.read_new
#define archive_read_free la.read_free
#define archive_read_data_block la.read_data_block
#define archive_entry_size la.entry_size
#define archive_entry_pathname la.entry_pathname
#define archive_entry_filetype la.entry_filetype

#define HEXLEN (SHA256_DIGEST_SIZE * 2)

void lab_image_free(struct lab_image *img)
{
	if (!img)
		return;
	free(img->name);
	free(img->ref);
	free(img->digest);
	free(img->arch);
	for (size_t i = 0; i < img->n_layers; i++)
		free(img->layers[i]);
	free(img->layers);
	for (char **p = img->env; p && *p; p++)
		free(*p);
	free(img->env);
	free(img->workdir);
	free(img->user);
	for (char **p = img->entrypoint; p && *p; p++)
		free(*p);
	free(img->entrypoint);
	for (char **p = img->cmd; p && *p; p++)
		free(*p);
	free(img->cmd);
	free(img);
}

static void image_freep(struct lab_image **p)
{
	lab_image_free(*p);
}

/* netlab's own JSON writer (src/shared/json.c) has a json_string() too, which wins at link
 * time: jansson's is reached under another name. */
static json_t *jstr(const char *s)
{
	return json_stringn(s, strlen(s));
}

/* jansson.h has json_decrefp() for its own json_auto_t. */
#define _cleanup_json_ _cleanup_(json_decrefp)

const char *lab_image_dir(void)
{
	static _Thread_local char dir[LAB_PATH_MAX]; /* each thread's: it is written at every call */
	const char *e = getenv("NETLAB_IMAGE_DIR"), *xdg, *home;

	if (e && *e)
		snprintf(dir, sizeof(dir), "%s", e);
	else if (geteuid() == 0)
		snprintf(dir, sizeof(dir), "/var/cache/netlab");
	else if ((xdg = getenv("XDG_CACHE_HOME")) && *xdg == '/')
		snprintf(dir, sizeof(dir), "%s/netlab", xdg);
	else if ((home = getenv("HOME")) && *home == '/')
		snprintf(dir, sizeof(dir), "%s/.cache/netlab", home);
	else
		snprintf(dir, sizeof(dir), "/var/cache/netlab");
	return dir;
}

/* The longest name the store has under its directory: images/NAME.json.tmp-PID (a NAME has
 * at most 200 bytes), layers/HEX, layers/ENTRY (readdir's 255). A store directory this much
 * shorter than LAB_PATH_MAX lets the paths in it be built without cutting one short (the few
 * the compiler cannot see fit are checked anyway). */
#define STORE_NAME_MAX 512

/* The store, made if missing, locked: shared while importing or reading, exclusive to remove.
 * Every use of the store starts here. */
static int store_lock(bool exclusive, int *ret_fd)
{
	char path[LAB_PATH_MAX];
	int fd, r;

	if (strlen(lab_image_dir()) >= LAB_PATH_MAX - STORE_NAME_MAX)
		return log_error_errno(-ENAMETOOLONG, "Cannot use the image store %s: %m",
				       lab_image_dir());
	snprintf(path, sizeof(path), "%s/layers", lab_image_dir());
	r = mkdir_p(path, 0755);
	if (r >= 0) {
		snprintf(path, sizeof(path), "%s/images", lab_image_dir());
		r = mkdir_p(path, 0755);
	}
	if (r < 0)
		return log_error_errno(r, "Cannot make the image store %s: %m", lab_image_dir());
	snprintf(path, sizeof(path), "%s/lock", lab_image_dir());
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0) {
		r = negative_errno();
		if (fd >= 0)
			close(fd);
		return log_error_errno(r, "Cannot lock the image store %s: %m", lab_image_dir());
	}
	*ret_fd = fd;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 ? -1 : 0;
	return unlink(path) < 0 ? -1 : 0;
}

static int rm_rf(const char *path)
{
	if (nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT)
		return negative_errno();
	return 0;
}

/* The machine's architecture as OCI names it. */
static const char *oci_arch(void)
{
	static const struct {
		const char *uname, *oci;
	} map[] = { { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" },
		    { "i686", "386" },     { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
		    { "riscv64", "riscv64" } };
	static _Thread_local struct utsname u;

	if (uname(&u) < 0)
		return "unknown";
	for (size_t i = 0; i < ELEMENTSOF(map); i++)
		if (streq(u.machine, map[i].uname))
			return map[i].oci;
	return u.machine;
}

/* ---- unpacking a layer ------------------------------------------------------------------- */

static void archive_read_freep(struct archive **a)
{
	if (*a)
		archive_read_free(*a);
}

static void archive_write_freep(struct archive **a)
{
	if (*a)
		archive_write_free(*a);
}


struct hashed_read {
	int fd;
	struct sha256_ctx sha;
	char buf[65536];
};

static la_ssize_t hashed_read_cb(struct archive *a, void *data, const void **out)
{
	struct hashed_read *h = data;
	ssize_t n;

	do
		n = read(h->fd, h->buf, sizeof(h->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		archive_set_error(a, errno, "read: %s", strerror(errno));
		return -1;
	}
	sha256_update(&h->sha, (size_t)n, (const uint8_t *)h->buf);
	*out = h->buf;
	return n;
}

/* Drains the rest of the file into the hash (tar readers stop at the end-of-archive blocks). */
static int hash_rest(struct hashed_read *h, char hex[HEXLEN + 1])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	ssize_t n;

	while ((n = read(h->fd, h->buf, sizeof(h->buf))) > 0)
		sha256_update(&h->sha, (size_t)n, (const uint8_t *)h->buf);
	if (n < 0)
		return negative_errno();
	sha256_digest(&h->sha, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

/* Set in the child that unpacks a user's layers (in_store_userns()): it is root of a user
 * namespace there, with the user's range mapped (squash_owners false) or only the user. */
static bool in_userns, squash_owners;

/* An OCI whiteout, turned into overlayfs's: .wh.NAME hides NAME of the layers below (a 0/0
 * character device), .wh..wh..opq hides everything below in its directory (an xattr). */
static int whiteout(const char *path)
{
	char dir[LAB_PATH_MAX], *slash;
	const char *base;

	if ((size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	base = slash ? slash + 1 : dir;
	if (strncmp(base, ".wh.", 4) != 0)
		return 0;
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (mkdir_p(dir, 0755) < 0)
		return -errno;
	if (streq(base, ".wh..wh..opq")) {
		/* trusted.* for an overlay mounted by root, user.* for one mounted in a rootless
		 * lab's user namespace (userxattr, rootfs.c); a user's store can only set user.*. */
		if (!in_userns && setxattr(dir, "trusted.overlay.opaque", "y", 1, 0) < 0)
			return negative_errno();
		if (setxattr(dir, "user.overlay.opaque", "y", 1, 0) < 0)
			return negative_errno();
		return 1;
	}
	char target[LAB_PATH_MAX];
	if ((size_t)snprintf(target, sizeof(target), "%s/%s", dir, base + 4) >= sizeof(target))
		return -ENAMETOOLONG;
	(void)rm_rf(target);
	if (mknod(target, S_IFCHR | 0000, makedev(0, 0)) < 0)
		return negative_errno();
	return 1;
}

static int extract_entries(struct archive *in, char *err, size_t errlen)
{
	_cleanup_(archive_write_freep) struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int r;

	if (!out)
		return -ENOMEM;
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
						    (squash_owners ? 0 : ARCHIVE_EXTRACT_OWNER) |
						    ARCHIVE_EXTRACT_XATTR |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	archive_write_disk_set_standard_lookup(out);
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);
		int w = path ? whiteout(path) : 0;

		if (w < 0) {
			snprintf(err, errlen, "whiteout '%s': %s", path, strerror(-w));
			return w;
		}
		if (w > 0)
			continue;
		/* A user namespace cannot mknod a device (only a whiteout): skipped. A node never
		 * sees an image's devices anyway, its /dev is a tmpfs of its own (rootfs.c). */
		if (in_userns && (archive_entry_filetype(e) == AE_IFCHR ||
				  archive_entry_filetype(e) == AE_IFBLK))
			continue;
		r = archive_write_header(out, e);
		if (r < ARCHIVE_WARN) {
			snprintf(err, errlen, "'%s': %s", path ? path : "?",
				 archive_error_string(out));
			return -EIO;
		}
		if (archive_entry_size(e) > 0) {
			const void *buf;
			size_t size;
			la_int64_t off;
			while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
				if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN) {
					snprintf(err, errlen, "'%s': %s", path,
						 archive_error_string(out));
					return -EIO;
				}
			if (r != ARCHIVE_EOF) {
				snprintf(err, errlen, "%s", archive_error_string(in));
				return -EBADMSG;
			}
		}
		if (archive_write_finish_entry(out) < ARCHIVE_WARN) {
			snprintf(err, errlen, "'%s': %s", path, archive_error_string(out));
			return -EIO;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errlen, "%s", archive_error_string(in));
		return -EBADMSG;
	}
	return 0;
}

/*
 * Unpacks the tar file at path into dir (which must exist and be empty) and returns the sha256
 * of the file in hex. libarchive writes relative to the working directory, so we go there and
 * back: the process is single-threaded (DESIGN §Conventions).
 */
static int unpack(const char *path, const char *dir, char hex[HEXLEN + 1], char *err,
		  size_t errlen)
{
	_cleanup_(archive_read_freep) struct archive *in = NULL;
	_cleanup_close_ int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ struct hashed_read *h = calloc(1, sizeof(*h));
	int r;

	r = la_load(err, errlen);
	if (r < 0)
		return r;
	in = archive_read_new();
	if (!in || !h)
		return -ENOMEM;
	h->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (h->fd < 0) {
		r = negative_errno();
		snprintf(err, errlen, "cannot open '%s': %s", path, strerror(-r));
		return r;
	}
	sha256_init(&h->sha);
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	if (archive_read_open(in, h, NULL, hashed_read_cb, NULL) != ARCHIVE_OK) {
		snprintf(err, errlen, "%s", archive_error_string(in));
		close(h->fd);
		return -EBADMSG;
	}
	if (cwd < 0 || chdir(dir) < 0) {
		r = negative_errno();
		close(h->fd);
		return r;
	}
	r = extract_entries(in, err, errlen);
	if (fchdir(cwd) < 0 && r >= 0)
		r = negative_errno();
	if (r >= 0)
		r = hash_rest(h, hex);
	close(h->fd);
	return r;
}

/* ---- a user's store: unpacked in a user namespace ---------------------------------------- */

/*
 * A user's store ($XDG_CACHE_HOME/netlab) is unpacked as that user's rootless labs see it: in a
 * user namespace mapped exactly as theirs (lab_rootless_idmap(): root inside is the user, ids
 * 1..N the user's subordinate range), so the image's file of uid 100 is stored under the
 * range's 100th id and is uid 100 again in every lab of that user. The mapping is the user's
 * and stable, so the store is shared by all their labs. Without a range (or newuidmap and
 * newgidmap), only the user is mapped: every owner is squashed to the user (root in a lab),
 * with a warning. Root's store is unpacked in place, with the real owners.
 */
struct store_out {
	int r;
	char hex[HEXLEN + 1];
	char err[512];
};

typedef void (*store_fn)(const void *arg, struct store_out *out);

/* The child: a user namespace of its own, mapped by the parent (which says 'F'ull or
 * 'S'quashed), then fn; its result goes back whole through the pipe. */
static _noreturn_ void store_child(int rd, int wr, store_fn fn, const void *arg)
{
	struct store_out out = { 0 };
	char c = unshare(CLONE_NEWUSER) < 0 ? 'E' : 'U';

	if (write(wr, &c, 1) != 1 || c == 'E' || read(rd, &c, 1) != 1 || c == 'E')
		_exit(1);
	in_userns = true;
	squash_owners = c == 'S';
	fn(arg, &out);
	_exit(write(wr, &out, sizeof(out)) == (ssize_t)sizeof(out) ? 0 : 1);
}

static int in_store_userns(store_fn fn, const void *arg, struct store_out *out)
{
	static bool warned;
	int down[2] = { -EBADF, -EBADF }, up[2] = { -EBADF, -EBADF }, status;
	struct ns_idmap map;
	bool helpers;
	char c = 'E';
	pid_t pid;

	memset(out, 0, sizeof(*out));
	if (geteuid() == 0) {
		fn(arg, out);
		return out->r;
	}
	(void)lab_rootless_idmap(&map, &helpers);
	if (pipe2(down, O_CLOEXEC) < 0 || pipe2(up, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		out->r = negative_errno();
		goto out;
	}
	if (pid == 0)
		store_child(down[0], up[1], fn, arg);
	safe_close(up[1]);
	up[1] = -EBADF;
	if (read(up[0], &c, 1) == 1 && c == 'U')
		c = ns_userns_map(pid, &map) < 0 ? 'E' : map.n_sub_uid && map.n_sub_gid ? 'F' : 'S';
	if (c == 'S' && !warned) {
		warned = true;
		log_warning("only your uid %u is mapped for the image store %s (no range for you in "
			    "/etc/subuid and /etc/subgid, or no newuidmap/newgidmap): every file "
			    "of its layers is owned by you, i.e. by root in a lab, whoever owns it "
			    "in the image. Remove the store to unpack it again once you have a range.",
			    (unsigned)map.uid, lab_image_dir());
	}
	if (write(down[1], &c, 1) != 1 || c == 'E' ||
	    read(up[0], out, sizeof(*out)) != (ssize_t)sizeof(*out)) {
		out->r = -EPERM;
		snprintf(out->err, sizeof(out->err), "cannot enter a user namespace to unpack");
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
out:
	for (size_t i = 0; i < 2; i++) {
		safe_close(down[i]);
		safe_close(up[i]);
	}
	return out->r;
}

static int tmp_dir(char *buf, size_t size)
{
	snprintf(buf, size, "%s/layers/.tmp-XXXXXX", lab_image_dir());
	return mkdtemp(buf) ? 0 : negative_errno();
}

struct layer_job {
	const char *path, *want, *tmp;
	const char *layers; /* the store's layers/, named by the parent: in the child, as root of
			     * its user namespace, lab_image_dir() would name root's store */
};

/* Unpacks into tmp and moves it to layers/HEX (in the store's user namespace). */
static void layer_unpack(const void *arg, struct store_out *out)
{
	const struct layer_job *j = arg;
	char final[LAB_PATH_MAX];

	out->r = unpack(j->path, j->tmp, out->hex, out->err, sizeof(out->err));
	if (out->r >= 0 && j->want && !streq(out->hex, j->want)) {
		snprintf(out->err, sizeof(out->err), "its sha256 is %s, the manifest says %s",
			 out->hex, j->want);
		out->r = -EBADMSG;
	}
	if (out->r < 0) {
		(void)rm_rf(j->tmp);
		return;
	}
	snprintf(final, sizeof(final), "%s/%s", j->layers, out->hex);
	/* Someone else unpacked the same layer meanwhile: theirs is as good as ours. */
	if (rename(j->tmp, final) < 0) {
		out->r = negative_errno();
		(void)rm_rf(j->tmp);
		if (out->r == -ENOTEMPTY || out->r == -EEXIST)
			out->r = 0;
		else
			snprintf(out->err, sizeof(out->err), "cannot move it into the store");
	}
}

/*
 * Makes layers/HEX from the tar at path, unless it is there already. want is the digest the
 * manifest gives (hex), or NULL for "whatever it is" (a plain tarball, a docker-archive layer);
 * ret_hex gets the layer's name.
 */
static int layer_add(const char *path, const char *want, const char *what, char ret_hex[HEXLEN + 1])
{
	char tmp[LAB_PATH_MAX], final[LAB_PATH_MAX], layers[LAB_PATH_MAX];
	struct layer_job job = { .path = path, .want = want, .tmp = tmp, .layers = layers };
	struct store_out out;
	struct stat st;
	int r;

	if (want) {
		snprintf(final, sizeof(final), "%s/layers/%s", lab_image_dir(), want);
		if (stat(final, &st) == 0) {
			snprintf(ret_hex, HEXLEN + 1, "%s", want);
			return 0;
		}
	}
	snprintf(layers, sizeof(layers), "%s/layers", lab_image_dir());
	r = tmp_dir(tmp, sizeof(tmp));
	if (r < 0)
		return log_error_errno(r, "Cannot make a directory in %s: %m", lab_image_dir());
	r = in_store_userns(layer_unpack, &job, &out);
	if (r == -EBADMSG)
		return log_error_errno(r, "%s: corrupt layer: %s", what, out.err);
	if (r < 0) {
		(void)rm_rf(tmp); /* when the user namespace could not be made */
		return log_error_errno(r, "%s: cannot unpack a layer: %s%s%m", what, out.err,
				       out.err[0] ? ": " : "");
	}
	snprintf(ret_hex, HEXLEN + 1, "%s", out.hex);
	return 0;
}

/* ---- image records ----------------------------------------------------------------------- */

static char **strv_from_json(json_t *a)
{
	size_t n = json_is_array(a) ? json_array_size(a) : 0, k = 0;
	char **v;

	if (!json_is_array(a) || n == 0)
		return NULL;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s && !(v[k++] = strdup(s)))
			break;
	}
	return v;
}

static json_t *strv_to_json(char **v)
{
	json_t *a = json_array();
	for (; a && v && *v; v++)
		json_array_append_new(a, jstr(*v));
	return a;
}

static char *dup_json_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s && *s ? strdup(s) : NULL;
}

/* The runtime part of an OCI/docker image config ("config": {Env, WorkingDir, ...}). */
static void image_set_config(struct lab_image *img, json_t *cfg)
{
	json_t *c = json_object_get(cfg, "config");

	img->env = strv_from_json(json_object_get(c, "Env"));
	img->workdir = dup_json_str(c, "WorkingDir");
	img->user = dup_json_str(c, "User");
	img->entrypoint = strv_from_json(json_object_get(c, "Entrypoint"));
	img->cmd = strv_from_json(json_object_get(c, "Cmd"));
}

static int image_save(const struct lab_image *img, char **hexes, const struct stat *src)
{
	_cleanup_json_ json_t *o = json_object(), *layers = json_array();
	char path[LAB_PATH_MAX], tmp[LAB_PATH_MAX];

	if (!o || !layers)
		return -ENOMEM;
	for (size_t i = 0; i < img->n_layers; i++)
		json_array_append_new(layers, jstr(hexes[i]));
	json_object_set_new(o, "name", jstr(img->name));
	json_object_set_new(o, "ref", jstr(img->ref));
	json_object_set_new(o, "digest", jstr(img->digest ? img->digest : ""));
	json_object_set_new(o, "architecture", jstr(img->arch ? img->arch : ""));
	json_object_set(o, "layers", layers);
	json_object_set_new(o, "env", strv_to_json(img->env));
	json_object_set_new(o, "workdir", jstr(img->workdir ? img->workdir : ""));
	json_object_set_new(o, "user", jstr(img->user ? img->user : ""));
	json_object_set_new(o, "entrypoint", strv_to_json(img->entrypoint));
	json_object_set_new(o, "cmd", strv_to_json(img->cmd));
	/* What the source looked like, so that `up` with the same REF re-imports a changed
	 * file and reuses an unchanged one. */
	json_object_set_new(o, "source", json_pack("{s:I,s:I,s:I}", "size", (json_int_t)src->st_size,
						   "mtime", (json_int_t)src->st_mtim.tv_sec * 1000000000 +
								    src->st_mtim.tv_nsec,
						   "ino", (json_int_t)src->st_ino));
	snprintf(path, sizeof(path), "%s/images/%s.json", lab_image_dir(), img->name);
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp-%d", path, (int)getpid()) >= sizeof(tmp))
		return log_error_errno(-ENAMETOOLONG, "Cannot write %s: %m", path);
	if (json_dump_file(o, tmp, JSON_INDENT(1)) < 0)
		return log_error_errno(-EIO, "Cannot write %s", tmp);
	if (rename(tmp, path) < 0) {
		int r = negative_errno();
		unlink(tmp);
		return log_error_errno(r, "Cannot write %s: %m", path);
	}
	return 0;
}

/* Reads images/NAME.json. -ENOENT when there is none; *ret_source (may be NULL) gets its stamp. */
static int image_load(const char *name, struct lab_image **ret, json_t **ret_source)
{
	_cleanup_(image_freep) struct lab_image *img = calloc(1, sizeof(*img));
	_cleanup_json_ json_t *o = NULL;
	char path[LAB_PATH_MAX];
	json_t *layers;

	if (!img)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/images/%s.json", lab_image_dir(), name);
	if (access(path, F_OK) < 0)
		return negative_errno();
	o = json_load_file(path, 0, NULL);
	layers = json_object_get(o, "layers");
	if (!o || !json_is_array(layers))
		return log_error_errno(-EBADMSG, "%s: not an image record", path);
	img->name = strdup(name);
	img->ref = dup_json_str(o, "ref");
	img->digest = dup_json_str(o, "digest");
	img->arch = dup_json_str(o, "architecture");
	img->n_layers = json_array_size(layers);
	img->layers = calloc(img->n_layers ? img->n_layers : 1, sizeof(*img->layers));
	if (!img->name || !img->layers)
		return -ENOMEM;
	for (size_t i = 0; i < img->n_layers; i++) {
		const char *h = json_string_value(json_array_get(layers, i));
		if (!h || asprintf(&img->layers[i], "%s/layers/%s", lab_image_dir(), h) < 0) {
			img->layers[i] = NULL;
			return -EBADMSG;
		}
	}
	img->env = strv_from_json(json_object_get(o, "env"));
	img->workdir = dup_json_str(o, "workdir");
	img->user = dup_json_str(o, "user");
	img->entrypoint = strv_from_json(json_object_get(o, "entrypoint"));
	img->cmd = strv_from_json(json_object_get(o, "cmd"));
	if (ret_source)
		*ret_source = json_incref(json_object_get(o, "source"));
	*ret = TAKE_PTR(img);
	return 0;
}

/* ---- import ------------------------------------------------------------------------------ */

struct import {
	const char *ref;
	char what[1024];       /* "where: image 'REF'", the start of every message */
	struct lab_image *img; /* being filled */
	char **hexes;          /* its layers' names, bottom first */
	size_t n_hexes;
	char tmp[LAB_PATH_MAX]; /* a temporary directory to remove at the end, or "" */
	struct stat src;       /* the source's stamp */
};

static void import_done(struct import *imp)
{
	if (imp->tmp[0])
		(void)rm_rf(imp->tmp);
	for (size_t i = 0; i < imp->n_hexes; i++)
		free(imp->hexes[i]);
	free(imp->hexes);
	lab_image_free(imp->img);
}

static int add_layer(struct import *imp, const char *path, const char *want)
{
	char hex[HEXLEN + 1];
	char **h, **l;
	int r = layer_add(path, want, imp->what, hex);

	if (r < 0)
		return r;
	h = realloc(imp->hexes, (imp->img->n_layers + 1) * sizeof(*h));
	if (h)
		imp->hexes = h;
	l = realloc(imp->img->layers, (imp->img->n_layers + 1) * sizeof(*l));
	if (l)
		imp->img->layers = l;
	if (!h || !l)
		return -ENOMEM;
	h[imp->img->n_layers] = strdup(hex);
	imp->n_hexes++;
	if (asprintf(&l[imp->img->n_layers], "%s/layers/%s", lab_image_dir(), hex) < 0)
		l[imp->img->n_layers] = NULL;
	imp->img->n_layers++;
	return h[imp->img->n_layers - 1] && l[imp->img->n_layers - 1] ? 0 : -ENOMEM;
}

static json_t *load_json(struct import *imp, const char *path, const char *what)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (!j)
		log_error_errno(access(path, F_OK) < 0 ? -ENOENT : -EBADMSG,
				"%s: %s %s: %s", imp->what, what, path, e.text);
	return j;
}

/* DIR/blobs/sha256/HEX of "sha256:HEX", checked to be just that. */
static int blob_path(struct import *imp, const char *dir, const char *digest, char *buf,
		     size_t size, const char **ret_hex)
{
	if (!digest || strncmp(digest, "sha256:", 7) != 0 || strlen(digest + 7) != HEXLEN ||
	    digest[7 + strspn(digest + 7, "0123456789abcdef")] != '\0')
		return log_error_errno(-EBADMSG, "%s: unsupported or malformed digest '%s'",
				       imp->what, digest ? digest : "(none)");
	if ((size_t)snprintf(buf, size, "%s/blobs/sha256/%s", dir, digest + 7) >= size)
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
	if (ret_hex)
		*ret_hex = digest + 7;
	return 0;
}

static bool is_index(json_t *m)
{
	const char *mt = json_string_value(json_object_get(m, "mediaType"));
	return (mt && (strstr(mt, "image.index") || strstr(mt, "manifest.list"))) ||
	       (!mt && json_object_get(m, "manifests"));
}

/* From an image index, the manifest for linux/<our architecture>. */
static int pick_platform(struct import *imp, json_t *index, json_t **ret_desc)
{
	json_t *ms = json_object_get(index, "manifests"), *d;
	char have[256] = "";
	size_t i;

	json_array_foreach(ms, i, d) {
		json_t *p = json_object_get(d, "platform");
		const char *os = json_string_value(json_object_get(p, "os"));
		const char *arch = json_string_value(json_object_get(p, "architecture"));
		if (!p || ((!os || streq(os, "linux")) && arch && streq(arch, oci_arch()))) {
			*ret_desc = d;
			return 0;
		}
		size_t n = strlen(have);
		snprintf(have + n, sizeof(have) - n, "%s%s/%s", n ? ", " : "", os ? os : "?",
			 arch ? arch : "?");
	}
	return log_error_errno(-ENOEXEC, "%s: no manifest for linux/%s (the image has: %s)",
			       imp->what, oci_arch(), have[0] ? have : "none");
}

static int check_arch(struct import *imp, json_t *cfg)
{
	const char *arch = json_string_value(json_object_get(cfg, "architecture"));

	if (arch && !streq(arch, oci_arch()))
		return log_error_errno(-ENOEXEC, "%s: the image is for %s, this machine runs %s",
				       imp->what, arch, oci_arch());
	imp->img->arch = strdup(arch ? arch : oci_arch());
	return 0;
}

/* An OCI image layout: index.json, then (through indexes) one manifest, its config, layers. */
static int import_oci_layout(struct import *imp, const char *dir, const char *tag)
{
	_cleanup_json_ json_t *index = NULL, *manifest = NULL, *cfg = NULL;
	char path[LAB_PATH_MAX];
	json_t *desc = NULL, *d, *layers;
	size_t i;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/index.json", dir) >= sizeof(path))
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
	index = load_json(imp, path, "OCI layout index");
	if (!index)
		return -EBADMSG;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *name = json_string_value(json_object_get(
			json_object_get(d, "annotations"), "org.opencontainers.image.ref.name"));
		if (tag ? name && streq(name, tag) : json_array_size(json_object_get(index, "manifests")) == 1)
			desc = d;
	}
	if (!desc)
		return log_error_errno(-ENOENT, "%s: %s in %s", imp->what,
				       tag ? "no image with that tag" : "several images: give a :TAG",
				       path);
	for (int depth = 0;; depth++) {
		const char *digest = json_string_value(json_object_get(desc, "digest"));
		r = blob_path(imp, dir, digest, path, sizeof(path), NULL);
		if (r < 0)
			return r;
		json_decref(manifest);
		manifest = load_json(imp, path, "manifest");
		if (!manifest)
			return -EBADMSG;
		free(imp->img->digest);
		imp->img->digest = strdup(digest);
		if (!is_index(manifest))
			break;
		if (depth > 4)
			return log_error_errno(-ELOOP, "%s: indexes nested too deep", imp->what);
		r = pick_platform(imp, manifest, &desc);
		if (r < 0)
			return r;
		desc = json_incref(desc);
		json_decref(index);
		index = desc; /* keeps the descriptor alive after the manifest it came from */
	}
	r = blob_path(imp, dir, json_string_value(json_object_get(json_object_get(manifest, "config"),
								   "digest")),
		      path, sizeof(path), NULL);
	if (r < 0)
		return r;
	cfg = load_json(imp, path, "config");
	if (!cfg)
		return -EBADMSG;
	r = check_arch(imp, cfg);
	if (r < 0)
		return r;
	image_set_config(imp->img, cfg);
	layers = json_object_get(manifest, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return log_error_errno(-EBADMSG, "%s: the manifest has no layers", imp->what);
	json_array_foreach(layers, i, d) {
		const char *hex;
		r = blob_path(imp, dir, json_string_value(json_object_get(d, "digest")), path,
			      sizeof(path), &hex);
		if (r < 0)
			return r;
		r = add_layer(imp, path, hex);
		if (r < 0)
			return r;
	}
	return 0;
}

/* `docker save` output, unpacked: manifest.json names the config and the layer tars. */
static int import_docker_dir(struct import *imp, const char *dir)
{
	_cleanup_json_ json_t *m = NULL, *cfg = NULL;
	char path[LAB_PATH_MAX];
	json_t *img, *l;
	const char *c;
	size_t i;
	int r;

	if ((size_t)snprintf(path, sizeof(path), "%s/manifest.json", dir) >= sizeof(path))
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
	m = load_json(imp, path, "docker archive manifest");
	if (!m)
		return -EBADMSG;
	if (json_array_size(m) != 1)
		return log_error_errno(-EBADMSG, "%s: the archive holds %zu images, not one",
				       imp->what, json_array_size(m));
	img = json_array_get(m, 0);
	c = json_string_value(json_object_get(img, "Config"));
	if (!c || strstr(c, ".."))
		return log_error_errno(-EBADMSG, "%s: manifest.json has no Config", imp->what);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, c) >= sizeof(path))
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
	cfg = load_json(imp, path, "config");
	if (!cfg)
		return -EBADMSG;
	r = check_arch(imp, cfg);
	if (r < 0)
		return r;
	image_set_config(imp->img, cfg);
	imp->img->digest = strdup(c);
	if (json_array_size(json_object_get(img, "Layers")) == 0)
		return log_error_errno(-EBADMSG, "%s: manifest.json lists no layers", imp->what);
	json_array_foreach(json_object_get(img, "Layers"), i, l) {
		const char *s = json_string_value(l);
		if (!s || strstr(s, ".."))
			return log_error_errno(-EBADMSG, "%s: bad layer path in manifest.json",
					       imp->what);
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, s) >= sizeof(path))
			return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
		r = add_layer(imp, path, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* An archive (oci-archive, docker-archive) unpacked into a temporary directory. */
static int unpack_archive(struct import *imp, const char *file)
{
	char hex[HEXLEN + 1], err[512] = "";
	int r = tmp_dir(imp->tmp, sizeof(imp->tmp));

	if (r < 0) {
		imp->tmp[0] = '\0';
		return log_error_errno(r, "Cannot make a directory in %s: %m", lab_image_dir());
	}
	r = unpack(file, imp->tmp, hex, err, sizeof(err));
	if (r == -EBADMSG)
		return log_error_errno(r, "%s: corrupt archive: %s", imp->what, err);
	if (r < 0)
		return log_error_errno(r, "%s: %s%s%m", imp->what, err, err[0] ? ": " : "");
	return 0;
}

/* Anything skopeo knows, copied into a temporary OCI layout. */
static int import_skopeo(struct import *imp)
{
	char dest[LAB_PATH_MAX];
	int status, r;
	pid_t pid;

	r = tmp_dir(imp->tmp, sizeof(imp->tmp));
	if (r < 0) {
		imp->tmp[0] = '\0';
		return log_error_errno(r, "Cannot make a directory in %s: %m", lab_image_dir());
	}
	if ((size_t)snprintf(dest, sizeof(dest), "oci:%s:netlab", imp->tmp) >= sizeof(dest))
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		execlp("skopeo", "skopeo", "copy", "--quiet", imp->ref, dest, (char *)NULL);
		_exit(errno == ENOENT ? 127 : 126);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		return log_error_errno(-ENOENT, "%s: unknown reference (only oci:, oci-archive:, "
				       "docker-archive:, a tarball or a stored name without skopeo, "
				       "which is not installed)", imp->what);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return log_error_errno(-EIO, "%s: skopeo could not copy it (see above)", imp->what);
	return import_oci_layout(imp, imp->tmp, "netlab");
}

static bool has_prefix(const char *s, const char *p, const char **rest)
{
	size_t n = strlen(p);
	if (strncmp(s, p, n) != 0)
		return false;
	*rest = s + n;
	return true;
}

/* "PATH[:TAG]": the tag is what follows the last ':' unless PATH exists as written. */
static void split_tag(const char *s, char *path, size_t size, const char **ret_tag,
		      char *tag, size_t tag_size)
{
	const char *colon = strrchr(s, ':');
	size_t n = strnlen(s, size - 1);

	memcpy(path, s, n);
	path[n] = '\0';
	*ret_tag = NULL;
	if (!colon || access(s, F_OK) == 0 || strchr(colon, '/'))
		return;
	snprintf(path, size, "%.*s", (int)(colon - s), s);
	snprintf(tag, tag_size, "%s", colon + 1);
	*ret_tag = tag;
}

/* Where REF's bytes are, to stamp the record with (size, mtime, inode). -ENOENT: not a local
 * reference (or it does not exist). */
static int source_path(const char *ref, char *buf, size_t size)
{
	const char *rest, *tag;
	char tagbuf[256];

	/* Shorter than size, split_tag() never cuts a path short. */
	if (strlen(ref) >= size)
		return -ENAMETOOLONG;
	if (has_prefix(ref, "oci:", &rest)) {
		char dir[LAB_PATH_MAX];
		split_tag(rest, dir, sizeof(dir), &tag, tagbuf, sizeof(tagbuf));
		if (strlen(dir) + 12 > size)
			return -ENAMETOOLONG;
		strcpy(buf, dir);
		strcat(buf, "/index.json");
	} else if (has_prefix(ref, "oci-archive:", &rest)) {
		split_tag(rest, buf, size, &tag, tagbuf, sizeof(tagbuf));
	} else if (has_prefix(ref, "docker-archive:", &rest)) {
		split_tag(rest, buf, size, &tag, tagbuf, sizeof(tagbuf));
	} else {
		snprintf(buf, size, "%s", ref);
	}
	return 0;
}

static int import_from(struct import *imp)
{
	const char *rest, *tag;
	char path[LAB_PATH_MAX], tagbuf[256];
	int r;

	/* Shorter than path, split_tag() never cuts it short. */
	if (strlen(imp->ref) >= sizeof(path))
		return log_error_errno(-ENAMETOOLONG, "%s: %m", imp->what);

	if (has_prefix(imp->ref, "oci:", &rest)) {
		split_tag(rest, path, sizeof(path), &tag, tagbuf, sizeof(tagbuf));
		return import_oci_layout(imp, path, tag);
	}
	if (has_prefix(imp->ref, "oci-archive:", &rest)) {
		split_tag(rest, path, sizeof(path), &tag, tagbuf, sizeof(tagbuf));
		r = unpack_archive(imp, path);
		return r < 0 ? r : import_oci_layout(imp, imp->tmp, tag);
	}
	if (has_prefix(imp->ref, "docker-archive:", &rest)) {
		split_tag(rest, path, sizeof(path), &tag, tagbuf, sizeof(tagbuf));
		r = unpack_archive(imp, path);
		return r < 0 ? r : import_docker_dir(imp, imp->tmp);
	}
	if (strchr(imp->ref, '/') && !strstr(imp->ref, "://")) {
		/* A plain root file system tarball: one layer, no config. */
		struct stat st;
		if (stat(imp->ref, &st) < 0)
			return log_error_errno(negative_errno(), "%s: %m", imp->what);
		if (S_ISDIR(st.st_mode))
			return log_error_errno(-EISDIR, "%s: a directory (use rootfs=DIR, or oci:DIR "
					       "for an OCI layout)", imp->what);
		imp->img->arch = strdup(oci_arch());
		r = add_layer(imp, imp->ref, NULL);
		if (r >= 0 && asprintf(&imp->img->digest, "sha256:%s", imp->hexes[0]) < 0)
			imp->img->digest = NULL;
		return r;
	}
	return import_skopeo(imp);
}

static bool name_valid(const char *s)
{
	if (!*s || *s == '.' || strlen(s) > 200)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '_' || *s == '-' || *s == '.'))
			return false;
	return true;
}

/* The store name for a reference imported by `up`: the reference, with anything that is not a
 * name character replaced (deterministic, so the next `up` finds it). */
static void auto_name(const char *ref, char *buf, size_t size)
{
	size_t k = 0;
	for (const char *c = ref; *c && k + 1 < size; c++) {
		char ch = *c;
		buf[k++] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
				   (ch >= '0' && ch <= '9') || ch == '-' || ch == '.'
			   ? ch
			   : '_';
	}
	buf[k] = '\0';
	if (buf[0] == '.')
		buf[0] = '_';
}

static int do_import(const char *ref, const char *name, const char *where,
		     struct lab_image **ret)
{
	struct import imp = { .ref = ref };
	char src[LAB_PATH_MAX];
	int r;

	snprintf(imp.what, sizeof(imp.what), "%s%simage '%s'", where ? where : "",
		 where ? ": " : "", ref);
	imp.img = calloc(1, sizeof(*imp.img));
	if (!imp.img)
		return -ENOMEM;
	imp.img->name = strdup(name);
	imp.img->ref = strdup(ref);
	if (!imp.img->name || !imp.img->ref) {
		r = -ENOMEM;
		goto out;
	}
	if (source_path(ref, src, sizeof(src)) >= 0)
		(void)stat(src, &imp.src);
	r = import_from(&imp);
	if (r >= 0)
		r = image_save(imp.img, imp.hexes, &imp.src);
	if (r >= 0 && ret)
		*ret = TAKE_PTR(imp.img);
out:
	import_done(&imp);
	return r;
}

int lab_image_import(const char *ref, const char *name, char **ret_name)
{
	_cleanup_close_ int lock = -EBADF;
	char buf[256];
	int r;

	if (name && !name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid image name (letters, digits, "
				       "'_', '-', '.')", name);
	if (!name) {
		auto_name(ref, buf, sizeof(buf));
		name = buf;
	}
	r = store_lock(false, &lock);
	if (r < 0)
		return r;
	r = do_import(ref, name, NULL, NULL);
	if (r >= 0 && ret_name)
		*ret_name = strdup(name);
	return r;
}

static bool source_unchanged(json_t *stamp, const char *ref)
{
	char path[LAB_PATH_MAX];
	struct stat st;

	if (!stamp || source_path(ref, path, sizeof(path)) < 0 || stat(path, &st) < 0)
		return stamp && json_integer_value(json_object_get(stamp, "ino")) == 0;
	return json_integer_value(json_object_get(stamp, "size")) == (json_int_t)st.st_size &&
	       json_integer_value(json_object_get(stamp, "ino")) == (json_int_t)st.st_ino &&
	       json_integer_value(json_object_get(stamp, "mtime")) ==
		       (json_int_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
}

/* Every layer of the image is still there (a prune or a hand may have removed one). */
static bool layers_present(const struct lab_image *img)
{
	for (size_t i = 0; i < img->n_layers; i++)
		if (access(img->layers[i], F_OK) < 0)
			return false;
	return img->n_layers > 0;
}

int lab_image_get(const char *ref, const char *where, struct lab_image **ret)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_json_ json_t *stamp = NULL;
	struct lab_image *img = NULL;
	char name[256];
	int r;

	r = store_lock(false, &lock);
	if (r < 0)
		return r;
	if (name_valid(ref)) {
		r = image_load(ref, &img, NULL);
		if (r == -ENOENT)
			return log_error_errno(r, "%s: image '%s': no such image in the store %s "
					       "(see netlab image ls; a file or directory is written "
					       "oci:DIR, oci-archive:FILE, docker-archive:FILE or "
					       "with a '/')", where, ref, lab_image_dir());
		if (r < 0)
			return r;
		if (!layers_present(img)) {
			lab_image_free(img);
			return log_error_errno(-ENOENT, "%s: image '%s': a layer is missing from "
					       "the store: import it again", where, ref);
		}
		*ret = img;
		return 0;
	}
	/* A reference: imported by the first `up` that uses it, reused while its source has
	 * not changed. */
	auto_name(ref, name, sizeof(name));
	r = image_load(name, &img, &stamp);
	if (r >= 0 && img->ref && streq(img->ref, ref) && source_unchanged(stamp, ref) &&
	    layers_present(img)) {
		*ret = img;
		return 0;
	}
	lab_image_free(img);
	if (r < 0 && r != -ENOENT)
		return r;
	return do_import(ref, name, where, ret);
}

/* ---- ls, rm, prune ------------------------------------------------------------------------ */

static int cmp_image(const void *a, const void *b)
{
	return strcmp((*(struct lab_image *const *)a)->name, (*(struct lab_image *const *)b)->name);
}

int lab_image_list(struct lab_image ***ret, size_t *ret_n)
{
	_cleanup_close_ int lock = -EBADF;
	char path[LAB_PATH_MAX];
	struct lab_image **v = NULL;
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r;

	r = store_lock(false, &lock);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/images", lab_image_dir());
	d = opendir(path);
	if (!d)
		return log_error_errno(negative_errno(), "Cannot read %s: %m", path);
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		char name[256];
		struct lab_image *img, **nv;

		if (de->d_name[0] == '.' || len <= 5 || len - 5 >= sizeof(name) ||
		    !streq(de->d_name + len - 5, ".json"))
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), de->d_name);
		if (image_load(name, &img, NULL) < 0)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			lab_image_free(img);
			break;
		}
		v = nv;
		v[n++] = img;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_image);
	*ret = v;
	*ret_n = n;
	return 0;
}

int lab_image_remove(const char *name)
{
	_cleanup_close_ int lock = -EBADF;
	char path[LAB_PATH_MAX];
	int r;

	if (!name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid image name", name);
	r = store_lock(true, &lock);
	if (r < 0)
		return r;
	snprintf(path, sizeof(path), "%s/images/%s.json", lab_image_dir(), name);
	if (unlink(path) < 0) {
		r = negative_errno();
		if (r == -ENOENT)
			return log_error_errno(r, "no image '%s' in the store %s", name,
					       lab_image_dir());
		return log_error_errno(r, "Cannot remove %s: %m", path);
	}
	return 0;
}

/* A layer's files may belong to ids of the user's range: removed where they are mapped. */
static void layer_remove(const void *arg, struct store_out *out)
{
	out->r = rm_rf(arg);
}

int lab_image_prune(size_t *ret_n)
{
	_cleanup_close_ int lock = -EBADF;
	struct lab_image **imgs = NULL;
	size_t n_imgs = 0, removed = 0;
	char path[LAB_PATH_MAX];
	struct dirent *de;
	DIR *d;
	int r;

	r = lab_image_list(&imgs, &n_imgs);
	if (r < 0)
		return r;
	/* Exclusive: no `up` is between reading an image and mounting its layers. */
	r = store_lock(true, &lock);
	if (r < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/layers", lab_image_dir());
	d = opendir(path);
	if (!d) {
		r = log_error_errno(negative_errno(), "Cannot read %s: %m", path);
		goto out;
	}
	while ((de = readdir(d))) {
		char full[LAB_PATH_MAX];
		bool used = false;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, de->d_name) >= sizeof(full))
			continue; /* not a layer of ours */
		for (size_t i = 0; i < n_imgs && !used; i++)
			for (size_t l = 0; l < imgs[i]->n_layers && !used; l++)
				used = streq(imgs[i]->layers[l], full);
		if (used)
			continue;
		r = in_store_userns(layer_remove, full, &(struct store_out){ 0 });
		if (r < 0) {
			log_error_errno(r, "Cannot remove %s: %m", full);
			break;
		}
		removed++;
	}
	closedir(d);
	if (ret_n)
		*ret_n = removed;
out:
	for (size_t i = 0; i < n_imgs; i++)
		lab_image_free(imgs[i]);
	free(imgs);
	return r < 0 ? r : 0;
}
