/*
 * The channel tests' fixture (chan_fixture.h).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "chan.h"
#include "chan_fixture.h"
#include "codec.h"
#include "proto.h"
#include "xmalloc.h"

struct event_base	*base;
int			 sp[2];
int			 raw = -1;
struct rec		 ra, rb;

static void
on_msg(struct chan *c, struct msg *m, void *arg)
{
	struct rec	*r = arg;

	r->events++;
	if (r->nmsgs < MAXREC)
		r->msgs[r->nmsgs++] = *m;
	else
		msg_clear(m);
	if (r->free_on_msg) {
		chan_free(c);
		r->c = NULL;
	}
}

static void
on_reject(struct chan *c, const char *reason, void *arg)
{
	struct rec	*r = arg;

	r->events++;
	r->nrejects++;
	snprintf(r->reject, sizeof(r->reject), "%s", reason);
}

static void
on_close(struct chan *c, const char *reason, void *arg)
{
	struct rec	*r = arg;

	r->events++;
	r->ncloses++;
	snprintf(r->close, sizeof(r->close), "%s", reason);
	if (r->free_on_close) {
		chan_free(c);
		r->c = NULL;
	}
}

void
setup(void)
{
	base = event_base_new();
	cr_assert_not_null(base);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp),
	    0);
	memset(&ra, 0, sizeof(ra));
	memset(&rb, 0, sizeof(rb));
	ra.c = chan_new(base, sp[0], on_msg, on_reject, on_close, &ra);
	cr_assert_not_null(ra.c);
	raw = sp[1];
}

/* Put a channel on the other end too. */
void
both_ends(void)
{
	rb.c = chan_new(base, sp[1], on_msg, on_reject, on_close, &rb);
	cr_assert_not_null(rb.c);
	raw = -1;
}

static void
rec_clear(struct rec *r)
{
	int	i;

	chan_free(r->c);
	r->c = NULL;
	for (i = 0; i < r->nmsgs; i++)
		msg_clear(&r->msgs[i]);
	r->nmsgs = 0;
}

void
teardown(void)
{
	rec_clear(&ra);
	rec_clear(&rb);
	if (raw != -1)
		close(raw);
	raw = -1;
	event_base_free(base);
}

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *counter reaches want or 5 seconds pass. */
int
run_until(const int *counter, int want)
{
	struct timeval	 tv = { 5, 0 };
	struct event	*t;
	int		 timedout = 0;

	t = evtimer_new(base, on_timeout, &timedout);
	evtimer_add(t, &tv);
	while (*counter < want && !timedout)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *counter >= want;
}

void
ping(struct msg *m, unsigned type, uint32_t id, int64_t sent)
{
	struct body_ping	*b;

	b = msg_init(m, type, id, PEER_HEALTHMON);
	b->sent_ms = sent;
}

/* The frame (length prefix and message) of m, in a new buffer. */
char *
frame_of(const struct msg *m, size_t *len)
{
	char	*buf, *frame, err[256];
	size_t	 n;

	cr_assert_eq(msg_encode(m, &buf, &n, err, sizeof(err)), 0, "%s",
	    err);
	frame = xmalloc(n + 4);
	frame[0] = (char)(n >> 24);
	frame[1] = (char)(n >> 16);
	frame[2] = (char)(n >> 8);
	frame[3] = (char)n;
	memcpy(frame + 4, buf, n);
	free(buf);
	*len = n + 4;
	return frame;
}

void
write_all(int fd, const void *buf, size_t len)
{
	const char	*p = buf;
	ssize_t		 n;

	while (len > 0) {
		n = write(fd, p, len);
		cr_assert_gt(n, 0, "write: %s", strerror(errno));
		p += n;
		len -= n;
	}
}

void
fd_pass_msg(struct msg *m, const char *purpose, int fd)
{
	struct body_fd_pass	*b;

	b = msg_init(m, MSG_FD_PASS, 1, PEER_GATEWAY);
	b->purpose = xstrdup(purpose);
	m->flags = MSGF_FD;
	m->fd = fd;
}

/* Data written into fd comes out of rfd. */
void
assert_pipe_pair(int fd, int rfd, const char *word)
{
	char	buf[32] = "";

	write_all(fd, word, strlen(word));
	cr_assert_eq(read(rfd, buf, sizeof(buf) - 1), (ssize_t)strlen(word));
	cr_assert_str_eq(buf, word);
}

/* A message of a little over n bytes (n >= 4000): configuration
 * entries of 4000. */
void
big_msg(struct msg *m, uint32_t id, size_t n)
{
	struct body_config	*b;
	size_t			 i;

	b = msg_init(m, MSG_CONFIG, id, PEER_PARENT);
	b->nentries = n / 4000;
	b->entries = xcalloc(b->nentries, sizeof(*b->entries));
	for (i = 0; i < b->nentries; i++) {
		b->entries[i].key = xstrdup("server.filler");
		b->entries[i].value = xmalloc(4001);
		memset(b->entries[i].value, 'x', 4000);
		b->entries[i].value[4000] = '\0';
	}
}
