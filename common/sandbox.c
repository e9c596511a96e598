/*
 * seccomp allowlists with libseccomp.  The base list covers what every
 * worker's libevent loop does once it runs; anything a worker needs
 * beyond that is named in its own policy beside its code.  Name service,
 * file opening and process creation are absent on purpose: workers do
 * those before the filter is loaded, or never.
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "log.h"
#include "sandbox.h"

static const int base_syscalls[] = {
	/* memory (mmap and mprotect: base_rules) */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	/* descriptors the worker already holds */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(recvmsg), SCMP_SYS(sendmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(sendto), SCMP_SYS(close), SCMP_SYS(fstat),
	SCMP_SYS(newfstatat), SCMP_SYS(fcntl), SCMP_SYS(shutdown),
	/* event loop */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl),
	SCMP_SYS(poll), SCMP_SYS(ppoll),
	/* time */
	SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday), SCMP_SYS(time),
	SCMP_SYS(nanosleep), SCMP_SYS(clock_nanosleep),
	/* signals (libevent's handlers were installed before the filter) */
	SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigaction), SCMP_SYS(restart_syscall),
	/* identity, randomness, threads of libc */
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid),
	SCMP_SYS(geteuid), SCMP_SYS(getgid), SCMP_SYS(getegid),
	SCMP_SYS(getrandom), SCMP_SYS(futex), SCMP_SYS(sched_yield),
	/* glibc's qsort sizes its buffer by the machine's memory */
	SCMP_SYS(sysinfo),
	/* leaving */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* No worker makes memory executable once confined: W^X. */
static const struct sandbox_arg_rule base_rules[] = {
	SANDBOX_MASKED(SCMP_SYS(mmap), 2, PROT_EXEC, 0),
	SANDBOX_MASKED(SCMP_SYS(mprotect), 2, PROT_EXEC, 0),
};

#ifdef BERTH_SANITIZE
/* What the AddressSanitizer and UBSan runtimes call while running.
 * Opening files stays forbidden: a sanitizer report inside a confined
 * worker ends in SIGSYS (run with server.unconfined to read it). */
static const int sanitizer_syscalls[] = {
	SCMP_SYS(sigaltstack), SCMP_SYS(prlimit64), SCMP_SYS(getrlimit),
	SCMP_SYS(sched_getaffinity), SCMP_SYS(getppid), SCMP_SYS(mincore),
};
#endif

static void
sandbox_trap(int sig, siginfo_t *info, void *ctx)
{
	char	msg[80];
	int	n, nr = info->si_syscall;

	(void)sig;
	(void)ctx;
	n = snprintf(msg, sizeof(msg),
	    "berth sandbox: forbidden system call %d\n", nr);
	if (n > 0)
		(void)write(STDERR_FILENO, msg, (size_t)n);
	_exit(159);
}

static int
install_trap(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sandbox_trap;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	return sigaction(SIGSYS, &sa, NULL);
}

