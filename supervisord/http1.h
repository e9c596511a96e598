/*
 * An HTTP/1.1 response reader for berthd's engine client: the status
 * line, the two headers that frame the body (Content-Length and
 * Transfer-Encoding) and the body itself, de-chunked.  No I/O: bytes go
 * in, the status and the body come out, so it is tested without a
 * socket.  Everything is bounded: a line, the whole head, a chunk size.
 */
#ifndef BERTH_HTTP1_H
#define BERTH_HTTP1_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define HTTP1_LINE_MAX	8192		/* a status, header or chunk line */
#define HTTP1_HEAD_MAX	(64 * 1024)	/* all of the head */

enum http1_state {
	H1_STATUS,		/* waiting for the status line */
	H1_HEADERS,
	H1_BODY_LEN,		/* left bytes of a Content-Length body */
	H1_BODY_CLOSE,		/* the body runs until the connection closes */
	H1_CHUNK_SIZE,
	H1_CHUNK_DATA,		/* left bytes of this chunk */
	H1_CHUNK_END,		/* the CRLF after a chunk's data */
	H1_TRAILER,
	H1_DONE,
	H1_ERROR
};

struct http1_resp {
	enum http1_state st;
	int		 status;	/* 0 until the status line is in */
	int		 head_only;	/* answer to HEAD: never a body */
	int		 chunked;
	int		 have_length;
	uint64_t	 length;	/* Content-Length */
	uint64_t	 left;
	size_t		 headlen;	/* bytes of head so far */
	size_t		 linelen;
	char		 line[HTTP1_LINE_MAX];
	const char	*err;		/* why H1_ERROR */
};

/* Body bytes as they are decoded. */
typedef void (*http1_body_cb)(const char *buf, size_t len, void *arg);

void	http1_init(struct http1_resp *, int head_only);
/* Read n bytes of the response.  Returns how many were used (fewer
 * than n only once the response is complete: what follows is not
 * ours), or -1 when the response is malformed (err says how). */
ssize_t	http1_feed(struct http1_resp *, const char *buf, size_t n,
	    http1_body_cb, void *arg);
/* The connection closed: 0 if that completes the response, else -1. */
int	http1_eof(struct http1_resp *);
/* The status line and headers are in. */
int	http1_head_done(const struct http1_resp *);

#endif
