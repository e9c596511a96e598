/*
 * The servers, the loop and the recording callbacks that the prober's
 * tests share (probe_fixture.h).
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "probe.h"
#include "probe_fixture.h"
#include "util.h"

#define MAXSRV		64

struct event_base	*base;
struct probe_set	*set;
struct probe_got	 got;
void			(*ok_hook)(const char *);
void			(*fail_hook)(const char *);

static struct server	 servers[MAXSRV];
static int		 nservers;

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

struct server *
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

int
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

void
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

void
fixture_setup(void)
{
	base = event_base_new();
	cr_assert_not_null(base);
	set = probe_set_new(base, on_ok, on_fail, &got);
	memset(&got, 0, sizeof(got));
	memset(servers, 0, sizeof(servers));
	nservers = 0;
	ok_hook = fail_hook = NULL;
}

void
fixture_teardown(void)
{
	int	i;

	probe_set_free(set);
	set = NULL;
	for (i = 0; i < nservers; i++)
		server_free(&servers[i]);
	event_base_free(base);
}
