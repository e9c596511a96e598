/*
 * Log delivery latency for bench/logs.sh: N followers of one
 * workspace's logs, each line's latency being the time it is read
 * minus its engine timestamp (the log driver's, when the line left the
 * container).  Either berth's SSE stream (the "t" of each event), or N
 * of the engine's own follows, the request `docker logs -f -t` makes
 * (GET /containers/ID/logs?follow=1&timestamps=1 on the engine's
 * socket, HTTP/1.0 so the frames come unchunked; without a CLI
 * process each, which would cost more again), or N `docker logs -f -t`
 * processes.  Lines of the first WARMUP_S seconds are not counted.
 * Prints "lines N p50_ms X p99_ms Y max_ms Z child_cpu_s C self_cpu_s S
 * window_cpu_s W dockerd_s D" (S: this program's own CPU time, which
 * shares the machine; W: the CPU time, over the window whose lines are
 * counted, of the processes in $BENCH_PIDS and of this program's
 * children; D: that of $BENCH_DOCKERD over the same window).
 *
 *   logs_clients sse PORT WORKSPACE TOKEN N SECONDS
 *   logs_clients engine CONTAINER N SECONDS
 *   logs_clients docker CONTAINER N SECONDS
 */
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rfc3339.h"

#define WARMUP_S	2
#define MAX_SAMPLES	(32 * 1024 * 1024)
#define BUF		(256 * 1024)

struct conn {
	int	 fd;
	int	 hdr;		/* engine: the HTTP head is read */
	pid_t	 pid;
	char	*buf;
	size_t	 len;
};

static uint32_t	*lat_us;
static struct conn	*conns;
static int		 nconns;
static size_t	 nlat;
static int64_t	 count_from;

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* utime + stime of a process, in clock ticks (0 when it is gone). */
static long long
ticks(long pid)
{
	char		 path[64], buf[1024], *p;
	long long	 ut = 0, st = 0;
	FILE		*f;
	size_t		 n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lld "
	    "%lld", &ut, &st) != 2)
		return 0;
	return ut + st;
}

/* The ticks of the pids listed in the environment variable env, and
 * of this program's children when kids is set. */
static long long
cpu_of(const char *env, int kids)
{
	const char	*s = getenv(env);
	char		*end;
	long long	 t = 0;
	long		 pid;
	int		 i;

	while (s != NULL && *s != '\0') {
		pid = strtol(s, &end, 10);
		if (end == s)
			break;
		if (pid > 0)
			t += ticks(pid);
		s = end;
	}
	for (i = 0; kids && i < nconns; i++)
		if (conns[i].pid > 0)
			t += ticks(conns[i].pid);
	return t;
}

static void
sample(const char *ts, size_t len, int64_t now)
{
	int64_t	t;

	if (rfc3339_ns(ts, len, &t) == -1 || t < count_from ||
	    nlat == MAX_SAMPLES)
		return;
	lat_us[nlat++] = (uint32_t)(now > t ? (now - t) / 1000 : 0);
}

/* One line read: an SSE "data: {"t":"..." or "TS text". */
static void
line(int sse, const char *l, size_t len, int64_t now)
{
	const char	*t;

	if (!sse) {
		sample(l, strcspn(l, " "), now);
		return;
	}
	if (len < 13 || strncmp(l, "data: {\"t\":\"", 12) != 0)
		return;
	t = l + 12;
	sample(t, strcspn(t, "\""), now);
}

/* The engine's frames: 8-byte header (stream, 0, 0, 0, size BE),
 * then "TS text\n"; the head of the answer first. */
static void
frames(struct conn *c, int64_t now)
{
	char		*p = c->buf, *e;
	size_t		 left = c->len, sz;
	unsigned char	*h;

	if (!c->hdr) {
		if ((e = strstr(c->buf, "\r\n\r\n")) == NULL)
			return;
		c->hdr = 1;
		left -= (size_t)(e + 4 - p);
		p = e + 4;
	}
	while (left >= 8) {
		h = (unsigned char *)p;
		sz = (size_t)h[4] << 24 | (size_t)h[5] << 16 |
		    (size_t)h[6] << 8 | h[7];
		if (left < 8 + sz)
			break;
		sample(p + 8, strcspn(p + 8, " "), now);
		p += 8 + sz;
		left -= 8 + sz;
	}
	memmove(c->buf, p, left);
	c->len = left;
}

static int
drain(struct conn *c, int sse)
{
	ssize_t	 n;
	char	*p, *nl;
	int64_t	 now;

	if ((n = read(c->fd, c->buf + c->len, BUF - 1 - c->len)) <= 0)
		return -1;
	now = now_ns();
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (sse == 2) {
		frames(c, now);
		return 0;
	}
	for (p = c->buf; (nl = memchr(p, '\n', c->len - (size_t)(p -
	    c->buf))) != NULL; p = nl + 1) {
		*nl = '\0';
		line(sse, p, (size_t)(nl - p), now);
	}
	c->len -= (size_t)(p - c->buf);
	memmove(c->buf, p, c->len);
	if (c->len == BUF - 1)
		c->len = 0;		/* a line too long: not ours */
	return 0;
}

