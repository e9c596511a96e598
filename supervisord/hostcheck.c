/*
 * The host side: what berthd refuses (or warns about) in its
 * surroundings before it trusts them.  A configuration file that holds
 * bearer tokens must be readable by its owner only, and that owner
 * root or berthd's own uid; the state directory and the worker
 * programs (and their directory) must be owned so too, and nobody else
 * may write them; directories inside the state directory are fixed
 * through a descriptor, never through a link; an HTTP listener off
 * loopback is said in the log; membership of the docker group is
 * found out (parent.c refuses it unless allowed).  Checks of paths
 * given as arguments, unit-tested on temporary files.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "hostcheck.h"
#include "util.h"

/* Tokens read from the file: called after the file, before the
 * environment, so a BERTH_ADMIN_TOKEN variable does not count. */
int
config_holds_tokens(const struct berth_config *cfg)
{
	return (cfg->admin_token != NULL && cfg->admin_token[0] != '\0') ||
	    cfg->ntokens > 0;
}

/*
 * 0 when path is owned by root or euid and neither group nor others
 * may read or write it; else -1 with the reason and the command that
 * fixes it in err.
 */
int
config_file_safe(const char *path, uid_t euid, char *err, size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != euid) {
		if (euid == 0)
			snprintf(err, errlen, "%s holds tokens and is owned by "
			    "uid %u, not root: run chown root %s", path,
			    (unsigned)st.st_uid, path);
		else
			snprintf(err, errlen, "%s holds tokens and is owned by "
			    "uid %u, not root or berthd's uid %u: run chown "
			    "%u %s", path, (unsigned)st.st_uid,
			    (unsigned)euid, (unsigned)euid, path);
		return -1;
	}
	if (st.st_mode & 077) {
		snprintf(err, errlen, "%s holds tokens and is readable by "
		    "group or others (mode %04o): run chmod 600 %s", path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* The file part of parent_load_config: one error line when unsafe. */
void
hostcheck_config_file(const struct berth_config *cfg, const char *path,
    uid_t euid, struct config_errors *errs)
{
	char	err[3 * PATH_MAX + 256];

	if (!config_holds_tokens(cfg))
		return;
	if (config_file_safe(path, euid, err, sizeof(err)) == -1)
		config_errors_add(errs, "%s", err);
}

/* 1 when hostport's host is a loopback address or "localhost". */
int
listen_is_loopback(const char *hostport)
{
	struct in_addr	a4;
	struct in6_addr	a6;
	char		host[256];
	unsigned short	port;

	if (parse_hostport(hostport, host, sizeof(host), &port) == -1)
		return 0;
	if (strcmp(host, "localhost") == 0)
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (inet_pton(AF_INET6, host, &a6) != 1)
		return 0;
	if (IN6_IS_ADDR_V4MAPPED(&a6))
		return a6.s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(&a6);
	return 0;
}

/*
 * 0 when path (what: "state directory", "worker program") is owned by
 * root or euid and neither group nor others may write it; else -1 with
 * the reason and the fix in err.
 */
static int
owned_unwritable(const char *what, const char *path, uid_t euid,
    char *err, size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		snprintf(err, errlen, "%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != euid) {
		snprintf(err, errlen, "%s %s is owned by uid %u, not root or "
		    "berthd's uid %u: run chown %u %s", what, path,
		    (unsigned)st.st_uid, (unsigned)euid, (unsigned)euid, path);
		return -1;
	}
	if (st.st_mode & 022) {
		snprintf(err, errlen, "%s %s is writable by group or others "
		    "(mode %04o): run chmod go-w %s", what, path,
		    (unsigned)(st.st_mode & 07777), path);
		return -1;
	}
	return 0;
}

/* The state directory: berthd makes it 0755. */
int
state_dir_safe(const char *path, uid_t euid, char *err, size_t errlen)
{
	struct stat	st;

	if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state directory %s is not a directory",
		    path);
		return -1;
	}
	return owned_unwritable("state directory", path, euid, err, errlen);
}

/*
 * The worker programs berthd found in dir (names NULL-terminated):
 * whoever may replace one (or the directory's entries) runs code as
 * root, or as the workers with their descriptors.
 */
int
programs_safe(const char *dir, const char *const *names, uid_t euid,
    char *err, size_t errlen)
{
	char	path[PATH_MAX];
	size_t	i;

	if (owned_unwritable("worker directory", dir, euid, err,
	    errlen) == -1)
		return -1;
	for (i = 0; names[i] != NULL; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (owned_unwritable("worker program", path, euid, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

/*
 * Open the directory path without following a symbolic link (in its
 * last component), then give it to uid:gid (unless uid is -1) and set
 * its mode, through the descriptor: a link planted there is never
 * followed.  The descriptor (O_CLOEXEC), or -1 with errno.
 */
int
dir_own_nofollow(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
	struct stat	st;
	int		fd, saved;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (uid != (uid_t)-1 && (st.st_uid != uid || st.st_gid != gid) &&
	    fchown(fd, uid, gid) == -1)
		goto fail;
	if ((st.st_mode & 07777) != mode && fchmod(fd, mode) == -1)
		goto fail;
	return fd;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

/* 1 when gid is the process's effective or a supplementary group. */
static int
has_group(gid_t gid)
{
	gid_t	groups[NGROUPS_MAX];
	int	i, n;

	if (getegid() == gid || getgid() == gid)
		return 1;
	if ((n = getgroups(NGROUPS_MAX, groups)) == -1)
		return 0;
	for (i = 0; i < n; i++)
		if (groups[i] == gid)
			return 1;
	return 0;
}

/*
 * 1 when this process is in the group "docker" or in the group that
 * may write the Docker socket (either is root on the host), with that
 * group in *gid; else 0.
 */
int
docker_group_member(const char *docker_socket, gid_t *gid)
{
	struct group	*gr;
	struct stat	 st;

	if ((gr = getgrnam("docker")) != NULL && has_group(gr->gr_gid)) {
		*gid = gr->gr_gid;
		return 1;
	}
	if (stat(docker_socket, &st) == 0 && (st.st_mode & 020) &&
	    st.st_gid != 0 && has_group(st.st_gid)) {
		*gid = st.st_gid;
		return 1;
	}
	return 0;
}
