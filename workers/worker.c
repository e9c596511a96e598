/*
 * What every worker shares once it is confined: the channel to berthd,
 * configuration updates, answering pings, matching replies to requests
 * (with a timeout, so nothing waits forever), and draining on
 * MSG_SHUTDOWN or SIGTERM.  Each worker supplies only its operations.
 */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chan.h"
#include "codec.h"
#include "log.h"
#include "utf8.h"
#include "util.h"
#include "worker.h"
#include "xmalloc.h"

/*
 * Requests in flight, found by id: a slot is id % MAX_CALLS or the next
 * free one after it.  Ids rise by one per request and most answers come
 * in order, so the first probe nearly always hits.  4096 covers a burst
 * of a thousand log streams attaching at once with room to spare; past
 * it a request is refused (the caller answers 503) rather than queued.
 */
#define MAX_CALLS	4096

struct call {
	uint32_t	 id;
	worker_reply_cb	 cb;
	void		*arg;
	struct event	*timer;
	struct worker	*w;
};

static struct call	calls[MAX_CALLS];
static size_t		ncalls;			/* slots in use */
static struct event	*ev_term, *ev_int, *ev_hup;

static void	on_msg(struct chan *, struct msg *, void *);
static void	on_reject(struct chan *, const char *, void *);
static void	on_close(struct chan *, const char *, void *);

/* ------------------------------------------------------------ calls */

/* The slot holding want, probing from id's home slot; NULL if none. */
static struct call *
call_probe(uint32_t id, uint32_t want)
{
	size_t	i, n;

	for (n = 0, i = id % MAX_CALLS; n < MAX_CALLS; n++) {
		if (calls[i].id == want)
			return &calls[i];
		i = (i + 1) % MAX_CALLS;
	}
	return NULL;
}

static struct call *
call_find(uint32_t id)
{
	return id == 0 ? NULL : call_probe(id, id);
}

static void
call_end(struct call *c, struct msg *reply)
{
	worker_reply_cb	 cb = c->cb;
	void		*arg = c->arg;
	struct worker	*w = c->w;

	event_free(c->timer);
	memset(c, 0, sizeof(*c));
	ncalls--;
	cb(w, reply, arg);
}

static void
call_timeout(evutil_socket_t fd, short ev, void *arg)
{
	struct call *c = arg;

	log_warnx("request %u timed out", c->id);
	call_end(c, NULL);
}

uint32_t
worker_request(struct worker *w, struct msg *m, worker_reply_cb cb,
    void *arg)
{
	return worker_request_for(w, m, w->cfg.request_timeout_ms, cb, arg);
}

uint32_t
worker_ask(struct worker *w, unsigned type, unsigned peer, worker_reply_cb cb,
    void *arg)
{
	struct msg	m;
	uint32_t	id;

	msg_init(&m, type, 0, peer);
	id = worker_request(w, &m, cb, arg);
	msg_clear(&m);
	return id;
}

uint32_t
worker_request_for(struct worker *w, struct msg *m, long timeout_ms,
    worker_reply_cb cb, void *arg)
{
	struct call	*c;
	struct timeval	 tv;

	m->id = chan_next_id(w->parent);
	if ((c = call_probe(m->id, 0)) == NULL) {
		log_warnx("too many requests in flight");
		return 0;
	}
	if (chan_send(w->parent, m) == -1)
		return 0;
	c->id = m->id;
	ncalls++;
	c->cb = cb;
	c->arg = arg;
	c->w = w;
	c->timer = evtimer_new(w->base, call_timeout, c);
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
	return c->id;
}

/* Whether a refused request was refused for want of a slot. */
int
worker_calls_full(void)
{
	return ncalls == MAX_CALLS;
}

void
worker_cancel(struct worker *w, uint32_t id)
{
	struct call *c;

	if ((c = call_find(id)) == NULL)
		return;
	event_free(c->timer);
	memset(c, 0, sizeof(*c));
	ncalls--;
}

/* ------------------------------------------------------------ sending */

int
worker_send(struct worker *w, const struct msg *m)
{
	return chan_send(w->parent, m);
}

void
worker_reply_error(struct worker *w, const struct msg *req,
    const char *code, const char *message)
{
	struct body_error	*e;
	struct msg		 r;

	e = msg_init(&r, MSG_ERROR, req->id, req->peer);
	r.flags = MSGF_REPLY;
	e->code = xstrdup(code);
	e->message = utf8_fix(xstrdup(message));
	worker_send(w, &r);
	msg_clear(&r);
}

