/*
 * The router: every message a worker sends arrives here.  Messages for
 * berthd are answered; messages for another worker are checked against
 * the route table (who may send what to whom) and forwarded with the
 * sender as peer.  Requests in flight are remembered so that a reply can
 * only answer a real request, and so that the requester gets an error at
 * once, instead of waiting, when the destination is down or dies.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "berthd.h"
#include "chan.h"
#include "codec.h"
#include "log.h"
#include "utf8.h"
#include "util.h"
#include "xmalloc.h"

/* Requests forwarded from one worker to another and not yet answered:
 * a reply must answer one of them, of a type its row allows. */
#define MAX_PENDING	1024

struct pending {
	uint8_t			 src, dst;
	uint32_t		 src_gen;
	uint32_t		 id;
	const struct request_row *row;
};

static struct pending	pending[MAX_PENDING];
static size_t		npending;

/* berthd's own requests to workers. */
#define MAX_CALLS	256

static struct pcall {
	uint32_t		 id;
	uint8_t			 dst;
	uint32_t		 gen;
	const struct request_row *row;
	parent_reply_cb		 cb;
	void			*arg;
} pcalls[MAX_CALLS];
static uint32_t		pcall_next;

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
	e->message = utf8_fix(xstrdup(message));
	chan_send(to->chan, &m);
	msg_clear(&m);
}

/* ------------------------------------------------------------ callers */

static struct wproc *
caller_wproc(const struct caller *c)
{
	struct wproc *wp = wproc_by_peer(c->peer);

	if (wp == NULL || wp->chan == NULL || wp->gen != c->gen)
		return NULL;
	return wp;
}

int
caller_alive(const struct caller *c)
{
	return c->admin != NULL || caller_wproc(c) != NULL;
}

void
caller_reply(const struct caller *c, struct msg *m)
{
	const struct request_row	*row;
	struct wproc			*wp;

	if (c->admin != NULL) {
		admin_reply(c->admin, c->id, m);
		return;
	}
	if ((wp = caller_wproc(c)) == NULL) {
		log_debug("answer to %s %u dropped: it restarted",
		    peer_name(c->peer), c->id);
		return;
	}
	row = request_row(c->type, c->peer, PEER_PARENT);
	if (row == NULL || !request_answers(row, m->type)) {
		log_warnx("berthd: %s does not answer %s", msg_type_name(
		    m->type), msg_type_name(c->type));
		send_error(wp, c->id, PEER_PARENT, "internal",
		    "no answer of that type");
		return;
	}
	m->id = c->id;
	m->peer = PEER_PARENT;
	m->flags |= MSGF_REPLY;
	chan_send(wp->chan, m);
}

