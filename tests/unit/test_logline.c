/*
 * Unit tests for the log line assembler (supervisord/logline.c): the
 * multiplexed and the TTY stream split at every byte, a line the engine
 * split in 16 KiB pieces put back together, a line past 64 KiB cut with
 * the marker, stdout and stderr pieces interleaved, invalid UTF-8 and
 * NUL replaced, the position inside one timestamp, and timestamps.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logline.h"
#include "rfc3339.h"

#define TS1	"2026-12-05T07:40:00.123456789Z"
#define TS2	"2026-12-05T07:40:01.5Z"
#define MAXL	16

struct got {
	int	 n;
	int	 stream[MAXL];
	char	*text[MAXL];
	char	 ts[MAXL][LOGLINE_TSLEN];
	int64_t	 nth[MAXL];
	int	 cut[MAXL];
};

static void
on_line(const struct logline *l, void *arg)
{
	struct got	*g = arg;

	cr_assert_lt(g->n, MAXL);
	cr_assert_eq(strlen(l->text), l->len, "a NUL inside the line");
	cr_assert_leq(l->len, LOGLINE_MAX);
	g->stream[g->n] = l->stream;
	g->text[g->n] = strdup(l->text);
	memcpy(g->ts[g->n], l->ts, LOGLINE_TSLEN);
	g->nth[g->n] = l->nth;
	g->cut[g->n] = l->cut;
	g->n++;
}

static void
got_free(struct got *g)
{
	int	i;

	for (i = 0; i < g->n; i++)
		free(g->text[i]);
	memset(g, 0, sizeof(*g));
}

/* A multiplexed frame of stream s around payload p[0..n). */
static size_t
frame(char *out, int s, const char *p, size_t n)
{
	out[0] = (char)s;
	out[1] = out[2] = out[3] = 0;
	out[4] = (char)(n >> 24);
	out[5] = (char)(n >> 16);
	out[6] = (char)(n >> 8);
	out[7] = (char)n;
	memcpy(out + 8, p, n);
	return n + 8;
}

static void
feed_split(struct got *g, const char *buf, size_t len, size_t at)
{
	struct logline_asm	a;

	logline_init(&a, on_line, g);
	cr_assert_eq(logline_feed(&a, buf, at), 0);
	cr_assert_eq(logline_feed(&a, buf + at, len - at), 0);
	logline_finish(&a);
	logline_free(&a);
}

Test(logline, multiplexed_split_at_every_byte)
{
	char		buf[256];
	size_t		len = 0, at;
	struct got	g;

	len += frame(buf + len, 1, TS1 " hello\n", strlen(TS1) + 7);
	len += frame(buf + len, 2, TS2 " oops\n", strlen(TS2) + 6);
	for (at = 0; at <= len; at++) {
		memset(&g, 0, sizeof(g));
		feed_split(&g, buf, len, at);
		cr_assert_eq(g.n, 2, "split at %zu: %d lines", at, g.n);
		cr_expect_str_eq(g.text[0], "hello");
		cr_expect_eq(g.stream[0], 1);
		cr_expect_str_eq(g.ts[0], TS1);
		cr_expect_str_eq(g.text[1], "oops");
		cr_expect_eq(g.stream[1], 2);
		cr_expect_str_eq(g.ts[1], TS2);
		got_free(&g);
	}
}

Test(logline, tty_split_at_every_byte)
{
	const char	buf[] = TS1 " one\r\n" TS2 " two\rthree\r\n";
	size_t		at;
	struct got	g;

	for (at = 0; at <= strlen(buf); at++) {
		memset(&g, 0, sizeof(g));
		feed_split(&g, buf, strlen(buf), at);
		cr_assert_eq(g.n, 2, "split at %zu", at);
		cr_expect_str_eq(g.text[0], "one");
		cr_expect_str_eq(g.text[1], "two\rthree");
		cr_expect_eq(g.stream[1], 1);
		cr_expect_str_eq(g.ts[1], TS2);
		got_free(&g);
	}
}

