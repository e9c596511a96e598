/*
 * Tests of the workspace endpoint prober (workers/healthmon/probe.c)
 * against servers the test runs on the prober's own event loop, on
 * 127.0.0.1 and ::1 only: a listener that comes up late (the startup
 * time is measured to within tens of milliseconds), 503 before 200,
 * good and bad status lines, a server that never answers, a refused
 * port, stopping and freeing with attempts in flight, callbacks that
 * start, stop and free, the argument checks and the key limit.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "probe.h"
#include "util.h"

#define NKEYS		64	/* callbacks are for keys k0 ... k63 */
#define MAXSRV		64
#define MAXCONN		16	/* open at once, per server */
#define NEVER		-1	/* listen delay: bound, refusing */
#define SLACK_MS	60	/* up this soon after listen() */
/* Fifty servers and fifty probes in one process get less of a loaded
 * machine (make -j check under the sanitizers) than one: the brief for
 * them is that all come up, in about the time one would. */
#define SLACK_MANY_MS	150

#define OK_200		"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n"
#define ERR_503		"HTTP/1.0 503 Service Unavailable\r\n\r\n"

struct server;

struct conn {
	struct server		*srv;
	struct bufferevent	*bev;	/* NULL: slot free */
};

/* A test server: bound at once, listening after a delay (NEVER: not at
 * all, so every connection is refused), answering the first nfirst
 * requests with first and the others with resp (NULL: never answer,
 * "": close without a word). */
struct server {
	int			 fd;
	int			 port;
	struct evconnlistener	*lev;
	struct event		*delay;
	const char		*first;
	int			 nfirst;
	const char		*resp;
	int			 answered;
	int			 accepted;
	int			 gone;	/* closed by the prober first */
	uint64_t		 listen_wall;	/* before listen() */
	uint64_t		 answer_wall;	/* at the last answer */
	char			 req[512];	/* the first request */
	struct conn		 conns[MAXCONN];
};

static struct event_base	*base;
static struct probe_set		*set;
static struct server		 servers[MAXSRV];
static int			 nservers;

/* What the prober's callbacks saw, by key index. */
static struct {
	int		 nok, nfail;
	int		 ok[NKEYS], fail[NKEYS];
	uint64_t	 at[NKEYS];		/* at_wall_ms */
	uint64_t	 fail_ms[NKEYS];	/* now_ms() at the failure */
	char		 why[NKEYS][64];
} got;

/* Run after a callback has been recorded, when a test sets them. */
static void	(*ok_hook)(const char *);
static void	(*fail_hook)(const char *);
static int	 other_port;

/* ------------------------------------------------------------ servers */

static void
conn_close(struct conn *c)
{
	bufferevent_free(c->bev);
	c->bev = NULL;
}

static void
conn_written(struct bufferevent *bev, void *arg)
{
	conn_close(arg);
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	c->srv->gone++;
	conn_close(c);
}

/* A whole request in: answer it and close once the answer is out. */
static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn		*c = arg;
	struct server		*s = c->srv;
	struct evbuffer		*in = bufferevent_get_input(bev);
	struct evbuffer_ptr	 end;
	const char		*resp;

	end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	if (end.pos == -1)
		return;
	if (s->req[0] == '\0' && (size_t)end.pos + 4 < sizeof(s->req))
		evbuffer_copyout(in, s->req, (size_t)end.pos + 4);
	evbuffer_drain(in, evbuffer_get_length(in));
	resp = s->answered < s->nfirst ? s->first : s->resp;
	if (resp == NULL)
		return;
	s->answered++;
	s->answer_wall = wall_ms();
	if (resp[0] == '\0') {
		conn_close(c);
		return;
	}
	bufferevent_setcb(bev, NULL, conn_written, conn_event, c);
	bufferevent_write(bev, resp, strlen(resp));
}

