/*
 * A root of the worker's own, for a worker that must reach a few paths
 * (the statswriter: /proc, the cgroups, its spool, the database's
 * socket directory and the TLS and password files its URL names) and
 * nothing else.  In a mount namespace of its own, a small tmpfs is
 * mounted on the (empty) root directory berthd named, each path is
 * bound into it at the same absolute path, read-only, nosuid, nodev,
 * noexec, the spool directory (fd 4, which berthd opened) read-write at
 * /spool, and the tmpfs is made read-only; then the worker chroots
 * there, before its own code opens anything.  The mounts exist only in
 * that namespace: nothing outside sees them, and they go with the
 * worker.  A connection string keeps its paths: they are the same
 * inside.  Needs root (CAP_SYS_ADMIN), like any chroot.
 */
#include <sys/mount.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

#define RO_FLAGS	(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | \
			 MS_NODEV | MS_NOEXEC)
#define SPOOL_IN_ROOT	"/spool"

/* mkdir -p of path's parents under root; 0 or -1 (logged). */
static int
make_parents(const char *root, const char *path)
{
	char	 buf[PATH_MAX], *p;

	if ((size_t)snprintf(buf, sizeof(buf), "%s%s", root, path) >=
	    sizeof(buf)) {
		log_warnx("rootfs: %s: path too long", path);
		return -1;
	}
	for (p = buf + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST) {
			log_warn("rootfs: mkdir %s", buf);
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Bind src at root/dst (a directory or a file, as src is). */
static int
bind_one(const char *root, const char *src, const char *dst, int rw)
{
	char		target[PATH_MAX];
	struct stat	st;
	int		fd;

	if (stat(src, &st) == -1) {
		log_warn("rootfs: %s", src);
		return -1;
	}
	if (make_parents(root, dst) == -1)
		return -1;
	snprintf(target, sizeof(target), "%s%s", root, dst);
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(target, 0755) == -1 && errno != EEXIST) {
			log_warn("rootfs: mkdir %s", target);
			return -1;
		}
	} else if ((fd = open(target, O_WRONLY | O_CREAT | O_CLOEXEC,
	    0600)) == -1) {
		log_warn("rootfs: %s", target);
		return -1;
	} else
		close(fd);
	if (mount(src, target, NULL, MS_BIND | MS_REC, NULL) == -1 ||
	    mount(NULL, target, NULL, rw ? (RO_FLAGS & ~MS_RDONLY) :
	    RO_FLAGS, NULL) == -1) {
		log_warn("rootfs: bind %s", src);
		return -1;
	}
	return 0;
}

/* The spool directory berthd opened (fd), bound at /spool by the path
 * it had before the namespace (a descriptor from the old one cannot be
 * bound), checked to be the same directory, and opened again from
 * inside, so that no descriptor leads outside the root. */
static void
rebind_spool(const char *root, const char *path, int fd)
{
	char		in[PATH_MAX];
	struct stat	a, b;
	int		nfd;

	if (bind_one(root, path, SPOOL_IN_ROOT, 1) == -1)
		fatalx("rootfs: cannot bind the spool directory");
	snprintf(in, sizeof(in), "%s%s", root, SPOOL_IN_ROOT);
	if ((nfd = open(in, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		fatal("rootfs: %s", in);
	if (fstat(fd, &a) == -1 || fstat(nfd, &b) == -1 ||
	    a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		fatalx("rootfs: %s is not the spool directory berthd opened",
		    path);
	if (dup2(nfd, fd) == -1)
		fatal("rootfs: dup2");
	close(nfd);
}

static void
fd_path(int fd, char *out, size_t len)
{
	char	link[64];
	ssize_t	n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((n = readlink(link, out, len - 1)) <= 0 || out[0] != '/')
		fatal("rootfs: readlink %s", link);
	out[n] = '\0';
}

void
rootfs_enter(const char *root, char *const *paths, size_t n, int spool_fd)
{
	char	spool[PATH_MAX];
	size_t	i;

	if (spool_fd != -1)
		fd_path(spool_fd, spool, sizeof(spool));
	if (unshare(CLONE_NEWNS) == -1)
		fatal("rootfs: unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == -1)
		fatal("rootfs: making mounts private");
	if (mount("berth", root, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
	    "size=256k,mode=0755") == -1)
		fatal("rootfs: tmpfs on %s", root);
	for (i = 0; i < n; i++) {
		/* A path that is gone is the connection's problem, which
		 * libpq will name; the worker still runs. */
		if (bind_one(root, paths[i], paths[i], 0) == -1)
			log_warnx("rootfs: %s is not in the root", paths[i]);
	}
	if (spool_fd != -1)
		rebind_spool(root, spool, spool_fd);
	if (mount(NULL, root, NULL, RO_FLAGS, NULL) == -1)
		fatal("rootfs: read-only %s", root);
	if (chroot(root) == -1 || chdir("/") == -1)
		fatal("rootfs: chroot %s", root);
}
