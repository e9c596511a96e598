/*
 * The log streamer worker: Server-Sent Events clients of
 * /api/workspaces/{id}/logs/stream, whose sockets berthd hands over
 * (MSG_SSE_CLIENT, after it checked who may read the workspace),
 * fanned out from one engine follow per workspace (stream.c).
 * Chrooted; it writes only to descriptors it was given.
 */
#include <sys/ioctl.h>

#include <jansson.h>
#include <seccomp.h>
#include <unistd.h>

#include "codec.h"
#include "log.h"
#include "sink.h"
#include "stream.h"
#include "worker.h"
#include "xmalloc.h"

static const int logstreamer_syscalls[] = {
	/* client connections handed over by berthd */
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(getpeername),
};
static const struct sandbox_arg_rule logstreamer_rules[] = {
	SANDBOX_ARG(SCMP_SYS(ioctl), 1, FIONREAD),
};
const struct sandbox_policy logstreamer_policy = {
	"logstreamer", logstreamer_syscalls,
	SANDBOX_NELEM(logstreamer_syscalls),
	logstreamer_rules, SANDBOX_NELEM(logstreamer_rules)
};

/* Before confinement: jansson seeds its hashes from /dev/urandom. */
static void
logstreamer_init(struct worker *w)
{
	json_object_seed(0);
}

/* Each configuration, the first and a reload's. */
static void
logstreamer_configure(struct worker *w)
{
	sink_pace(w->cfg.logs_pace_ms);
}

static void
logstreamer_start(struct worker *w)
{
	stream_init(w);
	log_debug("logstreamer ready");
}

/* berth_sse_clients for /api/metrics (the gateway asks). */
static void
answer_prom(struct worker *w, const struct msg *req)
{
	struct body_prom	*b;
	struct msg		 r;

	b = msg_init(&r, MSG_PROM, req->id, req->peer);
	b->items = xcalloc(1, sizeof(*b->items));
	b->nitems = 1;
	b->items[0].name = xstrdup("berth_sse_clients");
	b->items[0].k1 = xstrdup("");
	b->items[0].v1 = xstrdup("");
	b->items[0].k2 = xstrdup("");
	b->items[0].v2 = xstrdup("");
	b->items[0].k3 = xstrdup("");
	b->items[0].v3 = xstrdup("");
	b->items[0].value = (double)stream_clients();
	r.flags = MSGF_REPLY;
	worker_send(w, &r);
	msg_clear(&r);
}

/* Descriptors come from berthd only (the router forwards none from a
 * worker to this one any more). */
static int
logstreamer_dispatch(struct worker *w, struct msg *m)
{
	if (m->type == MSG_PROM_REQ) {
		answer_prom(w, m);
		return 0;
	}
	if (m->type == MSG_LOGS_STATE && m->peer == PEER_PARENT) {
		stream_state(m->body);
		return 0;
	}
	if (m->type != MSG_SSE_CLIENT || m->peer != PEER_PARENT ||
	    m->fd < 0)
		return -1;
	stream_attach(w, m->body, m->fd);
	m->fd = -1;
	return 0;
}

static void
logstreamer_drain(struct worker *w)
{
	stream_shutdown();
	worker_exit(w);
}

const struct worker_ops logstreamer_ops = {
	.init = logstreamer_init,
	.configure = logstreamer_configure,
	.start = logstreamer_start,
	.dispatch = logstreamer_dispatch,
	.drain = logstreamer_drain,
};
