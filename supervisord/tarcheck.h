/*
 * The checks of an archive before a restore writes any of it, entry by
 * entry with libarchive: every entry under "volume/", no absolute path,
 * no "..", no device node or FIFO, no set-uid or set-gid bit, no
 * symbolic or hard link that leads outside the volume, no entry past
 * the size cap, and the whole under the total cap.  The first bad
 * entry is named.
 */
#ifndef BERTH_TARCHECK_H
#define BERTH_TARCHECK_H

#include <stddef.h>
#include <stdint.h>

struct tarcheck {
	int64_t	entries;
	int64_t	bytes;		/* sum of the entries' sizes */
	char	bad[512];	/* "path: why", "" when all is well */
};

/* Read the archive (tar, compressed with zstd or gzip or not) on fd
 * from its start.  0 all good; 1 a bad entry (tc->bad); -1 not a
 * readable archive (tc->bad says why). */
int	tarcheck_fd(int fd, int64_t max_entry, int64_t max_total,
	    struct tarcheck *tc);
/* The same on a buffer (tests). */
int	tarcheck_mem(const void *buf, size_t len, int64_t max_entry,
	    int64_t max_total, struct tarcheck *tc);
/* Is target, a link in the directory of path, inside the volume? */
int	tarcheck_link_inside(const char *path, const char *target);

#endif
