/*
 * rawgw: stands in for berth-gateway in integration tests, so that a
 * test can play a compromised gateway.  berthd runs it as it runs the
 * real one (fd 3 the IPC socket, fd 4 the HTTP listener; the -u -g -r
 * -x -l -U -T arguments are ignored and it does not confine itself).
 *
 * It says MSG_HELLO as "gateway", ignores MSG_CONFIG, answers MSG_PING,
 * exits on MSG_SHUTDOWN or end of file, and accepts one TCP client at a
 * time on fd 4.  Frames (4-byte big-endian length + message, as on the
 * IPC channel) go verbatim from the client to berthd and from berthd to
 * the client.  A client frame of length 0 is a command: stop reading
 * from berthd from now on (a peer that does not read).  rawgw_client.h
 * is the client side.
 */
#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chan.h"
#include "codec.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define PARENT_FD	3
#define LISTEN_FD	4
#define HDR		4
/* Above this much waiting for one side, stop reading the other. */
#define MAX_QUEUED	(1024 * 1024)

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

static struct buf	from_parent, to_parent, from_client, to_client;
static int		client = -1;
static int		parent_stopped;	/* the client said so */

static void
buf_add(struct buf *b, const void *p, size_t n)
{
	if (b->cap - b->len < n) {
		b->cap = b->len + n + 64 * 1024;
		b->p = xreallocarray(b->p, 1, b->cap);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void
buf_consume(struct buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
}

static uint32_t
be32(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | (uint32_t)u[3];
}

/* Read what is there into b: 1 read, 0 nothing now, -1 EOF or error. */
static int
read_into(int fd, struct buf *b)
{
	char	tmp[64 * 1024];
	ssize_t	n;

	n = recv(fd, tmp, sizeof(tmp), MSG_DONTWAIT);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	if (n == 0)
		return -1;
	buf_add(b, tmp, (size_t)n);
	return 1;
}

/* Write what b holds as far as fd takes it; -1 on error. */
static int
write_from(int fd, struct buf *b)
{
	ssize_t	n;

	n = send(fd, b->p, b->len, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n == -1)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	buf_consume(b, (size_t)n);
	return 0;
}

static void
queue_msg(struct buf *b, const struct msg *m)
{
	char	*enc, hdr[HDR], err[256];
	size_t	 n;

	if (msg_encode(m, &enc, &n, err, sizeof(err)) == -1) {
		fprintf(stderr, "rawgw: cannot encode: %s\n", err);
		exit(1);
	}
	hdr[0] = (char)(n >> 24);
	hdr[1] = (char)(n >> 16);
	hdr[2] = (char)(n >> 8);
	hdr[3] = (char)n;
	buf_add(b, hdr, HDR);
	buf_add(b, enc, n);
	free(enc);
}

static void
say_hello(void)
{
	struct body_hello	*h;
	struct msg		 m;

	h = msg_init(&m, MSG_HELLO, 0, PEER_PARENT);
	h->worker = xstrdup("gateway");
	h->pid = getpid();
	h->uid = getuid();
	h->seccomp = 0;
	queue_msg(&to_parent, &m);
	msg_clear(&m);
}

static void
pong(const struct msg *ping)
{
	struct body_ping	*p;
	struct msg		 r;

	p = msg_init(&r, MSG_PONG, ping->id, ping->peer);
	r.flags = MSGF_REPLY;
	p->sent_ms = ((struct body_ping *)ping->body)->sent_ms;
	queue_msg(&to_parent, &r);
	msg_clear(&r);
}

/* One whole frame from berthd: handled here, or relayed to the client
 * (dropped when there is none). */
static void
parent_frame(const char *frame, size_t len)
{
	struct msg	m;
	char		err[256];
	int		mine = 1;

	if (msg_decode(frame + HDR, len - HDR, &m, err, sizeof(err)) == 0) {
		if (m.type == MSG_SHUTDOWN)
			exit(0);
		if (m.type == MSG_PING && !(m.flags & MSGF_REPLY))
			pong(&m);
		else
			mine = m.type == MSG_CONFIG;
		msg_clear(&m);
	} else
		mine = 0;
	if (!mine && client != -1)
		buf_add(&to_client, frame, len);
}

static void
parent_frames(void)
{
	size_t		off = 0;
	uint32_t	n;

	while (from_parent.len - off >= HDR) {
		n = be32(from_parent.p + off);
		if (n == 0 || n > PROTO_MAX_MSG) {
			fprintf(stderr, "rawgw: bad frame from berthd\n");
			exit(1);
		}
		if (from_parent.len - off - HDR < n)
			break;
		parent_frame(from_parent.p + off, HDR + n);
		off += HDR + n;
	}
	buf_consume(&from_parent, off);
}

static void
client_drop(void)
{
	close(client);
	client = -1;
	from_client.len = 0;
	to_client.len = 0;
}

/* Whole frames from the client go to berthd as they are. */
static void
client_frames(void)
{
	size_t		off = 0;
	uint32_t	n;

	while (from_client.len - off >= HDR) {
		n = be32(from_client.p + off);
		if (n == 0) {
			parent_stopped = 1;
			off += HDR;
			continue;
		}
		if (n > PROTO_MAX_MSG) {
			fprintf(stderr, "rawgw: client frame of %u bytes\n", n);
			client_drop();
			return;
		}
		if (from_client.len - off - HDR < n)
			break;
		buf_add(&to_parent, from_client.p + off, HDR + n);
		off += HDR + n;
	}
	buf_consume(&from_client, off);
}

static void
client_accept(void)
{
	if ((client = accept(LISTEN_FD, NULL, NULL)) == -1 &&
	    errno != EAGAIN && errno != EINTR) {
		perror("rawgw: accept");
		exit(1);
	}
}

static void
on_parent(short revents)
{
	if (revents & POLLOUT && write_from(PARENT_FD, &to_parent) == -1)
		exit(0);
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (parent_stopped && (revents & (POLLHUP | POLLERR)))
			exit(0);
		if (parent_stopped)
			return;
		if (read_into(PARENT_FD, &from_parent) == -1)
			exit(0);
		parent_frames();
	}
}

static void
on_client(short revents)
{
	if (revents & POLLOUT && write_from(client, &to_client) == -1) {
		client_drop();
		return;
	}
	if (revents & (POLLIN | POLLHUP | POLLERR)) {
		if (read_into(client, &from_client) == -1) {
			client_drop();
			return;
		}
		client_frames();
	}
}

static void
loop(void)
{
	struct pollfd	pfd[3];

	for (;;) {
		pfd[0].events = (to_parent.len > 0 ? POLLOUT : 0) |
		    (!parent_stopped && to_client.len < MAX_QUEUED ? POLLIN : 0);
		/* Not waiting for berthd at all: not even for its hangup. */
		pfd[0].fd = pfd[0].events != 0 ? PARENT_FD : -1;
		pfd[1].fd = client == -1 ? LISTEN_FD : -1;
		pfd[1].events = POLLIN;
		pfd[2].fd = client;
		pfd[2].events = (to_client.len > 0 ? POLLOUT : 0) |
		    (to_parent.len < MAX_QUEUED ? POLLIN : 0);
		if (poll(pfd, 3, -1) == -1) {
			if (errno == EINTR)
				continue;
			perror("rawgw: poll");
			exit(1);
		}
		if (pfd[0].revents != 0)
			on_parent(pfd[0].revents);
		if (pfd[1].revents & POLLIN)
			client_accept();
		if (client != -1 && pfd[2].revents != 0)
			on_client(pfd[2].revents);
	}
}

int
main(int argc, char *argv[])
{
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive berthd */
	if (set_nonblock(PARENT_FD) == -1 || set_nonblock(LISTEN_FD) == -1) {
		fprintf(stderr, "rawgw: descriptors 3 and 4 are needed\n");
		return 1;
	}
	say_hello();
	loop();
}
