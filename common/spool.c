/*
 * The statswriter's on-disk spool: records the database could not take
 * are appended to one file in the state directory and read back in
 * order once it can.  On disk a record is a 12-byte header, the magic
 * "BSP1", the payload length and the payload's CRC-32 (both 32-bit big
 * endian), then the payload.  Each append is one write() of header and
 * payload on an O_APPEND descriptor, so a process killed mid-write
 * leaves at worst a torn last record; opening the file walks every
 * record and cuts the file at the first one that is torn or corrupt.
 * Records are read one at a time with pread, never the whole file.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "log.h"
#include "spool.h"
#include "util.h"
#include "xmalloc.h"

#define SPOOL_MAGIC	"BSP1"
#define SPOOL_HDR	12	/* magic, length, CRC-32 */
/* The open-time scan checks each payload's CRC through one stack
 * buffer of this size rather than allocating a whole record. */
#define SPOOL_CHUNK	32768

/*
 * The file holds [0, done) consumed records, [done, size) records not
 * yet consumed, of which [done, cursor) have been read.  When an append
 * was cut short and could not be cut back, the file holds bytes past
 * size; torn says so and the next append retries the cut first.
 */
struct spool {
	int		 fd;
	char		*name;		/* for messages */
	uint64_t	 max_bytes;	/* 0: no bound */
	uint64_t	 size;		/* end of the valid records */
	uint64_t	 done;		/* consumed up to here */
	uint64_t	 cursor;	/* the next record to read */
	uint64_t	 nrecords;	/* records in [done, size) */
	uint64_t	 nread;		/* records in [done, cursor) */
	int		 torn;		/* the file runs past size */
	int		 dirty;		/* written since last sync */
};

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

static uint32_t
get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Read exactly len bytes at off; an end of file before that is EIO
 * (the file was cut under us). */
static int
pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	unsigned char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = pread(fd, p, len, (off_t)off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0) {
			errno = EIO;
			return -1;
		}
		p += n;
		len -= (size_t)n;
		off += (uint64_t)n;
	}
	return 0;
}

/* Cut the file back to the end of the valid records. */
static int
cut(struct spool *sp)
{
	if (ftruncate(sp->fd, (off_t)sp->size) == -1) {
		sp->torn = 1;
		return -1;
	}
	sp->torn = 0;
	return 0;
}

/* ---------------------------------------------------------- framing */

/*
 * The header at off: 1 with the payload's length and CRC if it frames a
 * record that ends by sp->size; 0 with the reason if not; -1 on a read
 * error (errno set).
 */
static int
read_header(struct spool *sp, uint64_t off, uint32_t *len, uint32_t *crc,
    const char **why)
{
	unsigned char	hdr[SPOOL_HDR];

	if (sp->size - off < SPOOL_HDR) {
		*why = "torn header";
		return 0;
	}
	if (pread_full(sp->fd, hdr, sizeof(hdr), off) == -1)
		return -1;
	if (memcmp(hdr, SPOOL_MAGIC, 4) != 0) {
		*why = "bad magic";
		return 0;
	}
	*len = get32(hdr + 4);
	*crc = get32(hdr + 8);
	if (*len == 0 || *len > SPOOL_MAX_RECORD) {
		*why = "bad length";
		return 0;
	}
	if (sp->size - off - SPOOL_HDR < *len) {
		*why = "torn payload";
		return 0;
	}
	return 1;
}

/* CRC-32 of the len bytes at off, read a chunk at a time. */
static int
crc_at(int fd, uint64_t off, uint32_t len, uint32_t *crc)
{
	unsigned char	buf[SPOOL_CHUNK];
	uLong		c;
	size_t		n;

	c = crc32(0L, Z_NULL, 0);
	while (len > 0) {
		n = len < sizeof(buf) ? len : sizeof(buf);
		if (pread_full(fd, buf, n, off) == -1)
			return -1;
		c = crc32(c, buf, (uInt)n);
		off += n;
		len -= (uint32_t)n;
	}
	*crc = (uint32_t)c;
	return 0;
}

/* The record at off: 1 with its payload length if it is whole and
 * intact, 0 with the reason if not, -1 on a read error. */
static int
check_record(struct spool *sp, uint64_t off, uint32_t *len, const char **why)
{
	uint32_t	want, got;
	int		r;

	if ((r = read_header(sp, off, len, &want, why)) != 1)
		return r;
	if (crc_at(sp->fd, off + SPOOL_HDR, *len, &got) == -1)
		return -1;
	if (got != want) {
		*why = "CRC mismatch";
		return 0;
	}
	return 1;
}

/* ------------------------------------------------------ open, close */

/* Count the records and cut the file after the last intact one. */
static int
scan(struct spool *sp, char *err, size_t errlen)
{
	const char	*why = NULL;
	uint64_t	 off = 0;
	uint32_t	 len;
	int		 r;

	while (off < sp->size) {
		if ((r = check_record(sp, off, &len, &why)) == -1) {
			seterr(err, errlen, "read %s at offset %" PRIu64
			    ": %s", sp->name, off, strerror(errno));
			return -1;
		}
		if (r == 0)
			break;
		off += SPOOL_HDR + len;
		sp->nrecords++;
	}
	if (off == sp->size)
		return 0;
	log_warnx("spool_open: %s: cutting at offset %" PRIu64 " of %"
	    PRIu64 ": %s", sp->name, off, sp->size, why);
	sp->size = off;
	if (cut(sp) == -1) {
		seterr(err, errlen, "ftruncate %s: %s", sp->name,
		    strerror(errno));
		return -1;
	}
	return 0;
}

