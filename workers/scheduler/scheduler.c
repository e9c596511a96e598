/*
 * The scheduler worker: the cron table, job runs, cleanup and alert rule
 * evaluation (later issues fill these in).  Today it runs its confined
 * loop and answers berthd.  Chrooted; no sockets of its own.
 */
#include <seccomp.h>

#include "log.h"
#include "worker.h"

static const int scheduler_syscalls[] = {
	/* timers only: the base list covers the loop */
	SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime),
};
const struct sandbox_policy scheduler_policy = {
	"scheduler", scheduler_syscalls, SANDBOX_NELEM(scheduler_syscalls),
	NULL, 0
};

static void
scheduler_start(struct worker *w)
{
	log_debug("scheduler ready");
}

const struct worker_ops scheduler_ops = {
	.start = scheduler_start,
};
