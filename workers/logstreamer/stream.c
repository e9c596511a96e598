/*
 * Feeds and clients.  A feed follows one workspace: a log session in
 * berthd with follow set, one chunk asked at a time (a feed that falls
 * behind leaves the engine's socket unread: berthd pauses it).  Each
 * line is framed once (ring.c), kept in the feed's ring and written to
 * every client whose cursor it passes.  A client whose unsent bytes
 * would pass CLIENT_MAX gets "event: overflow" and its answer ends
 * normally (it reconnects with Last-Event-ID and resumes); it never
 * holds the others up.  The engine ends a follow when the container
 * stops: the feed opens a new session from the last line's timestamp
 * and skips what it has seen (the cursor is (ns, nth)), so a restart
 * brings neither a duplicate nor a gap.  berthd tells the container's
 * lifecycle (MSG_LOGS_STATE): clients get it as "event: state", and a
 * feed whose container stopped by itself waits for its start (docker
 * restart) instead of ending.  A workspace that is over ends its
 * clients with "event: end".  The last client gone, the feed goes.
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec.h"
#include "ipc.h"
#include "log.h"
#include "ring.h"
#include "sink.h"
#include "stream.h"
#include "worker.h"
#include "xmalloc.h"

#ifndef TAILQ_FOREACH_SAFE	/* BSD's; glibc's sys/queue.h lacks it */
#define TAILQ_FOREACH_SAFE(v, head, field, t)				\
	for ((v) = TAILQ_FIRST(head);					\
	    (v) != NULL && ((t) = TAILQ_NEXT(v, field), 1); (v) = (t))
#endif

#define CLIENT_MAX		(1024 * 1024)	/* unsent bytes a client: 4 chunks */
#define HEARTBEAT_S		15
#define REOPEN_MS		1000
#define RETRY_MS		2000		/* the clients' retry: */

static const char sse_head[] =
    "HTTP/1.1 200 OK\r\n"
    "Content-Type: text/event-stream\r\n"
    "Cache-Control: no-cache, no-transform\r\n"
    "X-Accel-Buffering: no\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Connection: close\r\n"
    "\r\n"
    "retry: 2000\n\n";

struct feed;

struct client {
	TAILQ_ENTRY(client)	 entry;
	struct feed		*feed;
	struct sink		*sink;		/* its socket */
	char			*user;		/* whose stream: the caps */
	int64_t			 ns, nth;	/* lines after this only */
	int			 closing;	/* ends once written */
};
TAILQ_HEAD(client_list, client);

struct feed {
	TAILQ_ENTRY(feed)	 entry;
	char			*id;
	struct ring		 ring;
	struct client_list	 clients;
	size_t			 nclients;
	int64_t			 since_ns;	/* the ring holds from here */
	int64_t			 session;
	uint32_t		 req;		/* in flight */
	int			 seen;		/* last_* are set */
	int64_t			 last_ns, last_nth;
	struct event		*reopen;
	int			 stopped;	/* a start may follow */
	int			 kicked;	/* started with req in flight */
};
TAILQ_HEAD(feed_list, feed);

static struct worker	*sw;
static struct feed_list	 feeds = TAILQ_HEAD_INITIALIZER(feeds);
static size_t		 nclients;
static struct event	*heartbeat;

static void	feed_open(struct feed *);
static void	feed_chunk(struct worker *, struct msg *,
		    const struct ipc_error *, void *);

size_t
stream_clients(void)
{
	return nclients;
}

/* ------------------------------------------------------------ clients */

static void	feed_release(struct feed *);

static void
client_free(struct client *c)
{
	struct feed	*f = c->feed;

	TAILQ_REMOVE(&f->clients, c, entry);
	f->nclients--;
	nclients--;
	sink_free(c->sink);
	free(c->user);
	free(c);
	if (f->nclients == 0)
		feed_release(f);
}

/* The client's unsent bytes stay under CLIENT_MAX; past it, the
 * overflow event, and the answer ends. */
static void
client_write(struct client *c, const char *ev, size_t len)
{
	static const char over[] = "event: overflow\ndata: {}\n\n";

	if (c->closing)
		return;
	if (sink_pending(c->sink) + len > CLIENT_MAX) {
		sink_add(c->sink, over, sizeof(over) - 1);
		c->closing = 1;
		sink_close(c->sink);
		return;
	}
	sink_add(c->sink, ev, len);
}

/* The last event, then the answer ends (and the client goes) once it
 * is written. */
static void
client_end(struct client *c, const char *event)
{
	if (!c->closing)
		sink_add(c->sink, event, strlen(event));
	c->closing = 1;
	sink_close(c->sink);
}

/* The socket is done (its peer ended, an error, or written out after
 * the end). */
static void
client_gone(void *arg)
{
	client_free(arg);
}

/* ------------------------------------------------------------ feeds */

static struct feed *
feed_find(const char *id)
{
	struct feed	*f;

	TAILQ_FOREACH(f, &feeds, entry)
		if (strcmp(f->id, id) == 0)
			return f;
	return NULL;
}