static void
open_sse(struct conn *c, int port, const char *ws, const char *token)
{
	struct sockaddr_in	sin;
	char			req[512];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((c->fd = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		perror("connect");
		exit(1);
	}
	snprintf(req, sizeof(req), "GET /api/workspaces/%s/logs/stream "
	    "HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n\r\n", ws,
	    token);
	if (write(c->fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		perror("write");
		exit(1);
	}
}

static void
open_engine(struct conn *c, const char *container)
{
	struct sockaddr_un	sun;
	char			req[512];

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, "/var/run/docker.sock");
	if ((c->fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    connect(c->fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		perror("connect docker.sock");
		exit(1);
	}
	snprintf(req, sizeof(req), "GET /containers/%s/logs?follow=1&"
	    "stdout=1&stderr=1&timestamps=1&tail=0 HTTP/1.0\r\n\r\n",
	    container);
	if (write(c->fd, req, strlen(req)) != (ssize_t)strlen(req)) {
		perror("write");
		exit(1);
	}
}

static void
open_docker(struct conn *c, const char *container)
{
	int	p[2];

	if (pipe(p) == -1 || (c->pid = fork()) == -1) {
		perror("pipe/fork");
		exit(1);
	}
	if (c->pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execlp("docker", "docker", "logs", "-f", "-t", "--tail", "0",
		    container, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	c->fd = p[0];
}

static int
cmp(const void *a, const void *b)
{
	uint32_t	x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
report(double child_cpu, double self_cpu, double window, double dockerd)
{
	double	p50 = 0, p99 = 0, max = 0;

	if (nlat > 0) {
		qsort(lat_us, nlat, sizeof(*lat_us), cmp);
		p50 = lat_us[nlat / 2] / 1000.0;
		p99 = lat_us[nlat * 99 / 100] / 1000.0;
		max = lat_us[nlat - 1] / 1000.0;
	}
	printf("lines %zu p50_ms %.2f p99_ms %.2f max_ms %.2f child_cpu_s "
	    "%.2f self_cpu_s %.2f window_cpu_s %.2f dockerd_s %.2f\n", nlat,
	    p50, p99, max, child_cpu, self_cpu, window, dockerd);
}

int
main(int argc, char *argv[])
{
	struct conn	*c;
	struct epoll_event ev, evs[256];
	struct rlimit	 rl;
	struct rusage	 ru, self;
	int		 sse, n, secs, i, ep, k, ms, counting = 0;
	int64_t		 end, now;
	long long	 w0 = 0, d0 = 0, w1, d1;
	double		 hz = (double)sysconf(_SC_CLK_TCK);

	/* mode: 1 sse, 2 engine, 0 docker */
	sse = argc == 7 && strcmp(argv[1], "sse") == 0;
	if (argc == 5 && strcmp(argv[1], "engine") == 0)
		sse = 2;
	if (sse != 1 && argc != 5) {
		fprintf(stderr, "usage: logs_clients sse PORT WORKSPACE TOKEN "
		    "N SECONDS | engine|docker CONTAINER N SECONDS\n");
		return 2;
	}
	n = atoi(argv[sse == 1 ? 5 : 3]);
	secs = atoi(argv[sse == 1 ? 6 : 4]);
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	lat_us = malloc(MAX_SAMPLES * sizeof(*lat_us));
	conns = c = calloc((size_t)n, sizeof(*c));
	nconns = n;
	if ((ep = epoll_create1(0)) == -1) {
		perror("epoll_create1");
		return 1;
	}
	for (i = 0; i < n; i++) {
		c[i].buf = malloc(BUF);
		if (sse == 1)
			open_sse(&c[i], atoi(argv[2]), argv[3], argv[4]);
		else if (sse == 2)
			open_engine(&c[i], argv[2]);
		else
			open_docker(&c[i], argv[2]);
		ev.events = EPOLLIN;
		ev.data.ptr = &c[i];
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev) == -1) {
			perror("epoll_ctl");
			return 1;
		}
	}
	count_from = now_ns() + (int64_t)WARMUP_S * 1000000000;
	end = count_from + (int64_t)secs * 1000000000;
	while ((now = now_ns()) < end) {
		if (!counting && now >= count_from) {
			/* the window opens */
			w0 = cpu_of("BENCH_PIDS", 1);
			d0 = cpu_of("BENCH_DOCKERD", 0);
			counting = 1;
		}
		ms = 200;
		if (!counting && (count_from - now) / 1000000 < ms)
			ms = (int)((count_from - now) / 1000000) + 1;
		/* epoll, not poll: the client's own cost must not grow
		 * with its 1000 sockets, or it would be measured too */
		k = epoll_wait(ep, evs, 256, ms);
		for (i = 0; i < k; i++)
			if (drain(evs[i].data.ptr, sse) == -1)
				epoll_ctl(ep, EPOLL_CTL_DEL,
				    ((struct conn *)evs[i].data.ptr)->fd, NULL);
	}
	w1 = cpu_of("BENCH_PIDS", 1);		/* and closes */
	d1 = cpu_of("BENCH_DOCKERD", 0);
	for (i = 0; i < n; i++) {
		close(c[i].fd);
		if (c[i].pid > 0) {
			kill(c[i].pid, SIGTERM);
			waitpid(c[i].pid, NULL, 0);
		}
	}
	getrusage(RUSAGE_CHILDREN, &ru);
	getrusage(RUSAGE_SELF, &self);
	report(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec +
	    ru.ru_stime.tv_usec) / 1e6, self.ru_utime.tv_sec +
	    self.ru_stime.tv_sec + (self.ru_utime.tv_usec +
	    self.ru_stime.tv_usec) / 1e6, (w1 - w0) / hz, (d1 - d0) / hz);
	return 0;
}
