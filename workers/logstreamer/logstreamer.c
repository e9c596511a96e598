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
#include "stream.h"
#include "worker.h"

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

static void
logstreamer_start(struct worker *w)
{
	stream_init(w);
	log_debug("logstreamer ready");
}

/* Descriptors come from berthd only (the router forwards none from a
 * worker to this one any more). */
static int
logstreamer_dispatch(struct worker *w, struct msg *m)
{
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
	.start = logstreamer_start,
	.dispatch = logstreamer_dispatch,
	.drain = logstreamer_drain,
};
