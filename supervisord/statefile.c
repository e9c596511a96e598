/*
 * berthd's small state files in the state directory, as JSON: written
 * whole to a temporary file, synced and renamed over the old one, so a
 * crash leaves the old file or the new, never half of one.
 */
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <unistd.h>

#include "berthd.h"
#include "log.h"

static void
path_of(char *buf, size_t len, const char *name, const char *suffix)
{
	snprintf(buf, len, "%s/%s%s", env->cfg.state_dir, name, suffix);
}

/* 0, or -1 (logged) when the file could not be replaced. */
int
statefile_save(const char *name, json_t *j)
{
	char	path[PATH_MAX], tmp[PATH_MAX];
	int	fd, ok;

	path_of(path, sizeof(path), name, "");
	path_of(tmp, sizeof(tmp), name, ".tmp");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0600);
	ok = fd != -1 && json_dumpfd(j, fd, JSON_COMPACT) == 0 &&
	    fsync(fd) == 0;
	if (fd != -1 && close(fd) == -1)
		ok = 0;
	if (!ok || rename(tmp, path) == -1) {
		log_warn("cannot write %s", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The file's JSON; NULL when there is none or it cannot be read
 * (logged). */
json_t *
statefile_load(const char *name)
{
	json_error_t	 jerr;
	json_t		*j;
	char		 path[PATH_MAX];
	int		 fd;

	path_of(path, sizeof(path), name, "");
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			log_warn("cannot open %s", path);
		return NULL;
	}
	if ((j = json_loadfd(fd, 0, &jerr)) == NULL)
		log_warnx("%s unreadable: %s", path, jerr.text);
	close(fd);
	return j;
}