static void
on_accept(struct evconnlistener *lev, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct server	*s = arg;
	struct conn	*c = NULL;
	int		 i;

	for (i = 0; i < MAXCONN && c == NULL; i++)
		if (s->conns[i].bev == NULL)
			c = &s->conns[i];
	cr_assert_not_null(c, "more than %d connections at once", MAXCONN);
	s->accepted++;
	c->srv = s;
	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	cr_assert_not_null(c->bev);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

static void
server_listen(struct server *s)
{
	s->listen_wall = wall_ms();
	cr_assert_eq(listen(s->fd, 64), 0, "listen: %s", strerror(errno));
	/* Backlog 0: already listening. */
	s->lev = evconnlistener_new(base, on_accept, s, LEV_OPT_CLOSE_ON_FREE,
	    0, s->fd);
	cr_assert_not_null(s->lev);
}

static void
on_delay(evutil_socket_t fd, short what, void *arg)
{
	server_listen(arg);
}

/* A server on the loopback address of af answering resp; NULL only
 * when af is AF_INET6 and the machine has no ::1. */
static struct server *
server_new(int af, int delay_ms, const char *resp)
{
	struct sockaddr_storage	 ss;
	struct sockaddr_in	*sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6	*sin6 = (struct sockaddr_in6 *)&ss;
	socklen_t		 len = af == AF_INET ? sizeof(*sin) :
				    sizeof(*sin6);
	struct server		*s = &servers[nservers];
	struct timeval		 tv = { delay_ms / 1000,
				    (delay_ms % 1000) * 1000 };

	cr_assert_lt(nservers, MAXSRV);
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)af;
	if (af == AF_INET)
		sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else
		sin6->sin6_addr = in6addr_loopback;
	s->fd = socket(af, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd == -1 || bind(s->fd, (struct sockaddr *)&ss, len) == -1) {
		cr_assert_eq(af, AF_INET6, "socket, bind: %s", strerror(errno));
		if (s->fd != -1)
			close(s->fd);
		return NULL;
	}
	cr_assert_eq(getsockname(s->fd, (struct sockaddr *)&ss, &len), 0);
	s->port = ntohs(af == AF_INET ? sin->sin_port : sin6->sin6_port);
	s->resp = resp;
	nservers++;
	if (delay_ms == 0)
		server_listen(s);
	else if (delay_ms != NEVER) {
		s->delay = evtimer_new(base, on_delay, s);
		evtimer_add(s->delay, &tv);
	}
	return s;
}

static void
server_free(struct server *s)
{
	int	i;

	for (i = 0; i < MAXCONN; i++)
		if (s->conns[i].bev != NULL)
			conn_close(&s->conns[i]);
	if (s->delay != NULL)
		event_free(s->delay);
	if (s->lev != NULL)
		evconnlistener_free(s->lev);
	else
		close(s->fd);
}

/* --------------------------------------------------------- the loop */

static void
on_guard(evutil_socket_t fd, short what, void *arg)
{
	*(int *)arg = 1;
}

/* Run the loop until *counter reaches want or ms pass. */
static int
run_until(const int *counter, int want, int ms)
{
	struct timeval	 tv = { ms / 1000, (ms % 1000) * 1000 };
	struct event	*t;
	int		 timedout = 0;

	t = evtimer_new(base, on_guard, &timedout);
	evtimer_add(t, &tv);
	while (*counter < want && !timedout)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *counter >= want;
}

static void
run_for(int ms)
{
	static const int never = 0;

	run_until(&never, 1, ms);
}

/* ------------------------------------------------------- callbacks */

static int
key_index(const char *key)
{
	int	i;

	cr_assert_eq(sscanf(key, "k%d", &i), 1, "unexpected key %s", key);
	cr_assert(i >= 0 && i < NKEYS, "unexpected key %s", key);
	return i;
}

static void
on_ok(const char *key, uint64_t at_wall_ms, void *arg)
{
	int	i = key_index(key);

	cr_assert_eq(arg, &got);
	got.nok++;
	got.ok[i]++;
	got.at[i] = at_wall_ms;
	if (ok_hook != NULL)
		ok_hook(key);
}

static void
on_fail(const char *key, const char *why, void *arg)
{
	int	i = key_index(key);

	cr_assert_eq(arg, &got);
	got.nfail++;
	got.fail[i]++;
	got.fail_ms[i] = now_ms();
	snprintf(got.why[i], sizeof(got.why[i]), "%s", why);
	if (fail_hook != NULL)
		fail_hook(key);
}

static void
setup(void)
{
	base = event_base_new();
	cr_assert_not_null(base);
	set = probe_set_new(base, on_ok, on_fail, &got);
	memset(&got, 0, sizeof(got));
	memset(servers, 0, sizeof(servers));
	nservers = 0;
	ok_hook = fail_hook = NULL;
}

