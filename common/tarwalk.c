/*
 * Counting the entries of a tar stream as it passes (see tarwalk.h).
 * A header's checksum is the sum of its bytes with the checksum field
 * read as spaces; the size is octal, or base-256 when the first byte
 * has its high bit set (GNU, for files of 8 GiB and more).  pax ('x',
 * 'g') and GNU long-name ('L', 'K') headers describe the entry that
 * follows and are not entries themselves.
 */
#include <string.h>

#include "tarwalk.h"

#define OFF_SIZE	124
#define OFF_CHKSUM	148
#define OFF_TYPE	156

void
tarwalk_init(struct tarwalk *tw)
{
	memset(tw, 0, sizeof(*tw));
}

int64_t
tar_number(const unsigned char *f, size_t len)
{
	uint64_t	v = 0;
	size_t		i = 0;

	if (f[0] & 0x80) {
		v = f[0] & 0x7f;
		for (i = 1; i < len; i++) {
			if (v > UINT64_MAX >> 8)
				return -1;
			v = (v << 8) | f[i];
		}
		return v > INT64_MAX ? -1 : (int64_t)v;
	}
	while (i < len && f[i] == ' ')
		i++;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (uint64_t)INT64_MAX >> 3)
			return -1;
		v = (v << 3) | (uint64_t)(f[i] - '0');
	}
	if (i < len && f[i] != ' ' && f[i] != '\0')
		return -1;
	return (int64_t)v;
}

static int
checksum_ok(const unsigned char *b)
{
	int64_t		want = tar_number(b + OFF_CHKSUM, 8);
	uint64_t	sum = 0;
	size_t		i;

	for (i = 0; i < TAR_BLOCK; i++)
		sum += (i >= OFF_CHKSUM && i < OFF_CHKSUM + 8) ? ' ' : b[i];
	return want >= 0 && (uint64_t)want == sum;
}

static int
all_zero(const unsigned char *b)
{
	size_t i;

	for (i = 0; i < TAR_BLOCK; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

static int
header(struct tarwalk *tw)
{
	const unsigned char	*b = tw->block;
	int64_t			 size;

	if (all_zero(b)) {
		tw->zeros++;
		return 0;
	}
	if (tw->zeros > 0) {
		tw->err = "data after the end of the archive";
		return -1;
	}
	if (!checksum_ok(b)) {
		tw->err = "bad header checksum";
		return -1;
	}
	if ((size = tar_number(b + OFF_SIZE, 12)) < 0) {
		tw->err = "bad size field";
		return -1;
	}
	tw->skip = ((uint64_t)size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
	if (strchr("xgLK", b[OFF_TYPE]) == NULL || b[OFF_TYPE] == '\0')
		tw->entries++;
	return 0;
}

int
tarwalk_feed(struct tarwalk *tw, const void *buf, size_t len)
{
	const unsigned char	*p = buf;
	size_t			 n;

	if (tw->err != NULL)
		return -1;
	tw->bytes += len;
	while (len > 0) {
		if (tw->skip > 0) {
			n = len < tw->skip ? len : (size_t)tw->skip;
			tw->skip -= n;
			p += n;
			len -= n;
			continue;
		}
		n = TAR_BLOCK - tw->have;
		if (n > len)
			n = len;
		memcpy(tw->block + tw->have, p, n);
		tw->have += n;
		p += n;
		len -= n;
		if (tw->have == TAR_BLOCK) {
			tw->have = 0;
			if (header(tw) == -1)
				return -1;
		}
	}
	return 0;
}

int
tarwalk_end(struct tarwalk *tw)
{
	if (tw->err == NULL && (tw->skip > 0 || tw->have > 0))
		tw->err = "the archive ends inside an entry";
	return tw->err == NULL ? 0 : -1;
}
