/*
 * The statswriter's on-disk spool: an append-only file of opaque
 * records (encoded messages) kept while PostgreSQL is down and read
 * back, oldest first, once it is up.  Each record is framed with a
 * magic, its length and a CRC-32, so a tail torn by a crash is found
 * and cut on open instead of replayed.  Records may be replayed more
 * than once (the database writes are idempotent), never lost or
 * reordered.  The file is opened before confinement; at run time the
 * spool needs only write, pread64, lseek, fstat, ftruncate, fdatasync
 * and close.
 */
#ifndef BERTH_SPOOL_H
#define BERTH_SPOOL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#define SPOOL_MAX_RECORD	(1024 * 1024)	/* bytes of one payload */
/* The statswriter's spool in <state dir>/spool; berthd appends to it
 * the lifecycle facts still unanswered when it exits. */
#define SPOOL_STATSWRITER	"statswriter.spool"

struct spool;

/* Open (create, 0600) name relative to dirfd with O_RDWR|O_APPEND|O_CLOEXEC,
 * scan it: count the records, and cut (ftruncate, log_warnx with the
 * offset and reason) a torn or corrupt tail.  max_bytes bounds the file
 * size (0 = no bound).  NULL with err set on failure. */
struct spool	*spool_open(int dirfd, const char *name, uint64_t max_bytes,
		    char *err, size_t errlen);
void		 spool_close(struct spool *);
/* Give the file to uid:gid (berthd, as root, for the workers' user). */
int		 spool_chown(struct spool *, uid_t, gid_t);

/* Append one record with a single write() (header and payload in one
 * buffer, so a SIGKILL leaves either all of it or a torn tail the next
 * open cuts).  0; -1 with errno ENOSPC-like EFBIG when the record would
 * pass max_bytes, EINVAL when len is 0 or > SPOOL_MAX_RECORD, or the
 * write's errno (a short write is cut back with ftruncate). */
int		 spool_append(struct spool *, const void *buf, size_t len);
/* fdatasync the file (called about once a second while spooling). */
int		 spool_sync(struct spool *);

/* Reading, oldest first, from a read cursor.  spool_next gives the next
 * record after the cursor (*buf allocated, caller frees) and moves the
 * cursor: 1 a record, 0 none left, -1 I/O error or corruption (logged;
 * the caller stops reading).  spool_commit makes everything read so far
 * consumed: when that is the whole file it is truncated to 0.
 * spool_rewind moves the cursor back to the last commit (the database
 * write of what was read failed). */
int		 spool_next(struct spool *, void **buf, size_t *len);
void		 spool_commit(struct spool *);
void		 spool_rewind(struct spool *);

uint64_t	 spool_bytes(const struct spool *);	/* file size */
uint64_t	 spool_records(const struct spool *);	/* not yet committed */

#endif