static void
teardown(void)
{
	int	i;

	probe_set_free(set);
	set = NULL;
	for (i = 0; i < nservers; i++)
		server_free(&servers[i]);
	event_base_free(base);
}

TestSuite(probe, .init = setup, .fini = teardown, .timeout = 20);

/* ------------------------------------------------------------ tests */

/* Up within SLACK_MS of the server's listen(), on the one connection
 * that was accepted, with exactly the request we promise. */
static void
check_up_after_listen(int i, const struct server *s, const char *hostport,
    const char *path)
{
	char	want[512];

	cr_assert_eq(got.ok[i], 1);
	cr_assert_geq(got.at[i], s->listen_wall);
	cr_assert_leq(got.at[i], s->listen_wall + SLACK_MS,
	    "up %llu ms after listen()",
	    (unsigned long long)(got.at[i] - s->listen_wall));
	cr_assert_eq(s->accepted, 1);
	snprintf(want, sizeof(want), "GET %s HTTP/1.0\r\nHost: %s\r\n"
	    "User-Agent: berth-healthmon\r\nConnection: close\r\n\r\n",
	    path, hostport);
	cr_assert_str_eq(s->req, want);
}

static void
listen_late(int delay_ms)
{
	struct server	*s;
	char		 hostport[64];

	s = server_new(AF_INET, delay_ms, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/healthz",
	    10000), 0);
	cr_assert_eq(probe_count(set), 1);
	cr_assert(run_until(&got.nok, 1, delay_ms + 2000));
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", s->port);
	check_up_after_listen(0, s, hostport, "/healthz");
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, up_300ms_after_start)
{
	listen_late(300);
}

Test(probe, up_1500ms_after_start)
{
	listen_late(1500);
}

Test(probe, ipv6_loopback)
{
	struct server	*s;
	char		 hostport[64];

	if ((s = server_new(AF_INET6, 200, OK_200)) == NULL) {
		cr_log_warn("no ::1 on this machine: IPv6 case skipped");
		return;
	}
	cr_assert_eq(probe_start(set, "k0", "::1", s->port, "/", 5000), 0);
	cr_assert(run_until(&got.nok, 1, 3000));
	snprintf(hostport, sizeof(hostport), "[::1]:%d", s->port);
	check_up_after_listen(0, s, hostport, "/");
}

Test(probe, http_503_until_200)
{
	struct server	*s;

	s = server_new(AF_INET, 0, OK_200);
	s->first = ERR_503;
	s->nfirst = 3;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/ready",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 3000));
	cr_assert_eq(s->accepted, 4);
	cr_assert_eq(s->answered, 4);
	cr_assert_geq(got.at[0], s->answer_wall);
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

static char	longline[2000];

static const struct {
	const char	*resp;
	const char	*why;		/* NULL: up */
} answers[] = {
	{ "HTTP/1.1 302 Found\r\nLocation: /login\r\n\r\n", NULL },
	{ "HTTP/1.0 204\r\n\r\n", NULL },
	{ "HTTP/1.1 399 Odd\n\n", NULL },
	{ "HTTP/1.0 404 Not Found\r\n\r\n", "HTTP 404" },
	{ "HTTP/1.1 500 Oops\r\n\r\n", "HTTP 500" },
	{ "HTTP/1.1 199 Early\r\n\r\n", "HTTP 199" },
	{ "SSH-2.0-OpenSSH_9.2p1\r\n", "bad status line" },
	{ "HTTP/1.0 2000 OK\r\n\r\n", "bad status line" },
	{ "HTTP/1.0 20x OK\r\n\r\n", "bad status line" },
	{ "HTTP/2 200\r\n\r\n", "bad status line" },
	{ "\r\n", "bad status line" },
	{ "HTTP/1.0 200 OK", "connection closed" },
	{ "", "connection closed" },
	{ longline, "status line too long" },
};
#define NANSWERS	(sizeof(answers) / sizeof(answers[0]))

Test(probe, status_lines)
{
	struct server	*s;
	char		 key[16];
	size_t		 i;
	int		 nup = 0;

	memset(longline, 'x', sizeof(longline) - 1);
	for (i = 0; i < NANSWERS; i++) {
		s = server_new(AF_INET, 0, answers[i].resp);
		snprintf(key, sizeof(key), "k%zu", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s->port, "/",
		    300), 0);
		nup += answers[i].why == NULL;
	}
	cr_assert(run_until(&got.nfail, (int)NANSWERS - nup, 2000));
	cr_assert_eq(got.nok, nup);
	for (i = 0; i < NANSWERS; i++) {
		if (answers[i].why == NULL)
			cr_assert_eq(got.ok[i], 1, "answer %zu not up", i);
		else
			cr_assert_str_eq(got.why[i], answers[i].why,
			    "answer %zu", i);
	}
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, silent_server_times_out)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, 0, NULL);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    2500), 0);
	cr_assert(run_until(&got.nfail, 1, 5000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 2500 && took < 2600, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_str_eq(got.why[0], "timeout");
	/* At 0, 1000 and 2000 ms, each closed when it timed out. */
	cr_assert_eq(s->accepted, 3);
	cr_assert(run_until(&s->gone, 3, 1000), "%d of 3 closed", s->gone);
	cr_assert_eq(got.nok, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, refused_until_timeout)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    500), 0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 500 && took < 600, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_not_null(strstr(got.why[0], "refused"), "why: %s",
	    got.why[0]);
	cr_assert_eq(got.nok, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, stop_before_up)
{
	struct server	*s;

	s = server_new(AF_INET, 300, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    5000), 0);
	run_for(100);
	probe_stop(set, "k0");
	cr_assert_eq(probe_count(set), 0);
	probe_stop(set, "k0");
	probe_stop(set, "k1");
	run_for(500);
	cr_assert_eq(s->accepted, 0);
	cr_assert_eq(got.nok + got.nfail, 0);
}

