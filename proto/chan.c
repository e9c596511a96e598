/*
 * Channels: framed messages and descriptors over one end of an AF_UNIX
 * stream socketpair, driven by libevent.  The blocking helpers used by
 * berthctl and the tests are in chanio.c; both share the wire helpers
 * here (chan_int.h).
 *
 * A frame is a 4-byte big-endian length and an encoded message.  A
 * message with MSGF_FD has its descriptor attached (SCM_RIGHTS) to the
 * first chunk of its frame, so the descriptor always arrives no later
 * than the frame's first byte.  Received descriptors wait in a short
 * FIFO and each complete MSGF_FD frame takes the oldest one.
 *
 * User callbacks may free the channel.  They only ever run from
 * chan_read_cb() and chan_write_cb(), which hold c->busy; chan_free()
 * on a busy channel only marks it closed and freed, every loop checks
 * c->closed after each callback, and the memory goes when the event
 * callback returns.  chan_send() never calls back: a write error it
 * meets is reported from the write event instead.
 *
 * Sending: chan_send() queues the frame and makes the write event
 * active, so every frame queued while the loop runs its current
 * callbacks leaves in one sendmsg() at the end of that turn (a read
 * that brought ten requests sends ten replies in one system call, as
 * Redis writes its clients' replies before it sleeps).  Past 64 KiB
 * queued it sends at once.  A descriptor rides on the first byte of the
 * sendmsg() that its frame leads.
 *
 * Bounded queues (chan_set_limits()): while more than `high' bytes wait
 * to be sent, the channel takes no more messages from its peer, even
 * frames already read (a peer's requests are what make the replies, so
 * a peer that does not read is throttled); below high/2 it takes them
 * again, from an activated read event.  A message that would take the
 * queue past `hard' is refused and the overflow callback runs once,
 * from an event of its own.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "chan.h"
#include "chan_int.h"
#include "codec.h"
#include "codec_int.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define CHAN_READ_SIZE	(64 * 1024)	/* room made for each read */
#define CHAN_IOV	64		/* frames one sendmsg() takes */
#define CHAN_BATCH	(64 * 1024)	/* queued past this: sent at once */

struct frame {
	TAILQ_ENTRY(frame)	 entry;
	char			*data;		/* length prefix + message */
	size_t			 len;
	size_t			 off;		/* bytes already sent */
	int			 fd;		/* -1, or sent with byte 0 */
};
TAILQ_HEAD(frameq, frame);

struct chan {
	int		 fd;
	struct event	*ev_read;
	struct event	*ev_write;	/* added only while out is not empty */
	chan_msg_cb	 msg_cb;
	chan_reject_cb	 reject_cb;
	chan_close_cb	 close_cb;
	void		*arg;

	char		*in;
	size_t		 inlen;
	size_t		 insize;
	struct fdq	 fdq;

	struct frameq	 out;
	size_t		 pending;	/* bytes in out not yet sent */
	int		 werrno;	/* write failed in chan_send() */

	size_t		 high;		/* 0: no limits */
	size_t		 hard;		/* 0: no hard limit */
	chan_overflow_cb overflow_cb;
	struct event	*ev_over;	/* runs overflow_cb */
	int		 paused;	/* above high: not reading */
	int		 overflowed;	/* a send was refused */

	uint32_t	 last_id;
	int		 busy;		/* inside an event callback */
	int		 closed;	/* no more I/O or callbacks */
	int		 freed;		/* chan_free() called while busy */
};

/* ---------------------------------------------------------------- shared */

