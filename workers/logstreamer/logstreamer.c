/*
 * The log streamer worker: keeps log relay buffers and fans them out to
 * Server-Sent Events clients whose connections the gateway hands over
 * (later issues fill these in).  Chrooted; it writes only to descriptors
 * it was given.
 */
#include <sys/ioctl.h>

#include <seccomp.h>
#include <unistd.h>

#include "codec.h"
#include "log.h"
#include "worker.h"

static const int logstreamer_syscalls[] = {
	/* client connections handed over by the gateway */
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

static void
logstreamer_start(struct worker *w)
{
	log_debug("logstreamer ready");
}

/* Descriptors arrive with MSG_FD_PASS; until SSE exists, refuse them. */
static int
logstreamer_dispatch(struct worker *w, struct msg *m)
{
	if (m->type != MSG_FD_PASS)
		return -1;
	log_warnx("descriptor for \"%s\" refused: no handler yet",
	    ((struct body_fd_pass *)m->body)->purpose);
	return 0;
}

const struct worker_ops logstreamer_ops = {
	.start = logstreamer_start,
	.dispatch = logstreamer_dispatch,
};
