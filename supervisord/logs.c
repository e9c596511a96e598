/*
 * Log sessions: a workspace's logs read from the engine for a worker,
 * a chunk at a time.  The requester asks for each chunk (MSG_LOGS_REQ
 * for the first, MSG_LOGS_NEXT for the others); berthd holds at most
 * one chunk per session and stops reading the engine while it does, so
 * a slow reader (an HTTP client on the other side of the gateway, the
 * logstreamer's subscribers) pauses the engine and never fills berthd.
 * A waiting request is answered within LOGS_WAIT_MS, with what there
 * is (maybe nothing: a follow that is quiet); a session nobody asks
 * for LOGS_IDLE_MS is closed.  Only the run of the worker that opened
 * a session may use it (or berthctl's connection: berthctl logs).
 */
#include <sys/queue.h>

#include <event2/event.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "docker.h"
#include "log.h"
#include "logline.h"
#include "util.h"
#include "xmalloc.h"

#define LOGS_MAX_SESSIONS	256
#define LOGS_CHUNK_LINES	512
#define LOGS_CHUNK_BYTES	(256 * 1024)
#define LOGS_WAIT_MS		2000
#define LOGS_IDLE_MS		60000
#define LOGS_MAX_TAIL		1000000
#define LOGS_MSG_LINES		1000		/* proto: MAX_LOG_LINES */
#define LOGS_MSG_BYTES		(768 * 1024)	/* a frame is 1 MiB */

struct logsess {
	TAILQ_ENTRY(logsess)	 entry;
	int64_t			 id;
	uint8_t			 peer;
	uint32_t		 gen;
	struct chan		*admin;		/* berthctl's, else NULL */
	struct caller		 waiter;
	int			 waiting;	/* waiter wants a chunk */
	int			 sent;		/* chunks answered */
	struct docker_stream	*stream;
	struct logline_asm	 la;
	struct log_item		*items;		/* the lines held */
	size_t			 nitems, cap, bytes;
	int			 ended;
	int			 unreachable;	/* the engine did not answer */
	char			 error[256];
	struct event		*timer;		/* wait bound, idle bound */
	struct event		*flush;
	char			 container[72];
	int			 tailcheck;	/* a tail: check its first line */
	int			 checking;	/* the check runs: nothing sent */
	struct docker_stream	*probe;		/* that line's timestamp */
	struct logline_asm	 pla;
	char			*whole;		/* the line there, whole */
};
TAILQ_HEAD(logsess_list, logsess);

static struct logsess_list	sessions = TAILQ_HEAD_INITIALIZER(sessions);
static size_t			nsessions;
static int64_t			next_id;

/* Drop the first n lines held (all: n = nitems). */
static void
items_drop(struct logsess *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		s->bytes -= strlen(s->items[i].line) + sizeof(s->items[i]);
		free(s->items[i].ts);
		free(s->items[i].line);
	}
	if (n > 0 && n < s->nitems)
		memmove(s->items, s->items + n, (s->nitems - n) *
		    sizeof(*s->items));
	s->nitems -= n;
}

static int
sess_full(const struct logsess *s)
{
	return s->nitems >= LOGS_CHUNK_LINES || s->bytes >= LOGS_CHUNK_BYTES;
}

static void
sess_free(struct logsess *s)
{
	TAILQ_REMOVE(&sessions, s, entry);
	nsessions--;
	docker_stream_cancel(s->stream);
	docker_stream_cancel(s->probe);
	logline_free(&s->la);
	logline_free(&s->pla);
	free(s->whole);
	items_drop(s, s->nitems);
	free(s->items);
	event_free(s->timer);
	event_free(s->flush);
	free(s);
}

static void
timer_set(struct logsess *s, long ms)
{
	struct timeval	tv = { ms / 1000, (ms % 1000) * 1000 };

	evtimer_add(s->timer, &tv);
}