static void
reply_pong(struct worker *w, const struct msg *req)
{
	struct body_ping	*p;
	struct msg		 r;

	p = msg_init(&r, MSG_PONG, req->id, req->peer);
	r.flags = MSGF_REPLY;
	p->sent_ms = ((struct body_ping *)req->body)->sent_ms;
	worker_send(w, &r);
	msg_clear(&r);
}

/* ------------------------------------------------------------ receiving */

/* The whole configuration, every time: what berthd no longer sends
 * (a removed type or token) is gone. */
static void
apply_config(struct worker *w, const struct body_config *b)
{
	struct berth_config	next;
	enum log_level		lvl;
	char			err[256];
	size_t			i;

	config_init(&next);
	for (i = 0; i < b->nentries; i++)
		if (config_set(&next, b->entries[i].key,
		    b->entries[i].value, err, sizeof(err)) == -1)
			log_warnx("config %s: %s", b->entries[i].key, err);
	config_free(&w->cfg);
	w->cfg = next;
	if (log_parse_level(w->cfg.log_level, &lvl) == 0)
		log_setlevel(lvl);
	w->configured = 1;
	if (w->ops->configure != NULL)
		w->ops->configure(w);
}

static void
drain(struct worker *w)
{
	if (w->draining)
		return;
	w->draining = 1;
	log_debug("draining");
	if (w->ops->drain != NULL)
		w->ops->drain(w);
	else
		worker_exit(w);
}

static void
on_msg(struct chan *ch, struct msg *m, void *arg)
{
	struct worker	*w = arg;
	struct call	*c;

	if ((m->flags & MSGF_REPLY) && (c = call_find(m->id)) != NULL)
		call_end(c, m);
	else if (m->flags & MSGF_REPLY)
		log_debug("late reply %u dropped", m->id);
	else if (m->type == MSG_CONFIG)
		apply_config(w, m->body);
	else if (m->type == MSG_SHUTDOWN)
		drain(w);
	else if (m->type == MSG_PING)
		reply_pong(w, m);
	else if (w->ops->dispatch == NULL || w->ops->dispatch(w, m) == -1)
		fatalx("unexpected %s message from %s",
		    msg_type_name(m->type), peer_name(m->peer));
	msg_clear(m);
}

static void
on_reject(struct chan *ch, const char *reason, void *arg)
{
	fatalx("malformed message from berthd: %s", reason);
}

static void
on_close(struct chan *ch, const char *reason, void *arg)
{
	log_debug("berthd went away (%s)", reason);
	worker_exit(arg);
}

static void
on_signal(evutil_socket_t sig, short ev, void *arg)
{
	if (sig == SIGTERM)
		drain(arg);
	/* SIGINT and SIGHUP belong to berthd (same process group). */
}

/* ------------------------------------------------------------ life */

void
worker_setup(struct worker *w, const char *name, enum peer_id id,
    const struct worker_ops *ops, int ipc_fd, int extra_fd)
{
	w->name = name;
	w->id = id;
	w->ops = ops;
	w->extra_fd = extra_fd;
	config_init(&w->cfg);
	tzset();	/* before the filter: reads the zone once */
	signal(SIGPIPE, SIG_IGN);
	if ((w->base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	set_nonblock(ipc_fd);
	w->parent = chan_new(w->base, ipc_fd, on_msg, on_reject, on_close, w);
	ev_term = evsignal_new(w->base, SIGTERM, on_signal, w);
	ev_int = evsignal_new(w->base, SIGINT, on_signal, w);
	ev_hup = evsignal_new(w->base, SIGHUP, on_signal, w);
	evsignal_add(ev_term, NULL);
	evsignal_add(ev_int, NULL);
	evsignal_add(ev_hup, NULL);
}

void
worker_run(struct worker *w)
{
	struct body_hello	*h;
	struct msg		 m;

	if (w->ops->start != NULL)
		w->ops->start(w);
	h = msg_init(&m, MSG_HELLO, 0, PEER_PARENT);
	h->worker = xstrdup(w->name);
	h->pid = getpid();
	h->uid = getuid();
	worker_send(w, &m);
	msg_clear(&m);
	event_base_dispatch(w->base);
	worker_exit(w);
}

void
worker_exit(struct worker *w)
{
	log_debug("exiting");
	chan_push(w->parent);	/* what this turn of the loop queued */
	/* _exit: no atexit handlers, which could need forbidden calls. */
	_exit(0);
}
