/*
 * The router: every message a worker sends arrives here.  Messages for
 * berthd are answered; messages for another worker are checked against
 * the route table (who may send what to whom) and forwarded with the
 * sender as peer.  Requests in flight are remembered so that a reply can
 * only answer a real request, and so that the requester gets an error at
 * once, instead of waiting, when the destination is down or dies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "util.h"
#include "xmalloc.h"

#define BIT(p)		(1u << (p))
#define WORKERS		(BIT(PEER_GATEWAY) | BIT(PEER_SCHEDULER) | \
			 BIT(PEER_HEALTHMON) | BIT(PEER_STATSWRITER) | \
			 BIT(PEER_LOGSTREAMER))
#define PARENT		BIT(PEER_PARENT)

/* Who may send a message type to whom, and whether it wants a reply. */
static const struct route {
	uint16_t	type;
	uint32_t	from;
	uint32_t	to;
	int		request;
} routes[] = {
	{ MSG_HELLO,		WORKERS,		PARENT,		0 },
	{ MSG_STATUS_REQ,	BIT(PEER_GATEWAY) | BIT(PEER_HEALTHMON),
						PARENT,		1 },
	{ MSG_PING,		WORKERS,		PARENT | WORKERS, 1 },
	{ MSG_FD_PASS,		BIT(PEER_GATEWAY),	BIT(PEER_LOGSTREAMER), 0 },
	{ MSG_DB_STATUS_REQ,	BIT(PEER_GATEWAY) | BIT(PEER_HEALTHMON),
						BIT(PEER_STATSWRITER), 1 },
	{ MSG_HEALTH_REQ,	BIT(PEER_GATEWAY),	BIT(PEER_HEALTHMON), 1 },
	{ MSG_PROM_REQ,		BIT(PEER_GATEWAY),	BIT(PEER_STATSWRITER), 1 },
	{ MSG_HISTORY_REQ,	BIT(PEER_GATEWAY),	BIT(PEER_STATSWRITER), 1 },
	{ MSG_CSTATS_REQ,	BIT(PEER_GATEWAY),	BIT(PEER_STATSWRITER), 1 },
};

#define MAX_PENDING	1024

struct pending {
	uint8_t		src, dst;
	uint32_t	id;
};

static struct pending	pending[MAX_PENDING];
static size_t		npending;

/* berthd's own requests to workers. */
#define MAX_CALLS	256

static struct pcall {
	uint32_t	 id;
	uint8_t		 dst;
	parent_reply_cb	 cb;
	void		*arg;
} pcalls[MAX_CALLS];
static uint32_t		pcall_next;

static const struct route *
route_find(unsigned type, unsigned src, unsigned dst)
{
	size_t	i;

	for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
		if (routes[i].type == type && (routes[i].from & BIT(src)) &&
		    (routes[i].to & BIT(dst)))
			return &routes[i];
	return NULL;
}

void
send_error(struct wproc *to, uint32_t id, unsigned peer, const char *code,
    const char *message)
{
	struct body_error	*e;
	struct msg		 m;

	if (to == NULL || to->chan == NULL)
		return;
	e = msg_init(&m, MSG_ERROR, id, peer);
	m.flags = MSGF_REPLY;
	e->code = xstrdup(code);
	e->message = xstrdup(message);
	chan_send(to->chan, &m);
	msg_clear(&m);
}

static void
send_reply(struct wproc *to, struct msg *m)
{
	m->flags |= MSGF_REPLY;
	chan_send(to->chan, m);
}

/* ------------------------------------------------------------ status */

