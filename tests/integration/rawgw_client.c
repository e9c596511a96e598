/*
 * The test side of rawgw (rawgw_client.h): frames over a TCP
 * connection to the stand-in gateway, with deadlines.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "codec.h"
#include "rawgw_client.h"
#include "util.h"
#include "xmalloc.h"

int
rawgw_connect(int port)
{
	struct sockaddr_in	sin;
	int			fd;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Write all of buf before the deadline (now_ms() time). */
static int
write_all_by(int fd, const char *buf, size_t len, uint64_t deadline)
{
	struct pollfd	pfd = { .fd = fd, .events = POLLOUT };
	uint64_t	now;
	ssize_t		n;

	while (len > 0) {
		n = send(fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			return -1;
		if ((now = now_ms()) >= deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (poll(&pfd, 1, (int)(deadline - now)) == -1 &&
		    errno != EINTR)
			return -1;
	}
	return 0;
}

int
rawgw_send_frame(int fd, const void *body, size_t len, int timeout_ms)
{
	char		*frame;
	uint64_t	 deadline = now_ms() + (uint64_t)timeout_ms;
	int		 rv, save;

	frame = xmalloc(4 + len);
	frame[0] = (char)(len >> 24);
	frame[1] = (char)(len >> 16);
	frame[2] = (char)(len >> 8);
	frame[3] = (char)len;
	if (len > 0)
		memcpy(frame + 4, body, len);
	rv = write_all_by(fd, frame, 4 + len, deadline);
	save = errno;
	free(frame);
	errno = save;
	return rv;
}

int
rawgw_send(int fd, const struct msg *m, int timeout_ms)
{
	char	*buf, err[256];
	size_t	 len;
	int	 rv, save;

	if (msg_encode(m, &buf, &len, err, sizeof(err)) == -1) {
		fprintf(stderr, "rawgw_send: %s\n", err);
		errno = EINVAL;
		return -1;
	}
	rv = rawgw_send_frame(fd, buf, len, timeout_ms);
	save = errno;
	free(buf);
	errno = save;
	return rv;
}

int
rawgw_stop_reading(int fd, int timeout_ms)
{
	return rawgw_send_frame(fd, NULL, 0, timeout_ms);
}

int
rawgw_recv(int fd, struct msg *m, int timeout_ms)
{
	return msg_read_fd(fd, m, timeout_ms);
}