static int
allow_list(scmp_filter_ctx ctx, const int *list, size_t n)
{
	size_t	i;
	int	r;

	for (i = 0; i < n; i++) {
		if ((r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, list[i], 0)) < 0) {
			log_warnx("sandbox: allow syscall %d: %s", list[i],
			    strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* Whether a socket() rule's domain is one berthd lets the worker
 * open (net, SANDBOX_NET_*). */
static int
domain_allowed(const struct sandbox_arg_rule *r, unsigned net)
{
	if (r->nr != SCMP_SYS(socket) || r->argnum != 0)
		return 1;
	if (r->value == AF_UNIX)
		return (net & SANDBOX_NET_UNIX) != 0;
	if (r->value == AF_INET || r->value == AF_INET6)
		return (net & SANDBOX_NET_INET) != 0;
	return 1;
}

static int
add_rule(scmp_filter_ctx ctx, uint32_t action,
    const struct sandbox_arg_rule *r)
{
	struct scmp_arg_cmp	cmp[2];
	unsigned		n = 0;

	if (r->mask != 0)
		cmp[n++] = SCMP_CMP(r->argnum, SCMP_CMP_MASKED_EQ, r->mask,
		    r->value);
	else
		cmp[n++] = SCMP_CMP(r->argnum, SCMP_CMP_EQ, r->value);
	if (r->mask2 != 0)
		cmp[n++] = SCMP_CMP(r->argnum2, SCMP_CMP_MASKED_EQ, r->mask2,
		    r->value2);
	return seccomp_rule_add_array(ctx, action, r->nr, n, cmp);
}

static int
allow_rules(scmp_filter_ctx ctx, const struct sandbox_arg_rule *rules,
    size_t n, unsigned net)
{
	size_t	i;
	int	r;

	for (i = 0; i < n; i++) {
		if (!domain_allowed(&rules[i], net))
			continue;
		if ((r = add_rule(ctx, SCMP_ACT_ALLOW, &rules[i])) < 0) {
			log_warnx("sandbox: rule for syscall %d: %s",
			    rules[i].nr, strerror(-r));
			return -1;
		}
	}
	return 0;
}

/* A Unix socket the worker may not open fails with EPERM: glibc's
 * helpers that try one (nscd, syslog) go on without it. */
static int
refuse_unix(scmp_filter_ctx ctx, unsigned net)
{
	if (net & SANDBOX_NET_UNIX)
		return 0;
	if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(socket), 1,
	    SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) < 0) {
		log_warnx("sandbox: AF_UNIX refusal rule failed");
		return -1;
	}
	return 0;
}

/* Signals only to ourselves: abort() and raise() keep working. */
static int
allow_self_signals(scmp_filter_ctx ctx)
{
	pid_t	pid = getpid();

	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid)) < 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(kill), 1,
	    SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)pid)) < 0) {
		log_warnx("sandbox: self-signal rules failed");
		return -1;
	}
	return 0;
}

int
sandbox_apply(const struct sandbox_policy *policy, int trap)
{
	return sandbox_apply_net(policy, trap, SANDBOX_NET_ALL);
}

int
sandbox_apply_net(const struct sandbox_policy *policy, int trap,
    unsigned net)
{
	scmp_filter_ctx	ctx;
	int		r = -1;

	if (trap && install_trap() == -1) {
		log_warn("sandbox: sigaction SIGSYS");
		return -1;
	}
	ctx = seccomp_init(trap ? SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS);
	if (ctx == NULL) {
		log_warnx("sandbox: seccomp_init failed");
		return -1;
	}
	/* A call of another architecture (x32, i386) kills the whole
	 * process too, not only its thread (libseccomp's default). */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, trap ?
	    SCMP_ACT_TRAP : SCMP_ACT_KILL_PROCESS) != 0) {
		log_warnx("sandbox: cannot set the foreign-architecture "
		    "action");
		goto out;
	}
	if (allow_list(ctx, base_syscalls, SANDBOX_NELEM(base_syscalls)) ||
#ifdef BERTH_SANITIZE
	    allow_list(ctx, sanitizer_syscalls,
	    SANDBOX_NELEM(sanitizer_syscalls)) ||
#endif
	    allow_list(ctx, policy->syscalls, policy->nsyscalls) ||
	    allow_rules(ctx, base_rules, SANDBOX_NELEM(base_rules),
	    SANDBOX_NET_ALL) ||
	    allow_rules(ctx, policy->rules, policy->nrules, net) ||
	    refuse_unix(ctx, net) || allow_self_signals(ctx))
		goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1) {
		log_warn("sandbox: PR_SET_NO_NEW_PRIVS");
		goto out;
	}
	if ((r = seccomp_load(ctx)) < 0) {
		log_warnx("sandbox: seccomp_load: %s", strerror(-r));
		r = -1;
		goto out;
	}
	r = 0;
out:
	seccomp_release(ctx);
	return r;
}

int
sandbox_mode(void)
{
	FILE	*f;
	char	 line[256];
	int	 mode = -1;

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "Seccomp:", 8) == 0) {
			mode = atoi(line + 8);
			break;
		}
	}
	fclose(f);
	return mode;
}
