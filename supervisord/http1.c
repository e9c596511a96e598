/*
 * The HTTP/1.1 response reader of http1.h.  Lines (status, headers,
 * chunk sizes, trailers) are gathered into one bounded buffer; body
 * bytes are handed on as they come, never copied.  Anything this
 * reader does not understand is an error rather than a guess: the
 * engine is Go's net/http, which sends nothing unusual.
 */
#include <string.h>
#include <strings.h>

#include "http1.h"

#define CHUNK_MAX	(UINT64_C(1) << 40)	/* a chunk size, sanity */
#define LENGTH_MAX	(UINT64_C(1) << 62)

static int
fail(struct http1_resp *p, const char *why)
{
	p->st = H1_ERROR;
	p->err = why;
	return -1;
}

void
http1_init(struct http1_resp *p, int head_only)
{
	memset(p, 0, sizeof *p);
	p->st = H1_STATUS;
	p->head_only = head_only;
}

int
http1_head_done(const struct http1_resp *p)
{
	return p->st >= H1_BODY_LEN && p->st <= H1_DONE;
}

/* Gather buf into p->line up to a LF.  Returns 1 with a whole line in
 * p->line (CR and LF stripped), 0 when buf ran out first, -1 when the
 * line is too long; *used says how much of buf went in. */
static int
take_line(struct http1_resp *p, const char *buf, size_t n, size_t *used)
{
	const char	*lf = memchr(buf, '\n', n);
	size_t		 k = lf != NULL ? (size_t)(lf - buf) + 1 : n;

	*used = k;
	if (k > sizeof p->line - 1 - p->linelen)
		return fail(p, "response line too long");
	memcpy(p->line + p->linelen, buf, k);
	p->linelen += k;
	if (lf == NULL)
		return 0;
	p->linelen--;				/* the LF */
	if (p->linelen > 0 && p->line[p->linelen - 1] == '\r')
		p->linelen--;
	p->line[p->linelen] = '\0';
	return 1;
}

/* "HTTP/1.x NNN reason" */
static int
status_line(struct http1_resp *p, const char *s)
{
	int	i, code = 0;

	if (*s == '\0')
		return 0;		/* a stray empty line before it */
	if (strncmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' ||
	    s[8] != ' ')
		return fail(p, "bad status line");
	for (i = 9; i < 12; i++) {
		if (s[i] < '0' || s[i] > '9')
			return fail(p, "bad status code");
		code = code * 10 + (s[i] - '0');
	}
	if ((s[12] != '\0' && s[12] != ' ') || code < 100 || code > 599)
		return fail(p, "bad status code");
	p->status = code;
	p->st = H1_HEADERS;
	return 0;
}

/* Digits only, and the same value if it is given twice. */
static int
content_length(struct http1_resp *p, const char *v)
{
	uint64_t	n = 0;

	if (*v == '\0')
		return fail(p, "bad Content-Length");
	for (; *v != '\0'; v++) {
		if (*v < '0' || *v > '9' || n > LENGTH_MAX / 10)
			return fail(p, "bad Content-Length");
		n = n * 10 + (uint64_t)(*v - '0');
	}
	if (p->have_length && n != p->length)
		return fail(p, "conflicting Content-Length");
	p->have_length = 1;
	p->length = n;
	return 0;
}

static int
header_line(struct http1_resp *p, char *s)
{
	char	*colon, *v, *end;

	if (*s == ' ' || *s == '\t')
		return fail(p, "folded header line");
	if ((colon = strchr(s, ':')) == NULL || colon == s)
		return fail(p, "bad header line");
	*colon = '\0';
	for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
		;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' ||
	    end[-1] == '\t'); end--)
		;
	*end = '\0';
	if (strcasecmp(s, "Content-Length") == 0)
		return content_length(p, v);
	if (strcasecmp(s, "Transfer-Encoding") == 0) {
		if (strcasecmp(v, "chunked") != 0)
			return fail(p, "unsupported Transfer-Encoding");
		p->chunked = 1;
	}
	return 0;
}

