/*
 * The floor of bench/api.sh (issue 17): a round trip over an AF_UNIX
 * stream socketpair carrying a frame of the size of berth's IPC
 * request for one workspace (MSG_WS_GET with the bench's token and a
 * workspace id, encoded by the real codec, plus the 4-byte length),
 * echoed by a child process.  Prints the frame size, then the p50 and
 * p99 of ROUNDS round trips one at a time, then the round trips a
 * second with CONNS socketpairs each keeping one frame in flight for
 * SECONDS (the echo child serves them all with poll, like a worker).
 *
 *   pingpong [-r ROUNDS] [-c CONNS] [-s SECONDS] [-t TOKEN] [-i ID]
 */
#include <sys/socket.h>
#include <sys/wait.h>

#include <err.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "proto.h"

#define MAXCONNS	64

static uint64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* The bytes of a framed MSG_WS_GET request as the gateway sends it. */
static size_t
request_size(const char *token, const char *id)
{
	struct body_ws_ref	*r;
	struct msg		 m;
	char			*buf, errbuf[128];
	size_t			 len;

	r = msg_init(&m, MSG_WS_GET, 1, PEER_PARENT);
	r->auth.token = strdup(token);
	r->auth.caller = strdup("");
	r->id = strdup(id);
	if (msg_encode(&m, &buf, &len, errbuf, sizeof(errbuf)) == -1)
		errx(1, "encode: %s", errbuf);
	free(buf);
	msg_clear(&m);
	return len + 4;
}

static void
xfer(int fd, char *buf, size_t len, int out)
{
	ssize_t	n;
	size_t	off = 0;

	while (off < len) {
		n = out ? write(fd, buf + off, len - off) :
		    read(fd, buf + off, len - off);
		if (n <= 0)
			_exit(n == 0 ? 0 : 1);
		off += (size_t)n;
	}
}

/* The child: echo every frame back on the socket it came from. */
static void
echo(int *fds, int n, size_t len)
{
	struct pollfd	pfd[MAXCONNS];
	char		buf[65536];
	int		i;

	for (i = 0; i < n; i++) {
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) == -1)
			_exit(1);
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			xfer(pfd[i].fd, buf, len, 0);
			xfer(pfd[i].fd, buf, len, 1);
		}
	}
}

static pid_t
start(int *mine, int n, size_t len)
{
	int	theirs[MAXCONNS], sv[2], i;
	pid_t	pid;

	for (i = 0; i < n; i++) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
			err(1, "socketpair");
		mine[i] = sv[0];
		theirs[i] = sv[1];
	}
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		for (i = 0; i < n; i++)
			close(mine[i]);
		echo(theirs, n, len);
	}
	for (i = 0; i < n; i++)
		close(theirs[i]);
	return pid;
}

static void
stop(pid_t pid, int *fds, int n)
{
	int	i;

	for (i = 0; i < n; i++)
		close(fds[i]);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void
one_at_a_time(size_t len, int rounds)
{
	uint64_t	*lat = calloc((size_t)rounds, sizeof(*lat)), t;
	char		 buf[65536];
	int		 fd, i;
	pid_t		 pid;

	if (lat == NULL)
		err(1, "calloc");
	memset(buf, 'x', sizeof(buf));
	pid = start(&fd, 1, len);
	for (i = 0; i < rounds; i++) {
		t = now_ns();
		xfer(fd, buf, len, 1);
		xfer(fd, buf, len, 0);
		lat[i] = now_ns() - t;
	}
	stop(pid, &fd, 1);
	qsort(lat, (size_t)rounds, sizeof(*lat), cmp_u64);
	printf("1 connection: p50 %.2f us, p99 %.2f us\n",
	    lat[rounds / 2] / 1e3, lat[rounds * 99 / 100] / 1e3);
	free(lat);
}

static void
in_flight(size_t len, int conns, int secs)
{
	struct pollfd	pfd[MAXCONNS];
	char		buf[65536];
	uint64_t	t0, done = 0, end;
	int		fds[MAXCONNS], i;
	pid_t		pid;

	memset(buf, 'x', sizeof(buf));
	pid = start(fds, conns, len);
	t0 = now_ns();
	end = t0 + (uint64_t)secs * 1000000000;
	for (i = 0; i < conns; i++) {
		xfer(fds[i], buf, len, 1);
		pfd[i].fd = fds[i];
		pfd[i].events = POLLIN;
	}
	while (now_ns() < end) {
		if (poll(pfd, (nfds_t)conns, -1) == -1)
			err(1, "poll");
		for (i = 0; i < conns; i++) {
			if (pfd[i].revents == 0)
				continue;
			xfer(fds[i], buf, len, 0);
			xfer(fds[i], buf, len, 1);
			done++;
		}
	}
	printf("%d connections: %.0f round trips/s\n", conns,
	    done / ((now_ns() - t0) / 1e9));
	stop(pid, fds, conns);
}

int
main(int argc, char *argv[])
{
	const char	*token = "bench-user-token-00000-0000000000";
	const char	*id = "0123456789abcdef0123456789abcdef";
	int		 ch, rounds = 100000, conns = 32, secs = 5;
	size_t		 len;

	while ((ch = getopt(argc, argv, "c:i:r:s:t:")) != -1) {
		switch (ch) {
		case 'c': conns = atoi(optarg); break;
		case 'i': id = optarg; break;
		case 'r': rounds = atoi(optarg); break;
		case 's': secs = atoi(optarg); break;
		case 't': token = optarg; break;
		default:
			fprintf(stderr, "usage: pingpong [-r ROUNDS] "
			    "[-c CONNS] [-s SECONDS] [-t TOKEN] [-i ID]\n");
			return 2;
		}
	}
	if (rounds < 100 || conns < 1 || conns > MAXCONNS || secs < 1)
		errx(2, "rounds >= 100, 1 <= conns <= %d, seconds >= 1",
		    MAXCONNS);
	len = request_size(token, id);
	printf("frame: %zu bytes\n", len);
	one_at_a_time(len, rounds);
	in_flight(len, conns, secs);
	return 0;
}
