/*
 * Tests of descriptor passing (SCM_RIGHTS) over channels on a real
 * socketpair and event loop: descriptors arrive with their messages and
 * in order, and a frame whose descriptors are missing, too many or
 * belong to a rejected message is refused without leaking one.  The far
 * end is a raw socket where the test must choose what is attached.
 */
#include <sys/types.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "chan.h"
#include "chan_fixture.h"
#include "codec.h"
#include "proto.h"

TestSuite(chan, .init = setup, .fini = teardown, .timeout = 30);

/* ---------------------------------------------------------------- helpers */

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
