/*
 * The health monitor worker: probes workspace endpoints over TCP, checks
 * components and keeps their circuit breakers (later issues fill these
 * in).  Chrooted; it may open IPv4/IPv6 sockets, never Unix ones.
 */
#include <sys/socket.h>

#include <seccomp.h>

#include "log.h"
#include "worker.h"

static const int healthmon_syscalls[] = {
	/* probe connections */
	SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
};
static const struct sandbox_arg_rule healthmon_rules[] = {
	{ SCMP_SYS(socket), 0, AF_INET },
	{ SCMP_SYS(socket), 0, AF_INET6 },
};
const struct sandbox_policy healthmon_policy = {
	"healthmon", healthmon_syscalls, SANDBOX_NELEM(healthmon_syscalls),
	healthmon_rules, SANDBOX_NELEM(healthmon_rules)
};

static void
healthmon_start(struct worker *w)
{
	log_debug("healthmon ready");
}

const struct worker_ops healthmon_ops = {
	.start = healthmon_start,
};