struct spool *
spool_open(int dirfd, const char *name, uint64_t max_bytes, char *err,
    size_t errlen)
{
	struct spool	*sp;
	struct stat	 st;
	int		 fd;

	/* O_NOFOLLOW: a link planted in the state directory must not
	 * make the worker truncate some other file it can write. */
	fd = openat(dirfd, name, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOFOLLOW, 0600);
	if (fd == -1) {
		seterr(err, errlen, "open %s: %s", name, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) == -1) {
		seterr(err, errlen, "fstat %s: %s", name, strerror(errno));
		close(fd);
		return NULL;
	}
	/* Nor a hard link: berthd appends to it as root. */
	if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
		seterr(err, errlen, "%s: not a regular file of one link", name);
		close(fd);
		return NULL;
	}
	sp = xcalloc(1, sizeof(*sp));
	sp->fd = fd;
	sp->name = xstrdup(name);
	sp->max_bytes = max_bytes;
	sp->size = (uint64_t)st.st_size;
	if (scan(sp, err, errlen) == -1) {
		spool_close(sp);
		return NULL;
	}
	return sp;
}

int
spool_chown(struct spool *sp, uid_t uid, gid_t gid)
{
	return fchown(sp->fd, uid, gid);
}

/* Does not sync: the caller does that before a clean exit. */
void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	close(sp->fd);
	free(sp->name);
	free(sp);
}

/* ---------------------------------------------------------- writing */

/* Would a record of len payload bytes pass max_bytes? */
static int
too_big(const struct spool *sp, size_t len)
{
	if (sp->max_bytes == 0)
		return 0;
	return sp->size > sp->max_bytes ||
	    SPOOL_HDR + len > sp->max_bytes - sp->size;
}

/* Header and payload in one allocated buffer, for one write(). */
static unsigned char *
frame(const void *buf, size_t len)
{
	unsigned char	*rec;
	uLong		 crc;

	crc = crc32(crc32(0L, Z_NULL, 0), buf, (uInt)len);
	rec = xmalloc(SPOOL_HDR + len);
	memcpy(rec, SPOOL_MAGIC, 4);
	put32(rec + 4, (uint32_t)len);
	put32(rec + 8, (uint32_t)crc);
	memcpy(rec + SPOOL_HDR, buf, len);
	return rec;
}

int
spool_append(struct spool *sp, const void *buf, size_t len)
{
	unsigned char	*rec;
	size_t		 total = SPOOL_HDR + len;
	ssize_t		 n;
	int		 saved;

	if (len == 0 || len > SPOOL_MAX_RECORD) {
		errno = EINVAL;
		return -1;
	}
	if (too_big(sp, len)) {
		errno = EFBIG;
		return -1;
	}
	if (sp->torn && cut(sp) == -1)
		return -1;
	rec = frame(buf, len);
	n = write(sp->fd, rec, total);
	saved = errno;
	free(rec);
	if (n == (ssize_t)total) {
		sp->size += total;
		sp->nrecords++;
		sp->dirty = 1;
		return 0;
	}
	if (n >= 0) {
		/* A regular file takes part of a write when it is full. */
		saved = ENOSPC;
		if (n > 0 && cut(sp) == -1)
			log_warn("spool_append: %s: cutting a short write",
			    sp->name);
	}
	errno = saved;
	return -1;
}

int
spool_sync(struct spool *sp)
{
	if (!sp->dirty)
		return 0;
	if (fdatasync(sp->fd) == -1) {
		log_warn("spool_sync: %s", sp->name);
		return -1;
	}
	sp->dirty = 0;
	return 0;
}

/* ---------------------------------------------------------- reading */

int
spool_next(struct spool *sp, void **bufp, size_t *lenp)
{
	const char	*why = NULL;
	void		*buf;
	uint32_t	 len, crc;
	int		 r;

	if (sp->cursor >= sp->size)
		return 0;
	if ((r = read_header(sp, sp->cursor, &len, &crc, &why)) != 1)
		goto bad;
	buf = xmalloc(len);
	if (pread_full(sp->fd, buf, len, sp->cursor + SPOOL_HDR) == -1) {
		free(buf);
		goto bad;
	}
	if ((uint32_t)crc32(crc32(0L, Z_NULL, 0), buf, len) != crc) {
		free(buf);
		why = "CRC mismatch";
		goto bad;
	}
	sp->cursor += SPOOL_HDR + len;
	sp->nread++;
	*bufp = buf;
	*lenp = len;
	return 1;
 bad:
	if (why == NULL)
		log_warn("spool_next: %s: read at offset %" PRIu64,
		    sp->name, sp->cursor);
	else
		log_warnx("spool_next: %s: offset %" PRIu64 ": %s",
		    sp->name, sp->cursor, why);
	return -1;
}

/*
 * The consumed prefix is not rewritten: until the whole file is
 * consumed and cut to 0, the commit point lives only in memory, and a
 * restarted worker replays the file from the start.  That is fine
 * because every database write of a spooled record is idempotent.
 */
void
spool_commit(struct spool *sp)
{
	sp->done = sp->cursor;
	sp->nrecords -= sp->nread;
	sp->nread = 0;
	if (sp->done != sp->size)
		return;
	/* Not synced: should the cut be lost, the records replay. */
	if (ftruncate(sp->fd, 0) == -1) {
		log_warn("spool_commit: %s: ftruncate", sp->name);
		return;
	}
	/* O_APPEND: the next record goes to offset 0. */
	sp->size = sp->done = sp->cursor = 0;
	sp->torn = 0;
}

void
spool_rewind(struct spool *sp)
{
	sp->cursor = sp->done;
	sp->nread = 0;
}

uint64_t
spool_bytes(const struct spool *sp)
{
	return sp->size;
}

uint64_t
spool_records(const struct spool *sp)
{
	return sp->nrecords;
}