void
caller_error(const struct caller *c, const char *code, const char *fmt, ...)
{
	char	text[512];
	va_list	ap;

	va_start(ap, fmt);
	utf8_vformat(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (c->admin != NULL)
		admin_error(c->admin, c->id, code, text);
	else
		send_error(caller_wproc(c), c->id, PEER_PARENT, code, text);
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
	b->containment = xstrdup(engine_up() ? netguard_problem() : "");
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
pending_add(struct wproc *src, unsigned dst, uint32_t id,
    const struct request_row *row)
{
	if (npending == MAX_PENDING)
		return -1;
	pending[npending].src = (uint8_t)src->def->id;
	pending[npending].src_gen = src->gen;
	pending[npending].dst = (uint8_t)dst;
	pending[npending].id = id;
	pending[npending].row = row;
	npending++;
	return 0;
}

/* The request from requester to replier a reply answers, taken out of
 * the table; NULL if none. */
static struct pending *
pending_take(unsigned replier, unsigned requester, uint32_t id,
    struct pending *out)
{
	size_t	i;

	for (i = 0; i < npending; i++) {
		if (pending[i].dst == replier && pending[i].src == requester &&
		    pending[i].id == id) {
			*out = pending[i];
			pending[i] = pending[--npending];
			return out;
		}
	}
	return NULL;
}

int
parent_call(struct wproc *wp, struct msg *m, parent_reply_cb cb, void *arg)
{
	const struct request_row	*row;
	size_t				 i;

	row = request_row(m->type, PEER_PARENT, wp->def->id);
	if (row == NULL)
		fatalx("parent_call: no row for %s to %s",
		    msg_type_name(m->type), wp->def->name);
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
	pcalls[i].gen = wp->gen;
	pcalls[i].row = row;
	pcalls[i].cb = cb;
	pcalls[i].arg = arg;
	return 0;
}

/* A reply to berthd (reply NULL: every call to wp fails). */
static void
pcall_answer(struct wproc *wp, struct msg *reply)
{
	struct pcall	c;
	size_t		i;

	for (i = 0; i < MAX_CALLS; i++) {
		if (pcalls[i].id == 0 || pcalls[i].dst != wp->def->id)
			continue;
		if (reply != NULL && pcalls[i].id != reply->id)
			continue;
		c = pcalls[i];
		memset(&pcalls[i], 0, sizeof(pcalls[i]));
		if (reply == NULL) {
			c.cb(NULL, c.arg);
			continue;
		}
		if (!request_answers(c.row, reply->type)) {
			misbehaved(wp, "a reply of the wrong type to berthd");
			c.cb(NULL, c.arg);
		} else
			c.cb(reply, c.arg);
		return;
	}
	if (reply != NULL)
		misbehaved(wp, "a reply to no request of berthd's");
}

/* Calls to wp fail; requests it was to answer get an error.  Requests
 * it made stay until answered: the answer is then dropped (the run that
 * asked is gone), without blaming the worker that answers late. */
void
router_worker_gone(struct wproc *wp)
{
	unsigned	 self = wp->def->id;
	struct wproc	*src;
	size_t		 i = 0;

	pcall_answer(wp, NULL);
	while (i < npending) {
		if (pending[i].dst != self) {
			i++;
			continue;
		}
		src = wproc_by_peer(pending[i].src);
		if (src != NULL && src->gen == pending[i].src_gen)
			send_error(src, pending[i].id, self, "unavailable",
			    "worker stopped before answering");
		pending[i] = pending[--npending];
	}
}

/* ------------------------------------------------------------ dispatch */

void
misbehaved(struct wproc *wp, const char *what)
{
	log_warnx("%s: %s", wp->def->name, what);
	if (++wp->rejects >= 3 && wp->pid > 0) {
		log_warnx("%s: misbehaved %u times; restarting it",
		    wp->def->name, wp->rejects);
		kill(wp->pid, SIGKILL);
	}
}

static void
refuse(struct wproc *wp, struct msg *m, const char *why)
{
	char	what[256];

	snprintf(what, sizeof(what), "%s %s to %s refused: %s",
	    msg_type_name(m->type), (m->flags & MSGF_REPLY) ? "reply" :
	    "message", peer_name(m->peer), why);
	if (!(m->flags & MSGF_REPLY))
		send_error(wp, m->id, m->peer, "forbidden", why);
	misbehaved(wp, what);
}

static void
forward_reply(struct wproc *wp, struct msg *m)
{
	struct wproc	*to = wproc_by_peer(m->peer);
	unsigned	 self = wp->def->id;
	struct pending	 p;

	if (to == NULL || pending_take(self, m->peer, m->id, &p) == NULL) {
		refuse(wp, m, "answers no request in flight");
		return;
	}
	if (!request_answers(p.row, m->type)) {
		refuse(wp, m, "not an answer to that request");
		send_error(to, m->id, self, "unavailable", "bad answer");
		return;
	}
	if (to->chan == NULL || to->gen != p.src_gen)
		return;		/* the requester restarted meanwhile */
	m->peer = (uint8_t)self;
	chan_send(to->chan, m);
	if (m->flags & MSGF_FD)
		m->fd = -1;	/* the channel sent and closed it */
}

static void
forward_request(struct wproc *wp, struct msg *m, const struct request_row *r)
{
	struct wproc	*to = wproc_by_peer(m->peer);
	unsigned	 self = wp->def->id, dst = m->peer;
	int		 request = r->replies[0] != 0;

	if (to->chan == NULL || to->state != WS_UP) {
		if (request)
			send_error(wp, m->id, dst, "unavailable",
			    "worker is not running");
		return;
	}
	if (request && pending_add(wp, dst, m->id, r) == -1) {
		send_error(wp, m->id, dst, "busy", "too many requests");
		return;
	}
	m->peer = (uint8_t)self;
	chan_send(to->chan, m);
	if (m->flags & MSGF_FD)
		m->fd = -1;
}

/* Who the request is from: for one made for an HTTP client, what its
 * token maps to, stamped into the body (the token blanked); else berth
 * itself.  0, or -1 after answering. */
static int
authenticate(struct wproc *wp, struct msg *m, const struct request_row *r,
    struct ident *who)
{
	struct req_auth *a = msg_auth(m);

	memset(who, 0, sizeof(*who));
	if (a != NULL && (a->caller[0] != '\0' || a->admin)) {
		refuse(wp, m, "identity set by the sender");
		return -1;
	}
	if (!(r->flags & RQ_TOKEN)) {
		snprintf(who->user, sizeof(who->user), "%s", wp->def->name);
		who->admin = 1;
		return 0;
	}
	if (a == NULL || ident_from_token(a->token, who) == -1) {
		send_error(wp, m->id, m->peer, "unauthorized",
		    a != NULL && a->token[0] != '\0' ?
		    "invalid bearer token" : "missing bearer token");
		return -1;
	}
	if ((r->flags & RQ_ADMIN) && !who->admin) {
		send_error(wp, m->id, m->peer, "forbidden",
		    "for the admin token only");
		return -1;
	}
	explicit_bzero(a->token, strlen(a->token));
	a->token[0] = '\0';
	free(a->caller);
	a->caller = xstrdup(who->user);
	a->admin = who->admin;
	return 0;
}

void
router_dispatch(struct wproc *wp, struct msg *m)
{
	const struct request_row	*r;
	struct caller			 c;

	if (m->peer == wp->def->id) {
		refuse(wp, m, "a worker cannot address itself");
		return;
	}
	if (m->flags & MSGF_REPLY) {
		if (m->peer == PEER_PARENT)
			pcall_answer(wp, m);
		else
			forward_reply(wp, m);
		return;
	}
	if ((r = request_row(m->type, wp->def->id, m->peer)) == NULL) {
		refuse(wp, m, "not a message this worker may send there");
		return;
	}
	if ((m->flags & MSGF_FD) && !(r->flags & RQ_FD)) {
		refuse(wp, m, "a descriptor where none may travel");
		return;
	}
	memset(&c, 0, sizeof(c));
	if (authenticate(wp, m, r, &c.who) == -1)
		return;
	if (m->peer != PEER_PARENT) {
		forward_request(wp, m, r);
		return;
	}
	c.peer = (uint8_t)wp->def->id;
	c.gen = wp->gen;
	c.id = m->id;
	c.type = m->type;
	r->handler(&c, m);
}