/* The empty line after the headers: how the body is framed. */
static void
head_end(struct http1_resp *p)
{
	if (p->status < 200) {			/* 1xx: the real one follows */
		p->st = H1_STATUS;
		p->chunked = p->have_length = 0;
		p->length = 0;
		return;
	}
	if (p->head_only || p->status == 204 || p->status == 304)
		p->st = H1_DONE;
	else if (p->chunked)
		p->st = H1_CHUNK_SIZE;
	else if (p->have_length) {
		p->left = p->length;
		p->st = p->length == 0 ? H1_DONE : H1_BODY_LEN;
	} else
		p->st = H1_BODY_CLOSE;
}

/* Hex digits, then nothing or ";extensions". */
static int
chunk_size(struct http1_resp *p, const char *s)
{
	uint64_t	n = 0;
	const char	*q;
	int		d;

	for (q = s; *q != '\0' && *q != ';' && *q != ' ' && *q != '\t';
	    q++) {
		if (*q >= '0' && *q <= '9')
			d = *q - '0';
		else if ((*q | 0x20) >= 'a' && (*q | 0x20) <= 'f')
			d = (*q | 0x20) - 'a' + 10;
		else
			return fail(p, "bad chunk size");
		if (n >= CHUNK_MAX)
			return fail(p, "chunk too large");
		n = n * 16 + (uint64_t)d;
	}
	if (q == s)
		return fail(p, "bad chunk size");
	p->left = n;
	p->st = n == 0 ? H1_TRAILER : H1_CHUNK_DATA;
	return 0;
}

static int
line_done(struct http1_resp *p)
{
	char	*s = p->line;

	p->linelen = 0;
	switch (p->st) {
	case H1_STATUS:
		return status_line(p, s);
	case H1_HEADERS:
		if (*s != '\0')
			return header_line(p, s);
		head_end(p);
		return 0;
	case H1_CHUNK_SIZE:
		return chunk_size(p, s);
	case H1_CHUNK_END:
		if (*s != '\0')
			return fail(p, "chunk longer than its size");
		p->st = H1_CHUNK_SIZE;
		return 0;
	case H1_TRAILER:
		if (*s == '\0')
			p->st = H1_DONE;
		return 0;
	default:
		return fail(p, "internal: line in a body state");
	}
}

/* Bytes of a Content-Length body or of a chunk. */
static size_t
body_bytes(struct http1_resp *p, const char *buf, size_t n,
    http1_body_cb cb, void *arg)
{
	size_t	k = n;

	if (p->st == H1_BODY_CLOSE) {
		cb(buf, n, arg);
		return n;
	}
	if (k > p->left)
		k = (size_t)p->left;
	cb(buf, k, arg);
	p->left -= k;
	if (p->left == 0)
		p->st = p->st == H1_BODY_LEN ? H1_DONE : H1_CHUNK_END;
	return k;
}

ssize_t
http1_feed(struct http1_resp *p, const char *buf, size_t n,
    http1_body_cb cb, void *arg)
{
	size_t	off = 0, k;
	int	r;

	while (off < n && p->st != H1_DONE && p->st != H1_ERROR) {
		if (p->st == H1_BODY_LEN || p->st == H1_CHUNK_DATA ||
		    p->st == H1_BODY_CLOSE) {
			off += body_bytes(p, buf + off, n - off, cb, arg);
			continue;
		}
		r = take_line(p, buf + off, n - off, &k);
		off += k;
		if (p->st <= H1_HEADERS || p->st == H1_TRAILER) {
			p->headlen += k;
			if (p->headlen > HTTP1_HEAD_MAX)
				fail(p, "response head too large");
		}
		if (r == 1 && p->st != H1_ERROR)
			line_done(p);
	}
	return p->st == H1_ERROR ? -1 : (ssize_t)off;
}

int
http1_eof(struct http1_resp *p)
{
	if (p->st == H1_BODY_CLOSE)
		p->st = H1_DONE;
	return p->st == H1_DONE ? 0 : -1;
}