/* How many of the lines held fit one message. */
static size_t
chunk_lines(const struct logsess *s)
{
	size_t	n, bytes = 0;

	if (s->checking)
		return 0;
	for (n = 0; n < s->nitems && n < LOGS_MSG_LINES; n++) {
		bytes += strlen(s->items[n].line) + 64;
		if (bytes > LOGS_MSG_BYTES)
			break;
	}
	return n;
}

/* Answer the waiter with what is held (what fits one message); the
 * session ends with the last chunk. */
static void
sess_send(struct logsess *s)
{
	struct body_log_chunk	*b;
	struct msg		 m;
	size_t			 n = chunk_lines(s);
	int			 done = s->ended && n == s->nitems;

	b = msg_init(&m, MSG_LOG_CHUNK, 0, PEER_PARENT);
	b->session = s->id;
	b->lines = s->items;
	b->nlines = n;
	b->done = done;
	b->error = xstrdup(done ? s->error : "");
	caller_reply(&s->waiter, &m);
	b->lines = NULL;
	b->nlines = 0;
	msg_clear(&m);
	items_drop(s, n);
	s->waiting = 0;
	s->sent++;
	if (done) {
		sess_free(s);
		return;
	}
	if (!sess_full(s))
		docker_stream_pause(s->stream, 0);
	timer_set(s, LOGS_IDLE_MS);
}

static void
flush_event(evutil_socket_t fd, short ev, void *arg)
{
	struct logsess	*s = arg;

	if (!s->waiting || s->checking || (s->nitems == 0 && !s->ended))
		return;
	if (s->unreachable && s->sent == 0 && s->nitems == 0) {
		/* Nothing said yet: the caller answers 503. */
		caller_error(&s->waiter, "unavailable", "%s", s->error);
		sess_free(s);
		return;
	}
	sess_send(s);
}

/* Waiting: the bound passed, answer with what there is.  Not waiting:
 * nobody asked for too long. */
static void
timer_event(evutil_socket_t fd, short ev, void *arg)
{
	struct logsess	*s = arg;

	if (s->waiting)
		sess_send(s);
	else {
		log_debug("log session %" PRId64 ": idle, closed", s->id);
		sess_free(s);
	}
}

/* ------------------------------------------------------------ tail check */

static void
probe_line(const struct logline *l, void *arg)
{
	struct logsess	*s = arg;

	if (s->whole == NULL && s->nitems > 0 && l->ns == s->items[0].ns)
		s->whole = xstrdup(l->text);
}

static void
probe_data(const char *buf, size_t len, void *arg)
{
	struct logsess	*s = arg;

	logline_feed(&s->pla, buf, len);	/* malformed: no check */
}

/* The first line is the end of a longer one: marked, not passed off
 * as a whole line. */
static void
probe_end(long status, const char *err, void *arg)
{
	struct logsess	*s = arg;
	char		*m;

	s->probe = NULL;
	logline_finish(&s->pla);
	if (s->whole != NULL && s->sent == 0 && s->nitems > 0 &&
	    logline_tail_partial(s->items[0].line, s->whole)) {
		xasprintf(&m, "%s%s", LOGLINE_BEGUN, s->items[0].line);
		s->bytes += strlen(LOGLINE_BEGUN);
		free(s->items[0].line);
		s->items[0].line = m;
	}
	s->checking = 0;
	if (!sess_full(s) && !s->ended)
		docker_stream_pause(s->stream, 0);
	if (s->waiting)
		event_active(s->flush, EV_TIMEOUT, 0);
}

/* A tail's first line l may begin before the tail (the engine counts
 * a split line's pieces as entries): the engine's lines at its
 * timestamp, on its stream, tell (since and until are inclusive). */
