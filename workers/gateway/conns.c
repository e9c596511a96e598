/*
 * The gateway's HTTP connections before evhttp reads a request: a cap
 * on open connections (every client together, and per client address)
 * answered 503 with Retry-After; a deadline for the whole request
 * (headers and body), however steadily the client sends; and the token
 * checked before any body is read (a missing or malformed one at once,
 * a well-formed one asked of berthd for requests with a body).
 *
 * evhttp 2.1 offers no hook between accept and the request line, so
 * the gateway makes each connection's bufferevent (evhttp_set_bevcb),
 * adopts it on the next turn of the loop (once evhttp has set the
 * socket and its callbacks: the callback argument is the connection,
 * checked against evhttp_connection_get_bufferevent), and stands in
 * for evhttp's callbacks until the request's headers are in.  Every
 * answer says Connection: close: one request per connection, so that
 * the deadline and the caps hold per request.  A connection refused
 * here gets its answer written at once, then lingers (input read and
 * discarded) until the client closes or a second passes, so that the
 * answer is not lost to a reset.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "gateway.h"
#include "ipc.h"
#include "log.h"
#include "promitem.h"
#include "worker.h"
#include "xmalloc.h"

#define HEADERS_MAX	(16 * 1024)	/* evhttp_set_max_headers_size */
#define LINGER_MS	1000

enum conn_state {
	C_NEW,		/* made by bevcb, not adopted yet */
	C_HEADERS,	/* the gateway reads until the headers are in */
	C_AUTH,		/* berthd asked about the token; reading paused */
	C_EVHTTP,	/* evhttp's own */
	C_LINGER	/* answered here; discarding input until closed */
};

struct conn {
	TAILQ_ENTRY(conn)	 entry;
	struct worker		*w;
	struct bufferevent	*bev;
	struct evhttp_connection *evcon;
	bufferevent_data_cb	 ev_read, ev_write;	/* evhttp's */
	bufferevent_event_cb	 ev_event;
	struct event		*adopt, *timer;
	enum conn_state		 state;
	int			 dispatched;
	uint32_t		 auth_id;
	char			 addr[64];
	void			(*closecb)(struct evhttp_connection *, void *);
	void			*closearg;
};

static TAILQ_HEAD(, conn)	conns = TAILQ_HEAD_INITIALIZER(conns);
static size_t			nconns;

/* Connections answered here, by reason (berth_http_refused_total). */
enum refusal { R_CONNECTIONS, R_PER_CLIENT, R_DEADLINE, R_UNAUTHORIZED,
    R_N };
static const char *const refusal_names[R_N] = { "max_connections",
    "max_connections_per_client", "deadline", "unauthorized" };
static uint64_t			refused[R_N];

static void	conn_read(struct bufferevent *, void *);
static void	conn_write(struct bufferevent *, void *);
static void	conn_event(struct bufferevent *, short, void *);

/* ------------------------------------------------------------ answers */

static void
arm(struct conn *c, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(c->timer, &tv);
}

/* Answer with code at once (nothing of the request is read further),
 * then linger. */
static void
refuse(struct conn *c, enum refusal why, int code, const char *errcode,
    const char *message, const char *extra)
{
	char	body[256], head[512];
	int	fd = bufferevent_getfd(c->bev), n, m;

	refused[why]++;
	n = snprintf(body, sizeof(body), "{\"error\":{\"code\":\"%s\","
	    "\"message\":\"%s\"}}\n", errcode, message);
	m = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n"
	    "Content-Type: application/json\r\nContent-Length: %d\r\n"
	    "Cache-Control: no-store\r\nConnection: close\r\n%s\r\n", code,
	    code == 401 ? "Unauthorized" : code == 408 ? "Request Timeout" :
	    "Service Unavailable", n, extra);
	/* A fresh connection's send buffer is empty: these fit. */
	if (write(fd, head, (size_t)m) != m || write(fd, body, (size_t)n) != n)
		log_debug("%s: %s: short write", __func__, c->addr);
	shutdown(fd, SHUT_WR);
	if (c->auth_id != 0) {
		worker_cancel(c->w, c->auth_id);
		c->auth_id = 0;
	}
	c->state = C_LINGER;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
	evbuffer_drain(bufferevent_get_input(c->bev),
	    evbuffer_get_length(bufferevent_get_input(c->bev)));
	arm(c, LINGER_MS);
}

