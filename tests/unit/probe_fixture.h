/*
 * The servers, the loop and the recording callbacks that the prober's
 * tests share (test_probe.c, test_probe_reentry.c): test servers on
 * 127.0.0.1 and ::1 run on the prober's own event loop, so one
 * process, one loop and no threads decide every test.
 */
#ifndef BERTH_PROBE_FIXTURE_H
#define BERTH_PROBE_FIXTURE_H

#include <stdint.h>

struct bufferevent;
struct event;
struct event_base;
struct evconnlistener;
struct probe_set;

#define NKEYS		64	/* callbacks are for keys k0 ... k63 */
#define MAXCONN		16	/* open at once, per server */
#define NEVER		-1	/* listen delay: bound, refusing */

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

extern struct event_base	*base;
extern struct probe_set		*set;

/* What the prober's callbacks saw, by key index. */
struct probe_got {
	int		 nok, nfail;
	int		 ok[NKEYS], fail[NKEYS];
	uint64_t	 at[NKEYS];		/* at_wall_ms */
	uint64_t	 fail_ms[NKEYS];	/* now_ms() at the failure */
	char		 why[NKEYS][64];
};
extern struct probe_got		 got;

/* Run after a callback has been recorded, when a test sets them. */
extern void	(*ok_hook)(const char *);
extern void	(*fail_hook)(const char *);

/* A server on the loopback address of af answering resp; NULL only
 * when af is AF_INET6 and the machine has no ::1. */
struct server	*server_new(int af, int delay_ms, const char *resp);

/* Run the loop until *counter reaches want or ms pass. */
int	 run_until(const int *counter, int want, int ms);
void	 run_for(int ms);

/* A new loop and probe set, no servers, nothing seen; and the undoing. */
void	 fixture_setup(void);
void	 fixture_teardown(void);

#endif