Test(probe, stop_in_flight)
{
	struct server	*s;

	s = server_new(AF_INET, 0, NULL);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", s->port, "/",
	    300), 0);
	cr_assert(run_until(&s->accepted, 1, 1000));
	probe_stop(set, "k0");
	cr_assert(run_until(&s->gone, 1, 1000));
	run_for(400);
	cr_assert_eq(s->accepted, 1);
	cr_assert_eq(got.nok + got.nfail, 0);
}

Test(probe, bad_arguments)
{
	char	longkey[129], key127[128], longpath[257], path255[256];
	size_t	i;
	const struct {
		const char	*key, *host;
		int		 port;
		const char	*path;
	} bad[] = {
		{ NULL, "127.0.0.1", 80, "/" },
		{ "", "127.0.0.1", 80, "/" },
		{ longkey, "127.0.0.1", 80, "/" },
		{ "k0", NULL, 80, "/" },
		{ "k0", "", 80, "/" },
		{ "k0", "localhost", 80, "/" },
		{ "k0", "127.1", 80, "/" },
		{ "k0", "127.0.0.1 ", 80, "/" },
		{ "k0", "[::1]", 80, "/" },
		{ "k0", "::1%lo", 80, "/" },
		{ "k0", "127.0.0.1", 0, "/" },
		{ "k0", "127.0.0.1", -1, "/" },
		{ "k0", "127.0.0.1", 65536, "/" },
		{ "k0", "127.0.0.1", 70000, "/" },
		{ "k0", "127.0.0.1", 80, NULL },
		{ "k0", "127.0.0.1", 80, "" },
		{ "k0", "127.0.0.1", 80, "healthz" },
		{ "k0", "127.0.0.1", 80, "/a b" },
		{ "k0", "127.0.0.1", 80, "/a\tb" },
		{ "k0", "127.0.0.1", 80, "/a\r\nX: y" },
		{ "k0", "127.0.0.1", 80, "/\x01" },
		{ "k0", "127.0.0.1", 80, "/\x7f" },
		{ "k0", "127.0.0.1", 80, "/caf\xc3\xa9" },
		{ "k0", "127.0.0.1", 80, longpath },
	};

	memset(longkey, 'k', sizeof(longkey) - 1);
	longkey[sizeof(longkey) - 1] = '\0';
	memset(key127, 'k', sizeof(key127) - 1);
	key127[sizeof(key127) - 1] = '\0';
	memset(longpath, 'p', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	memcpy(path255, longpath, sizeof(path255) - 1);
	path255[sizeof(path255) - 1] = '\0';
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(probe_start(set, bad[i].key, bad[i].host,
		    bad[i].port, bad[i].path, 1000), -1, "case %zu", i);
	cr_assert_eq(probe_count(set), 0);

	/* The limits themselves are fine (the loop never runs here). */
	cr_assert_eq(probe_start(set, key127, "127.0.0.1", 1, "/", 1000), 0);
	cr_assert_eq(probe_start(set, "a", "::1", 65535, path255, 1000), 0);
	cr_assert_eq(probe_start(set, "b", "127.0.0.1", 80,
	    "/a?b=c&d=%20#~", 1000), 0);
	cr_assert_eq(probe_count(set), 3);
	probe_stop(set, key127);
	probe_stop(set, "a");
	probe_stop(set, "b");
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, key_limit)
{
	struct server	*s;
	char		 key[16];
	int		 i;

	s = server_new(AF_INET, NEVER, OK_200);
	for (i = 0; i < PROBE_MAX; i++) {
		snprintf(key, sizeof(key), "m%d", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s->port, "/",
		    60000), 0);
	}
	cr_assert_eq(probe_count(set), PROBE_MAX);
	cr_assert_eq(probe_start(set, "m-more", "127.0.0.1", s->port, "/",
	    60000), -1);
	/* A key already probed is an update, not a new key. */
	cr_assert_eq(probe_start(set, "m7", "::1", s->port, "/x", 60000), 0);
	cr_assert_eq(probe_count(set), PROBE_MAX);
	probe_stop(set, "m7");
	cr_assert_eq(probe_start(set, "m-more", "127.0.0.1", s->port, "/",
	    60000), 0);
	cr_assert_eq(probe_count(set), PROBE_MAX);
}

