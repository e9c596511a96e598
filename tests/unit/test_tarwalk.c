/*
 * The tar walker of backups (common/tarwalk.c) on crafted streams:
 * entries counted (pax and GNU long-name headers are not entries),
 * the same fed whole or a byte at a time, octal and base-256 sizes,
 * and the streams that are not a tar refused with a reason.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "tarwalk.h"

#define MAXBUF	(64 * 1024)

static unsigned char	buf[MAXBUF];
static size_t		len;

static void
add_header(const char *name, char type, size_t size)
{
	unsigned char	*h = buf + len;
	unsigned int	 sum = 0;
	size_t		 i;

	memset(h, 0, TAR_BLOCK);
	snprintf((char *)h, 100, "%s", name);
	snprintf((char *)h + 100, 8, "%07o", 0644);
	snprintf((char *)h + 124, 12, "%011zo", size);
	h[156] = (unsigned char)type;
	memcpy(h + 257, "ustar", 6);
	memset(h + 148, ' ', 8);
	for (i = 0; i < TAR_BLOCK; i++)
		sum += h[i];
	snprintf((char *)h + 148, 8, "%06o", sum);
	len += TAR_BLOCK;
	memset(buf + len, 'x', size);
	len += (size + TAR_BLOCK - 1) / TAR_BLOCK * TAR_BLOCK;
}

static void
add_end(void)
{
	memset(buf + len, 0, 2 * TAR_BLOCK);
	len += 2 * TAR_BLOCK;
}

static void
sample(void)
{
	len = 0;
	add_header("volume/", '5', 0);
	add_header("volume/a.txt", '0', 1000);
	add_header("././@PaxHeader", 'x', 30);
	add_header("volume/long", '0', 512);
	add_header("././@LongLink", 'L', 200);
	add_header("volume/link", '2', 0);
	add_end();
}

Test(tarwalk, counts_entries_whole_or_byte_by_byte)
{
	struct tarwalk	tw;
	size_t		i;

	sample();
	tarwalk_init(&tw);
	cr_assert_eq(tarwalk_feed(&tw, buf, len), 0);
	cr_assert_eq(tarwalk_end(&tw), 0);
	cr_expect_eq(tw.entries, 4);
	cr_expect_eq(tw.bytes, len);
	tarwalk_init(&tw);
	for (i = 0; i < len; i++)
		cr_assert_eq(tarwalk_feed(&tw, buf + i, 1), 0, "at %zu", i);
	cr_assert_eq(tarwalk_end(&tw), 0);
	cr_expect_eq(tw.entries, 4);
}

Test(tarwalk, a_bad_checksum_is_refused)
{
	struct tarwalk	tw;

	sample();
	buf[TAR_BLOCK + 3] ^= 1;	/* the second header's name */
	tarwalk_init(&tw);
	cr_expect_eq(tarwalk_feed(&tw, buf, len), -1);
	cr_expect_str_eq(tw.err, "bad header checksum");
	cr_expect_eq(tarwalk_feed(&tw, buf, 1), -1, "stays refused");
}

Test(tarwalk, a_stream_cut_inside_an_entry_is_refused)
{
	struct tarwalk	tw;

	sample();
	tarwalk_init(&tw);
	cr_assert_eq(tarwalk_feed(&tw, buf, TAR_BLOCK * 2 + 100), 0);
	cr_expect_eq(tarwalk_end(&tw), -1);
	cr_expect_str_eq(tw.err, "the archive ends inside an entry");
}

Test(tarwalk, headers_after_the_end_are_refused)
{
	struct tarwalk	tw;

	sample();
	add_header("volume/late", '0', 1);
	tarwalk_init(&tw);
	cr_expect_eq(tarwalk_feed(&tw, buf, len), -1);
	cr_expect_str_eq(tw.err, "data after the end of the archive");
}

Test(tarwalk, sizes_in_octal_and_base_256)
{
	unsigned char	f[12];

	memcpy(f, "00000001750", 12);
	cr_expect_eq(tar_number(f, 12), 1000);
	memcpy(f, "   17 \0\0\0\0\0", 12);
	cr_expect_eq(tar_number(f, 12), 15);
	memcpy(f, "0000000175x", 12);
	cr_expect_eq(tar_number(f, 12), -1);
	memset(f, 0, sizeof(f));
	f[0] = 0x80;
	f[7] = 0x02;		/* 2 << 32: 8 GiB */
	cr_expect_eq(tar_number(f, 12), (int64_t)2 << 32);
	memset(f, 0xff, sizeof(f));
	cr_expect_eq(tar_number(f, 12), -1);
}
