/*
 * Feeds and clients.  A feed follows one workspace: a log session in
 * berthd with follow set, one chunk asked at a time (a feed that falls
 * behind leaves the engine's socket unread: berthd pauses it).  Each
 * line is framed once (ring.c) and kept in the feed's ring, and every
 * client is written from there: a client keeps the number of the next
 * line it is owed, and its sink pulls the lines from the ring's memory
 * when it writes (client_pull), rather than each line being copied
 * for each client.  A client whose unsent bytes would pass CLIENT_MAX,
 * or whose owed lines left the ring, gets "event: overflow" and its
 * answer ends normally (it reconnects with Last-Event-ID and resumes);
 * it never holds the others up.  The engine ends a follow when the
 * container stops: the feed opens a new session from the last line's timestamp
 * and skips what it has seen (the cursor is (ns, nth)), so a restart
 * brings neither a duplicate nor a gap.  berthd tells the container's
 * lifecycle (MSG_LOGS_STATE): clients get it as "event: state", and a
 * feed whose container stopped by itself waits for its start (docker
 * restart) instead of ending.  A workspace that is over ends its
 * clients with "event: end".  The last client gone, the feed goes.
 */
#include <sys/queue.h>
#include <sys/uio.h>

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
	int			 caught;	/* a line after it is had */
	uint64_t		 seq;		/* the next ring line owed */
	int			 poked;		/* its sink knows of them */
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
	uint64_t		 walked;	/* ring.total at the last look
						   at every client */
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

/* The overflow event, and the answer ends: the client reconnects with
 * Last-Event-ID and resumes. */
static void
client_overflow(struct client *c)
{
	static const char over[] = "event: overflow\ndata: {}\n\n";

	sink_add(c->sink, over, sizeof(over) - 1);
	c->closing = 1;
	c->seq = ring_next(&c->feed->ring);
	sink_close(c->sink);
}

/* The next ring line owed to c that is after its cursor, or NULL (none
 * now, or the client is cut: lines it was owed were pushed out of the
 * ring). */
static const struct ring_line *
client_next(struct client *c)
{
	struct ring		*r = &c->feed->ring;
	const struct ring_line	*l;

	if (c->closing)
		return NULL;
	if (c->seq < r->dropped) {
		client_overflow(c);
		return NULL;
	}
	for (; (l = ring_seq(r, c->seq)) != NULL; c->seq++) {
		if (c->caught || cursor_after(l->ns, l->nth, c->ns, c->nth)) {
			c->caught = 1;
			return l;
		}
	}
	return NULL;
}

/* The sink's pull: the lines owed, from the ring's memory. */
static int
client_pull(void *arg, struct iovec *iov, int max)
{
	struct client		*c = arg;
	const struct ring_line	*l;
	int			 n = 0;

	c->poked = 0;
	while (n < max && (l = client_next(c)) != NULL) {
		iov[n].iov_base = l->event;
		iov[n].iov_len = l->len;
		n++;
		c->seq++;
	}
	if (n == max)
		c->poked = 1;	/* pulled again */
	return n;
}

static void	client_fill(struct client *);

/* The ring's bytes owed to c (lines before its cursor included). */
static size_t
client_owed(const struct client *c)
{
	const struct ring	*r = &c->feed->ring;
	const struct ring_line	*l = ring_seq(r, c->seq);

	return l == NULL ? 0 : (size_t)(r->total - l->at);
}

/* How the lines owed reach a client: its sink is told, and pulls them
 * from the ring when it writes (at once when they are 64 KiB); or,
 * when they are a quarter of the ring (which must not push them out
 * first) or would take the client past CLIENT_MAX, they are copied
 * into its buffer, up to CLIENT_MAX and then the overflow (so that a
 * resuming client always gets further). */
static void
client_owe(struct client *c)
{
	struct ring	*r = &c->feed->ring;
	size_t		 owed;

	if (c->closing || c->seq == ring_next(r))
		return;
	owed = client_owed(c);
	if (c->seq < r->dropped || owed >= r->max / 4 ||
	    sink_pending(c->sink) + owed > CLIENT_MAX) {
		client_fill(c);
		return;
	}
	c->poked = 1;
	sink_poke(c->sink, owed >= SINK_PACE_BYTES);
}

/* The lines owed, copied into the sink's buffer: what is written after
 * them must follow them. */
static void
client_fill(struct client *c)
{
	const struct ring_line	*l;

	while ((l = client_next(c)) != NULL) {
		if (sink_pending(c->sink) + l->len > CLIENT_MAX) {
			client_overflow(c);
			return;
		}
		sink_add(c->sink, l->event, l->len);
		c->seq++;
	}
}

/* An event besides the lines (a state, a heartbeat, lines lost), after
 * the lines owed; within CLIENT_MAX. */
static void
client_write(struct client *c, const char *ev, size_t len)
{
	client_fill(c);
	if (c->closing)
		return;
	if (sink_pending(c->sink) + len > CLIENT_MAX) {
		client_overflow(c);
		return;
	}
	sink_add(c->sink, ev, len);
}

/* The last event, then the answer ends (and the client goes) once it
 * is written. */
static void
client_end(struct client *c, const char *event)
{
	client_fill(c);
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

/* Kept in the ring, whose lines every client is written from. */
static void
feed_line(struct feed *f, const struct log_item *it)
{
	if (f->seen && !cursor_after(it->ns, it->nth, f->last_ns,
	    f->last_nth))
		return;			/* seen before a reopen */
	f->seen = 1;
	f->last_ns = it->ns;
	f->last_nth = it->nth;
	ring_push(&f->ring, it);
}

/* Each client whose sink does not know of lines owed is told; with
 * all, every client is looked at, for the ones owed many lines or
 * near their limit (every eighth of the ring pushed: nothing is
 * written while a chunk is taken in, and a burst must not push out of
 * the ring what a client is owed). */
static void
feed_deliver(struct feed *f, int all)
{
	struct client	*c, *t;

	TAILQ_FOREACH_SAFE(c, &f->clients, entry, t)
		if (all || !c->poked)
			client_owe(c);
	if (all)
		f->walked = f->ring.total;
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
	for (i = 0; i < b->nlines; i++) {
		feed_line(f, &b->lines[i]);
		if (f->ring.total - f->walked >= f->ring.max / 8)
			feed_deliver(f, 1);
	}
	feed_deliver(f, 0);
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
	c->seq = f->ring.dropped + i;
	client_owe(c);
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
	c->seq = ring_next(&f->ring);
	sink_source(c->sink, client_pull);
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