/* Uid and seccomp mode as the kernel reports them, not as told. */
static void
read_proc_status(pid_t pid, int64_t *uid, int64_t *seccomp)
{
	char	 path[64], line[256];
	FILE	*f;

	*uid = -1;
	*seccomp = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (pid == 0 || (f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Uid:", 4) == 0)
			*uid = strtoll(line + 4, NULL, 10);
		else if (strncmp(line, "Seccomp:", 8) == 0)
			*seccomp = strtoll(line + 8, NULL, 10);
	}
	fclose(f);
}

void
router_status(struct msg *m, uint32_t id)
{
	struct body_status	*b;
	struct worker_status	*ws;
	struct wproc		*wp;
	uint64_t		 now = now_ms();
	size_t			 i;

	b = msg_init(m, MSG_STATUS, id, PEER_PARENT);
	b->version = xstrdup(PACKAGE_VERSION);
	b->uptime_ms = (int64_t)(now - env->start_ms);
	b->pid = getpid();
	b->all_up = supervise_all_up();
	b->docker_up = engine_up();
	b->docker_version = xstrdup(engine_version());
	b->workers = xcalloc(NWORKERS, sizeof(*b->workers));
	b->nworkers = NWORKERS;
	for (i = 0; i < NWORKERS; i++) {
		wp = &env->workers[i];
		ws = &b->workers[i];
		ws->name = xstrdup(wp->def->name);
		ws->pid = wp->pid;
		ws->state = xstrdup(wstate_name(wp->state));
		ws->uptime_ms = wp->state == WS_UP ?
		    (int64_t)(now - wp->up_ms) : 0;
		ws->restarts = wp->restarts;
		ws->last_exit = xstrdup(wp->last_exit);
		read_proc_status(wp->pid, &ws->uid, &ws->seccomp);
	}
}

/* ------------------------------------------------------------ pending */

static int
pending_add(unsigned src, unsigned dst, uint32_t id)
{
	if (npending == MAX_PENDING)
		return -1;
	pending[npending].src = (uint8_t)src;
	pending[npending].dst = (uint8_t)dst;
	pending[npending].id = id;
	npending++;
	return 0;
}

/* Remove the request a reply from src to dst answers; -1 if none. */
static int
pending_take(unsigned replier, unsigned requester, uint32_t id)
{
	size_t	i;

	for (i = 0; i < npending; i++) {
		if (pending[i].dst == replier && pending[i].src == requester &&
		    pending[i].id == id) {
			pending[i] = pending[--npending];
			return 0;
		}
	}
	return -1;
}

int
parent_call(struct wproc *wp, struct msg *m, parent_reply_cb cb, void *arg)
{
	size_t	i;

	if (wp->chan == NULL || wp->state != WS_UP)
		return -1;
	for (i = 0; i < MAX_CALLS && pcalls[i].id != 0; i++)
		;
	if (i == MAX_CALLS)
		return -1;
	if (++pcall_next == 0)
		pcall_next = 1;
	m->id = pcall_next;
	m->peer = PEER_PARENT;
	if (chan_send(wp->chan, m) == -1)
		return -1;
	pcalls[i].id = m->id;
	pcalls[i].dst = (uint8_t)wp->def->id;
	pcalls[i].cb = cb;
	pcalls[i].arg = arg;
	return 0;
}

static void
pcall_answer(struct wproc *wp, struct msg *reply)
{
	struct pcall	c;
	size_t		i;

	for (i = 0; i < MAX_CALLS; i++) {
		if (pcalls[i].id == 0 || pcalls[i].dst != wp->def->id ||
		    (reply != NULL && pcalls[i].id != reply->id))
			continue;
		c = pcalls[i];
		memset(&pcalls[i], 0, sizeof(pcalls[i]));
		c.cb(reply, c.arg);
		if (reply != NULL)
			return;
	}
	if (reply != NULL)
		log_debug("%s: stray reply to berthd", wp->def->name);
}

void
router_worker_gone(struct wproc *wp)
{
	unsigned	self = wp->def->id;
	size_t		i = 0;

	pcall_answer(wp, NULL);	/* every call to it fails */

	while (i < npending) {
		if (pending[i].dst == self) {
			send_error(wproc_by_peer(pending[i].src),
			    pending[i].id, self, "unavailable",
			    "worker stopped before answering");
		} else if (pending[i].src != self) {
			i++;
			continue;
		}
		pending[i] = pending[--npending];
	}
}

/* ------------------------------------------------------------ dispatch */

static void
misbehaving(struct wproc *wp, struct msg *m, const char *why)
{
	log_warnx("%s: %s %s to %s refused: %s", wp->def->name,
	    msg_type_name(m->type), (m->flags & MSGF_REPLY) ? "reply" :
	    "message", peer_name(m->peer), why);
	if (!(m->flags & MSGF_REPLY) && route_find(m->type, wp->def->id,
	    m->peer) == NULL)
		send_error(wp, m->id, m->peer, "forbidden", why);
}

static void
for_parent(struct wproc *wp, struct msg *m)
{
	struct body_ping	*p;
	struct msg		 r;

	switch (m->type) {
	case MSG_HELLO:
		if (wp->state == WS_STARTING) {
			wp->state = WS_UP;
			wp->up_ms = now_ms();
			parent_worker_up(wp);
		}
		break;
	case MSG_STATUS_REQ:
		router_status(&r, m->id);
		send_reply(wp, &r);
		msg_clear(&r);
		break;
	case MSG_PING:
		p = msg_init(&r, MSG_PONG, m->id, PEER_PARENT);
		p->sent_ms = ((struct body_ping *)m->body)->sent_ms;
		send_reply(wp, &r);
		msg_clear(&r);
		break;
	default:
		if (wp->def->dispatch == NULL || wp->def->dispatch(wp, m) == -1)
			misbehaving(wp, m, "not a request this worker may "
			    "make");
	}
}

static void
forward_reply(struct wproc *wp, struct msg *m)
{
	struct wproc	*to = wproc_by_peer(m->peer);
	unsigned	 self = wp->def->id;

	if (to == NULL || pending_take(self, m->peer, m->id) == -1) {
		misbehaving(wp, m, "answers no request in flight");
		return;
	}
	if (to->chan == NULL)
		return;
	m->peer = (uint8_t)self;
	chan_send(to->chan, m);
	if (m->flags & MSGF_FD)
		m->fd = -1;	/* the channel sent and closed it */
}

static void
forward_request(struct wproc *wp, struct msg *m, const struct route *r)
{
	struct wproc	*to = wproc_by_peer(m->peer);
	unsigned	 self = wp->def->id, dst = m->peer;

	if (to->chan == NULL || to->state != WS_UP) {
		if (r->request)
			send_error(wp, m->id, dst, "unavailable",
			    "worker is not running");
		return;
	}
	if (r->request && pending_add(self, dst, m->id) == -1) {
		send_error(wp, m->id, dst, "busy", "too many requests");
		return;
	}
	m->peer = (uint8_t)self;
	chan_send(to->chan, m);
	if (m->flags & MSGF_FD)
		m->fd = -1;
}

void
router_dispatch(struct wproc *wp, struct msg *m)
{
	const struct route	*r;

	if (m->peer == wp->def->id) {
		misbehaving(wp, m, "a worker cannot address itself");
		return;
	}
	if (m->flags & MSGF_REPLY) {
		if (m->peer == PEER_PARENT)
			pcall_answer(wp, m);
		else
			forward_reply(wp, m);
		return;
	}
	if ((r = route_find(m->type, wp->def->id, m->peer)) == NULL) {
		if (m->peer == PEER_PARENT)
			for_parent(wp, m);	/* worker-specific requests */
		else
			misbehaving(wp, m, "route not allowed");
		return;
	}
	if (m->peer == PEER_PARENT)
		for_parent(wp, m);
	else
		forward_request(wp, m, r);
}
