/*
 * Tests of bounded channels (chan_set_limits) on a real socketpair and
 * event loop, with a peer that stops reading: above the high-water mark
 * the channel takes no more messages (not even frames it already read)
 * until its queue drains to half of it; past the hard limit a message
 * is refused, its descriptor closed, and the overflow callback runs
 * once, from the loop.  The socket buffers are made small so that the
 * kernel hides little of the queue.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
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

#define HIGH	(64 * 1024)
#define HARD	(256 * 1024)
#define BIG	(32 * 1024)	/* the message string of a big message */

static int	overflows;
static size_t	over_queued;
static int	free_on_overflow;

/* Little room in the kernel; the raw end never blocks the test. */
static void
small_buffers(void)
{
	int	small = 4096;

	cr_assert_eq(setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	cr_assert_eq(setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &small,
	    sizeof(small)), 0);
	cr_assert_eq(fcntl(sp[1], F_SETFL, O_NONBLOCK), 0);
}

static void
limits_setup(void)
{
	setup();
	overflows = 0;
	over_queued = 0;
	free_on_overflow = 0;
	small_buffers();
}

TestSuite(chan_limits, .init = limits_setup, .fini = teardown,
    .timeout = 30);

/* ---------------------------------------------------------------- helpers */

static void
on_overflow(struct chan *c, size_t queued, void *arg)
{
	overflows++;
	over_queued = queued;
	if (free_on_overflow) {
		chan_free(c);
		ra.c = NULL;
	}
}

