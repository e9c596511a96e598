/*
 * The logstreamer's client sockets (workers/logstreamer/sink.c) on
 * real sockets: a TCP client's socket has TCP_NODELAY (with Nagle's
 * algorithm a line waits while the one before is not acknowledged,
 * and a client delays its acknowledgements by up to 40 ms); what is
 * queued leaves in one write once the current callback is done; a
 * closed sink goes once written; the peer's end is told once.
 */
#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <unistd.h>

#include "sink.h"

static struct event_base	*base;

static void
setup(void)
{
	cr_assert_not_null(base = event_base_new());
	sink_init(base);
}

static void
teardown(void)
{
	sink_shutdown();
	event_base_free(base);
}

TestSuite(sink, .init = setup, .fini = teardown, .timeout = 20);

/* A connected pair over loopback TCP: *srv is the accepted end. */
static void
tcp_pair(int *srv, int *cli)
{
	struct sockaddr_in	sin;
	socklen_t		len = sizeof(sin);
	int			l;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert((l = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	cr_assert_eq(bind(l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(listen(l, 1), 0);
	cr_assert_eq(getsockname(l, (struct sockaddr *)&sin, &len), 0);
	cr_assert((*cli = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	cr_assert_eq(connect(*cli, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert((*srv = accept(l, NULL, NULL)) != -1);
	close(l);
}

/* What is there to read now, without waiting. */
static ssize_t
read_now(int fd, char *buf, size_t len)
{
	ssize_t	n;

	n = recv(fd, buf, len - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static void
gone(void *arg)
{
	struct sink	**s = arg;

	sink_free(*s);
	*s = NULL;
}

Test(sink, tcp_client_gets_nodelay)
{
	struct sink	*s;
	int		 srv, cli, on = 0;
	socklen_t	 len = sizeof(on);

	tcp_pair(&srv, &cli);
	cr_assert_eq(getsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
	cr_assert_eq(on, 0, "a new socket should not have it yet");
	s = sink_new(srv, NULL, NULL);
	cr_assert_eq(getsockopt(srv, IPPROTO_TCP, TCP_NODELAY, &on, &len), 0);
	cr_expect_neq(on, 0, "TCP_NODELAY is not set on the client's socket");
	sink_free(s);
	close(cli);
}

Test(sink, queued_bytes_leave_together_after_the_callback)
{
	struct sink	*s;
	char		 buf[256];
	int		 srv, cli;

	tcp_pair(&srv, &cli);
	s = sink_new(srv, NULL, NULL);
	sink_add(s, "one\n", 4);
	sink_add(s, "two\n", 4);
	cr_assert_eq(sink_pending(s), 8);
	cr_expect_eq(read_now(cli, buf, sizeof(buf)), -1,
	    "written before the loop ran: %s", buf);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_assert_eq(sink_pending(s), 0);
	usleep(20000);
	cr_expect_eq(read_now(cli, buf, sizeof(buf)), 8);
	cr_expect_str_eq(buf, "one\ntwo\n");
	sink_free(s);
	close(cli);
}

Test(sink, closed_sink_goes_once_written)
{
	struct sink	*s;
	char		 buf[256];
	int		 sv[2];

	/* not TCP: TCP_NODELAY does not apply, and nothing fails */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = sink_new(sv[0], gone, &s);
	sink_add(s, "event: end\n\n", 12);
	sink_close(s);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_expect_null(s, "a drained closing sink should be gone");
	cr_expect_eq(read_now(sv[1], buf, sizeof(buf)), 12);
	cr_expect_str_eq(buf, "event: end\n\n");
	cr_expect_eq(read_now(sv[1], buf, sizeof(buf)), 0, "no end of file");
	close(sv[1]);
}

Test(sink, peer_end_is_told)
{
	struct sink	*s;
	int		 sv[2];

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	s = sink_new(sv[0], gone, &s);
	close(sv[1]);
	cr_assert_neq(event_base_loop(base, EVLOOP_ONCE), -1);
	cr_expect_null(s, "the peer's end was not told");
}

/* A sink under a long pace (2 s, so that a slow machine cannot pass
 * it during a test) that has just written "head\n" (a sink never
 * written is written at once) and is waiting with "one\n". */
static struct sink *
paced_sink(int *cli)
{
	struct sink	*s;
	int		 srv;

	tcp_pair(&srv, cli);
	sink_pace(2000);
	s = sink_new(srv, NULL, NULL);
	sink_add(s, "head\n", 5);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_assert_eq(sink_pending(s), 0);
	sink_add(s, "one\n", 4);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_assert_eq(sink_pending(s), 4, "written before its pace");
	return s;
}

/* What is queued while a sink waits for its pace leaves together once
 * the pace has passed. */
Test(sink, paced_sink_waits_for_its_pace)
{
	struct sink	*s;
	char		 buf[256];
	int		 cli;

	s = paced_sink(&cli);
	sink_add(s, "two\n", 4);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_expect_eq(sink_pending(s), 8, "written before its pace");
	while (sink_pending(s) > 0)
		cr_assert_neq(event_base_loop(base, EVLOOP_ONCE), -1);
	usleep(20000);
	cr_expect_eq(read_now(cli, buf, sizeof(buf)), 13);
	cr_expect_str_eq(buf, "head\none\ntwo\n");
	sink_pace(0);
	sink_free(s);
	close(cli);
}

/* A paced sink that is freed while it waits leaves nothing behind. */
Test(sink, freed_while_waiting_for_its_pace)
{
	struct sink	*s;
	int		 cli;

	s = paced_sink(&cli);
	sink_free(s);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	sink_pace(0);
	close(cli);
}

/* A paced sink that holds a burst (64 KiB) is written at once: a
 * client that keeps up is not held until its queue passes its limit. */
Test(sink, burst_does_not_wait_for_the_pace)
{
	static char	 big[64 * 1024];
	struct sink	*s;
	int		 cli;

	s = paced_sink(&cli);
	memset(big, 'x', sizeof(big));
	sink_add(s, big, sizeof(big));
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_expect_lt(sink_pending(s), sizeof(big),
	    "a burst waited for the pace");
	sink_pace(0);
	sink_free(s);
	close(cli);
}

/* An owner's pieces (a feed's lines, kept once for every client),
 * pulled by the sink when its own buffer is out: the pieces are
 * written from the owner's memory in order after the buffer's bytes,
 * and on a socket that cannot take them all, their unwritten rest is
 * copied into the buffer, written once the socket drains. */
static struct {
	char	 piece[8][16 * 1024];
	int	 next, n, pulls;
} owner;

static int
pull(void *arg, struct iovec *iov, int max)
{
	int	n = 0;

	owner.pulls++;
	for (; n < max && owner.next < owner.n; owner.next++, n++) {
		iov[n].iov_base = owner.piece[owner.next];
		iov[n].iov_len = sizeof(owner.piece[0]);
	}
	return n;
}

Test(sink, owner_pieces_written_from_its_memory)
{
	struct sink	*s;
	static char	 got[9 * 16 * 1024];
	char		 buf[4096];
	size_t		 len = 0, i;
	ssize_t		 n;
	int		 sv[2], small = 4096, k;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	cr_assert_eq(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small,
	    sizeof(small)), 0);
	memset(&owner, 0, sizeof(owner));
	for (k = 0; k < 8; k++)
		memset(owner.piece[k], 'a' + k, sizeof(owner.piece[k]));
	owner.n = 8;
	s = sink_new(sv[0], NULL, NULL);
	sink_source(s, pull);
	sink_add(s, "head\n", 5);
	cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
	cr_expect_eq(owner.next, 8, "the owner's pieces were not pulled");
	cr_expect_gt(sink_pending(s), 0, "a small socket took 128 KiB");
	cr_expect_lt(sink_pending(s), 8 * sizeof(owner.piece[0]));
	while (len < 5 + 8 * sizeof(owner.piece[0])) {
		cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
		while ((n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			cr_assert_leq(len + (size_t)n, sizeof(got));
			memcpy(got + len, buf, (size_t)n);
			len += (size_t)n;
		}
	}
	cr_expect_eq(sink_pending(s), 0);
	cr_expect_eq(memcmp(got, "head\n", 5), 0);
	for (i = 0; i < 8 * sizeof(owner.piece[0]); i++)
		if (got[5 + i] != 'a' + (int)(i / sizeof(owner.piece[0])))
			break;
	cr_expect_eq(i, 8 * sizeof(owner.piece[0]), "out of order at %zu",
	    i);
	/* more from the owner: a poke, and they follow */
	owner.n = 8;
	owner.next = 7;
	k = owner.pulls;
	sink_poke(s, 0);
	for (len = 0; len < sizeof(owner.piece[0]);) {
		cr_assert_neq(event_base_loop(base, EVLOOP_NONBLOCK), -1);
		while ((n = recv(sv[1], buf, sizeof(buf), MSG_DONTWAIT)) > 0) {
			for (i = 0; i < (size_t)n; i++)
				cr_assert_eq(buf[i], 'h');
			len += (size_t)n;
		}
	}
	cr_expect_gt(owner.pulls, k);
	cr_expect_eq(sink_pending(s), 0);
	sink_free(s);
	close(sv[1]);
}
