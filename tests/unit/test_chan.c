/*
 * Tests of channels over a real socketpair and a real event loop: both
 * directions, framing split and coalesced every way, descriptor passing,
 * the three callbacks (and freeing the channel from them), and the
 * blocking helpers.  Where a test needs exact bytes on the wire the far
 * end is a raw socket written by the test itself.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "chan.h"
#include "codec.h"
#include "proto.h"
#include "util.h"
#include "xmalloc.h"

#define MAXREC	256

/* What one channel's callbacks saw. */
struct rec {
	struct chan	*c;
	struct msg	 msgs[MAXREC];
	int		 nmsgs;
	int		 nrejects;
	char		 reject[256];
	int		 ncloses;
	char		 close[256];
	int		 events;	/* callbacks of any kind */
	int		 free_on_msg;
	int		 free_on_close;
};

static struct event_base	*base;
static int			 sp[2];
static int			 raw = -1;	/* sp[1] when no channel owns it */
static struct rec		 ra, rb;

/* ---------------------------------------------------------------- helpers */

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

static void
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
static void
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

static void
teardown(void)
{
	rec_clear(&ra);
	rec_clear(&rb);
	if (raw != -1)
		close(raw);
	raw = -1;
	event_base_free(base);
}

TestSuite(chan, .init = setup, .fini = teardown, .timeout = 30);

