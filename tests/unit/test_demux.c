/*
 * Unit tests for the demultiplexer of Docker's non-TTY log stream
 * (docker_demux_feed in supervisord/docker.c): frames split at every
 * byte, several frames in one buffer, empty and maximal frames, and
 * the headers it must reject.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"

#define MAXFRAMES	16
#define MIB		(1024 * 1024)

struct seen {
	int	 n;
	int	 stream[MAXFRAMES];
	char	*data[MAXFRAMES];
	size_t	 len[MAXFRAMES];
};

static void
on_frame(int stream, const char *buf, size_t len, void *arg)
{
	struct seen	*s = arg;

	cr_assert_lt(s->n, MAXFRAMES, "too many frames");
	cr_assert_not_null(buf);
	s->stream[s->n] = stream;
	s->data[s->n] = malloc(len + 1);
	memcpy(s->data[s->n], buf, len);
	s->data[s->n][len] = '\0';
	s->len[s->n] = len;
	s->n++;
}

static void
seen_free(struct seen *s)
{
	int	i;

	for (i = 0; i < s->n; i++)
		free(s->data[i]);
	memset(s, 0, sizeof *s);
}

/* Append one frame (header and payload) at out; returns its size. */
static size_t
frame(unsigned char *out, int stream, const char *payload, size_t len)
{
	out[0] = (unsigned char)stream;
	out[1] = out[2] = out[3] = 0;
	out[4] = (unsigned char)(len >> 24);
	out[5] = (unsigned char)(len >> 16);
	out[6] = (unsigned char)(len >> 8);
	out[7] = (unsigned char)len;
	memcpy(out + 8, payload, len);
	return 8 + len;
}

static char	long_payload[300];

/* Four frames: stdout, stderr, an empty stdin frame, a 300-byte one. */
static size_t
sample(unsigned char *buf)
{
	size_t	n = 0;

	memset(long_payload, 'x', sizeof long_payload);
	long_payload[0] = 'L';
	n += frame(buf + n, 1, "hello-berth\n", 12);
	n += frame(buf + n, 2, "oops\n", 5);
	n += frame(buf + n, 0, "", 0);
	n += frame(buf + n, 1, long_payload, sizeof long_payload);
	return n;
}

static void
check_sample(const struct seen *s)
{
	cr_assert_eq(s->n, 4);
	cr_assert_eq(s->stream[0], 1);
	cr_assert_str_eq(s->data[0], "hello-berth\n");
	cr_assert_eq(s->stream[1], 2);
	cr_assert_str_eq(s->data[1], "oops\n");
	cr_assert_eq(s->stream[2], 0);
	cr_assert_eq(s->len[2], 0);
	cr_assert_eq(s->stream[3], 1);
	cr_assert_eq(s->len[3], sizeof long_payload);
	cr_assert_eq(memcmp(s->data[3], long_payload, sizeof long_payload), 0);
}

static void
feed_ok(struct docker_demux *d, const unsigned char *buf, size_t len,
    struct seen *s)
{
	cr_assert_eq(docker_demux_feed(d, (const char *)buf, len, on_frame, s),
	    0);
}

Test(demux, several_frames_in_one_buffer)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[512];
	size_t			n;

	n = sample(buf);
	feed_ok(&d, buf, n, &s);
	check_sample(&s);
	cr_assert_eq(d.hdrlen, 0);
	cr_assert_null(d.buf);
	seen_free(&s);
	docker_demux_free(&d);
}

Test(demux, split_at_every_byte_position)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[512];
	size_t			n, i;

	n = sample(buf);
	for (i = 0; i <= n; i++) {
		feed_ok(&d, buf, i, &s);
		feed_ok(&d, buf + i, n - i, &s);
		check_sample(&s);
		seen_free(&s);
	}
	docker_demux_free(&d);
}

Test(demux, split_twice_at_every_pair_of_positions)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[512];
	size_t			n, i, j;

	n = sample(buf);
	for (i = 0; i <= n; i++) {
		for (j = i; j <= n; j++) {
			feed_ok(&d, buf, i, &s);
			feed_ok(&d, buf + i, j - i, &s);
			feed_ok(&d, buf + j, n - j, &s);
			check_sample(&s);
			seen_free(&s);
		}
	}
	docker_demux_free(&d);
}

