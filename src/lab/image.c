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
#include <limits.h>
#include <linux/openat2.h>
#include <jansson.h>
#include <nettle/sha2.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fd-util.h"
#include "image-check.h"
#include "lab-image.h"
#include "lab-internal.h"
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
	typeof(archive_read_support_format_raw) *read_support_format_raw;
	typeof(archive_read_support_filter_all) *read_support_filter_all;
	typeof(archive_read_open) *read_open;
	typeof(archive_read_next_header) *read_next_header;
	typeof(archive_read_new) *read_new;
	typeof(archive_read_free) *read_free;
	typeof(archive_read_data_block) *read_data_block;
	typeof(archive_entry_size) *entry_size;
	typeof(archive_entry_pathname) *entry_pathname;
	typeof(archive_entry_filetype) *entry_filetype;
	typeof(archive_entry_xattr_reset) *entry_xattr_reset;
	typeof(archive_entry_xattr_next) *entry_xattr_next;
	typeof(archive_entry_xattr_clear) *entry_xattr_clear;
	typeof(archive_entry_xattr_add_entry) *entry_xattr_add_entry;
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
	la.read_support_format_raw = dlsym(h, "archive_read_support_format_raw");
	la.read_support_filter_all = dlsym(h, "archive_read_support_filter_all");
	la.read_open = dlsym(h, "archive_read_open");
	la.read_next_header = dlsym(h, "archive_read_next_header");
	la.read_new = dlsym(h, "archive_read_new");
	la.read_free = dlsym(h, "archive_read_free");
	la.read_data_block = dlsym(h, "archive_read_data_block");
	la.entry_size = dlsym(h, "archive_entry_size");
	la.entry_pathname = dlsym(h, "archive_entry_pathname");
	la.entry_filetype = dlsym(h, "archive_entry_filetype");
	la.entry_xattr_reset = dlsym(h, "archive_entry_xattr_reset");
	la.entry_xattr_next = dlsym(h, "archive_entry_xattr_next");
	la.entry_xattr_clear = dlsym(h, "archive_entry_xattr_clear");
	la.entry_xattr_add_entry = dlsym(h, "archive_entry_xattr_add_entry");
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
#define archive_read_support_format_raw la.read_support_format_raw
#define archive_read_support_filter_all la.read_support_filter_all
#define archive_read_open la.read_open
#define archive_read_next_header la.read_next_header
#define archive_read_new la.read_new
#define archive_read_free la.read_free
#define archive_read_data_block la.read_data_block
#define archive_entry_size la.entry_size
#define archive_entry_pathname la.entry_pathname
#define archive_entry_filetype la.entry_filetype
#define archive_entry_xattr_reset la.entry_xattr_reset
#define archive_entry_xattr_next la.entry_xattr_next
#define archive_entry_xattr_clear la.entry_xattr_clear
#define archive_entry_xattr_add_entry la.entry_xattr_add_entry

_Static_assert(IMAGE_ENV_MAX == LAB_IMAGE_ENV_MAX, "the Env a node's defaults file keeps");

#define HEXLEN IMAGE_HEXLEN
_Static_assert(HEXLEN == SHA256_DIGEST_SIZE * 2, "sha256 in hex");

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

/*
 * The store's layers/ is its owner's alone (0700), as Docker's /var/lib/docker is: a layer keeps
 * the setuid bits and file capabilities of its image (an image's su and ping work in its
 * nodes), and a user of the host must not reach a setuid-root file an image brought. A node is
 * not slowed by it: overlayfs checks the layers' permissions with its mounter's credentials.
 * A store made before this is narrowed here, when it is ours.
 */
static int layers_private(const char *path)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (st.st_uid == geteuid() && (st.st_mode & 077) && fchmod(fd, 0700) < 0)
		return negative_errno();
	return 0;
}

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
	r = mkdir_p(path, 0700);
	if (r >= 0)
		r = layers_private(path);
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

/*
 * How a layer was unpacked, kept beside it as layers/HEX.idmap (not in it: the node would see
 * it): the store's format and the id mapping its owners were written under, "2 host" in root's
 * store (real owners), "2 uid U+S/N gid G+T/M" in a user's with a range, "2 uid U gid G" in one
 * squashed to the user. A layer whose stamp is not the one the store would write now is stale:
 * its files would have the wrong owners in a node (a squashed layer once the user has a range),
 * or (a layer of root's store without a stamp, from before format 2) it may lack the
 * user.overlay.opaque xattrs an overlay mounted with userxattr reads.
 */
#define STAMP_MAX 128
#define STAMP_FORMAT "2"
static char store_stamp[STAMP_MAX]; /* what the unpacking process writes: set with the mapping */

/* Removes name under dfd, a directory with everything in it, following no symbolic link. */
static int rm_at(int dfd, const char *name, unsigned depth)
{
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd, r = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : negative_errno();
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0) < 0 ? negative_errno() : 0;
	if (depth > IMAGE_DEPTH_MAX + 16) /* an fd a level: keep within RLIMIT_NOFILE */
		return -ELOOP;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = negative_errno();
		if (fd >= 0)
			close(fd);
		return r;
	}
	while (r >= 0 && (de = readdir(d)))
		if (!streq(de->d_name, ".") && !streq(de->d_name, ".."))
			r = rm_at(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	if (r >= 0 && unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		r = negative_errno();
	return r;
}

/* Removes path and all below it, following no symbolic link and needing no full path of any
 * length (an image's deep tree is removed as surely as it was made). */
static int rm_rf(const char *path)
{
	return rm_at(AT_FDCWD, path, 0);
}

/* The layer's directory dir (components without ".."; "" is the top), made where missing, one
 * component at a time from the working directory (the layer), following no symbolic link: a
 * link or a file in the way is -ELOOP or -ENOTDIR, never a path out of the layer. */
static int layer_dir_open(const char *dir)
{
	_cleanup_close_ int fd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const char *p = dir;

	if (fd < 0)
		return negative_errno();
	while (*p) {
		char comp[NAME_MAX + 1];
		size_t n = strcspn(p, "/");
		int next;

		/* image_whiteout_parse() has checked it: no component is longer. */
		snprintf(comp, sizeof(comp), "%.*s", (int)n, p);
		p += n + (p[n] == '/');
		next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
				return negative_errno();
			next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		}
		if (next < 0)
			return negative_errno();
		close(fd);
		fd = next;
	}
	return TAKE_FD(fd);
}

/*
 * An OCI whiteout, turned into overlayfs's: .wh.NAME hides NAME of the layers below (a 0/0
 * character device), .wh..wh..opq hides everything below in its directory (an xattr). Applied
 * by hand, so checked by hand as libarchive checks the entries it writes: nothing absolute, no
 * "..", no symbolic link on the way (image_whiteout_parse(), layer_dir_open()). 1: done; 0:
 * not a whiteout; -errno with err set.
 */