static void
tail_check(struct logsess *s, const struct logline *l)
{
	char	q[160];

	if (l->ns <= 0 || s->container[0] == '\0')
		return;
	snprintf(q, sizeof(q), "stdout=%d&stderr=%d&follow=0&tail=all&since=%"
	    PRId64 ".%09" PRId64 "&until=%" PRId64 ".%09" PRId64,
	    l->stream == 1, l->stream == 2, l->ns / 1000000000,
	    l->ns % 1000000000, l->ns / 1000000000, l->ns % 1000000000);
	logline_init(&s->pla, probe_line, s);
	s->checking = 1;
	s->probe = eng_container_logs(s->container, q, probe_data, probe_end,
	    s);
}

/* ------------------------------------------------------------ lines */

static void
on_line(const struct logline *l, void *arg)
{
	struct logsess	*s = arg;
	struct log_item	*it;

	if (s->nitems == s->cap) {
		s->cap = s->cap == 0 ? 64 : s->cap * 2;
		s->items = xreallocarray(s->items, s->cap, sizeof(*s->items));
	}
	it = &s->items[s->nitems++];
	it->ts = xstrdup(l->ts);
	it->ns = l->ns;
	it->nth = l->nth;
	it->stream = l->stream;
	it->line = xstrdup(l->text);
	s->bytes += l->len + sizeof(*it);
	if (s->tailcheck) {
		s->tailcheck = 0;
		tail_check(s, l);
	}
	if (sess_full(s) || s->checking)
		docker_stream_pause(s->stream, 1);
	if (s->waiting)
		event_active(s->flush, EV_TIMEOUT, 0);
}

/* At most one read of the engine's (16 KiB) arrives after a pause. */
static void
on_data(const char *buf, size_t len, void *arg)
{
	struct logsess	*s = arg;

	if (s->ended || logline_feed(&s->la, buf, len) == 0)
		return;
	snprintf(s->error, sizeof(s->error),
	    "malformed log stream from the engine");
	docker_stream_cancel(s->stream);
	s->stream = NULL;
	s->ended = 1;
	event_active(s->flush, EV_TIMEOUT, 0);
}

/* The engine ended the stream: what is held goes out, then done.  A
 * container that is gone has no logs (404: an empty answer). */
static void
on_end(long status, const char *err, void *arg)
{
	struct logsess	*s = arg;

	s->stream = NULL;
	logline_finish(&s->la);
	s->ended = 1;
	if (status == 0)
		snprintf(s->error, sizeof(s->error), "the engine is "
		    "unavailable");
	else if (status != 200 && status != 404)
		snprintf(s->error, sizeof(s->error), "the engine answered "
		    "HTTP %ld", status);
	if (err != NULL && status != 404)
		log_warnx("log session %" PRId64 ": %s", s->id, err);
	s->unreachable = status == 0;
	if (s->waiting)
		event_active(s->flush, EV_TIMEOUT, 0);
}

static struct logsess *
sess_find(const struct caller *c, int64_t id)
{
	struct logsess	*s;

	TAILQ_FOREACH(s, &sessions, entry)
		if (s->id == id && s->peer == c->peer && s->gen == c->gen &&
		    s->admin == c->admin)
			return s;
	return NULL;
}

/* The engine's query: numbers only (eng_container_logs checks). */
static void
logs_query(const struct body_logs_req *q, char *buf, size_t len)
{
	int	n;

	n = snprintf(buf, len, "stdout=%d&stderr=%d&follow=%d", q->out,
	    q->err, q->follow);
	if (q->tail >= 0)
		n += snprintf(buf + n, len - n, "&tail=%" PRId64, q->tail);
	else
		n += snprintf(buf + n, len - n, "&tail=all");
	if (q->since_ns > 0)
		n += snprintf(buf + n, len - n, "&since=%" PRId64 ".%09" PRId64,
		    q->since_ns / 1000000000, q->since_ns % 1000000000);
	if (q->until_ns > 0)
		snprintf(buf + n, len - n, "&until=%" PRId64 ".%09" PRId64,
		    q->until_ns / 1000000000, q->until_ns % 1000000000);
}

/* What a request may ask, whatever the gateway checked; 0 or -1 after
 * answering. */