Test(probe, restart_keeps_schedule)
{
	struct server	*old, *new;
	uint64_t	 t0 = now_ms(), took;

	old = server_new(AF_INET, NEVER, OK_200);
	new = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", old->port, "/",
	    400), 0);
	run_for(200);
	/* Moved: the later timeout is ignored, the deadline stays. */
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", new->port, "/",
	    10000), 0);
	cr_assert_eq(probe_count(set), 1);
	cr_assert(run_until(&got.nfail, 1, 1000));
	took = got.fail_ms[0] - t0;
	cr_assert(took >= 400 && took < 500, "failed after %llu ms",
	    (unsigned long long)took);
}

Test(probe, restart_moves_address)
{
	struct server	*old, *new;

	old = server_new(AF_INET, NEVER, OK_200);
	new = server_new(AF_INET, 0, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", old->port, "/",
	    5000), 0);
	run_for(100);
	cr_assert_eq(got.nok + got.nfail, 0);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", new->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 1000));
	cr_assert_eq(new->accepted, 1);
}

Test(probe, fifty_keys)
{
	struct server	*s[50];
	char		 key[16];
	int		 i;

	for (i = 0; i < 50; i++) {
		s[i] = server_new(AF_INET, 100 + 4 * i, OK_200);
		snprintf(key, sizeof(key), "k%d", i);
		cr_assert_eq(probe_start(set, key, "127.0.0.1", s[i]->port,
		    "/", 5000), 0);
	}
	cr_assert_eq(probe_count(set), 50);
	cr_assert(run_until(&got.nok, 50, 3000), "%d of 50 up", got.nok);
	for (i = 0; i < 50; i++) {
		cr_assert_eq(got.ok[i], 1, "k%d", i);
		cr_assert_geq(got.at[i], s[i]->listen_wall, "k%d", i);
		cr_assert_leq(got.at[i], s[i]->listen_wall + SLACK_MANY_MS,
		    "k%d up %llu ms after listen()", i,
		    (unsigned long long)(got.at[i] - s[i]->listen_wall));
	}
	cr_assert_eq(got.nfail, 0);
	cr_assert_eq(probe_count(set), 0);
}

static void
stop_k1(const char *key)
{
	probe_stop(set, "k1");
	probe_stop(set, key);	/* already dropped: nothing */
}

Test(probe, callback_stops_other_key)
{
	struct server	*up, *refused;

	up = server_new(AF_INET, 100, OK_200);
	refused = server_new(AF_INET, NEVER, OK_200);
	ok_hook = stop_k1;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", up->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", refused->port, "/",
	    300), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(probe_count(set), 0);
	run_for(500);
	cr_assert_eq(got.ok[0], 1);
	cr_assert_eq(got.nok + got.nfail, 1);
}