static int whiteout(const char *path, char *err, size_t errlen)
{
	char dir[LAB_PATH_MAX];
	const char *name = NULL;
	_cleanup_close_ int fd = -EBADF;
	int kind = image_whiteout_parse(path, dir, sizeof(dir), &name), r;

	if (kind == IMAGE_WH_NONE)
		return 0;
	if (kind < 0) {
		snprintf(err, errlen, "whiteout '%s': %s", ESCAPED(path),
			 kind == -EXDEV	 ? "a path out of the layer (absolute, or with '..')"
			 : kind == -EINVAL ? "it names no file ('', '.' or '..')"
					   : "name too long");
		return -EBADMSG;
	}
	fd = layer_dir_open(dir);
	if (fd == -ELOOP || fd == -ENOTDIR) {
		snprintf(err, errlen, "whiteout '%s': its directory is a symbolic link or a file "
			 "in this layer", ESCAPED(path));
		return -EBADMSG;
	}
	if (fd < 0) {
		snprintf(err, errlen, "whiteout '%s': %s", ESCAPED(path), strerror(-fd));
		return fd;
	}
	if (kind == IMAGE_WH_OPAQUE) {
		/* trusted.* for an overlay mounted by root, user.* for one mounted in a rootless
		 * lab's user namespace (userxattr, rootfs.c); a user's store can only set user.*. */
		if ((!in_userns && fsetxattr(fd, "trusted.overlay.opaque", "y", 1, 0) < 0) ||
		    fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0) {
			r = negative_errno();
			snprintf(err, errlen, "whiteout '%s': %s", ESCAPED(path), strerror(-r));
			return r;
		}
		return 1;
	}
	r = rm_at(fd, name, 0);
	if (r >= 0 && mknodat(fd, name, S_IFCHR | 0000, makedev(0, 0)) < 0)
		r = negative_errno();
	if (r < 0) {
		snprintf(err, errlen, "whiteout '%s': %s", ESCAPED(path), strerror(-r));
		return r;
	}
	return 1;
}

/* overlayfs reads its own xattrs in lower layers (redirect, metacopy, opaque, origin): an image
 * must not steer it, so only those netlab sets for whiteouts exist in the store. */
static int drop_overlay_xattrs(struct archive_entry *e)
{
	struct {
		char *name;
		void *value;
		size_t size;
	} keep[64];
	size_t n = 0, dropped = 0;
	const char *name;
	const void *value;
	size_t size;
	int r = 0;

	if (archive_entry_xattr_reset(e) == 0)
		return 0;
	while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK) {
		if (strncmp(name, "trusted.overlay.", 16) == 0 ||
		    strncmp(name, "user.overlay.", 13) == 0) {
			dropped++;
			continue;
		}
		if (n == ELEMENTSOF(keep)) {
			r = -E2BIG;
			break;
		}
		keep[n].name = strdup(name);
		keep[n].value = malloc(size ? size : 1);
		keep[n].size = size;
		if (!keep[n].name || !keep[n].value) {
			free(keep[n].name);
			free(keep[n].value);
			r = -ENOMEM;
			break;
		}
		memcpy(keep[n++].value, value, size);
	}
	if (r >= 0 && dropped) {
		archive_entry_xattr_clear(e);
		for (size_t i = 0; i < n; i++)
			archive_entry_xattr_add_entry(e, keep[i].name, keep[i].value, keep[i].size);
	}
	for (size_t i = 0; i < n; i++) {
		free(keep[i].name);
		free(keep[i].value);
	}
	return r;
}

/* What an entry is before it reaches libarchive's writer: a whiteout (applied here), a device
 * (skipped in a layer: a node never sees an image's devices, its /dev is a tmpfs of its own,
 * rootfs.c; refused in an image archive, which holds files), or one to write (0). */
static int entry_filter(struct archive_entry *e, const char *path, bool layer, char *err,
			size_t errlen)
{
	unsigned type = archive_entry_filetype(e);
	int r;

	if (image_entry_path_check(path) < 0) {
		snprintf(err, errlen, "'%s': name too long (a path has at most %d bytes, "
			 "%d directories, names of %d)", ESCAPED(path), IMAGE_PATH_MAX - 1, IMAGE_DEPTH_MAX,
			 NAME_MAX);
		return -EBADMSG;
	}
	if (layer) {
		r = whiteout(path, err, errlen);
		if (r != 0)
			return r;
	}
	if (type == AE_IFCHR || type == AE_IFBLK) {
		if (layer)
			return 1;
		snprintf(err, errlen, "'%s': a device in an image archive", ESCAPED(path));
		return -EBADMSG;
	}
	if (layer && (r = drop_overlay_xattrs(e)) < 0) {
		snprintf(err, errlen, "'%s': %s", ESCAPED(path),
			 r == -E2BIG ? "too many extended attributes" : strerror(-r));
		return -EBADMSG;
	}
	return 0;
}

/* libarchive's error on a, for the entry path (or NULL: the archive as a whole), into err;
 * returns r. */
static int la_fail(char *err, size_t errlen, const char *path, struct archive *a, int r)
{
	if (path)
		snprintf(err, errlen, "'%s': %.200s", ESCAPED(path), archive_error_string(a));
	else
		snprintf(err, errlen, "%s", archive_error_string(a));
	return r;
}

static int copy_data(struct archive *in, struct archive *out, const char *path, char *err,
		     size_t errlen)
{
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		if (archive_write_data_block(out, buf, size, off) < ARCHIVE_WARN)
			return la_fail(err, errlen, path, out, -EIO);
	return r == ARCHIVE_EOF ? 0 : la_fail(err, errlen, NULL, in, -EBADMSG);
}

/*
 * libarchive refuses, with SECURE_*, an absolute path, a '..' and a path through a symbolic link
 * (also as a hard link's target, so no link to a host file is made). A layer (layer true) keeps
 * owners, modes (setuid too: the store's layers/ is its owner's alone, store_lock()) and xattrs;
 * an image archive (oci-archive, docker-archive) is only files to read, so it keeps none.
 */