static void
on_timeout(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *counter reaches want or 5 seconds pass. */
static int
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

/* Let the loop handle whatever is ready now, without waiting. */
static void
run_ready(void)
{
	int	i;

	for (i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
}

static void
ping(struct msg *m, unsigned type, uint32_t id, int64_t sent)
{
	struct body_ping	*b;

	b = msg_init(m, type, id, PEER_HEALTHMON);
	b->sent_ms = sent;
}

/* The frame (length prefix and message) of m, in a new buffer. */
static char *
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

static void
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

/* Send len bytes with descriptors attached, in one sendmsg(). */
static void
send_with_fds(int sock, const void *buf, size_t len, const int *fds,
    size_t nfds)
{
	char		 cbuf[CMSG_SPACE(sizeof(int) * 32)];
	struct msghdr	 msg;
	struct iovec	 iov;
	struct cmsghdr	*cmsg;

	cr_assert_leq(nfds, 32);
	memset(&msg, 0, sizeof(msg));
	memset(cbuf, 0, sizeof(cbuf));
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cbuf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
	memcpy(CMSG_DATA(cmsg), fds, sizeof(int) * nfds);
	cr_assert_eq(sendmsg(sock, &msg, 0), (ssize_t)len, "sendmsg: %s",
	    strerror(errno));
}

static void
fd_pass_msg(struct msg *m, const char *purpose, int fd)
{
	struct body_fd_pass	*b;

	b = msg_init(m, MSG_FD_PASS, 1, PEER_GATEWAY);
	b->purpose = xstrdup(purpose);
	m->flags = MSGF_FD;
	m->fd = fd;
}

/* Data written into fd comes out of rfd. */
static void
assert_pipe_pair(int fd, int rfd, const char *word)
{
	char	buf[32] = "";

	write_all(fd, word, strlen(word));
	cr_assert_eq(read(rfd, buf, sizeof(buf) - 1), (ssize_t)strlen(word));
	cr_assert_str_eq(buf, word);
}

/* ---------------------------------------------------------------- messages */

Test(chan, both_directions)
{
	struct msg	m;

	both_ends();
	ping(&m, MSG_PING, chan_next_id(ra.c), 111);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	cr_assert(run_until(&rb.nmsgs, 1));
	cr_assert_eq(rb.msgs[0].type, MSG_PING);
	cr_assert_eq(rb.msgs[0].id, 1);
	cr_assert_eq(((struct body_ping *)rb.msgs[0].body)->sent_ms, 111);

	ping(&m, MSG_PONG, rb.msgs[0].id, 222);
	m.flags = MSGF_REPLY;
	cr_assert_eq(chan_send(rb.c, &m), 0);
	msg_clear(&m);
	cr_assert(run_until(&ra.nmsgs, 1));
	cr_assert_eq(ra.msgs[0].type, MSG_PONG);
	cr_assert_eq(ra.msgs[0].flags, MSGF_REPLY);
	cr_assert_eq(((struct body_ping *)ra.msgs[0].body)->sent_ms, 222);
	cr_assert_eq(ra.nrejects + rb.nrejects + ra.ncloses + rb.ncloses, 0);
	cr_assert_eq(chan_pending(ra.c), 0);
	cr_assert_eq(chan_fd(ra.c), sp[0]);
}

Test(chan, many_messages_both_ways)
{
	struct msg	m;
	int		i;

	both_ends();
	for (i = 0; i < 200; i++) {
		ping(&m, MSG_PING, chan_next_id(ra.c), i);
		cr_assert_eq(chan_send(ra.c, &m), 0);
		msg_clear(&m);
		ping(&m, MSG_PING, chan_next_id(rb.c), -i);
		cr_assert_eq(chan_send(rb.c, &m), 0);
		msg_clear(&m);
	}
	cr_assert(run_until(&rb.nmsgs, 200));
	cr_assert(run_until(&ra.nmsgs, 200));
	for (i = 0; i < 200; i++) {
		cr_assert_eq(rb.msgs[i].id, (uint32_t)i + 1);
		cr_assert_eq(((struct body_ping *)rb.msgs[i].body)->sent_ms,
		    i);
		cr_assert_eq(((struct body_ping *)ra.msgs[i].body)->sent_ms,
		    -i);
	}
}

Test(chan, coalesced_frames)
{
	struct msg	 m;
	char		*all = NULL, *f;
	size_t		 len, total = 0;
	int		 i;

	for (i = 0; i < 100; i++) {
		ping(&m, MSG_PING, i + 1, i * 1000);
		f = frame_of(&m, &len);
		all = xreallocarray(all, 1, total + len);
		memcpy(all + total, f, len);
		total += len;
		free(f);
		msg_clear(&m);
	}
	write_all(raw, all, total);		/* one write, 100 frames */
	free(all);
	cr_assert(run_until(&ra.nmsgs, 100));
	for (i = 0; i < 100; i++) {
		cr_assert_eq(ra.msgs[i].id, (uint32_t)i + 1);
		cr_assert_eq(((struct body_ping *)ra.msgs[i].body)->sent_ms,
		    i * 1000);
	}
	cr_assert_eq(ra.nrejects, 0);
}

Test(chan, split_byte_by_byte)
{
	struct msg	 m;
	char		*f;
	size_t		 len, i;

	fd_pass_msg(&m, "split", -1);
	m.flags = 0;
	f = frame_of(&m, &len);
	msg_clear(&m);
	/* Two frames, so the boundary between them is split too. */
	for (i = 0; i < 2 * len; i++) {
		write_all(raw, f + i % len, 1);
		run_ready();
		cr_assert_eq(ra.nmsgs, (int)((i + 1) / len),
		    "after byte %zu", i);
	}
	free(f);
	cr_assert_eq(ra.nmsgs, 2);
	cr_assert_str_eq(((struct body_fd_pass *)ra.msgs[1].body)->purpose,
	    "split");
	cr_assert_eq(ra.nrejects + ra.ncloses, 0);
}

Test(chan, large_message)
{
	struct msg		 m;
	struct body_config	*b, *o;
	size_t			 i, n = 220, vlen = 4000;
	char			 key[32];

	both_ends();
	b = msg_init(&m, MSG_CONFIG, 1, PEER_GATEWAY);
	b->nentries = n;
	b->entries = xcalloc(n, sizeof(*b->entries));
	for (i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "section.key%zu", i);
		b->entries[i].key = xstrdup(key);
		b->entries[i].value = xmalloc(vlen + 1);
		memset(b->entries[i].value, 'a' + i % 26, vlen);
		b->entries[i].value[vlen] = '\0';
	}
	cr_assert_eq(chan_send(ra.c, &m), 0);
	/* ~880 KiB does not fit the socket buffer: some waits for EV_WRITE. */
	cr_assert_gt(chan_pending(ra.c), 0);
	cr_assert(run_until(&rb.nmsgs, 1));
	cr_assert_eq(chan_pending(ra.c), 0);
	o = rb.msgs[0].body;
	cr_assert_eq(o->nentries, n);
	for (i = 0; i < n; i++) {
		cr_assert_str_eq(o->entries[i].key, b->entries[i].key);
		cr_assert_str_eq(o->entries[i].value, b->entries[i].value);
	}
	msg_clear(&m);
}

/* ---------------------------------------------------------------- descriptors */

Test(chan, descriptor_passing)
{
	struct msg	m;
	int		p[2];

	both_ends();
	cr_assert_eq(pipe(p), 0);
	fd_pass_msg(&m, "log", p[1]);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	m.fd = -1;			/* the channel owns it now */
	msg_clear(&m);
	cr_assert(run_until(&rb.nmsgs, 1));
	cr_assert_eq(rb.msgs[0].flags, MSGF_FD);
	cr_assert_geq(rb.msgs[0].fd, 0);
	cr_assert_neq(fcntl(rb.msgs[0].fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_pipe_pair(rb.msgs[0].fd, p[0], "through");
	/* The received copy is the last: the channel closed ours. */
	msg_clear(&rb.msgs[0]);
	cr_assert_eq(read(p[0], &m, 1), 0);
	close(p[0]);
}

Test(chan, descriptors_stay_in_order)
{
	struct msg	m;
	int		p[3][2], i;

	both_ends();
	for (i = 0; i < 3; i++) {
		cr_assert_eq(pipe(p[i]), 0);
		fd_pass_msg(&m, "order", p[i][1]);
		cr_assert_eq(chan_send(ra.c, &m), 0);
		m.fd = -1;
		msg_clear(&m);
		ping(&m, MSG_PING, i, i);	/* no descriptor between */
		cr_assert_eq(chan_send(ra.c, &m), 0);
		msg_clear(&m);
	}
	cr_assert(run_until(&rb.nmsgs, 6));
	for (i = 0; i < 3; i++) {
		cr_assert_eq(rb.msgs[2 * i].type, MSG_FD_PASS);
		cr_assert_eq(rb.msgs[2 * i + 1].fd, -1);
		assert_pipe_pair(rb.msgs[2 * i].fd, p[i][0], "x");
		close(p[i][0]);
	}
}

Test(chan, rejected_message_consumes_its_descriptor)
{
	/* [1, MSG_FD_PASS, 1, PEER_GATEWAY, MSGF_FD, {}]: no "purpose". */
	static const char	 bad[] = { 0, 0, 0, 7, (char)0x96,
				    PROTO_VERSION, MSG_FD_PASS, 1,
				    PEER_GATEWAY, MSGF_FD, (char)0x80 };
	struct msg		 m;
	char			*f;
	size_t			 len;
	int			 p1[2], p2[2];

	cr_assert_eq(pipe(p1), 0);
	cr_assert_eq(pipe(p2), 0);
	send_with_fds(raw, bad, sizeof(bad), &p1[1], 1);
	fd_pass_msg(&m, "second", -1);
	f = frame_of(&m, &len);
	msg_clear(&m);
	send_with_fds(raw, f, len, &p2[1], 1);
	free(f);
	close(p1[1]);
	close(p2[1]);
	cr_assert(run_until(&ra.nmsgs, 1));
	cr_assert_eq(ra.nrejects, 1);
	cr_assert_not_null(strstr(ra.reject, "purpose"), "%s", ra.reject);
	assert_pipe_pair(ra.msgs[0].fd, p2[0], "second");
	/* The rejected message's descriptor was closed. */
	cr_assert_eq(read(p1[0], &m, 1), 0);
	close(p1[0]);
	close(p2[0]);
}

Test(chan, descriptor_missing_is_rejected)
{
	struct msg	 m;
	char		*f;
	size_t		 len;

	fd_pass_msg(&m, "none", 0);	/* fd 0 only to pass frame_of() */
	f = frame_of(&m, &len);
	m.fd = -1;
	msg_clear(&m);
	write_all(raw, f, len);		/* MSGF_FD set, nothing attached */
	free(f);
	ping(&m, MSG_PING, 2, 2);
	f = frame_of(&m, &len);
	msg_clear(&m);
	write_all(raw, f, len);
	free(f);
	cr_assert(run_until(&ra.nmsgs, 1));
	cr_assert_eq(ra.nrejects, 1);
	cr_assert_not_null(strstr(ra.reject, "descriptor"));
	cr_assert_eq(ra.msgs[0].type, MSG_PING);
	cr_assert_eq(ra.ncloses, 0);
}

Test(chan, too_many_descriptors_closes)
{
	int	fds[20], i;

	for (i = 0; i < 20; i++)
		fds[i] = 0;
	send_with_fds(raw, "\0", 1, fds, 20);
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_not_null(strstr(ra.close, "descriptors"), "%s", ra.close);
}

/* ---------------------------------------------------------------- errors */

Test(chan, oversized_length_closes)
{
	static const char	hdr[] = { 0x00, 0x10, 0x00, 0x01 };

	write_all(raw, hdr, sizeof(hdr));	/* PROTO_MAX_MSG + 1 */
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_not_null(strstr(ra.close, "frame length"), "%s", ra.close);
	cr_assert_eq(ra.nmsgs + ra.nrejects, 0);
}

Test(chan, zero_length_closes)
{
	static const char	hdr[] = { 0, 0, 0, 0 };

	write_all(raw, hdr, sizeof(hdr));
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_not_null(strstr(ra.close, "frame length"), "%s", ra.close);
}

Test(chan, garbage_frame_rejected_channel_survives)
{
	static const char	garbage[] = { 0, 0, 0, 5, 'h', 'e', 'l', 'l',
				    'o' };
	struct msg		m;
	char			*f;
	size_t			len;

	write_all(raw, garbage, sizeof(garbage));
	cr_assert(run_until(&ra.nrejects, 1));
	cr_assert_eq(ra.ncloses, 0);
	ping(&m, MSG_PING, 5, 55);
	f = frame_of(&m, &len);
	msg_clear(&m);
	write_all(raw, f, len);
	free(f);
	cr_assert(run_until(&ra.nmsgs, 1));
	cr_assert_eq(ra.msgs[0].id, 5);
	cr_assert_eq(ra.ncloses, 0);
}

Test(chan, eof_closes)
{
	close(raw);
	raw = -1;
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_str_eq(ra.close, "end of file");
	cr_assert_eq(ra.nmsgs + ra.nrejects, 0);
}

Test(chan, messages_before_eof_are_delivered)
{
	struct msg	 m;
	char		*f;
	size_t		 len;

	ping(&m, MSG_PING, 1, 1);
	f = frame_of(&m, &len);
	msg_clear(&m);
	write_all(raw, f, len);
	free(f);
	close(raw);
	raw = -1;
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_eq(ra.nmsgs, 1);
}

Test(chan, write_error_reported_from_loop)
{
	struct msg	m;
	int		i;

	close(raw);
	raw = -1;
	for (i = 0; i < 3; i++) {
		ping(&m, MSG_PING, 1, 1);
		cr_assert_eq(chan_send(ra.c, &m), 0);
		msg_clear(&m);
	}
	cr_assert_eq(ra.ncloses, 0, "close_cb called from chan_send");
	cr_assert(run_until(&ra.ncloses, 1));
	run_ready();
	cr_assert_eq(ra.ncloses, 1);
	/* Closed: sending now fails at once. */
	ping(&m, MSG_PING, 1, 1);
	cr_assert_eq(chan_send(ra.c, &m), -1);
	msg_clear(&m);
}

Test(chan, encode_error_is_synchronous)
{
	struct msg	m;
	int		p[2];

	msg_init(&m, MSG_HELLO, 1, PEER_PARENT);	/* no worker name */
	cr_assert_eq(chan_send(ra.c, &m), -1);
	msg_clear(&m);

	cr_assert_eq(pipe(p), 0);
	msg_init(&m, MSG_RESTART_REQ, 1, PEER_PARENT);	/* no worker */
	m.flags = MSGF_FD;
	m.fd = p[1];
	cr_assert_eq(chan_send(ra.c, &m), -1);
	m.fd = -1;
	msg_clear(&m);
	/* The descriptor was closed all the same. */
	cr_assert_eq(read(p[0], &m, 1), 0);
	close(p[0]);
	cr_assert_eq(chan_pending(ra.c), 0);
}

Test(chan, next_id)
{
	uint32_t	a, b;

	a = chan_next_id(ra.c);
	b = chan_next_id(ra.c);
	cr_assert_neq(a, 0);
	cr_assert_gt(b, a);
}

/* ---------------------------------------------------------------- freeing */

Test(chan, free_from_close_cb)
{
	ra.free_on_close = 1;
	close(raw);
	raw = -1;
	cr_assert(run_until(&ra.ncloses, 1));
	cr_assert_null(ra.c);
	run_ready();
}

Test(chan, free_from_msg_cb_with_frames_left)
{
	struct msg	 m;
	char		*all = NULL, *f;
	size_t		 len, total = 0;
	int		 i;

	for (i = 0; i < 5; i++) {
		ping(&m, MSG_PING, i + 1, i);
		f = frame_of(&m, &len);
		all = xreallocarray(all, 1, total + len);
		memcpy(all + total, f, len);
		total += len;
		free(f);
		msg_clear(&m);
	}
	write_all(raw, all, total);
	free(all);
	ra.free_on_msg = 1;
	cr_assert(run_until(&ra.nmsgs, 1));
	run_ready();
	cr_assert_eq(ra.nmsgs, 1);
	cr_assert_eq(ra.ncloses, 0);
	cr_assert_null(ra.c);
}

Test(chan, free_with_output_queued)
{
	struct msg		 m;
	struct body_config	*b;
	int			 p[2];

	cr_assert_eq(pipe(p), 0);
	b = msg_init(&m, MSG_CONFIG, 1, PEER_GATEWAY);
	b->nentries = 200;
	b->entries = xcalloc(200, sizeof(*b->entries));
	for (size_t i = 0; i < 200; i++) {
		b->entries[i].key = xstrdup("k");
		b->entries[i].value = xcalloc(1, 4001);
		memset(b->entries[i].value, 'v', 4000);
	}
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	fd_pass_msg(&m, "queued", p[1]);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	m.fd = -1;
	msg_clear(&m);
	cr_assert_gt(chan_pending(ra.c), 0);
	chan_free(ra.c);		/* the queued descriptor is closed */
	ra.c = NULL;
	cr_assert_eq(read(p[0], &m, 1), 0);
	close(p[0]);
}

/* ---------------------------------------------------------------- blocking */

Test(chan, blocking_roundtrip_with_descriptor)
{
	struct msg	m, r;
	int		p[2], s[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	cr_assert_eq(pipe(p), 0);
	fd_pass_msg(&m, "blocking", p[1]);
	cr_assert_eq(msg_write_fd(s[0], &m), 0);
	msg_clear(&m);			/* msg_write_fd leaves it to us */
	cr_assert_eq(msg_read_fd(s[1], &r, 1000), 0);
	cr_assert_eq(r.type, MSG_FD_PASS);
	cr_assert_str_eq(((struct body_fd_pass *)r.body)->purpose,
	    "blocking");
	assert_pipe_pair(r.fd, p[0], "b");
	msg_clear(&r);
	close(p[0]);

	ping(&m, MSG_PING, 3, 33);
	cr_assert_eq(msg_write_fd(s[0], &m), 0);
	msg_clear(&m);
	cr_assert_eq(msg_read_fd(s[1], &r, -1), 0);
	cr_assert_eq(r.fd, -1);
	cr_assert_eq(((struct body_ping *)r.body)->sent_ms, 33);
	msg_clear(&r);
	close(s[0]);
	close(s[1]);
}

Test(chan, blocking_to_channel)
{
	struct msg	m;

	ping(&m, MSG_PING, 9, 99);
	cr_assert_eq(msg_write_fd(raw, &m), 0);
	msg_clear(&m);
	cr_assert(run_until(&ra.nmsgs, 1));
	cr_assert_eq(ra.msgs[0].id, 9);

	ping(&m, MSG_PONG, 9, 100);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	cr_assert_eq(msg_read_fd(raw, &m, 1000), 0);
	cr_assert_eq(m.type, MSG_PONG);
	msg_clear(&m);
}

Test(chan, read_timeout)
{
	struct msg	m;
	uint64_t	t0;

	t0 = now_ms();
	cr_assert_eq(msg_read_fd(raw, &m, 100), -1);
	cr_assert_eq(errno, ETIMEDOUT);
	cr_assert_geq(now_ms() - t0, 95);
	cr_assert_null(m.body);
	cr_assert_eq(m.fd, -1);
}

Test(chan, read_timeout_mid_frame)
{
	static const char	part[] = { 0, 0, 0, 20, (char)0x96 };
	struct msg		m;

	write_all(sp[0], part, sizeof(part));
	cr_assert_eq(msg_read_fd(raw, &m, 50), -1);
	cr_assert_eq(errno, ETIMEDOUT);
}

Test(chan, read_eof)
{
	struct msg	m;

	chan_free(ra.c);
	ra.c = NULL;
	cr_assert_eq(msg_read_fd(raw, &m, 1000), -1);
	cr_assert_eq(errno, ECONNRESET);
}

Test(chan, read_bad_frames)
{
	static const char	zero[] = { 0, 0, 0, 0 };
	static const char	junk[] = { 0, 0, 0, 1, (char)0xc1 };
	struct msg		m;
	int			s[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, s), 0);
	write_all(s[0], junk, sizeof(junk));
	cr_assert_eq(msg_read_fd(s[1], &m, 1000), -1);
	cr_assert_eq(errno, EPROTO);
	cr_assert_null(m.body);
	write_all(s[0], zero, sizeof(zero));
	cr_assert_eq(msg_read_fd(s[1], &m, 1000), -1);
	cr_assert_eq(errno, EPROTO);
	close(s[0]);
	close(s[1]);
}

Test(chan, write_encode_error)
{
	struct msg	m;

	msg_init(&m, MSG_HELLO, 1, PEER_PARENT);
	cr_assert_eq(msg_write_fd(raw, &m), -1);
	cr_assert_eq(errno, EINVAL);
	msg_clear(&m);
}