uint32_t
get_be32(const char *p)
{
	const unsigned char	*u = (const unsigned char *)p;

	return (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 |
	    (uint32_t)u[2] << 8 | (uint32_t)u[3];
}

static void
put_be32(char *p, uint32_t v)
{
	p[0] = (char)(v >> 24);
	p[1] = (char)(v >> 16);
	p[2] = (char)(v >> 8);
	p[3] = (char)v;
}

static void
fdq_push(struct fdq *q, int fd)
{
	if (q->n == CHAN_MAX_FDS) {
		close(fd);
		q->lost = 1;
		return;
	}
	q->fds[q->n++] = fd;
}

int
fdq_pop(struct fdq *q)
{
	int	fd;

	if (q->n == 0)
		return -1;
	fd = q->fds[0];
	memmove(q->fds, q->fds + 1, --q->n * sizeof(q->fds[0]));
	return fd;
}

void
fdq_clear(struct fdq *q)
{
	int	fd;

	while ((fd = fdq_pop(q)) != -1)
		close(fd);
}

/* Encode m as a whole frame.  Returns 0, or -1 and a reason in err. */
int
frame_build(const struct msg *m, char **data, size_t *len, char *err,
    size_t errlen)
{
	if ((m->flags & MSGF_FD) && m->fd < 0) {
		snprintf(err, errlen, "MSGF_FD without a descriptor");
		return -1;
	}
	if (msg_encode_room(m, FRAME_HDR, data, len, err, errlen) == -1)
		return -1;
	put_be32(*data, (uint32_t)(*len - FRAME_HDR));
	return 0;
}

/* One sendmsg() of n buffers, with descriptor fd attached unless it is
 * -1 (it comes with the first byte). */
static ssize_t
send_iov(int sock, struct iovec *iov, int n, int fd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)n;
	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		msg.msg_control = cbuf.buf;
		msg.msg_controllen = sizeof(cbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	}
	return sendmsg(sock, &msg, MSG_NOSIGNAL);
}

/* One sendmsg(), with descriptor fd attached unless it is -1. */
ssize_t
send_chunk(int sock, const char *buf, size_t len, int fd)
{
	struct iovec	iov;

	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	return send_iov(sock, &iov, 1, fd);
}

static void
take_fds(struct msghdr *msg, struct fdq *q)
{
	struct cmsghdr	*cmsg;
	size_t		 i, n;
	int		 fd;

	if (msg->msg_flags & MSG_CTRUNC)
		q->lost = 1;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < n; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			fdq_push(q, fd);
		}
	}
}

/* One recvmsg(); descriptors that come with the bytes go into q. */
ssize_t
recv_chunk(int sock, char *buf, size_t len, int flags, struct fdq *q)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) * CHAN_MAX_FDS)];
	} cbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;

	memset(&msg, 0, sizeof(msg));
	iov.iov_base = buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf.buf;
	msg.msg_controllen = sizeof(cbuf.buf);
	if ((n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC)) == -1)
		return -1;
	take_fds(&msg, q);
	return n;
}

/* ---------------------------------------------------------------- life */

static void
frame_free(struct frame *f)
{
	if (f->fd >= 0)
		close(f->fd);
	free(f->data);
	free(f);
}

static void
chan_destroy(struct chan *c)
{
	struct frame	*f;

	event_free(c->ev_read);
	event_free(c->ev_write);
	if (c->ev_over != NULL)
		event_free(c->ev_over);
	close(c->fd);
	fdq_clear(&c->fdq);
	while ((f = TAILQ_FIRST(&c->out)) != NULL) {
		TAILQ_REMOVE(&c->out, f, entry);
		frame_free(f);
	}
	free(c->in);
	free(c);
}

/* Stop all I/O and tell the owner, once. */
static void
chan_fail(struct chan *c, const char *reason)
{
	if (c->closed)
		return;
	c->closed = 1;
	event_del(c->ev_read);
	event_del(c->ev_write);
	if (c->ev_over != NULL)
		event_del(c->ev_over);
	log_debug("channel %d: closed: %s", c->fd, reason);
	if (c->close_cb != NULL)
		c->close_cb(c, reason, c->arg);
}

static void
chan_leave(struct chan *c)
{
	if (--c->busy == 0 && c->freed)
		chan_destroy(c);
}

