/*
 * Time zones from TZif files (RFC 8536): version 1 with 32-bit times,
 * version 2 and later with the 64-bit block and the footer's POSIX TZ
 * rule for the times after the last transition (tzrule.c).  Every
 * count and length is checked against the buffer before it is used.
 *
 * Read before confinement: a worker loads its zones with tz_load and
 * never needs /usr/share/zoneinfo or glibc's TZ afterwards.  Leap
 * second records are skipped ("right/" zones are not supported).
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tz_int.h"
#include "xmalloc.h"

#define TZ_DIR		"/usr/share/zoneinfo"
#define TZ_FILE_MAX	(256 * 1024)	/* the largest zone is ~4 KiB */
#define TZ_NAME_MAX	128
#define TZ_TIMES_MAX	4096
#define TZ_TYPES_MAX	256
#define TZ_CHARS_MAX	1024
#define TZ_LEAPS_MAX	256
#define TZ_FOOTER_MAX	128
#define TZ_UTOFF_MAX	(26 * 3600)
#define TZ_TIME_LIMIT	((int64_t)1 << 60)
#define HDR_LEN		44

struct hdr {
	uint32_t	isut, isstd, leap, time, type, chars;
};

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static int64_t
be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* A header at p (len bytes left) and the length of its data block
 * with times of tsize bytes.  -1 if either does not fit.  (A version
 * 2 file's first block may be empty, with no types: it is skipped.) */
static int
header(const unsigned char *p, size_t len, int tsize, struct hdr *h,
    size_t *blen)
{
	if (len < HDR_LEN || memcmp(p, "TZif", 4) != 0)
		return -1;
	h->isut = be32(p + 20);
	h->isstd = be32(p + 24);
	h->leap = be32(p + 28);
	h->time = be32(p + 32);
	h->type = be32(p + 36);
	h->chars = be32(p + 40);
	if (h->time > TZ_TIMES_MAX || h->type > TZ_TYPES_MAX || h->chars > TZ_CHARS_MAX ||
	    h->leap > TZ_LEAPS_MAX || (h->isut != 0 && h->isut != h->type) ||
	    (h->isstd != 0 && h->isstd != h->type))
		return -1;
	*blen = (size_t)h->time * (tsize + 1) + (size_t)h->type * 6 +
	    h->chars + (size_t)h->leap * (tsize + 4) + h->isstd + h->isut;
	return *blen <= len - HDR_LEN ? 0 : -1;
}

/* The transitions and types of a data block at p, into tz. */
static int
block(const unsigned char *p, const struct hdr *h, int tsize,
    struct tz *tz)
{
	const unsigned char	*idx = p + (size_t)h->time * tsize;
	const unsigned char	*types = idx + h->time, *ty;
	long			 off[TZ_TYPES_MAX];
	uint32_t		 i;
	int64_t			 t;

	if (h->type == 0)
		return -1;
	for (i = 0; i < h->type; i++) {
		ty = types + 6 * i;
		off[i] = (long)(int32_t)be32(ty);
		if (off[i] < -TZ_UTOFF_MAX || off[i] > TZ_UTOFF_MAX ||
		    ty[4] > 1 || ty[5] >= h->chars)
			return -1;
	}
	tz->n = h->time;
	tz->at = xcalloc(h->time + 1, sizeof(*tz->at));
	tz->off = xcalloc(h->time + 1, sizeof(*tz->off));
	tz->off0 = off[0];
	for (i = 0; i < h->time; i++) {
		t = tsize == 8 ? be64(p + 8 * i) :
		    (int64_t)(int32_t)be32(p + 4 * i);
		if (t < -TZ_TIME_LIMIT || t > TZ_TIME_LIMIT ||
		    (i > 0 && t <= tz->at[i - 1]) || idx[i] >= h->type)
			return -1;
		tz->at[i] = t;
		tz->off[i] = off[idx[i]];
	}
	return 0;
}

/* "\nTZ\n" after the 64-bit block: the rule, if the string is not
 * empty. */
static int
footer(const unsigned char *p, size_t len, struct tz *tz)
{
	const unsigned char	*nl;
	size_t			 n;

	if (len < 2 || p[0] != '\n')
		return -1;
	n = len - 1 < TZ_FOOTER_MAX ? len - 1 : TZ_FOOTER_MAX;
	if ((nl = memchr(p + 1, '\n', n)) == NULL)
		return -1;
	if (nl == p + 1)
		return 0;
	if (tzrule_parse((const char *)p + 1, nl - p - 1, &tz->rule) == -1)
		return -1;
	tz->has_rule = 1;
	return 0;
}

struct tz *
tz_parse(const unsigned char *buf, size_t len)
{
	struct tz	*tz;
	struct hdr	 h;
	size_t		 blen, skip;
	int		 v2;

	if (len > TZ_FILE_MAX || header(buf, len, 4, &h, &blen) == -1)
		goto bad;
	tz = xcalloc(1, sizeof(*tz));
	v2 = buf[4] >= '2';
	if (!v2) {
		if (block(buf + HDR_LEN, &h, 4, tz) == -1)
			goto badtz;
		return tz;
	}
	skip = HDR_LEN + blen;
	if (header(buf + skip, len - skip, 8, &h, &blen) == -1 ||
	    block(buf + skip + HDR_LEN, &h, 8, tz) == -1)
		goto badtz;
	skip += HDR_LEN + blen;
	if (footer(buf + skip, len - skip, tz) == -1)
		goto badtz;
	return tz;
badtz:
	tz_free(tz);
bad:
	errno = EINVAL;
	return NULL;
}

void
tz_free(struct tz *tz)
{
	if (tz == NULL)
		return;
	free(tz->at);
	free(tz->off);
	free(tz);
}

/* Zone names are relative paths of [A-Za-z0-9_+-/] without "..". */
static int
good_name(const char *name)
{
	size_t	n;

	n = strnlen(name, TZ_NAME_MAX + 1);
	if (n == 0 || n > TZ_NAME_MAX || name[0] == '/' ||
	    strstr(name, "..") != NULL)
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_+-/") == n;
}

struct tz *
tz_load(const char *dir, const char *name)
{
	char		 path[PATH_MAX];
	unsigned char	*buf = NULL;
	struct stat	 st;
	struct tz	*tz = NULL;
	ssize_t		 r;
	int		 fd = -1, saved;

	if (!good_name(name)) {
		errno = EINVAL;
		return NULL;
	}
	if (snprintf(path, sizeof(path), "%s/%s", dir != NULL ? dir : TZ_DIR,
	    name) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto out;
	if (!S_ISREG(st.st_mode) || st.st_size > TZ_FILE_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto out;
	}
	buf = xmalloc(st.st_size + 1);
	if ((r = read(fd, buf, st.st_size + 1)) == -1)
		goto out;
	if (r != st.st_size) {
		errno = EINVAL;		/* changed while read */
		goto out;
	}
	tz = tz_parse(buf, r);
out:
	saved = errno;
	free(buf);
	close(fd);
	errno = saved;
	return tz;
}

/* How many transitions are at or before t. */
static size_t
upto(const struct tz *tz, int64_t t)
{
	size_t	lo = 0, hi = tz->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (tz->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The offset from the stored transitions alone. */
static long
table_offset(const struct tz *tz, int64_t t)
{
	size_t	i = upto(tz, t);

	return i == 0 ? tz->off0 : tz->off[i - 1];
}

/* Where the rule takes over from the table. */
static int64_t
rule_from(const struct tz *tz)
{
	return tz->n > 0 ? tz->at[tz->n - 1] : INT64_MIN;
}

long
tz_offset(const struct tz *tz, int64_t t)
{
	if (tz == NULL)
		return 0;
	if (tz->has_rule && t >= rule_from(tz))
		return tzrule_offset(&tz->rule, t);
	return table_offset(tz, t);
}

static int
changes_at(const struct tz *tz, int64_t t)
{
	return t != INT64_MIN && tz_offset(tz, t) != tz_offset(tz, t - 1);
}

int64_t
tz_next_change(const struct tz *tz, int64_t t)
{
	int64_t	c;
	size_t	i;
	int	tries;

	if (tz == NULL)
		return TZ_NONE_AFTER;
	for (i = upto(tz, t); i < tz->n; i++)
		if (changes_at(tz, tz->at[i]))
			return tz->at[i];
	if (!tz->has_rule)
		return TZ_NONE_AFTER;
	c = t > rule_from(tz) ? t : rule_from(tz);
	for (tries = 0; tries < 8; tries++) {
		if ((c = tzrule_next(&tz->rule, c)) == TZ_NONE_AFTER ||
		    changes_at(tz, c))
			return c;
	}
	return TZ_NONE_AFTER;
}

int64_t
tz_prev_change(const struct tz *tz, int64_t t)
{
	int64_t	c;
	size_t	i;
	int	tries;

	if (tz == NULL)
		return TZ_NONE_BEFORE;
	if (tz->has_rule && t > rule_from(tz)) {
		c = t;
		for (tries = 0; tries < 8; tries++) {
			c = tzrule_prev(&tz->rule, c);
			if (c <= rule_from(tz))
				break;
			if (changes_at(tz, c))
				return c;
			c--;
		}
	}
	for (i = upto(tz, t); i > 0; i--)
		if (changes_at(tz, tz->at[i - 1]))
			return tz->at[i - 1];
	return TZ_NONE_BEFORE;
}
