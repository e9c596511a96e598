/*
 * The stats writer worker: owns the PostgreSQL connection, the write
 * queue and the on-disk spool, and answers history queries (later issues
 * fill these in).  Not chrooted: it reaches PostgreSQL by socket path.
 */
#include <sys/socket.h>

#include <seccomp.h>

#include "log.h"
#include "worker.h"

static const int statswriter_syscalls[] = {
	/* the database connection */
	SCMP_SYS(connect), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	SCMP_SYS(getsockname), SCMP_SYS(getpeername),
};
static const struct sandbox_arg_rule statswriter_rules[] = {
	{ SCMP_SYS(socket), 0, AF_UNIX },
	{ SCMP_SYS(socket), 0, AF_INET },
	{ SCMP_SYS(socket), 0, AF_INET6 },
};
const struct sandbox_policy statswriter_policy = {
	"statswriter", statswriter_syscalls,
	SANDBOX_NELEM(statswriter_syscalls),
	statswriter_rules, SANDBOX_NELEM(statswriter_rules)
};

static void
statswriter_start(struct worker *w)
{
	log_debug("statswriter ready");
}

const struct worker_ops statswriter_ops = {
	.start = statswriter_start,
};
