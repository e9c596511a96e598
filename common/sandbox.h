/*
 * seccomp sandbox for the workers, after OpenSSH's
 * sandbox-seccomp-filter.c: a base allowlist every worker needs (its
 * event loop, IPC, memory, exit) plus a per-worker list and argument
 * rules.  Default action: kill the process (SIGSYS).  Two calls only:
 * sandbox_apply() and, for debugging, a trap mode that prints the
 * offending system call.
 */
#ifndef BERTH_SANDBOX_H
#define BERTH_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

/* Allow syscall nr only when argument argnum equals value (with mask
 * set: when argument & mask equals value) and, with mask2 set, argument
 * argnum2 & mask2 equals value2 too.  { nr, argnum, value } is the
 * common case (SANDBOX_ARG); SANDBOX_SOCKET names a domain and a
 * type. */
struct sandbox_arg_rule {
	int		nr;
	unsigned	argnum;
	uint64_t	value;
	uint64_t	mask;
	unsigned	argnum2;
	uint64_t	value2;
	uint64_t	mask2;
};

/* argument argnum == value */
#define SANDBOX_ARG(nr, argnum, value)	{ (nr), (argnum), (value), 0, 0, 0, 0 }
/* (argument argnum & mask) == value */
#define SANDBOX_MASKED(nr, argnum, mask, value)				\
	{ (nr), (argnum), (value), (mask), 0, 0, 0 }

/* socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, ...) only. */
#define SANDBOX_SOCKET_TYPE_MASK	0xf
#define SANDBOX_SOCKET(domain, type)					\
	{ SCMP_SYS(socket), 0, (domain), 0, 1, (type),			\
	  SANDBOX_SOCKET_TYPE_MASK }

/* The socket domains berthd lets a worker open, narrowing its policy
 * (sandbox_apply_net): a domain left out of net is refused, AF_UNIX
 * with EPERM (so that libc falls back), the others by the default
 * action. */
#define SANDBOX_NET_UNIX	0x1
#define SANDBOX_NET_INET	0x2	/* AF_INET and AF_INET6 */
#define SANDBOX_NET_ALL		(SANDBOX_NET_UNIX | SANDBOX_NET_INET)

struct sandbox_policy {
	const char			*name;
	const int			*syscalls;
	size_t				 nsyscalls;
	const struct sandbox_arg_rule	*rules;
	size_t				 nrules;
};

#define SANDBOX_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* Load the base list plus policy.  With trap set, a forbidden call
 * prints its number to stderr and exits 159 instead of a silent
 * SIGSYS kill.  Returns 0, or -1 (logged): callers must treat that as
 * fatal (fail closed). */
int	sandbox_apply(const struct sandbox_policy *policy, int trap);
int	sandbox_apply_net(const struct sandbox_policy *policy, int trap,
	    unsigned net);

/* The "Seccomp:" value from /proc/self/status, or -1. */
int	sandbox_mode(void);

#endif
