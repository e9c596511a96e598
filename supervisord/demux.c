/*
 * Docker's multiplexed log stream (non-TTY containers): 8-byte headers
 * [stream, 0, 0, 0, big-endian length] before each payload.  Frames may
 * arrive split at any byte; malformed headers are a protocol error.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "log.h"
#include "xmalloc.h"

#define DEMUX_MAX_FRAME		(1024 * 1024)


/* A complete header: check it and learn the payload length. */
static int
demux_header(struct docker_demux *d)
{
	const unsigned char	*h = d->hdr;

	if (h[0] > 2 || h[1] != 0 || h[2] != 0 || h[3] != 0)
		return -1;
	d->need = (size_t)h[4] << 24 | (size_t)h[5] << 16 |
	    (size_t)h[6] << 8 | (size_t)h[7];
	if (d->need > DEMUX_MAX_FRAME)
		return -1;
	d->have = 0;
	return 0;
}

/* Reset for the next header before the callback, then free the copy. */
static void
demux_deliver(struct docker_demux *d, const char *p, size_t n,
    docker_frame_cb cb, void *arg)
{
	int	 stream = d->hdr[0];
	char	*copy = d->buf;

	d->hdrlen = 0;
	d->need = d->have = 0;
	d->buf = NULL;
	cb(stream, n == 0 ? "" : p, n, arg);
	free(copy);
}

/* frame_cb must not free d; empty frames are passed on as they come. */
int
docker_demux_feed(struct docker_demux *d, const char *buf, size_t len,
    docker_frame_cb cb, void *arg)
{
	size_t	n;

	for (;;) {
		if (d->hdrlen < sizeof d->hdr) {
			n = sizeof d->hdr - d->hdrlen;
			n = n < len ? n : len;
			memcpy(d->hdr + d->hdrlen, buf, n);
			d->hdrlen += n;
			buf += n;
			len -= n;
			if (d->hdrlen < sizeof d->hdr)
				return 0;
			if (demux_header(d) == -1)
				return -1;
		}
		if (d->have == 0 && len >= d->need) {
			/* The whole payload is here: no copy. */
			n = d->need;
			demux_deliver(d, buf, n, cb, arg);
			buf += n;
			len -= n;
			continue;
		}
		if (len == 0)
			return 0;
		if (d->buf == NULL)
			d->buf = xmalloc(d->need);
		n = d->need - d->have;
		n = n < len ? n : len;
		memcpy(d->buf + d->have, buf, n);
		d->have += n;
		buf += n;
		len -= n;
		if (d->have == d->need)
			demux_deliver(d, d->buf, d->need, cb, arg);
	}
}

void
docker_demux_free(struct docker_demux *d)
{
	free(d->buf);
	memset(d, 0, sizeof *d);
}