/* Hand the connection back to evhttp with what was read so far. */
static void
release(struct conn *c)
{
	c->state = C_EVHTTP;
	bufferevent_setcb(c->bev, c->ev_read, c->ev_write, c->ev_event,
	    c->evcon);
	bufferevent_enable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0)
		c->ev_read(c->bev, c->evcon);	/* c may be gone after */
}

/* Frees c through conn_closed. */
static void
drop(struct conn *c)
{
	evhttp_connection_free(c->evcon);
}

/* ------------------------------------------------------------ token */

static void
auth_done(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct conn	*c = arg;

	c->auth_id = 0;
	if (err != NULL && strcmp(err->code, "unauthorized") == 0)
		refuse(c, R_UNAUTHORIZED, 401, "unauthorized", "invalid "
		    "bearer token", "WWW-Authenticate: Bearer\r\n");
	else
		release(c);	/* the handler asks again and answers */
}

/* The header named name (with its colon) in the header block h, copied
 * into out; 0 if absent. */
static int
header(const char *h, size_t len, const char *name, char *out, size_t outlen)
{
	const char	*p = h, *end = h + len, *eol, *v;
	size_t		 n = strlen(name), vlen;

	while (p < end && (eol = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		p = eol + 1;
		if ((size_t)(end - p) <= n || strncasecmp(p, name, n) != 0)
			continue;
		v = p + n;
		eol = memchr(v, '\n', (size_t)(end - v));
		vlen = eol != NULL ? (size_t)(eol - v) : (size_t)(end - v);
		while (vlen > 0 && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == ' '))
			vlen--;
		snprintf(out, outlen, "%.*s", (int)vlen, v);
		return 1;
	}
	return 0;
}

/* The route's rule against the headers h: 0 to go on, -1 after
 * answering, 1 when berthd must say what the token is worth first. */
static int
check_headers(struct conn *c, const char *h, size_t len, const char **tok)
{
	static char	 auth[512];	/* *tok points in; used at once */
	char		 method[16], path[256], other[32];
	int		 has_auth, has_body;

	if (sscanf(h, "%15s %255[^ ?\r\n]", method, path) != 2)
		return 0;			/* evhttp answers 400 */
	has_auth = header(h, len, "Authorization:", auth, sizeof(auth));
	has_body = header(h, len, "Content-Length:", other, sizeof(other)) &&
	    strcmp(other, "0") != 0;
	has_body |= header(h, len, "Transfer-Encoding:", other, sizeof(other));
	*tok = has_auth ? api_bearer(auth) : NULL;
	switch (route_auth(method, path)) {
	case ROUTE_TOKEN:
		break;
	case ROUTE_OPTIONAL:
		if (!has_auth)
			return 0;
		break;
	case ROUTE_SCRAPE:
		if (config_scrape_ok(&c->w->cfg, *tok))
			return 0;
		refuse(c, R_UNAUTHORIZED, 401, "unauthorized", "this "
		    "endpoint needs the scrape token",
		    "WWW-Authenticate: Bearer\r\n");
		return -1;
	default:
		return 0;
	}
	if (*tok == NULL) {
		refuse(c, R_UNAUTHORIZED, 401, "unauthorized", has_auth ?
		    "invalid bearer token" : "missing bearer token",
		    "WWW-Authenticate: Bearer\r\n");
		return -1;
	}
	return has_body ? 1 : 0;
}

/* The end of the header block in, or -1 while it is incomplete. */
static ssize_t
headers_end(struct evbuffer *in)
{
	struct evbuffer_ptr	a, b;

	a = evbuffer_search(in, "\n\n", 2, NULL);
	b = evbuffer_search(in, "\n\r\n", 3, NULL);
	if (a.pos == -1 && b.pos == -1)
		return -1;
	if (b.pos != -1 && (a.pos == -1 || b.pos < a.pos))
		return (ssize_t)b.pos + 3;
	return (ssize_t)a.pos + 2;
}

