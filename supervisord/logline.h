/*
 * Lines out of the engine's log stream (GET /containers/{id}/logs with
 * timestamps=1): multiplexed frames (non-TTY) or the raw stream (TTY),
 * told apart by the first byte, split at any byte.  A line the engine
 * split (pieces of 16 KiB sharing one timestamp) is put back together
 * up to LOGLINE_MAX bytes and cut there with LOGLINE_MARKER; the rest
 * of it is dropped.  What comes out is valid UTF-8 without NUL (each
 * invalid byte becomes U+FFFD), without its newline.
 */
#ifndef BERTH_LOGLINE_H
#define BERTH_LOGLINE_H

#include <stddef.h>
#include <stdint.h>

#include "docker.h"

#define LOGLINE_MAX	(64 * 1024)	/* bytes, the marker included */
#define LOGLINE_MARKER	" [line cut at 64 KiB]"
#define LOGLINE_TSLEN	40		/* room for RFC 3339 with ns */
#define LOGLINE_BEGUN	"[line begun before the tail] "

struct logline {
	int		 stream;	/* 1 stdout, 2 stderr */
	char		 ts[LOGLINE_TSLEN]; /* the engine's, "" if none */
	int64_t		 ns;		/* the same since the epoch, 0 */
	int64_t		 nth;		/* lines before it with this ns */
	const char	*text;		/* NUL-terminated */
	size_t		 len;
	int		 cut;		/* ends with LOGLINE_MARKER */
};
typedef void (*logline_cb)(const struct logline *, void *arg);

/* One stream's line being put back together. */
struct logline_part {
	char		*buf;		/* raw bytes, LOGLINE_MAX */
	size_t		 len;
	char		 ts[LOGLINE_TSLEN];
	int64_t		 ns;
	int		 dropping;	/* cut: skip to the next newline */
	int		 busy;		/* a piece is held */
};

struct logline_asm {
	int			 mode;	/* 0 unknown, 1 multiplexed, 2 TTY */
	struct docker_demux	 demux;
	char			*raw;	/* TTY: a line until its newline */
	size_t			 rawlen;
	struct logline_part	 part[3];
	char			*out;	/* the cleaned line */
	int64_t			 last_ns, nth;
	logline_cb		 cb;
	void			*arg;
	int			 failed;
};

void	logline_init(struct logline_asm *, logline_cb, void *arg);
/* -1 when the stream is malformed (then no more lines). */
int	logline_feed(struct logline_asm *, const char *buf, size_t len);
/* The stream ended: pieces held are lines of their own. */
void	logline_finish(struct logline_asm *);
void	logline_free(struct logline_asm *);
/* Clean src[0..len) into dst (at least LOGLINE_MAX + 1 bytes): U+FFFD
 * for each invalid byte and NUL, cut on a character boundary before
 * LOGLINE_MAX with the marker (*cut set).  The length written. */
size_t	logline_clean(char *dst, const char *src, size_t len, int *cut);
/* A tail may begin inside a line the engine split (its pieces share
 * one timestamp): 1 when first, a tail's first line, is not the whole
 * line the engine has at that timestamp but its end. */
int	logline_tail_partial(const char *first, const char *whole);

#endif
