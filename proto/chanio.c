/*
 * The blocking side of channels, for berthctl, the harness and the
 * tests: write one framed message, or read one with a deadline, on a
 * plain socket (the same frames and descriptors as chan.c).
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "chan_int.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

/* Wait until fd is ready for events or the deadline (-1: none) passes. */
static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		now;
	int		n, timeout;

	for (;;) {
		timeout = -1;
		if (deadline >= 0) {
			now = (int64_t)now_ms();
			timeout = now >= deadline ? 0 : (int)(deadline - now);
		}
		if ((n = poll(&pfd, 1, timeout)) > 0)
			return 0;
		if (n == -1 && errno != EINTR)
			return -1;
		if (n == 0 && timeout == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

static int
read_full(int fd, char *buf, size_t len, int64_t deadline, struct fdq *q)
{
	size_t	off = 0;
	ssize_t	n;

	while (off < len) {
		if (wait_fd(fd, POLLIN, deadline) == -1)
			return -1;
		n = recv_chunk(fd, buf + off, len - off, MSG_DONTWAIT, q);
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			return -1;
		}
		off += n;
	}
	return 0;
}

int
msg_write_fd(int fd, const struct msg *m)
{
	char	*data, err[256];
	size_t	 len, off = 0;
	ssize_t	 n;
	int	 save;

	if (frame_build(m, &data, &len, err, sizeof(err)) == -1) {
		log_warnx("cannot send %s: %s", msg_type_name(m->type), err);
		errno = EINVAL;
		return -1;
	}
	while (off < len) {
		n = send_chunk(fd, data + off, len - off,
		    off == 0 && (m->flags & MSGF_FD) ? m->fd : -1);
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			n = wait_fd(fd, POLLOUT, -1) == -1 ? -1 : 0;
		if (n == -1 && errno != EINTR)
			goto fail;
		if (n > 0)
			off += n;
	}
	free(data);
	return 0;
fail:
	save = errno;
	free(data);
	errno = save;
	return -1;
}

/* Read the frame (length prefix and message) into a new buffer. */
static int
read_frame(int fd, char **buf, uint32_t *len, int64_t deadline,
    struct fdq *q)
{
	char	hdr[FRAME_HDR];

	*buf = NULL;
	if (read_full(fd, hdr, sizeof(hdr), deadline, q) == -1)
		return -1;
	*len = get_be32(hdr);
	if (*len == 0 || *len > PROTO_MAX_MSG) {
		log_debug("bad frame length %u", *len);
		errno = EPROTO;
		return -1;
	}
	*buf = xmalloc(*len);
	if (read_full(fd, *buf, *len, deadline, q) == -1) {
		free(*buf);
		*buf = NULL;
		return -1;
	}
	return 0;
}

static int
decode_frame(const char *buf, size_t len, struct msg *m, struct fdq *q)
{
	char	err[256];

	if (msg_decode(buf, len, m, err, sizeof(err)) == -1) {
		log_debug("message rejected: %s", err);
		msg_clear(m);
		errno = EPROTO;
		return -1;
	}
	if ((m->flags & MSGF_FD) && (m->fd = fdq_pop(q)) == -1) {
		log_debug("MSGF_FD message without a descriptor");
		msg_clear(m);
		errno = EPROTO;
		return -1;
	}
	return 0;
}

int
msg_read_fd(int fd, struct msg *m, int timeout_ms)
{
	struct fdq	 q = { .n = 0 };
	int64_t		 deadline = -1;
	uint32_t	 len;
	char		*buf;
	int		 rv, save;

	memset(m, 0, sizeof(*m));
	m->fd = -1;
	if (timeout_ms >= 0)
		deadline = (int64_t)now_ms() + timeout_ms;
	if ((rv = read_frame(fd, &buf, &len, deadline, &q)) == 0) {
		rv = decode_frame(buf, len, m, &q);
		free(buf);
	}
	if (rv == 0 && q.lost) {
		msg_clear(m);
		errno = EPROTO;
		rv = -1;
	}
	save = errno;
	fdq_clear(&q);
	errno = save;
	return rv;
}