static int extract_entries(struct archive *in, bool layer, char *err, size_t errlen)
{
	_cleanup_(archive_write_freep) struct archive *out = archive_write_disk_new();
	struct archive_entry *e;
	int r;

	if (!out)
		return -ENOMEM;
	archive_write_disk_set_options(out, ARCHIVE_EXTRACT_TIME |
						    (layer ? ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR : 0) |
						    (layer && !squash_owners ? ARCHIVE_EXTRACT_OWNER : 0) |
						    ARCHIVE_EXTRACT_SECURE_SYMLINKS |
						    ARCHIVE_EXTRACT_SECURE_NODOTDOT |
						    ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS);
	archive_write_disk_set_standard_lookup(out);
	while ((r = archive_read_next_header(in, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);

		if (!path) {
			snprintf(err, errlen, "an entry without a name netlab can read");
			return -EBADMSG;
		}
		r = entry_filter(e, path, layer, err, errlen);
		if (r < 0)
			return r;
		if (r > 0)
			continue;
		if (archive_write_header(out, e) < ARCHIVE_WARN)
			return la_fail(err, errlen, path, out, -EBADMSG);
		if (archive_entry_size(e) > 0 && (r = copy_data(in, out, path, err, errlen)) < 0)
			return r;
		if (archive_write_finish_entry(out) < ARCHIVE_WARN)
			return la_fail(err, errlen, path, out, -EIO);
	}
	return r == ARCHIVE_EOF ? 0 : la_fail(err, errlen, NULL, in, -EBADMSG);
}

/*
 * Unpacks the tar file open at fd (the caller's, read from where it is) into dir (which must
 * exist and be empty), as a layer or as an image archive (extract_entries()), and returns the
 * sha256 of the file in hex. libarchive writes relative to the working directory, so we go
 * there and back: the process is single-threaded (DESIGN §Conventions).
 */
static int unpack(int fd, bool layer, const char *dir, char hex[HEXLEN + 1], char *err,
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
	h->fd = fd;
	sha256_init(&h->sha);
	archive_read_support_filter_all(in);
	archive_read_support_format_tar(in);
	archive_read_support_format_gnutar(in);
	if (archive_read_open(in, h, NULL, hashed_read_cb, NULL) != ARCHIVE_OK)
		return la_fail(err, errlen, NULL, in, -EBADMSG);
	if (cwd < 0 || chdir(dir) < 0)
		return negative_errno();
	r = extract_entries(in, layer, err, errlen);
	if (fchdir(cwd) < 0 && r >= 0)
		r = negative_errno();
	if (r >= 0)
		r = hash_rest(h, hex);
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

/* The stamp of a user's store mapped as m (full: the ranges are mapped, else only the user). */
static void stamp_of_map(const struct ns_idmap *m, bool full, char buf[STAMP_MAX])
{
	if (full)
		snprintf(buf, STAMP_MAX, STAMP_FORMAT " uid %u+%u/%u gid %u+%u/%u", (unsigned)m->uid,
			 (unsigned)m->sub_uid, (unsigned)m->n_sub_uid, (unsigned)m->gid,
			 (unsigned)m->sub_gid, (unsigned)m->n_sub_gid);
	else
		snprintf(buf, STAMP_MAX, STAMP_FORMAT " uid %u gid %u", (unsigned)m->uid,
			 (unsigned)m->gid);
}

/* The stamp a layer unpacked now would get (in_store_userns() maps as this predicts). */
static void stamp_now(char buf[STAMP_MAX])
{
	struct ns_idmap m;
	bool helpers;

	if (geteuid() == 0) {
		snprintf(buf, STAMP_MAX, STAMP_FORMAT " host");
		return;
	}
	(void)lab_rootless_idmap(&m, &helpers);
	stamp_of_map(&m, m.n_sub_uid && m.n_sub_gid, buf);
}

/* The child: a user namespace of its own, mapped by the parent (which says 'F'ull or
 * 'S'quashed, then the stamp), then fn; its result goes back whole through the pipe. */
static _noreturn_ void store_child(int rd, int wr, store_fn fn, const void *arg)
{
	struct store_out out = { 0 };
	char c = unshare(CLONE_NEWUSER) < 0 ? 'E' : 'U';

	if (write(wr, &c, 1) != 1 || c == 'E' || read(rd, &c, 1) != 1 || c == 'E' ||
	    read(rd, store_stamp, sizeof(store_stamp)) != (ssize_t)sizeof(store_stamp))
		_exit(1);
	store_stamp[STAMP_MAX - 1] = '\0';
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
		stamp_now(store_stamp);
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
			    "in the image. Once you have a range, import the image again: netlab unpacks "
			    "such layers anew (and refuses them at up until then).",
			    (unsigned)map.uid, lab_image_dir());
	}
	/* As mapped: ns_userns_map() drops a range newuidmap refused. */
	stamp_of_map(&map, c == 'F', store_stamp);
	if (write(down[1], &c, 1) != 1 || c == 'E' ||
	    write(down[1], store_stamp, sizeof(store_stamp)) != (ssize_t)sizeof(store_stamp) ||
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

/* ---- a layer's stamp (store_stamp) ------------------------------------------------------- */

/* layers/HEX.idmap's line, without its newline, into buf. -ENOENT: none. */
static int stamp_read(const char *layers, const char *hex, char buf[STAMP_MAX])
{
	char path[LAB_PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s.idmap", layers, hex);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	n = read(fd, buf, STAMP_MAX - 1);
	if (n < 0)
		return negative_errno();
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

/* Writes layers/HEX.idmap whole (a temporary renamed over it). */
static int stamp_write(const char *layers, const char *hex, const char *stamp)
{
	char path[LAB_PATH_MAX], tmp[LAB_PATH_MAX];
	_cleanup_close_ int fd = -EBADF;
	size_t n = strlen(stamp);
	int r = 0;

	snprintf(path, sizeof(path), "%s/%s.idmap", layers, hex);
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s.idmap-%d", layers, hex, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0)
		return negative_errno();
	if (write(fd, stamp, n) != (ssize_t)n || write(fd, "\n", 1) != 1 || rename(tmp, path) < 0)
		r = errno ? negative_errno() : -EIO;
	if (r < 0)
		(void)unlink(tmp);
	return r;
}

/* What a stamp says, for a message. */
static void stamp_describe(const char *stamp, char *buf, size_t size)
{
	const char *m = strncmp(stamp, STAMP_FORMAT " ", 2) == 0 ? stamp + 2 : NULL;

	if (!m)
		snprintf(buf, size, "no record of its id mapping (by an older netlab)");
	else if (streq(m, "host"))
		snprintf(buf, size, "root's own ids");
	else if (strchr(m, '+'))
		snprintf(buf, size, "your subordinate ids mapped (%s)", m);
	else
		snprintf(buf, size, "only your own id mapped (%s: every owner squashed to it)", m);
}

/* Gives each opaque directory of root's layer under dfd that has trusted.overlay.opaque the
 * user.overlay.opaque beside it, as import does since store format 2: an overlay mounted with
 * userxattr (`up --rootless` as root) reads only that one. No symbolic link is followed. */
static int mend_opaque_at(int dfd, const char *name, unsigned depth)
{
	struct dirent *de;
	char v[2];
	DIR *d;
	int fd, r = 0;

	if (depth > IMAGE_DEPTH_MAX + 16)
		return -ELOOP;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOTDIR || errno == ELOOP ? 0 : negative_errno();
	if (fgetxattr(fd, "trusted.overlay.opaque", v, sizeof(v)) == 1 && v[0] == 'y' &&
	    fsetxattr(fd, "user.overlay.opaque", "y", 1, 0) < 0)
		r = negative_errno();
	if (!(d = fdopendir(fd))) {
		close(fd);
		return negative_errno();
	}
	while (r >= 0 && (de = readdir(d)))
		if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) && !streq(de->d_name, ".") &&
		    !streq(de->d_name, ".."))
			r = mend_opaque_at(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return r;
}

/*
 * 0 when layers/HEX was unpacked as this store unpacks now, now being stamp_now()'s stamp,
 * which the caller computes once for all the layers it checks (a user's costs a read of
 * /etc/subuid and /etc/subgid); root's store mends a layer of format 1 in place: only its
 * xattrs differ. -ESTALE, with *old its stamp ("" for none), when it must be unpacked anew;
 * -errno.
 */
static int layer_current(const char *layers, const char *hex, const char *now,
			 char old[STAMP_MAX])
{
	char path[LAB_PATH_MAX];
	int r;

	r = stamp_read(layers, hex, old);
	if (r == -ENOENT)
		old[0] = '\0';
	else if (r < 0)
		return r;
	if (streq(old, now))
		return 0;
	if (r == -ENOENT && geteuid() == 0) {
		snprintf(path, sizeof(path), "%s/%s", layers, hex);
		r = mend_opaque_at(AT_FDCWD, path, 0);
		return r < 0 ? r : stamp_write(layers, hex, now);
	}
	return -ESTALE;
}

struct layer_job {
	int fd; /* the layer's tar, read from where it is */
	const char *want, *tmp;
	const char *diff;   /* the sha256 (hex) of its tar uncompressed, or NULL */
	const char *layers; /* the store's layers/, named by the parent: in the child, as root of
			     * its user namespace, lab_image_dir() would name root's store */
};

/* The sha256 of the tar open at fd, decompressed (libarchive's filters, the raw format). */
static int uncompressed_hex(int fd, char hex[HEXLEN + 1], char *err, size_t errlen)
{
	_cleanup_(archive_read_freep) struct archive *in = archive_read_new();
	_cleanup_free_ struct hashed_read *h = calloc(1, sizeof(*h));
	struct archive_entry *e;
	struct sha256_ctx sha;
	uint8_t d[SHA256_DIGEST_SIZE];
	const void *buf;
	size_t size;
	la_int64_t off;
	int r;

	if (!in || !h)
		return -ENOMEM;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return negative_errno();
	h->fd = fd;
	sha256_init(&h->sha);
	sha256_init(&sha);
	archive_read_support_filter_all(in);
	archive_read_support_format_raw(in);
	if (archive_read_open(in, h, NULL, hashed_read_cb, NULL) != ARCHIVE_OK ||
	    archive_read_next_header(in, &e) != ARCHIVE_OK)
		return la_fail(err, errlen, NULL, in, -EBADMSG);
	while ((r = archive_read_data_block(in, &buf, &size, &off)) == ARCHIVE_OK)
		sha256_update(&sha, size, buf);
	if (r != ARCHIVE_EOF)
		return la_fail(err, errlen, NULL, in, -EBADMSG);
	sha256_digest(&sha, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

/* The unpacked layer against what the image says of it: its file's sha256, its tar's. */
static int layer_verify(const struct layer_job *j, const char *hex, char *err, size_t errlen)
{
	char u[HEXLEN + 1];
	int r;

	if (j->want && !streq(hex, j->want)) {
		snprintf(err, errlen, "its sha256 is %s, the manifest says %s", hex, j->want);
		return -EBADMSG;
	}
	/* An uncompressed tar (docker save's) is its own diff_id: read once, not twice. */
	if (!j->diff || streq(hex, j->diff))
		return 0;
	r = uncompressed_hex(j->fd, u, err, errlen);
	if (r >= 0 && !streq(u, j->diff)) {
		snprintf(err, errlen, "its uncompressed sha256 is %s, the config's rootfs.diff_ids "
			 "says %s", u, j->diff);
		r = -EBADMSG;
	}
	return r;
}

/*
 * Moves the unpacked tmp to layers/HEX with its stamp. One already there as this store unpacks
 * now was unpacked by someone else meanwhile: theirs is as good as ours. One stamped otherwise
 * (stale, layer_current()) is set aside and replaced, then removed: a running lab keeps the
 * directory it mounted.
 */
static int layer_place(const struct layer_job *j, const char *hex, char *err, size_t errlen)
{
	char final[LAB_PATH_MAX], aside[LAB_PATH_MAX] = "", have[STAMP_MAX];
	struct stat st;
	int r = 0;

	snprintf(final, sizeof(final), "%s/%s", j->layers, hex);
	if (lstat(final, &st) == 0 && S_ISDIR(st.st_mode)) {
		if (stamp_read(j->layers, hex, have) >= 0 && streq(have, store_stamp)) {
			(void)rm_rf(j->tmp);
			return 0;
		}
		snprintf(aside, sizeof(aside), "%s.stale", j->tmp);
		if (rename(final, aside) < 0 && errno != ENOENT)
			r = negative_errno();
	}
	if (r >= 0)
		r = stamp_write(j->layers, hex, store_stamp);
	if (r >= 0 && rename(j->tmp, final) < 0) {
		r = negative_errno();
		if (r == -ENOTEMPTY || r == -EEXIST)
			r = 0; /* another import placed it between the two renames */
	}
	if (r < 0) {
		(void)rm_rf(j->tmp);
		snprintf(err, errlen, "cannot move it into the store");
	}
	if (aside[0] && rm_rf(aside) < 0)
		log_warning("Cannot remove %s, a copy of layer %s unpacked under another id mapping "
			    "(its files are not yours here): remove it as root", aside, hex);
	return r;
}

/* Unpacks into tmp and moves it to layers/HEX (in the store's user namespace). */
static void layer_unpack(const void *arg, struct store_out *out)
{
	const struct layer_job *j = arg;

	out->r = unpack(j->fd, true, j->tmp, out->hex, out->err, sizeof(out->err));
	if (out->r >= 0)
		out->r = layer_verify(j, out->hex, out->err, sizeof(out->err));
	if (out->r < 0) {
		(void)rm_rf(j->tmp);
		return;
	}
	out->r = layer_place(j, out->hex, out->err, sizeof(out->err));
}

/*
 * Makes layers/HEX from the tar open at fd, unless it is there already, unpacked as the store
 * unpacks now (a stale one is unpacked anew). want is the digest the manifest gives (hex), or
 * NULL for "whatever it is" (a plain tarball, an old docker-archive layer); diff (or NULL) the
 * sha256 of the tar uncompressed, the config's rootfs.diff_ids; now the store's stamp
 * (stamp_now()); ret_hex gets the layer's name.
 */
static int layer_add(int fd, const char *want, const char *diff, const char *what,
		     const char *now, char ret_hex[HEXLEN + 1])
{
	char tmp[LAB_PATH_MAX], final[LAB_PATH_MAX], layers[LAB_PATH_MAX], old[STAMP_MAX];
	struct layer_job job = { .fd = fd, .want = want, .diff = diff, .tmp = tmp,
				 .layers = layers };
	struct store_out out;
	struct stat st;
	int r;

	snprintf(layers, sizeof(layers), "%s/layers", lab_image_dir());
	if (want) {
		snprintf(final, sizeof(final), "%s/layers/%s", lab_image_dir(), want);
		if (lstat(final, &st) == 0 && S_ISDIR(st.st_mode)) {
			r = layer_current(layers, want, now, old);
			if (r >= 0) {
				snprintf(ret_hex, HEXLEN + 1, "%s", want);
				return 0;
			}
			if (r != -ESTALE)
				return log_error_errno(r, "%s: layer %s: %m", what, want);
			stamp_describe(old, tmp, sizeof(tmp));
			log_notice("%s: layer %s was unpacked with %s: unpacking it anew", what,
				   want, tmp);
		}
	}
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

/* ---- reading what an image says ---------------------------------------------------------- */

/* rel beneath the directory dirfd, opened to read: no absolute path, no '..' and no symbolic
 * link that leads out of it, no magic link (an image archive is unpacked with its symbolic
 * links: `docker save` links a layer shared by two images). O_NONBLOCK: a FIFO does not hang. */
static int open_beneath(int dirfd, const char *rel)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	int fd = (int)syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));

	return fd < 0 ? negative_errno() : fd;
}

static const char *open_strerror(int r)
{
	if (r == -ENOENT)
		return "missing";
	if (r == -EXDEV || r == -ELOOP)
		return "it leads out of the image (an absolute path, '..' or a symbolic link)";
	return strerror(-r);
}

static void sha256_hex(const void *buf, size_t n, char hex[HEXLEN + 1])
{
	struct sha256_ctx sha;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_init(&sha);
	sha256_update(&sha, n, buf);
	sha256_digest(&sha, sizeof(d), d);
	for (size_t i = 0; i < sizeof(d); i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
}

/* A regular file of at most IMAGE_JSON_MAX bytes, read whole; want_hex (or NULL) the sha256 its
 * bytes must have. -EBADMSG with err set, or -errno. */
static int read_small(int fd, const char *want_hex, char **ret, size_t *ret_n, char *err,
		      size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	char hex[HEXLEN + 1];
	struct stat st;
	size_t n = 0;
	ssize_t k;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		return -EBADMSG;
	}
	if (st.st_size > IMAGE_JSON_MAX) {
		snprintf(err, errlen, "larger than %d MiB", IMAGE_JSON_MAX >> 20);
		return -EBADMSG;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return -ENOMEM;
	/* One byte more than it said: a file that grows meanwhile is refused, not cut short. */
	while (n <= (size_t)st.st_size &&
	       (k = read(fd, buf + n, (size_t)st.st_size + 1 - n)) != 0) {
		if (k < 0 && errno != EINTR)
			return negative_errno();
		n += k > 0 ? (size_t)k : 0;
	}
	if (n != (size_t)st.st_size) {
		snprintf(err, errlen, "changed while it was read");
		return -EBADMSG;
	}
	if (want_hex) {
		sha256_hex(buf, n, hex);
		if (!streq(hex, want_hex)) {
			snprintf(err, errlen, "its sha256 is %s, not %s", hex, want_hex);
			return -EBADMSG;
		}
	}
	*ret = TAKE_PTR(buf);
	*ret_n = n;
	return 0;
}

/* JSON of type `type` (an object or an array) from fd, as read_small() reads it. Duplicate keys
 * are refused: two readers of one manifest must not see two images. */
static int json_read_fd(int fd, const char *want_hex, json_type type, json_t **ret, char *err,
			size_t errlen)
{
	_cleanup_free_ char *buf = NULL;
	json_error_t e;
	json_t *j;
	size_t n;
	int r = read_small(fd, want_hex, &buf, &n, err, errlen);

	if (r < 0)
		return r;
	j = json_loadb(buf, n, JSON_REJECT_DUPLICATES, &e);
	if (!j) {
		snprintf(err, errlen, "%s (line %d)", e.text, e.line);
		return -EBADMSG;
	}
	if (json_typeof(j) != type) {
		json_decref(j);
		snprintf(err, errlen, "not a JSON %s", type == JSON_OBJECT ? "object" : "array");
		return -EBADMSG;
	}
	*ret = j;
	return 0;
}

/* ---- image records ----------------------------------------------------------------------- */

/* Called on checked values (image_runtime_check()): arrays of strings. */
static char **strv_from_json(json_t *a)
{
	size_t n = json_is_array(a) ? json_array_size(a) : 0;
	char **v;

	if (n == 0)
		return NULL;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *s = json_string_value(json_array_get(a, i));
		if (s && !(v[i] = strdup(s)))
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

/* Env, WorkingDir, User, Entrypoint, Cmd: under the config's "config" (capitalised) or in a
 * store record (lower case). */
static void runtime_get(json_t *o, bool record, struct image_runtime *rt)
{
	rt->env = json_object_get(o, record ? "env" : "Env");
	rt->workdir = json_object_get(o, record ? "workdir" : "WorkingDir");
	rt->user = json_object_get(o, record ? "user" : "User");
	rt->entrypoint = json_object_get(o, record ? "entrypoint" : "Entrypoint");
	rt->cmd = json_object_get(o, record ? "cmd" : "Cmd");
}

static void image_set_runtime(struct lab_image *img, const struct image_runtime *rt)
{
	const char *w = json_string_value(rt->workdir), *u = json_string_value(rt->user);

	img->env = strv_from_json(rt->env);
	img->workdir = w && *w ? strdup(w) : NULL;
	img->user = u && *u ? strdup(u) : NULL;
	img->entrypoint = strv_from_json(rt->entrypoint);
	img->cmd = strv_from_json(rt->cmd);
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
	if (json_dump_file(o, tmp, JSON_INDENT(1)) < 0) {
		unlink(tmp);
		return log_error_errno(-EIO, "Cannot write %s", tmp);
	}
	if (rename(tmp, path) < 0) {
		int r = negative_errno();
		unlink(tmp);
		return log_error_errno(r, "Cannot write %s: %m", path);
	}
	return 0;
}

/* A record's layers: names of the store (checked), as absolute paths. */
static int record_layers(struct lab_image *img, json_t *layers, char *err, size_t errlen)
{
	img->n_layers = json_array_size(layers);
	if (img->n_layers == 0 || img->n_layers > IMAGE_LAYERS_MAX) {
		snprintf(err, errlen, "%zu layers", img->n_layers);
		return -EBADMSG;
	}
	img->layers = calloc(img->n_layers, sizeof(*img->layers));
	if (!img->layers)
		return -ENOMEM;
	for (size_t i = 0; i < img->n_layers; i++) {
		const char *h = json_string_value(json_array_get(layers, i));
		if (!h || !image_hex_valid(h)) {
			snprintf(err, errlen, "layer %zu is not a layer name", i);
			return -EBADMSG;
		}
		if (asprintf(&img->layers[i], "%s/layers/%s", lab_image_dir(), h) < 0) {
			img->layers[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

/* Reads images/NAME.json, as hostile as an image (someone may have edited the store): the same
 * checks. -ENOENT when there is none (not logged); else logged, prefixed with where (or NULL).
 * *ret_source (may be NULL) gets its stamp. */
static int image_load(const char *name, const char *where, struct lab_image **ret,
		      json_t **ret_source)
{
	_cleanup_(image_freep) struct lab_image *img = calloc(1, sizeof(*img));
	_cleanup_json_ json_t *o = NULL;
	_cleanup_close_ int fd = -EBADF;
	struct image_runtime rt;
	char path[LAB_PATH_MAX], err[512] = "";
	int r;

	if (!img)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/images/%s.json", lab_image_dir(), name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0 && errno == ENOENT)
		return -ENOENT;
	r = fd < 0 ? (errno == ELOOP ? (snprintf(err, sizeof(err), "not a regular file"), -EBADMSG)
				    : negative_errno())
		   : json_read_fd(fd, NULL, JSON_OBJECT, &o, err, sizeof(err));
	if (r >= 0) {
		runtime_get(o, true, &rt);
		r = image_runtime_check(&rt, err, sizeof(err));
	}
	img->name = strdup(name);
	if (r >= 0 && !img->name)
		r = -ENOMEM;
	if (r >= 0)
		r = record_layers(img, json_object_get(o, "layers"), err, sizeof(err));
	if (r < 0)
		return log_error_errno(r, "%s%simage '%s': damaged record %s: %s%s%m (import it "
				       "again)", where ? where : "", where ? ": " : "", name, path,
				       err, err[0] ? ": " : "");
	img->ref = dup_json_str(o, "ref");
	img->digest = dup_json_str(o, "digest");
	img->arch = dup_json_str(o, "architecture");
	image_set_runtime(img, &rt);
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
	char now[STAMP_MAX];   /* stamp_now(), once per import */
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

/* Adds the layer whose tar is open at fd (closed here); want and diff as layer_add() takes. */
static int add_layer(struct import *imp, int fd, const char *want, const char *diff)
{
	char hex[HEXLEN + 1];
	char **h, **l;
	int r;

	if (imp->img->n_layers >= IMAGE_LAYERS_MAX) {
		close(fd);
		return log_error_errno(-E2BIG, "%s: more than %d layers", imp->what,
				       IMAGE_LAYERS_MAX);
	}
	r = layer_add(fd, want, diff, imp->what, imp->now, hex);
	close(fd);
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

/* The JSON file rel of the image's directory dirfd (what: "manifest", ...), checked against
 * want_hex (or NULL). NULL when it cannot be had, logged. */
static json_t *load_json(struct import *imp, int dirfd, const char *rel, const char *what,
			 const char *want_hex, json_type type)
{
	_cleanup_close_ int fd = open_beneath(dirfd, rel);
	char err[512] = "";
	json_t *j = NULL;
	int r = fd;

	if (fd >= 0)
		r = json_read_fd(fd, want_hex, type, &j, err, sizeof(err));
	if (r < 0)
		log_error_errno(r, "%s: %s %s: %s", imp->what, what, rel,
				err[0] ? err : open_strerror(r));
	return j;
}

/* The blob of descriptor d (blobs/sha256/HEX of its "sha256:HEX", checked to be just that),
 * open; *ret_hex points into d. kind: the mediaType it must have (or none). -errno, logged. */
static int open_blob(struct import *imp, int dirfd, json_t *d, const char *what,
		     enum image_media kind, int *ret_fd, const char **ret_hex)
{
	const char *digest = json_string_value(json_object_get(d, "digest")), *hex, *mt;
	char rel[16 + HEXLEN];
	int fd;

	if (!json_is_object(d))
		return log_error_errno(-EBADMSG, "%s: the %s's descriptor is not a JSON object",
				       imp->what, what);
	mt = json_string_value(json_object_get(d, "mediaType"));
	if (image_media_type(mt) != IMAGE_MT_NONE && image_media_type(mt) != kind)
		return log_error_errno(-EBADMSG, "%s: the %s has mediaType '%s', not %s",
				       imp->what, what, ESCAPED(mt),
				       kind == IMAGE_MT_LAYER ? "a tar layer's" : "an image config's");
	if (!image_digest_hex(digest, &hex))
		return log_error_errno(-EBADMSG, "%s: unsupported or malformed digest '%s' "
				       "for the %s", imp->what, digest ? ESCAPED(digest) : "(none)",
				       what);
	snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
	fd = open_beneath(dirfd, rel);
	if (fd < 0)
		return log_error_errno(fd, "%s: %s %s: %s", imp->what, what, rel, open_strerror(fd));
	*ret_fd = fd;
	*ret_hex = hex;
	return 0;
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
		snprintf(have + n, sizeof(have) - n, "%s%.32s/%.32s", n ? ", " : "", os ? os : "?",
			 arch ? arch : "?");
	}
	return log_error_errno(-ENOEXEC, "%s: no manifest for linux/%s (the image has: %s)",
			       imp->what, oci_arch(), have[0] ? have : "none");
}

/* The config's platform and runtime part, checked, into the image. */
static int use_config(struct import *imp, json_t *cfg)
{
	const char *arch = json_string_value(json_object_get(cfg, "architecture"));
	const char *os = json_string_value(json_object_get(cfg, "os"));
	json_t *c = json_object_get(cfg, "config");
	struct image_runtime rt;
	char err[512];

	if (os && !streq(os, "linux"))
		return log_error_errno(-ENOEXEC, "%s: the image is for %.64s/%.64s, this machine "
				       "runs linux/%s", imp->what, os, arch ? arch : "?", oci_arch());
	if (arch && !streq(arch, oci_arch()))
		return log_error_errno(-ENOEXEC, "%s: the image is for %.64s, this machine runs %s",
				       imp->what, arch, oci_arch());
	if (c && !json_is_object(c) && !json_is_null(c))
		return log_error_errno(-EBADMSG, "%s: config: its \"config\" is not a JSON object",
				       imp->what);
	runtime_get(c, false, &rt);
	if (image_runtime_check(&rt, err, sizeof(err)) < 0)
		return log_error_errno(-EBADMSG, "%s: config: %s", imp->what, err);
	imp->img->arch = strdup(arch ? arch : oci_arch());
	image_set_runtime(imp->img, &rt);
	return 0;
}

/* What a manifest is: its own mediaType and its descriptor's (when they say) must agree; an
 * index that says nothing is known by its "manifests". *ret_mt: the type to name. */
static enum image_media manifest_kind(json_t *desc, json_t *manifest, const char **ret_mt)
{
	const char *d = json_string_value(json_object_get(desc, "mediaType"));
	const char *own = json_string_value(json_object_get(manifest, "mediaType"));
	enum image_media kd = image_media_type(d), ko = image_media_type(own);

	*ret_mt = own ? own : d;
	if (kd != IMAGE_MT_NONE && ko != IMAGE_MT_NONE && kd != ko)
		return IMAGE_MT_OTHER;
	if (ko == IMAGE_MT_NONE)
		ko = kd;
	if (ko == IMAGE_MT_NONE)
		ko = json_object_get(manifest, "manifests") ? IMAGE_MT_INDEX : IMAGE_MT_MANIFEST;
	return ko;
}

/* Follows index.json's descriptor (through at most a few indexes) to the image manifest. */
static int oci_manifest(struct import *imp, int dirfd, json_t *desc, json_t **ret)
{
	_cleanup_json_ json_t *manifest = NULL, *hold = NULL;

	for (int depth = 0;; depth++) {
		const char *digest = json_string_value(json_object_get(desc, "digest")), *hex, *mt;
		enum image_media kind;
		char rel[16 + HEXLEN];

		if (!image_digest_hex(digest, &hex))
			return log_error_errno(-EBADMSG, "%s: unsupported or malformed digest "
					       "'%s'", imp->what, digest ? ESCAPED(digest) : "(none)");
		snprintf(rel, sizeof(rel), "blobs/sha256/%s", hex);
		json_decref(manifest);
		manifest = load_json(imp, dirfd, rel, "manifest", hex, JSON_OBJECT);
		if (!manifest)
			return -EBADMSG;
		free(imp->img->digest);
		imp->img->digest = strdup(digest);
		kind = manifest_kind(desc, manifest, &mt);
		if (kind == IMAGE_MT_MANIFEST)
			break;
		if (kind != IMAGE_MT_INDEX)
			return log_error_errno(-EBADMSG, "%s: %s has mediaType '%s': not an image "
					       "manifest or index (or not what index.json says)",
					       imp->what, rel, mt ? ESCAPED(mt) : "(none)");
		if (depth > 4)
			return log_error_errno(-ELOOP, "%s: indexes nested too deep", imp->what);
		if (pick_platform(imp, manifest, &desc) < 0)
			return -ENOEXEC;
		/* keeps the descriptor alive after the manifest it came from */
		json_decref(hold);
		hold = json_incref(desc);
	}
	*ret = TAKE_PTR(manifest);
	return 0;
}

/* An OCI image layout: index.json, then (through indexes) one manifest, its config, layers. */
static int import_oci_layout(struct import *imp, const char *dir, const char *tag)
{
	_cleanup_json_ json_t *index = NULL, *manifest = NULL, *cfg = NULL;
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	json_t *desc = NULL, *d, *layers;
	char err[512] = "";
	const char *hex;
	size_t i;
	int fd, r;

	if (dirfd < 0)
		return log_error_errno(negative_errno(), "%s: %s: %m", imp->what, ESCAPED(dir));
	index = load_json(imp, dirfd, "index.json", "OCI layout index", NULL, JSON_OBJECT);
	if (!index)
		return -EBADMSG;
	json_array_foreach(json_object_get(index, "manifests"), i, d) {
		const char *name = json_string_value(json_object_get(
			json_object_get(d, "annotations"), "org.opencontainers.image.ref.name"));
		if (tag ? name && streq(name, tag) : json_array_size(json_object_get(index, "manifests")) == 1)
			desc = d;
	}
	if (!desc)
		return log_error_errno(-ENOENT, "%s: %s in %s/index.json", imp->what,
				       tag ? "no image with that tag" : "not one image: give a :TAG",
				       dir);
	r = oci_manifest(imp, dirfd, desc, &manifest);
	if (r < 0)
		return r;
	r = open_blob(imp, dirfd, json_object_get(manifest, "config"), "config", IMAGE_MT_CONFIG,
		      &fd, &hex);
	if (r < 0)
		return r;
	r = json_read_fd(fd, hex, JSON_OBJECT, &cfg, err, sizeof(err));
	close(fd);
	if (r < 0)
		return log_error_errno(r, "%s: config blobs/sha256/%s: %s", imp->what, hex,
				       err);
	r = use_config(imp, cfg);
	if (r < 0)
		return r;
	layers = json_object_get(manifest, "layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return log_error_errno(-EBADMSG, "%s: the manifest has no layers", imp->what);
	if (json_array_size(layers) > IMAGE_LAYERS_MAX)
		return log_error_errno(-E2BIG, "%s: the manifest lists %zu layers, at most %d are "
				       "taken", imp->what, json_array_size(layers), IMAGE_LAYERS_MAX);
	json_array_foreach(layers, i, d) {
		r = open_blob(imp, dirfd, d, "layer", IMAGE_MT_LAYER, &fd, &hex);
		if (r < 0)
			return r;
		r = add_layer(imp, fd, hex, NULL);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A docker-archive's config: named by its sha256 ("HEX.json", or "blobs/sha256/HEX" in one
 * written by Docker 25 and later), which is then checked. */
static const char *docker_config_hex(const char *c, char hex[HEXLEN + 1])
{
	const char *base = strrchr(c, '/') ? strrchr(c, '/') + 1 : c;
	size_t n = strlen(base);

	if (n != HEXLEN && !(n == HEXLEN + 5 && streq(base + HEXLEN, ".json")))
		return NULL;
	snprintf(hex, HEXLEN + 1, "%.*s", HEXLEN, base);
	return image_hex_valid(hex) ? hex : NULL;
}

/* `docker save` output, unpacked: manifest.json names the config and the layer tars. */
static int import_docker_dir(struct import *imp, const char *dir)
{
	_cleanup_json_ json_t *m = NULL, *cfg = NULL;
	_cleanup_close_ int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	char hex[HEXLEN + 1];
	json_t *img, *l, *layers, *diffs;
	const char *c;
	size_t i;
	int r;

	if (dirfd < 0)
		return log_error_errno(negative_errno(), "%s: %s: %m", imp->what, ESCAPED(dir));
	m = load_json(imp, dirfd, "manifest.json", "docker archive", NULL, JSON_ARRAY);
	if (!m)
		return -EBADMSG;
	if (json_array_size(m) != 1)
		return log_error_errno(-EBADMSG, "%s: the archive holds %zu images, not one",
				       imp->what, json_array_size(m));
	img = json_array_get(m, 0);
	c = json_string_value(json_object_get(img, "Config"));
	if (!c)
		return log_error_errno(-EBADMSG, "%s: manifest.json has no Config", imp->what);
	cfg = load_json(imp, dirfd, c, "config", docker_config_hex(c, hex), JSON_OBJECT);
	if (!cfg)
		return -EBADMSG;
	r = use_config(imp, cfg);
	if (r < 0)
		return r;
	imp->img->digest = strdup(c);
	layers = json_object_get(img, "Layers");
	if (!json_is_array(layers) || json_array_size(layers) == 0)
		return log_error_errno(-EBADMSG, "%s: manifest.json lists no layers", imp->what);
	/* What `docker load` checks each layer against: its tar's sha256, uncompressed. */
	diffs = json_object_get(json_object_get(cfg, "rootfs"), "diff_ids");
	if (json_array_size(diffs) != json_array_size(layers))
		return log_error_errno(-EBADMSG, "%s: the config's rootfs.diff_ids lists %zu layers, "
				       "manifest.json %zu", imp->what, json_array_size(diffs),
				       json_array_size(layers));
	json_array_foreach(layers, i, l) {
		const char *s = json_string_value(l), *diff;
		int fd;

		if (!s)
			return log_error_errno(-EBADMSG, "%s: manifest.json's Layers[%zu] is not a "
					       "string", imp->what, i);
		if (!image_digest_hex(json_string_value(json_array_get(diffs, i)), &diff))
			return log_error_errno(-EBADMSG, "%s: the config's rootfs.diff_ids[%zu] is not "
					       "a sha256 digest", imp->what, i);
		fd = open_beneath(dirfd, s);
		if (fd < 0)
			return log_error_errno(fd, "%s: layer '%s': %s", imp->what, ESCAPED(s),
					       open_strerror(fd));
		/* Docker 25 and later name a layer blobs/sha256/HEX (of the tar as it is):
		 * checked; older ones ID/layer.tar, by an id that is no digest. Both against
		 * the diff_id. */
		r = add_layer(imp, fd, strncmp(s, "blobs/sha256/", 13) == 0 &&
					       image_hex_valid(s + 13) ? s + 13 : NULL, diff);
		if (r < 0)
			return r;
	}
	return 0;
}

/* A file the user names: followed as given, but a regular file (a FIFO or a device would
 * never end). -errno, logged. */
static int open_source(struct import *imp, const char *file)
{
	struct stat st;
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

	if (fd < 0)
		return log_error_errno(negative_errno(), "%s: %s: %m", imp->what, ESCAPED(file));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return log_error_errno(S_ISDIR(st.st_mode) ? -EISDIR : -EBADMSG,
				       "%s: %s is not a regular file%s", imp->what, ESCAPED(file),
				       S_ISDIR(st.st_mode) ? " (use rootfs=DIR, or oci:DIR for an "
							     "OCI layout)" : "");
	}
	return fd;
}

/* An archive (oci-archive, docker-archive) unpacked into a temporary directory. */
static int unpack_archive(struct import *imp, const char *file)
{
	char hex[HEXLEN + 1], err[512] = "";
	_cleanup_close_ int fd = open_source(imp, file);
	int r;

	if (fd < 0)
		return fd;
	r = tmp_dir(imp->tmp, sizeof(imp->tmp));
	if (r < 0) {
		imp->tmp[0] = '\0';
		return log_error_errno(r, "Cannot make a directory in %s: %m", lab_image_dir());
	}
	r = unpack(fd, false, imp->tmp, hex, err, sizeof(err));
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
		int fd = open_source(imp, imp->ref);
		if (fd < 0)
			return fd;
		imp->img->arch = strdup(oci_arch());
		r = add_layer(imp, fd, NULL, NULL);
		if (r >= 0 && asprintf(&imp->img->digest, "sha256:%s", imp->hexes[0]) < 0)
			imp->img->digest = NULL;
		return r;
	}
	return import_skopeo(imp);
}

/* The store name for a reference imported by `up` or by `import` without a name
 * (image_auto_name(): a long one ends in a hash of it). */
static void auto_name(const char *ref, char buf[IMAGE_NAME_MAX + 1])
{
	char hex[HEXLEN + 1];

	sha256_hex(ref, strlen(ref), hex);
	image_auto_name(ref, hex, buf);
}

/* Imports ref as name; now is stamp_now()'s stamp when the caller has it, else NULL. */
static int do_import(const char *ref, const char *name, const char *where, const char *now,
		     struct lab_image **ret)
{
	struct import imp = { .ref = ref };
	char src[LAB_PATH_MAX];
	int r;

	if (now)
		snprintf(imp.now, sizeof(imp.now), "%s", now);
	else
		stamp_now(imp.now);

	snprintf(imp.what, sizeof(imp.what), "%s%simage '%s'", where ? where : "",
		 where ? ": " : "", ESCAPED(ref));
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
	char buf[IMAGE_NAME_MAX + 1];
	int r;

	if (name && !image_name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid image name (letters, digits, "
				       "'_', '-', '.', at most %d, not starting with '.')",
				       ESCAPED(name), IMAGE_NAME_MAX);
	if (!name) {
		auto_name(ref, buf);
		if (!image_name_valid(buf))
			return log_error_errno(-EINVAL, "image '%s': cannot make a name of it: give "
					       "one (netlab image import REF NAME)", ESCAPED(ref));
		name = buf;
	}
	r = store_lock(false, &lock);
	if (r < 0)
		return r;
	r = do_import(ref, name, NULL, NULL, NULL);
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

/* Every layer of the image is still there, a directory (a prune or a hand may have removed
 * one, or put something else there), unpacked as the store unpacks now (layer_current(), now
 * stamp_now()'s stamp): 0, -ENOENT, -ENOTDIR, or -ESTALE with *old its stamp, *ret_i the
 * layer. */
static int layers_check(const struct lab_image *img, const char *now, size_t *ret_i,
			char old[STAMP_MAX])
{
	char layers[LAB_PATH_MAX];
	struct stat st;
	int r;

	snprintf(layers, sizeof(layers), "%s/layers", lab_image_dir());
	for (size_t i = 0; i < img->n_layers; i++) {
		*ret_i = i;
		if (lstat(img->layers[i], &st) < 0)
			return -ENOENT;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
		/* record_layers() made it layers/HEX */
		r = layer_current(layers, strrchr(img->layers[i], '/') + 1, now, old);
		if (r < 0)
			return r;
	}
	return img->n_layers > 0 ? 0 : -ENOENT;
}

/* Why layer i of image name cannot be used (layers_check()'s r), logged. */
static int layers_refused(const struct lab_image *img, const char *where, int r, size_t i,
			  const char *now, const char *old)
{
	char was[STAMP_MAX + 64], nowd[STAMP_MAX + 64];

	if (r == -ENOENT || r == -ENOTDIR)
		return log_error_errno(r, "%s: image '%s': layer %s %s: import it again", where,
				       img->name, img->layers[i],
				       r == -ENOENT ? "is missing from the store"
						    : "is not a directory of the store (a symbolic link?)");
	if (r != -ESTALE)
		return log_error_errno(r, "%s: image '%s': layer %s: %m", where, img->name,
				       img->layers[i]);
	stamp_describe(old, was, sizeof(was));
	stamp_describe(now, nowd, sizeof(nowd));
	return log_error_errno(r, "%s: image '%s': layer %s was unpacked with %s, and your labs now "
			       "map %s: its files would have the wrong owners in a node. Import "
			       "it again (netlab image import %s %s), which unpacks it anew",
			       where, img->name, img->layers[i], was, nowd,
			       img->ref ? img->ref : "REF", img->name);
}

int lab_image_get(const char *ref, const char *where, struct lab_image **ret)
{
	_cleanup_close_ int lock = -EBADF;
	_cleanup_json_ json_t *stamp = NULL;
	struct lab_image *img = NULL;
	char name[IMAGE_NAME_MAX + 1], old[STAMP_MAX], now[STAMP_MAX];
	size_t bad;
	int r;

	r = store_lock(false, &lock);
	if (r < 0)
		return r;
	stamp_now(now); /* once per lookup, not per layer */
	if (image_name_valid(ref)) {
		r = image_load(ref, where, &img, NULL);
		if (r == -ENOENT)
			return log_error_errno(r, "%s: image '%s': no such image in the store %s "
					       "(see netlab image ls; a file or directory is written "
					       "oci:DIR, oci-archive:FILE, docker-archive:FILE or "
					       "with a '/')", where, ref, lab_image_dir());
		if (r < 0)
			return r;
		r = layers_check(img, now, &bad, old);
		if (r < 0) {
			layers_refused(img, where, r, bad, now, old);
			lab_image_free(img);
			return r;
		}
		*ret = img;
		return 0;
	}
	/* A reference: imported by the first `up` that uses it, reused while its source has
	 * not changed. */
	auto_name(ref, name);
	if (!image_name_valid(name))
		return log_error_errno(-EINVAL, "%s: image '%s': not a reference netlab can name",
				       where, ESCAPED(ref));
	r = image_load(name, where, &img, &stamp);
	/* A stale layer is unpacked anew by the import. */
	if (r >= 0 && img->ref && streq(img->ref, ref) && source_unchanged(stamp, ref) &&
	    layers_check(img, now, &bad, old) >= 0) {
		*ret = img;
		return 0;
	}
	lab_image_free(img);
	if (r < 0 && r != -ENOENT)
		return r;
	return do_import(ref, name, where, now, ret);
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
		if (image_load(name, NULL, &img, NULL) < 0)
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

	if (!image_name_valid(name))
		return log_error_errno(-EINVAL, "'%s' is not a valid image name (letters, digits, "
				       "'_', '-', '.', at most %d, not starting with '.')",
				       ESCAPED(name), IMAGE_NAME_MAX);
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
		char full[LAB_PATH_MAX], *cut = NULL;
		bool used = false;
		size_t len;

		if (streq(de->d_name, ".") || streq(de->d_name, ".."))
			continue;
		if ((size_t)snprintf(full, sizeof(full), "%s/%s", path, de->d_name) >= sizeof(full))
			continue; /* not a layer of ours */
		/* A layer's stamp, HEX.idmap, goes with it. */
		len = strlen(full);
		if (len > 6 && streq(full + len - 6, ".idmap") && de->d_name[0] != '.')
			*(cut = full + len - 6) = '\0';
		for (size_t i = 0; i < n_imgs && !used; i++)
			for (size_t l = 0; l < imgs[i]->n_layers && !used; l++)
				used = streq(imgs[i]->layers[l], full);
		if (cut)
			*cut = '.';
		if (used)
			continue;
		r = in_store_userns(layer_remove, full, &(struct store_out){ 0 });
		if (r < 0) {
			log_error_errno(r, "Cannot remove %s: %m", full);
			break;
		}
		if (!cut)
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