static void
reopen_event(evutil_socket_t fd, short ev, void *arg)
{
	feed_open(arg);
}

static struct feed *
feed_new(const char *id, int64_t since_ns)
{
	struct feed	*f = xcalloc(1, sizeof(*f));

	f->id = xstrdup(id);
	ring_init(&f->ring, (size_t)sw->cfg.logs_ring_kb * 1024);
	TAILQ_INIT(&f->clients);
	f->since_ns = since_ns;
	if ((f->reopen = evtimer_new(sw->base, reopen_event, f)) == NULL)
		fatalx("%s: evtimer_new failed", __func__);
	TAILQ_INSERT_TAIL(&feeds, f, entry);
	feed_open(f);
	return f;
}

/* Nobody follows it: the session and the ring go. */
static void
feed_release(struct feed *f)
{
	if (f->req != 0)
		worker_cancel(sw, f->req);
	if (f->session != 0)
		ipc_logs_close(sw, f->session);
	TAILQ_REMOVE(&feeds, f, entry);
	event_free(f->reopen);
	ring_free(&f->ring);
	free(f->id);
	free(f);
}

/* A new session: from the last line seen, or from since_ns. */
static void
feed_open(struct feed *f)
{
	f->session = 0;
	if ((f->req = ipc_logs_follow(sw, f->id, f->seen ? f->last_ns :
	    f->since_ns, feed_chunk, f)) == 0)
		log_warnx("%s: cannot reach berthd", __func__);
}

/* Reopen in ms (again: the sooner wins). */
static void
feed_later(struct feed *f, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };
	struct timeval	left;

	f->session = 0;
	if (evtimer_pending(f->reopen, &left) && ms > 0)
		return;
	evtimer_add(f->reopen, &tv);
}

/* The workspace is over: every client ends. */
static void
feed_end(struct feed *f, const char *reason)
{
	struct client	*c, *t;
	char		 ev[256];

	snprintf(ev, sizeof(ev), "event: end\ndata: {\"reason\":\"%s\"}\n\n",
	    reason);
	f->session = 0;
	TAILQ_FOREACH_SAFE(c, &f->clients, entry, t)
		client_end(c, ev);	/* the last frees f */
}

static void
feed_line(struct feed *f, const struct log_item *it)
{
	const struct ring_line	*l;
	struct client		*c, *t;

	if (f->seen && !cursor_after(it->ns, it->nth, f->last_ns,
	    f->last_nth))
		return;			/* seen before a reopen */
	f->seen = 1;
	f->last_ns = it->ns;
	f->last_nth = it->nth;
	if ((l = ring_push(&f->ring, it)) == NULL)
		return;
	TAILQ_FOREACH_SAFE(c, &f->clients, entry, t)
		if (cursor_after(it->ns, it->nth, c->ns, c->nth))
			client_write(c, l->event, l->len);
}

static void
feed_chunk(struct worker *w, struct msg *reply, const struct ipc_error *err,
    void *arg)
{
	struct feed		*f = arg;
	struct body_log_chunk	*b;
	size_t			 i;

	f->req = 0;
	if (err != NULL && strcmp(err->code, "gone") == 0 &&
	    (f->stopped || f->kicked)) {
		/* stopped: a start reopens it; kicked: it is started */
		if (f->kicked)
			feed_later(f, 0);
		f->kicked = 0;
		return;
	}
	if (err != NULL) {
		if (strcmp(err->code, "not_found") == 0 ||
		    strcmp(err->code, "gone") == 0)
			feed_end(f, strcmp(err->code, "gone") == 0 ?
			    "stopped" : "deleted");
		else {
			log_warnx("logs of %s: %s", f->id, err->message);
			feed_later(f, REOPEN_MS * 2);
		}
		return;
	}
	b = reply->body;
	f->session = b->session;
	f->kicked = 0;
	for (i = 0; i < b->nlines; i++)
		feed_line(f, &b->lines[i]);
	if (b->done)
		feed_later(f, REOPEN_MS);	/* the container stopped */
	else if ((f->req = ipc_logs_next(w, f->session, feed_chunk, f)) == 0)
		feed_later(f, REOPEN_MS);
}

/* ------------------------------------------------------------ states */

/* MSG_LOGS_STATE: the clients see it; a container that stopped by
 * itself may start again (docker restart), and its feed waits for it,
 * then follows from the last line it has. */