/* Pieces of n bytes of 'x' (the last with a newline) under TS1, with
 * a stderr line between them. */
static void
long_line(struct got *g, size_t total, size_t piece)
{
	struct logline_asm	 a;
	char			*p = malloc(piece + 64), *f = malloc(piece + 72);
	size_t			 done = 0, n, hl;

	logline_init(&a, on_line, g);
	hl = (size_t)sprintf(p, "%s ", TS1);
	while (done < total) {
		n = total - done < piece ? total - done : piece;
		memset(p + hl, 'x', n);
		done += n;
		if (done == total)
			p[hl + n++] = '\n';
		cr_assert_eq(logline_feed(&a, f, frame(f, 1, p, hl + n)), 0);
		if (done == piece)
			cr_assert_eq(logline_feed(&a, f, frame(f, 2,
			    TS2 " between\n", strlen(TS2) + 9)), 0);
	}
	cr_assert_eq(logline_feed(&a, f, frame(f, 1, TS2 " after\n",
	    strlen(TS2) + 7)), 0);
	logline_finish(&a);
	logline_free(&a);
	free(p);
	free(f);
}

Test(logline, pieces_put_back_together)
{
	struct got	g = { 0 };
	size_t		i;

	long_line(&g, 40000, 16384);
	cr_assert_eq(g.n, 3);
	cr_expect_str_eq(g.text[0], "between");
	cr_expect_eq(strlen(g.text[1]), 40000);
	for (i = 0; i < 40000; i++)
		cr_assert_eq(g.text[1][i], 'x');
	cr_expect_str_eq(g.ts[1], TS1, "the first piece's timestamp");
	cr_expect_eq(g.cut[1], 0);
	cr_expect_str_eq(g.text[2], "after");
	got_free(&g);
}

Test(logline, cut_at_64k_with_a_marker)
{
	struct got	g = { 0 };
	size_t		len, ml = strlen(LOGLINE_MARKER);

	long_line(&g, 200000, 16384);
	cr_assert_eq(g.n, 3);
	len = strlen(g.text[1]);
	cr_expect_eq(len, LOGLINE_MAX);
	cr_expect_eq(g.cut[1], 1);
	cr_expect_str_eq(g.text[1] + len - ml, LOGLINE_MARKER);
	cr_expect_str_eq(g.text[2], "after", "the rest of it dropped");
	got_free(&g);
}

Test(logline, invalid_utf8_and_nul_replaced)
{
	const char	in[] = TS1 " a\xff" "b\0c\xe2\x82\n";
	char		buf[128];
	struct got	g = { 0 };

	feed_split(&g, buf, frame(buf, 1, in, sizeof(in) - 1), 0);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.text[0], "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c"
	    "\xef\xbf\xbd\xef\xbf\xbd");
	got_free(&g);
}

Test(logline, position_inside_one_timestamp)
{
	char		buf[256];
	size_t		len = 0;
	struct got	g = { 0 };

	len += frame(buf + len, 1, TS1 " a\n", strlen(TS1) + 3);
	len += frame(buf + len, 1, TS1 " b\n", strlen(TS1) + 3);
	len += frame(buf + len, 2, TS2 " c\n", strlen(TS2) + 3);
	feed_split(&g, buf, len, 5);
	cr_assert_eq(g.n, 3);
	cr_expect_eq(g.nth[0], 0);
	cr_expect_eq(g.nth[1], 1);
	cr_expect_eq(g.nth[2], 0);
	got_free(&g);
}

Test(logline, piece_held_at_the_end_is_a_line)
{
	char		buf[128];
	struct got	g = { 0 };

	feed_split(&g, buf, frame(buf, 1, TS1 " no newline",
	    strlen(TS1) + 11), 3);
	cr_assert_eq(g.n, 1);
	cr_expect_str_eq(g.text[0], "no newline");
	got_free(&g);
}

Test(logline, bad_header_fails)
{
	struct logline_asm	a;
	struct got		g = { 0 };

	logline_init(&a, on_line, &g);
	cr_expect_eq(logline_feed(&a, "\x01\x05\0\0\0\0\0\1x", 9), -1);
	cr_expect_eq(logline_feed(&a, "x", 1), -1);
	logline_free(&a);
	cr_expect_eq(g.n, 0);
}