static int
logs_check(const struct caller *c, const struct body_logs_req *q)
{
	const char	*why = NULL;

	if (q->tail < -1 || q->tail > LOGS_MAX_TAIL)
		why = "tail out of range";
	else if (q->since_ns < 0 || q->until_ns < 0 ||
	    (q->until_ns > 0 && q->until_ns < q->since_ns))
		why = "since and until out of range";
	else if (!q->out && !q->err)
		why = "neither stdout nor stderr";
	if (why != NULL) {
		caller_error(c, "bad_request", "%s", why);
		return -1;
	}
	if (nsessions >= LOGS_MAX_SESSIONS) {
		caller_error(c, "busy", "too many log sessions");
		return -1;
	}
	return 0;
}

static struct logsess *
sess_new(const struct caller *c)
{
	struct logsess	*s = xcalloc(1, sizeof(*s));

	s->id = ++next_id;
	s->peer = c->peer;
	s->gen = c->gen;
	s->admin = c->admin;
	s->waiter = *c;
	s->waiting = 1;
	logline_init(&s->la, on_line, s);
	if ((s->timer = evtimer_new(env->base, timer_event, s)) == NULL ||
	    (s->flush = event_new(env->base, -1, 0, flush_event, s)) == NULL)
		fatalx("%s: event_new failed", __func__);
	TAILQ_INSERT_TAIL(&sessions, s, entry);
	nsessions++;
	return s;
}

/* A session of ws's logs as q asks, answered by its first chunk. */
static void
sess_start(const struct caller *c, struct workspace *ws,
    const struct body_logs_req *q)
{
	struct logsess	*s;
	char		 query[256];

	if (logs_check(c, q) == -1)
		return;
	if (q->follow && (ws->status == WSS_STOPPED || ws->status ==
	    WSS_ERROR)) {
		caller_error(c, "gone", "the workspace is over");
		return;
	}
	s = sess_new(c);
	if (ws->container[0] == '\0') {
		s->ended = 1;		/* never had a container */
		event_active(s->flush, EV_TIMEOUT, 0);
		return;
	}
	logs_query(q, query, sizeof(query));
	snprintf(s->container, sizeof(s->container), "%s", ws->container);
	s->tailcheck = q->tail > 0 && q->since_ns == 0;
	s->stream = eng_container_logs(ws->container, query, on_data, on_end,
	    s);
	timer_set(s, LOGS_WAIT_MS);
}

/* MSG_LOGS_REQ: the workspace's owner (or the admin) only; another
 * user's workspace does not exist. */
void
logs_h_open(const struct caller *c, struct msg *m)
{
	struct body_logs_req	*q = m->body;
	struct workspace	*ws = ws_find(q->id);

	if (ws == NULL || (!c->who.admin && strcmp(ws->user, c->who.user) !=
	    0)) {
		caller_error(c, "not_found", "no such workspace");
		return;
	}
	sess_start(c, ws, q);
}

/* MSG_LOGS_FOLLOW: the logstreamer's, for clients berthd admitted
 * (logs_h_attach); every stream from since_ns, followed. */
void
logs_h_follow(const struct caller *c, struct msg *m)
{
	struct body_logs_follow	*f = m->body;
	struct workspace	*ws = ws_find(f->id);
	struct body_logs_req	 q;

	if (ws == NULL) {
		caller_error(c, "not_found", "no such workspace");
		return;
	}
	memset(&q, 0, sizeof(q));
	q.tail = -1;
	q.since_ns = f->since_ns;
	q.out = q.err = q.follow = 1;
	sess_start(c, ws, &q);
}

