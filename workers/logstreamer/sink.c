/*
 * A client's socket, written to directly (sink.h).  Every line goes to
 * every client of its feed: with a bufferevent, each delivery cost an
 * epoll_ctl to watch the socket, a wake-up, the write and another
 * epoll_ctl to stop watching.  Here bytes are queued, or kept by the
 * sink's owner (a feed's lines, once for all its clients: sink_source),
 * and when the callback that queued them is done (a chunk of lines, a
 * state, a heartbeat) each sink with bytes gets one writev.  A sink written
 * less than the pace ago (sink_pace) waits until the pace has passed
 * since that write: a busy log then costs each client one write a pace
 * with every line since the last, and a line waits at most the pace
 * for its client's next write.  Only a socket that cannot take it all
 * is watched for writability, until it drains.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "sink.h"
#include "xmalloc.h"

struct sink {
	TAILQ_ENTRY(sink)	 entry;		/* in dirty or later */
	TAILQ_ENTRY(sink)	 all_entry;
	int			 fd;
	struct evbuffer		*out;
	struct event		*rev, *wev;
	int64_t			 wrote_us;	/* the last write, monotonic */
	int			 dirty;		/* in dirty */
	int			 later;		/* in later */
	int			 waiting;	/* wev added: the socket is full */
	int			 closing;
	void			(*gone)(void *);
	int			(*pull)(void *, struct iovec *, int);
	void			*arg;
};
TAILQ_HEAD(sink_list, sink);

#define PULL_IOV	64		/* pieces a writev from the owner */

static struct event_base	*base;
static struct event		*flush_ev;
static struct event		*later_ev;
static int64_t			 later_due;	/* later_ev's, 0 unarmed */
static int64_t			 pace_us;
static struct sink_list		 dirty = TAILQ_HEAD_INITIALIZER(dirty);
static struct sink_list		 later = TAILQ_HEAD_INITIALIZER(later);
static struct sink_list		 all = TAILQ_HEAD_INITIALIZER(all);

static int64_t
now_us(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
sink_gone(struct sink *s)
{
	if (s->gone != NULL)
		s->gone(s->arg);
	else
		sink_free(s);
}

static int
write_failed(void)
{
	return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
}

/* The owner's pieces, written from its memory until it has none or
 * the socket is full; the pieces' unwritten rest is copied into the
 * buffer.  -1 when the sink is gone. */
static int
sink_pull(struct sink *s)
{
	struct iovec	iov[PULL_IOV];
	ssize_t		w;
	size_t		off;
	int		n, i;

	while (evbuffer_get_length(s->out) == 0 &&
	    (n = s->pull(s->arg, iov, PULL_IOV)) > 0) {
		s->wrote_us = now_us();
		if ((w = writev(s->fd, iov, n)) == -1) {
			if (write_failed()) {
				sink_gone(s);
				return -1;
			}
			w = 0;
		}
		for (i = 0, off = (size_t)w; i < n; i++) {
			if (off >= iov[i].iov_len) {
				off -= iov[i].iov_len;
				continue;
			}
			if (evbuffer_add(s->out, (char *)iov[i].iov_base + off,
			    iov[i].iov_len - off) == -1)
				fatalx("%s: out of memory", __func__);
			off = 0;
		}
	}
	return 0;
}

/* One writev of the buffer, then the owner's bytes; what the socket
 * does not take waits for wev. */
static void
sink_flush(struct sink *s)
{
	if (s->later) {		/* written now: its place goes */
		TAILQ_REMOVE(&later, s, entry);
		s->later = 0;
	}
	if (evbuffer_get_length(s->out) > 0) {
		s->wrote_us = now_us();
		if (evbuffer_write(s->out, s->fd) == -1 && write_failed()) {
			sink_gone(s);
			return;
		}
	}
	if (s->pull != NULL && sink_pull(s) == -1)
		return;
	if (evbuffer_get_length(s->out) > 0) {
		if (!s->waiting && event_add(s->wev, NULL) == -1)
			fatalx("%s: event_add failed", __func__);
		s->waiting = 1;
		return;
	}
	if (s->waiting)
		event_del(s->wev);
	s->waiting = 0;
	if (s->closing)
		sink_gone(s);
}

static void
flush_event(evutil_socket_t fd, short ev, void *arg)
{
	struct sink	*s;

	while ((s = TAILQ_FIRST(&dirty)) != NULL) {
		TAILQ_REMOVE(&dirty, s, entry);
		s->dirty = 0;
		sink_flush(s);	/* may free s */
	}
}

static void
make_dirty(struct sink *s)
{
	if (TAILQ_EMPTY(&dirty))
		event_active(flush_ev, EV_TIMEOUT, 0);
	TAILQ_INSERT_TAIL(&dirty, s, entry);
	s->dirty = 1;
}

static void
arm_later(int64_t due)
{
	int64_t		wait = due - now_us();
	struct timeval	tv;

	if (wait < 0)
		wait = 0;
	tv.tv_sec = wait / 1000000;
	tv.tv_usec = wait % 1000000;
	evtimer_add(later_ev, &tv);
	later_due = due;
}

/* The sinks whose pace has passed are written now; the timer is set
 * for the next.  later is in the order of the sinks' last writes, so
 * of their dues. */
static void
later_event(evutil_socket_t fd, short ev, void *arg)
{
	struct sink	*s;
	int64_t		 now = now_us();

	later_due = 0;
	while ((s = TAILQ_FIRST(&later)) != NULL &&
	    s->wrote_us + pace_us <= now) {
		TAILQ_REMOVE(&later, s, entry);
		s->later = 0;
		make_dirty(s);
	}
	if (s != NULL)
		arm_later(s->wrote_us + pace_us);
}

/* Into later by its last write: nearly always the last one, so it is
 * placed from the end. */
static void
later_insert(struct sink *s)
{
	struct sink	*t;

	TAILQ_FOREACH_REVERSE(t, &later, sink_list, entry)
		if (t->wrote_us <= s->wrote_us)
			break;
	if (t == NULL)
		TAILQ_INSERT_HEAD(&later, s, entry);
	else
		TAILQ_INSERT_AFTER(&later, t, s, entry);
	s->later = 1;
}

/* After the current callback: once for every sink queued meanwhile,
 * or once its pace has passed, or as soon as it holds SINK_PACE_BYTES
 * or its owner says now (a burst of lines is a big write already, and
 * the client's limit of unsent bytes is not for the pace to reach). */
static void
sink_mark(struct sink *s, int now)
{
	int64_t	due = s->wrote_us + pace_us;
	int	small, wait;

	small = !now && evbuffer_get_length(s->out) < SINK_PACE_BYTES;
	if (s->dirty || s->waiting || (s->later && small))
		return;		/* waits for its pace already */
	wait = small && pace_us > 0 && s->wrote_us != 0 && due > now_us();
	if (wait) {
		later_insert(s);
		if (later_due == 0 || due < later_due)
			arm_later(due);
		return;
	}
	if (s->later) {
		TAILQ_REMOVE(&later, s, entry);
		s->later = 0;
	}
	make_dirty(s);
}

static void
write_event(evutil_socket_t fd, short ev, void *arg)
{
	sink_flush(arg);
}

/* Clients send nothing after their request: what comes is dropped;
 * its end, or an error, is the client's end. */
static void
read_event(evutil_socket_t fd, short ev, void *arg)
{
	char	buf[512];
	ssize_t	n;

	n = read(fd, buf, sizeof(buf));
	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK &&
	    errno != EINTR))
		sink_gone(arg);
}