Test(logline, timestamps)
{
	int64_t	ns;

	cr_assert_eq(rfc3339_ns(TS1, strlen(TS1), &ns), 0);
	cr_expect_eq(ns, 1796456400123456789LL + 0);
	cr_assert_eq(rfc3339_ns("1970-01-01T00:00:01Z", 20, &ns), 0);
	cr_expect_eq(ns, 1000000000LL);
	cr_assert_eq(rfc3339_ns("1970-01-01T01:00:01.5+01:00", 27,
	    &ns), 0);
	cr_expect_eq(ns, 1500000000LL);
	cr_expect_eq(rfc3339_ns("1970-01-01 00:00:01Z", 20, &ns), -1);
	cr_expect_eq(rfc3339_ns("1970-01-01T00:00:01.Z", 21, &ns), -1);
	cr_expect_eq(rfc3339_ns("1970-01-01T00:00:01", 19, &ns), -1);
}

Test(logline, unix_seconds)
{
	int64_t	ns;

	cr_assert_eq(unix_ns("1796456400", &ns), 0);
	cr_expect_eq(ns, 1796456400000000000LL);
	cr_assert_eq(unix_ns("1.25", &ns), 0);
	cr_expect_eq(ns, 1250000000LL);
	cr_expect_eq(unix_ns("-1", &ns), -1);
	cr_expect_eq(unix_ns("1.", &ns), -1);
	cr_expect_eq(unix_ns("12x", &ns), -1);
	cr_expect_eq(unix_ns("123456789012", &ns), -1);
	cr_expect_eq(unix_ns("", &ns), -1);
}

/* The first line of the pieces of a split line from piece `from` on
 * (as a tail that begins there gets it): npieces of 16384 bytes of
 * letter 'a' + i, and the last with a newline. */
static char *
pieces_from(int from, int npieces, size_t last)
{
	struct logline_asm	 a;
	struct got		 g = { 0 };
	char			*p, *f, *line;
	size_t			 n, hl = strlen(TS1) + 1;
	int			 i;

	p = malloc(hl + 16384 + 1);
	f = malloc(hl + 16384 + 9);
	logline_init(&a, on_line, &g);
	for (i = from; i < npieces; i++) {
		n = i == npieces - 1 ? last : 16384;
		memcpy(p, TS1 " ", hl);
		memset(p + hl, 'a' + i, n);
		if (i == npieces - 1)
			p[hl + n++] = '\n';
		cr_assert_eq(logline_feed(&a, f, frame(f, 1, p, hl + n)), 0);
	}
	logline_finish(&a);
	logline_free(&a);
	cr_assert_eq(g.n, 1);
	line = g.text[0];
	free(p);
	free(f);
	return line;
}

/* A tail that begins inside a split line: its first line is told
 * from the whole line at that timestamp; a whole line is not. */
Test(logline, tail_begun_inside_a_split_line)
{
	char	*whole, *tail1, *tail2;

	whole = pieces_from(0, 3, 7232);
	tail1 = pieces_from(1, 3, 7232);
	tail2 = pieces_from(2, 3, 7232);
	cr_assert_eq(strlen(whole), 40000);
	cr_expect(logline_tail_partial(tail1, whole));
	cr_expect(logline_tail_partial(tail2, whole));
	cr_expect(!logline_tail_partial(whole, whole));
	cr_expect(!logline_tail_partial("after", "after"));
	free(whole);
	free(tail1);
	free(tail2);

	/* past 64 KiB both are cut: the text tells them apart */
	whole = pieces_from(0, 7, 100);
	tail1 = pieces_from(1, 7, 100);
	cr_assert_eq(strlen(whole), strlen(tail1));
	cr_expect(logline_tail_partial(tail1, whole));
	cr_expect(!logline_tail_partial(whole, whole));
	free(whole);
	free(tail1);
}