void
chan_free(struct chan *c)
{
	if (c == NULL)
		return;
	chan_push(c);	/* what chan_send() queued in this turn */
	if (c->busy > 0) {
		c->closed = 1;
		c->freed = 1;
		event_del(c->ev_read);
		event_del(c->ev_write);
		if (c->ev_over != NULL)
			event_del(c->ev_over);
		return;
	}
	chan_destroy(c);
}

int
chan_fd(const struct chan *c)
{
	return c->fd;
}

size_t
chan_pending(const struct chan *c)
{
	return c->pending;
}

uint32_t
chan_next_id(struct chan *c)
{
	if (++c->last_id == 0)
		c->last_id = 1;
	return c->last_id;
}

/* ---------------------------------------------------------------- read */

static void
chan_reject(struct chan *c, const char *reason)
{
	if (c->reject_cb != NULL)
		c->reject_cb(c, reason, c->arg);
	else
		log_warnx("channel %d: message rejected: %s", c->fd, reason);
}

static void
chan_frame(struct chan *c, const char *buf, size_t len)
{
	struct msg	m;
	char		err[256];
	int		fd;

	if (msg_decode(buf, len, &m, err, sizeof(err)) == -1) {
		/* Its envelope may still say a descriptor came with it. */
		if ((m.flags & MSGF_FD) && (fd = fdq_pop(&c->fdq)) != -1)
			close(fd);
		chan_reject(c, err);
		return;
	}
	if (m.flags & MSGF_FD) {
		if ((m.fd = fdq_pop(&c->fdq)) == -1) {
			msg_clear(&m);
			chan_reject(c, "MSGF_FD message without a descriptor");
			return;
		}
	}
	if (c->msg_cb != NULL)
		c->msg_cb(c, &m, c->arg);
	else
		msg_clear(&m);
}

/* Hand every complete frame in the input buffer to chan_frame(). */
static void
chan_frames(struct chan *c)
{
	char		why[64];
	size_t		off = 0;
	uint32_t	len;

	while (!c->closed && !c->paused && c->inlen - off >= FRAME_HDR) {
		len = get_be32(c->in + off);
		if (len == 0 || len > PROTO_MAX_MSG) {
			snprintf(why, sizeof(why), "bad frame length %u", len);
			chan_fail(c, why);
			return;
		}
		if (c->inlen - off - FRAME_HDR < len)
			break;
		chan_frame(c, c->in + off + FRAME_HDR, len);
		off += FRAME_HDR + len;
	}
	if (c->closed)
		return;
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (c->inlen == 0 && c->insize > 2 * CHAN_READ_SIZE) {
		free(c->in);	/* do not keep a big message's room */
		c->in = NULL;
		c->insize = 0;
	}
}

/* Make room for the rest of a frame whose length is known (and was
 * checked by chan_frames()), and at least CHAN_READ_SIZE. */
static void
chan_reserve(struct chan *c)
{
	size_t	need = CHAN_READ_SIZE, total;

	if (c->inlen >= FRAME_HDR) {
		total = FRAME_HDR + get_be32(c->in);
		if (total > c->inlen && total - c->inlen > need)
			need = total - c->inlen;
	}
	if (c->insize - c->inlen < need) {
		c->insize = c->inlen + need;
		c->in = xreallocarray(c->in, 1, c->insize);
	}
}

/* Read what is there.  Returns bytes read, or -1 if none to process. */
static ssize_t
chan_recv(struct chan *c)
{
	char	why[128];
	ssize_t	n;

	chan_reserve(c);
	n = recv_chunk(c->fd, c->in + c->inlen, c->insize - c->inlen, 0,
	    &c->fdq);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return -1;
		snprintf(why, sizeof(why), "read: %s", strerror(errno));
		chan_fail(c, why);
		return -1;
	}
	if (c->fdq.lost) {
		chan_fail(c, "too many descriptors");
		return -1;
	}
	if (n == 0) {
		chan_fail(c, "end of file");
		return -1;
	}
	c->inlen += n;
	return n;
}