static int
send_big(struct chan *c)
{
	struct msg	m;
	int		rv;

	big_msg(&m, 1, BIG);
	rv = chan_send(c, &m);
	msg_clear(&m);
	return rv;
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop for ms milliseconds. */
static void
run_for(int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*t;
	int		 done = 0;

	t = evtimer_new(base, on_timer, &done);
	evtimer_add(t, &tv);
	while (!done)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
}

/* Read at most max bytes the channel sent to the raw end. */
static size_t
drain_raw(size_t max)
{
	char	buf[4096];
	size_t	total = 0;
	ssize_t	n;

	while (total < max) {
		n = read(raw, buf, max - total < sizeof(buf) ?
		    max - total : sizeof(buf));
		if (n <= 0)
			break;
		total += (size_t)n;
	}
	return total;
}

/* Write n pings to the raw end in one write. */
static void
write_pings(int n)
{
	struct msg	 m;
	char		*all = NULL, *f;
	size_t		 len, total = 0;
	int		 i;

	for (i = 0; i < n; i++) {
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
}

/* Queue big messages until more than HIGH bytes wait. */
static void
fill_past_high(void)
{
	int	i;

	for (i = 0; i < 16 && chan_pending(ra.c) <= HIGH; i++)
		cr_assert_eq(send_big(ra.c), 0);
	cr_assert_gt(chan_pending(ra.c), HIGH);
}

/* ---------------------------------------------------------------- high */

Test(chan_limits, no_limits_by_default)
{
	int	i;

	for (i = 0; i < 64; i++)
		cr_assert_eq(send_big(ra.c), 0);
	cr_assert_gt(chan_pending(ra.c), 60 * BIG);
	cr_assert_not(chan_paused(ra.c));
	write_pings(1);
	cr_assert(run_until(&ra.nmsgs, 1));
}

Test(chan_limits, paused_above_high_resumed_at_half)
{
	size_t	at_resume = 0;
	int	i;

	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	cr_assert_not(chan_paused(ra.c));
	fill_past_high();
	cr_assert(chan_paused(ra.c));
	write_pings(3);
	run_for(200);
	cr_assert_eq(ra.nmsgs, 0, "a paused channel took a message");

	/* The peer reads again, a little at a time. */
	for (i = 0; i < 1000 && ra.nmsgs == 0; i++) {
		drain_raw(4096);
		run_for(2);
		if (ra.nmsgs > 0)
			at_resume = chan_pending(ra.c);
	}
	cr_assert_eq(ra.nmsgs, 3, "the channel did not read again");
	cr_assert_leq(at_resume, HIGH / 2);
	cr_assert_not(chan_paused(ra.c));
	cr_assert_eq(overflows, 0);
}

/* A server that answers every ping with a big reply: the pings its peer
 * sent in one write are taken a few at a time. */
static int	answered;

static void
answer_big(struct chan *c, struct msg *m, void *arg)
{
	struct msg	r;

	big_msg(&r, m->id, BIG);
	cr_assert_eq(chan_send(c, &r), 0);
	msg_clear(&r);
	msg_clear(m);
	answered++;
	/* Above high it took no more: at most one reply past it. */
	cr_assert_leq(chan_pending(c), HIGH + BIG + 1024);
}

Test(chan_limits, frames_already_read_wait_while_paused)
{
	size_t	got = 0;
	int	i;

	chan_free(ra.c);		/* closes sp[0] */
	close(raw);
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	raw = sp[1];
	small_buffers();
	ra.c = chan_new(base, sp[0], answer_big, NULL, NULL, NULL);
	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	answered = 0;

	write_pings(40);
	run_for(200);
	cr_assert_gt(answered, 0);
	cr_assert_lt(answered, 40, "the channel kept reading above high");
	cr_assert(chan_paused(ra.c));

	/* Nothing more arrives on the socket: the held frames must come
	 * out once the peer reads. */
	for (i = 0; i < 5000 && (answered < 40 || chan_pending(ra.c) > 0);
	    i++) {
		got += drain_raw(1 << 20);
		run_for(1);
	}
	cr_assert_eq(answered, 40);
	cr_assert_eq(overflows, 0);
	got += drain_raw(1 << 20);
	cr_assert_gt(got, 40 * (size_t)32000);
}

/* ---------------------------------------------------------------- hard */

Test(chan_limits, past_hard_refused_callback_once_from_loop)
{
	struct msg	m;
	int		i, rv = 0;

	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	for (i = 0; i < 100 && rv == 0; i++)
		rv = send_big(ra.c);
	cr_assert_eq(rv, -1, "no send was refused");
	cr_assert_leq(chan_pending(ra.c), HARD);
	cr_assert_eq(overflows, 0, "called back from inside chan_send");

	cr_assert(run_until(&overflows, 1));
	cr_assert_eq(over_queued, chan_pending(ra.c));
	cr_assert_eq(send_big(ra.c), -1);
	run_for(100);
	cr_assert_eq(overflows, 1);

	/* What still fits is taken. */
	ping(&m, MSG_PING, 1, 0);
	cr_assert_eq(chan_send(ra.c, &m), 0);
	msg_clear(&m);
	cr_assert_leq(chan_pending(ra.c), HARD);
}

Test(chan_limits, refused_message_closes_its_descriptor)
{
	struct msg	 m;
	char		 c;
	int		 p[2], i;

	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	for (i = 0; i < 100 && chan_pending(ra.c) + BIG < HARD; i++)
		cr_assert_eq(send_big(ra.c), 0);
	cr_assert_eq(pipe(p), 0);
	big_msg(&m, 1, BIG);
	m.flags = MSGF_FD;
	m.fd = p[1];
	cr_assert_eq(chan_send(ra.c, &m), -1);
	m.fd = -1;
	msg_clear(&m);
	cr_assert_eq(read(p[0], &c, 1), 0, "the descriptor was kept");
	close(p[0]);
	cr_assert(run_until(&overflows, 1));
}

Test(chan_limits, overflow_callback_may_free_the_channel)
{
	int	i, rv = 0;

	free_on_overflow = 1;
	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	for (i = 0; i < 100 && rv == 0; i++)
		rv = send_big(ra.c);
	cr_assert_eq(rv, -1);
	cr_assert(run_until(&overflows, 1));
	cr_assert_null(ra.c);
	run_for(50);
	cr_assert_eq(overflows, 1);
}

Test(chan_limits, freed_before_the_callback_runs)
{
	int	i, rv = 0;

	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	for (i = 0; i < 100 && rv == 0; i++)
		rv = send_big(ra.c);
	cr_assert_eq(rv, -1);
	chan_free(ra.c);
	ra.c = NULL;
	run_for(50);
	cr_assert_eq(overflows, 0);
}

Test(chan_limits, limits_removed_reads_again)
{
	chan_set_limits(ra.c, HIGH, HARD, on_overflow);
	fill_past_high();
	write_pings(1);
	run_for(50);
	cr_assert_eq(ra.nmsgs, 0);
	chan_set_limits(ra.c, 0, 0, NULL);
	cr_assert_not(chan_paused(ra.c));
	cr_assert(run_until(&ra.nmsgs, 1));
}