Test(demux, one_byte_at_a_time)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[512];
	size_t			n, i;

	n = sample(buf);
	for (i = 0; i < n; i++)
		feed_ok(&d, buf + i, 1, &s);
	check_sample(&s);
	seen_free(&s);
	docker_demux_free(&d);
}

Test(demux, empty_feed_changes_nothing)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[64];
	size_t			n;

	n = frame(buf, 1, "abc", 3);
	feed_ok(&d, buf, 0, &s);
	feed_ok(&d, buf, 5, &s);
	feed_ok(&d, buf, 0, &s);
	feed_ok(&d, buf + 5, n - 5, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.data[0], "abc");
	seen_free(&s);
	docker_demux_free(&d);
}

static void
expect_rejected(const unsigned char *hdr)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	size_t			i;

	/* Whole, and split: rejected once the header is complete. */
	cr_assert_eq(docker_demux_feed(&d, (const char *)hdr, 8, on_frame, &s),
	    -1, "header %02x %02x %02x %02x %02x %02x %02x %02x accepted",
	    hdr[0], hdr[1], hdr[2], hdr[3], hdr[4], hdr[5], hdr[6], hdr[7]);
	docker_demux_free(&d);
	for (i = 0; i < 7; i++)
		cr_assert_eq(docker_demux_feed(&d, (const char *)hdr + i, 1,
		    on_frame, &s), 0);
	cr_assert_eq(docker_demux_feed(&d, (const char *)hdr + 7, 1, on_frame,
	    &s), -1);
	cr_assert_eq(s.n, 0);
	docker_demux_free(&d);
}

Test(demux, bad_headers_rejected)
{
	static const unsigned char bad[][8] = {
		{ 3, 0, 0, 0, 0, 0, 0, 1 },		/* stream 3 */
		{ 0xff, 0, 0, 0, 0, 0, 0, 1 },		/* stream 255 */
		{ 1, 1, 0, 0, 0, 0, 0, 1 },		/* byte 1 */
		{ 1, 0, 1, 0, 0, 0, 0, 1 },		/* byte 2 */
		{ 2, 0, 0, 0x80, 0, 0, 0, 1 },		/* byte 3 */
		{ 1, 0, 0, 0, 0, 0x10, 0, 1 },		/* 1 MiB + 1 */
		{ 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff },	/* 4 GiB - 1 */
		{ '{', '"', 'm', 'e', 's', 's', 'a', 'g' }, /* JSON, TTY */
	};
	size_t	i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		expect_rejected(bad[i]);
}

Test(demux, bad_header_after_good_frame)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[64];
	size_t			n;

	n = frame(buf, 1, "first\n", 6);
	memcpy(buf + n, "\x01\x00\x07\x00\x00\x00\x00\x01", 8);
	cr_assert_eq(docker_demux_feed(&d, (const char *)buf, n + 8, on_frame,
	    &s), -1);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.data[0], "first\n");
	seen_free(&s);
	docker_demux_free(&d);
}

Test(demux, largest_frame_accepted_in_pieces)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		hdr[8] = { 2, 0, 0, 0, 0, 0x10, 0, 0 };
	char			*payload;
	size_t			off, n;

	payload = malloc(MIB);
	memset(payload, 'p', MIB);
	payload[MIB - 1] = 'q';
	feed_ok(&d, hdr, 8, &s);
	for (off = 0; off < MIB; off += n) {
		n = MIB - off < 65536 ? MIB - off : 65536;
		feed_ok(&d, (unsigned char *)payload + off, n, &s);
		cr_assert_eq(s.n, off + n == MIB ? 1 : 0);
	}
	cr_assert_eq(s.stream[0], 2);
	cr_assert_eq(s.len[0], MIB);
	cr_assert_eq(memcmp(s.data[0], payload, MIB), 0);
	free(payload);
	seen_free(&s);
	docker_demux_free(&d);
}

Test(demux, free_mid_frame)
{
	struct docker_demux	d = { 0 };
	struct seen		s = { 0 };
	unsigned char		buf[64];

	frame(buf, 1, "partial payload", 15);
	feed_ok(&d, buf, 12, &s);
	cr_assert_not_null(d.buf);
	docker_demux_free(&d);
	cr_assert_null(d.buf);
	cr_assert_eq(d.hdrlen, 0);
	/* Usable again after free. */
	feed_ok(&d, buf, 23, &s);
	cr_assert_eq(s.n, 1);
	cr_assert_str_eq(s.data[0], "partial payload");
	seen_free(&s);
	docker_demux_free(&d);
}