static void
chan_read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan	*c = arg;

	c->busy++;
	/* Activated by chan_watermark() there may be frames held back. */
	if (chan_recv(c) > 0 || c->inlen > 0)
		chan_frames(c);
	chan_leave(c);
}

/* ---------------------------------------------------------------- write */

/* One sendmsg() of the frames at the head of the queue.  A frame with a
 * descriptor only ever leads one, so its descriptor still comes with
 * its own first byte. */
static ssize_t
chan_send_head(struct chan *c)
{
	struct iovec	 iov[CHAN_IOV];
	struct frame	*f;
	int		 n = 0, fd = -1;

	TAILQ_FOREACH(f, &c->out, entry) {
		if (n == CHAN_IOV || (n > 0 && f->fd >= 0))
			break;
		if (n == 0)
			fd = f->fd;
		iov[n].iov_base = f->data + f->off;
		iov[n].iov_len = f->len - f->off;
		n++;
	}
	return send_iov(c->fd, iov, n, fd);
}

/* n bytes of the head of the queue went out: drop what is done. */
static void
chan_sent(struct chan *c, size_t n)
{
	struct frame	*f;
	size_t		 k;

	while (n > 0 && (f = TAILQ_FIRST(&c->out)) != NULL) {
		if (f->fd >= 0) {
			close(f->fd);	/* the peer has its copy */
			f->fd = -1;
		}
		k = f->len - f->off < n ? f->len - f->off : n;
		f->off += k;
		c->pending -= k;
		n -= k;
		if (f->off == f->len) {
			TAILQ_REMOVE(&c->out, f, entry);
			frame_free(f);
		}
	}
}

/* Send queued frames until done or the socket is full. */
static int
chan_flush(struct chan *c)
{
	ssize_t	n;

	while (!TAILQ_EMPTY(&c->out)) {
		if ((n = chan_send_head(c)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		chan_sent(c, (size_t)n);
	}
	return 0;
}

/* Stop taking messages above high, take them again at high/2.  Never
 * calls back: frames held back are handed out from the read event. */
static void
chan_watermark(struct chan *c)
{
	if (c->closed)
		return;
	if (!c->paused && c->high > 0 && c->pending > c->high) {
		c->paused = 1;
		event_del(c->ev_read);
		log_debug("channel %d: %zu bytes queued: not reading", c->fd,
		    c->pending);
	} else if (c->paused && (c->high == 0 || c->pending <= c->high / 2)) {
		c->paused = 0;
		event_add(c->ev_read, NULL);
		log_debug("channel %d: reading again", c->fd);
		if (c->inlen > 0)
			event_active(c->ev_read, EV_READ, 0);
	}
}

/* Would len more bytes take the queue past hard?  The first time, the
 * overflow callback is scheduled (it runs from its own event). */
static int
chan_over_hard(struct chan *c, const struct msg *m, size_t len)
{
	if (c->hard == 0 || c->pending + len <= c->hard)
		return 0;
	if (c->overflowed) {
		log_debug("channel %d: %s refused: queue full", c->fd,
		    msg_type_name(m->type));
		return 1;
	}
	log_warnx("channel %d: %s refused: %zu bytes queued, limit %zu",
	    c->fd, msg_type_name(m->type), c->pending, c->hard);
	c->overflowed = 1;
	if (c->ev_over != NULL)
		event_active(c->ev_over, EV_TIMEOUT, 0);
	return 1;
}

static void
chan_over_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan	*c = arg;

	c->busy++;
	if (!c->closed && c->overflow_cb != NULL)
		c->overflow_cb(c, c->pending, c->arg);
	chan_leave(c);
}

/* Wait for the socket only while there is something to write. */
static void
chan_arm(struct chan *c)
{
	if (TAILQ_EMPTY(&c->out))
		event_del(c->ev_write);
	else
		event_add(c->ev_write, NULL);
}

static void
chan_write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct chan	*c = arg;
	char		 why[128];

	c->busy++;
	if (c->werrno == 0 && chan_flush(c) == -1)
		c->werrno = errno;
	if (c->werrno != 0) {
		snprintf(why, sizeof(why), "write: %s", strerror(c->werrno));
		chan_fail(c, why);
	} else {
		chan_arm(c);
		chan_watermark(c);
	}
	chan_leave(c);
}