static void
start_k2(const char *key)
{
	if (strcmp(key, "k0") == 0)
		cr_assert_eq(probe_start(set, "k2", "127.0.0.1", other_port,
		    "/", 5000), 0);
}

Test(probe, callback_starts_new_key)
{
	struct server	*a, *b;

	a = server_new(AF_INET, 100, OK_200);
	b = server_new(AF_INET, 0, OK_200);
	other_port = b->port;
	ok_hook = start_k2;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", a->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 2, 2000));
	cr_assert_eq(got.ok[0], 1);
	cr_assert_eq(got.ok[2], 1);
	cr_assert_eq(b->accepted, 1);
	cr_assert_eq(probe_count(set), 0);
}

static void
restart_own_key(const char *key)
{
	fail_hook = NULL;
	cr_assert_eq(probe_start(set, key, "127.0.0.1", other_port, "/",
	    5000), 0);
}

Test(probe, fail_callback_restarts_own_key)
{
	struct server	*refused, *up;

	refused = server_new(AF_INET, NEVER, OK_200);
	up = server_new(AF_INET, 0, OK_200);
	other_port = up->port;
	fail_hook = restart_own_key;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", refused->port, "/",
	    200), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(got.nfail, 1);
	cr_assert_not_null(strstr(got.why[0], "refused"));
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, free_with_attempts_in_flight)
{
	struct server	*silent, *refused, *late;

	silent = server_new(AF_INET, 0, NULL);
	refused = server_new(AF_INET, NEVER, OK_200);
	late = server_new(AF_INET, 5000, OK_200);
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", silent->port, "/",
	    10000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", refused->port, "/",
	    10000), 0);
	cr_assert_eq(probe_start(set, "k2", "127.0.0.1", late->port, "/",
	    10000), 0);
	cr_assert(run_until(&silent->accepted, 1, 1000));
	run_for(100);
	probe_set_free(set);
	set = NULL;
	cr_assert(run_until(&silent->gone, 1, 1000));
	run_for(100);
	cr_assert_eq(silent->accepted, 1);
	cr_assert_eq(got.nok + got.nfail, 0);
}

static void
free_set(const char *key)
{
	probe_set_free(set);
	set = NULL;
}

Test(probe, callback_frees_set)
{
	struct server	*up, *silent, *refused;

	up = server_new(AF_INET, 100, OK_200);
	silent = server_new(AF_INET, 0, NULL);
	refused = server_new(AF_INET, NEVER, OK_200);
	ok_hook = free_set;
	cr_assert_eq(probe_start(set, "k0", "127.0.0.1", up->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k1", "127.0.0.1", silent->port, "/",
	    5000), 0);
	cr_assert_eq(probe_start(set, "k2", "127.0.0.1", refused->port, "/",
	    5000), 0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_null(set);
	cr_assert(run_until(&silent->gone, 1, 1000));
	run_for(100);
	cr_assert_eq(got.nok, 1);
	cr_assert_eq(got.nfail, 0);
}

/* probe_once: one attempt decides, at once. */
Test(probe, once_fails_on_the_first_refusal)
{
	struct server	*s;
	uint64_t	 t0 = now_ms(), took;

	s = server_new(AF_INET, NEVER, OK_200);
	cr_assert_eq(probe_once(set, "k0", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	took = got.fail_ms[0] - t0;
	cr_assert_lt(took, 200, "failed after %llu ms",
	    (unsigned long long)took);
	cr_assert_not_null(strstr(got.why[0], "refused"));
	cr_assert_eq(s->accepted, 0);
	cr_assert_eq(probe_count(set), 0);
}

Test(probe, once_answers_with_the_first_status)
{
	struct server	*s;

	s = server_new(AF_INET, 0, OK_200);
	s->first = ERR_503;
	s->nfirst = 1;
	cr_assert_eq(probe_once(set, "k0", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nfail, 1, 2000));
	cr_assert_str_eq(got.why[0], "HTTP 503");
	cr_assert_eq(s->accepted, 1, "no second attempt");
	cr_assert_eq(probe_once(set, "k1", "127.0.0.1", s->port, "/", 5000),
	    0);
	cr_assert(run_until(&got.nok, 1, 2000));
	cr_assert_eq(got.ok[1], 1);
}