/* MSG_LOGS_NEXT: the session's next chunk. */
void
logs_h_next(const struct caller *c, struct msg *m)
{
	struct body_logs_next	*b = m->body;
	struct logsess		*s = sess_find(c, b->session);

	if (s == NULL) {
		caller_error(c, "not_found", "no such log session");
		return;
	}
	if (s->waiting) {
		caller_error(c, "conflict", "a chunk is already asked for");
		return;
	}
	s->waiter = *c;
	s->waiting = 1;
	if (s->nitems > 0 || s->ended)
		event_active(s->flush, EV_TIMEOUT, 0);
	timer_set(s, LOGS_WAIT_MS);
}

/* MSG_LOGS_CLOSE (a notice): the reader is gone. */
void
logs_h_close(const struct caller *c, struct msg *m)
{
	struct body_logs_next	*b = m->body;
	struct logsess		*s = sess_find(c, b->session);

	if (s != NULL)
		sess_free(s);
}

/* An SSE client of who's goes to the logstreamer with its socket
 * (taken from m); the gateway drops its copy once answered. */
static void
attach(const struct caller *c, const struct ident *who, const char *id,
    const struct body_logs_attach_ticket *a, struct msg *m)
{
	struct workspace	*ws = ws_find(id);
	struct wproc		*ls = wproc_by_peer(PEER_LOGSTREAMER);
	struct body_sse_client	*b;
	struct msg		 r;

	if (ws == NULL || (!who->admin && strcmp(ws->user, who->user) != 0)) {
		caller_error(c, "not_found", "no such workspace");
		return;
	}
	if (m->fd < 0 || ls == NULL || ls->chan == NULL || ls->state !=
	    WS_UP) {
		caller_error(c, "unavailable", "the log streamer is not "
		    "running");
		return;
	}
	b = msg_init(&r, MSG_SSE_CLIENT, 0, PEER_PARENT);
	b->workspace_id = xstrdup(ws->id);
	b->user_id = xstrdup(who->user);	/* the caller: its caps */
	b->has_after = a->has_after;
	b->after_ns = a->after_ns;
	b->after_nth = a->after_nth;
	b->attach_ns = (int64_t)wall_ms() * 1000000;
	r.flags = MSGF_FD;
	r.fd = m->fd;
	m->fd = -1;
	m->flags &= ~MSGF_FD;
	if (chan_send(ls->chan, &r) == -1) {
		r.fd = -1;	/* closed all the same */
		msg_clear(&r);
		caller_error(c, "unavailable", "the log streamer is busy");
		return;
	}
	r.fd = -1;		/* the channel sent and closed it */
	msg_clear(&r);
	msg_init(&r, MSG_OK, 0, PEER_PARENT);
	caller_reply(c, &r);
	msg_clear(&r);
}

/* MSG_LOGS_ATTACH: the token's owner's workspace (or the admin's). */
void
logs_h_attach(const struct caller *c, struct msg *m)
{
	struct body_logs_attach		*a = m->body;
	struct body_logs_attach_ticket	 t;

	memset(&t, 0, sizeof(t));
	t.has_after = a->has_after;
	t.after_ns = a->after_ns;
	t.after_nth = a->after_nth;
	attach(c, &c->who, a->id, &t, m);
}

/* MSG_LOGS_ATTACH_TICKET: who asked for the ticket, for its workspace
 * only; an unknown or expired ticket is answered as a bad token. */
void
logs_h_attach_ticket(const struct caller *c, struct msg *m)
{
	struct body_logs_attach_ticket	*a = m->body;
	struct ident			 who;

	if (ticket_ident(a->ticket, a->id, &who) == -1) {
		caller_error(c, "unauthorized", "invalid or expired ticket");
		return;
	}
	attach(c, &who, a->id, a, m);
}

void
logs_shutdown(void)
{
	struct logsess	*s;

	while ((s = TAILQ_FIRST(&sessions)) != NULL)
		sess_free(s);
}

void
logs_admin_gone(const struct chan *c)
{
	struct logsess	*s, *t;

	for (s = TAILQ_FIRST(&sessions); s != NULL; s = t) {
		t = TAILQ_NEXT(s, entry);
		if (s->admin == c)
			sess_free(s);
	}
}