/* Send what is queued once the callbacks running now are done: the
 * replies to all the requests of one read go out in one sendmsg().  The
 * write event runs from the same turn of the loop (it is made active,
 * not waited for), unless it is already waiting for a full socket. */
static void
chan_defer(struct chan *c)
{
	if (!event_pending(c->ev_write, EV_WRITE, NULL))
		event_active(c->ev_write, EV_WRITE, 0);
}

void
chan_push(struct chan *c)
{
	if (c->closed || c->werrno != 0 || TAILQ_EMPTY(&c->out))
		return;
	if (chan_flush(c) == -1)
		c->werrno = errno;
}

int
chan_send(struct chan *c, const struct msg *m)
{
	struct frame	*f;
	char		 err[256];
	int		 fd = (m->flags & MSGF_FD) ? m->fd : -1;

	if (c->closed) {
		log_debug("channel %d: %s dropped: channel closed", c->fd,
		    msg_type_name(m->type));
		goto fail;
	}
	f = xcalloc(1, sizeof(*f));
	if (frame_build(m, &f->data, &f->len, err, sizeof(err)) == -1) {
		log_warnx("channel %d: cannot send %s: %s", c->fd,
		    msg_type_name(m->type), err);
		free(f);
		goto fail;
	}
	if (chan_over_hard(c, m, f->len)) {
		free(f->data);
		free(f);
		goto fail;
	}
	f->fd = fd;
	TAILQ_INSERT_TAIL(&c->out, f, entry);
	c->pending += f->len;
	if (c->pending < CHAN_BATCH) {
		chan_defer(c);
		chan_watermark(c);
		return 0;
	}
	if (c->werrno == 0 && chan_flush(c) == -1) {
		/* Reported from the event loop, not to our caller. */
		c->werrno = errno;
		event_active(c->ev_write, EV_WRITE, 0);
		return 0;
	}
	chan_arm(c);
	chan_watermark(c);
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

void
chan_set_limits(struct chan *c, size_t high, size_t hard,
    chan_overflow_cb cb)
{
	c->high = high;
	c->hard = hard;
	c->overflow_cb = cb;
	if (c->ev_over == NULL) {
		c->ev_over = event_new(event_get_base(c->ev_read), -1, 0,
		    chan_over_cb, c);
		if (c->ev_over == NULL)
			fatalx("chan_set_limits: event_new failed");
	}
	chan_watermark(c);
}

int
chan_paused(const struct chan *c)
{
	return c->paused;
}

struct chan *
chan_new(struct event_base *base, int fd, chan_msg_cb msg_cb,
    chan_reject_cb reject_cb, chan_close_cb close_cb, void *arg)
{
	struct chan	*c;

	if (set_nonblock(fd) == -1) {
		log_warn("channel %d: set_nonblock", fd);
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->fd = fd;
	c->msg_cb = msg_cb;
	c->reject_cb = reject_cb;
	c->close_cb = close_cb;
	c->arg = arg;
	TAILQ_INIT(&c->out);
	c->ev_read = event_new(base, fd, EV_READ | EV_PERSIST, chan_read_cb,
	    c);
	c->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST,
	    chan_write_cb, c);
	if (c->ev_read == NULL || c->ev_write == NULL)
		fatalx("chan_new: event_new failed");
	if (event_add(c->ev_read, NULL) == -1)
		fatalx("chan_new: event_add failed");
	return c;
}
