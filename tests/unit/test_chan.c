/*
 * Tests of channels over a real socketpair and a real event loop: both
 * directions, framing split and coalesced every way, bad frames and
 * errors, the three callbacks (and freeing the channel from them), and
 * the blocking helpers.  Where a test needs exact bytes on the wire the
 * far end is a raw socket written by the test itself.  Descriptor
 * passing is in test_chan_fds.c.
 */
#include <sys/types.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

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
#include "util.h"
#include "xmalloc.h"

TestSuite(chan, .init = setup, .fini = teardown, .timeout = 30);

/* ---------------------------------------------------------------- helpers */

/* Let the loop handle whatever is ready now, without waiting. */
static void
run_ready(void)
{
	int	i;

	for (i = 0; i < 4; i++)
		event_base_loop(base, EVLOOP_NONBLOCK);
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

/* ---------------------------------------------------------------- batching */

static int
bytes_waiting(int fd)
{
	int	n = 0;

	cr_assert_eq(ioctl(fd, FIONREAD, &n), 0);
	return n;
}

/* Frames queued in one turn of the loop stay queued until the turn ends,
 * then all leave together, in order. */
Test(chan, frames_of_one_turn_leave_together)
{
	struct msg	m;
	int		i;

	for (i = 0; i < 10; i++) {
		ping(&m, MSG_PING, (uint32_t)i + 1, i);
		cr_assert_eq(chan_send(ra.c, &m), 0);
		msg_clear(&m);
	}
	cr_assert_eq(bytes_waiting(raw), 0);
	cr_assert_gt(chan_pending(ra.c), 0);
	event_base_loop(base, EVLOOP_NONBLOCK);
	cr_assert_eq(chan_pending(ra.c), 0);
	for (i = 0; i < 10; i++) {
		cr_assert_eq(msg_read_fd(raw, &m, 0), 0, "frame %d", i);
		cr_assert_eq(m.id, (uint32_t)i + 1);
		msg_clear(&m);
	}
	cr_assert_eq(bytes_waiting(raw), 0);
}

/* Past 64 KiB queued a frame is not held for the turn's end. */
Test(chan, a_big_queue_leaves_at_once)
{
	struct msg	m;

	big_msg(&m, 1, 72000);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	cr_assert_gt(bytes_waiting(raw), 64 * 1024);
}

/* A channel freed with frames queued in this turn sends them first. */
Test(chan, free_sends_what_is_queued)
{
	struct msg	m;

	ping(&m, MSG_PING, 5, 55);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	chan_free(ra.c);
	ra.c = NULL;
	cr_assert_eq(msg_read_fd(raw, &m, 1000), 0);
	cr_assert_eq(m.id, 5);
	msg_clear(&m);
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
	run_ready();		/* queued frames leave at the turn's end */
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
