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

/* Allow syscall nr only when argument argnum equals value. */
struct sandbox_arg_rule {
	int		nr;
	unsigned	argnum;
	uint64_t	value;
};

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

/* The "Seccomp:" value from /proc/self/status, or -1. */
int	sandbox_mode(void);

#endif