/* Each write leaves at once.  With Nagle's algorithm a write waits
 * while an earlier one is not acknowledged, and a client delays its
 * acknowledgement (40 ms on Linux): lines of a busy log came late by
 * that much.  Not TCP (a test's socketpair): nothing to do. */
static void
nodelay(int fd)
{
	int	one = 1;

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ==
	    -1 && errno != EOPNOTSUPP && errno != ENOPROTOOPT)
		log_warn("%s: setsockopt TCP_NODELAY", __func__);
}

void
sink_init(struct event_base *b)
{
	base = b;
	if ((flush_ev = event_new(base, -1, 0, flush_event, NULL)) == NULL ||
	    (later_ev = evtimer_new(base, later_event, NULL)) == NULL)
		fatalx("%s: event_new failed", __func__);
}

/* A reload may shorten the pace: the waiting sinks are looked at
 * again. */
void
sink_pace(long ms)
{
	pace_us = (int64_t)ms * 1000;
	if (later_ev != NULL && !TAILQ_EMPTY(&later))
		event_active(later_ev, EV_TIMEOUT, 0);
}

/* What is left (refused clients still being written) goes too. */
void
sink_shutdown(void)
{
	while (!TAILQ_EMPTY(&all))
		sink_free(TAILQ_FIRST(&all));
	if (flush_ev != NULL)
		event_free(flush_ev);
	if (later_ev != NULL)
		event_free(later_ev);
	flush_ev = later_ev = NULL;
	later_due = 0;
}

struct sink *
sink_new(int fd, void (*gone)(void *), void *arg)
{
	struct sink	*s = xcalloc(1, sizeof(*s));

	evutil_make_socket_nonblocking(fd);
	nodelay(fd);
	s->fd = fd;
	s->gone = gone;
	s->arg = arg;
	if ((s->out = evbuffer_new()) == NULL ||
	    (s->rev = event_new(base, fd, EV_READ | EV_PERSIST, read_event,
	    s)) == NULL ||
	    (s->wev = event_new(base, fd, EV_WRITE | EV_PERSIST, write_event,
	    s)) == NULL || event_add(s->rev, NULL) == -1)
		fatalx("%s: cannot make a client's events", __func__);
	TAILQ_INSERT_TAIL(&all, s, all_entry);
	return s;
}

void
sink_add(struct sink *s, const char *p, size_t len)
{
	if (evbuffer_add(s->out, p, len) == -1)
		fatalx("%s: out of memory", __func__);
	sink_mark(s, 0);
}

void
sink_source(struct sink *s, int (*pull)(void *, struct iovec *, int))
{
	s->pull = pull;
}

void
sink_poke(struct sink *s, int now)
{
	sink_mark(s, now);
}

size_t
sink_pending(const struct sink *s)
{
	return evbuffer_get_length(s->out);
}

void
sink_close(struct sink *s)
{
	s->closing = 1;
	sink_mark(s, 0);	/* drained (or empty): gone, from the flush */
}

void
sink_free(struct sink *s)
{
	if (s->dirty)
		TAILQ_REMOVE(&dirty, s, entry);
	if (s->later)
		TAILQ_REMOVE(&later, s, entry);
	TAILQ_REMOVE(&all, s, all_entry);
	event_free(s->rev);
	event_free(s->wev);
	evbuffer_free(s->out);
	close(s->fd);
	free(s);
}