static void
headers_read(struct conn *c)
{
	struct evbuffer	*in = bufferevent_get_input(c->bev);
	const char	*tok;
	ssize_t		 end;
	char		*h;
	int		 rc;

	if ((end = headers_end(in)) == -1) {
		if (evbuffer_get_length(in) > HEADERS_MAX)
			release(c);		/* evhttp refuses it */
		return;
	}
	h = xmalloc((size_t)end + 1);
	evbuffer_copyout(in, h, (size_t)end);
	h[end] = '\0';
	rc = check_headers(c, h, (size_t)end, &tok);
	if (rc == 1) {
		c->state = C_AUTH;
		bufferevent_disable(c->bev, EV_READ);
		if ((c->auth_id = ipc_auth(c->w, tok, auth_done, c)) == 0)
			release(c);
	} else if (rc == 0)
		release(c);
	free(h);
}

/* ------------------------------------------------------------ events */

static void
conn_read(struct bufferevent *bev, void *arg)
{
	struct conn	*c = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);

	if (c->state == C_HEADERS)
		headers_read(c);
	else if (c->state == C_LINGER)
		evbuffer_drain(in, evbuffer_get_length(in));
}

static void
conn_write(struct bufferevent *bev, void *arg)
{
}

static void
conn_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->state == C_HEADERS)
		c->ev_event(bev, what, c->evcon);
	else
		drop(c);
}

static void
deadline(evutil_socket_t fd, short what, void *arg)
{
	struct conn	*c = arg;

	if (c->state == C_LINGER)
		drop(c);
	else if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0)
		return;		/* evhttp's own answer (400, 413) is on its way */
	else if (!c->dispatched)
		refuse(c, R_DEADLINE, 408, "request_timeout", "the request "
		    "was not received in time", "");
}

static void
conn_closed(struct evhttp_connection *evcon, void *arg)
{
	struct conn	*c = arg;

	if (c->closecb != NULL)
		c->closecb(evcon, c->closearg);
	if (c->auth_id != 0)
		worker_cancel(c->w, c->auth_id);
	TAILQ_REMOVE(&conns, c, entry);
	nconns--;
	event_free(c->timer);
	event_free(c->adopt);
	free(c);
}

/* Connections open from addr, c aside. */
static size_t
from(const struct conn *c, const char *addr)
{
	const struct conn	*o;
	size_t			 n = 0;

	TAILQ_FOREACH(o, &conns, entry)
		if (o != c && o->state != C_NEW && strcmp(o->addr, addr) == 0)
			n++;
	return n;
}

static void
adopt(evutil_socket_t fd, short what, void *arg)
{
	struct conn		*c = arg;
	const struct berth_config *cfg = &c->w->cfg;
	char			*addr = NULL;
	ev_uint16_t		 port;
	void			*cbarg = NULL;

	bufferevent_getcb(c->bev, &c->ev_read, &c->ev_write, &c->ev_event,
	    &cbarg);
	if (cbarg == NULL || evhttp_connection_get_bufferevent(cbarg) !=
	    c->bev) {
		log_warnx("%s: evhttp did not take the connection", __func__);
		TAILQ_REMOVE(&conns, c, entry);
		nconns--;
		bufferevent_free(c->bev);
		event_free(c->timer);
		event_free(c->adopt);
		free(c);
		return;
	}
	c->evcon = cbarg;
	evhttp_connection_set_closecb(c->evcon, conn_closed, c);
	evhttp_connection_get_peer(c->evcon, &addr, &port);
	snprintf(c->addr, sizeof(c->addr), "%s", addr != NULL ? addr : "?");
	c->state = C_HEADERS;
	bufferevent_setcb(c->bev, conn_read, conn_write, conn_event, c);
	arm(c, cfg->http_request_deadline_ms);
	if (nconns > (size_t)cfg->http_max_connections)
		refuse(c, R_CONNECTIONS, 503, "unavailable", "too many "
		    "connections; retry shortly", "Retry-After: 1\r\n");
	else if (from(c, c->addr) >=
	    (size_t)cfg->http_max_connections_per_client)
		refuse(c, R_PER_CLIENT, 503, "unavailable", "too many "
		    "connections from your address; retry shortly",
		    "Retry-After: 1\r\n");
}

