/*
 * The engine client's HTTP/1.1 response reader (supervisord/http1.c):
 * every framing Go's net/http uses, fed whole and split at every byte,
 * and the malformed answers it must refuse.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

struct got {
	char	body[4096];
	size_t	len;
};

static void
collect(const char *buf, size_t n, void *arg)
{
	struct got	*g = arg;

	cr_assert_leq(g->len + n, sizeof g->body);
	memcpy(g->body + g->len, buf, n);
	g->len += n;
}

/* Feed s in pieces of at most step bytes; returns bytes used, or -1. */
static ssize_t
feed(struct http1_resp *p, const char *s, size_t step, struct got *g)
{
	size_t	off = 0, n = strlen(s), k;
	ssize_t	r;

	while (off < n) {
		k = n - off < step ? n - off : step;
		if ((r = http1_feed(p, s + off, k, collect, g)) == -1)
			return -1;
		off += (size_t)r;
		if ((size_t)r < k)
			break;
	}
	return (ssize_t)off;
}

/* The same answer whatever the pieces: every split from 1 byte up. */
static void
expect_body(const char *resp, int head_only, int status, const char *body,
    int needs_eof)
{
	struct http1_resp	p;
	struct got		g;
	size_t			step;

	for (step = 1; step <= strlen(resp); step++) {
		memset(&g, 0, sizeof g);
		http1_init(&p, head_only);
		cr_assert_eq(feed(&p, resp, step, &g), (ssize_t)strlen(resp),
		    "step %zu: %s", step, p.err ? p.err : "");
		cr_assert_eq(p.status, status);
		cr_assert(http1_head_done(&p));
		if (needs_eof) {
			cr_assert_eq(p.st, H1_BODY_CLOSE);
			cr_assert_eq(http1_eof(&p), 0);
		}
		cr_assert_eq(p.st, H1_DONE, "step %zu: state %d", step, p.st);
		cr_assert_eq(g.len, strlen(body), "step %zu", step);
		cr_assert_eq(memcmp(g.body, body, g.len), 0, "step %zu", step);
	}
}

Test(http1, content_length)
{
	expect_body("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 13\r\n\r\n{\"a\":[1,2,3]}", 0, 200,
	    "{\"a\":[1,2,3]}", 0);
	expect_body("HTTP/1.1 404 Not Found\r\ncontent-length:  4 \r\n\r\n"
	    "nope", 0, 404, "nope", 0);
	expect_body("HTTP/1.0 204 No Content\r\n\r\n", 0, 204, "", 0);
	expect_body("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 200,
	    "", 0);
}

Test(http1, bare_lf_lines_as_well)
{
	expect_body("HTTP/1.1 201 Created\nContent-Length: 2\n\nOK", 0, 201,
	    "OK", 0);
}

Test(http1, chunked_with_extensions_and_trailer)
{
	expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n"
	    "0\r\nX-Trailer: yes\r\n\r\n", 0, 200, "hello 0123456789", 0);
	expect_body("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n"
	    "0\r\n\r\n", 0, 200, "", 0);
}

Test(http1, body_until_close)
{
	expect_body("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"
	    "streamed until the end", 0, 200, "streamed until the end", 1);
}

Test(http1, head_has_no_body)
{
	expect_body("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", 1,
	    200, "", 0);
}

Test(http1, interim_answer_is_skipped)
{
	expect_body("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n"
	    "Content-Length: 3\r\n\r\nyes", 0, 200, "yes", 0);
}

Test(http1, what_follows_the_answer_is_left)
{
	struct http1_resp	p;
	struct got		g = { .len = 0 };
	const char		*s = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
				    "\r\nokEXTRA";

	http1_init(&p, 0);
	cr_assert_eq(http1_feed(&p, s, strlen(s), collect, &g),
	    (ssize_t)(strlen(s) - 5));
	cr_assert_eq(p.st, H1_DONE);
	cr_assert_eq(g.len, 2);
}

Test(http1, cut_short)
{
	static const char *const cuts[] = {
		"",
		"HTTP/1.1 200 OK\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n",
	};
	struct http1_resp	p;
	struct got		g;
	size_t			i;

	for (i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		memset(&g, 0, sizeof g);
		http1_init(&p, 0);
		cr_assert_eq(feed(&p, cuts[i], 4096, &g),
		    (ssize_t)strlen(cuts[i]));
		cr_assert_eq(http1_eof(&p), -1, "cut %zu", i);
	}
}

static void
expect_error(const char *resp, const char *why)
{
	struct http1_resp	p;
	struct got		g = { .len = 0 };

	http1_init(&p, 0);
	cr_assert_eq(feed(&p, resp, 4096, &g), -1, "accepted: %s", resp);
	cr_assert_eq(p.st, H1_ERROR);
	cr_assert_str_eq(p.err, why, "%s", resp);
	/* And it stays refused. */
	cr_assert_eq(http1_feed(&p, "x", 1, collect, &g), -1);
}

Test(http1, malformed_answers)
{
	expect_error("SSH-2.0-OpenSSH\r\n", "bad status line");
	expect_error("HTTP/2 200\r\n", "bad status line");
	expect_error("HTTP/1.1 2x0 OK\r\n", "bad status code");
	expect_error("HTTP/1.1 999 Odd\r\n", "bad status code");
	expect_error("HTTP/1.1 2000 OK\r\n", "bad status code");
	expect_error("HTTP/1.1 200 OK\r\nno colon here\r\n", "bad header line");
	expect_error("HTTP/1.1 200 OK\r\n: empty name\r\n", "bad header line");
	expect_error("HTTP/1.1 200 OK\r\nA: b\r\n folded\r\n",
	    "folded header line");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n",
	    "bad Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 1e3\r\n",
	    "bad Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: "
	    "99999999999999999999999\r\n", "bad Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
	    "Content-Length: 4\r\n", "conflicting Content-Length");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n",
	    "unsupported Transfer-Encoding");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "zz\r\n", "bad chunk size");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    ";x\r\n", "bad chunk size");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "fffffffffffffff\r\n", "chunk too large");
	expect_error("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "2\r\nabc\r\n", "chunk longer than its size");
}

Test(http1, bounded_lines_and_head)
{
	struct http1_resp	 p;
	struct got		 g = { .len = 0 };
	char			*s;
	size_t			 i, n;

	/* One header line longer than HTTP1_LINE_MAX. */
	n = HTTP1_LINE_MAX + 64;
	s = malloc(n + 64);
	strcpy(s, "HTTP/1.1 200 OK\r\nX: ");
	memset(s + strlen(s), 'a', n);
	s[n] = '\0';
	expect_error(s, "response line too long");
	free(s);

	/* Many short lines adding up to more than HTTP1_HEAD_MAX. */
	http1_init(&p, 0);
	cr_assert_eq(http1_feed(&p, "HTTP/1.1 200 OK\r\n", 17, collect, &g),
	    17);
	for (i = 0; i < HTTP1_HEAD_MAX / 8 && p.st != H1_ERROR; i++)
		(void)http1_feed(&p, "X: abc\r\n", 8, collect, &g);
	cr_assert_eq(p.st, H1_ERROR);
	cr_assert_str_eq(p.err, "response head too large");
}