void
stream_state(const struct body_logs_state *b)
{
	struct feed	*f;
	struct client	*c, *t;
	char		 ev[160], when[32];
	time_t		 sec = (time_t)(b->at_ns / 1000000000);
	struct tm	 tm;

	if ((f = feed_find(b->workspace_id)) == NULL)
		return;
	gmtime_r(&sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(ev, sizeof(ev), "event: state\ndata: {\"state\":\"%s\","
	    "\"t\":\"%s.%03dZ\"}\n\n", b->state, when,
	    (int)(b->at_ns / 1000000 % 1000));
	TAILQ_FOREACH_SAFE(c, &f->clients, entry, t)
		client_write(c, ev, strlen(ev));
	if (strcmp(b->state, "stopped") == 0) {
		f->stopped = !b->final;
		return;
	}
	/* started or removed: follow it now, or learn that it is over */
	f->stopped = 0;
	if (f->req != 0)
		f->kicked = 1;
	else if (f->session == 0)
		feed_later(f, 0);
}

/* ------------------------------------------------------------ attach */

/* A resuming client: the ring's lines after its cursor, or, when some
 * were pushed out (or came before the feed), an event saying from when
 * lines are missing. */
static void
client_replay(struct client *c, int has_after)
{
	struct feed	*f = c->feed;
	char		 ev[160];
	size_t		 i;
	int		 lost;

	i = ring_after(&f->ring, c->ns, c->nth, &lost);
	if (has_after && (lost || c->ns < f->since_ns)) {
		snprintf(ev, sizeof(ev), "event: lost\ndata: {\"after\":\"%"
		    PRId64 "-%" PRId64 "\",\"until\":\"%" PRId64 "-%" PRId64
		    "\"}\n\n", c->ns, c->nth, lost ? f->ring.gone_ns :
		    f->since_ns, lost ? f->ring.gone_nth : (int64_t)-1);
		client_write(c, ev, strlen(ev));
	}
	for (; i < f->ring.n; i++)
		client_write(c, ring_at(&f->ring, i)->event,
		    ring_at(&f->ring, i)->len);
}

/* Streams user has open. */
static long
user_streams(const char *user)
{
	struct feed	*f;
	struct client	*c;
	long		 n = 0;

	TAILQ_FOREACH(f, &feeds, entry)
		TAILQ_FOREACH(c, &f->clients, entry)
			n += strcmp(c->user, user) == 0;
	return n;
}

/* Past a cap: 200 with a long retry: and the end at once (an
 * EventSource gives up for good on any other answer).  The socket
 * goes with its sink once the bytes are out. */
static int
over_cap(struct worker *w, const struct body_sse_client *b, int fd)
{
	static const char	 busy[] = "retry: 10000\n"
				    "event: busy\ndata: {}\n\n";
	struct sink		*s;

	if ((long)nclients < w->cfg.logs_max_streams &&
	    user_streams(b->user_id) < w->cfg.logs_max_streams_per_user)
		return 0;
	log_info("log stream of %s refused: %s cap", b->user_id,
	    (long)nclients >= w->cfg.logs_max_streams ? "the" : "a user's");
	s = sink_new(fd, NULL, NULL);
	sink_add(s, sse_head, sizeof(sse_head) - 1);
	sink_add(s, busy, sizeof(busy) - 1);
	sink_close(s);
	return 1;
}

void
stream_attach(struct worker *w, const struct body_sse_client *b, int fd)
{
	struct feed	*f;
	struct client	*c;
	int64_t		 since;

	if (over_cap(w, b, fd))
		return;
	c = xcalloc(1, sizeof(*c));
	c->user = xstrdup(b->user_id);
	c->sink = sink_new(fd, client_gone, c);
	c->ns = b->has_after ? b->after_ns : b->attach_ns - 1;
	c->nth = b->has_after ? b->after_nth : INT64_MAX;
	since = b->has_after ? b->after_ns : b->attach_ns;
	if ((f = feed_find(b->workspace_id)) == NULL)
		f = feed_new(b->workspace_id, since);
	c->feed = f;
	TAILQ_INSERT_TAIL(&f->clients, c, entry);
	f->nclients++;
	nclients++;
	sink_add(c->sink, sse_head, sizeof(sse_head) - 1);
	client_replay(c, b->has_after);
	log_debug("SSE client of %s (%zu)", f->id, f->nclients);
}

/* ------------------------------------------------------------ loop */

/* A comment every HEARTBEAT_S: proxies keep the connection, clients
 * see it is alive, and a dead one is found by the write. */
static void
heartbeat_event(evutil_socket_t fd, short ev, void *arg)
{
	static const char	 hb[] = ": keepalive\n\n";
	struct feed		*f, *ft;
	struct client		*c, *t;

	TAILQ_FOREACH_SAFE(f, &feeds, entry, ft)
		TAILQ_FOREACH_SAFE(c, &f->clients, entry, t)
			client_write(c, hb, sizeof(hb) - 1);
}

void
stream_init(struct worker *w)
{
	struct timeval	tv = { HEARTBEAT_S, 0 };

	sw = w;
	sink_init(w->base);
	if ((heartbeat = event_new(w->base, -1, EV_PERSIST, heartbeat_event,
	    NULL)) == NULL)
		fatalx("%s: event_new failed", __func__);
	evtimer_add(heartbeat, &tv);
}

void
stream_shutdown(void)
{
	struct feed	*f;

	while ((f = TAILQ_FIRST(&feeds)) != NULL) {
		while (f->nclients > 1)
			client_free(TAILQ_FIRST(&f->clients));
		client_free(TAILQ_FIRST(&f->clients));	/* frees f */
	}
	if (heartbeat != NULL)
		event_free(heartbeat);
	heartbeat = NULL;
	sink_shutdown();
}