/* evhttp's bevcb: a connection was accepted. */
static struct bufferevent *
conn_new(struct event_base *base, void *arg)
{
	struct conn	*c = xcalloc(1, sizeof(*c));

	c->w = arg;
	c->bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	/* evhttp gives it the socket, enables reading and disables
	 * writing: with writing (a new bufferevent's default) already off,
	 * that is one epoll_ctl instead of three */
	if (c->bev != NULL)
		bufferevent_disable(c->bev, EV_WRITE);
	c->timer = evtimer_new(base, deadline, c);
	c->adopt = event_new(base, -1, 0, adopt, c);
	if (c->bev == NULL || c->timer == NULL || c->adopt == NULL)
		fatalx("%s: out of memory", __func__);
	TAILQ_INSERT_TAIL(&conns, c, entry);
	nconns++;
	event_active(c->adopt, EV_TIMEOUT, 0);	/* before any read */
	return c->bev;
}

/* ------------------------------------------------------------ API */

void
conns_init(struct worker *w, struct evhttp *http)
{
	evhttp_set_bevcb(http, conn_new, w);
}

static struct conn *
conn_of(struct evhttp_request *req)
{
	struct evhttp_connection	*evcon;
	struct conn			*c;

	if ((evcon = evhttp_request_get_connection(req)) == NULL)
		return NULL;
	TAILQ_FOREACH(c, &conns, entry)
		if (c->evcon == evcon)
			return c;
	return NULL;
}

void
conns_dispatched(struct evhttp_request *req)
{
	struct conn	*c = conn_of(req);

	if (c != NULL) {
		c->dispatched = 1;
		evtimer_del(c->timer);
	}
}

void
conns_closecb(struct evhttp_request *req,
    void (*cb)(struct evhttp_connection *, void *), void *arg)
{
	struct conn	*c = conn_of(req);

	if (c != NULL) {
		c->closecb = cb;
		c->closearg = arg;
	} else
		evhttp_connection_set_closecb(evhttp_request_get_connection(req),
		    cb, arg);
}

/*
 * The client's socket went to another process (a copy, MSG_LOGS_ATTACH):
 * let go of it without a word on it.  evhttp_connection_free would shut
 * the socket down (SHUT_WR: the client would see the end), so the
 * descriptor is first taken off the loop and then made /dev/null (fd
 * 0, dup2 only from 0 in the allowlist); evhttp's shutdown and close
 * then reach that.
 */
void
conns_handoff(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent	*bev = evhttp_connection_get_bufferevent(evcon);
	int			 fd = bufferevent_getfd(bev);

	bufferevent_disable(bev, EV_READ | EV_WRITE);
	if (fd >= 0 && dup2(0, fd) == -1)
		fatal("%s: dup2", __func__);
	evhttp_connection_free(evcon);
}

/* Before evhttp_free: connections not adopted yet are evhttp's to free;
 * their adoption must not run. */
void
conns_shutdown(void)
{
	struct conn	*c, *t;

	for (c = TAILQ_FIRST(&conns); c != NULL; c = t) {
		t = TAILQ_NEXT(c, entry);
		if (c->state != C_NEW)
			continue;
		TAILQ_REMOVE(&conns, c, entry);
		nconns--;
		event_free(c->timer);
		event_free(c->adopt);
		free(c);
	}
}

void
conns_prom(struct prom_list *l)
{
	size_t	i;

	prom_add(l, "berth_http_connections_open", (double)nconns, NULL, NULL,
	    NULL, NULL, NULL, NULL);
	for (i = 0; i < R_N; i++)
		prom_add(l, "berth_http_refused_total", (double)refused[i],
		    "reason", refusal_names[i], NULL, NULL, NULL, NULL);
}
